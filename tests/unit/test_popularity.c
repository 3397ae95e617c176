#include <stdlib.h>

#include "popularity.h"
#include "suites.h"

/*
 * Common values count their frequencies, histogram buckets an equal part
 * of the rest; a value's share is what reaches it, never more than the
 * statistics say.
 */
START_TEST(test_popularity_shares)
{
	struct popularity_table	t;

	/*
	 * Half the listings at 0, a tenth at 500; the other 40% in four
	 * buckets, 10% each: [10, 20), [20, 300), [300, 900), [900, 1000].
	 */
	ck_assert(popularity_table_make(&t, "{0,500}", "{0.5,0.1}",
	    "{10,20,300,900,1000}"));
	ck_assert_uint_eq(t.n, 7);
	ck_assert_int_eq(t.value[0], 1000);
	ck_assert_int_eq(t.value[6], 0);
	/* Nothing starts at 1000: no share is known to reach it. */
	ck_assert_double_eq_tol(t.share[0], 0, 1e-9);
	ck_assert_int_eq(popularity_table_at(&t, 0.05), 900);
	ck_assert_int_eq(popularity_table_at(&t, 0.09), 900);
	/* 900's bucket and 500's frequency. */
	ck_assert_int_eq(popularity_table_at(&t, 0.15), 500);
	ck_assert_int_eq(popularity_table_at(&t, 0.19), 500);
	ck_assert_int_eq(popularity_table_at(&t, 0.25), 300);
	ck_assert_int_eq(popularity_table_at(&t, 0.45), 10);
	ck_assert_int_eq(popularity_table_at(&t, 0.6), 0);
	ck_assert_int_eq(popularity_table_at(&t, 0.99), 0);
	ck_assert_int_eq(popularity_table_at(&t, 1.01), -1);
	popularity_table_free(&t);

	/* A histogram alone, and common values alone. */
	ck_assert(popularity_table_make(&t, NULL, NULL, "{0,100,200}"));
	ck_assert_int_eq(popularity_table_at(&t, 0.5), 100);
	ck_assert_int_eq(popularity_table_at(&t, 0.6), 0);
	popularity_table_free(&t);
	ck_assert(popularity_table_make(&t, "{7,3}", "{0.75,0.25}", NULL));
	ck_assert_int_eq(popularity_table_at(&t, 0.7), 7);
	ck_assert_int_eq(popularity_table_at(&t, 0.8), 3);
	popularity_table_free(&t);

	/* Never analyzed: nothing known. */
	ck_assert(popularity_table_make(&t, NULL, NULL, NULL));
	ck_assert_uint_eq(t.n, 0);
	ck_assert_int_eq(popularity_table_at(&t, 0.01), -1);
	popularity_table_free(&t);
}
END_TEST

/* Texts that are not such statistics are refused, whole. */
START_TEST(test_popularity_refuses_other_texts)
{
	static const char *const bad[] = {
		"", "{", "}", "1,2", "{1,2", "{1,,2}", "{1,2,}", "{,1}",
		"{1}2}", "{x}", "{1.5}", "{99999999999999999999}",
	};
	struct popularity_table	t;
	size_t			i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(!popularity_table_make(&t, NULL, NULL, bad[i]),
		    "bounds %s accepted", bad[i]);
		ck_assert_uint_eq(t.n, 0);
		popularity_table_free(&t);
	}
	/* Frequencies that are not numbers, or not one per value. */
	ck_assert(!popularity_table_make(&t, "{1,2}", "{0.5}", NULL));
	ck_assert(!popularity_table_make(&t, "{1}", "{x}", NULL));
	ck_assert(!popularity_table_make(&t, "{1}", "{inf}", NULL));
	ck_assert(popularity_table_make(&t, "{}", "{}", "{}"));
	ck_assert_uint_eq(t.n, 0);
	popularity_table_free(&t);
}
END_TEST

Suite *
popularity_suite(void)
{
	Suite	*s = suite_create("popularity");
	TCase	*tc = tcase_create("popularity");

	tcase_add_test(tc, test_popularity_shares);
	tcase_add_test(tc, test_popularity_refuses_other_texts);
	suite_add_tcase(s, tc);
	return s;
}
