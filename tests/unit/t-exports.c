/* t-exports.c: the built libazkv.so exports the public API and nothing else. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

int
main(void)
{
	static const char *const public[] = {
		"azkv_new", "azkv_free", "azkv_set", "azkv_secret_get",
		"azkv_secret_free", "azkv_secret_json", "azkv_strerror",
		"azkv_freezero", "azkv_secret_name_derive",
	};
	static const char *const internal[] = {
		"buf_init", "buf_append", "http_do", "http_global_init",
		"seterr", "json_parse", "json_free", "json_wipe_malloc",
		"log_debug", "secret_parse", "retry_after_parse",
	};
	const char *top = getenv("top_builddir");
	char path[4096];
	void *h;
	size_t i;
	int n;

	n = snprintf(path, sizeof(path), "%s/.libs/libazkv.so",
	    top ? top : ".");
	if (n < 0 || (size_t)n >= sizeof(path)) {
		printf("1..0 # SKIP build path too long\n");
		return 0;
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!ok(h != NULL, "dlopen %s", path)) {
		printf("#   %s\n", dlerror());
		return tap_done();
	}
	for (i = 0; i < sizeof(public) / sizeof(public[0]); i++)
		ok(dlsym(h, public[i]) != NULL, "%s is exported", public[i]);
	for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		ok(dlsym(h, internal[i]) == NULL, "%s is not exported",
		    internal[i]);
	dlclose(h);
	return tap_done();
}
