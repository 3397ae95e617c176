/*
 * The job queue: transactional enqueue, unique keys, retries, workers
 * dying mid-job, two soukd sharing the work, scheduler leadership.  Each
 * test has its own database, so that no other soukd claims its jobs.
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
#include "suites.h"

/* A connection with the queue's statements prepared, as soukd has. */
static struct db *
queue_db(const char *conninfo)
{
	static struct config	 c;
	struct db		*db;
	char			*cause = NULL;

	config_defaults(&c);
	jobs_init(&c);
	db = db_open(conninfo, true, &cause);
	ck_assert_msg(db != NULL, "db_open: %s", cause);
	return db;
}

static long
count(const char *conninfo, const char *sql)
{
	PGresult	*res = test_sql_on(conninfo, sql, 0, NULL);
	long		 n = strtol(PQgetvalue(res, 0, 0), NULL, 10);

	PQclear(res);
	return n;
}

/* Waits up to secs for sql to count want; returns the last count. */
static long
wait_count(const char *conninfo, const char *sql, long want, int secs)
{
	long	n = -1;
	int	i;

	for (i = 0; i < secs * 20; i++) {
		if ((n = count(conninfo, sql)) == want)
			break;
		usleep(50 * 1000);
	}
	return n;
}

static struct soukd *
worker(const char *conninfo, const char *lease)
{
	const char	*args[] = { "--role", "worker", NULL };
	struct soukd	*s;

	setenv("SOUKD_TEST_MODE", "yes", 1);
	setenv("SOUKD_JOB_LEASE", lease, 1);
	s = soukd_start_waiting(conninfo, args, "running jobs with");
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_enqueue_follows_the_transaction)
{
	char		*conninfo = test_new_migrated_database();
	struct db	*db = queue_db(conninfo);
	struct job_new	 j = { .kind = "noop" };
	int64_t		 id = -1;

	ck_assert(db_command(db, "BEGIN"));
	ck_assert(jobs_enqueue(db, &j, &id));
	ck_assert_int_gt(id, 0);
	ck_assert(db_command(db, "ROLLBACK"));
	ck_assert_int_eq(count(conninfo, "SELECT count(*) FROM jobs"), 0);

	ck_assert(db_command(db, "BEGIN"));
	ck_assert(jobs_enqueue(db, &j, &id));
	/* Not visible to anyone before the commit. */
	ck_assert_int_eq(count(conninfo, "SELECT count(*) FROM jobs"), 0);
	ck_assert(db_command(db, "COMMIT"));
	ck_assert_int_eq(count(conninfo, "SELECT count(*) FROM jobs"), 1);
	db_close(db);
	free(conninfo);
}
END_TEST

START_TEST(test_unique_key_while_pending)
{
	char		*conninfo = test_new_migrated_database();
	struct db	*db = queue_db(conninfo);
	struct job_new	 j = { .kind = "noop", .unique_key = "remind:7",
			    .delay_ms = 60000 };
	int64_t		 first, second;
	struct soukd	*s;

	ck_assert(jobs_enqueue(db, &j, &first));
	ck_assert(jobs_enqueue(db, &j, &second));
	ck_assert_int_gt(first, 0);
	ck_assert_int_eq(second, 0);	/* nothing added */
	ck_assert_int_eq(count(conninfo, "SELECT count(*) FROM jobs"), 1);
	/* Once it has run, the key is free again. */
	j.delay_ms = 0;
	PQclear(test_sql_on(conninfo, "UPDATE jobs SET run_at = now()", 0,
	    NULL));
	s = worker(conninfo, "5s");
	ck_assert_int_eq(wait_count(conninfo, "SELECT count(*) FROM jobs "
	    "WHERE state = 'done'", 1, 10), 1);
	ck_assert(jobs_enqueue(db, &j, &second));
	ck_assert_int_gt(second, first);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	db_close(db);
	free(conninfo);
}
END_TEST

