/*
 * What customers browse and search: only live listings of active
 * vendors; a category with everything under it; filters by brand, price,
 * attributes, stock, rating and where it can be delivered; sorts whose
 * pages, followed to the end, show every product once; facets on the
 * first page; search that forgives typos, completes prefixes, knows
 * synonyms and Devanagari, and answers hostile queries like any other.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "catalog.h"
#include "imgfix.h"
#include "suites.h"

#define PRODUCTS	"/v1/products"

/* in_stock as product_get computed it before migration 0028. */
#define PRODUCT_IN_STOCK_THEN						\
	"(l.kind = 'service' OR EXISTS (SELECT 1 FROM variants x JOIN "	\
	"stock s ON s.variant_id = x.id JOIN stock_locations sl ON sl.id = " \
	"s.location_id AND sl.active WHERE x.listing_id = l.id AND "	\
	"x.status = 'active' AND s.available > 0))"

/* GET /v1/products?query anonymously, expecting 200. */
static struct api_resp *
browse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct api_resp *
browse(const char *fmt, ...)
{
	struct api_resp	*r;
	va_list		 ap;
	char		*q, *path;

	va_start(ap, fmt);
	if (vasprintf(&q, fmt, ap) < 0)
		ck_abort_msg("vasprintf");
	va_end(ap);
	path = xasprintf(PRODUCTS "?%s", q);
	r = cat_call(NULL, "GET", path, PRODUCTS, 200, NULL);
	free(path);
	free(q);
	return r;
}

static json_t *
data(const struct api_resp *r)
{
	return json_object_get(r->json, "data");
}

/* The page holds exactly the ids of want (0-terminated), in any order. */
static void
expect_ids(const struct api_resp *r, const long *want, const char *what)
{
	size_t	n;

	for (n = 0; want[n] != 0; n++)
		ck_assert_msg(jhas_id(data(r), want[n]), "%s: product %ld "
		    "missing: %s", what, want[n], r->body);
	ck_assert_msg(json_array_size(data(r)) == n, "%s: %zu products, "
	    "expected %zu: %s", what, json_array_size(data(r)), n, r->body);
}

/* GET /v1/products?query: its page holds exactly want (0-terminated). */
static void
lists(const long *want, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
lists(const long *want, const char *what, const char *fmt, ...)
{
	struct api_resp	*r;
	va_list		 ap;
	char		*q;

	va_start(ap, fmt);
	if (vasprintf(&q, fmt, ap) < 0)
		ck_abort_msg("vasprintf");
	va_end(ap);
	r = browse("%s", q);
	expect_ids(r, want, what);
	api_free(r);
	free(q);
}

/* GET /v1/products?query, expecting 400 naming field. */
static void
refused(const char *query, const char *field)
{
	char		*path = xasprintf(PRODUCTS "?%s", query);
	struct api_resp	*r = api_get(path);

	ck_assert_msg(r->status == 400, "%s: status %ld: %.300s", query,
	    r->status, r->body);
	api_expect(r, 400, "GET", PRODUCTS);
	api_expect_problem(r, 400, "validation", field);
	api_free(r);
	free(path);
}

/*
 * A live product as u: kind product, in category, with brand (0: none),
 * attributes (a JSON object, or NULL), price and stock.
 */
static long
product(const struct test_user *u, long category, const char *title,
    long brand, const char *attrs, long price, int stock)
{
	struct api_resp	*r;
	char		*body, *sku = cat_sku(), *b;
	long		 id;

	b = brand > 0 ? xasprintf(",\"brand_id\":%ld", brand) : xstrdup("");
	body = xasprintf("{\"kind\":\"product\",\"title\":\"%s\","
	    "\"category_id\":%ld%s,\"attributes\":%s,\"variants\":[{\"sku\":"
	    "\"%s\",\"price\":%ld,\"stock\":%d}]}", title, category, b,
	    attrs != NULL ? attrs : "{}", sku, price, stock);
	r = cat_call(u, "POST", "/v1/listings", "/v1/listings", 201, body);
	id = jint(r->json, "id");
	api_free(r);
	r = cat_callf(u, "POST", "/v1/listings/{id}/submit", 200, NULL,
	    "/v1/listings/%ld/submit", id);
	ck_assert_str_eq(jstr(r->json, "status"), "active");
	api_free(r);
	free(body);
	free(b);
	free(sku);
	return id;
}

START_TEST(test_only_live_products)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_vendor	*gone = test_vendor_new(api_base(), NULL);
	struct test_user	*mod = test_user_new(api_base(), "moderator",
				    NULL);
	long			 cat = cat_category(0, "none"),
				 rev = cat_category(0, "new"), live, draft,
				 pending, rejected, archived, hidden, variant;
	struct api_resp		*r;
	json_t			*x;

	live = cat_live(v->owner, cat, "Live lamp", 120000, 3, &variant);
	draft = cat_listing(v->owner, cat, "Draft lamp", 1000, 1, NULL);
	archived = cat_live(v->owner, cat, "Old lamp", 1000, 1, NULL);
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/archive", 200, NULL,
	    "/v1/listings/%ld/archive", archived);
	api_free(r);
	hidden = cat_live(gone->owner, cat, "Lamp of a suspended vendor",
	    1000, 1, NULL);
	pending = cat_listing(v->owner, rev, "Pending lamp", 1000, 1, NULL);
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/submit", 200, NULL,
	    "/v1/listings/%ld/submit", pending);
	api_free(r);
	rejected = cat_listing(v->owner, rev, "Rejected lamp", 1000, 1, NULL);
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/submit", 200, NULL,
	    "/v1/listings/%ld/submit", rejected);
	api_free(r);
	r = cat_callf(mod, "POST", "/v1/listings/{id}/reject", 200,
	    "{\"reason\":\"Blurry\"}", "/v1/listings/%ld/reject", rejected);
	api_free(r);
	r = cat_callf(cat_admin(), "POST", "/v1/vendors/{id}/suspend", 200,
	    "{\"reason\":\"Fraud\"}", "/v1/vendors/%ld/suspend", gone->id);
	api_free(r);
	/* An extra variant, archived: customers do not see it. */
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/variants", 201,
	    "{\"sku\":\"LAMP-OLD\",\"price\":5,\"status\":\"archived\"}",
	    "/v1/listings/%ld/variants", live);
	api_free(r);

	r = browse("category_id=%ld", cat);
	expect_ids(r, (long[]){ live, 0 }, "browse");
	x = json_array_get(data(r), 0);
	ck_assert_int_eq(jint(x, "price_min"), 120000);
	ck_assert(json_is_true(json_object_get(x, "in_stock")));
	ck_assert_int_eq(jint(json_object_get(x, "vendor"), "id"), v->id);
	api_free(r);
	r = browse("category_id=%ld", rev);
	expect_ids(r, (long[]){ 0 }, "browse reviewed");
	api_free(r);
	r = browse("vendor_id=%ld", gone->id);
	expect_ids(r, (long[]){ 0 }, "suspended vendor");
	api_free(r);
	/* Nor by id; whoever asks. */
	{
		const long	 not[] = { draft, pending, rejected, archived,
				    hidden, 999999999 };
		const struct test_user *who[] = { NULL, v->owner, cat_admin() };
		size_t		 i, k;

		for (i = 0; i < API_N(not); i++) {
			for (k = 0; k < API_N(who); k++) {
				r = cat_reqf(who[k], "GET", NULL,
				    PRODUCTS "/%ld", not[i]);
				api_expect(r, 404, "GET", PRODUCTS "/{id}");
				api_free(r);
			}
		}
	}
	r = cat_callf(NULL, "GET", PRODUCTS "/{id}", 200, NULL,
	    PRODUCTS "/%ld", live);
	ck_assert_str_eq(jstr(r->json, "title"), "Live lamp");
	x = json_object_get(r->json, "variants");
	ck_assert_uint_eq(json_array_size(x), 1);
	ck_assert_int_eq(jint(json_array_get(x, 0), "id"), variant);
	ck_assert_int_eq(jint(json_array_get(x, 0), "available"), 3);
	ck_assert_int_eq(jint(json_array_get(json_object_get(r->json,
	    "breadcrumbs"), 0), "id"), cat);
	/* Nothing of the vendor's private side. */
	ck_assert_ptr_null(strstr(r->body, "legal_name"));
	ck_assert_ptr_null(strstr(r->body, "Pvt Ltd"));
	api_free(r);

	/* Stock in a closed store cannot be bought: it is not in stock. */
	r = cat_callf(v->owner, "PATCH",
	    "/v1/vendors/{id}/locations/{location_id}", 200,
	    "{\"active\":false}", "/v1/vendors/%ld/locations/%ld", v->id,
	    v->location);
	api_free(r);
	r = cat_callf(v->owner, "POST", "/v1/variants/{id}/reservations", 409,
	    "{\"quantity\":1,\"ref\":\"x\"}", "/v1/variants/%ld/reservations",
	    variant);
	api_free(r);
	r = browse("category_id=%ld", cat);
	ck_assert(json_is_false(json_object_get(json_array_get(data(r), 0),
	    "in_stock")));
	api_free(r);
	r = browse("category_id=%ld&in_stock=true", cat);
	expect_ids(r, (long[]){ 0 }, "closed store");
	api_free(r);
	r = cat_callf(NULL, "GET", PRODUCTS "/{id}", 200, NULL,
	    PRODUCTS "/%ld", live);
	ck_assert(json_is_false(json_object_get(r->json, "in_stock")));
	ck_assert_int_eq(jint(json_array_get(json_object_get(r->json,
	    "variants"), 0), "available"), 0);
	api_free(r);
}
END_TEST

START_TEST(test_category_holds_its_subcategories)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 root = cat_category(0, "none"), child,
				 grand, other, a, b, c, d;
	struct api_resp		*r;
	json_t			*f, *e;
	size_t			 i;

	child = cat_category(root, NULL);
	grand = cat_category(child, NULL);
	other = cat_category(0, "none");
	a = cat_live(v->owner, root, "Tea set", 90000, 1, NULL);
	b = cat_live(v->owner, child, "Tea cup", 20000, 1, NULL);
	c = cat_live(v->owner, grand, "Tea cup, blue", 25000, 1, NULL);
	d = cat_live(v->owner, other, "Coffee mug", 15000, 1, NULL);
	r = browse("category_id=%ld", root);
	expect_ids(r, (long[]){ a, b, c, 0 }, "root");
	ck_assert_int_eq(jint(r->json, "total"), 3);
	/* Facets count each category's own. */
	f = json_object_get(json_object_get(r->json, "facets"), "categories");
	ck_assert_uint_eq(json_array_size(f), 3);
	json_array_foreach(f, i, e)
		ck_assert_int_eq(jint(e, "count"), 1);
	api_free(r);
	lists((long[]){ b, c, 0 }, "child", "category_id=%ld", child);
	lists((long[]){ c, 0 }, "grandchild", "category_id=%ld", grand);
	lists((long[]){ d, 0 }, "other", "category_id=%ld", other);
	lists((long[]){ 0 }, "none", "category_id=999999999");
	/* A search within a category: its subcategories' products too. */
	lists((long[]){ a, b, c, 0 }, "tea in root",
	    "q=tea&category_id=%ld", root);
	lists((long[]){ b, c, 0 }, "tea in child",
	    "q=tea&category_id=%ld", child);
	lists((long[]){ 0 }, "tea in other", "q=tea&category_id=%ld", other);
	/* Moving a subtree moves its products. */
	r = cat_callf(cat_admin(), "PATCH", "/v1/categories/{id}", 200,
	    xasprintf("{\"parent_id\":%ld}", other), "/v1/categories/%ld",
	    child);
	api_free(r);
	lists((long[]){ b, c, d, 0 }, "moved", "category_id=%ld", other);
	lists((long[]){ a, 0 }, "left behind", "category_id=%ld", root);
	/*
	 * Searches too, down to the grandchild, whose path changed without
	 * its parent changing.
	 */
	lists((long[]){ b, c, 0 }, "tea moved", "q=tea&category_id=%ld", other);
	lists((long[]){ a, 0 }, "tea left behind",
	    "q=tea&category_id=%ld", root);
	lists((long[]){ c, 0 }, "tea in grandchild",
	    "q=tea&category_id=%ld", grand);
}
END_TEST

/* The count a facet list gives to the entry whose key is value. */
static long
facet_count(const json_t *list, const char *key, const json_t *value)
{
	const json_t	*e;
	size_t		 i;

	json_array_foreach(list, i, e) {
		if (json_equal(json_object_get(e, key), value))
			return jint(e, "count");
	}
	return 0;
}

START_TEST(test_filters_and_facets)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), b1, b2, b3,
				 colour, ram, wifi, l[6];
	char			*cc, *cr, *cw, *a, *q;
	struct api_resp		*r;
	json_t			*f, *k;

	b1 = cat_brand("Lumo", NULL);
	b2 = cat_brand("Orbit", NULL);
	b3 = cat_brand("Vega", NULL);
	colour = cat_attribute("enum", "[\"red\",\"black\",\"blue\"]", true,
	    &cc);
	ram = cat_attribute("number", NULL, true, &cr);
	wifi = cat_attribute("boolean", NULL, true, &cw);
	{
		char *body = xasprintf("{\"attributes\":[{\"attribute_id\":%ld},"
		    "{\"attribute_id\":%ld},{\"attribute_id\":%ld}]}", colour,
		    ram, wifi);

		r = cat_callf(cat_admin(), "PUT",
		    "/v1/categories/{id}/attributes", 200, body,
		    "/v1/categories/%ld/attributes", cat);
		api_free(r);
		free(body);
	}
#define ATTRS(c, n, w)	xasprintf("{\"%s\":\"%s\",\"%s\":%s,\"%s\":%s}", cc, \
			    c, cr, n, cw, w)
	l[0] = product(v->owner, cat, "Tablet one", b1, ATTRS("red", "8",
	    "true"), 10000, 5);
	l[1] = product(v->owner, cat, "Tablet two", b1, ATTRS("black", "4",
	    "false"), 50000, 0);
	l[2] = product(v->owner, cat, "Tablet three", b2, ATTRS("red", "8",
	    "false"), 150000, 2);
	l[3] = product(v->owner, cat, "Tablet four", b3, ATTRS("blue", "16",
	    "true"), 300000, 1);
	l[4] = product(v->owner, cat, "Tablet five", 0, NULL, 99900, 3);
