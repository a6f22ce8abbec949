/* vault-int.h: declarations shared by the Key Vault files of core/. */
#ifndef AZKV_VAULT_INT_H
#define AZKV_VAULT_INT_H

#include "azkv-int.h"

#define VAULT_CHALLENGE_MAX	8192	/* longest WWW-Authenticate we parse */
#define VAULT_VERSION_LEN	32	/* secret versions: 32 hex digits */

/* What an operation does, for error text and hints. */
enum vault_op {
	VAULT_GET,
	VAULT_SET,
	VAULT_DELETE,
};

/* Where a secret lives: the vault, the secret name and its version. */
struct vault_target {
	void	*base;		/* CURLU * for https://host[:port]/ */
	char	*host;		/* lower-case, without a trailing dot */
	char	*display;	/* the vault as the user named it */
	char	*name;		/* validated secret name */
	char	*version;	/* 32 hex digits, or NULL for the latest */
};

/* ---- vault-url.c ---- */

/*
 * Resolve (ctx->vault, name, version) into *t. `name` is a secret name or
 * a full https://VAULT/secrets/NAME[/VERSION] URL, which overrides the
 * vault setting. Everything is validated before any URL is built.
 * Returns 0 or AZKV_ERR_USAGE / AZKV_ERR_NOMEM with text in ctx.
 */
int	 vault_target_init(struct azkv *ctx, const char *name,
	    const char *version, struct vault_target *t);
/* Release what vault_target_init() filled in. Accepts a zeroed target. */
void	 vault_target_release(struct vault_target *t);
/*
 * The request URL for op: GET /secrets/NAME/ or /secrets/NAME/VERSION,
 * PUT and DELETE /secrets/NAME, with ?api-version=. *url is freed with
 * free(). 0, AZKV_ERR_USAGE (bad api-version) or AZKV_ERR_NOMEM.
 */
int	 vault_target_url(struct azkv *ctx, const struct vault_target *t,
	    enum vault_op op, char **url);
/* 1 when s is a Key Vault vault name (3-24, [0-9a-zA-Z-], see .c). */
int	 vault_name_valid(const char *s);
/* 1 when s is a secret version: 32 hex digits. */
int	 vault_version_valid(const char *s);
/*
 * 1 when host may be sent a request at all: one label under a known Key
 * Vault suffix, or named in the allow-vault-host setting.
 */
int	 vault_host_allowed(const struct azkv *ctx, const char *host);
/*
 * The token resource of a host under a known Key Vault suffix
 * ("https://vault.azure.net" for x.vault.azure.net), else NULL.
 */
const char *vault_known_resource(const char *host);

/* ---- vault-error.c ---- */

/* What a Key Vault error reply says. Strings are cleaned for printing. */
struct vault_error {
	long	 status;
	char	 code[64];	/* error.code, "" when absent */
	char	 inner[64];	/* innermost innererror.code, "" when absent */
	char	 request_id[80];	/* x-ms-request-id */
	char	 client_id[40];		/* ours, shown when there is no request id */
};

/* Fill *e from a reply; never fails (unknown parts stay ""). */
void	 vault_error_parse(const struct http_resp *resp, struct vault_error *e);
/* The AZKV_ERR_* for an error reply (a 401 here: the token was refused). */
int	 vault_error_class(const struct vault_error *e);
/*
 * Store "cannot OP secret 'NAME' from 'VAULT': WHAT (STATUS CODE/INNER);
 * HINT [request id ID]" in ctx and return the class.
 */
int	 vault_error_set(struct azkv *ctx, enum vault_op op,
	    const struct vault_target *t, const struct vault_error *e);
/*
 * Prefix the error text already in ctx with "cannot OP secret 'NAME' from
 * 'VAULT': " and return err.
 */
int	 vault_error_wrap(struct azkv *ctx, enum vault_op op,
	    const struct vault_target *t, int err);

/* ---- vault-challenge.c: learnt challenges, in memory and on disk ---- */

/*
 * The verified token resource for host: from ctx->challenge, else from the
 * known suffix table, else from the challenge cache file. Borrowed from
 * ctx or static storage; NULL when a challenge round trip is needed.
 */
const char *vault_challenge_lookup(struct azkv *ctx, const char *host);
/*
 * Remember a verified challenge for host in ctx->challenge and, for hosts
 * outside the known suffixes, in the cache file. Errors writing the file
 * are logged and ignored. 0 or AZKV_ERR_NOMEM.
 */
int	 vault_challenge_store(struct azkv *ctx, const char *host,
	    const char *resource, const char *tenant);

#endif /* AZKV_VAULT_INT_H */
