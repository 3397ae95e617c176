/*
 * fuzz_conf: libFuzzer target for configuration text (common/conf.c), read
 * twice: into soukd's real settings, as config_load_file does (so every
 * key's parser runs: listen addresses, sizes, durations, integers,
 * booleans, log levels; see daemon/config.c and common/num.c), and with a
 * callback that looks at what the parser hands over and refuses keys
 * starting with x, to exercise the refusal path.
 *
 * Besides crashes, leaks and undefined behaviour, it checks that a key is
 * never empty and holds only letters, digits, _ - and ., that a value is
 * valid UTF-8 without a newline, and that a refusal says "NAME:LINE: ...".
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "config.h"
#include "utf8.h"

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_conf: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

static bool
fuzz_config_cb(void *arg, const char *key, const char *value, char **cause)
{
	return config_set(arg, key, value, cause);
}

static bool
fuzz_look_cb(void *arg, const char *key, const char *value, char **cause)
{
	const char	*p;

	(void)arg;
	CHECK(*key != '\0');
	for (p = key; *p != '\0'; p++)
		CHECK(isalnum((unsigned char)*p) || *p == '_' || *p == '-' ||
		    *p == '.');
	CHECK(strchr(value, '\n') == NULL);
	CHECK(utf8_valid(value, strlen(value)));
	if (*key == 'x') {
		*cause = strdup("keys starting with x are refused here");
		return false;
	}
	return true;
}

static void
fuzz_check_cause(bool ok, char *cause)
{
	if (ok) {
		CHECK(cause == NULL);
		return;
	}
	CHECK(cause != NULL && strncmp(cause, "fuzz.conf:", 10) == 0);
	free(cause);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 c;
	char		*cause = NULL;
	bool		 ok;

	config_defaults(&c);
	ok = conf_parse("fuzz.conf", (const char *)data, size, fuzz_config_cb,
	    &c, &cause);
	fuzz_check_cause(ok, cause);
	if (ok)
		CHECK(config_http_threads(&c) >= 1);
	config_free(&c);

	cause = NULL;
	ok = conf_parse("fuzz.conf", (const char *)data, size, fuzz_look_cb,
	    NULL, &cause);
	fuzz_check_cause(ok, cause);
	return 0;
}
