#include "kyc.h"
#include "suites.h"

START_TEST(test_gstin)
{
	/* Published, valid GSTINs. */
	ck_assert(kyc_gstin_valid("27AAPFU0939F1ZV"));
	ck_assert(kyc_gstin_valid("29AAGCB7383J1Z4"));
	ck_assert(kyc_gstin_valid("24AAACC1206D1ZM"));
	ck_assert_int_eq(kyc_gstin_check("27AAPFU0939F1Z"), 'V');
	/* One character off anywhere breaks the check. */
	ck_assert(!kyc_gstin_valid("27AAPFU0939F1ZW"));
	ck_assert(!kyc_gstin_valid("27AAPFU0938F1ZV"));
	ck_assert(!kyc_gstin_valid("72AAPFU0939F1ZV"));
	/* Shape. */
	ck_assert(!kyc_gstin_valid("27aapfu0939f1zv"));
	ck_assert(!kyc_gstin_valid("27AAPFU0939F1YV"));	/* 14th not Z */
	ck_assert(!kyc_gstin_valid("00AAPFU0939F1ZV"));	/* no state 00 */
	ck_assert(!kyc_gstin_valid("27AAPFU0939F0ZV"));	/* entity 0 */
	ck_assert(!kyc_gstin_valid("27AAPFU0939F1ZV1"));
	ck_assert(!kyc_gstin_valid("27AAPFU0939F1Z"));
	ck_assert(!kyc_gstin_valid(""));
	ck_assert(!kyc_gstin_valid(NULL));
	ck_assert(!kyc_gstin_valid("27AAPF'0939F1ZV"));
	ck_assert_int_eq(kyc_gstin_check("27AAPFU0939F1"), 0);
}
END_TEST

START_TEST(test_pan_ifsc_account)
{
	ck_assert(kyc_pan_valid("AAPFU0939F"));
	ck_assert(!kyc_pan_valid("AAPFU0939"));
	ck_assert(!kyc_pan_valid("AAPF00939F"));
	ck_assert(!kyc_pan_valid("aapfu0939f"));
	ck_assert(kyc_ifsc_valid("HDFC0001234"));
	ck_assert(kyc_ifsc_valid("SBIN0ABC123"));
	ck_assert(!kyc_ifsc_valid("HDFC1001234"));	/* 5th must be 0 */
	ck_assert(!kyc_ifsc_valid("HDF00001234"));
	ck_assert(!kyc_ifsc_valid("HDFC000123"));
	ck_assert(kyc_account_valid("123456789"));
	ck_assert(kyc_account_valid("123456789012345678"));
	ck_assert(!kyc_account_valid("12345678"));
	ck_assert(!kyc_account_valid("1234567890123456789"));
	ck_assert(!kyc_account_valid("12345678a"));
	ck_assert(!kyc_account_valid(NULL));
}
END_TEST

Suite *
kyc_suite(void)
{
	Suite	*s = suite_create("kyc");
	TCase	*tc = tcase_create("kyc");

	tcase_add_test(tc, test_gstin);
	tcase_add_test(tc, test_pan_ifsc_account);
	suite_add_tcase(s, tc);
	return s;
}
