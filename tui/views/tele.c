/*
 * tele: the tele-calling lists around the agent screen.  Leads (GET
 * /v1/leads: filters, search by phone or name, sort by score, bulk
 * assignment of the selected rows to a queue or an agent), queues with
 * their depths (Enter works one), callbacks (mine or everyone's, the
 * overdue ones), the do-not-call list, customer queries, call reports,
 * and the supervisors' wallboard (GET /v1/wallboard), live from the
 * "agents" and "queue:<id>" topics with a key that freezes it.  Also
 * souk -c 'leads import FILE --queue NAME' and 'queue stats NAME'.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

#define TELE_MAX	5000
#define IMPORT_MAX	(64L * 1024 * 1024)	/* bytes of CSV */

enum { TAG_ACT = 1, TAG_QUEUES, TAG_STATS, TAG_IMPORT };

const char *const lead_statuses[] = {
	"new", "contacted", "interested", "callback", "converted",
	"not_interested", "unreachable", "dnc", "invalid", NULL,
};

const char *const report_groups[] = { "agent", "queue", "day", NULL };

/* --- a paged list with filters, and one change at a time ---------------- */

struct tele {
	struct listing	 l;	/* first: the listing's */
	char		*opt[6];
	bool		 flag;	/* a list's toggle: overdue, sort by score */
	int		 group;	/* reports */
};

static void
tele_free(struct view *v)
{
	struct tele	*t = v->data;
	size_t		 i;

	if (t == NULL)
		return;
	listing_free(&t->l);
	for (i = 0; i < sizeof t->opt / sizeof t->opt[0]; i++)
		free(t->opt[i]);
	free(t);
}

static void
tele_result(struct view *v, struct request *r)
{
	if (listing_result(v, r))
		return;
	if (r->tag != TAG_ACT)
		return;
	v->loading = v->inflight > 0;
	if (r->resp.status != CLIENT_OK) {
		app_message(v->app, MSG_ERROR, "%s", r->resp.message);
		return;
	}
	app_message(v->app, MSG_INFO, "done");
	table_unmark(v->table);
	view_load(v);
}

static struct view *
tele_new(struct app *a, const struct view_ops *ops, const char *title,
    const struct table_col *cols, size_t ncols,
    void (*add)(struct view *, json_t *), const char *const *opts,
    size_t nopts)
{
	struct view	*v = view_new(a, ops, title, cols, ncols);
	struct tele	*t = xcalloc(1, sizeof *t);
	size_t		 i;

	listing_init(&t->l, TELE_MAX, add);
	for (i = 0; i < nopts && i < sizeof t->opt / sizeof t->opt[0]; i++)
		t->opt[i] = opts[i] != NULL ? xstrdup(opts[i]) : NULL;
	v->data = t;
	return v;
}

static void
tele_send(struct view *v, const char *method, const char *path, json_t *b)
{
	char	*body = b != NULL ? json_dumps(b, JSON_COMPACT) : NULL;

	view_request(v, TAG_ACT, method, path, body);
	free(body);
	json_decref(b);
}

/* --- leads ---------------------------------------------------------------- */

static const struct table_col leads_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "NAME", TABLE_TEXT, 8, 24, 0, true },
	{ "PHONE", TABLE_TEXT, 13, 0, 0, false },
	{ "STATUS", TABLE_TEXT, 6, 0, 0, false },
	{ "QUEUE", TABLE_TEXT, 5, 16, 2, true },
	{ "OWNER", TABLE_TEXT, 5, 16, 3, true },
	{ "SCORE", TABLE_NUMBER, 5, 0, 4, false },
	{ "SOURCE", TABLE_TEXT, 6, 0, 5, false },
	{ "SLA", TABLE_TEXT, 3, 0, 6, false },
};

#define LEADS_NCOLS	(sizeof leads_cols / sizeof leads_cols[0])

enum { LO_Q, LO_STATUS, LO_QUEUE, LO_OWNER, LO_SOURCE, LO_SLA };

static void
leads_add(struct view *v, json_t *o)
{
	const char	*cells[LEADS_NCOLS];
	char		 id[32], score[32];

	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = views_text(o, "name", NULL, 0);
	cells[2] = views_text(o, "phone", NULL, 0);
	cells[3] = views_text(o, "status", NULL, 0);
	cells[4] = views_text(o, "queue_name", NULL, 0);
	cells[5] = views_text(o, "owner_name", NULL, 0);
	cells[6] = views_text(o, "score", score, sizeof score);
	cells[7] = views_text(o, "source", NULL, 0);
	cells[8] = json_is_true(json_object_get(o, "sla_breached")) ?
	    "late" : "";
	table_load_add(v->table, cells[0], cells, o);
}

static void
leads_load(struct view *v)
{
	struct tele	*t = v->data;
	struct buf	 path;

	buf_init(&path, 0);
	if (!buf_adds(&path, "/v1/leads"))
		fatalx("leads_load");
	client_query(&path, "q", t->opt[LO_Q]);
	client_query(&path, "status", t->opt[LO_STATUS]);
	client_query(&path, "queue_id", t->opt[LO_QUEUE]);
	if (t->opt[LO_OWNER] != NULL && strcmp(t->opt[LO_OWNER], "me") == 0)
		client_query(&path, "owner", "me");
	else
		client_query(&path, "owner_id", t->opt[LO_OWNER]);
	client_query(&path, "source", t->opt[LO_SOURCE]);
	client_query(&path, "sla", t->opt[LO_SLA]);
	client_query(&path, "sort", t->flag ? "score" : NULL);
	listing_set_path(&t->l, path.data);
	buf_free(&path);
	free(v->summary);
	v->summary = xasprintf("%s first  (s: sort by %s; Space selects, "
	    "a assigns to a queue, o to an agent)", t->flag ? "best score" :
	    "newest", t->flag ? "newest" : "score");
	view_set_topics(v, xstrdup("leads"));
	listing_load(v);
}

