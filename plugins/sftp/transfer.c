/* transfer.c: sliding-window pipelined SFTP upload, streams, atomic rename. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "azkv.h"
#include "dest.h"
#include "msg.h"
#include "progress.h"
#include "remote.h"
#include "transfer.h"

#define XFER_MAX_STREAMS	16
#define XFER_BUDGET		XFER_BUF	/* all streams together */
#define TAIL_CHECK		(64 * 1024)	/* --resume compares this much */

struct stream {
	struct conn		*c;
	LIBSSH2_SFTP_HANDLE	*h;	/* NULL: the stream opens tmp itself */
	const char		*src;
	const char		*tmp;
	int			 fd;
	uint64_t		 off, end;
	size_t			 bufsz;
	struct progress		*p;
	int			 draw;
	int			 ret;
};

/* ".NAME.azkv-XXXXXX.SUFFIX" next to `path`; resume names are fixed. */
static char *
side_name(const char *path, const char *suffix, int fixed)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char name[300], rnd[7];
	unsigned char r[6];
	const char *b;
	char *dir, *out;
	size_t bl, i;
	int n;

	b = path_base(path, &bl);
	if (bl > 200)
		bl = 200;
	if (fixed)
		memcpy(rnd, "resume", 7);
	else {
		if (getrandom(r, sizeof(r), 0) != sizeof(r))
			return NULL;
		for (i = 0; i < 6; i++)
			rnd[i] = al[r[i] % (sizeof(al) - 1)];
		rnd[6] = '\0';
	}
	n = snprintf(name, sizeof(name), ".%.*s.azkv-%s.%s", (int)bl, b, rnd,
	    suffix);
	if (n < 0 || (size_t)n >= sizeof(name))
		return NULL;
	if ((dir = path_dir(path)) == NULL)
		return NULL;
	out = path_join(dir, name);
	free(dir);
	return out;
}

/* The local file this thread is uploading, named in remote errors. */
static __thread const char *cur_src;

static void
say_remote(struct conn *c, int rc, const char *what, const char *path)
{
	char why[200];
	unsigned long st = remote_status(c, rc);
	const char *hint = "";

	remote_why(c, rc, why, sizeof(why));
	if (st == LIBSSH2_FX_NO_SUCH_FILE || st == LIBSSH2_FX_NO_SUCH_PATH)
		hint = " (does the directory exist? --mkdir creates it)";
	if (cur_src != NULL)
		msg_err("cannot upload %s: cannot %s %s: %s%s", cur_src, what,
		    path, why, hint);
	else
		msg_err("cannot %s %s: %s%s", what, path, why, hint);
}

/* After a failed write: tell a full disk apart from other failures. */
static void
say_write_error(struct conn *c, int rc, const char *src, const char *tmp,
    uint64_t left)
{
	LIBSSH2_SFTP_STATVFS vfs;
	char why[200], *dir;
	int r = -1;

	remote_why(c, rc, why, sizeof(why));
	if (remote_status(c, rc) == LIBSSH2_FX_FAILURE &&
	    (dir = path_dir(tmp)) != NULL) {
		CONN_RETRY(c, r, libssh2_sftp_statvfs(c->sftp, *dir ? dir : ".",
		    strlen(*dir ? dir : "."), &vfs));
		free(dir);
		if (r == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < left) {
			msg_err("cannot upload %s: %s writing %s: no space "
			    "left on the server's disk", src, why, tmp);
			return;
		}
	}
	msg_err("cannot upload %s: %s writing %s", src, why, tmp);
}

/*
 * Send bytes [off, end) of fd through h, keeping up to bufsz bytes queued
 * in libssh2 (a sliding window). Returns 0 once the server acknowledged
 * every byte, else -1 after printing why.
 */
