/*
 * inventory: a vendor's stock, variant by variant and location by
 * location, as the vendor manages it.
 *
 *	GET  /v1/variants/{id}/stock		per location, and in all
 *	POST /v1/variants/{id}/stock		restock or adjust (with a note)
 *	GET  /v1/variants/{id}/movements	the ledger, newest first
 *	GET  /v1/variants/{id}/reservations	holds, newest first
 *	POST /v1/variants/{id}/reservations	hold units (an offline order)
 *	POST /v1/reservations/{id}/release	give them back
 *	POST /v1/reservations/{id}/commit	they are sold
 *
 * Every change goes through catalog/stock.c, which writes the ledger and
 * tells the vendor when stock runs low; checkout uses the same
 * primitives.  A vendor's people see their own variants; admins any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "req.h"
#include "stock.h"

#define STOCK_VIEW							\
	"SELECT json_build_object('variant_id', x.id, 'sku', x.sku, "	\
	"'low_stock_at', x.low_stock_at, 'available', coalesce((SELECT "	\
	"sum(s.available) FROM stock s WHERE s.variant_id = x.id), 0), "	\
	"'reserved', coalesce((SELECT sum(s.reserved) FROM stock s WHERE "	\
	"s.variant_id = x.id), 0), 'locations', coalesce((SELECT "	\
	"json_agg(json_build_object('location_id', l.id, 'name', l.name, " \
	"'active', l.active, 'available', coalesce(s.available, 0), "	\
	"'reserved', coalesce(s.reserved, 0), 'updated_at', "		\
	"rfc3339(s.updated_at)) ORDER BY l.id) FROM stock_locations l "	\
	"LEFT JOIN stock s ON s.location_id = l.id AND s.variant_id = x.id " \
	"WHERE l.vendor_id = x.vendor_id), '[]'))::text "		\
	"FROM variants x WHERE x.id = $1"

#define RESERVATION_JSON(r)						\
	"json_build_object('id', " r ".id, 'variant_id', " r ".variant_id, " \
	"'location_id', " r ".location_id, 'quantity', " r ".quantity, "	\
	"'state', " r ".state, 'ref', " r ".ref, 'expires_at', rfc3339("	\
	r ".expires_at), 'created_by', " r ".created_by, 'created_at', "	\
	"rfc3339(" r ".created_at), 'closed_at', rfc3339(" r ".closed_at))"

static const struct db_stmt inventory_stmts[] = {
	/* The variant, if it is the caller's vendor's ($2; 0: any). */
	{ "inventory_variant",
	  "SELECT x.vendor_id, l.kind FROM variants x"
	  " JOIN listings l ON l.id = x.listing_id"
	  " WHERE x.id = $1 AND ($2::bigint = 0 OR x.vendor_id = $2)" },
	{ "inventory_stock", STOCK_VIEW },
	{ "inventory_location_ok",
	  "SELECT EXISTS (SELECT 1 FROM stock_locations WHERE id = $1"
	  " AND vendor_id = $2)" },
	/* $1 variant, $2 id after, $3 limit */
	{ "inventory_movements",
	  "SELECT json_build_object('id', m.id, 'variant_id', m.variant_id,"
	  " 'location_id', m.location_id, 'kind', m.kind, 'available_delta',"
	  " m.available_delta, 'reserved_delta', m.reserved_delta,"
	  " 'available_after', m.available_after, 'reserved_after',"
	  " m.reserved_after, 'note', m.note, 'reservation_id',"
	  " m.reservation_id, 'actor_id', m.actor_id, 'at', rfc3339(m.at))"
	  "::text, m.id FROM stock_movements m WHERE m.variant_id = $1"
	  " AND m.id < $2 ORDER BY m.id DESC LIMIT $3" },
	/* $1 variant, $2 state, $3 id after, $4 limit */
	{ "inventory_reservations",
	  "SELECT " RESERVATION_JSON("r") "::text, r.id"
	  " FROM stock_reservations r WHERE r.variant_id = $1"
	  " AND ($2::text IS NULL OR r.state = $2) AND r.id < $3"
	  " ORDER BY r.id DESC LIMIT $4" },
	{ "inventory_reservation",
	  "SELECT " RESERVATION_JSON("r") "::text FROM stock_reservations r"
	  " WHERE r.id = $1" },
	/* The reservation's variant, if the caller's vendor's. */
	{ "inventory_reservation_owner",
	  "SELECT r.variant_id FROM stock_reservations r"
	  " JOIN variants x ON x.id = r.variant_id"
	  " WHERE r.id = $1 AND ($2::bigint = 0 OR x.vendor_id = $2)" },
};

