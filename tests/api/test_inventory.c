/*
 * Inventory: a vendor restocks and adjusts a variant's stock per
 * location, each change a ledger line with what it left; units are held,
 * sold or given back, never below zero, however many ask at once; low
 * stock tells the vendor's people, and holds past their time lapse.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "catalog.h"
#include "suites.h"

#define STOCK		"/v1/variants/{id}/stock"
#define MOVEMENTS	"/v1/variants/{id}/movements"
#define RESERVATIONS	"/v1/variants/{id}/reservations"

static struct api_resp *
stock_change(const struct test_user *u, long variant, long status,
    const char *body)
{
	return cat_callf(u, "POST", STOCK, status, body,
	    "/v1/variants/%ld/stock", variant);
}

static struct api_resp *
reserve(const struct test_user *u, long variant, long status,
    const char *body)
{
	return cat_callf(u, "POST", RESERVATIONS, status, body,
	    "/v1/variants/%ld/reservations", variant);
}

static struct api_resp *
close_hold(const struct test_user *u, long id, const char *how, long status)
{
	char		*pattern = xasprintf("/v1/reservations/{id}/%s", how);
	struct api_resp	*r;

	r = cat_callf(u, "POST", pattern, status, NULL,
	    "/v1/reservations/%ld/%s", id, how);
	free(pattern);
	return r;
}

/* The variant's stock in all as "available/reserved". */
static char *
level(const struct test_user *u, long variant)
{
	struct api_resp	*r = cat_callf(u, "GET", STOCK, 200, NULL,
			    "/v1/variants/%ld/stock", variant);
	char		*s = xasprintf("%ld/%ld", jint(r->json, "available"),
			    jint(r->json, "reserved"));

	api_free(r);
	return s;
}

static long
ledger_lines(long variant)
{
	return cat_long1("SELECT count(*) FROM stock_movements WHERE "
	    "variant_id = $1", variant);
}

