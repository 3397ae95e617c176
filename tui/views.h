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
 * A time people type (audit's --since and --until, when a vendor joined,
 * when a visit took place): RFC 3339 as it is, a date (its midnight), a
 * time of day or phrase when.h reads, or an age such as 2h, 30m or 7d
 * (that long before now).  Writes RFC 3339 UTC into out.  False with
 * *cause (caller frees).
 */
bool	audit_time(const char *text, time_t now, char *out, size_t len,
	    char **cause) __attribute__((warn_unused_result));

/* --- business registrations (registrations.c) --- */

/* The states staff see, as soukd names them (NULL-terminated). */
extern const char *const registration_states[];
/* The queue, by state and region (NULL: all), oldest first. */
struct view *registrations_view(struct app *, const char *state,
	    const char *region);
/* One registration with its documents and history. */
struct view *registration_view(struct app *, const char *id);
enum reg_decision { REG_REVIEW, REG_APPROVE, REG_REJECT, REG_CHANGES };
/*
 * review-registration, approve-registration, reject-registration and
 * request-changes: sent at once (reason: for the last two).
 */
struct view *registration_decide_view(struct app *, const char *id,
	    enum reg_decision, const char *reason);
/* save-document: a document written to the file to (never replaced). */
struct view *registration_save_view(struct app *, const char *id,
	    const char *doc, const char *to);
void	registrations_key_state(struct app *, struct view *, int);
void	registrations_key_review(struct app *, struct view *, int);
void	registrations_key_approve(struct app *, struct view *, int);
void	registrations_key_reject(struct app *, struct view *, int);
void	registrations_key_changes(struct app *, struct view *, int);

/* --- vendors (vendors.c) --- */

extern const char *const vendor_statuses[];
/* The list's filters; NULL: any. */
struct vendors_filter {
	const char	*q;		/* a name, or part of one */
	const char	*status;	/* active, suspended */
	const char	*category;
	const char	*badge;		/* verified_business, ... */
	const char	*rating;	/* at least this many stars, 1 to 5 */
	const char	*joined_after;	/* times as audit_time reads them */
	const char	*joined_before;
	const char	*region;	/* a region id: it and those under it */
};
/*
 * The vendors of one's regions, newest first; NULL with *cause on a
 * time audit_time cannot read.
 */
struct view *vendors_view(struct app *, const struct vendors_filter *,
	    char **cause);
/* One vendor: profile, summary, newest listings, visits and notes. */
struct view *vendor_view(struct app *, const char *id);
/*
 * The form recording a visit (at: when, as people type it) or a note
 * about vendor id; in batch mode sent at once.
 */
struct view *vendor_note_view(struct app *, const char *id, bool visit,
	    const char *at, const char *text);
/* suspend-vendor and reactivate-vendor: sent at once. */
struct view *vendor_status_view(struct app *, const char *id, bool suspend,
	    const char *reason);
void	vendors_key_suspend(struct app *, struct view *, int);
void	vendors_key_reactivate(struct app *, struct view *, int);
void	vendors_key_note(struct app *, struct view *, int);
void	vendors_key_visit(struct app *, struct view *, int);
void	vendors_key_listings(struct app *, struct view *, int);

/* --- listings and their review (listings.c) --- */

/* Listing statuses as soukd names them, then "all" (NULL-terminated). */
extern const char *const listing_statuses[];
/*
 * Listings: status NULL is the review queue (pending_review, oldest
 * first), "all" every status; by vendor and category id and words of
 * the title (q); order newest or oldest (NULL: soukd's default).
 */
struct view *listings_view(struct app *, const char *q, const char *status,
	    const char *vendor, const char *category, const char *order);
/* One listing: variants with prices and stock, images, history. */
struct view *listing_view(struct app *, const char *id);
/* approve-listing and reject-listing: sent at once. */
struct view *listing_decide_view(struct app *, const char *id,
	    bool approve, const char *reason);
void	listings_key_approve(struct app *, struct view *, int);
void	listings_key_reject(struct app *, struct view *, int);
void	listings_key_status(struct app *, struct view *, int);

/* --- tele-calling (agent.c, tele.c) --- */

