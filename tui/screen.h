/*
 * screen: the terminal as souk uses it.  Owns curses set-up and tear-down,
 * the colour theme and its monochrome fallback (NO_COLOR is honoured), the
 * helpers every widget draws with, and the screen dump behind
 * `:save-display`.  Everything here runs on the input thread only.
 */
#ifndef SOUK_SCREEN_H
#define SOUK_SCREEN_H

#include <stdbool.h>
#include <stdio.h>

#include "text.h"

enum style {
	STYLE_NORMAL,
	STYLE_TITLE,		/* the top bar */
	STYLE_TITLE_BUSY,	/* "loading" in the top bar */
	STYLE_HEADER,		/* column titles */
	STYLE_SORTED,		/* the title of the sort column */
	STYLE_CURSOR,		/* the row under the cursor */
	STYLE_MARKED,		/* rows selected for a bulk action */
	STYLE_CURSOR_MARKED,
	STYLE_STATUS,		/* the status line */
	STYLE_STATUS_GOOD,	/* health: ready */
	STYLE_STATUS_BAD,	/* health: disconnected, not ready */
	STYLE_MESSAGE,		/* an informative message */
	STYLE_ERROR,		/* an error message */
	STYLE_DIM,		/* placeholders: "no rows", "(none)" */
	STYLE_LABEL,		/* field labels of a detail or form */
	STYLE_INPUT,		/* an editable field's value */
	STYLE_FIELD_ERROR,	/* the server's message next to a field */
	STYLE_LINK,		/* a value Enter opens */
	STYLE_PROMPT,		/* the ':' and '/' prompts */
	STYLE_COUNT
};

struct screen_opts {
	bool		 color;		/* false: monochrome whatever TERM says */
	bool		 headless;	/* draw into /dev/null (scripted runs) */
};

/*
 * Starts curses on the terminal (or, headless, on /dev/null with the size
 * from LINES and COLUMNS).  False with *cause (caller frees) if there is no
 * usable terminal.
 */
bool	screen_open(const struct screen_opts *, char **cause)
	    __attribute__((warn_unused_result));
/* Gives the terminal back; fine to call when screen_open failed. */
void	screen_close(void);
/* True once screen_open has succeeded and before screen_close. */
bool	screen_active(void);
/* Whether colours are in use (false: the monochrome theme). */
bool	screen_colored(void);
/* The curses attributes of a style in the current theme. */
unsigned long screen_attr(enum style);
/* The terminal's width in columns; 0 when the screen is not open. */
int	screen_cols(void);
/* Sets the size of a headless screen, as a terminal resize would. */
void	screen_resize(int lines, int cols);
/*
 * Draws s at (y, x) fitted to exactly width columns (cut with an ellipsis
 * or padded with spaces) in the given style.  Off-screen parts are
 * clipped; a width of 0 or less draws nothing.
 */
void	screen_put(int y, int x, int width, const char *s, enum style,
	    enum text_align);
/* Fills width columns from (y, x) with spaces in the given style. */
void	screen_fill(int y, int x, int width, enum style);
/*
 * Writes what the screen shows as UTF-8 text, one line per row with
 * trailing blanks removed, to path (replaced atomically).  False with
 * *cause (caller frees) on failure.
 */
bool	screen_dump(const char *path, char **cause)
	    __attribute__((warn_unused_result));
/* The same text into a new string the caller frees. */
char	*screen_text(void);

#endif
