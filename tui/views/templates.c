/*
 * templates: the messages soukd sends, for administrators.  The kinds of
 * message and the variables each may use (GET /v1/notification-kinds);
 * the templates by kind, channel and language (GET
 * /v1/notification-templates); one template as a form (GET and PUT
 * /v1/notification-templates/{id}) with its kind's variables shown and
 * soukd's objections (an unknown {{variable}}) next to the field; a new
 * template for another channel or language (POST); and the outbox of
 * notifications (GET /v1/notifications) with every attempt of one (GET
 * /v1/notifications/{id}).
 *
 * Text fields are edited on one line: a line break shows as \n, a tab as
 * \t and a backslash as \\.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "client.h"
#include "form.h"
#include "log.h"
#include "table.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

enum { TAG_GET = 1, TAG_KINDS, TAG_SAVE };

const char *const notify_channels[] = {
	"sms", "whatsapp", "email", "push", NULL,
};

/* The template fields a person writes, as soukd names them. */
static const struct {
	const char	*name;
	const char	*label;
} template_texts[] = {
	{ "subject", "Subject" },
	{ "body", "Body" },
	{ "html", "HTML" },
	{ "whatsapp_template", "WhatsApp template" },
};

#define TEMPLATE_NTEXTS	(sizeof template_texts / sizeof template_texts[0])

/* One line of a text for a table: line breaks as blanks. */
static char *
templates_preview(const char *s)
{
	char	*p = xstrdup(s != NULL ? s : ""), *q;

	for (q = p; *q != '\0'; q++) {
		if (*q == '\n' || *q == '\r' || *q == '\t')
			*q = ' ';
	}
	return p;
}

/* "{{user.name}} {{link}}": the variables of kind in kinds' answer. */
static char *
templates_variables(const json_t *kinds, const char *kind)
{
	const json_t	*k, *v;
	struct buf	 b;
	size_t		 i, j;

	buf_init(&b, 0);
	json_array_foreach(json_object_get(kinds, "data"), i, k) {
		if (kind == NULL || json_string_value(json_object_get(k,
		    "kind")) == NULL || strcmp(json_string_value(
		    json_object_get(k, "kind")), kind) != 0)
			continue;
		json_array_foreach(json_object_get(k, "variables"), j, v) {
			if (!buf_printf(&b, "%s{{%s}}", j > 0 ? " " : "",
			    json_string_value(v) != NULL ?
			    json_string_value(v) : "?"))
				fatalx("templates_variables");
		}
		if (b.len == 0 && !buf_adds(&b, "none"))
			fatalx("templates_variables");
	}
	return buf_take(&b, NULL);
}

/* --- the list ------------------------------------------------------------- */

static const struct table_col templates_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "KIND", TABLE_TEXT, 8, 24, 0, true },
	{ "CHANNEL", TABLE_TEXT, 4, 0, 0, false },
	{ "LANG", TABLE_TEXT, 4, 0, 1, false },
	{ "TEXT", TABLE_TEXT, 10, 0, 2, true },
	{ "UPDATED", TABLE_TEXT, 16, 0, 3, false },
};

#define TEMPLATES_NCOLS	(sizeof templates_cols / sizeof templates_cols[0])

struct templates {
	struct listing	 l;
	char		*kind;
};

static void
templates_add(struct view *v, json_t *o)
{
	const char	*cells[TEMPLATES_NCOLS], *text;
	char		 id[32], when[32], *preview;

	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = views_text(o, "kind", NULL, 0);
	cells[2] = views_text(o, "channel", NULL, 0);
	cells[3] = views_text(o, "language", NULL, 0);
	text = json_string_value(json_object_get(o, "subject"));
	if (text == NULL)
		text = json_string_value(json_object_get(o, "body"));
	preview = templates_preview(text);
	cells[4] = preview;
	views_time(json_string_value(json_object_get(o, "updated_at")), false,
	    when, sizeof when);
	cells[5] = when;
	table_load_add(v->table, cells[0], cells, o);
	free(preview);
}

static void
templates_result(struct view *v, struct request *r)
{
	(void)listing_result(v, r);
}

static void
templates_open(struct view *v)
{
	const char	*id = table_cursor_key(v->table);

	if (id != NULL)
		app_push(v->app, template_view(v->app, id));
}