static int
write_range(struct stream *s)
{
	struct conn *c = s->c;
	char *buf;
	size_t start = 0, used = 0;
	uint64_t rpos = s->off, acked = s->off, end = s->end;
	ssize_t n;
	int rc = 0, ret = -1, draining = 0;

	if ((buf = malloc(s->bufsz)) == NULL) {
		msg_err("out of memory");
		return -1;
	}
	while (acked < end) {
		if (conn_interrupted && !draining) {
			/*
			 * Stop reading, but let what libssh2 already holds be
			 * acknowledged (at most bufsz, bounded waits), so the
			 * session stays usable to remove the temporary file.
			 */
			draining = 1;
			c->cleanup = 1;
			end = rpos;
			if (acked >= end)
				break;
		}
		/* refill at half the window: each byte moves once */
		if (rpos < end && (used == 0 || start >= s->bufsz / 2)) {
			memmove(buf, buf + start, used);
			start = 0;
			while (used < s->bufsz && rpos < end) {
				size_t want = s->bufsz - used;

				if (want > end - rpos)
					want = end - rpos;
				n = pread(s->fd, buf + used, want, (off_t)rpos);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					msg_err("cannot read %s: %s", s->src,
					    n < 0 ? strerror(errno) :
					    "file shrank while uploading");
					goto out;
				}
				used += n;
				rpos += n;
			}
		}
		rc = libssh2_sftp_write(s->h, buf + start, used);
		if (rc == LIBSSH2_ERROR_EAGAIN) {
			if (conn_wait(c) != 0 &&
			    !(conn_interrupted && !draining))
				break;
			continue;
		}
		if (rc < 0)
			break;
		start += rc;
		used -= rc;
		acked += rc;
		progress_add(s->p, rc, s->draw);
	}
	if (draining) {
		msg_err("cannot upload %s: interrupted", s->src);
		goto out;
	}
	if (acked == end) {
		ret = 0;
		goto out;
	}
	if (c->waiterr != NULL)
		msg_err("cannot upload %s: %s", s->src, c->waiterr);
	else
		say_write_error(c, rc, s->src, s->tmp, end - acked);
 out:
	free(buf);
	return ret;
}

static LIBSSH2_SFTP_HANDLE *
open_remote(struct conn *c, const char *path, unsigned long flags, long mode)
{
	LIBSSH2_SFTP_HANDLE *h;

	CONN_RETRY_PTR(c, h, libssh2_sftp_open_ex(c->sftp, path,
	    (unsigned int)strlen(path), flags, mode, LIBSSH2_SFTP_OPENFILE));
	if (h == NULL)
		say_remote(c, LIBSSH2_ERROR_SFTP_PROTOCOL, "open", path);
	return h;
}

static int
close_remote(struct conn *c, LIBSSH2_SFTP_HANDLE *h, const char *path)
{
	int rc;

	CONN_RETRY(c, rc, libssh2_sftp_close_handle(h));
	if (rc != 0) {
		say_remote(c, rc, "close", path);
		return -1;
	}
	return 0;
}

static void *
stream_run(void *arg)
{
	struct stream *s = arg;

	s->ret = -1;
	cur_src = s->src;
	if ((s->h = open_remote(s->c, s->tmp, LIBSSH2_FXF_WRITE, 0600)) == NULL)
		return NULL;
	libssh2_sftp_seek64(s->h, s->off);
	if (write_range(s) == 0)
		s->ret = 0;
	if (close_remote(s->c, s->h, s->tmp) != 0)
		s->ret = -1;
	s->h = NULL;
	return NULL;
}

/* Write the file through n streams; stream 0 runs here with handle h. */
static int
send_streams(struct conn *conns, int n, LIBSSH2_SFTP_HANDLE *h,
    struct stream *base)
{
	struct stream st[XFER_MAX_STREAMS];
	pthread_t tid[XFER_MAX_STREAMS];
	int started[XFER_MAX_STREAMS];
	uint64_t len = base->end - base->off, per;
	size_t bufsz;
	int i, ret = 0;

