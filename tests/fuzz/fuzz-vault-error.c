/*
 * fuzz-vault-error.c: libFuzzer target for Key Vault error replies
 * (vault_error_parse, vault_error_class, vault_error_set).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* First byte: status (400 + byte), the rest: the body. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vault_target t;
	struct vault_error e;
	struct http_resp resp;
	struct azkv *ctx;
	const char *msg;

	if (size == 0 || (ctx = azkv_new()) == NULL)
		return 0;
	http_resp_init(&resp);
	resp.status = 400 + data[0];
	if (buf_append(&resp.body, data + 1, size - 1) != 0)
		goto out;
	vault_error_parse(&resp, &e);
	if (strlen(e.code) >= sizeof(e.code) ||
	    strlen(e.inner) >= sizeof(e.inner))
		abort();
	(void)vault_error_class(&e);
	memset(&t, 0, sizeof(t));
	t.display = "myvault";
	t.name = "ftpadmin";
	if (vault_error_set(ctx, VAULT_GET, &t, &e) >= 0)
		abort();
	msg = azkv_last_error(ctx);
	if (strpbrk(msg, "\r\n") != NULL)
		abort();
 out:
	http_resp_release(&resp);
	azkv_free(ctx);
	return 0;
}
