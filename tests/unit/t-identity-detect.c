/* t-identity-detect.c: environment -> identity source, reason, endpoint, identity. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "azkv-int.h"
#include "identity-int.h"
#include "tap.h"

#define UA	"11111111-2222-3333-4444-555555555555"
#define ARM	"/subscriptions/0000/resourceGroups/rg/providers/" \
		"Microsoft.ManagedIdentity/userAssignedIdentities/ua1"
#define IMDS_EP	"http://169.254.169.254/metadata/identity/oauth2/token"
#define WI_ENV	"AZURE_TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47", \
		"AZURE_CLIENT_ID=" UA, "AZURE_FEDERATED_TOKEN_FILE=/var/run/t"

struct dcase {
	const char	*name;
	const char	*env[10];	/* "NAME=value" */
	const char	*identity;
	const char	*sources;	/* identity.source */
	int		 rc;
	const char	*source;
	const char	*reason;	/* substring */
	const char	*endpoint;
	const char	*ident;
	const char	*err;		/* substring of the error text */
};

static const struct dcase cases[] = {
	{ "nothing set: IMDS default", { NULL }, NULL, NULL, 0, "imds",
	  "default", IMDS_EP, "system", NULL },
	{ "pod identity host", { "AZURE_POD_IDENTITY_AUTHORITY_HOST="
	  "http://127.0.0.1:8080/" }, NULL, NULL, 0, "imds",
	  "AZURE_POD_IDENTITY_AUTHORITY_HOST is set",
	  "http://127.0.0.1:8080/metadata/identity/oauth2/token", "system",
	  NULL },
	{ "app service", { "IDENTITY_ENDPOINT=http://localhost:4141/MSI/token",
	  "IDENTITY_HEADER=abc" }, NULL, NULL, 0, "appservice",
	  "IDENTITY_ENDPOINT and IDENTITY_HEADER are set",
	  "http://localhost:4141/MSI/token", "system", NULL },
	{ "service fabric", { "IDENTITY_ENDPOINT=https://localhost:2377/m",
	  "IDENTITY_HEADER=abc", "IDENTITY_SERVER_THUMBPRINT=AB" }, NULL, NULL,
	  0, "servicefabric", "IDENTITY_SERVER_THUMBPRINT",
	  "https://localhost:2377/m", "system", NULL },
	{ "service fabric over http refused", {
	  "IDENTITY_ENDPOINT=http://localhost:2377/m", "IDENTITY_HEADER=abc",
	  "IDENTITY_SERVER_THUMBPRINT=AB" }, NULL, NULL, AZKV_ERR_USAGE, NULL,
	  NULL, NULL, NULL, "must be https" },
	{ "arc", { "IDENTITY_ENDPOINT=http://localhost:40342/metadata/"
	  "identity/oauth2/token", "IMDS_ENDPOINT=http://localhost:40342" },
	  NULL, NULL, 0, "arc", "IDENTITY_ENDPOINT and IMDS_ENDPOINT are set",
	  "http://localhost:40342/metadata/identity/oauth2/token", "system",
	  NULL },
	{ "azure ml", { "MSI_ENDPOINT=http://127.0.0.1:46808/MSI/auth",
	  "MSI_SECRET=s" }, NULL, NULL, 0, "azureml",
	  "MSI_ENDPOINT and MSI_SECRET are set",
	  "http://127.0.0.1:46808/MSI/auth", "system", NULL },
	{ "azure ml default client id", { "MSI_ENDPOINT=http://h/MSI/auth",
	  "MSI_SECRET=s", "DEFAULT_IDENTITY_CLIENT_ID=" UA }, NULL, NULL, 0,
	  "azureml", "MSI_SECRET", "http://h/MSI/auth", "clientid=" UA, NULL },
	{ "cloud shell", { "MSI_ENDPOINT=http://localhost:50342/oauth2/token" },
	  NULL, NULL, 0, "cloudshell", "MSI_ENDPOINT is set",
	  "http://localhost:50342/oauth2/token", "system", NULL },
	{ "workload identity", { WI_ENV }, NULL, NULL, 0, "workload",
	  "AZURE_FEDERATED_TOKEN_FILE are set",
	  "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-"
	  "2d7cd011db47/oauth2/v2.0/token", "client_id=" UA, NULL },
	{ "workload identity, other cloud", { WI_ENV,
	  "AZURE_AUTHORITY_HOST=https://login.chinacloudapi.cn" }, NULL, NULL,
	  0, "workload", NULL, "https://login.chinacloudapi.cn/72f988bf-86f1-"
	  "41af-91ab-2d7cd011db47/oauth2/v2.0/token", "client_id=" UA, NULL },
	{ "workload identity, http authority refused", { WI_ENV,
	  "AZURE_AUTHORITY_HOST=http://login.example" }, NULL, NULL,
	  AZKV_ERR_USAGE, NULL, NULL, NULL, NULL, "must be an https" },
	{ "workload identity, bad tenant", {
	  "AZURE_TENANT_ID=../../evil", "AZURE_CLIENT_ID=" UA,
	  "AZURE_FEDERATED_TOKEN_FILE=/t" }, NULL, NULL, AZKV_ERR_USAGE, NULL,
	  NULL, NULL, NULL, "invalid AZURE_TENANT_ID" },
	{ "workload identity, identity setting wins", { WI_ENV },
	  "99999999-2222-3333-4444-555555555555", NULL, 0, "workload", NULL,
	  NULL, "client_id=99999999-2222-3333-4444-555555555555", NULL },
	{ "workload identity, object id refused", { WI_ENV },
	  "object://" UA, NULL, AZKV_ERR_USAGE, NULL, NULL, NULL, NULL,
	  "only by client id" },
	{ "workload needs all three", { "AZURE_TENANT_ID=t",
	  "AZURE_FEDERATED_TOKEN_FILE=/t" }, NULL, NULL, 0, "imds", NULL,
	  NULL, NULL, NULL },
	/* order */
	{ "order: service fabric first", { "IDENTITY_ENDPOINT=https://a/",
	  "IDENTITY_HEADER=h", "IDENTITY_SERVER_THUMBPRINT=AB",
	  "IMDS_ENDPOINT=http://b", "MSI_ENDPOINT=http://c", "MSI_SECRET=s",
	  WI_ENV }, NULL, NULL, 0, "servicefabric", NULL, NULL, NULL, NULL },
	{ "order: app service before arc", { "IDENTITY_ENDPOINT=http://a/",
	  "IDENTITY_HEADER=h", "IMDS_ENDPOINT=http://b" }, NULL, NULL, 0,
	  "appservice", NULL, NULL, NULL, NULL },
	{ "order: arc before azure ml", { "IDENTITY_ENDPOINT=http://a/",
	  "IMDS_ENDPOINT=http://b", "MSI_ENDPOINT=http://c", "MSI_SECRET=s" },
	  NULL, NULL, 0, "arc", NULL, NULL, NULL, NULL },
	{ "order: cloud shell before workload", { "MSI_ENDPOINT=http://c",
	  WI_ENV }, NULL, NULL, 0, "cloudshell", NULL, NULL, NULL, NULL },
	{ "IDENTITY_ENDPOINT alone: imds", { "IDENTITY_ENDPOINT=http://a/" },
	  NULL, NULL, 0, "imds", NULL, NULL, NULL, NULL },
	/* explicit choice */
	{ "identity.source overrides detection", {
	  "IDENTITY_ENDPOINT=http://a/", "IDENTITY_HEADER=h" }, NULL, "imds",
	  0, "imds", "identity.source", IMDS_EP, "system", NULL },
	{ "identity.source auto = detection", { "MSI_ENDPOINT=http://c" },
	  NULL, "auto", 0, "cloudshell", "MSI_ENDPOINT is set", NULL, NULL,
	  NULL },
	{ "identity.source list: first usable", { "MSI_ENDPOINT=http://c" },
	  NULL, "appservice, arc cloudshell imds", 0, "cloudshell",
	  "identity.source", "http://c", NULL, NULL },
	{ "identity.source list: none usable", { NULL }, NULL,
	  "appservice workload", AZKV_ERR_NOIDENTITY, NULL, NULL, NULL, NULL,
	  "IDENTITY_ENDPOINT" },
	/* selectors on IMDS */
	{ "imds system", { NULL }, "system", NULL, 0, "imds", NULL, NULL,
	  "system", NULL },
	{ "imds bare client id", { NULL }, UA, NULL, 0, "imds", NULL, NULL,
	  "client_id=" UA, NULL },
	{ "imds id://", { NULL }, "id://" UA, NULL, 0, "imds", NULL, NULL,
	  "client_id=" UA, NULL },
	{ "imds object://", { NULL }, "object://" UA, NULL, 0, "imds", NULL,
	  NULL, "object_id=" UA, NULL },
	{ "imds resource://", { NULL }, "resource://" ARM, NULL, 0, "imds",
	  NULL, NULL, "msi_res_id=" ARM, NULL },
	{ "bad selector word", { NULL }, "me", NULL, AZKV_ERR_USAGE, NULL,
	  NULL, NULL, NULL, "invalid identity 'me'" },
	{ "bad object id", { NULL }, "object://nope", NULL, AZKV_ERR_USAGE,
	  NULL, NULL, NULL, NULL, "invalid identity" },
	{ "bad resource id", { NULL }, "resource://rg/ua", NULL,
	  AZKV_ERR_USAGE, NULL, NULL, NULL, NULL, "ARM resource id" },
	{ "short guid", { NULL }, "1111111-2222-3333-4444-555555555555", NULL,
	  AZKV_ERR_USAGE, NULL, NULL, NULL, NULL, "invalid identity" },
	/* selectors on App Service */
	{ "app service client id", { "IDENTITY_ENDPOINT=http://a/",
	  "IDENTITY_HEADER=h" }, UA, NULL, 0, "appservice", NULL, NULL,
	  "client_id=" UA, NULL },
	{ "app service object id", { "IDENTITY_ENDPOINT=http://a/",
	  "IDENTITY_HEADER=h" }, "object://" UA, NULL, 0, "appservice", NULL,
	  NULL, "principal_id=" UA, NULL },
	{ "app service resource id", { "IDENTITY_ENDPOINT=http://a/",
	  "IDENTITY_HEADER=h" }, "resource://" ARM, NULL, 0, "appservice",
	  NULL, NULL, "mi_res_id=" ARM, NULL },
	/* selectors elsewhere */
	{ "azure ml client id", { "MSI_ENDPOINT=http://c", "MSI_SECRET=s" },
	  "id://" UA, NULL, 0, "azureml", NULL, NULL, "clientid=" UA, NULL },
	{ "azure ml object id refused", { "MSI_ENDPOINT=http://c",
	  "MSI_SECRET=s" }, "object://" UA, NULL, AZKV_ERR_USAGE, NULL, NULL,
	  NULL, NULL, "only by client id" },
	{ "arc user-assigned refused", { "IDENTITY_ENDPOINT=http://a/",
	  "IMDS_ENDPOINT=http://b" }, UA, NULL, AZKV_ERR_USAGE, NULL, NULL,
	  NULL, NULL, "Azure Arc does not support user-assigned" },
	{ "cloud shell user-assigned refused", { "MSI_ENDPOINT=http://c" },
	  "resource://" ARM, NULL, AZKV_ERR_USAGE, NULL, NULL, NULL, NULL,
	  "Cloud Shell does not support user-assigned" },
	{ "service fabric user-assigned refused", {
	  "IDENTITY_ENDPOINT=https://a/", "IDENTITY_HEADER=h",
	  "IDENTITY_SERVER_THUMBPRINT=AB" }, "object://" UA, NULL,
	  AZKV_ERR_USAGE, NULL, NULL, NULL, NULL,
	  "Service Fabric does not support user-assigned" },
	{ "arc refused, imds next in the list", { "IDENTITY_ENDPOINT=http://a/",
	  "IMDS_ENDPOINT=http://b" }, UA, "arc imds", 0, "imds", NULL, NULL,
	  "client_id=" UA, NULL },
};

