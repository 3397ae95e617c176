/*
 * taxonomy: what the catalogue is organised by, managed by admins.
 *
 *	GET    /v1/categories				the tree, depth first
 *	GET    /v1/categories/{id}			with ancestors, children and
 *							the attributes allowed in it
 *	POST   /v1/categories   PATCH/DELETE /v1/categories/{id}
 *	PUT    /v1/categories/{id}/attributes		the attributes it allows
 *	GET    /v1/brands   GET /v1/brands/{id}   POST   PATCH /v1/brands/{id}
 *	GET    /v1/attributes   GET /v1/attributes/{id}   POST   PATCH
 *	GET    /v1/search/synonyms   POST   PATCH/DELETE /v1/search/synonyms/{id}
 *
 * Reading the taxonomy is public (customer apps draw menus and filters from
 * it); every write is audited with the row before and after.  A category
 * allows its own attributes and its ancestors'; where both list one, the
 * nearer says whether it is required.  Deleting a category that still has
 * subcategories or listings is a conflict, and an enum attribute cannot
 * drop an option listings use: the database or a check refuses, and the
 * answer says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "log.h"
#include "req.h"

#define TAX_MAX_CATEGORY_ATTRIBUTES	100

#define CATEGORY_JSON(c)						\
	"json_build_object('id', " c ".id, 'parent_id', " c ".parent_id, " \
	"'slug', " c ".slug, 'name', " c ".name, 'names', " c ".names, "	\
	"'position', " c ".position, 'review', " c ".review, "		\
	"'review_effective', category_review(" c ".id), 'path', "		\
	c ".path, 'depth', cardinality(" c ".path) - 1, "			\
	"'created_at', rfc3339(" c ".created_at), 'updated_at', "		\
	"rfc3339(" c ".updated_at))"

#define ATTRIBUTE_JSON(a)						\
	"json_build_object('id', " a ".id, 'code', " a ".code, 'name', "	\
	a ".name, 'type', " a ".type, 'unit', " a ".unit, 'options', "	\
	a ".options, 'facet', " a ".facet, 'created_at', rfc3339(" a	\
	".created_at), 'updated_at', rfc3339(" a ".updated_at))"

#define BRAND_JSON(b)							\
	"json_build_object('id', " b ".id, 'slug', " b ".slug, 'name', "	\
	b ".name, 'created_at', rfc3339(" b ".created_at), 'updated_at', "	\
	"rfc3339(" b ".updated_at))"

#define SYNONYM_JSON(s)							\
	"json_build_object('id', " s ".id, 'term', " s ".term, "		\
	"'synonyms', " s ".synonyms, 'created_at', rfc3339(" s		\
	".created_at), 'updated_at', rfc3339(" s ".updated_at))"

/* A category with its ancestors, children and allowed attributes. */
#define CATEGORY_DETAIL							\
	"(" CATEGORY_JSON("c") "::jsonb || jsonb_build_object("		\
	"'ancestors', coalesce((SELECT jsonb_agg(jsonb_build_object('id', "	\
	"a.id, 'slug', a.slug, 'name', a.name) ORDER BY cardinality(a.path))" \
	" FROM categories a WHERE a.id = ANY (c.path) AND a.id <> c.id), "	\
	"'[]'), 'children', coalesce((SELECT jsonb_agg(jsonb_build_object("	\
	"'id', k.id, 'slug', k.slug, 'name', k.name) ORDER BY k.position, "	\
	"k.id) FROM categories k WHERE k.parent_id = c.id), '[]'), "		\
	"'attributes', coalesce((SELECT jsonb_agg(x.j ORDER BY x.position, "	\
	"x.id) FROM (SELECT DISTINCT ON (a.id) a.id, ca.position, "		\
	"jsonb_build_object('attribute', " ATTRIBUTE_JSON("a") ", "		\
	"'required', ca.required, 'position', ca.position, 'category_id', "	\
	"ca.category_id) j FROM category_attributes ca JOIN attributes a ON " \
	"a.id = ca.attribute_id WHERE ca.category_id = ANY (c.path) ORDER BY " \
	"a.id, array_position(c.path, ca.category_id) DESC) x), '[]')))::text"

