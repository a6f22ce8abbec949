/* t-json.c: the wiping yajl tree: parse, limits, accessors. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "azkv-int.h"
#include "tap.h"

/* Texts that must parse (1) or fail (0). */
static void
test_parse(void)
{
	static const struct {
		const char	*text;
		int		 ok;
		const char	*why;	/* substring of the reason */
	} cases[] = {
		{ "{}", 1, NULL },
		{ "[]", 1, NULL },
		{ "\"s\"", 1, NULL },
		{ "123", 1, NULL },
		{ "null", 1, NULL },
		{ " {\"a\" : [1, 2.5, -3e2, true, false, null, {}]} ", 1, NULL },
		{ "", 0, NULL },
		{ "   ", 0, NULL },
		{ "{", 0, NULL },
		{ "{\"a\":", 0, NULL },
		{ "{\"a\":\"unterminated", 0, NULL },
		{ "{\"a\":1,}", 0, NULL },
		{ "{a:1}", 0, NULL },
		{ "{\"a\":1} x", 0, "trailing" },
		{ "{\"a\":1}{}", 0, NULL },
		{ "[1 2]", 0, NULL },
		{ "{\"a\":tru}", 0, NULL },
		{ "{\"a\":\"\\x\"}", 0, NULL },
		{ "{\"a\":\"\\ud800\"}", 1, NULL },	/* yajl keeps lone halves */
		{ "\"\xff\xfe\"", 0, NULL },		/* invalid UTF-8 */
		{ "/* c */ {}", 0, NULL },
		{ "{\"a\":01}", 0, NULL },
	};
	char err[128];
	json_t v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		v = json_parse(cases[i].text, strlen(cases[i].text), err,
		    sizeof(err));
		ok((v != NULL) == cases[i].ok, "parse case %zu: %s", i,
		    cases[i].ok ? "accepted" : "rejected");
		if (!cases[i].ok)
			ok(err[0] != '\0' && strchr(err, '\n') == NULL,
			    "case %zu reason '%s'", i, err);
		if (cases[i].why != NULL)
			ok(strstr(err, cases[i].why) != NULL,
			    "case %zu reason mentions '%s'", i, cases[i].why);
		json_free(v);
	}
}

static void
test_reason_has_no_input(void)
{
	const char *text = "{\"access_token\":\"eyJSECRETTOKEN";
	char err[256];
	json_t v;

	v = json_parse(text, strlen(text), err, sizeof(err));
	ok(v == NULL, "truncated token reply rejected");
	ok(strstr(err, "SECRET") == NULL, "reason does not quote the input");
	v = json_parse(text, strlen(text), NULL, 0);
	ok(v == NULL, "NULL errbuf is allowed");
}

static void
test_depth(void)
{
	char text[2 * 70 + 1];
	char err[128];
	json_t v;
	size_t depth;

	for (depth = 63; depth <= 66; depth++) {
		memset(text, '[', depth);
		memset(text + depth, ']', depth);
		text[2 * depth] = '\0';
		v = json_parse(text, 2 * depth, err, sizeof(err));
		if (depth <= 64)
			ok(v != NULL, "depth %zu accepted", depth);
		else
			ok(v == NULL && strstr(err, "deep") != NULL,
			    "depth %zu rejected: %s", depth, err);
		json_free(v);
	}
}

static void
test_size(void)
{
	size_t n = AZKV_BODY_MAX + 1, i;
	char *text, err[128];
	json_t v;

	if ((text = malloc(n + 1)) == NULL) {
		ok(0, "malloc");
		return;
	}
	/* a valid array of 1 MiB + 1 bytes: [0,0,...,0] padded with spaces */
	text[0] = '[';
	for (i = 1; i + 2 < n; i += 2) {
		text[i] = '0';
		text[i + 1] = ',';
	}
	text[i - 1] = ' ';
	for (; i < n - 1; i++)
		text[i] = ' ';
	text[n - 1] = ']';
	text[n] = '\0';
	v = json_parse(text, n, err, sizeof(err));
	ok(v == NULL && strstr(err, "1 MiB") != NULL,
	    "input over 1 MiB rejected: %s", err);
	json_free(v);
	v = json_parse(text + 1, n - 1, err, sizeof(err));
	ok(v == NULL, "junk rejected");
	json_free(v);
	text[n - 2] = ']';
	v = json_parse(text, n - 1, err, sizeof(err));
	ok(v != NULL && YAJL_IS_ARRAY(v) && v->u.array.len > 100000,
	    "1 MiB array accepted (%zu elements)",
	    v ? v->u.array.len : (size_t)0);
	json_free(v);
	free(text);
}

