/* t-token-parse.c: token replies of every identity source, dates, claims. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "azkv-int.h"
#include "identity-int.h"
#include "tap.h"

#define NOW	1700000000L	/* 2023-11-14T22:13:20Z */
#define D2019	1560999000L	/* shortly before 2019-06-20T02:57:58Z */
#define D2020	1579150000L	/* shortly before 2020-01-16T05:24:12Z */

struct ok_case {
	const char	*name;
	long		 now;
	const char	*body;
	long		 expires;	/* absolute */
	long		 refresh;	/* absolute */
	const char	*token;
};

static const struct ok_case oks[] = {
	/* 1.2: IMDS documented sample, every value a string */
	{ "imds doc sample (strings)", NOW,
	  "{\"access_token\":\"eyJ0eXAi.x.y\",\"refresh_token\":\"\","
	  "\"expires_in\":\"3599\",\"expires_on\":\"1700003599\","
	  "\"not_before\":\"1699996000\",\"resource\":"
	  "\"https://management.azure.com/\",\"token_type\":\"Bearer\"}",
	  NOW + 3599, NOW + 3599 - 300, "eyJ0eXAi.x.y" },
	{ "imds 24 h: refresh at half-life", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":\"86399\","
	  "\"expires_on\":\"1700086399\",\"token_type\":\"Bearer\"}",
	  NOW + 86399, NOW + 43199, "t" },
	{ "imds host-cached token: expires_in shorter than life", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":\"7200\"}",
	  NOW + 7200, NOW + 3600, "t" },
	{ "lifetime just under 2 h: 5 min before expiry", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":7199}",
	  NOW + 7199, NOW + 7199 - 300, "t" },
	{ "short lifetime: refresh now", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":200}",
	  NOW + 200, NOW, "t" },
	/* 2.2: App Service 2019: expires_on only, epoch string */
	{ "app service 2019 sample", NOW,
	  "{\"access_token\":\"eyJ0eXAi\",\"expires_on\":\"1700086400\","
	  "\"resource\":\"https://vault.azure.net\",\"token_type\":\"Bearer\","
	  "\"client_id\":\"5E29463D-71DA-4FE0-8E69-999B57DB23B0\"}",
	  1700086400, NOW + 43200, "eyJ0eXAi" },
	/* 2.2: App Service 2017 date strings */
	{ "app service 2017 linux date", D2019,
	  "{\"access_token\":\"t\",\"expires_on\":"
	  "\"06/20/2019 02:57:58 +00:00\",\"token_type\":\"Bearer\"}",
	  1560999478, 1560999478 - 300, "t" },
	{ "app service 2017 windows date (AM)", D2020,
	  "{\"access_token\":\"t\",\"expires_on\":"
	  "\"1/16/2020 5:24:12 AM +00:00\"}",
	  1579152252, 1579152252 - 300, "t" },
	{ "app service windows date (PM)", NOW,
	  "{\"access_token\":\"t\",\"expires_on\":"
	  "\"11/14/2023 11:13:20 PM +00:00\"}",
	  1700003600, 1700003600 - 300, "t" },
	{ "app service windows date (12 AM = midnight)", NOW,
	  "{\"access_token\":\"t\",\"expires_on\":"
	  "\"11/15/2023 12:13:20 AM +01:00\"}",
	  1700003600, 1700003600 - 300, "t" },
	/* 2.5: Service Fabric: expires_on string */
	{ "service fabric", NOW,
	  "{\"access_token\":\"t\",\"expires_on\":\"1700003600\","
	  "\"token_type\":\"Bearer\",\"resource\":\"https://vault.azure.net\"}",
	  1700003600, 1700003600 - 300, "t" },
	/* 2.6: Azure ML: expires_on integer */
	{ "azure ml integer expires_on", NOW,
	  "{\"access_token\":\"t\",\"expires_on\":1700003600,"
	  "\"resource\":\"https://vault.azure.net\",\"token_type\":\"Bearer\"}",
	  1700003600, 1700003600 - 300, "t" },
	/* 2.7: Entra v2: numbers, refresh_in */
	{ "entra v2 recorded reply", NOW,
	  "{\"token_type\":\"Bearer\",\"expires_in\":86399,"
	  "\"ext_expires_in\":86399,\"access_token\":\"access_token\"}",
	  NOW + 86399, NOW + 43199, "access_token" },
	{ "refresh_in number wins", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":86399,\"refresh_in\":600}",
	  NOW + 86399, NOW + 600, "t" },
	{ "refresh_in string", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":\"86399\","
	  "\"refresh_in\":\"43000\"}",
	  NOW + 86399, NOW + 43000, "t" },
	{ "refresh_in beyond expiry ignored", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":3600,\"refresh_in\":9999}",
	  NOW + 3600, NOW + 3300, "t" },
	{ "expires_in before expires_on", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":3600,"
	  "\"expires_on\":\"1800000000\"}",
	  NOW + 3600, NOW + 3300, "t" },
	{ "empty expires_in string: use expires_on", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":\"\","
	  "\"expires_on\":\"1700003600\"}",
	  1700003600, 1700003300, "t" },
	{ "null expires_in: use expires_on", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":null,"
	  "\"expires_on\":1700003600}",
	  1700003600, 1700003300, "t" },
	{ "garbage expires_in: use expires_on", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":\"soon\","
	  "\"expires_on\":1700003600}",
	  1700003600, 1700003300, "t" },
	{ "expires_in as a double", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":3599.7}",
	  NOW + 3599, NOW + 3299, "t" },
	{ "expires_in as a decimal string", NOW,
	  "{\"access_token\":\"t\",\"expires_in\":\"3599.0\"}",
	  NOW + 3599, NOW + 3299, "t" },
	{ "expires_on RFC 3339 Z", NOW,
	  "{\"access_token\":\"t\",\"expires_on\":\"2023-11-14T23:13:20Z\"}",
	  1700003600, 1700003300, "t" },
	{ "expires_on RFC 3339 fraction and offset", NOW,
	  "{\"access_token\":\"t\",\"expires_on\":"
	  "\"2023-11-15T00:13:20.1234567+01:00\"}",
	  1700003600, 1700003300, "t" },
	{ "expires_on RFC 1123", NOW,
	  "{\"access_token\":\"t\",\"expires_on\":"
	  "\"Tue, 14 Nov 2023 23:13:20 GMT\"}",
	  1700003600, 1700003300, "t" },
	{ "unknown members and nesting ignored", NOW,
	  "{\"x\":{\"y\":[1,2,{\"z\":null}]},\"access_token\":\"t\","
	  "\"expires_in\":\"3600\",\"token_type\":\"Bearer\"}",
	  NOW + 3600, NOW + 3300, "t" },
};

