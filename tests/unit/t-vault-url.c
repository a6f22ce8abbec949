/* t-vault-url.c: vault addressing, request URLs and which hosts get a token. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vault-int.h"
#include "tap.h"

#define V1	"0123456789abcdef0123456789abcdef"
#define V2	"3614382ca2884c199e3272497f56086e"

static const struct {
	const char	*vault;		/* the "vault" setting */
	const char	*name;
	const char	*version;
	int		 ret;
	const char	*get_url;	/* GET URL with the default api */
	const char	*display;
} targets[] = {
	{ "myvault", "ftpadmin", NULL, 0,
	    "https://myvault.vault.azure.net/secrets/ftpadmin/?api-version=7.5",
	    "myvault" },
	{ "myvault", "ftpadmin", V2, 0,
	    "https://myvault.vault.azure.net/secrets/ftpadmin/" V2
	    "?api-version=7.5", "myvault" },
	{ "My-Vault-1", "a", NULL, 0,
	    "https://my-vault-1.vault.azure.net/secrets/a/?api-version=7.5",
	    "My-Vault-1" },
	{ "https://myvault.vault.azure.net", "x", NULL, 0,
	    "https://myvault.vault.azure.net/secrets/x/?api-version=7.5",
	    "https://myvault.vault.azure.net" },
	{ "https://myvault.vault.azure.net/", "x", NULL, 0,
	    "https://myvault.vault.azure.net/secrets/x/?api-version=7.5",
	    "https://myvault.vault.azure.net/" },
	{ "HTTPS://MyVault.Vault.Azure.CN", "x", NULL, 0,
	    "https://myvault.vault.azure.cn/secrets/x/?api-version=7.5",
	    "HTTPS://MyVault.Vault.Azure.CN" },
	{ "https://myvault.vault.localhost:8443", "x", NULL, 0,
	    "https://myvault.vault.localhost:8443/secrets/x/?api-version=7.5",
	    "https://myvault.vault.localhost:8443" },
	{ "myvault.vault.usgovcloudapi.net", "x", NULL, 0,
	    "https://myvault.vault.usgovcloudapi.net/secrets/x/"
	    "?api-version=7.5", "myvault.vault.usgovcloudapi.net" },
	/* a full secret URL overrides the vault setting */
	{ "other", "https://myvault.vault.azure.net/secrets/ftpadmin", NULL,
	    0, "https://myvault.vault.azure.net/secrets/ftpadmin/"
	    "?api-version=7.5", "https://myvault.vault.azure.net" },
	{ NULL, "https://myvault.vault.azure.net/secrets/ftpadmin/", NULL,
	    0, "https://myvault.vault.azure.net/secrets/ftpadmin/"
	    "?api-version=7.5", "https://myvault.vault.azure.net" },
	{ NULL, "https://myvault.vault.azure.net/secrets/ftpadmin/" V2, NULL,
	    0, "https://myvault.vault.azure.net/secrets/ftpadmin/" V2
	    "?api-version=7.5", "https://myvault.vault.azure.net" },
	{ NULL, "https://myvault.vault.azure.net/Secrets/ftpadmin/" V2 "/",
	    V2, 0, "https://myvault.vault.azure.net/secrets/ftpadmin/" V2
	    "?api-version=7.5", "https://myvault.vault.azure.net" },
	{ NULL, "https://myvault.vault.localhost:9/secrets/a-b", V1, 0,
	    "https://myvault.vault.localhost:9/secrets/a-b/" V1
	    "?api-version=7.5", "https://myvault.vault.localhost:9" },

	/* usage errors */
	{ NULL, "ftpadmin", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "", "ftpadmin", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", NULL, NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "ftp_admin", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "ftp/admin", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "..", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "a%2Fb", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "a?b", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "x", "", AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "x", "abc", AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "x", V1 "0", AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "x", "0123456789abcdef0123456789abcdeg", AZKV_ERR_USAGE,
	    NULL, NULL },
	{ "myvault", "x", "../../0123456789abcdef01234567", AZKV_ERR_USAGE,
	    NULL, NULL },
	{ "my", "x", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "my--vault", "x", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "1myvault", "x", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault-", "x", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault0123456789abcdefgh", "x", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "my_vault", "x", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "my vault", "x", NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ "http://myvault.vault.azure.net", "x", NULL, AZKV_ERR_USAGE, NULL,
	    NULL },
	{ "ftp://myvault.vault.azure.net", "x", NULL, AZKV_ERR_USAGE, NULL,
	    NULL },
	{ "https://user:pw@myvault.vault.azure.net", "x", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ "https://myvault.vault.azure.net/?x=1", "x", NULL, AZKV_ERR_USAGE,
	    NULL, NULL },
	{ "https://myvault.vault.azure.net/#f", "x", NULL, AZKV_ERR_USAGE,
	    NULL, NULL },
	{ "https://myvault.vault.azure.net/secrets", "x", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ "myvault", "http://myvault.vault.azure.net/secrets/x", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://u@myvault.vault.azure.net/secrets/x", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://myvault.vault.azure.net/secrets/x?api-version=7.4",
	    NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://myvault.vault.azure.net/secrets/x#frag", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://myvault.vault.azure.net/keys/x", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://myvault.vault.azure.net/secrets/", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://myvault.vault.azure.net/secrets//x", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://myvault.vault.azure.net/secrets/x/" V1 "/y", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://myvault.vault.azure.net/secrets/x/notaversion",
	    NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://myvault.vault.azure.net/secrets/x%2F..%2Fkeys",
	    NULL, AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://myvault.vault.azure.net/secrets/x_y", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://myvault.vault.azure.net/secrets/x/" V1, V2,
	    AZKV_ERR_USAGE, NULL, NULL },
	{ NULL, "https://my%20vault.vault.azure.net/secrets/x", NULL,
	    AZKV_ERR_USAGE, NULL, NULL },
};

