/*
 * notifications: what people hear from souk, and how.
 *
 *	GET   /v1/me/notifications		my channels and quiet hours
 *	PATCH /v1/me/notifications		change them
 *	GET   /v1/me/devices			my push devices
 *	POST  /v1/me/devices			register one
 *	DELETE /v1/me/devices/{id}
 *	GET   /v1/unsubscribe?token=		whose link this is
 *	POST  /v1/unsubscribe?token=		one-click unsubscribe (RFC 8058)
 *	GET   /v1/notification-kinds		messages and their variables
 *	GET   /v1/notification-templates	templates (staff)
 *	POST  /v1/notification-templates	a new channel or language
 *	GET   /v1/notification-templates/{id}
 *	PUT   /v1/notification-templates/{id}	edit one
 *	GET   /v1/notifications			the outbox (staff)
 *	GET   /v1/notifications/{id}		one, with every attempt
 *
 * The outbox never shows the texts of messages holding a one-time secret
 * (a sign-in code, a link): whoever reads them could take the account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "buf.h"
#include "log.h"
#include "outbox.h"
#include "page.h"
#include "req.h"
#include "template.h"

#define TEMPLATE_JSON							\
	"json_build_object('id', t.id, 'kind', t.kind, 'channel', t.channel, " \
	"'language', t.language, 'subject', t.subject, 'body', t.body, "	\
	"'html', t.html, 'whatsapp_template', t.whatsapp_template, "	\
	"'updated_by', t.updated_by, 'updated_at', rfc3339(t.updated_at))"

/*
 * A notification; secret is the parameter holding the secret kinds, whose
 * texts are never shown (outbox.h).
 */
#define NOTIFICATION_HIDE(col, secret)					\
	"CASE WHEN n.kind = ANY (" secret "::text[]) AND " col		\
	" IS NOT NULL THEN '" OUTBOX_HIDDEN "' ELSE " col " END"
#define NOTIFICATION_JSON(secret)					\
	"json_build_object('id', n.id, 'user_id', n.user_id, 'kind', "	\
	"n.kind, 'channel', n.channel, 'recipient', n.recipient, "		\
	"'language', n.language, 'subject', "				\
	NOTIFICATION_HIDE("n.subject", secret) ", 'body', "		\
	NOTIFICATION_HIDE("n.body", secret) ", "			\
	"'urgent', n.urgent, 'state', n.state, 'reason', n.reason, "	\
	"'provider_id', n.provider_id, 'attempts', n.attempts, "		\
	"'send_after', rfc3339(n.send_after), 'created_at', "		\
	"rfc3339(n.created_at), 'sent_at', rfc3339(n.sent_at)"

