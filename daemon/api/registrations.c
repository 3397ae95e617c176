/*
 * registrations: a business asks to sell on souk.
 *
 *	POST   /v1/registrations				start one (a draft)
 *	GET    /v1/registrations				mine, or my regions' queue
 *	GET    /v1/registrations/{id}				with documents and history
 *	PATCH  /v1/registrations/{id}				edit a draft
 *	POST   /v1/registrations/{id}/submit			for review
 *	POST   /v1/registrations/{id}/documents?kind=&filename=	upload (raw body)
 *	GET    /v1/registrations/{id}/documents/{document_id}	the file
 *	DELETE /v1/registrations/{id}/documents/{document_id}
 *	POST   /v1/registrations/{id}/review			staff take it up
 *	POST   /v1/registrations/{id}/approve			→ a vendor
 *	POST   /v1/registrations/{id}/reject			with a reason
 *	POST   /v1/registrations/{id}/request-changes		what to change
 *
 * draft → submitted → under_review → approved | rejected | needs_changes;
 * needs_changes → submitted.  Every transition is an event row, a message
 * to the applicant, a live event and an audit entry, in one transaction.
 * Staff see the registrations of their regions (region_in_scope), never
 * drafts; applicants see their own.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "buf.h"
#include "config.h"
#include "events.h"
#include "kyc.h"
#include "log.h"
#include "media.h"
#include "outbox.h"
#include "page.h"
#include "phone.h"
#include "req.h"

#define REG_MAX_DOCUMENTS	10
#define REG_UPLOAD_MAX		(10 * 1024 * 1024)

#define REG_FIELDS							\
	"'id', g.id, 'applicant_id', g.applicant_id, 'state', g.state, "	\
	"'legal_name', g.legal_name, 'display_name', g.display_name, "	\
	"'category', g.category, 'address', g.address, 'region_id', "	\
	"g.region_id, 'pincode', g.pincode, 'gstin', g.gstin, 'pan', g.pan, " \
	"'bank_account', g.bank_account, 'ifsc', g.ifsc, 'bank_holder', "	\
	"g.bank_holder, 'contact_name', g.contact_name, 'contact_phone', "	\
	"g.contact_phone, 'contact_email', g.contact_email, 'reviewer_id', " \
	"g.reviewer_id, 'reason', g.reason, 'vendor_id', g.vendor_id, "	\
	"'created_at', rfc3339(g.created_at), 'updated_at', "		\
	"rfc3339(g.updated_at), 'submitted_at', rfc3339(g.submitted_at), " \
	"'decided_at', rfc3339(g.decided_at)"

#define REG_DETAIL							\
	"json_build_object(" REG_FIELDS ", 'documents', coalesce((SELECT "	\
	"json_agg(json_build_object('id', d.id, 'kind', d.kind, "	\
	"'filename', d.filename, 'content_type', d.content_type, 'size', "	\
	"d.size, 'created_at', rfc3339(d.created_at)) ORDER BY d.id) FROM "	\
	"registration_documents d WHERE d.registration_id = g.id), '[]'), " \
	"'events', coalesce((SELECT json_agg(json_build_object('from', "	\
	"e.from_state, 'to', e.to_state, 'actor_id', e.actor_id, "	\
	"'actor_role', e.actor_role, 'reason', e.reason, 'at', "		\
	"rfc3339(e.at)) ORDER BY e.id) FROM registration_events e WHERE "	\
	"e.registration_id = g.id), '[]'))::text"

/*
 * Who may see a registration: $2 the caller, $3 whether staff, $4 their
 * region scope (NULL: everywhere).
 */
#define REG_VISIBLE							\
	"(g.applicant_id = $2 OR ($3 AND g.state <> 'draft' AND "		\
	"region_in_scope(g.region_id, $4::bigint[])))"

