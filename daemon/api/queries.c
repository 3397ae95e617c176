/*
 * queries: a customer's question about an order or a vendor, worked by
 * tele-callers on the customer's lead.
 *
 *	POST  /v1/queries		a customer raises one
 *	GET   /v1/me/queries		the customer's own
 *	GET   /v1/queries		staff: their regions' (through the lead)
 *	GET   /v1/queries/{id}		staff of its region, or its customer
 *	PATCH /v1/queries/{id}		staff: status and resolution
 *
 * Raising a query makes or merges the customer's lead (source
 * customer_query, by the account's phone, or else its email), routes it,
 * raises its priority to 60 and sets its first-contact SLA, and reopens
 * a closed lead, so that the query comes up in the agents' next leads.
 * When a query is resolved the customer hears of it (query.resolved).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "events.h"
#include "log.h"
#include "outbox.h"
#include "req.h"

bool	leads_publish_ingest(struct db *, PGresult *);

#define QUERY_OPEN_LEAD							\
	"UPDATE leads l SET priority = greatest(l.priority, 60),"	\
	" status = CASE WHEN l.status IN ('converted', 'not_interested',"	\
	"  'invalid') THEN 'new' ELSE l.status END,"			\
	" next_call_at = least(l.next_call_at, now()),"			\
	" sla_due_at = CASE WHEN l.first_contact_at IS NULL THEN"	\
	"  least(l.sla_due_at, now() + make_interval(secs => coalesce(("	\
	"  SELECT q.sla_seconds FROM queues q WHERE q.id = l.queue_id),"	\
	"  3600))) ELSE l.sla_due_at END"				\
	" WHERE l.id = $1"

static const struct db_stmt query_stmts[] = {
	/* The customer as a lead: $1 user */
	{ "query_customer",
	  "SELECT jsonb_build_object('name', u.name, 'phone', u.phone,"
	  " 'email', u.email, 'user_id', u.id, 'source', 'customer_query',"
	  " 'priority', 60, 'language', CASE WHEN u.language <> 'en' THEN"
	  " u.language END)::text, u.phone IS NOT NULL,"
	  " (SELECT l.id FROM leads l WHERE lower(l.email) = lower(u.email)"
	  "  OR l.user_id = u.id ORDER BY l.id LIMIT 1)"
	  " FROM users u WHERE u.id = $1" },
	{ "query_ingest",
	  "SELECT lead_id, merged, queue_id, owner_id"
	  " FROM lead_ingest($1::jsonb, $2, NULL)" },
	{ "query_open_lead", QUERY_OPEN_LEAD },
	/* $1 lead, $2 customer, $3 vendor, $4 order ref, $5 subject, $6 body */
	{ "query_insert",
	  "WITH q AS (INSERT INTO queries (lead_id, customer_id, vendor_id,"
	  " order_ref, subject, body) VALUES ($1, $2, $3, $4, $5, $6)"
	  " RETURNING *),"
	  " e AS (INSERT INTO lead_events (lead_id, type, actor_id, data)"
	  "  SELECT lead_id, 'query', $2, jsonb_build_object('query_id', id,"
	  "  'subject', subject) FROM q)"
	  " SELECT lead_query_json(q)::text, q.id FROM q" },
	/* $1 customer, $2 after, $3 limit */
	{ "query_mine",
	  "SELECT lead_query_json(q)::text, q.id FROM queries q"
	  " WHERE q.customer_id = $1 AND q.id < $2 ORDER BY q.id DESC"
	  " LIMIT $3" },
	/* $1 status, $2 lead, $3 scope, $4 after, $5 limit */
	{ "query_list",
	  "SELECT lead_query_json(q)::text, q.id FROM queries q"
	  " JOIN leads l ON l.id = q.lead_id"
	  " WHERE ($1::text IS NULL OR q.status = $1)"
	  " AND ($2::bigint IS NULL OR q.lead_id = $2)"
	  " AND region_in_scope(l.region_id, $3::bigint[])"
	  " AND q.id < $4 ORDER BY q.id DESC LIMIT $5" },
	/* $1 id, $2 staff?, $3 scope, $4 customer */
	{ "query_get",
	  "SELECT lead_query_json(q)::text FROM queries q"
	  " JOIN leads l ON l.id = q.lead_id WHERE q.id = $1"
	  " AND (($2::boolean AND region_in_scope(l.region_id, $3::bigint[]))"
	  "  OR q.customer_id = $4)" },
	/* $1 id, $2 scope, $3 status, $4 resolution */
	{ "query_update",
	  "WITH o AS (SELECT q.id, q.status FROM queries q JOIN leads l"
	  "  ON l.id = q.lead_id WHERE q.id = $1"
	  "  AND region_in_scope(l.region_id, $2::bigint[]) FOR UPDATE OF q)"
	  " UPDATE queries q SET status = coalesce($3, q.status),"
	  " resolution = coalesce($4, q.resolution),"
	  " resolved_at = CASE WHEN coalesce($3, q.status) IN ('resolved',"
	  "  'closed') THEN coalesce(q.resolved_at, now()) ELSE NULL END"
	  " FROM o WHERE q.id = o.id"
	  " RETURNING lead_query_json(q)::text, o.status, q.status,"
	  " q.customer_id, q.lead_id, q.subject, q.resolution" },
	{ "query_vendor_exists",
	  "SELECT EXISTS (SELECT 1 FROM vendors WHERE id = $1)" },
};

