/*
 * shared: what the views built on soukd's lists and documents have in
 * common: the text of JSON members, times in the local zone, amounts of
 * money, detail fields, one-line editing of multi-line text, paged lists
 * ({"data": [...], "next": cursor}) loaded page by page into a table,
 * the live topics a signed-in user may follow, saving a file soukd sent,
 * and decisions taken with one key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "buf.h"
#include "client.h"
#include "creds.h"
#include "form.h"
#include "log.h"
#include "session.h"
#include "table.h"
#include "text.h"
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
	if (buf != NULL && len > 0)
		buf[0] = '\0';	/* never garbage, whatever comes back */
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
bool
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

void
views_money(long long minor, const char *currency, char *buf, size_t len)
{
	unsigned long long	 v;
	const char		*sym;
	char			 digits[32], grouped[48];
	size_t			 n, i, o = 0, left;
	bool			 inr;

	if (len == 0)
		return;
	inr = currency == NULL || strcmp(currency, "INR") == 0;
	v = minor < 0 ? 0ULL - (unsigned long long)minor :
	    (unsigned long long)minor;
	snprintf(digits, sizeof digits, "%llu", v / 100);
	n = strlen(digits);
	for (i = 0; i < n; i++) {
		left = n - i;
		/* 12,34,567 in India: threes, then twos; else threes. */
		if (i > 0 && (inr ? left == 3 || (left > 3 &&
		    (left - 3) % 2 == 0) : left % 3 == 0))
			grouped[o++] = ',';
		grouped[o++] = digits[i];
	}
	grouped[o] = '\0';
	if (inr)
		sym = text_utf8() ? "\xe2\x82\xb9" : "Rs ";
	else
		sym = currency;
	snprintf(buf, len, "%s%s%s%s.%02llu", minor < 0 ? "-" : "", sym,
	    inr ? "" : " ", grouped, v % 100);
}

void
views_price(const json_t *o, bool from, char *buf, size_t len)
{
	const json_t	*min = json_object_get(o, "price_min");
	const json_t	*max = json_object_get(o, "price_max");
	const char	*cur = json_string_value(json_object_get(o,
			    "currency"));
	char		 lo[48], hi[48];

	if (len == 0)
		return;
	if (!json_is_integer(min)) {
		buf[0] = '\0';
		return;
	}
	views_money(json_integer_value(min), cur, lo, sizeof lo);
	if (!json_is_integer(max) || json_integer_value(max) ==
	    json_integer_value(min)) {
		snprintf(buf, len, "%s", lo);
		return;
	}
	if (from) {
		snprintf(buf, len, "%s+", lo);
		return;
	}
	views_money(json_integer_value(max), cur, hi, sizeof hi);
	snprintf(buf, len, "%s%s%s", lo, text_utf8() ? "\xe2\x80\x93" : "-",
	    hi);
}

void
views_bytes(long long n, char *buf, size_t len)
{
	if (n < 1024)
		snprintf(buf, len, "%lld byte%s", n, n == 1 ? "" : "s");
	else if (n < 1024 * 1024)
		snprintf(buf, len, "%.1f KiB", (double)n / 1024);
	else
		snprintf(buf, len, "%.1f MiB", (double)n / (1024 * 1024));
}

/* --- live topics by role ---------------------------------------------- */

/* Whether role is one of list's comma-separated names. */
static bool
views_role_in(const char *role, const char *list)
{
	size_t	n;

	if (role == NULL || list == NULL)
		return false;
	n = strlen(role);
	while (*list != '\0') {
		if (strncmp(list, role, n) == 0 && (list[n] == ',' ||
		    list[n] == '\0'))
			return true;
		list += strcspn(list, ",");
		list += *list == ',';
	}
	return false;
}

