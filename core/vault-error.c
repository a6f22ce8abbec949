/* vault-error.c: Key Vault error replies to AZKV_ERR_* codes and readable text. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vault-int.h"

#define INNER_DEPTH_MAX	16

/* Copy only [0-9A-Za-z._-] of s (codes, request ids) into out. */
static void
clean_copy(char *out, size_t outlen, const char *s)
{
	size_t i, n = 0;

	for (i = 0; s != NULL && s[i] != '\0' && n + 1 < outlen; i++) {
		char c = s[i];

		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-')
			out[n++] = c;
	}
	if (outlen > 0)
		out[n] = '\0';
}

static json_t
inner_of(json_t v)
{
	json_t in;

	if (v == NULL)
		return NULL;
	if ((in = json_get(v, "innererror")) == NULL)
		in = json_get(v, "innerError");
	return in;
}

void
vault_error_parse(const struct http_resp *resp, struct vault_error *e)
{
	char errbuf[128];
	json_t root, err, in;
	const char *s;
	int depth;

	memset(e, 0, sizeof(*e));
	e->status = resp->status;
	clean_copy(e->request_id, sizeof(e->request_id), resp->request_id);
	if (resp->body.len == 0 ||
	    (root = json_parse(resp->body.d, resp->body.len, errbuf,
	    sizeof(errbuf))) == NULL)
		return;
	if ((err = json_get(root, "error")) != NULL) {
		clean_copy(e->code, sizeof(e->code), json_get_str(err, "code"));
		for (in = inner_of(err), depth = 0;
		    in != NULL && depth < INNER_DEPTH_MAX;
		    in = inner_of(in), depth++)
			if ((s = json_get_str(in, "code")) != NULL)
				clean_copy(e->inner, sizeof(e->inner), s);
	}
	json_free(root);
}

static int
is_code(const struct vault_error *e, const char *code)
{
	return strcasecmp(e->inner, code) == 0 || strcasecmp(e->code, code) == 0;
}

int
vault_error_class(const struct vault_error *e)
{
	switch (e->status) {
	case 401:
		return AZKV_ERR_DENIED;
	case 403:
		if (is_code(e, "SecretDisabled") || is_code(e, "SecretExpired") ||
		    is_code(e, "SecretNotYetValid"))
			return AZKV_ERR_DISABLED;
		return AZKV_ERR_DENIED;
	case 404:
		return AZKV_ERR_NOTFOUND;
	case 409:
		return AZKV_ERR_CONFLICT;
	case 429:
		return AZKV_ERR_THROTTLED;
	}
	return AZKV_ERR_SERVER;
}

static const char *
reason_phrase(long status)
{
	switch (status) {
	case 400:	return "Bad Request";
	case 401:	return "Unauthorized";
	case 403:	return "Forbidden";
	case 404:	return "Not Found";
	case 405:	return "Method Not Allowed";
	case 408:	return "Request Timeout";
	case 409:	return "Conflict";
	case 413:	return "Payload Too Large";
	case 429:	return "Too Many Requests";
	case 500:	return "Internal Server Error";
	case 501:	return "Not Implemented";
	case 502:	return "Bad Gateway";
	case 503:	return "Service Unavailable";
	case 504:	return "Gateway Timeout";
	}
	return NULL;
}

/* "cannot read secret 'x' from 'v'" and friends. */
static void
op_prefix(char *out, size_t outlen, enum vault_op op,
    const struct vault_target *t)
{
	static const char *const verb[] = { "read", "write", "delete" };
	static const char *const prep[] = { "from", "to", "from" };
	int r;

	r = snprintf(out, outlen, "cannot %s secret '%s' %s '%.100s'",
	    verb[op], t->name ? t->name : "?", prep[op],
	    t->display ? t->display : "?");
	if (r < 0)
		out[0] = '\0';
}

/* What went wrong and what to do about it, by class and codes. */
static void
error_words(enum vault_op op, const struct vault_target *t,
    const struct vault_error *e, int cls, const char **what,
    const char **hint)
{
	*hint = "";
	switch (cls) {
	case AZKV_ERR_NOTFOUND:
		*what = t->version != NULL && op == VAULT_GET ?
		    "no such secret or version" : "no such secret";
		break;
	case AZKV_ERR_DISABLED:
		if (is_code(e, "SecretExpired")) {
			*what = "the secret has expired";
			*hint = "; set a new version or extend its expiry";
		} else if (is_code(e, "SecretNotYetValid")) {
			*what = "the secret is not valid yet";
			*hint = "; wait for its activation date or change it";
		} else {
			*what = "the secret is disabled";
			*hint = "; enable it or read an enabled version";
		}
		break;
	case AZKV_ERR_DENIED:
		*what = "access denied";
		if (e->status == 401)
			*hint = "; the vault refused the identity's token "
			    "(is the vault in another tenant?)";
		else if (is_code(e, "ForbiddenByFirewall"))
			*hint = "; the vault's firewall does not admit this "
			    "machine's address";
		else if (op == VAULT_GET)
			*hint = is_code(e, "ForbiddenByRbac") ?
			    "; grant the identity 'Key Vault Secrets User'" :
			    "; grant the identity 'Key Vault Secrets User' "
			    "(or a 'get' secret access policy)";
		else
			*hint = is_code(e, "ForbiddenByRbac") ?
			    "; grant the identity 'Key Vault Secrets Officer'" :
			    "; grant the identity 'Key Vault Secrets Officer' "
			    "(or a 'set'/'delete' secret access policy)";
		break;
	case AZKV_ERR_CONFLICT:
		*what = "conflict";
		if (op == VAULT_SET)
			*hint = "; a deleted secret still holds this name: "
			    "recover it or purge it first";
		break;
	case AZKV_ERR_THROTTLED:
		*what = "throttled by the vault until the deadline";
		*hint = "; try again later or raise --timeout";
		break;
	default:
		*what = e->status >= 500 ? "vault server error" :
		    "request refused by the vault";
		break;
	}
}

int
vault_error_set(struct azkv *ctx, enum vault_op op,
    const struct vault_target *t, const struct vault_error *e)
{
	char prefix[192], status[160], rid[112];
	const char *what, *hint, *reason;
	int cls = vault_error_class(e);

	op_prefix(prefix, sizeof(prefix), op, t);
	error_words(op, t, e, cls, &what, &hint);
	reason = e->code[0] ? e->code : reason_phrase(e->status);
	snprintf(status, sizeof(status), "%ld%s%s%s%s", e->status,
	    reason ? " " : "", reason ? reason : "",
	    e->inner[0] && strcmp(e->inner, e->code) ? "/" : "",
	    e->inner[0] && strcmp(e->inner, e->code) ? e->inner : "");
	rid[0] = '\0';
	if (e->request_id[0])
		snprintf(rid, sizeof(rid), " [request id %s]", e->request_id);
	else if (e->client_id[0])
		snprintf(rid, sizeof(rid), " [client request id %s]",
		    e->client_id);
	return seterr(ctx, cls, "%s: %s (%s)%s%s", prefix, what, status, hint,
	    rid);
}

int
vault_error_wrap(struct azkv *ctx, enum vault_op op,
    const struct vault_target *t, int err)
{
	char prefix[192], detail[AZKV_ERRLEN];

	op_prefix(prefix, sizeof(prefix), op, t);
	snprintf(detail, sizeof(detail), "%s", azkv_last_error(ctx));
	if (strcmp(detail, "no error") == 0)
		snprintf(detail, sizeof(detail), "%s", azkv_strerror(err));
	return seterr(ctx, err, "%s: %s", prefix, detail);
}
