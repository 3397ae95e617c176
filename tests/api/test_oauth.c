/*
 * Signing in with Google and Facebook, against their stand-ins in
 * tests/fakes: each test starts the fakes and a soukd pointed at them, and
 * plays the browser (start → the provider's consent page → the callback).
 * New people become customers, the same identity finds the same account,
 * an address is linked only when the provider vouches for it and the
 * account confirmed it, states and login codes work once, a tampered PKCE
 * challenge or a refused code is refused, a provider that fails or stalls
 * is a 503 within provider_timeout, and return_to stays inside the app.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "harness.h"
#include "suites.h"

/* The fakes' clients (tests/fakes/fakes.h). */
#define GOOGLE_ID	"souk-test.apps.googleusercontent.com"
#define GOOGLE_SECRET	"GOCSPX-souk-test-secret"
#define FACEBOOK_ID	"1234567890123456"
#define FACEBOOK_SECRET	"souk-test-facebook-app-secret"

#define APP_URL		"https://app.souk.test"
#define PUBLIC_URL	"https://api.souk.test"
#define TIMEOUT_MS	1000

#define CALLBACK	"/v1/auth/oauth/{provider}/callback"
#define START		"/v1/auth/oauth/{provider}/start"
#define EXCHANGE	"/v1/auth/oauth/exchange"

/* --- the fakes -------------------------------------------------------- */

static struct test_fakes	*f;
static struct soukd		*s;

static struct test_fakes *
fake_start(void)
{
	struct test_fakes	*fk = xcalloc(1, sizeof *fk);

	test_fakes_start(fk, "oauth-fakes", NULL);
	return fk;
}

static void
fake_rule(const char *json)
{
	struct api_resp	*r;

	r = api_request(f->http, "POST", "/_fake/rule", "application/json",
	    json, strlen(json), NULL);
	ck_assert_msg(r->status == 204, "rule %s: %ld %s", json, r->status,
	    r->body);
	api_free(r);
}

/* What the fakes recorded for service, oldest first. */
static json_t *
fake_requests(const char *service)
{
	char		*path = xasprintf("%s/requests.jsonl", f->dir);
	char		*text = test_read_file(path), *line, *next;
	json_t		*all = json_array(), *e;

	for (line = text; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		e = json_loads(line, 0, NULL);
		ck_assert_msg(e != NULL, "bad record: %s", line);
		if (strcmp(json_string_value(json_object_get(e, "service")),
		    service) == 0)
			json_array_append(all, e);
		json_decref(e);
	}
	free(text);
	free(path);
	return all;
}

/* The newest record of service (a new reference), or fails. */
static json_t *
fake_last(const char *service)
{
	json_t	*all = fake_requests(service), *last;

	ck_assert_msg(json_array_size(all) > 0, "no %s request", service);
	last = json_incref(json_array_get(all, json_array_size(all) - 1));
	json_decref(all);
	return last;
}

static const char *
rec(const json_t *record, const char *group, const char *key)
{
	return json_string_value(json_object_get(json_object_get(record,
	    group), key));
}

/* --- soukd ------------------------------------------------------------- */

static void
oauth_env(const struct test_fakes *fk)
{
	char	*v;

	setenv("SOUKD_GOOGLE_CLIENT_ID", GOOGLE_ID, 1);
	setenv("SOUKD_GOOGLE_CLIENT_SECRET", GOOGLE_SECRET, 1);
	v = xasprintf("%s/google/o/oauth2/v2/auth", fk->http);
	setenv("SOUKD_GOOGLE_AUTH_URL", v, 1);
	free(v);
	v = xasprintf("%s/google/token", fk->http);
	setenv("SOUKD_GOOGLE_TOKEN_URL", v, 1);
	free(v);
	v = xasprintf("%s/google/v1/userinfo", fk->http);
	setenv("SOUKD_GOOGLE_USERINFO_URL", v, 1);
	free(v);
	setenv("SOUKD_FACEBOOK_CLIENT_ID", FACEBOOK_ID, 1);
	setenv("SOUKD_FACEBOOK_CLIENT_SECRET", FACEBOOK_SECRET, 1);
	v = xasprintf("%s/facebook/v19.0/dialog/oauth", fk->http);
	setenv("SOUKD_FACEBOOK_AUTH_URL", v, 1);
	free(v);
	v = xasprintf("%s/facebook/v19.0/oauth/access_token", fk->http);
	setenv("SOUKD_FACEBOOK_TOKEN_URL", v, 1);
	free(v);
	v = xasprintf("%s/facebook/me?fields=id,name,email", fk->http);
	setenv("SOUKD_FACEBOOK_USERINFO_URL", v, 1);
	free(v);
	/* The app's pages and this API's public address, as deployed. */
	setenv("SOUKD_APP_URL", APP_URL, 1);
	setenv("SOUKD_PUBLIC_URL", PUBLIC_URL "/", 1);
	setenv("SOUKD_PROVIDER_TIMEOUT", "1s", 1);
}

static void
oauth_setup(void)
{
	f = fake_start();
	oauth_env(f);
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
}

static void
oauth_teardown(void)
{
	/* 0: it also freed everything (leak detection is on). */
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	test_fakes_stop(f);
}

/* --- the browser ------------------------------------------------------- */

static char *
unique(const char *prefix)
{
	static int	seq;
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return xasprintf("%s%ld%06ld%d", prefix, (long)getpid(),
	    (long)(ts.tv_nsec / 1000), ++seq);
}

static char *
esc(const char *text)
{
	char	*e = curl_easy_escape(NULL, text, 0), *out = xstrdup(e);

	curl_free(e);
	return out;
}

