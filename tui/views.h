/*
 * views: the console's views, one file each under tui/views/.  Each
 * returns a new view for app_push, or for the commands that open it.
 */
#ifndef SOUK_VIEWS_H
#define SOUK_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct app;
struct form;
struct form_field;
struct request;
struct table;
struct table_col;
struct view;

/* Region kinds, as soukd names them (NULL-terminated). */
extern const char *const region_kinds[];

/*
 * Regions, all of them or those under parent ("none": the top) and/or of
 * one kind; title NULL makes one from the filters.
 */
struct view *regions_view(struct app *, const char *parent, const char *kind,
	    const char *title);
/* One region's details. */
struct view *region_view(struct app *, const char *id);
/* soukd's health checks. */
struct view *health_view(struct app *);
/*
 * The lookup form, filled from args (region ids and 6-digit pincodes) and
 * submitted at once when there are any.
 */
struct view *lookup_view(struct app *, char *const *args, size_t n);
/* The keys of view of (its scopes), or the commands. */
struct view *help_keys_view(struct app *, const struct view *of);
struct view *help_commands_view(struct app *);

/* The regions table's columns and rows, shared with lookup results. */
const struct table_col *regions_columns(size_t *n);
void	regions_add(struct table *, json_t *region);
void	regions_open_row(struct view *);
void	regions_key_details(struct app *, struct view *, int);

/* --- signing in and one's own account (login.c, me.c) --- */

/*
 * The sign-in screen: email and password, or phone and a code sent by SMS
 * (o switches), saying why it shows (message may be NULL).  In batch mode
 * (souk -c login) it signs in with email and password at once.
 */
struct view *login_view(struct app *, const char *message);
struct view *login_batch_view(struct app *, const char *email,
	    const char *password);
/* Shows why the sign-in screen is (still) there. */
void	login_say(struct view *, const char *message);
/*
 * Reads an email (unless given) and a password from the terminal,
 * without echoing the password.  False with *cause (caller frees).
 */
bool	login_prompt(char **email, char **password, char **cause);
void	login_key_switch(struct app *, struct view *, int);
/* My account, my sessions, and the form that changes my password. */
struct view *me_view(struct app *);
struct view *sessions_view(struct app *);
struct view *password_view(struct app *);
void	sessions_key_revoke(struct app *, struct view *, int);
/* Signs one of my sessions out (the command). */
struct view *session_revoke_view(struct app *, const char *id);

/* --- jobs (jobs.c) --- */

/* Job states as soukd names them (NULL-terminated). */
extern const char *const job_states[];
struct view *jobs_view(struct app *, const char *state, const char *kind);
struct view *job_view(struct app *, const char *id);
struct view *schedules_view(struct app *);
/* retry-job and cancel-job: the job as changed. */
struct view *job_change_view(struct app *, const char *id, bool retry);
void	jobs_key_retry(struct app *, struct view *, int);
void	jobs_key_cancel(struct app *, struct view *, int);
void	jobs_key_state(struct app *, struct view *, int);

/* --- notifications (templates.c) --- */

extern const char *const notify_channels[];
struct view *templates_view(struct app *, const char *kind,
	    const char *channel, const char *language);
struct view *template_view(struct app *, const char *id);
/* A form for a new template of kind, channel and language (may be NULL). */
struct view *template_new_view(struct app *, const char *kind,
	    const char *channel, const char *language);
struct view *kinds_view(struct app *);
struct view *outbox_view(struct app *, const char *user, const char *state,
	    const char *channel, const char *kind);
struct view *notification_view(struct app *, const char *id);
void	templates_key_add(struct app *, struct view *, int);

/* --- accounts (users.c) --- */

extern const char *const user_roles[];
struct view *users_view(struct app *, const char *q, const char *role,
	    const char *status, const char *region);
struct view *user_view(struct app *, const char *id);
/*
 * The new staff account form, filled from the options given; in batch
 * mode (or with every field given) sent at once.
 */
struct view *user_new_view(struct app *, const char *role, const char *name,
	    const char *email, const char *phone, const char *regions);
