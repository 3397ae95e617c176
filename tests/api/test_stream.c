/* GET /v1/stream: live events over Server-Sent Events. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "events.h"
#include "harness.h"
#include "suites.h"

struct sse {
	int		fd;
	struct buf	got;
};

static struct soukd *
stream_soukd(void)
{
	struct soukd	*s;

	setenv("SOUKD_SSE_HEARTBEAT", "1s", 1);
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* "Authorization: Bearer ...\r\n" of a new user of role. */
static char *
stream_auth(const struct soukd *s, const char *role, long *id)
{
	struct test_user	*u = test_user_new(s->url, role, NULL);

	if (id != NULL)
		*id = u->id;
	return xasprintf("%s\r\n", u->auth);
}

static struct sse *
sse_open(const struct soukd *s, const char *path, const char *extra)
{
	struct sse		*c = xcalloc(1, sizeof *c);
	struct sockaddr_in	 sin;
	char			*req;

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)s->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&sin, sizeof sin),
	    0);
	req = xasprintf("GET %s HTTP/1.1\r\nHost: t\r\nAccept: "
	    "text/event-stream\r\n%s\r\n", path, extra != NULL ? extra : "");
	ck_assert_int_eq(write(c->fd, req, strlen(req)), (ssize_t)strlen(req));
	free(req);
	buf_init(&c->got, 0);
	return c;
}

/* Reads until needle has arrived or ms passed; true if it did. */
static bool
sse_wait(struct sse *c, const char *needle, int ms)
{
	struct pollfd	pfd = { c->fd, POLLIN, 0 };
	char		chunk[4096];
	ssize_t		n;
	int		waited = 0;

	while (c->got.data == NULL || strstr(c->got.data, needle) == NULL) {
		if (waited >= ms)
			return false;
		if (poll(&pfd, 1, 50) > 0) {
			if ((n = read(c->fd, chunk, sizeof chunk)) <= 0)
				return c->got.data != NULL &&
				    strstr(c->got.data, needle) != NULL;
			ck_assert(buf_add(&c->got, chunk, (size_t)n));
		}
		waited += 50;
	}
	return true;
}

static void
sse_close(struct sse *c)
{
	close(c->fd);
	buf_free(&c->got);
	free(c);
}

/* A connection to the shared database with the events statements. */
static struct db *
events_db(void)
{
	static struct config	 c;
	struct db		*db;
	char			*cause = NULL;

	config_defaults(&c);
	events_init(&c);
	db = db_open(test_conninfo(), true, &cause);
	ck_assert_msg(db != NULL, "%s", cause);
	return db;
}

START_TEST(test_events_arrive_on_commit_only)
{
	struct soukd	*s = stream_soukd();
	struct db	*db = events_db();
	long		 me;
	char		*auth = stream_auth(s, "employee", &me);
	char		*topic = xasprintf("user:%ld", me);
	char		*path = xasprintf("/v1/stream?topics=%s,orders", topic);
	struct sse	*c = sse_open(s, path, auth);

	ck_assert(sse_wait(c, ": connected", 5000));
	ck_assert(sse_wait(c, "text/event-stream", 10));
	/* Rolled back: never seen. */
	ck_assert(db_command(db, "BEGIN"));
	ck_assert(events_publish(db, topic, "test.rolled_back", "{}"));
	ck_assert(db_command(db, "ROLLBACK"));
	/* Committed: seen, with its data. */
	ck_assert(db_command(db, "BEGIN"));
	ck_assert(events_publish(db, topic, "test.committed",
	    "{\"name\": \"मुंबई\"}"));
	ck_assert(!sse_wait(c, "test.committed", 300));	/* not yet */
	ck_assert(db_command(db, "COMMIT"));
	ck_assert(sse_wait(c, "event: test.committed", 5000));
	ck_assert_ptr_nonnull(strstr(c->got.data, "मुंबई"));
	ck_assert_ptr_null(strstr(c->got.data, "test.rolled_back"));
	/* Another topic: not this stream's. */
	ck_assert(events_publish(db, "queue:1", "test.elsewhere", "{}"));
	ck_assert(events_publish(db, "orders", "test.orders", "{}"));
	ck_assert(sse_wait(c, "test.orders", 5000));
	ck_assert_ptr_null(strstr(c->got.data, "test.elsewhere"));
	/* Idle streams get heartbeats. */
	ck_assert(sse_wait(c, ": heartbeat", 3000));
	sse_close(c);
	db_close(db);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
}
END_TEST