/* POST .../start; returns the answer (validated), status 200 expected. */
static json_t *
start(const char *provider, const char *return_to)
{
	struct api_resp	*r;
	char		*path = xasprintf("/v1/auth/oauth/%s/start", provider);
	char		*body = NULL, *cc;
	json_t		*j;

	if (return_to != NULL) {
		j = json_pack("{s:s}", "return_to", return_to);
		body = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	r = api_request(s->url, "POST", path, body != NULL ?
	    "application/json" : NULL, body, body != NULL ? strlen(body) : 0,
	    NULL);
	api_expect(r, 200, "POST", START);
	cc = api_header(r, "Cache-Control");
	ck_assert_str_eq(cc, "no-store");
	j = json_incref(r->json);
	api_free(r);
	free(body);
	free(path);
	free(cc);
	return j;
}

/*
 * Opens the authorization URL as the browser would, with query (the
 * fake's "who consents" parameters) added, and returns where the provider
 * sends the browser: the callback's path and query on soukd (the
 * provider's Location is on PUBLIC_URL; browsers drop the fragment).
 */
static char *
consent(const json_t *started, const char *provider, const char *query)
{
	const char	*url = json_string_value(json_object_get(started,
			    "authorization_url"));
	struct api_resp	*r;
	char		*full, *loc, *want, *path, *hash;

	ck_assert_ptr_nonnull(url);
	ck_assert_msg(strncmp(url, f->http, strlen(f->http)) == 0, "%s", url);
	full = xasprintf("%s&%s", url, query);
	r = api_request(full, "GET", "", NULL, NULL, 0, NULL);
	ck_assert_msg(r->status == 302, "authorize: %ld %s", r->status,
	    r->body);
	loc = api_header(r, "Location");
	ck_assert_ptr_nonnull(loc);
	want = xasprintf(PUBLIC_URL "/v1/auth/oauth/%s/callback?", provider);
	ck_assert_msg(strncmp(loc, want, strlen(want)) == 0, "Location %s",
	    loc);
	if ((hash = strchr(loc, '#')) != NULL)
		*hash = '\0';
	path = xstrdup(loc + strlen(PUBLIC_URL));
	api_free(r);
	free(full);
	free(loc);
	free(want);
	return path;
}

static struct api_resp *
callback(const char *path)
{
	return api_request(s->url, "GET", path, NULL, NULL, 0, NULL);
}

/* The fake's consent parameters for an identity. */
static char *
who(const char *sub, const char *email, bool verified, const char *name)
{
	char	*e = email != NULL ? esc(email) : NULL,
		*n = name != NULL ? esc(name) : NULL, *q;

	q = xasprintf("fake_sub=%s%s%s&fake_email_verified=%s%s%s", sub,
	    e != NULL ? "&fake_email=" : "", e != NULL ? e : "",
	    verified ? "true" : "false", n != NULL ? "&fake_name=" : "",
	    n != NULL ? n : "");
	free(e);
	free(n);
	return q;
}

/* The whole dance, without return_to; returns the callback's answer. */
static struct api_resp *
sign_in(const char *provider, const char *sub, const char *email,
    bool verified, const char *name)
{
	json_t		*st = start(provider, NULL);
	char		*q = who(sub, email, verified, name);
	char		*path = consent(st, provider, q);
	struct api_resp	*r = callback(path);

	free(path);
	free(q);
	json_decref(st);
	return r;
}

static long
user_id(const struct api_resp *r)
{
	return (long)json_integer_value(json_object_get(json_object_get(
	    r->json, "user"), "id"));
}

/* GET /v1/me with the answer's access token works, as that user. */
static void
expect_me(const struct api_resp *r, long id)
{
	char		*auth = xasprintf("Authorization: Bearer %s",
			    json_string_value(json_object_get(r->json,
			    "access_token")));
	const char	*hdr[2] = { auth, NULL };
	struct api_resp	*me;

	me = api_request(s->url, "GET", "/v1/me", NULL, NULL, 0, hdr);
	api_expect(me, 200, "GET", "/v1/me");
	ck_assert_int_eq(json_integer_value(json_object_get(me->json, "id")),
	    id);
	api_free(me);
	free(auth);
}

/* How many rows SQL (one integer column) counts. */
static long
count(const char *sql, int n, const char *const *params)
{
	PGresult	*res = test_sql(sql, n, params);
	long		 c = strtol(PQgetvalue(res, 0, 0), NULL, 10);

	PQclear(res);
	return c;
}

/* How many audit entries of action target user id has. */
static long
audited(long id, const char *action)
{
	char		 uid[24];
	const char	*params[2] = { uid, action };

	snprintf(uid, sizeof uid, "%ld", id);
	return count("SELECT count(*) FROM audit_log WHERE target_type = "
	    "'user' AND target_id = $1 AND action = $2", 2, params);
}

/* The newest audit entry's detail of action, for any target. */
static char *
last_audit_detail(const char *action)
{
	const char	*params[1] = { action };
	PGresult	*res = test_sql("SELECT coalesce(detail, '') FROM "
			    "audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1",
			    1, params);
	char		*d;

	ck_assert_int_eq(PQntuples(res), 1);
	d = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return d;
}

/* The bytea literal of the SHA-256 of a secret's text, as soukd keeps it. */
static char *
hash_lit(const char *secret)
{
	unsigned char	h[crypto_hash_sha256_BYTES];
	char		hex[sizeof h * 2 + 1];

	crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	return xasprintf("\\x%s", hex);
}

static void
expect_detail(const struct api_resp *r, const char *needle)
{
	const char	*d = json_string_value(json_object_get(r->json,
			    "detail"));

	ck_assert_msg(d != NULL && strstr(d, needle) != NULL,
	    "detail lacks '%s': %s", needle, r->body);
}

/* --- tests --------------------------------------------------------------- */

START_TEST(test_new_google_user_becomes_customer)
{
	char		*sub = unique("g"), *email = unique("priya."), *addr,
			*upper, *redirect, *text;
	struct api_resp	*r;
	json_t		*user, *auth, *tok, *ui;
	const char	*params[2];
	long		 id;

	addr = xasprintf("%s@gmail.test", email);
	r = sign_in("google", sub, addr, true, "Priya Sharma");
	api_expect(r, 200, "GET", CALLBACK);
	user = json_object_get(r->json, "user");
	id = user_id(r);
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(json_string_value(json_object_get(user, "role")),
	    "customer");
	ck_assert_str_eq(json_string_value(json_object_get(user, "email")),
	    addr);
	ck_assert(json_is_true(json_object_get(user, "email_verified")));
	ck_assert_str_eq(json_string_value(json_object_get(user, "name")),
	    "Priya Sharma");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json,
	    "refresh_token")));
	expect_me(r, id);
	api_free(r);

	/* What the provider saw: PKCE S256, the scope, our redirect_uri. */
	auth = fake_last("google_auth");
	redirect = xasprintf("%s/v1/auth/oauth/google/callback", PUBLIC_URL);
	ck_assert_str_eq(rec(auth, "query", "code_challenge_method"), "S256");
	ck_assert_str_eq(rec(auth, "query", "scope"), "openid email profile");
	ck_assert_str_eq(rec(auth, "query", "redirect_uri"), redirect);
	ck_assert_str_eq(rec(auth, "query", "client_id"), GOOGLE_ID);
	ck_assert_str_eq(rec(auth, "query", "response_type"), "code");
	tok = fake_last("google_token");
	ck_assert_str_eq(rec(tok, "form", "grant_type"), "authorization_code");
	ck_assert_str_eq(rec(tok, "form", "redirect_uri"), redirect);
	ck_assert_str_eq(rec(tok, "form", "client_secret"), GOOGLE_SECRET);
	ck_assert_uint_eq(strlen(rec(tok, "form", "code_verifier")), 43);
	ck_assert(json_is_true(json_object_get(tok, "pkce")));
	ui = fake_last("google_userinfo");
	ck_assert_ptr_nonnull(strstr(rec(ui, "headers", "authorization"),
	    "Bearer ya29."));
	/* The verifier never went through the browser. */
	text = json_dumps(auth, JSON_COMPACT);
	ck_assert_ptr_null(strstr(text, rec(tok, "form", "code_verifier")));
	free(text);

	/* An account without a password; the identity linked. */
	params[0] = sub;
	ck_assert_int_eq(count("SELECT count(*) FROM user_identities i JOIN "
	    "users u ON u.id = i.user_id WHERE i.provider = 'google' AND "
	    "i.subject = $1 AND u.password_hash IS NULL", 1, params), 1);
	ck_assert_int_eq(audited(id, "user.created"), 1);
	ck_assert_int_eq(audited(id, "auth.oauth_linked"), 1);
	ck_assert_int_eq(audited(id, "auth.oauth_login"), 1);

	/* Again, even with another address at Google: the same account. */
	upper = xasprintf("other.%s@gmail.test", email);
	r = sign_in("google", sub, upper, true, "Priya S.");
	api_expect(r, 200, "GET", CALLBACK);
	ck_assert_int_eq(user_id(r), id);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    r->json, "user"), "email")), addr);
	api_free(r);
	ck_assert_int_eq(audited(id, "auth.oauth_login"), 2);
	ck_assert_int_eq(audited(id, "user.created"), 1);
	params[0] = sub;
	params[1] = upper;
	ck_assert_int_eq(count("SELECT count(*) FROM user_identities WHERE "
	    "subject = $1 AND email = $2 AND last_login_at IS NOT NULL", 2,
	    params), 1);
	json_decref(auth);
	json_decref(tok);
	json_decref(ui);
}
END_TEST

