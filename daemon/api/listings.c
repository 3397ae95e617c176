/*
 * listings: what vendors sell, as they manage it.
 *
 *	GET    /v1/listings				by status, vendor, category
 *	POST   /v1/listings				a draft, with its variants
 *	GET    /v1/listings/{id}			with variants, stock, images,
 *							history
 *	PATCH  /v1/listings/{id}
 *	POST   /v1/listings/{id}/submit			for review, or live
 *	POST   /v1/listings/{id}/archive		out of sale
 *	POST   /v1/listings/{id}/unarchive		back to a draft
 *	POST   /v1/listings/{id}/approve		moderators
 *	POST   /v1/listings/{id}/reject			moderators, with a reason
 *	POST   /v1/listings/{id}/variants
 *	PATCH  /v1/listings/{id}/variants/{variant_id}
 *
 * draft → (submit) → pending_review → (approve) active | (reject) rejected;
 * draft → (submit) → active when the category needs no review; rejected
 * listings are edited where they are and submitted again like drafts;
 * any → archived → (unarchive) draft.  An edit
 * of an active listing goes back to pending_review when its category
 * reviews edits too (review "all"), and so does a move of an active
 * listing into a category that reviews anything (a listing new to it
 * there, or the review rule would be a door left open).  Each change of
 * status is a row of
 * listing_events, an audit entry and a live event, in one transaction.
 *
 * Who: a vendor's people (and its API keys with the catalog scope) manage
 * their vendor's listings; anyone else's are 404.  Admins manage all.
 * Moderators read all and approve or reject; regional staff read their
 * regions' vendors' listings.  Customers browse through /v1/products.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "events.h"
#include "listing.h"
#include "log.h"
#include "outbox.h"
#include "req.h"
#include "rfc3339.h"
#include "stock.h"

#define LISTING_FIELDS(l)						\
	"'id', " l ".id, 'vendor_id', " l ".vendor_id, 'kind', " l	\
	".kind, 'title', " l ".title, 'category_id', " l ".category_id, " \
	"'brand_id', " l ".brand_id, 'status', " l ".status, "		\
	"'status_reason', " l ".status_reason, 'price_min', " l		\
	".price_min, 'price_max', " l ".price_max, 'currency', " l	\
	".currency, 'quality', " l ".quality, 'created_at', rfc3339(" l	\
	".created_at), 'updated_at', rfc3339(" l ".updated_at), "	\
	"'published_at', rfc3339(" l ".published_at)"

#define VARIANT_JSON(x)							\
	"json_build_object('id', " x ".id, 'listing_id', " x ".listing_id, " \
	"'sku', " x ".sku, 'options', " x ".options, 'price', " x		\
	".price, 'compare_at_price', " x ".compare_at_price, "		\
	"'weight_grams', " x ".weight_grams, 'duration_minutes', " x	\
	".duration_minutes, 'service_pincodes', " x ".service_pincodes, " \
	"'service_radius_m', " x ".service_radius_m, 'low_stock_at', " x	\
	".low_stock_at, 'status', " x ".status, 'position', " x		\
	".position, 'stock', (SELECT json_build_object('available', "	\
	"coalesce(sum(s.available), 0), 'reserved', coalesce(sum("	\
	"s.reserved), 0)) FROM stock s WHERE s.variant_id = " x ".id), "	\
	"'created_at', rfc3339(" x ".created_at), 'updated_at', "		\
	"rfc3339(" x ".updated_at))"

/* Everything the vendor and staff see of listing l (vendor v). */
#define LISTING_DETAIL							\
	"json_build_object(" LISTING_FIELDS("l") ", 'vendor_name', v.name, " \
	"'description', l.description, 'attributes', l.attributes, "	\
	"'tags', l.tags, 'popularity', l.popularity, 'rating_avg', "	\
	"l.rating_avg, 'rating_count', l.rating_count, "			\
	"'review', category_review(l.category_id), "			\
	"'category', (SELECT json_build_object('id', c.id, 'slug', c.slug, " \
	"'name', c.name) FROM categories c WHERE c.id = l.category_id), "	\
	"'brand', (SELECT json_build_object('id', b.id, 'slug', b.slug, "	\
	"'name', b.name) FROM brands b WHERE b.id = l.brand_id), "	\
	"'variants', coalesce((SELECT json_agg(" VARIANT_JSON("x")		\
	" ORDER BY x.position, x.id) FROM variants x WHERE x.listing_id = "	\
	"l.id), '[]'), "							\
	"'images', coalesce((SELECT json_agg(json_build_object('id', i.id, " \
	"'listing_id', i.listing_id, 'content_type', i.content_type, "	\
	"'width', i.width, 'height', i.height, 'size', i.size, 'alt', "	\
	"i.alt, 'position', i.position, 'created_at', "			\
	"rfc3339(i.created_at), 'urls', "				\
	"json_build_object('original', '/v1/images/' || i.original_key, "	\
	"'medium', '/v1/images/' || i.medium_key, 'thumb', '/v1/images/' "	\
	"|| i.thumb_key)) ORDER BY i.position, i.id) FROM listing_images i " \
	"WHERE i.listing_id = l.id), '[]'), "				\
	"'events', coalesce((SELECT json_agg(json_build_object('from', "	\
	"e.from_status, 'to', e.to_status, 'actor_id', e.actor_id, "	\
	"'actor_role', e.actor_role, 'reason', e.reason, 'at', "		\
	"rfc3339(e.at)) ORDER BY e.id) FROM listing_events e WHERE "	\
	"e.listing_id = l.id), '[]'))::text"

