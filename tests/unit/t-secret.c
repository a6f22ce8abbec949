/* t-secret.c: SecretBundle parsing/rendering, user/password, secret names. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"
#include "tap.h"

/* Verbatim from reference/azure-protocol.md section 5 (recording 1). */
static const char get_recorded[] =
    "{\"value\":\"secret-value\",\"id\":\"https://vaultname.vault.azure.net"
    "/secrets/livekvtestsecret-namef5361863/3614382ca2884c199e3272497f56086e"
    "\",\"attributes\":{\"enabled\":true,\"exp\":2527401600,\"created\":"
    "1648004321,\"updated\":1648004321,\"recoveryLevel\":"
    "\"CustomizedRecoverable+Purgeable\",\"recoverableDays\":7}}";
/* Verbatim 404 and 403 bodies (recordings 3 and 4). */
static const char notfound_recorded[] =
    "{\n  \"error\": {\n    \"code\": \"SecretNotFound\",\n    \"message\": "
    "\"A secret with (name/id) CRUDSecretName-cangetasecretNonExisting- was "
    "not found in this key vault. If you recently deleted this secret you "
    "may be able to recover it using the correct recovery command. For help"
    " resolving this issue, please see https://go.microsoft.com/fwlink/?"
    "linkid=2125182\"\n  }\n}";
static const char disabled_recorded[] =
    "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation get is not "
    "allowed on a disabled secret.\",\"innererror\":{\"code\":"
    "\"SecretDisabled\"}}}";

static void
test_recorded(void)
{
	struct azkv_secret *s = NULL;

	is_int(secret_parse(get_recorded, strlen(get_recorded), &s), 0,
	    "recorded GET body parses");
	if (s == NULL)
		return;
	is_str(s->value, "secret-value", "value");
	is_int(s->value_len, 12, "value_len");
	is_str(s->id, "https://vaultname.vault.azure.net/secrets/"
	    "livekvtestsecret-namef5361863/3614382ca2884c199e3272497f56086e",
	    "id");
	is_str(s->name, "livekvtestsecret-namef5361863", "name from id");
	is_str(s->version, "3614382ca2884c199e3272497f56086e",
	    "version from id");
	ok(s->content_type == NULL, "no contentType");
	is_int(s->enabled, 1, "enabled");
	is_int(s->exp, 2527401600LL, "exp");
	is_int(s->nbf, 0, "no nbf");
	is_int(s->created, 1648004321, "created");
	is_int(s->updated, 1648004321, "updated");
	is_int(s->ntags, 0, "no tags");
	azkv_secret_free(s);

	s = (struct azkv_secret *)1;
	is_int(secret_parse(notfound_recorded, strlen(notfound_recorded), &s),
	    AZKV_ERR_PROTOCOL, "404 error body is not a secret");
	ok(s == (struct azkv_secret *)1, "out untouched on error");
	is_int(secret_parse(disabled_recorded, strlen(disabled_recorded), &s),
	    AZKV_ERR_PROTOCOL, "403 error body is not a secret");
}

