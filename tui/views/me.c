/*
 * me: one's own account.  The account (GET and PATCH /v1/me: name,
 * language and time zone can be changed), the sessions signed in with it
 * (GET /v1/me/sessions; x signs one out, DELETE /v1/me/sessions/{id}) and
 * the form that changes the password (POST /v1/me/password, which signs
 * every other session out and gives this one new tokens).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "client.h"
#include "form.h"
#include "log.h"
#include "session.h"
#include "table.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

enum { TAG_GET = 1, TAG_SAVE, TAG_REVOKE, TAG_PASSWORD };

/* --- my account ------------------------------------------------------------- */

struct me {
	json_t	*was;		/* as loaded, to send only what changed */
};

static void
me_fill(struct view *v, json_t *o)
{
	struct me		*me = v->data;
	struct form_field	*f;
	char			*regions;
	size_t			 keep = form_cursor(v->form);

	json_decref(me->was);
	me->was = json_incref(o);
	form_clear(v->form);
	views_field(v->form, o, "id", "ID");
	form_add(v->form, "name", "Name", json_string_value(json_object_get(o,
	    "name")), FORM_EDIT);
	views_field(v->form, o, "email", "Email");
	views_field(v->form, o, "phone", "Phone");
	views_field(v->form, o, "role", "Role");
	regions = views_words_join(json_object_get(o, "regions"), ", ");
	form_add(v->form, "regions", "Regions", regions, 0);
	free(regions);
	form_add(v->form, "language", "Language", json_string_value(
	    json_object_get(o, "language")), FORM_EDIT);
	form_add(v->form, "timezone", "Time zone", json_string_value(
	    json_object_get(o, "timezone")), FORM_EDIT);
	views_field(v->form, o, "status", "Status");
	views_time_field(v->form, o, "last_login_at", "Last sign-in");
	views_time_field(v->form, o, "created_at", "Created");
	form_add(v->form, "save", "", "Save", FORM_BUTTON);
	f = form_add(v->form, "sessions", "Sessions", "where I am signed in",
	    0);
	form_link(f, "sessions");
	f = form_add(v->form, "password", "Password", "change it", 0);
	form_link(f, "password");
	f = form_add(v->form, "logout", "Sign out", "end this session", 0);
	form_link(f, "logout");
	form_seek(v->form, keep);
	json_decref(v->json);
	v->json = json_incref(o);
}

static void
me_load(struct view *v)
{
	view_request(v, TAG_GET, "GET", "/v1/me", NULL);
}

static void
me_save(struct view *v)
{
	static const char *const keys[] = { "name", "language", "timezone" };
	struct me	*me = v->data;
	json_t		*body = json_object();
	const char	*now, *was;
	char		*text;
	size_t		 i;

	form_clear_errors(v->form);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		now = form_find(v->form, keys[i])->value;
		was = json_string_value(json_object_get(me->was, keys[i]));
		if (was == NULL || strcmp(now, was) != 0)
			json_object_set_new(body, keys[i], json_string(now));
	}
	if (json_object_size(body) == 0) {
		json_decref(body);
		app_message(v->app, MSG_INFO, "nothing changed");
		return;
	}
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("me_save: json");
	json_decref(body);
	view_restart(v);
	view_request(v, TAG_SAVE, "PATCH", "/v1/me", text);
	free(text);
}

static void
me_result(struct view *v, struct request *r)
{
	if (r->resp.status != CLIENT_OK) {
		if (r->tag == TAG_SAVE && r->resp.json != NULL &&
		    r->resp.status == CLIENT_PROBLEM) {
			v->loading = false;
			form_problem(v->form, r->resp.json);
			app_message(v->app, MSG_ERROR, "%s", r->resp.message);
			return;
		}
		view_fail(v, &r->resp);
		return;
	}
	me_fill(v, r->resp.json);
	view_done(v);
	if (r->tag == TAG_SAVE)
		app_message(v->app, MSG_INFO, "saved");
}

