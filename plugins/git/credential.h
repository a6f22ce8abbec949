/* credential.h: git's credential helper protocol: requests, answers, matching. */
#ifndef GITCRED_CREDENTIAL_H
#define GITCRED_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

/* Longest input line accepted, newline (and a CR before it) excluded. */
#define CREDENTIAL_LINE_MAX	65535

/* The attributes this helper understands; NULL means absent. */
struct credential {
	char	*protocol;
	char	*host;			/* with ":port" when git sent one */
	char	*path;
	char	*username;
	char	*password;		/* wiped on release */
	char	*oauth_refresh_token;	/* wiped on release */
	int64_t	 password_expiry_utc;	/* 0: none */
	int	 ephemeral;
};

void	 credential_init(struct credential *c);
/* Wipe and free every attribute; c may be reused after credential_init. */
void	 credential_release(struct credential *c);

/*
 * Read "key=value" lines from fd until EOF or an empty line. Unknown keys
 * are ignored. Returns 0, or -1 with a one-line reason (never an input
 * value) in err: a line over CREDENTIAL_LINE_MAX bytes, a NUL byte, a line
 * without '=', a CR inside a known value, or a read error. The input bytes
 * are wiped from the read buffer once copied.
 */
int	 credential_read(struct credential *c, int fd, char *err,
	    size_t errlen);

/*
 * Write an answer to fd: username, password, password_expiry_utc and
 * oauth_refresh_token when present, nothing else. All or nothing: if any
 * value holds a CR or LF, nothing is written and -1 returned with the
 * reason in err. -1 also on a write error.
 */
int	 credential_write(const struct credential *c, int fd, char *err,
	    size_t errlen);

/*
 * git's credential_match(): every attribute present in want must be
 * present in have and equal (byte for byte); the password is compared
 * only when match_password is set. Returns 1 on a match.
 */
int	 credential_match(const struct credential *want,
	    const struct credential *have, int match_password);

/* 1 when the n bytes at v hold no CR, LF or NUL. */
int	 credential_value_ok(const char *v, size_t n);

#endif /* GITCRED_CREDENTIAL_H */
