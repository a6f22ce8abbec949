/* fuzz-config.c: libFuzzer target for config_parse (azkv.conf files). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct azkv *ctx;

	if ((ctx = azkv_new()) == NULL)
		return 0;
	(void)config_parse(ctx, "fuzz", (const char *)data, size, 0);
	(void)azkv_config_get(ctx, "git", "https://github.com", "secret");
	azkv_free(ctx);
	return 0;
}
