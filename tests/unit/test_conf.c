#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "suites.h"

/* Records settings as "key=value;" and refuses the key "bad". */
static bool
record(void *arg, const char *key, const char *value, char **cause)
{
	struct buf	*b = arg;

	if (strcmp(key, "bad") == 0) {
		*cause = xasprintf("'%s' is refused", value);
		return false;
	}
	return buf_printf(b, "%s=%s;", key, value);
}

static char *
parse(const char *text, bool *ok)
{
	struct buf	 b;
	char		*cause = NULL, *out;

	buf_init(&b, 0);
	*ok = conf_parse("test.conf", text, strlen(text), record, &b, &cause);
	if (!*ok) {
		buf_free(&b);
		return cause;
	}
	out = buf_take(&b, NULL);
	return out;
}

START_TEST(test_conf_values_comments_quotes)
{
	bool	 ok;
	char	*s;

	s = parse("# comment\n\n  listen = 127.0.0.1:80  \n"
	    "database = \"host=/tmp dbname=souk\"\n"
	    "name = a value # trailing comment\n"
	    "hash = a#b\n"
	    "quoted = \"keeps # and \\\" and spaces \"\n"
	    "empty =\n"
	    "commented = # nothing here\n"
	    "crlf = yes\r\n", &ok);
	ck_assert(ok);
	ck_assert_str_eq(s, "listen=127.0.0.1:80;database=host=/tmp dbname=souk;"
	    "name=a value;hash=a#b;quoted=keeps # and \" and spaces ;empty=;"
	    "commented=;"
	    "crlf=yes;");
	free(s);
}
END_TEST

START_TEST(test_conf_errors_name_the_line)
{
	bool	 ok;
	char	*s;

	s = parse("a = 1\nthis line has no equals\n", &ok);
	ck_assert(!ok);
	ck_assert_str_eq(s, "test.conf:2: expected '=' after key 'this'");
	free(s);
	s = parse("a = 1\n\nbad = x\n", &ok);
	ck_assert(!ok);
	ck_assert_str_eq(s, "test.conf:3: 'x' is refused");
	free(s);
	s = parse("x = \"open\n", &ok);
	ck_assert(!ok);
	ck_assert_str_eq(s, "test.conf:1: unterminated quoted value");
	free(s);
	s = parse("= 3\n", &ok);
	ck_assert(!ok);
	ck_assert_ptr_nonnull(strstr(s, "test.conf:1: expected a key"));
	free(s);
	s = parse("k = \"v\" junk\n", &ok);
	ck_assert(!ok);
	free(s);
	s = parse("k = \xff\n", &ok);
	ck_assert(!ok);
	ck_assert_ptr_nonnull(strstr(s, "UTF-8"));
	free(s);
}
END_TEST

START_TEST(test_conf_file_missing_and_present)
{
	char		 path[] = "/tmp/souk-conf-XXXXXX", *cause = NULL;
	struct buf	 b;
	int		 fd;

	buf_init(&b, 0);
	ck_assert(!conf_parse_file("/nonexistent/soukd.conf", record, &b,
	    &cause));
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/soukd.conf"));
	free(cause);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "k = v\n", 6), 6);
	close(fd);
	ck_assert(conf_parse_file(path, record, &b, &cause));
	ck_assert_str_eq(b.data, "k=v;");
	unlink(path);
	buf_free(&b);
}
END_TEST

Suite *
conf_suite(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc = tcase_create("conf");

	tcase_add_test(tc, test_conf_values_comments_quotes);
	tcase_add_test(tc, test_conf_errors_name_the_line);
	tcase_add_test(tc, test_conf_file_missing_and_present);
	suite_add_tcase(s, tc);
	return s;
}
