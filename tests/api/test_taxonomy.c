/*
 * The catalogue's taxonomy: admins build the category tree, brands,
 * attributes and search synonyms; anyone reads them.  Bad writes are
 * refused naming the field and change nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static struct test_user	*admin;

static void
setup(void)
{
	if (admin == NULL)
		admin = test_user_new(api_base(), "admin", NULL);
}

/* A slug no other test uses. */
static char *
slug(const char *prefix)
{
	static int	seq;

	return xasprintf("%s-%ld-%d", prefix, (long)getpid(), ++seq);
}

static struct api_resp *
as_admin(const char *method, const char *path, const char *json)
{
	return test_user_request(api_base(), admin, method, path, json);
}

/* Creates a category (parent 0: top level); returns its id. */
static long
category(const char *name, long parent)
{
	char		*s = slug("c"), *body;
	struct api_resp	*r;
	long		 id;

	if (parent > 0)
		body = xasprintf("{\"slug\":\"%s\",\"name\":\"%s %s\","
		    "\"parent_id\":%ld}", s, name, s, parent);
	else
		body = xasprintf("{\"slug\":\"%s\",\"name\":\"%s %s\"}", s,
		    name, s);
	r = as_admin("POST", "/v1/categories", body);
	api_expect(r, 201, "POST", "/v1/categories");
	id = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	free(body);
	free(s);
	return id;
}

static long
count(const char *sql)
{
	PGresult	*res = test_sql(sql, 0, NULL);
	long		 n = strtol(PQgetvalue(res, 0, 0), NULL, 10);

	PQclear(res);
	return n;
}

START_TEST(test_category_tree)
{
	long		 root, child, grandchild, other;
	char		*path;
	struct api_resp	*r;
	json_t		*data, *v;
	size_t		 i;
	long		 seen_root = -1, seen_child = -1, seen_grand = -1;

	setup();
	root = category("Home", 0);
	child = category("Cookware", root);
	grandchild = category("Pressure cookers", child);
	other = category("Garden", 0);
	(void)other;

	/* Parents come before their children, depth-first. */
	r = api_get("/v1/categories");
	api_expect(r, 200, "GET", "/v1/categories");
	data = json_object_get(r->json, "data");
	json_array_foreach(data, i, v) {
		long id = (long)json_integer_value(json_object_get(v, "id"));

		if (id == root)
			seen_root = (long)i;
		if (id == child)
			seen_child = (long)i;
		if (id == grandchild) {
			seen_grand = (long)i;
			ck_assert_int_eq(json_integer_value(json_object_get(v,
			    "depth")), 2);
		}
	}
	ck_assert_int_ge(seen_root, 0);
	ck_assert_int_eq(seen_child, seen_root + 1);
	ck_assert_int_eq(seen_grand, seen_child + 1);
	ck_assert(json_is_null(json_object_get(r->json, "next")));
	api_free(r);

	/* Children of one category only. */
	path = xasprintf("/v1/categories?parent_id=%ld", root);
	r = api_get(path);
	api_expect(r, 200, "GET", "/v1/categories");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 1);
	api_free(r);
	free(path);

	/* One category: its ancestors, from the root, and its children. */
	path = xasprintf("/v1/categories/%ld", child);
	r = api_get(path);
	api_expect(r, 200, "GET", "/v1/categories/{id}");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(r->json, "ancestors"), 0), "id")), root);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(r->json, "children"), 0), "id")), grandchild);
	api_free(r);
	free(path);

	/* A category cannot move below itself. */
	path = xasprintf("/v1/categories/%ld", root);
	{
		char	*body = xasprintf("{\"parent_id\":%ld}", grandchild);

		r = as_admin("PATCH", path, body);
		api_expect_problem(r, 400, "validation", "parent_id");
		api_free(r);
		free(body);
	}
	/* Nor under one that does not exist. */
	r = as_admin("PATCH", path, "{\"parent_id\":999999999}");
	api_expect_problem(r, 400, "validation", "parent_id");
	api_free(r);
	/* Moving the middle one carries its subtree. */
	{
		char	*body = xasprintf("{\"parent_id\":%ld}", other);
		char	*p2 = xasprintf("/v1/categories/%ld", child);
		char	*p3 = xasprintf("/v1/categories/%ld", grandchild);

		r = as_admin("PATCH", p2, body);
		api_expect(r, 200, "PATCH", "/v1/categories/{id}");
		api_free(r);
		r = api_get(p3);
		ck_assert_int_eq(json_integer_value(json_array_get(
		    json_object_get(r->json, "path"), 0)), other);
		api_free(r);
		free(body);
		free(p2);
		free(p3);
	}
	free(path);
}
END_TEST