START_TEST(test_restock_and_adjust)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_vendor	*w = test_vendor_new(api_base(), NULL);
	struct test_user	*staff = test_vendor_staff(api_base(), v);
	long			 cat = cat_category(0, "none"), variant, wh;
	struct api_resp		*r;
	char			*body;
	json_t			*d, *m;
	size_t			 i;

	cat_listing(v->owner, cat, "Ragi flour 1 kg", 6500, 0, &variant);
	ck_assert_str_eq(level(staff, variant), "0/0");
	ck_assert_int_eq(ledger_lines(variant), 0);
	body = xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
	    "\"quantity\":10,\"note\":\"Delivery from the mill\"}",
	    v->location);
	r = stock_change(staff, variant, 200, body);
	free(body);
	ck_assert_int_eq(jint(r->json, "available"), 10);
	d = json_object_get(r->json, "locations");
	ck_assert_uint_eq(json_array_size(d), 1);
	ck_assert_int_eq(jint(json_array_get(d, 0), "location_id"),
	    v->location);
	ck_assert_int_eq(jint(json_array_get(d, 0), "available"), 10);
	api_free(r);

	/* Adjustments say why, and never take stock below zero. */
	body = xasprintf("{\"location_id\":%ld,\"kind\":\"adjustment\","
	    "\"quantity\":-3}", v->location);
	r = stock_change(staff, variant, 400, body);
	api_expect_problem(r, 400, "validation", "note");
	api_free(r);
	free(body);
	body = xasprintf("{\"location_id\":%ld,\"kind\":\"adjustment\","
	    "\"quantity\":-3,\"note\":\"Torn bags\"}", v->location);
	r = stock_change(v->owner, variant, 200, body);
	ck_assert_int_eq(jint(r->json, "available"), 7);
	api_free(r);
	free(body);
	body = xasprintf("{\"location_id\":%ld,\"kind\":\"adjustment\","
	    "\"quantity\":-8,\"note\":\"Counted\"}", v->location);
	r = stock_change(v->owner, variant, 409, body);
	api_expect_problem(r, 409, "conflict", NULL);
	api_free(r);
	free(body);
	ck_assert_str_eq(level(staff, variant), "7/0");
	ck_assert_int_eq(ledger_lines(variant), 2);

	/* Whatever else is refused changes nothing either. */
	{
		const char *bad[][2] = {
			{ xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
			  "\"quantity\":0}", v->location), "quantity" },
			{ xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
			  "\"quantity\":-5}", v->location), "quantity" },
			{ xasprintf("{\"location_id\":%ld,\"kind\":"
			  "\"adjustment\",\"quantity\":0,\"note\":\"x\"}",
			  v->location), "quantity" },
			{ xasprintf("{\"location_id\":%ld,\"kind\":\"sale\","
			  "\"quantity\":1}", v->location), "kind" },
			{ xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
			  "\"quantity\":10000001}", v->location), "quantity" },
			{ xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
			  "\"quantity\":\"5\"}", v->location), "quantity" },
			{ xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
			  "\"quantity\":2.5}", v->location), "quantity" },
			{ xasprintf("{\"location_id\":%ld,\"kind\":"
			  "\"adjustment\",\"quantity\":1,\"note\":\"a\\nb\"}",
			  v->location), "note" },
			{ xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
			  "\"quantity\":1,\"at\":\"now\"}", v->location), "at" },
			{ xstrdup("{\"kind\":\"restock\",\"quantity\":1}"),
			  "location_id" },
			/* Another vendor's location. */
			{ xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
			  "\"quantity\":5}", w->location), "location_id" },
			{ xstrdup("{\"location_id\":999999999,\"kind\":"
			  "\"restock\",\"quantity\":5}"), "location_id" },
		};

		for (i = 0; i < API_N(bad); i++) {
			r = cat_reqf(v->owner, "POST", bad[i][0],
			    "/v1/variants/%ld/stock", variant);
			ck_assert_msg(r->status == 400, "%s: %ld %s", bad[i][0],
			    r->status, r->body);
			api_expect(r, 400, "POST", STOCK);
			api_expect_problem(r, 400, "validation", bad[i][1]);
			api_free(r);
		}
	}
	ck_assert_str_eq(level(staff, variant), "7/0");
	ck_assert_int_eq(ledger_lines(variant), 2);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM stock WHERE "
	    "location_id = $1", w->location), 0);

	/* A second location: counted apart and in the total. */
	r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/locations", 201,
	    "{\"name\":\"Godown\"}", "/v1/vendors/%ld/locations", v->id);
	wh = jint(r->json, "id");
	api_free(r);
	body = xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
	    "\"quantity\":5}", wh);
	r = stock_change(v->owner, variant, 200, body);
	free(body);
	ck_assert_int_eq(jint(r->json, "available"), 12);
	d = json_object_get(r->json, "locations");
	ck_assert_uint_eq(json_array_size(d), 2);
	ck_assert_int_eq(jint(json_array_get(d, 1), "available"), 5);
	api_free(r);

	/* The ledger, newest first, each line with what it left. */
	r = cat_callf(staff, "GET", MOVEMENTS, 200, NULL,
	    "/v1/variants/%ld/movements", variant);
	d = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(d), 3);
	m = json_array_get(d, 0);
	ck_assert_str_eq(jstr(m, "kind"), "restock");
	ck_assert_int_eq(jint(m, "location_id"), wh);
	ck_assert_int_eq(jint(m, "available_delta"), 5);
	ck_assert_int_eq(jint(m, "available_after"), 5);
	m = json_array_get(d, 1);
	ck_assert_str_eq(jstr(m, "kind"), "adjustment");
	ck_assert_int_eq(jint(m, "available_delta"), -3);
	ck_assert_int_eq(jint(m, "available_after"), 7);
	ck_assert_str_eq(jstr(m, "note"), "Torn bags");
	ck_assert_int_eq(jint(m, "actor_id"), v->owner->id);
	m = json_array_get(d, 2);
	ck_assert_int_eq(jint(m, "available_after"), 10);
	ck_assert_int_eq(jint(m, "actor_id"), staff->id);
	ck_assert_str_eq(jstr(m, "note"), "Delivery from the mill");
	api_free(r);
	r = cat_callf(staff, "GET", MOVEMENTS, 200, NULL,
	    "/v1/variants/%ld/movements?limit=2", variant);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")),
	    2);
	{
		struct api_resp *r2 = cat_callf(staff, "GET", MOVEMENTS, 200,
		    NULL, "/v1/variants/%ld/movements?limit=2&after=%s",
		    variant, jstr(r->json, "next"));

		d = json_object_get(r2->json, "data");
		ck_assert_uint_eq(json_array_size(d), 1);
		ck_assert_str_eq(jstr(json_array_get(d, 0), "note"),
		    "Delivery from the mill");
		ck_assert(json_is_null(json_object_get(r2->json, "next")));
		api_free(r2);
	}
	api_free(r);
	r = cat_reqf(staff, "GET", NULL, "/v1/variants/%ld/movements?after=1",
	    variant);
	api_expect_problem(r, 400, "validation", "after");
	api_free(r);
	r = cat_reqf(staff, "GET", NULL, "/v1/variants/999999999/stock");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	ck_assert_int_ge(cat_long1("SELECT count(*) FROM audit_log WHERE "
	    "action = 'stock.adjusted' AND target_id = $1::text", variant), 3);
}
END_TEST

