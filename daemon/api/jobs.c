/*
 * jobs: the job queue as administrators see it.
 *
 *	GET  /v1/jobs			by state and kind, newest first
 *	GET  /v1/jobs/stats		counts by state and kind
 *	GET  /v1/jobs/{id}		one, with its payload and errors
 *	POST /v1/jobs/{id}/retry	a failed or cancelled job runs again
 *	POST /v1/jobs/{id}/cancel	a pending job never runs
 *	GET  /v1/schedules		the periodic work
 *
 * A job kind's retry and cancel hooks run in the same transaction, so
 * that what a job stands for (a notification, say) follows it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "buf.h"
#include "events.h"
#include "jobs.h"
#include "log.h"
#include "page.h"
#include "req.h"

#define JOB_FIELDS							\
	"'id', j.id, 'kind', j.kind, 'state', j.state, 'priority', "	\
	"j.priority, 'run_at', rfc3339(j.run_at), 'attempts', j.attempts, " \
	"'max_attempts', j.max_attempts, 'unique_key', j.unique_key, "	\
	"'locked_by', j.locked_by, 'locked_until', rfc3339(j.locked_until), " \
	"'last_error', j.last_error, 'created_at', rfc3339(j.created_at), " \
	"'updated_at', rfc3339(j.updated_at), 'finished_at', "		\
	"rfc3339(j.finished_at)"

#define JOB_DETAIL							\
	"json_build_object(" JOB_FIELDS ", 'payload', j.payload, "	\
	"'errors', j.errors)::text"

static const struct db_stmt jobs_api_stmts[] = {
	{ "jobs_api_list",
	  "SELECT json_build_object(" JOB_FIELDS ")::text, j.id FROM jobs j"
	  " WHERE ($1::text IS NULL OR j.state = $1)"
	  " AND ($2::text IS NULL OR j.kind = $2)"
	  " AND j.id < $3 ORDER BY j.id DESC LIMIT $4" },
	{ "jobs_api_stats",
	  "SELECT coalesce(json_agg(json_build_object('kind', kind, 'state',"
	  " state, 'count', n) ORDER BY kind, state), '[]')::text FROM"
	  " (SELECT kind, state, count(*) AS n FROM jobs GROUP BY 1, 2) s" },
	{ "jobs_api_get", "SELECT " JOB_DETAIL " FROM jobs j WHERE j.id = $1" },
	{ "jobs_api_lock",
	  "SELECT " JOB_DETAIL ", j.state, j.kind, j.payload::text FROM jobs j"
	  " WHERE j.id = $1 FOR UPDATE" },
	{ "jobs_api_retry",
	  "WITH u AS (UPDATE jobs j SET state = 'pending', attempts = 0,"
	  " run_at = now(), finished_at = NULL, updated_at = now()"
	  " WHERE id = $1 RETURNING " JOB_DETAIL ") "
	  "SELECT *, pg_notify('souk_jobs', '') FROM u" },
	{ "jobs_api_cancel",
	  "UPDATE jobs j SET state = 'cancelled', finished_at = now(),"
	  " updated_at = now() WHERE id = $1 RETURNING " JOB_DETAIL },
	{ "jobs_api_schedules",
	  "SELECT coalesce(json_agg(json_build_object('name', name, 'kind',"
	  " kind, 'spec', spec, 'timezone', timezone, 'enabled', enabled,"
	  " 'next_run_at', rfc3339(next_run_at), 'last_run_at',"
	  " rfc3339(last_run_at), 'last_job_id', last_job_id) ORDER BY name),"
	  " '[]')::text FROM schedules" },
};

enum {
	STMT_LIST, STMT_STATS, STMT_GET, STMT_LOCK, STMT_RETRY, STMT_CANCEL,
	STMT_SCHEDULES,
};

static const char *const job_states[] = {
	"pending", "running", "done", "failed", "cancelled",
};

static void
jobs_list(struct req *r)
{
	const char	*state = req_query(r, "state"), *kind = req_query(r,
			    "kind"), *params[4];
	struct req_page_id	 pg;
	PGresult	*res = NULL;
	size_t		 i;
	bool		 known = state == NULL;

	if (!req_page_id(r, true, &pg))
		goto fail;
	for (i = 0; !known && i < API_NELEM(job_states); i++)
		known = strcmp(state, job_states[i]) == 0;
	if (!known)
		req_field_error(r, "state", "invalid", "must be pending, "
		    "running, done, failed or cancelled");
	if (kind != NULL && (strlen(kind) > 100 || strspn(kind,
	    "abcdefghijklmnopqrstuvwxyz0123456789_.") != strlen(kind)))
		req_field_error(r, "kind", "invalid", "is not a job kind");
	if (req_has_field_errors(r))
		goto fail;
	params[0] = state;
	params[1] = kind;
	params[2] = pg.after;
	params[3] = pg.limit_plus;
	if ((res = req_exec(r, &jobs_api_stmts[STMT_LIST], 4, params)) == NULL)
		goto out;
	req_reply_rows(r, res, pg.limit);
	goto out;
fail:
	req_fail_fields(r);
out:
	PQclear(res);
}

/* Answers with a one-column, one-row statement's JSON text. */
static void
jobs_reply_one(struct req *r, const struct db_stmt *stmt, const char *what)
{
	const char	*params[1];
	PGresult	*res;
	int		 n = 0;

	if (strstr(stmt->sql, "$1") != NULL) {
		params[0] = req_param(r, "id");
		n = 1;
	}
	if ((res = req_exec(r, stmt, n, params)) == NULL)
		return;
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "there is no %s %s", what,
		    params[0]);
	else
		req_reply_json_text(r, 200, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}

