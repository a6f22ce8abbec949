/* token.c: token endpoint replies, expiry formats, JWT claims, token objects. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "azkv-int.h"
#include "identity-int.h"

#define TOKEN_VALUE_MAX		(64 * 1024)
#define LIFETIME_MAX		(10LL * 366 * 86400)	/* sanity bound */
#define REFRESH_MARGIN		300			/* seconds */
#define HALF_LIFE_MIN		7200

struct azkv_token *
token_new(const char *value, time_t expires_on, time_t refresh_on,
    const char *resource, const char *source)
{
	struct azkv_token *tok;

	if ((tok = calloc(1, sizeof(*tok))) == NULL)
		return NULL;
	tok->expires_on = expires_on;
	tok->refresh_on = refresh_on;
	if ((tok->value = strdup(value)) == NULL ||
	    (resource != NULL && (tok->resource = strdup(resource)) == NULL) ||
	    (source != NULL && (tok->source = strdup(source)) == NULL)) {
		azkv_token_free(tok);
		return NULL;
	}
	return tok;
}

int
token_dup(const struct azkv_token *tok, struct azkv_token **out)
{
	struct azkv_token *t;

	if ((t = token_new(tok->value, tok->expires_on, tok->refresh_on,
	    tok->resource, tok->source)) == NULL)
		return AZKV_ERR_NOMEM;
	memcpy(t->cache_key, tok->cache_key, sizeof(t->cache_key));
	*out = t;
	return 0;
}

void
azkv_token_free(struct azkv_token *tok)
{
	if (tok == NULL)
		return;
	if (tok->value != NULL)
		azkv_freezero(tok->value, strlen(tok->value));
	free(tok->resource);
	free(tok->source);
	json_free(tok->claims);
	azkv_freezero(tok, sizeof(*tok));
}

const char *
azkv_token_value(const struct azkv_token *tok)
{
	return tok == NULL ? NULL : tok->value;
}

time_t
azkv_token_expires(const struct azkv_token *tok)
{
	return tok == NULL ? 0 : tok->expires_on;
}

/* ---- dates ---------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* Read between min and max decimal digits. */
static int
digits(const char **p, int min, int max, int *out)
{
	int n = 0, v = 0;

	while (n < max && isdigit((unsigned char)(*p)[n])) {
		v = v * 10 + ((*p)[n] - '0');
		n++;
	}
	if (n < min)
		return -1;
	*p += n;
	*out = v;
	return 0;
}

