#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "num.h"

/* Parses leading digits (with optional '-'); *end gets the rest. */
static bool
num_prefix(const char *s, int64_t *out, const char **end)
{
	char		*e;
	long long	 v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s) ||
	    *s == '+')
		return false;
	errno = 0;
	v = strtoll(s, &e, 10);
	if (e == s || errno != 0)
		return false;
	*out = v;
	*end = e;
	return true;
}

bool
num_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char	*end;
	int64_t		 v;

	if (!num_prefix(s, &v, &end) || *end != '\0')
		return false;
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool
num_scaled(int64_t v, int64_t scale, int64_t *out)
{
	if (v < 0 || (scale != 0 && v > INT64_MAX / scale))
		return false;
	*out = v * scale;
	return true;
}

bool
num_size(const char *s, size_t *out)
{
	static const struct { const char *suffix; int64_t scale; } units[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", 1024 }, { "KiB", 1024 }, { "KB", 1024 },
		{ "M", 1024 * 1024 }, { "MiB", 1024 * 1024 },
		{ "MB", 1024 * 1024 },
		{ "G", 1024 * 1024 * 1024 }, { "GiB", 1024 * 1024 * 1024 },
		{ "GB", 1024 * 1024 * 1024 },
	};
	const char	*end;
	int64_t		 v, r;
	size_t		 i;

	if (!num_prefix(s, &v, &end))
		return false;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		if (!num_scaled(v, units[i].scale, &r) || (uint64_t)r > SIZE_MAX)
			return false;
		*out = (size_t)r;
		return true;
	}
	return false;
}

bool
num_duration_ms(const char *s, int64_t *out)
{
	static const struct { const char *suffix; int64_t ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	const char	*end;
	int64_t		 v;
	size_t		 i;

	if (!num_prefix(s, &v, &end))
		return false;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].suffix) == 0)
			return num_scaled(v, units[i].ms, out);
	}
	return false;
}

bool
num_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t	i;

	if (s == NULL)
		return false;
	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}
