/* azkv.h: public interface of libazkv, the managed-identity Key Vault client. */
#ifndef AZKV_H
#define AZKV_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct azkv;
struct azkv_token;

/*
 * Error codes. Every operation returns 0 or one of these; the detail text
 * is kept in the context (azkv_last_error) and never holds a secret.
 */
#define AZKV_OK			0
#define AZKV_ERR_INTERNAL	-1	/* bug or unexpected library failure */
#define AZKV_ERR_NOMEM		-2	/* allocation failed */
#define AZKV_ERR_USAGE		-3	/* bad argument or setting value */
#define AZKV_ERR_CONFIG		-4	/* configuration file error */
#define AZKV_ERR_NOTFOUND	-5	/* secret or version does not exist */
#define AZKV_ERR_DENIED		-6	/* 401/403 from Key Vault with a token */
#define AZKV_ERR_DISABLED	-7	/* secret disabled, not yet valid or expired */
#define AZKV_ERR_NOIDENTITY	-8	/* no managed identity available */
#define AZKV_ERR_NETWORK	-9	/* connect, TLS or transfer failure */
#define AZKV_ERR_TIMEOUT	-10	/* the overall deadline passed */
#define AZKV_ERR_PROTOCOL	-11	/* malformed, oversized or unexpected reply */
#define AZKV_ERR_UNTRUSTED	-12	/* host may not receive a token */
#define AZKV_ERR_CONFLICT	-13	/* 409, e.g. name held by a deleted secret */
#define AZKV_ERR_THROTTLED	-14	/* 429 until the deadline */
#define AZKV_ERR_SERVER		-15	/* other HTTP error status */
#define AZKV_ERR_IO		-16	/* local file or system call failed */

/* Process exit codes shared by the programs (DESIGN.md section 4). */
#define AZKV_EXIT_OK		0
#define AZKV_EXIT_RUNTIME	1
#define AZKV_EXIT_USAGE		2
#define AZKV_EXIT_NOTFOUND	3
#define AZKV_EXIT_DENIED	4
#define AZKV_EXIT_NOIDENTITY	5
#define AZKV_EXIT_HOSTKEY	6

/* Static English text for an error code. */
const char *azkv_strerror(int err);

/* Map an AZKV_ERR_* code (or 0) to the AZKV_EXIT_* a program exits with. */
int azkv_exit_code(int err);

/*
 * Create a context with every setting at its default. Returns NULL when out
 * of memory. The context reads no file and no environment until told to.
 */
struct azkv *azkv_new(void);

/* Release a context and wipe every token it held. Accepts NULL. */
void azkv_free(struct azkv *ctx);

/*
 * Text describing the last failure on this context, e.g. "cannot read secret
 * 'x' from 'v': access denied (403 Forbidden/ForbiddenByRbac); ...".
 * Borrowed until the next call on the context. Never NULL.
 */
const char *azkv_last_error(const struct azkv *ctx);

/*
 * Change one setting. Keys are the azkv.conf(5) names without the "azkv."
 * section: "vault", "identity", "identity.source", "cafile", "timeout",
 * "token-cache", "api-version", "allow-vault-host", "debug", "resource",
 * plus "env.NAME" for the standard Azure variables (IDENTITY_ENDPOINT, ...)
 * and for HOME / XDG_RUNTIME_DIR. A NULL value restores the default.
 * Returns 0, or AZKV_ERR_USAGE for an unknown key or invalid value.
 */
int azkv_set(struct azkv *ctx, const char *key, const char *value);

/* Current value of a setting, or NULL when unset. Borrowed. */
const char *azkv_get(const struct azkv *ctx, const char *key);

/*
 * Apply configuration in DESIGN.md order below command-line flags: the
 * system file (/etc/azkv/config), the user file (~/.config/azkv/config),
 * or only `path` when given (or AZKV_CONFIG), then the environment
 * (AZKV_* and the standard Azure variables). Call it once, before applying
 * flags with azkv_set(). Missing default files are not an error; a parse
 * error names the file and line and returns AZKV_ERR_CONFIG.
 */
int azkv_configure(struct azkv *ctx, const char *path);

/*
 * Value of `key` in config section [section "subsection"] (subsection may
 * be NULL), user file before system file; NULL when absent. Section and
 * key are case-insensitive, the subsection is not. Borrowed.
 */
const char *azkv_config_get(const struct azkv *ctx, const char *section,
    const char *subsection, const char *key);

/*
 * The i-th configuration file azkv_configure() considered (from 0, in the
 * order read), or NULL past the end. *found (may be NULL) is set to 1 when
 * the file was read, 0 when it did not exist. Borrowed.
 */
const char *azkv_config_file(const struct azkv *ctx, size_t i, int *found);

/*
 * Value of `key` in the most specific [section "URL"] config section that
 * matches a request for protocol://[username@]host[:port]/path, like git's
 * urlmatch: scheme and host compare case-insensitively, a default port may
 * be written or left out, a section's user must be the request's username
 * (percent-encoded), a section's path must be a prefix of path at a '/'
 * boundary, and a '*' host label matches one label. An exact host wins
 * over a wildcard, then a longer path, then a section naming the user.
 * host may carry ":port"; path, username may be NULL. Borrowed; NULL when
 * no section matches.
 */
const char *azkv_config_get_url(const struct azkv *ctx, const char *section,
    const char *protocol, const char *host, const char *path,
    const char *username, const char *key);

/*
 * Emit a debug line ("azkv: debug: ...") to stderr when the "debug"
 * setting is on. Never pass a secret or token.
 */
