/*
 * Listings as CSV: a vendor exports and imports its catalogue.  Each row
 * is checked as the JSON API checks a body and applied whole or not at
 * all; an import can only ever touch the importing vendor's listings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

struct csv_vendor {
	struct test_user	*owner;
	long			 id;
	char			*category;	/* slug */
	char			*tag;		/* unique in SKUs and titles */
};

/* A vendor with its owner signed in, and a category of its own. */
static struct csv_vendor *
csv_vendor_new(void)
{
	static int		 seq;
	struct csv_vendor	*v = xcalloc(1, sizeof *v);
	char			*name = test_unique("CSV vendor"), id[24], uid[24];
	const char		*params[2];
	PGresult		*res;

	v->tag = xasprintf("T%ld%d", (long)getpid(), ++seq);
	params[0] = name;
	res = test_sql("WITH g AS (INSERT INTO regions (kind, name) VALUES"
	    " ('country', $1) RETURNING id) INSERT INTO vendors (name,"
	    " legal_name, category, address, region_id, pincode) SELECT $1, $1,"
	    " 'general', 'Main road', g.id, '560001' FROM g RETURNING id", 1,
	    params);
	v->id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	v->owner = test_user_new(api_base(), "vendor_owner", NULL);
	snprintf(id, sizeof id, "%ld", v->id);
	snprintf(uid, sizeof uid, "%ld", v->owner->id);
	params[0] = id;
	params[1] = uid;
	PQclear(test_sql("UPDATE users SET vendor_id = $1 WHERE id = $2", 2,
	    params));
	test_user_login(api_base(), v->owner);
	v->category = xasprintf("csv-%ld-%d", (long)getpid(), seq);
	params[0] = v->category;
	PQclear(test_sql("INSERT INTO categories (slug, name) VALUES ($1, $1)",
	    1, params));
	free(name);
	return v;
}

static struct api_resp *
csv_import(const struct test_user *u, const char *query, const char *csv)
{
	const char	*hdr[2] = { u->auth, NULL };
	char		*path = xasprintf("/v1/listings/import%s", query);
	struct api_resp	*r;

	r = api_request(api_base(), "POST", path, "text/csv", csv, strlen(csv),
	    hdr);
	free(path);
	return r;
}

static struct api_resp *
csv_export(const struct test_user *u, const char *query)
{
	const char	*hdr[2] = { u->auth, NULL };
	char		*path = xasprintf("/v1/listings/export%s", query);
	struct api_resp	*r;

	r = api_request(api_base(), "GET", path, NULL, NULL, 0, hdr);
	free(path);
	return r;
}

/* A count from SQL whose one parameter is a vendor id. */
static long
count(const char *sql, long id)
{
	char		 s[24];
	const char	*params[1] = { s };
	PGresult	*res;
	long		 n;

	snprintf(s, sizeof s, "%ld", id);
	res = test_sql(sql, 1, params);
	n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}

static long
json_int(const json_t *o, const char *a, const char *b)
{
	json_t	*v = json_object_get(o, a);

	return (long)json_integer_value(b != NULL ? json_object_get(v, b) : v);
}

