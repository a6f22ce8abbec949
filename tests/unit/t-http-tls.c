/* t-http-tls.c: http_do over TLS: extra CA file, verification, SHA-1 pinning. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "azkv-int.h"
#include "tap.h"

/* A TLS server with one certificate; answers every request with "ok". */
struct tls_server {
	SSL_CTX		*ssl;
	X509		*cert;
	int		 lfd, port, nconn, stop;
	pthread_t	 th;
	pthread_mutex_t	 mu;
};

static X509 *
make_cert(EVP_PKEY *key, const char *san)
{
	X509 *x;
	X509_NAME *name;
	X509_EXTENSION *ext;
	X509V3_CTX v3;

	if ((x = X509_new()) == NULL)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"azkv test", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    san)) != NULL) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    "critical,CA:TRUE")) != NULL) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(x, key, EVP_sha256()) == 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static void *
serve(void *arg)
{
	struct tls_server *s = arg;
	struct timeval tv = { 2, 0 };
	char req[8192];
	size_t len;
	int fd, n;
	SSL *ssl;

	for (;;) {
		if ((fd = accept(s->lfd, NULL, NULL)) < 0)
			break;
		pthread_mutex_lock(&s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			close(fd);
			break;
		}
		s->nconn++;
		pthread_mutex_unlock(&s->mu);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if ((ssl = SSL_new(s->ssl)) == NULL) {
			close(fd);
			continue;
		}
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) == 1) {
			len = 0;
			/* answer each request on this connection until EOF */
			while ((n = SSL_read(ssl, req + len,
			    (int)(sizeof(req) - 1 - len))) > 0) {
				len += (size_t)n;
				req[len] = '\0';
				if (strstr(req, "\r\n\r\n") == NULL)
					continue;
				SSL_write(ssl, "HTTP/1.1 200 OK\r\n"
				    "Content-Length: 2\r\n\r\nok", 40);
				len = 0;
			}
		}
		SSL_free(ssl);
		close(fd);
	}
	return NULL;
}

static int
server_start(struct tls_server *s, EVP_PKEY *key, const char *san)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	if ((s->cert = make_cert(key, san)) == NULL ||
	    (s->ssl = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate(s->ssl, s->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(s->ssl, key) != 1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s->lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(s->lfd, 16) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	s->port = ntohs(sa.sin_port);
	return pthread_create(&s->th, NULL, serve, s) == 0 ? 0 : -1;
}

static void
server_stop(struct tls_server *s)
{
	struct sockaddr_in sa;
	int fd;

	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_mutex_unlock(&s->mu);
	/* wake accept() */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)s->port);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0) {
		(void)connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		close(fd);
	}
	pthread_join(s->th, NULL);
	close(s->lfd);
	SSL_CTX_free(s->ssl);
	X509_free(s->cert);
}

