/* identity.c: which managed-identity source to use, and which identity. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "azkv-int.h"
#include "identity-int.h"

#define IMDS_DEFAULT_HOST	"http://169.254.169.254"
#define IMDS_PATH		"/metadata/identity/oauth2/token"
#define AUTHORITY_DEFAULT	"https://login.microsoftonline.com/"
#define PLANS_MAX		8

static const char *const src_names[IDSRC_COUNT] = {
	"servicefabric", "appservice", "arc", "azureml", "cloudshell",
	"workload", "imds",
};

/* Query/form parameter names for client id, object id, resource id. */
static const char *const sel_params[IDSRC_COUNT][3] = {
	[IDSRC_APPSERVICE] = { "client_id", "principal_id", "mi_res_id" },
	[IDSRC_AZUREML] = { "clientid", NULL, NULL },
	[IDSRC_WORKLOAD] = { "client_id", NULL, NULL },
	[IDSRC_IMDS] = { "client_id", "object_id", "msi_res_id" },
};

static const char *const src_titles[IDSRC_COUNT] = {
	"Service Fabric", "App Service", "Azure Arc", "Azure Machine Learning",
	"Cloud Shell", "workload identity", "IMDS",
};

const char *
idsrc_name(enum idsrc src)
{
	return src < IDSRC_COUNT ? src_names[src] : "unknown";
}

int
idsrc_from_name(const char *name)
{
	int i;

	for (i = 0; i < IDSRC_COUNT; i++)
		if (strcasecmp(name, src_names[i]) == 0)
			return i;
	return -1;
}

int
guid_valid(const char *s)
{
	static const int dash[] = { 8, 13, 18, 23 };
	size_t i, d = 0;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (d < 4 && (int)i == dash[d]) {
			if (s[i] != '-')
				return 0;
			d++;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* An ARM resource id: "/subscriptions/..." of visible characters. */
static int
arm_id_valid(const char *s)
{
	size_t n;

	if (strncasecmp(s, "/subscriptions/", 15) != 0)
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if (s[n] <= ' ' || s[n] > '~')
			return 0;
	return n > 15 && n <= 1024;
}

int
idsel_parse(struct azkv *ctx, const char *s, struct idsel *out)
{
	struct idsel sel = { IDSEL_SYSTEM, NULL };

	if (s == NULL || *s == '\0' || strcasecmp(s, "system") == 0) {
		*out = sel;
		return 0;
	}
	if (strncasecmp(s, "id://", 5) == 0) {
		sel.kind = IDSEL_CLIENT;
		sel.value = s + 5;
	} else if (strncasecmp(s, "object://", 9) == 0) {
		sel.kind = IDSEL_OBJECT;
		sel.value = s + 9;
	} else if (strncasecmp(s, "resource://", 11) == 0) {
		sel.kind = IDSEL_RESOURCE;
		sel.value = s + 11;
	} else {
		sel.kind = IDSEL_CLIENT;
		sel.value = s;
	}
	if (sel.kind == IDSEL_RESOURCE) {
		if (!arm_id_valid(sel.value))
			return seterr(ctx, AZKV_ERR_USAGE, "invalid identity "
			    "'%.80s': resource:// needs an ARM resource id "
			    "like /subscriptions/.../userAssignedIdentities/"
			    "NAME", s);
	} else if (!guid_valid(sel.value))
		return seterr(ctx, AZKV_ERR_USAGE, "invalid identity '%.80s': "
		    "use system, a client id GUID, id://GUID, object://GUID "
		    "or resource://ARM-ID", s);
	*out = sel;
	return 0;
}

enum idsrc
idsrc_detect(const struct azkv *ctx, char *reason, size_t len)
{
	const char *ep = ctx_env(ctx, "IDENTITY_ENDPOINT");
	const char *msi = ctx_env(ctx, "MSI_ENDPOINT");

	if (ep != NULL && ctx_env(ctx, "IDENTITY_HEADER") != NULL) {
		if (ctx_env(ctx, "IDENTITY_SERVER_THUMBPRINT") != NULL) {
			snprintf(reason, len, "IDENTITY_ENDPOINT, "
			    "IDENTITY_HEADER and IDENTITY_SERVER_THUMBPRINT "
			    "are set");
			return IDSRC_SERVICEFABRIC;
		}
		snprintf(reason, len,
		    "IDENTITY_ENDPOINT and IDENTITY_HEADER are set");
		return IDSRC_APPSERVICE;
	}
	if (ep != NULL && ctx_env(ctx, "IMDS_ENDPOINT") != NULL) {
		snprintf(reason, len,
		    "IDENTITY_ENDPOINT and IMDS_ENDPOINT are set");
		return IDSRC_ARC;
	}
	if (msi != NULL && ctx_env(ctx, "MSI_SECRET") != NULL) {
		snprintf(reason, len, "MSI_ENDPOINT and MSI_SECRET are set");
		return IDSRC_AZUREML;
	}
	if (msi != NULL) {
		snprintf(reason, len, "MSI_ENDPOINT is set");
		return IDSRC_CLOUDSHELL;
	}
	if (ctx_env(ctx, "AZURE_TENANT_ID") != NULL &&
	    ctx_env(ctx, "AZURE_CLIENT_ID") != NULL &&
	    ctx_env(ctx, "AZURE_FEDERATED_TOKEN_FILE") != NULL) {
		snprintf(reason, len, "AZURE_TENANT_ID, AZURE_CLIENT_ID and "
		    "AZURE_FEDERATED_TOKEN_FILE are set");
		return IDSRC_WORKLOAD;
	}
	if (ctx_env(ctx, "AZURE_POD_IDENTITY_AUTHORITY_HOST") != NULL)
		snprintf(reason, len, "no other source's variables are "
		    "set; AZURE_POD_IDENTITY_AUTHORITY_HOST is set");
	else
		snprintf(reason, len, "no other source's variables are "
		    "set; IMDS is the default");
	return IDSRC_IMDS;
}

static int
copy_endpoint(struct azkv *ctx, struct idplan *p, const char *a,
    const char *b)
{
	int n = snprintf(p->endpoint, sizeof(p->endpoint), "%s%s", a, b);

	if (n < 0 || (size_t)n >= sizeof(p->endpoint))
		return seterr(ctx, AZKV_ERR_USAGE, "%s endpoint is too long",
		    src_titles[p->src]);
	return 0;
}

/* A tenant id: letters, digits, '.' and '-'. */
static int
tenant_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '.' &&
		    s[n] != '-')
			return 0;
	return n > 0 && n <= 128;
}

