/*
 * Listings as vendors manage them: drafts with variants and stock,
 * attributes held to their category, hostile input refused naming the
 * field, the status machine with its moderators, and a wall between
 * vendors: another vendor's listing is a 404 whichever way it is reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "suites.h"

#define LISTING	"/v1/listings/{id}"

static struct api_resp *
listing_get(const struct test_user *u, long id)
{
	return cat_reqf(u, "GET", NULL, "/v1/listings/%ld", id);
}

/* POSTs /v1/listings/{id}/what as u, expecting status. */
static struct api_resp *
act(const struct test_user *u, long id, const char *what, long status,
    const char *body)
{
	char		*pattern = xasprintf("/v1/listings/{id}/%s", what);
	struct api_resp	*r;

	r = cat_callf(u, "POST", pattern, status, body, "/v1/listings/%ld/%s",
	    id, what);
	free(pattern);
	return r;
}

static const char *
status_of(const struct api_resp *r)
{
	return jstr(r->json, "status");
}

START_TEST(test_create_with_variants_and_stock)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_vendor	*w = test_vendor_new(api_base(), NULL);
	struct test_user	*staff = test_vendor_staff(api_base(), v);
	long			 cat = cat_category(0, "none"), id, brand;
	char			*sku1 = cat_sku(), *sku2 = cat_sku(), *body,
				*bname;
	struct api_resp		*r;
	json_t			*vars, *x;

	brand = cat_brand("Prestige", &bname);
	body = xasprintf("{\"kind\":\"product\",\"title\":\"Pressure cooker "
	    "5 L\",\"description\":\"Steel.\\nInduction base.\","
	    "\"category_id\":%ld,\"brand_id\":%ld,\"tags\":[\" Kitchen \","
	    "\"Steel\"],\"variants\":[{\"sku\":\"%s\",\"options\":{\"size\":"
	    "\"5 L\"},\"price\":249900,\"compare_at_price\":299900,"
	    "\"weight_grams\":2900,\"low_stock_at\":2,\"stock\":7},{\"sku\":"
	    "\"%s\",\"options\":{\"size\":\"3 L\"},\"price\":189900,"
	    "\"position\":1}]}", cat, brand, sku1, sku2);
	r = cat_call(staff, "POST", "/v1/listings", "/v1/listings", 201, body);
	free(body);
	id = jint(r->json, "id");
	ck_assert_str_eq(status_of(r), "draft");
	ck_assert_int_eq(jint(r->json, "vendor_id"), v->id);
	ck_assert_int_eq(jint(r->json, "price_min"), 189900);
	ck_assert_int_eq(jint(r->json, "price_max"), 249900);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(
	    r->json, "tags"), 0)), "kitchen");
	vars = json_object_get(r->json, "variants");
	ck_assert_uint_eq(json_array_size(vars), 2);
	x = json_array_get(vars, 0);
	ck_assert_str_eq(jstr(x, "sku"), sku1);
	ck_assert_int_eq(jint(json_object_get(x, "stock"), "available"), 7);
	ck_assert_int_eq(jint(json_array_get(vars, 1) ,"price"), 189900);
	ck_assert_int_eq(jint(json_object_get(json_array_get(vars, 1),
	    "stock"), "available"), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "events")),
	    1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r->json,
	    "events"), 0), "to"), "draft");
	api_free(r);
	/* The initial stock is at the main store, with its ledger line. */
	ck_assert_int_eq(cat_long1("SELECT available FROM stock s JOIN "
	    "variants x ON x.id = s.variant_id WHERE x.listing_id = $1 AND "
	    "s.location_id = (SELECT min(id) FROM stock_locations l WHERE "
	    "l.vendor_id = x.vendor_id) AND x.position = 0", id), 7);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM stock_movements m "
	    "JOIN variants x ON x.id = m.variant_id WHERE x.listing_id = $1 "
	    "AND m.kind = 'restock' AND m.available_after = 7 AND m.note IS "
	    "NOT NULL", id), 1);
	r = cat_callf(v->owner, "GET", LISTING, 200, NULL, "/v1/listings/%ld",
	    id);
	ck_assert_str_eq(jstr(json_object_get(r->json, "brand"), "name"),
	    bname);
	api_free(r);

	/* A SKU is the vendor's: not twice in one body, nor in two listings. */
	body = xasprintf("{\"kind\":\"product\",\"title\":\"Twice\","
	    "\"category_id\":%ld,\"variants\":[{\"sku\":\"X-%s\",\"price\":1},"
	    "{\"sku\":\"X-%s\",\"price\":2}]}", cat, sku1, sku1);
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 400,
	    body);
	api_expect_problem(r, 400, "validation", "variants[1].sku");
	api_free(r);
	free(body);
	body = xasprintf("{\"kind\":\"product\",\"title\":\"Again\","
	    "\"category_id\":%ld,\"variants\":[{\"sku\":\"%s\",\"price\":1}]}",
	    cat, sku1);
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 400,
	    body);
	api_expect_problem(r, 400, "validation", "sku");
	api_free(r);
	/* Another vendor may use the same SKU. */
	r = cat_call(w->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    body);
	api_free(r);
	free(body);
	/* Nor through a new variant, nor by renaming one. */
	body = xasprintf("{\"sku\":\"%s\",\"price\":100}", sku2);
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/variants", 400, body,
	    "/v1/listings/%ld/variants", id);
	api_expect_problem(r, 400, "validation", "sku");
	api_free(r);
	free(body);
	r = listing_get(v->owner, id);
	x = json_array_get(json_object_get(r->json, "variants"), 1);
	body = xasprintf("{\"sku\":\"%s\"}", sku1);
	{
		struct api_resp *r2 = cat_callf(v->owner, "PATCH",
		    "/v1/listings/{id}/variants/{variant_id}", 400, body,
		    "/v1/listings/%ld/variants/%ld", id, jint(x, "id"));

		api_expect_problem(r2, 400, "validation", "sku");
		api_free(r2);
	}
	free(body);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM variants WHERE "
	    "listing_id = $1", id), 2);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM listings WHERE "
	    "vendor_id = $1", v->id), 1);

	/* A new variant, with its own stock; archiving one reprices. */
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/variants", 201,
	    "{\"sku\":\"BIG-1\",\"price\":399900,\"stock\":3,\"options\":"
	    "{\"size\":\"8 L\"}}", "/v1/listings/%ld/variants", id);
	ck_assert_int_eq(jint(json_object_get(r->json, "stock"), "available"),
	    3);
	x = json_incref(r->json);
	api_free(r);
	r = cat_callf(v->owner, "PATCH",
	    "/v1/listings/{id}/variants/{variant_id}", 200,
	    "{\"status\":\"archived\"}", "/v1/listings/%ld/variants/%ld", id,
	    jint(x, "id"));
	ck_assert_str_eq(jstr(r->json, "status"), "archived");
	api_free(r);
	r = listing_get(v->owner, id);
	ck_assert_int_eq(jint(r->json, "price_max"), 249900);
	api_free(r);
	/* Stock changes through the stock route only, with a ledger line. */
	r = cat_callf(v->owner, "PATCH",
	    "/v1/listings/{id}/variants/{variant_id}", 400, "{\"stock\":50}",
	    "/v1/listings/%ld/variants/%ld", id, jint(x, "id"));
	api_expect_problem(r, 400, "validation", "stock");
	api_free(r);
	r = cat_callf(v->owner, "PATCH",
	    "/v1/listings/{id}/variants/{variant_id}", 400, "{}",
	    "/v1/listings/%ld/variants/%ld", id, jint(x, "id"));
	api_free(r);
	r = cat_reqf(v->owner, "PATCH", "{\"price\":5}",
	    "/v1/listings/%ld/variants/999999999", id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	json_decref(x);

	/* An admin says whose listing it makes. */
	body = xasprintf("{\"kind\":\"product\",\"title\":\"By an admin\","
	    "\"category_id\":%ld}", cat);
	r = cat_call(cat_admin(), "POST", "/v1/listings", "/v1/listings", 400,
	    body);
	api_expect_problem(r, 400, "validation", "vendor_id");
	api_free(r);
	free(body);
	body = xasprintf("{\"vendor_id\":999999999,\"kind\":\"product\","
	    "\"title\":\"By an admin\",\"category_id\":%ld}", cat);
	r = cat_call(cat_admin(), "POST", "/v1/listings", "/v1/listings", 400,
	    body);
	api_expect_problem(r, 400, "validation", "vendor_id");
	api_free(r);
	free(body);
	body = xasprintf("{\"vendor_id\":%ld,\"kind\":\"product\","
	    "\"title\":\"By an admin\",\"category_id\":%ld}", v->id, cat);
	r = cat_call(cat_admin(), "POST", "/v1/listings", "/v1/listings", 201,
	    body);
	ck_assert_int_eq(jint(r->json, "vendor_id"), v->id);
	api_free(r);
	free(body);
	free(sku1);
	free(sku2);
}
END_TEST

