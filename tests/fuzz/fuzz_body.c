/*
 * fuzz_body: libFuzzer target for the JSON body reader, as req_body_json
 * (daemon/http/req.c) runs it: json_loadb with JSON_REJECT_DUPLICATES, the
 * parse error turned into a message, then jsonv_check (daemon/http/jsonv.c)
 * against a field table, each error recorded as req_field_error does and
 * rendered as the problem+json the client gets (daemon/http/problem.c).
 *
 * The table is an order as a checkout would take it: required and
 * optional fields of every type, nullable ones, bounded integers, strings
 * and arrays, a nested object with its own nested object, an array of
 * objects with their own fields, and the ids/pincodes arrays of
 * POST /v1/regions/lookup.
 *
 * Besides crashes, leaks and undefined behaviour, it checks that a refused
 * body always says why (at least one error, each recorded and each with
 * valid UTF-8 field names), that an accepted one produced no error, and
 * that the problem document is valid JSON with the detail and every
 * error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonv.h"
#include "problem.h"
#include "utf8.h"

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_body: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

static const struct jsonv_field geo_fields[] = {
	{ "lat", JV_NUMBER, JV_REQUIRED, 0, 0, 0, 0, 0, NULL },
	{ "lng", JV_NUMBER, JV_REQUIRED, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct jsonv_field address_fields[] = {
	{ "line1", JV_STRING, JV_REQUIRED, 1, 200, 0, 0, 0, NULL },
	{ "line2", JV_STRING, JV_NULLABLE, 0, 200, 0, 0, 0, NULL },
	{ "pincode", JV_STRING, JV_REQUIRED, 6, 6, 0, 0, 0, NULL },
	{ "region_id", JV_INT, 0, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "geo", JV_OBJECT, JV_NULLABLE, 0, 0, 0, 0, 0, geo_fields },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct jsonv_field item_fields[] = {
	{ "sku", JV_STRING, JV_REQUIRED, 1, 64, 0, 0, 0, NULL },
	{ "quantity", JV_INT, JV_REQUIRED, 1, 1000, 0, 0, 0, NULL },
	{ "unit_price", JV_INT, 0, 0, INT64_MAX, 0, 0, 0, NULL },
	{ "discount", JV_INT, 0, INT64_MIN, 0, 0, 0, 0, NULL },
	{ "options", JV_OBJECT, 0, 0, 0, 0, 0, 0, NULL },
	{ "tags", JV_ARRAY, 0, 0, 10, JV_STRING, 1, 30, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct jsonv_field order_fields[] = {
	{ "customer_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "items", JV_ARRAY, JV_REQUIRED, 1, 50, JV_OBJECT, 0, 0,
	  item_fields },
	{ "address", JV_OBJECT, JV_REQUIRED, 0, 0, 0, 0, 0, address_fields },
	{ "note", JV_STRING, JV_NULLABLE, 0, 500, 0, 0, 0, NULL },
	{ "gift", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "tip", JV_NUMBER, JV_NULLABLE, 0, 0, 0, 0, 0, NULL },
	{ "currency", JV_STRING, 0, 3, 3, 0, 0, 0, NULL },
	{ "metadata", JV_ANY, 0, 0, 0, 0, 0, 0, NULL },
	{ "coupons", JV_ARRAY, 0, 0, 5, JV_STRING, 1, 20, NULL },
	{ "slots", JV_ARRAY, 0, 0, 0, JV_INT, 0, 0, NULL },
	/* As POST /v1/regions/lookup. */
	{ "ids", JV_ARRAY, 0, 0, 100, JV_INT, 1, INT64_MAX, NULL },
	{ "pincodes", JV_ARRAY, 0, 0, 100, JV_STRING, 6, 6, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct fuzz_errors {
	json_t	*errors;
	int	 reported;
};

/* As req_field_error: one {field, code, message} per error. */
static void
fuzz_record(struct fuzz_errors *e, const char *field, const char *code,
    const char *message)
{
	json_t	*one;

	e->reported++;
	CHECK(utf8_valid(field, strlen(field)));
	CHECK(utf8_valid(message, strlen(message)));
	one = json_pack("{s:s, s:s, s:s}", "field", field, "code", code,
	    "message", message);
	/* json_pack refuses invalid UTF-8: the error would be lost. */
	CHECK(one != NULL);
	CHECK(json_array_append_new(e->errors, one) == 0);
}

static void
fuzz_jsonv_error(void *arg, const char *field, const char *code,
    const char *message)
{
	fuzz_record(arg, field, code, message);
}

/* As req_fail_fields and req_problem: the document the client gets. */
static void
fuzz_problem(const char *code, const char *detail, json_t *errors)
{
	const struct problem_type	*t = problem_type(code);
	json_t				*doc;
	char				*s;
	size_t				 len;

	s = problem_render(t, detail, "0123456789abcdef0123456789abcdef",
	    errors, &len);
	CHECK(s != NULL && strlen(s) == len);
	doc = json_loadb(s, len, JSON_REJECT_DUPLICATES, NULL);
	CHECK(doc != NULL);
	CHECK(json_integer_value(json_object_get(doc, "status")) ==
	    t->status);
	/* problem_render drops a detail jansson will not take. */
	CHECK(detail == NULL || json_object_get(doc, "detail") != NULL);
	if (errors != NULL && json_array_size(errors) > 0)
		CHECK(json_equal(json_object_get(doc, "errors"), errors));
	json_decref(doc);
	free(s);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_errors	 e;
	json_error_t		 err;
	json_t			*j;
	char			 detail[512];
	bool			 ok;

	e.errors = json_array();
	e.reported = 0;
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		switch (json_error_code(&err)) {
		case json_error_invalid_utf8:
			snprintf(detail, sizeof detail, "the body is not valid "
			    "UTF-8 (byte %d)", err.position);
			fuzz_problem("invalid-json", detail, NULL);
			break;
		case json_error_duplicate_key:
			fuzz_record(&e, "", "duplicate", err.text);
			fuzz_problem("validation", err.text, e.errors);
			break;
		default:
			snprintf(detail, sizeof detail, "%s at line %d, column "
			    "%d", err.text, err.line, err.column);
			fuzz_problem("invalid-json", detail, NULL);
			break;
		}
		json_decref(e.errors);
		return 0;
	}
	ok = jsonv_check(j, order_fields, fuzz_jsonv_error, &e);
	CHECK(ok == (e.reported == 0));
	CHECK((size_t)e.reported == json_array_size(e.errors));
	if (!ok)
		fuzz_problem("validation", "some fields are invalid", e.errors);
	json_decref(j);
	json_decref(e.errors);
	return 0;
}
