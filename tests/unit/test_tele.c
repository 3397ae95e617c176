/*
 * The pure logic of the tele-calling views: call timers, the callback
 * times agents type, the queue's hotkeys and the wrapping of scripts.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "suites.h"
#include "views.h"
#include "xmalloc.h"

START_TEST(test_agent_duration)
{
	char	buf[32];

	agent_duration(0, buf, sizeof buf);
	ck_assert_str_eq(buf, "00:00");
	agent_duration(65, buf, sizeof buf);
	ck_assert_str_eq(buf, "01:05");
	agent_duration(3599, buf, sizeof buf);
	ck_assert_str_eq(buf, "59:59");
	agent_duration(3725, buf, sizeof buf);
	ck_assert_str_eq(buf, "1:02:05");
	agent_duration(-30, buf, sizeof buf);
	ck_assert_str_eq(buf, "00:00");
	agent_duration(100L * 3600, buf, sizeof buf);
	ck_assert_str_eq(buf, "100:00:00");
	agent_duration(65, buf, 3);
	ck_assert_str_eq(buf, "01");
}
END_TEST

START_TEST(test_agent_when)
{
	/* 2026-11-21 10:00:00 UTC, a Saturday. */
	time_t	 now = 1795255200;
	char	 out[32], *cause = NULL;

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert(agent_when("+2h", now, out, sizeof out, &cause));
	ck_assert_str_eq(out, "2026-11-21T12:00:00Z");
	ck_assert(agent_when("tomorrow 11am", now, out, sizeof out, &cause));
	ck_assert_str_eq(out, "2026-11-22T11:00:00Z");
	ck_assert(agent_when("in 30m", now, out, sizeof out, &cause));
	ck_assert_str_eq(out, "2026-11-21T10:30:00Z");
	/* A callback in the past is refused, saying so. */
	ck_assert(!agent_when("yesterday 9am", now, out, sizeof out, &cause));
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "past"));
	free(cause);
	cause = NULL;
	ck_assert(!agent_when("someday'; DROP TABLE leads", now, out,
	    sizeof out, &cause));
	ck_assert_ptr_nonnull(cause);
	free(cause);
	cause = NULL;
	ck_assert(!agent_when("", now, out, sizeof out, &cause));
	free(cause);
}
END_TEST

START_TEST(test_agent_disposition)
{
	json_t		*q = json_loads("{\"dispositions\": ["
			    "{\"code\": \"interested\", \"hotkey\": 1},"
			    "{\"code\": \"callback\", \"hotkey\": \"3\","
			    " \"callback\": true},"
			    "{\"code\": \"later\", \"hotkey\": null},"
			    "{\"code\": \"x\", \"hotkey\": 12}]}", 0, NULL);
	const json_t	*d;

	ck_assert_ptr_nonnull(q);
	d = agent_disposition(q, '1');
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(json_string_value(json_object_get(d, "code")),
	    "interested");
	d = agent_disposition(q, '3');
	ck_assert_ptr_nonnull(d);
	ck_assert(json_is_true(json_object_get(d, "callback")));
	/* No hotkey, or one that is no single digit, is never pressed. */
	ck_assert_ptr_null(agent_disposition(q, '2'));
	ck_assert_ptr_null(agent_disposition(q, '9'));
	ck_assert_ptr_null(agent_disposition(NULL, '1'));
	json_decref(q);
}
END_TEST

struct lines {
	char	*l[32];
	size_t	 n;
};

static void
collect(void *arg, const char *line)
{
	struct lines	*ls = arg;

	if (ls->n < 32)
		ls->l[ls->n++] = xstrdup(line);
}

static void
lines_free(struct lines *ls)
{
	while (ls->n > 0)
		free(ls->l[--ls->n]);
}

