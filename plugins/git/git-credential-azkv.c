/* git-credential-azkv.c: git credential helper backed by Azure Key Vault secrets. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "azkv.h"
#include "credential.h"
#include "storedoc.h"

#define PROG		"git-credential-azkv"
#define EXIT_FAIL	1	/* a real failure, reported on stderr */
#define EXIT_USAGE	2	/* bad command line or configuration */
#define ERRLEN		512

struct opts {
	const char	*vault;
	const char	*secret;
	const char	*username;
	const char	*prefix;
	const char	*identity;
	const char	*config;
	const char	*cafile;
	const char	*timeout;
	int		 no_cache;
	int		 verbose;
	int		 read_only;
};

/* One line on stderr, control characters replaced, never a secret. */
static void __attribute__((format(printf, 1, 2)))
complain(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	fprintf(stderr, "%s: %s\n", PROG, msg);
}

#define USAGE_LINE \
	"usage: " PROG " [OPTIONS] get|store|erase (see " PROG "(1))"

static void
help(void)
{
	printf("usage: %s [OPTIONS] get|store|erase\n"
	    "  --vault NAME|URL      Key Vault (default: AZKV_VAULT, config)\n"
	    "  --secret NAME|URL     answer from this secret only (mapped "
	    "mode)\n"
	    "  --username NAME       username to answer with (mapped mode)\n"
	    "  --prefix PREFIX       store-mode secret name prefix "
	    "(default: git)\n"
	    "  --read-only           no store mode: only mapped secrets\n"
	    "  --identity ID         managed identity (system, client id, "
	    "id://, object://, resource://)\n"
	    "  --config FILE         read only this configuration file\n"
	    "  --cafile FILE         extra CA certificates\n"
	    "  --timeout SECONDS     overall deadline (default 120)\n"
	    "  --no-cache            do not use the token cache\n"
	    "  -v, --verbose         debug log on stderr (no secrets)\n",
	    PROG);
}

static int
parse_args(int argc, char **argv, struct opts *o, const char **action)
{
	static const struct option longopts[] = {
		{ "vault",	required_argument,	NULL, 'V' },
		{ "secret",	required_argument,	NULL, 's' },
		{ "username",	required_argument,	NULL, 'u' },
		{ "prefix",	required_argument,	NULL, 'p' },
		{ "identity",	required_argument,	NULL, 'i' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "cafile",	required_argument,	NULL, 'C' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "no-cache",	no_argument,		NULL, 'N' },
		{ "read-only",	no_argument,		NULL, 'R' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'Z' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'V': o->vault = optarg; break;
		case 's': o->secret = optarg; break;
		case 'u': o->username = optarg; break;
		case 'p': o->prefix = optarg; break;
		case 'i': o->identity = optarg; break;
		case 'c': o->config = optarg; break;
		case 'C': o->cafile = optarg; break;
		case 't': o->timeout = optarg; break;
		case 'N': o->no_cache = 1; break;
		case 'R': o->read_only = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h':
			help();
			exit(0);
		case 'Z':
			printf("%s %s\n", PROG, PACKAGE_VERSION);
			exit(0);
		default:
			complain("unknown option or missing value: %s; "
			    USAGE_LINE, argv[optind - 1]);
			return -1;
		}
	}
	if (argc - optind != 1) {
		complain("%s; " USAGE_LINE, argc - optind == 0 ?
		    "no action given" : "exactly one action expected");
		return -1;
	}
	*action = argv[optind];
	return 0;
}

/* Apply the command-line flags on top of files and environment. */
static int
apply_flags(struct azkv *ctx, const struct opts *o)
{
	const struct {
		const char	*key;
		const char	*value;
	} flags[] = {
		{ "vault", o->vault },
		{ "identity", o->identity },
		{ "cafile", o->cafile },
		{ "timeout", o->timeout },
		{ "token-cache", o->no_cache ? "off" : NULL },
		{ "debug", o->verbose ? "1" : NULL },
	};
	size_t i;
	int r;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (flags[i].value == NULL)
			continue;
		if ((r = azkv_set(ctx, flags[i].key, flags[i].value)) != 0) {
			complain("invalid --%s: %s", flags[i].key,
			    azkv_last_error(ctx));
			return -1;
		}
	}
	return 0;
}

static int
is_true(const char *v)
{
	return v != NULL && (strcmp(v, "1") == 0 ||
	    strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
	    strcasecmp(v, "on") == 0);
}

/* ---- mapped mode: one secret named by --secret or [git "URL"] secret ---- */