static const struct db_stmt tax_stmts[] = {
	/* Depth first, siblings by position; $1 a parent to list under. */
	{ "tax_categories",
	  "WITH RECURSIVE t AS ("
	  " SELECT c.id, ARRAY[c.position::bigint, c.id] k FROM categories c"
	  "  WHERE c.parent_id IS NULL"
	  " UNION ALL"
	  " SELECT c.id, t.k || c.position::bigint || c.id FROM categories c"
	  "  JOIN t ON c.parent_id = t.id) "
	  "SELECT " CATEGORY_JSON("c") "::text, NULL FROM t"
	  " JOIN categories c ON c.id = t.id"
	  " WHERE $1::bigint IS NULL OR c.parent_id = $1 ORDER BY t.k" },
	{ "tax_category_get",
	  "SELECT " CATEGORY_DETAIL " FROM categories c WHERE c.id = $1" },
	{ "tax_category_lock",
	  "SELECT " CATEGORY_DETAIL " FROM categories c WHERE c.id = $1"
	  " FOR UPDATE" },
	{ "tax_category_insert",
	  "INSERT INTO categories (parent_id, slug, name, names, position,"
	  " review) SELECT (b->>'parent_id')::bigint, b->>'slug', b->>'name',"
	  " coalesce(b->'names', '{}'), coalesce((b->>'position')::int, 0),"
	  " b->>'review' FROM (SELECT $1::jsonb b) x RETURNING id" },
	{ "tax_category_update",
	  "UPDATE categories c SET"
	  " parent_id = CASE WHEN b ? 'parent_id' THEN (b->>'parent_id')::bigint"
	  "  ELSE parent_id END,"
	  " slug = coalesce(b->>'slug', slug), name = coalesce(b->>'name', name),"
	  " names = coalesce(b->'names', names),"
	  " position = coalesce((b->>'position')::int, position),"
	  " review = CASE WHEN b ? 'review' THEN b->>'review' ELSE review END"
	  " FROM (SELECT $2::jsonb b) x WHERE c.id = $1" },
	{ "tax_category_delete", "DELETE FROM categories WHERE id = $1" },
	/* $2: [{"attribute_id", "required", "position"}] replaces the set. */
	{ "tax_category_attributes",
	  "WITH gone AS (DELETE FROM category_attributes WHERE category_id = $1)"
	  " INSERT INTO category_attributes (category_id, attribute_id,"
	  " required, position) SELECT $1, (e->>'attribute_id')::bigint,"
	  " coalesce((e->>'required')::boolean, false),"
	  " coalesce((e->>'position')::int, o::int - 1)"
	  " FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(e, o)" },

	/* $1 a name prefix or a word close to one, $2 the name after, $3 id
	 * after, $4 limit */
	{ "tax_brands",
	  "SELECT " BRAND_JSON("b") "::text, json_build_array(lower(b.name),"
	  " b.id)::text FROM brands b"
	  " WHERE ($1::text IS NULL OR lower(b.name) LIKE $1 || '%'"
	  "  OR lower(b.name) % $1)"
	  " AND (lower(b.name), b.id) > ($2, $3::bigint)"
	  " ORDER BY lower(b.name), b.id LIMIT $4" },
	{ "tax_brand_get",
	  "SELECT " BRAND_JSON("b") "::text FROM brands b WHERE b.id = $1" },
	{ "tax_brand_lock",
	  "SELECT " BRAND_JSON("b") "::text FROM brands b WHERE b.id = $1"
	  " FOR UPDATE" },
	{ "tax_brand_insert",
	  "INSERT INTO brands (slug, name) SELECT b->>'slug', b->>'name'"
	  " FROM (SELECT $1::jsonb b) x RETURNING id" },
	{ "tax_brand_update",
	  "UPDATE brands SET slug = coalesce(b->>'slug', slug),"
	  " name = coalesce(b->>'name', name)"
	  " FROM (SELECT $2::jsonb b) x WHERE id = $1" },

	{ "tax_attributes",
	  "SELECT " ATTRIBUTE_JSON("a") "::text, NULL FROM attributes a"
	  " ORDER BY a.code" },
	{ "tax_attribute_get",
	  "SELECT " ATTRIBUTE_JSON("a") "::text FROM attributes a"
	  " WHERE a.id = $1" },
	{ "tax_attribute_lock",
	  "SELECT " ATTRIBUTE_JSON("a") "::text FROM attributes a"
	  " WHERE a.id = $1 FOR UPDATE" },
	{ "tax_attribute_insert",
	  "INSERT INTO attributes (code, name, type, unit, options, facet)"
	  " SELECT b->>'code', b->>'name', b->>'type', b->>'unit',"
	  " (SELECT array_agg(o ORDER BY n) FROM jsonb_array_elements_text("
	  "  b->'options') WITH ORDINALITY AS y(o, n)),"
	  " coalesce((b->>'facet')::boolean, false)"
	  " FROM (SELECT $1::jsonb b) x RETURNING id" },
	/*
	 * The type and code stay (listings hold values by code, of that
	 * type); options may change, but not drop one a listing uses.
	 */
	{ "tax_attribute_update",
	  "UPDATE attributes a SET name = coalesce(b->>'name', a.name),"
	  " unit = CASE WHEN b ? 'unit' THEN b->>'unit' ELSE a.unit END,"
	  " options = CASE WHEN b ? 'options' THEN (SELECT array_agg(o ORDER BY"
	  "  n) FROM jsonb_array_elements_text(b->'options') WITH ORDINALITY"
	  "  AS y(o, n)) ELSE a.options END,"
	  " facet = coalesce((b->>'facet')::boolean, a.facet)"
	  " FROM (SELECT $2::jsonb b) x WHERE a.id = $1" },
	/* Values listings hold that the attribute's options no longer have. */
	{ "tax_attribute_orphans",
	  "SELECT string_agg(DISTINCT l.attributes->>a.code, ', ')"
	  " FROM attributes a JOIN listings l ON l.attributes ? a.code"
	  " WHERE a.id = $1 AND a.type = 'enum'"
	  " AND NOT (l.attributes->>a.code = ANY (a.options))" },

	{ "tax_synonyms",
	  "SELECT " SYNONYM_JSON("s") "::text, json_build_array(s.term)::text"
	  " FROM search_synonyms s WHERE s.term > $1 ORDER BY s.term"
	  " LIMIT $2" },
	{ "tax_synonym_lock",
	  "SELECT " SYNONYM_JSON("s") "::text FROM search_synonyms s"
	  " WHERE s.id = $1 FOR UPDATE" },
	{ "tax_synonym_get",
	  "SELECT " SYNONYM_JSON("s") "::text FROM search_synonyms s"
	  " WHERE s.id = $1" },
	{ "tax_synonym_insert",
	  "INSERT INTO search_synonyms (term, synonyms)"
	  " SELECT lower(b->>'term'), ARRAY(SELECT lower(s) FROM"
	  "  jsonb_array_elements_text(b->'synonyms') s)"
	  " FROM (SELECT $1::jsonb b) x RETURNING id" },
	{ "tax_synonym_update",
	  "UPDATE search_synonyms SET term = coalesce(lower(b->>'term'), term),"
	  " synonyms = CASE WHEN b ? 'synonyms' THEN ARRAY(SELECT lower(s)"
	  "  FROM jsonb_array_elements_text(b->'synonyms') s) ELSE synonyms"
	  "  END"
	  " FROM (SELECT $2::jsonb b) x WHERE id = $1" },
	{ "tax_synonym_delete", "DELETE FROM search_synonyms WHERE id = $1" },
};

