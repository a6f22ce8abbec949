/* azkv-int.h: declarations shared inside core/; never installed. */
#ifndef AZKV_INT_H
#define AZKV_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "azkv.h"

#define AZKV_BODY_MAX		(1024 * 1024)	/* cap on any reply body */
#define AZKV_SECRET_MAX		(25 * 1024)	/* Key Vault's value limit */
#define AZKV_DEFAULT_TIMEOUT	120		/* seconds, whole operation */
#define AZKV_DEFAULT_API	"7.5"
#define AZKV_VAULT_RESOURCE	"https://vault.azure.net"
#define AZKV_ERRLEN		512

/* ---- config.c helpers shared inside core ---- */

/* Lower-cased copy of n bytes of s (ASCII), NUL-terminated; NULL on ENOMEM. */
char	*lower_dup(const char *s, size_t n);

/* ---- buf.c: capped growable buffer that wipes on grow and on free ---- */

/* Invariants: d is never NULL after buf_init, d[len] == '\0'. */
struct buf {
	char	*d;
	size_t	 len;
	size_t	 alloc;
	size_t	 max;	/* hard cap on len; 0 = AZKV_BODY_MAX */
};

void	 buf_init(struct buf *b, size_t max);
/* 0, AZKV_ERR_NOMEM, or AZKV_ERR_PROTOCOL when len would exceed max. */
int	 buf_append(struct buf *b, const void *p, size_t n);
int	 buf_append_str(struct buf *b, const char *s);
int	 buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Wipe the contents, keep the allocation, len = 0. */
void	 buf_reset(struct buf *b);
/* Wipe and free; the buf may be reused after buf_init. */
void	 buf_release(struct buf *b);
/* Hand the string to the caller (wipe with azkv_freezero); buf is reset. */
char	*buf_detach(struct buf *b, size_t *len);

/* ---- client.c: context, settings, errors ---- */

/* Per-vault state learnt from the 401 challenge. */
struct vault_challenge {
	char	*vault_host;	/* lower-case host it was learnt from */
	char	*resource;	/* "https://vault.azure.net" */
	char	*tenant;
};

struct azkv {
	/* settings (owned strings, NULL = default) */
	char	*vault;
	char	*identity;		/* "system", GUID, id://, ... */
	char	*identity_source;	/* NULL/"auto" or a list */
	char	*cafile;
	char	*api_version;
	char	*allow_vault_host;	/* comma/space separated hosts */
	char	*resource;		/* token resource override */
	int	 timeout;		/* seconds */
	int	 token_cache;		/* 1 on, 0 off */
	int	 debug;

	/* captured environment: "NAME=value" strings, NULL-terminated */
	char	**env;
	size_t	 nenv;

	/* parsed config files (config.c) */
	struct config_entry	*cfg;
	size_t			 ncfg;
	struct config_file	*cfg_files;	/* files considered, in order */
	size_t			 ncfg_files;

	/* run-time state */
	time_t	 deadline;		/* 0 = not started */
	void	*curl_vault;		/* CURL *, reused across requests */
	void	*curl_identity;		/* CURL *, no proxy */
	struct azkv_token	*token;	/* in-process cache, one resource */
	struct vault_challenge	 challenge;
	char	 detect_buf[4][256];	/* storage for identity_info */
	char	 timeout_text[16];	/* azkv_get(ctx, "timeout") */
	char	 errbuf[AZKV_ERRLEN];
};

/*
 * Store the error text and return err, so that callers can write
 * `return seterr(ctx, AZKV_ERR_..., "...")`. ctx may be NULL.
 */
