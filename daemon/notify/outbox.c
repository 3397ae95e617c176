#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "secret.h"
#include "template.h"

#define OUTBOX_MAX_DEVICES "20"

/*
 * SET clauses that scrub a secret message where cond holds: the subject,
 * body and HTML become OUTBOX_HIDDEN, the WhatsApp variables go.
 */
#define OUTBOX_SCRUB(cond)						\
	" subject = CASE WHEN (" cond ") AND subject IS NOT NULL"	\
	"  THEN '" OUTBOX_HIDDEN "' ELSE subject END,"			\
	" body = CASE WHEN (" cond ") THEN '" OUTBOX_HIDDEN "'"		\
	"  ELSE body END,"						\
	" html = CASE WHEN (" cond ") AND html IS NOT NULL"		\
	"  THEN '" OUTBOX_HIDDEN "' ELSE html END,"			\
	" whatsapp_variables = CASE WHEN (" cond ") THEN NULL"		\
	"  ELSE whatsapp_variables END"

const struct message_kind message_kinds[] = {
	{ "auth.otp", true, OUTBOX_CH_SMS | OUTBOX_CH_WHATSAPP,
	  { "otp.code", "otp.minutes", NULL }, false, true,
	  "a one-time login code" },
	{ "auth.verify_email", true, OUTBOX_CH_EMAIL,
	  { "user.name", "link", NULL }, false, true,
	  "the link that confirms an email address" },
	{ "auth.password_reset", true, OUTBOX_CH_EMAIL,
	  { "user.name", "link", "minutes", NULL }, false, true,
	  "the link that sets a new password" },
	{ "registration.submitted", true, OUTBOX_CH_SMS | OUTBOX_CH_EMAIL,
	  { "user.name", "registration.name", NULL }, false, false,
	  "a business registration was received" },
	{ "registration.approved", true, OUTBOX_CH_SMS | OUTBOX_CH_EMAIL,
	  { "user.name", "registration.name", NULL }, false, false,
	  "a business registration was approved" },
	{ "registration.rejected", true, OUTBOX_CH_SMS | OUTBOX_CH_EMAIL,
	  { "user.name", "registration.name", "reason", NULL }, false, false,
	  "a business registration was rejected" },
	{ "registration.needs_changes", true, OUTBOX_CH_SMS | OUTBOX_CH_EMAIL,
	  { "user.name", "registration.name", "reason", NULL }, false, false,
	  "a business registration needs changes" },
	{ "query.resolved", false, OUTBOX_CH_SMS | OUTBOX_CH_EMAIL,
	  { "user.name", "query.subject", "resolution", NULL }, false, false,
	  "a customer's query was resolved" },
	{ "vendor.suspended", true, OUTBOX_CH_SMS | OUTBOX_CH_EMAIL,
	  { "user.name", "vendor.name", "reason", NULL }, false, false,
	  "a vendor was suspended" },
	{ "vendor.reactivated", true, OUTBOX_CH_SMS | OUTBOX_CH_EMAIL,
	  { "user.name", "vendor.name", NULL }, false, false,
	  "a suspended vendor is active again" },
	{ "vendor.staff_invited", true, OUTBOX_CH_SMS | OUTBOX_CH_EMAIL,
	  { "user.name", "vendor.name", NULL }, false, false,
	  "someone was invited to a vendor's team" },
	{ "vendor.staff_added", true, OUTBOX_CH_SMS | OUTBOX_CH_EMAIL,
	  { "user.name", "vendor.name", NULL }, false, false,
	  "someone was made staff of a vendor" },
	{ "listing.approved", false, OUTBOX_CH_EMAIL | OUTBOX_CH_PUSH,
	  { "user.name", "listing.title", NULL }, false, false,
	  "a moderator approved a listing" },
	{ "listing.rejected", false, OUTBOX_CH_EMAIL | OUTBOX_CH_PUSH,
	  { "user.name", "listing.title", "reason", NULL }, false, false,
	  "a moderator rejected a listing" },
	{ "stock.low", false, OUTBOX_CH_EMAIL | OUTBOX_CH_PUSH,
	  { "user.name", "listing.title", "variant.sku", "stock.available",
	    NULL }, false, false,
	  "a variant's stock fell to its low-stock level" },
	{ "test.reminder", false, OUTBOX_CH_ALL,
	  { "user.name", "text", NULL }, true, false,
	  "a reminder (tests)" },
	{ "test.urgent", true, OUTBOX_CH_ALL,
	  { "user.name", "text", NULL }, true, false,
	  "an urgent message (tests)" },
	{ NULL, false, 0, { NULL }, false, false, NULL },
};