START_TEST(test_retries_then_failure)
{
	char		*conninfo = test_new_migrated_database();
	struct db	*db = queue_db(conninfo);
	struct job_new	 flaky = { .kind = "test.fail",
			    .payload = "{\"times\": 2, \"retry_ms\": 100}" };
	struct job_new	 doomed = { .kind = "test.fail",
			    .payload = "{\"times\": 99, \"retry_ms\": 100}",
			    .max_attempts = 3 };
	struct job_new	 fatal = { .kind = "test.fail",
			    .payload = "{\"permanent\": true}" };
	struct soukd	*s;
	PGresult	*res;

	ck_assert(jobs_enqueue(db, &flaky, NULL));
	ck_assert(jobs_enqueue(db, &doomed, NULL));
	ck_assert(jobs_enqueue(db, &fatal, NULL));
	s = worker(conninfo, "5s");
	ck_assert_int_eq(wait_count(conninfo, "SELECT count(*) FROM jobs "
	    "WHERE state IN ('done', 'failed')", 3, 20), 3);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	res = test_sql_on(conninfo, "SELECT state, attempts, "
	    "jsonb_array_length(errors), last_error FROM jobs ORDER BY id", 0,
	    NULL);
	/* Succeeded on its third attempt, two errors kept. */
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "done");
	ck_assert_str_eq(PQgetvalue(res, 0, 1), "3");
	ck_assert_str_eq(PQgetvalue(res, 0, 2), "2");
	/* Ran out of attempts. */
	ck_assert_str_eq(PQgetvalue(res, 1, 0), "failed");
	ck_assert_str_eq(PQgetvalue(res, 1, 1), "3");
	ck_assert_str_eq(PQgetvalue(res, 1, 2), "3");
	/* Failed for good at once. */
	ck_assert_str_eq(PQgetvalue(res, 2, 0), "failed");
	ck_assert_str_eq(PQgetvalue(res, 2, 1), "1");
	ck_assert_str_eq(PQgetvalue(res, 2, 3), "failing for good, as asked");
	PQclear(res);
	/* Each failure for good is a live event for staff. */
	ck_assert_int_eq(count(conninfo, "SELECT count(*) FROM events WHERE "
	    "topic = 'jobs' AND type = 'job.failed'"), 2);
	db_close(db);
	free(conninfo);
}
END_TEST

START_TEST(test_killed_worker_job_is_taken_up_again)
{
	char		*conninfo = test_new_migrated_database();
	struct db	*db = queue_db(conninfo);
	struct job_new	 slow = { .kind = "test.sleep",
			    .payload = "{\"ms\": 1500}" };
	struct soukd	*a, *b;
	PGresult	*res;

	a = worker(conninfo, "2s");
	ck_assert(jobs_enqueue(db, &slow, NULL));
	ck_assert_int_eq(wait_count(conninfo, "SELECT count(*) FROM jobs "
	    "WHERE state = 'running'", 1, 10), 1);
	kill(a->pid, SIGKILL);		/* mid-job */
	ck_assert_int_eq(soukd_stop(a, 0), 128 + SIGKILL);
	ck_assert_int_eq(count(conninfo, "SELECT count(*) FROM jobs WHERE "
	    "state = 'running'"), 1);
	b = worker(conninfo, "2s");
	ck_assert_int_eq(wait_count(conninfo, "SELECT count(*) FROM jobs "
	    "WHERE state = 'done'", 1, 20), 1);
	res = test_sql_on(conninfo, "SELECT attempts, errors->0->>'error' "
	    "FROM jobs", 0, NULL);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "2");
	ck_assert_ptr_nonnull(strstr(PQgetvalue(res, 0, 1), "lease expired"));
	PQclear(res);
	ck_assert(soukd_log_has(b, "took back 1 job"));
	ck_assert_int_eq(soukd_stop(b, SIGTERM), 0);
	db_close(db);
	free(conninfo);
}
END_TEST

