/* Signing in, staying signed in, and what is refused. */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "harness.h"
#include "suites.h"

static struct api_resp *
login(const char *base, const char *email, const char *password)
{
	char		*body = xasprintf("{\"email\":\"%s\",\"password\":\"%s\"}",
			    email, password);
	struct api_resp	*r = api_request(base, "POST", "/v1/auth/login",
			    "application/json", body, strlen(body), NULL);

	free(body);
	return r;
}

static struct api_resp *
refresh(const char *base, const char *token)
{
	char		*body = xasprintf("{\"refresh_token\":\"%s\"}", token);
	struct api_resp	*r = api_request(base, "POST", "/v1/auth/refresh",
			    "application/json", body, strlen(body), NULL);

	free(body);
	return r;
}

static long
audit_count(const char *action, long user)
{
	char		 id[24];
	const char	*params[2] = { action, id };
	PGresult	*res;
	long		 n;

	snprintf(id, sizeof id, "%ld", user);
	res = test_sql("SELECT count(*) FROM audit_log WHERE action = $1 AND "
	    "target_id = $2", 2, params);
	n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}

START_TEST(test_login_and_me)
{
	struct test_user	*u = test_user_new(api_base(), "customer", NULL);
	struct api_resp		*r;

	r = login(api_base(), u->email, TEST_PASSWORD);
	api_expect(r, 200, "POST", "/v1/auth/login");
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "token_type")), "Bearer");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "expires_in")), 900);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    r->json, "user"), "id")), u->id);
	api_free(r);
	/* Email addresses match whatever their case and spacing. */
	{
		char	*loud = xstrdup(u->email), *p, *spaced;

		for (p = loud; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		spaced = xasprintf("  %s ", loud);
		r = login(api_base(), spaced, TEST_PASSWORD);
		ck_assert_int_eq(r->status, 200);
		api_free(r);
		free(loud);
		free(spaced);
	}
	r = test_user_request(api_base(), u, "GET", "/v1/me", NULL);
	api_expect(r, 200, "GET", "/v1/me");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "role")),
	    "customer");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "email")),
	    u->email);
	api_free(r);
	ck_assert_int_ge(audit_count("auth.login", u->id), 2);
	r = api_get("/v1/me");
	api_expect(r, 401, "GET", "/v1/me");
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
}
END_TEST

START_TEST(test_failures_tell_nothing)
{
	struct test_user	*u = test_user_new(api_base(), "customer", NULL);
	struct api_resp		*a, *b;

	a = login(api_base(), u->email, "not the password");
	b = login(api_base(), "nobody.at.all@test.souk", "not the password");
	api_expect(a, 401, "POST", "/v1/auth/login");
	api_expect(b, 401, "POST", "/v1/auth/login");
	ck_assert_str_eq(json_string_value(json_object_get(a->json, "detail")),
	    json_string_value(json_object_get(b->json, "detail")));
	api_free(a);
	api_free(b);
	ck_assert_int_eq(audit_count("auth.login_failed", u->id), 1);
	a = login(api_base(), "not-an-email", "x");
	api_expect_problem(a, 400, "validation", "email");
	api_free(a);
	a = api_post_json("/v1/auth/login", "{\"email\":\"a@b.c\"}");
	api_expect_problem(a, 400, "validation", "password");
	api_free(a);
}
END_TEST

