#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "buf.h"
#include "log.h"
#include "screen.h"
#include "table.h"
#include "text.h"
#include "xmalloc.h"

struct table_row {
	char		 *key;
	char		**cells;
	json_t		 *data;
	size_t		  order;	/* arrival, for a stable sort */
	bool		  marked;
};

struct table_rows {
	struct table_row **v;
	size_t		   n, cap;
};

struct table {
	const struct table_col	*cols;
	size_t			 ncols;
	struct table_rows	 rows;
	struct table_rows	 staging;	/* a reload in progress */
	bool			 staged;	/* adding to staging */

	size_t			*shown;		/* indices into rows */
	size_t			 nshown;
	bool			 dirty;		/* shown needs recomputing */
	int			*want;		/* natural column widths */
	bool			 want_dirty;

	char			*cursor_key;
	size_t			 cursor;
	size_t			 top;
	int			 page;

	bool			 sorted;
	size_t			 sort_col;
	bool			 sort_desc;
	char			*filter;
};

/* --- pure logic --------------------------------------------------------- */

/* The narrowest a column may become: its minimum, or less if it wants less. */
static int
table_fit_min(const struct table_fit *c)
{
	int	m = c->min < c->want ? c->min : c->want;

	return m > 0 ? m : 1;
}

int
table_layout(const struct table_fit *cols, size_t n, int width, int gap,
    int *out)
{
	size_t	i, pick, shown = 0;
	int	total, used, best;
	bool	flexpass;

	if (n == 0)
		return 0;
	if (width <= 0) {
		for (i = 0; i < n; i++)
			out[i] = 0;
		return 0;
	}
	for (i = 0; i < n; i++) {
		out[i] = cols[i].want > 0 ? cols[i].want : 1;
		shown++;
	}
	/* Hide columns until the minimums fit. */
	for (;;) {
		total = 0;
		for (i = 0; i < n; i++) {
			if (out[i] > 0)
				total += table_fit_min(&cols[i]) + gap;
		}
		total -= gap;
		if (total <= width || shown <= 1)
			break;
		pick = n;
		for (i = 0; i < n; i++) {
			if (out[i] == 0 || cols[i].prio == 0)
				continue;
			/* Largest prio; the rightmost among equals. */
			if (pick == n || cols[i].prio >= cols[pick].prio)
				pick = i;
		}
		if (pick == n)
			break;
		out[pick] = 0;
		shown--;
	}
	used = 0;
	for (i = 0; i < n; i++) {
		if (out[i] > 0)
			used += out[i] + gap;
	}
	used -= gap;
	/* Squeeze, the widest first: flexible columns, then the rest. */
	for (flexpass = true; used > width; flexpass = false) {
		while (used > width) {
			pick = n;
			best = 0;
			for (i = 0; i < n; i++) {
				if (out[i] == 0 || cols[i].flex != flexpass ||
				    out[i] <= table_fit_min(&cols[i]))
					continue;
				if (out[i] > best) {
					best = out[i];
					pick = i;
				}
			}
			if (pick == n)
				break;
			out[pick]--;
			used--;
		}
		if (!flexpass)
			break;
	}
	/*
	 * Columns that may not be hidden and still do not fit: cut the last
	 * ones shown, hiding those that get no room at all.
	 */
	for (i = n; i-- > 0 && used > width;) {
		if (out[i] == 0)
			continue;
		if (out[i] <= used - width) {
			used -= out[i] + (shown > 1 ? gap : 0);
			out[i] = 0;
			shown--;
		} else {
			out[i] -= used - width;
			used = width;
		}
	}
	return used < 0 ? 0 : used;
}

/* Whether needle (len bytes) occurs in hay, ignoring ASCII case. */
static bool
table_contains(const char *hay, const char *needle, size_t len)
{
	size_t	i, j, n;

	if (len == 0)
		return true;
	if (hay == NULL)
		return false;
	n = strlen(hay);
	for (i = 0; i + len <= n; i++) {
		for (j = 0; j < len; j++) {
			if (tolower((unsigned char)hay[i + j]) !=
			    tolower((unsigned char)needle[j]))
				break;
		}
		if (j == len)
			return true;
	}
	return false;
}