enum {
	STMT_VARIANT, STMT_STOCK, STMT_LOCATION_OK, STMT_MOVEMENTS,
	STMT_RESERVATIONS, STMT_RESERVATION, STMT_RESERVATION_OWNER,
};

/* The vendor the caller acts for as text: theirs, or "0" for an admin. */
static void
inventory_vendor(struct req *r, char *buf, size_t len)
{
	const struct principal	*p = req_principal(r);

	snprintf(buf, len, "%lld", p->role == ROLE_ADMIN ? 0LL :
	    (long long)p->vendor_id);
}

/*
 * Checks the variant of the path is the caller's to manage and a
 * product's (services have no stock); 404 or 409 otherwise.  *vendor gets
 * its vendor.
 */
static bool
inventory_variant(struct req *r, int64_t *vendor)
{
	char		 mine[24];
	const char	*params[2] = { req_param(r, "id"), mine };
	PGresult	*res;
	bool		 ok = false;

	inventory_vendor(r, mine, sizeof mine);
	if ((res = req_exec(r, &inventory_stmts[STMT_VARIANT], 2, params)) ==
	    NULL)
		return false;
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "there is no variant %s",
		    params[0]);
	else if (strcmp(PQgetvalue(res, 0, 1), "product") != 0)
		req_problem(r, "unprocessable", "variant %s is a service's: "
		    "services have no stock", params[0]);
	else {
		*vendor = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		ok = true;
	}
	PQclear(res);
	return ok;
}

