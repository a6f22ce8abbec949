/* vault-challenge.c: which token resource each vault host asked for. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vault-int.h"

static void
challenge_clear(struct vault_challenge *c)
{
	free(c->vault_host);
	free(c->resource);
	free(c->tenant);
	memset(c, 0, sizeof(*c));
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
	return NULL;
}

int
vault_challenge_store(struct azkv *ctx, const char *host,
    const char *resource, const char *tenant)
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
