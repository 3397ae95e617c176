/*
 * auth: signing in and staying signed in.
 *
 *	POST /v1/auth/login	email and password → tokens
 *	POST /v1/auth/refresh	a refresh token → new tokens (rotated)
 *	POST /v1/auth/logout	ends the caller's session
 *
 * A refresh token is single use: refreshing rotates it, and presenting a
 * rotated one again (it was stolen, or replayed) revokes its whole family.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "config.h"
#include "log.h"
#include "req.h"

static const struct db_stmt auth_api_stmts[] = {
	{ "auth_login_user",
	  "SELECT u.id, u.password_hash, u.status, u.locked_until > now(),"
	  " rfc3339(u.locked_until),"
	  " ceil(extract(epoch FROM u.locked_until - now()))::bigint,"
	  " u.status_reason FROM users u WHERE lower(u.email) = $1" },
	/*
	 * $1 user, $2 ip, $3 most failures an hour.  Failures while locked
	 * count too (and keep it locked); true when this one locked it.
	 */
	{ "auth_login_failed",
	  "WITH f AS (INSERT INTO login_failures (user_id, ip)"
	  "  VALUES ($1, $2::inet)),"
	  " n AS (SELECT count(*) + 1 AS c FROM login_failures"
	  "  WHERE user_id = $1 AND at > now() - interval '1 hour'),"
	  " o AS (SELECT coalesce(locked_until > now(), false) AS locked"
	  "  FROM users WHERE id = $1) "
	  "UPDATE users SET locked_until = CASE WHEN (SELECT c FROM n) >= $3"
	  "  THEN now() + interval '1 hour' ELSE locked_until END"
	  " WHERE id = $1"
	  " RETURNING (SELECT c FROM n) >= $3 AND NOT (SELECT locked FROM o)" },
	{ "auth_login_ok",
	  "UPDATE users u SET last_login_at = now() WHERE id = $1"
	  " RETURNING " ACCOUNT_USER_JSON "::text" },
	/* The session a refresh token belongs to, locked. */
	{ "auth_refresh_find",
	  "SELECT s.id, s.user_id, s.family_id, s.expires_at < now(),"
	  " s.rotated_at IS NOT NULL, s.revoked_at IS NOT NULL, u.status "
	  "FROM sessions s JOIN users u ON u.id = s.user_id"
	  " WHERE s.token_hash = $1::bytea FOR UPDATE OF s" },
	{ "auth_refresh_rotate",
	  "UPDATE sessions SET rotated_at = now(), last_used_at = now()"
	  " WHERE id = $1" },
	{ "auth_family_revoke",
	  "UPDATE sessions SET revoked_at = now(), revoked_why = $2"
	  " WHERE family_id = $1 AND revoked_at IS NULL" },
	{ "auth_user_json",
	  "SELECT " ACCOUNT_USER_JSON "::text FROM users u WHERE u.id = $1" },
};

enum {
	STMT_LOGIN_USER, STMT_LOGIN_FAILED, STMT_LOGIN_OK, STMT_REFRESH_FIND,
	STMT_REFRESH_ROTATE, STMT_FAMILY_REVOKE, STMT_USER_JSON,
};