START_TEST(test_reservations)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_vendor	*w = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), variant, hold,
				 other;
	struct api_resp		*r;
	char			*body;
	json_t			*d;
	size_t			 i;

	cat_listing(v->owner, cat, "Jaggery 500 g", 9000, 5, &variant);
	r = reserve(v->owner, variant, 201, "{\"quantity\":2,\"ref\":"
	    "\"order:1001\",\"expires_in\":900}");
	hold = jint(r->json, "id");
	ck_assert_str_eq(jstr(r->json, "state"), "held");
	ck_assert_int_eq(jint(r->json, "location_id"), v->location);
	ck_assert(!json_is_null(json_object_get(r->json, "expires_at")));
	api_free(r);
	ck_assert_str_eq(level(v->owner, variant), "3/2");
	/* More than is free: refused whole. */
	r = reserve(v->owner, variant, 409, "{\"quantity\":4,\"ref\":"
	    "\"order:1002\"}");
	api_expect_problem(r, 409, "conflict", NULL);
	api_free(r);
	ck_assert_str_eq(level(v->owner, variant), "3/2");
	/* Nor can an adjustment take what is held. */
	body = xasprintf("{\"location_id\":%ld,\"kind\":\"adjustment\","
	    "\"quantity\":-4,\"note\":\"Counted\"}", v->location);
	r = stock_change(v->owner, variant, 409, body);
	api_free(r);
	free(body);

	/* Sold: out of stock for good; only once. */
	r = close_hold(v->owner, hold, "commit", 200);
	ck_assert_str_eq(jstr(r->json, "state"), "committed");
	ck_assert(!json_is_null(json_object_get(r->json, "closed_at")));
	api_free(r);
	ck_assert_str_eq(level(v->owner, variant), "3/0");
	r = close_hold(v->owner, hold, "commit", 422);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	r = close_hold(v->owner, hold, "release", 422);
	api_free(r);
	ck_assert_str_eq(level(v->owner, variant), "3/0");
	/* The vendor's summary counts the sale. */
	r = cat_callf(v->owner, "GET", "/v1/vendors/{id}", 200, NULL,
	    "/v1/vendors/%ld", v->id);
	d = json_object_get(json_object_get(r->json, "summary"), "sales");
	ck_assert_int_eq(jint(d, "units_total"), 2);
	ck_assert_int_eq(jint(d, "units_30d"), 2);
	ck_assert_ptr_nonnull(jstr(d, "last_sale_at"));
	d = json_object_get(json_object_get(r->json, "summary"), "listings");
	ck_assert_int_eq(jint(d, "draft"), 1);
	ck_assert_int_eq(jint(json_object_get(r->json, "summary"),
	    "low_stock_variants"), 1);
	api_free(r);
	/* Released: back on the shelf; only once. */
	r = reserve(v->owner, variant, 201, "{\"quantity\":3,\"ref\":"
	    "\"Kept for Mrs Rao\"}");
	other = jint(r->json, "id");
	ck_assert(json_is_null(json_object_get(r->json, "expires_at")));
	api_free(r);
	ck_assert_str_eq(level(v->owner, variant), "0/3");
	r = reserve(v->owner, variant, 409, "{\"quantity\":1,\"ref\":\"x\"}");
	api_free(r);
	r = close_hold(v->owner, other, "release", 200);
	ck_assert_str_eq(jstr(r->json, "state"), "released");
	api_free(r);
	r = close_hold(v->owner, other, "release", 422);
	api_free(r);
	r = close_hold(v->owner, other, "commit", 422);
	api_free(r);
	ck_assert_str_eq(level(v->owner, variant), "3/0");

	/* The ledger: restock, hold, sale, hold, release. */
	r = cat_callf(v->owner, "GET", MOVEMENTS, 200, NULL,
	    "/v1/variants/%ld/movements", variant);
	d = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(d), 5);
	{
		static const char *const kinds[] = { "release", "reservation",
		    "sale", "reservation", "restock" };
		static const long after[][2] = { { 3, 0 }, { 0, 3 }, { 3, 0 },
		    { 3, 2 }, { 5, 0 } };

		for (i = 0; i < 5; i++) {
			json_t *m = json_array_get(d, i);

			ck_assert_str_eq(jstr(m, "kind"), kinds[i]);
			ck_assert_int_eq(jint(m, "available_after"),
			    after[i][0]);
			ck_assert_int_eq(jint(m, "reserved_after"), after[i][1]);
		}
		ck_assert_int_eq(jint(json_array_get(d, 2), "reservation_id"),
		    hold);
		ck_assert_int_eq(jint(json_array_get(d, 2), "reserved_delta"),
		    -2);
	}
	api_free(r);
	/* The holds, by state. */
	r = cat_callf(v->owner, "GET", RESERVATIONS, 200, NULL,
	    "/v1/variants/%ld/reservations?state=committed", variant);
	d = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(d), 1);
	ck_assert_int_eq(jint(json_array_get(d, 0), "id"), hold);
	api_free(r);
	r = cat_callf(v->owner, "GET", RESERVATIONS, 400, NULL,
	    "/v1/variants/%ld/reservations?state=open", variant);
	api_expect_problem(r, 400, "validation", "state");
	api_free(r);

	/* What is not a hold. */
	{
		const char *bad[][2] = {
			{ xstrdup("{\"quantity\":0,\"ref\":\"x\"}"), "quantity" },
			{ xstrdup("{\"quantity\":-1,\"ref\":\"x\"}"),
			  "quantity" },
			{ xstrdup("{\"quantity\":100001,\"ref\":\"x\"}"),
			  "quantity" },
			{ xstrdup("{\"quantity\":1}"), "ref" },
			{ xstrdup("{\"quantity\":1,\"ref\":\"\"}"), "ref" },
			{ xstrdup("{\"quantity\":1,\"ref\":\"a\\nb\"}"), "ref" },
			{ xstrdup("{\"quantity\":1,\"ref\":\"x\",\"expires_in\":"
			  "10}"), "expires_in" },
			{ xasprintf("{\"quantity\":1,\"ref\":\"x\","
			  "\"location_id\":%ld}", w->location), "location_id" },
		};

		for (i = 0; i < API_N(bad); i++) {
			r = cat_reqf(v->owner, "POST", bad[i][0],
			    "/v1/variants/%ld/reservations", variant);
			ck_assert_msg(r->status == 400, "%s: %ld %s", bad[i][0],
			    r->status, r->body);
			api_expect(r, 400, "POST", RESERVATIONS);
			api_expect_problem(r, 400, "validation", bad[i][1]);
			api_free(r);
		}
	}
	ck_assert_str_eq(level(v->owner, variant), "3/0");
	/* Another vendor's people see no hold of this one's. */
	r = reserve(v->owner, variant, 201, "{\"quantity\":1,\"ref\":\"x\"}");
	other = jint(r->json, "id");
	api_free(r);
	r = cat_reqf(w->owner, "POST", NULL, "/v1/reservations/%ld/commit",
	    other);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(w->owner, "POST", NULL, "/v1/reservations/%ld/release",
	    other);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(w->owner, "GET", NULL, "/v1/variants/%ld/reservations",
	    variant);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = cat_reqf(v->owner, "POST", NULL,
	    "/v1/reservations/999999999/commit");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	ck_assert_str_eq(level(v->owner, variant), "2/1");
	/* Customers hold nothing through this. */
	r = cat_reqf(test_user_new(api_base(), "customer", NULL), "POST",
	    "{\"quantity\":1,\"ref\":\"x\"}", "/v1/variants/%ld/reservations",
	    variant);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
}
END_TEST

