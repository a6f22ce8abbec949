/* vault-url.c: vault and secret addressing, request URLs, which hosts get a token. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "vault-int.h"

#define HOST_MAX	253

/* Key Vault DNS suffixes and the token resource each one belongs to. */
static const struct vault_suffix {
	const char	*suffix;	/* with its leading dot */
	const char	*resource;
} vault_suffixes[] = {
	{ ".vault.azure.net",		"https://vault.azure.net" },
	{ ".vault.azure.cn",		"https://vault.azure.cn" },
	{ ".vault.usgovcloudapi.net",	"https://vault.usgovcloudapi.net" },
	{ ".managedhsm.azure.net",	"https://managedhsm.azure.net" },
};

int
vault_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 3 || n > 24 || !isalpha((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '-') {
			if (s[i + 1] == '-')
				return 0;
		} else if (!isalnum((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

int
vault_version_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= VAULT_VERSION_LEN || !isxdigit((unsigned char)s[i]))
			return 0;
	return i == VAULT_VERSION_LEN;
}

/*
 * Lower-case a DNS host name into out and drop one trailing dot. Labels
 * must be non-empty [a-z0-9_-]; a bracketed IPv6 literal is kept as is.
 */
static int
host_norm(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t i, label = 0;

	if (inlen > 0 && in[inlen - 1] == '.' && in[0] != '[')
		inlen--;
	if (inlen == 0 || inlen > HOST_MAX || inlen >= outlen)
		return -1;
	if (in[0] == '[') {
		if (in[inlen - 1] != ']' || inlen < 3)
			return -1;
		for (i = 1; i < inlen - 1; i++)
			if (!isxdigit((unsigned char)in[i]) && in[i] != ':' &&
			    in[i] != '.')
				return -1;
		memcpy(out, in, inlen);
		out[inlen] = '\0';
		for (i = 0; i < inlen; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
		return 0;
	}
	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_')
			label++;
		else
			return -1;
		out[i] = (char)tolower(c);
	}
	if (label == 0)
		return -1;
	out[inlen] = '\0';
	return 0;
}

/* The suffix entry a normalised host is one label under, or NULL. */
static const struct vault_suffix *
suffix_of(const char *host)
{
	size_t i, n = strlen(host), sl;

	for (i = 0; i < sizeof(vault_suffixes) / sizeof(vault_suffixes[0]);
	    i++) {
		sl = strlen(vault_suffixes[i].suffix);
		if (n <= sl || strcmp(host + n - sl,
		    vault_suffixes[i].suffix) != 0)
			continue;
		/* exactly one label, the vault name, before the suffix */
		if (memchr(host, '.', n - sl) != NULL)
			return NULL;
		return &vault_suffixes[i];
	}
	return NULL;
}

const char *
vault_known_resource(const char *host)
{
	const struct vault_suffix *s;
	char h[HOST_MAX + 1];

	if (host_norm(host, strlen(host), h, sizeof(h)) != 0 ||
	    (s = suffix_of(h)) == NULL)
		return NULL;
	return s->resource;
}

/* host (normalised) is named in the comma/space separated allow-list. */
static int
host_listed(const char *list, const char *host)
{
	char h[HOST_MAX + 1];
	const char *p = list, *colon;
	size_t n, hl;

	while (list != NULL && *p != '\0') {
		p += strspn(p, ", \t");
		if ((n = strcspn(p, ", \t")) == 0)
			break;
		hl = n;
		/* "host:port" entries name the host */
		if (p[0] != '[' && (colon = memchr(p, ':', n)) != NULL)
			hl = (size_t)(colon - p);
		else if (p[0] == '[' && (colon = memchr(p, ']', n)) != NULL)
			hl = (size_t)(colon - p) + 1;
		if (host_norm(p, hl, h, sizeof(h)) == 0 &&
		    strcmp(h, host) == 0)
			return 1;
		p += n;
	}
	return 0;
}

int
vault_host_allowed(const struct azkv *ctx, const char *host)
{
	char h[HOST_MAX + 1];

	if (host == NULL || host_norm(host, strlen(host), h, sizeof(h)) != 0)
		return 0;
	return suffix_of(h) != NULL || host_listed(ctx->allow_vault_host, h);
}

/* Host of an https resource URL without userinfo, port, path or query. */
static int
resource_host(const char *resource, char *out, size_t outlen)
{
	CURLU *u;
	char *part = NULL;
	int ret = -1;

	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, resource, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &part, 0) != CURLUE_OK ||
	    strcmp(part, "https") != 0)
		goto out;
	curl_free(part);
	part = NULL;
	if (curl_url_get(u, CURLUPART_USER, &part, 0) != CURLUE_NO_USER ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) !=
	    CURLUE_NO_PASSWORD ||
	    curl_url_get(u, CURLUPART_PORT, &part, 0) != CURLUE_NO_PORT ||
	    curl_url_get(u, CURLUPART_QUERY, &part, 0) != CURLUE_NO_QUERY ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) !=
	    CURLUE_NO_FRAGMENT)
		goto out;
	if (curl_url_get(u, CURLUPART_PATH, &part, 0) != CURLUE_OK ||
	    strcmp(part, "/") != 0)
		goto out;
	curl_free(part);
	part = NULL;
	if (curl_url_get(u, CURLUPART_HOST, &part, 0) != CURLUE_OK ||
	    host_norm(part, strlen(part), out, outlen) != 0)
		goto out;
	ret = 0;
 out:
	curl_free(part);
	curl_url_cleanup(u);
	return ret;
}

