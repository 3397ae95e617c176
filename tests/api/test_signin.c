/* Signing in by phone code, signing up by email, resetting passwords. */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static struct api_resp *
post(const char *base, const char *path, const char *json,
    const char *const *headers)
{
	return api_request(base, "POST", path, "application/json", json,
	    strlen(json), headers);
}

/* The code in the newest SMS to phone; caller frees. */
static char *
sent_code(const char *channel, const char *phone, int expect_count)
{
	json_t		*m;
	const char	*text;
	char		*code;
	int		 i;

	for (i = 0; i < 200 && test_outbox_count(channel, phone) <
	    expect_count; i++)
		usleep(50 * 1000);
	m = test_outbox_wait(channel, phone, "is your souk code", 10);
	ck_assert_msg(m != NULL, "no code was sent to %s", phone);
	text = json_string_value(json_object_get(m, "text"));
	code = xstrndup(text, 6);
	ck_assert_uint_eq(strspn(code, "0123456789"), 6);
	json_decref(m);
	return code;
}

static char *mailed_token(const char *address, const char *page);

static struct api_resp *
verify(const char *phone, const char *code)
{
	char		*body = xasprintf("{\"phone\":\"%s\",\"code\":\"%s\"}",
			    phone, code);
	struct api_resp	*r = post(api_base(), "/v1/auth/otp/verify", body,
			    NULL);

	free(body);
	return r;
}

START_TEST(test_otp_login_creates_then_finds_the_customer)
{
	char		*phone = test_phone(), *local, *body, *code;
	struct api_resp	*r;
	long		 id;

	/* Typed the Indian way: it is the same number. */
	local = xasprintf("0%s", phone + 3);
	body = xasprintf("{\"phone\":\"%s\"}", local);
	r = post(api_base(), "/v1/auth/otp", body, NULL);
	api_expect(r, 202, "POST", "/v1/auth/otp");
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "channel")), "sms");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "expires_in")), 300);
	api_free(r);
	code = sent_code("sms", phone, 1);
	r = verify(phone, code);
	api_expect(r, 200, "POST", "/v1/auth/otp/verify");
	id = (long)json_integer_value(json_object_get(json_object_get(r->json,
	    "user"), "id"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    r->json, "user"), "role")), "customer");
	ck_assert(json_is_true(json_object_get(json_object_get(r->json,
	    "user"), "phone_verified")));
	api_free(r);
	/* A code works once. */
	r = verify(phone, code);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	free(code);
	/* The second sign-in finds the same customer. */
	r = post(api_base(), "/v1/auth/otp", body, NULL);
	ck_assert_int_eq(r->status, 202);
	api_free(r);
	code = sent_code("sms", phone, 2);
	r = verify(phone, code);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    r->json, "user"), "id")), id);
	api_free(r);
	free(code);
	free(body);
	free(local);
	free(phone);
}
END_TEST

START_TEST(test_otp_sixth_try_fails_even_when_right)
{
	char		*phone = test_phone(), *body, *code, wrong[16];
	struct api_resp	*r;
	int		 i;

	body = xasprintf("{\"phone\":\"%s\"}", phone);
	r = post(api_base(), "/v1/auth/otp", body, NULL);
	ck_assert_int_eq(r->status, 202);
	api_free(r);
	code = sent_code("sms", phone, 1);
	snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + 1) % 1000000);
	for (i = 0; i < 5; i++) {
		r = verify(phone, wrong);
		api_expect(r, 401, "POST", "/v1/auth/otp/verify");
		api_free(r);
	}
	r = verify(phone, code);
	api_expect_problem(r, 401, "unauthorized", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "too many"));
	/* A 401 says how to authenticate, as login's does. */
	{
		char	*www = api_header(r, "WWW-Authenticate");

		ck_assert_ptr_nonnull(www);
		ck_assert_str_eq(www, "Bearer");
		free(www);
	}
	api_free(r);
	free(code);
	free(body);
	free(phone);
}
END_TEST

START_TEST(test_otp_expires)
{
	char		*phone = test_phone(), *body, *code;
	const char	*params[1];
	struct api_resp	*r;

	body = xasprintf("{\"phone\":\"%s\"}", phone);
	r = post(api_base(), "/v1/auth/otp", body, NULL);
	ck_assert_int_eq(r->status, 202);
	api_free(r);
	code = sent_code("sms", phone, 1);
	params[0] = phone;
	PQclear(test_sql("UPDATE otp_codes SET expires_at = now() - "
	    "interval '1 second' WHERE phone = $1", 1, params));
	r = verify(phone, code);
	api_expect_problem(r, 401, "unauthorized", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "expired"));
	api_free(r);
	free(code);
	free(body);
	free(phone);
}
END_TEST

