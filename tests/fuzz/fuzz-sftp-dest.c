/*
 * fuzz-sftp-dest.c: libFuzzer target for azkv-sftp destinations (sftp://
 * URLs, scp-style user@host:path) and the remote path helpers.
 * fuzz-sources: plugins/sftp/dest.c
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/sftp/dest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dest d;
	char err[256], *s, *p;
	size_t n;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&d, 0, sizeof(d));
	if (dest_parse(s, &d, err, sizeof(err)) == 0) {
		if (d.host == NULL || d.host[0] == '\0' || d.path == NULL ||
		    d.port < 0 || d.port > 65535)
			abort();
		if ((p = path_dir(d.path)) != NULL)
			free(p);
		(void)path_base(d.path, &n);
		if ((p = path_join(d.path, "file")) != NULL)
			free(p);
		dest_release(&d);
	}
	(void)path_base(s, &n);
	if (n > size)
		abort();
	free(s);
	return 0;
}