START_TEST(test_services_have_no_stock)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), variant;
	struct api_resp		*r;
	char			*body;

	body = xasprintf("{\"kind\":\"service\",\"title\":\"AC servicing\","
	    "\"category_id\":%ld,\"variants\":[{\"sku\":\"AC-SVC\",\"price\":"
	    "59900,\"duration_minutes\":90,\"service_pincodes\":[\"560001\"]}]}",
	    cat);
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    body);
	variant = jint(json_array_get(json_object_get(r->json, "variants"), 0),
	    "id");
	api_free(r);
	free(body);
	r = cat_callf(v->owner, "GET", STOCK, 422, NULL,
	    "/v1/variants/%ld/stock", variant);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	body = xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
	    "\"quantity\":5}", v->location);
	r = stock_change(v->owner, variant, 422, body);
	api_free(r);
	free(body);
	r = reserve(v->owner, variant, 422, "{\"quantity\":1,\"ref\":\"x\"}");
	api_free(r);
	r = cat_callf(v->owner, "GET", MOVEMENTS, 422, NULL,
	    "/v1/variants/%ld/movements", variant);
	api_free(r);
	r = cat_reqf(v->owner, "POST", "{\"sku\":\"AC-2\",\"price\":1,"
	    "\"duration_minutes\":30,\"stock\":4}",
	    "/v1/listings/%ld/variants", cat_long1("SELECT listing_id FROM "
	    "variants WHERE id = $1", variant));
	api_expect_problem(r, 400, "validation", "stock");
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM stock WHERE "
	    "variant_id = $1", variant), 0);
}
END_TEST