#undef ATTRS
	/* Three's dearer variant makes its range 1500 to 2500 rupees. */
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/variants", 201,
	    "{\"sku\":\"T3-XL\",\"price\":250000}", "/v1/listings/%ld/variants",
	    l[2]);
	api_free(r);
	a = xasprintf("%ld", l[0]);
	PQclear(test_sql("UPDATE listings SET rating_avg = 4.5, rating_count = "
	    "10 WHERE id = $1", 1, (const char *[]){ a }));
	a = xasprintf("%ld", l[3]);
	PQclear(test_sql("UPDATE listings SET rating_avg = 3.0, rating_count = "
	    "2 WHERE id = $1", 1, (const char *[]){ a }));

	r = browse("category_id=%ld&brand_id=%ld", cat, b1);
	expect_ids(r, (long[]){ l[0], l[1], 0 }, "brand");
	api_free(r);
	r = browse("category_id=%ld&brand_id=%ld,%ld", cat, b1, b2);
	expect_ids(r, (long[]){ l[0], l[1], l[2], 0 }, "brands");
	api_free(r);
	r = browse("category_id=%ld&price_min=60000", cat);
	expect_ids(r, (long[]){ l[2], l[3], l[4], 0 }, "price_min");
	api_free(r);
	r = browse("category_id=%ld&price_max=60000", cat);
	expect_ids(r, (long[]){ l[0], l[1], 0 }, "price_max");
	api_free(r);
	r = browse("category_id=%ld&price_min=100000&price_max=200000", cat);
	expect_ids(r, (long[]){ l[2], 0 }, "price range");
	api_free(r);
	r = browse("category_id=%ld&attr.%s=red", cat, cc);
	expect_ids(r, (long[]){ l[0], l[2], 0 }, "colour");
	api_free(r);
	r = browse("category_id=%ld&attr.%s=red,blue", cat, cc);
	expect_ids(r, (long[]){ l[0], l[2], l[3], 0 }, "colours");
	api_free(r);
	r = browse("category_id=%ld&attr.%s=8", cat, cr);
	expect_ids(r, (long[]){ l[0], l[2], 0 }, "ram");
	api_free(r);
	r = browse("category_id=%ld&attr.%s=true", cat, cw);
	expect_ids(r, (long[]){ l[0], l[3], 0 }, "wifi");
	api_free(r);
	r = browse("category_id=%ld&attr.%s=red&attr.%s=true", cat, cc, cw);
	expect_ids(r, (long[]){ l[0], 0 }, "colour and wifi");
	api_free(r);
	r = browse("category_id=%ld&in_stock=true", cat);
	expect_ids(r, (long[]){ l[0], l[2], l[3], l[4], 0 }, "in stock");
	api_free(r);
	r = browse("category_id=%ld&in_stock=false", cat);
	expect_ids(r, (long[]){ l[0], l[1], l[2], l[3], l[4], 0 },
	    "in_stock=false");
	api_free(r);
	r = browse("category_id=%ld&rating_min=4", cat);
	expect_ids(r, (long[]){ l[0], 0 }, "rating_min=4");
	api_free(r);
	r = browse("category_id=%ld&rating_min=3", cat);
	expect_ids(r, (long[]){ l[0], l[3], 0 }, "rating_min=3");
	api_free(r);
	r = browse("category_id=%ld&brand_id=%ld&in_stock=true&price_max="
	    "20000", cat, b1);
	expect_ids(r, (long[]){ l[0], 0 }, "together");
	api_free(r);

	/* The facets count every match, whatever the page holds. */
	r = browse("category_id=%ld&limit=1", cat);
	ck_assert_uint_eq(json_array_size(data(r)), 1);
	ck_assert_int_eq(jint(r->json, "total"), 5);
	f = json_object_get(r->json, "facets");
	k = json_integer(b1);
	ck_assert_int_eq(facet_count(json_object_get(f, "brands"), "id", k), 2);
	json_decref(k);
	k = json_integer(b3);
	ck_assert_int_eq(facet_count(json_object_get(f, "brands"), "id", k), 1);
	json_decref(k);
	ck_assert_uint_eq(json_array_size(json_object_get(f, "brands")), 3);
	k = json_integer(cat);
	ck_assert_int_eq(facet_count(json_object_get(f, "categories"), "id",
	    k), 5);
	json_decref(k);
	/* Prices by the cheapest variant: 100, 500 and 999, 1500, 3000. */
	{
		const json_t	*p = json_object_get(f, "prices");
		const long	 want[][2] = { { 0, 1 }, { 50000, 2 },
				    { 100000, 1 }, { 250000, 1 } };
		size_t		 i;

		ck_assert_uint_eq(json_array_size(p), 4);
		for (i = 0; i < 4; i++) {
			k = json_integer(want[i][0]);
			ck_assert_int_eq(facet_count(p, "min", k), want[i][1]);
			json_decref(k);
		}
	}
	/* Attribute values, for facet attributes. */
	{
		const json_t	*at = json_object_get(f, "attributes");

		k = json_string("red");
		ck_assert_int_eq(facet_count(json_object_get(at, cc), "value",
		    k), 2);
		json_decref(k);
		k = json_integer(8);
		ck_assert_int_eq(facet_count(json_object_get(at, cr), "value",
		    k), 2);
		json_decref(k);
		k = json_true();
		ck_assert_int_eq(facet_count(json_object_get(at, cw), "value",
		    k), 2);
		json_decref(k);
	}
	q = xstrdup(jstr(r->json, "next"));
	api_free(r);
	/* Later pages do not repeat them. */
	r = browse("category_id=%ld&limit=1&after=%s", cat, q);
	ck_assert(json_is_null(json_object_get(r->json, "facets")));
	ck_assert(json_is_null(json_object_get(r->json, "total")));
	ck_assert_uint_eq(json_array_size(data(r)), 1);
	api_free(r);
	/* Facets follow the filters. */
	r = browse("category_id=%ld&brand_id=%ld", cat, b1);
	f = json_object_get(r->json, "facets");
	ck_assert_uint_eq(json_array_size(json_object_get(f, "brands")), 1);
	k = json_string("black");
	ck_assert_int_eq(facet_count(json_object_get(json_object_get(f,
	    "attributes"), cc), "value", k), 1);
	json_decref(k);
	api_free(r);

	/* Filters that are not. */
	{
		char	*many = xstrdup("brand_id=1");
		int	 i;

		for (i = 2; i <= 21; i++) {
			char *t = xasprintf("%s,%d", many, i);

			free(many);
			many = t;
		}
		refused(many, "brand_id");
		free(many);
	}
	refused("brand_id=abc", "brand_id");
	refused("brand_id=1,,2", "brand_id");
	refused("brand_id=1,", "brand_id");
	refused("brand_id=", "brand_id");
	refused("brand_id=0", "brand_id");
	refused("price_min=-1", "price_min");
	refused("price_min=5&price_max=1", "price_max");
	refused("price_max=1e3", "price_max");
	refused("rating_min=0", "rating_min");
	refused("rating_min=6", "rating_min");
	refused("in_stock=maybe", "in_stock");
	refused("sort=cheapest", "sort");
	refused("category_id=abc", "category_id");
	refused("vendor_id=-5", "vendor_id");
	refused("limit=0", "limit");
	refused("limit=101", "limit");
	refused("after=bm90IGEgY3Vyc29y", "after");
	refused("after=%%%%", "after");
	a = xasprintf("attr.%s=abc", cr);
	refused(a, xasprintf("attr.%s", cr));
	a = xasprintf("attr.%s=maybe", cw);
	refused(a, xasprintf("attr.%s", cw));
	a = xasprintf("attr.%s=", cc);
	refused(a, xasprintf("attr.%s", cc));
	refused("attr.no_such_attribute_x=1", "attr.no_such_attribute_x");
	refused("attr.Bad-Code=1", "attr");
	{
		char *p = xasprintf("attr.a%d=1", 1);
		int   i;

		for (i = 2; i <= 11; i++) {
			char *t = xasprintf("%s&attr.a%d=1", p, i);

			free(p);
			p = t;
		}
		refused(p, "attr");
		free(p);
	}
	{
		r = api_get(PRODUCTS "?colour=red");
		api_expect(r, 400, "GET", PRODUCTS);
		api_free(r);
	}
	free(q);
}
END_TEST

/* A pincode no region has yet. */
static char *
free_pincode(void)
{
	PGresult	*res;
	char		*p;

	res = test_sql("SELECT x FROM (SELECT (100000 + floor(random() * "
	    "899999))::int::text x FROM generate_series(1, 100)) s WHERE NOT "
	    "EXISTS (SELECT 1 FROM regions WHERE pincode = s.x) AND NOT EXISTS "
	    "(SELECT 1 FROM vendors WHERE pincode = s.x OR s.x = ANY "
	    "(service_pincodes)) LIMIT 1", 0, NULL);
	p = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return p;
}

/* An area of region with pincode at lat, lon. */
static void
area(const char *region, const char *pincode, double lat, double lon)
{
	char		 la[32], lo[32];
	const char	*p[4] = { region, pincode, la, lo };

	snprintf(la, sizeof la, "%.6f", lat);
	snprintf(lo, sizeof lo, "%.6f", lon);
	PQclear(test_sql("INSERT INTO regions (parent_id, kind, name, pincode,"
	    " lat, lon) VALUES ($1, 'area', 'Area ' || $2, $2, $3, $4)", 4, p));
}

START_TEST(test_where_it_delivers)
{
	char			*region = test_region_new("Deliverland");
	struct test_vendor	*va = test_vendor_new(api_base(), region);
	struct test_vendor	*vb = test_vendor_new(api_base(), region);
	struct test_vendor	*vc = test_vendor_new(api_base(), region);
	struct test_vendor	*vd = test_vendor_new(api_base(), region);
	char			*pa = free_pincode(), *pb = free_pincode(),
				*pnear = free_pincode(), *pfar = free_pincode(),
				*ps = free_pincode(), *px = free_pincode();
	long			 cat = cat_category(0, "none"), a, b, c, d, e;
	struct api_resp		*r;
	char			*body;

	/* Different pincodes each time: make sure. */
	ck_assert_str_ne(pa, pb);
	/* A: listed pincodes; B: none, so its own; C: 5 km around it. */
	PQclear(test_sql("UPDATE vendors SET service_pincodes = ARRAY[$2], "
	    "pincode = $3 WHERE id = $1", 3, (const char *[]){ va->ids, pa,
	    px }));
	PQclear(test_sql("UPDATE vendors SET pincode = $2 WHERE id = $1", 2,
	    (const char *[]){ vb->ids, pb }));
	PQclear(test_sql("UPDATE vendors SET lat = 23.1815, lon = 79.9864, "
	    "service_radius_m = 5000, pincode = $2 WHERE id = $1", 2,
	    (const char *[]){ vc->ids, px }));
	/* About 2 km and about 50 km from C. */
	area(region, pnear, 23.1995, 79.9864);
	area(region, pfar, 23.6315, 79.9864);
	a = cat_live(va->owner, cat, "Delivered by A", 1000, 1, NULL);
	b = cat_live(vb->owner, cat, "Delivered by B", 1000, 1, NULL);
	c = cat_live(vc->owner, cat, "Delivered by C", 1000, 1, NULL);
	/* D's service goes where its variant says. */
	body = xasprintf("{\"kind\":\"service\",\"title\":\"Plumber visit\","
	    "\"category_id\":%ld,\"variants\":[{\"sku\":\"PLUMB-1\",\"price\":"
	    "30000,\"duration_minutes\":60,\"service_pincodes\":[\"%s\"]}]}",
	    cat, ps);
	r = cat_call(vd->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    body);
	d = jint(r->json, "id");
	api_free(r);
	free(body);
	r = cat_callf(vd->owner, "POST", "/v1/listings/{id}/submit", 200, NULL,
	    "/v1/listings/%ld/submit", d);
	api_free(r);

	r = browse("category_id=%ld&pincode=%s", cat, pa);
	expect_ids(r, (long[]){ a, 0 }, "listed pincode");
	api_free(r);
	r = browse("category_id=%ld&pincode=%s", cat, pb);
	expect_ids(r, (long[]){ b, 0 }, "own pincode");
	api_free(r);
	/* A states its area: its own pincode is not in it. */
	r = browse("category_id=%ld&pincode=%s", cat, px);
	expect_ids(r, (long[]){ 0 }, "outside the area");
	api_free(r);
	r = browse("category_id=%ld&pincode=%s", cat, pnear);
	expect_ids(r, (long[]){ c, 0 }, "within the radius");
	api_free(r);
	r = browse("category_id=%ld&pincode=%s", cat, pfar);
	expect_ids(r, (long[]){ 0 }, "beyond the radius");
	api_free(r);
	r = browse("category_id=%ld&pincode=%s", cat, ps);
	expect_ids(r, (long[]){ d, 0 }, "service area");
	api_free(r);
	/* A service variant's own area replaces its vendor's. */
	PQclear(test_sql("UPDATE vendors SET pincode = $2 WHERE id = $1", 2,
	    (const char *[]){ vd->ids, pb }));
	r = browse("category_id=%ld&pincode=%s", cat, pb);
	expect_ids(r, (long[]){ b, 0 }, "not the service's area");
	api_free(r);
	/* A service around C, 3 km: reaches the near area, not the far. */
	body = xasprintf("{\"kind\":\"service\",\"title\":\"Tutor visit\","
	    "\"category_id\":%ld,\"variants\":[{\"sku\":\"TUTOR-1\",\"price\":"
	    "50000,\"duration_minutes\":60,\"service_radius_m\":3000}]}", cat);
	r = cat_call(vc->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    body);
	e = jint(r->json, "id");
	api_free(r);
	free(body);
	r = cat_callf(vc->owner, "POST", "/v1/listings/{id}/submit", 200, NULL,
	    "/v1/listings/%ld/submit", e);
	api_free(r);
	r = browse("category_id=%ld&pincode=%s", cat, pnear);
	expect_ids(r, (long[]){ c, e, 0 }, "service radius");
	api_free(r);
	PQclear(test_sql("UPDATE variants SET service_radius_m = 1000 WHERE "
	    "listing_id = $1", 1, (const char *[]){ xasprintf("%ld", e) }));
	r = browse("category_id=%ld&pincode=%s", cat, pnear);
	expect_ids(r, (long[]){ c, 0 }, "short service radius");
	api_free(r);
	r = browse("category_id=%ld&pincode=%s", cat, px);
	expect_ids(r, (long[]){ 0 }, "the service's vendor's pincode");
	api_free(r);
	/* Near a point: C is 2 km from here, the others have no place. */
	r = browse("category_id=%ld&near=23.1995,79.9864&radius_km=3", cat);
	expect_ids(r, (long[]){ c, e, 0 }, "near");
	api_free(r);
	r = browse("category_id=%ld&near=23.1995,79.9864&radius_km=1", cat);
	expect_ids(r, (long[]){ 0 }, "not near enough");
	api_free(r);
	r = browse("category_id=%ld&near=23.6315,79.9864", cat);
	expect_ids(r, (long[]){ 0 }, "far, 10 km by default");
	api_free(r);
	refused("pincode=012345", "pincode");
	refused("pincode=5600", "pincode");
	refused("pincode=56000a", "pincode");
	refused("near=23.1", "near");
	refused("near=91,10", "near");
	refused("near=10,181", "near");
	refused("near=abc,def", "near");
	refused("near=1,2,3", "near");
	refused("radius_km=5", "radius_km");
	refused("near=1,2&radius_km=0", "radius_km");
	refused("near=1,2&radius_km=101", "radius_km");
}
END_TEST