static void
leads_open(struct view *v)
{
	const char	*id = table_cursor_key(v->table);

	if (id != NULL)
		app_push(v->app, lead_view(v->app, id));
}

static const struct view_ops leads_ops = {
	"leads", SCOPE_LEADS, WIDGET_TABLE, NULL, "no leads", leads_load,
	tele_result, leads_open, tele_free, 0, NULL,
};

struct view *
leads_view(struct app *a, const struct leads_filter *f)
{
	const char	*opts[6] = { f->q, f->status, f->queue, f->owner,
			    f->source, f->sla };
	struct view	*v = tele_new(a, &leads_ops, "leads", leads_cols,
			    LEADS_NCOLS, leads_add, opts, 6);
	struct tele	*t = v->data;

	t->flag = f->sort != NULL && strcmp(f->sort, "score") == 0;
	free(v->title);
	v->title = f->q != NULL ? xasprintf("leads %s", f->q) :
	    xstrdup("leads");
	return v;
}

void
leads_key_sort(struct app *a, struct view *v, int key)
{
	struct tele	*t = v->data;

	(void)a;
	(void)key;
	t->flag = !t->flag;
	table_clear(v->table);
	view_load(v);
}

/* The selected rows' ids, or the row under the cursor's. */
static json_t *
leads_ids(struct view *v)
{
	json_t		*ids = json_array();
	const char	*k;
	size_t		 i, n = table_nmarked(v->table);

	for (i = 0; i < n; i++)
		json_array_append_new(ids, json_integer(strtoll(
		    table_marked_key(v->table, i), NULL, 10)));
	if (n == 0 && (k = table_cursor_key(v->table)) != NULL)
		json_array_append_new(ids, json_integer(strtoll(k, NULL, 10)));
	return ids;
}

static void
leads_assign(struct view *v, const char *field, const char *line)
{
	json_t		*ids = leads_ids(v), *b;
	char		*end;
	long long	 id;

	errno = 0;
	id = strtoll(line, &end, 10);
	if (*line == '\0' || *end != '\0' || errno != 0 || id <= 0) {
		app_message(v->app, MSG_ERROR, "%s is not an id", line);
		json_decref(ids);
		return;
	}
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		return;
	}
	b = json_pack("{s:o, s:I}", "ids", ids, field, (json_int_t)id);
	tele_send(v, "POST", "/v1/leads/assign", b);
}

static void
leads_assign_queue(struct view *v, const char *line)
{
	leads_assign(v, "queue_id", line);
}

static void
leads_assign_owner(struct view *v, const char *line)
{
	leads_assign(v, "owner_id", line);
}

static void
leads_ask(struct app *a, struct view *v, const char *what,
    void (*done)(struct view *, const char *))
{
	size_t	n = table_nmarked(v->table);
	char	*q;

	if (n == 0 && table_cursor_key(v->table) == NULL)
		return;
	q = xasprintf("Assign %zu lead%s to %s (id):", n > 0 ? n : 1,
	    n > 1 ? "s" : "", what);
	app_ask(a, v, q, NULL, done);
	free(q);
}

void
leads_key_queue(struct app *a, struct view *v, int key)
{
	(void)key;
	leads_ask(a, v, "queue", leads_assign_queue);
}

void
leads_key_owner(struct app *a, struct view *v, int key)
{
	(void)key;
	leads_ask(a, v, "agent", leads_assign_owner);
}

/* --- one lead ------------------------------------------------------------- */

static void
lead_load(struct view *v)
{
	char	*path = views_path("/v1/leads", v->data);

	view_request(v, TAG_ACT, "GET", path, NULL);
	free(path);
}

static void
lead_result(struct view *v, struct request *r)
{
	const json_t	*o = r->resp.json, *e;
	const char	*keys[] = { "name", "phone", "alt_phone", "email",
			    "language", "region_name", "pincode", "timezone",
			    "local_time", "source", "interest", "score",
			    "priority", "status", "queue_name", "owner_name",
			    "attempts", "next_call_at", "held_until",
			    "sla_due_at", "sla_breached", "created_at", NULL };
	char		*text, *tags;
	size_t		 i, n = 0;

	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	form_clear(v->form);
	views_field(v->form, o, "id", "ID");
	for (i = 0; keys[i] != NULL; i++) {
		if (strstr(keys[i], "_at") != NULL ||
		    strcmp(keys[i], "held_until") == 0)
			views_time_field(v->form, o, keys[i], keys[i]);
		else
			views_field(v->form, o, keys[i], keys[i]);
	}
	tags = views_words_join(json_object_get(o, "tags"), ", ");
	form_add(v->form, "tags", "tags", tags, 0);
	free(tags);
	views_json_fields(v->form, "custom", "custom", json_object_get(o,
	    "custom"));
	/* Newest first, as the agent screen shows it. */
	json_array_foreach(json_object_get(json_object_get(o, "history"),
	    "events"), i, e) {
		if ((text = agent_history_line(e)) == NULL)
			continue;
		form_add(v->form, "history", n++ == 0 ? "history" : "", text, 0);
		free(text);
	}
	json_decref(v->json);
	v->json = json_incref(r->resp.json);
	view_done(v);
}

