/*
 * Tele-calling's working loop: supervisors set up queues, agents take
 * the next lead (never the same one twice, callbacks first, only within
 * calling hours, attempt limits, the do-not-call list and their
 * regions), call it and end with a disposition whose rules decide what
 * happens to the lead; agents' states and the wallboard follow.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "catalog.h"
#include "suites.h"

#define NEXT	"/v1/queues/{id}/next"

struct tele {
	char			*region;
	struct test_user	*sup, *agent;
	long			 queue;
};

/* A queue open around the clock with one agent, in a region of its own. */
static void
tele_setup(struct tele *t, const char *extra)
{
	const char	*regions[2];
	struct api_resp	*r;
	char		*name = cat_word("Queue"), *body;

	t->region = test_region_new("tele");
	regions[0] = t->region;
	regions[1] = NULL;
	t->sup = test_user_new(api_base(), "supervisor", regions);
	t->agent = test_user_new(api_base(), "telecaller", regions);
	body = xasprintf("{\"name\": \"%s\", \"call_from\": \"00:00\", "
	    "\"call_until\": \"23:59\", \"call_days\": [1,2,3,4,5,6,7], "
	    "\"region_ids\": [%s], \"script\": \"Hello {{name}}, about "
	    "{{interest}} ({{custom.car}})\"%s%s}", name, t->region,
	    extra != NULL ? ", " : "", extra != NULL ? extra : "");
	r = cat_call(t->sup, "POST", "/v1/queues", "/v1/queues", 201, body);
	t->queue = jint(r->json, "id");
	ck_assert_int_eq(json_array_size(json_object_get(r->json,
	    "dispositions")), 9);
	api_free(r);
	free(body);
	body = xasprintf("{\"user_ids\": [%ld]}", t->agent->id);
	api_free(cat_callf(t->sup, "PUT", "/v1/queues/{id}/agents", 200, body,
	    "/v1/queues/%ld/agents", t->queue));
	free(body);
	free(name);
}

/* A new lead of queue in region (NULL: the setup's) through SQL. */
static long
lead_new(const struct tele *t, const char *region, const char *tz,
    int priority, int score)
{
	char		*phone = test_phone(), pr[16], sc[16], q[24];
	const char	*params[6];
	long		 id;

	snprintf(pr, sizeof pr, "%d", priority);
	snprintf(sc, sizeof sc, "%d", score);
	snprintf(q, sizeof q, "%ld", t->queue);
	params[0] = phone;
	params[1] = q;
	params[2] = region != NULL ? region : t->region;
	params[3] = tz != NULL ? tz : "Asia/Kolkata";
	params[4] = pr;
	params[5] = sc;
	id = cat_long("INSERT INTO leads (name, phone, source, queue_id, "
	    "region_id, timezone, priority, score, interest, custom) VALUES "
	    "('Lead ' || $1, $1, 'manual', $2, $3, $4, $5, $6, 'tractors', "
	    "'{\"car\": \"jeep\"}') RETURNING id", 6, params);
	free(phone);
	return id;
}

/* POST next as u (at: X-Souk-Now or NULL); the lead's id, 0 for 204. */
static long
next_at(const struct test_user *u, long queue, const char *at,
    json_t **card)
{
	const char	*h[3] = { u->auth, NULL, NULL };
	char		*path = xasprintf("/v1/queues/%ld/next", queue), *now =
			    NULL;
	struct api_resp	*r;
	long		 id = 0;

	if (at != NULL) {
		now = xasprintf("X-Souk-Now: %s", at);
		h[1] = now;
	}
	r = api_request(api_base(), "POST", path, NULL, NULL, 0, h);
	ck_assert_msg(r->status == 200 || r->status == 204, "next: %ld %s",
	    r->status, r->body);
	api_expect(r, r->status, "POST", NEXT);
	if (r->status == 200) {
		id = jint(r->json, "id");
		if (card != NULL)
			*card = json_incref(r->json);
	}
	api_free(r);
	free(path);
	free(now);
	return id;
}

static long
next_lead(const struct test_user *u, long queue)
{
	return next_at(u, queue, NULL, NULL);
}

static long
call_start(const struct test_user *u, long lead)
{
	char		*body = xasprintf("{\"lead_id\": %ld, \"mode\": "
			    "\"manual\"}", lead);
	struct api_resp	*r = cat_call(u, "POST", "/v1/calls", "/v1/calls", 201,
			    body);
	long		 id = jint(r->json, "id");

	ck_assert_str_eq(jstr(r->json, "status"), "started");
	api_free(r);
	free(body);
	return id;
}

static void
dispose(const struct test_user *u, long call, const char *body)
{
	api_free(cat_callf(u, "POST", "/v1/calls/{id}/disposition", 200, body,
	    "/v1/calls/%ld/disposition", call));
}

/* Takes lead (already held by u), calls it and ends with code. */
static void
work(const struct test_user *u, long lead, const char *code)
{
	char	*body = xasprintf("{\"code\": \"%s\", \"notes\": \"done\"}",
		    code);

	dispose(u, call_start(u, lead), body);
	free(body);
}

