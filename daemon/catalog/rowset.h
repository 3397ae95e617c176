/*
 * rowset: a category's live listings (with everything under it), as the
 * lists of GET /v1/products read them, kept in memory until the
 * catalogue changes.  A list within a category that filters only by
 * what a listing row says (brand, vendor, price, rating, attributes) is
 * then chosen, sorted and counted in soukd (products.c), and only its
 * page's cards and its facets' names are asked of PostgreSQL: reading
 * a category's rows costs PostgreSQL some two thousand instructions a
 * row, choosing among them here a few dozen.
 *
 * A set is current while the catalogue's version (cache.c, moved on by
 * every NOTIFY souk_catalog) is the one read before it was loaded.  A
 * category's set is loaded when a second list asks for it within one
 * version (the first reads the database), so a catalogue changing
 * between every two lists costs them no more than without sets.  Sets
 * are capped in memory (catalog_rows); the least recently used go
 * first, and a category too large for a quarter of the cap is never
 * kept.
 */
#ifndef SOUKD_ROWSET_H
#define SOUKD_ROWSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct config;
struct db;

/*
 * Relevance without words: the listing's quality and its vendor's score
 * (its copy on the listing, migration 0034), float8.
 */
#define ROWSET_RANK	"(0.6 * l.quality + 0.4 * l.vendor_score)"

/* A live listing as the lists read it. */
struct rowset_row {
	int64_t		 id;
	int64_t		 category_id;
	int64_t		 brand_id;	/* 0: none */
	int64_t		 vendor_id;
	int64_t		 price_min;	/* -1: none (no variant) */
	int64_t		 price_max;	/* -1: none */
	int64_t		 popularity;
	int64_t		 published;	/* ms since 1970; INT64_MIN: never */
	double		 rank;		/* ROWSET_RANK */
	int32_t		 attrs;		/* its attributes: rowset's attrs[] */
	int16_t		 rating;	/* hundredths of a star; -1: none */
	int16_t		 bucket;	/* price range (product_price_bounds()),
					   -1: no price */
};

/* Attributes as listings have them (equal texts share one). */
struct rowset_attrs {
	const char	*text;		/* attributes_text, or NULL */
	json_t		*object;	/* parsed, or NULL */
};

struct rowset {
	int64_t			 category;
	/* Most popular first (popularity, then id, descending). */
	const struct rowset_row	*rows;
	size_t			 n;
	const struct rowset_attrs *attrs;
	size_t			 nattrs;
};

/*
 * Registers the statement and reads the cap (catalog_rows; 0, or no
 * catalog_cache, keeps none).  Call before any connection.
 */
void	rowset_init(const struct config *);
/*
 * The current set of category's listings, loaded on db when it is not
 * kept, or NULL when there is none to use: none are kept, the category
 * is too large, another thread is loading it, or the database failed
 * (the caller then reads the database itself, and reports what failed
 * there).  Release it with rowset_put.
 */
const struct rowset *rowset_get(struct db *db, int64_t category);
void	rowset_put(const struct rowset *);
/*
 * Sets found kept and sets loaded by rowset_get, and the bytes kept
 * (metrics).
 */
void	rowset_stats(uint64_t *kept, uint64_t *loads, uint64_t *bytes);

#endif
