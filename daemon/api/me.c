/*
 * me: a signed-in person's own account.
 *
 *	GET    /v1/me			who I am
 *	PATCH  /v1/me			my name, language, time zone
 *	GET    /v1/me/sessions		where I am signed in
 *	DELETE /v1/me/sessions/{id}	sign out there
 *	POST   /v1/me/password		change my password (signs out the rest)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "buf.h"
#include "log.h"
#include "req.h"

static const struct db_stmt me_stmts[] = {
	{ "me_get",
	  "SELECT " ACCOUNT_USER_JSON "::text FROM users u WHERE u.id = $1" },
	{ "me_update",
	  "UPDATE users u SET name = coalesce($2, name),"
	  " language = coalesce($3, language), timezone = coalesce($4, timezone)"
	  " WHERE id = $1 RETURNING " ACCOUNT_USER_JSON "::text" },
	{ "me_valid_timezone",
	  "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)" },
	/* The live head of each of my session families. */
	{ "me_sessions",
	  "SELECT json_build_object('id', s.family_id, 'current',"
	  " s.family_id = $2, 'started_at', rfc3339((SELECT min(created_at)"
	  " FROM sessions f WHERE f.family_id = s.family_id)),"
	  " 'last_used_at', rfc3339(s.created_at), 'user_agent', s.user_agent,"
	  " 'ip', host(s.ip), 'expires_at', rfc3339(s.expires_at))::text "
	  "FROM sessions s WHERE s.user_id = $1 AND s.revoked_at IS NULL"
	  " AND s.rotated_at IS NULL AND s.expires_at > now()"
	  " ORDER BY s.family_id DESC LIMIT 100" },
	{ "me_session_revoke",
	  "UPDATE sessions SET revoked_at = now(), revoked_why = $3"
	  " WHERE family_id = $2 AND user_id = $1 AND revoked_at IS NULL" },
	{ "me_password_hash",
	  "SELECT password_hash, lower(email) FROM users WHERE id = $1" },
	{ "me_password_set",
	  "UPDATE users SET password_hash = $2 WHERE id = $1" },
	{ "me_sessions_revoke_all",
	  "UPDATE sessions SET revoked_at = now(), revoked_why = $2"
	  " WHERE user_id = $1 AND revoked_at IS NULL" },
};

enum {
	STMT_GET, STMT_UPDATE, STMT_TZ, STMT_SESSIONS, STMT_REVOKE,
	STMT_PW_HASH, STMT_PW_SET, STMT_REVOKE_ALL,
};

static void
me_get(struct req *r)
{
	char		 id[24];
	const char	*params[1] = { id };
	PGresult	*res;

	snprintf(id, sizeof id, "%lld", (long long)req_principal(r)->user_id);
	if ((res = req_exec(r, &me_stmts[STMT_GET], 1, params)) == NULL)
		return;
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "this account no longer exists");
	else
		req_reply_json_text(r, 200, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}

