/*
 * queues: call queues (campaigns), their dispositions and agents, and
 * the next lead an agent is handed.
 *
 *	GET  /v1/queues				the caller's queues, with depths
 *	POST /v1/queues				a new queue (default dispositions)
 *	GET  /v1/queues/{id}			one, with dispositions and agents
 *	PATCH /v1/queues/{id}			edit
 *	PUT  /v1/queues/{id}/dispositions	replace the disposition set
 *	PUT  /v1/queues/{id}/agents		replace the agents
 *	POST /v1/queues/{id}/next		hold and hand over the next lead
 *	GET  /v1/queues/{id}/stats		depths, today's calls, agents
 *
 * Telecallers see the queues they are agents of; supervisors those of
 * their regions (or of no region); admins all.  A supervisor edits only
 * the queues all of whose regions are theirs (a queue of no region is
 * an admin's), and a queue's new agents work in its regions
 * (tele_queue_editable and tele_agent_fits in
 * sql/migrations/0026_telecalling_authz.sql).  The next-lead rules are
 * tele_next() in sql/migrations/0020_telecalling_work.sql.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "buf.h"
#include "events.h"
#include "log.h"
#include "req.h"
#include "tele/work.h"

#define QUEUE_JSON(q)							\
	"(jsonb_build_object('id', " q ".id, 'name', " q ".name, "	\
	"'description', " q ".description, 'status', " q ".status, "	\
	"'region_ids', to_jsonb(" q ".region_ids), 'languages', "	\
	"to_jsonb(" q ".languages), 'eligibility', " q ".eligibility, "	\
	"'priority', " q ".priority, 'call_from', to_char(" q		\
	".call_from, 'HH24:MI'), 'call_until', to_char(" q ".call_until, " \
	"'HH24:MI'), 'call_days', to_jsonb(" q ".call_days), "		\
	"'max_attempts', " q ".max_attempts, 'max_daily_attempts', " q	\
	".max_daily_attempts, 'hold_seconds', " q ".hold_seconds, "	\
	"'assignment', " q ".assignment, 'sla_seconds', " q		\
	".sla_seconds, 'script', " q ".script, 'fields', " q ".fields, "	\
	"'created_at', tele_ts(" q ".created_at), 'updated_at', "	\
	"tele_ts(" q ".updated_at)) || tele_queue_depth(" q ".id))"

#define QUEUE_FULL(q)							\
	"(" QUEUE_JSON(q) " || jsonb_build_object('dispositions', "	\
	"tele_dispositions_json(" q ".id), 'agents', coalesce((SELECT "	\
	"jsonb_agg(jsonb_build_object('user_id', u.id, 'name', u.name, "	\
	"'state', coalesce(s.state, 'offline')) ORDER BY u.name, u.id) "	\
	"FROM queue_agents a JOIN users u ON u.id = a.user_id LEFT JOIN " \
	"agent_states s ON s.user_id = u.id WHERE a.queue_id = " q	\
	".id), '[]')))::text"

/*
 * Whether the caller sees queue q: $V1 'all' (admins), 'regions'
 * (supervisors: queues of no region, or overlapping theirs, $V2), or
 * 'agent' (queues they are an agent of, $V3 their id).
 */
#define QUEUE_SEEN(q, kind, scope, me)					\
	"(" kind "::text = 'all' OR EXISTS (SELECT 1 FROM queue_agents "	\
	"qa WHERE qa.queue_id = " q ".id AND qa.user_id = " me		\
	"::bigint) OR (" kind "::text = 'regions' AND (cardinality(" q	\
	".region_ids) = 0 OR EXISTS (SELECT 1 FROM regions rg WHERE "	\
	"rg.id = ANY (" q ".region_ids) AND (rg.path && " scope		\
	"::bigint[] OR EXISTS (SELECT 1 FROM regions mine WHERE mine.id = " \
	"ANY (" scope "::bigint[]) AND mine.path && ARRAY[rg.id]))))))"