START_TEST(test_low_stock_tells_the_vendor)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_user	*staff = test_vendor_staff(api_base(), v);
	long			 cat = cat_category(0, "none"), variant;
	char			*title = cat_word("Ghee 1 L "), *body;
	struct api_resp		*r;
	json_t			*m;

	body = xasprintf("{\"kind\":\"product\",\"title\":\"%s\","
	    "\"category_id\":%ld,\"variants\":[{\"sku\":\"GHEE-1\",\"price\":"
	    "65000,\"low_stock_at\":3,\"stock\":5}]}", title, cat);
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    body);
	variant = jint(json_array_get(json_object_get(r->json, "variants"), 0),
	    "id");
	api_free(r);
	free(body);
	/* Above the level: nothing to say. */
	body = xasprintf("{\"location_id\":%ld,\"kind\":\"adjustment\","
	    "\"quantity\":-1,\"note\":\"Spilt\"}", v->location);
	r = stock_change(v->owner, variant, 200, body);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM jobs WHERE kind = "
	    "'stock.low' AND payload->>'variant_id' = $1::text", variant), 0);
	/* Down to it: one job, and the owner and staff hear of it. */
	r = reserve(staff, variant, 201, "{\"quantity\":1,\"ref\":"
	    "\"order:77\"}");
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM jobs WHERE kind = "
	    "'stock.low' AND payload->>'variant_id' = $1::text", variant), 1);
	m = test_outbox_wait("email", v->owner->email, title, 10);
	ck_assert_msg(m != NULL, "the owner was not told of low stock");
	ck_assert_ptr_nonnull(strstr(jstr(m, "text"), "GHEE-1"));
	ck_assert_ptr_nonnull(strstr(jstr(m, "text"), " 3 "));
	json_decref(m);
	m = test_outbox_wait("email", staff->email, title, 10);
	ck_assert_msg(m != NULL, "the staff were not told of low stock");
	json_decref(m);
	/* Further down it is still low: no second message. */
	r = stock_change(v->owner, variant, 200, body);
	api_free(r);
	free(body);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM jobs WHERE kind = "
	    "'stock.low' AND payload->>'variant_id' = $1::text", variant), 1);
	ck_assert_int_eq(test_outbox_count("email", v->owner->email), 1);
	free(title);
}
END_TEST