static struct azkv *
make_ctx(const struct dcase *c)
{
	struct azkv *ctx = azkv_new();
	char name[64];
	const char *eq;
	size_t i;

	for (i = 0; i < 10 && c->env[i] != NULL; i++) {
		eq = strchr(c->env[i], '=');
		snprintf(name, sizeof(name), "env.%.*s",
		    (int)(eq - c->env[i]), c->env[i]);
		if (azkv_set(ctx, name, eq + 1) != 0)
			printf("# cannot set %s\n", name);
	}
	if (c->identity != NULL)
		azkv_set(ctx, "identity", c->identity);
	if (c->sources != NULL && azkv_set(ctx, "identity.source",
	    c->sources) != 0)
		printf("# cannot set identity.source %s\n", c->sources);
	return ctx;
}

static void
key_of(const char *const *env, const char *identity, const char *resource,
    char key[65])
{
	struct dcase c;
	struct azkv *ctx;
	size_t i;

	memset(&c, 0, sizeof(c));
	for (i = 0; env != NULL && env[i] != NULL && i < 7; i++)
		c.env[i] = env[i];
	c.identity = identity;
	ctx = make_ctx(&c);
	identity_cache_key(ctx, resource, key);
	azkv_free(ctx);
}

static void
test_cache_keys(void)
{
	static const char *const pod1[] = {
	    "AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:1", NULL };
	static const char *const pod2[] = {
	    "AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:2", NULL };
	char a[65], b[65];

	key_of(NULL, NULL, "https://vault.azure.net", a);
	is_int(strlen(a), 64, "cache key: 64 hex digits");
	ok(strspn(a, "0123456789abcdef") == 64, "cache key: lower-case hex");
	key_of(NULL, "system", "https://vault.azure.net/.default", b);
	ok(strcmp(a, b) == 0, "cache key: /.default and explicit system: same key");
	key_of(NULL, UA, "https://vault.azure.net", b);
	ok(strcmp(a, b) != 0, "cache key: identity changes it");
	key_of(NULL, NULL, "https://management.azure.com", b);
	ok(strcmp(a, b) != 0, "cache key: resource changes it");
	key_of(pod1, NULL, "https://vault.azure.net", a);
	key_of(pod2, NULL, "https://vault.azure.net", b);
	ok(strcmp(a, b) != 0, "cache key: endpoint changes it");
}