enum {
	STMT_CATEGORIES, STMT_CATEGORY_GET, STMT_CATEGORY_LOCK,
	STMT_CATEGORY_INSERT, STMT_CATEGORY_UPDATE, STMT_CATEGORY_DELETE,
	STMT_CATEGORY_ATTRIBUTES,
	STMT_BRANDS, STMT_BRAND_GET, STMT_BRAND_LOCK, STMT_BRAND_INSERT,
	STMT_BRAND_UPDATE,
	STMT_ATTRIBUTES, STMT_ATTRIBUTE_GET, STMT_ATTRIBUTE_LOCK,
	STMT_ATTRIBUTE_INSERT, STMT_ATTRIBUTE_UPDATE, STMT_ATTRIBUTE_ORPHANS,
	STMT_SYNONYMS, STMT_SYNONYM_LOCK, STMT_SYNONYM_GET, STMT_SYNONYM_INSERT,
	STMT_SYNONYM_UPDATE, STMT_SYNONYM_DELETE,
};

/* Why the database may refuse a taxonomy write. */
static const struct api_constraint tax_refusals[] = {
	{ "categories_slug_key", "slug", "is taken by another category" },
	{ "categories_parent_id_name_key", "name",
	  "is taken by another category under the same parent" },
	{ "categories_parent_id_fkey", "parent_id", "is not a category" },
	{ "categories_no_cycle", "parent_id",
	  "cannot be the category itself or below it" },
	{ "categories_depth", "parent_id", "would nest categories more than "
	  "6 deep" },
	{ "brands_slug_key", "slug", "is taken by another brand" },
	{ "brands_name", "name", "is taken by another brand" },
	{ "attributes_code_key", "code", "is taken by another attribute" },
	{ "category_attributes_attribute_id_fkey", "attributes",
	  "names an attribute that does not exist" },
	{ "category_attributes_pkey", "attributes",
	  "names the same attribute twice" },
	{ "search_synonyms_term_key", "term", "already has synonyms: edit "
	  "those" },
	{ "attributes_check", "options", "are required for an enum and only "
	  "for enums" },
	{ "attributes_check1", "unit", "is only for numbers" },
};