START_TEST(test_category_bad_writes_change_nothing)
{
	static const char *const bad[][2] = {
		{ "{\"slug\":\"Not A Slug\",\"name\":\"x\"}", "slug" },
		{ "{\"slug\":\"-x\",\"name\":\"x\"}", "slug" },
		{ "{\"slug\":\"ok-slug\",\"name\":\" padded\"}", "name" },
		{ "{\"slug\":\"ok-slug\",\"name\":\"two\\nlines\"}", "name" },
		{ "{\"slug\":\"ok-slug\",\"name\":\"x\",\"review\":\"some\"}",
		  "review" },
		{ "{\"slug\":\"ok-slug\",\"name\":\"x\",\"names\":"
		  "{\"hindi\":\"x\"}}", "names" },
		{ "{\"slug\":\"ok-slug\",\"name\":\"x\",\"colour\":1}", "colour" },
		{ "{\"slug\":\"ok-slug\"}", "name" },
		{ "{\"slug\":\"ok-slug\",\"name\":7}", "name" },
		{ "{\"slug\":\"ok-slug\",\"name\":\"x\",\"position\":\"1\"}",
		  "position" },
	};
	struct api_resp	*r;
	char		*s, *body, *path;
	long		 before, id;
	size_t		 i;

	setup();
	before = count("SELECT count(*) FROM categories");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = as_admin("POST", "/v1/categories", bad[i][0]);
		api_expect_problem(r, 400, "validation", bad[i][1]);
		api_free(r);
	}
	/* A taken slug is named too. */
	id = category("Books", 0);
	path = xasprintf("/v1/categories/%ld", id);
	r = api_get(path);
	s = xstrdup(json_string_value(json_object_get(r->json, "slug")));
	api_free(r);
	body = xasprintf("{\"slug\":\"%s\",\"name\":\"Other books\"}", s);
	r = as_admin("POST", "/v1/categories", body);
	api_expect_problem(r, 400, "validation", "slug");
	api_free(r);
	ck_assert_int_eq(count("SELECT count(*) FROM categories"), before + 1);
	/* An empty change is refused, an unknown category is 404. */
	r = as_admin("PATCH", path, "{}");
	api_expect_problem(r, 400, "validation", NULL);
	api_free(r);
	r = as_admin("PATCH", "/v1/categories/999999999", "{\"name\":\"x\"}");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	free(body);
	free(path);
	free(s);
}
END_TEST

START_TEST(test_category_delete)
{
	long		 parent, child;
	char		*pp, *cp, *sql;
	struct api_resp	*r;

	setup();
	parent = category("Toys", 0);
	child = category("Puzzles", parent);
	pp = xasprintf("/v1/categories/%ld", parent);
	cp = xasprintf("/v1/categories/%ld", child);
	r = as_admin("DELETE", pp, NULL);
	api_expect_problem(r, 409, "conflict", NULL);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
	    r->json, "detail")), "subcategories"));
	api_free(r);
	r = as_admin("DELETE", cp, NULL);
	api_expect(r, 204, "DELETE", "/v1/categories/{id}");
	api_free(r);
	r = api_get(cp);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* Recorded, with what it was. */
	sql = xasprintf("SELECT count(*) FROM audit_log WHERE action = "
	    "'category.deleted' AND target_id = '%ld' AND before IS NOT NULL "
	    "AND actor_id = %ld", child, admin->id);
	ck_assert_int_eq(count(sql), 1);
	free(sql);
	free(pp);
	free(cp);
}
END_TEST

