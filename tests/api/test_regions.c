/* The region tree: listing, paging, filters, one region, lookups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "harness.h"
#include "suites.h"

/* Inserts a region and returns its id (caller frees). */
static char *
add_region(const char *parent, const char *kind, const char *name,
    const char *pincode)
{
	const char	*p[4] = { parent, kind, name, pincode };
	PGresult	*res;
	char		*id;

	res = test_sql("INSERT INTO regions (parent_id, kind, name, pincode, "
	    "names) VALUES ($1, $2, $3, $4, '{\"hi\": \"परीक्षा\"}') "
	    "RETURNING id", 4, p);
	id = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return id;
}

/* A pincode no other test uses. */
static char *
new_pincode(void)
{
	PGresult	*res;
	char		*pin;

	PQclear(test_sql("CREATE SEQUENCE IF NOT EXISTS test_pincodes "
	    "START 800000 MAXVALUE 999999", 0, NULL));
	res = test_sql("SELECT nextval('test_pincodes')::text", 0, NULL);
	pin = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return pin;
}

START_TEST(test_pages_cover_everything_once_in_order)
{
	char		*name = test_unique("Pageland"), *country, *path, *next,
			 state[64], prev[128] = "";
	struct api_resp	*r;
	json_t		*seen = json_object(), *item;
	size_t		 i, pages = 0;
	int		 k;

	country = add_region(NULL, "country", name, NULL);
	/* Inserted out of order: the API sorts by name. */
	for (k = 0; k < 120; k++) {
		snprintf(state, sizeof state, "State %03d", (k * 37) % 120);
		free(add_region(country, "state", state, NULL));
	}
	path = xasprintf("/v1/regions?parent_id=%s&limit=50", country);
	for (;;) {
		r = api_get(path);
		api_expect(r, 200, "GET", "/v1/regions");
		pages++;
		json_array_foreach(json_object_get(r->json, "data"), i, item) {
			const char *n = json_string_value(json_object_get(item,
			    "name"));

			ck_assert_msg(strcmp(prev, n) < 0, "%s after %s", n,
			    prev);
			snprintf(prev, sizeof prev, "%s", n);
			ck_assert_ptr_null(json_object_get(seen, n));
			json_object_set_new(seen, n, json_true());
			ck_assert_str_eq(json_string_value(json_object_get(
			    item, "kind")), "state");
		}
		ck_assert_uint_le(json_array_size(json_object_get(r->json,
		    "data")), 50);
		if (json_is_null(json_object_get(r->json, "next"))) {
			api_free(r);
			break;
		}
		next = xstrdup(json_string_value(json_object_get(r->json,
		    "next")));
		free(path);
		path = xasprintf("/v1/regions?parent_id=%s&limit=50&after=%s",
		    country, next);
		free(next);
		api_free(r);
	}
	ck_assert_uint_eq(pages, 3);
	ck_assert_uint_eq(json_object_size(seen), 120);
	json_decref(seen);
	free(path);
	free(country);
	free(name);
}
END_TEST

START_TEST(test_filters)
{
	char		*name = test_unique("Filterland"), *country, *state,
			*city, *area, *pin = new_pincode(), *path;
	struct api_resp	*r;

	country = add_region(NULL, "country", name, NULL);
	state = add_region(country, "state", "Only State", NULL);
	city = add_region(state, "city", "Only City", NULL);
	area = add_region(city, "area", "Only Area", pin);

	path = xasprintf("/v1/regions?parent_id=%s&kind=city", country);
	r = api_get(path);
	api_expect(r, 200, "GET", "/v1/regions");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")), 0);
	api_free(r);
	free(path);
	path = xasprintf("/v1/regions?parent_id=%s&kind=state", country);
	r = api_get(path);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")), 1);
	api_free(r);
	free(path);
	path = xasprintf("/v1/regions?pincode=%s", pin);
	r = api_get(path);
	api_expect(r, 200, "GET", "/v1/regions");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r->json, "data"), 0), "name")), "Only Area");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(r->json, "data"), 0), "id")), atoll(area));
	api_free(r);
	free(path);
	r = api_get("/v1/regions?parent_id=none&kind=country&limit=200");
	api_expect(r, 200, "GET", "/v1/regions");
	ck_assert_uint_ge(json_array_size(json_object_get(r->json, "data")), 1);
	api_free(r);
	path = xasprintf("/v1/regions?pincode=%s&parent_id=%s", pin, city);
	r = api_get(path);
	api_expect_problem(r, 400, "validation", "pincode");
	api_free(r);
	free(path);
	r = api_get("/v1/regions?kind=planet");
	api_expect(r, 400, "GET", "/v1/regions");
	api_expect_problem(r, 400, "validation", "kind");
	api_free(r);
	r = api_get("/v1/regions?pincode=012345");
	api_expect_problem(r, 400, "validation", "pincode");
	api_free(r);
	r = api_get("/v1/regions?parent_id=abc");
	api_expect_problem(r, 400, "validation", "parent_id");
	api_free(r);
	free(name); free(country); free(state); free(city); free(area);
	free(pin);
}
END_TEST