/*
 * Who may see listing l of vendor v: $2 the caller's vendor (0: none),
 * $3 whether they see every listing (admins, moderators), $4 whether they
 * are regional staff, $5 their region scope.
 */
#define LISTING_VISIBLE							\
	"(l.vendor_id = $2::bigint OR $3::boolean OR ($4::boolean AND "	\
	"region_in_scope(v.region_id, $5::bigint[])))"

/*
 * A list statement: its cursor key (column 1), the condition to start
 * after it, and the order.
 */
#define LISTING_LIST(key, after, order)					\
	"SELECT json_build_object(" LISTING_FIELDS("l") ", 'vendor_name',"	\
	" v.name, 'thumb', (SELECT '/v1/images/' || i.thumb_key FROM"	\
	" listing_images i WHERE i.listing_id = l.id ORDER BY i.position,"	\
	" i.id LIMIT 1))::text, " key " FROM listings l"			\
	" JOIN vendors v ON v.id = l.vendor_id"				\
	" WHERE ($1::text IS NULL OR l.status = $1)"			\
	" AND ($2::bigint IS NULL OR l.vendor_id = $2)"			\
	" AND ($3::bigint IS NULL OR l.category_id IN (SELECT id FROM"	\
	"  categories WHERE path @> ARRAY[$3::bigint]))"			\
	" AND ($4::text IS NULL OR l.title ILIKE '%' || $4 || '%')"	\
	" AND (l.vendor_id = $5::bigint OR $6::boolean OR ($7::boolean AND" \
	"  region_in_scope(v.region_id, $8::bigint[])))"			\
	" AND " after " ORDER BY " order " LIMIT $10"

static const struct db_stmt listing_stmts[] = {
	{ "listing_get",
	  "SELECT " LISTING_DETAIL " FROM listings l"
	  " JOIN vendors v ON v.id = l.vendor_id"
	  " WHERE l.id = $1 AND " LISTING_VISIBLE },
	/* For a change: $2 the vendor acting (0: an admin acting). */
	{ "listing_lock",
	  "SELECT " LISTING_DETAIL ", l.status, l.kind, l.category_id,"
	  " l.vendor_id, l.title, category_review(l.category_id),"
	  " l.created_by, (SELECT count(*) FROM variants x"
	  "  WHERE x.listing_id = l.id AND x.status = 'active'), l.attributes"
	  " FROM listings l JOIN vendors v ON v.id = l.vendor_id"
	  " WHERE l.id = $1 AND ($2::bigint = 0 OR l.vendor_id = $2)"
	  " FOR UPDATE OF l" },
	{ "listing_detail",
	  "SELECT " LISTING_DETAIL " FROM listings l"
	  " JOIN vendors v ON v.id = l.vendor_id WHERE l.id = $1" },
	/* $1 id, $2 body, $3 new status or NULL */
	{ "listing_update",
	  "UPDATE listings l SET title = coalesce(b->>'title', title),"
	  " description = coalesce(b->>'description', description),"
	  " category_id = coalesce((b->>'category_id')::bigint, category_id),"
	  " brand_id = CASE WHEN b ? 'brand_id' THEN (b->>'brand_id')::bigint"
	  "  ELSE brand_id END,"
	  " attributes = coalesce(b->'attributes', attributes),"
	  " tags = CASE WHEN b ? 'tags' THEN ARRAY(SELECT"
	  "  jsonb_array_elements_text(b->'tags')) ELSE tags END,"
	  " status = coalesce($3, status),"
	  " submitted_at = CASE WHEN $3 = 'pending_review' THEN now()"
	  "  ELSE submitted_at END"
	  " FROM (SELECT $2::jsonb b) x WHERE l.id = $1" },
	/* $1 id, $2 status, $3 reason */
	{ "listing_move",
	  "UPDATE listings SET status = $2, status_reason = $3,"
	  " published_at = CASE WHEN $2 = 'active' THEN now()"
	  "  ELSE published_at END,"
	  " submitted_at = CASE WHEN $2 = 'pending_review' THEN now()"
	  "  ELSE submitted_at END WHERE id = $1" },
	/* $1 listing, $2 variant, $3 body */
	{ "variant_update",
	  "UPDATE variants x SET sku = coalesce(b->>'sku', sku),"
	  " options = coalesce(b->'options', options),"
	  " price = coalesce((b->>'price')::bigint, price),"
	  " compare_at_price = CASE WHEN b ? 'compare_at_price' THEN"
	  "  (b->>'compare_at_price')::bigint ELSE compare_at_price END,"
	  " weight_grams = CASE WHEN b ? 'weight_grams' THEN"
	  "  (b->>'weight_grams')::int ELSE weight_grams END,"
	  " duration_minutes = CASE WHEN b ? 'duration_minutes' THEN"
	  "  (b->>'duration_minutes')::int ELSE duration_minutes END,"
	  " service_pincodes = CASE WHEN b ? 'service_pincodes' THEN ARRAY("
	  "  SELECT jsonb_array_elements_text(b->'service_pincodes'))"
	  "  ELSE service_pincodes END,"
	  " service_radius_m = CASE WHEN b ? 'service_radius_m' THEN"
	  "  (b->>'service_radius_m')::int ELSE service_radius_m END,"
	  " low_stock_at = coalesce((b->>'low_stock_at')::int, low_stock_at),"
	  " position = coalesce((b->>'position')::int, position),"
	  " status = coalesce(b->>'status', status)"
	  " FROM (SELECT $3::jsonb b) y WHERE x.listing_id = $1 AND x.id = $2"
	  " RETURNING " VARIANT_JSON("x") "::text" },
	{ "variant_get",
	  "SELECT " VARIANT_JSON("x") "::text FROM variants x"
	  " WHERE x.listing_id = $1 AND x.id = $2" },
	{ "listing_category_review",
	  "SELECT category_review($1)" },
	{ "listing_brand_exists",
	  "SELECT EXISTS (SELECT 1 FROM brands WHERE id = $1)" },
	{ "listing_vendor_exists",
	  "SELECT EXISTS (SELECT 1 FROM vendors WHERE id = $1)" },
	/* Who hears about a moderator's decision: owners and the author. */
	{ "listing_people",
	  "SELECT id FROM users WHERE status = 'active' AND vendor_id = $1"
	  " AND (role = 'vendor_owner' OR id = $2)" },
	/*
	 * $1 status, $2 vendor, $3 category subtree, $4 title words, then
	 * the visibility ($5 vendor, $6 all, $7 regional, $8 scope), $9 the
	 * id to start after, $10 limit.
	 */
	{ "listing_list_newest",
	  LISTING_LIST("l.id", "l.id < $9", "l.id DESC") },
	/* Oldest first: by submission ($11 the id after a tie). */
	{ "listing_list_oldest",
	  LISTING_LIST("json_build_array(to_char(coalesce(l.submitted_at,"
	  " l.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
	  " l.id)",
	  "(coalesce(l.submitted_at, l.created_at), l.id) > ($9::timestamptz,"
	  " $11::bigint)", "coalesce(l.submitted_at, l.created_at), l.id") },
};

