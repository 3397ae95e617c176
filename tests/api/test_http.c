/* What every route shares: routing, bodies, problems, request ids. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

START_TEST(test_unknown_path_is_404_problem)
{
	struct api_resp	*r;

	r = api_get("/v1/nowhere");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = api_get("/v1/regions/abc");		/* ids are numbers */
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = api_get("/v1/regions/0");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = api_get("/v1/regions/");		/* no trailing slashes */
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = api_get("/v1/regions/99999999999999999999");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
}
END_TEST

START_TEST(test_wrong_method_is_405_with_allow)
{
	struct api_resp	*r;
	char		*allow;

	r = api_request(api_base(), "DELETE", "/v1/regions/1", NULL, NULL, 0,
	    NULL);
	api_expect_problem(r, 405, "method-not-allowed", NULL);
	allow = api_header(r, "Allow");
	ck_assert_str_eq(allow, "GET, HEAD, PATCH, OPTIONS");
	free(allow);
	api_free(r);
	r = api_get("/v1/regions/lookup");	/* POST only */
	api_expect_problem(r, 405, "method-not-allowed", NULL);
	allow = api_header(r, "Allow");
	ck_assert_str_eq(allow, "POST, OPTIONS");
	free(allow);
	api_free(r);
}
END_TEST

START_TEST(test_options_and_head)
{
	struct api_resp	*r;
	char		*allow, *len;

	r = api_request(api_base(), "OPTIONS", "/v1/regions", NULL, NULL, 0,
	    NULL);
	ck_assert_int_eq(r->status, 204);
	allow = api_header(r, "Allow");
	ck_assert_str_eq(allow, "GET, HEAD, POST, OPTIONS");
	free(allow);
	api_free(r);
	r = api_request(api_base(), "HEAD", "/healthz", NULL, NULL, 0, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_uint_eq(r->len, 0);
	len = api_header(r, "Content-Length");
	ck_assert_str_eq(len, "15");		/* as GET would send */
	free(len);
	api_free(r);
}
END_TEST

START_TEST(test_body_over_cap_is_413)
{
	struct api_resp	*r;
	const char	*chunked[] = { "Transfer-Encoding: chunked", NULL };
	size_t		 n = 1024 * 1024 + 1;
	char		*big = xmalloc(n);

	memset(big, ' ', n);
	/* Refused from Content-Length, before reading the body. */
	r = api_request(api_base(), "POST", "/v1/regions/lookup",
	    "application/json", big, n, NULL);
	api_expect(r, 413, "POST", "/v1/regions/lookup");
	api_expect_problem(r, 413, "payload-too-large", NULL);
	api_free(r);
	/* Without a length, once the body passes the cap. */
	r = api_request(api_base(), "POST", "/v1/regions/lookup",
	    "application/json", big, n, chunked);
	api_expect_problem(r, 413, "payload-too-large", NULL);
	api_free(r);
	/* Exactly at the cap is read (and then found not to be JSON). */
	r = api_request(api_base(), "POST", "/v1/regions/lookup",
	    "application/json", big, n - 1, NULL);
	api_expect_problem(r, 400, "invalid-json", NULL);
	api_free(r);
	free(big);
}
END_TEST

START_TEST(test_malformed_json_is_400)
{
	static const char *const bad[] = {
		"{", "{\"ids\":[1,]}", "nul", "{\"ids\":[1]} trailing",
		"{'ids':[1]}", "{\"ids\":[1e999999]}",
	};
	struct api_resp	*r;
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = api_post_json("/v1/regions/lookup", bad[i]);
		api_expect(r, 400, "POST", "/v1/regions/lookup");
		api_expect_problem(r, 400, "invalid-json", NULL);
		api_free(r);
	}
	r = api_post_json("/v1/regions/lookup", "");
	api_expect_problem(r, 400, "invalid-json", NULL);
	api_free(r);
	/*
	 * A bad escape before a multibyte character: the parser's message
	 * quotes the text cut inside the character, and the problem still
	 * says what is wrong.
	 */
	/* A field name cut inside a character is still named. */
	{
		char	*body = xmalloc(300);

		memset(body, 'a', 300);
		memcpy(body, "{\"", 2);
		memcpy(body + 256, "\xc3\xa9\":1}", 7);
		body[263] = '\0';
		r = api_post_json("/v1/regions/lookup", body);
		api_expect_problem(r, 400, "validation", NULL);
		ck_assert_int_eq(json_array_size(json_object_get(r->json,
		    "errors")), 1);
		api_free(r);
		free(body);
	}
	r = api_post_json("/v1/regions/lookup", "{\"no\\\xc3\xa9\":1}");
	api_expect_problem(r, 400, "invalid-json", NULL);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r->json,
	    "detail")), "escape"));
	api_free(r);
}
END_TEST

