#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "text.h"

static void
text_setup(void)
{
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
}

START_TEST(test_text_width)
{
	ck_assert_int_eq(text_width(NULL), 0);
	ck_assert_int_eq(text_width(""), 0);
	ck_assert_int_eq(text_width("Pune"), 4);
	/* Viramas (U+094D) take no column: महाराष्ट्र is 8 wide, 10 chars. */
	ck_assert_int_eq(text_width("महाराष्ट्र"), 8);
	ck_assert_int_eq(text_width("आंध्र प्रदेश"), 8);
	ck_assert_int_eq(text_width("日本"), 4);
	/* Bad bytes and controls: one column each, never negative. */
	ck_assert_int_eq(text_width("a\xff" "b"), 3);
	ck_assert_int_eq(text_width("a\tb\n"), 4);
	ck_assert_int_eq(text_width_n("महाराष्ट्र", 3), 1);
}
END_TEST

START_TEST(test_text_fit)
{
	char	*s;

	s = text_fitted("Pune", 6, TEXT_LEFT);
	ck_assert_str_eq(s, "Pune  ");
	free(s);
	s = text_fitted("42", 5, TEXT_RIGHT);
	ck_assert_str_eq(s, "   42");
	free(s);
	s = text_fitted("Andaman and Nicobar Islands", 10, TEXT_LEFT);
	ck_assert_str_eq(s, "Andaman a…");
	ck_assert_int_eq(text_width(s), 10);
	free(s);
	/* Cutting Devanagari keeps the marks of the last letter shown. */
	s = text_fitted("महाराष्ट्र", 5, TEXT_LEFT);
	ck_assert_int_eq(text_width(s), 5);
	ck_assert_str_eq(s, "महार…");
	free(s);
	/* A wide character that does not fit leaves a blank. */
	s = text_fitted("日本語", 4, TEXT_LEFT);
	ck_assert_str_eq(s, "日… ");
	ck_assert_int_eq(text_width(s), 4);
	free(s);
	/* Controls cannot reach the terminal. */
	s = text_fitted("a\x1b[2Jb", 8, TEXT_LEFT);
	ck_assert_ptr_null(strchr(s, '\x1b'));
	ck_assert_int_eq(text_width(s), 8);
	free(s);
	s = text_fitted("anything", 0, TEXT_LEFT);
	ck_assert_str_eq(s, "");
	free(s);
	s = text_fitted(NULL, 3, TEXT_LEFT);
	ck_assert_str_eq(s, "   ");
	free(s);
	s = text_fitted("x", 1, TEXT_LEFT);
	ck_assert_str_eq(s, "x");
	free(s);
	s = text_fitted("xy", 1, TEXT_LEFT);
	ck_assert_str_eq(s, "…");
	free(s);
}
END_TEST

START_TEST(test_text_prefix)
{
	ck_assert_uint_eq(text_prefix("Pune", 2), 2);
	ck_assert_uint_eq(text_prefix("Pune", 10), 4);
	ck_assert_uint_eq(text_prefix("", 3), 0);
	ck_assert_uint_eq(text_prefix(NULL, 3), 0);
	/* "ष्ट्र": the viramas stay with their letters. */
	ck_assert_uint_eq(text_prefix("ष्ट", 1), strlen("ष्"));
}
END_TEST

START_TEST(test_text_ascii_locale)
{
	char	*s;

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C"));
	ck_assert(!text_utf8());
	s = text_fitted("abcdef", 4, TEXT_LEFT);
	ck_assert_str_eq(s, "abc~");
	free(s);
	/* Bytes the locale cannot show become '?'. */
	s = text_fitted("é", 2, TEXT_LEFT);
	ck_assert_str_eq(s, "??");
	free(s);
}
END_TEST

Suite *
text_suite(void)
{
	Suite	*s = suite_create("text");
	TCase	*tc = tcase_create("text");

	tcase_add_checked_fixture(tc, text_setup, NULL);
	tcase_add_test(tc, test_text_width);
	tcase_add_test(tc, test_text_fit);
	tcase_add_test(tc, test_text_prefix);
	tcase_add_test(tc, test_text_ascii_locale);
	suite_add_tcase(s, tc);
	return s;
}
