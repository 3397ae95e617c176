#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"

struct test_user *
cat_admin(void)
{
	static struct test_user	*admin;
	static pid_t		 owner;

	/* Each forked test signs its own admin in. */
	if (admin == NULL || owner != getpid()) {
		admin = test_user_new(api_base(), "admin", NULL);
		owner = getpid();
	}
	return admin;
}

struct api_resp *
cat_call(const struct test_user *u, const char *method, const char *path,
    const char *pattern, long status, const char *body)
{
	struct api_resp	*r;

	r = test_user_request(api_base(), u, method, path, body);
	api_expect(r, status, method, pattern);
	return r;
}

static char *
vformat(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) < 0)
		ck_abort_msg("vasprintf");
	return s;
}

struct api_resp *
cat_callf(const struct test_user *u, const char *method, const char *pattern,
    long status, const char *body, const char *fmt, ...)
{
	struct api_resp	*r;
	va_list		 ap;
	char		*path;

	va_start(ap, fmt);
	path = vformat(fmt, ap);
	va_end(ap);
	r = cat_call(u, method, path, pattern, status, body);
	free(path);
	return r;
}

struct api_resp *
cat_reqf(const struct test_user *u, const char *method, const char *body,
    const char *fmt, ...)
{
	struct api_resp	*r;
	va_list		 ap;
	char		*path;

	va_start(ap, fmt);
	path = vformat(fmt, ap);
	va_end(ap);
	r = test_user_request(api_base(), u, method, path, body);
	free(path);
	return r;
}

long
jint(const json_t *o, const char *key)
{
	return (long)json_integer_value(json_object_get(o, key));
}

const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

bool
jhas_id(const json_t *list, long id)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(list, i, v) {
		if (jint(v, "id") == id)
			return true;
	}
	return false;
}

