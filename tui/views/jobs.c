/*
 * jobs: the job queue, for administrators.  The list (GET /v1/jobs, by
 * state and kind, newest first) with the counts by state above it (GET
 * /v1/jobs/stats), live from the "jobs" topic; one job with its payload
 * and every error (GET /v1/jobs/{id}); retrying a failed or cancelled job
 * (R) and cancelling a pending one (x), each after a question; and the
 * schedules of periodic work (GET /v1/schedules).
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

#define JOBS_MAX	2000

enum { TAG_STATS = 1, TAG_GET, TAG_CHANGE };

const char *const job_states[] = {
	"pending", "running", "done", "failed", "cancelled", NULL,
};

/* Whether a job in state may be retried (or else cancelled). */
static bool
job_may(const char *state, bool retry)
{
	if (state == NULL)
		return false;
	if (retry)
		return strcmp(state, "failed") == 0 ||
		    strcmp(state, "cancelled") == 0;
	return strcmp(state, "pending") == 0;
}

/* --- retry and cancel, from the list or one job ------------------------------ */

struct job_change {
	char	*id;
	bool	 retry;
};

static void
job_change_send(struct view *v, struct job_change *ch)
{
	char	*id = client_escape(ch->id), *path;

	path = xasprintf("/v1/jobs/%s/%s", id, ch->retry ? "retry" : "cancel");
	view_request(v, TAG_CHANGE, "POST", path, NULL);
	free(path);
	free(id);
}

/* Asks, then sends: yes is the view's own callback. */
static void
job_change_ask(struct app *a, struct view *v, struct job_change *ch,
    const json_t *job, bool retry, void (*yes)(struct view *))
{
	const char	*state = json_string_value(json_object_get(job,
			    "state"));
	const char	*kind = json_string_value(json_object_get(job,
			    "kind"));
	char		 id[32], *q;

	if (job == NULL)
		return;
	views_text(job, "id", id, sizeof id);
	if (!job_may(state, retry)) {
		app_message(a, MSG_ERROR, "job %s is %s: only %s jobs can be "
		    "%s", id, state != NULL ? state : "?", retry ?
		    "failed or cancelled" : "pending", retry ? "retried" :
		    "cancelled");
		return;
	}
	free(ch->id);
	ch->id = xstrdup(id);
	ch->retry = retry;
	q = xasprintf("%s job %s (%s)?", retry ? "Retry" : "Cancel", id,
	    kind != NULL ? kind : "?");
	app_confirm_view(a, v, q, yes);
	free(q);
}

/* The answer to a change: says so and reloads. */
static bool
job_change_done(struct view *v, struct request *r, struct job_change *ch)
{
	if (r->tag != TAG_CHANGE)
		return false;
	v->loading = v->inflight > 0;
	if (r->resp.status != CLIENT_OK) {
		app_message(v->app, MSG_ERROR, "%s", r->resp.message);
		return true;
	}
	app_message(v->app, MSG_INFO, ch->retry ? "job %s will run again" :
	    "job %s is cancelled", ch->id);
	view_load(v);
	return true;
}

/* --- the list ------------------------------------------------------------------ */

static const struct table_col jobs_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "KIND", TABLE_TEXT, 8, 22, 0, true },
	{ "STATE", TABLE_TEXT, 5, 0, 0, false },
	{ "TRIES", TABLE_TEXT, 5, 0, 3, false },
	{ "RUN AT", TABLE_TEXT, 16, 0, 2, false },
	{ "LAST ERROR", TABLE_TEXT, 10, 0, 1, true },
};

#define JOBS_NCOLS	(sizeof jobs_cols / sizeof jobs_cols[0])

struct jobs {
	struct listing		 l;
	char			*state;
	char			*kind;
	struct job_change	 ch;
};

static void
jobs_add(struct view *v, json_t *o)
{
	const char	*cells[JOBS_NCOLS];
	char		 id[32], tries[48], run[32], a[24], m[24];

	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = views_text(o, "kind", NULL, 0);
	cells[2] = views_text(o, "state", NULL, 0);
	views_text(o, "attempts", a, sizeof a);
	views_text(o, "max_attempts", m, sizeof m);
	snprintf(tries, sizeof tries, "%s/%s", a, m);
	cells[3] = tries;
	views_time(json_string_value(json_object_get(o, "run_at")), false,
	    run, sizeof run);
	cells[4] = run;
	cells[5] = views_text(o, "last_error", NULL, 0);
	table_load_add(v->table, cells[0], cells, o);
}

