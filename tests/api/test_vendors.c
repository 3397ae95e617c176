/*
 * Vendors: anyone sees an active vendor's public profile; its own people
 * and the staff of its region see all of it, and only those staff list,
 * suspend and annotate it.  The owner edits the profile, the team and
 * the stock locations; bad input is refused naming the field and changes
 * nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "suites.h"

#define VENDOR	"/v1/vendors/{id}"

static struct api_resp *
vendor_get(const struct test_user *u, long id)
{
	return cat_reqf(u, "GET", NULL, "/v1/vendors/%ld", id);
}

/* The private fields are there (or not), the public ones always. */
static void
expect_profile(struct api_resp *r, bool private)
{
	api_expect(r, 200, "GET", VENDOR);
	ck_assert_ptr_nonnull(jstr(r->json, "name"));
	ck_assert_ptr_nonnull(json_object_get(r->json, "opening_hours"));
	ck_assert_msg((json_object_get(r->json, "legal_name") != NULL) ==
	    private, "legal_name %s: %s", private ? "missing" : "shown",
	    r->body);
	ck_assert((json_object_get(r->json, "gstin") != NULL) == private);
	ck_assert((json_object_get(r->json, "contact_phone") != NULL) ==
	    private);
	ck_assert((json_object_get(r->json, "status") != NULL) == private);
	ck_assert((json_object_get(r->json, "summary") != NULL) == private);
}

static void
set_status(long vendor, const char *status)
{
	char		 id[24];
	const char	*params[2] = { id, status };

	snprintf(id, sizeof id, "%ld", vendor);
	PQclear(test_sql("UPDATE vendors SET status = $2, status_reason = "
	    "CASE WHEN $2 = 'suspended' THEN 'test' END WHERE id = $1", 2,
	    params));
}

