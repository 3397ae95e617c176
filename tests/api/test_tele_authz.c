/*
 * Who may do what in tele-calling: a regional supervisor edits only the
 * queues that lie in their regions and gives them agents of those
 * regions, makes form tokens for those queues only; a lead's owner can
 * see the lead; web-form captures from one address keep to their rate
 * however many arrive at once; a script names what the lead is missing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "catalog.h"
#include "suites.h"

struct side {
	char			*region;
	struct test_user	*sup, *agent;
	long			 queue;
};

/* A region with a supervisor, a telecaller and a queue of theirs. */
static void
side_new(struct side *s, const char *script)
{
	const char	*regions[2];
	struct api_resp	*r;
	char		*body, *name = cat_word("Queue");

	s->region = test_region_new("authz");
	regions[0] = s->region;
	regions[1] = NULL;
	s->sup = test_user_new(api_base(), "supervisor", regions);
	s->agent = test_user_new(api_base(), "telecaller", regions);
	body = xasprintf("{\"name\": \"%s\", \"call_from\": \"00:00\", "
	    "\"call_until\": \"23:59\", \"call_days\": [1,2,3,4,5,6,7], "
	    "\"region_ids\": [%s], \"script\": \"%s\"}", name, s->region,
	    script != NULL ? script : "Hello");
	r = cat_call(s->sup, "POST", "/v1/queues", "/v1/queues", 201, body);
	s->queue = jint(r->json, "id");
	api_free(r);
	free(body);
	body = xasprintf("{\"user_ids\": [%ld]}", s->agent->id);
	api_free(cat_callf(s->sup, "PUT", "/v1/queues/{id}/agents", 200, body,
	    "/v1/queues/%ld/agents", s->queue));
	free(body);
	free(name);
}

static char *
queue_name(long queue)
{
	char		 id[24];
	const char	*params[1] = { id };
	PGresult	*res;
	char		*v;

	snprintf(id, sizeof id, "%ld", queue);
	res = test_sql("SELECT name FROM queues WHERE id = $1", 1, params);
	v = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

/*
 * Being an agent of another region's queue, or its being of no region,
 * does not let a supervisor change it; nor may they make a queue of no
 * region.
 */
START_TEST(test_supervisors_edit_their_regions_queues_only)
{
	struct side	 a, b;
	struct api_resp	*r;
	char		*body, *before, *after, *sql, *name = cat_word("Open");
	long		 open;

	side_new(&a, NULL);
	side_new(&b, NULL);
	/* a's supervisor is an agent of b's queue (from before the rule). */
	PQclear(test_sql(sql = xasprintf("INSERT INTO queue_agents (queue_id, "
	    "user_id) VALUES (%ld, %ld)", b.queue, a.sup->id), 0, NULL));
	free(sql);
	before = queue_name(b.queue);
	r = cat_callf(a.sup, "PATCH", "/v1/queues/{id}", 403,
	    "{\"name\": \"Taken over\"}", "/v1/queues/%ld", b.queue);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	after = queue_name(b.queue);
	ck_assert_str_eq(after, before);
	free(after);
	r = cat_callf(a.sup, "PUT", "/v1/queues/{id}/dispositions", 403,
	    "{\"dispositions\": [{\"code\": \"x\", \"label\": \"X\", "
	    "\"lead_status\": \"contacted\"}]}", "/v1/queues/%ld/dispositions",
	    b.queue);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM dispositions WHERE "
	    "queue_id = $1", b.queue), 9);
	body = xasprintf("{\"user_ids\": [%ld]}", a.sup->id);
	api_free(cat_callf(a.sup, "PUT", "/v1/queues/{id}/agents", 403, body,
	    "/v1/queues/%ld/agents", b.queue));
	free(body);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM queue_agents WHERE "
	    "queue_id = $1", b.queue), 2);
	/* It still reads it. */
	api_free(cat_callf(a.sup, "GET", "/v1/queues/{id}", 200, NULL,
	    "/v1/queues/%ld", b.queue));

	/* A queue of no region is an admin's. */
	body = xasprintf("{\"name\": \"%s\"}", name);
	r = cat_call(a.sup, "POST", "/v1/queues", "/v1/queues", 400, body);
	api_expect_problem(r, 400, "validation", "region_ids");
	api_free(r);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM queues WHERE name = "
	    "$1", 1, (const char *const *)&name), 0);
	r = cat_call(cat_admin(), "POST", "/v1/queues", "/v1/queues", 201,
	    body);
	open = jint(r->json, "id");
	api_free(r);
	free(body);
	r = cat_callf(a.sup, "PATCH", "/v1/queues/{id}", 403,
	    "{\"priority\": 7}", "/v1/queues/%ld", open);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT priority FROM queues WHERE id = $1",
	    open), 0);
	r = cat_callf(a.sup, "PATCH", "/v1/queues/{id}", 400,
	    "{\"region_ids\": []}", "/v1/queues/%ld", a.queue);
	api_expect_problem(r, 400, "validation", "region_ids");
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT cardinality(region_ids) FROM queues "
	    "WHERE id = $1", a.queue), 1);
	/* Their own queue they edit. */
	api_free(cat_callf(a.sup, "PATCH", "/v1/queues/{id}", 200,
	    "{\"priority\": 5}", "/v1/queues/%ld", a.queue));
	ck_assert_int_eq(cat_long1("SELECT priority FROM queues WHERE id = $1",
	    a.queue), 5);
	free(before);
	free(name);
}
END_TEST

