/* transfer.h: upload one file: pipelined, optionally in N streams, atomic. */
#ifndef SFTP_TRANSFER_H
#define SFTP_TRANSFER_H

#include "conn.h"

/* Bytes handed to libssh2_sftp_write at once: 80 SFTP packets. */
#define XFER_CHUNK	30000
#define XFER_BUF	(64 * XFER_CHUNK)
/* A stream gets at least this many bytes of the file. */
#define XFER_STREAM_MIN	(8 * 1024 * 1024)

struct xfer_opts {
	int	atomic;		/* temp name + rename (default) */
	int	resume;		/* continue .NAME.azkv-resume.part */
	int	preserve;	/* -p: mode and times */
	long	mode;		/* --mode, or -1 */
	int	progress;	/* 1, 0, -1 = when stderr is a tty */
};

/*
 * Upload the regular file `src` to the remote path `dst`.
 * Uses conns[0], and conns[1..nconn-1] as extra streams for large files.
 * Never leaves a partial file under `dst` (unless atomic is off). Returns
 * 0 or an AZKV_EXIT_* code after printing a message naming the file.
 */
int	xfer_file(struct conn *conns, int nconn, const char *src,
	    const char *dst, const struct xfer_opts *o);

#endif