static char *
lead_field(long lead, const char *col)
{
	char		*sql = xasprintf("SELECT %s::text FROM leads WHERE id = $1",
			    col), id[24];
	const char	*params[1] = { id };
	PGresult	*res;
	char		*v;

	snprintf(id, sizeof id, "%ld", lead);
	res = test_sql(sql, 1, params);
	v = xstrdup(PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	free(sql);
	return v;
}

START_TEST(test_queues_are_set_up_by_supervisors)
{
	struct tele	 t;
	struct api_resp	*r;
	struct test_user *other, *customer;
	char		*body;

	tele_setup(&t, "\"max_attempts\": 4");
	customer = test_user_new(api_base(), "customer", NULL);
	r = cat_callf(t.sup, "GET", "/v1/queues/{id}", 200, NULL,
	    "/v1/queues/%ld", t.queue);
	ck_assert_int_eq(jint(r->json, "max_attempts"), 4);
	ck_assert_str_eq(jstr(r->json, "call_from"), "00:00");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "agents")),
	    1);
	api_free(r);
	/* Bad values change nothing. */
	r = cat_callf(t.sup, "PATCH", "/v1/queues/{id}", 400,
	    "{\"call_from\": \"25:00\", \"assignment\": \"random\"}",
	    "/v1/queues/%ld", t.queue);
	api_expect_problem(r, 400, "validation", "call_from");
	api_expect_problem(r, 400, "validation", "assignment");
	api_free(r);
	r = cat_callf(t.sup, "PATCH", "/v1/queues/{id}", 400,
	    "{\"call_from\": \"22:00\", \"call_until\": \"08:00\"}",
	    "/v1/queues/%ld", t.queue);
	api_expect_problem(r, 400, "validation", "call_until");
	api_free(r);
	api_free(cat_callf(t.sup, "PATCH", "/v1/queues/{id}", 400,
	    "{\"colour\": \"red\"}", "/v1/queues/%ld", t.queue));
	r = cat_callf(t.sup, "PATCH", "/v1/queues/{id}", 200,
	    "{\"max_daily_attempts\": 2, \"status\": \"paused\"}",
	    "/v1/queues/%ld", t.queue);
	ck_assert_int_eq(jint(r->json, "max_daily_attempts"), 2);
	ck_assert_int_eq(jint(r->json, "max_attempts"), 4);
	ck_assert_str_eq(jstr(r->json, "call_from"), "00:00");
	api_free(r);
	/* A paused queue hands out nothing. */
	api_free(cat_callf(t.agent, "POST", NEXT, 422, NULL,
	    "/v1/queues/%ld/next", t.queue));
	/* Dispositions: hotkeys unique, rules consistent. */
	r = cat_callf(t.sup, "PUT", "/v1/queues/{id}/dispositions", 400,
	    "{\"dispositions\": [{\"code\": \"yes\", \"label\": \"Yes\", "
	    "\"hotkey\": 1, \"lead_status\": \"interested\"}, {\"code\": "
	    "\"no\", \"label\": \"No\", \"hotkey\": 1, \"lead_status\": "
	    "\"new\"}, {\"code\": \"Bad code\", \"label\": \"x\", "
	    "\"lead_status\": \"contacted\", \"dnc\": true}]}",
	    "/v1/queues/%ld/dispositions", t.queue);
	api_expect_problem(r, 400, "validation", "dispositions[1].hotkey");
	api_expect_problem(r, 400, "validation", "dispositions[1].lead_status");
	api_expect_problem(r, 400, "validation", "dispositions[2].code");
	api_expect_problem(r, 400, "validation", "dispositions[2].lead_status");
	api_free(r);
	r = cat_callf(t.sup, "PUT", "/v1/queues/{id}/dispositions", 200,
	    "{\"dispositions\": [{\"code\": \"yes\", \"label\": \"Yes\", "
	    "\"hotkey\": 1, \"lead_status\": \"interested\", \"connected\": "
	    "true}, {\"code\": \"later\", \"label\": \"Later\", \"hotkey\": 2, "
	    "\"lead_status\": \"unreachable\", \"retry_minutes\": 60}]}",
	    "/v1/queues/%ld/dispositions", t.queue);
	ck_assert_int_eq(json_array_size(json_object_get(r->json,
	    "dispositions")), 2);
	api_free(r);
	/* Agents are staff who take calls, and active. */
	body = xasprintf("{\"user_ids\": [%ld, %ld, 9223372036854775807]}",
	    t.agent->id, customer->id);
	r = cat_callf(t.sup, "PUT", "/v1/queues/{id}/agents", 400, body,
	    "/v1/queues/%ld/agents", t.queue);
	api_expect_problem(r, 400, "validation", "user_ids[1]");
	api_expect_problem(r, 400, "validation", "user_ids[2]");
	api_free(r);
	free(body);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM queue_agents WHERE "
	    "queue_id = $1", t.queue), 1);
	/* A telecaller sees the queues they work, no others. */
	other = test_user_new(api_base(), "telecaller", NULL);
	r = cat_call(t.agent, "GET", "/v1/queues?limit=200", "/v1/queues",
	    200, NULL);
	ck_assert(jhas_id(json_object_get(r->json, "data"), t.queue));
	api_free(r);
	r = cat_call(other, "GET", "/v1/queues?limit=200", "/v1/queues", 200,
	    NULL);
	ck_assert(!jhas_id(json_object_get(r->json, "data"), t.queue));
	api_free(r);
	api_free(cat_callf(other, "POST", NEXT, 404, NULL,
	    "/v1/queues/%ld/next", t.queue));
	/* Names are unique. */
	r = cat_callf(t.sup, "GET", "/v1/queues/{id}", 200, NULL,
	    "/v1/queues/%ld", t.queue);
	body = xasprintf("{\"name\": \"%s\", \"region_ids\": [%s]}",
	    jstr(r->json, "name"), t.region);
	api_free(r);
	r = cat_call(t.sup, "POST", "/v1/queues", "/v1/queues", 400, body);
	api_expect_problem(r, 400, "validation", "name");
	api_free(r);
	free(body);
}
END_TEST