static const struct db_stmt reg_stmts[] = {
	/* $1..$16 the fields, then applicant */
	{ "reg_insert",
	  "INSERT INTO registrations (legal_name, display_name, category,"
	  " address, region_id, pincode, gstin, pan, bank_account, ifsc,"
	  " bank_holder, contact_name, contact_phone, contact_email,"
	  " applicant_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
	  " $12, $13, $14, $15) RETURNING id" },
	{ "reg_get",
	  "SELECT " REG_DETAIL ", g.state, g.applicant_id FROM registrations g"
	  " WHERE g.id = $1 AND " REG_VISIBLE },
	/* The registration, locked, with what transitions need. */
	{ "reg_lock",
	  "SELECT " REG_DETAIL ", g.state, g.applicant_id,"
	  " coalesce(g.display_name, g.legal_name, 'your business'),"
	  " u.name, u.role, u.vendor_id, g.region_id,"
	  " (SELECT array_agg(DISTINCT d.kind)::text FROM registration_documents d"
	  "  WHERE d.registration_id = g.id),"
	  " (SELECT r.path::text FROM regions r WHERE r.id = g.region_id)"
	  " FROM registrations g JOIN users u ON u.id = g.applicant_id"
	  " WHERE g.id = $1 AND " REG_VISIBLE " FOR UPDATE OF g" },
	/* $1 id, $16 flags which of $2..$15 to set */
	{ "reg_update",
	  "UPDATE registrations SET"
	  " legal_name = CASE WHEN 'legal_name' = ANY ($16) THEN $2 ELSE legal_name END,"
	  " display_name = CASE WHEN 'display_name' = ANY ($16) THEN $3 ELSE display_name END,"
	  " category = CASE WHEN 'category' = ANY ($16) THEN $4 ELSE category END,"
	  " address = CASE WHEN 'address' = ANY ($16) THEN $5 ELSE address END,"
	  " region_id = CASE WHEN 'region_id' = ANY ($16) THEN $6::bigint ELSE region_id END,"
	  " pincode = CASE WHEN 'pincode' = ANY ($16) THEN $7 ELSE pincode END,"
	  " gstin = CASE WHEN 'gstin' = ANY ($16) THEN $8 ELSE gstin END,"
	  " pan = CASE WHEN 'pan' = ANY ($16) THEN $9 ELSE pan END,"
	  " bank_account = CASE WHEN 'bank_account' = ANY ($16) THEN $10 ELSE bank_account END,"
	  " ifsc = CASE WHEN 'ifsc' = ANY ($16) THEN $11 ELSE ifsc END,"
	  " bank_holder = CASE WHEN 'bank_holder' = ANY ($16) THEN $12 ELSE bank_holder END,"
	  " contact_name = CASE WHEN 'contact_name' = ANY ($16) THEN $13 ELSE contact_name END,"
	  " contact_phone = CASE WHEN 'contact_phone' = ANY ($16) THEN $14 ELSE contact_phone END,"
	  " contact_email = CASE WHEN 'contact_email' = ANY ($16) THEN $15 ELSE contact_email END"
	  " WHERE id = $1 RETURNING gstin, pan" },
	/* $1 id, $2 state, $3 reason, $4 reviewer */
	{ "reg_move",
	  "UPDATE registrations SET state = $2, reason = $3,"
	  " reviewer_id = coalesce($4::bigint, reviewer_id),"
	  " submitted_at = CASE WHEN $2 = 'submitted' THEN now()"
	  "  ELSE submitted_at END,"
	  " decided_at = CASE WHEN $2 IN ('approved', 'rejected',"
	  "  'needs_changes') THEN now() ELSE decided_at END WHERE id = $1" },
	/* $1 id, $2 from, $3 to, $4 actor, $5 role, $6 reason */
	{ "reg_event",
	  "INSERT INTO registration_events (registration_id, from_state,"
	  " to_state, actor_id, actor_role, reason)"
	  " VALUES ($1, $2, $3, $4, $5, $6)" },
	/* Approval: the vendor, its owner, the registration. */
	{ "reg_vendor",
	  "WITH v AS (INSERT INTO vendors (name, legal_name, category, address,"
	  "  region_id, pincode, gstin, pan, contact_phone, contact_email,"
	  "  badges, registration_id)"
	  " SELECT display_name, legal_name, category, address, region_id,"
	  "  pincode, gstin, pan, contact_phone, contact_email,"
	  "  ARRAY['verified_business'] || CASE WHEN gstin IS NOT NULL AND"
	  "   EXISTS (SELECT 1 FROM registration_documents d WHERE"
	  "   d.registration_id = g.id AND d.kind = 'gst_certificate')"
	  "   THEN ARRAY['verified_gst'] ELSE '{}' END, id"
	  " FROM registrations g WHERE g.id = $1 RETURNING id),"
	  " u AS (UPDATE users SET role = 'vendor_owner',"
	  "  vendor_id = (SELECT id FROM v) WHERE id = $2),"
	  /* Approved exactly when it has its vendor (a CHECK says so). */
	  " r AS (UPDATE registrations SET vendor_id = (SELECT id FROM v),"
	  "  state = 'approved' WHERE id = $1) "
	  "SELECT id FROM v" },
	/* $1 registration, $2 kind, $3 name, $4 type, $5 size, $6 key, $7 by */
	{ "reg_doc_insert",
	  "INSERT INTO registration_documents (registration_id, kind, filename,"
	  " content_type, size, media_key, uploaded_by)"
	  " SELECT $1, $2, $3, $4, $5, $6, $7 WHERE (SELECT count(*) FROM"
	  " registration_documents WHERE registration_id = $1) < 10"
	  " RETURNING json_build_object('id', id, 'kind', kind, 'filename',"
	  " filename, 'content_type', content_type, 'size', size,"
	  " 'created_at', rfc3339(created_at))::text" },
	{ "reg_doc_get",
	  "SELECT d.media_key, d.content_type, d.filename FROM"
	  " registration_documents d JOIN registrations g"
	  " ON g.id = d.registration_id"
	  " WHERE d.id = $5 AND g.id = $1 AND " REG_VISIBLE },
	{ "reg_doc_delete",
	  "DELETE FROM registration_documents WHERE id = $2 AND"
	  " registration_id = $1" },
	/* $1 state, $2 me, $3 staff, $4 scope, $5 region (subtree), $6 after, $7 limit */
	{ "reg_list",
	  "SELECT json_build_object(" REG_FIELDS ")::text, g.id FROM"
	  " registrations g WHERE ($1::text IS NULL OR g.state = $1)"
	  " AND " REG_VISIBLE
	  " AND ($5::bigint IS NULL OR region_in_scope(g.region_id,"
	  "  ARRAY[$5::bigint]))"
	  " AND g.id > $6 ORDER BY g.id LIMIT $7" },
	{ "reg_region_exists",
	  "SELECT EXISTS (SELECT 1 FROM regions WHERE id = $1)" },
	/* Whose it is, its state and room, before an upload is stored. */
	{ "reg_editable",
	  "SELECT g.applicant_id = $2, g.state, (SELECT count(*) FROM"
	  " registration_documents d WHERE d.registration_id = g.id) < 10"
	  " FROM registrations g WHERE g.id = $1 AND " REG_VISIBLE },
};

enum {
	STMT_INSERT, STMT_GET, STMT_LOCK, STMT_UPDATE, STMT_MOVE, STMT_EVENT,
	STMT_VENDOR, STMT_DOC_INSERT, STMT_DOC_GET, STMT_DOC_DELETE, STMT_LIST,
	STMT_REGION_EXISTS, STMT_EDITABLE,
};

/* The columns of reg_lock after the detail. */
enum {
	LOCK_DETAIL, LOCK_STATE, LOCK_APPLICANT, LOCK_NAME, LOCK_USER_NAME,
	LOCK_ROLE, LOCK_VENDOR, LOCK_REGION, LOCK_DOCKINDS, LOCK_PATH,
};

