/*
 * leads: the people tele-callers call.
 *
 *	GET    /v1/leads			filter, search, sort; keyset paging
 *	POST   /v1/leads			create, or merge into the lead with
 *						the same phone or email (200 merged)
 *	GET    /v1/leads/{id}			the lead and its history
 *	PATCH  /v1/leads/{id}			edit, move, reassign, set status
 *	POST   /v1/leads/{id}/notes		a note in the history
 *	POST   /v1/leads/{id}/merge		absorb another lead, history and all
 *	POST   /v1/leads/assign			many leads to a queue and/or agent
 *
 * A lead comes in through lead_ingest (0019_leads.sql), which dedupes by
 * phone and email, routes a new lead to a queue and assigns it by the
 * queue's rule; this file checks what the client sent and publishes the
 * events.  Region-scoped staff (employees, telecallers, supervisors) see
 * and touch only leads of their regions: any other lead is a 404, as if
 * it did not exist, and a new lead that would merge into one is a 409.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "events.h"
#include "log.h"
#include "req.h"
#include "tele/lead.h"

/* The filters of the lead list, $1..$10, shared by both sort orders. */
#define LEAD_FILTERS							\
	" WHERE ($1::text IS NULL OR l.status = $1)"			\
	" AND ($2::bigint IS NULL OR l.queue_id = $2)"			\
	" AND ($3::bigint IS NULL OR l.owner_id = $3)"			\
	" AND ($4::text IS NULL OR l.source = $4)"			\
	" AND ($5::text IS NULL OR l.tags @> ARRAY[$5])"			\
	" AND ($6::bigint IS NULL OR region_in_scope(l.region_id,"	\
	"  ARRAY[$6::bigint]))"						\
	" AND (NOT $7::boolean OR (l.first_contact_at IS NULL AND"	\
	"  l.sla_due_at <= now()))"					\
	" AND ($8::text IS NULL OR l.phone LIKE $8 || '%' OR"		\
	"  l.alt_phone LIKE $8 || '%')"					\
	" AND ($9::text IS NULL OR lower(l.name) LIKE '%' || lower($9) ||" \
	"  '%' OR lower(l.email) LIKE '%' || lower($9) || '%')"		\
	" AND region_in_scope(l.region_id, $10::bigint[])"