static void
jobs_title(struct view *v)
{
	struct jobs	*j = v->data;

	free(v->title);
	v->title = xasprintf("jobs%s%s%s%s", j->state != NULL ? " --state " :
	    "", j->state != NULL ? j->state : "", j->kind != NULL ?
	    " --kind " : "", j->kind != NULL ? j->kind : "");
}

static void
jobs_load(struct view *v)
{
	struct jobs	*j = v->data;
	struct buf	 path;

	buf_init(&path, 0);
	if (!buf_adds(&path, "/v1/jobs"))
		fatalx("jobs_load");
	client_query(&path, "state", j->state);
	client_query(&path, "kind", j->kind);
	listing_set_path(&j->l, path.data);
	buf_free(&path);
	listing_load(v);
	view_request(v, TAG_STATS, "GET", "/v1/jobs/stats", NULL);
}

/* "pending 2  running 0  done 14  failed 1  cancelled 0" */
static void
jobs_summary(struct view *v, const json_t *stats)
{
	struct jobs	*j = v->data;
	const json_t	*row;
	const char	*kind, *state;
	long long	 counts[5] = { 0 };
	struct buf	 b;
	size_t		 i, s;

	json_array_foreach(stats, i, row) {
		kind = json_string_value(json_object_get(row, "kind"));
		state = json_string_value(json_object_get(row, "state"));
		if (state == NULL || (j->kind != NULL && (kind == NULL ||
		    strcmp(kind, j->kind) != 0)))
			continue;
		for (s = 0; s < 5; s++) {
			if (strcmp(state, job_states[s]) == 0)
				counts[s] += json_integer_value(json_object_get(
				    row, "count"));
		}
	}
	buf_init(&b, 0);
	for (s = 0; s < 5; s++) {
		if (!buf_printf(&b, "%s%s %lld", s > 0 ? "  " : "",
		    job_states[s], counts[s]))
			fatalx("jobs_summary");
	}
	free(v->summary);
	v->summary = buf_take(&b, NULL);
}

static void
jobs_result(struct view *v, struct request *r)
{
	struct jobs	*j = v->data;

	if (listing_result(v, r) || job_change_done(v, r, &j->ch))
		return;
	if (r->tag != TAG_STATS)
		return;
	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	jobs_summary(v, r->resp.json);
	if (v->inflight == 0)
		listing_done(v);
}

static void
jobs_open(struct view *v)
{
	const char	*id = table_cursor_key(v->table);

	if (id != NULL)
		app_push(v->app, job_view(v->app, id));
}

void
jobs_key_state(struct app *a, struct view *v, int key)
{
	struct jobs	*j = v->data;
	const char	*next = job_states[0];
	size_t		 i;

	(void)key;
	/* All, then each state in turn, then all again. */
	if (j->state != NULL) {
		for (i = 0; job_states[i] != NULL; i++) {
			if (strcmp(j->state, job_states[i]) == 0)
				break;
		}
		next = job_states[i] != NULL ? job_states[i + 1] : NULL;
	}
	free(j->state);
	j->state = next != NULL ? xstrdup(next) : NULL;
	jobs_title(v);
	table_clear(v->table);
	view_load(v);
	app_message(a, MSG_INFO, "showing %s jobs; s shows the next state",
	    j->state != NULL ? j->state : "all");
}

static void
jobs_free(struct view *v)
{
	struct jobs	*j = v->data;

	if (j == NULL)
		return;
	listing_free(&j->l);
	free(j->state);
	free(j->kind);
	free(j->ch.id);
	free(j);
}

static const struct view_ops jobs_ops = {
	"jobs", SCOPE_JOBS, WIDGET_TABLE, "jobs", "no jobs",
	jobs_load, jobs_result, jobs_open, jobs_free, 0, NULL,
};

