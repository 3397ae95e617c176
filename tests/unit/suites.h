/*
 * The unit test suites, one per module (tests/unit/test_<module>.c).  A
 * new suite is its file plus a line here and in main.c's list.  Run one
 * alone with `make check-unit SUITE=<name>` (Check's CK_RUN_SUITE).
 */
#ifndef SOUK_TEST_SUITES_H
#define SOUK_TEST_SUITES_H

#include <check.h>

Suite	*buf_suite(void);
Suite	*conf_suite(void);
Suite	*num_suite(void);
Suite	*utf8_suite(void);
Suite	*config_suite(void);
Suite	*router_suite(void);
Suite	*jsonv_suite(void);
Suite	*page_suite(void);
Suite	*problem_suite(void);
Suite	*dbjson_suite(void);
Suite	*jobs_suite(void);
Suite	*phone_suite(void);
Suite	*kyc_suite(void);
Suite	*template_suite(void);
Suite	*text_suite(void);
Suite	*table_suite(void);
Suite	*when_suite(void);
Suite	*cmd_suite(void);
Suite	*keymap_suite(void);
Suite	*client_suite(void);
Suite	*script_suite(void);
Suite	*form_suite(void);
Suite	*settings_suite(void);
Suite	*notify_suite(void);
Suite	*csv_suite(void);
Suite	*image_suite(void);
Suite	*media_suite(void);
Suite	*creds_suite(void);
Suite	*sse_suite(void);
Suite	*views_suite(void);
Suite	*lead_suite(void);
Suite	*tele_suite(void);
Suite	*urlenc_suite(void);
Suite	*popularity_suite(void);

/* The repository's top directory (SOUK_ROOT), for tests that read files. */
const char *test_root(void);

#endif
