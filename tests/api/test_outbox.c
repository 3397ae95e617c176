/*
 * The outbox: templates checked when saved, messages rendered safely,
 * the recipient's choices obeyed, one-click unsubscribe, reminders sent
 * once per dedupe key.  A soukd with test_mode runs the test message
 * kinds; the file driver's outbox shows what it sent.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "harness.h"
#include "jobs.h"
#include "outbox.h"
#include "reminders.h"
#include "suites.h"

static struct soukd	*s;
static struct test_user	*admin;

/* Test kinds need their templates; once per process, through the API. */
static void
outbox_setup(void)
{
	static const char *const bodies[] = {
		"{\"kind\":\"test.reminder\",\"channel\":\"sms\","
		"\"language\":\"en\",\"body\":\"Hi {{user.name}}: {{text}}\"}",
		"{\"kind\":\"test.reminder\",\"channel\":\"email\","
		"\"language\":\"en\",\"subject\":\"About {{text}}\","
		"\"body\":\"Hi {{user.name}}: {{text}}\","
		"\"html\":\"<p>Hi <b>{{user.name}}</b>: {{text}}</p>\"}",
		"{\"kind\":\"test.reminder\",\"channel\":\"whatsapp\","
		"\"language\":\"en\",\"body\":\"Hi {{user.name}}: {{text}}\"}",
		"{\"kind\":\"test.urgent\",\"channel\":\"sms\","
		"\"language\":\"en\",\"body\":\"Urgent: {{text}}\"}",
		"{\"kind\":\"test.urgent\",\"channel\":\"whatsapp\","
		"\"language\":\"en\",\"body\":\"Urgent: {{text}}\"}",
	};
	struct api_resp	*r;
	size_t		 i;

	setenv("SOUKD_TEST_MODE", "yes", 1);
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
	admin = test_user_new(s->url, "admin", NULL);
	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		r = test_user_request(s->url, admin, "POST",
		    "/v1/notification-templates", bodies[i]);
		/* 409: an earlier test of this run added it. */
		ck_assert_msg(r->status == 201 || r->status == 409, "%s",
		    r->body);
		api_free(r);
	}
}

static void
outbox_teardown(void)
{
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
}

/* Enqueues a message as soukd's code would, in its own transaction. */
static long
enqueue(const char *kind, long user, enum notify_channel ch, const char *to,
    const char *text)
{
	static struct config	 c;
	struct outbox_msg	 m;
	struct db		*db;
	char			*cause = NULL;
	json_t			*vars;
	int64_t			 id;

	config_defaults(&c);
	c.test_mode = true;
	outbox_init(&c);
	jobs_init(&c);
	db = db_open(test_conninfo(), true, &cause);
	ck_assert_msg(db != NULL, "%s", cause);
	vars = json_pack("{s:s, s:s}", "user.name",
	    "<script>alert(1)</script> & \"Ravi\"", "text", text);
	memset(&m, 0, sizeof m);
	m.kind = kind;
	m.user_id = user;
	m.channel = ch;
	m.to = to;
	m.vars = vars;
	ck_assert(db_command(db, "BEGIN"));
	ck_assert(outbox_enqueue(db, &m, &id));
	ck_assert(db_command(db, "COMMIT"));
	json_decref(vars);
	db_close(db);
	return (long)id;
}

/* The notification's state once it settles (or after secs). */
static char *
state_of(long id, int secs)
{
	char		 idt[24];
	const char	*params[1] = { idt };
	PGresult	*res;
	char		*st = NULL;
	int		 i;

	snprintf(idt, sizeof idt, "%ld", id);
	for (i = 0; i < secs * 20; i++) {
		free(st);
		res = test_sql("SELECT state FROM notifications WHERE id = $1",
		    1, params);
		st = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		if (strcmp(st, "pending") != 0)
			break;
		usleep(50 * 1000);
	}
	return st;
}

