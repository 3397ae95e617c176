#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "cmd.h"
#include "log.h"
#include "table.h"
#include "text.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

static bool
cmd_regions(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, regions_view(a, cmd_opt(c, "parent"), cmd_opt(c, "kind"),
	    NULL));
	return true;
}

static bool
cmd_region(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, region_view(a, c->argv[0]));
	return true;
}

static bool
cmd_lookup(struct app *a, const struct cmd_args *c, char **cause)
{
	struct view	*top = app_top(a);
	char		**ids;
	size_t		  i, n;

	if (app_batch(a) && c->argc == 0) {
		*cause = xstrdup("lookup needs region ids or pincodes");
		return false;
	}
	/* The bulk action of a regions table: look the selected ones up. */
	if (c->argc == 0 && top != NULL && top->ops->scope == SCOPE_REGIONS &&
	    (n = table_nmarked(top->table)) > 0) {
		ids = xcalloc(n, sizeof *ids);
		for (i = 0; i < n; i++)
			ids[i] = xstrdup(table_marked_key(top->table, i));
		app_push(a, lookup_view(a, ids, n));
		cmd_free_words(ids, n);
		return true;
	}
	app_push(a, lookup_view(a, c->argv, c->argc));
	return true;
}

static bool
cmd_health(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_push(a, health_view(a));
	return true;
}

static bool
cmd_refresh(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_refresh(a);
	return true;
}

static bool
cmd_pause(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_pause(a);
	return true;
}

static bool
cmd_save_display(struct app *a, const struct cmd_args *c, char **cause)
{
	return app_save_display(a, c->argv[0], cause);
}

static void
cmd_clear_history_yes(struct app *a)
{
	app_clear_history(a);
}

static bool
cmd_clear_history(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_confirm(a, "Forget every command in the history?",
	    cmd_clear_history_yes);
	return true;
}

static bool
cmd_help_run(struct app *a, const struct cmd_args *c, char **cause)
{
	if (c->argc == 1 && strcmp(c->argv[0], "keys") == 0) {
		if (app_batch(a))
			app_push(a, help_keys_view(a, NULL));
		else
			app_help_keys(a);
		return true;
	}
	if (c->argc == 1 && cmd_find(c->argv[0]) == NULL) {
		*cause = xasprintf("there is no command '%s'", c->argv[0]);
		return false;
	}
	app_push(a, help_commands_view(a));
	return true;
}

static bool
cmd_quit(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_quit(a);
	return true;
}

/* --- signing in and out, my account ---------------------------------------- */

/* One line of standard input, without its end; NULL if there is none. */
static char *
cmd_read_stdin(void)
{
	char	line[1100];
	size_t	n;

	if (fgets(line, sizeof line, stdin) == NULL)
		return NULL;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	return xstrdup(line);
}

static bool
cmd_login(struct app *a, const struct cmd_args *c, char **cause)
{
	char	*email = NULL, *password = NULL;

	if (!app_batch(a)) {
		app_signin(a, NULL);
		return true;
	}
	if (cmd_opt(c, "email") != NULL)
		email = xstrdup(cmd_opt(c, "email"));
	if (cmd_opt(c, "password-stdin") != NULL) {
		if (email == NULL) {
			*cause = xstrdup("--password-stdin needs --email");
			return false;
		}
		if ((password = cmd_read_stdin()) == NULL) {
			*cause = xstrdup("no password on standard input");
			free(email);
			return false;
		}
	} else if (!login_prompt(&email, &password, cause)) {
		free(email);
		return false;
	}
	app_push(a, login_batch_view(a, email, password));
	explicit_bzero(password, strlen(password));
	free(password);
	free(email);
	return true;
}

static bool
cmd_logout(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_logout(a);
	return true;
}

static bool
cmd_me(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_push(a, me_view(a));
	return true;
}

static bool
cmd_sessions(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_push(a, sessions_view(a));
	return true;
}

static bool
cmd_revoke_session(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, session_revoke_view(a, c->argv[0]));
	return true;
}

static bool
cmd_password(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_push(a, password_view(a));
	return true;
}

/* --- jobs ---------------------------------------------------------------------- */

/* True if word is one of list (NULL-terminated); else *cause says. */
static bool
cmd_one_of(const char *what, const char *word, const char *const *list,
    char **cause)
{
	struct buf	b;
	size_t		i;

	if (word == NULL)
		return true;
	for (i = 0; list[i] != NULL; i++) {
		if (strcmp(word, list[i]) == 0)
			return true;
	}
	buf_init(&b, 0);
	for (i = 0; list[i] != NULL; i++) {
		if (!buf_printf(&b, "%s%s", i > 0 ? (list[i + 1] == NULL ?
		    " or " : ", ") : "", list[i]))
			fatalx("cmd_one_of");
	}
	*cause = xasprintf("%s must be %s, not '%s'", what, b.data, word);
	buf_free(&b);
	return false;
}

static bool
cmd_jobs(struct app *a, const struct cmd_args *c, char **cause)
{
	if (!cmd_one_of("--state", cmd_opt(c, "state"), job_states, cause))
		return false;
	app_push(a, jobs_view(a, cmd_opt(c, "state"), cmd_opt(c, "kind")));
	return true;
}

static bool
cmd_job(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, job_view(a, c->argv[0]));
	return true;
}

static bool
cmd_retry_job(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, job_change_view(a, c->argv[0], true));
	return true;
}

static bool
cmd_cancel_job(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, job_change_view(a, c->argv[0], false));
	return true;
}

static bool
cmd_schedules(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_push(a, schedules_view(a));
	return true;
}

/* --- notifications -------------------------------------------------------------- */

static const char *const cmd_languages[] = { "en", "hi", NULL };
static const char *const cmd_outbox_states[] = {
	"pending", "sent", "failed", "suppressed", NULL,
};

