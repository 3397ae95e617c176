/*
 * keymap: the one table of every key binding of the console.  Dispatch
 * reads it, and so does the `?` help, `souk --help` and the test that
 * checks souk(1): help cannot drift from behaviour.  A binding belongs to a
 * scope: everywhere, one kind of widget, or one view.
 */
#ifndef SOUK_KEYMAP_H
#define SOUK_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

struct app;
struct view;

enum scope {
	SCOPE_GLOBAL,		/* every view */
	SCOPE_MOVE,		/* views with rows or fields */
	SCOPE_TABLE,		/* tables */
	SCOPE_FORM,		/* details and forms */
	SCOPE_REGIONS,		/* the regions table */
	SCOPE_REGION,		/* one region's details */
	SCOPE_LOOKUP,		/* the lookup form */
	SCOPE_HEALTH,
	SCOPE_HELP,
	SCOPE_LOGIN,		/* the sign-in screen */
	SCOPE_ME,		/* my account */
	SCOPE_SESSIONS,		/* my sessions */
	SCOPE_JOBS,
	SCOPE_JOB,
	SCOPE_SCHEDULES,
	SCOPE_TEMPLATES,
	SCOPE_TEMPLATE,
	SCOPE_KINDS,
	SCOPE_OUTBOX,
	SCOPE_NOTIFICATION,
	SCOPE_USERS,
	SCOPE_USER,
	SCOPE_AUDIT,
	SCOPE_ENTRY,		/* one audit entry */
	SCOPE_REGISTRATIONS,
	SCOPE_REGISTRATION,
	SCOPE_VENDORS,
	SCOPE_VENDOR,
	SCOPE_LISTINGS,
	SCOPE_LISTING,
	SCOPE_AGENT,		/* the tele-caller's screen */
	SCOPE_LEADS,
	SCOPE_QUEUES,
	SCOPE_CALLBACKS,
	SCOPE_DNC,
	SCOPE_QUERIES,
	SCOPE_REPORTS,
	SCOPE_WALLBOARD,
	SCOPE_COUNT
};

#define KEY_NAV		0x1	/* moves around: never destructive */
#define KEY_DESTRUCTIVE	0x2	/* changes data: confirm, keep off nav keys */

struct keybind {
	int		 key;
	enum scope	 scope;
	const char	*action;
	const char	*help;
	void		(*fn)(struct app *, struct view *, int key);
	int		 flags;
};

extern const struct keybind keymap[];
extern const size_t keymap_len;

/* The name of a scope, as help shows it ("table", "regions"). */
const char *scope_name(enum scope);
/*
 * The binding of key in the first of the n scopes that binds it, or NULL.
 */
const struct keybind *keymap_find(int key, const enum scope *, size_t n);
/*
 * Checks the table's rules: no key bound twice in a scope, no destructive
 * action on a navigation key or without a confirmation.  False with
 * *cause (caller frees) naming the first broken rule.
 */
bool	keymap_check(char **cause) __attribute__((warn_unused_result));

/* One line of key help: the keys of an action in a scope. */
struct keyhelp {
	char		 keys[48];	/* "j Down" */
	const char	*action;
	const char	*help;
	enum scope	 scope;
};

/*
 * Fills out (room for max) with the help lines of the n scopes, in their
 * order, keys of the same action and scope joined.  Returns the count.
 */
size_t	keymap_help(const enum scope *, size_t n, struct keyhelp *out,
	    size_t max);

#endif
