/* The OpenAPI document describes every route soukd serves, and only those. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

START_TEST(test_every_route_is_documented)
{
	const char	*args[] = { "routes", NULL };
	char		*out = NULL, *line, *next, method[16], pattern[256], *op;
	json_t		*ops = openapi_operations(), *served = json_object();
	const char	*key;
	json_t		*v;
	size_t		 i;

	ck_assert_int_eq(soukd_run(args, &out), 0);
	for (line = out; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		ck_assert_int_eq(sscanf(line, "%15s %255s", method, pattern), 2);
		op = xasprintf("%s %s", method, pattern);
		json_object_set_new(served, op, json_true());
		free(op);
	}
	ck_assert_uint_gt(json_object_size(served), 5);
	json_object_foreach(served, key, v) {
		bool	found = false;

		json_array_foreach(ops, i, v)
			found = found || strcmp(json_string_value(v), key) == 0;
		ck_assert_msg(found, "%s is served but not in openapi.json",
		    key);
	}
	json_array_foreach(ops, i, v)
		ck_assert_msg(json_object_get(served, json_string_value(v)) !=
		    NULL, "%s is in openapi.json but not served",
		    json_string_value(v));
	json_decref(ops);
	json_decref(served);
	free(out);
}
END_TEST

START_TEST(test_document_is_served)
{
	struct api_resp	*r = api_get("/v1/openapi.json");

	api_expect(r, 200, "GET", "/v1/openapi.json");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "openapi")),
	    "3.1.0");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(r->json, "paths"),
	    "/v1/regions/{id}"));
	api_free(r);
}
END_TEST

Suite *
openapi_suite(void)
{
	Suite	*s = suite_create("openapi");
	TCase	*tc = tcase_create("openapi");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_every_route_is_documented);
	tcase_add_test(tc, test_document_is_served);
	suite_add_tcase(s, tc);
	return s;
}
