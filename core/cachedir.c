/* cachedir.c: the per-user cache directory, its trusted files and locks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "azkv-int.h"

#define LOCK_POLL_MS	50L
#define LOCK_NAME_MAX	127

/* Log why the directory is unusable, keep it as the error text; -1. */
static int __attribute__((format(printf, 2, 3)))
dir_fail(struct azkv *ctx, const char *fmt, ...)
{
	char why[AZKV_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_debug(ctx, "cache: %s; working without the disk cache", why);
	seterr(ctx, AZKV_ERR_IO, "%s", why);
	return -1;
}

/* The parent of the azkv directory: $XDG_RUNTIME_DIR, else ~/.cache. */
static int
parent_open(struct azkv *ctx, char *where, size_t wlen)
{
	const char *xdg = ctx_env(ctx, "XDG_RUNTIME_DIR");
	const char *home = ctx_env(ctx, "HOME");
	struct stat st;
	int hfd, fd;

	if (xdg != NULL && xdg[0] == '/' && stat(xdg, &st) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_uid == geteuid()) {
		snprintf(where, wlen, "%.1000s/azkv", xdg);
		if ((fd = open(xdg, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			return dir_fail(ctx, "cannot open %.1000s: %s", xdg,
			    strerror(errno));
		return fd;
	}
	if (home == NULL || home[0] != '/')
		return dir_fail(ctx, "neither XDG_RUNTIME_DIR nor HOME is "
		    "usable");
	snprintf(where, wlen, "%.1000s/.cache/azkv", home);
	if ((hfd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return dir_fail(ctx, "cannot open %.1000s: %s", home,
		    strerror(errno));
	if (fstat(hfd, &st) != 0 || st.st_uid != geteuid()) {
		/* e.g. root with another user's HOME: leave it alone */
		close(hfd);
		return dir_fail(ctx, "%.1000s is not our home directory",
		    home);
	}
	if (mkdirat(hfd, ".cache", 0700) != 0 && errno != EEXIST)
		log_debug(ctx, "cache: cannot create %.1000s/.cache: %s", home,
		    strerror(errno));
	fd = openat(hfd, ".cache", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(hfd);
	if (fd < 0)
		return dir_fail(ctx, "cannot open %.1000s/.cache: %s", home,
		    strerror(errno));
	return fd;
}

int
cachedir_open(struct azkv *ctx)
{
	struct stat st;
	char where[1100];
	int bfd, fd;

	memset(&st, 0, sizeof(st));
	if ((bfd = parent_open(ctx, where, sizeof(where))) < 0)
		return -1;
	if (mkdirat(bfd, "azkv", 0700) != 0 && errno != EEXIST)
		log_debug(ctx, "cache: cannot create %s: %s", where,
		    strerror(errno));
	fd = openat(bfd, "azkv", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	close(bfd);
	if (fd < 0)
		return dir_fail(ctx, "cannot open %s: %s", where,
		    errno == ELOOP || errno == ENOTDIR ?
		    "a symbolic link or not a directory" : strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		close(fd);
		return dir_fail(ctx, "%s is untrusted (owner %ld, mode %03o; "
		    "need ours and 0700)", where, (long)st.st_uid,
		    (unsigned int)(st.st_mode & 0777));
	}
	return fd;
}

int
cachefile_read(struct azkv *ctx, int dfd, const char *name, struct buf *b)
{
	size_t max = b->max != 0 ? b->max : AZKV_BODY_MAX;
	struct stat st;
	char chunk[1024];
	ssize_t n;
	int fd, ret = -1;

	memset(&st, 0, sizeof(st));
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			log_debug(ctx, "cache: ignoring %s: %s", name,
			    errno == ELOOP ? "a symbolic link" :
			    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 07777) != 0600 ||
	    st.st_nlink != 1 || st.st_size < 0 || (size_t)st.st_size > max) {
		log_debug(ctx, "cache: ignoring untrusted %s (type, owner %ld, "
		    "mode %04o, links or size)", name, (long)st.st_uid,
		    (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_append(b, chunk, (size_t)n) != 0) {
			n = -1;
			break;
		}
	}
	if (n < 0) {
		log_debug(ctx, "cache: ignoring unreadable or oversized %s",
		    name);
		goto out;
	}
	ret = 0;
 out:
	if (ret != 0)
		buf_reset(b);
	azkv_wipe(chunk, sizeof(chunk));
	close(fd);
	return ret;
}

int
cachefile_write(struct azkv *ctx, int dfd, const char *name,
    const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned char rnd[4];
	char tmp[256];
	size_t off = 0;
	ssize_t n;
	int fd = -1, r, ret = -1;

	tmp[0] = '\0';
	if (getentropy(rnd, sizeof(rnd)) != 0) {
		r = (int)time(NULL) ^ (int)(uintptr_t)&r;
		memcpy(rnd, &r, sizeof(rnd));
	}
	r = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%02x%02x%02x%02x", name,
	    (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3]);
	if (r < 0 || (size_t)r >= sizeof(tmp)) {
		tmp[0] = '\0';
		log_debug(ctx, "cache: name too long: %.64s...", name);
		goto out;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0) {
		log_debug(ctx, "cache: cannot create %s: %s", tmp,
		    strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	if (fchmod(fd, 0600) != 0)
		goto fail;
	while (off < len) {
		if ((n = write(fd, p + off, len - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	r = close(fd);
	fd = -1;
	if (r != 0)
		goto fail;
	if (renameat(dfd, tmp, dfd, name) != 0)
		goto fail;
	log_debug(ctx, "cache: stored %s", name);
	ret = 0;
	goto out;
 fail:
	log_debug(ctx, "cache: cannot write %s: %s", name, strerror(errno));
 out:
	if (fd >= 0)
		close(fd);
	if (ret != 0 && tmp[0] != '\0')
		unlinkat(dfd, tmp, 0);
	return ret;
}

int
cachefile_lock(struct azkv *ctx, int dfd, const char *name, int wait)
{
	struct stat st;
	int fd, waited = 0;

	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK, 0600);
	if (fd < 0) {
		seterr(ctx, AZKV_ERR_IO, "cannot open lock file %s: %s", name,
		    errno == ELOOP ? "a symbolic link" : strerror(errno));
		log_debug(ctx, "cache: %s", ctx->errbuf);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		close(fd);
		seterr(ctx, AZKV_ERR_IO, "untrusted lock file %s (not a "
		    "regular file of ours)", name);
		log_debug(ctx, "cache: %s", ctx->errbuf);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			seterr(ctx, AZKV_ERR_IO, "cannot lock %s: %s", name,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (!wait) {
			close(fd);
			return AZKV_ERR_TIMEOUT;
		}
		if (!waited++)
			log_debug(ctx, "cache: waiting for another process "
			    "holding %s", name);
		if (ctx_ms_left(ctx) == 0 ||
		    http_sleep(ctx, LOCK_POLL_MS) != 0) {
			close(fd);
			return AZKV_ERR_TIMEOUT;
		}
	}
	return fd;
}

/* [0-9A-Za-z.-], 1 to LOCK_NAME_MAX characters, no leading dot. */
static int
lock_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= LOCK_NAME_MAX)
			return 0;
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= 'a' && name[i] <= 'z') ||
		    name[i] == '.' || name[i] == '-'))
			return 0;
	}
	return 1;
}

int
azkv_lock(struct azkv *ctx, const char *name, int *fd)
{
	char file[LOCK_NAME_MAX + sizeof(".lock")], why[AZKV_ERRLEN];
	int started = ctx->deadline == 0, dfd = -1, lfd, ret;

	if (!lock_name_valid(name))
		return seterr(ctx, AZKV_ERR_USAGE, "invalid lock name '%.64s' "
		    "(1-%d of 0-9 A-Z a-z . -, not starting with '.')",
		    name != NULL ? name : "(null)", LOCK_NAME_MAX);
	snprintf(file, sizeof(file), "%s.lock", name);
	ctx_deadline_start(ctx);
	if ((dfd = cachedir_open(ctx)) < 0) {
		snprintf(why, sizeof(why), "%s", ctx->errbuf);
		ret = seterr(ctx, AZKV_ERR_IO, "cannot lock '%s': %s", name,
		    why);
		goto out;
	}
	if ((lfd = cachefile_lock(ctx, dfd, file, 1)) == -1) {
		snprintf(why, sizeof(why), "%s", ctx->errbuf);
		ret = seterr(ctx, AZKV_ERR_IO, "cannot lock '%s': %s", name,
		    why);
		goto out;
	}
	if (lfd < 0) {
		ret = seterr(ctx, AZKV_ERR_TIMEOUT, "cannot lock '%s': held by "
		    "another process for the whole timeout (%d s)", name,
		    ctx->timeout);
		goto out;
	}
	*fd = lfd;
	ret = 0;
 out:
	if (dfd >= 0)
		close(dfd);
	if (started)
		ctx_deadline_clear(ctx);
	return ret;
}

void
azkv_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
