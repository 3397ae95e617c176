#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "urlenc.h"

START_TEST(test_urlenc_decode)
{
	char	*s;
	size_t	 len;

	s = urlenc_decode("a+b%20c%2Bd", 11, &len);
	ck_assert_str_eq(s, "a b c+d");
	ck_assert_uint_eq(len, 7);
	free(s);
	/* Upper and lower case hex; UTF-8 bytes come through. */
	s = urlenc_decode("%e0%A4%85", 9, NULL);
	ck_assert_str_eq(s, "\xe0\xa4\x85");
	free(s);
	/* A % without two hex digits stays. */
	s = urlenc_decode("100%", 4, &len);
	ck_assert_str_eq(s, "100%");
	free(s);
	s = urlenc_decode("%4", 2, &len);
	ck_assert_str_eq(s, "%4");
	free(s);
	s = urlenc_decode("%zz%4g", 6, &len);
	ck_assert_str_eq(s, "%zz%4g");
	free(s);
	/* Only n bytes are read. */
	s = urlenc_decode("abc%41", 4, &len);
	ck_assert_str_eq(s, "abc%");
	ck_assert_uint_eq(len, 4);
	free(s);
	/* A decoded NUL: len says more than strlen. */
	s = urlenc_decode("a%00b", 5, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_uint_eq(strlen(s), 1);
	free(s);
	s = urlenc_decode("", 0, &len);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);
	free(s);
}
END_TEST

Suite *
urlenc_suite(void)
{
	Suite	*s = suite_create("urlenc");
	TCase	*tc = tcase_create("urlenc");

	tcase_add_test(tc, test_urlenc_decode);
	suite_add_tcase(s, tc);
	return s;
}
