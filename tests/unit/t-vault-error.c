/* t-vault-error.c: Key Vault error replies to codes and messages. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vault-int.h"
#include "tap.h"

static const struct {
	enum vault_op	 op;
	long		 status;
	const char	*body;
	const char	*request_id;
	int		 want;
	const char	*message;	/* after "cannot ... 'myvault': " */
} cases[] = {
	{ VAULT_GET, 403, "{\"error\":{\"code\":\"Forbidden\",\"message\":"
	    "\"Caller is not authorized\",\"innererror\":{\"code\":"
	    "\"ForbiddenByRbac\"}}}", "a1b2-c3",
	    AZKV_ERR_DENIED, "cannot read secret 'ftpadmin' from 'myvault': "
	    "access denied (403 Forbidden/ForbiddenByRbac); grant the "
	    "identity 'Key Vault Secrets User' [request id a1b2-c3]" },
	{ VAULT_SET, 403, "{\"error\":{\"code\":\"Forbidden\",\"innererror\":"
	    "{\"code\":\"ForbiddenByRbac\"}}}", NULL, AZKV_ERR_DENIED,
	    "cannot write secret 'ftpadmin' to 'myvault': access denied "
	    "(403 Forbidden/ForbiddenByRbac); grant the identity 'Key Vault "
	    "Secrets Officer'" },
	{ VAULT_DELETE, 403, "{\"error\":{\"code\":\"Forbidden\",\"message\":"
	    "\"The user, group or application does not have secrets delete "
	    "permission\"}}", NULL, AZKV_ERR_DENIED,
	    "cannot delete secret 'ftpadmin' from 'myvault': access denied "
	    "(403 Forbidden); grant the identity 'Key Vault Secrets Officer' "
	    "(or a 'set'/'delete' secret access policy)" },
	{ VAULT_GET, 403, "{\"error\":{\"code\":\"Forbidden\",\"innererror\":"
	    "{\"code\":\"ForbiddenByFirewall\"}}}", NULL, AZKV_ERR_DENIED,
	    "cannot read secret 'ftpadmin' from 'myvault': access denied "
	    "(403 Forbidden/ForbiddenByFirewall); the vault's firewall does "
	    "not admit this machine's address" },
	/* recorded 403 SecretDisabled, verbatim */
	{ VAULT_GET, 403, "{\"error\":{\"code\":\"Forbidden\",\"message\":"
	    "\"Operation get is not allowed on a disabled secret.\","
	    "\"innererror\":{\"code\":\"SecretDisabled\"}}}", "r-1",
	    AZKV_ERR_DISABLED, "cannot read secret 'ftpadmin' from 'myvault': "
	    "the secret is disabled (403 Forbidden/SecretDisabled); enable it "
	    "or read an enabled version [request id r-1]" },
	{ VAULT_GET, 403, "{\"error\":{\"code\":\"Forbidden\",\"innererror\":"
	    "{\"code\":\"SecretExpired\"}}}", NULL, AZKV_ERR_DISABLED,
	    "cannot read secret 'ftpadmin' from 'myvault': the secret has "
	    "expired (403 Forbidden/SecretExpired); set a new version or "
	    "extend its expiry" },
	/* recursive innererror: the innermost code is shown */
	{ VAULT_GET, 403, "{\"error\":{\"code\":\"Forbidden\",\"innererror\":"
	    "{\"code\":\"A\",\"innererror\":{\"code\":\"ForbiddenByRbac\","
	    "\"innererror\":{}}}}}", NULL, AZKV_ERR_DENIED,
	    "cannot read secret 'ftpadmin' from 'myvault': access denied "
	    "(403 Forbidden/ForbiddenByRbac); grant the identity 'Key Vault "
	    "Secrets User'" },
	/* recorded 404, pretty-printed as the recorder stored it */
	{ VAULT_GET, 404, "{\n  \"error\": {\n    \"code\": \"SecretNotFound\","
	    "\n    \"message\": \"A secret with (name/id) x was not found in "
	    "this key vault.\"\n  }\n}", "req-404", AZKV_ERR_NOTFOUND,
	    "cannot read secret 'ftpadmin' from 'myvault': no such secret "
	    "(404 SecretNotFound) [request id req-404]" },
	{ VAULT_DELETE, 404, "", NULL, AZKV_ERR_NOTFOUND,
	    "cannot delete secret 'ftpadmin' from 'myvault': no such secret "
	    "(404 Not Found)" },
	{ VAULT_SET, 409, "{\"error\":{\"code\":\"Conflict\",\"message\":"
	    "\"Secret ftpadmin is currently in a deleted but recoverable "
	    "state\",\"innererror\":{\"code\":\"ObjectIsDeletedButRecoverable\""
	    "}}}", NULL, AZKV_ERR_CONFLICT,
	    "cannot write secret 'ftpadmin' to 'myvault': conflict (409 "
	    "Conflict/ObjectIsDeletedButRecoverable); a deleted secret still "
	    "holds this name: recover it or purge it first" },
	{ VAULT_GET, 401, "{\"error\":{\"code\":\"Unauthorized\",\"message\":"
	    "\"AKV10032: Invalid issuer.\"}}", NULL, AZKV_ERR_DENIED,
	    "cannot read secret 'ftpadmin' from 'myvault': access denied "
	    "(401 Unauthorized); the vault refused the identity's token (is "
	    "the vault in another tenant?)" },
	{ VAULT_GET, 429, "{\"error\":{\"code\":\"Throttled\"}}", NULL,
	    AZKV_ERR_THROTTLED, "cannot read secret 'ftpadmin' from 'myvault': "
	    "throttled by the vault until the deadline (429 Throttled); try "
	    "again later or raise --timeout" },
	/* non-JSON, empty, truncated and hostile bodies */
	{ VAULT_GET, 500, "<html>oops</html>", "x-1", AZKV_ERR_SERVER,
	    "cannot read secret 'ftpadmin' from 'myvault': vault server error "
	    "(500 Internal Server Error) [request id x-1]" },
	{ VAULT_GET, 503, "{\"error\":{\"code\":\"Serv", NULL,
	    AZKV_ERR_SERVER, "cannot read secret 'ftpadmin' from 'myvault': "
	    "vault server error (503 Service Unavailable)" },
	{ VAULT_GET, 599, "", NULL, AZKV_ERR_SERVER,
	    "cannot read secret 'ftpadmin' from 'myvault': vault server error "
	    "(599)" },
	{ VAULT_SET, 400, "{\"error\":{\"code\":\"BadParameter\",\"message\":"
	    "\"secret-value-must-not-echo\"}}", NULL, AZKV_ERR_SERVER,
	    "cannot write secret 'ftpadmin' to 'myvault': request refused by "
	    "the vault (400 BadParameter)" },
	{ VAULT_GET, 403, "{\"error\":{\"code\":\"Forb\\u0000idden\\n\\\"x\","
	    "\"innererror\":\"str\"}}", "id with spaces\r\n;", AZKV_ERR_DENIED,
	    "cannot read secret 'ftpadmin' from 'myvault': access denied "
	    "(403 Forb); grant the identity 'Key Vault Secrets User' "
	    "(or a 'get' secret access policy) [request id idwithspaces]" },
	{ VAULT_GET, 403, "[1,2,3]", NULL, AZKV_ERR_DENIED,
	    "cannot read secret 'ftpadmin' from 'myvault': access denied "
	    "(403 Forbidden); grant the identity 'Key Vault Secrets User' "
	    "(or a 'get' secret access policy)" },
	{ VAULT_GET, 404, "{\"error\":{\"code\":12,\"innererror\":{\"code\":"
	    "[]}}}", NULL, AZKV_ERR_NOTFOUND, "cannot read secret 'ftpadmin' "
	    "from 'myvault': no such secret (404 Not Found)" },
};

