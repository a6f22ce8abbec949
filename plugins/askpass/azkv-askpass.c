/* azkv-askpass.c: an SSH_ASKPASS / GIT_ASKPASS answering from Key Vault. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "azkv.h"
#include "prompt.h"

#define ANSWER_MAX	1023	/* ssh keeps at most this many bytes */
#define SUBSEC_MAX	(PROMPT_MAX + 64)
#define NAME_MAX_LEN	128

#define PFX_SSH		"ssh"		/* (user, host) */
#define PFX_KEY		"sshkey"	/* ("key", absolute key path) */
#define PFX_GIT		"askpass-git"	/* (scheme, host[:port]) */

static void __attribute__((format(printf, 1, 2)))
msg(const char *fmt, ...)
{
	va_list ap;

	fputs("azkv-askpass: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: azkv-askpass PROMPT\n"
	    "Set SSH_ASKPASS or GIT_ASKPASS to this program; it answers "
	    "allowed prompts\nfrom Azure Key Vault. See azkv-askpass(1).\n");
}

/* A relative ssh-add path names a file in our (inherited) directory. */
static int
absolute_key_path(struct prompt *p)
{
	char *abs;

	if (p->path[0] == '/')
		return 0;
	if ((abs = realpath(p->path, NULL)) == NULL) {
		msg("cannot resolve key path '%s': %s", p->path,
		    strerror(errno));
		return -1;
	}
	free(p->path);
	p->path = abs;
	return 0;
}

/* Look `subsec` up in [section "subsec"]; 1 and *name when found. */
static int
config_secret(struct azkv *ctx, const char *section, const char *subsec,
    const char **name)
{
	const char *v;

	if ((v = azkv_config_get(ctx, section, subsec, "secret")) == NULL ||
	    *v == '\0')
		return 0;
	azkv_debug(ctx, "askpass: [%s \"%s\"] secret = %s", section, subsec,
	    v);
	*name = v;
	return 1;
}

/*
 * Value of `key` in the most specific [git "URL"] section for p, matched
 * exactly as git-credential-azkv matches it.
 */
