#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "client.h"
#include "suites.h"

static char *
text_of(const char *problem, long http)
{
	json_t	*j = problem != NULL ? json_loads(problem, 0, NULL) : NULL;
	char	*s = client_problem_text(j, http);

	json_decref(j);
	return s;
}

START_TEST(test_client_problem_text)
{
	char	*s;

	s = text_of("{\"type\":\"urn:souk:problem:not-found\",\"title\":"
	    "\"Not found\",\"status\":404,\"detail\":\"there is no region "
	    "9\",\"request_id\":\"abc\"}", 404);
	ck_assert_str_eq(s, "Not found: there is no region 9");
	free(s);
	/* soukd's detail repeats the first field error: said once. */
	s = text_of("{\"title\":\"Invalid request\",\"status\":400,\"detail\":"
	    "\"kind must be one of a, b\",\"errors\":[{\"field\":\"kind\","
	    "\"code\":\"invalid\",\"message\":\"must be one of a, b\"},"
	    "{\"field\":\"limit\",\"code\":\"range\",\"message\":\"must be "
	    "1 to 200\"}]}", 400);
	ck_assert_str_eq(s, "Invalid request: kind must be one of a, b; limit "
	    "must be 1 to 200");
	free(s);
	s = text_of("{\"title\":\"Invalid request\",\"errors\":[{\"field\":"
	    "\"ids\",\"message\":\"give one\"}]}", 400);
	ck_assert_str_eq(s, "Invalid request: ids give one");
	free(s);
	/* Not a problem at all: the status speaks. */
	s = text_of(NULL, 502);
	ck_assert_str_eq(s, "Bad gateway (HTTP 502)");
	free(s);
	s = text_of("[1,2]", 418);
	ck_assert_str_eq(s, "Request refused (HTTP 418)");
	free(s);
	s = text_of("{\"title\":\"\",\"errors\":[{\"field\":1}]}", 500);
	ck_assert_str_eq(s, "Internal error (HTTP 500)");
	free(s);
	s = text_of("{\"title\":\"Boom\",\"errors\":\"no\"}", 500);
	ck_assert_str_eq(s, "Boom");
	free(s);
}
END_TEST

START_TEST(test_client_escape)
{
	char		*s;
	struct buf	 b;

	s = client_escape("a-b_c.d~e");
	ck_assert_str_eq(s, "a-b_c.d~e");
	free(s);
	s = client_escape("x y&z=1/2?#%");
	ck_assert_str_eq(s, "x%20y%26z%3D1%2F2%3F%23%25");
	free(s);
	s = client_escape("मुं");
	ck_assert_str_eq(s, "%E0%A4%AE%E0%A5%81%E0%A4%82");
	free(s);
	s = client_escape(NULL);
	ck_assert_str_eq(s, "");
	free(s);

	buf_init(&b, 0);
	ck_assert(buf_adds(&b, "/v1/regions"));
	client_query(&b, "kind", "state");
	client_query(&b, "parent_id", NULL);
	client_query(&b, "after", "WyJB IiwxXQ==");
	ck_assert_str_eq(b.data, "/v1/regions?kind=state&after=WyJB%20IiwxXQ%3D%3D");
	buf_free(&b);
}
END_TEST

START_TEST(test_client_unreachable)
{
	struct client_opts	 o = { "http://127.0.0.1:1/", 500, 1000, NULL };
	struct client		*c;
	struct response		 r;

	client_global_init();
	c = client_new(&o);
	ck_assert(!client_do(c, "GET", "/healthz", NULL, &r));
	ck_assert_int_eq(r.status, CLIENT_NETWORK);
	ck_assert_str_eq(r.message, "cannot connect to http://127.0.0.1:1");
	ck_assert_ptr_null(r.json);
	response_free(&r);
	response_free(NULL);
	client_free(c);
	client_free(NULL);
	client_global_cleanup();
}
END_TEST

Suite *
client_suite(void)
{
	Suite	*s = suite_create("client");
	TCase	*tc = tcase_create("client");

	tcase_add_test(tc, test_client_problem_text);
	tcase_add_test(tc, test_client_escape);
	tcase_add_test(tc, test_client_unreachable);
	suite_add_tcase(s, tc);
	return s;
}