enum {
	STMT_GET, STMT_LOCK, STMT_DETAIL, STMT_UPDATE, STMT_MOVE,
	STMT_VARIANT_UPDATE, STMT_VARIANT_GET,
	STMT_CATEGORY_REVIEW, STMT_BRAND_EXISTS,
	STMT_VENDOR_EXISTS,
	STMT_PEOPLE, STMT_LIST_NEWEST, STMT_LIST_OLDEST,
};

/* The columns of listing_lock after the detail. */
enum {
	LOCK_DETAIL, LOCK_STATUS, LOCK_KIND, LOCK_CATEGORY, LOCK_VENDOR,
	LOCK_TITLE, LOCK_REVIEW, LOCK_CREATED_BY, LOCK_VARIANTS,
	LOCK_ATTRIBUTES,
};

static const struct api_constraint listing_refusals[] = {
	{ "variants_vendor_id_sku_key", "sku", "is taken by another variant "
	  "of this vendor" },
	{ "listings_category_id_fkey", "category_id", "is not a category" },
	{ "listings_brand_id_fkey", "brand_id", "is not a brand" },
	{ "listings_vendor_id_fkey", "vendor_id", "is not a vendor" },
	{ "variants_check", "compare_at_price", "must be "
	  "more than the price" },
};

/* --- who is asking ------------------------------------------------------- */

struct listing_who {
	char		 vendor[24];
	const char	*all;		/* sees every listing */
	const char	*regional;
	const char	*scope;
};

static void
listing_who(struct req *r, struct listing_who *w)
{
	const struct principal	*p = req_principal(r);

	snprintf(w->vendor, sizeof w->vendor, "%lld",
	    (long long)p->vendor_id);
	w->all = (p->role & (ROLE_ADMIN | ROLE_MODERATOR)) ? "true" : "false";
	w->regional = (p->role & (ROLE_EMPLOYEE | ROLE_SUPERVISOR)) ? "true" :
	    "false";
	w->scope = req_scope(r);
}

/* The vendor a change acts for: the caller's, or 0 for an admin. */
static int64_t
listing_acting_vendor(struct req *r)
{
	const struct principal	*p = req_principal(r);

	return p->role == ROLE_ADMIN ? 0 : p->vendor_id;
}

/* --- reading ------------------------------------------------------------- */

static void
listing_get(struct req *r)
{
	struct listing_who	 w;
	const char		*params[5];

	listing_who(r, &w);
	params[0] = req_param(r, "id");
	params[1] = w.vendor;
	params[2] = w.all;
	params[3] = w.regional;
	params[4] = w.scope;
	req_reply_row_deferred(r, &listing_stmts[STMT_GET], 5, params, "listing");
}

static const char *const listing_statuses[] = {
	"draft", "pending_review", "active", "rejected", "archived",
};

