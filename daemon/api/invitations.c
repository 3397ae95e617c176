/*
 * invitations: someone who already has an account joins a vendor's team
 * only if they say so.
 *
 *	GET    /v1/me/invitations				mine, newest first
 *	POST   /v1/me/invitations/{id}/accept			join the team
 *	POST   /v1/me/invitations/{id}/decline
 *	GET    /v1/vendors/{id}/invitations			the owner's view
 *	DELETE /v1/vendors/{id}/invitations/{invitation_id}	take one back
 *
 * An owner adding staff by a phone or email that belongs to an account
 * sends an invitation (vendors.c); it is open for 7 days.  Accepting turns
 * a customer account into the vendor's staff and voids its access tokens,
 * which still say customer; only a customer account can accept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "invitations.h"
#include "req.h"

/* An invitation i, as both sides see it: expired when past its time. */
#define INVITATION_JSON(i)						\
	"json_build_object('id', " i ".id, 'vendor_id', " i ".vendor_id, " \
	"'vendor_name', (SELECT name FROM vendors WHERE id = " i		\
	".vendor_id), 'user_id', " i ".user_id, 'user_name', (SELECT "	\
	"name FROM users WHERE id = " i ".user_id), 'invited_by', " i	\
	".invited_by, 'state', CASE WHEN " i ".state = 'pending' AND "	\
	i ".expires_at <= now() THEN 'expired' ELSE " i ".state END, "	\
	"'created_at', rfc3339(" i ".created_at), 'expires_at', rfc3339("	\
	i ".expires_at), 'decided_at', rfc3339(" i ".decided_at))"

static const struct db_stmt invitation_stmts[] = {
	/* $1 user, $2 vendor, $3 by: a new one, or the open one renewed. */
	{ "invitation_send",
	  "INSERT INTO vendor_invitations AS i (user_id, vendor_id, invited_by)"
	  " VALUES ($1, $2, $3) ON CONFLICT (vendor_id, user_id)"
	  " WHERE state = 'pending' DO UPDATE SET invited_by = $3,"
	  " created_at = now(), expires_at = now() + interval '7 days'"
	  " RETURNING " INVITATION_JSON("i") "::text" },
	/* $1 user, $2 id after, $3 limit */
	{ "invitation_mine",
	  "SELECT " INVITATION_JSON("i") "::text, i.id FROM vendor_invitations i"
	  " WHERE i.user_id = $1 AND i.id < $2 ORDER BY i.id DESC LIMIT $3" },
	{ "invitation_vendor",
	  "SELECT " INVITATION_JSON("i") "::text, i.id FROM vendor_invitations i"
	  " WHERE i.vendor_id = $1 AND i.id < $2 ORDER BY i.id DESC LIMIT $3" },
	/* $1 id, $2 user: the invitation with its invitee's account, locked. */
	{ "invitation_lock",
	  "SELECT i.state, i.expires_at <= now(), u.role, i.vendor_id,"
	  " v.status FROM vendor_invitations i JOIN users u ON u.id = i.user_id"
	  " JOIN vendors v ON v.id = i.vendor_id"
	  " WHERE i.id = $1 AND i.user_id = $2 FOR UPDATE OF i, u" },
	/* $1 id, $2 state */
	{ "invitation_decide",
	  "UPDATE vendor_invitations i SET state = $2, decided_at = now()"
	  " WHERE i.id = $1 RETURNING " INVITATION_JSON("i") "::text" },
	/* $1 user, $2 vendor */
	{ "invitation_join",
	  "UPDATE users SET role = 'vendor_staff', vendor_id = $2"
	  " WHERE id = $1 AND role = 'customer'" },
	/* $1 vendor, $2 id: an owner takes back an open invitation. */
	{ "invitation_revoke",
	  "UPDATE vendor_invitations i SET state = 'revoked', decided_at = now()"
	  " WHERE i.vendor_id = $1 AND i.id = $2 AND i.state = 'pending'"
	  " RETURNING " INVITATION_JSON("i") "::text" },
};