int
vault_host_trusted(const struct azkv *ctx, const char *host,
    const char *resource)
{
	const struct vault_suffix *s;
	char h[HOST_MAX + 1], rh[HOST_MAX + 1];
	size_t hl, rl, i;

	if (host == NULL || resource == NULL ||
	    host_norm(host, strlen(host), h, sizeof(h)) != 0 ||
	    resource_host(resource, rh, sizeof(rh)) != 0)
		return 0;
	if ((s = suffix_of(h)) != NULL) {
		/* a real vault: only its own cloud's Key Vault resource */
		return strcmp(rh, s->resource + strlen("https://")) == 0;
	}
	if (!host_listed(ctx->allow_vault_host, h))
		return 0;
	/*
	 * A host the user named (an emulator, a proxy) may get a token for
	 * a resource it is under, or for Key Vault itself; never for any
	 * other service.
	 */
	hl = strlen(h);
	rl = strlen(rh);
	if (hl > rl + 1 && h[hl - rl - 1] == '.' &&
	    strcmp(h + hl - rl, rh) == 0)
		return 1;
	for (i = 0; i < sizeof(vault_suffixes) / sizeof(vault_suffixes[0]);
	    i++)
		if (strcmp(rh, vault_suffixes[i].suffix + 1) == 0)
			return 1;
	return 0;
}

/* ---- vault and secret URLs ---- */

/* Parse an https URL with no userinfo, query or fragment into *out. */
static int
https_url(struct azkv *ctx, const char *what, const char *s, CURLU **out)
{
	CURLU *u;
	char *part = NULL;
	CURLUcode rc;
	int ret = AZKV_ERR_USAGE;

	if ((u = curl_url()) == NULL)
		return seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
	if ((rc = curl_url_set(u, CURLUPART_URL, s, 0)) != CURLUE_OK) {
		seterr(ctx, AZKV_ERR_USAGE, "invalid %s: %s", what,
		    curl_url_strerror(rc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &part, 0) != CURLUE_OK ||
	    strcmp(part, "https") != 0) {
		seterr(ctx, AZKV_ERR_USAGE, "invalid %s: only https:// is "
		    "allowed, a token is never sent in clear", what);
		goto out;
	}
	curl_free(part);
	part = NULL;
	if (curl_url_get(u, CURLUPART_USER, &part, 0) != CURLUE_NO_USER ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) !=
	    CURLUE_NO_PASSWORD) {
		seterr(ctx, AZKV_ERR_USAGE, "invalid %s: user names and "
		    "passwords are not allowed in it", what);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) != CURLUE_NO_QUERY ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) !=
	    CURLUE_NO_FRAGMENT) {
		seterr(ctx, AZKV_ERR_USAGE, "invalid %s: no query (?) or "
		    "fragment (#) is allowed", what);
		goto out;
	}
	*out = u;
	u = NULL;
	ret = 0;
 out:
	curl_free(part);
	curl_url_cleanup(u);
	return ret;
}

/* Fill t->host and t->base (path "/") from a parsed URL. */
static int
target_base(struct azkv *ctx, const char *what, CURLU *u,
    struct vault_target *t)
{
	char h[HOST_MAX + 1], *part = NULL;
	int ret = AZKV_ERR_USAGE;