static void
lead_free(struct view *v)
{
	free(v->data);
}

static const struct view_ops lead_ops = {
	"lead", SCOPE_FORM, WIDGET_FORM, NULL, NULL, lead_load, lead_result,
	NULL, lead_free, 0, NULL,
};

struct view *
lead_view(struct app *a, const char *id)
{
	char		*title = xasprintf("lead %s", id);
	struct view	*v = view_new(a, &lead_ops, title, NULL, 0);

	free(title);
	v->data = xstrdup(id);
	return v;
}

/* --- queues --------------------------------------------------------------- */

static const struct table_col queues_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "QUEUE", TABLE_TEXT, 8, 30, 0, true },
	{ "READY", TABLE_NUMBER, 5, 0, 0, false },
	{ "HELD", TABLE_NUMBER, 4, 0, 0, false },
	{ "CALLBACKS", TABLE_NUMBER, 9, 0, 1, false },
	{ "OVERDUE", TABLE_NUMBER, 7, 0, 2, false },
	{ "LATE", TABLE_NUMBER, 4, 0, 2, false },
	{ "STATUS", TABLE_TEXT, 6, 0, 3, false },
};

#define QUEUES_NCOLS	(sizeof queues_cols / sizeof queues_cols[0])

static void
queues_add(struct view *v, json_t *o)
{
	const char	*cells[QUEUES_NCOLS];
	char		 id[32], n[5][32];

	/* soukd puts each queue's depths among its fields. */
	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = views_text(o, "name", NULL, 0);
	cells[2] = views_text(o, "ready", n[0], sizeof n[0]);
	cells[3] = views_text(o, "held", n[1], sizeof n[1]);
	cells[4] = views_text(o, "callbacks_due", n[2], sizeof n[2]);
	cells[5] = views_text(o, "callbacks_overdue", n[3], sizeof n[3]);
	cells[6] = views_text(o, "breached", n[4], sizeof n[4]);
	cells[7] = views_text(o, "status", NULL, 0);
	table_load_add(v->table, cells[0], cells, o);
	/* Its depths change on its own topic. */
	if (((struct tele *)v->data)->l.count < 64)
		view_set_topics(v, xasprintf("%s,queue:%s", view_topics(v), id));
}

static void
queues_load(struct view *v)
{
	struct tele	*t = v->data;

	view_set_topics(v, xstrdup("leads"));
	listing_set_path(&t->l, "/v1/queues");
	listing_load(v);
}

static void
queues_open(struct view *v)
{
	const char	*id = table_cursor_key(v->table);

	if (id != NULL)
		app_push(v->app, agent_view(v->app, id));
}

static const struct view_ops queues_ops = {
	"queues", SCOPE_QUEUES, WIDGET_TABLE, "leads", "no queues",
	queues_load, tele_result, queues_open, tele_free, 0, NULL,
};

struct view *
queues_view(struct app *a)
{
	return tele_new(a, &queues_ops, "queues", queues_cols, QUEUES_NCOLS,
	    queues_add, NULL, 0);
}

/* --- callbacks ------------------------------------------------------------ */

static const struct table_col callbacks_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "DUE", TABLE_TEXT, 16, 0, 0, false },
	{ "LEAD", TABLE_TEXT, 8, 24, 0, true },
	{ "PHONE", TABLE_TEXT, 13, 0, 1, false },
	{ "AGENT", TABLE_TEXT, 5, 16, 2, true },
	{ "NOTE", TABLE_TEXT, 4, 0, 3, true },
	{ "LATE", TABLE_TEXT, 4, 0, 0, false },
};

#define CALLBACKS_NCOLS	(sizeof callbacks_cols / sizeof callbacks_cols[0])

enum { CO_ALL, CO_QUEUE };

static void
callbacks_add(struct view *v, json_t *o)
{
	const char	*cells[CALLBACKS_NCOLS];
	char		 id[32], when[32];

	views_time(json_string_value(json_object_get(o, "due_at")), false,
	    when, sizeof when);
	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = when;
	cells[2] = views_text(o, "lead_name", NULL, 0);
	cells[3] = views_text(o, "phone", NULL, 0);
	cells[4] = views_text(o, "agent_name", NULL, 0);
	cells[5] = views_text(o, "note", NULL, 0);
	cells[6] = json_is_true(json_object_get(o, "overdue")) ? "late" : "";
	table_load_add(v->table, cells[0], cells, o);
}

static void
callbacks_load(struct view *v)
{
	struct tele	*t = v->data;
	struct buf	 path;

	buf_init(&path, 0);
	if (!buf_adds(&path, "/v1/callbacks"))
		fatalx("callbacks_load");
	client_query(&path, "mine", t->opt[CO_ALL] == NULL ? "1" : NULL);
	client_query(&path, "overdue", t->flag ? "1" : NULL);
	client_query(&path, "queue_id", t->opt[CO_QUEUE]);
	listing_set_path(&t->l, path.data);
	buf_free(&path);
	free(v->title);
	v->title = xasprintf("callbacks%s%s", t->opt[CO_ALL] == NULL ?
	    " mine" : "", t->flag ? " overdue" : "");
	views_follow(v, "user:me", "telecaller,supervisor,admin", NULL);
	listing_load(v);
}

static const struct view_ops callbacks_ops = {
	"callbacks", SCOPE_CALLBACKS, WIDGET_TABLE, NULL, "no callbacks",
	callbacks_load, tele_result, NULL, tele_free, 0, NULL,
};

