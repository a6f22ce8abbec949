/* conn.c: TCP connection, non-blocking libssh2 session, bounded waits. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "azkv.h"
#include "conn.h"
#include "msg.h"

#define SLICE_MS	200
#define CLEANUP_MS	3000

volatile sig_atomic_t conn_interrupted;

/* Fast ciphers first; libssh2 drops the names it does not implement. */
static const char cipher_pref[] =
    "aes128-gcm@openssh.com,chacha20-poly1305@openssh.com,"
    "aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr";
static const char mac_pref[] =
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";

/*
 * libssh2's allocator: every block carries a header linking it into its
 * connection's list, so blocks libssh2 still holds when a dead server
 * made its shutdown fail are wiped and freed by conn_close() too, and
 * what it frees can be wiped (kbd-int answers, passwords).
 */
struct conn_block {
	struct conn_block	*prev, *next;
	size_t		 size;
	size_t		 pad;		/* keeps the payload 16-byte aligned */
};

static LIBSSH2_ALLOC_FUNC(conn_alloc)
{
	struct conn *c = *abstract;
	struct conn_block *b;

	if (count > SIZE_MAX - sizeof(*b) ||
	    (b = malloc(sizeof(*b) + count)) == NULL)
		return NULL;
	b->size = count;
	b->prev = NULL;
	b->next = c->blocks;
	if (c->blocks != NULL)
		c->blocks->prev = b;
	c->blocks = b;
	return b + 1;
}

void *
conn_malloc(struct conn *c, size_t n)
{
	void *abstract = c;

	return conn_alloc(n, &abstract);
}

static void
block_release(struct conn *c, struct conn_block *b, int wipe)
{
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		c->blocks = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	if (wipe)
		azkv_wipe(b + 1, b->size);
	free(b);
}

static LIBSSH2_FREE_FUNC(conn_free)
{
	struct conn *c = *abstract;

	if (ptr != NULL)
		block_release(c, (struct conn_block *)ptr - 1, c->wipe_frees);
}

static LIBSSH2_REALLOC_FUNC(conn_realloc)
{
	struct conn *c = *abstract;
	struct conn_block *old;
	void *n;

	if (ptr == NULL)
		return conn_alloc(count, abstract);
	old = (struct conn_block *)ptr - 1;
	if ((n = conn_alloc(count, abstract)) == NULL)
		return NULL;
	memcpy(n, ptr, old->size < count ? old->size : count);
	block_release(c, old, c->wipe_frees);
	return n;
}

/* Wipe and free whatever libssh2 did not release. */
static void
blocks_release(struct conn *c)
{
	while (c->blocks != NULL)
		block_release(c, c->blocks, 1);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll one fd for `events`, bounded by ms and by interrupts. 1, 0, -1. */
static int
poll_fd(struct conn *c, short events, int ms)
{
	struct pollfd pfd;
	long long deadline = ms > 0 ? now_ms() + ms : 0;
	int r, slice;

	for (;;) {
		if (conn_interrupted && !c->cleanup && !c->shield) {
			c->waiterr = "interrupted";
			return -1;
		}
		slice = SLICE_MS;
		if (deadline) {
			long long left = deadline - now_ms();

			if (left <= 0) {
				c->waiterr = "timed out waiting for the server";
				return 0;
			}
			if (left < slice)
				slice = (int)left;
		}
		pfd.fd = c->fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, slice);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR) {
			c->waiterr = "poll failed";
			return -1;
		}
	}
}

int
conn_wait(struct conn *c)
{
	int dir = libssh2_session_block_directions(c->s);
	short ev = 0;
	int ms = c->timeout_ms;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		ev |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		ev |= POLLOUT;
	if (ev == 0)
		ev = POLLIN;
	if (c->cleanup && (ms == 0 || ms > CLEANUP_MS))
		ms = CLEANUP_MS;
	c->waiterr = NULL;
	if (poll_fd(c, ev, ms) == 1)
		return 0;
	msg_debug("wait failed: directions %d, %s", dir, c->waiterr);
	return -1;
}

const char *
conn_why(struct conn *c)
{
	char *m = NULL;

	if (c->waiterr != NULL)
		return c->waiterr;
	if (c->s == NULL)
		return "no session";
	libssh2_session_last_error(c->s, &m, NULL, 0);
	return m != NULL && *m != '\0' ? m : "unknown libssh2 error";
}

static int
tcp_connect(struct conn *c, const char *host, int port)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8];
	int r, fd = -1, err = 0, one = 1;
	socklen_t len;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%d", port);
	if ((r = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		msg_err("cannot resolve %s: %s", host, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			c->fd = fd;
			r = poll_fd(c, POLLOUT, c->timeout_ms);
			len = sizeof(err);
			if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == 0 && err == 0)
				break;
			if (r != 1)
				err = r == 0 ? ETIMEDOUT : EINTR;
		} else
			err = errno;
		close(fd);
		fd = -1;
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		msg_err("cannot connect to %s port %d: %s", host, port,
		    strerror(err ? err : ECONNREFUSED));
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	return 0;
}

