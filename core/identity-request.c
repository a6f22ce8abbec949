/* identity-request.c: token requests to each identity source, with retries. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <yajl/yajl_tree.h>

#include "azkv-int.h"
#include "identity-int.h"

#define ARC_KEY_DIR		"/var/opt/azcmagent/tokens"
#define ARC_KEY_MAX		4096
#define ASSERTION_MAX		(64 * 1024)
#define GONE_DELAY_MS		10000L	/* IMDS 410: every ~10 s */
#define BACKOFF_FIRST_MS	1000L
#define BACKOFF_MAX_MS		60000L
#define RETRIES_MAX		5	/* for 404/408/429/5xx/timeouts */
#define CONNECT_TIMEOUT_MS	2000L	/* local endpoints: fail fast */
#define ATTEMPT_TIMEOUT_MS	30000L	/* a hung attempt is retried */
#define HEADERS_MAX		8

/* Per-fetch state carried across attempts. */
struct attempt {
	struct buf	 url;
	struct buf	 body;		/* form body (may hold the assertion) */
	struct buf	 hdr_secret;	/* "Name: secret" */
	struct buf	 key;		/* Arc key file contents */
	struct buf	 hdr_auth;	/* "Authorization: Basic ..." */
	int		 arc_auth;	/* sending the Arc key this time */
	int		 answered;	/* some HTTP reply seen */
	long		 last_status;
	char		 last_desc[200];
};

static const char *const titles[IDSRC_COUNT] = {
	"Service Fabric", "App Service", "Azure Arc", "Azure Machine Learning",
	"Cloud Shell", "workload identity", "IMDS",
};

static int
local_source(const struct idplan *p)
{
	return p->src != IDSRC_WORKLOAD;
}

/* Append "&name=escaped(value)" (no '&' when first). */
static int
form_add(struct buf *b, const char *name, const char *value)
{
	char *esc;
	int r;

	if ((esc = curl_easy_escape(NULL, value, 0)) == NULL)
		return AZKV_ERR_NOMEM;
	if ((r = buf_append_str(b, b->len ? "&" : "")) == 0 &&
	    (r = buf_append_str(b, name)) == 0 &&
	    (r = buf_append_str(b, "=")) == 0)
		r = buf_append_str(b, esc);
	azkv_wipe(esc, strlen(esc));
	curl_free(esc);
	return r;
}

/* endpoint + query parameters (already a form string), via curl_url. */
static int
url_build(struct azkv *ctx, const struct idplan *p, const char *query,
    struct buf *out)
{
	CURLU *u;
	char *s = NULL, *scheme = NULL;
	int r, ret = AZKV_ERR_USAGE;

	if ((u = curl_url()) == NULL)
		return AZKV_ERR_NOMEM;
	if (curl_url_set(u, CURLUPART_URL, p->endpoint, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0)) {
		seterr(ctx, AZKV_ERR_USAGE, "invalid %s endpoint '%.200s' "
		    "(need an http or https URL)", titles[p->src],
		    p->endpoint);
		goto out;
	}
	if (query != NULL && *query != '\0' && curl_url_set(u,
	    CURLUPART_QUERY, query, CURLU_APPENDQUERY) != CURLUE_OK) {
		seterr(ctx, AZKV_ERR_USAGE, "cannot add a query to %s "
		    "endpoint '%.200s'", titles[p->src], p->endpoint);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK) {
		ret = seterr(ctx, AZKV_ERR_NOMEM, "cannot build a URL");
		goto out;
	}
	buf_reset(out);
	if ((r = buf_append_str(out, s)) != 0) {
		ret = seterr(ctx, r, "%s endpoint URL is too long",
		    titles[p->src]);
		goto out;
	}
	ret = 0;
 out:
	curl_free(s);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ret;
}

