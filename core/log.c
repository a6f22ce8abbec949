/* log.c: debug lines on stderr, and URLs with sensitive parts redacted. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "azkv-int.h"

void
log_debug(const struct azkv *ctx, const char *fmt, ...)
{
	va_list ap;
	char line[1024], *p;
	int n;

	if (ctx == NULL || !ctx->debug)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* text from servers (request ids, curl errors) must not drive a tty */
	for (p = line; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	/* one write per line, so concurrent processes do not interleave */
	fprintf(stderr, "azkv: debug: %s%s\n", line,
	    (size_t)n >= sizeof(line) ? "..." : "");
	azkv_wipe(line, sizeof(line));
}

/* Query parameters whose values carry no secret. */
static const char *const public_params[] = {
	"api-version", "resource", "client_id", "object_id", "msi_res_id",
	"mi_res_id",
};

static int
param_public(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(public_params) / sizeof(public_params[0]); i++)
		if (strlen(public_params[i]) == len &&
		    strncasecmp(public_params[i], name, len) == 0)
			return 1;
	return 0;
}

/* Append s (n bytes) at *pos; return -1 once out is full. */
static int
put(char *out, size_t outlen, size_t *pos, const char *s, size_t n)
{
	if (*pos >= outlen || outlen - *pos <= n)
		return -1;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
	return 0;
}

static int
put_query(char *out, size_t outlen, size_t *pos, const char *q)
{
	size_t n, klen;
	const char *eq;

	while (*q != '\0') {
		n = strcspn(q, "&");
		eq = memchr(q, '=', n);
		klen = eq ? (size_t)(eq - q) : n;
		if (param_public(q, klen)) {
			if (put(out, outlen, pos, q, n) != 0)
				return -1;
		} else if (eq != NULL) {
			if (put(out, outlen, pos, q, klen + 1) != 0 ||
			    put(out, outlen, pos, "***", 3) != 0)
				return -1;
		} else if (put(out, outlen, pos, "***", 3) != 0)
			return -1;
		q += n;
		if (*q == '&') {
			if (put(out, outlen, pos, "&", 1) != 0)
				return -1;
			q++;
		}
	}
	return 0;
}

void
log_redact_url(const char *url, char *out, size_t outlen)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *query = NULL;
	size_t pos = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(out, outlen, "%s", "(invalid URL)");
		goto out;
	}
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	(void)curl_url_get(u, CURLUPART_PATH, &path, 0);
	(void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
	/* userinfo and fragment are never printed */
	if (put(out, outlen, &pos, scheme, strlen(scheme)) != 0 ||
	    put(out, outlen, &pos, "://", 3) != 0 ||
	    put(out, outlen, &pos, host, strlen(host)) != 0 ||
	    (port != NULL && (put(out, outlen, &pos, ":", 1) != 0 ||
	    put(out, outlen, &pos, port, strlen(port)) != 0)) ||
	    (path != NULL && put(out, outlen, &pos, path, strlen(path)) != 0) ||
	    (query != NULL && (put(out, outlen, &pos, "?", 1) != 0 ||
	    put_query(out, outlen, &pos, query) != 0)))
		(void)put(out, outlen, &pos, "...", 3);	/* cut, still redacted */
 out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	if (query != NULL)
		azkv_wipe(query, strlen(query));
	curl_free(query);
	curl_url_cleanup(u);
}
