/* keytext.h: private-key text from a secret store into what libssh2 reads. */
#ifndef SFTP_KEYTEXT_H
#define SFTP_KEYTEXT_H

#include <stddef.h>

/*
 * Normalise a private key (OpenSSH or PEM) whose line breaks may have been
 * flattened into spaces or literal "\n", that may carry CRLF, surrounding
 * quotes or text around the armour. Output: the BEGIN line, PEM headers
 * (Proc-Type, DEK-Info) and a blank line if any, base64 wrapped at 70
 * (OpenSSH) or 64 (PEM) columns, the END line, each ending in "\n".
 * On success *out (NUL-terminated, *outlen bytes, release with
 * azkv_freezero(*out, *outlen + 1)) and 0; else -1 and a static reason.
 */
int	keytext_normalise(const char *in, size_t len, char **out,
	    size_t *outlen, const char **why);

#endif