static void
inventory_reply_stock(struct req *r, struct db *db, int status)
{
	const char	*params[1] = { req_param(r, "id") };
	PGresult	*res;

	if ((res = db_exec(db, &inventory_stmts[STMT_STOCK], 1, params)) ==
	    NULL) {
		req_db_problem(r, db);
		return;
	}
	req_reply_json_text(r, status, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}

static void
inventory_stock(struct req *r)
{
	struct db	*db;
	int64_t		 vendor;

	if (!inventory_variant(r, &vendor) || (db = req_db(r)) == NULL)
		return;
	inventory_reply_stock(r, db, 200);
}

static const struct jsonv_field adjust_fields[] = {
	{ "location_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "kind", JV_STRING, JV_REQUIRED, 1, 20, 0, 0, 0, NULL },
	{ "quantity", JV_INT, JV_REQUIRED, -10000000, 10000000, 0, 0, 0,
	  NULL },
	{ "note", JV_STRING, 0, 1, 500, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct adjust_tx {
	struct req		*r;
	int64_t			 vendor, variant, location;
	const char		*kind, *note;
	int			 delta, after;
	enum stock_result	 result;
	bool			 bad_location;
};

static bool
adjust_tx_run(struct db *db, void *arg)
{
	struct adjust_tx	*t = arg;
	char			 loc[24], vendor[24], id[24], *detail;
	const char		*params[2] = { loc, vendor };
	PGresult		*res;
	bool			 ok;

	snprintf(loc, sizeof loc, "%lld", (long long)t->location);
	snprintf(vendor, sizeof vendor, "%lld", (long long)t->vendor);
	if ((res = db_exec(db, &inventory_stmts[STMT_LOCATION_OK], 2,
	    params)) == NULL)
		return false;
	t->bad_location = PQgetvalue(res, 0, 0)[0] != 't';
	PQclear(res);
	if (t->bad_location)
		return false;
	t->result = stock_adjust(db, t->variant, t->location, t->kind,
	    t->delta, t->note, req_principal(t->r)->user_id, &t->after);
	if (t->result != STOCK_OK)
		return false;
	snprintf(id, sizeof id, "%lld", (long long)t->variant);
	detail = xasprintf("%s %+d at location %lld: %d available%s%s",
	    t->kind, t->delta, (long long)t->location, t->after,
	    t->note != NULL ? "; " : "", t->note != NULL ? t->note : "");
	ok = account_audit(db, t->r, 0, "stock.adjusted", "variant", id, NULL,
	    NULL, detail);
	free(detail);
	return ok;
}

static void
inventory_adjust(struct req *r)
{
	struct adjust_tx	 t;
	struct db		*db;
	json_t			*body;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, adjust_fields)) == NULL)
		return;
	t.r = r;
	t.variant = req_param_id(r, "id");
	t.location = json_integer_value(json_object_get(body, "location_id"));
	t.kind = json_string_value(json_object_get(body, "kind"));
	t.delta = (int)json_integer_value(json_object_get(body, "quantity"));
	t.note = json_string_value(json_object_get(body, "note"));
	if (strcmp(t.kind, "restock") == 0) {
		if (t.delta <= 0)
			req_field_error(r, "quantity", "range", "must be more "
			    "than 0 for a restock");
	} else if (strcmp(t.kind, "adjustment") == 0) {
		if (t.delta == 0)
			req_field_error(r, "quantity", "range", "must not be 0");
		if (t.note == NULL)
			req_field_error(r, "note", "required", "says why stock "
			    "is adjusted (counted, damaged, ...)");
	} else
		req_field_error(r, "kind", "invalid", "must be restock or "
		    "adjustment (sales and reservations happen by themselves)");
	api_check_line(r, "note", t.note);
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if (!inventory_variant(r, &t.vendor) || (db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, adjust_tx_run, &t)) {
		if (t.bad_location) {
			req_field_error(r, "location_id", "unknown", "is not one "
			    "of the vendor's locations");
			req_fail_fields(r);
		} else if (t.result == STOCK_SHORT)
			req_problem(r, "conflict", "stock cannot go below zero "
			    "(units held for orders are not available)");
		else
			req_db_problem(r, db);
		goto out;
	}
	inventory_reply_stock(r, db, 200);
out:
	json_decref(body);
}

static void
inventory_movements(struct req *r)
{
	struct req_page_id	 pg;
	const char		*params[3];
	PGresult		*res;
	int64_t			 vendor;

	if (!req_page_id(r, true, &pg)) {
		req_fail_fields(r);
		return;
	}
	if (!inventory_variant(r, &vendor))
		return;
	params[0] = req_param(r, "id");
	params[1] = pg.after;
	params[2] = pg.limit_plus;
	if ((res = req_exec(r, &inventory_stmts[STMT_MOVEMENTS], 3, params)) !=
	    NULL) {
		req_reply_rows(r, res, pg.limit);
		PQclear(res);
	}
}

static void
inventory_reservations(struct req *r)
{
	struct req_page_id	 pg;
	const char		*state = req_query(r, "state"), *params[4];
	PGresult		*res;
	int64_t			 vendor;
	bool			 paged;

	paged = req_page_id(r, true, &pg);
	if (state != NULL && strcmp(state, "held") != 0 &&
	    strcmp(state, "committed") != 0 && strcmp(state, "released") !=
	    0 && strcmp(state, "expired") != 0)
		req_field_error(r, "state", "invalid", "must be held, "
		    "committed, released or expired");
	if (!paged || req_has_field_errors(r))
		goto fail;
	if (!inventory_variant(r, &vendor))
		return;
	params[0] = req_param(r, "id");
	params[1] = state;
	params[2] = pg.after;
	params[3] = pg.limit_plus;
	if ((res = req_exec(r, &inventory_stmts[STMT_RESERVATIONS], 4,
	    params)) != NULL) {
		req_reply_rows(r, res, pg.limit);
		PQclear(res);
	}
	return;
fail:
	req_fail_fields(r);
}

static const struct jsonv_field reserve_fields[] = {
	{ "quantity", JV_INT, JV_REQUIRED, 1, 100000, 0, 0, 0, NULL },
	{ "location_id", JV_INT, 0, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "ref", JV_STRING, JV_REQUIRED, 1, 100, 0, 0, 0, NULL },
	/* Seconds; left out, the hold lasts until released. */
	{ "expires_in", JV_INT, 0, 60, 90 * 86400, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct reserve_tx {
	struct req			*r;
	int64_t				 variant, location, expires;
	int				 qty;
	const char			*ref;
	struct stock_reservation	 got;
	enum stock_result		 result;
	char				*json;
};

/* The reservation's JSON (caller frees). */
static char *
inventory_reservation_json(struct db *db, int64_t id)
{
	char		 s[24];
	const char	*params[1] = { s };

	snprintf(s, sizeof s, "%lld", (long long)id);
	return db_text(db, &inventory_stmts[STMT_RESERVATION], 1, params);
}

static bool
reserve_tx_run(struct db *db, void *arg)
{
	struct reserve_tx	*t = arg;
	char			 id[24];

	free(t->json);
	t->json = NULL;
	t->result = stock_reserve(db, t->variant, t->location, t->qty, t->ref,
	    t->expires, req_principal(t->r)->user_id, &t->got);
	if (t->result != STOCK_OK)
		return false;
	if ((t->json = inventory_reservation_json(db, t->got.id)) == NULL)
		return false;
	snprintf(id, sizeof id, "%lld", (long long)t->variant);
	return account_audit(db, t->r, 0, "stock.reserved", "variant", id,
	    NULL, t->json, NULL);
}

static void
inventory_reserve(struct req *r)
{
	struct reserve_tx	 t;
	struct db		*db;
	json_t			*body;
	int64_t			 vendor;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, reserve_fields)) == NULL)
		return;
	t.r = r;
	t.variant = req_param_id(r, "id");
	t.qty = (int)json_integer_value(json_object_get(body, "quantity"));
	t.location = json_integer_value(json_object_get(body, "location_id"));
	t.ref = json_string_value(json_object_get(body, "ref"));
	t.expires = json_integer_value(json_object_get(body, "expires_in"));
	if (!api_check_line(r, "ref", t.ref)) {
		req_fail_fields(r);
		goto out;
	}
	if (!inventory_variant(r, &vendor) || (db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, reserve_tx_run, &t)) {
		if (t.result == STOCK_SHORT)
			req_problem(r, "conflict", "not enough stock: fewer "
			    "than %d available%s", t.qty, t.location > 0 ?
			    " at that location" : " at any one location");
		else if (t.result == STOCK_NOT_FOUND) {
			req_field_error(r, "location_id", "unknown", "is not an "
			    "open location of the vendor");
			req_fail_fields(r);
		} else
			req_db_problem(r, db);
		goto out;
	}
	req_reply_json_text(r, 201, t.json, strlen(t.json));
out:
	free(t.json);
	json_decref(body);
}

