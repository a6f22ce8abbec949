/* vault-challenge.c: which token resource each vault host asked for, in memory and on disk. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

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

/*
 * The per-user cache directory, with the rules of tokencache.c:
 * $XDG_RUNTIME_DIR/azkv (when that is our directory) or ~/.cache/azkv,
 * a real directory, ours, mode 0700. -1 when unusable.
 */
static int
cache_dir_open(struct azkv *ctx)
{
	const char *xdg = ctx_env(ctx, "XDG_RUNTIME_DIR");
	const char *home = ctx_env(ctx, "HOME");
	struct stat st;
	int bfd = -1, hfd, fd;

	if (!ctx->token_cache)
		return -1;
	if (xdg != NULL && xdg[0] == '/' && stat(xdg, &st) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_uid == geteuid())
		bfd = open(xdg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (home != NULL && home[0] == '/' &&
	    (hfd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (mkdirat(hfd, ".cache", 0700) != 0 && errno != EEXIST)
			log_debug(ctx, "vault: cannot create ~/.cache: %s",
			    strerror(errno));
		bfd = openat(hfd, ".cache", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		close(hfd);
	}
	if (bfd < 0)
		return -1;
	(void)mkdirat(bfd, "azkv", 0700);
	fd = openat(bfd, "azkv", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	close(bfd);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		log_debug(ctx, "vault: the cache directory is untrusted; "
		    "not using the challenge cache");
		close(fd);
		return -1;
	}
	return fd;
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
	char name[128], data[CHALLENGE_FILE_MAX + 1], err[64];
	const char *h, *res, *ten;
	struct stat st;
	json_t root = NULL;
	ssize_t n;
	size_t len = 0;
	int dfd, fd = -1, ret = -1;

	if ((dfd = cache_dir_open(ctx)) < 0)
		return -1;
	if (cache_name(host, name, sizeof(name)) != 0 ||
	    (fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) < 0)
		goto out;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 07777) != 0600 ||
	    st.st_nlink != 1 || st.st_size > CHALLENGE_FILE_MAX) {
		log_debug(ctx, "vault: ignoring untrusted challenge cache %s",
		    name);
		goto out;
	}
	while (len < CHALLENGE_FILE_MAX) {
		n = read(fd, data + len, CHALLENGE_FILE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if ((root = json_parse(data, len, err, sizeof(err))) == NULL ||
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
	if (fd >= 0)
		close(fd);
	close(dfd);
	return ret;
}

static int
gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) ==
	    yajl_gen_status_ok ? 0 : -1;
}

/* Write ctx->challenge to its cache file: temp file 0600 + rename. */
static void
cache_save(struct azkv *ctx)
{
	const struct vault_challenge *c = &ctx->challenge;
	const unsigned char *text;
	char name[128], tmp[192];
	unsigned char rnd[8];
	size_t len, off = 0;
	ssize_t n;
	yajl_gen g;
	int dfd, fd = -1, done = 0;

	tmp[0] = '\0';
	if ((dfd = cache_dir_open(ctx)) < 0)
		return;
	if ((g = yajl_gen_alloc(json_alloc_funcs())) == NULL)
		goto out;
	if (cache_name(c->vault_host, name, sizeof(name)) != 0 ||
	    yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_str(g, "host") || gen_str(g, c->vault_host) ||
	    gen_str(g, "resource") || gen_str(g, c->resource) ||
	    (c->tenant != NULL && (gen_str(g, "tenant") ||
	    gen_str(g, c->tenant))) ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok ||
	    yajl_gen_get_buf(g, &text, &len) != yajl_gen_status_ok)
		goto out;
	if (getentropy(rnd, sizeof(rnd)) != 0)
		memset(rnd, 0, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%02x%02x%02x%02x", name,
	    (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3]);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0 || fchmod(fd, 0600) != 0)
		goto out;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) < 0 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, name) != 0)
		goto out;
	done = 1;
	log_debug(ctx, "vault: stored the challenge of %s in %s",
	    c->vault_host, name);
 out:
	if (fd >= 0)
		close(fd);
	if (!done && tmp[0] != '\0') {
		unlinkat(dfd, tmp, 0);
		log_debug(ctx, "vault: cannot write the challenge cache");
	}
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
