/*
 * dial: the voice.dial job (see dial.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "notify.h"
#include "voice.h"
#include "tele/dial.h"
#include "tele/work.h"

/* The longest a waiting agent's dial is put off between attempts. */
#define DIAL_MAX_DELAY_MS	10000

static const struct db_stmt dial_stmts[] = {
	{ "tele_dial_pending", "SELECT * FROM tele_voice_pending($1)" },
	/* $1 call, $2 Call SID, $3 Twilio's status */
	{ "tele_dial_dialed", "SELECT * FROM tele_voice_dialed($1, $2, $3)" },
	/* $1 call, $2 why */
	{ "tele_dial_failed", "SELECT * FROM tele_voice_failed($1, $2)" },
	{ "tele_hangup_pending",
	  "SELECT * FROM tele_voice_hangup_pending($1)" },
};

enum { STMT_PENDING, STMT_DIALED, STMT_FAILED, STMT_HANGUP_PENDING };

void
tele_dial_init(void)
{
	db_register(dial_stmts, sizeof dial_stmts / sizeof dial_stmts[0]);
}

/* Enqueues job kind for call_id, once per call. */
static bool
voice_job_enqueue(struct db *db, const char *kind, int64_t call_id)
{
	struct job_new	 j;
	char		*payload, *key;
	bool		 ok;

	payload = xasprintf("{\"call_id\": %lld}", (long long)call_id);
	key = xasprintf("%s:%lld", kind, (long long)call_id);
	memset(&j, 0, sizeof j);
	j.kind = kind;
	j.payload = payload;
	/* Ahead of bulk work: someone holds a headset. */
	j.priority = 50;
	j.unique_key = key;
	ok = jobs_enqueue(db, &j, NULL);
	free(payload);
	free(key);
	return ok;
}

bool
tele_dial_enqueue(struct db *db, int64_t call_id)
{
	return voice_job_enqueue(db, "voice.dial", call_id);
}

bool
tele_hangup_enqueue(struct db *db, int64_t call_id)
{
	return voice_job_enqueue(db, "voice.hangup", call_id);
}

/*
 * The provider could not be reached or was busy: try again in a second
 * per attempt so far, or when it says, at most DIAL_MAX_DELAY_MS (an
 * agent is waiting).
 */
static enum job_result
voice_retry(struct job *j, const char *id, const struct notify_result *r)
{
	j->error = xasprintf("call %s: %s", id, r->detail != NULL ? r->detail :
	    "no answer");
	j->retry_ms = r->retry_after_ms > 0 ? r->retry_after_ms :
	    1000LL * j->attempt;
	if (j->retry_ms > DIAL_MAX_DELAY_MS)
		j->retry_ms = DIAL_MAX_DELAY_MS;
	return JOB_RETRY;
}

/* Fails call id with why; a database failure makes the job retry. */
static enum job_result
dial_fail(struct job *j, struct db *db, const char *id, const char *why)
{
	struct tele_result	 res;
	const char		*params[2] = { id, why };

	if (!tele_apply(db, &dial_stmts[STMT_FAILED], 2, params, &res)) {
		j->error = xasprintf("call %s: recording the failure: %s", id,
		    db_message(db));
		return JOB_RETRY;
	}
	tele_result_free(&res);
	log_info("call %s: click-to-call failed: %s", id, why);
	j->error = xasprintf("call %s: %s", id, why);
	return JOB_FAIL;
}

