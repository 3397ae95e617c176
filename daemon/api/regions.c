/*
 * regions: the region tree (country, state or union territory, district,
 * city, pincode area).  Reads are public: apps use them for address forms
 * and deliverability; staff scoping builds on the tree.
 *
 *	GET   /v1/regions		list, filtered, keyset-paged by name
 *	GET   /v1/regions/{id}		one region with its ancestors
 *	POST  /v1/regions/lookup	many at once, by ids and pincodes
 *	POST  /v1/regions		create (administrators)
 *	PATCH /v1/regions/{id}		rename, move, recode (administrators)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "buf.h"
#include "dbjson.h"
#include "log.h"
#include "page.h"
#include "req.h"

#define REGIONS_LOOKUP_MAX 100

/* The JSON of a region row r, shared by every statement. */
#define REGION_FIELDS							\
	"'id', r.id, 'parent_id', r.parent_id, 'kind', r.kind, "	\
	"'name', r.name, 'names', r.names, 'code', r.code, "		\
	"'pincode', r.pincode, 'path', r.path, "			\
	"'child_count', r.child_count, "				\
	"'created_at', rfc3339(r.created_at), "				\
	"'updated_at', rfc3339(r.updated_at)"

/* The ancestors are kept on the row (migration 0016). */
#define REGION_DETAIL							\
	"json_build_object(" REGION_FIELDS ", 'ancestors', "		\
	"r.ancestors)::text"

/*
 * The same region as columns named and ordered like REGION_DETAIL's keys,
 * for dbjson_row: GET /v1/regions/{id} is the hottest read, and
 * PostgreSQL's json_build_object and to_char cost it more than the read
 * itself.
 */
#define REGION_COLUMNS							\
	"r.id, r.parent_id, r.kind, r.name, r.names, r.code, "		\
	"r.pincode, r.path, r.child_count, r.created_at, "		\
	"r.updated_at, r.ancestors"

/*
 * A list statement: $1 is the main filter (typed by the statement), $2 an
 * optional kind, ($3, $4) the (name, id) to start after, $5 the limit.
 */
#define REGION_LIST(where)						\
	"SELECT json_build_object(" REGION_FIELDS ")::text, "		\
	"json_build_array(r.name, r.id)::text "				\
	"FROM regions r WHERE " where " AND "				\
	"($2::text IS NULL OR r.kind = $2) AND "			\
	"(r.name, r.id) > ($3::text, $4::bigint) "			\
	"ORDER BY r.name, r.id LIMIT $5"

static const struct db_stmt regions_stmts[] = {
	{ "regions_get", "SELECT " REGION_COLUMNS " FROM regions r "
	  "WHERE r.id = $1" },
	{ "regions_list_parent", REGION_LIST("r.parent_id = $1::bigint") },
	{ "regions_list_top",
	  REGION_LIST("r.parent_id IS NULL AND $1::text IS NULL") },
	{ "regions_list_kind", REGION_LIST("r.kind = $1::text") },
	{ "regions_list_pincode", REGION_LIST("r.pincode = $1::text") },
	{ "regions_list_all", REGION_LIST("$1::text IS NULL") },
	{ "regions_lookup", "SELECT r.id, r.pincode, " REGION_DETAIL
	  " FROM regions r WHERE r.id = ANY ($1::bigint[]) "
	  "OR r.pincode = ANY ($2::text[])" },
	{ "regions_insert",
	  "INSERT INTO regions (parent_id, kind, name, names, code, pincode)"
	  " VALUES ($1, $2, $3, coalesce($4::jsonb, '{}'), $5, $6)"
	  " RETURNING id" },
	{ "regions_detail",
	  "SELECT " REGION_DETAIL " FROM regions r WHERE r.id = $1" },
	{ "regions_detail_locked",
	  "SELECT " REGION_DETAIL " FROM regions r WHERE r.id = $1 FOR UPDATE" },
	/* $7..$10: whether parent, names, code, pincode were given. */
	{ "regions_update",
	  "UPDATE regions SET name = coalesce($2, name),"
	  " parent_id = CASE WHEN $7 THEN $3::bigint ELSE parent_id END,"
	  " names = CASE WHEN $8 THEN $4::jsonb ELSE names END,"
	  " code = CASE WHEN $9 THEN $5 ELSE code END,"
	  " pincode = CASE WHEN $10 THEN $6 ELSE pincode END"
	  " WHERE id = $1" },
};

