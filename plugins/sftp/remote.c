/* remote.c: SFTP stat, mkdir -p and error texts. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "remote.h"

const char *
fx_text(unsigned long st)
{
	switch (st) {
	case LIBSSH2_FX_OK:			return "ok (0)";
	case LIBSSH2_FX_EOF:			return "end of file (1)";
	case LIBSSH2_FX_NO_SUCH_FILE:		return "no such file (2)";
	case LIBSSH2_FX_PERMISSION_DENIED:	return "permission denied (3)";
	case LIBSSH2_FX_FAILURE:		return "failure (4)";
	case LIBSSH2_FX_BAD_MESSAGE:		return "bad message (5)";
	case LIBSSH2_FX_NO_CONNECTION:		return "no connection (6)";
	case LIBSSH2_FX_CONNECTION_LOST:	return "connection lost (7)";
	case LIBSSH2_FX_OP_UNSUPPORTED:		return "operation unsupported (8)";
	case LIBSSH2_FX_INVALID_HANDLE:		return "invalid handle (9)";
	case LIBSSH2_FX_NO_SUCH_PATH:		return "no such path (10)";
	case LIBSSH2_FX_FILE_ALREADY_EXISTS:	return "file already exists (11)";
	case LIBSSH2_FX_WRITE_PROTECT:		return "write protected (12)";
	case LIBSSH2_FX_NO_MEDIA:		return "no media (13)";
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:	return "no space on filesystem (14)";
	case LIBSSH2_FX_QUOTA_EXCEEDED:		return "quota exceeded (15)";
	case LIBSSH2_FX_UNKNOWN_PRINCIPAL:	return "unknown principal (16)";
	case LIBSSH2_FX_LOCK_CONFLICT:		return "lock conflict (17)";
	case LIBSSH2_FX_DIR_NOT_EMPTY:		return "directory not empty (18)";
	case LIBSSH2_FX_NOT_A_DIRECTORY:	return "not a directory (19)";
	case LIBSSH2_FX_INVALID_FILENAME:	return "invalid file name (20)";
	case LIBSSH2_FX_LINK_LOOP:		return "link loop (21)";
	default:				return "unknown status";
	}
}

unsigned long
remote_status(struct conn *c, int rc)
{
	if (c->waiterr == NULL && c->sftp != NULL &&
	    (rc == LIBSSH2_ERROR_SFTP_PROTOCOL ||
	    libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_SFTP_PROTOCOL))
		return libssh2_sftp_last_error(c->sftp);
	return 0;
}

const char *
remote_why(struct conn *c, int rc, char *buf, size_t len)
{
	unsigned long st = remote_status(c, rc);

	if (st != 0)
		snprintf(buf, len, "SFTP status %s", fx_text(st));
	else
		snprintf(buf, len, "%s", conn_why(c));
	return buf;
}

int
remote_stat(struct conn *c, const char *path, LIBSSH2_SFTP_ATTRIBUTES *a)
{
	unsigned long st;
	int rc;

	CONN_RETRY(c, rc, libssh2_sftp_stat_ex(c->sftp, path,
	    (unsigned int)strlen(path), LIBSSH2_SFTP_STAT, a));
	if (rc == 0)
		return 0;
	if ((st = remote_status(c, rc)) != 0)
		return (int)st;
	return -1;
}

int
remote_isdir(struct conn *c, const char *path)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	int r;

	r = remote_stat(c, *path ? path : ".", &a);
	if (r < 0)
		return -1;
	if (r > 0)
		return 0;
	return (a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
	    LIBSSH2_SFTP_S_ISDIR(a.permissions);
}

static int
mkdir_one(struct conn *c, const char *path, long mode)
{
	char why[160];
	int rc, d;

	CONN_RETRY(c, rc, libssh2_sftp_mkdir_ex(c->sftp, path,
	    (unsigned int)strlen(path), mode));
	if (rc == 0) {
		msg_debug("created directory %s", path);
		return 0;
	}
	remote_why(c, rc, why, sizeof(why));
	if (remote_status(c, rc) == 0) {
		msg_err("cannot create directory %s: %s", path, why);
		return -1;
	}
	if ((d = remote_isdir(c, path)) == 1)
		return 0;
	msg_err("cannot create directory %s: %s", path, why);
	return -1;
}

int
remote_mkdir(struct conn *c, const char *path, int parents, long mode)
{
	char *p, *s;
	int r, ret = -1;

	if (!parents)
		return mkdir_one(c, path, mode);
	if ((r = remote_isdir(c, path)) == 1)
		return 0;
	if (r < 0) {
		msg_err("cannot stat %s: %s", path, conn_why(c));
		return -1;
	}
	if ((p = strdup(path)) == NULL)
		return -1;
	/* create each prefix that ends before a '/' */
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		r = remote_isdir(c, p);
		if (r == 0 && mkdir_one(c, p, mode) != 0)
			goto out;
		*s = '/';
	}
	ret = mkdir_one(c, p, mode);
 out:
	free(p);
	return ret;
}
