#include <stdint.h>

#include "num.h"
#include "suites.h"

START_TEST(test_num_int64)
{
	int64_t	v = 7;

	ck_assert(num_int64("42", 0, 100, &v));
	ck_assert_int_eq(v, 42);
	ck_assert(num_int64("-5", -10, 10, &v));
	ck_assert_int_eq(v, -5);
	ck_assert(num_int64("9223372036854775807", 0, INT64_MAX, &v));
	ck_assert_int_eq(v, INT64_MAX);
	v = 7;
	ck_assert(!num_int64("9223372036854775808", 0, INT64_MAX, &v));
	ck_assert(!num_int64("101", 0, 100, &v));
	ck_assert(!num_int64("", 0, 100, &v));
	ck_assert(!num_int64(NULL, 0, 100, &v));
	ck_assert(!num_int64(" 1", 0, 100, &v));
	ck_assert(!num_int64("1 ", 0, 100, &v));
	ck_assert(!num_int64("+1", 0, 100, &v));
	ck_assert(!num_int64("1x", 0, 100, &v));
	ck_assert(!num_int64("0x10", 0, 100, &v));
	ck_assert(!num_int64("1; DROP TABLE x", 0, 100, &v));
	ck_assert_int_eq(v, 7);	/* untouched on failure */
}
END_TEST

START_TEST(test_num_size)
{
	size_t	v;

	ck_assert(num_size("0", &v));
	ck_assert_uint_eq(v, 0);
	ck_assert(num_size("512K", &v));
	ck_assert_uint_eq(v, 512 * 1024);
	ck_assert(num_size("1M", &v));
	ck_assert_uint_eq(v, 1048576);
	ck_assert(num_size("2GiB", &v));
	ck_assert_uint_eq(v, 2ULL << 30);
	ck_assert(!num_size("1T", &v));
	ck_assert(!num_size("-1M", &v));
	ck_assert(!num_size("M", &v));
	ck_assert(!num_size("99999999999999999G", &v));
}
END_TEST

START_TEST(test_num_duration)
{
	int64_t	v;

	ck_assert(num_duration_ms("250ms", &v));
	ck_assert_int_eq(v, 250);
	ck_assert(num_duration_ms("10s", &v));
	ck_assert_int_eq(v, 10000);
	ck_assert(num_duration_ms("10", &v));
	ck_assert_int_eq(v, 10000);
	ck_assert(num_duration_ms("5m", &v));
	ck_assert_int_eq(v, 300000);
	ck_assert(num_duration_ms("2h", &v));
	ck_assert_int_eq(v, 7200000);
	ck_assert(num_duration_ms("1d", &v));
	ck_assert_int_eq(v, 86400000);
	ck_assert(!num_duration_ms("1w", &v));
	ck_assert(!num_duration_ms("-1s", &v));
	ck_assert(!num_duration_ms("s", &v));
	ck_assert(!num_duration_ms("9223372036854775807d", &v));
}
END_TEST

START_TEST(test_num_bool)
{
	bool	v;

	ck_assert(num_bool("yes", &v) && v);
	ck_assert(num_bool("ON", &v) && v);
	ck_assert(num_bool("1", &v) && v);
	ck_assert(num_bool("false", &v) && !v);
	ck_assert(num_bool("No", &v) && !v);
	ck_assert(!num_bool("maybe", &v));
	ck_assert(!num_bool("", &v));
	ck_assert(!num_bool(NULL, &v));
}
END_TEST

Suite *
num_suite(void)
{
	Suite	*s = suite_create("num");
	TCase	*tc = tcase_create("num");

	tcase_add_test(tc, test_num_int64);
	tcase_add_test(tc, test_num_size);
	tcase_add_test(tc, test_num_duration);
	tcase_add_test(tc, test_num_bool);
	suite_add_tcase(s, tc);
	return s;
}
