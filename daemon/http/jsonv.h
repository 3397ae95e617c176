/*
 * jsonv: checks a parsed JSON document against a table describing the
 * fields it may have, so that every handler refuses unknown fields, wrong
 * types, missing fields and out-of-range values the same way, naming the
 * field ("ids[2]", "address.pincode") in each error.  Pure: no I/O.
 */
#ifndef SOUKD_JSONV_H
#define SOUKD_JSONV_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

enum jsonv_type {
	JV_STRING,
	JV_INT,
	JV_NUMBER,
	JV_BOOL,
	JV_OBJECT,
	JV_ARRAY,
	JV_ANY,
};

#define JV_REQUIRED	0x1	/* must be present */
#define JV_NULLABLE	0x2	/* may be null */

/*
 * One allowed field.  Lists of fields end with an entry whose name is NULL.
 * min and max bound an integer's value, a string's length in characters
 * or an array's number of items; both 0 means unbounded.  Arrays check
 * each item against item (and item_min/item_max, or fields for objects).
 */
struct jsonv_field {
	const char		*name;
	enum jsonv_type		 type;
	unsigned		 flags;
	int64_t			 min, max;
	enum jsonv_type		 item;
	int64_t			 item_min, item_max;
	const struct jsonv_field *fields;
};

/* Receives each error: the field's path, a code and a message. */
typedef void (*jsonv_error_cb)(void *arg, const char *field,
    const char *code, const char *message);

/*
 * Checks object obj against fields; calls err for each problem found (all
 * of them, not just the first).  Returns true if there were none.
 */
bool	jsonv_check(json_t *obj, const struct jsonv_field *fields,
	    jsonv_error_cb err, void *arg);

#endif