	bufsz = XFER_BUDGET / n / XFER_CHUNK * XFER_CHUNK;
	if (bufsz < 10 * XFER_CHUNK)
		bufsz = 10 * XFER_CHUNK;
	/* ranges aligned to 1 MiB */
	per = (len / n + (1 << 20) - 1) & ~(uint64_t)((1 << 20) - 1);
	for (i = 0; i < n; i++) {
		st[i] = *base;
		st[i].c = &conns[i];
		st[i].off = base->off + per * i;
		if (st[i].off > base->end)
			st[i].off = base->end;
		st[i].end = i == n - 1 ? base->end : st[i].off + per;
		if (st[i].end > base->end)
			st[i].end = base->end;
		st[i].bufsz = bufsz;
		st[i].draw = i == 0;
		started[i] = 0;
	}
	msg_debug("%s: %d streams of %llu bytes", base->src, n,
	    (unsigned long long)per);
	for (i = 1; i < n; i++) {
		st[i].h = NULL;
		if (pthread_create(&tid[i], NULL, stream_run, &st[i]) != 0) {
			msg_err("cannot start stream %d", i);
			ret = -1;
			break;
		}
		started[i] = 1;
	}
	st[0].h = h;
	if (ret == 0 && write_range(&st[0]) != 0)
		ret = -1;
	for (i = 1; i < n; i++) {
		if (!started[i])
			continue;
		pthread_join(tid[i], NULL);
		if (st[i].ret != 0)
			ret = -1;
	}
	return ret;
}

/* Rename tmp over dst; when the server refuses to replace, move dst aside. */
static int
replace_unshielded(struct conn *c, const char *tmp, const char *dst)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	unsigned long st;
	char *aside = NULL;
	int rc, ret = -1;
	const long fl = LIBSSH2_SFTP_RENAME_OVERWRITE |
	    LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE;

#if LIBSSH2_VERSION_NUM >= 0x010b01
	CONN_RETRY(c, rc, libssh2_sftp_posix_rename_ex(c->sftp, tmp,
	    strlen(tmp), dst, strlen(dst)));
	if (rc == 0)
		return 0;
#endif
	CONN_RETRY(c, rc, libssh2_sftp_rename_ex(c->sftp, tmp,
	    (unsigned int)strlen(tmp), dst, (unsigned int)strlen(dst), fl));
	if (rc == 0)
		return 0;
	st = remote_status(c, rc);
	if (st != LIBSSH2_FX_FAILURE && st != LIBSSH2_FX_FILE_ALREADY_EXISTS) {
		say_remote(c, rc, "rename the upload to", dst);
		return -1;
	}
	if (remote_stat(c, dst, &a) != 0) {
		say_remote(c, rc, "rename the upload to", dst);
		return -1;
	}
	if ((a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
	    LIBSSH2_SFTP_S_ISDIR(a.permissions)) {
		msg_err("cannot replace %s: it is a directory", dst);
		return -1;
	}
	/* SFTPv3 rename never replaces: move the old file aside first */
	if ((aside = side_name(dst, "old", 0)) == NULL)
		return -1;
	CONN_RETRY(c, rc, libssh2_sftp_rename_ex(c->sftp, dst,
	    (unsigned int)strlen(dst), aside, (unsigned int)strlen(aside), fl));
	if (rc != 0) {
		say_remote(c, rc, "move aside the old", dst);
		goto out;
	}
	CONN_RETRY(c, rc, libssh2_sftp_rename_ex(c->sftp, tmp,
	    (unsigned int)strlen(tmp), dst, (unsigned int)strlen(dst), fl));
	if (rc != 0) {
		say_remote(c, rc, "rename the upload to", dst);
		CONN_RETRY(c, rc, libssh2_sftp_rename_ex(c->sftp, aside,
		    (unsigned int)strlen(aside), dst, (unsigned int)strlen(dst),
		    fl));
		if (rc != 0)
			msg_err("the old %s is kept as %s", dst, aside);
		goto out;
	}
	CONN_RETRY(c, rc, libssh2_sftp_unlink_ex(c->sftp, aside,
	    (unsigned int)strlen(aside)));
	if (rc != 0)
		msg_err("warning: cannot remove the old copy %s", aside);
	ret = 0;
 out:
	free(aside);
	return ret;
}