static const struct db_stmt lead_stmts[] = {
	/* $1 id, $2 scope */
	{ "lead_get",
	  "SELECT (lead_json(l) || jsonb_build_object('history',"
	  " lead_history(l.id)))::text FROM leads l WHERE l.id = $1"
	  " AND region_in_scope(l.region_id, $2::bigint[])" },
	{ "lead_list",
	  "SELECT lead_json(l)::text, l.id FROM leads l" LEAD_FILTERS
	  " AND l.id < $11 ORDER BY l.id DESC LIMIT $12" },
	{ "lead_list_score",
	  "SELECT lead_json(l)::text, json_build_array(l.score, l.id)::text"
	  " FROM leads l" LEAD_FILTERS
	  " AND (l.score, l.id) < ($11::int, $12::bigint)"
	  " ORDER BY l.score DESC, l.id DESC LIMIT $13" },
	/* $1 the checked lead, $2 actor, $3 scope */
	{ "lead_ingest",
	  "SELECT lead_id, merged, queue_id, owner_id"
	  " FROM lead_ingest($1::jsonb, $2, $3::bigint[])" },
	{ "lead_json",
	  "SELECT lead_json(l)::text FROM leads l WHERE l.id = $1" },
	/* $1 id, $2 scope */
	{ "lead_lock",
	  "SELECT lead_json(l)::text, l.status, l.owner_id, l.queue_id"
	  " FROM leads l WHERE l.id = $1"
	  " AND region_in_scope(l.region_id, $2::bigint[]) FOR UPDATE" },
	/* $1 id, $2 the checked body; answers why custom is refused */
	{ "lead_update",
	  "UPDATE leads l SET"
	  " name = CASE WHEN b ? 'name' THEN b->>'name' ELSE name END,"
	  " alt_phone = CASE WHEN b ? 'alt_phone' THEN b->>'alt_phone'"
	  "  ELSE alt_phone END,"
	  " email = CASE WHEN b ? 'email' THEN b->>'email' ELSE email END,"
	  " language = CASE WHEN b ? 'language' THEN b->>'language'"
	  "  ELSE language END,"
	  " region_id = CASE WHEN b ? 'region_id' THEN"
	  "  (b->>'region_id')::bigint ELSE region_id END,"
	  " pincode = CASE WHEN b ? 'pincode' THEN b->>'pincode'"
	  "  ELSE pincode END,"
	  " timezone = coalesce(b->>'timezone', timezone),"
	  " interest = CASE WHEN b ? 'interest' THEN b->>'interest'"
	  "  ELSE interest END,"
	  " tags = CASE WHEN b ? 'tags' THEN ARRAY(SELECT"
	  "  jsonb_array_elements_text(b->'tags')) ELSE tags END,"
	  " score = coalesce((b->>'score')::int, score),"
	  " priority = coalesce((b->>'priority')::int, priority),"
	  " status = coalesce(b->>'status', status),"
	  " queue_id = CASE WHEN b ? 'queue_id' THEN (b->>'queue_id')::bigint"
	  "  ELSE queue_id END,"
	  " owner_id = CASE WHEN b ? 'owner_id' THEN (b->>'owner_id')::bigint"
	  "  ELSE owner_id END,"
	  " custom = coalesce(b->'custom', custom)"
	  " FROM (SELECT $2::jsonb b) x WHERE l.id = $1"
	  " RETURNING CASE WHEN b ? 'custom' OR b ? 'queue_id' THEN"
	  " lead_custom_error((SELECT q.fields FROM queues q WHERE"
	  " q.id = l.queue_id), l.custom) END" },
	/* $1 lead, $2 type, $3 from, $4 to, $5 actor, $6 data */
	{ "lead_event",
	  "INSERT INTO lead_events (lead_id, type, from_status, to_status,"
	  " actor_id, data) VALUES ($1, $2, $3, $4, $5,"
	  " coalesce($6::jsonb, '{}'))"
	  " RETURNING json_build_object('id', id, 'type', type,"
	  " 'from_status', from_status, 'to_status', to_status, 'actor_id',"
	  " actor_id, 'actor_name', (SELECT name FROM users WHERE id = $5),"
	  " 'data', data, 'created_at', rfc3339(created_at))::text" },
	/* Whether $1 may own leads: an active tele-calling staff member. */
	{ "lead_owner_ok",
	  "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND status ="
	  " 'active' AND role IN ('employee', 'telecaller', 'supervisor',"
	  " 'admin'))" },
	/* Whether region $1 exists and lies in scope $2. */
	{ "lead_region_ok",
	  "SELECT EXISTS (SELECT 1 FROM regions WHERE id = $1)"
	  " AND region_in_scope($1, $2::bigint[])" },
	/* $1 into, $2 from: the children of from move to into. */
	{ "lead_merge_move",
	  "WITH cb AS (UPDATE callbacks SET done_at = now() WHERE lead_id = $2"
	  "  AND done_at IS NULL AND EXISTS (SELECT 1 FROM callbacks o"
	  "  WHERE o.lead_id = $1 AND o.done_at IS NULL) RETURNING id),"
	  " c AS (UPDATE calls SET lead_id = $1 WHERE lead_id = $2"
	  "  RETURNING id),"
	  " q AS (UPDATE queries SET lead_id = $1 WHERE lead_id = $2"
	  "  RETURNING id),"
	  " e AS (UPDATE lead_events SET lead_id = $1 WHERE lead_id = $2"
	  "  RETURNING id),"
	  " lc AS (UPDATE lead_captures SET lead_id = $1 WHERE lead_id = $2"
	  "  RETURNING id)"
	  " SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM q),"
	  " (SELECT count(*) FROM e)" },
	{ "lead_merge_callbacks",
	  "UPDATE callbacks SET lead_id = $1 WHERE lead_id = $2" },
	{ "lead_delete",
	  "DELETE FROM leads WHERE id = $1" },
	/* $1 into, $2 the absorbed lead's JSON */
	{ "lead_merge_fill",
	  "UPDATE leads t SET name = coalesce(t.name, f->>'name'),"
	  " alt_phone = coalesce(t.alt_phone, nullif(f->>'phone', t.phone)),"
	  " email = coalesce(t.email, f->>'email'),"
	  " language = coalesce(t.language, f->>'language'),"
	  " region_id = coalesce(t.region_id, (f->>'region_id')::bigint),"
	  " pincode = coalesce(t.pincode, f->>'pincode'),"
	  " interest = coalesce(t.interest, f->>'interest'),"
	  " tags = ARRAY(SELECT DISTINCT x FROM unnest(t.tags || ARRAY(SELECT"
	  "  jsonb_array_elements_text(f->'tags'))) x ORDER BY x LIMIT 20),"
	  " score = greatest(t.score, (f->>'score')::int),"
	  " priority = greatest(t.priority, (f->>'priority')::int),"
	  " custom = (f->'custom') || t.custom,"
	  " user_id = coalesce(t.user_id, (f->>'user_id')::bigint),"
	  " queue_id = coalesce(t.queue_id, (f->>'queue_id')::bigint),"
	  " owner_id = coalesce(t.owner_id, (f->>'owner_id')::bigint),"
	  " attempts = t.attempts + (f->>'attempts')::int,"
	  " first_contact_at = least(t.first_contact_at,"
	  "  (f->>'first_contact_at')::timestamptz),"
	  " last_call_at = greatest(t.last_call_at,"
	  "  (f->>'last_call_at')::timestamptz),"
	  " sla_due_at = least(t.sla_due_at, (f->>'sla_due_at')::timestamptz)"
	  " FROM (SELECT $2::jsonb f) x WHERE t.id = $1" },
	/*
	 * $1 ids, $2 queue, $3 owner, $4 scope, $5 actor: answers the ids
	 * moved.
	 */
	{ "lead_assign",
	  "WITH u AS (UPDATE leads l SET queue_id = coalesce($2, l.queue_id),"
	  "  owner_id = coalesce($3, l.owner_id)"
	  "  FROM (SELECT id, queue_id AS old_queue, owner_id AS old_owner"
	  "   FROM leads WHERE id = ANY ($1::bigint[]) FOR UPDATE) o"
	  "  WHERE l.id = o.id AND region_in_scope(l.region_id, $4::bigint[])"
	  "  RETURNING l.id, o.old_queue, o.old_owner, l.queue_id, l.owner_id),"
	  " e AS (INSERT INTO lead_events (lead_id, type, actor_id, data)"
	  "  SELECT id, 'assigned', $5, jsonb_build_object('from_queue_id',"
	  "  old_queue, 'queue_id', queue_id, 'from_owner_id', old_owner,"
	  "  'owner_id', owner_id, 'bulk', true) FROM u)"
	  " SELECT coalesce(json_agg(id ORDER BY id), '[]')::text FROM u" },
	{ "lead_queue_exists",
	  "SELECT EXISTS (SELECT 1 FROM queues WHERE id = $1)" },
};