static const struct db_stmt notifications_stmts[] = {
	{ "notif_prefs",
	  "SELECT json_build_object('channels', json_build_object("
	  " 'sms', coalesce((SELECT opted_in FROM notification_prefs"
	  "  WHERE user_id = u.id AND channel = 'sms'), true),"
	  " 'whatsapp', coalesce((SELECT opted_in FROM notification_prefs"
	  "  WHERE user_id = u.id AND channel = 'whatsapp'), false),"
	  " 'email', coalesce((SELECT opted_in FROM notification_prefs"
	  "  WHERE user_id = u.id AND channel = 'email'), true)"
	  "  AND NOT EXISTS (SELECT 1 FROM email_unsubscribes e"
	  "  WHERE e.email = lower(u.email)),"
	  " 'push', coalesce((SELECT opted_in FROM notification_prefs"
	  "  WHERE user_id = u.id AND channel = 'push'), true)),"
	  " 'quiet_hours', CASE WHEN u.quiet_start IS NULL THEN NULL ELSE"
	  "  json_build_object('start', to_char(u.quiet_start, 'HH24:MI'),"
	  "  'end', to_char(u.quiet_end, 'HH24:MI')) END,"
	  " 'timezone', u.timezone)::text FROM users u WHERE u.id = $1" },
	{ "notif_pref_set",
	  "INSERT INTO notification_prefs (user_id, channel, opted_in, source)"
	  " VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, channel) DO UPDATE"
	  " SET opted_in = EXCLUDED.opted_in, source = EXCLUDED.source,"
	  " recorded_at = now()" },
	/* Opting back in to email lifts an unsubscribe. */
	{ "notif_resubscribe",
	  "DELETE FROM email_unsubscribes WHERE email ="
	  " (SELECT lower(email) FROM users WHERE id = $1)" },
	{ "notif_quiet",
	  "UPDATE users SET quiet_start = $2::time, quiet_end = $3::time"
	  " WHERE id = $1" },
	{ "notif_devices",
	  "SELECT json_build_object('id', id, 'platform', platform,"
	  " 'created_at', rfc3339(created_at), 'last_seen_at',"
	  " rfc3339(last_seen_at))::text FROM push_devices WHERE user_id = $1"
	  " ORDER BY id DESC" },
	/* A token moves to whoever registers it last (a shared phone). */
	{ "notif_device_add",
	  "INSERT INTO push_devices (user_id, token, platform) VALUES ($1, $2, $3)"
	  " ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id,"
	  " platform = EXCLUDED.platform, last_seen_at = now()"
	  " RETURNING json_build_object('id', id, 'platform', platform,"
	  " 'created_at', rfc3339(created_at), 'last_seen_at',"
	  " rfc3339(last_seen_at))::text" },
	{ "notif_device_del",
	  "DELETE FROM push_devices WHERE id = $1 AND user_id = $2" },
	{ "notif_unsubscribed",
	  "SELECT EXISTS (SELECT 1 FROM email_unsubscribes WHERE email = $1)" },
	{ "notif_unsubscribe",
	  "INSERT INTO email_unsubscribes (email, source) VALUES ($1, $2)"
	  " ON CONFLICT DO NOTHING" },
	/* $1 kind, $2 channel, $3 language, $4 after id, $5 limit */
	{ "notif_templates",
	  "SELECT " TEMPLATE_JSON "::text, t.id FROM notification_templates t"
	  " WHERE ($1::text IS NULL OR t.kind = $1)"
	  " AND ($2::text IS NULL OR t.channel = $2)"
	  " AND ($3::text IS NULL OR t.language = $3)"
	  " AND t.id > $4 ORDER BY t.id LIMIT $5" },
	{ "notif_template",
	  "SELECT " TEMPLATE_JSON "::text, t.kind FROM notification_templates t"
	  " WHERE t.id = $1" },
	{ "notif_template_lock",
	  "SELECT " TEMPLATE_JSON "::text, t.kind, t.channel"
	  " FROM notification_templates t WHERE t.id = $1 FOR UPDATE" },
	{ "notif_template_insert",
	  "INSERT INTO notification_templates AS t (kind, channel, language,"
	  " subject, body, html, whatsapp_template, updated_by)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING "
	  TEMPLATE_JSON "::text, t.id" },
	{ "notif_template_update",
	  "UPDATE notification_templates t SET subject = $2, body = $3,"
	  " html = $4, whatsapp_template = $5, updated_by = $6 WHERE id = $1"
	  " RETURNING " TEMPLATE_JSON "::text" },
	/*
	 * $1 user, $2 state, $3 channel, $4 kind, $5 after id, $6 limit,
	 * $7 the secret kinds
	 */
	{ "notif_list",
	  "SELECT " NOTIFICATION_JSON("$7") ")::text, n.id FROM notifications n"
	  " WHERE ($1::bigint IS NULL OR n.user_id = $1)"
	  " AND ($2::text IS NULL OR n.state = $2)"
	  " AND ($3::text IS NULL OR n.channel = $3)"
	  " AND ($4::text IS NULL OR n.kind = $4)"
	  " AND n.id < $5 ORDER BY n.id DESC LIMIT $6" },
	/* $1 id, $2 the secret kinds */
	{ "notif_get",
	  "SELECT " NOTIFICATION_JSON("$2") ", 'html', "
	  NOTIFICATION_HIDE("n.html", "$2") ", 'attempts_log',"
	  " coalesce((SELECT json_agg(json_build_object('attempt', a.attempt,"
	  " 'at', rfc3339(a.at), 'outcome', a.outcome, 'http_status',"
	  " a.http_status, 'provider_id', a.provider_id, 'detail', a.detail)"
	  " ORDER BY a.id) FROM notification_attempts a"
	  " WHERE a.notification_id = n.id), '[]'))::text"
	  " FROM notifications n WHERE n.id = $1" },
};