START_TEST(test_two_soukd_share_ten_thousand_jobs)
{
	char		*conninfo = test_new_migrated_database();
	struct soukd	*a, *b;
	PGresult	*res;

	PQclear(test_sql_on(conninfo, "CREATE TABLE test_job_runs ("
	    "job_id bigint NOT NULL, pid int NOT NULL)", 0, NULL));
	PQclear(test_sql_on(conninfo, "INSERT INTO jobs (kind) SELECT "
	    "'test.record' FROM generate_series(1, 10000)", 0, NULL));
	a = worker(conninfo, "30s");
	b = worker(conninfo, "30s");
	ck_assert_int_eq(wait_count(conninfo, "SELECT count(*) FROM jobs "
	    "WHERE state = 'done'", 10000, 90), 10000);
	ck_assert_int_eq(soukd_stop(a, SIGTERM), 0);
	ck_assert_int_eq(soukd_stop(b, SIGTERM), 0);
	/* None lost, none run twice, and both did their share. */
	res = test_sql_on(conninfo, "SELECT count(*), count(DISTINCT job_id), "
	    "count(DISTINCT pid) FROM test_job_runs", 0, NULL);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "10000");
	ck_assert_str_eq(PQgetvalue(res, 0, 1), "10000");
	ck_assert_str_eq(PQgetvalue(res, 0, 2), "2");
	PQclear(res);
	free(conninfo);
}
END_TEST

/*
 * A burst of jobs that PostgreSQL has no statistics of yet (the table was
 * analyzed empty) is claimed from the head of the queue: claiming 8 reads
 * a few index entries, not every pending job (which sorted them all for
 * each claim of 8, and made 40,000 jobs take 20 s).
 */
START_TEST(test_a_claim_reads_the_head_of_a_burst)
{
	char		*conninfo = test_new_migrated_database();
	struct db	*db = queue_db(conninfo);
	PGresult	*res;

	ck_assert(db_command(db, "VACUUM ANALYZE jobs"));
	ck_assert(db_command(db, "INSERT INTO jobs (kind, priority) SELECT "
	    "'noop', CASE WHEN i = 15000 THEN 5 ELSE 0 END "
	    "FROM generate_series(1, 20000) AS i"));
	ck_assert(db_command(db, "BEGIN"));
	res = db_query(db, "SELECT array_agg(id ORDER BY id) FROM "
	    "jobs_claim(8, 'test', 60000, '{noop}')", 0, NULL);
	ck_assert_ptr_nonnull(res);
	/* The most urgent one first, then the oldest. */
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "{1,2,3,4,5,6,7,15000}");
	PQclear(res);
	res = db_query(db, "SELECT pg_stat_get_xact_tuples_returned("
	    "'jobs'::regclass) + sum(pg_stat_get_xact_tuples_returned("
	    "indexrelid)) FROM pg_index WHERE indrelid = 'jobs'::regclass",
	    0, NULL);
	ck_assert_ptr_nonnull(res);
	ck_assert_msg(strtol(PQgetvalue(res, 0, 0), NULL, 10) <= 100,
	    "claiming 8 jobs read %s rows", PQgetvalue(res, 0, 0));
	PQclear(res);
	ck_assert(db_command(db, "ROLLBACK"));
	db_close(db);
	free(conninfo);
}
END_TEST

/* Which of two soukd leads; -1 if neither says so yet. */
static int
leader_of(struct soukd *s[2])
{
	char	needle[64];
	int	i;

	for (i = 0; i < 2; i++) {
		snprintf(needle, sizeof needle, "scheduler: leading (pid %ld",
		    (long)s[i]->pid);
		if (soukd_log_has(s[i], needle))
			return i;
	}
	return -1;
}

