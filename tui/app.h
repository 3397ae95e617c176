/*
 * app: the console itself.  Owns the view stack, the input loop (terminal,
 * finished requests and timers polled together, so the network never
 * blocks typing), the status line, messages, the connection's health and
 * its recovery, live refresh, the `:` command line and scripted runs.
 * The same app runs a single command without the screen for `souk -c`.
 */
#ifndef SOUK_APP_H
#define SOUK_APP_H

#include <stdbool.h>
#include <stdio.h>

#include "xmalloc.h"

struct view;

struct app_opts {
	const char	*url;
	long		 connect_ms;
	long		 timeout_ms;
	long		 refresh_ms;	/* automatic refresh; 0: off */
	bool		 color;
	const char	*script;	/* keystrokes to play (SOUK_SCRIPT) */
	const char	*history;	/* the command line's history file */
	const char	*credentials;	/* the credentials file (NULL: none) */
};

enum msg_level { MSG_INFO, MSG_ERROR };

/* An app; batch: for souk -c (no screen, requests run inline). */
struct app *app_new(const struct app_opts *, bool batch);
void	app_free(struct app *);
/*
 * Runs the full-screen console starting with command (NULL: regions).
 * Returns the exit status.
 */
int	app_run_screen(struct app *, const char *command);
/*
 * Runs one command without the screen, printing its table (or JSON) on
 * out and errors on stderr.  Returns the exit status: 0, 1 (soukd refused
 * or could not be reached) or 2 (a bad command).
 */
int	app_run_batch(struct app *, const char *command, bool json, FILE *out);

bool	app_batch(const struct app *);
const char *app_url(const struct app *);
/* Runs a command line as `:` does; false with *cause on a bad one. */
bool	app_command(struct app *, const char *line, char **cause);
/* Pushes v on the stack, shows it and starts loading it. */
void	app_push(struct app *, struct view *);
/* Removes the top view; the one below shows again. */
void	app_pop(struct app *);
/* The visible view, or NULL. */
struct view *app_top(const struct app *);
/* The view with this serial on the stack, or NULL. */
struct view *app_find(const struct app *, unsigned serial);
unsigned app_serial(struct app *);
/* Queues a request on behalf of a view (owner: its serial); see fetch.h. */
void	app_submit(struct app *, unsigned owner, unsigned gen, int tag,
	    const char *method, const char *path, const char *body,
	    int flags);
/* Shows a message on the message line (replacing the previous one). */
void	app_message(struct app *, enum msg_level, const char *, ...)
	    PRINTF_LIKE(3, 4);
/* Asks a yes/no question; yes runs only on 'y'.  Other keys cancel. */
void	app_confirm(struct app *, const char *question,
	    void (*yes)(struct app *));
/* The same about view v: yes gets v, if it is still there. */
void	app_confirm_view(struct app *, struct view *v, const char *question,
	    void (*yes)(struct view *));
/*
 * Asks for a line of text on the message line (a reason, say), starting
 * with initial (may be NULL); done gets v and the line, unless the user
 * cancels or v is gone.  Nothing in batch mode.
 */
void	app_ask(struct app *, struct view *v, const char *question,
	    const char *initial, void (*done)(struct view *, const char *));

/* The session requests run in (who is signed in); NULL before a run. */
struct session *app_session(const struct app *);
bool	app_signed_in(struct app *);
/*
 * Shows the sign-in screen over the views, saying why (may be NULL).
 * Nothing in batch mode.
 */
void	app_signin(struct app *, const char *why);
/*
 * The session has just signed in (the sign-in screen's success): the
 * sign-in screen goes and the views load (the first one if none).
 */
void	app_signed_in_now(struct app *);
/*
 * Signs out: tells soukd, forgets the credentials and, full screen,
 * drops every view for the sign-in screen.
 */
void	app_logout(struct app *);
/*
 * An event from soukd's event stream (a topic such as "jobs", or
 * STREAM_RESET): reloads the visible view if it shows that topic
 * (view_ops.topics), or after its load in flight.  The stream (stream.h)
 * follows oneself (user:ID) and the visible view's topics; the loop calls
 * this for each event.
 */
void	app_event(struct app *, const char *topic);
/* Opens the command line holding initial (may be NULL). */
void	app_command_line(struct app *, const char *initial);
/* Starts editing field i of v's form (readline, as Enter would). */
void	app_edit_field(struct app *, struct view *v, size_t i);
/* Opens the help of the visible view's keys. */
void	app_help_keys(struct app *);

/* Stops auto-refresh, or resumes it. */
void	app_pause(struct app *);
/* Reloads the visible view now. */
void	app_refresh(struct app *);
/* Quits at the end of this turn of the loop. */
void	app_quit(struct app *);
/* Writes the screen to path. */
bool	app_save_display(struct app *, const char *path, char **cause);
/* Forgets the command history (after confirmation). */
void	app_clear_history(struct app *);

/* The key handlers the key map names. */
void	app_key_help(struct app *, struct view *, int);
void	app_key_command(struct app *, struct view *, int);
void	app_key_refresh(struct app *, struct view *, int);
void	app_key_pause(struct app *, struct view *, int);
void	app_key_back(struct app *, struct view *, int);
void	app_key_redraw(struct app *, struct view *, int);
void	app_key_down(struct app *, struct view *, int);
void	app_key_up(struct app *, struct view *, int);
void	app_key_page_down(struct app *, struct view *, int);
void	app_key_page_up(struct app *, struct view *, int);
void	app_key_top(struct app *, struct view *, int);
void	app_key_bottom(struct app *, struct view *, int);
void	app_key_open(struct app *, struct view *, int);
void	app_key_filter(struct app *, struct view *, int);
void	app_key_mark(struct app *, struct view *, int);
void	app_key_unmark(struct app *, struct view *, int);
void	app_key_sort(struct app *, struct view *, int);
void	app_key_sort_prev(struct app *, struct view *, int);
void	app_key_sort_next(struct app *, struct view *, int);
void	app_key_sort_invert(struct app *, struct view *, int);
void	app_key_form_enter(struct app *, struct view *, int);

#endif
