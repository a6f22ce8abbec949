/* buf.c: capped growable buffer that wipes old storage on growth and on free. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"

static char empty[1];

void
buf_init(struct buf *b, size_t max)
{
	b->d = empty;
	b->len = 0;
	b->alloc = 0;
	b->max = max ? max : AZKV_BODY_MAX;
}

/* Make room for n more bytes plus the NUL, never with realloc(). */
static int
buf_grow(struct buf *b, size_t n)
{
	size_t want, nalloc;
	char *nd;

	if (n > b->max || b->len > b->max - n)
		return AZKV_ERR_PROTOCOL;
	want = b->len + n + 1;
	if (want <= b->alloc)
		return 0;
	nalloc = b->alloc ? b->alloc : 64;
	while (nalloc < want)
		nalloc *= 2;
	if (nalloc > b->max + 1)
		nalloc = b->max + 1;
	if ((nd = malloc(nalloc)) == NULL)
		return AZKV_ERR_NOMEM;
	memcpy(nd, b->d, b->len + 1);
	if (b->alloc)
		azkv_freezero(b->d, b->alloc);
	b->d = nd;
	b->alloc = nalloc;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	int r;

	if (n == 0)
		return 0;
	if ((r = buf_grow(b, n)) != 0)
		return r;
	memcpy(b->d + b->len, p, n);
	b->len += n;
	b->d[b->len] = '\0';
	return 0;
}

int
buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return AZKV_ERR_INTERNAL;
	if ((size_t)n < sizeof(small)) {
		r = buf_append(b, small, (size_t)n);
		azkv_wipe(small, sizeof(small));
		return r;
	}
	azkv_wipe(small, sizeof(small));
	if ((r = buf_grow(b, (size_t)n)) != 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->d + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_reset(struct buf *b)
{
	if (b->alloc)
		azkv_wipe(b->d, b->alloc);
	b->len = 0;
}

void
buf_release(struct buf *b)
{
	if (b->alloc)
		azkv_freezero(b->d, b->alloc);
	b->d = empty;
	b->len = 0;
	b->alloc = 0;
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (b->alloc == 0 && buf_grow(b, 0) != 0)
		return NULL;
	p = b->d;
	if (len != NULL)
		*len = b->len;
	b->d = empty;
	b->len = 0;
	b->alloc = 0;
	return p;
}