/* An event whose transaction commits after a later one's is not lost. */
START_TEST(test_out_of_order_commits)
{
	struct soukd	*s = stream_soukd();
	struct db	*a = events_db(), *b = events_db();
	long		 me;
	char		*auth = stream_auth(s, "customer", &me);
	char		*topic = xasprintf("user:%ld", me);
	char		*path = xasprintf("/v1/stream?topics=%s", topic);
	struct sse	*c = sse_open(s, path, auth);

	ck_assert(sse_wait(c, ": connected", 5000));
	ck_assert(db_command(a, "BEGIN"));
	ck_assert(events_publish(a, topic, "test.first_id", "{}"));
	ck_assert(events_publish(b, topic, "test.second_id", "{}"));
	ck_assert(sse_wait(c, "test.second_id", 5000));
	ck_assert(db_command(a, "COMMIT"));
	ck_assert(sse_wait(c, "test.first_id", 5000));
	sse_close(c);
	db_close(a);
	db_close(b);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
}
END_TEST

START_TEST(test_resume_with_last_event_id)
{
	struct soukd	*s = stream_soukd();
	struct db	*db = events_db();
	long		 me, first;
	char		*auth = stream_auth(s, "customer", &me);
	char		*topic = xasprintf("user:%ld", me);
	char		*path = xasprintf("/v1/stream?topics=%s", topic);
	char		*hdr, *p, idtext[24];
	const char	*params[1];
	struct sse	*c = sse_open(s, path, auth);

	ck_assert(sse_wait(c, ": connected", 5000));
	ck_assert(events_publish(db, topic, "test.one", "{}"));
	ck_assert(sse_wait(c, "test.one", 5000));
	p = strstr(c->got.data, "id: ");
	ck_assert_ptr_nonnull(p);
	first = strtol(p + 4, NULL, 10);
	sse_close(c);
	/* Missed while away. */
	ck_assert(events_publish(db, topic, "test.two", "{}"));
	ck_assert(events_publish(db, topic, "test.three", "{}"));
	hdr = xasprintf("%sLast-Event-ID: %ld\r\n", auth, first);
	c = sse_open(s, path, hdr);
	ck_assert(sse_wait(c, "test.three", 5000));
	ck_assert_ptr_nonnull(strstr(c->got.data, "test.two"));
	ck_assert_ptr_null(strstr(c->got.data, "test.one"));
	ck_assert(strstr(c->got.data, "test.two") <
	    strstr(c->got.data, "test.three"));
	sse_close(c);
	/* A position pruned from the replay window: reload. */
	snprintf(idtext, sizeof idtext, "%ld", first);
	params[0] = idtext;
	PQclear(test_sql("DELETE FROM events WHERE id <= $1", 1, params));
	c = sse_open(s, path, hdr);
	ck_assert(sse_wait(c, "event: reset", 5000));
	sse_close(c);
	free(hdr);
	db_close(db);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
}
END_TEST

START_TEST(test_topic_authorization)
{
	struct soukd		*s = stream_soukd();
	struct test_user	*cust = test_user_new(s->url, "customer", NULL);
	struct test_user	*emp = test_user_new(s->url, "employee", NULL);
	struct test_user	*tc = test_user_new(s->url, "telecaller", NULL);
	struct api_resp		*r;
	const char		*none[] = { NULL };
	const char		*bogus[] = { "Authorization: Bearer forged.a.b",
				    NULL };
	char			*path;

	r = api_request(s->url, "GET", "/v1/stream?topics=orders", NULL, NULL,
	    0, none);
	api_expect(r, 401, "GET", "/v1/stream");
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	r = api_request(s->url, "GET", "/v1/stream?topics=orders", NULL, NULL,
	    0, bogus);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	/* A customer may watch themself, not others nor staff topics. */
	path = xasprintf("/v1/stream?topics=user:%ld", cust->id + 100000);
	r = test_user_request(s->url, cust, "GET", path, NULL);
	api_expect(r, 403, "GET", "/v1/stream");
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	free(path);
	r = test_user_request(s->url, cust, "GET", "/v1/stream?topics=orders",
	    NULL);
	api_expect_problem(r, 403, "forbidden", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "orders"));
	api_free(r);
	/* An employee may not watch call queues; a telecaller may. */
	r = test_user_request(s->url, emp, "GET",
	    "/v1/stream?topics=orders,queue:3", NULL);
	api_expect_problem(r, 403, "forbidden", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "queue:3"));
	api_free(r);
	r = test_user_request(s->url, tc, "GET", "/v1/stream?topics=jobs",
	    NULL);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	/* Malformed topics are 400 whoever asks. */
	r = test_user_request(s->url, emp, "GET", "/v1/stream?topics=", NULL);
	api_expect(r, 400, "GET", "/v1/stream");
	api_expect_problem(r, 400, "validation", "topics");
	api_free(r);
	r = test_user_request(s->url, emp, "GET", "/v1/stream?topics=ORDERS",
	    NULL);
	api_expect_problem(r, 400, "validation", "topics");
	api_free(r);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
}
END_TEST

