/* tokencache.c: in-process and per-user cross-process token cache. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "azkv-int.h"
#include "identity-int.h"

#define CACHE_FILE_MAX		(64 * 1024)
#define LOCK_POLL_MS		50L
#define REFRESH_RETRY_S		30	/* after a failed proactive refresh */
#define REFRESH_BUDGET_S	20	/* time a proactive refresh may take */
#define SAFE_LEFT_S		300	/* below this, refresh with full time */

/*
 * Open (creating) the per-user cache directory and check it: a real
 * directory, ours, no group/world access. -1 (logged) when unusable.
 */
static int
cache_dir_open(struct azkv *ctx)
{
	const char *xdg = ctx_env(ctx, "XDG_RUNTIME_DIR");
	const char *home = ctx_env(ctx, "HOME");
	struct stat st;
	char where[1100];
	int bfd = -1, cfd, fd = -1;
	uid_t uid = geteuid();

	if (xdg != NULL && xdg[0] == '/' && stat(xdg, &st) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_uid == uid) {
		bfd = open(xdg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		snprintf(where, sizeof(where), "%.1000s/azkv", xdg);
	} else if (home != NULL && home[0] == '/') {
		cfd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd >= 0 && (fstat(cfd, &st) != 0 || st.st_uid != uid)) {
			/* e.g. root with another user's HOME: leave it alone */
			log_debug(ctx, "token cache: %.200s is not our home "
			    "directory; working without the disk cache", home);
			close(cfd);
			return -1;
		}
		if (cfd >= 0) {
			if (mkdirat(cfd, ".cache", 0700) != 0 && errno != EEXIST)
				log_debug(ctx, "token cache: cannot create "
				    "%.200s/.cache: %s", home, strerror(errno));
			bfd = openat(cfd, ".cache", O_RDONLY | O_DIRECTORY |
			    O_CLOEXEC);
			close(cfd);
		}
		snprintf(where, sizeof(where), "%.1000s/.cache/azkv", home);
	} else {
		log_debug(ctx, "token cache: neither XDG_RUNTIME_DIR nor HOME "
		    "is usable; working without the disk cache");
		return -1;
	}
	if (bfd < 0) {
		log_debug(ctx, "token cache: cannot open the parent of %s: %s; "
		    "working without the disk cache", where, strerror(errno));
		return -1;
	}
	if (mkdirat(bfd, "azkv", 0700) != 0 && errno != EEXIST)
		log_debug(ctx, "token cache: cannot create %s: %s", where,
		    strerror(errno));
	fd = openat(bfd, "azkv", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	close(bfd);
	if (fd < 0) {
		log_debug(ctx, "token cache: cannot open %s: %s; working "
		    "without the disk cache", where, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != uid ||
	    (st.st_mode & 077) != 0) {
		log_debug(ctx, "token cache: %s is untrusted (owner %ld, mode "
		    "%03o; need ours and 0700); working without the disk "
		    "cache", where, (long)st.st_uid,
		    (unsigned int)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	return fd;
}

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

/*
 * Read the cache file if it can be trusted: regular, ours, mode 0600,
 * one link, bounded size, well-formed, for this resource.
 */
static int
cache_read(struct azkv *ctx, int dfd, const char *name, const char *res,
    struct azkv_token **out)
{
	struct stat st;
	struct buf b;
	char chunk[1024];
	ssize_t n;
	int fd, ret = -1;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			log_debug(ctx, "token cache: ignoring %s: %s", name,
			    errno == ELOOP ? "a symbolic link" :
			    strerror(errno));
		return -1;
	}
	buf_init(&b, CACHE_FILE_MAX);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 07777) != 0600 ||
	    st.st_nlink != 1 || st.st_size > CACHE_FILE_MAX) {
		log_debug(ctx, "token cache: ignoring untrusted %s (type, "
		    "owner %ld, mode %04o, links or size)", name,
		    (long)st.st_uid, (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_append(&b, chunk, (size_t)n) != 0) {
			n = -1;
			break;
		}
	}
	if (n < 0 || cache_parse(b.d, b.len, res, out) != 0) {
		log_debug(ctx, "token cache: ignoring unreadable or corrupt %s",
		    name);
		goto out;
	}
	ret = 0;
 out:
	azkv_wipe(chunk, sizeof(chunk));
	buf_release(&b);
	close(fd);
	return ret;
}

static int
gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) ==
	    yajl_gen_status_ok ? 0 : -1;
}

