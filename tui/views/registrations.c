/*
 * registrations: businesses asking to sell on souk, for the staff of
 * their regions.  The queue (GET /v1/registrations, by state and region,
 * oldest first), live from "registrations:<region>" for each of the
 * signed-in employee's or supervisor's regions ("registrations" for
 * administrators); one registration with its documents and its history
 * (GET /v1/registrations/{id}); a document saved to a file the user
 * names, never over another without asking (GET
 * /v1/registrations/{id}/documents/{document_id}); and the decisions,
 * each one key and a question: take it up (POST .../review), approve
 * (.../approve), reject with a reason (.../reject) or send it back
 * saying what to change (.../request-changes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "buf.h"
#include "client.h"
#include "form.h"
#include "log.h"
#include "table.h"
#include "text.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

#define REGISTRATIONS_MAX	2000

enum { TAG_GET = 1, TAG_FILE };

/* The states staff see (never drafts), in the order s shows them. */
const char *const registration_states[] = {
	"submitted", "under_review", "needs_changes", "approved", "rejected",
	NULL,
};

static const struct decision_kind reg_kinds[] = {
	[REG_REVIEW] = { "review", "Take up", NULL, false,
	    "is under review" },
	[REG_APPROVE] = { "approve", "Approve", NULL, false,
	    "is approved: its business is a vendor now" },
	[REG_REJECT] = { "reject", "Reject", "Reason for rejecting", false,
	    "is rejected" },
	[REG_CHANGES] = { "request-changes", "Ask for changes to",
	    "Changes needed in", false, "is sent back for changes" },
};

/* Whether a registration in state may be decided so. */
static bool
reg_may(const char *state, enum reg_decision what)
{
	if (state == NULL)
		return false;
	if (what == REG_REVIEW)
		return strcmp(state, "submitted") == 0;
	return strcmp(state, "submitted") == 0 ||
	    strcmp(state, "under_review") == 0;
}

/* "registration 3 (Sharma Stores)" */
static char *
reg_what(const json_t *o)
{
	const char	*name, *id;
	char		 num[32];

	name = json_string_value(json_object_get(o, "display_name"));
	if (name == NULL)
		name = json_string_value(json_object_get(o, "legal_name"));
	id = views_text(o, "id", num, sizeof num);
	if (name == NULL)
		return xasprintf("registration %s", id);
	return xasprintf("registration %s (%s)", id, name);
}

static char *
reg_path(const char *id)
{
	return views_path("/v1/registrations", id);
}

static struct decision *reg_decision_of(struct view *);

static void
reg_yes(struct view *v)
{
	decision_send(v, reg_decision_of(v));
}

static void
reg_reasoned(struct view *v, const char *line)
{
	decision_reasoned(v, reg_decision_of(v), line, reg_yes);
}

/* A key's decision about o (the row under the cursor, or the one shown). */
static void
reg_decide(struct app *a, struct view *v, const json_t *o,
    enum reg_decision what)
{
	const char	*state, *id;
	char		 num[32], *path, *name;

	if (o == NULL)
		return;
	state = json_string_value(json_object_get(o, "state"));
	id = views_text(o, "id", num, sizeof num);
	name = reg_what(o);
	if (!reg_may(state, what)) {
		app_message(a, MSG_ERROR, "%s is %s: only %s registrations can "
		    "be %s", name, state != NULL ? state : "?", what ==
		    REG_REVIEW ? "submitted" : "submitted or under_review",
		    what == REG_REVIEW ? "taken up" : "decided");
		free(name);
		return;
	}
	path = reg_path(id);
	decision_begin(v, reg_decision_of(v), &reg_kinds[what], path, id, name,
	    reg_reasoned, reg_yes);
	free(path);
	free(name);
}

/* --- the queue ------------------------------------------------------------ */

static const struct table_col registrations_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "BUSINESS", TABLE_TEXT, 12, 28, 0, true },
	{ "CATEGORY", TABLE_TEXT, 6, 16, 2, true },
	{ "STATE", TABLE_TEXT, 13, 0, 0, false },
	{ "REGION", TABLE_NUMBER, 6, 0, 3, false },
	{ "PINCODE", TABLE_TEXT, 7, 0, 4, false },
	{ "SUBMITTED", TABLE_TEXT, 16, 0, 1, false },
};

#define REGISTRATIONS_NCOLS \
	(sizeof registrations_cols / sizeof registrations_cols[0])

struct registrations {
	struct listing	 l;	/* first: the listing's */
	char		*state;
	char		*region;
	struct decision	 d;
};

