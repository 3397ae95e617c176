#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "problem.h"
#include "utf8.h"
#include "xmalloc.h"

const struct problem_type problem_types[] = {
	{ "bad-request", 400, "Bad request" },
	{ "validation", 400, "Invalid request" },
	{ "invalid-json", 400, "Malformed JSON body" },
	{ "unauthorized", 401, "Authentication required" },
	{ "forbidden", 403, "Not allowed" },
	{ "not-found", 404, "Not found" },
	{ "method-not-allowed", 405, "Method not allowed" },
	{ "conflict", 409, "Conflict" },
	{ "payload-too-large", 413, "Request body too large" },
	{ "unsupported-media-type", 415, "Unsupported media type" },
	{ "unprocessable", 422, "Request cannot be processed" },
	{ "too-many-requests", 429, "Too many requests" },
	{ "internal", 500, "Internal error" },
	{ "unavailable", 503, "Service unavailable" },
	{ NULL, 0, NULL },
};

const struct problem_type *
problem_type(const char *code)
{
	const struct problem_type	*t;

	for (t = problem_types; t->code != NULL; t++) {
		if (strcmp(t->code, code) == 0)
			return t;
	}
	fatalx("problem_type: unknown code %s", code);
}

char *
problem_render(const struct problem_type *t, const char *detail,
    const char *request_id, json_t *errors, size_t *len)
{
	json_t	*o;
	char	*s, *type, *clean;

	type = xasprintf("urn:souk:problem:%s", t->code);
	o = json_pack("{s:s, s:s, s:i}", "type", type, "title", t->title,
	    "status", t->status);
	if (o == NULL)
		fatalx("problem_render: json_pack");
	if (detail != NULL) {
		/* Library messages may quote the client's broken bytes. */
		clean = xstrdup(detail);
		utf8_scrub(clean);
		json_object_set_new(o, "detail", json_string(clean));
		free(clean);
	}
	if (request_id != NULL)
		json_object_set_new(o, "request_id", json_string(request_id));
	if (errors != NULL && json_array_size(errors) > 0)
		json_object_set(o, "errors", errors);
	if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("problem_render: json_dumps");
	json_decref(o);
	free(type);
	*len = strlen(s);
	return s;
}