struct view *
callbacks_view(struct app *a, bool all, bool overdue, const char *queue)
{
	const char	*opts[2] = { all ? "all" : NULL, queue };
	struct view	*v = tele_new(a, &callbacks_ops, "callbacks",
			    callbacks_cols, CALLBACKS_NCOLS, callbacks_add,
			    opts, 2);

	((struct tele *)v->data)->flag = overdue;
	return v;
}

void
callbacks_key_overdue(struct app *a, struct view *v, int key)
{
	struct tele	*t = v->data;

	(void)a;
	(void)key;
	t->flag = !t->flag;
	table_clear(v->table);
	view_load(v);
}

static void
callbacks_cancel_yes(struct view *v)
{
	const char	*id = table_cursor_key(v->table);
	char		*path;

	if (id == NULL)
		return;
	path = views_path("/v1/callbacks", id);
	tele_send(v, "DELETE", path, NULL);
	free(path);
}

void
callbacks_key_cancel(struct app *a, struct view *v, int key)
{
	json_t	*o = table_cursor_data(v->table);
	char	*q;

	(void)key;
	if (o == NULL)
		return;
	q = xasprintf("Cancel the callback to %s?", views_text(o, "lead_name",
	    NULL, 0));
	app_confirm_view(a, v, q, callbacks_cancel_yes);
	free(q);
}

/* --- the do-not-call list ------------------------------------------------- */

static const struct table_col dnc_cols[] = {
	{ "PHONE", TABLE_TEXT, 13, 0, 0, false },
	{ "REASON", TABLE_TEXT, 6, 0, 0, true },
	{ "SOURCE", TABLE_TEXT, 6, 0, 2, false },
	{ "ADDED", TABLE_TEXT, 16, 0, 1, false },
};

#define DNC_NCOLS	(sizeof dnc_cols / sizeof dnc_cols[0])

static void
dnc_add(struct view *v, json_t *o)
{
	const char	*cells[DNC_NCOLS];
	char		 when[32];

	views_time(json_string_value(json_object_get(o, "created_at")), false,
	    when, sizeof when);
	cells[0] = views_text(o, "phone", NULL, 0);
	cells[1] = views_text(o, "reason", NULL, 0);
	cells[2] = views_text(o, "source", NULL, 0);
	cells[3] = when;
	table_load_add(v->table, cells[0], cells, o);
}

static void
dnc_load(struct view *v)
{
	struct tele	*t = v->data;
	struct buf	 path;

	buf_init(&path, 0);
	if (!buf_adds(&path, "/v1/dnc"))
		fatalx("dnc_load");
	client_query(&path, "q", t->opt[0]);
	listing_set_path(&t->l, path.data);
	buf_free(&path);
	listing_load(v);
}

static const struct view_ops dnc_ops = {
	"dnc", SCOPE_DNC, WIDGET_TABLE, NULL, "nobody is on the do-not-call "
	"list", dnc_load, tele_result, NULL, tele_free, 0, NULL,
};

struct view *
dnc_view(struct app *a, const char *prefix)
{
	const char	*opts[1] = { prefix };

	return tele_new(a, &dnc_ops, "dnc", dnc_cols, DNC_NCOLS, dnc_add,
	    opts, 1);
}

static void
dnc_add_phone(struct view *v, const char *line)
{
	if (*line == '\0')
		return;
	tele_send(v, "POST", "/v1/dnc", json_pack("{s:s, s:s}", "phone", line,
	    "reason", "added by staff"));
}

void
dnc_key_add(struct app *a, struct view *v, int key)
{
	(void)key;
	app_ask(a, v, "Never call (phone):", NULL, dnc_add_phone);
}

static void
dnc_remove_yes(struct view *v)
{
	const char	*phone = table_cursor_key(v->table);
	char		*path;

	if (phone == NULL)
		return;
	path = views_path("/v1/dnc", phone);
	tele_send(v, "DELETE", path, NULL);
	free(path);
}

void
dnc_key_remove(struct app *a, struct view *v, int key)
{
	const char	*phone = table_cursor_key(v->table);
	char		*q;

	(void)key;
	if (phone == NULL)
		return;
	q = xasprintf("Take %s off the do-not-call list: souk may call it "
	    "again?", phone);
	app_confirm_view(a, v, q, dnc_remove_yes);
	free(q);
}

/* --- customer queries ----------------------------------------------------- */

static const struct table_col queries_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "SUBJECT", TABLE_TEXT, 8, 0, 0, true },
	{ "STATUS", TABLE_TEXT, 6, 0, 0, false },
	{ "LEAD", TABLE_NUMBER, 4, 0, 1, false },
	{ "ORDER", TABLE_TEXT, 5, 0, 2, false },
	{ "RAISED", TABLE_TEXT, 16, 0, 1, false },
};

#define QUERIES_NCOLS	(sizeof queries_cols / sizeof queries_cols[0])

static void
queries_add(struct view *v, json_t *o)
{
	const char	*cells[QUERIES_NCOLS];
	char		 id[32], lead[32], when[32];

	views_time(json_string_value(json_object_get(o, "created_at")), false,
	    when, sizeof when);
	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = views_text(o, "subject", NULL, 0);
	cells[2] = views_text(o, "status", NULL, 0);
	cells[3] = views_text(o, "lead_id", lead, sizeof lead);
	cells[4] = views_text(o, "order_ref", NULL, 0);
	cells[5] = when;
	table_load_add(v->table, cells[0], cells, o);
}