static const char *
git_config(struct azkv *ctx, const struct prompt *p, const char *key)
{
	const char *v;

	v = azkv_config_get_url(ctx, "git", p->scheme, p->host, p->path,
	    p->user, key);
	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * Choose the secret for prompt p: AZKV_SECRET, then a config section,
 * then the derived default name (written into buf). Returns 0 or -1.
 */
static int
choose_secret(struct azkv *ctx, const struct prompt *p, char *buf,
    size_t buflen, const char **name)
{
	const char *v;
	int r;

	if ((v = getenv("AZKV_SECRET")) != NULL && *v != '\0') {
		azkv_debug(ctx, "askpass: secret from AZKV_SECRET: %s", v);
		*name = v;
		return 0;
	}
	switch (p->kind) {
	case PROMPT_SSH_PASSWORD:
	case PROMPT_SSH_KBDINT: {
		char sub[SUBSEC_MAX];
		int n;

		n = snprintf(sub, sizeof(sub), "%s@%s", p->user, p->host);
		if (n >= 0 && (size_t)n < sizeof(sub) &&
		    config_secret(ctx, "ssh", sub, name))
			return 0;
		if (config_secret(ctx, "ssh", p->host, name))
			return 0;
		r = azkv_secret_name_derive(PFX_SSH, p->user, p->host, buf,
		    buflen);
		break;
	}
	case PROMPT_KEY_PASSPHRASE:
		if (config_secret(ctx, "key", p->path, name))
			return 0;
		r = azkv_secret_name_derive(PFX_KEY, "key", p->path, buf,
		    buflen);
		break;
	case PROMPT_GIT_USERNAME:
	case PROMPT_GIT_PASSWORD:
		if ((v = git_config(ctx, p, "secret")) != NULL) {
			azkv_debug(ctx, "askpass: [git \"URL\"] secret = %s",
			    v);
			*name = v;
			return 0;
		}
		r = azkv_secret_name_derive(PFX_GIT, p->scheme, p->host, buf,
		    buflen);
		break;
	default:
		return -1;
	}
	if (r != 0) {
		msg("cannot derive a secret name: %s", azkv_strerror(r));
		return -1;
	}
	azkv_debug(ctx, "askpass: default secret name: %s", buf);
	*name = buf;
	return 0;
}

/* Reject what ssh or git would truncate or misread. */
static int
answer_ok(const char *secret, const char *what, const char *a)
{
	size_t n = strlen(a);

	if (n == 0) {
		msg("secret '%s': the %s is empty; not answering", secret,
		    what);
		return 0;
	}
	if (n > ANSWER_MAX) {
		msg("secret '%s': the %s is %zu bytes, over the %d bytes ssh "
		    "and git read; not answering", secret, what, n,
		    ANSWER_MAX);
		return 0;
	}
	if (strpbrk(a, "\r\n") != NULL) {
		msg("secret '%s': the %s holds a line break; not answering",
		    secret, what);
		return 0;
	}
	return 1;
}

/* write(2) all of buf to stdout; no stdio copy of the answer. */
static int
write_all(const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(STDOUT_FILENO, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Fetch the secret, pick the part the prompt asks for and print it with
 * one newline. Returns an AZKV_EXIT_* code.
 */
static int
answer(struct azkv *ctx, const struct prompt *p, const char *name)
{
	struct azkv_secret *sec = NULL;
	char *user = NULL, *pass = NULL, *out = NULL;
	const char *a, *what, *acct, *cfguser = NULL;
	size_t n = 0;
	int r, ret = AZKV_EXIT_RUNTIME;

	if (p->kind == PROMPT_GIT_USERNAME || p->kind == PROMPT_GIT_PASSWORD)
		cfguser = git_config(ctx, p, "username");
	if ((r = azkv_secret_get(ctx, name, NULL, &sec)) != 0) {
		msg("%s", azkv_last_error(ctx));
		ret = azkv_exit_code(r);
		goto out;
	}
	if (sec->value == NULL ||
	    memchr(sec->value, '\0', sec->value_len) != NULL) {
		msg("secret '%s' holds a NUL byte; not answering", name);
		goto out;
	}
	if ((r = azkv_userpass_parse(sec->value, sec->value_len, &user,
	    &pass)) != 0) {
		msg("secret '%s': %s", name, azkv_strerror(r));
		goto out;
	}
	/* the account the secret is for: [git "URL"] username, else JSON */
	acct = cfguser != NULL ? cfguser : user;
	if (p->kind == PROMPT_GIT_USERNAME) {
		what = "username";
		a = acct;
		if (a == NULL) {
			msg("secret '%s' has no username; store JSON "
			    "{\"username\": ..., \"password\": ...} or set "
			    "username in [git \"URL\"]", name);
			goto out;
		}
	} else {
		what = p->kind == PROMPT_KEY_PASSPHRASE ? "passphrase" :
		    "password";
		a = pass;
		if (a == NULL) {
			msg("secret '%s' has no password", name);
			goto out;
		}
		if (p->kind != PROMPT_KEY_PASSPHRASE && acct != NULL &&
		    p->user != NULL && strcmp(acct, p->user) != 0) {
			msg("secret '%s' is for user '%s', not '%s'; not "
			    "answering", name, acct, p->user);
			goto out;
		}
	}
	if (!answer_ok(name, what, a))
		goto out;
	n = strlen(a) + 1;
	if ((out = malloc(n)) == NULL) {
		msg("out of memory");
		goto out;
	}
	memcpy(out, a, n - 1);
	out[n - 1] = '\n';
	if (write_all(out, n) != 0) {
		msg("cannot write the answer: %s", strerror(errno));
		goto out;
	}
	azkv_debug(ctx, "askpass: answered the %s prompt from secret '%s'",
	    what, name);
	ret = AZKV_EXIT_OK;
 out:
	azkv_freezero(out, n);
	if (user != NULL)
		azkv_freezero(user, strlen(user));
	if (pass != NULL)
		azkv_freezero(pass, strlen(pass));
	azkv_secret_free(sec);
	return ret;
}

int
main(int argc, char **argv)
{
	struct azkv *ctx = NULL;
	struct prompt p;
	char derived[NAME_MAX_LEN];
	const char *name = NULL;
	int r, ret = AZKV_EXIT_RUNTIME;

	memset(&p, 0, sizeof(p));
	if (argc != 2) {
		usage(stderr);
		return AZKV_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return AZKV_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("azkv-askpass %s\n", PACKAGE_VERSION);
		return AZKV_EXIT_OK;
	}
	if (prompt_classify(argv[1], getenv("SSH_ASKPASS_PROMPT"), &p) != 0) {
		msg("out of memory");
		goto out;
	}
	if (p.kind == PROMPT_NONE) {
		ret = AZKV_EXIT_OK;
		goto out;
	}
	if (azkv_harden_process() != 0) {
		msg("cannot disable core dumps");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((ctx = azkv_new()) == NULL) {
		msg("out of memory");
		goto out;
	}
	r = azkv_configure(ctx, NULL);
	if (p.kind == PROMPT_REFUSE) {
		azkv_debug(ctx, "askpass: refused: %s", p.rule);
		msg("not answering this prompt (%s)", p.rule);
		goto out;
	}
	if (r != 0) {
		msg("%s", azkv_last_error(ctx));
		ret = azkv_exit_code(r);
		goto out;
	}
	if (p.kind == PROMPT_KEY_PASSPHRASE && absolute_key_path(&p) != 0)
		goto out;
	azkv_debug(ctx, "askpass: prompt matched rule %s (%s%s%s%s%s)", p.rule,
	    p.scheme ? p.scheme : "", p.scheme ? "://" : "",
	    p.user ? p.user : "", p.user ? "@" : "",
	    p.host ? p.host : p.path ? p.path : "");
	if (choose_secret(ctx, &p, derived, sizeof(derived), &name) != 0)
		goto out;
	ret = answer(ctx, &p, name);
 out:
	azkv_free(ctx);
	prompt_release(&p);
	return ret;
}
