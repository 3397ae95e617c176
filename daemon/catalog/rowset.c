#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "cache.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "num.h"
#include "rowset.h"
#include "xmalloc.h"

#define ROWSET_BUCKETS		256
/* What a distinct attributes object costs besides its text (parsed). */
#define ROWSET_ATTRS_COST	256
/* How long a category found too large is not loaded again. */
#define ROWSET_LARGE_SECS	600

/*
 * The listings of category $1 with everything under it, as
 * products.c's lists filter them (migration 0029's browse index holds
 * every column).  At most $2: one more says the category is too large.
 */
static const struct db_stmt rowset_stmts[] = {
	{ "rowset_load",
	  "SELECT l.id, l.category_id, l.brand_id, l.vendor_id, l.price_min,"
	  " l.price_max, l.popularity,"
	  " round(extract(epoch FROM l.published_at) * 1000), " ROWSET_RANK ","
	  " l.rating_avg, width_bucket(l.price_min, product_price_bounds()),"
	  " l.attributes_text FROM listings l"
	  " WHERE l.status = 'active' AND l.vendor_live AND l.category_id IN"
	  " (SELECT id FROM categories WHERE path @> ARRAY[$1::bigint])"
	  " LIMIT $2::int" },
};

enum {
	COL_ID, COL_CATEGORY, COL_BRAND, COL_VENDOR, COL_PRICE_MIN,
	COL_PRICE_MAX, COL_POPULARITY, COL_PUBLISHED, COL_RANK, COL_RATING,
	COL_BUCKET, COL_ATTRS
};

struct set {
	struct rowset		 pub;
	uint64_t		 gen;		/* the catalogue's, when read */
	size_t			 cost;
	int			 refs;		/* holders, table included */
	bool			 in_table;
	bool			 loading;
	time_t			 too_large;	/* when found so; 0: not */
	struct rowset_row	*rows;
	struct rowset_attrs	*attrs;
	struct set		*chain;		/* same bucket */
	struct set		*newer, *older;	/* recency */
};

static pthread_mutex_t	 rowset_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t		 rowset_cap;		/* 0: off */
static size_t		 rowset_used;
static uint64_t		 rowset_loads, rowset_kept;
static struct set	*rowset_table[ROWSET_BUCKETS];
static struct set	*rowset_newest, *rowset_oldest;

void
rowset_init(const struct config *c)
{
	db_register(rowset_stmts, sizeof rowset_stmts / sizeof rowset_stmts[0]);
	rowset_cap = c->catalog_cache > 0 ? c->catalog_rows : 0;
}

static struct set **
rowset_bucket(int64_t category)
{
	return &rowset_table[(uint64_t)category % ROWSET_BUCKETS];
}

static void
rowset_free(struct set *s)
{
	size_t	i;

	for (i = 0; i < s->pub.nattrs; i++) {
		free((char *)(uintptr_t)s->attrs[i].text);
		json_decref(s->attrs[i].object);
	}
	free(s->attrs);
	free(s->rows);
	free(s);
}

/* Drops one hold on s, rowset_mu held; the last frees it. */
static void
rowset_release(struct set *s)
{
	if (--s->refs == 0)
		rowset_free(s);
}

static void
rowset_unlink_recency(struct set *s)
{
	if (s->newer != NULL)
		s->newer->older = s->older;
	else
		rowset_newest = s->older;
	if (s->older != NULL)
		s->older->newer = s->newer;
	else
		rowset_oldest = s->newer;
	s->newer = s->older = NULL;
}

static void
rowset_link_newest(struct set *s)
{
	s->older = rowset_newest;
	s->newer = NULL;
	if (rowset_newest != NULL)
		rowset_newest->newer = s;
	rowset_newest = s;
	if (rowset_oldest == NULL)
		rowset_oldest = s;
}

/* Takes s out of the table (its holders keep it), rowset_mu held. */
static void
rowset_remove(struct set *s)
{
	struct set	**p;

	for (p = rowset_bucket(s->pub.category); *p != s; p = &(*p)->chain)
		;
	*p = s->chain;
	rowset_unlink_recency(s);
	rowset_used -= s->cost;
	s->in_table = false;
	rowset_release(s);
}

static struct set *
rowset_find(int64_t category)
{
	struct set	*s;

	for (s = *rowset_bucket(category); s != NULL; s = s->chain)
		if (s->pub.category == category)
			return s;
	return NULL;
}

/* An int64 column, none when NULL; *bad set when it is not one. */
static int64_t
rowset_int(const PGresult *res, int i, int col, int64_t none, bool *bad)
{
	int64_t	v;

	if (PQgetisnull(res, i, col))
		return none;
	if (!num_int64(PQgetvalue(res, i, col), INT64_MIN, INT64_MAX, &v)) {
		*bad = true;
		return none;
	}
	return v;
}

