/*
 * products: what customers browse and search.
 *
 *	GET /v1/products		browse and search, with facets
 *	GET /v1/products/{id}		one product with its variants
 *	GET /v1/search/suggest		completions for a search box
 *
 * Customers see only active listings of active vendors.  A search is
 * PostgreSQL full text: the query goes through search_query() (migration
 * 0008), which matches each word as written, as its stem, as its synonyms
 * and, for a word no listing uses, as the nearest one that a listing does,
 * with the last word as a prefix.  Results are ranked by text relevance
 * blended with listing quality and the vendor's score; the other sorts
 * are price, newest, popularity and rating.  Pages are keyset: the cursor
 * is the sort key and id of the last row shown.
 *
 * Relevance ranks, and the first page's total and facet counts (categories,
 * brands, price ranges, attribute values) count, the pool: the
 * catalog_pool most popular matches, every match when there are no more
 * (total_exact says which).  A broad search thus costs what its pool
 * does, not what its tens of thousands of matches would; one expected to
 * match several pools' worth reads its pool among its most popular
 * matches only when they are enough (migration 0037's index of words
 * with marks of popularity, popularity.h's statistics).  The other sorts
 * page through every match.  All of it is one statement; the cards and
 * the facets' JSON come from functions with plans of their own
 * (migration 0031), the cards kept ready with the products' documents
 * (0035).  What a list reads of a listing's vendor (status, score) is
 * copied on the listing (0034).  A list not kept in memory is made by
 * one of the server's workers (req_offload), not on the loop that read
 * it.  A list within a category that filters only by what a listing's
 * row says (no words, stock or place) is made, the same, from the
 * category's rows kept in memory (rowset.h, products_rows): PostgreSQL
 * is then asked only for the page's cards and the facets' names.
 * Each combination of filters is its own statement text, prepared once per
 * connection (db_exec_shaped): client values only ever travel as
 * parameters.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "cache.h"
#include "config.h"
#include "log.h"
#include "num.h"
#include "page.h"
#include "popularity.h"
#include "req.h"
#include "rowset.h"

#define PRODUCTS_MAX_LIMIT	100
#define PRODUCTS_MAX_BRANDS	20
#define PRODUCTS_MAX_ATTRS	10
#define PRODUCTS_MAX_VALUES	20
#define PRODUCTS_MAX_QUERY	1000
#define PRODUCTS_MAX_PARAMS	64
/*
 * A broad search reads its pool among its matches at least as popular
 * as this many pools' worth of them would be, were PostgreSQL's
 * estimate of its matches right (it can be some three times off either
 * way), when that is at most this share of the listings (above it, the
 * pool would be read among too many to be worth the risk of reading
 * all the matches after).
 */
#define PRODUCTS_POPULAR_POOLS	4.0
#define PRODUCTS_POPULAR_SHARE	0.7

/*
 * Stock that can be bought, in an open store or warehouse, as a filter
 * over listing l (product_cards() of migration 0035 says it of each
 * card): OFFSET 0 keeps PostgreSQL from answering it by hashing every
 * variant in stock (all of them, for each search) rather than looking up
 * the listings' own.
 */
#define PRODUCT_IN_STOCK_FILTER						\
	"(l.kind = 'service' OR EXISTS (SELECT 1 FROM variants x JOIN "	\
	"stock s ON s.variant_id = x.id JOIN stock_locations sl ON sl.id = " \
	"s.location_id AND sl.active WHERE x.listing_id = l.id AND "	\
	"x.status = 'active' AND s.available > 0 OFFSET 0))"

static const struct db_stmt product_stmts[] = {
	{ "product_query", "SELECT search_query($1)::text" },
	/* The types of the attributes a filter names. */
	{ "product_attr_types",
	  "SELECT code, type FROM attributes WHERE code = ANY ($1::text[])" },
	/*
	 * One product: its JSON as migration 0028 keeps it (product_docs,
	 * a row per live listing, so that an archived listing or a
	 * suspended vendor's is not found), a format() string into which
	 * goes what moves with stock: whether any unit can be bought, then
	 * each variant's available units, in stores and warehouses that are
	 * open.  The stock read is this listing's variants' rows with units
	 * (stock_in), each one's location by its key.  Starting a plan's
	 * nodes is most of what this statement costs: this is the plan with
	 * the fewest (migration 0028 says what else was tried).
	 */
	{ "product_get",
	  "SELECT format(d.doc, VARIADIC (EXISTS (SELECT FROM stock s"
	  " WHERE s.variant_id = ANY (d.variant_ids) AND s.available > 0"
	  " AND (SELECT sl.active FROM stock_locations sl"
	  " WHERE sl.id = s.location_id)))::text || ARRAY(SELECT"
	  " coalesce((SELECT sum(s.available) FROM stock s"
	  " WHERE s.variant_id = v.id AND s.available > 0"
	  " AND (SELECT sl.active FROM stock_locations sl"
	  " WHERE sl.id = s.location_id)), 0)::text"
	  " FROM unnest(d.variant_ids) WITH ORDINALITY v (id, i)"
	  " ORDER BY v.i))"
	  " FROM product_docs d WHERE d.listing_id = $1" },
	/*
	 * Completions: $1 the query lower-cased, $2 its last word as a
	 * prefix tsquery.  Titles of popular products that have the words,
	 * categories and brands whose names start with it or have a word
	 * that does.  The titles are looked for among the 1000 most popular
	 * listings first, in order: when 6 are there, they are the answer,
	 * found without reading every match of a common prefix.  Else the
	 * matches are few (or the catalogue small) and are all read, through
	 * the text index (OFFSET 0 keeps the planner from walking the
	 * popularity index instead, which would read the whole catalogue for
	 * a prefix nothing has).
	 */
	{ "product_suggest",
	  "WITH top AS (SELECT l.id, l.title, l.popularity FROM (SELECT id,"
	  "  title, popularity, search FROM listings"
	  "  WHERE status = 'active' AND vendor_live"
	  "  ORDER BY popularity DESC, id DESC LIMIT 1000) l"
	  "  WHERE l.search @@ $2::tsquery"
	  "  ORDER BY l.popularity DESC, l.id DESC LIMIT 6) "
	  "SELECT json_build_object("
	  " 'titles', coalesce(CASE WHEN (SELECT count(*) FROM top) = 6"
	  "  THEN (SELECT json_agg(title ORDER BY popularity DESC, id DESC)"
	  "  FROM top) ELSE (SELECT json_agg(t.title) FROM (SELECT l.title"
	  "  FROM listings l"
	  "  WHERE l.id IN (SELECT id FROM listings WHERE status = 'active'"
	  "  AND search @@ $2::tsquery OFFSET 0)"
	  "  AND l.status = 'active' AND l.vendor_live"
	  "  ORDER BY l.popularity DESC, l.id DESC LIMIT 6) t) END, '[]'),"
	  " 'categories', coalesce((SELECT json_agg(json_build_object('id',"
	  "  x.id, 'slug', x.slug, 'name', x.name)) FROM (SELECT c.id, c.slug,"
	  "  c.name FROM categories c WHERE lower(c.name) LIKE $1 || '%'"
	  "  OR lower(c.name) LIKE '% ' || $1 || '%'"
	  "  ORDER BY cardinality(c.path), c.name LIMIT 4) x), '[]'),"
	  " 'brands', coalesce((SELECT json_agg(json_build_object('id', x.id,"
	  "  'slug', x.slug, 'name', x.name)) FROM (SELECT b.id, b.slug, b.name"
	  "  FROM brands b WHERE lower(b.name) LIKE $1 || '%'"
	  "  OR lower(b.name) LIKE '% ' || $1 || '%'"
	  "  ORDER BY b.name LIMIT 4) x), '[]'))::text" },
	/*
	 * A page made from a category's rows (products_rows): the cards of
	 * listings $1 in order, and with facts $2 ([[category, brand, price
	 * range, attributes, listings], ...], JSON), the facets.
	 */
	{ "product_page",
	  "SELECT coalesce(product_cards($1::bigint[]), '[]')::text,"
	  " CASE WHEN $2::jsonb IS NOT NULL THEN product_facets(ARRAY("
	  "  SELECT ROW((e->>0)::bigint, (e->>1)::bigint, (e->>2)::int,"
	  "  CASE WHEN jsonb_typeof(e->3) = 'object' THEN e->3 END,"
	  "  (e->>4)::bigint)::product_fact"
	  "  FROM jsonb_array_elements($2::jsonb) e))::text END" },
	/*
	 * About how many listings there are, as the planner reckons (-1:
	 * never analyzed).
	 */
	{ "product_size",
	  "SELECT reltuples::float8 FROM pg_class"
	  " WHERE oid = 'listings'::regclass" },
};