/* A queue's new agents work in its regions. */
START_TEST(test_agents_come_from_the_queues_regions)
{
	struct side	 a, b;
	struct api_resp	*r;
	char		*body;

	side_new(&a, NULL);
	side_new(&b, NULL);
	body = xasprintf("{\"user_ids\": [%ld, %ld]}", a.agent->id,
	    b.agent->id);
	r = cat_callf(a.sup, "PUT", "/v1/queues/{id}/agents", 400, body,
	    "/v1/queues/%ld/agents", a.queue);
	api_expect_problem(r, 400, "validation", "user_ids[1]");
	api_free(r);
	/* Nor may an admin: the agent could take none of its leads. */
	api_free(cat_callf(cat_admin(), "PUT", "/v1/queues/{id}/agents", 400,
	    body, "/v1/queues/%ld/agents", a.queue));
	free(body);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM queue_agents WHERE "
	    "queue_id = $1", a.queue), 1);
	/* Its own region's agents, and admins, it takes. */
	body = xasprintf("{\"user_ids\": [%ld, %ld]}", a.agent->id,
	    cat_admin()->id);
	api_free(cat_callf(a.sup, "PUT", "/v1/queues/{id}/agents", 200, body,
	    "/v1/queues/%ld/agents", a.queue));
	free(body);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM queue_agents WHERE "
	    "queue_id = $1", a.queue), 2);
}
END_TEST

/* Form tokens follow the rule of editing. */
START_TEST(test_form_tokens_are_for_the_supervisors_queues)
{
	struct side	 a, b;
	struct api_resp	*r;

	side_new(&a, NULL);
	side_new(&b, NULL);
	r = cat_callf(a.sup, "POST", "/v1/queues/{id}/form-token", 403, NULL,
	    "/v1/queues/%ld/form-token", b.queue);
	api_expect_problem(r, 403, "forbidden", NULL);
	ck_assert_ptr_null(json_object_get(r->json, "form_token"));
	api_free(r);
	r = cat_callf(a.sup, "POST", "/v1/queues/{id}/form-token", 201, NULL,
	    "/v1/queues/%ld/form-token", a.queue);
	ck_assert_ptr_nonnull(jstr(r->json, "form_token"));
	api_free(r);
	api_free(cat_callf(cat_admin(), "POST", "/v1/queues/{id}/form-token",
	    201, NULL, "/v1/queues/%ld/form-token", b.queue));
}
END_TEST

static long
lead_in(const char *region, const char *interest)
{
	char		*phone = test_phone();
	const char	*params[3] = { phone, region, interest };
	long		 id;

	id = cat_long("INSERT INTO leads (name, phone, source, region_id, "
	    "interest) VALUES ('Lead ' || $1, $1, 'manual', $2, $3) "
	    "RETURNING id", 3, params);
	free(phone);
	return id;
}

