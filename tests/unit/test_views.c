#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "suites.h"
#include "views.h"

START_TEST(test_views_escape)
{
	static const char *const texts[] = {
		"", "plain", "two\nlines", "tab\there", "back\\slash",
		"\\n is not a newline", "crlf\r\n", "\\\\\n\\", "नमस्ते\n{{x}}",
	};
	char	*e, *u;
	size_t	 i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		e = views_escape(texts[i]);
		ck_assert_ptr_null(strchr(e, '\n'));
		ck_assert_ptr_null(strchr(e, '\r'));
		u = views_unescape(e);
		ck_assert_str_eq(u, texts[i]);
		free(e);
		free(u);
	}
	e = views_escape("a\nb\\c");
	ck_assert_str_eq(e, "a\\nb\\\\c");
	free(e);
	/* What people type: unknown escapes and a lone backslash stay. */
	u = views_unescape("\\x \\");
	ck_assert_str_eq(u, "\\x \\");
	free(u);
	e = views_escape(NULL);
	ck_assert_str_eq(e, "");
	free(e);
	u = views_unescape(NULL);
	ck_assert_str_eq(u, "");
	free(u);
}
END_TEST

START_TEST(test_views_text_and_time)
{
	json_t	*o = json_pack("{s:s, s:i, s:b, s:n, s:f}", "s", "text", "i", 42,
		    "b", 1, "n", "f", 1.5);
	char	 buf[64];

	ck_assert_str_eq(views_text(o, "s", buf, sizeof buf), "text");
	ck_assert_str_eq(views_text(o, "i", buf, sizeof buf), "42");
	ck_assert_str_eq(views_text(o, "b", buf, sizeof buf), "yes");
	ck_assert_str_eq(views_text(o, "n", buf, sizeof buf), "");
	ck_assert_str_eq(views_text(o, "f", buf, sizeof buf), "1.5");
	ck_assert_str_eq(views_text(o, "missing", buf, sizeof buf), "");
	ck_assert_str_eq(views_text(NULL, "s", buf, sizeof buf), "");
	json_decref(o);

	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	views_time("2026-11-21T10:30:05.123Z", true, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-11-21 16:00:05");
	views_time("2026-11-21T10:30:05Z", false, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-11-21 16:00");
	views_time("2026-11-21T23:59:00+05:30", false, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-11-21 23:59");
	/* Not a time: shown as it is. */
	views_time("tomorrow", false, buf, sizeof buf);
	ck_assert_str_eq(buf, "tomorrow");
	views_time("2026-11-21T10:30:05", false, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-11-21T10:30:05");
	views_time(NULL, false, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	setenv("TZ", "UTC", 1);
	tzset();
}
END_TEST

START_TEST(test_audit_time)
{
	/* Saturday 2026-11-21 10:00:00 UTC. */
	time_t	 now = 1795255200;
	char	 out[64], *cause = NULL;

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert(audit_time("2026-11-20T08:00:00Z", now, out, sizeof out,
	    &cause));
	ck_assert_str_eq(out, "2026-11-20T08:00:00Z");
	ck_assert(audit_time("2h", now, out, sizeof out, &cause));
	ck_assert_str_eq(out, "2026-11-21T08:00:00Z");
	ck_assert(audit_time("30m", now, out, sizeof out, &cause));
	ck_assert_str_eq(out, "2026-11-21T09:30:00Z");
	ck_assert(audit_time("7d", now, out, sizeof out, &cause));
	ck_assert_str_eq(out, "2026-11-14T10:00:00Z");
	ck_assert(audit_time("2026-11-20", now, out, sizeof out, &cause));
	ck_assert_str_eq(out, "2026-11-20T00:00:00Z");
	ck_assert(audit_time("today 9am", now, out, sizeof out, &cause));
	ck_assert_str_eq(out, "2026-11-21T09:00:00Z");
	ck_assert(!audit_time("whenever", now, out, sizeof out, &cause));
	ck_assert_ptr_nonnull(cause);
	free(cause);
	ck_assert(!audit_time("", now, out, sizeof out, &cause));
	free(cause);
	ck_assert(!audit_time(NULL, now, out, sizeof out, &cause));
	free(cause);
	ck_assert(!audit_time("2026-11-20T08:00:00Z", now, out, 5, &cause));
	free(cause);
}
END_TEST

Suite *
views_suite(void)
{
	Suite	*s = suite_create("views");
	TCase	*tc = tcase_create("views");

	tcase_add_test(tc, test_views_escape);
	tcase_add_test(tc, test_views_text_and_time);
	tcase_add_test(tc, test_audit_time);
	suite_add_tcase(s, tc);
	return s;
}