START_TEST(test_holds_expire)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), variant, hold,
				 keep;
	struct api_resp		*r;
	char			*state = NULL;
	int			 i;

	cat_listing(v->owner, cat, "Mango pickle", 25000, 4, &variant);
	r = reserve(v->owner, variant, 201, "{\"quantity\":3,\"ref\":"
	    "\"order:5\",\"expires_in\":60}");
	hold = jint(r->json, "id");
	api_free(r);
	r = reserve(v->owner, variant, 201, "{\"quantity\":1,\"ref\":"
	    "\"order:6\",\"expires_in\":3600}");
	keep = jint(r->json, "id");
	api_free(r);
	ck_assert_str_eq(level(v->owner, variant), "0/4");
	/* Its minute is up; the expiry job runs. */
	cat_long1("WITH u AS (UPDATE stock_reservations SET expires_at = now() "
	    "- interval '1 second' WHERE id = $1 RETURNING id) SELECT count(*) "
	    "FROM u", hold);
	cat_long1("WITH j AS (INSERT INTO jobs (kind) SELECT 'stock.expire' "
	    "WHERE $1 > 0 RETURNING id) SELECT count(*) FROM j", 1);
	for (i = 0; i < 100; i++) {
		PGresult	*res;
		char		 id[24];
		const char	*p[1] = { id };

		snprintf(id, sizeof id, "%ld", hold);
		res = test_sql("SELECT state FROM stock_reservations WHERE id = "
		    "$1", 1, p);
		free(state);
		state = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		if (strcmp(state, "held") != 0)
			break;
		usleep(100 * 1000);
	}
	ck_assert_str_eq(state, "expired");
	ck_assert_str_eq(level(v->owner, variant), "3/1");
	r = cat_callf(v->owner, "GET", RESERVATIONS, 200, NULL,
	    "/v1/variants/%ld/reservations?state=held", variant);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")), 1);
	ck_assert_int_eq(jint(json_array_get(json_object_get(r->json, "data"),
	    0), "id"), keep);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM stock_movements WHERE"
	    " reservation_id = $1 AND kind = 'release' AND available_after = 3",
	    hold), 1);
	/* An expired hold is not sold. */
	r = close_hold(v->owner, hold, "commit", 422);
	api_free(r);
	free(state);
}
END_TEST

/* --- many at once ---------------------------------------------------- */

#define RACERS	100

struct racer {
	const char		*url;
	const char		*auth;
	pthread_barrier_t	*go;
	long			 status;
};