enum {
	STMT_GET,
	STMT_LIST_PARENT,
	STMT_LIST_TOP,
	STMT_LIST_KIND,
	STMT_LIST_PINCODE,
	STMT_LIST_ALL,
	STMT_LOOKUP,
	STMT_INSERT,
	STMT_DETAIL,
	STMT_DETAIL_LOCKED,
	STMT_UPDATE,
};

static const char *const region_kinds[] = {
	"country", "state", "union_territory", "district", "city", "area",
};

static bool
regions_valid_kind(const char *s)
{
	size_t	i;

	for (i = 0; i < API_NELEM(region_kinds); i++) {
		if (strcmp(s, region_kinds[i]) == 0)
			return true;
	}
	return false;
}

static bool
regions_valid_pincode(const char *s)
{
	size_t	i;

	if (strlen(s) != 6 || s[0] < '1' || s[0] > '9')
		return false;
	for (i = 1; i < 6; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

static void
regions_list(struct req *r)
{
	const char	*parent, *kind, *pincode, *params[5];
	const struct db_stmt *stmt;
	char		 limit_s[24], after_id[24];
	json_t		*after = NULL;
	PGresult	*res = NULL;
	int64_t		 limit;

	parent = req_query(r, "parent_id");
	kind = req_query(r, "kind");
	pincode = req_query(r, "pincode");
	if (!req_page(r, 2, &limit, &after))
		goto fail;
	if (parent != NULL && strcmp(parent, "none") != 0 &&
	    !router_valid_id(parent, strlen(parent)))
		req_field_error(r, "parent_id", "invalid", "must be a region "
		    "id or none");
	if (kind != NULL && !regions_valid_kind(kind))
		req_field_error(r, "kind", "invalid", "must be one of country, "
		    "state, union_territory, district, city, area");
	if (pincode != NULL && !regions_valid_pincode(pincode))
		req_field_error(r, "pincode", "invalid", "must be 6 digits, "
		    "not starting with 0");
	if (pincode != NULL && parent != NULL)
		req_field_error(r, "pincode", "conflict", "cannot be combined "
		    "with parent_id");
	if (after != NULL && (!json_is_string(json_array_get(after, 0)) ||
	    !json_is_integer(json_array_get(after, 1))))
		req_field_error(r, "after", "cursor", "is not a cursor this "
		    "list returned; start again without it");
	if (req_has_field_errors(r))
		goto fail;

	params[0] = NULL;
	params[1] = kind;
	if (pincode != NULL) {
		stmt = &regions_stmts[STMT_LIST_PINCODE];
		params[0] = pincode;
	} else if (parent != NULL && strcmp(parent, "none") == 0)
		stmt = &regions_stmts[STMT_LIST_TOP];
	else if (parent != NULL) {
		stmt = &regions_stmts[STMT_LIST_PARENT];
		params[0] = parent;
	} else if (kind != NULL) {
		stmt = &regions_stmts[STMT_LIST_KIND];
		params[0] = kind;
		params[1] = NULL;
	} else
		stmt = &regions_stmts[STMT_LIST_ALL];
	/* With no cursor, start before every row: names are never empty. */
	params[2] = after != NULL ? json_string_value(json_array_get(after, 0))
	    : "";
	snprintf(after_id, sizeof after_id, "%lld", after != NULL ?
	    (long long)json_integer_value(json_array_get(after, 1)) : 0LL);
	params[3] = after_id;
	/* One more row than asked tells whether there is a next page. */
	snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit + 1);
	params[4] = limit_s;
	if ((res = req_exec(r, stmt, 5, params)) == NULL)
		goto out;
	req_reply_rows(r, res, limit);
	goto out;
fail:
	req_fail_fields(r);
out:
	json_decref(after);
	PQclear(res);
}

static void
regions_got(struct req *r, PGresult *res)
{
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "there is no region %s",
		    req_param(r, "id"));
	else
		req_reply_json(r, 200, dbjson_row(res, 0));
}

static void
regions_get(struct req *r)
{
	const char	*params[1] = { req_param(r, "id") };

	req_exec_deferred(r, &regions_stmts[STMT_GET], 1, params, regions_got);
}

