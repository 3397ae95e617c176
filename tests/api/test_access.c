/*
 * The role × route matrix: every route soukd serves, called as every role
 * and without credentials, answers as tests/api/access.txt says.  A route
 * that access.txt does not list fails the test, so a new route cannot
 * land without a decision on who may call it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

static const char *const roles[] = {
	"customer", "b2b_buyer", "vendor_owner", "vendor_staff", "employee",
	"telecaller", "supervisor", "moderator", "admin",
};
#define NROLES (sizeof roles / sizeof roles[0])

/* access.txt as "METHOD PATTERN" → "who". */
static json_t *
access_load(void)
{
	char	*path = xasprintf("%s/tests/api/access.txt",
		    getenv("SOUK_ROOT") != NULL ? getenv("SOUK_ROOT") : ".");
	FILE	*f = fopen(path, "r");
	char	 line[512], method[16], pattern[256], who[256], *key;
	json_t	*m = json_object();

	ck_assert_msg(f != NULL, "cannot read %s", path);
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		ck_assert_msg(sscanf(line, "%15s %255s %255s", method, pattern,
		    who) == 3, "access.txt: bad line %s", line);
		key = xasprintf("%s %s", method, pattern);
		ck_assert_msg(json_object_get(m, key) == NULL,
		    "access.txt lists %s twice", key);
		json_object_set_new(m, key, json_string(who));
		free(key);
	}
	fclose(f);
	free(path);
	return m;
}