START_TEST(test_otp_rate_limits)
{
	char		*phone = test_phone(), *body, *retry;
	struct api_resp	*r;
	struct soukd	*s;
	const char	*hdr[2];
	int		 i;

	body = xasprintf("{\"phone\":\"%s\"}", phone);
	for (i = 0; i < 3; i++) {
		r = post(api_base(), "/v1/auth/otp", body, NULL);
		ck_assert_int_eq(r->status, 202);
		api_free(r);
	}
	r = post(api_base(), "/v1/auth/otp", body, NULL);
	api_expect(r, 429, "POST", "/v1/auth/otp");
	retry = api_header(r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	ck_assert_int_gt(atoi(retry), 0);
	ck_assert_int_le(atoi(retry), 600);
	free(retry);
	api_free(r);
	free(body);
	/* Per client address, behind a trusted proxy. */
	setenv("SOUKD_TRUSTED_PROXIES", "127.0.0.1", 1);
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
	hdr[0] = "X-Forwarded-For: 1.2.3.4, 203.0.113.77";
	hdr[1] = NULL;
	for (i = 0; i < 20; i++) {
		char	*p = test_phone();

		body = xasprintf("{\"phone\":\"%s\"}", p);
		r = post(s->url, "/v1/auth/otp", body, hdr);
		ck_assert_int_eq(r->status, 202);
		api_free(r);
		free(body);
		free(p);
	}
	body = xasprintf("{\"phone\":\"%s\"}", phone);
	r = post(s->url, "/v1/auth/otp", body, hdr);
	api_expect_problem(r, 429, "too-many-requests", NULL);
	api_free(r);
	/* Another client behind the same proxy is not held back. */
	hdr[0] = "X-Forwarded-For: 203.0.113.78";
	free(body);
	{
		char	*p = test_phone();

		body = xasprintf("{\"phone\":\"%s\"}", p);
		free(p);
	}
	r = post(s->url, "/v1/auth/otp", body, hdr);
	ck_assert_int_eq(r->status, 202);
	api_free(r);
	free(body);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	free(phone);
}
END_TEST

START_TEST(test_otp_by_whatsapp_needs_opt_in)
{
	char		*phone = test_phone(), *body, *code, *answer;
	struct api_resp	*r;
	struct test_user *u;

	body = xasprintf("{\"phone\":\"%s\",\"channel\":\"whatsapp\"}", phone);
	r = post(api_base(), "/v1/auth/otp", body, NULL);
	ck_assert_int_eq(r->status, 202);
	/* Sent by SMS, but the answer does not say so: it would tell. */
	answer = xstrdup(r->body);
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "channel")), "whatsapp");
	api_free(r);
	code = sent_code("sms", phone, 1);
	ck_assert_int_eq(test_outbox_count("whatsapp", phone), 0);
	r = verify(phone, code);
	ck_assert_int_eq(r->status, 200);
	u = xcalloc(1, sizeof *u);
	u->auth = xasprintf("Authorization: Bearer %s", json_string_value(
	    json_object_get(r->json, "access_token")));
	api_free(r);
	free(code);
	r = test_user_request(api_base(), u, "PATCH", "/v1/me/notifications",
	    "{\"channels\":{\"whatsapp\":true}}");
	api_expect(r, 200, "PATCH", "/v1/me/notifications");
	ck_assert(json_is_true(json_object_get(json_object_get(r->json,
	    "channels"), "whatsapp")));
	api_free(r);
	r = post(api_base(), "/v1/auth/otp", body, NULL);
	ck_assert_str_eq(r->body, answer);
	api_free(r);
	free(answer);
	code = sent_code("whatsapp", phone, 1);
	r = verify(phone, code);
	ck_assert_int_eq(r->status, 200);
	api_free(r);
	free(code);
	free(body);
	free(phone);
}
END_TEST