START_TEST(test_public_and_private_profile)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	char			*far = test_region_new("Farland");
	const char		*mine[] = { v->region, NULL }, *theirs[] = {
				    far, NULL };
	struct test_user	*cust = test_user_new(api_base(), "customer",
				    NULL);
	struct test_user	*emp = test_user_new(api_base(), "employee",
				    mine);
	struct test_user	*stranger = test_user_new(api_base(),
				    "employee", theirs);
	struct test_user	*other = test_vendor_new(api_base(),
				    v->region)->owner;
	struct test_user	*staff = test_vendor_staff(api_base(), v);
	struct api_resp		*r;

	PQclear(test_sql("UPDATE vendors SET gstin = '29ABCDE1234F1Z5', "
	    "contact_phone = '+919876500000' WHERE id = $1", 1,
	    (const char *[]){ v->ids }));
	/* The public: no legal name, tax ids, phone, status or summary. */
	r = vendor_get(NULL, v->id);
	expect_profile(r, false);
	ck_assert_str_eq(jstr(r->json, "name"), v->name);
	ck_assert_ptr_null(strstr(r->body, "29ABCDE1234F1Z5"));
	api_free(r);
	r = vendor_get(cust, v->id);
	expect_profile(r, false);
	api_free(r);
	/* Another vendor's owner is the public too. */
	r = vendor_get(other, v->id);
	expect_profile(r, false);
	api_free(r);
	/* Its people, its region's staff and admins: everything. */
	r = vendor_get(v->owner, v->id);
	expect_profile(r, true);
	ck_assert_str_eq(jstr(r->json, "gstin"), "29ABCDE1234F1Z5");
	ck_assert_str_eq(jstr(r->json, "status"), "active");
	api_free(r);
	r = vendor_get(staff, v->id);
	expect_profile(r, true);
	api_free(r);
	r = vendor_get(emp, v->id);
	expect_profile(r, true);
	api_free(r);
	r = vendor_get(cat_admin(), v->id);
	expect_profile(r, true);
	api_free(r);
	/* Staff of another region are the public. */
	r = vendor_get(stranger, v->id);
	expect_profile(r, false);
	api_free(r);

	/* Suspended: gone for the public, there for its people and staff. */
	set_status(v->id, "suspended");
	r = vendor_get(NULL, v->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = vendor_get(cust, v->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = vendor_get(stranger, v->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = vendor_get(v->owner, v->id);
	expect_profile(r, true);
	ck_assert_str_eq(jstr(r->json, "status"), "suspended");
	api_free(r);
	r = vendor_get(emp, v->id);
	expect_profile(r, true);
	api_free(r);
	/* No such vendor, and ids that are not ids. */
	r = vendor_get(NULL, 999999999);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = api_get("/v1/vendors/abc");
	ck_assert_int_eq(r->status, 404);
	api_free(r);
	r = api_get("/v1/vendors/99999999999999999999999");
	ck_assert_int_eq(r->status, 404);
	api_free(r);
}
END_TEST

/* GET path as u; asserts 200 and whether vendor id is in the page. */
static void
expect_listed(const struct test_user *u, const char *path, long id, bool in)
{
	struct api_resp	*r = cat_call(u, "GET", path, "/v1/vendors", 200,
			    NULL);

	ck_assert_msg(jhas_id(json_object_get(r->json, "data"), id) == in,
	    "GET %s: vendor %ld %s: %s", path, id, in ? "missing" : "shown",
	    r->body);
	api_free(r);
}

START_TEST(test_staff_see_their_regions_only)
{
	char			*a = test_region_new("Aland"),
				*b = test_region_new("Bland"), *path;
	const char		*in_a[] = { a, NULL };
	struct test_vendor	*va = test_vendor_new(api_base(), a);
	struct test_vendor	*vb = test_vendor_new(api_base(), b);
	struct test_user	*emp = test_user_new(api_base(), "employee",
				    in_a);
	struct test_user	*tele = test_user_new(api_base(), "telecaller",
				    in_a);
	struct test_user	*sup = test_user_new(api_base(), "supervisor",
				    in_a);
	struct api_resp		*r;
	const char		*next;
	int			 pages = 0;

	/* The list: A's vendor, never B's, on any page. */
	expect_listed(emp, "/v1/vendors?limit=100", va->id, true);
	expect_listed(tele, "/v1/vendors?limit=100", va->id, true);
	expect_listed(sup, "/v1/vendors?limit=100", va->id, true);
	path = xstrdup("/v1/vendors?limit=1");
	for (;;) {
		r = cat_call(emp, "GET", path, "/v1/vendors", 200, NULL);
		ck_assert(!jhas_id(json_object_get(r->json, "data"), vb->id));
		ck_assert_int_lt(++pages, 50);
		free(path);
		if ((next = jstr(r->json, "next")) == NULL) {
			api_free(r);
			break;
		}
		path = xasprintf("/v1/vendors?limit=1&after=%s", next);
		api_free(r);
	}
	/* Exactly A's vendor: one page of one, then the end. */
	ck_assert_int_eq(pages, 1);
	/* Nor by its name, nor by asking for its region. */
	path = xasprintf("/v1/vendors?q=%.*s", 25, vb->name + 7);
	expect_listed(emp, path, vb->id, false);
	expect_listed(cat_admin(), path, vb->id, true);
	free(path);
	path = xasprintf("/v1/vendors?region_id=%s", b);
	r = cat_call(emp, "GET", path, "/v1/vendors", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 0);
	api_free(r);
	free(path);
	expect_listed(cat_admin(), "/v1/vendors?status=active&limit=100",
	    vb->id, true);

	/* By id: what the public sees, nothing more. */
	r = vendor_get(emp, vb->id);
	expect_profile(r, false);
	api_free(r);
	r = vendor_get(tele, vb->id);
	expect_profile(r, false);
	api_free(r);
	/* And acting on it is as if it did not exist. */
	r = cat_reqf(emp, "POST", "{\"reason\":\"Fake\"}",
	    "/v1/vendors/%ld/suspend", vb->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(sup, "POST", "{\"reason\":\"Fake\"}",
	    "/v1/vendors/%ld/suspend", vb->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(emp, "POST", "{\"kind\":\"note\",\"body\":\"Hello\"}",
	    "/v1/vendors/%ld/notes", vb->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(tele, "GET", NULL, "/v1/vendors/%ld/notes", vb->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM vendor_notes WHERE "
	    "vendor_id = $1", vb->id), 0);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM vendors WHERE id = $1"
	    " AND status = 'active'", vb->id), 1);
	/* B suspended: not even the public profile. */
	set_status(vb->id, "suspended");
	r = vendor_get(emp, vb->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(emp, "POST", "{}", "/v1/vendors/%ld/reactivate", vb->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
}
END_TEST

/* The ids of a list page, in order. */
static json_t *
page_ids(const struct api_resp *r)
{
	json_t	*ids = json_array(), *v;
	size_t	 i;

	json_array_foreach(json_object_get(r->json, "data"), i, v)
		json_array_append_new(ids, json_integer(jint(v, "id")));
	return ids;
}

/* GET the list with query as u; returns the ids it shows. */
static json_t *
list_ids(const struct test_user *u, const char *query)
{
	struct api_resp	*r;
	json_t		*ids;
	char		*path = xasprintf("/v1/vendors?limit=100%s%s",
			    *query != '\0' ? "&" : "", query);

	r = cat_call(u, "GET", path, "/v1/vendors", 200, NULL);
	ids = page_ids(r);
	api_free(r);
	free(path);
	return ids;
}

/* ids holds exactly want (0-terminated), in any order. */
static void
expect_ids(json_t *ids, const long *want, const char *what)
{
	size_t	n = 0, i;
	bool	found;
	json_t	*v;

	for (; want[n] != 0; n++) {
		found = false;
		json_array_foreach(ids, i, v)
			found = found || json_integer_value(v) == want[n];
		ck_assert_msg(found, "%s: vendor %ld missing", what, want[n]);
	}
	ck_assert_msg(json_array_size(ids) == n, "%s: %zu vendors, expected "
	    "%zu", what, json_array_size(ids), n);
	json_decref(ids);
}

START_TEST(test_list_filters_and_pages)
{
	char			*region = test_region_new("Filterland"),
				*district, *path;
	const char		*mine[] = { region, NULL }, *p[2];
	struct test_user	*emp;
	struct test_vendor	*v[5];
	struct api_resp		*r;
	json_t			*seen = json_array(), *ids;
	const char		*next;
	size_t			 i;
	int			 k;

	p[0] = region;
	{
		PGresult *res = test_sql("INSERT INTO regions (parent_id, kind,"
		    " name) VALUES ($1, 'district', 'Filter District') "
		    "RETURNING id", 1, p);

		district = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	emp = test_user_new(api_base(), "employee", mine);
	for (k = 0; k < 5; k++)
		v[k] = test_vendor_new(api_base(), k == 4 ? district : region);
	/*
	 * 0: grocery, joined long ago, 4.5 stars, both badges
	 * 1: pharmacy, suspended
	 * 2: grocery, 3.2 stars
	 * 3: electronics, joined last year, verified_gst
	 * 4: in the district, no rating
	 */
#define SQL(s, i) do {							\
	p[0] = v[i]->ids;						\
	PQclear(test_sql(s, 1, p));					\
} while (0)
	SQL("UPDATE vendors SET name = 'Alpha Traders', created_at = "
	    "'2020-01-15T00:00:00Z', rating_avg = 4.5, badges = "
	    "'{verified_business,verified_gst}' WHERE id = $1", 0);
	SQL("UPDATE vendors SET name = 'Beta Pharmacy', category = 'Pharmacy', "
	    "status = 'suspended', status_reason = 'x' WHERE id = $1", 1);
	SQL("UPDATE vendors SET name = 'Gamma Stores', rating_avg = 3.2 "
	    "WHERE id = $1", 2);
	SQL("UPDATE vendors SET name = 'Delta Electronics', category = "
	    "'Electronics', created_at = '2025-06-01T00:00:00Z', badges = "
	    "'{verified_gst}' WHERE id = $1", 3);
	SQL("UPDATE vendors SET name = 'Epsilon Mart' WHERE id = $1", 4);
#undef SQL

	/* The employee's region holds exactly these five. */
	ids = list_ids(emp, "");
	ck_assert_uint_eq(json_array_size(ids), 5);
	/* Newest first. */
	ck_assert_int_eq(json_integer_value(json_array_get(ids, 0)), v[4]->id);
	json_decref(ids);
	expect_ids(list_ids(emp, "status=suspended"),
	    (long[]){ v[1]->id, 0 }, "status");
	expect_ids(list_ids(emp, "status=active"), (long[]){ v[0]->id,
	    v[2]->id, v[3]->id, v[4]->id, 0 }, "status=active");
	expect_ids(list_ids(emp, "category=grocery"), (long[]){ v[0]->id,
	    v[2]->id, v[4]->id, 0 }, "category");
	expect_ids(list_ids(emp, "badge=verified_gst"), (long[]){ v[0]->id,
	    v[3]->id, 0 }, "badge");
	expect_ids(list_ids(emp, "rating_min=4"), (long[]){ v[0]->id, 0 },
	    "rating_min=4");
	expect_ids(list_ids(emp, "rating_min=3"), (long[]){ v[0]->id,
	    v[2]->id, 0 }, "rating_min=3");
	expect_ids(list_ids(emp, "joined_before=2026-01-01T00:00:00Z"),
	    (long[]){ v[0]->id, v[3]->id, 0 }, "joined_before");
	expect_ids(list_ids(emp, "joined_after=2025-01-01T00:00:00Z&"
	    "joined_before=2026-01-01T00:00:00Z"), (long[]){ v[3]->id, 0 },
	    "joined between");
	path = xasprintf("region_id=%s", district);
	expect_ids(list_ids(emp, path), (long[]){ v[4]->id, 0 }, "region_id");
	free(path);
	/* By name: a part of it, any case, or misspelt a little. */
	expect_ids(list_ids(emp, "q=amma"), (long[]){ v[2]->id, 0 }, "q");
	expect_ids(list_ids(emp, "q=GAMMA"), (long[]){ v[2]->id, 0 },
	    "q case");
	expect_ids(list_ids(emp, "q=Gama%20Stores"), (long[]){ v[2]->id, 0 },
	    "q typo");
	expect_ids(list_ids(emp, "q=Omega"), (long[]){ 0 }, "q none");
	expect_ids(list_ids(emp, "status=active&category=grocery&"
	    "rating_min=4"), (long[]){ v[0]->id, 0 }, "together");

	/* Two at a time: every vendor once, newest first, then the end. */
	path = xstrdup("/v1/vendors?limit=2");
	for (k = 0; k < 10; k++) {
		r = cat_call(emp, "GET", path, "/v1/vendors", 200, NULL);
		ids = page_ids(r);
		ck_assert_uint_le(json_array_size(ids), 2);
		json_array_extend(seen, ids);
		json_decref(ids);
		free(path);
		next = jstr(r->json, "next");
		path = next != NULL ? xasprintf("/v1/vendors?limit=2&after=%s",
		    next) : NULL;
		api_free(r);
		if (path == NULL)
			break;
	}
	ck_assert_uint_eq(json_array_size(seen), 5);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(json_integer_value(json_array_get(seen, i)),
		    v[4 - i]->id);

	/* Filters that are not filters. */
	{
		static const char *const bad[][2] = {
			{ "status=closed", "status" },
			{ "rating_min=6", "rating_min" },
			{ "rating_min=four", "rating_min" },
			{ "joined_after=yesterday", "joined_after" },
			{ "joined_before=2026-13-01T00:00:00Z",
			  "joined_before" },
			{ "region_id=-1", "region_id" },
			{ "region_id=abc", "region_id" },
			{ "badge=Verified%20GST", "badge" },
			{ "q=50%25", "q" },
			{ "q=a_b", "q" },
			{ "q=", "q" },
			{ "q=a%0Ab", "q" },
			{ "after=garbage", "after" },
			{ "limit=0", "limit" },
			{ "limit=100000", "limit" },
		};

		for (i = 0; i < API_N(bad); i++) {
			path = xasprintf("/v1/vendors?%s", bad[i][0]);
			r = test_user_request(api_base(), emp, "GET", path,
			    NULL);
			api_expect(r, 400, "GET", "/v1/vendors");
			api_expect_problem(r, 400, "validation", bad[i][1]);
			api_free(r);
			free(path);
		}
		r = test_user_request(api_base(), emp, "GET",
		    "/v1/vendors?colour=red", NULL);
		ck_assert_int_eq(r->status, 400);
		api_free(r);
	}
	/* Customers and vendors do not list vendors. */
	r = test_user_request(api_base(), v[0]->owner, "GET", "/v1/vendors",
	    NULL);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	json_decref(seen);
}
END_TEST

/* PATCHes the vendor as u, expecting a refusal naming field. */
static void
refused(const struct test_user *u, long id, const char *body,
    const char *field)
{
	struct api_resp	*r = cat_reqf(u, "PATCH", body, "/v1/vendors/%ld",
			    id);

	ck_assert_msg(r->status == 400, "PATCH %s: status %ld: %s", body,
	    r->status, r->body);
	api_expect(r, 400, "PATCH", VENDOR);
	api_expect_problem(r, 400, "validation", field);
	api_free(r);
}

START_TEST(test_profile_edits)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_vendor	*w = test_vendor_new(api_base(), v->region);
	struct test_user	*staff = test_vendor_staff(api_base(), v);
	struct api_resp		*r;
	char			*before, *after, *other = test_region_new(
				    "Moveland"), *body;
	json_t			*h;

	r = cat_callf(v->owner, "PATCH", VENDOR, 200, "{\"description\":"
	    "\"Fresh vegetables\\nand fruit\",\"opening_hours\":{\"mon\":"
	    "[[\"09:00\",\"13:00\"],[\"16:00\",\"21:00\"]],\"sun\":[[\"10:00\","
	    "\"24:00\"]]},\"lat\":12.9716,\"lon\":77.5946,\"service_radius_m\":"
	    "5000,\"service_pincodes\":[\"560001\",\"560002\"],\"timezone\":"
	    "\"Asia/Kolkata\",\"contact_name\":\"रवि\",\"contact_phone\":"
	    "\"098765-43210\",\"contact_email\":\" Ravi@Example.COM \"}",
	    "/v1/vendors/%ld", v->id);
	ck_assert_str_eq(jstr(r->json, "contact_phone"), "+919876543210");
	ck_assert_str_eq(jstr(r->json, "contact_email"), "ravi@example.com");
	ck_assert_str_eq(jstr(r->json, "contact_name"), "रवि");
	ck_assert_int_eq(jint(r->json, "service_radius_m"), 5000);
	h = json_object_get(r->json, "opening_hours");
	ck_assert_uint_eq(json_array_size(json_object_get(h, "mon")), 2);
	ck_assert_ptr_null(json_object_get(h, "tue"));
	ck_assert(json_real_value(json_object_get(r->json, "lat")) > 12.97);
	api_free(r);

	r = vendor_get(v->owner, v->id);
	before = xstrdup(r->body);
	api_free(r);
	/* Each of these is refused, naming the field. */
	refused(v->owner, v->id, "{\"opening_hours\":{\"monday\":[]}}",
	    "opening_hours");
	refused(v->owner, v->id, "{\"opening_hours\":{\"mon\":\"9-5\"}}",
	    "opening_hours");
	refused(v->owner, v->id, "{\"opening_hours\":{\"mon\":"
	    "[[\"09:00\"]]}}", "opening_hours");
	refused(v->owner, v->id, "{\"opening_hours\":{\"mon\":"
	    "[[\"9am\",\"5pm\"]]}}", "opening_hours");
	refused(v->owner, v->id, "{\"opening_hours\":{\"mon\":"
	    "[[\"13:00\",\"09:00\"]]}}", "opening_hours");
	refused(v->owner, v->id, "{\"opening_hours\":{\"mon\":"
	    "[[\"09:00\",\"13:00\"],[\"12:00\",\"18:00\"]]}}",
	    "opening_hours");
	refused(v->owner, v->id, "{\"opening_hours\":{\"mon\":"
	    "[[\"24:00\",\"24:30\"]]}}", "opening_hours");
	refused(v->owner, v->id, "{\"opening_hours\":{\"mon\":"
	    "[[\"01:00\",\"02:00\"],[\"03:00\",\"04:00\"],[\"05:00\",\"06:00\"],"
	    "[\"07:00\",\"08:00\"],[\"09:00\",\"10:00\"]]}}", "opening_hours");
	refused(v->owner, v->id, "{\"opening_hours\":{\"mon\":"
	    "[[9,17]]}}", "opening_hours");
	refused(v->owner, v->id, "{\"opening_hours\":[]}", "opening_hours");
	refused(v->owner, v->id, "{\"lat\":12.5}", "lat");
	refused(v->owner, v->id, "{\"lon\":77.5}", "lat");
	refused(v->owner, v->id, "{\"lat\":91,\"lon\":77.5}", "lat");
	refused(v->owner, v->id, "{\"lat\":12.5,\"lon\":-180.5}", "lon");
	refused(v->owner, v->id, "{\"lat\":\"12.5\",\"lon\":77.5}", "lat");
	refused(v->owner, v->id, "{\"lat\":null,\"lon\":77.5}", "lat");
	refused(v->owner, v->id, "{\"service_radius_m\":50}",
	    "service_radius_m");
	refused(v->owner, v->id, "{\"service_radius_m\":500001}",
	    "service_radius_m");
	refused(v->owner, v->id, "{\"service_pincodes\":[\"012345\"]}",
	    "service_pincodes");
	refused(v->owner, v->id, "{\"service_pincodes\":[\"56000A\"]}",
	    "service_pincodes");
	refused(v->owner, v->id, "{\"service_pincodes\":[560001]}",
	    "service_pincodes[0]");
	refused(v->owner, v->id, "{\"pincode\":\"012345\"}", "pincode");
	refused(v->owner, v->id, "{\"pincode\":\"5600011\"}", "pincode");
	refused(v->owner, v->id, "{\"timezone\":\"Mars/Olympus_Mons\"}",
	    "timezone");
	refused(v->owner, v->id, "{\"timezone\":\"\"}", "timezone");
	refused(v->owner, v->id, "{\"contact_phone\":\"12345\"}",
	    "contact_phone");
	refused(v->owner, v->id, "{\"contact_phone\":\"call me\"}",
	    "contact_phone");
	refused(v->owner, v->id, "{\"contact_email\":\"ravi@\"}",
	    "contact_email");
	body = xasprintf("{\"region_id\":%s}", other);
	refused(v->owner, v->id, body, "region_id");
	refused(v->owner, v->id, "{\"name\":\"two\\nlines\"}", "name");
	refused(v->owner, v->id, "{\"name\":\" padded\"}", "name");
	refused(v->owner, v->id, "{\"name\":\"\"}", "name");
	refused(v->owner, v->id, "{\"name\":7}", "name");
	refused(v->owner, v->id, "{\"description\":\"bell\\u0007\"}",
	    "description");
	refused(v->owner, v->id, "{\"status\":\"active\"}", "status");
	refused(v->owner, v->id, "{\"gstin\":\"29ABCDE1234F1Z5\"}", "gstin");
	refused(v->owner, v->id, "{}", NULL);
	refused(v->owner, v->id, "[]", NULL);
	r = cat_reqf(v->owner, "PATCH", "{\"name\":", "/v1/vendors/%ld",
	    v->id);
	api_expect_problem(r, 400, "invalid-json", NULL);
	api_free(r);
	/* None of it changed anything. */
	r = vendor_get(v->owner, v->id);
	ck_assert_str_eq(r->body, before);
	api_free(r);

	/* Without a location, no service radius; clearing both works. */
	r = cat_callf(w->owner, "PATCH", VENDOR, 400, "{\"service_radius_m\":"
	    "1000}", "/v1/vendors/%ld", w->id);
	api_expect_problem(r, 400, "validation", "service_radius_m");
	api_free(r);
	r = cat_callf(v->owner, "PATCH", VENDOR, 400, "{\"lat\":null,"
	    "\"lon\":null}", "/v1/vendors/%ld", v->id);
	api_expect_problem(r, 400, "validation", "service_radius_m");
	api_free(r);
	r = cat_callf(v->owner, "PATCH", VENDOR, 200, "{\"lat\":null,"
	    "\"lon\":null,\"service_radius_m\":null,\"contact_phone\":null}",
	    "/v1/vendors/%ld", v->id);
	ck_assert(json_is_null(json_object_get(r->json, "lat")));
	ck_assert(json_is_null(json_object_get(r->json, "contact_phone")));
	api_free(r);

	/* Only an admin moves a vendor to another region. */
	r = cat_callf(cat_admin(), "PATCH", VENDOR, 200, body,
	    "/v1/vendors/%ld", v->id);
	ck_assert_int_eq(jint(r->json, "region_id"), strtol(other, NULL, 10));
	api_free(r);
	r = cat_callf(cat_admin(), "PATCH", VENDOR, 400,
	    "{\"region_id\":999999999}", "/v1/vendors/%ld", v->id);
	api_expect_problem(r, 400, "validation", "region_id");
	api_free(r);
	/* Who may not: another vendor's owner (404), its staff (403). */
	r = cat_reqf(w->owner, "PATCH", "{\"name\":\"Mine now\"}",
	    "/v1/vendors/%ld", v->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(staff, "PATCH", "{\"name\":\"Mine now\"}",
	    "/v1/vendors/%ld", v->id);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	r = vendor_get(v->owner, v->id);
	ck_assert_str_eq(jstr(r->json, "name"), v->name);
	after = xstrdup(r->body);
	api_free(r);
	/* The owner's edit is in the audit log, with what it was. */
	ck_assert_int_ge(cat_long1("SELECT count(*) FROM audit_log WHERE "
	    "action = 'vendor.updated' AND target_id = $1::text AND before IS "
	    "NOT NULL AND after IS NOT NULL", v->id), 3);
	free(before);
	free(after);
	free(body);
}
END_TEST

START_TEST(test_suspend_and_reactivate)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	const char		*mine[] = { v->region, NULL };
	struct test_user	*emp = test_user_new(api_base(), "employee",
				    mine);
	char			*phone = test_phone(), *path, *reason;
	const char		*p[2] = { phone, NULL };
	struct api_resp		*r;
	json_t			*m;
	long			 cat, listing;
	char			 uid[24];

	snprintf(uid, sizeof uid, "%ld", v->owner->id);
	p[1] = uid;
	PQclear(test_sql("UPDATE users SET phone = $1 WHERE id = $2", 2, p));
	cat = cat_category(0, "none");
	listing = cat_live(v->owner, cat, "Basmati rice 5 kg", 54900, 10,
	    NULL);
	path = xasprintf("/v1/products?vendor_id=%ld", v->id);
	r = cat_call(NULL, "GET", path, "/v1/products", 200, NULL);
	ck_assert(jhas_id(json_object_get(r->json, "data"), listing));
	api_free(r);

	/* A reason is required: the owner is told why. */
	r = cat_callf(emp, "POST", "/v1/vendors/{id}/suspend", 400, "{}",
	    "/v1/vendors/%ld/suspend", v->id);
	api_expect_problem(r, 400, "validation", "reason");
	api_free(r);
	r = cat_callf(emp, "POST", "/v1/vendors/{id}/suspend", 415, NULL,
	    "/v1/vendors/%ld/suspend", v->id);
	api_free(r);
	r = cat_callf(emp, "POST", "/v1/vendors/{id}/suspend", 400,
	    "{\"reason\":\"\"}", "/v1/vendors/%ld/suspend", v->id);
	api_expect_problem(r, 400, "validation", "reason");
	api_free(r);
	/* Its own people cannot suspend it. */
	r = cat_reqf(v->owner, "POST", "{\"reason\":\"Holiday\"}",
	    "/v1/vendors/%ld/suspend", v->id);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM vendors WHERE id = $1"
	    " AND status = 'active'", v->id), 1);

	reason = cat_word("Expired FSSAI licence ");
	/* Messages greet the owner by name, though nobody passed it. */
	{
		char		 id[24];
		const char	*params[1] = { id };

		snprintf(id, sizeof id, "%ld", v->owner->id);
		PQclear(test_sql("UPDATE users SET name = 'Meera Iyer' WHERE"
		    " id = $1", 1, params));
	}
	{
		char *body = xasprintf("{\"reason\":\"%s\"}", reason);

		r = cat_callf(emp, "POST", "/v1/vendors/{id}/suspend", 200, body,
		    "/v1/vendors/%ld/suspend", v->id);
		free(body);
	}
	ck_assert_str_eq(jstr(r->json, "status"), "suspended");
	ck_assert_str_eq(jstr(r->json, "status_reason"), reason);
	api_free(r);
	/* Its listings are gone for customers at once. */
	r = cat_call(NULL, "GET", path, "/v1/products", 200, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")), 0);
	api_free(r);
	r = cat_reqf(NULL, "GET", NULL, "/v1/products/%ld", listing);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_call(NULL, "GET", "/v1/products?q=basmati&limit=100",
	    "/v1/products", 200, NULL);
	ck_assert(!jhas_id(json_object_get(r->json, "data"), listing));
	api_free(r);
	/* The owner hears of it by email and SMS, with the reason. */
	m = test_outbox_wait("email", v->owner->email, reason, 10);
	ck_assert_msg(m != NULL, "no email to the owner");
	json_decref(m);
	m = test_outbox_wait("email", v->owner->email, "Hello Meera Iyer,", 10);
	ck_assert_msg(m != NULL, "the email does not greet the owner");
	json_decref(m);
	m = test_outbox_wait("sms", phone, reason, 10);
	ck_assert_msg(m != NULL, "no SMS to the owner");
	json_decref(m);
	/* Live views hear of it; the audit log has it. */
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM events WHERE topic = "
	    "'vendor:' || $1 AND type = 'vendor.suspended'", v->id), 1);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM audit_log WHERE "
	    "action = 'vendor.suspended' AND target_id = $1::text", v->id), 1);
	/* Twice is a conflict. */
	r = cat_callf(emp, "POST", "/v1/vendors/{id}/suspend", 422,
	    "{\"reason\":\"Again\"}", "/v1/vendors/%ld/suspend", v->id);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);

	/* Reactivated: back for customers, the owner told. */
	r = cat_callf(emp, "POST", "/v1/vendors/{id}/reactivate", 200, "{}",
	    "/v1/vendors/%ld/reactivate", v->id);
	ck_assert_str_eq(jstr(r->json, "status"), "active");
	api_free(r);
	r = cat_call(NULL, "GET", path, "/v1/products", 200, NULL);
	ck_assert(jhas_id(json_object_get(r->json, "data"), listing));
	api_free(r);
	r = cat_callf(NULL, "GET", "/v1/products/{id}", 200, NULL,
	    "/v1/products/%ld", listing);
	api_free(r);
	m = test_outbox_wait("sms", phone, "active again", 10);
	ck_assert_msg(m != NULL, "no SMS to the owner");
	json_decref(m);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM events WHERE topic = "
	    "'vendor:' || $1 AND type = 'vendor.reactivated'", v->id), 1);
	r = cat_callf(emp, "POST", "/v1/vendors/{id}/reactivate", 422, "{}",
	    "/v1/vendors/%ld/reactivate", v->id);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	r = cat_callf(emp, "POST", "/v1/vendors/{id}/reactivate", 400,
	    "{\"why\":\"x\"}", "/v1/vendors/%ld/reactivate", v->id);
	api_expect_problem(r, 400, "validation", "why");
	api_free(r);
	free(path);
	free(reason);
}
END_TEST