enum { STMT_QUERY, STMT_ATTR_TYPES, STMT_GET, STMT_SUGGEST, STMT_PAGE,
	STMT_SIZE };

/* --- the search statement, built from its filters ------------------------ */

/* The keys lists sort by, as products_rows reads them off a row. */
enum product_key { KEY_RANK, KEY_PRICE, KEY_NEWEST, KEY_POPULARITY,
	KEY_RATING };

/*
 * A sort: its key (over listing l and vendor v), the key's SQL type and
 * the direction.
 */
static const struct product_sort {
	const char	*name;
	const char	*key;		/* NULL: the rank below */
	const char	*type;
	bool		 desc;
	enum product_key which;		/* the key, of a rowset's row */
} product_sorts[] = {
	{ "relevance", NULL, "float8", true, KEY_RANK },
	{ "price_asc", "l.price_min::numeric", "numeric", false, KEY_PRICE },
	{ "price_desc", "l.price_min::numeric", "numeric", true, KEY_PRICE },
	{ "newest", "round(extract(epoch FROM l.published_at) * 1000)",
	  "numeric", true, KEY_NEWEST },
	{ "popularity", "l.popularity::numeric", "numeric", true,
	  KEY_POPULARITY },
	{ "rating", "coalesce(l.rating_avg, 0)::numeric", "numeric", true,
	  KEY_RATING },
};

/*
 * Relevance: text rank (when searching: the tsquery is always parameter
 * $1), quality, the vendor's score (its copy on the listing, migration
 * 0034); float8 throughout, as every row of the pool is ranked.  Its
 * text (a cursor's key) reads back as the same float8.
 */
#define PRODUCT_RANK_Q							\
	"(0.6 * ts_rank(l.search, $1::tsquery, 32) + 0.25 * l.quality + " \
	"0.15 * l.vendor_score)"
#define PRODUCT_RANK	ROWSET_RANK

/* What a pool keeps of listing l (the key k aside). */
#define PRODUCT_POOL_COLUMNS						\
	"l.id, l.popularity, l.category_id, l.brand_id, l.price_min,"	\
	" l.attributes_text"

struct search {
	struct req	*r;
	struct buf	 sql;
	const char	*params[PRODUCTS_MAX_PARAMS];
	char		*owned[PRODUCTS_MAX_PARAMS];
	int		 n;
	bool		 in_category;	/* a category_id filter is set */
	/*
	 * The attribute filters, typed: {code: [value, ...]}, each code
	 * to have one of its values.
	 */
	json_t		*attr_want;
	/*
	 * How listing l reaches its vendor v, for the filters that need
	 * more of the vendor than its copies on the listing (0034): "" or
	 * a JOIN.
	 */
	const char	*join;
};

/*
 * Filters as the index of the listings' words with their popularity's
 * marks reads them (migration 0037): each test of l.search, of its words
 * there.
 */
static char *
search_popular_filters(const char *filters)
{
	static const char	 from[] = "l.search @@ ";
	static const char	 to[] = "listing_search_popular(l.search,"
				    " l.popularity) @@ ";
	struct buf		 b;
	const char		*p, *q;

	buf_init(&b, 0);
	for (p = filters; (q = strstr(p, from)) != NULL; p = q + sizeof from -
	    1)
		if (!buf_add(&b, p, (size_t)(q - p)) || !buf_adds(&b, to))
			fatalx("products: buffer");
	if (!buf_adds(&b, p))
		fatalx("products: buffer");
	return buf_take(&b, NULL);
}

/* Adds a parameter (copied) and returns its number. */
static int
search_param(struct search *s, const char *value)
{
	if (s->n == PRODUCTS_MAX_PARAMS)
		fatalx("products: too many parameters");
	s->owned[s->n] = value != NULL ? xstrdup(value) : NULL;
	s->params[s->n] = s->owned[s->n];
	return ++s->n;
}

