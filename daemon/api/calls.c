/*
 * calls: an agent's working loop after the next lead, and what
 * supervisors watch.
 *
 *	POST /v1/calls				start a call to a held lead
 *						(click_to_call: dialled by the
 *						voice.dial job, see tele/dial.h)
 *	POST /v1/calls/{id}/end			hang up (wrap-up starts; a
 *						click-to-call ends at the
 *						provider through voice.hangup)
 *	POST /v1/calls/{id}/disposition		end it with a disposition
 *	POST /v1/calls/log			a call made outside souk
 *	GET  /v1/calls				calls, newest first
 *	GET  /v1/callbacks			due and coming callbacks
 *	POST /v1/leads/{id}/callback		schedule one without a call
 *	DELETE /v1/callbacks/{id}		cancel one
 *	GET/POST /v1/dnc, DELETE /v1/dnc/{phone}	the do-not-call list
 *	GET/PUT /v1/me/agent			the caller's state and day
 *	GET  /v1/agents, /v1/wallboard		every agent, the queues
 *	GET  /v1/reports/calls			per agent, queue or day
 *
 * The rules (what a disposition does, how states change) are SQL
 * functions of sql/migrations/0020_telecalling_work.sql, each one round
 * trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "log.h"
#include "req.h"
#include "rfc3339.h"
#include "tele/dial.h"
#include "tele/lead.h"
#include "tele/work.h"
#include "voice.h"

#define CALL_COLS "tele_call_json(c)::text, c.id"
#define DNC_JSON(d)							\
	"json_build_object('phone', " d ".phone, 'reason', " d ".reason, " \
	"'source', " d ".source, 'added_by', " d ".added_by, "		\
	"'created_at', tele_ts(" d ".created_at))"

/* Whether call c is on a lead of scope (NULL: all). */
#define CALL_IN_SCOPE(scope)						\
	"(" scope "::bigint[] IS NULL OR EXISTS (SELECT 1 FROM leads l"	\
	" WHERE l.id = c.lead_id AND region_in_scope(l.region_id, "	\
	scope ")))"

/* Today's counts of agent u (a users row). */
#define AGENT_ROW(u)							\
	"jsonb_build_object('user_id', " u ".id, 'name', " u ".name, "	\
	"'state', coalesce(s.state, 'offline'), 'reason', s.reason, "	\
	"'since', tele_ts(s.since), 'queue_id', s.queue_id, 'lead_id', "	\
	"s.lead_id, 'calls_today', coalesce(t.calls, 0), "		\
	"'talk_seconds_today', coalesce(t.talk, 0), 'conversions_today', " \
	"coalesce(t.conversions, 0))"
#define AGENTS_FROM							\
	" FROM users u LEFT JOIN agent_states s ON s.user_id = u.id"	\
	" LEFT JOIN LATERAL (SELECT count(*) AS calls,"			\
	" sum(c.talk_seconds) AS talk, count(*) FILTER (WHERE c.converted)" \
	" AS conversions FROM calls c WHERE c.agent_id = u.id AND"	\
	" c.started_at >= tele_day_start('Asia/Kolkata')) t ON true"	\
	" WHERE u.status = 'active' AND u.role IN ('telecaller',"	\
	" 'supervisor') AND (EXISTS (SELECT 1 FROM queue_agents a WHERE"	\
	" a.user_id = u.id) OR s.user_id IS NOT NULL) AND ($1::bigint[]"	\
	" IS NULL OR EXISTS (SELECT 1 FROM user_regions ur WHERE"	\
	" ur.user_id = u.id AND region_in_scope(ur.region_id, $1)))"