/* Asking for a new code voids the codes sent before it. */
START_TEST(test_new_code_voids_older)
{
	char		*phone = test_phone(), *body, *first, *second;
	struct api_resp	*r;

	body = xasprintf("{\"phone\":\"%s\"}", phone);
	r = post(api_base(), "/v1/auth/otp", body, NULL);
	ck_assert_int_eq(r->status, 202);
	api_free(r);
	first = sent_code("sms", phone, 1);
	r = post(api_base(), "/v1/auth/otp", body, NULL);
	ck_assert_int_eq(r->status, 202);
	api_free(r);
	second = sent_code("sms", phone, 2);
	if (strcmp(first, second) != 0) {
		r = verify(phone, first);
		api_expect_problem(r, 401, "unauthorized", NULL);
		api_free(r);
	}
	r = verify(phone, second);
	api_expect(r, 200, "POST", "/v1/auth/otp/verify");
	api_free(r);
	/* Nor does the older one come back once the newer is used. */
	if (strcmp(first, second) != 0) {
		r = verify(phone, first);
		api_expect_problem(r, 401, "unauthorized", NULL);
		api_free(r);
	}
	free(first);
	free(second);
	free(body);
	free(phone);
}
END_TEST

/* The notification of id as staff see it, once it is no longer pending. */
static json_t *
settled_notification(const struct test_user *staff, long id)
{
	struct api_resp	*r;
	char		*path = xasprintf("/v1/notifications/%ld", id);
	json_t		*n = NULL;
	int		 i;

	for (i = 0; i < 200 && n == NULL; i++) {
		r = test_user_request(api_base(), staff, "GET", path, NULL);
		api_expect(r, 200, "GET", "/v1/notifications/{id}");
		if (strcmp(json_string_value(json_object_get(r->json, "state")),
		    "pending") != 0)
			n = json_incref(r->json);
		api_free(r);
		if (n == NULL)
			usleep(50 * 1000);
	}
	ck_assert_msg(n != NULL, "notification %ld stayed pending", id);
	free(path);
	return n;
}

/* The newest notification of kind to recipient, from the database. */
static long
notification_to(const char *kind, const char *to)
{
	const char	*params[2] = { kind, to };
	PGresult	*res = test_sql("SELECT max(id) FROM notifications "
			    "WHERE kind = $1 AND recipient = $2", 2, params);
	long		 id = strtol(PQgetvalue(res, 0, 0), NULL, 10);

	PQclear(res);
	ck_assert_int_gt(id, 0);
	return id;
}

/*
 * Sign-in codes and mailed links never show through the outbox API (a
 * supervisor could take over the account) nor stay in the database once
 * sent; the file driver still writes them, for developers.
 */
START_TEST(test_secret_messages_stay_secret)
{
	struct test_user	*sup = test_user_new(api_base(), "supervisor",
				    NULL);
	struct test_user	*u = test_user_new(api_base(), "customer",
				    NULL);
	char			*phone = test_phone(), *body, *code, *token,
				 id_s[24];
	const char		*params[1] = { id_s };
	struct api_resp		*r;
	json_t			*n;
	PGresult		*res;
	long			 id;

	body = xasprintf("{\"phone\":\"%s\"}", phone);
	r = post(api_base(), "/v1/auth/otp", body, NULL);
	ck_assert_int_eq(r->status, 202);
	api_free(r);
	code = sent_code("sms", phone, 1);	/* the file outbox has it */
	id = notification_to("auth.otp", phone);
	n = settled_notification(sup, id);
	ck_assert_str_eq(json_string_value(json_object_get(n, "state")),
	    "sent");
	ck_assert_str_eq(json_string_value(json_object_get(n, "body")),
	    "(hidden: holds a one-time secret)");
	json_decref(n);
	r = test_user_request(api_base(), sup, "GET",
	    "/v1/notifications?kind=auth.otp&limit=200", NULL);
	api_expect(r, 200, "GET", "/v1/notifications");
	ck_assert_ptr_nonnull(strstr(r->body, phone));
	ck_assert_ptr_null(strstr(r->body, "is your souk code"));
	ck_assert_ptr_nonnull(strstr(r->body, "(hidden: holds a one-time "
	    "secret)"));
	api_free(r);
	/* Sent: the database no longer holds the code either. */
	snprintf(id_s, sizeof id_s, "%ld", id);
	res = test_sql("SELECT body FROM notifications WHERE id = $1", 1,
	    params);
	ck_assert_str_eq(PQgetvalue(res, 0, 0),
	    "(hidden: holds a one-time secret)");
	PQclear(res);
	/* The code still works: it was stored hashed, not in the message. */
	r = verify(phone, code);
	api_expect(r, 200, "POST", "/v1/auth/otp/verify");
	api_free(r);
	free(body);
	free(code);
	/* A reset link: subject, body and HTML. */
	body = xasprintf("{\"email\":\"%s\"}", u->email);
	r = post(api_base(), "/v1/auth/password/forgot", body, NULL);
	api_expect(r, 202, "POST", "/v1/auth/password/forgot");
	api_free(r);
	token = mailed_token(u->email, "reset-password");
	id = notification_to("auth.password_reset", u->email);
	n = settled_notification(sup, id);
	ck_assert_str_eq(json_string_value(json_object_get(n, "subject")),
	    "(hidden: holds a one-time secret)");
	ck_assert_str_eq(json_string_value(json_object_get(n, "body")),
	    "(hidden: holds a one-time secret)");
	ck_assert_str_eq(json_string_value(json_object_get(n, "html")),
	    "(hidden: holds a one-time secret)");
	json_decref(n);
	snprintf(id_s, sizeof id_s, "%ld", id);
	res = test_sql("SELECT count(*) FROM notifications WHERE id = $1 AND "
	    "(body LIKE '%token=%' OR html LIKE '%token=%')", 1, params);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "0");
	PQclear(res);
	free(body);
	free(token);
	free(phone);
}
END_TEST

