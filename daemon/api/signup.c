/*
 * signup: accounts with an email address.
 *
 *	POST /v1/auth/register		email, password, name → a customer
 *	GET|POST /v1/auth/email/verify	the mailed token confirms the address
 *	POST /v1/auth/email/resend	mail the link again
 *	POST /v1/auth/password/forgot	mail a reset link (30 minutes, once)
 *	POST /v1/auth/password/reset	the token and a new password
 *
 * Tokens are mailed as links to app_url's pages (/verify-email,
 * /reset-password), single use, and stored hashed.  Asking for a reset
 * answers the same whether or not the address has an account.
 * Registering and mailing the link again are limited to three an hour
 * per email address and twenty per client address (429 with
 * Retry-After).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "config.h"
#include "log.h"
#include "outbox.h"
#include "req.h"

#define VERIFY_TTL	"2 days"
#define RESET_TTL	"30 minutes"
#define RESET_MINUTES	"30"
#define RESETS_PER_HOUR	3
/* Registrations and confirmation mails, per address and per client. */
#define SIGNUP_WINDOW	"1 hour"
#define SIGNUP_PER_EMAIL 3
#define SIGNUP_PER_IP	20

static const struct db_stmt signup_stmts[] = {
	{ "signup_insert",
	  "INSERT INTO users (role, email, name, password_hash, language)"
	  " VALUES ('customer', $1, $2, $3, coalesce($4, 'en')) RETURNING id" },
	/* $1 user, $2 purpose, $3 hash, $4 email, $5 ttl */
	{ "signup_token",
	  "INSERT INTO email_tokens (user_id, purpose, token_hash, email,"
	  " expires_at) VALUES ($1, $2, $3::bytea, $4, now() + $5::interval)" },
	{ "signup_take",
	  "SELECT t.id, t.user_id, t.email, t.expires_at < now(), t.used_at IS"
	  " NOT NULL, lower(u.email) = t.email, u.status FROM email_tokens t"
	  " JOIN users u ON u.id = t.user_id"
	  " WHERE t.token_hash = $1::bytea AND t.purpose = $2 FOR UPDATE OF t" },
	{ "signup_used",
	  "UPDATE email_tokens SET used_at = now() WHERE id = $1" },
	{ "signup_verified",
	  "UPDATE users u SET email_verified_at = coalesce(email_verified_at,"
	  " now()) WHERE id = $1 RETURNING " ACCOUNT_USER_JSON "::text" },
	{ "signup_user",
	  "SELECT id, email, coalesce(name, ''), email_verified_at IS NOT NULL,"
	  " status FROM users WHERE id = $1" },
	{ "signup_by_email",
	  "SELECT u.id, u.email, coalesce(u.name, ''), u.status,"
	  " (SELECT count(*) FROM email_tokens t WHERE t.user_id = u.id AND"
	  "  t.purpose = 'reset' AND t.created_at > now() - interval '1 hour')"
	  " FROM users u WHERE lower(u.email) = $1" },
	/* A new password lifts the lock and forgets the failures before it. */
	{ "signup_reset",
	  "WITH f AS (DELETE FROM login_failures WHERE user_id = $1) "
	  "UPDATE users SET password_hash = $2, locked_until = NULL,"
	  " email_verified_at = coalesce(email_verified_at, now())"
	  " WHERE id = $1" },
	{ "signup_end_sessions",
	  "UPDATE sessions SET revoked_at = now(), revoked_why = 'password reset'"
	  " WHERE user_id = $1 AND revoked_at IS NULL" },
	{ "signup_user_json",
	  "SELECT " ACCOUNT_USER_JSON "::text FROM users u WHERE u.id = $1" },
	/*
	 * How many requests of action $1 the address $2 and the client $3
	 * made in the window, and in how many seconds the oldest of each
	 * leaves it (for Retry-After).
	 */
	{ "signup_rate",
	  "SELECT count(*) FILTER (WHERE email = $2),"
	  " count(*) FILTER (WHERE ip = $3::inet),"
	  " ceil(extract(epoch FROM min(at) FILTER (WHERE email = $2)"
	  "  + interval '" SIGNUP_WINDOW "' - now()))::bigint,"
	  " ceil(extract(epoch FROM min(at) FILTER (WHERE ip = $3::inet)"
	  "  + interval '" SIGNUP_WINDOW "' - now()))::bigint"
	  " FROM signup_requests WHERE action = $1"
	  " AND at > now() - interval '" SIGNUP_WINDOW "'"
	  " AND (email = $2 OR ip = $3::inet)" },
	{ "signup_request",
	  "INSERT INTO signup_requests (action, email, ip)"
	  " VALUES ($1, $2, $3::inet)" },
};