static const struct db_stmt call_stmts[] = {
	/* $1 lead, $2 agent, $3 mode, $4 queue, $5 scope, $6 privileged */
	{ "call_start",
	  "SELECT * FROM tele_api_call_start($1, $2, $3, $4, $5::bigint[],"
	  " $6)" },
	/* $1 lead, $2 agent, $3 queue, $4 scope, $5 privileged */
	{ "call_dial",
	  "SELECT * FROM tele_api_call_dial($1, $2, $3, $4::bigint[], $5)" },
	{ "call_end", "SELECT * FROM tele_api_call_end($1, $2, $3)" },
	/* $1 call, $2 actor, $3 privileged, $4 code, $5 notes, $6 at, $7 for */
	{ "call_dispose",
	  "SELECT * FROM tele_api_dispose($1, $2, $3, $4, $5, $6, $7)" },
	/* $1 lead, $2 agent, $3 scope, $4 phone, $5 start, $6 end, $7 code,
	 * $8 notes */
	{ "call_log",
	  "SELECT * FROM tele_api_call_log($1, $2, $3::bigint[], $4, $5, $6,"
	  " $7, $8)" },
	/* $1 agent, $2 lead, $3 queue, $4 from, $5 to, $6 scope, $7 after,
	 * $8 limit */
	{ "call_list",
	  "SELECT " CALL_COLS " FROM calls c WHERE"
	  " ($1::bigint IS NULL OR c.agent_id = $1)"
	  " AND ($2::bigint IS NULL OR c.lead_id = $2)"
	  " AND ($3::bigint IS NULL OR c.queue_id = $3)"
	  " AND ($4::timestamptz IS NULL OR c.started_at >= $4)"
	  " AND ($5::timestamptz IS NULL OR c.started_at < $5)"
	  " AND " CALL_IN_SCOPE("$6")
	  " AND c.id < $7 ORDER BY c.id DESC LIMIT $8" },
	/* $1 me (mine), $2 overdue, $3 queue, $4 scope, $5/$6 after
	 * (due_at, id), $7 limit */
	{ "callback_list",
	  "SELECT tele_callback_json(cb)::text, json_build_array("
	  " tele_ts(cb.due_at), cb.id) FROM callbacks cb JOIN leads l ON"
	  " l.id = cb.lead_id WHERE cb.done_at IS NULL"
	  " AND ($1::bigint IS NULL OR cb.agent_id = $1)"
	  " AND (NOT $2::boolean OR cb.due_at < now())"
	  " AND ($3::bigint IS NULL OR cb.queue_id = $3)"
	  " AND region_in_scope(l.region_id, $4::bigint[])"
	  " AND (cb.due_at, cb.id) > ($5::timestamptz, $6::bigint)"
	  " ORDER BY cb.due_at, cb.id LIMIT $7" },
	/* $1 lead, $2 actor, $3 scope, $4 due, $5 for, $6 note */
	{ "callback_schedule",
	  "SELECT * FROM tele_api_callback($1, $2, $3::bigint[], $4, $5, $6)" },
	/* $1 id, $2 me, $3 privileged, $4 scope */
	{ "callback_cancel",
	  "WITH cb AS (UPDATE callbacks cb SET done_at = now() FROM leads l"
	  " WHERE cb.id = $1 AND l.id = cb.lead_id AND cb.done_at IS NULL"
	  " AND ($3::boolean OR cb.agent_id IS NULL OR cb.agent_id = $2)"
	  " AND region_in_scope(l.region_id, $4::bigint[]) RETURNING cb.*)"
	  " SELECT 'ok', tele_callback_json(cb)::text, jsonb_build_array("
	  " tele_event('queue:' || cb.queue_id, 'queue.changed',"
	  " jsonb_build_object('queue_id', cb.queue_id, 'lead_id',"
	  " cb.lead_id, 'reason', 'callback')))::text FROM cb" },
	/* $1 phone prefix, $2 after phone, $3 limit */
	{ "dnc_list",
	  "SELECT " DNC_JSON("d") "::text, to_json(d.phone) FROM dnc d"
	  " WHERE ($1::text IS NULL OR d.phone LIKE $1 || '%')"
	  " AND d.phone > coalesce($2, '') ORDER BY d.phone LIMIT $3" },
	/* $1 phone, $2 reason, $3 source, $4 actor */
	{ "dnc_add", "SELECT * FROM tele_api_dnc_add($1, $2, $3, $4)" },
	{ "dnc_delete",
	  "DELETE FROM dnc d WHERE d.phone = $1 RETURNING " DNC_JSON("d")
	  "::text" },
	{ "agent_me", "SELECT tele_agent_json($1)::text" },
	{ "agent_set", "SELECT * FROM tele_api_agent_set($1, $2, $3)" },
	/* $1 scope */
	{ "agent_list",
	  "SELECT coalesce(jsonb_agg(" AGENT_ROW("u") " ORDER BY u.name,"
	  " u.id), '[]')::text" AGENTS_FROM },
	{ "wallboard",
	  "SELECT jsonb_build_object("
	  "'agents', (SELECT coalesce(jsonb_agg(" AGENT_ROW("u")
	  " ORDER BY u.name, u.id), '[]')" AGENTS_FROM "),"
	  " 'queues', (SELECT coalesce(jsonb_agg(jsonb_build_object('id',"
	  " q.id, 'name', q.name) || tele_queue_depth(q.id) ORDER BY"
	  " q.priority DESC, q.id), '[]') FROM queues q WHERE q.status ="
	  " 'active' AND ($1::bigint[] IS NULL OR cardinality(q.region_ids)"
	  " = 0 OR EXISTS (SELECT 1 FROM unnest(q.region_ids) x WHERE"
	  " region_in_scope(x, $1)))),"
	  " 'calls_per_hour', (SELECT count(*) FROM calls c WHERE"
	  " c.started_at > now() - interval '1 hour' AND " CALL_IN_SCOPE("$1")
	  "),"
	  " 'talk_seconds_today', (SELECT coalesce(sum(c.talk_seconds), 0)"
	  " FROM calls c WHERE c.started_at >= tele_day_start('Asia/Kolkata')"
	  " AND " CALL_IN_SCOPE("$1") "),"
	  " 'conversions_today', (SELECT count(*) FROM calls c WHERE"
	  " c.converted AND c.started_at >= tele_day_start('Asia/Kolkata')"
	  " AND " CALL_IN_SCOPE("$1") "),"
	  " 'callbacks_overdue', (SELECT count(*) FROM callbacks cb JOIN"
	  " leads l ON l.id = cb.lead_id WHERE cb.done_at IS NULL AND"
	  " cb.due_at < now() - interval '5 minutes' AND ($1::bigint[] IS NULL"
	  " OR region_in_scope(l.region_id, $1))),"
	  " 'sla_breaches', (SELECT count(*) FROM leads l WHERE"
	  " l.first_contact_at IS NULL AND l.sla_due_at < now() AND"
	  " ($1::bigint[] IS NULL OR region_in_scope(l.region_id, $1))))::text" },
	/*
	 * $1 group (agent, queue, day), $2 from, $3 to, $4 agent (or NULL),
	 * $5 scope.  Rows of calls started in [from, to) on leads of scope,
	 * and pauses of agents of scope, by key.
	 */
	{ "report_calls",
	  "WITH c AS (SELECT c.*, CASE $1::text WHEN 'agent' THEN"
	  " c.agent_id::text WHEN 'queue' THEN coalesce(c.queue_id::text,"
	  " '') ELSE to_char(c.started_at AT TIME ZONE 'Asia/Kolkata',"
	  " 'YYYY-MM-DD') END AS k FROM calls c WHERE c.started_at >= $2"
	  " AND c.started_at < $3 AND ($4::bigint IS NULL OR c.agent_id ="
	  " $4) AND " CALL_IN_SCOPE("$5") "),"
	  " p AS (SELECT CASE $1::text WHEN 'agent' THEN g.user_id::text"
	  " WHEN 'day' THEN to_char(g.started_at AT TIME ZONE"
	  " 'Asia/Kolkata', 'YYYY-MM-DD') END AS k, g.reason, sum(extract("
	  "epoch FROM least(coalesce(g.ended_at, now()), $3) - greatest("
	  "g.started_at, $2)))::bigint AS secs FROM agent_state_log g WHERE"
	  " g.state = 'paused' AND g.started_at < $3 AND coalesce(g.ended_at,"
	  " now()) > $2 AND ($4::bigint IS NULL OR g.user_id = $4)"
	  " AND ($5::bigint[] IS NULL OR EXISTS (SELECT 1 FROM user_regions"
	  " ur WHERE ur.user_id = g.user_id AND region_in_scope(ur.region_id,"
	  " $5)))"
	  " GROUP BY 1, 2),"
	  " r AS (SELECT k, count(*) AS calls, count(*) FILTER (WHERE"
	  " connected) AS connects, coalesce(sum(talk_seconds), 0) AS talk,"
	  " count(*) FILTER (WHERE converted) AS conversions FROM c GROUP BY"
	  " k)"
	  " SELECT coalesce(jsonb_agg(jsonb_build_object('key', r.k, 'name',"
	  " CASE $1::text WHEN 'agent' THEN (SELECT name FROM users WHERE"
	  " id::text = r.k) WHEN 'queue' THEN (SELECT name FROM queues WHERE"
	  " id::text = r.k) ELSE r.k END, 'calls', r.calls, 'connects',"
	  " r.connects, 'talk_seconds', r.talk, 'pause_seconds', coalesce(("
	  "SELECT jsonb_object_agg(p.reason, p.secs) FROM p WHERE p.k ="
	  " r.k), '{}'), 'dispositions', coalesce((SELECT jsonb_object_agg("
	  "x.disposition, x.n) FROM (SELECT disposition, count(*) AS n FROM"
	  " c WHERE c.k = r.k AND disposition IS NOT NULL GROUP BY"
	  " disposition) x), '{}'), 'conversions', r.conversions,"
	  " 'contact_rate', round(r.connects::numeric / r.calls, 4),"
	  " 'conversion_rate', round(r.conversions::numeric / r.calls, 4))"
	  " ORDER BY r.k), '[]')::text FROM r" },
};

