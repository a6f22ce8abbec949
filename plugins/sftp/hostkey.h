/* hostkey.h: host-key trust: known_hosts files, SHA256 pin, accept-new. */
#ifndef SFTP_HOSTKEY_H
#define SFTP_HOSTKEY_H

#include <stddef.h>

#include "conn.h"

#define HOSTKEY_FILES_MAX	4

struct hostkey_cfg {
	const char	*files[HOSTKEY_FILES_MAX];	/* to read */
	size_t		 nfiles;
	const char	*add_file;	/* where --accept-new appends */
	const char	*pin;		/* "SHA256:..." or NULL */
	int		 accept_new;
};

/*
 * Before the handshake: ask for the host-key types known for host:port
 * (ed25519 first), so libssh2 1.10 does not negotiate an unknown type.
 */
void	hostkey_prefer(struct conn *c, const struct hostkey_cfg *cfg,
	    const char *host, int port);

/*
 * After the handshake: 0 when the key matches the pin or a known_hosts
 * entry (or was added with accept_new); else prints the key type, its
 * SHA256 fingerprint and how to trust it, and returns AZKV_EXIT_HOSTKEY.
 */
int	hostkey_verify(struct conn *c, const struct hostkey_cfg *cfg,
	    const char *host, int port);

/* "SHA256:base64" (unpadded, like OpenSSH) of the session's host key. */
int	hostkey_fingerprint(struct conn *c, char *buf, size_t len);

/* Unpadded base64 of n bytes into out (size >= 4 * n / 3 + 4). */
void	b64_encode(const unsigned char *in, size_t n, char *out, int pad);

#endif