/* The editable fields, in the order of reg_insert's parameters. */
static const char *const reg_names[] = {
	"legal_name", "display_name", "category", "address", "region_id",
	"pincode", "gstin", "pan", "bank_account", "ifsc", "bank_holder",
	"contact_name", "contact_phone", "contact_email",
};
#define REG_NFIELDS 14

static const struct jsonv_field reg_fields[] = {
	{ "legal_name", JV_STRING, JV_NULLABLE, 1, 200, 0, 0, 0, NULL },
	{ "display_name", JV_STRING, JV_NULLABLE, 1, 200, 0, 0, 0, NULL },
	{ "category", JV_STRING, JV_NULLABLE, 1, 100, 0, 0, 0, NULL },
	{ "address", JV_STRING, JV_NULLABLE, 1, 500, 0, 0, 0, NULL },
	{ "region_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "pincode", JV_STRING, JV_NULLABLE, 6, 6, 0, 0, 0, NULL },
	{ "gstin", JV_STRING, JV_NULLABLE, 15, 15, 0, 0, 0, NULL },
	{ "pan", JV_STRING, JV_NULLABLE, 10, 10, 0, 0, 0, NULL },
	{ "bank_account", JV_STRING, JV_NULLABLE, 9, 18, 0, 0, 0, NULL },
	{ "ifsc", JV_STRING, JV_NULLABLE, 11, 11, 0, 0, 0, NULL },
	{ "bank_holder", JV_STRING, JV_NULLABLE, 1, 200, 0, 0, 0, NULL },
	{ "contact_name", JV_STRING, JV_NULLABLE, 1, 100, 0, 0, 0, NULL },
	{ "contact_phone", JV_STRING, JV_NULLABLE, 5, 32, 0, 0, 0, NULL },
	{ "contact_email", JV_STRING, JV_NULLABLE, 3, 254, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/* The caller's visibility parameters ($2, $3, $4 of REG_VISIBLE). */
struct reg_who {
	char		 me[24];
	const char	*staff;
	const char	*scope;
};

static void
reg_who(struct req *r, struct reg_who *w)
{
	const struct principal	*p = req_principal(r);

	snprintf(w->me, sizeof w->me, "%lld", (long long)p->user_id);
	w->staff = (p->role & (ROLE_EMPLOYEE | ROLE_SUPERVISOR | ROLE_ADMIN)) ?
	    "true" : "false";
	w->scope = req_scope(r);
}

/*
 * Checks and normalises the fields of body into vals (texts, upper-cased
 * identifiers, E.164 phone); records field errors.  set gets which were
 * given.  vals' strings are owned by vals (free with reg_vals_free).
 */
static void
reg_read_fields(struct req *r, json_t *body, char *vals[REG_NFIELDS],
    bool set[REG_NFIELDS])
{
	json_t		*v;
	char		 phone[32], *p;
	int		 i;

	for (i = 0; i < REG_NFIELDS; i++) {
		vals[i] = NULL;
		set[i] = (v = json_object_get(body, reg_names[i])) != NULL;
		if (v == NULL || json_is_null(v))
			continue;
		if (json_is_integer(v))
			vals[i] = xasprintf("%lld",
			    (long long)json_integer_value(v));
		else
			vals[i] = xstrdup(json_string_value(v));
		if (strpbrk(vals[i], "\r\t") != NULL ||
		    (strcmp(reg_names[i], "address") != 0 &&
		    strchr(vals[i], '\n') != NULL))
			req_field_error(r, reg_names[i], "invalid", "must not "
			    "hold control characters");
	}
	/* Identifiers are upper case however they were typed. */
	for (i = 6; i <= 9; i++)
		for (p = vals[i]; p != NULL && *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
	if (vals[5] != NULL && (vals[5][0] == '0' || strspn(vals[5],
	    "0123456789") != 6))
		req_field_error(r, "pincode", "invalid", "must be 6 digits, "
		    "not starting with 0");
	if (vals[6] != NULL && !kyc_gstin_valid(vals[6]))
		req_field_error(r, "gstin", "invalid", "is not a valid GSTIN "
		    "(its check character does not match)");
	if (vals[7] != NULL && !kyc_pan_valid(vals[7]))
		req_field_error(r, "pan", "invalid", "must be 5 letters, 4 "
		    "digits and a letter");
	if (vals[8] != NULL && !kyc_account_valid(vals[8]))
		req_field_error(r, "bank_account", "invalid", "must be 9 to 18 "
		    "digits");
	if (vals[9] != NULL && !kyc_ifsc_valid(vals[9]))
		req_field_error(r, "ifsc", "invalid", "must be 4 letters, 0 and "
		    "6 letters or digits");
	if (vals[12] != NULL) {
		if (!phone_normalize(vals[12], phone, sizeof phone))
			req_field_error(r, "contact_phone", "invalid", "is not "
			    "a phone number");
		else {
			free(vals[12]);
			vals[12] = xstrdup(phone);
		}
	}
	if (vals[13] != NULL && !account_normalize_email(vals[13]))
		req_field_error(r, "contact_email", "invalid", "is not an "
		    "email address");
}

static void
reg_vals_free(char *vals[REG_NFIELDS])
{
	int	i;

	for (i = 0; i < REG_NFIELDS; i++)
		free(vals[i]);
}

/* The GSTIN carries the PAN in characters 3 to 12: they must agree. */
static bool
reg_pan_matches(const char *gstin, const char *pan)
{
	return gstin == NULL || pan == NULL || strncmp(gstin + 2, pan, 10) == 0;
}

/* Answers with the registration as the caller sees it. */
static void
reg_reply(struct req *r, const char *id, int status)
{
	struct reg_who	 w;
	const char	*params[4];
	PGresult	*res;

	reg_who(r, &w);
	params[0] = id;
	params[1] = w.me;
	params[2] = w.staff;
	params[3] = w.scope;
	if ((res = req_exec(r, &reg_stmts[STMT_GET], 4, params)) == NULL)
		return;
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "there is no registration %s", id);
	else
		req_reply_json_text(r, status, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}

/* --- applicants ---------------------------------------------------------- */

struct create_tx {
	struct req	*r;
	char		*vals[REG_NFIELDS];
	char		 id[24];
	bool		 bad_region;
};

static bool
reg_region_ok(struct db *db, const char *region, bool *bad)
{
	const char	*params[1] = { region };
	PGresult	*res;

	*bad = false;
	if (region == NULL)
		return true;
	if ((res = db_exec(db, &reg_stmts[STMT_REGION_EXISTS], 1, params)) ==
	    NULL)
		return false;
	*bad = PQgetvalue(res, 0, 0)[0] != 't';
	PQclear(res);
	return !*bad;
}

static bool
create_tx_run(struct db *db, void *arg)
{
	struct create_tx	*t = arg;
	const char		*params[15];
	char			 me[24];
	PGresult		*res;
	int			 i;

	if (!reg_region_ok(db, t->vals[4], &t->bad_region))
		return false;
	for (i = 0; i < REG_NFIELDS; i++)
		params[i] = t->vals[i];
	snprintf(me, sizeof me, "%lld", (long long)req_principal(
	    t->r)->user_id);
	params[14] = me;
	if ((res = db_exec(db, &reg_stmts[STMT_INSERT], 15, params)) == NULL)
		return false;
	snprintf(t->id, sizeof t->id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	params[0] = t->id;
	params[1] = NULL;
	params[2] = "draft";
	params[3] = me;
	params[4] = auth_role_name(req_principal(t->r)->role);
	params[5] = NULL;
	if ((res = db_exec(db, &reg_stmts[STMT_EVENT], 6, params)) == NULL)
		return false;
	PQclear(res);
	return account_audit(db, t->r, 0, "registration.created",
	    "registration", t->id, NULL, NULL, NULL);
}

static void
reg_create(struct req *r)
{
	struct create_tx	 t;
	json_t			*body;
	bool			 set[REG_NFIELDS];
	struct db		*db;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, reg_fields)) == NULL)
		return;
	reg_read_fields(r, body, t.vals, set);
	if (!reg_pan_matches(t.vals[6], t.vals[7]))
		req_field_error(r, "pan", "mismatch", "is not the PAN inside "
		    "the GSTIN");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	t.r = r;
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, create_tx_run, &t)) {
		if (t.bad_region) {
			req_field_error(r, "region_id", "unknown", "is not a "
			    "region");
			req_fail_fields(r);
		} else
			req_db_problem(r, db);
		goto out;
	}
	reg_reply(r, t.id, 201);
out:
	reg_vals_free(t.vals);
	json_decref(body);
}

