/* vault.c: Key Vault secrets get, set and delete over the challenge flow. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <yajl/yajl_gen.h>

#include "vault-int.h"

#define VAULT_TRIES		4	/* retries after a 5xx or network error */
#define VAULT_BACKOFF_MS	1000L	/* 1, 2, 4, 8, 16 s */
#define VAULT_BACKOFF_MAX_MS	16000L

/* One operation on one secret. */
struct vault_call {
	enum vault_op		 op;
	const struct vault_target *t;
	const char		*method;
	char			*url;
	const char		*body;		/* sent only with a token */
	size_t			 body_len;
	char			 request_id[37];	/* x-ms-client-request-id */
};

/* A random (version 4) UUID, or "" when no randomness is available. */
static void
uuid_new(char out[37])
{
	unsigned char b[16];

	out[0] = '\0';
	if (RAND_bytes(b, sizeof(b)) != 1)
		return;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/*
 * Send the call once: with a token and the body, or without either (the
 * challenge probe, Content-Length: 0 as the Azure SDKs do).
 */
static int
vault_send(struct azkv *ctx, struct vault_call *c, const char *token,
    struct http_resp *resp)
{
	struct http_req req;
	struct buf auth;
	const char *hdrs[5];
	char cid[64];
	size_t n = 0;
	int r, ret = AZKV_ERR_INTERNAL;

	buf_init(&auth, 0);
	memset(&req, 0, sizeof(req));
	hdrs[n++] = "Accept: application/json";
	if (token != NULL) {
		if ((r = buf_append_str(&auth, "Authorization: Bearer ")) != 0 ||
		    (r = buf_append_str(&auth, token)) != 0) {
			ret = seterr(ctx, r, "cannot build the request");
			goto out;
		}
		hdrs[n++] = auth.d;
		if (c->body != NULL) {
			hdrs[n++] = "Content-Type: application/json";
			req.body = c->body;
			req.body_len = c->body_len;
		}
	}
	if (c->request_id[0] != '\0' && snprintf(cid, sizeof(cid),
	    "x-ms-client-request-id: %s", c->request_id) < (int)sizeof(cid))
		hdrs[n++] = cid;
	hdrs[n] = NULL;
	req.kind = HTTP_VAULT;
	req.method = c->method;
	req.url = c->url;
	req.headers = hdrs;
	if (token == NULL)
		log_debug(ctx, "vault: %s without a token to learn the "
		    "vault's challenge", c->method);
	ret = http_do(ctx, &req, resp);
 out:
	buf_release(&auth);
	return ret;
}

/* Exponential backoff for retry number n (0-based). */
static long
backoff_ms(int n)
{
	long ms = VAULT_BACKOFF_MS;

	while (n-- > 0 && ms < VAULT_BACKOFF_MAX_MS)
		ms *= 2;
	return ms > VAULT_BACKOFF_MAX_MS ? VAULT_BACKOFF_MAX_MS : ms;
}

/*
 * How long to wait before retrying this reply, or -1 not to retry: 429
 * as Retry-After says (at least 1 s) or backing off, for as long as the
 * deadline allows; 408 and 5xx a few times.
 */
static long
retry_wait(const struct http_resp *resp, int tries, int throttles)
{
	long ms;

	switch (resp->status) {
	case 429:
		if (resp->retry_after == NULL ||
		    retry_after_parse(resp->retry_after, time(NULL), &ms) != 0)
			return backoff_ms(throttles);
		return ms < VAULT_BACKOFF_MS ? VAULT_BACKOFF_MS : ms;
	case 408:
	case 500:
	case 502:
	case 503:
	case 504:
		return tries < VAULT_TRIES ? backoff_ms(tries) : -1;
	}
	return -1;
}

/* Keep only printable ASCII of an untrusted string, for messages. */
static void
printable(char *out, size_t outlen, const char *s)
{
	size_t i, n = 0;

	for (i = 0; s[i] != '\0' && n + 1 < outlen; i++)
		if (s[i] >= 0x20 && s[i] < 0x7f)
			out[n++] = s[i];
	out[n] = '\0';
}

/*
 * Learn and verify the resource from a 401 challenge. *resource is
 * replaced only when the new one may receive a token for this host.
 */
static int
vault_challenge(struct azkv *ctx, struct vault_call *c,
    const struct http_resp *resp, char **resource)
{
	char *res = NULL, *tenant = NULL, shown[128];
	int r, ret = AZKV_ERR_PROTOCOL;

	if (resp->www_authenticate == NULL) {
		seterr(ctx, AZKV_ERR_PROTOCOL, "the vault answered 401 "
		    "without a Bearer challenge");
		goto out;
	}
	if ((r = challenge_parse(resp->www_authenticate, &res,
	    &tenant)) != 0) {
		ret = seterr(ctx, r, "cannot parse the vault's challenge "
		    "(WWW-Authenticate)");
		goto out;
	}
	if (!vault_host_trusted(ctx, c->t->host, res)) {
		printable(shown, sizeof(shown), res);
		ret = seterr(ctx, AZKV_ERR_UNTRUSTED, "the vault's challenge "
		    "names resource '%s', which does not belong to host '%s'; "
		    "no token was sent", shown, c->t->host);
		goto out;
	}
	log_debug(ctx, "vault: challenge for %s: resource %s, tenant %s",
	    c->t->host, res, tenant ? tenant : "-");
	if ((r = vault_challenge_store(ctx, c->t->host, res, tenant)) != 0) {
		ret = seterr(ctx, r, "out of memory");
		goto out;
	}
	free(*resource);
	*resource = res;
	res = NULL;
	ret = 0;
 out:
	free(res);
	free(tenant);
	return ret;
}

/*
 * Run the call to a final reply: challenge, token, one re-challenge after
 * a refused token, retries for 429/5xx/network errors within the deadline.
 * Returns 0 with a 2xx reply in *resp, or an AZKV_ERR_* with text in ctx.
 */
static int
vault_request(struct azkv *ctx, struct vault_call *c, struct http_resp *resp)
{
	struct azkv_token *tok = NULL;
	struct vault_error e;
	const char *known;
	char *resource = NULL;
	long wait;
	int r, ret = AZKV_ERR_INTERNAL, reauth = 0, tries = 0, throttles = 0;

	if (!vault_host_allowed(ctx, c->t->host)) {
		ret = seterr(ctx, AZKV_ERR_UNTRUSTED, "'%s' is not a Key Vault "
		    "host (*.vault.azure.net, *.vault.azure.cn, "
		    "*.vault.usgovcloudapi.net, *.managedhsm.azure.net); "
		    "name it in allow-vault-host (AZKV_ALLOW_VAULT_HOST) to use "
		    "it", c->t->host);
		goto wrap;
	}
	if ((known = vault_challenge_lookup(ctx, c->t->host)) != NULL &&
	    (resource = strdup(known)) == NULL) {
		ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
		goto wrap;
	}
	for (;;) {
		if (resource == NULL)
			r = vault_send(ctx, c, NULL, resp);
		else {
			if ((r = tokencache_get(ctx, resource, &tok)) != 0) {
				ret = r;
				goto wrap;
			}
			r = vault_send(ctx, c, azkv_token_value(tok), resp);
			azkv_token_free(tok);
			tok = NULL;
		}
		if (r == AZKV_ERR_NETWORK && tries < VAULT_TRIES &&
		    backoff_ms(tries) < ctx_ms_left(ctx)) {
			log_debug(ctx, "vault: retrying after a network error");
			if (http_sleep(ctx, backoff_ms(tries++)) != 0) {
				ret = r;
				goto wrap;
			}
			continue;
		}
		if (r != 0) {
			ret = r;
			goto wrap;
		}
		if (resp->status >= 200 && resp->status < 300)
			break;
		if (resp->status == 401 && (resource == NULL || !reauth)) {
			if (resource != NULL) {
				/* the token was refused: drop it, ask again */
				tokencache_drop(ctx, resource);
				reauth = 1;
			}
			r = vault_challenge(ctx, c, resp, &resource);
			if (r == AZKV_ERR_PROTOCOL && reauth) {
				/* e.g. a claims challenge: same resource */
				log_debug(ctx, "vault: %s; retrying with a new "
				    "token", azkv_last_error(ctx));
				continue;
			}
			if (r != 0) {
				ret = r;
				goto wrap;
			}
			continue;
		}
		if ((wait = retry_wait(resp, tries, throttles)) >= 0 &&
		    wait < ctx_ms_left(ctx)) {
			log_debug(ctx, "vault: status %ld, retrying in %ld ms",
			    resp->status, wait);
			if (resp->status == 429)
				throttles++;
			else
				tries++;
			if (http_sleep(ctx, wait) == 0)
				continue;
		}
		vault_error_parse(resp, &e);
		snprintf(e.client_id, sizeof(e.client_id), "%s", c->request_id);
		ret = vault_error_set(ctx, c->op, c->t, &e);
		goto out;
	}
	ret = 0;
	goto out;
 wrap:
	ret = vault_error_wrap(ctx, c->op, c->t, ret);
 out:
	azkv_token_free(tok);
	free(resource);
	return ret;
}

/* Reject a secret whose validity window (nbf, exp) excludes now. */
static int
secret_check_window(struct azkv *ctx, const struct vault_target *t,
    const struct azkv_secret *s)
{
	time_t now = time(NULL);
	char when[32];
	struct tm tm;
	time_t at;
	const char *what;

	if (s->exp != 0 && (int64_t)now >= s->exp) {
		at = (time_t)s->exp;
		what = "the secret expired on";
	} else if (s->nbf != 0 && (int64_t)now < s->nbf) {
		at = (time_t)s->nbf;
		what = "the secret is not valid before";
	} else
		return 0;
	if (gmtime_r(&at, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)at);
	return seterr(ctx, AZKV_ERR_DISABLED, "cannot read secret '%s' from "
	    "'%.100s': %s %s; set a new version or change its dates",
	    t->name, t->display, what, when);
}

/* Set up the call; the deadline is started by the caller. */
static int
call_init(struct azkv *ctx, struct vault_call *c, enum vault_op op,
    const struct vault_target *t)
{
	static const char *const methods[] = { "GET", "PUT", "DELETE" };

	memset(c, 0, sizeof(*c));
	c->op = op;
	c->t = t;
	c->method = methods[op];
	uuid_new(c->request_id);
	return vault_target_url(ctx, t, op, &c->url);
}

int
azkv_secret_get(struct azkv *ctx, const char *name, const char *version,
    struct azkv_secret **out)
{
	struct vault_target t;
	struct vault_call c;
	struct http_resp resp;
	struct vault_error e;
	struct azkv_secret *s = NULL;
	int r, ret = AZKV_ERR_INTERNAL, started = ctx->deadline == 0;

	memset(&t, 0, sizeof(t));
	memset(&c, 0, sizeof(c));
	http_resp_init(&resp);
	ctx_deadline_start(ctx);
	if ((r = vault_target_init(ctx, name, version, &t)) != 0 ||
	    (r = call_init(ctx, &c, VAULT_GET, &t)) != 0 ||
	    (r = vault_request(ctx, &c, &resp)) != 0) {
		ret = r;
		goto out;
	}
	if ((r = secret_parse(resp.body.d, resp.body.len, &s)) != 0) {
		vault_error_parse(&resp, &e);
		ret = seterr(ctx, r == AZKV_ERR_NOMEM ? r : AZKV_ERR_PROTOCOL,
		    "cannot read secret '%s' from '%.100s': malformed reply "
		    "from the vault (%ld)%s%s%s", t.name, t.display,
		    resp.status, e.request_id[0] ? " [request id " : "",
		    e.request_id, e.request_id[0] ? "]" : "");
		goto out;
	}
	if ((r = secret_check_window(ctx, &t, s)) != 0) {
		ret = r;
		goto out;
	}
	*out = s;
	s = NULL;
	ret = 0;
 out:
	azkv_secret_free(s);
	http_resp_release(&resp);
	free(c.url);
	vault_target_release(&t);
	if (started)
		ctx_deadline_clear(ctx);
	return ret;
}

/* The SecretSetParameters body, through yajl's generator, into *body. */
static int
set_body(struct azkv *ctx, const char *value, size_t len,
    const struct azkv_secret_params *p, struct buf *body)
{
	const unsigned char *out;
	yajl_gen g;
	size_t i, outlen;
	int r, ret = AZKV_ERR_NOMEM;

	if ((g = yajl_gen_alloc(json_alloc_funcs())) == NULL)
		return seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_cstr(g, "value") != 0)
		goto fail;
	if (json_gen_str(g, value, len) != 0) {
		ret = seterr(ctx, AZKV_ERR_USAGE, "the secret value is not "
		    "valid UTF-8 text");
		goto out;
	}
	if (p != NULL &&
	    json_gen_pair(g, "contentType", p->content_type) != 0)
		goto fail;
	if (p != NULL && p->ntags > 0) {
		if (json_gen_cstr(g, "tags") != 0 ||
		    yajl_gen_map_open(g) != yajl_gen_status_ok)
			goto fail;
		for (i = 0; i < p->ntags; i++)
			if (json_gen_cstr(g, p->tags[i].key) != 0 ||
			    json_gen_cstr(g, p->tags[i].value) != 0)
				goto fail;
		if (yajl_gen_map_close(g) != yajl_gen_status_ok)
			goto fail;
	}
	if (p != NULL && (p->nbf != 0 || p->exp != 0)) {
		if (json_gen_cstr(g, "attributes") != 0 ||
		    yajl_gen_map_open(g) != yajl_gen_status_ok ||
		    (p->nbf != 0 && (json_gen_cstr(g, "nbf") != 0 ||
		    yajl_gen_integer(g, p->nbf) != yajl_gen_status_ok)) ||
		    (p->exp != 0 && (json_gen_cstr(g, "exp") != 0 ||
		    yajl_gen_integer(g, p->exp) != yajl_gen_status_ok)) ||
		    yajl_gen_map_close(g) != yajl_gen_status_ok)
			goto fail;
	}
	if (yajl_gen_map_close(g) != yajl_gen_status_ok ||
	    yajl_gen_get_buf(g, &out, &outlen) != yajl_gen_status_ok)
		goto fail;
	if ((r = buf_append(body, out, outlen)) != 0) {
		ret = seterr(ctx, r, "cannot build the request body");
		goto out;
	}
	ret = 0;
	goto out;
 fail:
	ret = seterr(ctx, AZKV_ERR_USAGE, "cannot encode the secret's "
	    "content type or tags as JSON (not UTF-8 text?)");
 out:
	yajl_gen_free(g);	/* the wiping allocator clears its buffer */
	return ret;
}

