/* json.c: yajl parsing into a tree whose every allocation is wiped on free. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "azkv-int.h"

#define JSON_DEPTH_MAX	64

/*
 * The wiping allocator for yajl and the tree. Each block carries its exact
 * size in a header (padded to keep malloc's alignment) so that free and
 * realloc can wipe the old contents, and json_str_len() can recover the
 * length of a string holding NUL bytes.
 */
union wmem_hdr {
	size_t		size;
	max_align_t	align;
};

void *
json_wipe_malloc(size_t n)
{
	union wmem_hdr *h;

	if (n > SIZE_MAX - sizeof(*h))
		return NULL;
	if ((h = malloc(sizeof(*h) + n)) == NULL)
		return NULL;
	h->size = n;
	return h + 1;
}

size_t
json_wipe_size(const void *p)
{
	if (p == NULL)
		return 0;
	return ((const union wmem_hdr *)p - 1)->size;
}

void
json_wipe_free(void *p)
{
	union wmem_hdr *h;

	if (p == NULL)
		return;
	h = (union wmem_hdr *)p - 1;
	azkv_freezero(h, sizeof(*h) + h->size);
}

void *
json_wipe_realloc(void *p, size_t n)
{
	void *np;
	size_t old;

	if (p == NULL)
		return json_wipe_malloc(n);
	if (n == 0) {
		json_wipe_free(p);
		return NULL;
	}
	if ((np = json_wipe_malloc(n)) == NULL)
		return NULL;
	old = json_wipe_size(p);
	memcpy(np, p, old < n ? old : n);
	json_wipe_free(p);
	return np;
}

void *
json_wipe_calloc(size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		return NULL;
	if ((p = json_wipe_malloc(nmemb * size)) != NULL)
		memset(p, 0, nmemb * size);
	return p;
}