/*
 * A transition (or an edit) of one registration, in one transaction:
 * locks it, checks who may do what from which state, applies, records.
 */
enum reg_action {
	ACT_EDIT, ACT_SUBMIT, ACT_REVIEW, ACT_APPROVE, ACT_REJECT, ACT_CHANGES,
	ACT_UPLOAD, ACT_DROP_DOCUMENT,
};

static const struct {
	enum reg_action	 action;
	const char	*from[3];	/* states it may start from */
	const char	*to;		/* NULL: the state stays */
	bool		 staff;		/* staff act, else the applicant */
	const char	*audit;
	const char	*message;	/* to the applicant; NULL: none */
} reg_actions[] = {
	{ ACT_EDIT, { "draft", "needs_changes", NULL }, NULL, false,
	  "registration.edited", NULL },
	{ ACT_SUBMIT, { "draft", "needs_changes", NULL }, "submitted", false,
	  "registration.submitted", "registration.submitted" },
	{ ACT_REVIEW, { "submitted", NULL, NULL }, "under_review", true,
	  "registration.under_review", NULL },
	{ ACT_APPROVE, { "submitted", "under_review", NULL }, "approved", true,
	  "registration.approved", "registration.approved" },
	{ ACT_REJECT, { "submitted", "under_review", NULL }, "rejected", true,
	  "registration.rejected", "registration.rejected" },
	{ ACT_CHANGES, { "submitted", "under_review", NULL }, "needs_changes",
	  true, "registration.needs_changes", "registration.needs_changes" },
	{ ACT_UPLOAD, { "draft", "needs_changes", NULL }, NULL, false,
	  "registration.document_added", NULL },
	{ ACT_DROP_DOCUMENT, { "draft", "needs_changes", NULL }, NULL, false,
	  "registration.document_removed", NULL },
};

struct act_tx {
	struct req	*r;
	enum reg_action	 action;
	const char	*id;
	const char	*reason;
	/* ACT_EDIT */
	char		**vals;
	bool		*set;
	/* ACT_UPLOAD */
	const char	*doc_kind, *filename, *ctype, *media_key;
	char		 size[24];
	char		*doc_json;
	/* ACT_DROP_DOCUMENT */
	const char	*doc_id;
	/* what happened */
	const char	*refused;	/* a problem detail */
	const char	*refused_code;
	char		 refused_buf[128];
	char		*missing;	/* submit: what is missing */
	char		*before;
	bool		 bad_region;
	const char	*mismatch;	/* edit: the field that disagrees */
};

/* Sends the applicant message kind by every channel they can get it on. */
static bool
reg_tell(struct db *db, PGresult *lock, const char *kind,
    const char *reason)
{
	static const enum notify_channel chans[] = { NOTIFY_EMAIL, NOTIFY_SMS };
	struct outbox_msg	 m;
	json_t			*vars;
	size_t			 i;
	int64_t			 nid;
	bool			 ok = true;

	vars = json_pack("{s:s, s:s}", "user.name", PQgetisnull(lock, 0,
	    LOCK_USER_NAME) ? "" : PQgetvalue(lock, 0, LOCK_USER_NAME),
	    "registration.name", PQgetvalue(lock, 0, LOCK_NAME));
	if (reason != NULL)
		json_object_set_new(vars, "reason", json_string(reason));
	for (i = 0; ok && i < sizeof chans / sizeof chans[0]; i++) {
		memset(&m, 0, sizeof m);
		m.kind = kind;
		m.user_id = strtoll(PQgetvalue(lock, 0, LOCK_APPLICANT), NULL,
		    10);
		m.channel = chans[i];
		m.vars = vars;
		ok = outbox_enqueue(db, &m, &nid);
	}
	json_decref(vars);
	return ok;
}

