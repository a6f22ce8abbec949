/* azkv.c: the azkv command: get, set, delete, token and doctor. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "azkv.h"
#include "cli.h"

enum {
	OPT_VAULT = 256, OPT_IDENTITY, OPT_CONFIG, OPT_CAFILE, OPT_TIMEOUT,
	OPT_NOCACHE, OPT_APIVER, OPT_JSON, OPT_VERSION, OPT_CTYPE, OPT_TAG,
	OPT_RESOURCE, OPT_SECRET, OPT_HELP, OPT_NBF, OPT_EXP,
};

/* Options only some subcommands take. */
#define ALLOW_N		0x01
#define ALLOW_JSON	0x02
#define ALLOW_VERSION	0x04
#define ALLOW_CTYPE	0x08
#define ALLOW_TAG	0x10
#define ALLOW_RESOURCE	0x20
#define ALLOW_SECRET	0x40
#define ALLOW_DATES	0x80

static const struct option longopts[] = {
	{ "vault",		required_argument,	NULL, OPT_VAULT },
	{ "identity",		required_argument,	NULL, OPT_IDENTITY },
	{ "config",		required_argument,	NULL, OPT_CONFIG },
	{ "cafile",		required_argument,	NULL, OPT_CAFILE },
	{ "timeout",		required_argument,	NULL, OPT_TIMEOUT },
	{ "no-cache",		no_argument,		NULL, OPT_NOCACHE },
	{ "api-version",	required_argument,	NULL, OPT_APIVER },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "version",		required_argument,	NULL, OPT_VERSION },
	{ "content-type",	required_argument,	NULL, OPT_CTYPE },
	{ "tag",		required_argument,	NULL, OPT_TAG },
	{ "not-before",		required_argument,	NULL, OPT_NBF },
	{ "expires",		required_argument,	NULL, OPT_EXP },
	{ "resource",		required_argument,	NULL, OPT_RESOURCE },
	{ "secret",		required_argument,	NULL, OPT_SECRET },
	{ "help",		no_argument,		NULL, OPT_HELP },
	{ NULL,			0,			NULL, 0 },
};

static const char usage_text[] =
"usage: azkv [options] get NAME|URL [--version VER] [-n | --json]\n"
"       printf %s \"$value\" | azkv [options] set NAME [--content-type TYPE]\n"
"                                      [--tag KEY=VALUE]...\n"
"                                      [--not-before TIME] [--expires TIME]\n"
"       azkv [options] delete NAME\n"
"       azkv [options] token [--resource URL]\n"
"       azkv [options] doctor [--secret NAME]\n"
"       azkv --version | --help\n"
"options: --vault VAULT  --identity ID  --config FILE  --cafile FILE\n"
"         --timeout SECONDS  --api-version VER  --no-cache  -v\n"
"See azkv(1) and azkv.conf(5).\n";

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("azkv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'azkv --help'.\n", stderr);
	return AZKV_EXIT_USAGE;
}