static void
registrations_add(struct view *v, json_t *o)
{
	const char	*cells[REGISTRATIONS_NCOLS], *name;
	char		 id[32], region[32], when[32];

	name = json_string_value(json_object_get(o, "display_name"));
	if (name == NULL)
		name = views_text(o, "legal_name", NULL, 0);
	views_time(json_string_value(json_object_get(o, "submitted_at")),
	    false, when, sizeof when);
	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = name;
	cells[2] = views_text(o, "category", NULL, 0);
	cells[3] = views_text(o, "state", NULL, 0);
	cells[4] = views_text(o, "region_id", region, sizeof region);
	cells[5] = views_text(o, "pincode", NULL, 0);
	cells[6] = when;
	table_load_add(v->table, cells[0], cells, o);
}

static void
registrations_title(struct view *v)
{
	struct registrations	*g = v->data;

	free(v->title);
	v->title = xasprintf("registrations%s%s%s%s", g->state != NULL ?
	    " --state " : "", g->state != NULL ? g->state : "",
	    g->region != NULL ? " --region " : "", g->region != NULL ?
	    g->region : "");
}

static void
registrations_load(struct view *v)
{
	struct registrations	*g = v->data;
	struct buf		 path;

	buf_init(&path, 0);
	if (!buf_adds(&path, "/v1/registrations"))
		fatalx("registrations_load");
	client_query(&path, "state", g->state);
	client_query(&path, "region_id", g->region);
	listing_set_path(&g->l, path.data);
	buf_free(&path);
	views_follow(v, "registrations", "admin", "employee,supervisor");
	listing_load(v);
}

static void
registrations_result(struct view *v, struct request *r)
{
	struct registrations	*g = v->data;
	bool			 ok;

	if (listing_result(v, r))
		return;
	if (decision_result(v, r, &g->d, &ok) && ok)
		view_load(v);
}

static void
registrations_open(struct view *v)
{
	const char	*id = table_cursor_key(v->table);

	if (id != NULL)
		app_push(v->app, registration_view(v->app, id));
}

static void
registrations_free(struct view *v)
{
	struct registrations	*g = v->data;

	if (g == NULL)
		return;
	listing_free(&g->l);
	free(g->state);
	free(g->region);
	decision_clear(&g->d);
	free(g);
}

static const struct view_ops registrations_ops = {
	"registrations", SCOPE_REGISTRATIONS, WIDGET_TABLE, NULL,
	"no registrations", registrations_load, registrations_result,
	registrations_open, registrations_free, 0, NULL,
};

struct view *
registrations_view(struct app *a, const char *state, const char *region)
{
	struct view		*v = view_new(a, &registrations_ops,
				    "registrations", registrations_cols,
				    REGISTRATIONS_NCOLS);
	struct registrations	*g = xcalloc(1, sizeof *g);

	listing_init(&g->l, REGISTRATIONS_MAX, registrations_add);
	g->state = state != NULL ? xstrdup(state) : NULL;
	g->region = region != NULL ? xstrdup(region) : NULL;
	v->data = g;
	registrations_title(v);
	return v;
}

void
registrations_key_state(struct app *a, struct view *v, int key)
{
	struct registrations	*g = v->data;
	const char		*next = registration_states[0];
	size_t			 i;

	(void)key;
	/* All, then each state in turn, then all again. */
	if (g->state != NULL) {
		for (i = 0; registration_states[i] != NULL; i++) {
			if (strcmp(g->state, registration_states[i]) == 0)
				break;
		}
		next = registration_states[i] != NULL ?
		    registration_states[i + 1] : NULL;
	}
	free(g->state);
	g->state = next != NULL ? xstrdup(next) : NULL;
	registrations_title(v);
	table_clear(v->table);
	view_load(v);
	app_message(a, MSG_INFO, "showing %s registrations; s shows the next "
	    "state", g->state != NULL ? g->state : "all");
}

/* --- one registration ----------------------------------------------------- */

struct registration {
	struct decision	 d;
	char		*id;
};

static void
registration_load(struct view *v)
{
	struct registration	*g = v->data;
	char			*path = reg_path(g->id);

	views_follow(v, "registrations", "admin", "employee,supervisor");
	view_request(v, TAG_GET, "GET", path, NULL);
	free(path);
}

/* "pan_card  pan.pdf  (PDF, 12.3 KiB)" */
static char *
registration_document(const json_t *d)
{
	char	size[32];

	views_bytes(json_integer_value(json_object_get(d, "size")), size,
	    sizeof size);
	return xasprintf("%s  %s  (%s, %s)", views_text(d, "kind", NULL, 0),
	    views_text(d, "filename", NULL, 0), views_text(d, "content_type",
	    NULL, 0), size);
}

