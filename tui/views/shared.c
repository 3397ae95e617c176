/*
 * shared: what the views built on soukd's lists and documents have in
 * common: the text of JSON members, times in the local zone, detail
 * fields, one-line editing of multi-line text, and paged lists
 * ({"data": [...], "next": cursor}) loaded page by page into a table.
 */
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
#include "view.h"
#include "views.h"
#include "xmalloc.h"

const char *
views_text(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t	*v = json_object_get(o, key);

	return views_value(v, buf, len);
}

const char *
views_value(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v) && len > 0) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v) && len > 0) {
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	return "";
}

/* Reads "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM)" into a time. */
static bool
views_parse_time(const char *s, time_t *out)
{
	struct tm	 tm;
	const char	*p;
	long		 off = 0;
	int		 n = 0;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &n) != 6 || n != 19)
		return false;
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		    ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '-')
			off = -off;
	} else if (strcmp(p, "Z") != 0)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	*out = timegm(&tm) - off;
	return true;
}

void
views_time(const char *s, bool seconds, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t;

	if (len == 0)
		return;
	if (s == NULL) {
		buf[0] = '\0';
		return;
	}
	if (!views_parse_time(s, &t) || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, seconds ? "%Y-%m-%d %H:%M:%S" :
	    "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, len, "%s", s);
}

struct form_field *
views_field(struct form *f, const json_t *o, const char *key,
    const char *label)
{
	char	num[32];

	return form_add(f, key, label, views_text(o, key, num, sizeof num),
	    0);
}

struct form_field *
views_time_field(struct form *f, const json_t *o, const char *key,
    const char *label)
{
	char	when[64];

	views_time(json_string_value(json_object_get(o, key)), true, when,
	    sizeof when);
	return form_add(f, key, label, when, 0);
}

void
views_json_fields(struct form *f, const char *name, const char *label,
    const json_t *value)
{
	char		*text, *line, *next;
	bool		 first = true;

	if (value == NULL || json_is_null(value)) {
		form_add(f, name, label, NULL, 0);
		return;
	}
	if ((text = json_dumps(value, JSON_INDENT(2) | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) == NULL)
		fatalx("views_json_fields: json_dumps");
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		form_add(f, name, first ? label : "", line, 0);
		first = false;
	}
	free(text);
}

char *
views_escape(const char *s)
{
	struct buf	b;

	buf_init(&b, 0);
	for (; s != NULL && *s != '\0'; s++) {
		const char *e = *s == '\n' ? "\\n" : *s == '\t' ? "\\t" :
		    *s == '\\' ? "\\\\" : *s == '\r' ? "\\r" : NULL;

		if (e != NULL ? !buf_adds(&b, e) : !buf_add(&b, s, 1))
			fatalx("views_escape");
	}
	return buf_take(&b, NULL);
}

char *
views_unescape(const char *s)
{
	struct buf	b;
	char		c;

	buf_init(&b, 0);
	for (; s != NULL && *s != '\0'; s++) {
		c = *s;
		if (c == '\\' && s[1] != '\0') {
			switch (s[1]) {
			case 'n':
				c = '\n';
				s++;
				break;
			case 't':
				c = '\t';
				s++;
				break;
			case 'r':
				c = '\r';
				s++;
				break;
			case '\\':
				s++;
				break;
			}
		}
		if (!buf_add(&b, &c, 1))
			fatalx("views_unescape");
	}
	return buf_take(&b, NULL);
}

char *
views_words_join(const json_t *a, const char *sep)
{
	struct buf	 b;
	const json_t	*item;
	char		 num[32];
	size_t		 i;

	buf_init(&b, 0);
	json_array_foreach(a, i, item) {
		if (!buf_printf(&b, "%s%s", i > 0 ? sep : "",
		    views_value(item, num, sizeof num)))
			fatalx("views_words_join");
	}
	return buf_take(&b, NULL);
}

/* --- paged lists ------------------------------------------------------- */

void
listing_init(struct listing *l, size_t max, void (*add)(struct view *,
    json_t *))
{
	memset(l, 0, sizeof *l);
	l->max = max;
	l->add = add;
}

void
listing_free(struct listing *l)
{
	free(l->path);
	json_decref(l->rows);
	memset(l, 0, sizeof *l);
}

void
listing_set_path(struct listing *l, const char *path)
{
	free(l->path);
	l->path = xstrdup(path);
}

static void
listing_fetch(struct view *v, const char *after)
{
	struct listing	*l = v->data;
	struct buf	 path;
	char		 limit[16];

	buf_init(&path, 0);
	if (!buf_adds(&path, l->path))
		fatalx("listing_fetch");
	if (!l->whole) {
		snprintf(limit, sizeof limit, "%d", LISTING_PAGE);
		client_query(&path, "limit", limit);
		client_query(&path, "after", after);
	}
	view_request(v, LISTING_TAG, "GET", path.data, NULL);
	buf_free(&path);
}

void
listing_load(struct view *v)
{
	struct listing	*l = v->data;

	json_decref(l->rows);
	l->rows = json_array();
	l->count = 0;
	l->truncated = false;
	table_load_begin(v->table);
	listing_fetch(v, NULL);
}

bool
listing_result(struct view *v, struct request *r)
{
	struct listing	*l = v->data;
	json_t		*data, *item;
	const char	*next;
	size_t		 i;

	if (r->tag != LISTING_TAG)
		return false;
	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return true;
	}
	data = json_object_get(r->resp.json, "data");
	json_array_foreach(data, i, item) {
		if (!json_is_object(item) || l->count >= l->max)
			continue;
		l->add(v, item);
		json_array_append(l->rows, item);
		l->count++;
	}
	next = json_string_value(json_object_get(r->resp.json, "next"));
	if (next != NULL && l->count < l->max) {
		listing_fetch(v, next);
		return true;
	}
	l->truncated = next != NULL;
	if (l->truncated)
		app_message(v->app, MSG_INFO, "showing the newest %zu; narrow "
		    "the list with its options", l->max);
	if (v->inflight > 0)
		return true;	/* the view's other requests are out */
	listing_done(v);
	return true;
}

