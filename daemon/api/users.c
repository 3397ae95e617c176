/*
 * users: accounts as administrators manage them.
 *
 *	GET   /v1/users				search and filter
 *	POST  /v1/users				create a staff account
 *	GET   /v1/users/{id}			one account
 *	PATCH /v1/users/{id}			name, role, regions, language
 *	POST  /v1/users/{id}/suspend		with a reason; tokens die at once
 *	POST  /v1/users/{id}/reactivate
 *	POST  /v1/users/{id}/reset-login	new password, sessions ended
 *
 * Every change is audited with the account before and after.  The last
 * active administrator cannot be suspended or demoted, and nobody
 * suspends themself.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "buf.h"
#include "log.h"
#include "page.h"
#include "phone.h"
#include "req.h"
#include "utf8.h"

#define USERS_MAX_REGIONS 64

static const struct db_stmt users_stmts[] = {
	/*
	 * $1 role, $2 status, $3 region (in the subtree of), $4 email
	 * prefix, $5 phone, $6 name prefix, $7 after id, $8 limit.
	 */
	{ "users_list",
	  "SELECT " ACCOUNT_USER_JSON "::text, u.id FROM users u"
	  " WHERE ($1::text IS NULL OR u.role = $1)"
	  " AND ($2::text IS NULL OR u.status = $2)"
	  " AND ($3::bigint IS NULL OR EXISTS (SELECT 1 FROM user_regions ur"
	  "  JOIN regions r ON r.id = ur.region_id WHERE ur.user_id = u.id"
	  "  AND r.path @> ARRAY[$3::bigint]))"
	  " AND ($4::text IS NULL OR lower(u.email) LIKE $4 || '%')"
	  " AND ($5::text IS NULL OR u.phone = $5)"
	  " AND ($6::text IS NULL OR lower(u.name) LIKE $6 || '%')"
	  " AND u.id < $7 ORDER BY u.id DESC LIMIT $8" },
	{ "users_get",
	  "SELECT " ACCOUNT_USER_JSON "::text, u.role, u.status FROM users u"
	  " WHERE u.id = $1" },
	{ "users_get_locked",
	  "SELECT " ACCOUNT_USER_JSON "::text, u.role, u.status FROM users u"
	  " WHERE u.id = $1 FOR UPDATE" },
	/* Other active admins, counted under a lock on them all. */
	{ "users_other_admins",
	  "SELECT count(*) FROM (SELECT id FROM users WHERE role = 'admin'"
	  " AND status = 'active' AND id <> $1 FOR UPDATE) a" },
	{ "users_insert",
	  "INSERT INTO users (role, name, email, phone, password_hash,"
	  " language) VALUES ($1, $2, $3, $4, $5, coalesce($6, 'en'))"
	  " RETURNING id" },
	{ "users_update",
	  "UPDATE users SET name = coalesce($2, name), role = coalesce($3, role),"
	  " language = coalesce($4, language) WHERE id = $1" },
	{ "users_regions_clear", "DELETE FROM user_regions WHERE user_id = $1" },
	{ "users_regions_set",
	  "INSERT INTO user_regions (user_id, region_id)"
	  " SELECT $1, r.id FROM regions r WHERE r.id = ANY ($2::bigint[])"
	  " RETURNING region_id" },
	{ "users_status",
	  "UPDATE users SET status = $2, status_reason = $3 WHERE id = $1" },
	{ "users_sessions_end",
	  "UPDATE sessions SET revoked_at = now(), revoked_why = $2"
	  " WHERE user_id = $1 AND revoked_at IS NULL" },
	{ "users_reset",
	  "UPDATE users SET password_hash = $2, locked_until = NULL"
	  " WHERE id = $1" },
	{ "users_failures_clear",
	  "DELETE FROM login_failures WHERE user_id = $1" },
};

enum {
	STMT_LIST, STMT_GET, STMT_GET_LOCKED, STMT_OTHER_ADMINS, STMT_INSERT,
	STMT_UPDATE, STMT_REGIONS_CLEAR, STMT_REGIONS_SET, STMT_STATUS,
	STMT_SESSIONS_END, STMT_RESET, STMT_FAILURES_CLEAR,
};

static const char *const user_statuses[] = { "active", "suspended" };

/* --- list ------------------------------------------------------------ */

