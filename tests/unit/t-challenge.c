/* t-challenge.c: WWW-Authenticate Bearer challenge parsing. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vault-int.h"
#include "tap.h"

#define TENANT	"72f988bf-86f1-41af-91ab-2d7cd011db47"

static const struct {
	const char	*header;
	int		 ret;
	const char	*resource;
	const char	*tenant;
} cases[] = {
	/* verbatim from the recordings (azure-protocol.md section 5) */
	{ "Bearer authorization=\"https://login.windows.net/" TENANT "\", "
	    "resource=\"https://vault.azure.net\"", 0,
	    "https://vault.azure.net", TENANT },
	/* scope instead of resource; authorization_uri */
	{ "Bearer authorization=\"https://login.microsoftonline.com/" TENANT
	    "\", scope=\"https://vault.azure.net/.default\"", 0,
	    "https://vault.azure.net", TENANT },
	{ "Bearer authorization_uri=\"https://login.windows.net/" TENANT
	    "/\", resource=\"https://vault.azure.net/\"", 0,
	    "https://vault.azure.net", TENANT },
	/* scope wins over resource, as in the SDKs */
	{ "Bearer resource=\"https://a.example\", "
	    "scope=\"https://vault.azure.cn/.default\"", 0,
	    "https://vault.azure.cn", NULL },
	/* space separated (no commas), unquoted, odd spacing and case */
	{ "Bearer authorization=https://login.windows.net/abc "
	    "resource=https://vault.azure.net", 0,
	    "https://vault.azure.net", "abc" },
	{ "bearer   Resource = \"https://vault.azure.net\" ,, "
	    "AUTHORIZATION=\"https://login.windows.net/t1\"", 0,
	    "https://vault.azure.net", "t1" },
	{ "Bearer\tresource=\"https://vault.azure.net\"", 0,
	    "https://vault.azure.net", NULL },
	/* unknown parameters are ignored; escapes in quoted strings */
	{ "Bearer error=\"invalid_token\", error_description=\"a \\\"b\\\", "
	    "c=d\", resource=\"https://vault.azure.net\"", 0,
	    "https://vault.azure.net", NULL },
	{ "Bearer realm=\"\", resource=\"https://managedhsm.azure.net\", "
	    "claims=\"eyJhY2Nlc3NfdG9rZW4iOnt9fQ==\"", 0,
	    "https://managedhsm.azure.net", NULL },
	/* another challenge before and after the Bearer one */
	{ "PoP nonce=\"abc\", Bearer resource=\"https://vault.azure.net\"",
	    0, "https://vault.azure.net", NULL },
	{ "Bearer resource=\"https://vault.azure.net\", PoP "
	    "resource=\"https://evil.example\"", 0,
	    "https://vault.azure.net", NULL },
	/* a tenant that is not a plain segment is dropped, not trusted */
	{ "Bearer authorization=\"https://login.windows.net/\", "
	    "resource=\"https://vault.azure.net\"", 0,
	    "https://vault.azure.net", NULL },
	{ "Bearer authorization=\"not a url\", "
	    "resource=\"https://vault.azure.net\"", 0,
	    "https://vault.azure.net", NULL },
	/* the resource is returned as given: trust is checked elsewhere */
	{ "Bearer resource=\"https://management.azure.com/\"", 0,
	    "https://management.azure.com", NULL },

	/* failures */
	{ "", -1, NULL, NULL },
	{ "Bearer", -1, NULL, NULL },
	{ "Bearer authorization=\"https://login.windows.net/x\"", -1, NULL,
	    NULL },
	{ "Basic realm=\"x\", resource=\"https://vault.azure.net\"", -1, NULL,
	    NULL },
	{ "resource=\"https://vault.azure.net\"", -1, NULL, NULL },
	{ "Bearer resource=\"https://vault.azure.net", -1, NULL, NULL },
	{ "Bearer resource=\"https://vault.azure.net\\", -1, NULL, NULL },
	{ "Bearer resource=https://vault\"azure.net\"", -1, NULL, NULL },
	{ "Bearer resource=", -1, NULL, NULL },
	{ "Bearer resource=\"\"", -1, NULL, NULL },
	{ "Bearer resource=\"/.default\"", -1, NULL, NULL },
	{ "Bearer resource=\"https://a.example\", "
	    "resource=\"https://vault.azure.net\"", -1, NULL, NULL },
	{ "Bearer =\"x\", resource=\"https://vault.azure.net\"", -1, NULL,
	    NULL },
	{ "Bearer \"resource\"=\"https://vault.azure.net\"", -1, NULL, NULL },
	{ "Bearer scope=\"https://vault.azure.net/.default "
	    "https://graph.microsoft.com/.default\"", -1, NULL, NULL },
	{ "Bearer resource=\"https://vault.azure.net\r\nX-Evil: 1\"", -1,
	    NULL, NULL },
	{ "Bearer resource=\"https://vault.azure.net\x7f\"", -1, NULL, NULL },
	{ "Bearer resource=\"https://v\xc3\xa4ult.azure.net\"", -1, NULL,
	    NULL },
};

