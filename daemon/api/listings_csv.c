/*
 * listings_csv: a vendor's catalogue as a spreadsheet, one row per
 * variant.
 *
 *	GET  /v1/listings/export		text/csv of the vendor's listings
 *	POST /v1/listings/import		the same columns back (text/csv)
 *
 * Columns: listing_id, listing_ref, kind, title, description, category
 * (slug or id), brand (slug), tags (| between), status (exported for
 * information, ignored on import), sku, price (minor units),
 * compare_at_price, weight_grams, duration_minutes, service_pincodes (|
 * between), low_stock_at, variant_status, stock, then attr:<code> for
 * each attribute value and opt:<name> for each variant option.
 *
 * Import: a row whose SKU the vendor has updates that variant (and its
 * listing, where listing columns are filled in); any other row adds a
 * variant, to listing_id if given (the vendor's own), else to the listing
 * an earlier row with the same listing_ref made, else to a new draft
 * listing made from the row.  stock sets the units in stock at the
 * vendor's first location (through the ledger).  Every row is checked as
 * the JSON API checks a body, and applied in its own savepoint: a refused
 * row changes nothing, and the report says which rows were refused and
 * why.  dry_run=true checks everything and keeps nothing.  SKUs are per
 * vendor, so an import can only ever touch the importing vendor's
 * listings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "buf.h"
#include "csv.h"
#include "listing.h"
#include "log.h"
#include "num.h"
#include "req.h"
#include "stock.h"
#include "utf8.h"

#define CSV_UPLOAD_MAX		(16 * 1024 * 1024)
#define CSV_MAX_ROWS		50000
#define CSV_MAX_EXPORT		100000
#define CSV_MAX_REJECTS		1000
#define CSV_FIELD_MAX		(20000 * 4)

static const struct db_stmt csv_stmts[] = {
	/*
	 * $1 vendor, $2 status: one row per variant, as JSON.  stock is
	 * what the import sets: the units at the vendor's first open
	 * location; services have neither stock nor a low-stock level.
	 */
	{ "csv_export",
	  "SELECT json_build_object('listing_id', l.id, 'kind', l.kind,"
	  " 'title', l.title, 'description', l.description, 'category',"
	  " c.slug, 'brand', b.slug, 'tags', array_to_string(l.tags, '|'),"
	  " 'status', l.status, 'attributes', l.attributes, 'sku', x.sku,"
	  " 'price', x.price, 'compare_at_price', x.compare_at_price,"
	  " 'weight_grams', x.weight_grams, 'duration_minutes',"
	  " x.duration_minutes, 'service_pincodes', array_to_string("
	  " x.service_pincodes, '|'), 'low_stock_at', CASE WHEN l.kind ="
	  " 'product' THEN x.low_stock_at END, 'variant_status', x.status,"
	  " 'stock', CASE WHEN l.kind = 'product' THEN coalesce((SELECT"
	  "  s.available FROM stock s WHERE s.variant_id = x.id AND"
	  "  s.location_id = (SELECT id FROM stock_locations o WHERE"
	  "  o.vendor_id = l.vendor_id AND o.active ORDER BY id LIMIT 1)), 0)"
	  " END, 'options', x.options)::text"
	  " FROM listings l JOIN variants x ON x.listing_id = l.id"
	  " JOIN categories c ON c.id = l.category_id"
	  " LEFT JOIN brands b ON b.id = l.brand_id"
	  " WHERE l.vendor_id = $1 AND ($2::text IS NULL OR l.status = $2)"
	  " ORDER BY l.id, x.position, x.id LIMIT 100001" },
	/* The vendor's variant with this SKU, and its listing. */
	{ "csv_sku",
	  "SELECT x.id, l.id, l.kind, l.status, l.category_id,"
	  " l.attributes::text FROM variants x JOIN listings l"
	  " ON l.id = x.listing_id WHERE x.vendor_id = $1 AND x.sku = $2" },
	{ "csv_listing",
	  "SELECT 0, id, kind, status, category_id, attributes::text"
	  " FROM listings WHERE id = $2 AND vendor_id = $1" },
	{ "csv_category_review", "SELECT category_review($1)" },
	/* An edited live listing goes back to review where edits are. */
	{ "csv_to_review",
	  "UPDATE listings SET status = 'pending_review', submitted_at = now()"
	  " WHERE id = $1" },
	{ "csv_category",
	  "SELECT id FROM categories WHERE slug = $1 OR id::text = $1" },
	{ "csv_brand", "SELECT id FROM brands WHERE slug = $1" },
	{ "csv_vendor_exists",
	  "SELECT EXISTS (SELECT 1 FROM vendors WHERE id = $1)" },
	/*
	 * $1 listing, $2 body: the listing columns a row fills in.  A row
	 * that changes nothing writes nothing (and returns no row), so that
	 * importing an unchanged export changes nothing.
	 */
	{ "csv_listing_update",
	  "UPDATE listings l SET title = n.title, description = n.description,"
	  " category_id = n.category_id, brand_id = n.brand_id,"
	  " attributes = n.attributes, tags = n.tags"
	  " FROM (SELECT coalesce(b->>'title', o.title) AS title,"
	  "  coalesce(b->>'description', o.description) AS description,"
	  "  coalesce((b->>'category_id')::bigint, o.category_id) AS category_id,"
	  "  coalesce((b->>'brand_id')::bigint, o.brand_id) AS brand_id,"
	  "  o.attributes || coalesce(b->'attributes', '{}') AS attributes,"
	  "  CASE WHEN b ? 'tags' THEN ARRAY(SELECT jsonb_array_elements_text("
	  "   b->'tags')) ELSE o.tags END AS tags"
	  "  FROM listings o, (SELECT $2::jsonb b) x WHERE o.id = $1) n"
	  " WHERE l.id = $1 AND (l.title, l.description, l.category_id,"
	  " l.brand_id, l.attributes, l.tags) IS DISTINCT FROM (n.title,"
	  " n.description, n.category_id, n.brand_id, n.attributes, n.tags)"
	  " RETURNING l.id" },
	/* $1 variant, $2 body; no row when nothing changes. */
	{ "csv_variant_update",
	  "UPDATE variants x SET options = n.options, price = n.price,"
	  " compare_at_price = n.compare_at_price, weight_grams ="
	  " n.weight_grams, duration_minutes = n.duration_minutes,"
	  " service_pincodes = n.service_pincodes, low_stock_at ="
	  " n.low_stock_at, status = n.status"
	  " FROM (SELECT coalesce(b->'options', o.options) AS options,"
	  "  coalesce((b->>'price')::bigint, o.price) AS price,"
	  "  CASE WHEN b ? 'compare_at_price' THEN"
	  "   (b->>'compare_at_price')::bigint ELSE o.compare_at_price END"
	  "   AS compare_at_price,"
	  "  coalesce((b->>'weight_grams')::int, o.weight_grams) AS weight_grams,"
	  "  coalesce((b->>'duration_minutes')::int, o.duration_minutes)"
	  "   AS duration_minutes,"
	  "  CASE WHEN b ? 'service_pincodes' THEN ARRAY(SELECT"
	  "   jsonb_array_elements_text(b->'service_pincodes'))"
	  "   ELSE o.service_pincodes END AS service_pincodes,"
	  "  coalesce((b->>'low_stock_at')::int, o.low_stock_at) AS low_stock_at,"
	  "  coalesce(b->>'status', o.status) AS status"
	  "  FROM variants o, (SELECT $2::jsonb b) y WHERE o.id = $1) n"
	  " WHERE x.id = $1 AND (x.options, x.price, x.compare_at_price,"
	  " x.weight_grams, x.duration_minutes, x.service_pincodes,"
	  " x.low_stock_at, x.status) IS DISTINCT FROM (n.options, n.price,"
	  " n.compare_at_price, n.weight_grams, n.duration_minutes,"
	  " n.service_pincodes, n.low_stock_at, n.status) RETURNING x.id" },
	{ "csv_first_location",
	  "SELECT id, coalesce((SELECT available FROM stock WHERE"
	  " variant_id = $2 AND location_id = l.id), 0)"
	  " FROM stock_locations l WHERE vendor_id = $1 AND active"
	  " ORDER BY id LIMIT 1" },
};

