/*
 * work: what the tele-calling resources (queues, calls, callbacks, the
 * do-not-call list, agents) share.  Each change of the day's work is one
 * SQL statement that answers an outcome, a body and the live events the
 * change announces; tele_run runs it and publishes those events in one
 * transaction, so a client never hears of a change that did not commit.
 */
#ifndef SOUKD_TELE_WORK_H
#define SOUKD_TELE_WORK_H

#include <stdbool.h>
#include <stddef.h>

#include "jobs.h"

struct req;
struct db;
struct db_stmt;

struct api_constraint;

struct tele_result {
	char	*outcome;	/* the statement's first column; "none": no row */
	char	*body;		/* its second column (JSON text), or NULL */
};

/*
 * Runs stmt in a transaction.  Its one row holds an outcome (text), a
 * body (text or NULL) and the events to publish (a JSON array of
 * {"topic", "type", "data"}, or NULL).  An outcome other than "ok"
 * or "empty" rolls the transaction back.  False with the problem set on
 * a database failure (a refusing constraint answered through map, n
 * entries, may be NULL); otherwise res holds copies the caller frees
 * with tele_result_free.
 */
bool	tele_run(struct req *, const struct db_stmt *, int nparams,
	    const char *const *values, const struct api_constraint *map,
	    size_t n, struct tele_result *res)
	    __attribute__((warn_unused_result));
void	tele_result_free(struct tele_result *);

/*
 * What tele_run_then does after an "ok" statement, in its transaction
 * (enqueueing the change's jobs): false with db's status set rolls the
 * change back.
 */
typedef bool (*tele_then_fn)(struct db *, const struct tele_result *,
    void *arg);
/* tele_run, calling then (with arg) in the transaction when it is "ok". */
bool	tele_run_then(struct req *, const struct db_stmt *, int nparams,
	    const char *const *values, const struct api_constraint *map,
	    size_t n, struct tele_result *res, tele_then_fn then, void *arg)
	    __attribute__((warn_unused_result));
/*
 * tele_run outside a request, on db (jobs): false on a database failure
 * (db's status says which), else res as tele_run fills it.
 */
bool	tele_apply(struct db *, const struct db_stmt *, int nparams,
	    const char *const *values, struct tele_result *res)
	    __attribute__((warn_unused_result));

/*
 * The time calling hours are judged at, as text for a timestamptz
 * parameter: NULL for now, or in test mode (test_mode = yes) the
 * X-Souk-Now header.  False with a field error if that header is not an
 * RFC 3339 time.
 */
bool	tele_clock(struct req *, const char **at)
	    __attribute__((warn_unused_result));

/* True for supervisors and admins, who may act on any agent's work. */
bool	tele_privileged(struct req *);
/* The caller's id as text, in buf. */
const char *tele_me(struct req *, char *buf, size_t len);

struct job;
/*
 * The callbacks.due job: publishes callback.due once for each callback
 * that fell due, on user:<agent>, or queue:<id> for anyone's.
 */
enum job_result tele_callbacks_due_run(struct job *, struct db *);

#endif
