/* t-cachedir.c: the per-user cache directory's trust rules, trusted files, locks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "azkv-int.h"
#include "tap.h"

static char base[64], run[128], home[128], dir[160], hdir[160];

static void
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command on the scratch tree ($B is the base directory). */
static void
sh(const char *fmt, ...)
{
	char cmd[1024], full[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "B='%s'; set -e; %s", base, cmd);
	if (system(full) != 0) {
		printf("Bail out! setup failed: %s\n", cmd);
		exit(1);
	}
}

static int
is_root(void)
{
	return geteuid() == 0;
}

static struct azkv *
ctx_new(const char *xdg, const char *h)
{
	struct azkv *ctx;

	if ((ctx = azkv_new()) == NULL ||
	    azkv_set(ctx, "env.XDG_RUNTIME_DIR", xdg) != 0 ||
	    azkv_set(ctx, "env.HOME", h) != 0) {
		printf("Bail out! cannot make a context\n");
		exit(1);
	}
	return ctx;
}

/* ---- the directory ---- */

struct dcase {
	const char	*name;
	const char	*setup;		/* shell, run on a fresh tree */
	int		 root_only;
	int		 no_xdg;	/* XDG_RUNTIME_DIR unset */
	int		 ok;		/* cachedir_open succeeds */
	int		 in_home;	/* ... and it is ~/.cache/azkv */
	const char	*err;		/* substring of the error text */
};

static const struct dcase dcases[] = {
	{ "missing: created 0700", "", 0, 0, 1, 0, NULL },
	{ "existing 0700", "mkdir -m 700 $B/run/azkv", 0, 0, 1, 0, NULL },
	{ "0755: untrusted", "mkdir -m 755 $B/run/azkv", 0, 0, 0, 0,
	  "untrusted" },
	{ "0710: untrusted", "mkdir -m 710 $B/run/azkv", 0, 0, 0, 0,
	  "untrusted" },
	{ "0701: untrusted", "mkdir -m 701 $B/run/azkv", 0, 0, 0, 0,
	  "untrusted" },
	{ "symlink to a 0700 directory: not followed",
	  "mkdir -m 700 $B/elsewhere; ln -s $B/elsewhere $B/run/azkv",
	  0, 0, 0, 0, "symbolic link" },
	{ "a regular file", ": >$B/run/azkv", 0, 0, 0, 0, "not a directory" },
	{ "foreign owner", "mkdir -m 700 $B/run/azkv; chown 65534 "
	  "$B/run/azkv", 1, 0, 0, 0, "untrusted (owner 65534" },
	{ "XDG_RUNTIME_DIR not ours: ~/.cache/azkv", "chown 65534 $B/run",
	  1, 0, 1, 1, NULL },
	{ "XDG_RUNTIME_DIR missing: ~/.cache/azkv", "rmdir $B/run", 0, 0, 1,
	  1, NULL },
	{ "no XDG_RUNTIME_DIR: ~/.cache/azkv", "", 0, 1, 1, 1, NULL },
	{ "~/.cache/azkv 0750: untrusted", "mkdir -p -m 700 $B/home/.cache; "
	  "mkdir -m 750 $B/home/.cache/azkv", 0, 1, 0, 0, "untrusted" },
	{ "HOME not ours: left alone", "chown 65534 $B/home", 1, 1, 0, 0,
	  "not our home directory" },
};

static void
test_dir(void)
{
	const struct dcase *c;
	struct azkv *ctx;
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		c = &dcases[i];
		if (c->root_only && !is_root()) {
			ok(1, "# skip %s: needs root (chown)", c->name);
			ok(1, "# skip %s: needs root (chown)", c->name);
			continue;
		}
		sh("rm -rf $B/run $B/home $B/elsewhere; mkdir -m 700 $B/run "
		    "$B/home; %s", c->setup);
		ctx = ctx_new(c->no_xdg ? NULL : run, home);
		fd = cachedir_open(ctx);
		ok((fd >= 0) == c->ok, "dir %s: %s", c->name,
		    c->ok ? "opened" : "refused");
		if (c->ok)
			ok(fd >= 0 && stat(c->in_home ? hdir : dir, &st) == 0 &&
			    S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700 &&
			    fstat(fd, &st) == 0 && lstat(c->in_home ? hdir :
			    dir, &st) == 0 && S_ISDIR(st.st_mode),
			    "dir %s: the 0700 directory %s", c->name,
			    c->in_home ? "~/.cache/azkv" : "$XDG_RUNTIME_DIR/azkv");
		else if (!ok(strstr(azkv_last_error(ctx), c->err) != NULL,
		    "dir %s: says '%s'", c->name, c->err))
			printf("#   got '%s'\n", azkv_last_error(ctx));
		if (fd >= 0)
			close(fd);
		azkv_free(ctx);
	}
	sh("rm -rf $B/elsewhere");
}