struct bad_case {
	const char	*name;
	const char	*body;
	const char	*why;	/* substring of the reason */
};

static const struct bad_case bads[] = {
	{ "empty body", "", "empty" },
	{ "not JSON", "<html>Service Unavailable</html>", "not JSON" },
	{ "truncated JSON", "{\"access_token\":\"SECRETVALUE\",\"expires_in\":",
	  "not JSON" },
	{ "array", "[\"SECRETVALUE\"]", "not a JSON object" },
	{ "string", "\"SECRETVALUE\"", "not a JSON object" },
	{ "empty object", "{}", "no access_token" },
	{ "error reply", "{\"error\":\"invalid_request\","
	  "\"error_description\":\"Identity not found\"}", "no access_token" },
	{ "empty access_token", "{\"access_token\":\"\",\"expires_in\":3600}",
	  "access_token" },
	{ "numeric access_token", "{\"access_token\":123,\"expires_in\":3600}",
	  "access_token" },
	{ "access_token with a line break",
	  "{\"access_token\":\"SECRET\\r\\nX-Evil: 1\",\"expires_in\":3600}",
	  "access_token" },
	{ "access_token with a space",
	  "{\"access_token\":\"SECRET VALUE\",\"expires_in\":3600}",
	  "access_token" },
	{ "no expiry", "{\"access_token\":\"SECRETVALUE\"}", "expires" },
	{ "expiry not a number", "{\"access_token\":\"SECRETVALUE\","
	  "\"expires_in\":\"soon\",\"expires_on\":\"tomorrow\"}", "expires" },
	{ "expiry object", "{\"access_token\":\"SECRETVALUE\","
	  "\"expires_on\":{\"t\":1}}", "expires" },
	{ "expires_in zero", "{\"access_token\":\"t\",\"expires_in\":0}",
	  "expires" },
	{ "expires_in negative", "{\"access_token\":\"t\",\"expires_in\":-5}",
	  "expires" },
	{ "expires_in overflows int64", "{\"access_token\":\"t\","
	  "\"expires_in\":\"99999999999999999999999\"}", "expires" },
	{ "expires_in huge number", "{\"access_token\":\"t\","
	  "\"expires_in\":99999999999999999999999}", "expires" },
	{ "expires_in 1e400", "{\"access_token\":\"t\",\"expires_in\":1e400}",
	  "expires" },
	{ "expires_in absurd", "{\"access_token\":\"t\","
	  "\"expires_in\":9000000000}", "expires" },
	{ "expires_on absurd", "{\"access_token\":\"t\","
	  "\"expires_on\":\"99999999999\"}", "far" },
	{ "expires_on in the past", "{\"access_token\":\"t\","
	  "\"expires_on\":\"1506484173\"}", "expired" },
	{ "expires_on equals now", "{\"access_token\":\"t\","
	  "\"expires_on\":1700000000}", "expired" },
	{ "expires_on invalid hour", "{\"access_token\":\"t\","
	  "\"expires_on\":\"1/16/2030 25:24:12 AM +00:00\"}", "expires" },
	{ "expires_on 31 February", "{\"access_token\":\"t\","
	  "\"expires_on\":\"2030-02-31T00:00:00Z\"}", "expires" },
	{ "expires_on trailing junk", "{\"access_token\":\"t\","
	  "\"expires_on\":\"2030-01-01T00:00:00Z junk\"}", "expires" },
	{ "expires_on AM hour 13", "{\"access_token\":\"t\","
	  "\"expires_on\":\"1/16/2030 13:24:12 PM +00:00\"}", "expires" },
};