#define BULK	30

/*
 * BULK live products of vendor in category, made in the database: prices,
 * publication times, popularity and ratings with ties, and word in every
 * title (and 0 to 3 times in the description).
 */
static void
bulk(const struct test_vendor *v, long category, const char *word)
{
	char		 cat[24], n[16];
	const char	*p[4] = { v->ids, cat, word, n };

	snprintf(cat, sizeof cat, "%ld", category);
	snprintf(n, sizeof n, "%d", BULK);
	PQclear(test_sql("WITH l AS (INSERT INTO listings (vendor_id, kind, "
	    "title, description, category_id, status, published_at, popularity,"
	    " rating_avg) SELECT $1, 'product', 'Tile ' || g || ' ' || $3, "
	    "repeat($3 || ' ', g % 4), $2, 'active', timestamptz "
	    "'2026-01-01T00:00:00Z' + (g % 7) * interval '1 hour', g % 3, "
	    "CASE WHEN g % 4 = 0 THEN NULL ELSE 1 + (g % 5) * 0.45 END FROM "
	    "generate_series(1, $4::int) g RETURNING id) INSERT INTO variants "
	    "(listing_id, sku, price) SELECT id, 'BULK-' || id, ((id * 7) % 11 "
	    "+ 1) * 1000 FROM l", 4, p));
}

/* Follows sort's pages of size limit to the end; returns the cards. */
static json_t *
all_pages(const char *query, const char *sort, int limit, long total)
{
	json_t		*cards = json_array(), *c;
	struct api_resp	*r;
	char		*after = NULL;
	size_t		 i;
	int		 pages;

	for (pages = 0; pages < 100; pages++) {
		if (after == NULL)
			r = browse("%s&sort=%s&limit=%d", query, sort, limit);
		else
			r = browse("%s&sort=%s&limit=%d&after=%s", query, sort,
			    limit, after);
		ck_assert_uint_le(json_array_size(data(r)), (size_t)limit);
		if (after == NULL) {
			ck_assert_int_eq(jint(r->json, "total"), total);
			ck_assert(json_is_true(json_object_get(r->json,
			    "total_exact")));
			ck_assert(json_is_object(json_object_get(r->json,
			    "facets")));
		} else {
			ck_assert(json_is_null(json_object_get(r->json,
			    "total_exact")));
			ck_assert(json_is_null(json_object_get(r->json,
			    "facets")));
			ck_assert(json_is_null(json_object_get(r->json,
			    "total")));
		}
		json_array_foreach(data(r), i, c)
			json_array_append(cards, c);
		free(after);
		after = jstr(r->json, "next") != NULL ?
		    xstrdup(jstr(r->json, "next")) : NULL;
		/* A full page that ends the list says so: no empty page. */
		if (after == NULL) {
			api_free(r);
			break;
		}
		ck_assert_uint_eq(json_array_size(data(r)), (size_t)limit);
		api_free(r);
	}
	return cards;
}

/* Every product once. */
static void
expect_each_once(const json_t *cards, const char *sort)
{
	size_t	i, j;

	ck_assert_msg(json_array_size(cards) == BULK, "%s: %zu products, "
	    "expected %d", sort, json_array_size(cards), BULK);
	for (i = 0; i < json_array_size(cards); i++)
		for (j = 0; j < i; j++)
			ck_assert_msg(jint(json_array_get(cards, i), "id") !=
			    jint(json_array_get(cards, j), "id"),
			    "%s: product %ld twice", sort,
			    jint(json_array_get(cards, i), "id"));
}

START_TEST(test_sorts_and_pages)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none");
	char			*word = cat_word("tile"), *query;
	static const char *const sorts[] = { "relevance", "price_asc",
				    "price_desc", "newest", "popularity",
				    "rating" };
	json_t			*cards, *x, *y;
	size_t			 s, i;
	int			 limit;

	bulk(v, cat, word);
	query = xasprintf("category_id=%ld", cat);
	for (s = 0; s < API_N(sorts); s++) {
		for (limit = 7; limit <= 10; limit += 3) {
			cards = all_pages(query, sorts[s], limit, BULK);
			expect_each_once(cards, sorts[s]);
			for (i = 1; i < BULK; i++) {
				x = json_array_get(cards, i - 1);
				y = json_array_get(cards, i);
				if (strcmp(sorts[s], "price_asc") == 0) {
					ck_assert_int_le(jint(x, "price_min"),
					    jint(y, "price_min"));
					if (jint(x, "price_min") == jint(y,
					    "price_min"))
						ck_assert_int_lt(jint(x, "id"),
						    jint(y, "id"));
				} else if (strcmp(sorts[s], "price_desc") == 0) {
					ck_assert_int_ge(jint(x, "price_min"),
					    jint(y, "price_min"));
				} else if (strcmp(sorts[s], "newest") == 0) {
					ck_assert_str_ge(jstr(x,
					    "published_at"), jstr(y,
					    "published_at"));
				} else if (strcmp(sorts[s], "rating") == 0) {
					ck_assert(json_number_value(
					    json_object_get(x, "rating_avg")) >=
					    json_number_value(json_object_get(y,
					    "rating_avg")));
				}
			}
			json_decref(cards);
		}
	}
	/* Searching, by relevance and by price, page after page. */
	free(query);
	query = xasprintf("category_id=%ld&q=%s", cat, word);
	cards = all_pages(query, "relevance", 7, BULK);
	expect_each_once(cards, "search");
	json_decref(cards);
	cards = all_pages(query, "price_asc", 4, BULK);
	expect_each_once(cards, "search by price");
	json_decref(cards);
	free(query);
	free(word);
}
END_TEST

/*
 * GET /v1/products?query on soukd s, page after page of limit; returns
 * the cards and sets *first to the first page's body.
 */
static json_t *
pages_on(const struct soukd *s, const char *query, int limit, json_t **first)
{
	json_t		*cards = json_array(), *c;
	struct api_resp	*r;
	char		*after = NULL, *path;
	size_t		 i;
	int		 pages;

	for (pages = 0; pages < 100; pages++) {
		path = after == NULL ? xasprintf(PRODUCTS "?%s&limit=%d", query,
		    limit) : xasprintf(PRODUCTS "?%s&limit=%d&after=%s", query,
		    limit, after);
		r = api_request(s->url, "GET", path, NULL, NULL, 0, NULL);
		api_expect(r, 200, "GET", PRODUCTS);
		free(path);
		if (after == NULL)
			*first = json_incref(r->json);
		json_array_foreach(data(r), i, c)
			json_array_append(cards, c);
		free(after);
		after = jstr(r->json, "next") != NULL ?
		    xstrdup(jstr(r->json, "next")) : NULL;
		api_free(r);
		if (after == NULL)
			break;
	}
	return cards;
}