/* A lead's owner is someone who can see it. */
START_TEST(test_lead_owners_can_see_their_leads)
{
	struct side	 a, b;
	struct api_resp	*r;
	char		*body;
	long		 lead;

	side_new(&a, NULL);
	side_new(&b, NULL);
	lead = lead_in(b.region, "solar");
	body = xasprintf("{\"owner_id\": %ld}", a.agent->id);
	r = cat_callf(cat_admin(), "PATCH", "/v1/leads/{id}", 400, body,
	    "/v1/leads/%ld", lead);
	api_expect_problem(r, 400, "validation", "owner_id");
	api_free(r);
	free(body);
	body = xasprintf("{\"ids\": [%ld], \"owner_id\": %ld}", lead,
	    a.agent->id);
	r = cat_call(cat_admin(), "POST", "/v1/leads/assign",
	    "/v1/leads/assign", 400, body);
	api_expect_problem(r, 400, "validation", "owner_id");
	api_free(r);
	free(body);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM leads WHERE id = $1 "
	    "AND owner_id IS NULL", lead), 1);
	/* b's agent, and an admin, may own it. */
	body = xasprintf("{\"owner_id\": %ld}", b.agent->id);
	api_free(cat_callf(b.sup, "PATCH", "/v1/leads/{id}", 200, body,
	    "/v1/leads/%ld", lead));
	free(body);
	ck_assert_int_eq(cat_long1("SELECT owner_id FROM leads WHERE id = $1",
	    lead), b.agent->id);
	api_free(cat_callf(b.agent, "GET", "/v1/leads/{id}", 200, NULL,
	    "/v1/leads/%ld", lead));
	body = xasprintf("{\"ids\": [%ld], \"owner_id\": %ld}", lead,
	    cat_admin()->id);
	api_free(cat_call(cat_admin(), "POST", "/v1/leads/assign",
	    "/v1/leads/assign", 200, body));
	free(body);
}
END_TEST

/* A field the lead has no value for shows as [field] in the script. */
START_TEST(test_script_names_what_is_missing)
{
	struct side	 s;
	struct api_resp	*r;
	long		 lead;
	const char	*script, *params[2];
	char		 ids[2][24];

	side_new(&s, "Hello {{name}}, about your interest in {{interest}}. "
	    "Pincode {{pincode}}.");
	lead = lead_in(s.region, NULL);
	snprintf(ids[0], sizeof ids[0], "%ld", s.queue);
	snprintf(ids[1], sizeof ids[1], "%ld", lead);
	params[0] = ids[0];
	params[1] = ids[1];
	PQclear(test_sql("UPDATE leads SET queue_id = $1 WHERE id = $2", 2,
	    params));
	r = cat_callf(s.agent, "POST", "/v1/queues/{id}/next", 200, NULL,
	    "/v1/queues/%ld/next", s.queue);
	ck_assert_int_eq(jint(r->json, "id"), lead);
	script = jstr(r->json, "script");
	ck_assert_msg(strstr(script, "your interest in [interest].") != NULL,
	    "script: %s", script);
	ck_assert_msg(strstr(script, "Pincode [pincode].") != NULL,
	    "script: %s", script);
	ck_assert_msg(strstr(script, "Hello Lead ") != NULL, "script: %s",
	    script);
	api_free(r);
}
END_TEST

#define CAPTURERS	20

struct capturer {
	char			*url;
	char			*body;
	pthread_barrier_t	*go;
	long			 status;
};

static size_t
capturer_write(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return sz * n;
}

static void *
capturer_run(void *arg)
{
	struct capturer		*t = arg;
	struct curl_slist	*hl = NULL;
	CURL			*c;

	c = curl_easy_init();
	hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, t->url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, capturer_write);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	pthread_barrier_wait(t->go);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	return NULL;
}