enum {
	STMT_INSERT, STMT_TOKEN, STMT_TAKE, STMT_USED, STMT_VERIFIED,
	STMT_USER, STMT_BY_EMAIL, STMT_RESET, STMT_END_SESSIONS,
	STMT_USER_JSON, STMT_RATE, STMT_REQUEST,
};

/*
 * Counts a request of action (register, resend) for email from the
 * client, or answers 429 with Retry-After when the address or the client
 * made too many lately.  False when it answered.
 */
static bool
signup_limit(struct req *r, const char *action, const char *email)
{
	const char	*params[3] = { action, email, req_client_ip(r) };
	PGresult	*res;
	long		 wait = 0, w;
	bool		 limited = false;
	char		 retry[24];

	if ((res = req_exec(r, &signup_stmts[STMT_RATE], 3, params)) == NULL)
		return false;
	if (strtol(PQgetvalue(res, 0, 0), NULL, 10) >= SIGNUP_PER_EMAIL) {
		limited = true;
		wait = strtol(PQgetvalue(res, 0, 2), NULL, 10);
	}
	if (strtol(PQgetvalue(res, 0, 1), NULL, 10) >= SIGNUP_PER_IP) {
		limited = true;
		if ((w = strtol(PQgetvalue(res, 0, 3), NULL, 10)) > wait)
			wait = w;
	}
	PQclear(res);
	if (limited) {
		snprintf(retry, sizeof retry, "%ld", wait < 1 ? 1 : wait);
		req_add_header(r, "Retry-After", retry);
		req_problem(r, "too-many-requests", "too many tries for this "
		    "address or from this network lately; try again in %s "
		    "seconds", retry);
		return false;
	}
	if ((res = req_exec(r, &signup_stmts[STMT_REQUEST], 3, params)) ==
	    NULL)
		return false;
	PQclear(res);
	return true;
}

/*
 * Makes a single-use token for the user, stores its hash, and puts the
 * email carrying its link in the outbox, all in db's transaction.
 */
static bool
signup_mail(struct db *db, const char *user, const char *email,
    const char *name, const char *purpose)
{
	char			*token = auth_random_token(32), *link, lit[67];
	unsigned char		 hash[32];
	const char		*params[5];
	struct outbox_msg	 m;
	json_t			*vars;
	PGresult		*res;
	int64_t			 nid;
	bool			 reset = strcmp(purpose, "reset") == 0, ok = false;

	auth_token_hash(token, hash);
	auth_hash_literal(hash, lit);
	params[0] = user;
	params[1] = purpose;
	params[2] = lit;
	params[3] = email;
	params[4] = reset ? RESET_TTL : VERIFY_TTL;
	if ((res = db_exec(db, &signup_stmts[STMT_TOKEN], 5, params)) == NULL)
		goto out;
	PQclear(res);
	link = xasprintf("%s/%s?token=%s", api_config->app_url, reset ?
	    "reset-password" : "verify-email", token);
	vars = reset ? json_pack("{s:s, s:s, s:s}", "user.name", name, "link",
	    link, "minutes", RESET_MINUTES) : json_pack("{s:s, s:s}",
	    "user.name", name, "link", link);
	memset(&m, 0, sizeof m);
	m.kind = reset ? "auth.password_reset" : "auth.verify_email";
	m.user_id = strtoll(user, NULL, 10);
	m.channel = NOTIFY_EMAIL;
	m.to = email;
	m.vars = vars;
	ok = outbox_enqueue(db, &m, &nid);
	json_decref(vars);
	sodium_memzero(link, strlen(link));
	free(link);
out:
	sodium_memzero(token, strlen(token));
	free(token);
	return ok;
}

/* signup_mail in a transaction of its own. */
struct mail_tx {
	const char	*user;
	const char	*email;
	const char	*name;
	const char	*purpose;
};

static bool
mail_tx_run(struct db *db, void *arg)
{
	struct mail_tx	*t = arg;

	return signup_mail(db, t->user, t->email, t->name, t->purpose);
}

/* --- register ---------------------------------------------------------- */