START_TEST(test_vendors_never_touch_each_other)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_vendor	*w = test_vendor_new(api_base(), NULL);
	struct test_user	*vstaff = test_vendor_staff(api_base(), v);
	struct test_user	*wstaff = test_vendor_staff(api_base(), w);
	const struct test_user	*them[] = { w->owner, wstaff };
	long			 cat = cat_category(0, "none"), id, mine,
				 variant, other_variant;
	struct api_resp		*r;
	char			*before, *path;
	size_t			 i;

	id = cat_listing(v->owner, cat, "Brass lamp", 120000, 5, &variant);
	mine = cat_listing(v->owner, cat, "Brass bell", 50000, 5,
	    &other_variant);
	r = listing_get(v->owner, id);
	before = xstrdup(r->body);
	api_free(r);
	for (i = 0; i < API_N(them); i++) {
		const struct test_user *u = them[i];

		r = listing_get(u, id);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		r = cat_reqf(u, "PATCH", "{\"title\":\"Mine\"}",
		    "/v1/listings/%ld", id);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		r = cat_reqf(u, "POST", NULL, "/v1/listings/%ld/submit", id);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		r = cat_reqf(u, "POST", NULL, "/v1/listings/%ld/archive", id);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		r = cat_reqf(u, "POST", NULL, "/v1/listings/%ld/unarchive", id);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		r = cat_reqf(u, "POST", "{\"sku\":\"STEAL-1\",\"price\":1}",
		    "/v1/listings/%ld/variants", id);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		r = cat_reqf(u, "PATCH", "{\"price\":1}",
		    "/v1/listings/%ld/variants/%ld", id, variant);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		/* Through the list: nothing of the other vendor's. */
		path = xasprintf("/v1/listings?vendor_id=%ld", v->id);
		r = cat_call(u, "GET", path, "/v1/listings", 200, NULL);
		ck_assert_uint_eq(json_array_size(json_object_get(r->json,
		    "data")), 0);
		api_free(r);
		free(path);
		path = xasprintf("/v1/listings?category_id=%ld&limit=100", cat);
		r = cat_call(u, "GET", path, "/v1/listings", 200, NULL);
		ck_assert_uint_eq(json_array_size(json_object_get(r->json,
		    "data")), 0);
		api_free(r);
		free(path);
		/* Nor its stock. */
		r = cat_reqf(u, "GET", NULL, "/v1/variants/%ld/stock", variant);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		r = cat_reqf(u, "POST", "{\"location_id\":1,\"kind\":"
		    "\"restock\",\"quantity\":5}", "/v1/variants/%ld/stock",
		    variant);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		r = cat_reqf(u, "POST", "{\"quantity\":1,\"ref\":\"x\"}",
		    "/v1/variants/%ld/reservations", variant);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
	}
	/* A listing for another vendor cannot be made either. */
	{
		char *body = xasprintf("{\"vendor_id\":%ld,\"kind\":\"product\","
		    "\"title\":\"Planted\",\"category_id\":%ld}", v->id, cat);

		r = cat_call(w->owner, "POST", "/v1/listings", "/v1/listings",
		    400, body);
		api_expect_problem(r, 400, "validation", "vendor_id");
		api_free(r);
		free(body);
	}
	/* Nor can a variant move between listings by its id. */
	r = cat_reqf(v->owner, "PATCH", "{\"price\":1}",
	    "/v1/listings/%ld/variants/%ld", id, other_variant);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* All as it was; and the vendor's own staff do see and edit it. */
	r = listing_get(v->owner, id);
	ck_assert_str_eq(r->body, before);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM listings WHERE "
	    "vendor_id = $1", v->id), 2);
	r = cat_callf(vstaff, "PATCH", LISTING, 200, "{\"title\":\"Brass "
	    "lamp, large\"}", "/v1/listings/%ld", id);
	ck_assert_str_eq(jstr(r->json, "title"), "Brass lamp, large");
	api_free(r);
	path = xasprintf("/v1/listings?vendor_id=%ld", v->id);
	r = cat_call(vstaff, "GET", path, "/v1/listings", 200, NULL);
	ck_assert(jhas_id(json_object_get(r->json, "data"), id));
	ck_assert(jhas_id(json_object_get(r->json, "data"), mine));
	api_free(r);
	free(path);
	free(before);
}
END_TEST

