/* dest.h: upload destinations (sftp:// URLs and scp-style user@host:path). */
#ifndef SFTP_DEST_H
#define SFTP_DEST_H

#include <stddef.h>

struct dest {
	char	*user;	/* NULL when not given */
	char	*host;	/* without IPv6 brackets */
	int	 port;	/* 0 when not given */
	char	*path;	/* remote path; "" is the login directory */
};

/*
 * Parse `s` as sftp://[user@]host[:port][/path] or [user@]host:[path].
 * URL paths are absolute ("/~/x" is home-relative "x") and percent-decoded.
 * On success fills *d (release with dest_release) and returns 0; else
 * returns -1 with a reason in err.
 */
int	dest_parse(const char *s, struct dest *d, char *err, size_t errlen);

/* Free the strings of *d. Accepts a zeroed struct. */
void	dest_release(struct dest *d);

/* "a/b" from dir "a" and name "b"; "" or NULL dir gives "b". NULL on ENOMEM. */
char	*path_join(const char *dir, const char *name);

/* Last component of a local path, ignoring trailing slashes; "" for "/". */
const char *path_base(const char *path, size_t *len);

/* Parent directory of a remote path: "a/b" -> "a", "/b" -> "/", "b" -> "". */
char	*path_dir(const char *path);

#endif
