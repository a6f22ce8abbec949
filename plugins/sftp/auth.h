/* auth.h: credentials from Key Vault; login by key, password or kbd-int. */
#ifndef SFTP_AUTH_H
#define SFTP_AUTH_H

#include <stddef.h>

#include "azkv.h"
#include "conn.h"

struct auth_cfg {
	const char	*secret;	/* password secret name or URL */
	const char	*key_secret;	/* private key text secret */
	const char	*pass_secret;	/* passphrase for the key */
	const char	*identity_file;	/* -i FILE */
};

/* Secret material, alive from just before to just after authentication. */
struct creds {
	char	*user;		/* "username" of a JSON secret */
	char	*password;
	size_t	 pwlen;
	char	*key;		/* normalised private key text */
	size_t	 keylen;
	char	*passphrase;
	size_t	 pplen;
};

/* Read the configured secrets. 0, or an AZKV_EXIT_* after printing why. */
int	creds_fetch(struct azkv *ctx, const struct auth_cfg *a,
	    struct creds *cr);

/* Wipe and free every secret in *cr. Accepts a zeroed struct. */
void	creds_wipe(struct creds *cr);

/*
 * Authenticate one connection as `user`: publickey when a key is
 * configured, else password, else keyboard-interactive answering echo-off
 * prompts with the password. One attempt per method; 0, or AZKV_EXIT_DENIED
 * / AZKV_EXIT_RUNTIME after printing why.
 */
int	auth_login(struct conn *c, const char *user,
	    const struct auth_cfg *a, const struct creds *cr);

#endif
