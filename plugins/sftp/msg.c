/* msg.c: azkv-sftp's messages on stderr, one whole line per write. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

static int quiet, verbose;

void
msg_init(int q, int v)
{
	quiet = q;
	verbose = v;
}

int
msg_quiet(void)
{
	return quiet;
}

int
msg_verbose(void)
{
	return verbose;
}

static void
vsay(const char *tag, const char *fmt, va_list ap)
{
	char line[1024];
	int n, m;

	n = snprintf(line, sizeof(line), "azkv-sftp: %s", tag);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		return;
	if ((size_t)m >= sizeof(line) - n - 1)
		m = (int)(sizeof(line) - n - 2);
	n += m;
	line[n++] = '\n';
	/* one write, so lines from stream threads do not interleave */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

void
msg_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void
msg_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void
msg_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vsay("debug: ", fmt, ap);
	va_end(ap);
}