/*
 * Publishes a change of the locked registration to those who watch it:
 * its applicant (user:<id>), administrators (registrations), and the
 * staff of its region and of each region above it (registrations:<id>),
 * so that nobody hears of another region's registrations.
 */
static bool
reg_publish(struct db *db, PGresult *lock, const char *data)
{
	char	topic[48];

	snprintf(topic, sizeof topic, "user:%s", PQgetvalue(lock, 0,
	    LOCK_APPLICANT));
	return events_publish(db, "registrations", "registration.updated",
	    data) && events_publish(db, topic, "registration.updated", data) &&
	    (PQgetisnull(lock, 0, LOCK_PATH) || events_publish_regions(db,
	    "registrations", PQgetvalue(lock, 0, LOCK_PATH),
	    "registration.updated", data));
}

/* What submitting still needs, or NULL; caller frees. */
static char *
reg_missing(PGresult *lock)
{
	json_t		*g = json_loads(PQgetvalue(lock, 0, LOCK_DETAIL), 0, NULL);
	static const char *const need[] = { "legal_name", "display_name",
	    "category", "address", "region_id", "pincode", "pan",
	    "bank_account", "ifsc", "contact_phone" };
	const char	*kinds = PQgetisnull(lock, 0, LOCK_DOCKINDS) ? "" :
			    PQgetvalue(lock, 0, LOCK_DOCKINDS);
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; i < sizeof need / sizeof need[0]; i++)
		if (json_is_null(json_object_get(g, need[i])) &&
		    !buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", need[i]))
			fatalx("reg_missing");
	if (strstr(kinds, "pan_card") == NULL &&
	    !buf_printf(&b, "%sa pan_card document", b.len > 0 ? ", " : ""))
		fatalx("reg_missing");
	if (strstr(kinds, "bank_proof") == NULL &&
	    !buf_printf(&b, "%sa bank_proof document", b.len > 0 ? ", " : ""))
		fatalx("reg_missing");
	if (!json_is_null(json_object_get(g, "gstin")) &&
	    strstr(kinds, "gst_certificate") == NULL &&
	    !buf_printf(&b, "%sa gst_certificate document (a GSTIN is given)",
	    b.len > 0 ? ", " : ""))
		fatalx("reg_missing");
	if (!reg_pan_matches(json_string_value(json_object_get(g, "gstin")),
	    json_string_value(json_object_get(g, "pan"))) &&
	    !buf_printf(&b, "%sa PAN matching the GSTIN", b.len > 0 ? ", " :
	    ""))
		fatalx("reg_missing");
	json_decref(g);
	return b.len > 0 ? buf_take(&b, NULL) : (buf_free(&b), NULL);
}

