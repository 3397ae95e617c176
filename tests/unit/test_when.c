#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "suites.h"
#include "when.h"

/* Wednesday 12 March 2025, 10:00 in India (04:30 UTC). */
static time_t
ref(void)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = 125;
	tm.tm_mon = 2;
	tm.tm_mday = 12;
	tm.tm_hour = 4;
	tm.tm_min = 30;
	return timegm(&tm);
}

/* A civil time in India as a time_t. */
static time_t
ist(int y, int mon, int d, int h, int min)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = min;
	return timegm(&tm) - 19800;
}

static time_t
parse_ok(const char *text)
{
	struct when_zone	z = when_zone_fixed(19800);
	time_t			t = 0;
	char			*cause = NULL;

	if (!when_parse(text, ref(), &z, &t, &cause))
		ck_abort_msg("'%s' refused: %s", text, cause);
	ck_assert_ptr_null(cause);
	return t;
}

static char *
parse_bad(const char *text)
{
	struct when_zone	z = when_zone_fixed(19800);
	time_t			t = 42;
	char			*cause = NULL;

	if (when_parse(text, ref(), &z, &t, &cause))
		ck_abort_msg("'%s' accepted", text);
	ck_assert_ptr_nonnull(cause);
	ck_assert_int_eq(t, 42);
	return cause;
}

START_TEST(test_when_relative)
{
	ck_assert_int_eq(parse_ok("now"), ref());
	ck_assert_int_eq(parse_ok("+2h"), ref() + 7200);
	ck_assert_int_eq(parse_ok("+1h30m"), ref() + 5400);
	ck_assert_int_eq(parse_ok("+90s"), ref() + 90);
	ck_assert_int_eq(parse_ok("in 30m"), ref() + 1800);
	ck_assert_int_eq(parse_ok("in 2 hours"), ref() + 7200);
	ck_assert_int_eq(parse_ok("in 1 minute"), ref() + 60);
	ck_assert_int_eq(parse_ok("+1d"), ist(2025, 3, 13, 10, 0));
	ck_assert_int_eq(parse_ok("+2w"), ist(2025, 3, 26, 10, 0));
	ck_assert_int_eq(parse_ok("  IN 45 MINS "), ref() + 2700);
}
END_TEST

START_TEST(test_when_days_and_times)
{
	ck_assert_int_eq(parse_ok("tomorrow 11am"), ist(2025, 3, 13, 11, 0));
	ck_assert_int_eq(parse_ok("Tomorrow 11 AM"), ist(2025, 3, 13, 11, 0));
	ck_assert_int_eq(parse_ok("at 11am tomorrow"),
	    ist(2025, 3, 13, 11, 0));
	ck_assert_int_eq(parse_ok("tomorrow 9"), ist(2025, 3, 13, 9, 0));
	ck_assert_int_eq(parse_ok("tomorrow"), ist(2025, 3, 13, 10, 0));
	ck_assert_int_eq(parse_ok("today 17:00"), ist(2025, 3, 12, 17, 0));
	ck_assert_int_eq(parse_ok("today 9am"), ist(2025, 3, 12, 9, 0));
	/* Yesterday is in the past, as a visit being recorded is. */
	ck_assert_int_eq(parse_ok("yesterday 4pm"), ist(2025, 3, 11, 16, 0));
	ck_assert_int_eq(parse_ok("yesterday"), ist(2025, 3, 11, 10, 0));
	ck_assert_int_eq(parse_ok("mon 9:30"), ist(2025, 3, 17, 9, 30));
	ck_assert_int_eq(parse_ok("monday 9:30pm"), ist(2025, 3, 17, 21, 30));
	ck_assert_int_eq(parse_ok("fri"), ist(2025, 3, 14, 10, 0));
	/* Today is Wednesday: later today, or a week on once past. */
	ck_assert_int_eq(parse_ok("wed 11:00"), ist(2025, 3, 12, 11, 0));
	ck_assert_int_eq(parse_ok("wed 9:30"), ist(2025, 3, 19, 9, 30));
	ck_assert_int_eq(parse_ok("next wed 11:00"), ist(2025, 3, 19, 11, 0));
	/* A time alone is the next time it comes. */
	ck_assert_int_eq(parse_ok("5pm"), ist(2025, 3, 12, 17, 0));
	ck_assert_int_eq(parse_ok("9am"), ist(2025, 3, 13, 9, 0));
	ck_assert_int_eq(parse_ok("17:45"), ist(2025, 3, 12, 17, 45));
	ck_assert_int_eq(parse_ok("12am"), ist(2025, 3, 13, 0, 0));
	ck_assert_int_eq(parse_ok("12pm"), ist(2025, 3, 12, 12, 0));
	ck_assert_int_eq(parse_ok("noon"), ist(2025, 3, 12, 12, 0));
	ck_assert_int_eq(parse_ok("midnight"), ist(2025, 3, 13, 0, 0));
	ck_assert_int_eq(parse_ok("2025-03-14 10:00"),
	    ist(2025, 3, 14, 10, 0));
	ck_assert_int_eq(parse_ok("2024-02-29 8am"), ist(2024, 2, 29, 8, 0));
	/* Month ends roll over. */
	ck_assert_int_eq(parse_ok("2025-03-31"), ist(2025, 3, 31, 10, 0));
}
END_TEST

