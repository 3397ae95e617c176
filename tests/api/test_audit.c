/*
 * The audit log as admins search it: newest first, in pages, by actor,
 * action (or a prefix of actions), target and time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static struct api_resp *
audit(const struct test_user *u, const char *query)
{
	char		*path = xasprintf("/v1/audit%s", query);
	struct api_resp	*r = test_user_request(api_base(), u, "GET", path,
			    NULL);

	free(path);
	return r;
}

START_TEST(test_search_the_log)
{
	struct test_user	*admin = test_user_new(api_base(), "admin", NULL);
	struct api_resp		*r;
	json_t			*data, *e;
	char			*q, *slug, *body;
	const char		*next;
	size_t			 i;
	long			 last = 0;
	int			 k;

	/* Three changes by this admin: brands it makes. */
	for (k = 0; k < 3; k++) {
		slug = xasprintf("audit-%ld-%d", (long)getpid(), k);
		body = xasprintf("{\"slug\":\"%s\",\"name\":\"%s\"}", slug,
		    slug);
		r = test_user_request(api_base(), admin, "POST", "/v1/brands",
		    body);
		api_expect(r, 201, "POST", "/v1/brands");
		api_free(r);
		free(body);
		free(slug);
	}
	/* By actor and action: newest first, two a page, all three. */
	q = xasprintf("?actor_id=%ld&action=brand.created&limit=2", admin->id);
	r = audit(admin, q);
	api_expect(r, 200, "GET", "/v1/audit");
	data = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(data), 2);
	json_array_foreach(data, i, e) {
		ck_assert_str_eq(json_string_value(json_object_get(e,
		    "action")), "brand.created");
		ck_assert_int_eq(json_integer_value(json_object_get(e,
		    "actor_id")), admin->id);
		ck_assert(json_is_object(json_object_get(e, "after")));
		if (last != 0)
			ck_assert_int_lt(json_integer_value(json_object_get(e,
			    "id")), last);
		last = (long)json_integer_value(json_object_get(e, "id"));
	}
	next = json_string_value(json_object_get(r->json, "next"));
	ck_assert_ptr_nonnull(next);
	free(q);
	q = xasprintf("?actor_id=%ld&action=brand.created&limit=2&after=%s",
	    admin->id, next);
	api_free(r);
	r = audit(admin, q);
	api_expect(r, 200, "GET", "/v1/audit");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")),
	    1);
	ck_assert(json_is_null(json_object_get(r->json, "next")));
	api_free(r);
	free(q);
	/* A prefix of actions, a time window that holds nothing. */
	q = xasprintf("?actor_id=%ld&action=brand.", admin->id);
	r = audit(admin, q);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")),
	    3);
	api_free(r);
	free(q);
	q = xasprintf("?actor_id=%ld&until=2000-01-01T00:00:00Z", admin->id);
	r = audit(admin, q);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")),
	    0);
	api_free(r);
	free(q);
	/* What is not a filter is said so. */
	r = audit(admin, "?since=yesterday");
	api_expect_problem(r, 400, "validation", "since");
	api_free(r);
	r = audit(admin, "?after=x");
	api_expect_problem(r, 400, "validation", "after");
	api_free(r);
	r = audit(admin, "?actor_id=abc");
	api_expect_problem(r, 400, "validation", "actor_id");
	api_free(r);
}
END_TEST

Suite *
audit_suite(void)
{
	Suite	*s = suite_create("audit");
	TCase	*tc = tcase_create("audit");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_search_the_log);
	suite_add_tcase(s, tc);
	return s;
}
