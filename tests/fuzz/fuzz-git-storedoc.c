/*
 * fuzz-git-storedoc.c: libFuzzer target for the git store-mode JSON document
 * (storedoc_parse), with a render/re-parse round trip and store/find/erase.
 * fuzz-sources: plugins/git/storedoc.c plugins/git/credential.c
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azkv.h"
#include "../../plugins/git/storedoc.h"
#include "credential-copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct storedoc d, again;
	struct credential want;
	char err[256], *out = NULL;
	size_t len = 0, n;

	if (storedoc_parse(&d, (const char *)data, size, err,
	    sizeof(err)) != 0)
		return 0;
	n = d.n;
	if (storedoc_render(&d, &out, &len, err, sizeof(err)) == 0) {
		if (strlen(out) != len)
			abort();
		/* what we wrote must read back with the same entries */
		if (storedoc_parse(&again, out, len, err, sizeof(err)) != 0 ||
		    again.n != n)
			abort();
		storedoc_release(&again);
		azkv_freezero(out, len);
	}
	if (n > 0) {
		credential_init(&want);
		if (credential_copy(&want, &d.entries[0]) == 0) {
			(void)storedoc_find(&d, &want, 1700000000);
			if (storedoc_store(&d, &want) < 0)
				abort();
			if (storedoc_erase(&d, &want) < 1)
				abort();
		}
		credential_release(&want);
	}
	storedoc_release(&d);
	return 0;
}
