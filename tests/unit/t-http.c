/* t-http.c: http_do against an in-process loopback HTTP/1.1 server. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "azkv-int.h"
#include "tap.h"

#define MAXCONN	16

/* ---- the server: canned replies by path, counts connections ---- */

struct conn {
	int	 fd;
	char	 in[65536];
	size_t	 len;
	int	 hung;
};

static struct {
	int		 lfd, wake[2];
	int		 port;
	pthread_t	 th;
	pthread_mutex_t	 mu;
	int		 nconn, nreq;
	char		 last[65536];	/* raw bytes of the last request */
	size_t		 lastlen;
} srv = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

/* Stream n bytes of 'x'; stops when the client goes away. */
static void
send_fill(int fd, size_t n)
{
	static char chunk[65536];
	size_t k;
	ssize_t w;

	memset(chunk, 'x', sizeof(chunk));
	while (n > 0) {
		k = n < sizeof(chunk) ? n : sizeof(chunk);
		if ((w = send(fd, chunk, k, MSG_NOSIGNAL)) <= 0)
			return;
		n -= (size_t)w;
	}
}

/* Reply to one complete request; returns 1 to close the connection. */
static int
respond(struct conn *c, const char *req, size_t reqlen)
{
	char path[256], hdr[256];
	int fd = c->fd;

	if (sscanf(req, "%*s %255s", path) != 1)
		return 1;
	pthread_mutex_lock(&srv.mu);
	srv.nreq++;
	memcpy(srv.last, req, reqlen);
	srv.lastlen = reqlen;
	pthread_mutex_unlock(&srv.mu);
	if (strncmp(path, "/ok", 3) == 0) {
		send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json"
		    "\r\nx-ms-request-id: rid-1\r\nContent-Length: 7\r\n\r\n"
		    "{\"a\":1}");
	} else if (strncmp(path, "/401", 4) == 0) {
		send_str(fd, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: "
		    "Bearer authorization=\"https://login.windows.net/t\", "
		    "resource=\"https://vault.azure.net\"\r\nwww-authenticate: "
		    "Basic realm=\"x\"\r\nRetry-After:  5 \r\nX-MS-Request-Id: "
		    "rid-401\r\nContent-Length: 0\r\n\r\n");
	} else if (strncmp(path, "/early", 6) == 0) {
		send_str(fd, "HTTP/1.1 103 Early Hints\r\nRetry-After: 9\r\n"
		    "x-ms-request-id: early\r\n\r\nHTTP/1.1 200 OK\r\n"
		    "Content-Length: 2\r\n\r\nok");
	} else if (strncmp(path, "/exact", 6) == 0) {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\n"
		    "Content-Length: %d\r\n\r\n", AZKV_BODY_MAX);
		send_str(fd, hdr);
		send_fill(fd, AZKV_BODY_MAX);
	} else if (strncmp(path, "/bigclose", 9) == 0) {
		send_str(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
		send_fill(fd, (size_t)AZKV_BODY_MAX + 1);
		return 1;
	} else if (strncmp(path, "/big", 4) == 0) {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\n"
		    "Content-Length: %d\r\n\r\n", AZKV_BODY_MAX + 1);
		send_str(fd, hdr);
		send_fill(fd, (size_t)AZKV_BODY_MAX + 1);
	} else if (strncmp(path, "/hang", 5) == 0) {
		c->hung = 1;
	} else if (strncmp(path, "/redirect", 9) == 0) {
		send_str(fd, "HTTP/1.1 302 Found\r\nLocation: /ok\r\n"
		    "Content-Length: 0\r\n\r\n");
	} else if (strncmp(path, "/escape", 7) == 0) {
		send_str(fd, "HTTP/1.1 200 OK\r\nx-ms-request-id: a\x1b[2Jb\r\n"
		    "Content-Length: 0\r\n\r\n");
	} else if (strncmp(path, "/echo", 5) == 0) {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\n"
		    "Content-Length: %zu\r\n\r\n", reqlen);
		send_str(fd, hdr);
		send_all(fd, req, reqlen);
	} else {
		send_str(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
		    "\r\n");
	}
	return 0;
}