bool
table_match(const char *const *cells, size_t n, const char *query)
{
	const char	*p, *w;
	size_t		 len, i;
	bool		 neg, found;

	if (query == NULL)
		return true;
	for (p = query; *p != '\0';) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		neg = *p == '!';
		if (neg)
			p++;
		w = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		len = (size_t)(p - w);
		if (len == 0)
			continue;	/* a lone '!' */
		found = false;
		for (i = 0; i < n && !found; i++)
			found = table_contains(cells[i], w, len);
		if (found == neg)
			return false;
	}
	return true;
}

/* Parses a whole cell as a number. */
static bool
table_number(const char *s, double *out)
{
	char	*end;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return false;
	*out = strtod(s, &end);
	return *end == '\0';
}

/*
 * Parses a cell as an amount: a sign, a currency (a symbol, or a code
 * and a blank) and digits grouped by commas, with decimals; what follows
 * the first amount ("–₹200.00" of a range) is ignored.
 */
static bool
table_amount(const char *s, double *out)
{
	char	 digits[64];
	size_t	 n = 0;
	bool	 neg = false, any = false;

	if (s == NULL)
		return false;
	if (*s == '-') {
		neg = true;
		s++;
	}
	/* The currency: anything up to the first digit. */
	while (*s != '\0' && (*s < '0' || *s > '9')) {
		if (*s == '-' && !neg)
			neg = true;
		s++;
	}
	for (; *s != '\0'; s++) {
		if (*s == ',')
			continue;
		if ((*s < '0' || *s > '9') && *s != '.')
			break;	/* a range sorts by its first amount */
		if (n + 1 >= sizeof digits)
			return false;
		any = any || *s != '.';
		digits[n++] = *s;
	}
	digits[n] = '\0';
	if (!any || !table_number(digits, out))
		return false;
	if (neg)
		*out = -*out;
	return true;
}

int
table_compare(const char *a, const char *b, enum table_type type)
{
	double	x, y;
	bool	na, nb;
	size_t	i;
	int	ca, cb;

	if (a == NULL)
		a = "";
	if (b == NULL)
		b = "";
	if (*a == '\0' || *b == '\0')
		return (*a == '\0') - (*b == '\0');
	if (type == TABLE_NUMBER) {
		na = table_number(a, &x);
		nb = table_number(b, &y);
		if (na && nb)
			return x < y ? -1 : x > y;
		if (na != nb)
			return na ? -1 : 1;
	}
	if (type == TABLE_MONEY) {
		na = table_amount(a, &x);
		nb = table_amount(b, &y);
		if (na && nb)
			return x < y ? -1 : x > y;
		if (na != nb)
			return na ? -1 : 1;
	}
	for (i = 0;; i++) {
		ca = tolower((unsigned char)a[i]);
		cb = tolower((unsigned char)b[i]);
		if (ca != cb || ca == '\0')
			return ca - cb;
	}
}

/* --- rows --------------------------------------------------------------- */

static void
table_row_free(struct table_row *r, size_t ncols)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	free(r->key);
	json_decref(r->data);
	free(r);
}

static void
table_rows_clear(struct table_rows *rs, size_t ncols)
{
	size_t	i;

	for (i = 0; i < rs->n; i++)
		table_row_free(rs->v[i], ncols);
	free(rs->v);
	memset(rs, 0, sizeof *rs);
}

static void
table_rows_push(struct table_rows *rs, struct table_row *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap == 0 ? 64 : rs->cap * 2;
		rs->v = xreallocarray(rs->v, rs->cap, sizeof *rs->v);
	}
	r->order = rs->n;
	rs->v[rs->n++] = r;
}