START_TEST(test_verified_google_email_links_account)
{
	struct test_user	*u = test_user_new(s->url, "customer", NULL);
	char			*sub = unique("g"), *shouted, *p;
	struct api_resp		*r;
	const char		*params[2];
	char			 id[24];

	/* Google's address in other case: the same address. */
	shouted = xstrdup(u->email);
	for (p = shouted; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	r = sign_in("google", sub, shouted, true, "Someone Else");
	api_expect(r, 200, "GET", CALLBACK);
	ck_assert_int_eq(user_id(r), u->id);
	/* Linking changes nothing of the account. */
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    r->json, "user"), "email")), u->email);
	expect_me(r, u->id);
	api_free(r);
	snprintf(id, sizeof id, "%ld", u->id);
	params[0] = sub;
	params[1] = id;
	ck_assert_int_eq(count("SELECT count(*) FROM user_identities WHERE "
	    "provider = 'google' AND subject = $1 AND user_id = $2", 2,
	    params), 1);
	ck_assert_int_eq(audited(u->id, "auth.oauth_linked"), 1);
	ck_assert_int_eq(audited(u->id, "user.created"), 0);

	/* The password still works, and so does Google again. */
	test_user_login(s->url, u);
	r = sign_in("google", sub, u->email, true, NULL);
	api_expect(r, 200, "GET", CALLBACK);
	ck_assert_int_eq(user_id(r), u->id);
	api_free(r);

	/* Another Google account with the same address is not linked too. */
	free(sub);
	sub = unique("g");
	r = sign_in("google", sub, u->email, true, NULL);
	api_expect(r, 409, "GET", CALLBACK);
	expect_detail(r, "linked to another Google account");
	api_free(r);
}
END_TEST