static void
test_variants(void)
{
	static const struct {
		const char	*body;
		int		 rc;
		const char	*value;
		size_t		 value_len;
		const char	*name, *version, *ctype;
		int		 enabled;
		int64_t		 nbf, exp;
	} cases[] = {
		{ "{\"value\":\"a\\u002Bb\"}", 0, "a+b", 3, NULL, NULL, NULL,
		    1, 0, 0 },
		{ "{\"value\":\"x\\u0000y\"}", 0, "x\0y", 3, NULL, NULL, NULL,
		    1, 0, 0 },
		{ "{\"value\":\"\"}", 0, "", 0, NULL, NULL, NULL, 1, 0, 0 },
		{ "{\"value\":\"\\ud83d\\ude00\"}", 0, "\xf0\x9f\x98\x80", 4,
		    NULL, NULL, NULL, 1, 0, 0 },
		{ "{\"value\":\"v\",\"contentType\":\"text/plain\","
		    "\"attributes\":{\"enabled\":false,\"nbf\":\"1700000000\","
		    "\"exp\":1800000000}}", 0, "v", 1, NULL, NULL, "text/plain",
		    0, 1700000000, 1800000000 },
		{ "{\"value\":\"v\",\"id\":\"https://v.vault.azure.net/secrets"
		    "/Name-1\"}", 0, "v", 1, "Name-1", NULL, NULL, 1, 0, 0 },
		{ "{\"value\":\"v\",\"id\":\"https://v.vault.azure.net/secrets"
		    "/n/\"}", 0, "v", 1, "n", NULL, NULL, 1, 0, 0 },
		{ "{\"value\":\"v\",\"id\":\"https://v.vault.azure.net/keys"
		    "/n/1\"}", 0, "v", 1, NULL, NULL, NULL, 1, 0, 0 },
		{ "{\"value\":\"v\",\"id\":\"not a url\"}", 0, "v", 1, NULL,
		    NULL, NULL, 1, 0, 0 },
		{ "{\"value\":\"v\",\"id\":17,\"contentType\":[],"
		    "\"attributes\":{\"enabled\":\"yes\",\"exp\":1.5}}", 0,
		    "v", 1, NULL, NULL, NULL, 1, 0, 0 },
		{ "{\"value\":\"v\",\"unknown\":{\"deep\":[1,2,3]},"
		    "\"managed\":true,\"kid\":\"k\"}", 0, "v", 1, NULL, NULL,
		    NULL, 1, 0, 0 },
		{ .body = "{\"value\":null}", .rc = AZKV_ERR_PROTOCOL },
		{ .body = "{\"value\":42}", .rc = AZKV_ERR_PROTOCOL },
		{ .body = "{\"id\":\"https://v.vault.azure.net/secrets/n/1\"}",
		    .rc = AZKV_ERR_PROTOCOL },
		{ .body = "[\"value\"]", .rc = AZKV_ERR_PROTOCOL },
		{ .body = "\"value\"", .rc = AZKV_ERR_PROTOCOL },
		{ .body = "{\"value\":\"trunc", .rc = AZKV_ERR_PROTOCOL },
		{ .body = "", .rc = AZKV_ERR_PROTOCOL },
		{ .body = "<html>502 Bad Gateway</html>",
		    .rc = AZKV_ERR_PROTOCOL },
	};
	struct azkv_secret *s;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = NULL;
		rc = secret_parse(cases[i].body, strlen(cases[i].body), &s);
		is_int(rc, cases[i].rc, "variant %zu rc", i);
		if (rc != 0 || s == NULL) {
			azkv_secret_free(s);
			continue;
		}
		is_int(s->value_len, cases[i].value_len, "variant %zu len", i);
		ok(memcmp(s->value, cases[i].value, s->value_len + 1) == 0,
		    "variant %zu value bytes", i);
		is_str(s->name, cases[i].name, "variant %zu name", i);
		is_str(s->version, cases[i].version, "variant %zu version", i);
		is_str(s->content_type, cases[i].ctype, "variant %zu ctype", i);
		is_int(s->enabled, cases[i].enabled, "variant %zu enabled", i);
		is_int(s->nbf, cases[i].nbf, "variant %zu nbf", i);
		is_int(s->exp, cases[i].exp, "variant %zu exp", i);
		azkv_secret_free(s);
	}
	azkv_secret_free(NULL);
}

static void
test_size(void)
{
	struct buf b;
	struct azkv_secret *s = NULL;
	size_t i;

	/* Key Vault's 25 KB limit, all escaped: decodes to 25 KiB */
	buf_init(&b, 0);
	buf_append_str(&b, "{\"value\":\"");
	for (i = 0; i < AZKV_SECRET_MAX; i++)
		buf_append_str(&b, "\\u0041");
	buf_append_str(&b, "\"}");
	is_int(secret_parse(b.d, b.len, &s), 0, "25 KiB escaped value");
	is_int(s ? s->value_len : 0, AZKV_SECRET_MAX, "25 KiB decoded");
	azkv_secret_free(s);
	buf_release(&b);

	buf_init(&b, 0);
	buf_append_str(&b, "{\"value\":\"");
	for (i = 0; i <= AZKV_SECRET_MAX * 4; i++)
		buf_append_str(&b, "a");
	buf_append_str(&b, "\"}");
	s = NULL;
	is_int(secret_parse(b.d, b.len, &s), AZKV_ERR_PROTOCOL,
	    "value over 100 KiB rejected");
	ok(s == NULL, "no secret");
	buf_release(&b);
}

