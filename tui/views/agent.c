/*
 * agent: the tele-caller's one screen.  The lead being worked (its card:
 * name, phones, the lead's local time, language, source, tags, score),
 * why it came (a due callback), the queue's script with the lead's
 * fields filled in, its history (calls, dispositions, notes), my
 * callbacks due, and a status line with my agent state, the call's
 * timer and today's counts.  Every step is one key, sent off the input
 * thread:
 *
 *   n   POST /v1/queues/{id}/next: the next lead (the same one again
 *       while it is held and not dispositioned)
 *   c   POST /v1/calls {"mode":"manual"}: the call starts (C: through
 *       click-to-call, which rings my phone first)
 *   h   POST /v1/calls/{id}/end
 *   1-9 POST /v1/calls/{id}/disposition by the queue's hotkeys (a call is
 *       recorded first when none was); a callback disposition asks when
 *   b   POST /v1/leads/{id}/callback, asking when ("tomorrow 11am")
 *   e   POST /v1/leads/{id}/notes
 *   d   POST /v1/dnc, after a question
 *   p   PUT /v1/me/agent: paused with a reason, or available again
 *
 * A disposition leaves the card empty with what was done; n brings the
 * next lead: two keys from one lead to the next.  The screen follows my
 * own events and the lead's (user:<me>, lead:<id>), and on opening takes
 * up the lead and open call soukd says I hold.
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
#include "text.h"
#include "view.h"
#include "views.h"
#include "when.h"
#include "xmalloc.h"

enum {
	TAG_QUEUES = 1, TAG_ME, TAG_CALLBACKS, TAG_LEAD, TAG_NEXT,
	TAG_CALL, TAG_END, TAG_DISPO, TAG_NOTE, TAG_CALLBACK, TAG_DNC,
	TAG_STATE,
};

#define AGENT_WRAP	64	/* columns of script and history lines */
#define AGENT_HISTORY	6	/* history lines shown */

const char *const pause_reasons[] = {
	"break", "lunch", "meeting", "training", "other", NULL,
};

struct agent {
	char	*want;		/* the queue asked for: id, name or NULL */
	char	*queue_id;	/* once known */
	json_t	*queue;		/* id, name, dispositions */
	json_t	*lead;		/* the lead being worked, with history */
	char	*script;	/* filled in by soukd */
	json_t	*callback;	/* the due callback it came for */
	json_t	*me;		/* GET /v1/me/agent */
	json_t	*callbacks;	/* mine, due first */
	char	*call_id;	/* the call in progress or to disposition */
	time_t	 call_start;
	time_t	 call_end;	/* 0: still going */
	time_t	 since;		/* my state's start, by my clock */
	char	*done;		/* what the last disposition did */
	char	*dispo;		/* waiting for a call to be recorded */
	char	*dispo_at;	/* its callback time */
	bool	 asking;	/* for the next lead: an answer is due */
	bool	 resume;	/* opening: take up a lead soukd says I hold */
};

static void	agent_fill(struct view *);

/* A time the user typed, as RFC 3339 UTC; false with *cause. */
bool
agent_when(const char *text, time_t now, char *out, size_t len,
    char **cause)
{
	struct tm	tm;
	time_t		t;

	if (!when_parse(text, now, &when_zone_local, &t, cause))
		return false;
	if (t < now - 60) {
		*cause = xasprintf("%s is in the past", text);
		return false;
	}
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return true;
}

/* "1:05:09" or "05:09": a duration in seconds. */
void
agent_duration(long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60,
		    s % 60);
	else
		snprintf(buf, len, "%02ld:%02ld", s / 60, s % 60);
}

/* The disposition of the queue's whose hotkey is key, or NULL. */
const json_t *
agent_disposition(const json_t *queue, int key)
{
	const json_t	*d;
	char		 num[32];
	const char	*hk;
	size_t		 i;

	json_array_foreach(json_object_get(queue, "dispositions"), i, d) {
		hk = views_text(d, "hotkey", num, sizeof num);
		if (hk[0] == key && hk[1] == '\0')
			return d;
	}
	return NULL;
}

/*
 * Breaks text into lines of at most width columns at blanks (a word too
 * long is cut), keeping its own line breaks; each line goes to add.
 */
void
agent_wrap(const char *text, int width, void (*add)(void *, const char *),
    void *arg)
{
	const char	*p = text, *end, *brk;
	char		*line;
	size_t		 n;

	if (text == NULL)
		return;
	while (*p != '\0') {
		end = strchr(p, '\n');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (text_width_n(p, n) > width) {
			n = text_prefix(p, width);
			for (brk = p + n; brk > p && *brk != ' '; brk--)
				;
			if (brk > p && p[n] != ' ')
				n = (size_t)(brk - p);
			if (n == 0)
				n = 1;
			end = NULL;
		}
		line = xstrndup(p, n);
		add(arg, line);
		free(line);
		p += n;
		if (end != NULL && *p == '\n')
			p++;
		else {
			while (*p == ' ')
				p++;
		}
	}
}