static void
test_targets(void)
{
	struct vault_target t;
	struct azkv *ctx;
	char *url;
	size_t i;
	int r;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		if ((ctx = azkv_new()) == NULL)
			exit(1);
		if (targets[i].vault != NULL)
			azkv_set(ctx, "vault", targets[i].vault);
		r = vault_target_init(ctx, targets[i].name, targets[i].version,
		    &t);
		is_int(r, targets[i].ret, "target %zu (%s, %s): result", i,
		    targets[i].vault ? targets[i].vault : "-",
		    targets[i].name ? targets[i].name : "-");
		if (r != 0) {
			ok(strlen(azkv_last_error(ctx)) > 10,
			    "target %zu: message: %s", i, azkv_last_error(ctx));
			ok(t.base == NULL && t.name == NULL,
			    "target %zu: nothing left behind", i);
		} else {
			url = NULL;
			is_int(vault_target_url(ctx, &t, VAULT_GET, &url), 0,
			    "target %zu: url built", i);
			is_str(url, targets[i].get_url, "target %zu: GET url", i);
			is_str(t.display, targets[i].display,
			    "target %zu: display", i);
			free(url);
		}
		vault_target_release(&t);
		azkv_free(ctx);
	}
}

static void
test_urls(void)
{
	struct vault_target t;
	struct azkv *ctx;
	char *url = NULL;

	if ((ctx = azkv_new()) == NULL)
		exit(1);
	azkv_set(ctx, "vault", "myvault");
	is_int(vault_target_init(ctx, "ftpadmin", NULL, &t), 0, "init");
	is_str(t.host, "myvault.vault.azure.net", "host");
	vault_target_url(ctx, &t, VAULT_SET, &url);
	is_str(url, "https://myvault.vault.azure.net/secrets/ftpadmin"
	    "?api-version=7.5", "PUT url");
	free(url);
	url = NULL;
	vault_target_url(ctx, &t, VAULT_DELETE, &url);
	is_str(url, "https://myvault.vault.azure.net/secrets/ftpadmin"
	    "?api-version=7.5", "DELETE url");
	free(url);
	url = NULL;
	azkv_set(ctx, "api-version", "2016-10-01");
	vault_target_url(ctx, &t, VAULT_GET, &url);
	is_str(url, "https://myvault.vault.azure.net/secrets/ftpadmin/"
	    "?api-version=2016-10-01", "api-version 2016-10-01");
	free(url);
	url = NULL;
	azkv_set(ctx, "api-version", "7.6-preview.2");
	vault_target_url(ctx, &t, VAULT_GET, &url);
	is_str(url, "https://myvault.vault.azure.net/secrets/ftpadmin/"
	    "?api-version=7.6-preview.2", "preview api-version");
	free(url);
	url = NULL;
	azkv_set(ctx, "api-version", "7.5&x=y");
	is_int(vault_target_url(ctx, &t, VAULT_GET, &url), AZKV_ERR_USAGE,
	    "api-version with '&' rejected");
	ok(url == NULL, "no url on error");
	azkv_set(ctx, "api-version", "");
	is_int(vault_target_url(ctx, &t, VAULT_GET, &url), AZKV_ERR_USAGE,
	    "empty api-version rejected");
	vault_target_release(&t);
	vault_target_release(&t);
	ok(1, "release twice is harmless");
	azkv_free(ctx);
}

