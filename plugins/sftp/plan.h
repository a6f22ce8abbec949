/* plan.h: the local files to send and where each goes on the server. */
#ifndef SFTP_PLAN_H
#define SFTP_PLAN_H

#include <stddef.h>
#include <sys/stat.h>

#include "conn.h"
#include "transfer.h"

/* One local file or directory and its name below the destination. */
struct item {
	char		*local;
	char		*rel;	/* path below the destination */
	int		 isdir;
	struct stat	 st;
};

/* Everything to upload, directories before their contents. */
struct plan {
	struct item	*v;
	size_t		 n, cap;
};

/*
 * Add the file or (with recursive) directory tree `local`, named `rel`
 * below the destination, after checking every file can be read. 0, or
 * AZKV_EXIT_USAGE / AZKV_EXIT_RUNTIME after printing why.
 */
int	plan_walk(struct plan *p, const char *local, const char *rel,
	    int recursive);

/* Free the items of *p. */
void	plan_free(struct plan *p);

/*
 * Upload every item below the remote path `rpath` (a directory, or the new
 * name of a single source), creating missing directories when `make_dirs`.
 * 0 or an AZKV_EXIT_* code after printing why.
 */
int	plan_upload(struct conn *conns, int nconn, const struct plan *p,
	    const char *rpath, int make_dirs, const struct xfer_opts *xo);

#endif