START_TEST(test_leadership_moves_when_the_leader_dies)
{
	char		*conninfo = test_new_migrated_database();
	struct soukd	*s[2];
	struct timespec	 t0, t1;
	int		 lead, other, i;

	s[0] = worker(conninfo, "30s");
	s[1] = worker(conninfo, "30s");
	for (i = 0; i < 100 && (lead = leader_of(s)) < 0; i++)
		usleep(50 * 1000);
	ck_assert_int_ge(lead, 0);
	other = 1 - lead;
	/* The other one is not leading. */
	usleep(1500 * 1000);
	ck_assert_int_eq(leader_of(s), lead);
	ck_assert_int_eq(count(conninfo, "SELECT count(*) FROM schedules "
	    "WHERE name = 'jobs.prune'"), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(s[lead]->pid, SIGKILL);
	soukd_stop(s[lead], 0);
	for (i = 0; i < 200 && !soukd_log_has(s[other], "scheduler: leading");
	    i++)
		usleep(50 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(soukd_log_has(s[other], "scheduler: leading"),
	    "no new leader");
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 5);
	ck_assert_int_eq(soukd_stop(s[other], SIGTERM), 0);
	free(conninfo);
}
END_TEST

START_TEST(test_due_schedules_run_once)
{
	char		*conninfo = test_new_migrated_database();
	struct soukd	*s[2];
	PGresult	*res;

	s[0] = worker(conninfo, "30s");
	s[1] = worker(conninfo, "30s");
	/* Both are up; make the prune schedule due every second. */
	ck_assert_int_eq(wait_count(conninfo, "SELECT count(*) FROM schedules "
	    "WHERE name = 'jobs.prune'", 1, 10), 1);
	PQclear(test_sql_on(conninfo, "UPDATE schedules SET spec = 'every 1s',"
	    " next_run_at = now() WHERE name = 'jobs.prune'", 0, NULL));
	sleep(4);
	ck_assert_int_eq(soukd_stop(s[0], SIGTERM), 0);
	ck_assert_int_eq(soukd_stop(s[1], SIGTERM), 0);
	res = test_sql_on(conninfo, "SELECT count(*), count(*) FILTER (WHERE "
	    "state = 'done') FROM jobs WHERE kind = 'jobs.prune'", 0, NULL);
	/* About one a second, not two: one leader enqueues them. */
	ck_assert_int_ge(atoi(PQgetvalue(res, 0, 0)), 2);
	ck_assert_int_le(atoi(PQgetvalue(res, 0, 0)), 6);
	ck_assert_int_ge(atoi(PQgetvalue(res, 0, 1)), 2);
	PQclear(res);
	/* Each with its kind's attempts, not the table's default. */
	ck_assert_int_eq(jobs_kind("jobs.prune")->max_attempts, 3);
	ck_assert_int_eq(count(conninfo, "SELECT count(*) FROM jobs WHERE "
	    "kind = 'jobs.prune' AND max_attempts <> 3"), 0);
	free(conninfo);
}
END_TEST

Suite *
jobs_suite(void)
{
	Suite	*s = suite_create("jobs");
	TCase	*tc = tcase_create("jobs");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_enqueue_follows_the_transaction);
	tcase_add_test(tc, test_unique_key_while_pending);
	tcase_add_test(tc, test_retries_then_failure);
	tcase_add_test(tc, test_killed_worker_job_is_taken_up_again);
	tcase_add_test(tc, test_two_soukd_share_ten_thousand_jobs);
	tcase_add_test(tc, test_a_claim_reads_the_head_of_a_burst);
	tcase_add_test(tc, test_leadership_moves_when_the_leader_dies);
	tcase_add_test(tc, test_due_schedules_run_once);
	suite_add_tcase(s, tc);
	return s;
}