static void
queries_load(struct view *v)
{
	struct tele	*t = v->data;
	struct buf	 path;

	buf_init(&path, 0);
	if (!buf_adds(&path, "/v1/queries"))
		fatalx("queries_load");
	client_query(&path, "status", t->opt[0]);
	listing_set_path(&t->l, path.data);
	buf_free(&path);
	listing_load(v);
}

static void
queries_open(struct view *v)
{
	json_t	*o = table_cursor_data(v->table);
	char	 num[32];

	if (o != NULL && json_is_integer(json_object_get(o, "lead_id")))
		app_push(v->app, lead_view(v->app, views_text(o, "lead_id",
		    num, sizeof num)));
}

static const struct view_ops queries_ops = {
	"queries", SCOPE_QUERIES, WIDGET_TABLE, "leads", "no queries",
	queries_load, tele_result, queries_open, tele_free, 0, NULL,
};

struct view *
queries_view(struct app *a, const char *status)
{
	const char	*opts[1] = { status };

	return tele_new(a, &queries_ops, "queries", queries_cols,
	    QUERIES_NCOLS, queries_add, opts, 1);
}

static void
queries_resolve(struct view *v, const char *line)
{
	const char	*id = table_cursor_key(v->table);
	char		*path;

	if (id == NULL || *line == '\0')
		return;
	path = views_path("/v1/queries", id);
	tele_send(v, "PATCH", path, json_pack("{s:s, s:s}", "status",
	    "resolved", "resolution", line));
	free(path);
}

void
queries_key_resolve(struct app *a, struct view *v, int key)
{
	(void)key;
	if (table_cursor_key(v->table) != NULL)
		app_ask(a, v, "Resolved how?", NULL, queries_resolve);
}

/* --- reports -------------------------------------------------------------- */

static const struct table_col reports_cols[] = {
	{ "KEY", TABLE_TEXT, 3, 12, 0, false },
	{ "NAME", TABLE_TEXT, 4, 20, 0, true },
	{ "CALLS", TABLE_NUMBER, 5, 0, 0, false },
	{ "CONNECTS", TABLE_NUMBER, 8, 0, 1, false },
	{ "TALK", TABLE_TEXT, 5, 0, 2, false },
	{ "PAUSE", TABLE_TEXT, 5, 0, 4, false },
	{ "CONV", TABLE_NUMBER, 4, 0, 1, false },
	{ "CONTACT%", TABLE_NUMBER, 8, 0, 3, false },
	{ "CONV%", TABLE_NUMBER, 5, 0, 3, false },
};

#define REPORTS_NCOLS	(sizeof reports_cols / sizeof reports_cols[0])

enum { RO_FROM, RO_TO };

/* A rate (0..1) as a percentage with one decimal. */
static const char *
reports_rate(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t	*r = json_object_get(o, key);

	if (!json_is_number(r))
		return "";
	snprintf(buf, len, "%.1f", json_number_value(r) * 100);
	return buf;
}

static void
reports_add(struct view *v, json_t *o)
{
	const char	*cells[REPORTS_NCOLS];
	json_t		*p = json_object_get(o, "pause_seconds"), *x;
	const char	*k;
	char		 key[32], n[3][32], talk[32], pause[32], r1[16], r2[16];
	long		 ps = 0;

	if (json_is_object(p)) {
		json_object_foreach(p, k, x)
			ps += (long)json_integer_value(x);
	} else
		ps = (long)json_integer_value(p);
	agent_duration((long)json_integer_value(json_object_get(o,
	    "talk_seconds")), talk, sizeof talk);
	agent_duration(ps, pause, sizeof pause);
	cells[0] = views_text(o, "key", key, sizeof key);
	cells[1] = views_text(o, "name", NULL, 0);
	cells[2] = views_text(o, "calls", n[0], sizeof n[0]);
	cells[3] = views_text(o, "connects", n[1], sizeof n[1]);
	cells[4] = talk;
	cells[5] = pause;
	cells[6] = views_text(o, "conversions", n[2], sizeof n[2]);
	cells[7] = reports_rate(o, "contact_rate", r1, sizeof r1);
	cells[8] = reports_rate(o, "conversion_rate", r2, sizeof r2);
	table_load_add(v->table, cells[0], cells, o);
}

static void
reports_load(struct view *v)
{
	struct tele	*t = v->data;
	struct buf	 path;
	char		 role[32];

	buf_init(&path, 0);
	if (!buf_adds(&path, "/v1/reports/calls"))
		fatalx("reports_load");
	client_query(&path, "group", report_groups[t->group]);
	client_query(&path, "from", t->opt[RO_FROM]);
	client_query(&path, "to", t->opt[RO_TO]);
	/* A tele-caller reads their own report only. */
	if (strcmp(views_role(v->app, role, sizeof role), "telecaller") == 0)
		client_query(&path, "agent", "me");
	listing_set_path(&t->l, path.data);
	t->l.whole = true;
	buf_free(&path);
	free(v->title);
	v->title = xasprintf("reports by %s", report_groups[t->group]);
	listing_load(v);
}

static const struct view_ops reports_ops = {
	"reports", SCOPE_REPORTS, WIDGET_TABLE, NULL, "no calls in that time",
	reports_load, tele_result, NULL, tele_free, 0, NULL,
};