enum {
	STMT_SEND, STMT_MINE, STMT_VENDOR, STMT_LOCK, STMT_DECIDE, STMT_JOIN,
	STMT_REVOKE,
};

bool
invitation_send(struct db *db, int64_t user, int64_t vendor, int64_t by,
    char **json)
{
	char		 u[24], v[24], b[24];
	const char	*params[3] = { u, v, b };
	PGresult	*res;

	snprintf(u, sizeof u, "%lld", (long long)user);
	snprintf(v, sizeof v, "%lld", (long long)vendor);
	snprintf(b, sizeof b, "%lld", (long long)by);
	if ((res = db_exec(db, &invitation_stmts[STMT_SEND], 3, params)) ==
	    NULL)
		return false;
	*json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

/* Answers a page of invitations: $1 the owner (user or vendor). */
static void
invitation_page(struct req *r, int stmt, const char *owner)
{
	struct req_page_id	 pg;
	const char		*params[3];
	PGresult		*res;

	if (!req_page_id(r, true, &pg)) {
		req_fail_fields(r);
		return;
	}
	params[0] = owner;
	params[1] = pg.after;
	params[2] = pg.limit_plus;
	if ((res = req_exec(r, &invitation_stmts[stmt], 3, params)) != NULL) {
		req_reply_rows(r, res, pg.limit);
		PQclear(res);
	}
}

static void
invitation_mine(struct req *r)
{
	char	me[24];

	snprintf(me, sizeof me, "%lld", (long long)req_principal(r)->user_id);
	invitation_page(r, STMT_MINE, me);
}

/* The vendor of the path, when the caller is its owner or an admin. */
static bool
invitation_vendor_ok(struct req *r, const char *id)
{
	const struct principal	*p = req_principal(r);
	char			 mine[24];

	snprintf(mine, sizeof mine, "%lld", (long long)p->vendor_id);
	if (p->role == ROLE_ADMIN || strcmp(mine, id) == 0)
		return true;
	req_problem(r, "not-found", "there is no vendor %s", id);
	return false;
}

static void
invitation_vendor(struct req *r)
{
	if (invitation_vendor_ok(r, req_param(r, "id")))
		invitation_page(r, STMT_VENDOR, req_param(r, "id"));
}

struct decide_tx {
	struct req	*r;
	const char	*id;
	bool		 accept;
	char		*json;
	const char	*refused;
	bool		 missing;
};

static bool
decide_tx_run(struct db *db, void *arg)
{
	struct decide_tx	*t = arg;
	char			 me[24], vendor[24];
	const char		*params[2];
	PGresult		*res;
	int64_t			 user = req_principal(t->r)->user_id;

	free(t->json);
	t->json = NULL;
	t->refused = NULL;
	snprintf(me, sizeof me, "%lld", (long long)user);
	params[0] = t->id;
	params[1] = me;
	if ((res = db_exec(db, &invitation_stmts[STMT_LOCK], 2, params)) ==
	    NULL)
		return false;
	if ((t->missing = PQntuples(res) == 0)) {
		PQclear(res);
		return false;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "pending") != 0)
		t->refused = "the invitation is not open any more";
	else if (PQgetvalue(res, 0, 1)[0] == 't')
		t->refused = "the invitation expired: ask for a new one";
	else if (t->accept && strcmp(PQgetvalue(res, 0, 2), "customer") != 0)
		t->refused = "only a customer account can join a vendor's team";
	else if (t->accept && strcmp(PQgetvalue(res, 0, 4), "active") != 0)
		t->refused = "the vendor is suspended";
	snprintf(vendor, sizeof vendor, "%s", PQgetvalue(res, 0, 3));
	PQclear(res);
	if (t->refused != NULL)
		return false;
	params[1] = t->accept ? "accepted" : "declined";
	if ((res = db_exec(db, &invitation_stmts[STMT_DECIDE], 2, params)) ==
	    NULL)
		return false;
	t->json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (t->accept) {
		params[0] = me;
		params[1] = vendor;
		if ((res = db_exec(db, &invitation_stmts[STMT_JOIN], 2,
		    params)) == NULL)
			return false;
		PQclear(res);
		/* Its tokens still say customer: they must be refreshed. */
		if (!auth_void_tokens(db, user))
			return false;
	}
	return account_audit(db, t->r, 0, t->accept ? "vendor.staff_joined" :
	    "vendor.staff_declined", "vendor", vendor, NULL, t->json, NULL);
}