static void
search_add(struct search *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
search_add(struct search *s, const char *fmt, ...)
{
	va_list	 ap;
	char	*text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		fatalx("products: vasprintf");
	va_end(ap);
	if (!buf_adds(&s->sql, text))
		fatalx("products: buffer");
	free(text);
}

static void
search_free(struct search *s)
{
	int	i;

	for (i = 0; i < s->n; i++)
		free(s->owned[i]);
	buf_free(&s->sql);
	json_decref(s->attr_want);
}

/*
 * A comma-separated list of at most max ids as a PostgreSQL array
 * literal, and into ids[] (*n_out of them).
 */
static char *
search_id_list(struct req *r, const char *field, const char *s, int max,
    int64_t *ids, int *n_out)
{
	struct buf	 b;
	const char	*p = s, *e;
	int		 n = 0;
	int64_t		 id;
	char		 one[24];

	buf_init(&b, 0);
	if (!buf_adds(&b, "{"))
		fatalx("products: buffer");
	while (*p != '\0') {
		e = p + strcspn(p, ",");
		if ((size_t)(e - p) >= sizeof one)
			goto bad;
		memcpy(one, p, (size_t)(e - p));
		one[e - p] = '\0';
		if (!num_int64(one, 1, INT64_MAX, &id) || ++n > max)
			goto bad;
		ids[n - 1] = id;
		*n_out = n;
		if (!buf_printf(&b, "%s%lld", n > 1 ? "," : "", (long long)id))
			fatalx("products: buffer");
		p = *e == ',' ? e + 1 : e;
		if (*e == ',' && *p == '\0')
			goto bad;
	}
	if (n == 0)
		goto bad;
	if (!buf_adds(&b, "}"))
		fatalx("products: buffer");
	return buf_take(&b, NULL);
bad:
	req_field_error(r, field, "invalid", "must be 1 to %d ids, "
	    "comma-separated", max);
	buf_free(&b);
	return NULL;
}

/*
 * The attribute filters (attr.colour=red,blue&attr.wifi=true): each
 * attribute must match one of its values (containment, so the GIN index
 * on attributes serves it).  Values are typed by the attribute.
 */
static bool
search_attributes(struct search *s, struct db *db, json_t *attrs)
{
	struct buf	 codes;
	const char	*code, *params[1], *type, *p, *e;
	json_t		*v, *types = json_object(), *doc;
	char		*value, *text;
	PGresult	*res;
	int		 i, nvals;
	double		 d;
	bool		 ok = false, b, first;

	if (json_object_size(attrs) > PRODUCTS_MAX_ATTRS) {
		req_field_error(s->r, "attr", "invalid", "at most %d attribute "
		    "filters", PRODUCTS_MAX_ATTRS);
		json_decref(types);
		return false;
	}
	buf_init(&codes, 0);
	if (!buf_adds(&codes, "{"))
		fatalx("products: buffer");
	json_object_foreach(attrs, code, v) {
		if (strlen(code) == 0 || strlen(code) > 50 || strspn(code,
		    "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(code)) {
			req_field_error(s->r, "attr", "invalid", "attribute "
			    "codes are lower-case letters, digits and _");
			goto out;
		}
		if (!buf_printf(&codes, "%s%s", codes.len > 1 ? "," : "",
		    code))
			fatalx("products: buffer");
	}
	if (!buf_adds(&codes, "}"))
		fatalx("products: buffer");
	params[0] = codes.data;
	if ((res = db_exec(db, &product_stmts[STMT_ATTR_TYPES], 1, params)) ==
	    NULL) {
		req_db_problem(s->r, db);
		goto out;
	}
	for (i = 0; i < PQntuples(res); i++)
		json_object_set_new(types, PQgetvalue(res, i, 0),
		    json_string(PQgetvalue(res, i, 1)));
	PQclear(res);
	json_object_foreach(attrs, code, v) {
		char	field[64];

		snprintf(field, sizeof field, "attr.%s", code);
		if ((type = json_string_value(json_object_get(types, code))) ==
		    NULL) {
			req_field_error(s->r, field, "unknown", "is not an "
			    "attribute");
			continue;
		}
		search_add(s, " AND (");
		first = true;
		nvals = 0;
		for (p = json_string_value(v); ; p = e + 1) {
			e = p + strcspn(p, ",");
			value = xstrndup(p, (size_t)(e - p));
			doc = NULL;
			if (strcmp(type, "number") == 0) {
				char	*end;

				d = strtod(value, &end);
				if (*value != '\0' && *end == '\0' &&
				    isfinite(d))
					doc = json_real(d);
				/* Whole numbers match as integers. */
				if (doc != NULL && d > -1e15 && d < 1e15 &&
				    (double)(json_int_t)d == d) {
					json_decref(doc);
					doc = json_integer((json_int_t)d);
				}
			} else if (strcmp(type, "boolean") == 0) {
				if (num_bool(value, &b))
					doc = json_boolean(b);
			} else if (*value != '\0')
				doc = json_string(value);
			free(value);
			if (doc == NULL || ++nvals > PRODUCTS_MAX_VALUES) {
				json_decref(doc);
				req_field_error(s->r, field, "invalid", "must be "
				    "1 to %d values of the attribute's type, "
				    "comma-separated", PRODUCTS_MAX_VALUES);
				break;
			}
			if (json_object_get(s->attr_want, code) == NULL)
				json_object_set_new(s->attr_want, code,
				    json_array());
			json_array_append(json_object_get(s->attr_want, code),
			    doc);
			doc = json_pack("{s:o}", code, doc);
			text = json_dumps(doc, JSON_COMPACT);
			json_decref(doc);
			/*
			 * Within a category, the attributes are read from
			 * the browse index (migration 0029) with the rest:
			 * IS TRUE keeps PostgreSQL from going through the
			 * attributes' own index instead, since it cannot
			 * tell how many listings have a value (for a common
			 * one, all of a category's rows would be read from
			 * the table, scattered).
			 */
			search_add(s, s->in_category ? "%s(l.attributes @> "
			    "$%d::jsonb) IS TRUE" : "%sl.attributes @> "
			    "$%d::jsonb", first ? "" : " OR ",
			    search_param(s, text));
			free(text);
			first = false;
			if (*e == '\0')
				break;
		}
		search_add(s, ")");
	}
	ok = !req_has_field_errors(s->r);
out:
	buf_free(&codes);
	json_decref(types);
	return ok;
}

/*
 * The sort key of a cursor: null (no key), or the key's text as the
 * statement gave it ("129900", "0.5634000000000001", "1e-05": exact,
 * where a number would lose digits on its way through a double), or,
 * from older cursors, an integer.
 */
static bool
search_cursor_key(const json_t *k)
{
	const char	*s = json_string_value(k), *p;
	double		 d;

	if (json_is_null(k) || json_is_integer(k))
		return true;
	if (s == NULL || strlen(s) == 0 || strlen(s) > 64)
		return false;
	p = s + (*s == '-');
	if (strspn(p, "0123456789") == 0)
		return false;
	p += strspn(p, "0123456789");
	if (*p == '.' && strspn(p + 1, "0123456789") > 0)
		p += 1 + strspn(p + 1, "0123456789");
	if (*p == 'e') {
		p += 1 + (p[1] == '-' || p[1] == '+');
		if (strspn(p, "0123456789") == 0)
			return false;
		p += strspn(p, "0123456789");
	}
	if (*p != '\0')
		return false;
	/* Within a float8's range (PostgreSQL refuses the rest). */
	errno = 0;
	d = strtod(s, NULL);
	return errno == 0 && isfinite(d);
}

/*
 * A query as a search box sends it: any text on one line (spaces around
 * it included; search_query() keeps only the words).
 */
static bool
search_query_valid(const char *q)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)q; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Parses "lat,lon"; false if it is not a point on the earth. */
static bool
search_point(const char *s, double *lat, double *lon)
{
	char	*end;

	*lat = strtod(s, &end);
	if (end == s || *end != ',')
		return false;
	s = end + 1;
	*lon = strtod(s, &end);
	return end != s && *end == '\0' && *lat >= -90 && *lat <= 90 &&
	    *lon >= -180 && *lon <= 180;
}

/*
 * The pool: its candidates (the matches but for stock, in popularity
 * order: between the two calls), and with in_stock, only those in stock,
 * asked of each in that order until the pool is full.  A broad search
 * in stock thus asks the stock of some pool's listings, not of every
 * match (grinder: 1,001 of 2,500).
 */
static void
search_pool_begin(struct search *s, bool stock_only)
{
	search_add(s, "pool AS MATERIALIZED (");
	if (stock_only)
		search_add(s, "SELECT l.id, l.popularity, l.category_id,"
		    " l.brand_id, l.price_min, l.attributes_text, l.k FROM (");
}

static void
search_pool_end(struct search *s, bool stock_only, int ppool)
{
	if (stock_only)
		search_add(s, " OFFSET 0) l WHERE " PRODUCT_IN_STOCK_FILTER
		    " ORDER BY l.popularity DESC, l.id DESC");
	search_add(s, " LIMIT $%d::int + 1), ", ppool);
}

/*
 * How a text search reads its pool.  Walking the listings from the most
 * popular reads about pool * size / matches rows, each costing (the text
 * matched row by row) some four times what a match read through the
 * indexes does: it wins when matches² > 4 * pool * size.  PostgreSQL
 * estimates the matches (from the filters, the first nfilter
 * parameters, with their values) and the size well; left to choose, it
 * walked for a word 2.5% of the catalogue has (48 ms against 4 for
 * reading the matches), its costs not counting the text matching.
 * Browsing without words is left to it: there it chooses well, and
 * asking first would cost more than it saves.  *rows_out is its estimate
 * of the matches (-1 when it could not say).
 */
enum search_way {
	WAY_UNKNOWN,	/* the database could not say */
	WAY_PLANNER,	/* as PostgreSQL sees fit */
	WAY_WALK,	/* from the most popular, until the pool is full */
	WAY_MATCHES	/* every match, then the most popular of them */
};

static enum search_way
search_way(struct search *s, struct db *db, const char *filters,
    int nfilter, double *rows_out)
{
	PGresult	*res;
	json_t		*plan;
	char		*sql;
	double		 size, rows;

	*rows_out = -1;
	if ((res = db_exec(db, &product_stmts[STMT_SIZE], 0, NULL)) == NULL)
		return WAY_UNKNOWN;
	size = PQntuples(res) == 1 ? strtod(PQgetvalue(res, 0, 0), NULL) : -1;
	PQclear(res);
	/* Never analyzed: the estimates would be guesses too. */
	if (size < 0)
		return WAY_PLANNER;
	sql = xasprintf("EXPLAIN (FORMAT JSON) SELECT 1 FROM listings l%s"
	    " WHERE %s", s->join, filters);
	res = db_query(db, sql, nfilter, s->params);
	free(sql);
	if (res == NULL)
		return WAY_UNKNOWN;
	plan = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	rows = json_number_value(json_object_get(json_object_get(
	    json_array_get(plan, 0), "Plan"), "Plan Rows"));
	json_decref(plan);
	*rows_out = rows;
	return rows * rows >= 4.0 * (double)api_config->catalog_pool * size ?
	    WAY_WALK : WAY_MATCHES;
}

/* --- a list made from a category's rows ---------------------------------- */

/*
 * What a list within a category asks of each listing (rowset.h), the
 * same as the statement's filters say it.
 */
struct row_filter {
	int64_t		 vendor;	/* 0: any */
	const int64_t	*brands;
	int		 nbrands;	/* 0: any */
	int64_t		 price_lo, price_hi;	/* -1: none */
	int64_t		 stars;		/* 0: any */
	json_t		*attrs;		/* {code: [value, ...]}, or empty */
	signed char	*memo;		/* per rowset attrs: 1 yes, -1 no */
};

/* Equal as jsonb says of two scalars (numbers by value). */
static bool
rows_value_equal(const json_t *a, const json_t *b)
{
	if (a == NULL || b == NULL)
		return false;
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_is_string(a) && json_is_string(b))
		return json_string_length(a) == json_string_length(b) &&
		    memcmp(json_string_value(a), json_string_value(b),
		    json_string_length(a)) == 0;
	if (json_is_boolean(a) && json_is_boolean(b))
		return json_is_true(a) == json_is_true(b);
	return false;
}

/* Whether attributes object has, for every code wanted, one of its values. */
static bool
rows_attrs_match(const json_t *object, const json_t *want)
{
	const char	*code;
	json_t		*values, *v;
	size_t		 i;
	bool		 any;

	json_object_foreach((json_t *)(uintptr_t)want, code, values) {
		any = false;
		json_array_foreach(values, i, v)
			if (rows_value_equal(json_object_get(object, code), v))
				any = true;
		if (!any)
			return false;
	}
	return true;
}

