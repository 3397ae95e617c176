#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "suites.h"

START_TEST(test_config_defaults)
{
	struct config	c;

	config_defaults(&c);
	ck_assert_str_eq(c.listen, "127.0.0.1:8080");
	ck_assert_uint_eq(c.max_body, 1024 * 1024);
	ck_assert_int_eq(c.shutdown_timeout_ms, 10000);
	ck_assert(c.access_log);
	ck_assert_int_ge(config_http_threads(&c), 1);
	ck_assert_int_ge(config_http_workers(&c), 1);
	config_free(&c);
}
END_TEST

START_TEST(test_config_set_and_refuse)
{
	struct config	 c;
	char		*cause = NULL;

	config_defaults(&c);
	ck_assert(config_set(&c, "max_body", "64K", &cause));
	ck_assert_uint_eq(c.max_body, 65536);
	ck_assert(config_set(&c, "listen", "[::1]:9000", &cause));
	ck_assert(config_set(&c, "http_threads", "3", &cause));
	ck_assert_int_eq(config_http_threads(&c), 3);
	ck_assert(config_set(&c, "http_workers", "5", &cause));
	ck_assert_int_eq(config_http_workers(&c), 5);
	ck_assert(!config_set(&c, "lisen", "x", &cause));
	ck_assert_str_eq(cause, "unknown key 'lisen'");
	free(cause);
	ck_assert(!config_set(&c, "http_threads", "-1", &cause));
	ck_assert_ptr_nonnull(strstr(cause, "http_threads"));
	free(cause);
	ck_assert(!config_set(&c, "listen", "8080", &cause));
	free(cause);
	ck_assert(!config_set(&c, "listen", "::1:8080", &cause));
	free(cause);
	ck_assert(!config_set(&c, "shutdown_timeout", "forever", &cause));
	free(cause);
	ck_assert(!config_set(&c, "access_log", "perhaps", &cause));
	free(cause);
	ck_assert(!config_set(&c, "log_level", "loud", &cause));
	free(cause);
	ck_assert(!config_set(&c, "max_body", "0", &cause));
	free(cause);
	ck_assert(!config_set(&c, "max_body", "2G", &cause));
	free(cause);
	ck_assert(!config_set(&c, "database", "host=x port", &cause));
	ck_assert_ptr_nonnull(strstr(cause, "not a PostgreSQL connection"));
	ck_assert_ptr_null(strchr(cause, '\n'));
	free(cause);
	ck_assert(config_set(&c, "database", "postgresql://u@h/db", &cause));
	ck_assert(!config_set(&c, "role", "boss", &cause));
	free(cause);
	ck_assert(config_set(&c, "role", "worker", &cause));
	ck_assert(!config_serves_api(&c) && config_runs_jobs(&c));
	ck_assert(config_set(&c, "role", "api", &cause));
	ck_assert(config_serves_api(&c) && !config_runs_jobs(&c));
	ck_assert_uint_eq(c.max_body, 65536);	/* unchanged by failures */
	config_free(&c);
}
END_TEST

START_TEST(test_config_env_overrides)
{
	struct config	 c;
	char		*cause = NULL;
	char		 e1[] = "PATH=/bin", e2[] = "SOUKD_LISTEN=127.0.0.1:9",
			 e3[] = "SOUKD_CONFIG=/x", e4[] = "SOUKD_DATABASE=dbname=t",
			 e5[] = "SOUKD_LISTNE=1", e6[] = "SOUKD_MAX_BODY=lots";
	char		*good[] = { e1, e2, e3, e4, NULL };
	char		*bad[] = { e5, NULL };
	char		*badval[] = { e6, NULL };

	config_defaults(&c);
	ck_assert(config_load_env(&c, good, &cause));
	ck_assert_str_eq(c.listen, "127.0.0.1:9");
	ck_assert_str_eq(c.database, "dbname=t");
	ck_assert(!config_load_env(&c, bad, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "SOUKD_LISTNE"));
	free(cause);
	ck_assert(!config_load_env(&c, badval, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "SOUKD_MAX_BODY"));
	free(cause);
	config_free(&c);
}
END_TEST

START_TEST(test_config_split_listen)
{
	char		*host;
	uint16_t	 port;

	ck_assert(config_split_listen("127.0.0.1:80", &host, &port));
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_uint_eq(port, 80);
	free(host);
	ck_assert(config_split_listen("[::1]:0", &host, &port));
	ck_assert_str_eq(host, "::1");
	ck_assert_uint_eq(port, 0);
	free(host);
	ck_assert(config_split_listen(":8080", &host, &port));
	ck_assert_ptr_null(host);
	ck_assert(!config_split_listen("host:65536", &host, &port));
	ck_assert(!config_split_listen("[]:80", &host, &port));
	ck_assert(!config_split_listen("noport", &host, &port));
}
END_TEST

START_TEST(test_config_print_masks_password)
{
	struct config	 c;
	char		*cause = NULL, *out = NULL;
	size_t		 len = 0;
	FILE		*f;

	config_defaults(&c);
	ck_assert(config_set(&c, "database",
	    "host=db user=souk password=hunter2 dbname=souk", &cause));
	f = open_memstream(&out, &len);
	config_print(&c, f);
	fclose(f);
	ck_assert_ptr_null(strstr(out, "hunter2"));
	ck_assert_ptr_nonnull(strstr(out, "password=***"));
	ck_assert_ptr_nonnull(strstr(out, "listen = \"127.0.0.1:8080\""));
	free(out);
	config_free(&c);
}
END_TEST

/* soukd.conf(5) documents every key soukd accepts. */
START_TEST(test_config_keys_documented)
{
	char		 path[512], line[512];
	struct buf	 man;
	FILE		*f;
	size_t		 i;
	char		 needle[128];

	snprintf(path, sizeof path, "%s/man/soukd.conf.5", test_root());
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	buf_init(&man, 0);
	while (fgets(line, sizeof line, f) != NULL)
		ck_assert(buf_adds(&man, line));
	fclose(f);
	for (i = 0; i < config_nkeys; i++) {
		snprintf(needle, sizeof needle, ".It Cm %s", config_keys[i].name);
		ck_assert_msg(strstr(man.data, needle) != NULL,
		    "soukd.conf.5 does not document '%s'", config_keys[i].name);
	}
	buf_free(&man);
}
END_TEST

Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_test(tc, test_config_defaults);
	tcase_add_test(tc, test_config_set_and_refuse);
	tcase_add_test(tc, test_config_env_overrides);
	tcase_add_test(tc, test_config_split_listen);
	tcase_add_test(tc, test_config_print_masks_password);
	tcase_add_test(tc, test_config_keys_documented);
	suite_add_tcase(s, tc);
	return s;
}