enum {
	STMT_CUSTOMER, STMT_INGEST, STMT_OPEN_LEAD, STMT_INSERT, STMT_MINE,
	STMT_LIST, STMT_GET, STMT_UPDATE, STMT_VENDOR_EXISTS,
};

static const struct jsonv_field query_fields[] = {
	{ "subject", JV_STRING, JV_REQUIRED, 1, 200, 0, 0, 0, NULL },
	{ "body", JV_STRING, JV_REQUIRED, 1, 5000, 0, 0, 0, NULL },
	{ "order_ref", JV_STRING, 0, 1, 64, 0, 0, 0, NULL },
	{ "vendor_id", JV_INT, 0, 1, INT64_MAX, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct raise_tx {
	struct req	*r;
	const char	*subject, *body, *order_ref;
	char		 me[24], vendor[24];
	bool		 has_vendor, no_phone;
	char		*json;
};

static bool
raise_tx_run(struct db *db, void *arg)
{
	struct raise_tx	*t = arg;
	const char	*params[6];
	char		 lead[24], *data;
	PGresult	*who, *res = NULL;
	bool		 ok = false;

	free(t->json);
	t->json = NULL;
	params[0] = t->me;
	if ((who = db_exec(db, &query_stmts[STMT_CUSTOMER], 1, params)) ==
	    NULL)
		return false;
	if (PQntuples(who) == 0)
		fatalx("raise_tx_run: the caller has no account");
	if (PQgetvalue(who, 0, 1)[0] == 't') {
		params[0] = PQgetvalue(who, 0, 0);
		params[1] = t->me;
		if ((res = db_exec(db, &query_stmts[STMT_INGEST], 2,
		    params)) == NULL)
			goto out;
		snprintf(lead, sizeof lead, "%s", PQgetvalue(res, 0, 0));
		if (!leads_publish_ingest(db, res))
			goto out;
	} else if (!PQgetisnull(who, 0, 2))
		snprintf(lead, sizeof lead, "%s", PQgetvalue(who, 0, 2));
	else {
		/* A lead is a number to call: without one, no query. */
		t->no_phone = true;
		goto out;
	}
	PQclear(res);
	params[0] = lead;
	if ((res = db_exec(db, &query_stmts[STMT_OPEN_LEAD], 1, params)) ==
	    NULL)
		goto out;
	PQclear(res);
	params[0] = lead;
	params[1] = t->me;
	params[2] = t->has_vendor ? t->vendor : NULL;
	params[3] = t->order_ref;
	params[4] = t->subject;
	params[5] = t->body;
	if ((res = db_exec(db, &query_stmts[STMT_INSERT], 6, params)) == NULL)
		goto out;
	t->json = xstrdup(PQgetvalue(res, 0, 0));
	data = xasprintf("{\"id\":%s,\"lead_id\":%s}", PQgetvalue(res, 0, 1),
	    lead);
	ok = events_publish(db, "leads", "query.created", data);
	free(data);
out:
	PQclear(res);
	PQclear(who);
	return ok;
}

static void
query_raise(struct req *r)
{
	struct raise_tx	 t;
	struct db	*db;
	json_t		*body, *v;
	const char	*params[1];
	PGresult	*res;
	bool		 yes;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, query_fields)) == NULL)
		return;
	t.subject = json_string_value(json_object_get(body, "subject"));
	t.body = json_string_value(json_object_get(body, "body"));
	t.order_ref = json_string_value(json_object_get(body, "order_ref"));
	api_check_line(r, "subject", t.subject);
	api_check_text(r, "body", t.body);
	api_check_line(r, "order_ref", t.order_ref);
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if (json_is_integer(v = json_object_get(body, "vendor_id"))) {
		t.has_vendor = true;
		snprintf(t.vendor, sizeof t.vendor, "%lld",
		    (long long)json_integer_value(v));
		params[0] = t.vendor;
		if ((res = req_exec(r, &query_stmts[STMT_VENDOR_EXISTS], 1,
		    params)) == NULL)
			goto out;
		yes = PQgetvalue(res, 0, 0)[0] == 't';
		PQclear(res);
		if (!yes) {
			req_field_error(r, "vendor_id", "unknown", "is not a "
			    "vendor");
			req_fail_fields(r);
			goto out;
		}
	}
	t.r = r;
	snprintf(t.me, sizeof t.me, "%lld",
	    (long long)req_principal(r)->user_id);
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, raise_tx_run, &t)) {
		if (t.no_phone)
			req_problem(r, "unprocessable", "add a phone number to "
			    "your account, so that we can call you back");
		else if (db_status(db) == DB_CONSTRAINT &&
		    strcmp(db_constraint(db), "lead_scope") != 0)
			req_problem(r, "conflict", "your query could not be "
			    "filed: %s", db_message(db));
		else
			req_db_problem(r, db);
		goto out;
	}
	req_reply_json_text(r, 201, t.json, strlen(t.json));