static struct agent *
agent_of(struct view *v)
{
	return v->data;
}

static const char *
agent_state(struct agent *g)
{
	const char	*s = json_string_value(json_object_get(g->me, "state"));

	return s != NULL ? s : "offline";
}

/*
 * How soukd last saw my call, when it is more than started (click to
 * call: ringing, in_progress, ended, failed), or NULL.
 */
static const char *
agent_call_status(struct agent *g)
{
	const json_t	*c;
	const char	*st;
	char		 num[32];
	size_t		 i;

	json_array_foreach(json_object_get(json_object_get(g->lead, "history"),
	    "calls"), i, c) {
		if (strcmp(views_text(c, "id", num, sizeof num), g->call_id) != 0)
			continue;
		st = json_string_value(json_object_get(c, "status"));
		return st != NULL && strcmp(st, "started") != 0 ? st : NULL;
	}
	return NULL;
}

/*
 * The status line: my state and for how long, the call's timer, today's
 * counts ("on_call 02:10  call 01:05  today calls 3 connects 2 conv 0
 * talk 04:12"), short enough for 80 columns.
 */
static void
agent_status(struct view *v)
{
	struct agent	*g = agent_of(v);
	const json_t	*today = json_object_get(g->me, "today");
	const char	*reason = json_string_value(json_object_get(g->me,
			    "reason"));
	char		 in[32], call[48], talk[32], n1[16], n2[16], n3[16];
	time_t		 now = time(NULL);

	agent_duration(g->since != 0 ? (long)(now - g->since) : 0, in,
	    sizeof in);
	call[0] = '\0';
	if (g->call_id != NULL) {
		agent_duration((long)((g->call_end != 0 ? g->call_end : now) -
		    g->call_start), talk, sizeof talk);
		snprintf(call, sizeof call, "  call %s%s%s", talk,
		    g->call_end != 0 || agent_call_status(g) != NULL ? " " : "",
		    g->call_end != 0 ? "ended" : agent_call_status(g) != NULL ?
		    agent_call_status(g) : "");
	}
	agent_duration((long)json_integer_value(json_object_get(today,
	    "talk_seconds")), talk, sizeof talk);
	free(v->summary);
	v->summary = xasprintf("%s%s%s %s%s  today calls %s connects %s "
	    "conv %s talk %s", agent_state(g), reason != NULL ? " " : "",
	    reason != NULL ? reason : "", in, call,
	    views_text(today, "calls", n1, sizeof n1)[0] != '\0' ? n1 : "0",
	    views_text(today, "connects", n2, sizeof n2)[0] != '\0' ? n2 : "0",
	    views_text(today, "conversions", n3, sizeof n3)[0] != '\0' ? n3 :
	    "0", talk);
}

static void
agent_tick(struct view *v)
{
	agent_status(v);
}

/* --- the screen ----------------------------------------------------------- */

struct agent_add {
	struct form	*form;
	const char	*name;
	const char	*label;
	bool		 first;
};

static void
agent_add_line(void *arg, const char *line)
{
	struct agent_add	*ad = arg;

	/* A blank line of a script stays blank (an empty value shows -). */
	form_add(ad->form, ad->name, ad->first ? ad->label : "", *line !=
	    '\0' ? line : " ", 0);
	ad->first = false;
}

static void
agent_lines(struct form *f, const char *name, const char *label,
    const char *text)
{
	struct agent_add	ad = { f, name, label, true };

	agent_wrap(text, AGENT_WRAP, agent_add_line, &ad);
}

char *
agent_history_line(const json_t *e)
{
	const json_t	*data = json_object_get(e, "data");
	const char	*type = views_text(e, "type", NULL, 0);
	const char	*actor = views_text(e, "actor_name", NULL, 0);
	const char	*text, *what, *at;
	char		 when[32], back[32];

	views_time(json_string_value(json_object_get(e, "created_at")), false,
	    when, sizeof when);
	if (strcmp(type, "held") == 0)
		return NULL;
	if (strcmp(type, "call") == 0) {
		what = json_string_value(json_object_get(data, "mode"));
		return xasprintf("%s  called%s%s%s  %s", when, what != NULL ?
		    " (" : "", what != NULL ? what : "", what != NULL ? ")" :
		    "", actor);
	}
	if (strcmp(type, "disposition") == 0) {
		what = json_string_value(json_object_get(data, "label"));
		if (what == NULL)
			what = views_text(data, "code", NULL, 0);
		at = json_string_value(json_object_get(data, "callback_at"));
		views_time(at, false, back, sizeof back);
		text = json_string_value(json_object_get(data, "notes"));
		if (text != NULL && *text == '\0')
			text = NULL;
		return xasprintf("%s  %s  %s%s%s%s%s", when, what, actor,
		    at != NULL ? ", call back " : "", at != NULL ? back : "",
		    text != NULL ? ": " : "", text != NULL ? text : "");
	}
	text = json_string_value(json_object_get(data, "text"));
	what = json_string_value(json_object_get(e, "to_status"));
	return xasprintf("%s  %s%s%s  %s%s%s", when, type, what != NULL ?
	    " " : "", what != NULL ? what : "", actor, text != NULL ? ": " :
	    "", text != NULL ? text : "");
}