START_TEST(test_limits_and_cursors)
{
	struct api_resp	*r;
	static const char *const bad[] = {
		"/v1/regions?limit=0", "/v1/regions?limit=201",
		"/v1/regions?limit=abc", "/v1/regions?limit=",
		"/v1/regions?after=not-a-cursor", "/v1/regions?after=WzFd",
		"/v1/regions?after=eyJhIjoxfQ",
	};
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = api_get(bad[i]);
		api_expect(r, 400, "GET", "/v1/regions");
		ck_assert_msg(r->status == 400, "%s answered %ld", bad[i],
		    r->status);
		api_free(r);
	}
	r = api_get("/v1/regions?limit=200");
	api_expect(r, 200, "GET", "/v1/regions");
	api_free(r);
}
END_TEST

START_TEST(test_one_region_with_ancestors)
{
	char		*name = test_unique("Detailland"), *country, *state,
			*city, *path;
	struct api_resp	*r;
	json_t		*anc;

	country = add_region(NULL, "country", name, NULL);
	state = add_region(country, "union_territory", "दिल्ली", NULL);
	city = add_region(state, "city", "New Delhi", NULL);
	path = xasprintf("/v1/regions/%s", city);
	r = api_get(path);
	api_expect(r, 200, "GET", "/v1/regions/{id}");
	anc = json_object_get(r->json, "ancestors");
	ck_assert_uint_eq(json_array_size(anc), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(anc,
	    0), "name")), name);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(anc,
	    1), "name")), "दिल्ली");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    r->json, "names"), "hi")), "परीक्षा");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "path")), 3);
	api_free(r);
	free(path);
	path = xasprintf("/v1/regions/%s", state);
	r = api_get(path);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "child_count")), 1);
	api_free(r);
	free(path);
	r = api_get("/v1/regions/9223372036854775807");
	api_expect(r, 404, "GET", "/v1/regions/{id}");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	free(name); free(country); free(state); free(city);
}
END_TEST

/* A number of GET /v1/regions/{id}'s answer. */
static long long
region_int(const char *id, const char *key)
{
	char		*path = xasprintf("/v1/regions/%s", id);
	struct api_resp	*r = api_get(path);
	long long	 v;

	api_expect(r, 200, "GET", "/v1/regions/{id}");
	v = json_integer_value(json_object_get(r->json, key));
	api_free(r);
	free(path);
	return v;
}

START_TEST(test_moving_a_region_moves_its_subtree)
{
	char		*a = test_unique("Moveland A"), *b = test_unique(
			    "Moveland B"), *ca, *cb, *state, *city, *path;
	const char	*p[2];
	struct api_resp	*r;
	PGresult	*res;

	ca = add_region(NULL, "country", a, NULL);
	cb = add_region(NULL, "country", b, NULL);
	state = add_region(ca, "state", "Wandering", NULL);
	city = add_region(state, "city", "Follower", NULL);
	p[0] = cb;
	p[1] = state;
	PQclear(test_sql("UPDATE regions SET parent_id = $1 WHERE id = $2", 2,
	    p));
	path = xasprintf("/v1/regions/%s", city);
	r = api_get(path);
	api_expect(r, 200, "GET", "/v1/regions/{id}");
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(
	    r->json, "path"), 0)), atoll(cb));
	api_free(r);
	free(path);
	/*
	 * Counts follow the move, and a parent's count changing is not an
	 * edit of the parent.
	 */
	ck_assert_int_eq(region_int(ca, "child_count"), 0);
	ck_assert_int_eq(region_int(cb, "child_count"), 1);
	ck_assert_int_eq(region_int(state, "child_count"), 1);
	path = xasprintf("/v1/regions/%s", cb);
	r = api_get(path);
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "updated_at")), json_string_value(json_object_get(r->json,
	    "created_at")));
	api_free(r);
	free(path);
	/* The database itself refuses cycles and kinds out of order. */
	p[0] = city;
	p[1] = state;
	res = PQexecParams(PQconnectdb(test_conninfo()), "UPDATE regions SET "
	    "parent_id = $1 WHERE id = $2", 2, NULL, p, NULL, NULL, 0);
	ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "23514");
	PQclear(res);
	PQclear(test_sql("DELETE FROM regions WHERE id = $1", 1,
	    (const char *[]){ city }));
	ck_assert_int_eq(region_int(state, "child_count"), 0);
	free(a); free(b); free(ca); free(cb); free(state); free(city);
}
END_TEST

