/*
 * vendors: the shops selling on souk, made by approving a registration.
 *
 *	GET    /v1/vendors				staff: their regions' vendors
 *	GET    /v1/vendors/{id}				anyone: the public profile;
 *							its people and staff: all of it
 *	PATCH  /v1/vendors/{id}				the owner edits the profile
 *	POST   /v1/vendors/{id}/suspend			staff, with a reason
 *	POST   /v1/vendors/{id}/reactivate
 *	GET    /v1/vendors/{id}/notes			visits and notes by staff
 *	POST   /v1/vendors/{id}/notes
 *	GET    /v1/vendors/{id}/staff			the owner's team
 *	POST   /v1/vendors/{id}/staff			add someone by phone or email
 *							(invite them, if they have an
 *							account: see invitations.c)
 *	DELETE /v1/vendors/{id}/staff/{user_id}
 *	GET    /v1/vendors/{id}/locations		stores and warehouses
 *	POST   /v1/vendors/{id}/locations
 *	PATCH  /v1/vendors/{id}/locations/{location_id}
 *
 * Who sees what: a vendor's own people (owner, staff) and staff of its
 * region (region_in_scope) see everything; anyone else sees the public
 * profile of an active vendor, and nothing of a suspended one.  A vendor
 * role names its own vendor in the path; any other vendor's id is a 404,
 * as if it did not exist.  Suspension hides the vendor's listings from
 * customers at once (browse and search join on the vendor's status) and
 * tells the owner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "events.h"
#include "invitations.h"
#include "log.h"
#include "outbox.h"
#include "phone.h"
#include "req.h"
#include "rfc3339.h"

#define VENDOR_PUBLIC(v)						\
	"'id', " v ".id, 'name', " v ".name, 'description', "		\
	v ".description, 'category', " v ".category, 'address', "	\
	v ".address, 'region_id', " v ".region_id, 'pincode', "		\
	v ".pincode, 'lat', " v ".lat, 'lon', " v ".lon, "		\
	"'service_pincodes', " v ".service_pincodes, 'service_radius_m', " \
	v ".service_radius_m, 'opening_hours', " v ".opening_hours, "	\
	"'timezone', " v ".timezone, 'badges', " v ".badges, "		\
	"'rating_avg', " v ".rating_avg, 'rating_count', "		\
	v ".rating_count, 'logo', CASE WHEN " v ".logo_key IS NULL THEN "	\
	"NULL ELSE json_build_object('url', '/v1/images/' || " v		\
	".logo_key, 'thumb_url', '/v1/images/' || coalesce(" v		\
	".logo_thumb_key, " v ".logo_key)) END, 'created_at', "		\
	"rfc3339(" v ".created_at)"

/* What the vendor's people and its region's staff see besides. */
#define VENDOR_PRIVATE(v)						\
	"'legal_name', " v ".legal_name, 'gstin', " v ".gstin, 'pan', "	\
	v ".pan, 'contact_name', " v ".contact_name, 'contact_phone', "	\
	v ".contact_phone, 'contact_email', " v ".contact_email, "	\
	"'status', " v ".status, 'status_reason', " v ".status_reason, "	\
	"'score', " v ".score, 'registration_id', " v ".registration_id, " \
	"'updated_at', rfc3339(" v ".updated_at)"

/* The listings by status, units sold and low-stock variants. */
#define VENDOR_SUMMARY(v)						\
	"'summary', json_build_object('listings', (SELECT "		\
	"json_build_object('draft', count(*) FILTER (WHERE l.status = "	\
	"'draft'), 'pending_review', count(*) FILTER (WHERE l.status = "	\
	"'pending_review'), 'active', count(*) FILTER (WHERE l.status = "	\
	"'active'), 'rejected', count(*) FILTER (WHERE l.status = "	\
	"'rejected'), 'archived', count(*) FILTER (WHERE l.status = "	\
	"'archived')) FROM listings l WHERE l.vendor_id = " v ".id), "	\
	"'sales', (SELECT json_build_object('units_30d', coalesce(-sum("	\
	"m.reserved_delta) FILTER (WHERE m.at > now() - interval "	\
	"'30 days'), 0), 'units_total', coalesce(-sum(m.reserved_delta), "	\
	"0), 'last_sale_at', rfc3339(max(m.at))) FROM stock_movements m "	\
	"JOIN variants x ON x.id = m.variant_id WHERE x.vendor_id = " v	\
	".id AND m.kind = 'sale'), 'low_stock_variants', (SELECT count(*) " \
	"FROM variants x WHERE x.vendor_id = " v ".id AND x.status = "	\
	"'active' AND (SELECT coalesce(sum(s.available), 0) FROM stock s "	\
	"WHERE s.variant_id = x.id) <= x.low_stock_at AND EXISTS (SELECT 1 " \
	"FROM listings l WHERE l.id = x.listing_id AND l.kind = "		\
	"'product' AND l.status <> 'archived')))"

/*
 * Whether the caller sees all of vendor v: $2 the caller's vendor (0:
 * none), $3 whether they are staff who read vendors, $4 their region
 * scope (NULL: everywhere).
 */
#define VENDOR_PRIVY(v)							\
	"(" v ".id = $2::bigint OR ($3::boolean AND region_in_scope("	\
	v ".region_id, $4::bigint[])))"

#define LOCATION_JSON(s)						\
	"json_build_object('id', " s ".id, 'vendor_id', " s ".vendor_id, " \
	"'name', " s ".name, 'address', " s ".address, 'pincode', "	\
	s ".pincode, 'active', " s ".active, 'created_at', rfc3339(" s	\
	".created_at), 'updated_at', rfc3339(" s ".updated_at))"