START_TEST(test_attributes_held_to_the_category)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 top = cat_category(0, "none"), cat, elsewhere,
				 colour, weight, organic, material, stray, id;
	char			*ccolour, *cweight, *corganic, *cmaterial,
				*cstray, *body, *want;
	struct api_resp		*r;

	cat = cat_category(top, NULL);
	elsewhere = cat_category(0, "none");
	colour = cat_attribute("enum", "[\"red\",\"black\"]", true, &ccolour);
	weight = cat_attribute("number", NULL, false, &cweight);
	organic = cat_attribute("boolean", NULL, false, &corganic);
	material = cat_attribute("text", NULL, false, &cmaterial);
	stray = cat_attribute("text", NULL, false, &cstray);
	/* The parent allows colour (required) and weight; the child more. */
	{
		char *b = xasprintf("{\"attributes\":[{\"attribute_id\":%ld,"
		    "\"required\":true},{\"attribute_id\":%ld}]}", colour,
		    weight);

		r = cat_callf(cat_admin(), "PUT",
		    "/v1/categories/{id}/attributes", 200, b,
		    "/v1/categories/%ld/attributes", top);
		api_free(r);
		free(b);
		b = xasprintf("{\"attributes\":[{\"attribute_id\":%ld},"
		    "{\"attribute_id\":%ld}]}", organic, material);
		r = cat_callf(cat_admin(), "PUT",
		    "/v1/categories/{id}/attributes", 200, b,
		    "/v1/categories/%ld/attributes", cat);
		api_free(r);
		free(b);
	}
	cat_allow(elsewhere, stray, false);

	/* Each wrong value is named. */
	{
		const char *bad[][2] = {
			{ xasprintf("{\"nope_%d\":1}", (int)getpid()),
			  xasprintf("attributes.nope_%d", (int)getpid()) },
			{ xasprintf("{\"%s\":\"x\"}", cstray),
			  xasprintf("attributes.%s", cstray) },
			{ xasprintf("{\"%s\":\"heavy\"}", cweight),
			  xasprintf("attributes.%s", cweight) },
			{ xasprintf("{\"%s\":\"blue\"}", ccolour),
			  xasprintf("attributes.%s", ccolour) },
			{ xasprintf("{\"%s\":\"Red\"}", ccolour),
			  xasprintf("attributes.%s", ccolour) },
			{ xasprintf("{\"%s\":1}", ccolour),
			  xasprintf("attributes.%s", ccolour) },
			{ xasprintf("{\"%s\":\"yes\"}", corganic),
			  xasprintf("attributes.%s", corganic) },
			{ xasprintf("{\"%s\":\"two\\nlines\"}", cmaterial),
			  xasprintf("attributes.%s", cmaterial) },
			{ xasprintf("{\"%s\":\"\"}", cmaterial),
			  xasprintf("attributes.%s", cmaterial) },
			{ xasprintf("{\"%s\":[\"red\"]}", ccolour),
			  xasprintf("attributes.%s", ccolour) },
			{ xstrdup("[1]"), xstrdup("attributes") },
		};
		size_t	i;

		for (i = 0; i < API_N(bad); i++) {
			body = xasprintf("{\"kind\":\"product\",\"title\":"
			    "\"Kurta\",\"category_id\":%ld,\"attributes\":%s}",
			    cat, bad[i][0]);
			r = cat_call(v->owner, "POST", "/v1/listings",
			    "/v1/listings", 400, body);
			api_expect_problem(r, 400, "validation", bad[i][1]);
			api_free(r);
			free(body);
		}
	}
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM listings WHERE "
	    "vendor_id = $1", v->id), 0);
	/* A draft may lack a required one; it cannot go live without. */
	body = xasprintf("{\"kind\":\"product\",\"title\":\"Kurta\","
	    "\"category_id\":%ld,\"attributes\":{\"%s\":0.75,\"%s\":true,"
	    "\"%s\":\"Cotton\"},\"variants\":[{\"sku\":\"KURTA-1\",\"price\":"
	    "89900}]}", cat, cweight, corganic, cmaterial);
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    body);
	id = jint(r->json, "id");
	api_free(r);
	free(body);
	r = act(v->owner, id, "submit", 400, NULL);
	want = xasprintf("attributes.%s", ccolour);
	api_expect_problem(r, 400, "validation", want);
	api_free(r);
	r = listing_get(v->owner, id);
	ck_assert_str_eq(status_of(r), "draft");
	api_free(r);
	body = xasprintf("{\"attributes\":{\"%s\":\"black\",\"%s\":1,\"%s\":"
	    "false}}", ccolour, cweight, corganic);
	r = cat_callf(v->owner, "PATCH", LISTING, 200, body, "/v1/listings/%ld",
	    id);
	ck_assert_str_eq(jstr(json_object_get(r->json, "attributes"), ccolour),
	    "black");
	ck_assert_ptr_null(json_object_get(json_object_get(r->json,
	    "attributes"), cmaterial));
	api_free(r);
	free(body);
	r = act(v->owner, id, "submit", 200, NULL);
	ck_assert_str_eq(status_of(r), "active");
	api_free(r);
	/* A move to a category without these attributes is refused. */
	body = xasprintf("{\"category_id\":%ld}", elsewhere);
	r = cat_callf(v->owner, "PATCH", LISTING, 400, body, "/v1/listings/%ld",
	    id);
	api_expect_problem(r, 400, "validation", want);
	api_free(r);
	free(body);
	body = xasprintf("{\"category_id\":%ld}", top);
	r = cat_callf(v->owner, "PATCH", LISTING, 400, body, "/v1/listings/%ld",
	    id);
	api_expect_problem(r, 400, "validation", NULL);
	api_free(r);
	free(body);
	r = cat_reqf(v->owner, "PATCH", "{\"category_id\":999999999}",
	    "/v1/listings/%ld", id);
	api_expect_problem(r, 400, "validation", "category_id");
	api_free(r);
	r = listing_get(v->owner, id);
	ck_assert_int_eq(jint(r->json, "category_id"), cat);
	api_free(r);
	free(want);
}
END_TEST

/* POSTs body as a new listing, expecting 400 naming field. */
static void
refused(const struct test_user *u, const char *body, const char *code,
    const char *field)
{
	struct api_resp	*r = test_user_request(api_base(), u, "POST",
			    "/v1/listings", body);

	ck_assert_msg(r->status == 400 && strstr(r->body, code) != NULL,
	    "%.200s: status %ld: %s", body, r->status, r->body);
	api_expect(r, 400, "POST", "/v1/listings");
	api_expect_problem(r, 400, code, field);
	api_free(r);
}