START_TEST(test_import_then_export_round_trip)
{
	struct csv_vendor	*v = csv_vendor_new();
	struct api_resp		*r, *again;
	char			*csv;

	csv = xasprintf(
	    "listing_ref,kind,title,description,category,tags,sku,price,stock,"
	    "opt:size\r\n"
	    "pc,product,Cooker %s,\"Steel, 3 litres\",%s,kitchen|steel,"
	    "%s-S,159900,5,S\r\n"
	    "pc,,,,,,%s-L,189900,2,L\r\n"
	    ",product,Kettle %s,,%s,,%s-K,99900,0,\r\n",
	    v->tag, v->category, v->tag, v->tag, v->tag, v->category, v->tag);
	r = csv_import(v->owner, "", csv);
	api_expect(r, 200, "POST", "/v1/listings/import");
	ck_assert_int_eq(json_int(r->json, "rows", NULL), 3);
	ck_assert_int_eq(json_int(r->json, "created", "listings"), 2);
	ck_assert_int_eq(json_int(r->json, "created", "variants"), 3);
	ck_assert_int_eq(json_array_size(json_object_get(r->json,
	    "rejected")), 0);
	api_free(r);
	/* Rows sharing a listing_ref are one listing with two variants. */
	ck_assert_int_eq(count("SELECT count(*) FROM listings WHERE vendor_id ="
	    " $1::bigint AND status = 'draft'", v->id), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM variants x JOIN listings l"
	    " ON l.id = x.listing_id WHERE l.vendor_id = $1::bigint AND l.title LIKE"
	    " 'Cooker%'", v->id), 2);
	/* Stock went through the ledger. */
	ck_assert_int_eq(count("SELECT sum(m.available_delta) FROM"
	    " stock_movements m JOIN variants x ON x.id = m.variant_id WHERE"
	    " x.vendor_id = $1::bigint", v->id), 7);

	r = csv_export(v->owner, "");
	api_expect(r, 200, "GET", "/v1/listings/export");
	ck_assert_ptr_nonnull(strstr(r->body, "\"Steel, 3 litres\""));
	ck_assert_ptr_nonnull(strstr(r->body, "kitchen|steel"));
	ck_assert_ptr_nonnull(strstr(r->body, ",opt:size"));
	/* The export read back changes nothing and makes nothing. */
	again = csv_import(v->owner, "", r->body);
	api_expect(again, 200, "POST", "/v1/listings/import");
	ck_assert_int_eq(json_int(again->json, "created", "variants"), 0);
	ck_assert_int_eq(json_int(again->json, "updated", NULL), 0);
	ck_assert_int_eq(json_array_size(json_object_get(again->json,
	    "rejected")), 0);
	api_free(again);
	api_free(r);
	ck_assert_int_eq(count("SELECT count(*) FROM variants WHERE vendor_id ="
	    " $1::bigint", v->id), 3);
	free(csv);
}
END_TEST

START_TEST(test_bad_rows_are_refused_whole)
{
	struct csv_vendor	*v = csv_vendor_new();
	struct api_resp		*r;
	json_t			*rej;
	char			*csv, *long_text;
	long			 before;

	long_text = xmalloc(20002);
	memset(long_text, 'x', 20001);
	long_text[20001] = '\0';
	csv = xasprintf(
	    "kind,title,description,category,sku,price,stock\r\n"
	    "product,Good %s,,%s,%s-1,100,1\r\n"
	    "product,Bad price,,%s,%s-2,ten,1\r\n"
	    "product,\"Two\nlines\",,%s,%s-3,100,1\r\n"
	    "product,No such category,,no-such-%s,%s-4,100,1\r\n"
	    "product,Too long,%s,%s,%s-5,100,1\r\n"
	    "service,No duration,,%s,%s-6,100,\r\n"
	    "product,Negative stock,,%s,%s-7,100,-3\r\n"
	    "product,Bad sku,,%s,-bad,100,1\r\n"
	    "product,Same sku again,,%s,%s-1,100,1\r\n",
	    v->tag, v->category, v->tag, v->category, v->tag, v->category,
	    v->tag, v->tag, v->tag, long_text, v->category, v->tag,
	    v->category, v->tag, v->category, v->tag, v->category, v->category,
	    v->tag);
	before = count("SELECT count(*) FROM listings WHERE vendor_id = $1::bigint",
	    v->id);
	r = csv_import(v->owner, "", csv);
	api_expect(r, 200, "POST", "/v1/listings/import");
	rej = json_object_get(r->json, "rejected");
	/* Seven refused, each named by the line it starts on. */
	ck_assert_int_eq(json_array_size(rej), 7);
	ck_assert_int_eq(json_int(json_array_get(rej, 0), "row", NULL), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rej,
	    0), "field")), "price");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rej,
	    1), "field")), "title");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rej,
	    2), "field")), "category");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rej,
	    3), "field")), "description");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rej,
	    4), "field")), "duration_minutes");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rej,
	    5), "field")), "stock");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rej,
	    6), "field")), "sku");
	/* The good row, and its second sighting updated it: nothing else. */
	ck_assert_int_eq(json_int(r->json, "created", "listings"), 1);
	api_free(r);
	ck_assert_int_eq(count("SELECT count(*) FROM listings WHERE vendor_id ="
	    " $1::bigint", v->id), before + 1);

	/* What makes the file unreadable refuses it all. */
	r = csv_import(v->owner, "", "sku,price,colour\r\nA,1,red\r\n");
	api_expect_problem(r, 422, "unprocessable", NULL);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
	    r->json, "detail")), "colour"));
	api_free(r);
	r = csv_import(v->owner, "", "sku,price\r\n\"A,1\r\n");
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	r = csv_import(v->owner, "", "title\r\nx\r\n");
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	{
		const char	*hdr[2] = { v->owner->auth, NULL };

		r = api_request(api_base(), "POST", "/v1/listings/import",
		    "application/json", "{}", 2, hdr);
		api_expect_problem(r, 415, "unsupported-media-type", NULL);
		api_free(r);
	}
	free(csv);
	free(long_text);
}
END_TEST