START_TEST(test_otp_hostile_input)
{
	struct api_resp	*r;

	r = post(api_base(), "/v1/auth/otp", "{\"phone\":\"12345\"}", NULL);
	api_expect_problem(r, 400, "validation", "phone");
	api_free(r);
	r = post(api_base(), "/v1/auth/otp",
	    "{\"phone\":\"9876543210'; DROP TABLE users;--\"}", NULL);
	api_expect_problem(r, 400, "validation", "phone");
	api_free(r);
	r = post(api_base(), "/v1/auth/otp",
	    "{\"phone\":\"9876543210\",\"channel\":\"pigeon\"}", NULL);
	api_expect_problem(r, 400, "validation", "channel");
	api_free(r);
	r = verify("+919876543210", "12a456");
	api_expect_problem(r, 400, "validation", "code");
	api_free(r);
}
END_TEST

/* The link in the newest email to address, token only; caller frees. */
static char *
mailed_token(const char *address, const char *page)
{
	json_t		*m;
	const char	*text, *p;
	char		*token;

	m = test_outbox_wait("email", address, page, 10);
	ck_assert_msg(m != NULL, "no %s email to %s", page, address);
	text = json_string_value(json_object_get(m, "text"));
	p = strstr(text, "?token=");
	ck_assert_ptr_nonnull(p);
	token = xstrndup(p + 7, strcspn(p + 7, " \n\r"));
	json_decref(m);
	return token;
}

START_TEST(test_register_and_verify_email)
{
	char		*email = xasprintf("reg.%ld@test.souk", (long)getpid()),
			*body, *token, *path;
	struct api_resp	*r;

	body = xasprintf("{\"email\":\"%s\",\"password\":\"short\","
	    "\"name\":\"R\"}", email);
	r = post(api_base(), "/v1/auth/register", body, NULL);
	api_expect_problem(r, 400, "validation", "password");
	api_free(r);
	free(body);
	body = xasprintf("{\"email\":\"%s\",\"password\":\"long enough "
	    "now\",\"name\":\"Radha <b>\",\"language\":\"hi\"}", email);
	r = post(api_base(), "/v1/auth/register", body, NULL);
	api_expect(r, 201, "POST", "/v1/auth/register");
	ck_assert(json_is_false(json_object_get(json_object_get(r->json,
	    "user"), "email_verified")));
	api_free(r);
	r = post(api_base(), "/v1/auth/register", body, NULL);
	api_expect(r, 409, "POST", "/v1/auth/register");
	api_free(r);
	/* In Hindi, as asked, and the name escaped in the HTML part. */
	{
		json_t	*m = test_outbox_wait("email", email, "verify-email",
		    10);

		ck_assert_ptr_nonnull(m);
		ck_assert_str_eq(json_string_value(json_object_get(m,
		    "subject")), "अपना ईमेल पता पुष्टि करें");
		ck_assert_ptr_nonnull(strstr(json_string_value(
		    json_object_get(m, "html")), "Radha &lt;b&gt;"));
		/* Urgent mail carries no unsubscribe link. */
		ck_assert_ptr_null(json_object_get(m, "unsubscribe_url"));
		json_decref(m);
	}
	token = mailed_token(email, "verify-email");
	path = xasprintf("/v1/auth/email/verify?token=%s", token);
	r = api_get(path);
	api_expect(r, 200, "GET", "/v1/auth/email/verify");
	ck_assert(json_is_true(json_object_get(r->json, "email_verified")));
	api_free(r);
	r = api_get(path);
	api_expect(r, 422, "GET", "/v1/auth/email/verify");
	ck_assert_ptr_nonnull(strstr(r->body, "used already"));
	api_free(r);
	r = api_get("/v1/auth/email/verify?token=forged");
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	free(path);
	free(token);
	free(body);
	free(email);
}
END_TEST

