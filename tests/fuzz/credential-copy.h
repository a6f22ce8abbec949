/*
 * credential-copy.h: a deep copy of a git credential, for the fuzz
 * targets that check a parsed credential against a copy of itself
 * (the helper itself never copies one).
 */
#ifndef AZKV_FUZZ_CREDENTIAL_COPY_H
#define AZKV_FUZZ_CREDENTIAL_COPY_H

#include <string.h>

#include "../../plugins/git/credential.h"

static int
fuzz_dupstr(char **dst, const char *src)
{
	*dst = NULL;
	return src != NULL && (*dst = strdup(src)) == NULL ? -1 : 0;
}

/* Copy src into dst (initialised here): 0, or -1 when out of memory. */
static int
credential_copy(struct credential *dst, const struct credential *src)
{
	credential_init(dst);
	if (fuzz_dupstr(&dst->protocol, src->protocol) != 0 ||
	    fuzz_dupstr(&dst->host, src->host) != 0 ||
	    fuzz_dupstr(&dst->path, src->path) != 0 ||
	    fuzz_dupstr(&dst->username, src->username) != 0 ||
	    fuzz_dupstr(&dst->password, src->password) != 0 ||
	    fuzz_dupstr(&dst->oauth_refresh_token,
	    src->oauth_refresh_token) != 0) {
		credential_release(dst);
		return -1;
	}
	dst->password_expiry_utc = src->password_expiry_utc;
	dst->ephemeral = src->ephemeral;
	return 0;
}

#endif