static const struct db_stmt outbox_stmts[] = {
	/*
	 * The template (in the language asked for, the user's, or English)
	 * and what the rules need to know of the recipient.
	 * $1 user or NULL, $2 channel, $3 kind, $4 language or NULL,
	 * $5 explicit email recipient or NULL.
	 */
	{ "outbox_prepare",
	  "WITH u AS (SELECT * FROM users WHERE id = $1),"
	  " lang AS (SELECT coalesce($4, (SELECT language FROM u), 'en') AS l) "
	  "SELECT t.id, t.language, t.subject, t.body, t.html,"
	  " t.whatsapp_template, u.phone, u.email, coalesce(u.name, ''),"
	  " (SELECT opted_in FROM notification_prefs p"
	  "  WHERE p.user_id = $1 AND p.channel = $2),"
	  " EXISTS (SELECT 1 FROM email_unsubscribes e"
	  "  WHERE e.email = lower(coalesce($5, u.email))),"
	  " (SELECT (extract(epoch FROM quiet_until(u.quiet_start, u.quiet_end,"
	  "  u.timezone, now()) - now()) * 1000)::bigint) "
	  "FROM notification_templates t LEFT JOIN u ON true"
	  " WHERE t.kind = $3 AND t.channel = $2"
	  " AND t.language IN ((SELECT l FROM lang), 'en')"
	  " ORDER BY t.language = (SELECT l FROM lang) DESC LIMIT 1" },
	{ "outbox_devices",
	  "SELECT token FROM push_devices WHERE user_id = $1"
	  " ORDER BY last_seen_at DESC LIMIT " OUTBOX_MAX_DEVICES },
	/* $1..$12 the notification; $13 state; $14 reason; $15 delay ms. */
	{ "outbox_insert",
	  "INSERT INTO notifications (user_id, kind, channel, recipient,"
	  " language, template_id, subject, body, html, whatsapp_template,"
	  " whatsapp_variables, urgent, state, reason, send_after)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12,"
	  "  $13, $14, now() + $15::bigint * interval '1 ms') RETURNING id" },
	{ "outbox_load",
	  "SELECT n.channel, n.recipient, n.subject, n.body, n.html,"
	  " n.whatsapp_template, n.whatsapp_variables::text, n.state,"
	  " n.urgent, u.name FROM notifications n"
	  " LEFT JOIN users u ON u.id = n.user_id WHERE n.id = $1" },
	/*
	 * $1 id, $2 attempt, $3 outcome, $4 status, $5 provider id, $6
	 * detail, $7 new state, $8 the secret kinds (scrubbed when done).
	 */
	{ "outbox_record",
	  "WITH a AS (INSERT INTO notification_attempts (notification_id,"
	  "  attempt, outcome, http_status, provider_id, detail)"
	  "  VALUES ($1, $2, $3, nullif($4::int, 0), $5, $6)) "
	  "UPDATE notifications SET state = $7, attempts = $2,"
	  " provider_id = coalesce($5, provider_id),"
	  " reason = CASE WHEN $7 = 'failed' THEN $6 ELSE reason END,"
	  " sent_at = CASE WHEN $7 = 'sent' THEN now() END,"
	  OUTBOX_SCRUB("$7 <> 'pending' AND kind = ANY ($8::text[])")
	  " WHERE id = $1 AND state = 'pending'" },
	/* A staff retry: $1 id, $2 the secret kinds. */
	{ "outbox_retry_lock",
	  "SELECT state, kind = ANY ($2::text[]) FROM notifications"
	  " WHERE id = $1 FOR UPDATE" },
	{ "outbox_retry",
	  "UPDATE notifications SET state = 'pending', reason = NULL,"
	  " send_after = now() WHERE id = $1 AND state = 'failed'" },
	/* A staff cancel: $1 id, $2 reason, $3 the secret kinds. */
	{ "outbox_cancel",
	  "UPDATE notifications SET state = 'failed', reason = $2,"
	  OUTBOX_SCRUB("kind = ANY ($3::text[])")
	  " WHERE id = $1 AND state = 'pending'" },
};

enum {
	STMT_PREPARE, STMT_DEVICES, STMT_INSERT, STMT_LOAD, STMT_RECORD,
	STMT_RETRY_LOCK, STMT_RETRY, STMT_CANCEL,
};