static const struct db_stmt queue_stmts[] = {
	/* $1 status, $2 kind, $3 scope, $4 me, $5 after, $6 limit */
	{ "queue_list",
	  "SELECT " QUEUE_JSON("q") "::text, q.id FROM queues q"
	  " WHERE ($1::text IS NULL OR q.status = $1)"
	  " AND " QUEUE_SEEN("q", "$2", "$3", "$4")
	  " AND q.id > $5 ORDER BY q.id LIMIT $6" },
	{ "queue_get",
	  "SELECT " QUEUE_FULL("q") " FROM queues q WHERE q.id = $1"
	  " AND " QUEUE_SEEN("q", "$2", "$3", "$4") },
	/* $1 name, $2 the body (its region_ids) */
	{ "queue_insert",
	  "WITH q AS (INSERT INTO queues (name, region_ids) VALUES ($1,"
	  " ARRAY(SELECT jsonb_array_elements_text(coalesce($2::jsonb ->"
	  " 'region_ids', '[]'))::bigint)) RETURNING id)"
	  " SELECT 'ok', id::text, jsonb_build_array(tele_event('queues',"
	  " 'queue.created', jsonb_build_object('queue_id', id)))::text"
	  " FROM q" },
	/* $1 id, $2 the checked body; $3-$5 who may see it, $6 edit */
	{ "queue_update",
	  "WITH t AS (SELECT q.id, tele_queue_editable(q.region_ids,"
	  " $6::bigint[]) AS ok FROM queues q WHERE q.id = $1 AND "
	  QUEUE_SEEN("q", "$3", "$4", "$5") " FOR UPDATE),"
	  " u AS (UPDATE queues q SET"
	  " name = coalesce(r.name, q.name),"
	  " description = coalesce(r.description, q.description),"
	  " status = coalesce(r.status, q.status),"
	  " region_ids = coalesce(r.region_ids, q.region_ids),"
	  " languages = coalesce(r.languages, q.languages),"
	  " eligibility = coalesce(r.eligibility, q.eligibility),"
	  " priority = coalesce(r.priority, q.priority),"
	  " call_from = coalesce(r.call_from, q.call_from),"
	  " call_until = coalesce(r.call_until, q.call_until),"
	  " call_days = coalesce(r.call_days, q.call_days),"
	  " max_attempts = coalesce(r.max_attempts, q.max_attempts),"
	  " max_daily_attempts = coalesce(r.max_daily_attempts,"
	  "  q.max_daily_attempts),"
	  " hold_seconds = coalesce(r.hold_seconds, q.hold_seconds),"
	  " assignment = coalesce(r.assignment, q.assignment),"
	  " sla_seconds = coalesce(r.sla_seconds, q.sla_seconds),"
	  " script = coalesce(r.script, q.script),"
	  " fields = coalesce(r.fields, q.fields)"
	  " FROM jsonb_populate_record(NULL::queues, $2::jsonb) r, t"
	  " WHERE q.id = t.id AND t.ok RETURNING q.id)"
	  " SELECT CASE WHEN t.ok THEN 'ok' ELSE 'forbidden' END, NULL::text,"
	  " CASE WHEN t.ok THEN jsonb_build_array(tele_event('queue:' ||"
	  " t.id, 'queue.changed', jsonb_build_object('queue_id', t.id,"
	  " 'reason', 'settings')))::text END FROM t LEFT JOIN u ON true" },
	/*
	 * The first region id of $1 that is no region, or not in scope $2
	 * (NULL: all), and whether it is a region.
	 */
	{ "queue_bad_regions",
	  "SELECT x, EXISTS (SELECT 1 FROM regions WHERE id = x)"
	  " FROM unnest($1::bigint[]) x WHERE NOT region_in_scope(x,"
	  " $2::bigint[]) OR NOT EXISTS (SELECT 1 FROM regions WHERE id = x)"
	  " LIMIT 1" },
	/* $1 id, $2-$4 who, $5 edit */
	{ "queue_dispositions",
	  "WITH q AS (SELECT id, tele_queue_editable(region_ids,"
	  " $5::bigint[]) AS ok FROM queues q WHERE q.id = $1 AND "
	  QUEUE_SEEN("q", "$2", "$3", "$4") " FOR UPDATE),"
	  " d AS (DELETE FROM dispositions WHERE queue_id IN (SELECT id FROM"
	  " q WHERE ok))"
	  " SELECT CASE WHEN ok THEN 'ok' ELSE 'forbidden' END FROM q" },
	{ "queue_dispositions_insert",
	  "INSERT INTO dispositions (queue_id, code, label, hotkey,"
	  " lead_status, retry_minutes, callback, dnc, connected, converted,"
	  " position) SELECT $1, x.code, x.label, x.hotkey, x.lead_status,"
	  " x.retry_minutes, coalesce(x.callback, false), coalesce(x.dnc,"
	  " false), coalesce(x.connected, false), coalesce(x.converted,"
	  " false), coalesce(x.position, x.n::int) FROM ROWS FROM (jsonb_to_recordset("
	  "$2::jsonb) AS (code text, label text, hotkey int, lead_status text,"
	  " retry_minutes int, callback boolean, dnc boolean, connected"
	  " boolean, converted boolean, position int)) WITH ORDINALITY AS"
	  " x(code, label, hotkey, lead_status, retry_minutes, callback, dnc,"
	  " connected, converted, position, n)" },
	/*
	 * Users of $1 that may not be agents of queue $2: [index, why].  An
	 * agent it has already may stay.
	 */
	{ "queue_bad_agents",
	  "SELECT x.n - 1, CASE WHEN u.id IS NULL THEN 'is not a user'"
	  " WHEN u.status <> 'active' THEN 'is suspended'"
	  " WHEN u.role NOT IN ('telecaller', 'supervisor', 'admin')"
	  " THEN 'is not a telecaller, supervisor or admin'"
	  " ELSE 'works in none of the queue''s regions' END"
	  " FROM unnest($1::bigint[]) WITH ORDINALITY x(id, n)"
	  " LEFT JOIN users u ON u.id = x.id"
	  " WHERE u.id IS NULL OR u.status <> 'active'"
	  " OR u.role NOT IN ('telecaller', 'supervisor', 'admin')"
	  " OR (NOT tele_agent_fits(u.id, coalesce((SELECT region_ids FROM"
	  " queues WHERE id = $2), '{}')) AND NOT EXISTS (SELECT 1 FROM"
	  " queue_agents a WHERE a.queue_id = $2 AND a.user_id = u.id))"
	  " ORDER BY x.n" },
	/* $1 id, $2 users, $3-$5 who, $6 edit */
	{ "queue_agents",
	  "WITH q AS (SELECT id, tele_queue_editable(region_ids,"
	  " $6::bigint[]) AS ok FROM queues q WHERE q.id = $1 AND "
	  QUEUE_SEEN("q", "$3", "$4", "$5") " FOR UPDATE),"
	  " d AS (DELETE FROM queue_agents WHERE queue_id IN (SELECT id FROM q"
	  " WHERE ok) AND user_id <> ALL ($2::bigint[])),"
	  " i AS (INSERT INTO queue_agents (queue_id, user_id)"
	  " SELECT q.id, u FROM q, unnest($2::bigint[]) u WHERE q.ok"
	  " ON CONFLICT DO NOTHING)"
	  " SELECT CASE WHEN ok THEN 'ok' ELSE 'forbidden' END, NULL::text,"
	  " CASE WHEN ok THEN jsonb_build_array(tele_event('queue:' ||"
	  " id, 'queue.changed', jsonb_build_object('queue_id', id, 'reason',"
	  " 'agents')))::text END FROM q" },
	/* May $4 take leads from queue $1: its status, and whether an agent. */
	{ "queue_for_next",
	  "SELECT q.status, EXISTS (SELECT 1 FROM queue_agents a WHERE"
	  " a.queue_id = q.id AND a.user_id = $4) FROM queues q"
	  " WHERE q.id = $1 AND " QUEUE_SEEN("q", "$2", "$3", "$4") },
	/* $1 queue, $2 agent, $3 scope, $4 at */
	{ "queue_next",
	  "SELECT * FROM tele_api_next($1, $2, $3::bigint[], $4::timestamptz)" },
	{ "queue_stats",
	  "SELECT (tele_queue_depth(q.id) || jsonb_build_object('id', q.id,"
	  " 'name', q.name, 'today', (SELECT jsonb_build_object('calls',"
	  " count(*), 'connects', count(*) FILTER (WHERE c.connected),"
	  " 'conversions', count(*) FILTER (WHERE c.converted),"
	  " 'talk_seconds', coalesce(sum(c.talk_seconds), 0)) FROM calls c"
	  " WHERE c.queue_id = q.id AND c.started_at >="
	  " tele_day_start('Asia/Kolkata')),"
	  " 'agents', (SELECT jsonb_build_object('available', count(*)"
	  " FILTER (WHERE s.state = 'available'), 'on_call', count(*) FILTER"
	  " (WHERE s.state = 'on_call'), 'wrap_up', count(*) FILTER (WHERE"
	  " s.state = 'wrap_up'), 'paused', count(*) FILTER (WHERE s.state ="
	  " 'paused'), 'offline', count(*) FILTER (WHERE coalesce(s.state,"
	  " 'offline') = 'offline')) FROM queue_agents a LEFT JOIN"
	  " agent_states s ON s.user_id = a.user_id WHERE a.queue_id = q.id)"
	  "))::text FROM queues q WHERE q.id = $1 AND "
	  QUEUE_SEEN("q", "$2", "$3", "$4") },
};

