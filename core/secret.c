/* secret.c: SecretBundle parsing and rendering, user/password split, names. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "azkv-int.h"

#define SECRET_NAME_MAX		127
#define SECRET_DECODED_MAX	(AZKV_SECRET_MAX * 4)
#define DERIVE_HASH_HEX		16

static void
str_freezero(char *s)
{
	if (s != NULL)
		azkv_freezero(s, strlen(s));
}

void
azkv_secret_free(struct azkv_secret *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->value != NULL)
		azkv_freezero(s->value, s->value_len + 1);
	str_freezero(s->id);
	str_freezero(s->name);
	str_freezero(s->version);
	str_freezero(s->content_type);
	for (i = 0; i < s->ntags; i++) {
		str_freezero(s->tags[i].key);
		str_freezero(s->tags[i].value);
	}
	free(s->tags);
	azkv_freezero(s, sizeof(*s));
}

/* malloc'd copy of len bytes plus a NUL. */
static char *
memdup0(const char *p, size_t len)
{
	char *d;

	if ((d = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(d, p, len);
	d[len] = '\0';
	return d;
}

/* Copy a string member when present; -1 only when out of memory. */
static int
dup_member(json_t obj, const char *key, char **out)
{
	const char *s;

	if ((s = json_get_str(obj, key)) == NULL)
		return 0;
	if ((*out = strdup(s)) == NULL)
		return -1;
	return 0;
}

/* Name and version from https://VAULT/secrets/NAME[/VERSION]. */
static int
split_id(struct azkv_secret *s)
{
	CURLU *u;
	char *path = NULL;
	const char *p, *slash;
	size_t n;
	int ret = 0;

	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, s->id, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;	/* an id we cannot read: leave name unset */
	if (strncmp(path, "/secrets/", 9) != 0 &&
	    strncmp(path, "/deletedsecrets/", 16) != 0)
		goto out;
	p = strchr(path + 1, '/') + 1;
	n = strcspn(p, "/");
	if (n == 0)
		goto out;
	if ((s->name = memdup0(p, n)) == NULL) {
		ret = -1;
		goto out;
	}
	if (p[n] == '/' && (slash = p + n + 1, *slash != '\0')) {
		n = strcspn(slash, "/");
		if (n > 0 && (s->version = memdup0(slash, n)) == NULL)
			ret = -1;
	}
 out:
	curl_free(path);
	curl_url_cleanup(u);
	return ret;
}

static int
parse_tags(json_t tags, struct azkv_secret *s)
{
	size_t i, n = 0;

	if (tags == NULL || !YAJL_IS_OBJECT(tags) || tags->u.object.len == 0)
		return 0;
	if ((s->tags = calloc(tags->u.object.len, sizeof(*s->tags))) == NULL)
		return -1;
	for (i = 0; i < tags->u.object.len; i++) {
		if (!YAJL_IS_STRING(tags->u.object.values[i]))
			continue;
		if ((s->tags[n].key = strdup(tags->u.object.keys[i])) == NULL ||
		    (s->tags[n].value =
		    strdup(tags->u.object.values[i]->u.string)) == NULL) {
			s->ntags = n + 1;
			return -1;
		}
		n++;
	}
	s->ntags = n;
	return 0;
}

int
secret_parse(const char *body, size_t len, struct azkv_secret **out)
{
	struct azkv_secret *s = NULL;
	json_t root = NULL, v, attrs;
	char err[128];
	int b, ret = AZKV_ERR_INTERNAL;

	if ((root = json_parse(body, len, err, sizeof(err))) == NULL ||
	    !YAJL_IS_OBJECT(root)) {
		ret = AZKV_ERR_PROTOCOL;
		goto out;
	}
	if ((v = json_get(root, "value")) == NULL || !YAJL_IS_STRING(v) ||
	    json_str_len(v) > SECRET_DECODED_MAX) {
		ret = AZKV_ERR_PROTOCOL;
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto nomem;
	s->value_len = json_str_len(v);
	if ((s->value = memdup0(v->u.string, s->value_len)) == NULL)
		goto nomem;
	if (dup_member(root, "id", &s->id) != 0 ||
	    dup_member(root, "contentType", &s->content_type) != 0)
		goto nomem;
	if (s->id != NULL && split_id(s) != 0)
		goto nomem;
	s->enabled = 1;
	attrs = json_get(root, "attributes");
	if ((b = json_get_bool(attrs, "enabled")) >= 0)
		s->enabled = b;
	(void)json_get_int(attrs, "nbf", &s->nbf);
	(void)json_get_int(attrs, "exp", &s->exp);
	(void)json_get_int(attrs, "created", &s->created);
	(void)json_get_int(attrs, "updated", &s->updated);
	if (parse_tags(json_get(root, "tags"), s) != 0)
		goto nomem;
	*out = s;
	s = NULL;
	ret = 0;
	goto out;
 nomem:
	ret = AZKV_ERR_NOMEM;
 out:
	azkv_secret_free(s);
	json_free(root);
	return ret;
}

static int
gen_int(yajl_gen g, const char *key, int64_t n)
{
	if (n == 0)
		return 0;
	if (json_gen_cstr(g, key) != 0 ||
	    yajl_gen_integer(g, (long long)n) != yajl_gen_status_ok)
		return -1;
	return 0;
}

int
azkv_secret_json(const struct azkv_secret *s, char **out, size_t *len)
{
	yajl_gen g;
	const unsigned char *gbuf;
	size_t glen, i;
	char *copy;
	int ret = AZKV_ERR_NOMEM;

	if ((g = yajl_gen_alloc(json_alloc_funcs())) == NULL)
		return AZKV_ERR_NOMEM;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok)
		goto out;
	if (s->value != NULL && (json_gen_cstr(g, "value") != 0 ||
	    yajl_gen_string(g, (const unsigned char *)s->value,
	    s->value_len) != yajl_gen_status_ok))
		goto out;
	if (json_gen_pair(g, "id", s->id) != 0 ||
	    json_gen_pair(g, "contentType", s->content_type) != 0)
		goto out;
	if (s->ntags > 0) {
		if (json_gen_cstr(g, "tags") != 0 ||
		    yajl_gen_map_open(g) != yajl_gen_status_ok)
			goto out;
		for (i = 0; i < s->ntags; i++)
			if (json_gen_pair(g, s->tags[i].key,
			    s->tags[i].value) != 0)
				goto out;
		if (yajl_gen_map_close(g) != yajl_gen_status_ok)
			goto out;
	}
	if (json_gen_cstr(g, "attributes") != 0 ||
	    yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_cstr(g, "enabled") != 0 ||
	    yajl_gen_bool(g, s->enabled) != yajl_gen_status_ok ||
	    gen_int(g, "nbf", s->nbf) != 0 ||
	    gen_int(g, "exp", s->exp) != 0 ||
	    gen_int(g, "created", s->created) != 0 ||
	    gen_int(g, "updated", s->updated) != 0 ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok)
		goto out;
	if (yajl_gen_map_close(g) != yajl_gen_status_ok ||
	    yajl_gen_get_buf(g, &gbuf, &glen) != yajl_gen_status_ok)
		goto out;
	if ((copy = memdup0((const char *)gbuf, glen)) == NULL)
		goto out;
	*out = copy;
	*len = glen;
	ret = 0;
 out:
	yajl_gen_free(g);	/* its buffer is wiped by the allocator */
	return ret;
}

int
azkv_userpass_parse(const char *value, size_t len, char **user, char **pass)
{
	json_t root = NULL, u, p;
	char *nu = NULL, *np = NULL;
	size_t i;
	int ret = AZKV_ERR_NOMEM;

	for (i = 0; i < len && strchr(" \t\r\n", value[i]) != NULL; i++)
		;
	if (i < len && value[i] == '{' &&
	    (root = json_parse(value, len, NULL, 0)) != NULL &&
	    YAJL_IS_OBJECT(root) &&
	    (p = json_get(root, "password")) != NULL && YAJL_IS_STRING(p)) {
		u = json_get(root, "username");
		if (memchr(p->u.string, '\0', json_str_len(p)) != NULL ||
		    (u != NULL && YAJL_IS_STRING(u) &&
		    memchr(u->u.string, '\0', json_str_len(u)) != NULL)) {
			ret = AZKV_ERR_USAGE;	/* cannot be a C string */
			goto out;
		}
		if ((np = strdup(p->u.string)) == NULL)
			goto out;
		if (u != NULL && YAJL_IS_STRING(u) &&
		    (nu = strdup(u->u.string)) == NULL)
			goto out;
	} else {
		if (memchr(value, '\0', len) != NULL) {
			ret = AZKV_ERR_USAGE;
			goto out;
		}
		if ((np = memdup0(value, len)) == NULL)
			goto out;
	}
	*user = nu;
	*pass = np;
	nu = np = NULL;
	ret = 0;
 out:
	str_freezero(nu);
	str_freezero(np);
	json_free(root);
	return ret;
}

static int
name_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-';
}

int
azkv_secret_name_valid(const char *name)
{
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; name[i] != '\0'; i++)
		if (i == SECRET_NAME_MAX || !name_char(name[i]))
			return 0;
	return i > 0;
}

