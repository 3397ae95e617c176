/*
 * users: accounts, for administrators.  The list (GET /v1/users: a phone,
 * an email or the start of a name; by role, status and region); one
 * account as a form (GET and PATCH /v1/users/{id}: name, role, language,
 * regions); a new staff account (POST /v1/users); suspending with a
 * reason, reactivating, and resetting a login (POST
 * /v1/users/{id}/suspend, /reactivate, /reset-login), each after a
 * question.  A new account's password and a reset one are shown once, in
 * a view of their own, and kept nowhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "client.h"
#include "cmd.h"
#include "form.h"
#include "log.h"
#include "num.h"
#include "table.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

#define USERS_MAX	2000

enum { TAG_GET = 1, TAG_SAVE, TAG_ACT, TAG_CREATE };

const char *const user_roles[] = {
	"customer", "b2b_buyer", "vendor_owner", "vendor_staff", "employee",
	"telecaller", "supervisor", "moderator", "admin", NULL,
};

/* --- region lists ------------------------------------------------------------ */

/*
 * "15, 16" into a JSON array of ids; false with *bad (caller frees) naming
 * a word that is not an id.
 */
static bool
users_regions(const char *text, json_t **out, char **bad)
{
	json_t	*a = json_array();
	char	*copy = xstrdup(text), *p, *w;
	int64_t	 id;

	*bad = NULL;
	for (p = copy; (w = strsep(&p, " ,\t")) != NULL;) {
		if (*w == '\0')
			continue;
		if (!num_int64(w, 1, INT64_MAX, &id)) {
			*bad = xasprintf("'%s' is not a region id", w);
			json_decref(a);
			free(copy);
			return false;
		}
		json_array_append_new(a, json_integer(id));
	}
	free(copy);
	*out = a;
	return true;
}

/* --- suspend, reactivate, reset: from the list or one account ---------------- */

struct user_act {
	char			*id;
	char			*name;
	char			*reason;
	enum user_action	 act;
};

static const char *const user_act_paths[] = {
	"suspend", "reactivate", "reset-login",
};

static void
user_act_clear(struct user_act *ua)
{
	free(ua->id);
	free(ua->name);
	free(ua->reason);
	memset(ua, 0, sizeof *ua);
}

static char *
user_act_body(enum user_action act, const char *reason)
{
	json_t	*o;
	char	*text;

	if (act != USER_SUSPEND)
		return NULL;
	if ((o = json_pack("{s:s}", "reason", reason != NULL ? reason :
	    "")) == NULL || (text = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("user_act_body: json");
	json_decref(o);
	return text;
}

static char *
user_act_path(const char *id, enum user_action act)
{
	char	*e = client_escape(id), *path;

	path = xasprintf("/v1/users/%s/%s", e, user_act_paths[act]);
	free(e);
	return path;
}

static struct user_act *user_act_of(struct view *);
static void	user_password_show(struct view *, json_t *);

static void
user_act_yes(struct view *v)
{
	struct user_act	*ua = user_act_of(v);
	char		*path, *body;

	path = user_act_path(ua->id, ua->act);
	body = user_act_body(ua->act, ua->reason);
	view_request(v, TAG_ACT, "POST", path, body);
	free(path);
	free(body);
}

static void
user_act_reason(struct view *v, const char *line)
{
	struct user_act	*ua = user_act_of(v);
	char		*q;

	free(ua->reason);
	ua->reason = xstrdup(line);
	q = xasprintf("Suspend %s (%s) because \"%s\"?", ua->name, ua->id,
	    line);
	app_confirm_view(v->app, v, q, user_act_yes);
	free(q);
}

/* Asks about acting on user o (the row, or the account shown). */
static void
user_act_ask(struct app *a, struct view *v, const json_t *o,
    enum user_action act)
{
	struct user_act	*ua = user_act_of(v);
	const char	*status = json_string_value(json_object_get(o,
			    "status"));
	char		 id[32], *q;

	if (o == NULL)
		return;
	user_act_clear(ua);
	ua->id = xstrdup(views_text(o, "id", id, sizeof id));
	ua->name = xstrdup(json_string_value(json_object_get(o, "name")) !=
	    NULL ? json_string_value(json_object_get(o, "name")) :
	    views_text(o, "email", NULL, 0));
	ua->act = act;
	switch (act) {
	case USER_SUSPEND:
		if (status != NULL && strcmp(status, "suspended") == 0) {
			app_message(a, MSG_INFO, "%s is suspended already",
			    ua->name);
			return;
		}
		q = xasprintf("Reason for suspending %s: ", ua->name);
		app_ask(a, v, q, NULL, user_act_reason);
		free(q);
		return;
	case USER_REACTIVATE:
		if (status != NULL && strcmp(status, "active") == 0) {
			app_message(a, MSG_INFO, "%s is active", ua->name);
			return;
		}
		q = xasprintf("Reactivate %s (%s)?", ua->name, ua->id);
		break;
	default:
		q = xasprintf("Give %s (%s) a new password and end their "
		    "sessions?", ua->name, ua->id);
		break;
	}
	app_confirm_view(a, v, q, user_act_yes);
	free(q);
}

/* The answer to an action: says so, shows a new password, reloads. */
static bool
user_act_done(struct view *v, struct request *r)
{
	struct user_act	*ua = user_act_of(v);
	struct view	*pw;

	if (r->tag != TAG_ACT)
		return false;
	v->loading = v->inflight > 0;
	if (r->resp.status != CLIENT_OK) {
		app_message(v->app, MSG_ERROR, "%s", r->resp.message);
		return true;
	}
	switch (ua->act) {
	case USER_SUSPEND:
		app_message(v->app, MSG_INFO, "%s is suspended", ua->name);
		break;
	case USER_REACTIVATE:
		app_message(v->app, MSG_INFO, "%s is active again", ua->name);
		break;
	default:
		view_load(v);
		/* Shown from this answer; never asked for again. */
		pw = views_note(v->app, "new password");
		user_password_show(pw, r->resp.json);
		app_push(v->app, pw);
		return true;
	}
	view_load(v);
	return true;
}

/* --- the list ------------------------------------------------------------------- */

static const struct table_col users_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "NAME", TABLE_TEXT, 8, 24, 0, true },
	{ "ROLE", TABLE_TEXT, 5, 0, 0, false },
	{ "EMAIL OR PHONE", TABLE_TEXT, 8, 30, 1, true },
	{ "STATUS", TABLE_TEXT, 6, 0, 0, false },
	{ "REGIONS", TABLE_TEXT, 4, 16, 2, true },
	{ "LAST SIGN-IN", TABLE_TEXT, 16, 0, 3, false },
};