START_TEST(test_hostile_values)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), id;
	char			*big, *body, *s, *title;
	struct api_resp		*r;
	size_t			 i;

#define L(fmt, ...)	xasprintf("{\"kind\":\"product\",\"title\":\"Lamp\"," \
			    "\"category_id\":%ld" fmt "}", cat, __VA_ARGS__)
#define V(fmt)		xasprintf("{\"kind\":\"product\",\"title\":\"Lamp\"," \
			    "\"category_id\":%ld,\"variants\":[{" fmt "}]}", cat)
	refused(v->owner, xasprintf("{\"kind\":\"product\",\"title\":\"a\\u0007"
	    "b\",\"category_id\":%ld}", cat), "validation", "title");
	refused(v->owner, xasprintf("{\"kind\":\"product\",\"title\":\"a\\nb\","
	    "\"category_id\":%ld}", cat), "validation", "title");
	refused(v->owner, xasprintf("{\"kind\":\"product\",\"title\":\" Lamp\","
	    "\"category_id\":%ld}", cat), "validation", "title");
	refused(v->owner, xasprintf("{\"kind\":\"product\",\"title\":\"\","
	    "\"category_id\":%ld}", cat), "validation", "title");
	refused(v->owner, xasprintf("{\"kind\":\"product\",\"title\":\"a\\u0000"
	    "b\",\"category_id\":%ld}", cat), "invalid-json", NULL);
	refused(v->owner, L(",\"description\":\"%s\"", "tab\\tand\\u001b[31m"),
	    "validation", "description");
	big = xmalloc(20002);
	memset(big, 'x', 20001);
	big[20001] = '\0';
	refused(v->owner, L(",\"description\":\"%s\"", big), "validation",
	    "description");
	big[20000] = '\0';
	s = L(",\"description\":\"%s\"", big);
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 201, s);
	ck_assert_uint_eq(strlen(jstr(r->json, "description")), 20000);
	api_free(r);
	free(s);
	refused(v->owner, V("\"sku\":\"A1\",\"price\":100000000001"),
	    "validation", "variants[0].price");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":-1"), "validation",
	    "variants[0].price");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":99.5"), "validation",
	    "variants[0].price");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":1e30"), "validation",
	    "variants[0].price");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":\"100\""), "validation",
	    "variants[0].price");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":"
	    "99999999999999999999999999"), "invalid-json", NULL);
	refused(v->owner, V("\"sku\":\"A1\",\"price\":100,\"stock\":-5"),
	    "validation", "variants[0].stock");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":100,\"stock\":"
	    "2147483648"), "validation", "variants[0].stock");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":100,"
	    "\"compare_at_price\":100"), "validation",
	    "variants[0].compare_at_price");
	refused(v->owner, V("\"sku\":\"-A1\",\"price\":1"), "validation",
	    "variants[0].sku");
	refused(v->owner, V("\"sku\":\"A 1\",\"price\":1"), "validation",
	    "variants[0].sku");
	refused(v->owner, V("\"sku\":\"A1';--\",\"price\":1"), "validation",
	    "variants[0].sku");
	refused(v->owner, V("\"price\":1"), "validation", "variants[0].sku");
	refused(v->owner, V("\"sku\":\"A1\""), "validation",
	    "variants[0].price");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":1,\"options\":"
	    "{\"size\":42}"), "validation", "variants[0].options");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":1,\"duration_minutes\":"
	    "30"), "validation", "variants[0].duration_minutes");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":1,\"colour\":\"red\""),
	    "validation", "variants[0].colour");
	refused(v->owner, V("\"sku\":\"A1\",\"price\":1,\"status\":\"gone\""),
	    "validation", "variants[0].status");
	refused(v->owner, L(",\"variants\":{%s}", ""), "validation",
	    "variants");
	refused(v->owner, "{\"kind\":\"product\",\"title\":\"Lamp\","
	    "\"category_id\":\"1\"}", "validation", "category_id");
	refused(v->owner, xasprintf("{\"kind\":\"product\",\"title\":\"Lamp\","
	    "\"category_id\":9223372036854775807}"), "validation",
	    "category_id");
	refused(v->owner, xasprintf("{\"kind\":\"product\",\"title\":\"Lamp\","
	    "\"category_id\":0}"), "validation", "category_id");
	refused(v->owner, L(",\"brand_id\":%d", 999999999), "validation",
	    "brand_id");
	refused(v->owner, L(",\"colour\":\"%s\"", "red"), "validation",
	    "colour");
	refused(v->owner, L(",\"status\":\"%s\"", "active"), "validation",
	    "status");
	refused(v->owner, L(",\"tags\":[\"%s\",\"LAMP\"]", "lamp"),
	    "validation", "tags[1]");
	refused(v->owner, L(",\"tags\":[\"%s\"]", "  "), "validation",
	    "tags[0]");
	refused(v->owner, L(",\"tags\":[%d]", 1), "validation", "tags[0]");
	s = xstrdup("\"t\"");
	for (i = 1; i < 31; i++) {
		char *t = xasprintf("%s,\"t%zu\"", s, i);

		free(s);
		s = t;
	}
	refused(v->owner, L(",\"tags\":[%s]", s), "validation", "tags");
	free(s);
	refused(v->owner, xasprintf("{\"kind\":\"goods\",\"title\":\"Lamp\","
	    "\"category_id\":%ld}", cat), "validation", "kind");
	refused(v->owner, xasprintf("{\"title\":\"Lamp\",\"category_id\":%ld}",
	    cat), "validation", "kind");
	refused(v->owner, "{\"kind\":\"product\",\"title\":\"Lamp\"}",
	    "validation", "category_id");
	refused(v->owner, "[]", "validation", NULL);
	refused(v->owner, "\"lamp\"", "invalid-json", NULL);
	refused(v->owner, "{\"kind\":\"product\",", "invalid-json", NULL);
	refused(v->owner, "{\"kind\":\"product\",\"kind\":\"service\"}",
	    "validation", NULL);
	/* Services have durations, not weights or stock. */
	refused(v->owner, xasprintf("{\"kind\":\"service\",\"title\":"
	    "\"Haircut\",\"category_id\":%ld,\"variants\":[{\"sku\":\"H1\","
	    "\"price\":1}]}", cat), "validation",
	    "variants[0].duration_minutes");
	refused(v->owner, xasprintf("{\"kind\":\"service\",\"title\":"
	    "\"Haircut\",\"category_id\":%ld,\"variants\":[{\"sku\":\"H1\","
	    "\"price\":1,\"duration_minutes\":30,\"weight_grams\":5}]}", cat),
	    "validation", "variants[0].weight_grams");
	refused(v->owner, xasprintf("{\"kind\":\"service\",\"title\":"
	    "\"Haircut\",\"category_id\":%ld,\"variants\":[{\"sku\":\"H1\","
	    "\"price\":1,\"duration_minutes\":30,\"stock\":5}]}", cat),
	    "validation", "variants[0].stock");
	refused(v->owner, xasprintf("{\"kind\":\"service\",\"title\":"
	    "\"Haircut\",\"category_id\":%ld,\"variants\":[{\"sku\":\"H1\","
	    "\"price\":1,\"duration_minutes\":30,\"service_pincodes\":"
	    "[\"000001\"]}]}", cat), "validation",
	    "variants[0].service_pincodes");
	/* Bytes that are not UTF-8. */
	{
		static const char bad[] = "{\"kind\":\"product\",\"title\":"
		    "\"L\xff\xfemp\",\"category_id\":1}";
		const char *hdr[2] = { v->owner->auth, NULL };

		r = api_request(api_base(), "POST", "/v1/listings",
		    "application/json", bad, sizeof bad - 1, hdr);
		api_expect(r, 400, "POST", "/v1/listings");
		api_free(r);
	}
	/* One listing so far: the 20000-character description. */
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM listings WHERE "
	    "vendor_id = $1", v->id), 1);

	/* Devanagari, counted in characters; SQL is just text. */
	title = xstrdup("प्रेशर कुकर ५ लीटर");
	body = xasprintf("{\"kind\":\"product\",\"title\":\"%s\",\"category_id\":"
	    "%ld,\"description\":\"स्टील का कुकर\",\"tags\":[\"रसोई\"]}", title,
	    cat);
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    body);
	ck_assert_str_eq(jstr(r->json, "title"), title);
	id = jint(r->json, "id");
	api_free(r);
	r = listing_get(v->owner, id);
	ck_assert_str_eq(jstr(r->json, "title"), title);
	api_free(r);
	free(body);
	s = xstrdup("");
	for (i = 0; i < 200; i++) {
		char *t = xasprintf("%sक", s);

		free(s);
		s = t;
	}
	body = xasprintf("{\"kind\":\"product\",\"title\":\"%s\","
	    "\"category_id\":%ld}", s, cat);
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    body);
	api_free(r);
	free(body);
	refused(v->owner, xasprintf("{\"kind\":\"product\",\"title\":\"%sक\","
	    "\"category_id\":%ld}", s, cat), "validation", "title");
	free(s);
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    xasprintf("{\"kind\":\"product\",\"title\":\"Robert'); DROP TABLE "
	    "listings; --\",\"category_id\":%ld,\"tags\":[\"%%_\\\\\"]}", cat));
	ck_assert_str_eq(jstr(r->json, "title"),
	    "Robert'); DROP TABLE listings; --");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(
	    r->json, "tags"), 0)), "%_\\");
	api_free(r);
	/* PATCH is held to the same rules. */
	r = cat_callf(v->owner, "PATCH", LISTING, 400, "{\"kind\":\"service\"}",
	    "/v1/listings/%ld", id);
	api_expect_problem(r, 400, "validation", "kind");
	api_free(r);
	r = cat_callf(v->owner, "PATCH", LISTING, 400, "{\"variants\":[]}",
	    "/v1/listings/%ld", id);
	api_expect_problem(r, 400, "validation", "variants");
	api_free(r);
	r = cat_callf(v->owner, "PATCH", LISTING, 400, "{\"vendor_id\":1}",
	    "/v1/listings/%ld", id);
	api_expect_problem(r, 400, "validation", "vendor_id");
	api_free(r);
	r = cat_callf(v->owner, "PATCH", LISTING, 400, "{\"title\":null}",
	    "/v1/listings/%ld", id);
	api_expect_problem(r, 400, "validation", "title");
	api_free(r);
	r = cat_callf(v->owner, "PATCH", LISTING, 400,
	    "{\"title\":\"x\\u0085\\u0001\"}", "/v1/listings/%ld", id);
	api_expect_problem(r, 400, "validation", "title");
	api_free(r);
	r = listing_get(v->owner, id);
	ck_assert_str_eq(jstr(r->json, "title"), title);
	api_free(r);
	free(big);
	free(title);
