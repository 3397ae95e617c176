/*
 * catalog: fixtures the catalogue suites share (vendors, listings,
 * inventory, products).  Taxonomy is made through the API by an admin of
 * this test process; listings by their vendor's people, as a user would;
 * whatever a fixture makes has a name no other test uses.
 */
#ifndef SOUK_CATALOG_H
#define SOUK_CATALOG_H

#include <stdbool.h>

#include "harness.h"

#define API_N(a)	(sizeof (a) / sizeof (a)[0])

/* The admin this test process acts as (made on first use). */
struct test_user *cat_admin(void);

/*
 * A request as u (NULL: anonymous) whose status and OpenAPI shape are
 * asserted against the operation pattern; the caller frees the response.
 */
struct api_resp *cat_call(const struct test_user *u, const char *method,
	    const char *path, const char *pattern, long status,
	    const char *body);
/* The same with a formatted path, for the many /v1/x/{id} calls. */
struct api_resp *cat_callf(const struct test_user *u, const char *method,
	    const char *pattern, long status, const char *body,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* A request as u with a formatted path, nothing asserted. */
struct api_resp *cat_reqf(const struct test_user *u, const char *method,
	    const char *body, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* Members of a JSON object, 0 / NULL when missing. */
long	 jint(const json_t *, const char *key);
const char *jstr(const json_t *, const char *key);
/* Whether list (an array of objects) holds one with this id. */
bool	 jhas_id(const json_t *list, long id);

/* The first column of the first row of SQL as a number. */
long	 cat_long(const char *sql, int n, const char *const *params);
/* The same for SQL with one parameter, a number. */
long	 cat_long1(const char *sql, long param);

/* A word no other test uses (letters only: search keeps it whole). */
char	*cat_word(const char *prefix);

/*
 * A category (parent 0: top level) with a review rule ("none", "new",
 * "all"; NULL: as its parent says); returns its id.
 */
long	 cat_category(long parent, const char *review);
/* A brand named name plus a unique suffix (*made: the name given). */
long	 cat_brand(const char *name, char **made);
/* An attribute of type (options: a JSON array for enums); *code its code. */
long	 cat_attribute(const char *type, const char *options, bool facet,
	    char **code);
/* Allows the attributes in category (required or not), replacing its own. */
void	 cat_allow(long category, long attribute, bool required);

/*
 * A draft product listing as u in category, with one variant (a unique
 * SKU) at price and stock units at the vendor's first location; returns
 * its id and, if variant is not NULL, its variant's.
 */
long	 cat_listing(const struct test_user *u, long category,
	    const char *title, long price, int stock, long *variant);
/* The same, submitted: live at once in a category that needs no review. */
long	 cat_live(const struct test_user *u, long category, const char *title,
	    long price, int stock, long *variant);

/*
 * Sends method path (pattern: its operation) as u once for each field of
 * fields (NULL-terminated) and each value of a list of hostile JSON
 * values, the field set to the value in base (a JSON object); asserts
 * that each answer is ok (a 2xx status) or 400, 404 or 409 and matches
 * the OpenAPI document: no input gets a 5xx.
 */
void	 cat_fuzz(const struct test_user *u, const char *method,
	    const char *path, const char *pattern, const char *base,
	    const char *const *fields, long ok);

/* A SKU no other test uses. */
char	*cat_sku(void);

#endif
