/* t-buf.c: the capped, wiping buffer: caps, NUL termination, detach, printf. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"
#include "tap.h"

static void
test_appends(void)
{
	static const struct {
		size_t		 max;
		const char	*parts[4];
		int		 want_rc[4];
		const char	*want;
	} cases[] = {
		{ 16, { "abc", "def", NULL }, { 0, 0 }, "abcdef" },
		{ 6, { "abc", "def", "g", NULL }, { 0, 0, AZKV_ERR_PROTOCOL },
		    "abcdef" },
		{ 5, { "abc", "def", "de", NULL },
		    { 0, AZKV_ERR_PROTOCOL, 0 }, "abcde" },
		{ 3, { "abcd", "abc", NULL }, { AZKV_ERR_PROTOCOL, 0 },
		    "abc" },
		{ 1000, { "", "", NULL }, { 0, 0 }, "" },
	};
	struct buf b;
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, cases[i].max);
		for (j = 0; cases[i].parts[j] != NULL; j++)
			is_int(buf_append_str(&b, cases[i].parts[j]),
			    cases[i].want_rc[j], "case %zu append %zu rc", i, j);
		is_str(b.d, cases[i].want, "case %zu contents", i);
		is_int(b.len, strlen(cases[i].want), "case %zu len", i);
		ok(b.d[b.len] == '\0', "case %zu NUL-terminated", i);
		ok(b.len <= cases[i].max, "case %zu within cap", i);
		buf_release(&b);
	}
}

static void
test_growth(void)
{
	struct buf b;
	char chunk[1000];
	size_t i;
	int bad = 0;

	memset(chunk, 'x', sizeof(chunk));
	buf_init(&b, 0);
	is_int(b.max, AZKV_BODY_MAX, "max 0 means AZKV_BODY_MAX");
	ok(b.d != NULL && b.d[0] == '\0', "fresh buffer is an empty string");
	for (i = 0; i < 1048; i++)
		if (buf_append(&b, chunk, sizeof(chunk)) != 0)
			break;
	is_int(i, 1048, "1048000 bytes fit under 1 MiB");
	is_int(buf_append(&b, chunk, sizeof(chunk)), AZKV_ERR_PROTOCOL,
	    "growing past 1 MiB is refused");
	is_int(b.len, 1048000, "refused append leaves the length");
	for (i = 0; i < b.len; i++)
		if (b.d[i] != 'x')
			bad++;
	is_int(bad, 0, "contents survived every growth");
	ok(b.d[b.len] == '\0', "still NUL-terminated");
	is_int(buf_append(&b, chunk, AZKV_BODY_MAX - b.len), 0,
	    "filling exactly to the cap works");
	is_int(b.len, AZKV_BODY_MAX, "length is the cap");
	is_int(buf_append(&b, "y", 1), AZKV_ERR_PROTOCOL, "one more is not");
	buf_reset(&b);
	is_int(b.len, 0, "reset empties");
	ok(b.d[0] == '\0', "reset leaves an empty string");
	is_int(buf_append_str(&b, "again"), 0, "usable after reset");
	is_str(b.d, "again", "contents after reset");
	buf_release(&b);
	ok(b.d != NULL && b.len == 0 && b.alloc == 0,
	    "release leaves an empty buffer");
	is_int(buf_append_str(&b, "reuse"), 0, "usable after release");
	is_str(b.d, "reuse", "contents after release");
	buf_release(&b);
}

static void
test_printf(void)
{
	struct buf b;
	char big[600];
	int i;

	buf_init(&b, 0);
	is_int(buf_printf(&b, "%s=%d", "n", 42), 0, "printf small");
	is_str(b.d, "n=42", "printf small contents");
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(buf_printf(&b, "[%s]", big), 0, "printf past 256 bytes");
	is_int(b.len, 4 + 2 + 599, "printf long length");
	ok(b.d[4] == '[' && b.d[5] == 'z' && b.d[604] == ']' &&
	    b.d[605] == '\0', "printf long contents");
	buf_release(&b);

	buf_init(&b, 10);
	is_int(buf_printf(&b, "%s", "0123456789"), 0, "printf to the cap");
	is_int(buf_printf(&b, "%d", 1), AZKV_ERR_PROTOCOL,
	    "printf past the cap");
	is_str(b.d, "0123456789", "printf past the cap leaves contents");
	buf_release(&b);

	buf_init(&b, 300);
	i = buf_printf(&b, "%s", big);
	is_int(i, AZKV_ERR_PROTOCOL, "long printf past the cap");
	is_int(b.len, 0, "long printf past the cap appends nothing");
	buf_release(&b);
}

static void
test_detach(void)
{
	struct buf b;
	char *p;
	size_t len = 99;

	buf_init(&b, 0);
	p = buf_detach(&b, &len);
	ok(p != NULL && p[0] == '\0', "detach of an empty buffer is \"\"");
	is_int(len, 0, "detach of an empty buffer: len 0");
	azkv_freezero(p, len + 1);

	buf_append_str(&b, "secret");
	p = buf_detach(&b, &len);
	is_str(p, "secret", "detach hands over the string");
	is_int(len, 6, "detach length");
	ok(b.len == 0 && b.alloc == 0 && b.d != p && b.d[0] == '\0',
	    "buffer is empty after detach");
	is_int(buf_append_str(&b, "next"), 0, "buffer reusable after detach");
	is_str(p, "secret", "detached string independent of the buffer");
	azkv_freezero(p, len);
	p = buf_detach(&b, NULL);
	is_str(p, "next", "detach with NULL len");
	free(p);
	buf_release(&b);
}

int
main(void)
{
	test_appends();
	test_growth();
	test_printf();
	test_detach();
	return tap_done();
}