enum job_result
tele_dial_run(struct job *j, struct db *db)
{
	struct notify_result	 r;
	struct tele_result	 res;
	const char		*params[3];
	char			 id[24], *agent, *lead;
	int64_t			 call = json_integer_value(json_object_get(
				    j->payload, "call_id"));
	PGresult		*pg;
	enum job_result		 out = JOB_DONE;

	snprintf(id, sizeof id, "%lld", (long long)call);
	params[0] = id;
	if ((pg = db_exec(db, &dial_stmts[STMT_PENDING], 1, params)) == NULL) {
		j->error = xasprintf("call %s: %s", id, db_message(db));
		return JOB_RETRY;
	}
	/* Gone, dialled by an earlier run, or ended before its dial. */
	if (PQntuples(pg) != 1 || PQgetisnull(pg, 0, 0) ||
	    strcmp(PQgetvalue(pg, 0, 0), "dial") != 0) {
		PQclear(pg);
		return JOB_DONE;
	}
	if (PQgetisnull(pg, 0, 1)) {
		PQclear(pg);
		return dial_fail(j, db, id, "you have no phone number on your "
		    "profile for the call to ring");
	}
	agent = xstrdup(PQgetvalue(pg, 0, 1));
	lead = xstrdup(PQgetvalue(pg, 0, 2));
	PQclear(pg);

	/* No transaction is open across the provider's answer. */
	voice_dial(agent, lead, call, &r);
	switch (r.outcome) {
	case NOTIFY_SENT:
		params[1] = r.provider_id;
		params[2] = r.detail;
		if (!tele_apply(db, &dial_stmts[STMT_DIALED], 3, params,
		    &res)) {
			/* Twilio's callbacks will record the SID instead. */
			log_warn("call %s: recording Call SID %s: %s", id,
			    r.provider_id != NULL ? r.provider_id : "(none)",
			    db_message(db));
		} else
			tele_result_free(&res);
		break;
	case NOTIFY_PERMANENT:
		out = dial_fail(j, db, id, r.detail != NULL ? r.detail :
		    "Twilio refused the call");
		break;
	case NOTIFY_RETRY:
		if (j->attempt >= j->max_attempts) {
			out = dial_fail(j, db, id, r.detail != NULL ? r.detail :
			    "Twilio could not be reached");
			break;
		}
		out = voice_retry(j, id, &r);
		break;
	}
	notify_result_free(&r);
	free(agent);
	free(lead);
	return out;
}

enum job_result
tele_hangup_run(struct job *j, struct db *db)
{
	struct notify_result	 r;
	const char		*params[1];
	char			 id[24], *sid;
	int64_t			 call = json_integer_value(json_object_get(
				    j->payload, "call_id"));
	PGresult		*pg;
	enum job_result		 out = JOB_DONE;
	bool			 wait;

	snprintf(id, sizeof id, "%lld", (long long)call);
	params[0] = id;
	if ((pg = db_exec(db, &dial_stmts[STMT_HANGUP_PENDING], 1,
	    params)) == NULL) {
		j->error = xasprintf("call %s: %s", id, db_message(db));
		return JOB_RETRY;
	}
	if (PQntuples(pg) != 1 || PQgetisnull(pg, 0, 0) ||
	    strcmp(PQgetvalue(pg, 0, 0), "done") == 0) {
		PQclear(pg);
		return JOB_DONE;
	}
	wait = strcmp(PQgetvalue(pg, 0, 0), "wait") == 0;
	sid = wait ? NULL : xstrdup(PQgetvalue(pg, 0, 1));
	PQclear(pg);
	/*
	 * The dial may be with Twilio now: its SID comes within the
	 * provider's timeout.  A dial that never got one rang nothing.
	 */
	if (wait) {
		if (j->attempt >= j->max_attempts)
			return JOB_DONE;
		j->error = xasprintf("call %s: waiting for its Call SID", id);
		j->retry_ms = 1000LL * j->attempt;
		return JOB_RETRY;
	}

	voice_hangup(sid, &r);
	switch (r.outcome) {
	case NOTIFY_SENT:
		log_info("call %s: hung up (Twilio: %s)", id, r.detail);
		break;
	case NOTIFY_PERMANENT:
		/* Over already: what the agent wanted. */
		if (r.provider_id != NULL && strcmp(r.provider_id, "over") == 0)
			break;
		log_warn("call %s: Twilio would not hang up %s: %s", id, sid,
		    r.detail);
		j->error = xasprintf("call %s: %s", id, r.detail);
		out = JOB_FAIL;
		break;
	case NOTIFY_RETRY:
		if (j->attempt >= j->max_attempts) {
			log_warn("call %s: could not hang up %s: %s", id, sid,
			    r.detail != NULL ? r.detail : "no answer");
			j->error = xasprintf("call %s: %s", id, r.detail !=
			    NULL ? r.detail : "no answer");
			out = JOB_FAIL;
			break;
		}
		out = voice_retry(j, id, &r);
		break;
	}
	notify_result_free(&r);
	free(sid);
	return out;
}