void
templates_key_add(struct app *a, struct view *v, int key)
{
	json_t	*o = v->table != NULL ? table_cursor_data(v->table) : NULL;

	(void)key;
	app_push(a, template_new_view(a, o != NULL ? json_string_value(
	    json_object_get(o, "kind")) : NULL, NULL, NULL));
}

static void
templates_free(struct view *v)
{
	struct templates	*t = v->data;

	if (t == NULL)
		return;
	listing_free(&t->l);
	free(t->kind);
	free(t);
}

static const struct view_ops templates_ops = {
	"templates", SCOPE_TEMPLATES, WIDGET_TABLE, NULL, "no templates",
	listing_load, templates_result, templates_open, templates_free, 0,
	NULL,
};

struct view *
templates_view(struct app *a, const char *kind, const char *channel,
    const char *language)
{
	struct templates	*t = xcalloc(1, sizeof *t);
	struct view		*v;
	struct buf		 path, title;

	buf_init(&path, 0);
	buf_init(&title, 0);
	if (!buf_adds(&path, "/v1/notification-templates") ||
	    !buf_printf(&title, "templates%s%s%s%s%s%s", kind != NULL ?
	    " --kind " : "", kind != NULL ? kind : "", channel != NULL ?
	    " --channel " : "", channel != NULL ? channel : "",
	    language != NULL ? " --language " : "", language != NULL ?
	    language : ""))
		fatalx("templates_view");
	client_query(&path, "kind", kind);
	client_query(&path, "channel", channel);
	client_query(&path, "language", language);
	v = view_new(a, &templates_ops, title.data, templates_cols,
	    TEMPLATES_NCOLS);
	listing_init(&t->l, 1000, templates_add);
	listing_set_path(&t->l, path.data);
	t->kind = kind != NULL ? xstrdup(kind) : NULL;
	v->data = t;
	buf_free(&path);
	buf_free(&title);
	return v;
}

/* --- one template, and a new one -------------------------------------------- */

struct template {
	char	*id;		/* NULL: a new one */
	json_t	*kinds;		/* GET /v1/notification-kinds */
	json_t	*tmpl;		/* the template as loaded */
};

/* Sets the Variables field from the kind (the field or the template). */
static void
template_show_variables(struct view *v)
{
	struct template		*t = v->data;
	struct form_field	*f = form_find(v->form, "variables"), *k;
	const char		*kind;
	char			*vars;

	if (f == NULL || t->kinds == NULL)
		return;
	k = form_find(v->form, "kind");
	kind = k != NULL ? k->value : json_string_value(json_object_get(
	    t->tmpl, "kind"));
	vars = templates_variables(t->kinds, kind);
	form_set(f, *vars != '\0' ? vars : kind != NULL && *kind != '\0' ?
	    "(not a kind soukd sends: see :kinds)" : "(give a kind)");
	free(vars);
}

/* The editable texts, filled from o (may be NULL). */
static void
template_text_fields(struct view *v, const json_t *o)
{
	char	*text;
	size_t	 i;

	for (i = 0; i < TEMPLATE_NTEXTS; i++) {
		text = views_escape(json_string_value(json_object_get(o,
		    template_texts[i].name)));
		form_add(v->form, template_texts[i].name,
		    template_texts[i].label, text, FORM_EDIT);
		free(text);
	}
}

static void
template_fill(struct view *v, json_t *o)
{
	struct template	*t = v->data;
	size_t		 keep = form_cursor(v->form);

	json_decref(t->tmpl);
	t->tmpl = json_incref(o);
	form_clear(v->form);
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "kind", "Kind");
	views_field(v->form, o, "channel", "Channel");
	views_field(v->form, o, "language", "Language");
	form_add(v->form, "variables", "Variables", "", 0);
	template_text_fields(v, o);
	views_time_field(v->form, o, "updated_at", "Updated");
	views_field(v->form, o, "updated_by", "Updated by");
	form_add(v->form, "save", "", "Save", FORM_BUTTON);
	form_seek(v->form, keep);
	template_show_variables(v);
	free(v->title);
	v->title = xasprintf("template %s", t->id);
	json_decref(v->json);
	v->json = json_incref(o);
}