static bool
rows_match(const struct rowset *rs, struct row_filter *f,
    const struct rowset_row *row)
{
	int	i;

	if (f->vendor != 0 && row->vendor_id != f->vendor)
		return false;
	if (f->nbrands > 0) {
		for (i = 0; i < f->nbrands && row->brand_id != f->brands[i];
		    i++)
			;
		if (i == f->nbrands || row->brand_id == 0)
			return false;
	}
	if (f->price_lo >= 0 && (row->price_max < 0 ||
	    row->price_max < f->price_lo))
		return false;
	if (f->price_hi >= 0 && (row->price_min < 0 ||
	    row->price_min > f->price_hi))
		return false;
	if (f->stars > 0 && (row->rating < 0 || row->rating < f->stars * 100))
		return false;
	if (json_object_size(f->attrs) > 0) {
		const json_t	*object = rs->attrs[row->attrs].object;

		if (f->memo[row->attrs] == 0)
			f->memo[row->attrs] = object != NULL &&
			    rows_attrs_match(object, f->attrs) ? 1 : -1;
		if (f->memo[row->attrs] < 0)
			return false;
	}
	return true;
}

/* Row's sort key as *k; false when it has none (NULL: sorts last). */
static bool
rows_key(const struct product_sort *sort, const struct rowset_row *row,
    long double *k)
{
	switch (sort->which) {
	case KEY_RANK:
		*k = row->rank;
		return true;
	case KEY_PRICE:
		*k = (long double)row->price_min;
		return row->price_min >= 0;
	case KEY_NEWEST:
		*k = (long double)row->published;
		return row->published != INT64_MIN;
	case KEY_POPULARITY:
		*k = (long double)row->popularity;
		return true;
	case KEY_RATING:
		*k = row->rating < 0 ? 0 : row->rating / 100.0L;
		return true;
	}
	return false;
}

/* Whether a comes before b in sort's order (keys, NULLs last, then id). */
static bool
rows_before(const struct product_sort *sort, const struct rowset_row *a,
    const struct rowset_row *b)
{
	long double	ka = 0, kb = 0;
	bool		ha, hb;

	ha = rows_key(sort, a, &ka);
	hb = rows_key(sort, b, &kb);

	if (ha != hb)
		return ha;
	if (ha && ka != kb)
		return sort->desc ? ka > kb : ka < kb;
	return sort->desc ? a->id > b->id : a->id < b->id;
}

/* A cursor: after the row of key (has_key) k and id. */
struct rows_after {
	bool		 has_key;
	long double	 k;
	int64_t		 id;
};

/* Whether row comes after the cursor, as the statement's keyset says. */
static bool
rows_after(const struct product_sort *sort, const struct rows_after *a,
    const struct rowset_row *row)
{
	long double	k = 0;
	bool		has = rows_key(sort, row, &k);

	if (!a->has_key)
		return !has && (sort->desc ? row->id < a->id : row->id > a->id);
	if (!has)
		return true;
	if (k != a->k)
		return sort->desc ? k < a->k : k > a->k;
	return sort->desc ? row->id < a->id : row->id > a->id;
}

/*
 * Keeps the first n (of cap) rows in sort's order in best[], row among
 * them if it is one.
 */
static void
rows_keep(const struct product_sort *sort, const struct rowset_row **best,
    size_t *n, size_t cap, const struct rowset_row *row)
{
	size_t	i;

	if (*n == cap && !rows_before(sort, row, best[cap - 1]))
		return;
	i = *n < cap ? (*n)++ : cap - 1;
	for (; i > 0 && rows_before(sort, row, best[i - 1]); i--)
		best[i] = best[i - 1];
	best[i] = row;
}

/* A float8 as PostgreSQL writes it: the fewest digits that read back. */
static void
rows_float8_text(double d, char *out, size_t len)
{
	int	p, e;

	for (p = 1; p < 17; p++) {
		snprintf(out, len, "%.*g", p, d);
		if (strtod(out, NULL) == d)
			break;
	}
	snprintf(out, len, "%.*g", p, d);
	/* %g writes 1e+14 where PostgreSQL writes 100000000000000. */
	if (strchr(out, 'e') != NULL) {
		e = (int)strtol(strchr(out, 'e') + 1, NULL, 10);
		if (e >= -4 && e < 15)
			snprintf(out, len, "%.0f", d);
	}
}

/* Row's key as the statement writes it, for a cursor; NULL: none. */
static json_t *
rows_key_json(const struct product_sort *sort, const struct rowset_row *row)
{
	char	t[64];

	switch (sort->which) {
	case KEY_RANK:
		rows_float8_text(row->rank, t, sizeof t);
		break;
	case KEY_PRICE:
		if (row->price_min < 0)
			return json_null();
		snprintf(t, sizeof t, "%" PRId64, row->price_min);
		break;
	case KEY_NEWEST:
		if (row->published == INT64_MIN)
			return json_null();
		snprintf(t, sizeof t, "%" PRId64, row->published);
		break;
	case KEY_POPULARITY:
		snprintf(t, sizeof t, "%" PRId64, row->popularity);
		break;
	case KEY_RATING:
		if (row->rating < 0)
			snprintf(t, sizeof t, "0");
		else
			snprintf(t, sizeof t, "%d.%02d", row->rating / 100,
			    row->rating % 100);
		break;
	}
	return json_string(t);
}

/* Facet groups: rows of one category, brand, price range, attributes. */
static int
rows_fact_cmp(const void *a, const void *b)
{
	const struct rowset_row	*x = *(const struct rowset_row *const *)a;
	const struct rowset_row	*y = *(const struct rowset_row *const *)b;

	if (x->category_id != y->category_id)
		return x->category_id < y->category_id ? -1 : 1;
	if (x->brand_id != y->brand_id)
		return x->brand_id < y->brand_id ? -1 : 1;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->attrs < y->attrs ? -1 : x->attrs > y->attrs;
}

/*
 * The list of a category's rows rs, as products_made's statement would
 * make it (the same pool, page, cursor, total and facets), into out;
 * only the cards and the facets' names are asked of db.  False when db
 * failed.
 */
static bool
products_rows(struct db *db, const struct rowset *rs, struct row_filter *f,
    const struct product_sort *sort, int64_t limit, const json_t *after,
    struct buf *out)
{
	const struct rowset_row	**pool, **best, **m;
	const size_t		 npool_max = (size_t)api_config->catalog_pool;
	const bool		 facets = after == NULL;
	const bool		 pool_page = sort->which == KEY_RANK ||
				    (facets && sort->which == KEY_POPULARITY &&
				    limit < api_config->catalog_pool);
	struct rows_after	 a = { false, 0, 0 };
	struct buf		 ids, facts;
	const char		*params[2];
	PGresult		*res;
	json_t			*keys;
	char			*next = NULL;
	size_t			 i, j, npool = 0, nbest = 0, nm;
	size_t			 cap = (size_t)limit + 1;
	bool			 ok = false;

	f->memo = xcalloc(rs->nattrs > 0 ? rs->nattrs : 1, 1);
	pool = xcalloc((rs->n < npool_max ? rs->n : npool_max) + 1,
	    sizeof *pool);
	best = xcalloc(cap, sizeof *best);
	if (after != NULL) {
		const json_t	*k = json_array_get(after, 0);

		a.id = json_integer_value(json_array_get(after, 1));
		a.has_key = !json_is_null(k);
		if (json_is_integer(k))
			a.k = (long double)json_integer_value(k);
		else if (a.has_key && sort->which == KEY_RANK)
			a.k = strtod(json_string_value(k), NULL);
		else if (a.has_key)
			a.k = strtold(json_string_value(k), NULL);
	}
	/*
	 * The pool: the most popular matches, one more than it holds saying
	 * there were more.  The page: from the pool (relevance, the first
	 * page by popularity) or from every match.
	 */
	for (i = 0; i < rs->n; i++) {
		const struct rowset_row	*row = &rs->rows[i];

		if (!rows_match(rs, f, row))
			continue;
		if (npool <= npool_max)
			pool[npool++] = row;
		else if (pool_page)
			break;
		if (!pool_page && (after == NULL || rows_after(sort, &a, row)))
			rows_keep(sort, best, &nbest, cap, row);
	}
	nm = npool < npool_max ? npool : npool_max;
	m = pool;
	if (pool_page)
		for (i = 0; i < nm; i++)
			if (after == NULL || rows_after(sort, &a, m[i]))
				rows_keep(sort, best, &nbest, cap, m[i]);