static int
plan_workload(struct azkv *ctx, struct idplan *p)
{
	const char *tenant = ctx_env(ctx, "AZURE_TENANT_ID");
	const char *auth = ctx_env(ctx, "AZURE_AUTHORITY_HOST");
	size_t alen;
	int n;

	p->token_file = ctx_env(ctx, "AZURE_FEDERATED_TOKEN_FILE");
	if (p->sel.kind == IDSEL_CLIENT)
		p->client_id = p->sel.value;
	else
		p->client_id = ctx_env(ctx, "AZURE_CLIENT_ID");
	if (tenant == NULL || p->client_id == NULL || p->token_file == NULL)
		return seterr(ctx, AZKV_ERR_NOIDENTITY, "workload identity "
		    "needs AZURE_TENANT_ID, AZURE_CLIENT_ID and "
		    "AZURE_FEDERATED_TOKEN_FILE");
	if (!tenant_valid(tenant))
		return seterr(ctx, AZKV_ERR_USAGE, "invalid AZURE_TENANT_ID "
		    "'%.64s' (letters, digits, '.' and '-' only)", tenant);
	if (!guid_valid(p->client_id))
		return seterr(ctx, AZKV_ERR_USAGE, "invalid client id "
		    "'%.64s' for workload identity", p->client_id);
	if (auth == NULL)
		auth = AUTHORITY_DEFAULT;
	if (strncasecmp(auth, "https://", 8) != 0 || auth[8] == '\0' ||
	    auth[8] == '/')
		return seterr(ctx, AZKV_ERR_USAGE, "AZURE_AUTHORITY_HOST "
		    "'%.128s' must be an https:// URL", auth);
	alen = strlen(auth);
	n = snprintf(p->endpoint, sizeof(p->endpoint),
	    "%s%s%s/oauth2/v2.0/token", auth,
	    alen > 0 && auth[alen - 1] == '/' ? "" : "/", tenant);
	if (n < 0 || (size_t)n >= sizeof(p->endpoint))
		return seterr(ctx, AZKV_ERR_USAGE,
		    "AZURE_AUTHORITY_HOST is too long");
	p->param = "client_id";
	return 0;
}

