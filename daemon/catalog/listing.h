/*
 * listing: what makes a listing or a variant valid, shared by the listings
 * API and its CSV import, so that a row of a file is held to exactly what
 * a JSON body is.  Checks report each problem through a jsonv_error_cb
 * naming the field ("title", "variants[2].price", "attributes.colour"),
 * and change nothing: the caller decides whether to write.
 */
#ifndef SOUKD_LISTING_H
#define SOUKD_LISTING_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "jsonv.h"

struct db;

#define LISTING_MAX_VARIANTS	100
#define LISTING_MAX_TAGS	30

/* The fields a listing body may have, and a variant body. */
extern const struct jsonv_field listing_fields[];
extern const struct jsonv_field variant_fields[];

/*
 * Checks a listing body beyond its types (jsonv has done those): text
 * without control characters, a known kind, tags; on create, the required
 * fields.  Tags are lower-cased and trimmed in place.
 */
void	listing_check(json_t *body, bool create, jsonv_error_cb err,
	    void *arg);
/*
 * Checks a variant body for a listing of kind (product or service): SKU,
 * prices, options, the fields only services or only products have.  path
 * prefixes field names ("variants[0]." or "").
 */
void	variant_check(json_t *body, const char *kind, bool create,
	    const char *path, jsonv_error_cb err, void *arg);

/* The attributes a category allows, nearest category's rule first. */
struct listing_attrs;

/*
 * Loads category's attributes.  NULL on a database failure; *missing is
 * set when there is no such category.
 */
struct listing_attrs *listing_attrs_load(struct db *, int64_t category,
	    bool *missing);
void	listing_attrs_free(struct listing_attrs *);
/*
 * Checks attribute values ({"code": value}) against them: known codes,
 * values of the right type (text, number, one of an enum's options,
 * boolean), and, when complete, every required one present.
 */
void	listing_attrs_check(const struct listing_attrs *, json_t *values,
	    bool complete, jsonv_error_cb err, void *arg);

/*
 * Converts attribute values given as text (a CSV cell) to their types in
 * place: numbers and booleans ("true", "yes", "1") where the attribute
 * says so.  Values that do not convert are left for the check to refuse.
 */
void	listing_attrs_coerce(const struct listing_attrs *, json_t *values);

/*
 * Writes, inside the caller's transaction; false on a database failure.
 * listing_insert takes a checked listing body (no variants, no vendor_id)
 * and makes a draft.  variant_insert takes a checked variant body; its
 * "stock", if any, is put at the vendor's first open location through the
 * ledger (*no_location set, and nothing made, when the vendor has none).
 * listing_moved records a status change (from NULL: creation) in the
 * listing's history and tells those who watch: the vendor's people
 * (vendor:<id>) and, when it enters or leaves review, the moderators
 * (listings).
 */
bool	listing_insert(struct db *, int64_t vendor, json_t *body,
	    int64_t actor, int64_t *id) __attribute__((warn_unused_result));
bool	variant_insert(struct db *, int64_t listing, json_t *body,
	    int64_t actor, int64_t *id, bool *no_location)
	    __attribute__((warn_unused_result));
bool	listing_moved(struct db *, int64_t listing, int64_t vendor,
	    const char *from, const char *to, int64_t actor, const char *role,
	    const char *reason) __attribute__((warn_unused_result));

/* Registers the statements; before any connection. */
void	catalog_init(void);

#endif
