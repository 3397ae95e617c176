#include <string.h>

#include "phone.h"
#include "suites.h"

static const char *
norm(const char *in)
{
	static char	out[32];

	return phone_normalize(in, out, sizeof out) ? out : NULL;
}

START_TEST(test_phone_indian_forms)
{
	ck_assert_str_eq(norm("9876543210"), "+919876543210");
	ck_assert_str_eq(norm("098765 43210"), "+919876543210");
	ck_assert_str_eq(norm("91 98765-43210"), "+919876543210");
	ck_assert_str_eq(norm("+91 (98765) 43210"), "+919876543210");
	ck_assert_str_eq(norm("6000000000"), "+916000000000");
	ck_assert_ptr_null(norm("5876543210"));		/* not a mobile */
	ck_assert_ptr_null(norm("987654321"));		/* 9 digits */
	ck_assert_ptr_null(norm("+91 12345 67890"));
	ck_assert_ptr_null(norm("+9198765432100"));
}
END_TEST

START_TEST(test_phone_other_countries)
{
	ck_assert_str_eq(norm("+1 415 555 0100"), "+14155550100");
	ck_assert_str_eq(norm("+44 20 7946 0958"), "+442079460958");
	ck_assert_ptr_null(norm("+0123456789"));
	ck_assert_ptr_null(norm("+1234567"));		/* 7 digits */
	ck_assert_ptr_null(norm("+1234567890123456"));	/* 16 digits */
}
END_TEST

START_TEST(test_phone_hostile)
{
	char	small[8];

	ck_assert_ptr_null(norm(""));
	ck_assert_ptr_null(norm(NULL));
	ck_assert_ptr_null(norm("++919876543210"));
	ck_assert_ptr_null(norm("98765+43210"));
	ck_assert_ptr_null(norm("9876543210; DROP TABLE users"));
	ck_assert_ptr_null(norm("９８７６５４３２１０"));	/* full-width */
	ck_assert_ptr_null(norm("99999999999999999999999999999999999"));
	ck_assert(!phone_normalize("9876543210", small, sizeof small));
}
END_TEST

START_TEST(test_phone_mask)
{
	char	out[32];

	phone_mask("+919876543210", out, sizeof out);
	ck_assert_str_eq(out, "+9198xxxxx210");
	phone_mask("+1234", out, sizeof out);
	ck_assert_str_eq(out, "+1234");
}
END_TEST

Suite *
phone_suite(void)
{
	Suite	*s = suite_create("phone");
	TCase	*tc = tcase_create("phone");

	tcase_add_test(tc, test_phone_indian_forms);
	tcase_add_test(tc, test_phone_other_countries);
	tcase_add_test(tc, test_phone_hostile);
	tcase_add_test(tc, test_phone_mask);
	suite_add_tcase(s, tc);
	return s;
}