START_TEST(test_dry_run_keeps_nothing)
{
	struct csv_vendor	*v = csv_vendor_new();
	struct api_resp		*r;
	char			*csv;

	csv = xasprintf("kind,title,category,sku,price\r\n"
	    "product,Dry %s,%s,%s-D,100\r\n", v->tag, v->category, v->tag);
	r = csv_import(v->owner, "?dry_run=true", csv);
	api_expect(r, 200, "POST", "/v1/listings/import");
	ck_assert(json_is_true(json_object_get(r->json, "dry_run")));
	ck_assert_int_eq(json_int(r->json, "created", "listings"), 1);
	api_free(r);
	ck_assert_int_eq(count("SELECT count(*) FROM listings WHERE vendor_id ="
	    " $1::bigint", v->id), 0);
	free(csv);
}
END_TEST

START_TEST(test_import_never_touches_another_vendor)
{
	struct csv_vendor	*a = csv_vendor_new(), *b = csv_vendor_new();
	struct api_resp		*r;
	char			*csv, *sku;
	long			 listing;
	PGresult		*res;

	/* A has a listing with a SKU. */
	csv = xasprintf("kind,title,category,sku,price,stock\r\n"
	    "product,Mine %s,%s,SHARED-%s,500,3\r\n", a->tag, a->category,
	    a->tag);
	r = csv_import(a->owner, "", csv);
	api_expect(r, 200, "POST", "/v1/listings/import");
	api_free(r);
	free(csv);
	listing = count("SELECT max(id) FROM listings WHERE vendor_id = $1::bigint",
	    a->id);

	/* B names A's listing: refused. */
	csv = xasprintf("listing_id,sku,price\r\n%ld,B-%s,100\r\n", listing,
	    b->tag);
	r = csv_import(b->owner, "", csv);
	api_expect(r, 200, "POST", "/v1/listings/import");
	ck_assert_int_eq(json_array_size(json_object_get(r->json,
	    "rejected")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r->json, "rejected"), 0), "field")), "listing_id");
	api_free(r);
	free(csv);
	/* B uses A's SKU: B gets its own variant; A's is untouched. */
	csv = xasprintf("kind,title,category,sku,price,stock\r\n"
	    "product,Theirs %s,%s,SHARED-%s,1,0\r\n", b->tag, b->category,
	    a->tag);
	r = csv_import(b->owner, "", csv);
	api_expect(r, 200, "POST", "/v1/listings/import");
	ck_assert_int_eq(json_int(r->json, "created", "variants"), 1);
	api_free(r);
	free(csv);
	sku = xasprintf("SHARED-%s", a->tag);
	{
		const char	*params[1] = { sku };

		res = test_sql("SELECT x.price, coalesce((SELECT sum(available)"
		    " FROM stock s WHERE s.variant_id = x.id), 0) FROM variants x"
		    " JOIN listings l ON l.id = x.listing_id WHERE x.sku = $1"
		    " ORDER BY x.id LIMIT 1", 1, params);
	}
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "500");
	ck_assert_str_eq(PQgetvalue(res, 0, 1), "3");
	PQclear(res);
	ck_assert_int_eq(count("SELECT count(*) FROM listings WHERE vendor_id ="
	    " $1::bigint AND title LIKE 'Mine%'", a->id), 1);
	/* B's export never shows A's listings; only admins name a vendor. */
	r = csv_export(b->owner, "");
	ck_assert_ptr_null(strstr(r->body, "Mine "));
	ck_assert_ptr_nonnull(strstr(r->body, "Theirs "));
	api_free(r);
	csv = xasprintf("?vendor_id=%ld", a->id);
	r = csv_export(b->owner, csv);
	api_expect_problem(r, 400, "validation", "vendor_id");
	api_free(r);
	free(csv);
	free(sku);
}
END_TEST

