#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "xmalloc.h"
#include "log.h"

struct segment {
	const char	*text;		/* literal text or parameter name */
	size_t		 len;
	enum { SEG_LITERAL, SEG_PARAM, SEG_ID } kind;
};

struct compiled {
	const struct route *route;
	int		 nseg;
	struct segment	 seg[ROUTER_MAX_SEGMENTS];
};

struct router {
	struct compiled	*routes;
	size_t		 n;
};

static const char *const router_methods[] = {
	"GET", "POST", "PUT", "PATCH", "DELETE",
};

bool
router_valid_id(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > 19 || s[0] == '0')
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	/* 19 digits may exceed INT64_MAX (9223372036854775807). */
	return len < 19 || memcmp(s, "9223372036854775807", 19) <= 0;
}

static bool
router_is_id_name(const char *name, size_t len)
{
	return (len == 2 && memcmp(name, "id", 2) == 0) ||
	    (len > 3 && memcmp(name + len - 3, "_id", 3) == 0);
}

static void
router_compile(struct compiled *c, const struct route *r)
{
	const char	*p = r->pattern, *e;
	struct segment	*s;
	int		 nparams = 0;
	size_t		 i;
	bool		 known = false;

	for (i = 0; i < sizeof router_methods / sizeof router_methods[0]; i++)
		known = known || strcmp(r->method, router_methods[i]) == 0;
	if (!known || *p != '/' || r->handler == NULL || r->perm == NULL)
		fatalx("route %s %s: bad method, pattern, handler or perm",
		    r->method, r->pattern);
	c->route = r;
	c->nseg = 0;
	while (*p == '/') {
		p++;
		if (c->nseg == ROUTER_MAX_SEGMENTS)
			fatalx("route %s: too many segments", r->pattern);
		e = strchrnul(p, '/');
		s = &c->seg[c->nseg++];
		if (e == p)
			fatalx("route %s: empty segment", r->pattern);
		if (*p == '{') {
			if (e[-1] != '}' || e - p < 3)
				fatalx("route %s: bad parameter", r->pattern);
			if (++nparams > ROUTER_MAX_PARAMS)
				fatalx("route %s: too many parameters",
				    r->pattern);
			s->text = p + 1;
			s->len = (size_t)(e - p - 2);
			s->kind = router_is_id_name(s->text, s->len) ?
			    SEG_ID : SEG_PARAM;
		} else {
			s->text = p;
			s->len = (size_t)(e - p);
			s->kind = SEG_LITERAL;
		}
		p = e;
	}
	if (*p != '\0')
		fatalx("route %s: trailing text", r->pattern);
}

/* Two routes clash if a path could match both with the same method. */
static bool
router_same_shape(const struct compiled *a, const struct compiled *b)
{
	int	i;

	if (a->nseg != b->nseg || strcmp(a->route->method,
	    b->route->method) != 0)
		return false;
	for (i = 0; i < a->nseg; i++) {
		if (a->seg[i].kind == SEG_LITERAL &&
		    b->seg[i].kind == SEG_LITERAL &&
		    (a->seg[i].len != b->seg[i].len || memcmp(a->seg[i].text,
		    b->seg[i].text, a->seg[i].len) != 0))
			return false;
		if ((a->seg[i].kind == SEG_LITERAL) !=
		    (b->seg[i].kind == SEG_LITERAL))
			return false;
	}
	return true;
}

struct router *
router_new(const struct route *const *routes, size_t n)
{
	struct router	*rt;
	size_t		 i, j;

	rt = xcalloc(1, sizeof *rt);
	rt->routes = xcalloc(n, sizeof *rt->routes);
	rt->n = n;
	for (i = 0; i < n; i++) {
		router_compile(&rt->routes[i], routes[i]);
		for (j = 0; j < i; j++) {
			if (router_same_shape(&rt->routes[i], &rt->routes[j]))
				fatalx("routes %s %s and %s clash",
				    routes[i]->method, routes[i]->pattern,
				    routes[j]->pattern);
		}
	}
	return rt;
}