START_TEST(test_notes_and_visits)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	char			*far = test_region_new("Notland");
	const char		*mine[] = { v->region, NULL }, *theirs[] = {
				    far, NULL };
	struct test_user	*emp = test_user_new(api_base(), "employee",
				    mine);
	struct test_user	*tele = test_user_new(api_base(), "telecaller",
				    mine);
	struct test_user	*stranger = test_user_new(api_base(),
				    "employee", theirs);
	struct api_resp		*r;
	json_t			*d;
	const char		*next;
	long			 note, visit;

	PQclear(test_sql("UPDATE users SET name = 'Meera' WHERE id = $1", 1,
	    (const char *[]){ xasprintf("%ld", emp->id) }));
	r = cat_callf(emp, "POST", "/v1/vendors/{id}/notes", 201,
	    "{\"kind\":\"note\",\"body\":\"Wants help with photos.\\nCall "
	    "Monday.\"}", "/v1/vendors/%ld/notes", v->id);
	note = jint(r->json, "id");
	ck_assert_int_eq(jint(r->json, "author_id"), emp->id);
	ck_assert_str_eq(jstr(r->json, "author_name"), "Meera");
	api_free(r);
	r = cat_callf(emp, "POST", "/v1/vendors/{id}/notes", 201,
	    "{\"kind\":\"visit\",\"body\":\"Visited the shop.\",\"visited_at\":"
	    "\"2026-11-20T10:30:00+05:30\"}", "/v1/vendors/%ld/notes", v->id);
	visit = jint(r->json, "id");
	ck_assert_str_eq(jstr(r->json, "visited_at"),
	    "2026-11-20T05:00:00.000Z");
	api_free(r);
	/* A visit says when; a note does not; nothing else is either. */
	{
		static const char *const bad[][2] = {
			{ "{\"kind\":\"visit\",\"body\":\"x\"}", "visited_at" },
			{ "{\"kind\":\"note\",\"body\":\"x\",\"visited_at\":"
			  "\"2026-11-20T10:30:00Z\"}", "visited_at" },
			{ "{\"kind\":\"visit\",\"body\":\"x\",\"visited_at\":"
			  "\"yesterday\"}", "visited_at" },
			{ "{\"kind\":\"call\",\"body\":\"x\"}", "kind" },
			{ "{\"kind\":\"note\"}", "body" },
			{ "{\"kind\":\"note\",\"body\":\"\"}", "body" },
			{ "{\"kind\":\"note\",\"body\":\"a\\u001bb\"}", "body" },
			{ "{\"body\":\"x\"}", "kind" },
			{ "{\"kind\":\"note\",\"body\":\"x\",\"author_id\":1}",
			  "author_id" },
		};
		size_t	i;

		for (i = 0; i < API_N(bad); i++) {
			r = cat_reqf(emp, "POST", bad[i][0],
			    "/v1/vendors/%ld/notes", v->id);
			ck_assert_msg(r->status == 400, "%s: %ld %s", bad[i][0],
			    r->status, r->body);
			api_expect_problem(r, 400, "validation", bad[i][1]);
			api_free(r);
		}
	}
	/* Newest first, a page at a time; telecallers read them too. */
	r = cat_callf(tele, "GET", "/v1/vendors/{id}/notes", 200, NULL,
	    "/v1/vendors/%ld/notes?limit=1", v->id);
	d = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(d), 1);
	ck_assert_int_eq(jint(json_array_get(d, 0), "id"), visit);
	next = jstr(r->json, "next");
	ck_assert_ptr_nonnull(next);
	{
		struct api_resp *r2 = cat_callf(tele, "GET",
		    "/v1/vendors/{id}/notes", 200, NULL,
		    "/v1/vendors/%ld/notes?limit=1&after=%s", v->id, next);

		d = json_object_get(r2->json, "data");
		ck_assert_int_eq(jint(json_array_get(d, 0), "id"), note);
		ck_assert(json_is_null(json_object_get(r2->json, "next")));
		api_free(r2);
	}
	api_free(r);
	r = cat_reqf(tele, "POST", "{\"kind\":\"note\",\"body\":\"x\"}",
	    "/v1/vendors/%ld/notes", v->id);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	/* Not for staff of elsewhere, nor for the vendor itself. */
	r = cat_reqf(stranger, "GET", NULL, "/v1/vendors/%ld/notes", v->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(v->owner, "GET", NULL, "/v1/vendors/%ld/notes", v->id);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	r = cat_reqf(emp, "GET", NULL, "/v1/vendors/%ld/notes?after=x",
	    v->id);
	api_expect_problem(r, 400, "validation", "after");
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM vendor_notes WHERE "
	    "vendor_id = $1", v->id), 2);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM audit_log WHERE "
	    "action IN ('vendor.note_added', 'vendor.visit_recorded') AND "
	    "target_id = $1::text", v->id), 2);
}
END_TEST

