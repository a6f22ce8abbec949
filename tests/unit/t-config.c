/* t-config.c: azkv.conf(5) syntax, errors with line numbers, precedence. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "azkv-int.h"
#include "tap.h"

/* Text that parses; then one lookup and the value it must give. */
static const struct {
	const char	*text;
	const char	*section, *sub, *key;
	const char	*want;
} good[] = {
	{ "[azkv]\nvault = v1\n", "azkv", NULL, "vault", "v1" },
	{ "[AzKv]\n  VAULT=v2  \n", "azkv", NULL, "vault", "v2" },
	{ "[azkv]\n\tvault\t=\tv3\t# comment\n", "azkv", NULL, "vault", "v3" },
	{ "[azkv] ; comment\nvault = v4 ; comment\n", "azkv", NULL, "vault",
	    "v4" },
	{ "# top\n; top\n\n[azkv]\nvault = a\nvault = b\n", "azkv", NULL,
	    "vault", "b" },
	{ "[azkv]\ndebug\n", "azkv", NULL, "debug", "true" },
	{ "[azkv]\ndebug # on\n", "azkv", NULL, "debug", "true" },
	{ "[azkv]\nvault =\n", "azkv", NULL, "vault", "" },
	{ "[x]\nk = \"  spaced  \"\n", "x", NULL, "k", "  spaced  " },
	{ "[x]\nk = \"a # b ; c\"\n", "x", NULL, "k", "a # b ; c" },
	{ "[x]\nk = one  two\n", "x", NULL, "k", "one  two" },
	{ "[x]\nk = a \"b\" c\n", "x", NULL, "k", "a b c" },
	{ "[x]\nk = q\\\"q\\\\\\n\\t\n", "x", NULL, "k", "q\"q\\\n\t" },
	{ "[x]\r\nk = crlf\r\n", "x", NULL, "k", "crlf" },
	{ "[x]\nk = no newline at end", "x", NULL, "k",
	    "no newline at end" },
	{ "[git \"https://github.com\"]\nsecret = gh\n", "git",
	    "https://github.com", "secret", "gh" },
	{ "[GIT \"https://github.com\"]\nSecret = gh\n", "git",
	    "https://github.com", "secret", "gh" },
	{ "[git \"https://GitHub.com\"]\nsecret = gh\n", "git",
	    "https://github.com", "secret", NULL },
	{ "[git \"https://github.com\"]\nsecret = gh\n", "git", NULL,
	    "secret", NULL },
	{ "[git]\nsecret = plain\n", "git", "x", "secret", NULL },
	{ "[ssh \"a \\\"q\\\" \\\\ b\"]\nsecret = s\n", "ssh",
	    "a \"q\" \\ b", "secret", "s" },
	{ "[key \"/home/u/.ssh/id_ed25519\"]\nsecret = k\n", "key",
	    "/home/u/.ssh/id_ed25519", "secret", "k" },
	{ "[ssh \"deploy@host\"]\nsecret = a\n[ssh \"host\"]\nsecret = b\n",
	    "ssh", "deploy@host", "secret", "a" },
	{ "[ssh \"deploy@host\"]\nsecret = a\n[ssh \"host\"]\nsecret = b\n",
	    "ssh", "host", "secret", "b" },
	{ "[a-b]\nk-2 = v\n", "a-b", NULL, "k-2", "v" },
};