int
idplan_make(struct azkv *ctx, enum idsrc src, const char *reason,
    struct idplan *plan)
{
	struct idplan p;
	const char *ep, *host;
	size_t n;
	int r;

	memset(&p, 0, sizeof(p));
	p.src = src;
	p.name = src_names[src];
	snprintf(p.reason, sizeof(p.reason), "%s", reason);
	if ((r = idsel_parse(ctx, ctx->identity, &p.sel)) != 0)
		return r;
	if (p.sel.kind != IDSEL_SYSTEM) {
		p.param = sel_params[src][p.sel.kind - IDSEL_CLIENT];
		if (p.param == NULL && (src == IDSRC_AZUREML ||
		    src == IDSRC_WORKLOAD))
			return seterr(ctx, AZKV_ERR_USAGE, "%s can select a "
			    "user-assigned identity only by client id, not "
			    "'%.80s'", src_titles[src], ctx->identity);
		if (p.param == NULL)
			return seterr(ctx, AZKV_ERR_USAGE, "%s does not "
			    "support user-assigned identities; remove the "
			    "identity setting ('%.80s') or choose another "
			    "identity source", src_titles[src],
			    ctx->identity);
	}
	switch (src) {
	case IDSRC_SERVICEFABRIC:
	case IDSRC_APPSERVICE:
		ep = ctx_env(ctx, "IDENTITY_ENDPOINT");
		p.secret = ctx_env(ctx, "IDENTITY_HEADER");
		p.thumbprint = ctx_env(ctx, "IDENTITY_SERVER_THUMBPRINT");
		if (ep == NULL || p.secret == NULL || (src ==
		    IDSRC_SERVICEFABRIC && p.thumbprint == NULL))
			return seterr(ctx, AZKV_ERR_NOIDENTITY, "%s needs "
			    "IDENTITY_ENDPOINT and IDENTITY_HEADER%s",
			    src_titles[src], src == IDSRC_SERVICEFABRIC ?
			    " and IDENTITY_SERVER_THUMBPRINT" : "");
		p.secret_header = src == IDSRC_SERVICEFABRIC ? "Secret" :
		    "X-IDENTITY-HEADER";
		if (src == IDSRC_APPSERVICE)
			p.thumbprint = NULL;
		else if (strncasecmp(ep, "https://", 8) != 0)
			return seterr(ctx, AZKV_ERR_USAGE, "Service Fabric "
			    "IDENTITY_ENDPOINT '%.200s' must be https (its "
			    "certificate is pinned)", ep);
		r = copy_endpoint(ctx, &p, ep, "");
		break;
	case IDSRC_ARC:
		if ((ep = ctx_env(ctx, "IDENTITY_ENDPOINT")) == NULL)
			return seterr(ctx, AZKV_ERR_NOIDENTITY,
			    "Azure Arc needs IDENTITY_ENDPOINT (and "
			    "IMDS_ENDPOINT)");
		r = copy_endpoint(ctx, &p, ep, "");
		break;
	case IDSRC_AZUREML:
	case IDSRC_CLOUDSHELL:
		ep = ctx_env(ctx, "MSI_ENDPOINT");
		p.secret = ctx_env(ctx, "MSI_SECRET");
		if (ep == NULL || (src == IDSRC_AZUREML && p.secret == NULL))
			return seterr(ctx, AZKV_ERR_NOIDENTITY, "%s needs "
			    "MSI_ENDPOINT%s", src_titles[src],
			    src == IDSRC_AZUREML ? " and MSI_SECRET" : "");
		if (src == IDSRC_AZUREML) {
			p.secret_header = "secret";
			if (p.sel.kind == IDSEL_CLIENT)
				p.client_id = p.sel.value;
			else if ((p.client_id = ctx_env(ctx,
			    "DEFAULT_IDENTITY_CLIENT_ID")) != NULL)
				p.param = "clientid";
		} else
			p.secret = NULL;
		r = copy_endpoint(ctx, &p, ep, "");
		break;
	case IDSRC_WORKLOAD:
		r = plan_workload(ctx, &p);
		break;
	case IDSRC_IMDS:
	default:
		if ((host = ctx_env(ctx,
		    "AZURE_POD_IDENTITY_AUTHORITY_HOST")) == NULL)
			host = IMDS_DEFAULT_HOST;
		n = strlen(host);
		while (n > 0 && host[n - 1] == '/')
			n--;
		r = snprintf(p.endpoint, sizeof(p.endpoint), "%.*s%s",
		    (int)n, host, IMDS_PATH);
		if (r < 0 || (size_t)r >= sizeof(p.endpoint))
			return seterr(ctx, AZKV_ERR_USAGE,
			    "AZURE_POD_IDENTITY_AUTHORITY_HOST is too long");
		r = 0;
		break;
	}
	if (r != 0)
		return r;
	*plan = p;
	return 0;
}