enum {
	STMT_GET, STMT_LIST, STMT_LIST_SCORE, STMT_INGEST, STMT_JSON,
	STMT_LOCK, STMT_UPDATE, STMT_EVENT, STMT_OWNER_OK, STMT_REGION_OK,
	STMT_MERGE_MOVE, STMT_MERGE_CALLBACKS, STMT_DELETE, STMT_MERGE_FILL,
	STMT_ASSIGN, STMT_QUEUE_EXISTS,
};

static const struct api_constraint lead_refusals[] = {
	{ "leads_region_id_fkey", "region_id", "is not a region" },
	{ "leads_queue_id_fkey", "queue_id", "is not a queue" },
	{ "leads_owner_id_fkey", "owner_id", "is not a user" },
	{ "lead_owner", "owner_id", "must be an active member of staff" },
	{ "lead_owner_region", "owner_id", "works in none of the lead's "
	  "regions, so could not see it" },
	{ "leads_phone", NULL, "another lead has this phone number: merge "
	  "them instead" },
	{ "leads_email", NULL, "another lead has this email address: merge "
	  "them instead" },
	{ "lead_scope", NULL, "this number or email is a lead outside your "
	  "regions" },
	{ "lead_region_scope", "region_id", "is not a region of yours" },
	{ "lead_timezone", "timezone", "must be an IANA time zone such as "
	  "Asia/Kolkata" },
	{ "lead_custom", "custom", "does not follow the queue's fields" },
	{ "leads_alt_phone_check", "alt_phone", "is not a phone number" },
	{ "leads_email_check", "email", "is not an email address" },
};

/* The caller's user id as text ("" when none). */
static void
lead_actor(struct req *r, char *buf, size_t len)
{
	const struct principal	*p = req_principal(r);

	snprintf(buf, len, "%lld", p != NULL ? (long long)p->user_id : 0LL);
}

/* True if the one-parameter statement answers true ("t"). */
static bool
lead_ask(struct req *r, int stmt, int n, const char *const *params,
    bool *yes)
{
	PGresult	*res;

	if ((res = req_exec(r, &lead_stmts[stmt], n, params)) == NULL)
		return false;
	*yes = PQntuples(res) > 0 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return true;
}

/* --- the list ------------------------------------------------------------ */

/*
 * ?q=: a phone prefix when it looks like a number (digits, +, spaces,
 * dashes), else a substring of the name or email.  *phone gets the prefix
 * in E.164's shape ("+9198765"), or stays NULL for a text search.
 */
static bool
lead_search(struct req *r, const char *q, char *phone, size_t len,
    bool *is_phone)
{
	char	digits[24];
	size_t	i, n = 0;

	*is_phone = false;
	if (strlen(q) == 0 || strlen(q) > 100 || !api_check_line(r, "q", q))
		return false;
	if (strspn(q, "+0123456789 -()") == strlen(q) && strpbrk(q,
	    "0123456789") != NULL) {
		for (i = 0; q[i] != '\0' && n < sizeof digits - 1; i++)
			if (q[i] >= '0' && q[i] <= '9')
				digits[n++] = q[i];
		digits[n] = '\0';
		*is_phone = true;
		if (tele_phone_normalise(q, phone, len))
			return true;
		if (q[0] == '+')
			snprintf(phone, len, "+%s", digits);
		else if (digits[0] == '0')
			snprintf(phone, len, "+91%s", digits + 1);
		else
			snprintf(phone, len, "+91%s", digits);
		return true;
	}
	return strpbrk(q, "%_\\") == NULL;
}

