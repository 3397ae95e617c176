/*
 * capture: leads from web forms and integrators.
 *
 *	POST /v1/capture/leads			public: a web form's lead
 *	POST /v1/queues/{id}/form-token		staff: a token for a form
 *
 * A capture is let in by an API key with the leads scope, or by the form
 * token its page embeds: "<queue>.<issued_at>.<HMAC-SHA-256 of
 * queue.issued_at>" under a key souk keeps in its secrets table.  Bots
 * are kept out three ways: the honeypot field `website` (hidden on the
 * page; a filled one is answered as if accepted and dropped), a token
 * used within 3 seconds of its page being made is refused, and each
 * client address may send 10 captures in 10 minutes (429 Retry-After).
 * The answer is always 202 {"status": "received"}: it never says whether
 * the person was already a lead (they merge into it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api.h"
#include "auth.h"
#include "events.h"
#include "log.h"
#include "req.h"
#include "secret.h"
#include "tele/lead.h"

#define CAPTURE_MIN_AGE		3		/* seconds */
#define CAPTURE_MAX_AGE		(90 * 86400)	/* seconds */
#define CAPTURE_RATE		10
#define CAPTURE_WINDOW		"10 minutes"

bool	leads_publish_ingest(struct db *, PGresult *);

static const struct db_stmt capture_stmts[] = {
	/*
	 * One capture from address $1 at a time, until its transaction
	 * ends: the count below and the row recorded after it are one step.
	 */
	{ "capture_lock",
	  "SELECT pg_advisory_xact_lock(hashtextextended('lead_capture ' ||"
	  " host($1::inet), 0))" },
	/* Captures from $1 lately, and seconds until the oldest leaves. */
	{ "capture_rate",
	  "SELECT count(*), ceil(extract(epoch FROM min(created_at) +"
	  " interval '" CAPTURE_WINDOW "' - now()))::bigint"
	  " FROM lead_captures WHERE ip = $1::inet"
	  " AND created_at > now() - interval '" CAPTURE_WINDOW "'" },
	/* Whether staff of scope $2 may edit queue $1 (none: no queue). */
	{ "capture_queue",
	  "SELECT tele_queue_editable(region_ids, $2::bigint[]) FROM queues"
	  " WHERE id = $1" },
	/* $1 lead, $2 actor, $3 scope (NULL) */
	{ "capture_ingest",
	  "SELECT lead_id, merged, queue_id, owner_id"
	  " FROM lead_ingest($1::jsonb, NULL, NULL)" },
	/* $1 ip, $2 queue, $3 lead */
	{ "capture_record",
	  "INSERT INTO lead_captures (ip, queue_id, lead_id)"
	  " VALUES ($1::inet, $2, $3)" },
};

enum {
	STMT_LOCK, STMT_RATE, STMT_QUEUE, STMT_INGEST,
	STMT_RECORD,
};

/* The form key into key; false with the problem set. */
static bool
capture_key(struct req *r, unsigned char key[SECRET_BYTES])
{
	if (secret_get(req_db(r), "lead_form", key))
		return true;
	req_db_problem(r, req_db(r));
	return false;
}

/* The MAC of "queue.issued" in hex (65 bytes). */
static void
capture_mac(const unsigned char key[SECRET_BYTES], long long queue,
    long long issued, char hex[65])
{
	unsigned char	mac[crypto_auth_hmacsha256_BYTES];
	char		msg[64];
	int		n;

	n = snprintf(msg, sizeof msg, "%lld.%lld", queue, issued);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (size_t)n, key);
	sodium_bin2hex(hex, 65, mac, sizeof mac);
}

static void
capture_form_token(struct req *r)
{
	unsigned char	 key[SECRET_BYTES];
	char		 mac[65], *token;
	const char	*id = req_param(r, "id"), *params[2] = { id,
			    req_scope(r) };
	long long	 issued = (long long)time(NULL);
	PGresult	*res;
	bool		 exists, editable;

	/* Whoever may edit the queue may feed it: the rule of PATCH. */
	if ((res = req_exec(r, &capture_stmts[STMT_QUEUE], 2, params)) ==
	    NULL)
		return;
	exists = PQntuples(res) == 1;
	editable = exists && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!exists) {
		req_problem(r, "not-found", "there is no queue %s", id);
		return;
	}
	if (!editable) {
		req_problem(r, "forbidden", "queue %s takes leads beyond your "
		    "regions: an admin makes its form tokens", id);
		return;
	}
	if (!capture_key(r, key))
		return;
	capture_mac(key, strtoll(id, NULL, 10), issued, mac);
	sodium_memzero(key, sizeof key);
	token = xasprintf("%s.%lld.%s", id, issued, mac);
	req_reply_json(r, 201, json_pack("{s:s,s:I,s:I}", "form_token", token,
	    "queue_id", (json_int_t)strtoll(id, NULL, 10), "issued_at",
	    (json_int_t)issued));
	free(token);
}