static void
listing_list(struct req *r)
{
	struct listing_who	 w;
	const char		*status = req_query(r, "status"), *vendor =
				    req_query(r, "vendor_id"), *category =
				    req_query(r, "category_id"), *q =
				    req_query(r, "q"), *order = req_query(r,
				    "order"), *params[11];
	char			 after_s[48], limit_s[24], after_id[24];
	json_t			*after = NULL;
	PGresult		*res = NULL;
	int64_t			 limit;
	size_t			 i;
	bool			 known = status == NULL, oldest;

	/* A review queue is worked oldest first. */
	oldest = order != NULL ? strcmp(order, "oldest") == 0 :
	    status != NULL && strcmp(status, "pending_review") == 0;
	/* Oldest first goes by submission time and id; newest by id. */
	if (!req_page(r, oldest ? 2 : 1, &limit, &after))
		goto fail;
	if (after != NULL && (oldest ? !json_is_string(json_array_get(after,
	    0)) || !rfc3339_valid(json_string_value(json_array_get(after,
	    0))) || !json_is_integer(json_array_get(after, 1)) :
	    !json_is_integer(json_array_get(after, 0))))
		req_field_error(r, "after", "cursor", "is not a cursor this "
		    "list returned");
	for (i = 0; !known && i < API_NELEM(listing_statuses); i++)
		known = strcmp(status, listing_statuses[i]) == 0;
	if (!known)
		req_field_error(r, "status", "invalid", "must be draft, "
		    "pending_review, active, rejected or archived");
	if (vendor != NULL && !router_valid_id(vendor, strlen(vendor)))
		req_field_error(r, "vendor_id", "invalid", "must be a vendor "
		    "id");
	if (category != NULL && !router_valid_id(category, strlen(category)))
		req_field_error(r, "category_id", "invalid", "must be a "
		    "category id");
	if (q != NULL && (strlen(q) == 0 || strlen(q) > 100 ||
	    strpbrk(q, "%_\\") != NULL || !api_check_line(r, "q", q)))
		req_field_error(r, "q", "invalid", "must be 1 to 100 "
		    "characters without %%, _ or \\");
	if (order != NULL && strcmp(order, "newest") != 0 &&
	    strcmp(order, "oldest") != 0)
		req_field_error(r, "order", "invalid", "must be newest or "
		    "oldest");
	if (req_has_field_errors(r))
		goto fail;
	listing_who(r, &w);
	if (oldest) {
		snprintf(after_s, sizeof after_s, "%s", after != NULL ?
		    json_string_value(json_array_get(after, 0)) : "-infinity");
		snprintf(after_id, sizeof after_id, "%lld", after != NULL ?
		    (long long)json_integer_value(json_array_get(after, 1)) :
		    0LL);
	} else
		snprintf(after_s, sizeof after_s, "%lld", after != NULL ?
		    (long long)json_integer_value(json_array_get(after, 0)) :
		    (long long)INT64_MAX);
	snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit + 1);
	params[0] = status;
	params[1] = vendor;
	params[2] = category;
	params[3] = q;
	params[4] = w.vendor;
	params[5] = w.all;
	params[6] = w.regional;
	params[7] = w.scope;
	params[8] = after_s;
	params[9] = limit_s;
	params[10] = after_id;
	if ((res = req_exec(r, &listing_stmts[oldest ? STMT_LIST_OLDEST :
	    STMT_LIST_NEWEST], oldest ? 11 : 10, params)) == NULL)
		goto out;
	req_reply_rows(r, res, limit);
	goto out;
fail:
	req_fail_fields(r);
out:
	json_decref(after);
	PQclear(res);
}

/* --- writing ------------------------------------------------------------- */

/*
 * Answers whether a one-parameter EXISTS statement finds row id (0, or a
 * JSON value that is not an integer: nothing to look for, yes).
 */
static bool
listing_exists(struct db *db, int stmt, int64_t id, bool *yes)
{
	char		 s[24];
	const char	*params[1] = { s };
	PGresult	*res;

	*yes = true;
	if (id <= 0)
		return true;
	snprintf(s, sizeof s, "%lld", (long long)id);
	if ((res = db_exec(db, &listing_stmts[stmt], 1, params)) == NULL)
		return false;
	*yes = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return true;
}

/* Records a status change by the caller (catalog/listing.c). */
static bool
listing_moved_by(struct db *db, struct req *r, const char *id,
    int64_t vendor, const char *from, const char *to, const char *reason)
{
	const struct principal	*p = req_principal(r);

	return listing_moved(db, strtoll(id, NULL, 10), vendor, from, to,
	    p->user_id, auth_role_name(p->role), reason);
}

/* The listing's JSON after a change (caller frees). */
static char *
listing_detail(struct db *db, const char *id)
{
	const char	*params[1] = { id };

	return db_text(db, &listing_stmts[STMT_DETAIL], 1, params);
}

/*
 * Adds variant v (checked) to listing id, with its initial stock; a
 * variant with stock for a vendor without an open location is refused.
 */
static bool
variant_add(struct db *db, struct req *r, const char *id, json_t *v,
    const char *path, int64_t *variant)
{
	bool	no_location;

	if (!variant_insert(db, strtoll(id, NULL, 10), v,
	    req_principal(r)->user_id, variant, &no_location))
		return false;
	if (no_location) {
		req_field_error(r, path, "no_location", "has stock, but the "
		    "vendor has no open location to keep it at");
		return false;
	}
	return true;
}

struct create_tx {
	struct req	*r;
	json_t		*body;
	int64_t		 vendor;
	char		 id[24];
	char		*after;
	bool		 bad_category, bad_brand, bad_vendor;
};

static bool
create_tx_run(struct db *db, void *arg)
{
	struct create_tx	*t = arg;
	struct listing_attrs	*la;
	json_t			*body, *v;
	char			 path[48];
	int64_t			 id, variant;
	size_t			 i;
	bool			 ok;

	free(t->after);
	t->after = NULL;
	if (!listing_exists(db, STMT_VENDOR_EXISTS, t->vendor, &ok))
		return false;
	if ((t->bad_vendor = !ok))
		return false;
	if (!listing_exists(db, STMT_BRAND_EXISTS, json_integer_value(
	    json_object_get(t->body, "brand_id")), &ok))
		return false;
	if ((t->bad_brand = !ok))
		return false;
	la = listing_attrs_load(db, json_integer_value(json_object_get(t->body,
	    "category_id")), &t->bad_category);
	if (la == NULL || t->bad_category) {
		listing_attrs_free(la);
		return false;
	}
	listing_attrs_check(la, json_object_get(t->body, "attributes"), false,
	    req_field_error_cb, t->r);
	listing_attrs_free(la);
	if (req_has_field_errors(t->r))
		return false;
	/* The listing's own fields; the body stays whole for a retry. */
	body = json_copy(t->body);
	json_object_del(body, "variants");
	json_object_del(body, "vendor_id");
	ok = listing_insert(db, t->vendor, body, req_principal(t->r)->user_id,
	    &id);
	json_decref(body);
	if (!ok)
		return false;
	snprintf(t->id, sizeof t->id, "%lld", (long long)id);
	json_array_foreach(json_object_get(t->body, "variants"), i, v) {
		snprintf(path, sizeof path, "variants[%zu].stock", i);
		if (!variant_add(db, t->r, t->id, v, path, &variant))
			return false;
	}
	if (!listing_moved_by(db, t->r, t->id, t->vendor, NULL, "draft",
	    NULL) || (t->after = listing_detail(db, t->id)) == NULL)
		return false;
	return account_audit(db, t->r, 0, "listing.created", "listing", t->id,
	    NULL, t->after, NULL);
}

