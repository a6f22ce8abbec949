/* client.c: the context: creation, settings, error text, deadline, wiping. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/resource.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "azkv-int.h"

void
azkv_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	{
		static void *(*const volatile memset_v)(void *, int, size_t) =
		    memset;
		memset_v(p, 0, n);
	}
#endif
}

void
azkv_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	azkv_wipe(p, n);
	free(p);
}

int
azkv_harden_process(void)
{
	struct rlimit rl = { 0, 0 };
	int ret = 0;

	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		ret = AZKV_ERR_IO;
#ifdef HAVE_SYS_PRCTL_H
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		ret = AZKV_ERR_IO;
#endif
	return ret;
}

const char *
azkv_strerror(int err)
{
	switch (err) {
	case AZKV_OK:			return "success";
	case AZKV_ERR_INTERNAL:		return "internal error";
	case AZKV_ERR_NOMEM:		return "out of memory";
	case AZKV_ERR_USAGE:		return "invalid argument";
	case AZKV_ERR_CONFIG:		return "configuration error";
	case AZKV_ERR_NOTFOUND:		return "secret not found";
	case AZKV_ERR_DENIED:		return "access denied";
	case AZKV_ERR_DISABLED:		return "secret disabled or not valid now";
	case AZKV_ERR_NOIDENTITY:	return "no managed identity available";
	case AZKV_ERR_NETWORK:		return "network error";
	case AZKV_ERR_TIMEOUT:		return "deadline exceeded";
	case AZKV_ERR_PROTOCOL:		return "malformed reply";
	case AZKV_ERR_UNTRUSTED:	return "host not trusted with a token";
	case AZKV_ERR_CONFLICT:		return "conflict";
	case AZKV_ERR_THROTTLED:	return "throttled";
	case AZKV_ERR_SERVER:		return "server error";
	case AZKV_ERR_IO:		return "input/output error";
	}
	return "unknown error";
}

int
azkv_exit_code(int err)
{
	switch (err) {
	case AZKV_OK:			return AZKV_EXIT_OK;
	case AZKV_ERR_USAGE:
	case AZKV_ERR_CONFIG:		return AZKV_EXIT_USAGE;
	case AZKV_ERR_NOTFOUND:		return AZKV_EXIT_NOTFOUND;
	case AZKV_ERR_DENIED:
	case AZKV_ERR_DISABLED:		return AZKV_EXIT_DENIED;
	case AZKV_ERR_NOIDENTITY:	return AZKV_EXIT_NOIDENTITY;
	}
	return AZKV_EXIT_RUNTIME;
}

/* Set the timeout and its text for azkv_get(). */
static void
timeout_set(struct azkv *ctx, int seconds)
{
	ctx->timeout = seconds;
	snprintf(ctx->timeout_text, sizeof(ctx->timeout_text), "%d", seconds);
}

struct azkv *
azkv_new(void)
{
	struct azkv *ctx;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return NULL;
	timeout_set(ctx, AZKV_DEFAULT_TIMEOUT);
	ctx->token_cache = 1;
	return ctx;
}

static void
env_release(struct azkv *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nenv; i++)
		azkv_freezero(ctx->env[i], strlen(ctx->env[i]));
	free(ctx->env);
	ctx->env = NULL;
	ctx->nenv = 0;
}

static void
challenge_release(struct vault_challenge *c)
{
	free(c->vault_host);
	free(c->resource);
	free(c->tenant);
	memset(c, 0, sizeof(*c));
}

void
azkv_free(struct azkv *ctx)
{
	if (ctx == NULL)
		return;
	http_cleanup(ctx);
	azkv_token_free(ctx->token);
	challenge_release(&ctx->challenge);
	config_release(ctx);
	env_release(ctx);
	free(ctx->vault);
	free(ctx->identity);
	free(ctx->identity_source);
	free(ctx->cafile);
	free(ctx->api_version);
	free(ctx->allow_vault_host);
	free(ctx->resource);
	azkv_freezero(ctx, sizeof(*ctx));
}

const char *
azkv_last_error(const struct azkv *ctx)
{
	if (ctx == NULL || ctx->errbuf[0] == '\0')
		return "no error";
	return ctx->errbuf;
}

int
seterr(struct azkv *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	if (ctx == NULL)
		return err;
	va_start(ap, fmt);
	vsnprintf(ctx->errbuf, sizeof(ctx->errbuf), fmt, ap);
	va_end(ap);
	return err;
}

void
azkv_debug(const struct azkv *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx == NULL || !ctx->debug)
		return;
	va_start(ap, fmt);
	fputs("azkv: debug: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *
ctx_env(const struct azkv *ctx, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < ctx->nenv; i++) {
		if (strncmp(ctx->env[i], name, n) == 0 &&
		    ctx->env[i][n] == '=')
			return ctx->env[i][n + 1] ? ctx->env[i] + n + 1 : NULL;
	}
	return NULL;
}