/* Print "azkv: <detail>" for a failed call and return its exit status. */
static int
fail(const struct azkv *ctx, int err)
{
	const char *msg = azkv_last_error(ctx);

	if (strcmp(msg, "no error") == 0)
		msg = azkv_strerror(err);
	fprintf(stderr, "azkv: %s\n", msg);
	return azkv_exit_code(err);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
write_out(const char *p, size_t n, int newline)
{
	if (write_all(STDOUT_FILENO, p, n) != 0 ||
	    (newline && write_all(STDOUT_FILENO, "\n", 1) != 0)) {
		fprintf(stderr, "azkv: cannot write to standard output: %s\n",
		    strerror(errno));
		return AZKV_EXIT_RUNTIME;
	}
	return AZKV_EXIT_OK;
}

static int
need_vault(const struct azkv *ctx, const char *name)
{
	if (azkv_get(ctx, "vault") != NULL || strstr(name, "://") != NULL)
		return 0;
	usage_error("no vault given: use --vault NAME, set AZKV_VAULT, set "
	    "'vault' in azkv.conf(5), or give the secret's full URL");
	return -1;
}

static int
cmd_get(struct azkv *ctx, const struct cli_opts *o)
{
	struct azkv_secret *s = NULL;
	char *json = NULL;
	size_t len = 0;
	int r, ret;

	if (o->nargs != 1)
		return usage_error("get takes one secret NAME or URL");
	if (o->json && o->no_newline)
		return usage_error("-n and --json cannot be used together");
	if (need_vault(ctx, o->args[0]) != 0)
		return AZKV_EXIT_USAGE;
	if ((r = azkv_secret_get(ctx, o->args[0], o->version, &s)) != 0)
		return fail(ctx, r);
	if (o->json) {
		if ((r = azkv_secret_json(s, &json, &len)) != 0)
			ret = fail(ctx, r);
		else
			ret = write_out(json, len, 1);
		azkv_freezero(json, len);
	} else
		ret = write_out(s->value, s->value_len, !o->no_newline);
	azkv_secret_free(s);
	return ret;
}

/* Read the whole of stdin, at most CLI_SECRET_MAX bytes, into *out. */
static int
read_value(char **out, size_t *outlen)
{
	char *v;
	size_t len = 0;
	ssize_t n;

	if (isatty(STDIN_FILENO))
		return usage_error("set reads the value from standard input; "
		    "pipe it in, e.g. printf %%s \"$value\" | azkv set NAME");
	if ((v = malloc(CLI_SECRET_MAX + 1)) == NULL) {
		fputs("azkv: out of memory\n", stderr);
		return AZKV_EXIT_RUNTIME;
	}
	while (len <= CLI_SECRET_MAX) {
		n = read(STDIN_FILENO, v + len, CLI_SECRET_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "azkv: cannot read standard input: "
			    "%s\n", strerror(errno));
			azkv_freezero(v, CLI_SECRET_MAX + 1);
			return AZKV_EXIT_RUNTIME;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CLI_SECRET_MAX) {
		azkv_freezero(v, CLI_SECRET_MAX + 1);
		return usage_error("the value on standard input is longer than "
		    "Key Vault's limit of %d bytes", CLI_SECRET_MAX);
	}
	v[len] = '\0';
	*out = v;
	*outlen = len;
	return AZKV_EXIT_OK;
}

static int
cmd_set(struct azkv *ctx, const struct cli_opts *o)
{
	struct azkv_secret_params params;
	char *value = NULL;
	size_t len = 0;
	int r, ret;

	if (o->nargs > 1)
		return usage_error("set takes the value on standard input, "
		    "never as an argument");
	if (o->nargs != 1)
		return usage_error("set takes one secret NAME");
	if (o->nbf != 0 && o->exp != 0 && o->exp <= o->nbf)
		return usage_error("--expires must be later than --not-before");
	if (need_vault(ctx, o->args[0]) != 0)
		return AZKV_EXIT_USAGE;
	if ((ret = read_value(&value, &len)) != AZKV_EXIT_OK)
		return ret;
	memset(&params, 0, sizeof(params));
	params.content_type = o->content_type;
	params.tags = o->tags;
	params.ntags = o->ntags;
	params.nbf = o->nbf;
	params.exp = o->exp;
	if ((r = azkv_secret_set(ctx, o->args[0], value, len, &params,
	    NULL)) != 0)
		ret = fail(ctx, r);
	azkv_freezero(value, CLI_SECRET_MAX + 1);
	return ret;
}

static int
cmd_delete(struct azkv *ctx, const struct cli_opts *o)
{
	int r;

	if (o->nargs != 1)
		return usage_error("delete takes one secret NAME");
	if (need_vault(ctx, o->args[0]) != 0)
		return AZKV_EXIT_USAGE;
	if ((r = azkv_secret_delete(ctx, o->args[0])) != 0)
		return fail(ctx, r);
	return AZKV_EXIT_OK;
}

static int
cmd_token(struct azkv *ctx, const struct cli_opts *o)
{
	struct azkv_token *tok = NULL;
	const char *v;
	int r, ret;

	if (o->nargs != 0)
		return usage_error("token takes no operand (use --resource)");
	if ((r = azkv_token_get(ctx, o->resource, &tok)) != 0)
		return fail(ctx, r);
	v = azkv_token_value(tok);
	ret = write_out(v, strlen(v), 1);
	azkv_token_free(tok);
	return ret;
}

static int
cmd_doctor_main(struct azkv *ctx, const struct cli_opts *o)
{
	if (o->nargs != 0)
		return usage_error("doctor takes no operand (use --secret)");
	return cmd_doctor(ctx, o, 0);
}

static const struct cmd {
	const char	*name;
	int		(*fn)(struct azkv *, const struct cli_opts *);
	int		 allow;
} cmds[] = {
	{ "get",	cmd_get,	ALLOW_N | ALLOW_JSON | ALLOW_VERSION },
	{ "set",	cmd_set,	ALLOW_CTYPE | ALLOW_TAG | ALLOW_DATES },
	{ "delete",	cmd_delete,	0 },
	{ "token",	cmd_token,	ALLOW_RESOURCE },
	{ "doctor",	cmd_doctor_main, ALLOW_SECRET },
};

static int
add_tag(struct cli_opts *o, const char *arg)
{
	struct azkv_tag *nt;
	const char *eq;
	char *key;

	if ((eq = strchr(arg, '=')) == NULL || eq == arg)
		return usage_error("--tag wants KEY=VALUE");
	if ((key = strndup(arg, (size_t)(eq - arg))) == NULL ||
	    (nt = reallocarray(o->tags, o->ntags + 1, sizeof(*nt))) == NULL) {
		free(key);
		fputs("azkv: out of memory\n", stderr);
		return AZKV_EXIT_RUNTIME;
	}
	o->tags = nt;
	nt[o->ntags].key = key;
	nt[o->ntags].value = (char *)(uintptr_t)(eq + 1);
	o->ntags++;
	return AZKV_EXIT_OK;
}

/*
 * A --not-before/--expires TIME: Unix seconds, or an RFC 3339 UTC time
 * YYYY-MM-DDTHH:MM:SSZ as `az keyvault secret set` takes it.
 */
static int
parse_time(const char *opt, const char *arg, int64_t *out)
{
	struct tm tm, back;
	const char *end;
	char *ep;
	long long n;
	time_t t;

	if (arg[0] >= '0' && arg[0] <= '9' && strchr(arg, '-') == NULL) {
		errno = 0;
		n = strtoll(arg, &ep, 10);
		if (errno == 0 && *ep == '\0' && n > 0 && n <= INT64_MAX / 2) {
			*out = n;
			return AZKV_EXIT_OK;
		}
	} else {
		memset(&tm, 0, sizeof(tm));
		end = strptime(arg, "%Y-%m-%dT%H:%M:%S", &tm);
		/* timegm() would carry 2030-02-30 into March: refuse it */
		back = tm;
		if (end != NULL && strcmp(end, "Z") == 0 &&
		    (t = timegm(&tm)) > 0 && tm.tm_mday == back.tm_mday &&
		    tm.tm_mon == back.tm_mon) {
			*out = (int64_t)t;
			return AZKV_EXIT_OK;
		}
	}
	return usage_error("%s wants Unix seconds or YYYY-MM-DDTHH:MM:SSZ, "
	    "not '%.64s'", opt, arg);
}

/* Name a bad option without any "=value" part it carried. */
static int
bad_option(int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	int n;

	if (optopt > 0 && optopt < 256)
		return usage_error(c == ':' ? "option '-%c' needs a value" :
		    "unknown option '-%c'", optopt);
	if (arg == NULL || strncmp(arg, "--", 2) != 0)
		return usage_error("invalid option");
	n = (int)strcspn(arg, "=");
	if (n > 64)
		n = 64;
	if (c == ':')
		return usage_error("option '%.*s' needs a value", n, arg);
	return usage_error("unknown option '%.*s'", n, arg);
}

static int
parse_args(int argc, char **argv, struct cli_opts *o, const struct cmd **cmd)
{
	char **args;
	unsigned int used = 0;
	int c, i, ret;
	size_t k;

	if ((args = calloc((size_t)argc + 1, sizeof(*args))) == NULL) {
		fputs("azkv: out of memory\n", stderr);
		return AZKV_EXIT_RUNTIME;
	}
	o->argbuf = args;
	opterr = 0;
	for (;;) {
		if ((c = getopt_long(argc, argv, "-:nvh", longopts,
		    NULL)) == -1)
			break;
		switch (c) {
		case 1:
			args[o->nargs++] = optarg;
			break;
		case OPT_VAULT:		o->vault = optarg; break;
		case OPT_IDENTITY:	o->identity = optarg; break;
		case OPT_CONFIG:	o->config = optarg; break;
		case OPT_CAFILE:	o->cafile = optarg; break;
		case OPT_TIMEOUT:	o->timeout = optarg; break;
		case OPT_APIVER:	o->api_version = optarg; break;
		case OPT_NOCACHE:	o->no_cache = 1; break;
		case 'v':		o->verbose = 1; break;
		case 'n':	o->no_newline = 1; used |= ALLOW_N; break;
		case OPT_JSON:	o->json = 1; used |= ALLOW_JSON; break;
		case OPT_VERSION:
			o->version = optarg;
			used |= ALLOW_VERSION;
			break;
		case OPT_CTYPE:
			o->content_type = optarg;
			used |= ALLOW_CTYPE;
			break;
		case OPT_TAG:
			if ((ret = add_tag(o, optarg)) != AZKV_EXIT_OK)
				return ret;
			used |= ALLOW_TAG;
			break;
		case OPT_NBF:
		case OPT_EXP:
			if ((ret = parse_time(c == OPT_NBF ? "--not-before" :
			    "--expires", optarg, c == OPT_NBF ? &o->nbf :
			    &o->exp)) != AZKV_EXIT_OK)
				return ret;
			used |= ALLOW_DATES;
			break;
		case OPT_RESOURCE:
			o->resource = optarg;
			used |= ALLOW_RESOURCE;
			break;
		case OPT_SECRET:
			o->secret = optarg;
			used |= ALLOW_SECRET;
			break;
		case 'h':
		case OPT_HELP:
			fputs(usage_text, stdout);
			return -1;
		default:
			return bad_option(c, argv);
		}
	}
	for (i = optind; i < argc; i++)
		args[o->nargs++] = argv[i];
	if (o->nargs == 0)
		return usage_error("no command given (get, set, delete, token "
		    "or doctor)");
	if (strcmp(args[0], "help") == 0) {
		fputs(usage_text, stdout);
		return -1;
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (strcmp(args[0], cmds[k].name) == 0)
			break;
	if (k == sizeof(cmds) / sizeof(cmds[0]))
		return usage_error("unknown command '%.64s' (get, set, delete, "
		    "token or doctor)", args[0]);
	if ((used & ~cmds[k].allow) != 0)
		return usage_error("an option given is not valid for '%s'",
		    cmds[k].name);
	o->args = args + 1;
	o->nargs--;
	*cmd = &cmds[k];
	return AZKV_EXIT_OK;
}

static int
flag_set(struct azkv *ctx, const char *flag, const char *key,
    const char *value)
{
	if (value == NULL || azkv_set(ctx, key, value) == 0)
		return AZKV_EXIT_OK;
	return usage_error("%s: %s", flag, azkv_last_error(ctx));
}

/* Command-line flags override the files and the environment. */
static int
apply_flags(struct azkv *ctx, const struct cli_opts *o)
{
	int ret;

	if ((ret = flag_set(ctx, "--vault", "vault", o->vault)) != 0 ||
	    (ret = flag_set(ctx, "--identity", "identity",
	    o->identity)) != 0 ||
	    (ret = flag_set(ctx, "--cafile", "cafile", o->cafile)) != 0 ||
	    (ret = flag_set(ctx, "--timeout", "timeout", o->timeout)) != 0 ||
	    (ret = flag_set(ctx, "--api-version", "api-version",
	    o->api_version)) != 0 ||
	    (ret = flag_set(ctx, "--no-cache", "token-cache",
	    o->no_cache ? "off" : NULL)) != 0 ||
	    (ret = flag_set(ctx, "-v", "debug",
	    o->verbose ? "on" : NULL)) != 0)
		return ret;
	return AZKV_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct cli_opts o;
	const struct cmd *cmd = NULL;
	struct azkv *ctx = NULL;
	size_t i;
	int r, ret;

	azkv_harden_process();
	memset(&o, 0, sizeof(o));
	if (argc == 2 && (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "-V") == 0)) {
		printf("azkv %s\n", PACKAGE_VERSION);
		return AZKV_EXIT_OK;
	}
	if ((ret = parse_args(argc, argv, &o, &cmd)) != AZKV_EXIT_OK) {
		if (ret == -1)
			ret = AZKV_EXIT_OK;
		goto out;
	}
	if ((ctx = azkv_new()) == NULL) {
		fputs("azkv: out of memory\n", stderr);
		ret = AZKV_EXIT_RUNTIME;
		goto out;
	}
	if ((r = azkv_configure(ctx, o.config)) != 0) {
		if (cmd->fn == cmd_doctor_main)
			ret = cmd_doctor(ctx, &o, r);
		else
			ret = fail(ctx, r);
		goto out;
	}
	if ((ret = apply_flags(ctx, &o)) != AZKV_EXIT_OK)
		goto out;
	ret = cmd->fn(ctx, &o);
 out:
	azkv_free(ctx);
	for (i = 0; i < o.ntags; i++)
		free(o.tags[i].key);
	free(o.tags);
	free(o.argbuf);
	return ret;
}