START_TEST(test_lock_after_too_many_failures)
{
	struct soukd		*s;
	struct test_user	*u;
	struct api_resp		*r, *other;
	char			*retry;
	int			 i;

	setenv("SOUKD_LOGIN_FAILURES_MAX", "3", 1);
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
	u = test_user_new(s->url, "employee", NULL);
	for (i = 0; i < 3; i++) {
		r = login(s->url, u->email, "guessing");
		ck_assert_int_eq(r->status, 401);
		api_free(r);
	}
	/*
	 * Locked, but a wrong password learns nothing of it: the same 401
	 * as for an address without an account (and it still counts).
	 */
	r = login(s->url, u->email, "guessing again");
	other = login(s->url, "nobody.locked@test.souk", "guessing again");
	api_expect(r, 401, "POST", "/v1/auth/login");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "detail")),
	    json_string_value(json_object_get(other->json, "detail")));
	ck_assert_ptr_null(api_header(r, "Retry-After"));
	ck_assert_ptr_null(strstr(r->body, "locked"));
	api_free(r);
	api_free(other);
	ck_assert_int_eq(audit_count("auth.login_failed", u->id), 4);
	/* The right password is refused, saying why and until when. */
	r = login(s->url, u->email, TEST_PASSWORD);
	api_expect(r, 429, "POST", "/v1/auth/login");
	api_expect_problem(r, 429, "too-many-requests", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "locked after 3 failed logins"));
	retry = api_header(r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	ck_assert_int_gt(atoi(retry), 3000);
	ck_assert_int_le(atoi(retry), 3600);
	free(retry);
	api_free(r);
	ck_assert_int_eq(audit_count("auth.locked", u->id), 1);
	/* Tokens issued before the lock still work: it bars logins. */
	r = test_user_request(s->url, u, "GET", "/v1/me", NULL);
	ck_assert_int_eq(r->status, 200);
	api_free(r);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
}
END_TEST

START_TEST(test_refresh_rotates_and_reuse_revokes)
{
	struct test_user	*u = test_user_new(api_base(), "customer", NULL);
	struct api_resp		*r, *r2;
	char			*first = xstrdup(u->refresh), *second, *access;

	r = refresh(api_base(), first);
	api_expect(r, 200, "POST", "/v1/auth/refresh");
	second = xstrdup(json_string_value(json_object_get(r->json,
	    "refresh_token")));
	access = xasprintf("Authorization: Bearer %s", json_string_value(
	    json_object_get(r->json, "access_token")));
	ck_assert_str_ne(first, second);
	api_free(r);
	/* The first token again: the family is revoked, second included. */
	r = refresh(api_base(), first);
	api_expect(r, 401, "POST", "/v1/auth/refresh");
	ck_assert_ptr_nonnull(strstr(r->body, "already used"));
	api_free(r);
	r2 = refresh(api_base(), second);
	api_expect_problem(r2, 401, "unauthorized", NULL);
	api_free(r2);
	{
		PGresult	*res;
		char		 id[24];
		const char	*params[1] = { id };

		snprintf(id, sizeof id, "%ld", u->id);
		res = test_sql("SELECT count(*) FROM audit_log WHERE action = "
		    "'auth.token_reuse' AND actor_id = $1", 1, params);
		ck_assert_str_eq(PQgetvalue(res, 0, 0), "1");
		PQclear(res);
	}
	r = refresh(api_base(), "not-a-token");
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	free(first);
	free(second);
	free(access);
}
END_TEST