enum {
	STMT_LIST, STMT_GET, STMT_INSERT, STMT_UPDATE, STMT_BAD_REGIONS,
	STMT_DISPOSITIONS, STMT_DISPOSITIONS_INSERT, STMT_BAD_AGENTS,
	STMT_AGENTS, STMT_FOR_NEXT, STMT_NEXT, STMT_STATS,
};

static const struct api_constraint queue_refusals[] = {
	{ "queues_name_key", "name", "is taken by another queue" },
	{ "queues_check", "call_until", "must be after call_from" },
	{ "dispositions_queue_id_hotkey_key", "dispositions",
	  "two dispositions have the same hotkey" },
	{ "dispositions_pkey", "dispositions",
	  "two dispositions have the same code" },
};

/* Who the caller is, for QUEUE_SEEN. */
struct queue_who {
	const char	*kind;
	const char	*scope;
	char		 me[24];
};

static void
queue_who(struct req *r, struct queue_who *w)
{
	const struct principal	*p = req_principal(r);

	tele_me(r, w->me, sizeof w->me);
	w->scope = req_scope(r);
	if (p->role == ROLE_ADMIN)
		w->kind = "all";
	else if (p->role == ROLE_SUPERVISOR)
		w->kind = w->scope != NULL ? "regions" : "all";
	else
		w->kind = "agent";
	if (w->scope == NULL)
		w->scope = "{}";
}