static int
cmp_long(const void *a, const void *b)
{
	long	x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* The ids of cards, smallest first, as "1,2,3". */
static char *
sorted_ids(const json_t *cards)
{
	struct buf	 b;
	long		*ids = xcalloc(json_array_size(cards) + 1, sizeof *ids);
	size_t		 i, n = json_array_size(cards);

	for (i = 0; i < n; i++)
		ids[i] = jint(json_array_get(cards, i), "id");
	qsort(ids, n, sizeof *ids, cmp_long);
	buf_init(&b, 0);
	for (i = 0; i < n; i++)
		if (!buf_printf(&b, "%s%ld", i > 0 ? "," : "", ids[i]))
			ck_abort_msg("buffer");
	if (!buf_adds(&b, ""))
		ck_abort_msg("buffer");
	free(ids);
	return buf_take(&b, NULL);
}

/* A listing's popularity, from the database. */
static long
popularity_of(long id)
{
	char		 ids[24];
	const char	*params[1] = { ids };

	snprintf(ids, sizeof ids, "%ld", id);
	return cat_long("SELECT popularity FROM listings WHERE id = $1", 1,
	    params);
}

/* The facet counts of one kind on a first page, added up. */
static long
facet_sum(const json_t *first, const char *kind)
{
	const json_t	*f;
	size_t		 i;
	long		 n = 0;

	json_array_foreach(json_object_get(json_object_get(first, "facets"),
	    kind), i, f)
		n += jint(f, "count");
	return n;
}

/* A first page's attribute facets, each code's values by count, then value. */
static int
cmp_value_count(const void *a, const void *b)
{
	const json_t	*x = *(json_t *const *)a, *y = *(json_t *const *)b;
	char		*tx, *ty;
	int		 c;

	if (jint(x, "count") != jint(y, "count"))
		return jint(x, "count") > jint(y, "count") ? -1 : 1;
	tx = json_dumps(json_object_get(x, "value"), JSON_ENCODE_ANY);
	ty = json_dumps(json_object_get(y, "value"), JSON_ENCODE_ANY);
	c = strcmp(tx, ty);
	free(tx);
	free(ty);
	return c;
}

/*
 * An answer of GET /v1/products, its facets' values of equal counts put
 * in one order (the facets name no order among them).
 */
static json_t *
answer_normal(const char *body)
{
	json_t		*j = json_loads(body, 0, NULL), *values, **v;
	const char	*code;
	size_t		 i, n;

	ck_assert_msg(j != NULL, "%s", body);
	json_object_foreach(json_object_get(json_object_get(j, "facets"),
	    "attributes"), code, values) {
		n = json_array_size(values);
		v = xcalloc(n + 1, sizeof *v);
		for (i = 0; i < n; i++)
			v[i] = json_incref(json_array_get(values, i));
		qsort(v, n, sizeof *v, cmp_value_count);
		json_array_clear(values);
		for (i = 0; i < n; i++)
			json_array_append_new(values, v[i]);
		free(v);
	}
	return j;
}

/* Counter <name>{result="<result>"} of the soukd at base. */
static long
result_metric(const char *base, const char *name, const char *result)
{
	struct api_resp	*r = api_request(base, "GET", "/metrics", NULL, NULL,
			    0, NULL);
	char		*needle = xasprintf("%s{result=\"%s\"} ", name, result);
	const char	*m = strstr(r->body, needle);
	long		 n;

	ck_assert_msg(m != NULL, "%s: %.400s", needle, r->body);
	n = strtol(m + strlen(needle), NULL, 10);
	free(needle);
	api_free(r);
	return n;
}

/* soukd_catalog_rows_total{result="<result>"} of the shared soukd. */
static long
rows_metric(const char *result)
{
	return result_metric(api_base(), "soukd_catalog_rows_total", result);
}

/* The ids of a page's cards, in order, as "3,1,2". */
static char *
page_ids(const struct api_resp *r)
{
	struct buf	 ids;
	json_t		*c;
	size_t		 i;

	buf_init(&ids, 0);
	json_array_foreach(data(r), i, c)
		ck_assert(buf_printf(&ids, "%s%ld", i > 0 ? "," : "",
		    jint(c, "id")));
	if (!buf_adds(&ids, ""))
		ck_abort_msg("buffer");
	return buf_take(&ids, NULL);
}

/*
 * A list within a category, by what its listings' rows say, is made from
 * the category's listings in memory: each page, cursor, total and facet
 * is what the database makes (a soukd keeping none, catalog_rows 0), for
 * every sort and filter, page after page; a change shows at once.
 */
START_TEST(test_category_lists_from_memory)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	struct test_vendor	*w = test_vendor_new(api_base(), NULL);
	long			 top = cat_category(0, "none"), sub =
				    cat_category(top, "none"), b1, b2, colour,
				    size, l[6], kept, loaded;
	char			*cc, *cs, *word = cat_word("rows"), *path;
	char			*after, *id;
	static const char *const sorts[] = { "relevance", "price_asc",
				    "price_desc", "newest", "popularity",
				    "rating" };
	const char		*filters[12];
	struct soukd		*db, *small;
	struct api_resp		*mem, *sql;
	json_t			*x, *y;
	size_t			 f, o, c, pages;
	int			 limit;

	b1 = cat_brand("Rowan", NULL);
	b2 = cat_brand("Sal", NULL);
	colour = cat_attribute("enum", "[\"red\",\"black\",\"blue\"]", true,
	    &cc);
	size = cat_attribute("number", NULL, true, &cs);
	for (c = 0; c < 2; c++) {
		char *body = xasprintf("{\"attributes\":[{\"attribute_id\":"
		    "%ld},{\"attribute_id\":%ld}]}", colour, size);

		mem = cat_callf(cat_admin(), "PUT",
		    "/v1/categories/{id}/attributes", 200, body,
		    "/v1/categories/%ld/attributes", c == 0 ? top : sub);
		api_free(mem);
		free(body);
	}
#define ATTRS(c, n)	xasprintf("{\"%s\":\"%s\",\"%s\":%s}", cc, c, cs, n)
	l[0] = product(v->owner, top, "Kettle one", b1, ATTRS("red", "8"),
	    10000, 5);
	l[1] = product(v->owner, sub, "Kettle two", b1, ATTRS("black", "4"),
	    50000, 0);
	l[2] = product(w->owner, sub, "Kettle three", b2, ATTRS("red", "8.5"),
	    150000, 2);
	l[3] = product(w->owner, top, "Kettle four", b2, ATTRS("blue", "16"),
	    300000, 1);
	l[4] = product(v->owner, sub, "Kettle five", 0, NULL, 99900, 3);
	l[5] = product(w->owner, sub, "Kettle six", b1, ATTRS("blue", "8"),
	    10000, 3);
#undef ATTRS
	/* Thirty more, of tied popularities, prices, dates and ratings. */
	bulk(v, sub, word);
	id = xasprintf("%ld", l[2]);
	PQclear(test_sql("UPDATE listings SET rating_avg = 4.5, popularity = 2"
	    " WHERE id = $1", 1, (const char *[]){ id }));
	free(id);

	filters[0] = "";
	filters[1] = xasprintf("&brand_id=%ld", b1);
	filters[2] = xasprintf("&brand_id=%ld,%ld", b2, b1);
	filters[3] = xasprintf("&vendor_id=%ld", w->id);
	filters[4] = "&price_min=20000&price_max=160000";
	filters[5] = "&price_max=5000";
	filters[6] = "&rating_min=3";
	filters[7] = xasprintf("&attr.%s=red", cc);
	filters[8] = xasprintf("&attr.%s=red,blue&attr.%s=8", cc, cs);
	filters[9] = xasprintf("&attr.%s=8.0&in_stock=false", cs);
	filters[10] = xasprintf("&attr.%s=8.5&brand_id=%ld", cs, b2);
	filters[11] = NULL;

	kept = rows_metric("kept");
	loaded = rows_metric("loaded");
	setenv("SOUKD_CATALOG_ROWS", "0", 1);
	db = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(db);
	for (c = 0; c < 2; c++)
	for (f = 0; filters[f] != NULL; f++)
	for (o = 0; o < API_N(sorts); o++)
	for (limit = 4; limit <= 40; limit += 36) {
		after = NULL;
		for (pages = 0; pages < 20; pages++) {
			path = xasprintf(PRODUCTS "?category_id=%ld%s&sort=%s"
			    "&limit=%d%s%s", c == 0 ? top : sub, filters[f],
			    sorts[o], limit, after != NULL ? "&after=" : "",
			    after != NULL ? after : "");
			mem = api_request(api_base(), "GET", path, NULL, NULL,
			    0, NULL);
			sql = api_request(db->url, "GET", path, NULL, NULL, 0,
			    NULL);
			api_expect(mem, 200, "GET", PRODUCTS);
			api_expect(sql, 200, "GET", PRODUCTS);
			x = answer_normal(mem->body);
			y = answer_normal(sql->body);
			ck_assert_msg(json_equal(x, y), "%s:\n%s\nthe database"
			    " says\n%s", path, mem->body, sql->body);
			json_decref(x);
			json_decref(y);
			free(after);
			after = jstr(mem->json, "next") != NULL ?
			    xstrdup(jstr(mem->json, "next")) : NULL;
			free(path);
			api_free(mem);
			api_free(sql);
			if (after == NULL)
				break;
		}
		ck_assert_ptr_null(after);
	}
	/*
	 * A category too large for a quarter of catalog_rows is not kept:
	 * its lists read the database, and say the same.
	 */
	setenv("SOUKD_CATALOG_ROWS", "2K", 1);
	small = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(small);
	for (o = 0; o < API_N(sorts); o++) {
		path = xasprintf(PRODUCTS "?category_id=%ld&sort=%s&limit=5",
		    top, sorts[o]);
		mem = api_request(small->url, "GET", path, NULL, NULL, 0, NULL);
		sql = api_request(db->url, "GET", path, NULL, NULL, 0, NULL);
		api_expect(mem, 200, "GET", PRODUCTS);
		ck_assert_str_eq(mem->body, sql->body);
		free(path);
		api_free(mem);
		api_free(sql);
	}
	mem = api_request(small->url, "GET", "/metrics", NULL, NULL, 0, NULL);
	ck_assert_msg(strstr(mem->body, "soukd_catalog_rows_total{result="
	    "\"loaded\"} 0\n") != NULL, "%.2000s", mem->body);
	api_free(mem);
	ck_assert(soukd_log_has(small, "its lists read the database"));
	ck_assert_int_eq(soukd_stop(small, SIGTERM), 0);
	ck_assert_int_eq(soukd_stop(db, SIGTERM), 0);
	/* Those lists were made from memory: each category read once. */
	ck_assert_int_gt(rows_metric("kept"), kept);
	ck_assert_int_ge(rows_metric("loaded"), loaded + 2);

	/*
	 * A price changed by another program shows at once, in the lists
	 * that read the database, load the category again and use it.
	 */
	id = xasprintf("%ld", l[5]);
	PQclear(test_sql("UPDATE variants SET price = 500 WHERE listing_id"
	    " = $1", 1, (const char *[]){ id }));
	loaded = rows_metric("loaded");
	for (limit = 1; limit <= 3; limit++) {
		mem = browse("category_id=%ld&sort=price_asc&limit=%d", top,
		    limit);
		ck_assert_int_eq(jint(json_array_get(data(mem), 0), "id"),
		    l[5]);
		ck_assert_int_eq(jint(json_array_get(data(mem), 0),
		    "price_min"), 500);
		api_free(mem);
	}
	ck_assert_int_eq(rows_metric("loaded"), loaded + 1);
	/* Archived: gone from its category's lists. */
	mem = cat_callf(w->owner, "POST", "/v1/listings/{id}/archive", 200,
	    NULL, "/v1/listings/%ld/archive", l[5]);
	api_free(mem);
	for (limit = 98; limit <= 100; limit++) {
		mem = browse("category_id=%ld&sort=price_asc&limit=%d", top,
		    limit);
		ck_assert_msg(!jhas_id(data(mem), l[5]), "%s", mem->body);
		ck_assert_int_eq(jint(mem->json, "total"), 5 + BULK);
		api_free(mem);
	}
	free(id);
	for (f = 1; f < 11; f++)
		if (f < 4 || f > 6)
			free((char *)(uintptr_t)filters[f]);
	free(cc);
	free(cs);
	free(word);
}
END_TEST

/*
 * With more matches than catalog_pool, relevance ranks and the first
 * page counts the most popular catalog_pool of them (total_exact false);
 * the other sorts still page through every match.
 */
START_TEST(test_broad_lists_count_their_pool)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none");
	char			*word = cat_word("pool"), *query, *want, *got;
	char			 cats[24];
	struct soukd		*s;
	json_t			*cards, *first;
	PGresult		*res;
	size_t			 c;
	int			 i;

	bulk(v, cat, word);
	snprintf(cats, sizeof cats, "%ld", cat);
	res = test_sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM"
	    " (SELECT id FROM listings WHERE category_id = $1 ORDER BY"
	    " popularity DESC, id DESC LIMIT 10) x", 1, (const char *[]){ cats });
	want = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	setenv("SOUKD_CATALOG_POOL", "10", 1);
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
	/* Browsing, then searching for a word all of them have. */
	for (i = 0; i < 2; i++) {
		query = i == 0 ? xasprintf("category_id=%ld", cat) :
		    xasprintf("category_id=%ld&q=%s", cat, word);
		/* By relevance: the 10 most popular, each once. */
		cards = pages_on(s, query, 4, &first);
		ck_assert_int_eq(jint(first, "total"), 10);
		ck_assert(json_is_false(json_object_get(first, "total_exact")));
		ck_assert_int_eq(facet_sum(first, "categories"), 10);
		ck_assert_int_eq(facet_sum(first, "prices"), 10);
		json_decref(first);
		ck_assert_uint_eq(json_array_size(cards), 10);
		got = sorted_ids(cards);
		ck_assert_msg(strcmp(got, want) == 0,
		    "%s: %s, want the most popular %s", query, got, want);
		free(got);
		json_decref(cards);
		/* By price: all 30, cheapest first. */
		got = xasprintf("%s&sort=price_asc", query);
		cards = pages_on(s, got, 7, &first);
		free(got);
		ck_assert_int_eq(jint(first, "total"), 10);
		ck_assert(json_is_false(json_object_get(first, "total_exact")));
		json_decref(first);
		ck_assert_uint_eq(json_array_size(cards), BULK);
		json_decref(cards);
		/*
		 * By popularity: the first page is the pool's head, the
		 * others follow on past it: all 30, each once.
		 */
		got = xasprintf("%s&sort=popularity", query);
		cards = pages_on(s, got, 4, &first);
		free(got);
		json_decref(first);
		ck_assert_uint_eq(json_array_size(cards), BULK);
		got = sorted_ids(cards);
		ck_assert_int_eq(cat_long("SELECT count(DISTINCT x) FROM"
		    " unnest(string_to_array($1, ',')) x", 1,
		    (const char *[]){ got }), BULK);
		free(got);
		for (c = 1; c < json_array_size(cards); c++) {
			json_t	*x = json_array_get(cards, c - 1),
				*y = json_array_get(cards, c);
			long	 px = popularity_of(jint(x, "id")),
				 py = popularity_of(jint(y, "id"));

			ck_assert_msg(px > py || (px == py && jint(x, "id") >
			    jint(y, "id")), "%s: %ld (%ld) before %ld (%ld)",
			    query, jint(x, "id"), px, jint(y, "id"), py);
		}
		json_decref(cards);
		free(query);
	}
	/* Fewer matches than the pool: exact. */
	query = xasprintf("category_id=%ld&price_max=2000", cat);
	cards = pages_on(s, query, 50, &first);
	ck_assert(json_is_true(json_object_get(first, "total_exact")));
	ck_assert_int_eq(jint(first, "total"), (long)json_array_size(cards));
	ck_assert_int_gt(json_array_size(cards), 0);
	ck_assert_int_lt(json_array_size(cards), 10);
	json_decref(first);
	json_decref(cards);
	free(query);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	free(want);
	free(word);
}
END_TEST

/*
 * A search by relevance ranks its pool alike whether every match is
 * ranked as it is read (up to eight pools of matches) or the pool's rows
 * alone, read again (more): the page is the pool, by relevance, then id.
 */
START_TEST(test_relevance_ranks_the_pool_either_way)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none");
	char			*word = cat_word("rank"), *other =
				    cat_word("filler"), *path, *got, *want;
	char			 cats[24], pool[8];
	const char		*params[3] = { word, cats, pool };
	int			 pools[2];
	struct soukd		*s;
	struct api_resp		*r;
	PGresult		*res;
	json_t			*plan;
	double			 rows, size;
	size_t			 k;

	/* 180 matches, among 600 more listings at least. */
	for (k = 0; k < 6; k++)
		bulk(v, cat, word);
	for (k = 0; k < 20; k++)
		bulk(v, cat, other);
	snprintf(cats, sizeof cats, "%ld", cat);
	/* Estimates as in service: matches counted, not guessed. */
	PQclear(test_sql("ANALYZE listings", 0, NULL));
	/*
	 * Pools on either side of an eighth of PostgreSQL's estimate of the
	 * matches (soukd asks it as this does): the first ranked after, the
	 * second as they are read.  Both large enough that search_way reads
	 * the matches rather than walk the listings, the first no smaller
	 * than catalog_pool may be.
	 */
	res = test_sql("EXPLAIN (FORMAT JSON) SELECT 1 FROM listings l"
	    " WHERE l.status = 'active' AND l.vendor_live AND l.search @@"
	    " search_query($1)", 1, params);
	plan = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	rows = json_number_value(json_object_get(json_object_get(
	    json_array_get(plan, 0), "Plan"), "Plan Rows"));
	json_decref(plan);
	res = test_sql("SELECT reltuples::float8 FROM pg_class WHERE oid ="
	    " 'listings'::regclass", 0, NULL);
	size = strtod(PQgetvalue(res, 0, 0), NULL);
	PQclear(res);
	pools[0] = (int)(rows / 8) - 1;
	pools[1] = (int)(rows / 8) + 2;
	ck_assert_msg(pools[0] >= 10 && rows * rows < 4 * pools[0] * size,
	    "PostgreSQL estimates %.0f matches among %.0f listings: the test"
	    " no longer reaches both ways", rows, size);
	for (k = 0; k < 2; k++) {
		snprintf(pool, sizeof pool, "%d", pools[k]);
		setenv("SOUKD_CATALOG_POOL", pool, 1);
		s = soukd_start(test_conninfo(), NULL);
		ck_assert_ptr_nonnull(s);
		path = xasprintf(PRODUCTS "?q=%s&limit=%s", word, pool);
		r = api_request(s->url, "GET", path, NULL, NULL, 0, NULL);
		api_expect(r, 200, "GET", PRODUCTS);
		got = page_ids(r);
		res = test_sql("SELECT string_agg(id::text, ',' ORDER BY k"
		    " DESC, id DESC) FROM (SELECT id, 0.6 * ts_rank(search,"
		    " search_query($1), 32) + 0.25 * quality + 0.15 *"
		    " vendor_score AS k FROM listings WHERE category_id ="
		    " $2::bigint AND status = 'active' AND search @@"
		    " search_query($1) ORDER BY popularity"
		    " DESC, id DESC LIMIT $3::int) x", 3, params);
		want = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		ck_assert_msg(strcmp(got, want) == 0, "pool %s: %s, want %s",
		    pool, got, want);
		free(got);
		free(want);
		api_free(r);
		free(path);
		ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	}
	free(other);
	free(word);
}
END_TEST

/* soukd_search_popular_total{result="<result>"} of soukd s. */
static long
popular_metric(const struct soukd *s, const char *result)
{
	return result_metric(s->url, "soukd_search_popular_total", result);
}

/*
 * A broad search reads its pool among its most popular matches (migration
 * 0037's index of words with popularity marks) when those are more than
 * the pool, else among all of them: either way its page, total and
 * facets are those of the catalog_pool most popular matches, after
 * popularities and titles have changed too.  Its own database: the share
 * of the listings each popularity has is the test's.
 */