struct date_case {
	const char	*s;
	long		 want;	/* -1: invalid */
};

static const struct date_case dates[] = {
	{ "2019-06-20T02:57:58Z", 1560999478 },
	{ "2019-06-20T02:57:58+00:00", 1560999478 },
	{ "2019-06-20 02:57:58", 1560999478 },
	{ "2019-06-20T04:57:58+0200", 1560999478 },
	{ "2019-06-19T21:57:58-05:00", 1560999478 },
	{ "Thu, 20 Jun 2019 02:57:58 GMT", 1560999478 },
	{ "20 Jun 2019 02:57:58 +0000", 1560999478 },
	{ "06/20/2019 02:57:58 +00:00", 1560999478 },
	{ "6/20/2019 2:57:58 AM +00:00", 1560999478 },
	{ "1/16/2020 5:24:12 AM +00:00", 1579152252 },
	{ "1/16/2020 12:24:12 PM +00:00", 1579177452 },
	{ "2/29/2020 00:00:00 +00:00", 1582934400 },
	{ "2/29/2019 00:00:00 +00:00", -1 },
	{ "13/01/2020 00:00:00 +00:00", -1 },
	{ "2019-06-20T02:57:58+25:00", -1 },
	{ "2019-06-20", -1 },
	{ "Thu, 20 Foo 2019 02:57:58 GMT", -1 },
	{ "", -1 },
	{ "1560999478", -1 },
};