static bool
cmd_templates(struct app *a, const struct cmd_args *c, char **cause)
{
	if (!cmd_one_of("--channel", cmd_opt(c, "channel"), notify_channels,
	    cause) || !cmd_one_of("--language", cmd_opt(c, "language"),
	    cmd_languages, cause))
		return false;
	app_push(a, templates_view(a, cmd_opt(c, "kind"), cmd_opt(c,
	    "channel"), cmd_opt(c, "language")));
	return true;
}

static bool
cmd_template(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, template_view(a, c->argv[0]));
	return true;
}

static bool
cmd_new_template(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, template_new_view(a, cmd_opt(c, "kind"), cmd_opt(c,
	    "channel"), cmd_opt(c, "language")));
	return true;
}

static bool
cmd_kinds(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_push(a, kinds_view(a));
	return true;
}

static bool
cmd_outbox(struct app *a, const struct cmd_args *c, char **cause)
{
	if (!cmd_one_of("--state", cmd_opt(c, "state"), cmd_outbox_states,
	    cause) || !cmd_one_of("--channel", cmd_opt(c, "channel"),
	    notify_channels, cause))
		return false;
	app_push(a, outbox_view(a, cmd_opt(c, "user"), cmd_opt(c, "state"),
	    cmd_opt(c, "channel"), cmd_opt(c, "kind")));
	return true;
}

static bool
cmd_notification(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, notification_view(a, c->argv[0]));
	return true;
}

/* --- accounts ------------------------------------------------------------------ */

static const char *const cmd_user_statuses[] = { "active", "suspended",
    NULL };

static bool
cmd_users(struct app *a, const struct cmd_args *c, char **cause)
{
	if (!cmd_one_of("--role", cmd_opt(c, "role"), user_roles, cause) ||
	    !cmd_one_of("--status", cmd_opt(c, "status"), cmd_user_statuses,
	    cause))
		return false;
	app_push(a, users_view(a, c->argc > 0 ? c->argv[0] : NULL,
	    cmd_opt(c, "role"), cmd_opt(c, "status"), cmd_opt(c, "region")));
	return true;
}

static bool
cmd_user(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, user_view(a, c->argv[0]));
	return true;
}

static bool
cmd_new_user(struct app *a, const struct cmd_args *c, char **cause)
{
	if (app_batch(a) && (cmd_opt(c, "role") == NULL ||
	    cmd_opt(c, "name") == NULL || (cmd_opt(c, "email") == NULL &&
	    cmd_opt(c, "phone") == NULL))) {
		*cause = xstrdup("new-user needs --role, --name and --email "
		    "or --phone");
		return false;
	}
	app_push(a, user_new_view(a, cmd_opt(c, "role"), cmd_opt(c, "name"),
	    cmd_opt(c, "email"), cmd_opt(c, "phone"), cmd_opt(c, "regions")));
	return true;
}

static bool
cmd_edit_user(struct app *a, const struct cmd_args *c, char **cause)
{
	if (cmd_opt(c, "name") == NULL && cmd_opt(c, "role") == NULL &&
	    cmd_opt(c, "language") == NULL && cmd_opt(c, "regions") == NULL) {
		*cause = xstrdup("edit-user needs at least one of --name, "
		    "--role, --language, --regions");
		return false;
	}
	app_push(a, user_edit_view(a, c->argv[0], cmd_opt(c, "name"),
	    cmd_opt(c, "role"), cmd_opt(c, "language"), cmd_opt(c,
	    "regions")));
	return true;
}

static bool
cmd_suspend_user(struct app *a, const struct cmd_args *c, char **cause)
{
	if (cmd_opt(c, "reason") == NULL) {
		*cause = xstrdup("suspend-user needs --reason");
		return false;
	}
	app_push(a, user_action_view(a, c->argv[0], USER_SUSPEND,
	    cmd_opt(c, "reason")));
	return true;
}

static bool
cmd_reactivate_user(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, user_action_view(a, c->argv[0], USER_REACTIVATE, NULL));
	return true;
}

static bool
cmd_reset_login(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, user_action_view(a, c->argv[0], USER_RESET, NULL));
	return true;
}

static bool
cmd_audit(struct app *a, const struct cmd_args *c, char **cause)
{
	struct view	*v;

	v = audit_view(a, cmd_opt(c, "actor"), cmd_opt(c, "action"),
	    cmd_opt(c, "target"), cmd_opt(c, "since"), cmd_opt(c, "until"),
	    cause);
	if (v == NULL)
		return false;
	app_push(a, v);
	return true;
}

/* --- registrations -------------------------------------------------------- */

static bool
cmd_registrations(struct app *a, const struct cmd_args *c, char **cause)
{
	if (!cmd_one_of("--state", cmd_opt(c, "state"), registration_states,
	    cause))
		return false;
	app_push(a, registrations_view(a, cmd_opt(c, "state"), cmd_opt(c,
	    "region")));
	return true;
}

static bool
cmd_registration(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, registration_view(a, c->argv[0]));
	return true;
}

/* The commands deciding a registration, by name. */
static bool
cmd_decide_registration(struct app *a, const struct cmd_args *c,
    char **cause)
{
	static const struct {
		const char		*name;
		enum reg_decision	 what;
	} names[] = {
		{ "review-registration", REG_REVIEW },
		{ "approve-registration", REG_APPROVE },
		{ "reject-registration", REG_REJECT },
		{ "request-changes", REG_CHANGES },
	};
	size_t	i;

	for (i = 0; strcmp(names[i].name, c->cmd->name) != 0; i++)
		;
	if ((names[i].what == REG_REJECT || names[i].what == REG_CHANGES) &&
	    cmd_opt(c, "reason") == NULL) {
		*cause = xasprintf("%s needs --reason", c->cmd->name);
		return false;
	}
	app_push(a, registration_decide_view(a, c->argv[0], names[i].what,
	    cmd_opt(c, "reason")));
	return true;
}