enum {
	STMT_START, STMT_DIAL, STMT_END, STMT_DISPOSE, STMT_LOG, STMT_LIST,
	STMT_CB_LIST, STMT_CB_SCHEDULE, STMT_CB_CANCEL, STMT_DNC_LIST,
	STMT_DNC_ADD, STMT_DNC_DELETE, STMT_AGENT_ME, STMT_AGENT_SET,
	STMT_AGENT_LIST, STMT_WALLBOARD, STMT_REPORT,
};

static const char *
bool_text(bool b)
{
	return b ? "true" : "false";
}

/* The common refusals of the call steps; false if outcome was not one. */
static bool
call_refused(struct req *r, const char *outcome, const char *what,
    const char *id, const char *body)
{
	json_t	*j;

	if (strcmp(outcome, "not_found") == 0)
		req_problem(r, "not-found", "there is no %s %s", what, id);
	else if (strcmp(outcome, "not_held") == 0)
		req_problem(r, "conflict", "lead %s is not held by you: take it "
		    "with POST /v1/queues/{id}/next first", id);
	else if (strcmp(outcome, "dnc") == 0)
		req_problem(r, "conflict", "the lead's number is on the "
		    "do-not-call list");
	else if (strcmp(outcome, "open_call") == 0) {
		j = body != NULL ? json_loads(body, 0, NULL) : NULL;
		req_problem(r, "conflict", "your call %lld has no disposition "
		    "yet", (long long)json_integer_value(json_object_get(j,
		    "open_call")));
		json_decref(j);
	} else if (strcmp(outcome, "ended") == 0)
		req_problem(r, "unprocessable", "call %s has already ended", id);
	else if (strcmp(outcome, "dispositioned") == 0)
		req_problem(r, "unprocessable", "call %s already has a "
		    "disposition", id);
	else if (strcmp(outcome, "no_queue") == 0)
		req_problem(r, "unprocessable", "lead %s is in no queue, so it "
		    "has no dispositions", id);
	else if (strcmp(outcome, "unknown_code") == 0) {
		req_field_error(r, "code", "unknown", "is not a disposition of "
		    "the call's queue");
		req_fail_fields(r);
	} else if (strcmp(outcome, "callback_required") == 0) {
		req_field_error(r, "callback_at", "required", "this "
		    "disposition schedules a callback: say when");
		req_fail_fields(r);
	} else if (strcmp(outcome, "not_callable") == 0)
		req_problem(r, "unprocessable", "lead %s is not to be called "
		    "(dnc or invalid)", id);
	else if (strcmp(outcome, "no_phone") == 0)
		req_problem(r, "unprocessable", "click-to-call rings your phone "
		    "first, and your profile has no phone number: add one, or "
		    "call with mode manual");
	else if (strcmp(outcome, "busy") == 0)
		req_problem(r, "unprocessable", "finish your call with a "
		    "disposition first");
	else
		return false;
	return true;
}