static void
test_claims(void)
{
	struct azkv_token *tok;
	char body[1024];
	static const char payload[] =
	    "eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCIsIm9pZCI6IjExMTExMTEx"
	    "LTIyMjItMzMzMy00NDQ0LTU1NTU1NTU1NTU1NSIsImV4cCI6MTcwMDAwMzYwMCwi"
	    "eG1zX21pcmlkIjoiL3N1YnNjcmlwdGlvbnMvcy94Iiwib2siOnRydWUsInJvbGVz"
	    "IjpbImEiLCJiIl19";

	snprintf(body, sizeof(body), "{\"access_token\":\"eyJhbGciOiJub25lIn0"
	    ".%s.c2ln\",\"expires_in\":3600}", payload);
	if (!ok(token_parse(body, strlen(body), NOW, &tok) == 0,
	    "claims: token parses"))
		return;
	is_str(azkv_token_claim(tok, "aud"), "https://vault.azure.net",
	    "claims: aud");
	is_str(azkv_token_claim(tok, "oid"),
	    "11111111-2222-3333-4444-555555555555", "claims: oid");
	is_str(azkv_token_claim(tok, "exp"), "1700003600",
	    "claims: exp as decimal text");
	is_str(azkv_token_claim(tok, "xms_mirid"), "/subscriptions/s/x",
	    "claims: xms_mirid");
	is_str(azkv_token_claim(tok, "ok"), "true", "claims: boolean");
	is_str(azkv_token_claim(tok, "roles"), "a", "claims: first of array");
	ok(azkv_token_claim(tok, "nope") == NULL, "claims: absent -> NULL");
	is_str(azkv_token_claim(tok, "aud"), "https://vault.azure.net",
	    "claims: aud again (decoded once)");
	is_int(azkv_token_expires(tok), NOW + 3600, "claims: expires");
	azkv_token_free(tok);

	snprintf(body, sizeof(body),
	    "{\"access_token\":\"opaque-token\",\"expires_in\":3600}");
	if (ok(token_parse(body, strlen(body), NOW, &tok) == 0,
	    "opaque token parses")) {
		ok(azkv_token_claim(tok, "aud") == NULL,
		    "opaque token: no claims");
		is_str(azkv_token_value(tok), "opaque-token", "opaque value");
		azkv_token_free(tok);
	}
	snprintf(body, sizeof(body),
	    "{\"access_token\":\"a.!!!!.c\",\"expires_in\":3600}");
	if (ok(token_parse(body, strlen(body), NOW, &tok) == 0,
	    "bad base64 token parses")) {
		ok(azkv_token_claim(tok, "aud") == NULL,
		    "bad base64: no claims");
		azkv_token_free(tok);
	}
	snprintf(body, sizeof(body),
	    "{\"access_token\":\"a.WzEsMl0.c\",\"expires_in\":3600}");
	if (ok(token_parse(body, strlen(body), NOW, &tok) == 0,
	    "array payload token parses")) {
		ok(azkv_token_claim(tok, "aud") == NULL,
		    "array payload: no claims");
		azkv_token_free(tok);
	}
	ok(azkv_token_claim(NULL, "aud") == NULL, "claims: NULL token");
	azkv_token_free(NULL);
	ok(1, "azkv_token_free(NULL)");
}

int
main(void)
{
	struct azkv_token *tok, *copy;
	char why[160];
	size_t i;
	time_t t;
	int r;

	for (i = 0; i < sizeof(oks) / sizeof(oks[0]); i++) {
		tok = NULL;
		r = token_parse(oks[i].body, strlen(oks[i].body),
		    (time_t)oks[i].now, &tok);
		if (!is_int(r, 0, "%s: parses", oks[i].name) || tok == NULL)
			continue;
		is_int(tok->expires_on, oks[i].expires, "%s: expires_on",
		    oks[i].name);
		is_int(tok->refresh_on, oks[i].refresh, "%s: refresh_on",
		    oks[i].name);
		is_str(azkv_token_value(tok), oks[i].token, "%s: value",
		    oks[i].name);
		azkv_token_free(tok);
	}
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		tok = NULL;
		why[0] = '\0';
		r = token_parse_reason(bads[i].body, strlen(bads[i].body),
		    (time_t)NOW, &tok, why, sizeof(why));
		is_int(r, AZKV_ERR_PROTOCOL, "%s: rejected", bads[i].name);
		ok(tok == NULL, "%s: no token", bads[i].name);
		ok(strstr(why, bads[i].why) != NULL, "%s: reason '%s'",
		    bads[i].name, why);
		ok(strstr(why, "SECRET") == NULL && strstr(why, "html") ==
		    NULL, "%s: reason holds no body bytes", bads[i].name);
	}
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		t = 0;
		r = token_date_parse(dates[i].s, &t);
		if (dates[i].want < 0)
			is_int(r, -1, "date '%s' rejected", dates[i].s);
		else if (is_int(r, 0, "date '%s' parses", dates[i].s))
			is_int(t, dates[i].want, "date '%s' value",
			    dates[i].s);
	}
	/* token_dup copies everything but the claims */
	if (token_parse(oks[0].body, strlen(oks[0].body), NOW, &tok) == 0) {
		ok(token_dup(tok, &copy) == 0, "token_dup");
		is_str(copy->value, tok->value, "token_dup: value");
		ok(copy->value != tok->value, "token_dup: own copy");
		is_int(copy->refresh_on, tok->refresh_on, "token_dup: refresh");
		azkv_token_free(copy);
		azkv_token_free(tok);
	}
	test_claims();
	return tap_done();
}