static bool
cmd_save_document(struct app *a, const struct cmd_args *c, char **cause)
{
	if (app_batch(a) && cmd_opt(c, "to") == NULL) {
		*cause = xstrdup("save-document needs --to FILE");
		return false;
	}
	app_push(a, registration_save_view(a, c->argv[0], c->argv[1],
	    cmd_opt(c, "to")));
	return true;
}

/* --- vendors -------------------------------------------------------------- */

static bool
cmd_vendors(struct app *a, const struct cmd_args *c, char **cause)
{
	struct vendors_filter	 f;
	struct view		*v;

	if (!cmd_one_of("--status", cmd_opt(c, "status"), vendor_statuses,
	    cause))
		return false;
	memset(&f, 0, sizeof f);
	f.q = c->argc > 0 ? c->argv[0] : NULL;
	f.status = cmd_opt(c, "status");
	f.category = cmd_opt(c, "category");
	f.badge = cmd_opt(c, "badge");
	f.rating = cmd_opt(c, "rating");
	f.joined_after = cmd_opt(c, "joined-after");
	f.joined_before = cmd_opt(c, "joined-before");
	f.region = cmd_opt(c, "region");
	if ((v = vendors_view(a, &f, cause)) == NULL)
		return false;
	app_push(a, v);
	return true;
}

static bool
cmd_vendor(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, vendor_view(a, c->argv[0]));
	return true;
}

static bool
cmd_suspend_vendor(struct app *a, const struct cmd_args *c, char **cause)
{
	if (cmd_opt(c, "reason") == NULL) {
		*cause = xstrdup("suspend-vendor needs --reason");
		return false;
	}
	app_push(a, vendor_status_view(a, c->argv[0], true, cmd_opt(c,
	    "reason")));
	return true;
}

static bool
cmd_reactivate_vendor(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, vendor_status_view(a, c->argv[0], false, cmd_opt(c,
	    "reason")));
	return true;
}

static bool
cmd_note_vendor(struct app *a, const struct cmd_args *c, char **cause)
{
	bool	visit = strcmp(c->cmd->name, "visit-vendor") == 0;

	if (app_batch(a) && cmd_opt(c, "text") == NULL) {
		*cause = xasprintf("%s needs --text", c->cmd->name);
		return false;
	}
	app_push(a, vendor_note_view(a, c->argv[0], visit, visit ? cmd_opt(c,
	    "at") : NULL, cmd_opt(c, "text")));
	return true;
}

/* --- listings ------------------------------------------------------------- */

static const char *const cmd_orders[] = { "newest", "oldest", NULL };

static bool
cmd_listings(struct app *a, const struct cmd_args *c, char **cause)
{
	if (!cmd_one_of("--status", cmd_opt(c, "status"), listing_statuses,
	    cause) || !cmd_one_of("--order", cmd_opt(c, "order"), cmd_orders,
	    cause))
		return false;
	app_push(a, listings_view(a, c->argc > 0 ? c->argv[0] : NULL,
	    cmd_opt(c, "status"), cmd_opt(c, "vendor"), cmd_opt(c,
	    "category"), cmd_opt(c, "order")));
	return true;
}

static bool
cmd_listing(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, listing_view(a, c->argv[0]));
	return true;
}

static bool
cmd_approve_listing(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, listing_decide_view(a, c->argv[0], true, NULL));
	return true;
}

static bool
cmd_reject_listing(struct app *a, const struct cmd_args *c, char **cause)
{
	if (cmd_opt(c, "reason") == NULL) {
		*cause = xstrdup("reject-listing needs --reason");
		return false;
	}
	app_push(a, listing_decide_view(a, c->argv[0], false, cmd_opt(c,
	    "reason")));
	return true;
}

/* --- tele-calling --------------------------------------------------------- */

static bool
cmd_agent(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, agent_view(a, c->argc > 0 ? c->argv[0] : NULL));
	return true;
}

/* leads [QUERY] ..., or leads import FILE --queue NAME. */
static bool
cmd_leads(struct app *a, const struct cmd_args *c, char **cause)
{
	struct leads_filter	f;

	if (c->argc > 0 && strcmp(c->argv[0], "import") == 0) {
		if (c->argc != 2) {
			*cause = xstrdup("usage: leads import FILE --queue "
			    "NAME [--dry-run]");
			return false;
		}
		app_push(a, leads_import_view(a, c->argv[1], cmd_opt(c,
		    "queue"), cmd_opt(c, "dry-run") != NULL));
		return true;
	}
	if (c->argc > 1) {
		*cause = xstrdup("leads takes one search (quote it) or "
		    "import FILE");
		return false;
	}
	if (!cmd_one_of("--status", cmd_opt(c, "status"), lead_statuses,
	    cause))
		return false;
	memset(&f, 0, sizeof f);
	f.q = c->argc > 0 ? c->argv[0] : NULL;
	f.status = cmd_opt(c, "status");
	f.queue = cmd_opt(c, "queue");
	f.owner = cmd_opt(c, "owner");
	f.source = cmd_opt(c, "source");
	f.sla = cmd_opt(c, "late") != NULL ? "breached" : NULL;
	f.sort = cmd_opt(c, "sort");
	app_push(a, leads_view(a, &f));
	return true;
}

static bool
cmd_lead(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, lead_view(a, c->argv[0]));
	return true;
}

static bool
cmd_queues(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_push(a, queues_view(a));
	return true;
}

/* queue stats NAME */
static bool
cmd_queue(struct app *a, const struct cmd_args *c, char **cause)
{
	if (c->argc != 2 || strcmp(c->argv[0], "stats") != 0) {
		*cause = xstrdup("usage: queue stats NAME");
		return false;
	}
	app_push(a, queue_stats_view(a, c->argv[1]));
	return true;
}