int
main(void)
{
	struct vault_target t;
	struct vault_error e;
	struct http_resp resp;
	struct azkv *ctx;
	size_t i;
	int r;

	memset(&t, 0, sizeof(t));
	t.name = (char *)(uintptr_t)"ftpadmin";
	t.display = (char *)(uintptr_t)"myvault";
	if ((ctx = azkv_new()) == NULL)
		return 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_resp_init(&resp);
		resp.status = cases[i].status;
		buf_append_str(&resp.body, cases[i].body);
		if (cases[i].request_id != NULL)
			resp.request_id = strdup(cases[i].request_id);
		vault_error_parse(&resp, &e);
		r = vault_error_set(ctx, cases[i].op, &t, &e);
		is_int(r, cases[i].want, "case %zu: class", i);
		is_int(vault_error_class(&e), cases[i].want,
		    "case %zu: vault_error_class agrees", i);
		is_str(azkv_last_error(ctx), cases[i].message,
		    "case %zu: message", i);
		ok(strstr(azkv_last_error(ctx), "must-not-echo") == NULL,
		    "case %zu: server message not echoed", i);
		http_resp_release(&resp);
	}

	/* without x-ms-request-id, our client request id is shown */
	http_resp_init(&resp);
	resp.status = 502;
	vault_error_parse(&resp, &e);
	snprintf(e.client_id, sizeof(e.client_id), "%s",
	    "6f1c2a3b-0000-4000-8000-000000000001");
	vault_error_set(ctx, VAULT_GET, &t, &e);
	is_str(azkv_last_error(ctx), "cannot read secret 'ftpadmin' from "
	    "'myvault': vault server error (502 Bad Gateway) [client request "
	    "id 6f1c2a3b-0000-4000-8000-000000000001]",
	    "no request id: the client request id instead");
	http_resp_release(&resp);

	/* a deep innererror chain (within json.c's depth cap) is walked */
	http_resp_init(&resp);
	resp.status = 403;
	buf_append_str(&resp.body, "{\"error\":{\"code\":\"Forbidden\"");
	for (i = 0; i < 50; i++)
		buf_append_str(&resp.body, ",\"innererror\":{\"code\":\"X\"");
	for (i = 0; i < 50; i++)
		buf_append_str(&resp.body, "}");
	buf_append_str(&resp.body, "}}");
	vault_error_parse(&resp, &e);
	is_str(e.code, "Forbidden", "deep chain: code");
	is_str(e.inner, "X", "deep chain: inner code");
	http_resp_release(&resp);
	http_resp_init(&resp);
	resp.status = 403;
	for (i = 0; i < 1000; i++)
		buf_append_str(&resp.body, "{\"error\":");
	vault_error_parse(&resp, &e);
	is_int(vault_error_class(&e), AZKV_ERR_DENIED,
	    "nesting past the cap: still a plain 403");
	http_resp_release(&resp);

	/* wrapping a lower-level error keeps its text */
	t.version = NULL;
	seterr(ctx, AZKV_ERR_TIMEOUT, "deadline of 5 s exceeded");
	is_int(vault_error_wrap(ctx, VAULT_GET, &t, AZKV_ERR_TIMEOUT),
	    AZKV_ERR_TIMEOUT, "wrap keeps the code");
	is_str(azkv_last_error(ctx), "cannot read secret 'ftpadmin' from "
	    "'myvault': deadline of 5 s exceeded", "wrap prefixes the text");
	azkv_free(ctx);
	return tap_done();
}