static void
test_ints(void)
{
	static const struct {
		const char	*text;
		int		 rc;
		int64_t		 want;
	} cases[] = {
		{ "{\"k\":0}", 0, 0 },
		{ "{\"k\":3599}", 0, 3599 },
		{ "{\"k\":-5}", 0, -5 },
		{ "{\"k\":\"1700000000\"}", 0, 1700000000 },
		{ "{\"k\":\"-7\"}", 0, -7 },
		{ "{\"k\":9223372036854775807}", 0, INT64_MAX },
		{ "{\"k\":\"9223372036854775807\"}", 0, INT64_MAX },
		{ "{\"k\":9223372036854775808}", -1, 0 },
		{ "{\"k\":\"9223372036854775808\"}", -1, 0 },
		{ "{\"k\":1.5}", -1, 0 },
		{ "{\"k\":1.0}", -1, 0 },
		{ "{\"k\":1e3}", -1, 0 },
		{ "{\"k\":\"1.5\"}", -1, 0 },
		{ "{\"k\":\"\"}", -1, 0 },
		{ "{\"k\":\" 5\"}", -1, 0 },
		{ "{\"k\":\"5 \"}", -1, 0 },
		{ "{\"k\":\"+5\"}", -1, 0 },
		{ "{\"k\":\"0x10\"}", -1, 0 },
		{ "{\"k\":\"5\\u0000\"}", -1, 0 },
		{ "{\"k\":\"-\"}", -1, 0 },
		{ "{\"k\":\"12/31/2024 10:00:00 PM +00:00\"}", -1, 0 },
		{ "{\"k\":true}", -1, 0 },
		{ "{\"k\":null}", -1, 0 },
		{ "{\"k\":[1]}", -1, 0 },
		{ "{\"k\":{}}", -1, 0 },
		{ "{\"other\":1}", -1, 0 },
		{ "[1]", -1, 0 },
	};
	json_t v;
	int64_t got;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = json_parse(cases[i].text, strlen(cases[i].text), NULL, 0);
		ok(v != NULL, "int case %zu parses", i);
		got = 42;
		rc = json_get_int(v, "k", &got);
		is_int(rc, cases[i].rc, "int case %zu: %s", i, cases[i].text);
		if (cases[i].rc == 0)
			is_int(got, cases[i].want, "int case %zu value", i);
		else
			is_int(got, 42, "int case %zu leaves *out", i);
		json_free(v);
	}
}