static char *
user_phone(long user)
{
	char		*phone = test_phone(), id[24];
	const char	*params[2] = { phone, id };

	snprintf(id, sizeof id, "%ld", user);
	PQclear(test_sql("UPDATE users SET phone = $1 WHERE id = $2", 2,
	    params));
	return phone;
}

START_TEST(test_templates_are_checked_when_saved)
{
	struct api_resp	*r;
	json_t		*t;
	char		*path;
	long		 id;

	r = test_user_request(s->url, admin, "GET",
	    "/v1/notification-templates?kind=auth.otp&channel=sms&language=en",
	    NULL);
	api_expect(r, 200, "GET", "/v1/notification-templates");
	t = json_array_get(json_object_get(r->json, "data"), 0);
	id = (long)json_integer_value(json_object_get(t, "id"));
	api_free(r);
	path = xasprintf("/v1/notification-templates/%ld", id);
	r = test_user_request(s->url, admin, "PUT", path,
	    "{\"body\":\"Your code is {{otp.pin}}\"}");
	api_expect(r, 400, "PUT", "/v1/notification-templates/{id}");
	api_expect_problem(r, 400, "validation", "body");
	ck_assert_ptr_nonnull(strstr(r->body, "{{otp.pin}}"));
	api_free(r);
	r = test_user_request(s->url, admin, "PUT", path,
	    "{\"body\":\"Your code is {{ otp.code\"}");
	api_expect_problem(r, 400, "validation", "body");
	api_free(r);
	r = test_user_request(s->url, admin, "PUT", path,
	    "{\"body\":\"{{otp.code}}\",\"html\":\"<p>no</p>\"}");
	api_expect_problem(r, 400, "validation", "html");
	api_free(r);
	r = test_user_request(s->url, admin, "PUT", path,
	    "{\"body\":\"{{ otp.code }} is your souk code. It expires in "
	    "{{otp.minutes}} minutes. Do not share it.\"}");
	api_expect(r, 200, "PUT", "/v1/notification-templates/{id}");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "updated_by")), admin->id);
	api_free(r);
	r = test_user_request(s->url, admin, "POST",
	    "/v1/notification-templates", "{\"kind\":\"auth.otp\","
	    "\"channel\":\"sms\",\"language\":\"en\",\"body\":\"{{otp.code}}\"}");
	api_expect(r, 409, "POST", "/v1/notification-templates");
	api_free(r);
	r = test_user_request(s->url, admin, "POST",
	    "/v1/notification-templates", "{\"kind\":\"auth.otp\","
	    "\"channel\":\"email\",\"language\":\"en\",\"body\":\"x\"}");
	api_expect_problem(r, 400, "validation", "channel");
	api_free(r);
	r = test_user_request(s->url, admin, "POST",
	    "/v1/notification-templates", "{\"kind\":\"no.such\","
	    "\"channel\":\"sms\",\"language\":\"en\",\"body\":\"x\"}");
	api_expect_problem(r, 400, "validation", "kind");
	api_free(r);
	r = test_user_request(s->url, admin, "GET", "/v1/notification-kinds",
	    NULL);
	api_expect(r, 200, "GET", "/v1/notification-kinds");
	api_free(r);
	free(path);
}
END_TEST

START_TEST(test_rendered_safely_and_recorded)
{
	struct test_user *u = test_user_new(s->url, "customer", NULL);
	struct api_resp	*r;
	json_t		*m;
	char		*path, *st;
	long		 id;

	id = enqueue("test.reminder", u->id, NOTIFY_EMAIL, NULL,
	    "{{otp.code}} stays as typed");
	ck_assert_int_gt(id, 0);
	st = state_of(id, 10);
	ck_assert_str_eq(st, "sent");
	free(st);
	m = test_outbox_wait("email", u->email, "stays as typed", 5);
	ck_assert_ptr_nonnull(m);
	/* Values never run as HTML, nor as more variables. */
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(m,
	    "html")), "<b>&lt;script&gt;alert(1)&lt;/script&gt; &amp; "
	    "&quot;Ravi&quot;</b>"));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(m,
	    "text")), "<script>alert(1)</script> & \"Ravi\": {{otp.code}} "
	    "stays as typed"));
	/* Not urgent: it can be unsubscribed from in one click. */
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(m,
	    "unsubscribe_url")), "/v1/unsubscribe?token="));
	json_decref(m);
	path = xasprintf("/v1/notifications/%ld", id);
	r = test_user_request(s->url, admin, "GET", path, NULL);
	api_expect(r, 200, "GET", "/v1/notifications/{id}");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r->json, "attempts_log"), 0), "outcome")), "sent");
	api_free(r);
	free(path);
}
END_TEST

