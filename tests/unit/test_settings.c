#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"
#include "suites.h"

START_TEST(test_settings)
{
	struct settings	 s;
	char		*cause = NULL, path[] = "/tmp/souk-settings-XXXXXX";
	FILE		*f;
	int		 fd;

	settings_init(&s);
	ck_assert_str_eq(s.url, SETTINGS_URL);
	ck_assert(settings_set(&s, "url", "https://souk.example/api", &cause));
	ck_assert_str_eq(s.url, "https://souk.example/api");
	ck_assert(settings_set(&s, "refresh", "0", &cause));
	ck_assert_int_eq(s.refresh_ms, 0);
	ck_assert(settings_set(&s, "timeout", "2m", &cause));
	ck_assert_int_eq(s.timeout_ms, 120000);
	ck_assert(settings_set(&s, "color", "no", &cause));
	ck_assert(!s.color);
	ck_assert(!settings_set(&s, "url", "ftp://x", &cause));
	free(cause);
	ck_assert(!settings_set(&s, "timeout", "0", &cause));
	free(cause);
	ck_assert(!settings_set(&s, "connect_timeout", "soon", &cause));
	free(cause);
	ck_assert(!settings_set(&s, "colour", "yes", &cause));
	ck_assert_str_eq(cause, "there is no setting 'colour'");
	free(cause);

	/* A missing file is fine unless asked for; a bad line is not. */
	ck_assert(settings_read(&s, "/nonexistent/souk/config", false, &cause));
	ck_assert(!settings_read(&s, "/nonexistent/souk/config", true, &cause));
	free(cause);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("# souk\nurl = http://10.0.0.1:9000\nrefresh = 2s\nbogus = 1\n",
	    f);
	fclose(f);
	ck_assert(!settings_read(&s, path, true, &cause));
	ck_assert_ptr_nonnull(strstr(cause, ":4: "));
	free(cause);
	ck_assert_str_eq(s.url, "http://10.0.0.1:9000");
	ck_assert_int_eq(s.refresh_ms, 2000);
	unlink(path);
	settings_free(&s);

	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	setenv("XDG_STATE_HOME", "relative/ignored", 1);
	setenv("HOME", "/home/u", 1);
	cause = settings_config_dir();
	ck_assert_str_eq(cause, "/xdg/config/souk");
	free(cause);
	cause = settings_state_dir();
	ck_assert_str_eq(cause, "/home/u/.local/state/souk");
	free(cause);
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	ck_assert_ptr_null(settings_state_dir());
}
END_TEST

Suite *
settings_suite(void)
{
	Suite	*s = suite_create("settings");
	TCase	*tc = tcase_create("settings");

	tcase_add_test(tc, test_settings);
	suite_add_tcase(s, tc);
	return s;
}