static size_t
racer_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static void *
racer_run(void *arg)
{
	static const char	 body[] = "{\"quantity\":1,\"ref\":\"rush\"}";
	struct racer		*t = arg;
	struct curl_slist	*hl = NULL;
	CURL			*c;

	c = curl_easy_init();
	hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, t->auth);
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, t->url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, racer_discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	pthread_barrier_wait(t->go);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	return NULL;
}

START_TEST(test_hundred_buyers_ten_units)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), variant;
	struct racer		 t[RACERS];
	pthread_t		 th[RACERS];
	pthread_barrier_t	 go;
	pthread_attr_t		 attr;
	char			*url;
	int			 i, ok = 0, short_ = 0;

	cat_listing(v->owner, cat, "Festival sweets box", 49900, 10, &variant);
	url = xasprintf("%s/v1/variants/%ld/reservations", api_base(),
	    variant);
	ck_assert_int_eq(pthread_barrier_init(&go, NULL, RACERS), 0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	for (i = 0; i < RACERS; i++) {
		t[i].url = url;
		t[i].auth = v->owner->auth;
		t[i].go = &go;
		t[i].status = 0;
		ck_assert_int_eq(pthread_create(&th[i], &attr, racer_run,
		    &t[i]), 0);
	}
	for (i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	pthread_attr_destroy(&attr);
	for (i = 0; i < RACERS; i++) {
		if (t[i].status == 201)
			ok++;
		else if (t[i].status == 409)
			short_++;
		else
			ck_abort_msg("racer %d: status %ld", i, t[i].status);
	}
	ck_assert_int_eq(ok, 10);
	ck_assert_int_eq(short_, RACERS - 10);
	ck_assert_str_eq(level(v->owner, variant), "0/10");
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM stock_reservations "
	    "WHERE variant_id = $1 AND state = 'held'", variant), 10);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM stock_movements WHERE "
	    "variant_id = $1 AND kind = 'reservation'", variant), 10);
	/* Each line says what it left: 9, 8, ... 0, once each. */
	ck_assert_int_eq(cat_long1("SELECT count(DISTINCT available_after) "
	    "FROM stock_movements WHERE variant_id = $1 AND kind = "
	    "'reservation'", variant), 10);
	ck_assert_int_eq(cat_long1("SELECT min(available_after) FROM "
	    "stock_movements WHERE variant_id = $1 AND kind = 'reservation'",
	    variant), 0);
	free(url);
}
END_TEST

/* No value of any field gets more than a 4xx. */
START_TEST(test_any_value_of_any_field)
{
	static const char *const adjust[] = { "location_id", "kind",
	    "quantity", "note", NULL };
	static const char *const hold[] = { "quantity", "location_id", "ref",
	    "expires_in", NULL };
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 variant;
	char			*path, *base;

	cat_listing(v->owner, cat_category(0, "none"), "Fuzzed", 100, 1000,
	    &variant);
	path = xasprintf("/v1/variants/%ld/stock", variant);
	base = xasprintf("{\"location_id\":%ld,\"kind\":\"adjustment\","
	    "\"quantity\":1,\"note\":\"x\"}", v->location);
	cat_fuzz(v->owner, "POST", path, STOCK, base, adjust, 200);
	free(path);
	free(base);
	path = xasprintf("/v1/variants/%ld/reservations", variant);
	cat_fuzz(v->owner, "POST", path, RESERVATIONS, "{\"quantity\":1,"
	    "\"ref\":\"x\"}", hold, 201);
	free(path);
}
END_TEST

Suite *
inventory_suite(void)
{
	Suite	*s = suite_create("inventory");
	TCase	*tc = tcase_create("inventory");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_restock_and_adjust);
	tcase_add_test(tc, test_reservations);
	tcase_add_test(tc, test_services_have_no_stock);
	tcase_add_test(tc, test_low_stock_tells_the_vendor);
	tcase_add_test(tc, test_holds_expire);
	tcase_add_test(tc, test_hundred_buyers_ten_units);
	tcase_add_test(tc, test_any_value_of_any_field);
	suite_add_tcase(s, tc);
	return s;
}