/*
 * Checks a form token; *queue gets its queue.  Records a field error
 * (or sets the problem) and returns false when it is refused.
 */
static bool
capture_check_token(struct req *r, const char *token, long long *queue)
{
	unsigned char	 key[SECRET_BYTES];
	char		 mac[65], *end;
	const char	*p = token, *dot;
	long long	 issued, now = (long long)time(NULL);
	bool		 ok;

	*queue = strtoll(p, &end, 10);
	if (end == p || *end != '.' || *queue <= 0)
		goto bad;
	p = end + 1;
	issued = strtoll(p, &end, 10);
	if (end == p || *end != '.' || issued <= 0)
		goto bad;
	dot = end + 1;
	if (strlen(dot) != 64)
		goto bad;
	if (!capture_key(r, key))
		return false;
	capture_mac(key, *queue, issued, mac);
	sodium_memzero(key, sizeof key);
	ok = sodium_memcmp(mac, dot, 64) == 0;
	sodium_memzero(mac, sizeof mac);
	if (!ok)
		goto bad;
	if (now - issued < CAPTURE_MIN_AGE) {
		req_problem(r, "unprocessable", "the form was sent too soon "
		    "after it was shown: try again");
		return false;
	}
	if (now - issued > CAPTURE_MAX_AGE) {
		req_problem(r, "unprocessable", "the form is too old: reload "
		    "the page");
		return false;
	}
	return true;
bad:
	req_field_error(r, "form_token", "invalid", "is not a form token "
	    "souk issued");
	req_fail_fields(r);
	return false;
}