/* An address Google does not vouch for must not take over an account. */
START_TEST(test_unverified_google_email_is_not_linked)
{
	struct test_user	*u = test_user_new(s->url, "customer", NULL);
	char			*sub = unique("g"), *fresh, *addr;
	struct api_resp		*r;
	const char		*params[1];
	char			*detail;
	int			 i;

	for (i = 0; i < 2; i++) {
		r = sign_in("google", sub, u->email, false, "Mallory");
		api_expect(r, 409, "GET", CALLBACK);
		api_expect_problem(r, 409, "conflict", NULL);
		expect_detail(r, "does not vouch");
		ck_assert_ptr_null(json_object_get(r->json, "access_token"));
		api_free(r);
	}
	params[0] = sub;
	ck_assert_int_eq(count("SELECT count(*) FROM user_identities WHERE "
	    "subject = $1", 1, params), 0);
	ck_assert_int_eq(audited(u->id, "auth.oauth_linked"), 0);
	ck_assert_int_ge(audited(u->id, "auth.oauth_refused"), 2);

	/* A new address Google does not vouch for: a customer, unconfirmed. */
	fresh = unique("new.");
	addr = xasprintf("%s@example.test", fresh);
	r = sign_in("google", sub, addr, false, NULL);
	api_expect(r, 200, "GET", CALLBACK);
	ck_assert(json_is_false(json_object_get(json_object_get(r->json,
	    "user"), "email_verified")));
	ck_assert(json_is_null(json_object_get(json_object_get(r->json,
	    "user"), "name")));
	api_free(r);
	detail = last_audit_detail("auth.oauth_login");
	ck_assert_str_eq(detail, "Google, a new account");
	free(detail);
}
END_TEST

/*
 * Someone registered the address first, without confirming it: linking
 * would hand its owner an account a stranger holds the password of.
 */
START_TEST(test_unconfirmed_account_is_not_linked)
{
	char		*local = unique("pre."), *addr, *body, *sub = unique("g");
	struct api_resp	*r;
	long		 id;

	addr = xasprintf("%s@example.test", local);
	body = xasprintf("{\"email\":\"%s\",\"password\":\"squatter pw 1\","
	    "\"name\":\"Squatter\"}", addr);
	r = api_request(s->url, "POST", "/v1/auth/register",
	    "application/json", body, strlen(body), NULL);
	ck_assert_int_eq(r->status, 201);
	id = user_id(r);
	api_free(r);
	r = sign_in("google", sub, addr, true, "Owner");
	api_expect(r, 409, "GET", CALLBACK);
	expect_detail(r, "never confirmed");
	expect_detail(r, "reset its password");
	api_free(r);
	ck_assert_int_eq(audited(id, "auth.oauth_linked"), 0);
	ck_assert_int_eq(audited(id, "auth.oauth_refused"), 1);
}
END_TEST

/*
 * Facebook does not say whether it confirmed an address: its addresses
 * never link to an account, and make unconfirmed ones.
 */
START_TEST(test_facebook_email_is_never_trusted)
{
	struct test_user	*u = test_user_new(s->url, "customer", NULL);
	char			*sub = unique("10"), *fresh, *addr;
	struct api_resp		*r;
	json_t			*ui, *user;
	const char		*params[1];
	long			 id;

	/* Even claiming email_verified at the fake changes nothing. */
	r = sign_in("facebook", sub, u->email, true, "Mallory");
	api_expect(r, 409, "GET", CALLBACK);
	expect_detail(r, "Facebook does not vouch");
	api_free(r);
	ck_assert_int_eq(audited(u->id, "auth.oauth_linked"), 0);
	ck_assert_int_eq(audited(u->id, "auth.oauth_refused"), 1);

	fresh = unique("fb.");
	addr = xasprintf("%s@example.test", fresh);
	r = sign_in("facebook", sub, addr, true, "राहुल वर्मा");
	api_expect(r, 200, "GET", CALLBACK);
	user = json_object_get(r->json, "user");
	id = user_id(r);
	ck_assert_str_eq(json_string_value(json_object_get(user, "role")),
	    "customer");
	ck_assert(json_is_false(json_object_get(user, "email_verified")));
	ck_assert_str_eq(json_string_value(json_object_get(user, "name")),
	    "राहुल वर्मा");
	expect_me(r, id);
	api_free(r);
	/* Graph API calls carry appsecret_proof (the fake insists). */
	ui = fake_last("facebook_userinfo");
	ck_assert_uint_eq(strlen(rec(ui, "query", "appsecret_proof")), 64);
	ck_assert_str_eq(rec(ui, "query", "fields"), "id,name,email");
	json_decref(ui);
	ui = fake_last("facebook_auth");
	ck_assert_str_eq(rec(ui, "query", "scope"), "email public_profile");
	json_decref(ui);

	/* The same identity again: the same account. */
	r = sign_in("facebook", sub, addr, false, NULL);
	api_expect(r, 200, "GET", CALLBACK);
	ck_assert_int_eq(user_id(r), id);
	api_free(r);

	/* No address shared: nothing to make an account with. */
	free(sub);
	sub = unique("10");
	r = sign_in("facebook", sub, NULL, false, "No Mail");
	api_expect(r, 422, "GET", CALLBACK);
	expect_detail(r, "did not give an email address");
	api_free(r);
	params[0] = sub;
	ck_assert_int_eq(count("SELECT count(*) FROM user_identities WHERE "
	    "subject = $1", 1, params), 0);
}
END_TEST

