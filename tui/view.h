/*
 * view: one screen of the console (a table of regions, one region's
 * details, a form) and the stack they live on.  A view loads its data with
 * requests that run off the input thread; answers come back to view's
 * result function, tagged with the load they belong to so answers to a
 * superseded load are dropped.
 */
#ifndef SOUK_VIEW_H
#define SOUK_VIEW_H

#include <stdbool.h>

#include <jansson.h>

#include "client.h"
#include "fetch.h"
#include "keymap.h"

struct app;
struct form;
struct form_field;
struct table;
struct view;

enum widget { WIDGET_TABLE, WIDGET_FORM };

struct view_ops {
	const char	*name;		/* the command that opens it */
	enum scope	 scope;		/* its own key bindings */
	enum widget	 widget;
	/*
	 * Event topics it shows, comma-separated: soukd's topics ("jobs",
	 * "orders"), "user:me" for oneself, or prefixes ending in ':'
	 * ("order:") that match any of their kind.  The stream follows them
	 * while the view is visible, and an event of one reloads it.
	 */
	const char	*topics;
	const char	*empty;		/* shown when a table has no rows */
	void	(*load)(struct view *);	/* NULL: nothing to load */
	void	(*result)(struct view *, struct request *);
	void	(*open)(struct view *);	/* Enter on a row; may be NULL */
	void	(*free)(struct view *);	/* frees data; may be NULL */
	int	 flags;		/* VIEW_MANUAL */
	/* A field was edited (Enter); may be NULL. */
	void	(*edited)(struct view *, struct form_field *);
};

/* Never reloaded by itself (timer, events): a form being filled in. */
#define VIEW_MANUAL	0x1

struct view {
	const struct view_ops	*ops;
	struct app		*app;
	unsigned		 serial;	/* names it in requests */
	unsigned		 gen;		/* the current load */
	unsigned		 inflight;	/* its requests not yet back */
	char			*title;
	struct table		*table;		/* WIDGET_TABLE */
	struct form		*form;		/* WIDGET_FORM */
	json_t			*json;		/* what --json prints */
	char			*error;		/* why the last load failed */
	char			*summary;	/* a line above a table */
	bool			 loaded;	/* a load has completed */
	bool			 loading;
	bool			 opened;	/* has been on top once */
	bool			 stale;		/* reload when the load ends */
	char			*topics;	/* its own, in place of ops' */
	void			*data;		/* the view's own */
	/*
	 * Called about once a second while the view is on top, to update
	 * a running clock (a call's timer); the screen is redrawn after.
	 * NULL: none.
	 */
	void			(*tick)(struct view *);
};

/*
 * A new view of the given kind titled title.  cols (ncols of them) are the
 * table's columns for a WIDGET_TABLE view.  Not on the stack until
 * app_push.
 */
struct view *view_new(struct app *, const struct view_ops *,
	    const char *title, const void *cols, size_t ncols);
void	view_free(struct view *);
/* Starts (or restarts) loading; answers to earlier loads are dropped. */
void	view_load(struct view *);
/* Drops every answer still due (to requests sent so far). */
void	view_restart(struct view *);
/* Sends a request for the current load (body may be NULL). */
void	view_request(struct view *, int tag, const char *method,
	    const char *path, const char *body);
/* POSTs a CSV document (body) instead of JSON. */
void	view_request_csv(struct view *, int tag, const char *path,
	    const char *body);
/* GETs a file: its bytes come back in resp.file (see client_files). */
void	view_request_file(struct view *, int tag, const char *path);
/* Hands an answer to the view; dropped if it is for an older load. */
void	view_deliver(struct view *, struct request *);
/*
 * Ends the current load in failure with resp's message (shown to the user
 * and kept in view->error); the rows already shown stay.
 */
void	view_fail(struct view *, const struct response *);
/* Ends the current load in success. */
void	view_done(struct view *);
/* Keys of the shown rows (ids), for completion: NULL-terminated, freed by
 * the caller with free() on each and the array. */
char	**view_ids(struct view *);
/* True if an event of this topic concerns the view. */
bool	view_wants(const struct view *, const char *topic);
/*
 * The topics the view follows: its own when it set them (they depend on
 * who is signed in), else its ops'.  NULL: none.
 */
const char *view_topics(const struct view *);
/* Sets the view's own topics (taken; NULL: none at all). */
void	view_set_topics(struct view *, char *topics);

#endif
