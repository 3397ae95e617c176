#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "suites.h"

START_TEST(test_problem_render_shape)
{
	json_t	*errors = json_pack("[{s:s, s:s, s:s}]", "field", "ids[0]",
	    "code", "type", "message", "must be an integer");
	json_t	*p;
	size_t	 len;
	char	*s;

	s = problem_render(problem_type("validation"), "bad \"ids\"", "r-1",
	    errors, &len);
	ck_assert_uint_eq(len, strlen(s));
	p = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(json_string_value(json_object_get(p, "type")),
	    "urn:souk:problem:validation");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "status")), 400);
	ck_assert_str_eq(json_string_value(json_object_get(p, "detail")),
	    "bad \"ids\"");
	ck_assert_str_eq(json_string_value(json_object_get(p, "request_id")),
	    "r-1");
	ck_assert(json_equal(json_object_get(p, "errors"), errors));
	json_decref(p);
	free(s);
	/* No detail, no errors: neither member appears. */
	s = problem_render(problem_type("not-found"), NULL, NULL, NULL, &len);
	p = json_loads(s, 0, NULL);
	ck_assert_ptr_null(json_object_get(p, "detail"));
	ck_assert_ptr_null(json_object_get(p, "errors"));
	ck_assert_int_eq(json_integer_value(json_object_get(p, "status")), 404);
	json_decref(p);
	free(s);
	json_decref(errors);
}
END_TEST

START_TEST(test_problem_types_are_errors)
{
	const struct problem_type	*t;

	for (t = problem_types; t->code != NULL; t++) {
		ck_assert_int_ge(t->status, 400);
		ck_assert_int_le(t->status, 599);
		ck_assert_ptr_eq(problem_type(t->code), t);
	}
}
END_TEST

START_TEST(test_problem_unknown_code_aborts)
{
	problem_type("no-such-problem");
}
END_TEST

Suite *
problem_suite(void)
{
	Suite	*s = suite_create("problem");
	TCase	*tc = tcase_create("problem");

	tcase_add_test(tc, test_problem_render_shape);
	tcase_add_test(tc, test_problem_types_are_errors);
	tcase_add_test_raise_signal(tc, test_problem_unknown_code_aborts,
	    SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}