START_TEST(test_next_call_disposition)
{
	struct tele	 t;
	long		 low, high, call;
	json_t		*card = NULL;
	struct api_resp	*r;
	char		*s;

	tele_setup(&t, NULL);
	low = lead_new(&t, NULL, NULL, 0, 10);
	high = lead_new(&t, NULL, NULL, 0, 90);
	ck_assert_int_eq(next_at(t.agent, t.queue, NULL, &card), high);
	ck_assert(strstr(json_string_value(json_object_get(card, "script")),
	    "about tractors (jeep)") != NULL);
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(card,
	    "queue"), "dispositions")), 9);
	ck_assert_int_eq(jint(card, "held_by"), t.agent->id);
	json_decref(card);
	/* Asking again hands the same lead back. */
	ck_assert_int_eq(next_lead(t.agent, t.queue), high);
	/* Only the holder calls it. */
	s = xasprintf("{\"lead_id\": %ld, \"mode\": \"manual\"}", low);
	api_free(cat_call(t.agent, "POST", "/v1/calls", "/v1/calls", 409, s));
	free(s);
	call = call_start(t.agent, high);
	r = cat_call(t.agent, "GET", "/v1/me/agent", "/v1/me/agent", 200,
	    NULL);
	ck_assert_str_eq(jstr(r->json, "state"), "on_call");
	api_free(r);
	r = cat_callf(t.agent, "POST", "/v1/calls/{id}/end", 200, NULL,
	    "/v1/calls/%ld/end", call);
	ck_assert_str_eq(jstr(r->json, "status"), "ended");
	api_free(r);
	api_free(cat_callf(t.agent, "POST", "/v1/calls/{id}/end", 422, NULL,
	    "/v1/calls/%ld/end", call));
	/* Rules: unknown codes and a callback without a time are refused. */
	r = cat_callf(t.agent, "POST", "/v1/calls/{id}/disposition", 400,
	    "{\"code\": \"maybe\"}", "/v1/calls/%ld/disposition", call);
	api_expect_problem(r, 400, "validation", "code");
	api_free(r);
	r = cat_callf(t.agent, "POST", "/v1/calls/{id}/disposition", 400,
	    "{\"code\": \"callback\"}", "/v1/calls/%ld/disposition", call);
	api_expect_problem(r, 400, "validation", "callback_at");
	api_free(r);
	ck_assert_str_eq(lead_field(high, "status"), "new");
	dispose(t.agent, call, "{\"code\": \"no_answer\", \"notes\": \"rang "
	    "out\"}");
	api_free(cat_callf(t.agent, "POST", "/v1/calls/{id}/disposition", 422,
	    "{\"code\": \"busy\"}", "/v1/calls/%ld/disposition", call));
	ck_assert_str_eq(lead_field(high, "status"), "unreachable");
	ck_assert_str_eq(lead_field(high, "attempts"), "1");
	ck_assert_str_eq(lead_field(high, "held_by"), "");
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM leads WHERE id = $1 "
	    "AND next_call_at > now() + interval '119 minutes' AND "
	    "first_contact_at IS NOT NULL", high), 1);
	r = cat_call(t.agent, "GET", "/v1/me/agent", "/v1/me/agent", 200,
	    NULL);
	ck_assert_str_eq(jstr(r->json, "state"), "available");
	ck_assert_int_eq(jint(json_object_get(r->json, "today"), "calls"), 1);
	api_free(r);
	/* The retry waits; the other lead comes next, then nothing. */
	ck_assert_int_eq(next_lead(t.agent, t.queue), low);
	work(t.agent, low, "converted");
	ck_assert_str_eq(lead_field(low, "status"), "converted");
	ck_assert_int_eq(next_lead(t.agent, t.queue), 0);
	/* The calls are listed, and a lead's history has them. */
	s = xasprintf("/v1/calls?agent=me&queue_id=%ld", t.queue);
	r = cat_call(t.agent, "GET", s, "/v1/calls", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 2);
	api_free(r);
	free(s);
	/* Calls made elsewhere are logged with their disposition. */
	s = xasprintf("{\"lead_id\": %ld, \"started_at\": "
	    "\"2026-01-05T10:00:00Z\", \"ended_at\": \"2026-01-05T10:03:00Z\", "
	    "\"disposition\": \"interested\", \"notes\": \"met at the fair\"}",
	    high);
	r = cat_call(t.agent, "POST", "/v1/calls/log", "/v1/calls/log", 201, s);
	ck_assert_str_eq(jstr(r->json, "mode"), "logged");
	ck_assert_int_eq(jint(r->json, "talk_seconds"), 180);
	api_free(r);
	free(s);
	ck_assert_str_eq(lead_field(high, "status"), "interested");
	/* Reports count them. */
	s = xasprintf("/v1/reports/calls?group=queue&from=2020-01-01T00:00:00Z"
	    "&to=2099-01-01T00:00:00Z");
	r = cat_call(t.sup, "GET", s, "/v1/reports/calls", 200, NULL);
	ck_assert_int_gt(json_array_size(json_object_get(r->json, "data")), 0);
	api_free(r);
	free(s);
	s = xasprintf("/v1/reports/calls?group=agent&agent=me&from="
	    "2020-01-01T00:00:00Z&to=2099-01-01T00:00:00Z");
	r = cat_call(t.agent, "GET", s, "/v1/reports/calls", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 1);
	ck_assert_int_eq(jint(json_array_get(json_object_get(r->json, "data"),
	    0), "calls"), 3);
	ck_assert_int_eq(jint(json_array_get(json_object_get(r->json, "data"),
	    0), "conversions"), 1);
	api_free(r);
	free(s);
	s = xasprintf("/v1/reports/calls?group=agent&from="
	    "2020-01-01T00:00:00Z&to=2099-01-01T00:00:00Z");
	api_free(cat_call(t.agent, "GET", s, "/v1/reports/calls", 403, NULL));
	free(s);
}
END_TEST