/* A new region, below parent (NULL: a country); its id (caller frees). */
static char *
new_region(const char *parent)
{
	char		*name = test_unique("Streamland");
	const char	*params[3] = { parent, parent != NULL ? "state" :
			    "country", name };
	PGresult	*res = test_sql("INSERT INTO regions (parent_id, kind, "
			    "name) VALUES ($1, $2, $3) RETURNING id", 3,
			    params);
	char		*id = xstrdup(PQgetvalue(res, 0, 0));

	PQclear(res);
	free(name);
	return id;
}

static long
stream_status(const struct soukd *s, const struct test_user *u,
    const char *topics)
{
	char		*path = xasprintf("/v1/stream?topics=%s", topics);
	struct api_resp	*r;
	long		 st;

	/* An allowed stream never ends: ask for a refusal only. */
	r = test_user_request(s->url, u, "GET", path, NULL);
	st = r->status;
	if (st == 403)
		api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	free(path);
	return st;
}

/* Submits a complete registration in region as a new applicant; its id. */
static long
submit_registration(const char *region)
{
	static const char	 pdf[] = "%PDF-1.4\n%%EOF\n";
	struct test_user	*app = test_user_new(api_base(), "customer",
				    NULL);
	struct api_resp		*r;
	const char		*hdr[2] = { app->auth, NULL };
	char			*body, *path;
	const char		*kinds[] = { "pan_card", "bank_proof" };
	long			 id;
	int			 i;

	body = xasprintf("{\"legal_name\":\"Live Ltd\",\"display_name\":"
	    "\"Live\",\"category\":\"Toys\",\"address\":\"1 Road\","
	    "\"region_id\":%s,\"pincode\":\"411001\",\"pan\":"
	    "\"ABCDE1234F\",\"bank_account\":\"123456789\",\"ifsc\":"
	    "\"HDFC0001234\",\"contact_phone\":\"9876543211\"}", region);
	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    body);
	ck_assert_int_eq(r->status, 201);
	id = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	free(body);
	for (i = 0; i < 2; i++) {
		path = xasprintf("/v1/registrations/%ld/documents?kind=%s&"
		    "filename=d.pdf", id, kinds[i]);
		r = api_request(api_base(), "POST", path,
		    "application/octet-stream", pdf, sizeof pdf - 1, hdr);
		ck_assert_int_eq(r->status, 201);
		api_free(r);
		free(path);
	}
	path = xasprintf("/v1/registrations/%ld/submit", id);
	r = test_user_request(api_base(), app, "POST", path, NULL);
	ck_assert_int_eq(r->status, 200);
	api_free(r);
	free(path);
	return id;
}

/*
 * Registration events reach admins and the staff of the registration's
 * region and the regions above it, never another region's staff.
 */