/* Why the database may refuse a deletion. */
static const struct api_constraint tax_delete_refusals[] = {
	{ "categories_parent_id_fkey", NULL, "the category has "
	  "subcategories: move or delete them first" },
	{ "listings_category_id_fkey", NULL, "the category still has "
	  "listings: move them first" },
};

/*
 * One kind of row the generic writes handle: its statements and names.
 * insert takes ($1 body), update ($1 id, $2 body), get and lock ($1 id).
 */
struct tax_kind {
	const char	*noun;		/* "category": audit and messages */
	int		 get, lock, insert, update, delete;
};

static const struct tax_kind tax_category = {
	"category", STMT_CATEGORY_GET, STMT_CATEGORY_LOCK,
	STMT_CATEGORY_INSERT, STMT_CATEGORY_UPDATE, STMT_CATEGORY_DELETE,
};
static const struct tax_kind tax_brand = {
	"brand", STMT_BRAND_GET, STMT_BRAND_LOCK, STMT_BRAND_INSERT,
	STMT_BRAND_UPDATE, -1,
};
static const struct tax_kind tax_attribute = {
	"attribute", STMT_ATTRIBUTE_GET, STMT_ATTRIBUTE_LOCK,
	STMT_ATTRIBUTE_INSERT, STMT_ATTRIBUTE_UPDATE, -1,
};
static const struct tax_kind tax_synonym = {
	"synonym", STMT_SYNONYM_GET, STMT_SYNONYM_LOCK, STMT_SYNONYM_INSERT,
	STMT_SYNONYM_UPDATE, STMT_SYNONYM_DELETE,
};

struct tax_tx {
	struct req		*r;
	const struct tax_kind	*kind;
	const char		*id;		/* NULL: insert */
	const char		*body;		/* JSON text; NULL: delete */
	char			 made[24];
	char			*before, *after;
	char			*orphans;	/* enum values left without option */
	bool			 missing;
};

static bool
tax_tx_run(struct db *db, void *arg)
{
	struct tax_tx	*t = arg;
	const char	*params[2];
	char		 action[64];
	PGresult	*res;

	free(t->before);
	free(t->after);
	free(t->orphans);
	t->before = t->after = t->orphans = NULL;
	t->missing = false;
	if (t->id != NULL) {
		params[0] = t->id;
		if ((res = db_exec(db, &tax_stmts[t->kind->lock], 1,
		    params)) == NULL)
			return false;
		if (PQntuples(res) == 0) {
			PQclear(res);
			t->missing = true;
			return false;
		}
		t->before = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		snprintf(t->made, sizeof t->made, "%s", t->id);
	}
	if (t->id == NULL) {
		params[0] = t->body;
		if ((res = db_exec(db, &tax_stmts[t->kind->insert], 1,
		    params)) == NULL)
			return false;
		snprintf(t->made, sizeof t->made, "%s", PQgetvalue(res, 0, 0));
	} else if (t->body != NULL) {
		params[1] = t->body;
		res = db_exec(db, &tax_stmts[t->kind->update], 2, params);
	} else
		res = db_exec(db, &tax_stmts[t->kind->delete], 1, params);
	if (res == NULL)
		return false;
	PQclear(res);
	params[0] = t->made;
	if (t->kind == &tax_attribute && t->id != NULL) {
		if ((res = db_exec(db, &tax_stmts[STMT_ATTRIBUTE_ORPHANS], 1,
		    params)) == NULL)
			return false;
		if (!PQgetisnull(res, 0, 0)) {
			t->orphans = xstrdup(PQgetvalue(res, 0, 0));
			PQclear(res);
			return false;
		}
		PQclear(res);
	}
	if (t->body != NULL && (t->after = db_text(db,
	    &tax_stmts[t->kind->get], 1, params)) == NULL)
		return false;
	snprintf(action, sizeof action, "%s.%s", t->kind->noun, t->id == NULL ?
	    "created" : t->body == NULL ? "deleted" : "updated");
	return account_audit(db, t->r, 0, action, t->kind->noun, t->made,
	    t->before, t->after, NULL);
}

/*
 * Creates (id NULL), updates or (body NULL) deletes one row of kind and
 * answers with it (201, 200) or 204.
 */