/* Feed one header; check the result and that outputs are untouched on error. */
static void
check(const char *h, int want, const char *res, const char *ten,
    const char *what)
{
	static char unset[] = "unset";
	char *r = unset, *t = unset;
	int got = challenge_parse(h, &r, &t);

	if (want == 0) {
		is_int(got, 0, "%s: parses", what);
		is_str(got == 0 ? r : NULL, res, "%s: resource", what);
		is_str(got == 0 ? t : NULL, ten, "%s: tenant", what);
		if (got == 0) {
			free(r);
			free(t);
		}
	} else {
		ok(got < 0, "%s: rejected (%d)", what, got);
		ok(r == unset && t == unset,
		    "%s: outputs untouched", what);
	}
}

int
main(void)
{
	char what[64], *big, *r, *t;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "case %zu", i);
		check(cases[i].header, cases[i].ret, cases[i].resource,
		    cases[i].tenant, what);
	}
	ok(challenge_parse(NULL, &r, &t) < 0, "NULL header rejected");

	/* a NUL inside a quoted value truncates the C string: unbalanced */
	{
		static const char nul[] = "Bearer resource=\"https://vault."
		    "azure.net\0\", resource=\"https://evil.example\"";

		check(nul, -1, NULL, NULL, "embedded NUL");
	}

	/* huge headers: over the cap rejected, long values rejected */
	n = VAULT_CHALLENGE_MAX * 4;
	if ((big = malloc(n + 1)) == NULL)
		return 1;
	memset(big, 'a', n);
	big[n] = '\0';
	check(big, -1, NULL, NULL, "huge token");
	memcpy(big, "Bearer resource=\"", 17);
	check(big, -1, NULL, NULL, "huge unbalanced quote");
	snprintf(big, n + 1, "Bearer resource=\"https://vault.azure.net\", "
	    "x=\"%0*d\"", 4000, 0);
	check(big, -1, NULL, NULL, "parameter value over the cap");
	snprintf(big, n + 1, "Bearer %0*d resource=\"https://vault.azure.net\"",
	    VAULT_CHALLENGE_MAX - 60, 0);
	check(big, -1, NULL, NULL, "long token68 then no Bearer params");
	/* many commas and spaces just under the cap still parse */
	memset(big, ',', VAULT_CHALLENGE_MAX);
	big[VAULT_CHALLENGE_MAX] = '\0';
	memcpy(big, "Bearer", 6);
	memcpy(big + 200, " resource=\"https://vault.azure.net\"", 35);
	check(big, 0, "https://vault.azure.net", NULL, "padding with commas");
	free(big);

	/* the tenant pointer may be NULL */
	r = NULL;
	is_int(challenge_parse("Bearer resource=\"https://vault.azure.net\"",
	    &r, NULL), 0, "tenant out-parameter optional");
	free(r);
	return tap_done();
}
