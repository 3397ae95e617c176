/*
 * audit: the audit log, for administrators (GET /v1/audit, newest first),
 * filtered by actor, action (or a prefix ending in '.'), target and time.
 * Enter shows one entry's before and after: side by side when the
 * terminal is wide, one under the other when it is not (o switches).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "buf.h"
#include "client.h"
#include "log.h"
#include "num.h"
#include "rfc3339.h"
#include "screen.h"
#include "table.h"
#include "view.h"
#include "views.h"
#include "when.h"
#include "xmalloc.h"

#define AUDIT_MAX	2000
#define AUDIT_WIDE	100	/* side by side from this many columns */

bool
audit_time(const char *text, time_t now, char *out, size_t len,
    char **cause)
{
	struct tm	 tm;
	int64_t		 ms;
	time_t		 t;
	char		*day;

	*cause = NULL;
	if (text == NULL || *text == '\0') {
		*cause = xstrdup("give a time");
		return false;
	}
	if (rfc3339_valid(text)) {
		if (strlen(text) >= len) {
			*cause = xstrdup("the time is too long");
			return false;
		}
		snprintf(out, len, "%s", text);
		return true;
	}
	if (text[0] >= '0' && text[0] <= '9' && num_duration_ms(text, &ms)) {
		/* An age: that long ago. */
		t = now - (time_t)(ms / 1000);
	} else if (strlen(text) == 10 && text[4] == '-' && text[7] == '-') {
		/* A date: from its midnight. */
		day = xasprintf("%s 00:00", text);
		if (!when_parse(day, now, &when_zone_local, &t, cause)) {
			free(day);
			return false;
		}
		free(day);
	} else if (!when_parse(text, now, &when_zone_local, &t, cause)) {
		free(*cause);
		*cause = xasprintf("'%s' is not a time: give an age such as 2h "
		    "or 7d, a date such as 2026-11-20, a time such as today "
		    "9am, or RFC 3339", text);
		return false;
	}
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		free(*cause);
		*cause = xasprintf("'%s' is not a time souk can show", text);
		return false;
	}
	return true;
}

/* --- the list -------------------------------------------------------------- */

static const struct table_col audit_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "AT", TABLE_TEXT, 16, 0, 0, false },
	{ "ACTOR", TABLE_TEXT, 5, 20, 2, true },
	{ "ACTION", TABLE_TEXT, 8, 0, 0, false },
	{ "TARGET", TABLE_TEXT, 6, 30, 1, true },
	{ "DETAIL", TABLE_TEXT, 8, 0, 3, true },
};

#define AUDIT_NCOLS	(sizeof audit_cols / sizeof audit_cols[0])

static void
audit_add(struct view *v, json_t *o)
{
	const char	*cells[AUDIT_NCOLS], *role, *tid;
	char		 id[32], at[32], actor[64], target[160], num[32];

	cells[0] = views_text(o, "id", id, sizeof id);
	views_time(json_string_value(json_object_get(o, "at")), false, at,
	    sizeof at);
	cells[1] = at;
	role = json_string_value(json_object_get(o, "actor_role"));
	if (json_is_integer(json_object_get(o, "actor_id")))
		snprintf(actor, sizeof actor, "%s%s%s%s", views_text(o,
		    "actor_id", num, sizeof num), role != NULL ? " (" : "",
		    role != NULL ? role : "", role != NULL ? ")" : "");
	else
		snprintf(actor, sizeof actor, "%s", role != NULL ? role :
		    "-");
	cells[2] = actor;
	cells[3] = views_text(o, "action", NULL, 0);
	tid = json_string_value(json_object_get(o, "target_id"));
	snprintf(target, sizeof target, "%s%s%s", views_text(o,
	    "target_type", NULL, 0), tid != NULL ? " " : "", tid != NULL ?
	    tid : "");
	cells[4] = target;
	cells[5] = views_text(o, "detail", NULL, 0);
	table_load_add(v->table, cells[0], cells, o);
}

static void
audit_result(struct view *v, struct request *r)
{
	(void)listing_result(v, r);
}