static void
lead_list(struct req *r)
{
	const struct principal	*p = req_principal(r);
	const char	*status = req_query(r, "status"), *queue =
			    req_query(r, "queue_id"), *owner = req_query(r,
			    "owner_id"), *owner_me = req_query(r, "owner"),
			*source = req_query(r, "source"), *tag = req_query(r,
			    "tag"), *region = req_query(r, "region_id"),
			*sla = req_query(r, "sla"), *q = req_query(r, "q"),
			*sort = req_query(r, "sort"), *params[13];
	char		 me[24], phone[TELE_PHONE_MAX + 8], after_s[24],
			 after_id[24], limit_s[24];
	struct req_page_id	 pg;
	json_t		*after = NULL;
	PGresult	*res = NULL;
	int64_t		 limit;
	bool		 by_score = false, is_phone = false;

	if (sort != NULL && strcmp(sort, "created") != 0 &&
	    !(by_score = strcmp(sort, "score") == 0))
		req_field_error(r, "sort", "invalid", "must be created or "
		    "score");
	if (by_score) {
		if (!req_page(r, 2, &limit, &after))
			goto fail;
		if (after != NULL && (!json_is_integer(json_array_get(after,
		    0)) || !json_is_integer(json_array_get(after, 1)))) {
			req_field_error(r, "after", "cursor", "is not a cursor "
			    "this list gave");
			goto fail;
		}
		snprintf(after_s, sizeof after_s, "%lld", after != NULL ?
		    (long long)json_integer_value(json_array_get(after, 0)) :
		    1000LL);
		snprintf(after_id, sizeof after_id, "%lld", after != NULL ?
		    (long long)json_integer_value(json_array_get(after, 1)) :
		    (long long)INT64_MAX);
		snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit +
		    1);
	} else if (!req_page_id(r, true, &pg))
		goto fail;
	if (status != NULL && !tele_lead_status_ok(status))
		req_field_error(r, "status", "invalid", "is not a lead status");
	if (source != NULL && !tele_lead_source_ok(source))
		req_field_error(r, "source", "invalid", "is not a lead source");
	if (queue != NULL && !router_valid_id(queue, strlen(queue)))
		req_field_error(r, "queue_id", "invalid", "must be a queue id");
	if (owner != NULL && !router_valid_id(owner, strlen(owner)))
		req_field_error(r, "owner_id", "invalid", "must be a user id");
	if (owner_me != NULL && strcmp(owner_me, "me") != 0)
		req_field_error(r, "owner", "invalid", "must be me");
	if (region != NULL && !router_valid_id(region, strlen(region)))
		req_field_error(r, "region_id", "invalid", "must be a region "
		    "id");
	if (tag != NULL && (strlen(tag) == 0 || strlen(tag) > 50 ||
	    !api_check_line(r, "tag", tag)))
		req_field_error(r, "tag", "invalid", "must be 1 to 50 "
		    "characters");
	if (sla != NULL && strcmp(sla, "breached") != 0)
		req_field_error(r, "sla", "invalid", "must be breached");
	if (q != NULL && !lead_search(r, q, phone, sizeof phone, &is_phone))
		req_field_error(r, "q", "invalid", "must be 1 to 100 "
		    "characters without %%, _ or \\");
	if (req_has_field_errors(r))
		goto fail;
	if (owner_me != NULL) {
		snprintf(me, sizeof me, "%lld", (long long)p->user_id);
		owner = me;
	}
	params[0] = status;
	params[1] = queue;
	params[2] = owner;
	params[3] = source;
	params[4] = tag;
	params[5] = region;
	params[6] = sla != NULL ? "true" : "false";
	params[7] = q != NULL && is_phone ? phone : NULL;
	params[8] = q != NULL && !is_phone ? q : NULL;
	params[9] = req_scope(r);
	if (by_score) {
		params[10] = after_s;
		params[11] = after_id;
		params[12] = limit_s;
		res = req_exec(r, &lead_stmts[STMT_LIST_SCORE], 13, params);
	} else {
		params[10] = pg.after;
		params[11] = pg.limit_plus;
		limit = pg.limit;
		res = req_exec(r, &lead_stmts[STMT_LIST], 12, params);
	}
	if (res != NULL)
		req_reply_rows(r, res, limit);
	goto out;
fail:
	req_fail_fields(r);
out:
	json_decref(after);
	PQclear(res);
}

static void
lead_get(struct req *r)
{
	const char	*params[2];

	params[0] = req_param(r, "id");
	params[1] = req_scope(r);
	req_reply_row_deferred(r, &lead_stmts[STMT_GET], 2, params, "lead");
}

/* --- creating (or merging) ----------------------------------------------- */

/*
 * Asks stmt whether the id in field of body (if any) will do, with the
 * caller's scope as its second parameter; records a field error saying
 * why not.  False on a database failure (problem set).
 */
static bool
lead_check_ref(struct req *r, json_t *body, const char *field, int stmt,
    const char *why)
{
	const char	*params[2];
	char		 id[24];
	json_t		*v;
	bool		 yes;

	if (!json_is_integer(v = json_object_get(body, field)))
		return true;
	snprintf(id, sizeof id, "%lld", (long long)json_integer_value(v));
	params[0] = id;
	params[1] = req_scope(r);
	if (!lead_ask(r, stmt, stmt == STMT_REGION_OK ? 2 : 1, params, &yes))
		return false;
	if (!yes)
		req_field_error(r, field, "invalid", "%s", why);
	return true;
}

/*
 * Checks a lead body beyond its shape, with what needs the database:
 * region in the caller's scope, owner an active staff member, queue.
 * Region-scoped callers who name no region get their first.  Records
 * field errors; false on a database failure (problem set).
 */
static bool
lead_check_refs(struct req *r, json_t *body)
{
	const struct principal	*p = req_principal(r);

	if (p != NULL && req_scope(r) != NULL && p->nregions > 0 &&
	    json_object_get(body, "region_id") == NULL &&
	    strcmp(req_method(r), "POST") == 0)
		json_object_set_new(body, "region_id",
		    json_integer(p->regions[0]));
	return lead_check_ref(r, body, "region_id", STMT_REGION_OK,
	    "is not a region of yours") &&
	    lead_check_ref(r, body, "owner_id", STMT_OWNER_OK,
	    "must be an active member of staff") &&
	    lead_check_ref(r, body, "queue_id", STMT_QUEUE_EXISTS,
	    "is not a queue");
}

