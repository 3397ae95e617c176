#include <stdio.h>
#include <string.h>

#include "jsonv.h"
#include "utf8.h"

#define JSONV_PATH_MAX 256

/* Says "from 1 to 5 what", "at least 1 what" or "exactly 6 what". */
static void
jsonv_bounds(char *out, size_t len, const char *verb, int64_t min,
    int64_t max, const char *what)
{
	if (min == max)
		snprintf(out, len, "%s exactly %lld%s", verb, (long long)min,
		    what);
	else if (max == INT64_MAX)
		snprintf(out, len, "%s at least %lld%s", verb, (long long)min,
		    what);
	else if (min == INT64_MIN)
		snprintf(out, len, "%s at most %lld%s", verb, (long long)max,
		    what);
	else
		snprintf(out, len, "%s from %lld to %lld%s", verb,
		    (long long)min, (long long)max, what);
}

static const char *
jsonv_type_name(enum jsonv_type t)
{
	switch (t) {
	case JV_STRING:
		return "a string";
	case JV_INT:
		return "an integer";
	case JV_NUMBER:
		return "a number";
	case JV_BOOL:
		return "true or false";
	case JV_OBJECT:
		return "an object";
	case JV_ARRAY:
		return "an array";
	case JV_ANY:
		return "a value";
	}
	return "a value";
}

static bool
jsonv_is(const json_t *v, enum jsonv_type t)
{
	switch (t) {
	case JV_STRING:
		return json_is_string(v);
	case JV_INT:
		return json_is_integer(v);
	case JV_NUMBER:
		return json_is_number(v);
	case JV_BOOL:
		return json_is_boolean(v);
	case JV_OBJECT:
		return json_is_object(v);
	case JV_ARRAY:
		return json_is_array(v);
	case JV_ANY:
		return true;
	}
	return false;
}

static bool jsonv_object(json_t *, const struct jsonv_field *,
    const char *, jsonv_error_cb, void *);

/* Checks one value of type t with bounds min/max at path. */
static bool
jsonv_value(json_t *v, enum jsonv_type t, unsigned flags, int64_t min,
    int64_t max, const struct jsonv_field *sub, const struct jsonv_field *f,
    const char *path, jsonv_error_cb err, void *arg)
{
	char		 msg[128], ipath[JSONV_PATH_MAX];
	json_t		*item;
	size_t		 i, n;
	bool		 ok = true;
	int64_t		 iv;

	if (json_is_null(v)) {
		if (flags & JV_NULLABLE)
			return true;
		snprintf(msg, sizeof msg, "must be %s, not null",
		    jsonv_type_name(t));
		err(arg, path, "type", msg);
		return false;
	}
	if (!jsonv_is(v, t)) {
		snprintf(msg, sizeof msg, "must be %s", jsonv_type_name(t));
		err(arg, path, "type", msg);
		return false;
	}
	switch (t) {
	case JV_INT:
		iv = json_integer_value(v);
		if ((min != 0 || max != 0) && (iv < min || iv > max)) {
			jsonv_bounds(msg, sizeof msg, "must be", min, max, "");
			err(arg, path, "range", msg);
			return false;
		}
		return true;
	case JV_STRING:
		n = utf8_len(json_string_value(v), json_string_length(v));
		if ((min != 0 || max != 0) && ((int64_t)n < min ||
		    (int64_t)n > max)) {
			jsonv_bounds(msg, sizeof msg, "must be", min, max,
			    " characters long");
			err(arg, path, "length", msg);
			return false;
		}
		return true;
	case JV_OBJECT:
		return sub == NULL || jsonv_object(v, sub, path, err, arg);
	case JV_ARRAY:
		n = json_array_size(v);
		if ((min != 0 || max != 0) && ((int64_t)n < min ||
		    (int64_t)n > max)) {
			jsonv_bounds(msg, sizeof msg, "must have", min, max,
			    " items");
			err(arg, path, "items", msg);
			return false;
		}
		/*
		 * An array's items are described by its field; the items of
		 * an array inside an array (no field) can be anything.
		 */
		json_array_foreach(v, i, item) {
			snprintf(ipath, sizeof ipath, "%s[%zu]", path, i);
			utf8_scrub(ipath);
			ok &= jsonv_value(item, f != NULL ? f->item : JV_ANY, 0,
			    f != NULL ? f->item_min : 0, f != NULL ?
			    f->item_max : 0, f != NULL ? f->fields : NULL, NULL,
			    ipath, err, arg);
		}
		return ok;
	default:
		return true;
	}
}

static bool
jsonv_object(json_t *obj, const struct jsonv_field *fields,
    const char *prefix, jsonv_error_cb err, void *arg)
{
	const struct jsonv_field *f;
	const char	*key;
	json_t		*v;
	char		 path[JSONV_PATH_MAX];
	bool		 ok = true, known;

	json_object_foreach(obj, key, v) {
		known = false;
		for (f = fields; f->name != NULL && !known; f++)
			known = strcmp(f->name, key) == 0;
		if (!known) {
			snprintf(path, sizeof path, "%s%s%s", prefix,
			    *prefix != '\0' ? "." : "", key);
			/* A long name cut inside a character. */
			utf8_scrub(path);
			err(arg, path, "unknown", "is not a known field");
			ok = false;
		}
	}
	for (f = fields; f->name != NULL; f++) {
		snprintf(path, sizeof path, "%s%s%s", prefix,
		    *prefix != '\0' ? "." : "", f->name);
		utf8_scrub(path);
		if ((v = json_object_get(obj, f->name)) == NULL) {
			if (f->flags & JV_REQUIRED) {
				err(arg, path, "required", "is required");
				ok = false;
			}
			continue;
		}
		ok &= jsonv_value(v, f->type, f->flags, f->min, f->max,
		    f->fields, f, path, err, arg);
	}
	return ok;
}

bool
jsonv_check(json_t *obj, const struct jsonv_field *fields,
    jsonv_error_cb err, void *arg)
{
	if (!json_is_object(obj)) {
		err(arg, "", "type", "the body must be a JSON object");
		return false;
	}
	return jsonv_object(obj, fields, "", err, arg);
}