/* "2026-11-21 10:02  submitted → under_review  employee 5: why" */
static char *
registration_event(const json_t *e)
{
	const char	*from = json_string_value(json_object_get(e, "from"));
	const char	*reason = json_string_value(json_object_get(e,
			    "reason"));
	char		 when[32], num[32];

	views_time(json_string_value(json_object_get(e, "at")), false, when,
	    sizeof when);
	return xasprintf("%s  %s%s%s  %s%s%s%s%s", when, from != NULL ? from :
	    "", from == NULL ? "" : text_utf8() ? " \xe2\x86\x92 " : " -> ",
	    views_text(e, "to", NULL, 0), views_text(e, "actor_role", NULL, 0),
	    json_is_integer(json_object_get(e, "actor_id")) ? " " : "",
	    views_text(e, "actor_id", num, sizeof num), reason != NULL ?
	    ": " : "", reason != NULL ? reason : "");
}

static void
registration_fill(struct view *v, json_t *o)
{
	struct registration	*g = v->data;
	struct form_field	*f;
	const json_t		*d;
	char			*text, *cmd, num[32];
	size_t			 i, keep = form_cursor(v->form);

	form_clear(v->form);
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "state", "State");
	views_field(v->form, o, "display_name", "Business");
	views_field(v->form, o, "legal_name", "Legal name");
	views_field(v->form, o, "category", "Category");
	views_field(v->form, o, "address", "Address");
	f = views_field(v->form, o, "region_id", "Region");
	if (json_is_integer(json_object_get(o, "region_id"))) {
		cmd = xasprintf("region %s", views_text(o, "region_id", num,
		    sizeof num));
		form_link(f, cmd);
		free(cmd);
	}
	views_field(v->form, o, "pincode", "Pincode");
	views_field(v->form, o, "gstin", "GSTIN");
	views_field(v->form, o, "pan", "PAN");
	views_field(v->form, o, "bank_account", "Bank account");
	views_field(v->form, o, "ifsc", "IFSC");
	views_field(v->form, o, "bank_holder", "Account holder");
	views_field(v->form, o, "contact_name", "Contact");
	views_field(v->form, o, "contact_phone", "Phone");
	views_field(v->form, o, "contact_email", "Email");
	views_field(v->form, o, "applicant_id", "Applicant (user)");
	views_field(v->form, o, "reviewer_id", "Reviewer (user)");
	f = views_field(v->form, o, "vendor_id", "Vendor");
	if (json_is_integer(json_object_get(o, "vendor_id"))) {
		cmd = xasprintf("vendor %s", views_text(o, "vendor_id", num,
		    sizeof num));
		form_link(f, cmd);
		free(cmd);
	}
	/* Named as soukd names the reason it checks: its errors show here. */
	views_field(v->form, o, "reason", "Reason");
	views_time_field(v->form, o, "created_at", "Created");
	views_time_field(v->form, o, "submitted_at", "Submitted");
	views_time_field(v->form, o, "decided_at", "Decided");
	if (json_array_size(json_object_get(o, "documents")) == 0)
		form_add(v->form, "documents", "Documents", "none", 0);
	json_array_foreach(json_object_get(o, "documents"), i, d) {
		text = registration_document(d);
		f = form_add(v->form, "documents", i == 0 ? "Documents" : "",
		    text, 0);
		cmd = xasprintf("save-document %s %s", g->id, views_text(d,
		    "id", num, sizeof num));
		form_link(f, cmd);
		free(cmd);
		free(text);
	}
	json_array_foreach(json_object_get(o, "events"), i, d) {
		text = registration_event(d);
		form_add(v->form, "events", i == 0 ? "History" : "", text, 0);
		free(text);
	}
	form_add(v->form, "keys", "", "t take up  a approve  x reject  "
	    "c changes  Enter: save the document", 0);
	form_seek(v->form, keep);
	free(v->title);
	v->title = xasprintf("registration %s", g->id);
	json_decref(v->json);
	v->json = json_incref(o);
}

static void
registration_result(struct view *v, struct request *r)
{
	struct registration	*g = v->data;
	bool			 ok;

	if (decision_result(v, r, &g->d, &ok)) {
		if (ok)
			view_load(v);
		return;
	}
	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	registration_fill(v, r->resp.json);
	view_done(v);
}

static void
registration_free(struct view *v)
{
	struct registration	*g = v->data;

	if (g == NULL)
		return;
	decision_clear(&g->d);
	free(g->id);
	free(g);
}