static void
agent_fill_lead(struct view *v, struct form *f)
{
	struct agent	*g = agent_of(v);
	const json_t	*lead = g->lead, *e;
	char		 num[32], *text, *tags, when[32];
	const char	*alt, *tz, *lang;
	size_t		 i, n = 0;

	text = xasprintf("%s  (lead %s)", views_text(lead, "name", NULL, 0),
	    views_text(lead, "id", num, sizeof num));
	form_add(f, "name", "Lead", text, 0);
	free(text);
	alt = json_string_value(json_object_get(lead, "alt_phone"));
	text = xasprintf("%s%s%s", views_text(lead, "phone", NULL, 0),
	    alt != NULL ? "  alt " : "", alt != NULL ? alt : "");
	form_add(f, "phone", "Phone", text, 0);
	free(text);
	tz = json_string_value(json_object_get(lead, "timezone"));
	lang = json_string_value(json_object_get(lead, "language"));
	text = xasprintf("%s%s%s%s%s%s", views_text(lead, "local_time", NULL,
	    0), tz != NULL ? " (" : "", tz != NULL ? tz : "", tz != NULL ?
	    ")" : "", lang != NULL ? "  language " : "", lang != NULL ? lang :
	    "");
	form_add(f, "local_time", "Local time", text, 0);
	free(text);
	text = xasprintf("%s  status %s  attempts %s", views_text(lead,
	    "source", NULL, 0), views_text(lead, "status", NULL, 0),
	    views_text(lead, "attempts", num, sizeof num));
	form_add(f, "source", "Source", text, 0);
	free(text);
	tags = views_words_join(json_object_get(lead, "tags"), ", ");
	text = xasprintf("%s  score %s", *tags != '\0' ? tags : "-",
	    views_text(lead, "score", num, sizeof num));
	form_add(f, "tags", "Tags", text, 0);
	free(text);
	free(tags);
	if (json_string_value(json_object_get(lead, "interest")) != NULL)
		views_field(f, lead, "interest", "Interest");
	if (g->callback != NULL && json_is_object(g->callback)) {
		views_time(json_string_value(json_object_get(g->callback,
		    "due_at")), false, when, sizeof when);
		text = xasprintf("due %s  %s", when, views_text(g->callback,
		    "note", NULL, 0));
		form_add(f, "callback", "Callback", text, 0);
		free(text);
	}
	agent_lines(f, "script", "Script", g->script);
	/* What happened to it, newest first. */
	json_array_foreach(json_object_get(json_object_get(lead, "history"),
	    "events"), i, e) {
		if (n == AGENT_HISTORY)
			break;
		if ((text = agent_history_line(e)) == NULL)
			continue;
		form_add(f, "history", n++ == 0 ? "History" : "", text, 0);
		free(text);
	}
	if (n == 0)
		form_add(f, "history", "History", "first contact", 0);
}

/* "1 interested  2 not interested ..." over as many lines as it takes. */
static void
agent_fill_keys(struct view *v, struct form *f)
{
	struct agent	*g = agent_of(v);
	const json_t	*d;
	struct buf	 b;
	char		 num[32];
	size_t		 i;

	buf_init(&b, 0);
	json_array_foreach(json_object_get(g->queue, "dispositions"), i, d) {
		if (json_is_null(json_object_get(d, "hotkey")))
			continue;
		if (!buf_printf(&b, "%s%s %s", b.len > 0 ? "  " : "",
		    views_text(d, "hotkey", num, sizeof num), views_text(d,
		    "label", NULL, 0)))
			fatalx("agent_fill_keys");
	}
	if (b.len > 0)
		agent_lines(f, "dispositions", "Disposition", b.data);
	buf_free(&b);
	form_add(f, "keys", "Keys", g->lead == NULL ? "n next lead  p pause "
	    "or back" : g->call_id == NULL ? "c call  C ring me  1-9 "
	    "disposition  b callback  e note  d DNC" : "h hang up  1-9 "
	    "disposition  b callback  e note  d DNC", 0);
}

