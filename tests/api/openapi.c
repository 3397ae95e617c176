/*
 * A check of response bodies against daemon/openapi.json: the subset of
 * JSON Schema the document uses ($ref, type and type lists, properties,
 * required, additionalProperties, items, enum, minimum, maximum, minItems,
 * maxItems, pattern, format date-time).
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static json_t *
openapi_doc(void)
{
	static json_t	*doc;
	json_error_t	 err;
	char		*path;

	if (doc != NULL)
		return doc;
	path = xasprintf("%s/daemon/openapi.json", getenv("SOUK_ROOT") != NULL ?
	    getenv("SOUK_ROOT") : ".");
	doc = json_load_file(path, 0, &err);
	ck_assert_msg(doc != NULL, "%s: %s", path, err.text);
	free(path);
	return doc;
}

/* Follows "#/components/..." references. */
static json_t *
openapi_deref(json_t *node)
{
	const char	*ref, *p, *e;
	char		*part;
	json_t		*cur;

	while ((ref = json_string_value(json_object_get(node, "$ref"))) !=
	    NULL) {
		ck_assert_msg(strncmp(ref, "#/", 2) == 0, "bad $ref %s", ref);
		cur = openapi_doc();
		for (p = ref + 2; cur != NULL && *p != '\0'; p = e) {
			e = strchrnul(p, '/');
			part = xstrndup(p, (size_t)(e - p));
			cur = json_object_get(cur, part);
			free(part);
			if (*e == '/')
				e++;
		}
		ck_assert_msg(cur != NULL, "dangling $ref %s", ref);
		node = cur;
	}
	return node;
}

static bool
openapi_type_is(const json_t *v, const char *type)
{
	if (strcmp(type, "null") == 0)
		return json_is_null(v);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(type, "integer") == 0)
		return json_is_integer(v);
	if (strcmp(type, "number") == 0)
		return json_is_number(v);
	if (strcmp(type, "string") == 0)
		return json_is_string(v);
	if (strcmp(type, "array") == 0)
		return json_is_array(v);
	if (strcmp(type, "object") == 0)
		return json_is_object(v);
	return false;
}

static bool
openapi_fail(char **why, const char *at, const char *what)
{
	if (*why == NULL)
		*why = xasprintf("%s: %s", *at != '\0' ? at : "(body)", what);
	return false;
}

static bool
openapi_datetime(const char *s)
{
	regex_t	re;
	bool	ok;

	regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
	    "(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$", REG_EXTENDED | REG_NOSUB);
	ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static bool