out:
	free(t.json);
	json_decref(body);
}

static void
query_mine(struct req *r)
{
	struct req_page_id	 pg;
	const char		*params[3];
	char			 me[24];

	if (!req_page_id(r, true, &pg)) {
		req_fail_fields(r);
		return;
	}
	snprintf(me, sizeof me, "%lld", (long long)req_principal(r)->user_id);
	params[0] = me;
	params[1] = pg.after;
	params[2] = pg.limit_plus;
	req_reply_list(r, &query_stmts[STMT_MINE], 3, params, pg.limit);
}

static bool
query_status_ok(const char *s)
{
	return s != NULL && (strcmp(s, "open") == 0 ||
	    strcmp(s, "in_progress") == 0 || strcmp(s, "resolved") == 0 ||
	    strcmp(s, "closed") == 0);
}

static void
query_list(struct req *r)
{
	struct req_page_id	 pg;
	const char		*status = req_query(r, "status"), *lead =
				    req_query(r, "lead_id"), *params[5];

	if (!req_page_id(r, true, &pg))
		goto fail;
	if (status != NULL && !query_status_ok(status))
		req_field_error(r, "status", "invalid", "must be open, "
		    "in_progress, resolved or closed");
	if (lead != NULL && !router_valid_id(lead, strlen(lead)))
		req_field_error(r, "lead_id", "invalid", "must be a lead id");
	if (req_has_field_errors(r))
		goto fail;
	params[0] = status;
	params[1] = lead;
	params[2] = req_scope(r);
	params[3] = pg.after;
	params[4] = pg.limit_plus;
	req_reply_list(r, &query_stmts[STMT_LIST], 5, params, pg.limit);
	return;
fail:
	req_fail_fields(r);
}

static void
query_get(struct req *r)
{
	const struct principal	*p = req_principal(r);
	const char		*params[4];
	char			 me[24];

	snprintf(me, sizeof me, "%lld", (long long)p->user_id);
	params[0] = req_param(r, "id");
	params[1] = (p->role & (ROLE_EMPLOYEE | ROLE_TELECALLER |
	    ROLE_SUPERVISOR | ROLE_ADMIN)) != 0 ? "true" : "false";
	params[2] = req_scope(r);
	params[3] = me;
	req_reply_row_deferred(r, &query_stmts[STMT_GET], 4, params, "query");
}