	if (curl_url_get(u, CURLUPART_HOST, &part, 0) != CURLUE_OK ||
	    host_norm(part, strlen(part), h, sizeof(h)) != 0) {
		seterr(ctx, AZKV_ERR_USAGE, "invalid %s: bad host name", what);
		goto out;
	}
	if ((t->base = curl_url_dup(u)) == NULL ||
	    curl_url_set(t->base, CURLUPART_HOST, h, 0) != CURLUE_OK ||
	    curl_url_set(t->base, CURLUPART_PATH, "/", 0) != CURLUE_OK ||
	    (t->host = strdup(h)) == NULL) {
		ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = 0;
 out:
	curl_free(part);
	return ret;
}

/* "https://host[:port]" of t->base, for messages. */
static int
target_display_url(struct azkv *ctx, struct vault_target *t)
{
	char *s = NULL;
	size_t n;

	if (curl_url_get(t->base, CURLUPART_URL, &s, 0) != CURLUE_OK)
		return seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
	n = strlen(s);
	if (n > 0 && s[n - 1] == '/')
		n--;
	t->display = strndup(s, n);
	curl_free(s);
	return t->display ? 0 : seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
}

/* Split "/secrets/NAME[/VERSION][/]" into t->name and t->version. */
static int
secret_path(struct azkv *ctx, const char *path, struct vault_target *t)
{
	const char *p = path, *seg[3];
	size_t len[3], nseg = 0, n;

	while (*p == '/' && nseg < 3) {
		p++;
		n = strcspn(p, "/");
		if (n == 0 && *p == '\0')
			break;		/* one trailing slash */
		if (n == 0)
			goto bad;
		seg[nseg] = p;
		len[nseg++] = n;
		p += n;
	}
	if (p[0] == '/' && p[1] == '\0')
		p++;
	if (*p != '\0' || nseg < 2 || len[0] != 7 ||
	    strncasecmp(seg[0], "secrets", 7) != 0)
		goto bad;
	if ((t->name = strndup(seg[1], len[1])) == NULL ||
	    (nseg == 3 && (t->version = strndup(seg[2], len[2])) == NULL))
		return seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
	if (!azkv_secret_name_valid(t->name))
		return seterr(ctx, AZKV_ERR_USAGE, "invalid secret URL: the "
		    "secret name must be 1-127 letters, digits and '-'");
	if (t->version != NULL && !vault_version_valid(t->version))
		return seterr(ctx, AZKV_ERR_USAGE, "invalid secret URL: a "
		    "version is 32 hexadecimal digits");
	return 0;
 bad:
	return seterr(ctx, AZKV_ERR_USAGE, "invalid secret URL: expected "
	    "https://VAULT/secrets/NAME or https://VAULT/secrets/NAME/VERSION");
}

/* The vault setting: a vault name, a host name or an https URL. */
static int
vault_setting(struct azkv *ctx, const char *vault, struct vault_target *t)
{
	CURLU *u = NULL;
	char host[64], *path = NULL;
	int r, ret = AZKV_ERR_USAGE;

	if (vault == NULL || *vault == '\0')
		return seterr(ctx, AZKV_ERR_USAGE, "no vault given: use "
		    "--vault NAME, AZKV_VAULT or a full secret URL");
	if (strstr(vault, "://") != NULL) {
		if ((r = https_url(ctx, "vault URL", vault, &u)) != 0)
			return r;
		if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
		    strcmp(path, "/") != 0) {
			seterr(ctx, AZKV_ERR_USAGE, "invalid vault URL: it "
			    "must not have a path (use a full secret URL "
			    "instead of --vault)");
			goto out;
		}
	} else {
		if (vault_name_valid(vault)) {
			r = snprintf(host, sizeof(host), "%s%s", vault,
			    vault_suffixes[0].suffix);
			if (r < 0 || (size_t)r >= sizeof(host))
				return seterr(ctx, AZKV_ERR_INTERNAL,
				    "vault host name too long");
		} else if (strchr(vault, '.') == NULL ||
		    strlen(vault) >= sizeof(host) ||
		    strspn(vault, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
		    strlen(vault))
			return seterr(ctx, AZKV_ERR_USAGE, "invalid vault name "
			    "'%.64s': use 3-24 letters, digits and single "
			    "hyphens starting with a letter, a host name, or "
			    "an https:// URL", vault);
		else
			snprintf(host, sizeof(host), "%s", vault);
		if ((u = curl_url()) == NULL ||
		    curl_url_set(u, CURLUPART_SCHEME, "https", 0) !=
		    CURLUE_OK) {
			ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (curl_url_set(u, CURLUPART_HOST, host, 0) != CURLUE_OK) {
			seterr(ctx, AZKV_ERR_USAGE, "invalid vault name "
			    "'%.64s'", vault);
			goto out;
		}
	}
	if ((r = target_base(ctx, "vault", u, t)) != 0) {
		ret = r;
		goto out;
	}
	if ((t->display = strdup(vault)) == NULL) {
		ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = 0;
 out:
	curl_free(path);
	curl_url_cleanup(u);
	return ret;
}

int
vault_target_init(struct azkv *ctx, const char *name, const char *version,
    struct vault_target *t)
{
	CURLU *u = NULL;
	char *path = NULL;
	int r, ret = AZKV_ERR_USAGE;

	memset(t, 0, sizeof(*t));
	if (name == NULL || *name == '\0') {
		seterr(ctx, AZKV_ERR_USAGE, "no secret name given");
		goto out;
	}
	if (strstr(name, "://") != NULL) {
		if ((r = https_url(ctx, "secret URL", name, &u)) != 0) {
			ret = r;
			goto out;
		}
		if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
			ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((r = secret_path(ctx, path, t)) != 0 ||
		    (r = target_base(ctx, "secret URL", u, t)) != 0 ||
		    (r = target_display_url(ctx, t)) != 0) {
			ret = r;
			goto out;
		}
	} else {
		if (!azkv_secret_name_valid(name)) {
			seterr(ctx, AZKV_ERR_USAGE, "invalid secret name "
			    "'%.64s': use 1-127 letters, digits and '-'",
			    name);
			goto out;
		}
		if ((r = vault_setting(ctx, ctx->vault, t)) != 0) {
			ret = r;
			goto out;
		}
		if ((t->name = strdup(name)) == NULL) {
			ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (version != NULL) {
		if (!vault_version_valid(version)) {
			seterr(ctx, AZKV_ERR_USAGE, "invalid secret version "
			    "'%.40s': a version is 32 hexadecimal digits",
			    version);
			goto out;
		}
		if (t->version != NULL) {
			if (strcasecmp(t->version, version) != 0) {
				seterr(ctx, AZKV_ERR_USAGE, "the secret URL "
				    "names version %s, not %s", t->version,
				    version);
				goto out;
			}
		} else if ((t->version = strdup(version)) == NULL) {
			ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	ret = 0;
 out:
	curl_free(path);
	curl_url_cleanup(u);
	if (ret != 0)
		vault_target_release(t);
	return ret;
}

void
vault_target_release(struct vault_target *t)
{
	if (t == NULL)
		return;
	curl_url_cleanup(t->base);
	free(t->host);
	free(t->display);
	free(t->name);
	free(t->version);
	memset(t, 0, sizeof(*t));
}

/* api-version values look like "7.5", "2016-10-01", "7.6-preview.2". */
static int
api_version_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n;
}

int
vault_target_url(struct azkv *ctx, const struct vault_target *t,
    enum vault_op op, char **url)
{
	const char *api = ctx->api_version ? ctx->api_version :
	    AZKV_DEFAULT_API;
	char path[256], query[64], *s = NULL;
	CURLU *u = NULL;
	int r, ret = AZKV_ERR_NOMEM;

	if (!api_version_valid(api))
		return seterr(ctx, AZKV_ERR_USAGE, "invalid api-version "
		    "'%.40s'", api);
	if (op == VAULT_GET && t->version != NULL)
		r = snprintf(path, sizeof(path), "/secrets/%s/%s", t->name,
		    t->version);
	else if (op == VAULT_GET)
		r = snprintf(path, sizeof(path), "/secrets/%s/", t->name);
	else
		r = snprintf(path, sizeof(path), "/secrets/%s", t->name);
	if (r < 0 || (size_t)r >= sizeof(path))
		return seterr(ctx, AZKV_ERR_INTERNAL, "secret path too long");
	r = snprintf(query, sizeof(query), "api-version=%s", api);
	if (r < 0 || (size_t)r >= sizeof(query))
		return seterr(ctx, AZKV_ERR_INTERNAL, "api-version too long");
	if ((u = curl_url_dup(t->base)) == NULL ||
	    curl_url_set(u, CURLUPART_PATH, path, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_QUERY, query,
	    CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK ||
	    (*url = strdup(s)) == NULL) {
		seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = 0;
 out:
	curl_free(s);
	curl_url_cleanup(u);
	return ret;
}