static void
users_list(struct req *r)
{
	struct req_page_id pg;
	const char	*role = req_query(r, "role"), *status = req_query(r,
			    "status"), *region = req_query(r, "region_id"),
			*q = req_query(r, "q"), *params[8];
	char		*lower = NULL, phone[32];
	enum role	 rr;
	size_t		 i, n;
	PGresult	*res = NULL;

	memset(params, 0, sizeof params);
	if (!req_page_id(r, true, &pg))
		goto fail;
	if (role != NULL && !auth_role_parse(role, &rr))
		req_field_error(r, "role", "invalid", "is not a role");
	if (status != NULL && strcmp(status, user_statuses[0]) != 0 &&
	    strcmp(status, user_statuses[1]) != 0)
		req_field_error(r, "status", "invalid", "must be active or "
		    "suspended");
	if (region != NULL && !router_valid_id(region, strlen(region)))
		req_field_error(r, "region_id", "invalid", "must be a region "
		    "id");
	if (q != NULL && (utf8_len(q, strlen(q)) < 1 ||
	    utf8_len(q, strlen(q)) > 100))
		req_field_error(r, "q", "length", "must be 1 to 100 "
		    "characters");
	if (req_has_field_errors(r))
		goto fail;
	params[0] = role;
	params[1] = status;
	params[2] = region;
	if (q != NULL) {
		/* A phone number, an email address, or the start of a name. */
		lower = xmalloc(strlen(q) * 2 + 1);
		for (i = 0, n = 0; q[i] != '\0'; i++) {
			/* LIKE's wildcards in the query are taken literally. */
			if (strchr("%_\\", q[i]) != NULL)
				lower[n++] = '\\';
			lower[n++] = (char)tolower((unsigned char)q[i]);
		}
		lower[n] = '\0';
		if (phone_normalize(q, phone, sizeof phone))
			params[4] = phone;
		else if (strchr(q, '@') != NULL)
			params[3] = lower;
		else
			params[5] = lower;
	}
	params[6] = pg.after;
	params[7] = pg.limit_plus;
	if ((res = req_exec(r, &users_stmts[STMT_LIST], 8, params)) == NULL)
		goto out;
	req_reply_rows(r, res, pg.limit);
	goto out;
fail:
	req_fail_fields(r);
out:
	free(lower);
	PQclear(res);
}

static void
users_get(struct req *r)
{
	const char	*params[1] = { req_param(r, "id") };

	req_reply_row_deferred(r, &users_stmts[STMT_GET], 1, params, "user");
}

/* --- shared checks ---------------------------------------------------- */

/* Writes the regions array of body (if any) as an array literal in b. */
static bool
users_regions_literal(struct req *r, json_t *regions, struct buf *b)
{
	json_t	*v;
	size_t	 i;

	if (!buf_adds(b, "{"))
		fatalx("users_regions_literal");
	json_array_foreach(regions, i, v) {
		if (!buf_printf(b, "%s%lld", i > 0 ? "," : "",
		    (long long)json_integer_value(v)))
			fatalx("users_regions_literal");
	}
	if (!buf_adds(b, "}"))
		fatalx("users_regions_literal");
	(void)r;
	return true;
}

/* Sets the user's regions to those of lit; false if one does not exist. */
static bool
users_set_regions(struct db *db, const char *id, const char *lit,
    size_t want, bool *missing)
{
	const char	*params[2] = { id, lit };
	PGresult	*res;

	*missing = false;
	if ((res = db_exec(db, &users_stmts[STMT_REGIONS_CLEAR], 1, params)) ==
	    NULL)
		return false;
	PQclear(res);
	if ((res = db_exec(db, &users_stmts[STMT_REGIONS_SET], 2, params)) ==
	    NULL)
		return false;
	*missing = (size_t)PQntuples(res) != want;
	PQclear(res);
	return true;
}

/* True when the id array has duplicates. */
static bool
users_has_duplicates(json_t *a)
{
	size_t	i, j;

	for (i = 0; i < json_array_size(a); i++)
		for (j = 0; j < i; j++)
			if (json_integer_value(json_array_get(a, i)) ==
			    json_integer_value(json_array_get(a, j)))
				return true;
	return false;
}

/* The account's JSON as it is now, in db's transaction. */
static char *
users_json(struct db *db, const char *id, bool lock, char **role,
    char **status)
{
	const char	*params[1] = { id };
	PGresult	*res;
	char		*json;

	res = db_exec(db, &users_stmts[lock ? STMT_GET_LOCKED : STMT_GET], 1,
	    params);
	if (res == NULL || PQntuples(res) == 0) {
		PQclear(res);
		return NULL;
	}
	json = xstrdup(PQgetvalue(res, 0, 0));
	if (role != NULL)
		*role = xstrdup(PQgetvalue(res, 0, 1));
	if (status != NULL)
		*status = xstrdup(PQgetvalue(res, 0, 2));
	PQclear(res);
	return json;
}