static const struct jsonv_field lookup_fields[] = {
	{ "ids", JV_ARRAY, 0, 0, REGIONS_LOOKUP_MAX, JV_INT, 1, INT64_MAX,
	  NULL },
	{ "pincodes", JV_ARRAY, 0, 0, REGIONS_LOOKUP_MAX, JV_STRING, 6, 6,
	  NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/*
 * Writes a JSON array (or NULL, as empty) as a PostgreSQL array literal of
 * its scalars.
 */
static void
regions_array_literal(struct buf *b, const json_t *a)
{
	const json_t	*v;
	size_t		 i;

	if (!buf_adds(b, "{"))
		fatalx("regions_array_literal");
	json_array_foreach(a, i, v) {
		/* Only integers and checked pincodes get here: no quoting. */
		if ((i > 0 && !buf_adds(b, ",")) || (json_is_integer(v) ?
		    !buf_printf(b, "%lld", (long long)json_integer_value(v)) :
		    !buf_adds(b, json_string_value(v))))
			fatalx("regions_array_literal");
	}
	if (!buf_adds(b, "}"))
		fatalx("regions_array_literal");
}

/* Finds the row for an id (col 0) or pincode (col 1); -1 if none. */
static int
regions_find(const PGresult *res, int col, const char *value)
{
	int	i;

	for (i = 0; i < PQntuples(res); i++) {
		if (!PQgetisnull(res, i, col) &&
		    strcmp(PQgetvalue(res, i, col), value) == 0)
			return i;
	}
	return -1;
}

static void
regions_lookup(struct req *r)
{
	json_t		*body = NULL, *ids, *pins, *v, *missing_ids,
			*missing_pins, *missing;
	struct buf	 ids_lit, pins_lit, out, resp;
	const char	*params[2];
	PGresult	*res = NULL;
	char		 idtext[32], *m;
	bool		*used = NULL;
	size_t		 i, len, nout = 0;
	int		 row;

	buf_init(&ids_lit, 0);
	buf_init(&pins_lit, 0);
	buf_init(&out, 0);
	missing_ids = json_array();
	missing_pins = json_array();
	if ((body = req_body_json(r, lookup_fields)) == NULL)
		goto out;
	ids = json_object_get(body, "ids");
	pins = json_object_get(body, "pincodes");
	json_array_foreach(pins, i, v) {
		if (!regions_valid_pincode(json_string_value(v))) {
			snprintf(idtext, sizeof idtext, "pincodes[%zu]", i);
			req_field_error(r, idtext, "invalid", "must be 6 "
			    "digits, not starting with 0");
		}
	}
	if (json_array_size(ids) + json_array_size(pins) == 0)
		req_field_error(r, "ids", "required", "or pincodes must hold "
		    "at least one value");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	regions_array_literal(&ids_lit, ids);
	regions_array_literal(&pins_lit, pins);
	params[0] = ids_lit.data;
	params[1] = pins_lit.data;
	if ((res = req_exec(r, &regions_stmts[STMT_LOOKUP], 2, params)) == NULL)
		goto out;
	used = xcalloc((size_t)PQntuples(res) + 1, sizeof *used);
	/* Answer in the order asked: ids first, then pincodes, each once. */
	json_array_foreach(ids, i, v) {
		snprintf(idtext, sizeof idtext, "%lld",
		    (long long)json_integer_value(v));
		if ((row = regions_find(res, 0, idtext)) < 0) {
			json_array_append(missing_ids, v);
			continue;
		}
		if (used[row])
			continue;
		used[row] = true;
		if ((nout++ > 0 && !buf_adds(&out, ",")) ||
		    !buf_adds(&out, PQgetvalue(res, row, 2)))
			fatalx("regions_lookup: buffer");
	}
	json_array_foreach(pins, i, v) {
		if ((row = regions_find(res, 1, json_string_value(v))) < 0) {
			json_array_append(missing_pins, v);
			continue;
		}
		if (used[row])
			continue;
		used[row] = true;
		if ((nout++ > 0 && !buf_adds(&out, ",")) ||
		    !buf_adds(&out, PQgetvalue(res, row, 2)))
			fatalx("regions_lookup: buffer");
	}
	missing = json_pack("{s:O, s:O}", "ids", missing_ids, "pincodes",
	    missing_pins);
	m = json_dumps(missing, JSON_COMPACT);
	json_decref(missing);
	buf_init(&resp, 0);
	if (m == NULL || !buf_printf(&resp, "{\"data\":[%s],\"missing\":%s}",
	    out.data != NULL ? out.data : "", m))
		fatalx("regions_lookup: buffer");
	free(m);
	len = resp.len;
	req_reply(r, 200, "application/json; charset=utf-8",
	    buf_take(&resp, NULL), len);
out:
	free(used);
	json_decref(missing_ids);
	json_decref(missing_pins);
	json_decref(body);
	buf_free(&ids_lit);
	buf_free(&pins_lit);
	buf_free(&out);
	PQclear(res);
}

/* --- writes ------------------------------------------------------------ */

static const struct jsonv_field write_fields[] = {
	{ "parent_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "kind", JV_STRING, 0, 1, 20, 0, 0, 0, NULL },
	{ "name", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ "names", JV_OBJECT, 0, 0, 0, 0, 0, 0, NULL },
	{ "code", JV_STRING, JV_NULLABLE, 2, 6, 0, 0, 0, NULL },
	{ "pincode", JV_STRING, JV_NULLABLE, 6, 6, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/* Checks what the database would refuse less clearly. */
static void
regions_check_write(struct req *r, json_t *body, bool create)
{
	const char	*key, *s;
	json_t		*v;

	if (create) {
		if (json_object_get(body, "kind") == NULL)
			req_field_error(r, "kind", "required", "is required");
		if (json_object_get(body, "name") == NULL)
			req_field_error(r, "name", "required", "is required");
	} else if (json_object_get(body, "kind") != NULL)
		req_field_error(r, "kind", "immutable", "cannot change: make "
		    "a new region");
	if ((s = json_string_value(json_object_get(body, "kind"))) != NULL &&
	    !regions_valid_kind(s))
		req_field_error(r, "kind", "invalid", "must be one of country, "
		    "state, union_territory, district, city, area");
	if ((s = json_string_value(json_object_get(body, "name"))) != NULL &&
	    (s[0] == ' ' || s[strlen(s) - 1] == ' ' || strpbrk(s, "\r\n\t")))
		req_field_error(r, "name", "invalid", "must not start or end "
		    "with spaces, nor hold line breaks");
	if ((s = json_string_value(json_object_get(body, "pincode"))) !=
	    NULL && !regions_valid_pincode(s))
		req_field_error(r, "pincode", "invalid", "must be 6 digits, not "
		    "starting with 0");
	json_object_foreach(json_object_get(body, "names"), key, v) {
		if (strlen(key) < 2 || strlen(key) > 3 || strspn(key,
		    "abcdefghijklmnopqrstuvwxyz") != strlen(key) ||
		    !json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > 400)
			req_field_error(r, "names", "invalid", "must map "
			    "language codes (hi, ta, ...) to names");
	}
}

/* Why the database may refuse a region write. */
static const struct api_constraint regions_refusals[] = {
	{ "regions_parent_id_fkey", "parent_id", "does not exist" },
	{ "regions_no_cycle", "parent_id",
	  "cannot be the region itself or below it" },
	{ "regions_kind_order", "parent_id",
	  "is of a kind that cannot hold this one" },
	{ "regions_check", "parent_id",
	  "must be given for all but countries, which have none" },
	{ "regions_parent_id_name_key", "name",
	  "is taken by another region under the same parent" },
	{ "regions_code_key", "code", "is taken by another region" },
	{ "regions_pincode_key", "pincode", "is taken by another region" },
	{ "regions_code_check", "code",
	  "must be an ISO 3166 code such as IN or IN-MH" },
	{ "regions_check1", "pincode", "is required for an area" },
};

struct write_tx {
	struct req	*r;
	json_t		*body;
	const char	*id;		/* PATCH; NULL creates */
	char		 made[24];
	char		*before;
	char		*after;
	bool		 missing;
};

static bool
write_tx_run(struct db *db, void *arg)
{
	struct write_tx	*t = arg;
	json_t		*b = t->body;
	const char	*params[10];
	char		 parent[24], *names = NULL;
	PGresult	*res;
	bool		 ok = false;

	free(t->before);
	free(t->after);
	t->before = t->after = NULL;
	t->missing = false;
	if (json_is_integer(json_object_get(b, "parent_id")))
		snprintf(parent, sizeof parent, "%lld", (long long)
		    json_integer_value(json_object_get(b, "parent_id")));
	if (json_object_get(b, "names") != NULL)
		names = json_dumps(json_object_get(b, "names"), JSON_COMPACT);
	if (t->id == NULL) {
		params[0] = json_is_integer(json_object_get(b, "parent_id")) ?
		    parent : NULL;
		params[1] = json_string_value(json_object_get(b, "kind"));
		params[2] = json_string_value(json_object_get(b, "name"));
		params[3] = names;
		params[4] = json_string_value(json_object_get(b, "code"));
		params[5] = json_string_value(json_object_get(b, "pincode"));
		if ((res = db_exec(db, &regions_stmts[STMT_INSERT], 6,
		    params)) == NULL)
			goto out;
		snprintf(t->made, sizeof t->made, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
	} else {
		params[0] = t->id;
		if ((res = db_exec(db, &regions_stmts[STMT_DETAIL_LOCKED], 1,
		    params)) == NULL)
			goto out;
		if (PQntuples(res) == 0) {
			PQclear(res);
			t->missing = true;
			goto out;
		}
		t->before = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		params[1] = json_string_value(json_object_get(b, "name"));
		params[2] = json_is_integer(json_object_get(b, "parent_id")) ?
		    parent : NULL;
		params[3] = names;
		params[4] = json_string_value(json_object_get(b, "code"));
		params[5] = json_string_value(json_object_get(b, "pincode"));
		params[6] = json_object_get(b, "parent_id") != NULL ? "t" : "f";
		params[7] = names != NULL ? "t" : "f";
		params[8] = json_object_get(b, "code") != NULL ? "t" : "f";
		params[9] = json_object_get(b, "pincode") != NULL ? "t" : "f";
		if ((res = db_exec(db, &regions_stmts[STMT_UPDATE], 10,
		    params)) == NULL)
			goto out;
		PQclear(res);
		snprintf(t->made, sizeof t->made, "%s", t->id);
	}
	params[0] = t->made;
	if ((res = db_exec(db, &regions_stmts[STMT_DETAIL], 1, params)) == NULL)
		goto out;
	t->after = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	ok = account_audit(db, t->r, 0, t->id == NULL ? "region.created" :
	    "region.updated", "region", t->made, t->before, t->after, NULL);
out:
	free(names);
	return ok;
}

static void
regions_write(struct req *r, const char *id)
{
	struct write_tx	 t;
	struct db	*db;

	memset(&t, 0, sizeof t);
	t.r = r;
	t.id = id;
	if ((t.body = req_body_json(r, write_fields)) == NULL)
		return;
	regions_check_write(r, t.body, id == NULL);
	if (id != NULL && json_object_size(t.body) == 0)
		req_field_error(r, "", "empty", "change at least one field");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, write_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no region %s", id);
		else
			api_db_problem(r, db, regions_refusals,
			    API_NELEM(regions_refusals));
		goto out;
	}
	req_reply_json_text(r, id == NULL ? 201 : 200, t.after,
	    strlen(t.after));
out:
	free(t.before);
	free(t.after);
	json_decref(t.body);
}

static void
regions_create(struct req *r)
{
	regions_write(r, NULL);
}

static void
regions_update(struct req *r)
{
	regions_write(r, req_param(r, "id"));
}

static const struct route regions_routes[] = {
	{ "GET", "/v1/regions", regions_list,
	  "parent_id,kind,pincode,limit,after", "public",
	  "list regions, by parent, kind or pincode", 0 },
	{ "GET", "/v1/regions/{id}", regions_get, NULL, "public",
	  "one region with its ancestors", 0 },
	{ "POST", "/v1/regions/lookup", regions_lookup, NULL, "public",
	  "many regions at once, by ids and pincodes", 0 },
	{ "POST", "/v1/regions", regions_create, NULL, "regions.manage",
	  "create a region", 0 },
	{ "PATCH", "/v1/regions/{id}", regions_update, NULL,
	  "regions.manage", "rename, move or recode a region", 0 },
};

const struct api_module regions_module = {
	"regions", regions_routes, API_NELEM(regions_routes),
	regions_stmts, API_NELEM(regions_stmts),
};