/* A report's end as audit_time reads it; a bare day from its midnight. */
static bool
reports_time(const char *text, time_t now, char *out, size_t len,
    char **cause)
{
	static const char *const days[] = { "today", "yesterday", "tomorrow" };
	char	*day;
	bool	 ok;
	size_t	 i;

	for (i = 0; i < sizeof days / sizeof days[0]; i++) {
		if (strcasecmp(text, days[i]) == 0) {
			day = xasprintf("%s 00:00", days[i]);
			ok = audit_time(day, now, out, len, cause);
			free(day);
			return ok;
		}
	}
	return audit_time(text, now, out, len, cause);
}

struct view *
reports_view(struct app *a, const char *group, const char *from,
    const char *to, char **cause)
{
	char		 f[40], t[40];
	const char	*opts[2];
	struct view	*v;
	int		 g = 0;
	time_t		 now = time(NULL);

	/* soukd wants both ends: today, from its midnight to the next. */
	if (!reports_time(from != NULL ? from : "today", now, f, sizeof f,
	    cause))
		return NULL;
	if (!reports_time(to != NULL ? to : "tomorrow", now, t, sizeof t,
	    cause))
		return NULL;
	if (group != NULL) {
		for (g = 0; report_groups[g] != NULL; g++) {
			if (strcmp(report_groups[g], group) == 0)
				break;
		}
		if (report_groups[g] == NULL) {
			*cause = xasprintf("--group is agent, queue or day, "
			    "not %s", group);
			return NULL;
		}
	}
	opts[0] = f;
	opts[1] = t;
	v = tele_new(a, &reports_ops, "reports", reports_cols, REPORTS_NCOLS,
	    reports_add, opts, 2);
	((struct tele *)v->data)->group = g;
	return v;
}

void
reports_key_group(struct app *a, struct view *v, int key)
{
	struct tele	*t = v->data;

	(void)a;
	(void)key;
	if (report_groups[++t->group] == NULL)
		t->group = 0;
	table_clear(v->table);
	view_load(v);
}

/* --- the wallboard -------------------------------------------------------- */

struct wallboard {
	json_t	*board;
	bool	 frozen;
	time_t	 at;		/* when it was loaded */
};

/* "READY", right-aligned in width columns, into b. */
static void
wb_cell(struct buf *b, const char *s, int width, enum text_align align)
{
	text_fit(b, s, width, align);
	if (!buf_adds(b, " "))
		fatalx("wb_cell");
}

static void
wb_line(struct view *v, struct buf *b)
{
	/* A blank line stays blank (an empty value shows -). */
	form_add(v->form, "row", "", b->len > 0 ? b->data : " ", 0);
	buf_reset(b);
}

void
wallboard_fill(struct view *v, const json_t *w, time_t now, bool frozen)
{
	const json_t	*q, *ag;
	struct buf	 b;
	char		 n[6][32], talk[32], in[32], *topics;
	time_t		 since;
	size_t		 i;

	form_clear(v->form);
	buf_init(&b, 0);
	agent_duration((long)json_integer_value(json_object_get(w,
	    "talk_seconds_today")), talk, sizeof talk);
	free(v->summary);
	/* FROZEN first, where a narrow terminal cannot cut it off. */
	v->summary = xasprintf("%scalls/hour %s  talk %s  converted %s  "
	    "late callbacks %s  SLA breaches %s", frozen ? "FROZEN  " :
	    "", views_text(w, "calls_per_hour", n[0], sizeof n[0]), talk,
	    views_text(w, "conversions_today", n[1], sizeof n[1]),
	    views_text(w, "callbacks_overdue", n[2], sizeof n[2]),
	    views_text(w, "sla_breaches", n[3], sizeof n[3]));
	wb_cell(&b, "QUEUE", 24, TEXT_LEFT);
	wb_cell(&b, "READY", 6, TEXT_RIGHT);
	wb_cell(&b, "HELD", 5, TEXT_RIGHT);
	wb_cell(&b, "DUE", 5, TEXT_RIGHT);
	wb_cell(&b, "OVERDUE", 7, TEXT_RIGHT);
	wb_cell(&b, "LATE", 5, TEXT_RIGHT);
	wb_line(v, &b);
	topics = xstrdup("agents");
	json_array_foreach(json_object_get(w, "queues"), i, q) {
		wb_cell(&b, views_text(q, "name", NULL, 0), 24, TEXT_LEFT);
		wb_cell(&b, views_text(q, "ready", n[0], sizeof n[0]), 6,
		    TEXT_RIGHT);
		wb_cell(&b, views_text(q, "held", n[1], sizeof n[1]), 5,
		    TEXT_RIGHT);
		wb_cell(&b, views_text(q, "callbacks_due", n[2], sizeof n[2]),
		    5, TEXT_RIGHT);
		wb_cell(&b, views_text(q, "callbacks_overdue", n[3],
		    sizeof n[3]), 7, TEXT_RIGHT);
		wb_cell(&b, views_text(q, "breached", n[4], sizeof n[4]), 5,
		    TEXT_RIGHT);
		wb_line(v, &b);
		if (i < 64) {
			char *t = xasprintf("%s,queue:%s", topics,
			    views_text(q, "id", n[5], sizeof n[5]));

			free(topics);
			topics = t;
		}
	}
	wb_line(v, &b);
	wb_cell(&b, "AGENT", 20, TEXT_LEFT);
	wb_cell(&b, "STATE", 16, TEXT_LEFT);
	wb_cell(&b, "FOR", 8, TEXT_RIGHT);
	wb_cell(&b, "CALLS", 5, TEXT_RIGHT);
	wb_cell(&b, "TALK", 8, TEXT_RIGHT);
	wb_cell(&b, "CONV", 4, TEXT_RIGHT);
	wb_line(v, &b);
	json_array_foreach(json_object_get(w, "agents"), i, ag) {
		const char	*reason = json_string_value(json_object_get(ag,
				    "reason"));
		char		 state[64];

		snprintf(state, sizeof state, "%s%s%s", views_text(ag, "state",
		    NULL, 0), reason != NULL ? " " : "", reason != NULL ?
		    reason : "");
		in[0] = '\0';
		if (views_parse_time(json_string_value(json_object_get(ag,
		    "since")), &since))
			agent_duration((long)(now - since), in, sizeof in);
		agent_duration((long)json_integer_value(json_object_get(ag,
		    "talk_seconds_today")), talk, sizeof talk);
		wb_cell(&b, views_text(ag, "name", NULL, 0), 20, TEXT_LEFT);
		wb_cell(&b, state, 16, TEXT_LEFT);
		wb_cell(&b, in, 8, TEXT_RIGHT);
		wb_cell(&b, views_text(ag, "calls_today", n[0], sizeof n[0]),
		    5, TEXT_RIGHT);
		wb_cell(&b, talk, 8, TEXT_RIGHT);
		wb_cell(&b, views_text(ag, "conversions_today", n[1],
		    sizeof n[1]), 4, TEXT_RIGHT);
		wb_line(v, &b);
	}
	if (json_array_size(json_object_get(w, "agents")) == 0)
		form_add(v->form, "row", "", "no agents", 0);
	buf_free(&b);
	if (!frozen)
		view_set_topics(v, topics);
	else
		free(topics);
}