static int
mapped_get(struct azkv *ctx, const char *secret, const char *username,
    const struct credential *req)
{
	struct azkv_secret *s = NULL;
	struct credential ans;
	char *juser = NULL, *jpass = NULL, err[ERRLEN];
	int r, ret = EXIT_FAIL;

	credential_init(&ans);
	azkv_debug(ctx, "git: mapped mode, secret '%s'", secret);
	if ((r = azkv_secret_get(ctx, secret, NULL, &s)) != 0) {
		complain("%s", azkv_last_error(ctx));
		goto out;
	}
	if (memchr(s->value, '\0', s->value_len) != NULL) {
		complain("secret '%s' holds a NUL byte and cannot be passed "
		    "to git", secret);
		goto out;
	}
	if ((r = azkv_userpass_parse(s->value, s->value_len, &juser,
	    &jpass)) != 0) {
		complain("cannot read secret '%s': %s", secret,
		    azkv_strerror(r));
		goto out;
	}
	/* Borrowed pointers: ans is not released, only the copies are. */
	ans.username = (char *)(uintptr_t)(username != NULL ? username :
	    juser != NULL ? juser : req->username);
	ans.password = jpass;
	ans.password_expiry_utc = s->exp > 0 ? s->exp : 0;
	if (credential_write(&ans, STDOUT_FILENO, err, sizeof(err)) != 0) {
		complain("secret '%s': %s", secret, err);
		goto out;
	}
	ret = 0;
 out:
	if (juser != NULL)
		azkv_freezero(juser, strlen(juser));
	if (jpass != NULL)
		azkv_freezero(jpass, strlen(jpass));
	azkv_secret_free(s);
	return ret;
}

/* ---- store mode: one secret per (protocol, host) holding a document ---- */

/*
 * Read and parse the document in secret `name`: 0 with *doc filled (an
 * empty one when the secret does not exist), or EXIT_FAIL after
 * complaining.
 */
static int
doc_load(struct azkv *ctx, const char *name, const struct credential *req,
    struct storedoc *doc)
{
	struct azkv_secret *s = NULL;
	char err[ERRLEN];
	int r;

	r = azkv_secret_get(ctx, name, NULL, &s);
	if (r == AZKV_ERR_NOTFOUND) {
		azkv_debug(ctx, "git: secret '%s' does not exist yet", name);
		if (storedoc_init(doc, req->protocol, req->host) != 0) {
			complain("out of memory");
			return EXIT_FAIL;
		}
		return 0;
	}
	if (r != 0) {
		complain("%s", azkv_last_error(ctx));
		return EXIT_FAIL;
	}
	r = storedoc_parse(doc, s->value, s->value_len, err, sizeof(err));
	azkv_secret_free(s);
	if (r != 0) {
		complain("secret '%s' does not hold git credentials (%s); "
		    "not touching it", name, err);
		return EXIT_FAIL;
	}
	if (strcmp(doc->protocol, req->protocol) != 0 ||
	    strcmp(doc->host, req->host) != 0) {
		storedoc_release(doc);
		complain("secret '%s' holds credentials for another host; "
		    "not touching it", name);
		return EXIT_FAIL;
	}
	return 0;
}

/* Write doc as a new version of secret `name`. 0 or EXIT_FAIL. */
static int
doc_save(struct azkv *ctx, const char *name, const struct storedoc *doc)
{
	struct azkv_tag tags[3];
	struct azkv_secret_params params;
	char *text = NULL, err[ERRLEN];
	size_t len = 0, ntags = 0;
	int r;

	if (storedoc_render(doc, &text, &len, err, sizeof(err)) != 0) {
		complain("cannot store the credential: %s", err);
		return EXIT_FAIL;
	}
	/* Key Vault tag values hold at most 256 characters. */
	tags[ntags].key = (char *)(uintptr_t)"git-credential-azkv";
	tags[ntags++].value = (char *)(uintptr_t)"1";
	if (strlen(doc->protocol) <= 256) {
		tags[ntags].key = (char *)(uintptr_t)"protocol";
		tags[ntags++].value = doc->protocol;
	}
	if (strlen(doc->host) <= 256) {
		tags[ntags].key = (char *)(uintptr_t)"host";
		tags[ntags++].value = doc->host;
	}
	memset(&params, 0, sizeof(params));
	params.content_type = "application/json";
	params.tags = tags;
	params.ntags = ntags;
	azkv_debug(ctx, "git: writing %zu entries to secret '%s'", doc->n,
	    name);
	r = azkv_secret_set(ctx, name, text, len, &params, NULL);
	azkv_freezero(text, len);
	if (r != 0) {
		complain("%s", azkv_last_error(ctx));
		return EXIT_FAIL;
	}
	return 0;
}

static int
store_get(struct azkv *ctx, const char *name, const struct credential *req)
{
	struct storedoc doc;
	const struct credential *e;
	char err[ERRLEN];
	int ret;

	if ((ret = doc_load(ctx, name, req, &doc)) != 0)
		return ret;
	if ((e = storedoc_find(&doc, req, time(NULL))) != NULL) {
		if (credential_write(e, STDOUT_FILENO, err, sizeof(err)) != 0) {
			complain("secret '%s': %s", name, err);
			ret = EXIT_FAIL;
		}
	} else
		azkv_debug(ctx, "git: no matching entry in '%s'", name);
	storedoc_release(&doc);
	return ret;
}