static void
template_load(struct view *v)
{
	struct template	*t = v->data;
	char		*id, *path;

	if (t->kinds == NULL)
		view_request(v, TAG_KINDS, "GET", "/v1/notification-kinds",
		    NULL);
	if (t->id == NULL) {
		if (v->inflight == 0)
			view_done(v);
		return;
	}
	id = client_escape(t->id);
	path = xasprintf("/v1/notification-templates/%s", id);
	view_request(v, TAG_GET, "GET", path, NULL);
	free(path);
	free(id);
}

/* Save (or Create): the texts, and for a new one what it is for. */
static void
template_save(struct view *v)
{
	struct template		*t = v->data;
	struct form_field	*f;
	json_t			*body = json_object();
	char			*text, *path = NULL, *id;
	size_t			 i;

	form_clear_errors(v->form);
	if (t->id == NULL) {
		json_object_set_new(body, "kind", json_string(form_find(
		    v->form, "kind")->value));
		json_object_set_new(body, "channel", json_string(form_find(
		    v->form, "channel")->value));
		json_object_set_new(body, "language", json_string(form_find(
		    v->form, "language")->value));
	}
	for (i = 0; i < TEMPLATE_NTEXTS; i++) {
		f = form_find(v->form, template_texts[i].name);
		/* Empty is none; the body is always sent. */
		if (*f->value == '\0' && i != 1)
			json_object_set_new(body, f->name, json_null());
		else {
			text = views_unescape(f->value);
			json_object_set_new(body, f->name, json_string(text));
			free(text);
		}
	}
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("template_save: json");
	json_decref(body);
	view_restart(v);
	if (t->id != NULL) {
		id = client_escape(t->id);
		path = xasprintf("/v1/notification-templates/%s", id);
		free(id);
		view_request(v, TAG_SAVE, "PUT", path, text);
	} else
		view_request(v, TAG_SAVE, "POST", "/v1/notification-templates",
		    text);
	free(path);
	free(text);
}

static void
template_result(struct view *v, struct request *r)
{
	struct template	*t = v->data;
	char		 id[32];

	if (r->tag == TAG_KINDS) {
		if (r->resp.status == CLIENT_OK) {
			json_decref(t->kinds);
			t->kinds = json_incref(r->resp.json);
			template_show_variables(v);
		}
		if (v->inflight == 0)
			view_done(v);
		return;
	}
	if (r->resp.status != CLIENT_OK) {
		if (r->tag == TAG_SAVE && r->resp.status == CLIENT_PROBLEM &&
		    r->resp.json != NULL) {
			/* Next to the field it is about, where it can be. */
			v->loading = v->inflight > 0;
			form_problem(v->form, r->resp.json);
			app_message(v->app, MSG_ERROR, "%s", r->resp.message);
			return;
		}
		view_fail(v, &r->resp);
		return;
	}
	if (r->tag == TAG_SAVE && t->id == NULL) {
		/* Created: show it as any template, from the stack's top. */
		views_text(r->resp.json, "id", id, sizeof id);
		app_message(v->app, MSG_INFO, "template %s added", id);
		app_pop(v->app);	/* v is gone now */
		app_push(v->app, template_view(v->app, id));
		return;
	}
	template_fill(v, r->resp.json);
	view_done(v);
	if (r->tag == TAG_SAVE)
		app_message(v->app, MSG_INFO, "template %s saved", t->id);
}

/* After the kind is typed in a new template: its variables. */
static void
template_edited(struct view *v, struct form_field *f)
{
	if (strcmp(f->name, "kind") == 0)
		template_show_variables(v);
	form_move(v->form, 1);
}

static void
template_free(struct view *v)
{
	struct template	*t = v->data;

	if (t == NULL)
		return;
	free(t->id);
	json_decref(t->kinds);
	json_decref(t->tmpl);
	free(t);
}

static const struct view_ops template_ops = {
	"template", SCOPE_TEMPLATE, WIDGET_FORM, NULL, NULL,
	template_load, template_result, template_save, template_free,
	VIEW_MANUAL, template_edited,
};

struct view *
template_view(struct app *a, const char *id)
{
	struct template	*t = xcalloc(1, sizeof *t);
	struct view	*v;
	char		*title = xasprintf("template %s", id);

	v = view_new(a, &template_ops, title, NULL, 0);
	free(title);
	t->id = xstrdup(id);
	v->data = t;
	return v;
}