START_TEST(test_forgot_and_reset_password)
{
	struct test_user	*u = test_user_new(api_base(), "customer",
				    NULL);
	struct api_resp		*r, *r2;
	char			*body, *token, *other;

	r = post(api_base(), "/v1/auth/password/forgot",
	    "{\"email\":\"nobody.here@test.souk\"}", NULL);
	api_expect(r, 202, "POST", "/v1/auth/password/forgot");
	body = xasprintf("{\"email\":\"%s\"}", u->email);
	r2 = post(api_base(), "/v1/auth/password/forgot", body, NULL);
	api_expect(r2, 202, "POST", "/v1/auth/password/forgot");
	/* Nothing tells which addresses have accounts. */
	ck_assert_str_eq(r->body, r2->body);
	api_free(r);
	api_free(r2);
	free(body);
	token = mailed_token(u->email, "reset-password");
	other = xstrdup(u->refresh);
	/* Not the address itself, however it is typed; the link still works. */
	{
		char	*loud = xstrdup(u->email), *p;

		for (p = loud; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		body = xasprintf("{\"token\":\"%s\",\"password\":\"%s\"}",
		    token, loud);
		r = post(api_base(), "/v1/auth/password/reset", body, NULL);
		api_expect(r, 400, "POST", "/v1/auth/password/reset");
		api_expect_problem(r, 400, "validation", "password");
		ck_assert_ptr_nonnull(strstr(r->body, "email address"));
		api_free(r);
		free(body);
		free(loud);
	}
	body = xasprintf("{\"token\":\"%s\",\"password\":\"brand new one\"}",
	    token);
	r = post(api_base(), "/v1/auth/password/reset", body, NULL);
	api_expect(r, 200, "POST", "/v1/auth/password/reset");
	api_free(r);
	r = post(api_base(), "/v1/auth/password/reset", body, NULL);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	free(body);
	/* Every earlier session ended; the new password works. */
	body = xasprintf("{\"refresh_token\":\"%s\"}", other);
	r = post(api_base(), "/v1/auth/refresh", body, NULL);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	free(body);
	r = test_user_request(api_base(), u, "GET", "/v1/me", NULL);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	body = xasprintf("{\"email\":\"%s\",\"password\":\"brand new one\"}",
	    u->email);
	r = post(api_base(), "/v1/auth/login", body, NULL);
	ck_assert_int_eq(r->status, 200);
	api_free(r);
	free(body);
	free(other);
	free(token);
}
END_TEST

/* A mailed reset forgets the failed logins: one typo does not re-lock. */
START_TEST(test_reset_forgets_failed_logins)
{
	struct soukd		*s;
	struct test_user	*u;
	struct api_resp		*r;
	char			*body, *token, *login;
	int			 i;

	setenv("SOUKD_LOGIN_FAILURES_MAX", "3", 1);
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
	u = test_user_new(s->url, "customer", NULL);
	login = xasprintf("{\"email\":\"%s\",\"password\":\"guess\"}",
	    u->email);
	for (i = 0; i < 3; i++) {
		r = post(s->url, "/v1/auth/login", login, NULL);
		ck_assert_int_eq(r->status, 401);
		api_free(r);
	}
	body = xasprintf("{\"email\":\"%s\"}", u->email);
	r = post(s->url, "/v1/auth/password/forgot", body, NULL);
	api_expect(r, 202, "POST", "/v1/auth/password/forgot");
	api_free(r);
	free(body);
	token = mailed_token(u->email, "reset-password");
	body = xasprintf("{\"token\":\"%s\",\"password\":\"after the "
	    "lock\"}", token);
	r = post(s->url, "/v1/auth/password/reset", body, NULL);
	api_expect(r, 200, "POST", "/v1/auth/password/reset");
	api_free(r);
	free(body);
	/* One typo, then the new password: signed in, not locked. */
	r = post(s->url, "/v1/auth/login", login, NULL);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	body = xasprintf("{\"email\":\"%s\",\"password\":\"after the "
	    "lock\"}", u->email);
	r = post(s->url, "/v1/auth/login", body, NULL);
	api_expect(r, 200, "POST", "/v1/auth/login");
	api_free(r);
	free(body);
	free(login);
	free(token);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
}
END_TEST

/* Asserts a 429 that says when to come back, within an hour. */
static void
expect_limited(struct api_resp *r, const char *method, const char *pattern)
{
	char	*retry;

	api_expect(r, 429, method, pattern);
	api_expect_problem(r, 429, "too-many-requests", NULL);
	retry = api_header(r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	ck_assert_int_gt(atoi(retry), 0);
	ck_assert_int_le(atoi(retry), 3600);
	free(retry);
}

/*
 * Registering and mailing the confirmation link again: at most three an
 * hour per address and twenty per client address.
 */
START_TEST(test_register_and_resend_limits)
{
	struct soukd		*s;
	struct test_user	*u;
	struct api_resp		*r;
	const char		*hdr[2] = { NULL, NULL };
	const char		*params[2];
	char			*email, *body, id[24], *xff;
	int			 i;

	setenv("SOUKD_TRUSTED_PROXIES", "127.0.0.1", 1);
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
	/* One address, from one client: once, then taken, then refused. */
	xff = xasprintf("X-Forwarded-For: 198.51.100.%d", (int)(getpid() % 200)
	    + 1);
	hdr[0] = xff;
	email = xasprintf("limited.%ld@test.souk", (long)getpid());
	body = xasprintf("{\"email\":\"%s\",\"password\":\"long enough "
	    "now\",\"name\":\"L\"}", email);
	for (i = 0; i < 3; i++) {
		r = post(s->url, "/v1/auth/register", body, hdr);
		ck_assert_int_eq(r->status, i == 0 ? 201 : 409);
		api_free(r);
	}
	r = post(s->url, "/v1/auth/register", body, hdr);
	expect_limited(r, "POST", "/v1/auth/register");
	api_free(r);
	free(body);
	free(email);
	/* One client, many addresses: twenty an hour. */
	hdr[0] = "X-Forwarded-For: 203.0.113.99";
	params[0] = "203.0.113.99";
	PQclear(test_sql("INSERT INTO signup_requests (action, email, ip) "
	    "SELECT 'register', 'x' || g || '@test.souk', $1::inet FROM "
	    "generate_series(1, 20) g", 1, params));
	body = xasprintf("{\"email\":\"fresh.%ld@test.souk\",\"password\":"
	    "\"long enough now\",\"name\":\"F\"}", (long)getpid());
	r = post(s->url, "/v1/auth/register", body, hdr);
	expect_limited(r, "POST", "/v1/auth/register");
	api_free(r);
	free(body);
	/* The confirmation link, three times an hour. */
	u = test_user_new(s->url, "customer", NULL);
	snprintf(id, sizeof id, "%ld", u->id);
	params[0] = id;
	PQclear(test_sql("UPDATE users SET email_verified_at = NULL WHERE "
	    "id = $1", 1, params));
	for (i = 0; i < 3; i++) {
		r = test_user_request(s->url, u, "POST",
		    "/v1/auth/email/resend", NULL);
		api_expect(r, 202, "POST", "/v1/auth/email/resend");
		api_free(r);
	}
	r = test_user_request(s->url, u, "POST", "/v1/auth/email/resend",
	    NULL);
	expect_limited(r, "POST", "/v1/auth/email/resend");
	api_free(r);
	free(xff);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
}
END_TEST

Suite *
signin_suite(void)
{
	Suite	*s = suite_create("signin");
	TCase	*tc = tcase_create("signin");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_otp_login_creates_then_finds_the_customer);
	tcase_add_test(tc, test_otp_sixth_try_fails_even_when_right);
	tcase_add_test(tc, test_otp_expires);
	tcase_add_test(tc, test_otp_rate_limits);
	tcase_add_test(tc, test_otp_by_whatsapp_needs_opt_in);
	tcase_add_test(tc, test_otp_hostile_input);
	tcase_add_test(tc, test_register_and_verify_email);
	tcase_add_test(tc, test_forgot_and_reset_password);
	tcase_add_test(tc, test_new_code_voids_older);
	tcase_add_test(tc, test_secret_messages_stay_secret);
	tcase_add_test(tc, test_reset_forgets_failed_logins);
	tcase_add_test(tc, test_register_and_resend_limits);
	suite_add_tcase(s, tc);
	return s;
}
