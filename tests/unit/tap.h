/* tap.h: minimal TAP producer for the C unit tests. */
#ifndef AZKV_TAP_H
#define AZKV_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, \
	    __VA_ARGS__)
#define is_str(got, want, ...) \
	tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static int __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", pass ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		printf("#   failed at %s:%d\n", file, line);
		tap_failed++;
	}
	return pass;
}

#define tap_is_int(got, want, file, line, ...) \
	(tap_ok((got) == (want), file, line, __VA_ARGS__) ? 1 : \
	    (printf("#   got %lld, want %lld\n", (got), (want)), 0))

static inline int
tap_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

#define tap_is_str(got, want, file, line, ...) \
	(tap_ok(tap_str_eq((got), (want)), file, line, __VA_ARGS__) ? 1 : \
	    (printf("#   got '%s', want '%s'\n", (got) ? (got) : "(null)", \
	    (want) ? (want) : "(null)"), 0))

/* Print the plan and return the exit status for main(). */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* AZKV_TAP_H */