/* Checks a body's variants (create) for a listing of kind. */
static void
listing_check_variants(struct req *r, json_t *variants, const char *kind)
{
	json_t		*v, *w;
	char		 path[32], field[40];
	const char	*sku;
	size_t		 i, j;

	json_array_foreach(variants, i, v) {
		snprintf(path, sizeof path, "variants[%zu].", i);
		variant_check(v, kind, true, path, req_field_error_cb, r);
		sku = json_string_value(json_object_get(v, "sku"));
		for (j = 0; sku != NULL && j < i; j++) {
			w = json_array_get(variants, j);
			if (json_string_value(json_object_get(w, "sku")) !=
			    NULL && strcmp(json_string_value(json_object_get(w,
			    "sku")), sku) == 0) {
				snprintf(field, sizeof field, "%ssku", path);
				req_field_error(r, field, "duplicate", "repeats "
				    "SKU %s", sku);
				break;
			}
		}
	}
}

static void
listing_create(struct req *r)
{
	const struct principal	*p = req_principal(r);
	struct create_tx	 t;
	struct db		*db;
	json_t			*vendor;

	memset(&t, 0, sizeof t);
	if ((t.body = req_body_json(r, listing_fields)) == NULL)
		return;
	t.r = r;
	listing_check(t.body, true, req_field_error_cb, r);
	listing_check_variants(r, json_object_get(t.body, "variants"),
	    json_string_value(json_object_get(t.body, "kind")));
	vendor = json_object_get(t.body, "vendor_id");
	if (p->role == ROLE_ADMIN) {
		if (vendor == NULL)
			req_field_error(r, "vendor_id", "required", "says whose "
			    "listing an admin makes");
		t.vendor = json_integer_value(vendor);
	} else {
		if (vendor != NULL && json_integer_value(vendor) !=
		    p->vendor_id)
			req_field_error(r, "vendor_id", "invalid", "must be your "
			    "own vendor, or left out");
		t.vendor = p->vendor_id;
	}
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, create_tx_run, &t)) {
		if (req_has_field_errors(r))
			req_fail_fields(r);
		else if (t.bad_vendor) {
			req_field_error(r, "vendor_id", "unknown", "is not a "
			    "vendor");
			req_fail_fields(r);
		} else if (t.bad_brand) {
			req_field_error(r, "brand_id", "unknown", "is not a "
			    "brand");
			req_fail_fields(r);
		} else if (t.bad_category) {
			req_field_error(r, "category_id", "unknown", "is not a "
			    "category");
			req_fail_fields(r);
		} else
			api_db_problem(r, db, listing_refusals,
			    API_NELEM(listing_refusals));
		goto out;
	}
	req_reply_json_text(r, 201, t.after, strlen(t.after));
out:
	free(t.after);
	json_decref(t.body);
}

/*
 * A change of one listing, in one transaction: locks it (the caller's
 * vendor's, or any for an admin), checks the change is allowed from its
 * status, applies it, records it.
 */
enum listing_action {
	ACT_EDIT, ACT_SUBMIT, ACT_ARCHIVE, ACT_UNARCHIVE, ACT_APPROVE,
	ACT_REJECT, ACT_VARIANT_ADD, ACT_VARIANT_EDIT,
};

/* For the audit log: listing.<name>. */
static const char *const listing_action_names[] = {
	[ACT_EDIT] = "edited", [ACT_SUBMIT] = "submitted",
	[ACT_ARCHIVE] = "archived", [ACT_UNARCHIVE] = "unarchived",
	[ACT_APPROVE] = "approved", [ACT_REJECT] = "rejected",
	[ACT_VARIANT_ADD] = "variant_added",
	[ACT_VARIANT_EDIT] = "variant_edited",
};

struct act_tx {
	struct req		*r;
	enum listing_action	 action;
	const char		*id;
	json_t			*body;
	const char		*reason;
	const char		*variant_id;	/* ACT_VARIANT_EDIT */
	/* what happened */
	char			*before, *after;
	char			*variant;	/* the variant's JSON */
	const char		*refused;
	bool			 missing, bad_brand, bad_category;
};