START_TEST(test_choices_are_obeyed)
{
	struct test_user *u = test_user_new(s->url, "customer", NULL);
	struct api_resp	*r;
	char		*phone = user_phone(u->id), *st;
	long		 id;

	r = test_user_request(s->url, u, "PATCH", "/v1/me/notifications",
	    "{\"channels\":{\"sms\":false}}");
	api_expect(r, 200, "PATCH", "/v1/me/notifications");
	api_free(r);
	/* Opted out: the reminder is kept, not sent, and says why. */
	id = enqueue("test.reminder", u->id, NOTIFY_SMS, NULL, "quiet please");
	st = state_of(id, 2);
	ck_assert_str_eq(st, "suppressed");
	free(st);
	/* Urgent messages go regardless. */
	id = enqueue("test.urgent", u->id, NOTIFY_SMS, NULL, "order shipped");
	st = state_of(id, 10);
	ck_assert_str_eq(st, "sent");
	free(st);
	ck_assert_ptr_nonnull(test_outbox_wait("sms", phone, "order shipped",
	    5));
	ck_assert_int_eq(test_outbox_count("sms", phone), 1);
	/* WhatsApp needs a recorded opt-in, urgent or not. */
	id = enqueue("test.urgent", u->id, NOTIFY_WHATSAPP, NULL, "by whatsapp");
	st = state_of(id, 2);
	ck_assert_str_eq(st, "suppressed");
	free(st);
	r = test_user_request(s->url, u, "PATCH", "/v1/me/notifications",
	    "{\"channels\":{\"whatsapp\":true}}");
	api_free(r);
	id = enqueue("test.urgent", u->id, NOTIFY_WHATSAPP, NULL, "by whatsapp");
	st = state_of(id, 10);
	ck_assert_str_eq(st, "sent");
	free(st);
	free(phone);
}
END_TEST

START_TEST(test_quiet_hours_delay_what_can_wait)
{
	struct test_user *u = test_user_new(s->url, "customer", NULL);
	struct api_resp	*r;
	char		*phone = user_phone(u->id), *body, *st, id_s[24];
	const char	*params[1] = { id_s };
	PGresult	*res;
	time_t		 now = time(NULL);
	struct tm	 tm;
	char		 start[8], end[8];
	long		 id;

	/* Quiet from an hour ago to an hour from now, in Asia/Kolkata. */
	now += 5 * 3600 + 1800;
	gmtime_r(&(time_t){ now - 3600 }, &tm);
	strftime(start, sizeof start, "%H:%M", &tm);
	gmtime_r(&(time_t){ now + 3600 }, &tm);
	strftime(end, sizeof end, "%H:%M", &tm);
	body = xasprintf("{\"quiet_hours\":{\"start\":\"%s\",\"end\":\"%s\"}}",
	    start, end);
	r = test_user_request(s->url, u, "PATCH", "/v1/me/notifications",
	    body);
	api_expect(r, 200, "PATCH", "/v1/me/notifications");
	api_free(r);
	id = enqueue("test.reminder", u->id, NOTIFY_SMS, NULL, "can wait");
	snprintf(id_s, sizeof id_s, "%ld", id);
	res = test_sql("SELECT state, send_after > now() + interval '50 "
	    "minutes' FROM notifications WHERE id = $1", 1, params);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "pending");
	ck_assert_str_eq(PQgetvalue(res, 0, 1), "t");
	PQclear(res);
	id = enqueue("test.urgent", u->id, NOTIFY_SMS, NULL, "cannot wait");
	st = state_of(id, 10);
	ck_assert_str_eq(st, "sent");
	free(st);
	ck_assert_int_eq(test_outbox_count("sms", phone), 1);
	free(body);
	free(phone);
}
END_TEST

