/*
 * otp: signing in with a phone number.
 *
 *	POST /v1/auth/otp		send a 6-digit code by SMS (or WhatsApp)
 *	POST /v1/auth/otp/verify	the code → tokens
 *
 * A code is stored hashed, lives otp_ttl, works once, and allows five
 * tries; a sixth fails even with the right code.  At most three codes per
 * phone and twenty per client address in ten minutes (429 with
 * Retry-After).  A new code voids the phone's earlier ones.  The first
 * successful sign-in creates a customer.  The answers never say whether
 * an account exists, nor whether it opted in to WhatsApp.
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
#include "outbox.h"
#include "phone.h"
#include "req.h"

#define OTP_PER_PHONE	3
#define OTP_PER_IP	20
#define OTP_WINDOW	"10 minutes"
#define OTP_TRIES	5

static const struct db_stmt otp_stmts[] = {
	/*
	 * How many codes this phone and this address had lately, and when
	 * the oldest of those goes out of the window (for Retry-After).
	 */
	{ "otp_rate",
	  "SELECT (SELECT count(*) FROM otp_codes WHERE phone = $1"
	  "  AND created_at > now() - interval '" OTP_WINDOW "'),"
	  " (SELECT count(*) FROM otp_codes WHERE ip = $2::inet"
	  "  AND created_at > now() - interval '" OTP_WINDOW "'),"
	  " ceil(extract(epoch FROM (SELECT min(created_at) FROM (SELECT"
	  "  created_at FROM otp_codes WHERE phone = $1 AND created_at > now()"
	  "  - interval '" OTP_WINDOW "' ORDER BY created_at DESC LIMIT 3) x)"
	  "  + interval '" OTP_WINDOW "' - now()))::bigint,"
	  " (SELECT id FROM users WHERE phone = $1),"
	  " (SELECT p.opted_in FROM notification_prefs p JOIN users u"
	  "  ON u.id = p.user_id WHERE u.phone = $1 AND p.channel = 'whatsapp')" },
	/*
	 * A new code voids the phone's earlier unused ones (they still
	 * count for the limits).
	 */
	{ "otp_insert",
	  "WITH v AS (UPDATE otp_codes SET used_at = now() WHERE phone = $1"
	  "  AND used_at IS NULL AND expires_at > now()) "
	  "INSERT INTO otp_codes (phone, channel, code_hash, ip, expires_at)"
	  " VALUES ($1, $2, $3::bytea, $4::inet,"
	  "  now() + $5::bigint * interval '1 ms')" },
	{ "otp_take",
	  "SELECT id, code_hash, attempts FROM otp_codes WHERE phone = $1"
	  " AND used_at IS NULL AND expires_at > now()"
	  " ORDER BY id DESC LIMIT 1 FOR UPDATE" },
	{ "otp_attempt",
	  "UPDATE otp_codes SET attempts = attempts + 1,"
	  " used_at = CASE WHEN $2 THEN now() END WHERE id = $1" },
	{ "otp_user",
	  "WITH found AS (SELECT id FROM users WHERE phone = $1),"
	  " made AS (INSERT INTO users (role, phone, phone_verified_at)"
	  "  SELECT 'customer', $1, now() WHERE NOT EXISTS (SELECT 1 FROM found)"
	  "  RETURNING id) "
	  "SELECT id, false FROM found UNION ALL SELECT id, true FROM made" },
	{ "otp_verified",
	  "UPDATE users u SET phone_verified_at = coalesce(phone_verified_at,"
	  " now()), last_login_at = now() WHERE id = $1"
	  " RETURNING u.status, u.status_reason, " ACCOUNT_USER_JSON "::text" },
};

enum {
	STMT_RATE, STMT_INSERT, STMT_TAKE, STMT_ATTEMPT, STMT_USER,
	STMT_VERIFIED,
};