/* The user's role and vendor, from the database. */
static char *
role_of(long user)
{
	PGresult	*res;
	char		 id[24], *s;
	const char	*p[1] = { id };

	snprintf(id, sizeof id, "%ld", user);
	res = test_sql("SELECT role || ':' || coalesce(vendor_id::text, '-') "
	    "FROM users WHERE id = $1", 1, p);
	s = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return s;
}

START_TEST(test_team)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_vendor	*w = test_vendor_new(api_base(), NULL);
	struct test_user	*cust = test_user_new(api_base(), "customer",
				    NULL);
	struct test_user	*emp = test_user_new(api_base(), "employee",
				    NULL);
	struct test_user	*staff;
	struct api_resp		*r;
	char			*body, *phone = test_phone(), *want;
	long			 newbie, invitation;
	json_t			*m;

	/*
	 * An existing customer is invited, not changed: their account stays
	 * theirs until they accept.
	 */
	body = xasprintf("{\"name\":\"Asha\",\"email\":\"%s\"}", cust->email);
	r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/staff", 202, body,
	    "/v1/vendors/%ld/staff", v->id);
	ck_assert_int_eq(jint(r->json, "user_id"), cust->id);
	ck_assert_str_eq(jstr(r->json, "state"), "pending");
	invitation = jint(r->json, "id");
	api_free(r);
	ck_assert_str_eq(role_of(cust->id), "customer:-");
	m = test_outbox_wait("email", cust->email, "would like you", 10);
	ck_assert_msg(m != NULL, "the invitee was not told");
	json_decref(m);
	r = cat_call(cust, "GET", "/v1/me/invitations", "/v1/me/invitations",
	    200, NULL);
	ck_assert(jhas_id(json_object_get(r->json, "data"), invitation));
	api_free(r);
	/* Nobody else can accept it. */
	r = cat_reqf(emp, "POST", NULL, "/v1/me/invitations/%ld/accept",
	    invitation);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* Accepted: staff of the vendor, and the old token stops. */
	r = cat_callf(cust, "POST", "/v1/me/invitations/{id}/accept", 200,
	    NULL, "/v1/me/invitations/%ld/accept", invitation);
	ck_assert_str_eq(jstr(r->json, "state"), "accepted");
	api_free(r);
	want = xasprintf("vendor_staff:%ld", v->id);
	ck_assert_str_eq(role_of(cust->id), want);
	r = test_user_request(api_base(), cust, "GET", "/v1/me", NULL);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	test_user_login(api_base(), cust);
	r = cat_call(cust, "GET", "/v1/listings", "/v1/listings", 200, NULL);
	api_free(r);
	r = cat_reqf(cust, "POST", NULL, "/v1/me/invitations/%ld/accept",
	    invitation);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	/* Declined, revoked and expired invitations change nobody. */
	{
		struct test_user	*c2 = test_user_new(api_base(),
					    "customer", NULL);
		char			*b2 = xasprintf("{\"name\":\"Ravi\","
					    "\"email\":\"%s\"}", c2->email);
		char			 id[24];
		long			 inv;

		r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/staff", 202,
		    b2, "/v1/vendors/%ld/staff", v->id);
		inv = jint(r->json, "id");
		api_free(r);
		r = cat_callf(c2, "POST", "/v1/me/invitations/{id}/decline",
		    200, NULL, "/v1/me/invitations/%ld/decline", inv);
		ck_assert_str_eq(jstr(r->json, "state"), "declined");
		api_free(r);
		/* Asked again: a new invitation, which the owner revokes. */
		r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/staff", 202,
		    b2, "/v1/vendors/%ld/staff", v->id);
		inv = jint(r->json, "id");
		api_free(r);
		r = cat_callf(v->owner, "GET", "/v1/vendors/{id}/invitations",
		    200, NULL, "/v1/vendors/%ld/invitations", v->id);
		ck_assert(jhas_id(json_object_get(r->json, "data"), inv));
		api_free(r);
		r = cat_callf(v->owner, "DELETE",
		    "/v1/vendors/{id}/invitations/{invitation_id}", 204, NULL,
		    "/v1/vendors/%ld/invitations/%ld", v->id, inv);
		api_free(r);
		r = cat_reqf(c2, "POST", NULL, "/v1/me/invitations/%ld/accept",
		    inv);
		api_expect_problem(r, 422, "unprocessable", NULL);
		api_free(r);
		/* A third, left past its week. */
		r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/staff", 202,
		    b2, "/v1/vendors/%ld/staff", v->id);
		inv = jint(r->json, "id");
		api_free(r);
		snprintf(id, sizeof id, "%ld", inv);
		PQclear(test_sql("UPDATE vendor_invitations SET expires_at ="
		    " now() - interval '1 minute' WHERE id = $1", 1,
		    (const char *[]){ id }));
		r = cat_reqf(c2, "POST", NULL, "/v1/me/invitations/%ld/accept",
		    inv);
		api_expect_problem(r, 422, "unprocessable", NULL);
		api_free(r);
		ck_assert_str_eq(role_of(c2->id), "customer:-");
		/* Another vendor's owner cannot see or revoke them. */
		r = cat_reqf(w->owner, "GET", NULL,
		    "/v1/vendors/%ld/invitations", v->id);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		free(b2);
	}
	/* Twice is a conflict; so is anyone who is not a customer. */
	r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/staff", 409, body,
	    "/v1/vendors/%ld/staff", v->id);
	api_expect_problem(r, 409, "conflict", NULL);
	api_free(r);
	free(body);
	body = xasprintf("{\"name\":\"Emp\",\"email\":\"%s\"}", emp->email);
	r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/staff", 409, body,
	    "/v1/vendors/%ld/staff", v->id);
	api_expect_problem(r, 409, "conflict", NULL);
	api_free(r);
	free(body);
	body = xasprintf("{\"name\":\"Rival\",\"email\":\"%s\"}",
	    w->owner->email);
	r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/staff", 409, body,
	    "/v1/vendors/%ld/staff", v->id);
	api_expect_problem(r, 409, "conflict", NULL);
	api_free(r);
	free(body);
	/* The phone of one account and the email of another: refused. */
	PQclear(test_sql("UPDATE users SET phone = $1 WHERE id = $2", 2,
	    (const char *[]){ phone, xasprintf("%ld", emp->id) }));
	body = xasprintf("{\"name\":\"Mix\",\"phone\":\"%s\",\"email\":\"%s\"}",
	    phone, cust->email);
	r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/staff", 409, body,
	    "/v1/vendors/%ld/staff", v->id);
	api_expect_problem(r, 409, "conflict", NULL);
	api_free(r);
	free(body);
	ck_assert_str_eq(role_of(emp->id), "employee:-");

	/* Someone new, by phone: an account is made and told by SMS. */
	phone = test_phone();
	body = xasprintf("{\"name\":\"Kiran\",\"phone\":\"0%s\"}", phone + 3);
	r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/staff", 201, body,
	    "/v1/vendors/%ld/staff", v->id);
	newbie = jint(r->json, "id");
	ck_assert_str_eq(jstr(r->json, "phone"), phone);
	ck_assert_str_eq(jstr(r->json, "name"), "Kiran");
	api_free(r);
	free(body);
	want = xasprintf("vendor_staff:%ld", v->id);
	ck_assert_str_eq(role_of(newbie), want);
	m = test_outbox_wait("sms", phone, v->name, 10);
	ck_assert_msg(m != NULL, "the new member got no SMS");
	json_decref(m);
	/* What is not a way to reach anyone. */
	{
		static const char *const bad[][2] = {
			{ "{\"name\":\"X\"}", "phone" },
			{ "{\"name\":\"X\",\"phone\":\"12345\"}", "phone" },
			{ "{\"name\":\"X\",\"email\":\"nobody\"}", "email" },
			{ "{\"phone\":\"+919876543210\"}", "name" },
			{ "{\"name\":\"X\\nY\",\"phone\":\"+919876543210\"}",
			  "name" },
			{ "{\"name\":\"X\",\"phone\":\"+919876543210\","
			  "\"role\":\"vendor_owner\"}", "role" },
		};
		size_t	i;

		for (i = 0; i < API_N(bad); i++) {
			r = cat_reqf(v->owner, "POST", bad[i][0],
			    "/v1/vendors/%ld/staff", v->id);
			api_expect(r, 400, "POST", "/v1/vendors/{id}/staff");
			api_expect_problem(r, 400, "validation", bad[i][1]);
			api_free(r);
		}
	}
	/* The team: the owner and the two. */
	r = cat_callf(v->owner, "GET", "/v1/vendors/{id}/staff", 200, NULL,
	    "/v1/vendors/%ld/staff", v->id);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")),
	    3);
	ck_assert(jhas_id(json_object_get(r->json, "data"), v->owner->id));
	api_free(r);
	/* Another vendor's owner sees and touches none of it. */
	r = cat_reqf(w->owner, "GET", NULL, "/v1/vendors/%ld/staff", v->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(w->owner, "POST", "{\"name\":\"X\",\"phone\":"
	    "\"+919876543219\"}", "/v1/vendors/%ld/staff", v->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(w->owner, "DELETE", NULL, "/v1/vendors/%ld/staff/%ld",
	    v->id, cust->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* Staff do not manage the team. */
	r = cat_reqf(cust, "POST", "{\"name\":\"X\",\"phone\":"
	    "\"+919876543219\"}", "/v1/vendors/%ld/staff", v->id);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);

	/* Removed: a customer again, signed out. */
	r = cat_reqf(v->owner, "DELETE", NULL, "/v1/vendors/%ld/staff/%ld",
	    v->id, cust->id);
	api_expect(r, 204, "DELETE", "/v1/vendors/{id}/staff/{user_id}");
	api_free(r);
	ck_assert_str_eq(role_of(cust->id), "customer:-");
	r = test_user_request(api_base(), cust, "GET", "/v1/listings", NULL);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	test_user_login(api_base(), cust);
	r = test_user_request(api_base(), cust, "GET", "/v1/listings", NULL);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	/* The owner cannot be removed, nor can someone not on the team. */
	r = cat_reqf(v->owner, "DELETE", NULL, "/v1/vendors/%ld/staff/%ld",
	    v->id, v->owner->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	ck_assert_str_eq(role_of(v->owner->id), xasprintf("vendor_owner:%ld",
	    v->id));
	r = cat_reqf(v->owner, "DELETE", NULL, "/v1/vendors/%ld/staff/%ld",
	    v->id, cust->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	staff = test_vendor_staff(api_base(), w);
	r = cat_reqf(v->owner, "DELETE", NULL, "/v1/vendors/%ld/staff/%ld",
	    v->id, staff->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	ck_assert_str_eq(role_of(staff->id), xasprintf("vendor_staff:%ld",
	    w->id));
}
END_TEST

START_TEST(test_locations)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_vendor	*w = test_vendor_new(api_base(), NULL);
	struct test_user	*staff = test_vendor_staff(api_base(), v);
	struct api_resp		*r;
	json_t			*d;
	long			 wh;

	/* Every vendor starts with its main store. */
	r = cat_callf(staff, "GET", "/v1/vendors/{id}/locations", 200, NULL,
	    "/v1/vendors/%ld/locations", v->id);
	d = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(d), 1);
	ck_assert_str_eq(jstr(json_array_get(d, 0), "name"), "Main store");
	ck_assert_int_eq(jint(json_array_get(d, 0), "id"), v->location);
	api_free(r);

	r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/locations", 201,
	    "{\"name\":\"Warehouse\",\"address\":\"Plot 4, KIADB\","
	    "\"pincode\":\"562106\"}", "/v1/vendors/%ld/locations", v->id);
	wh = jint(r->json, "id");
	ck_assert(json_is_true(json_object_get(r->json, "active")));
	api_free(r);
	/* Names are unique per vendor, not across vendors. */
	r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/locations", 400,
	    "{\"name\":\"Warehouse\"}", "/v1/vendors/%ld/locations", v->id);
	api_expect_problem(r, 400, "validation", "name");
	api_free(r);
	r = cat_callf(w->owner, "POST", "/v1/vendors/{id}/locations", 201,
	    "{\"name\":\"Warehouse\"}", "/v1/vendors/%ld/locations", w->id);
	api_free(r);
	r = cat_callf(v->owner, "PATCH",
	    "/v1/vendors/{id}/locations/{location_id}", 400,
	    "{\"name\":\"Main store\"}", "/v1/vendors/%ld/locations/%ld",
	    v->id, wh);
	api_expect_problem(r, 400, "validation", "name");
	api_free(r);
	{
		static const char *const bad[][2] = {
			{ "{}", "name" },
			{ "{\"name\":\"\"}", "name" },
			{ "{\"name\":\"A\\tB\"}", "name" },
			{ "{\"name\":\"Shop\",\"pincode\":\"12345\"}", "pincode" },
			{ "{\"name\":\"Shop\",\"active\":\"yes\"}", "active" },
			{ "{\"name\":\"Shop\",\"lat\":1}", "lat" },
		};
		size_t	i;

		for (i = 0; i < API_N(bad); i++) {
			r = cat_reqf(v->owner, "POST", bad[i][0],
			    "/v1/vendors/%ld/locations", v->id);
			api_expect(r, 400, "POST", "/v1/vendors/{id}/locations");
			api_expect_problem(r, 400, "validation", bad[i][1]);
			api_free(r);
		}
	}
	r = cat_callf(v->owner, "PATCH",
	    "/v1/vendors/{id}/locations/{location_id}", 400, "{}",
	    "/v1/vendors/%ld/locations/%ld", v->id, wh);
	api_free(r);
	r = cat_callf(v->owner, "PATCH",
	    "/v1/vendors/{id}/locations/{location_id}", 200,
	    "{\"name\":\"Old warehouse\",\"active\":false,\"pincode\":null}",
	    "/v1/vendors/%ld/locations/%ld", v->id, wh);
	ck_assert_str_eq(jstr(r->json, "name"), "Old warehouse");
	ck_assert(json_is_false(json_object_get(r->json, "active")));
	ck_assert(json_is_null(json_object_get(r->json, "pincode")));
	api_free(r);
	/* The other vendor's location is not on this vendor's path. */
	{
		long wl = w->location;

		r = cat_reqf(v->owner, "PATCH", "{\"name\":\"Taken\"}",
		    "/v1/vendors/%ld/locations/%ld", v->id, wl);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		r = cat_reqf(v->owner, "PATCH", "{\"name\":\"Taken\"}",
		    "/v1/vendors/%ld/locations/%ld", w->id, wl);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		ck_assert_int_eq(cat_long1("SELECT count(*) FROM "
		    "stock_locations WHERE id = $1 AND name = 'Main store'",
		    wl), 1);
	}
	r = cat_reqf(v->owner, "GET", NULL, "/v1/vendors/%ld/locations",
	    w->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(staff, "GET", NULL, "/v1/vendors/%ld/locations", w->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(w->owner, "POST", "{\"name\":\"Sneaky\"}",
	    "/v1/vendors/%ld/locations", v->id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* Staff read locations; the owner changes them. */
	r = cat_reqf(staff, "POST", "{\"name\":\"Kiosk\"}",
	    "/v1/vendors/%ld/locations", v->id);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM stock_locations WHERE"
	    " vendor_id = $1", v->id), 2);
	/* Admins manage any vendor's. */
	r = cat_callf(cat_admin(), "POST", "/v1/vendors/{id}/locations", 201,
	    "{\"name\":\"Dark store\"}", "/v1/vendors/%ld/locations", v->id);
	api_free(r);
	r = cat_callf(staff, "GET", "/v1/vendors/{id}/locations", 200, NULL,
	    "/v1/vendors/%ld/locations", v->id);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")),
	    3);
	api_free(r);
}
END_TEST