/* Read a small file into b (bounded), refusing non-regular files. */
static int
file_read(struct azkv *ctx, const char *what, const char *path, int nofollow,
    size_t max, struct buf *b)
{
	struct stat st;
	char chunk[1024];
	ssize_t n;
	int fd, r, ret = AZKV_ERR_IO;

	buf_reset(b);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    (nofollow ? O_NOFOLLOW : 0));
	if (fd == -1)
		return seterr(ctx, errno == EACCES ? AZKV_ERR_DENIED :
		    AZKV_ERR_IO, "cannot open %s '%.200s': %s%s", what, path,
		    strerror(errno), errno == EACCES && nofollow ?
		    " (reading it needs root or the himds group)" : "");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		seterr(ctx, AZKV_ERR_IO, "%s '%.200s' is not a regular file",
		    what, path);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		seterr(ctx, AZKV_ERR_IO, "%s '%.200s' is larger than %zu "
		    "bytes", what, path, max);
		goto out;
	}
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1 &&
		    errno == EINTR)
			continue;
		if (n == -1) {
			seterr(ctx, AZKV_ERR_IO, "cannot read %s '%.200s': %s",
			    what, path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > max ||
		    (r = buf_append(b, chunk, (size_t)n)) != 0) {
			seterr(ctx, AZKV_ERR_IO, "%s '%.200s' is larger than "
			    "%zu bytes", what, path, max);
			goto out;
		}
	}
	while (b->len > 0 && (b->d[b->len - 1] == '\n' ||
	    b->d[b->len - 1] == '\r' || b->d[b->len - 1] == ' ' ||
	    b->d[b->len - 1] == '\t'))
		b->d[--b->len] = '\0';
	if (b->len == 0) {
		seterr(ctx, AZKV_ERR_IO, "%s '%.200s' is empty", what, path);
		goto out;
	}
	ret = 0;
 out:
	azkv_wipe(chunk, sizeof(chunk));
	close(fd);
	if (ret != 0)
		buf_reset(b);
	return ret;
}

/*
 * Azure Arc: the 401 names a key file with "Basic realm=PATH". Accept it
 * only in ARC_KEY_DIR, named *.key, a regular file of at most 4096 bytes.
 */
static int
arc_key_load(struct azkv *ctx, const char *challenge, struct attempt *a)
{
	const char *path, *base, *slash;
	char pathbuf[512];
	size_t n;
	int r;

	if (challenge == NULL || strncasecmp(challenge, "Basic realm=", 12))
		return seterr(ctx, AZKV_ERR_PROTOCOL, "Azure Arc answered 401 "
		    "without a 'Basic realm=' key file challenge");
	if (strchr(challenge, '=') != strrchr(challenge, '='))
		return seterr(ctx, AZKV_ERR_PROTOCOL, "Azure Arc sent a "
		    "malformed key file challenge (more than one '=')");
	path = challenge + 12;
	n = strlen(path);
	while (n > 0 && (path[n - 1] == ' ' || path[n - 1] == '\r' ||
	    path[n - 1] == '\n'))
		n--;
	if (n >= sizeof(pathbuf))
		return seterr(ctx, AZKV_ERR_PROTOCOL, "Azure Arc key file "
		    "path is too long");
	memcpy(pathbuf, path, n);
	pathbuf[n] = '\0';
	slash = strrchr(pathbuf, '/');
	base = slash ? slash + 1 : pathbuf;
	if (slash == NULL || (size_t)(slash - pathbuf) != strlen(ARC_KEY_DIR) ||
	    strncmp(pathbuf, ARC_KEY_DIR, strlen(ARC_KEY_DIR)) != 0)
		return seterr(ctx, AZKV_ERR_PROTOCOL, "Azure Arc key file "
		    "'%.200s' is not in %s; refusing it", pathbuf,
		    ARC_KEY_DIR);
	n = strlen(base);
	if (n <= 4 || strcmp(base + n - 4, ".key") != 0)
		return seterr(ctx, AZKV_ERR_PROTOCOL, "Azure Arc key file "
		    "'%.200s' does not end in .key; refusing it", pathbuf);
	if ((r = file_read(ctx, "Azure Arc key file", pathbuf, 1,
	    ARC_KEY_MAX, &a->key)) != 0)
		return r;
	buf_reset(&a->hdr_auth);
	if ((r = buf_append_str(&a->hdr_auth, "Authorization: Basic ")) != 0 ||
	    (r = buf_append(&a->hdr_auth, a->key.d, a->key.len)) != 0)
		return seterr(ctx, r, "Azure Arc key is too large");
	buf_reset(&a->key);
	if (strpbrk(a->hdr_auth.d, "\r\n") != NULL) {
		buf_reset(&a->hdr_auth);
		return seterr(ctx, AZKV_ERR_PROTOCOL, "Azure Arc key file "
		    "'%.200s' holds a line break", pathbuf);
	}
	return 0;
}

/* Build the URL, headers and body of one attempt. */
static int
request_build(struct azkv *ctx, const struct idplan *p, const char *res,
    struct attempt *a, struct http_req *req, const char **hdrs)
{
	struct buf q;
	char *scope = NULL;
	size_t nh = 0, n;
	int r, ret = AZKV_ERR_NOMEM;