/* The in-process token is tied to (source, identity, resource). */
static void
test_memory_cache(void)
{
	struct azkv *ctx = azkv_new();
	struct azkv_token *out = NULL;
	time_t now = time(NULL);
	const char *res = "https://vault.azure.net";
	char key[65];

	/* an identity endpoint where nothing listens: fetching fails */
	azkv_set(ctx, "token-cache", "off");
	azkv_set(ctx, "timeout", "5");
	azkv_set(ctx, "env.IDENTITY_ENDPOINT", "http://127.0.0.1:9/");
	azkv_set(ctx, "env.IDENTITY_HEADER", "h");
	identity_cache_key(ctx, res, key);
	ctx->token = token_new("tok-A", now + 3600, now + 1800, res,
	    "appservice");
	snprintf(ctx->token->cache_key, sizeof(ctx->token->cache_key), "%s",
	    key);
	if (is_int(tokencache_get(ctx, res, &out), 0, "memory: hit"))
		is_str(azkv_token_value(out), "tok-A", "memory: the token");
	azkv_token_free(out);
	out = NULL;
	if (is_int(tokencache_get(ctx, "https://vault.azure.net/.default", &out), 0,
	    "memory: hit for resource/.default"))
		is_str(azkv_token_value(out), "tok-A", "memory: same token");
	azkv_token_free(out);
	out = NULL;
	azkv_set(ctx, "identity", UA);
	is_int(tokencache_get(ctx, res, &out), AZKV_ERR_NOIDENTITY,
	    "memory: another identity does not get it");
	ok(out == NULL, "memory: no token for another identity");
	azkv_set(ctx, "identity", NULL);
	ctx->token->refresh_on = now - 1;
	if (is_int(tokencache_get(ctx, res, &out), 0,
	    "memory: refresh fails, still valid token kept"))
		is_str(azkv_token_value(out), "tok-A", "memory: old token");
	azkv_token_free(out);
	out = NULL;
	ok(ctx->token->refresh_on > now, "memory: next refresh postponed");
	ctx->token->expires_on = now - 1;
	is_int(tokencache_get(ctx, res, &out), AZKV_ERR_NOIDENTITY,
	    "memory: an expired token is never returned");
	tokencache_drop(ctx, res);
	ok(ctx->token == NULL, "memory: dropped");
	azkv_free(ctx);
}