static void
agent_fill_callbacks(struct view *v, struct form *f)
{
	struct agent	*g = agent_of(v);
	const json_t	*c;
	char		 when[32], *text;
	size_t		 i, n = 0;

	json_array_foreach(json_object_get(g->callbacks, "data"), i, c) {
		if (n == 3)
			break;
		views_time(json_string_value(json_object_get(c, "due_at")),
		    false, when, sizeof when);
		text = xasprintf("%s  %s %s%s", when, views_text(c,
		    "lead_name", NULL, 0), views_text(c, "phone", NULL, 0),
		    json_is_true(json_object_get(c, "overdue")) ?
		    "  overdue" : "");
		form_add(f, "callbacks", n++ == 0 ? "My callbacks" : "", text,
		    0);
		free(text);
	}
}

static void
agent_fill(struct view *v)
{
	struct agent	*g = agent_of(v);
	struct form	*f = v->form;
	char		 num[32];

	form_clear(f);
	if (g->lead != NULL)
		agent_fill_lead(v, f);
	else {
		form_add(f, "lead", "Lead", g->asking ? "asking for the next "
		    "lead..." : "none: n asks for the next lead", 0);
		if (g->done != NULL)
			form_add(f, "done", "Done", g->done, 0);
	}
	agent_fill_callbacks(v, f);
	agent_fill_keys(v, f);
	/*
	 * Live: my calls' changes (click to call ringing, answered,
	 * failed), my callbacks falling due, and the lead's own changes.
	 */
	view_set_topics(v, g->lead != NULL ? xasprintf("user:me,lead:%s",
	    views_text(g->lead, "id", num, sizeof num)) : xstrdup("user:me"));
	free(v->title);
	v->title = xasprintf("agent %s", g->queue != NULL ?
	    views_text(g->queue, "name", NULL, 0) : g->want != NULL ? g->want :
	    "");
	agent_status(v);
	json_decref(v->json);
	v->json = json_pack("{s:O?, s:O?, s:O?}", "agent", g->me, "lead",
	    g->lead, "queue", g->queue);
}

/* --- loading -------------------------------------------------------------- */

static void
agent_refresh(struct view *v)
{
	struct agent	*g = agent_of(v);
	char		*path, num[32];

	view_request(v, TAG_ME, "GET", "/v1/me/agent", NULL);
	view_request(v, TAG_CALLBACKS, "GET", "/v1/callbacks?mine=1&limit=3",
	    NULL);
	if (g->lead != NULL) {
		path = views_path("/v1/leads", views_text(g->lead, "id", num,
		    sizeof num));
		view_request(v, TAG_LEAD, "GET", path, NULL);
		free(path);
	}
}

/*
 * The queues I may see (GET /v1/queues/{id} is the managers'): the
 * queue's dispositions come with the first lead it hands me.
 */
static void
agent_load(struct view *v)
{
	struct agent	*g = agent_of(v);

	g->resume = g->lead == NULL;
	view_request(v, TAG_QUEUES, "GET", "/v1/queues", NULL);
	agent_refresh(v);
}

/* The queue asked for among those I may see. */
static bool
agent_pick(struct view *v, const json_t *list)
{
	struct agent	*g = agent_of(v);
	const json_t	*q, *data = json_object_get(list, "data");
	const char	*want = g->queue_id != NULL ? g->queue_id : g->want;
	char		 num[32];
	size_t		 i;

	json_array_foreach(data, i, q) {
		if (want != NULL && strcasecmp(views_text(q, "name", NULL,
		    0), want) != 0 && strcmp(views_text(q, "id", num,
		    sizeof num), want) != 0)
			continue;
		free(g->queue_id);
		g->queue_id = xstrdup(views_text(q, "id", num, sizeof num));
		/* Its depths, keeping the dispositions a lead brought. */
		if (g->queue == NULL)
			g->queue = json_deep_copy(q);
		else
			json_object_update(g->queue, json_array_get(data, i));
		return true;
	}
	free(v->error);
	v->error = g->want != NULL ? xasprintf("there is no queue %s of "
	    "yours", g->want) : xstrdup("you work in no queue yet: a "
	    "supervisor adds you to one");
	app_message(v->app, MSG_ERROR, "%s", v->error);
	return false;
}

static void
agent_set_me(struct agent *g, json_t *me)
{
	const char	*was = json_string_value(json_object_get(g->me, "state"));
	const char	*now = json_string_value(json_object_get(me, "state"));
	time_t		 at;

	/* soukd's start of the state, else when I first saw it. */
	if (views_parse_time(json_string_value(json_object_get(me, "since")),
	    &at))
		g->since = at;
	else if (g->since == 0 || was == NULL || now == NULL ||
	    strcmp(was, now) != 0)
		g->since = time(NULL);
	json_decref(g->me);
	g->me = json_incref(me);
}

