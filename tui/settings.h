/*
 * settings: where souk finds soukd and how it behaves, from (lowest to
 * highest) built-in defaults, $XDG_CONFIG_HOME/souk/config ("key = value"),
 * the environment (SOUK_URL, NO_COLOR) and command-line flags; and the
 * per-user directories souk keeps files in.
 */
#ifndef SOUK_SETTINGS_H
#define SOUK_SETTINGS_H

#include <stdbool.h>

#define SETTINGS_URL		"http://127.0.0.1:8080"
#define SETTINGS_CONNECT_MS	3000
#define SETTINGS_TIMEOUT_MS	15000
#define SETTINGS_REFRESH_MS	5000

struct settings {
	char	*url;
	long	 connect_ms;
	long	 timeout_ms;
	long	 refresh_ms;	/* 0: no automatic refresh */
	bool	 color;
};

/* The keys the config file accepts, for souk(1)'s test. */
extern const char *const settings_keys[];

void	settings_init(struct settings *);
void	settings_free(struct settings *);
/*
 * Sets key (a config file key: url, connect_timeout, timeout, refresh,
 * color) from text.  False with *cause (caller frees) if either is wrong.
 */
bool	settings_set(struct settings *, const char *key, const char *value,
	    char **cause) __attribute__((warn_unused_result));
/*
 * Reads a config file.  A file that does not exist is fine unless
 * must_exist.  False with *cause (caller frees) on an error.
 */
bool	settings_read(struct settings *, const char *path, bool must_exist,
	    char **cause) __attribute__((warn_unused_result));
/*
 * $XDG_CONFIG_HOME/souk (else ~/.config/souk) and $XDG_STATE_HOME/souk
 * (else ~/.local/state/souk).  New strings, NULL without HOME.
 */
char	*settings_config_dir(void);
char	*settings_state_dir(void);

#endif