START_TEST(test_state_works_once_at_its_provider)
{
	json_t		*st;
	char		*q, *path, *other, *sub = unique("g"), *addr, *mail,
			*huge;
	struct api_resp	*r;

	mail = unique("once.");
	addr = xasprintf("%s@gmail.test", mail);
	q = who(sub, addr, true, NULL);
	st = start("google", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(st,
	    "expires_in")), 600);
	path = consent(st, "google", q);
	r = callback(path);
	api_expect(r, 200, "GET", CALLBACK);
	api_free(r);
	/* The same redirect again (a replay, or the back button). */
	r = callback(path);
	api_expect(r, 401, "GET", CALLBACK);
	expect_detail(r, "already used");
	api_free(r);
	free(path);
	json_decref(st);

	/* A Facebook state at Google's callback: refused, and spent. */
	st = start("facebook", NULL);
	path = consent(st, "facebook", q);
	other = xasprintf("/v1/auth/oauth/google/callback%s",
	    strchr(path, '?'));
	r = callback(other);
	api_expect(r, 401, "GET", CALLBACK);
	expect_detail(r, "started with Facebook, not Google");
	api_free(r);
	r = callback(path);
	api_expect(r, 401, "GET", CALLBACK);
	expect_detail(r, "already used");
	api_free(r);
	free(path);
	free(other);
	json_decref(st);

	/* A state soukd never made, and none at all. */
	r = callback("/v1/auth/oauth/google/callback?code=abc&state=forged");
	api_expect(r, 401, "GET", CALLBACK);
	expect_detail(r, "unknown");
	api_free(r);
	r = callback("/v1/auth/oauth/google/callback?code=abc");
	api_expect(r, 400, "GET", CALLBACK);
	api_expect_problem(r, 400, "validation", "state");
	api_free(r);
	r = callback("/v1/auth/oauth/google/callback?state=abc");
	api_expect_problem(r, 400, "validation", "code");
	api_free(r);
	r = callback("/v1/auth/oauth/google/callback?code=a&state=b&evil=1");
	api_expect_problem(r, 400, "validation", "evil");
	api_free(r);
	/* Hostile parameters: refused before any work. */
	r = callback("/v1/auth/oauth/google/callback?code=a&state=b'%3B--");
	api_expect(r, 401, "GET", CALLBACK);
	api_free(r);
	r = callback("/v1/auth/oauth/google/callback?error=DROP%20TABLE&"
	    "state=b");
	api_expect_problem(r, 400, "validation", "error");
	api_free(r);
	r = callback("/v1/auth/oauth/google/callback?code=a&state=%FF%FE");
	api_expect(r, 400, "GET", CALLBACK);
	api_free(r);
	huge = xmalloc(3001);
	memset(huge, 'x', 3000);
	huge[3000] = '\0';
	other = xasprintf("/v1/auth/oauth/google/callback?code=%s&state=s",
	    huge);
	r = callback(other);
	api_expect_problem(r, 400, "validation", "code");
	api_free(r);
	free(other);
	other = xasprintf("/v1/auth/oauth/google/callback?code=c&state=%.300s",
	    huge);
	r = callback(other);
	api_expect_problem(r, 400, "validation", "state");
	api_free(r);
	free(other);
	free(huge);
	/* None of it reached the provider. */
	ck_assert_int_eq(json_array_size(fake_requests("google_token")), 1);
	free(q);
}
END_TEST

START_TEST(test_expired_state_is_refused)
{
	json_t		*st = start("google", NULL);
	char		*q = who("g-expired", "late@gmail.test", true, NULL);
	char		*lit = hash_lit(json_string_value(json_object_get(st,
			    "state")));
	const char	*params[1] = { lit };
	char		*path;
	struct api_resp	*r;
	json_t		*before, *after;

	/* Ten minutes, as made. */
	ck_assert_int_eq(count("SELECT count(*) FROM oauth_states WHERE "
	    "state_hash = $1::bytea AND expires_at - created_at = interval "
	    "'10 minutes' AND used_at IS NULL", 1, params), 1);
	PQclear(test_sql("UPDATE oauth_states SET expires_at = now() - "
	    "interval '1 second' WHERE state_hash = $1::bytea", 1, params));
	path = consent(st, "google", q);
	before = fake_requests("google_token");
	r = callback(path);
	api_expect(r, 401, "GET", CALLBACK);
	expect_detail(r, "more than 10 minutes");
	api_free(r);
	after = fake_requests("google_token");
	ck_assert_uint_eq(json_array_size(after), json_array_size(before));
	json_decref(before);
	json_decref(after);
	free(path);
	free(lit);
	free(q);
	json_decref(st);
}
END_TEST