static void
agent_clear_lead(struct agent *g)
{
	json_decref(g->lead);
	g->lead = NULL;
	json_decref(g->callback);
	g->callback = NULL;
	free(g->script);
	g->script = NULL;
	free(g->call_id);
	g->call_id = NULL;
}

static void	agent_dispose(struct view *, const char *, const char *);
static void	agent_ask_next(struct view *);

/* The call soukd says I have open on the lead shown, as mine again. */
static void
agent_adopt_call(struct agent *g)
{
	const json_t	*call = json_object_get(g->me, "call_id");
	char		 num[32];

	if (g->lead == NULL || g->call_id != NULL || !json_is_integer(call) ||
	    !json_equal(json_object_get(g->me, "lead_id"),
	    json_object_get(g->lead, "id")))
		return;
	g->call_id = xstrdup(views_value(call, num, sizeof num));
	g->call_start = g->since != 0 ? g->since : time(NULL);
	g->call_end = 0;
}

/*
 * Back on the screen while soukd says I hold a lead of this queue (the
 * console was closed mid-call): the lead again, and its open call.
 */
static void
agent_resume(struct view *v)
{
	struct agent	*g = agent_of(v);
	const json_t	*lead = json_object_get(g->me, "lead_id");
	char		 num[32];

	/* Once, when the screen opens: later answers may be stale. */
	if (!g->resume || g->queue_id == NULL || g->me == NULL)
		return;
	g->resume = false;
	if (!json_is_integer(lead) || strcmp(views_text(g->me, "queue_id",
	    num, sizeof num), g->queue_id) != 0)
		return;
	if (g->lead == NULL) {
		if (!g->asking)
			agent_ask_next(v);
		return;
	}
	agent_adopt_call(g);
}

/* The label of the queue's disposition code ("Call back"), or code. */
static const char *
agent_label(const json_t *queue, const char *code)
{
	const json_t	*d;
	size_t		 i;

	json_array_foreach(json_object_get(queue, "dispositions"), i, d) {
		if (strcmp(views_text(d, "code", NULL, 0), code) == 0 &&
		    json_string_value(json_object_get(d, "label")) != NULL)
			return json_string_value(json_object_get(d, "label"));
	}
	return code;
}

/* Says what soukd refused, next to the field it names when there is one. */
static void
agent_refused(struct view *v, struct request *r, const char *what)
{
	app_message(v->app, MSG_ERROR, "%s: %s", what, r->resp.message != NULL ?
	    r->resp.message : "failed");
}