#define USERS_NCOLS	(sizeof users_cols / sizeof users_cols[0])

struct users {
	struct listing	 l;	/* first: the listing's */
	struct user_act	 ua;
};

static void
users_add(struct view *v, json_t *o)
{
	const char	*cells[USERS_NCOLS], *contact;
	char		 id[32], when[32], *regions;

	contact = json_string_value(json_object_get(o, "email"));
	if (contact == NULL)
		contact = views_text(o, "phone", NULL, 0);
	regions = views_words_join(json_object_get(o, "regions"), ",");
	views_time(json_string_value(json_object_get(o, "last_login_at")),
	    false, when, sizeof when);
	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = views_text(o, "name", NULL, 0);
	cells[2] = views_text(o, "role", NULL, 0);
	cells[3] = contact;
	cells[4] = views_text(o, "status", NULL, 0);
	cells[5] = regions;
	cells[6] = when;
	table_load_add(v->table, cells[0], cells, o);
	free(regions);
}

static void
users_result(struct view *v, struct request *r)
{
	if (listing_result(v, r))
		return;
	(void)user_act_done(v, r);
}

static void
users_open(struct view *v)
{
	const char	*id = table_cursor_key(v->table);

	if (id != NULL)
		app_push(v->app, user_view(v->app, id));
}

static void
users_free(struct view *v)
{
	struct users	*u = v->data;

	if (u == NULL)
		return;
	listing_free(&u->l);
	user_act_clear(&u->ua);
	free(u);
}

static const struct view_ops users_ops = {
	"users", SCOPE_USERS, WIDGET_TABLE, NULL, "no such accounts",
	listing_load, users_result, users_open, users_free, 0, NULL,
};

struct view *
users_view(struct app *a, const char *q, const char *role,
    const char *status, const char *region)
{
	struct users	*u = xcalloc(1, sizeof *u);
	struct view	*v;
	struct buf	 path, title;

	buf_init(&path, 0);
	buf_init(&title, 0);
	if (!buf_adds(&path, "/v1/users") || !buf_adds(&title, "users"))
		fatalx("users_view");
	client_query(&path, "q", q);
	client_query(&path, "role", role);
	client_query(&path, "status", status);
	client_query(&path, "region_id", region);
	if ((q != NULL && !buf_printf(&title, " %s", q)) ||
	    (role != NULL && !buf_printf(&title, " --role %s", role)) ||
	    (status != NULL && !buf_printf(&title, " --status %s", status)) ||
	    (region != NULL && !buf_printf(&title, " --region %s", region)))
		fatalx("users_view");
	v = view_new(a, &users_ops, title.data, users_cols, USERS_NCOLS);
	listing_init(&u->l, USERS_MAX, users_add);
	listing_set_path(&u->l, path.data);
	v->data = u;
	buf_free(&path);
	buf_free(&title);
	return v;
}