enum {
	STMT_EXPORT, STMT_SKU, STMT_LISTING, STMT_CATEGORY_REVIEW,
	STMT_TO_REVIEW, STMT_CATEGORY, STMT_BRAND, STMT_VENDOR_EXISTS,
	STMT_LISTING_UPDATE, STMT_VARIANT_UPDATE, STMT_FIRST_LOCATION,
};

/* The fixed columns, in export order. */
enum csv_col {
	COL_LISTING_ID, COL_LISTING_REF, COL_KIND, COL_TITLE, COL_DESCRIPTION,
	COL_CATEGORY, COL_BRAND, COL_TAGS, COL_STATUS, COL_SKU, COL_PRICE,
	COL_COMPARE_AT, COL_WEIGHT, COL_DURATION, COL_PINCODES, COL_LOW_STOCK,
	COL_VARIANT_STATUS, COL_STOCK, COL_NFIXED,
};

static const char *const csv_columns[COL_NFIXED] = {
	"listing_id", "listing_ref", "kind", "title", "description",
	"category", "brand", "tags", "status", "sku", "price",
	"compare_at_price", "weight_grams", "duration_minutes",
	"service_pincodes", "low_stock_at", "variant_status", "stock",
};

/*
 * The vendor a CSV request acts for: the caller's, or for an admin the
 * vendor_id query parameter.  0 with the problem set if there is none.
 */
static int64_t
csv_vendor(struct req *r)
{
	const struct principal	*p = req_principal(r);
	const char		*params[1];
	PGresult		*res;
	int64_t			 id = 0;
	bool			 known;

	if (p->role != ROLE_ADMIN) {
		if (req_query(r, "vendor_id") != NULL) {
			req_field_error(r, "vendor_id", "invalid", "is for "
			    "admins; yours is implied");
			req_fail_fields(r);
			return 0;
		}
		return p->vendor_id;
	}
	if (!req_query_int(r, "vendor_id", 1, INT64_MAX, &id) || id == 0) {
		if (id == 0 && !req_has_field_errors(r))
			req_field_error(r, "vendor_id", "required", "says whose "
			    "listings an admin means");
		req_fail_fields(r);
		return 0;
	}
	params[0] = req_query(r, "vendor_id");
	if ((res = req_exec(r, &csv_stmts[STMT_VENDOR_EXISTS], 1, params)) ==
	    NULL)
		return 0;
	known = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!known) {
		req_problem(r, "not-found", "there is no vendor %s", params[0]);
		return 0;
	}
	return id;
}

