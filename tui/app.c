#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "app.h"
#include "buf.h"
#include "cmd.h"
#include "fetch.h"
#include "form.h"
#include "keymap.h"
#include "keys.h"
#include "log.h"
#include "prompt.h"
#include "screen.h"
#include "script.h"
#include "session.h"
#include "stream.h"
#include "table.h"
#include "text.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

#define APP_WORKERS	2	/* requests in flight at once */
#define APP_PROBE_MS	10000	/* health check while connected */
#define APP_RETRY_MIN	500	/* first retry after a lost connection */
#define APP_RETRY_MAX	4000
#define APP_WAIT_MS	30000	/* longest a script waits */
#define APP_SETTLE_MS	15000	/* longest it waits for the stream */
#define APP_TICK_MS	1000	/* longest the loop sleeps */
#define APP_MIN_LINES	5
#define APP_MIN_COLS	20

enum { TAG_PROBE = 1, TAG_LOGOUT };

enum app_conn { CONN_UNKNOWN, CONN_UP, CONN_DOWN };

struct app {
	struct app_opts		 o;
	char			*url;
	char			*script_path;
	char			*history;
	bool			 batch;
	struct fetch		*fetch;
	struct view		**stack;
	size_t			  nviews;
	unsigned		  serial;
	bool			  quit;
	int			  status;

	struct session		 *session;
	struct stream		 *stream;
	char			 *creds_path;
	unsigned		  session_gen;
	char			 *who;		/* "Name (role)"; NULL: signed out */
	char			 *start;	/* the first view's command */
	char			 *signin_why;	/* show the sign-in screen */
	enum stream_state	  stream_state;
	int64_t			  user_id;
	uint64_t		  unsettled_since;
	unsigned long		  events_taken;	/* from the stream */
	unsigned long		  events_at_save; /* at the last dump */
	long			  wait_events;
	unsigned long		  wait_events_from; /* counted from */
	enum app_conn		  conn;
	char			 *health;	/* "ready", "not ready" */
	bool			  health_ok;
	long			  latency;	/* ms; -1: none yet */
	bool			  probing;
	uint64_t		  probe_at;
	long			  retry;

	bool			  paused;
	uint64_t		  refresh_at;
	uint64_t		  tick_at;	/* the visible view's clock */

	char			 *msg;
	enum msg_level		  msg_level;
	char			 *question;
	void			(*yes)(struct app *);
	unsigned		  question_view;	/* for yes_view */
	void			(*yes_view)(struct view *);
	void			(*ask_done)(struct view *, const char *);

	unsigned		  prompt_view;	/* whose filter or field */
	char			 *filter_was;
	long			  editing;	/* form field; -1 none */
	bool			  dirty;

	struct script		 *script;
	size_t			  step;
	uint64_t		  sleep_until;
	enum script_op		  waiting;
	bool			  is_waiting;
	uint64_t		  wait_until;
	const char		 *wait_file;
	int			  wait_line;
	char			 *script_error;
};

static volatile sig_atomic_t app_sigint, app_sigterm;

static uint64_t
app_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct app *
app_new(const struct app_opts *o, bool batch)
{
	struct app	*a = xcalloc(1, sizeof *a);

	a->o = *o;
	a->url = xstrdup(o->url);
	a->o.url = a->url;
	if (o->script != NULL)
		a->o.script = a->script_path = xstrdup(o->script);
	if (o->history != NULL)
		a->o.history = a->history = xstrdup(o->history);
	if (o->credentials != NULL)
		a->o.credentials = a->creds_path = xstrdup(o->credentials);
	a->batch = batch;
	a->latency = -1;
	a->editing = -1;
	a->health = xstrdup("connecting");
	return a;
}

void
app_free(struct app *a)
{
	if (a == NULL)
		return;
	while (a->nviews > 0)
		view_free(a->stack[--a->nviews]);
	free(a->stack);
	stream_free(a->stream);
	fetch_free(a->fetch);
	session_free(a->session);
	script_free(a->script);
	free(a->script_error);
	free(a->health);
	free(a->who);
	free(a->start);
	free(a->signin_why);
	free(a->creds_path);
	free(a->msg);
	free(a->question);
	free(a->filter_was);
	free(a->url);
	free(a->script_path);
	free(a->history);
	free(a);
}

bool
app_batch(const struct app *a)
{
	return a->batch;
}

const char *
app_url(const struct app *a)
{
	return a->url;
}

unsigned
app_serial(struct app *a)
{
	if (++a->serial == 0)
		a->serial = 1;
	return a->serial;
}

struct view *
app_top(const struct app *a)
{
	return a->nviews > 0 ? a->stack[a->nviews - 1] : NULL;
}

struct view *
app_find(const struct app *a, unsigned serial)
{
	size_t	i;

	for (i = 0; i < a->nviews; i++) {
		if (a->stack[i]->serial == serial)
			return a->stack[i];
	}
	return NULL;
}

void
app_message(struct app *a, enum msg_level level, const char *fmt, ...)
{
	va_list	ap;
	char	*m;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) == -1)
		fatalx("app_message: vasprintf");
	va_end(ap);
	free(a->msg);
	a->msg = m;
	a->msg_level = level;
	a->dirty = true;
}

static void
app_clear_message(struct app *a)
{
	free(a->msg);
	a->msg = NULL;
}

void
app_confirm(struct app *a, const char *question, void (*yes)(struct app *))
{
	free(a->question);
	a->question = xstrdup(question);
	a->yes = yes;
	a->dirty = true;
}

void
app_confirm_view(struct app *a, struct view *v, const char *question,
    void (*yes)(struct view *))
{
	app_confirm(a, question, NULL);
	a->yes_view = yes;
	a->question_view = v->serial;
}

static void
app_ask_finished(void *arg, const char *line)
{
	struct app	*a = arg;
	struct view	*v = app_find(a, a->prompt_view);
	void		(*done)(struct view *, const char *) = a->ask_done;

	a->ask_done = NULL;
	a->dirty = true;
	if (v == NULL || done == NULL)
		return;
	if (line == NULL) {
		app_message(a, MSG_INFO, "cancelled");
		return;
	}
	done(v, line);
}

void
app_ask(struct app *a, struct view *v, const char *question,
    const char *initial, void (*done)(struct view *, const char *))
{
	if (a->batch)
		return;
	a->prompt_view = v->serial;
	a->ask_done = done;
	prompt_begin(PROMPT_ASK, question, initial, NULL, app_ask_finished,
	    a);
}

void
app_submit(struct app *a, unsigned owner, unsigned gen, int tag,
    const char *method, const char *path, const char *body, int flags)
{
	fetch_submit(a->fetch, owner, gen, tag, method, path, body, flags);
}

void
app_push(struct app *a, struct view *v)
{
	a->stack = xreallocarray(a->stack, a->nviews + 1, sizeof *a->stack);
	a->stack[a->nviews++] = v;
	v->opened = true;
	a->dirty = true;
	a->refresh_at = app_now() + (uint64_t)a->o.refresh_ms;
	view_load(v);
}

