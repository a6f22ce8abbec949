/* prompt.c: the anchored allow-list of prompts azkv-askpass answers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prompt.h"

#define USER_MAX	256
#define HOST_MAX	255

#define PFX_KEY		"Enter passphrase for key '"
#define PFX_ADD		"Enter passphrase for "
#define SFX_CONFIRM	" (will confirm each use)"
#define SFX_PASSWORD	"'s password: "
#define SFX_KBDINT	") Password: "
#define PFX_GIT_USER	"Username for '"
#define PFX_GIT_PASS	"Password for '"
#define SFX_QUOTED	"': "

/* A sub-range of the prompt. */
struct span {
	const char	*p;
	size_t		 n;
};

enum { PARSE_OK = 0, PARSE_NOMEM = -1, PARSE_BAD = 1 };

const char *
prompt_kind_name(enum prompt_kind kind)
{
	switch (kind) {
	case PROMPT_NONE:		return "none";
	case PROMPT_SSH_PASSWORD:	return "ssh-password";
	case PROMPT_SSH_KBDINT:		return "ssh-kbdint";
	case PROMPT_KEY_PASSPHRASE:	return "key-passphrase";
	case PROMPT_GIT_USERNAME:	return "git-username";
	case PROMPT_GIT_PASSWORD:	return "git-password";
	case PROMPT_REFUSE:		break;
	}
	return "refuse";
}