static void
queue_list(struct req *r)
{
	const char		*status = req_query(r, "status"), *params[6];
	struct queue_who	 w;
	struct req_page_id	 pg;

	if (!req_page_id(r, false, &pg))
		goto fail;
	if (status != NULL && strcmp(status, "active") != 0 &&
	    strcmp(status, "paused") != 0 && strcmp(status, "archived") != 0)
		req_field_error(r, "status", "invalid", "must be active, paused "
		    "or archived");
	if (req_has_field_errors(r))
		goto fail;
	queue_who(r, &w);
	params[0] = status;
	params[1] = w.kind;
	params[2] = w.scope;
	params[3] = w.me;
	params[4] = pg.after;
	params[5] = pg.limit_plus;
	req_reply_list(r, &queue_stmts[STMT_LIST], 6, params, pg.limit);
	return;
fail:
	req_fail_fields(r);
}

static void
queue_reply(struct req *r, const char *id, int status)
{
	struct queue_who	 w;
	const char		*params[4];
	struct db		*db;
	char			*json;

	queue_who(r, &w);
	params[0] = id;
	params[1] = w.kind;
	params[2] = w.scope;
	params[3] = w.me;
	if (status == 200) {
		req_reply_row_deferred(r, &queue_stmts[STMT_GET], 4, params, "queue");
		return;
	}
	if ((db = req_db(r)) == NULL)
		return;
	if ((json = db_text(db, &queue_stmts[STMT_GET], 4, params)) == NULL) {
		req_db_problem(r, db);
		return;
	}
	req_reply_json_text(r, status, json, strlen(json));
	free(json);
}

static void
queue_get(struct req *r)
{
	queue_reply(r, req_param(r, "id"), 200);
}

#define ELIGIBILITY_FIELDS_END { NULL, 0, 0, 0, 0, 0, 0, 0, NULL }
static const struct jsonv_field eligibility_fields[] = {
	{ "sources", JV_ARRAY, 0, 0, 20, JV_STRING, 1, 40, NULL },
	{ "tags", JV_ARRAY, 0, 0, 20, JV_STRING, 1, 60, NULL },
	{ "min_score", JV_INT, 0, 0, 100, 0, 0, 0, NULL },
	ELIGIBILITY_FIELDS_END,
};

#define QUEUE_FIELDS(name_flags)					\
	{ "name", JV_STRING, name_flags, 1, 100, 0, 0, 0, NULL },	\
	{ "description", JV_STRING, 0, 0, 2000, 0, 0, 0, NULL },	\
	{ "status", JV_STRING, 0, 1, 20, 0, 0, 0, NULL },		\
	{ "region_ids", JV_ARRAY, 0, 0, 100, JV_INT, 1, INT64_MAX, NULL }, \
	{ "languages", JV_ARRAY, 0, 0, 20, JV_STRING, 2, 3, NULL },	\
	{ "eligibility", JV_OBJECT, 0, 0, 0, 0, 0, 0, eligibility_fields }, \
	{ "priority", JV_INT, 0, -1000, 1000, 0, 0, 0, NULL },		\
	{ "call_from", JV_STRING, 0, 5, 8, 0, 0, 0, NULL },		\
	{ "call_until", JV_STRING, 0, 5, 8, 0, 0, 0, NULL },		\
	{ "call_days", JV_ARRAY, 0, 1, 7, JV_INT, 1, 7, NULL },		\
	{ "max_attempts", JV_INT, 0, 1, 100, 0, 0, 0, NULL },		\
	{ "max_daily_attempts", JV_INT, 0, 1, 50, 0, 0, 0, NULL },	\
	{ "hold_seconds", JV_INT, 0, 60, 14400, 0, 0, 0, NULL },	\
	{ "assignment", JV_STRING, 0, 1, 20, 0, 0, 0, NULL },		\
	{ "sla_seconds", JV_INT, 0, 60, 2592000, 0, 0, 0, NULL },	\
	{ "script", JV_STRING, 0, 0, 20000, 0, 0, 0, NULL },		\
	{ "fields", JV_OBJECT, 0, 0, 0, 0, 0, 0, NULL },		\
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL }

static const struct jsonv_field queue_create_fields[] = {
	QUEUE_FIELDS(JV_REQUIRED),
};
static const struct jsonv_field queue_update_fields[] = {
	QUEUE_FIELDS(0),
};

/* "HH:MM" or "HH:MM:SS", 00:00 to 23:59:59. */
static bool
queue_time_ok(const char *s)
{
	size_t	n = strlen(s), i;

	if (n != 5 && n != 8)
		return false;
	for (i = 0; i < n; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return false;
		} else if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return (s[0] < '2' || (s[0] == '2' && s[1] < '4')) && s[3] < '6' &&
	    (n == 5 || s[6] < '6');
}