struct table *
table_new(const struct table_col *cols, size_t ncols)
{
	struct table	*t = xcalloc(1, sizeof *t);

	t->cols = cols;
	t->ncols = ncols;
	t->want = xcalloc(ncols, sizeof *t->want);
	t->want_dirty = true;
	return t;
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	table_rows_clear(&t->rows, t->ncols);
	table_rows_clear(&t->staging, t->ncols);
	free(t->shown);
	free(t->want);
	free(t->cursor_key);
	free(t->filter);
	free(t);
}

size_t
table_ncols(const struct table *t)
{
	return t->ncols;
}

const struct table_col *
table_col(const struct table *t, size_t i)
{
	return i < t->ncols ? &t->cols[i] : NULL;
}

static void
table_changed(struct table *t)
{
	t->dirty = true;
	t->want_dirty = true;
}

void
table_load_begin(struct table *t)
{
	table_rows_clear(&t->staging, t->ncols);
	t->staged = t->rows.n > 0;
}

void
table_load_add(struct table *t, const char *key, const char *const *cells,
    json_t *data)
{
	struct table_row	*r = xcalloc(1, sizeof *r);
	size_t			 i;

	r->key = xstrdup(key != NULL ? key : "");
	r->cells = xcalloc(t->ncols, sizeof *r->cells);
	for (i = 0; i < t->ncols; i++)
		r->cells[i] = xstrdup(cells[i] != NULL ? cells[i] : "");
	r->data = json_incref(data);
	if (t->staged)
		table_rows_push(&t->staging, r);
	else {
		table_rows_push(&t->rows, r);
		table_changed(t);
	}
}

static int
table_cmp_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
table_load_end(struct table *t)
{
	char	**marks = NULL, *key;
	size_t	  nmarks = 0, i;

	if (!t->staged)
		return;
	/* Carry the selection over by key. */
	for (i = 0; i < t->rows.n; i++) {
		if (t->rows.v[i]->marked) {
			marks = xreallocarray(marks, nmarks + 1,
			    sizeof *marks);
			marks[nmarks++] = t->rows.v[i]->key;
		}
	}
	if (nmarks > 1)
		qsort(marks, nmarks, sizeof *marks, table_cmp_keys);
	for (i = 0; i < t->staging.n; i++) {
		key = t->staging.v[i]->key;
		if (nmarks > 0 && bsearch(&key, marks, nmarks, sizeof *marks,
		    table_cmp_keys) != NULL)
			t->staging.v[i]->marked = true;
	}
	free(marks);
	table_rows_clear(&t->rows, t->ncols);
	t->rows = t->staging;
	memset(&t->staging, 0, sizeof t->staging);
	t->staged = false;
	table_changed(t);
}

void
table_load_abort(struct table *t)
{
	table_rows_clear(&t->staging, t->ncols);
	t->staged = false;
}

void
table_clear(struct table *t)
{
	table_rows_clear(&t->rows, t->ncols);
	table_rows_clear(&t->staging, t->ncols);
	t->staged = false;
	t->cursor = t->top = 0;
	table_changed(t);
}

/* --- what is shown ------------------------------------------------------ */

static int
table_sort_cmp(const void *a, const void *b, void *arg)
{
	const struct table	*t = arg;
	const struct table_row	*ra = t->rows.v[*(const size_t *)a];
	const struct table_row	*rb = t->rows.v[*(const size_t *)b];
	int			 c;

	c = table_compare(ra->cells[t->sort_col], rb->cells[t->sort_col],
	    t->cols[t->sort_col].type);
	if (c != 0) {
		/* Empty cells stay last either way. */
		if (ra->cells[t->sort_col][0] == '\0' ||
		    rb->cells[t->sort_col][0] == '\0')
			return c;
		return t->sort_desc ? -c : c;
	}
	return ra->order < rb->order ? -1 : ra->order > rb->order;
}