int
azkv_secret_set(struct azkv *ctx, const char *name, const char *value,
    size_t len, const struct azkv_secret_params *params,
    struct azkv_secret **out)
{
	struct vault_target t;
	struct vault_call c;
	struct http_resp resp;
	struct azkv_secret *s = NULL;
	struct buf body;
	int r, ret = AZKV_ERR_INTERNAL, started = ctx->deadline == 0;

	memset(&t, 0, sizeof(t));
	memset(&c, 0, sizeof(c));
	buf_init(&body, AZKV_BODY_MAX);
	http_resp_init(&resp);
	ctx_deadline_start(ctx);
	if ((r = vault_target_init(ctx, name, NULL, &t)) != 0) {
		ret = r;
		goto out;
	}
	if (t.version != NULL) {
		ret = seterr(ctx, AZKV_ERR_USAGE, "cannot write secret '%s': "
		    "a new version cannot be named; drop the version from "
		    "the URL", t.name);
		goto out;
	}
	if (value == NULL) {
		ret = seterr(ctx, AZKV_ERR_USAGE, "cannot write secret '%s': "
		    "no value given", t.name);
		goto out;
	}
	if (len > AZKV_SECRET_MAX) {
		ret = seterr(ctx, AZKV_ERR_USAGE, "cannot write secret '%s': "
		    "the value is %zu bytes, Key Vault's limit is %d", t.name,
		    len, AZKV_SECRET_MAX);
		goto out;
	}
	if ((r = set_body(ctx, value, len, params, &body)) != 0 ||
	    (r = call_init(ctx, &c, VAULT_SET, &t)) != 0) {
		ret = r;
		goto out;
	}
	c.body = body.d;
	c.body_len = body.len;
	if ((r = vault_request(ctx, &c, &resp)) != 0) {
		ret = r;
		goto out;
	}
	if (out != NULL &&
	    (r = secret_parse(resp.body.d, resp.body.len, &s)) != 0) {
		ret = seterr(ctx, r == AZKV_ERR_NOMEM ? r : AZKV_ERR_PROTOCOL,
		    "secret '%s' was written to '%.100s' but the reply is "
		    "malformed (%ld)", t.name, t.display, resp.status);
		goto out;
	}
	if (out != NULL)
		*out = s;
	s = NULL;
	ret = 0;
 out:
	azkv_secret_free(s);
	http_resp_release(&resp);
	buf_release(&body);
	free(c.url);
	vault_target_release(&t);
	if (started)
		ctx_deadline_clear(ctx);
	return ret;
}

int
azkv_secret_delete(struct azkv *ctx, const char *name)
{
	struct vault_target t;
	struct vault_call c;
	struct http_resp resp;
	int r, ret = AZKV_ERR_INTERNAL, started = ctx->deadline == 0;

	memset(&t, 0, sizeof(t));
	memset(&c, 0, sizeof(c));
	http_resp_init(&resp);
	ctx_deadline_start(ctx);
	if ((r = vault_target_init(ctx, name, NULL, &t)) != 0) {
		ret = r;
		goto out;
	}
	if (t.version != NULL) {
		ret = seterr(ctx, AZKV_ERR_USAGE, "cannot delete secret '%s': "
		    "Key Vault deletes all versions; drop the version from "
		    "the URL", t.name);
		goto out;
	}
	if ((r = call_init(ctx, &c, VAULT_DELETE, &t)) != 0 ||
	    (r = vault_request(ctx, &c, &resp)) != 0) {
		ret = r;
		goto out;
	}
	ret = 0;
 out:
	http_resp_release(&resp);
	free(c.url);
	vault_target_release(&t);
	if (started)
		ctx_deadline_clear(ctx);
	return ret;
}
