/* storedoc.c: parse, edit and render the credential document of one (protocol, host). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "azkv.h"
#include "credential.h"
#include "storedoc.h"

#define STOREDOC_VERSION	1

/* ---- an allocator for yajl that wipes everything it frees ---- */

union wipe_hdr {
	size_t		n;
	max_align_t	align;
};

static void *
wipe_malloc(void *ctx, size_t n)
{
	union wipe_hdr *h;

	if (n > SIZE_MAX - sizeof(*h) || (h = malloc(sizeof(*h) + n)) == NULL)
		return NULL;
	h->n = n;
	return h + 1;
}

static void
wipe_free(void *ctx, void *p)
{
	union wipe_hdr *h;

	if (p == NULL)
		return;
	h = (union wipe_hdr *)p - 1;
	azkv_freezero(h, sizeof(*h) + h->n);
}

static void *
wipe_realloc(void *ctx, void *p, size_t n)
{
	union wipe_hdr *h;
	void *np;

	if (p == NULL)
		return wipe_malloc(ctx, n);
	h = (union wipe_hdr *)p - 1;
	if ((np = wipe_malloc(ctx, n)) == NULL)
		return NULL;
	memcpy(np, p, h->n < n ? h->n : n);
	wipe_free(ctx, p);
	return np;
}

static yajl_alloc_funcs wipe_funcs = {
	wipe_malloc, wipe_realloc, wipe_free, NULL
};

/* ---- document basics ---- */

static void
freestr(char **p)
{
	if (*p != NULL)
		azkv_freezero(*p, strlen(*p));
	*p = NULL;
}

int
storedoc_init(struct storedoc *d, const char *protocol, const char *host)
{
	memset(d, 0, sizeof(*d));
	if ((d->protocol = strdup(protocol)) == NULL ||
	    (d->host = strdup(host)) == NULL) {
		storedoc_release(d);
		return -1;
	}
	return 0;
}

void
storedoc_release(struct storedoc *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		credential_release(&d->entries[i]);
	azkv_freezero(d->entries, d->alloc * sizeof(*d->entries));
	freestr(&d->protocol);
	freestr(&d->host);
	memset(d, 0, sizeof(*d));
}

/* Room for one more entry, grown without realloc so nothing is left behind. */
static int
grow(struct storedoc *d)
{
	struct credential *ne;
	size_t nalloc;

	if (d->n < d->alloc)
		return 0;
	nalloc = d->alloc ? d->alloc * 2 : 4;
	if ((ne = calloc(nalloc, sizeof(*ne))) == NULL)
		return -1;
	if (d->n > 0)
		memcpy(ne, d->entries, d->n * sizeof(*ne));
	azkv_freezero(d->entries, d->alloc * sizeof(*d->entries));
	d->entries = ne;
	d->alloc = nalloc;
	return 0;
}

/* ---- parsing ---- */

enum topkey { TOP_OTHER, TOP_VERSION, TOP_PROTOCOL, TOP_HOST, TOP_ENTRIES };
enum entkey { ENT_OTHER, ENT_PATH, ENT_USERNAME, ENT_PASSWORD, ENT_EXPIRY,
    ENT_REFRESH };

struct pstate {
	struct storedoc		*d;
	int			 depth;
	enum topkey		 top;
	int			 in_entries;
	struct credential	 cur;
	int			 in_entry;
	enum entkey		 ekey;
	long long		 version;
	const char		*bad;	/* reason the document is refused */
};

static int
key_is(const unsigned char *k, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(k, want, len) == 0;
}

static int
p_scalar(void *ctx)
{
	struct pstate *s = ctx;

	if (s->depth == 0) {
		s->bad = "not a JSON object";
		return 0;
	}
	return 1;
}

static int
p_boolean(void *ctx, int v)
{
	return p_scalar(ctx);
}

static int
p_number(void *ctx, const char *num, size_t len)
{
	struct pstate *s = ctx;
	char tmp[32], *end;
	long long v;

	if (!p_scalar(ctx))
		return 0;
	if (!(s->depth == 1 && s->top == TOP_VERSION) &&
	    !(s->depth == 3 && s->in_entry && s->ekey == ENT_EXPIRY))
		return 1;
	if (len == 0 || len >= sizeof(tmp) || num[0] < '0' || num[0] > '9') {
		s->bad = "a number is out of range";
		return 0;
	}
	memcpy(tmp, num, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno != 0 || *end != '\0') {
		s->bad = "a number is out of range";
		return 0;
	}
	if (s->depth == 1)
		s->version = v;
	else
		s->cur.password_expiry_utc = v;
	return 1;
}