/* Sends listing.approved or listing.rejected to the vendor's people. */
static bool
listing_tell(struct db *db, PGresult *lock, const char *kind,
    const char *reason)
{
	static const enum notify_channel chans[] = { NOTIFY_EMAIL, NOTIFY_PUSH };
	const char		*params[2];
	struct outbox_msg	 m;
	PGresult		*res;
	json_t			*vars;
	int64_t			 nid;
	size_t			 c;
	int			 i;
	bool			 ok = true;

	params[0] = PQgetvalue(lock, 0, LOCK_VENDOR);
	params[1] = PQgetisnull(lock, 0, LOCK_CREATED_BY) ? NULL :
	    PQgetvalue(lock, 0, LOCK_CREATED_BY);
	if ((res = db_exec(db, &listing_stmts[STMT_PEOPLE], 2, params)) ==
	    NULL)
		return false;
	vars = json_pack("{s:s}", "listing.title", PQgetvalue(lock, 0,
	    LOCK_TITLE));
	if (reason != NULL)
		json_object_set_new(vars, "reason", json_string(reason));
	for (i = 0; ok && i < PQntuples(res); i++) {
		for (c = 0; ok && c < API_NELEM(chans); c++) {
			memset(&m, 0, sizeof m);
			m.kind = kind;
			m.user_id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
			m.channel = chans[c];
			m.vars = vars;
			ok = outbox_enqueue(db, &m, &nid);
		}
	}
	json_decref(vars);
	PQclear(res);
	return ok;
}

/* The status a submitted listing goes to, by its category's rule. */
static const char *
listing_submitted_status(PGresult *lock)
{
	return strcmp(PQgetvalue(lock, 0, LOCK_REVIEW), "none") == 0 ?
	    "active" : "pending_review";
}

/* Checks the listing can go live: variants, required attributes. */
static bool
listing_ready(struct db *db, struct act_tx *t, PGresult *lock)
{
	struct listing_attrs	*la;
	json_t			*attrs;
	bool			 missing;

	if (strtoll(PQgetvalue(lock, 0, LOCK_VARIANTS), NULL, 10) == 0)
		req_field_error(t->r, "variants", "required", "at least one "
		    "active variant, with its price");
	if ((la = listing_attrs_load(db, strtoll(PQgetvalue(lock, 0,
	    LOCK_CATEGORY), NULL, 10), &missing)) == NULL)
		return false;
	attrs = json_loads(PQgetvalue(lock, 0, LOCK_ATTRIBUTES), 0, NULL);
	listing_attrs_check(la, attrs, true, req_field_error_cb, t->r);
	json_decref(attrs);
	listing_attrs_free(la);
	return true;
}

static bool
act_edit(struct db *db, struct act_tx *t, PGresult *lock, const char **to)
{
	struct listing_attrs	*la;
	const char		*status = PQgetvalue(lock, 0, LOCK_STATUS);
	const char		*params[3];
	json_t			*attrs, *cat;
	char			*text;
	PGresult		*res;
	bool			 ok;

	if (!listing_exists(db, STMT_BRAND_EXISTS, json_integer_value(
	    json_object_get(t->body, "brand_id")), &ok))
		return false;
	if ((t->bad_brand = !ok))
		return false;
	/* Attributes are checked against the category they will be in. */
	cat = json_object_get(t->body, "category_id");
	attrs = json_object_get(t->body, "attributes");
	if (cat != NULL || attrs != NULL) {
		la = listing_attrs_load(db, cat != NULL ?
		    json_integer_value(cat) : strtoll(PQgetvalue(lock, 0,
		    LOCK_CATEGORY), NULL, 10), &t->bad_category);
		if (la == NULL || t->bad_category) {
			listing_attrs_free(la);
			return false;
		}
		if (attrs == NULL)
			attrs = json_loads(PQgetvalue(lock, 0, LOCK_ATTRIBUTES),
			    0, NULL);
		else
			json_incref(attrs);
		listing_attrs_check(la, attrs, false, req_field_error_cb,
		    t->r);
		json_decref(attrs);
		listing_attrs_free(la);
		if (req_has_field_errors(t->r))
			return false;
	}
	/*
	 * An edit of a live listing is reviewed where edits are, and a
	 * move into a category that reviews anything is reviewed there.
	 */
	*to = NULL;
	if (strcmp(status, "active") == 0 && strcmp(PQgetvalue(lock, 0,
	    LOCK_REVIEW), "all") == 0)
		*to = "pending_review";
	if (strcmp(status, "active") == 0 && *to == NULL && cat != NULL &&
	    json_integer_value(cat) != strtoll(PQgetvalue(lock, 0,
	    LOCK_CATEGORY), NULL, 10)) {
		char	 c[24];

		snprintf(c, sizeof c, "%lld", (long long)json_integer_value(
		    cat));
		params[0] = c;
		if ((res = db_exec(db, &listing_stmts[STMT_CATEGORY_REVIEW], 1,
		    params)) == NULL)
			return false;
		if (strcmp(PQgetvalue(res, 0, 0), "none") != 0)
			*to = "pending_review";
		PQclear(res);
	}
	if ((text = json_dumps(t->body, JSON_COMPACT)) == NULL)
		fatalx("act_edit: json_dumps");
	params[0] = t->id;
	params[1] = text;
	params[2] = *to;
	res = db_exec(db, &listing_stmts[STMT_UPDATE], 3, params);
	free(text);
	if (res == NULL)
		return false;
	PQclear(res);
	return true;
}