static bool		 outbox_registered;
static char		*outbox_secrets;	/* "{a,b}" */
static bool		 outbox_test_mode;
static char		*outbox_public_url;

void
outbox_init(const struct config *c)
{
	const struct message_kind	*k;
	struct buf			 b;

	if (!outbox_registered) {
		db_register(outbox_stmts,
		    sizeof outbox_stmts / sizeof outbox_stmts[0]);
		outbox_registered = true;
		buf_init(&b, 0);
		for (k = message_kinds; k->name != NULL; k++)
			if (k->secret && !buf_printf(&b, "%s%s", b.len > 0 ?
			    "," : "", k->name))
				fatalx("outbox_init");
		outbox_secrets = xasprintf("{%s}", b.data != NULL ? b.data :
		    "");
		buf_free(&b);
	}
	outbox_test_mode = c->test_mode;
	free(outbox_public_url);
	outbox_public_url = xstrdup(c->public_url);
}

const char *
outbox_secret_kinds(void)
{
	if (outbox_secrets == NULL)
		fatalx("outbox_secret_kinds before outbox_init");
	return outbox_secrets;
}

const struct message_kind *
outbox_kind(const char *name)
{
	const struct message_kind	*k;

	for (k = message_kinds; k->name != NULL; k++) {
		if (strcmp(k->name, name) == 0)
			return k->test_only && !outbox_test_mode ? NULL : k;
	}
	return NULL;
}

/* Checks that vars holds exactly the kind's variables: else a bug. */
static void
outbox_check_vars(const struct message_kind *k, json_t *vars)
{
	const char	*key;
	json_t		*v;
	int		 i;
	bool		 known;

	json_object_foreach(vars, key, v) {
		known = false;
		for (i = 0; k->vars[i] != NULL && !known; i++)
			known = strcmp(k->vars[i], key) == 0;
		if (!known)
			fatalx("outbox: message %s has no variable %s", k->name,
			    key);
	}
}

/* Inserts one notification and queues its delivery. */
static bool
outbox_insert(struct db *db, const struct outbox_msg *m,
    const struct message_kind *k, PGresult *t, const char *to,
    const char *state, const char *reason, int64_t delay, int64_t *id)
{
	const char	*params[15];
	char		 user[24], delay_s[24], payload[48], *subject = NULL,
			*body, *html = NULL, *wvars = NULL;
	json_t		*names, *wv, *n, *vars;
	PGresult	*res;
	struct job_new	 job = { .kind = "notifications.send" };
	size_t		 i;
	bool		 ok = false;

	/*
	 * The recipient's name is the outbox's to know: a caller that does
	 * not give user.name gets the name of the account it writes to.
	 */
	vars = m->vars != NULL ? json_copy(m->vars) : json_object();
	for (i = 0; k->vars[i] != NULL; i++) {
		if (strcmp(k->vars[i], "user.name") == 0 &&
		    json_object_get(vars, "user.name") == NULL)
			json_object_set_new(vars, "user.name", json_string(
			    PQgetvalue(t, 0, 8)));
	}
	body = template_render(PQgetvalue(t, 0, 3), vars, TEMPLATE_TEXT);
	if (!PQgetisnull(t, 0, 2))
		subject = template_render(PQgetvalue(t, 0, 2), vars,
		    TEMPLATE_SUBJECT);
	if (!PQgetisnull(t, 0, 4))
		html = template_render(PQgetvalue(t, 0, 4), vars,
		    TEMPLATE_HTML);
	if (!PQgetisnull(t, 0, 5)) {
		/* A WhatsApp template numbers its variables 1, 2, ... */
		names = template_variables(PQgetvalue(t, 0, 3));
		wv = json_object();
		json_array_foreach(names, i, n) {
			char	num[24], *var, *v;

			snprintf(num, sizeof num, "%zu", i + 1);
			var = xasprintf("{{%s}}", json_string_value(n));
			v = template_render(var, vars, TEMPLATE_TEXT);
			json_object_set_new(wv, num, json_string(v));
			free(var);
			free(v);
		}
		wvars = json_dumps(wv, JSON_COMPACT);
		json_decref(wv);
		json_decref(names);
	}
	/* A secret that will never be sent is not kept either. */
	if (k->secret && strcmp(state, "pending") != 0) {
		free(body);
		body = xstrdup(OUTBOX_HIDDEN);
		if (subject != NULL) {
			free(subject);
			subject = xstrdup(OUTBOX_HIDDEN);
		}
		if (html != NULL) {
			free(html);
			html = xstrdup(OUTBOX_HIDDEN);
		}
		free(wvars);
		wvars = NULL;
	}
	snprintf(user, sizeof user, "%lld", (long long)m->user_id);
	snprintf(delay_s, sizeof delay_s, "%lld", (long long)delay);
	params[0] = m->user_id != 0 ? user : NULL;
	params[1] = k->name;
	params[2] = notify_channel_name(m->channel);
	params[3] = to;
	params[4] = PQgetvalue(t, 0, 1);
	params[5] = PQgetvalue(t, 0, 0);
	params[6] = subject;
	params[7] = body;
	params[8] = html;
	params[9] = PQgetisnull(t, 0, 5) ? NULL : PQgetvalue(t, 0, 5);
	params[10] = wvars;
	params[11] = k->urgent ? "true" : "false";
	params[12] = state;
	params[13] = reason;
	params[14] = delay_s;
	if ((res = db_exec(db, &outbox_stmts[STMT_INSERT], 15, params)) ==
	    NULL)
		goto out;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	ok = true;
	if (strcmp(state, "pending") != 0) {
		log_info("notification %lld (%s by %s) suppressed: %s",
		    (long long)*id, k->name, params[2], reason);
		goto out;
	}
	snprintf(payload, sizeof payload, "{\"id\": %lld}", (long long)*id);
	job.payload = payload;
	job.delay_ms = delay;
	job.priority = k->urgent ? 10 : 0;
	ok = jobs_enqueue(db, &job, NULL);
out:
	json_decref(vars);
	free(subject);
	free(body);
	free(html);
	free(wvars);
	return ok;
}

