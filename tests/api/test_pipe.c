/*
 * The pipelined connection of the event loops (db_pipe), driven directly
 * against the test database: answers in order, a failing statement does
 * not fail the others of its batch, and a lost connection fails what is
 * outstanding and is remade.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "db.h"
#include "harness.h"
#include "suites.h"

static const struct db_stmt pipe_stmts[] = {
	/* 100 / $1: a zero divides by zero (class 22). */
	{ "pipe_test_div", "SELECT (100 / $1::int)::text" },
	{ "pipe_test_pid", "SELECT pg_backend_pid()::text" },
};

struct answer {
	bool		 called;
	bool		 ok;
	char		 value[32];
	enum db_status	 status;
	int		 order;
};

static int	answered;

static void
pipe_done(void *arg, PGresult *res, struct db *db)
{
	struct answer	*a = arg;

	ck_assert(!a->called);
	a->called = true;
	a->order = answered++;
	a->ok = res != NULL;
	if (res != NULL)
		snprintf(a->value, sizeof a->value, "%s", PQgetvalue(res, 0, 0));
	else
		a->status = db_status(db);
}

/* Flushes and reads until every answer is in (or 10 s pass). */
static void
pipe_wait(struct db_pipe *p, struct answer *a, int n)
{
	struct pollfd	pfd;
	int		i, rounds, left;
	bool		writing;

	for (rounds = 0; rounds < 1000; rounds++) {
		writing = db_pipe_flush(p) == 1;
		for (left = 0, i = 0; i < n; i++)
			left += !a[i].called;
		if (left == 0)
			return;
		pfd.fd = db_pipe_fd(p);
		pfd.events = POLLIN | (writing ? POLLOUT : 0);
		ck_assert_int_ge(pfd.fd, 0);
		if (poll(&pfd, 1, 10) > 0)
			db_pipe_input(p);
	}
	ck_abort_msg("the pipeline did not answer");
}

static bool	registered;

static struct db_pipe *
pipe_open(void)
{
	if (!registered) {
		db_configure(test_conninfo(), 5000, 30000);
		db_register(pipe_stmts, sizeof pipe_stmts / sizeof pipe_stmts[0]);
		registered = true;
	}
	return db_pipe_new();
}

START_TEST(test_answers_in_order_and_failures_stay_apart)
{
	struct db_pipe	*p = pipe_open();
	struct answer	 a[6];
	const char	*divisors[6] = { "1", "2", "0", "4", "5", "x" };
	const char	*v[1];
	int		 i;

	memset(a, 0, sizeof a);
	answered = 0;
	/* One batch: the third and sixth fail, the others must not. */
	for (i = 0; i < 6; i++) {
		v[0] = divisors[i];
		ck_assert(db_pipe_send(p, &pipe_stmts[0], 1, v, pipe_done,
		    &a[i]));
	}
	ck_assert(db_pipe_busy(p));
	pipe_wait(p, a, 6);
	ck_assert(!db_pipe_busy(p));
	ck_assert(a[0].ok && strcmp(a[0].value, "100") == 0);
	ck_assert(a[1].ok && strcmp(a[1].value, "50") == 0);
	ck_assert(!a[2].ok);
	ck_assert_int_eq(a[2].status, DB_BAD_INPUT);
	ck_assert(a[3].ok && strcmp(a[3].value, "25") == 0);
	ck_assert(a[4].ok && strcmp(a[4].value, "20") == 0);
	ck_assert(!a[5].ok);
	ck_assert_int_eq(a[5].status, DB_BAD_INPUT);
	/* The failures were answered first; the rest in the order sent. */
	ck_assert_int_lt(a[0].order, a[1].order);
	ck_assert_int_lt(a[1].order, a[3].order);
	ck_assert_int_lt(a[3].order, a[4].order);
	db_pipe_free(p);
}
END_TEST

START_TEST(test_a_lost_connection_fails_and_is_remade)
{
	struct db_pipe	*p = pipe_open();
	struct answer	 a[3];
	const char	*v[1];
	char		*pid;

	memset(a, 0, sizeof a);
	answered = 0;
	ck_assert(db_pipe_send(p, &pipe_stmts[1], 0, NULL, pipe_done, &a[0]));
	pipe_wait(p, a, 1);
	ck_assert(a[0].ok);
	pid = strdup(a[0].value);
	/* The server ends the connection while a statement is on its way. */
	v[0] = pid;
	ck_assert(db_pipe_send(p, &pipe_stmts[0], 1, (const char *[]){ "1" },
	    pipe_done, &a[1]));
	PQclear(test_sql("SELECT pg_terminate_backend($1::int)", 1, v));
	pipe_wait(p, a, 2);
	/* Either it ran before the end or it failed as unavailable. */
	ck_assert(a[1].ok || a[1].status == DB_UNAVAILABLE);
	/* Whatever happened, the next statement gets a new connection. */
	{
		struct pollfd	pfd = { db_pipe_fd(p), POLLIN, 0 };

		if (pfd.fd >= 0 && poll(&pfd, 1, 1000) > 0)
			db_pipe_input(p);
	}
	ck_assert(db_pipe_send(p, &pipe_stmts[1], 0, NULL, pipe_done, &a[2]));
	pipe_wait(p, a, 3);
	ck_assert(a[2].ok);
	ck_assert_str_ne(a[2].value, pid);
	free(pid);
	db_pipe_free(p);
}
END_TEST

Suite *
pipe_suite(void)
{
	Suite	*s = suite_create("pipe");
	TCase	*tc = tcase_create("pipe");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_answers_in_order_and_failures_stay_apart);
	tcase_add_test(tc, test_a_lost_connection_fails_and_is_remade);
	suite_add_tcase(s, tc);
	return s;
}
