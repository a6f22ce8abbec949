/* http.c: libcurl wrapper: reused handles, deadlines, size caps, TLS pinning. */
#include "config.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "azkv-int.h"

#define HTTP_CONNECT_DEFAULT_MS	5000L
#define HTTP_RETRY_AFTER_MAX	86400L	/* seconds */
#define HTTP_SYSTEM_CAPATH	"/etc/ssl/certs"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_rc = -1;

/*
 * The allocator handed to libcurl and OpenSSL: plain malloc blocks, wiped
 * before they are freed (their size from malloc_usable_size), and realloc
 * never leaves the old block behind unwiped. Because the blocks are plain
 * malloc blocks, memory crossing to or from code that uses free() directly
 * stays valid; it is merely not wiped there.
 */
static void
wfree(void *p)
{
	if (p == NULL)
		return;
	azkv_wipe(p, malloc_usable_size(p));
	free(p);
}

static void *
wrealloc(void *p, size_t n)
{
	void *np;
	size_t old;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		wfree(p);
		return NULL;
	}
	if ((np = malloc(n)) == NULL)
		return NULL;
	old = malloc_usable_size(p);
	memcpy(np, p, old < n ? old : n);
	wfree(p);
	return np;
}

static void *
ossl_malloc(size_t n, const char *file, int line)
{
	return malloc(n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	return wrealloc(p, n);
}

static void
ossl_free(void *p, const char *file, int line)
{
	wfree(p);
}

/*
 * OpenSSL and libcurl now hold pointers to our functions (OpenSSL frees
 * through them from an atexit handler), so this library must stay mapped
 * even if the program dlclose()s it.
 */
static void
pin_self(void)
{
	Dl_info info;

	if (dladdr((void *)pin_self, &info) != 0 && info.dli_fname != NULL)
		(void)dlopen(info.dli_fname,
		    RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

/*
 * At load time, before other code of the process runs: keep the library
 * mapped, hide SSLKEYLOGFILE from libcurl (whose OpenSSL backend would
 * write every TLS session key to that file, so that anyone holding a
 * capture could read the secrets; it reads the variable once, in its
 * global init), and give OpenSSL the wiping allocator (only possible before
 * its first allocation; if something initialised it earlier, its buffers
 * are simply not wiped). All cheap: libcurl's own global init (OpenSSL
 * configuration and engines) waits for the first request.
 */
static void __attribute__((constructor))
http_ctor(void)
{
	pin_self();
	(void)unsetenv("SSLKEYLOGFILE");
	(void)CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free);
}

static void
global_init_once(void)
{
	/* A no-op (refcount) when the application initialised libcurl. */
	if (curl_global_init_mem(CURL_GLOBAL_ALL, malloc, wfree, wrealloc,
	    strdup, calloc) == CURLE_OK)
		global_rc = 0;
}

void
http_global_init(void)
{
	pthread_once(&global_once, global_init_once);
}

void
http_resp_init(struct http_resp *r)
{
	r->status = 0;
	buf_init(&r->body, AZKV_BODY_MAX);
	r->www_authenticate = NULL;
	r->retry_after = NULL;
	r->request_id = NULL;
	r->content_type = NULL;
}

static void
str_clear(char **p)
{
	if (*p != NULL)
		azkv_freezero(*p, strlen(*p));
	*p = NULL;
}

static void
resp_headers_clear(struct http_resp *r)
{
	str_clear(&r->www_authenticate);
	str_clear(&r->retry_after);
	str_clear(&r->request_id);
	str_clear(&r->content_type);
}

void
http_resp_release(struct http_resp *r)
{
	buf_release(&r->body);
	resp_headers_clear(r);
	r->status = 0;
}

/* Per-transfer state handed to the callbacks. */
struct xfer {
	struct http_resp	*resp;
	int			 body_err;	/* buf_append failure */
	int			 hdr_err;
	unsigned char		 pin[20];	/* SHA-1 of the pinned cert */
};

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	int r;

	if ((r = buf_append(&x->resp->body, ptr, n)) != 0) {
		x->body_err = r;
		return 0;
	}
	return n;
}

static const struct {
	const char	*name;
	size_t		 off;
} kept_headers[] = {
	{ "WWW-Authenticate", offsetof(struct http_resp, www_authenticate) },
	{ "Retry-After", offsetof(struct http_resp, retry_after) },
	{ "x-ms-request-id", offsetof(struct http_resp, request_id) },
	{ "Content-Type", offsetof(struct http_resp, content_type) },
};

static size_t
header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, i, nlen, vlen;
	const char *v;
	char **slot;

	/* A status line starts a new response: forget the previous one's. */
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		resp_headers_clear(x->resp);
		return n;
	}
	for (i = 0; i < sizeof(kept_headers) / sizeof(kept_headers[0]); i++) {
		nlen = strlen(kept_headers[i].name);
		if (n <= nlen || ptr[nlen] != ':' ||
		    strncasecmp(ptr, kept_headers[i].name, nlen) != 0)
			continue;
		slot = (char **)((char *)x->resp + kept_headers[i].off);
		if (*slot != NULL)	/* keep the first of repeated headers */
			break;
		v = ptr + nlen + 1;
		vlen = n - nlen - 1;
		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
			vlen--;
		if ((*slot = strndup(v, vlen)) == NULL) {
			x->hdr_err = AZKV_ERR_NOMEM;
			return 0;
		}
		break;
	}
	return n;
}

