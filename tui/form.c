#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "form.h"
#include "log.h"
#include "screen.h"
#include "text.h"
#include "xmalloc.h"

#define FORM_LABEL_MAX	24
#define FORM_INPUT_MIN	20
#define FORM_INPUT_MAX	40

struct form {
	struct form_field	**fields;
	size_t			  n;
	size_t			  cursor;
	size_t			  top;
	int			  page;
};

struct form *
form_new(void)
{
	return xcalloc(1, sizeof(struct form));
}

static void
form_field_free(struct form_field *f)
{
	free(f->name);
	free(f->label);
	free(f->value);
	free(f->error);
	free(f->link);
	free(f);
}

void
form_clear(struct form *fm)
{
	size_t	i;

	for (i = 0; i < fm->n; i++)
		form_field_free(fm->fields[i]);
	free(fm->fields);
	fm->fields = NULL;
	fm->n = 0;
	if (fm->cursor > 0)
		fm->cursor = 0;
}

void
form_free(struct form *fm)
{
	if (fm == NULL)
		return;
	form_clear(fm);
	free(fm);
}

struct form_field *
form_add(struct form *fm, const char *name, const char *label,
    const char *value, int flags)
{
	struct form_field	*f = xcalloc(1, sizeof *f);

	f->name = xstrdup(name != NULL ? name : "");
	f->label = xstrdup(label != NULL ? label : "");
	f->value = xstrdup(value != NULL ? value : "");
	f->flags = flags;
	fm->fields = xreallocarray(fm->fields, fm->n + 1, sizeof *fm->fields);
	fm->fields[fm->n++] = f;
	return f;
}

void
form_link(struct form_field *f, const char *command)
{
	free(f->link);
	f->link = xstrdup(command);
	f->flags |= FORM_LINK;
}

size_t
form_nfields(const struct form *fm)
{
	return fm->n;
}

struct form_field *
form_field(struct form *fm, size_t i)
{
	return i < fm->n ? fm->fields[i] : NULL;
}

struct form_field *
form_find(struct form *fm, const char *name)
{
	size_t	i;

	for (i = 0; i < fm->n; i++) {
		if (strcmp(fm->fields[i]->name, name) == 0)
			return fm->fields[i];
	}
	return NULL;
}

void
form_set(struct form_field *f, const char *value)
{
	free(f->value);
	f->value = xstrdup(value != NULL ? value : "");
}

void
form_clear_errors(struct form *fm)
{
	size_t	i;

	for (i = 0; i < fm->n; i++) {
		free(fm->fields[i]->error);
		fm->fields[i]->error = NULL;
	}
}

void
form_field_base(const char *error_field, char *out, size_t len)
{
	size_t	n;

	if (len == 0)
		return;
	if (error_field == NULL)
		error_field = "";
	n = strcspn(error_field, "[.");
	if (n >= len)
		n = len - 1;
	memcpy(out, error_field, n);
	out[n] = '\0';
}

size_t
form_problem(struct form *fm, const json_t *problem)
{
	const json_t		*errors, *e;
	struct form_field	*f;
	const char		*field, *msg;
	char			 base[128], *joined;
	size_t			 i, placed = 0;

	errors = json_object_get(problem, "errors");
	json_array_foreach(errors, i, e) {
		field = json_string_value(json_object_get(e, "field"));
		msg = json_string_value(json_object_get(e, "message"));
		if (field == NULL || msg == NULL)
			continue;
		form_field_base(field, base, sizeof base);
		if ((f = form_find(fm, base)) == NULL)
			continue;
		/* "pincodes[1] must be ...": say which one. */
		if (field[strlen(base)] == '[' &&
		    strtol(field + strlen(base) + 1, NULL, 10) >= 0)
			joined = xasprintf("%s%sitem %ld: %s", f->error !=
			    NULL ? f->error : "", f->error != NULL ? "; " : "",
			    strtol(field + strlen(base) + 1, NULL, 10) + 1,
			    msg);
		else if (strcmp(base, field) != 0)
			joined = xasprintf("%s%s%s: %s", f->error != NULL ?
			    f->error : "", f->error != NULL ? "; " : "",
			    field + strlen(base), msg);
		else
			joined = xasprintf("%s%s%s", f->error != NULL ?
			    f->error : "", f->error != NULL ? "; " : "", msg);
		free(f->error);
		f->error = joined;
		placed++;
	}
	return placed;
}

size_t
form_cursor(const struct form *fm)
{
	return fm->cursor;
}

void
form_seek(struct form *fm, size_t i)
{
	if (fm->n == 0)
		fm->cursor = 0;
	else
		fm->cursor = i < fm->n ? i : fm->n - 1;
}

void
form_move(struct form *fm, long delta)
{
	long	c = (long)fm->cursor + delta;

	form_seek(fm, c < 0 ? 0 : (size_t)c);
}

void
form_home(struct form *fm)
{
	form_seek(fm, 0);
}

void
form_end(struct form *fm)
{
	form_seek(fm, fm->n > 0 ? fm->n - 1 : 0);
}

/* What a field shows: a secret's characters as '*'s.  Caller frees. */
static char *
form_shown(const struct form_field *f)
{
	char	*m;
	size_t	 i, n = 0;

	if (!(f->flags & FORM_SECRET))
		return xstrdup(f->value);
	m = xcalloc(strlen(f->value) + 1, 1);
	for (i = 0; f->value[i] != '\0'; i++) {
		if (((unsigned char)f->value[i] & 0xc0) != 0x80)
			m[n++] = '*';
	}
	return m;
}

