#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sse.h"
#include "suites.h"

/* What the parser dispatched, one "type|id|data" line per event. */
static struct buf	seen;

static void
record(void *arg, const struct sse_event *ev)
{
	int	*n = arg;

	(*n)++;
	ck_assert(buf_printf(&seen, "%s|%s|%s\n", ev->type, ev->id, ev->data));
}

/* Feeds text in chunks of size bytes (0: all at once). */
static struct sse *
feed(const char *text, size_t size, int *n)
{
	struct sse	*p = sse_new(record, n);
	size_t		 len = strlen(text), i, k;

	buf_reset(&seen);
	*n = 0;
	if (size == 0)
		size = len;
	for (i = 0; i < len; i += k) {
		k = len - i < size ? len - i : size;
		sse_feed(p, text + i, k);
	}
	return p;
}

START_TEST(test_sse_basic)
{
	struct sse	*p;
	int		 n;

	buf_init(&seen, 0);
	/* What soukd sends: retry, a comment, events, heartbeats. */
	p = feed("retry: 3000\n: connected\n\n"
	    "id: 41\nevent: job.failed\ndata: {\"topic\":\"jobs\",\"data\":{}}\n\n"
	    ": heartbeat\n\n"
	    "event: reset\ndata: {}\n\n", 0, &n);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(seen.data,
	    "job.failed|41|{\"topic\":\"jobs\",\"data\":{}}\n"
	    "reset|41|{}\n");
	ck_assert_int_eq(sse_retry(p), 3000);
	ck_assert_str_eq(sse_last_id(p), "41");
	ck_assert_uint_eq(sse_comments(p), 2);
	ck_assert_uint_eq(sse_dropped(p), 0);
	sse_free(p);
	sse_free(NULL);
	buf_free(&seen);
}
END_TEST

START_TEST(test_sse_fields)
{
	struct sse	*p;
	int		 n;

	buf_init(&seen, 0);
	/* Data lines join with newlines; no type is "message". */
	p = feed("data: one\ndata:two\ndata:  three\ndata\n\n", 0, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(seen.data, "message||one\ntwo\n three\n\n");
	sse_free(p);
	/* No data, no event; the id stays for the next one. */
	p = feed("id: 7\nevent: x\n\ndata: d\n\n", 0, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(seen.data, "message|7|d\n");
	sse_free(p);
	/* An empty id clears it; unknown fields are ignored. */
	p = feed("id: 9\ndata: a\n\nid\nfoo: bar\ndata: b\n\n", 0, &n);
	ck_assert_str_eq(seen.data, "message|9|a\nmessage||b\n");
	sse_free(p);
	/* retry takes digits only. */
	p = feed("retry: soon\n\nretry: 12x\n\nretry:250\n\n", 0, &n);
	ck_assert_int_eq(sse_retry(p), 250);
	ck_assert_int_eq(n, 0);
	sse_free(p);
	p = feed("retry: 99999999999\n\n", 0, &n);
	ck_assert_int_eq(sse_retry(p), -1);
	sse_free(p);
	/* A field without a colon, a value with colons. */
	p = feed("data\ndata: a: b:c\n\n", 0, &n);
	ck_assert_str_eq(seen.data, "message||\na: b:c\n");
	sse_free(p);
	/* An event cut off by the end of the stream is not dispatched. */
	p = feed("data: half", 0, &n);
	ck_assert_int_eq(n, 0);
	sse_free(p);
	buf_free(&seen);
}
END_TEST

START_TEST(test_sse_line_ends)
{
	static const char *const streams[] = {
		"id: 1\ndata: x\n\ndata: y\n\n",
		"id: 1\r\ndata: x\r\n\r\ndata: y\r\n\r\n",
		"id: 1\rdata: x\r\rdata: y\r\r",
		"id: 1\r\ndata: x\n\rdata: y\r\n\n",
		"\xef\xbb\xbfid: 1\ndata: x\n\ndata: y\n\n",
	};
	struct sse	*p;
	size_t		 s, size;
	int		 n;

	buf_init(&seen, 0);
	/* Every way of ending lines, split at every possible place. */
	for (s = 0; s < sizeof streams / sizeof streams[0]; s++) {
		for (size = 0; size <= 7; size++) {
			if (s == 4 && size > 0 && size < 3)
				continue;	/* a split BOM is not one */
			p = feed(streams[s], size, &n);
			ck_assert_msg(n == 2 && strcmp(seen.data,
			    "message|1|x\nmessage|1|y\n") == 0,
			    "stream %zu in chunks of %zu: %s", s, size,
			    seen.data != NULL ? seen.data : "nothing");
			sse_free(p);
		}
	}
	buf_free(&seen);
}
END_TEST

START_TEST(test_sse_reset_and_limits)
{
	struct sse	*p;
	char		*big;
	int		 n;

	buf_init(&seen, 0);
	/* A new connection drops the half-read event, keeps id and retry. */
	p = feed("retry: 500\nid: 3\ndata: a\n\ndata: lost", 0, &n);
	sse_reset(p);
	sse_feed(p, "data: b\n\n", 9);
	ck_assert_str_eq(seen.data, "message|3|a\nmessage|3|b\n");
	ck_assert_int_eq(sse_retry(p), 500);
	sse_free(p);

	/* A line larger than SSE_MAX is dropped with its event. */
	big = malloc(SSE_MAX + 16);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "data: ", 6);
	memset(big + 6, 'x', SSE_MAX + 4);
	big[SSE_MAX + 10] = '\0';
	p = feed("", 0, &n);
	sse_feed(p, big, strlen(big));
	sse_feed(p, "\n\ndata: after\n\n", 15);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(seen.data, "message||after\n");
	ck_assert_uint_eq(sse_dropped(p), 2);
	sse_free(p);
	free(big);
	buf_free(&seen);
}
END_TEST

Suite *
sse_suite(void)
{
	Suite	*s = suite_create("sse");
	TCase	*tc = tcase_create("sse");

	tcase_add_test(tc, test_sse_basic);
	tcase_add_test(tc, test_sse_fields);
	tcase_add_test(tc, test_sse_line_ends);
	tcase_add_test(tc, test_sse_reset_and_limits);
	suite_add_tcase(s, tc);
	return s;
}