START_TEST(test_one_click_unsubscribe)
{
	struct test_user *u = test_user_new(s->url, "customer", NULL);
	struct api_resp	*r;
	json_t		*m;
	const char	*url;
	char		*path, *st, *tampered;
	long		 id;

	id = enqueue("test.reminder", u->id, NOTIFY_EMAIL, NULL, "first");
	st = state_of(id, 10);
	free(st);
	m = test_outbox_wait("email", u->email, "first", 5);
	ck_assert_ptr_nonnull(m);
	url = json_string_value(json_object_get(m, "unsubscribe_url"));
	path = xstrdup(strstr(url, "/v1/unsubscribe"));
	json_decref(m);
	r = api_request(s->url, "GET", path, NULL, NULL, 0, NULL);
	api_expect(r, 200, "GET", "/v1/unsubscribe");
	ck_assert(json_is_false(json_object_get(r->json, "unsubscribed")));
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "email")),
	    u->email);
	api_free(r);
	/* What mail clients send (RFC 8058). */
	r = api_request(s->url, "POST", path,
	    "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click",
	    26, NULL);
	api_expect(r, 200, "POST", "/v1/unsubscribe");
	ck_assert(json_is_true(json_object_get(r->json, "unsubscribed")));
	api_free(r);
	id = enqueue("test.reminder", u->id, NOTIFY_EMAIL, NULL, "second");
	st = state_of(id, 2);
	ck_assert_str_eq(st, "suppressed");
	free(st);
	/* A forged or cut link does nothing. */
	tampered = xstrdup(path);
	tampered[strlen(tampered) - 2] ^= 1;
	r = api_request(s->url, "POST", tampered, "text/plain", "x", 1, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* Opting back in lifts it. */
	r = test_user_request(s->url, u, "PATCH", "/v1/me/notifications",
	    "{\"channels\":{\"email\":true}}");
	ck_assert(json_is_true(json_object_get(json_object_get(r->json,
	    "channels"), "email")));
	api_free(r);
	id = enqueue("test.reminder", u->id, NOTIFY_EMAIL, NULL, "third");
	st = state_of(id, 10);
	ck_assert_str_eq(st, "sent");
	free(st);
	free(tampered);
	free(path);
}
END_TEST

START_TEST(test_reminders_once_per_key)
{
	struct test_user *u = test_user_new(s->url, "customer", NULL);
	static struct config c;
	struct reminder	 rm;
	struct db	*db;
	char		*phone = user_phone(u->id), *cause = NULL, *key;
	json_t		*vars = json_pack("{s:s, s:s}", "user.name", "Ravi",
			    "text", "your cart misses you");
	int64_t		 id, again;
	bool		 found;
	int		 i;

	config_defaults(&c);
	c.test_mode = true;
	outbox_init(&c);
	reminders_init();
	jobs_init(&c);
	db = db_open(test_conninfo(), true, &cause);
	ck_assert_ptr_nonnull(db);
	key = xasprintf("cart:%ld", u->id);
	memset(&rm, 0, sizeof rm);
	rm.user_id = u->id;
	rm.kind = "test.reminder";
	rm.channels = OUTBOX_CH_SMS | OUTBOX_CH_EMAIL;
	rm.vars = vars;
	rm.dedupe_key = key;
	ck_assert(reminders_schedule(db, &rm, &id));
	ck_assert_int_gt(id, 0);
	ck_assert(reminders_schedule(db, &rm, &again));
	ck_assert_int_eq(again, 0);
	ck_assert_ptr_nonnull(test_outbox_wait("sms", phone, "misses you",
	    10));
	ck_assert_ptr_nonnull(test_outbox_wait("email", u->email,
	    "misses you", 10));
	/* Even long after, the same key sends nothing more. */
	ck_assert(reminders_schedule(db, &rm, &again));
	ck_assert_int_eq(again, 0);
	usleep(1500 * 1000);
	ck_assert_int_eq(test_outbox_count("sms", phone), 1);
	/* A later reminder cancelled before it is due never goes out. */
	free(key);
	key = xasprintf("booking:%ld", u->id);
	rm.dedupe_key = key;
	rm.delay_ms = 60000;
	ck_assert(reminders_schedule(db, &rm, &id));
	ck_assert(reminders_cancel(db, key, &found));
	ck_assert(found);
	ck_assert(reminders_cancel(db, key, &found));
	ck_assert(!found);
	for (i = 0; i < 20; i++)
		usleep(50 * 1000);
	ck_assert_int_eq(test_outbox_count("sms", phone), 1);
	json_decref(vars);
	free(key);
	free(phone);
	db_close(db);
}
END_TEST