static int
nconn(struct tls_server *s)
{
	int n;

	pthread_mutex_lock(&s->mu);
	n = s->nconn;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* SHA-1 thumbprint as hex; upper-case with colons when fancy. */
static void
thumbprint(X509 *x, int fancy, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	size_t pos = 0;

	X509_digest(x, EVP_sha1(), md, &mdlen);
	out[0] = '\0';
	for (i = 0; i < mdlen && pos + 4 < outlen; i++)
		pos += (size_t)snprintf(out + pos, outlen - pos,
		    fancy ? "%s%02X" : "%s%02x", fancy && i ? ":" : "", md[i]);
}

static int
do_get(struct azkv *ctx, enum http_kind kind, int port, const char *pin,
    long *status)
{
	struct http_resp resp;
	struct http_req req;
	char url[128];
	int rc;

	snprintf(url, sizeof(url), "https://127.0.0.1:%d/x", port);
	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.method = "GET";
	req.url = url;
	req.pin_sha1 = pin;
	http_resp_init(&resp);
	rc = http_do(ctx, &req, &resp);
	*status = resp.status;
	http_resp_release(&resp);
	return rc;
}

int
main(void)
{
	struct tls_server a, b;
	CRYPTO_malloc_fn m;
	CRYPTO_realloc_fn r;
	CRYPTO_free_fn f;
	struct azkv *ctx;
	EVP_PKEY *key;
	char cafile[] = "/tmp/t-http-tls-XXXXXX", pin[80];
	FILE *fp;
	long status;
	int fd, before;

	/* the server thread writes to clients that hung up on purpose */
	signal(SIGPIPE, SIG_IGN);
	CRYPTO_get_mem_functions(&m, &r, &f);
	ok(m != CRYPTO_malloc && f != CRYPTO_free,
	    "OpenSSL allocates through libazkv's wiping functions");

	if ((key = EVP_EC_gen("P-256")) == NULL ||
	    server_start(&a, key, "IP:127.0.0.1") != 0 ||
	    server_start(&b, key, "DNS:other.example") != 0) {
		printf("1..0 # SKIP cannot start a loopback TLS server\n");
		return 0;
	}
	if ((fd = mkstemp(cafile)) < 0 || (fp = fdopen(fd, "w")) == NULL ||
	    PEM_write_X509(fp, a.cert) != 1 || fclose(fp) != 0) {
		printf("1..0 # SKIP cannot write the CA file\n");
		return 0;
	}

	/* cafile adds a trust anchor for Key Vault requests */
	ctx = azkv_new();
	is_int(do_get(ctx, HTTP_VAULT, a.port, NULL, &status), AZKV_ERR_UNTRUSTED,
	    "self-signed server refused without cafile");
	ok(strstr(azkv_last_error(ctx), "cannot verify the TLS certificate "
	    "of 127.0.0.1:") != NULL,
	    "message: %s", azkv_last_error(ctx));
	azkv_set(ctx, "cafile", cafile);
	before = nconn(&a);
	is_int(do_get(ctx, HTTP_VAULT, a.port, NULL, &status), 0,
	    "trusted through cafile");
	is_int(status, 200, "status 200");
	is_int(do_get(ctx, HTTP_VAULT, a.port, NULL, &status), 0, "again");
	is_int(nconn(&a) - before, 1, "one TLS connection for both requests");
	is_int(do_get(ctx, HTTP_AUTHORITY, a.port, NULL, &status), 0,
	    "authority requests use cafile too");
	is_int(do_get(ctx, HTTP_VAULT, b.port, NULL, &status), AZKV_ERR_UNTRUSTED,
	    "a certificate outside cafile is refused");
	azkv_free(ctx);

	/* the host name is checked: trust b, whose name is not 127.0.0.1 */
	if ((fp = fopen(cafile, "w")) == NULL || PEM_write_X509(fp, b.cert) !=
	    1 || fclose(fp) != 0) {
		ok(0, "rewrite the CA file");
		return tap_done();
	}
	ctx = azkv_new();
	azkv_set(ctx, "cafile", cafile);
	is_int(do_get(ctx, HTTP_VAULT, b.port, NULL, &status), AZKV_ERR_UNTRUSTED,
	    "trusted certificate for another name refused");
	ok(strstr(azkv_last_error(ctx), "127.0.0.1") != NULL, "message: %s",
	    azkv_last_error(ctx));
	azkv_free(ctx);

	/* pinning: exactly the certificate with that SHA-1, any name */
	ctx = azkv_new();
	thumbprint(b.cert, 1, pin, sizeof(pin));
	is_int(do_get(ctx, HTTP_IDENTITY, b.port, pin, &status), 0,
	    "pinned certificate accepted (upper case, colons)");
	is_int(status, 200, "status 200");
	thumbprint(b.cert, 0, pin, sizeof(pin));
	is_int(do_get(ctx, HTTP_IDENTITY, b.port, pin, &status), 0,
	    "pinned certificate accepted (lower case)");
	pin[0] = pin[0] == '0' ? '1' : '0';
	is_int(do_get(ctx, HTTP_IDENTITY, b.port, pin, &status),
	    AZKV_ERR_UNTRUSTED, "other thumbprint refused, even right after a "
	    "good connection");
	is_int(do_get(ctx, HTTP_IDENTITY, b.port, "0123", &status),
	    AZKV_ERR_USAGE, "short thumbprint is a usage error");
	is_int(do_get(ctx, HTTP_IDENTITY, b.port, NULL, &status),
	    AZKV_ERR_UNTRUSTED, "without a pin the usual checks apply");
	azkv_free(ctx);

	unlink(cafile);
	server_stop(&a);
	server_stop(&b);
	EVP_PKEY_free(key);
	return tap_done();
}