static void
test_tags_and_json(void)
{
	const char *body = "{\"value\":\"p\\u0000w\\\"d\",\"id\":"
	    "\"https://v.vault.azure.net/secrets/n/0123456789abcdef0123456789"
	    "abcdef\",\"contentType\":\"application/json\",\"tags\":{\"env\":"
	    "\"prod\",\"team\":\"ops\",\"bad\":1},\"attributes\":{\"enabled\":"
	    "true,\"nbf\":1,\"exp\":2,\"created\":3,\"updated\":4}}";
	struct azkv_secret *s = NULL, *s2 = NULL;
	char *out = NULL;
	size_t len = 0;

	is_int(secret_parse(body, strlen(body), &s), 0, "tagged body parses");
	if (s == NULL)
		return;
	is_int(s->ntags, 2, "two string tags (a number tag is skipped)");
	is_str(s->ntags > 0 ? s->tags[0].key : NULL, "env", "tag 0 key");
	is_str(s->ntags > 0 ? s->tags[0].value : NULL, "prod", "tag 0 value");
	is_str(s->ntags > 1 ? s->tags[1].key : NULL, "team", "tag 1 key");
	is_str(s->ntags > 1 ? s->tags[1].value : NULL, "ops", "tag 1 value");

	is_int(azkv_secret_json(s, &out, &len), 0, "render as JSON");
	ok(out != NULL && strlen(out) == len, "NUL-terminated, length right");
	is_str(out, "{\"value\":\"p\\u0000w\\\"d\",\"id\":\"https://v.vault."
	    "azure.net/secrets/n/0123456789abcdef0123456789abcdef\","
	    "\"contentType\":\"application/json\",\"tags\":{\"env\":\"prod\","
	    "\"team\":\"ops\"},\"attributes\":{\"enabled\":true,\"nbf\":1,"
	    "\"exp\":2,\"created\":3,\"updated\":4}}", "SecretBundle shape");
	is_int(secret_parse(out, len, &s2), 0, "rendered JSON parses back");
	if (s2 != NULL) {
		ok(s2->value_len == s->value_len &&
		    memcmp(s2->value, s->value, s->value_len) == 0,
		    "round trip: value with NUL and quote");
		is_str(s2->id, s->id, "round trip: id");
		is_str(s2->name, "n", "round trip: name");
		is_str(s2->content_type, s->content_type, "round trip: ctype");
		is_int(s2->ntags, 2, "round trip: tags");
		ok(s2->nbf == 1 && s2->exp == 2 && s2->created == 3 &&
		    s2->updated == 4 && s2->enabled == 1,
		    "round trip: attributes");
	}
	azkv_secret_free(s2);
	azkv_freezero(out, len);
	azkv_secret_free(s);

	s = NULL;
	is_int(secret_parse("{\"value\":\"v\"}", 13, &s), 0, "bare parses");
	if (s == NULL)
		return;
	s->enabled = 0;
	is_int(azkv_secret_json(s, &out, &len), 0, "render a bare secret");
	is_str(out, "{\"value\":\"v\",\"attributes\":{\"enabled\":false}}",
	    "absent fields are omitted");
	azkv_freezero(out, len);
	azkv_secret_free(s);
}

static void
test_userpass(void)
{
	static const struct {
		const char	*value;
		size_t		 len;	/* 0: strlen */
		int		 rc;
		const char	*user, *pass;
	} cases[] = {
		{ "hunter2", 0, 0, NULL, "hunter2" },
		{ "", 0, 0, NULL, "" },
		{ "{\"username\":\"bob\",\"password\":\"pw\"}", 0, 0, "bob",
		    "pw" },
		{ " \n{\"password\":\"p\\u00e9\",\"username\":\"u\",\"x\":1}",
		    0, 0, "u", "p\xc3\xa9" },
		{ "{\"password\":\"only\"}", 0, 0, NULL, "only" },
		{ "{\"username\":1,\"password\":\"p\"}", 0, 0, NULL, "p" },
		{ "{\"username\":\"bob\"}", 0, 0, NULL,
		    "{\"username\":\"bob\"}" },
		{ "{\"password\":5}", 0, 0, NULL, "{\"password\":5}" },
		{ "{broken", 0, 0, NULL, "{broken" },
		{ "[\"password\"]", 0, 0, NULL, "[\"password\"]" },
		{ "\"password\"", 0, 0, NULL, "\"password\"" },
		{ .value = "{\"password\":\"a\\u0000b\"}",
		    .rc = AZKV_ERR_USAGE },
		{ .value = "{\"username\":\"a\\u0000b\",\"password\":\"p\"}",
		    .rc = AZKV_ERR_USAGE },
		{ .value = "a\0b", .len = 3, .rc = AZKV_ERR_USAGE },
		{ "pw with trailing junk", 2, 0, NULL, "pw" },
	};
	static char untouched[] = "untouched";
	char *user, *pass;
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		user = pass = untouched;
		len = cases[i].len ? cases[i].len : strlen(cases[i].value);
		rc = azkv_userpass_parse(cases[i].value, len, &user, &pass);
		is_int(rc, cases[i].rc, "userpass %zu rc", i);
		if (rc != 0) {
			ok(strcmp(user, "untouched") == 0 &&
			    strcmp(pass, "untouched") == 0,
			    "userpass %zu outputs untouched", i);
			continue;
		}
		is_str(user, cases[i].user, "userpass %zu user", i);
		is_str(pass, cases[i].pass, "userpass %zu pass", i);
		if (user != NULL)
			azkv_freezero(user, strlen(user));
		azkv_freezero(pass, strlen(pass));
	}
}

