#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "suites.h"
#include "views.h"
#include "xmalloc.h"

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

START_TEST(test_views_money)
{
	char	buf[64];

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	views_money(129900, "INR", buf, sizeof buf);
	ck_assert_str_eq(buf, "₹1,299.00");
	/* Indian grouping: thousands, then lakhs and crores by twos. */
	views_money(12345600, NULL, buf, sizeof buf);
	ck_assert_str_eq(buf, "₹1,23,456.00");
	views_money(1234567890, "INR", buf, sizeof buf);
	ck_assert_str_eq(buf, "₹1,23,45,678.90");
	views_money(0, "INR", buf, sizeof buf);
	ck_assert_str_eq(buf, "₹0.00");
	views_money(5, "INR", buf, sizeof buf);
	ck_assert_str_eq(buf, "₹0.05");
	views_money(99999, "INR", buf, sizeof buf);
	ck_assert_str_eq(buf, "₹999.99");
	views_money(100000, "INR", buf, sizeof buf);
	ck_assert_str_eq(buf, "₹1,000.00");
	views_money(-4550, "INR", buf, sizeof buf);
	ck_assert_str_eq(buf, "-₹45.50");
	/* Other currencies: their code, grouped by thousands. */
	views_money(123456789, "USD", buf, sizeof buf);
	ck_assert_str_eq(buf, "USD 1,234,567.89");
	/* The extremes of a 64-bit amount, and a buffer too small. */
	views_money(INT64_MIN, "INR", buf, sizeof buf);
	ck_assert_str_eq(buf, "-₹92,23,37,20,36,85,47,758.08");
	views_money(INT64_MAX, "EUR", buf, sizeof buf);
	ck_assert_str_eq(buf, "EUR 92,233,720,368,547,758.07");
	views_money(129900, "INR", buf, 4);
	ck_assert_uint_lt(strlen(buf), 4);
	views_money(129900, "INR", buf, 0);
	/* No UTF-8: rupees in letters. */
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C"));
	views_money(129900, "INR", buf, sizeof buf);
	ck_assert_str_eq(buf, "Rs 1,299.00");
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
}
END_TEST