void
prompt_release(struct prompt *p)
{
	if (p == NULL)
		return;
	free(p->user);
	free(p->host);
	free(p->path);
	free(p->scheme);
	memset(p, 0, sizeof(*p));
	p->kind = PROMPT_REFUSE;
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static unsigned char
to_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Strip a literal prefix and suffix from s; 1 when both were there. */
static int
strip(struct span s, const char *pfx, const char *sfx, struct span *mid)
{
	size_t pl = strlen(pfx), sl = strlen(sfx);

	if (s.n < pl + sl || memcmp(s.p, pfx, pl) != 0 ||
	    memcmp(s.p + s.n - sl, sfx, sl) != 0)
		return 0;
	mid->p = s.p + pl;
	mid->n = s.n - pl - sl;
	return 1;
}

static const char *
last_at(struct span s)
{
	size_t i;

	for (i = s.n; i > 0; i--)
		if (s.p[i - 1] == '@')
			return s.p + i - 1;
	return NULL;
}

/* An ssh login name: printable ASCII, no blank, quote or parenthesis. */
static int
ssh_user_ok(struct span s)
{
	size_t i;

	if (s.n == 0 || s.n > USER_MAX)
		return 0;
	for (i = 0; i < s.n; i++) {
		unsigned char c = s.p[i];

		if (c <= 0x20 || c >= 0x7f || strchr("'\"()", c) != NULL)
			return 0;
	}
	return 1;
}

/* A host name, IP address or HostKeyAlias as ssh shows it. */
static int
ssh_host_ok(struct span s)
{
	size_t i;

	if (s.n == 0 || s.n > HOST_MAX)
		return 0;
	for (i = 0; i < s.n; i++) {
		unsigned char c = s.p[i];

		if (!is_alnum(c) && strchr(".-_:%", c) == NULL)
			return 0;
	}
	return 1;
}

/* A key file name: non-empty, not one of the look-alike prompts. */
static int
key_path_ok(struct span s)
{
	if (s.n == 0)
		return 0;
	if (s.p[0] == '"')		/* ssh-keygen: for "%s" */
		return 0;
	if (s.n == 7 && memcmp(s.p, "PKCS#11", 7) == 0)
		return 0;
	if (s.n >= 5 && memcmp(s.p, "key '", 5) == 0)
		return 0;		/* a malformed ssh key prompt */
	return 1;
}

static char *
span_dup(struct span s, int lower)
{
	char *r;
	size_t i;

	if ((r = malloc(s.n + 1)) == NULL)
		return NULL;
	for (i = 0; i < s.n; i++)
		r[i] = lower ? (char)to_lower(s.p[i]) : s.p[i];
	r[s.n] = '\0';
	return r;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = to_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Percent-decode s into a new string. PARSE_BAD for a broken escape or a
 * decoded control byte (NUL included).
 */
static int
pct_decode(struct span s, char **out)
{
	char *r;
	size_t i, o = 0;
	int hi, lo;
	unsigned char c;

	if ((r = malloc(s.n + 1)) == NULL)
		return PARSE_NOMEM;
	for (i = 0; i < s.n; i++) {
		c = s.p[i];
		if (c == '%') {
			if (s.n - i < 3)
				goto bad;
			if ((hi = hexval(s.p[i + 1])) < 0 ||
			    (lo = hexval(s.p[i + 2])) < 0)
				goto bad;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			goto bad;
		r[o++] = (char)c;
	}
	r[o] = '\0';
	*out = r;
	return PARSE_OK;
 bad:
	free(r);
	return PARSE_BAD;
}

/* host[:port] or [v6][:port], already decoded and lower-cased. */
static int
url_host_ok(const char *h)
{
	size_t i = 0, n = strlen(h);

	if (n == 0 || n > HOST_MAX)
		return 0;
	if (h[0] == '[') {
		for (i = 1; i < n && h[i] != ']'; i++)
			if (!is_alnum((unsigned char)h[i]) &&
			    strchr(":.%", h[i]) == NULL)
				return 0;
		if (i == n || i == 1)
			return 0;
		i++;
	} else {
		for (; i < n && h[i] != ':'; i++)
			if (!is_alnum((unsigned char)h[i]) &&
			    strchr(".-_", h[i]) == NULL)
				return 0;
		if (i == 0)
			return 0;
	}
	if (i == n)
		return 1;
	if (h[i] != ':' || i + 1 == n || n - i - 1 > 5)
		return 0;
	for (i++; i < n; i++)
		if (h[i] < '0' || h[i] > '9')
			return 0;
	return 1;
}

/*
 * Split git's "scheme://[user@]host[/path]" (percent-encoded or not, git
 * versions differ) into p. Only http and https; a '@' after the host is
 * refused, as a raw user name holding '/' could make another host appear
 * to be the one asked for.
 */
static int
parse_git_url(struct span u, struct prompt *p)
{
	struct span scheme, auth, user, host, path;
	const char *sep, *at;
	size_t i;
	int r;

	for (i = 0; i < u.n && (is_alnum((unsigned char)u.p[i]) ||
	    strchr("+.-", u.p[i]) != NULL); i++)
		;
	if (i == 0 || u.n - i < 3 || memcmp(u.p + i, "://", 3) != 0)
		return PARSE_BAD;
	scheme.p = u.p;
	scheme.n = i;
	if (!((scheme.n == 4 && strncasecmp(scheme.p, "http", 4) == 0) ||
	    (scheme.n == 5 && strncasecmp(scheme.p, "https", 5) == 0)))
		return PARSE_BAD;
	auth.p = u.p + i + 3;
	auth.n = u.n - i - 3;
	path.p = NULL;
	path.n = 0;
	if ((sep = memchr(auth.p, '/', auth.n)) != NULL) {
		path.p = sep + 1;
		path.n = auth.n - (size_t)(sep - auth.p) - 1;
		auth.n = (size_t)(sep - auth.p);
		if (memchr(path.p, '@', path.n) != NULL)
			return PARSE_BAD;
	}
	host = auth;
	user.n = 0;
	if ((at = last_at(auth)) != NULL) {
		user.p = auth.p;
		user.n = (size_t)(at - auth.p);
		host.p = at + 1;
		host.n = auth.n - user.n - 1;
	}
	if ((p->scheme = span_dup(scheme, 1)) == NULL)
		return PARSE_NOMEM;
	if ((r = pct_decode(host, &p->host)) != PARSE_OK)
		return r;
	for (i = 0; p->host[i] != '\0'; i++)
		p->host[i] = (char)to_lower((unsigned char)p->host[i]);
	if (!url_host_ok(p->host))
		return PARSE_BAD;
	if (user.n > 0 && (r = pct_decode(user, &p->user)) != PARSE_OK)
		return r;
	if (p->user != NULL && strlen(p->user) > USER_MAX)
		return PARSE_BAD;
	if (path.n > 0 && (r = pct_decode(path, &p->path)) != PARSE_OK)
		return r;
	return PARSE_OK;
}

/* user@host with the last '@' as separator, both checked. */
static int
split_user_host(struct span s, struct prompt *p)
{
	const char *at;
	struct span user, host;

	if ((at = last_at(s)) == NULL)
		return PARSE_BAD;
	user.p = s.p;
	user.n = (size_t)(at - s.p);
	host.p = at + 1;
	host.n = s.n - user.n - 1;
	if (!ssh_user_ok(user) || !ssh_host_ok(host))
		return PARSE_BAD;
	if ((p->user = span_dup(user, 0)) == NULL ||
	    (p->host = span_dup(host, 0)) == NULL)
		return PARSE_NOMEM;
	return PARSE_OK;
}

static int
set_path(struct span s, struct prompt *p)
{
	if (!key_path_ok(s))
		return PARSE_BAD;
	if ((p->path = span_dup(s, 0)) == NULL)
		return PARSE_NOMEM;
	return PARSE_OK;
}

/* Try each allowed shape in turn; PARSE_BAD when none fits. */
static int
match_shapes(struct span s, struct prompt *p)
{
	struct span mid;
	int r;

	if (strip(s, "", SFX_PASSWORD, &mid)) {
		if ((r = split_user_host(mid, p)) == PARSE_OK) {
			p->kind = PROMPT_SSH_PASSWORD;
			p->rule = "ssh-password";
		}
		return r;
	}
	if (strip(s, "(", SFX_KBDINT, &mid)) {
		if ((r = split_user_host(mid, p)) == PARSE_OK) {
			p->kind = PROMPT_SSH_KBDINT;
			p->rule = "ssh-kbdint";
		}
		return r;
	}
	if (strip(s, PFX_KEY, SFX_QUOTED, &mid)) {
		if ((r = set_path(mid, p)) == PARSE_OK) {
			p->kind = PROMPT_KEY_PASSPHRASE;
			p->rule = "ssh-key-passphrase";
		}
		return r;
	}
	if (strip(s, PFX_ADD, ": ", &mid)) {
		struct span path = mid;

		if (mid.n >= strlen(SFX_CONFIRM) && memcmp(mid.p + mid.n -
		    strlen(SFX_CONFIRM), SFX_CONFIRM, strlen(SFX_CONFIRM)) == 0)
			path.n -= strlen(SFX_CONFIRM);
		if ((r = set_path(path, p)) == PARSE_OK) {
			p->kind = PROMPT_KEY_PASSPHRASE;
			p->rule = "ssh-add-passphrase";
		}
		return r;
	}
	if (strip(s, PFX_GIT_USER, SFX_QUOTED, &mid)) {
		if ((r = parse_git_url(mid, p)) == PARSE_OK) {
			p->kind = PROMPT_GIT_USERNAME;
			p->rule = "git-username";
		}
		return r;
	}
	if (strip(s, PFX_GIT_PASS, SFX_QUOTED, &mid)) {
		if ((r = parse_git_url(mid, p)) == PARSE_OK) {
			p->kind = PROMPT_GIT_PASSWORD;
			p->rule = "git-password";
		}
		return r;
	}
	return PARSE_BAD;
}

/* Why a prompt that fits no shape was refused, for the message. */
static const char *
refusal_reason(const char *text)
{
	if (strstr(text, "continue connecting") != NULL ||
	    strstr(text, "Please type 'yes'") != NULL ||
	    strstr(text, "hostkeys") != NULL ||
	    strstr(text, "authenticity of host") != NULL)
		return "host key question";
	if (strstr(text, "new password") != NULL ||
	    strstr(text, "old password") != NULL)
		return "password change";
	if (strstr(text, "PIN") != NULL)
		return "PIN request";
	return "prompt not on the allow-list";
}

int
prompt_classify(const char *text, const char *askpass_prompt,
    struct prompt *out)
{
	struct span s;
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	out->kind = PROMPT_REFUSE;
	if (askpass_prompt != NULL && *askpass_prompt != '\0') {
		if (strcmp(askpass_prompt, "none") == 0) {
			out->kind = PROMPT_NONE;
			out->rule = "SSH_ASKPASS_PROMPT=none";
		} else if (strcmp(askpass_prompt, "confirm") == 0)
			out->rule = "confirmation (SSH_ASKPASS_PROMPT=confirm)";
		else
			out->rule = "unknown SSH_ASKPASS_PROMPT";
		return 0;
	}
	if (text == NULL) {
		out->rule = "no prompt";
		return 0;
	}
	s.p = text;
	s.n = strnlen(text, PROMPT_MAX + 1);
	if (s.n > PROMPT_MAX) {
		out->rule = "prompt too long";
		return 0;
	}
	for (i = 0; i < s.n; i++) {
		unsigned char c = text[i];

		if (c == '\n' || c == '\r') {
			out->rule = strstr(text, "continue connecting") ?
			    "host key question" : "multi-line prompt";
			return 0;
		}
		if (c < 0x20 || c == 0x7f) {
			out->rule = "control character in prompt";
			return 0;
		}
	}
	r = match_shapes(s, out);
	if (r == PARSE_OK)
		return 0;
	prompt_release(out);
	out->rule = r == PARSE_NOMEM ? "out of memory" : refusal_reason(text);
	return r == PARSE_NOMEM ? -1 : 0;
}