/* replace(), not cut short by SIGINT/SIGTERM once the old file moved */
static int
replace(struct conn *c, const char *tmp, const char *dst)
{
	int r;

	c->shield = 1;
	r = replace_unshielded(c, tmp, dst);
	c->shield = 0;
	return r;
}

/*
 * Before --resume: 1 when the last bytes (up to 64 KiB) of the remote part
 * file equal the local file's at the same offsets, 0 when not, -1.
 */
static int
tail_matches(struct conn *c, const char *path, int fd, uint64_t size)
{
	LIBSSH2_SFTP_HANDLE *h;
	char *rbuf = NULL, *lbuf = NULL;
	size_t want, got = 0;
	ssize_t n;
	int ret = -1;

	want = size < TAIL_CHECK ? (size_t)size : TAIL_CHECK;
	if (want == 0)
		return 1;
	if ((rbuf = malloc(want)) == NULL || (lbuf = malloc(want)) == NULL) {
		free(rbuf);
		return -1;
	}
	if ((h = open_remote(c, path, LIBSSH2_FXF_READ, 0)) == NULL)
		goto out;
	libssh2_sftp_seek64(h, size - want);
	while (got < want) {
		CONN_RETRY(c, n, libssh2_sftp_read(h, rbuf + got, want - got));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (close_remote(c, h, path) != 0 || got != want) {
		if (got != want)
			say_remote(c, LIBSSH2_ERROR_SFTP_PROTOCOL, "read",
			    path);
		goto out;
	}
	if (pread(fd, lbuf, want, (off_t)(size - want)) != (ssize_t)want) {
		ret = 0;
		goto out;
	}
	ret = memcmp(rbuf, lbuf, want) == 0;
 out:
	free(rbuf);
	free(lbuf);
	return ret;
}

/* Best effort after a failure: close the handle, remove the temp file. */
static void
abandon(struct conn *c, LIBSSH2_SFTP_HANDLE *h, const char *tmp, int keep)
{
	int rc;

	c->cleanup = 1;
	if (h != NULL) {
		CONN_RETRY(c, rc, libssh2_sftp_close_handle(h));
		msg_debug("close after failure: %d (%s)", rc, conn_why(c));
	}
	if (tmp != NULL && !keep) {
		CONN_RETRY(c, rc, libssh2_sftp_unlink_ex(c->sftp, tmp,
		    (unsigned int)strlen(tmp)));
		if (rc != 0)
			msg_err("cannot remove the partial upload %s: %s", tmp,
			    conn_why(c));
	} else if (tmp != NULL)
		msg_err("the partial upload is kept as %s (--resume continues "
		    "it)", tmp);
	c->cleanup = 0;
}

int
xfer_file(struct conn *conns, int nconn, const char *src, const char *dst,
    const struct xfer_opts *o)
{
	struct conn *c = &conns[0];
	LIBSSH2_SFTP_ATTRIBUTES a;
	LIBSSH2_SFTP_HANDLE *h = NULL;
	struct progress prog;
	struct stream s;
	struct stat lst;
	char *tmp = NULL;
	const char *target;
	unsigned long flags;
	uint64_t size, off = 0;
	long mode;
	int fd = -1, r = 0, rc, nstreams = 1, ret = AZKV_EXIT_RUNTIME;
	int keep = o->resume, created = 0;

	cur_src = src;
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &lst) != 0) {
		msg_err("cannot read %s: %s", src, strerror(errno));
		goto out;
	}
	size = (uint64_t)lst.st_size;
	mode = o->mode >= 0 ? o->mode : (long)(lst.st_mode & 0777);
	if (o->atomic) {
		if ((tmp = side_name(dst, "part", o->resume)) == NULL) {
			msg_err("cannot make a temporary name for %s", dst);
			goto out;
		}
		target = tmp;
	} else
		target = dst;

	flags = LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC;
	if (o->resume) {
		rc = remote_stat(c, target, &a);
		if (rc < 0) {
			say_remote(c, LIBSSH2_ERROR_SFTP_PROTOCOL, "stat",
			    target);
			goto out;
		}
		if (rc == 0 && (a.flags & LIBSSH2_SFTP_ATTR_SIZE) &&
		    a.filesize <= size && (r = tail_matches(c, target, fd,
		    a.filesize)) == 1) {
			off = a.filesize;
			flags = LIBSSH2_FXF_WRITE;
			msg_info("resuming %s at %llu of %llu bytes", target,
			    (unsigned long long)off, (unsigned long long)size);
		} else if (rc == 0 && r < 0)
			goto out;
		else if (rc == 0)
			msg_info("%s does not continue %s: starting over",
			    target, src);
	} else if (o->atomic)
		flags = LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
		    LIBSSH2_FXF_EXCL;
	if ((h = open_remote(c, target, flags, mode)) == NULL)
		goto out;
	created = o->atomic;
	if (off > 0)
		libssh2_sftp_seek64(h, off);

	if (!o->resume && nconn > 1 && size - off >= 2 * XFER_STREAM_MIN) {
		nstreams = (int)((size - off) / XFER_STREAM_MIN);
		if (nstreams > nconn)
			nstreams = nconn;
	}
	progress_start(&prog, src, size - off, o->progress);
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.h = h;
	s.src = src;
	s.tmp = target;
	s.fd = fd;
	s.off = off;
	s.end = size;
	s.bufsz = XFER_BUF;
	s.p = &prog;
	s.draw = 1;
	if (nstreams > 1)
		rc = send_streams(conns, nstreams, h, &s);
	else
		rc = write_range(&s);
	if (rc != 0) {
		progress_end(&prog, dst, 0);
		goto out;
	}

	CONN_RETRY(c, rc, libssh2_sftp_fsync(h));
	if (rc != 0) {
		if (remote_status(c, rc) != LIBSSH2_FX_OP_UNSUPPORTED) {
			say_remote(c, rc, "fsync", target);
			goto out;
		}
		msg_debug("the server does not offer fsync@openssh.com");
	}
	if (o->preserve || o->mode >= 0) {
		memset(&a, 0, sizeof(a));
		a.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
		a.permissions = o->mode >= 0 ? (unsigned long)o->mode :
		    (unsigned long)(lst.st_mode & 07777);
		if (o->preserve) {
			a.flags |= LIBSSH2_SFTP_ATTR_ACMODTIME;
			a.atime = (unsigned long)lst.st_atime;
			a.mtime = (unsigned long)lst.st_mtime;
		}
		CONN_RETRY(c, rc, libssh2_sftp_fsetstat(h, &a));
		if (rc != 0) {
			say_remote(c, rc, "set the mode/times of", target);
			goto out;
		}
	}
	rc = close_remote(c, h, target);
	h = NULL;
	if (rc != 0)
		goto out;

	if ((rc = remote_stat(c, target, &a)) != 0) {
		say_remote(c, LIBSSH2_ERROR_SFTP_PROTOCOL, "stat", target);
		goto out;
	}
	if (!(a.flags & LIBSSH2_SFTP_ATTR_SIZE) || a.filesize != size) {
		msg_err("upload of %s is incomplete: the server has %llu of "
		    "%llu bytes", src, (unsigned long long)a.filesize,
		    (unsigned long long)size);
		keep = 0;
		goto out;
	}
	if (o->atomic && replace(c, tmp, dst) != 0)
		goto out;
	created = 0;
	progress_end(&prog, dst, 1);
	ret = 0;
 out:
	if (ret != 0 && conn_interrupted)
		ret = AZKV_EXIT_RUNTIME;
	if (ret != 0 && (h != NULL || created))
		abandon(c, h, created ? tmp : NULL, keep);
	if (fd >= 0)
		close(fd);
	free(tmp);
	cur_src = NULL;
	return ret;
}
