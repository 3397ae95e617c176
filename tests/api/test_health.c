/* /healthz, /readyz and /metrics, and riding out a database restart. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

START_TEST(test_healthz_and_readyz)
{
	struct api_resp	*r;

	r = api_get("/healthz");
	api_expect(r, 200, "GET", "/healthz");
	api_free(r);
	r = api_get("/readyz");
	api_expect(r, 200, "GET", "/readyz");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "status")),
	    "ready");
	api_free(r);
}
END_TEST

START_TEST(test_metrics_count_requests)
{
	struct api_resp	*r;
	char		*ct;

	r = api_get("/v1/regions/424242");
	api_free(r);
	r = api_get("/metrics");
	api_expect(r, 200, "GET", "/metrics");
	ct = api_header(r, "Content-Type");
	ck_assert_ptr_nonnull(strstr(ct, "text/plain; version=0.0.4"));
	free(ct);
	ck_assert_ptr_nonnull(strstr(r->body, "soukd_http_requests_total{route="
	    "\"/v1/regions/{id}\",method=\"GET\",status=\"404\"}"));
	ck_assert_ptr_nonnull(strstr(r->body, "soukd_http_request_duration_"
	    "seconds_bucket{route=\"/v1/regions/{id}\",method=\"GET\",le=\"+Inf\"}"));
	ck_assert_ptr_nonnull(strstr(r->body, "soukd_db_connections "));
	ck_assert_ptr_nonnull(strstr(r->body, "soukd_uptime_seconds "));
	api_free(r);
}
END_TEST

/* Polls path until it answers status, for up to 10 s. */
static bool
wait_status(const char *base, const char *path, long status)
{
	struct api_resp	*r;
	int		 i;
	bool		 ok = false;

	for (i = 0; i < 200 && !ok; i++) {
		r = api_request(base, "GET", path, NULL, NULL, 0, NULL);
		ok = r->status == status;
		api_free(r);
		if (!ok)
			usleep(50 * 1000);
	}
	return ok;
}

/*
 * With soukd left running, PostgreSQL stops: requests get 503 problems,
 * /readyz says so; PostgreSQL comes back: everything works again.
 */
START_TEST(test_database_restart)
{
	char		*dir = test_tmpdir("pg"), *conninfo, *out = NULL;
	const char	*migrate[] = { "migrate", "--database", NULL, NULL };
	struct soukd	*s;
	struct api_resp	*r;
	int		 i;

	ck_assert_int_eq(test_pg("start", dir), 0);
	conninfo = xasprintf("host=%s user=souk dbname=souk", dir);
	migrate[2] = conninfo;
	ck_assert_int_eq(soukd_run(migrate, &out), 0);
	free(out);
	s = soukd_start(conninfo, NULL);
	ck_assert_ptr_nonnull(s);
	/* Every worker has a connection before the database goes away. */
	for (i = 0; i < 40; i++) {
		r = api_request(s->url, "GET", "/v1/regions", NULL, NULL, 0,
		    NULL);
		api_expect(r, 200, "GET", "/v1/regions");
		api_free(r);
		/* And a pipelined one (the database has no regions). */
		r = api_request(s->url, "GET", "/v1/regions/1", NULL, NULL, 0,
		    NULL);
		api_expect(r, 404, "GET", "/v1/regions/{id}");
		api_free(r);
	}

	ck_assert_int_eq(test_pg("stop", dir), 0);
	r = api_request(s->url, "GET", "/readyz", NULL, NULL, 0, NULL);
	api_expect(r, 503, "GET", "/readyz");
	api_expect_problem(r, 503, "unavailable", NULL);
	api_free(r);
	r = api_request(s->url, "GET", "/v1/regions/1", NULL, NULL, 0, NULL);
	api_expect(r, 503, "GET", "/v1/regions/{id}");
	api_free(r);
	r = api_request(s->url, "GET", "/healthz", NULL, NULL, 0, NULL);
	ck_assert_int_eq(r->status, 200);	/* the process is fine */
	api_free(r);

	ck_assert_int_eq(test_pg("start", dir), 0);
	ck_assert_msg(wait_status(s->url, "/readyz", 200),
	    "readyz did not recover");
	/* Every worker thread reconnects: no request fails any more. */
	for (i = 0; i < 40; i++) {
		r = api_request(s->url, "GET", "/v1/regions", NULL, NULL, 0,
		    NULL);
		api_expect(r, 200, "GET", "/v1/regions");
		api_free(r);
		r = api_request(s->url, "GET", "/v1/regions/1", NULL, NULL, 0,
		    NULL);
		api_expect(r, 404, "GET", "/v1/regions/{id}");
		api_free(r);
	}
	ck_assert(soukd_log_has(s, "reconnecting"));
	r = api_request(s->url, "GET", "/metrics", NULL, NULL, 0, NULL);
	ck_assert_ptr_null(strstr(r->body, "soukd_db_reconnects_total 0\n"));
	api_free(r);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	ck_assert_int_eq(test_pg("stop", dir), 0);
	free(conninfo);
	free(dir);
}
END_TEST

/* A migration changed under a running soukd makes it unready. */
START_TEST(test_readyz_notices_a_changed_migration)
{
	char		*db = test_new_migrated_database();
	struct soukd	*s = soukd_start(db, NULL);
	struct api_resp	*r;

	ck_assert_ptr_nonnull(s);
	r = api_request(s->url, "GET", "/readyz", NULL, NULL, 0, NULL);
	api_expect(r, 200, "GET", "/readyz");
	api_free(r);
	PQclear(test_sql_on(db, "UPDATE schema_migrations SET checksum = "
	    "repeat('0', 64) WHERE name = '0001_regions.sql'", 0, NULL));
	r = api_request(s->url, "GET", "/readyz", NULL, NULL, 0, NULL);
	api_expect(r, 503, "GET", "/readyz");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r->json,
	    "detail")), "migrate --status"));
	api_free(r);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	free(db);
}
END_TEST

Suite *
health_suite(void)
{
	Suite	*s = suite_create("health");
	TCase	*tc = tcase_create("health");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_healthz_and_readyz);
	tcase_add_test(tc, test_metrics_count_requests);
	tcase_add_test(tc, test_database_restart);
	tcase_add_test(tc, test_readyz_notices_a_changed_migration);
	suite_add_tcase(s, tc);
	return s;
}