struct view *
template_new_view(struct app *a, const char *kind, const char *channel,
    const char *language)
{
	struct template	*t = xcalloc(1, sizeof *t);
	struct view	*v;

	v = view_new(a, &template_ops, "new template", NULL, 0);
	v->data = t;
	form_add(v->form, "kind", "Kind", kind, FORM_EDIT);
	form_add(v->form, "channel", "Channel", channel, FORM_EDIT);
	form_add(v->form, "language", "Language", language, FORM_EDIT);
	form_add(v->form, "variables", "Variables", "", 0);
	template_text_fields(v, NULL);
	form_add(v->form, "save", "", "Add the template", FORM_BUTTON);
	return v;
}

/* --- kinds ------------------------------------------------------------------ */

static const struct table_col kinds_cols[] = {
	{ "KIND", TABLE_TEXT, 8, 0, 0, false },
	{ "URGENT", TABLE_TEXT, 3, 0, 3, false },
	{ "CHANNELS", TABLE_TEXT, 5, 0, 2, true },
	{ "VARIABLES", TABLE_TEXT, 9, 0, 0, true },
	{ "WHAT", TABLE_TEXT, 8, 0, 1, true },
};

#define KINDS_NCOLS	(sizeof kinds_cols / sizeof kinds_cols[0])

static void
kinds_add(struct view *v, json_t *o)
{
	const char	*cells[KINDS_NCOLS];
	char		*chans, *vars;

	chans = views_words_join(json_object_get(o, "channels"), " ");
	vars = views_words_join(json_object_get(o, "variables"), " ");
	cells[0] = views_text(o, "kind", NULL, 0);
	cells[1] = views_text(o, "urgent", NULL, 0);
	cells[2] = chans;
	cells[3] = vars;
	cells[4] = views_text(o, "summary", NULL, 0);
	table_load_add(v->table, cells[0], cells, o);
	free(chans);
	free(vars);
}

static void
kinds_open(struct view *v)
{
	const char	*kind = table_cursor_key(v->table);

	if (kind != NULL)
		app_push(v->app, templates_view(v->app, kind, NULL, NULL));
}

static void
kinds_free(struct view *v)
{
	struct listing	*l = v->data;

	if (l == NULL)
		return;
	listing_free(l);
	free(l);
}

static const struct view_ops kinds_ops = {
	"kinds", SCOPE_KINDS, WIDGET_TABLE, NULL, "no kinds",
	listing_load, templates_result, kinds_open, kinds_free, 0, NULL,
};

struct view *
kinds_view(struct app *a)
{
	struct view	*v = view_new(a, &kinds_ops, "kinds", kinds_cols,
			    KINDS_NCOLS);
	struct listing	*l = xcalloc(1, sizeof *l);

	listing_init(l, 1000, kinds_add);
	l->whole = true;
	listing_set_path(l, "/v1/notification-kinds");
	v->data = l;
	return v;
}

/* --- the outbox ---------------------------------------------------------------- */

static const struct table_col outbox_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "KIND", TABLE_TEXT, 8, 22, 0, true },
	{ "CHANNEL", TABLE_TEXT, 4, 0, 2, false },
	{ "TO", TABLE_TEXT, 6, 28, 1, true },
	{ "STATE", TABLE_TEXT, 5, 0, 0, false },
	{ "TRIES", TABLE_NUMBER, 5, 0, 4, false },
	{ "CREATED", TABLE_TEXT, 16, 0, 3, false },
};

#define OUTBOX_NCOLS	(sizeof outbox_cols / sizeof outbox_cols[0])

static void
outbox_add(struct view *v, json_t *o)
{
	const char	*cells[OUTBOX_NCOLS];
	char		 id[32], tries[32], when[32];

	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = views_text(o, "kind", NULL, 0);
	cells[2] = views_text(o, "channel", NULL, 0);
	cells[3] = views_text(o, "recipient", NULL, 0);
	cells[4] = views_text(o, "state", NULL, 0);
	cells[5] = views_text(o, "attempts", tries, sizeof tries);
	views_time(json_string_value(json_object_get(o, "created_at")), false,
	    when, sizeof when);
	cells[6] = when;
	table_load_add(v->table, cells[0], cells, o);
}

static void
outbox_open(struct view *v)
{
	const char	*id = table_cursor_key(v->table);

	if (id != NULL)
		app_push(v->app, notification_view(v->app, id));
}