static const struct jsonv_field send_fields[] = {
	{ "phone", JV_STRING, JV_REQUIRED, 5, 32, 0, 0, 0, NULL },
	{ "channel", JV_STRING, 0, 3, 8, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/* What is stored of a code: SHA-256 of "phone:code". */
static void
otp_digest(const char *phone, const char *code, unsigned char out[32])
{
	char	*text = xasprintf("%s:%s", phone, code);

	auth_token_hash(text, out);
	sodium_memzero(text, strlen(text));
	free(text);
}

static void
otp_hash(const char *phone, const char *code, char lit[67])
{
	unsigned char	h[32];

	otp_digest(phone, code, h);
	auth_hash_literal(h, lit);
}

struct send_tx {
	struct req		*r;
	const char		*phone;
	const char		*channel;
	int64_t			 user;
	char			 code[7];
};

static bool
send_tx_run(struct db *db, void *arg)
{
	struct send_tx		*t = arg;
	struct outbox_msg	 m;
	const char		*params[5];
	char			 lit[67], ttl[24], minutes[24];
	json_t			*vars;
	PGresult		*res;
	int64_t			 nid;
	bool			 ok;

	otp_hash(t->phone, t->code, lit);
	snprintf(ttl, sizeof ttl, "%lld", (long long)api_config->otp_ttl_ms);
	params[0] = t->phone;
	params[1] = t->channel;
	params[2] = lit;
	params[3] = req_client_ip(t->r);
	params[4] = ttl;
	if ((res = db_exec(db, &otp_stmts[STMT_INSERT], 5, params)) == NULL)
		return false;
	PQclear(res);
	snprintf(minutes, sizeof minutes, "%lld",
	    (long long)(api_config->otp_ttl_ms / 60000));
	vars = json_pack("{s:s, s:s}", "otp.code", t->code, "otp.minutes",
	    minutes);
	memset(&m, 0, sizeof m);
	m.vars = vars;
	m.kind = "auth.otp";
	m.user_id = t->user;
	m.channel = strcmp(t->channel, "whatsapp") == 0 ? NOTIFY_WHATSAPP :
	    NOTIFY_SMS;
	m.to = t->phone;
	ok = outbox_enqueue(db, &m, &nid);
	json_decref(vars);
	return ok;
}

static void
otp_send(struct req *r)
{
	json_t		*body;
	const char	*params[2], *asked;
	char		 phone[32], retry[24];
	struct send_tx	 t;
	PGresult	*rate = NULL;
	struct db	*db;
	long		 per_phone, per_ip;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, send_fields)) == NULL)
		return;
	asked = json_string_value(json_object_get(body, "channel"));
	if (!phone_normalize(json_string_value(json_object_get(body, "phone")),
	    phone, sizeof phone))
		req_field_error(r, "phone", "invalid", "is not a mobile number "
		    "(10 digits, or +<country> outside India)");
	if (asked != NULL && strcmp(asked, "sms") != 0 &&
	    strcmp(asked, "whatsapp") != 0)
		req_field_error(r, "channel", "invalid", "must be sms or "
		    "whatsapp");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	params[0] = phone;
	params[1] = req_client_ip(r);
	if ((rate = req_exec(r, &otp_stmts[STMT_RATE], 2, params)) == NULL)
		goto out;
	per_phone = strtol(PQgetvalue(rate, 0, 0), NULL, 10);
	per_ip = strtol(PQgetvalue(rate, 0, 1), NULL, 10);
	if (per_phone >= OTP_PER_PHONE || per_ip >= OTP_PER_IP) {
		snprintf(retry, sizeof retry, "%s", per_phone >= OTP_PER_PHONE &&
		    !PQgetisnull(rate, 0, 2) ? PQgetvalue(rate, 0, 2) : "600");
		if (atol(retry) < 1)
			snprintf(retry, sizeof retry, "1");
		req_add_header(r, "Retry-After", retry);
		req_problem(r, "too-many-requests", "too many codes asked for "
		    "lately; try again in %s seconds", retry);
		goto out;
	}
	t.r = r;
	t.phone = phone;
	t.user = PQgetisnull(rate, 0, 3) ? 0 : strtoll(PQgetvalue(rate, 0, 3),
	    NULL, 10);
	/*
	 * WhatsApp only for those who opted in to it; SMS otherwise.  The
	 * answer names the channel asked for, never the one used: that
	 * would tell who has an account, and who opted in.
	 */
	t.channel = asked != NULL && strcmp(asked, "whatsapp") == 0 &&
	    !PQgetisnull(rate, 0, 4) && PQgetvalue(rate, 0, 4)[0] == 't' ?
	    "whatsapp" : "sms";
	snprintf(t.code, sizeof t.code, "%06u",
	    (unsigned)randombytes_uniform(1000000));
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, send_tx_run, &t)) {
		req_db_problem(r, db);
		goto out;
	}
	req_reply_json(r, 202, json_pack("{s:s, s:I}", "channel",
	    asked != NULL ? asked : "sms", "expires_in",
	    (json_int_t)(api_config->otp_ttl_ms / 1000)));
out:
	sodium_memzero(t.code, sizeof t.code);
	PQclear(rate);
	json_decref(body);
}