START_TEST(test_attributes_allowed_through_the_tree)
{
	long		 parent, child, colour, size;
	char		*code1 = slug("colour"), *code2 = slug("size"), *body;
	char		*path;
	struct api_resp	*r;
	json_t		*attrs, *a;
	size_t		 i;
	int		 found = 0;

	setup();
	/* Attribute codes use _, not -. */
	for (i = 0; code1[i] != '\0'; i++)
		if (code1[i] == '-')
			code1[i] = '_';
	for (i = 0; code2[i] != '\0'; i++)
		if (code2[i] == '-')
			code2[i] = '_';
	body = xasprintf("{\"code\":\"%s\",\"name\":\"Colour\",\"type\":"
	    "\"enum\",\"options\":[\"red\",\"black\"],\"facet\":true}", code1);
	r = as_admin("POST", "/v1/attributes", body);
	api_expect(r, 201, "POST", "/v1/attributes");
	colour = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	free(body);
	body = xasprintf("{\"code\":\"%s\",\"name\":\"Size\",\"type\":"
	    "\"number\",\"unit\":\"cm\"}", code2);
	r = as_admin("POST", "/v1/attributes", body);
	api_expect(r, 201, "POST", "/v1/attributes");
	size = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	free(body);

	parent = category("Clothes", 0);
	child = category("Shirts", parent);
	path = xasprintf("/v1/categories/%ld/attributes", parent);
	body = xasprintf("{\"attributes\":[{\"attribute_id\":%ld,"
	    "\"required\":false}]}", colour);
	r = as_admin("PUT", path, body);
	api_expect(r, 200, "PUT", "/v1/categories/{id}/attributes");
	api_free(r);
	free(body);
	free(path);
	/* The child requires colour and adds size. */
	path = xasprintf("/v1/categories/%ld/attributes", child);
	body = xasprintf("{\"attributes\":[{\"attribute_id\":%ld,"
	    "\"required\":true},{\"attribute_id\":%ld}]}", colour, size);
	r = as_admin("PUT", path, body);
	api_expect(r, 200, "PUT", "/v1/categories/{id}/attributes");
	attrs = json_object_get(r->json, "attributes");
	ck_assert_int_eq(json_array_size(attrs), 2);
	json_array_foreach(attrs, i, a) {
		if (json_integer_value(json_object_get(json_object_get(a,
		    "attribute"), "id")) == colour) {
			ck_assert(json_is_true(json_object_get(a,
			    "required")));
			ck_assert_int_eq(json_integer_value(json_object_get(a,
			    "category_id")), child);
			found++;
		}
	}
	ck_assert_int_eq(found, 1);
	api_free(r);
	free(body);
	/* An unknown attribute is named and changes nothing. */
	r = as_admin("PUT", path, "{\"attributes\":[{\"attribute_id\":"
	    "999999999}]}");
	api_expect_problem(r, 400, "validation", "attributes");
	api_free(r);
	free(path);
	path = xasprintf("/v1/categories/%ld", child);
	r = api_get(path);
	ck_assert_int_eq(json_array_size(json_object_get(r->json,
	    "attributes")), 2);
	api_free(r);
	free(path);

	/* The type and code stay; enums need options, units are numbers'. */
	path = xasprintf("/v1/attributes/%ld", colour);
	r = as_admin("PATCH", path, "{\"type\":\"text\"}");
	api_expect_problem(r, 400, "validation", "type");
	api_free(r);
	r = as_admin("POST", "/v1/attributes", "{\"code\":\"x_enum\","
	    "\"name\":\"X\",\"type\":\"enum\"}");
	api_expect_problem(r, 400, "validation", "options");
	api_free(r);
	r = as_admin("POST", "/v1/attributes", "{\"code\":\"x_text\","
	    "\"name\":\"X\",\"type\":\"text\",\"unit\":\"kg\"}");
	api_expect_problem(r, 400, "validation", "unit");
	api_free(r);
	r = as_admin("POST", "/v1/attributes", "{\"code\":\"Bad-Code\","
	    "\"name\":\"X\",\"type\":\"text\"}");
	api_expect_problem(r, 400, "validation", "code");
	api_free(r);
	r = as_admin("PATCH", path, "{\"options\":[\"red\",\"red\"]}");
	api_expect_problem(r, 400, "validation", "options");
	api_free(r);
	/* Options may grow. */
	r = as_admin("PATCH", path, "{\"options\":[\"red\",\"black\","
	    "\"blue\"]}");
	api_expect(r, 200, "PATCH", "/v1/attributes/{id}");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "options")),
	    3);
	api_free(r);
	free(path);
	free(code1);
	free(code2);
}
END_TEST

static bool
has_id(json_t *list, long id)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(list, i, v) {
		if (json_integer_value(json_object_get(v, "id")) == id)
			return true;
	}
	return false;
}