/* --- one account ------------------------------------------------------------------- */

struct user {
	struct user_act	 ua;
	char		*id;
	json_t		*was;	/* as loaded: only changes are sent */
};

static void
user_fill(struct view *v, json_t *o)
{
	struct user	*u = v->data;
	char		*regions;
	size_t		 keep = form_cursor(v->form);

	json_decref(u->was);
	u->was = json_incref(o);
	form_clear(v->form);
	views_field(v->form, o, "id", "ID");
	form_add(v->form, "name", "Name", views_text(o, "name", NULL, 0),
	    FORM_EDIT);
	form_add(v->form, "role", "Role", views_text(o, "role", NULL, 0),
	    FORM_EDIT);
	regions = views_words_join(json_object_get(o, "regions"), ", ");
	form_add(v->form, "regions", "Regions (ids)", regions, FORM_EDIT);
	free(regions);
	form_add(v->form, "language", "Language", views_text(o, "language",
	    NULL, 0), FORM_EDIT);
	views_field(v->form, o, "email", "Email");
	views_field(v->form, o, "phone", "Phone");
	views_field(v->form, o, "status", "Status");
	views_field(v->form, o, "status_reason", "Because");
	views_time_field(v->form, o, "last_login_at", "Last sign-in");
	views_time_field(v->form, o, "created_at", "Created");
	form_add(v->form, "save", "", "Save", FORM_BUTTON);
	form_add(v->form, "keys", "", "s suspend  a reactivate  L reset the "
	    "login", 0);
	form_seek(v->form, keep);
	free(v->title);
	v->title = xasprintf("user %s", u->id);
	json_decref(v->json);
	v->json = json_incref(o);
}

static void
user_load(struct view *v)
{
	struct user	*u = v->data;
	char		*id = client_escape(u->id), *path;

	path = xasprintf("/v1/users/%s", id);
	view_request(v, TAG_GET, "GET", path, NULL);
	free(path);
	free(id);
}

/*
 * The changes of the form as a PATCH body, or NULL with field errors (or
 * *nothing when nothing changed).
 */
static char *
user_changes(struct view *v, const json_t *was, bool *nothing)
{
	static const char *const keys[] = { "name", "role", "language" };
	struct form_field	*f;
	json_t			*body = json_object(), *regions, *old;
	char			*bad = NULL, *text;
	size_t			 i;

	*nothing = false;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		f = form_find(v->form, keys[i]);
		if (json_string_value(json_object_get(was, keys[i])) == NULL ||
		    strcmp(f->value, json_string_value(json_object_get(was,
		    keys[i]))) != 0)
			json_object_set_new(body, keys[i],
			    json_string(f->value));
	}
	f = form_find(v->form, "regions");
	if (!users_regions(f->value, &regions, &bad)) {
		f->error = bad;
		json_decref(body);
		return NULL;
	}
	old = json_object_get(was, "regions");
	if (!json_equal(regions, old != NULL ? old : json_array()))
		json_object_set(body, "regions", regions);
	json_decref(regions);
	if (json_object_size(body) == 0) {
		*nothing = true;
		json_decref(body);
		return NULL;
	}
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("user_changes: json");
	json_decref(body);
	return text;
}

static void
user_save(struct view *v)
{
	struct user	*u = v->data;
	char		*body, *id, *path;
	bool		 nothing;

	form_clear_errors(v->form);
	if ((body = user_changes(v, u->was, &nothing)) == NULL) {
		app_message(v->app, nothing ? MSG_INFO : MSG_ERROR, nothing ?
		    "nothing changed" : "correct the fields marked");
		return;
	}
	id = client_escape(u->id);
	path = xasprintf("/v1/users/%s", id);
	view_restart(v);
	view_request(v, TAG_SAVE, "PATCH", path, body);
	free(path);
	free(id);
	free(body);
}

static void
user_result(struct view *v, struct request *r)
{
	struct user	*u = v->data;

	if (user_act_done(v, r))
		return;
	if (r->resp.status != CLIENT_OK) {
		if (r->tag == TAG_SAVE && r->resp.status == CLIENT_PROBLEM &&
		    r->resp.json != NULL) {
			v->loading = false;
			form_problem(v->form, r->resp.json);
			app_message(v->app, MSG_ERROR, "%s", r->resp.message);
			return;
		}
		view_fail(v, &r->resp);
		return;
	}
	user_fill(v, r->resp.json);
	view_done(v);
	if (r->tag == TAG_SAVE)
		app_message(v->app, MSG_INFO, "user %s saved", u->id);
}