	buf_init(&ids, 0);
	buf_init(&facts, 0);
	if (!buf_adds(&ids, "{"))
		fatalx("products: buffer");
	for (i = 0; i < nbest && i < (size_t)limit; i++)
		if (!buf_printf(&ids, "%s%" PRId64, i > 0 ? "," : "",
		    best[i]->id))
			fatalx("products: buffer");
	if (!buf_adds(&ids, "}"))
		fatalx("products: buffer");
	params[0] = ids.data;
	params[1] = NULL;
	if (facets) {
		const struct rowset_row	**g = xcalloc(nm > 0 ? nm : 1,
					    sizeof *g);

		memcpy(g, m, nm * sizeof *g);
		qsort(g, nm, sizeof *g, rows_fact_cmp);
		if (!buf_adds(&facts, "["))
			fatalx("products: buffer");
		for (i = 0; i < nm; i = j) {
			const char	*attrs = rs->attrs[g[i]->attrs].text;
			char		 brand[24], bucket[16];

			for (j = i + 1; j < nm && rows_fact_cmp(&g[i], &g[j]) ==
			    0; j++)
				;
			snprintf(brand, sizeof brand, "%" PRId64,
			    g[i]->brand_id);
			snprintf(bucket, sizeof bucket, "%d", g[i]->bucket);
			if (!buf_printf(&facts, "%s[%" PRId64 ",%s,%s,%s,%zu]",
			    i > 0 ? "," : "", g[i]->category_id,
			    g[i]->brand_id != 0 ? brand : "null",
			    g[i]->bucket >= 0 ? bucket : "null",
			    attrs != NULL ? attrs : "null", j - i))
				fatalx("products: buffer");
		}
		if (!buf_adds(&facts, "]"))
			fatalx("products: buffer");
		free(g);
		params[1] = facts.data;
	}
	if ((res = db_exec(db, &product_stmts[STMT_PAGE], 2, params)) == NULL)
		goto out;
	if (nbest > (size_t)limit) {
		keys = json_pack("[oI]", rows_key_json(sort, best[limit - 1]),
		    (json_int_t)best[limit - 1]->id);
		next = page_encode(keys);
		json_decref(keys);
	}
	if (!buf_printf(out, "{\"data\":%s,\"next\":", PQgetvalue(res, 0, 0)))
		fatalx("products: buffer");
	if (!(next != NULL ? buf_printf(out, "\"%s\"", next) :
	    buf_adds(out, "null")))
		fatalx("products: buffer");
	if (facets) {
		if (!buf_printf(out, ",\"total\":%zu,\"total_exact\":%s,"
		    "\"facets\":%s}", nm, npool <= npool_max ? "true" :
		    "false", PQgetvalue(res, 0, 1)))
			fatalx("products: buffer");
	} else if (!buf_adds(out, ",\"total\":null,\"total_exact\":null,"
	    "\"facets\":null}"))
		fatalx("products: buffer");
	PQclear(res);
	ok = true;
out:
	free(next);
	buf_free(&ids);
	buf_free(&facts);
	free(best);
	free(pool);
	free(f->memo);
	f->memo = NULL;
	return ok;
}

/*
 * A list not kept in memory (m says how to keep the one made), on one of
 * the server's workers (products_list).
 */