/* Length of a complete request at the start of buf, or 0. */
static size_t
request_len(const char *buf, size_t len)
{
	const char *end, *p;
	size_t head, body = 0;

	if ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
		return 0;
	head = (size_t)(end - buf) + 4;
	for (p = buf; p < end; p = strstr(p, "\r\n") + 2) {
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			body = strtoul(p + 15, NULL, 10);
		if (strstr(p, "\r\n") == NULL)
			break;
	}
	return len >= head + body ? head + body : 0;
}

static void *
server_main(void *arg)
{
	struct conn *conns[MAXCONN] = { NULL };
	struct pollfd pfd[MAXCONN + 2];
	size_t i, n, rl;
	ssize_t r;
	int fd, done = 0;

	while (!done) {
		pfd[0].fd = srv.lfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = srv.wake[0];
		pfd[1].events = POLLIN;
		for (i = 0; i < MAXCONN; i++) {
			pfd[i + 2].fd = conns[i] ? conns[i]->fd : -1;
			pfd[i + 2].events = POLLIN;
		}
		if (poll(pfd, MAXCONN + 2, 10000) <= 0)
			continue;
		if (pfd[1].revents)
			done = 1;
		if (pfd[0].revents & POLLIN) {
			fd = accept(srv.lfd, NULL, NULL);
			for (i = 0; fd >= 0 && i < MAXCONN; i++)
				if (conns[i] == NULL &&
				    (conns[i] = calloc(1, sizeof(**conns))))
					break;
			if (fd >= 0 && i == MAXCONN)
				close(fd);
			else if (fd >= 0) {
				conns[i]->fd = fd;
				pthread_mutex_lock(&srv.mu);
				srv.nconn++;
				pthread_mutex_unlock(&srv.mu);
			}
		}
		for (i = 0; i < MAXCONN; i++) {
			if (conns[i] == NULL || !(pfd[i + 2].revents &
			    (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = sizeof(conns[i]->in) - conns[i]->len;
			r = recv(conns[i]->fd, conns[i]->in + conns[i]->len,
			    n, 0);
			if (r <= 0 || n == 0)
				goto drop;
			conns[i]->len += (size_t)r;
			if (conns[i]->hung)
				continue;
			while ((rl = request_len(conns[i]->in,
			    conns[i]->len)) > 0) {
				if (respond(conns[i], conns[i]->in, rl))
					goto drop;
				memmove(conns[i]->in, conns[i]->in + rl,
				    conns[i]->len - rl);
				conns[i]->len -= rl;
				if (conns[i]->hung)
					break;
			}
			continue;
 drop:
			close(conns[i]->fd);
			free(conns[i]);
			conns[i] = NULL;
		}
	}
	for (i = 0; i < MAXCONN; i++)
		if (conns[i] != NULL) {
			close(conns[i]->fd);
			free(conns[i]);
		}
	return NULL;
}

static int
server_start(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((srv.lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(srv.lfd, 16) != 0 ||
	    getsockname(srv.lfd, (struct sockaddr *)&sa, &sl) != 0 ||
	    pipe(srv.wake) != 0)
		return -1;
	srv.port = ntohs(sa.sin_port);
	return pthread_create(&srv.th, NULL, server_main, NULL) == 0 ? 0 : -1;
}

static void
server_stop(void)
{
	if (write(srv.wake[1], "x", 1) == 1)
		pthread_join(srv.th, NULL);
	close(srv.lfd);
}

static int
nconn(void)
{
	int n;

	pthread_mutex_lock(&srv.mu);
	n = srv.nconn;
	pthread_mutex_unlock(&srv.mu);
	return n;
}

/* A copy of the last request's raw bytes (NUL-terminated). */
static void
last_request(char *out, size_t outlen)
{
	size_t n;

	pthread_mutex_lock(&srv.mu);
	n = srv.lastlen < outlen - 1 ? srv.lastlen : outlen - 1;
	memcpy(out, srv.last, n);
	out[n] = '\0';
	pthread_mutex_unlock(&srv.mu);
}

/* A port nobody listens on. */
static int
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, port = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* ---- the tests ---- */

static char url[256];

static const char *
mkurl(const char *scheme, const char *path)
{
	snprintf(url, sizeof(url), "%s://127.0.0.1:%d%s", scheme, srv.port,
	    path);
	return url;
}

static int
get(struct azkv *ctx, enum http_kind kind, const char *path,
    struct http_resp *resp)
{
	struct http_req req;

	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.method = "GET";
	req.url = mkurl("http", path);
	return http_do(ctx, &req, resp);
}

static void
test_basic(struct azkv *ctx)
{
	struct http_resp resp;
	int before;

	http_resp_init(&resp);
	before = nconn();
	is_int(get(ctx, HTTP_IDENTITY, "/ok", &resp), 0, "GET /ok");
	is_int(resp.status, 200, "status 200");
	is_str(resp.body.d, "{\"a\":1}", "body");
	is_str(resp.request_id, "rid-1", "x-ms-request-id kept");
	is_str(resp.content_type, "application/json", "Content-Type kept");
	ok(resp.www_authenticate == NULL && resp.retry_after == NULL,
	    "absent headers are NULL");
	is_int(get(ctx, HTTP_IDENTITY, "/ok?second", &resp), 0, "again");
	is_int(nconn() - before, 1, "second request reused the connection");
	is_int(resp.body.len, 7, "body replaced, not appended");

	is_int(get(ctx, HTTP_IDENTITY, "/401", &resp), 0, "GET /401");
	is_int(resp.status, 401, "status 401");
	is_str(resp.www_authenticate, "Bearer authorization="
	    "\"https://login.windows.net/t\", resource=\"https://vault.azure.net"
	    "\"", "first WWW-Authenticate kept");
	is_str(resp.retry_after, "5", "Retry-After trimmed");
	is_str(resp.request_id, "rid-401", "header names case-insensitive");
	is_int(resp.body.len, 0, "empty body");
	is_int(get(ctx, HTTP_IDENTITY, "/ok", &resp), 0, "GET /ok after 401");
	ok(resp.www_authenticate == NULL && resp.retry_after == NULL,
	    "previous reply's headers cleared");

	is_int(get(ctx, HTTP_IDENTITY, "/early", &resp), 0, "GET /early");
	is_int(resp.status, 200, "final status after 103");
	ok(resp.retry_after == NULL && resp.request_id == NULL,
	    "headers of the interim 103 dropped");
	is_str(resp.body.d, "ok", "body after 103");

	is_int(get(ctx, HTTP_IDENTITY, "/redirect", &resp), 0, "GET redirect");
	is_int(resp.status, 302, "redirect not followed");
	is_int(get(ctx, HTTP_IDENTITY, "/nothing", &resp), 0, "GET 404");
	is_int(resp.status, 404, "404 is a response, not an error");
	http_resp_release(&resp);
}

static void
like_msg_impl(struct azkv *ctx)
{
	ok(strstr(azkv_last_error(ctx), "larger than 1 MiB") != NULL,
	    "message: %s", azkv_last_error(ctx));
}

static void
test_caps(struct azkv *ctx)
{
	struct http_resp resp;

	http_resp_init(&resp);
	is_int(get(ctx, HTTP_IDENTITY, "/exact", &resp), 0,
	    "a 1 MiB body is accepted");
	is_int(resp.body.len, AZKV_BODY_MAX, "all of it");
	is_int(get(ctx, HTTP_IDENTITY, "/big", &resp), AZKV_ERR_PROTOCOL,
	    "1 MiB + 1 with Content-Length refused");
	like_msg_impl(ctx);
	ok(resp.status == 0 && resp.body.len == 0,
	    "nothing of the refused reply kept");
	is_int(get(ctx, HTTP_IDENTITY, "/bigclose", &resp), AZKV_ERR_PROTOCOL,
	    "1 MiB + 1 without Content-Length refused");
	is_int(get(ctx, HTTP_IDENTITY, "/ok", &resp), 0,
	    "handle usable after an aborted transfer");
	http_resp_release(&resp);
}

static void
test_failures(struct azkv *ctx)
{
	struct http_resp resp;
	struct http_req req;
	char u[128];
	int before;

	http_resp_init(&resp);
	memset(&req, 0, sizeof(req));
	req.kind = HTTP_IDENTITY;
	req.url = mkurl("http", "/hang");
	req.timeout_ms = 300;
	is_int(http_do(ctx, &req, &resp), AZKV_ERR_TIMEOUT,
	    "a hanging server times out");
	ok(strstr(azkv_last_error(ctx), "no answer from 127.0.0.1:") != NULL,
	    "message: %s", azkv_last_error(ctx));

	snprintf(u, sizeof(u), "http://127.0.0.1:%d/x?sig=SECRET",
	    closed_port());
	req.url = u;
	req.timeout_ms = 0;
	is_int(http_do(ctx, &req, &resp), AZKV_ERR_NETWORK,
	    "connection refused");
	ok(strstr(azkv_last_error(ctx), "cannot reach 127.0.0.1:") != NULL &&
	    strstr(azkv_last_error(ctx), "SECRET") == NULL,
	    "message names the host, not the query: %s",
	    azkv_last_error(ctx));

	before = nconn();
	req.url = mkurl("http", "/ok");
	req.kind = HTTP_VAULT;
	is_int(http_do(ctx, &req, &resp), AZKV_ERR_NETWORK,
	    "http:// refused for Key Vault");
	ok(strstr(azkv_last_error(ctx), "https only") != NULL, "message: %s",
	    azkv_last_error(ctx));
	req.kind = HTTP_AUTHORITY;
	is_int(http_do(ctx, &req, &resp), AZKV_ERR_NETWORK,
	    "http:// refused for the authority");
	req.kind = HTTP_IDENTITY;
	req.pin_sha1 = "not-a-thumbprint";
	is_int(http_do(ctx, &req, &resp), AZKV_ERR_USAGE,
	    "malformed thumbprint refused");
	req.pin_sha1 = NULL;
	is_int(nconn() - before, 0, "none of these connected");

	is_int(get(ctx, HTTP_IDENTITY, "/401", &resp), 0, "a 401 first");
	before = nconn();
	ctx->deadline = time(NULL) - 1;
	is_int(http_do(ctx, &req, &resp), AZKV_ERR_TIMEOUT,
	    "past deadline: no request");
	ok(resp.status == 0 && resp.retry_after == NULL &&
	    resp.www_authenticate == NULL && resp.body.len == 0,
	    "a failed request leaves no earlier reply behind");
	is_int(nconn() - before, 0, "still no connection");
	is_int(http_sleep(ctx, 10), AZKV_ERR_TIMEOUT, "past deadline: sleep");
	ctx_deadline_clear(ctx);
	is_int(http_sleep(ctx, 1), 0, "sleep without a deadline");

	/* identity endpoints never use a proxy */
	snprintf(u, sizeof(u), "http://127.0.0.1:%d", closed_port());
	setenv("http_proxy", u, 1);
	setenv("HTTP_PROXY", u, 1);
	req.url = mkurl("http", "/ok");
	is_int(http_do(ctx, &req, &resp), 0, "http_proxy ignored for identity");
	is_int(resp.status, 200, "direct reply");
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	http_resp_release(&resp);
}

static void
test_request_shape(struct azkv *ctx)
{
	static const char *const hdrs[] = {
		"Metadata: true", "Content-Type: application/json", NULL
	};
	struct http_resp resp;
	struct http_req req;
	char raw[65536], *body;
	size_t i;

	http_resp_init(&resp);
	memset(&req, 0, sizeof(req));
	req.kind = HTTP_IDENTITY;
	req.url = mkurl("http", "/echo");
	req.method = "PUT";
	req.headers = hdrs;
	is_int(http_do(ctx, &req, &resp), 0, "bodyless PUT");
	last_request(raw, sizeof(raw));
	ok(strncmp(raw, "PUT /echo HTTP/1.1\r\n", 20) == 0, "PUT line");
	ok(strstr(raw, "\r\nContent-Length: 0\r\n") != NULL,
	    "Content-Length: 0");
	ok(strstr(raw, "\r\nMetadata: true\r\n") != NULL, "caller's header");
	ok(strcasestr(raw, "X-Forwarded-For") == NULL, "no X-Forwarded-For");

	if ((body = malloc(30000)) == NULL)
		return;
	for (i = 0; i < 30000; i++)
		body[i] = (char)('a' + i % 26);
	req.body = body;
	req.body_len = 30000;
	is_int(http_do(ctx, &req, &resp), 0, "PUT with a 30000-byte body");
	last_request(raw, sizeof(raw));
	ok(strstr(raw, "\r\nContent-Length: 30000\r\n") != NULL,
	    "Content-Length: 30000");
	ok(strcasestr(raw, "\r\nExpect:") == NULL, "no Expect: 100-continue");
	ok(strstr(raw, "\r\n\r\n") != NULL &&
	    memcmp(strstr(raw, "\r\n\r\n") + 4, body, 30000) == 0,
	    "body sent intact");

	req.method = "POST";
	req.body = "a=1&b=2";
	req.body_len = 3;
	is_int(http_do(ctx, &req, &resp), 0, "POST with body_len");
	last_request(raw, sizeof(raw));
	ok(strncmp(raw, "POST ", 5) == 0 &&
	    strstr(raw, "\r\n\r\na=1") != NULL &&
	    strstr(raw, "a=1&") == NULL, "only body_len bytes sent");

	req.method = "DELETE";
	req.body = NULL;
	req.body_len = 0;
	is_int(http_do(ctx, &req, &resp), 0, "DELETE");
	last_request(raw, sizeof(raw));
	ok(strncmp(raw, "DELETE /echo ", 13) == 0, "DELETE line");
	req.method = "GET";
	is_int(http_do(ctx, &req, &resp), 0, "GET after DELETE");
	last_request(raw, sizeof(raw));
	ok(strncmp(raw, "GET /echo ", 10) == 0, "method reset to GET");
	free(body);
	http_resp_release(&resp);
}

static void
test_debug_log(struct azkv *ctx)
{
	static const char *const hdrs[] = {
		"Authorization: Bearer TOKENXYZ", NULL
	};
	struct http_resp resp;
	struct http_req req;
	char u[256], log[4096];
	FILE *f;
	size_t n;
	int saved;

	http_resp_init(&resp);
	memset(&req, 0, sizeof(req));
	snprintf(u, sizeof(u), "http://user:PASSWD@127.0.0.1:%d/echo?"
	    "api-version=7.5&sig=SIGSECRET#frag", srv.port);
	req.kind = HTTP_IDENTITY;
	req.method = "PUT";
	req.url = u;
	req.headers = hdrs;
	req.body = "BODYSECRET";
	req.body_len = 10;
	if ((f = tmpfile()) == NULL)
		return;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(f), 2);
	ctx->debug = 1;
	is_int(http_do(ctx, &req, &resp), 0, "request with debug on");
	ctx->debug = 0;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(log, 1, sizeof(log) - 1, f);
	log[n] = '\0';
	fclose(f);
	snprintf(u, sizeof(u), "azkv: debug: PUT http://127.0.0.1:%d/echo?"
	    "api-version=7.5&sig=*** -> 200 (x-ms-request-id -, ", srv.port);
	ok(strncmp(log, u, strlen(u)) == 0, "debug line: %.*s",
	    (int)strcspn(log, "\n"), log);
	ok(strstr(log, "TOKENXYZ") == NULL && strstr(log, "BODYSECRET") ==
	    NULL && strstr(log, "SIGSECRET") == NULL &&
	    strstr(log, "PASSWD") == NULL, "no secret in the debug log");
	ok(strchr(log, '\n') == log + strlen(log) - 1, "one line");

	if ((f = tmpfile()) == NULL)
		return;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(f), 2);
	ctx->debug = 1;
	is_int(get(ctx, HTTP_IDENTITY, "/escape", &resp), 0,
	    "reply with an escape sequence in x-ms-request-id");
	ctx->debug = 0;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(log, 1, sizeof(log) - 1, f);
	log[n] = '\0';
	fclose(f);
	ok(strchr(log, '\x1b') == NULL && strstr(log, "a?[2Jb") != NULL,
	    "control characters neutralised in the debug log");
	http_resp_release(&resp);
}

/* Hide an array's address from -Waddress in is_str(). */
static const char *
str(const char *p)
{
	return p;
}

static void
test_redact(void)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "http://169.254.169.254/metadata/identity/oauth2/token?"
		    "api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net"
		    "&client_id=abc",
		    "http://169.254.169.254/metadata/identity/oauth2/token?"
		    "api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net"
		    "&client_id=abc" },
		{ "https://v.vault.azure.net/secrets/x/?api-version=7.5",
		    "https://v.vault.azure.net/secrets/x/?api-version=7.5" },
		{ "https://h/p?code=1&Object_ID=o&mi_res_id=m&msi_res_id=r",
		    "https://h/p?code=***&Object_ID=o&mi_res_id=m&msi_res_id=r" },
		{ "https://h/p?token&x=&=y", "https://h/p?***&x=***&=***" },
		{ "https://u:p@h:8443/p#frag", "https://h:8443/p" },
		{ "https://u@h/", "https://h/" },
		{ "https://h", "https://h/" },
		{ "not a url", "(invalid URL)" },
		{ "", "(invalid URL)" },
	};
	char out[512], small[24];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_redact_url(cases[i].in, out, sizeof(out));
		is_str(str(out), cases[i].want, "redact case %zu", i);
	}
	log_redact_url("https://host/p?api-version=7.5&sig=abcdef", small,
	    sizeof(small));
	ok(strlen(small) < sizeof(small) && strstr(small, "abc") == NULL,
	    "truncated output stays redacted: %s", small);
	log_redact_url("https://host/p?sig=abcdefghijkl", small,
	    sizeof(small));
	ok(strstr(small, "abc") == NULL, "cut before a value: %s", small);
}

static void
test_misc(struct azkv *ctx)
{
	struct http_resp resp;

	http_resp_init(&resp);
	ok(resp.body.d != NULL && resp.body.max == AZKV_BODY_MAX,
	    "response body capped at 1 MiB");
	http_resp_release(&resp);
	http_resp_release(&resp);
	ok(1, "release twice is harmless");
	http_cleanup(ctx);
	ok(ctx->curl_vault == NULL && ctx->curl_identity == NULL,
	    "cleanup drops the handles");
	http_cleanup(ctx);
	is_int(get(ctx, HTTP_IDENTITY, "/ok", &resp), 0,
	    "a new handle after cleanup");
	http_resp_release(&resp);
}

int
main(void)
{
	struct azkv *ctx;

	if (server_start() != 0) {
		printf("1..0 # SKIP cannot listen on loopback\n");
		return 0;
	}
	if ((ctx = azkv_new()) == NULL)
		return 1;
	test_basic(ctx);
	test_caps(ctx);
	test_failures(ctx);
	test_request_shape(ctx);
	test_debug_log(ctx);
	test_redact();
	test_misc(ctx);
	azkv_free(ctx);
	server_stop();
	return tap_done();
}