void
router_free(struct router *rt)
{
	if (rt == NULL)
		return;
	free(rt->routes);
	free(rt);
}

size_t
router_count(const struct router *rt)
{
	return rt->n;
}

const struct route *
router_route(const struct router *rt, size_t index)
{
	return index < rt->n ? rt->routes[index].route : NULL;
}

struct span {
	const char	*p;
	size_t		 len;
};

static bool
router_segments_match(const struct compiled *c, const struct span *segs)
{
	int	i;

	for (i = 0; i < c->nseg; i++) {
		switch (c->seg[i].kind) {
		case SEG_LITERAL:
			if (segs[i].len != c->seg[i].len ||
			    memcmp(segs[i].p, c->seg[i].text, segs[i].len) != 0)
				return false;
			break;
		case SEG_ID:
			if (!router_valid_id(segs[i].p, segs[i].len))
				return false;
			break;
		case SEG_PARAM:
			if (segs[i].len == 0)
				return false;
			break;
		}
	}
	return true;
}

static void
router_allow_add(struct router_match *m, const char *method)
{
	size_t	n = strlen(m->allow);

	if (strstr(m->allow, method) != NULL)
		return;
	snprintf(m->allow + n, sizeof m->allow - n, "%s%s",
	    n > 0 ? ", " : "", method);
}

static void
router_fill(struct router_match *m, const struct compiled *c, size_t index,
    const struct span *segs)
{
	size_t	 total = 0, off = 0;
	int	 i;

	m->route = c->route;
	m->index = index;
	for (i = 0; i < c->nseg; i++) {
		if (c->seg[i].kind != SEG_LITERAL)
			total += segs[i].len + 1;
	}
	m->scratch = xmalloc(total + 1);
	for (i = 0; i < c->nseg; i++) {
		if (c->seg[i].kind == SEG_LITERAL)
			continue;
		m->names[m->nparams] = c->seg[i].text;
		memcpy(m->scratch + off, segs[i].p, segs[i].len);
		m->scratch[off + segs[i].len] = '\0';
		m->values[m->nparams++] = m->scratch + off;
		off += segs[i].len + 1;
	}
}

enum router_result
router_match(const struct router *rt, const char *method, const char *path,
    struct router_match *m)
{
	struct span	 segs[ROUTER_MAX_SEGMENTS];
	const char	*p = path, *e;
	int		 nseg = 0;
	size_t		 i;
	bool		 path_found = false;

	memset(m, 0, sizeof *m);
	if (path == NULL || *path != '/')
		return ROUTER_NOT_FOUND;
	while (*p == '/') {
		if (nseg == ROUTER_MAX_SEGMENTS)
			return ROUTER_NOT_FOUND;
		p++;
		e = strchrnul(p, '/');
		segs[nseg].p = p;
		segs[nseg++].len = (size_t)(e - p);
		p = e;
	}
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	for (i = 0; i < rt->n; i++) {
		const struct compiled *c = &rt->routes[i];

		if (c->nseg != nseg || !router_segments_match(c, segs))
			continue;
		if (strcmp(c->route->method, method) == 0) {
			router_fill(m, c, i, segs);
			return ROUTER_FOUND;
		}
		path_found = true;
		router_allow_add(m, c->route->method);
		if (strcmp(c->route->method, "GET") == 0)
			router_allow_add(m, "HEAD");
	}
	if (!path_found)
		return ROUTER_NOT_FOUND;
	router_allow_add(m, "OPTIONS");
	return ROUTER_BAD_METHOD;
}

void
router_match_free(struct router_match *m)
{
	free(m->scratch);
	m->scratch = NULL;
	m->nparams = 0;
}

const char *
router_param(const struct router_match *m, const char *name)
{
	int	i;

	for (i = 0; i < m->nparams; i++) {
		if (strlen(name) == strcspn(m->names[i], "}") &&
		    strncmp(m->names[i], name, strlen(name)) == 0)
			return m->values[i];
	}
	return NULL;
}