static int
p_string(void *ctx, const unsigned char *str, size_t len)
{
	struct pstate *s = ctx;
	char **dst = NULL, *v;

	if (!p_scalar(ctx))
		return 0;
	if (s->depth == 1 && s->top == TOP_PROTOCOL)
		dst = &s->d->protocol;
	else if (s->depth == 1 && s->top == TOP_HOST)
		dst = &s->d->host;
	else if (s->depth == 3 && s->in_entry) {
		switch (s->ekey) {
		case ENT_PATH:		dst = &s->cur.path; break;
		case ENT_USERNAME:	dst = &s->cur.username; break;
		case ENT_PASSWORD:	dst = &s->cur.password; break;
		case ENT_REFRESH:	dst = &s->cur.oauth_refresh_token; break;
		default:		break;
		}
	}
	if (dst == NULL)
		return 1;
	if (memchr(str, '\0', len) != NULL) {
		s->bad = "a value holds a NUL character";
		return 0;
	}
	if ((v = malloc(len + 1)) == NULL) {
		s->bad = "out of memory";
		return 0;
	}
	memcpy(v, str, len);
	v[len] = '\0';
	freestr(dst);
	*dst = v;
	return 1;
}

static int
p_start_map(void *ctx)
{
	struct pstate *s = ctx;

	if (s->depth == 2 && s->in_entries) {
		credential_init(&s->cur);
		s->in_entry = 1;
		s->ekey = ENT_OTHER;
	}
	s->depth++;
	return 1;
}

static int
p_map_key(void *ctx, const unsigned char *k, size_t len)
{
	struct pstate *s = ctx;

	if (s->depth == 1) {
		s->top = key_is(k, len, "version") ? TOP_VERSION :
		    key_is(k, len, "protocol") ? TOP_PROTOCOL :
		    key_is(k, len, "host") ? TOP_HOST :
		    key_is(k, len, "entries") ? TOP_ENTRIES : TOP_OTHER;
	} else if (s->depth == 3 && s->in_entry) {
		s->ekey = key_is(k, len, "path") ? ENT_PATH :
		    key_is(k, len, "username") ? ENT_USERNAME :
		    key_is(k, len, "password") ? ENT_PASSWORD :
		    key_is(k, len, "password_expiry_utc") ? ENT_EXPIRY :
		    key_is(k, len, "oauth_refresh_token") ? ENT_REFRESH :
		    ENT_OTHER;
	}
	return 1;
}

static int
p_end_map(void *ctx)
{
	struct pstate *s = ctx;

	s->depth--;
	if (s->depth == 2 && s->in_entry) {
		s->in_entry = 0;
		if (s->cur.username == NULL || s->cur.password == NULL) {
			credential_release(&s->cur);
			return 1;
		}
		if (grow(s->d) != 0) {
			credential_release(&s->cur);
			s->bad = "out of memory";
			return 0;
		}
		s->d->entries[s->d->n++] = s->cur;
		credential_init(&s->cur);
	}
	return 1;
}

static int
p_start_array(void *ctx)
{
	struct pstate *s = ctx;

	if (s->depth == 0) {
		s->bad = "not a JSON object";
		return 0;
	}
	if (s->depth == 1 && s->top == TOP_ENTRIES)
		s->in_entries = 1;
	s->depth++;
	return 1;
}

static int
p_end_array(void *ctx)
{
	struct pstate *s = ctx;

	s->depth--;
	if (s->depth == 1)
		s->in_entries = 0;
	return 1;
}

static const yajl_callbacks parse_callbacks = {
	p_scalar, p_boolean, NULL, NULL, p_number, p_string,
	p_start_map, p_map_key, p_end_map, p_start_array, p_end_array
};

