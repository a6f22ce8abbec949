/* t-retry-after.c: Retry-After in delta-seconds and HTTP-date forms. */
#include "config.h"

#include <string.h>

#include "azkv-int.h"
#include "tap.h"

#define NOW	((time_t)1700000000)	/* Tue, 14 Nov 2023 22:13:20 GMT */

int
main(void)
{
	static const struct {
		const char	*value;
		int		 rc;
		long		 ms;
	} cases[] = {
		{ "0", 0, 0 },
		{ "1", 0, 1000 },
		{ "120", 0, 120000 },
		{ "  7 ", 0, 7000 },
		{ "7\r\n", 0, 7000 },
		{ "86400", 0, 86400000 },
		{ "86401", -1, 0 },			/* huge */
		{ "99999999999999999999999", -1, 0 },	/* overflow */
		{ "-1", -1, 0 },			/* negative */
		{ "+5", -1, 0 },
		{ "1.5", -1, 0 },
		{ "5s", -1, 0 },
		{ "0x10", -1, 0 },
		{ "", -1, 0 },
		{ "   ", -1, 0 },
		{ "soon", -1, 0 },
		{ "Tue, 14 Nov 2023 22:13:50 GMT", 0, 30000 },	/* IMF */
		{ "Tuesday, 14-Nov-23 22:15:20 GMT", 0, 120000 },/* RFC 850 */
		{ "Tue Nov 14 22:13:50 2023", 0, 30000 },	/* asctime */
		{ "Tue, 14 Nov 2023 22:13:20 GMT", 0, 0 },	/* now */
		{ "Tue, 14 Nov 2023 22:00:00 GMT", 0, 0 },	/* past */
		{ "Mon, 01 Jan 1990 00:00:00 GMT", 0, 0 },	/* long past */
		{ "Wed, 15 Nov 2023 22:13:20 GMT", 0, 86400000 },
		{ "Wed, 15 Nov 2023 22:13:21 GMT", -1, 0 },	/* > 1 day */
		{ "Fri, 01 Jan 2100 00:00:00 GMT", -1, 0 },	/* far future */
		{ "Xyz, 99 Foo 2023 99:99:99 GMT", -1, 0 },
		{ "Tue, 14 Nov", -1, 0 },
		{ "Tue, 14 Nov 2023 22:13:50 GMT Tue, 14 Nov 2023 22:13:50 GMT",
		    -1, 0 },
	};
	size_t i;
	long ms;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ms = -42;
		rc = retry_after_parse(cases[i].value, NOW, &ms);
		is_int(rc, cases[i].rc, "case %zu rc", i);
		if (cases[i].rc == 0)
			is_int(ms, cases[i].ms, "case %zu ms", i);
		else
			is_int(ms, -42, "case %zu leaves *ms", i);
	}
	ms = -42;
	is_int(retry_after_parse(NULL, NOW, &ms), -1, "NULL rejected");
	return tap_done();
}
