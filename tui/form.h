/*
 * form: the detail and form widget: labelled fields in a column, some
 * editable (through the prompt's readline line), some links (Enter runs a
 * command), and buttons.  A validation problem from soukd puts each
 * field's message next to that field.
 */
#ifndef SOUK_FORM_H
#define SOUK_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define FORM_EDIT	0x1	/* the user may change the value */
#define FORM_LINK	0x2	/* Enter runs the field's command */
#define FORM_BUTTON	0x4	/* Enter presses it */
#define FORM_SECRET	0x8	/* shown as '*'s, never printed */
#define FORM_PATH	0x10	/* a file name: Tab completes it */

struct form_field {
	char	*name;		/* as soukd names it in errors */
	char	*label;
	char	*value;
	char	*error;		/* a message to show next to it */
	char	*link;		/* the command Enter runs (FORM_LINK) */
	int	 flags;
};

struct form;

struct form *form_new(void);
void	form_free(struct form *);
/* Drops every field. */
void	form_clear(struct form *);
/*
 * Adds a field (strings copied; value may be NULL) and returns it, valid
 * until the form is cleared.
 */
struct form_field *form_add(struct form *, const char *name,
	    const char *label, const char *value, int flags);
/* Makes a field a link running command. */
void	form_link(struct form_field *, const char *command);
size_t	form_nfields(const struct form *);
struct form_field *form_field(struct form *, size_t);
/* The field called name, or NULL. */
struct form_field *form_find(struct form *, const char *name);
/* Replaces a field's value (NULL: empty). */
void	form_set(struct form_field *, const char *value);

/* Clears every field's error. */
void	form_clear_errors(struct form *);
/*
 * The field an error of soukd's names: "pincodes[2]" and "ids.0" are the
 * field "pincodes" and "ids".  Writes it into out (len bytes).
 */
void	form_field_base(const char *error_field, char *out, size_t len);
/*
 * Puts each of problem's errors[] next to its field.  Returns how many
 * found a field; the others are for the caller to show.
 */
size_t	form_problem(struct form *, const json_t *problem);

/* The field under the cursor; moving; the first and last field. */
size_t	form_cursor(const struct form *);
void	form_move(struct form *, long delta);
void	form_home(struct form *);
void	form_end(struct form *);
void	form_seek(struct form *, size_t);

/*
 * Draws the form in (y, x, h, w).  When editing is a field's index, that
 * field's value is left for the caller to draw the edit line in, at
 * *ey, *ex over *ew columns.  Returns false if that field is off screen.
 */
bool	form_draw(struct form *, int y, int x, int h, int w, long editing,
	    int *ey, int *ex, int *ew);
/* Rows the last form_draw showed. */
int	form_page(const struct form *);
/* Prints "label  value" lines, aligned, for souk -c. */
void	form_print(struct form *, FILE *);

#endif