static void
table_update(struct table *t)
{
	const struct table_row	*r;
	size_t			 i;

	if (!t->dirty)
		return;
	t->dirty = false;
	t->shown = xreallocarray(t->shown, t->rows.n + 1, sizeof *t->shown);
	t->nshown = 0;
	for (i = 0; i < t->rows.n; i++) {
		r = t->rows.v[i];
		if (table_match((const char *const *)r->cells, t->ncols,
		    t->filter))
			t->shown[t->nshown++] = i;
	}
	if (t->sorted && t->sort_col < t->ncols)
		qsort_r(t->shown, t->nshown, sizeof *t->shown, table_sort_cmp,
		    t);
	/* Follow the cursor's row by key; else stay at the same place. */
	if (t->cursor_key != NULL) {
		for (i = 0; i < t->nshown; i++) {
			if (strcmp(t->rows.v[t->shown[i]]->key,
			    t->cursor_key) == 0) {
				t->cursor = i;
				break;
			}
		}
	}
	if (t->cursor >= t->nshown)
		t->cursor = t->nshown > 0 ? t->nshown - 1 : 0;
	free(t->cursor_key);
	t->cursor_key = t->nshown > 0 ?
	    xstrdup(t->rows.v[t->shown[t->cursor]]->key) : NULL;
}

size_t
table_nrows(const struct table *t)
{
	return t->rows.n;
}

size_t
table_nshown(struct table *t)
{
	table_update(t);
	return t->nshown;
}

static struct table_row *
table_shown_row(struct table *t, size_t i)
{
	table_update(t);
	return i < t->nshown ? t->rows.v[t->shown[i]] : NULL;
}

const char *
table_key(struct table *t, size_t i)
{
	struct table_row	*r = table_shown_row(t, i);

	return r != NULL ? r->key : NULL;
}

const char *
table_cell(struct table *t, size_t i, size_t col)
{
	struct table_row	*r = table_shown_row(t, i);

	return r != NULL && col < t->ncols ? r->cells[col] : NULL;
}

json_t *
table_data(struct table *t, size_t i)
{
	struct table_row	*r = table_shown_row(t, i);

	return r != NULL ? r->data : NULL;
}

size_t
table_cursor(struct table *t)
{
	table_update(t);
	return t->cursor;
}

const char *
table_cursor_key(struct table *t)
{
	return table_key(t, table_cursor(t));
}

json_t *
table_cursor_data(struct table *t)
{
	return table_data(t, table_cursor(t));
}

static void
table_set_cursor(struct table *t, size_t i)
{
	table_update(t);
	if (t->nshown == 0)
		return;
	if (i >= t->nshown)
		i = t->nshown - 1;
	t->cursor = i;
	free(t->cursor_key);
	t->cursor_key = xstrdup(t->rows.v[t->shown[i]]->key);
}

void
table_move(struct table *t, long delta)
{
	long	c;

	table_update(t);
	c = (long)t->cursor + delta;
	if (c < 0)
		c = 0;
	table_set_cursor(t, (size_t)c);
}

void
table_home(struct table *t)
{
	table_set_cursor(t, 0);
}

void
table_end(struct table *t)
{
	table_update(t);
	if (t->nshown > 0)
		table_set_cursor(t, t->nshown - 1);
}

bool
table_seek(struct table *t, const char *key)
{
	size_t	i;

	table_update(t);
	for (i = 0; i < t->nshown; i++) {
		if (strcmp(t->rows.v[t->shown[i]]->key, key) == 0) {
			table_set_cursor(t, i);
			return true;
		}
	}
	return false;
}

void
table_sort(struct table *t, size_t col, bool desc)
{
	if (col >= t->ncols)
		return;
	t->sorted = true;
	t->sort_col = col;
	t->sort_desc = desc;
	t->dirty = true;
}

void
table_sort_toggle(struct table *t, size_t col)
{
	if (col >= t->ncols)
		return;
	if (t->sorted && t->sort_col == col)
		table_sort(t, col, !t->sort_desc);
	else
		table_sort(t, col, false);
}