/* Answers a tele_run result: status with its body, or its refusal. */
static void
call_answer(struct req *r, struct tele_result *res, int status,
    const char *what, const char *id)
{
	if (strcmp(res->outcome, "ok") == 0)
		req_reply_json_text(r, status, res->body, strlen(res->body));
	else if (!call_refused(r, res->outcome, what, id, res->body))
		req_problem(r, "internal", "unexpected outcome %s",
		    res->outcome);
	tele_result_free(res);
}

static const struct jsonv_field start_fields[] = {
	{ "lead_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "mode", JV_STRING, JV_REQUIRED, 1, 20, 0, 0, 0, NULL },
	{ "queue_id", JV_INT, 0, 1, INT64_MAX, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/* Enqueues the dial of the call just recorded (its JSON in res->body). */
static bool
call_dial_then(struct db *db, const struct tele_result *res, void *arg)
{
	json_t	*call;
	int64_t	 id;

	(void)arg;
	if ((call = json_loads(res->body, 0, NULL)) == NULL)
		fatalx("call_dial_then: the call is not JSON");
	id = json_integer_value(json_object_get(call, "id"));
	json_decref(call);
	return tele_dial_enqueue(db, id);
}

static void
call_start(struct req *r)
{
	struct tele_result	 res;
	json_t			*body;
	const char		*mode, *params[6];
	char			 lead[24], queue[24], me[24];
	bool			 ok;

	if ((body = req_body_json(r, start_fields)) == NULL)
		return;
	mode = json_string_value(json_object_get(body, "mode"));
	if (strcmp(mode, "manual") != 0 && strcmp(mode, "click_to_call") != 0) {
		req_field_error(r, "mode", "invalid", "must be manual or "
		    "click_to_call");
		req_fail_fields(r);
		goto out;
	}
	snprintf(lead, sizeof lead, "%lld", (long long)json_integer_value(
	    json_object_get(body, "lead_id")));
	snprintf(queue, sizeof queue, "%lld", (long long)json_integer_value(
	    json_object_get(body, "queue_id")));
	params[0] = lead;
	params[1] = tele_me(r, me, sizeof me);
	params[2] = mode;
	params[3] = json_object_get(body, "queue_id") != NULL ? queue : NULL;
	params[4] = req_scope(r);
	params[5] = bool_text(tele_privileged(r));
	if (strcmp(mode, "click_to_call") == 0) {
		if (!voice_enabled()) {
			req_problem(r, "unprocessable", "click-to-call is not "
			    "set up on this server (twilio_voice_from): call "
			    "with mode manual");
			goto out;
		}
		/* The dial goes out through the voice.dial job. */
		params[2] = params[3];
		params[3] = params[4];
		params[4] = params[5];
		ok = tele_run_then(r, &call_stmts[STMT_DIAL], 5, params, NULL,
		    0, &res, call_dial_then, NULL);
	} else
		ok = tele_run(r, &call_stmts[STMT_START], 6, params, NULL, 0,
		    &res);
	if (ok)
		call_answer(r, &res, 201, "lead", lead);
out:
	json_decref(body);
}

/* A click-to-call just ended by its agent: the provider ends it too. */
static bool
call_end_then(struct db *db, const struct tele_result *res, void *arg)
{
	json_t	*call;
	bool	 ok = true;

	(void)arg;
	if ((call = json_loads(res->body, 0, NULL)) == NULL)
		fatalx("call_end_then: the call is not JSON");
	if (voice_enabled() && strcmp(json_string_value(json_object_get(call,
	    "mode")), "click_to_call") == 0)
		ok = tele_hangup_enqueue(db, json_integer_value(
		    json_object_get(call, "id")));
	json_decref(call);
	return ok;
}

static void
call_end(struct req *r)
{
	struct tele_result	 res;
	const char		*params[3];
	char			 me[24];

	params[0] = req_param(r, "id");
	params[1] = tele_me(r, me, sizeof me);
	params[2] = bool_text(tele_privileged(r));
	if (tele_run_then(r, &call_stmts[STMT_END], 3, params, NULL, 0, &res,
	    call_end_then, NULL))
		call_answer(r, &res, 200, "call", params[0]);
}

static const struct jsonv_field dispose_fields[] = {
	{ "code", JV_STRING, JV_REQUIRED, 1, 32, 0, 0, 0, NULL },
	{ "notes", JV_STRING, 0, 0, 5000, 0, 0, 0, NULL },
	{ "callback_at", JV_STRING, 0, 1, 40, 0, 0, 0, NULL },
	{ "callback_for", JV_STRING, 0, 1, 10, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/* Checks callback_at and callback_for (or "for") of a body. */
static void
callback_check(struct req *r, json_t *body, const char *at_name,
    const char *for_name)
{
	const char	*at = json_string_value(json_object_get(body, at_name)),
			*who = json_string_value(json_object_get(body,
			    for_name));

	if (at != NULL && !rfc3339_valid(at))
		req_field_error(r, at_name, "invalid", "must be a time such as "
		    "2026-01-31T11:00:00+05:30");
	if (who != NULL && strcmp(who, "me") != 0 && strcmp(who, "anyone") !=
	    0)
		req_field_error(r, for_name, "invalid", "must be me or anyone");
}

static void
call_dispose(struct req *r)
{
	struct tele_result	 res;
	json_t			*body;
	const char		*params[7];
	char			 me[24];

	if ((body = req_body_json(r, dispose_fields)) == NULL)
		return;
	callback_check(r, body, "callback_at", "callback_for");
	api_check_text(r, "notes", json_string_value(json_object_get(body,
	    "notes")));
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	params[0] = req_param(r, "id");
	params[1] = tele_me(r, me, sizeof me);
	params[2] = bool_text(tele_privileged(r));
	params[3] = json_string_value(json_object_get(body, "code"));
	params[4] = json_string_value(json_object_get(body, "notes"));
	params[5] = json_string_value(json_object_get(body, "callback_at"));
	params[6] = json_string_value(json_object_get(body, "callback_for"));
	if (tele_run(r, &call_stmts[STMT_DISPOSE], 7, params, NULL, 0, &res))
		call_answer(r, &res, 200, "call", params[0]);
out:
	json_decref(body);
}

static const struct jsonv_field calllog_fields[] = {
	{ "lead_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "phone", JV_STRING, 0, 1, 30, 0, 0, 0, NULL },
	{ "started_at", JV_STRING, JV_REQUIRED, 1, 40, 0, 0, 0, NULL },
	{ "ended_at", JV_STRING, JV_REQUIRED, 1, 40, 0, 0, 0, NULL },
	{ "disposition", JV_STRING, JV_REQUIRED, 1, 32, 0, 0, 0, NULL },
	{ "notes", JV_STRING, 0, 0, 5000, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
call_log(struct req *r)
{
	struct tele_result	 res;
	json_t			*body;
	const char		*params[8], *s, *e, *ph;
	char			 lead[24], me[24], phone[32];

	if ((body = req_body_json(r, calllog_fields)) == NULL)
		return;
	s = json_string_value(json_object_get(body, "started_at"));
	e = json_string_value(json_object_get(body, "ended_at"));
	ph = json_string_value(json_object_get(body, "phone"));
	if (!rfc3339_valid(s))
		req_field_error(r, "started_at", "invalid", "must be an RFC 3339 "
		    "time");
	if (!rfc3339_valid(e))
		req_field_error(r, "ended_at", "invalid", "must be an RFC 3339 "
		    "time");
	else if (rfc3339_valid(s) && strcmp(s, e) > 0 && strlen(s) ==
	    strlen(e) && s[strlen(s) - 1] == 'Z' && e[strlen(e) - 1] == 'Z')
		req_field_error(r, "ended_at", "invalid", "is before started_at");
	if (ph != NULL && !tele_phone_normalise(ph, phone, sizeof phone))
		req_field_error(r, "phone", "invalid", "is not a phone number");
	api_check_text(r, "notes", json_string_value(json_object_get(body,
	    "notes")));
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	snprintf(lead, sizeof lead, "%lld", (long long)json_integer_value(
	    json_object_get(body, "lead_id")));
	params[0] = lead;
	params[1] = tele_me(r, me, sizeof me);
	params[2] = req_scope(r);
	params[3] = ph != NULL ? phone : NULL;
	params[4] = s;
	params[5] = e;
	params[6] = json_string_value(json_object_get(body, "disposition"));
	params[7] = json_string_value(json_object_get(body, "notes"));
	if (!tele_run(r, &call_stmts[STMT_LOG], 8, params, NULL, 0, &res))
		goto out;
	if (strcmp(res.outcome, "unknown_code") == 0) {
		tele_result_free(&res);
		req_field_error(r, "disposition", "unknown", "is not a "
		    "disposition of the lead's queue");
		req_fail_fields(r);
	} else
		call_answer(r, &res, 201, "lead", lead);
out:
	json_decref(body);
}

/* An id query parameter; false with a field error if malformed. */
static bool
query_id(struct req *r, const char *name, const char **out)
{
	const char	*v = req_query(r, name);

	*out = v;
	if (v != NULL && !router_valid_id(v, strlen(v))) {
		req_field_error(r, name, "invalid", "must be an id");
		return false;
	}
	return true;
}

static bool
query_time(struct req *r, const char *name, const char **out)
{
	const char	*v = req_query(r, name);

	*out = v;
	if (v != NULL && !rfc3339_valid(v)) {
		req_field_error(r, name, "invalid", "must be an RFC 3339 time");
		return false;
	}
	return true;
}

static void
call_list(struct req *r)
{
	struct req_page_id	 pg;
	const char		*params[8], *agent = req_query(r, "agent");
	char			 me[24];
	bool			 ok;

	ok = req_page_id(r, true, &pg);
	ok = query_id(r, "agent_id", &params[0]) && ok;
	ok = query_id(r, "lead_id", &params[1]) && ok;
	ok = query_id(r, "queue_id", &params[2]) && ok;
	ok = query_time(r, "from", &params[3]) && ok;
	ok = query_time(r, "to", &params[4]) && ok;
	if (agent != NULL) {
		if (strcmp(agent, "me") != 0) {
			req_field_error(r, "agent", "invalid", "must be me");
			ok = false;
		} else
			params[0] = tele_me(r, me, sizeof me);
	}
	/* Telecallers see their own calls only. */
	if (!tele_privileged(r))
		params[0] = tele_me(r, me, sizeof me);
	if (!ok) {
		req_fail_fields(r);
		return;
	}
	params[5] = req_scope(r);
	params[6] = pg.after;
	params[7] = pg.limit_plus;
	req_reply_list(r, &call_stmts[STMT_LIST], 8, params, pg.limit);
}

/* --- callbacks ------------------------------------------------------- */

static void
callback_list(struct req *r)
{
	const char	*mine = req_query(r, "mine"), *overdue =
			    req_query(r, "overdue"), *params[7];
	char		 me[24], lim[24], at[64], id[24];
	int64_t		 limit;
	json_t		*after = NULL;
	bool		 ok;

	ok = req_page(r, 2, &limit, &after);
	ok = query_id(r, "queue_id", &params[2]) && ok;
	if (mine != NULL && strcmp(mine, "1") != 0 && strcmp(mine, "0") != 0) {
		req_field_error(r, "mine", "invalid", "must be 1 or 0");
		ok = false;
	}
	if (overdue != NULL && strcmp(overdue, "1") != 0 &&
	    strcmp(overdue, "0") != 0) {
		req_field_error(r, "overdue", "invalid", "must be 1 or 0");
		ok = false;
	}
	if (after != NULL && (!json_is_string(json_array_get(after, 0)) ||
	    !json_is_integer(json_array_get(after, 1)))) {
		req_field_error(r, "after", "invalid", "is not a cursor of "
		    "this list");
		ok = false;
	}
	if (!ok) {
		req_fail_fields(r);
		goto out;
	}
	params[0] = mine != NULL && strcmp(mine, "1") == 0 ? tele_me(r, me,
	    sizeof me) : NULL;
	params[1] = overdue != NULL && strcmp(overdue, "1") == 0 ? "true" :
	    "false";
	params[3] = req_scope(r);
	snprintf(at, sizeof at, "%s", after != NULL ? json_string_value(
	    json_array_get(after, 0)) : "-infinity");
	snprintf(id, sizeof id, "%lld", after != NULL ? (long long)
	    json_integer_value(json_array_get(after, 1)) : 0LL);
	params[4] = at;
	params[5] = id;
	snprintf(lim, sizeof lim, "%lld", (long long)limit + 1);
	params[6] = lim;
	req_reply_list(r, &call_stmts[STMT_CB_LIST], 7, params, limit);
out:
	json_decref(after);
}

static const struct jsonv_field schedule_fields[] = {
	{ "due_at", JV_STRING, JV_REQUIRED, 1, 40, 0, 0, 0, NULL },
	{ "for", JV_STRING, 0, 1, 10, 0, 0, 0, NULL },
	{ "note", JV_STRING, 0, 0, 1000, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
callback_schedule(struct req *r)
{
	struct tele_result	 res;
	json_t			*body;
	const char		*params[6];
	char			 me[24];

	if ((body = req_body_json(r, schedule_fields)) == NULL)
		return;
	callback_check(r, body, "due_at", "for");
	api_check_text(r, "note", json_string_value(json_object_get(body,
	    "note")));
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	params[0] = req_param(r, "id");
	params[1] = tele_me(r, me, sizeof me);
	params[2] = req_scope(r);
	params[3] = json_string_value(json_object_get(body, "due_at"));
	params[4] = json_string_value(json_object_get(body, "for"));
	params[5] = json_string_value(json_object_get(body, "note"));
	if (tele_run(r, &call_stmts[STMT_CB_SCHEDULE], 6, params, NULL, 0,
	    &res))
		call_answer(r, &res, 201, "lead", params[0]);
out:
	json_decref(body);
}

static void
callback_cancel(struct req *r)
{
	struct tele_result	 res;
	const char		*params[4];
	char			 me[24];

	params[0] = req_param(r, "id");
	params[1] = tele_me(r, me, sizeof me);
	params[2] = bool_text(tele_privileged(r));
	params[3] = req_scope(r);
	if (!tele_run(r, &call_stmts[STMT_CB_CANCEL], 4, params, NULL, 0,
	    &res))
		return;
	if (strcmp(res.outcome, "none") == 0) {
		tele_result_free(&res);
		req_problem(r, "not-found", "there is no open callback %s of "
		    "yours", params[0]);
		return;
	}
	call_answer(r, &res, 200, "callback", params[0]);
}

/* --- the do-not-call list -------------------------------------------- */

static void
dnc_list(struct req *r)
{
	const char	*q = req_query(r, "q"), *params[3];
	char		 lim[24], *pfx = NULL;
	int64_t		 limit;
	json_t		*after = NULL;
	size_t		 i;

	if (!req_page(r, 1, &limit, &after))
		goto fail;
	if (after != NULL && !json_is_string(json_array_get(after, 0)))
		req_field_error(r, "after", "invalid", "is not a cursor of "
		    "this list");
	if (q != NULL) {
		/* A prefix: digits, with + or 0/91 as people type them. */
		pfx = xstrdup(q);
		for (i = 0; pfx[i] != '\0'; i++)
			if (!(pfx[i] >= '0' && pfx[i] <= '9') && !(i == 0 &&
			    pfx[i] == '+')) {
				req_field_error(r, "q", "invalid", "must be the "
				    "start of a phone number");
				break;
			}
	}
	if (req_has_field_errors(r))
		goto fail;
	if (pfx != NULL && pfx[0] != '+') {
		char *p = xasprintf("+%s", pfx);

		free(pfx);
		pfx = p;
	}
	params[0] = pfx;
	params[1] = after != NULL ? json_string_value(json_array_get(after, 0))
	    : NULL;
	snprintf(lim, sizeof lim, "%lld", (long long)limit + 1);
	params[2] = lim;
	req_reply_list(r, &call_stmts[STMT_DNC_LIST], 3, params, limit);
	goto out;
fail:
	req_fail_fields(r);
out:
	free(pfx);
	json_decref(after);
}

static const struct jsonv_field dnc_fields[] = {
	{ "phone", JV_STRING, JV_REQUIRED, 1, 30, 0, 0, 0, NULL },
	{ "reason", JV_STRING, 0, 0, 500, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
dnc_add(struct req *r)
{
	struct tele_result	 res;
	const struct principal	*p = req_principal(r);
	json_t			*body;
	const char		*params[4];
	char			 phone[32], me[24];

	if ((body = req_body_json(r, dnc_fields)) == NULL)
		return;
	if (!tele_phone_normalise(json_string_value(json_object_get(body,
	    "phone")), phone, sizeof phone))
		req_field_error(r, "phone", "invalid", "is not a phone number");
	api_check_line(r, "reason", json_string_value(json_object_get(body,
	    "reason")));
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	params[0] = phone;
	params[1] = json_string_value(json_object_get(body, "reason"));
	params[2] = p->api_key_id != 0 ? "api" : p->role == ROLE_ADMIN ?
	    "admin" : "agent";
	params[3] = tele_me(r, me, sizeof me);
	if (tele_run(r, &call_stmts[STMT_DNC_ADD], 4, params, NULL, 0, &res))
		call_answer(r, &res, 201, "number", phone);
out:
	json_decref(body);
}

struct dnc_del_tx {
	struct req	*r;
	char		 phone[32];
	char		*json;
};

static bool
dnc_del_tx_run(struct db *db, void *arg)
{
	struct dnc_del_tx	*t = arg;
	const char		*params[1] = { t->phone };
	PGresult		*res;

	free(t->json);
	t->json = NULL;
	if ((res = db_exec(db, &call_stmts[STMT_DNC_DELETE], 1, params)) ==
	    NULL)
		return false;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return false;
	}
	t->json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return account_audit(db, t->r, 0, "dnc.removed", "dnc", t->phone,
	    t->json, NULL, NULL);
}

static void
dnc_delete(struct req *r)
{
	struct dnc_del_tx	 t;
	struct db		*db;

	memset(&t, 0, sizeof t);
	t.r = r;
	if (!tele_phone_normalise(req_param(r, "phone"), t.phone,
	    sizeof t.phone)) {
		req_problem(r, "not-found", "there is no number %s on the "
		    "do-not-call list", req_param(r, "phone"));
		return;
	}
	if ((db = req_db(r)) == NULL)
		return;
	if (!db_tx(db, DB_READ_COMMITTED, dnc_del_tx_run, &t)) {
		if (db_status(db) == DB_OK)
			req_problem(r, "not-found", "there is no number %s on "
			    "the do-not-call list", t.phone);
		else
			req_db_problem(r, db);
	} else
		req_reply(r, 204, NULL, xstrdup(""), 0);
	free(t.json);
}

/* --- agents ---------------------------------------------------------- */

static void
agent_me(struct req *r)
{
	char		 me[24];
	const char	*params[1] = { tele_me(r, me, sizeof me) };

	req_reply_row_deferred(r, &call_stmts[STMT_AGENT_ME], 1, params, "agent");
}

static const struct jsonv_field agent_fields[] = {
	{ "state", JV_STRING, JV_REQUIRED, 1, 20, 0, 0, 0, NULL },
	{ "reason", JV_STRING, JV_NULLABLE, 1, 20, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
agent_set(struct req *r)
{
	struct tele_result	 res;
	json_t			*body;
	const char		*state, *reason, *params[3];
	char			 me[24];

	if ((body = req_body_json(r, agent_fields)) == NULL)
		return;
	state = json_string_value(json_object_get(body, "state"));
	reason = json_string_value(json_object_get(body, "reason"));
	if (strcmp(state, "paused") == 0) {
		if (reason == NULL)
			req_field_error(r, "reason", "required", "says why: "
			    "break, lunch, meeting, training or other");
		else if (strcmp(reason, "break") != 0 && strcmp(reason,
		    "lunch") != 0 && strcmp(reason, "meeting") != 0 &&
		    strcmp(reason, "training") != 0 && strcmp(reason,
		    "other") != 0)
			req_field_error(r, "reason", "invalid", "must be break, "
			    "lunch, meeting, training or other");
	} else if (strcmp(state, "available") == 0 || strcmp(state,
	    "offline") == 0) {
		if (reason != NULL)
			req_field_error(r, "reason", "invalid", "only a pause "
			    "has a reason");
	} else
		req_field_error(r, "state", "invalid", "must be available, "
		    "paused or offline (calls set on_call and wrap_up)");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	params[0] = tele_me(r, me, sizeof me);
	params[1] = state;
	params[2] = reason;
	if (tele_run(r, &call_stmts[STMT_AGENT_SET], 3, params, NULL, 0, &res))
		call_answer(r, &res, 200, "agent", me);
out:
	json_decref(body);
}

static void
agent_list(struct req *r)
{
	const char	*params[1] = { req_scope(r) };
	struct db	*db;
	char		*json;

	if ((db = req_db(r)) == NULL)
		return;
	if ((json = db_text(db, &call_stmts[STMT_AGENT_LIST], 1, params)) ==
	    NULL) {
		req_db_problem(r, db);
		return;
	}
	req_reply_page(r, json + 1, strlen(json) - 2, NULL);
	free(json);
}

static void
wallboard(struct req *r)
{
	const char	*params[1] = { req_scope(r) };
	struct db	*db;
	char		*json;

	if ((db = req_db(r)) == NULL)
		return;
	if ((json = db_text(db, &call_stmts[STMT_WALLBOARD], 1, params)) ==
	    NULL) {
		req_db_problem(r, db);
		return;
	}
	req_reply_json_text(r, 200, json, strlen(json));
	free(json);
}

static void
report_calls(struct req *r)
{
	const char	*group = req_query(r, "group"), *agent = req_query(r,
			    "agent"), *params[5];
	char		 me[24];
	struct db	*db;
	char		*json;
	bool		 ok;

	if (group == NULL)
		group = "agent";
	ok = query_time(r, "from", &params[1]);
	ok = query_time(r, "to", &params[2]) && ok;
	if (params[1] == NULL) {
		req_field_error(r, "from", "required", "the report's start");
		ok = false;
	}
	if (params[2] == NULL) {
		req_field_error(r, "to", "required", "the report's end");
		ok = false;
	}
	if (strcmp(group, "agent") != 0 && strcmp(group, "queue") != 0 &&
	    strcmp(group, "day") != 0) {
		req_field_error(r, "group", "invalid", "must be agent, queue or "
		    "day");
		ok = false;
	}
	params[3] = NULL;
	if (agent != NULL) {
		if (strcmp(agent, "me") == 0)
			params[3] = tele_me(r, me, sizeof me);
		else if (router_valid_id(agent, strlen(agent)))
			params[3] = agent;
		else {
			req_field_error(r, "agent", "invalid", "must be me or "
			    "an id");
			ok = false;
		}
	}
	if (!ok) {
		req_fail_fields(r);
		return;
	}
	/* Telecallers read their own numbers only. */
	if (!tele_privileged(r)) {
		if (params[3] == NULL || strcmp(params[3], tele_me(r, me,
		    sizeof me)) != 0) {
			req_problem(r, "forbidden", "telecallers may read their "
			    "own report only (agent=me)");
			return;
		}
	}
	params[0] = group;
	params[4] = req_scope(r);
	if ((db = req_db(r)) == NULL)
		return;
	if ((json = db_text(db, &call_stmts[STMT_REPORT], 5, params)) ==
	    NULL) {
		req_db_problem(r, db);
		return;
	}
	req_reply_page(r, json + 1, strlen(json) - 2, NULL);
	free(json);
}

static const struct route call_routes[] = {
	{ "POST", "/v1/calls", call_start, NULL, "calls.work",
	  "start a call to a held lead", 0 },
	{ "POST", "/v1/calls/{id}/end", call_end, NULL, "calls.work",
	  "hang up: the call ends and wrap-up starts", 0 },
	{ "POST", "/v1/calls/{id}/disposition", call_dispose, NULL,
	  "calls.work", "end a call with a disposition and apply its rules",
	  0 },
	{ "POST", "/v1/calls/log", call_log, NULL, "calls.work",
	  "record a call made outside souk", 0 },
	{ "GET", "/v1/calls", call_list,
	  "agent_id,agent,lead_id,queue_id,from,to,limit,after", "calls.work",
	  "calls, newest first", 0 },
	{ "GET", "/v1/callbacks", callback_list,
	  "mine,overdue,queue_id,limit,after", "calls.work",
	  "open callbacks, soonest first", 0 },
	{ "POST", "/v1/leads/{id}/callback", callback_schedule, NULL,
	  "calls.work", "schedule a callback of a lead", 0 },
	{ "DELETE", "/v1/callbacks/{id}", callback_cancel, NULL, "calls.work",
	  "cancel a callback", 0 },
	{ "GET", "/v1/dnc", dnc_list, "q,limit,after", "dnc.read",
	  "the do-not-call list", 0 },
	{ "POST", "/v1/dnc", dnc_add, NULL, "dnc.add",
	  "put a number on the do-not-call list", 0 },
	{ "DELETE", "/v1/dnc/{phone}", dnc_delete, NULL, "dnc.manage",
	  "take a number off the do-not-call list", 0 },
	{ "GET", "/v1/me/agent", agent_me, NULL, "calls.work",
	  "the caller's agent state and today's counts", 0 },
	{ "PUT", "/v1/me/agent", agent_set, NULL, "calls.work",
	  "become available, paused (with a reason) or offline", 0 },
	{ "GET", "/v1/agents", agent_list, NULL, "tele.monitor",
	  "every agent's state and day", 0 },
	{ "GET", "/v1/wallboard", wallboard, NULL, "tele.monitor",
	  "agents, queue depths and today's totals", 0 },
	{ "GET", "/v1/reports/calls", report_calls, "from,to,group,agent",
	  "calls.work", "calls per agent, queue or day", 0 },
};

const struct api_module calls_module = {
	"calls", call_routes, API_NELEM(call_routes),
	call_stmts, API_NELEM(call_stmts),
};
