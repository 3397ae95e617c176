/*
 * router: maps a method and a path to a route of the route table.  Patterns
 * are literal segments and {name} parameters; a parameter named id or
 * ending in _id only matches a positive 64-bit decimal integer, so handlers
 * never see a malformed id.  Pure string work: no I/O, no HTTP library.
 */
#ifndef SOUKD_ROUTER_H
#define SOUKD_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#define ROUTER_MAX_PARAMS	8
#define ROUTER_MAX_SEGMENTS	16

struct req;

struct route {
	const char	*method;	/* GET, POST, PUT, PATCH, DELETE */
	const char	*pattern;	/* "/v1/regions/{id}" */
	void		(*handler)(struct req *);
	const char	*query;		/* allowed query parameters, "a,b,c" */
	const char	*perm;		/* permission the caller needs */
	const char	*summary;	/* one line for `soukd routes` */
	size_t		 max_body;	/* 0: the server's max_body */
};

enum router_result {
	ROUTER_FOUND,
	ROUTER_NOT_FOUND,
	ROUTER_BAD_METHOD,	/* the path exists with other methods */
};

struct router_match {
	const struct route *route;
	size_t		 index;		/* of the route, for metrics */
	int		 nparams;
	const char	*names[ROUTER_MAX_PARAMS];
	char		*values[ROUTER_MAX_PARAMS];
	char		 allow[128];	/* for ROUTER_BAD_METHOD: "GET, HEAD" */
	char		*scratch;	/* holds the values */
};

struct router;

/*
 * Builds a router over n routes (which must outlive it).  A malformed
 * pattern or two routes with the same method and shape are broken
 * invariants: fatalx.
 */
struct router *router_new(const struct route *const *routes, size_t n);
void	router_free(struct router *);
size_t	router_count(const struct router *);
const struct route *router_route(const struct router *, size_t index);

/*
 * Matches method and path.  HEAD matches GET routes.  On ROUTER_FOUND, m
 * holds the route and its parameters; router_match_free releases them
 * (whatever the result, and also on a zeroed match).
 */
enum router_result router_match(const struct router *, const char *method,
    const char *path, struct router_match *m);
void	router_match_free(struct router_match *);
/* The value of parameter name, or NULL. */
const char *router_param(const struct router_match *, const char *name);
/* True if s is a valid id: 1 to 19 digits, no leading zero, <= INT64_MAX. */
bool	router_valid_id(const char *s, size_t len);

#endif
