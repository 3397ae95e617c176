#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "num.h"
#include "settings.h"
#include "xmalloc.h"

const char *const settings_keys[] = {
	"url", "connect_timeout", "timeout", "refresh", "color", NULL,
};

void
settings_init(struct settings *s)
{
	s->url = xstrdup(SETTINGS_URL);
	s->connect_ms = SETTINGS_CONNECT_MS;
	s->timeout_ms = SETTINGS_TIMEOUT_MS;
	s->refresh_ms = SETTINGS_REFRESH_MS;
	s->color = true;
}

void
settings_free(struct settings *s)
{
	free(s->url);
	s->url = NULL;
}

static bool
settings_duration(const char *key, const char *value, int64_t min,
    long *out, char **cause)
{
	int64_t	ms;

	if (!num_duration_ms(value, &ms) || ms < min || ms > 86400000) {
		*cause = xasprintf("%s must be a duration like 500ms, 5s or "
		    "2m%s, not '%s'", key, min == 0 ? " (0 turns it off)" : "",
		    value);
		return false;
	}
	*out = (long)ms;
	return true;
}

bool
settings_set(struct settings *s, const char *key, const char *value,
    char **cause)
{
	bool	b;

	*cause = NULL;
	if (strcmp(key, "url") == 0) {
		if (strncmp(value, "http://", 7) != 0 &&
		    strncmp(value, "https://", 8) != 0) {
			*cause = xasprintf("url must start with http:// or "
			    "https://, not '%s'", value);
			return false;
		}
		free(s->url);
		s->url = xstrdup(value);
		return true;
	}
	if (strcmp(key, "connect_timeout") == 0)
		return settings_duration(key, value, 1, &s->connect_ms, cause);
	if (strcmp(key, "timeout") == 0)
		return settings_duration(key, value, 1, &s->timeout_ms, cause);
	if (strcmp(key, "refresh") == 0)
		return settings_duration(key, value, 0, &s->refresh_ms, cause);
	if (strcmp(key, "color") == 0) {
		if (!num_bool(value, &b)) {
			*cause = xasprintf("color must be yes or no, not '%s'",
			    value);
			return false;
		}
		s->color = b;
		return true;
	}
	*cause = xasprintf("there is no setting '%s'", key);
	return false;
}

static bool
settings_line(void *arg, const char *key, const char *value, char **cause)
{
	return settings_set(arg, key, value, cause);
}

bool
settings_read(struct settings *s, const char *path, bool must_exist,
    char **cause)
{
	*cause = NULL;
	if (!must_exist && access(path, F_OK) == -1 && errno == ENOENT)
		return true;
	return conf_parse_file(path, settings_line, s, cause);
}

static char *
settings_dir(const char *env, const char *fallback)
{
	const char	*base = getenv(env), *home;

	/* XDG: a relative path in the variable is to be ignored. */
	if (base != NULL && base[0] == '/')
		return xasprintf("%s/souk", base);
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		return NULL;
	return xasprintf("%s/%s/souk", home, fallback);
}

char *
settings_config_dir(void)
{
	return settings_dir("XDG_CONFIG_HOME", ".config");
}

char *
settings_state_dir(void)
{
	return settings_dir("XDG_STATE_HOME", ".local/state");
}
