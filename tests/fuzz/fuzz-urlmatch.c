/*
 * fuzz-urlmatch.c: libFuzzer target for [git "URL"] section matching
 * (azkv_config_get_url) against requests from git and askpass prompts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: config text, a NUL, then "protocol\nhost\npath\nusername" (the
 * request; missing fields are NULL).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[4] = { NULL, NULL, NULL, NULL };
	const uint8_t *nul;
	char *req = NULL, *p, *nl;
	struct azkv *ctx;
	size_t clen, i;

	if ((nul = memchr(data, '\0', size)) == NULL)
		return 0;
	clen = (size_t)(nul - data);
	if ((ctx = azkv_new()) == NULL)
		return 0;
	if (config_parse(ctx, "fuzz", (const char *)data, clen, 0) != 0)
		goto out;
	if ((req = malloc(size - clen)) == NULL)
		goto out;
	memcpy(req, nul + 1, size - clen - 1);
	req[size - clen - 1] = '\0';
	for (i = 0, p = req; i < 4 && p != NULL; i++) {
		f[i] = p;
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		p = nl;
	}
	if (f[0] == NULL || f[1] == NULL)
		goto out;
	(void)azkv_config_get_url(ctx, "git", f[0], f[1], f[2], f[3], "secret");
	(void)azkv_config_get_url(ctx, "ssh", f[0], f[1], f[2], f[3], "username");
 out:
	free(req);
	azkv_free(ctx);
	return 0;
}