int
main(void)
{
	struct azkv_identity_info info;
	struct azkv *ctx;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *c = &cases[i];

		ctx = make_ctx(c);
		memset(&info, 0, sizeof(info));
		r = azkv_identity_detect(ctx, &info);
		if (!is_int(r, c->rc, "%s: result", c->name))
			printf("#   error: %s\n", azkv_last_error(ctx));
		if (r != 0) {
			ok(info.source == NULL, "%s: no output on error",
			    c->name);
			if (c->err != NULL)
				ok(strstr(azkv_last_error(ctx), c->err) != NULL,
				    "%s: error '%s'", c->name,
				    azkv_last_error(ctx));
			azkv_free(ctx);
			continue;
		}
		is_str(info.source, c->source, "%s: source", c->name);
		if (c->reason != NULL)
			ok(strstr(info.reason, c->reason) != NULL,
			    "%s: reason '%s'", c->name, info.reason);
		if (c->endpoint != NULL)
			is_str(info.endpoint, c->endpoint, "%s: endpoint",
			    c->name);
		if (c->ident != NULL)
			is_str(info.identity, c->ident, "%s: identity",
			    c->name);
		azkv_free(ctx);
	}
	ok(guid_valid(UA), "guid_valid: good");
	ok(!guid_valid("11111111-2222-3333-4444-55555555555g"),
	    "guid_valid: non-hex");
	ok(!guid_valid("111111112222-3333-4444-555555555555x"),
	    "guid_valid: no dash");
	is_int(idsrc_from_name("IMDS"), IDSRC_IMDS, "idsrc_from_name: case");
	is_int(idsrc_from_name("nope"), -1, "idsrc_from_name: unknown");
	test_cache_keys();
	test_memory_cache();
	return tap_done();
}