#define RACERS 50

struct racer {
	char			*url;
	char			*auth;
	pthread_barrier_t	*go;
	long			 status;
	long			 lead;
	char			 buf[65536];
	size_t			 len;
};

static size_t
racer_write(char *p, size_t sz, size_t n, void *arg)
{
	struct racer	*t = arg;
	size_t		 len = sz * n;

	if (t->len + len < sizeof t->buf - 1) {
		memcpy(t->buf + t->len, p, len);
		t->len += len;
		t->buf[t->len] = '\0';
	}
	return len;
}

static void *
racer_run(void *arg)
{
	struct racer		*t = arg;
	struct curl_slist	*hl = NULL;
	CURL			*c;
	json_t			*j;

	c = curl_easy_init();
	hl = curl_slist_append(hl, t->auth);
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, t->url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, racer_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	pthread_barrier_wait(t->go);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t->status);
	if (t->status == 200 && (j = json_loads(t->buf, 0, NULL)) != NULL) {
		t->lead = jint(j, "id");
		json_decref(j);
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	return NULL;
}

START_TEST(test_fifty_agents_never_share_a_lead)
{
	struct tele		 t;
	struct test_user	*agents[RACERS];
	struct racer		 rc[RACERS];
	pthread_t		 th[RACERS];
	pthread_barrier_t	 go;
	pthread_attr_t		 attr;
	const char		*regions[2];
	json_t			*ids = json_array();
	char			*body, *url;
	int			 i, j, served = 0;

	tele_setup(&t, NULL);
	regions[0] = t.region;
	regions[1] = NULL;
	for (i = 0; i < 45; i++)
		lead_new(&t, NULL, NULL, i % 3, i);
	for (i = 0; i < RACERS; i++) {
		agents[i] = test_user_new(api_base(), "telecaller", regions);
		json_array_append_new(ids, json_integer(agents[i]->id));
	}
	body = xasprintf("{\"user_ids\": %s}", json_dumps(ids, JSON_COMPACT));
	api_free(cat_callf(t.sup, "PUT", "/v1/queues/{id}/agents", 200, body,
	    "/v1/queues/%ld/agents", t.queue));
	free(body);
	url = xasprintf("%s/v1/queues/%ld/next", api_base(), t.queue);
	ck_assert_int_eq(pthread_barrier_init(&go, NULL, RACERS), 0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	for (i = 0; i < RACERS; i++) {
		memset(&rc[i], 0, sizeof rc[i]);
		rc[i].url = url;
		rc[i].auth = agents[i]->auth;
		rc[i].go = &go;
		ck_assert_int_eq(pthread_create(&th[i], &attr, racer_run,
		    &rc[i]), 0);
	}
	for (i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	pthread_attr_destroy(&attr);
	/* 45 leads, 50 agents: 45 get one each, all different; 5 get none. */
	for (i = 0; i < RACERS; i++) {
		ck_assert_msg(rc[i].status == 200 || rc[i].status == 204,
		    "agent %d: %ld %s", i, rc[i].status, rc[i].buf);
		if (rc[i].status != 200)
			continue;
		served++;
		for (j = 0; j < i; j++)
			ck_assert_msg(rc[j].lead != rc[i].lead, "agents %d and "
			    "%d both got lead %ld", j, i, rc[i].lead);
	}
	ck_assert_int_eq(served, 45);
	ck_assert_int_eq(cat_long1("SELECT count(DISTINCT held_by) FROM leads "
	    "WHERE queue_id = $1 AND held_by IS NOT NULL", t.queue), 45);
	free(url);
	json_decref(ids);
}
END_TEST

START_TEST(test_calling_hours_across_time_zones)
{
	struct tele		 t;
	struct test_user	*other;
	const char		*regions[2];
	long			 india, newyork;
	char			*body;

	tele_setup(&t, NULL);
	api_free(cat_callf(t.sup, "PATCH", "/v1/queues/{id}", 200,
	    "{\"call_from\": \"09:00\", \"call_until\": \"21:00\", "
	    "\"call_days\": [1,2,3,4,5]}", "/v1/queues/%ld", t.queue));
	regions[0] = t.region;
	regions[1] = NULL;
	other = test_user_new(api_base(), "telecaller", regions);
	body = xasprintf("{\"user_ids\": [%ld, %ld]}", t.agent->id, other->id);
	api_free(cat_callf(t.sup, "PUT", "/v1/queues/{id}/agents", 200, body,
	    "/v1/queues/%ld/agents", t.queue));
	free(body);
	india = lead_new(&t, NULL, "Asia/Kolkata", 0, 10);
	newyork = lead_new(&t, NULL, "America/New_York", 0, 90);
	/* Monday 05:00 UTC: 10:30 in India, 00:00 in New York. */
	ck_assert_int_eq(next_at(t.agent, t.queue, "2026-03-02T05:00:00Z",
	    NULL), india);
	ck_assert_int_eq(next_at(other, t.queue, "2026-03-02T05:00:00Z", NULL),
	    0);
	/* Saturday in both: nobody is called. */
	ck_assert_int_eq(next_at(other, t.queue, "2026-03-07T15:00:00Z", NULL),
	    0);
	/* Monday 16:00 UTC: 21:30 in India (too late), 11:00 in New York. */
	ck_assert_int_eq(next_at(other, t.queue, "2026-03-02T16:00:00Z", NULL),
	    newyork);
	/* A malformed clock is refused. */
	{
		const char	*h[3] = { other->auth, "X-Souk-Now: soon", NULL };
		char		*path = xasprintf("/v1/queues/%ld/next", t.queue);
		struct api_resp	*r = api_request(api_base(), "POST", path,
				    NULL, NULL, 0, h);

		api_expect_problem(r, 400, "validation", "X-Souk-Now");
		api_free(r);
		free(path);
	}
}
END_TEST

START_TEST(test_attempt_limits)
{
	struct tele	 t;
	long		 lead;

	tele_setup(&t, "\"max_attempts\": 2, \"max_daily_attempts\": 1");
	lead = lead_new(&t, NULL, "UTC", 0, 0);
	ck_assert_int_eq(next_lead(t.agent, t.queue), lead);
	work(t.agent, lead, "busy");
	ck_assert_int_eq(cat_long1("WITH u AS (UPDATE leads SET next_call_at "
	    "= now() - interval '1 second' WHERE id = $1 RETURNING 1) SELECT "
	    "count(*) FROM u", lead), 1);
	/* One attempt a day: not again today... */
	ck_assert_int_eq(next_lead(t.agent, t.queue), 0);
	/* ...but tomorrow (in the lead's time zone). */
	ck_assert_int_eq(next_at(t.agent, t.queue, "2099-01-02T12:00:00Z",
	    NULL), lead);
	work(t.agent, lead, "busy");
	ck_assert_int_eq(cat_long1("WITH u AS (UPDATE leads SET next_call_at "
	    "= now() - interval '1 second' WHERE id = $1 RETURNING 1) SELECT "
	    "count(*) FROM u", lead), 1);
	/* Two attempts in all: never again. */
	ck_assert_int_eq(next_at(t.agent, t.queue, "2099-01-05T12:00:00Z",
	    NULL), 0);
	ck_assert_str_eq(lead_field(lead, "attempts"), "2");
}
END_TEST

/* Moves lead's retry time into the past (it is due now). */
static void
retry_due(long lead)
{
	ck_assert_int_eq(cat_long1("WITH u AS (UPDATE leads SET next_call_at "
	    "= now() - interval '1 second' WHERE id = $1 RETURNING 1) SELECT "
	    "count(*) FROM u", lead), 1);
}

START_TEST(test_retries_wait_their_turn)
{
	struct tele	 t;
	long		 hot, warm, cold, hotter;
	json_t		*card = NULL;

	tele_setup(&t, "\"max_attempts\": 2, \"max_daily_attempts\": 5");
	hot = lead_new(&t, NULL, NULL, 10, 0);
	warm = lead_new(&t, NULL, NULL, 5, 0);
	cold = lead_new(&t, NULL, NULL, 0, 0);
	ck_assert_int_eq(next_lead(t.agent, t.queue), hot);
	work(t.agent, hot, "busy");
	/* Waiting for its retry: the next best lead is served meanwhile. */
	ck_assert_int_eq(next_lead(t.agent, t.queue), warm);
	work(t.agent, warm, "not_interested");
	/* Once due, a retry comes before a lead of lower priority... */
	retry_due(hot);
	ck_assert_int_eq(next_at(t.agent, t.queue, NULL, &card), hot);
	ck_assert_int_eq(jint(card, "attempts"), 1);
	json_decref(card);
	card = NULL;
	/* ...and its last attempt leaves it unscheduled. */
	work(t.agent, hot, "busy");
	ck_assert_str_eq(lead_field(hot, "next_call_at"), "infinity");
	ck_assert_int_eq(next_lead(t.agent, t.queue), cold);
	work(t.agent, cold, "busy");
	/* A lead never tried comes before a due retry of lower priority. */
	hotter = lead_new(&t, NULL, NULL, 1, 0);
	retry_due(cold);
	ck_assert_int_eq(next_lead(t.agent, t.queue), hotter);
	work(t.agent, hotter, "not_interested");
	ck_assert_int_eq(next_at(t.agent, t.queue, NULL, &card), cold);
	ck_assert(json_is_null(json_object_get(card, "callback")));
	json_decref(card);
	work(t.agent, cold, "not_interested");
	ck_assert_int_eq(next_lead(t.agent, t.queue), 0);
}
END_TEST

START_TEST(test_daily_limit_waits_for_tomorrow)
{
	struct tele	 t;
	long		 lead;

	tele_setup(&t, "\"max_daily_attempts\": 1");
	lead = lead_new(&t, NULL, "America/New_York", 0, 0);
	ck_assert_int_eq(next_lead(t.agent, t.queue), lead);
	/* Busy retries in 30 minutes, but today's one attempt is used. */
	work(t.agent, lead, "busy");
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM leads WHERE id = $1 "
	    "AND next_call_at >= (date_trunc('day', now() AT TIME ZONE "
	    "'America/New_York') + interval '1 day') AT TIME ZONE "
	    "'America/New_York' AND next_call_at < now() + interval '25 hours'",
	    lead), 1);
	ck_assert_int_eq(next_lead(t.agent, t.queue), 0);
}
END_TEST