/*
 * A rating ("4.50": numeric(3,2), 1 to 5) in hundredths, -1 when none;
 * *bad set when it is not one.
 */
static int16_t
rowset_rating(const PGresult *res, int i, bool *bad)
{
	const char	*t = PQgetvalue(res, i, COL_RATING);
	int64_t		 whole, frac;
	char		 w[2] = { t[0], '\0' };

	if (PQgetisnull(res, i, COL_RATING))
		return -1;
	if (strlen(t) != 4 || t[1] != '.' || !num_int64(w, 0, 5, &whole) ||
	    !num_int64(t + 2, 0, 99, &frac)) {
		*bad = true;
		return -1;
	}
	return (int16_t)(whole * 100 + frac);
}

/* Most popular first, then the highest id, as the lists' pools. */
static int
rowset_cmp(const void *a, const void *b)
{
	const struct rowset_row	*x = a, *y = b;

	if (x->popularity != y->popularity)
		return x->popularity > y->popularity ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

enum rowset_loaded { LOAD_FAILED, LOAD_OK, LOAD_LARGE };

/*
 * Reads category's rows into s (not yet seen by others) and what they
 * cost into *cost: LOAD_FAILED on a database failure (db logs it) or a
 * row it cannot read, LOAD_LARGE when there are more than max_rows.
 * What s holds, rowset_free frees, whatever it returns.
 */
static enum rowset_loaded
rowset_load(struct db *db, struct set *s, size_t max_rows, size_t *cost)
{
	char		 cat[24], lim[24];
	const char	*params[2] = { cat, lim };
	PGresult	*res;
	json_t		*seen;
	size_t		 n, i, cap;
	bool		 bad = false;

	snprintf(cat, sizeof cat, "%" PRId64, s->pub.category);
	snprintf(lim, sizeof lim, "%zu", max_rows + 1);
	if ((res = db_exec(db, &rowset_stmts[0], 2, params)) == NULL)
		return LOAD_FAILED;
	n = (size_t)PQntuples(res);
	if (n > max_rows) {
		PQclear(res);
		return LOAD_LARGE;
	}
	s->rows = xcalloc(n > 0 ? n : 1, sizeof *s->rows);
	/* attrs[0]: listings without attributes (NULL). */
	seen = json_object();
	cap = 16;
	s->attrs = xcalloc(cap, sizeof *s->attrs);
	s->pub.nattrs = 1;
	*cost = sizeof *s + n * sizeof *s->rows;
	for (i = 0; i < n; i++) {
		struct rowset_row	*r = &s->rows[i];
		const char		*text;
		json_t			*k;

		r->id = rowset_int(res, (int)i, COL_ID, 0, &bad);
		r->category_id = rowset_int(res, (int)i, COL_CATEGORY, 0, &bad);
		r->brand_id = rowset_int(res, (int)i, COL_BRAND, 0, &bad);
		r->vendor_id = rowset_int(res, (int)i, COL_VENDOR, 0, &bad);
		r->price_min = rowset_int(res, (int)i, COL_PRICE_MIN, -1, &bad);
		r->price_max = rowset_int(res, (int)i, COL_PRICE_MAX, -1, &bad);
		r->popularity = rowset_int(res, (int)i, COL_POPULARITY, 0,
		    &bad);
		r->published = rowset_int(res, (int)i, COL_PUBLISHED,
		    INT64_MIN, &bad);
		r->rank = strtod(PQgetvalue(res, (int)i, COL_RANK), NULL);
		r->rating = rowset_rating(res, (int)i, &bad);
		r->bucket = (int16_t)rowset_int(res, (int)i, COL_BUCKET, -1,
		    &bad);
		if (PQgetisnull(res, (int)i, COL_ATTRS)) {
			r->attrs = 0;
			continue;
		}
		text = PQgetvalue(res, (int)i, COL_ATTRS);
		if ((k = json_object_get(seen, text)) != NULL) {
			r->attrs = (int32_t)json_integer_value(k);
			continue;
		}
		if (s->pub.nattrs == cap) {
			cap *= 2;
			s->attrs = xreallocarray(s->attrs, cap,
			    sizeof *s->attrs);
		}
		s->attrs[s->pub.nattrs].text = xstrdup(text);
		/* Numbers as doubles: no integer is too large for one. */
		if ((s->attrs[s->pub.nattrs].object = json_loads(text,
		    JSON_DECODE_INT_AS_REAL, NULL)) == NULL)
			bad = true;
		json_object_set_new(seen, text,
		    json_integer((json_int_t)s->pub.nattrs));
		*cost += strlen(text) + ROWSET_ATTRS_COST;
		r->attrs = (int32_t)s->pub.nattrs++;
	}
	json_decref(seen);
	PQclear(res);
	/* Never so, unless the schema changed under this code. */
	if (bad) {
		log_error("rowset: category %" PRId64 ": a listing's row is "
		    "not as this soukd reads it; its lists read the database",
		    s->pub.category);
		return LOAD_FAILED;
	}
	qsort(s->rows, n, sizeof *s->rows, rowset_cmp);
	s->pub.rows = s->rows;
	s->pub.attrs = s->attrs;
	s->pub.n = n;
	return LOAD_OK;
}

/* A new entry of category in the table (held by it), rowset_mu held. */
static struct set *
rowset_insert(int64_t category, uint64_t gen)
{
	struct set	*s = xcalloc(1, sizeof *s);

	s->pub.category = category;
	s->gen = gen;
	s->refs = 1;
	s->in_table = true;
	s->chain = *rowset_bucket(category);
	*rowset_bucket(category) = s;
	rowset_link_newest(s);
	return s;
}

const struct rowset *
rowset_get(struct db *db, int64_t category)
{
	struct set		*s, *o, *next;
	uint64_t		 gen;
	size_t			 cost = 0;
	enum rowset_loaded	 loaded;

	if (rowset_cap == 0 || !cache_current(&gen))
		return NULL;
	pthread_mutex_lock(&rowset_mu);
	s = rowset_find(category);
	/* Being loaded, or too large of late: the database. */
	if (s != NULL && (s->loading || (s->too_large != 0 &&
	    time(NULL) - s->too_large < ROWSET_LARGE_SECS))) {
		pthread_mutex_unlock(&rowset_mu);
		return NULL;
	}
	if (s != NULL && s->rows != NULL && s->gen == gen) {
		s->refs++;
		rowset_kept++;
		rowset_unlink_recency(s);
		rowset_link_newest(s);
		pthread_mutex_unlock(&rowset_mu);
		return &s->pub;
	}
	/*
	 * Read when a second list asks for them within one version of the
	 * catalogue: the first one reads the database and leaves a mark.
	 * A catalogue that changes between every two lists of a category
	 * thus costs them no more than without sets.
	 */
	if (s == NULL || s->rows != NULL || s->too_large != 0 ||
	    s->gen != gen) {
		if (s != NULL)
			rowset_remove(s);
		rowset_insert(category, gen);
		pthread_mutex_unlock(&rowset_mu);
		return NULL;
	}
	rowset_remove(s);
	/*
	 * Loaded here, under the version heard of before it is read: a
	 * change not heard of yet moves the version on when it is, and the
	 * set is loaded again then (only ever too early).  Meanwhile, the
	 * others read the database.  Held by the table and this thread.
	 */
	s = rowset_insert(category, gen);
	s->loading = true;
	s->refs++;
	pthread_mutex_unlock(&rowset_mu);

	loaded = rowset_load(db, s, rowset_cap / 4 / sizeof(struct rowset_row),
	    &cost);

	pthread_mutex_lock(&rowset_mu);
	s->loading = false;
	if (loaded != LOAD_OK) {
		if (loaded == LOAD_LARGE) {
			log_info("rowset: category %" PRId64 " has more "
			    "listings than a quarter of catalog_rows holds; "
			    "its lists read the database", category);
			s->too_large = time(NULL);
		}
		/* Failed: not kept.  Too large: kept as such, for a while. */
		if (loaded == LOAD_FAILED && s->in_table)
			rowset_remove(s);
		rowset_release(s);
		pthread_mutex_unlock(&rowset_mu);
		return NULL;
	}
	rowset_loads++;
	if (s->in_table) {
		s->cost = cost;
		rowset_used += cost;
		for (o = rowset_oldest; o != NULL &&
		    rowset_used > rowset_cap; o = next) {
			next = o->newer;
			/* Marks (no rows) free nothing, and would be lost. */
			if (o != s && !o->loading && o->cost > 0)
				rowset_remove(o);
		}
	}
	pthread_mutex_unlock(&rowset_mu);
	return &s->pub;
}

void
rowset_put(const struct rowset *pub)
{
	struct set	*s;

	if (pub == NULL)
		return;
	s = (struct set *)(uintptr_t)pub;
	pthread_mutex_lock(&rowset_mu);
	rowset_release(s);
	pthread_mutex_unlock(&rowset_mu);
}

void
rowset_stats(uint64_t *kept, uint64_t *loads, uint64_t *bytes)
{
	pthread_mutex_lock(&rowset_mu);
	*kept = rowset_kept;
	*loads = rowset_loads;
	*bytes = rowset_used;
	pthread_mutex_unlock(&rowset_mu);
}
