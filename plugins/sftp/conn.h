/* conn.h: one SSH connection (TCP socket, libssh2 session, SFTP channel). */
#ifndef SFTP_CONN_H
#define SFTP_CONN_H

#include <signal.h>
#include <stddef.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

/* Set by SIGINT/SIGTERM; every wait gives up when it is non-zero. */
extern volatile sig_atomic_t conn_interrupted;

struct conn {
	int			 fd;
	LIBSSH2_SESSION		*s;
	LIBSSH2_SFTP		*sftp;
	int			 timeout_ms;	/* per wait; 0 = forever */
	int			 cleanup;	/* ignore interrupts, short waits */
	int			 shield;	/* ignore interrupts */
	int			 wipe_frees;	/* wipe what libssh2 frees (auth) */
	const void		*kbd_secret;	/* password for kbd-int prompts */
	size_t			 kbd_secret_len;
	int			 kbd_prompts;	/* echo-off prompts answered */
	const char		*waiterr;	/* why the last wait failed */
	struct conn_block	*blocks;	/* what libssh2 holds (conn.c) */
};

/*
 * Connect to host:port (every address in turn, bounded by timeout_ms) and
 * create a non-blocking session preferring fast ciphers. 0, or -1 after
 * printing why.
 */
int	conn_open(struct conn *c, const char *host, int port,
	    int timeout_ms);

/*
 * Prefer the methods of the comma list `wanted` that this libssh2 has,
 * in that order (before the handshake). 0, or -1 when none is available.
 */
int	conn_method_pref(struct conn *c, int method, const char *wanted);

/* SSH handshake; logs the negotiated algorithms with -v. 0 or -1. */
int	conn_handshake(struct conn *c, const char *host);

/* Open the SFTP subsystem. 0 or -1. */
int	conn_sftp(struct conn *c);

/*
 * Wait until the socket is ready in the directions libssh2 is blocked on.
 * 0, or -1 on timeout or interrupt (error text in conn_why).
 */
int	conn_wait(struct conn *c);

/* Shut everything down (bounded) and free; the struct may be reused. */
void	conn_close(struct conn *c);

/* Memory libssh2 will free itself (e.g. kbd-int answers). */
void	*conn_malloc(struct conn *c, size_t n);

/* libssh2's last error text for the session (or the wait failure). */
const char *conn_why(struct conn *c);

/* Repeat `call` while it returns LIBSSH2_ERROR_EAGAIN and waiting works. */
#define CONN_RETRY(c, rc, call) do {					\
	while (((rc) = (call)) == LIBSSH2_ERROR_EAGAIN)			\
		if (conn_wait(c) != 0)					\
			break;						\
} while (0)

/* Same for calls that return a pointer and report EAGAIN out of band. */
#define CONN_RETRY_PTR(c, p, call) do {					\
	while (((p) = (call)) == NULL &&				\
	    libssh2_session_last_errno((c)->s) == LIBSSH2_ERROR_EAGAIN)	\
		if (conn_wait(c) != 0)					\
			break;						\
} while (0)

#endif