static void
products_made(struct req *r, void *arg)
{
	const char	*q = req_query(r, "q"), *category = req_query(r,
			    "category_id"), *vendor = req_query(r,
			    "vendor_id"), *brands = req_query(r, "brand_id"),
			*pincode = req_query(r, "pincode"), *near =
			    req_query(r, "near"), *sort_name = req_query(r,
			    "sort"), *in_stock = req_query(r, "in_stock"), *key;
	const struct product_sort *sort = NULL;
	struct cache_miss *m = arg;
	struct search	 s;
	struct db	*db;
	PGresult	*res = NULL;
	json_t		*after = NULL, *attrs = NULL, *keys;
	struct buf	 out;
	char		*brand_list = NULL, *tsq = NULL, *next = NULL, num[64];
	char		*filters = NULL, *filters_all = NULL;
	int64_t		 limit = 20, price_lo = -1, price_hi = -1, stars = 0;
	int64_t		 radius_km = 10, brand_ids[PRODUCTS_MAX_BRANDS];
	double		 lat = 0, lon = 0;
	size_t		 i, len;
	bool		 stock_only = false, facets, text, relevance, pool_page;
	bool		 from_all = false, popular_pool = false;
	int		 pq = 0, pafter_k = 0, pafter_id = 0, plimit, ppool = 0;
	int		 nfilter, nbrands = 0;

	memset(&s, 0, sizeof s);
	s.r = r;
	s.attr_want = json_object();
	buf_init(&s.sql, 0);
	buf_init(&out, 0);
	/* --- the filters ------------------------------------------------ */
	if (!req_query_int(r, "limit", 1, PRODUCTS_MAX_LIMIT, &limit) ||
	    !req_query_int(r, "price_min", 0, INT64_MAX / 2, &price_lo) ||
	    !req_query_int(r, "price_max", 0, INT64_MAX / 2, &price_hi) ||
	    !req_query_int(r, "rating_min", 1, 5, &stars) ||
	    !req_query_int(r, "radius_km", 1, 100, &radius_km))
		goto fail;
	if (req_query(r, "after") != NULL && (after = page_decode(req_query(r,
	    "after"), 2)) == NULL) {
		req_field_error(r, "after", "cursor", "is not a cursor this "
		    "list returned");
		goto fail;
	}
	if (after != NULL && (!search_cursor_key(json_array_get(after, 0)) ||
	    !json_is_integer(json_array_get(after, 1)))) {
		req_field_error(r, "after", "cursor", "is not a cursor this "
		    "list returned");
		goto fail;
	}
	if (q != NULL && (strlen(q) > PRODUCTS_MAX_QUERY ||
	    !search_query_valid(q)))
		req_field_error(r, "q", "invalid", "must be a line of at most "
		    "%d bytes", PRODUCTS_MAX_QUERY);
	/* Nothing typed in the search box is no search. */
	else if (q != NULL && q[strspn(q, " ")] == '\0')
		q = NULL;
	for (i = 0; sort_name != NULL && i < API_NELEM(product_sorts); i++)
		if (strcmp(sort_name, product_sorts[i].name) == 0)
			sort = &product_sorts[i];
	if (sort_name != NULL && sort == NULL)
		req_field_error(r, "sort", "invalid", "must be relevance, "
		    "price_asc, price_desc, newest, popularity or rating");
	if (sort == NULL)
		sort = &product_sorts[0];
	if (category != NULL && !router_valid_id(category, strlen(category)))
		req_field_error(r, "category_id", "invalid", "must be a "
		    "category id");
	if (vendor != NULL && !router_valid_id(vendor, strlen(vendor)))
		req_field_error(r, "vendor_id", "invalid", "must be a vendor "
		    "id");
	if (brands != NULL)
		brand_list = search_id_list(r, "brand_id", brands,
		    PRODUCTS_MAX_BRANDS, brand_ids, &nbrands);
	if (pincode != NULL && (strlen(pincode) != 6 || pincode[0] == '0' ||
	    strspn(pincode, "0123456789") != 6))
		req_field_error(r, "pincode", "invalid", "must be 6 digits, "
		    "not starting with 0");
	if (near != NULL && !search_point(near, &lat, &lon))
		req_field_error(r, "near", "invalid", "must be lat,lon (such "
		    "as 12.97,77.59)");
	if (req_query(r, "radius_km") != NULL && near == NULL)
		req_field_error(r, "radius_km", "invalid", "goes with near");
	if (in_stock != NULL && !num_bool(in_stock, &stock_only))
		req_field_error(r, "in_stock", "invalid", "must be true or "
		    "false");
	if (price_lo >= 0 && price_hi >= 0 && price_lo > price_hi)
		req_field_error(r, "price_max", "range", "must not be less "
		    "than price_min");
	if (req_has_field_errors(r))
		goto fail;
	if ((db = req_db(r)) == NULL)
		goto out;
	/*
	 * Planned once per connection: a list's statement text fixes its
	 * plan (search_way chooses, with the values, where it matters),
	 * but PostgreSQL's estimates for it move with the values, and left
	 * to choose it planned the statement again at every run: 1 ms of a
	 * category list's 2.5.  search_query()'s statements likewise.
	 * Workers run nothing but these lists (a loop runs one only while
	 * the server stops, its connection closed soon after).
	 */
	if (!db_plan_generic(db)) {
		req_db_problem(r, db);
		goto out;
	}

	/* --- the query's words --------------------------------------------- */
	text = false;
	if (q != NULL) {
		const char	*params[1] = { q };

		if ((res = db_exec(db, &product_stmts[STMT_QUERY], 1,
		    params)) == NULL) {
			req_db_problem(r, db);
			goto out;
		}
		if (!PQgetisnull(res, 0, 0) && PQgetvalue(res, 0, 0)[0] !=
		    '\0') {
			tsq = xstrdup(PQgetvalue(res, 0, 0));
			text = true;
		}
		PQclear(res);
		res = NULL;
		/* A query of no words (punctuation only) matches nothing. */
		if (!text) {
			static const char none[] = "{\"data\":[],\"next\":null,"
			    "\"total\":0,\"total_exact\":true,\"facets\":null}";

			cache_keep(m, none, sizeof none - 1);
			req_reply_json_text(r, 200, none, sizeof none - 1);
			goto out;
		}
	}
	if (text && (pq = search_param(&s, tsq)) != 1)
		fatalx("products: the tsquery must be $1");
	if (text && strcmp(sort->name, "relevance") == 0)
		key = PRODUCT_RANK_Q;
	else if (strcmp(sort->name, "relevance") == 0)
		key = PRODUCT_RANK;
	else
		key = sort->key;

	/*
	 * The filters: every list reads the listings they let through
	 * (listing l; its vendor v only for where it delivers, the rest is
	 * copied on the listing), as the pool below and, sorted otherwise
	 * than by relevance, as the page.
	 */
	s.join = pincode != NULL || near != NULL ?
	    " JOIN vendors v ON v.id = l.vendor_id" : "";
	search_add(&s, "l.status = 'active' AND l.vendor_live");
	if (text)
		search_add(&s, " AND l.search @@ $%d::tsquery", pq);
	if (category != NULL) {
		int	pc = search_param(&s, category);

		/*
		 * Within a category, the words' index finds the matches
		 * there itself, by the category's mark in their words
		 * (migration 0036); the filter after it is the truth.
		 */
		if (text)
			search_add(&s, " AND l.search @@ format("
			    "''' category %%s''', $%d::bigint)::tsquery", pc);
		search_add(&s, " AND l.category_id IN (SELECT id FROM categories"
		    " WHERE path @> ARRAY[$%d::bigint])", pc);
	}
	if (vendor != NULL)
		search_add(&s, " AND l.vendor_id = $%d::bigint",
		    search_param(&s, vendor));
	if (brand_list != NULL)
		search_add(&s, " AND l.brand_id = ANY ($%d::bigint[])",
		    search_param(&s, brand_list));
	if (price_lo >= 0) {
		snprintf(num, sizeof num, "%lld", (long long)price_lo);
		search_add(&s, " AND l.price_max >= $%d::bigint",
		    search_param(&s, num));
	}
	if (price_hi >= 0) {
		snprintf(num, sizeof num, "%lld", (long long)price_hi);
		search_add(&s, " AND l.price_min <= $%d::bigint",
		    search_param(&s, num));
	}
	if (stars > 0) {
		snprintf(num, sizeof num, "%lld", (long long)stars);
		search_add(&s, " AND l.rating_avg >= $%d::numeric",
		    search_param(&s, num));
	}
	if (pincode != NULL) {
		int	p = search_param(&s, pincode);

		/*
		 * The vendor's area: its pincodes, its radius around it
		 * (pincode areas with a location), its own pincode when it
		 * states no area.  A product goes where its vendor delivers;
		 * a service variant that states its own area (pincodes, a
		 * radius around the vendor) goes there instead, one that
		 * does not goes where its vendor does.
		 */
		search_add(&s, " AND (((l.kind = 'product' OR EXISTS (SELECT 1"
		    "  FROM variants x WHERE x.listing_id = l.id AND"
		    "  x.status = 'active' AND cardinality(x.service_pincodes) = 0"
		    "  AND x.service_radius_m IS NULL))"
		    " AND ($%d = ANY (v.service_pincodes)"
		    "  OR (cardinality(v.service_pincodes) = 0 AND"
		    "   v.service_radius_m IS NULL AND v.pincode = $%d)"
		    "  OR (v.service_radius_m IS NOT NULL AND EXISTS (SELECT 1"
		    "   FROM regions g WHERE g.pincode = $%d AND g.lat IS NOT NULL"
		    "   AND earth_distance(ll_to_earth(v.lat, v.lon),"
		    "   ll_to_earth(g.lat, g.lon)) <= v.service_radius_m))))"
		    " OR (l.kind = 'service' AND EXISTS (SELECT 1 FROM variants x"
		    "  WHERE x.listing_id = l.id AND x.status = 'active' AND"
		    "  ($%d = ANY (x.service_pincodes) OR (x.service_radius_m IS NOT"
		    "  NULL AND v.lat IS NOT NULL AND EXISTS (SELECT 1 FROM regions"
		    "  g WHERE g.pincode = $%d AND g.lat IS NOT NULL AND"
		    "  earth_distance(ll_to_earth(v.lat, v.lon), ll_to_earth(g.lat,"
		    "  g.lon)) <= x.service_radius_m))))))", p, p, p, p, p);
	}
	if (near != NULL) {
		int	plat, plon, pr;

		snprintf(num, sizeof num, "%.6f", lat);
		plat = search_param(&s, num);
		snprintf(num, sizeof num, "%.6f", lon);
		plon = search_param(&s, num);
		snprintf(num, sizeof num, "%lld", (long long)radius_km * 1000);
		pr = search_param(&s, num);
		search_add(&s, " AND v.lat IS NOT NULL AND earth_box(ll_to_earth("
		    "$%d::float8, $%d::float8), $%d::float8) @> ll_to_earth("
		    "v.lat, v.lon) AND earth_distance(ll_to_earth($%d::float8,"
		    " $%d::float8), ll_to_earth(v.lat, v.lon)) <= $%d::float8",
		    plat, plon, pr, plat, plon, pr);
	}
	attrs = req_query_prefixed(r, "attr.");
	s.in_category = category != NULL;
	if (json_object_size(attrs) > 0 && !search_attributes(&s, db, attrs)) {
		if (req_has_field_errors(r))
			goto fail;
		goto out;
	}
	filters = buf_take(&s.sql, NULL);
	buf_init(&s.sql, 0);
	/*
	 * Within a category, by what a listing's row says: made from the
	 * category's rows in memory when they are there (rowset.h).
	 */
	if (!text && category != NULL && pincode == NULL && near == NULL &&
	    !stock_only) {
		struct row_filter	 f;
		const struct rowset	*rs;
		int64_t			 cat_id;

		memset(&f, 0, sizeof f);
		f.price_lo = price_lo;
		f.price_hi = price_hi;
		f.stars = stars;
		f.attrs = s.attr_want;
		if (!num_int64(category, 1, INT64_MAX, &cat_id) ||
		    (vendor != NULL && !num_int64(vendor, 1, INT64_MAX,
		    &f.vendor)))
			fatalx("products: ids were checked");
		f.brands = brand_ids;
		f.nbrands = nbrands;
		if ((rs = rowset_get(db, cat_id)) != NULL) {
			bool	ok = products_rows(db, rs, &f, sort, limit,
				    after, &out);

			rowset_put(rs);
			if (!ok) {
				req_db_problem(r, db);
				goto out;
			}
			goto reply;
		}
	}
	/*
	 * In stock: a filter of every list but the pools, which take it
	 * last, on their candidates in order, until they are full (below).
	 */
	filters_all = stock_only ? xasprintf("%s AND %s", filters,
	    PRODUCT_IN_STOCK_FILTER) : xstrdup(filters);

	/*
	 * The pool: the most popular matches, at most catalog_pool of them
	 * (one more says whether there were more).  Relevance ranks the
	 * pool, and the first page's total and facets count it: a list of
	 * fewer matches is exact, a broad one (a word half the catalogue
	 * has) costs what its pool does, not what its matches do.  The
	 * other sorts page through every match.
	 */
	relevance = strcmp(sort->name, "relevance") == 0;
	facets = after == NULL;
	/*
	 * The first page by popularity is the pool's head, when the pool
	 * holds the page (and the row that says whether more follow).
	 */
	pool_page = relevance || (facets && strcmp(sort->name,
	    "popularity") == 0 && limit < api_config->catalog_pool);
	nfilter = s.n;
	snprintf(num, sizeof num, "%lld", (long long)limit);
	plimit = search_param(&s, num);
	search_add(&s, "WITH ");
	if (relevance || facets) {
		double		 matches = -1;
		enum search_way	way = text ? search_way(&s, db,
				    filters_all, nfilter, &matches) :
				    WAY_PLANNER;
		/*
		 * Every match read, a relevance is ranked as it is read, or
		 * in the pool only, each listing of the pool read again by
		 * its key.  A listing read again costs some nine times what
		 * ranking one being read does (16,000 instructions against
		 * 1,800): the pool only when there are more matches than
		 * eight pools.
		 */
		bool		 rank_late;
		/*
		 * A broad search: its pool read among its most popular
		 * matches (migration 0037's index), those at least as
		 * popular as popular, when there are more of them than the
		 * pool (PRODUCTS_POPULAR_POOLS).
		 */
		int64_t		 popular = -1;
		const double	 share = PRODUCTS_POPULAR_POOLS *
				    (double)(api_config->catalog_pool + 1) /
				    matches;

		if (way == WAY_MATCHES && pool_page && !stock_only &&
		    matches > 0 && share <= PRODUCTS_POPULAR_SHARE)
			popular = popularity_at(db, share);
		rank_late = way == WAY_MATCHES && popular <= 0 && relevance &&
		    matches > 8.0 * (double)api_config->catalog_pool;
		/*
		 * The page's key, where the pool reads a bounded number of
		 * rows (relevance's costs, popularity's does not).
		 */
		char		 nokey[32];
		const char	*k = pool_page ? key : nokey;

		snprintf(nokey, sizeof nokey, "NULL::%s", sort->type);

		snprintf(num, sizeof num, "%lld",
		    (long long)api_config->catalog_pool);
		ppool = search_param(&s, num);

		/*
		 * A first page sorted otherwise needs every match (the page)
		 * and the pool (the facets): both come from one reading of
		 * the matches (a), unless the pool is a walk.
		 */
		from_all = !pool_page && way != WAY_WALK &&
		    way != WAY_UNKNOWN;
		if (from_all)
			search_add(&s, "a AS MATERIALIZED (SELECT l.id,"
			    " l.popularity, l.category_id, l.brand_id, l.price_min,"
			    " l.attributes_text, %s AS k FROM listings l%s"
			    " WHERE %s), pool AS MATERIALIZED (SELECT * FROM a"
			    " ORDER BY popularity DESC, id DESC"
			    " LIMIT $%d::int + 1), ", key, s.join, filters_all,
			    ppool);
		else switch (way) {
		case WAY_UNKNOWN:
			req_db_problem(r, db);
			goto out;
		case WAY_PLANNER:
			search_pool_begin(&s, stock_only);
			search_add(&s, "SELECT l.id, l.popularity,"
			    " l.category_id, l.brand_id, l.price_min,"
			    " l.attributes_text, %s AS k%s FROM listings l%s"
			    " WHERE %s ORDER BY l.popularity DESC, l.id DESC",
			    k, stock_only ? ", l.kind" : "", s.join, filters);
			search_pool_end(&s, stock_only, ppool);
			break;
		case WAY_WALK:
			/* OFFSET 0: in the popularity index's order. */
			search_add(&s, "pool AS MATERIALIZED (SELECT l.id,"
			    " l.popularity, l.category_id, l.brand_id, l.price_min,"
			    " l.attributes_text, %s AS k FROM (SELECT * FROM"
			    " listings WHERE status = 'active' ORDER BY"
			    " popularity DESC, id DESC OFFSET 0) l%s WHERE %s"
			    " ORDER BY l.popularity DESC, l.id DESC"
			    " LIMIT $%d::int + 1), ", k, s.join, filters_all,
			    ppool);
			break;
		case WAY_MATCHES:
			if (popular > 0) {
				char	*pf = search_popular_filters(filters);
				int	 ppop;

				snprintf(num, sizeof num, "%" PRId64, popular);
				ppop = search_param(&s, num);
				/*
				 * t: the most popular matches, through the
				 * index of words with popularity marks
				 * (OFFSET 0: through the indexes, ranked as
				 * read).  The pool: t's when they are more
				 * than it, else every match's, read only
				 * then (a one-time filter).
				 */
				search_add(&s, "t AS MATERIALIZED (SELECT *"
				    " FROM (SELECT " PRODUCT_POOL_COLUMNS ","
				    " %s AS k FROM listings l%s WHERE %s AND"
				    " listing_search_popular(l.search,"
				    " l.popularity) @@ listing_popular_query("
				    "$%d::bigint) OFFSET 0) x ORDER BY"
				    " popularity DESC, id DESC LIMIT $%d::int"
				    " + 1), pool AS MATERIALIZED (SELECT *"
				    " FROM t WHERE (SELECT count(*) FROM t) >"
				    " $%d::int UNION ALL (SELECT * FROM"
				    " (SELECT " PRODUCT_POOL_COLUMNS ", %s"
				    " AS k FROM listings l%s WHERE %s"
				    " OFFSET 0) x WHERE (SELECT count(*) FROM"
				    " t) <= $%d::int ORDER BY popularity DESC,"
				    " id DESC LIMIT $%d::int + 1)), ", k,
				    s.join, pf, ppop, ppool, ppool, k,
				    s.join, filters, ppool, ppool);
				free(pf);
				popular_pool = true;
				break;
			}
			/*
			 * OFFSET 0: every match, through the indexes; ranked
			 * here, or when there are many of them (rank_late),
			 * the pool only, below.
			 */
			search_pool_begin(&s, stock_only);
			search_add(&s, "SELECT * FROM (SELECT l.id,"
			    " l.popularity, l.category_id, l.brand_id,"
			    " l.price_min, l.attributes_text, %s AS k%s FROM"
			    " listings l%s WHERE %s OFFSET 0) x"
			    " ORDER BY popularity DESC, id DESC",
			    rank_late ? nokey : k, stock_only ? ", l.kind" : "",
			    s.join, filters);
			search_pool_end(&s, stock_only, ppool);
			break;
		}
		/*
		 * The pool's rows, without the one past it; ranked here
		 * when there were many matches, each listing read by its
		 * key (LIMIT 1 keeps PostgreSQL from hashing the whole
		 * table for a join instead).
		 */
		if (rank_late)
			search_add(&s, "m AS MATERIALIZED (SELECT p.id,"
			    " p.popularity, p.category_id, p.brand_id,"
			    " p.price_min, p.attributes_text, r.k FROM"
			    " (SELECT * FROM pool ORDER BY popularity DESC,"
			    " id DESC LIMIT $%d::int) p, LATERAL (SELECT %s"
			    " AS k FROM listings l WHERE l.id = p.id LIMIT 1)"
			    " r), ",
			    ppool, key);
		else
			search_add(&s, "m AS MATERIALIZED (SELECT * FROM pool"
			    " ORDER BY popularity DESC, id DESC LIMIT $%d::int), ",
			    ppool);
	}
	/*
	 * Every (category, brand, price range, attributes) of the pool, for
	 * product_facets() (migration 0031).  The attributes are grouped as
	 * text (migration 0034): equal objects are equal texts, and hashing
	 * text costs a fraction of hashing jsonb.
	 */
	if (facets)
		search_add(&s, "f AS MATERIALIZED (SELECT category_id, brand_id,"
		    " width_bucket(price_min, product_price_bounds()) AS b,"
		    " attributes_text, count(*) AS n FROM m"
		    " GROUP BY 1, 2, 3, 4), ");

	/* --- the page -------------------------------------------------------- */
	/*
	 * Its rows, and one more that says whether more follow, numbered
	 * (rn) in the order chosen (no second sort).
	 */
	search_add(&s, "page AS (SELECT id, k, row_number() OVER (ORDER BY"
	    " k %s NULLS LAST, id %s) AS rn FROM (SELECT id, k FROM ",
	    sort->desc ? "DESC" : "ASC", sort->desc ? "DESC" : "ASC");
	if (pool_page)
		search_add(&s, "m");
	else if (from_all)
		search_add(&s, "a");
	else
		search_add(&s, "(SELECT l.id, %s AS k FROM listings l%s"
		    " WHERE %s) s", key, s.join, filters_all);
	if (after != NULL) {
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(
		    json_array_get(after, 1)));
		pafter_id = search_param(&s, num);
	}
	/* NULL keys (no price, never published) sort last. */
	if (after != NULL && json_is_null(json_array_get(after, 0)))
		search_add(&s, " WHERE k IS NULL AND id %s $%d::bigint",
		    sort->desc ? "<" : ">", pafter_id);
	else if (after != NULL) {
		json_t	*k = json_array_get(after, 0);
		char	*kv = json_is_string(k) ? xstrdup(json_string_value(k)) :
			    xasprintf("%" JSON_INTEGER_FORMAT,
			    json_integer_value(k));

		pafter_k = search_param(&s, kv);
		free(kv);
		search_add(&s, " WHERE (k %s $%d::%s OR (k = $%d::%s"
		    " AND id %s $%d::bigint) OR k IS NULL)", sort->desc ? "<" :
		    ">", pafter_k, sort->type, pafter_k, sort->type,
		    sort->desc ? "<" : ">", pafter_id);
	}
	search_add(&s, " ORDER BY k %s NULLS LAST, id %s LIMIT $%d::int + 1) x) ",
	    sort->desc ? "DESC" : "ASC", sort->desc ? "DESC" : "ASC", plimit);
	/* The cards: product_cards() of migration 0035. */
	search_add(&s, "SELECT coalesce(product_cards(ARRAY(SELECT id FROM page"
	    " WHERE rn <= $%d::int ORDER BY rn)), '[]')::text,"
	    " (SELECT json_build_array(p.k::text, p.id)::text FROM page p"
	    "  WHERE p.rn = $%d::int AND EXISTS (SELECT 1 FROM page"
	    "  WHERE rn > $%d::int)),", plimit, plimit, plimit);
	/* Facets on the first page only: the later pages share them. */
	if (facets)
		search_add(&s, " (SELECT coalesce(sum(n), 0) FROM f),"
		    " (SELECT product_facets(array_agg((category_id, brand_id,"
		    " b, attributes_text::jsonb, n)::product_fact))"
		    " FROM f)::text,"
		    " (SELECT count(*) FROM pool) <= $%d::int", ppool);
	else
		search_add(&s, " NULL::numeric, NULL::text, NULL::bool");
	/* Whether the most popular matches were enough (metrics). */
	if (popular_pool)
		search_add(&s, ", (SELECT count(*) FROM t) > $%d::int", ppool);

	if ((res = db_exec_shaped(db, s.sql.data, s.n, s.params)) == NULL) {
		req_db_problem(r, db);
		goto out;
	}
	if (popular_pool)
		popularity_count(PQgetvalue(res, 0, 5)[0] == 't');
	if (!PQgetisnull(res, 0, 1)) {
		keys = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
		next = page_encode(keys);
		json_decref(keys);
	}
	if (!buf_printf(&out, "{\"data\":%s,\"next\":", PQgetvalue(res, 0, 0)))
		fatalx("products: buffer");
	if (next != NULL) {
		if (!buf_printf(&out, "\"%s\"", next))
			fatalx("products: buffer");
	} else if (!buf_adds(&out, "null"))
		fatalx("products: buffer");
	if (!buf_printf(&out, ",\"total\":%s,\"total_exact\":%s,"
	    "\"facets\":%s}", facets ? PQgetvalue(res, 0, 2) : "null", !facets ?
	    "null" : PQgetvalue(res, 0, 4)[0] == 't' ? "true" : "false", facets ?
	    PQgetvalue(res, 0, 3) : "null"))
		fatalx("products: buffer");