static const struct view_ops registration_ops = {
	"registration", SCOPE_REGISTRATION, WIDGET_FORM, NULL, NULL,
	registration_load, registration_result, NULL, registration_free, 0,
	NULL,
};

static struct decision *
reg_decision_of(struct view *v)
{
	if (v->ops == &registrations_ops)
		return &((struct registrations *)v->data)->d;
	return &((struct registration *)v->data)->d;
}

struct view *
registration_view(struct app *a, const char *id)
{
	struct registration	*g = xcalloc(1, sizeof *g);
	struct view		*v;
	char			*title = xasprintf("registration %s", id);

	v = view_new(a, &registration_ops, title, NULL, 0);
	free(title);
	g->id = xstrdup(id);
	v->data = g;
	return v;
}

/* t, a, x and c: on the row under the cursor, or the registration shown. */
static void
reg_key(struct app *a, struct view *v, enum reg_decision what)
{
	reg_decide(a, v, v->table != NULL ? table_cursor_data(v->table) :
	    v->json, what);
}

void
registrations_key_review(struct app *a, struct view *v, int key)
{
	(void)key;
	reg_key(a, v, REG_REVIEW);
}

void
registrations_key_approve(struct app *a, struct view *v, int key)
{
	(void)key;
	reg_key(a, v, REG_APPROVE);
}

void
registrations_key_reject(struct app *a, struct view *v, int key)
{
	(void)key;
	reg_key(a, v, REG_REJECT);
}

void
registrations_key_changes(struct app *a, struct view *v, int key)
{
	(void)key;
	reg_key(a, v, REG_CHANGES);
}

/* --- the commands that act at once ---------------------------------------- */

static void
registration_show(struct view *v, json_t *o)
{
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "display_name", "Business");
	views_field(v->form, o, "state", "State");
	views_field(v->form, o, "reason", "Reason");
	views_field(v->form, o, "vendor_id", "Vendor");
	views_time_field(v->form, o, "decided_at", "Decided");
}

struct view *
registration_decide_view(struct app *a, const char *id,
    enum reg_decision what, const char *reason)
{
	struct view	*v;
	char		*path = reg_path(id);

	v = decision_view(a, &reg_kinds[what], "registration", path, id,
	    reason, registration_show);
	free(path);
	return v;
}

/*
 * save-document: a form naming where a registration's document goes,
 * filled once the registration (for the document's name) is in; in the
 * console it starts editing that name (Tab completes file names), and
 * Enter saves.  A file that is there already is replaced only after a
 * question; in batch mode, never.
 */
struct doc_save {
	char	*id;
	char	*doc;
	char	*to;
	char	*name;
	char	*path;		/* where it goes, once asked */
	bool	 replace;
	bool	 asked;		/* the first load started the editing */
};

static void
doc_save_load(struct view *v)
{
	struct doc_save	*s = v->data;
	char		*path = reg_path(s->id);

	view_request(v, TAG_GET, "GET", path, NULL);
	free(path);
}

/* Says why the document was not saved, next to the file name. */
static void
doc_save_refuse(struct view *v, char *why)
{
	struct form_field	*to = form_find(v->form, "to");

	if (to != NULL) {
		free(to->error);
		to->error = xstrdup(why);
	}
	if (app_batch(v->app)) {
		free(v->error);
		v->error = why;
		return;
	}
	app_message(v->app, MSG_ERROR, "%s", why);
	free(why);
}

static void
doc_save_fetch(struct view *v)
{
	struct doc_save	*s = v->data;
	char		*reg = reg_path(s->id), *docs, *path;

	docs = xasprintf("%s/documents", reg);
	path = views_path(docs, s->doc);
	view_request_file(v, TAG_FILE, path);
	free(path);
	free(docs);
	free(reg);
}

static void
doc_save_replace_yes(struct view *v)
{
	struct doc_save	*s = v->data;

	s->replace = true;
	doc_save_fetch(v);
}

/* "Save": where to, then the file. */
static void
doc_save_submit(struct view *v)
{
	struct doc_save		*s = v->data;
	struct form_field	*to = form_find(v->form, "to");
	char			*cause = NULL, *q;

	if (to == NULL || s->name == NULL)
		return;
	form_clear_errors(v->form);
	free(s->path);
	if ((s->path = views_save_path(to->value, s->name, getenv("HOME"),
	    &cause)) == NULL) {
		doc_save_refuse(v, cause);
		return;
	}
	s->replace = false;
	if (access(s->path, F_OK) == 0) {
		if (app_batch(v->app)) {
			doc_save_refuse(v, xasprintf("%s exists; souk did not "
			    "replace it", s->path));
			return;
		}
		q = xasprintf("%s exists: replace it with %s?", s->path,
		    s->name);
		app_confirm_view(v->app, v, q, doc_save_replace_yes);
		free(q);
		return;
	}
	doc_save_fetch(v);
}