static const struct jsonv_field capture_fields[] = {
	{ "name", JV_STRING, JV_NULLABLE, 1, 200, 0, 0, 0, NULL },
	{ "phone", JV_STRING, JV_REQUIRED, 1, 40, 0, 0, 0, NULL },
	{ "email", JV_STRING, JV_NULLABLE, 0, 254, 0, 0, 0, NULL },
	{ "language", JV_STRING, JV_NULLABLE, 2, 3, 0, 0, 0, NULL },
	{ "pincode", JV_STRING, JV_NULLABLE, 0, 6, 0, 0, 0, NULL },
	{ "interest", JV_STRING, JV_NULLABLE, 0, 500, 0, 0, 0, NULL },
	{ "tags", JV_ARRAY, 0, 0, 20, JV_STRING, 1, 50, NULL },
	{ "custom", JV_OBJECT, 0, 0, 0, 0, 0, 0, NULL },
	{ "source", JV_STRING, 0, 1, 32, 0, 0, 0, NULL },
	{ "queue_id", JV_INT, 0, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "form_token", JV_STRING, 0, 1, 200, 0, 0, 0, NULL },
	{ "website", JV_ANY, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct capture_tx {
	struct req	*r;
	const char	*ip;
	char		*lead, queue[24];
	char		 retry[24];	/* set when over the rate */
};

static bool
capture_tx_run(struct db *db, void *arg)
{
	struct capture_tx	*t = arg;
	const char		*params[3];
	PGresult		*res;
	bool			 ok;

	/* Counted and recorded under the address's lock (no race). */
	params[0] = t->ip;
	if ((res = db_exec(db, &capture_stmts[STMT_LOCK], 1, params)) == NULL)
		return false;
	PQclear(res);
	if ((res = db_exec(db, &capture_stmts[STMT_RATE], 1, params)) == NULL)
		return false;
	if (strtoll(PQgetvalue(res, 0, 0), NULL, 10) >= CAPTURE_RATE) {
		snprintf(t->retry, sizeof t->retry, "%s", PQgetisnull(res, 0,
		    1) ? "600" : PQgetvalue(res, 0, 1));
		if (strtoll(t->retry, NULL, 10) < 1)
			snprintf(t->retry, sizeof t->retry, "1");
		PQclear(res);
		return false;
	}
	PQclear(res);
	params[0] = t->lead;
	if ((res = db_exec(db, &capture_stmts[STMT_INGEST], 1, params)) ==
	    NULL)
		return false;
	ok = leads_publish_ingest(db, res);
	params[0] = t->ip;
	params[1] = t->queue[0] != '\0' ? t->queue : NULL;
	params[2] = PQgetvalue(res, 0, 0);
	if (ok) {
		PGresult	*rec;

		ok = (rec = db_exec(db, &capture_stmts[STMT_RECORD], 3,
		    params)) != NULL;
		PQclear(rec);
	}
	PQclear(res);
	return ok;
}

static void
capture_lead(struct req *r)
{
	const struct principal	*p = req_principal(r);
	struct capture_tx	 t;
	struct db		*db;
	json_t			*body, *v;
	const char		*s;
	long long		 queue = 0;
	bool			 by_key;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, capture_fields)) == NULL)
		return;
	by_key = p != NULL && p->api_key_id != 0 &&
	    (p->scopes & AUTH_SCOPE_LEADS) != 0;
	/* Filled by bots only: answered as if taken, and dropped. */
	v = json_object_get(body, "website");
	if (v != NULL && !json_is_null(v) && !(json_is_string(v) &&
	    json_string_length(v) == 0)) {
		req_reply_json(r, 202, json_pack("{s:s}", "status",
		    "received"));
		goto out;
	}
	json_object_del(body, "website");
	if (!by_key) {
		if ((s = json_string_value(json_object_get(body,
		    "form_token"))) == NULL) {
			req_problem(r, "unauthorized", "send an API key with "
			    "the leads scope, or the form's form_token");
			goto out;
		}
		if (json_object_get(body, "queue_id") != NULL ||
		    json_object_get(body, "source") != NULL) {
			req_field_error(r, "queue_id", "forbidden", "and "
			    "source come from the form token");
			req_fail_fields(r);
			goto out;
		}
		if (!capture_check_token(r, s, &queue))
			goto out;
		json_object_set_new(body, "queue_id", json_integer(queue));
	}
	json_object_del(body, "form_token");
	if (json_object_get(body, "source") == NULL)
		json_object_set_new(body, "source", json_string("web_form"));
	/* Empty optional fields of a form are not there. */
	if ((s = json_string_value(json_object_get(body, "email"))) != NULL &&
	    *s == '\0')
		json_object_del(body, "email");
	if ((s = json_string_value(json_object_get(body, "pincode"))) !=
	    NULL && *s == '\0')
		json_object_del(body, "pincode");
	tele_lead_check(body, true, req_field_error_cb, r);
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	t.r = r;
	t.ip = req_client_ip(r);
	if (json_is_integer(v = json_object_get(body, "queue_id")))
		snprintf(t.queue, sizeof t.queue, "%lld",
		    (long long)json_integer_value(v));
	if ((t.lead = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("capture_lead: json_dumps");
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, capture_tx_run, &t)) {
		if (t.retry[0] != '\0' && db_status(db) == DB_OK) {
			req_add_header(r, "Retry-After", t.retry);
			req_problem(r, "too-many-requests", "too many forms sent "
			    "lately; try again in %s seconds", t.retry);
		} else if (db_status(db) == DB_CONSTRAINT) {
			req_field_error(r, strcmp(db_constraint(db),
			    "lead_custom") == 0 ? "custom" : "queue_id",
			    "refused", "%s", db_message(db));
			req_fail_fields(r);
		} else
			req_db_problem(r, db);
		goto out;
	}
	req_reply_json(r, 202, json_pack("{s:s}", "status", "received"));
out:
	free(t.lead);
	json_decref(body);
}

static const struct route capture_routes[] = {
	{ "POST", "/v1/capture/leads", capture_lead, NULL, "leads.capture",
	  "a web form's lead (API key with the leads scope, or form token)",
	  0 },
	{ "POST", "/v1/queues/{id}/form-token", capture_form_token, NULL,
	  "queues.manage", "a signed token for a web form feeding a queue",
	  0 },
};

const struct api_module capture_module = {
	"capture", capture_routes, API_NELEM(capture_routes),
	capture_stmts, API_NELEM(capture_stmts),
};