struct view *
jobs_view(struct app *a, const char *state, const char *kind)
{
	struct view	*v = view_new(a, &jobs_ops, "jobs", jobs_cols,
			    JOBS_NCOLS);
	struct jobs	*j = xcalloc(1, sizeof *j);

	listing_init(&j->l, JOBS_MAX, jobs_add);
	j->state = state != NULL ? xstrdup(state) : NULL;
	j->kind = kind != NULL ? xstrdup(kind) : NULL;
	v->data = j;
	jobs_title(v);
	return v;
}

/* --- one job -------------------------------------------------------------------- */

struct job {
	struct job_change	 ch;	/* first: job_change_of */
	char			*id;
};

static void
job_load(struct view *v)
{
	struct job	*j = v->data;
	char		*id = client_escape(j->id), *path;

	path = xasprintf("/v1/jobs/%s", id);
	view_request(v, TAG_GET, "GET", path, NULL);
	free(path);
	free(id);
}

static void
job_result(struct view *v, struct request *r)
{
	struct job	*j = v->data;
	json_t		*o, *e;
	char		 a[24], m[24], *text, when[32], num[24], *label;
	size_t		 i, keep;

	if (job_change_done(v, r, &j->ch))
		return;
	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	o = r->resp.json;
	keep = form_cursor(v->form);
	form_clear(v->form);
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "kind", "Kind");
	views_field(v->form, o, "state", "State");
	views_text(o, "attempts", a, sizeof a);
	views_text(o, "max_attempts", m, sizeof m);
	text = xasprintf("%s of %s", a, m);
	form_add(v->form, "attempts", "Attempts", text, 0);
	free(text);
	views_field(v->form, o, "priority", "Priority");
	views_time_field(v->form, o, "run_at", "Run at");
	views_field(v->form, o, "unique_key", "Unique key");
	views_field(v->form, o, "locked_by", "Locked by");
	views_time_field(v->form, o, "locked_until", "Locked until");
	views_time_field(v->form, o, "created_at", "Created");
	views_time_field(v->form, o, "updated_at", "Updated");
	views_time_field(v->form, o, "finished_at", "Finished");
	views_field(v->form, o, "last_error", "Last error");
	views_json_fields(v->form, "payload", "Payload",
	    json_object_get(o, "payload"));
	if (json_array_size(json_object_get(o, "errors")) == 0)
		form_add(v->form, "errors", "Errors", "none", 0);
	json_array_foreach(json_object_get(o, "errors"), i, e) {
		views_time(json_string_value(json_object_get(e, "at")), true,
		    when, sizeof when);
		text = xasprintf("attempt %s, %s: %s", views_text(e, "attempt",
		    num, sizeof num), when, views_text(e, "error", NULL, 0));
		label = i == 0 ? xstrdup("Errors") : xstrdup("");
		form_add(v->form, "errors", label, text, 0);
		free(label);
		free(text);
	}
	form_seek(v->form, keep);
	free(v->title);
	v->title = xasprintf("job %s", j->id);
	json_decref(v->json);
	v->json = json_incref(o);
	view_done(v);
}

static void
job_free(struct view *v)
{
	struct job	*j = v->data;

	if (j == NULL)
		return;
	free(j->ch.id);
	free(j->id);
	free(j);
}

static const struct view_ops job_ops = {
	"job", SCOPE_JOB, WIDGET_FORM, "jobs", NULL,
	job_load, job_result, NULL, job_free, 0, NULL,
};

static struct job_change *
job_change_of(struct view *v)
{
	if (v->ops == &jobs_ops)
		return &((struct jobs *)v->data)->ch;
	return &((struct job *)v->data)->ch;
}

static void
job_change_yes(struct view *v)
{
	job_change_send(v, job_change_of(v));
}

/* R and x, in the list (the row under the cursor) and in one job. */
void
jobs_key_retry(struct app *a, struct view *v, int key)
{
	(void)key;
	job_change_ask(a, v, job_change_of(v), v->table != NULL ?
	    table_cursor_data(v->table) : v->json, true, job_change_yes);
}

void
jobs_key_cancel(struct app *a, struct view *v, int key)
{
	(void)key;
	job_change_ask(a, v, job_change_of(v), v->table != NULL ?
	    table_cursor_data(v->table) : v->json, false, job_change_yes);
}

