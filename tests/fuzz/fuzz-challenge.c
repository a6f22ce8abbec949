/* fuzz-challenge.c: libFuzzer target for challenge_parse (WWW-Authenticate). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *resource = NULL, *tenant = NULL;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (challenge_parse(text, &resource, &tenant) == 0) {
		free(resource);
		free(tenant);
	}
	free(text);
	return 0;
}