/* Read-modify-write under the per-user lock for name (azkv_lock). */
static int
store_update(struct azkv *ctx, const char *name, const struct credential *req,
    int erase)
{
	struct storedoc doc;
	int fd, changed, ret;

	if (azkv_lock(ctx, name, &fd) != 0) {
		complain("%s", azkv_last_error(ctx));
		return EXIT_FAIL;
	}
	if ((ret = doc_load(ctx, name, req, &doc)) != 0)
		goto out;
	if (erase)
		changed = storedoc_erase(&doc, req) > 0;
	else if ((changed = storedoc_store(&doc, req)) < 0) {
		complain("out of memory");
		ret = EXIT_FAIL;
	}
	if (changed > 0)
		ret = doc_save(ctx, name, &doc);
	else
		azkv_debug(ctx, "git: secret '%s' unchanged, not written",
		    name);
	storedoc_release(&doc);
 out:
	azkv_unlock(fd);
	return ret;
}

static int
store_mode(struct azkv *ctx, const char *action, const char *prefix,
    const struct credential *req)
{
	char name[128];

	/* git always sends both; host is "" for a client certificate. */
	if (req->protocol == NULL || req->host == NULL)
		return 0;
	if (azkv_secret_name_derive(prefix, req->protocol, req->host, name,
	    sizeof(name)) != 0) {
		complain("invalid prefix '%s': use 1 to 20 letters, digits "
		    "or '-'", prefix);
		return EXIT_USAGE;
	}
	azkv_debug(ctx, "git: store mode, secret '%s'", name);
	if (strcmp(action, "get") == 0)
		return store_get(ctx, name, req);
	if (strcmp(action, "store") == 0) {
		if (req->username == NULL || req->password == NULL) {
			azkv_debug(ctx, "git: nothing to store");
			return 0;
		}
		if (req->ephemeral) {
			azkv_debug(ctx, "git: ephemeral credential, "
			    "not stored");
			return 0;
		}
		if (req->password_expiry_utc > 0 &&
		    req->password_expiry_utc <= (int64_t)time(NULL)) {
			azkv_debug(ctx, "git: expired credential, not stored");
			return 0;
		}
		return store_update(ctx, name, req, 0);
	}
	return store_update(ctx, name, req, 1);
}

/* A [git "URL"] setting for the request, most specific section first. */
static const char *
git_setting(const struct azkv *ctx, const struct credential *c,
    const char *key)
{
	return azkv_config_get_url(ctx, "git", c->protocol, c->host, c->path,
	    c->username, key);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct credential req;
	struct azkv *ctx = NULL;
	const char *action = NULL, *secret, *username, *prefix, *ro;
	char err[ERRLEN];
	int r, ret = EXIT_FAIL;

	azkv_harden_process();
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	credential_init(&req);
	if (parse_args(argc, argv, &o, &action) != 0)
		return EXIT_USAGE;
	/* Unknown actions are ignored silently so future ones keep working. */
	if (strcmp(action, "get") != 0 && strcmp(action, "store") != 0 &&
	    strcmp(action, "erase") != 0)
		return 0;
	if (credential_read(&req, STDIN_FILENO, err, sizeof(err)) != 0) {
		complain("%s", err);
		goto out;
	}
	if ((ctx = azkv_new()) == NULL) {
		complain("out of memory");
		goto out;
	}
	if ((r = azkv_configure(ctx, o.config)) != 0) {
		complain("%s", azkv_last_error(ctx));
		ret = EXIT_USAGE;
		goto out;
	}
	if (apply_flags(ctx, &o) != 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	secret = o.secret != NULL ? o.secret : git_setting(ctx, &req,
	    "secret");
	username = o.username != NULL ? o.username : git_setting(ctx, &req,
	    "username");
	if (secret != NULL && secret[0] != '\0') {
		/* A mapped secret is read-only: store and erase leave it. */
		ret = strcmp(action, "get") == 0 ?
		    mapped_get(ctx, secret, username, &req) : 0;
		goto out;
	}
	ro = git_setting(ctx, &req, "readonly");
	if (ro == NULL)
		ro = azkv_config_get(ctx, "git", NULL, "readonly");
	if (o.read_only || is_true(ro)) {
		azkv_debug(ctx, "git: read-only and no secret mapped");
		ret = 0;
		goto out;
	}
	prefix = o.prefix;
	if (prefix == NULL)
		prefix = git_setting(ctx, &req, "prefix");
	if (prefix == NULL)
		prefix = azkv_config_get(ctx, "git", NULL, "prefix");
	if (prefix == NULL)
		prefix = "git";
	ret = store_mode(ctx, action, prefix, &req);
 out:
	credential_release(&req);
	azkv_free(ctx);
	return ret;
}