static int
env_set(struct azkv *ctx, const char *name, const char *value)
{
	size_t i, n = strlen(name), len;
	char *entry, **nenv;

	for (i = 0; i < ctx->nenv; i++) {
		if (strncmp(ctx->env[i], name, n) == 0 &&
		    ctx->env[i][n] == '=') {
			azkv_freezero(ctx->env[i], strlen(ctx->env[i]));
			ctx->env[i] = ctx->env[--ctx->nenv];
			ctx->env[ctx->nenv] = NULL;
			break;
		}
	}
	if (value == NULL)
		return 0;
	len = n + strlen(value) + 2;
	if ((entry = malloc(len)) == NULL)
		return AZKV_ERR_NOMEM;
	snprintf(entry, len, "%s=%s", name, value);
	if ((nenv = calloc(ctx->nenv + 2, sizeof(*nenv))) == NULL) {
		azkv_freezero(entry, len);
		return AZKV_ERR_NOMEM;
	}
	if (ctx->nenv)
		memcpy(nenv, ctx->env, ctx->nenv * sizeof(*nenv));
	free(ctx->env);
	ctx->env = nenv;
	ctx->env[ctx->nenv++] = entry;
	return 0;
}

/* Parse a boolean the way git does. -1 when not a boolean. */
static int
parse_bool(const char *v)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off", "" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	return -1;
}

static int
set_string(char **slot, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return AZKV_ERR_NOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

static const char *const sources[] = {
	"auto", "imds", "appservice", "arc", "azureml", "cloudshell",
	"servicefabric", "workload",
};

/* Every word of a comma/space separated list names a known source. */
static int
sources_valid(const char *list)
{
	char word[32];
	size_t i, n;
	const char *p = list;

	while (*p != '\0') {
		p += strspn(p, ", \t");
		if ((n = strcspn(p, ", \t")) == 0)
			break;
		if (n >= sizeof(word))
			return 0;
		memcpy(word, p, n);
		word[n] = '\0';
		for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
			if (strcasecmp(word, sources[i]) == 0)
				break;
		if (i == sizeof(sources) / sizeof(sources[0]))
			return 0;
		p += n;
	}
	return 1;
}

int
azkv_set(struct azkv *ctx, const char *key, const char *value)
{
	char *end;
	long n;
	int b;

	if (strncmp(key, "env.", 4) == 0 && key[4] != '\0')
		return env_set(ctx, key + 4, value);
	if (strcmp(key, "vault") == 0)
		return set_string(&ctx->vault, value);
	if (strcmp(key, "identity") == 0)
		return set_string(&ctx->identity, value);
	if (strcmp(key, "cafile") == 0)
		return set_string(&ctx->cafile, value);
	if (strcmp(key, "api-version") == 0)
		return set_string(&ctx->api_version, value);
	if (strcmp(key, "allow-vault-host") == 0)
		return set_string(&ctx->allow_vault_host, value);
	if (strcmp(key, "resource") == 0)
		return set_string(&ctx->resource, value);
	if (strcmp(key, "identity.source") == 0) {
		if (value != NULL && !sources_valid(value))
			return seterr(ctx, AZKV_ERR_USAGE,
			    "invalid identity source list '%.64s'", value);
		return set_string(&ctx->identity_source, value);
	}
	if (strcmp(key, "timeout") == 0) {
		if (value == NULL) {
			timeout_set(ctx, AZKV_DEFAULT_TIMEOUT);
			return 0;
		}
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || n < 1 ||
		    n > 86400)
			return seterr(ctx, AZKV_ERR_USAGE,
			    "invalid timeout '%.32s' (seconds, 1-86400)", value);
		timeout_set(ctx, (int)n);
		return 0;
	}
	if (strcmp(key, "token-cache") == 0 || strcmp(key, "debug") == 0) {
		b = value == NULL ? (key[0] == 't') : parse_bool(value);
		if (b < 0)
			return seterr(ctx, AZKV_ERR_USAGE,
			    "invalid boolean '%.32s' for %s", value, key);
		if (key[0] == 't')
			ctx->token_cache = b;
		else
			ctx->debug = b;
		return 0;
	}
	return seterr(ctx, AZKV_ERR_USAGE, "unknown setting '%.64s'", key);
}

const char *
azkv_get(const struct azkv *ctx, const char *key)
{
	if (strncmp(key, "env.", 4) == 0)
		return ctx_env(ctx, key + 4);
	if (strcmp(key, "vault") == 0)
		return ctx->vault;
	if (strcmp(key, "identity") == 0)
		return ctx->identity;
	if (strcmp(key, "identity.source") == 0)
		return ctx->identity_source;
	if (strcmp(key, "cafile") == 0)
		return ctx->cafile;
	if (strcmp(key, "api-version") == 0)
		return ctx->api_version;
	if (strcmp(key, "allow-vault-host") == 0)
		return ctx->allow_vault_host;
	if (strcmp(key, "resource") == 0)
		return ctx->resource;
	if (strcmp(key, "timeout") == 0)
		return ctx->timeout_text;
	if (strcmp(key, "token-cache") == 0)
		return ctx->token_cache ? "on" : "off";
	if (strcmp(key, "debug") == 0)
		return ctx->debug ? "on" : "off";
	return NULL;
}

void
ctx_deadline_start(struct azkv *ctx)
{
	if (ctx->deadline == 0)
		ctx->deadline = time(NULL) + ctx->timeout;
}

void
ctx_deadline_clear(struct azkv *ctx)
{
	ctx->deadline = 0;
}

long
ctx_ms_left(const struct azkv *ctx)
{
	struct timespec ts;
	long long left;

	if (ctx->deadline == 0)
		return (long)ctx->timeout * 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	left = ((long long)ctx->deadline - ts.tv_sec) * 1000 -
	    ts.tv_nsec / 1000000;
	if (left < 0)
		return 0;
	return left > LONG_MAX ? LONG_MAX : (long)left;
}