START_TEST(test_invalid_utf8_is_400)
{
	static const char body[] = "{\"pincodes\":[\"\xc0\xaf\xff\"]}";
	struct api_resp	*r;

	r = api_request(api_base(), "POST", "/v1/regions/lookup",
	    "application/json", body, sizeof body - 1, NULL);
	api_expect_problem(r, 400, "invalid-json", NULL);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r->json,
	    "detail")), "UTF-8"));
	api_free(r);
	r = api_get("/v1/regions?kind=%C0%AF");
	api_expect_problem(r, 400, "validation", "kind");
	api_free(r);
	r = api_get("/v1/%FF%FE");
	api_expect_problem(r, 400, "bad-request", NULL);
	api_free(r);
}
END_TEST

START_TEST(test_fields_are_named)
{
	struct api_resp	*r;

	r = api_post_json("/v1/regions/lookup", "{\"ids\":[1],\"idz\":[2]}");
	api_expect(r, 400, "POST", "/v1/regions/lookup");
	api_expect_problem(r, 400, "validation", "idz");
	api_free(r);
	r = api_post_json("/v1/regions/lookup", "{\"ids\":\"1,2\"}");
	api_expect_problem(r, 400, "validation", "ids");
	api_free(r);
	r = api_post_json("/v1/regions/lookup", "{\"ids\":[1,\"2\",-3]}");
	api_expect_problem(r, 400, "validation", "ids[1]");
	api_expect_problem(r, 400, "validation", "ids[2]");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "errors")),
	    2);
	api_free(r);
	r = api_post_json("/v1/regions/lookup", "{\"ids\":[1],\"ids\":[2]}");
	api_expect_problem(r, 400, "validation", NULL);
	api_free(r);
	r = api_post_json("/v1/regions/lookup", "[1,2]");
	api_expect_problem(r, 400, "validation", "");
	api_free(r);
}
END_TEST

START_TEST(test_json_needs_its_content_type)
{
	struct api_resp	*r;
	static const char body[] = "{\"ids\":[1]}";

	r = api_request(api_base(), "POST", "/v1/regions/lookup",
	    "application/x-www-form-urlencoded", body, sizeof body - 1, NULL);
	api_expect(r, 415, "POST", "/v1/regions/lookup");
	api_expect_problem(r, 415, "unsupported-media-type", NULL);
	api_free(r);
	r = api_request(api_base(), "POST", "/v1/regions/lookup",
	    "application/json; charset=utf-8", body, sizeof body - 1, NULL);
	api_expect(r, 200, "POST", "/v1/regions/lookup");
	api_free(r);
}
END_TEST

START_TEST(test_unknown_query_parameter_is_400)
{
	struct api_resp	*r;

	r = api_get("/v1/regions?parnt_id=1");
	api_expect(r, 400, "GET", "/v1/regions");
	api_expect_problem(r, 400, "validation", "parnt_id");
	api_free(r);
	r = api_get("/healthz?x=1");
	api_expect_problem(r, 400, "validation", "x");
	api_free(r);
}
END_TEST

START_TEST(test_repeated_query_parameter_is_400)
{
	struct api_resp	*r;

	r = api_get("/v1/regions?kind=city&kind=state");
	api_expect(r, 400, "GET", "/v1/regions");
	api_expect_problem(r, 400, "validation", "kind");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r->json, "errors"), 0), "code")), "repeated");
	api_free(r);
}
END_TEST

/*
 * A body with no length that never ends is not read forever: past the
 * cap and some slack, the connection is closed.
 */
