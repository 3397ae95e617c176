/*
 * views: the console's views, one file each under tui/views/.  Each
 * returns a new view for app_push, or for the commands that open it.
 */
#ifndef SOUK_VIEWS_H
#define SOUK_VIEWS_H

#include <stddef.h>

#include <jansson.h>

struct app;
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

#endif
