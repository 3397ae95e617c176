/*
 * fuzz_router: libFuzzer target for the route matcher (daemon/http/router.c).
 *
 * The input is a method and a request path, "GET /v1/regions/12": split at
 * the first space, or a bare path meaning GET; it stops at the first NUL,
 * as the C strings libmicrohttpd hands soukd do.  It is matched against
 * soukd's own route table (api_routes) and against a table of the route
 * shapes soukd grows into (several parameters, *_id and free-text
 * parameters, the most segments and parameters a route may have).
 *
 * Besides crashes, leaks and undefined behaviour, it checks what the server
 * and handlers rely on: a match names a route of the asked method (HEAD
 * for GET); it has one value per {parameter}, each found by router_param,
 * never empty and never holding a '/'; an id parameter is a number
 * req_param_id can read (it aborts otherwise); putting the values back
 * into the pattern gives the path; a 405 lists the methods the path takes
 * and not the one asked; router_valid_id agrees with a plain reading of
 * its rule.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "num.h"
#include "router.h"

static void
fuzz_handler(struct req *r)
{
	(void)r;
}

/* Shapes to come: vendors, products, orders, auctions, webhooks. */
static const struct route fuzz_future_routes[] = {
	{ "GET", "/v1/vendors", fuzz_handler, "q,limit,after", "public", "", 0 },
	{ "POST", "/v1/vendors", fuzz_handler, NULL, "vendor.create", "", 0 },
	{ "GET", "/v1/vendors/{id}", fuzz_handler, NULL, "public", "", 0 },
	{ "PATCH", "/v1/vendors/{id}", fuzz_handler, NULL, "vendor.edit", "", 0 },
	{ "DELETE", "/v1/vendors/{id}", fuzz_handler, NULL, "admin", "", 0 },
	{ "GET", "/v1/vendors/{vendor_id}/products", fuzz_handler,
	  "limit,after", "public", "", 0 },
	{ "POST", "/v1/vendors/{vendor_id}/products", fuzz_handler, NULL,
	  "product.create", "", 0 },
	{ "GET", "/v1/vendors/{vendor_id}/products/{slug}", fuzz_handler,
	  NULL, "public", "", 0 },
	{ "PUT", "/v1/vendors/{vendor_id}/staff/{user_id}", fuzz_handler,
	  NULL, "vendor.staff", "", 0 },
	{ "GET", "/v1/orders/{id}", fuzz_handler, NULL, "order.read", "", 0 },
	{ "POST", "/v1/orders", fuzz_handler, NULL, "order.place", "", 0 },
	{ "POST", "/v1/orders/{id}/cancel", fuzz_handler, NULL, "order.edit",
	  "", 0 },
	{ "GET", "/v1/orders/{order_id}/events", fuzz_handler, NULL,
	  "order.read", "", 0 },
	{ "POST", "/v1/auctions/{auction_id}/bids", fuzz_handler, NULL,
	  "bid", "", 0 },
	{ "POST", "/v1/webhooks/{provider}", fuzz_handler, NULL, "public",
	  "", 0 },
	{ "GET", "/v1/search", fuzz_handler, "q,kind,limit", "public", "", 0 },
	/* ROUTER_MAX_SEGMENTS segments, ROUTER_MAX_PARAMS parameters. */
	{ "GET", "/a/{a_id}/b/{b_id}/c/{c_id}/d/{d_id}/e/{e_id}/f/{f_id}"
	  "/g/{g_id}/h/{name}", fuzz_handler, NULL, "public", "", 0 },
};

static struct router	*fuzz_routers[2];
static const struct route **fuzz_real_routes;

static struct router *
fuzz_router_new(const struct route *routes, size_t n)
{
	const struct route	**list;
	struct router		 *rt;
	size_t			  i;

	list = calloc(n, sizeof *list);
	if (list == NULL)
		abort();
	for (i = 0; i < n; i++)
		list[i] = &routes[i];
	rt = router_new(list, n);
	/* The router keeps pointers to the routes, not to the list. */
	free(list);
	return rt;
}

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t	n;

	(void)argc;
	(void)argv;
	/* As main_serve: the list lives as long as the router. */
	fuzz_real_routes = api_routes(&n);
	fuzz_routers[0] = router_new(fuzz_real_routes, n);
	fuzz_routers[1] = fuzz_router_new(fuzz_future_routes,
	    sizeof fuzz_future_routes / sizeof fuzz_future_routes[0]);
	return 0;
}

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_router: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

