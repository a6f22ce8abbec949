/* vault-challenge.c: which token resource each vault host asked for, in memory and on disk. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <yajl/yajl_gen.h>

#include "vault-int.h"

#define CHALLENGE_FILE_MAX	4096

static void
challenge_clear(struct vault_challenge *c)
{
	free(c->vault_host);
	free(c->resource);
	free(c->tenant);
	memset(c, 0, sizeof(*c));
}

static int
challenge_set(struct azkv *ctx, const char *host, const char *resource,
    const char *tenant)
{
	struct vault_challenge n;

	memset(&n, 0, sizeof(n));
	if ((n.vault_host = strdup(host)) == NULL ||
	    (n.resource = strdup(resource)) == NULL ||
	    (tenant != NULL && (n.tenant = strdup(tenant)) == NULL)) {
		challenge_clear(&n);
		return AZKV_ERR_NOMEM;
	}
	challenge_clear(&ctx->challenge);
	ctx->challenge = n;
	return 0;
}

/* "vault-<sha256(host) in hex>.challenge" */
static int
cache_name(const char *host, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	int r;

	if (EVP_Digest(host, strlen(host), md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * mdlen] = '\0';
	r = snprintf(out, outlen, "vault-%s.challenge", hex);
	return r < 0 || (size_t)r >= outlen ? -1 : 0;
}

/* Load host's challenge from the cache file into ctx->challenge. */
static int
cache_load(struct azkv *ctx, const char *host)
{
	char name[128], err[64];
	const char *h, *res, *ten;
	struct buf b;
	json_t root = NULL;
	int dfd, ret = -1;

	if (!ctx->token_cache || (dfd = cachedir_open(ctx)) < 0)
		return -1;
	buf_init(&b, CHALLENGE_FILE_MAX);
	if (cache_name(host, name, sizeof(name)) != 0 ||
	    cachefile_read(ctx, dfd, name, &b) != 0)
		goto out;
	if ((root = json_parse(b.d, b.len, err, sizeof(err))) == NULL ||
	    (h = json_get_str(root, "host")) == NULL ||
	    (res = json_get_str(root, "resource")) == NULL ||
	    strcmp(h, host) != 0 || !vault_host_trusted(ctx, host, res)) {
		log_debug(ctx, "vault: ignoring stale or corrupt challenge "
		    "cache %s", name);
		goto out;
	}
	ten = json_get_str(root, "tenant");
	if (challenge_set(ctx, host, res, ten) != 0)
		goto out;
	log_debug(ctx, "vault: resource %s for %s from the challenge cache",
	    res, host);
	ret = 0;
 out:
	json_free(root);
	buf_release(&b);
	close(dfd);
	return ret;
}

/* Write ctx->challenge to its cache file (cachefile_write). */
static void
cache_save(struct azkv *ctx)
{
	const struct vault_challenge *c = &ctx->challenge;
	const unsigned char *text;
	char name[128];
	size_t len;
	yajl_gen g;
	int dfd;

	if (!ctx->token_cache || (dfd = cachedir_open(ctx)) < 0)
		return;
	if ((g = yajl_gen_alloc(json_alloc_funcs())) == NULL)
		goto out;
	if (cache_name(c->vault_host, name, sizeof(name)) != 0 ||
	    yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_cstr(g, "host") || json_gen_cstr(g, c->vault_host) ||
	    json_gen_cstr(g, "resource") || json_gen_cstr(g, c->resource) ||
	    (c->tenant != NULL && (json_gen_cstr(g, "tenant") ||
	    json_gen_cstr(g, c->tenant))) ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok ||
	    yajl_gen_get_buf(g, &text, &len) != yajl_gen_status_ok ||
	    cachefile_write(ctx, dfd, name, text, len) != 0) {
		log_debug(ctx, "vault: cannot write the challenge cache");
		goto out;
	}
	log_debug(ctx, "vault: stored the challenge of %s in %s",
	    c->vault_host, name);
 out:
	if (g != NULL)
		yajl_gen_free(g);
	close(dfd);
}

const char *
vault_challenge_lookup(struct azkv *ctx, const char *host)
{
	struct vault_challenge *c = &ctx->challenge;
	const char *known;

	if (c->vault_host != NULL && strcmp(c->vault_host, host) == 0 &&
	    vault_host_trusted(ctx, host, c->resource))
		return c->resource;
	if ((known = vault_known_resource(host)) != NULL)
		return known;
	if (cache_load(ctx, host) == 0)
		return c->resource;
	return NULL;
}

int
vault_challenge_store(struct azkv *ctx, const char *host,
    const char *resource, const char *tenant)
{
	int r;

	if ((r = challenge_set(ctx, host, resource, tenant)) != 0)
		return r;
	if (vault_known_resource(host) == NULL)
		cache_save(ctx);
	return 0;
}