static bool
cmd_callbacks(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, callbacks_view(a, cmd_opt(c, "all") != NULL, cmd_opt(c,
	    "overdue") != NULL, cmd_opt(c, "queue")));
	return true;
}

static bool
cmd_dnc(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, dnc_view(a, c->argc > 0 ? c->argv[0] : NULL));
	return true;
}

static bool
cmd_queries(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, queries_view(a, cmd_opt(c, "status")));
	return true;
}

static bool
cmd_reports(struct app *a, const struct cmd_args *c, char **cause)
{
	struct view	*v;

	if ((v = reports_view(a, cmd_opt(c, "group"), cmd_opt(c, "from"),
	    cmd_opt(c, "to"), cause)) == NULL)
		return false;
	app_push(a, v);
	return true;
}

static bool
cmd_wallboard(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_push(a, wallboard_view(a));
	return true;
}

#define NOOPTS	{ { NULL, NULL, 0, NULL } }

/* Every command of the console; see cmd.h. */
const struct command commands[] = {
	{ "regions", NULL, "[--parent ID|none] [--kind KIND]",
	  "list regions: all, those under a parent (none: the top) or of one "
	  "kind",
	  { { "parent", "ID|none", COMPLETE_PARENT, "the parent region" },
	    { "kind", "KIND", COMPLETE_KIND, "country, state, "
	      "union_territory, district, city or area" } },
	  0, 0, COMPLETE_NONE, 0, cmd_regions },
	{ "region", NULL, "ID", "one region's details, with its ancestors",
	  { { NULL, NULL, 0, NULL } }, 1, 1, COMPLETE_ID, 0, cmd_region },
	{ "lookup", NULL, "[ID|PINCODE]...",
	  "look regions up by ids and pincodes; alone: a form, filled with "
	  "the selected rows",
	  { { NULL, NULL, 0, NULL } }, 0, 200, COMPLETE_ID, 0, cmd_lookup },
	{ "health", NULL, "", "soukd's health checks and their latency",
	  { { NULL, NULL, 0, NULL } }, 0, 0, COMPLETE_NONE, 0, cmd_health },
	{ "refresh", NULL, "", "reload the visible view",
	  { { NULL, NULL, 0, NULL } }, 0, 0, COMPLETE_NONE, CMD_SCREEN,
	  cmd_refresh },
	{ "pause", NULL, "", "pause or resume automatic refresh",
	  { { NULL, NULL, 0, NULL } }, 0, 0, COMPLETE_NONE, CMD_SCREEN,
	  cmd_pause },
	{ "save-display", NULL, "FILE", "write the screen to FILE as text",
	  { { NULL, NULL, 0, NULL } }, 1, 1, COMPLETE_FILE, CMD_SCREEN,
	  cmd_save_display },
	{ "clear-history", NULL, "", "forget the command history (asks "
	  "first)", { { NULL, NULL, 0, NULL } }, 0, 0, COMPLETE_NONE,
	  CMD_SCREEN, cmd_clear_history },
	{ "help", NULL, "[keys]", "list the commands; help keys: the keys of "
	  "the view", { { NULL, NULL, 0, NULL } }, 0, 1, COMPLETE_COMMAND, 0,
	  cmd_help_run },
	{ "quit", "q", "", "leave souk", { { NULL, NULL, 0, NULL } }, 0, 0,
	  COMPLETE_NONE, CMD_SCREEN, cmd_quit },

	{ "login", NULL, "[--email EMAIL [--password-stdin]]",
	  "sign in; full screen, the sign-in screen; else asks on the "
	  "terminal, or reads the password from standard input",
	  { { "email", "EMAIL", COMPLETE_NONE, "the account's email" },
	    { "password-stdin", NULL, COMPLETE_NONE, "read the password from "
	      "standard input" } },
	  0, 0, COMPLETE_NONE, CMD_BATCH, cmd_login },
	{ "logout", NULL, "", "sign out: end the session and forget the "
	  "credentials", NOOPTS, 0, 0, COMPLETE_NONE, CMD_BATCH, cmd_logout },
	{ "me", NULL, "", "my account: name, language, time zone; links to "
	  "my sessions and my password", NOOPTS, 0, 0, COMPLETE_NONE,
	  CMD_AUTH, cmd_me },
	{ "sessions", NULL, "", "where I am signed in; x signs one out",
	  NOOPTS, 0, 0, COMPLETE_NONE, CMD_AUTH, cmd_sessions },
	{ "revoke-session", NULL, "ID", "sign one of my sessions out",
	  NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH, cmd_revoke_session },
	{ "password", NULL, "", "change my password (signs out my other "
	  "sessions)", NOOPTS, 0, 0, COMPLETE_NONE, CMD_AUTH | CMD_SCREEN,
	  cmd_password },

	{ "jobs", NULL, "[--state STATE] [--kind KIND]",
	  "the job queue, newest first, with the counts by state (admin)",
	  { { "state", "STATE", COMPLETE_JOB_STATE, "pending, running, done, "
	      "failed or cancelled" },
	    { "kind", "KIND", COMPLETE_NONE, "a job kind, such as noop" } },
	  0, 0, COMPLETE_NONE, CMD_AUTH, cmd_jobs },
	{ "job", NULL, "ID", "one job: its payload and every error",
	  NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH, cmd_job },
	{ "retry-job", NULL, "ID", "run a failed or cancelled job again",
	  NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH, cmd_retry_job },
	{ "cancel-job", NULL, "ID", "make sure a pending job never runs",
	  NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH, cmd_cancel_job },
	{ "schedules", NULL, "", "the periodic work and when it runs next "
	  "(admin)", NOOPTS, 0, 0, COMPLETE_NONE, CMD_AUTH, cmd_schedules },

	{ "templates", NULL, "[--kind KIND] [--channel CHANNEL] "
	  "[--language LANG]", "notification templates (admin)",
	  { { "kind", "KIND", COMPLETE_NONE, "a kind of message (see kinds)" },
	    { "channel", "CHANNEL", COMPLETE_CHANNEL, "sms, whatsapp, email "
	      "or push" },
	    { "language", "LANG", COMPLETE_NONE, "en or hi" } },
	  0, 0, COMPLETE_NONE, CMD_AUTH, cmd_templates },
	{ "template", NULL, "ID", "edit a template: subject, body, HTML, "
	  "WhatsApp template", NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH,
	  cmd_template },
	{ "new-template", NULL, "[--kind KIND] [--channel CHANNEL] "
	  "[--language LANG]", "a form adding a template for a channel or "
	  "language",
	  { { "kind", "KIND", COMPLETE_NONE, "a kind of message (see kinds)" },
	    { "channel", "CHANNEL", COMPLETE_CHANNEL, "sms, whatsapp, email "
	      "or push" },
	    { "language", "LANG", COMPLETE_NONE, "en or hi" } },
	  0, 0, COMPLETE_NONE, CMD_AUTH | CMD_SCREEN, cmd_new_template },
	{ "kinds", NULL, "", "the messages soukd sends and the variables "
	  "their templates may use (admin)", NOOPTS, 0, 0, COMPLETE_NONE,
	  CMD_AUTH, cmd_kinds },
	{ "outbox", NULL, "[--user ID] [--state STATE] [--channel CHANNEL] "
	  "[--kind KIND]", "notifications sent and to send, newest first "
	  "(supervisor, admin)",
	  { { "user", "ID", COMPLETE_NONE, "a user's id" },
	    { "state", "STATE", COMPLETE_OUTBOX_STATE, "pending, sent, failed "
	      "or suppressed" },
	    { "channel", "CHANNEL", COMPLETE_CHANNEL, "sms, whatsapp, email "
	      "or push" },
	    { "kind", "KIND", COMPLETE_NONE, "a kind of message" } },
	  0, 0, COMPLETE_NONE, CMD_AUTH, cmd_outbox },
	{ "notification", NULL, "ID", "one notification with every attempt "
	  "to deliver it", NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH,
	  cmd_notification },

	{ "users", NULL, "[QUERY] [--role ROLE] [--status STATUS] "
	  "[--region ID]", "accounts: a phone, an email or the start of a "
	  "name (admin)",
	  { { "role", "ROLE", COMPLETE_ROLE, "customer ... admin" },
	    { "status", "STATUS", COMPLETE_USER_STATUS, "active or "
	      "suspended" },
	    { "region", "ID", COMPLETE_NONE, "a region: its accounts and its "
	      "subregions'" } },
	  0, 1, COMPLETE_NONE, CMD_AUTH, cmd_users },
	{ "user", NULL, "ID", "one account: change its name, role, language "
	  "and regions", NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH, cmd_user },
	{ "new-user", NULL, "[--role ROLE] [--name NAME] [--email EMAIL] "
	  "[--phone PHONE] [--regions IDS]", "create a staff account; its "
	  "password is shown once",
	  { { "role", "ROLE", COMPLETE_ROLE, "the role" },
	    { "name", "NAME", COMPLETE_NONE, "the person's name" },
	    { "email", "EMAIL", COMPLETE_NONE, "to sign in with" },
	    { "phone", "PHONE", COMPLETE_NONE, "to sign in with" },
	    { "regions", "IDS", COMPLETE_NONE, "region ids, comma-separated" } },
	  0, 0, COMPLETE_NONE, CMD_AUTH, cmd_new_user },
	{ "edit-user", NULL, "ID [--name NAME] [--role ROLE] [--language LANG] "
	  "[--regions IDS]", "change an account's name, role, language or "
	  "regions",
	  { { "name", "NAME", COMPLETE_NONE, "the person's name" },
	    { "role", "ROLE", COMPLETE_ROLE, "the role" },
	    { "language", "LANG", COMPLETE_NONE, "en or hi" },
	    { "regions", "IDS", COMPLETE_NONE, "region ids, comma-separated" } },
	  1, 1, COMPLETE_ID, CMD_AUTH, cmd_edit_user },
	{ "suspend-user", NULL, "ID --reason TEXT", "suspend an account; its "
	  "sessions end at once",
	  { { "reason", "TEXT", COMPLETE_NONE, "why, for the record" } },
	  1, 1, COMPLETE_ID, CMD_AUTH, cmd_suspend_user },
	{ "reactivate-user", NULL, "ID", "reactivate a suspended account",
	  NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH, cmd_reactivate_user },
	{ "reset-login", NULL, "ID", "give an account a new password, shown "
	  "once, and end its sessions", NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH,
	  cmd_reset_login },

	{ "audit", NULL, "[--actor ID] [--action ACTION] [--target TYPE[:ID]] "
	  "[--since TIME] [--until TIME]", "the audit log, newest first "
	  "(admin)",
	  { { "actor", "ID", COMPLETE_NONE, "who did it (a user's id)" },
	    { "action", "ACTION", COMPLETE_NONE, "such as user.suspended, or a "
	      "prefix such as auth." },
	    { "target", "TYPE[:ID]", COMPLETE_NONE, "what it was done to, such "
	      "as user:12" },
	    { "since", "TIME", COMPLETE_NONE, "from: 2h, 2026-11-20, today "
	      "9am, RFC 3339" },
	    { "until", "TIME", COMPLETE_NONE, "before that time" } },
	  0, 0, COMPLETE_NONE, CMD_AUTH, cmd_audit },

	{ "registrations", NULL, "[--state STATE] [--region ID]",
	  "businesses asking to sell, oldest first (employee, supervisor, "
	  "admin)",
	  { { "state", "STATE", COMPLETE_REG_STATE, "submitted, under_review, "
	      "needs_changes, approved or rejected" },
	    { "region", "ID", COMPLETE_NONE, "a region: its registrations and "
	      "its subregions'" } },
	  0, 0, COMPLETE_NONE, CMD_AUTH, cmd_registrations },
	{ "registration", NULL, "ID", "one registration: its details, "
	  "documents and history", NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH,
	  cmd_registration },
	{ "review-registration", NULL, "ID", "take a submitted registration "
	  "up for review", NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH,
	  cmd_decide_registration },
	{ "approve-registration", NULL, "ID", "approve a registration: the "
	  "business becomes a vendor", NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH,
	  cmd_decide_registration },
	{ "reject-registration", NULL, "ID --reason TEXT", "reject a "
	  "registration, saying why",
	  { { "reason", "TEXT", COMPLETE_NONE, "why, for the applicant" } },
	  1, 1, COMPLETE_ID, CMD_AUTH, cmd_decide_registration },
	{ "request-changes", NULL, "ID --reason TEXT", "send a registration "
	  "back, saying what to change",
	  { { "reason", "TEXT", COMPLETE_NONE, "what to change, for the "
	      "applicant" } },
	  1, 1, COMPLETE_ID, CMD_AUTH, cmd_decide_registration },
	{ "save-document", NULL, "ID DOCUMENT [--to FILE]", "save a "
	  "registration's document to a file (asks before replacing one)",
	  { { "to", "FILE", COMPLETE_FILE, "where: a file, or a directory to "
	      "put it in" } },
	  2, 2, COMPLETE_ID, CMD_AUTH, cmd_save_document },

	{ "vendors", NULL, "[QUERY] [--status STATUS] [--category CATEGORY] "
	  "[--badge BADGE] [--rating N] [--joined-after TIME] "
	  "[--joined-before TIME] [--region ID]",
	  "vendors of my regions, newest first: a name or part of one",
	  { { "status", "STATUS", COMPLETE_VENDOR_STATUS, "active or "
	      "suspended" },
	    { "category", "CATEGORY", COMPLETE_NONE, "such as Grocery" },
	    { "badge", "BADGE", COMPLETE_NONE, "such as verified_gst" },
	    { "rating", "N", COMPLETE_NONE, "rated at least N stars (1 to "
	      "5)" },
	    { "joined-after", "TIME", COMPLETE_NONE, "joined since: 30d, "
	      "2026-01-01, RFC 3339" },
	    { "joined-before", "TIME", COMPLETE_NONE, "joined before that "
	      "time" },
	    { "region", "ID", COMPLETE_NONE, "a region: its vendors and its "
	      "subregions'" } },
	  0, 1, COMPLETE_NONE, CMD_AUTH, cmd_vendors },
	{ "vendor", NULL, "ID", "one vendor: profile, listings, sales, visits "
	  "and notes", NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH, cmd_vendor },
	{ "suspend-vendor", NULL, "ID --reason TEXT", "suspend a vendor: its "
	  "listings are hidden; the owner is told why",
	  { { "reason", "TEXT", COMPLETE_NONE, "why, for the owner and the "
	      "record" } },
	  1, 1, COMPLETE_ID, CMD_AUTH, cmd_suspend_vendor },
	{ "reactivate-vendor", NULL, "ID [--reason TEXT]", "reactivate a "
	  "suspended vendor",
	  { { "reason", "TEXT", COMPLETE_NONE, "why, for the record" } },
	  1, 1, COMPLETE_ID, CMD_AUTH, cmd_reactivate_vendor },
	{ "note-vendor", NULL, "ID [--text TEXT]", "write a note about a "
	  "vendor",
	  { { "text", "TEXT", COMPLETE_NONE, "the note" } },
	  1, 1, COMPLETE_ID, CMD_AUTH, cmd_note_vendor },
	{ "visit-vendor", NULL, "ID [--at TIME] [--text TEXT]", "record a "
	  "visit to a vendor",
	  { { "at", "TIME", COMPLETE_NONE, "when: now (the default), today "
	      "11am, 2h, RFC 3339" },
	    { "text", "TEXT", COMPLETE_NONE, "what happened" } },
	  1, 1, COMPLETE_ID, CMD_AUTH, cmd_note_vendor },

	{ "listings", NULL, "[QUERY] [--status STATUS|all] [--vendor ID] "
	  "[--category ID] [--order newest|oldest]", "the review queue, "
	  "oldest first; or listings of a status, vendor or category",
	  { { "status", "STATUS", COMPLETE_LISTING_STATUS, "pending_review "
	      "(the default), active, rejected, draft, archived or all" },
	    { "vendor", "ID", COMPLETE_NONE, "a vendor's id" },
	    { "category", "ID", COMPLETE_NONE, "a category's id: it and those "
	      "under it" },
	    { "order", "newest|oldest", COMPLETE_NONE, "the queue is oldest "
	      "first, the others newest first" } },
	  0, 1, COMPLETE_NONE, CMD_AUTH, cmd_listings },
	{ "listing", NULL, "ID", "one listing: variants, prices, stock, "
	  "images, history", NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH,
	  cmd_listing },
	{ "approve-listing", NULL, "ID", "approve a listing waiting for "
	  "review (moderator, admin)", NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH,
	  cmd_approve_listing },
	{ "reject-listing", NULL, "ID --reason TEXT", "reject a listing "
	  "waiting for review, saying why",
	  { { "reason", "TEXT", COMPLETE_NONE, "why, for the vendor" } },
	  1, 1, COMPLETE_ID, CMD_AUTH, cmd_reject_listing },

	{ "agent", NULL, "[QUEUE]", "the tele-caller's screen: the next "
	  "lead, its call, disposition and callback, one key each",
	  NOOPTS, 0, 1, COMPLETE_NONE, CMD_AUTH | CMD_SCREEN, cmd_agent },
	{ "leads", NULL, "[QUERY] [--status S] [--queue ID] [--owner ID|me] "
	  "[--source S] [--late] [--sort created|score] | import FILE "
	  "--queue NAME [--dry-run]", "leads of my regions, newest first: a "
	  "phone prefix or part of a name; import: load a CSV file",
	  { { "status", "STATUS", COMPLETE_NONE, "new, contacted, interested, "
	      "callback, converted, not_interested, unreachable, dnc, "
	      "invalid" },
	    { "queue", "ID|NAME", COMPLETE_NONE, "a queue (import: the queue "
	      "the leads go to)" },
	    { "owner", "ID|me", COMPLETE_NONE, "the agent who owns them" },
	    { "source", "SOURCE", COMPLETE_NONE, "web_form, csv_import, ..." },
	    { "late", NULL, COMPLETE_NONE, "only those past their SLA" },
	    { "sort", "created|score", COMPLETE_NONE, "newest first (the "
	      "default) or best score first" },
	    { "dry-run", NULL, COMPLETE_NONE, "import: check every row, "
	      "store none" } },
	  0, 2, COMPLETE_FILE, CMD_AUTH, cmd_leads },
	{ "lead", NULL, "ID", "one lead: every field and its history",
	  NOOPTS, 1, 1, COMPLETE_ID, CMD_AUTH, cmd_lead },
	{ "queues", NULL, "", "call queues and their depths; Enter works one",
	  NOOPTS, 0, 0, COMPLETE_NONE, CMD_AUTH, cmd_queues },
	{ "queue", NULL, "stats NAME", "a queue's depths, today's calls and "
	  "its agents by state", NOOPTS, 2, 2, COMPLETE_NONE, CMD_AUTH,
	  cmd_queue },
	{ "callbacks", NULL, "[--all] [--overdue] [--queue ID]",
	  "my callbacks, soonest first",
	  { { "all", NULL, COMPLETE_NONE, "everyone's, not only mine" },
	    { "overdue", NULL, COMPLETE_NONE, "only those past due" },
	    { "queue", "ID", COMPLETE_NONE, "of one queue" } },
	  0, 0, COMPLETE_NONE, CMD_AUTH, cmd_callbacks },
	{ "dnc", NULL, "[PREFIX]", "the do-not-call list, or its numbers "
	  "starting with PREFIX", NOOPTS, 0, 1, COMPLETE_NONE, CMD_AUTH,
	  cmd_dnc },
	{ "queries", NULL, "[--status STATUS]", "customers' queries about "
	  "orders and vendors",
	  { { "status", "STATUS", COMPLETE_NONE, "open, in_progress, resolved, "
	      "closed" } },
	  0, 0, COMPLETE_NONE, CMD_AUTH, cmd_queries },
	{ "reports", NULL, "[--group agent|queue|day] [--from TIME] "
	  "[--to TIME]", "calls, connects, talk and pause time, conversions "
	  "and rates",
	  { { "group", "agent|queue|day", COMPLETE_NONE, "rows by agent (the "
	      "default), queue or day" },
	    { "from", "TIME", COMPLETE_NONE, "since: today, 7d, 2026-11-01" },
	    { "to", "TIME", COMPLETE_NONE, "before that time" } },
	  0, 0, COMPLETE_NONE, CMD_AUTH, cmd_reports },
	{ "wallboard", NULL, "", "supervisors: agents and their states, "
	  "queue depths and today's totals, live; p freezes it",
	  NOOPTS, 0, 0, COMPLETE_NONE, CMD_AUTH, cmd_wallboard },
};