static void
agent_result(struct view *v, struct request *r)
{
	struct agent	*g = agent_of(v);
	json_t		*o = r->resp.json;
	char		 num[32];
	const char	*name;

	if (r->resp.status != CLIENT_OK) {
		switch (r->tag) {
		case TAG_QUEUES:
		case TAG_ME:
			view_fail(v, &r->resp);
			return;
		case TAG_NEXT:
			g->asking = false;
			agent_refused(v, r, "next lead");
			break;
		case TAG_CALL:
			free(g->dispo);
			g->dispo = NULL;
			agent_refused(v, r, "call");
			break;
		case TAG_DISPO:
			agent_refused(v, r, "disposition");
			break;
		case TAG_END:
			agent_refused(v, r, "hang up");
			break;
		case TAG_NOTE:
			agent_refused(v, r, "note");
			break;
		case TAG_CALLBACK:
			agent_refused(v, r, "callback");
			break;
		case TAG_DNC:
			agent_refused(v, r, "do not call");
			break;
		case TAG_STATE:
			agent_refused(v, r, "state");
			break;
		default:
			break;
		}
		goto out;
	}
	switch (r->tag) {
	case TAG_QUEUES:
		if (!agent_pick(v, o)) {
			v->loading = v->inflight > 0;
			return;
		}
		agent_resume(v);
		break;
	case TAG_ME:
		agent_set_me(g, o);
		agent_resume(v);
		break;
	case TAG_CALLBACKS:
		json_decref(g->callbacks);
		g->callbacks = json_incref(o);
		break;
	case TAG_LEAD:
		/* Keeps the script and callback the next lead came with. */
		if (g->lead != NULL && json_equal(json_object_get(g->lead, "id"),
		    json_object_get(o, "id"))) {
			json_decref(g->lead);
			g->lead = json_incref(o);
		}
		break;
	case TAG_NEXT:
		g->asking = false;
		if (json_object_get(o, "id") == NULL) {
			app_message(v->app, MSG_INFO, "nothing is due in %s now",
			    views_text(g->queue, "name", NULL, 0));
			break;
		}
		agent_clear_lead(g);
		free(g->done);
		g->done = NULL;
		g->lead = json_incref(o);
		g->script = xstrdup(views_text(o, "script", NULL, 0));
		g->callback = json_incref(json_object_get(o, "callback"));
		if (json_is_null(g->callback)) {
			json_decref(g->callback);
			g->callback = NULL;
		}
		if (json_is_object(json_object_get(o, "queue")) &&
		    json_object_get(json_object_get(o, "queue"),
		    "dispositions") != NULL) {
			json_decref(g->queue);
			g->queue = json_incref(json_object_get(o, "queue"));
		}
		agent_adopt_call(g);
		if (g->call_id != NULL)
			app_message(v->app, MSG_INFO, "%s %s: call %s is still "
			    "on: 1-9 disposes of it", views_text(o, "name",
			    NULL, 0), views_text(o, "phone", NULL, 0),
			    g->call_id);
		else
			app_message(v->app, MSG_INFO, "%s %s: c records the "
			    "call", views_text(o, "name", NULL, 0),
			    views_text(o, "phone", NULL, 0));
		break;
	case TAG_CALL:
		free(g->call_id);
		g->call_id = xstrdup(views_text(o, "id", num, sizeof num));
		g->call_start = time(NULL);
		g->call_end = 0;
		if (g->dispo != NULL) {
			/* Its disposition's answer refreshes the screen. */
			agent_dispose(v, g->dispo, g->dispo_at);
			free(g->dispo);
			g->dispo = NULL;
			free(g->dispo_at);
			g->dispo_at = NULL;
			goto out;
		}
		app_message(v->app, MSG_INFO, "call %s started: 1-9 disposes "
		    "of it, h hangs up", g->call_id);
		break;
	case TAG_END:
		g->call_end = time(NULL);
		app_message(v->app, MSG_INFO, "call ended: 1-9 disposes of it");
		break;
	case TAG_DISPO: {
		json_t		*b = json_loads(r->body, 0, NULL);
		const char	*at = json_string_value(json_object_get(b,
				    "callback_at"));
		char		 when[32];

		name = g->lead != NULL ? views_text(g->lead, "name", NULL, 0) :
		    "the lead";
		views_time(at, false, when, sizeof when);
		free(g->done);
		g->done = xasprintf("%s: %s%s%s", name, agent_label(g->queue,
		    views_text(b, "code", NULL, 0)), at != NULL ? ", due " : "",
		    at != NULL ? when : "");
		json_decref(b);
		agent_clear_lead(g);
		app_message(v->app, MSG_INFO, "%s; n for the next lead",
		    g->done);
		break;
	}
	case TAG_NOTE:
		app_message(v->app, MSG_INFO, "note written");
		break;
	case TAG_CALLBACK:
		app_message(v->app, MSG_INFO, "callback scheduled");
		break;
	case TAG_DNC:
		free(g->done);
		g->done = xasprintf("%s is on the do-not-call list",
		    views_text(o, "phone", NULL, 0));
		agent_clear_lead(g);
		app_message(v->app, MSG_INFO, "%s; n for the next lead",
		    g->done);
		break;
	case TAG_STATE:
		agent_set_me(g, o);
		app_message(v->app, MSG_INFO, "you are %s", agent_state(g));
		break;
	default:
		break;
	}
	/* After a change, what it changed: my state, counts, history. */
	if (r->tag >= TAG_NEXT && r->tag != TAG_STATE && r->tag != TAG_CALL)
		agent_refresh(v);
	else if (r->tag == TAG_CALL && g->call_id != NULL)
		agent_refresh(v);
out:
	agent_fill(v);
	if (v->inflight == 0)
		view_done(v);
}

static void
agent_free(struct view *v)
{
	struct agent	*g = agent_of(v);

	if (g == NULL)
		return;
	agent_clear_lead(g);
	free(g->want);
	free(g->queue_id);
	json_decref(g->queue);
	json_decref(g->me);
	json_decref(g->callbacks);
	free(g->done);
	free(g->dispo);
	free(g->dispo_at);
	free(g);
}

static const struct view_ops agent_ops = {
	"agent", SCOPE_AGENT, WIDGET_FORM, NULL, NULL, agent_load,
	agent_result, NULL, agent_free, 0, NULL,
};

struct view *
agent_view(struct app *a, const char *queue)
{
	struct view	*v = view_new(a, &agent_ops, "agent", NULL, 0);
	struct agent	*g = xcalloc(1, sizeof *g);

	g->want = queue != NULL ? xstrdup(queue) : NULL;
	v->data = g;
	v->tick = agent_tick;
	return v;
}

/* --- keys ----------------------------------------------------------------- */

/* The agent view, or NULL after saying why a key needs a lead. */
static struct agent *
agent_with_lead(struct app *a, struct view *v)
{
	struct agent	*g = agent_of(v);

	if (g->lead == NULL) {
		app_message(a, MSG_ERROR, "no lead: n asks for the next one");
		return NULL;
	}
	return g;
}