#undef L
#undef V
}
END_TEST

START_TEST(test_status_machine)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_user	*mod = test_user_new(api_base(), "moderator",
				    NULL);
	long			 none = cat_category(0, "none"),
				 reviewed = cat_category(0, "new"),
				 strict = cat_category(0, "all"), inherits, id;
	char			*title, *reason, *body;
	struct api_resp		*r;
	json_t			*ev, *m;

	inherits = cat_category(strict, NULL);
	/* No variant yet: nothing to sell. */
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    xasprintf("{\"kind\":\"product\",\"title\":\"Bare\","
	    "\"category_id\":%ld}", none));
	id = jint(r->json, "id");
	api_free(r);
	r = act(v->owner, id, "submit", 400, NULL);
	api_expect_problem(r, 400, "validation", "variants");
	api_free(r);

	/* Where nothing is reviewed, submitting publishes. */
	id = cat_listing(v->owner, none, "Clay pot", 30000, 4, NULL);
	r = act(v->owner, id, "submit", 200, "{}");
	ck_assert_str_eq(status_of(r), "active");
	ck_assert(!json_is_null(json_object_get(r->json, "published_at")));
	ev = json_object_get(r->json, "events");
	ck_assert_uint_eq(json_array_size(ev), 2);
	ck_assert_str_eq(jstr(json_array_get(ev, 1), "from"), "draft");
	ck_assert_str_eq(jstr(json_array_get(ev, 1), "to"), "active");
	ck_assert_int_eq(jint(json_array_get(ev, 1), "actor_id"),
	    v->owner->id);
	api_free(r);
	r = act(v->owner, id, "submit", 422, NULL);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	r = act(v->owner, id, "submit", 400, "{\"now\":true}");
	api_free(r);
	/* An edit of a live listing stays live where new ones only are
	 * reviewed, or none. */
	r = cat_callf(v->owner, "PATCH", LISTING, 200, "{\"title\":\"Clay pot, "
	    "large\"}", "/v1/listings/%ld", id);
	ck_assert_str_eq(status_of(r), "active");
	api_free(r);

	/* Moved where new listings are reviewed: reviewed as if new. */
	r = cat_callf(v->owner, "PATCH", LISTING, 200, xasprintf(
	    "{\"category_id\":%ld}", reviewed), "/v1/listings/%ld", id);
	ck_assert_str_eq(status_of(r), "pending_review");
	api_free(r);
	r = cat_reqf(NULL, "GET", NULL, "/v1/products/%ld", id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = act(mod, id, "approve", 200, NULL);
	api_free(r);
	/* Moved back where nothing is reviewed: live all along. */
	r = cat_callf(v->owner, "PATCH", LISTING, 200, xasprintf(
	    "{\"category_id\":%ld}", none), "/v1/listings/%ld", id);
	ck_assert_str_eq(status_of(r), "active");
	api_free(r);

	/* Reviewed: pending until a moderator approves; the owner is told. */
	title = cat_word("Copper bottle ");
	id = cat_listing(v->owner, reviewed, title, 99900, 3, NULL);
	r = act(v->owner, id, "submit", 200, NULL);
	ck_assert_str_eq(status_of(r), "pending_review");
	ck_assert(json_is_null(json_object_get(r->json, "published_at")));
	api_free(r);
	r = cat_reqf(NULL, "GET", NULL, "/v1/products/%ld", id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* Vendors do not approve their own; moderators do not edit. */
	r = cat_reqf(v->owner, "POST", NULL, "/v1/listings/%ld/approve", id);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	r = cat_reqf(mod, "PATCH", "{\"title\":\"Better\"}", "/v1/listings/%ld",
	    id);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	r = act(mod, id, "approve", 200, NULL);
	ck_assert_str_eq(status_of(r), "active");
	ev = json_object_get(r->json, "events");
	ck_assert_str_eq(jstr(json_array_get(ev, 2), "actor_role"),
	    "moderator");
	api_free(r);
	m = test_outbox_wait("email", v->owner->email, title, 10);
	ck_assert_msg(m != NULL, "the owner was not told of the approval");
	json_decref(m);
	r = cat_callf(NULL, "GET", "/v1/products/{id}", 200, NULL,
	    "/v1/products/%ld", id);
	api_free(r);
	r = act(mod, id, "approve", 422, NULL);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	free(title);

	/* Rejected, with a reason the owner hears; fixed and resubmitted. */
	title = cat_word("Steel tumbler ");
	id = cat_listing(v->owner, reviewed, title, 19900, 3, NULL);
	r = act(v->owner, id, "reject", 403, "{\"reason\":\"x\"}");
	api_free(r);
	r = act(mod, id, "reject", 422, "{\"reason\":\"Too early\"}");
	api_free(r);
	r = act(v->owner, id, "submit", 200, NULL);
	api_free(r);
	r = act(mod, id, "reject", 400, "{}");
	api_expect_problem(r, 400, "validation", "reason");
	api_free(r);
	r = act(mod, id, "reject", 400, "{\"reason\":\"\"}");
	api_expect_problem(r, 400, "validation", "reason");
	api_free(r);
	r = act(mod, id, "reject", 415, NULL);
	api_free(r);
	reason = cat_word("Photos show another brand ");
	body = xasprintf("{\"reason\":\"%s\"}", reason);
	r = act(mod, id, "reject", 200, body);
	free(body);
	ck_assert_str_eq(status_of(r), "rejected");
	ck_assert_str_eq(jstr(r->json, "status_reason"), reason);
	api_free(r);
	m = test_outbox_wait("email", v->owner->email, reason, 10);
	ck_assert_msg(m != NULL, "the owner was not told why");
	ck_assert_ptr_nonnull(strstr(jstr(m, "text"), title));
	json_decref(m);
	r = cat_callf(v->owner, "PATCH", LISTING, 200, "{\"description\":"
	    "\"Own photos now.\"}", "/v1/listings/%ld", id);
	ck_assert_str_eq(status_of(r), "rejected");
	api_free(r);
	r = act(v->owner, id, "submit", 200, NULL);
	ck_assert_str_eq(status_of(r), "pending_review");
	api_free(r);
	free(title);
	free(reason);

	/* Where edits are reviewed too (inherited), an edit goes back to
	 * review and off the shelves. */
	id = cat_listing(v->owner, inherits, "Brass diya", 15000, 3, NULL);
	r = act(v->owner, id, "submit", 200, NULL);
	ck_assert_str_eq(status_of(r), "pending_review");
	ck_assert_str_eq(jstr(r->json, "review"), "all");
	api_free(r);
	r = act(mod, id, "approve", 200, NULL);
	api_free(r);
	r = cat_callf(v->owner, "PATCH", LISTING, 200, "{\"title\":\"Brass "
	    "diya (pair)\"}", "/v1/listings/%ld", id);
	ck_assert_str_eq(status_of(r), "pending_review");
	api_free(r);
	r = cat_reqf(NULL, "GET", NULL, "/v1/products/%ld", id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = act(mod, id, "approve", 200, NULL);
	ck_assert_str_eq(status_of(r), "active");
	api_free(r);

	/* Archived: out of sale and frozen until unarchived, as a draft. */
	r = act(v->owner, id, "archive", 200, NULL);
	ck_assert_str_eq(status_of(r), "archived");
	api_free(r);
	r = cat_reqf(NULL, "GET", NULL, "/v1/products/%ld", id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = act(v->owner, id, "archive", 422, NULL);
	api_free(r);
	r = cat_callf(v->owner, "PATCH", LISTING, 422, "{\"title\":\"Back\"}",
	    "/v1/listings/%ld", id);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	r = act(v->owner, id, "variants", 422, "{\"sku\":\"DIYA-9\","
	    "\"price\":1}");
	api_free(r);
	{
		long x = cat_long1("SELECT min(id) FROM variants WHERE "
		    "listing_id = $1", id);

		r = cat_callf(v->owner, "PATCH",
		    "/v1/listings/{id}/variants/{variant_id}", 422,
		    "{\"price\":1}", "/v1/listings/%ld/variants/%ld", id, x);
		api_free(r);
	}
	r = act(v->owner, id, "submit", 422, NULL);
	api_free(r);
	r = act(mod, id, "approve", 422, NULL);
	api_free(r);
	r = listing_get(v->owner, id);
	ck_assert_str_eq(jstr(r->json, "title"), "Brass diya (pair)");
	api_free(r);
	r = act(v->owner, id, "unarchive", 200, NULL);
	ck_assert_str_eq(status_of(r), "draft");
	api_free(r);
	r = act(v->owner, id, "unarchive", 422, NULL);
	api_free(r);
	/* Every change is a row of its history, and audited. */
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM listing_events WHERE "
	    "listing_id = $1", id), 7);
	ck_assert_int_ge(cat_long1("SELECT count(*) FROM audit_log WHERE "
	    "target_type = 'listing' AND target_id = $1::text", id), 7);
	ck_assert_int_ge(cat_long1("SELECT count(*) FROM events WHERE topic = "
	    "'vendor:' || $1 AND type = 'listing.status'", v->id), 10);
}
END_TEST

START_TEST(test_review_queue_and_regions)
{
	char			*a = test_region_new("Queueland"),
				*b = test_region_new("Otherland"), *path;
	const char		*in_a[] = { a, NULL };
	struct test_vendor	*va = test_vendor_new(api_base(), a);
	struct test_vendor	*vb = test_vendor_new(api_base(), b);
	struct test_user	*mod = test_user_new(api_base(), "moderator",
				    NULL);
	struct test_user	*emp = test_user_new(api_base(), "employee",
				    in_a);
	long			 cat = cat_category(0, "new"), l[3], draft;
	struct api_resp		*r;
	json_t			*d;
	int			 i;

	/* Made in one order, submitted in another. */
	l[0] = cat_listing(vb->owner, cat, "Silk saree", 500000, 1, NULL);
	l[1] = cat_listing(va->owner, cat, "Cotton saree", 200000, 1, NULL);
	l[2] = cat_listing(vb->owner, cat, "Linen saree", 300000, 1, NULL);
	draft = cat_listing(va->owner, cat, "Draft saree", 100000, 1, NULL);
	for (i = 0; i < 3; i++) {
		r = act(i == 1 ? va->owner : vb->owner, l[i], "submit", 200,
		    NULL);
		api_free(r);
	}
	/* The queue: every vendor's, oldest first, a page at a time. */
	path = xasprintf("/v1/listings?status=pending_review&category_id=%ld&"
	    "limit=2", cat);
	r = cat_call(mod, "GET", path, "/v1/listings", 200, NULL);
	d = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(d), 2);
	ck_assert_int_eq(jint(json_array_get(d, 0), "id"), l[0]);
	ck_assert_int_eq(jint(json_array_get(d, 1), "id"), l[1]);
	free(path);
	path = xasprintf("/v1/listings?status=pending_review&category_id=%ld&"
	    "limit=2&after=%s", cat, jstr(r->json, "next"));
	api_free(r);
	r = cat_call(mod, "GET", path, "/v1/listings", 200, NULL);
	d = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(d), 1);
	ck_assert_int_eq(jint(json_array_get(d, 0), "id"), l[2]);
	ck_assert(json_is_null(json_object_get(r->json, "next")));
	api_free(r);
	free(path);
	/* Other lists are newest first. */
	path = xasprintf("/v1/listings?category_id=%ld", cat);
	r = cat_call(mod, "GET", path, "/v1/listings", 200, NULL);
	d = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(d), 4);
	ck_assert_int_eq(jint(json_array_get(d, 0), "id"), draft);
	api_free(r);
	free(path);
	r = cat_callf(mod, "GET", LISTING, 200, NULL, "/v1/listings/%ld",
	    draft);
	api_free(r);

	/* An employee of A reads A's vendors' listings, not B's. */
	path = xasprintf("/v1/listings?category_id=%ld", cat);
	r = cat_call(emp, "GET", path, "/v1/listings", 200, NULL);
	d = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(d), 2);
	ck_assert(jhas_id(d, l[1]));
	ck_assert(jhas_id(d, draft));
	api_free(r);
	free(path);
	r = cat_callf(emp, "GET", LISTING, 200, NULL, "/v1/listings/%ld", l[1]);
	api_free(r);
	r = listing_get(emp, l[0]);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	path = xasprintf("/v1/listings?vendor_id=%ld", vb->id);
	r = cat_call(emp, "GET", path, "/v1/listings", 200, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")), 0);
	api_free(r);
	free(path);
	/* Reading is all they do. */
	r = cat_reqf(emp, "POST", NULL, "/v1/listings/%ld/approve", l[1]);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	r = cat_reqf(emp, "PATCH", "{\"title\":\"x\"}", "/v1/listings/%ld",
	    l[1]);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	/* Customers never see the vendors' side. */
	r = cat_reqf(test_user_new(api_base(), "customer", NULL), "GET", NULL,
	    "/v1/listings/%ld", l[1]);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	/* Filters that are not. */
	{
		static const char *const bad[][2] = {
			{ "status=live", "status" },
			{ "vendor_id=x", "vendor_id" },
			{ "category_id=-3", "category_id" },
			{ "order=random", "order" },
			{ "q=100%25", "q" },
			{ "after=%2F%2F", "after" },
		};
		size_t	k;

		for (k = 0; k < API_N(bad); k++) {
			path = xasprintf("/v1/listings?%s", bad[k][0]);
			r = test_user_request(api_base(), mod, "GET", path,
			    NULL);
			api_expect(r, 400, "GET", "/v1/listings");
			api_expect_problem(r, 400, "validation", bad[k][1]);
			api_free(r);
			free(path);
		}
	}
	path = xasprintf("/v1/listings?q=Cotton&category_id=%ld", cat);
	r = cat_call(mod, "GET", path, "/v1/listings", 200, NULL);
	d = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(d), 1);
	ck_assert_int_eq(jint(json_array_get(d, 0), "id"), l[1]);
	api_free(r);
	free(path);
}
END_TEST

