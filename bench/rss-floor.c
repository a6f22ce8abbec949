/*
 * bench/rss-floor.c: two floors for the peak RSS of a one-secret program,
 * measured by bench/latency next to azkv (not part of azkv).
 *
 * Built plain and linked only to libcurl, it returns at once: the cost of
 * loading libcurl and every library it needs.
 *
 * Built with -DFLOOR_TLS and linked only to OpenSSL, it makes one verified
 * TLS request to the vault and prints the status line: the cost of one
 * HTTPS GET without libcurl.
 *   rss-floor HOST ADDRESS PORT PATH [CAFILE]
 */
#include <stdio.h>
#include <string.h>

#ifndef FLOOR_TLS
#include <curl/curl.h>

int
main(int argc, char **argv)
{
	(void)argv;
	/* a reference, so the linker keeps libcurl (--as-needed) */
	return argc > 99 && curl_version() != NULL;
}
#else
#include <openssl/err.h>
#include <openssl/ssl.h>

int
main(int argc, char **argv)
{
	char req[1024], buf[4096], target[300];
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *b;
	int n;

	if (argc < 5) {
		fprintf(stderr, "usage: rss-floor HOST ADDRESS PORT PATH "
		    "[CAFILE]\n");
		return 2;
	}
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return 1;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* the hashed directory, as azkv uses it: no bundle decoded */
	SSL_CTX_load_verify_dir(ctx, "/etc/ssl/certs");
	if (argc > 5 && SSL_CTX_load_verify_file(ctx, argv[5]) != 1)
		return 1;
	snprintf(target, sizeof(target), "%s:%s", argv[2], argv[3]);
	if ((b = BIO_new_ssl_connect(ctx)) == NULL)
		return 1;
	BIO_get_ssl(b, &ssl);
	SSL_set_tlsext_host_name(ssl, argv[1]);
	SSL_set1_host(ssl, argv[1]);
	BIO_set_conn_hostname(b, target);
	if (BIO_do_connect(b) <= 0) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Connection: close\r\n\r\n", argv[4], argv[1]);
	if (BIO_write(b, req, n) != n)
		return 1;
	if ((n = BIO_read(b, buf, sizeof(buf) - 1)) <= 0)
		return 1;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	puts(buf);
	BIO_free_all(b);
	SSL_CTX_free(ctx);
	return 0;
}
#endif