/* router_valid_id's rule, read plainly: 1 to 19 digits, no leading 0. */
static int
fuzz_plain_valid_id(const char *s, size_t len)
{
	char		 buf[32], *end;
	long long	 v;
	size_t		 i;

	if (len == 0 || len > 19 || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	return errno == 0 && *end == '\0' && v > 0;
}

/* Rebuilds the path from the route's pattern and the match's values. */
static void
fuzz_rebuild(const struct router_match *m, char *out, size_t len)
{
	const char	*p = m->route->pattern, *e, *v;
	char		 name[64];
	size_t		 n = 0, k;

	out[0] = '\0';
	while (*p != '\0') {
		if (*p != '{') {
			if (n + 1 < len) {
				out[n++] = *p;
				out[n] = '\0';
			}
			p++;
			continue;
		}
		e = strchr(p, '}');
		CHECK(e != NULL && (size_t)(e - p - 1) < sizeof name);
		memcpy(name, p + 1, (size_t)(e - p - 1));
		name[e - p - 1] = '\0';
		v = router_param(m, name);
		CHECK(v != NULL);
		k = strlen(v);
		if (n + k < len) {
			memcpy(out + n, v, k + 1);
			n += k;
		}
		p = e + 1;
	}
}

static void
fuzz_match(const struct router *rt, const char *method, const char *path,
    const char *probe)
{
	static const char *const methods[] = {
		"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD",
	};
	struct router_match	 m;
	enum router_result	 res;
	const char		*want, *v, *p;
	char			 rebuilt[8192];
	int64_t			 id;
	int			 i, braces = 0;
	size_t			 j;

	res = router_match(rt, method, path, &m);
	switch (res) {
	case ROUTER_FOUND:
		CHECK(m.route != NULL && m.index < router_count(rt));
		CHECK(router_route(rt, m.index) == m.route);
		want = strcmp(method, "HEAD") == 0 ? "GET" : method;
		CHECK(strcmp(m.route->method, want) == 0);
		for (p = m.route->pattern; *p != '\0'; p++)
			braces += *p == '{';
		CHECK(m.nparams == braces);
		for (i = 0; i < m.nparams; i++) {
			v = m.values[i];
			CHECK(v != NULL && *v != '\0' && strchr(v, '/') == NULL);
			j = strcspn(m.names[i], "}");
			if ((j == 2 && strncmp(m.names[i], "id", 2) == 0) ||
			    (j > 3 && strncmp(m.names[i] + j - 3, "_id", 3) == 0)) {
				CHECK(router_valid_id(v, strlen(v)));
				CHECK(num_int64(v, 1, INT64_MAX, &id));
			}
		}
		if (strlen(path) < sizeof rebuilt) {
			fuzz_rebuild(&m, rebuilt, sizeof rebuilt);
			CHECK(strcmp(rebuilt, path) == 0);
		}
		v = router_param(&m, probe);
		if (v != NULL) {
			for (i = 0; i < m.nparams && m.values[i] != v; i++)
				;
			CHECK(i < m.nparams);
		}
		break;
	case ROUTER_BAD_METHOD:
		CHECK(m.allow[0] != '\0' && strstr(m.allow, "OPTIONS") != NULL);
		for (j = 0; j < sizeof methods / sizeof methods[0]; j++) {
			if (strcmp(method, methods[j]) == 0)
				CHECK(strstr(m.allow, method) == NULL);
		}
		if (strcmp(method, "HEAD") == 0)
			CHECK(strstr(m.allow, "GET") == NULL);
		break;
	case ROUTER_NOT_FOUND:
		break;
	default:
		CHECK(!"router_match returned no known result");
	}
	router_match_free(&m);
	/* Freeing twice, as server.c may, must be harmless. */
	router_match_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*text, *sp;
	const char	*method, *path, *probe;
	size_t		 i;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if ((sp = strchr(text, ' ')) != NULL) {
		*sp = '\0';
		method = text;
		path = sp + 1;
	} else {
		method = "GET";
		path = text;
	}
	/* A parameter name to ask for: the last segment of the path. */
	probe = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	for (i = 0; i < 2; i++)
		fuzz_match(fuzz_routers[i], method, path, probe);
	CHECK(router_valid_id(path, strlen(path)) ==
	    fuzz_plain_valid_id(path, strlen(path)));
	free(text);
	return 0;
}