static const struct db_stmt vendor_stmts[] = {
	{ "vendor_get",
	  "SELECT CASE WHEN " VENDOR_PRIVY("v") " THEN json_build_object("
	  VENDOR_PUBLIC("v") ", " VENDOR_PRIVATE("v") ", " VENDOR_SUMMARY("v")
	  ") ELSE json_build_object(" VENDOR_PUBLIC("v") ") END::text"
	  " FROM vendors v WHERE v.id = $1"
	  " AND (v.status = 'active' OR " VENDOR_PRIVY("v") ")" },
	/* The vendor if the caller may act on it, locked. */
	{ "vendor_lock",
	  "SELECT json_build_object(" VENDOR_PUBLIC("v") ", "
	  VENDOR_PRIVATE("v") ")::text, v.status, v.name,"
	  " (SELECT path::text FROM regions WHERE id = v.region_id)"
	  " FROM vendors v WHERE v.id = $1 AND " VENDOR_PRIVY("v")
	  " FOR UPDATE OF v" },
	{ "vendor_privy",
	  "SELECT " VENDOR_PRIVY("v") " FROM vendors v WHERE v.id = $1" },
	{ "vendor_name",
	  "SELECT name FROM vendors WHERE id = $1 FOR SHARE" },
	{ "vendor_private",
	  "SELECT json_build_object(" VENDOR_PUBLIC("v") ", "
	  VENDOR_PRIVATE("v") ", " VENDOR_SUMMARY("v") ")::text"
	  " FROM vendors v WHERE v.id = $1" },
	/* $1 id, $2 the checked body */
	{ "vendor_update",
	  "UPDATE vendors v SET"
	  " name = coalesce(b->>'name', name),"
	  " description = coalesce(b->>'description', description),"
	  " address = coalesce(b->>'address', address),"
	  " pincode = coalesce(b->>'pincode', pincode),"
	  " region_id = coalesce((b->>'region_id')::bigint, region_id),"
	  " lat = CASE WHEN b ? 'lat' THEN (b->>'lat')::float8 ELSE lat END,"
	  " lon = CASE WHEN b ? 'lon' THEN (b->>'lon')::float8 ELSE lon END,"
	  " service_pincodes = CASE WHEN b ? 'service_pincodes' THEN ARRAY("
	  "  SELECT jsonb_array_elements_text(b->'service_pincodes'))"
	  "  ELSE service_pincodes END,"
	  " service_radius_m = CASE WHEN b ? 'service_radius_m' THEN"
	  "  (b->>'service_radius_m')::int ELSE service_radius_m END,"
	  " opening_hours = coalesce(b->'opening_hours', opening_hours),"
	  " timezone = coalesce(b->>'timezone', timezone),"
	  " contact_name = CASE WHEN b ? 'contact_name' THEN b->>'contact_name'"
	  "  ELSE contact_name END,"
	  " contact_phone = CASE WHEN b ? 'contact_phone' THEN"
	  "  b->>'contact_phone' ELSE contact_phone END,"
	  " contact_email = CASE WHEN b ? 'contact_email' THEN"
	  "  b->>'contact_email' ELSE contact_email END"
	  " FROM (SELECT $2::jsonb b) x WHERE v.id = $1" },
	{ "vendor_timezone_valid",
	  "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)" },
	{ "vendor_region_exists",
	  "SELECT EXISTS (SELECT 1 FROM regions WHERE id = $1)" },
	/* $1 id, $2 status, $3 reason */
	{ "vendor_set_status",
	  "UPDATE vendors SET status = $2, status_reason = $3 WHERE id = $1" },
	/* Who hears about the vendor: its owner(s). */
	{ "vendor_owners",
	  "SELECT id FROM users WHERE vendor_id = $1 AND role = 'vendor_owner'"
	  " AND status = 'active'" },
	/*
	 * $1 status, $2 category, $3 badge, $4 rating at least, $5 joined
	 * since, $6 joined before, $7 region subtree, $8 name, $9 scope,
	 * $10 after id, $11 limit
	 */
	{ "vendor_list",
	  "SELECT json_build_object(" VENDOR_PUBLIC("v") ", "
	  VENDOR_PRIVATE("v") ")::text, v.id FROM vendors v"
	  " WHERE ($1::text IS NULL OR v.status = $1)"
	  " AND ($2::text IS NULL OR lower(v.category) = lower($2))"
	  " AND ($3::text IS NULL OR v.badges @> ARRAY[$3])"
	  " AND ($4::numeric IS NULL OR v.rating_avg >= $4)"
	  " AND ($5::timestamptz IS NULL OR v.created_at >= $5)"
	  " AND ($6::timestamptz IS NULL OR v.created_at < $6)"
	  " AND ($7::bigint IS NULL OR region_in_scope(v.region_id,"
	  "  ARRAY[$7::bigint]))"
	  " AND ($8::text IS NULL OR v.name ILIKE '%' || $8 || '%'"
	  "  OR v.name % $8)"
	  " AND region_in_scope(v.region_id, $9::bigint[])"
	  " AND v.id < $10 ORDER BY v.id DESC LIMIT $11" },

	/* $1 vendor, $2 after id, $3 limit */
	{ "vendor_notes",
	  "SELECT json_build_object('id', n.id, 'vendor_id', n.vendor_id,"
	  " 'kind', n.kind, 'body', n.body, 'visited_at', rfc3339(n.visited_at),"
	  " 'author_id', n.author_id, 'author_name', u.name, 'created_at',"
	  " rfc3339(n.created_at))::text, n.id FROM vendor_notes n"
	  " LEFT JOIN users u ON u.id = n.author_id"
	  " WHERE n.vendor_id = $1 AND n.id < $2 ORDER BY n.id DESC LIMIT $3" },
	/* $1 vendor, $2 kind, $3 body, $4 visited at, $5 author */
	{ "vendor_note_insert",
	  "INSERT INTO vendor_notes (vendor_id, kind, body, visited_at,"
	  " author_id) VALUES ($1, $2, $3, $4, $5)"
	  " RETURNING json_build_object('id', id, 'vendor_id', vendor_id,"
	  " 'kind', kind, 'body', body, 'visited_at', rfc3339(visited_at),"
	  " 'author_id', author_id, 'author_name', (SELECT name FROM users"
	  " WHERE id = $5), 'created_at', rfc3339(created_at))::text, id" },

	{ "vendor_staff",
	  "SELECT " ACCOUNT_USER_JSON "::text, NULL FROM users u"
	  " WHERE u.vendor_id = $1 ORDER BY u.role = 'vendor_owner' DESC, u.id" },
	/* Accounts with this phone or email, locked. */
	{ "vendor_staff_find",
	  "SELECT id, role, vendor_id FROM users"
	  " WHERE phone = $1 OR lower(email) = lower($2) ORDER BY id"
	  " FOR UPDATE" },
	/* $1 vendor, $2 name, $3 phone, $4 email */
	{ "vendor_staff_insert",
	  "INSERT INTO users (role, vendor_id, name, phone, email)"
	  " VALUES ('vendor_staff', $1, $2, $3, $4) RETURNING id" },
	{ "vendor_staff_leave",
	  "UPDATE users u SET role = 'customer', vendor_id = NULL"
	  " WHERE id = $2 AND vendor_id = $1 AND role = 'vendor_staff'"
	  " RETURNING " ACCOUNT_USER_JSON "::text" },
	{ "vendor_user_json",
	  "SELECT " ACCOUNT_USER_JSON "::text FROM users u WHERE u.id = $1" },

	{ "vendor_locations",
	  "SELECT " LOCATION_JSON("s") "::text, NULL FROM stock_locations s"
	  " WHERE s.vendor_id = $1 ORDER BY s.id" },
	/* $1 vendor, $2 body */
	{ "vendor_location_insert",
	  "INSERT INTO stock_locations (vendor_id, name, address, pincode,"
	  " active) SELECT $1, b->>'name', b->>'address', b->>'pincode',"
	  " coalesce((b->>'active')::boolean, true)"
	  " FROM (SELECT $2::jsonb b) x RETURNING " LOCATION_JSON(
	  "stock_locations") "::text" },
	/* $1 vendor, $2 location, $3 body */
	{ "vendor_location_update",
	  "UPDATE stock_locations s SET name = coalesce(b->>'name', name),"
	  " address = CASE WHEN b ? 'address' THEN b->>'address' ELSE address"
	  "  END,"
	  " pincode = CASE WHEN b ? 'pincode' THEN b->>'pincode' ELSE pincode"
	  "  END,"
	  " active = coalesce((b->>'active')::boolean, active)"
	  " FROM (SELECT $3::jsonb b) x WHERE s.vendor_id = $1 AND s.id = $2"
	  " RETURNING " LOCATION_JSON("s") "::text" },
	{ "vendor_location_get",
	  "SELECT " LOCATION_JSON("s") "::text FROM stock_locations s"
	  " WHERE s.vendor_id = $1 AND s.id = $2" },
};

