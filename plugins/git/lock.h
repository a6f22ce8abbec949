/* lock.h: per-user advisory locks that serialise read-modify-write of a stored secret. */
#ifndef GITCRED_LOCK_H
#define GITCRED_LOCK_H

#include <stddef.h>

/*
 * The per-user azkv runtime directory: $XDG_RUNTIME_DIR/azkv when
 * XDG_RUNTIME_DIR is an absolute path, else $HOME/.cache/azkv. Created
 * 0700 when missing; refused when it is a symlink, not a directory, owned
 * by another user or open to group or others. 0, or -1 with err.
 */
int	 lock_dir(const char *xdg_runtime_dir, const char *home, char *out,
	    size_t outlen, char *err, size_t errlen);

/*
 * Take an exclusive flock on DIR/NAME.lock (created 0600), waiting at most
 * timeout_s seconds. Returns the descriptor, or -1 with err.
 */
int	 lock_take(const char *dir, const char *name, int timeout_s,
	    char *err, size_t errlen);

/* Release a lock taken by lock_take(); accepts -1. */
void	 lock_release(int fd);

#endif /* GITCRED_LOCK_H */