/* ---- trusted files ---- */

struct fcase {
	const char	*name;
	const char	*setup;		/* shell; $D is the cache directory */
	int		 root_only;
	size_t		 max;		/* buf cap */
	int		 ok;
};

static const struct fcase fcases[] = {
	{ "0600, ours", "printf data >$D/f; chmod 600 $D/f", 0, 64, 1 },
	{ "absent", ":", 0, 64, 0 },
	{ "0644", "printf data >$D/f; chmod 644 $D/f", 0, 64, 0 },
	{ "0640", "printf data >$D/f; chmod 640 $D/f", 0, 64, 0 },
	{ "0700", "printf data >$D/f; chmod 700 $D/f", 0, 64, 0 },
	{ "symlink to a 0600 file", "printf data >$D/g; chmod 600 $D/g; "
	  "ln -s g $D/f", 0, 64, 0 },
	{ "hard link", "printf data >$D/f; chmod 600 $D/f; ln $D/f $B/link",
	  0, 64, 0 },
	{ "exactly the cap", "printf 0123456789abcdef >$D/f; chmod 600 $D/f",
	  0, 16, 1 },
	{ "one byte over the cap", "printf 0123456789abcdefX >$D/f; "
	  "chmod 600 $D/f", 0, 16, 0 },
	{ "a FIFO", "mkfifo -m 600 $D/f", 0, 64, 0 },
	{ "a directory", "mkdir -m 700 $D/f", 0, 64, 0 },
	{ "foreign owner", "printf data >$D/f; chmod 600 $D/f; "
	  "chown 65534 $D/f", 1, 64, 0 },
};

static void
test_files(void)
{
	const struct fcase *c;
	struct azkv *ctx;
	struct buf b;
	size_t i;
	int dfd, r;

	for (i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		c = &fcases[i];
		if (c->root_only && !is_root()) {
			ok(1, "# skip file %s: needs root (chown)", c->name);
			continue;
		}
		sh("rm -rf $B/run/azkv $B/link; mkdir -m 700 $B/run/azkv; "
		    "D=$B/run/azkv; %s", c->setup);
		ctx = ctx_new(run, home);
		if ((dfd = cachedir_open(ctx)) < 0) {
			printf("Bail out! cache directory: %s\n",
			    azkv_last_error(ctx));
			exit(1);
		}
		buf_init(&b, c->max);
		buf_append_str(&b, "old");
		buf_reset(&b);
		r = cachefile_read(ctx, dfd, "f", &b);
		ok((r == 0) == c->ok && (c->ok || b.len == 0),
		    "file %s: %s", c->name, c->ok ? "read" : "ignored");
		buf_release(&b);
		close(dfd);
		azkv_free(ctx);
	}
}

/* Entries in the cache directory, to catch left-over temp files. */
static int
count_entries(void)
{
	char cmd[300], line[32];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof(line), p) != NULL)
			n = (int)strtol(line, NULL, 10);
		pclose(p);
	}
	return n;
}

