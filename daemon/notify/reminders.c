#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "reminders.h"

static const struct db_stmt reminders_stmts[] = {
	{ "reminders_insert",
	  "INSERT INTO reminders (user_id, kind, channels, variables,"
	  " remind_at, dedupe_key) VALUES ($1, $2, $3::text[], $4::jsonb,"
	  " now() + $5::bigint * interval '1 ms', $6)"
	  " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id" },
	{ "reminders_cancel",
	  "UPDATE reminders SET state = 'cancelled' WHERE dedupe_key = $1"
	  " AND state = 'scheduled'" },
	{ "reminders_take",
	  "SELECT user_id, kind, channels::text, variables::text FROM reminders"
	  " WHERE id = $1 AND state = 'scheduled' FOR UPDATE" },
	{ "reminders_sent",
	  "UPDATE reminders SET state = 'sent', fired_at = now() WHERE id = $1" },
};

enum { STMT_INSERT, STMT_CANCEL, STMT_TAKE, STMT_SENT };

void
reminders_init(void)
{
	db_register(reminders_stmts,
	    sizeof reminders_stmts / sizeof reminders_stmts[0]);
}

bool
reminders_schedule(struct db *db, const struct reminder *rm, int64_t *id)
{
	const char	*params[6];
	char		 user[24], delay[24], *vars;
	struct buf	 ch;
	PGresult	*res;
	struct job_new	 job = { .kind = "reminders.fire" };
	char		 payload[48];
	int		 c;
	bool		 ok = false;

	*id = 0;
	if (outbox_kind(rm->kind) == NULL)
		fatalx("reminders_schedule: unknown message %s", rm->kind);
	buf_init(&ch, 0);
	for (c = NOTIFY_SMS; c <= NOTIFY_PUSH; c++) {
		if (rm->channels & (1u << c) && !buf_printf(&ch, "%s%s",
		    ch.len == 0 ? "{" : ",", notify_channel_name(
		    (enum notify_channel)c)))
			fatalx("reminders_schedule");
	}
	if (ch.len == 0)
		fatalx("reminders_schedule: no channel");
	if (!buf_adds(&ch, "}"))
		fatalx("reminders_schedule");
	snprintf(user, sizeof user, "%lld", (long long)rm->user_id);
	snprintf(delay, sizeof delay, "%lld", (long long)(rm->delay_ms > 0 ?
	    rm->delay_ms : 0));
	vars = json_dumps(rm->vars, JSON_COMPACT);
	params[0] = user;
	params[1] = rm->kind;
	params[2] = ch.data;
	params[3] = vars;
	params[4] = delay;
	params[5] = rm->dedupe_key;
	if ((res = db_exec(db, &reminders_stmts[STMT_INSERT], 6, params)) ==
	    NULL)
		goto out;
	if (PQntuples(res) == 0) {
		/* Scheduled before: never twice. */
		ok = true;
		goto out;
	}
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(payload, sizeof payload, "{\"id\": %lld}", (long long)*id);
	job.payload = payload;
	job.delay_ms = rm->delay_ms > 0 ? rm->delay_ms : 0;
	ok = jobs_enqueue(db, &job, NULL);
out:
	PQclear(res);
	free(vars);
	buf_free(&ch);
	return ok;
}

bool
reminders_cancel(struct db *db, const char *dedupe_key, bool *found)
{
	const char	*params[1] = { dedupe_key };
	PGresult	*res;

	if ((res = db_exec(db, &reminders_stmts[STMT_CANCEL], 1, params)) ==
	    NULL)
		return false;
	*found = strcmp(PQcmdTuples(res), "0") != 0;
	PQclear(res);
	return true;
}

struct fire_tx {
	const char	*id;
	int		 sent;
	char		*unknown;	/* a kind this soukd does not send */
};

static bool
fire_tx_run(struct db *db, void *arg)
{
	struct fire_tx		*t = arg;
	const char		*params[1] = { t->id };
	struct outbox_msg	 m;
	enum notify_channel	 ch;
	PGresult		*res, *done;
	json_t			*vars;
	char			*channels, *p, *e;
	int64_t			 nid;
	bool			 ok = false;

	t->sent = 0;
	if ((res = db_exec(db, &reminders_stmts[STMT_TAKE], 1, params)) ==
	    NULL)
		return false;
	if (PQntuples(res) == 0) {
		/* Cancelled, or sent by an earlier run of this job. */
		PQclear(res);
		return true;
	}
	/*
	 * Written by a soukd that knows the kind; this one may not (an older
	 * version mid-rollout): leave it to one that does.
	 */
	if (outbox_kind(PQgetvalue(res, 0, 1)) == NULL) {
		t->unknown = xstrdup(PQgetvalue(res, 0, 1));
		PQclear(res);
		return false;
	}
	vars = json_loads(PQgetvalue(res, 0, 3), 0, NULL);
	channels = xstrdup(PQgetvalue(res, 0, 2));
	memset(&m, 0, sizeof m);
	m.kind = PQgetvalue(res, 0, 1);
	m.user_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	m.vars = vars;
	/* "{sms,email}" */
	for (p = channels + 1; *p != '\0' && *p != '}'; p = e) {
		e = p + strcspn(p, ",}");
		if (*e == ',')
			*e++ = '\0';
		else
			*e = '\0';
		if (!notify_channel_parse(p, &ch))
			continue;
		m.channel = ch;
		if (!outbox_enqueue(db, &m, &nid))
			goto out;
		t->sent += nid != 0;
	}
	if ((done = db_exec(db, &reminders_stmts[STMT_SENT], 1, params)) ==
	    NULL)
		goto out;
	PQclear(done);
	ok = true;
out:
	free(channels);
	json_decref(vars);
	PQclear(res);
	return ok;
}

enum job_result
reminders_fire_run(struct job *j, struct db *db)
{
	struct fire_tx	t;
	char		id[24];

	snprintf(id, sizeof id, "%lld", (long long)json_integer_value(
	    json_object_get(j->payload, "id")));
	t.id = id;
	t.unknown = NULL;
	if (!db_tx(db, DB_READ_COMMITTED, fire_tx_run, &t)) {
		if (t.unknown != NULL) {
			j->error = xasprintf("reminder %s: this soukd does not "
			    "send %s messages", id, t.unknown);
			free(t.unknown);
		} else
			j->error = xasprintf("reminder %s: %s", id,
			    db_message(db));
		return JOB_RETRY;
	}
	return JOB_DONE;
}
