#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "suites.h"

START_TEST(test_buf_grows_and_terminates)
{
	struct buf	b;
	int		i;

	buf_init(&b, 0);
	for (i = 0; i < 1000; i++)
		ck_assert(buf_adds(&b, "abc"));
	ck_assert_uint_eq(b.len, 3000);
	ck_assert_int_eq(b.data[3000], '\0');
	ck_assert(buf_printf(&b, "%d-%s", 42, "x"));
	ck_assert_str_eq(b.data + 3000, "42-x");
	buf_free(&b);
	ck_assert_ptr_null(b.data);
	buf_free(&b);	/* twice is fine */
}
END_TEST

START_TEST(test_buf_cap_refuses_and_keeps_contents)
{
	struct buf	b;

	buf_init(&b, 5);
	ck_assert(buf_adds(&b, "hello"));
	ck_assert(!buf_adds(&b, "!"));
	ck_assert(!buf_printf(&b, "%s", "more"));
	ck_assert_str_eq(b.data, "hello");
	ck_assert(buf_add(&b, "", 0));
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert(buf_adds(&b, "12345"));
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_refuses_size_overflow)
{
	struct buf	b;

	buf_init(&b, 0);
	ck_assert(buf_adds(&b, "x"));
	ck_assert(!buf_add(&b, "y", SIZE_MAX));
	ck_assert_str_eq(b.data, "x");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_take_empty_and_full)
{
	struct buf	 b;
	char		*s;
	size_t		 len = 99;

	buf_init(&b, 0);
	s = buf_take(&b, &len);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);
	free(s);
	ck_assert(buf_adds(&b, "kept"));
	s = buf_take(&b, &len);
	ck_assert_str_eq(s, "kept");
	ck_assert_uint_eq(len, 4);
	ck_assert_ptr_null(b.data);
	free(s);
}
END_TEST

Suite *
buf_suite(void)
{
	Suite	*s = suite_create("buf");
	TCase	*tc = tcase_create("buf");

	tcase_add_test(tc, test_buf_grows_and_terminates);
	tcase_add_test(tc, test_buf_cap_refuses_and_keeps_contents);
	tcase_add_test(tc, test_buf_refuses_size_overflow);
	tcase_add_test(tc, test_buf_take_empty_and_full);
	suite_add_tcase(s, tc);
	return s;
}