static const struct jsonv_field register_fields[] = {
	{ "email", JV_STRING, JV_REQUIRED, 3, 254, 0, 0, 0, NULL },
	{ "password", JV_STRING, JV_REQUIRED, 1, 1024, 0, 0, 0, NULL },
	{ "name", JV_STRING, JV_REQUIRED, 1, 100, 0, 0, 0, NULL },
	{ "language", JV_STRING, 0, 2, 3, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct register_tx {
	struct req		*r;
	const char		*email;
	const char		*name;
	const char		*hash;
	const char		*language;
	struct principal	 p;
	char			*refresh;
	char			*user_json;
	bool			 taken;
};

static bool
register_tx_run(struct db *db, void *arg)
{
	struct register_tx	*t = arg;
	const char		*params[4] = { t->email, t->name, t->hash,
				    t->language };
	char			 id[24];
	PGresult		*res;

	free(t->refresh);
	free(t->user_json);
	t->refresh = t->user_json = NULL;
	if ((res = db_exec(db, &signup_stmts[STMT_INSERT], 4, params)) ==
	    NULL) {
		t->taken = db_status(db) == DB_CONSTRAINT;
		return false;
	}
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!signup_mail(db, id, t->email, t->name, "verify") ||
	    !account_principal(db, strtoll(id, NULL, 10), &t->p) ||
	    !account_open_session(db, t->r, &t->p, 0, &t->refresh))
		return false;
	params[0] = id;
	if ((res = db_exec(db, &signup_stmts[STMT_USER_JSON], 1, params)) ==
	    NULL)
		return false;
	t->user_json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return account_audit(db, t->r, t->p.user_id, "user.created", "user",
	    id, NULL, NULL, "registered with email");
}

static void
signup_register(struct req *r)
{
	json_t			*body;
	struct register_tx	 t;
	char			*email = NULL, *hash = NULL;
	const char		*lang, *pw;
	struct db		*db;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, register_fields)) == NULL)
		return;
	email = xstrdup(json_string_value(json_object_get(body, "email")));
	pw = json_string_value(json_object_get(body, "password"));
	lang = json_string_value(json_object_get(body, "language"));
	if (!account_normalize_email(email))
		req_field_error(r, "email", "invalid", "is not an email "
		    "address");
	else
		(void)account_password_ok(r, "password", pw, email);
	if (lang != NULL && strcmp(lang, "en") != 0 && strcmp(lang, "hi") != 0)
		req_field_error(r, "language", "invalid", "must be en or hi");
	if (strpbrk(json_string_value(json_object_get(body, "name")),
	    "\r\n\t") != NULL)
		req_field_error(r, "name", "invalid", "must be on one line");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if (!signup_limit(r, "register", email))
		goto out;
	if ((hash = auth_hash_password(pw)) == NULL) {
		req_problem(r, "unavailable", "too many sign-ups at once; try "
		    "again in a moment");
		goto out;
	}
	t.r = r;
	t.email = email;
	t.name = json_string_value(json_object_get(body, "name"));
	t.hash = hash;
	t.language = lang;
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, register_tx_run, &t)) {
		if (t.taken)
			req_problem(r, "conflict", "an account with this email "
			    "exists: sign in, or reset its password");
		else
			req_db_problem(r, db);
		goto out;
	}
	account_reply_tokens(r, 201, &t.p, t.refresh, t.user_json);
out:
	free(t.refresh);
	free(t.user_json);
	free(hash);
	free(email);
	json_decref(body);
}

/* --- tokens from the mail ---------------------------------------------- */

struct redeem_tx {
	struct req		*r;
	const char		*hash;		/* bytea literal */
	const char		*purpose;
	const char		*password_hash;	/* reset */
	const char		*password;	/* reset: as typed */
	const char		*refused;
	char			*email;		/* reset: set if the password is it */
	char			*user_json;
	struct principal	 p;
	char			*refresh;
};