bool
outbox_enqueue(struct db *db, const struct outbox_msg *m, int64_t *id)
{
	const struct message_kind	*k;
	const char			*params[5], *to, *reason = NULL;
	char				 user[24];
	PGresult			*t = NULL, *dev = NULL;
	int64_t				 delay = 0, one;
	bool				 ok = false;
	int				 i;

	*id = 0;
	if ((k = outbox_kind(m->kind)) == NULL ||
	    !(k->channels & (1u << m->channel)))
		fatalx("outbox: no message %s by %s", m->kind,
		    notify_channel_name(m->channel));
	outbox_check_vars(k, m->vars);
	snprintf(user, sizeof user, "%lld", (long long)m->user_id);
	params[0] = m->user_id != 0 ? user : NULL;
	params[1] = notify_channel_name(m->channel);
	params[2] = m->kind;
	params[3] = m->language;
	params[4] = m->channel == NOTIFY_EMAIL ? m->to : NULL;
	if ((t = db_exec(db, &outbox_stmts[STMT_PREPARE], 5, params)) == NULL)
		return false;
	if (PQntuples(t) == 0) {
		/* Someone removed it: say so loudly, but serve on. */
		log_error("outbox: no template for %s by %s: the message is "
		    "not sent; add one (POST /v1/notification-templates)",
		    m->kind, params[1]);
		PQclear(t);
		return true;
	}
	/* The recipient's choices; urgent messages override opt-outs. */
	if (m->channel == NOTIFY_WHATSAPP && !(!PQgetisnull(t, 0, 9) &&
	    PQgetvalue(t, 0, 9)[0] == 't'))
		reason = "no recorded WhatsApp opt-in";
	else if (!k->urgent && !PQgetisnull(t, 0, 9) &&
	    PQgetvalue(t, 0, 9)[0] == 'f')
		reason = "the recipient opted out of this channel";
	else if (!k->urgent && m->channel == NOTIFY_EMAIL &&
	    PQgetvalue(t, 0, 10)[0] == 't')
		reason = "the address unsubscribed";
	if (!k->urgent && !PQgetisnull(t, 0, 11))
		delay = strtoll(PQgetvalue(t, 0, 11), NULL, 10);
	if (m->to != NULL) {
		ok = outbox_insert(db, m, k, t, m->to, reason != NULL ?
		    "suppressed" : "pending", reason, delay, id);
		goto out;
	}
	switch (m->channel) {
	case NOTIFY_SMS:
	case NOTIFY_WHATSAPP:
	case NOTIFY_EMAIL:
		i = m->channel == NOTIFY_EMAIL ? 7 : 6;
		if (PQgetisnull(t, 0, i)) {
			log_info("%s to user %lld: no address", params[1],
			    (long long)m->user_id);
			ok = true;
			goto out;
		}
		to = PQgetvalue(t, 0, i);
		ok = outbox_insert(db, m, k, t, to, reason != NULL ?
		    "suppressed" : "pending", reason, delay, id);
		break;
	case NOTIFY_PUSH:
		/* One notification per device the user signed in on. */
		params[0] = user;
		if ((dev = db_exec(db, &outbox_stmts[STMT_DEVICES], 1,
		    params)) == NULL)
			goto out;
		ok = true;
		for (i = 0; ok && i < PQntuples(dev); i++) {
			ok = outbox_insert(db, m, k, t, PQgetvalue(dev, i, 0),
			    reason != NULL ? "suppressed" : "pending", reason,
			    delay, &one);
			if (*id == 0)
				*id = one;
		}
		break;
	}
out:
	PQclear(t);
	PQclear(dev);
	return ok;
}