static void
jobs_get(struct req *r)
{
	jobs_reply_one(r, &jobs_api_stmts[STMT_GET], "job");
}

static void
jobs_counts(struct req *r)
{
	jobs_reply_one(r, &jobs_api_stmts[STMT_STATS], "");
}

static void
jobs_schedules(struct req *r)
{
	PGresult	*res;
	char		*body;

	if ((res = req_exec(r, &jobs_api_stmts[STMT_SCHEDULES], 0, NULL)) ==
	    NULL)
		return;
	body = xasprintf("{\"data\":%s,\"next\":null}", PQgetvalue(res, 0, 0));
	req_reply(r, 200, "application/json; charset=utf-8", body,
	    strlen(body));
	PQclear(res);
}

struct change_tx {
	struct req	*r;
	bool		 retry;
	const char	*id;
	char		*before;
	char		*after;
	char		*state;		/* the state that refused it */
	char		*refused;	/* why its kind refused it */
	bool		 missing;
};

static bool
change_tx_run(struct db *db, void *arg)
{
	struct change_tx	*t = arg;
	const char		*params[1] = { t->id };
	const struct job_kind	*k;
	PGresult		*res;
	const char		*st;
	char			*data;
	json_t			*payload;
	bool			 allowed, ok;

	free(t->before);
	free(t->after);
	free(t->state);
	free(t->refused);
	t->before = t->after = t->state = t->refused = NULL;
	if ((res = db_exec(db, &jobs_api_stmts[STMT_LOCK], 1, params)) == NULL)
		return false;
	if (PQntuples(res) == 0) {
		PQclear(res);
		t->missing = true;
		return false;
	}
	st = PQgetvalue(res, 0, 1);
	allowed = t->retry ? strcmp(st, "failed") == 0 ||
	    strcmp(st, "cancelled") == 0 : strcmp(st, "pending") == 0;
	if (!allowed) {
		t->state = xstrdup(st);
		PQclear(res);
		return false;
	}
	t->before = xstrdup(PQgetvalue(res, 0, 0));
	/* What the job stands for follows it (a notification, say). */
	if ((k = jobs_kind(PQgetvalue(res, 0, 2))) != NULL &&
	    (t->retry ? k->retry != NULL : k->cancel != NULL)) {
		payload = json_loads(PQgetvalue(res, 0, 3), 0, NULL);
		ok = t->retry ? k->retry(db, payload, &t->refused) :
		    k->cancel(db, payload);
		json_decref(payload);
		if (!ok) {
			PQclear(res);
			return false;
		}
	}
	PQclear(res);
	if ((res = db_exec(db, &jobs_api_stmts[t->retry ? STMT_RETRY :
	    STMT_CANCEL], 1, params)) == NULL)
		return false;
	t->after = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	data = xasprintf("{\"id\": %s}", t->id);
	ok = events_publish(db, "jobs", t->retry ? "job.retried" :
	    "job.cancelled", data);
	free(data);
	return ok && account_audit(db, t->r, 0, t->retry ? "job.retried" :
	    "job.cancelled", "job", t->id, t->before, t->after, NULL);
}

static void
jobs_change(struct req *r, bool retry)
{
	struct change_tx	 t;
	struct db		*db;

	memset(&t, 0, sizeof t);
	t.r = r;
	t.retry = retry;
	t.id = req_param(r, "id");
	if ((db = req_db(r)) == NULL)
		return;
	if (db_tx(db, DB_READ_COMMITTED, change_tx_run, &t))
		req_reply_json_text(r, 200, t.after, strlen(t.after));
	else if (t.missing)
		req_problem(r, "not-found", "there is no job %s", t.id);
	else if (t.state != NULL)
		req_problem(r, "unprocessable", "job %s is %s: only %s jobs "
		    "can be %s", t.id, t.state, retry ? "failed or cancelled" :
		    "pending", retry ? "retried" : "cancelled");
	else if (t.refused != NULL)
		req_problem(r, "unprocessable", "job %s cannot run again: %s",
		    t.id, t.refused);
	else
		req_db_problem(r, db);
	free(t.before);
	free(t.after);
	free(t.state);
	free(t.refused);
}

static void
jobs_retry(struct req *r)
{
	jobs_change(r, true);
}

static void
jobs_cancel(struct req *r)
{
	jobs_change(r, false);
}

static const struct route jobs_api_routes[] = {
	{ "GET", "/v1/jobs", jobs_list, "state,kind,limit,after", "jobs.manage",
	  "jobs by state and kind, newest first", 0 },
	{ "GET", "/v1/jobs/stats", jobs_counts, NULL, "jobs.manage",
	  "how many jobs of each kind are in each state", 0 },
	{ "GET", "/v1/jobs/{id}", jobs_get, NULL, "jobs.manage",
	  "one job with its payload and errors", 0 },
	{ "POST", "/v1/jobs/{id}/retry", jobs_retry, NULL, "jobs.manage",
	  "run a failed or cancelled job again", 0 },
	{ "POST", "/v1/jobs/{id}/cancel", jobs_cancel, NULL, "jobs.manage",
	  "make sure a pending job never runs", 0 },
	{ "GET", "/v1/schedules", jobs_schedules, NULL, "jobs.manage",
	  "the periodic work and when it runs next", 0 },
};

const struct api_module jobs_api_module = {
	"jobs", jobs_api_routes, API_NELEM(jobs_api_routes), jobs_api_stmts,
	API_NELEM(jobs_api_stmts),
};