void azkv_debug(const struct azkv *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Take an exclusive lock shared by every process of this user: flock on
 * "<name>.lock" in the per-user cache directory (the token cache's, with
 * its trust rules). name is 1-127 of [0-9A-Za-z.-], not starting with
 * '.'. Waits while another process holds it, at most the "timeout"
 * setting. On success *fd holds the lock until azkv_unlock(*fd).
 * Returns 0, AZKV_ERR_USAGE (bad name), AZKV_ERR_IO (no trusted directory
 * or lock file) or AZKV_ERR_TIMEOUT, with text in azkv_last_error().
 */
int azkv_lock(struct azkv *ctx, const char *name, int *fd);

/* Release a lock taken by azkv_lock(). Accepts -1. */
void azkv_unlock(int fd);

/* A secret tag. */
struct azkv_tag {
	char	*key;
	char	*value;
};

/* A secret as Key Vault returned it. Absent numbers are 0, strings NULL. */
struct azkv_secret {
	char		*value;		/* NUL-terminated; wiped on free */
	size_t		 value_len;
	char		*id;		/* https://v.vault.azure.net/secrets/n/ver */
	char		*name;
	char		*version;
	char		*content_type;
	int		 enabled;	/* 1 or 0 */
	int64_t		 nbf, exp, created, updated;
	struct azkv_tag	*tags;
	size_t		 ntags;
};

/* What to send with azkv_secret_set() besides the value. */
struct azkv_secret_params {
	const char		*content_type;	/* NULL: none */
	const struct azkv_tag	*tags;
	size_t			 ntags;
	int64_t			 nbf, exp;	/* 0: not sent */
};

/*
 * Read a secret. `name` is a secret name (the vault comes from the
 * "vault" setting) or a full URL https://VAULT/secrets/NAME[/VERSION].
 * `version` may be NULL for the latest. On success *out holds a secret the
 * caller releases with azkv_secret_free(). Returns 0 or AZKV_ERR_*.
 */
int azkv_secret_get(struct azkv *ctx, const char *name, const char *version,
    struct azkv_secret **out);

/*
 * Write a new version of a secret. `value` (len bytes) is copied and the
 * copies wiped. `params` and `out` may be NULL. Returns 0 or AZKV_ERR_*.
 */
int azkv_secret_set(struct azkv *ctx, const char *name, const char *value,
    size_t len, const struct azkv_secret_params *params,
    struct azkv_secret **out);

/* Delete a secret (all versions; soft-delete applies). */
int azkv_secret_delete(struct azkv *ctx, const char *name);

/* Wipe and release a secret. Accepts NULL. */
void azkv_secret_free(struct azkv_secret *secret);

/*
 * Render a secret as JSON: {"value","id","contentType","tags","attributes"}
 * like Key Vault's SecretBundle. *out (NUL-terminated, *len bytes) must be
 * released with azkv_freezero(*out, *len).
 */
int azkv_secret_json(const struct azkv_secret *secret, char **out,
    size_t *len);

/*
 * Split a secret value into username and password: a JSON object with
 * "username"/"password" members (others ignored), or else the whole value
 * is the password and *user is NULL. Both outputs are NUL-terminated
 * copies the caller wipes with azkv_freezero(p, strlen(p)).
 */
int azkv_userpass_parse(const char *value, size_t len, char **user,
    char **pass);

/* 1 when `name` matches ^[0-9a-zA-Z-]{1,127}$, else 0. */
int azkv_secret_name_valid(const char *name);

/*
 * Derive a secret name "<prefix>-<slug>-<h>" for a (a, b) pair such as
 * (protocol, host) or (user, host): slug is "a-b" lower-cased with every
 * run of other than [a-z0-9] turned into '-', truncated so the name fits
 * 127 characters; h is the first 16 hex digits of SHA-256 over the bytes
 * a NUL b. Returns 0, or AZKV_ERR_USAGE for a bad prefix or small buffer.
 */
int azkv_secret_name_derive(const char *prefix, const char *a,
    const char *b, char *out, size_t outlen);

/*
 * Get an access token for `resource` (NULL: the vault's resource, normally
 * https://vault.azure.net) from the managed identity, through the token
 * cache. On success *out is released with azkv_token_free().
 */
int azkv_token_get(struct azkv *ctx, const char *resource,
    struct azkv_token **out);

/* The bearer token text. Borrowed from the token. */
const char *azkv_token_value(const struct azkv_token *tok);

/* Expiry time of the token (epoch seconds). */
time_t azkv_token_expires(const struct azkv_token *tok);

/*
 * A claim from the token's JWT payload as text ("aud", "oid", "appid",
 * "tid", "xms_mirid", "exp", "iat" ...), or NULL. Borrowed from the token.
 * The signature is not checked: this is for diagnosis only.
 */
const char *azkv_token_claim(const struct azkv_token *tok, const char *claim);

/* Wipe and release a token. Accepts NULL. */
void azkv_token_free(struct azkv_token *tok);

/* What identity source a context will use, and why (for `azkv doctor`). */
struct azkv_identity_info {
	const char	*source;	/* "imds", "appservice", "arc", ... */
	const char	*reason;	/* "IDENTITY_ENDPOINT and IDENTITY_HEADER are set" */
	const char	*endpoint;	/* token endpoint URL */
	const char	*identity;	/* "system", "client_id=...", ... */
};

/*
 * Fill *info from the settings and captured environment, without any
 * network request. Strings are borrowed from the context.
 */
int azkv_identity_detect(struct azkv *ctx, struct azkv_identity_info *info);

/* Disable core dumps and ptrace attach for this process. 0 or AZKV_ERR_IO. */
int azkv_harden_process(void);

/* explicit_bzero(p, n), then free(p). Accepts NULL. */
void azkv_freezero(void *p, size_t n);

/* Overwrite n bytes at p so the compiler cannot elide it. */
void azkv_wipe(void *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* AZKV_H */
