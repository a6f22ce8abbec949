/* tokencache.c: in-process and per-user cross-process token cache. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "azkv-int.h"
#include "identity-int.h"

#define CACHE_FILE_MAX		(64 * 1024)
#define REFRESH_RETRY_S		30	/* after a failed proactive refresh */
#define REFRESH_BUDGET_S	20	/* time a proactive refresh may take */
#define SAFE_LEFT_S		300	/* below this, refresh with full time */

/* Build "<key><suffix>". */
static void
file_name(char *out, size_t len, const char *key, const char *suffix)
{
	snprintf(out, len, "%s%s", key, suffix);
}

/* Parse a cache document; the token must be for res. 0 or -1. */
static int
cache_parse(const char *text, size_t len, const char *res,
    struct azkv_token **out)
{
	char err[64];
	json_t root;
	const char *tok, *r, *src;
	int64_t v, exp, ref;
	int ret = -1;
	size_t i;

	if ((root = json_parse(text, len, err, sizeof(err))) == NULL)
		return -1;
	tok = json_get_str(root, "token");
	r = json_get_str(root, "resource");
	src = json_get_str(root, "source");
	if (json_get_int(root, "v", &v) != 0 || v != 1 || tok == NULL ||
	    r == NULL || strcmp(r, res) != 0 || src == NULL ||
	    json_get_int(root, "expires_on", &exp) != 0 ||
	    json_get_int(root, "refresh_on", &ref) != 0 || ref > exp ||
	    *tok == '\0')
		goto out;
	for (i = 0; tok[i] != '\0'; i++)
		if (tok[i] <= ' ' || tok[i] > '~')
			goto out;
	if ((*out = token_new(tok, (time_t)exp, (time_t)ref, r, src)) == NULL)
		goto out;
	ret = 0;
 out:
	json_free(root);
	return ret;
}

/* The cache file name, if trusted (cachefile_read) and for res. */
static int
cache_read(struct azkv *ctx, int dfd, const char *name, const char *res,
    struct azkv_token **out)
{
	struct buf b;
	int ret = -1;

	buf_init(&b, CACHE_FILE_MAX);
	if (cachefile_read(ctx, dfd, name, &b) != 0)
		goto out;
	if (cache_parse(b.d, b.len, res, out) != 0) {
		log_debug(ctx, "token cache: ignoring corrupt %s", name);
		goto out;
	}
	ret = 0;
 out:
	buf_release(&b);
	return ret;
}

/* The cache document for tok, in a wiping yajl generator. */
static int
cache_render(yajl_gen g, const struct azkv_token *tok)
{
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_cstr(g, "v") ||
	    yajl_gen_integer(g, 1) != yajl_gen_status_ok ||
	    json_gen_cstr(g, "source") ||
	    json_gen_cstr(g, tok->source ? tok->source : "") ||
	    json_gen_cstr(g, "resource") || json_gen_cstr(g, tok->resource) ||
	    json_gen_cstr(g, "expires_on") ||
	    yajl_gen_integer(g, (long long)tok->expires_on) !=
	    yajl_gen_status_ok ||
	    json_gen_cstr(g, "refresh_on") ||
	    yajl_gen_integer(g, (long long)tok->refresh_on) !=
	    yajl_gen_status_ok ||
	    json_gen_cstr(g, "token") || json_gen_cstr(g, tok->value) ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok)
		return -1;
	return 0;
}

/* Render tok and write it over name (cachefile_write). */
static void
cache_write(struct azkv *ctx, int dfd, const char *name,
    const struct azkv_token *tok)
{
	yajl_gen g;
	const unsigned char *text;
	size_t len;

	if ((g = yajl_gen_alloc(json_alloc_funcs())) == NULL)
		return;
	if (cache_render(g, tok) == 0 &&
	    yajl_gen_get_buf(g, &text, &len) == yajl_gen_status_ok)
		(void)cachefile_write(ctx, dfd, name, text, len);
	yajl_gen_free(g);
}

/* Remember tok as the in-process copy for key. */
static void
memory_store(struct azkv *ctx, const struct azkv_token *tok, const char *key)
{
	struct azkv_token *copy;

	if (token_dup(tok, &copy) != 0)
		return;
	snprintf(copy->cache_key, sizeof(copy->cache_key), "%s", key);
	azkv_token_free(ctx->token);
	ctx->token = copy;
}

/* Keep the better of two usable tokens in *best (takes cand). */
static void
keep_best(struct azkv_token **best, struct azkv_token *cand, time_t now)
{
	if (cand == NULL)
		return;
	if (cand->expires_on <= now || (*best != NULL &&
	    (*best)->expires_on >= cand->expires_on)) {
		azkv_token_free(cand);
		return;
	}
	azkv_token_free(*best);
	*best = cand;
}

/* Fetch from the identity source; a proactive refresh gets a short budget. */
static int
fetch(struct azkv *ctx, const char *res, const struct azkv_token *old,
    struct azkv_token **out)
{
	time_t saved = ctx->deadline, now = time(NULL);
	int r;