START_TEST(test_broad_search_reads_its_popular_matches)
{
	/* Popular matches (enough of them), unpopular ones (too few). */
	static const char *const words[2] = { "zebrawood", "quokkafelt" };
	char		*conninfo = test_new_migrated_database();
	const char	*params[2];
	struct soukd	*s;
	struct api_resp	*r;
	PGresult	*res;
	json_t		*plan;
	char		*got, *want, *path;
	double		 rows, size;
	size_t		 k, j;

	/*
	 * 3,600 listings: 200 of each word, the filler's popularities and
	 * the first word's spread from 0 to 1,000, the second's 0 to 3.
	 */
	PQclear(test_sql_on(conninfo, "WITH g AS (INSERT INTO regions (kind,"
	    " name) VALUES ('country', 'Popland') RETURNING id), v AS (INSERT"
	    " INTO vendors (name, legal_name, category, address, region_id,"
	    " pincode) SELECT 'Pop', 'Pop', 'general', 'x', g.id, '560001'"
	    " FROM g RETURNING id), c AS (INSERT INTO categories (slug, name)"
	    " VALUES ('pop', 'Pop') RETURNING id) INSERT INTO listings"
	    " (vendor_id, kind, title, category_id, status, published_at,"
	    " popularity) SELECT v.id, 'product', CASE WHEN i <= 200 THEN"
	    " 'Zebrawood chair ' || i WHEN i <= 400 THEN 'Quokkafelt mat ' ||"
	    " i ELSE 'Plain item ' || i END, c.id, 'active', now(), CASE WHEN"
	    " i <= 200 THEN (i * 7919) % 1000 + 1 WHEN i <= 400 THEN i % 4"
	    " ELSE (i * 104729) % 1000 END FROM v, c, generate_series(1, 3600)"
	    " i", 0, NULL));
	PQclear(test_sql_on(conninfo, "ANALYZE listings", 0, NULL));
	/*
	 * Then the least popular of the first word become the most popular
	 * (their marks move), the most popular lose all, and the next have
	 * their words made again (a title edit): the index of words with
	 * marks follows each.
	 */
	PQclear(test_sql_on(conninfo, "UPDATE listings SET popularity ="
	    " 5000 + id % 7 WHERE title LIKE 'Zebrawood%' AND popularity < 60",
	    0, NULL));
	PQclear(test_sql_on(conninfo, "UPDATE listings SET popularity = 0"
	    " WHERE title LIKE 'Zebrawood%' AND popularity BETWEEN 950 AND"
	    " 1000", 0, NULL));
	PQclear(test_sql_on(conninfo, "UPDATE listings SET title = title ||"
	    " ' oak' WHERE title LIKE 'Zebrawood%' AND popularity BETWEEN 800"
	    " AND 949", 0, NULL));

	setenv("SOUKD_CATALOG_POOL", "20", 1);
	s = soukd_start(conninfo, NULL);
	ck_assert_ptr_nonnull(s);
	for (k = 0; k < 2; k++) {
		params[0] = words[k];
		/*
		 * As soukd asks: few enough matches estimated to read them
		 * rather than walk the listings, enough for a pool read
		 * among the most popular (products.c).
		 */
		res = test_sql_on(conninfo, "EXPLAIN (FORMAT JSON) SELECT 1"
		    " FROM listings l WHERE l.status = 'active' AND"
		    " l.vendor_live AND l.search @@ search_query($1)", 1,
		    params);
		plan = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
		PQclear(res);
		rows = json_number_value(json_object_get(json_object_get(
		    json_array_get(plan, 0), "Plan"), "Plan Rows"));
		json_decref(plan);
		res = test_sql_on(conninfo, "SELECT reltuples::float8 FROM"
		    " pg_class WHERE oid = 'listings'::regclass", 0, NULL);
		size = strtod(PQgetvalue(res, 0, 0), NULL);
		PQclear(res);
		ck_assert_msg(rows * rows < 4 * 20 * size && 4 * 21 / rows <=
		    0.7, "PostgreSQL estimates %.0f matches among %.0f"
		    " listings: the test no longer reaches the way it tests",
		    rows, size);

		/* By relevance: the pool, ranked. */
		path = xasprintf(PRODUCTS "?q=%s&limit=20", words[k]);
		r = api_request(s->url, "GET", path, NULL, NULL, 0, NULL);
		free(path);
		api_expect(r, 200, "GET", PRODUCTS);
		ck_assert_int_eq(jint(r->json, "total"), 20);
		ck_assert(json_is_false(json_object_get(r->json,
		    "total_exact")));
		ck_assert_int_eq(facet_sum(r->json, "categories"), 20);
		got = page_ids(r);
		api_free(r);
		res = test_sql_on(conninfo, "SELECT string_agg(id::text, ','"
		    " ORDER BY k DESC, id DESC) FROM (SELECT id, 0.6 *"
		    " ts_rank(search, search_query($1), 32) + 0.25 * quality +"
		    " 0.15 * vendor_score AS k FROM listings WHERE status ="
		    " 'active' AND vendor_live AND search @@ search_query($1)"
		    " ORDER BY popularity DESC, id DESC LIMIT 20) x", 1, params);
		want = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		ck_assert_msg(strcmp(got, want) == 0, "%s: %s, want %s",
		    words[k], got, want);
		free(got);
		free(want);

		/* By popularity: the pool's head. */
		path = xasprintf(PRODUCTS "?q=%s&limit=10&sort=popularity",
		    words[k]);
		r = api_request(s->url, "GET", path, NULL, NULL, 0, NULL);
		free(path);
		api_expect(r, 200, "GET", PRODUCTS);
		got = page_ids(r);
		api_free(r);
		res = test_sql_on(conninfo, "SELECT string_agg(id::text, ','"
		    " ORDER BY popularity DESC, id DESC) FROM (SELECT id,"
		    " popularity FROM listings WHERE status = 'active' AND"
		    " vendor_live AND search @@ search_query($1) ORDER BY"
		    " popularity DESC, id DESC LIMIT 10) x", 1, params);
		want = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		ck_assert_msg(strcmp(got, want) == 0, "%s by popularity: %s,"
		    " want %s", words[k], got, want);
		free(got);
		free(want);

		/*
		 * The first word's pool came from its popular matches, the
		 * second's from all, theirs being too few: both lists each.
		 */
		j = (size_t)popular_metric(s, k == 0 ? "enough" : "short");
		ck_assert_uint_eq(j, 2);
		ck_assert_int_eq(popular_metric(s, k == 0 ? "short" :
		    "enough"), k == 0 ? 0 : 2);
	}
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	free(conninfo);
}
END_TEST

/* A list asked of soukd base, answered in the background. */
struct slow_list {
	pthread_t	 th;
	const char	*base;
	char		 path[128];
	struct api_resp	*resp;
};

static void *
slow_list_run(void *arg)
{
	struct slow_list	*l = arg;

	l->resp = api_request(l->base, "GET", l->path, NULL, NULL, 0, NULL);
	return NULL;
}

/* Waits until n of soukd's connections wait for a lock. */
static void
wait_lock_waiters(PGconn *db, int n)
{
	PGresult	*res;
	int		 i, got = -1;

	for (i = 0; i < 500 && got != n; i++) {
		if (i > 0)
			usleep(10000);
		/* A transaction sees the activity of its start unless told. */
		res = PQexec(db, "SELECT pg_stat_clear_snapshot(), count(*)"
		    " FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
		    " AND datname = current_database()");
		ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
		got = atoi(PQgetvalue(res, 0, 1));
		PQclear(res);
	}
	ck_assert_msg(got == n, "%d lists wait for the lock, want %d", got, n);
}

/*
 * A list not kept in memory is made by a worker (http_workers): while
 * it waits on PostgreSQL, the one loop there is goes on answering, and
 * a second list waits its turn behind it; both are answered once the
 * database lets them.
 */
START_TEST(test_lists_do_not_hold_their_loop)
{
	char		*conninfo = test_new_migrated_database();
	struct slow_list l[2];
	struct soukd	*s;
	struct api_resp	*r;
	PGconn		*db;
	PGresult	*res;
	int		 i;

	setenv("SOUKD_HTTP_THREADS", "1", 1);
	setenv("SOUKD_HTTP_WORKERS", "1", 1);
	/* No jobs: they would wait on the lock too. */
	s = soukd_start(conninfo, (const char *[]){ "--role", "api", NULL });
	ck_assert_ptr_nonnull(s);
	ck_assert(soukd_log_has(s, "(1 HTTP threads, 1 HTTP workers)"));
	/* The loop's connection opens (preparing its statements). */
	r = api_request(s->url, "GET", "/readyz", NULL, NULL, 0, NULL);
	ck_assert_int_eq(r->status, 200);
	api_free(r);
	db = PQconnectdb(conninfo);
	ck_assert_int_eq(PQstatus(db), CONNECTION_OK);
	res = PQexec(db, "BEGIN; LOCK TABLE listings IN ACCESS EXCLUSIVE MODE");
	ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	for (i = 0; i < 2; i++) {
		l[i].base = s->url;
		snprintf(l[i].path, sizeof l[i].path, PRODUCTS "?price_min=%d",
		    i + 1);
		l[i].resp = NULL;
		ck_assert_int_eq(pthread_create(&l[i].th, NULL, slow_list_run,
		    &l[i]), 0);
		/* The first is on the worker, the second queued. */
		if (i == 0)
			wait_lock_waiters(db, 1);
	}
	/* The loop answers, from its own database connection too. */
	for (i = 0; i < 3; i++) {
		r = api_request(s->url, "GET", "/readyz", NULL, NULL, 0, NULL);
		ck_assert_int_eq(r->status, 200);
		api_free(r);
	}
	wait_lock_waiters(db, 1);
	ck_assert_ptr_null(l[0].resp);
	ck_assert_ptr_null(l[1].resp);
	res = PQexec(db, "ROLLBACK");
	PQclear(res);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_join(l[i].th, NULL), 0);
		api_expect(l[i].resp, 200, "GET", PRODUCTS);
		ck_assert_int_eq(jint(l[i].resp->json, "total"), 0);
		api_free(l[i].resp);
	}
	PQfinish(db);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	free(conninfo);
}
END_TEST

/* Whether a search for q (URL-encoded) in category finds id. */
static bool
finds(long category, const char *q, long id)
{
	struct api_resp	*r = browse("category_id=%ld&q=%s&limit=100",
			    category, q);
	bool		 found = jhas_id(data(r), id);

	api_free(r);
	return found;
}

START_TEST(test_search)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), phone, hindi,
				 kettle, named, described, brand;
	char			*word = cat_word("qz"), *title, *q, *big;
	struct api_resp		*r;
	size_t			 i, k;

	brand = cat_brand("Samsung", NULL);
	title = xasprintf("Galaxy M14 mobile phone %s", word);
	phone = product(v->owner, cat, title, brand, NULL, 1299900, 4);
	hindi = cat_live(v->owner, cat, "सैमसंग मोबाइल फ़ोन", 999900, 2, NULL);
	kettle = cat_live(v->owner, cat, "Electric kettle 1.5 L", 149900, 2,
	    NULL);

	/* As typed, misspelt, half typed, by brand. */
	ck_assert(finds(cat, "mobile", phone));
	ck_assert(!finds(cat, "mobile", kettle));
	ck_assert(finds(cat, "MOBILE%20PHONE", phone));
	ck_assert(finds(cat, "moblie", phone));
	ck_assert(finds(cat, "mobile%20phnoe", phone));
	ck_assert(finds(cat, "sams", phone));
	ck_assert(finds(cat, "samsung", phone));
	ck_assert(finds(cat, "mob", phone));
	ck_assert(finds(cat, "phones", phone));
	ck_assert(!finds(cat, "mobile%20kettle", phone));
	ck_assert(finds(cat, "kettles", kettle));
	/* Synonyms, added by an admin. */
	PQclear(test_sql("DELETE FROM search_synonyms WHERE term = "
	    "'cellphone'", 0, NULL));
	r = cat_call(cat_admin(), "POST", "/v1/search/synonyms",
	    "/v1/search/synonyms", 201, "{\"term\":\"cellphone\",\"synonyms\":"
	    "[\"mobile phone\",\"handset\"]}");
	api_free(r);
	ck_assert(finds(cat, "cellphone", phone));
	ck_assert(finds(cat, "handset", phone));
	ck_assert(!finds(cat, "cellphone", kettle));
	/* Devanagari, whole or begun. */
	ck_assert(finds(cat, "%E0%A4%AE%E0%A5%8B%E0%A4%AC%E0%A4%BE%E0%A4%87"
	    "%E0%A4%B2", hindi));
	ck_assert(finds(cat, "%E0%A4%B8%E0%A5%88%E0%A4%AE%E0%A4%B8%E0%A4%82"
	    "%E0%A4%97%20%E0%A4%AE%E0%A5%8B%E0%A4%AC%E0%A4%BE", hindi));
	ck_assert(!finds(cat, "%E0%A4%AE%E0%A5%8B%E0%A4%AC%E0%A4%BE%E0%A4%87"
	    "%E0%A4%B2", kettle));

	/* A title outranks a description. */
	q = cat_word("zz");
	title = xasprintf("Brass lamp %s", q);
	named = cat_live(v->owner, cat, title, 50000, 1, NULL);
	described = cat_live(v->owner, cat, "Brass lamp", 50000, 1, NULL);
	r = cat_callf(v->owner, "PATCH", "/v1/listings/{id}", 200,
	    xasprintf("{\"description\":\"Goes with the %s.\"}", q),
	    "/v1/listings/%ld", described);
	api_free(r);
	r = browse("q=%s&sort=relevance", q);
	ck_assert_uint_eq(json_array_size(data(r)), 2);
	ck_assert_int_eq(jint(json_array_get(data(r), 0), "id"), named);
	ck_assert_int_eq(jint(json_array_get(data(r), 1), "id"), described);
	api_free(r);

	/* Queries of no words: answered, with nothing to match. */
	r = browse("category_id=%ld&q=%%21%%21%%21", cat);
	ck_assert_uint_eq(json_array_size(data(r)), 0);
	api_free(r);
	/* An empty one is no query: the whole category. */
	r = browse("category_id=%ld&q=", cat);
	ck_assert_uint_eq(json_array_size(data(r)), 5);
	api_free(r);
	r = browse("category_id=%ld&q=%%20%%20", cat);
	ck_assert_uint_eq(json_array_size(data(r)), 5);
	api_free(r);
	/* Spaces around words, as search boxes send them. */
	ck_assert(finds(cat, "%20mobile%20", phone));
	/* Hostile text is only text. */
	{
		static const char *const hostile[] = {
			"%27%3B%20DROP%20TABLE%20listings%3B%20--",
			"%25_%5C",
			"a%3A*%20%26%20!b",
			"mobile%3A*%20%7C%20kettle",
			"%27mobile%27",
			"mobile%5C",
			"(mobile",
			"%E2%80%AEmobile",
			"%F0%9F%93%B1",
			"%3Cscript%3Ealert(1)%3C%2Fscript%3E",
			"%00",
		};

		for (i = 0; i < API_N(hostile); i++) {
			char *path = xasprintf(PRODUCTS "?category_id=%ld&q=%s",
			    cat, hostile[i]);

			r = api_get(path);
			ck_assert_msg(r->status == 200 || (r->status == 400 &&
			    strstr(r->body, "\"q\"") != NULL), "q=%s: %ld %s",
			    hostile[i], r->status, r->body);
			api_expect(r, r->status, "GET", PRODUCTS);
			api_free(r);
			free(path);
		}
		ck_assert(!finds(cat, "%27%3B%20DROP%20TABLE%20listings%3B%20--",
		    phone));
		ck_assert(finds(cat, "%27mobile%27", phone));
		ck_assert(finds(cat, "mobile%5C", phone));
		ck_assert(finds(cat, "(mobile", phone));
	}
	ck_assert_int_ge(cat_long("SELECT count(*) FROM listings", 0, NULL),
	    5);
	/* A long query works; a huge one is refused. */
	big = xmalloc(3 * 1024 + 1);
	for (i = 0, k = 0; i < 1000; i++) {
		if (i == 999)
			k += (size_t)snprintf(big + k, 4, "x");
		else if (i % 7 == 6)
			k += (size_t)snprintf(big + k, 4, "%%20");
		else
			big[k++] = "mobile "[i % 7];
	}
	big[k] = '\0';
	ck_assert(finds(cat, big, phone));
	free(big);
	big = xmalloc(10 * 1024 + 1);
	memset(big, 'a', 10 * 1024);
	big[10 * 1024] = '\0';
	{
		char *p = xasprintf("q=%s", big);

		refused(p, "q");
		free(p);
	}
	refused("q=mobile%0Aphone", "q");
	free(big);
	free(word);
	free(title);
	free(q);
}
END_TEST