START_TEST(test_callbacks_come_first)
{
	struct tele		 t;
	struct test_user	*other;
	const char		*regions[2];
	long			 fresh, mine, anyones, theirs;
	char			*body, *path;
	struct api_resp		*r;
	json_t			*card = NULL;

	tele_setup(&t, NULL);
	regions[0] = t.region;
	regions[1] = NULL;
	other = test_user_new(api_base(), "telecaller", regions);
	body = xasprintf("{\"user_ids\": [%ld, %ld]}", t.agent->id, other->id);
	api_free(cat_callf(t.sup, "PUT", "/v1/queues/{id}/agents", 200, body,
	    "/v1/queues/%ld/agents", t.queue));
	free(body);
	fresh = lead_new(&t, NULL, NULL, 100, 100);
	mine = lead_new(&t, NULL, NULL, 0, 0);
	anyones = lead_new(&t, NULL, NULL, 0, 0);
	theirs = lead_new(&t, NULL, NULL, 0, 0);
	/* Scheduled in the past, so due now. */
	path = xasprintf("/v1/leads/%ld/callback", anyones);
	api_free(cat_call(other, "POST", path, "/v1/leads/{id}/callback", 201,
	    "{\"due_at\": \"2020-01-01T10:00:00Z\", \"for\": \"anyone\"}"));
	free(path);
	path = xasprintf("/v1/leads/%ld/callback", mine);
	r = cat_call(t.agent, "POST", path, "/v1/leads/{id}/callback", 201,
	    "{\"due_at\": \"2020-01-02T10:00:00Z\", \"for\": \"me\", \"note\": "
	    "\"after the harvest\"}");
	ck_assert_int_eq(jint(r->json, "agent_id"), t.agent->id);
	api_free(r);
	free(path);
	path = xasprintf("/v1/leads/%ld/callback", theirs);
	api_free(cat_call(other, "POST", path, "/v1/leads/{id}/callback", 201,
	    "{\"due_at\": \"2020-01-01T09:00:00Z\", \"for\": \"me\"}"));
	free(path);
	r = cat_call(t.agent, "GET", "/v1/callbacks?mine=1&overdue=1",
	    "/v1/callbacks", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 1);
	api_free(r);
	/* Mine first (with its callback), then anyone's, then new leads. */
	ck_assert_int_eq(next_at(t.agent, t.queue, NULL, &card), mine);
	ck_assert_str_eq(jstr(json_object_get(card, "callback"), "note"),
	    "after the harvest");
	json_decref(card);
	work(t.agent, mine, "interested");
	ck_assert_int_eq(next_lead(t.agent, t.queue), anyones);
	/* A callback disposition schedules one, for anyone here. */
	body = xasprintf("{\"code\": \"callback\", \"callback_at\": "
	    "\"2099-01-01T10:00:00Z\", \"callback_for\": \"anyone\"}");
	dispose(t.agent, call_start(t.agent, anyones), body);
	free(body);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM callbacks WHERE "
	    "lead_id = $1 AND done_at IS NULL AND agent_id IS NULL AND due_at "
	    "> now()", anyones), 1);
	ck_assert_str_eq(lead_field(anyones, "status"), "callback");
	/* The other agent's callback is theirs alone. */
	ck_assert_int_eq(next_lead(t.agent, t.queue), fresh);
	ck_assert_int_eq(next_lead(other, t.queue), theirs);
}
END_TEST