START_TEST(test_logout_and_sessions)
{
	struct test_user	*u = test_user_new(api_base(), "customer", NULL);
	struct test_user	 other = *u;
	struct api_resp		*r;
	json_t			*list;
	long			 other_sid = 0, current = 0;
	size_t			 i;
	json_t			*s;
	char			*path;

	/* A second sign-in: another session. */
	other.token = other.refresh = other.auth = NULL;
	test_user_login(api_base(), &other);
	r = test_user_request(api_base(), u, "GET", "/v1/me/sessions", NULL);
	api_expect(r, 200, "GET", "/v1/me/sessions");
	list = json_object_get(r->json, "data");
	ck_assert_uint_eq(json_array_size(list), 2);
	json_array_foreach(list, i, s) {
		if (json_is_true(json_object_get(s, "current")))
			current = json_integer_value(json_object_get(s, "id"));
		else
			other_sid = json_integer_value(json_object_get(s,
			    "id"));
	}
	ck_assert_int_gt(current, 0);
	ck_assert_int_gt(other_sid, 0);
	api_free(r);
	/* Ending the other session kills its refresh token. */
	path = xasprintf("/v1/me/sessions/%ld", other_sid);
	r = test_user_request(api_base(), u, "DELETE", path, NULL);
	ck_assert_int_eq(r->status, 204);
	api_free(r);
	r = test_user_request(api_base(), u, "DELETE", path, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	free(path);
	r = refresh(api_base(), other.refresh);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	/* Logging out ends this one. */
	r = test_user_request(api_base(), u, "POST", "/v1/auth/logout", NULL);
	ck_assert_int_eq(r->status, 204);
	api_free(r);
	r = refresh(api_base(), u->refresh);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
}
END_TEST

START_TEST(test_password_change)
{
	struct test_user	*u = test_user_new(api_base(), "customer", NULL);
	struct test_user	 other = *u;
	struct api_resp		*r;
	char			*auth;
	const char		*hdr[2];

	other.token = other.refresh = other.auth = NULL;
	test_user_login(api_base(), &other);
	r = test_user_request(api_base(), u, "POST", "/v1/me/password",
	    "{\"current_password\":\"wrong one\",\"new_password\":\"a b c d e f\"}");
	api_expect_problem(r, 400, "validation", "current_password");
	api_free(r);
	r = test_user_request(api_base(), u, "POST", "/v1/me/password",
	    "{\"current_password\":\"" TEST_PASSWORD "\",\"new_password\":\"short\"}");
	api_expect_problem(r, 400, "validation", "new_password");
	api_free(r);
	r = test_user_request(api_base(), u, "POST", "/v1/me/password",
	    "{\"current_password\":\"" TEST_PASSWORD "\",\"new_password\":"
	    "\"पासवर्ड नया है\"}");
	api_expect(r, 200, "POST", "/v1/me/password");
	auth = xasprintf("Authorization: Bearer %s", json_string_value(
	    json_object_get(r->json, "access_token")));
	api_free(r);
	/* Every token issued before is void at once, here and elsewhere. */
	r = test_user_request(api_base(), u, "GET", "/v1/me", NULL);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	r = test_user_request(api_base(), &other, "GET", "/v1/me", NULL);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	r = refresh(api_base(), other.refresh);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	hdr[0] = auth;
	hdr[1] = NULL;
	r = api_request(api_base(), "GET", "/v1/me", NULL, NULL, 0, hdr);
	api_expect(r, 200, "GET", "/v1/me");
	api_free(r);
	r = login(api_base(), u->email, TEST_PASSWORD);
	ck_assert_int_eq(r->status, 401);
	api_free(r);
	r = login(api_base(), u->email, "पासवर्ड नया है");
	ck_assert_int_eq(r->status, 200);
	api_free(r);
	free(auth);
}
END_TEST

START_TEST(test_update_me)
{
	struct test_user	*u = test_user_new(api_base(), "customer", NULL);
	struct api_resp		*r;

	r = test_user_request(api_base(), u, "PATCH", "/v1/me",
	    "{\"name\":\"  सीता राम  \",\"language\":\"hi\","
	    "\"timezone\":\"Asia/Kolkata\"}");
	api_expect(r, 200, "PATCH", "/v1/me");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "name")),
	    "सीता राम");
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "language")), "hi");
	api_free(r);
	r = test_user_request(api_base(), u, "PATCH", "/v1/me",
	    "{\"timezone\":\"Mars/Olympus\",\"language\":\"xx\","
	    "\"name\":\"a\\nb\",\"role\":\"admin\"}");
	api_expect(r, 400, "PATCH", "/v1/me");
	api_expect_problem(r, 400, "validation", "role");
	api_free(r);
	r = test_user_request(api_base(), u, "PATCH", "/v1/me",
	    "{\"timezone\":\"Mars/Olympus\",\"language\":\"xx\","
	    "\"name\":\"a\\nb\"}");
	api_expect_problem(r, 400, "validation", "timezone");
	api_expect_problem(r, 400, "validation", "language");
	api_expect_problem(r, 400, "validation", "name");
	api_free(r);
	/* Nothing to change is a mistake, as on every PATCH. */
	r = test_user_request(api_base(), u, "PATCH", "/v1/me", "{}");
	api_expect(r, 400, "PATCH", "/v1/me");
	api_expect_problem(r, 400, "validation", "");
	ck_assert_ptr_nonnull(strstr(r->body, "\"empty\""));
	api_free(r);
}
END_TEST