/* The staff API: list, show with errors, retry failed, cancel pending. */
START_TEST(test_staff_api)
{
	struct test_user	*admin = test_user_new(api_base(), "admin",
				    NULL);
	struct api_resp		*r;
	PGresult		*res;
	char			 failed[24], pending[24], *path;

	res = test_sql("INSERT INTO jobs (kind, payload, state, attempts, "
	    "last_error, errors, finished_at) VALUES ('test.fail', "
	    "'{\"permanent\": true}', 'failed', 3, 'boom', '[{\"attempt\": 3, "
	    "\"at\": \"2026-11-21T10:00:00.000Z\", \"error\": \"boom\"}]', now()) "
	    "RETURNING id", 0, NULL);
	snprintf(failed, sizeof failed, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = test_sql("INSERT INTO jobs (kind, run_at) VALUES ('noop', now() "
	    "+ interval '1 hour') RETURNING id", 0, NULL);
	snprintf(pending, sizeof pending, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);

	r = test_user_request(api_base(), admin, "GET",
	    "/v1/jobs?state=failed&kind=test.fail&limit=5", NULL);
	api_expect(r, 200, "GET", "/v1/jobs");
	ck_assert_uint_ge(json_array_size(json_object_get(r->json, "data")), 1);
	api_free(r);
	r = test_user_request(api_base(), admin, "GET", "/v1/jobs?state=lost",
	    NULL);
	api_expect_problem(r, 400, "validation", "state");
	api_free(r);
	path = xasprintf("/v1/jobs/%s", failed);
	r = test_user_request(api_base(), admin, "GET", path, NULL);
	api_expect(r, 200, "GET", "/v1/jobs/{id}");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r->json, "errors"), 0), "error")), "boom");
	api_free(r);
	free(path);
	/* Cancel only what is pending; retry only what failed. */
	path = xasprintf("/v1/jobs/%s/cancel", failed);
	r = test_user_request(api_base(), admin, "POST", path, NULL);
	api_expect(r, 422, "POST", "/v1/jobs/{id}/cancel");
	api_free(r);
	free(path);
	path = xasprintf("/v1/jobs/%s/cancel", pending);
	r = test_user_request(api_base(), admin, "POST", path, NULL);
	api_expect(r, 200, "POST", "/v1/jobs/{id}/cancel");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "state")),
	    "cancelled");
	api_free(r);
	free(path);
	path = xasprintf("/v1/jobs/%s/retry", failed);
	r = test_user_request(api_base(), admin, "POST", path, NULL);
	api_expect(r, 200, "POST", "/v1/jobs/{id}/retry");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "state")),
	    "pending");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "attempts")), 0);
	api_free(r);
	free(path);
	/* It ran again (and failed for good again, as its payload says). */
	{
		const char	*p[1] = { failed };
		int		 i;
		bool		 ran = false;

		for (i = 0; i < 100 && !ran; i++) {
			res = test_sql("SELECT attempts FROM jobs WHERE id = $1",
			    1, p);
			ran = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
			PQclear(res);
			usleep(50 * 1000);
		}
		ck_assert(ran);
	}
	{
		const char	*p[2] = { pending, failed };

		res = test_sql("SELECT count(*) FROM events WHERE topic = 'jobs' "
		    "AND ((type = 'job.cancelled' AND data->>'id' = $1) OR "
		    "(type = 'job.retried' AND data->>'id' = $2))", 2, p);
		ck_assert_str_eq(PQgetvalue(res, 0, 0), "2");
		PQclear(res);
	}
	r = test_user_request(api_base(), admin, "GET", "/v1/jobs/stats", NULL);
	api_expect(r, 200, "GET", "/v1/jobs/stats");
	api_free(r);
	r = test_user_request(api_base(), admin, "GET", "/v1/schedules", NULL);
	api_expect(r, 200, "GET", "/v1/schedules");
	ck_assert_ptr_nonnull(strstr(r->body, "jobs.prune"));
	api_free(r);
}
END_TEST