void
app_pop(struct app *a)
{
	struct view	*top;

	if (a->nviews == 0)
		return;
	/* A filter or a field being edited belongs to the view going. */
	if (prompt_active() && prompt_kind() != PROMPT_COMMAND)
		prompt_cancel();
	view_free(a->stack[--a->nviews]);
	a->dirty = true;
	if ((top = app_top(a)) != NULL && (top->error != NULL ||
	    !top->loaded) && !top->loading)
		view_load(top);
}

void
app_quit(struct app *a)
{
	a->quit = true;
}

void
app_refresh(struct app *a)
{
	struct view	*v = app_top(a);

	if (v == NULL)
		return;
	if (v->ops->load == NULL) {
		app_message(a, MSG_INFO, "%s has nothing to reload",
		    v->ops->name);
		return;
	}
	view_load(v);
	a->refresh_at = app_now() + (uint64_t)a->o.refresh_ms;
	a->dirty = true;
}

/* "5s", "1m30s", "250ms". */
static void
app_duration(char *buf, size_t len, long ms)
{
	if (ms % 1000 != 0)
		snprintf(buf, len, "%ldms", ms);
	else if (ms >= 3600000 && ms % 3600000 == 0)
		snprintf(buf, len, "%ldh", ms / 3600000);
	else if (ms >= 60000 && ms % 60000 == 0)
		snprintf(buf, len, "%ldm", ms / 60000);
	else if (ms >= 60000)
		snprintf(buf, len, "%ldm%lds", ms / 60000, ms % 60000 / 1000);
	else
		snprintf(buf, len, "%lds", ms / 1000);
}

void
app_pause(struct app *a)
{
	char	every[32];

	if (a->o.refresh_ms <= 0) {
		app_message(a, MSG_INFO, "automatic refresh is off: set "
		    "refresh in the config file or give --refresh");
		return;
	}
	a->paused = !a->paused;
	app_duration(every, sizeof every, a->o.refresh_ms);
	if (a->paused)
		app_message(a, MSG_INFO, "automatic refresh paused; p resumes");
	else {
		a->refresh_at = app_now() + (uint64_t)a->o.refresh_ms;
		app_message(a, MSG_INFO, "automatic refresh every %s", every);
	}
}

/* Whether v shows topic; "user:me" in a view's topics is oneself. */
static bool
app_wants(struct app *a, struct view *v, const char *topic)
{
	char	mine[32];

	if (view_wants(v, topic))
		return true;
	snprintf(mine, sizeof mine, "user:%lld", (long long)a->user_id);
	return a->user_id != 0 && strcmp(topic, mine) == 0 &&
	    view_wants(v, "user:me");
}

/* Reloads v for an event, or after its load when one is in flight. */
static void
app_event_load(struct app *a, struct view *v)
{
	if (v->ops->flags & VIEW_MANUAL)
		return;
	if (prompt_active() && prompt_kind() == PROMPT_FIELD)
		return;		/* a field being edited keeps its view */
	if (v->loading)
		v->stale = true;
	else
		view_load(v);
	a->dirty = true;
}

void
app_event(struct app *a, const char *topic)
{
	struct view	*v = app_top(a);

	if (v == NULL || v->ops->load == NULL)
		return;
	if (strcmp(topic, STREAM_RESET) == 0) {
		/* The stream may have missed events: reload what watches. */
		if (view_topics(v) != NULL)
			app_event_load(a, v);
		return;
	}
	if (app_wants(a, v, topic))
		app_event_load(a, v);
}

void
app_clear_history(struct app *a)
{
	prompt_history_clear();
	app_message(a, MSG_INFO, "the command history is empty");
}

void
app_help_keys(struct app *a)
{
	struct view	*v = app_top(a);

	if (v != NULL && v->ops->scope == SCOPE_HELP)
		return;
	app_push(a, help_keys_view(a, v));
}

bool
app_command(struct app *a, const char *line, char **cause)
{
	struct cmd_args	args;
	bool		ok;

	if (!cmd_parse(line, &args, cause))
		return false;
	if (a->batch && (args.cmd->flags & CMD_SCREEN)) {
		*cause = xasprintf("%s works only in the full-screen console",
		    args.cmd->name);
		cmd_args_free(&args);
		return false;
	}
	ok = args.cmd->run(a, &args, cause);
	cmd_args_free(&args);
	a->dirty = true;
	return ok;
}

/* --- connection and answers ---------------------------------------------- */

static void
app_probe(struct app *a)
{
	a->probing = true;
	app_submit(a, 0, 0, TAG_PROBE, "GET", "/readyz", NULL, 0);
}

static void
app_disconnected(struct app *a)
{
	if (a->conn == CONN_DOWN)
		return;
	a->conn = CONN_DOWN;
	a->retry = APP_RETRY_MIN;
	a->probe_at = app_now() + (uint64_t)a->retry;
	a->dirty = true;
}

static void
app_connected(struct app *a)
{
	struct view	*v = app_top(a);
	bool		 was_down = a->conn == CONN_DOWN;

	a->conn = CONN_UP;
	a->dirty = true;
	if (!was_down)
		return;
	app_message(a, MSG_INFO, "reconnected to %s", a->url);
	/* The stream need not wait for its backoff either. */
	if (a->stream != NULL)
		stream_renew(a->stream);
	if (v != NULL && (v->error != NULL || !v->loaded) && !v->loading)
		view_load(v);
}

static void
app_probe_result(struct app *a, struct request *r)
{
	a->probing = false;
	if (r->resp.status == CLIENT_NETWORK) {
		if (a->conn == CONN_DOWN) {
			a->retry = a->retry * 2 > APP_RETRY_MAX ?
			    APP_RETRY_MAX : a->retry * 2;
			a->probe_at = app_now() + (uint64_t)a->retry;
		} else
			app_disconnected(a);
		return;
	}
	if (r->resp.status == CLIENT_CANCELLED)
		return;
	if (r->resp.http == 401) {
		/*
		 * A stale token, refused even here: ask again, at once when
		 * signed out (no token goes), else after a pause.
		 */
		a->probe_at = app_now() + (app_signed_in(a) ? APP_RETRY_MIN :
		    0);
		return;
	}
	free(a->health);
	a->health_ok = r->resp.status == CLIENT_OK;
	a->health = xstrdup(a->health_ok ? "ready" : "not ready");
	a->probe_at = app_now() + APP_PROBE_MS;
	app_connected(a);
}

/* --- signing in and out ----------------------------------------------------- */

struct session *
app_session(const struct app *a)
{
	return a->session;
}

bool
app_signed_in(struct app *a)
{
	return a->session != NULL && session_signed_in(a->session);
}

/*
 * Asks for the sign-in screen, saying why (shown at the next turn).  A
 * sign-in screen already up keeps its reason unless force.
 */