static void
test_write(void)
{
	struct azkv *ctx;
	struct stat st;
	struct buf b;
	char path[300];
	int dfd;

	sh("rm -rf $B/run/azkv; mkdir -m 700 $B/run/azkv");
	ctx = ctx_new(run, home);
	dfd = cachedir_open(ctx);
	ok(dfd >= 0, "write: directory");
	umask(022);
	ok(cachefile_write(ctx, dfd, "w", "hello", 5) == 0, "write: new file");
	snprintf(path, sizeof(path), "%s/w", dir);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 &&
	    st.st_uid == geteuid(), "write: 0600 and ours despite umask 022");
	ok(cachefile_write(ctx, dfd, "w", "bye", 3) == 0, "write: replace");
	buf_init(&b, 64);
	ok(cachefile_read(ctx, dfd, "w", &b) == 0 && b.len == 3 &&
	    memcmp(b.d, "bye", 3) == 0, "write: read back the new content");
	buf_release(&b);
	is_int(count_entries(), 1, "write: no temp file left behind");

	/* A symlink in the name's place is replaced, its target untouched. */
	sh("printf outside >$B/target; ln -s $B/target $B/run/azkv/s");
	ok(cachefile_write(ctx, dfd, "s", "new", 3) == 0,
	    "write over a symlink: ok");
	snprintf(path, sizeof(path), "%s/s", dir);
	ok(lstat(path, &st) == 0 && S_ISREG(st.st_mode),
	    "write over a symlink: now a regular file");
	sh("test \"$(cat $B/target)\" = outside; rm -f $B/target");
	ok(1, "write over a symlink: its target untouched");
	close(dfd);
	azkv_free(ctx);
}

/* ---- locks ---- */

/* A child that holds lock name until its pipe closes; *wfd keeps it. */
static pid_t
holder_start(const char *name, int *wfd)
{
	struct azkv *ctx;
	int ready[2], hold[2], fd;
	char c;
	pid_t pid;

	if (pipe(ready) != 0 || pipe(hold) != 0 || (pid = fork()) < 0) {
		printf("Bail out! pipe/fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		ctx = ctx_new(run, home);
		if (azkv_lock(ctx, name, &fd) != 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		azkv_unlock(fd);
		azkv_free(ctx);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1) {
		printf("Bail out! the lock holder failed\n");
		exit(1);
	}
	close(ready[0]);
	*wfd = hold[1];
	return pid;
}

static int
holder_stop(pid_t pid, int wfd)
{
	int status;

	close(wfd);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_lock(void)
{
	static const struct {
		const char	*desc;
		const char	*setup;
		const char	*name;
		const char	*err;
	} refused[] = {
		{ "symlinked lock file", "ln -s /dev/null $B/run/azkv/sym.lock",
		  "sym", "symbolic link" },
		{ "FIFO lock file", "mkfifo -m 600 $B/run/azkv/fifo.lock",
		  "fifo", "not a regular file" },
		{ "directory 0755", "chmod 755 $B/run/azkv", "git-x.example",
		  "untrusted" },
	};
	struct azkv *ctx;
	struct stat st;
	char path[300];
	size_t i;
	pid_t pid;
	int dfd, fd = -1, wfd;

	sh("rm -rf $B/run/azkv $B/home/.cache");
	ctx = ctx_new(run, home);
	ok(azkv_lock(ctx, "git-x.example", &fd) == 0 && fd >= 0,
	    "lock: free lock taken");
	snprintf(path, sizeof(path), "%s/git-x.example.lock", dir);
	ok(stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) == 0600, "lock: git-x.example.lock, 0600");
	azkv_unlock(fd);
	azkv_unlock(-1);

	pid = holder_start("held", &wfd);
	dfd = cachedir_open(ctx);
	is_int(cachefile_lock(ctx, dfd, "held.lock", 0), AZKV_ERR_TIMEOUT,
	    "contention: no wait: busy at once");
	close(dfd);
	azkv_set(ctx, "timeout", "1");
	fd = -1;
	is_int(azkv_lock(ctx, "held", &fd), AZKV_ERR_TIMEOUT,
	    "contention: waits at most the timeout setting");
	ok(fd == -1, "contention: out parameter untouched on failure");
	ok(strstr(azkv_last_error(ctx), "cannot lock 'held'") != NULL &&
	    strstr(azkv_last_error(ctx), "another process") != NULL,
	    "contention: error text names the lock and the holder");
	is_int(holder_stop(pid, wfd), 0, "contention: the holder released");
	ok(azkv_lock(ctx, "held", &fd) == 0, "contention: free again");
	azkv_unlock(fd);

	/* The lock waits as long as the holder holds, within the timeout. */
	pid = holder_start("brief", &wfd);
	if (fork() == 0) {
		usleep(200 * 1000);
		close(wfd);
		_exit(0);
	}
	close(wfd);
	azkv_set(ctx, "timeout", "60");
	ok(azkv_lock(ctx, "brief", &fd) == 0,
	    "contention: taken once the holder lets go");
	azkv_unlock(fd);
	is_int(holder_stop(pid, -1), 0, "contention: holder done");
	while (wait(NULL) > 0)
		;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		sh("%s", refused[i].setup);
		fd = -1;
		is_int(azkv_lock(ctx, refused[i].name, &fd), AZKV_ERR_IO,
		    "lock: %s: refused", refused[i].desc);
		ok(fd == -1 && strstr(azkv_last_error(ctx), refused[i].err) !=
		    NULL, "lock: %s: says '%s'", refused[i].desc,
		    refused[i].err);
		sh("chmod 700 $B/run/azkv");
	}
	azkv_free(ctx);

	ctx = ctx_new(NULL, NULL);
	is_int(azkv_lock(ctx, "x", &fd), AZKV_ERR_IO,
	    "lock: no XDG_RUNTIME_DIR nor HOME: AZKV_ERR_IO");
	azkv_free(ctx);
}

struct ncase {
	const char	*name;
	int		 ok;
};

static void
test_names(void)
{
	static char longest[128], toolong[129];
	const struct ncase cases[] = {
		{ "git-https-x-0123456789abcdef", 1 },
		{ "a.b-C9", 1 },
		{ "x", 1 },
		{ longest, 1 },
		{ toolong, 0 },
		{ "", 0 },
		{ NULL, 0 },
		{ ".hidden", 0 },
		{ ".", 0 },
		{ "..", 0 },
		{ "a/b", 0 },
		{ "../x", 0 },
		{ "a b", 0 },
		{ "a_b", 0 },
		{ "a\nb", 0 },
		{ "\xc3\xa4", 0 },
	};
	struct azkv *ctx;
	size_t i;
	int fd, r;

	memset(longest, 'a', sizeof(longest) - 1);
	memset(toolong, 'b', sizeof(toolong) - 1);
	sh("rm -rf $B/run/azkv");
	ctx = ctx_new(run, home);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = -1;
		r = azkv_lock(ctx, cases[i].name, &fd);
		if (cases[i].ok)
			ok(r == 0 && fd >= 0, "name %zu (%.20s): accepted", i,
			    cases[i].name);
		else
			ok(r == AZKV_ERR_USAGE && fd == -1, "name %zu: "
			    "AZKV_ERR_USAGE", i);
		azkv_unlock(fd);
	}
	is_int(count_entries(), 4, "names: only the valid names' lock files");
	azkv_free(ctx);
}

