/* fuzz-json.c: libFuzzer target for json_parse (the wiping yajl tree builder). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	json_t v;
	int64_t n;

	if ((v = json_parse((const char *)data, size, err, sizeof(err))) == NULL)
		return 0;
	(void)json_get_str(v, "access_token");
	(void)json_get_int(v, "expires_in", &n);
	(void)json_get_bool(v, "enabled");
	json_free(v);
	return 0;
}