START_TEST(test_api_keys)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_vendor	*w = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), id, theirs;
	struct api_resp		*r;
	char			*catalog, *read, *body, *ha, *hr;
	const char		*hdr[2];

	theirs = cat_listing(w->owner, cat, "Their kettle", 150000, 1, NULL);
	r = cat_call(v->owner, "POST", "/v1/api-keys", "/v1/api-keys", 201,
	    "{\"name\":\"Shop sync\",\"scopes\":[\"catalog\"]}");
	catalog = xstrdup(jstr(r->json, "key"));
	api_free(r);
	r = cat_call(v->owner, "POST", "/v1/api-keys", "/v1/api-keys", 201,
	    "{\"name\":\"Reports\",\"scopes\":[\"read\"]}");
	read = xstrdup(jstr(r->json, "key"));
	api_free(r);
	ha = xasprintf("Authorization: Bearer %s", catalog);
	hr = xasprintf("Authorization: Bearer %s", read);

	/* The catalog key makes the vendor's listings. */
	body = xasprintf("{\"kind\":\"product\",\"title\":\"Synced kettle\","
	    "\"category_id\":%ld,\"variants\":[{\"sku\":\"SYNC-1\",\"price\":"
	    "129900,\"stock\":12}]}", cat);
	hdr[0] = ha;
	hdr[1] = NULL;
	r = api_request(api_base(), "POST", "/v1/listings", "application/json",
	    body, strlen(body), hdr);
	api_expect(r, 201, "POST", "/v1/listings");
	ck_assert_int_eq(jint(r->json, "vendor_id"), v->id);
	id = jint(r->json, "id");
	api_free(r);
	{
		char *p = xasprintf("/v1/listings/%ld/submit", id);

		r = api_request(api_base(), "POST", p, NULL, NULL, 0, hdr);
		api_expect(r, 200, "POST", "/v1/listings/{id}/submit");
		ck_assert_str_eq(status_of(r), "active");
		api_free(r);
		free(p);
		/* Not another vendor's. */
		p = xasprintf("/v1/listings/%ld", theirs);
		r = api_request(api_base(), "PATCH", p, "application/json",
		    "{\"title\":\"x\"}", 13, hdr);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		r = api_request(api_base(), "GET", p, NULL, NULL, 0, hdr);
		api_expect_problem(r, 404, "not-found", NULL);
		api_free(r);
		free(p);
	}
	/* A read key reads, and makes nothing. */
	hdr[0] = hr;
	r = api_request(api_base(), "POST", "/v1/listings", "application/json",
	    body, strlen(body), hdr);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	r = api_request(api_base(), "GET", "/v1/listings", NULL, NULL, 0, hdr);
	api_expect(r, 200, "GET", "/v1/listings");
	ck_assert(jhas_id(json_object_get(r->json, "data"), id));
	api_free(r);
	/* A key cannot moderate, whoever owns it. */
	hdr[0] = ha;
	{
		char *p = xasprintf("/v1/listings/%ld/approve", id);

		r = api_request(api_base(), "POST", p, NULL, NULL, 0, hdr);
		api_expect_problem(r, 403, "forbidden", NULL);
		api_free(r);
		free(p);
	}
	/* Revoked, it is nothing. */
	r = cat_call(v->owner, "GET", "/v1/api-keys", "/v1/api-keys", 200,
	    NULL);
	{
		json_t	*k;
		size_t	 i;

		json_array_foreach(json_object_get(r->json, "data"), i, k) {
			struct api_resp *r2 = cat_callf(v->owner, "DELETE",
			    "/v1/api-keys/{id}", 200, NULL, "/v1/api-keys/%ld",
			    jint(k, "id"));

			api_free(r2);
		}
	}
	api_free(r);
	r = api_request(api_base(), "POST", "/v1/listings", "application/json",
	    body, strlen(body), hdr);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM listings WHERE "
	    "vendor_id = $1", v->id), 1);
	free(body);
	free(catalog);
	free(read);
	free(ha);
	free(hr);
}
END_TEST