/* edit-user: changes sent at once. */
struct view *user_edit_view(struct app *, const char *id, const char *name,
	    const char *role, const char *language, const char *regions);
enum user_action { USER_SUSPEND, USER_REACTIVATE, USER_RESET };
/* suspend-user, reactivate-user, reset-login: sent at once. */
struct view *user_action_view(struct app *, const char *id,
	    enum user_action, const char *reason);
void	users_key_new(struct app *, struct view *, int);
void	users_key_suspend(struct app *, struct view *, int);
void	users_key_reactivate(struct app *, struct view *, int);
void	users_key_reset(struct app *, struct view *, int);

/* --- the audit log (audit.c) --- */

struct view *audit_view(struct app *, const char *actor, const char *action,
	    const char *target, const char *since, const char *until,
	    char **cause);
void	audit_key_layout(struct app *, struct view *, int);
/*
 * A time for --since and --until: RFC 3339 as it is, a date (its
 * midnight), a time of day or phrase when.h reads, or an age such as 2h,
 * 30m or 7d (that long before now).  Writes RFC 3339 UTC into out.
 * False with *cause (caller frees).
 */
bool	audit_time(const char *text, time_t now, char *out, size_t len,
	    char **cause) __attribute__((warn_unused_result));

/* --- shared helpers (shared.c) --- */

/*
 * The text of a JSON value or of member key of o: strings as they are,
 * numbers (written into buf), booleans as yes and no, "" for null or
 * missing.
 */
const char *views_text(const json_t *o, const char *key, char *buf,
	    size_t len);
const char *views_value(const json_t *v, char *buf, size_t len);
/*
 * A time soukd sent (RFC 3339) in the local zone, "2026-11-21 16:02" or,
 * with seconds, "2026-11-21 16:02:05"; other text as it is; NULL: "".
 */
void	views_time(const char *rfc3339, bool seconds, char *buf, size_t len);
/* A read-only field with member key of o (a time for views_time_field). */
struct form_field *views_field(struct form *, const json_t *o,
	    const char *key, const char *label);
struct form_field *views_time_field(struct form *, const json_t *o,
	    const char *key, const char *label);
/* JSON as indented lines, one field each, the first labelled. */
void	views_json_fields(struct form *, const char *name, const char *label,
	    const json_t *value);
/*
 * Multi-line text on one line for editing: newline, tab, CR and
 * backslash as \n, \t, \r and \\; views_unescape undoes it (other
 * backslashes stay).  Caller frees.
 */
char	*views_escape(const char *s);
char	*views_unescape(const char *s);
/*
 * A view that sends one change (method, path, body: may be NULL) when it
 * opens, then shows soukd's answer with show (may be NULL) and says done
 * (may be NULL).  It never sends it again.
 */
struct view *views_action(struct app *, const char *title,
	    const char *method, const char *path, const char *body,
	    const char *done, void (*show)(struct view *, json_t *));
/* A form with nothing to load, to be filled (and its json set) by the caller. */
struct view *views_note(struct app *, const char *title);
/* The items of a JSON array as text joined with sep.  Caller frees. */
char	*views_words_join(const json_t *, const char *sep);

/*
 * A table loaded from one of soukd's paged lists, page by page, up to max
 * rows.  The view's data starts with a struct listing; its load is
 * listing_load (or calls it) and its result calls listing_result.
 */
#define LISTING_PAGE	200
#define LISTING_TAG	100

struct listing {
	char	*path;		/* with its filters; limit and after added */
	json_t	*rows;		/* every row loaded, for --json */
	size_t	 count;
	size_t	 max;
	bool	 truncated;
	bool	 whole;		/* one answer, no limit or after to send */
	void	(*add)(struct view *, json_t *);	/* a row to the table */
};

void	listing_init(struct listing *, size_t max,
	    void (*add)(struct view *, json_t *));
void	listing_free(struct listing *);
void	listing_set_path(struct listing *, const char *path);
void	listing_load(struct view *);
/*
 * Handles a page (false: r is not one); ends the load with listing_done
 * unless the view has other requests out.
 */
bool	listing_result(struct view *, struct request *);
void	listing_done(struct view *);

#endif