/* A token outliving its account is answered, not left hanging. */
START_TEST(test_account_gone)
{
	struct test_user	*u = test_user_new(api_base(), "customer",
				    NULL);
	struct api_resp		*r;
	char			 id[24];
	const char		*params[1] = { id };

	snprintf(id, sizeof id, "%ld", u->id);
	PQclear(test_sql("DELETE FROM users WHERE id = $1", 1, params));
	r = test_user_request(api_base(), u, "POST", "/v1/me/password",
	    "{\"current_password\":\"" TEST_PASSWORD "\","
	    "\"new_password\":\"a new password\"}");
	api_expect(r, 404, "POST", "/v1/me/password");
	api_expect_problem(r, 404, "not-found", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "no longer exists"));
	api_free(r);
	r = test_user_request(api_base(), u, "PATCH", "/v1/me",
	    "{\"language\":\"hi\"}");
	api_expect(r, 404, "PATCH", "/v1/me");
	api_free(r);
}
END_TEST

/* A suspended account told so with the right password: why, not its row. */
START_TEST(test_suspended_login_says_why)
{
	struct test_user	*admin = test_user_new(api_base(), "admin",
				    NULL);
	struct test_user	*u = test_user_new(api_base(), "customer",
				    NULL);
	struct api_resp		*r;
	char			*path;

	path = xasprintf("/v1/users/%ld/suspend", u->id);

	r = test_user_request(api_base(), admin, "POST", path,
	    "{\"reason\":\"unpaid dues since March\"}");
	api_expect(r, 200, "POST", "/v1/users/{id}/suspend");
	api_free(r);
	r = login(api_base(), u->email, TEST_PASSWORD);
	api_expect_problem(r, 403, "forbidden", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "detail")),
	    "this account is suspended: unpaid dues since March");
	api_free(r);
	/* A wrong password learns nothing of it. */
	r = login(api_base(), u->email, "not the password");
	api_expect_problem(r, 401, "unauthorized", NULL);
	ck_assert_ptr_null(strstr(r->body, "suspended"));
	api_free(r);
	free(path);
}
END_TEST

/* Refusals name the caller's role with the right article. */
START_TEST(test_forbidden_names_the_role)
{
	struct test_user	*emp = test_user_new(api_base(), "employee",
				    NULL);
	struct test_user	*tc = test_user_new(api_base(), "telecaller",
				    NULL);
	struct api_resp		*r;

	r = test_user_request(api_base(), emp, "GET", "/v1/users", NULL);
	api_expect_problem(r, 403, "forbidden", NULL);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
	    r->json, "detail")), "an employee may not do this"));
	api_free(r);
	r = test_user_request(api_base(), tc, "GET", "/v1/users", NULL);
	api_expect_problem(r, 403, "forbidden", NULL);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
	    r->json, "detail")), "a telecaller may not do this"));
	api_free(r);
}
END_TEST

/* --- forged tokens ------------------------------------------------- */