openapi_check(json_t *schema, json_t *v, const char *at, char **why)
{
	json_t		*t, *props, *sub, *item;
	const char	*key, *pat;
	char		*path;
	size_t		 i;
	bool		 ok = true, any;
	regex_t		 re;

	schema = openapi_deref(schema);
	if ((t = json_object_get(schema, "type")) != NULL) {
		any = false;
		if (json_is_string(t))
			any = openapi_type_is(v, json_string_value(t));
		json_array_foreach(t, i, item)
			any = any || openapi_type_is(v, json_string_value(item));
		if (!any)
			return openapi_fail(why, at, "wrong type");
	}
	if ((t = json_object_get(schema, "enum")) != NULL) {
		any = false;
		json_array_foreach(t, i, item)
			any = any || json_equal(item, v);
		if (!any)
			return openapi_fail(why, at, "not one of the enum values");
	}
	if (json_is_integer(v)) {
		if ((t = json_object_get(schema, "minimum")) != NULL &&
		    json_integer_value(v) < json_integer_value(t))
			return openapi_fail(why, at, "below minimum");
		if ((t = json_object_get(schema, "maximum")) != NULL &&
		    json_integer_value(v) > json_integer_value(t))
			return openapi_fail(why, at, "above maximum");
	}
	if (json_is_string(v)) {
		if ((pat = json_string_value(json_object_get(schema,
		    "pattern"))) != NULL) {
			ck_assert(regcomp(&re, pat, REG_EXTENDED | REG_NOSUB) ==
			    0);
			ok = regexec(&re, json_string_value(v), 0, NULL, 0) == 0;
			regfree(&re);
			if (!ok)
				return openapi_fail(why, at, "does not match "
				    "the pattern");
		}
		if ((t = json_object_get(schema, "format")) != NULL &&
		    strcmp(json_string_value(t), "date-time") == 0 &&
		    !openapi_datetime(json_string_value(v)))
			return openapi_fail(why, at, "not an RFC 3339 time");
	}
	if (json_is_array(v)) {
		if ((t = json_object_get(schema, "maxItems")) != NULL &&
		    json_array_size(v) > (size_t)json_integer_value(t))
			return openapi_fail(why, at, "too many items");
		if ((t = json_object_get(schema, "minItems")) != NULL &&
		    json_array_size(v) < (size_t)json_integer_value(t))
			return openapi_fail(why, at, "too few items");
		if ((sub = json_object_get(schema, "items")) != NULL) {
			json_array_foreach(v, i, item) {
				path = xasprintf("%s[%zu]", at, i);
				ok = openapi_check(sub, item, path, why) && ok;
				free(path);
			}
		}
	}
	if (json_is_object(v)) {
		props = json_object_get(schema, "properties");
		json_array_foreach(json_object_get(schema, "required"), i,
		    item) {
			if (json_object_get(v, json_string_value(item)) ==
			    NULL) {
				path = xasprintf("%s.%s", at,
				    json_string_value(item));
				ok = openapi_fail(why, path, "required but "
				    "missing");
				free(path);
			}
		}
		json_object_foreach(v, key, item) {
			path = xasprintf("%s.%s", at, key);
			if ((sub = json_object_get(props, key)) != NULL)
				ok = openapi_check(sub, item, path, why) && ok;
			else if ((sub = json_object_get(schema,
			    "additionalProperties")) != NULL) {
				if (json_is_false(sub))
					ok = openapi_fail(why, path, "not in "
					    "the schema");
				else if (json_is_object(sub))
					ok = openapi_check(sub, item, path,
					    why) && ok;
			}
			free(path);
		}
	}
	return ok;
}

bool
openapi_validate(const char *method, const char *pattern, long status,
    const char *ctype, json_t *body, char **why)
{
	json_t		*op, *resp, *content, *media;
	char		 lower[16], code[8], *base;
	size_t		 i;

	*why = NULL;
	for (i = 0; method[i] != '\0' && i < sizeof lower - 1; i++)
		lower[i] = (char)tolower((unsigned char)method[i]);
	lower[i] = '\0';
	op = json_object_get(json_object_get(json_object_get(openapi_doc(),
	    "paths"), pattern), lower);
	if (op == NULL) {
		*why = xasprintf("no operation %s %s", method, pattern);
		return false;
	}
	snprintf(code, sizeof code, "%ld", status);
	resp = json_object_get(json_object_get(op, "responses"), code);
	if (resp == NULL) {
		*why = xasprintf("status %ld is not documented", status);
		return false;
	}
	resp = openapi_deref(resp);
	content = json_object_get(resp, "content");
	if (content == NULL)
		return true;
	base = xstrndup(ctype, strcspn(ctype, ";"));
	media = json_object_get(content, base);
	free(base);
	if (media == NULL) {
		*why = xasprintf("Content-Type %s is not documented", ctype);
		return false;
	}
	if (body == NULL)	/* not JSON: the type was enough */
		return true;
	return openapi_check(json_object_get(media, "schema"), body, "", why);
}

json_t *
openapi_operations(void)
{
	json_t		*ops = json_array(), *ms;
	const char	*path, *m;
	json_t		*unused;
	char		 upper[16];
	size_t		 i;

	json_object_foreach(json_object_get(openapi_doc(), "paths"), path, ms) {
		json_object_foreach(ms, m, unused) {
			for (i = 0; m[i] != '\0' && i < sizeof upper - 1; i++)
				upper[i] = (char)toupper((unsigned char)m[i]);
			upper[i] = '\0';
			json_array_append_new(ops, json_sprintf("%s %s", upper,
			    path));
		}
	}
	return ops;
}