static void
wallboard_load(struct view *v)
{
	struct wallboard	*wb = v->data;

	if (wb->frozen)
		return;
	view_request(v, TAG_ACT, "GET", "/v1/wallboard", NULL);
}

static void
wallboard_result(struct view *v, struct request *r)
{
	struct wallboard	*wb = v->data;

	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	json_decref(wb->board);
	wb->board = json_incref(r->resp.json);
	wb->at = time(NULL);
	wallboard_fill(v, wb->board, wb->at, wb->frozen);
	json_decref(v->json);
	v->json = json_incref(wb->board);
	view_done(v);
}

/* Time in state goes on between loads (not while frozen). */
static void
wallboard_tick(struct view *v)
{
	struct wallboard	*wb = v->data;
	size_t			 keep = form_cursor(v->form);

	if (wb->board == NULL || wb->frozen)
		return;
	wallboard_fill(v, wb->board, time(NULL), false);
	form_seek(v->form, keep);
}

static void
wallboard_free(struct view *v)
{
	struct wallboard	*wb = v->data;

	if (wb == NULL)
		return;
	json_decref(wb->board);
	free(wb);
}

static const struct view_ops wallboard_ops = {
	"wallboard", SCOPE_WALLBOARD, WIDGET_FORM, "agents", NULL,
	wallboard_load, wallboard_result, NULL, wallboard_free, 0, NULL,
};

struct view *
wallboard_view(struct app *a)
{
	struct view	*v = view_new(a, &wallboard_ops, "wallboard", NULL, 0);

	v->data = xcalloc(1, sizeof(struct wallboard));
	v->tick = wallboard_tick;
	return v;
}

void
wallboard_key_freeze(struct app *a, struct view *v, int key)
{
	struct wallboard	*wb = v->data;

	(void)key;
	wb->frozen = !wb->frozen;
	if (wb->board != NULL)
		wallboard_fill(v, wb->board, time(NULL), wb->frozen);
	if (wb->frozen) {
		view_set_topics(v, NULL);
		app_message(a, MSG_INFO, "wallboard frozen; p goes live again");
	} else {
		app_message(a, MSG_INFO, "wallboard live");
		view_load(v);
	}
}

/* --- souk -c 'leads import FILE --queue NAME' ----------------------------- */

struct import {
	char	*path;
	char	*query;
};

/* The file's bytes (up to IMPORT_MAX), NUL-terminated; NULL with *cause. */
static char *
import_read(const char *path, char **cause)
{
	FILE		*f;
	struct buf	 b;
	char		 chunk[65536];
	size_t		 n;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, (size_t)IMPORT_MAX);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (!buf_add(&b, chunk, n)) {
			*cause = xasprintf("%s is over %ld MiB: split it", path,
			    IMPORT_MAX / (1024 * 1024));
			buf_free(&b);
			fclose(f);
			return NULL;
		}
	}
	if (ferror(f)) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		buf_free(&b);
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (b.len == 0) {
		*cause = xasprintf("%s is empty", path);
		buf_free(&b);
		return NULL;
	}
	if (memchr(b.data, '\0', b.len) != NULL) {
		*cause = xasprintf("%s is not a CSV file", path);
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b, NULL);
}

static void
import_load(struct view *v)
{
	struct import	*im = v->data;
	char		*body, *cause = NULL;

	if ((body = import_read(im->path, &cause)) == NULL) {
		free(v->error);
		v->error = cause;
		app_message(v->app, MSG_ERROR, "%s", cause);
		return;
	}
	view_request_csv(v, TAG_IMPORT, im->query, body);
	free(body);
}