static void
test_accessors(void)
{
	const char *text = "{\"s\":\"str\",\"n\":5,\"t\":true,\"f\":false,"
	    "\"z\":null,\"o\":{\"in\":\"x\"},\"a\":[\"p\",\"q\"],\"e\":\"\","
	    "\"dup\":1,\"dup\":2}";
	const char *path[] = { "o", "in", NULL };
	json_t v, o;

	v = json_parse(text, strlen(text), NULL, 0);
	ok(v != NULL && YAJL_IS_OBJECT(v), "object parsed");
	is_str(json_get_str(v, "s"), "str", "string member");
	ok(json_get_str(v, "n") == NULL, "number is not a string");
	ok(json_get_str(v, "o") == NULL, "object is not a string");
	ok(json_get_str(v, "absent") == NULL, "absent string");
	is_str(json_get_str(v, "e"), "", "empty string member");
	is_int(json_get_bool(v, "t"), 1, "true");
	is_int(json_get_bool(v, "f"), 0, "false");
	is_int(json_get_bool(v, "z"), -1, "null is not a bool");
	is_int(json_get_bool(v, "s"), -1, "string is not a bool");
	is_int(json_get_bool(v, "absent"), -1, "absent bool");
	o = json_get(v, "o");
	ok(o != NULL && YAJL_IS_OBJECT(o), "nested object");
	is_str(json_get_str(o, "in"), "x", "nested member");
	ok(json_get(json_get(v, "a"), "p") == NULL, "json_get on an array");
	ok(json_get(NULL, "x") == NULL, "json_get on NULL");
	ok(json_get_str(NULL, "x") == NULL, "json_get_str on NULL");
	is_int(json_get_bool(NULL, "x"), -1, "json_get_bool on NULL");
	ok(json_get(v, "S") == NULL, "keys are case-sensitive");
	o = json_get(v, "a");
	ok(YAJL_IS_ARRAY(o) && o->u.array.len == 2 &&
	    YAJL_IS_STRING(o->u.array.values[1]) &&
	    strcmp(o->u.array.values[1]->u.string, "q") == 0,
	    "array elements in order");
	o = yajl_tree_get(v, path, yajl_t_string);
	ok(YAJL_IS_STRING(o) && strcmp(o->u.string, "x") == 0,
	    "yajl_tree_get works on the tree");
	o = json_get(v, "n");
	ok(YAJL_IS_INTEGER(o) && YAJL_GET_INTEGER(o) == 5,
	    "YAJL_IS_INTEGER/GET_INTEGER work");
	o = json_get(v, "dup");
	ok(o != NULL && YAJL_GET_INTEGER(o) == 1, "first duplicate wins");
	json_free(v);
	json_free(NULL);
	ok(1, "json_free(NULL)");
}

static void
test_strings(void)
{
	static const struct {
		const char	*text;
		const char	*want;
		size_t		 len;
	} cases[] = {
		{ "{\"k\":\"plain\"}", "plain", 5 },
		{ "{\"k\":\"a\\u002Bb\"}", "a+b", 3 },
		{ "{\"k\":\"\\u00e9\"}", "\xc3\xa9", 2 },
		{ "{\"k\":\"\\u20ac\"}", "\xe2\x82\xac", 3 },
		{ "{\"k\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80", 4 },
		{ "{\"k\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "\"\\/\b\f\n\r\t",
		    8 },
		{ "{\"k\":\"x\\u0000y\"}", "x\0y", 3 },
		{ "{\"k\":\"\xc3\xa9\"}", "\xc3\xa9", 2 },
		{ "{\"k\":\"\"}", "", 0 },
	};
	json_t v, s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = json_parse(cases[i].text, strlen(cases[i].text), NULL, 0);
		s = json_get(v, "k");
		ok(s != NULL && YAJL_IS_STRING(s), "string case %zu parses",
		    i);
		is_int(json_str_len(s), cases[i].len, "string case %zu length",
		    i);
		ok(s != NULL && memcmp(s->u.string, cases[i].want,
		    cases[i].len + 1) == 0, "string case %zu bytes", i);
		json_free(v);
	}
	ok(json_str_len(NULL) == 0, "json_str_len(NULL)");
}

static void
test_allocator(void)
{
	char *p, *q;

	p = json_wipe_malloc(10);
	ok(p != NULL && json_wipe_size(p) == 10, "block records its size");
	memcpy(p, "0123456789", 10);
	q = json_wipe_realloc(p, 20);
	ok(q != NULL && json_wipe_size(q) == 20 &&
	    memcmp(q, "0123456789", 10) == 0, "realloc grows and copies");
	p = json_wipe_realloc(q, 4);
	ok(p != NULL && memcmp(p, "0123", 4) == 0, "realloc shrinks");
	ok(json_wipe_realloc(p, 0) == NULL, "realloc to 0 frees");
	p = json_wipe_calloc(4, 8);
	ok(p != NULL && memcmp(p, "\0\0\0\0\0\0\0\0", 8) == 0,
	    "calloc zeroes");
	json_wipe_free(p);
	ok(json_wipe_calloc((size_t)-1, 16) == NULL, "calloc overflow");
	p = json_wipe_strdup("dup");
	is_str(p, "dup", "strdup");
	json_wipe_free(p);
	json_wipe_free(NULL);
	ok(json_alloc_funcs() != NULL, "yajl alloc funcs");
}

int
main(void)
{
	test_parse();
	test_reason_has_no_input();
	test_depth();
	test_size();
	test_ints();
	test_accessors();
	test_strings();
	test_allocator();
	return tap_done();
}
