#include <string.h>

#include "tele/lead.h"
#include "suites.h"

static const char *
norm(const char *in)
{
	static char	out[TELE_PHONE_MAX];

	return tele_phone_normalise(in, out, sizeof out) ? out : NULL;
}

START_TEST(test_lead_phone_indian_forms)
{
	ck_assert_str_eq(norm("9876543210"), "+919876543210");
	ck_assert_str_eq(norm("09876543210"), "+919876543210");
	ck_assert_str_eq(norm("919876543210"), "+919876543210");
	ck_assert_str_eq(norm("+919876543210"), "+919876543210");
	ck_assert_str_eq(norm("98765 43210"), "+919876543210");
	ck_assert_str_eq(norm("98765-43210"), "+919876543210");
	ck_assert_str_eq(norm("(98765) 43210"), "+919876543210");
	ck_assert_str_eq(norm("+91 (98765) 432-10"), "+919876543210");
	ck_assert_str_eq(norm("+91 0 98765 43210"), "+919876543210");
	ck_assert_str_eq(norm("\t98765.43210 "), "+919876543210");
	/* Landlines with their area code: Delhi, Mumbai. */
	ck_assert_str_eq(norm("011 2345 6789"), "+911123456789");
	ck_assert_str_eq(norm("022-23456789"), "+912223456789");
	/* The same person typed three ways is one key. */
	ck_assert_str_eq(norm("0 98765 43210"), norm("+91-9876543210"));
}
END_TEST

START_TEST(test_lead_phone_other_countries)
{
	ck_assert_str_eq(norm("+1 415 555 0100"), "+14155550100");
	ck_assert_str_eq(norm("+44 20 7946 0958"), "+442079460958");
	ck_assert_str_eq(norm("0044 20 7946 0958"), "+442079460958");
	ck_assert_str_eq(norm("+971 50 123 4567"), "+971501234567");
}
END_TEST

START_TEST(test_lead_phone_refused)
{
	char	out[TELE_PHONE_MAX];

	ck_assert_ptr_null(norm(NULL));
	ck_assert_ptr_null(norm(""));
	ck_assert_ptr_null(norm("   "));
	ck_assert_ptr_null(norm("+"));
	ck_assert_ptr_null(norm("987654321"));		/* 9 digits */
	ck_assert_ptr_null(norm("98765432101"));	/* 11, no trunk 0 */
	ck_assert_ptr_null(norm("0987654321"));		/* 0 + 9 digits */
	ck_assert_ptr_null(norm("0098765"));
	ck_assert_ptr_null(norm("+91 0 08765 43210"));
	ck_assert_ptr_null(norm("+9198765432100"));	/* +91 and 11 digits */
	ck_assert_ptr_null(norm("+910876543210"));
	ck_assert_ptr_null(norm("+0123456789"));
	ck_assert_ptr_null(norm("+1234567"));		/* 7 digits */
	ck_assert_ptr_null(norm("+1234567890123456"));	/* 16 digits */
	ck_assert_ptr_null(norm("++919876543210"));
	ck_assert_ptr_null(norm("98765+43210"));
	ck_assert_ptr_null(norm("9876543210x12"));
	ck_assert_ptr_null(norm("=9876543210"));	/* a spreadsheet formula */
	ck_assert_ptr_null(norm("9876543210; DROP TABLE leads"));
	ck_assert_ptr_null(norm("\xef\xbc\x99\xef\xbc\x98"));	/* full-width */
	ck_assert_ptr_null(norm("\xff\xfe"));
	ck_assert_ptr_null(norm("99999999999999999999999999999999999999"));
	/* Too small a buffer: refused, and nothing half-written. */
	ck_assert(!tele_phone_normalise("9876543210", out, 8));
	ck_assert(!tele_phone_normalise("9876543210", NULL, 0));
	/* A refusal leaves out empty. */
	strcpy(out, "junk");
	ck_assert(!tele_phone_normalise("12", out, sizeof out));
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_lead_sources_statuses)
{
	ck_assert(tele_lead_source_ok("web_form"));
	ck_assert(tele_lead_source_ok("csv_import"));
	ck_assert(!tele_lead_source_ok("Web_Form"));
	ck_assert(!tele_lead_source_ok(""));
	ck_assert(!tele_lead_source_ok(NULL));
	ck_assert(tele_lead_source_inbound("missed_call"));
	ck_assert(tele_lead_source_inbound("customer_query"));
	ck_assert(!tele_lead_source_inbound("csv_import"));
	ck_assert(!tele_lead_source_inbound(NULL));
	ck_assert(tele_lead_status_ok("not_interested"));
	ck_assert(!tele_lead_status_ok("lost"));
	ck_assert(!tele_lead_status_ok(NULL));
}
END_TEST

Suite *
lead_suite(void)
{
	Suite	*s = suite_create("lead");
	TCase	*tc = tcase_create("lead");

	tcase_add_test(tc, test_lead_phone_indian_forms);
	tcase_add_test(tc, test_lead_phone_other_countries);
	tcase_add_test(tc, test_lead_phone_refused);
	tcase_add_test(tc, test_lead_sources_statuses);
	suite_add_tcase(s, tc);
	return s;
}
