#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "suites.h"

static void h(struct req *r) { (void)r; }

static const struct route routes[] = {
	{ "GET", "/v1/regions", h, NULL, "public", "", 0 },
	{ "GET", "/v1/regions/{id}", h, NULL, "public", "", 0 },
	{ "POST", "/v1/regions/lookup", h, NULL, "public", "", 0 },
	{ "PATCH", "/v1/regions/{id}", h, NULL, "public", "", 0 },
	{ "GET", "/v1/vendors/{vendor_id}/products/{slug}", h, NULL, "public", "", 0 },
	{ "GET", "/healthz", h, NULL, "public", "", 0 },
};

static struct router *
make_router(void)
{
	const struct route	*list[sizeof routes / sizeof routes[0]];
	size_t			 i;

	for (i = 0; i < sizeof routes / sizeof routes[0]; i++)
		list[i] = &routes[i];
	return router_new(list, sizeof routes / sizeof routes[0]);
}

START_TEST(test_router_matches_literals_and_params)
{
	struct router		*rt = make_router();
	struct router_match	 m;

	ck_assert_int_eq(router_match(rt, "GET", "/v1/regions", &m),
	    ROUTER_FOUND);
	ck_assert_ptr_eq(m.route, &routes[0]);
	router_match_free(&m);
	ck_assert_int_eq(router_match(rt, "GET", "/v1/regions/42", &m),
	    ROUTER_FOUND);
	ck_assert_ptr_eq(m.route, &routes[1]);
	ck_assert_str_eq(router_param(&m, "id"), "42");
	ck_assert_ptr_null(router_param(&m, "i"));
	router_match_free(&m);
	/* The literal wins over nothing: lookup is not an id. */
	ck_assert_int_eq(router_match(rt, "POST", "/v1/regions/lookup", &m),
	    ROUTER_FOUND);
	ck_assert_ptr_eq(m.route, &routes[2]);
	router_match_free(&m);
	ck_assert_int_eq(router_match(rt, "GET",
	    "/v1/vendors/7/products/red-shoes", &m), ROUTER_FOUND);
	ck_assert_str_eq(router_param(&m, "vendor_id"), "7");
	ck_assert_str_eq(router_param(&m, "slug"), "red-shoes");
	router_match_free(&m);
	ck_assert_int_eq(router_match(rt, "HEAD", "/healthz", &m),
	    ROUTER_FOUND);
	router_match_free(&m);
	router_free(rt);
}
END_TEST

START_TEST(test_router_refuses_bad_ids_and_shapes)
{
	struct router		*rt = make_router();
	struct router_match	 m;
	static const char *const missing[] = {
		"/v1/regions/abc", "/v1/regions/0", "/v1/regions/007",
		"/v1/regions/-1", "/v1/regions/9223372036854775808",
		"/v1/regions/99999999999999999999", "/v1/regions/",
		"/v1/regions//1", "/v1/regions/1/", "/v1", "", "v1/regions",
		"/v1/vendors/x/products/y", "/v1/vendors/1/products/",
		"/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s",
	};
	size_t	i;

	for (i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		ck_assert_msg(router_match(rt, "GET", missing[i], &m) ==
		    ROUTER_NOT_FOUND, "%s matched", missing[i]);
		router_match_free(&m);
	}
	ck_assert_int_eq(router_match(rt, "GET", NULL, &m), ROUTER_NOT_FOUND);
	ck_assert_int_eq(router_match(rt, "GET",
	    "/v1/regions/9223372036854775807", &m), ROUTER_FOUND);
	router_match_free(&m);
	router_free(rt);
}
END_TEST

START_TEST(test_router_method_not_allowed_lists_allow)
{
	struct router		*rt = make_router();
	struct router_match	 m;

	ck_assert_int_eq(router_match(rt, "DELETE", "/v1/regions/5", &m),
	    ROUTER_BAD_METHOD);
	ck_assert_str_eq(m.allow, "GET, HEAD, PATCH, OPTIONS");
	router_match_free(&m);
	ck_assert_int_eq(router_match(rt, "GET", "/v1/regions/lookup", &m),
	    ROUTER_BAD_METHOD);
	ck_assert_str_eq(m.allow, "POST, OPTIONS");
	router_match_free(&m);
	router_free(rt);
}
END_TEST

START_TEST(test_router_valid_id)
{
	ck_assert(router_valid_id("1", 1));
	ck_assert(router_valid_id("9223372036854775807", 19));
	ck_assert(!router_valid_id("9223372036854775808", 19));
	ck_assert(!router_valid_id("", 0));
	ck_assert(!router_valid_id("01", 2));
	ck_assert(!router_valid_id("1a", 2));
}
END_TEST

static void clash(void)
{
	static const struct route a = { "GET", "/x/{id}", h, NULL, "public", "", 0 };
	static const struct route b = { "GET", "/x/{other_id}", h, NULL, "public",
	    "", 0 };
	const struct route	*list[] = { &a, &b };

	router_free(router_new(list, 2));
}

/* Two routes a path could both match are a programming error. */
START_TEST(test_router_clash_aborts)
{
	clash();
}
END_TEST

Suite *
router_suite(void)
{
	Suite	*s = suite_create("router");
	TCase	*tc = tcase_create("router");

	tcase_add_test(tc, test_router_matches_literals_and_params);
	tcase_add_test(tc, test_router_refuses_bad_ids_and_shapes);
	tcase_add_test(tc, test_router_method_not_allowed_lists_allow);
	tcase_add_test(tc, test_router_valid_id);
	tcase_add_test_raise_signal(tc, test_router_clash_aborts, SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}