static void
me_free(struct view *v)
{
	struct me	*me = v->data;

	if (me == NULL)
		return;
	json_decref(me->was);
	free(me);
}

static const struct view_ops me_ops = {
	"me", SCOPE_ME, WIDGET_FORM, NULL, NULL,
	me_load, me_result, me_save, me_free, VIEW_MANUAL, NULL,
};

struct view *
me_view(struct app *a)
{
	struct view	*v = view_new(a, &me_ops, "my account", NULL, 0);

	v->data = xcalloc(1, sizeof(struct me));
	return v;
}

/* --- my sessions ------------------------------------------------------------ */

static const struct table_col sessions_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "THIS", TABLE_TEXT, 4, 0, 1, false },
	{ "STARTED", TABLE_TEXT, 16, 0, 3, false },
	{ "LAST USED", TABLE_TEXT, 16, 0, 0, false },
	{ "IP", TABLE_TEXT, 7, 0, 4, false },
	{ "PROGRAM", TABLE_TEXT, 6, 0, 2, true },
};

#define SESSIONS_NCOLS	(sizeof sessions_cols / sizeof sessions_cols[0])

struct sessions {
	struct listing	 l;
	char		*revoking;	/* the id asked about */
	bool		 current;	/* it is this one */
};

static void
sessions_add(struct view *v, json_t *o)
{
	const char	*cells[SESSIONS_NCOLS];
	char		 id[32], started[32], used[32];

	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = json_is_true(json_object_get(o, "current")) ? "yes" : "";
	views_time(json_string_value(json_object_get(o, "started_at")), false,
	    started, sizeof started);
	views_time(json_string_value(json_object_get(o, "last_used_at")),
	    false, used, sizeof used);
	cells[2] = started;
	cells[3] = used;
	cells[4] = views_text(o, "ip", NULL, 0);
	cells[5] = views_text(o, "user_agent", NULL, 0);
	table_load_add(v->table, cells[0], cells, o);
}

static void
sessions_result(struct view *v, struct request *r)
{
	struct sessions	*ss = v->data;

	if (listing_result(v, r))
		return;
	if (r->tag != TAG_REVOKE)
		return;
	v->loading = false;
	if (r->resp.status != CLIENT_OK) {
		app_message(v->app, MSG_ERROR, "%s", r->resp.message);
		return;
	}
	if (ss->current) {
		/* This very session: souk is signed out. */
		app_logout(v->app);
		return;
	}
	app_message(v->app, MSG_INFO, "session %s signed out", ss->revoking);
	view_load(v);
}

static void
sessions_revoke_yes(struct view *v)
{
	struct sessions	*ss = v->data;
	char		*path, *id;

	id = client_escape(ss->revoking);
	path = xasprintf("/v1/me/sessions/%s", id);
	view_request(v, TAG_REVOKE, "DELETE", path, NULL);
	free(path);
	free(id);
}

void
sessions_key_revoke(struct app *a, struct view *v, int key)
{
	struct sessions	*ss = v->data;
	const char	*id = table_cursor_key(v->table);
	char		*q;

	(void)key;
	if (id == NULL)
		return;
	free(ss->revoking);
	ss->revoking = xstrdup(id);
	ss->current = json_is_true(json_object_get(table_cursor_data(
	    v->table), "current"));
	q = xasprintf("Sign out session %s%s?", id, ss->current ?
	    " (this one: souk signs out)" : "");
	app_confirm_view(a, v, q, sessions_revoke_yes);
	free(q);
}

static void
sessions_free(struct view *v)
{
	struct sessions	*ss = v->data;

	if (ss == NULL)
		return;
	listing_free(&ss->l);
	free(ss->revoking);
	free(ss);
}

static const struct view_ops sessions_ops = {
	"sessions", SCOPE_SESSIONS, WIDGET_TABLE, "user:me",
	"no sessions", listing_load, sessions_result, NULL, sessions_free,
	0, NULL,
};