static struct view *audit_entry_view(struct app *, json_t *);

static void
audit_open(struct view *v)
{
	json_t	*o = table_cursor_data(v->table);

	if (o != NULL)
		app_push(v->app, audit_entry_view(v->app, o));
}

static void
audit_free(struct view *v)
{
	struct listing	*l = v->data;

	if (l == NULL)
		return;
	listing_free(l);
	free(l);
}

static const struct view_ops audit_ops = {
	"audit", SCOPE_AUDIT, WIDGET_TABLE, NULL, "no entries match",
	listing_load, audit_result, audit_open, audit_free, 0, NULL,
};

struct view *
audit_view(struct app *a, const char *actor, const char *action,
    const char *target, const char *since, const char *until, char **cause)
{
	struct listing	*l;
	struct view	*v;
	struct buf	 path, title;
	char		 from[64], to[64], *type = NULL;
	const char	*colon;
	time_t		 now = time(NULL);

	*cause = NULL;
	if (since != NULL && !audit_time(since, now, from, sizeof from,
	    cause))
		return NULL;
	if (until != NULL && !audit_time(until, now, to, sizeof to, cause))
		return NULL;
	buf_init(&path, 0);
	buf_init(&title, 0);
	if (!buf_adds(&path, "/v1/audit") || !buf_adds(&title, "audit"))
		fatalx("audit_view");
	client_query(&path, "actor_id", actor);
	client_query(&path, "action", action);
	if (target != NULL) {
		/* "user:12", or "user" for every user. */
		if ((colon = strchr(target, ':')) != NULL) {
			type = xstrndup(target, (size_t)(colon - target));
			client_query(&path, "target_type", type);
			client_query(&path, "target_id", colon + 1);
		} else
			client_query(&path, "target_type", target);
	}
	client_query(&path, "since", since != NULL ? from : NULL);
	client_query(&path, "until", until != NULL ? to : NULL);
	if ((actor != NULL && !buf_printf(&title, " --actor %s", actor)) ||
	    (action != NULL && !buf_printf(&title, " --action %s", action)) ||
	    (target != NULL && !buf_printf(&title, " --target %s", target)) ||
	    (since != NULL && !buf_printf(&title, " --since %s", since)) ||
	    (until != NULL && !buf_printf(&title, " --until %s", until)))
		fatalx("audit_view");
	v = view_new(a, &audit_ops, title.data, audit_cols, AUDIT_NCOLS);
	l = xcalloc(1, sizeof *l);
	listing_init(l, AUDIT_MAX, audit_add);
	listing_set_path(l, path.data);
	v->data = l;
	free(type);
	buf_free(&path);
	buf_free(&title);
	return v;
}

/* --- one entry ---------------------------------------------------------------- */

static const struct table_col entry_side_cols[] = {
	{ "*", TABLE_TEXT, 1, 1, 0, false },
	{ "BEFORE", TABLE_TEXT, 10, 0, 0, true },
	{ "AFTER", TABLE_TEXT, 10, 0, 0, true },
};

static const struct table_col entry_stack_cols[] = {
	{ "BEFORE, THEN AFTER", TABLE_TEXT, 10, 0, 0, true },
};

struct entry {
	struct table	*other;		/* the layout not shown */
	bool		 side;		/* side by side shown */
};

/* Pretty JSON, sorted keys, as lines (NULL-terminated; free each). */
static char **
entry_lines(const json_t *v, size_t *n)
{
	char	**lines = NULL, *text, *p, *next;

	*n = 0;
	if (v == NULL || json_is_null(v))
		text = xstrdup("(none)");
	else if ((text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) == NULL)
		fatalx("entry_lines: json");
	for (p = text; p != NULL; p = next) {
		if ((next = strchr(p, '\n')) != NULL)
			*next++ = '\0';
		lines = xreallocarray(lines, *n + 2, sizeof *lines);
		lines[(*n)++] = xstrdup(p);
		lines[*n] = NULL;
	}
	free(text);
	return lines;
}

