/* urlmatch.c: look up [git "URL"] settings for a request, most specific section first. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azkv.h"
#include "urlmatch.h"

static char *
lower_dup(const char *s, size_t n)
{
	char *d;
	size_t i;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		d[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i];
	d[n] = '\0';
	return d;
}

/* The username as it appears in a URL: RFC 3986 unreserved kept, rest %XX. */
static char *
user_encode(const char *u)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char ch;
	char *d, *p;

	if ((d = malloc(strlen(u) * 3 + 1)) == NULL)
		return NULL;
	for (p = d; *u != '\0'; u++) {
		ch = (unsigned char)*u;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL) {
			*p++ = (char)ch;
		} else {
			*p++ = '%';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		}
	}
	*p = '\0';
	return d;
}

static const char *
default_port(const char *scheme)
{
	if (strcmp(scheme, "https") == 0)
		return "443";
	if (strcmp(scheme, "http") == 0)
		return "80";
	return NULL;
}

const char *
urlmatch_get(const struct azkv *ctx, const struct credential *c,
    const char *key)
{
	const char *host, *colon, *port = NULL, *dport, *path, *v = NULL;
	const char *users[2], *ports[2], *slash;
	char *scheme = NULL, *hostname = NULL, *user = NULL, *cand = NULL;
	size_t candlen, plen, hlen;
	int nusers = 0, nports = 0, u, p, s, r;

	if (c->protocol == NULL)
		return NULL;
	host = c->host != NULL ? c->host : "";
	hlen = strlen(host);
	colon = strrchr(host, ':');
	if (colon != NULL && colon[1] != '\0' &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
	    strchr(colon, ']') == NULL) {
		hlen = (size_t)(colon - host);
		port = colon + 1;
	}
	if ((scheme = lower_dup(c->protocol, strlen(c->protocol))) == NULL ||
	    (hostname = lower_dup(host, hlen)) == NULL)
		goto out;
	if (c->username != NULL && c->username[0] != '\0') {
		if ((user = user_encode(c->username)) == NULL)
			goto out;
		users[nusers++] = user;
	}
	users[nusers++] = NULL;
	dport = default_port(scheme);
	if (port != NULL)
		ports[nports++] = port;
	if (port == NULL || (dport != NULL && strcmp(port, dport) == 0))
		ports[nports++] = NULL;
	if (port == NULL && dport != NULL)
		ports[nports++] = dport;

	path = c->path != NULL ? c->path : "";
	while (*path == '/')
		path++;
	plen = strlen(path);
	candlen = strlen(scheme) + strlen(hostname) + plen + 16 +
	    (user != NULL ? strlen(user) : 0) + (port != NULL ? strlen(port) : 5);
	if ((cand = malloc(candlen)) == NULL)
		goto out;
	for (;;) {
		for (u = 0; u < nusers; u++)
			for (p = 0; p < nports; p++)
				for (s = 0; s < 2; s++) {
					r = snprintf(cand, candlen,
					    "%s://%s%s%s%s%s%s%.*s%s",
					    scheme,
					    users[u] ? users[u] : "",
					    users[u] ? "@" : "", hostname,
					    ports[p] ? ":" : "",
					    ports[p] ? ports[p] : "",
					    plen > 0 ? "/" : "", (int)plen, path,
					    s ? "/" : "");
					if (r < 0 || (size_t)r >= candlen)
						continue;
					v = azkv_config_get(ctx, "git", cand,
					    key);
					if (v != NULL)
						goto out;
				}
		if (plen == 0)
			break;
		slash = plen > 0 ? memrchr(path, '/', plen) : NULL;
		plen = slash != NULL ? (size_t)(slash - path) : 0;
	}
 out:
	free(scheme);
	free(hostname);
	free(user);
	free(cand);
	return v;
}