static bool
act_variant(struct db *db, struct act_tx *t, PGresult *lock)
{
	const char	*params[3];
	char		*text, vid[24];
	PGresult	*res;
	int64_t		 variant;

	/* What a variant may have depends on the listing's kind. */
	variant_check(t->body, PQgetvalue(lock, 0, LOCK_KIND),
	    t->action == ACT_VARIANT_ADD, "", req_field_error_cb, t->r);
	if (req_has_field_errors(t->r))
		return false;
	if (t->action == ACT_VARIANT_ADD) {
		if (!variant_add(db, t->r, t->id, t->body, "stock", &variant))
			return false;
		snprintf(vid, sizeof vid, "%lld", (long long)variant);
		params[0] = t->id;
		params[1] = vid;
		if ((res = db_exec(db, &listing_stmts[STMT_VARIANT_GET], 2,
		    params)) == NULL)
			return false;
	} else {
		if ((text = json_dumps(t->body, JSON_COMPACT)) == NULL)
			fatalx("act_variant: json_dumps");
		params[0] = t->id;
		params[1] = t->variant_id;
		params[2] = text;
		res = db_exec(db, &listing_stmts[STMT_VARIANT_UPDATE], 3,
		    params);
		free(text);
		if (res == NULL)
			return false;
		if (PQntuples(res) == 0) {
			PQclear(res);
			t->missing = true;
			return false;
		}
	}
	t->variant = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

static bool
act_tx_run(struct db *db, void *arg)
{
	struct act_tx	*t = arg;
	const char	*params[3], *status, *to = NULL;
	char		 vendor[24], action[48];
	PGresult	*lock, *res;
	bool		 ok = false;

	free(t->before);
	free(t->after);
	free(t->variant);
	t->before = t->after = t->variant = NULL;
	t->refused = NULL;
	t->missing = t->bad_brand = t->bad_category = false;
	snprintf(vendor, sizeof vendor, "%lld", (long long)
	    listing_acting_vendor(t->r));
	params[0] = t->id;
	/* Moderators act on any listing. */
	params[1] = t->action == ACT_APPROVE || t->action == ACT_REJECT ?
	    "0" : vendor;
	if ((lock = db_exec(db, &listing_stmts[STMT_LOCK], 2, params)) == NULL)
		return false;
	if ((t->missing = PQntuples(lock) == 0))
		goto out;
	t->before = xstrdup(PQgetvalue(lock, 0, LOCK_DETAIL));
	status = PQgetvalue(lock, 0, LOCK_STATUS);
	switch (t->action) {
	case ACT_EDIT:
	case ACT_VARIANT_ADD:
	case ACT_VARIANT_EDIT:
		if (strcmp(status, "archived") == 0) {
			t->refused = "the listing is archived: unarchive it "
			    "first";
			goto out;
		}
		if (t->action == ACT_EDIT ? !act_edit(db, t, lock, &to) :
		    !act_variant(db, t, lock))
			goto out;
		break;
	case ACT_SUBMIT:
		if (strcmp(status, "draft") != 0 &&
		    strcmp(status, "rejected") != 0) {
			t->refused = "only a draft or a rejected listing can be "
			    "submitted";
			goto out;
		}
		if (!listing_ready(db, t, lock) || req_has_field_errors(t->r))
			goto out;
		to = listing_submitted_status(lock);
		break;
	case ACT_ARCHIVE:
		if (strcmp(status, "archived") == 0) {
			t->refused = "the listing is archived already";
			goto out;
		}
		to = "archived";
		break;
	case ACT_UNARCHIVE:
		if (strcmp(status, "archived") != 0) {
			t->refused = "the listing is not archived";
			goto out;
		}
		to = "draft";
		break;
	case ACT_APPROVE:
	case ACT_REJECT:
		if (strcmp(status, "pending_review") != 0) {
			t->refused = "the listing is not waiting for review";
			goto out;
		}
		to = t->action == ACT_APPROVE ? "active" : "rejected";
		break;
	}
	if (to != NULL && t->action != ACT_EDIT) {
		params[0] = t->id;
		params[1] = to;
		params[2] = t->action == ACT_REJECT ? t->reason : NULL;
		if ((res = db_exec(db, &listing_stmts[STMT_MOVE], 3,
		    params)) == NULL)
			goto out;
		PQclear(res);
	}
	if (to != NULL && !listing_moved_by(db, t->r, t->id, strtoll(PQgetvalue(
	    lock, 0, LOCK_VENDOR), NULL, 10), status, to, t->reason))
		goto out;
	if ((t->after = listing_detail(db, t->id)) == NULL)
		goto out;
	ok = true;
	if (t->action == ACT_APPROVE)
		ok = listing_tell(db, lock, "listing.approved", NULL);
	if (t->action == ACT_REJECT)
		ok = listing_tell(db, lock, "listing.rejected", t->reason);
	snprintf(action, sizeof action, "listing.%s",
	    listing_action_names[t->action]);
	ok = ok && account_audit(db, t->r, 0, action, "listing", t->id,
	    t->before, t->after, t->reason);
out:
	PQclear(lock);
	return ok;
}

/* Runs one change and answers with the listing (or the variant). */
static void
listing_act(struct req *r, enum listing_action action, json_t *body,
    const char *reason)
{
	struct act_tx	 t;
	struct db	*db;

	memset(&t, 0, sizeof t);
	t.r = r;
	t.action = action;
	t.id = req_param(r, "id");
	t.body = body;
	t.reason = reason;
	if (action == ACT_VARIANT_EDIT)
		t.variant_id = req_param(r, "variant_id");
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, act_tx_run, &t)) {
		if (t.missing && action == ACT_VARIANT_EDIT && t.before != NULL)
			req_problem(r, "not-found", "listing %s has no variant "
			    "%s", t.id, t.variant_id);
		else if (t.missing)
			req_problem(r, "not-found", "there is no listing %s",
			    t.id);
		else if (t.refused != NULL)
			req_problem(r, "unprocessable", "%s", t.refused);
		else if (req_has_field_errors(r))
			req_fail_fields(r);
		else if (t.bad_brand) {
			req_field_error(r, "brand_id", "unknown", "is not a "
			    "brand");
			req_fail_fields(r);
		} else if (t.bad_category) {
			req_field_error(r, "category_id", "unknown", "is not a "
			    "category");
			req_fail_fields(r);
		} else
			api_db_problem(r, db, listing_refusals,
			    API_NELEM(listing_refusals));
		goto out;
	}
	if (t.variant != NULL)
		req_reply_json_text(r, action == ACT_VARIANT_ADD ? 201 : 200,
		    t.variant, strlen(t.variant));
	else
		req_reply_json_text(r, 200, t.after, strlen(t.after));