int	 seterr(struct azkv *ctx, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Value of a captured environment variable, or NULL (also for ""). */
const char *ctx_env(const struct azkv *ctx, const char *name);

/*
 * Start the overall deadline if not running (now + timeout). Operations call
 * it on entry; ctx_deadline_clear() at their end.
 */
void	 ctx_deadline_start(struct azkv *ctx);
void	 ctx_deadline_clear(struct azkv *ctx);
/* Milliseconds left before the deadline (>= 0). */
long	 ctx_ms_left(const struct azkv *ctx);

/* ---- log.c: debug logging with redaction ---- */

void	 log_debug(const struct azkv *ctx, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Copy of url with query values of sensitive names replaced by "***". */
void	 log_redact_url(const char *url, char *out, size_t outlen);

/* ---- json.c: yajl helpers that wipe every string they held ---- */

struct yajl_val_s;
typedef struct yajl_val_s *json_t;

/*
 * Parse len bytes of JSON into a yajl tree whose allocations all wipe on
 * free (yajl's own buffers included). NULL on error, with a short reason
 * (no input bytes) in errbuf.
 */
json_t	 json_parse(const char *text, size_t len, char *errbuf, size_t errlen);
/* Zero every string node and release the tree. Accepts NULL. */
void	 json_free(json_t v);
/* Member lookups on an object; NULL/-1 when absent or of another type. */
json_t	 json_get(json_t obj, const char *key);
const char *json_get_str(json_t obj, const char *key);
/* A JSON number or numeric string; 0 on success, -1 absent/invalid. */
int	 json_get_int(json_t obj, const char *key, int64_t *out);
/* true/false member; -1 when absent. */
int	 json_get_bool(json_t obj, const char *key);
struct yajl_gen_t;
/* Generator helpers: a string of len bytes, a NUL-terminated string, and a
 * "key": "value" member (nothing when value is NULL). 0 or -1. */
int	 json_gen_str(struct yajl_gen_t *g, const char *s, size_t len);
int	 json_gen_cstr(struct yajl_gen_t *g, const char *s);
int	 json_gen_pair(struct yajl_gen_t *g, const char *key,
	    const char *value);
/* yajl_alloc_funcs * whose free wipes; for yajl_gen_alloc and parsers. */
const void *json_alloc_funcs(void);
/* Length of a string node's text, embedded NULs included; 0 if not one. */
size_t	 json_str_len(json_t v);
/*
 * The wiping allocator behind json_alloc_funcs() and the json tree: each
 * block records its exact size in a header, and free/realloc wipe the old
 * block. Memory from these must be released with json_wipe_free().
 * (libcurl and OpenSSL get a header-less wiping allocator in http.c.)
 */
void	*json_wipe_malloc(size_t n);
void	*json_wipe_calloc(size_t nmemb, size_t size);
void	*json_wipe_realloc(void *p, size_t n);
char	*json_wipe_strdup(const char *s);
void	 json_wipe_free(void *p);
size_t	 json_wipe_size(const void *p);

/* ---- http.c: libcurl wrapper: deadlines, size caps, proxies ---- */

enum http_kind {
	HTTP_IDENTITY,	/* local identity endpoint: no proxy, no redirects */
	HTTP_VAULT,	/* Key Vault: https only, proxies as libcurl does */
	HTTP_AUTHORITY,	/* Entra token endpoint (workload identity) */
};

struct http_req {
	enum http_kind	 kind;
	const char	*method;	/* "GET", "PUT", "DELETE", "POST" */
	const char	*url;
	const char	*const *headers;	/* "Name: value", NULL-terminated */
	const char	*body;
	size_t		 body_len;
	const char	*pin_sha1;	/* Service Fabric thumbprint or NULL */
	long		 connect_timeout_ms;	/* 0 = default */
	long		 timeout_ms;		/* 0 = until the deadline */
};

struct http_resp {
	long		 status;	/* 0 when no HTTP response */
	struct buf	 body;		/* capped at AZKV_BODY_MAX */
	char		*www_authenticate;
	char		*retry_after;
	char		*request_id;	/* x-ms-request-id */
	char		*content_type;
};

void	 http_resp_init(struct http_resp *r);
void	 http_resp_release(struct http_resp *r);
/*
 * Perform one request, bounded by the context deadline. Returns 0 when an
 * HTTP response arrived (any status), AZKV_ERR_NETWORK, AZKV_ERR_TIMEOUT or
 * AZKV_ERR_PROTOCOL (body over the cap) otherwise, with text in ctx.
 */
int	 http_do(struct azkv *ctx, const struct http_req *req,
	    struct http_resp *resp);
/* Sleep ms (less if the deadline is nearer). AZKV_ERR_TIMEOUT when past. */
int	 http_sleep(struct azkv *ctx, long ms);
/*
 * Parse a Retry-After value (delta seconds or HTTP-date) relative to now.
 * 0 and *ms on success, -1 when unparsable.
 */
int	 retry_after_parse(const char *value, time_t now, long *ms);
/* Close cached connections. */
void	 http_cleanup(struct azkv *ctx);
/*
 * Process-wide libcurl/OpenSSL set-up with the wiping allocator; runs once
 * (also from a library constructor, before anything else uses libcurl).
 */
void	 http_global_init(void);

/* ---- identity.c: managed-identity sources and token requests ---- */

struct azkv_token {
	char	*value;		/* access token, wiped on free */
	time_t	 expires_on;
	time_t	 refresh_on;	/* when to refresh proactively */
	char	*resource;
	char	*source;
	json_t	 claims;	/* decoded JWT payload, lazily */
	char	 claimbuf[64];
	char	 cache_key[65];	/* identity_cache_key() it was cached under */
};

/*
 * Fetch a fresh token for resource from the configured/detected source,
 * applying the retry policy. No cache involved.
 */
int	 identity_fetch(struct azkv *ctx, const char *resource,
	    struct azkv_token **out);
/*
 * Parse a token endpoint reply body (every source's format) into a token;
 * now is the request time. 0 or AZKV_ERR_PROTOCOL.
 */
int	 token_parse(const char *body, size_t len, time_t now,
	    struct azkv_token **out);
/* Cache key for (source, identity, resource): a hex digest, 65 bytes. */
void	 identity_cache_key(struct azkv *ctx, const char *resource,
	    char key[65]);

/* ---- tokencache.c: per-user cross-process token cache ---- */

/*
 * Token for resource: from memory, else the cache file, else fetched under
 * the per-key flock and written back. Honours the "token-cache" setting.
 * *out is the caller's copy, released with azkv_token_free().
 */
int	 tokencache_get(struct azkv *ctx, const char *resource,
	    struct azkv_token **out);
/* Forget a token the vault rejected (memory and file). */
void	 tokencache_drop(struct azkv *ctx, const char *resource);

/* ---- cachedir.c: the per-user cache directory and its trusted files ---- */

/*
 * Open the per-user cache directory, creating it 0700: $XDG_RUNTIME_DIR/azkv
 * when XDG_RUNTIME_DIR is a directory of ours, else ~/.cache/azkv (HOME
 * must be ours). Opened O_NOFOLLOW; it must be a directory of our euid
 * without group or world bits. The fd, or -1 with the reason logged and
 * in ctx's error text.
 */
int	 cachedir_open(struct azkv *ctx);
/*
 * Append file name in dfd to b (initialised by the caller) when it can be
 * trusted: not a symlink, regular, ours, mode 0600, one link, at most
 * b->max bytes. 0, or -1 (absent, untrusted or unreadable; logged, b
 * emptied).
 */
int	 cachefile_read(struct azkv *ctx, int dfd, const char *name,
	    struct buf *b);
/*
 * Replace name in dfd with len bytes: a temp file (O_EXCL, 0600), fsync,
 * renameat. 0, or -1 (logged; the temp file removed).
 */
int	 cachefile_write(struct azkv *ctx, int dfd, const char *name,
	    const void *data, size_t len);
/*
 * flock(LOCK_EX) on name in dfd (created 0600; must be a regular file of
 * ours). Without wait, a held lock fails at once; with it, polled until
 * free or the deadline (which must be running) passes. The fd, -1 when
 * the lock file is unusable (logged, error text in ctx), or
 * AZKV_ERR_TIMEOUT while held elsewhere.
 */
int	 cachefile_lock(struct azkv *ctx, int dfd, const char *name, int wait);

/* ---- vault.c: Key Vault secrets ---- */

/* Parse "Bearer k=v, k=v" into resource (scope minus /.default) and tenant. */
int	 challenge_parse(const char *header, char **resource, char **tenant);
/* 1 when host may receive a token for resource, else 0. */
int	 vault_host_trusted(const struct azkv *ctx, const char *host,
	    const char *resource);
/* Parse a SecretBundle body into *out. */
int	 secret_parse(const char *body, size_t len, struct azkv_secret **out);

/* ---- config.c: config files and environment ---- */

struct config_entry {
	char	*section;	/* lower-case */
	char	*subsection;	/* as written, or NULL */
	char	*key;		/* lower-case */
	char	*value;
	char	*file;
	int	 line;
	int	 system;	/* from the system file */
};

/* A configuration file azkv_configure() considered. */
struct config_file {
	char	*path;
	int	 found;		/* 1 when read, 0 when absent */
};

/* Parse one file into ctx->cfg. Missing file: 0 when !must_exist. */
int	 config_read_file(struct azkv *ctx, const char *path, int must_exist,
	    int system);
/* Parse text (for tests and fuzzing); name is used in error messages. */
int	 config_parse(struct azkv *ctx, const char *name, const char *text,
	    size_t len, int system);
void	 config_release(struct azkv *ctx);

#endif /* AZKV_INT_H */