static char *
agent_lead_path(struct agent *g, const char *what)
{
	char	num[32];

	return xasprintf("/v1/leads/%s/%s", views_text(g->lead, "id", num,
	    sizeof num), what);
}

void
agent_key_next(struct app *a, struct view *v, int key)
{
	struct agent	*g = agent_of(v);

	(void)key;
	if (g->queue_id == NULL) {
		app_message(a, MSG_ERROR, "no queue yet");
		return;
	}
	if (g->lead != NULL && g->call_id != NULL) {
		app_message(a, MSG_ERROR, "call %s has no disposition yet: "
		    "1-9 gives it one", g->call_id);
		return;
	}
	agent_ask_next(v);
	agent_fill(v);
}

static void
agent_ask_next(struct view *v)
{
	struct agent	*g = agent_of(v);
	char		*path;

	g->asking = true;
	path = xasprintf("/v1/queues/%s/next", g->queue_id);
	view_request(v, TAG_NEXT, "POST", path, "{}");
	free(path);
}

static void
agent_call(struct view *v, const char *mode)
{
	struct agent	*g = agent_of(v);
	json_t		*b;
	char		*body;

	b = json_pack("{s:O, s:s}", "lead_id", json_object_get(g->lead, "id"),
	    "mode", mode);
	if (g->queue_id != NULL)
		json_object_set_new(b, "queue_id", json_integer(strtoll(
		    g->queue_id, NULL, 10)));
	body = json_dumps(b, JSON_COMPACT);
	view_request(v, TAG_CALL, "POST", "/v1/calls", body);
	free(body);
	json_decref(b);
}

static void
agent_key_call_mode(struct app *a, struct view *v, const char *mode)
{
	struct agent	*g;

	if ((g = agent_with_lead(a, v)) == NULL)
		return;
	if (g->call_id != NULL) {
		app_message(a, MSG_ERROR, "call %s is in progress", g->call_id);
		return;
	}
	agent_call(v, mode);
	app_message(a, MSG_INFO, "calling %s...", views_text(g->lead, "phone",
	    NULL, 0));
}

void
agent_key_call(struct app *a, struct view *v, int key)
{
	(void)key;
	agent_key_call_mode(a, v, "manual");
}

void
agent_key_ring(struct app *a, struct view *v, int key)
{
	(void)key;
	agent_key_call_mode(a, v, "click_to_call");
}

void
agent_key_hangup(struct app *a, struct view *v, int key)
{
	struct agent	*g = agent_of(v);
	char		*path;

	(void)key;
	if (g->call_id == NULL || g->call_end != 0) {
		app_message(a, MSG_ERROR, "no call in progress");
		return;
	}
	path = xasprintf("/v1/calls/%s/end", g->call_id);
	view_request(v, TAG_END, "POST", path, "{}");
	free(path);
}

/* Sends disposition code (callback_at: NULL or RFC 3339) for the call. */
static void
agent_dispose(struct view *v, const char *code, const char *at)
{
	struct agent	*g = agent_of(v);
	json_t		*b = json_pack("{s:s}", "code", code);
	char		*body, *path;

	if (at != NULL) {
		json_object_set_new(b, "callback_at", json_string(at));
		json_object_set_new(b, "callback_for", json_string("me"));
	}
	body = json_dumps(b, JSON_COMPACT);
	path = xasprintf("/v1/calls/%s/disposition", g->call_id);
	view_request(v, TAG_DISPO, "POST", path, body);
	free(path);
	free(body);
	json_decref(b);
}

/* The disposition for the call, recording one first when there is none. */
static void
agent_dispose_call(struct view *v, const char *code, const char *at)
{
	struct agent	*g = agent_of(v);

	if (g->call_id != NULL) {
		agent_dispose(v, code, at);
		return;
	}
	free(g->dispo);
	g->dispo = xstrdup(code);
	free(g->dispo_at);
	g->dispo_at = at != NULL ? xstrdup(at) : NULL;
	agent_call(v, "manual");
}

static char *agent_asked_code;	/* the callback disposition being asked */

static void
agent_dispo_when(struct view *v, const char *line)
{
	char	 at[32], *cause = NULL;

	if (agent_asked_code == NULL)
		return;
	if (!agent_when(line, time(NULL), at, sizeof at, &cause)) {
		app_message(v->app, MSG_ERROR, "%s", cause);
		free(cause);
	} else
		agent_dispose_call(v, agent_asked_code, at);
	free(agent_asked_code);
	agent_asked_code = NULL;
}

