/* storedoc.h: the JSON document of credentials kept in one secret per (protocol, host). */
#ifndef GITCRED_STOREDOC_H
#define GITCRED_STOREDOC_H

#include <stddef.h>
#include <time.h>

#include "credential.h"

/*
 * {"version":1,"protocol":"https","host":"example.com","entries":[
 *   {"path":"a.git","username":"u","password":"p",
 *    "password_expiry_utc":9999999999,"oauth_refresh_token":"t"}]}
 * Entries hold path, username, password, password_expiry_utc and
 * oauth_refresh_token; their protocol and host are NULL.
 */
struct storedoc {
	char			*protocol;
	char			*host;
	struct credential	*entries;
	size_t			 n;
	size_t			 alloc;
};

/* An empty document for (protocol, host). 0 or -1 (nomem). */
int	 storedoc_init(struct storedoc *d, const char *protocol,
	    const char *host);
/* Wipe and free; accepts a zeroed or released document. */
void	 storedoc_release(struct storedoc *d);

/*
 * Parse len bytes into d (initialised by this call). Unknown members are
 * ignored; entries without a username or password are dropped. Returns 0,
 * or -1 with a reason (no input bytes) in err.
 */
int	 storedoc_parse(struct storedoc *d, const char *text, size_t len,
	    char *err, size_t errlen);

/*
 * Render d as JSON into *out (NUL-terminated, *len bytes; release with
 * azkv_freezero(*out, *len)). -1 with err when a value is not UTF-8.
 */
int	 storedoc_render(const struct storedoc *d, char **out, size_t *len,
	    char *err, size_t errlen);

/*
 * First entry matching want's path and username (git's credential_match;
 * want's protocol and host are not compared), skipping entries whose
 * password expired before now. NULL when none.
 */
const struct credential *storedoc_find(const struct storedoc *d,
	    const struct credential *want, time_t now);

/*
 * Store c like git's credential-store: drop the entries matching its path
 * and username, put c first. Returns 1 when d changed, 0 when c was
 * already the only such entry with the same values, -1 when out of memory.
 */
int	 storedoc_store(struct storedoc *d, const struct credential *c);

/*
 * Remove every entry matching want (path, username, and the password when
 * want has one). Returns the number removed.
 */
size_t	 storedoc_erase(struct storedoc *d, const struct credential *want);

#endif /* GITCRED_STOREDOC_H */