START_TEST(test_views_price_and_bytes)
{
	json_t	*o;
	char	 buf[64];

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	o = json_pack("{s:i, s:i, s:s}", "price_min", 10000, "price_max",
	    25000, "currency", "INR");
	views_price(o, false, buf, sizeof buf);
	ck_assert_str_eq(buf, "₹100.00–₹250.00");
	views_price(o, true, buf, sizeof buf);
	ck_assert_str_eq(buf, "₹100.00+");
	json_object_set_new(o, "price_max", json_integer(10000));
	views_price(o, false, buf, sizeof buf);
	ck_assert_str_eq(buf, "₹100.00");
	views_price(o, true, buf, sizeof buf);
	ck_assert_str_eq(buf, "₹100.00");
	/* No variants: no price. */
	json_object_set_new(o, "price_min", json_null());
	views_price(o, false, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	views_price(NULL, false, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	json_decref(o);

	views_bytes(0, buf, sizeof buf);
	ck_assert_str_eq(buf, "0 bytes");
	views_bytes(1, buf, sizeof buf);
	ck_assert_str_eq(buf, "1 byte");
	views_bytes(1023, buf, sizeof buf);
	ck_assert_str_eq(buf, "1023 bytes");
	views_bytes(12595, buf, sizeof buf);
	ck_assert_str_eq(buf, "12.3 KiB");
	views_bytes(4 * 1024 * 1024, buf, sizeof buf);
	ck_assert_str_eq(buf, "4.0 MiB");
}
END_TEST

START_TEST(test_views_topics)
{
	json_t	*u;
	char	*t;

	/* Administrators watch the kind; regional staff their regions. */
	u = json_pack("{s:s, s:[i, i]}", "role", "admin", "regions", 15, 16);
	t = views_topics(u, "registrations", "admin", "employee,supervisor");
	ck_assert_str_eq(t, "registrations");
	free(t);
	json_object_set_new(u, "role", json_string("employee"));
	t = views_topics(u, "registrations", "admin", "employee,supervisor");
	ck_assert_str_eq(t, "registrations:15,registrations:16");
	free(t);
	json_object_set_new(u, "role", json_string("supervisor"));
	t = views_topics(u, "registrations", "admin", "employee,supervisor");
	ck_assert_str_eq(t, "registrations:15,registrations:16");
	free(t);
	/* A role that may not watch: nothing, never a refused stream. */
	json_object_set_new(u, "role", json_string("telecaller"));
	ck_assert_ptr_null(views_topics(u, "registrations", "admin",
	    "employee,supervisor"));
	ck_assert_ptr_null(views_topics(u, "vendors", "employee,supervisor,"
	    "admin", NULL));
	/* "employee" is not "employees", nor a prefix of a longer name. */
	json_object_set_new(u, "role", json_string("employ"));
	ck_assert_ptr_null(views_topics(u, "x", "employee", "employee"));
	json_object_set_new(u, "role", json_string("moderator"));
	t = views_topics(u, "listings", "moderator,admin", NULL);
	ck_assert_str_eq(t, "listings");
	free(t);
	t = views_topics(u, "vendor:12", "admin,moderator", NULL);
	ck_assert_str_eq(t, "vendor:12");
	free(t);
	/* No regions, or more than a stream takes: nothing. */
	json_object_set_new(u, "role", json_string("employee"));
	json_object_set_new(u, "regions", json_array());
	ck_assert_ptr_null(views_topics(u, "registrations", "admin",
	    "employee"));
	{
		json_t	*many = json_array();
		int	 k;

		for (k = 1; k <= VIEWS_MAX_TOPICS + 1; k++)
			json_array_append_new(many, json_integer(k));
		json_object_set_new(u, "regions", many);
	}
	ck_assert_ptr_null(views_topics(u, "registrations", "admin",
	    "employee"));
	json_object_set_new(u, "regions", json_pack("[s, i]", "x", 7));
	t = views_topics(u, "registrations", "admin", "employee");
	ck_assert_str_eq(t, "registrations:7");
	free(t);
	json_decref(u);
	/* Nobody signed in. */
	ck_assert_ptr_null(views_topics(NULL, "listings", "admin", "admin"));
}
END_TEST

START_TEST(test_views_save)
{
	char	 dir[] = "/tmp/souk-unit-save.XXXXXX", *path, *p, *cause = NULL;
	char	 got[32];
	FILE	*f;
	struct stat sb;
	size_t	 n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* As typed; in a directory under the document's name; ~/. */
	path = views_save_path("out.pdf", "pan.pdf", "/home/asha", &cause);
	ck_assert_str_eq(path, "out.pdf");
	free(path);
	path = views_save_path(dir, "pan.pdf", NULL, &cause);
	p = xasprintf("%s/pan.pdf", dir);
	ck_assert_str_eq(path, p);
	free(p);
	free(path);
	path = views_save_path("kyc/", "pan.pdf", NULL, &cause);
	ck_assert_str_eq(path, "kyc/pan.pdf");
	free(path);
	path = views_save_path("~/kyc.pdf", "pan.pdf", "/home/asha", &cause);
	ck_assert_str_eq(path, "/home/asha/kyc.pdf");
	free(path);
	path = views_save_path("~", "pan.pdf", dir, &cause);
	p = xasprintf("%s/pan.pdf", dir);
	ck_assert_str_eq(path, p);
	free(p);
	free(path);
	path = views_save_path("~/x", "pan.pdf", NULL, &cause);
	ck_assert_str_eq(path, "~/x");
	free(path);
	ck_assert_ptr_null(views_save_path("  ", "pan.pdf", NULL, &cause));
	ck_assert_ptr_nonnull(cause);
	free(cause);
	ck_assert_ptr_null(views_save_path(NULL, NULL, NULL, &cause));
	free(cause);

	/* Written whole, private; never over a file unless told to. */
	path = xasprintf("%s/doc.pdf", dir);
	ck_assert(views_save_file(path, "%PDF-1.4 one", 12, false, &cause));
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(sb.st_size, 12);
	ck_assert(!views_save_file(path, "two", 3, false, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "exists"));
	free(cause);
	ck_assert(views_save_file(path, "two", 3, true, &cause));
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(got, 1, sizeof got, f);
	fclose(f);
	ck_assert_uint_eq(n, 3);
	ck_assert(memcmp(got, "two", 3) == 0);
	/* An empty file is a file too. */
	ck_assert(views_save_file(path, "", 0, true, &cause));
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
	unlink(path);
	free(path);
	/* Nowhere to write: a reason, and nothing left behind. */
	path = xasprintf("%s/no/such/dir/doc.pdf", dir);
	ck_assert(!views_save_file(path, "x", 1, false, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "cannot write"));
	free(cause);
	free(path);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_decision_body)
{
	char	*b;

	ck_assert_ptr_null(decision_body(NULL));
	ck_assert_ptr_null(decision_body(""));
	b = decision_body("PAN is \"blurred\"\n");
	ck_assert_str_eq(b, "{\"reason\":\"PAN is \\\"blurred\\\"\\n\"}");
	free(b);
	b = decision_body("नकली दस्तावेज़");
	ck_assert_str_eq(b, "{\"reason\":\"नकली दस्तावेज़\"}");
	free(b);
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
	tcase_add_test(tc, test_views_money);
	tcase_add_test(tc, test_views_price_and_bytes);
	tcase_add_test(tc, test_views_topics);
	tcase_add_test(tc, test_views_save);
	tcase_add_test(tc, test_decision_body);
	suite_add_tcase(s, tc);
	return s;
}