void
listing_done(struct view *v)
{
	struct listing	*l = v->data;

	table_load_end(v->table);
	json_decref(v->json);
	v->json = json_incref(l->rows);
	view_done(v);
}

/* --- one change, its answer shown ------------------------------------- */

struct action {
	char	*method;
	char	*path;
	char	*body;
	char	*done;
	void	(*show)(struct view *, json_t *);
	bool	 sent;
};

static void
action_load(struct view *v)
{
	struct action	*ac = v->data;

	/* Sent once: a reload must not repeat the change. */
	if (ac->sent) {
		view_done(v);
		return;
	}
	ac->sent = true;
	view_request(v, 1, ac->method, ac->path, ac->body);
}

static void
action_result(struct view *v, struct request *r)
{
	struct action	*ac = v->data;

	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	form_clear(v->form);
	if (ac->show != NULL)
		ac->show(v, r->resp.json);
	json_decref(v->json);
	v->json = json_incref(r->resp.json);
	view_done(v);
	if (ac->done != NULL)
		app_message(v->app, MSG_INFO, "%s", ac->done);
}

static void
action_free(struct view *v)
{
	struct action	*ac = v->data;

	if (ac == NULL)
		return;
	free(ac->method);
	free(ac->path);
	free(ac->body);
	free(ac->done);
	free(ac);
}

static const struct view_ops action_ops = {
	"action", SCOPE_FORM, WIDGET_FORM, NULL, NULL,
	action_load, action_result, NULL, action_free, VIEW_MANUAL, NULL,
};

struct view *
views_action(struct app *a, const char *title, const char *method,
    const char *path, const char *body, const char *done,
    void (*show)(struct view *, json_t *))
{
	struct view	*v = view_new(a, &action_ops, title, NULL, 0);
	struct action	*ac = xcalloc(1, sizeof *ac);

	ac->method = xstrdup(method);
	ac->path = xstrdup(path);
	ac->body = body != NULL ? xstrdup(body) : NULL;
	ac->done = done != NULL ? xstrdup(done) : NULL;
	ac->show = show;
	v->data = ac;
	return v;
}

/* --- something to read, with nothing to load ----------------------------- */

static void
note_result(struct view *v, struct request *r)
{
	(void)v;
	(void)r;
}

static const struct view_ops note_ops = {
	"note", SCOPE_FORM, WIDGET_FORM, NULL, NULL,
	NULL, note_result, NULL, NULL, VIEW_MANUAL, NULL,
};

struct view *
views_note(struct app *a, const char *title)
{
	struct view	*v = view_new(a, &note_ops, title, NULL, 0);

	v->loaded = true;
	return v;
}