static void
entry_fill(struct table *side, struct table *stack, const json_t *o)
{
	char		**before, **after, key[32];
	const char	*cells[3];
	size_t		  nb, na, i, k = 0;

	before = entry_lines(json_object_get(o, "before"), &nb);
	after = entry_lines(json_object_get(o, "after"), &na);
	for (i = 0; i < nb || i < na; i++) {
		snprintf(key, sizeof key, "%zu", i);
		cells[1] = i < nb ? before[i] : "";
		cells[2] = i < na ? after[i] : "";
		/* The lines that differ are marked. */
		cells[0] = strcmp(cells[1], cells[2]) != 0 ? "*" : "";
		table_load_add(side, key, cells, NULL);
	}
	cells[0] = "before:";
	snprintf(key, sizeof key, "%zu", k++);
	table_load_add(stack, key, cells, NULL);
	for (i = 0; i < nb; i++) {
		snprintf(key, sizeof key, "%zu", k++);
		cells[0] = before[i];
		table_load_add(stack, key, cells, NULL);
	}
	cells[0] = "after:";
	snprintf(key, sizeof key, "%zu", k++);
	table_load_add(stack, key, cells, NULL);
	for (i = 0; i < na; i++) {
		snprintf(key, sizeof key, "%zu", k++);
		cells[0] = after[i];
		table_load_add(stack, key, cells, NULL);
	}
	for (i = 0; i < nb; i++)
		free(before[i]);
	for (i = 0; i < na; i++)
		free(after[i]);
	free(before);
	free(after);
}

void
audit_key_layout(struct app *a, struct view *v, int key)
{
	struct entry	*e = v->data;
	struct table	*t = v->table;

	(void)key;
	v->table = e->other;
	e->other = t;
	e->side = !e->side;
	app_message(a, MSG_INFO, "%s; o switches", e->side ?
	    "before and after side by side" : "before, then after");
}

static void
entry_result(struct view *v, struct request *r)
{
	(void)v;
	(void)r;
}

static void
entry_free(struct view *v)
{
	struct entry	*e = v->data;

	if (e == NULL)
		return;
	table_free(e->other);
	free(e);
}

static const struct view_ops entry_ops = {
	"audit entry", SCOPE_ENTRY, WIDGET_TABLE, NULL, "nothing recorded",
	NULL, entry_result, NULL, entry_free, VIEW_MANUAL, NULL,
};

static struct view *
audit_entry_view(struct app *a, json_t *o)
{
	struct view	*v;
	struct entry	*e = xcalloc(1, sizeof *e);
	struct table	*side, *stack;
	const char	*role, *tid, *detail;
	char		 at[32], id[32], actor[32], num[32];

	views_time(json_string_value(json_object_get(o, "at")), true, at,
	    sizeof at);
	views_text(o, "id", id, sizeof id);
	snprintf(actor, sizeof actor, "%s", json_is_integer(json_object_get(o,
	    "actor_id")) ? views_text(o, "actor_id", num, sizeof num) :
	    "nobody");
	role = json_string_value(json_object_get(o, "actor_role"));
	tid = json_string_value(json_object_get(o, "target_id"));
	detail = json_string_value(json_object_get(o, "detail"));
	{
		char *title = xasprintf("audit %s", id);

		v = view_new(a, &entry_ops, title, entry_side_cols, 3);
		free(title);
	}
	v->summary = xasprintf("%s %s by %s%s%s%s on %s%s%s%s%s", at,
	    views_text(o, "action", NULL, 0), actor, role != NULL ? " (" : "",
	    role != NULL ? role : "", role != NULL ? ")" : "", views_text(o,
	    "target_type", NULL, 0), tid != NULL ? " " : "", tid != NULL ?
	    tid : "", detail != NULL ? ": " : "", detail != NULL ? detail :
	    "");
	side = v->table;
	stack = table_new(entry_stack_cols, 1);
	entry_fill(side, stack, o);
	e->side = true;
	e->other = stack;
	if (screen_cols() < AUDIT_WIDE) {
		v->table = stack;
		e->other = side;
		e->side = false;
	}
	v->data = e;
	v->json = json_incref(o);
	v->loaded = true;
	return v;
}
