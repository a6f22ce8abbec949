/*
 * residue.c: LD_PRELOAD test shim (never installed) that inspects every block
 * at free() and every block handed to realloc() for known test secrets.
 *
 * AZKV_RESIDUE_FILE names a file of needles, one per line (read once, with
 * no allocation); AZKV_RESIDUE_REPORT names a file that gets one line per
 * hit. A test fails when the report is not empty.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NEEDLE_MAX	16
#define NEEDLE_BYTES	8192

static char needle_store[NEEDLE_BYTES];
static const char *needles[NEEDLE_MAX];
static size_t needle_len[NEEDLE_MAX];
static size_t nneedles;
static int report_fd = -1;
static int loaded;

/* glibc's own entry points; no dlsym(), which may allocate. */
void	 __libc_free(void *);
void	*__libc_realloc(void *, size_t);

static void
load_needles(void)
{
	const char *path, *rep;
	ssize_t n;
	size_t off = 0, i, start;
	int fd;

	loaded = 1;
	if ((path = getenv("AZKV_RESIDUE_FILE")) == NULL)
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	while (off < sizeof(needle_store) - 1 &&
	    (n = read(fd, needle_store + off,
	    sizeof(needle_store) - 1 - off)) > 0)
		off += (size_t)n;
	close(fd);
	for (i = 0, start = 0; i <= off && nneedles < NEEDLE_MAX; i++) {
		if (i == off || needle_store[i] == '\n') {
			if (i - start >= 8) {	/* short needles give noise */
				needles[nneedles] = needle_store + start;
				needle_len[nneedles++] = i - start;
			}
			start = i + 1;
		}
	}
	if ((rep = getenv("AZKV_RESIDUE_REPORT")) != NULL)
		report_fd = open(rep, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600);
}

static void
report(const char *what, size_t idx, size_t size)
{
	char line[160];
	int n;

	n = snprintf(line, sizeof(line),
	    "residue: pid %ld: %s of a %zu-byte block holding needle %zu\n",
	    (long)getpid(), what, size, idx);
	if (n > 0 && report_fd != -1)
		(void)!write(report_fd, line, (size_t)n);
}

static void
inspect(const char *what, void *p)
{
	size_t size, i;

	if (p == NULL || nneedles == 0)
		return;
	size = malloc_usable_size(p);
	for (i = 0; i < nneedles; i++)
		if (size >= needle_len[i] &&
		    memmem(p, size, needles[i], needle_len[i]) != NULL)
			report(what, i, size);
}

void
free(void *p)
{
	if (!loaded)
		load_needles();
	inspect("free", p);
	__libc_free(p);
}

void *
realloc(void *p, size_t n)
{
	if (!loaded)
		load_needles();
	inspect("realloc", p);
	return __libc_realloc(p, n);
}