/* Pause reasons and lead statuses as soukd names them (NULL-terminated). */
extern const char *const pause_reasons[];
extern const char *const lead_statuses[];
extern const char *const report_groups[];
/* The agent screen working queue (an id or a name; NULL: my first). */
struct view *agent_view(struct app *, const char *queue);
/*
 * A time typed for a callback ("tomorrow 11am", "+2h") as RFC 3339 UTC
 * into out; false with *cause (caller frees) when unreadable or past.
 */
bool	agent_when(const char *text, time_t now, char *out, size_t len,
	    char **cause) __attribute__((warn_unused_result));
/* A duration in seconds as "05:09" or "1:05:09" (negative: 0). */
void	agent_duration(long seconds, char *buf, size_t len);
/* The disposition of queue (soukd's JSON) on hotkey key, or NULL. */
const json_t *agent_disposition(const json_t *queue, int key);
/*
 * Breaks text into lines of at most width columns at blanks, keeping
 * its line breaks; add gets each line (arg passed along).
 */
void	agent_wrap(const char *text, int width,
	    void (*add)(void *, const char *), void *arg);
/*
 * One line of a lead's history for the agent screen from an event of
 * soukd's ("2026-11-21 14:18  Call back  Asha, call back 2026-11-22
 * 11:00: notes"); NULL for events an agent need not see (holds).  The
 * caller frees it.
 */
char	*agent_history_line(const json_t *event);
void	agent_key_next(struct app *, struct view *, int);
void	agent_key_call(struct app *, struct view *, int);
void	agent_key_ring(struct app *, struct view *, int);
void	agent_key_hangup(struct app *, struct view *, int);
void	agent_key_disposition(struct app *, struct view *, int);
void	agent_key_callback(struct app *, struct view *, int);
void	agent_key_note(struct app *, struct view *, int);
void	agent_key_dnc(struct app *, struct view *, int);
void	agent_key_pause(struct app *, struct view *, int);

struct leads_filter {
	const char	*q;		/* a phone prefix, or part of a name */
	const char	*status;
	const char	*queue;		/* an id */
	const char	*owner;		/* an id, or "me" */
	const char	*source;
	const char	*sla;		/* "breached" */
	const char	*sort;		/* created (default) or score */
};
struct view *leads_view(struct app *, const struct leads_filter *);
struct view *lead_view(struct app *, const char *id);
/* souk -c 'leads import FILE --queue NAME': soukd's per-row report. */
struct view *leads_import_view(struct app *, const char *path,
	    const char *queue, bool dry_run);
struct view *queues_view(struct app *);
/* souk -c 'queue stats NAME': depths, today's counts, agents. */
struct view *queue_stats_view(struct app *, const char *queue);
struct view *callbacks_view(struct app *, bool all, bool overdue,
	    const char *queue);
struct view *dnc_view(struct app *, const char *prefix);
struct view *queries_view(struct app *, const char *status);
/* Call reports by agent, queue or day (NULL: agent); NULL with *cause. */
struct view *reports_view(struct app *, const char *group, const char *from,
	    const char *to, char **cause);
struct view *wallboard_view(struct app *);
/* The wallboard's lines from soukd's JSON, times in state as at now. */
void	wallboard_fill(struct view *, const json_t *board, time_t now,
	    bool frozen);
void	leads_key_sort(struct app *, struct view *, int);
void	leads_key_queue(struct app *, struct view *, int);
void	leads_key_owner(struct app *, struct view *, int);
void	callbacks_key_overdue(struct app *, struct view *, int);
void	callbacks_key_cancel(struct app *, struct view *, int);
void	dnc_key_add(struct app *, struct view *, int);
void	dnc_key_remove(struct app *, struct view *, int);
void	queries_key_resolve(struct app *, struct view *, int);
void	reports_key_group(struct app *, struct view *, int);
void	wallboard_key_freeze(struct app *, struct view *, int);

/* --- shared helpers (shared.c) --- */

/* Reads RFC 3339 ("...Z" or "+05:30") into *out; false if it is not. */
bool	views_parse_time(const char *, time_t *out);

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
 * An amount in minor units (paise) as people read it: "₹1,23,456.00" in
 * Indian grouping for INR (or a NULL currency), else the ISO code,
 * a blank and thousands ("USD 1,234.50").  Two decimals.
 */