/* An admin's writes: create, rename, move; refusals name the field. */
START_TEST(test_admin_writes)
{
	struct test_user *admin = test_user_new(api_base(), "admin", NULL);
	char		*a = test_unique("Writeland A"), *b = test_unique(
			    "Writeland B"), *body, *path, *ca, *cb, *state,
			*city;
	struct api_resp	*r;
	json_t		*anc;

	ca = add_region(NULL, "country", a, NULL);
	cb = add_region(NULL, "country", b, NULL);
	body = xasprintf("{\"parent_id\":%s,\"kind\":\"state\",\"name\":"
	    "\"Middle\",\"names\":{\"hi\":\"मध्य\"}}", ca);
	r = test_user_request(api_base(), admin, "POST", "/v1/regions", body);
	api_expect(r, 201, "POST", "/v1/regions");
	state = xasprintf("%lld", (long long)json_integer_value(json_object_get(
	    r->json, "id")));
	api_free(r);
	free(body);
	body = xasprintf("{\"parent_id\":%s,\"kind\":\"city\",\"name\":"
	    "\"Leaf\"}", state);
	r = test_user_request(api_base(), admin, "POST", "/v1/regions", body);
	api_expect(r, 201, "POST", "/v1/regions");
	city = xasprintf("%lld", (long long)json_integer_value(json_object_get(
	    r->json, "id")));
	api_free(r);
	free(body);
	/* The same name under the same parent, a city above a state. */
	r = test_user_request(api_base(), admin, "POST", "/v1/regions", body =
	    xasprintf("{\"parent_id\":%s,\"kind\":\"city\",\"name\":"
	    "\"Leaf\"}", state));
	api_expect_problem(r, 400, "validation", "name");
	api_free(r);
	free(body);
	path = xasprintf("/v1/regions/%s", state);
	r = test_user_request(api_base(), admin, "PATCH", path, body =
	    xasprintf("{\"parent_id\":%s}", city));
	api_expect_problem(r, 400, "validation", "parent_id");
	api_free(r);
	free(body);
	/* Renamed: its descendants' ancestors say so. */
	r = test_user_request(api_base(), admin, "PATCH", path,
	    "{\"name\":\"Middle Renamed\"}");
	api_expect(r, 200, "PATCH", "/v1/regions/{id}");
	api_free(r);
	free(path);
	path = xasprintf("/v1/regions/%s", city);
	r = api_get(path);
	anc = json_object_get(r->json, "ancestors");
	ck_assert_uint_eq(json_array_size(anc), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(anc,
	    1), "name")), "Middle Renamed");
	api_free(r);
	/* Moved to the other country: the whole subtree follows. */
	free(path);
	path = xasprintf("/v1/regions/%s", state);
	r = test_user_request(api_base(), admin, "PATCH", path, body =
	    xasprintf("{\"parent_id\":%s}", cb));
	api_expect(r, 200, "PATCH", "/v1/regions/{id}");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r->json, "ancestors"), 0), "name")), b);
	api_free(r);
	free(body);
	free(path);
	path = xasprintf("/v1/regions/%s", city);
	r = api_get(path);
	anc = json_object_get(r->json, "ancestors");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(anc,
	    0), "name")), b);
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(
	    r->json, "path"), 0)), atoll(cb));
	api_free(r);
	free(path);
	free(a); free(b); free(ca); free(cb); free(state); free(city);
}
END_TEST

START_TEST(test_lookup)
{
	char		*name = test_unique("Lookupland"), *country, *city,
			*area, *pin = new_pincode(), *body;
	struct api_resp	*r;
	json_t		*data;
	struct buf	 big;
	int		 i;

	country = add_region(NULL, "country", name, NULL);
	city = add_region(country, "city", "Look City", NULL);
	area = add_region(city, "area", "Look Area", pin);
	body = xasprintf("{\"ids\":[%s,%s,%s,999999999],\"pincodes\":[\"%s\","
	    "\"899999\"]}", city, country, city, pin);
	r = api_post_json("/v1/regions/lookup", body);
	api_expect(r, 200, "POST", "/v1/regions/lookup");
	data = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(data), 3);	/* city once */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(data,
	    0), "id")), atoll(city));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(data,
	    1), "id")), atoll(country));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(data,
	    2), "id")), atoll(area));
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(
	    json_object_get(r->json, "missing"), "ids"), 0)), 999999999);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(
	    json_object_get(r->json, "missing"), "pincodes"), 0)), "899999");
	api_free(r);
	free(body);
	r = api_post_json("/v1/regions/lookup", "{}");
	api_expect_problem(r, 400, "validation", "ids");
	api_free(r);
	buf_init(&big, 0);
	ck_assert(buf_adds(&big, "{\"ids\":["));
	for (i = 1; i <= 101; i++)
		ck_assert(buf_printf(&big, "%s%d", i > 1 ? "," : "", i));
	ck_assert(buf_adds(&big, "]}"));
	r = api_post_json("/v1/regions/lookup", big.data);
	api_expect_problem(r, 400, "validation", "ids");
	api_free(r);
	buf_free(&big);
	free(name); free(country); free(city); free(area); free(pin);
}
END_TEST

Suite *
regions_suite(void)
{
	Suite	*s = suite_create("regions");
	TCase	*tc = tcase_create("regions");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_pages_cover_everything_once_in_order);
	tcase_add_test(tc, test_filters);
	tcase_add_test(tc, test_limits_and_cursors);
	tcase_add_test(tc, test_one_region_with_ancestors);
	tcase_add_test(tc, test_moving_a_region_moves_its_subtree);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_admin_writes);
	suite_add_tcase(s, tc);
	return s;
}