static int
plans_resolve(struct azkv *ctx, struct idplan *plans, size_t max, size_t *n,
    int quiet)
{
	const char *list = ctx->identity_source, *w;
	char word[32], reason[192], firsterr[AZKV_ERRLEN];
	size_t len, count = 0;
	int src, r, first = 0;

	firsterr[0] = '\0';

	if (list == NULL || *list == '\0')
		list = "auto";
	for (w = list; *w != '\0' && count < max; w += len) {
		w += strspn(w, ", \t");
		if ((len = strcspn(w, ", \t")) == 0)
			break;
		if (len >= sizeof(word))
			return seterr(ctx, AZKV_ERR_USAGE,
			    "invalid identity source list '%.64s'", list);
		memcpy(word, w, len);
		word[len] = '\0';
		if (strcasecmp(word, "auto") == 0)
			src = (int)idsrc_detect(ctx, reason, sizeof(reason));
		else if ((src = idsrc_from_name(word)) < 0)
			return seterr(ctx, AZKV_ERR_USAGE,
			    "unknown identity source '%s'", word);
		else
			snprintf(reason, sizeof(reason),
			    "identity.source is '%.64s'", list);
		if ((r = idplan_make(ctx, (enum idsrc)src, reason,
		    &plans[count])) != 0) {
			if (!quiet)
				log_debug(ctx, "identity source %s skipped: %s",
				    src_names[src], ctx->errbuf);
			if (first == 0) {
				first = r;
				memcpy(firsterr, ctx->errbuf, sizeof(firsterr));
			}
			continue;
		}
		count++;
	}
	*n = count;
	if (count == 0 && first != 0)
		return seterr(ctx, first, "%s", firsterr);
	if (count == 0)
		return seterr(ctx, AZKV_ERR_NOIDENTITY,
		    "no identity source in '%.64s' is usable", list);
	return 0;
}

int
idplan_list(struct azkv *ctx, struct idplan *plans, size_t max, size_t *n)
{
	return plans_resolve(ctx, plans, max, n, 0);
}

char *
resource_normalize(const char *resource)
{
	size_t n = strlen(resource);
	char *s;

	if (n >= 9 && strcmp(resource + n - 9, "/.default") == 0)
		n -= 9;
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, resource, n);
	s[n] = '\0';
	return s;
}

/* "client_id=GUID" etc., or "system". */
static void
identity_text(const struct idplan *p, char *out, size_t len)
{
	if (p->client_id != NULL && p->src == IDSRC_WORKLOAD)
		snprintf(out, len, "client_id=%s", p->client_id);
	else if (p->client_id != NULL)
		snprintf(out, len, "%s=%s", p->param ? p->param : "clientid",
		    p->client_id);
	else if (p->sel.kind == IDSEL_SYSTEM)
		snprintf(out, len, "system");
	else
		snprintf(out, len, "%s=%s", p->param, p->sel.value);
}

