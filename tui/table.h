/*
 * table: the table widget every list view uses.  It holds rows of text
 * cells with a key each, and the state a user builds on them: cursor,
 * scroll position, sort column and direction, incremental filter and the
 * rows selected for a bulk action.  The cursor and selection follow rows by
 * key, so they survive a reload, a re-sort or a new filter.
 *
 * The logic (layout, matching, ordering, movement) is pure and tested on
 * its own; table_draw paints it on the screen.
 */
#ifndef SOUK_TABLE_H
#define SOUK_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

enum table_type {
	TABLE_TEXT,		/* left-aligned, sorted by text */
	TABLE_NUMBER,		/* right-aligned, sorted by value */
	TABLE_MONEY,		/* right-aligned, sorted by amount: the
				   currency and the grouping commas of
				   "-₹1,23,456.00" are ignored, and a
				   range sorts by its first amount */
};

struct table_col {
	const char	*title;
	enum table_type	 type;
	int		 min;	/* narrowest it may be squeezed to */
	int		 max;	/* widest it grows to; 0: no limit */
	int		 prio;	/* 0: never hidden; larger hides first */
	bool		 flex;	/* squeezed before the other columns */
};

/* One column as the layout sees it. */
struct table_fit {
	int	want;		/* its natural width */
	int	min;
	int	prio;
	bool	flex;
};

struct table;

/*
 * Lays n columns out in width columns with gap blanks between them: writes
 * each column's width to out (0: hidden).  Columns get their natural width
 * when all fit; otherwise flexible columns are squeezed (the widest first)
 * down to their minimum, then the others; when even the minimums do not
 * fit, columns are hidden, largest prio first (prio 0 never).  Returns the
 * columns used, gaps included.
 */
int	table_layout(const struct table_fit *, size_t n, int width, int gap,
	    int *out);
/*
 * True if a row with these cells passes the filter query: every word of
 * the query must occur in some cell, ignoring ASCII case; a word starting
 * with '!' must occur in none.  An empty or NULL query passes every row.
 */
bool	table_match(const char *const *cells, size_t n, const char *query);
/*
 * Orders two cells of a column: numbers (and amounts) by value (before
 * any text), text ignoring ASCII case, empty cells last.  Returns <0, 0
 * or >0.
 */
int	table_compare(const char *a, const char *b, enum table_type);

/* A table with the given columns (the array must outlive the table). */
struct table *table_new(const struct table_col *, size_t ncols);
void	table_free(struct table *);
size_t	table_ncols(const struct table *);
const struct table_col *table_col(const struct table *, size_t);

/*
 * Loading.  table_load_begin starts a new set of rows; rows added with
 * table_load_add show at once when the table was empty (a first load shows
 * page by page), else only at table_load_end, which swaps the new rows in,
 * keeping cursor and selection on the same keys.  table_load_abort keeps
 * the old rows.  cells are copied; data (may be NULL) is kept with a
 * reference of its own.
 */
void	table_load_begin(struct table *);
void	table_load_add(struct table *, const char *key,
	    const char *const *cells, json_t *data);
void	table_load_end(struct table *);
void	table_load_abort(struct table *);
/* Drops every row. */
void	table_clear(struct table *);

/* Rows held, and rows shown (those passing the filter). */
size_t	table_nrows(const struct table *);
size_t	table_nshown(struct table *);
/* The i-th shown row's key, cell or data; NULL past the end. */
const char *table_key(struct table *, size_t i);
const char *table_cell(struct table *, size_t i, size_t col);
json_t	*table_data(struct table *, size_t i);
/* Index of the row under the cursor among the shown rows; 0 if none. */
size_t	table_cursor(struct table *);
/* The key or data of the row under the cursor; NULL when none is shown. */
const char *table_cursor_key(struct table *);
json_t	*table_cursor_data(struct table *);

/* Moves the cursor by delta rows, clamped to the shown rows. */
void	table_move(struct table *, long delta);
/* Moves to the first or the last shown row. */
void	table_home(struct table *);
void	table_end(struct table *);
/* Puts the cursor on the row with this key if it is shown. */
bool	table_seek(struct table *, const char *key);

/*
 * Sorts by column col (counted from 0); desc reverses.  Sorting by the
 * current column again with table_sort_toggle reverses the order.
 */
void	table_sort(struct table *, size_t col, bool desc);
void	table_sort_toggle(struct table *, size_t col);
/* Moves the sort to the previous (-1) or next (+1) column. */
void	table_sort_step(struct table *, int dir);
size_t	table_sort_col(const struct table *);
bool	table_sort_desc(const struct table *);

/* Sets the filter (see table_match); NULL or "" clears it. */
void	table_filter(struct table *, const char *);
const char *table_filter_text(const struct table *);

/* Selects or unselects the row under the cursor; false if there is none. */
bool	table_mark(struct table *);
/* Unselects every row. */
void	table_unmark(struct table *);
/* Selected rows (shown or not) and the key of the i-th of them. */
size_t	table_nmarked(const struct table *);
const char *table_marked_key(const struct table *, size_t i);
bool	table_is_marked(struct table *, size_t shown);

/*
 * Draws the table in the rectangle (y, x, h, w) of the screen: a header
 * with the sort indicator, then the rows from the scroll position, keeping
 * the cursor in sight.  empty is shown when no row is.
 */
void	table_draw(struct table *, int y, int x, int h, int w,
	    const char *empty);
/* Rows the last table_draw showed (the page size of PgUp and PgDn). */
int	table_page(const struct table *);
/*
 * Prints every shown row as aligned text (UTF-8 aware, never cut), with the
 * titles first, for `souk -c`.
 */
void	table_print(struct table *, FILE *);

#endif