static const struct view_ops outbox_ops = {
	"outbox", SCOPE_OUTBOX, WIDGET_TABLE, NULL, "the outbox is empty",
	listing_load, templates_result, outbox_open, kinds_free, 0, NULL,
};

struct view *
outbox_view(struct app *a, const char *user, const char *state,
    const char *channel, const char *kind)
{
	struct listing	*l = xcalloc(1, sizeof *l);
	struct view	*v;
	struct buf	 path, title;

	buf_init(&path, 0);
	buf_init(&title, 0);
	if (!buf_adds(&path, "/v1/notifications") ||
	    !buf_adds(&title, "outbox"))
		fatalx("outbox_view");
	client_query(&path, "user_id", user);
	client_query(&path, "state", state);
	client_query(&path, "channel", channel);
	client_query(&path, "kind", kind);
	if ((user != NULL && !buf_printf(&title, " --user %s", user)) ||
	    (state != NULL && !buf_printf(&title, " --state %s", state)) ||
	    (channel != NULL && !buf_printf(&title, " --channel %s",
	    channel)) || (kind != NULL && !buf_printf(&title, " --kind %s",
	    kind)))
		fatalx("outbox_view");
	v = view_new(a, &outbox_ops, title.data, outbox_cols, OUTBOX_NCOLS);
	listing_init(l, 2000, outbox_add);
	listing_set_path(l, path.data);
	v->data = l;
	buf_free(&path);
	buf_free(&title);
	return v;
}

/* --- one notification ------------------------------------------------------------- */

static void
notification_load(struct view *v)
{
	char	*id = client_escape(v->data), *path;

	path = xasprintf("/v1/notifications/%s", id);
	view_request(v, TAG_GET, "GET", path, NULL);
	free(path);
	free(id);
}

static void
notification_result(struct view *v, struct request *r)
{
	json_t	*o, *at;
	char	*text, *label, when[32], num[32], code[32];
	size_t	 i, keep;

	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	o = r->resp.json;
	keep = form_cursor(v->form);
	form_clear(v->form);
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "kind", "Kind");
	views_field(v->form, o, "channel", "Channel");
	views_field(v->form, o, "recipient", "To");
	views_field(v->form, o, "user_id", "User");
	views_field(v->form, o, "language", "Language");
	views_field(v->form, o, "state", "State");
	views_field(v->form, o, "reason", "Reason");
	views_field(v->form, o, "urgent", "Urgent");
	views_field(v->form, o, "provider_id", "Provider's id");
	views_time_field(v->form, o, "send_after", "Send after");
	views_time_field(v->form, o, "created_at", "Created");
	views_time_field(v->form, o, "sent_at", "Sent");
	views_field(v->form, o, "subject", "Subject");
	text = views_escape(json_string_value(json_object_get(o, "body")));
	form_add(v->form, "body", "Body", text, 0);
	free(text);
	if (json_array_size(json_object_get(o, "attempts_log")) == 0)
		form_add(v->form, "attempts_log", "Attempts", "none yet", 0);
	json_array_foreach(json_object_get(o, "attempts_log"), i, at) {
		views_time(json_string_value(json_object_get(at, "at")), true,
		    when, sizeof when);
		views_text(at, "http_status", code, sizeof code);
		text = xasprintf("%s. %s %s%s%s%s%s", views_text(at, "attempt",
		    num, sizeof num), when, views_text(at, "outcome", NULL, 0),
		    *code != '\0' ? " HTTP " : "", code,
		    json_string_value(json_object_get(at, "detail")) != NULL ?
		    ": " : "", views_text(at, "detail", NULL, 0));
		label = xstrdup(i == 0 ? "Attempts" : "");
		form_add(v->form, "attempts_log", label, text, 0);
		free(label);
		free(text);
	}
	form_seek(v->form, keep);
	json_decref(v->json);
	v->json = json_incref(o);
	view_done(v);
}

static void
notification_free(struct view *v)
{
	free(v->data);
}

static const struct view_ops notification_ops = {
	"notification", SCOPE_NOTIFICATION, WIDGET_FORM, NULL, NULL,
	notification_load, notification_result, NULL, notification_free, 0,
	NULL,
};

struct view *
notification_view(struct app *a, const char *id)
{
	struct view	*v;
	char		*title = xasprintf("notification %s", id);

	v = view_new(a, &notification_ops, title, NULL, 0);
	free(title);
	v->data = xstrdup(id);
	return v;
}