static void
app_need_signin_why(struct app *a, const char *why, bool force)
{
	struct view	*v = app_top(a);

	if (a->batch)
		return;
	if (!force && (a->signin_why != NULL || (v != NULL &&
	    v->ops->scope == SCOPE_LOGIN)))
		return;
	free(a->signin_why);
	a->signin_why = xstrdup(why != NULL ? why : "");
}

static void
app_need_signin(struct app *a, const char *why)
{
	app_need_signin_why(a, why, false);
}

/* What the console shows of the session, after it changed. */
static void
app_session_check(struct app *a)
{
	struct creds	 c;
	char		*lost, *why;
	unsigned	 gen;

	if (a->session == NULL ||
	    (gen = session_generation(a->session)) == a->session_gen)
		return;
	a->session_gen = gen;
	memset(&c, 0, sizeof c);
	session_snapshot(a->session, &c);
	free(a->who);
	a->who = creds_who(&c);
	a->user_id = creds_user_id(&c);
	creds_clear(&c);
	a->dirty = true;
	if (a->stream != NULL)
		stream_renew(a->stream);
	if ((lost = session_lost(a->session)) != NULL) {
		why = xasprintf("signed out: %s", lost);
		app_need_signin_why(a, why, true);
		free(why);
		free(lost);
	}
}

/* Drops every view (a sign-out: what they showed is not for the next). */
static void
app_clear_stack(struct app *a)
{
	if (prompt_active())
		prompt_cancel();
	free(a->question);
	a->question = NULL;
	while (a->nviews > 0)
		view_free(a->stack[--a->nviews]);
	a->dirty = true;
}

static void
app_show_signin(struct app *a)
{
	struct view	*v = app_top(a);
	char		*why = a->signin_why;

	a->signin_why = NULL;
	if (v != NULL && v->ops->scope == SCOPE_LOGIN) {
		login_say(v, why);
		free(why);
		return;
	}
	if (prompt_active())
		prompt_cancel();
	free(a->question);
	a->question = NULL;
	app_push(a, login_view(a, *why != '\0' ? why : NULL));
	free(why);
}

void
app_signin(struct app *a, const char *why)
{
	app_need_signin_why(a, why, true);
	if (!a->batch)
		app_show_signin(a);
}

void
app_signed_in_now(struct app *a)
{
	struct view	*v = app_top(a);
	char		*cause = NULL;

	app_session_check(a);
	if (a->batch)
		return;
	if (v != NULL && v->ops->scope == SCOPE_LOGIN)
		app_pop(a);
	app_message(a, MSG_INFO, "signed in as %s", a->who != NULL ? a->who :
	    "?");
	if (a->nviews == 0) {
		if (!app_command(a, a->start != NULL ? a->start : "regions",
		    &cause)) {
			app_message(a, MSG_ERROR, "%s", cause);
			free(cause);
		}
		if (a->nviews == 0)
			app_push(a, regions_view(a, NULL, NULL, NULL));
	} else if ((v = app_top(a)) != NULL && !v->loading)
		view_load(v);
}

void
app_logout(struct app *a)
{
	if (!app_signed_in(a)) {
		app_message(a, MSG_INFO, "not signed in to %s", a->url);
		if (!a->batch) {
			app_clear_stack(a);
			app_signin(a, NULL);
		}
		return;
	}
	app_submit(a, 0, 0, TAG_LOGOUT, "POST", "/v1/auth/logout", NULL, 0);
}

static void
app_logout_result(struct app *a, struct request *r)
{
	char	*msg;

	session_forget(a->session);
	app_session_check(a);
	if (r->resp.status == CLIENT_OK)
		msg = xasprintf("signed out of %s", a->url);
	else
		msg = xasprintf("signed out here; soukd did not hear of it "
		    "(%s)", r->resp.message);
	if (a->batch) {
		app_message(a, MSG_INFO, "%s", msg);
		free(msg);
		return;
	}
	app_clear_stack(a);
	app_signin(a, msg);
	free(msg);
}

/* The topics the stream follows: oneself, and what the view shows. */
static void
app_stream_topics(struct app *a)
{
	struct view	*v = app_top(a);
	struct buf	 b;
	const char	*p, *end;

	if (a->stream == NULL)
		return;
	if (a->user_id == 0) {
		stream_set(a->stream, NULL);
		return;
	}
	buf_init(&b, 0);
	if (!buf_printf(&b, "user:%lld", (long long)a->user_id))
		fatalx("app_stream_topics");
	if (v != NULL && view_topics(v) != NULL) {
		for (p = view_topics(v); *p != '\0'; p = *end == ',' ?
		    end + 1 : end) {
			if ((end = strchr(p, ',')) == NULL)
				end = p + strlen(p);
			if (end == p || ((size_t)(end - p) == 7 &&
			    strncmp(p, "user:me", 7) == 0))
				continue;
			if (!buf_printf(&b, ",%.*s", (int)(end - p), p))
				fatalx("app_stream_topics");
		}
	}
	stream_set(a->stream, b.data);
	buf_free(&b);
}

static void
app_stream_events(struct app *a)
{
	enum stream_state	 st;
	char			*topic;

	if (a->stream == NULL)
		return;
	while ((topic = stream_take(a->stream)) != NULL) {
		a->events_taken++;
		app_event(a, topic);
		free(topic);
	}
	if ((st = stream_state(a->stream)) != a->stream_state) {
		a->stream_state = st;
		a->dirty = true;
	}
}

static void
app_result(struct app *a, struct request *r)
{
	struct view	*v;
	bool		 answered;

	answered = r->resp.status != CLIENT_NETWORK &&
	    r->resp.status != CLIENT_CANCELLED;
	if (answered)
		a->latency = r->resp.latency_ms;
	a->dirty = true;
	if (r->owner == 0) {
		if (r->tag == TAG_LOGOUT)
			app_logout_result(a, r);
		else if (!a->batch)
			app_probe_result(a, r);
		return;
	}
	if (!a->batch) {
		if (r->resp.status == CLIENT_NETWORK)
			app_disconnected(a);
		else if (answered && a->conn != CONN_UP)
			app_connected(a);
	}
	if ((v = app_find(a, r->owner)) == NULL)
		return;		/* its view is gone */
	view_deliver(v, r);
	/* The view may have gone (a sign-in that succeeded, say). */
	if ((v = app_find(a, r->owner)) == NULL)
		return;
	if (v->stale && !v->loading) {
		v->stale = false;
		view_load(v);
	}
	if (a->batch)
		return;
	/* Not signed in (any more): the sign-in screen, over the views. */
	if (r->resp.status == CLIENT_PROBLEM && r->resp.http == 401 &&
	    v->ops->scope != SCOPE_LOGIN && !app_signed_in(a)) {
		app_need_signin(a, r->resp.message);
		return;
	}
	/* A view that could not even open goes away; its message stays. */
	if (v == app_top(a) && v->ops->load != NULL && v->error != NULL &&
	    !v->loaded && !v->loading && r->resp.status == CLIENT_PROBLEM &&
	    r->resp.http < 500 && r->resp.http != 401 && a->nviews > 1)
		app_pop(a);
}

