/* fuzz-secret.c: libFuzzer target for secret_parse (Key Vault SecretBundle replies). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct azkv_secret *s = NULL;
	char *json = NULL;
	size_t len = 0;

	if (secret_parse((const char *)data, size, &s) == 0 &&
	    azkv_secret_json(s, &json, &len) == 0)
		azkv_freezero(json, len);
	azkv_secret_free(s);
	return 0;
}