/* Append the slug form of s: lower-case, runs of other bytes -> '-'. */
static size_t
slug_append(char *slug, size_t n, size_t max, const char *s)
{
	char c;

	for (; *s != '\0' && n < max; s++) {
		c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			slug[n++] = c;
		else if (n == 0 || slug[n - 1] != '-')
			slug[n++] = '-';
	}
	return n;
}

int
azkv_secret_name_derive(const char *prefix, const char *a, const char *b,
    char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char slug[SECRET_NAME_MAX + 1], h[DERIVE_HASH_HEX + 1];
	size_t plen, room, n, i;
	EVP_MD_CTX *mctx;
	int r;

	a = a ? a : "";
	b = b ? b : "";
	if (!azkv_secret_name_valid(prefix))
		return AZKV_ERR_USAGE;
	plen = strlen(prefix);
	/* "<prefix>-" slug "-" hash */
	if (plen + 2 + DERIVE_HASH_HEX >= SECRET_NAME_MAX)
		return AZKV_ERR_USAGE;
	room = SECRET_NAME_MAX - plen - 2 - DERIVE_HASH_HEX;
	n = slug_append(slug, 0, room, a);
	n = slug_append(slug, n, room, "-");
	n = slug_append(slug, n, room, b);
	slug[n] = '\0';

	if ((mctx = EVP_MD_CTX_new()) == NULL)
		return AZKV_ERR_NOMEM;
	r = EVP_DigestInit_ex(mctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(mctx, a, strlen(a)) == 1 &&
	    EVP_DigestUpdate(mctx, "", 1) == 1 &&
	    EVP_DigestUpdate(mctx, b, strlen(b)) == 1 &&
	    EVP_DigestFinal_ex(mctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(mctx);
	if (!r || mdlen < DERIVE_HASH_HEX / 2)
		return AZKV_ERR_INTERNAL;
	for (i = 0; i < DERIVE_HASH_HEX / 2; i++) {
		h[2 * i] = hex[md[i] >> 4];
		h[2 * i + 1] = hex[md[i] & 0x0f];
	}
	h[DERIVE_HASH_HEX] = '\0';
	if (plen + 2 + n + DERIVE_HASH_HEX >= outlen)
		return AZKV_ERR_USAGE;
	r = snprintf(out, outlen, "%s-%s-%s", prefix, slug, h);
	return r < 0 || (size_t)r >= outlen ? AZKV_ERR_INTERNAL : 0;
}