static const char *const field_types[] = {
	"text", "number", "boolean", "enum", "date", NULL,
};

/* Checks the body's values beyond their types; records field errors. */
static void
queue_check(struct req *r, json_t *body)
{
	const char	*s, *key, *t;
	json_t		*v, *f;
	size_t		 i, j;
	bool		 known;
	char		*field;

	api_check_line(r, "name", json_string_value(json_object_get(body,
	    "name")));
	api_check_text(r, "description", json_string_value(json_object_get(
	    body, "description")));
	api_check_text(r, "script", json_string_value(json_object_get(body,
	    "script")));
	if ((s = json_string_value(json_object_get(body, "status"))) != NULL &&
	    strcmp(s, "active") != 0 && strcmp(s, "paused") != 0 &&
	    strcmp(s, "archived") != 0)
		req_field_error(r, "status", "invalid", "must be active, paused "
		    "or archived");
	if ((s = json_string_value(json_object_get(body, "assignment"))) !=
	    NULL && strcmp(s, "round_robin") != 0 && strcmp(s,
	    "least_loaded") != 0 && strcmp(s, "none") != 0)
		req_field_error(r, "assignment", "invalid", "must be "
		    "round_robin, least_loaded or none");
	if ((s = json_string_value(json_object_get(body, "call_from"))) !=
	    NULL && !queue_time_ok(s))
		req_field_error(r, "call_from", "invalid", "must be a time of "
		    "day such as 09:30");
	if ((s = json_string_value(json_object_get(body, "call_until"))) !=
	    NULL && !queue_time_ok(s))
		req_field_error(r, "call_until", "invalid", "must be a time of "
		    "day such as 21:00");
	json_array_foreach(json_object_get(body, "languages"), i, v) {
		s = json_string_value(v);
		if (strspn(s, "abcdefghijklmnopqrstuvwxyz") != strlen(s)) {
			field = xasprintf("languages[%zu]", i);
			req_field_error(r, field, "invalid", "must be a language "
			    "code such as hi");
			free(field);
		}
	}
	json_object_foreach(json_object_get(body, "fields"), key, f) {
		field = xasprintf("fields.%s", key);
		t = json_string_value(json_object_get(f, "type"));
		known = false;
		for (j = 0; t != NULL && field_types[j] != NULL; j++)
			known = known || strcmp(t, field_types[j]) == 0;
		if (strlen(key) == 0 || strlen(key) > 40 || strspn(key,
		    "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(key))
			req_field_error(r, field, "invalid", "a field's name is "
			    "1 to 40 lower-case letters, digits or _");
		else if (!json_is_object(f) || !known)
			req_field_error(r, field, "invalid", "must be {\"type\": "
			    "text|number|boolean|enum|date, \"required\": bool, "
			    "\"values\": [...]}");
		free(field);
	}
}

/*
 * Region ids of the body that are no region, or not the caller's (a
 * supervisor's queue takes leads of their regions only), or none from a
 * supervisor (a queue of no region is an admin's): a field error.
 */
static bool
queue_regions_ok(struct req *r, json_t *body, bool creating)
{
	json_t		*ids = json_object_get(body, "region_ids"), *v;
	struct buf	 b;
	size_t		 i;
	char		*lit;
	const char	*params[2];
	PGresult	*res;
	bool		 ok;

	if ((ids == NULL && !creating) || (ids != NULL &&
	    json_array_size(ids) > 0))
		;
	else if (req_scope(r) != NULL) {
		req_field_error(r, "region_ids", "required", "name one or more "
		    "of your regions: a queue of no region is an admin's");
		req_fail_fields(r);
		return false;
	}
	if (ids == NULL || json_array_size(ids) == 0)
		return true;
	buf_init(&b, 0);
	json_array_foreach(ids, i, v)
		if (!buf_printf(&b, "%s%lld", i == 0 ? "{" : ",",
		    (long long)json_integer_value(v)))
			fatalx("queue_regions_ok");
	if (!buf_adds(&b, "}"))
		fatalx("queue_regions_ok");
	lit = buf_take(&b, NULL);
	params[0] = lit;
	params[1] = req_scope(r);
	res = req_exec(r, &queue_stmts[STMT_BAD_REGIONS], 2, params);
	free(lit);
	if (res == NULL)
		return false;
	if ((ok = PQntuples(res) == 0) == false) {
		if (PQgetvalue(res, 0, 1)[0] == 't')
			req_field_error(r, "region_ids", "forbidden", "%s is "
			    "not a region of yours", PQgetvalue(res, 0, 0));
		else
			req_field_error(r, "region_ids", "unknown", "%s is not "
			    "a region", PQgetvalue(res, 0, 0));
		req_fail_fields(r);
	}
	PQclear(res);
	return ok;
}

static bool
queue_write(struct req *r, json_t *body, const char *id)
{
	struct queue_who	 w;
	struct tele_result	 res;
	const char		*params[6];
	char			*text;
	bool			 ok;

	queue_who(r, &w);
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("queue_write: json_dumps");
	params[0] = id;
	params[1] = text;
	params[2] = w.kind;
	params[3] = w.scope;
	params[4] = w.me;
	params[5] = req_scope(r);
	ok = tele_run(r, &queue_stmts[STMT_UPDATE], 6, params, queue_refusals,
	    API_NELEM(queue_refusals), &res);
	free(text);
	if (!ok)
		return false;
	if (strcmp(res.outcome, "forbidden") == 0) {
		req_problem(r, "forbidden", "queue %s takes leads beyond your "
		    "regions: an admin edits it", id);
		ok = false;
	} else if (strcmp(res.outcome, "ok") != 0) {
		req_problem(r, "not-found", "there is no queue %s", id);
		ok = false;
	}
	tele_result_free(&res);
	return ok;
}

/*
 * A new queue: inserted with its name (and so its default dispositions),
 * then given the rest of the body.  Two transactions: should the second
 * fail, the queue is deleted again.
 */
static void
queue_create(struct req *r)
{
	json_t			*body;
	struct tele_result	 res = { NULL, NULL };
	const char		*params[2];
	char			*id = NULL, *text;
	struct db		*db;
	PGresult		*del;
	bool			 ok;

	if ((body = req_body_json(r, queue_create_fields)) == NULL)
		return;
	queue_check(r, body);
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if (!queue_regions_ok(r, body, true))
		goto out;
	params[0] = json_string_value(json_object_get(body, "name"));
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("queue_create: json_dumps");
	params[1] = text;
	ok = tele_run(r, &queue_stmts[STMT_INSERT], 2, params, queue_refusals,
	    API_NELEM(queue_refusals), &res);
	free(text);
	if (!ok)
		goto out;
	id = res.body;
	res.body = NULL;
	if (!queue_write(r, body, id)) {
		if ((db = req_db(r)) != NULL && (del = db_query(db,
		    "DELETE FROM queues WHERE id = $1", 1,
		    (const char *const *)&id)) != NULL)
			PQclear(del);
		goto out;
	}
	queue_reply(r, id, 201);
out:
	free(id);
	tele_result_free(&res);
	json_decref(body);
}

static void
queue_update(struct req *r)
{
	json_t	*body;

	if ((body = req_body_json(r, queue_update_fields)) == NULL)
		return;
	queue_check(r, body);
	if (req_has_field_errors(r))
		req_fail_fields(r);
	else if (queue_regions_ok(r, body, false) && queue_write(r, body,
	    req_param(r, "id")))
		queue_reply(r, req_param(r, "id"), 200);
	json_decref(body);
}

/* --- dispositions ---------------------------------------------------- */

static const struct jsonv_field disposition_fields[] = {
	{ "code", JV_STRING, JV_REQUIRED, 1, 32, 0, 0, 0, NULL },
	{ "label", JV_STRING, JV_REQUIRED, 1, 60, 0, 0, 0, NULL },
	{ "hotkey", JV_INT, JV_NULLABLE, 1, 9, 0, 0, 0, NULL },
	{ "lead_status", JV_STRING, JV_REQUIRED, 1, 20, 0, 0, 0, NULL },
	{ "retry_minutes", JV_INT, JV_NULLABLE, 1, 525600, 0, 0, 0, NULL },
	{ "callback", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "dnc", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "connected", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "converted", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "position", JV_INT, 0, 0, 1000, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct jsonv_field dispositions_fields[] = {
	{ "dispositions", JV_ARRAY, JV_REQUIRED, 1, 50, JV_OBJECT, 0, 0,
	  disposition_fields },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const char *const lead_statuses[] = {
	"contacted", "interested", "callback", "converted", "not_interested",
	"unreachable", "dnc", "invalid", NULL,
};

static void
dispositions_check(struct req *r, json_t *list)
{
	json_t		*d, *o;
	size_t		 i, j;
	const char	*code, *st;
	char		*f;
	bool		 seen[10] = { false }, known;
	json_int_t	 key;

	json_array_foreach(list, i, d) {
		code = json_string_value(json_object_get(d, "code"));
		st = json_string_value(json_object_get(d, "lead_status"));
		if (code[0] < 'a' || code[0] > 'z' || strspn(code,
		    "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(code)) {
			f = xasprintf("dispositions[%zu].code", i);
			req_field_error(r, f, "invalid", "must be a lower-case "
			    "letter then letters, digits or _ (no_answer)");
			free(f);
		}
		json_array_foreach(list, j, o) {
			if (j < i && strcmp(code, json_string_value(
			    json_object_get(o, "code"))) == 0) {
				f = xasprintf("dispositions[%zu].code", i);
				req_field_error(r, f, "duplicate", "is given "
				    "twice");
				free(f);
				break;
			}
		}
		f = xasprintf("dispositions[%zu].label", i);
		api_check_line(r, f, json_string_value(json_object_get(d,
		    "label")));
		free(f);
		if ((o = json_object_get(d, "hotkey")) != NULL &&
		    json_is_integer(o)) {
			key = json_integer_value(o);
			if (seen[key]) {
				f = xasprintf("dispositions[%zu].hotkey", i);
				req_field_error(r, f, "duplicate", "hotkey %lld "
				    "is taken by another disposition",
				    (long long)key);
				free(f);
			}
			seen[key] = true;
		}
		known = false;
		for (j = 0; lead_statuses[j] != NULL; j++)
			known = known || strcmp(st, lead_statuses[j]) == 0;
		f = xasprintf("dispositions[%zu].lead_status", i);
		if (!known)
			req_field_error(r, f, "invalid", "must be a lead status "
			    "other than new (contacted, interested, callback, "
			    "converted, not_interested, unreachable, dnc, "
			    "invalid)");
		else if (json_is_true(json_object_get(d, "dnc")) &&
		    strcmp(st, "dnc") != 0)
			req_field_error(r, f, "invalid", "must be dnc when dnc "
			    "is true");
		else if (json_is_true(json_object_get(d, "callback")) &&
		    strcmp(st, "callback") != 0)
			req_field_error(r, f, "invalid", "must be callback when "
			    "callback is true");
		else if (json_is_true(json_object_get(d, "converted")) &&
		    strcmp(st, "converted") != 0)
			req_field_error(r, f, "invalid", "must be converted "
			    "when converted is true");
		free(f);
	}
}

struct disp_tx {
	const char	*params[5];
	char		*list;
	bool		 missing;
	bool		 forbidden;
};

static bool
disp_tx_run(struct db *db, void *arg)
{
	struct disp_tx	*t = arg;
	PGresult	*res;
	const char	*ins[2] = { t->params[0], t->list };
	char		*topic, *data;
	bool		 ok;

	t->missing = t->forbidden = false;
	if ((res = db_exec(db, &queue_stmts[STMT_DISPOSITIONS], 5,
	    t->params)) == NULL)
		return false;
	if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "ok") != 0) {
		t->missing = PQntuples(res) == 0;
		t->forbidden = !t->missing;
		PQclear(res);
		return false;
	}
	PQclear(res);
	if ((res = db_exec(db, &queue_stmts[STMT_DISPOSITIONS_INSERT], 2,
	    ins)) == NULL)
		return false;
	PQclear(res);
	topic = xasprintf("queue:%s", t->params[0]);
	data = xasprintf("{\"queue_id\": %s, \"reason\": \"dispositions\"}",
	    t->params[0]);
	ok = events_publish(db, topic, "queue.changed", data);
	free(topic);
	free(data);
	return ok;
}

static void
queue_set_dispositions(struct req *r)
{
	struct disp_tx		 t;
	struct queue_who	 w;
	struct db		*db;
	json_t			*body;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, dispositions_fields)) == NULL)
		return;
	dispositions_check(r, json_object_get(body, "dispositions"));
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	queue_who(r, &w);
	if ((t.list = json_dumps(json_object_get(body, "dispositions"),
	    JSON_COMPACT)) == NULL)
		fatalx("queue_set_dispositions: json_dumps");
	t.params[0] = req_param(r, "id");
	t.params[1] = w.kind;
	t.params[2] = w.scope;
	t.params[3] = w.me;
	t.params[4] = req_scope(r);
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, disp_tx_run, &t)) {
		if (t.forbidden)
			req_problem(r, "forbidden", "queue %s takes leads beyond "
			    "your regions: an admin edits it", t.params[0]);
		else if (t.missing)
			req_problem(r, "not-found", "there is no queue %s",
			    t.params[0]);
		else
			api_db_problem(r, db, queue_refusals,
			    API_NELEM(queue_refusals));
		goto out;
	}
	queue_reply(r, t.params[0], 200);