int
azkv_identity_detect(struct azkv *ctx, struct azkv_identity_info *info)
{
	struct idplan plans[PLANS_MAX];
	size_t n;
	int r;

	if ((r = idplan_list(ctx, plans, PLANS_MAX, &n)) != 0)
		return r;
	snprintf(ctx->detect_buf[0], sizeof(ctx->detect_buf[0]), "%s",
	    plans[0].name);
	snprintf(ctx->detect_buf[1], sizeof(ctx->detect_buf[1]), "%s",
	    plans[0].reason);
	snprintf(ctx->detect_buf[2], sizeof(ctx->detect_buf[2]), "%.255s",
	    plans[0].endpoint);
	identity_text(&plans[0], ctx->detect_buf[3],
	    sizeof(ctx->detect_buf[3]));
	info->source = ctx->detect_buf[0];
	info->reason = ctx->detect_buf[1];
	info->endpoint = ctx->detect_buf[2];
	info->identity = ctx->detect_buf[3];
	return 0;
}

/*
 * The cache key covers every plan in order (source, endpoint, identity),
 * so a different source, endpoint or identity never shares a token.
 */
void
identity_cache_key(struct azkv *ctx, const char *resource, char key[65])
{
	static const char hex[] = "0123456789abcdef";
	struct idplan plans[PLANS_MAX];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char idtext[1200], *res;
	struct buf b;
	size_t n = 0, k;
	char saved[AZKV_ERRLEN];
	struct idsel sel;
	int sel_ok;

	memcpy(saved, ctx->errbuf, sizeof(saved));
	sel_ok = idsel_parse(ctx, ctx->identity, &sel) == 0;
	buf_init(&b, 64 * 1024);
	if (plans_resolve(ctx, plans, PLANS_MAX, &n, 1) != 0)
		n = 0;
	memcpy(ctx->errbuf, saved, sizeof(saved));
	buf_append_str(&b, "azkv-token-v1");
	buf_append(&b, "", 1);
	buf_append_str(&b, ctx->identity_source ? ctx->identity_source : "");
	buf_append(&b, "", 1);
	buf_append_str(&b, sel_ok && sel.kind == IDSEL_SYSTEM ? "system" :
	    ctx->identity ? ctx->identity : "");
	for (k = 0; k < n; k++) {
		identity_text(&plans[k], idtext, sizeof(idtext));
		buf_append(&b, "", 1);
		buf_append_str(&b, plans[k].name);
		buf_append(&b, "", 1);
		buf_append_str(&b, plans[k].endpoint);
		buf_append(&b, "", 1);
		buf_append_str(&b, idtext);
	}
	buf_append(&b, "", 1);
	if ((res = resource_normalize(resource)) != NULL) {
		buf_append_str(&b, res);
		free(res);
	}
	if (EVP_Digest(b.d, b.len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < 32)
		memset(md, 0, sizeof(md));
	for (i = 0; i < 32; i++) {
		key[i * 2] = hex[md[i] >> 4];
		key[i * 2 + 1] = hex[md[i] & 15];
	}
	key[64] = '\0';
	buf_release(&b);
}

int
identity_fetch(struct azkv *ctx, const char *resource, struct azkv_token **out)
{
	struct idplan plans[PLANS_MAX];
	size_t n, i;
	int r;

	if ((r = idplan_list(ctx, plans, PLANS_MAX, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		log_debug(ctx, "identity: using %s at %s (%s)", plans[i].name,
		    plans[i].endpoint, plans[i].reason);
		if ((r = idplan_fetch(ctx, &plans[i], resource, out)) == 0)
			return 0;
		if (i + 1 < n)
			log_debug(ctx, "identity source %s failed: %s; "
			    "trying %s", plans[i].name, ctx->errbuf,
			    plans[i + 1].name);
		if (r == AZKV_ERR_TIMEOUT || r == AZKV_ERR_NOMEM)
			break;
	}
	return r;
}