/* --- export ------------------------------------------------------------- */

/* Adds the keys of object o to the sorted unique list keys. */
static void
csv_collect_keys(json_t *keys, json_t *o)
{
	const char	*k;
	json_t		*v, *have;
	size_t		 i;
	bool		 found;

	json_object_foreach(o, k, v) {
		found = false;
		json_array_foreach(keys, i, have) {
			if (strcmp(json_string_value(have), k) == 0) {
				found = true;
				break;
			}
		}
		if (!found)
			json_array_append_new(keys, json_string(k));
	}
}

/* A JSON value as a cell's text (caller frees). */
static char *
csv_cell(json_t *v)
{
	if (v == NULL || json_is_null(v))
		return xstrdup("");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	/* 6.6, not 6.5999999999999996. */
	return json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
}

static bool
csv_put(struct buf *b, json_t *v, bool text, bool first)
{
	char	*s = csv_cell(v);
	bool	 ok;

	ok = (first || buf_adds(b, ",")) && csv_field(b, s, text);
	free(s);
	return ok;
}

static void
csv_export(struct req *r)
{
	static const bool text_col[COL_NFIXED] = {
		[COL_TITLE] = true, [COL_DESCRIPTION] = true, [COL_TAGS] = true,
		[COL_LISTING_REF] = true,
	};
	const char	*status = req_query(r, "status"), *params[2];
	char		 vendor_s[24], *name, *disp;
	struct buf	 out;
	json_t		*rows, *row, *attrs = json_array(), *opts = json_array();
	json_t		*k;
	PGresult	*res;
	int64_t		 vendor;
	size_t		 i, j, n, len;
	int		 c;

	buf_init(&out, 0);
	rows = json_array();
	if ((vendor = csv_vendor(r)) == 0)
		goto out;
	if (status != NULL && strcmp(status, "draft") != 0 &&
	    strcmp(status, "pending_review") != 0 && strcmp(status,
	    "active") != 0 && strcmp(status, "rejected") != 0 &&
	    strcmp(status, "archived") != 0) {
		req_field_error(r, "status", "invalid", "must be draft, "
		    "pending_review, active, rejected or archived");
		req_fail_fields(r);
		goto out;
	}
	snprintf(vendor_s, sizeof vendor_s, "%lld", (long long)vendor);
	params[0] = vendor_s;
	params[1] = status;
	if ((res = req_exec(r, &csv_stmts[STMT_EXPORT], 2, params)) == NULL)
		goto out;
	if ((n = (size_t)PQntuples(res)) > CSV_MAX_EXPORT) {
		PQclear(res);
		req_problem(r, "unprocessable", "more than %d variants: export "
		    "one status at a time", CSV_MAX_EXPORT);
		goto out;
	}
	for (i = 0; i < n; i++) {
		row = json_loads(PQgetvalue(res, (int)i, 0), 0, NULL);
		csv_collect_keys(attrs, json_object_get(row, "attributes"));
		csv_collect_keys(opts, json_object_get(row, "options"));
		json_array_append_new(rows, row);
	}
	PQclear(res);
	/* The header. */
	for (c = 0; c < COL_NFIXED; c++) {
		if ((c > 0 && !buf_adds(&out, ",")) || !buf_adds(&out,
		    csv_columns[c]))
			fatalx("csv_export: buffer");
	}
	json_array_foreach(attrs, i, k) {
		name = xasprintf("attr:%s", json_string_value(k));
		if (!buf_adds(&out, ",") || !csv_field(&out, name, true))
			fatalx("csv_export: buffer");
		free(name);
	}
	json_array_foreach(opts, i, k) {
		name = xasprintf("opt:%s", json_string_value(k));
		if (!buf_adds(&out, ",") || !csv_field(&out, name, true))
			fatalx("csv_export: buffer");
		free(name);
	}
	if (!buf_adds(&out, "\r\n"))
		fatalx("csv_export: buffer");
	json_array_foreach(rows, i, row) {
		for (c = 0; c < COL_NFIXED; c++) {
			if (!csv_put(&out, c == COL_LISTING_REF ? NULL :
			    json_object_get(row, csv_columns[c]), text_col[c],
			    c == 0))
				fatalx("csv_export: buffer");
		}
		json_array_foreach(attrs, j, k) {
			if (!csv_put(&out, json_object_get(json_object_get(row,
			    "attributes"), json_string_value(k)), true, false))
				fatalx("csv_export: buffer");
		}
		json_array_foreach(opts, j, k) {
			if (!csv_put(&out, json_object_get(json_object_get(row,
			    "options"), json_string_value(k)), true, false))
				fatalx("csv_export: buffer");
		}
		if (!buf_adds(&out, "\r\n"))
			fatalx("csv_export: buffer");
	}
	disp = xasprintf("attachment; filename=\"listings-%s.csv\"", vendor_s);
	req_add_header(r, "Content-Disposition", disp);
	free(disp);
	len = out.len;
	req_reply(r, 200, "text/csv; charset=utf-8", buf_take(&out, NULL), len);
out:
	json_decref(rows);
	json_decref(attrs);
	json_decref(opts);
	buf_free(&out);
}