/* True if someone other than id is an active admin (locks them). */
static bool
users_other_admin(struct db *db, const char *id, bool *exists)
{
	const char	*params[1] = { id };
	PGresult	*res;

	if ((res = db_exec(db, &users_stmts[STMT_OTHER_ADMINS], 1, params)) ==
	    NULL)
		return false;
	*exists = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	PQclear(res);
	return true;
}

/* --- create ------------------------------------------------------------ */

static const struct jsonv_field create_fields[] = {
	{ "role", JV_STRING, JV_REQUIRED, 1, 20, 0, 0, 0, NULL },
	{ "name", JV_STRING, JV_REQUIRED, 1, 100, 0, 0, 0, NULL },
	{ "email", JV_STRING, 0, 3, 254, 0, 0, 0, NULL },
	{ "phone", JV_STRING, 0, 5, 32, 0, 0, 0, NULL },
	{ "language", JV_STRING, 0, 2, 3, 0, 0, 0, NULL },
	{ "regions", JV_ARRAY, 0, 0, USERS_MAX_REGIONS, JV_INT, 1, INT64_MAX,
	  NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct create_tx {
	struct req	*r;
	const char	*params[6];
	const char	*regions;
	size_t		 nregions;
	char		*json;
	bool		 missing_region;
	bool		 taken;
};

static bool
create_tx_run(struct db *db, void *arg)
{
	struct create_tx	*t = arg;
	PGresult		*res;
	char			 id[24];

	free(t->json);
	t->json = NULL;
	if ((res = db_exec(db, &users_stmts[STMT_INSERT], 6, t->params)) ==
	    NULL) {
		t->taken = db_status(db) == DB_CONSTRAINT;
		return false;
	}
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!users_set_regions(db, id, t->regions, t->nregions,
	    &t->missing_region))
		return false;
	if (t->missing_region)
		return false;
	if ((t->json = users_json(db, id, false, NULL, NULL)) == NULL)
		return false;
	return account_audit(db, t->r, 0, "user.created", "user", id, NULL,
	    t->json, NULL);
}

static void
users_create(struct req *r)
{
	json_t		*body, *out;
	struct create_tx t;
	struct buf	 lit;
	enum role	 role;
	char		*email = NULL, phone[32], *password = NULL,
			*hash = NULL;
	const char	*s;
	struct db	*db;

	memset(&t, 0, sizeof t);
	buf_init(&lit, 0);
	if ((body = req_body_json(r, create_fields)) == NULL)
		return;
	s = json_string_value(json_object_get(body, "role"));
	if (!auth_role_parse(s, &role))
		req_field_error(r, "role", "invalid", "is not a role");
	else if (role & ROLES_VENDOR)
		req_field_error(r, "role", "invalid", "vendor accounts come "
		    "from approved business registrations");
	else if (!(role & ROLES_STAFF))
		req_field_error(r, "role", "invalid", "must be a staff role: "
		    "employee, telecaller, supervisor, moderator or admin "
		    "(customers sign themselves up)");
	else if (!(role & ROLES_REGION_SCOPED) &&
	    json_array_size(json_object_get(body, "regions")) > 0)
		req_field_error(r, "regions", "invalid", "only employees, "
		    "telecallers and supervisors work in regions");
	(void)api_check_line(r, "name", json_string_value(json_object_get(body,
	    "name")));
	if ((s = json_string_value(json_object_get(body, "email"))) != NULL) {
		email = xstrdup(s);
		if (!account_normalize_email(email))
			req_field_error(r, "email", "invalid", "is not an "
			    "email address");
	}
	if ((s = json_string_value(json_object_get(body, "phone"))) != NULL &&
	    !phone_normalize(s, phone, sizeof phone))
		req_field_error(r, "phone", "invalid", "is not a phone number "
		    "(use +<country> outside India)");
	if (email == NULL && s == NULL)
		req_field_error(r, "email", "required", "or phone is needed "
		    "to sign in");
	if ((s = json_string_value(json_object_get(body, "language"))) !=
	    NULL && strcmp(s, "en") != 0 && strcmp(s, "hi") != 0)
		req_field_error(r, "language", "invalid", "must be en or hi");
	if (users_has_duplicates(json_object_get(body, "regions")))
		req_field_error(r, "regions", "duplicate", "names a region "
		    "twice");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	/* Shown once, in this answer: the administrator passes it on. */
	password = auth_random_token(12);
	if ((hash = auth_hash_password(password)) == NULL) {
		req_problem(r, "unavailable", "too many logins at once; try "
		    "again in a moment");
		goto out;
	}
	users_regions_literal(r, json_object_get(body, "regions"), &lit);
	t.r = r;
	t.params[0] = json_string_value(json_object_get(body, "role"));
	t.params[1] = json_string_value(json_object_get(body, "name"));
	t.params[2] = email;
	t.params[3] = json_object_get(body, "phone") != NULL ? phone : NULL;
	t.params[4] = hash;
	t.params[5] = json_string_value(json_object_get(body, "language"));
	t.regions = lit.data;
	t.nregions = json_array_size(json_object_get(body, "regions"));
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, create_tx_run, &t)) {
		if (t.taken)
			req_problem(r, "conflict", "an account with this email "
			    "or phone exists");
		else if (t.missing_region) {
			req_field_error(r, "regions", "unknown", "names a "
			    "region that does not exist");
			req_fail_fields(r);
		} else
			req_db_problem(r, db);
		goto out;
	}
	out = json_loads(t.json, 0, NULL);
	json_object_set_new(out, "password", json_string(password));
	req_add_header(r, "Cache-Control", "no-store");
	req_reply_json(r, 201, out);
