#include <string.h>

#include "suites.h"
#include "utf8.h"

#define VALID(s)	utf8_valid((s), sizeof (s) - 1)

START_TEST(test_utf8_accepts_wellformed)
{
	ck_assert(VALID(""));
	ck_assert(VALID("plain ascii"));
	ck_assert(VALID("महाराष्ट्र"));		/* Devanagari */
	ck_assert(VALID("₹ 100"));		/* 3-byte */
	ck_assert(VALID("\xf0\x9f\x9b\x92"));	/* U+1F6D2, 4-byte */
	ck_assert(VALID("\xf4\x8f\xbf\xbf"));	/* U+10FFFF */
}
END_TEST

START_TEST(test_utf8_refuses_malformed)
{
	ck_assert(!VALID("\xff"));
	ck_assert(!VALID("\xc0\xaf"));		/* overlong '/' */
	ck_assert(!VALID("\xe0\x80\xaf"));	/* overlong */
	ck_assert(!VALID("\xed\xa0\x80"));	/* surrogate U+D800 */
	ck_assert(!VALID("\xf4\x90\x80\x80"));	/* above U+10FFFF */
	ck_assert(!VALID("\xe0\xa4"));		/* truncated */
	ck_assert(!VALID("a\xe0"));		/* truncated at end */
	ck_assert(!VALID("\x80"));		/* lone continuation */
	ck_assert(!utf8_valid("a\0b", 3));	/* NUL inside */
}
END_TEST

START_TEST(test_utf8_len_counts_characters)
{
	ck_assert_uint_eq(utf8_len("abc", 3), 3);
	ck_assert_uint_eq(utf8_len("महाराष्ट्र", strlen("महाराष्ट्र")), 10);
	ck_assert_uint_eq(utf8_len("", 0), 0);
}
END_TEST

START_TEST(test_utf8_scrub_keeps_good_text_and_marks_bad_bytes)
{
	char	good[] = "₹ 100 महाराष्ट्र";
	char	cut[] = "near 'no\xc3'";	/* a message cut inside é */
	char	mixed[] = "a\xff" "b\xed\xa0\x80" "c\xe2\x82\xac";

	utf8_scrub(good);
	ck_assert_str_eq(good, "₹ 100 महाराष्ट्र");
	utf8_scrub(cut);
	ck_assert_str_eq(cut, "near 'no?'");
	utf8_scrub(mixed);
	ck_assert_str_eq(mixed, "a?b???c€");
	ck_assert(utf8_valid(mixed, strlen(mixed)));
}
END_TEST

Suite *
utf8_suite(void)
{
	Suite	*s = suite_create("utf8");
	TCase	*tc = tcase_create("utf8");

	tcase_add_test(tc, test_utf8_accepts_wellformed);
	tcase_add_test(tc, test_utf8_refuses_malformed);
	tcase_add_test(tc, test_utf8_len_counts_characters);
	tcase_add_test(tc, test_utf8_scrub_keeps_good_text_and_marks_bad_bytes);
	suite_add_tcase(s, tc);
	return s;
}