/* A challenge swapped in the browser: the verifier no longer matches. */
START_TEST(test_tampered_pkce_is_refused)
{
	json_t		*st = start("google", NULL), *tok;
	char		*url = xstrdup(json_string_value(json_object_get(st,
			    "authorization_url"))), *p, *q, *path;
	struct api_resp	*r;

	p = strstr(url, "code_challenge=");
	ck_assert_ptr_nonnull(p);
	p += strlen("code_challenge=");
	ck_assert_uint_ge(strlen(p), 43);
	/* The attacker's own challenge, same length. */
	memcpy(p, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", 43);
	json_object_set_new(st, "authorization_url", json_string(url));
	q = who("g-tampered", "tampered@gmail.test", true, NULL);
	path = consent(st, "google", q);
	r = callback(path);
	api_expect(r, 401, "GET", CALLBACK);
	api_expect_problem(r, 401, "unauthorized", NULL);
	expect_detail(r, "Google refused the sign-in code (invalid_grant)");
	api_free(r);
	tok = fake_last("google_token");
	ck_assert(json_is_false(json_object_get(tok, "pkce")));
	ck_assert_int_eq(json_integer_value(json_object_get(tok, "status")),
	    400);
	json_decref(tok);
	p = last_audit_detail("auth.oauth_refused");
	ck_assert_str_eq(p, "Google refused the sign-in code (invalid_grant)");
	free(p);
	ck_assert_int_eq(json_array_size(fake_requests("google_userinfo")), 0);
	free(path);
	free(q);
	free(url);
	json_decref(st);
}
END_TEST

START_TEST(test_provider_error_is_refused)
{
	json_t		*st;
	char		*path;
	struct api_resp	*r;

	st = start("google", NULL);
	path = consent(st, "google", "fake_deny=access_denied");
	ck_assert_ptr_nonnull(strstr(path, "error=access_denied"));
	ck_assert_ptr_null(strstr(path, "code="));
	r = callback(path);
	api_expect(r, 401, "GET", CALLBACK);
	expect_detail(r, "access_denied");
	expect_detail(r, "cancelled");
	api_free(r);
	/* The state is spent, and no code was exchanged. */
	r = callback(path);
	expect_detail(r, "already used");
	api_free(r);
	ck_assert_int_eq(json_array_size(fake_requests("google_token")), 0);
	json_decref(st);
	free(path);

	/* Facebook's way of saying it, with error_reason. */
	st = start("facebook", NULL);
	path = consent(st, "facebook", "fake_deny=access_denied");
	ck_assert_ptr_nonnull(strstr(path, "error_reason=user_denied"));
	r = callback(path);
	api_expect(r, 401, "GET", CALLBACK);
	expect_detail(r, "Facebook sign-in did not complete");
	api_free(r);
	json_decref(st);
	free(path);
}
END_TEST

/* Runs a sign-in and returns its answer and how long the callback took. */
static struct api_resp *
timed_sign_in(const char *provider, const char *query, long *ms)
{
	json_t		*st = start(provider, NULL);
	char		*path = consent(st, provider, query);
	struct timespec	 a, b;
	struct api_resp	*r;

	clock_gettime(CLOCK_MONOTONIC, &a);
	r = callback(path);
	clock_gettime(CLOCK_MONOTONIC, &b);
	*ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	free(path);
	json_decref(st);
	return r;
}

START_TEST(test_provider_down_is_503)
{
	char		*q = who("g-down", "down@gmail.test", true, NULL);
	struct api_resp	*r;
	long		 ms;

	fake_rule("{\"service\":\"google_token\",\"status\":500}");
	r = timed_sign_in("google", q, &ms);
	api_expect(r, 503, "GET", CALLBACK);
	api_expect_problem(r, 503, "unavailable", NULL);
	expect_detail(r, "HTTP 500");
	api_free(r);

	fake_rule("{\"service\":\"google_userinfo\",\"status\":503}");
	r = timed_sign_in("google", q, &ms);
	api_expect(r, 503, "GET", CALLBACK);
	expect_detail(r, "did not say who signed in");
	api_free(r);

	/* Stalls: abandoned after provider_timeout, at either call. */
	fake_rule("{\"service\":\"facebook_token\",\"stall_ms\":4000}");
	r = timed_sign_in("facebook", q, &ms);
	api_expect(r, 503, "GET", CALLBACK);
	expect_detail(r, "timed out");
	ck_assert_msg(ms >= TIMEOUT_MS - 50 && ms < TIMEOUT_MS + 1500,
	    "answered in %ld ms", ms);
	api_free(r);
	fake_rule("{\"service\":\"google_userinfo\",\"stall_ms\":4000}");
	r = timed_sign_in("google", q, &ms);
	api_expect(r, 503, "GET", CALLBACK);
	ck_assert_msg(ms < TIMEOUT_MS + 1500, "answered in %ld ms", ms);
	api_free(r);

	/* A code the provider refuses is the person's problem, not a 503. */
	fake_rule("{\"service\":\"google_token\",\"status\":400,"
	    "\"code\":\"invalid_grant\"}");
	r = timed_sign_in("google", q, &ms);
	api_expect(r, 401, "GET", CALLBACK);
	api_free(r);
	fake_rule("{\"service\":\"facebook_token\",\"status\":400}");
	r = timed_sign_in("facebook", q, &ms);
	api_expect(r, 401, "GET", CALLBACK);
	expect_detail(r, "Facebook refused the sign-in code");
	api_free(r);

	/* And after all that, it works. */
	r = timed_sign_in("google", q, &ms);
	api_expect(r, 200, "GET", CALLBACK);
	api_free(r);
	free(q);
}
END_TEST

/* soukd's own client secret refused: soukd's fault, so 503, and logged. */
START_TEST(test_wrong_client_secret_is_503)
{
	struct soukd	*bad;
	struct api_resp	*r;
	struct soukd	*keep = s;
	long		 ms;

	setenv("SOUKD_GOOGLE_CLIENT_SECRET", "not the secret", 1);
	bad = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(bad);
	s = bad;
	r = timed_sign_in("google", "fake_sub=g-misconfigured", &ms);
	api_expect(r, 503, "GET", CALLBACK);
	expect_detail(r, "misconfigured");
	ck_assert_ptr_null(strstr(r->body, "not the secret"));
	api_free(r);
	s = keep;
	ck_assert(soukd_log_has(bad, "refuses our client id or secret"));
	ck_assert(!soukd_log_has(bad, "not the secret"));
	ck_assert_int_eq(soukd_stop(bad, SIGTERM), 0);
}
END_TEST

START_TEST(test_return_to_gets_a_login_code)
{
	const char	*rt = APP_URL "/signed-in?next=%2Fcart";
	json_t		*st = start("google", rt);
	char		*sub = unique("g"), *mail = unique("rt."), *addr, *q,
			*path, *loc, *cc, *code, *body, *lit, *want;
	const char	*params[1];
	struct api_resp	*r;
	long		 id;

	addr = xasprintf("%s@gmail.test", mail);
	q = who(sub, addr, true, "Return To");
	path = consent(st, "google", q);
	r = callback(path);
	api_expect(r, 302, "GET", CALLBACK);
	loc = api_header(r, "Location");
	want = xasprintf("%s&login_code=", rt);
	ck_assert_msg(loc != NULL && strncmp(loc, want, strlen(want)) == 0,
	    "Location %s", loc != NULL ? loc : "(none)");
	ck_assert_ptr_null(strstr(r->headers, "access_token"));
	ck_assert_ptr_null(strstr(r->body, "access_token"));
	cc = api_header(r, "Cache-Control");
	ck_assert_str_eq(cc, "no-store");
	api_free(r);
	code = xstrdup(loc + strlen(want));
	ck_assert_uint_eq(strlen(code), 43);

	/* Kept hashed, for two minutes. */
	lit = hash_lit(code);
	params[0] = lit;
	ck_assert_int_eq(count("SELECT count(*) FROM oauth_logins WHERE "
	    "code_hash = $1::bytea AND expires_at - created_at = interval "
	    "'2 minutes'", 1, params), 1);

	body = xasprintf("{\"login_code\":\"%s\"}", code);
	r = api_request(s->url, "POST", EXCHANGE, "application/json", body,
	    strlen(body), NULL);
	api_expect(r, 200, "POST", EXCHANGE);
	id = user_id(r);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    r->json, "user"), "email")), addr);
	expect_me(r, id);
	api_free(r);
	/* Once. */
	r = api_request(s->url, "POST", EXCHANGE, "application/json", body,
	    strlen(body), NULL);
	api_expect(r, 401, "POST", EXCHANGE);
	expect_detail(r, "already used");
	api_free(r);
	ck_assert_int_eq(audited(id, "auth.oauth_refused"), 1);
	free(body);
	free(path);
	json_decref(st);

	/* A code past its two minutes. */
	st = start("google", APP_URL);
	path = consent(st, "google", q);
	r = callback(path);
	api_expect(r, 302, "GET", CALLBACK);
	free(loc);
	loc = api_header(r, "Location");
	ck_assert_ptr_nonnull(strstr(loc, APP_URL "?login_code="));
	api_free(r);
	free(code);
	code = xstrdup(strstr(loc, "login_code=") + strlen("login_code="));
	free(lit);
	lit = hash_lit(code);
	params[0] = lit;
	PQclear(test_sql("UPDATE oauth_logins SET expires_at = now() - "
	    "interval '1 second' WHERE code_hash = $1::bytea", 1, params));
	body = xasprintf("{\"login_code\":\"%s\"}", code);
	r = api_request(s->url, "POST", EXCHANGE, "application/json", body,
	    strlen(body), NULL);
	api_expect(r, 401, "POST", EXCHANGE);
	expect_detail(r, "expired");
	api_free(r);

	/* Codes soukd never made; no code. */
	r = api_request(s->url, "POST", EXCHANGE, "application/json",
	    "{\"login_code\":\"nope\"}", 21, NULL);
	api_expect(r, 401, "POST", EXCHANGE);
	api_free(r);
	r = api_request(s->url, "POST", EXCHANGE, "application/json", "{}", 2,
	    NULL);
	api_expect(r, 400, "POST", EXCHANGE);
	api_expect_problem(r, 400, "validation", "login_code");
	api_free(r);
	r = api_request(s->url, "POST", EXCHANGE, "application/json",
	    "{\"login_code\":7}", 16, NULL);
	api_expect_problem(r, 400, "validation", "login_code");
	api_free(r);
	free(body);
	free(path);
	free(cc);
	free(want);
	json_decref(st);
}
END_TEST

