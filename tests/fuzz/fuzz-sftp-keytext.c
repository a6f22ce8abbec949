/*
 * fuzz-sftp-keytext.c: libFuzzer target for secret-to-private-key
 * normalisation (keytext_normalise); the output must be stable.
 * fuzz-sources: plugins/sftp/keytext.c
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azkv.h"
#include "../../plugins/sftp/keytext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;
	const char *why = NULL;

	if (keytext_normalise((const char *)data, size, &out, &len,
	    &why) != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (len == 0 || strlen(out) != len || out[len - 1] != '\n' ||
	    strncmp(out, "-----BEGIN ", 11) != 0)
		abort();
	/* normalising a normalised key changes nothing */
	if (keytext_normalise(out, len, &out2, &len2, &why) != 0 ||
	    len2 != len || memcmp(out, out2, len) != 0)
		abort();
	azkv_freezero(out2, len2 + 1);
	azkv_freezero(out, len + 1);
	return 0;
}