static const struct jsonv_field login_fields[] = {
	{ "email", JV_STRING, JV_REQUIRED, 3, 254, 0, 0, 0, NULL },
	{ "password", JV_STRING, JV_REQUIRED, 1, 1024, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct jsonv_field refresh_fields[] = {
	{ "refresh_token", JV_STRING, JV_REQUIRED, 1, 200, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/* What a successful login writes, in one transaction. */
struct login_tx {
	struct req		*r;
	struct principal	 p;
	char			*refresh;
	char			*user_json;
};

static bool
login_tx_run(struct db *db, void *arg)
{
	struct login_tx	*t = arg;
	char		 id[24];
	const char	*params[1] = { id };
	PGresult	*res;

	free(t->refresh);
	free(t->user_json);
	t->refresh = t->user_json = NULL;
	snprintf(id, sizeof id, "%lld", (long long)t->p.user_id);
	if (!account_open_session(db, t->r, &t->p, 0, &t->refresh))
		return false;
	if ((res = db_exec(db, &auth_api_stmts[STMT_LOGIN_OK], 1, params)) ==
	    NULL)
		return false;
	t->user_json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return account_audit(db, t->r, t->p.user_id, "auth.login", "user", id,
	    NULL, NULL, "password");
}

static void
auth_login(struct req *r)
{
	json_t		*body = NULL;
	char		*email = NULL, id[24], max[24], *retry = NULL;
	const char	*params[3], *hash;
	struct db	*db;
	PGresult	*res = NULL, *fail;
	struct login_tx	 t = { r, { 0 }, NULL, NULL };
	int		 ok;

	if ((body = req_body_json(r, login_fields)) == NULL)
		goto out;
	email = xstrdup(json_string_value(json_object_get(body, "email")));
	if (!account_normalize_email(email)) {
		req_field_error(r, "email", "invalid", "is not an email "
		    "address");
		req_fail_fields(r);
		goto out;
	}
	params[0] = email;
	if ((res = req_exec(r, &auth_api_stmts[STMT_LOGIN_USER], 1, params)) ==
	    NULL)
		goto out;
	hash = PQntuples(res) == 1 && !PQgetisnull(res, 0, 1) ?
	    PQgetvalue(res, 0, 1) : NULL;
	/*
	 * The hash runs outside any transaction: it takes a while.  The
	 * password is checked before the lock, so that only someone who
	 * knows it learns that the account is locked (or exists).
	 */
	ok = auth_check_password(hash, json_string_value(json_object_get(body,
	    "password")));
	if (ok < 0) {
		req_problem(r, "unavailable", "too many logins at once; try "
		    "again in a moment");
		goto out;
	}
	if ((db = req_db(r)) == NULL)
		goto out;
	if (ok == 0) {
		if (hash != NULL) {
			snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
			params[0] = id;
			params[1] = req_client_ip(r);
			snprintf(max, sizeof max, "%lld", (long long)
			    api_config->login_failures_max);
			params[2] = max;
			fail = db_exec(db, &auth_api_stmts[STMT_LOGIN_FAILED], 3,
			    params);
			if (fail != NULL && PQgetvalue(fail, 0, 0)[0] == 't' &&
			    !account_audit(db, r, 0, "auth.locked", "user", id,
			    NULL, NULL, "too many failed logins"))
				log_warn("audit: %s", db_message(db));
			PQclear(fail);
			if (!account_audit(db, r, 0, "auth.login_failed",
			    "user", id, NULL, NULL, NULL))
				log_warn("audit: %s", db_message(db));
		}
		req_add_header(r, "WWW-Authenticate", "Bearer");
		req_problem(r, "unauthorized", "wrong email or password");
		goto out;
	}
	if (PQgetvalue(res, 0, 3)[0] == 't') {
		retry = xstrdup(PQgetvalue(res, 0, 5));
		req_add_header(r, "Retry-After", retry);
		req_problem(r, "too-many-requests", "this account is locked "
		    "after %lld failed logins within an hour, until %s; try "
		    "again then, or reset the password", (long long)
		    api_config->login_failures_max, PQgetvalue(res, 0, 4));
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 2), "active") != 0) {
		req_problem(r, "forbidden", "this account is suspended: %s",
		    PQgetisnull(res, 0, 6) ? "ask an administrator" :
		    PQgetvalue(res, 0, 6));
		goto out;
	}
	if (!account_principal(db, strtoll(PQgetvalue(res, 0, 0), NULL, 10),
	    &t.p) || !db_tx(db, DB_READ_COMMITTED, login_tx_run, &t)) {
		req_db_problem(r, db);
		goto out;
	}
	account_reply_tokens(r, 200, &t.p, t.refresh, t.user_json);
out:
	free(t.refresh);
	free(t.user_json);
	free(retry);
	free(email);
	json_decref(body);
	PQclear(res);
}

struct refresh_tx {
	struct req		*r;
	const char		*hash;	/* bytea literal */
	struct principal	 p;
	char			*refresh;
	char			*user_json;
	const char		*refused;	/* why, when refused */
	bool			 reused;
};

static bool
refresh_tx_run(struct db *db, void *arg)
{
	struct refresh_tx	*t = arg;
	const char		*params[2];
	char			 family[24], id[24];
	PGresult		*res, *u;
	bool			 ok = false;

	free(t->refresh);
	free(t->user_json);
	t->refresh = t->user_json = NULL;
	t->refused = NULL;
	t->reused = false;
	params[0] = t->hash;
	if ((res = db_exec(db, &auth_api_stmts[STMT_REFRESH_FIND], 1,
	    params)) == NULL)
		return false;
	if (PQntuples(res) != 1) {
		t->refused = "unknown refresh token";
		ok = true;
		goto out;
	}
	snprintf(family, sizeof family, "%s", PQgetvalue(res, 0, 2));
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 1));
	if (PQgetvalue(res, 0, 4)[0] == 't' && PQgetvalue(res, 0, 5)[0] ==
	    'f') {
		/* A rotated token again: someone else has the family. */
		params[0] = family;
		params[1] = "refresh token reused";
		PQclear(db_exec(db, &auth_api_stmts[STMT_FAMILY_REVOKE], 2,
		    params));
		if (!account_audit(db, t->r, strtoll(id, NULL, 10),
		    "auth.token_reuse", "session", family, NULL, NULL,
		    "a rotated refresh token was presented again; every "
		    "session of its family is revoked"))
			goto out;
		t->refused = "this refresh token was already used; sign in "
		    "again";
		t->reused = true;
		ok = true;
		goto out;
	}
	if (PQgetvalue(res, 0, 5)[0] == 't' || PQgetvalue(res, 0, 4)[0] ==
	    't') {
		t->refused = "this session has ended; sign in again";
		ok = true;
		goto out;
	}
	if (PQgetvalue(res, 0, 3)[0] == 't') {
		t->refused = "this session has expired; sign in again";
		ok = true;
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 6), "active") != 0) {
		t->refused = "this account is suspended";
		ok = true;
		goto out;
	}
	params[0] = PQgetvalue(res, 0, 0);
	if ((u = db_exec(db, &auth_api_stmts[STMT_REFRESH_ROTATE], 1,
	    params)) == NULL)
		goto out;
	PQclear(u);
	if (!account_principal(db, strtoll(id, NULL, 10), &t->p) ||
	    !account_open_session(db, t->r, &t->p, strtoll(family, NULL, 10),
	    &t->refresh))
		goto out;
	params[0] = id;
	if ((u = db_exec(db, &auth_api_stmts[STMT_USER_JSON], 1, params)) ==
	    NULL)
		goto out;
	t->user_json = xstrdup(PQgetvalue(u, 0, 0));
	PQclear(u);
	ok = true;