/* No open redirects: return_to must be one of the app's own pages. */
START_TEST(test_return_to_outside_app_is_refused)
{
	static const char *const bad[] = {
		"https://evil.test/",
		"https://app.souk.test.evil.test/",
		"https://app.souk.test@evil.test/",
		"https://app.souk.test:444/",
		"http://app.souk.test/",
		"//evil.test/",
		"/relative",
		"javascript:alert(1)",
		"https://app.souk.test/x#fragment",
		"https://app.souk.test/a b",
		"https://app.souk.test\\@evil.test",
		"",
	};
	struct api_resp	*r;
	char		*body;
	json_t		*j, *st;
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = json_pack("{s:s}", "return_to", bad[i]);
		body = json_dumps(j, JSON_COMPACT);
		r = api_request(s->url, "POST", "/v1/auth/oauth/google/start",
		    "application/json", body, strlen(body), NULL);
		api_expect(r, 400, "POST", START);
		api_expect_problem(r, 400, "validation", "return_to");
		api_free(r);
		free(body);
		json_decref(j);
	}
	/* The app itself, and its pages, are fine. */
	json_decref(start("google", APP_URL));
	json_decref(start("facebook", APP_URL "/"));
	st = start("google", APP_URL "/welcome?from=google");
	json_decref(st);
	/* Unknown fields are refused; bodies are JSON. */
	r = api_request(s->url, "POST", "/v1/auth/oauth/google/start",
	    "application/json", "{\"redirect\":\"x\"}", 16, NULL);
	api_expect_problem(r, 400, "validation", "redirect");
	api_free(r);
	r = api_request(s->url, "POST", "/v1/auth/oauth/google/start",
	    "text/plain", "x", 1, NULL);
	api_expect(r, 415, "POST", START);
	api_free(r);
}
END_TEST