const size_t ncommands = sizeof commands / sizeof commands[0];

void
cmd_free_words(char **words, size_t n)
{
	size_t	i;

	if (words == NULL)
		return;
	for (i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

bool
cmd_split(const char *line, char ***out, size_t *n, char **cause)
{
	struct buf	 w;
	char		**words = NULL, quote;
	const char	*p = line;
	size_t		  count = 0;
	bool		  in_word;

	*cause = NULL;
	buf_init(&w, 0);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		buf_reset(&w);
		in_word = true;
		while (in_word && *p != '\0') {
			switch (*p) {
			case ' ': case '\t': case '\n': case '\r':
				in_word = false;
				continue;
			case '\'':
			case '"':
				quote = *p++;
				while (*p != '\0' && *p != quote) {
					if (quote == '"' && *p == '\\' &&
					    p[1] != '\0')
						p++;
					if (!buf_add(&w, p++, 1))
						fatalx("cmd_split");
				}
				if (*p == '\0') {
					*cause = xasprintf("the %s quote is "
					    "not closed", quote == '"' ?
					    "double" : "single");
					goto fail;
				}
				p++;
				continue;
			case '\\':
				if (p[1] != '\0')
					p++;
				break;
			}
			if (!buf_add(&w, p++, 1))
				fatalx("cmd_split");
		}
		words = xreallocarray(words, count + 2, sizeof *words);
		words[count++] = xstrndup(w.data != NULL ? w.data : "", w.len);
		words[count] = NULL;
	}
	if (words == NULL)
		words = xcalloc(1, sizeof *words);
	buf_free(&w);
	*out = words;
	*n = count;
	return true;
fail:
	buf_free(&w);
	cmd_free_words(words, count);
	*out = NULL;
	*n = 0;
	return false;
}

const struct command *
cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; i < ncommands; i++) {
		if (strcmp(commands[i].name, name) == 0 ||
		    (commands[i].alias != NULL &&
		    strcmp(commands[i].alias, name) == 0))
			return &commands[i];
	}
	return NULL;
}