START_TEST(test_endless_chunked_body_is_cut_off)
{
	struct soukd		*s = soukd_start(test_conninfo(), NULL);
	struct sockaddr_in	 sin;
	char			 chunk[70000];
	const char		*head;
	size_t			 sent = 0;
	ssize_t			 w;
	int			 fd;

	ck_assert_ptr_nonnull(s);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)s->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	head = "POST /v1/regions/lookup HTTP/1.1\r\nHost: t\r\n"
	    "Content-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	ck_assert_int_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
	memset(chunk, ' ', sizeof chunk);
	memcpy(chunk, "10000\r\n", 7);	/* 65536 bytes a chunk */
	memcpy(chunk + 7 + 65536, "\r\n", 2);
	/* 64 MiB would take the test a while: soukd must stop it first. */
	while (sent < 64u * 1024 * 1024) {
		w = send(fd, chunk, 7 + 65536 + 2, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	ck_assert_msg(sent < 16u * 1024 * 1024, "soukd read %zu bytes", sent);
	close(fd);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	ck_assert(soukd_log_has(s, "closing the connection"));
}
END_TEST

START_TEST(test_request_ids)
{
	const char	*mine[] = { "X-Request-Id: trace-42.a:b_c", NULL };
	const char	*hostile[] = { "X-Request-Id: bad id\"<script>", NULL };
	struct api_resp	*r;
	struct soukd	*s;
	char		*id, *id2;

	r = api_request(api_base(), "GET", "/v1/nowhere", NULL, NULL, 0, mine);
	id = api_header(r, "X-Request-Id");
	ck_assert_str_eq(id, "trace-42.a:b_c");
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "request_id")), "trace-42.a:b_c");
	free(id);
	api_free(r);
	/* An id that is not safe to log is replaced by a generated one. */
	r = api_request(api_base(), "GET", "/healthz", NULL, NULL, 0, hostile);
	id = api_header(r, "X-Request-Id");
	ck_assert_uint_eq(strlen(id), 32);
	ck_assert_uint_eq(strspn(id, "0123456789abcdef"), 32);
	api_free(r);
	r = api_get("/healthz");
	id2 = api_header(r, "X-Request-Id");
	ck_assert_str_ne(id, id2);
	free(id);
	free(id2);
	api_free(r);
	/* The id is on the access log line, with route, status and size. */
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
	r = api_request(s->url, "GET", "/v1/regions/77777", NULL, NULL, 0,
	    mine);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	ck_assert(soukd_log_has(s, "req=trace-42.a:b_c method=GET "
	    "route=/v1/regions/{id} path=/v1/regions/77777 status=404 bytes="));
	api_free(r);
}
END_TEST

START_TEST(test_hostile_values_change_nothing)
{
	struct api_resp	*r;
	PGresult	*res;
	char		*before;

	res = test_sql("SELECT count(*) FROM regions", 0, NULL);
	before = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	r = api_get("/v1/regions?kind=state'%3B%20DROP%20TABLE%20regions%3B--");
	api_expect_problem(r, 400, "validation", "kind");
	api_free(r);
	r = api_get("/v1/regions?parent_id=1%20OR%201%3D1");
	api_expect_problem(r, 400, "validation", "parent_id");
	api_free(r);
	r = api_get("/v1/regions?pincode=%27%27");
	api_expect_problem(r, 400, "validation", "pincode");
	api_free(r);
	r = api_post_json("/v1/regions/lookup",
	    "{\"pincodes\":[\"1'OR'\"]}");
	api_expect_problem(r, 400, "validation", "pincodes[0]");
	api_free(r);
	r = api_get("/v1/regions?limit=-1");
	api_expect_problem(r, 400, "validation", "limit");
	api_free(r);
	res = test_sql("SELECT count(*) FROM regions", 0, NULL);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), before);
	PQclear(res);
	free(before);
	r = api_get("/healthz");	/* still serving */
	ck_assert_int_eq(r->status, 200);
	api_free(r);
}
END_TEST

START_TEST(test_long_path_and_many_segments)
{
	struct api_resp	*r;
	char		*path = xmalloc(8001);

	memset(path, 'a', 8000);
	path[0] = '/';
	path[8000] = '\0';
	r = api_get(path);
	ck_assert(r->status == 404 || r->status == 414 || r->status == 431);
	api_free(r);
	r = api_get("/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	free(path);
}
END_TEST

Suite *
http_suite(void)
{
	Suite	*s = suite_create("http");
	TCase	*tc = tcase_create("http");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_unknown_path_is_404_problem);
	tcase_add_test(tc, test_wrong_method_is_405_with_allow);
	tcase_add_test(tc, test_options_and_head);
	tcase_add_test(tc, test_body_over_cap_is_413);
	tcase_add_test(tc, test_malformed_json_is_400);
	tcase_add_test(tc, test_invalid_utf8_is_400);
	tcase_add_test(tc, test_fields_are_named);
	tcase_add_test(tc, test_json_needs_its_content_type);
	tcase_add_test(tc, test_unknown_query_parameter_is_400);
	tcase_add_test(tc, test_repeated_query_parameter_is_400);
	tcase_add_test(tc, test_endless_chunked_body_is_cut_off);
	tcase_add_test(tc, test_request_ids);
	tcase_add_test(tc, test_hostile_values_change_nothing);
	tcase_add_test(tc, test_long_path_and_many_segments);
	suite_add_tcase(s, tc);
	return s;
}