START_TEST(test_export_keeps_formulas_as_text)
{
	struct csv_vendor	*v = csv_vendor_new();
	struct api_resp		*r;
	char			*csv;

	csv = xasprintf("kind,title,category,sku,price\r\n"
	    "product,\"=HYPERLINK(\"\"http://x\"\")%s\",%s,%s-F,100\r\n",
	    v->tag, v->category, v->tag);
	r = csv_import(v->owner, "", csv);
	api_expect(r, 200, "POST", "/v1/listings/import");
	api_free(r);
	r = csv_export(v->owner, "");
	api_expect(r, 200, "GET", "/v1/listings/export");
	ck_assert_ptr_nonnull(strstr(r->body, "\"'=HYPERLINK("));
	api_free(r);
	free(csv);
}
END_TEST

START_TEST(test_unchanged_export_changes_nothing)
{
	struct csv_vendor	*v = csv_vendor_new();
	struct test_user	*admin = test_user_new(api_base(), "admin",
				    NULL);
	struct api_resp		*r, *again;
	char			*csv, *path;
	const char		*params[1];

	/* Edits are reviewed in this category; a live listing is in it. */
	params[0] = v->category;
	PQclear(test_sql("UPDATE categories SET review = 'all' WHERE slug ="
	    " $1", 1, params));
	csv = xasprintf("kind,title,category,sku,price,stock,"
	    "duration_minutes\r\n"
	    "product,\"=SUM(A1)%s\",%s,%s-P,100,4,\r\n"
	    "service,Repair %s,%s,%s-S,500,,30\r\n",
	    v->tag, v->category, v->tag, v->tag, v->category, v->tag);
	r = csv_import(v->owner, "", csv);
	api_expect(r, 200, "POST", "/v1/listings/import");
	ck_assert_int_eq(json_array_size(json_object_get(r->json,
	    "rejected")), 0);
	api_free(r);
	free(csv);
	params[0] = v->tag;
	PQclear(test_sql("UPDATE listings SET status = 'active' WHERE"
	    " vendor_id = (SELECT vendor_id FROM variants WHERE sku ="
	    " $1 || '-P')", 1, params));

	/* Export, import: nothing changes, nothing goes back to review. */
	r = csv_export(v->owner, "");
	api_expect(r, 200, "GET", "/v1/listings/export");
	again = csv_import(v->owner, "", r->body);
	api_expect(again, 200, "POST", "/v1/listings/import");
	ck_assert_msg(json_array_size(json_object_get(again->json,
	    "rejected")) == 0, "%s", again->body);
	ck_assert_int_eq(json_int(again->json, "updated", NULL), 0);
	api_free(again);
	api_free(r);
	ck_assert_int_eq(count("SELECT count(*) FROM listings WHERE vendor_id ="
	    " $1::bigint AND status = 'active'", v->id), 2);
	/* The formula came back as it was typed, without the quote. */
	ck_assert_int_eq(count("SELECT count(*) FROM listings WHERE vendor_id ="
	    " $1::bigint AND title LIKE '=SUM(A1)%'", v->id), 1);
	/* A real change to a live listing sends it back to review. */
	csv = xasprintf("sku,price,title\r\n%s-P,100,New title %s\r\n",
	    v->tag, v->tag);
	r = csv_import(v->owner, "", csv);
	ck_assert_int_eq(json_int(r->json, "updated", NULL), 1);
	api_free(r);
	free(csv);
	ck_assert_int_eq(count("SELECT count(*) FROM listings WHERE vendor_id ="
	    " $1::bigint AND status = 'pending_review'", v->id), 1);

	/* An admin names a vendor that exists. */
	r = csv_export(admin, "?vendor_id=999999999");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	path = xasprintf("?vendor_id=%ld", v->id);
	r = csv_export(admin, path);
	api_expect(r, 200, "GET", "/v1/listings/export");
	ck_assert_ptr_nonnull(strstr(r->body, "Repair "));
	api_free(r);
	free(path);
}
END_TEST

Suite *
listings_csv_suite(void)
{
	Suite	*s = suite_create("listings_csv");
	TCase	*tc = tcase_create("listings_csv");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_import_then_export_round_trip);
	tcase_add_test(tc, test_bad_rows_are_refused_whole);
	tcase_add_test(tc, test_dry_run_keeps_nothing);
	tcase_add_test(tc, test_import_never_touches_another_vendor);
	tcase_add_test(tc, test_export_keeps_formulas_as_text);
	tcase_add_test(tc, test_unchanged_export_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
