#include <stdio.h>
#include <string.h>

#include "app.h"
#include "keymap.h"
#include "keys.h"
#include "views.h"
#include "xmalloc.h"

/*
 * Every binding of the console.  Order matters for help: actions show in
 * the order of their first key here.
 */
const struct keybind keymap[] = {
	/* Everywhere. */
	{ '?', SCOPE_GLOBAL, "help", "show the keys of this view",
	  app_key_help, 0 },
	{ ':', SCOPE_GLOBAL, "command", "open the command line (Tab "
	  "completes, Up recalls)", app_key_command, 0 },
	{ 'r', SCOPE_GLOBAL, "refresh", "reload this view now",
	  app_key_refresh, 0 },
	{ 'p', SCOPE_GLOBAL, "pause", "pause or resume automatic refresh",
	  app_key_pause, 0 },
	{ K_ESC, SCOPE_GLOBAL, "back", "go back (first clears a filter)",
	  app_key_back, KEY_NAV },
	{ 'q', SCOPE_GLOBAL, "close", "go back; quit from the first view",
	  app_key_back, KEY_NAV },
	{ K_CTRL('l'), SCOPE_GLOBAL, "redraw", "redraw the screen",
	  app_key_redraw, 0 },

	/* Moving in tables and forms. */
	{ 'j', SCOPE_MOVE, "down", "next row", app_key_down, KEY_NAV },
	{ K_DOWN, SCOPE_MOVE, "down", "next row", app_key_down, KEY_NAV },
	{ 'k', SCOPE_MOVE, "up", "previous row", app_key_up, KEY_NAV },
	{ K_UP, SCOPE_MOVE, "up", "previous row", app_key_up, KEY_NAV },
	{ K_PGDN, SCOPE_MOVE, "page-down", "next page", app_key_page_down,
	  KEY_NAV },
	{ K_CTRL('f'), SCOPE_MOVE, "page-down", "next page",
	  app_key_page_down, KEY_NAV },
	{ K_PGUP, SCOPE_MOVE, "page-up", "previous page", app_key_page_up,
	  KEY_NAV },
	{ K_CTRL('b'), SCOPE_MOVE, "page-up", "previous page",
	  app_key_page_up, KEY_NAV },
	{ 'g', SCOPE_MOVE, "top", "first row", app_key_top, KEY_NAV },
	{ K_HOME, SCOPE_MOVE, "top", "first row", app_key_top, KEY_NAV },
	{ 'G', SCOPE_MOVE, "bottom", "last row", app_key_bottom, KEY_NAV },
	{ K_END, SCOPE_MOVE, "bottom", "last row", app_key_bottom, KEY_NAV },

	/* Tables. */
	{ K_ENTER, SCOPE_TABLE, "open", "open the row", app_key_open,
	  KEY_NAV },
	{ '/', SCOPE_TABLE, "filter", "filter rows as you type (words must "
	  "all match; !word excludes)", app_key_filter, 0 },
	{ K_SPACE, SCOPE_TABLE, "select", "select or unselect the row for a "
	  "bulk action", app_key_mark, KEY_NAV },
	{ 'u', SCOPE_TABLE, "unselect", "unselect every row",
	  app_key_unmark, 0 },
	{ K_DIGIT, SCOPE_TABLE, "sort", "sort by column N; again reverses",
	  app_key_sort, 0 },
	{ '<', SCOPE_TABLE, "sort-prev", "sort by the column to the left",
	  app_key_sort_prev, 0 },
	{ '>', SCOPE_TABLE, "sort-next", "sort by the column to the right",
	  app_key_sort_next, 0 },
	{ 'I', SCOPE_TABLE, "sort-invert", "reverse the sort order",
	  app_key_sort_invert, 0 },

	/* Details and forms. */
	{ K_ENTER, SCOPE_FORM, "enter", "edit the field, follow the link or "
	  "press the button", app_key_form_enter, KEY_NAV },
	{ K_TAB, SCOPE_FORM, "down", "next field", app_key_down, KEY_NAV },
	{ K_BTAB, SCOPE_FORM, "up", "previous field", app_key_up, KEY_NAV },

	/* Views. */
	{ 'i', SCOPE_REGIONS, "details", "show the region's details",
	  regions_key_details, 0 },
	{ 'o', SCOPE_LOGIN, "switch", "sign in with a phone and a code, or "
	  "with an email and a password", login_key_switch, 0 },
	{ 'x', SCOPE_SESSIONS, "sign-out", "sign the session out (asks "
	  "first)", sessions_key_revoke, KEY_DESTRUCTIVE },
	{ 'R', SCOPE_JOBS, "retry", "run a failed or cancelled job again "
	  "(asks first)", jobs_key_retry, KEY_DESTRUCTIVE },
	{ 'x', SCOPE_JOBS, "cancel", "cancel a pending job (asks first)",
	  jobs_key_cancel, KEY_DESTRUCTIVE },
	{ 's', SCOPE_JOBS, "state", "show the jobs of the next state: all, "
	  "pending, running, done, failed, cancelled", jobs_key_state, 0 },
	{ 'R', SCOPE_JOB, "retry", "run the job again if it failed or was "
	  "cancelled (asks first)", jobs_key_retry, KEY_DESTRUCTIVE },
	{ 'x', SCOPE_JOB, "cancel", "cancel the job if it is pending (asks "
	  "first)", jobs_key_cancel, KEY_DESTRUCTIVE },
	{ 'a', SCOPE_TEMPLATES, "add", "add a template of the row's kind for "
	  "another channel or language", templates_key_add, 0 },
	{ 'n', SCOPE_USERS, "new", "create a staff account",
	  users_key_new, 0 },
	{ 's', SCOPE_USERS, "suspend", "suspend the account, with a reason "
	  "(asks first)", users_key_suspend, KEY_DESTRUCTIVE },
	{ 'a', SCOPE_USERS, "reactivate", "reactivate a suspended account "
	  "(asks first)", users_key_reactivate, KEY_DESTRUCTIVE },
	{ 'L', SCOPE_USERS, "reset-login", "give the account a new password, "
	  "shown once, and end its sessions (asks first)", users_key_reset,
	  KEY_DESTRUCTIVE },
	{ 's', SCOPE_USER, "suspend", "suspend the account, with a reason "
	  "(asks first)", users_key_suspend, KEY_DESTRUCTIVE },
	{ 'a', SCOPE_USER, "reactivate", "reactivate the account if it is "
	  "suspended (asks first)", users_key_reactivate, KEY_DESTRUCTIVE },
	{ 'L', SCOPE_USER, "reset-login", "give the account a new password, "
	  "shown once, and end its sessions (asks first)", users_key_reset,
	  KEY_DESTRUCTIVE },
	{ 'o', SCOPE_ENTRY, "layout", "before and after side by side, or one "
	  "under the other", audit_key_layout, 0 },
	{ 's', SCOPE_REGISTRATIONS, "state", "show the registrations of the "
	  "next state: all, submitted, under_review, needs_changes, "
	  "approved, rejected", registrations_key_state, 0 },
	{ 't', SCOPE_REGISTRATIONS, "take-up", "take a submitted registration "
	  "up for review (asks first)", registrations_key_review,
	  KEY_DESTRUCTIVE },
	{ 'a', SCOPE_REGISTRATIONS, "approve", "approve: the business becomes "
	  "a vendor (asks first)", registrations_key_approve,
	  KEY_DESTRUCTIVE },
	{ 'x', SCOPE_REGISTRATIONS, "reject", "reject, with a reason (asks "
	  "first)", registrations_key_reject, KEY_DESTRUCTIVE },
	{ 'c', SCOPE_REGISTRATIONS, "changes", "send back, saying what to "
	  "change (asks first)", registrations_key_changes, KEY_DESTRUCTIVE },
	{ 't', SCOPE_REGISTRATION, "take-up", "take the registration up for "
	  "review (asks first)", registrations_key_review, KEY_DESTRUCTIVE },
	{ 'a', SCOPE_REGISTRATION, "approve", "approve: the business becomes "
	  "a vendor (asks first)", registrations_key_approve,
	  KEY_DESTRUCTIVE },
	{ 'x', SCOPE_REGISTRATION, "reject", "reject, with a reason (asks "
	  "first)", registrations_key_reject, KEY_DESTRUCTIVE },
	{ 'c', SCOPE_REGISTRATION, "changes", "send back, saying what to "
	  "change (asks first)", registrations_key_changes, KEY_DESTRUCTIVE },
	{ 's', SCOPE_VENDORS, "suspend", "suspend the vendor, with a reason: "
	  "its listings are hidden (asks first)", vendors_key_suspend,
	  KEY_DESTRUCTIVE },
	{ 'a', SCOPE_VENDORS, "reactivate", "reactivate a suspended vendor, "
	  "with a reason if you like (asks first)", vendors_key_reactivate,
	  KEY_DESTRUCTIVE },
	{ 'n', SCOPE_VENDORS, "note", "write a note about the vendor",
	  vendors_key_note, 0 },
	{ 'v', SCOPE_VENDORS, "visit", "record a visit to the vendor",
	  vendors_key_visit, 0 },
	{ 'L', SCOPE_VENDORS, "listings", "the vendor's listings",
	  vendors_key_listings, 0 },
	{ 's', SCOPE_VENDOR, "suspend", "suspend the vendor, with a reason: "
	  "its listings are hidden (asks first)", vendors_key_suspend,
	  KEY_DESTRUCTIVE },
	{ 'a', SCOPE_VENDOR, "reactivate", "reactivate the vendor if it is "
	  "suspended (asks first)", vendors_key_reactivate, KEY_DESTRUCTIVE },
	{ 'n', SCOPE_VENDOR, "note", "write a note about the vendor",
	  vendors_key_note, 0 },
	{ 'v', SCOPE_VENDOR, "visit", "record a visit to the vendor",
	  vendors_key_visit, 0 },
	{ 'L', SCOPE_VENDOR, "listings", "the vendor's listings",
	  vendors_key_listings, 0 },
	{ 'a', SCOPE_LISTINGS, "approve", "approve a listing waiting for "
	  "review (asks first)", listings_key_approve, KEY_DESTRUCTIVE },
	{ 'x', SCOPE_LISTINGS, "reject", "reject a listing waiting for "
	  "review, with a reason (asks first)", listings_key_reject,
	  KEY_DESTRUCTIVE },
	{ 's', SCOPE_LISTINGS, "status", "show the listings of the next "
	  "status: pending_review (the queue), active, rejected, draft, "
	  "archived, all", listings_key_status, 0 },
	{ 'a', SCOPE_LISTING, "approve", "approve the listing, then show the "
	  "next of the queue (asks first)", listings_key_approve,
	  KEY_DESTRUCTIVE },
	{ 'x', SCOPE_LISTING, "reject", "reject the listing with a reason, "
	  "then show the next of the queue (asks first)", listings_key_reject,
	  KEY_DESTRUCTIVE },
	{ 'n', SCOPE_AGENT, "next-lead", "take the next lead of the queue "
	  "(the same one while it waits for its disposition)",
	  agent_key_next, 0 },
	{ 'c', SCOPE_AGENT, "call", "record that you are calling the lead "
	  "(dial it yourself)", agent_key_call, 0 },
	{ 'C', SCOPE_AGENT, "ring-me", "click to call: soukd rings your "
	  "phone, then the lead", agent_key_ring, 0 },
	{ 'h', SCOPE_AGENT, "hang-up", "end the call (wrap-up starts)",
	  agent_key_hangup, 0 },
	{ K_DIGIT, SCOPE_AGENT, "disposition", "the call's outcome by the "
	  "queue's hotkeys; a callback asks when", agent_key_disposition, 0 },
	{ 'b', SCOPE_AGENT, "callback", "schedule a callback: tomorrow 11am, "
	  "+2h, mon 9:30", agent_key_callback, 0 },
	{ 'e', SCOPE_AGENT, "note", "write a note on the lead",
	  agent_key_note, 0 },
	{ 'd', SCOPE_AGENT, "do-not-call", "put the number on the do-not-call "
	  "list (asks first)", agent_key_dnc, KEY_DESTRUCTIVE },
	{ 'p', SCOPE_AGENT, "pause-agent", "pause with a reason (break, "
	  "lunch, meeting, training), or be available again",
	  agent_key_pause, 0 },
	{ 's', SCOPE_LEADS, "sort-score", "sort by score, or newest first "
	  "again", leads_key_sort, 0 },
	{ 'a', SCOPE_LEADS, "assign-queue", "move the selected leads (or the "
	  "row) to a queue", leads_key_queue, 0 },
	{ 'o', SCOPE_LEADS, "assign-agent", "give the selected leads (or the "
	  "row) to an agent", leads_key_owner, 0 },
	{ 'o', SCOPE_CALLBACKS, "overdue", "only the overdue ones, or all "
	  "again", callbacks_key_overdue, 0 },
	{ 'x', SCOPE_CALLBACKS, "cancel-callback", "cancel the callback (asks "
	  "first)", callbacks_key_cancel, KEY_DESTRUCTIVE },
	{ 'a', SCOPE_DNC, "add-dnc", "put a number on the list",
	  dnc_key_add, 0 },
	{ 'x', SCOPE_DNC, "remove-dnc", "take the number off the list (asks "
	  "first)", dnc_key_remove, KEY_DESTRUCTIVE },
	{ 'R', SCOPE_QUERIES, "resolve", "resolve the query, saying how",
	  queries_key_resolve, 0 },
	{ 'b', SCOPE_REPORTS, "group", "by agent, by queue, by day",
	  reports_key_group, 0 },
	{ 'p', SCOPE_WALLBOARD, "freeze", "freeze the wallboard, or let it "
	  "go live again", wallboard_key_freeze, 0 },
};