START_TEST(test_suspended_account_is_refused)
{
	struct test_user	*admin = test_user_new(s->url, "admin", NULL);
	struct test_user	*u = test_user_new(s->url, "customer", NULL);
	char			*sub = unique("g"), *path, *code, *body,
				*loc, *q;
	struct api_resp		*r;
	json_t			*st;

	/* Linked while in good standing. */
	r = sign_in("google", sub, u->email, true, NULL);
	api_expect(r, 200, "GET", CALLBACK);
	api_free(r);
	/* A login code made, then the account suspended before its use. */
	q = who(sub, u->email, true, NULL);
	st = start("google", APP_URL "/in");
	path = consent(st, "google", q);
	r = callback(path);
	api_expect(r, 302, "GET", CALLBACK);
	loc = api_header(r, "Location");
	code = xstrdup(strstr(loc, "login_code=") + strlen("login_code="));
	api_free(r);

	path = xasprintf("/v1/users/%ld/suspend", u->id);
	r = test_user_request(s->url, admin, "POST", path,
	    "{\"reason\":\"chargeback fraud\"}");
	ck_assert_msg(r->status == 200, "%s", r->body);
	api_free(r);

	r = sign_in("google", sub, u->email, true, NULL);
	api_expect(r, 403, "GET", CALLBACK);
	api_expect_problem(r, 403, "forbidden", NULL);
	expect_detail(r, "suspended: chargeback fraud");
	api_free(r);
	ck_assert_int_ge(audited(u->id, "auth.oauth_refused"), 1);

	body = xasprintf("{\"login_code\":\"%s\"}", code);
	r = api_request(s->url, "POST", EXCHANGE, "application/json", body,
	    strlen(body), NULL);
	api_expect(r, 403, "POST", EXCHANGE);
	expect_detail(r, "suspended");
	api_free(r);

	/* Nor is a suspended account found by its address linked. */
	u = test_user_new(s->url, "customer", NULL);
	free(path);
	path = xasprintf("/v1/users/%ld/suspend", u->id);
	r = test_user_request(s->url, admin, "POST", path,
	    "{\"reason\":\"spam\"}");
	ck_assert_int_eq(r->status, 200);
	api_free(r);
	free(sub);
	sub = unique("g");
	r = sign_in("google", sub, u->email, true, NULL);
	api_expect(r, 403, "GET", CALLBACK);
	expect_detail(r, "suspended: spam");
	api_free(r);
	ck_assert_int_eq(audited(u->id, "auth.oauth_linked"), 0);
	free(body);
	free(code);
	free(loc);
	free(path);
	free(q);
	json_decref(st);
}
END_TEST

START_TEST(test_unknown_or_unset_provider_is_404)
{
	struct api_resp	*r;

	/* The shared soukd has no client ids: both are off. */
	r = api_request(api_base(), "POST", "/v1/auth/oauth/google/start",
	    NULL, NULL, 0, NULL);
	api_expect(r, 404, "POST", START);
	expect_detail(r, "Google sign-in is not set up");
	api_free(r);
	r = api_request(api_base(), "GET",
	    "/v1/auth/oauth/facebook/callback?code=a&state=b", NULL, NULL, 0,
	    NULL);
	api_expect(r, 404, "GET", CALLBACK);
	expect_detail(r, "Facebook sign-in is not set up");
	api_free(r);
	r = api_request(s->url, "POST", "/v1/auth/oauth/myspace/start", NULL,
	    NULL, 0, NULL);
	api_expect(r, 404, "POST", START);
	api_free(r);
	r = api_request(s->url, "GET", "/v1/auth/oauth/myspace/callback", NULL,
	    NULL, 0, NULL);
	api_expect(r, 404, "GET", CALLBACK);
	api_free(r);
}
END_TEST

struct racer {
	char		*path;
	struct api_resp	*r;
};

static void *
race(void *arg)
{
	struct racer	*rc = arg;

	rc->r = callback(rc->path);
	return NULL;
}

/* Two first sign-ins of one person at once: one account, both signed in. */
START_TEST(test_first_sign_ins_at_once_make_one_account)
{
	char		*sub = unique("g"), *mail = unique("twice."), *addr, *q;
	struct racer	 rc[2];
	pthread_t	 th[2];
	json_t		*st[2];
	const char	*params[1];
	int		 i;

	addr = xasprintf("%s@gmail.test", mail);
	q = who(sub, addr, true, NULL);
	for (i = 0; i < 2; i++) {
		st[i] = start("google", NULL);
		rc[i].path = consent(st[i], "google", q);
	}
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, race, &rc[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 2; i++)
		api_expect(rc[i].r, 200, "GET", CALLBACK);
	ck_assert_int_eq(user_id(rc[0].r), user_id(rc[1].r));
	params[0] = addr;
	ck_assert_int_eq(count("SELECT count(*) FROM users WHERE email = $1",
	    1, params), 1);
	for (i = 0; i < 2; i++) {
		api_free(rc[i].r);
		free(rc[i].path);
		json_decref(st[i]);
	}
	free(q);
}
END_TEST

Suite *
oauth_suite(void)
{
	Suite	*su = suite_create("oauth");
	TCase	*tc = tcase_create("oauth");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_checked_fixture(tc, oauth_setup, oauth_teardown);
	tcase_add_test(tc, test_new_google_user_becomes_customer);
	tcase_add_test(tc, test_verified_google_email_links_account);
	tcase_add_test(tc, test_unverified_google_email_is_not_linked);
	tcase_add_test(tc, test_unconfirmed_account_is_not_linked);
	tcase_add_test(tc, test_facebook_email_is_never_trusted);
	tcase_add_test(tc, test_state_works_once_at_its_provider);
	tcase_add_test(tc, test_expired_state_is_refused);
	tcase_add_test(tc, test_tampered_pkce_is_refused);
	tcase_add_test(tc, test_provider_error_is_refused);
	tcase_add_test(tc, test_provider_down_is_503);
	tcase_add_test(tc, test_wrong_client_secret_is_503);
	tcase_add_test(tc, test_return_to_gets_a_login_code);
	tcase_add_test(tc, test_return_to_outside_app_is_refused);
	tcase_add_test(tc, test_suspended_account_is_refused);
	tcase_add_test(tc, test_unknown_or_unset_provider_is_404);
	tcase_add_test(tc, test_first_sign_ins_at_once_make_one_account);
	suite_add_tcase(su, tc);
	return su;
}
