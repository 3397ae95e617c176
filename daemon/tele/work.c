/*
 * work: running one change of the day's work with its events; the clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth.h"
#include "config.h"
#include "db.h"
#include "events.h"
#include "log.h"
#include "req.h"
#include "rfc3339.h"
#include "api.h"
#include "tele/work.h"

struct tele_tx {
	const struct db_stmt	*stmt;
	int			 n;
	const char *const	*values;
	struct tele_result	*res;
	tele_then_fn		 then;
	void			*arg;
};

static bool
tele_tx_run(struct db *db, void *arg)
{
	struct tele_tx	*t = arg;
	PGresult	*res;
	json_t		*events = NULL, *e;
	json_error_t	 jerr;
	size_t		 i;
	char		*data;
	bool		 ok = true;

	tele_result_free(t->res);
	if ((res = db_exec(db, t->stmt, t->n, t->values)) == NULL)
		return false;
	if (PQntuples(res) == 0) {
		t->res->outcome = xstrdup("none");
		PQclear(res);
		return true;
	}
	t->res->outcome = xstrdup(PQgetisnull(res, 0, 0) ? "none" :
	    PQgetvalue(res, 0, 0));
	if (PQnfields(res) > 1 && !PQgetisnull(res, 0, 1))
		t->res->body = xstrdup(PQgetvalue(res, 0, 1));
	if (PQnfields(res) > 2 && !PQgetisnull(res, 0, 2)) {
		events = json_loads(PQgetvalue(res, 0, 2), 0, &jerr);
		if (events == NULL)
			fatalx("tele_run: %s: events: %s", t->stmt->name,
			    jerr.text);
	}
	PQclear(res);
	if (t->then != NULL && strcmp(t->res->outcome, "ok") == 0 &&
	    !t->then(db, t->res, t->arg)) {
		json_decref(events);
		return false;
	}
	json_array_foreach(events, i, e) {
		if ((data = json_dumps(json_object_get(e, "data"),
		    JSON_COMPACT)) == NULL)
			data = xstrdup("{}");
		ok = events_publish(db, json_string_value(json_object_get(e,
		    "topic")), json_string_value(json_object_get(e, "type")),
		    data);
		free(data);
		if (!ok)
			break;
	}
	json_decref(events);
	return ok && (strcmp(t->res->outcome, "ok") == 0 ||
	    strcmp(t->res->outcome, "empty") == 0);
}

bool
tele_run(struct req *r, const struct db_stmt *stmt, int nparams,
    const char *const *values, const struct api_constraint *map, size_t n,
    struct tele_result *res)
{
	return tele_run_then(r, stmt, nparams, values, map, n, res, NULL,
	    NULL);
}

bool
tele_apply(struct db *db, const struct db_stmt *stmt, int nparams,
    const char *const *values, struct tele_result *res)
{
	struct tele_tx	 t = { stmt, nparams, values, res, NULL, NULL };

	memset(res, 0, sizeof *res);
	if (!db_tx(db, DB_READ_COMMITTED, tele_tx_run, &t)) {
		if (res->outcome != NULL && db_status(db) == DB_OK)
			return true;
		tele_result_free(res);
		return false;
	}
	return true;
}

bool
tele_run_then(struct req *r, const struct db_stmt *stmt, int nparams,
    const char *const *values, const struct api_constraint *map, size_t n,
    struct tele_result *res, tele_then_fn then, void *arg)
{
	struct tele_tx	 t = { stmt, nparams, values, res, then, arg };
	struct db	*db;

	memset(res, 0, sizeof *res);
	if ((db = req_db(r)) == NULL)
		return false;
	if (!db_tx(db, DB_READ_COMMITTED, tele_tx_run, &t)) {
		/* Refused by the statement's own rules: rolled back. */
		if (res->outcome != NULL && db_status(db) == DB_OK)
			return true;
		tele_result_free(res);
		api_db_problem(r, db, map, n);
		return false;
	}
	return true;
}

void
tele_result_free(struct tele_result *res)
{
	free(res->outcome);
	free(res->body);
	res->outcome = res->body = NULL;
}

bool
tele_clock(struct req *r, const char **at)
{
	const char	*h;

	*at = NULL;
	if (api_config == NULL || !api_config->test_mode ||
	    (h = req_header(r, "X-Souk-Now")) == NULL)
		return true;
	if (!rfc3339_valid(h)) {
		req_field_error(r, "X-Souk-Now", "invalid", "must be a time "
		    "such as 2026-01-31T10:00:00Z");
		return false;
	}
	*at = h;
	return true;
}

bool
tele_privileged(struct req *r)
{
	const struct principal	*p = req_principal(r);

	return p != NULL && (p->role & (ROLE_SUPERVISOR | ROLE_ADMIN)) != 0;
}

const char *
tele_me(struct req *r, char *buf, size_t len)
{
	const struct principal	*p = req_principal(r);

	snprintf(buf, len, "%lld", p != NULL ? (long long)p->user_id : 0LL);
	return buf;
}

/* Marks due callbacks announced: their topic and the event's data. */
static const char callbacks_due_sql[] =
    "UPDATE callbacks SET announced_at = now() WHERE id IN (SELECT id FROM"
    " callbacks WHERE done_at IS NULL AND announced_at IS NULL AND due_at"
    " <= now() ORDER BY due_at LIMIT 1000 FOR UPDATE SKIP LOCKED)"
    " RETURNING CASE WHEN agent_id IS NULL THEN 'queue:' || queue_id ELSE"
    " 'user:' || agent_id END, jsonb_build_object('callback_id', id,"
    " 'lead_id', lead_id, 'queue_id', queue_id, 'agent_id', agent_id,"
    " 'due_at', tele_ts(due_at), 'note', note)::text";

static bool
callbacks_due_tx(struct db *db, void *arg)
{
	PGresult	*res;
	int		 i, *n = arg;
	bool		 ok = true;

	if ((res = db_query(db, callbacks_due_sql, 0, NULL)) == NULL)
		return false;
	*n = PQntuples(res);
	for (i = 0; i < *n && ok; i++)
		ok = events_publish(db, PQgetvalue(res, i, 0), "callback.due",
		    PQgetvalue(res, i, 1));
	PQclear(res);
	return ok;
}

enum job_result
tele_callbacks_due_run(struct job *j, struct db *db)
{
	int	n = 0;

	if (!db_tx(db, DB_READ_COMMITTED, callbacks_due_tx, &n)) {
		j->error = xasprintf("%s", db_message(db));
		return JOB_RETRY;
	}
	if (n > 0)
		log_info("tele: %d callbacks due", n);
	return JOB_DONE;
}