void
agent_key_disposition(struct app *a, struct view *v, int key)
{
	struct agent	*g;
	const json_t	*d;
	const char	*code;
	char		*q;

	if ((g = agent_with_lead(a, v)) == NULL)
		return;
	if ((d = agent_disposition(g->queue, key)) == NULL) {
		app_message(a, MSG_ERROR, "%c is no disposition of %s", key,
		    views_text(g->queue, "name", NULL, 0));
		return;
	}
	code = views_text(d, "code", NULL, 0);
	if (json_is_true(json_object_get(d, "callback"))) {
		free(agent_asked_code);
		agent_asked_code = xstrdup(code);
		q = xasprintf("%s: call back when (tomorrow 11am, +2h)?",
		    views_text(d, "label", NULL, 0));
		app_ask(a, v, q, NULL, agent_dispo_when);
		free(q);
		return;
	}
	agent_dispose_call(v, code, NULL);
}

static void
agent_callback_when(struct view *v, const char *line)
{
	struct agent	*g = agent_of(v);
	char		 at[32], *cause = NULL, *body, *path;
	json_t		*b;

	if (g->lead == NULL)
		return;
	if (!agent_when(line, time(NULL), at, sizeof at, &cause)) {
		app_message(v->app, MSG_ERROR, "%s", cause);
		free(cause);
		return;
	}
	b = json_pack("{s:s, s:s}", "due_at", at, "for", "me");
	body = json_dumps(b, JSON_COMPACT);
	path = agent_lead_path(g, "callback");
	view_request(v, TAG_CALLBACK, "POST", path, body);
	free(path);
	free(body);
	json_decref(b);
}

void
agent_key_callback(struct app *a, struct view *v, int key)
{
	(void)key;
	if (agent_with_lead(a, v) == NULL)
		return;
	app_ask(a, v, "Call back when (tomorrow 11am, +2h)?", NULL,
	    agent_callback_when);
}

static void
agent_note_text(struct view *v, const char *line)
{
	struct agent	*g = agent_of(v);
	json_t		*b;
	char		*body, *path;

	if (g->lead == NULL || *line == '\0')
		return;
	b = json_pack("{s:s}", "text", line);
	body = json_dumps(b, JSON_COMPACT);
	path = agent_lead_path(g, "notes");
	view_request(v, TAG_NOTE, "POST", path, body);
	free(path);
	free(body);
	json_decref(b);
}

void
agent_key_note(struct app *a, struct view *v, int key)
{
	(void)key;
	if (agent_with_lead(a, v) == NULL)
		return;
	app_ask(a, v, "Note:", NULL, agent_note_text);
}

static void
agent_dnc_yes(struct view *v)
{
	struct agent	*g = agent_of(v);
	json_t		*b;
	char		*body;

	if (g->lead == NULL)
		return;
	b = json_pack("{s:s, s:s}", "phone", views_text(g->lead, "phone", NULL,
	    0), "reason", "asked not to be called");
	body = json_dumps(b, JSON_COMPACT);
	view_request(v, TAG_DNC, "POST", "/v1/dnc", body);
	free(body);
	json_decref(b);
}

void
agent_key_dnc(struct app *a, struct view *v, int key)
{
	struct agent	*g;
	char		*q;

	(void)key;
	if ((g = agent_with_lead(a, v)) == NULL)
		return;
	q = xasprintf("Never call %s (%s) again?", views_text(g->lead, "phone",
	    NULL, 0), views_text(g->lead, "name", NULL, 0));
	app_confirm_view(a, v, q, agent_dnc_yes);
	free(q);
}

static void
agent_put_state(struct view *v, const char *state, const char *reason)
{
	json_t	*b = json_pack("{s:s}", "state", state);
	char	*body;

	if (reason != NULL)
		json_object_set_new(b, "reason", json_string(reason));
	body = json_dumps(b, JSON_COMPACT);
	view_request(v, TAG_STATE, "PUT", "/v1/me/agent", body);
	free(body);
	json_decref(b);
}

static void
agent_pause_reason(struct view *v, const char *line)
{
	size_t	i;

	for (i = 0; pause_reasons[i] != NULL; i++) {
		if (strcasecmp(line, pause_reasons[i]) == 0 || (*line != '\0' &&
		    strncasecmp(line, pause_reasons[i], strlen(line)) == 0))
			break;
	}
	if (pause_reasons[i] == NULL) {
		app_message(v->app, MSG_ERROR, "a pause is for a break, lunch, "
		    "meeting, training or other");
		return;
	}
	agent_put_state(v, "paused", pause_reasons[i]);
}

void
agent_key_pause(struct app *a, struct view *v, int key)
{
	struct agent	*g = agent_of(v);

	(void)key;
	if (strcmp(agent_state(g), "paused") == 0 ||
	    strcmp(agent_state(g), "offline") == 0) {
		agent_put_state(v, "available", NULL);
		return;
	}
	app_ask(a, v, "Pause for (break, lunch, meeting, training, other)?",
	    NULL, agent_pause_reason);
}