struct view *
sessions_view(struct app *a)
{
	struct view	*v = view_new(a, &sessions_ops, "my sessions",
			    sessions_cols, SESSIONS_NCOLS);
	struct sessions	*ss = xcalloc(1, sizeof *ss);

	listing_init(&ss->l, 100, sessions_add);
	ss->l.whole = true;
	listing_set_path(&ss->l, "/v1/me/sessions");
	v->data = ss;
	return v;
}

struct view *
session_revoke_view(struct app *a, const char *id)
{
	struct view	*v;
	char		*e = client_escape(id), *path, *title, *done;

	path = xasprintf("/v1/me/sessions/%s", e);
	title = xasprintf("sign out session %s", id);
	done = xasprintf("session %s signed out", id);
	v = views_action(a, title, "DELETE", path, NULL, done, NULL);
	free(e);
	free(path);
	free(title);
	free(done);
	return v;
}

/* --- my password -------------------------------------------------------------- */

static void
password_change(struct view *v)
{
	struct form_field	*cur = form_find(v->form, "current_password");
	struct form_field	*next = form_find(v->form, "new_password");
	struct form_field	*again = form_find(v->form, "again");
	json_t			*body;
	char			*text;

	form_clear_errors(v->form);
	if (strcmp(next->value, again->value) != 0) {
		again->error = xstrdup("is not the same as the new password");
		app_message(v->app, MSG_ERROR, "type the new password twice");
		return;
	}
	body = json_pack("{s:s, s:s}", "current_password", cur->value,
	    "new_password", next->value);
	if (body == NULL || (text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("password_change: json");
	json_decref(body);
	view_restart(v);
	view_request(v, TAG_PASSWORD, "POST", "/v1/me/password", text);
	explicit_bzero(text, strlen(text));
	free(text);
}

static void
password_result(struct view *v, struct request *r)
{
	char	*cause = NULL;

	v->loading = false;
	if (r->resp.status != CLIENT_OK) {
		if (r->resp.status != CLIENT_PROBLEM || r->resp.json == NULL ||
		    form_problem(v->form, r->resp.json) == 0) {
			free(v->error);
			v->error = xstrdup(r->resp.message);
		}
		app_message(v->app, MSG_ERROR, "%s", r->resp.message);
		return;
	}
	/* New tokens for this session; every other one is signed out. */
	if (!session_set(app_session(v->app), r->resp.json, &cause)) {
		app_message(v->app, MSG_ERROR, "%s", cause);
		free(cause);
		return;
	}
	app_message(v->app, MSG_INFO, "password changed; every other session "
	    "is signed out");
	if (app_top(v->app) == v)
		app_pop(v->app);	/* v is gone now */
}

static void
password_wipe(struct view *v)
{
	size_t			 i;
	struct form_field	*f;

	for (i = 0; i < form_nfields(v->form); i++) {
		f = form_field(v->form, i);
		if (f->flags & FORM_SECRET)
			explicit_bzero(f->value, strlen(f->value));
	}
}

static const struct view_ops password_ops = {
	"password", SCOPE_FORM, WIDGET_FORM, NULL, NULL,
	NULL, password_result, password_change, password_wipe, VIEW_MANUAL,
	NULL,
};

struct view *
password_view(struct app *a)
{
	struct view	*v = view_new(a, &password_ops, "change my password",
			    NULL, 0);

	form_add(v->form, "current_password", "Current password", NULL,
	    FORM_EDIT | FORM_SECRET);
	form_add(v->form, "new_password", "New password", NULL,
	    FORM_EDIT | FORM_SECRET);
	form_add(v->form, "again", "New password again", NULL,
	    FORM_EDIT | FORM_SECRET);
	form_add(v->form, "change", "", "Change the password", FORM_BUTTON);
	return v;
}