static void
user_free(struct view *v)
{
	struct user	*u = v->data;

	if (u == NULL)
		return;
	user_act_clear(&u->ua);
	free(u->id);
	json_decref(u->was);
	free(u);
}

static const struct view_ops user_ops = {
	"user", SCOPE_USER, WIDGET_FORM, NULL, NULL,
	user_load, user_result, user_save, user_free, VIEW_MANUAL, NULL,
};

static struct user_act *
user_act_of(struct view *v)
{
	if (v->ops == &users_ops)
		return &((struct users *)v->data)->ua;
	return &((struct user *)v->data)->ua;
}

struct view *
user_view(struct app *a, const char *id)
{
	struct view	*v;
	struct user	*u = xcalloc(1, sizeof *u);
	char		*title = xasprintf("user %s", id);

	v = view_new(a, &user_ops, title, NULL, 0);
	free(title);
	u->id = xstrdup(id);
	v->data = u;
	return v;
}

/* s, a and L: on the row under the cursor, or the account shown. */
static const json_t *
users_subject(struct view *v)
{
	return v->table != NULL ? table_cursor_data(v->table) : v->json;
}

void
users_key_suspend(struct app *a, struct view *v, int key)
{
	(void)key;
	user_act_ask(a, v, users_subject(v), USER_SUSPEND);
}

void
users_key_reactivate(struct app *a, struct view *v, int key)
{
	(void)key;
	user_act_ask(a, v, users_subject(v), USER_REACTIVATE);
}

void
users_key_reset(struct app *a, struct view *v, int key)
{
	(void)key;
	user_act_ask(a, v, users_subject(v), USER_RESET);
}

void
users_key_new(struct app *a, struct view *v, int key)
{
	(void)v;
	(void)key;
	app_push(a, user_new_view(a, NULL, NULL, NULL, NULL, NULL));
}

/* --- passwords shown once ------------------------------------------------------------- */

/* An account and the password it was given: {password, user} or both in one. */
static void
user_password_show(struct view *v, json_t *answer)
{
	const json_t	*user = json_object_get(answer, "user");
	char		*who;

	if (user == NULL)
		user = answer;
	views_field(v->form, user, "id", "ID");
	views_field(v->form, user, "name", "Name");
	views_field(v->form, user, "role", "Role");
	views_field(v->form, user, "email", "Email");
	views_field(v->form, user, "phone", "Phone");
	form_add(v->form, "password", "One-time password", views_text(answer,
	    "password", NULL, 0), 0);
	who = xasprintf("shown once: pass it on to %s; souk keeps it nowhere",
	    views_text(user, "name", NULL, 0));
	form_add(v->form, "note", "", who, 0);
	free(who);
	json_decref(v->json);
	v->json = json_incref(answer);
}

/* --- a new staff account ---------------------------------------------------------------- */

static char *
user_new_body(struct view *v)
{
	static const char *const keys[] = { "role", "name", "email", "phone",
	    "language" };
	struct form_field	*f;
	json_t			*body = json_object(), *regions;
	char			*bad = NULL, *text;
	size_t			 i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		f = form_find(v->form, keys[i]);
		if (*f->value != '\0')
			json_object_set_new(body, keys[i],
			    json_string(f->value));
	}
	f = form_find(v->form, "regions");
	if (!users_regions(f->value, &regions, &bad)) {
		f->error = bad;
		json_decref(body);
		return NULL;
	}
	if (json_array_size(regions) > 0)
		json_object_set(body, "regions", regions);
	json_decref(regions);
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("user_new_body: json");
	json_decref(body);
	return text;
}

static void
user_new_submit(struct view *v)
{
	char	*body;

	form_clear_errors(v->form);
	if ((body = user_new_body(v)) == NULL) {
		app_message(v->app, MSG_ERROR, "correct the fields marked");
		if (app_batch(v->app)) {
			free(v->error);
			v->error = xstrdup(form_find(v->form,
			    "regions")->error);
		}
		return;
	}
	view_restart(v);
	view_request(v, TAG_CREATE, "POST", "/v1/users", body);
	free(body);
}