/* No value of any field gets more than a 400. */
START_TEST(test_any_value_of_any_field)
{
	static const char *const fields[] = {
		"vendor_id", "kind", "title", "description", "category_id",
		"brand_id", "attributes", "tags", "variants",
		"variants[0].sku", "variants[0].options", "variants[0].price",
		"variants[0].compare_at_price", "variants[0].weight_grams",
		"variants[0].duration_minutes", "variants[0].service_pincodes",
		"variants[0].service_radius_m", "variants[0].low_stock_at",
		"variants[0].position", "variants[0].status",
		"variants[0].stock",
	};
	static const char *const values[] = {
		"null", "true", "0", "-1", "1.5", "1e300", "-9223372036854775808",
		"9223372036854775807", "\"\"", "\"x\"", "\"\\u0000\"",
		"\"\\ud800\"", "\"\\u202e\"", "\"' OR 1=1 --\"", "[]",
		"[null]", "[1]", "[\"x\"]", "{}", "{\"x\":null}",
		"{\"x\":{\"y\":[]}}",
	};
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none");
	struct api_resp		*r;
	char			*body, *sku;
	size_t			 i, k;
	const char		*f;

	for (i = 0; i < API_N(fields); i++) {
		for (k = 0; k < API_N(values); k++) {
			sku = cat_sku();
			f = fields[i];
			if (strncmp(f, "variants[0].", 12) == 0)
				body = xasprintf("{\"kind\":\"product\","
				    "\"title\":\"Fuzz\",\"category_id\":%ld,"
				    "\"variants\":[{\"sku\":\"%s\",\"price\":1,"
				    "\"%s\":%s}]}", cat, sku, f + 12, values[k]);
			else
				body = xasprintf("{\"kind\":\"product\","
				    "\"title\":\"Fuzz\",\"category_id\":%ld,"
				    "\"%s\":%s}", cat, f, values[k]);
			r = test_user_request(api_base(), v->owner, "POST",
			    "/v1/listings", body);
			ck_assert_msg(r->status == 201 || r->status == 400,
			    "%s: %ld %s", body, r->status, r->body);
			api_expect(r, r->status, "POST", "/v1/listings");
			/* And the same as a change of a listing or variant. */
			if (r->status == 201 && strncmp(f, "variants[0].",
			    12) != 0) {
				struct api_resp *r2 = cat_reqf(v->owner,
				    "PATCH", xasprintf("{\"%s\":%s}", f,
				    values[k]), "/v1/listings/%ld",
				    jint(r->json, "id"));

				ck_assert_msg(r2->status == 200 ||
				    r2->status == 400, "PATCH %s=%s: %ld %s",
				    f, values[k], r2->status, r2->body);
				api_expect(r2, r2->status, "PATCH", LISTING);
				api_free(r2);
			} else if (r->status == 201) {
				json_t *x = json_array_get(json_object_get(
				    r->json, "variants"), 0);
				struct api_resp *r2 = cat_reqf(v->owner,
				    "PATCH", xasprintf("{\"%s\":%s}", f + 12,
				    values[k]), "/v1/listings/%ld/variants/%ld",
				    jint(r->json, "id"), jint(x, "id"));

				ck_assert_msg(r2->status == 200 ||
				    r2->status == 400, "PATCH %s=%s: %ld %s",
				    f, values[k], r2->status, r2->body);
				api_free(r2);
			}
			api_free(r);
			free(body);
			free(sku);
		}
	}
}
END_TEST

Suite *
listings_suite(void)
{
	Suite	*s = suite_create("listings");
	TCase	*tc = tcase_create("listings");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_create_with_variants_and_stock);
	tcase_add_test(tc, test_vendors_never_touch_each_other);
	tcase_add_test(tc, test_attributes_held_to_the_category);
	tcase_add_test(tc, test_hostile_values);
	tcase_add_test(tc, test_status_machine);
	tcase_add_test(tc, test_review_queue_and_regions);
	tcase_add_test(tc, test_api_keys);
	tcase_add_test(tc, test_any_value_of_any_field);
	suite_add_tcase(s, tc);
	return s;
}