START_TEST(test_brands_search_and_pages)
{
	char		*s1 = slug("b"), *s2 = slug("b"), *body, *path;
	char		*name;
	struct api_resp	*r;
	const char	*next;
	long		 id;

	setup();
	name = xasprintf("Zenithware %ld", (long)getpid());
	body = xasprintf("{\"slug\":\"%s\",\"name\":\"%s\"}", s1, name);
	r = as_admin("POST", "/v1/brands", body);
	api_expect(r, 201, "POST", "/v1/brands");
	id = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	free(body);
	/* Names are unique whatever their case. */
	body = xasprintf("{\"slug\":\"%s\",\"name\":\"ZENITHWARE %ld\"}", s2,
	    (long)getpid());
	r = as_admin("POST", "/v1/brands", body);
	api_expect_problem(r, 400, "validation", "name");
	api_free(r);
	free(body);
	body = xasprintf("{\"slug\":\"%s\",\"name\":\"Zenithcraft %ld\"}", s2,
	    (long)getpid());
	r = as_admin("POST", "/v1/brands", body);
	api_expect(r, 201, "POST", "/v1/brands");
	api_free(r);
	free(body);

	/* By prefix, then by a typo; not by something else. */
	r = api_get("/v1/brands?q=zenithw");
	api_expect(r, 200, "GET", "/v1/brands");
	ck_assert(has_id(json_object_get(r->json, "data"), id));
	api_free(r);
	path = xasprintf("/v1/brands?q=zenithwere%%20%ld", (long)getpid());
	r = api_get(path);
	ck_assert(has_id(json_object_get(r->json, "data"), id));
	api_free(r);
	free(path);
	r = api_get("/v1/brands?q=quokka");
	ck_assert(!has_id(json_object_get(r->json, "data"), id));
	api_free(r);

	/* One per page: the cursor leads to the other. */
	r = api_get("/v1/brands?q=zenith&limit=1");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 1);
	next = json_string_value(json_object_get(r->json, "next"));
	ck_assert_ptr_nonnull(next);
	path = xasprintf("/v1/brands?q=zenith&limit=1&after=%s", next);
	api_free(r);
	r = api_get(path);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 1);
	ck_assert(json_is_null(json_object_get(r->json, "next")));
	api_free(r);
	free(path);
	r = api_get("/v1/brands?after=garbage");
	api_expect_problem(r, 400, "validation", "after");
	api_free(r);
	r = api_get("/v1/brands?q=50%25");
	api_expect_problem(r, 400, "validation", "q");
	api_free(r);
	free(name);
	free(s1);
	free(s2);
}
END_TEST

START_TEST(test_synonyms)
{
	char		*term = slug("mobile"), *body, *upper, *path;
	struct api_resp	*r;
	size_t		 i;
	long		 id;

	setup();
	upper = xstrdup(term);
	for (i = 0; upper[i] != '\0'; i++)
		if (upper[i] >= 'a' && upper[i] <= 'z')
			upper[i] = (char)(upper[i] - 'a' + 'A');
	/* Stored in lower case, as queries are matched. */
	body = xasprintf("{\"term\":\"%s\",\"synonyms\":[\"Phone\","
	    "\"cellphone\"]}", upper);
	r = as_admin("POST", "/v1/search/synonyms", body);
	api_expect(r, 201, "POST", "/v1/search/synonyms");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "term")),
	    term);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(
	    r->json, "synonyms"), 0)), "phone");
	id = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	/* One row per term. */
	r = as_admin("POST", "/v1/search/synonyms", body);
	api_expect_problem(r, 400, "validation", "term");
	api_free(r);
	free(body);
	r = as_admin("POST", "/v1/search/synonyms", "{\"term\":\"x\","
	    "\"synonyms\":[]}");
	api_expect_problem(r, 400, "validation", "synonyms");
	api_free(r);
	r = as_admin("GET", "/v1/search/synonyms?limit=200", NULL);
	api_expect(r, 200, "GET", "/v1/search/synonyms");
	api_free(r);
	path = xasprintf("/v1/search/synonyms/%ld", id);
	r = as_admin("PATCH", path, "{\"synonyms\":[\"handset\"]}");
	api_expect(r, 200, "PATCH", "/v1/search/synonyms/{id}");
	api_free(r);
	r = as_admin("DELETE", path, NULL);
	api_expect(r, 204, "DELETE", "/v1/search/synonyms/{id}");
	api_free(r);
	r = as_admin("DELETE", path, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	free(path);
	free(upper);
	free(term);
}
END_TEST

Suite *
taxonomy_suite(void)
{
	Suite	*s = suite_create("taxonomy");
	TCase	*tc = tcase_create("taxonomy");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_category_tree);
	tcase_add_test(tc, test_category_bad_writes_change_nothing);
	tcase_add_test(tc, test_category_delete);
	tcase_add_test(tc, test_attributes_allowed_through_the_tree);
	tcase_add_test(tc, test_brands_search_and_pages);
	tcase_add_test(tc, test_synonyms);
	suite_add_tcase(s, tc);
	return s;
}