START_TEST(test_dnc_is_never_served)
{
	struct tele	 t;
	long		 listed, alt, called, call;
	char		*phone, *body, *path;
	struct api_resp	*r;

	tele_setup(&t, NULL);
	listed = lead_new(&t, NULL, NULL, 50, 0);
	alt = lead_new(&t, NULL, NULL, 40, 0);
	called = lead_new(&t, NULL, NULL, 30, 0);
	phone = lead_field(listed, "phone");
	/* Typed as people type it: 0 and spaces, no country code. */
	body = xasprintf("{\"phone\": \"0%.5s %s\", \"reason\": \"asked "
	    "twice\"}", phone + 3, phone + 8);
	r = cat_call(t.agent, "POST", "/v1/dnc", "/v1/dnc", 201, body);
	ck_assert_str_eq(jstr(r->json, "phone"), phone);
	ck_assert_str_eq(jstr(r->json, "source"), "agent");
	api_free(r);
	free(body);
	ck_assert_str_eq(lead_field(listed, "status"), "dnc");
	api_free(cat_call(t.agent, "POST", "/v1/dnc", "/v1/dnc", 400,
	    "{\"phone\": \"12\"}"));
	/* A landline, typed with its trunk 0 and area code, as leads take it. */
	free(phone);
	phone = test_phone();
	body = xasprintf("{\"phone\": \"011 %s\"}", phone + 5);
	r = cat_call(t.agent, "POST", "/v1/dnc", "/v1/dnc", 201, body);
	free(body);
	body = xasprintf("+9111%s", phone + 5);
	ck_assert_str_eq(jstr(r->json, "phone"), body);
	api_free(r);
	free(body);
	/* A lead whose other number is listed is not served either. */
	free(phone);
	phone = test_phone();
	{
		char		 id[24];
		const char	*params[2] = { phone, id };

		snprintf(id, sizeof id, "%ld", alt);
		PQclear(test_sql("UPDATE leads SET alt_phone = $1 WHERE id = $2",
		    2, params));
		PQclear(test_sql("INSERT INTO dnc (phone, source) VALUES ($1, "
		    "'admin')", 1, params));
	}
	ck_assert_int_eq(next_lead(t.agent, t.queue), called);
	/* The DNC disposition lists the number. */
	call = call_start(t.agent, called);
	dispose(t.agent, call, "{\"code\": \"dnc\"}");
	free(phone);
	phone = lead_field(called, "phone");
	path = xasprintf("/v1/dnc?q=%s", phone + 1);
	r = cat_call(t.agent, "GET", path, "/v1/dnc", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r->json, "data"),
	    0), "source"), "disposition");
	api_free(r);
	free(path);
	ck_assert_int_eq(next_lead(t.agent, t.queue), 0);
	/* Taken off the list by a supervisor (audited), it is no lead again. */
	path = xasprintf("/v1/dnc/%s", phone);
	r = api_request(api_base(), "DELETE", path, NULL, NULL, 0,
	    (const char *const[]){ t.agent->auth, NULL });
	ck_assert_int_eq(r->status, 403);
	api_free(r);
	r = api_request(api_base(), "DELETE", path, NULL, NULL, 0,
	    (const char *const[]){ t.sup->auth, NULL });
	ck_assert_int_eq(r->status, 204);
	api_free(r);
	r = api_request(api_base(), "DELETE", path, NULL, NULL, 0,
	    (const char *const[]){ t.sup->auth, NULL });
	ck_assert_int_eq(r->status, 404);
	api_free(r);
	free(path);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM audit_log WHERE "
	    "action = 'dnc.removed' AND target_id = $1", 1,
	    (const char *const *)&phone), 1);
	free(phone);
}
END_TEST

