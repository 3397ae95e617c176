#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "form.h"
#include "suites.h"

START_TEST(test_form_fields)
{
	struct form		*f = form_new();
	struct form_field	*a;

	ck_assert_uint_eq(form_nfields(f), 0);
	ck_assert_ptr_null(form_field(f, 0));
	a = form_add(f, "ids", "Region ids", NULL, FORM_EDIT);
	ck_assert_str_eq(a->value, "");
	form_add(f, "pincodes", "Pincodes", "400001", FORM_EDIT);
	form_link(form_add(f, "parent", "Parent", "India", 0), "region 1");
	ck_assert_ptr_eq(form_find(f, "ids"), a);
	ck_assert_ptr_null(form_find(f, "nope"));
	ck_assert(form_find(f, "parent")->flags & FORM_LINK);
	ck_assert_str_eq(form_find(f, "parent")->link, "region 1");
	form_set(a, "1 2");
	ck_assert_str_eq(a->value, "1 2");
	form_set(a, NULL);
	ck_assert_str_eq(a->value, "");
	form_move(f, 1);
	ck_assert_uint_eq(form_cursor(f), 1);
	form_move(f, 10);
	ck_assert_uint_eq(form_cursor(f), 2);
	form_move(f, -10);
	ck_assert_uint_eq(form_cursor(f), 0);
	form_end(f);
	ck_assert_uint_eq(form_cursor(f), 2);
	form_home(f);
	ck_assert_uint_eq(form_cursor(f), 0);
	form_clear(f);
	ck_assert_uint_eq(form_nfields(f), 0);
	form_free(f);
	form_free(NULL);
}
END_TEST

START_TEST(test_form_errors)
{
	struct form	*f = form_new();
	json_t		*p;
	char		 base[16];

	form_field_base("pincodes[2]", base, sizeof base);
	ck_assert_str_eq(base, "pincodes");
	form_field_base("address.city", base, sizeof base);
	ck_assert_str_eq(base, "address");
	form_field_base("ids", base, sizeof base);
	ck_assert_str_eq(base, "ids");
	form_field_base("averyveryverylongfieldname", base, sizeof base);
	ck_assert_uint_eq(strlen(base), sizeof base - 1);
	form_field_base(NULL, base, sizeof base);
	ck_assert_str_eq(base, "");

	form_add(f, "ids", "Region ids", "", FORM_EDIT);
	form_add(f, "pincodes", "Pincodes", "012345 99", FORM_EDIT);
	p = json_loads("{\"title\":\"Invalid request\",\"errors\":["
	    "{\"field\":\"pincodes[0]\",\"message\":\"must be 6 digits\"},"
	    "{\"field\":\"pincodes[1]\",\"message\":\"must be 6 digits\"},"
	    "{\"field\":\"ids\",\"message\":\"give one\"},"
	    "{\"field\":\"other\",\"message\":\"not here\"},"
	    "{\"message\":\"no field\"}, 7]}", 0, NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(form_problem(f, p), 3);
	ck_assert_str_eq(form_find(f, "pincodes")->error,
	    "item 1: must be 6 digits; item 2: must be 6 digits");
	ck_assert_str_eq(form_find(f, "ids")->error, "give one");
	form_clear_errors(f);
	ck_assert_ptr_null(form_find(f, "ids")->error);
	ck_assert_uint_eq(form_problem(f, NULL), 0);
	json_decref(p);
	form_free(f);
}
END_TEST

START_TEST(test_form_print)
{
	struct form	*f = form_new();
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*mf = open_memstream(&out, &len);

	form_add(f, "id", "ID", "15", 0);
	form_add(f, "name", "Name", "Maharashtra", 0);
	form_add(f, "code", "Code", NULL, 0);
	form_add(f, "go", "", "Look up", FORM_BUTTON);
	form_print(f, mf);
	fclose(mf);
	ck_assert_str_eq(out, "ID    15\nName  Maharashtra\nCode\n");
	free(out);
	form_free(f);
}
END_TEST


Suite *
form_suite(void)
{
	Suite	*s = suite_create("form");
	TCase	*tc = tcase_create("form");

	tcase_add_test(tc, test_form_fields);
	tcase_add_test(tc, test_form_errors);
	tcase_add_test(tc, test_form_print);
	suite_add_tcase(s, tc);
	return s;
}
