/* fuzz-retry-after.c: libFuzzer target for retry_after_parse (Retry-After). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256];
	long ms;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)retry_after_parse(text, 1700000000, &ms);
	return 0;
}