static const struct {
	const char	*s;
	int		 valid;
} vault_names[] = {
	{ "abc", 1 }, { "a-b", 1 }, { "a1-b2-c3", 1 },
	{ "abcdefghijklmnopqrstuvwx", 1 }, { "abcdefghijklmnopqrstuvwxy", 0 },
	{ "ab", 0 }, { "", 0 }, { "a--b", 0 }, { "-ab", 0 }, { "ab-", 0 },
	{ "1ab", 0 }, { "a.b", 0 }, { "a_b", 0 }, { "a b", 0 },
};

static const struct {
	const char	*host;
	const char	*resource;
} known[] = {
	{ "myvault.vault.azure.net", "https://vault.azure.net" },
	{ "MYVAULT.VAULT.AZURE.NET", "https://vault.azure.net" },
	{ "myvault.vault.azure.net.", "https://vault.azure.net" },
	{ "x.vault.azure.cn", "https://vault.azure.cn" },
	{ "x.vault.usgovcloudapi.net", "https://vault.usgovcloudapi.net" },
	{ "hsm.managedhsm.azure.net", "https://managedhsm.azure.net" },
	{ "vault.azure.net", NULL },
	{ ".vault.azure.net", NULL },
	{ "evilvault.azure.net", NULL },
	{ "a.b.vault.azure.net", NULL },
	{ "myvault.vault.azure.net.evil.com", NULL },
	{ "myvault.vault.azure.net..", NULL },
	{ "myvault..vault.azure.net", NULL },
	{ "myvault.vault.azure.com", NULL },
	{ "myvault.vault.localhost", NULL },
	{ "myvault.vault.microsoftazure.de", NULL },
	{ "", NULL },
};