/* 40 hex digits, colons allowed anywhere, case-insensitive. */
static int
pin_parse(const char *s, unsigned char out[20])
{
	size_t n = 0;
	int hi = -1, d;

	for (; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		if (hi < 0) {
			hi = d;
			continue;
		}
		if (n == 20)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | d);
		hi = -1;
	}
	return n == 20 && hi < 0 ? 0 : -1;
}

/* Replaces chain verification: trust exactly the pinned leaf cert. */
static int
pin_verify_cb(X509_STORE_CTX *sctx, void *arg)
{
	const unsigned char *pin = arg;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	X509 *cert;

	if ((cert = X509_STORE_CTX_get0_cert(sctx)) == NULL ||
	    X509_digest(cert, EVP_sha1(), md, &mdlen) != 1 || mdlen != 20 ||
	    CRYPTO_memcmp(md, pin, 20) != 0) {
		X509_STORE_CTX_set_error(sctx, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	X509_STORE_CTX_set_error(sctx, X509_V_OK);
	return 1;
}

static CURLcode
ssl_ctx_cb(CURL *curl, void *sslctx, void *arg)
{
	struct xfer *x = arg;

	SSL_CTX_set_verify(sslctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(sslctx, pin_verify_cb, x->pin);
	return CURLE_OK;
}

/* Host (and port) of url for messages, never userinfo or query. */
static void
url_host(const char *url, char *out, size_t outlen)
{
	CURLU *u;
	char *host = NULL, *port = NULL;
	int n;

	snprintf(out, outlen, "%s", "(invalid URL)");
	if ((u = curl_url()) == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ==
	    CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			n = snprintf(out, outlen, "%s:%s", host, port);
		else
			n = snprintf(out, outlen, "%s", host);
		if (n < 0)
			snprintf(out, outlen, "%s", "(invalid URL)");
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

static int
set_method(CURL *h, const struct http_req *req)
{
	const char *m = req->method ? req->method : "GET";
	const char *body = req->body ? req->body : "";
	int r = CURLE_OK;

	if (strcmp(m, "GET") == 0)
		return curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	if (strcmp(m, "DELETE") == 0 && req->body == NULL)
		return curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	/* Sent from the caller's memory: no copy for curl to leave behind. */
	if (r == CURLE_OK)
		r = curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	if (r == CURLE_OK)
		r = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->body_len);
	if (r == CURLE_OK && strcmp(m, "POST") != 0)
		r = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	return r;
}

/*
 * The CA bundle to fall back on when the issuer is not in libcurl's CA
 * directory, or NULL when this libcurl has no default directory (then it
 * keeps its own defaults).
 *
 * libcurl's default trust store is its bundle file plus its hashed
 * directory (on Debian, /etc/ssl/certs/ca-certificates.crt and
 * /etc/ssl/certs, both written by update-ca-certificates). OpenSSL 3
 * decodes every certificate of a bundle when it loads it, about 1.7
 * million instructions each, some 250 million for Debian's 145, more than
 * 85% of a whole warm `azkv get`; from the directory it reads only the
 * issuer a chain needs. So the directory is tried alone first, and the
 * bundle only after a chain failed for want of an issuer (http_do): the
 * same certificates are trusted, in the same cases.
 */
static const char *
lazy_ca_bundle(void)
{
	curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);

	if (vi->age < CURLVERSION_SEVENTH || vi->capath == NULL ||
	    vi->cainfo == NULL)
		return NULL;
	return vi->cainfo;
}

/* Did the chain fail for want of a trusted issuer? */
static int
issuer_missing(CURL *h)
{
	long v = X509_V_OK;

	if (curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &v) != CURLE_OK)
		return 0;
	return v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
	    v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	    v == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
	    v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
}

/*
 * Options common to every request on a freshly reset handle. *lazy_ca is
 * set when the default bundle was left out (see lazy_ca_bundle).
 */
static int
set_options(struct azkv *ctx, CURL *h, const struct http_req *req,
    struct xfer *x, struct curl_slist *hdrs, char *errbuf, long total_ms,
    long connect_ms, int *lazy_ca)
{
	curl_version_info_data *vi;
	const char *capath = NULL;
	struct stat st;
	CURLcode r = CURLE_OK;

#define SET(opt, val) do { if (r == CURLE_OK) \
	r = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_TIMEOUT_MS, total_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->kind == HTTP_IDENTITY) {
		SET(CURLOPT_NOPROXY, "*");
#if LIBCURL_VERSION_NUM >= 0x075500
		SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
		SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	} else {
#if LIBCURL_VERSION_NUM >= 0x075500
		SET(CURLOPT_PROTOCOLS_STR, "https");
#else
		SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
		if (ctx->cafile != NULL) {
			/* an extra CA: keep the system store trusted too */
			vi = curl_version_info(CURLVERSION_NOW);
			if (vi->age >= CURLVERSION_SEVENTH && vi->capath)
				capath = vi->capath;
			else if (stat(HTTP_SYSTEM_CAPATH, &st) == 0 &&
			    S_ISDIR(st.st_mode))
				capath = HTTP_SYSTEM_CAPATH;
			SET(CURLOPT_CAINFO, ctx->cafile);
			if (capath != NULL)
				SET(CURLOPT_CAPATH, capath);
		}
	}
	*lazy_ca = 0;
	if ((req->kind == HTTP_IDENTITY || ctx->cafile == NULL) &&
	    lazy_ca_bundle() != NULL) {
		SET(CURLOPT_CAINFO, NULL);	/* the directory alone */
		*lazy_ca = 1;
	}
	if (req->pin_sha1 != NULL) {
		/*
		 * Pinning replaces chain and name checks. libcurl does not
		 * know the pin, so no connection or TLS session made under
		 * one pin may be reused under another.
		 */
		SET(CURLOPT_FRESH_CONNECT, 1L);
		SET(CURLOPT_FORBID_REUSE, 1L);
		SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
		SET(CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
		SET(CURLOPT_SSL_CTX_DATA, x);
	}
#undef SET
	if (r == CURLE_OK)
		r = set_method(h, req);
	return r == CURLE_OK ? 0 : -1;
}

static int
map_error(struct azkv *ctx, CURLcode cr, const struct xfer *x,
    const char *host, const char *errbuf, int by_deadline, long total_ms)
{
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(cr);

	if (x->body_err == AZKV_ERR_PROTOCOL && x->resp->body.max ==
	    AZKV_BODY_MAX)
		return seterr(ctx, AZKV_ERR_PROTOCOL,
		    "reply from %s larger than 1 MiB", host);
	if (x->body_err == AZKV_ERR_PROTOCOL)
		return seterr(ctx, AZKV_ERR_PROTOCOL,
		    "reply from %s larger than %zu bytes", host,
		    x->resp->body.max);
	if (x->body_err != 0 || x->hdr_err != 0)
		return seterr(ctx, AZKV_ERR_NOMEM,
		    "out of memory reading the reply from %s", host);
	switch (cr) {
	case CURLE_OPERATION_TIMEDOUT:
		if (by_deadline)
			return seterr(ctx, AZKV_ERR_TIMEOUT,
			    "deadline of %d s exceeded waiting for %s",
			    ctx->timeout, host);
		return seterr(ctx, AZKV_ERR_TIMEOUT,
		    "no answer from %s within %ld ms", host, total_ms);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return seterr(ctx, AZKV_ERR_NETWORK,
		    "refusing to connect to %s: protocol not allowed "
		    "(https only)", host);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CACERT_BADFILE:
		/* Not transient: retrying cannot fix a certificate. */
		return seterr(ctx, AZKV_ERR_UNTRUSTED,
		    "cannot verify the TLS certificate of %s: %s", host,
		    detail);
	case CURLE_URL_MALFORMAT:
		return seterr(ctx, AZKV_ERR_USAGE, "invalid URL for %s",
		    host);
	case CURLE_OUT_OF_MEMORY:
		return seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
	default:
		return seterr(ctx, AZKV_ERR_NETWORK, "cannot reach %s: %s",
		    host, detail);
	}
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

int
http_do(struct azkv *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct xfer x;
	struct curl_slist *hdrs = NULL, *t;
	struct timespec t0;
	char errbuf[CURL_ERROR_SIZE], host[256], logurl[512];
	const char *const *hp;
	void **slot;
	CURL *h;
	CURLcode cr;
	long left, total_ms, connect_ms, status = 0;
	int by_deadline, lazy_ca = 0, ret = AZKV_ERR_INTERNAL;

	http_global_init();
	memset(&x, 0, sizeof(x));
	errbuf[0] = '\0';
	buf_reset(&resp->body);
	resp_headers_clear(resp);
	resp->status = 0;
	url_host(req->url, host, sizeof(host));
	if (global_rc != 0)
		return seterr(ctx, AZKV_ERR_INTERNAL,
		    "cannot initialise libcurl");
	if (req->pin_sha1 != NULL && pin_parse(req->pin_sha1, x.pin) != 0)
		return seterr(ctx, AZKV_ERR_USAGE,
		    "invalid certificate thumbprint for %s "
		    "(want 40 hex digits)", host);
	left = ctx_ms_left(ctx);
	if (ctx->deadline != 0 && left <= 0)
		return seterr(ctx, AZKV_ERR_TIMEOUT,
		    "deadline of %d s exceeded before contacting %s",
		    ctx->timeout, host);
	total_ms = left;
	if (req->timeout_ms > 0 && req->timeout_ms < left)
		total_ms = req->timeout_ms;
	by_deadline = total_ms == left;
	connect_ms = req->connect_timeout_ms > 0 ? req->connect_timeout_ms :
	    HTTP_CONNECT_DEFAULT_MS;
	if (connect_ms > total_ms)
		connect_ms = total_ms;

	slot = req->kind == HTTP_IDENTITY ? &ctx->curl_identity :
	    &ctx->curl_vault;
	if (*slot == NULL) {
		if ((*slot = curl_easy_init()) == NULL)
			return seterr(ctx, AZKV_ERR_NOMEM,
			    "cannot create a libcurl handle");
	} else
		curl_easy_reset(*slot);	/* keeps the live connections */
	h = *slot;

	/* libcurl's slist copies are made with the wiping allocator */
	for (hp = req->headers; hp != NULL && *hp != NULL; hp++) {
		if ((t = curl_slist_append(hdrs, *hp)) == NULL) {
			ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
			goto out;
		}
		hdrs = t;
	}
	if ((t = curl_slist_append(hdrs, "Expect:")) == NULL) {
		ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
		goto out;
	}
	hdrs = t;

	x.resp = resp;
	if (set_options(ctx, h, req, &x, hdrs, errbuf, total_ms,
	    connect_ms, &lazy_ca) != 0) {
		ret = seterr(ctx, AZKV_ERR_INTERNAL,
		    "cannot set up the request to %s", host);
		goto out;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr = curl_easy_perform(h);
	if (cr == CURLE_PEER_FAILED_VERIFICATION && lazy_ca &&
	    issuer_missing(h) && total_ms - elapsed_ms(&t0) > 0) {
		/* nothing was sent: the handshake failed */
		log_debug(ctx, "%s: no trusted issuer in the CA directory; "
		    "trying the CA bundle %s", host, lazy_ca_bundle());
		errbuf[0] = '\0';
		buf_reset(&resp->body);
		resp_headers_clear(resp);
		if (curl_easy_setopt(h, CURLOPT_CAINFO, lazy_ca_bundle()) ==
		    CURLE_OK && curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
		    total_ms - elapsed_ms(&t0)) == CURLE_OK)
			cr = curl_easy_perform(h);
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	log_redact_url(req->url, logurl, sizeof(logurl));
	if (cr != CURLE_OK) {
		log_debug(ctx, "%s %s -> error after %ld ms: %s",
		    req->method ? req->method : "GET", logurl,
		    elapsed_ms(&t0), errbuf[0] ? errbuf :
		    curl_easy_strerror(cr));
		ret = map_error(ctx, cr, &x, host, errbuf, by_deadline,
		    total_ms);
		goto out;
	}
	resp->status = status;
	log_debug(ctx, "%s %s -> %ld (x-ms-request-id %s, %ld ms)",
	    req->method ? req->method : "GET", logurl, status,
	    resp->request_id ? resp->request_id : "-", elapsed_ms(&t0));
	ret = 0;
 out:
	/* do not leave pointers to the caller's memory in the handle */
	if (*slot != NULL) {
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
	}
	curl_slist_free_all(hdrs);
	azkv_wipe(&x, sizeof(x));
	azkv_wipe(errbuf, sizeof(errbuf));
	if (ret != 0) {
		buf_reset(&resp->body);
		resp_headers_clear(resp);
		resp->status = 0;
	}
	return ret;
}

int
http_sleep(struct azkv *ctx, long ms)
{
	struct timespec ts;
	long left = ctx_ms_left(ctx);
	int past = 0;

	if (ctx->deadline != 0 && left <= 0)
		return seterr(ctx, AZKV_ERR_TIMEOUT,
		    "deadline of %d s exceeded", ctx->timeout);
	if (ms < 0)
		ms = 0;
	if (ctx->deadline != 0 && ms >= left) {
		ms = left;
		past = 1;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	if (past)
		return seterr(ctx, AZKV_ERR_TIMEOUT,
		    "deadline of %d s exceeded", ctx->timeout);
	return 0;
}

int
retry_after_parse(const char *value, time_t now, long *ms)
{
	const char *p = value, *e;
	long long secs;
	time_t when;
	char tmp[128];
	size_t n;

	if (value == NULL)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	if ((n = (size_t)(e - p)) == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (isdigit((unsigned char)tmp[0])) {
		/* delta-seconds: digits only */
		secs = 0;
		for (p = tmp; *p != '\0'; p++) {
			if (!isdigit((unsigned char)*p))
				return -1;
			secs = secs * 10 + (*p - '0');
			if (secs > HTTP_RETRY_AFTER_MAX)
				return -1;
		}
	} else if (isalpha((unsigned char)tmp[0])) {
		/* HTTP-date (at most 33 bytes); one in the past means "now" */
		if (n > 40 || (when = curl_getdate(tmp, NULL)) == -1)
			return -1;
		secs = (long long)when - (long long)now;
		if (secs < 0)
			secs = 0;
		if (secs > HTTP_RETRY_AFTER_MAX)
			return -1;
	} else
		return -1;
	*ms = (long)secs * 1000;
	return 0;
}

void
http_cleanup(struct azkv *ctx)
{
	if (ctx->curl_vault != NULL)
		curl_easy_cleanup(ctx->curl_vault);
	if (ctx->curl_identity != NULL)
		curl_easy_cleanup(ctx->curl_identity);
	ctx->curl_vault = NULL;
	ctx->curl_identity = NULL;
}