static bool
redeem_tx_run(struct db *db, void *arg)
{
	struct redeem_tx	*t = arg;
	const char		*params[2];
	char			 id[24], user[24];
	PGresult		*res;

	free(t->user_json);
	free(t->refresh);
	free(t->email);
	t->user_json = t->refresh = t->email = NULL;
	t->refused = NULL;
	params[0] = t->hash;
	params[1] = t->purpose;
	if ((res = db_exec(db, &signup_stmts[STMT_TAKE], 2, params)) == NULL)
		return false;
	if (PQntuples(res) == 0)
		t->refused = "this link is not valid";
	else if (PQgetvalue(res, 0, 4)[0] == 't')
		t->refused = "this link was used already";
	else if (PQgetvalue(res, 0, 3)[0] == 't')
		t->refused = "this link has expired; ask for a new one";
	else if (PQgetvalue(res, 0, 5)[0] != 't')
		t->refused = "the account's email address changed since";
	else if (strcmp(PQgetvalue(res, 0, 6), "active") != 0)
		t->refused = "this account is suspended";
	else if (t->password != NULL && strcasecmp(t->password,
	    PQgetvalue(res, 0, 2)) == 0)
		t->email = xstrdup(PQgetvalue(res, 0, 2));
	if (t->refused != NULL || t->email != NULL) {
		PQclear(res);
		return true;
	}
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
	snprintf(user, sizeof user, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	params[0] = id;
	if ((res = db_exec(db, &signup_stmts[STMT_USED], 1, params)) == NULL)
		return false;
	PQclear(res);
	params[0] = user;
	if (t->password_hash == NULL) {
		if ((res = db_exec(db, &signup_stmts[STMT_VERIFIED], 1,
		    params)) == NULL)
			return false;
		t->user_json = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		return account_audit(db, t->r, strtoll(user, NULL, 10),
		    "auth.email_verified", "user", user, NULL, NULL, NULL);
	}
	params[1] = t->password_hash;
	if ((res = db_exec(db, &signup_stmts[STMT_RESET], 2, params)) == NULL)
		return false;
	PQclear(res);
	if ((res = db_exec(db, &signup_stmts[STMT_END_SESSIONS], 1, params)) ==
	    NULL)
		return false;
	PQclear(res);
	if (!auth_void_tokens(db, strtoll(user, NULL, 10)) ||
	    !account_principal(db, strtoll(user, NULL, 10), &t->p) ||
	    !account_open_session(db, t->r, &t->p, 0, &t->refresh))
		return false;
	if ((res = db_exec(db, &signup_stmts[STMT_USER_JSON], 1, params)) ==
	    NULL)
		return false;
	t->user_json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return account_audit(db, t->r, strtoll(user, NULL, 10),
	    "auth.password_reset", "user", user, NULL, NULL,
	    "every session signed out");
}

static bool
redeem(struct req *r, struct redeem_tx *t, const char *token)
{
	unsigned char	 hash[32];
	char		 lit[67];
	struct db	*db;

	if (token == NULL || *token == '\0' || strlen(token) > 200) {
		req_field_error(r, "token", "invalid", "is not a token we sent");
		req_fail_fields(r);
		return false;
	}
	auth_token_hash(token, hash);
	auth_hash_literal(hash, lit);
	t->r = r;
	t->hash = lit;
	if ((db = req_db(r)) == NULL)
		return false;
	if (!db_tx(db, DB_READ_COMMITTED, redeem_tx_run, t)) {
		req_db_problem(r, db);
		return false;
	}
	if (t->refused != NULL) {
		req_problem(r, "unprocessable", "%s", t->refused);
		return false;
	}
	/* The token is still good: the password is what must change. */
	if (t->email != NULL) {
		(void)account_password_ok(r, "password", t->password,
		    t->email);
		req_fail_fields(r);
		return false;
	}
	return true;
}

static const struct jsonv_field token_fields[] = {
	{ "token", JV_STRING, JV_REQUIRED, 1, 200, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
signup_verify(struct req *r)
{
	struct redeem_tx	 t;
	json_t			*body = NULL;
	const char		*token;

	memset(&t, 0, sizeof t);
	t.purpose = "verify";
	if (strcmp(req_method(r), "POST") == 0) {
		if ((body = req_body_json(r, token_fields)) == NULL)
			return;
		token = json_string_value(json_object_get(body, "token"));
	} else
		token = req_query(r, "token");
	if (redeem(r, &t, token))
		req_reply_json_text(r, 200, t.user_json, strlen(t.user_json));
	free(t.user_json);
	json_decref(body);
}

static void
signup_resend(struct req *r)
{
	char		 id[24];
	const char	*params[1] = { id };
	PGresult	*res;
	struct db	*db;
	struct mail_tx	 t;

	snprintf(id, sizeof id, "%lld", (long long)req_principal(r)->user_id);
	if ((res = req_exec(r, &signup_stmts[STMT_USER], 1, params)) == NULL)
		return;
	if (PQgetisnull(res, 0, 1)) {
		req_problem(r, "unprocessable", "this account has no email "
		    "address");
		goto out;
	}
	if (PQgetvalue(res, 0, 3)[0] == 't') {
		req_problem(r, "unprocessable", "this address is confirmed "
		    "already");
		goto out;
	}
	if (!signup_limit(r, "resend", PQgetvalue(res, 0, 1)))
		goto out;
	t.user = id;
	t.email = PQgetvalue(res, 0, 1);
	t.name = PQgetvalue(res, 0, 2);
	t.purpose = "verify";
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, mail_tx_run, &t)) {
		req_db_problem(r, db);
		goto out;
	}
	req_reply_json(r, 202, json_pack("{s:s}", "sent_to",
	    PQgetvalue(res, 0, 1)));
out:
	PQclear(res);
}

static const struct jsonv_field forgot_fields[] = {
	{ "email", JV_STRING, JV_REQUIRED, 3, 254, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
signup_forgot(struct req *r)
{
	json_t		*body;
	char		*email = NULL;
	const char	*params[1];
	PGresult	*res = NULL;
	struct db	*db;
	struct mail_tx	 t;

	if ((body = req_body_json(r, forgot_fields)) == NULL)
		return;
	email = xstrdup(json_string_value(json_object_get(body, "email")));
	if (!account_normalize_email(email)) {
		req_field_error(r, "email", "invalid", "is not an email "
		    "address");
		req_fail_fields(r);
		goto out;
	}
	params[0] = email;
	if ((res = req_exec(r, &signup_stmts[STMT_BY_EMAIL], 1, params)) ==
	    NULL)
		goto out;
	/*
	 * Whatever happens below, the answer is the same: it must not tell
	 * which addresses have accounts.  Suspended accounts and those that
	 * asked too often get nothing.
	 */
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 3), "active") ==
	    0 && atoi(PQgetvalue(res, 0, 4)) < RESETS_PER_HOUR) {
		t.user = PQgetvalue(res, 0, 0);
		t.email = PQgetvalue(res, 0, 1);
		t.name = PQgetvalue(res, 0, 2);
		t.purpose = "reset";
		if ((db = req_db(r)) == NULL)
			goto out;
		if (!db_tx(db, DB_READ_COMMITTED, mail_tx_run, &t)) {
			req_db_problem(r, db);
			goto out;
		}
	}
	req_reply_json(r, 202, json_pack("{s:s}", "detail", "if an account "
	    "has this address, a link to reset its password is on its way"));
out:
	PQclear(res);
	free(email);
	json_decref(body);
}