/* The columns a field's value takes, in vw columns at most. */
static int
form_value_width(const struct form_field *f, int vw)
{
	char	*text;
	int	 w;

	if (f->flags & FORM_BUTTON) {
		text = xasprintf("[ %s ]", f->value);
		w = text_width(text);
		free(text);
	} else if (f->flags & FORM_EDIT) {
		w = text_width(f->value) + 1;
		if (w < FORM_INPUT_MIN)
			w = FORM_INPUT_MIN;
		if (w > FORM_INPUT_MAX)
			w = FORM_INPUT_MAX;
	} else {
		w = text_width(f->value);
		if (w == 0)
			w = 1;		/* "-" */
	}
	return w < vw ? w : vw;
}

/* The rows a field takes at this width: its line, and its error's. */
static int
form_rows(const struct form_field *f, int lw, int vw, int w)
{
	if (f->error == NULL)
		return 1;
	return 1 + lw + 2 + form_value_width(f, vw) + 2 +
	    text_width(f->error) <= w ? 1 : 2;
}

bool
form_draw(struct form *fm, int y, int x, int h, int w, long editing,
    int *ey, int *ex, int *ew)
{
	struct form_field	*f;
	enum style		 st;
	size_t			 i;
	int			 lw = 0, vw, row, rows, fw, cw, vx;
	char			*text;
	bool			 shown = false;

	if (h <= 0 || w <= 4)
		return false;
	for (i = 0; i < fm->n; i++) {
		if (text_width(fm->fields[i]->label) > lw)
			lw = text_width(fm->fields[i]->label);
	}
	if (lw > FORM_LABEL_MAX)
		lw = FORM_LABEL_MAX;
	if (lw > w / 3)
		lw = w / 3;
	vw = w - lw - 3;
	fm->page = h;
	/* Scroll so the cursor's field is in sight. */
	if (fm->cursor < fm->top)
		fm->top = fm->cursor;
	for (;;) {
		rows = 0;
		for (i = fm->top; i <= fm->cursor && i < fm->n; i++)
			rows += form_rows(fm->fields[i], lw, vw, w);
		if (rows <= h || fm->top >= fm->cursor)
			break;
		fm->top++;
	}
	row = 0;
	for (i = fm->top; i < fm->n && row < h; i++) {
		f = fm->fields[i];
		vx = x + 1 + lw + 2;
		st = i == fm->cursor ? STYLE_CURSOR : STYLE_NORMAL;
		screen_fill(y + row, x, w, STYLE_NORMAL);
		if (i == fm->cursor)
			screen_put(y + row, x, 1, ">", STYLE_NORMAL, TEXT_LEFT);
		screen_put(y + row, x + 1, lw, f->label, i == fm->cursor ?
		    STYLE_CURSOR : STYLE_LABEL, TEXT_LEFT);
		fw = form_value_width(f, vw);
		if (f->flags & FORM_BUTTON) {
			text = xasprintf("[ %s ]", f->value);
			screen_put(y + row, vx, fw, text, st, TEXT_LEFT);
			free(text);
		} else if (f->flags & FORM_EDIT) {
			if ((long)i == editing) {
				*ey = y + row;
				*ex = vx;
				*ew = vw < FORM_INPUT_MAX ? vw : FORM_INPUT_MAX;
				fw = *ew;
				shown = true;
			} else {
				text = form_shown(f);
				screen_put(y + row, vx, fw, text,
				    i == fm->cursor ? STYLE_CURSOR :
				    STYLE_INPUT, TEXT_LEFT);
				free(text);
			}
		} else if (*f->value == '\0')
			screen_put(y + row, vx, fw, "-", STYLE_DIM, TEXT_LEFT);
		else
			screen_put(y + row, vx, fw, f->value, i == fm->cursor ?
			    STYLE_CURSOR : (f->flags & FORM_LINK) ? STYLE_LINK :
			    STYLE_NORMAL, TEXT_LEFT);
		if (f->error != NULL) {
			cw = text_width(f->error);
			if (form_rows(f, lw, vw, w) == 1)
				screen_put(y + row, vx + fw + 2, w - (vx - x) -
				    fw - 2, f->error, STYLE_FIELD_ERROR,
				    TEXT_LEFT);
			else if (row + 1 < h) {
				row++;
				screen_fill(y + row, x, w, STYLE_NORMAL);
				screen_put(y + row, vx, cw < vw ? cw : vw,
				    f->error, STYLE_FIELD_ERROR, TEXT_LEFT);
			}
		}
		row++;
	}
	return shown || editing < 0;
}

int
form_page(const struct form *fm)
{
	return fm->page > 0 ? fm->page : 10;
}

void
form_print(struct form *fm, FILE *out)
{
	struct buf	 line;
	size_t		 i;
	int		 lw = 0;

	for (i = 0; i < fm->n; i++) {
		if (!(fm->fields[i]->flags & FORM_BUTTON) &&
		    text_width(fm->fields[i]->label) > lw)
			lw = text_width(fm->fields[i]->label);
	}
	buf_init(&line, 0);
	for (i = 0; i < fm->n; i++) {
		if (fm->fields[i]->flags & (FORM_BUTTON | FORM_SECRET))
			continue;
		buf_reset(&line);
		text_fit(&line, fm->fields[i]->label, lw, TEXT_LEFT);
		if (!buf_adds(&line, "  "))
			fatalx("form_print: buffer");
		text_fit(&line, fm->fields[i]->value,
		    text_width(fm->fields[i]->value), TEXT_LEFT);
		if (fm->fields[i]->error != NULL &&
		    !buf_printf(&line, "  (%s)", fm->fields[i]->error))
			fatalx("form_print: buffer");
		while (line.len > 0 && line.data[line.len - 1] == ' ')
			line.data[--line.len] = '\0';
		fprintf(out, "%s\n", line.data);
	}
	buf_free(&line);
}