static void
app_results(struct app *a)
{
	struct request	*r;
	size_t		 n = 0;

	while ((r = fetch_take(a->fetch)) != NULL) {
		app_result(a, r);
		request_free(r);
		n++;
	}
#ifdef __GLIBC__
	/*
	 * The parsed answers are gone: their pages go back to the system
	 * (about 2 MiB a console would otherwise keep once a few views
	 * have loaded).
	 */
	if (n > 0)
		malloc_trim(0);
#endif
}

/* --- drawing -------------------------------------------------------------- */

/* The breadcrumb of the stack's titles that fits in w columns. */
static char *
app_crumbs(const struct app *a, int w)
{
	const char	*sep = text_utf8() ? " \xe2\x80\xba " : " > ";
	const char	*ell = text_utf8() ? "\xe2\x80\xa6" : "...";
	struct buf	 b;
	size_t		 first, i;
	int		 width = 0, sw = text_width(sep);

	first = a->nviews;
	while (first > 0) {
		int tw = text_width(a->stack[first - 1]->title) +
		    (first < a->nviews ? sw : 0);

		if (first < a->nviews && width + tw + text_width(ell) + sw > w)
			break;
		width += tw;
		first--;
	}
	buf_init(&b, 0);
	if (first > 0 && !buf_printf(&b, "%s%s", ell, sep))
		fatalx("app_crumbs");
	for (i = first; i < a->nviews; i++) {
		if (!buf_printf(&b, "%s%s", i > first ? sep : "",
		    a->stack[i]->title))
			fatalx("app_crumbs");
	}
	return buf_take(&b, NULL);
}

static void
app_draw_title(struct app *a, struct view *v)
{
	struct buf	 right;
	char		*crumbs;
	const char	*f;
	size_t		 n;
	int		 rw;

	screen_fill(0, 0, COLS, STYLE_TITLE);
	buf_init(&right, 0);
	if (v != NULL && v->table != NULL) {
		if ((f = table_filter_text(v->table)) != NULL &&
		    !buf_printf(&right, "/%s  ", f))
			fatalx("app_draw_title");
		if ((n = table_nmarked(v->table)) > 0 &&
		    !buf_printf(&right, "%zu selected  ", n))
			fatalx("app_draw_title");
		n = table_nshown(v->table);
		if (!buf_printf(&right, "%zu/%zu ", n > 0 ?
		    table_cursor(v->table) + 1 : 0, n))
			fatalx("app_draw_title");
	}
	rw = text_width(right.data);
	if (rw > COLS / 2)
		rw = COLS / 2;
	if (v != NULL && v->loading) {
		screen_put(0, COLS - rw - 9, 9, text_utf8() ?
		    "loading\xe2\x80\xa6" : "loading..", STYLE_TITLE_BUSY,
		    TEXT_LEFT);
		rw += 9;
	} else if (v != NULL && v->error != NULL) {
		screen_put(0, COLS - rw - 7, 7, "failed", STYLE_TITLE_BUSY,
		    TEXT_LEFT);
		rw += 7;
	}
	screen_put(0, COLS - text_width(right.data), text_width(right.data),
	    right.data, STYLE_TITLE, TEXT_RIGHT);
	crumbs = app_crumbs(a, COLS - rw - 8);
	screen_put(0, 0, 6, " souk ", STYLE_TITLE, TEXT_LEFT);
	screen_put(0, 6, COLS - rw - 7, crumbs, STYLE_TITLE, TEXT_LEFT);
	free(crumbs);
	buf_free(&right);
}

static void
app_draw_status(struct app *a)
{
	const char	*user = a->who != NULL ? a->who : "";
	const char	*live = "";
	enum style	 badge;
	char		 lat[32], every[32], right[256], *health;
	int		 x, lx, w, y = LINES - 2;

	screen_fill(y, 0, COLS, STYLE_STATUS);
	if (prompt_matches() != NULL) {
		screen_put(y, 1, COLS - 1, prompt_matches(), STYLE_STATUS,
		    TEXT_LEFT);
		return;
	}
	switch (a->conn) {
	case CONN_DOWN:
		health = xstrdup(" disconnected, retrying ");
		badge = STYLE_STATUS_BAD;
		break;
	case CONN_UP:
		health = xasprintf(" %s ", a->health);
		badge = a->health_ok ? STYLE_STATUS_GOOD : STYLE_STATUS_BAD;
		break;
	default:
		health = xstrdup(" connecting ");
		badge = STYLE_STATUS;
		break;
	}
	w = text_width(health);
	screen_put(y, 0, w, health, badge, TEXT_LEFT);
	x = w;
	if (a->latency >= 0)
		snprintf(lat, sizeof lat, "%5ldms", a->latency);
	else
		snprintf(lat, sizeof lat, "%7s", "");
	lx = x;
	x += 9;
	if (a->o.refresh_ms <= 0)
		snprintf(every, sizeof every, "auto off");
	else if (a->paused)
		snprintf(every, sizeof every, "auto paused");
	else {
		snprintf(every, sizeof every, "auto ");
		app_duration(every + 5, sizeof every - 5, a->o.refresh_ms);
	}
	if (a->stream != NULL && *user != '\0')
		live = stream_state_name(a->stream_state);
	snprintf(right, sizeof right, "%s%s%s%s%s ", user, *user != '\0' ?
	    "  " : "", live, *live != '\0' ? "  " : "", every);
	w = text_width(right);
	if (w > COLS - x - 8) {
		/* Narrow: the user's name gives way first, then the stream. */
		snprintf(right, sizeof right, "%s%s%s ", live, *live != '\0' ?
		    "  " : "", every);
		w = text_width(right);
		if (w > COLS - x) {
			snprintf(right, sizeof right, "%s ", every);
			w = text_width(right);
		}
	}
	/* The round trip, unless what is on the right would cover it. */
	if (lx + 7 <= COLS - w)
		screen_put(y, lx, 7, lat, STYLE_STATUS, TEXT_LEFT);
	screen_put(y, x, COLS - x - w - 1, a->url, STYLE_STATUS, TEXT_LEFT);
	screen_put(y, COLS - w, w, right, a->stream_state == STREAM_LIVE ||
	    *live == '\0' ? STYLE_STATUS : STYLE_STATUS_BAD, TEXT_RIGHT);
	free(health);
}