static void
tax_write(struct req *r, const struct tax_kind *kind, const char *id,
    json_t *body)
{
	struct tax_tx	 t;
	struct db	*db;
	char		*text = NULL;

	memset(&t, 0, sizeof t);
	t.r = r;
	t.kind = kind;
	t.id = id;
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("tax_write: json_dumps");
	t.body = text;
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, tax_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no %s %s",
			    kind->noun, id);
		else if (t.orphans != NULL) {
			req_field_error(r, "options", "in-use", "must keep the "
			    "values listings use: %s", t.orphans);
			req_fail_fields(r);
		} else if (body == NULL)
			api_db_problem(r, db, tax_delete_refusals,
			    API_NELEM(tax_delete_refusals));
		else
			api_db_problem(r, db, tax_refusals,
			    API_NELEM(tax_refusals));
		goto out;
	}
	if (body == NULL)
		req_reply(r, 204, NULL, xstrdup(""), 0);
	else
		req_reply_json_text(r, id == NULL ? 201 : 200, t.after,
		    strlen(t.after));
out:
	free(text);
	free(t.before);
	free(t.after);
	free(t.orphans);
}

/* Answers a one-row statement taking the path's id, or 404. */
static void
tax_get(struct req *r, int stmt, const char *noun)
{
	const char	*params[1] = { req_param(r, "id") };

	req_reply_row_deferred(r, &tax_stmts[stmt], 1, params, noun);
}

/*
 * Reads a write's body; on create, required (a NULL-terminated list) names
 * the fields that must be there.
 */
static json_t *
tax_body(struct req *r, const struct jsonv_field *fields, bool create,
    const char *const *required)
{
	json_t	*body;

	if ((body = req_body_json(r, fields)) == NULL)
		return NULL;
	for (; create && *required != NULL; required++) {
		if (json_object_get(body, *required) == NULL)
			req_field_error(r, *required, "required",
			    "is required");
	}
	if (!create && json_object_size(body) == 0)
		req_field_error(r, "", "empty", "change at least one field");
	return body;
}

/* --- categories -------------------------------------------------------- */

static const struct jsonv_field category_fields[] = {
	{ "parent_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "slug", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ "name", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ "names", JV_OBJECT, 0, 0, 0, 0, 0, 0, NULL },
	{ "position", JV_INT, 0, -1000000, 1000000, 0, 0, 0, NULL },
	{ "review", JV_STRING, JV_NULLABLE, 1, 10, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
category_write(struct req *r, const char *id)
{
	static const char *const required[] = { "slug", "name", NULL };
	json_t		*body;
	const char	*review;

	if ((body = tax_body(r, category_fields, id == NULL, required)) ==
	    NULL)
		return;
	api_check_slug(r, "slug", json_string_value(json_object_get(body,
	    "slug")));
	api_check_line(r, "name", json_string_value(json_object_get(body,
	    "name")));
	api_check_names(r, "names", json_object_get(body, "names"));
	review = json_string_value(json_object_get(body, "review"));
	if (review != NULL && strcmp(review, "none") != 0 &&
	    strcmp(review, "new") != 0 && strcmp(review, "all") != 0)
		req_field_error(r, "review", "invalid", "must be none, new "
		    "(new listings are reviewed), all (new and edited ones) or "
		    "null (as the parent category)");
	if (req_has_field_errors(r))
		req_fail_fields(r);
	else
		tax_write(r, &tax_category, id, body);
	json_decref(body);
}

static void
categories_list(struct req *r)
{
	const char	*parent = req_query(r, "parent_id"), *params[1];
	PGresult	*res;

	if (parent != NULL && !router_valid_id(parent, strlen(parent))) {
		req_field_error(r, "parent_id", "invalid", "must be a category "
		    "id");
		req_fail_fields(r);
		return;
	}
	params[0] = parent;
	if ((res = req_exec(r, &tax_stmts[STMT_CATEGORIES], 1, params)) ==
	    NULL)
		return;
	req_reply_rows(r, res, 0);
	PQclear(res);
}

static void
category_get(struct req *r)
{
	tax_get(r, STMT_CATEGORY_GET, "category");
}

static void
category_create(struct req *r)
{
	category_write(r, NULL);
}

static void
category_update(struct req *r)
{
	category_write(r, req_param(r, "id"));
}

static void
category_delete(struct req *r)
{
	tax_write(r, &tax_category, req_param(r, "id"), NULL);
}

static const struct jsonv_field category_attribute_fields[] = {
	{ "attribute_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "required", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "position", JV_INT, 0, -1000000, 1000000, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct jsonv_field category_attributes_fields[] = {
	{ "attributes", JV_ARRAY, JV_REQUIRED, 0,
	  TAX_MAX_CATEGORY_ATTRIBUTES, JV_OBJECT, 0, 0,
	  category_attribute_fields },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct attrs_tx {
	struct req	*r;
	const char	*id;
	char		*list;
	char		*before, *after;
	bool		 missing;
};

static bool
attrs_tx_run(struct db *db, void *arg)
{
	struct attrs_tx	*t = arg;
	const char	*params[2] = { t->id, t->list };
	PGresult	*res;

	free(t->before);
	free(t->after);
	t->before = t->after = NULL;
	if ((res = db_exec(db, &tax_stmts[STMT_CATEGORY_LOCK], 1, params)) ==
	    NULL)
		return false;
	if ((t->missing = PQntuples(res) == 0)) {
		PQclear(res);
		return false;
	}
	t->before = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if ((res = db_exec(db, &tax_stmts[STMT_CATEGORY_ATTRIBUTES], 2,
	    params)) == NULL)
		return false;
	PQclear(res);
	if ((t->after = db_text(db, &tax_stmts[STMT_CATEGORY_GET], 1,
	    params)) == NULL)
		return false;
	return account_audit(db, t->r, 0, "category.attributes_set",
	    "category", t->id, t->before, t->after, NULL);
}

static void
category_set_attributes(struct req *r)
{
	struct attrs_tx	 t;
	struct db	*db;
	json_t		*body;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, category_attributes_fields)) == NULL)
		return;
	t.r = r;
	t.id = req_param(r, "id");
	if ((t.list = json_dumps(json_object_get(body, "attributes"),
	    JSON_COMPACT)) == NULL)
		fatalx("category_set_attributes: json_dumps");
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, attrs_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no category %s",
			    t.id);
		else
			api_db_problem(r, db, tax_refusals,
			    API_NELEM(tax_refusals));
		goto out;
	}
	req_reply_json_text(r, 200, t.after, strlen(t.after));
out:
	free(t.list);
	free(t.before);
	free(t.after);
	json_decref(body);
}