enum {
	STMT_GET, STMT_LOCK, STMT_PRIVY, STMT_NAME, STMT_PRIVATE, STMT_UPDATE, STMT_TZ_VALID,
	STMT_REGION_EXISTS, STMT_SET_STATUS, STMT_OWNERS, STMT_LIST,
	STMT_NOTES, STMT_NOTE_INSERT,
	STMT_STAFF, STMT_STAFF_FIND, STMT_STAFF_INSERT,
	STMT_STAFF_LEAVE, STMT_USER_JSON,
	STMT_LOCATIONS, STMT_LOCATION_INSERT, STMT_LOCATION_UPDATE,
	STMT_LOCATION_GET,
};

static const struct api_constraint vendor_refusals[] = {
	{ "vendors_check", "lat", "and lon must be given together" },
	{ "vendors_check1", "service_radius_m", "needs the vendor's "
	  "location (lat and lon)" },
	{ "stock_locations_vendor_id_name_key", "name", "is taken by another "
	  "location of this vendor" },
	{ "users_email", "email", "belongs to another account" },
	{ "users_phone", "phone", "belongs to another account" },
	{ "vendors_region_id_fkey", "region_id", "is not a region" },
};

/* The caller's privy parameters ($2, $3, $4 of VENDOR_PRIVY). */
struct vendor_who {
	char		 vendor[24];
	const char	*staff;
	const char	*scope;
};

static void
vendor_who(struct req *r, struct vendor_who *w)
{
	const struct principal	*p = req_principal(r);

	snprintf(w->vendor, sizeof w->vendor, "%lld", p != NULL ?
	    (long long)p->vendor_id : 0LL);
	w->staff = p != NULL && (p->role & (ROLE_EMPLOYEE | ROLE_SUPERVISOR |
	    ROLE_TELECALLER | ROLE_ADMIN)) != 0 ? "true" : "false";
	w->scope = p != NULL ? req_scope(r) : NULL;
}

static void
vendor_get(struct req *r)
{
	struct vendor_who	 w;
	const char		*params[4];

	vendor_who(r, &w);
	params[0] = req_param(r, "id");
	params[1] = w.vendor;
	params[2] = w.staff;
	params[3] = w.scope;
	req_reply_row_deferred(r, &vendor_stmts[STMT_GET], 4, params, "vendor");
}

/* --- the list for staff -------------------------------------------------- */

static void
vendor_list(struct req *r)
{
	const char	*status = req_query(r, "status"), *category =
			    req_query(r, "category"), *badge = req_query(r,
			    "badge"), *rating = req_query(r, "rating_min"),
			*since = req_query(r, "joined_after"), *until =
			    req_query(r, "joined_before"), *region =
			    req_query(r, "region_id"), *q = req_query(r, "q"),
			*params[11];
	char		 rating_s[16];
	struct req_page_id	 pg;
	PGresult	*res = NULL;
	int64_t		 stars = 0;

	if (!req_page_id(r, true, &pg))
		goto fail;
	if (status != NULL && strcmp(status, "active") != 0 &&
	    strcmp(status, "suspended") != 0)
		req_field_error(r, "status", "invalid", "must be active or "
		    "suspended");
	if (category != NULL && (strlen(category) > 100 ||
	    !api_check_line(r, "category", category)))
		req_field_error(r, "category", "invalid", "is not a category");
	if (badge != NULL && (strlen(badge) > 50 || strspn(badge,
	    "abcdefghijklmnopqrstuvwxyz_") != strlen(badge)))
		req_field_error(r, "badge", "invalid", "is not a badge "
		    "(verified_business, verified_gst, ...)");
	if (rating != NULL && !req_query_int(r, "rating_min", 1, 5, &stars))
		goto fail;
	if (since != NULL && !rfc3339_valid(since))
		req_field_error(r, "joined_after", "invalid", "must be a time "
		    "such as 2026-01-31T00:00:00Z");
	if (until != NULL && !rfc3339_valid(until))
		req_field_error(r, "joined_before", "invalid", "must be a time "
		    "such as 2026-01-31T00:00:00Z");
	if (region != NULL && !router_valid_id(region, strlen(region)))
		req_field_error(r, "region_id", "invalid", "must be a region "
		    "id");
	if (q != NULL && (strlen(q) == 0 || strlen(q) > 100 ||
	    strpbrk(q, "%_\\") != NULL || !api_check_line(r, "q", q)))
		req_field_error(r, "q", "invalid", "must be 1 to 100 "
		    "characters without %%, _ or \\");
	if (req_has_field_errors(r))
		goto fail;
	snprintf(rating_s, sizeof rating_s, "%lld", (long long)stars);
	params[0] = status;
	params[1] = category;
	params[2] = badge;
	params[3] = rating != NULL ? rating_s : NULL;
	params[4] = since;
	params[5] = until;
	params[6] = region;
	params[7] = q;
	params[8] = req_scope(r);
	params[9] = pg.after;
	params[10] = pg.limit_plus;
	if ((res = req_exec(r, &vendor_stmts[STMT_LIST], 11, params)) == NULL)
		goto out;
	req_reply_rows(r, res, pg.limit);
	goto out;
fail:
	req_fail_fields(r);
out:
	PQclear(res);
}

/* --- acting on one vendor ------------------------------------------------ */

/*
 * Locks the vendor if the caller may act on it (its own people, or staff
 * of its region).  Returns the locked row, NULL with *missing when it is
 * not theirs to touch, NULL on a database failure.
 */
