/*
 * fuzz-askpass-prompt.c: libFuzzer target for the askpass prompt classifier.
 * fuzz-sources: plugins/askpass/prompt.c
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/askpass/prompt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Anything answered must be single-line and carry the fields its kind needs. */
static void
check(const char *s, const struct prompt *p)
{
	switch (p->kind) {
	case PROMPT_SSH_PASSWORD:
	case PROMPT_SSH_KBDINT:
		if (p->user == NULL || p->host == NULL ||
		    strpbrk(p->user, " '()") != NULL ||
		    strpbrk(p->host, " '/@") != NULL)
			abort();
		break;
	case PROMPT_KEY_PASSPHRASE:
		if (p->path == NULL || p->path[0] == '\0')
			abort();
		break;
	case PROMPT_GIT_USERNAME:
	case PROMPT_GIT_PASSWORD:
		if (p->scheme == NULL || p->host == NULL ||
		    (strcmp(p->scheme, "http") != 0 &&
		    strcmp(p->scheme, "https") != 0) ||
		    strpbrk(p->host, "@/ ") != NULL)
			abort();
		break;
	case PROMPT_REFUSE:
	case PROMPT_NONE:
		return;
	}
	if (strpbrk(s, "\r\n") != NULL || strlen(s) > PROMPT_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const env[] = { NULL, "", "confirm", "none" };
	struct prompt p;
	char *s;

	if (size == 0 || (s = malloc(size)) == NULL)
		return 0;
	/* first byte picks SSH_ASKPASS_PROMPT, the rest is argv[1] */
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (prompt_classify(s, env[data[0] & 3], &p) == 0)
		check(s, &p);
	prompt_release(&p);
	free(s);
	return 0;
}