START_TEST(test_suggest)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	char			*word = cat_word("sg"), *bname, *title, *p,
				*cname;
	long			 cat, brand;
	struct api_resp		*r;
	json_t			*t;
	size_t			 i;
	bool			 found;

	/* A category, a brand and a title that all start with word. */
	cname = xasprintf("%s phones", word);
	cname[0] = 'S';
	{
		char *body = xasprintf("{\"slug\":\"%s\",\"name\":\"%s\"}", word,
		    cname);

		r = cat_call(cat_admin(), "POST", "/v1/categories",
		    "/v1/categories", 201, body);
		cat = jint(r->json, "id");
		api_free(r);
		free(body);
	}
	brand = cat_brand(word, &bname);
	title = xasprintf("%sx galaxy", word);
	product(v->owner, cat, title, brand, NULL, 100000, 1);
	p = xasprintf("/v1/search/suggest?q=%.*s", (int)strlen(word) - 2, word);
	r = cat_call(NULL, "GET", p, "/v1/search/suggest", 200, NULL);
	found = false;
	json_array_foreach(json_object_get(r->json, "titles"), i, t)
		found = found || strcmp(json_string_value(t), title) == 0;
	ck_assert_msg(found, "no title: %s", r->body);
	ck_assert(jhas_id(json_object_get(r->json, "categories"), cat));
	ck_assert(jhas_id(json_object_get(r->json, "brands"), brand));
	api_free(r);
	free(p);
	/* Words before the last must all be there. */
	p = xasprintf("/v1/search/suggest?q=galaxy%%20%s", word);
	r = cat_call(NULL, "GET", p, "/v1/search/suggest", 200, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "titles")),
	    1);
	api_free(r);
	free(p);
	p = xasprintf("/v1/search/suggest?q=kettle%%20%s", word);
	r = cat_call(NULL, "GET", p, "/v1/search/suggest", 200, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "titles")),
	    0);
	api_free(r);
	free(p);
	/* Nothing to complete, or not a query. */
	r = cat_call(NULL, "GET", "/v1/search/suggest?q=%21%21", 
	    "/v1/search/suggest", 200, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "titles")),
	    0);
	api_free(r);
	r = cat_call(NULL, "GET", "/v1/search/suggest?q=%27%3B%20DROP%20TABLE"
	    "%20listings%3B%20--", "/v1/search/suggest", 200, NULL);
	api_free(r);
	r = cat_call(NULL, "GET", "/v1/search/suggest?q=a%3A*%20%26%20!b",
	    "/v1/search/suggest", 200, NULL);
	api_free(r);
	r = cat_call(NULL, "GET", "/v1/search/suggest?q=%E0%A4%AE%E0%A5%8B",
	    "/v1/search/suggest", 200, NULL);
	api_free(r);
	{
		static const char *const bad[] = {
			"/v1/search/suggest",
			"/v1/search/suggest?q=",
			"/v1/search/suggest?q=50%25",
			"/v1/search/suggest?q=a_b",
			"/v1/search/suggest?q=a%0Ab",
			"/v1/search/suggest?q=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			    "aaaaaaaaaa",
			"/v1/search/suggest?q=x&limit=5",
		};

		for (i = 0; i < API_N(bad); i++) {
			r = api_get(bad[i]);
			api_expect(r, 400, "GET", "/v1/search/suggest");
			api_free(r);
		}
	}
	free(word);
	free(bname);
	free(title);
	free(cname);
}
END_TEST

/* --- one product, kept as a document ----------------------------------- */

/* GET /v1/products/{id} anonymously, expecting status. */
static struct api_resp *
one(long id, long status)
{
	return cat_callf(NULL, "GET", PRODUCTS "/{id}", status, NULL,
	    PRODUCTS "/%ld", id);
}

/* The first variant of a product. */
static json_t *
variant0(const struct api_resp *r)
{
	return json_array_get(json_object_get(r->json, "variants"), 0);
}

/* The name of the i-th breadcrumb of a product. */
static const char *
crumb(const struct api_resp *r, size_t i)
{
	return jstr(json_array_get(json_object_get(r->json, "breadcrumbs"),
	    i), "name");
}

/*
 * A product is read from a document kept per listing (migration 0028);
 * every change to what it shows, to whichever table, shows in the next
 * read, and stock is always read as it is.
 */
START_TEST(test_product_follows_its_sources)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 top = cat_category(0, "none"), other, child,
				 brand, id, variant, image, hold;
	char			*bname, *title, *body, *jpeg;
	struct api_resp		*r;
	size_t			 len;

	other = cat_category(0, "none");
	child = cat_category(top, NULL);
	brand = cat_brand("Lumo", &bname);
	title = cat_word("Lamp ");
	id = product(v->owner, child, title, brand, NULL, 45000, 4);
	r = one(id, 200);
	variant = jint(variant0(r), "id");
	ck_assert_str_eq(jstr(r->json, "title"), title);
	ck_assert_int_eq(jint(variant0(r), "available"), 4);
	ck_assert(json_is_true(json_object_get(r->json, "in_stock")));
	ck_assert_str_eq(jstr(json_object_get(r->json, "brand"), "name"),
	    bname);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "images")),
	    0);
	api_free(r);

	/* The listing's title. */
	r = cat_callf(v->owner, "PATCH", "/v1/listings/{id}", 200,
	    "{\"title\":\"Brass lamp, \\\"antique\\\"\"}", "/v1/listings/%ld",
	    id);
	api_free(r);
	r = one(id, 200);
	ck_assert_str_eq(jstr(r->json, "title"), "Brass lamp, \"antique\"");
	api_free(r);

	/* A variant's price, and the listing's range with it. */
	body = xasprintf("{\"price\":47500}");
	r = cat_callf(v->owner, "PATCH",
	    "/v1/listings/{id}/variants/{variant_id}", 200, body,
	    "/v1/listings/%ld/variants/%ld", id, variant);
	api_free(r);
	free(body);
	r = one(id, 200);
	ck_assert_int_eq(jint(variant0(r), "price"), 47500);
	ck_assert_int_eq(jint(r->json, "price_min"), 47500);
	api_free(r);

	/* An image added. */
	imgfix_init();
	jpeg = imgfix_jpeg(640, 480, &len);
	{
		char		*path = xasprintf("/v1/listings/%ld/images"
				    "?alt=Side", id);
		const char	*hdr[2] = { v->owner->auth, NULL };

		r = api_request(api_base(), "POST", path, "image/jpeg", jpeg,
		    len, hdr);
		api_expect(r, 201, "POST", "/v1/listings/{id}/images");
		image = jint(r->json, "id");
		api_free(r);
		free(path);
	}
	free(jpeg);
	r = one(id, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "images")),
	    1);
	ck_assert_int_eq(jint(json_array_get(json_object_get(r->json,
	    "images"), 0), "id"), image);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r->json,
	    "images"), 0), "alt"), "Side");
	api_free(r);

	/* The vendor's name. */
	r = cat_callf(v->owner, "PATCH", "/v1/vendors/{id}", 200,
	    "{\"name\":\"Lamps & Co\"}", "/v1/vendors/%ld", v->id);
	api_free(r);
	r = one(id, 200);
	ck_assert_str_eq(jstr(json_object_get(r->json, "vendor"), "name"),
	    "Lamps & Co");
	api_free(r);

	/* The category, the one above it, and a move under another. */
	body = xasprintf("{\"name\":\"Desk lamps %ld\"}", child);
	r = cat_callf(cat_admin(), "PATCH", "/v1/categories/{id}", 200, body,
	    "/v1/categories/%ld", child);
	api_free(r);
	free(body);
	body = xasprintf("{\"name\":\"Lighting %ld\"}", top);
	r = cat_callf(cat_admin(), "PATCH", "/v1/categories/{id}", 200, body,
	    "/v1/categories/%ld", top);
	api_free(r);
	free(body);
	r = one(id, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json,
	    "breadcrumbs")), 2);
	ck_assert_str_eq(jstr(json_object_get(r->json, "category"), "name"),
	    xasprintf("Desk lamps %ld", child));
	ck_assert_str_eq(crumb(r, 0), xasprintf("Lighting %ld", top));
	ck_assert_str_eq(crumb(r, 1), xasprintf("Desk lamps %ld", child));
	api_free(r);
	body = xasprintf("{\"parent_id\":%ld}", other);
	r = cat_callf(cat_admin(), "PATCH", "/v1/categories/{id}", 200, body,
	    "/v1/categories/%ld", child);
	api_free(r);
	free(body);
	r = one(id, 200);
	ck_assert_int_eq(jint(json_array_get(json_object_get(r->json,
	    "breadcrumbs"), 0), "id"), other);
	ck_assert_int_eq(jint(json_array_get(json_object_get(r->json,
	    "breadcrumbs"), 1), "id"), child);
	api_free(r);

	/* The brand's name. */
	body = xasprintf("{\"name\":\"%s Lights\"}", bname);
	r = cat_callf(cat_admin(), "PATCH", "/v1/brands/{id}", 200, body,
	    "/v1/brands/%ld", brand);
	api_free(r);
	free(body);
	r = one(id, 200);
	ck_assert_str_eq(jstr(json_object_get(r->json, "brand"), "name"),
	    xasprintf("%s Lights", bname));
	api_free(r);

	/* Stock restocked, then all of it held for an order. */
	body = xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
	    "\"quantity\":6}", v->location);
	r = cat_callf(v->owner, "POST", "/v1/variants/{id}/stock", 200, body,
	    "/v1/variants/%ld/stock", variant);
	api_free(r);
	free(body);
	r = one(id, 200);
	ck_assert_int_eq(jint(variant0(r), "available"), 10);
	api_free(r);
	r = cat_callf(v->owner, "POST", "/v1/variants/{id}/reservations", 201,
	    "{\"quantity\":10,\"ref\":\"order:1\"}",
	    "/v1/variants/%ld/reservations", variant);
	hold = jint(r->json, "id");
	api_free(r);
	r = one(id, 200);
	ck_assert_int_eq(jint(variant0(r), "available"), 0);
	ck_assert(json_is_false(json_object_get(r->json, "in_stock")));
	api_free(r);
	r = cat_callf(v->owner, "POST", "/v1/reservations/{id}/release", 200,
	    NULL, "/v1/reservations/%ld/release", hold);
	api_free(r);
	r = one(id, 200);
	ck_assert_int_eq(jint(variant0(r), "available"), 10);
	ck_assert(json_is_true(json_object_get(r->json, "in_stock")));
	api_free(r);

	/* Suspended: gone at once; reactivated: back, as it was. */
	r = cat_callf(cat_admin(), "POST", "/v1/vendors/{id}/suspend", 200,
	    "{\"reason\":\"Checking documents\"}", "/v1/vendors/%ld/suspend",
	    v->id);
	api_free(r);
	r = one(id, 404);
	api_free(r);
	r = cat_callf(cat_admin(), "POST", "/v1/vendors/{id}/reactivate", 200,
	    NULL, "/v1/vendors/%ld/reactivate", v->id);
	api_free(r);
	r = one(id, 200);
	ck_assert_str_eq(jstr(r->json, "title"), "Brass lamp, \"antique\"");
	ck_assert_int_eq(jint(variant0(r), "available"), 10);
	api_free(r);

	/* Archived: gone at once; back when it is unarchived and live. */
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/archive", 200, NULL,
	    "/v1/listings/%ld/archive", id);
	api_free(r);
	r = one(id, 404);
	api_free(r);
	free(title);
	free(bname);
}
END_TEST

/* --- two writers at once -------------------------------------------------- */

static PGconn *
conn_open(void)
{
	PGconn	*c = PQconnectdb(test_conninfo());

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	return c;
}