static const struct jsonv_field verify_fields[] = {
	{ "phone", JV_STRING, JV_REQUIRED, 5, 32, 0, 0, 0, NULL },
	{ "code", JV_STRING, JV_REQUIRED, 1, 16, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct verify_tx {
	struct req		*r;
	const char		*phone;
	const char		*code;
	const char		*refused;
	struct principal	 p;
	char			*refresh;
	char			*user_json;
	bool			 suspended;
};

static bool
verify_tx_run(struct db *db, void *arg)
{
	struct verify_tx	*t = arg;
	const char		*params[2];
	unsigned char		*stored, want[32];
	char			 id[24];
	PGresult		*res, *u;
	size_t			 len;
	bool			 match;

	free(t->refresh);
	free(t->user_json);
	t->refresh = t->user_json = NULL;
	t->refused = NULL;
	t->suspended = false;
	params[0] = t->phone;
	if ((res = db_exec(db, &otp_stmts[STMT_TAKE], 1, params)) == NULL)
		return false;
	if (PQntuples(res) == 0) {
		PQclear(res);
		t->refused = "wrong or expired code; ask for a new one";
		return true;
	}
	if (atoi(PQgetvalue(res, 0, 2)) >= OTP_TRIES) {
		PQclear(res);
		t->refused = "too many wrong codes; ask for a new one";
		return true;
	}
	stored = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 1),
	    &len);
	otp_digest(t->phone, t->code, want);
	match = stored != NULL && len == sizeof want &&
	    sodium_memcmp(stored, want, sizeof want) == 0;
	PQfreemem(stored);
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	params[0] = id;
	params[1] = match ? "true" : "false";
	if ((res = db_exec(db, &otp_stmts[STMT_ATTEMPT], 2, params)) == NULL)
		return false;
	PQclear(res);
	if (!match) {
		t->refused = "wrong or expired code; ask for a new one";
		return true;	/* the attempt counts */
	}
	params[0] = t->phone;
	if ((u = db_exec(db, &otp_stmts[STMT_USER], 1, params)) == NULL)
		return false;
	snprintf(id, sizeof id, "%s", PQgetvalue(u, 0, 0));
	if (PQgetvalue(u, 0, 1)[0] == 't' && !account_audit(db, t->r,
	    strtoll(id, NULL, 10), "user.created", "user", id, NULL, NULL,
	    "first sign-in with a phone code")) {
		PQclear(u);
		return false;
	}
	PQclear(u);
	params[0] = id;
	if ((u = db_exec(db, &otp_stmts[STMT_VERIFIED], 1, params)) == NULL)
		return false;
	if (strcmp(PQgetvalue(u, 0, 0), "active") != 0) {
		PQclear(u);
		t->suspended = true;
		return true;
	}
	t->user_json = xstrdup(PQgetvalue(u, 0, 2));
	PQclear(u);
	if (!account_principal(db, strtoll(id, NULL, 10), &t->p) ||
	    !account_open_session(db, t->r, &t->p, 0, &t->refresh))
		return false;
	return account_audit(db, t->r, t->p.user_id, "auth.login", "user", id,
	    NULL, NULL, "phone code");
}

static void
otp_verify(struct req *r)
{
	json_t			*body;
	struct verify_tx	 t;
	char			 phone[32];
	const char		*code;
	struct db		*db;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, verify_fields)) == NULL)
		return;
	code = json_string_value(json_object_get(body, "code"));
	if (!phone_normalize(json_string_value(json_object_get(body, "phone")),
	    phone, sizeof phone))
		req_field_error(r, "phone", "invalid", "is not a mobile number");
	if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
		req_field_error(r, "code", "invalid", "must be the 6 digits "
		    "you were sent");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	t.r = r;
	t.phone = phone;
	t.code = code;
	if ((db = req_db(r)) == NULL)
		goto out;
	/* A wrong code must still count: refusals commit. */
	if (!db_tx(db, DB_READ_COMMITTED, verify_tx_run, &t)) {
		req_db_problem(r, db);
		goto out;
	}
	if (t.refused != NULL) {
		req_add_header(r, "WWW-Authenticate", "Bearer");
		req_problem(r, "unauthorized", "%s", t.refused);
		goto out;
	}
	if (t.suspended) {
		req_problem(r, "forbidden", "this account is suspended");
		goto out;
	}
	account_reply_tokens(r, 200, &t.p, t.refresh, t.user_json);
out:
	free(t.refresh);
	free(t.user_json);
	json_decref(body);
}

static const struct route otp_routes[] = {
	{ "POST", "/v1/auth/otp", otp_send, NULL, "public",
	  "send a sign-in code to a phone", 0 },
	{ "POST", "/v1/auth/otp/verify", otp_verify, NULL, "public",
	  "sign in with the code", 0 },
};

const struct api_module otp_module = {
	"otp", otp_routes, API_NELEM(otp_routes), otp_stmts,
	API_NELEM(otp_stmts),
};