	buf_init(&q, 8192);
	buf_reset(&a->body);
	buf_reset(&a->hdr_secret);
	memset(req, 0, sizeof(*req));
	req->kind = local_source(p) ? HTTP_IDENTITY : HTTP_AUTHORITY;
	req->method = "GET";
	if (local_source(p))
		req->connect_timeout_ms = CONNECT_TIMEOUT_MS;
	if (ctx_ms_left(ctx) > ATTEMPT_TIMEOUT_MS)
		req->timeout_ms = ATTEMPT_TIMEOUT_MS;
	switch (p->src) {
	case IDSRC_SERVICEFABRIC:
		r = form_add(&q, "api-version", "2019-07-01-preview");
		req->pin_sha1 = p->thumbprint;
		break;
	case IDSRC_APPSERVICE:
		r = form_add(&q, "api-version", "2019-08-01");
		hdrs[nh++] = "Metadata: true";
		break;
	case IDSRC_ARC:
		r = form_add(&q, "api-version", "2020-06-01");
		hdrs[nh++] = "Metadata: true";
		if (a->arc_auth)
			hdrs[nh++] = a->hdr_auth.d;
		break;
	case IDSRC_AZUREML:
		r = form_add(&q, "api-version", "2017-09-01");
		break;
	case IDSRC_CLOUDSHELL:
	case IDSRC_WORKLOAD:
		r = 0;
		req->method = "POST";
		hdrs[nh++] = "Metadata: true";
		hdrs[nh++] = "Content-Type: application/x-www-form-urlencoded";
		break;
	case IDSRC_IMDS:
	default:
		r = form_add(&q, "api-version", "2018-02-01");
		hdrs[nh++] = "Metadata: true";
		break;
	}
	if (r != 0)
		goto out;
	if (p->src == IDSRC_WORKLOAD) {
		/* Workload identity: no Metadata header, a fresh assertion. */
		nh = 1;
		hdrs[0] = "Content-Type: application/x-www-form-urlencoded";
		if ((r = file_read(ctx, "AZURE_FEDERATED_TOKEN_FILE",
		    p->token_file, 0, ASSERTION_MAX, &a->body)) != 0) {
			ret = r == AZKV_ERR_IO ? AZKV_ERR_NOIDENTITY : r;
			goto out;
		}
		n = strlen(res);
		while (n > 0 && res[n - 1] == '/')
			n--;
		if ((scope = malloc(n + 10)) == NULL)
			goto out;
		memcpy(scope, res, n);
		memcpy(scope + n, "/.default", 10);
		/* a->body holds the raw assertion: escape it last */
		if ((r = form_add(&q, "grant_type", "client_credentials")) ||
		    (r = form_add(&q, "client_assertion_type", "urn:ietf:"
		    "params:oauth:client-assertion-type:jwt-bearer")) ||
		    (r = form_add(&q, "client_id", p->client_id)) ||
		    (r = form_add(&q, "scope", scope)) ||
		    (r = form_add(&q, "client_assertion", a->body.d)))
			goto out;
		buf_reset(&a->body);
		if ((r = buf_append(&a->body, q.d, q.len)) != 0)
			goto out;
		buf_reset(&q);
	} else if (p->src == IDSRC_CLOUDSHELL) {
		if ((r = form_add(&a->body, "resource", res)) != 0)
			goto out;
	} else {
		if ((r = form_add(&q, "resource", res)) != 0)
			goto out;
		if (p->param != NULL && (r = form_add(&q, p->param,
		    p->client_id != NULL ? p->client_id : p->sel.value)) != 0)
			goto out;
	}
	if (p->secret_header != NULL && p->secret != NULL) {
		if (buf_printf(&a->hdr_secret, "%s: %s", p->secret_header,
		    p->secret) != 0)
			goto out;
		hdrs[nh++] = a->hdr_secret.d;
	}
	hdrs[nh] = NULL;
	if ((r = url_build(ctx, p, q.d, &a->url)) != 0) {
		ret = r;
		goto out;
	}
	req->url = a->url.d;
	req->headers = hdrs;
	if (strcmp(req->method, "POST") == 0) {
		req->body = a->body.d;
		req->body_len = a->body.len;
	}
	ret = 0;
 out:
	if (ret == AZKV_ERR_NOMEM)
		seterr(ctx, ret, "out of memory building a token request");
	free(scope);
	buf_release(&q);
	return ret;
}