struct close_tx {
	struct req		*r;
	int64_t			 id;
	bool			 commit;
	enum stock_result	 result;
	char			*json;
};

static bool
close_tx_run(struct db *db, void *arg)
{
	struct close_tx	*t = arg;
	char		 id[24];
	int64_t		 me = req_principal(t->r)->user_id;

	free(t->json);
	t->json = NULL;
	t->result = t->commit ? stock_commit(db, t->id, me) :
	    stock_release(db, t->id, "released", me);
	if (t->result != STOCK_OK)
		return false;
	if ((t->json = inventory_reservation_json(db, t->id)) == NULL)
		return false;
	snprintf(id, sizeof id, "%lld", (long long)t->id);
	return account_audit(db, t->r, 0, t->commit ? "stock.sold" :
	    "stock.released", "reservation", id, NULL, t->json, NULL);
}

static void
inventory_close(struct req *r, bool commit)
{
	struct close_tx	 t;
	struct db	*db;
	char		 mine[24];
	const char	*params[2] = { req_param(r, "id"), mine };
	PGresult	*res;

	memset(&t, 0, sizeof t);
	t.r = r;
	t.id = req_param_id(r, "id");
	t.commit = commit;
	inventory_vendor(r, mine, sizeof mine);
	if ((res = req_exec(r, &inventory_stmts[STMT_RESERVATION_OWNER], 2,
	    params)) == NULL)
		return;
	if (PQntuples(res) == 0) {
		req_problem(r, "not-found", "there is no reservation %s",
		    params[0]);
		PQclear(res);
		return;
	}
	PQclear(res);
	if ((db = req_db(r)) == NULL)
		return;
	if (!db_tx(db, DB_READ_COMMITTED, close_tx_run, &t)) {
		if (t.result == STOCK_STATE)
			req_problem(r, "unprocessable", "the reservation is not held "
			    "any more");
		else if (t.result == STOCK_NOT_FOUND)
			req_problem(r, "not-found", "there is no reservation "
			    "%s", params[0]);
		else
			req_db_problem(r, db);
	} else
		req_reply_json_text(r, 200, t.json, strlen(t.json));
	free(t.json);
}

static void
inventory_release(struct req *r)
{
	inventory_close(r, false);
}

static void
inventory_commit(struct req *r)
{
	inventory_close(r, true);
}

static const struct route inventory_routes[] = {
	{ "GET", "/v1/variants/{id}/stock", inventory_stock, NULL,
	  "catalog.manage", "a variant's stock, per location and in all", 0 },
	{ "POST", "/v1/variants/{id}/stock", inventory_adjust, NULL,
	  "catalog.manage", "restock or adjust a variant's stock", 0 },
	{ "GET", "/v1/variants/{id}/movements", inventory_movements,
	  "limit,after", "catalog.manage", "the stock ledger, newest first",
	  0 },
	{ "GET", "/v1/variants/{id}/reservations", inventory_reservations,
	  "state,limit,after", "catalog.manage",
	  "a variant's reservations, newest first", 0 },
	{ "POST", "/v1/variants/{id}/reservations", inventory_reserve, NULL,
	  "catalog.manage", "hold units of a variant", 0 },
	{ "POST", "/v1/reservations/{id}/release", inventory_release, NULL,
	  "catalog.manage", "give held units back", 0 },
	{ "POST", "/v1/reservations/{id}/commit", inventory_commit, NULL,
	  "catalog.manage", "held units are sold", 0 },
};

const struct api_module inventory_module = {
	"inventory", inventory_routes, API_NELEM(inventory_routes),
	inventory_stmts, API_NELEM(inventory_stmts),
};
