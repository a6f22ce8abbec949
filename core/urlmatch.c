/* urlmatch.c: look up [section "URL"] settings for a URL, most specific section first. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"

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

/* The request's URL parts, each variant a section URL may spell. */
struct parts {
	const char	*scheme;
	const char	*users[2];	/* encoded user, then none */
	int		 nusers;
	const char	*ports[2];	/* as sent and/or default, NULL: none */
	int		 nports;
	const char	*section;
	const char	*path;		/* without leading '/' */
	char		*cand;
	size_t		 candlen;
};

/* Try every section URL for one host spelling, longest path first. */
static const char *
try_host(const struct azkv *ctx, struct parts *pt, const char *host,
    const char *key)
{
	const char *v, *slash;
	size_t plen = strlen(pt->path);
	int u, p, s, r;

	for (;;) {
		for (u = 0; u < pt->nusers; u++)
			for (p = 0; p < pt->nports; p++)
				for (s = 0; s < 2; s++) {
					r = snprintf(pt->cand, pt->candlen,
					    "%s://%s%s%s%s%s%s%.*s%s",
					    pt->scheme,
					    pt->users[u] ? pt->users[u] : "",
					    pt->users[u] ? "@" : "", host,
					    pt->ports[p] ? ":" : "",
					    pt->ports[p] ? pt->ports[p] : "",
					    plen > 0 ? "/" : "", (int)plen,
					    pt->path, s ? "/" : "");
					if (r < 0 || (size_t)r >= pt->candlen)
						continue;
					v = azkv_config_get(ctx, pt->section, pt->cand,
					    key);
					if (v != NULL)
						return v;
				}
		if (plen == 0)
			return NULL;
		slash = memrchr(pt->path, '/', plen);
		plen = slash != NULL ? (size_t)(slash - pt->path) : 0;
	}
}

static int
popcount(unsigned int m)
{
	int n = 0;

	for (; m != 0; m &= m - 1)
		n++;
	return n;
}

/*
 * Host spellings with '*' for whole labels, fewer stars first, like git's
 * "*.example.com" (a star matches one label). Hosts of more than
 * WILD_LABELS labels, IP literals and empty hosts get no wildcards.
 */
#define WILD_LABELS	8

static const char *
try_wildcards(const struct azkv *ctx, struct parts *pt, const char *host,
    const char *key)
{
	const char *labels[WILD_LABELS], *p, *v = NULL;
	size_t lens[WILD_LABELS], off;
	unsigned int mask;
	char *w;
	int n = 0, stars, i;

	if (*host == '\0' || strchr(host, '[') != NULL ||
	    strspn(host, "0123456789.") == strlen(host))
		return NULL;
	for (p = host; n < WILD_LABELS; n++) {
		labels[n] = p;
		lens[n] = strcspn(p, ".");
		p += lens[n];
		if (*p == '\0')
			break;
		p++;
	}
	if (n == WILD_LABELS)
		return NULL;
	n++;
	/* a star may stand for an empty label: up to n bytes longer */
	if ((w = malloc(strlen(host) + (size_t)n + 1)) == NULL)
		return NULL;
	for (stars = 1; stars <= n && v == NULL; stars++) {
		for (mask = 1; mask < (1u << n) && v == NULL; mask++) {
			if (popcount(mask) != stars)
				continue;
			for (i = 0, off = 0; i < n; i++) {
				if (i > 0)
					w[off++] = '.';
				if (mask & (1u << i))
					w[off++] = '*';
				else {
					memcpy(w + off, labels[i], lens[i]);
					off += lens[i];
				}
			}
			w[off] = '\0';
			v = try_host(ctx, pt, w, key);
		}
	}
	free(w);
	return v;
}

const char *
azkv_config_get_url(const struct azkv *ctx, const char *section,
    const char *protocol, const char *host, const char *path,
    const char *username, const char *key)
{
	struct parts pt;
	const char *colon, *port = NULL, *dport, *v = NULL;
	char *scheme = NULL, *hostname = NULL, *user = NULL;
	size_t hlen;

	if (protocol == NULL)
		return NULL;
	memset(&pt, 0, sizeof(pt));
	pt.section = section;
	if (host == NULL)
		host = "";
	hlen = strlen(host);
	colon = strrchr(host, ':');
	if (colon != NULL && colon[1] != '\0' &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
	    strchr(colon, ']') == NULL) {
		hlen = (size_t)(colon - host);
		port = colon + 1;
	}
	if ((scheme = lower_dup(protocol, strlen(protocol))) == NULL ||
	    (hostname = lower_dup(host, hlen)) == NULL)
		goto out;
	pt.scheme = scheme;
	if (username != NULL && username[0] != '\0') {
		if ((user = user_encode(username)) == NULL)
			goto out;
		pt.users[pt.nusers++] = user;
	}
	pt.users[pt.nusers++] = NULL;
	dport = default_port(scheme);
	if (port != NULL)
		pt.ports[pt.nports++] = port;
	if (port == NULL || (dport != NULL && strcmp(port, dport) == 0))
		pt.ports[pt.nports++] = NULL;
	if (port == NULL && dport != NULL)
		pt.ports[pt.nports++] = dport;
	pt.path = path != NULL ? path : "";
	while (*pt.path == '/')
		pt.path++;
	pt.candlen = strlen(scheme) + strlen(hostname) + strlen(pt.path) + 16 +
	    (user != NULL ? strlen(user) : 0) + (port != NULL ? strlen(port) : 5);
	if ((pt.cand = malloc(pt.candlen)) == NULL)
		goto out;
	if ((v = try_host(ctx, &pt, hostname, key)) == NULL)
		v = try_wildcards(ctx, &pt, hostname, key);
 out:
	free(scheme);
	free(hostname);
	free(user);
	free(pt.cand);
	return v;
}