/* A short printable description from an OAuth/App Service error body. */
static void
error_desc(const struct http_resp *resp, char *out, size_t len)
{
	char jerr[64];
	json_t root, e;
	const char *s = NULL, *code = NULL;
	size_t i, j;

	out[0] = '\0';
	if (resp->body.len == 0 || (root = json_parse(resp->body.d,
	    resp->body.len, jerr, sizeof(jerr))) == NULL)
		return;
	if ((e = json_get(root, "error")) != NULL && YAJL_IS_OBJECT(e)) {
		code = json_get_str(e, "code");
		s = json_get_str(e, "message");
	} else {
		code = json_get_str(root, "error");
		if ((s = json_get_str(root, "error_description")) == NULL)
			s = json_get_str(root, "message");
	}
	if (s == NULL) {
		s = code;
		code = NULL;
	}
	if (s != NULL) {
		j = 0;
		if (code != NULL)
			j = (size_t)snprintf(out, len, "%.40s: ", code);
		for (i = 0; s[i] != '\0' && j + 1 < len && i < 180; i++)
			out[j++] = (s[i] >= ' ' && s[i] <= '~') ? s[i] : ' ';
		out[j < len ? j : len - 1] = '\0';
	}
	json_free(root);
}

/*
 * 1 when the failed request never got a TCP connection (refused, no
 * route, connect timeout): libcurl records the peer's address only once
 * connected.
 */