/* No value of any field gets more than a 4xx. */
START_TEST(test_any_value_of_any_field)
{
	static const char *const profile[] = {
		"name", "description", "address", "pincode", "region_id",
		"lat", "lon", "service_pincodes", "service_radius_m",
		"opening_hours", "timezone", "contact_name", "contact_phone",
		"contact_email", "status", NULL,
	};
	static const char *const note[] = { "kind", "body", "visited_at",
	    NULL };
	static const char *const staff[] = { "name", "phone", "email", NULL };
	static const char *const location[] = { "name", "address", "pincode",
	    "active", NULL };
	static const char *const reason[] = { "reason", NULL };
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_user	*emp = test_user_new(api_base(), "employee",
				    (const char *[]){ v->region, NULL });
	char			*path;

	path = xasprintf("/v1/vendors/%ld", v->id);
	cat_fuzz(cat_admin(), "PATCH", path, VENDOR, "{\"lat\":12.9,"
	    "\"lon\":77.6}", profile, 200);
	free(path);
	path = xasprintf("/v1/vendors/%ld/notes", v->id);
	cat_fuzz(emp, "POST", path, "/v1/vendors/{id}/notes", "{\"kind\":"
	    "\"visit\",\"body\":\"x\",\"visited_at\":"
	    "\"2026-01-01T10:00:00Z\"}", note, 201);
	free(path);
	path = xasprintf("/v1/vendors/%ld/staff", v->id);
	cat_fuzz(v->owner, "POST", path, "/v1/vendors/{id}/staff",
	    "{\"name\":\"X\"}", staff, 201);
	free(path);
	path = xasprintf("/v1/vendors/%ld/locations", v->id);
	cat_fuzz(v->owner, "POST", path, "/v1/vendors/{id}/locations",
	    "{\"name\":\"Fuzz\"}", location, 201);
	free(path);
	path = xasprintf("/v1/vendors/%ld/locations/%ld", v->id, v->location);
	cat_fuzz(v->owner, "PATCH", path,
	    "/v1/vendors/{id}/locations/{location_id}", "{}", location, 200);
	free(path);
	path = xasprintf("/v1/vendors/%ld/suspend", v->id);
	cat_fuzz(emp, "POST", path, "/v1/vendors/{id}/suspend", "{}", reason,
	    200);
	free(path);
	path = xasprintf("/v1/vendors/%ld/reactivate", v->id);
	cat_fuzz(emp, "POST", path, "/v1/vendors/{id}/reactivate", "{}",
	    reason, 200);
	free(path);
}
END_TEST

Suite *
vendors_suite(void)
{
	Suite	*s = suite_create("vendors");
	TCase	*tc = tcase_create("vendors");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_public_and_private_profile);
	tcase_add_test(tc, test_staff_see_their_regions_only);
	tcase_add_test(tc, test_list_filters_and_pages);
	tcase_add_test(tc, test_profile_edits);
	tcase_add_test(tc, test_suspend_and_reactivate);
	tcase_add_test(tc, test_notes_and_visits);
	tcase_add_test(tc, test_team);
	tcase_add_test(tc, test_locations);
	tcase_add_test(tc, test_any_value_of_any_field);
	suite_add_tcase(s, tc);
	return s;
}