/* --- unsubscribe tokens ----------------------------------------------- */

/* The unsubscribe links' MAC of email under the stored key. */
static bool
outbox_mac(struct db *db, const char *email, unsigned char mac[32])
{
	crypto_auth_hmacsha256_state	st;
	unsigned char			key[SECRET_BYTES];

	if (!secret_get(db, "unsubscribe", key))
		return false;
	crypto_auth_hmacsha256_init(&st, key, sizeof key);
	sodium_memzero(key, sizeof key);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)
	    "unsubscribe", 12);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)email,
	    strlen(email));
	crypto_auth_hmacsha256_final(&st, mac);
	return true;
}

char *
outbox_unsubscribe_token(struct db *db, const char *email)
{
	unsigned char	mac[32];
	char		a[512], b[64];

	if (strlen(email) > 254 || !outbox_mac(db, email, mac))
		return NULL;
	sodium_bin2base64(a, sizeof a, (const unsigned char *)email,
	    strlen(email), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(b, sizeof b, mac, sizeof mac,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return xasprintf("%s.%s", a, b);
}

char *
outbox_unsubscribe_email(struct db *db, const char *token)
{
	unsigned char	 mac[32], want[32];
	char		 email[300];
	const char	*dot;
	size_t		 n, m;

	if (token == NULL || (dot = strchr(token, '.')) == NULL ||
	    strlen(token) > 600)
		return NULL;
	if (sodium_base642bin((unsigned char *)email, sizeof email - 1, token,
	    (size_t)(dot - token), NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    sodium_base642bin(mac, sizeof mac, dot + 1, strlen(dot + 1), NULL,
	    &m, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    m != sizeof mac)
		return NULL;
	email[n] = '\0';
	if (strlen(email) != n)
		return NULL;
	if (!outbox_mac(db, email, want))
		return NULL;
	if (sodium_memcmp(mac, want, sizeof mac) != 0)
		return NULL;
	return xstrdup(email);
}

/* --- delivery ---------------------------------------------------------- */

static void
outbox_record(struct db *db, const char *id, int attempt,
    const struct notify_result *r, const char *state)
{
	const char	*params[8];
	char		 att[16], status[16];
	PGresult	*res;

	snprintf(att, sizeof att, "%d", attempt);
	snprintf(status, sizeof status, "%ld", r->http_status);
	params[0] = id;
	params[1] = att;
	params[2] = r->outcome == NOTIFY_SENT ? "sent" :
	    r->outcome == NOTIFY_RETRY ? "retry" : "permanent";
	params[3] = status;
	params[4] = r->provider_id;
	params[5] = r->detail;
	params[6] = state;
	params[7] = outbox_secret_kinds();
	if ((res = db_exec(db, &outbox_stmts[STMT_RECORD], 8, params)) ==
	    NULL)
		log_warn("notification %s: recording the attempt: %s", id,
		    db_message(db));
	PQclear(res);
}

enum job_result
outbox_send_run(struct job *j, struct db *db)
{
	struct notify_message	 m;
	struct notify_result	 r;
	enum notify_channel	 ch;
	const char		*params[1];
	char			 id[24], *unsub = NULL, *token = NULL;
	json_t			*wvars = NULL;
	PGresult		*res;
	enum job_result		 out = JOB_DONE;

	snprintf(id, sizeof id, "%lld", (long long)json_integer_value(
	    json_object_get(j->payload, "id")));
	params[0] = id;
	if ((res = db_exec(db, &outbox_stmts[STMT_LOAD], 1, params)) == NULL) {
		j->error = xasprintf("loading notification %s: %s", id,
		    db_message(db));
		return JOB_RETRY;
	}
	/* Sent already (this job ran before), or never to be sent. */
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 7), "pending") !=
	    0 || !notify_channel_parse(PQgetvalue(res, 0, 0), &ch)) {
		PQclear(res);
		return JOB_DONE;
	}
	memset(&m, 0, sizeof m);
	memset(&r, 0, sizeof r);
	m.channel = ch;
	m.to = PQgetvalue(res, 0, 1);
	m.to_name = PQgetisnull(res, 0, 9) ? NULL : PQgetvalue(res, 0, 9);
	m.subject = PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2);
	m.text = PQgetvalue(res, 0, 3);
	m.html = PQgetisnull(res, 0, 4) ? NULL : PQgetvalue(res, 0, 4);
	m.whatsapp_template = PQgetisnull(res, 0, 5) ? NULL :
	    PQgetvalue(res, 0, 5);
	if (!PQgetisnull(res, 0, 6))
		wvars = json_loads(PQgetvalue(res, 0, 6), 0, NULL);
	m.whatsapp_variables = wvars;
	m.idempotency_key = id;
	if (ch == NOTIFY_EMAIL && PQgetvalue(res, 0, 8)[0] == 'f' &&
	    (token = outbox_unsubscribe_token(db, m.to)) != NULL) {
		unsub = xasprintf("%s/v1/unsubscribe?token=%s",
		    outbox_public_url, token);
		m.unsubscribe_url = unsub;
	}
	/* No transaction is open across the provider's answer. */
	notify_send(&m, &r);
	switch (r.outcome) {
	case NOTIFY_SENT:
		outbox_record(db, id, j->attempt, &r, "sent");
		break;
	case NOTIFY_PERMANENT:
		outbox_record(db, id, j->attempt, &r, "failed");
		break;
	case NOTIFY_RETRY:
		if (j->attempt >= j->max_attempts) {
			outbox_record(db, id, j->attempt, &r, "failed");
			j->error = xasprintf("gave up: %s", r.detail != NULL ?
			    r.detail : "no answer");
			out = JOB_FAIL;
			break;
		}
		outbox_record(db, id, j->attempt, &r, "pending");
		j->error = xasprintf("%s", r.detail != NULL ? r.detail :
		    "no answer");
		j->retry_ms = r.retry_after_ms;
		out = JOB_RETRY;
		break;
	}
	notify_result_free(&r);
	json_decref(wvars);
	free(unsub);
	free(token);
	PQclear(res);
	return out;
}