const size_t keymap_len = sizeof keymap / sizeof keymap[0];

static const char *const scope_names[SCOPE_COUNT] = {
	[SCOPE_GLOBAL] = "everywhere",
	[SCOPE_MOVE] = "moving",
	[SCOPE_TABLE] = "tables",
	[SCOPE_FORM] = "details and forms",
	[SCOPE_REGIONS] = "regions",
	[SCOPE_REGION] = "region",
	[SCOPE_LOOKUP] = "lookup",
	[SCOPE_HEALTH] = "health",
	[SCOPE_HELP] = "help",
	[SCOPE_LOGIN] = "sign in",
	[SCOPE_ME] = "my account",
	[SCOPE_SESSIONS] = "my sessions",
	[SCOPE_JOBS] = "jobs",
	[SCOPE_JOB] = "job",
	[SCOPE_SCHEDULES] = "schedules",
	[SCOPE_TEMPLATES] = "templates",
	[SCOPE_TEMPLATE] = "template",
	[SCOPE_KINDS] = "kinds",
	[SCOPE_OUTBOX] = "outbox",
	[SCOPE_NOTIFICATION] = "notification",
	[SCOPE_USERS] = "users",
	[SCOPE_USER] = "user",
	[SCOPE_AUDIT] = "audit",
	[SCOPE_ENTRY] = "audit entry",
	[SCOPE_REGISTRATIONS] = "registrations",
	[SCOPE_REGISTRATION] = "registration",
	[SCOPE_VENDORS] = "vendors",
	[SCOPE_VENDOR] = "vendor",
	[SCOPE_LISTINGS] = "listings",
	[SCOPE_LISTING] = "listing",
	[SCOPE_AGENT] = "agent",
	[SCOPE_LEADS] = "leads",
	[SCOPE_QUEUES] = "queues",
	[SCOPE_CALLBACKS] = "callbacks",
	[SCOPE_DNC] = "do not call",
	[SCOPE_QUERIES] = "queries",
	[SCOPE_REPORTS] = "reports",
	[SCOPE_WALLBOARD] = "wallboard",
};

