/* cli.h: shared between the azkv command's files. */
#ifndef AZKV_CLI_H
#define AZKV_CLI_H

#include <stddef.h>
#include <stdint.h>

struct azkv;
struct azkv_tag;

/* Key Vault's limit on a secret value, in bytes. */
#define CLI_SECRET_MAX	(25 * 1024)

/* Command-line options of every subcommand. */
struct cli_opts {
	const char	*config;
	const char	*vault;
	const char	*identity;
	const char	*cafile;
	const char	*timeout;
	const char	*api_version;
	int		 no_cache;
	int		 verbose;
	int		 no_newline;	/* get -n */
	int		 json;		/* get --json */
	const char	*version;	/* get --version VER */
	const char	*content_type;	/* set */
	struct azkv_tag	*tags;		/* set --tag, keys owned */
	size_t		 ntags;
	int64_t		 nbf, exp;	/* set --not-before/--expires, 0: none */
	const char	*resource;	/* token */
	const char	*secret;	/* doctor --secret */
	char		**args;		/* operands after the subcommand */
	int		 nargs;
	char		**argbuf;	/* allocation behind args */
};

/*
 * `azkv doctor`: print one ok/FAIL/warn line per check with a fix hint.
 * cfg_err is what azkv_configure() returned. Returns the exit status.
 */
int	cmd_doctor(struct azkv *ctx, const struct cli_opts *o, int cfg_err);

#endif /* AZKV_CLI_H */
