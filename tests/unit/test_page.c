#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "suites.h"

START_TEST(test_page_round_trip)
{
	json_t	*keys = json_pack("[s, I]", "Mahārāṣṭra \"x\"", (json_int_t)42);
	json_t	*back;
	char	*c = page_encode(keys);

	ck_assert_ptr_null(strpbrk(c, "+/=\"{"));	/* URL-safe, opaque */
	back = page_decode(c, 2);
	ck_assert_ptr_nonnull(back);
	ck_assert(json_equal(keys, back));
	ck_assert_ptr_null(page_decode(c, 3));		/* wrong shape */
	json_decref(back);
	json_decref(keys);
	free(c);
}
END_TEST

START_TEST(test_page_refuses_tampering)
{
	json_t	*obj = json_pack("{s:i}", "a", 1), *nested;
	char	*c, *big;

	ck_assert_ptr_null(page_decode("", 1));
	ck_assert_ptr_null(page_decode("!!!", 1));
	ck_assert_ptr_null(page_decode("WzFd=", 1));	/* padding */
	ck_assert_ptr_null(page_decode(NULL, 1));
	c = page_encode(obj);
	ck_assert_ptr_null(page_decode(c, 1));		/* not an array */
	free(c);
	nested = json_pack("[[i]]", 1);
	c = page_encode(nested);
	ck_assert_ptr_null(page_decode(c, 1));		/* not scalars */
	free(c);
	big = malloc(5000);
	memset(big, 'A', 4999);
	big[4999] = '\0';
	ck_assert_ptr_null(page_decode(big, 1));
	free(big);
	json_decref(obj);
	json_decref(nested);
}
END_TEST

Suite *
page_suite(void)
{
	Suite	*s = suite_create("page");
	TCase	*tc = tcase_create("page");

	tcase_add_test(tc, test_page_round_trip);
	tcase_add_test(tc, test_page_refuses_tampering);
	suite_add_tcase(s, tc);
	return s;
}