static void
test_names(void)
{
	static const struct {
		const char	*name;
		int		 valid;
	} cases[] = {
		{ "a", 1 },
		{ "ftpadmin", 1 },
		{ "My-Secret-01", 1 },
		{ "-", 1 },
		{ "0123456789", 1 },
		{ "", 0 },
		{ "a b", 0 },
		{ "a_b", 0 },
		{ "a.b", 0 },
		{ "a/b", 0 },
		{ "../x", 0 },
		{ "a?b", 0 },
		{ "a%2Fb", 0 },
		{ "caf\xc3\xa9", 0 },
		{ "x\n", 0 },
	};
	char name[200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(azkv_secret_name_valid(cases[i].name), cases[i].valid,
		    "name case %zu", i);
	is_int(azkv_secret_name_valid(NULL), 0, "NULL name");
	memset(name, 'n', 127);
	name[127] = '\0';
	is_int(azkv_secret_name_valid(name), 1, "127 characters");
	name[127] = 'n';
	name[128] = '\0';
	is_int(azkv_secret_name_valid(name), 0, "128 characters");
}

/* Hide an array's address from -Waddress in is_str(). */
static const char *
str(const char *p)
{
	return p;
}

static void
test_derive(void)
{
	char longb[202], p108[109], p109[110], w108[200], out[200];
	struct {
		const char	*prefix, *a, *b;
		size_t		 outlen;
		int		 rc;
		const char	*want;
	} cases[] = {
		/* printf 'https\0github.com' | sha256sum */
		{ "git", "https", "github.com", sizeof(out), 0,
		    "git-https-github-com-2dfbb108ccd31891" },
		/* printf 'alice\0sftp.example.com' | sha256sum */
		{ "sftp", "alice", "sftp.example.com", sizeof(out), 0,
		    "sftp-alice-sftp-example-com-94960afc1f5117aa" },
		/* printf 'HTTPS\0GitHub.COM' | sha256sum: hash of the bytes */
		{ "git", "HTTPS", "GitHub.COM", sizeof(out), 0,
		    "git-https-github-com-c8e63c01e9797032" },
		/* printf 'https\0dev.azure.com:8443/org' | sha256sum */
		{ "Git-X", "https", "dev.azure.com:8443/org", sizeof(out), 0,
		    "Git-X-https-dev-azure-com-8443-org-42cdfc85528ecf27" },
		/* printf '\0' | sha256sum */
		{ "p", "", "", sizeof(out), 0, "p---6e340b9cffb37a98" },
		{ "p", NULL, NULL, sizeof(out), 0, "p---6e340b9cffb37a98" },
		{ "git", "https", longb, sizeof(out), 0, NULL },
		{ p108, "q", "r", sizeof(out), 0, NULL },
		{ p109, "q", "r", sizeof(out), AZKV_ERR_USAGE, NULL },
		{ "", "https", "github.com", sizeof(out), AZKV_ERR_USAGE, NULL },
		{ NULL, "https", "github.com", sizeof(out), AZKV_ERR_USAGE,
		    NULL },
		{ "git_x", "https", "github.com", sizeof(out), AZKV_ERR_USAGE,
		    NULL },
		{ "git", "https", "github.com", 37, AZKV_ERR_USAGE, NULL },
		{ "git", "https", "github.com", 38, 0,
		    "git-https-github-com-2dfbb108ccd31891" },
	};
	size_t i;
	int rc;

	longb[0] = 'h';
	memset(longb + 1, 'x', 200);
	longb[201] = '\0';
	memset(p108, 'a', 108);
	p108[108] = '\0';
	memset(p109, 'a', 109);
	p109[109] = '\0';
	/* slug room is 127 - 3 - 2 - 16 = 106: "https-h" + 99 x */
	cases[6].want = "git-https-h" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" "-7dba146b37c3513d";
	snprintf(w108, sizeof(w108), "%s-q-6d047f92e7c6afd7", p108);
	cases[7].want = w108;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(out, sizeof(out), "%s", "untouched");
		rc = azkv_secret_name_derive(cases[i].prefix, cases[i].a,
		    cases[i].b, out, cases[i].outlen);
		is_int(rc, cases[i].rc, "derive %zu rc", i);
		if (rc == 0) {
			is_str(str(out), cases[i].want,
			    "derive %zu name", i);
			ok(azkv_secret_name_valid(out), "derive %zu is valid",
			    i);
		} else
			is_str(str(out), "untouched",
			    "derive %zu out untouched", i);
	}
}

int
main(void)
{
	test_recorded();
	test_variants();
	test_size();
	test_tags_and_json();
	test_userpass();
	test_names();
	test_derive();
	return tap_done();
}