/*
 * Publishes what a lead's arrival means: lead.created on leads and its
 * queue, or lead.updated on the lead when merged; lead.assigned to its
 * owner.
 */
bool	leads_publish_ingest(struct db *db, PGresult *res);

bool
leads_publish_ingest(struct db *db, PGresult *res)
{
	const char	*id = PQgetvalue(res, 0, 0), *queue, *owner;
	char		*data, topic[40];
	bool		 merged = PQgetvalue(res, 0, 1)[0] == 't', ok;

	queue = PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2);
	owner = PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3);
	data = xasprintf("{\"id\":%s,\"queue_id\":%s,\"owner_id\":%s,"
	    "\"merged\":%s}", id, queue != NULL ? queue : "null",
	    owner != NULL ? owner : "null", merged ? "true" : "false");
	if (merged) {
		snprintf(topic, sizeof topic, "lead:%s", id);
		ok = events_publish(db, topic, "lead.updated", data);
	} else {
		ok = events_publish(db, "leads", "lead.created", data);
		if (ok && queue != NULL) {
			snprintf(topic, sizeof topic, "queue:%s", queue);
			ok = events_publish(db, topic, "lead.created", data);
		}
		if (ok && owner != NULL) {
			snprintf(topic, sizeof topic, "user:%s", owner);
			ok = events_publish(db, topic, "lead.assigned", data);
		}
	}
	free(data);
	return ok;
}

struct create_tx {
	struct req	*r;
	char		*body, actor[24];
	char		*after;
	bool		 merged;
};

static bool
create_tx_run(struct db *db, void *arg)
{
	struct create_tx	*t = arg;
	const char		*params[3];
	PGresult		*res;
	bool			 ok;

	free(t->after);
	t->after = NULL;
	params[0] = t->body;
	params[1] = t->actor;
	params[2] = req_scope(t->r);
	if ((res = db_exec(db, &lead_stmts[STMT_INGEST], 3, params)) == NULL)
		return false;
	t->merged = PQgetvalue(res, 0, 1)[0] == 't';
	ok = leads_publish_ingest(db, res);
	params[0] = PQgetvalue(res, 0, 0);
	ok = ok && (t->after = db_text(db, &lead_stmts[STMT_JSON], 1,
	    params)) != NULL;
	PQclear(res);
	return ok;
}

/* Answers the database's refusal of a lead: a field error or a 409. */
static void
lead_db_problem(struct req *r, struct db *db)
{
	if (db_status(db) == DB_CONSTRAINT && strcmp(db_constraint(db),
	    "lead_custom") == 0) {
		req_field_error(r, "custom", "invalid", "%s", db_message(db));
		req_fail_fields(r);
		return;
	}
	api_db_problem(r, db, lead_refusals, API_NELEM(lead_refusals));
}

static void
lead_create(struct req *r)
{
	struct create_tx	 t;
	struct db		*db;
	json_t			*body, *lead;
	char			*text;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, tele_lead_fields)) == NULL)
		return;
	if (json_object_get(body, "source") == NULL)
		json_object_set_new(body, "source", json_string("manual"));
	tele_lead_check(body, true, req_field_error_cb, r);
	if (!req_has_field_errors(r) && !lead_check_refs(r, body))
		goto out;
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	t.r = r;
	lead_actor(r, t.actor, sizeof t.actor);
	if ((t.body = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("lead_create: json_dumps");
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, create_tx_run, &t)) {
		lead_db_problem(r, db);
		goto out;
	}
	if (!t.merged) {
		req_reply_json_text(r, 201, t.after, strlen(t.after));
		goto out;
	}
	if ((lead = json_loads(t.after, 0, NULL)) == NULL)
		fatalx("lead_create: json_loads");
	json_object_set_new(lead, "merged", json_true());
	if ((text = json_dumps(lead, JSON_COMPACT)) == NULL)
		fatalx("lead_create: json_dumps");
	json_decref(lead);
	req_reply_json_text(r, 200, text, strlen(text));
	free(text);
out:
	free(t.body);
	free(t.after);
	json_decref(body);
}

/* --- editing ------------------------------------------------------------- */

struct update_tx {
	struct req	*r;
	const char	*id;
	char		*body, actor[24];
	json_t		*changes;
	char		*before, *after, *custom_error;
	bool		 missing;
};

/* Records a lead event of type (from/to statuses, data may be NULL). */
static bool
lead_event(struct db *db, const char *lead, const char *type,
    const char *from, const char *to, const char *actor, const char *data)
{
	const char	*params[6] = { lead, type, from, to, actor, data };
	PGresult	*res;

	if (actor != NULL && strcmp(actor, "0") == 0)
		params[4] = NULL;
	if ((res = db_exec(db, &lead_stmts[STMT_EVENT], 6, params)) == NULL)
		return false;
	PQclear(res);
	return true;
}