/* Runs sql on c (a format, ids only), or sends it when wait is false. */
static void
conn_run(PGconn *c, bool wait, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
conn_run(PGconn *c, bool wait, const char *fmt, ...)
{
	PGresult	*res;
	va_list		 ap;
	char		*sql;

	va_start(ap, fmt);
	if (vasprintf(&sql, fmt, ap) < 0)
		ck_abort_msg("vasprintf");
	va_end(ap);
	if (!wait) {
		ck_assert_msg(PQsendQuery(c, sql) == 1, "%s: %s", sql,
		    PQerrorMessage(c));
		free(sql);
		return;
	}
	res = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQerrorMessage(c));
	PQclear(res);
	free(sql);
}

/* Waits for what conn_run sent on c. */
static void
conn_finish(PGconn *c)
{
	PGresult	*res;

	while ((res = PQgetResult(c)) != NULL) {
		ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
		    PQresultStatus(res) == PGRES_TUPLES_OK, "%s",
		    PQerrorMessage(c));
		PQclear(res);
	}
}

/*
 * first changes one thing in a transaction left open; second, on another
 * connection, changes another (and waits, if it must); then first
 * commits, and second is done.
 */
static void
at_once(const char *first, const char *second)
{
	PGconn	*a = conn_open(), *b = conn_open();

	conn_run(a, true, "BEGIN");
	conn_run(a, true, "%s", first);
	conn_run(b, false, "%s", second);
	usleep(300 * 1000);
	conn_run(a, true, "COMMIT");
	conn_finish(b);
	PQfinish(a);
	PQfinish(b);
}

/* at_once(a, b) on the first order, at_once(b, a) on the second. */
static void
at_once_in(int order, const char *a, const char *b)
{
	if (order == 0)
		at_once(a, b);
	else
		at_once(b, a);
}

/*
 * A document is rebuilt by whichever transaction commits last, from
 * what both changed: a listing that goes live (or is made live) while
 * its vendor is suspended, renamed or made active again, its brand or a
 * category above it renamed, is not left with what they were; nor is a
 * listing edited while its vendor is renamed.
 */
START_TEST(test_product_changes_at_once)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), sub, brand,
				 live, draft, id;
	char			*on, *off, *act, *name, *title, *made,
				*retitle;
	struct api_resp		*r;
	int			 order;

	sub = cat_category(cat, NULL);
	brand = cat_brand("Kumbh", NULL);
	live = cat_live(v->owner, cat, "Clay pot", 25000, 2, NULL);
	draft = cat_listing(v->owner, sub, "Clay lamp", 9000, 2, NULL);
	on = xasprintf("UPDATE listings SET status = 'active' WHERE id = %ld",
	    draft);
	off = xasprintf("UPDATE listings SET status = 'draft' WHERE id = %ld",
	    draft);
	for (order = 0; order < 2; order++) {
		/* Suspended while the draft goes live: neither is found. */
		act = xasprintf("UPDATE vendors SET status = 'suspended', "
		    "status_reason = 'Checking' WHERE id = %ld", v->id);
		at_once_in(order, act, on);
		free(act);
		r = one(draft, 404);
		api_free(r);
		r = one(live, 404);
		api_free(r);
		/* Active again while it goes live anew: both are found. */
		PQclear(test_sql(off, 0, NULL));
		act = xasprintf("UPDATE vendors SET status = 'active', "
		    "status_reason = NULL WHERE id = %ld", v->id);
		at_once_in(order, act, on);
		free(act);
		r = one(draft, 200);
		api_free(r);
		r = one(live, 200);
		api_free(r);
		/* Renamed while it goes live, and while the other's edited. */
		PQclear(test_sql(off, 0, NULL));
		name = xasprintf("Potters %d", order);
		act = xasprintf("UPDATE vendors SET name = '%s' WHERE id = %ld",
		    name, v->id);
		at_once_in(order, act, on);
		free(act);
		retitle = xasprintf("UPDATE listings SET title = 'Pot %d' WHERE "
		    "id = %ld", order, live);
		act = xasprintf("UPDATE vendors SET name = '%s!' WHERE id = %ld",
		    name, v->id);
		at_once_in(order, retitle, act);
		free(retitle);
		free(act);
		r = one(draft, 200);
		ck_assert_str_eq(jstr(json_object_get(r->json, "vendor"),
		    "name"), xasprintf("%s!", name));
		api_free(r);
		r = one(live, 200);
		ck_assert_str_eq(jstr(json_object_get(r->json, "vendor"),
		    "name"), xasprintf("%s!", name));
		ck_assert_str_eq(jstr(r->json, "title"), xasprintf("Pot %d",
		    order));
		api_free(r);
		PQclear(test_sql(off, 0, NULL));
		free(name);
		/*
		 * A brand renamed while a listing of it is made, live at
		 * once; the category above renamed while one goes live.
		 */
		title = xasprintf("Clay cup %d", order);
		act = xasprintf("UPDATE brands SET name = 'Kumbh %d' WHERE id = "
		    "%ld", order, brand);
		made = xasprintf("INSERT INTO listings (vendor_id, kind, title, "
		    "category_id, brand_id, status) VALUES (%ld, 'product', "
		    "'%s', %ld, %ld, 'active')", v->id, title, sub, brand);
		at_once_in(order, act, made);
		{
			const char *params[1] = { title };

			id = cat_long("SELECT id FROM listings WHERE title = $1",
			    1, params);
		}
		r = one(id, 200);
		ck_assert_str_eq(jstr(json_object_get(r->json, "brand"),
		    "name"), xasprintf("Kumbh %d", order));
		api_free(r);
		free(act);
		free(made);
		act = xasprintf("UPDATE categories SET name = 'Earthen %d' WHERE "
		    "id = %ld", order, cat);
		at_once_in(order, act, on);
		free(act);
		r = one(draft, 200);
		ck_assert_str_eq(jstr(json_array_get(json_object_get(r->json,
		    "breadcrumbs"), 0), "name"), xasprintf("Earthen %d", order));
		api_free(r);
		PQclear(test_sql(off, 0, NULL));
		free(title);
	}
	free(on);
	free(off);
}
END_TEST

/*
 * What GET /v1/products/{id} answered before products were kept as
 * documents: the answer must not have changed, in any detail.
 */
static const char product_built[] =
    "SELECT json_build_object('id', l.id, 'kind', l.kind, 'title',"
    " l.title, 'description', l.description, 'attributes', l.attributes,"
    " 'tags', l.tags, 'category', json_build_object('id', c.id, 'slug',"
    " c.slug, 'name', c.name), 'breadcrumbs', (SELECT json_agg("
    " json_build_object('id', a.id, 'slug', a.slug, 'name', a.name)"
    " ORDER BY cardinality(a.path)) FROM categories a WHERE a.id ="
    " ANY (c.path)), 'brand', CASE WHEN b.id IS NULL THEN NULL ELSE"
    " json_build_object('id', b.id, 'slug', b.slug, 'name', b.name) END,"
    " 'vendor', json_build_object('id', v.id, 'name', v.name, 'rating_avg',"
    " v.rating_avg, 'rating_count', v.rating_count, 'badges', v.badges,"
    " 'pincode', v.pincode, 'region_id', v.region_id),"
    " 'price_min', l.price_min, 'price_max', l.price_max, 'currency',"
    " l.currency, 'rating_avg', l.rating_avg, 'rating_count',"
    " l.rating_count, 'in_stock', " PRODUCT_IN_STOCK_THEN ","
    " 'images', coalesce((SELECT json_agg(json_build_object('id', i.id,"
    " 'alt', i.alt, 'width', i.width, 'height', i.height, 'urls',"
    " json_build_object('original', '/v1/images/' || i.original_key,"
    " 'medium', '/v1/images/' || i.medium_key, 'thumb', '/v1/images/' ||"
    " i.thumb_key)) ORDER BY i.position, i.id) FROM listing_images i"
    " WHERE i.listing_id = l.id), '[]'),"
    " 'variants', coalesce((SELECT json_agg(json_build_object('id', x.id,"
    " 'sku', x.sku, 'options', x.options, 'price', x.price,"
    " 'compare_at_price', x.compare_at_price, 'duration_minutes',"
    " x.duration_minutes, 'available', CASE WHEN l.kind = 'service'"
    " THEN NULL ELSE coalesce((SELECT sum(s.available) FROM stock s"
    " JOIN stock_locations sl ON sl.id = s.location_id AND sl.active"
    " WHERE s.variant_id = x.id), 0) END) ORDER BY x.position, x.id)"
    " FROM variants x WHERE x.listing_id = l.id AND x.status = 'active'),"
    " '[]'), 'published_at', rfc3339(l.published_at))::text"
    " FROM listings l JOIN vendors v ON v.id = l.vendor_id"
    " JOIN categories c ON c.id = l.category_id"
    " LEFT JOIN brands b ON b.id = l.brand_id"
    " WHERE l.id = $1 AND l.status = 'active' AND v.status = 'active'";

/* GET /v1/products/{id} answers what product_built does, byte for byte. */
static void
expect_as_built(long id)
{
	char		 sid[24];
	const char	*params[1] = { sid };
	PGresult	*res;
	struct api_resp	*r;

	snprintf(sid, sizeof sid, "%ld", id);
	res = test_sql(product_built, 1, params);
	r = cat_reqf(NULL, "GET", NULL, PRODUCTS "/%ld", id);
	if (PQntuples(res) == 0)
		ck_assert_msg(r->status == 404, "product %ld: %ld, expected "
		    "404: %s", id, r->status, r->body);
	else {
		ck_assert_msg(r->status == 200, "product %ld: %ld: %s", id,
		    r->status, r->body);
		ck_assert_msg(strcmp(r->body, PQgetvalue(res, 0, 0)) == 0,
		    "product %ld:\n%s\nexpected:\n%s", id, r->body,
		    PQgetvalue(res, 0, 0));
	}
	api_free(r);
	PQclear(res);
}

/*
 * The cards of a list as product_cards() drew them before they were kept
 * with the documents (migration 0035), for the listings $1, in order.
 */
static const char cards_built[] =
    "SELECT json_agg(json_build_object('id', l.id, 'kind', l.kind,"
    " 'title', l.title, 'category', json_build_object('id', c.id,"
    " 'slug', c.slug, 'name', c.name), 'brand', CASE WHEN b.id IS NULL"
    " THEN NULL ELSE json_build_object('id', b.id, 'name', b.name) END,"
    " 'vendor', json_build_object('id', v.id, 'name', v.name,"
    " 'rating_avg', v.rating_avg, 'badges', v.badges), 'price_min',"
    " l.price_min, 'price_max', l.price_max, 'currency', l.currency,"
    " 'rating_avg', l.rating_avg, 'rating_count', l.rating_count,"
    " 'thumb', (SELECT '/v1/images/' || i.thumb_key FROM listing_images i"
    " WHERE i.listing_id = l.id ORDER BY i.position, i.id LIMIT 1),"
    " 'in_stock', l.kind = 'service' OR EXISTS (SELECT 1 FROM variants x"
    " JOIN stock s ON s.variant_id = x.id JOIN stock_locations sl"
    " ON sl.id = s.location_id AND sl.active WHERE x.listing_id = l.id"
    " AND x.status = 'active' AND s.available > 0), 'published_at',"
    " rfc3339(l.published_at)) ORDER BY p.i)::text"
    " FROM unnest($1::bigint[]) WITH ORDINALITY AS p (id, i)"
    " JOIN listings l ON l.id = p.id JOIN vendors v ON v.id = l.vendor_id"
    " JOIN categories c ON c.id = l.category_id"
    " LEFT JOIN brands b ON b.id = l.brand_id";

/* The cards of vendor's list are what cards_built makes, byte for byte. */
static void
expect_cards_as_built(long vendor)
{
	struct api_resp	*r = browse("vendor_id=%ld&limit=100", vendor);
	struct buf	 ids;
	const char	*params[1];
	char		*cards;
	PGresult	*res;
	size_t		 i;

	buf_init(&ids, 0);
	ck_assert(buf_adds(&ids, "{"));
	for (i = 0; i < json_array_size(data(r)); i++)
		ck_assert(buf_printf(&ids, "%s%lld", i > 0 ? "," : "",
		    (long long)jint(json_array_get(data(r), i), "id")));
	ck_assert(buf_adds(&ids, "}"));
	ck_assert_int_gt(i, 0);
	params[0] = ids.data;
	res = test_sql(cards_built, 1, params);
	cards = xasprintf("{\"data\":%s,\"next\":", PQgetvalue(res, 0, 0));
	ck_assert_msg(strncmp(r->body, cards, strlen(cards)) == 0,
	    "cards:\n%s\nexpected:\n%s", r->body, cards);
	free(cards);
	PQclear(res);
	buf_free(&ids);
	api_free(r);
}