static char *
b64(const void *p, size_t n)
{
	size_t	 cap = sodium_base64_ENCODED_LEN(n,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char	*out = xmalloc(cap);

	sodium_bin2base64(out, cap, p, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* A token signed with the platform's real key, saying what we like. */
static char *
forge(const char *header, const char *claims, bool sign)
{
	PGresult	*res;
	unsigned char	*key, mac[32];
	size_t		 len;
	char		*h = b64(header, strlen(header));
	char		*c = b64(claims, strlen(claims));
	char		*signing = xasprintf("%s.%s", h, c), *sig, *out;

	res = test_sql("SELECT secret FROM signing_keys WHERE retired_at IS "
	    "NULL ORDER BY created_at DESC LIMIT 1", 0, NULL);
	key = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0),
	    &len);
	crypto_auth_hmacsha256(mac, (const unsigned char *)signing,
	    strlen(signing), key);
	if (!sign)
		mac[0] ^= 1;
	sig = b64(mac, sizeof mac);
	out = xasprintf("Authorization: Bearer %s.%s", signing, sig);
	PQfreemem(key);
	PQclear(res);
	free(h);
	free(c);
	free(signing);
	free(sig);
	return out;
}

static char *
kid(void)
{
	PGresult	*res = test_sql("SELECT kid FROM signing_keys WHERE "
			    "retired_at IS NULL ORDER BY created_at DESC LIMIT 1",
			    0, NULL);
	char		*k = xstrdup(PQgetvalue(res, 0, 0));

	PQclear(res);
	return k;
}

static long
status_with(const char *auth)
{
	const char	*hdr[2] = { auth, NULL };
	struct api_resp	*r = api_request(api_base(), "GET", "/v1/me", NULL,
			    NULL, 0, hdr);
	long		 st = r->status;

	if (st == 401)
		api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	return st;
}

START_TEST(test_forged_tokens_are_refused)
{
	struct test_user	*u = test_user_new(api_base(), "customer", NULL);
	char			*k = kid(), *head, *claims, *auth;
	long			 now = (long)time(NULL);

	head = xasprintf("{\"alg\":\"HS256\",\"kid\":\"%s\",\"typ\":\"JWT\"}", k);
	/* Correctly signed and current: accepted (the forge is faithful). */
	claims = xasprintf("{\"sub\":\"%ld\",\"role\":\"customer\",\"regions\":"
	    "[],\"vendor\":0,\"sid\":0,\"iat\":%ld,\"iat_ms\":%ld000,\"exp\":"
	    "%ld,\"jti\":\"x\"}", u->id, now, now, now + 600);
	auth = forge(head, claims, true);
	ck_assert_int_eq(status_with(auth), 200);
	free(auth);
	/* A bad signature. */
	auth = forge(head, claims, false);
	ck_assert_int_eq(status_with(auth), 401);
	free(auth);
	free(claims);
	/* Expired. */
	claims = xasprintf("{\"sub\":\"%ld\",\"role\":\"admin\",\"iat\":%ld,"
	    "\"iat_ms\":%ld000,\"exp\":%ld,\"jti\":\"x\"}", u->id, now - 3600,
	    now - 3600, now - 1800);
	auth = forge(head, claims, true);
	ck_assert_int_eq(status_with(auth), 401);
	free(auth);
	free(claims);
	/* alg none, and an unknown key id. */
	auth = forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"sub\":\"1\"}",
	    true);
	ck_assert_int_eq(status_with(auth), 401);
	free(auth);
	claims = xasprintf("{\"sub\":\"%ld\",\"role\":\"customer\",\"iat\":%ld,"
	    "\"iat_ms\":%ld000,\"exp\":%ld,\"jti\":\"x\"}", u->id, now, now,
	    now + 600);
	auth = forge("{\"alg\":\"HS256\",\"kid\":\"nosuchkey0\"}", claims, true);
	ck_assert_int_eq(status_with(auth), 401);
	free(auth);
	free(claims);
	/* A real token with its payload swapped for an admin's. */
	{
		char	*tok = xstrdup(u->token), *d1 = strchr(tok, '.'),
			*d2 = strchr(d1 + 1, '.'), *fake, *evil;

		*d1 = *d2 = '\0';
		fake = b64("{\"sub\":\"1\",\"role\":\"admin\"}", 27);
		evil = xasprintf("Authorization: Bearer %s.%s.%s", tok, fake,
		    d2 + 1);
		ck_assert_int_eq(status_with(evil), 401);
		free(evil);
		free(fake);
		free(tok);
	}
	/* Signed and current, but its regions are not ids: malformed. */
	claims = xasprintf("{\"sub\":\"%ld\",\"role\":\"employee\","
	    "\"regions\":[\"all\"],\"vendor\":0,\"sid\":0,\"iat\":%ld,"
	    "\"iat_ms\":%ld000,\"exp\":%ld,\"jti\":\"x\"}", u->id, now, now,
	    now + 600);
	auth = forge(head, claims, true);
	{
		const char	*hdr[2] = { auth, NULL };
		struct api_resp	*r = api_request(api_base(), "GET", "/v1/me",
				    NULL, NULL, 0, hdr);

		api_expect_problem(r, 401, "unauthorized", NULL);
		ck_assert_str_eq(json_string_value(json_object_get(r->json,
		    "detail")), "malformed token");
		api_free(r);
	}
	free(auth);
	free(claims);
	ck_assert_int_eq(status_with("Authorization: Basic YWRtaW46YWRtaW4="),
	    401);
	ck_assert_int_eq(status_with("Authorization: Bearer "), 401);
	ck_assert_int_eq(status_with("Authorization: Bearer a.b.c.d"), 401);
	free(head);
	free(k);
}
END_TEST