char *
views_topics(const json_t *user, const char *topic, const char *any,
    const char *regional)
{
	const char	*role = json_string_value(json_object_get(user,
			    "role"));
	const json_t	*regions = json_object_get(user, "regions"), *r;
	struct buf	 b;
	size_t		 i;

	if (views_role_in(role, any))
		return xstrdup(topic);
	if (!views_role_in(role, regional) || json_array_size(regions) == 0 ||
	    json_array_size(regions) > VIEWS_MAX_TOPICS)
		return NULL;
	buf_init(&b, 0);
	json_array_foreach(regions, i, r) {
		if (!json_is_integer(r))
			continue;
		if (!buf_printf(&b, "%s%s:%lld", b.len > 0 ? "," : "", topic,
		    (long long)json_integer_value(r)))
			fatalx("views_topics");
	}
	return b.len > 0 ? buf_take(&b, NULL) : (buf_free(&b), NULL);
}

/* A copy of the signed-in user's account (or NULL); caller decrefs. */
static json_t *
views_user(struct app *a)
{
	struct creds	 c;
	json_t		*user;

	if (app_session(a) == NULL)
		return NULL;
	memset(&c, 0, sizeof c);
	session_snapshot(app_session(a), &c);
	user = json_incref(c.user);
	creds_clear(&c);
	return user;
}

void
views_follow(struct view *v, const char *topic, const char *any,
    const char *regional)
{
	json_t	*user = views_user(v->app);

	view_set_topics(v, views_topics(user, topic, any, regional));
	json_decref(user);
}

const char *
views_role(struct app *a, char *buf, size_t len)
{
	json_t	*user = views_user(a);

	snprintf(buf, len, "%s", json_string_value(json_object_get(user,
	    "role")) != NULL ? json_string_value(json_object_get(user,
	    "role")) : "");
	json_decref(user);
	return buf;
}

/* --- saving files ----------------------------------------------------- */

char *
views_save_path(const char *text, const char *name, const char *home,
    char **cause)
{
	struct stat	 sb;
	char		*path, *in;
	size_t		 n;

	*cause = NULL;
	if (text == NULL || text[strspn(text, " \t")] == '\0') {
		*cause = xstrdup("give a file name");
		return NULL;
	}
	if (strncmp(text, "~/", 2) == 0 && home != NULL && *home != '\0')
		path = xasprintf("%s/%s", home, text + 2);
	else if (strcmp(text, "~") == 0 && home != NULL && *home != '\0')
		path = xstrdup(home);
	else
		path = xstrdup(text);
	n = strlen(path);
	if (name != NULL && *name != '\0' && ((n > 0 && path[n - 1] == '/') ||
	    (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)))) {
		in = xasprintf("%s%s%s", path, n > 0 && path[n - 1] == '/' ?
		    "" : "/", name);
		free(path);
		path = in;
	}
	return path;
}

