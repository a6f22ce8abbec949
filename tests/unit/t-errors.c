/*
 * t-errors.c: azkv_strerror() names every AZKV_ERR_* code distinctly and
 * azkv_exit_code() maps each to the exit code of DESIGN.md section 4.
 */
#include "config.h"

#include <string.h>

#include "azkv.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		int		 err, exit;
	} map[] = {
		{ AZKV_OK,		AZKV_EXIT_OK },
		{ AZKV_ERR_INTERNAL,	AZKV_EXIT_RUNTIME },
		{ AZKV_ERR_NOMEM,	AZKV_EXIT_RUNTIME },
		{ AZKV_ERR_USAGE,	AZKV_EXIT_USAGE },
		{ AZKV_ERR_CONFIG,	AZKV_EXIT_USAGE },
		{ AZKV_ERR_NOTFOUND,	AZKV_EXIT_NOTFOUND },
		{ AZKV_ERR_DENIED,	AZKV_EXIT_DENIED },
		{ AZKV_ERR_DISABLED,	AZKV_EXIT_DENIED },
		{ AZKV_ERR_NOIDENTITY,	AZKV_EXIT_NOIDENTITY },
		{ AZKV_ERR_NETWORK,	AZKV_EXIT_RUNTIME },
		{ AZKV_ERR_TIMEOUT,	AZKV_EXIT_RUNTIME },
		{ AZKV_ERR_PROTOCOL,	AZKV_EXIT_RUNTIME },
		{ AZKV_ERR_UNTRUSTED,	AZKV_EXIT_RUNTIME },
		{ AZKV_ERR_CONFLICT,	AZKV_EXIT_RUNTIME },
		{ AZKV_ERR_THROTTLED,	AZKV_EXIT_RUNTIME },
		{ AZKV_ERR_SERVER,	AZKV_EXIT_RUNTIME },
		{ AZKV_ERR_IO,		AZKV_EXIT_RUNTIME },
	};
	const size_t n = sizeof(map) / sizeof(map[0]);
	const char *unknown = azkv_strerror(-1000);
	size_t i, j;

	/* the DESIGN numbers themselves, which scripts rely on */
	is_int(AZKV_EXIT_RUNTIME, 1, "runtime error exits 1");
	is_int(AZKV_EXIT_USAGE, 2, "usage error exits 2");
	is_int(AZKV_EXIT_NOTFOUND, 3, "not found exits 3");
	is_int(AZKV_EXIT_DENIED, 4, "access denied exits 4");
	is_int(AZKV_EXIT_NOIDENTITY, 5, "no identity exits 5");
	is_int(AZKV_EXIT_HOSTKEY, 6, "host key not trusted exits 6");

	ok(unknown != NULL && strcmp(unknown, "unknown error") == 0,
	    "an unknown code is 'unknown error'");
	is_str(azkv_strerror(1), "unknown error", "a positive code too");
	is_int(azkv_exit_code(-1000), AZKV_EXIT_RUNTIME,
	    "an unknown code exits as a runtime error");
	for (i = 0; i < n; i++) {
		const char *s = azkv_strerror(map[i].err);

		ok(s != NULL && *s != '\0' && strcmp(s, unknown) != 0,
		    "code %d has its own text (%s)", map[i].err, s ? s : "NULL");
		for (j = 0; j < i; j++)
			if (strcmp(s, azkv_strerror(map[j].err)) == 0)
				break;
		ok(j == i, "code %d's text differs from every other code's",
		    map[i].err);
		is_int(azkv_exit_code(map[i].err), map[i].exit,
		    "code %d exits %d", map[i].err, map[i].exit);
	}
	return tap_done();
}