START_TEST(test_region_isolation)
{
	struct tele		 t;
	char			*far = test_region_new("far");
	long			 near_lead, far_lead;
	char			*path;

	tele_setup(&t, NULL);
	far_lead = lead_new(&t, far, NULL, 100, 100);
	near_lead = lead_new(&t, NULL, NULL, 0, 0);
	ck_assert_int_eq(next_lead(t.agent, t.queue), near_lead);
	work(t.agent, near_lead, "interested");
	ck_assert_int_eq(next_lead(t.agent, t.queue), 0);
	/* Nor can they call it, or schedule it. */
	path = xasprintf("/v1/leads/%ld/callback", far_lead);
	api_free(cat_call(t.agent, "POST", path, "/v1/leads/{id}/callback",
	    404, "{\"due_at\": \"2099-01-01T10:00:00Z\"}"));
	free(path);
	ck_assert_str_eq(lead_field(far_lead, "held_by"), "");
	free(far);
}
END_TEST

/*
 * A supervisor's queue takes leads of their regions only: naming another
 * region is refused, and the queue stays as it was.
 */
START_TEST(test_queue_regions_are_the_supervisors)
{
	struct tele	 t;
	struct api_resp	*r;
	char		*far = test_region_new("far"), *body, *name =
			    cat_word("Queue");

	tele_setup(&t, NULL);
	body = xasprintf("{\"name\": \"%s\", \"region_ids\": [%s]}", name,
	    far);
	r = cat_call(t.sup, "POST", "/v1/queues", "/v1/queues", 400, body);
	api_expect_problem(r, 400, "validation", "region_ids");
	api_free(r);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM queues WHERE name = "
	    "$1", 1, (const char *const *)&name), 0);
	free(body);
	body = xasprintf("{\"region_ids\": [%s, %s]}", t.region, far);
	r = cat_callf(t.sup, "PATCH", "/v1/queues/{id}", 400, body,
	    "/v1/queues/%ld", t.queue);
	api_expect_problem(r, 400, "validation", "region_ids");
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT cardinality(region_ids) FROM queues "
	    "WHERE id = $1", t.queue), 1);
	free(body);
	/* An admin may. */
	body = xasprintf("{\"region_ids\": [%s, %s]}", t.region, far);
	api_free(cat_callf(cat_admin(), "PATCH", "/v1/queues/{id}", 200, body,
	    "/v1/queues/%ld", t.queue));
	free(body);
	free(name);
	free(far);
}
END_TEST

/*
 * A supervisor's report and wallboard count their regions' calls only:
 * another region's agent, their calls and their lead's SLA are not in it.
 */
