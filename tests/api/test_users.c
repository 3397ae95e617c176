/* Accounts as administrators manage them: /v1/users. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

/* A country's id (caller frees). */
static char *
users_region(void)
{
	char		*name = test_unique("Userland");
	const char	*params[1] = { name };
	PGresult	*res = test_sql("INSERT INTO regions (kind, name) "
			    "VALUES ('country', $1) RETURNING id", 1, params);
	char		*id = xstrdup(PQgetvalue(res, 0, 0));

	PQclear(res);
	free(name);
	return id;
}

/* Staff accounts only, names on one line, regions only where they count. */
START_TEST(test_create_staff_only)
{
	struct test_user	*admin = test_user_new(api_base(), "admin",
				    NULL);
	struct api_resp		*r;
	char			*region = users_region(), *body, *email, *path;
	static const char *const refused[] = { "customer", "b2b_buyer" };
	size_t			 i;
	long			 id;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		body = xasprintf("{\"role\":\"%s\",\"name\":\"Not Staff\","
		    "\"email\":\"notstaff.%zu.%ld@test.souk\"}", refused[i], i,
		    (long)getpid());
		r = test_user_request(api_base(), admin, "POST", "/v1/users",
		    body);
		api_expect(r, 400, "POST", "/v1/users");
		api_expect_problem(r, 400, "validation", "role");
		api_free(r);
		free(body);
	}
	/* A name that breaks a line, from the API as from /v1/me. */
	r = test_user_request(api_base(), admin, "POST", "/v1/users",
	    "{\"role\":\"moderator\",\"name\":\"Asha\\r\\nRole: admin\","
	    "\"email\":\"crlf@test.souk\"}");
	api_expect_problem(r, 400, "validation", "name");
	api_free(r);
	/* Regions are for region-scoped staff only. */
	body = xasprintf("{\"role\":\"moderator\",\"name\":\"Mod\",\"email\":"
	    "\"mod.%ld@test.souk\",\"regions\":[%s]}", (long)getpid(), region);
	r = test_user_request(api_base(), admin, "POST", "/v1/users", body);
	api_expect_problem(r, 400, "validation", "regions");
	api_free(r);
	free(body);
	/* An employee with a region: made, and shown once its password. */
	email = xasprintf("emp.%ld@test.souk", (long)getpid());
	body = xasprintf("{\"role\":\"employee\",\"name\":\"Emp\",\"email\":"
	    "\"%s\",\"regions\":[%s]}", email, region);
	r = test_user_request(api_base(), admin, "POST", "/v1/users", body);
	api_expect(r, 201, "POST", "/v1/users");
	id = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	free(body);
	path = xasprintf("/v1/users/%ld", id);
	r = test_user_request(api_base(), admin, "PATCH", path,
	    "{\"name\":\"Emp\\nloyee\"}");
	api_expect(r, 400, "PATCH", "/v1/users/{id}");
	api_expect_problem(r, 400, "validation", "name");
	api_free(r);
	/* Made a moderator: no regions, neither kept nor given. */
	body = xasprintf("{\"role\":\"moderator\",\"regions\":[%s]}", region);
	r = test_user_request(api_base(), admin, "PATCH", path, body);
	api_expect_problem(r, 400, "validation", "regions");
	api_free(r);
	free(body);
	r = test_user_request(api_base(), admin, "PATCH", path,
	    "{\"role\":\"moderator\"}");
	api_expect(r, 200, "PATCH", "/v1/users/{id}");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "role")),
	    "moderator");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "regions")),
	    0);
	api_free(r);
	body = xasprintf("{\"regions\":[%s]}", region);
	r = test_user_request(api_base(), admin, "PATCH", path, body);
	api_expect_problem(r, 400, "validation", "regions");
	api_free(r);
	free(body);
	/* Back to a supervisor, with a region again. */
	body = xasprintf("{\"role\":\"supervisor\",\"regions\":[%s]}", region);
	r = test_user_request(api_base(), admin, "PATCH", path, body);
	api_expect(r, 200, "PATCH", "/v1/users/{id}");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "regions")),
	    1);
	api_free(r);
	free(body);
	free(path);
	free(email);
	free(region);
}
END_TEST

/* q finds addresses with LIKE's wildcards in them, taken literally. */
START_TEST(test_search_takes_wildcards_literally)
{
	struct test_user	*admin = test_user_new(api_base(), "admin",
				    NULL);
	struct test_user	*u = test_user_new(api_base(), "customer",
				    NULL);
	struct api_resp		*r;
	char			*email = xasprintf("under_score.%ld@test.souk",
				    u->id), *decoy, id[24], *path;
	const char		*params[2] = { email, id };

	/* One with _ in its address, and one _ would match as a wildcard. */
	snprintf(id, sizeof id, "%ld", u->id);
	PQclear(test_sql("UPDATE users SET email = $1 WHERE id = $2", 2,
	    params));
	decoy = xasprintf("underXscore.%ld@test.souk", u->id);
	{
		struct test_user	*d;

		d = test_user_new(api_base(), "customer", NULL);

		params[0] = decoy;
		snprintf(id, sizeof id, "%ld", d->id);
		PQclear(test_sql("UPDATE users SET email = $1 WHERE id = $2", 2,
		    params));
	}
	path = xasprintf("/v1/users?q=under_score.%ld@", u->id);
	r = test_user_request(api_base(), admin, "GET", path, NULL);
	api_expect(r, 200, "GET", "/v1/users");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(r->json, "data"), 0), "id")), u->id);
	api_free(r);
	free(path);
	/* % and \ are letters too: nothing has them here. */
	r = test_user_request(api_base(), admin, "GET", "/v1/users?q=%25@",
	    NULL);
	api_expect(r, 200, "GET", "/v1/users");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")), 0);
	api_free(r);
	r = test_user_request(api_base(), admin, "GET",
	    "/v1/users?q=%5C%25", NULL);
	api_expect(r, 200, "GET", "/v1/users");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")), 0);
	api_free(r);
	free(decoy);
	free(email);
}
END_TEST

Suite *
users_suite(void)
{
	Suite	*s = suite_create("users");
	TCase	*tc = tcase_create("users");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_create_staff_only);
	tcase_add_test(tc, test_search_takes_wildcards_literally);
	suite_add_tcase(s, tc);
	return s;
}
