/* urlmatch.h: find [git "URL"] settings for a credential request, like git's urlmatch. */
#ifndef GITCRED_URLMATCH_H
#define GITCRED_URLMATCH_H

#include "credential.h"

struct azkv;

/*
 * Value of `key` in the most specific [git "URL"] section of the azkv
 * configuration that matches c, or NULL. A section URL matches when its
 * scheme and host are c's (case-insensitive; a default port may be
 * written or left out), its user, if any, is c's username
 * (percent-encoded), and its path, if any, is a prefix of c's path at a
 * '/' boundary. A '*' host label matches any one label. An exact host
 * wins over a wildcard, then a longer path, then a section naming the
 * user. Borrowed from the context.
 */
const char *urlmatch_get(const struct azkv *ctx, const struct credential *c,
	    const char *key);

#endif /* GITCRED_URLMATCH_H */