START_TEST(test_reports_keep_to_the_supervisors_regions)
{
	struct tele	 near, far;
	struct api_resp	*r;
	json_t		*row, *w;
	char		 id[24];
	const char	*params[1] = { id };
	long		 lead;
	size_t		 i;

	tele_setup(&near, NULL);
	tele_setup(&far, NULL);
	lead = lead_new(&far, NULL, NULL, 0, 0);
	ck_assert_int_eq(next_lead(far.agent, far.queue), lead);
	work(far.agent, lead, "interested");
	/* An unanswered inbound lead far away, past its first-contact SLA. */
	lead = lead_new(&far, NULL, NULL, 0, 0);
	snprintf(id, sizeof id, "%ld", lead);
	PQclear(test_sql("UPDATE leads SET sla_due_at = now() - interval "
	    "'1 hour' WHERE id = $1", 1, params));
	r = cat_call(near.sup, "GET", "/v1/reports/calls?group=agent&"
	    "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z",
	    "/v1/reports/calls", 200, NULL);
	json_array_foreach(json_object_get(r->json, "data"), i, row)
		ck_assert_msg(atol(jstr(row, "key")) != far.agent->id,
		    "another region's agent is in the report");
	api_free(r);
	/* Their own supervisor sees the call. */
	r = cat_call(far.sup, "GET", "/v1/reports/calls?group=agent&"
	    "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z",
	    "/v1/reports/calls", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 1);
	api_free(r);
	r = cat_call(near.sup, "GET", "/v1/wallboard", "/v1/wallboard", 200,
	    NULL);
	w = r->json;
	ck_assert_int_eq(jint(w, "calls_per_hour"), 0);
	ck_assert_int_eq(jint(w, "sla_breaches"), 0);
	api_free(r);
	r = cat_call(far.sup, "GET", "/v1/wallboard", "/v1/wallboard", 200,
	    NULL);
	ck_assert_int_eq(jint(r->json, "calls_per_hour"), 1);
	ck_assert_int_eq(jint(r->json, "sla_breaches"), 1);
	api_free(r);
}
END_TEST

START_TEST(test_agent_states_and_wallboard)
{
	struct tele	 t;
	struct api_resp	*r;
	json_t		*a;
	size_t		 i;
	bool		 found = false;

	tele_setup(&t, NULL);
	r = cat_call(t.agent, "PUT", "/v1/me/agent", "/v1/me/agent", 400,
	    "{\"state\": \"paused\"}");
	api_expect_problem(r, 400, "validation", "reason");
	api_free(r);
	api_free(cat_call(t.agent, "PUT", "/v1/me/agent", "/v1/me/agent", 400,
	    "{\"state\": \"on_call\"}"));
	api_free(cat_call(t.agent, "PUT", "/v1/me/agent", "/v1/me/agent", 200,
	    "{\"state\": \"available\"}"));
	r = cat_call(t.agent, "PUT", "/v1/me/agent", "/v1/me/agent", 200,
	    "{\"state\": \"paused\", \"reason\": \"lunch\"}");
	ck_assert_str_eq(jstr(r->json, "state"), "paused");
	ck_assert_str_eq(jstr(r->json, "reason"), "lunch");
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM agent_state_log "
	    "WHERE user_id = $1", t.agent->id), 2);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM events WHERE topic = "
	    "'agents' AND data->>'user_id' = $1::text", t.agent->id), 2);
	r = cat_call(t.sup, "GET", "/v1/wallboard", "/v1/wallboard", 200, NULL);
	json_array_foreach(json_object_get(r->json, "agents"), i, a) {
		if (jint(a, "user_id") == t.agent->id) {
			found = true;
			ck_assert_str_eq(jstr(a, "state"), "paused");
		}
	}
	ck_assert(found);
	found = false;
	json_array_foreach(json_object_get(r->json, "queues"), i, a)
		found = found || jint(a, "id") == t.queue;
	ck_assert(found);
	api_free(r);
	r = cat_call(t.sup, "GET", "/v1/agents", "/v1/agents", 200, NULL);
	ck_assert_int_gt(json_array_size(json_object_get(r->json, "data")), 0);
	api_free(r);
	r = cat_callf(t.agent, "GET", "/v1/queues/{id}/stats", 200, NULL,
	    "/v1/queues/%ld/stats", t.queue);
	ck_assert_int_eq(jint(json_object_get(r->json, "agents"), "paused"), 1);
	api_free(r);
}
END_TEST

Suite *
tele_calls_suite(void)
{
	Suite	*s = suite_create("tele_calls");
	TCase	*tc = tcase_create("tele_calls");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_queues_are_set_up_by_supervisors);
	tcase_add_test(tc, test_next_call_disposition);
	tcase_add_test(tc, test_fifty_agents_never_share_a_lead);
	tcase_add_test(tc, test_calling_hours_across_time_zones);
	tcase_add_test(tc, test_attempt_limits);
	tcase_add_test(tc, test_retries_wait_their_turn);
	tcase_add_test(tc, test_daily_limit_waits_for_tomorrow);
	tcase_add_test(tc, test_callbacks_come_first);
	tcase_add_test(tc, test_dnc_is_never_served);
	tcase_add_test(tc, test_region_isolation);
	tcase_add_test(tc, test_queue_regions_are_the_supervisors);
	tcase_add_test(tc, test_reports_keep_to_the_supervisors_regions);
	tcase_add_test(tc, test_agent_states_and_wallboard);
	suite_add_tcase(s, tc);
	return s;
}