/* --- import ------------------------------------------------------------- */

struct csv_import {
	struct req	*r;
	const char	*data;
	size_t		 len;
	int64_t		 vendor;
	bool		 dry_run;
	/* the header */
	int		 col[COL_NFIXED];	/* index, or -1 */
	json_t		*extra;		/* [{"kind": "attr"|"opt", "name", "col"}] */
	/* the outcome */
	size_t		 rows;
	size_t		 created_listings, created_variants, updated;
	json_t		*rejected;	/* [{"row", "field", "message"}] */
	json_t		*refs;		/* listing_ref → listing id */
	char		*file_error;
	bool		 done;		/* read to the end (a dry run too) */
};

/* The first problem of the row being imported. */
struct row_error {
	char	field[96];
	char	message[256];
	bool	set;
};

static void
row_error_cb(void *arg, const char *field, const char *code,
    const char *message)
{
	struct row_error	*e = arg;

	(void)code;
	if (e->set)
		return;
	snprintf(e->field, sizeof e->field, "%s", field);
	snprintf(e->message, sizeof e->message, "%s", message);
	/* Cut short inside a character, they would not be JSON strings. */
	utf8_scrub(e->field);
	utf8_scrub(e->message);
	e->set = true;
}

static void
row_fail(struct row_error *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
row_fail(struct row_error *e, const char *field, const char *fmt, ...)
{
	va_list	ap;

	if (e->set)
		return;
	snprintf(e->field, sizeof e->field, "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	utf8_scrub(e->field);
	utf8_scrub(e->message);
	e->set = true;
}

/* Maps the header's names to columns; false with file_error set. */
static bool
csv_header(struct csv_import *im, struct csv_reader *cr)
{
	size_t	i;
	int	c;
	bool	known;

	for (c = 0; c < COL_NFIXED; c++)
		im->col[c] = -1;
	im->extra = json_array();
	for (i = 0; i < cr->nfields; i++) {
		const char	*name = cr->fields[i];

		known = false;
		for (c = 0; c < COL_NFIXED; c++) {
			if (strcmp(name, csv_columns[c]) == 0) {
				if (im->col[c] >= 0) {
					im->file_error = xasprintf("column %s "
					    "appears twice", name);
					return false;
				}
				im->col[c] = (int)i;
				known = true;
			}
		}
		if (!known && (strncmp(name, "attr:", 5) == 0 ||
		    strncmp(name, "opt:", 4) == 0) && strlen(name) > 5 &&
		    strlen(name) <= 60) {
			json_array_append_new(im->extra, json_pack("{s:s, s:s, "
			    "s:i}", "kind", name[0] == 'a' ? "attr" : "opt",
			    "name", strchr(name, ':') + 1, "col", (int)i));
			known = true;
		}
		if (!known) {
			im->file_error = xasprintf("unknown column \"%.60s\": "
			    "see souk-api(7) for the columns", name);
			return false;
		}
	}
	if (im->col[COL_SKU] < 0 || im->col[COL_PRICE] < 0) {
		im->file_error = xasprintf("the columns sku and price are "
		    "required");
		return false;
	}
	return true;
}

/*
 * A cell's text, without the ' the export put before text a spreadsheet
 * would have run as a formula.
 */
static const char *
csv_text(const char *s)
{
	return s[0] == '\'' && s[1] != '\0' && strchr("=+-@\t\r", s[1]) !=
	    NULL ? s + 1 : s;
}

/* The cell of fixed column c in the row, or NULL when absent or empty. */
static const char *
cell(struct csv_import *im, struct csv_reader *cr, enum csv_col c)
{
	int	i = im->col[c];

	if (i < 0 || (size_t)i >= cr->nfields || cr->fields[i][0] == '\0')
		return NULL;
	return csv_text(cr->fields[i]);
}

/* "a|b|c" as a JSON array of the non-empty parts. */
static json_t *
csv_split(const char *s)
{
	json_t		*a = json_array();
	const char	*e;

	while (s != NULL && *s != '\0') {
		e = s + strcspn(s, "|");
		if (e > s)
			json_array_append_new(a, json_stringn(s, (size_t)(e - s)));
		s = *e == '|' ? e + 1 : e;
	}
	return a;
}

/* Sets key of o to the integer in s, or records why it is not one. */
static void
csv_int(json_t *o, const char *key, const char *s, int64_t min, int64_t max,
    struct row_error *e)
{
	int64_t	v;

	if (s == NULL)
		return;
	if (!num_int64(s, min, max, &v)) {
		row_fail(e, key, "must be a whole number from %lld to %lld",
		    (long long)min, (long long)max);
		return;
	}
	json_object_set_new(o, key, json_integer(v));
}

/* Looks up a one-parameter, one-column id statement; 0 when none. */
static int64_t
csv_lookup(struct db *db, int stmt, const char *value, bool *failed)
{
	const char	*params[1] = { value };
	PGresult	*res;
	int64_t		 id = 0;

	if ((res = db_exec(db, &csv_stmts[stmt], 1, params)) == NULL) {
		*failed = true;
		return 0;
	}
	if (PQntuples(res) > 0)
		id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return id;
}

/*
 * Builds the listing body of a row (the listing columns it fills in) and
 * its variant body.  Lookups of category and brand need the database.
 */
static bool
csv_bodies(struct db *db, struct csv_import *im, struct csv_reader *cr,
    json_t *listing, json_t *variant, struct row_error *e)
{
	const char	*s;
	json_t		*x;
	size_t		 i;
	int64_t		 id;
	bool		 failed = false;

	if ((s = cell(im, cr, COL_KIND)) != NULL)
		json_object_set_new(listing, "kind", json_string(s));
	if ((s = cell(im, cr, COL_TITLE)) != NULL)
		json_object_set_new(listing, "title", json_string(s));
	if ((s = cell(im, cr, COL_DESCRIPTION)) != NULL)
		json_object_set_new(listing, "description", json_string(s));
	if ((s = cell(im, cr, COL_TAGS)) != NULL)
		json_object_set_new(listing, "tags", csv_split(s));
	if ((s = cell(im, cr, COL_CATEGORY)) != NULL) {
		if ((id = csv_lookup(db, STMT_CATEGORY, s, &failed)) == 0 &&
		    !failed)
			row_fail(e, "category", "no category has the slug or "
			    "id \"%.60s\"", s);
		json_object_set_new(listing, "category_id", json_integer(id));
	}
	if ((s = cell(im, cr, COL_BRAND)) != NULL) {
		if ((id = csv_lookup(db, STMT_BRAND, s, &failed)) == 0 &&
		    !failed)
			row_fail(e, "brand", "no brand has the slug \"%.60s\"",
			    s);
		json_object_set_new(listing, "brand_id", json_integer(id));
	}
	if (failed)
		return false;
	if ((s = cell(im, cr, COL_SKU)) == NULL)
		row_fail(e, "sku", "is required");
	else
		json_object_set_new(variant, "sku", json_string(s));
	if (cell(im, cr, COL_PRICE) == NULL)
		row_fail(e, "price", "is required");
	csv_int(variant, "price", cell(im, cr, COL_PRICE), 0,
	    100000000000LL, e);
	csv_int(variant, "compare_at_price", cell(im, cr, COL_COMPARE_AT), 1,
	    100000000000LL, e);
	csv_int(variant, "weight_grams", cell(im, cr, COL_WEIGHT), 0,
	    10000000, e);
	csv_int(variant, "duration_minutes", cell(im, cr, COL_DURATION), 1,
	    10080, e);
	csv_int(variant, "low_stock_at", cell(im, cr, COL_LOW_STOCK), 0,
	    1000000, e);
	csv_int(variant, "stock", cell(im, cr, COL_STOCK), 0, 10000000, e);
	if ((s = cell(im, cr, COL_PINCODES)) != NULL)
		json_object_set_new(variant, "service_pincodes", csv_split(s));
	if ((s = cell(im, cr, COL_VARIANT_STATUS)) != NULL)
		json_object_set_new(variant, "status", json_string(s));
	json_array_foreach(im->extra, i, x) {
		int	col = (int)json_integer_value(json_object_get(x, "col"));
		bool	attr = strcmp(json_string_value(json_object_get(x,
			    "kind")), "attr") == 0;
		json_t	*into;

		if ((size_t)col >= cr->nfields || cr->fields[col][0] == '\0')
			continue;
		into = json_object_get(attr ? listing : variant, attr ?
		    "attributes" : "options");
		if (into == NULL) {
			into = json_object();
			json_object_set_new(attr ? listing : variant, attr ?
			    "attributes" : "options", into);
		}
		json_object_set_new(into, json_string_value(json_object_get(x,
		    "name")), json_string(csv_text(cr->fields[col])));
	}
	return true;
}

/*
 * Sets the units in stock at the vendor's first open location; *changed
 * says whether that took a ledger line.
 */
static bool
csv_set_stock(struct db *db, struct csv_import *im, int64_t variant,
    json_int_t units, struct row_error *e, bool *changed)
{
	char		 v[24], vid[24];
	const char	*params[2] = { v, vid };
	PGresult	*res;
	int64_t		 location, have;
	int		 after;

	*changed = false;
	snprintf(v, sizeof v, "%lld", (long long)im->vendor);
	snprintf(vid, sizeof vid, "%lld", (long long)variant);
	if ((res = db_exec(db, &csv_stmts[STMT_FIRST_LOCATION], 2, params)) ==
	    NULL)
		return false;
	if (PQntuples(res) == 0) {
		PQclear(res);
		row_fail(e, "stock", "the vendor has no open location to keep "
		    "stock at");
		return true;
	}
	location = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	have = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	if (units == have)
		return true;
	switch (stock_adjust(db, variant, location, have == 0 && units > 0 ?
	    "restock" : "adjustment", (int)(units - have), "CSV import",
	    req_principal(im->r)->user_id, &after)) {
	case STOCK_OK:
		*changed = true;
		return true;
	case STOCK_SHORT:
		row_fail(e, "stock", "cannot go below what is held for orders");
		return true;
	default:
		return false;
	}
}

/* What a row is about, once found: its listing and variant. */
struct csv_target {
	int64_t		 variant;	/* 0: a new variant */
	int64_t		 listing;	/* 0: a new listing */
	char		 kind[16];
	char		 status[20];
	int64_t		 category;
	json_t		*attributes;	/* the listing's, as they are */
};

/* Fills t from a csv_sku or csv_listing row; true if there was one. */
static bool
csv_target_from(PGresult *res, struct csv_target *t)
{
	if (PQntuples(res) != 1)
		return false;
	t->variant = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	t->listing = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	snprintf(t->kind, sizeof t->kind, "%s", PQgetvalue(res, 0, 2));
	snprintf(t->status, sizeof t->status, "%s", PQgetvalue(res, 0, 3));
	t->category = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	t->attributes = json_loads(PQgetvalue(res, 0, 5), 0, NULL);
	return true;
}

/*
 * Finds what the row updates or adds to: the vendor's variant with its
 * SKU, else the listing of listing_id, else the listing an earlier row
 * with the same listing_ref made; nothing found means a new listing.
 */
static bool
csv_find(struct db *db, struct csv_import *im, struct csv_reader *cr,
    const char *sku, struct csv_target *t, struct row_error *e)
{
	const char	*ref = cell(im, cr, COL_LISTING_REF);
	const char	*lid = cell(im, cr, COL_LISTING_ID);
	const char	*params[2];
	char		 vendor[24];
	json_t		*made;
	PGresult	*res;
	int64_t		 id;
	bool		 found;

	memset(t, 0, sizeof *t);
	snprintf(vendor, sizeof vendor, "%lld", (long long)im->vendor);
	params[0] = vendor;
	params[1] = sku;
	if ((res = db_exec(db, &csv_stmts[STMT_SKU], 2, params)) == NULL)
		return false;
	found = csv_target_from(res, t);
	PQclear(res);
	if (found)
		return true;
	if (lid != NULL) {
		if (!num_int64(lid, 1, INT64_MAX, &id)) {
			row_fail(e, "listing_id", "must be a listing id");
			return true;
		}
		params[1] = lid;
		if ((res = db_exec(db, &csv_stmts[STMT_LISTING], 2, params)) ==
		    NULL)
			return false;
		found = csv_target_from(res, t);
		PQclear(res);
		if (!found)
			row_fail(e, "listing_id", "you have no listing %s", lid);
		return true;
	}
	if (ref != NULL && (made = json_object_get(im->refs, ref)) != NULL) {
		t->listing = json_integer_value(json_object_get(made, "id"));
		snprintf(t->kind, sizeof t->kind, "%s", json_string_value(
		    json_object_get(made, "kind")));
		snprintf(t->status, sizeof t->status, "draft");
		t->category = json_integer_value(json_object_get(made,
		    "category"));
		t->attributes = json_incref(json_object_get(made,
		    "attributes"));
	}
	return true;
}

/*
 * Checks the row's bodies against what they change: the listing's kind,
 * the category it will be in (whose attributes its values, old and new,
 * must fit).
 */
static bool
csv_check(struct db *db, struct csv_target *t, json_t *listing,
    json_t *variant, bool has_stock, struct row_error *e)
{
	struct listing_attrs	*la;
	json_t			*attrs, *merged;
	int64_t			 category;
	bool			 missing;

	if (t->listing != 0) {
		if (json_object_get(listing, "kind") != NULL &&
		    strcmp(json_string_value(json_object_get(listing, "kind")),
		    t->kind) != 0)
			row_fail(e, "kind", "the listing is a %s", t->kind);
		json_object_del(listing, "kind");
	}
	listing_check(listing, t->listing == 0, row_error_cb, e);
	if (t->listing == 0 && json_string_value(json_object_get(listing,
	    "kind")) != NULL)
		snprintf(t->kind, sizeof t->kind, "%s", json_string_value(
		    json_object_get(listing, "kind")));
	variant_check(variant, t->kind[0] != '\0' ? t->kind : NULL,
	    t->variant == 0, "", row_error_cb, e);
	if (has_stock && strcmp(t->kind, "service") == 0)
		row_fail(e, "stock", "services have no stock");
	if (e->set)
		return true;
	category = json_object_get(listing, "category_id") != NULL ?
	    json_integer_value(json_object_get(listing, "category_id")) :
	    t->category;
	attrs = json_object_get(listing, "attributes");
	/* Nothing about attributes changes: nothing to check. */
	if (category == 0 || (attrs == NULL && category == t->category))
		return true;
	if ((la = listing_attrs_load(db, category, &missing)) == NULL)
		return false;
	if (attrs != NULL)
		listing_attrs_coerce(la, attrs);
	/* The values it will hold: those it has, with the row's. */
	merged = t->attributes != NULL ? json_copy(t->attributes) :
	    json_object();
	if (attrs != NULL)
		json_object_update(merged, attrs);
	listing_attrs_check(la, merged, false, row_error_cb, e);
	json_decref(merged);
	listing_attrs_free(la);
	return true;
}

/*
 * An active listing a row changed goes back to review if its category
 * (the one it is in now) reviews edits.
 */
static bool
csv_review_edit(struct db *db, struct csv_import *im, int64_t listing,
    int64_t category)
{
	const struct principal	*p = req_principal(im->r);
	char			 id[24];
	const char		*params[1] = { id };
	PGresult		*res;
	bool			 review;

	snprintf(id, sizeof id, "%lld", (long long)category);
	if ((res = db_exec(db, &csv_stmts[STMT_CATEGORY_REVIEW], 1, params)) ==
	    NULL)
		return false;
	review = strcmp(PQgetvalue(res, 0, 0), "all") == 0;
	PQclear(res);
	if (!review)
		return true;
	snprintf(id, sizeof id, "%lld", (long long)listing);
	if ((res = db_exec(db, &csv_stmts[STMT_TO_REVIEW], 1, params)) == NULL)
		return false;
	PQclear(res);
	return listing_moved(db, listing, im->vendor, "active",
	    "pending_review", p->user_id, auth_role_name(p->role),
	    "edited by CSV import");
}

/*
 * Applies one row inside the caller's savepoint.  Returns false on a
 * database failure; a refused row sets e.  *made says what it did: 1 a
 * listing made, 2 a variant made, 4 something changed.
 */
static bool
csv_row(struct db *db, struct csv_import *im, struct csv_reader *cr,
    struct row_error *e, int *made)
{
	const struct principal	*p = req_principal(im->r);
	const char		*ref = cell(im, cr, COL_LISTING_REF);
	const char		*params[2];
	struct csv_target	 t;
	json_t			*listing = json_object(), *variant = json_object();
	json_t			*stock = NULL;
	char			 id[24], *text;
	PGresult		*res;
	int64_t			 category;
	bool			 ok = false, no_location, changed;

	*made = 0;
	memset(&t, 0, sizeof t);
	if (!csv_bodies(db, im, cr, listing, variant, e))
		goto out;
	/* Held to what a JSON body is: lengths and ranges too. */
	if (!e->set)
		(void)jsonv_check(listing, listing_fields, row_error_cb, e);
	if (!e->set)
		(void)jsonv_check(variant, variant_fields, row_error_cb, e);
	if (e->set)
		goto done;
	stock = json_incref(json_object_get(variant, "stock"));
	json_object_del(variant, "stock");
	if (!csv_find(db, im, cr, json_string_value(json_object_get(variant,
	    "sku")), &t, e))
		goto out;
	if (!e->set && strcmp(t.status, "archived") == 0)
		row_fail(e, "listing_id", "the listing is archived");
	if (e->set)
		goto done;
	if (!csv_check(db, &t, listing, variant, stock != NULL, e))
		goto out;
	if (e->set)
		goto done;
	category = json_object_get(listing, "category_id") != NULL ?
	    json_integer_value(json_object_get(listing, "category_id")) :
	    t.category;

	/* The listing: a new draft, or the columns the row changes. */
	if (t.listing == 0) {
		if (!listing_insert(db, im->vendor, listing, p->user_id,
		    &t.listing) || !listing_moved(db, t.listing, im->vendor,
		    NULL, "draft", p->user_id, auth_role_name(p->role),
		    "CSV import"))
			goto out;
		*made |= 1;
		/* Later rows with its listing_ref add to it. */
		if (ref != NULL) {
			json_t	*a = json_object_get(listing, "attributes");

			json_object_set_new(im->refs, ref, json_pack("{s:I, s:s, "
			    "s:I, s:o}", "id", (json_int_t)t.listing, "kind",
			    t.kind, "category", (json_int_t)category,
			    "attributes", a != NULL ? json_copy(a) :
			    json_object()));
		}
	} else if (json_object_size(listing) > 0) {
		snprintf(id, sizeof id, "%lld", (long long)t.listing);
		if ((text = json_dumps(listing, JSON_COMPACT)) == NULL)
			fatalx("csv_row: json_dumps");
		params[0] = id;
		params[1] = text;
		res = db_exec(db, &csv_stmts[STMT_LISTING_UPDATE], 2, params);
		free(text);
		if (res == NULL)
			goto out;
		changed = PQntuples(res) > 0;
		PQclear(res);
		if (changed)
			*made |= 4;
		if (changed && strcmp(t.status, "active") == 0 &&
		    !csv_review_edit(db, im, t.listing, category))
			goto out;
	}
	/* The variant: new, or the cells the row changes. */
	if (t.variant == 0) {
		if (!variant_insert(db, t.listing, variant, p->user_id,
		    &t.variant, &no_location))
			goto out;
		*made |= 2;
	} else {
		snprintf(id, sizeof id, "%lld", (long long)t.variant);
		if ((text = json_dumps(variant, JSON_COMPACT)) == NULL)
			fatalx("csv_row: json_dumps");
		params[0] = id;
		params[1] = text;
		res = db_exec(db, &csv_stmts[STMT_VARIANT_UPDATE], 2, params);
		free(text);
		if (res == NULL)
			goto out;
		if (PQntuples(res) > 0)
			*made |= 4;
		PQclear(res);
	}
	if (stock != NULL) {
		if (!csv_set_stock(db, im, t.variant, json_integer_value(stock),
		    e, &changed))
			goto out;
		if (changed)
			*made |= 4;
	}
done:
	ok = true;
out:
	json_decref(t.attributes);
	json_decref(stock);
	json_decref(listing);
	json_decref(variant);
	return ok;
}

/* Why a row's write was refused by a constraint, in its words. */
static void
csv_constraint(struct db *db, struct row_error *e)
{
	if (strcmp(db_constraint(db), "variants_vendor_id_sku_key") == 0)
		row_fail(e, "sku", "is in the file twice");
	else if (*db_constraint(db) != '\0')
		row_fail(e, "", "refused by the database (%s)",
		    db_constraint(db));
	else
		row_fail(e, "", "refused by the database: %s", db_message(db));
}

static bool
csv_import_tx(struct db *db, void *arg)
{
	struct csv_import	*im = arg;
	struct csv_reader	 cr;
	struct row_error	 e;
	int			 got, made;
	bool			 ok = false;

	/* A retried transaction starts over. */
	im->done = false;
	im->rows = im->created_listings = im->created_variants = 0;
	im->updated = 0;
	json_array_clear(im->rejected);
	json_object_clear(im->refs);
	json_decref(im->extra);
	im->extra = NULL;
	csv_open(&cr, im->data, im->len, CSV_FIELD_MAX);
	if ((got = csv_next(&cr)) != 1) {
		im->file_error = xstrdup(got == 0 ? "the file is empty" :
		    cr.error);
		goto out;
	}
	if (!csv_header(im, &cr))
		goto out;
	while ((got = csv_next(&cr)) == 1) {
		if (++im->rows > CSV_MAX_ROWS) {
			im->file_error = xasprintf("more than %d rows: split "
			    "the file", CSV_MAX_ROWS);
			goto out;
		}
		if (!db_command(db, "SAVEPOINT csv_row"))
			goto out;
		memset(&e, 0, sizeof e);
		if (!csv_row(db, im, &cr, &e, &made)) {
			if (db_status(db) != DB_CONSTRAINT &&
			    db_status(db) != DB_BAD_INPUT)
				goto out;
			csv_constraint(db, &e);
		}
		if (e.set) {
			if (!db_command(db, "ROLLBACK TO SAVEPOINT csv_row"))
				goto out;
			if (json_array_size(im->rejected) < CSV_MAX_REJECTS)
				json_array_append_new(im->rejected, json_pack(
				    "{s:I, s:s, s:s}", "row", (json_int_t)cr.line,
				    "field", e.field, "message", e.message));
			continue;
		}
		if (!db_command(db, "RELEASE SAVEPOINT csv_row"))
			goto out;
		im->created_listings += (made & 1) != 0;
		im->created_variants += (made & 2) != 0;
		im->updated += (made & 2) == 0 && (made & 4) != 0;
	}
	if (got < 0) {
		im->file_error = xstrdup(cr.error);
		goto out;
	}
	/* A dry run rolls back what it did, and has its report. */
	if ((im->done = im->dry_run))
		goto out;
	{
		char	*detail = xasprintf("%zu rows: %zu listings and %zu "
			    "variants made, %zu updated, %zu refused", im->rows,
			    im->created_listings, im->created_variants,
			    im->updated, json_array_size(im->rejected));
		char	 id[24];

		snprintf(id, sizeof id, "%lld", (long long)im->vendor);
		ok = im->done = account_audit(db, im->r, 0, "listing.imported",
		    "vendor", id, NULL, NULL, detail);
		free(detail);
	}
out:
	csv_close(&cr);
	return ok;
}

static void
csv_import(struct req *r)
{
	struct csv_import	 im;
	struct db		*db;
	const char		*ctype = req_header(r, "Content-Type");
	const char		*dry = req_query(r, "dry_run");
	json_t			*report;
	bool			 dry_run = false;

	memset(&im, 0, sizeof im);
	im.r = r;
	im.rejected = json_array();
	im.refs = json_object();
	if (dry != NULL && !num_bool(dry, &dry_run)) {
		req_field_error(r, "dry_run", "invalid", "must be true or "
		    "false");
		req_fail_fields(r);
		goto out;
	}
	if ((im.vendor = csv_vendor(r)) == 0)
		goto out;
	if (ctype == NULL || (strncmp(ctype, "text/csv", 8) != 0 ||
	    (ctype[8] != '\0' && ctype[8] != ';'))) {
		req_problem(r, "unsupported-media-type", "send the file as "
		    "Content-Type: text/csv");
		goto out;
	}
	im.data = req_body(r, &im.len);
	im.dry_run = dry_run;
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, csv_import_tx, &im) && !im.done) {
		if (im.file_error != NULL)
			req_problem(r, "unprocessable", "%s", im.file_error);
		else
			req_db_problem(r, db);
		goto out;
	}
	report = json_pack("{s:I, s:{s:I, s:I}, s:I, s:O, s:b}", "rows",
	    (json_int_t)im.rows, "created", "listings",
	    (json_int_t)im.created_listings, "variants",
	    (json_int_t)im.created_variants, "updated", (json_int_t)im.updated,
	    "rejected", im.rejected, "dry_run", dry_run);
	req_reply_json(r, 200, report);
out:
	free(im.file_error);
	json_decref(im.rejected);
	json_decref(im.refs);
	json_decref(im.extra);
}

static const struct route csv_routes[] = {
	{ "GET", "/v1/listings/export", csv_export, "vendor_id,status",
	  "catalog.manage", "the vendor's listings as CSV", 0 },
	{ "POST", "/v1/listings/import", csv_import, "vendor_id,dry_run",
	  "catalog.manage", "add and update listings from CSV",
	  CSV_UPLOAD_MAX },
};

const struct api_module listings_csv_module = {
	"listings_csv", csv_routes, API_NELEM(csv_routes),
	csv_stmts, API_NELEM(csv_stmts),
};