static PGresult *
vendor_lock(struct db *db, struct req *r, const char *id, bool *missing)
{
	struct vendor_who	 w;
	const char		*params[4];
	PGresult		*res;

	vendor_who(r, &w);
	params[0] = id;
	params[1] = w.vendor;
	params[2] = w.staff;
	params[3] = w.scope;
	*missing = false;
	if ((res = db_exec(db, &vendor_stmts[STMT_LOCK], 4, params)) == NULL)
		return NULL;
	if (PQntuples(res) == 0) {
		PQclear(res);
		*missing = true;
		return NULL;
	}
	return res;
}

/* The vendor's full JSON (caller frees), after a change. */
static char *
vendor_private(struct db *db, const char *id)
{
	const char	*params[1] = { id };

	return db_text(db, &vendor_stmts[STMT_PRIVATE], 1, params);
}

/*
 * Tells souk's staff of a change of a vendor: admins ("vendors") and the
 * staff of its region and of those above it ("vendors:<region>"), path
 * being the region's path ("{1,5,9}").
 */
static bool
vendor_tell_staff(struct db *db, const char *path, const char *type,
    const char *data)
{
	return events_publish(db, "vendors", type, data) &&
	    events_publish_regions(db, "vendors", path, type, data);
}

/* Sends message kind to the vendor's owners by email and SMS. */
static bool
vendor_tell_owners(struct db *db, const char *id, const char *name,
    const char *kind, const char *reason)
{
	static const enum notify_channel chans[] = { NOTIFY_EMAIL, NOTIFY_SMS };
	const char		*params[1] = { id };
	struct outbox_msg	 m;
	PGresult		*res;
	json_t			*vars;
	int64_t			 nid;
	size_t			 c;
	int			 i;
	bool			 ok = true;

	if ((res = db_exec(db, &vendor_stmts[STMT_OWNERS], 1, params)) == NULL)
		return false;
	vars = json_pack("{s:s}", "vendor.name", name);
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

static const struct jsonv_field vendor_fields[] = {
	{ "name", JV_STRING, 0, 1, 200, 0, 0, 0, NULL },
	{ "description", JV_STRING, 0, 0, 5000, 0, 0, 0, NULL },
	{ "address", JV_STRING, 0, 1, 500, 0, 0, 0, NULL },
	{ "pincode", JV_STRING, 0, 6, 6, 0, 0, 0, NULL },
	{ "region_id", JV_INT, 0, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "lat", JV_NUMBER, JV_NULLABLE, 0, 0, 0, 0, 0, NULL },
	{ "lon", JV_NUMBER, JV_NULLABLE, 0, 0, 0, 0, 0, NULL },
	{ "service_pincodes", JV_ARRAY, 0, 0, 2000, JV_STRING, 6, 6, NULL },
	{ "service_radius_m", JV_INT, JV_NULLABLE, 100, 500000, 0, 0, 0,
	  NULL },
	{ "opening_hours", JV_OBJECT, 0, 0, 0, 0, 0, 0, NULL },
	{ "timezone", JV_STRING, 0, 1, 64, 0, 0, 0, NULL },
	{ "contact_name", JV_STRING, JV_NULLABLE, 1, 100, 0, 0, 0, NULL },
	{ "contact_phone", JV_STRING, JV_NULLABLE, 5, 32, 0, 0, 0, NULL },
	{ "contact_email", JV_STRING, JV_NULLABLE, 3, 254, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static bool
vendor_pincode_valid(const char *s)
{
	return s != NULL && strlen(s) == 6 && s[0] != '0' &&
	    strspn(s, "0123456789") == 6;
}

/* "HH:MM", 00:00 to 24:00, as minutes of the day; -1 if not one. */
static int
vendor_minutes(json_t *v)
{
	const char	*s = json_string_value(v);
	int		 h, m;

	if (s == NULL || strlen(s) != 5 || s[2] != ':' ||
	    strspn(s, "0123456789") != 2 || strspn(s + 3, "0123456789") != 2)
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

/*
 * Opening hours: {"mon": [["09:00", "13:00"], ["16:00", "21:00"]], ...},
 * days mon..sun, at most 4 ranges a day, each opening before it closes
 * and after the previous one closed.  A day left out is closed.
 */
static void
vendor_check_hours(struct req *r, json_t *hours)
{
	static const char *const days[] = {
		"mon", "tue", "wed", "thu", "fri", "sat", "sun",
	};
	const char	*day;
	json_t		*ranges, *range;
	size_t		 i, k;
	int		 open, close, last;
	bool		 known;

	json_object_foreach(hours, day, ranges) {
		known = false;
		for (k = 0; k < API_NELEM(days); k++)
			known = known || strcmp(day, days[k]) == 0;
		if (!known) {
			req_field_error(r, "opening_hours", "invalid", "days "
			    "are mon, tue, wed, thu, fri, sat and sun, not "
			    "\"%.20s\"", day);
			return;
		}
		if (!json_is_array(ranges) || json_array_size(ranges) > 4) {
			req_field_error(r, "opening_hours", "invalid", "%s must "
			    "be a list of at most 4 [open, close] pairs", day);
			return;
		}
		last = -1;
		json_array_foreach(ranges, i, range) {
			open = vendor_minutes(json_array_get(range, 0));
			close = vendor_minutes(json_array_get(range, 1));
			if (!json_is_array(range) || json_array_size(range) !=
			    2 || open < 0 || close < 0) {
				req_field_error(r, "opening_hours", "invalid",
				    "%s: each range is [\"HH:MM\", \"HH:MM\"]",
				    day);
				return;
			}
			if (open >= close || open <= last) {
				req_field_error(r, "opening_hours", "invalid",
				    "%s: ranges must open before they close, in "
				    "order, without overlapping", day);
				return;
			}
			last = close;
		}
	}
}

struct update_tx {
	struct req	*r;
	const char	*id;
	char		*body;
	char		*before, *after;
	bool		 missing;
};

static bool
update_tx_run(struct db *db, void *arg)
{
	struct update_tx	*t = arg;
	const char		*params[2] = { t->id, t->body };
	PGresult		*res;

	free(t->before);
	free(t->after);
	t->before = t->after = NULL;
	if ((res = vendor_lock(db, t->r, t->id, &t->missing)) == NULL)
		return false;
	t->before = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if ((res = db_exec(db, &vendor_stmts[STMT_UPDATE], 2, params)) == NULL)
		return false;
	PQclear(res);
	if ((t->after = vendor_private(db, t->id)) == NULL)
		return false;
	return account_audit(db, t->r, 0, "vendor.updated", "vendor", t->id,
	    t->before, t->after, NULL);
}

/* True if the statement (one text parameter) answers true. */
static bool
vendor_ask(struct req *r, int stmt, const char *value, bool *yes)
{
	const char	*params[1] = { value };
	PGresult	*res;

	if ((res = req_exec(r, &vendor_stmts[stmt], 1, params)) == NULL)
		return false;
	*yes = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return true;
}

static void
vendor_update(struct req *r)
{
	const struct principal	*p = req_principal(r);
	struct update_tx	 t;
	struct db		*db;
	json_t			*body, *v;
	const char		*s;
	char			 phone[32], *email;
	size_t			 i;
	bool			 yes;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, vendor_fields)) == NULL)
		return;
	if (json_object_size(body) == 0)
		req_field_error(r, "", "empty", "change at least one field");
	api_check_line(r, "name", json_string_value(json_object_get(body,
	    "name")));
	api_check_text(r, "description", json_string_value(json_object_get(
	    body, "description")));
	api_check_text(r, "address", json_string_value(json_object_get(body,
	    "address")));
	api_check_line(r, "contact_name", json_string_value(json_object_get(
	    body, "contact_name")));
	if ((s = json_string_value(json_object_get(body, "pincode"))) !=
	    NULL && !vendor_pincode_valid(s))
		req_field_error(r, "pincode", "invalid", "must be 6 digits, "
		    "not starting with 0");
	json_array_foreach(json_object_get(body, "service_pincodes"), i, v) {
		if (!vendor_pincode_valid(json_string_value(v))) {
			req_field_error(r, "service_pincodes", "invalid",
			    "must be pincodes (6 digits, not starting with 0)");
			break;
		}
	}
	if ((v = json_object_get(body, "lat")) != NULL && !json_is_null(v) &&
	    (json_number_value(v) < -90 || json_number_value(v) > 90))
		req_field_error(r, "lat", "range", "must be between -90 and "
		    "90");
	if ((v = json_object_get(body, "lon")) != NULL && !json_is_null(v) &&
	    (json_number_value(v) < -180 || json_number_value(v) > 180))
		req_field_error(r, "lon", "range", "must be between -180 and "
		    "180");
	if ((json_object_get(body, "lat") == NULL) !=
	    (json_object_get(body, "lon") == NULL))
		req_field_error(r, "lat", "pair", "and lon are set together");
	vendor_check_hours(r, json_object_get(body, "opening_hours"));
	if (json_object_get(body, "region_id") != NULL && p->role !=
	    ROLE_ADMIN)
		req_field_error(r, "region_id", "forbidden", "is changed by "
		    "souk's staff only");
	if ((s = json_string_value(json_object_get(body, "contact_phone"))) !=
	    NULL) {
		if (!phone_normalize(s, phone, sizeof phone))
			req_field_error(r, "contact_phone", "invalid", "is not "
			    "a phone number");
		else
			json_object_set_new(body, "contact_phone",
			    json_string(phone));
	}
	if ((s = json_string_value(json_object_get(body, "contact_email"))) !=
	    NULL) {
		email = xstrdup(s);
		if (!account_normalize_email(email))
			req_field_error(r, "contact_email", "invalid", "is not "
			    "an email address");
		else
			json_object_set_new(body, "contact_email",
			    json_string(email));
		free(email);
	}
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if ((s = json_string_value(json_object_get(body, "timezone"))) !=
	    NULL) {
		if (!vendor_ask(r, STMT_TZ_VALID, s, &yes))
			goto out;
		if (!yes)
			req_field_error(r, "timezone", "invalid", "must be an "
			    "IANA time zone such as Asia/Kolkata");
	}
	if (json_is_integer(v = json_object_get(body, "region_id"))) {
		char	 id[24];

		snprintf(id, sizeof id, "%lld", (long long)
		    json_integer_value(v));
		if (!vendor_ask(r, STMT_REGION_EXISTS, id, &yes))
			goto out;
		if (!yes)
			req_field_error(r, "region_id", "unknown", "is not a "
			    "region");
	}
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	t.r = r;
	t.id = req_param(r, "id");
	if ((t.body = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("vendor_update: json_dumps");
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, update_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no vendor %s",
			    t.id);
		else
			api_db_problem(r, db, vendor_refusals,
			    API_NELEM(vendor_refusals));
		goto out;
	}
	req_reply_json_text(r, 200, t.after, strlen(t.after));
out:
	free(t.body);
	free(t.before);
	free(t.after);
	json_decref(body);
}

/* --- suspension ---------------------------------------------------------- */

struct status_tx {
	struct req	*r;
	const char	*id;
	const char	*to;		/* active or suspended */
	const char	*reason;
	char		*before, *after;
	bool		 missing, already;
};

static bool
status_tx_run(struct db *db, void *arg)
{
	struct status_tx	*t = arg;
	const char		*params[3];
	char			*data, *topic;
	PGresult		*lock, *res;
	bool			 ok = false, suspend;

	free(t->before);
	free(t->after);
	t->before = t->after = NULL;
	if ((lock = vendor_lock(db, t->r, t->id, &t->missing)) == NULL)
		return false;
	t->before = xstrdup(PQgetvalue(lock, 0, 0));
	if ((t->already = strcmp(PQgetvalue(lock, 0, 1), t->to) == 0))
		goto out;
	suspend = strcmp(t->to, "suspended") == 0;
	params[0] = t->id;
	params[1] = t->to;
	params[2] = t->reason;
	if ((res = db_exec(db, &vendor_stmts[STMT_SET_STATUS], 3, params)) ==
	    NULL)
		goto out;
	PQclear(res);
	if ((t->after = vendor_private(db, t->id)) == NULL)
		goto out;
	if (!vendor_tell_owners(db, t->id, PQgetvalue(lock, 0, 2), suspend ?
	    "vendor.suspended" : "vendor.reactivated", suspend ? t->reason :
	    NULL))
		goto out;
	data = xasprintf("{\"id\":%s,\"status\":\"%s\"}", t->id, t->to);
	topic = xasprintf("vendor:%s", t->id);
	/* Its people, admins, and staff of its region and those above. */
	ok = events_publish(db, topic, suspend ? "vendor.suspended" :
	    "vendor.reactivated", data) && vendor_tell_staff(db,
	    PQgetvalue(lock, 0, 3), suspend ? "vendor.suspended" :
	    "vendor.reactivated", data);
	free(data);
	free(topic);
	ok = ok && account_audit(db, t->r, 0, suspend ? "vendor.suspended" :
	    "vendor.reactivated", "vendor", t->id, t->before, t->after,
	    t->reason);
out:
	PQclear(lock);
	return ok;
}

static const struct jsonv_field reason_fields[] = {
	{ "reason", JV_STRING, 0, 3, 2000, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
vendor_set_status(struct req *r, const char *to)
{
	struct status_tx	 t;
	struct db		*db;
	json_t			*body;
	size_t			 len;

	memset(&t, 0, sizeof t);
	/* Reactivating needs no reason: an empty body will do. */
	(void)req_body(r, &len);
	if (len == 0 && strcmp(to, "active") == 0)
		body = json_object();
	else if ((body = req_body_json(r, reason_fields)) == NULL)
		return;
	t.r = r;
	t.id = req_param(r, "id");
	t.to = to;
	t.reason = json_string_value(json_object_get(body, "reason"));
	if (strcmp(to, "suspended") == 0 && t.reason == NULL)
		req_field_error(r, "reason", "required", "is required: the "
		    "owner is told why");
	api_check_text(r, "reason", t.reason);
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, status_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no vendor %s",
			    t.id);
		else if (t.already)
			req_problem(r, "unprocessable", "the vendor is %s already",
			    to);
		else
			req_db_problem(r, db);
		goto out;
	}
	req_reply_json_text(r, 200, t.after, strlen(t.after));
out:
	free(t.before);
	free(t.after);
	json_decref(body);
}

static void
vendor_suspend(struct req *r)
{
	vendor_set_status(r, "suspended");
}

static void
vendor_reactivate(struct req *r)
{
	vendor_set_status(r, "active");
}

/* --- notes and visits ---------------------------------------------------- */

/* Answers 404 unless the caller may see all of vendor id. */
static bool
vendor_privy(struct req *r, const char *id)
{
	struct vendor_who	 w;
	const char		*params[4];
	PGresult		*res;
	bool			 ok;

	vendor_who(r, &w);
	params[0] = id;
	params[1] = w.vendor;
	params[2] = w.staff;
	params[3] = w.scope;
	if ((res = req_exec(r, &vendor_stmts[STMT_PRIVY], 4, params)) == NULL)
		return false;
	ok = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!ok)
		req_problem(r, "not-found", "there is no vendor %s", id);
	return ok;
}