START_TEST(test_product_as_built)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 top = cat_category(0, "none"), cat, brand,
				 ids[6], variant, spare, second;
	struct api_resp		*r;
	char			*body, *jpeg, *sid;
	const char		*params[1];
	size_t			 len, i;
	int			 k;

	cat = cat_category(top, NULL);
	brand = cat_brand("Orbit", NULL);
	/*
	 * A product with a brand, three variants (one archived, one put
	 * first), images, and text that needs escaping, in JSON or in a
	 * format() string.
	 */
	ids[0] = product(v->owner, cat, "Tiffin 50% %1$s \\\"steel\\\" \\\\ "
	    "\u091f\u093f\u092b\u093f\u0928", brand, "{}", 30000, 3);
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/variants", 201,
	    "{\"sku\":\"TF-2\",\"price\":32000,\"compare_at_price\":40000,"
	    "\"options\":{\"size\":\"L\",\"note\":\"a \\\"b\\\"\"},"
	    "\"position\":-1}", "/v1/listings/%ld/variants", ids[0]);
	api_free(r);
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/variants", 201,
	    "{\"sku\":\"TF-3\",\"price\":5,\"status\":\"archived\"}",
	    "/v1/listings/%ld/variants", ids[0]);
	api_free(r);
	imgfix_init();
	jpeg = imgfix_jpeg(320, 240, &len);
	for (k = 0; k < 2; k++) {
		char		*path = xasprintf("/v1/listings/%ld/images%s",
				    ids[0], k == 0 ? "" : "?alt=Back%20%22view%22");
		const char	*hdr[2] = { v->owner->auth, NULL };

		r = api_request(api_base(), "POST", path, "image/jpeg", jpeg,
		    len, hdr);
		ck_assert_msg(r->status == 201 || r->status == 200, "%ld %s",
		    r->status, r->body);
		api_free(r);
		free(path);
		free(jpeg);
		jpeg = imgfix_jpeg(330, 250, &len);
	}
	free(jpeg);
	/* A service: in stock, nothing available to count. */
	body = xasprintf("{\"kind\":\"service\",\"title\":\"Sofa cleaning\","
	    "\"category_id\":%ld,\"variants\":[{\"sku\":\"%s\",\"price\":"
	    "99900,\"duration_minutes\":120}]}", cat, cat_sku());
	r = cat_call(v->owner, "POST", "/v1/listings", "/v1/listings", 201,
	    body);
	ids[1] = jint(r->json, "id");
	api_free(r);
	free(body);
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/submit", 200, NULL,
	    "/v1/listings/%ld/submit", ids[1]);
	api_free(r);
	/* Out of stock; then stock at a second store, the first closed. */
	ids[2] = cat_live(v->owner, cat, "Spare lid", 900, 0, &spare);
	ids[3] = cat_live(v->owner, cat, "Ladle", 1500, 2, NULL);
	r = cat_callf(v->owner, "POST", "/v1/vendors/{id}/locations", 201,
	    "{\"name\":\"Godown\"}", "/v1/vendors/%ld/locations", v->id);
	second = jint(r->json, "id");
	api_free(r);
	for (i = 0; i < 4; i++)
		expect_as_built(ids[i]);
	expect_cards_as_built(v->id);
	body = xasprintf("{\"location_id\":%ld,\"kind\":\"restock\","
	    "\"quantity\":8}", second);
	r = cat_callf(v->owner, "POST", "/v1/variants/{id}/stock", 200, body,
	    "/v1/variants/%ld/stock", spare);
	api_free(r);
	free(body);
	for (i = 0; i < 4; i++)
		expect_as_built(ids[i]);
	expect_cards_as_built(v->id);
	r = cat_callf(v->owner, "PATCH",
	    "/v1/vendors/{id}/locations/{location_id}", 200,
	    "{\"active\":false}", "/v1/vendors/%ld/locations/%ld", v->id,
	    v->location);
	api_free(r);
	/* A draft, and a listing whose only variant is archived. */
	ids[4] = cat_listing(v->owner, cat, "Draft pan", 700, 1, NULL);
	ids[5] = cat_live(v->owner, cat, "Old pan", 800, 1, &variant);
	sid = xasprintf("%ld", variant);
	params[0] = sid;
	PQclear(test_sql("UPDATE variants SET status = 'archived' WHERE id = $1",
	    1, params));
	free(sid);
	for (i = 0; i < API_N(ids); i++)
		expect_as_built(ids[i]);
	expect_cards_as_built(v->id);
	/* And a few others, whatever this run's other tests made. */
	{
		PGresult	*res = test_sql("SELECT id FROM listings ORDER BY "
				    "id DESC LIMIT 40", 0, NULL);
		int		 n;

		for (n = 0; n < PQntuples(res); n++)
			expect_as_built(strtol(PQgetvalue(res, n, 0), NULL,
			    10));
		PQclear(res);
	}
}
END_TEST

/* No value of any parameter gets more than a 400. */
START_TEST(test_any_value_of_any_parameter)
{
	static const char *const params[] = {
		"q", "category_id", "vendor_id", "brand_id", "price_min",
		"price_max", "rating_min", "in_stock", "pincode", "near",
		"radius_km", "sort", "limit", "after", "attr.colour",
	};
	static const char *const values[] = {
		"", "0", "-1", "1", "99999999999999999999", "1e309", "NaN",
		"inf", "0x10", "1.5", "true", "1,2", "1,,", ",", "%00", "%FF%FE",
		"%C0%AF", "%27%20OR%201%3D1%20--", "%5C", "%22", "null", "[]",
		"%7B%7D", "12.97,77.59", "-90,-180", "90.0000001,0", "a%0Ab",
		"%E0%A4%AE", "eyJ4IjoxfQ", "WzEsMl0", "WyJ4IiwxXQ",
		"WyIxZTk5OTkiLDFd", "WyItMSIsMV0", "W251bGwsIngiXQ",
		"WzAuNSwxXQ",
	};
	struct api_resp	*r;
	char		*path;
	size_t		 i, k;

	for (i = 0; i < API_N(params); i++) {
		for (k = 0; k < API_N(values); k++) {
			path = xasprintf(PRODUCTS "?%s=%s", params[i],
			    values[k]);
			r = api_get(path);
			ck_assert_msg(r->status == 200 || r->status == 400,
			    "%s: %ld %s", path, r->status, r->body);
			api_expect(r, r->status, "GET", PRODUCTS);
			api_free(r);
			free(path);
		}
	}
	/* And every parameter at once. */
	r = browse("q=phone&category_id=1&vendor_id=1&brand_id=1,2&price_min=1&"
	    "price_max=100000&rating_min=1&in_stock=true&pincode=560001&"
	    "near=12.97,77.59&radius_km=100&sort=price_desc&limit=100");
	api_free(r);
}
END_TEST

/*
 * Lists read a vendor's status and score from copies on its listings
 * (migration 0034): they follow the vendor, also when the vendor changes
 * while a listing of it is made or moved, and copying them is no edit
 * of the listings.
 */
START_TEST(test_lists_follow_their_vendor)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL),
				*w = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), a, b, made,
				 edits;
	char			*suspend, *reactivate, *make, *title, *ids,
				*edited;
	struct api_resp		*r;
	const char		*params[1];
	PGconn			*db = conn_open();
	int			 order;

	a = cat_live(v->owner, cat, "Brass bell", 30000, 2, NULL);
	b = cat_live(w->owner, cat, "Brass bowl", 30000, 2, NULL);
	ids = xasprintf("{%ld,%ld}", a, b);
	params[0] = ids;
	PQclear(test_sql("UPDATE listings SET quality = 0.5 WHERE id = ANY "
	    "($1::bigint[])", 1, params));
	edits = cat_long("SELECT sum(extract(epoch FROM updated_at) * 1e6) "
	    "FROM listings WHERE id = ANY ($1::bigint[])", 1, params);

	/* Relevance follows the vendors' scores, as a ranking job sets them. */
	conn_run(db, true, "UPDATE vendors SET score = 0.9 WHERE id = %ld",
	    v->id);
	conn_run(db, true, "UPDATE vendors SET score = 0.1 WHERE id = %ld",
	    w->id);
	r = browse("category_id=%ld", cat);
	ck_assert_int_eq(jint(json_array_get(data(r), 0), "id"), a);
	ck_assert_int_eq(jint(json_array_get(data(r), 1), "id"), b);
	api_free(r);
	conn_run(db, true, "UPDATE vendors SET score = 0.95 WHERE id = %ld",
	    w->id);
	r = browse("category_id=%ld", cat);
	ck_assert_int_eq(jint(json_array_get(data(r), 0), "id"), b);
	ck_assert_int_eq(jint(json_array_get(data(r), 1), "id"), a);
	api_free(r);
	/* No edit of the listings: their updated_at stays. */
	ck_assert_int_eq(cat_long("SELECT sum(extract(epoch FROM updated_at) "
	    "* 1e6) FROM listings WHERE id = ANY ($1::bigint[])", 1, params),
	    edits);

	/* Suspended: gone from lists (a filter, a facet, a search). */
	r = cat_callf(cat_admin(), "POST", "/v1/vendors/{id}/suspend", 200,
	    "{\"reason\":\"Checking\"}", "/v1/vendors/%ld/suspend", v->id);
	api_free(r);
	r = browse("category_id=%ld", cat);
	expect_ids(r, (long[]){ b, 0 }, "one vendor suspended");
	ck_assert_int_eq(jint(r->json, "total"), 1);
	api_free(r);
	r = browse("q=bell&category_id=%ld", cat);
	expect_ids(r, (long[]){ 0 }, "search, vendor suspended");
	api_free(r);
	r = cat_callf(cat_admin(), "POST", "/v1/vendors/{id}/reactivate", 200,
	    "{\"reason\":\"Documents checked\"}",
	    "/v1/vendors/%ld/reactivate", v->id);
	api_free(r);
	r = browse("category_id=%ld", cat);
	expect_ids(r, (long[]){ a, b, 0 }, "reactivated");
	api_free(r);

	/* Moved to another vendor: it takes that vendor's status. */
	conn_run(db, true, "UPDATE vendors SET status = 'suspended', "
	    "status_reason = 'Checking' WHERE id = %ld", w->id);
	conn_run(db, true, "UPDATE listings SET vendor_id = %ld WHERE id = "
	    "%ld", w->id, a);
	r = browse("category_id=%ld", cat);
	expect_ids(r, (long[]){ 0 }, "moved to a suspended vendor");
	api_free(r);
	conn_run(db, true, "UPDATE listings SET vendor_id = %ld WHERE id = "
	    "%ld", v->id, a);
	conn_run(db, true, "UPDATE vendors SET status = 'active', "
	    "status_reason = NULL WHERE id = %ld", w->id);

	/* Made live while its vendor is suspended, in either order. */
	suspend = xasprintf("UPDATE vendors SET status = 'suspended', "
	    "status_reason = 'Checking' WHERE id = %ld", v->id);
	reactivate = xasprintf("UPDATE vendors SET status = 'active', "
	    "status_reason = NULL WHERE id = %ld", v->id);
	for (order = 0; order < 2; order++) {
		title = xasprintf("Brass lamp %d", order);
		make = xasprintf("INSERT INTO listings (vendor_id, kind, "
		    "title, category_id, status) VALUES (%ld, 'product', "
		    "'%s', %ld, 'active')", v->id, title, cat);
		at_once_in(order, suspend, make);
		params[0] = title;
		made = cat_long("SELECT id FROM listings WHERE title = $1", 1,
		    params);
		r = browse("category_id=%ld", cat);
		expect_ids(r, (long[]){ b, 0 }, "made while suspended");
		api_free(r);
		edited = xasprintf("UPDATE listings SET title = title || '!' "
		    "WHERE id = %ld", made);
		at_once_in(order, reactivate, edited);
		r = browse("category_id=%ld", cat);
		expect_ids(r, (long[]){ a, b, made, 0 }, "reactivated while "
		    "edited");
		api_free(r);
		conn_run(db, true, "DELETE FROM listings WHERE id = %ld",
		    made);
		free(edited);
		free(make);
		free(title);
	}
	free(suspend);
	free(reactivate);
	free(ids);
	PQfinish(db);
}
END_TEST

/*
 * soukd keeps answers to searches in memory; none outlives a change,
 * whoever makes it: an edit through the API, or a statement another
 * program runs on the database.
 */
START_TEST(test_kept_answers_follow_changes)
{
	struct test_vendor	*v = test_vendor_new(api_base(), NULL);
	long			 cat = cat_category(0, "none"), id, hits;
	char			*word = cat_word("kp"), *title, *q, *sid;
	const char		*params[1];
	struct api_resp		*r;
	int			 i;

	title = xasprintf("Steel tiffin %s", word);
	id = cat_live(v->owner, cat, title, 45000, 3, NULL);
	q = xasprintf("q=%s&category_id=%ld", word, cat);
	for (i = 0; i < 3; i++) {
		r = browse("%s", q);
		ck_assert_msg(jhas_id(data(r), id), "%s", r->body);
		ck_assert_int_eq(jint(json_array_get(data(r), 0), "price_min"),
		    45000);
		api_free(r);
	}
	/* Asked three times: answered from memory at least once. */
	r = api_get("/metrics");
	{
		const char *m = strstr(r->body,
		    "soukd_catalog_cache_total{result=\"hit\"} ");

		ck_assert_msg(m != NULL, "%.400s", r->body);
		hits = strtol(m + strlen("soukd_catalog_cache_total{result="
		    "\"hit\"} "), NULL, 10);
		ck_assert_int_gt(hits, 0);
	}
	api_free(r);
	/* A price changed by another program shows at once. */
	sid = xasprintf("%ld", id);
	params[0] = sid;
	PQclear(test_sql("UPDATE variants SET price = 47000 WHERE listing_id "
	    "= $1", 1, params));
	r = browse("%s", q);
	ck_assert_msg(jhas_id(data(r), id), "%s", r->body);
	ck_assert_int_eq(jint(json_array_get(data(r), 0), "price_min"), 47000);
	api_free(r);
	/* Archived by its vendor: gone from the next search and suggestion. */
	r = cat_callf(v->owner, "POST", "/v1/listings/{id}/archive", 200,
	    NULL, "/v1/listings/%ld/archive", id);
	api_free(r);
	r = browse("%s", q);
	ck_assert_msg(!jhas_id(data(r), id), "%s", r->body);
	api_free(r);
	free(sid);
	free(q);
	free(title);
	free(word);
}
END_TEST

Suite *
products_suite(void)
{
	Suite	*s = suite_create("products");
	TCase	*tc = tcase_create("products");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_only_live_products);
	tcase_add_test(tc, test_category_holds_its_subcategories);
	tcase_add_test(tc, test_filters_and_facets);
	tcase_add_test(tc, test_where_it_delivers);
	tcase_add_test(tc, test_sorts_and_pages);
	tcase_add_test(tc, test_broad_lists_count_their_pool);
	tcase_add_test(tc, test_category_lists_from_memory);
	tcase_add_test(tc, test_relevance_ranks_the_pool_either_way);
	tcase_add_test(tc, test_broad_search_reads_its_popular_matches);
	tcase_add_test(tc, test_lists_do_not_hold_their_loop);
	tcase_add_test(tc, test_search);
	tcase_add_test(tc, test_suggest);
	tcase_add_test(tc, test_kept_answers_follow_changes);
	tcase_add_test(tc, test_lists_follow_their_vendor);
	tcase_add_test(tc, test_product_follows_its_sources);
	tcase_add_test(tc, test_product_as_built);
	tcase_add_test(tc, test_product_changes_at_once);
	tcase_add_test(tc, test_any_value_of_any_parameter);
	suite_add_tcase(s, tc);
	return s;
}