static const struct jsonv_field reset_fields[] = {
	{ "token", JV_STRING, JV_REQUIRED, 1, 200, 0, 0, 0, NULL },
	{ "password", JV_STRING, JV_REQUIRED, 1, 1024, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
signup_reset(struct req *r)
{
	struct redeem_tx	 t;
	json_t			*body;
	char			*hash = NULL;
	const char		*pw;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, reset_fields)) == NULL)
		return;
	pw = json_string_value(json_object_get(body, "password"));
	if (!account_password_ok(r, "password", pw, NULL)) {
		req_fail_fields(r);
		goto out;
	}
	if ((hash = auth_hash_password(pw)) == NULL) {
		req_problem(r, "unavailable", "too many at once; try again in "
		    "a moment");
		goto out;
	}
	t.purpose = "reset";
	t.password_hash = hash;
	t.password = pw;
	if (redeem(r, &t, json_string_value(json_object_get(body, "token"))))
		account_reply_tokens(r, 200, &t.p, t.refresh, t.user_json);
out:
	free(t.user_json);
	free(t.refresh);
	free(t.email);
	free(hash);
	json_decref(body);
}

static const struct route signup_routes[] = {
	{ "POST", "/v1/auth/register", signup_register, NULL, "public",
	  "create a customer account with email and password", 0 },
	{ "GET", "/v1/auth/email/verify", signup_verify, "token", "public",
	  "confirm an email address (the mailed link)", 0 },
	{ "POST", "/v1/auth/email/verify", signup_verify, NULL, "public",
	  "confirm an email address", 0 },
	{ "POST", "/v1/auth/email/resend", signup_resend, NULL, "self",
	  "mail the confirmation link again", 0 },
	{ "POST", "/v1/auth/password/forgot", signup_forgot, NULL, "public",
	  "mail a link to reset the password", 0 },
	{ "POST", "/v1/auth/password/reset", signup_reset, NULL, "public",
	  "set a new password with the mailed token", 0 },
};

const struct api_module signup_module = {
	"signup", signup_routes, API_NELEM(signup_routes), signup_stmts,
	API_NELEM(signup_stmts),
};