/* Text that must fail, and the "NAME:LINE: text" prefix of the error. */
static const struct {
	const char	*text;
	const char	*want;
} bad[] = {
	{ "vault = v\n", "t.conf:1: key outside any [section]" },
	{ "[azkv]\n\n= v\n", "t.conf:3: expected '[section]'" },
	{ "[azkv\n", "t.conf:1: expected ']'" },
	{ "[]\n", "t.conf:1: invalid section name" },
	{ "[a.b]\n", "t.conf:1: expected ']'" },
	{ "[a b]\n", "t.conf:1: expected '\"'" },
	{ "[a \"b]\n", "t.conf:1: unterminated subsection" },
	{ "[a \"b\\x\"]\n", "t.conf:1: invalid escape in subsection" },
	{ "[a \"\"]\n", "t.conf:1: empty subsection" },
	{ "[a] x\n", "t.conf:1: unexpected text after the section header" },
	{ "[a]\nk v\n", "t.conf:2: expected '=' after the key" },
	{ "[a]\nk_1 = v\n", "t.conf:2: expected '=' after the key" },
	{ "[a]\n1k = v\n", "t.conf:2: expected '[section]'" },
	{ "[a]\nk = \"open\n", "t.conf:2: unterminated quoted value" },
	{ "[a]\nk = a\\q\n", "t.conf:2: invalid escape in value" },
	{ "[a]\n# c\nk = a \\\n", "t.conf:3: a backslash at the end" },
};

static void
test_syntax(void)
{
	struct azkv *ctx;
	size_t i;
	int r;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ctx = azkv_new();
		r = config_parse(ctx, "t.conf", good[i].text,
		    strlen(good[i].text), 0);
		is_int(r, 0, "good[%zu] parses", i);
		is_str(azkv_config_get(ctx, good[i].section, good[i].sub,
		    good[i].key), good[i].want, "good[%zu] value", i);
		azkv_free(ctx);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ctx = azkv_new();
		r = config_parse(ctx, "t.conf", bad[i].text,
		    strlen(bad[i].text), 0);
		is_int(r, AZKV_ERR_CONFIG, "bad[%zu] is rejected", i);
		ok(strncmp(azkv_last_error(ctx), bad[i].want,
		    strlen(bad[i].want)) == 0, "bad[%zu] error: %s", i,
		    azkv_last_error(ctx));
		azkv_free(ctx);
	}
}

/* The system file is read first, so the user file's entries win. */
static void
test_layers(void)
{
	static const char sys[] = "[azkv]\nvault = sys\n[ssh \"h\"]\n"
	    "secret = sys-secret\n[git]\nprefix = sysprefix\n";
	static const char user[] = "[azkv]\nvault = user\n[ssh \"h\"]\n"
	    "secret = user-secret\n";
	struct azkv *ctx = azkv_new();

	is_int(config_parse(ctx, "/etc/azkv/config", sys, strlen(sys), 1), 0,
	    "system layer parses");
	is_int(config_parse(ctx, "user", user, strlen(user), 0), 0,
	    "user layer parses");
	is_str(azkv_config_get(ctx, "ssh", "h", "secret"), "user-secret",
	    "user file beats system file");
	is_str(azkv_config_get(ctx, "git", NULL, "prefix"), "sysprefix",
	    "system value kept when the user file has none");
	ok(ctx->ncfg == 5 && ctx->cfg[0].system == 1 &&
	    ctx->cfg[4].system == 0, "entries remember their layer");
	is_int(ctx->cfg[1].line, 4, "entries remember their line");
	azkv_free(ctx);
}

static void
test_limits(void)
{
	struct azkv *ctx;
	char *text;
	size_t n = 2 * 1024 * 1024;

	text = malloc(n);
	memset(text, '#', n);
	ctx = azkv_new();
	memcpy(text, "[a]\nk = v\n#", 11);
	is_int(config_parse(ctx, "t.conf", text, 70000, 0), AZKV_ERR_CONFIG,
	    "a line over 64 KiB is rejected");
	ok(strncmp(azkv_last_error(ctx), "t.conf:3: line longer", 21) == 0,
	    "with its line number: %s", azkv_last_error(ctx));
	azkv_free(ctx);
	ctx = azkv_new();
	memset(text, '\n', n);
	is_int(config_parse(ctx, "t.conf", text, n, 0), AZKV_ERR_CONFIG,
	    "a file over 1 MiB is rejected");
	azkv_free(ctx);
	ctx = azkv_new();
	memcpy(text, "[a]\nk = v\0w\n", 12);
	is_int(config_parse(ctx, "t.conf", text, 12, 0), AZKV_ERR_CONFIG,
	    "a NUL byte is rejected");
	azkv_free(ctx);
	free(text);
}