out:
	PQclear(res);
	return ok;
}

static void
auth_refresh(struct req *r)
{
	json_t			*body;
	struct refresh_tx	 t;
	unsigned char		 hash[32];
	char			 lit[67];
	struct db		*db;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, refresh_fields)) == NULL)
		return;
	auth_token_hash(json_string_value(json_object_get(body,
	    "refresh_token")), hash);
	auth_hash_literal(hash, lit);
	t.r = r;
	t.hash = lit;
	if ((db = req_db(r)) == NULL)
		goto out;
	/* A revoked family must stay revoked: commit even when refusing. */
	if (!db_tx(db, DB_READ_COMMITTED, refresh_tx_run, &t)) {
		req_db_problem(r, db);
		goto out;
	}
	if (t.refused != NULL) {
		req_add_header(r, "WWW-Authenticate",
		    "Bearer error=\"invalid_token\"");
		req_problem(r, "unauthorized", "%s", t.refused);
		goto out;
	}
	account_reply_tokens(r, 200, &t.p, t.refresh, t.user_json);
out:
	free(t.refresh);
	free(t.user_json);
	json_decref(body);
}

static void
auth_logout(struct req *r)
{
	const struct principal	*p = req_principal(r);
	char			 family[24];
	const char		*params[2] = { family, "logged out" };
	PGresult		*res;

	snprintf(family, sizeof family, "%lld", (long long)p->session_id);
	if ((res = req_exec(r, &auth_api_stmts[STMT_FAMILY_REVOKE], 2,
	    params)) == NULL)
		return;
	PQclear(res);
	req_reply(r, 204, NULL, xstrdup(""), 0);
}

static const struct route auth_routes[] = {
	{ "POST", "/v1/auth/login", auth_login, NULL, "public",
	  "sign in with email and password", 0 },
	{ "POST", "/v1/auth/refresh", auth_refresh, NULL, "public",
	  "exchange a refresh token for new tokens", 0 },
	{ "POST", "/v1/auth/logout", auth_logout, NULL, "self",
	  "end this session", 0 },
};

const struct api_module auth_module = {
	"auth", auth_routes, API_NELEM(auth_routes),
	auth_api_stmts, API_NELEM(auth_api_stmts),
};