START_TEST(test_registration_topics)
{
	struct soukd		*s = stream_soukd();
	char			*country = new_region(NULL),
				*state = new_region(country),
				*other = new_region(NULL), *topic, *path,
				*auth, needle[64];
	const char		*in_state[] = { state, NULL },
				*in_country[] = { country, NULL },
				*in_other[] = { other, NULL };
	struct test_user	*emp = test_user_new(s->url, "employee",
				    in_state);
	struct test_user	*sup = test_user_new(s->url, "supervisor",
				    in_country);
	struct test_user	*far = test_user_new(s->url, "employee",
				    in_other);
	struct test_user	*tc = test_user_new(s->url, "telecaller",
				    in_state);
	struct test_user	*admin = test_user_new(s->url, "admin", NULL);
	struct sse		*c_emp, *c_sup, *c_far, *c_admin;
	long			 id;

	/* Who may watch what. */
	topic = xasprintf("registrations:%s", other);
	ck_assert_int_eq(stream_status(s, emp, "registrations"), 403);
	ck_assert_int_eq(stream_status(s, emp, topic), 403);
	ck_assert_int_eq(stream_status(s, sup, "registrations"), 403);
	free(topic);
	topic = xasprintf("registrations:%s", state);
	ck_assert_int_eq(stream_status(s, tc, topic), 403);
	free(topic);
	/* Each watches its own region; the admin everything. */
	path = xasprintf("/v1/stream?topics=registrations:%s", state);
	auth = xasprintf("%s\r\n", emp->auth);
	c_emp = sse_open(s, path, auth);
	free(auth);
	free(path);
	path = xasprintf("/v1/stream?topics=registrations:%s", country);
	auth = xasprintf("%s\r\n", sup->auth);
	c_sup = sse_open(s, path, auth);
	free(auth);
	free(path);
	path = xasprintf("/v1/stream?topics=registrations:%s", other);
	auth = xasprintf("%s\r\n", far->auth);
	c_far = sse_open(s, path, auth);
	free(auth);
	free(path);
	auth = xasprintf("%s\r\n", admin->auth);
	c_admin = sse_open(s, "/v1/stream?topics=registrations", auth);
	free(auth);
	ck_assert(sse_wait(c_emp, ": connected", 5000));
	ck_assert(sse_wait(c_sup, ": connected", 5000));
	ck_assert(sse_wait(c_far, ": connected", 5000));
	ck_assert(sse_wait(c_admin, ": connected", 5000));
	id = submit_registration(state);
	snprintf(needle, sizeof needle, "\"id\": %ld,", id);
	ck_assert(sse_wait(c_emp, needle, 5000));
	ck_assert(sse_wait(c_sup, needle, 5000));
	ck_assert(sse_wait(c_admin, needle, 5000));
	ck_assert_ptr_nonnull(strstr(c_emp->got.data, "registration.updated"));
	/* Another region's employee hears nothing of it. */
	ck_assert(!sse_wait(c_far, needle, 1000));
	ck_assert_ptr_null(strstr(c_far->got.data, "registration."));
	sse_close(c_emp);
	sse_close(c_sup);
	sse_close(c_far);
	sse_close(c_admin);
	free(country);
	free(state);
	free(other);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
}
END_TEST

/* Idle streams hold no thread: 300 of them and requests still flow. */
START_TEST(test_idle_streams_hold_no_thread)
{
	struct soukd	*s = stream_soukd();
	char		*auth = stream_auth(s, "supervisor", NULL);
	struct sse	*c[300];
	struct api_resp	*r;
	struct timespec	 t0, t1;
	int		 i;

	for (i = 0; i < 300; i++)
		c[i] = sse_open(s, "/v1/stream?topics=orders", auth);
	for (i = 0; i < 300; i++)
		ck_assert(sse_wait(c[i], ": connected", 5000));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 50; i++) {
		r = api_request(s->url, "GET", "/v1/regions?limit=1", NULL,
		    NULL, 0, NULL);
		ck_assert_int_eq(r->status, 200);
		api_free(r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* A few HTTP threads and 300 streams: were threads pinned, this hangs. */
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 20);
	/* Stopping ends every stream at once. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 5);
	for (i = 0; i < 300; i++)
		sse_close(c[i]);
}
END_TEST

Suite *
stream_suite(void)
{
	Suite	*s = suite_create("stream");
	TCase	*tc = tcase_create("stream");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_events_arrive_on_commit_only);
	tcase_add_test(tc, test_out_of_order_commits);
	tcase_add_test(tc, test_resume_with_last_event_id);
	tcase_add_test(tc, test_topic_authorization);
	tcase_add_test(tc, test_registration_topics);
	tcase_add_test(tc, test_idle_streams_hold_no_thread);
	suite_add_tcase(s, tc);
	return s;
}