static const struct {
	const char	*allow;		/* allow-vault-host setting */
	const char	*host;
	const char	*resource;
	int		 trusted;
} trust[] = {
	{ NULL, "myvault.vault.azure.net", "https://vault.azure.net", 1 },
	{ NULL, "MyVault.Vault.Azure.Net", "HTTPS://VAULT.AZURE.NET", 1 },
	{ NULL, "myvault.vault.azure.net.", "https://vault.azure.net.", 1 },
	{ NULL, "myvault.vault.azure.net", "https://vault.azure.net/", 1 },
	{ NULL, "x.vault.azure.cn", "https://vault.azure.cn", 1 },
	{ NULL, "x.managedhsm.azure.net", "https://managedhsm.azure.net", 1 },
	/* the challenge names another resource */
	{ NULL, "myvault.vault.azure.net", "https://management.azure.com", 0 },
	{ NULL, "myvault.vault.azure.net", "https://azure.net", 0 },
	{ NULL, "myvault.vault.azure.net", "https://vault.azure.cn", 0 },
	{ NULL, "myvault.vault.azure.net", "https://managedhsm.azure.net", 0 },
	{ NULL, "x.managedhsm.azure.net", "https://vault.azure.net", 0 },
	{ NULL, "myvault.vault.azure.net", "http://vault.azure.net", 0 },
	{ NULL, "myvault.vault.azure.net", "https://vault.azure.net:443", 0 },
	{ NULL, "myvault.vault.azure.net", "https://vault.azure.net/x", 0 },
	{ NULL, "myvault.vault.azure.net", "https://u@vault.azure.net", 0 },
	{ NULL, "myvault.vault.azure.net", "https://vault.azure.net?a=b", 0 },
	{ NULL, "myvault.vault.azure.net", "vault.azure.net", 0 },
	{ NULL, "myvault.vault.azure.net", "", 0 },
	/* lookalike hosts */
	{ NULL, "evilvault.azure.net", "https://vault.azure.net", 0 },
	{ NULL, "vault.azure.net", "https://vault.azure.net", 0 },
	{ NULL, "myvault.vault.azure.net.evil.com", "https://vault.azure.net",
	    0 },
	{ NULL, "myvault.vault.azure.net.evil.com",
	    "https://vault.azure.net.evil.com", 0 },
	{ NULL, "a.b.vault.azure.net", "https://vault.azure.net", 0 },
	{ NULL, "myvault.vault.localhost", "https://vault.localhost", 0 },
	/* allow-listed hosts: still verified against the resource */
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://vault.localhost", 1 },
	{ "MyVault.Vault.LocalHost.", "myvault.vault.localhost",
	    "https://VAULT.localhost", 1 },
	{ "a.example, myvault.vault.localhost:8443 b.example",
	    "myvault.vault.localhost", "https://vault.localhost", 1 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://localhost", 1 },
	/* ... or for Key Vault's own resources (the emulator's challenge) */
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://vault.azure.net", 1 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://managedhsm.azure.net/", 1 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://management.azure.com", 0 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://graph.microsoft.com", 0 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://azure.net", 0 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://evil.vault.azure.net", 0 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "http://vault.azure.net", 0 },
	{ "myvault.vault.localhost", "evil.vault.localhost",
	    "https://vault.azure.net", 0 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://myvault.vault.localhost", 0 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://evilvault.localhost", 0 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "https://t.vault.localhost", 0 },
	{ "myvault.vault.localhost", "evil.vault.localhost",
	    "https://vault.localhost", 0 },
	{ "vault.localhost", "myvault.vault.localhost",
	    "https://vault.localhost", 0 },
	{ "*.vault.localhost", "myvault.vault.localhost",
	    "https://vault.localhost", 0 },
	{ "myvault.vault.localhost", "myvault.vault.localhost.evil.com",
	    "https://vault.localhost", 0 },
	{ "myvault.vault.localhost", "myvault.vault.localhost",
	    "http://vault.localhost", 0 },
	{ "[::1]", "[::1]", "https://vault.localhost", 0 },
	/* the allow-list does not loosen the rule for real vault hosts */
	{ "myvault.vault.azure.net", "myvault.vault.azure.net",
	    "https://azure.net", 0 },
};

static void
test_trust(void)
{
	struct azkv *ctx;
	size_t i;

	for (i = 0; i < sizeof(vault_names) / sizeof(vault_names[0]); i++)
		is_int(vault_name_valid(vault_names[i].s), vault_names[i].valid,
		    "vault name '%s'", vault_names[i].s);
	is_int(vault_version_valid(V1), 1, "version 32 hex");
	is_int(vault_version_valid("0123456789ABCDEF0123456789ABCDEF"), 1,
	    "version upper-case hex");
	is_int(vault_version_valid(""), 0, "empty version");
	is_int(vault_version_valid(V1 "a"), 0, "33 digits");

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		is_str(vault_known_resource(known[i].host), known[i].resource,
		    "known resource of '%s'", known[i].host);

	for (i = 0; i < sizeof(trust) / sizeof(trust[0]); i++) {
		if ((ctx = azkv_new()) == NULL)
			exit(1);
		if (trust[i].allow != NULL)
			azkv_set(ctx, "allow-vault-host", trust[i].allow);
		is_int(vault_host_trusted(ctx, trust[i].host,
		    trust[i].resource), trust[i].trusted,
		    "host '%s' resource '%s' allow '%s'", trust[i].host,
		    trust[i].resource, trust[i].allow ? trust[i].allow : "-");
		azkv_free(ctx);
	}
	if ((ctx = azkv_new()) == NULL)
		exit(1);
	is_int(vault_host_trusted(ctx, NULL, "https://vault.azure.net"), 0,
	    "NULL host");
	is_int(vault_host_trusted(ctx, "myvault.vault.azure.net", NULL), 0,
	    "NULL resource");
	is_int(vault_host_allowed(ctx, "myvault.vault.localhost"), 0,
	    "emulator host not allowed by default");
	azkv_set(ctx, "allow-vault-host", "myvault.vault.localhost");
	is_int(vault_host_allowed(ctx, "myvault.vault.localhost"), 1,
	    "emulator host allowed when listed");
	is_int(vault_host_allowed(ctx, "x.vault.azure.net"), 1,
	    "the list only extends the suffixes");
	azkv_free(ctx);
}

int
main(void)
{
	test_targets();
	test_urls();
	test_trust();
	return tap_done();
}