/* A suspended account's tokens stop working at once. */
START_TEST(test_suspension_voids_tokens)
{
	struct test_user	*u = test_user_new(api_base(), "customer", NULL);
	char			 id[24];
	const char		*params[1] = { id };
	long			 st = 200;
	int			 i;

	snprintf(id, sizeof id, "%ld", u->id);
	ck_assert_int_eq(status_with(u->auth), 200);
	PQclear(test_sql("UPDATE users SET status = 'suspended' WHERE id = $1",
	    1, params));
	PQclear(test_sql("SELECT pg_notify('souk_auth', $1)", 1, params));
	for (i = 0; i < 40 && st == 200; i++) {
		st = status_with(u->auth);
		usleep(50 * 1000);
	}
	ck_assert_int_eq(st, 401);
	{
		struct api_resp	*r = login(api_base(), u->email, TEST_PASSWORD);

		api_expect_problem(r, 403, "forbidden", NULL);
		api_free(r);
		r = refresh(api_base(), u->refresh);
		api_expect_problem(r, 401, "unauthorized", NULL);
		ck_assert_ptr_nonnull(strstr(r->body, "suspended"));
		api_free(r);
	}
}
END_TEST

/*
 * soukd keeps the tokens it verified; a token sent many times (to every
 * HTTP thread, with likelihood) still dies at once with its voiding.
 */
START_TEST(test_kept_tokens_die_at_once)
{
	struct test_user	*u = test_user_new(api_base(), "customer", NULL);
	struct api_resp		*r;
	char			*old = xstrdup(u->auth);
	int			 i;

	for (i = 0; i < 40; i++)
		ck_assert_int_eq(status_with(old), 200);
	r = test_user_request(api_base(), u, "POST", "/v1/me/password",
	    "{\"current_password\":\"" TEST_PASSWORD "\",\"new_password\":"
	    "\"another good one\"}");
	api_expect(r, 200, "POST", "/v1/me/password");
	api_free(r);
	for (i = 0; i < 40; i++)
		ck_assert_int_eq(status_with(old), 401);
	free(old);
}
END_TEST

