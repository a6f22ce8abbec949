/* lock.c: flock-based locks in the per-user azkv runtime directory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "lock.h"

/* mkdir that tolerates an existing entry, then checks it is ours alone. */
static int
private_dir(const char *path, int must_be_private, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (lstat(path, &st) != 0) {
		snprintf(err, errlen, "cannot stat %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", path);
		return -1;
	}
	if (must_be_private &&
	    (st.st_uid != geteuid() || (st.st_mode & 077) != 0)) {
		snprintf(err, errlen, "%s must be owned by this user and "
		    "mode 0700", path);
		return -1;
	}
	return 0;
}

int
lock_dir(const char *xdg_runtime_dir, const char *home, char *out,
    size_t outlen, char *err, size_t errlen)
{
	int r;

	if (xdg_runtime_dir != NULL && xdg_runtime_dir[0] == '/') {
		r = snprintf(out, outlen, "%s/azkv", xdg_runtime_dir);
	} else if (home != NULL && home[0] == '/') {
		r = snprintf(out, outlen, "%s/.cache", home);
		if (r < 0 || (size_t)r >= outlen)
			goto toolong;
		if (private_dir(out, 0, err, errlen) != 0)
			return -1;
		r = snprintf(out, outlen, "%s/.cache/azkv", home);
	} else {
		snprintf(err, errlen, "neither XDG_RUNTIME_DIR nor HOME is set "
		    "to an absolute path");
		return -1;
	}
	if (r < 0 || (size_t)r >= outlen)
		goto toolong;
	return private_dir(out, 1, err, errlen);
 toolong:
	snprintf(err, errlen, "runtime directory path too long");
	return -1;
}

int
lock_take(const char *dir, const char *name, int timeout_s, char *err,
    size_t errlen)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	char path[4096];
	long tries, max_tries;
	int fd, r;

	r = snprintf(path, sizeof(path), "%s/%s.lock", dir, name);
	if (r < 0 || (size_t)r >= sizeof(path)) {
		snprintf(err, errlen, "lock file path too long");
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	max_tries = (timeout_s > 0 ? (long)timeout_s : 1) * 50;
	for (tries = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; tries++) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    tries >= max_tries) {
			snprintf(err, errlen, "cannot lock %s: %s", path,
			    errno == EWOULDBLOCK ? "still held by another "
			    "process" : strerror(errno));
			close(fd);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return fd;
}

void
lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
