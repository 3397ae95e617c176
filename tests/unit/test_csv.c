#include <string.h>

#include "csv.h"
#include "suites.h"

#define OPEN(r, s)	csv_open((r), (s), sizeof (s) - 1, 1000)

START_TEST(test_csv_reads_what_spreadsheets_write)
{
	static const char data[] = "\xef\xbb\xbfsku,title,price\r\n"
	    "A-1,\"Cooker, 5 L\",2499\r\n"
	    "\r\n"
	    "B-2,\"He said \"\"hi\"\"\",\r\n"
	    "C-3,\"two\nlines\",10\n"
	    "D-4,मोबाइल,5";
	struct csv_reader	r;

	OPEN(&r, data);
	ck_assert_int_eq(csv_next(&r), 1);
	ck_assert_uint_eq(r.nfields, 3);
	ck_assert_str_eq(r.fields[0], "sku");	/* the BOM is gone */
	ck_assert_int_eq(csv_next(&r), 1);
	ck_assert_str_eq(r.fields[1], "Cooker, 5 L");
	ck_assert_int_eq(csv_next(&r), 1);
	ck_assert_str_eq(r.fields[1], "He said \"hi\"");
	ck_assert_str_eq(r.fields[2], "");
	ck_assert_int_eq(csv_next(&r), 1);
	ck_assert_str_eq(r.fields[1], "two\nlines");
	ck_assert_int_eq(csv_next(&r), 1);
	ck_assert_str_eq(r.fields[1], "मोबाइल");
	ck_assert_uint_eq(r.line, 7);
	ck_assert_int_eq(csv_next(&r), 0);
	csv_close(&r);
}
END_TEST

START_TEST(test_csv_refuses_broken_records)
{
	static const char *const bad[] = {
		"a,\"open\n", "a,\"closed\"x,b\n", "a,b\"c\n",
	};
	struct csv_reader	r;
	char			long_field[2000];
	size_t			i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		csv_open(&r, bad[i], strlen(bad[i]), 1000);
		ck_assert_int_eq(csv_next(&r), -1);
		ck_assert_ptr_nonnull(strstr(r.error, "line 1"));
		csv_close(&r);
	}
	memset(long_field, 'x', sizeof long_field);
	csv_open(&r, long_field, sizeof long_field, 1000);
	ck_assert_int_eq(csv_next(&r), -1);
	ck_assert_ptr_nonnull(strstr(r.error, "too long"));
	csv_close(&r);
}
END_TEST

START_TEST(test_csv_writes_safely)
{
	struct buf	b;

	buf_init(&b, 0);
	ck_assert(csv_field(&b, "plain", true));
	ck_assert(buf_adds(&b, ","));
	ck_assert(csv_field(&b, "a, \"b\"", true));
	ck_assert(buf_adds(&b, ","));
	/* A formula stays text in a spreadsheet. */
	ck_assert(csv_field(&b, "=HYPERLINK(\"x\")", true));
	ck_assert(buf_adds(&b, ","));
	/* Numbers are ours: a minus is a minus. */
	ck_assert(csv_field(&b, "-5", false));
	ck_assert(buf_add(&b, "", 1));
	ck_assert_str_eq(b.data, "plain,\"a, \"\"b\"\"\","
	    "\"'=HYPERLINK(\"\"x\"\")\",-5");
	buf_free(&b);
}
END_TEST

Suite *
csv_suite(void)
{
	Suite	*s = suite_create("csv");
	TCase	*tc = tcase_create("csv");

	tcase_add_test(tc, test_csv_reads_what_spreadsheets_write);
	tcase_add_test(tc, test_csv_refuses_broken_records);
	tcase_add_test(tc, test_csv_writes_safely);
	suite_add_tcase(s, tc);
	return s;
}
