/* t-sftp-dest.c: azkv-sftp destination parsing and path helpers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../plugins/sftp/dest.h"

static const struct {
	const char	*in;
	int		 ok;
	const char	*user, *host;
	int		 port;
	const char	*path;
} cases[] = {
	{ "sftp://ftpadmin@sftp.example.com/inbox/", 1, "ftpadmin",
	    "sftp.example.com", 0, "/inbox/" },
	{ "sftp://host", 1, NULL, "host", 0, "" },
	{ "sftp://host/", 1, NULL, "host", 0, "/" },
	{ "sftp://host:2222/a/b", 1, NULL, "host", 2222, "/a/b" },
	{ "SFTP://u@h/~/rel/x", 1, "u", "h", 0, "rel/x" },
	{ "sftp://h/~", 1, NULL, "h", 0, "" },
	{ "sftp://u%40corp@h/a%20b", 1, "u@corp", "h", 0, "/a b" },
	{ "sftp://[::1]:22/x", 1, NULL, "::1", 22, "/x" },
	{ "sftp://[fe80::1%25eth0]/x", 1, NULL, "fe80::1%25eth0", 0, "/x" },
	{ "user@host:path/file", 1, "user", "host", 0, "path/file" },
	{ "host:", 1, NULL, "host", 0, "" },
	{ "host:/abs", 1, NULL, "host", 0, "/abs" },
	{ "host:~/x", 1, NULL, "host", 0, "x" },
	{ "a@b@host:x", 1, "a@b", "host", 0, "x" },
	{ "[::1]:dir", 1, NULL, "::1", 0, "dir" },
	{ "127.0.0.1:up/", 1, NULL, "127.0.0.1", 0, "up/" },
	{ "host:a:b", 1, NULL, "host", 0, "a:b" },
	/* failures */
	{ "", 0, NULL, NULL, 0, NULL },
	{ "localfile", 0, NULL, NULL, 0, NULL },
	{ "./dir:x", 0, NULL, NULL, 0, NULL },
	{ ":path", 0, NULL, NULL, 0, NULL },
	{ "@host:x", 0, NULL, NULL, 0, NULL },
	{ "http://host/x", 0, NULL, NULL, 0, NULL },
	{ "sftp://host:0/x", 0, NULL, NULL, 0, NULL },
	{ "sftp://host:65536/x", 0, NULL, NULL, 0, NULL },
	{ "sftp://host:22x/x", 0, NULL, NULL, 0, NULL },
	{ "sftp://host:/x", 0, NULL, NULL, 0, NULL },
	{ "sftp:///x", 0, NULL, NULL, 0, NULL },
	{ "sftp://ho st/x", 0, NULL, NULL, 0, NULL },
	{ "sftp://h/a%2", 0, NULL, NULL, 0, NULL },
	{ "sftp://h/a%zz", 0, NULL, NULL, 0, NULL },
	{ "sftp://h/a%0ab", 0, NULL, NULL, 0, NULL },
	{ "sftp://h/a?x=1", 0, NULL, NULL, 0, NULL },
	{ "sftp://[::1/x", 0, NULL, NULL, 0, NULL },
	{ "sftp://[::1]x/x", 0, NULL, NULL, 0, NULL },
	{ "-oProxyCommand=x:y", 0, NULL, NULL, 0, NULL },
	{ "host\001:x", 0, NULL, NULL, 0, NULL },
};

static const struct {
	const char *a, *b, *join;
} joins[] = {
	{ "", "f", "f" },
	{ "d", "f", "d/f" },
	{ "d/", "f", "d/f" },
	{ "/", "f", "/f" },
};

static const struct {
	const char *in, *dir, *base;
} dirs[] = {
	{ "a/b", "a", "b" },
	{ "/b", "/", "b" },
	{ "b", "", "b" },
	{ "a/b/", "a", "b" },
	{ "/a//b", "/a", "b" },
	{ "/", "/", "" },
};

int
main(void)
{
	struct dest d;
	char err[200], *s, base[64];
	const char *b;
	size_t i, n;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&d, 0, sizeof(d));
		r = dest_parse(cases[i].in, &d, err, sizeof(err));
		if (!cases[i].ok) {
			ok(r != 0, "'%s' is rejected (%s)", cases[i].in,
			    r != 0 ? err : "accepted");
			continue;
		}
		if (!ok(r == 0, "'%s' parses", cases[i].in)) {
			printf("#   error: %s\n", err);
			continue;
		}
		is_str(d.user, cases[i].user, "'%s' user", cases[i].in);
		is_str(d.host, cases[i].host, "'%s' host", cases[i].in);
		is_int(d.port, cases[i].port, "'%s' port", cases[i].in);
		is_str(d.path, cases[i].path, "'%s' path", cases[i].in);
		dest_release(&d);
	}
	for (i = 0; i < sizeof(joins) / sizeof(joins[0]); i++) {
		s = path_join(joins[i].a, joins[i].b);
		is_str(s, joins[i].join, "join '%s' '%s'", joins[i].a,
		    joins[i].b);
		free(s);
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		s = path_dir(dirs[i].in);
		is_str(s, dirs[i].dir, "dir of '%s'", dirs[i].in);
		free(s);
		b = path_base(dirs[i].in, &n);
		snprintf(base, sizeof(base), "%.*s", (int)n, b);
		b = base;
		is_str(b, dirs[i].base, "base of '%s'", dirs[i].in);
	}
	return tap_done();
}
