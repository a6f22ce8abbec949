/* challenge.c: parse Key Vault's "WWW-Authenticate: Bearer k=v, ..." challenge. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "vault-int.h"

#define CHALLENGE_PARAM_MAX	2048	/* longest parameter value kept */
#define CHALLENGE_TENANT_MAX	128

/* The parameters of the Bearer challenge that matter to us. */
enum { P_AUTHORIZATION, P_AUTHORIZATION_URI, P_RESOURCE, P_SCOPE, P_N };

static const char *const param_names[P_N] = {
	"authorization", "authorization_uri", "resource", "scope",
};

/* RFC 9110 tchar. */
static int
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static size_t
tchar_span(const char *p)
{
	size_t n = 0;

	while (is_tchar((unsigned char)p[n]))
		n++;
	return n;
}

/* Read a quoted-string body after its opening quote into out. */
static int
read_quoted(const char **pp, struct buf *out)
{
	const char *p = *pp;

	for (;;) {
		if (*p == '\0')
			return -1;
		if (*p == '"')
			break;
		if (*p == '\\' && *++p == '\0')
			return -1;
		if (buf_append(out, p, 1) != 0)
			return -1;
		p++;
	}
	*pp = p + 1;
	return 0;
}

/* Only printable ASCII, spaces and tabs; anything else is hostile. */
static int
header_clean(const char *h, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return 0;
	}
	return 1;
}

static int
param_index(const char *name, size_t len)
{
	int i;

	for (i = 0; i < P_N; i++)
		if (strlen(param_names[i]) == len &&
		    strncasecmp(name, param_names[i], len) == 0)
			return i;
	return -1;
}

/* First path segment of an authority URL, when it looks like a tenant. */
static char *
tenant_from(const char *authorization)
{
	CURLU *u;
	char *path = NULL, *seg, *ret = NULL;
	size_t n, i;

	if ((u = curl_url()) == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, authorization, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	seg = path + strspn(path, "/");
	n = strcspn(seg, "/");
	if (n == 0 || n > CHALLENGE_TENANT_MAX)
		goto out;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)seg[i]) ||
		    strchr("!#$%&'*+^`|~", seg[i]) != NULL)
			goto out;
	ret = strndup(seg, n);
 out:
	curl_free(path);
	curl_url_cleanup(u);
	return ret;
}

/* Drop a trailing "/.default" (scope form) and trailing slashes. */
static void
resource_trim(char *s)
{
	size_t n = strlen(s);
	const size_t dl = strlen("/.default");

	if (n >= dl && strcasecmp(s + n - dl, "/.default") == 0)
		n -= dl;
	while (n > 0 && s[n - 1] == '/')
		n--;
	s[n] = '\0';
}

int
challenge_parse(const char *header, char **resource, char **tenant)
{
	struct buf val;
	char *param[P_N] = { NULL };
	char *res = NULL, *ten = NULL;
	const char *p, *q, *name;
	size_t n, namelen;
	int i, in_bearer = 0, found = 0, ret = AZKV_ERR_PROTOCOL;

	buf_init(&val, CHALLENGE_PARAM_MAX);
	if (header == NULL)
		goto out;
	n = strnlen(header, VAULT_CHALLENGE_MAX + 1);
	if (n == 0 || n > VAULT_CHALLENGE_MAX || !header_clean(header, n))
		goto out;

	for (p = header;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		if ((namelen = tchar_span(p)) == 0)
			goto out;
		name = p;
		p += namelen;
		q = p + strspn(p, " \t");
		if (*q != '=') {
			/* An auth-scheme: a later one ends the Bearer params. */
			if (in_bearer)
				break;
			in_bearer = namelen == 6 &&
			    strncasecmp(name, "Bearer", 6) == 0;
			found |= in_bearer;
			continue;
		}
		p = q + 1;
		p += strspn(p, " \t");
		buf_reset(&val);
		if (*p == '"') {
			p++;
			if (read_quoted(&p, &val) != 0)
				goto out;
		} else {
			n = strcspn(p, " \t,\"");
			if (p[n] == '"' || buf_append(&val, p, n) != 0)
				goto out;
			p += n;
		}
		if (!in_bearer || (i = param_index(name, namelen)) < 0)
			continue;
		if (param[i] != NULL || val.len == 0)
			goto out;	/* repeated or empty: ambiguous */
		if ((param[i] = strdup(val.d)) == NULL) {
			ret = AZKV_ERR_NOMEM;
			goto out;
		}
	}
	if (!found)
		goto out;

	if (param[P_SCOPE] != NULL) {
		res = param[P_SCOPE];
		param[P_SCOPE] = NULL;
	} else if (param[P_RESOURCE] != NULL) {
		res = param[P_RESOURCE];
		param[P_RESOURCE] = NULL;
	} else
		goto out;
	resource_trim(res);
	if (*res == '\0' || strchr(res, ' ') != NULL ||
	    strchr(res, '\t') != NULL)
		goto out;
	if (param[P_AUTHORIZATION] != NULL)
		ten = tenant_from(param[P_AUTHORIZATION]);
	else if (param[P_AUTHORIZATION_URI] != NULL)
		ten = tenant_from(param[P_AUTHORIZATION_URI]);

	*resource = res;
	res = NULL;
	if (tenant != NULL) {
		*tenant = ten;
		ten = NULL;
	}
	ret = 0;
 out:
	for (i = 0; i < P_N; i++)
		free(param[i]);
	free(res);
	free(ten);
	buf_release(&val);
	return ret;
}