static const struct jsonv_field query_update_fields[] = {
	{ "status", JV_STRING, 0, 1, 20, 0, 0, 0, NULL },
	{ "resolution", JV_STRING, 0, 1, 5000, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct update_tx {
	struct req	*r;
	const char	*id, *status, *resolution;
	char		*json, actor[24];
	bool		 missing;
};

static bool
update_tx_run(struct db *db, void *arg)
{
	static const enum notify_channel chans[] = { NOTIFY_EMAIL, NOTIFY_SMS };
	struct update_tx	*t = arg;
	struct outbox_msg	 m;
	const char		*params[4];
	char			*data, topic[40];
	PGresult		*res;
	json_t			*vars;
	int64_t			 nid;
	size_t			 c;
	bool			 ok;

	free(t->json);
	t->json = NULL;
	params[0] = t->id;
	params[1] = req_scope(t->r);
	params[2] = t->status;
	params[3] = t->resolution;
	if ((res = db_exec(db, &query_stmts[STMT_UPDATE], 4, params)) == NULL)
		return false;
	if ((t->missing = PQntuples(res) == 0)) {
		PQclear(res);
		return false;
	}
	t->json = xstrdup(PQgetvalue(res, 0, 0));
	data = xasprintf("{\"id\":%s,\"lead_id\":%s,\"status\":\"%s\"}",
	    t->id, PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 2));
	snprintf(topic, sizeof topic, "lead:%s", PQgetvalue(res, 0, 4));
	ok = events_publish(db, topic, "query.updated", data) &&
	    events_publish(db, "leads", "query.updated", data);
	free(data);
	/* The customer hears when it is resolved (once). */
	if (ok && strcmp(PQgetvalue(res, 0, 2), "resolved") == 0 &&
	    strcmp(PQgetvalue(res, 0, 1), "resolved") != 0 &&
	    !PQgetisnull(res, 0, 3)) {
		/* The resolution it has, written now or before. */
		vars = json_pack("{s:s,s:s}", "query.subject",
		    PQgetvalue(res, 0, 5), "resolution", PQgetvalue(res, 0, 6));
		for (c = 0; ok && c < API_NELEM(chans); c++) {
			memset(&m, 0, sizeof m);
			m.kind = "query.resolved";
			m.user_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
			m.channel = chans[c];
			m.vars = vars;
			ok = outbox_enqueue(db, &m, &nid);
		}
		json_decref(vars);
	}
	PQclear(res);
	return ok;
}

static void
query_update(struct req *r)
{
	struct update_tx	 t;
	struct db		*db;
	json_t			*body;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, query_update_fields)) == NULL)
		return;
	t.status = json_string_value(json_object_get(body, "status"));
	t.resolution = json_string_value(json_object_get(body, "resolution"));
	if (json_object_size(body) == 0)
		req_field_error(r, "", "empty", "change at least one field");
	if (t.status != NULL && !query_status_ok(t.status))
		req_field_error(r, "status", "invalid", "must be open, "
		    "in_progress, resolved or closed");
	api_check_text(r, "resolution", t.resolution);
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	t.r = r;
	t.id = req_param(r, "id");
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, update_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no query %s", t.id);
		else
			req_db_problem(r, db);
		goto out;
	}
	req_reply_json_text(r, 200, t.json, strlen(t.json));
out:
	free(t.json);
	json_decref(body);
}

static const struct route query_routes[] = {
	{ "POST", "/v1/queries", query_raise, NULL, "queries.raise",
	  "raise a query about an order or a vendor", 0 },
	{ "GET", "/v1/me/queries", query_mine, "limit,after", "queries.raise",
	  "one's own queries, newest first", 0 },
	{ "GET", "/v1/queries", query_list, "status,lead_id,limit,after",
	  "leads.read", "customer queries of one's regions, newest first", 0 },
	{ "GET", "/v1/queries/{id}", query_get, NULL, "signed_in",
	  "a query (staff of its region, or its customer)", 0 },
	{ "PATCH", "/v1/queries/{id}", query_update, NULL, "leads.write",
	  "work a query: its status and resolution", 0 },
};

const struct api_module queries_module = {
	"queries", query_routes, API_NELEM(query_routes),
	query_stmts, API_NELEM(query_stmts),
};