static void
invitation_decide(struct req *r, bool accept)
{
	struct decide_tx	 t;
	struct db		*db;

	memset(&t, 0, sizeof t);
	t.r = r;
	t.id = req_param(r, "id");
	t.accept = accept;
	if ((db = req_db(r)) == NULL)
		return;
	if (!db_tx(db, DB_READ_COMMITTED, decide_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "you have no invitation %s",
			    t.id);
		else if (t.refused != NULL)
			req_problem(r, "unprocessable", "%s", t.refused);
		else
			req_db_problem(r, db);
	} else
		req_reply_json_text(r, 200, t.json, strlen(t.json));
	free(t.json);
}

static void
invitation_accept(struct req *r)
{
	invitation_decide(r, true);
}

static void
invitation_decline(struct req *r)
{
	invitation_decide(r, false);
}

struct revoke_tx {
	struct req	*r;
	const char	*vendor, *id;
	char		*json;
	bool		 missing;
};

static bool
revoke_tx_run(struct db *db, void *arg)
{
	struct revoke_tx	*t = arg;
	const char		*params[2] = { t->vendor, t->id };
	PGresult		*res;

	free(t->json);
	t->json = NULL;
	if ((res = db_exec(db, &invitation_stmts[STMT_REVOKE], 2, params)) ==
	    NULL)
		return false;
	if ((t->missing = PQntuples(res) == 0)) {
		PQclear(res);
		return false;
	}
	t->json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return account_audit(db, t->r, 0, "vendor.invitation_revoked",
	    "vendor", t->vendor, NULL, t->json, NULL);
}

static void
invitation_revoke(struct req *r)
{
	struct revoke_tx	 t;
	struct db		*db;

	memset(&t, 0, sizeof t);
	t.r = r;
	t.vendor = req_param(r, "id");
	t.id = req_param(r, "invitation_id");
	if (!invitation_vendor_ok(r, t.vendor) || (db = req_db(r)) == NULL)
		return;
	if (!db_tx(db, DB_READ_COMMITTED, revoke_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "vendor %s has no open "
			    "invitation %s", t.vendor, t.id);
		else
			req_db_problem(r, db);
	} else
		req_reply(r, 204, NULL, xstrdup(""), 0);
	free(t.json);
}

static const struct route invitation_routes[] = {
	{ "GET", "/v1/me/invitations", invitation_mine, "limit,after", "self",
	  "invitations to vendors' teams, newest first", 0 },
	{ "POST", "/v1/me/invitations/{id}/accept", invitation_accept, NULL,
	  "self", "join a vendor's team", 0 },
	{ "POST", "/v1/me/invitations/{id}/decline", invitation_decline, NULL,
	  "self", "decline an invitation", 0 },
	{ "GET", "/v1/vendors/{id}/invitations", invitation_vendor,
	  "limit,after", "vendor.profile", "the vendor's invitations", 0 },
	{ "DELETE", "/v1/vendors/{id}/invitations/{invitation_id}",
	  invitation_revoke, NULL, "vendor.profile",
	  "take back an open invitation", 0 },
};

const struct api_module invitations_module = {
	"invitations", invitation_routes, API_NELEM(invitation_routes),
	invitation_stmts, API_NELEM(invitation_stmts),
};