START_TEST(test_user_add_command)
{
	const char	*dup[] = { "user", "add", "--role", "admin", "--email",
			    NULL, "--database", NULL, NULL };
	const char	*bad[] = { "user", "add", "--role", "king", "--email",
			    "k@test.souk", NULL };
	const char	*vendor[] = { "user", "add", "--role", "vendor_owner",
			    "--email", "v@test.souk", "--database", NULL, NULL,
			    NULL, NULL };
	const char	*staff[] = { "user", "add", "--role", "employee",
			    "--email", "e@test.souk", "--vendor", "1",
			    "--database", NULL, NULL };
	struct test_user *u = test_user_new(api_base(), "customer", NULL);
	char		*out = NULL, *name = test_unique("user add vendor");
	char		*email = test_unique("owner");
	const char	*params[1] = { name };
	PGresult	*res;
	size_t		 i;

	dup[5] = u->email;
	dup[7] = test_conninfo();
	ck_assert_int_eq(soukd_run(dup, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "exists"));
	free(out);
	ck_assert_int_eq(soukd_run(bad, &out), 2);
	free(out);
	/* A vendor role needs its vendor, and only vendor roles take one. */
	vendor[7] = test_conninfo();
	ck_assert_int_eq(soukd_run(vendor, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "--vendor"));
	free(out);
	staff[9] = test_conninfo();
	ck_assert_int_eq(soukd_run(staff, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "--vendor"));
	free(out);
	vendor[8] = "--vendor";
	vendor[9] = "999999999";
	ck_assert_int_eq(soukd_run(vendor, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "no vendor"));
	free(out);
	res = test_sql("WITH g AS (INSERT INTO regions (kind, name) VALUES"
	    " ('country', $1) RETURNING id) INSERT INTO vendors (name,"
	    " legal_name, category, address, region_id, pincode) SELECT $1, $1,"
	    " 'general', 'x', g.id, '560001' FROM g RETURNING id::text", 1,
	    params);
	vendor[9] = PQgetvalue(res, 0, 0);
	for (i = 0; email[i] != '\0'; i++)
		if (email[i] == ' ')
			email[i] = '.';
	vendor[5] = xasprintf("%s@test.souk", email);
	ck_assert_int_eq(soukd_run(vendor, &out), 0);
	free(out);
	PQclear(res);
	params[0] = vendor[5];
	res = test_sql("SELECT role, vendor_id IS NOT NULL FROM users WHERE"
	    " email = $1", 1, params);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "vendor_owner");
	ck_assert_str_eq(PQgetvalue(res, 0, 1), "t");
	PQclear(res);
	free(name);
	free(email);
}
END_TEST

/* An option a command does not take is named, not its value. */
START_TEST(test_commands_name_a_wrong_option)
{
	const char	*rotate[] = { "keys", "rotate", "--role", "api", NULL };
	const char	*routes[] = { "routes", "--status", NULL };
	char		*out = NULL;

	ck_assert_int_eq(soukd_run(rotate, &out), 2);
	ck_assert_msg(strstr(out, "--role is not an option of keys rotate") !=
	    NULL, "%s", out);
	ck_assert_ptr_null(strstr(out, "api is not"));
	free(out);
	ck_assert_int_eq(soukd_run(routes, &out), 2);
	ck_assert_msg(strstr(out, "--status is not an option of routes") !=
	    NULL, "%s", out);
	free(out);
}
END_TEST

Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc = tcase_create("auth");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_login_and_me);
	tcase_add_test(tc, test_failures_tell_nothing);
	tcase_add_test(tc, test_lock_after_too_many_failures);
	tcase_add_test(tc, test_refresh_rotates_and_reuse_revokes);
	tcase_add_test(tc, test_kept_tokens_die_at_once);
	tcase_add_test(tc, test_logout_and_sessions);
	tcase_add_test(tc, test_password_change);
	tcase_add_test(tc, test_update_me);
	tcase_add_test(tc, test_forged_tokens_are_refused);
	tcase_add_test(tc, test_suspension_voids_tokens);
	tcase_add_test(tc, test_user_add_command);
	tcase_add_test(tc, test_account_gone);
	tcase_add_test(tc, test_suspended_login_says_why);
	tcase_add_test(tc, test_forbidden_names_the_role);
	tcase_add_test(tc, test_commands_name_a_wrong_option);
	suite_add_tcase(s, tc);
	return s;
}
