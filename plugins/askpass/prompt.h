/* prompt.h: classify an SSH_ASKPASS / GIT_ASKPASS prompt by an allow-list. */
#ifndef AZKV_ASKPASS_PROMPT_H
#define AZKV_ASKPASS_PROMPT_H

#include <stddef.h>

#define PROMPT_MAX	4096	/* longer prompts are refused unread */

enum prompt_kind {
	PROMPT_REFUSE = 0,	/* empty stdout, non-zero exit */
	PROMPT_NONE,		/* SSH_ASKPASS_PROMPT=none: exit 0 at once */
	PROMPT_SSH_PASSWORD,	/* "user@host's password: " */
	PROMPT_SSH_KBDINT,	/* "(user@host) Password: " */
	PROMPT_KEY_PASSPHRASE,	/* ssh "key '<path>'" or ssh-add "<path>" */
	PROMPT_GIT_USERNAME,	/* "Username for '<url>': " */
	PROMPT_GIT_PASSWORD	/* "Password for '<url>': " */
};

/*
 * The decision for one prompt. Strings are owned by the struct (release
 * with prompt_release). rule names the allow-list entry that matched, or
 * for a refusal why it was refused; both are static text.
 *   ssh password, kbdint: user, host
 *   key passphrase:       path (as shown in the prompt; may be relative)
 *   git:                  scheme ("http"/"https"), host (lower case, with
 *                         ":port" when present), user and path percent-
 *                         decoded and NULL when the URL has none
 */
struct prompt {
	enum prompt_kind	 kind;
	const char		*rule;
	char			*user;
	char			*host;
	char			*path;
	char			*scheme;
};

/*
 * Classify `text` (argv[1]) given the value of SSH_ASKPASS_PROMPT (NULL
 * when unset). Pure: reads nothing but its arguments. Fills *out and
 * returns 0; returns -1 only when out of memory (then *out is a refusal).
 */
int	prompt_classify(const char *text, const char *askpass_prompt,
	    struct prompt *out);

/* Free the strings of a decision and reset it to a refusal. */
void	prompt_release(struct prompt *p);

/* Static name of a kind, for logs: "ssh-password", "refuse", ... */
const char *prompt_kind_name(enum prompt_kind kind);

#endif /* AZKV_ASKPASS_PROMPT_H */