long
cat_long(const char *sql, int n, const char *const *params)
{
	PGresult	*res = test_sql(sql, n, params);
	long		 v;

	ck_assert_msg(PQntuples(res) == 1, "%s: %d rows", sql,
	    PQntuples(res));
	v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

long
cat_long1(const char *sql, long param)
{
	char		 s[24];
	const char	*params[1] = { s };

	snprintf(s, sizeof s, "%ld", param);
	return cat_long(sql, 1, params);
}

char *
cat_word(const char *prefix)
{
	static int	 seq;
	char		*w, *p;
	unsigned long	 n;

	/* pid and sequence in letters, a to p. */
	n = (unsigned long)getpid() * 1000 + (unsigned long)++seq;
	w = xasprintf("%s%016lx", prefix, n);
	for (p = w + strlen(prefix); *p != '\0'; p++)
		*p = (char)('a' + (*p >= 'a' ? *p - 'a' + 10 : *p - '0'));
	return w;
}

static char *
slug(const char *prefix)
{
	static int	seq;

	return xasprintf("%s-%ld-%d", prefix, (long)getpid(), ++seq);
}

long
cat_category(long parent, const char *review)
{
	char		*s = slug("cat"), *body, *par, *rev;
	struct api_resp	*r;
	long		 id;

	par = parent > 0 ? xasprintf(",\"parent_id\":%ld", parent) :
	    xstrdup("");
	rev = review != NULL ? xasprintf(",\"review\":\"%s\"", review) :
	    xstrdup("");
	body = xasprintf("{\"slug\":\"%s\",\"name\":\"Category %s\"%s%s}", s,
	    s, par, rev);
	r = cat_call(cat_admin(), "POST", "/v1/categories", "/v1/categories",
	    201, body);
	id = jint(r->json, "id");
	api_free(r);
	free(body);
	free(par);
	free(rev);
	free(s);
	return id;
}

long
cat_brand(const char *name, char **made)
{
	char		*s = slug("brand"), *body, *full;
	struct api_resp	*r;
	long		 id;

	full = xasprintf("%s %s", name, s + strlen("brand-"));
	body = xasprintf("{\"slug\":\"%s\",\"name\":\"%s\"}", s, full);
	r = cat_call(cat_admin(), "POST", "/v1/brands", "/v1/brands", 201,
	    body);
	id = jint(r->json, "id");
	api_free(r);
	free(body);
	free(s);
	if (made != NULL)
		*made = full;
	else
		free(full);
	return id;
}

long
cat_attribute(const char *type, const char *options, bool facet, char **code)
{
	static int	 seq;
	char		*c, *body, *opts;
	struct api_resp	*r;
	long		 id;

	c = xasprintf("a%s_%ld_%d", type, (long)getpid(), ++seq);
	opts = options != NULL ? xasprintf(",\"options\":%s", options) :
	    xstrdup("");
	body = xasprintf("{\"code\":\"%s\",\"name\":\"Attribute %s\","
	    "\"type\":\"%s\",\"facet\":%s%s}", c, c, type, facet ? "true" :
	    "false", opts);
	r = cat_call(cat_admin(), "POST", "/v1/attributes", "/v1/attributes",
	    201, body);
	id = jint(r->json, "id");
	api_free(r);
	free(body);
	free(opts);
	if (code != NULL)
		*code = c;
	else
		free(c);
	return id;
}

void
cat_allow(long category, long attribute, bool required)
{
	struct api_resp	*r;
	char		*body;

	body = xasprintf("{\"attributes\":[{\"attribute_id\":%ld,"
	    "\"required\":%s}]}", attribute, required ? "true" : "false");
	r = cat_callf(cat_admin(), "PUT", "/v1/categories/{id}/attributes",
	    200, body, "/v1/categories/%ld/attributes", category);
	api_free(r);
	free(body);
}

char *
cat_sku(void)
{
	static int	seq;

	return xasprintf("SKU-%ld-%d", (long)getpid(), ++seq);
}

long
cat_listing(const struct test_user *u, long category, const char *title,
    long price, int stock, long *variant)
{
	struct api_resp	*r;
	char		*body, *sku = cat_sku();
	long		 id;

	body = xasprintf("{\"kind\":\"product\",\"title\":\"%s\","
	    "\"category_id\":%ld,\"variants\":[{\"sku\":\"%s\",\"price\":%ld,"
	    "\"stock\":%d}]}", title, category, sku, price, stock);
	r = cat_call(u, "POST", "/v1/listings", "/v1/listings", 201, body);
	id = jint(r->json, "id");
	if (variant != NULL)
		*variant = jint(json_array_get(json_object_get(r->json,
		    "variants"), 0), "id");
	api_free(r);
	free(body);
	free(sku);
	return id;
}

long
cat_live(const struct test_user *u, long category, const char *title,
    long price, int stock, long *variant)
{
	long		 id = cat_listing(u, category, title, price, stock,
			    variant);
	struct api_resp	*r;

	r = cat_callf(u, "POST", "/v1/listings/{id}/submit", 200, NULL,
	    "/v1/listings/%ld/submit", id);
	ck_assert_str_eq(jstr(r->json, "status"), "active");
	api_free(r);
	return id;
}

void
cat_fuzz(const struct test_user *u, const char *method, const char *path,
    const char *pattern, const char *base, const char *const *fields,
    long ok)
{
	static const char *const values[] = {
		"null", "true", "false", "0", "-1", "1.5", "1e300",
		"-9223372036854775808", "9223372036854775807", "\"\"",
		"\"x\"", "\" x \"", "\"\\u202e\"", "\"\\u0007\"",
		"\"' OR 1=1 --\"", "\"%_\\\\\"", "\"\u092e\u094b\"", "[]",
		"[null]", "[1]", "[\"x\"]", "[[]]", "{}", "{\"x\":null}",
		"{\"mon\":[[\"09:00\",\"10:00\"]]}",
	};
	struct api_resp	*r;
	json_t		*b, *v;
	char		*body;
	size_t		 i;

	for (; *fields != NULL; fields++) {
		for (i = 0; i < sizeof values / sizeof values[0]; i++) {
			b = json_loads(base, 0, NULL);
			v = json_loads(values[i], JSON_DECODE_ANY, NULL);
			ck_assert_msg(b != NULL && v != NULL, "%s, %s", base,
			    values[i]);
			json_object_set_new(b, *fields, v);
			body = json_dumps(b, JSON_COMPACT);
			r = test_user_request(api_base(), u, method, path,
			    body);
			ck_assert_msg(r->status == ok || r->status == 400 ||
			    r->status == 404 || r->status == 409 ||
			    r->status == 422,
			    "%s %s %s: %ld %s", method, path, body, r->status,
			    r->body);
			api_expect(r, r->status, method, pattern);
			api_free(r);
			free(body);
			json_decref(b);
		}
	}
}