bool
views_save_file(const char *path, const void *data, size_t len,
    bool replace, char **cause)
{
	const char	*p = data;
	char		*tmp;
	ssize_t		 w;
	size_t		 off = 0;
	int		 fd;

	*cause = NULL;
	if (!replace && access(path, F_OK) == 0) {
		*cause = xasprintf("%s exists; souk did not replace it", path);
		return false;
	}
	/* Written aside, then renamed: never half a file under its name. */
	tmp = xasprintf("%s.souk-XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		*cause = xasprintf("cannot write %s: %s", path,
		    strerror(errno));
		free(tmp);
		return false;
	}
	while (off < len) {
		if ((w = write(fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	if (off < len || fsync(fd) == -1 || close(fd) == -1) {
		*cause = xasprintf("cannot write %s: %s", path,
		    strerror(errno));
		if (off < len)
			close(fd);
		unlink(tmp);
		free(tmp);
		return false;
	}
	/* Not replacing: link fails if the name was taken meanwhile. */
	if (replace ? rename(tmp, path) == -1 : link(tmp, path) == -1) {
		*cause = errno == EEXIST ? xasprintf("%s exists; souk did not "
		    "replace it", path) : xasprintf("cannot write %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		free(tmp);
		return false;
	}
	if (!replace)
		unlink(tmp);
	free(tmp);
	return true;
}

/* --- decisions taken with one key ------------------------------------- */

void
decision_clear(struct decision *d)
{
	free(d->path);
	free(d->id);
	free(d->what);
	free(d->reason);
	memset(d, 0, sizeof *d);
}

char *
decision_body(const char *reason)
{
	json_t	*o;
	char	*text;

	if (reason == NULL || *reason == '\0')
		return NULL;
	if ((o = json_pack("{s:s}", "reason", reason)) == NULL ||
	    (text = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("decision_body: json");
	json_decref(o);
	return text;
}

struct view *
decision_view(struct app *a, const struct decision_kind *kind,
    const char *noun, const char *path, const char *id, const char *reason,
    void (*show)(struct view *, json_t *))
{
	struct view	*v;
	char		*to, *body, *title, *done;

	to = xasprintf("%s/%s", path, kind->action);
	body = decision_body(reason);
	title = xasprintf("%s %s %s", kind->action, noun, id);
	done = xasprintf("%s %s %s", noun, id, kind->past);
	v = views_action(a, title, "POST", to, body != NULL ? body : "{}",
	    done, show);
	free(to);
	free(body);
	free(title);
	free(done);
	return v;
}

char *
views_path(const char *base, const char *id)
{
	char	*e = client_escape(id), *path;

	path = xasprintf("%s/%s", base, e);
	free(e);
	return path;
}

/* Asks whether to go ahead: "Reject registration 3 (X): \"why\"?" */
static void
decision_confirm(struct view *v, struct decision *d,
    void (*yes)(struct view *))
{
	char	*q;

	if (d->reason != NULL && *d->reason != '\0')
		q = xasprintf("%s %s: \"%s\"?", d->kind->verb, d->what,
		    d->reason);
	else
		q = xasprintf("%s %s?", d->kind->verb, d->what);
	app_confirm_view(v->app, v, q, yes);
	free(q);
}

void
decision_begin(struct view *v, struct decision *d,
    const struct decision_kind *kind, const char *path, const char *id,
    const char *what, void (*reasoned)(struct view *, const char *),
    void (*yes)(struct view *))
{
	char	*q;
	size_t	 n;

	decision_clear(d);
	d->kind = kind;
	d->path = xstrdup(path);
	d->id = xstrdup(id);
	d->what = xstrdup(what);
	if (kind->reason == NULL) {
		decision_confirm(v, d, yes);
		return;
	}
	/* "registration 3", no name: a prompt takes half the line at most. */
	n = strcspn(d->what, "(");
	while (n > 0 && d->what[n - 1] == ' ')
		n--;
	q = xasprintf("%s %.*s%s: ", kind->reason, (int)n, d->what,
	    kind->optional ? " (optional)" : "");
	app_ask(v->app, v, q, NULL, reasoned);
	free(q);
}

void
decision_reasoned(struct view *v, struct decision *d, const char *line,
    void (*yes)(struct view *))
{
	free(d->reason);
	d->reason = xstrdup(line + strspn(line, " \t"));
	if (*d->reason == '\0' && !d->kind->optional) {
		app_message(v->app, MSG_ERROR, "give a reason; nothing was "
		    "sent");
		return;
	}
	decision_confirm(v, d, yes);
}

void
decision_send(struct view *v, struct decision *d)
{
	char	*path, *body;

	if (d->kind == NULL)
		return;
	path = xasprintf("%s/%s", d->path, d->kind->action);
	body = decision_body(d->reason);
	view_request(v, DECISION_TAG, "POST", path, body != NULL ? body :
	    "{}");
	free(path);
	free(body);
}

bool
decision_result(struct view *v, struct request *r, struct decision *d,
    bool *ok)
{
	if (r->tag != DECISION_TAG)
		return false;
	v->loading = v->inflight > 0;
	*ok = r->resp.status == CLIENT_OK;
	if (!*ok) {
		if (v->form != NULL && r->resp.status == CLIENT_PROBLEM &&
		    r->resp.json != NULL)
			form_problem(v->form, r->resp.json);
		app_message(v->app, MSG_ERROR, "%s", r->resp.message);
		return true;
	}
	app_message(v->app, MSG_INFO, "%s %s", d->what, d->kind->past);
	return true;
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
