/* doctor.c: azkv doctor: check configuration, identity, token and vault. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "azkv.h"
#include "cli.h"

#define PROBE_SECRET	"azkv-doctor-probe"

/* Key Vault domains a token may be sent to without an allow-list entry. */
static const char *const vault_suffixes[] = {
	".vault.azure.net", ".vault.azure.cn", ".vault.usgovcloudapi.net",
	".managedhsm.azure.net",
};

struct doctor {
	int	 failed;
	int	 exit;		/* exit status of the first failure */
};

static void __attribute__((format(printf, 3, 4)))
line(const char *status, const char *check, const char *fmt, ...)
{
	va_list ap;

	printf("%-4s  %s: ", status, check);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
hint(const char *text)
{
	printf("      fix: %s\n", text);
}

static void
failed(struct doctor *d, int err)
{
	if (!d->failed)
		d->exit = err ? azkv_exit_code(err) : AZKV_EXIT_RUNTIME;
	if (d->exit == AZKV_EXIT_OK)
		d->exit = AZKV_EXIT_RUNTIME;
	d->failed = 1;
}

static void
check_config(struct azkv *ctx, int cfg_err, struct doctor *d)
{
	char read[1024], absent[1024];
	const char *path;
	size_t i, rlen = 0, alen = 0;
	int found, n;

	if (cfg_err != 0) {
		line("FAIL", "configuration", "%s", azkv_last_error(ctx));
		hint("correct the file or variable named above; the syntax is "
		    "in azkv.conf(5)");
		failed(d, cfg_err);
		return;
	}
	read[0] = absent[0] = '\0';
	for (i = 0; (path = azkv_config_file(ctx, i, &found)) != NULL; i++) {
		if (found)
			n = snprintf(read + rlen, sizeof(read) - rlen, "%s%s",
			    rlen ? ", " : "", path);
		else
			n = snprintf(absent + alen, sizeof(absent) - alen,
			    "%s%s", alen ? ", " : "", path);
		if (n < 0)
			continue;
		if (found)
			rlen += (size_t)n < sizeof(read) - rlen ? (size_t)n :
			    sizeof(read) - rlen - 1;
		else
			alen += (size_t)n < sizeof(absent) - alen ? (size_t)n :
			    sizeof(absent) - alen - 1;
	}
	line("ok", "configuration", "files read: %s%s%s%s",
	    rlen ? read : "none", alen ? " (not present: " : "",
	    alen ? absent : "", alen ? ")" : "");
}

static int
check_identity(struct azkv *ctx, struct doctor *d)
{
	struct azkv_identity_info info;
	int r;

	memset(&info, 0, sizeof(info));
	if ((r = azkv_identity_detect(ctx, &info)) != 0) {
		line("FAIL", "identity source", "%s", azkv_last_error(ctx));
		hint("set identity.source in azkv.conf(5) or "
		    "AZKV_IDENTITY_SOURCE to a source this machine has, or "
		    "unset it to detect one");
		failed(d, r);
		return -1;
	}
	line("ok", "identity source", "%s (%s)",
	    info.source ? info.source : "?", info.reason ? info.reason : "?");
	line("ok", "identity", "%s at %s",
	    info.identity ? info.identity : "system",
	    info.endpoint ? info.endpoint : "?");
	return 0;
}

static const char *
token_hint(int err)
{
	switch (err) {
	case AZKV_ERR_NOIDENTITY:
		return "give the machine a managed identity (az vm identity "
		    "assign -g GROUP -n VM), or name the user-assigned one "
		    "with --identity CLIENT_ID";
	case AZKV_ERR_NETWORK:
	case AZKV_ERR_TIMEOUT:
		return "the identity endpoint did not answer: run this on an "
		    "Azure machine with a managed identity; a firewall must "
		    "let it reach 169.254.169.254 directly (never via a proxy)";
	case AZKV_ERR_USAGE:
	case AZKV_ERR_CONFIG:
		return "correct the identity setting: system, a client id, "
		    "object://GUID or resource://ARM-ID";
	}
	return "run again with -v to see the identity requests (tokens are "
	    "redacted)";
}

static void
claim(const struct azkv_token *tok, const char *name, const char *label)
{
	const char *v;

	if ((v = azkv_token_claim(tok, name)) != NULL)
		printf(" %s=%s", label, v);
}

static int
check_token(struct azkv *ctx, struct doctor *d)
{
	struct azkv_token *tok = NULL;
	const char *resource, *aud;
	char when[32];
	struct tm tm;
	time_t exp, now = time(NULL);
	int r;

	if ((resource = azkv_get(ctx, "resource")) == NULL)
		resource = "https://vault.azure.net";
	/* Ask the endpoint itself: a cached token would hide its failures. */
	if ((r = azkv_set(ctx, "token-cache", "off")) != 0 ||
	    (r = azkv_token_get(ctx, NULL, &tok)) != 0) {
		line("FAIL", "token", "%s", azkv_last_error(ctx));
		hint(token_hint(r));
		failed(d, r);
		return -1;
	}
	exp = azkv_token_expires(tok);
	if (gmtime_r(&exp, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)exp);
	printf("%-4s  token: obtained from the endpoint for %s;", "ok",
	    resource);
	claim(tok, "aud", "audience");
	claim(tok, "oid", "object-id");
	claim(tok, "appid", "app-id");
	claim(tok, "tid", "tenant");
	claim(tok, "xms_mirid", "identity-resource");
	printf(" expires=%s (in %lld min)\n", when,
	    (long long)(exp - now) / 60);
	aud = azkv_token_claim(tok, "aud");
	if (aud != NULL && strncasecmp(aud, resource, strlen(resource)) != 0) {
		line("warn", "token audience", "'%s' is not '%s'", aud,
		    resource);
		hint("the identity endpoint issued a token for another "
		    "resource; Key Vault will refuse it");
	}
	if (exp <= now) {
		line("FAIL", "token expiry", "the token has already expired");
		hint("check the machine's clock (timedatectl) and remove the "
		    "token cache (azkv --no-cache)");
		failed(d, AZKV_ERR_PROTOCOL);
	}
	azkv_token_free(tok);
	return 0;
}

/* Copy the host part of a vault name or URL into host. */
static void
vault_host(const char *vault, char *host, size_t len)
{
	const char *p;
	size_t n;
	int r;

	if ((p = strstr(vault, "://")) != NULL) {
		p += 3;
		n = strcspn(p, ":/?#");
		r = snprintf(host, len, "%.*s", (int)n, p);
	} else if (strchr(vault, '.') != NULL)
		r = snprintf(host, len, "%s", vault);
	else
		r = snprintf(host, len, "%s.vault.azure.net", vault);
	if (r < 0 || (size_t)r >= len)
		host[0] = '\0';
}

static int
host_allowed(const char *host, const char *list)
{
	size_t n, hl = strlen(host);

	while (list != NULL && *list != '\0') {
		list += strspn(list, ", \t");
		n = strcspn(list, ", \t");
		if (n > 0 && n == hl && strncasecmp(list, host, n) == 0)
			return 1;
		list += n;
	}
	return 0;
}

static int
check_host(struct azkv *ctx, const char *vault, struct doctor *d)
{
	char host[256];
	size_t i, hl, sl;

	vault_host(vault, host, sizeof(host));
	if (strncmp(vault, "http://", 7) == 0) {
		line("FAIL", "vault host", "'%s' is not https", vault);
		hint("Key Vault is only reached over https; give the vault "
		    "name or its https:// URL");
		failed(d, AZKV_ERR_UNTRUSTED);
		return -1;
	}
	hl = strlen(host);
	for (i = 0; i < sizeof(vault_suffixes) / sizeof(vault_suffixes[0]);
	    i++) {
		sl = strlen(vault_suffixes[i]);
		if (hl > sl && strcasecmp(host + hl - sl,
		    vault_suffixes[i]) == 0) {
			line("ok", "vault host", "%s is a Key Vault host "
			    "(*%s)", host, vault_suffixes[i]);
			return 0;
		}
	}
	if (host_allowed(host, azkv_get(ctx, "allow-vault-host"))) {
		line("ok", "vault host", "%s is not an Azure Key Vault domain "
		    "but is named in allow-vault-host", host);
		return 0;
	}
	line("FAIL", "vault host", "'%s' is not a Key Vault host; no token "
	    "will be sent to it", host[0] ? host : vault);
	hint("use the vault's name or https://NAME.vault.azure.net; for an "
	    "emulator name the host in AZKV_ALLOW_VAULT_HOST");
	failed(d, AZKV_ERR_UNTRUSTED);
	return -1;
}

static void
check_access(struct azkv *ctx, const char *vault, const char *name,
    struct doctor *d)
{
	struct azkv_secret *s = NULL;
	const char *probe = name ? name : PROBE_SECRET;
	int r;

	r = azkv_secret_get(ctx, probe, NULL, &s);
	azkv_secret_free(s);
	switch (r) {
	case 0:
		line("ok", "vault access", "read secret '%s' from %s", probe,
		    vault);
		return;
	case AZKV_ERR_NOTFOUND:
		if (name == NULL) {
			line("ok", "vault access", "get is permitted on %s "
			    "(probe '%s' is not found, and Key Vault says so "
			    "only to an identity that may read)", vault,
			    probe);
			return;
		}
		line("FAIL", "vault access", "%s", azkv_last_error(ctx));
		hint("the identity may read this vault but the secret does "
		    "not exist: check its name, or store it with azkv set");
		break;
	case AZKV_ERR_DISABLED:
		line("warn", "vault access", "%s", azkv_last_error(ctx));
		hint("get is permitted, but the secret is disabled or "
		    "outside its validity dates: enable it or set a new "
		    "version");
		return;
	case AZKV_ERR_DENIED:
		line("FAIL", "vault access", "%s", azkv_last_error(ctx));
		hint("grant the identity (object-id above) the role 'Key Vault "
		    "Secrets User' on the vault (az role assignment create "
		    "--role 'Key Vault Secrets User' --assignee-object-id OID "
		    "--assignee-principal-type ServicePrincipal --scope "
		    "VAULT_ID), or with access policies: az keyvault "
		    "set-policy -n VAULT --object-id OID --secret-permissions "
		    "get");
		break;
	case AZKV_ERR_UNTRUSTED:
		line("FAIL", "vault access", "%s", azkv_last_error(ctx));
		hint("the vault's challenge named another resource, or the "
		    "host is not trusted; check the vault URL");
		break;
	default:
		line("FAIL", "vault access", "%s", azkv_last_error(ctx));
		hint("check the vault name and that this machine reaches it "
		    "over https (proxy settings, firewall, --cafile)");
		break;
	}
	failed(d, r);
}

int
cmd_doctor(struct azkv *ctx, const struct cli_opts *o, int cfg_err)
{
	struct doctor d;
	const char *vault;

	memset(&d, 0, sizeof(d));
	check_config(ctx, cfg_err, &d);
	if (cfg_err != 0)
		goto out;
	if (check_identity(ctx, &d) != 0 || check_token(ctx, &d) != 0) {
		line("warn", "vault access", "not checked without a token");
		goto out;
	}
	if ((vault = azkv_get(ctx, "vault")) == NULL) {
		line("FAIL", "vault", "no vault configured");
		hint("give --vault NAME, set AZKV_VAULT, or set 'vault' in "
		    "[azkv] of azkv.conf(5)");
		failed(&d, AZKV_ERR_USAGE);
		goto out;
	}
	if (check_host(ctx, vault, &d) != 0)
		goto out;
	check_access(ctx, vault, o->secret, &d);
 out:
	fflush(stdout);
	if (d.failed)
		printf("azkv doctor: some checks failed\n");
	return d.failed ? d.exit : AZKV_EXIT_OK;
}