static bool
allowed(const char *who, const char *role)
{
	size_t		 n = strlen(role);
	const char	*p;

	if (strcmp(who, "anyone") == 0)
		return true;
	if (role == NULL || *role == '\0')
		return false;
	if (strcmp(who, "signed-in") == 0)
		return true;
	for (p = who; p != NULL && *p != '\0';) {
		if (strncmp(p, role, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return false;
}

/* The pattern with every parameter replaced by an id nothing has. */
static char *
concrete(const char *pattern)
{
	char		*out = xmalloc(strlen(pattern) * 4 + 32), *o = out;
	const char	*p;

	for (p = pattern; *p != '\0'; p++) {
		if (*p == '{') {
			o += sprintf(o, "9223372036854775807");
			p = strchr(p, '}');
		} else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

START_TEST(test_every_route_answers_as_access_txt_says)
{
	const char		*args[] = { "routes", NULL };
	char			*out = NULL, *line, *next, method[16],
				 pattern[256], perm[64], *key, *path;
	json_t			*access = access_load(), *seen = json_object();
	struct test_user	*users[NROLES];
	struct api_resp		*r;
	const char		*who, *body;
	size_t			 i;
	int			 bad = 0;

	for (i = 0; i < NROLES; i++)
		users[i] = test_user_new(api_base(), roles[i], NULL);
	ck_assert_int_eq(soukd_run(args, &out), 0);
	for (line = out; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		ck_assert_int_eq(sscanf(line, "%15s %255s %63s", method,
		    pattern, perm), 3);
		key = xasprintf("%s %s", method, pattern);
		json_object_set_new(seen, key, json_true());
		who = json_string_value(json_object_get(access, key));
		if (who == NULL) {
			fprintf(stderr, "access.txt does not say who may call "
			    "%s\n", key);
			bad++;
			free(key);
			continue;
		}
		path = concrete(pattern);
		body = strcmp(method, "GET") == 0 ||
		    strcmp(method, "DELETE") == 0 ? NULL : "{}";
		/* Without credentials. */
		r = test_user_request(api_base(), NULL, method, path, body);
		if (allowed(who, "") == (r->status == 401)) {
			fprintf(stderr, "%s without credentials: %ld (access."
			    "txt: %s)\n", key, r->status, who);
			bad++;
		}
		api_free(r);
		for (i = 0; i < NROLES; i++) {
			r = test_user_request(api_base(), users[i], method,
			    path, body);
			if (r->status == 401) {
				/* logout ended the session: sign in again. */
				test_user_login(api_base(), users[i]);
				api_free(r);
				r = test_user_request(api_base(), users[i],
				    method, path, body);
			}
			if (allowed(who, roles[i]) != (r->status != 403 &&
			    r->status != 401)) {
				fprintf(stderr, "%s as %s: %ld (access.txt: "
				    "%s)\n", key, roles[i], r->status, who);
				bad++;
			}
			api_free(r);
		}
		free(path);
		free(key);
	}
	{
		const char	*k;
		json_t		*v;

		json_object_foreach(access, k, v) {
			if (json_object_get(seen, k) == NULL) {
				fprintf(stderr, "access.txt lists %s, which "
				    "soukd does not serve\n", k);
				bad++;
			}
		}
	}
	ck_assert_msg(bad == 0, "%d disagreements with access.txt (above)",
	    bad);
	json_decref(access);
	json_decref(seen);
	free(out);
}
END_TEST

/* An API key is its owner, narrowed to its scopes, and never "self". */
START_TEST(test_api_key_scopes)
{
	struct test_user	*owner = test_user_new(api_base(), "admin",
				    NULL);
	struct api_resp		*r;
	char			*auth, *path;
	const char		*hdr[2];
	long			 id;

	r = test_user_request(api_base(), owner, "POST", "/v1/api-keys",
	    "{\"name\":\"stock sync\",\"scopes\":[\"read\"]}");
	api_expect(r, 201, "POST", "/v1/api-keys");
	auth = xasprintf("Authorization: Bearer %s", json_string_value(
	    json_object_get(r->json, "key")));
	id = (long)json_integer_value(json_object_get(r->json, "id"));
	ck_assert_ptr_nonnull(strstr(auth, "Bearer sk_"));
	api_free(r);
	hdr[0] = auth;
	hdr[1] = NULL;
	/* read scope: reading as its owner works... */
	r = api_request(api_base(), "GET", "/v1/me", NULL, NULL, 0, hdr);
	api_expect(r, 200, "GET", "/v1/me");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "id")),
	    owner->id);
	api_free(r);
	/* ...but not what its owner's role allows beyond the scope. */
	r = api_request(api_base(), "GET", "/v1/users", NULL, NULL, 0, hdr);
	api_expect_problem(r, 403, "forbidden", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "scopes"));
	api_free(r);
	r = api_request(api_base(), "POST", "/v1/me/password",
	    "application/json", "{}", 2, hdr);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	/* Listed without its secret; revoked, it stops working at once. */
	r = test_user_request(api_base(), owner, "GET", "/v1/api-keys", NULL);
	api_expect(r, 200, "GET", "/v1/api-keys");
	ck_assert_ptr_null(strstr(r->body, "\"key\""));
	api_free(r);
	path = xasprintf("/v1/api-keys/%ld", id);
	r = test_user_request(api_base(), owner, "DELETE", path, NULL);
	api_expect(r, 200, "DELETE", "/v1/api-keys/{id}");
	ck_assert(!json_is_null(json_object_get(r->json, "revoked_at")));
	api_free(r);
	r = api_request(api_base(), "GET", "/v1/me", NULL, NULL, 0, hdr);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	/* A key that never was. */
	hdr[0] = "Authorization: Bearer sk_abcdefgh_nope";
	r = api_request(api_base(), "GET", "/v1/me", NULL, NULL, 0, hdr);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	r = test_user_request(api_base(), owner, "POST", "/v1/api-keys",
	    "{\"name\":\"x\",\"scopes\":[\"admin\"]}");
	api_expect_problem(r, 400, "validation", "scopes");
	api_free(r);
	/* A scope named twice is a mistake, not two scopes. */
	r = test_user_request(api_base(), owner, "POST", "/v1/api-keys",
	    "{\"name\":\"x\",\"scopes\":[\"read\",\"read\"]}");
	api_expect(r, 400, "POST", "/v1/api-keys");
	api_expect_problem(r, 400, "validation", "scopes");
	ck_assert_ptr_nonnull(strstr(r->body, "duplicate"));
	api_free(r);
	free(path);
	free(auth);
}
END_TEST

Suite *
access_suite(void)
{
	Suite	*s = suite_create("access");
	TCase	*tc = tcase_create("access");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_every_route_answers_as_access_txt_says);
	tcase_add_test(tc, test_api_key_scopes);
	suite_add_tcase(s, tc);
	return s;
}