out:
	free(t.list);
	json_decref(body);
}

/* --- agents ---------------------------------------------------------- */

static const struct jsonv_field agents_fields[] = {
	{ "user_ids", JV_ARRAY, JV_REQUIRED, 0, 1000, JV_INT, 1, INT64_MAX,
	  NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
queue_set_agents(struct req *r)
{
	struct queue_who	 w;
	struct tele_result	 res = { NULL, NULL };
	json_t			*body, *v;
	struct buf		 b;
	char			*lit = NULL, *f;
	const char		*params[6];
	PGresult		*bad;
	size_t			 i;
	int			 k;

	if ((body = req_body_json(r, agents_fields)) == NULL)
		return;
	buf_init(&b, 0);
	if (!buf_adds(&b, "{"))
		fatalx("queue_set_agents");
	json_array_foreach(json_object_get(body, "user_ids"), i, v)
		if (!buf_printf(&b, "%s%lld", i == 0 ? "" : ",",
		    (long long)json_integer_value(v)))
			fatalx("queue_set_agents");
	if (!buf_adds(&b, "}"))
		fatalx("queue_set_agents");
	lit = buf_take(&b, NULL);
	params[0] = lit;
	params[1] = req_param(r, "id");
	if ((bad = req_exec(r, &queue_stmts[STMT_BAD_AGENTS], 2, params)) ==
	    NULL)
		goto out;
	for (k = 0; k < PQntuples(bad); k++) {
		f = xasprintf("user_ids[%s]", PQgetvalue(bad, k, 0));
		req_field_error(r, f, "invalid", "%s", PQgetvalue(bad, k, 1));
		free(f);
	}
	PQclear(bad);
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	queue_who(r, &w);
	params[0] = req_param(r, "id");
	params[1] = lit;
	params[2] = w.kind;
	params[3] = w.scope;
	params[4] = w.me;
	params[5] = req_scope(r);
	if (!tele_run(r, &queue_stmts[STMT_AGENTS], 6, params, NULL, 0, &res))
		goto out;
	if (strcmp(res.outcome, "forbidden") == 0)
		req_problem(r, "forbidden", "queue %s takes leads beyond your "
		    "regions: an admin edits it", params[0]);
	else if (strcmp(res.outcome, "ok") != 0)
		req_problem(r, "not-found", "there is no queue %s", params[0]);
	else
		queue_reply(r, params[0], 200);
out:
	tele_result_free(&res);
	free(lit);
	json_decref(body);
}

/* --- the next lead --------------------------------------------------- */

static void
queue_next(struct req *r)
{
	struct queue_who	 w;
	struct tele_result	 res = { NULL, NULL };
	const char		*params[4], *at;
	PGresult		*q;
	bool			 agent;
	char			 status[16];

	if (!tele_clock(r, &at)) {
		req_fail_fields(r);
		return;
	}
	queue_who(r, &w);
	params[0] = req_param(r, "id");
	params[1] = w.kind;
	params[2] = w.scope;
	params[3] = w.me;
	if ((q = req_exec(r, &queue_stmts[STMT_FOR_NEXT], 4, params)) == NULL)
		return;
	if (PQntuples(q) == 0) {
		PQclear(q);
		req_problem(r, "not-found", "there is no queue %s", params[0]);
		return;
	}
	snprintf(status, sizeof status, "%s", PQgetvalue(q, 0, 0));
	agent = PQgetvalue(q, 0, 1)[0] == 't';
	PQclear(q);
	if (!agent && !tele_privileged(r)) {
		req_problem(r, "forbidden", "you are not an agent of queue %s",
		    params[0]);
		return;
	}
	if (strcmp(status, "active") != 0) {
		req_problem(r, "unprocessable", "queue %s is %s", params[0],
		    status);
		return;
	}
	params[1] = w.me;
	params[2] = req_scope(r);
	params[3] = at;
	if (!tele_run(r, &queue_stmts[STMT_NEXT], 4, params, NULL, 0, &res))
		return;
	if (strcmp(res.outcome, "ok") == 0)
		req_reply_json_text(r, 200, res.body, strlen(res.body));
	else
		req_reply(r, 204, NULL, xstrdup(""), 0);
	tele_result_free(&res);
}

static void
queue_stats(struct req *r)
{
	struct queue_who	 w;
	const char		*params[4];

	queue_who(r, &w);
	params[0] = req_param(r, "id");
	params[1] = w.kind;
	params[2] = w.scope;
	params[3] = w.me;
	req_reply_row_deferred(r, &queue_stmts[STMT_STATS], 4, params, "queue");
}

static const struct route queue_routes[] = {
	{ "GET", "/v1/queues", queue_list, "status,limit,after",
	  "queues.read", "the caller's call queues, with their depths", 0 },
	{ "POST", "/v1/queues", queue_create, NULL, "queues.manage",
	  "create a call queue", 0 },
	{ "GET", "/v1/queues/{id}", queue_get, NULL, "queues.manage",
	  "a call queue with its dispositions and agents", 0 },
	{ "PATCH", "/v1/queues/{id}", queue_update, NULL, "queues.manage",
	  "edit a call queue", 0 },
	{ "PUT", "/v1/queues/{id}/dispositions", queue_set_dispositions,
	  NULL, "queues.manage", "replace a queue's dispositions", 0 },
	{ "PUT", "/v1/queues/{id}/agents", queue_set_agents, NULL,
	  "queues.manage", "replace a queue's agents", 0 },
	{ "POST", "/v1/queues/{id}/next", queue_next, NULL, "calls.work",
	  "hold and hand over the queue's next lead", 0 },
	{ "GET", "/v1/queues/{id}/stats", queue_stats, NULL, "queues.read",
	  "a queue's depths, today's calls and its agents' states", 0 },
};

const struct api_module queues_module = {
	"queues", queue_routes, API_NELEM(queue_routes),
	queue_stmts, API_NELEM(queue_stmts),
};