static bool
act_tx_run(struct db *db, void *arg)
{
	struct act_tx		*t = arg;
	const struct principal	*p = req_principal(t->r);
	struct reg_who		 w;
	const char		*params[16], *state, *to;
	char			 me[24], flags[512], vendor[24], *data;
	PGresult		*lock, *res;
	size_t			 i, k;
	bool			 ok = false, from_ok = false;
	int			 a;

	free(t->before);
	free(t->missing);
	free(t->doc_json);
	t->before = t->missing = t->doc_json = NULL;
	t->refused = t->refused_code = t->mismatch = NULL;
	for (a = 0; reg_actions[a].action != t->action; a++)
		;
	reg_who(t->r, &w);
	params[0] = t->id;
	params[1] = w.me;
	params[2] = w.staff;
	params[3] = w.scope;
	if ((lock = db_exec(db, &reg_stmts[STMT_LOCK], 4, params)) == NULL)
		return false;
	if (PQntuples(lock) == 0) {
		t->refused_code = "not-found";
		t->refused = "there is no such registration";
		PQclear(lock);
		return false;
	}
	t->before = xstrdup(PQgetvalue(lock, 0, LOCK_DETAIL));
	state = PQgetvalue(lock, 0, LOCK_STATE);
	snprintf(me, sizeof me, "%lld", (long long)p->user_id);
	/* The applicant acts on theirs; staff on others' (never their own). */
	if (reg_actions[a].staff != (strcmp(PQgetvalue(lock, 0,
	    LOCK_APPLICANT), me) != 0) || (reg_actions[a].staff &&
	    strcmp(w.staff, "true") != 0)) {
		t->refused_code = "forbidden";
		t->refused = reg_actions[a].staff ? "applicants cannot review "
		    "their own registration" : "only the applicant may change "
		    "a registration";
		goto out;
	}
	for (k = 0; k < 3 && reg_actions[a].from[k] != NULL; k++)
		from_ok = from_ok || strcmp(state, reg_actions[a].from[k]) == 0;
	if (!from_ok) {
		t->refused_code = "unprocessable";
		snprintf(t->refused_buf, sizeof t->refused_buf, "this "
		    "registration is %s", state);
		t->refused = t->refused_buf;
		goto out;
	}
	to = reg_actions[a].to;
	switch (t->action) {
	case ACT_EDIT:
		if (t->set[4] && !reg_region_ok(db, t->vals[4],
		    &t->bad_region)) {
			if (t->bad_region) {
				t->refused_code = "validation";
				t->refused = "region_id is not a region";
			}
			goto out;
		}
		params[0] = t->id;
		flags[0] = '{';
		flags[1] = '\0';
		for (i = 0; i < REG_NFIELDS; i++) {
			params[i + 1] = t->vals[i];
			if (t->set[i])
				snprintf(flags + strlen(flags), sizeof flags -
				    strlen(flags), "%s%s", flags[1] != '\0' ?
				    "," : "", reg_names[i]);
		}
		snprintf(flags + strlen(flags), sizeof flags - strlen(flags),
		    "}");
		params[15] = flags;
		if ((res = db_exec(db, &reg_stmts[STMT_UPDATE], 16, params)) ==
		    NULL)
			goto out;
		/* The registration as changed must agree with itself. */
		if (!reg_pan_matches(PQgetisnull(res, 0, 0) ? NULL :
		    PQgetvalue(res, 0, 0), PQgetisnull(res, 0, 1) ? NULL :
		    PQgetvalue(res, 0, 1))) {
			PQclear(res);
			t->mismatch = t->set[7] ? "pan" : "gstin";
			goto out;
		}
		PQclear(res);
		break;
	case ACT_SUBMIT:
		if ((t->missing = reg_missing(lock)) != NULL) {
			t->refused_code = "validation";
			goto out;
		}
		break;
	case ACT_APPROVE:
		if (strcmp(PQgetvalue(lock, 0, LOCK_ROLE), "customer") != 0 &&
		    strcmp(PQgetvalue(lock, 0, LOCK_ROLE), "b2b_buyer") != 0) {
			t->refused_code = "unprocessable";
			t->refused = "the applicant is no longer a customer (a "
			    "vendor or staff account cannot become a vendor's "
			    "owner)";
			goto out;
		}
		params[0] = t->id;
		params[1] = PQgetvalue(lock, 0, LOCK_APPLICANT);
		if ((res = db_exec(db, &reg_stmts[STMT_VENDOR], 2, params)) ==
		    NULL)
			goto out;
		snprintf(vendor, sizeof vendor, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		/* The applicant's role changed: their tokens must refresh. */
		if (!auth_void_tokens(db, strtoll(PQgetvalue(lock, 0,
		    LOCK_APPLICANT), NULL, 10)))
			goto out;
		/* A new vendor, for the staff watching their regions'. */
		{
			char	*created = xasprintf("{\"id\":%s,\"status\":"
				    "\"active\"}", vendor);
			bool	 told = events_publish(db, "vendors",
				    "vendor.created", created) &&
				    (PQgetisnull(lock, 0, LOCK_PATH) ||
				    events_publish_regions(db, "vendors",
				    PQgetvalue(lock, 0, LOCK_PATH),
				    "vendor.created", created));

			free(created);
			if (!told)
				goto out;
		}
		break;
	case ACT_UPLOAD:
		params[0] = t->id;
		params[1] = t->doc_kind;
		params[2] = t->filename;
		params[3] = t->ctype;
		params[4] = t->size;
		params[5] = t->media_key;
		params[6] = me;
		if ((res = db_exec(db, &reg_stmts[STMT_DOC_INSERT], 7,
		    params)) == NULL)
			goto out;
		if (PQntuples(res) == 0) {
			PQclear(res);
			t->refused_code = "unprocessable";
			t->refused = "a registration holds at most 10 "
			    "documents: remove one first";
			goto out;
		}
		t->doc_json = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		break;
	case ACT_DROP_DOCUMENT:
		params[0] = t->id;
		params[1] = t->doc_id;
		if ((res = db_exec(db, &reg_stmts[STMT_DOC_DELETE], 2,
		    params)) == NULL)
			goto out;
		if (strcmp(PQcmdTuples(res), "0") == 0) {
			PQclear(res);
			t->refused_code = "not-found";
			t->refused = "there is no such document";
			goto out;
		}
		PQclear(res);
		break;
	default:
		break;
	}
	if (to != NULL) {
		params[0] = t->id;
		params[1] = to;
		params[2] = t->reason;
		params[3] = reg_actions[a].staff ? me : NULL;
		if ((res = db_exec(db, &reg_stmts[STMT_MOVE], 4, params)) ==
		    NULL)
			goto out;
		PQclear(res);
		params[0] = t->id;
		params[1] = state;
		params[2] = to;
		params[3] = me;
		params[4] = auth_role_name(p->role);
		params[5] = t->reason;
		if ((res = db_exec(db, &reg_stmts[STMT_EVENT], 6, params)) ==
		    NULL)
			goto out;
		PQclear(res);
		if (reg_actions[a].message != NULL && !reg_tell(db, lock,
		    reg_actions[a].message, t->reason))
			goto out;
		/* Staff queues and the applicant's app update live. */
		data = xasprintf("{\"id\": %s, \"state\": \"%s\", "
		    "\"region_id\": %s}", t->id, to, PQgetisnull(lock, 0,
		    LOCK_REGION) ? "null" : PQgetvalue(lock, 0, LOCK_REGION));
		ok = reg_publish(db, lock, data);
		free(data);
		if (!ok)
			goto out;
	}
	ok = account_audit(db, t->r, 0, reg_actions[a].audit, "registration",
	    t->id, t->before, NULL, t->reason != NULL ? t->reason :
	    t->filename);
out:
	PQclear(lock);
	return ok && t->refused == NULL && t->missing == NULL &&
	    t->mismatch == NULL;
}

/* Runs an action; on success answers with the registration. */
static bool
reg_act(struct req *r, struct act_tx *t)
{
	struct db	*db;

	t->r = r;
	if (t->id == NULL)
		t->id = req_param(r, "id");
	if ((db = req_db(r)) == NULL)
		return false;
	if (!db_tx(db, DB_READ_COMMITTED, act_tx_run, t)) {
		if (t->missing != NULL) {
			req_field_error(r, "", "incomplete", "still needs: %s",
			    t->missing);
			req_fail_fields(r);
		} else if (t->bad_region) {
			req_field_error(r, "region_id", "unknown", "is not a "
			    "region");
			req_fail_fields(r);
		} else if (t->mismatch != NULL) {
			req_field_error(r, t->mismatch, "mismatch", "%s",
			    strcmp(t->mismatch, "pan") == 0 ? "is not the PAN "
			    "inside the GSTIN" : "does not carry the "
			    "registration's PAN");
			req_fail_fields(r);
		} else if (t->refused != NULL)
			req_problem(r, t->refused_code, "%s", t->refused);
		else
			req_db_problem(r, db);
		return false;
	}
	return true;
}

static void
reg_act_free(struct act_tx *t)
{
	free(t->before);
	free(t->missing);
	free(t->doc_json);
}

static void
reg_edit(struct req *r)
{
	struct act_tx	 t;
	json_t		*body;
	char		*vals[REG_NFIELDS];
	bool		 set[REG_NFIELDS];

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, reg_fields)) == NULL)
		return;
	reg_read_fields(r, body, vals, set);
	if (json_object_size(body) == 0)
		req_field_error(r, "", "empty", "change at least one field");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	t.action = ACT_EDIT;
	t.vals = vals;
	t.set = set;
	if (reg_act(r, &t))
		reg_reply(r, t.id, 200);
