/*
 * fuzz-git-credential.c: libFuzzer target for git's credential input
 * (credential_read) and the answer writer.
 * fuzz-sources: plugins/git/credential.c
 */
#define _GNU_SOURCE
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../plugins/git/credential.h"
#include "credential-copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
memfd_with(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = memfd_create("fuzz", MFD_CLOEXEC)) == -1)
		abort();
	while (off < size) {
		if ((n = write(fd, data + off, size - off)) <= 0)
			abort();
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct credential c, copy;
	char err[256];
	int in, out;

	in = memfd_with(data, size);
	credential_init(&c);
	if (credential_read(&c, in, err, sizeof(err)) == 0) {
		if (credential_copy(&copy, &c) == 0) {
			if (!credential_match(&c, &copy, 1))
				abort();
			credential_release(&copy);
		}
		if ((out = memfd_create("out", MFD_CLOEXEC)) == -1)
			abort();
		(void)credential_write(&c, out, err, sizeof(err));
		close(out);
	} else if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	credential_release(&c);
	close(in);
	return 0;
}