void	views_money(long long minor, const char *currency, char *buf,
	    size_t len);
/*
 * A listing's price from its price_min, price_max and currency: one
 * amount, a range "₹100.00–₹250.00" (or with from, "₹100.00+" for a
 * table), or "" when it has none.
 */
void	views_price(const json_t *listing, bool from, char *buf, size_t len);
/* A size in bytes: "512 bytes", "12.3 KiB", "4.0 MiB". */
void	views_bytes(long long n, char *buf, size_t len);

/*
 * The live topics a view of kind topic may follow as user (soukd's
 * account JSON, {role, regions}: see daemon/api/stream.c): topic itself
 * when the role is one of any (comma-separated role names); else
 * "topic:<region>" for each of the user's regions when it is one of
 * regional (NULL: none); else NULL, and NULL too when there would be
 * more than VIEWS_MAX_TOPICS (soukd takes 72 a stream, room for one
 * topic per region of the most regions an account can have; one is the
 * user's own).  Caller frees.
 */
#define VIEWS_MAX_TOPICS	71
char	*views_topics(const json_t *user, const char *topic, const char *any,
	    const char *regional);
/* The same for the signed-in user, set as v's topics. */
void	views_follow(struct view *, const char *topic, const char *any,
	    const char *regional);
/* The signed-in user's role ("admin"), into buf; "" when signed out. */
const char *views_role(struct app *, char *buf, size_t len);

/*
 * Where to save a file the user named: text as typed ("~/" is $HOME),
 * or in it when it is a directory, under name.  NULL with *cause when
 * text is empty.  Caller frees.
 */
char	*views_save_path(const char *text, const char *name, const char *home,
	    char **cause);
/*
 * Writes len bytes to path, readable by its owner only (mode 0600).  An
 * existing file is replaced only when replace, else refused.  False with
 * *cause (caller frees); a failed write leaves no partial new file.
 */
bool	views_save_file(const char *path, const void *data, size_t len,
	    bool replace, char **cause) __attribute__((warn_unused_result));

/*
 * A change made with one key: asked about (after its reason, when it
 * takes one), confirmed with y, then POSTed to the subject's path and
 * the kind's action, with {"reason"} when there is one.
 */
struct decision_kind {
	const char	*action;	/* the path's last part: "approve" */
	const char	*verb;		/* "Approve", in the question */
	const char	*reason;	/* its question ("Reason for
					   rejecting"); NULL: none asked */
	bool		 optional;	/* an empty reason is sent as none */
	const char	*past;		/* "is approved", in the message */
};

struct decision {
	const struct decision_kind *kind;
	char	*path;		/* the subject: "/v1/registrations/3" */
	char	*id;		/* its id */
	char	*what;		/* "registration 3 (Sharma Stores)" */
	char	*reason;
};

#define DECISION_TAG	101

void	decision_clear(struct decision *);
/*
 * Starts deciding kind about the subject (strings copied) for view v:
 * asks for the reason, whose answer goes to reasoned (which calls
 * decision_reasoned), or at once to confirm; y calls yes (which calls
 * decision_send).
 */
void	decision_begin(struct view *, struct decision *,
	    const struct decision_kind *, const char *path, const char *id,
	    const char *what, void (*reasoned)(struct view *, const char *),
	    void (*yes)(struct view *));
void	decision_reasoned(struct view *, struct decision *, const char *line,
	    void (*yes)(struct view *));
void	decision_send(struct view *, struct decision *);
/*
 * Handles the answer (false: r is not one).  *ok says whether it was
 * done; either way the message line says so, and soukd's objections to
 * a field show next to the view's form field of that name.
 */
bool	decision_result(struct view *, struct request *, struct decision *,
	    bool *ok);
/* The body of a decision with a reason (NULL or "": none).  Caller frees. */
char	*decision_body(const char *reason);
/*
 * The command deciding kind about noun id (its resource is path) at
 * once, showing soukd's answer with show: "approve-listing 5".
 */
struct view *decision_view(struct app *, const struct decision_kind *,
	    const char *noun, const char *path, const char *id,
	    const char *reason, void (*show)(struct view *, json_t *));
/*
 * A resource's path: base and the id escaped ("/v1/vendors/12").
 * Caller frees.
 */
char	*views_path(const char *base, const char *id);

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