static char dir[] = "/tmp/t-config.XXXXXX";

static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, text, strlen(text)) !=
	    (ssize_t)strlen(text))
		printf("# cannot write %s\n", path);
	if (fd != -1)
		close(fd);
	chmod(path, mode);
	return path;
}

static void
clear_env(void)
{
	static const char *const vars[] = {
		"AZKV_CONFIG", "AZKV_VAULT", "AZKV_IDENTITY", "AZKV_CAFILE",
		"AZKV_ALLOW_VAULT_HOST", "AZKV_TIMEOUT", "AZKV_TOKEN_CACHE",
		"AZKV_DEBUG", "AZKV_API_VERSION", "AZKV_IDENTITY_SOURCE",
		"AZURE_CLIENT_ID", "IDENTITY_ENDPOINT", "XDG_CONFIG_HOME",
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void
test_precedence(void)
{
	struct azkv *ctx;
	const char *path, *f;
	char home[300], user[400];
	int found;

	clear_env();
	path = write_file("c", "[azkv]\nvault = from-file\ncafile = /f\n"
	    "api-version = 7.4\ntoken-cache = off\n[identity]\n"
	    "source = imds\n[git \"https://h\"]\nsecret = s\n", 0644);

	ctx = azkv_new();
	is_int(azkv_configure(ctx, path), 0, "configure with a file");
	is_str(azkv_get(ctx, "vault"), "from-file", "file sets vault");
	is_str(azkv_get(ctx, "api-version"), "7.4", "file sets api-version");
	is_str(azkv_get(ctx, "token-cache"), "off", "file sets token-cache");
	is_str(azkv_get(ctx, "identity.source"), "imds",
	    "[identity] source sets identity.source");
	is_str(azkv_config_get(ctx, "git", "https://h", "secret"), "s",
	    "plugin section readable");
	f = azkv_config_file(ctx, 0, &found);
	is_str(f, path, "the file read is listed");
	is_int(found, 1, "as found");
	ok(azkv_config_file(ctx, 1, NULL) == NULL, "and only it");
	azkv_free(ctx);

	setenv("AZKV_VAULT", "from-env", 1);
	setenv("AZKV_TOKEN_CACHE", "on", 1);
	setenv("IDENTITY_ENDPOINT", "http://127.0.0.1:1/x", 1);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, path), 0, "configure with file and env");
	is_str(azkv_get(ctx, "vault"), "from-env", "env beats file");
	is_str(azkv_get(ctx, "cafile"), "/f", "file value kept");
	is_str(azkv_get(ctx, "token-cache"), "on", "env token-cache");
	is_str(azkv_get(ctx, "env.IDENTITY_ENDPOINT"), "http://127.0.0.1:1/x",
	    "standard variable captured");
	is_int(azkv_set(ctx, "vault", "from-flag"), 0, "flag applied");
	is_str(azkv_get(ctx, "vault"), "from-flag", "flag beats env");
	azkv_free(ctx);
	clear_env();

	setenv("AZURE_CLIENT_ID", "11111111-1111-1111-1111-111111111111", 1);
	ctx = azkv_new();
	azkv_configure(ctx, path);
	is_str(azkv_get(ctx, "identity"),
	    "11111111-1111-1111-1111-111111111111",
	    "AZURE_CLIENT_ID names the identity");
	azkv_free(ctx);
	setenv("AZKV_IDENTITY", "system", 1);
	ctx = azkv_new();
	azkv_configure(ctx, path);
	is_str(azkv_get(ctx, "identity"), "system",
	    "AZKV_IDENTITY beats AZURE_CLIENT_ID");
	azkv_free(ctx);
	clear_env();

	setenv("AZKV_CONFIG", path, 1);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, NULL), 0, "AZKV_CONFIG names the file");
	is_str(azkv_get(ctx, "vault"), "from-file", "and it is read");
	azkv_free(ctx);
	clear_env();

	/* the user file, under $XDG_CONFIG_HOME or $HOME */
	snprintf(home, sizeof(home), "%s/home", dir);
	mkdir(home, 0700);
	snprintf(user, sizeof(user), "%s/home/.config", dir);
	mkdir(user, 0700);
	snprintf(user, sizeof(user), "%s/home/.config/azkv", dir);
	mkdir(user, 0700);
	write_file("home/.config/azkv/config", "[azkv]\nvault = user\n", 0600);
	setenv("HOME", home, 1);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, NULL), 0, "configure from default files");
	is_str(azkv_get(ctx, "vault"), "user", "~/.config/azkv/config read");
	f = azkv_config_file(ctx, 0, &found);
	is_str(f, "/etc/azkv/config", "system file considered first");
	azkv_free(ctx);
	snprintf(user, sizeof(user), "%s/azkv", dir);
	mkdir(user, 0700);
	write_file("azkv/config", "[azkv]\nvault = xdg\n", 0600);
	setenv("XDG_CONFIG_HOME", dir, 1);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, NULL), 0, "configure with XDG_CONFIG_HOME");
	is_str(azkv_get(ctx, "vault"), "xdg",
	    "$XDG_CONFIG_HOME/azkv/config replaces ~/.config");
	azkv_free(ctx);
	clear_env();
}

