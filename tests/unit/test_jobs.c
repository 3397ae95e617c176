#include <stdint.h>

#include "jobs.h"
#include "suites.h"

START_TEST(test_backoff_grows_and_caps)
{
	/* Full jitter: half the ceiling plus a random part of the rest. */
	ck_assert_int_eq(jobs_backoff_ms(1, 0), 500);
	ck_assert_int_eq(jobs_backoff_ms(1, 500), 1000);
	ck_assert_int_eq(jobs_backoff_ms(2, 0), 1000);
	ck_assert_int_eq(jobs_backoff_ms(3, 0), 2000);
	ck_assert_int_eq(jobs_backoff_ms(10, 0), 256000);
	ck_assert_int_eq(jobs_backoff_ms(13, 0), 1800000);	/* capped */
	ck_assert_int_eq(jobs_backoff_ms(99, UINT32_MAX) <= 3600000, 1);
	ck_assert_int_eq(jobs_backoff_ms(0, 0), 500);		/* clamped */
	ck_assert_int_eq(jobs_backoff_ms(-5, 7), jobs_backoff_ms(1, 7));
}
END_TEST

START_TEST(test_backoff_stays_within_its_window)
{
	uint32_t	r;
	int		attempt;
	int64_t		ms, ceiling;

	for (attempt = 1; attempt <= 20; attempt++) {
		ceiling = attempt > 13 ? 3600000 : 1000LL << (attempt - 1);
		if (ceiling > 3600000)
			ceiling = 3600000;
		for (r = 0; r < 4000000000u; r += 123456789u) {
			ms = jobs_backoff_ms(attempt, r);
			ck_assert_int_ge(ms, ceiling / 2);
			ck_assert_int_le(ms, ceiling);
		}
	}
}
END_TEST

START_TEST(test_kinds_are_unique_and_known)
{
	size_t	i, j;

	for (i = 0; i < job_nkinds; i++) {
		ck_assert_ptr_eq(jobs_kind(job_kinds[i].name), &job_kinds[i]);
		ck_assert_ptr_nonnull(job_kinds[i].run);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(job_kinds[i].name, job_kinds[j].name);
	}
	ck_assert_ptr_null(jobs_kind("no.such.kind"));
	ck_assert_ptr_nonnull(jobs_kind("noop"));
}
END_TEST

Suite *
jobs_suite(void)
{
	Suite	*s = suite_create("jobs");
	TCase	*tc = tcase_create("jobs");

	tcase_add_test(tc, test_backoff_grows_and_caps);
	tcase_add_test(tc, test_backoff_stays_within_its_window);
	tcase_add_test(tc, test_kinds_are_unique_and_known);
	suite_add_tcase(s, tc);
	return s;
}