static void
app_draw(struct app *a)
{
	struct view	*v = app_top(a);
	const char	*empty;
	int		 ey = -1, ex = 0, ew = 0, h, top = 1;
	bool		 field;

	a->dirty = false;
	if (!screen_active())
		return;
	curs_set(0);
	erase();
	if (LINES < APP_MIN_LINES || COLS < APP_MIN_COLS) {
		screen_put(0, 0, COLS, "souk: the terminal is too small",
		    STYLE_ERROR, TEXT_LEFT);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	app_draw_title(a, v);
	h = LINES - 3;
	field = prompt_active() && prompt_kind() == PROMPT_FIELD;
	if (v != NULL && v->summary != NULL && h > 2) {
		screen_fill(1, 0, COLS, STYLE_NORMAL);
		screen_put(1, 1, COLS - 1, v->summary, STYLE_LABEL, TEXT_LEFT);
		top = 2;
		h--;
	}
	if (v != NULL && v->table != NULL) {
		if (v->loading && table_nrows(v->table) == 0)
			empty = text_utf8() ? "loading\xe2\x80\xa6" :
			    "loading...";
		else if (v->error != NULL && table_nrows(v->table) == 0)
			empty = v->error;
		else if (table_nrows(v->table) > 0)
			empty = "no row matches the filter (Esc clears it)";
		else
			empty = v->ops->empty;
		table_draw(v->table, top, 0, h, COLS, empty);
	} else if (v != NULL && v->form != NULL) {
		if (form_nfields(v->form) == 0)
			screen_put(top, 1, COLS - 1, v->error != NULL ? v->error :
			    v->loading ? "loading..." : "", STYLE_DIM,
			    TEXT_LEFT);
		else
			form_draw(v->form, top, 0, h, COLS, field ?
			    a->editing : -1, &ey, &ex, &ew);
	}
	app_draw_status(a);
	if (prompt_active() && !field)
		prompt_draw(LINES - 1, 0, COLS, STYLE_NORMAL);
	else if (a->question != NULL) {
		char *q = xasprintf("%s [y/N] ", a->question);

		screen_put(LINES - 1, 0, COLS, q, STYLE_PROMPT, TEXT_LEFT);
		free(q);
	} else if (a->msg != NULL)
		screen_put(LINES - 1, 0, COLS, a->msg, a->msg_level ==
		    MSG_ERROR ? STYLE_ERROR : STYLE_MESSAGE, TEXT_LEFT);
	else
		screen_put(LINES - 1, 0, COLS, "? keys  : command  q back",
		    STYLE_DIM, TEXT_LEFT);
	if (field && ey >= 0)
		prompt_draw(ey, ex, ew, STYLE_INPUT);
	wnoutrefresh(stdscr);
	doupdate();
}

bool
app_save_display(struct app *a, const char *path, char **cause)
{
	app_draw(a);
	return screen_dump(path, cause);
}

/* --- keys ----------------------------------------------------------------- */

static void
app_prompt_done(void *arg, const char *line)
{
	struct app	*a = arg;
	char		*cause = NULL;

	a->dirty = true;
	if (line == NULL || line[strspn(line, " \t")] == '\0')
		return;
	if (!app_command(a, line, &cause)) {
		app_message(a, MSG_ERROR, "%s", cause);
		free(cause);
	}
}

void
app_command_line(struct app *a, const char *initial)
{
	if (!a->batch)
		prompt_begin(PROMPT_COMMAND, ":", initial, NULL,
		    app_prompt_done, a);
}

void
app_key_command(struct app *a, struct view *v, int key)
{
	(void)v;
	(void)key;
	app_command_line(a, NULL);
}

static void
app_filter_change(void *arg, const char *line)
{
	struct app	*a = arg;
	struct view	*v = app_find(a, a->prompt_view);

	if (v != NULL && v->table != NULL) {
		table_filter(v->table, line);
		table_home(v->table);
	}
	a->dirty = true;
}

static void
app_filter_done(void *arg, const char *line)
{
	struct app	*a = arg;
	struct view	*v = app_find(a, a->prompt_view);

	if (v != NULL && v->table != NULL)
		table_filter(v->table, line != NULL ? line : a->filter_was);
	free(a->filter_was);
	a->filter_was = NULL;
	a->dirty = true;
}

void
app_key_filter(struct app *a, struct view *v, int key)
{
	const char	*f;

	(void)key;
	if (v->table == NULL)
		return;
	f = table_filter_text(v->table);
	free(a->filter_was);
	a->filter_was = f != NULL ? xstrdup(f) : NULL;
	a->prompt_view = v->serial;
	prompt_begin(PROMPT_FILTER, "/", f, app_filter_change,
	    app_filter_done, a);
}

static void
app_field_done(void *arg, const char *line)
{
	struct app		*a = arg;
	struct view		*v = app_find(a, a->prompt_view);
	struct form_field	*f;

	a->dirty = true;
	if (v == NULL || v->form == NULL || line == NULL ||
	    (f = form_field(v->form, (size_t)a->editing)) == NULL) {
		a->editing = -1;
		return;
	}
	form_set(f, line);
	free(f->error);
	f->error = NULL;
	a->editing = -1;
	if (v->ops->edited != NULL)
		v->ops->edited(v, f);
	else
		form_move(v->form, 1);
}

void
app_edit_field(struct app *a, struct view *v, size_t i)
{
	struct form_field	*f;

	if (a->batch || v->form == NULL || (f = form_field(v->form, i)) ==
	    NULL || !(f->flags & FORM_EDIT))
		return;
	form_seek(v->form, i);
	a->editing = (long)i;
	a->prompt_view = v->serial;
	prompt_begin(PROMPT_FIELD, "", f->value, NULL, app_field_done, a);
	if (f->flags & FORM_SECRET)
		prompt_secret();
	if (f->flags & FORM_PATH)
		prompt_files();
	a->dirty = true;
}

void
app_key_form_enter(struct app *a, struct view *v, int key)
{
	struct form_field	*f;
	char			*cause = NULL, *link;

	(void)key;
	if (v->form == NULL ||
	    (f = form_field(v->form, form_cursor(v->form))) == NULL)
		return;
	if (f->flags & FORM_BUTTON) {
		if (v->ops->open != NULL)
			v->ops->open(v);
	} else if (f->flags & FORM_LINK) {
		link = xstrdup(f->link);
		if (!app_command(a, link, &cause)) {
			app_message(a, MSG_ERROR, "%s", cause);
			free(cause);
		}
		free(link);
	} else if (f->flags & FORM_EDIT)
		app_edit_field(a, v, form_cursor(v->form));
}

void
app_key_help(struct app *a, struct view *v, int key)
{
	(void)v;
	(void)key;
	app_help_keys(a);
}

void
app_key_refresh(struct app *a, struct view *v, int key)
{
	(void)v;
	(void)key;
	app_refresh(a);
}

void
app_key_pause(struct app *a, struct view *v, int key)
{
	(void)v;
	(void)key;
	app_pause(a);
}

void
app_key_back(struct app *a, struct view *v, int key)
{
	if (key == K_ESC && v->table != NULL &&
	    table_filter_text(v->table) != NULL) {
		table_filter(v->table, NULL);
		app_message(a, MSG_INFO, "filter cleared");
		return;
	}
	if (a->nviews > 1)
		app_pop(a);
	else if (key == 'q')
		app_quit(a);
	else
		app_message(a, MSG_INFO, "this is the first view; q quits");
}

void
app_key_redraw(struct app *a, struct view *v, int key)
{
	(void)v;
	(void)key;
	if (screen_active())
		clearok(curscr, TRUE);
	a->dirty = true;
}

static void
app_move(struct view *v, long delta)
{
	if (v->table != NULL)
		table_move(v->table, delta);
	else if (v->form != NULL)
		form_move(v->form, delta);
}

void
app_key_down(struct app *a, struct view *v, int key)
{
	(void)a;
	(void)key;
	app_move(v, 1);
}

void
app_key_up(struct app *a, struct view *v, int key)
{
	(void)a;
	(void)key;
	app_move(v, -1);
}

void
app_key_page_down(struct app *a, struct view *v, int key)
{
	(void)a;
	(void)key;
	app_move(v, v->table != NULL ? table_page(v->table) :
	    form_page(v->form));
}

void
app_key_page_up(struct app *a, struct view *v, int key)
{
	(void)a;
	(void)key;
	app_move(v, -(long)(v->table != NULL ? table_page(v->table) :
	    form_page(v->form)));
}

void
app_key_top(struct app *a, struct view *v, int key)
{
	(void)a;
	(void)key;
	if (v->table != NULL)
		table_home(v->table);
	else if (v->form != NULL)
		form_home(v->form);
}

void
app_key_bottom(struct app *a, struct view *v, int key)
{
	(void)a;
	(void)key;
	if (v->table != NULL)
		table_end(v->table);
	else if (v->form != NULL)
		form_end(v->form);
}

void
app_key_open(struct app *a, struct view *v, int key)
{
	(void)a;
	(void)key;
	if (v->ops->open != NULL && table_cursor_key(v->table) != NULL)
		v->ops->open(v);
}

void
app_key_mark(struct app *a, struct view *v, int key)
{
	(void)key;
	if (!table_mark(v->table))
		return;
	table_move(v->table, 1);
	app_message(a, MSG_INFO, "%zu selected; u unselects all",
	    table_nmarked(v->table));
}

void
app_key_unmark(struct app *a, struct view *v, int key)
{
	(void)key;
	table_unmark(v->table);
	app_message(a, MSG_INFO, "nothing selected");
}

void
app_key_sort(struct app *a, struct view *v, int key)
{
	size_t	col = (size_t)(key - '1');

	if (col >= table_ncols(v->table)) {
		app_message(a, MSG_ERROR, "this table has %zu columns",
		    table_ncols(v->table));
		return;
	}
	table_sort_toggle(v->table, col);
}

void
app_key_sort_prev(struct app *a, struct view *v, int key)
{
	(void)a;
	(void)key;
	table_sort_step(v->table, -1);
}

void
app_key_sort_next(struct app *a, struct view *v, int key)
{
	(void)a;
	(void)key;
	table_sort_step(v->table, 1);
}

void
app_key_sort_invert(struct app *a, struct view *v, int key)
{
	(void)a;
	(void)key;
	if (table_sort_col(v->table) >= table_ncols(v->table))
		table_sort(v->table, 0, true);
	else
		table_sort(v->table, table_sort_col(v->table),
		    !table_sort_desc(v->table));
}

static void
app_key(struct app *a, int key)
{
	const struct keybind	*kb;
	struct view		*v;
	enum scope		 scopes[4];
	char			 name[16];
	void			(*yes)(struct app *);
	void			(*yes_view)(struct view *);

	a->dirty = true;
	if (key == K_RESIZE)
		return;
	if (prompt_active()) {
		prompt_key(key);
		return;
	}
	if (a->question != NULL) {
		yes = a->yes;
		yes_view = a->yes_view;
		v = app_find(a, a->question_view);
		free(a->question);
		a->question = NULL;
		a->yes = NULL;
		a->yes_view = NULL;
		if (key != 'y' && key != 'Y')
			app_message(a, MSG_INFO, "cancelled");
		else if (yes != NULL)
			yes(a);
		else if (yes_view != NULL && v != NULL)
			yes_view(v);
		return;
	}
	app_clear_message(a);
	if ((v = app_top(a)) == NULL)
		return;
	scopes[0] = v->ops->scope;
	scopes[1] = v->ops->widget == WIDGET_TABLE ? SCOPE_TABLE : SCOPE_FORM;
	scopes[2] = SCOPE_MOVE;
	scopes[3] = SCOPE_GLOBAL;
	if ((kb = keymap_find(key, scopes, 4)) == NULL) {
		app_message(a, MSG_INFO, "%s does nothing here; ? lists the "
		    "keys", keys_name(key, name, sizeof name));
		return;
	}
	kb->fn(a, v, key);
}

/* Turns what curses read into a souk key; K_NONE to ignore it. */
static int
app_curses_key(int rc, wint_t wch)
{
	static const struct { int curses, key; } map[] = {
		{ KEY_UP, K_UP }, { KEY_DOWN, K_DOWN }, { KEY_LEFT, K_LEFT },
		{ KEY_RIGHT, K_RIGHT }, { KEY_PPAGE, K_PGUP },
		{ KEY_NPAGE, K_PGDN }, { KEY_HOME, K_HOME }, { KEY_END, K_END },
		{ KEY_DC, K_DEL }, { KEY_IC, K_INS }, { KEY_BTAB, K_BTAB },
		{ KEY_RESIZE, K_RESIZE }, { KEY_ENTER, K_ENTER },
		{ KEY_BACKSPACE, K_BS }, { KEY_A1, K_HOME }, { KEY_C1, K_END },
		{ KEY_A3, K_PGUP }, { KEY_C3, K_PGDN },
	};
	size_t	i;

	if (rc == KEY_CODE_YES) {
		for (i = 0; i < sizeof map / sizeof map[0]; i++) {
			if (map[i].curses == (int)wch)
				return map[i].key;
		}
		if ((int)wch >= KEY_F(1) && (int)wch <= KEY_F(12))
			return K_F1 + (int)wch - KEY_F(1);
		return K_NONE;
	}
	if (wch == '\r')
		return K_ENTER;
	if (wch == 8)
		return K_BS;
	return (int)wch;
}

static void
app_read_keys(struct app *a)
{
	wint_t	wch;
	int	rc, key;

	nodelay(stdscr, TRUE);
	while ((rc = wget_wch(stdscr, &wch)) != ERR) {
		key = app_curses_key(rc, wch);
		if (key != K_NONE)
			app_key(a, key);
		if (a->quit)
			break;
	}
}

/* --- the loop ------------------------------------------------------------- */

static void
app_signal(int sig)
{
	if (sig == SIGINT)
		app_sigint = 1;
	else
		app_sigterm = 1;
}

static void
app_signals(struct app *a)
{
	if (app_sigterm) {
		app_sigterm = 0;
		a->quit = true;
	}
	if (app_sigint) {
		app_sigint = 0;
		if (prompt_active())
			prompt_cancel();
		else if (a->question != NULL)
			app_key(a, 'n');
		else
			a->quit = true;
		a->dirty = true;
	}
}

static void
app_timers(struct app *a)
{
	uint64_t	 now = app_now();
	struct view	*v;

	if (!a->probing && now >= a->probe_at)
		app_probe(a);
	if (now >= a->tick_at) {
		a->tick_at = now + APP_TICK_MS;
		v = app_top(a);
		if (v != NULL && v->tick != NULL) {
			v->tick(v);
			a->dirty = true;
		}
	}
	if (a->o.refresh_ms > 0 && !a->paused && a->conn == CONN_UP &&
	    now >= a->refresh_at) {
		a->refresh_at = now + (uint64_t)a->o.refresh_ms;
		v = app_top(a);
		if (v != NULL && v->ops->load != NULL && !v->loading &&
		    !(v->ops->flags & VIEW_MANUAL) &&
		    !(a->stream_state == STREAM_LIVE &&
		    view_topics(v) != NULL) &&
		    !(prompt_active() && prompt_kind() == PROMPT_FIELD)) {
			view_load(v);
			a->dirty = true;
		}
	}
}

static void
app_script_fail(struct app *a, const char *what)
{
	free(a->script_error);
	a->script_error = xasprintf("%s:%d: %s", a->script->name,
	    a->wait_line, what);
	a->status = 3;
	a->quit = true;
}

/*
 * Whether the stream has caught up (subscribed to the view's topics, or
 * seen to be lost with soukd): a script waits for it, up to
 * APP_SETTLE_MS, so that what it shows and what it receives does not
 * depend on timing.
 */
static bool
app_stream_settled(struct app *a)
{
	uint64_t	now = app_now();

	if (a->stream == NULL || a->conn == CONN_UNKNOWN ||
	    stream_settled(a->stream, a->conn == CONN_UP)) {
		a->unsettled_since = 0;
		return true;
	}
	if (a->unsettled_since == 0)
		a->unsettled_since = now;
	return now - a->unsettled_since > APP_SETTLE_MS;
}

/* Plays the script's next step when the console is idle. */
static void
app_script(struct app *a)
{
	const struct script_step	*st;
	struct stat			 sb;
	uint64_t			 now = app_now();
	char				*cause = NULL;
	bool				 met;

	if (a->script == NULL || a->quit)
		return;
	if (a->sleep_until != 0) {
		if (now < a->sleep_until)
			return;
		a->sleep_until = 0;
	}
	if (a->is_waiting) {
		switch (a->waiting) {
		case SCRIPT_WAIT_CONNECTED:
			met = a->conn == CONN_UP;
			break;
		case SCRIPT_WAIT_DISCONNECTED:
			met = a->conn == CONN_DOWN;
			break;
		case SCRIPT_WAIT_EVENTS:
			met = a->events_taken - a->wait_events_from >=
			    (unsigned long)a->wait_events;
			break;
		default:
			met = stat(a->wait_file, &sb) == 0;
			break;
		}
		if (!met) {
			if (now > a->wait_until)
				app_script_fail(a, "timed out waiting");
			return;
		}
		a->is_waiting = false;
	}
	if (fetch_pending(a->fetch) > 0 || !app_stream_settled(a))
		return;
	if (a->step == a->script->n) {
		a->quit = true;
		return;
	}
	st = &a->script->steps[a->step++];
	a->wait_line = st->line;
	switch (st->op) {
	case SCRIPT_KEY:
		app_key(a, st->key);
		break;
	case SCRIPT_SAVE:
		if (!app_save_display(a, st->arg, &cause)) {
			app_script_fail(a, cause);
			free(cause);
		}
		a->events_at_save = a->events_taken;
		break;
	case SCRIPT_RESIZE:
		screen_resize(st->lines, st->cols);
		a->dirty = true;
		break;
	case SCRIPT_SLEEP:
		a->sleep_until = now + (uint64_t)st->ms;
		break;
	case SCRIPT_WAIT_CONNECTED:
	case SCRIPT_WAIT_DISCONNECTED:
	case SCRIPT_WAIT_FILE:
	case SCRIPT_WAIT_EVENTS:
		a->is_waiting = true;
		a->wait_events = st->ms;
		a->wait_events_from = st->since_save ? a->events_at_save : 0;
		a->waiting = st->op;
		a->wait_file = st->arg;
		a->wait_until = now + APP_WAIT_MS;
		break;
	}
}

/* How long the loop may sleep. */
static int
app_timeout(struct app *a)
{
	uint64_t	now = app_now(), next = now + APP_TICK_MS;

	if (a->script != NULL && !a->quit) {
		if (a->sleep_until != 0)
			next = a->sleep_until < next ? a->sleep_until : next;
		else if (a->is_waiting || !app_stream_settled(a))
			next = now + 20;
		else if (fetch_pending(a->fetch) == 0)
			return 0;
	}
	if (!a->probing && a->probe_at < next)
		next = a->probe_at;
	if (a->o.refresh_ms > 0 && !a->paused && a->refresh_at < next)
		next = a->refresh_at;
	return next <= now ? 0 : (int)(next - now);
}

static char **
app_complete(void *arg, const char *line, int start, const char *text)
{
	struct app		*a = arg;
	char			*before, **out = NULL, **ids;
	size_t			 n = 0, i, j;
	enum cmd_complete	 what;
	const struct command	*c;
	struct cmd_args		 dummy;

	before = xstrndup(line, (size_t)start);
	what = cmd_completion(before, text);
	memset(&dummy, 0, sizeof dummy);
	out = xcalloc(ncommands * 2 + 8, sizeof *out);
	switch (what) {
	case COMPLETE_COMMAND:
		for (i = 0; i < ncommands; i++)
			out[n++] = xstrdup(commands[i].name);
		if (strncmp(before, "help", 4) == 0)
			out[n++] = xstrdup("keys");
		break;
	case COMPLETE_KIND:
		for (i = 0; region_kinds[i] != NULL && n < ncommands * 2 + 7;
		    i++)
			out[n++] = xstrdup(region_kinds[i]);
		break;
	case COMPLETE_ID:
	case COMPLETE_PARENT:
		free(out);
		ids = view_ids(app_top(a));
		for (n = 0; ids[n] != NULL; n++)
			;
		out = xreallocarray(ids, n + 2, sizeof *out);
		if (what == COMPLETE_PARENT)
			out[n++] = xstrdup("none");
		out[n] = NULL;
		break;
	case COMPLETE_OPTION:
		{
			char	**words = NULL, *cause = NULL;
			size_t	  nw = 0;

			if (cmd_split(before, &words, &nw, &cause) && nw > 0 &&
			    (c = cmd_find(words[0])) != NULL) {
				for (j = 0; j < CMD_MAXOPTS &&
				    c->opts[j].name != NULL; j++)
					out[n++] = xasprintf("--%s",
					    c->opts[j].name);
			}
			free(cause);
			cmd_free_words(words, nw);
		}
		break;
	case COMPLETE_JOB_STATE:
	case COMPLETE_ROLE:
	case COMPLETE_CHANNEL:
	case COMPLETE_USER_STATUS:
	case COMPLETE_OUTBOX_STATE:
	case COMPLETE_REG_STATE:
	case COMPLETE_VENDOR_STATUS:
	case COMPLETE_LISTING_STATUS:
		{
			static const char *const statuses[] = { "active",
			    "suspended", NULL };
			static const char *const sent[] = { "pending", "sent",
			    "failed", "suppressed", NULL };
			const char *const *words = what == COMPLETE_JOB_STATE ?
			    job_states : what == COMPLETE_ROLE ? user_roles :
			    what == COMPLETE_CHANNEL ? notify_channels :
			    what == COMPLETE_USER_STATUS ? statuses :
			    what == COMPLETE_REG_STATE ? registration_states :
			    what == COMPLETE_VENDOR_STATUS ? vendor_statuses :
			    what == COMPLETE_LISTING_STATUS ?
			    listing_statuses : sent;

			for (i = 0; words[i] != NULL && n < ncommands * 2 + 7;
			    i++)
				out[n++] = xstrdup(words[i]);
		}
		break;
	case COMPLETE_FILE:
		free(out);
		out = NULL;
		break;
	case COMPLETE_NONE:
		break;
	}
	free(before);
	return out;
}

int
app_run_screen(struct app *a, const char *command)
{
	struct screen_opts	 so;
	struct client_opts	 co;
	struct sigaction	 sa;
	enum creds_status	 st;
	char			*cause = NULL;
	int			 status = 0;

	if (!keymap_check(&cause))
		fatalx("key map: %s", cause);
	if (a->o.script != NULL && !script_load(a->o.script, &a->script,
	    &cause)) {
		fprintf(stderr, "souk: %s\n", cause);
		free(cause);
		return 2;
	}
	memset(&so, 0, sizeof so);
	so.color = a->o.color;
	so.headless = a->script != NULL;
	if (!screen_open(&so, &cause)) {
		fprintf(stderr, "souk: %s\n", cause);
		free(cause);
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = app_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	prompt_init(a->o.history, app_complete, a);
	memset(&co, 0, sizeof co);
	co.url = a->url;
	co.connect_ms = a->o.connect_ms;
	co.timeout_ms = a->o.timeout_ms;
	a->session = session_new(a->url, a->creds_path);
	st = session_load(a->session, &cause);
	a->fetch = fetch_new(&co, a->session, APP_WORKERS);
	a->stream = stream_new(&co, a->session);
	a->start = xstrdup(command != NULL ? command : "regions");
	app_session_check(a);
	app_probe(a);
	if (st != CREDS_OK) {
		app_signin(a, cause);
		free(cause);
		cause = NULL;
	} else {
		if (!app_command(a, a->start, &cause)) {
			app_message(a, MSG_ERROR, "%s", cause);
			free(cause);
			cause = NULL;
		}
		if (a->nviews == 0)
			app_push(a, regions_view(a, NULL, NULL, NULL));
	}
	a->dirty = true;

	while (!a->quit) {
		struct pollfd	pfd[3];
		nfds_t		nfd = 0;

		if (a->dirty)
			app_draw(a);
		if (!a->script) {
			pfd[nfd].fd = STDIN_FILENO;
			pfd[nfd++].events = POLLIN;
		}
		pfd[nfd].fd = fetch_fd(a->fetch);
		pfd[nfd++].events = POLLIN;
		pfd[nfd].fd = stream_fd(a->stream);
		pfd[nfd++].events = POLLIN;
		if (poll(pfd, nfd, app_timeout(a)) == -1 && errno != EINTR)
			fatal("poll");
		app_signals(a);
		app_results(a);
		app_session_check(a);
		if (a->signin_why != NULL && !a->quit)
			app_show_signin(a);
		app_stream_events(a);
		if (!a->script && !a->quit)
			app_read_keys(a);
		app_timers(a);
		/* Follow the view shown now, before the script asks. */
		app_stream_topics(a);
		app_script(a);
		app_stream_topics(a);
	}

	prompt_shutdown();
	stream_free(a->stream);
	a->stream = NULL;
	fetch_free(a->fetch);
	a->fetch = NULL;
	while (a->nviews > 0)
		view_free(a->stack[--a->nviews]);
	screen_close();
	if (a->script_error != NULL)
		fprintf(stderr, "souk: %s\n", a->script_error);
	status = a->status;
	return status;
}

int
app_run_batch(struct app *a, const char *command, bool json, FILE *out)
{
	struct client_opts	 co;
	struct request		*r;
	struct view		*v;
	struct cmd_args		 args;
	enum creds_status	 st;
	char			*cause = NULL, *lost;
	bool			 needs;

	memset(&co, 0, sizeof co);
	co.url = a->url;
	co.connect_ms = a->o.connect_ms;
	co.timeout_ms = a->o.timeout_ms;
	if (!cmd_parse(command, &args, &cause)) {
		fprintf(stderr, "souk: %s\n", cause);
		free(cause);
		return 2;
	}
	needs = (args.cmd->flags & CMD_AUTH) != 0;
	cmd_args_free(&args);
	a->session = session_new(a->url, a->creds_path);
	st = session_load(a->session, &cause);
	if (st != CREDS_OK && st != CREDS_NONE && needs) {
		fprintf(stderr, "souk: %s\n", cause);
		free(cause);
		return 1;
	}
	free(cause);
	cause = NULL;
	if (needs && st != CREDS_OK) {
		fprintf(stderr, "souk: not signed in to %s: run souk login "
		    "first\n", a->url);
		return 1;
	}
	app_session_check(a);
	a->fetch = fetch_new(&co, a->session, 0);
	if (!app_command(a, command, &cause)) {
		fprintf(stderr, "souk: %s\n", cause);
		free(cause);
		return 2;
	}
	while ((r = fetch_take(a->fetch)) != NULL) {
		app_result(a, r);
		request_free(r);
	}
	if ((lost = session_lost(a->session)) != NULL) {
		fprintf(stderr, "souk: signed out: %s; run souk login\n", lost);
		free(lost);
		return 1;
	}
	if ((v = app_top(a)) == NULL) {
		if (a->msg != NULL) {
			fprintf(stderr, "souk: %s\n", a->msg);
			return a->msg_level == MSG_ERROR ? 1 : 0;
		}
		return 0;
	}
	if (json) {
		if (v->json != NULL) {
			json_dumpf(v->json, out, JSON_INDENT(2) |
			    JSON_REAL_PRECISION(15));
			fputc('\n', out);
		}
	} else if (v->table != NULL && (table_nrows(v->table) > 0 ||
	    v->summary != NULL)) {
		if (v->summary != NULL)
			fprintf(out, "%s\n%s", v->summary,
			    table_nrows(v->table) > 0 ? "\n" : "");
		if (table_nrows(v->table) > 0)
			table_print(v->table, out);
	} else if (v->form != NULL && v->error == NULL)
		form_print(v->form, out);
	if (v->error != NULL) {
		fflush(out);
		fprintf(stderr, "souk: %s\n", v->error);
		return 1;
	}
	if (a->msg != NULL) {
		fflush(out);
		fprintf(stderr, "souk: %s\n", a->msg);
		return a->msg_level == MSG_ERROR ? 1 : 0;
	}
	return 0;
}