/* A notification of kind to phone in state, and its job; ids in out. */
static void
notification_job(const char *kind, const char *phone, const char *state,
    const char *job_state, char nid[24], char jid[24])
{
	const char	*params[4] = { kind, phone, state, NULL };
	PGresult	*res;

	res = test_sql("INSERT INTO notifications (kind, channel, recipient, "
	    "language, body, urgent, state, reason) VALUES ($1, 'sms', $2, "
	    "'en', 'Urgent: ' || $2 || ' staff sent this', true, $3, CASE "
	    "WHEN $3 = 'failed' THEN 'gave up' END) RETURNING id", 3, params);
	snprintf(nid, 24, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	params[0] = nid;
	params[1] = job_state;
	res = test_sql("INSERT INTO jobs (kind, payload, state, attempts, "
	    "run_at, finished_at) VALUES ('notifications.send', "
	    "jsonb_build_object('id', $1::bigint), $2, CASE WHEN $2 = 'failed' "
	    "THEN 8 ELSE 0 END, now() + interval '1 hour', CASE WHEN $2 = "
	    "'failed' THEN now() END) RETURNING id", 2, params);
	snprintf(jid, 24, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}

static char *
notification_field(const char *id, const char *column)
{
	const char	*params[1] = { id };
	char		*sql = xasprintf("SELECT coalesce(%s, '') FROM "
			    "notifications WHERE id = $1", column);
	PGresult	*res = test_sql(sql, 1, params);
	char		*v = xstrdup(PQgetvalue(res, 0, 0));

	PQclear(res);
	free(sql);
	return v;
}

static struct api_resp *
job_action(const struct test_user *u, const char *id, const char *what)
{
	char		*path = xasprintf("/v1/jobs/%s/%s", id, what);
	struct api_resp	*r = test_user_request(api_base(), u, "POST", path,
			    NULL);

	free(path);
	return r;
}

/*
 * What a notifications.send job stands for follows it: a retried job
 * sends its failed notification again, a cancelled one fails it.
 */
START_TEST(test_notification_jobs_follow_staff)
{
	struct test_user	*admin = test_user_new(api_base(), "admin",
				    NULL);
	struct api_resp		*r;
	char			*phone = test_phone(), *other = test_phone(),
				 nid[24], jid[24], *v;

	/* Failed, retried: sent this time. */
	notification_job("test.urgent", phone, "failed", "failed", nid, jid);
	r = job_action(admin, jid, "retry");
	api_expect(r, 200, "POST", "/v1/jobs/{id}/retry");
	api_free(r);
	ck_assert_msg(test_outbox_wait("sms", phone, "staff sent this", 10) !=
	    NULL, "the retried notification was not sent");
	v = notification_field(nid, "state");
	ck_assert_str_eq(v, "sent");
	free(v);
	/* Pending, cancelled: failed, saying so, and never sent... */
	notification_job("test.urgent", other, "pending", "pending", nid, jid);
	r = job_action(admin, jid, "cancel");
	api_expect(r, 200, "POST", "/v1/jobs/{id}/cancel");
	api_free(r);
	v = notification_field(nid, "state");
	ck_assert_str_eq(v, "failed");
	free(v);
	v = notification_field(nid, "reason");
	ck_assert_str_eq(v, "cancelled by staff");
	free(v);
	/* ...until retried after all. */
	r = job_action(admin, jid, "retry");
	api_expect(r, 200, "POST", "/v1/jobs/{id}/retry");
	api_free(r);
	ck_assert_msg(test_outbox_wait("sms", other, "staff sent this", 10) !=
	    NULL, "the cancelled notification was not sent when retried");
	free(other);
	/* A sign-in code is not kept once it failed: it cannot go again. */
	other = test_phone();
	notification_job("auth.otp", other, "failed", "failed", nid, jid);
	r = job_action(admin, jid, "retry");
	api_expect_problem(r, 422, "unprocessable", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "one-time secret"));
	api_free(r);
	{
		const char	*params[1] = { jid };
		PGresult	*res = test_sql("SELECT state FROM jobs WHERE "
				    "id = $1", 1, params);

		ck_assert_str_eq(PQgetvalue(res, 0, 0), "failed");
		PQclear(res);
	}
	free(other);
	free(phone);
}
END_TEST

Suite *
jobs_staff_suite(void)
{
	Suite	*s = suite_create("jobs_staff");
	TCase	*tc = tcase_create("jobs_staff");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_staff_api);
	tcase_add_test(tc, test_notification_jobs_follow_staff);
	suite_add_tcase(s, tc);
	return s;
}