char *
json_wipe_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if ((p = json_wipe_malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

static void *
yajl_wmalloc(void *ctx, size_t n)
{
	return json_wipe_malloc(n);
}

static void *
yajl_wrealloc(void *ctx, void *p, size_t n)
{
	return json_wipe_realloc(p, n);
}

static void
yajl_wfree(void *ctx, void *p)
{
	json_wipe_free(p);
}

static yajl_alloc_funcs wipe_funcs = {
	yajl_wmalloc, yajl_wrealloc, yajl_wfree, NULL
};

const void *
json_alloc_funcs(void)
{
	return &wipe_funcs;
}

/* ---- tree building ---- */

struct frame {
	json_t	 v;	/* object or array being filled */
	char	*key;	/* pending object key */
};

struct builder {
	json_t		 root;
	struct frame	 stack[JSON_DEPTH_MAX];
	size_t		 depth;
	const char	*why;	/* reason for a callback abort */
};

/* Length of a string node's text (embedded NULs included). */
size_t
json_str_len(json_t v)
{
	if (v == NULL || v->type != yajl_t_string || v->u.string == NULL)
		return 0;
	return json_wipe_size(v->u.string) - 1;
}

static char *
wipe_strndup(const unsigned char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX || (p = json_wipe_malloc(len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/*
 * Append to the pointer array whose address is arrp (keys or values),
 * doubling the capacity recorded in the allocation header.
 */
static int
ptr_push(void *arrp, size_t len, void *item)
{
	void **arr, **n;
	size_t cap;

	memcpy(&arr, arrp, sizeof(arr));
	cap = json_wipe_size(arr) / sizeof(void *);
	if (len == cap) {
		cap = cap ? cap * 2 : 4;
		if ((n = json_wipe_calloc(cap, sizeof(void *))) == NULL)
			return -1;
		if (len)
			memcpy(n, arr, len * sizeof(void *));
		json_wipe_free(arr);
		arr = n;
		memcpy(arrp, &arr, sizeof(arr));
	}
	arr[len] = item;
	return 0;
}

static json_t
node_new(yajl_type type)
{
	json_t v;

	if ((v = json_wipe_calloc(1, sizeof(*v))) != NULL)
		v->type = type;
	return v;
}

/* Attach v to the open container (or make it the root); frees v on error. */
static int
attach(struct builder *b, json_t v)
{
	struct frame *f;

	if (v == NULL) {
		b->why = "out of memory";
		return 0;
	}
	if (b->depth == 0) {
		if (b->root != NULL) {
			json_free(v);
			b->why = "more than one value";
			return 0;
		}
		b->root = v;
		return 1;
	}
	f = &b->stack[b->depth - 1];
	if (f->v->type == yajl_t_array) {
		if (ptr_push(&f->v->u.array.values, f->v->u.array.len, v) != 0)
			goto nomem;
		f->v->u.array.len++;
		return 1;
	}
	if (f->key == NULL) {
		json_free(v);
		b->why = "value without a key";
		return 0;
	}
	if (ptr_push(&f->v->u.object.keys, f->v->u.object.len, f->key) != 0)
		goto nomem;
	if (ptr_push(&f->v->u.object.values, f->v->u.object.len, v) != 0) {
		/* the key slot stays unused; f->key is still the frame's */
		f->v->u.object.keys[f->v->u.object.len] = NULL;
		goto nomem;
	}
	f->v->u.object.len++;
	f->key = NULL;
	return 1;
 nomem:
	json_free(v);
	b->why = "out of memory";
	return 0;
}

static int
cb_null(void *ctx)
{
	return attach(ctx, node_new(yajl_t_null));
}

static int
cb_boolean(void *ctx, int val)
{
	return attach(ctx, node_new(val ? yajl_t_true : yajl_t_false));
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
	json_t v;
	char *end;

	if ((v = node_new(yajl_t_number)) == NULL ||
	    (v->u.number.r = wipe_strndup((const unsigned char *)s, len)) ==
	    NULL) {
		json_free(v);
		return attach(ctx, NULL);
	}
	errno = 0;
	v->u.number.i = strtoll(v->u.number.r, &end, 10);
	if (errno == 0 && *end == '\0')
		v->u.number.flags |= YAJL_NUMBER_INT_VALID;
	errno = 0;
	v->u.number.d = strtod(v->u.number.r, &end);
	if (errno == 0 && *end == '\0')
		v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
	return attach(ctx, v);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	json_t v;

	if ((v = node_new(yajl_t_string)) == NULL ||
	    (v->u.string = wipe_strndup(s, len)) == NULL) {
		json_free(v);
		return attach(ctx, NULL);
	}
	return attach(ctx, v);
}

static int
push(struct builder *b, yajl_type type)
{
	json_t v;

	if (b->depth == JSON_DEPTH_MAX) {
		b->why = "nested too deeply";
		return 0;
	}
	if (!attach(b, v = node_new(type)))
		return 0;
	b->stack[b->depth].v = v;
	b->stack[b->depth].key = NULL;
	b->depth++;
	return 1;
}

static int
pop(struct builder *b)
{
	struct frame *f = &b->stack[b->depth - 1];

	if (f->key != NULL) {
		json_wipe_free(f->key);
		f->key = NULL;
	}
	b->depth--;
	return 1;
}

static int
cb_start_map(void *ctx)
{
	return push(ctx, yajl_t_object);
}

static int
cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct builder *b = ctx;
	struct frame *f = &b->stack[b->depth - 1];

	json_wipe_free(f->key);
	if ((f->key = wipe_strndup(s, len)) == NULL) {
		b->why = "out of memory";
		return 0;
	}
	return 1;
}

static int
cb_end(void *ctx)
{
	return pop(ctx);
}

static int
cb_start_array(void *ctx)
{
	return push(ctx, yajl_t_array);
}

static const yajl_callbacks callbacks = {
	cb_null, cb_boolean, NULL, NULL, cb_number, cb_string,
	cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

static void
set_reason(char *errbuf, size_t errlen, const char *why)
{
	if (errbuf == NULL || errlen == 0)
		return;
	snprintf(errbuf, errlen, "%s", why);
}

json_t
json_parse(const char *text, size_t len, char *errbuf, size_t errlen)
{
	struct builder b;
	yajl_handle h = NULL;
	yajl_status st;
	unsigned char *msg;
	json_t ret = NULL;
	size_t i, n;

	memset(&b, 0, sizeof(b));
	if (len > AZKV_BODY_MAX) {
		set_reason(errbuf, errlen, "JSON text larger than 1 MiB");
		goto out;
	}
	if ((h = yajl_alloc(&callbacks, &wipe_funcs, &b)) == NULL) {
		set_reason(errbuf, errlen, "out of memory");
		goto out;
	}
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st == yajl_status_client_canceled) {
		set_reason(errbuf, errlen, b.why ? b.why : "parse error");
		goto out;
	}
	if (st != yajl_status_ok) {
		/* verbose=0: the reason only, never the input bytes */
		msg = yajl_get_error(h, 0, NULL, 0);
		if (msg != NULL) {
			/* drop yajl's trailing newline */
			n = strcspn((char *)msg, "\n");
			msg[n] = '\0';
		}
		set_reason(errbuf, errlen, msg ? (char *)msg :
		    "parse error");
		if (msg != NULL)
			yajl_free_error(h, msg);
		goto out;
	}
	if (b.root == NULL) {
		set_reason(errbuf, errlen, "empty JSON text");
		goto out;
	}
	ret = b.root;
	b.root = NULL;
 out:
	for (i = 0; i < b.depth; i++)
		json_wipe_free(b.stack[i].key);
	json_free(b.root);
	if (h != NULL)
		yajl_free(h);
	azkv_wipe(&b, sizeof(b));
	return ret;
}

void
json_free(json_t v)
{
	union {
		const char	*c;
		char		*m;
	} key;
	size_t i;

	if (v == NULL)
		return;
	switch (v->type) {
	case yajl_t_string:
		json_wipe_free(v->u.string);
		break;
	case yajl_t_number:
		json_wipe_free(v->u.number.r);
		break;
	case yajl_t_object:
		for (i = 0; i < v->u.object.len; i++) {
			key.c = v->u.object.keys[i];
			json_wipe_free(key.m);
			json_free(v->u.object.values[i]);
		}
		json_wipe_free(v->u.object.keys);
		json_wipe_free(v->u.object.values);
		break;
	case yajl_t_array:
		for (i = 0; i < v->u.array.len; i++)
			json_free(v->u.array.values[i]);
		json_wipe_free(v->u.array.values);
		break;
	default:
		break;
	}
	json_wipe_free(v);
}

json_t
json_get(json_t obj, const char *key)
{
	size_t i;

	if (obj == NULL || obj->type != yajl_t_object)
		return NULL;
	for (i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

const char *
json_get_str(json_t obj, const char *key)
{
	json_t v = json_get(obj, key);

	if (v == NULL || v->type != yajl_t_string)
		return NULL;
	return v->u.string;
}

/* Optional '-', then 1-19 decimal digits, nothing else, no overflow. */
static int
parse_int(const char *s, size_t len, int64_t *out)
{
	const char *p = s;
	long long n;
	char *end;

	if (len == 0 || strlen(s) != len)
		return -1;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (int64_t)n;
	return 0;
}

int
json_get_int(json_t obj, const char *key, int64_t *out)
{
	json_t v = json_get(obj, key);
	int64_t n;

	if (v == NULL)
		return -1;
	if (v->type == yajl_t_number) {
		if (parse_int(v->u.number.r, strlen(v->u.number.r), &n) != 0)
			return -1;
	} else if (v->type == yajl_t_string) {
		if (parse_int(v->u.string, json_str_len(v), &n) != 0)
			return -1;
	} else
		return -1;
	*out = n;
	return 0;
}

int
json_get_bool(json_t obj, const char *key)
{
	json_t v = json_get(obj, key);

	if (v == NULL)
		return -1;
	if (v->type == yajl_t_true)
		return 1;
	if (v->type == yajl_t_false)
		return 0;
	return -1;
}

int
json_gen_str(struct yajl_gen_t *g, const char *s, size_t len)
{
	return yajl_gen_string(g, (const unsigned char *)s, len) ==
	    yajl_gen_status_ok ? 0 : -1;
}

int
json_gen_cstr(struct yajl_gen_t *g, const char *s)
{
	return json_gen_str(g, s, strlen(s));
}

int
json_gen_pair(struct yajl_gen_t *g, const char *key, const char *value)
{
	if (value == NULL)
		return 0;
	return json_gen_cstr(g, key) == 0 && json_gen_cstr(g, value) == 0 ?
	    0 : -1;
}
