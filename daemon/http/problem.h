/*
 * problem: RFC 9457 problem details, the body of every 4xx and 5xx soukd
 * sends.  Each kind of problem has a code, which makes its type URI
 * (urn:souk:problem:<code>), and a fixed status and title; the detail and
 * field errors say what exactly was wrong with this request.
 */
#ifndef SOUKD_PROBLEM_H
#define SOUKD_PROBLEM_H

#include <stddef.h>

#include <jansson.h>

struct problem_type {
	const char	*code;
	int		 status;
	const char	*title;
};

/* The type with that code; an unknown code is a broken invariant. */
const struct problem_type *problem_type(const char *code);
/* Every known type, ending with a NULL code (for documentation tests). */
extern const struct problem_type problem_types[];

/*
 * Renders a problem as JSON text the caller frees.  detail may be NULL;
 * errors (an array of {field, code, message}) may be NULL; neither is
 * stolen.  *len gets the length.
 */
char	*problem_render(const struct problem_type *, const char *detail,
	    const char *request_id, json_t *errors, size_t *len);

#endif