static bool
update_tx_run(struct db *db, void *arg)
{
	struct update_tx	*t = arg;
	const char		*params[2] = { t->id, req_scope(t->r) };
	const char		*old_status, *new_status, *old_owner;
	char			*data, topic[40], *rest;
	PGresult		*lock, *res;
	json_t			*changes, *assigned;
	bool			 ok = false;

	free(t->before);
	free(t->after);
	free(t->custom_error);
	t->before = t->after = t->custom_error = NULL;
	if ((lock = db_exec(db, &lead_stmts[STMT_LOCK], 2, params)) == NULL)
		return false;
	if ((t->missing = PQntuples(lock) == 0))
		goto out;
	t->before = xstrdup(PQgetvalue(lock, 0, 0));
	params[1] = t->body;
	if ((res = db_exec(db, &lead_stmts[STMT_UPDATE], 2, params)) == NULL)
		goto out;
	if (!PQgetisnull(res, 0, 0))
		t->custom_error = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (t->custom_error != NULL)
		goto out;
	old_status = PQgetvalue(lock, 0, 1);
	old_owner = PQgetisnull(lock, 0, 2) ? NULL : PQgetvalue(lock, 0, 2);
	new_status = json_string_value(json_object_get(t->changes, "status"));
	changes = json_deep_copy(t->changes);
	if (new_status != NULL && strcmp(new_status, old_status) != 0) {
		if (!lead_event(db, t->id, "status", old_status, new_status,
		    t->actor, NULL))
			goto out_changes;
	}
	json_object_del(changes, "status");
	if (json_object_get(changes, "owner_id") != NULL ||
	    json_object_get(changes, "queue_id") != NULL) {
		assigned = json_pack("{s:O?,s:O?,s:s?,s:s?}",
		    "owner_id", json_object_get(changes, "owner_id"),
		    "queue_id", json_object_get(changes, "queue_id"),
		    "from_owner_id", old_owner, "from_queue_id",
		    PQgetisnull(lock, 0, 3) ? NULL : PQgetvalue(lock, 0, 3));
		rest = assigned != NULL ? json_dumps(assigned, JSON_COMPACT) :
		    NULL;
		json_decref(assigned);
		ok = rest != NULL && lead_event(db, t->id, "assigned", NULL,
		    NULL, t->actor, rest);
		free(rest);
		if (!ok)
			goto out_changes;
		ok = false;
		if (json_is_integer(json_object_get(changes, "owner_id"))) {
			snprintf(topic, sizeof topic, "user:%lld", (long long)
			    json_integer_value(json_object_get(changes,
			    "owner_id")));
			data = xasprintf("{\"id\":%s}", t->id);
			ok = events_publish(db, topic, "lead.assigned", data);
			free(data);
			if (!ok)
				goto out_changes;
			ok = false;
		}
		json_object_del(changes, "owner_id");
		json_object_del(changes, "queue_id");
	}
	if (json_object_size(changes) > 0) {
		rest = json_dumps(changes, JSON_COMPACT);
		ok = rest != NULL && lead_event(db, t->id, "updated", NULL,
		    NULL, t->actor, rest);
		free(rest);
		if (!ok)
			goto out_changes;
		ok = false;
	}
	snprintf(topic, sizeof topic, "lead:%s", t->id);
	data = xasprintf("{\"id\":%s}", t->id);
	ok = events_publish(db, topic, "lead.updated", data);
	free(data);
	params[0] = t->id;
	ok = ok && (t->after = db_text(db, &lead_stmts[STMT_JSON], 1,
	    params)) != NULL;
out_changes:
	json_decref(changes);
out:
	PQclear(lock);
	return ok;
}

static void
lead_update(struct req *r)
{
	struct update_tx	 t;
	struct db		*db;
	json_t			*body;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, tele_lead_fields)) == NULL)
		return;
	if (json_object_size(body) == 0)
		req_field_error(r, "", "empty", "change at least one field");
	if (json_object_get(body, "phone") != NULL)
		req_field_error(r, "phone", "read-only", "is the lead's key: "
		    "set alt_phone, or merge leads");
	if (json_object_get(body, "source") != NULL)
		req_field_error(r, "source", "read-only", "is where the lead "
		    "came from");
	tele_lead_check(body, false, req_field_error_cb, r);
	if (!req_has_field_errors(r) && !lead_check_refs(r, body))
		goto out;
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	t.r = r;
	t.id = req_param(r, "id");
	t.changes = body;
	lead_actor(r, t.actor, sizeof t.actor);
	if ((t.body = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("lead_update: json_dumps");
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, update_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no lead %s", t.id);
		else if (t.custom_error != NULL) {
			req_field_error(r, "custom", "invalid", "%s",
			    t.custom_error);
			req_fail_fields(r);
		} else
			lead_db_problem(r, db);
		goto out;
	}
	req_reply_json_text(r, 200, t.after, strlen(t.after));
out:
	free(t.body);
	free(t.before);
	free(t.after);
	free(t.custom_error);
	json_decref(body);
}

/* --- notes --------------------------------------------------------------- */