reply:
	len = out.len;
	cache_keep(m, out.data, len);
	req_reply(r, 200, "application/json; charset=utf-8", buf_take(&out,
	    NULL), len);
	goto out;
fail:
	req_fail_fields(r);
out:
	cache_keep(m, NULL, 0);
	PQclear(res);
	free(next);
	free(tsq);
	free(filters);
	free(filters_all);
	free(brand_list);
	json_decref(after);
	json_decref(attrs);
	buf_free(&out);
	search_free(&s);
	free(m);
}

/*
 * GET /v1/products: from memory when kept, else made by a worker
 * (req_offload), as making one takes a few milliseconds of PostgreSQL's
 * time and should not hold the other requests of this loop meanwhile.
 */
static void
products_list(struct req *r)
{
	struct cache_miss	 miss = { NULL, 0 }, *m;

	if (cache_reply(r, &miss))
		return;
	m = xmalloc(sizeof *m);
	*m = miss;
	req_offload(r, products_made, m);
}


/*
 * Not kept in the catalogue cache: one indexed read costs less than the
 * round trip the cache needs to know it is current.
 */
static void
products_get(struct req *r)
{
	const char	*params[1] = { req_param(r, "id") };

	req_reply_row_deferred(r, &product_stmts[STMT_GET], 1, params, "product");
}