const char *
scope_name(enum scope s)
{
	return s < SCOPE_COUNT ? scope_names[s] : "?";
}

static bool
keymap_matches(const struct keybind *kb, int key)
{
	if (kb->key == K_DIGIT)
		return key >= '1' && key <= '9';
	return kb->key == key;
}

const struct keybind *
keymap_find(int key, const enum scope *scopes, size_t n)
{
	size_t	i, s;

	for (s = 0; s < n; s++) {
		for (i = 0; i < keymap_len; i++) {
			if (keymap[i].scope == scopes[s] &&
			    keymap_matches(&keymap[i], key))
				return &keymap[i];
		}
	}
	return NULL;
}

bool
keymap_check(char **cause)
{
	const struct keybind	*a, *b;
	char			 name[16];
	size_t			 i, j;

	*cause = NULL;
	for (i = 0; i < keymap_len; i++) {
		a = &keymap[i];
		if (a->fn == NULL || a->action == NULL || a->help == NULL) {
			*cause = xasprintf("binding %zu is incomplete", i);
			return false;
		}
		for (j = i + 1; j < keymap_len; j++) {
			b = &keymap[j];
			if (a->scope == b->scope && a->key == b->key) {
				*cause = xasprintf("%s is bound twice in %s",
				    keys_name(a->key, name, sizeof name),
				    scope_name(a->scope));
				return false;
			}
		}
		if ((a->flags & KEY_DESTRUCTIVE) == 0)
			continue;
		if ((a->flags & KEY_NAV) || keys_is_navigation(a->key)) {
			*cause = xasprintf("destructive action %s sits on the "
			    "navigation key %s", a->action,
			    keys_name(a->key, name, sizeof name));
			return false;
		}
		for (j = 0; j < keymap_len; j++) {
			if (keymap[j].key == a->key &&
			    (keymap[j].flags & KEY_NAV)) {
				*cause = xasprintf("destructive action %s "
				    "shares %s with %s", a->action,
				    keys_name(a->key, name, sizeof name),
				    keymap[j].action);
				return false;
			}
		}
	}
	return true;
}

size_t
keymap_help(const enum scope *scopes, size_t n, struct keyhelp *out,
    size_t max)
{
	const struct keybind	*kb;
	struct keyhelp		*h;
	char			 name[16];
	size_t			 s, i, k, count = 0, len;

	for (s = 0; s < n; s++) {
		for (i = 0; i < keymap_len; i++) {
			kb = &keymap[i];
			if (kb->scope != scopes[s])
				continue;
			/* Hidden by the same key in an earlier scope? */
			if (keymap_find(kb->key, scopes, s) != NULL)
				continue;
			for (k = 0; k < count; k++) {
				if (out[k].scope == kb->scope &&
				    strcmp(out[k].action, kb->action) == 0)
					break;
			}
			if (k == count) {
				if (count == max)
					return count;
				h = &out[count++];
				h->keys[0] = '\0';
				h->action = kb->action;
				h->help = kb->help;
				h->scope = kb->scope;
			}
			h = &out[k];
			keys_name(kb->key, name, sizeof name);
			len = strlen(h->keys);
			snprintf(h->keys + len, sizeof h->keys - len, "%s%s",
			    len > 0 ? " " : "", name);
		}
	}
	return count;
}