void
table_sort_step(struct table *t, int dir)
{
	size_t	col;

	if (t->ncols == 0)
		return;
	if (!t->sorted)
		col = dir < 0 ? t->ncols - 1 : 0;
	else if (dir < 0)
		col = t->sort_col == 0 ? t->ncols - 1 : t->sort_col - 1;
	else
		col = (t->sort_col + 1) % t->ncols;
	table_sort(t, col, t->sorted ? t->sort_desc : false);
}

size_t
table_sort_col(const struct table *t)
{
	return t->sorted ? t->sort_col : t->ncols;
}

bool
table_sort_desc(const struct table *t)
{
	return t->sort_desc;
}

void
table_filter(struct table *t, const char *q)
{
	free(t->filter);
	t->filter = q != NULL && *q != '\0' ? xstrdup(q) : NULL;
	t->dirty = true;
}

const char *
table_filter_text(const struct table *t)
{
	return t->filter;
}

bool
table_mark(struct table *t)
{
	struct table_row	*r = table_shown_row(t, table_cursor(t));

	if (r == NULL)
		return false;
	r->marked = !r->marked;
	return true;
}

void
table_unmark(struct table *t)
{
	size_t	i;

	for (i = 0; i < t->rows.n; i++)
		t->rows.v[i]->marked = false;
}

size_t
table_nmarked(const struct table *t)
{
	size_t	i, n = 0;

	for (i = 0; i < t->rows.n; i++)
		n += t->rows.v[i]->marked;
	return n;
}

const char *
table_marked_key(const struct table *t, size_t which)
{
	size_t	i;

	for (i = 0; i < t->rows.n; i++) {
		if (t->rows.v[i]->marked && which-- == 0)
			return t->rows.v[i]->key;
	}
	return NULL;
}

bool
table_is_marked(struct table *t, size_t i)
{
	struct table_row	*r = table_shown_row(t, i);

	return r != NULL && r->marked;
}

/* --- drawing ------------------------------------------------------------ */

#define TABLE_GAP	1
#define TABLE_GUTTER	2

/* The header text of column i: its title and the sort indicator. */
static char *
table_title(const struct table *t, size_t i)
{
	const char	*arrow;

	if (!t->sorted || t->sort_col != i)
		return xstrdup(t->cols[i].title);
	if (text_utf8())
		arrow = t->sort_desc ? "\xe2\x96\xbc" : "\xe2\x96\xb2";
	else
		arrow = t->sort_desc ? "v" : "^";
	return xasprintf("%s%s", t->cols[i].title, arrow);
}

static void
table_widths(struct table *t)
{
	size_t	i, c;
	int	w;

	if (!t->want_dirty)
		return;
	t->want_dirty = false;
	for (c = 0; c < t->ncols; c++)
		/* Room for the sort arrow, so sorting never shifts columns. */
		t->want[c] = text_width(t->cols[c].title) + 1;
	for (i = 0; i < t->rows.n; i++) {
		for (c = 0; c < t->ncols; c++) {
			w = text_width(t->rows.v[i]->cells[c]);
			if (w > t->want[c])
				t->want[c] = w;
		}
	}
	for (c = 0; c < t->ncols; c++) {
		if (t->cols[c].max > 0 && t->want[c] > t->cols[c].max)
			t->want[c] = t->cols[c].max;
	}
}

