/* config.c: azkv.conf(5) files and the environment, applied to a context. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "azkv-int.h"

#define CONFIG_FILE_MAX		(1024 * 1024)
#define CONFIG_LINE_MAX		(64 * 1024)
#define CONFIG_SYSTEM_FILE	"/etc/azkv/config"

/* Settings of the [azkv] section, as azkv_set() keys. */
static const char *const azkv_keys[] = {
	"vault", "identity", "cafile", "timeout", "token-cache",
	"api-version", "allow-vault-host", "debug", "resource",
};

/* Environment variables captured into the context as "env.NAME". */
static const char *const env_captured[] = {
	"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT",
	"IMDS_ENDPOINT", "MSI_ENDPOINT", "MSI_SECRET",
	"DEFAULT_IDENTITY_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
	"AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST",
	"AZURE_POD_IDENTITY_AUTHORITY_HOST", "HOME", "XDG_RUNTIME_DIR",
	"XDG_CONFIG_HOME",
};

/* AZKV_* variables and the setting each one sets. */
static const struct {
	const char	*var;
	const char	*key;
} env_settings[] = {
	{ "AZKV_VAULT",			"vault" },
	{ "AZKV_IDENTITY",		"identity" },
	{ "AZKV_IDENTITY_SOURCE",	"identity.source" },
	{ "AZKV_CAFILE",		"cafile" },
	{ "AZKV_ALLOW_VAULT_HOST",	"allow-vault-host" },
	{ "AZKV_TIMEOUT",		"timeout" },
	{ "AZKV_TOKEN_CACHE",		"token-cache" },
	{ "AZKV_DEBUG",			"debug" },
	{ "AZKV_API_VERSION",		"api-version" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct parser {
	struct azkv	*ctx;
	const char	*name;
	int		 line;
	int		 system;
	char		*section;	/* lower-case, NULL before the first */
	char		*subsection;
};

static int
perr(struct parser *p, const char *msg)
{
	return seterr(p->ctx, AZKV_ERR_CONFIG, "%s:%d: %s", p->name, p->line,
	    msg);
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_namechar(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '-';
}

char *
lower_dup(const char *s, size_t n)
{
	char *d;
	size_t i;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		d[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i];
	d[n] = '\0';
	return d;
}

static void
entry_release(struct config_entry *e)
{
	free(e->section);
	free(e->subsection);
	free(e->key);
	free(e->value);
	free(e->file);
	memset(e, 0, sizeof(*e));
}

/* Append an entry; takes ownership of key and value. */
static int
entry_add(struct parser *p, char *key, char *value)
{
	struct azkv *ctx = p->ctx;
	struct config_entry *e, *ncfg;
	size_t cap;
	int ret = AZKV_ERR_NOMEM;

	/* capacity is the next power of two >= ncfg */
	if (ctx->ncfg == 0 || (ctx->ncfg & (ctx->ncfg - 1)) == 0) {
		cap = ctx->ncfg ? ctx->ncfg * 2 : 1;
		if ((ncfg = reallocarray(ctx->cfg, cap, sizeof(*ncfg))) ==
		    NULL)
			goto out;
		ctx->cfg = ncfg;
	}
	e = &ctx->cfg[ctx->ncfg];
	memset(e, 0, sizeof(*e));
	if ((e->section = strdup(p->section)) == NULL ||
	    (p->subsection != NULL &&
	    (e->subsection = strdup(p->subsection)) == NULL) ||
	    (e->file = strdup(p->name)) == NULL) {
		entry_release(e);
		goto out;
	}
	e->key = key;
	e->value = value;
	key = value = NULL;
	e->line = p->line;
	e->system = p->system;
	ctx->ncfg++;
	ret = 0;
 out:
	free(key);
	free(value);
	if (ret != 0)
		return seterr(ctx, ret, "out of memory reading %s", p->name);
	return 0;
}

/* Parse `[name]` or `[name "subsection"]` at s (s[0] == '['). */
static int
parse_section(struct parser *p, const char *s)
{
	const char *q = s + 1;
	char *section = NULL, *sub = NULL, *d;
	size_t n;
	int ret;

	for (n = 0; is_namechar(q[n]); n++)
		;
	if (n == 0)
		return perr(p, "invalid section name (letters, digits and "
		    "'-' only)");
	if ((section = lower_dup(q, n)) == NULL)
		goto nomem;
	q += n;
	if (is_ws(*q)) {
		while (is_ws(*q))
			q++;
		if (*q != '"') {
			ret = perr(p, "expected '\"' to start the subsection");
			goto out;
		}
		q++;
		if ((sub = d = malloc(strlen(q) + 1)) == NULL)
			goto nomem;
		for (; *q != '"'; q++) {
			if (*q == '\0') {
				ret = perr(p, "unterminated subsection "
				    "(missing '\"')");
				goto out;
			}
			if (*q == '\\') {
				q++;
				if (*q != '"' && *q != '\\') {
					ret = perr(p, "invalid escape in "
					    "subsection (only \\\" and \\\\)");
					goto out;
				}
			}
			*d++ = *q;
		}
		*d = '\0';
		q++;
		if (*sub == '\0') {
			ret = perr(p, "empty subsection");
			goto out;
		}
	}
	if (*q != ']') {
		ret = perr(p, "expected ']' to end the section header");
		goto out;
	}
	for (q++; is_ws(*q); q++)
		;
	if (*q != '\0' && *q != '#' && *q != ';') {
		ret = perr(p, "unexpected text after the section header");
		goto out;
	}
	free(p->section);
	free(p->subsection);
	p->section = section;
	p->subsection = sub;
	return 0;
 nomem:
	ret = seterr(p->ctx, AZKV_ERR_NOMEM, "out of memory reading %s",
	    p->name);
 out:
	free(section);
	free(sub);
	return ret;
}

/*
 * Parse a value (after '=' and leading blanks): quotes group, backslash
 * escapes, an unquoted '#' or ';' starts a comment, unquoted trailing
 * blanks are dropped.
 */
static int
parse_value(struct parser *p, const char *s, char **out)
{
	char *v, *d;
	size_t keep = 0;
	int quote = 0;

	if ((v = d = malloc(strlen(s) + 1)) == NULL)
		return seterr(p->ctx, AZKV_ERR_NOMEM,
		    "out of memory reading %s", p->name);
	for (; *s != '\0'; s++) {
		if (!quote && (*s == '#' || *s == ';'))
			break;
		if (*s == '"') {
			quote = !quote;
			keep = (size_t)(d - v);
			continue;
		}
		if (*s == '\\') {
			s++;
			switch (*s) {
			case '"':
			case '\\':
				*d++ = *s;
				break;
			case 'n':
				*d++ = '\n';
				break;
			case 't':
				*d++ = '\t';
				break;
			case '\0':
				free(v);
				return perr(p, "a backslash at the end of a "
				    "line (continuation lines are not "
				    "supported)");
			default:
				free(v);
				return perr(p, "invalid escape in value (only "
				    "\\\", \\\\, \\n and \\t)");
			}
			keep = (size_t)(d - v);
			continue;
		}
		*d++ = *s;
		if (quote || !is_ws(*s))
			keep = (size_t)(d - v);
	}
	if (quote) {
		free(v);
		return perr(p, "unterminated quoted value (missing '\"')");
	}
	v[keep] = '\0';
	*out = v;
	return 0;
}

/* Parse one line, NUL-terminated, without its newline. */
static int
parse_line(struct parser *p, char *s)
{
	char *key = NULL, *value = NULL;
	size_t n;
	int r;

	while (is_ws(*s))
		s++;
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	if (!is_alpha(*s))
		return perr(p, "expected '[section]' or 'key = value'");
	for (n = 0; is_namechar(s[n]); n++)
		;
	if (p->section == NULL)
		return perr(p, "key outside any [section]");
	if ((key = lower_dup(s, n)) == NULL)
		return seterr(p->ctx, AZKV_ERR_NOMEM,
		    "out of memory reading %s", p->name);
	for (s += n; is_ws(*s); s++)
		;
	if (*s == '\0' || *s == '#' || *s == ';') {
		if ((value = strdup("true")) == NULL) {
			free(key);
			return seterr(p->ctx, AZKV_ERR_NOMEM,
			    "out of memory reading %s", p->name);
		}
	} else if (*s == '=') {
		for (s++; is_ws(*s); s++)
			;
		if ((r = parse_value(p, s, &value)) != 0) {
			free(key);
			return r;
		}
	} else {
		free(key);
		return perr(p, "expected '=' after the key (keys are "
		    "letters, digits and '-', starting with a letter)");
	}
	return entry_add(p, key, value);
}

int
config_parse(struct azkv *ctx, const char *name, const char *text,
    size_t len, int system)
{
	struct parser p;
	const char *end = text + len, *nl;
	char *line = NULL;
	size_t n;
	int ret = AZKV_ERR_INTERNAL;

	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.name = name;
	p.system = system;
	if (len > CONFIG_FILE_MAX) {
		ret = seterr(ctx, AZKV_ERR_CONFIG, "%s: larger than %d bytes",
		    name, CONFIG_FILE_MAX);
		goto out;
	}
	if ((line = malloc(CONFIG_LINE_MAX + 1)) == NULL) {
		ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
		goto out;
	}
	while (text < end) {
		p.line++;
		if ((nl = memchr(text, '\n', (size_t)(end - text))) == NULL)
			nl = end;
		n = (size_t)(nl - text);
		if (n > 0 && text[n - 1] == '\r')
			n--;
		if (n > CONFIG_LINE_MAX) {
			ret = perr(&p, "line longer than 65536 bytes");
			goto out;
		}
		if (memchr(text, '\0', n) != NULL) {
			ret = perr(&p, "NUL byte in line");
			goto out;
		}
		memcpy(line, text, n);
		line[n] = '\0';
		if ((ret = parse_line(&p, line)) != 0)
			goto out;
		text = nl < end ? nl + 1 : end;
	}
	ret = 0;
 out:
	free(line);
	free(p.section);
	free(p.subsection);
	return ret;
}

/* Remember that path was considered. */
static int
file_note(struct azkv *ctx, const char *path, int found)
{
	struct config_file *nf;
	char *copy;

	if ((copy = strdup(path)) == NULL)
		return seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
	if ((nf = reallocarray(ctx->cfg_files, ctx->ncfg_files + 1,
	    sizeof(*nf))) == NULL) {
		free(copy);
		return seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
	}
	ctx->cfg_files = nf;
	nf[ctx->ncfg_files].path = copy;
	nf[ctx->ncfg_files].found = found;
	ctx->ncfg_files++;
	return 0;
}

int
config_read_file(struct azkv *ctx, const char *path, int must_exist,
    int system)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, ret = AZKV_ERR_INTERNAL;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
			return file_note(ctx, path, 0);
		return seterr(ctx, AZKV_ERR_CONFIG, "cannot open %s: %s",
		    path, strerror(errno));
	}
	if (fstat(fd, &st) == -1) {
		ret = seterr(ctx, AZKV_ERR_CONFIG, "cannot stat %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = seterr(ctx, AZKV_ERR_CONFIG, "%s: is a directory", path);
		goto out;
	}
	/* The file decides where tokens go: only its owner may change it. */
	if (S_ISREG(st.st_mode) && ((st.st_mode & 022) != 0 ||
	    (st.st_uid != 0 && st.st_uid != geteuid()))) {
		ret = seterr(ctx, AZKV_ERR_CONFIG, "%s: bad owner or "
		    "permissions (must be owned by you or root and not "
		    "writable by group or others)", path);
		goto out;
	}
	if ((text = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		ret = seterr(ctx, AZKV_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		n = read(fd, text + len, CONFIG_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ret = seterr(ctx, AZKV_ERR_CONFIG, "cannot read %s: %s",
			    path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX)
			break;
	}
	if ((ret = file_note(ctx, path, 1)) != 0)
		goto out;
	ret = config_parse(ctx, path, text, len, system);
 out:
	free(text);
	if (fd != -1)
		close(fd);
	return ret;
}

void
config_release(struct azkv *ctx)
{
	size_t i;

	for (i = 0; i < ctx->ncfg; i++)
		entry_release(&ctx->cfg[i]);
	free(ctx->cfg);
	ctx->cfg = NULL;
	ctx->ncfg = 0;
	for (i = 0; i < ctx->ncfg_files; i++)
		free(ctx->cfg_files[i].path);
	free(ctx->cfg_files);
	ctx->cfg_files = NULL;
	ctx->ncfg_files = 0;
}

const char *
azkv_config_get(const struct azkv *ctx, const char *section,
    const char *subsection, const char *key)
{
	const struct config_entry *e;
	size_t i;

	/* Later entries win: the user file is read after the system file. */
	for (i = ctx->ncfg; i-- > 0;) {
		e = &ctx->cfg[i];
		if (strcasecmp(e->section, section) != 0 ||
		    strcasecmp(e->key, key) != 0)
			continue;
		if (subsection == NULL ? e->subsection != NULL :
		    (e->subsection == NULL ||
		    strcmp(e->subsection, subsection) != 0))
			continue;
		return e->value;
	}
	return NULL;
}

const char *
azkv_config_file(const struct azkv *ctx, size_t i, int *found)
{
	if (ctx == NULL || i >= ctx->ncfg_files)
		return NULL;
	if (found != NULL)
		*found = ctx->cfg_files[i].found;
	return ctx->cfg_files[i].path;
}

/* Apply [azkv] and [identity] entries in file order. */
static int
config_apply(struct azkv *ctx)
{
	const struct config_entry *e;
	char msg[AZKV_ERRLEN];
	const char *key;
	size_t i, k;
	int r;

	for (i = 0; i < ctx->ncfg; i++) {
		e = &ctx->cfg[i];
		if (strcmp(e->section, "azkv") != 0 &&
		    strcmp(e->section, "identity") != 0)
			continue;
		if (e->subsection != NULL)
			return seterr(ctx, AZKV_ERR_CONFIG, "%s:%d: section "
			    "[%s] takes no subsection", e->file, e->line,
			    e->section);
		key = NULL;
		if (strcmp(e->section, "identity") == 0) {
			if (strcmp(e->key, "source") == 0)
				key = "identity.source";
		} else {
			for (k = 0; k < NELEM(azkv_keys); k++)
				if (strcmp(e->key, azkv_keys[k]) == 0)
					key = azkv_keys[k];
		}
		if (key == NULL)
			return seterr(ctx, AZKV_ERR_CONFIG, "%s:%d: unknown "
			    "setting '%s.%s'", e->file, e->line, e->section,
			    e->key);
		if ((r = azkv_set(ctx, key,
		    *e->value == '\0' ? NULL : e->value)) != 0) {
			snprintf(msg, sizeof(msg), "%s", azkv_last_error(ctx));
			return seterr(ctx, r == AZKV_ERR_USAGE ?
			    AZKV_ERR_CONFIG : r, "%s:%d: %s", e->file, e->line,
			    msg);
		}
	}
	return 0;
}

/* Capture the standard variables and apply the AZKV_* ones. */
static int
config_env(struct azkv *ctx)
{
	char msg[AZKV_ERRLEN], key[64];
	const char *v;
	size_t i;
	int r, n;

	for (i = 0; i < NELEM(env_captured); i++) {
		if ((v = getenv(env_captured[i])) == NULL)
			continue;
		n = snprintf(key, sizeof(key), "env.%s", env_captured[i]);
		if (n < 0 || (size_t)n >= sizeof(key))
			return seterr(ctx, AZKV_ERR_INTERNAL, "name too long");
		if ((r = azkv_set(ctx, key, v)) != 0)
			return seterr(ctx, r, "cannot capture %s",
			    env_captured[i]);
	}
	for (i = 0; i < NELEM(env_settings); i++) {
		v = getenv(env_settings[i].var);
		if ((v == NULL || *v == '\0') &&
		    strcmp(env_settings[i].var, "AZKV_IDENTITY") == 0)
			v = getenv("AZURE_CLIENT_ID");
		if (v == NULL || *v == '\0')
			continue;
		if ((r = azkv_set(ctx, env_settings[i].key, v)) != 0) {
			snprintf(msg, sizeof(msg), "%s", azkv_last_error(ctx));
			return seterr(ctx, r == AZKV_ERR_USAGE ?
			    AZKV_ERR_CONFIG : r, "%s: %s",
			    env_settings[i].var, msg);
		}
	}
	return 0;
}

/* The user file: $XDG_CONFIG_HOME/azkv/config or ~/.config/azkv/config. */
static int
user_file(char *path, size_t len)
{
	const char *dir;
	int n;

	if ((dir = getenv("XDG_CONFIG_HOME")) != NULL && *dir == '/')
		n = snprintf(path, len, "%s/azkv/config", dir);
	else if ((dir = getenv("HOME")) != NULL && *dir == '/')
		n = snprintf(path, len, "%s/.config/azkv/config", dir);
	else
		return -1;
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

int
azkv_configure(struct azkv *ctx, const char *path)
{
	char user[4096];
	int r;

	config_release(ctx);
	if (path == NULL || *path == '\0')
		path = getenv("AZKV_CONFIG");
	if (path != NULL && *path != '\0') {
		if ((r = config_read_file(ctx, path, 1, 0)) != 0)
			return r;
	} else {
		if ((r = config_read_file(ctx, CONFIG_SYSTEM_FILE, 0, 1)) != 0)
			return r;
		if (user_file(user, sizeof(user)) == 0 &&
		    (r = config_read_file(ctx, user, 0, 0)) != 0)
			return r;
	}
	if ((r = config_apply(ctx)) != 0)
		return r;
	return config_env(ctx);
}
