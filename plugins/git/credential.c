/* credential.c: read git's credential requests, write answers, match them. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "azkv.h"
#include "credential.h"

/* Room for the longest line, a CR, its LF, and one more byte to notice. */
#define READ_BUF_SIZE	(CREDENTIAL_LINE_MAX + 3)

static void
freestr(char **p)
{
	if (*p != NULL)
		azkv_freezero(*p, strlen(*p));
	*p = NULL;
}

void
credential_init(struct credential *c)
{
	memset(c, 0, sizeof(*c));
}

void
credential_release(struct credential *c)
{
	if (c == NULL)
		return;
	freestr(&c->protocol);
	freestr(&c->host);
	freestr(&c->path);
	freestr(&c->username);
	freestr(&c->password);
	freestr(&c->oauth_refresh_token);
	credential_init(c);
}

int
credential_value_ok(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0')
			return 0;
	return 1;
}

/* git_parse_maybe_bool() for the values git sends. */
static int
parse_bool(const char *v)
{
	return strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0;
}

/* Unix seconds; like git, 0 or anything unparsable means "never". */
static int64_t
parse_expiry(const char *v)
{
	char *end;
	long long t;

	if (*v < '0' || *v > '9')
		return 0;
	errno = 0;
	t = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || t < 0)
		return 0;
	return (int64_t)t;
}

/* Take one line (key=value, no newline). 0, or -1 with err. */
static int
take_line(struct credential *c, char *line, size_t len, char *err,
    size_t errlen)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} fields[] = {
		{ "protocol", offsetof(struct credential, protocol) },
		{ "host", offsetof(struct credential, host) },
		{ "path", offsetof(struct credential, path) },
		{ "username", offsetof(struct credential, username) },
		{ "password", offsetof(struct credential, password) },
		{ "oauth_refresh_token",
		    offsetof(struct credential, oauth_refresh_token) },
	};
	char *eq, *value, **dst;
	size_t i;

	if (memchr(line, '\0', len) != NULL) {
		snprintf(err, errlen, "invalid input: a line holds a NUL byte");
		return -1;
	}
	if ((eq = memchr(line, '=', len)) == NULL) {
		snprintf(err, errlen, "invalid input: a line has no '='");
		return -1;
	}
	*eq = '\0';
	value = eq + 1;
	if (strcmp(line, "password_expiry_utc") == 0) {
		c->password_expiry_utc = parse_expiry(value);
		return 0;
	}
	if (strcmp(line, "ephemeral") == 0) {
		c->ephemeral = parse_bool(value);
		return 0;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(line, fields[i].key) != 0)
			continue;
		if (strchr(value, '\r') != NULL) {
			snprintf(err, errlen, "invalid input: the value of "
			    "'%s' holds a carriage return", fields[i].key);
			return -1;
		}
		dst = (char **)(void *)((char *)c + fields[i].off);
		freestr(dst);
		if ((*dst = strdup(value)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	/* Unknown keys (capability[], wwwauth[], state[], url ...): ignored. */
	return 0;
}

int
credential_read(struct credential *c, int fd, char *err, size_t errlen)
{
	char *buf, *nl;
	size_t have = 0, len, used, i;
	ssize_t n;
	int eof = 0, ret = -1;

	if ((buf = calloc(1, READ_BUF_SIZE)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		nl = memchr(buf, '\n', have);
		if (nl == NULL && !eof && have < READ_BUF_SIZE) {
			n = read(fd, buf + have, READ_BUF_SIZE - have);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				snprintf(err, errlen, "cannot read input: %s",
				    strerror(errno));
				goto out;
			}
			if (n == 0)
				eof = 1;
			have += (size_t)n;
			continue;
		}
		if (nl == NULL && !eof) {
			snprintf(err, errlen, "invalid input: a line is longer "
			    "than %d bytes", CREDENTIAL_LINE_MAX);
			goto out;
		}
		if (nl == NULL && have == 0)
			break;			/* EOF */
		len = nl != NULL ? (size_t)(nl - buf) : have;
		used = nl != NULL ? len + 1 : len;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
		if (len > CREDENTIAL_LINE_MAX) {
			snprintf(err, errlen, "invalid input: a line is longer "
			    "than %d bytes", CREDENTIAL_LINE_MAX);
			goto out;
		}
		if (len == 0)
			break;			/* blank line ends the request */
		buf[len] = '\0';
		if (take_line(c, buf, len, err, errlen) != 0)
			goto out;
		for (i = used; i < have; i++)	/* forward copy, dst < src */
			buf[i - used] = buf[i];
		azkv_wipe(buf + (have - used), used);
		have -= used;
	}
	ret = 0;
 out:
	azkv_freezero(buf, READ_BUF_SIZE);
	return ret;
}

/* Append "key=value\n" at *p. */
static void
put(char **p, const char *key, const char *value, size_t vlen)
{
	size_t klen = strlen(key);

	memcpy(*p, key, klen);
	*p += klen;
	*(*p)++ = '=';
	memcpy(*p, value, vlen);
	*p += vlen;
	*(*p)++ = '\n';
}

int
credential_write(const struct credential *c, int fd, char *err,
    size_t errlen)
{
	const char *keys[] = { "username", "password", "oauth_refresh_token" };
	const char *vals[3];
	char expiry[32], *out = NULL, *p;
	size_t total = 0, i, off;
	ssize_t n;
	int r, ret = -1;

	vals[0] = c->username;
	vals[1] = c->password;
	vals[2] = c->oauth_refresh_token;
	expiry[0] = '\0';
	if (c->password_expiry_utc > 0) {
		r = snprintf(expiry, sizeof(expiry), "%" PRId64,
		    c->password_expiry_utc);
		if (r < 0 || (size_t)r >= sizeof(expiry))
			goto out;
		total += sizeof("password_expiry_utc=\n") - 1 + (size_t)r;
	}
	for (i = 0; i < 3; i++) {
		if (vals[i] == NULL)
			continue;
		if (!credential_value_ok(vals[i], strlen(vals[i]))) {
			snprintf(err, errlen, "the %s holds a line break "
			    "(CR or LF) and cannot be passed to git",
			    keys[i]);
			goto out;
		}
		total += strlen(keys[i]) + strlen(vals[i]) + 2;
	}
	if (total == 0)
		return 0;
	if ((out = malloc(total)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	p = out;
	for (i = 0; i < 3; i++) {
		if (vals[i] != NULL)
			put(&p, keys[i], vals[i], strlen(vals[i]));
		if (i == 1 && expiry[0] != '\0')
			put(&p, "password_expiry_utc", expiry, strlen(expiry));
	}
	for (off = 0; off < total; off += (size_t)n) {
		n = write(fd, out + off, total - off);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			snprintf(err, errlen, "cannot write the answer: %s",
			    n < 0 ? strerror(errno) : "short write");
			goto out;
		}
	}
	ret = 0;
 out:
	azkv_freezero(out, total);
	return ret;
}

/* want's attribute absent, or both present and equal. */
static int
check(const char *want, const char *have)
{
	return want == NULL || (have != NULL && strcmp(want, have) == 0);
}

int
credential_match(const struct credential *want, const struct credential *have,
    int match_password)
{
	return check(want->protocol, have->protocol) &&
	    check(want->host, have->host) &&
	    check(want->path, have->path) &&
	    check(want->username, have->username) &&
	    (!match_password || check(want->password, have->password));
}
