/* remote.h: small SFTP operations (stat, mkdir -p) with readable errors. */
#ifndef SFTP_REMOTE_H
#define SFTP_REMOTE_H

#include <stddef.h>

#include "conn.h"

/* Text for an SFTP status code, e.g. "no such file (2)". Static. */
const char *fx_text(unsigned long st);

/*
 * Describe the failure of the last SFTP call on c: the SFTP status when
 * the server sent one, else libssh2's text. Into buf; returns buf.
 */
const char *remote_why(struct conn *c, int rc, char *buf, size_t len);

/* SFTP status of the last failed call, or 0 when it was not a status. */
unsigned long remote_status(struct conn *c, int rc);

/*
 * stat(path): 0 and *a filled, or the positive SFTP status (e.g.
 * LIBSSH2_FX_NO_SUCH_FILE), or -1 for a session failure.
 */
int	remote_stat(struct conn *c, const char *path,
	    LIBSSH2_SFTP_ATTRIBUTES *a);

/* 1 when path is an existing directory, 0 when absent or not a dir, -1. */
int	remote_isdir(struct conn *c, const char *path);

/* mkdir; an existing directory is fine. With `parents`, mkdir -p. 0 / -1. */
int	remote_mkdir(struct conn *c, const char *path, int parents,
	    long mode);

#endif