static const struct jsonv_field me_fields[] = {
	{ "name", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ "language", JV_STRING, 0, 2, 3, 0, 0, 0, NULL },
	{ "timezone", JV_STRING, 0, 1, 64, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/* Languages souk speaks; others would get English anyway. */
static bool
me_known_language(const char *s)
{
	return strcmp(s, "en") == 0 || strcmp(s, "hi") == 0;
}

static void
me_update(struct req *r)
{
	json_t		*body;
	const char	*params[4], *name, *tz;
	char		 id[24], *trimmed = NULL;
	PGresult	*res;

	if ((body = req_body_json(r, me_fields)) == NULL)
		return;
	snprintf(id, sizeof id, "%lld", (long long)req_principal(r)->user_id);
	name = json_string_value(json_object_get(body, "name"));
	if (name != NULL) {
		trimmed = xstrdup(name);
		while (*trimmed == ' ')
			memmove(trimmed, trimmed + 1, strlen(trimmed));
		while (*trimmed != '\0' && trimmed[strlen(trimmed) - 1] == ' ')
			trimmed[strlen(trimmed) - 1] = '\0';
		if (*trimmed == '\0' || strpbrk(trimmed, "\r\n\t") != NULL)
			req_field_error(r, "name", "invalid", "must be a name "
			    "on one line");
	}
	params[2] = json_string_value(json_object_get(body, "language"));
	if (params[2] != NULL && !me_known_language(params[2]))
		req_field_error(r, "language", "invalid", "must be en or hi");
	if (json_object_size(body) == 0)
		req_field_error(r, "", "empty", "change at least one of name, "
		    "language, timezone");
	tz = json_string_value(json_object_get(body, "timezone"));
	if (tz != NULL) {
		params[0] = tz;
		if ((res = req_exec(r, &me_stmts[STMT_TZ], 1, params)) == NULL)
			goto out;
		if (PQgetvalue(res, 0, 0)[0] != 't')
			req_field_error(r, "timezone", "invalid", "must be an "
			    "IANA time zone such as Asia/Kolkata");
		PQclear(res);
	}
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	params[0] = id;
	params[1] = trimmed;
	params[3] = tz;
	if ((res = req_exec(r, &me_stmts[STMT_UPDATE], 4, params)) == NULL)
		goto out;
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "this account no longer exists");
	else
		req_reply_json_text(r, 200, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
out:
	free(trimmed);
	json_decref(body);
}

static void
me_sessions(struct req *r)
{
	const struct principal	*p = req_principal(r);
	char			 id[24], sid[24];
	const char		*params[2] = { id, sid };
	PGresult		*res;
	struct buf		 items;
	int			 i;

	snprintf(id, sizeof id, "%lld", (long long)p->user_id);
	snprintf(sid, sizeof sid, "%lld", (long long)p->session_id);
	if ((res = req_exec(r, &me_stmts[STMT_SESSIONS], 2, params)) == NULL)
		return;
	buf_init(&items, 0);
	for (i = 0; i < PQntuples(res); i++) {
		if ((i > 0 && !buf_adds(&items, ",")) ||
		    !buf_adds(&items, PQgetvalue(res, i, 0)))
			fatalx("me_sessions");
	}
	req_reply_page(r, items.data != NULL ? items.data : "", items.len,
	    NULL);
	buf_free(&items);
	PQclear(res);
}

static void
me_session_revoke(struct req *r)
{
	char		 id[24];
	const char	*params[3] = { id, req_param(r, "id"), "revoked" };
	PGresult	*res;

	snprintf(id, sizeof id, "%lld", (long long)req_principal(r)->user_id);
	if ((res = req_exec(r, &me_stmts[STMT_REVOKE], 3, params)) == NULL)
		return;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		req_problem(r, "not-found", "you have no session %s",
		    params[1]);
	else
		req_reply(r, 204, NULL, xstrdup(""), 0);
	PQclear(res);
}

static const struct jsonv_field password_fields[] = {
	{ "current_password", JV_STRING, JV_REQUIRED, 1, 1024, 0, 0, 0, NULL },
	{ "new_password", JV_STRING, JV_REQUIRED, 1, 1024, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct password_tx {
	struct req		*r;
	struct principal	 p;
	const char		*hash;
	char			*refresh;
	char			*user_json;
};

static bool
password_tx_run(struct db *db, void *arg)
{
	struct password_tx	*t = arg;
	char			 id[24];
	const char		*params[2] = { id, t->hash };
	PGresult		*res;

	free(t->refresh);
	free(t->user_json);
	t->refresh = t->user_json = NULL;
	snprintf(id, sizeof id, "%lld", (long long)t->p.user_id);
	if ((res = db_exec(db, &me_stmts[STMT_PW_SET], 2, params)) == NULL)
		return false;
	PQclear(res);
	params[1] = "password changed";
	if ((res = db_exec(db, &me_stmts[STMT_REVOKE_ALL], 2, params)) == NULL)
		return false;
	PQclear(res);
	/* Every access token so far dies too; this one gets a new pair. */
	if (!auth_void_tokens(db, t->p.user_id) ||
	    !account_open_session(db, t->r, &t->p, 0, &t->refresh))
		return false;
	if ((res = db_exec(db, &me_stmts[STMT_GET], 1, params)) == NULL)
		return false;
	t->user_json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return account_audit(db, t->r, 0, "auth.password_changed", "user", id,
	    NULL, NULL, "every other session signed out");
}

static void
me_password(struct req *r)
{
	json_t			*body;
	const char		*params[1], *cur, *next;
	char			 id[24], *hash = NULL;
	struct password_tx	 t;
	struct db		*db;
	PGresult		*res = NULL;
	int			 ok;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, password_fields)) == NULL)
		return;
	cur = json_string_value(json_object_get(body, "current_password"));
	next = json_string_value(json_object_get(body, "new_password"));
	snprintf(id, sizeof id, "%lld", (long long)req_principal(r)->user_id);
	params[0] = id;
	if ((res = req_exec(r, &me_stmts[STMT_PW_HASH], 1, params)) == NULL)
		goto out;
	if (PQntuples(res) != 1) {
		req_problem(r, "not-found", "this account no longer exists");
		goto out;
	}
	if (!account_password_ok(r, "new_password", next, PQgetisnull(res, 0, 1) ?
	    NULL : PQgetvalue(res, 0, 1))) {
		req_fail_fields(r);
		goto out;
	}
	ok = auth_check_password(PQgetisnull(res, 0, 0) ? NULL :
	    PQgetvalue(res, 0, 0), cur);
	if (ok < 0 || (ok > 0 && (hash = auth_hash_password(next)) == NULL)) {
		req_problem(r, "unavailable", "too many logins at once; try "
		    "again in a moment");
		goto out;
	}
	if (ok == 0) {
		req_field_error(r, "current_password", "wrong", "is not your "
		    "current password");
		req_fail_fields(r);
		goto out;
	}
	t.r = r;
	t.p = *req_principal(r);
	t.hash = hash;
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, password_tx_run, &t)) {
		req_db_problem(r, db);
		goto out;
	}
	account_reply_tokens(r, 200, &t.p, t.refresh, t.user_json);
out:
	free(t.refresh);
	free(t.user_json);
	free(hash);
	PQclear(res);
	json_decref(body);
}

static const struct route me_routes[] = {
	{ "GET", "/v1/me", me_get, NULL, "signed_in", "who I am", 0 },
	{ "PATCH", "/v1/me", me_update, NULL, "self",
	  "change my name, language or time zone", 0 },
	{ "GET", "/v1/me/sessions", me_sessions, NULL, "self",
	  "where I am signed in", 0 },
	{ "DELETE", "/v1/me/sessions/{id}", me_session_revoke, NULL, "self",
	  "sign out one of my sessions", 0 },
	{ "POST", "/v1/me/password", me_password, NULL, "self",
	  "change my password; signs out every other session", 0 },
};

const struct api_module me_module = {
	"me", me_routes, API_NELEM(me_routes), me_stmts, API_NELEM(me_stmts),
};