static const struct jsonv_field note_fields[] = {
	{ "text", JV_STRING, JV_REQUIRED, 1, 5000, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct note_tx {
	struct req	*r;
	const char	*id;
	char		*data, actor[24], *event;
	bool		 missing;
};

static bool
note_tx_run(struct db *db, void *arg)
{
	struct note_tx	*t = arg;
	const char	*params[6] = { t->id, req_scope(t->r) };
	char		 topic[40], *data;
	PGresult	*res;
	bool		 ok;

	free(t->event);
	t->event = NULL;
	if ((res = db_exec(db, &lead_stmts[STMT_LOCK], 2, params)) == NULL)
		return false;
	t->missing = PQntuples(res) == 0;
	PQclear(res);
	if (t->missing)
		return false;
	params[1] = "note";
	params[2] = NULL;
	params[3] = NULL;
	params[4] = t->actor;
	params[5] = t->data;
	if ((res = db_exec(db, &lead_stmts[STMT_EVENT], 6, params)) == NULL)
		return false;
	t->event = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	snprintf(topic, sizeof topic, "lead:%s", t->id);
	data = xasprintf("{\"id\":%s}", t->id);
	ok = events_publish(db, topic, "lead.updated", data);
	free(data);
	return ok;
}

static void
lead_note_add(struct req *r)
{
	struct note_tx	 t;
	struct db	*db;
	json_t		*body;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, note_fields)) == NULL)
		return;
	if (!api_check_text(r, "text", json_string_value(json_object_get(
	    body, "text")))) {
		req_fail_fields(r);
		goto out;
	}
	t.r = r;
	t.id = req_param(r, "id");
	lead_actor(r, t.actor, sizeof t.actor);
	if ((t.data = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("lead_note_add: json_dumps");
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, note_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no lead %s", t.id);
		else
			req_db_problem(r, db);
		goto out;
	}
	req_reply_json_text(r, 201, t.event, strlen(t.event));
out:
	free(t.data);
	free(t.event);
	json_decref(body);
}

/* --- merging ------------------------------------------------------------- */

static const struct jsonv_field merge_fields[] = {
	{ "from", JV_INT, JV_REQUIRED, 1, INT64_MAX, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct merge_tx {
	struct req	*r;
	const char	*id;
	char		 from[24], actor[24];
	char		*after;
	const char	*missing;
};

static bool
merge_tx_run(struct db *db, void *arg)
{
	struct merge_tx	*t = arg;
	const char	*params[2];
	char		*absorbed = NULL, *data, topic[40];
	PGresult	*res;
	bool		 ok = false;

	free(t->after);
	t->after = NULL;
	t->missing = NULL;
	/* Lock in id order, so that two crossed merges cannot deadlock. */
	params[1] = req_scope(t->r);
	params[0] = strtoll(t->id, NULL, 10) < strtoll(t->from, NULL, 10) ?
	    t->id : t->from;
	if ((res = db_exec(db, &lead_stmts[STMT_LOCK], 2, params)) == NULL)
		return false;
	if (PQntuples(res) == 0)
		t->missing = params[0];
	PQclear(res);
	if (t->missing != NULL)
		return false;
	params[0] = params[0] == t->id ? t->from : t->id;
	if ((res = db_exec(db, &lead_stmts[STMT_LOCK], 2, params)) == NULL)
		return false;
	if (PQntuples(res) == 0)
		t->missing = params[0];
	PQclear(res);
	if (t->missing != NULL)
		return false;
	params[0] = t->from;
	if ((absorbed = db_text(db, &lead_stmts[STMT_JSON], 1, params)) ==
	    NULL)
		return false;
	params[0] = t->id;
	params[1] = t->from;
	if ((res = db_exec(db, &lead_stmts[STMT_MERGE_MOVE], 2, params)) ==
	    NULL)
		goto out;
	PQclear(res);
	if ((res = db_exec(db, &lead_stmts[STMT_MERGE_CALLBACKS], 2,
	    params)) == NULL)
		goto out;
	PQclear(res);
	params[0] = t->from;
	if ((res = db_exec(db, &lead_stmts[STMT_DELETE], 1, params)) == NULL)
		goto out;
	PQclear(res);
	params[0] = t->id;
	params[1] = absorbed;
	if ((res = db_exec(db, &lead_stmts[STMT_MERGE_FILL], 2, params)) ==
	    NULL)
		goto out;
	PQclear(res);
	data = xasprintf("{\"absorbed\":%s}", absorbed);
	ok = lead_event(db, t->id, "merged", NULL, NULL, t->actor, data);
	free(data);
	snprintf(topic, sizeof topic, "lead:%s", t->id);
	data = xasprintf("{\"id\":%s,\"absorbed\":%s}", t->id, t->from);
	ok = ok && events_publish(db, topic, "lead.updated", data) &&
	    events_publish(db, "leads", "lead.merged", data);
	free(data);
	params[0] = t->id;
	ok = ok && (t->after = db_text(db, &lead_stmts[STMT_GET], 2,
	    (const char *[]){ t->id, req_scope(t->r) })) != NULL;
	ok = ok && account_audit(db, t->r, 0, "lead.merged", "lead", t->id,
	    absorbed, t->after, NULL);
out:
	free(absorbed);
	return ok;
}

static void
lead_merge(struct req *r)
{
	struct merge_tx	 t;
	struct db	*db;
	json_t		*body;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, merge_fields)) == NULL)
		return;
	t.r = r;
	t.id = req_param(r, "id");
	snprintf(t.from, sizeof t.from, "%lld", (long long)json_integer_value(
	    json_object_get(body, "from")));
	if (strcmp(t.from, t.id) == 0) {
		req_field_error(r, "from", "invalid", "must be another lead");
		req_fail_fields(r);
		goto out;
	}
	lead_actor(r, t.actor, sizeof t.actor);
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, merge_tx_run, &t)) {
		if (t.missing != NULL)
			req_problem(r, "not-found", "there is no lead %s",
			    t.missing);
		else
			lead_db_problem(r, db);
		goto out;
	}
	req_reply_json_text(r, 200, t.after, strlen(t.after));