static void
vendor_notes(struct req *r)
{
	struct req_page_id	 pg;
	const char		*id = req_param(r, "id"), *params[3];

	if (!req_page_id(r, true, &pg)) {
		req_fail_fields(r);
		return;
	}
	if (!vendor_privy(r, id))
		return;
	params[0] = id;
	params[1] = pg.after;
	params[2] = pg.limit_plus;
	req_reply_list(r, &vendor_stmts[STMT_NOTES], 3, params, pg.limit);
}

static const struct jsonv_field note_fields[] = {
	{ "kind", JV_STRING, JV_REQUIRED, 1, 10, 0, 0, 0, NULL },
	{ "body", JV_STRING, JV_REQUIRED, 1, 5000, 0, 0, 0, NULL },
	{ "visited_at", JV_STRING, 0, 1, 40, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct note_tx {
	struct req	*r;
	const char	*id, *kind, *body, *visited;
	char		*json, note_id[24];
	bool		 missing;
};

static bool
note_tx_run(struct db *db, void *arg)
{
	struct note_tx	*t = arg;
	const char	*params[5];
	char		 me[24], region[256];
	PGresult	*res;

	free(t->json);
	t->json = NULL;
	if ((res = vendor_lock(db, t->r, t->id, &t->missing)) == NULL)
		return false;
	snprintf(region, sizeof region, "%s", PQgetisnull(res, 0, 3) ? "" :
	    PQgetvalue(res, 0, 3));
	PQclear(res);
	snprintf(me, sizeof me, "%lld", (long long)req_principal(t->r)->
	    user_id);
	params[0] = t->id;
	params[1] = t->kind;
	params[2] = t->body;
	params[3] = t->visited;
	params[4] = me;
	if ((res = db_exec(db, &vendor_stmts[STMT_NOTE_INSERT], 5, params)) ==
	    NULL)
		return false;
	t->json = xstrdup(PQgetvalue(res, 0, 0));
	snprintf(t->note_id, sizeof t->note_id, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	/* Staff's own notes: to staff, never to the vendor's people. */
	return vendor_tell_staff(db, region, strcmp(t->kind,
	    "visit") == 0 ? "vendor.visit_recorded" : "vendor.note_added",
	    t->json) && account_audit(db, t->r, 0, strcmp(t->kind, "visit") ==
	    0 ? "vendor.visit_recorded" : "vendor.note_added", "vendor", t->id,
	    NULL, t->json, NULL);
}

static void
vendor_note_add(struct req *r)
{
	struct note_tx	 t;
	struct db	*db;
	json_t		*body;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, note_fields)) == NULL)
		return;
	t.r = r;
	t.id = req_param(r, "id");
	t.kind = json_string_value(json_object_get(body, "kind"));
	t.body = json_string_value(json_object_get(body, "body"));
	t.visited = json_string_value(json_object_get(body, "visited_at"));
	if (strcmp(t.kind, "visit") != 0 && strcmp(t.kind, "note") != 0)
		req_field_error(r, "kind", "invalid", "must be visit or note");
	else if (strcmp(t.kind, "visit") == 0 && t.visited == NULL)
		req_field_error(r, "visited_at", "required", "say when the "
		    "visit took place");
	else if (strcmp(t.kind, "note") == 0 && t.visited != NULL)
		req_field_error(r, "visited_at", "invalid", "is for visits");
	if (t.visited != NULL && !rfc3339_valid(t.visited))
		req_field_error(r, "visited_at", "invalid", "must be a time "
		    "such as 2026-11-21T10:30:00+05:30");
	api_check_text(r, "body", t.body);
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, note_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no vendor %s",
			    t.id);
		else
			req_db_problem(r, db);
		goto out;
	}
	req_reply_json_text(r, 201, t.json, strlen(t.json));