int
conn_open(struct conn *c, const char *host, int port, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = timeout_ms;
	if (tcp_connect(c, host, port) != 0)
		return -1;
	c->s = libssh2_session_init_ex(conn_alloc, conn_free, conn_realloc, c);
	if (c->s == NULL) {
		msg_err("cannot create an SSH session");
		return -1;
	}
	libssh2_session_set_blocking(c->s, 0);
	libssh2_session_flag(c->s, LIBSSH2_FLAG_COMPRESS, 0);
	conn_method_pref(c, LIBSSH2_METHOD_CRYPT_CS, cipher_pref);
	conn_method_pref(c, LIBSSH2_METHOD_CRYPT_SC, cipher_pref);
	conn_method_pref(c, LIBSSH2_METHOD_MAC_CS, mac_pref);
	conn_method_pref(c, LIBSSH2_METHOD_MAC_SC, mac_pref);
	return 0;
}

int
conn_method_pref(struct conn *c, int method, const char *wanted)
{
	const char **algs = NULL;
	const char *p, *e;
	char list[512];
	size_t n = 0, len;
	int i, nalgs, r = -1;

	/* pass only names this libssh2 has (1.10 mis-strips unknown ones) */
	if ((nalgs = libssh2_session_supported_algs(c->s, method, &algs)) <= 0)
		return -1;
	list[0] = '\0';
	for (p = wanted; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		for (i = 0; i < nalgs; i++) {
			if (strlen(algs[i]) != len ||
			    memcmp(algs[i], p, len) != 0)
				continue;
			if (n + len + 2 > sizeof(list))
				break;
			if (n > 0)
				list[n++] = ',';
			memcpy(list + n, p, len);
			n += len;
			list[n] = '\0';
			break;
		}
	}
	libssh2_free(c->s, algs);
	if (n > 0)
		r = libssh2_session_method_pref(c->s, method, list);
	if (r != 0)
		msg_debug("cannot prefer %s: %s", wanted, conn_why(c));
	return r;
}

int
conn_handshake(struct conn *c, const char *host)
{
	int rc;

	CONN_RETRY(c, rc, libssh2_session_handshake(c->s, c->fd));
	if (rc != 0) {
		msg_err("SSH handshake with %s failed: %s", host, conn_why(c));
		return -1;
	}
	msg_debug("%s: kex %s, host key %s, cipher %s, mac %s", host,
	    libssh2_session_methods(c->s, LIBSSH2_METHOD_KEX),
	    libssh2_session_methods(c->s, LIBSSH2_METHOD_HOSTKEY),
	    libssh2_session_methods(c->s, LIBSSH2_METHOD_CRYPT_CS),
	    libssh2_session_methods(c->s, LIBSSH2_METHOD_MAC_CS));
	return 0;
}

int
conn_sftp(struct conn *c)
{
	CONN_RETRY_PTR(c, c->sftp, libssh2_sftp_init(c->s));
	if (c->sftp == NULL) {
		msg_err("cannot start the SFTP subsystem: %s", conn_why(c));
		return -1;
	}
	return 0;
}

/*
 * A peer that stopped reading (frozen, or gone without a FIN) leaves
 * libssh2 waiting to send; a dead socket makes its sends fail at once, so
 * the shutdown calls below can free what they hold.
 */
static void
conn_cut(struct conn *c)
{
	if (c->fd >= 0)
		(void)shutdown(c->fd, SHUT_RDWR);
}

void
conn_close(struct conn *c)
{
	int rc;

	c->cleanup = 1;
	if (c->sftp != NULL) {
		CONN_RETRY(c, rc, libssh2_sftp_shutdown(c->sftp));
		if (rc == LIBSSH2_ERROR_EAGAIN) {
			conn_cut(c);
			(void)libssh2_sftp_shutdown(c->sftp);
		}
		c->sftp = NULL;
	}
	if (c->s != NULL) {
		CONN_RETRY(c, rc, libssh2_session_disconnect(c->s,
		    "azkv-sftp done"));
		if (rc == LIBSSH2_ERROR_EAGAIN)
			conn_cut(c);
		/* session_free may need to send; bound it in blocking mode */
		libssh2_session_set_timeout(c->s, CLEANUP_MS);
		libssh2_session_set_blocking(c->s, 1);
		if (libssh2_session_free(c->s) != 0) {
			conn_cut(c);
			(void)libssh2_session_free(c->s);
		}
		c->s = NULL;
	}
	blocks_release(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