START_TEST(test_agent_wrap)
{
	struct lines	ls = { { NULL }, 0 };

	agent_wrap("Namaste Asha, I am calling from souk about your order",
	    20, collect, &ls);
	ck_assert_uint_eq(ls.n, 3);
	ck_assert_str_eq(ls.l[0], "Namaste Asha, I am");
	ck_assert_str_eq(ls.l[1], "calling from souk");
	ck_assert_str_eq(ls.l[2], "about your order");
	lines_free(&ls);
	/* The script's own line breaks stay; a blank line is kept. */
	agent_wrap("one\n\ntwo", 20, collect, &ls);
	ck_assert_uint_eq(ls.n, 3);
	ck_assert_str_eq(ls.l[1], "");
	ck_assert_str_eq(ls.l[2], "two");
	lines_free(&ls);
	/* A word wider than the line is cut, never lost. */
	agent_wrap("abcdefghij", 4, collect, &ls);
	ck_assert_uint_eq(ls.n, 3);
	ck_assert_str_eq(ls.l[0], "abcd");
	ck_assert_str_eq(ls.l[2], "ij");
	lines_free(&ls);
	agent_wrap(NULL, 10, collect, &ls);
	agent_wrap("", 10, collect, &ls);
	ck_assert_uint_eq(ls.n, 0);
}
END_TEST

static char *
history(const char *event)
{
	json_t	*e = json_loads(event, 0, NULL);
	char	*line;

	ck_assert_ptr_nonnull(e);
	line = agent_history_line(e);
	json_decref(e);
	return line;
}

START_TEST(test_agent_history_line)
{
	char	*l;

	setenv("TZ", "UTC", 1);
	tzset();
	l = history("{\"type\": \"disposition\", \"actor_name\": \"Test "
	    "caller\", \"created_at\": \"2026-11-21T10:02:00.000Z\", "
	    "\"to_status\": \"callback\", \"data\": {\"code\": \"callback\", "
	    "\"label\": \"Call back\", \"callback_at\": "
	    "\"2026-11-22T11:00:00.000Z\", \"notes\": \"after Diwali\"}}");
	ck_assert_str_eq(l, "2026-11-21 10:02  Call back  Test caller, call "
	    "back 2026-11-22 11:00: after Diwali");
	free(l);
	/* No label: the code; no callback, no notes: nothing after. */
	l = history("{\"type\": \"disposition\", \"actor_name\": \"Ravi\", "
	    "\"created_at\": \"2026-11-21T10:05:00Z\", \"data\": {\"code\": "
	    "\"no_answer\", \"notes\": \"\"}}");
	ck_assert_str_eq(l, "2026-11-21 10:05  no_answer  Ravi");
	free(l);
	l = history("{\"type\": \"note\", \"actor_name\": \"Test caller\", "
	    "\"created_at\": \"2026-11-21T10:03:00Z\", \"data\": {\"text\": "
	    "\"rang twice\"}}");
	ck_assert_str_eq(l, "2026-11-21 10:03  note  Test caller: rang twice");
	free(l);
	l = history("{\"type\": \"call\", \"actor_name\": \"Test caller\", "
	    "\"created_at\": \"2026-11-21T10:01:00Z\", \"data\": {\"mode\": "
	    "\"manual\", \"call_id\": 7}}");
	ck_assert_str_eq(l, "2026-11-21 10:01  called (manual)  Test caller");
	free(l);
	l = history("{\"type\": \"status\", \"actor_name\": \"Admin\", "
	    "\"created_at\": \"2026-11-21T10:00:00Z\", \"to_status\": "
	    "\"interested\", \"data\": {}}");
	ck_assert_str_eq(l, "2026-11-21 10:00  status interested  Admin");
	free(l);
	/* A hold is the system's business, not the agent's. */
	ck_assert_ptr_null(history("{\"type\": \"held\", \"data\": "
	    "{\"until\": \"2026-11-21T10:15:00Z\"}}"));
	/* Missing and mistyped members never crash. */
	l = history("{\"type\": 5, \"data\": [1], \"actor_name\": null}");
	ck_assert_ptr_nonnull(l);
	free(l);
	l = history("{}");
	ck_assert_ptr_nonnull(l);
	free(l);
}
END_TEST

Suite *
tele_suite(void)
{
	Suite	*s = suite_create("tele");
	TCase	*tc = tcase_create("tele");

	tcase_add_test(tc, test_agent_duration);
	tcase_add_test(tc, test_agent_when);
	tcase_add_test(tc, test_agent_disposition);
	tcase_add_test(tc, test_agent_wrap);
	tcase_add_test(tc, test_agent_history_line);
	suite_add_tcase(s, tc);
	return s;
}