/* The cache document for tok, in a wiping yajl generator. */
static int
cache_render(yajl_gen g, const struct azkv_token *tok)
{
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_str(g, "v") || yajl_gen_integer(g, 1) != yajl_gen_status_ok ||
	    gen_str(g, "source") || gen_str(g, tok->source ? tok->source : "") ||
	    gen_str(g, "resource") || gen_str(g, tok->resource) ||
	    gen_str(g, "expires_on") ||
	    yajl_gen_integer(g, (long long)tok->expires_on) !=
	    yajl_gen_status_ok ||
	    gen_str(g, "refresh_on") ||
	    yajl_gen_integer(g, (long long)tok->refresh_on) !=
	    yajl_gen_status_ok ||
	    gen_str(g, "token") || gen_str(g, tok->value) ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok)
		return -1;
	return 0;
}

/* Write by temp file (0600, O_EXCL) + fsync + rename over name. */
static void
cache_write(struct azkv *ctx, int dfd, const char *name,
    const struct azkv_token *tok)
{
	yajl_gen g;
	const unsigned char *text;
	size_t len, off = 0;
	ssize_t n;
	char tmp[160];
	unsigned int rnd;
	int fd = -1, ok = 0;

	tmp[0] = '\0';
	if ((g = yajl_gen_alloc(json_alloc_funcs())) == NULL)
		return;
	if (cache_render(g, tok) != 0 ||
	    yajl_gen_get_buf(g, &text, &len) != yajl_gen_status_ok)
		goto out;
	rnd = (unsigned int)time(NULL) ^ ((unsigned int)getpid() << 8) ^
	    (unsigned int)(uintptr_t)&rnd;
	snprintf(tmp, sizeof(tmp), "%.100s.tmp.%ld.%08x", name,
	    (long)getpid(), rnd);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0) {
		log_debug(ctx, "token cache: cannot create %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0)
		goto out;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, name) != 0) {
		log_debug(ctx, "token cache: cannot replace %s: %s", name,
		    strerror(errno));
		goto out;
	}
	ok = 1;
	log_debug(ctx, "token cache: stored %s", name);
 out:
	if (fd >= 0)
		close(fd);
	if (!ok && tmp[0] != '\0')
		unlinkat(dfd, tmp, 0);
	yajl_gen_free(g);
}

/*
 * Take the per-key herd lock, waiting (bounded by the deadline) while
 * another process fetches (only when wait is set). Returns the fd, -1 to
 * go on unlocked, or AZKV_ERR_TIMEOUT (< -1) when the lock stayed busy.
 */
static int
cache_lock(struct azkv *ctx, int dfd, const char *name, int wait)
{
	struct stat st;
	int fd, waited = 0;

	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK, 0600);
	if (fd < 0) {
		log_debug(ctx, "token cache: cannot open lock %s: %s", name,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		log_debug(ctx, "token cache: ignoring untrusted lock %s", name);
		close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return -1;
		}
		if (!wait) {
			close(fd);
			return AZKV_ERR_TIMEOUT;
		}
		if (!waited++)
			log_debug(ctx, "token cache: waiting for another "
			    "process fetching the token");
		if (ctx_ms_left(ctx) == 0 ||
		    http_sleep(ctx, LOCK_POLL_MS) != 0) {
			close(fd);
			return AZKV_ERR_TIMEOUT;
		}
	}
	return fd;
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
	if (ctx->token_cache && (dfd = cache_dir_open(ctx)) >= 0) {
		file_name(name, sizeof(name), key, ".tok");
		file_name(lockname, sizeof(lockname), key, ".lock");
		if (cache_read(ctx, dfd, name, res, &tok) == 0) {
			if (now < tok->refresh_on && tok->expires_on > now)
				goto found;
			keep_best(&old, tok, now);
			tok = NULL;
		}
		/* with a usable token in hand, do not queue behind a refresh */
		if ((lfd = cache_lock(ctx, dfd, lockname, old == NULL ||
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
	if (ctx->token_cache && (dfd = cache_dir_open(ctx)) >= 0) {
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