/*
 * The last word of q as a prefix tsquery, and the rest as words that
 * must be there: "samsung gal" → 'samsung' & 'gal':*.  Only letters,
 * digits and Devanagari survive, so the text is a safe tsquery; NULL
 * when q has no word.
 */
static char *
suggest_tsquery(const char *q)
{
	struct buf		 b;
	const unsigned char	*p = (const unsigned char *)q;
	size_t			 words = 0;
	bool			 in = false;

	buf_init(&b, 0);
	for (;; p++) {
		/* ASCII letters and digits, and any multibyte character. */
		bool	word = *p != '\0' && ((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') || (*p >= '0' &&
			    *p <= '9') || *p >= 0x80);

		if (word && !in) {
			if (words++ > 0 && !buf_adds(&b, " & "))
				fatalx("suggest: buffer");
			if (!buf_adds(&b, "'"))
				fatalx("suggest: buffer");
			in = true;
		}
		if (word) {
			char	c = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' +
				    'a' : *p);

			if (!buf_add(&b, &c, 1))
				fatalx("suggest: buffer");
		} else if (in) {
			if (!buf_adds(&b, "'"))
				fatalx("suggest: buffer");
			in = false;
		}
		if (*p == '\0' || words > 10)
			break;
	}
	if (words == 0) {
		buf_free(&b);
		return NULL;
	}
	if (!buf_adds(&b, ":*"))
		fatalx("suggest: buffer");
	return buf_take(&b, NULL);
}

static void
products_suggest(struct req *r)
{
	const char	*q = req_query(r, "q"), *params[2];
	char		*lower, *tsq, *p;
	struct cache_miss m;
	PGresult	*res;

	if (cache_reply(r, &m))
		return;
	if (q == NULL || strlen(q) == 0 || strlen(q) > 100 ||
	    strpbrk(q, "%_\\") != NULL || !api_check_line(r, "q", q)) {
		req_field_error(r, "q", "invalid", "must be 1 to 100 "
		    "characters without %%, _ or \\");
		req_fail_fields(r);
		cache_keep(&m, NULL, 0);
		return;
	}
	lower = xstrdup(q);
	for (p = lower; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if ((tsq = suggest_tsquery(q)) == NULL) {
		static const char none[] = "{\"titles\":[],\"categories\":[],"
		    "\"brands\":[]}";

		cache_keep(&m, none, sizeof none - 1);
		req_reply_json_text(r, 200, none, sizeof none - 1);
		free(lower);
		return;
	}
	params[0] = lower;
	params[1] = tsq;
	if ((res = req_exec(r, &product_stmts[STMT_SUGGEST], 2, params)) !=
	    NULL) {
		cache_keep(&m, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
		req_reply_json_text(r, 200, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
		PQclear(res);
	} else
		cache_keep(&m, NULL, 0);
	free(tsq);
	free(lower);
}

static const struct route product_routes[] = {
	{ "GET", "/v1/products", products_list, "q,category_id,vendor_id,"
	  "brand_id,price_min,price_max,rating_min,in_stock,pincode,near,"
	  "radius_km,attr.*,sort,limit,after", "public",
	  "browse and search products, with facets", 0 },
	{ "GET", "/v1/products/{id}", products_get, NULL, "public",
	  "one product with its variants and images", 0 },
	{ "GET", "/v1/search/suggest", products_suggest, "q", "public",
	  "completions for a search box", 0 },
};

const struct api_module products_module = {
	"products", product_routes, API_NELEM(product_routes),
	product_stmts, API_NELEM(product_stmts),
};