int
storedoc_parse(struct storedoc *d, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct pstate s;
	yajl_handle h = NULL;
	int ret = -1;

	memset(d, 0, sizeof(*d));
	memset(&s, 0, sizeof(s));
	s.d = d;
	s.version = -1;
	if ((h = yajl_alloc(&parse_callbacks, &wipe_funcs, &s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (yajl_parse(h, (const unsigned char *)text, len) != yajl_status_ok ||
	    yajl_complete_parse(h) != yajl_status_ok) {
		snprintf(err, errlen, "%s", s.bad ? s.bad : "invalid JSON");
		goto out;
	}
	if (s.version != STOREDOC_VERSION || d->protocol == NULL ||
	    d->host == NULL) {
		snprintf(err, errlen, "not a version %d credential document",
		    STOREDOC_VERSION);
		goto out;
	}
	ret = 0;
 out:
	credential_release(&s.cur);
	if (h != NULL)
		yajl_free(h);
	if (ret != 0)
		storedoc_release(d);
	return ret;
}

/* ---- rendering ---- */

static int
gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) ==
	    yajl_gen_status_ok ? 0 : -1;
}

static int
gen_pair(yajl_gen g, const char *key, const char *value)
{
	if (value == NULL)
		return 0;
	return gen_str(g, key) == 0 && gen_str(g, value) == 0 ? 0 : -1;
}

int
storedoc_render(const struct storedoc *d, char **out, size_t *len, char *err,
    size_t errlen)
{
	const struct credential *e;
	const unsigned char *gbuf;
	yajl_gen g;
	size_t glen, i;
	char *copy;
	int ret = -1;

	if ((g = yajl_gen_alloc(&wipe_funcs)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_str(g, "version") != 0 ||
	    yajl_gen_integer(g, STOREDOC_VERSION) != yajl_gen_status_ok ||
	    gen_pair(g, "protocol", d->protocol) != 0 ||
	    gen_pair(g, "host", d->host) != 0 ||
	    gen_str(g, "entries") != 0 ||
	    yajl_gen_array_open(g) != yajl_gen_status_ok)
		goto invalid;
	for (i = 0; i < d->n; i++) {
		e = &d->entries[i];
		if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
		    gen_pair(g, "path", e->path) != 0 ||
		    gen_pair(g, "username", e->username) != 0 ||
		    gen_pair(g, "password", e->password) != 0)
			goto invalid;
		if (e->password_expiry_utc > 0 &&
		    (gen_str(g, "password_expiry_utc") != 0 ||
		    yajl_gen_integer(g, e->password_expiry_utc) !=
		    yajl_gen_status_ok))
			goto invalid;
		if (gen_pair(g, "oauth_refresh_token",
		    e->oauth_refresh_token) != 0 ||
		    yajl_gen_map_close(g) != yajl_gen_status_ok)
			goto invalid;
	}
	if (yajl_gen_array_close(g) != yajl_gen_status_ok ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok ||
	    yajl_gen_get_buf(g, &gbuf, &glen) != yajl_gen_status_ok)
		goto invalid;
	if ((copy = malloc(glen + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(copy, gbuf, glen);
	copy[glen] = '\0';
	*out = copy;
	*len = glen;
	ret = 0;
	goto out;
 invalid:
	snprintf(err, errlen, "a credential attribute is not valid UTF-8");
 out:
	yajl_gen_free(g);
	return ret;
}

/* ---- git's matching rules on the entries ---- */

/* want reduced to the attributes an entry carries. */
static void
entry_pattern(struct credential *p, const struct credential *want,
    int with_password)
{
	credential_init(p);
	p->path = want->path;
	p->username = want->username;
	if (with_password)
		p->password = want->password;
}

const struct credential *
storedoc_find(const struct storedoc *d, const struct credential *want,
    time_t now)
{
	struct credential p;
	size_t i;

	entry_pattern(&p, want, 0);
	for (i = 0; i < d->n; i++) {
		if (!credential_match(&p, &d->entries[i], 0))
			continue;
		if (d->entries[i].password_expiry_utc > 0 &&
		    d->entries[i].password_expiry_utc <= (int64_t)now)
			continue;
		return &d->entries[i];
	}
	return NULL;
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
same_entry(const struct credential *a, const struct credential *b)
{
	return streq(a->path, b->path) && streq(a->username, b->username) &&
	    streq(a->password, b->password) &&
	    streq(a->oauth_refresh_token, b->oauth_refresh_token) &&
	    a->password_expiry_utc == b->password_expiry_utc;
}

/* Remove every entry matching p; returns how many. */
static size_t
remove_matching(struct storedoc *d, const struct credential *p,
    int match_password)
{
	size_t i, j, removed = 0;

	for (i = 0, j = 0; i < d->n; i++) {
		if (credential_match(p, &d->entries[i], match_password)) {
			credential_release(&d->entries[i]);
			removed++;
			continue;
		}
		if (i != j) {
			d->entries[j] = d->entries[i];
			credential_init(&d->entries[i]);
		}
		j++;
	}
	d->n = j;
	return removed;
}

int
storedoc_store(struct storedoc *d, const struct credential *c)
{
	struct credential p, e;
	size_t i, matches = 0, last = 0;

	entry_pattern(&p, c, 0);
	for (i = 0; i < d->n; i++) {
		if (credential_match(&p, &d->entries[i], 0)) {
			matches++;
			last = i;
		}
	}
	if (matches == 1 && same_entry(&d->entries[last], c))
		return 0;
	credential_init(&e);
	if ((c->path != NULL && (e.path = strdup(c->path)) == NULL) ||
	    (c->username != NULL &&
	    (e.username = strdup(c->username)) == NULL) ||
	    (c->password != NULL &&
	    (e.password = strdup(c->password)) == NULL) ||
	    (c->oauth_refresh_token != NULL && (e.oauth_refresh_token =
	    strdup(c->oauth_refresh_token)) == NULL)) {
		credential_release(&e);
		return -1;
	}
	e.password_expiry_utc = c->password_expiry_utc;
	remove_matching(d, &p, 0);
	if (grow(d) != 0) {
		credential_release(&e);
		return -1;
	}
	memmove(&d->entries[1], &d->entries[0], d->n * sizeof(*d->entries));
	d->entries[0] = e;
	d->n++;
	return 1;
}

size_t
storedoc_erase(struct storedoc *d, const struct credential *want)
{
	struct credential p;

	entry_pattern(&p, want, 1);
	return remove_matching(d, &p, 1);
}