out:
	free(t.json);
	free(email);
	free(password);
	free(hash);
	buf_free(&lit);
	json_decref(body);
}

/* --- change ------------------------------------------------------------ */

static const struct jsonv_field update_fields[] = {
	{ "role", JV_STRING, 0, 1, 20, 0, 0, 0, NULL },
	{ "name", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ "language", JV_STRING, 0, 2, 3, 0, 0, 0, NULL },
	{ "regions", JV_ARRAY, 0, 0, USERS_MAX_REGIONS, JV_INT, 1, INT64_MAX,
	  NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

enum users_refusal {
	REFUSE_NONE,
	REFUSE_NOT_FOUND,
	REFUSE_LAST_ADMIN,
	REFUSE_SELF,
	REFUSE_VENDOR,
	REFUSE_MISSING_REGION,
	REFUSE_REGIONS,
};

struct change_tx {
	struct req		*r;
	const char		*id;
	json_t			*body;
	const char		*regions;
	const char		*status;	/* suspend, reactivate */
	const char		*reason;
	const char		*hash;		/* reset */
	const char		*action;
	char			*before;
	char			*after;
	enum users_refusal	 refused;
};

static bool
change_tx_run(struct db *db, void *arg)
{
	struct change_tx	*t = arg;
	const char		*params[4];
	const char		*new_role;
	char			*role = NULL, *status = NULL;
	bool			 others, missing, ok = false, void_tokens,
				 scoped;
	PGresult		*res;
	enum role		 rr;

	free(t->before);
	free(t->after);
	t->before = t->after = NULL;
	t->refused = REFUSE_NONE;
	if ((t->before = users_json(db, t->id, true, &role, &status)) ==
	    NULL) {
		if (db_status(db) == DB_OK)
			t->refused = REFUSE_NOT_FOUND;
		goto out;
	}
	new_role = t->body != NULL ? json_string_value(json_object_get(t->body,
	    "role")) : NULL;
	if (new_role != NULL && auth_role_parse(role, &rr) &&
	    ((rr & ROLES_VENDOR) != 0) != ((auth_role_parse(new_role, &rr) &&
	    (rr & ROLES_VENDOR) != 0))) {
		t->refused = REFUSE_VENDOR;
		goto out;
	}
	/* Regions only for the roles that work in them, as changed. */
	scoped = auth_role_parse(new_role != NULL ? new_role : role, &rr) &&
	    (rr & ROLES_REGION_SCOPED) != 0;
	if (!scoped && json_array_size(json_object_get(t->body,
	    "regions")) > 0) {
		t->refused = REFUSE_REGIONS;
		goto out;
	}
	/* Someone must stay able to administer. */
	if (strcmp(role, "admin") == 0 && ((new_role != NULL &&
	    strcmp(new_role, "admin") != 0) || (t->status != NULL &&
	    strcmp(t->status, "suspended") == 0))) {
		if (!users_other_admin(db, t->id, &others))
			goto out;
		if (!others) {
			t->refused = REFUSE_LAST_ADMIN;
			goto out;
		}
	}
	params[0] = t->id;
	void_tokens = false;
	if (t->body != NULL) {
		params[1] = json_string_value(json_object_get(t->body, "name"));
		params[2] = new_role;
		params[3] = json_string_value(json_object_get(t->body,
		    "language"));
		if ((res = db_exec(db, &users_stmts[STMT_UPDATE], 4, params)) ==
		    NULL)
			goto out;
		PQclear(res);
		if (json_object_get(t->body, "regions") != NULL) {
			if (!users_set_regions(db, t->id, t->regions,
			    json_array_size(json_object_get(t->body,
			    "regions")), &missing))
				goto out;
			if (missing) {
				t->refused = REFUSE_MISSING_REGION;
				goto out;
			}
			void_tokens = true;
		} else if (!scoped && new_role != NULL) {
			/* A role outside the regions keeps none of them. */
			if ((res = db_exec(db,
			    &users_stmts[STMT_REGIONS_CLEAR], 1, params)) ==
			    NULL)
				goto out;
			PQclear(res);
		}
		void_tokens = void_tokens || (new_role != NULL &&
		    strcmp(new_role, role) != 0);
	}
	if (t->status != NULL) {
		params[1] = t->status;
		params[2] = t->reason;
		if ((res = db_exec(db, &users_stmts[STMT_STATUS], 3, params)) ==
		    NULL)
			goto out;
		PQclear(res);
		void_tokens = true;
	}
	if (t->hash != NULL) {
		params[1] = t->hash;
		if ((res = db_exec(db, &users_stmts[STMT_RESET], 2, params)) ==
		    NULL || (PQclear(res), res = db_exec(db,
		    &users_stmts[STMT_FAILURES_CLEAR], 1, params)) == NULL)
			goto out;
		PQclear(res);
		void_tokens = true;
	}
	if (t->hash != NULL || (t->status != NULL &&
	    strcmp(t->status, "suspended") == 0)) {
		params[1] = t->hash != NULL ? "login reset" : "suspended";
		if ((res = db_exec(db, &users_stmts[STMT_SESSIONS_END], 2,
		    params)) == NULL)
			goto out;
		PQclear(res);
	}
	/* Role and region claims live in tokens: old ones must go. */
	if (void_tokens && !auth_void_tokens(db, strtoll(t->id, NULL, 10)))
		goto out;
	if ((t->after = users_json(db, t->id, false, NULL, NULL)) == NULL)
		goto out;
	ok = account_audit(db, t->r, 0, t->action, "user", t->id, t->before,
	    t->after, t->reason);
out:
	free(role);
	free(status);
	return ok && t->refused == REFUSE_NONE;
}

/*
 * Runs a change; on failure answers with the problem and returns false,
 * on success leaves the answer to the caller (t->after is the account).
 */
static bool
users_change(struct req *r, struct change_tx *t)
{
	struct db	*db;

	t->r = r;
	t->id = req_param(r, "id");
	if ((db = req_db(r)) == NULL)
		return false;
	if (!db_tx(db, DB_READ_COMMITTED, change_tx_run, t)) {
		switch (t->refused) {
		case REFUSE_NOT_FOUND:
			req_problem(r, "not-found", "there is no user %s",
			    t->id);
			break;
		case REFUSE_LAST_ADMIN:
			req_problem(r, "unprocessable", "this is the last "
			    "active administrator: make another first");
			break;
		case REFUSE_VENDOR:
			req_field_error(r, "role", "invalid", "cannot move "
			    "between vendor and other roles");
			req_fail_fields(r);
			break;
		case REFUSE_MISSING_REGION:
			req_field_error(r, "regions", "unknown", "names a "
			    "region that does not exist");
			req_fail_fields(r);
			break;
		case REFUSE_REGIONS:
			req_field_error(r, "regions", "invalid", "only "
			    "employees, telecallers and supervisors work in "
			    "regions");
			req_fail_fields(r);
			break;
		default:
			req_db_problem(r, db);
		}
		return false;
	}
	return true;
}

/* Runs a change and answers with the account as changed. */
static void
users_change_reply(struct req *r, struct change_tx *t)
{
	if (users_change(r, t))
		req_reply_json_text(r, 200, t->after, strlen(t->after));
}

static void
users_update(struct req *r)
{
	struct change_tx	 t;
	struct buf		 lit;
	enum role		 role;
	const char		*s;

	memset(&t, 0, sizeof t);
	buf_init(&lit, 0);
	if ((t.body = req_body_json(r, update_fields)) == NULL)
		return;
	if ((s = json_string_value(json_object_get(t.body, "role"))) != NULL &&
	    !auth_role_parse(s, &role))
		req_field_error(r, "role", "invalid", "is not a role");
	(void)api_check_line(r, "name", json_string_value(json_object_get(
	    t.body, "name")));
	if ((s = json_string_value(json_object_get(t.body, "language"))) !=
	    NULL && strcmp(s, "en") != 0 && strcmp(s, "hi") != 0)
		req_field_error(r, "language", "invalid", "must be en or hi");
	if (users_has_duplicates(json_object_get(t.body, "regions")))
		req_field_error(r, "regions", "duplicate", "names a region "
		    "twice");
	if (json_object_size(t.body) == 0)
		req_field_error(r, "", "empty", "change at least one of name, "
		    "role, language, regions");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	users_regions_literal(r, json_object_get(t.body, "regions"), &lit);
	t.regions = lit.data;
	t.action = "user.updated";
	users_change_reply(r, &t);
out:
	free(t.before);
	free(t.after);
	buf_free(&lit);
	json_decref(t.body);
}

static const struct jsonv_field suspend_fields[] = {
	{ "reason", JV_STRING, JV_REQUIRED, 3, 500, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
users_suspend(struct req *r)
{
	struct change_tx	 t;
	json_t			*body;
	char			 me[24];

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, suspend_fields)) == NULL)
		return;
	snprintf(me, sizeof me, "%lld", (long long)req_principal(r)->user_id);
	if (strcmp(me, req_param(r, "id")) == 0) {
		req_problem(r, "unprocessable", "you cannot suspend yourself");
		goto out;
	}
	t.status = "suspended";
	t.reason = json_string_value(json_object_get(body, "reason"));
	t.action = "user.suspended";
	users_change_reply(r, &t);
out:
	free(t.before);
	free(t.after);
	json_decref(body);
}

static void
users_reactivate(struct req *r)
{
	struct change_tx	t;

	memset(&t, 0, sizeof t);
	t.status = "active";
	t.action = "user.reactivated";
	users_change_reply(r, &t);
	free(t.before);
	free(t.after);
}

static void
users_reset(struct req *r)
{
	struct change_tx	 t;
	char			*password = auth_random_token(12), *hash;
	json_t			*out;

	memset(&t, 0, sizeof t);
	if ((hash = auth_hash_password(password)) == NULL) {
		req_problem(r, "unavailable", "too many logins at once; try "
		    "again in a moment");
		goto out;
	}
	t.hash = hash;
	t.action = "user.login_reset";
	t.reason = "new password; sessions ended; lock cleared";
	if (users_change(r, &t)) {
		/* Shown once: the administrator passes it on. */
		out = json_pack("{s:s, s:o}", "password", password, "user",
		    json_loads(t.after, 0, NULL));
		req_add_header(r, "Cache-Control", "no-store");
		req_reply_json(r, 200, out);
	}
out:
	free(t.before);
	free(t.after);
	free(password);
	free(hash);
}

static const struct route users_routes[] = {
	{ "GET", "/v1/users", users_list, "q,role,status,region_id,limit,after",
	  "users.manage", "search accounts", 0 },
	{ "POST", "/v1/users", users_create, NULL, "users.manage",
	  "create a staff account", 0 },
	{ "GET", "/v1/users/{id}", users_get, NULL, "users.manage",
	  "one account", 0 },
	{ "PATCH", "/v1/users/{id}", users_update, NULL, "users.manage",
	  "change an account's name, role, language or regions", 0 },
	{ "POST", "/v1/users/{id}/suspend", users_suspend, NULL,
	  "users.manage", "suspend an account", 0 },
	{ "POST", "/v1/users/{id}/reactivate", users_reactivate, NULL,
	  "users.manage", "reactivate a suspended account", 0 },
	{ "POST", "/v1/users/{id}/reset-login", users_reset, NULL,
	  "users.manage", "give an account a new password and end its "
	  "sessions", 0 },
};

const struct api_module users_module = {
	"users", users_routes, API_NELEM(users_routes),
	users_stmts, API_NELEM(users_stmts),
};