/*
 * A soukd that does not know a reminder's message kind (an older version
 * mid-rollout) leaves the reminder to one that does, and stays up.
 */
START_TEST(test_unknown_kind_is_left_alone)
{
	char		*db_ci = test_new_migrated_database(), *cause = NULL;
	const char	*args[] = { "--role", "worker", NULL };
	static struct config c;
	struct reminder	 rm;
	struct soukd	*old;
	struct db	*db;
	json_t		*vars = json_pack("{s:s, s:s}", "user.name", "x",
			    "text", "y");
	PGresult	*res;
	int64_t		 id;

	config_defaults(&c);
	c.test_mode = true;
	outbox_init(&c);
	reminders_init();
	jobs_init(&c);
	db = db_open(db_ci, true, &cause);
	ck_assert_ptr_nonnull(db);
	PQclear(test_sql_on(db_ci, "INSERT INTO users (role, email) VALUES "
	    "('customer', 'old@test.souk')", 0, NULL));
	memset(&rm, 0, sizeof rm);
	rm.user_id = 1;
	rm.kind = "test.reminder";
	rm.channels = OUTBOX_CH_EMAIL;
	rm.vars = vars;
	rm.dedupe_key = "old-version";
	ck_assert(reminders_schedule(db, &rm, &id));
	setenv("SOUKD_TEST_MODE", "no", 1);
	old = soukd_start_waiting(db_ci, args, "running jobs with");
	setenv("SOUKD_TEST_MODE", "yes", 1);
	ck_assert_ptr_nonnull(old);
	sleep(2);
	res = test_sql_on(db_ci, "SELECT j.state, j.last_error, r.state FROM "
	    "jobs j, reminders r WHERE j.kind = 'reminders.fire'", 0, NULL);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "pending");
	ck_assert_ptr_nonnull(strstr(PQgetvalue(res, 0, 1),
	    "does not send test.reminder"));
	ck_assert_str_eq(PQgetvalue(res, 0, 2), "scheduled");
	PQclear(res);
	ck_assert_int_eq(soukd_stop(old, SIGTERM), 0);
	json_decref(vars);
	db_close(db);
	free(db_ci);
}
END_TEST

Suite *
outbox_suite(void)
{
	Suite	*su = suite_create("outbox");
	TCase	*tc = tcase_create("outbox");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_checked_fixture(tc, outbox_setup, outbox_teardown);
	tcase_add_test(tc, test_templates_are_checked_when_saved);
	tcase_add_test(tc, test_rendered_safely_and_recorded);
	tcase_add_test(tc, test_choices_are_obeyed);
	tcase_add_test(tc, test_quiet_hours_delay_what_can_wait);
	tcase_add_test(tc, test_one_click_unsubscribe);
	tcase_add_test(tc, test_reminders_once_per_key);
	tcase_add_test(tc, test_unknown_kind_is_left_alone);
	suite_add_tcase(su, tc);
	return su;
}