out:
	free(t.json);
	json_decref(body);
}

/* --- the vendor's team --------------------------------------------------- */

/*
 * Whether the caller acts for the vendor of the path: its own people (the
 * route's permission says which), or an admin.  Anyone else gets 404.
 */
static bool
vendor_mine(struct req *r, const char *id)
{
	const struct principal	*p = req_principal(r);
	char			 mine[24];

	if (p->role == ROLE_ADMIN)
		return true;
	snprintf(mine, sizeof mine, "%lld", (long long)p->vendor_id);
	if (strcmp(mine, id) == 0)
		return true;
	req_problem(r, "not-found", "there is no vendor %s", id);
	return false;
}

static void
vendor_staff(struct req *r)
{
	const char	*params[1] = { req_param(r, "id") };
	PGresult	*res;

	if (!vendor_mine(r, params[0]))
		return;
	if ((res = req_exec(r, &vendor_stmts[STMT_STAFF], 1, params)) == NULL)
		return;
	req_reply_rows(r, res, 0);
	PQclear(res);
}

static const struct jsonv_field staff_fields[] = {
	{ "name", JV_STRING, JV_REQUIRED, 1, 100, 0, 0, 0, NULL },
	{ "phone", JV_STRING, 0, 5, 32, 0, 0, 0, NULL },
	{ "email", JV_STRING, 0, 3, 254, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct staff_tx {
	struct req	*r;
	const char	*vendor;
	const char	*name, *phone, *email;
	char		*user;		/* the new member's JSON */
	char		*invitation;	/* or the invitation's */
	char		 user_id[24];
	const char	*refused;
	bool		 missing, existed;
};

static bool
staff_tx_run(struct db *db, void *arg)
{
	static const enum notify_channel chans[] = { NOTIFY_SMS, NOTIFY_EMAIL };
	struct staff_tx		*t = arg;
	const char		*params[4];
	struct outbox_msg	 m;
	PGresult		*lock, *res;
	json_t			*vars;
	int64_t			 nid;
	size_t			 c;
	bool			 ok = false;

	free(t->user);
	free(t->invitation);
	t->user = t->invitation = NULL;
	t->refused = NULL;
	params[0] = t->vendor;
	if ((lock = db_exec(db, &vendor_stmts[STMT_NAME], 1, params)) == NULL)
		return false;
	if ((t->missing = PQntuples(lock) == 0))
		goto out;
	params[0] = t->phone;
	params[1] = t->email;
	if ((res = db_exec(db, &vendor_stmts[STMT_STAFF_FIND], 2, params)) ==
	    NULL)
		goto out;
	if (PQntuples(res) > 1) {
		t->refused = "the phone and the email belong to different "
		    "accounts";
		PQclear(res);
		goto out;
	}
	if ((t->existed = PQntuples(res) == 1)) {
		snprintf(t->user_id, sizeof t->user_id, "%s",
		    PQgetvalue(res, 0, 0));
		if (strcmp(PQgetvalue(res, 0, 1), "vendor_staff") == 0 &&
		    strcmp(PQgetvalue(res, 0, 2), t->vendor) == 0) {
			t->refused = "is on the team already";
			PQclear(res);
			goto out;
		}
		if (strcmp(PQgetvalue(res, 0, 1), "customer") != 0) {
			t->refused = "that account has another role: only a "
			    "customer account can join a vendor's team";
			PQclear(res);
			goto out;
		}
		PQclear(res);
		/*
		 * An account someone already has changes role only if they
		 * say so: they are invited, and accept or decline.
		 */
		if (!invitation_send(db, strtoll(t->user_id, NULL, 10),
		    strtoll(t->vendor, NULL, 10), req_principal(t->r)->user_id,
		    &t->invitation))
			goto out;
	} else {
		PQclear(res);
		params[0] = t->vendor;
		params[1] = t->name;
		params[2] = t->phone;
		params[3] = t->email;
		if ((res = db_exec(db, &vendor_stmts[STMT_STAFF_INSERT], 4,
		    params)) == NULL)
			goto out;
		snprintf(t->user_id, sizeof t->user_id, "%s",
		    PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	if (t->invitation == NULL) {
		params[0] = t->user_id;
		if ((res = db_exec(db, &vendor_stmts[STMT_USER_JSON], 1,
		    params)) == NULL)
			goto out;
		t->user = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	/* Tell them, by whatever they gave. */
	vars = json_pack("{s:s}", "vendor.name", PQgetvalue(lock, 0, 0));
	ok = true;
	for (c = 0; ok && c < API_NELEM(chans); c++) {
		if ((chans[c] == NOTIFY_SMS && t->phone == NULL) ||
		    (chans[c] == NOTIFY_EMAIL && t->email == NULL))
			continue;
		memset(&m, 0, sizeof m);
		m.kind = t->invitation != NULL ? "vendor.staff_invited" :
		    "vendor.staff_added";
		m.user_id = strtoll(t->user_id, NULL, 10);
		m.channel = chans[c];
		m.vars = vars;
		ok = outbox_enqueue(db, &m, &nid);
	}
	json_decref(vars);
	ok = ok && account_audit(db, t->r, 0, t->invitation != NULL ?
	    "vendor.staff_invited" : "vendor.staff_added", "user", t->user_id,
	    NULL, t->invitation != NULL ? t->invitation : t->user, NULL);
out:
	PQclear(lock);
	return ok;
}

static void
vendor_staff_add(struct req *r)
{
	struct staff_tx	 t;
	struct db	*db;
	json_t		*body;
	char		 phone[32], *email = NULL;
	const char	*s;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, staff_fields)) == NULL)
		return;
	t.r = r;
	t.vendor = req_param(r, "id");
	t.name = json_string_value(json_object_get(body, "name"));
	api_check_line(r, "name", t.name);
	if ((s = json_string_value(json_object_get(body, "phone"))) != NULL) {
		if (!phone_normalize(s, phone, sizeof phone))
			req_field_error(r, "phone", "invalid", "is not a phone "
			    "number");
		else
			t.phone = phone;
	}
	if ((s = json_string_value(json_object_get(body, "email"))) != NULL) {
		email = xstrdup(s);
		if (!account_normalize_email(email))
			req_field_error(r, "email", "invalid", "is not an "
			    "email address");
		else
			t.email = email;
	}
	if (json_object_get(body, "phone") == NULL &&
	    json_object_get(body, "email") == NULL)
		req_field_error(r, "phone", "required", "or email: how they "
		    "sign in");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if (!vendor_mine(r, t.vendor) || (db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, staff_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no vendor %s",
			    t.vendor);
		else if (t.refused != NULL)
			req_problem(r, "conflict", "%s", t.refused);
		else
			api_db_problem(r, db, vendor_refusals,
			    API_NELEM(vendor_refusals));
		goto out;
	}
	/* A new account (201), or an invitation to an existing one (202). */
	if (t.invitation != NULL)
		req_reply_json_text(r, 202, t.invitation, strlen(t.invitation));
	else
		req_reply_json_text(r, 201, t.user, strlen(t.user));
out:
	free(t.user);
	free(t.invitation);
	free(email);
	json_decref(body);
}

struct leave_tx {
	struct req	*r;
	const char	*vendor, *user;
	char		*after;
	bool		 missing;
};

static bool
leave_tx_run(struct db *db, void *arg)
{
	struct leave_tx	*t = arg;
	const char	*params[2] = { t->vendor, t->user };
	PGresult	*res;

	free(t->after);
	t->after = NULL;
	if ((res = db_exec(db, &vendor_stmts[STMT_STAFF_LEAVE], 2, params)) ==
	    NULL)
		return false;
	if ((t->missing = PQntuples(res) == 0)) {
		PQclear(res);
		return false;
	}
	t->after = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return auth_void_tokens(db, strtoll(t->user, NULL, 10)) &&
	    account_audit(db, t->r, 0, "vendor.staff_removed", "user",
	    t->user, NULL, t->after, NULL);
}

static void
vendor_staff_remove(struct req *r)
{
	struct leave_tx	 t;
	struct db	*db;

	memset(&t, 0, sizeof t);
	t.r = r;
	t.vendor = req_param(r, "id");
	t.user = req_param(r, "user_id");
	if (!vendor_mine(r, t.vendor) || (db = req_db(r)) == NULL)
		return;
	if (!db_tx(db, DB_READ_COMMITTED, leave_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "user %s is not on vendor "
			    "%s's staff (an owner cannot be removed)", t.user,
			    t.vendor);
		else
			req_db_problem(r, db);
	} else
		req_reply(r, 204, NULL, xstrdup(""), 0);
	free(t.after);
}

/* --- locations ----------------------------------------------------------- */

/*
 * Locations are read by whoever manages the vendor's stock (its owner and
 * staff, admins: the route says) and changed by its owner.
 */
static void
vendor_locations(struct req *r)
{
	const char	*params[1] = { req_param(r, "id") };
	PGresult	*res;

	if (!vendor_mine(r, params[0]))
		return;
	if ((res = req_exec(r, &vendor_stmts[STMT_LOCATIONS], 1, params)) ==
	    NULL)
		return;
	req_reply_rows(r, res, 0);
	PQclear(res);
}

static const struct jsonv_field location_fields[] = {
	{ "name", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ "address", JV_STRING, JV_NULLABLE, 1, 500, 0, 0, 0, NULL },
	{ "pincode", JV_STRING, JV_NULLABLE, 6, 6, 0, 0, 0, NULL },
	{ "active", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct location_tx {
	struct req	*r;
	const char	*vendor, *location;
	char		*body, *before, *after;
	bool		 missing;
};

static bool
location_tx_run(struct db *db, void *arg)
{
	struct location_tx	*t = arg;
	const char		*params[3];
	PGresult		*res;

	free(t->before);
	free(t->after);
	t->before = t->after = NULL;
	params[0] = t->vendor;
	if (t->location == NULL) {
		params[1] = t->body;
		res = db_exec(db, &vendor_stmts[STMT_LOCATION_INSERT], 2,
		    params);
	} else {
		params[1] = t->location;
		if ((res = db_exec(db, &vendor_stmts[STMT_LOCATION_GET], 2,
		    params)) == NULL)
			return false;
		if ((t->missing = PQntuples(res) == 0)) {
			PQclear(res);
			return false;
		}
		t->before = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		params[2] = t->body;
		res = db_exec(db, &vendor_stmts[STMT_LOCATION_UPDATE], 3,
		    params);
	}
	if (res == NULL)
		return false;
	t->after = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return account_audit(db, t->r, 0, t->location == NULL ?
	    "location.created" : "location.updated", "vendor", t->vendor,
	    t->before, t->after, NULL);
}

static void
vendor_location_write(struct req *r, const char *location)
{
	struct location_tx	 t;
	struct db		*db;
	json_t			*body;
	const char		*s;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, location_fields)) == NULL)
		return;
	if (location == NULL && json_object_get(body, "name") == NULL)
		req_field_error(r, "name", "required", "is required");
	if (location != NULL && json_object_size(body) == 0)
		req_field_error(r, "", "empty", "change at least one field");
	api_check_line(r, "name", json_string_value(json_object_get(body,
	    "name")));
	api_check_text(r, "address", json_string_value(json_object_get(body,
	    "address")));
	if ((s = json_string_value(json_object_get(body, "pincode"))) !=
	    NULL && !vendor_pincode_valid(s))
		req_field_error(r, "pincode", "invalid", "must be 6 digits, "
		    "not starting with 0");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	t.r = r;
	t.vendor = req_param(r, "id");
	t.location = location;
	if ((t.body = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("vendor_location_write: json_dumps");
	if (!vendor_mine(r, t.vendor) || (db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, location_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "vendor %s has no location "
			    "%s", t.vendor, location);
		else
			api_db_problem(r, db, vendor_refusals,
			    API_NELEM(vendor_refusals));
		goto out;
	}
	req_reply_json_text(r, location == NULL ? 201 : 200, t.after,
	    strlen(t.after));
out:
	free(t.body);
	free(t.before);
	free(t.after);
	json_decref(body);
}

static void
vendor_location_add(struct req *r)
{
	vendor_location_write(r, NULL);
}

static void
vendor_location_update(struct req *r)
{
	vendor_location_write(r, req_param(r, "location_id"));
}

static const struct route vendor_routes[] = {
	{ "GET", "/v1/vendors", vendor_list, "status,category,badge,"
	  "rating_min,joined_after,joined_before,region_id,q,limit,after",
	  "vendors.read", "vendors of one's regions, newest first", 0 },
	{ "GET", "/v1/vendors/{id}", vendor_get, NULL, "public",
	  "a vendor's profile (all of it for its people and staff)", 0 },
	{ "PATCH", "/v1/vendors/{id}", vendor_update, NULL, "vendor.profile",
	  "edit a vendor's profile", 0 },
	{ "POST", "/v1/vendors/{id}/suspend", vendor_suspend, NULL,
	  "vendors.manage", "suspend a vendor, with a reason", 0 },
	{ "POST", "/v1/vendors/{id}/reactivate", vendor_reactivate, NULL,
	  "vendors.manage", "reactivate a suspended vendor", 0 },
	{ "GET", "/v1/vendors/{id}/notes", vendor_notes, "limit,after",
	  "vendors.read", "visits and notes, newest first", 0 },
	{ "POST", "/v1/vendors/{id}/notes", vendor_note_add, NULL,
	  "vendors.manage", "record a visit or a note", 0 },
	{ "GET", "/v1/vendors/{id}/staff", vendor_staff, NULL,
	  "vendor.profile", "the vendor's owner and staff", 0 },
	{ "POST", "/v1/vendors/{id}/staff", vendor_staff_add, NULL,
	  "vendor.profile", "add someone to the vendor's staff", 0 },
	{ "DELETE", "/v1/vendors/{id}/staff/{user_id}", vendor_staff_remove,
	  NULL, "vendor.profile", "remove someone from the staff", 0 },
	{ "GET", "/v1/vendors/{id}/locations", vendor_locations, NULL,
	  "catalog.manage", "the vendor's stores and warehouses", 0 },
	{ "POST", "/v1/vendors/{id}/locations", vendor_location_add, NULL,
	  "vendor.profile", "add a store or warehouse", 0 },
	{ "PATCH", "/v1/vendors/{id}/locations/{location_id}",
	  vendor_location_update, NULL, "vendor.profile",
	  "rename, move or close a location", 0 },
};

const struct api_module vendors_module = {
	"vendors", vendor_routes, API_NELEM(vendor_routes),
	vendor_stmts, API_NELEM(vendor_stmts),
};