static int
never_connected(struct azkv *ctx, int r)
{
	char *ip = NULL;

	if (ctx->curl_identity == NULL || curl_easy_getinfo(
	    ctx->curl_identity, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK)
		return r == AZKV_ERR_NETWORK;
	return ip == NULL || *ip == '\0';
}

/* 1 when TCP connected but the TLS handshake failed (pin mismatch). */
static int
tls_failed(struct azkv *ctx)
{
	curl_off_t t = 0;

	if (ctx->curl_identity == NULL ||
	    curl_easy_getinfo(ctx->curl_identity, CURLINFO_APPCONNECT_TIME_T,
	    &t) != CURLE_OK)
		return 0;
	return !never_connected(ctx, AZKV_ERR_NETWORK) && t == 0;
}

static long
backoff_ms(int retry)
{
	static unsigned int seed;
	long ms = BACKOFF_FIRST_MS;
	int i;

	for (i = 0; i < retry && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	if (seed == 0)
		seed = (unsigned int)getpid() ^ (unsigned int)time(NULL);
	seed = seed * 1103515245u + 12345u;
	/* jitter: 80% .. 120% */
	return ms * 8 / 10 + (long)((seed >> 8) % (unsigned int)(ms * 4 / 10 + 1));
}

static void
attempt_release(struct attempt *a)
{
	buf_release(&a->url);
	buf_release(&a->body);
	buf_release(&a->hdr_secret);
	buf_release(&a->key);
	buf_release(&a->hdr_auth);
}

static const char *
status_hint(long status)
{
	switch (status) {
	case 404:	return " (endpoint updating)";
	case 410:	return " (Gone: IMDS is updating)";
	case 429:	return " (throttled)";
	case 500:	return " (server error)";
	case 503:	return " (unavailable)";
	}
	return "";
}

/* Final error after retries or at the deadline. */
static int
give_up(struct azkv *ctx, const struct idplan *p, struct attempt *a,
    int deadline)
{
	int err;

	if (deadline || a->last_status == 0 || a->last_status == 410)
		err = AZKV_ERR_TIMEOUT;
	else if (a->last_status == 429)
		err = AZKV_ERR_THROTTLED;
	else
		err = AZKV_ERR_SERVER;
	if (a->last_status == 0)
		return seterr(ctx, err, "no token from %s at %.200s within "
		    "the %d s deadline: no complete answer (%s)",
		    titles[p->src], p->endpoint, ctx->timeout,
		    a->last_desc[0] ? a->last_desc : "the endpoint accepted "
		    "the connection but did not answer");
	return seterr(ctx, err, "no token from %s at %.200s %s: last answer "
	    "was HTTP %ld%s%s%s", titles[p->src], p->endpoint, deadline ?
	    "before the deadline" : "after retries", a->last_status,
	    status_hint(a->last_status), a->last_desc[0] ? ": " : "",
	    a->last_desc);
}

static int
identity_not_found(const struct idplan *p, const struct http_resp *resp,
    const char *desc)
{
	(void)p;
	if (resp->status != 400 && resp->status != 404)
		return 0;
	/* IMDS/Azure ML, Service Fabric, App Service wordings */
	return strcasestr(desc, "identity not found") != NULL ||
	    strcasestr(desc, "ManagedIdentityNotFound") != NULL ||
	    (resp->status == 400 &&
	    (strcasestr(desc, "no managed identity") != NULL ||
	    strcasestr(desc, "managed identity found") != NULL ||
	    strcasestr(desc, "no msi found") != NULL));
}

int
idplan_fetch(struct azkv *ctx, const struct idplan *p, const char *resource,
    struct azkv_token **out)
{
	struct attempt a;
	struct http_req req;
	struct http_resp resp;
	const char *hdrs[HEADERS_MAX];
	struct azkv_token *tok = NULL;
	char *res = NULL, why[160];
	time_t now;
	long delay, left;
	int r, sent_auth, retries = 0, ret = AZKV_ERR_INTERNAL;
	size_t i;

	memset(&a, 0, sizeof(a));
	buf_init(&a.url, IDENTITY_URL_MAX * 2);
	buf_init(&a.body, ASSERTION_MAX * 3 + 4096);
	buf_init(&a.hdr_secret, 4096);
	buf_init(&a.key, ARC_KEY_MAX);
	buf_init(&a.hdr_auth, ARC_KEY_MAX + 64);
	http_resp_init(&resp);
	if ((res = resource_normalize(resource)) == NULL) {
		ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; res[i] != '\0'; i++)
		if (res[i] <= ' ' || res[i] > '~')
			break;
	if (res[i] != '\0' || i == 0 || i > 1024) {
		ret = seterr(ctx, AZKV_ERR_USAGE, "invalid token resource "
		    "'%.100s'", resource);
		goto out;
	}
	for (;;) {
		if ((r = request_build(ctx, p, res, &a, &req, hdrs)) != 0) {
			ret = r;
			goto out;
		}
		http_resp_release(&resp);
		http_resp_init(&resp);
		now = time(NULL);
		sent_auth = a.arc_auth;
		r = http_do(ctx, &req, &resp);
		buf_reset(&a.body);
		buf_reset(&a.hdr_secret);
		if (a.arc_auth) {
			buf_reset(&a.hdr_auth);
			a.arc_auth = 0;
		}
		if (r == AZKV_ERR_PROTOCOL || r == AZKV_ERR_NOMEM) {
			ret = seterr(ctx, r, "%s at %.200s: %s", titles[p->src],
			    p->endpoint, r == AZKV_ERR_NOMEM ? "out of memory" :
			    "reply too large or malformed");
			goto out;
		}
		if (r != 0 && r != AZKV_ERR_NETWORK && r != AZKV_ERR_TIMEOUT &&
		    r != AZKV_ERR_UNTRUSTED) {
			ret = r;
			goto out;
		}
		if (r != 0) {
			if (ctx_ms_left(ctx) == 0) {
				ret = give_up(ctx, p, &a, 1);
				goto out;
			}
			snprintf(a.last_desc, sizeof(a.last_desc), "%.199s",
			    ctx->errbuf);
			if (!a.answered && local_source(p) &&
			    never_connected(ctx, r)) {
				ret = seterr(ctx, AZKV_ERR_NOIDENTITY, "no "
				    "managed identity endpoint answered at "
				    "%.200s (%s: %s); is this an Azure machine "
				    "with a managed identity?", p->endpoint,
				    titles[p->src], a.last_desc);
				goto out;
			}
			if (p->thumbprint != NULL && tls_failed(ctx)) {
				ret = seterr(ctx, AZKV_ERR_UNTRUSTED, "%s at "
				    "%.200s: TLS handshake failed; is its "
				    "certificate the one IDENTITY_SERVER_"
				    "THUMBPRINT names? (%s)", titles[p->src],
				    p->endpoint, a.last_desc);
				goto out;
			}
			if (r == AZKV_ERR_UNTRUSTED) {	/* a certificate: final */
				ret = r;
				goto out;
			}
			a.last_status = 0;
			goto backoff;
		}
		a.answered = 1;
		a.last_status = resp.status;
		if (resp.status >= 200 && resp.status < 300) {
			if ((r = token_parse_reason(resp.body.d, resp.body.len,
			    now, &tok, why, sizeof(why))) != 0) {
				ret = seterr(ctx, r, "malformed token reply "
				    "from %s at %.200s: %s", titles[p->src],
				    p->endpoint, why);
				goto out;
			}
			break;
		}
		error_desc(&resp, a.last_desc, sizeof(a.last_desc));
		if (resp.status == 401 && p->src == IDSRC_ARC && !sent_auth) {
			if ((r = arc_key_load(ctx, resp.www_authenticate,
			    &a)) != 0) {
				ret = r;
				goto out;
			}
			a.arc_auth = 1;
			continue;
		}
		if (identity_not_found(p, &resp, a.last_desc)) {
			if (p->sel.kind == IDSEL_SYSTEM && p->client_id == NULL)
				ret = seterr(ctx, AZKV_ERR_NOIDENTITY, "managed "
				    "identity not found: %s at %.200s has no "
				    "system-assigned identity for this "
				    "machine (%s); enable one, or set identity "
				    "to a user-assigned identity",
				    titles[p->src], p->endpoint, a.last_desc);
			else
				ret = seterr(ctx, AZKV_ERR_NOIDENTITY, "managed "
				    "identity not found: %s at %.200s does "
				    "not know the user-assigned identity "
				    "%s=%.200s (%s); check that it is assigned "
				    "to this machine", titles[p->src],
				    p->endpoint, p->param ? p->param : "id",
				    p->client_id ? p->client_id : p->sel.value,
				    a.last_desc);
			goto out;
		}
		if (local_source(p) && (resp.status == 502 ||
		    (resp.status == 403 && resp.body.len > 0 &&
		    strstr(resp.body.d, "unreachable network") != NULL))) {
			ret = seterr(ctx, AZKV_ERR_NOIDENTITY, "no managed "
			    "identity endpoint answered at %.200s (%s: HTTP "
			    "%ld from a proxy or a network that cannot reach "
			    "it)", p->endpoint, titles[p->src], resp.status);
			goto out;
		}
		if (resp.status == 410 || resp.status == 404 ||
		    resp.status == 408 || resp.status == 429 ||
		    (resp.status >= 500 && resp.status <= 599))
			goto backoff;
		if (resp.status == 401 || resp.status == 403)
			ret = seterr(ctx, p->src == IDSRC_WORKLOAD ?
			    AZKV_ERR_NOIDENTITY : AZKV_ERR_DENIED,
			    "%s at %.200s refused the token request: HTTP "
			    "%ld%s%s", titles[p->src], p->endpoint,
			    resp.status, a.last_desc[0] ? ": " : "",
			    a.last_desc);
		else
			ret = seterr(ctx, p->src == IDSRC_WORKLOAD &&
			    resp.status == 400 ? AZKV_ERR_NOIDENTITY :
			    AZKV_ERR_SERVER, "%s at %.200s refused the token "
			    "request: HTTP %ld%s%s", titles[p->src],
			    p->endpoint, resp.status, a.last_desc[0] ? ": " :
			    "", a.last_desc);
		goto out;
 backoff:
		if (resp.status == 410) {
			delay = GONE_DELAY_MS;
		} else {
			if (retries >= RETRIES_MAX) {
				ret = give_up(ctx, p, &a, 0);
				goto out;
			}
			delay = backoff_ms(retries++);
			if (resp.retry_after != NULL && retry_after_parse(
			    resp.retry_after, time(NULL), &delay) == 0 &&
			    delay < 0)
				delay = 0;
		}
		left = ctx_ms_left(ctx);
		if (delay >= left) {
			/* one last try just before the deadline */
			if (left <= 1500) {
				if (left > 0)
					http_sleep(ctx, left);
				ret = give_up(ctx, p, &a, 1);
				goto out;
			}
			delay = left - 1000;
		}
		log_debug(ctx, "identity: %s answered %ld; retrying in %ld ms",
		    p->name, resp.status, delay);
		if (http_sleep(ctx, delay) != 0) {
			ret = give_up(ctx, p, &a, 1);
			goto out;
		}
	}
	if ((tok->resource = strdup(res)) == NULL ||
	    (tok->source = strdup(p->name)) == NULL) {
		ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
		goto out;
	}
	log_debug(ctx, "identity: token from %s expires in %lld s", p->name,
	    (long long)(tok->expires_on - time(NULL)));
	*out = tok;
	tok = NULL;
	ret = 0;
 out:
	azkv_token_free(tok);
	http_resp_release(&resp);
	attempt_release(&a);
	free(res);
	return ret;
}