static void
test_errors(void)
{
	struct azkv *ctx;
	const char *path;
	char want[300];

	clear_env();
	path = write_file("e1", "[azkv]\nvault = v\n\ntimeout = soon\n", 0644);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, path), AZKV_ERR_CONFIG, "bad timeout");
	snprintf(want, sizeof(want), "%s:4: invalid timeout", path);
	ok(strncmp(azkv_last_error(ctx), want, strlen(want)) == 0,
	    "names file and line: %s", azkv_last_error(ctx));
	azkv_free(ctx);

	path = write_file("e2", "[azkv]\nvalt = v\n", 0644);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, path), AZKV_ERR_CONFIG, "unknown key");
	snprintf(want, sizeof(want), "%s:2: unknown setting 'azkv.valt'",
	    path);
	ok(strcmp(azkv_last_error(ctx), want) == 0, "names it: %s",
	    azkv_last_error(ctx));
	azkv_free(ctx);

	path = write_file("e3", "[identity]\nsource = carrier-pigeon\n", 0644);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, path), AZKV_ERR_CONFIG, "bad source");
	azkv_free(ctx);

	path = write_file("e4", "[azkv \"x\"]\nvault = v\n", 0644);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, path), AZKV_ERR_CONFIG,
	    "[azkv] with a subsection");
	azkv_free(ctx);

	path = write_file("e5", "[azkv]\nvault = v\n", 0666);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, path), AZKV_ERR_CONFIG,
	    "world-writable file refused");
	ok(strstr(azkv_last_error(ctx), "bad owner or permissions") != NULL,
	    "with the reason: %s", azkv_last_error(ctx));
	azkv_free(ctx);

	ctx = azkv_new();
	is_int(azkv_configure(ctx, "/nonexistent/azkv.conf"), AZKV_ERR_CONFIG,
	    "a named file must exist");
	azkv_free(ctx);

	path = write_file("ok", "[azkv]\nvault = v\n", 0644);
	setenv("AZKV_TIMEOUT", "-5", 1);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, path), AZKV_ERR_CONFIG, "bad AZKV_TIMEOUT");
	ok(strncmp(azkv_last_error(ctx), "AZKV_TIMEOUT: invalid timeout",
	    29) == 0, "names the variable: %s", azkv_last_error(ctx));
	azkv_free(ctx);
	clear_env();
	setenv("AZKV_DEBUG", "maybe", 1);
	ctx = azkv_new();
	is_int(azkv_configure(ctx, path), AZKV_ERR_CONFIG, "bad AZKV_DEBUG");
	azkv_free(ctx);
	clear_env();
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	umask(022);
	test_syntax();
	test_layers();
	test_limits();
	test_precedence();
	test_errors();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	return tap_done();
}