out:
	reg_act_free(&t);
	reg_vals_free(vals);
	json_decref(body);
}

static void
reg_simple(struct req *r, enum reg_action action)
{
	struct act_tx	t;

	memset(&t, 0, sizeof t);
	t.action = action;
	if (reg_act(r, &t))
		reg_reply(r, t.id, 200);
	reg_act_free(&t);
}

static void
reg_submit(struct req *r)
{
	reg_simple(r, ACT_SUBMIT);
}

static void
reg_review(struct req *r)
{
	reg_simple(r, ACT_REVIEW);
}

static void
reg_approve(struct req *r)
{
	reg_simple(r, ACT_APPROVE);
}

static const struct jsonv_field reason_fields[] = {
	{ "reason", JV_STRING, JV_REQUIRED, 3, 2000, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
reg_decide(struct req *r, enum reg_action action)
{
	struct act_tx	 t;
	json_t		*body;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, reason_fields)) == NULL)
		return;
	t.action = action;
	t.reason = json_string_value(json_object_get(body, "reason"));
	if (reg_act(r, &t))
		reg_reply(r, t.id, 200);
	reg_act_free(&t);
	json_decref(body);
}

static void
reg_reject(struct req *r)
{
	reg_decide(r, ACT_REJECT);
}

static void
reg_changes(struct req *r)
{
	reg_decide(r, ACT_CHANGES);
}

/* --- documents ------------------------------------------------------------ */

static const char *const doc_kinds[] = {
	"gst_certificate", "pan_card", "bank_proof", "address_proof", "other",
};

/* A file name safe to store and to send back in Content-Disposition. */
static char *
reg_filename(const char *s)
{
	char	*out;
	size_t	 i, n;

	if (s == NULL || *s == '\0')
		return NULL;
	n = strlen(s);
	if (n > 200)
		return NULL;
	out = xstrdup(s);
	for (i = 0; i < n; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == '"' ||
		    out[i] == '\\' || out[i] == '/' || out[i] == 0x7f)
			out[i] = '_';
	}
	return out;
}

/*
 * Whether the caller may add a document to the registration now, as
 * act_tx_run will decide again under its lock; answers when not.
 */
static bool
reg_editable(struct req *r, const char *id)
{
	struct reg_who	 w;
	const char	*params[4];
	PGresult	*res;
	bool		 ok = false;

	reg_who(r, &w);
	params[0] = id;
	params[1] = w.me;
	params[2] = w.staff;
	params[3] = w.scope;
	if ((res = req_exec(r, &reg_stmts[STMT_EDITABLE], 4, params)) == NULL)
		return false;
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "there is no such registration");
	else if (PQgetvalue(res, 0, 0)[0] != 't')
		req_problem(r, "forbidden", "only the applicant may change a "
		    "registration");
	else if (strcmp(PQgetvalue(res, 0, 1), "draft") != 0 &&
	    strcmp(PQgetvalue(res, 0, 1), "needs_changes") != 0)
		req_problem(r, "unprocessable", "this registration is %s",
		    PQgetvalue(res, 0, 1));
	else if (PQgetvalue(res, 0, 2)[0] != 't')
		req_problem(r, "unprocessable", "a registration holds at most "
		    "10 documents: remove one first");
	else
		ok = true;
	PQclear(res);
	return ok;
}

static void
reg_upload(struct req *r)
{
	const char	*kind = req_query(r, "kind"), *data, *ctype;
	char		*filename = reg_filename(req_query(r, "filename")),
			*key = NULL, *cause = NULL;
	struct act_tx	 t;
	struct db	*db;
	size_t		 len, i;
	bool		 known = false;

	memset(&t, 0, sizeof t);
	for (i = 0; kind != NULL && i < API_NELEM(doc_kinds); i++)
		known = known || strcmp(kind, doc_kinds[i]) == 0;
	if (!known)
		req_field_error(r, "kind", "invalid", "must be gst_certificate, "
		    "pan_card, bank_proof, address_proof or other");
	if (filename == NULL)
		req_field_error(r, "filename", "invalid", "must be given, at "
		    "most 200 characters");
	data = req_body(r, &len);
	if (len == 0)
		req_field_error(r, "", "empty", "send the file as the request "
		    "body");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if (len > api_config->kyc_max) {
		req_problem(r, "payload-too-large", "a document may be at most "
		    "%zu bytes", api_config->kyc_max);
		goto out;
	}
	/* What the file is comes from its bytes, not its name or headers. */
	ctype = media_sniff(data, len);
	if (ctype == NULL || strcmp(ctype, "image/webp") == 0) {
		req_problem(r, "unsupported-media-type", "a document must be a "
		    "PDF, JPEG or PNG file");
		goto out;
	}
	/* Nothing is stored for a registration that cannot take it. */
	if (!reg_editable(r, req_param(r, "id")))
		goto out;
	if ((db = req_db(r)) == NULL)
		goto out;
	if ((key = media_put(db, data, len, &cause)) == NULL) {
		req_problem(r, "unavailable", "the file could not be stored; "
		    "try again");
		goto out;
	}
	t.action = ACT_UPLOAD;
	t.doc_kind = kind;
	t.filename = filename;
	t.ctype = ctype;
	t.media_key = key;
	snprintf(t.size, sizeof t.size, "%zu", len);
	if (reg_act(r, &t))
		req_reply_json_text(r, 201, t.doc_json, strlen(t.doc_json));
out:
	reg_act_free(&t);
	free(filename);
	free(key);
	free(cause);
}