static void
import_result(struct view *v, struct request *r)
{
	const json_t	*row, *e;
	char		 num[32], *text;
	size_t		 i, j;

	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	form_clear(v->form);
	if (json_is_true(json_object_get(r->resp.json, "dry_run")))
		form_add(v->form, "dry_run", "Dry run", "checked only: nothing "
		    "was kept", 0);
	views_field(v->form, r->resp.json, "total", "Rows");
	views_field(v->form, r->resp.json, "created", "Created");
	views_field(v->form, r->resp.json, "merged", "Merged");
	views_field(v->form, r->resp.json, "rejected", "Rejected");
	json_array_foreach(json_object_get(r->resp.json, "rows"), i, row) {
		json_array_foreach(json_object_get(row, "errors"), j, e) {
			text = xasprintf("row %s: %s: %s", views_text(row,
			    "row", num, sizeof num), views_text(e, "field",
			    NULL, 0), views_text(e, "message", NULL, 0));
			form_add(v->form, "rows", i == 0 && j == 0 ?
			    "Rejected rows" : "", text, 0);
			free(text);
		}
	}
	json_decref(v->json);
	v->json = json_incref(r->resp.json);
	view_done(v);
}

static void
import_free(struct view *v)
{
	struct import	*im = v->data;

	if (im == NULL)
		return;
	free(im->path);
	free(im->query);
	free(im);
}

static const struct view_ops import_ops = {
	"leads-import", SCOPE_FORM, WIDGET_FORM, NULL, NULL, import_load,
	import_result, NULL, import_free, VIEW_MANUAL, NULL,
};

struct view *
leads_import_view(struct app *a, const char *path, const char *queue,
    bool dry_run)
{
	struct view	*v = view_new(a, &import_ops, "leads import", NULL, 0);
	struct import	*im = xcalloc(1, sizeof *im);
	struct buf	 q;
	char		*end;

	buf_init(&q, 0);
	if (!buf_adds(&q, "/v1/leads/import"))
		fatalx("leads_import_view");
	if (queue != NULL && *queue != '\0' && strtoll(queue, &end, 10) > 0 &&
	    *end == '\0')
		client_query(&q, "queue_id", queue);
	else
		client_query(&q, "queue", queue);
	client_query(&q, "dry_run", dry_run ? "1" : NULL);
	im->path = xstrdup(path);
	im->query = buf_take(&q, NULL);
	v->data = im;
	return v;
}

/* --- souk -c 'queue stats NAME' ------------------------------------------- */

/* The depths, today's counts and the agents by state, one a line. */
static void
stats_fill(struct form *f, const json_t *o)
{
	static const char *const depths[][2] = {
		{ "ready", "Ready" }, { "held", "Held" },
		{ "callbacks_due", "Callbacks due" },
		{ "callbacks_overdue", "Callbacks overdue" },
		{ "breached", "SLA breached" },
	};
	static const char *const states[] = {
		"available", "on_call", "wrap_up", "paused", "offline",
	};
	const json_t	*today = json_object_get(o, "today");
	const json_t	*agents = json_object_get(o, "agents");
	struct buf	 b;
	char		 num[32], talk[32], *text;
	size_t		 i;

	form_clear(f);
	text = xasprintf("%s (%s)", views_text(o, "name", NULL, 0),
	    views_text(o, "id", num, sizeof num));
	form_add(f, "name", "Queue", text, 0);
	free(text);
	for (i = 0; i < sizeof depths / sizeof depths[0]; i++)
		views_field(f, o, depths[i][0], depths[i][1]);
	views_field(f, today, "calls", "Calls today");
	views_field(f, today, "connects", "Connects today");
	views_field(f, today, "conversions", "Conversions today");
	agent_duration((long)json_integer_value(json_object_get(today,
	    "talk_seconds")), talk, sizeof talk);
	form_add(f, "talk_seconds", "Talk today", talk, 0);
	buf_init(&b, 0);
	for (i = 0; i < sizeof states / sizeof states[0]; i++) {
		if (!buf_printf(&b, "%s%s %s", i > 0 ? "  " : "", states[i],
		    views_text(agents, states[i], num, sizeof num)))
			fatalx("stats_fill");
	}
	form_add(f, "agents", "Agents", b.data, 0);
	buf_free(&b);
}

static void
stats_load(struct view *v)
{
	view_request(v, TAG_QUEUES, "GET", "/v1/queues", NULL);
}

static void
stats_result(struct view *v, struct request *r)
{
	const char	*want = v->data;
	const json_t	*q, *data;
	char		 num[32], *path;
	size_t		 i;

	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	if (r->tag == TAG_QUEUES) {
		data = json_object_get(r->resp.json, "data");
		json_array_foreach(data, i, q) {
			if (strcasecmp(views_text(q, "name", NULL, 0), want) == 0 ||
			    strcmp(views_text(q, "id", num, sizeof num),
			    want) == 0) {
				path = xasprintf("/v1/queues/%s/stats",
				    views_text(q, "id", num, sizeof num));
				view_request(v, TAG_STATS, "GET", path, NULL);
				free(path);
				return;
			}
		}
		free(v->error);
		v->error = xasprintf("there is no queue %s", want);
		v->loading = false;
		app_message(v->app, MSG_ERROR, "%s", v->error);
		return;
	}
	stats_fill(v->form, r->resp.json);
	json_decref(v->json);
	v->json = json_incref(r->resp.json);
	view_done(v);
}

static const struct view_ops stats_ops = {
	"queue-stats", SCOPE_FORM, WIDGET_FORM, NULL, NULL, stats_load,
	stats_result, NULL, lead_free, 0, NULL,
};

struct view *
queue_stats_view(struct app *a, const char *queue)
{
	char		*title = xasprintf("queue stats %s", queue);
	struct view	*v = view_new(a, &stats_ops, title, NULL, 0);

	free(title);
	v->data = xstrdup(queue);
	return v;
}
