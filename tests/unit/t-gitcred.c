/* t-gitcred.c: git helper protocol reader/writer, matching, store document, urlmatch. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "azkv.h"
#include "../../plugins/git/credential.h"
#include "../../plugins/git/storedoc.h"
#include "tap.h"

/* A descriptor reading the n bytes at p. */
static int
input_fd(const char *p, size_t n)
{
	FILE *f = tmpfile();
	int fd;

	if (f == NULL || fwrite(p, 1, n, f) != n || fflush(f) != 0)
		return -1;
	fd = dup(fileno(f));
	fclose(f);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Everything written to fd by credential_write(). */
static char *
output_of(const struct credential *c, int *rc, char *err, size_t errlen)
{
	FILE *f = tmpfile();
	static char out[4096];
	size_t n;

	*rc = credential_write(c, fileno(f), err, errlen);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static char *
repeat(char ch, size_t n, const char *prefix, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	char *s = malloc(pl + n + sl + 1);

	memcpy(s, prefix, pl);
	memset(s + pl, ch, n);
	memcpy(s + pl + n, suffix, sl + 1);
	return s;
}

struct read_case {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	int		 rc;
	const char	*err;		/* substring of the reason */
	const char	*protocol, *host, *path, *username, *password;
	const char	*refresh;
	int64_t		 expiry;
	int		 ephemeral;
};

static const struct read_case read_cases[] = {
	{ "basic request", "protocol=https\nhost=example.com\n"
	    "username=u\npassword=p\n", 0, 0, NULL,
	    "https", "example.com", NULL, "u", "p", NULL, 0, 0 },
	{ "EOF without a final newline", "protocol=https\nhost=h:8443", 0, 0,
	    NULL, "https", "h:8443", NULL, NULL, NULL, NULL, 0, 0 },
	{ "blank line ends the request", "protocol=https\n\nhost=x\n", 0, 0,
	    NULL, "https", NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "CRLF endings", "protocol=https\r\nhost=a.b\r\n", 0, 0, NULL,
	    "https", "a.b", NULL, NULL, NULL, NULL, 0, 0 },
	{ "unknown keys ignored", "capability[]=authtype\nwwwauth[]=Basic "
	    "realm=x=y\nstate[]=a:b\nurl=https://evil\nfoo=\nprotocol=ftp\n"
	    "=novalue\n", 0, 0, NULL,
	    "ftp", NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "long header does not inject host (t0303)", "protocol=https\n"
	    "host=badguy.example.com\nwwwauth[]=basic realm=aaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "host=victim.example.com\n", 0, 0, NULL,
	    "https", "badguy.example.com", NULL, NULL, NULL, NULL, 0, 0 },
	{ "last value wins", "host=a\nhost=b\n", 0, 0, NULL,
	    NULL, "b", NULL, NULL, NULL, NULL, 0, 0 },
	{ "empty values are kept", "protocol=https\nhost=sso.tld\n"
	    "username=\npassword=\n", 0, 0, NULL,
	    "https", "sso.tld", NULL, "", "", NULL, 0, 0 },
	{ "value keeps '='", "password=a=b==\npath=x/y.git\n", 0, 0, NULL,
	    NULL, NULL, "x/y.git", NULL, "a=b==", NULL, 0, 0 },
	{ "expiry past 2038", "password_expiry_utc=9999999999\n"
	    "oauth_refresh_token=xyzzy\nephemeral=true\n", 0, 0, NULL,
	    NULL, NULL, NULL, NULL, NULL, "xyzzy", 9999999999LL, 1 },
	{ "garbage expiry means none", "password_expiry_utc=soon\n"
	    "ephemeral=0\n", 0, 0, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "empty input", "", 0, 0, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "line without '='", "protocol=https\nhello\n", 0, -1, "no '='", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "NUL byte", "protocol=https\nhost=a\0b\n",
	    sizeof("protocol=https\nhost=a\0b\n") - 1, -1, "NUL", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "NUL in an unknown key", "x\0y=1\n", 6, -1, "NUL", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "CR inside a value", "protocol=https\nhost=a\rb\n", 0, -1,
	    "carriage return", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "CR inside a password", "password=a\r\rb\n", 0, -1,
	    "carriage return", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
};

static void
test_read_table(void)
{
	const struct read_case *t;
	struct credential c;
	char err[256];
	size_t i;
	int fd, rc;

	for (i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
		t = &read_cases[i];
		credential_init(&c);
		err[0] = '\0';
		fd = input_fd(t->in, t->len ? t->len : strlen(t->in));
		rc = credential_read(&c, fd, err, sizeof(err));
		close(fd);
		is_int(rc, t->rc, "read: %s: status", t->name);
		if (t->rc != 0) {
			ok(strstr(err, t->err) != NULL,
			    "read: %s: reason '%s'", t->name, err);
			ok(strchr(err, '\n') == NULL,
			    "read: %s: one line", t->name);
		} else {
			is_str(c.protocol, t->protocol, "read: %s: protocol",
			    t->name);
			is_str(c.host, t->host, "read: %s: host", t->name);
			is_str(c.path, t->path, "read: %s: path", t->name);
			is_str(c.username, t->username, "read: %s: username",
			    t->name);
			is_str(c.password, t->password, "read: %s: password",
			    t->name);
			is_str(c.oauth_refresh_token, t->refresh,
			    "read: %s: refresh token", t->name);
			is_int(c.password_expiry_utc, t->expiry,
			    "read: %s: expiry", t->name);
			is_int(c.ephemeral, t->ephemeral,
			    "read: %s: ephemeral", t->name);
		}
		credential_release(&c);
	}
}

static void
test_read_long(void)
{
	struct credential c;
	char err[256], *in;
	size_t vlen;
	int fd, rc;

	/* A 65535-byte line (newline excluded) is read whole. */
	vlen = CREDENTIAL_LINE_MAX - strlen("host=");
	in = repeat('h', vlen, "protocol=https\nhost=", "\nusername=u\n");
	credential_init(&c);
	fd = input_fd(in, strlen(in));
	rc = credential_read(&c, fd, err, sizeof(err));
	close(fd);
	is_int(rc, 0, "read: 65535-byte line accepted");
	is_int(c.host ? strlen(c.host) : 0, vlen, "read: not truncated");
	is_str(c.username, "u", "read: next line still read");
	credential_release(&c);
	free(in);

	/* ... also with CRLF. */
	in = repeat('p', vlen - 4, "password=", "\r\n");
	credential_init(&c);
	fd = input_fd(in, strlen(in));
	rc = credential_read(&c, fd, err, sizeof(err));
	close(fd);
	is_int(rc, 0, "read: 65535-byte line with CRLF accepted");
	credential_release(&c);
	free(in);

	/* One byte more is refused, the request is not acted on. */
	in = repeat('h', vlen + 1, "protocol=https\nhost=", "\n");
	credential_init(&c);
	fd = input_fd(in, strlen(in));
	rc = credential_read(&c, fd, err, sizeof(err));
	close(fd);
	is_int(rc, -1, "read: 65536-byte line refused");
	ok(strstr(err, "longer than 65535") != NULL, "read: reason '%s'", err);
	credential_release(&c);
	free(in);

	/* A 1 MB line, with and without a newline. */
	in = repeat('a', 1024 * 1024, "wwwauth[]=", "\n");
	credential_init(&c);
	fd = input_fd(in, strlen(in));
	rc = credential_read(&c, fd, err, sizeof(err));
	close(fd);
	is_int(rc, -1, "read: 1 MB line refused");
	credential_release(&c);
	credential_init(&c);
	fd = input_fd(in, strlen(in) - 1);
	rc = credential_read(&c, fd, err, sizeof(err));
	close(fd);
	is_int(rc, -1, "read: 1 MB line without newline refused");
	credential_release(&c);
	free(in);

	/* A 65535-byte unknown line among known ones. */
	in = repeat('a', CREDENTIAL_LINE_MAX - strlen("wwwauth[]="),
	    "protocol=https\nwwwauth[]=", "\nhost=x\n");
	credential_init(&c);
	fd = input_fd(in, strlen(in));
	rc = credential_read(&c, fd, err, sizeof(err));
	close(fd);
	is_int(rc, 0, "read: long unknown line skipped");
	is_str(c.host, "x", "read: host after it");
	credential_release(&c);
	free(in);
}

static void
test_write(void)
{
	struct credential c;
	char err[256], *out;
	int rc;

	credential_init(&c);
	c.protocol = (char *)(uintptr_t)"https";
	c.host = (char *)(uintptr_t)"example.com";
	c.path = (char *)(uintptr_t)"x.git";
	c.username = (char *)(uintptr_t)"u";
	c.password = (char *)(uintptr_t)"p=q";
	c.password_expiry_utc = 9999999999LL;
	c.oauth_refresh_token = (char *)(uintptr_t)"xyzzy";
	out = output_of(&c, &rc, err, sizeof(err));
	is_int(rc, 0, "write: ok");
	is_str(out, "username=u\npassword=p=q\npassword_expiry_utc=9999999999"
	    "\noauth_refresh_token=xyzzy\n",
	    "write: only username, password, expiry, refresh token");

	c.username = (char *)(uintptr_t)"";
	c.password = (char *)(uintptr_t)"";
	c.password_expiry_utc = 0;
	c.oauth_refresh_token = NULL;
	out = output_of(&c, &rc, err, sizeof(err));
	is_str(out, "username=\npassword=\n", "write: empty values");

	c.username = (char *)(uintptr_t)"u";
	c.password = (char *)(uintptr_t)"line1\nhost=evil";
	out = output_of(&c, &rc, err, sizeof(err));
	is_int(rc, -1, "write: LF in password refused");
	is_str(out, "", "write: nothing printed");
	ok(strstr(err, "password") != NULL && strstr(err, "evil") == NULL,
	    "write: reason names the key, not the value: %s", err);

	c.password = (char *)(uintptr_t)"p";
	c.username = (char *)(uintptr_t)"u\r";
	out = output_of(&c, &rc, err, sizeof(err));
	is_int(rc, -1, "write: CR in username refused");
	is_str(out, "", "write: nothing printed");

	c.username = NULL;
	c.password = NULL;
	out = output_of(&c, &rc, err, sizeof(err));
	is_int(rc, 0, "write: nothing to say");
	is_str(out, "", "write: empty answer");
}

struct match_case {
	const char	*name;
	const char	*wp, *wh, *wpath, *wu, *wpw;	/* want */
	const char	*hp, *hh, *hpath, *hu, *hpw;	/* have */
	int		 match_password;
	int		 want;
};

static const struct match_case match_cases[] = {
	{ "empty pattern matches all", NULL, NULL, NULL, NULL, NULL,
	    "https", "h", "p", "u", "pw", 0, 1 },
	{ "all equal", "https", "h", "p", "u", "pw",
	    "https", "h", "p", "u", "pw", 1, 1 },
	{ "protocol differs", "http", "h", NULL, NULL, NULL,
	    "https", "h", NULL, "u", "pw", 0, 0 },
	{ "host is case-sensitive", "https", "Example.com", NULL, NULL, NULL,
	    "https", "example.com", NULL, "u", "pw", 0, 0 },
	{ "path wanted, none stored", NULL, NULL, "a.git", NULL, NULL,
	    NULL, NULL, NULL, "u", "pw", 0, 0 },
	{ "no path wanted matches a path", NULL, NULL, NULL, "u", NULL,
	    NULL, NULL, "a.git", "u", "pw", 0, 1 },
	{ "empty username is a username", NULL, NULL, NULL, "", NULL,
	    NULL, NULL, NULL, "u", "pw", 0, 0 },
	{ "password ignored unless asked", NULL, NULL, NULL, "u", "x",
	    NULL, NULL, NULL, "u", "pw", 0, 1 },
	{ "password compared when asked", NULL, NULL, NULL, "u", "x",
	    NULL, NULL, NULL, "u", "pw", 1, 0 },
	{ "no password wanted", NULL, NULL, NULL, "u", NULL,
	    NULL, NULL, NULL, "u", "pw", 1, 1 },
};

static void
test_match(void)
{
	const struct match_case *t;
	struct credential w, h;
	size_t i;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		t = &match_cases[i];
		credential_init(&w);
		credential_init(&h);
		w.protocol = (char *)(uintptr_t)t->wp;
		w.host = (char *)(uintptr_t)t->wh;
		w.path = (char *)(uintptr_t)t->wpath;
		w.username = (char *)(uintptr_t)t->wu;
		w.password = (char *)(uintptr_t)t->wpw;
		h.protocol = (char *)(uintptr_t)t->hp;
		h.host = (char *)(uintptr_t)t->hh;
		h.path = (char *)(uintptr_t)t->hpath;
		h.username = (char *)(uintptr_t)t->hu;
		h.password = (char *)(uintptr_t)t->hpw;
		is_int(credential_match(&w, &h, t->match_password), t->want,
		    "match: %s", t->name);
	}
}

/* A request with the given fields (borrowed strings). */
static struct credential
req(const char *path, const char *user, const char *pass)
{
	struct credential c;

	credential_init(&c);
	c.protocol = (char *)(uintptr_t)"https";
	c.host = (char *)(uintptr_t)"example.com";
	c.path = (char *)(uintptr_t)path;
	c.username = (char *)(uintptr_t)user;
	c.password = (char *)(uintptr_t)pass;
	return c;
}

static const char *
found_pass(const struct storedoc *d, const char *path, const char *user)
{
	struct credential w = req(path, user, NULL);
	const struct credential *e = storedoc_find(d, &w, 1000);

	return e != NULL ? e->password : NULL;
}

static void
test_storedoc_ops(void)
{
	struct storedoc d, d2;
	struct credential c;
	char err[256], *text;
	size_t len;

	ok(storedoc_init(&d, "https", "example.com") == 0, "doc: init");
	is_str(found_pass(&d, NULL, NULL), NULL, "doc: empty misses");

	c = req(NULL, "store-user", "store-pass");
	is_int(storedoc_store(&d, &c), 1, "doc: store");
	is_int(storedoc_store(&d, &c), 0, "doc: same store changes nothing");
	is_str(found_pass(&d, NULL, NULL), "store-pass", "doc: get any user");
	is_str(found_pass(&d, NULL, "other"), NULL, "doc: other user misses");

	c = req(NULL, "user-overwrite", "pass1");
	storedoc_store(&d, &c);
	c = req(NULL, "user-overwrite", "pass2");
	is_int(storedoc_store(&d, &c), 1, "doc: overwrite changes");
	is_str(found_pass(&d, NULL, "user-overwrite"), "pass2",
	    "doc: overwritten");
	is_int(d.n, 2, "doc: overwrite replaced the entry");
	c = req(NULL, "user-overwrite", "pass1");
	is_int(storedoc_erase(&d, &c), 0,
	    "doc: erase with another password removes nothing");
	c = req(NULL, "user-overwrite", "pass2");
	is_int(storedoc_erase(&d, &c), 1, "doc: erase with the password");

	c = req(NULL, "user1", "pass1");
	storedoc_store(&d, &c);
	c = req(NULL, "user2", "pass2");
	storedoc_store(&d, &c);
	is_str(found_pass(&d, NULL, "user1"), "pass1", "doc: user1");
	is_str(found_pass(&d, NULL, "user2"), "pass2", "doc: user2");
	c = req(NULL, "user1", NULL);
	is_int(storedoc_erase(&d, &c), 1, "doc: forget user1");
	is_str(found_pass(&d, NULL, "user2"), "pass2", "doc: user2 stays");
	c = req(NULL, NULL, NULL);
	is_int(storedoc_erase(&d, &c), 2, "doc: forget the host");
	is_int(d.n, 0, "doc: empty");

	c = req("foo.git", "user", "pass");
	storedoc_store(&d, &c);
	is_str(found_pass(&d, "bar.git", NULL), NULL, "doc: path must match");
	is_str(found_pass(&d, "foo.git", NULL), "pass", "doc: same path");
	is_str(found_pass(&d, NULL, NULL), "pass", "doc: no path: any");
	c = req(NULL, "user", NULL);
	is_int(storedoc_erase(&d, &c), 1, "doc: erase without path");

	c = req(NULL, "", "");
	storedoc_store(&d, &c);
	is_str(found_pass(&d, NULL, NULL), "", "doc: empty user and password");

	c = req(NULL, "old", "gone");
	c.password_expiry_utc = 999;
	storedoc_store(&d, &c);
	c = req(NULL, "exp", "later");
	c.password_expiry_utc = 9999999999LL;
	c.oauth_refresh_token = (char *)(uintptr_t)"tok";
	storedoc_store(&d, &c);
	is_str(found_pass(&d, NULL, "old"), NULL, "doc: expired skipped");

	ok(storedoc_render(&d, &text, &len, err, sizeof(err)) == 0,
	    "doc: render");
	is_int(strlen(text), len, "doc: render length");
	ok(storedoc_parse(&d2, text, len, err, sizeof(err)) == 0,
	    "doc: parse the rendering (%s)", err);
	is_int(d2.n, d.n, "doc: same entries");
	is_str(d2.host, "example.com", "doc: host");
	is_str(d2.entries[0].oauth_refresh_token, "tok", "doc: refresh token");
	is_int(d2.entries[0].password_expiry_utc, 9999999999LL, "doc: expiry");
	is_str(d2.entries[2].username, "", "doc: empty username kept");
	is_str(d2.entries[2].path, NULL, "doc: absent path stays absent");
	azkv_freezero(text, len);
	storedoc_release(&d2);

	c = req(NULL, "bad", "\xff\xfe");
	storedoc_store(&d, &c);
	ok(storedoc_render(&d, &text, &len, err, sizeof(err)) != 0,
	    "doc: non-UTF-8 value refused");
	storedoc_release(&d);
	storedoc_release(&d);
}

struct parse_case {
	const char	*name;
	const char	*text;
	int		 rc;
	size_t		 n;
};

static const struct parse_case parse_cases[] = {
	{ "minimal", "{\"version\":1,\"protocol\":\"https\",\"host\":\"h\"}",
	    0, 0 },
	{ "unknown members ignored", "{\"version\":1,\"x\":{\"password\":"
	    "\"no\",\"entries\":[{\"username\":\"u\",\"password\":\"p\"}]},"
	    "\"protocol\":\"https\",\"host\":\"h\",\"entries\":[{\"username\":"
	    "\"u\",\"password\":\"p\",\"more\":[1,{\"a\":2}],\"z\":null}]}",
	    0, 1 },
	{ "incomplete entries dropped", "{\"version\":1,\"protocol\":\"p\","
	    "\"host\":\"h\",\"entries\":[{\"username\":\"u\"},{\"password\":"
	    "\"p\"},[],1,{\"username\":\"u\",\"password\":\"p\"}]}", 0, 1 },
	{ "escapes decoded", "{\"version\":1,\"protocol\":\"p\",\"host\":"
	    "\"h\",\"entries\":[{\"username\":\"\\u00e9\",\"password\":"
	    "\"a\\\"b\\\\\"}]}", 0, 1 },
	{ "not JSON", "hunter2", -1, 0 },
	{ "plain string", "\"x\"", -1, 0 },
	{ "array", "[1]", -1, 0 },
	{ "other version", "{\"version\":2,\"protocol\":\"p\",\"host\":\"h\"}",
	    -1, 0 },
	{ "no host", "{\"version\":1,\"protocol\":\"p\"}", -1, 0 },
	{ "truncated", "{\"version\":1,\"protocol\":\"p\",\"host\":\"h\",\"e",
	    -1, 0 },
	{ "NUL escape", "{\"version\":1,\"protocol\":\"p\",\"host\":\"h\","
	    "\"entries\":[{\"username\":\"u\",\"password\":\"a\\u0000b\"}]}",
	    -1, 0 },
	{ "expiry overflow", "{\"version\":1,\"protocol\":\"p\",\"host\":\"h\","
	    "\"entries\":[{\"username\":\"u\",\"password\":\"p\","
	    "\"password_expiry_utc\":99999999999999999999999}]}", -1, 0 },
};

static void
test_storedoc_parse(void)
{
	const struct parse_case *t;
	struct storedoc d;
	char err[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		t = &parse_cases[i];
		err[0] = '\0';
		rc = storedoc_parse(&d, t->text, strlen(t->text), err,
		    sizeof(err));
		is_int(rc, t->rc, "parse: %s (%s)", t->name, err);
		if (rc == 0)
			is_int(d.n, t->n, "parse: %s: entries", t->name);
		else
			ok(strstr(err, "hunter2") == NULL && err[0] != '\0',
			    "parse: %s: reason without input", t->name);
		storedoc_release(&d);
	}
}

struct url_case {
	const char	*name;
	const char	*protocol, *host, *path, *user;
	const char	*want;
};

static const struct url_case url_cases[] = {
	{ "scheme and host", "https", "github.com", NULL, NULL, "gh" },
	{ "host is case-insensitive", "HTTPS", "GitHub.com", NULL, NULL,
	    "gh" },
	{ "default port", "https", "github.com:443", NULL, NULL, "gh" },
	{ "other port", "https", "github.com:8443", NULL, NULL, "gh8443" },
	{ "other scheme", "http", "github.com", NULL, NULL, NULL },
	{ "other host", "https", "gitlab.com", NULL, NULL, NULL },
	{ "no suffix match", "https", "evil-github.com", NULL, NULL, NULL },
	{ "path prefix", "https", "github.com", "org/repo.git", NULL,
	    "org" },
	{ "path prefix at a slash only", "https", "github.com",
	    "organisation/repo.git", NULL, "gh" },
	{ "longest path", "https", "github.com", "org/team/x.git", NULL,
	    "team" },
	{ "user section", "https", "github.com", NULL, "bot@corp", "bot" },
	{ "path beats user", "https", "github.com", "org/x.git", "bot@corp",
	    "org" },
	{ "section with a written default port", "http", "example.org", NULL,
	    NULL, "ex80" },
	{ "wildcard label", "https", "a.example.net", NULL, NULL, "wild" },
	{ "exact host beats wildcard", "https", "exact.example.net",
	    "org/x.git", NULL, "exact" },
	{ "wildcard with a longer path loses to exact", "https",
	    "exact.example.net", "deep/x.git", NULL, "exact" },
	{ "wildcard path section", "https", "b.example.net", "deep/x.git",
	    NULL, "wild-deep" },
	{ "a star is one label", "https", "a.b.example.net", NULL, NULL,
	    NULL },
	{ "a star is not empty", "https", "example.net", NULL, NULL, NULL },
	{ "no wildcard for IP addresses", "https", "10.0.0.1", NULL, NULL,
	    NULL },
	{ "empty labels (fuzz: '*' for '' overflowed)", "https", "..", NULL,
	    NULL, NULL },
	{ "empty first label (fuzz)", "https", ".1:8080\"]", NULL, NULL,
	    NULL },
};

static void
test_urlmatch(void)
{
	static const char conf[] =
	    "[git \"https://github.com\"]\n\tsecret = gh\n"
	    "[git \"https://github.com:8443\"]\n\tsecret = gh8443\n"
	    "[git \"https://github.com/org/\"]\n\tsecret = org\n"
	    "[git \"https://github.com/org/team\"]\n\tsecret = team\n"
	    "[git \"https://bot%40corp@github.com\"]\n\tsecret = bot\n"
	    "[git \"http://example.org:80\"]\n\tsecret = ex80\n"
	    "[git \"https://*.example.net\"]\n\tsecret = wild\n"
	    "[git \"https://*.example.net/deep\"]\n\tsecret = wild-deep\n"
	    "[git \"https://exact.example.net\"]\n\tsecret = exact\n"
	    "[git \"https://*.0.0.1\"]\n\tsecret = ip\n";
	const struct url_case *t;
	struct credential c;
	struct azkv *ctx;
	char path[] = "/tmp/t-gitcred.XXXXXX";
	size_t i;
	int fd;

	if ((fd = mkstemp(path)) < 0 ||
	    write(fd, conf, sizeof(conf) - 1) != (ssize_t)(sizeof(conf) - 1)) {
		ok(0, "urlmatch: config file");
		return;
	}
	close(fd);
	ctx = azkv_new();
	ok(azkv_configure(ctx, path) == 0, "urlmatch: configure: %s",
	    azkv_last_error(ctx));
	for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		t = &url_cases[i];
		credential_init(&c);
		c.protocol = (char *)(uintptr_t)t->protocol;
		c.host = (char *)(uintptr_t)t->host;
		c.path = (char *)(uintptr_t)t->path;
		c.username = (char *)(uintptr_t)t->user;
		is_str(azkv_config_get_url(ctx, "git", c.protocol,
		    c.host, c.path, c.username, "secret"), t->want, "urlmatch: %s",
		    t->name);
	}
	azkv_free(ctx);
	unlink(path);
}

int
main(void)
{
	test_read_table();
	test_read_long();
	test_write();
	test_match();
	test_storedoc_ops();
	test_storedoc_parse();
	test_urlmatch();
	return tap_done();
}