static void
user_new_result(struct view *v, struct request *r)
{
	struct view	*pw, *below;
	char		 id[32];

	v->loading = v->inflight > 0;
	if (r->resp.status != CLIENT_OK) {
		if (r->resp.status == CLIENT_PROBLEM && r->resp.json != NULL)
			form_problem(v->form, r->resp.json);
		if (app_batch(v->app)) {
			free(v->error);
			v->error = xstrdup(r->resp.message);
		} else
			app_message(v->app, MSG_ERROR, "%s", r->resp.message);
		return;
	}
	views_text(r->resp.json, "id", id, sizeof id);
	if (app_batch(v->app)) {
		form_clear(v->form);
		user_password_show(v, r->resp.json);
		view_done(v);
		return;
	}
	app_message(v->app, MSG_INFO, "account %s created", id);
	pw = views_note(v->app, "new account");
	user_password_show(pw, r->resp.json);
	app_pop(pw->app);	/* v is gone now */
	/* The list it came from shows the new account when back to it. */
	if ((below = app_top(pw->app)) != NULL && below->ops->load != NULL &&
	    !(below->ops->flags & VIEW_MANUAL))
		view_load(below);
	app_push(pw->app, pw);
}

static const struct view_ops user_new_ops = {
	"new-user", SCOPE_FORM, WIDGET_FORM, NULL, NULL,
	NULL, user_new_result, user_new_submit, NULL, VIEW_MANUAL, NULL,
};

struct view *
user_new_view(struct app *a, const char *role, const char *name,
    const char *email, const char *phone, const char *regions)
{
	struct view	*v = view_new(a, &user_new_ops, "new account", NULL, 0);

	form_add(v->form, "role", "Role", role, FORM_EDIT);
	form_add(v->form, "name", "Name", name, FORM_EDIT);
	form_add(v->form, "email", "Email", email, FORM_EDIT);
	form_add(v->form, "phone", "Phone", phone, FORM_EDIT);
	form_add(v->form, "language", "Language", NULL, FORM_EDIT);
	form_add(v->form, "regions", "Regions (ids)", regions, FORM_EDIT);
	form_add(v->form, "create", "", "Create the account", FORM_BUTTON);
	form_add(v->form, "roles", "", "employee, telecaller, supervisor, "
	    "moderator or admin", 0);
	if (app_batch(a))
		user_new_submit(v);
	return v;
}

/* --- the commands that act at once --------------------------------------------------------- */

static void
user_show(struct view *v, json_t *o)
{
	char	*regions;

	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "name", "Name");
	views_field(v->form, o, "role", "Role");
	views_field(v->form, o, "status", "Status");
	views_field(v->form, o, "status_reason", "Because");
	regions = views_words_join(json_object_get(o, "regions"), ", ");
	form_add(v->form, "regions", "Regions", regions, 0);
	free(regions);
}

struct view *
user_edit_view(struct app *a, const char *id, const char *name,
    const char *role, const char *language, const char *regions)
{
	struct view	*v;
	json_t		*body = json_object(), *list;
	char		*e, *path, *title, *text, *bad = NULL;

	if (name != NULL)
		json_object_set_new(body, "name", json_string(name));
	if (role != NULL)
		json_object_set_new(body, "role", json_string(role));
	if (language != NULL)
		json_object_set_new(body, "language", json_string(language));
	if (regions != NULL) {
		if (!users_regions(regions, &list, &bad)) {
			/* soukd would say so too; sent anyway as text. */
			json_object_set_new(body, "regions",
			    json_string(regions));
			free(bad);
		} else
			json_object_set_new(body, "regions", list);
	}
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("user_edit_view: json");
	json_decref(body);
	e = client_escape(id);
	path = xasprintf("/v1/users/%s", e);
	title = xasprintf("edit user %s", id);
	v = views_action(a, title, "PATCH", path, text, "saved", user_show);
	free(e);
	free(path);
	free(title);
	free(text);
	return v;
}

struct view *
user_action_view(struct app *a, const char *id, enum user_action act,
    const char *reason)
{
	struct view	*v;
	char		*path, *body, *title, *msg;

	path = user_act_path(id, act);
	body = user_act_body(act, reason);
	switch (act) {
	case USER_SUSPEND:
		title = xasprintf("suspend user %s", id);
		msg = xasprintf("user %s is suspended", id);
		break;
	case USER_REACTIVATE:
		title = xasprintf("reactivate user %s", id);
		msg = xasprintf("user %s is active again", id);
		break;
	default:
		title = xasprintf("reset the login of user %s", id);
		msg = xasprintf("user %s has a new password, shown once", id);
		break;
	}
	v = views_action(a, title, "POST", path, body, msg, act == USER_RESET ?
	    user_password_show : user_show);
	free(path);
	free(body);
	free(title);
	free(msg);
	return v;
}