/* The notification a notifications.send job delivers. */
static void
outbox_job_id(json_t *payload, char id[24])
{
	snprintf(id, 24, "%lld", (long long)json_integer_value(
	    json_object_get(payload, "id")));
}

bool
outbox_send_retry(struct db *db, json_t *payload, char **refused)
{
	const char	*params[2];
	char		 id[24];
	PGresult	*res;

	*refused = NULL;
	outbox_job_id(payload, id);
	params[0] = id;
	params[1] = outbox_secret_kinds();
	if ((res = db_exec(db, &outbox_stmts[STMT_RETRY_LOCK], 2, params)) ==
	    NULL)
		return false;
	/* Sent, or gone: the job will find nothing to do. */
	if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "failed") !=
	    0) {
		PQclear(res);
		return true;
	}
	if (PQgetvalue(res, 0, 1)[0] == 't') {
		PQclear(res);
		*refused = xasprintf("notification %s held a one-time secret, "
		    "which is not kept once it failed: ask for a new code or "
		    "link instead", id);
		return false;
	}
	PQclear(res);
	if ((res = db_exec(db, &outbox_stmts[STMT_RETRY], 1, params)) == NULL)
		return false;
	PQclear(res);
	return true;
}

bool
outbox_send_cancel(struct db *db, json_t *payload)
{
	const char	*params[3];
	char		 id[24];
	PGresult	*res;

	outbox_job_id(payload, id);
	params[0] = id;
	params[1] = "cancelled by staff";
	params[2] = outbox_secret_kinds();
	if ((res = db_exec(db, &outbox_stmts[STMT_CANCEL], 3, params)) == NULL)
		return false;
	PQclear(res);
	return true;
}