out:
	free(t.after);
	json_decref(body);
}

/* --- bulk assignment ----------------------------------------------------- */

static const struct jsonv_field assign_fields[] = {
	{ "ids", JV_ARRAY, JV_REQUIRED, 1, 1000, JV_INT, 1, INT64_MAX, NULL },
	{ "queue_id", JV_INT, 0, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "owner_id", JV_INT, 0, 1, INT64_MAX, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct assign_tx {
	struct req	*r;
	const char	*params[5];
	char		*moved;
};

static bool
assign_tx_run(struct db *db, void *arg)
{
	struct assign_tx	*t = arg;
	json_t			*ids;
	char			 topic[40], *data;
	bool			 ok;

	free(t->moved);
	if ((t->moved = db_text(db, &lead_stmts[STMT_ASSIGN], 5, t->params)) ==
	    NULL)
		return false;
	if ((ids = json_loads(t->moved, 0, NULL)) == NULL)
		fatalx("assign_tx_run: json_loads");
	data = xasprintf("{\"ids\":%s,\"queue_id\":%s,\"owner_id\":%s}",
	    t->moved, t->params[1] != NULL ? t->params[1] : "null",
	    t->params[2] != NULL ? t->params[2] : "null");
	ok = json_array_size(ids) == 0 || events_publish(db, "leads",
	    "leads.assigned", data);
	if (ok && json_array_size(ids) > 0 && t->params[1] != NULL) {
		snprintf(topic, sizeof topic, "queue:%s", t->params[1]);
		ok = events_publish(db, topic, "leads.assigned", data);
	}
	if (ok && json_array_size(ids) > 0 && t->params[2] != NULL) {
		snprintf(topic, sizeof topic, "user:%s", t->params[2]);
		ok = events_publish(db, topic, "lead.assigned", data);
	}
	free(data);
	json_decref(ids);
	return ok;
}

static void
lead_assign(struct req *r)
{
	struct assign_tx	 t;
	struct db		*db;
	json_t			*body, *moved = NULL, *given, *missing, *v;
	char			 queue[24], owner[24], actor[24], *ids = NULL;
	size_t			 i, j;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, assign_fields)) == NULL)
		return;
	if (json_object_get(body, "queue_id") == NULL &&
	    json_object_get(body, "owner_id") == NULL)
		req_field_error(r, "queue_id", "required", "or owner_id is "
		    "required");
	if (!req_has_field_errors(r) && !lead_check_refs(r, body))
		goto out;
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	given = json_object_get(body, "ids");
	ids = json_dumps(given, JSON_COMPACT);
	ids[0] = '{';
	ids[strlen(ids) - 1] = '}';
	snprintf(queue, sizeof queue, "%lld", (long long)json_integer_value(
	    json_object_get(body, "queue_id")));
	snprintf(owner, sizeof owner, "%lld", (long long)json_integer_value(
	    json_object_get(body, "owner_id")));
	lead_actor(r, actor, sizeof actor);
	t.r = r;
	t.params[0] = ids;
	t.params[1] = json_object_get(body, "queue_id") != NULL ? queue : NULL;
	t.params[2] = json_object_get(body, "owner_id") != NULL ? owner : NULL;
	t.params[3] = req_scope(r);
	t.params[4] = actor;
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, assign_tx_run, &t)) {
		lead_db_problem(r, db);
		goto out;
	}
	moved = json_loads(t.moved, 0, NULL);
	missing = json_array();
	json_array_foreach(given, i, v) {
		for (j = 0; j < json_array_size(moved); j++)
			if (json_integer_value(json_array_get(moved, j)) ==
			    json_integer_value(v))
				break;
		if (j == json_array_size(moved))
			json_array_append(missing, v);
	}
	req_reply_json(r, 200, json_pack("{s:I,s:O,s:o}", "updated",
	    (json_int_t)json_array_size(moved), "ids", moved, "missing",
	    missing));
out:
	free(ids);
	free(t.moved);
	json_decref(moved);
	json_decref(body);
}

static const struct route lead_routes[] = {
	{ "GET", "/v1/leads", lead_list, "status,queue_id,owner_id,owner,"
	  "source,tag,region_id,sla,q,sort,limit,after", "leads.read",
	  "leads of one's regions: filter, search, sort", 0 },
	{ "POST", "/v1/leads", lead_create, NULL, "leads.write",
	  "add a lead (a known phone or email merges into its lead)", 0 },
	{ "GET", "/v1/leads/{id}", lead_get, NULL, "leads.read",
	  "a lead and its history", 0 },
	{ "PATCH", "/v1/leads/{id}", lead_update, NULL, "leads.write",
	  "edit, move, reassign a lead or set its status", 0 },
	{ "POST", "/v1/leads/{id}/notes", lead_note_add, NULL, "leads.write",
	  "add a note to a lead's history", 0 },
	{ "POST", "/v1/leads/{id}/merge", lead_merge, NULL, "leads.manage",
	  "absorb another lead, with its history", 0 },
	{ "POST", "/v1/leads/assign", lead_assign, NULL, "leads.manage",
	  "move many leads to a queue and/or an agent", 0 },
};

const struct api_module leads_module = {
	"leads", lead_routes, API_NELEM(lead_routes),
	lead_stmts, API_NELEM(lead_stmts),
};