	if (old != NULL && old->expires_on - now > SAFE_LEFT_S &&
	    (ctx->deadline == 0 || ctx->deadline > now + REFRESH_BUDGET_S))
		ctx->deadline = now + REFRESH_BUDGET_S;
	r = identity_fetch(ctx, res, out);
	ctx->deadline = saved;
	return r;
}

int
tokencache_get(struct azkv *ctx, const char *resource, struct azkv_token **out)
{
	struct azkv_token *tok = NULL, *old = NULL;
	char key[65], name[80], lockname[80];
	char *res;
	time_t now = time(NULL);
	int dfd = -1, lfd = -1, r, ret = AZKV_ERR_INTERNAL;

	if ((res = resource_normalize(resource)) == NULL)
		return seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
	identity_cache_key(ctx, res, key);
	if (ctx->token != NULL && strcmp(ctx->token->cache_key, key) == 0 &&
	    ctx->token->expires_on > now) {
		if (now < ctx->token->refresh_on) {
			if ((ret = token_dup(ctx->token, out)) != 0)
				seterr(ctx, ret, "out of memory");
			goto out;
		}
		if (token_dup(ctx->token, &old) != 0)
			old = NULL;
	}
	if (ctx->token_cache && (dfd = cachedir_open(ctx)) >= 0) {
		file_name(name, sizeof(name), key, ".tok");
		file_name(lockname, sizeof(lockname), key, ".lock");
		if (cache_read(ctx, dfd, name, res, &tok) == 0) {
			if (now < tok->refresh_on && tok->expires_on > now)
				goto found;
			keep_best(&old, tok, now);
			tok = NULL;
		}
		/* with a usable token in hand, do not queue behind a refresh */
		if ((lfd = cachefile_lock(ctx, dfd, lockname, old == NULL ||
		    old->expires_on - now <= SAFE_LEFT_S)) < -1) {
			if (old != NULL) {
				log_debug(ctx, "token cache: another process is "
				    "refreshing; using the cached token");
				tok = old;
				old = NULL;
				goto found;
			}
			ret = seterr(ctx, AZKV_ERR_TIMEOUT, "deadline passed "
			    "while waiting for another azkv process to fetch "
			    "a token");
			goto out;
		}
		/* Someone else may have fetched while we waited. */
		now = time(NULL);
		if (cache_read(ctx, dfd, name, res, &tok) == 0) {
			if (now < tok->refresh_on && tok->expires_on > now)
				goto found;
			keep_best(&old, tok, now);
			tok = NULL;
		}
	}
	if ((r = fetch(ctx, res, old, &tok)) != 0) {
		if (old != NULL && old->expires_on > time(NULL))
			goto use_old;
		ret = r;
		goto out;
	}
	if (dfd >= 0)
		cache_write(ctx, dfd, name, tok);
	goto found;
 use_old:
	log_debug(ctx, "token cache: refresh failed (%s); using the cached "
	    "token, valid for %lld s more", ctx->errbuf,
	    (long long)(old->expires_on - time(NULL)));
	now = time(NULL);
	if (old->expires_on > now + REFRESH_RETRY_S)
		old->refresh_on = now + REFRESH_RETRY_S;
	else
		old->refresh_on = now;
	if (dfd >= 0 && lfd >= 0)
		cache_write(ctx, dfd, name, old);
	tok = old;
	old = NULL;
 found:
	memory_store(ctx, tok, key);
	*out = tok;
	tok = NULL;
	ret = 0;
 out:
	if (lfd >= 0)
		close(lfd);
	if (dfd >= 0)
		close(dfd);
	azkv_token_free(tok);
	azkv_token_free(old);
	free(res);
	return ret;
}

void
tokencache_drop(struct azkv *ctx, const char *resource)
{
	char key[65], name[80];
	char *res;
	int dfd;

	if ((res = resource_normalize(resource)) == NULL)
		return;
	identity_cache_key(ctx, res, key);
	if (ctx->token != NULL && strcmp(ctx->token->cache_key, key) == 0) {
		azkv_token_free(ctx->token);
		ctx->token = NULL;
	}
	if (ctx->token_cache && (dfd = cachedir_open(ctx)) >= 0) {
		file_name(name, sizeof(name), key, ".tok");
		if (unlinkat(dfd, name, 0) == 0)
			log_debug(ctx, "token cache: dropped %s", name);
		close(dfd);
	}
	free(res);
}

int
azkv_token_get(struct azkv *ctx, const char *resource,
    struct azkv_token **out)
{
	int started = ctx->deadline == 0, r;

	if (resource == NULL)
		resource = ctx->resource != NULL ? ctx->resource :
		    AZKV_VAULT_RESOURCE;
	ctx_deadline_start(ctx);
	r = tokencache_get(ctx, resource, out);
	if (started)
		ctx_deadline_clear(ctx);
	return r;
}