/* The status GET /v1/stream?topics=topic answers u (0: none in 5 s). */
static long
stream_status(const struct test_user *u, const char *topic)
{
	struct curl_slist	*hl = NULL;
	char			*url = xasprintf("%s/v1/stream?topics=%s",
				    api_base(), topic);
	long			 status = 0;
	CURL			*c;

	c = curl_easy_init();
	hl = curl_slist_append(hl, u->auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, capturer_write);
	/* A stream that opens never ends: its status is all that counts. */
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1500L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	free(url);
	return status;
}

/* lead:<id> is for staff who may read the lead. */
START_TEST(test_lead_topics_are_for_those_who_see_the_lead)
{
	struct side	 a, b;
	char		 topic[40];
	long		 lead;

	side_new(&a, NULL);
	side_new(&b, NULL);
	lead = lead_in(b.region, "solar");
	snprintf(topic, sizeof topic, "lead:%ld", lead);
	ck_assert_int_eq(stream_status(a.agent, topic), 403);
	ck_assert_int_eq(stream_status(a.sup, topic), 403);
	ck_assert_int_eq(stream_status(b.agent, topic), 200);
	ck_assert_int_eq(stream_status(b.sup, topic), 200);
	ck_assert_int_eq(stream_status(cat_admin(), topic), 200);
	snprintf(topic, sizeof topic, "lead:%d", 999999999);
	ck_assert_int_eq(stream_status(b.agent, topic), 403);
}
END_TEST


/* Twenty forms at once from one address: ten are taken, ten told 429. */
START_TEST(test_capture_rate_holds_under_a_burst)
{
	struct side		 s;
	struct capturer		 cp[CAPTURERS];
	pthread_t		 th[CAPTURERS];
	pthread_barrier_t	 go;
	struct api_resp		*r;
	char			*token, *url, *phone;
	int			 i, taken = 0, limited = 0;

	side_new(&s, NULL);
	r = cat_callf(s.sup, "POST", "/v1/queues/{id}/form-token", 201, NULL,
	    "/v1/queues/%ld/form-token", s.queue);
	token = xstrdup(jstr(r->json, "form_token"));
	api_free(r);
	/* This test's address starts with no captures counted. */
	PQclear(test_sql("DELETE FROM lead_captures WHERE ip = "
	    "'127.0.0.1'", 0, NULL));
	sleep(4);
	url = xasprintf("%s/v1/capture/leads", api_base());
	pthread_barrier_init(&go, NULL, CAPTURERS);
	for (i = 0; i < CAPTURERS; i++) {
		phone = test_phone();
		cp[i].url = url;
		cp[i].body = xasprintf("{\"name\": \"Burst\", \"phone\": \"%s\", "
		    "\"form_token\": \"%s\"}", phone, token);
		cp[i].go = &go;
		cp[i].status = 0;
		free(phone);
		ck_assert_int_eq(pthread_create(&th[i], NULL, capturer_run,
		    &cp[i]), 0);
	}
	for (i = 0; i < CAPTURERS; i++) {
		pthread_join(th[i], NULL);
		taken += cp[i].status == 202;
		limited += cp[i].status == 429;
		free(cp[i].body);
	}
	pthread_barrier_destroy(&go);
	ck_assert_int_eq(taken, 10);
	ck_assert_int_eq(limited, CAPTURERS - 10);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM lead_captures WHERE "
	    "ip = '127.0.0.1'", 0, NULL), 10);
	PQclear(test_sql("DELETE FROM lead_captures WHERE ip = "
	    "'127.0.0.1'", 0, NULL));
	free(url);
	free(token);
}
END_TEST

Suite *
tele_authz_suite(void)
{
	Suite	*s = suite_create("tele_authz");
	TCase	*tc = tcase_create("tele_authz");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_supervisors_edit_their_regions_queues_only);
	tcase_add_test(tc, test_agents_come_from_the_queues_regions);
	tcase_add_test(tc, test_form_tokens_are_for_the_supervisors_queues);
	tcase_add_test(tc, test_lead_owners_can_see_their_leads);
	tcase_add_test(tc, test_script_names_what_is_missing);
	tcase_add_test(tc, test_lead_topics_are_for_those_who_see_the_lead);
	tcase_add_test(tc, test_capture_rate_holds_under_a_burst);
	suite_add_tcase(s, tc);
	return s;
}