static void
reg_document(struct req *r)
{
	struct reg_who	 w;
	const char	*params[5], *ctype;
	char		*bytes, *disp;
	PGresult	*res;
	size_t		 len;

	reg_who(r, &w);
	params[0] = req_param(r, "id");
	params[1] = w.me;
	params[2] = w.staff;
	params[3] = w.scope;
	params[4] = req_param(r, "document_id");
	if ((res = req_exec(r, &reg_stmts[STMT_DOC_GET], 5, params)) == NULL)
		return;
	if (PQntuples(res) == 0) {
		req_problem(r, "not-found", "there is no such document");
		goto out;
	}
	if ((bytes = media_get(PQgetvalue(res, 0, 0), &len)) == NULL) {
		log_error("document %s: its file %s is missing", params[4],
		    PQgetvalue(res, 0, 0));
		req_problem(r, "internal", "the document's file is missing");
		goto out;
	}
	/* KYC documents are private: never cached, never shared. */
	req_add_header(r, "Cache-Control", "private, no-store");
	req_add_header(r, "X-Content-Type-Options", "nosniff");
	disp = xasprintf("attachment; filename=\"%s\"", PQgetvalue(res, 0, 2));
	req_add_header(r, "Content-Disposition", disp);
	free(disp);
	/* The stored bytes say what they are (a static string to keep). */
	ctype = media_sniff(bytes, len);
	req_reply(r, 200, ctype != NULL ? ctype : "application/octet-stream",
	    bytes, len);
out:
	PQclear(res);
}

static void
reg_document_drop(struct req *r)
{
	struct act_tx	t;

	memset(&t, 0, sizeof t);
	t.action = ACT_DROP_DOCUMENT;
	t.doc_id = req_param(r, "document_id");
	if (reg_act(r, &t))
		reg_reply(r, t.id, 200);
	reg_act_free(&t);
}

/* --- lists ------------------------------------------------------------- */

static void
reg_list(struct req *r)
{
	const char	*state = req_query(r, "state"), *region = req_query(r,
			    "region_id"), *params[7];
	static const char *const states[] = { "draft", "submitted",
	    "under_review", "approved", "rejected", "needs_changes" };
	struct reg_who	 w;
	struct req_page_id	 pg;
	PGresult	*res = NULL;
	size_t		 i;
	bool		 known = state == NULL;

	if (!req_page_id(r, false, &pg))
		goto fail;
	for (i = 0; !known && i < API_NELEM(states); i++)
		known = strcmp(state, states[i]) == 0;
	if (!known)
		req_field_error(r, "state", "invalid", "is not a registration "
		    "state");
	if (region != NULL && !router_valid_id(region, strlen(region)))
		req_field_error(r, "region_id", "invalid", "must be a region "
		    "id");
	if (req_has_field_errors(r))
		goto fail;
	reg_who(r, &w);
	params[0] = state;
	params[1] = w.me;
	params[2] = w.staff;
	params[3] = w.scope;
	params[4] = region;
	params[5] = pg.after;
	params[6] = pg.limit_plus;
	if ((res = req_exec(r, &reg_stmts[STMT_LIST], 7, params)) == NULL)
		goto out;
	req_reply_rows(r, res, pg.limit);
	goto out;
fail:
	req_fail_fields(r);
out:
	PQclear(res);
}

static void
reg_get(struct req *r)
{
	reg_reply(r, req_param(r, "id"), 200);
}

static const struct route reg_routes[] = {
	{ "POST", "/v1/registrations", reg_create, NULL,
	  "registrations.apply", "start registering a business", 0 },
	{ "GET", "/v1/registrations", reg_list, "state,region_id,limit,after",
	  "registrations.read", "my registrations, or my regions' queue", 0 },
	{ "GET", "/v1/registrations/{id}", reg_get, NULL,
	  "registrations.read", "one registration with documents and "
	  "history", 0 },
	{ "PATCH", "/v1/registrations/{id}", reg_edit, NULL,
	  "registrations.apply", "edit a draft registration", 0 },
	{ "POST", "/v1/registrations/{id}/submit", reg_submit, NULL,
	  "registrations.apply", "submit a registration for review", 0 },
	{ "POST", "/v1/registrations/{id}/documents", reg_upload,
	  "kind,filename", "registrations.apply",
	  "upload a KYC document (the file is the body)", REG_UPLOAD_MAX },
	{ "GET", "/v1/registrations/{id}/documents/{document_id}",
	  reg_document, NULL, "registrations.read", "a KYC document", 0 },
	{ "DELETE", "/v1/registrations/{id}/documents/{document_id}",
	  reg_document_drop, NULL, "registrations.apply",
	  "remove a KYC document", 0 },
	{ "POST", "/v1/registrations/{id}/review", reg_review, NULL,
	  "registrations.review", "take up a submitted registration", 0 },
	{ "POST", "/v1/registrations/{id}/approve", reg_approve, NULL,
	  "registrations.review", "approve: the business becomes a vendor",
	  0 },
	{ "POST", "/v1/registrations/{id}/reject", reg_reject, NULL,
	  "registrations.review", "reject, with a reason", 0 },
	{ "POST", "/v1/registrations/{id}/request-changes", reg_changes, NULL,
	  "registrations.review", "send back, saying what to change", 0 },
};

const struct api_module registrations_module = {
	"registrations", reg_routes, API_NELEM(reg_routes), reg_stmts,
	API_NELEM(reg_stmts),
};