enum {
	STMT_PREFS, STMT_PREF_SET, STMT_RESUBSCRIBE, STMT_QUIET, STMT_DEVICES,
	STMT_DEVICE_ADD, STMT_DEVICE_DEL, STMT_UNSUBSCRIBED, STMT_UNSUBSCRIBE,
	STMT_TEMPLATES, STMT_TEMPLATE, STMT_TEMPLATE_LOCK,
	STMT_TEMPLATE_INSERT, STMT_TEMPLATE_UPDATE, STMT_LIST, STMT_GET,
};

static const char *const channel_names[] = { "sms", "whatsapp", "email",
    "push" };

static bool
is_channel(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < API_NELEM(channel_names); i++)
		if (strcmp(s, channel_names[i]) == 0)
			return true;
	return false;
}

/* --- my preferences ------------------------------------------------------ */

static void
prefs_reply(struct req *r, int64_t user)
{
	char		 id[24];
	const char	*params[1] = { id };
	PGresult	*res;

	snprintf(id, sizeof id, "%lld", (long long)user);
	if ((res = req_exec(r, &notifications_stmts[STMT_PREFS], 1, params)) ==
	    NULL)
		return;
	req_reply_json_text(r, 200, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}

static void
prefs_get(struct req *r)
{
	prefs_reply(r, req_principal(r)->user_id);
}

static const struct jsonv_field channel_fields[] = {
	{ "sms", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "whatsapp", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "email", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "push", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct jsonv_field quiet_fields[] = {
	{ "start", JV_STRING, JV_REQUIRED, 5, 5, 0, 0, 0, NULL },
	{ "end", JV_STRING, JV_REQUIRED, 5, 5, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct jsonv_field prefs_fields[] = {
	{ "channels", JV_OBJECT, 0, 0, 0, 0, 0, 0, channel_fields },
	{ "quiet_hours", JV_OBJECT, JV_NULLABLE, 0, 0, 0, 0, 0, quiet_fields },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static bool
valid_hhmm(const char *s)
{
	return strlen(s) == 5 && s[2] == ':' && s[0] >= '0' && s[0] <= '2' &&
	    s[1] >= '0' && s[1] <= '9' && (s[0] < '2' || s[1] <= '3') &&
	    s[3] >= '0' && s[3] <= '5' && s[4] >= '0' && s[4] <= '9';
}

struct prefs_tx {
	struct req	*r;
	json_t		*body;
	const char	*id;
};

static bool
prefs_tx_run(struct db *db, void *arg)
{
	struct prefs_tx	*t = arg;
	json_t		*q, *v;
	const char	*params[4], *ch;
	char		 detail[128];
	PGresult	*res;

	json_object_foreach(json_object_get(t->body, "channels"), ch, v) {
		params[0] = t->id;
		params[1] = ch;
		params[2] = json_is_true(v) ? "true" : "false";
		/* A WhatsApp opt-in is recorded with where it came from. */
		params[3] = "app";
		if ((res = db_exec(db, &notifications_stmts[STMT_PREF_SET], 4,
		    params)) == NULL)
			return false;
		PQclear(res);
		if (strcmp(ch, "email") == 0 && json_is_true(v)) {
			if ((res = db_exec(db,
			    &notifications_stmts[STMT_RESUBSCRIBE], 1,
			    params)) == NULL)
				return false;
			PQclear(res);
		}
		snprintf(detail, sizeof detail, "%s %s", ch, json_is_true(v) ?
		    "opted in" : "opted out");
		if (!account_audit(db, t->r, 0, "notifications.preference",
		    "user", t->id, NULL, NULL, detail))
			return false;
	}
	if ((q = json_object_get(t->body, "quiet_hours")) != NULL) {
		params[0] = t->id;
		params[1] = json_string_value(json_object_get(q, "start"));
		params[2] = json_string_value(json_object_get(q, "end"));
		if ((res = db_exec(db, &notifications_stmts[STMT_QUIET], 3,
		    params)) == NULL)
			return false;
		PQclear(res);
	}
	return true;
}

static void
prefs_update(struct req *r)
{
	struct prefs_tx	 t;
	json_t		*q;
	char		 id[24];
	struct db	*db;

	if ((t.body = req_body_json(r, prefs_fields)) == NULL)
		return;
	q = json_object_get(t.body, "quiet_hours");
	if (json_is_object(q) && (!valid_hhmm(json_string_value(
	    json_object_get(q, "start"))) || !valid_hhmm(json_string_value(
	    json_object_get(q, "end")))))
		req_field_error(r, "quiet_hours", "invalid", "start and end "
		    "must be times such as 22:00");
	else if (json_is_object(q) && strcmp(json_string_value(
	    json_object_get(q, "start")), json_string_value(json_object_get(q,
	    "end"))) == 0)
		req_field_error(r, "quiet_hours", "invalid", "start and end "
		    "must differ");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	snprintf(id, sizeof id, "%lld", (long long)req_principal(r)->user_id);
	t.r = r;
	t.id = id;
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, prefs_tx_run, &t)) {
		req_db_problem(r, db);
		goto out;
	}
	prefs_reply(r, req_principal(r)->user_id);
out:
	json_decref(t.body);
}

/* --- my devices ------------------------------------------------------------- */

static void
devices_list(struct req *r)
{
	char		 id[24];
	const char	*params[1] = { id };
	PGresult	*res;

	snprintf(id, sizeof id, "%lld", (long long)req_principal(r)->user_id);
	if ((res = req_exec(r, &notifications_stmts[STMT_DEVICES], 1,
	    params)) == NULL)
		return;
	req_reply_rows(r, res, 0);
	PQclear(res);
}

static const struct jsonv_field device_fields[] = {
	{ "token", JV_STRING, JV_REQUIRED, 8, 4096, 0, 0, 0, NULL },
	{ "platform", JV_STRING, JV_REQUIRED, 2, 10, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
devices_add(struct req *r)
{
	json_t		*body;
	const char	*params[3], *platform;
	char		 id[24];
	PGresult	*res;

	if ((body = req_body_json(r, device_fields)) == NULL)
		return;
	platform = json_string_value(json_object_get(body, "platform"));
	if (strcmp(platform, "android") != 0 && strcmp(platform, "ios") != 0 &&
	    strcmp(platform, "web") != 0) {
		req_field_error(r, "platform", "invalid", "must be android, "
		    "ios or web");
		req_fail_fields(r);
		goto out;
	}
	snprintf(id, sizeof id, "%lld", (long long)req_principal(r)->user_id);
	params[0] = id;
	params[1] = json_string_value(json_object_get(body, "token"));
	params[2] = platform;
	if ((res = req_exec(r, &notifications_stmts[STMT_DEVICE_ADD], 3,
	    params)) == NULL)
		goto out;
	req_reply_json_text(r, 201, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
out:
	json_decref(body);
}

static void
devices_remove(struct req *r)
{
	char		 id[24];
	const char	*params[2] = { req_param(r, "id"), id };
	PGresult	*res;

	snprintf(id, sizeof id, "%lld", (long long)req_principal(r)->user_id);
	if ((res = req_exec(r, &notifications_stmts[STMT_DEVICE_DEL], 2,
	    params)) == NULL)
		return;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		req_problem(r, "not-found", "you have no device %s", params[0]);
	else
		req_reply(r, 204, NULL, xstrdup(""), 0);
	PQclear(res);
}

/* --- unsubscribe ------------------------------------------------------------ */

static void
unsubscribe(struct req *r)
{
	struct db	*db;
	char		*email = NULL;
	const char	*params[2];
	PGresult	*res;
	bool		 post = strcmp(req_method(r), "POST") == 0;
	json_t		*out;

	if ((db = req_db(r)) == NULL)
		return;
	if ((email = outbox_unsubscribe_email(db, req_query(r, "token"))) ==
	    NULL) {
		req_problem(r, "not-found", "this unsubscribe link is not one "
		    "of ours, or was cut short");
		return;
	}
	params[0] = email;
	params[1] = "one-click";
	res = db_exec(db, &notifications_stmts[post ? STMT_UNSUBSCRIBE :
	    STMT_UNSUBSCRIBED], post ? 2 : 1, params);
	if (res == NULL) {
		req_db_problem(r, db);
		goto out;
	}
	out = json_pack("{s:s, s:b}", "email", email, "unsubscribed", post ||
	    PQgetvalue(res, 0, 0)[0] == 't');
	PQclear(res);
	req_reply_json(r, 200, out);
out:
	free(email);
}

/* --- kinds and templates ------------------------------------------------ */

static void
kinds_list(struct req *r)
{
	const struct message_kind	*k;
	json_t				*list = json_array(), *vars, *chs;
	int				 i;

	for (k = message_kinds; k->name != NULL; k++) {
		if (outbox_kind(k->name) == NULL)
			continue;
		vars = json_array();
		for (i = 0; k->vars[i] != NULL; i++)
			json_array_append_new(vars, json_string(k->vars[i]));
		chs = json_array();
		for (i = 0; i < (int)API_NELEM(channel_names); i++)
			if (k->channels & (1u << i))
				json_array_append_new(chs,
				    json_string(channel_names[i]));
		json_array_append_new(list, json_pack("{s:s, s:b, s:o, s:o, "
		    "s:s}", "kind", k->name, "urgent", k->urgent, "channels",
		    chs, "variables", vars, "summary", k->summary));
	}
	req_reply_json(r, 200, json_pack("{s:o, s:n}", "data", list, "next"));
}

static void
templates_list(struct req *r)
{
	const char	*kind = req_query(r, "kind"), *channel = req_query(r,
			    "channel"), *lang = req_query(r, "language"),
			*params[5];
	char		 after_s[24], limit_s[24];
	json_t		*after = NULL;
	int64_t		 limit;
	PGresult	*res;

	if (!req_page(r, 1, &limit, &after))
		goto fail;
	if (channel != NULL && !is_channel(channel))
		req_field_error(r, "channel", "invalid", "must be sms, "
		    "whatsapp, email or push");
	if (after != NULL && !json_is_integer(json_array_get(after, 0)))
		req_field_error(r, "after", "cursor", "is not a cursor this "
		    "list returned");
	if (req_has_field_errors(r))
		goto fail;
	snprintf(after_s, sizeof after_s, "%lld", after != NULL ?
	    (long long)json_integer_value(json_array_get(after, 0)) : 0LL);
	snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit + 1);
	params[0] = kind;
	params[1] = channel;
	params[2] = lang;
	params[3] = after_s;
	params[4] = limit_s;
	if ((res = req_exec(r, &notifications_stmts[STMT_TEMPLATES], 5,
	    params)) != NULL) {
		req_reply_rows(r, res, limit);
		PQclear(res);
	}
	json_decref(after);
	return;
fail:
	json_decref(after);
	req_fail_fields(r);
}

static void
templates_get(struct req *r)
{
	const char	*params[1] = { req_param(r, "id") };
	PGresult	*res;

	if ((res = req_exec(r, &notifications_stmts[STMT_TEMPLATE], 1,
	    params)) == NULL)
		return;
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "there is no template %s",
		    params[0]);
	else
		req_reply_json_text(r, 200, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}

static const struct jsonv_field template_fields[] = {
	{ "kind", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ "channel", JV_STRING, 0, 1, 10, 0, 0, 0, NULL },
	{ "language", JV_STRING, 0, 2, 3, 0, 0, 0, NULL },
	{ "subject", JV_STRING, JV_NULLABLE, 1, 200, 0, 0, 0, NULL },
	{ "body", JV_STRING, JV_REQUIRED, 1, 4000, 0, 0, 0, NULL },
	{ "html", JV_STRING, JV_NULLABLE, 1, 100000, 0, 0, 0, NULL },
	{ "whatsapp_template", JV_STRING, JV_NULLABLE, 34, 34, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/*
 * Checks a template's texts against its kind's variables and channel:
 * the unknown variable is found now, not when a message is sent.
 */
static void
templates_check(struct req *r, json_t *body, const char *kind,
    const char *channel)
{
	const struct message_kind	*k = outbox_kind(kind);
	static const char *const	 parts[] = { "subject", "body", "html" };
	const char			*text;
	char				*cause = NULL;
	size_t				 i;
	unsigned			 bit = 0;

	for (i = 0; i < API_NELEM(channel_names); i++)
		if (strcmp(channel, channel_names[i]) == 0)
			bit = 1u << i;
	if (k == NULL) {
		req_field_error(r, "kind", "unknown", "is not a message soukd "
		    "sends (see GET /v1/notification-kinds)");
		return;
	}
	if (!(k->channels & bit)) {
		req_field_error(r, "channel", "invalid", "%s does not go by %s",
		    kind, channel);
		return;
	}
	for (i = 0; i < API_NELEM(parts); i++) {
		text = json_string_value(json_object_get(body, parts[i]));
		if (!template_check(text, k->vars, &cause)) {
			req_field_error(r, parts[i], "variable", "%s", cause);
			free(cause);
			cause = NULL;
		}
	}
	if (strcmp(channel, "email") == 0 && json_string_value(
	    json_object_get(body, "subject")) == NULL)
		req_field_error(r, "subject", "required", "an email needs one");
	if (strcmp(channel, "email") != 0 && json_string_value(
	    json_object_get(body, "html")) != NULL)
		req_field_error(r, "html", "invalid", "only email has HTML");
	if (strcmp(channel, "whatsapp") != 0 && json_string_value(
	    json_object_get(body, "whatsapp_template")) != NULL)
		req_field_error(r, "whatsapp_template", "invalid", "only "
		    "WhatsApp has provider templates");
}

struct template_tx {
	struct req	*r;
	json_t		*body;
	const char	*id;		/* PUT; NULL: POST */
	char		*before;
	char		*after;
	char		 made[24];
	bool		 missing;
	bool		 invalid;	/* field errors recorded */
};

static bool
template_tx_run(struct db *db, void *arg)
{
	struct template_tx	*t = arg;
	const char		*params[8];
	char			 actor[24];
	PGresult		*res;

	free(t->before);
	free(t->after);
	t->before = t->after = NULL;
	snprintf(actor, sizeof actor, "%lld", (long long)req_principal(
	    t->r)->user_id);
	if (t->id != NULL) {
		params[0] = t->id;
		if ((res = db_exec(db, &notifications_stmts[STMT_TEMPLATE_LOCK],
		    1, params)) == NULL)
			return false;
		if (PQntuples(res) == 0) {
			PQclear(res);
			t->missing = true;
			return false;
		}
		t->before = xstrdup(PQgetvalue(res, 0, 0));
		templates_check(t->r, t->body, PQgetvalue(res, 0, 1),
		    PQgetvalue(res, 0, 2));
		PQclear(res);
		if (req_has_field_errors(t->r)) {
			t->invalid = true;
			return false;
		}
		params[1] = json_string_value(json_object_get(t->body,
		    "subject"));
		params[2] = json_string_value(json_object_get(t->body, "body"));
		params[3] = json_string_value(json_object_get(t->body, "html"));
		params[4] = json_string_value(json_object_get(t->body,
		    "whatsapp_template"));
		params[5] = actor;
		if ((res = db_exec(db,
		    &notifications_stmts[STMT_TEMPLATE_UPDATE], 6, params)) ==
		    NULL)
			return false;
		snprintf(t->made, sizeof t->made, "%s", t->id);
	} else {
		params[0] = json_string_value(json_object_get(t->body, "kind"));
		params[1] = json_string_value(json_object_get(t->body,
		    "channel"));
		params[2] = json_string_value(json_object_get(t->body,
		    "language"));
		params[3] = json_string_value(json_object_get(t->body,
		    "subject"));
		params[4] = json_string_value(json_object_get(t->body, "body"));
		params[5] = json_string_value(json_object_get(t->body, "html"));
		params[6] = json_string_value(json_object_get(t->body,
		    "whatsapp_template"));
		params[7] = actor;
		if ((res = db_exec(db,
		    &notifications_stmts[STMT_TEMPLATE_INSERT], 8, params)) ==
		    NULL)
			return false;
		snprintf(t->made, sizeof t->made, "%s", PQgetvalue(res, 0, 1));
	}
	t->after = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return account_audit(db, t->r, 0, t->id != NULL ? "template.updated" :
	    "template.created", "notification_template", t->made, t->before,
	    t->after, NULL);
}

static void
templates_write(struct req *r, const char *id)
{
	struct template_tx	 t;
	const char		*kind, *channel, *lang;
	struct db		*db;

	memset(&t, 0, sizeof t);
	t.r = r;
	t.id = id;
	if ((t.body = req_body_json(r, template_fields)) == NULL)
		return;
	kind = json_string_value(json_object_get(t.body, "kind"));
	channel = json_string_value(json_object_get(t.body, "channel"));
	lang = json_string_value(json_object_get(t.body, "language"));
	if (id != NULL && (kind != NULL || channel != NULL || lang != NULL))
		req_field_error(r, kind != NULL ? "kind" : channel != NULL ?
		    "channel" : "language", "immutable", "cannot change; add a "
		    "template for it instead");
	if (id == NULL) {
		if (kind == NULL)
			req_field_error(r, "kind", "required", "is required");
		if (channel == NULL || !is_channel(channel))
			req_field_error(r, "channel", channel == NULL ?
			    "required" : "invalid", "must be sms, whatsapp, "
			    "email or push");
		if (lang == NULL || (strcmp(lang, "en") != 0 &&
		    strcmp(lang, "hi") != 0))
			req_field_error(r, "language", lang == NULL ?
			    "required" : "invalid", "must be en or hi");
		if (!req_has_field_errors(r))
			templates_check(r, t.body, kind, channel);
	}
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, template_tx_run, &t)) {
		if (t.missing)
			req_problem(r, "not-found", "there is no template %s",
			    id);
		else if (t.invalid)
			req_fail_fields(r);
		else if (db_status(db) == DB_CONSTRAINT &&
		    strstr(db_constraint(db), "whatsapp") != NULL) {
			req_field_error(r, "whatsapp_template", "invalid",
			    "must be a Twilio Content SID (HX and 32 hex "
			    "digits)");
			req_fail_fields(r);
		} else if (db_status(db) == DB_CONSTRAINT)
			req_problem(r, "conflict", "there is a template for "
			    "this kind, channel and language: edit it");
		else
			req_db_problem(r, db);
		goto out;
	}
	req_reply_json_text(r, id == NULL ? 201 : 200, t.after,
	    strlen(t.after));
out:
	free(t.before);
	free(t.after);
	json_decref(t.body);
}

static void
templates_create(struct req *r)
{
	templates_write(r, NULL);
}

static void
templates_update(struct req *r)
{
	templates_write(r, req_param(r, "id"));
}

/* --- the outbox, for staff ------------------------------------------------ */

static void
notifications_list(struct req *r)
{
	const char	*user = req_query(r, "user_id"), *state = req_query(r,
			    "state"), *channel = req_query(r, "channel"),
			*kind = req_query(r, "kind"), *params[7];
	char		 after_s[24], limit_s[24];
	json_t		*after = NULL;
	int64_t		 limit;
	PGresult	*res;

	if (!req_page(r, 1, &limit, &after))
		goto fail;
	if (user != NULL && !router_valid_id(user, strlen(user)))
		req_field_error(r, "user_id", "invalid", "must be a user id");
	if (state != NULL && strcmp(state, "pending") != 0 &&
	    strcmp(state, "sent") != 0 && strcmp(state, "failed") != 0 &&
	    strcmp(state, "suppressed") != 0)
		req_field_error(r, "state", "invalid", "must be pending, sent, "
		    "failed or suppressed");
	if (channel != NULL && !is_channel(channel))
		req_field_error(r, "channel", "invalid", "must be sms, "
		    "whatsapp, email or push");
	if (after != NULL && !json_is_integer(json_array_get(after, 0)))
		req_field_error(r, "after", "cursor", "is not a cursor this "
		    "list returned");
	if (req_has_field_errors(r))
		goto fail;
	snprintf(after_s, sizeof after_s, "%lld", after != NULL ?
	    (long long)json_integer_value(json_array_get(after, 0)) :
	    (long long)INT64_MAX);
	snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit + 1);
	params[0] = user;
	params[1] = state;
	params[2] = channel;
	params[3] = kind;
	params[4] = after_s;
	params[5] = limit_s;
	params[6] = outbox_secret_kinds();
	if ((res = req_exec(r, &notifications_stmts[STMT_LIST], 7, params)) !=
	    NULL) {
		req_reply_rows(r, res, limit);
		PQclear(res);
	}
	json_decref(after);
	return;
fail:
	json_decref(after);
	req_fail_fields(r);
}

static void
notifications_get(struct req *r)
{
	const char	*params[2] = { req_param(r, "id"),
			    outbox_secret_kinds() };
	PGresult	*res;

	if ((res = req_exec(r, &notifications_stmts[STMT_GET], 2, params)) ==
	    NULL)
		return;
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "there is no notification %s",
		    params[0]);
	else
		req_reply_json_text(r, 200, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}

static const struct route notifications_routes[] = {
	{ "GET", "/v1/me/notifications", prefs_get, NULL, "self",
	  "my notification channels and quiet hours", 0 },
	{ "PATCH", "/v1/me/notifications", prefs_update, NULL, "self",
	  "choose channels and quiet hours", 0 },
	{ "GET", "/v1/me/devices", devices_list, NULL, "self",
	  "my devices for push notifications", 0 },
	{ "POST", "/v1/me/devices", devices_add, NULL, "self",
	  "register a device for push notifications", 0 },
	{ "DELETE", "/v1/me/devices/{id}", devices_remove, NULL, "self",
	  "forget a device", 0 },
	{ "GET", "/v1/unsubscribe", unsubscribe, "token", "public",
	  "whose unsubscribe link this is, and whether it is used", 0 },
	{ "POST", "/v1/unsubscribe", unsubscribe, "token", "public",
	  "unsubscribe from non-urgent email in one click", 0 },
	{ "GET", "/v1/notification-kinds", kinds_list, NULL,
	  "templates.manage", "the messages soukd sends and their variables", 0 },
	{ "GET", "/v1/notification-templates", templates_list,
	  "kind,channel,language,limit,after", "templates.manage",
	  "notification templates", 0 },
	{ "POST", "/v1/notification-templates", templates_create, NULL,
	  "templates.manage", "add a template for a channel or language", 0 },
	{ "GET", "/v1/notification-templates/{id}", templates_get, NULL,
	  "templates.manage", "one template", 0 },
	{ "PUT", "/v1/notification-templates/{id}", templates_update, NULL,
	  "templates.manage", "edit a template", 0 },
	{ "GET", "/v1/notifications", notifications_list,
	  "user_id,state,channel,kind,limit,after", "notifications.read",
	  "the outbox, newest first", 0 },
	{ "GET", "/v1/notifications/{id}", notifications_get, NULL,
	  "notifications.read", "one notification with every attempt", 0 },
};

const struct api_module notifications_module = {
	"notifications", notifications_routes, API_NELEM(notifications_routes),
	notifications_stmts, API_NELEM(notifications_stmts),
};