/* --- brands ------------------------------------------------------------ */

static const struct jsonv_field brand_fields[] = {
	{ "slug", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ "name", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
brand_write(struct req *r, const char *id)
{
	static const char *const required[] = { "slug", "name", NULL };
	json_t	*body;

	if ((body = tax_body(r, brand_fields, id == NULL, required)) == NULL)
		return;
	api_check_slug(r, "slug", json_string_value(json_object_get(body,
	    "slug")));
	api_check_line(r, "name", json_string_value(json_object_get(body,
	    "name")));
	if (req_has_field_errors(r))
		req_fail_fields(r);
	else
		tax_write(r, &tax_brand, id, body);
	json_decref(body);
}

static void
brands_list(struct req *r)
{
	const char	*q = req_query(r, "q"), *params[4];
	char		 after_id[24], limit_s[24], *lower = NULL;
	json_t		*after = NULL;
	PGresult	*res = NULL;
	int64_t		 limit;
	size_t		 i;

	if (!req_page(r, 2, &limit, &after))
		goto fail;
	if (after != NULL && (!json_is_string(json_array_get(after, 0)) ||
	    !json_is_integer(json_array_get(after, 1))))
		req_field_error(r, "after", "cursor", "is not a cursor this "
		    "list returned");
	if (q != NULL && (strlen(q) == 0 || strlen(q) > 100 ||
	    strpbrk(q, "%_\\") != NULL))
		req_field_error(r, "q", "invalid", "must be 1 to 100 "
		    "characters without %%, _ or \\");
	if (req_has_field_errors(r))
		goto fail;
	if (q != NULL) {
		lower = xstrdup(q);
		for (i = 0; lower[i] != '\0'; i++)
			if (lower[i] >= 'A' && lower[i] <= 'Z')
				lower[i] = (char)(lower[i] - 'A' + 'a');
	}
	snprintf(after_id, sizeof after_id, "%lld", after != NULL ?
	    (long long)json_integer_value(json_array_get(after, 1)) : 0LL);
	snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit + 1);
	params[0] = lower;
	params[1] = after != NULL ? json_string_value(json_array_get(after,
	    0)) : "";
	params[2] = after_id;
	params[3] = limit_s;
	if ((res = req_exec(r, &tax_stmts[STMT_BRANDS], 4, params)) == NULL)
		goto out;
	req_reply_rows(r, res, limit);
	goto out;
fail:
	req_fail_fields(r);
out:
	free(lower);
	json_decref(after);
	PQclear(res);
}

static void
brand_get(struct req *r)
{
	tax_get(r, STMT_BRAND_GET, "brand");
}

static void
brand_create(struct req *r)
{
	brand_write(r, NULL);
}

static void
brand_update(struct req *r)
{
	brand_write(r, req_param(r, "id"));
}

/* --- attributes -------------------------------------------------------- */

static const struct jsonv_field attribute_fields[] = {
	{ "code", JV_STRING, 0, 1, 50, 0, 0, 0, NULL },
	{ "name", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ "type", JV_STRING, 0, 1, 10, 0, 0, 0, NULL },
	{ "unit", JV_STRING, JV_NULLABLE, 1, 20, 0, 0, 0, NULL },
	{ "options", JV_ARRAY, JV_NULLABLE, 1, 200, JV_STRING, 1, 100, NULL },
	{ "facet", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static bool
attribute_code_valid(const char *s)
{
	size_t	n = strlen(s);

	return n >= 1 && n <= 50 && s[0] >= 'a' && s[0] <= 'z' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static void
attribute_write(struct req *r, const char *id)
{
	static const char *const required[] = { "code", "name", "type",
	    NULL };
	json_t		*body, *opts, *v, *w;
	const char	*type, *code;
	size_t		 i, j;

	if ((body = tax_body(r, attribute_fields, id == NULL, required)) ==
	    NULL)
		return;
	type = json_string_value(json_object_get(body, "type"));
	code = json_string_value(json_object_get(body, "code"));
	opts = json_object_get(body, "options");
	if (id != NULL && type != NULL)
		req_field_error(r, "type", "immutable", "cannot change: "
		    "listings hold values of this type; make a new attribute");
	if (id != NULL && code != NULL)
		req_field_error(r, "code", "immutable", "cannot change: "
		    "listings hold values by this code");
	if (code != NULL && id == NULL && !attribute_code_valid(code))
		req_field_error(r, "code", "invalid", "must be a lower-case "
		    "letter then letters, digits or _ (screen_size)");
	if (type != NULL && id == NULL && strcmp(type, "text") != 0 &&
	    strcmp(type, "number") != 0 && strcmp(type, "enum") != 0 &&
	    strcmp(type, "boolean") != 0)
		req_field_error(r, "type", "invalid", "must be text, number, "
		    "enum or boolean");
	if (id == NULL && type != NULL && strcmp(type, "enum") == 0 &&
	    !json_is_array(opts))
		req_field_error(r, "options", "required", "are required for an "
		    "enum");
	if (id == NULL && type != NULL && strcmp(type, "enum") != 0 &&
	    json_is_array(opts))
		req_field_error(r, "options", "invalid", "are only for enums");
	if (id == NULL && type != NULL && strcmp(type, "number") != 0 &&
	    json_is_string(json_object_get(body, "unit")))
		req_field_error(r, "unit", "invalid", "is only for numbers");
	if (id != NULL && json_is_null(opts))
		req_field_error(r, "options", "invalid", "cannot be removed");
	api_check_line(r, "name", json_string_value(json_object_get(body,
	    "name")));
	api_check_line(r, "unit", json_string_value(json_object_get(body,
	    "unit")));
	json_array_foreach(opts, i, v) {
		if (!api_check_line(r, "options", json_string_value(v)))
			break;
		for (j = 0; j < i; j++) {
			w = json_array_get(opts, j);
			if (strcmp(json_string_value(w),
			    json_string_value(v)) == 0) {
				req_field_error(r, "options", "duplicate",
				    "list \"%s\" twice", json_string_value(v));
				break;
			}
		}
	}
	if (req_has_field_errors(r))
		req_fail_fields(r);
	else
		tax_write(r, &tax_attribute, id, body);
	json_decref(body);
}

static void
attributes_list(struct req *r)
{
	PGresult	*res;

	if ((res = req_exec(r, &tax_stmts[STMT_ATTRIBUTES], 0, NULL)) == NULL)
		return;
	req_reply_rows(r, res, 0);
	PQclear(res);
}

static void
attribute_get(struct req *r)
{
	tax_get(r, STMT_ATTRIBUTE_GET, "attribute");
}

static void
attribute_create(struct req *r)
{
	attribute_write(r, NULL);
}

static void
attribute_update(struct req *r)
{
	attribute_write(r, req_param(r, "id"));
}

/* --- synonyms ---------------------------------------------------------- */

static const struct jsonv_field synonym_fields[] = {
	{ "term", JV_STRING, 0, 1, 60, 0, 0, 0, NULL },
	{ "synonyms", JV_ARRAY, 0, 1, 20, JV_STRING, 1, 60, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/*
 * Lower-cases a search term in place (ASCII here; PostgreSQL's lower()
 * does the rest as it stores it) and checks it is one line.
 */
static bool
synonym_term(struct req *r, const char *field, char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return api_check_line(r, field, s);
}

static void
synonym_write(struct req *r, const char *id)
{
	static const char *const required[] = { "term", "synonyms", NULL };
	json_t	*body, *list, *v;
	char	*s;
	size_t	 i;

	if ((body = tax_body(r, synonym_fields, id == NULL, required)) == NULL)
		return;
	if (json_is_string(json_object_get(body, "term"))) {
		s = xstrdup(json_string_value(json_object_get(body, "term")));
		if (synonym_term(r, "term", s))
			json_object_set_new(body, "term", json_string(s));
		free(s);
	}
	list = json_object_get(body, "synonyms");
	json_array_foreach(list, i, v) {
		s = xstrdup(json_string_value(v));
		if (synonym_term(r, "synonyms", s))
			json_array_set_new(list, i, json_string(s));
		free(s);
	}
	if (req_has_field_errors(r))
		req_fail_fields(r);
	else
		tax_write(r, &tax_synonym, id, body);
	json_decref(body);
}

static void
synonyms_list(struct req *r)
{
	const char	*params[2];
	char		 limit_s[24];
	json_t		*after = NULL;
	PGresult	*res;
	int64_t		 limit;

	if (!req_page(r, 1, &limit, &after))
		goto fail;
	if (after != NULL && !json_is_string(json_array_get(after, 0))) {
		req_field_error(r, "after", "cursor", "is not a cursor this "
		    "list returned");
		goto fail;
	}
	snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit + 1);
	params[0] = after != NULL ? json_string_value(json_array_get(after,
	    0)) : "";
	params[1] = limit_s;
	if ((res = req_exec(r, &tax_stmts[STMT_SYNONYMS], 2, params)) != NULL) {
		req_reply_rows(r, res, limit);
		PQclear(res);
	}
	json_decref(after);
	return;
fail:
	req_fail_fields(r);
	json_decref(after);
}

static void
synonym_create(struct req *r)
{
	synonym_write(r, NULL);
}

static void
synonym_update(struct req *r)
{
	synonym_write(r, req_param(r, "id"));
}

static void
synonym_delete(struct req *r)
{
	tax_write(r, &tax_synonym, req_param(r, "id"), NULL);
}

static const struct route tax_routes[] = {
	{ "GET", "/v1/categories", categories_list, "parent_id", "public",
	  "the category tree, depth first", 0 },
	{ "GET", "/v1/categories/{id}", category_get, NULL, "public",
	  "one category with its ancestors, children and attributes", 0 },
	{ "POST", "/v1/categories", category_create, NULL, "taxonomy.manage",
	  "create a category", 0 },
	{ "PATCH", "/v1/categories/{id}", category_update, NULL,
	  "taxonomy.manage", "rename, move or set the review rule", 0 },
	{ "DELETE", "/v1/categories/{id}", category_delete, NULL,
	  "taxonomy.manage", "delete an empty category", 0 },
	{ "PUT", "/v1/categories/{id}/attributes", category_set_attributes,
	  NULL, "taxonomy.manage", "set the attributes a category allows", 0 },
	{ "GET", "/v1/brands", brands_list, "q,limit,after", "public",
	  "brands by name", 0 },
	{ "GET", "/v1/brands/{id}", brand_get, NULL, "public", "one brand", 0 },
	{ "POST", "/v1/brands", brand_create, NULL, "taxonomy.manage",
	  "create a brand", 0 },
	{ "PATCH", "/v1/brands/{id}", brand_update, NULL, "taxonomy.manage",
	  "rename a brand", 0 },
	{ "GET", "/v1/attributes", attributes_list, NULL, "public",
	  "every attribute", 0 },
	{ "GET", "/v1/attributes/{id}", attribute_get, NULL, "public",
	  "one attribute", 0 },
	{ "POST", "/v1/attributes", attribute_create, NULL, "taxonomy.manage",
	  "create an attribute", 0 },
	{ "PATCH", "/v1/attributes/{id}", attribute_update, NULL,
	  "taxonomy.manage", "rename an attribute, change its options", 0 },
	{ "GET", "/v1/search/synonyms", synonyms_list, "limit,after",
	  "taxonomy.manage", "search synonyms by term", 0 },
	{ "POST", "/v1/search/synonyms", synonym_create, NULL,
	  "taxonomy.manage", "add synonyms for a term", 0 },
	{ "PATCH", "/v1/search/synonyms/{id}", synonym_update, NULL,
	  "taxonomy.manage", "change a term's synonyms", 0 },
	{ "DELETE", "/v1/search/synonyms/{id}", synonym_delete, NULL,
	  "taxonomy.manage", "remove a term's synonyms", 0 },
};

const struct api_module taxonomy_module = {
	"taxonomy", tax_routes, API_NELEM(tax_routes),
	tax_stmts, API_NELEM(tax_stmts),
};
