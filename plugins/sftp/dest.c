/* dest.c: parse upload destinations and join remote paths. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dest.h"

static int
fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Copy n bytes of s, percent-decoding when asked; NULL on bad input. */
static char *
copy_part(const char *s, size_t n, int decode, const char **why)
{
	char *out, *o;
	size_t i;
	int hi, lo;

	if ((out = malloc(n + 1)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	for (i = 0, o = out; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (decode && c == '%') {
			if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0) {
				*why = "bad percent-encoding";
				free(out);
				return NULL;
			}
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f) {
			*why = "control character";
			free(out);
			return NULL;
		}
		*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

static int
host_valid(const char *h, int bracketed)
{
	const char *p;

	if (*h == '\0')
		return 0;
	for (p = h; *p; p++) {
		if (isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
		    *p == '_')
			continue;
		if (bracketed && (*p == ':' || *p == '%'))
			continue;
		return 0;
	}
	if (!bracketed && (*h == '-' || *h == '.'))
		return 0;
	return 1;
}

static int
port_parse(const char *s, size_t n, int *port)
{
	size_t i;
	long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/*
 * Split "[user@]host[:port]" (authority, length n) into d. With `port_ok`
 * a ":port" suffix is allowed; otherwise the caller already cut at ':'.
 */
static int
authority_parse(const char *a, size_t n, int decode, int port_ok,
    struct dest *d, char *err, size_t errlen)
{
	const char *at = NULL, *h, *hend, *why = NULL;
	size_t i;
	int bracketed = 0;

	for (i = 0; i < n; i++)
		if (a[i] == '@')
			at = a + i;
	if (at != NULL) {
		if (at == a)
			return fail(err, errlen, "empty user name");
		if ((d->user = copy_part(a, at - a, decode, &why)) == NULL)
			return fail(err, errlen, why);
		h = at + 1;
	} else
		h = a;
	hend = a + n;
	if (h < hend && *h == '[') {
		const char *rb = memchr(h, ']', hend - h);

		if (rb == NULL)
			return fail(err, errlen, "unterminated [ in host");
		bracketed = 1;
		if ((d->host = copy_part(h + 1, rb - h - 1, 0, &why)) == NULL)
			return fail(err, errlen, why);
		h = rb + 1;
		if (h < hend) {
			if (*h != ':' || !port_ok)
				return fail(err, errlen, "junk after ]");
			if (port_parse(h + 1, hend - h - 1, &d->port) != 0)
				return fail(err, errlen, "bad port");
		}
	} else {
		const char *colon = port_ok ? memchr(h, ':', hend - h) : NULL;
		const char *e = colon != NULL ? colon : hend;

		if ((d->host = copy_part(h, e - h, 0, &why)) == NULL)
			return fail(err, errlen, why);
		if (colon != NULL &&
		    port_parse(colon + 1, hend - colon - 1, &d->port) != 0)
			return fail(err, errlen, "bad port");
	}
	if (!host_valid(d->host, bracketed))
		return fail(err, errlen, "bad host name");
	return 0;
}

static int
url_parse(const char *s, struct dest *d, char *err, size_t errlen)
{
	const char *auth = s + strlen("sftp://"), *slash, *why = NULL;
	const char *p;

	slash = strchr(auth, '/');
	if (strpbrk(auth, "?#") != NULL)
		return fail(err, errlen,
		    "'?' or '#' in sftp URL (write them as %3F and %23)");
	if (authority_parse(auth, slash ? (size_t)(slash - auth) :
	    strlen(auth), 1, 1, d, err, errlen) != 0)
		return -1;
	if (slash == NULL || slash[1] == '\0') {
		p = slash ? "/" : "";
		if ((d->path = strdup(p)) == NULL)
			return fail(err, errlen, "out of memory");
		return 0;
	}
	/* curl's convention: /~/x is x relative to the login directory */
	p = slash;
	if (strncmp(p, "/~/", 3) == 0)
		p += 3;
	else if (strcmp(p, "/~") == 0)
		p += 2;
	if ((d->path = copy_part(p, strlen(p), 1, &why)) == NULL)
		return fail(err, errlen, why);
	return 0;
}

static int
scp_parse(const char *s, struct dest *d, char *err, size_t errlen)
{
	const char *colon, *p, *why = NULL, *rb;

	/* the host part ends at the first ':' outside [ ] */
	rb = NULL;
	p = strchr(s, '[');
	if (p != NULL && (colon = strchr(s, ':')) != NULL && p < colon)
		rb = strchr(p, ']');
	colon = strchr(rb != NULL ? rb : s, ':');
	if (colon == NULL)
		return fail(err, errlen,
		    "not a remote destination "
		    "(want sftp://host/path or host:path)");
	if (memchr(s, '/', colon - s) != NULL)
		return fail(err, errlen,
		    "not a remote destination ('/' before ':')");
	if (colon == s)
		return fail(err, errlen, "empty host name");
	if (authority_parse(s, colon - s, 0, 0, d, err, errlen) != 0)
		return -1;
	p = colon + 1;
	if (strncmp(p, "~/", 2) == 0)
		p += 2;
	else if (strcmp(p, "~") == 0)
		p += 1;
	if ((d->path = copy_part(p, strlen(p), 0, &why)) == NULL)
		return fail(err, errlen, why);
	return 0;
}

int
dest_parse(const char *s, struct dest *d, char *err, size_t errlen)
{
	struct dest t;
	int r;

	memset(&t, 0, sizeof(t));
	if (s == NULL || *s == '\0')
		return fail(err, errlen, "empty destination");
	if (strncasecmp(s, "sftp://", 7) == 0)
		r = url_parse(s, &t, err, errlen);
	else if (strstr(s, "://") != NULL)
		r = fail(err, errlen, "only sftp:// URLs are supported");
	else
		r = scp_parse(s, &t, err, errlen);
	if (r != 0) {
		dest_release(&t);
		return -1;
	}
	*d = t;
	return 0;
}

void
dest_release(struct dest *d)
{
	if (d == NULL)
		return;
	free(d->user);
	free(d->host);
	free(d->path);
	memset(d, 0, sizeof(*d));
}

char *
path_join(const char *dir, const char *name)
{
	size_t dl, nl;
	char *out;
	int slash;

	if (dir == NULL || *dir == '\0')
		return strdup(name);
	dl = strlen(dir);
	nl = strlen(name);
	slash = dir[dl - 1] != '/';
	if ((out = malloc(dl + slash + nl + 1)) == NULL)
		return NULL;
	memcpy(out, dir, dl);
	if (slash)
		out[dl] = '/';
	memcpy(out + dl + slash, name, nl + 1);
	return out;
}

const char *
path_base(const char *path, size_t *len)
{
	size_t n = strlen(path);
	const char *b;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 1 && path[0] == '/') {
		*len = 0;
		return path;
	}
	for (b = path + n; b > path && b[-1] != '/'; b--)
		;
	*len = (size_t)(path + n - b);
	return b;
}

char *
path_dir(const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	if (n == 0)
		return strdup("");
	while (n > 1 && path[n - 1] == '/')
		n--;
	return strndup(path, n);
}