static void
test_timeout_setting(void)
{
	struct azkv *ctx = azkv_new();

	is_str(azkv_get(ctx, "timeout"), "120", "timeout: default as text");
	azkv_set(ctx, "timeout", "7");
	is_str(azkv_get(ctx, "timeout"), "7", "timeout: set");
	is_int(azkv_set(ctx, "timeout", "0"), AZKV_ERR_USAGE,
	    "timeout: 0 refused");
	is_str(azkv_get(ctx, "timeout"), "7", "timeout: kept after a refusal");
	azkv_set(ctx, "timeout", NULL);
	is_str(azkv_get(ctx, "timeout"), "120", "timeout: back to default");
	azkv_free(ctx);
}

int
main(void)
{
	char tmpl[] = "/tmp/t-cachedir.XXXXXX";

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(tmpl) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(base, sizeof(base), "%s", tmpl);
	snprintf(run, sizeof(run), "%s/run", base);
	snprintf(home, sizeof(home), "%s/home", base);
	snprintf(dir, sizeof(dir), "%s/azkv", run);
	snprintf(hdir, sizeof(hdir), "%s/.cache/azkv", home);

	test_dir();
	test_files();
	test_write();
	test_lock();
	test_names();
	test_timeout_setting();

	sh("chown -R %ld $B 2>/dev/null || true; rm -rf $B", (long)geteuid());
	return tap_done();
}