struct view *
job_view(struct app *a, const char *id)
{
	struct view	*v;
	struct job	*j = xcalloc(1, sizeof *j);
	char		*title = xasprintf("job %s", id);

	v = view_new(a, &job_ops, title, NULL, 0);
	free(title);
	j->id = xstrdup(id);
	v->data = j;
	return v;
}

/* retry-job and cancel-job: the job as it is after the change. */
static void
job_change_show(struct view *v, json_t *o)
{
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "kind", "Kind");
	views_field(v->form, o, "state", "State");
	views_field(v->form, o, "attempts", "Attempts");
	views_time_field(v->form, o, "run_at", "Run at");
	views_field(v->form, o, "last_error", "Last error");
}

struct view *
job_change_view(struct app *a, const char *id, bool retry)
{
	struct view	*v;
	char		*e = client_escape(id), *path, *title, *done;

	path = xasprintf("/v1/jobs/%s/%s", e, retry ? "retry" : "cancel");
	title = xasprintf("%s job %s", retry ? "retry" : "cancel", id);
	done = xasprintf(retry ? "job %s will run again" : "job %s is "
	    "cancelled", id);
	v = views_action(a, title, "POST", path, NULL, done, job_change_show);
	free(e);
	free(path);
	free(title);
	free(done);
	return v;
}

/* --- schedules ------------------------------------------------------------------ */

static const struct table_col schedules_cols[] = {
	{ "NAME", TABLE_TEXT, 8, 0, 0, true },
	{ "KIND", TABLE_TEXT, 8, 0, 4, true },
	{ "EVERY", TABLE_TEXT, 5, 0, 0, false },
	{ "ON", TABLE_TEXT, 3, 0, 3, false },
	{ "NEXT RUN", TABLE_TEXT, 16, 0, 0, false },
	{ "LAST RUN", TABLE_TEXT, 16, 0, 2, false },
	{ "LAST JOB", TABLE_NUMBER, 4, 0, 1, false },
};

#define SCHEDULES_NCOLS	(sizeof schedules_cols / sizeof schedules_cols[0])

static void
schedules_add(struct view *v, json_t *o)
{
	const char	*cells[SCHEDULES_NCOLS];
	char		 next[32], last[32], job[32];

	cells[0] = views_text(o, "name", NULL, 0);
	cells[1] = views_text(o, "kind", NULL, 0);
	cells[2] = views_text(o, "spec", NULL, 0);
	cells[3] = views_text(o, "enabled", NULL, 0);
	views_time(json_string_value(json_object_get(o, "next_run_at")), false,
	    next, sizeof next);
	views_time(json_string_value(json_object_get(o, "last_run_at")), false,
	    last, sizeof last);
	cells[4] = next;
	cells[5] = last;
	cells[6] = views_text(o, "last_job_id", job, sizeof job);
	table_load_add(v->table, cells[0], cells, o);
}

static void
schedules_result(struct view *v, struct request *r)
{
	(void)listing_result(v, r);
}

/* Enter: the job the schedule made last. */
static void
schedules_open(struct view *v)
{
	json_t	*o = table_cursor_data(v->table);
	char	 id[32];

	if (o == NULL)
		return;
	if (!json_is_integer(json_object_get(o, "last_job_id"))) {
		app_message(v->app, MSG_INFO, "%s has not run yet",
		    table_cursor_key(v->table));
		return;
	}
	app_push(v->app, job_view(v->app, views_text(o, "last_job_id", id,
	    sizeof id)));
}

static void
schedules_free(struct view *v)
{
	struct listing	*l = v->data;

	if (l == NULL)
		return;
	listing_free(l);
	free(l);
}

static const struct view_ops schedules_ops = {
	"schedules", SCOPE_SCHEDULES, WIDGET_TABLE, "jobs", "no schedules",
	listing_load, schedules_result, schedules_open, schedules_free, 0,
	NULL,
};

struct view *
schedules_view(struct app *a)
{
	struct view	*v = view_new(a, &schedules_ops, "schedules",
			    schedules_cols, SCHEDULES_NCOLS);
	struct listing	*l = xcalloc(1, sizeof *l);

	listing_init(l, 1000, schedules_add);
	l->whole = true;
	listing_set_path(l, "/v1/schedules");
	v->data = l;
	return v;
}
