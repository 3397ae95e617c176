#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "events.h"
#include "listing.h"
#include "log.h"
#include "stock.h"
#include "xmalloc.h"

const struct jsonv_field listing_fields[] = {
	{ "vendor_id", JV_INT, 0, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "kind", JV_STRING, 0, 1, 10, 0, 0, 0, NULL },
	{ "title", JV_STRING, 0, 1, 200, 0, 0, 0, NULL },
	{ "description", JV_STRING, 0, 0, 20000, 0, 0, 0, NULL },
	{ "category_id", JV_INT, 0, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "brand_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "attributes", JV_OBJECT, 0, 0, 0, 0, 0, 0, NULL },
	{ "tags", JV_ARRAY, 0, 0, LISTING_MAX_TAGS, JV_STRING, 1, 50, NULL },
	{ "variants", JV_ARRAY, 0, 0, LISTING_MAX_VARIANTS, JV_OBJECT, 0, 0,
	  variant_fields },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

const struct jsonv_field variant_fields[] = {
	{ "sku", JV_STRING, 0, 1, 64, 0, 0, 0, NULL },
	{ "options", JV_OBJECT, 0, 0, 0, 0, 0, 0, NULL },
	{ "price", JV_INT, 0, 0, 100000000000LL, 0, 0, 0, NULL },
	{ "compare_at_price", JV_INT, JV_NULLABLE, 1, 100000000000LL, 0, 0, 0,
	  NULL },
	{ "weight_grams", JV_INT, JV_NULLABLE, 0, 10000000, 0, 0, 0, NULL },
	{ "duration_minutes", JV_INT, JV_NULLABLE, 1, 10080, 0, 0, 0, NULL },
	{ "service_pincodes", JV_ARRAY, 0, 0, 2000, JV_STRING, 6, 6, NULL },
	{ "service_radius_m", JV_INT, JV_NULLABLE, 100, 500000, 0, 0, 0, NULL },
	{ "low_stock_at", JV_INT, 0, 0, 1000000, 0, 0, 0, NULL },
	{ "position", JV_INT, 0, -1000000, 1000000, 0, 0, 0, NULL },
	{ "status", JV_STRING, 0, 1, 10, 0, 0, 0, NULL },
	/* On create: units in stock at the vendor's first location. */
	{ "stock", JV_INT, 0, 0, 10000000, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct db_stmt listing_stmts[] = {
	/*
	 * The attributes a category allows: its own and its ancestors',
	 * the nearest category's rule winning.  One row with NULLs when it
	 * allows none; no row when there is no such category.
	 */
	{ "catalog_listing_attributes",
	  "SELECT x.code, x.type, x.options, x.required FROM categories c"
	  " LEFT JOIN LATERAL (SELECT DISTINCT ON (a.id) a.code, a.type,"
	  "  array_to_json(a.options)::text AS options, ca.required"
	  "  FROM category_attributes ca JOIN attributes a"
	  "  ON a.id = ca.attribute_id WHERE ca.category_id = ANY (c.path)"
	  "  ORDER BY a.id, array_position(c.path, ca.category_id) DESC) x"
	  " ON true WHERE c.id = $1" },
	/* $1 vendor, $2 body, $3 creator */
	{ "catalog_listing_insert",
	  "INSERT INTO listings (vendor_id, kind, title, description,"
	  " category_id, brand_id, attributes, tags, created_by)"
	  " SELECT $1, b->>'kind', b->>'title', coalesce(b->>'description', ''),"
	  " (b->>'category_id')::bigint, (b->>'brand_id')::bigint,"
	  " coalesce(b->'attributes', '{}'),"
	  " ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'tags', '[]'))),"
	  " $3 FROM (SELECT $2::jsonb b) x RETURNING id" },
	/* $1 listing, $2 body */
	{ "catalog_variant_insert",
	  "INSERT INTO variants (listing_id, sku, options, price,"
	  " compare_at_price, weight_grams, duration_minutes, service_pincodes,"
	  " service_radius_m, low_stock_at, position, status)"
	  " SELECT $1, b->>'sku', coalesce(b->'options', '{}'),"
	  " (b->>'price')::bigint, (b->>'compare_at_price')::bigint,"
	  " (b->>'weight_grams')::int, (b->>'duration_minutes')::int,"
	  " ARRAY(SELECT jsonb_array_elements_text(coalesce("
	  "  b->'service_pincodes', '[]'))),"
	  " (b->>'service_radius_m')::int, coalesce((b->>'low_stock_at')::int,"
	  "  5), coalesce((b->>'position')::int, 0),"
	  " coalesce(b->>'status', 'active')"
	  " FROM (SELECT $2::jsonb b) x RETURNING id" },
	/* $1 listing, $2 from, $3 to, $4 actor, $5 role, $6 reason */
	{ "catalog_listing_event",
	  "INSERT INTO listing_events (listing_id, from_status, to_status,"
	  " actor_id, actor_role, reason) VALUES ($1, $2, $3, $4, $5, $6)" },
	/* The vendor's first open location, for initial stock. */
	{ "catalog_first_location",
	  "SELECT id FROM stock_locations WHERE vendor_id = (SELECT vendor_id"
	  " FROM variants WHERE id = $1) AND active ORDER BY id LIMIT 1" },
};

enum {
	STMT_ATTRIBUTES, STMT_INSERT, STMT_VARIANT_INSERT, STMT_EVENT,
	STMT_FIRST_LOCATION,
};

void
catalog_init(void)
{
	db_register(listing_stmts, sizeof listing_stmts /
	    sizeof listing_stmts[0]);
}

/* Reports a field error with a formatted message. */
static void
fail(jsonv_error_cb err, void *arg, const char *field, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
fail(jsonv_error_cb err, void *arg, const char *field, const char *code,
    const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	err(arg, field, code, msg);
}

/* True if s has no control characters (line breaks allowed if text). */
static bool
clean(const char *s, bool text)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; p != NULL && *p != '\0'; p++) {
		if ((*p < 0x20 && !(text && *p == '\n')) || *p == 0x7f)
			return false;
	}
	return true;
}

void
listing_check(json_t *body, bool create, jsonv_error_cb err, void *arg)
{
	static const char *const required[] = {
		"kind", "title", "category_id",
	};
	const char	*s;
	json_t		*tags, *v;
	char		*tag, *p, *e, field[32];
	size_t		 i, k;

	for (i = 0; create && i < sizeof required / sizeof required[0]; i++) {
		if (json_object_get(body, required[i]) == NULL)
			fail(err, arg, required[i], "required", "is required");
	}
	if (!create && json_object_get(body, "kind") != NULL)
		fail(err, arg, "kind", "immutable", "cannot change: make a new "
		    "listing");
	if (!create && json_object_get(body, "variants") != NULL)
		fail(err, arg, "variants", "invalid", "are changed one by one "
		    "(/v1/listings/{id}/variants)");
	if ((s = json_string_value(json_object_get(body, "kind"))) != NULL &&
	    strcmp(s, "product") != 0 && strcmp(s, "service") != 0)
		fail(err, arg, "kind", "invalid", "must be product or service");
	if ((s = json_string_value(json_object_get(body, "title"))) != NULL &&
	    (!clean(s, false) || s[0] == ' ' || s[strlen(s) - 1] == ' '))
		fail(err, arg, "title", "invalid", "must be one line without "
		    "control characters or surrounding spaces");
	if (!clean(json_string_value(json_object_get(body, "description")),
	    true))
		fail(err, arg, "description", "invalid", "must not hold control "
		    "characters other than line breaks");
	tags = json_object_get(body, "tags");
	json_array_foreach(tags, i, v) {
		tag = xstrdup(json_string_value(v));
		for (p = tag; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		for (p = tag; *p == ' '; p++)
			;
		for (e = p + strlen(p); e > p && e[-1] == ' '; e--)
			;
		*e = '\0';
		snprintf(field, sizeof field, "tags[%zu]", i);
		if (*p == '\0' || !clean(p, false))
			fail(err, arg, field, "invalid", "must be a word or "
			    "words on one line");
		for (k = 0; k < i; k++) {
			if (strcmp(json_string_value(json_array_get(tags, k)),
			    p) == 0) {
				fail(err, arg, field, "duplicate", "repeats "
				    "tag \"%s\"", p);
				break;
			}
		}
		json_array_set_new(tags, i, json_string(p));
		free(tag);
	}
}

static bool
sku_valid(const char *s)
{
	size_t	n = strlen(s);

	return n >= 1 && n <= 64 && strchr("._/-", s[0]) == NULL &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._/-") == n;
}

static bool
pincode_valid(const char *s)
{
	return s != NULL && strlen(s) == 6 && s[0] != '0' &&
	    strspn(s, "0123456789") == 6;
}

void
variant_check(json_t *body, const char *kind, bool create, const char *path,
    jsonv_error_cb err, void *arg)
{
	static const char *const product_only[] = {
		"weight_grams", "low_stock_at", "stock",
	};
	static const char *const service_only[] = {
		"duration_minutes", "service_pincodes", "service_radius_m",
	};
	char		 f[96];
	const char	*s, *key;
	json_t		*v, *opts;
	size_t		 i;
	bool		 service = kind != NULL && strcmp(kind, "service") == 0;

#define F(name)	(snprintf(f, sizeof f, "%s%s", path, (name)), f)
	if (create && json_object_get(body, "sku") == NULL)
		fail(err, arg, F("sku"), "required", "is required");
	if (create && json_object_get(body, "price") == NULL)
		fail(err, arg, F("price"), "required", "is required");
	if (!create && json_object_get(body, "stock") != NULL)
		fail(err, arg, F("stock"), "invalid", "changes through "
		    "/v1/variants/{id}/stock, with a ledger line");
	if ((s = json_string_value(json_object_get(body, "sku"))) != NULL &&
	    !sku_valid(s))
		fail(err, arg, F("sku"), "invalid", "must be 1 to 64 letters, "
		    "digits and . _ / - (not first)");
	if ((s = json_string_value(json_object_get(body, "status"))) != NULL &&
	    strcmp(s, "active") != 0 && strcmp(s, "archived") != 0)
		fail(err, arg, F("status"), "invalid", "must be active or "
		    "archived");
	if (json_is_integer(v = json_object_get(body, "compare_at_price")) &&
	    json_is_integer(json_object_get(body, "price")) &&
	    json_integer_value(v) <= json_integer_value(json_object_get(body,
	    "price")))
		fail(err, arg, F("compare_at_price"), "invalid", "must be more "
		    "than the price (it is the price before a discount)");
	opts = json_object_get(body, "options");
	if (json_object_size(opts) > 10)
		fail(err, arg, F("options"), "invalid", "at most 10 options "
		    "(size, colour, ...)");
	json_object_foreach(opts, key, v) {
		if (strlen(key) == 0 || strlen(key) > 50 || !clean(key, false) ||
		    !json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > 100 ||
		    !clean(json_string_value(v), false)) {
			fail(err, arg, F("options"), "invalid", "must map option "
			    "names to values, such as {\"size\": \"M\"}");
			break;
		}
	}
	for (i = 0; kind != NULL && i < 3; i++) {
		if (service && json_object_get(body, product_only[i]) != NULL)
			fail(err, arg, F(product_only[i]), "invalid", "is for "
			    "products, not services");
		if (!service && json_object_get(body, service_only[i]) != NULL)
			fail(err, arg, F(service_only[i]), "invalid", "is for "
			    "services, not products");
	}
	if (create && service && json_object_get(body, "duration_minutes") ==
	    NULL)
		fail(err, arg, F("duration_minutes"), "required", "is required "
		    "for a service");
	json_array_foreach(json_object_get(body, "service_pincodes"), i, v) {
		if (!pincode_valid(json_string_value(v))) {
			fail(err, arg, F("service_pincodes"), "invalid", "must "
			    "be pincodes (6 digits, not starting with 0)");
			break;
		}
	}
#undef F
}

/* --- attributes ---------------------------------------------------------- */

struct listing_attr {
	char	*code;
	char	*type;
	json_t	*options;	/* enums: the allowed values */
	bool	 required;
};

struct listing_attrs {
	size_t			 n;
	struct listing_attr	*a;
};

struct listing_attrs *
listing_attrs_load(struct db *db, int64_t category, bool *missing)
{
	char			 id[24];
	const char		*params[1] = { id };
	struct listing_attrs	*la;
	PGresult		*res;
	int			 i, n;

	snprintf(id, sizeof id, "%lld", (long long)category);
	*missing = false;
	if ((res = db_exec(db, &listing_stmts[STMT_ATTRIBUTES], 1, params)) ==
	    NULL)
		return NULL;
	la = xcalloc(1, sizeof *la);
	if ((n = PQntuples(res)) == 0)
		*missing = true;
	la->a = xcalloc((size_t)n + 1, sizeof *la->a);
	for (i = 0; i < n; i++) {
		if (PQgetisnull(res, i, 0))
			continue;
		la->a[la->n].code = xstrdup(PQgetvalue(res, i, 0));
		la->a[la->n].type = xstrdup(PQgetvalue(res, i, 1));
		if (!PQgetisnull(res, i, 2))
			la->a[la->n].options = json_loads(PQgetvalue(res, i, 2),
			    0, NULL);
		la->a[la->n].required = PQgetvalue(res, i, 3)[0] == 't';
		la->n++;
	}
	PQclear(res);
	return la;
}

void
listing_attrs_free(struct listing_attrs *la)
{
	size_t	i;

	if (la == NULL)
		return;
	for (i = 0; i < la->n; i++) {
		free(la->a[i].code);
		free(la->a[i].type);
		json_decref(la->a[i].options);
	}
	free(la->a);
	free(la);
}

static const struct listing_attr *
attr_find(const struct listing_attrs *la, const char *code)
{
	size_t	i;

	for (i = 0; i < la->n; i++) {
		if (strcmp(la->a[i].code, code) == 0)
			return &la->a[i];
	}
	return NULL;
}

static bool
option_in(json_t *options, const char *s)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(options, i, v) {
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

void
listing_attrs_check(const struct listing_attrs *la, json_t *values,
    bool complete, jsonv_error_cb err, void *arg)
{
	const struct listing_attr	*a;
	const char			*code;
	char				 f[96];
	json_t				*v;
	size_t				 i;

	json_object_foreach(values, code, v) {
		snprintf(f, sizeof f, "attributes.%.60s", code);
		if ((a = attr_find(la, code)) == NULL) {
			fail(err, arg, f, "unknown", "is not an attribute of "
			    "this category");
			continue;
		}
		if (strcmp(a->type, "text") == 0 && (!json_is_string(v) ||
		    json_string_length(v) == 0 || json_string_length(v) > 500 ||
		    !clean(json_string_value(v), false)))
			fail(err, arg, f, "type", "must be text of one line, at "
			    "most 500 characters");
		else if (strcmp(a->type, "number") == 0 && !json_is_number(v))
			fail(err, arg, f, "type", "must be a number");
		else if (strcmp(a->type, "boolean") == 0 && !json_is_boolean(v))
			fail(err, arg, f, "type", "must be true or false");
		else if (strcmp(a->type, "enum") == 0 && (!json_is_string(v) ||
		    !option_in(a->options, json_string_value(v))))
			fail(err, arg, f, "option", "must be one of the "
			    "attribute's options");
	}
	for (i = 0; complete && i < la->n; i++) {
		if (la->a[i].required && json_object_get(values,
		    la->a[i].code) == NULL) {
			snprintf(f, sizeof f, "attributes.%.60s", la->a[i].code);
			fail(err, arg, f, "required", "is required in this "
			    "category");
		}
	}
}

void
listing_attrs_coerce(const struct listing_attrs *la, json_t *values)
{
	const struct listing_attr	*a;
	const char			*code, *text;
	json_t				*v;
	char				*end;
	double				 d;
	void				*tmp;

	json_object_foreach_safe(values, tmp, code, v) {
		if ((a = attr_find(la, code)) == NULL ||
		    (text = json_string_value(v)) == NULL)
			continue;
		if (strcmp(a->type, "number") == 0) {
			d = strtod(text, &end);
			if (*text != '\0' && *end == '\0' && d > -1e15 &&
			    d < 1e15)
				json_object_set_new(values, code,
				    (double)(json_int_t)d == d ?
				    json_integer((json_int_t)d) : json_real(d));
		} else if (strcmp(a->type, "boolean") == 0) {
			if (strcmp(text, "true") == 0 || strcmp(text,
			    "yes") == 0 || strcmp(text, "1") == 0)
				json_object_set_new(values, code, json_true());
			else if (strcmp(text, "false") == 0 || strcmp(text,
			    "no") == 0 || strcmp(text, "0") == 0)
				json_object_set_new(values, code, json_false());
		}
	}
}

/* Runs a write whose body is JSON; *id gets column 0 when id. */
static bool
listing_write(struct db *db, int stmt, int64_t a, json_t *body, int64_t b,
    int64_t *id)
{
	char		 as[24], bs[24], *text;
	const char	*params[3] = { as, NULL, b > 0 ? bs : NULL };
	PGresult	*res;

	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("listing_write: json_dumps");
	snprintf(as, sizeof as, "%lld", (long long)a);
	snprintf(bs, sizeof bs, "%lld", (long long)b);
	params[1] = text;
	res = db_exec(db, &listing_stmts[stmt], stmt == STMT_INSERT ? 3 : 2,
	    params);
	free(text);
	if (res == NULL)
		return false;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return true;
}

bool
listing_insert(struct db *db, int64_t vendor, json_t *body, int64_t actor,
    int64_t *id)
{
	return listing_write(db, STMT_INSERT, vendor, body, actor, id);
}

bool
variant_insert(struct db *db, int64_t listing, json_t *body, int64_t actor,
    int64_t *id, bool *no_location)
{
	json_int_t	 units = json_integer_value(json_object_get(body,
			    "stock"));
	char		 vid[24];
	const char	*params[1] = { vid };
	PGresult	*res;
	int64_t		 location;
	int		 after;
	bool		 ok;

	*no_location = false;
	/* A copy without the stock: the caller's body stays whole. */
	body = json_copy(body);
	json_object_del(body, "stock");
	ok = listing_write(db, STMT_VARIANT_INSERT, listing, body, 0, id);
	json_decref(body);
	if (!ok || units <= 0)
		return ok;
	snprintf(vid, sizeof vid, "%lld", (long long)*id);
	if ((res = db_exec(db, &listing_stmts[STMT_FIRST_LOCATION], 1,
	    params)) == NULL)
		return false;
	location = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL,
	    10) : 0;
	PQclear(res);
	if ((*no_location = location == 0))
		return true;
	return stock_adjust(db, *id, location, "restock", (int)units,
	    "initial stock", actor, &after) == STOCK_OK;
}

bool
listing_moved(struct db *db, int64_t listing, int64_t vendor,
    const char *from, const char *to, int64_t actor, const char *role,
    const char *reason)
{
	char		 id[24], who[24], *data, *topic;
	const char	*params[6] = { id, from, to, actor > 0 ? who : NULL, role,
			    reason };
	PGresult	*res;
	bool		 ok;

	snprintf(id, sizeof id, "%lld", (long long)listing);
	snprintf(who, sizeof who, "%lld", (long long)actor);
	if ((res = db_exec(db, &listing_stmts[STMT_EVENT], 6, params)) == NULL)
		return false;
	PQclear(res);
	data = xasprintf("{\"id\":%s,\"vendor_id\":%lld,\"from\":%s%s%s,"
	    "\"status\":\"%s\"}", id, (long long)vendor, from != NULL ? "\"" :
	    "", from != NULL ? from : "null", from != NULL ? "\"" : "", to);
	topic = xasprintf("vendor:%lld", (long long)vendor);
	ok = events_publish(db, topic, "listing.status", data);
	/* The review queue changes when a listing enters or leaves it. */
	if (ok && (strcmp(to, "pending_review") == 0 || (from != NULL &&
	    strcmp(from, "pending_review") == 0)))
		ok = events_publish(db, "listings", "listing.status", data);
	free(topic);
	free(data);
	return ok;
}