START_TEST(test_when_refuses)
{
	const char *const bad[] = {
		"", "   ", "banana", "9", "25:00", "13pm", "0am", "9:7",
		"9:60", "tomorrow tomorrow", "mon tue", "+2h tomorrow",
		"yesterday tomorrow", "+2h yesterday",
		"now 9am", "in", "in banana", "+5x", "+", "next",
		"next 9am", "2025-02-29", "2025-13-01", "11am 5pm",
		"+999999999h", "tomorrow at noon noon",
		"a b c d e f g h i j k l m n o p q",
		"averyveryveryveryveryverylongwordthatgoesonandon",
	};
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		free(parse_bad(bad[i]));
	{
		struct when_zone	z = when_zone_fixed(0);
		time_t			t;
		char			*cause = NULL;

		ck_assert(!when_parse(NULL, 0, &z, &t, &cause));
		free(cause);
	}
}
END_TEST

START_TEST(test_when_messages_help)
{
	char	*c;

	c = parse_bad("9");
	ck_assert_str_eq(c, "9 what? write 9am, 9pm or 9:00");
	free(c);
	c = parse_bad("25:00");
	ck_assert_str_eq(c, "'25:00': the hour goes from 0 to 23");
	free(c);
}
END_TEST

START_TEST(test_when_zones)
{
	struct when_zone	 utc = when_zone_fixed(0);
	time_t			 t;
	char			*cause = NULL;

	/* 04:30 UTC: 17:00 UTC is later the same day. */
	ck_assert(when_parse("today 17:00", ref(), &utc, &t, &cause));
	ck_assert_int_eq(t, ist(2025, 3, 12, 17, 0) + 19800);
	/* The process's zone, from TZ (a POSIX rule needs no tzdata). */
	setenv("TZ", "IST-5:30", 1);
	tzset();
	ck_assert(when_parse("tomorrow 11am", ref(), &when_zone_local, &t,
	    &cause));
	ck_assert_int_eq(t, ist(2025, 3, 13, 11, 0));
}
END_TEST

Suite *
when_suite(void)
{
	Suite	*s = suite_create("when");
	TCase	*tc = tcase_create("when");

	tcase_add_test(tc, test_when_relative);
	tcase_add_test(tc, test_when_days_and_times);
	tcase_add_test(tc, test_when_refuses);
	tcase_add_test(tc, test_when_messages_help);
	tcase_add_test(tc, test_when_zones);
	suite_add_tcase(s, tc);
	return s;
}
