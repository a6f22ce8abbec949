/* fuzz-token.c: libFuzzer target for token_parse (every identity source's reply). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azkv-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct azkv_token *tok = NULL;

	if (token_parse((const char *)data, size, 1700000000, &tok) == 0) {
		(void)azkv_token_value(tok);
		(void)azkv_token_claim(tok, "aud");
		(void)azkv_token_claim(tok, "exp");
	}
	azkv_token_free(tok);
	return 0;
}