static int
cmd_find_opt(const struct command *c, const char *name, size_t len)
{
	int	i;

	for (i = 0; i < CMD_MAXOPTS && c->opts[i].name != NULL; i++) {
		if (strlen(c->opts[i].name) == len &&
		    strncmp(c->opts[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

void
cmd_args_free(struct cmd_args *a)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < CMD_MAXOPTS; i++)
		free(a->opts[i]);
	free(a->argv);
	cmd_free_words(a->words, a->nwords);
	memset(a, 0, sizeof *a);
}

bool
cmd_take_json(char *line)
{
	size_t	n;

	if (line == NULL)
		return false;
	n = strlen(line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' ||
	    line[n - 1] == '\n'))
		n--;
	if (n < 7 || strncmp(line + n - 6, "--json", 6) != 0 ||
	    (line[n - 7] != ' ' && line[n - 7] != '\t' &&
	    line[n - 7] != '\n'))
		return false;
	line[n - 7] = '\0';
	return true;
}

bool
cmd_parse(const char *line, struct cmd_args *a, char **cause)
{
	const struct command	*c;
	const char		*w, *eq, *value;
	size_t			 i, len;
	bool			 options = true;
	int			 o;

	memset(a, 0, sizeof *a);
	if (!cmd_split(line, &a->words, &a->nwords, cause))
		return false;
	if (a->nwords == 0) {
		*cause = xstrdup("no command given; help lists them");
		goto fail;
	}
	if ((c = cmd_find(a->words[0])) == NULL) {
		*cause = xasprintf("there is no command '%s'; help lists them",
		    a->words[0]);
		goto fail;
	}
	a->cmd = c;
	a->argv = xcalloc(a->nwords + 1, sizeof *a->argv);
	for (i = 1; i < a->nwords; i++) {
		w = a->words[i];
		if (options && strcmp(w, "--") == 0) {
			options = false;
			continue;
		}
		if (!options || strncmp(w, "--", 2) != 0) {
			a->argv[a->argc++] = a->words[i];
			continue;
		}
		eq = strchr(w + 2, '=');
		len = eq != NULL ? (size_t)(eq - (w + 2)) : strlen(w + 2);
		if ((o = cmd_find_opt(c, w + 2, len)) < 0) {
			*cause = xasprintf("%s has no option %.*s; usage: %s %s",
			    c->name, (int)(len + 2), w, c->name, c->usage);
			goto fail;
		}
		if (c->opts[o].arg == NULL) {
			/* A flag: present or not. */
			if (eq != NULL) {
				*cause = xasprintf("--%s takes no value",
				    c->opts[o].name);
				goto fail;
			}
			free(a->opts[o]);
			a->opts[o] = xstrdup("yes");
			continue;
		}
		if (eq != NULL)
			value = eq + 1;
		else if (i + 1 < a->nwords)
			value = a->words[++i];
		else {
			*cause = xasprintf("--%s needs a value (%s)",
			    c->opts[o].name, c->opts[o].arg);
			goto fail;
		}
		free(a->opts[o]);
		a->opts[o] = xstrdup(value);
	}
	if (a->argc < c->min || a->argc > c->max) {
		*cause = xasprintf("usage: %s %s", c->name, c->usage);
		goto fail;
	}
	return true;
fail:
	cmd_args_free(a);
	return false;
}

const char *
cmd_opt(const struct cmd_args *a, const char *name)
{
	int	o;

	if (a->cmd == NULL || (o = cmd_find_opt(a->cmd, name,
	    strlen(name))) < 0)
		return NULL;
	return a->opts[o];
}

enum cmd_complete
cmd_completion(const char *before, const char *word)
{
	const struct command	*c;
	enum cmd_complete	 what = COMPLETE_NONE;
	char			**words = NULL, *cause = NULL;
	size_t			  n = 0, i, npos = 0;
	int			  o;

	if (!cmd_split(before != NULL ? before : "", &words, &n, &cause)) {
		free(cause);
		return COMPLETE_NONE;
	}
	if (n == 0) {
		what = COMPLETE_COMMAND;
		goto out;
	}
	if ((c = cmd_find(words[0])) == NULL)
		goto out;
	if (word != NULL && word[0] == '-') {
		what = c->opts[0].name != NULL ? COMPLETE_OPTION :
		    COMPLETE_NONE;
		goto out;
	}
	for (i = 1; i < n; i++) {
		if (strncmp(words[i], "--", 2) == 0 && words[i][2] != '\0') {
			o = cmd_find_opt(c, words[i] + 2, strlen(words[i] + 2));
			if (o >= 0 && strchr(words[i], '=') == NULL &&
			    c->opts[o].arg != NULL) {
				if (i + 1 == n) {
					what = c->opts[o].complete;
					goto out;
				}
				i++;
			}
			continue;
		}
		npos++;
	}
	if (npos < c->max)
		what = c->complete;
out:
	cmd_free_words(words, n);
	return what;
}

void
cmd_help(struct buf *b)
{
	const struct command	*c;
	char			*head;
	size_t			 i;
	int			 w = 0, hw;

	for (i = 0; i < ncommands; i++) {
		c = &commands[i];
		head = xasprintf("%s %s", c->name, c->usage);
		if ((hw = text_width(head)) > w)
			w = hw;
		free(head);
	}
	for (i = 0; i < ncommands; i++) {
		c = &commands[i];
		head = xasprintf("%s %s", c->name, c->usage);
		if (!buf_printf(b, "  %-*s  %s%s%s%s\n", w, head, c->summary,
		    c->alias != NULL ? " (also " : "", c->alias != NULL ?
		    c->alias : "", c->alias != NULL ? ")" : ""))
			fatalx("cmd_help");
		free(head);
	}
}