static void
doc_save_edited(struct view *v, struct form_field *f)
{
	if (strcmp(f->name, "to") == 0)
		doc_save_submit(v);
	else
		form_move(v->form, 1);
}

static void
doc_save_fill(struct view *v, json_t *o)
{
	struct doc_save		*s = v->data;
	const json_t		*d, *found = NULL;
	char			*what, *text, id[32];
	size_t			 i;

	json_array_foreach(json_object_get(o, "documents"), i, d) {
		if (strcmp(views_text(d, "id", id, sizeof id), s->doc) == 0)
			found = d;
	}
	form_clear(v->form);
	what = reg_what(o);
	form_add(v->form, "registration", "Registration", what, 0);
	free(what);
	if (found == NULL) {
		free(v->error);
		v->error = xasprintf("registration %s has no document %s",
		    s->id, s->doc);
		app_message(v->app, MSG_ERROR, "%s", v->error);
		return;
	}
	free(s->name);
	s->name = xstrdup(views_text(found, "filename", NULL, 0));
	text = registration_document(found);
	form_add(v->form, "document", "Document", text, 0);
	free(text);
	form_add(v->form, "to", "Save to", s->to != NULL ? s->to : s->name,
	    FORM_EDIT | FORM_PATH);
	form_add(v->form, "save", "", "Save", FORM_BUTTON);
	if (!app_batch(v->app))
		form_add(v->form, "note", "", "a directory keeps the "
		    "document's name; ~/ is your home; Tab completes", 0);
	form_seek(v->form, 2);
}

static void
doc_save_result(struct view *v, struct request *r)
{
	struct doc_save	*s = v->data;
	char		*cause = NULL, size[32], *text;

	if (r->tag == TAG_GET) {
		if (r->resp.status != CLIENT_OK) {
			view_fail(v, &r->resp);
			return;
		}
		doc_save_fill(v, r->resp.json);
		if (v->error != NULL) {
			v->loading = false;
			return;
		}
		view_done(v);
		if (app_batch(v->app))
			doc_save_submit(v);
		else if (!s->asked) {
			s->asked = true;
			app_edit_field(v->app, v, 2);
		}
		return;
	}
	v->loading = v->inflight > 0;
	if (r->resp.status != CLIENT_OK) {
		doc_save_refuse(v, xstrdup(r->resp.message));
		return;
	}
	if (!views_save_file(s->path, r->resp.file, r->resp.file_len,
	    s->replace, &cause)) {
		doc_save_refuse(v, cause);
		return;
	}
	views_bytes((long long)r->resp.file_len, size, sizeof size);
	text = xasprintf("%s (%s)", s->path, size);
	if (form_find(v->form, "saved") != NULL)
		form_set(form_find(v->form, "saved"), text);
	else
		form_add(v->form, "saved", "Saved", text, 0);
	free(text);
	json_decref(v->json);
	v->json = json_pack("{s:s, s:s, s:s, s:I}", "registration", s->id,
	    "document", s->name, "path", s->path, "size",
	    (json_int_t)r->resp.file_len);
	app_message(v->app, MSG_INFO, "saved %s to %s (%s)", s->name,
	    s->path, size);
}

static void
doc_save_free(struct view *v)
{
	struct doc_save	*s = v->data;

	if (s == NULL)
		return;
	free(s->id);
	free(s->doc);
	free(s->to);
	free(s->name);
	free(s->path);
	free(s);
}

static const struct view_ops doc_save_ops = {
	"save-document", SCOPE_FORM, WIDGET_FORM, NULL, NULL,
	doc_save_load, doc_save_result, doc_save_submit, doc_save_free,
	VIEW_MANUAL, doc_save_edited,
};

struct view *
registration_save_view(struct app *a, const char *id, const char *doc,
    const char *to)
{
	struct doc_save	*s = xcalloc(1, sizeof *s);
	struct view	*v;
	char		*title = xasprintf("save document %s", doc);

	v = view_new(a, &doc_save_ops, title, NULL, 0);
	free(title);
	s->id = xstrdup(id);
	s->doc = xstrdup(doc);
	s->to = to != NULL ? xstrdup(to) : NULL;
	v->data = s;
	return v;
}