void
table_draw(struct table *t, int y, int x, int h, int w, const char *empty)
{
	struct table_fit	*fit;
	struct table_row	*r;
	int			*out, cx, row;
	size_t			 c, i;
	enum style		 st;
	char			*title;

	if (h <= 0 || w <= 2)
		return;
	table_update(t);
	table_widths(t);
	fit = xcalloc(t->ncols, sizeof *fit);
	out = xcalloc(t->ncols, sizeof *out);
	for (c = 0; c < t->ncols; c++) {
		fit[c].want = t->want[c];
		fit[c].min = t->cols[c].min;
		fit[c].prio = t->cols[c].prio;
		fit[c].flex = t->cols[c].flex;
	}
	/* Two columns on the left: the cursor's '>' and selected rows' '*'. */
	table_layout(fit, t->ncols, w - TABLE_GUTTER, TABLE_GAP, out);

	screen_fill(y, x, w, STYLE_HEADER);
	cx = x + TABLE_GUTTER;
	for (c = 0; c < t->ncols; c++) {
		if (out[c] == 0)
			continue;
		title = table_title(t, c);
		screen_put(y, cx, out[c], title, t->sorted && t->sort_col == c ?
		    STYLE_SORTED : STYLE_HEADER, t->cols[c].type !=
		    TABLE_TEXT ? TEXT_RIGHT : TEXT_LEFT);
		free(title);
		cx += out[c] + TABLE_GAP;
	}
	t->page = h - 1 > 0 ? h - 1 : 1;
	if (t->cursor < t->top)
		t->top = t->cursor;
	if (t->cursor >= t->top + (size_t)t->page)
		t->top = t->cursor - (size_t)t->page + 1;
	/* No blank rows at the end while earlier rows are hidden. */
	if (t->nshown >= (size_t)t->page && t->top + (size_t)t->page >
	    t->nshown)
		t->top = t->nshown - (size_t)t->page;
	if (t->nshown < (size_t)t->page)
		t->top = 0;
	if (t->nshown == 0 && empty != NULL && h > 1)
		screen_put(y + 1, x + TABLE_GUTTER, w - TABLE_GUTTER, empty,
		    STYLE_DIM, TEXT_LEFT);
	for (row = 1; row < h; row++) {
		i = t->top + (size_t)(row - 1);
		if (i >= t->nshown)
			break;
		r = t->rows.v[t->shown[i]];
		if (i == t->cursor)
			st = r->marked ? STYLE_CURSOR_MARKED : STYLE_CURSOR;
		else
			st = r->marked ? STYLE_MARKED : STYLE_NORMAL;
		screen_fill(y + row, x, w, st);
		screen_put(y + row, x, TABLE_GUTTER, i == t->cursor ?
		    (r->marked ? ">*" : ">") : (r->marked ? " *" : ""), st,
		    TEXT_LEFT);
		cx = x + TABLE_GUTTER;
		for (c = 0; c < t->ncols; c++) {
			if (out[c] == 0)
				continue;
			screen_put(y + row, cx, out[c], r->cells[c], st,
			    t->cols[c].type != TABLE_TEXT ? TEXT_RIGHT :
			    TEXT_LEFT);
			cx += out[c] + TABLE_GAP;
		}
	}
	free(fit);
	free(out);
}

int
table_page(const struct table *t)
{
	return t->page > 0 ? t->page : 10;
}

void
table_print(struct table *t, FILE *f)
{
	struct buf	 line;
	int		*w;
	size_t		 c, i, last;

	table_update(t);
	w = xcalloc(t->ncols, sizeof *w);
	for (c = 0; c < t->ncols; c++) {
		w[c] = text_width(t->cols[c].title);
		for (i = 0; i < t->nshown; i++) {
			int cw = text_width(t->rows.v[t->shown[i]]->cells[c]);

			if (cw > w[c])
				w[c] = cw;
		}
	}
	last = t->ncols > 0 ? t->ncols - 1 : 0;
	buf_init(&line, 0);
	for (i = 0; i <= t->nshown; i++) {
		buf_reset(&line);
		for (c = 0; c < t->ncols; c++) {
			const char *s = i == 0 ? t->cols[c].title :
			    t->rows.v[t->shown[i - 1]]->cells[c];
			enum text_align a = t->cols[c].type != TABLE_TEXT ?
			    TEXT_RIGHT : TEXT_LEFT;

			/* The last column is not padded: no trailing blanks. */
			text_fit(&line, s, c == last && a == TEXT_LEFT ?
			    text_width(s) : w[c], a);
			if (c != last && !buf_adds(&line, "  "))
				fatalx("table_print: buffer");
		}
		while (line.len > 0 && line.data[line.len - 1] == ' ')
			line.data[--line.len] = '\0';
		fprintf(f, "%s\n", line.data != NULL ? line.data : "");
	}
	buf_free(&line);
	free(w);
}