static int
lit(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

static void
spaces(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* "Z", "UTC", "GMT", "+HH:MM", "+HHMM", "-HH" or nothing: seconds east. */
static int
zone(const char **p, long *off)
{
	int h = 0, m = 0, sign;

	spaces(p);
	*off = 0;
	if (**p == '\0')
		return 0;
	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		return 0;
	}
	if (strncasecmp(*p, "UTC", 3) == 0 || strncasecmp(*p, "GMT", 3) == 0)
		*p += 3;
	if (**p != '+' && **p != '-')
		return **p == '\0' ? 0 : -1;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (digits(p, 2, 2, &h) != 0)
		return -1;
	if (**p == ':')
		(*p)++;
	if (isdigit((unsigned char)**p) && digits(p, 2, 2, &m) != 0)
		return -1;
	if (h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

static int
to_epoch(int y, int mo, int d, int h, int mi, int s, long off, time_t *out)
{
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
		return -1;
	*out = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + s - off);
	return 0;
}

/* 2019-06-20T02:57:58.123+00:00 (also with a space, or no zone = UTC) */
static int
date_rfc3339(const char *p, time_t *out)
{
	int y, mo, d, h, mi, s, junk;
	long off;

	if (digits(&p, 4, 4, &y) || lit(&p, '-') || digits(&p, 2, 2, &mo) ||
	    lit(&p, '-') || digits(&p, 2, 2, &d))
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (digits(&p, 2, 2, &h) || lit(&p, ':') || digits(&p, 2, 2, &mi) ||
	    lit(&p, ':') || digits(&p, 2, 2, &s))
		return -1;
	if (*p == '.' || *p == ',') {
		p++;
		if (digits(&p, 1, 9, &junk) != 0)
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (zone(&p, &off) != 0 || (spaces(&p), *p != '\0'))
		return -1;
	return to_epoch(y, mo, d, h, mi, s, off, out);
}

/* Thu, 20 Jun 2019 02:57:58 GMT (the weekday is optional, not checked) */
static int
date_rfc1123(const char *p, time_t *out)
{
	static const char *const mon[] = { "jan", "feb", "mar", "apr", "may",
	    "jun", "jul", "aug", "sep", "oct", "nov", "dec" };
	int y, mo, d, h, mi, s;
	long off;

	if (isalpha((unsigned char)*p)) {
		while (isalpha((unsigned char)*p))
			p++;
		if (lit(&p, ',') != 0)
			return -1;
	}
	spaces(&p);
	if (digits(&p, 1, 2, &d) != 0)
		return -1;
	spaces(&p);
	for (mo = 0; mo < 12; mo++)
		if (strncasecmp(p, mon[mo], 3) == 0)
			break;
	if (mo == 12)
		return -1;
	p += 3;
	mo++;
	spaces(&p);
	if (digits(&p, 4, 4, &y) != 0)
		return -1;
	spaces(&p);
	if (digits(&p, 2, 2, &h) || lit(&p, ':') || digits(&p, 2, 2, &mi) ||
	    lit(&p, ':') || digits(&p, 2, 2, &s))
		return -1;
	if (zone(&p, &off) != 0 || (spaces(&p), *p != '\0'))
		return -1;
	return to_epoch(y, mo, d, h, mi, s, off, out);
}

/*
 * App Service 2017: "06/20/2019 02:57:58 +00:00" (Linux) and
 * "1/16/2020 5:24:12 AM +00:00" (Windows): month/day/year.
 */
static int
date_appservice(const char *p, time_t *out)
{
	int y, mo, d, h, mi, s;
	long off;

	if (digits(&p, 1, 2, &mo) || lit(&p, '/') || digits(&p, 1, 2, &d) ||
	    lit(&p, '/') || digits(&p, 4, 4, &y))
		return -1;
	spaces(&p);
	if (digits(&p, 1, 2, &h) || lit(&p, ':') || digits(&p, 2, 2, &mi) ||
	    lit(&p, ':') || digits(&p, 2, 2, &s))
		return -1;
	spaces(&p);
	if (strncasecmp(p, "AM", 2) == 0 || strncasecmp(p, "PM", 2) == 0) {
		if (h < 1 || h > 12)
			return -1;
		h = (h % 12) + (toupper((unsigned char)*p) == 'P' ? 12 : 0);
		p += 2;
	}
	if (zone(&p, &off) != 0 || (spaces(&p), *p != '\0'))
		return -1;
	return to_epoch(y, mo, d, h, mi, s, off, out);
}

int
token_date_parse(const char *s, time_t *out)
{
	time_t t;

	while (*s == ' ')
		s++;
	if (date_rfc3339(s, &t) == 0 || date_appservice(s, &t) == 0 ||
	    date_rfc1123(s, &t) == 0) {
		*out = t;
		return 0;
	}
	return -1;
}

/* ---- reply parsing ----------------------------------------------------------- */

/*
 * A JSON number or numeric string as whole seconds: 1 found, 0 absent
 * (missing, null or ""), -1 present but not a usable number.
 */
static int
num_member(json_t obj, const char *key, int64_t *out)
{
	json_t v = json_get(obj, key);
	const char *s;
	char *end;
	long long n;
	double d;

	if (v == NULL || YAJL_IS_NULL(v))
		return 0;
	if (YAJL_IS_INTEGER(v)) {
		*out = YAJL_GET_INTEGER(v);
		return 1;
	}
	if (YAJL_IS_DOUBLE(v)) {
		d = YAJL_GET_DOUBLE(v);
		if (!isfinite(d) || d < -1e15 || d > 1e15)
			return -1;
		*out = (int64_t)d;
		return 1;
	}
	if (!YAJL_IS_STRING(v))
		return -1;
	s = YAJL_GET_STRING(v);
	while (*s == ' ')
		s++;
	if (*s == '\0')
		return 0;
	if (!isdigit((unsigned char)*s) && *s != '-')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	if (*end == '.')
		for (end++; isdigit((unsigned char)*end); end++)
			;
	while (*end == ' ')
		end++;
	if (*end != '\0')
		return -1;
	*out = n;
	return 1;
}

/* expires_on: number, numeric string or a date string. Same returns. */
static int
expires_on_member(json_t obj, time_t *out)
{
	json_t v = json_get(obj, "expires_on");
	int64_t n;
	int r;

	if ((r = num_member(obj, "expires_on", &n)) == 1) {
		*out = (time_t)n;
		return 1;
	}
	if (r == -1 && YAJL_IS_STRING(v) &&
	    token_date_parse(YAJL_GET_STRING(v), out) == 0)
		return 1;
	return r;
}

/* Header-safe token text: visible ASCII, no spaces. */
static int
token_text_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (s[n] <= ' ' || s[n] > '~')
			return 0;
	return n > 0 && n <= TOKEN_VALUE_MAX;
}

int
token_parse_reason(const char *body, size_t len, time_t now,
    struct azkv_token **out, char *why, size_t whylen)
{
	char jerr[128];
	json_t root = NULL, at;
	int64_t n;
	time_t expires = 0, refresh = 0;
	int r, have_refresh_in = 0, ret = AZKV_ERR_PROTOCOL;
	const char *reason = NULL;
	struct azkv_token *tok;

	jerr[0] = '\0';
	if (len == 0) {
		reason = "empty reply";
		goto out;
	}
	if ((root = json_parse(body, len, jerr, sizeof(jerr))) == NULL) {
		snprintf(why, whylen, "reply is not JSON%s%s",
		    jerr[0] ? ": " : "", jerr);
		goto out_noreason;
	}
	if (!YAJL_IS_OBJECT(root)) {
		reason = "reply is not a JSON object";
		goto out;
	}
	at = json_get(root, "access_token");
	if (at == NULL) {
		reason = "reply has no access_token";
		goto out;
	}
	if (!YAJL_IS_STRING(at) || !token_text_ok(YAJL_GET_STRING(at))) {
		reason = "access_token is not a usable string";
		goto out;
	}
	if ((r = num_member(root, "expires_in", &n)) == 1 && n > 0 &&
	    n <= LIFETIME_MAX)
		expires = now + (time_t)n;
	else if ((r = expires_on_member(root, &expires)) != 1)
		expires = 0;
	if (expires == 0) {
		reason = "reply has no usable expires_in or expires_on";
		goto out;
	}
	if (expires <= now) {
		reason = "the token has already expired";
		goto out;
	}
	if (expires - now > LIFETIME_MAX) {
		reason = "the token's expiry is implausibly far away";
		goto out;
	}
	if (num_member(root, "refresh_in", &n) == 1 && n > 0 &&
	    n < expires - now) {
		refresh = now + (time_t)n;
		have_refresh_in = 1;
	}
	if (!have_refresh_in) {
		if (expires - now >= HALF_LIFE_MIN)
			refresh = now + (expires - now) / 2;
		else if (expires - now > REFRESH_MARGIN)
			refresh = expires - REFRESH_MARGIN;
		else
			refresh = now;
	}
	if ((tok = token_new(YAJL_GET_STRING(at), expires, refresh, NULL,
	    NULL)) == NULL) {
		ret = AZKV_ERR_NOMEM;
		reason = "out of memory";
		goto out;
	}
	*out = tok;
	ret = 0;
 out:
	if (ret != 0 && reason != NULL)
		snprintf(why, whylen, "%s", reason);
 out_noreason:
	json_free(root);
	return ret;
}

int
token_parse(const char *body, size_t len, time_t now, struct azkv_token **out)
{
	char why[160];

	return token_parse_reason(body, len, now, out, why, sizeof(why));
}

/* ---- JWT claims ---------------------------------------------------------------- */

static int
b64url_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

/* Decode the base64url JWT payload segment into b. */
static int
b64url_decode(const char *s, size_t n, struct buf *b)
{
	unsigned long acc = 0;
	int bits = 0, v, r;
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		if ((v = b64url_val((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (char)((acc >> bits) & 0xff);
			if ((r = buf_append(b, &c, 1)) != 0)
				return r;
		}
	}
	return 0;
}

static int
claims_decode(struct azkv_token *tok)
{
	const char *p, *q;
	struct buf b;
	char err[64];
	int ret = -1;

	if (tok->value == NULL || (p = strchr(tok->value, '.')) == NULL)
		return -1;
	p++;
	if ((q = strchr(p, '.')) == NULL)
		return -1;
	buf_init(&b, 0);
	if (b64url_decode(p, (size_t)(q - p), &b) != 0)
		goto out;
	if ((tok->claims = json_parse(b.d, b.len, err, sizeof(err))) == NULL)
		goto out;
	if (!YAJL_IS_OBJECT(tok->claims)) {
		json_free(tok->claims);
		tok->claims = NULL;
		goto out;
	}
	ret = 0;
 out:
	buf_release(&b);
	return ret;
}

const char *
azkv_token_claim(const struct azkv_token *ctok, const char *claim)
{
	struct azkv_token *tok = (struct azkv_token *)(uintptr_t)ctok;
	json_t v;

	if (tok == NULL || claim == NULL)
		return NULL;
	if (tok->claims == NULL && claims_decode(tok) != 0)
		return NULL;
	if ((v = json_get(tok->claims, claim)) == NULL)
		return NULL;
	if (YAJL_IS_STRING(v))
		return YAJL_GET_STRING(v);
	if (YAJL_IS_NUMBER(v))
		return YAJL_GET_NUMBER(v);
	if (YAJL_IS_TRUE(v))
		return "true";
	if (YAJL_IS_FALSE(v))
		return "false";
	if (YAJL_IS_ARRAY(v) && v->u.array.len > 0 &&
	    YAJL_IS_STRING(v->u.array.values[0]))
		return YAJL_GET_STRING(v->u.array.values[0]);
	return NULL;
}