out:
	free(t.before);
	free(t.after);
	free(t.variant);
}

static void
listing_update(struct req *r)
{
	json_t	*body;

	if ((body = req_body_json(r, listing_fields)) == NULL)
		return;
	listing_check(body, false, req_field_error_cb, r);
	if (json_object_get(body, "vendor_id") != NULL)
		req_field_error(r, "vendor_id", "immutable", "cannot change");
	if (json_object_size(body) == 0)
		req_field_error(r, "", "empty", "change at least one field");
	if (req_has_field_errors(r))
		req_fail_fields(r);
	else
		listing_act(r, ACT_EDIT, body, NULL);
	json_decref(body);
}

/* Routes whose body is empty or {}. */
static bool
listing_no_body(struct req *r)
{
	static const struct jsonv_field none[] = {
		{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
	};
	size_t	 len;
	json_t	*body;

	(void)req_body(r, &len);
	if (len == 0)
		return true;
	if ((body = req_body_json(r, none)) == NULL)
		return false;
	json_decref(body);
	return true;
}

static void
listing_submit(struct req *r)
{
	if (listing_no_body(r))
		listing_act(r, ACT_SUBMIT, NULL, NULL);
}

static void
listing_archive(struct req *r)
{
	if (listing_no_body(r))
		listing_act(r, ACT_ARCHIVE, NULL, NULL);
}

static void
listing_unarchive(struct req *r)
{
	if (listing_no_body(r))
		listing_act(r, ACT_UNARCHIVE, NULL, NULL);
}

static void
listing_approve(struct req *r)
{
	if (listing_no_body(r))
		listing_act(r, ACT_APPROVE, NULL, NULL);
}

static const struct jsonv_field reason_fields[] = {
	{ "reason", JV_STRING, JV_REQUIRED, 3, 2000, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
listing_reject(struct req *r)
{
	json_t	*body;

	if ((body = req_body_json(r, reason_fields)) == NULL)
		return;
	if (api_check_text(r, "reason", json_string_value(json_object_get(
	    body, "reason"))))
		listing_act(r, ACT_REJECT, NULL, json_string_value(
		    json_object_get(body, "reason")));
	else
		req_fail_fields(r);
	json_decref(body);
}

/*
 * Adds or edits a variant.  Here the body is held to what any variant
 * allows; what the listing's kind allows is checked once it is locked.
 */
static void
listing_variant_write(struct req *r, bool create)
{
	json_t	*body;

	if ((body = req_body_json(r, variant_fields)) == NULL)
		return;
	variant_check(body, NULL, create, "", req_field_error_cb, r);
	if (!create && json_object_size(body) == 0)
		req_field_error(r, "", "empty", "change at least one field");
	if (req_has_field_errors(r))
		req_fail_fields(r);
	else
		listing_act(r, create ? ACT_VARIANT_ADD : ACT_VARIANT_EDIT,
		    body, NULL);
	json_decref(body);
}

static void
listing_variant_add(struct req *r)
{
	listing_variant_write(r, true);
}

static void
listing_variant_update(struct req *r)
{
	listing_variant_write(r, false);
}

static const struct route listing_routes[] = {
	{ "GET", "/v1/listings", listing_list,
	  "status,vendor_id,category_id,q,order,limit,after", "listings.read",
	  "listings in every state, newest first (a review queue oldest "
	  "first)", 0 },
	{ "POST", "/v1/listings", listing_create, NULL, "catalog.manage",
	  "create a draft listing with its variants", 0 },
	{ "GET", "/v1/listings/{id}", listing_get, NULL, "listings.read",
	  "a listing with its variants, stock, images and history", 0 },
	{ "PATCH", "/v1/listings/{id}", listing_update, NULL, "catalog.manage",
	  "edit a listing", 0 },
	{ "POST", "/v1/listings/{id}/submit", listing_submit, NULL,
	  "catalog.manage", "submit a listing for review (or publish it)", 0 },
	{ "POST", "/v1/listings/{id}/archive", listing_archive, NULL,
	  "catalog.manage", "take a listing out of sale", 0 },
	{ "POST", "/v1/listings/{id}/unarchive", listing_unarchive, NULL,
	  "catalog.manage", "bring an archived listing back as a draft", 0 },
	{ "POST", "/v1/listings/{id}/approve", listing_approve, NULL,
	  "catalog.moderate", "approve a listing waiting for review", 0 },
	{ "POST", "/v1/listings/{id}/reject", listing_reject, NULL,
	  "catalog.moderate", "reject a listing, with a reason", 0 },
	{ "POST", "/v1/listings/{id}/variants", listing_variant_add, NULL,
	  "catalog.manage", "add a variant", 0 },
	{ "PATCH", "/v1/listings/{id}/variants/{variant_id}",
	  listing_variant_update, NULL, "catalog.manage",
	  "edit or archive a variant", 0 },
};

const struct api_module listings_module = {
	"listings", listing_routes, API_NELEM(listing_routes),
	listing_stmts, API_NELEM(listing_stmts),
};
