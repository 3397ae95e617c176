#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "buf.h"
#include "log.h"
#include "screen.h"
#include "text.h"
#include "xmalloc.h"

struct screen_style {
	short	fg, bg;
	attr_t	color;		/* attributes added to the colours */
	attr_t	mono;		/* attributes without colours */
};

/* The theme: one row per style.  -1 is the terminal's own colour. */
static const struct screen_style screen_styles[STYLE_COUNT] = {
	[STYLE_NORMAL] =	{ -1, -1, 0, 0 },
	[STYLE_TITLE] =		{ COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
	[STYLE_TITLE_BUSY] =	{ COLOR_YELLOW, COLOR_BLUE, A_BOLD,
				  A_REVERSE | A_BOLD },
	[STYLE_HEADER] =	{ COLOR_CYAN, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[STYLE_SORTED] =	{ COLOR_YELLOW, -1, A_BOLD,
				  A_BOLD | A_UNDERLINE },
	[STYLE_CURSOR] =	{ COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[STYLE_MARKED] =	{ COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[STYLE_CURSOR_MARKED] =	{ COLOR_YELLOW, COLOR_CYAN, A_BOLD,
				  A_REVERSE | A_BOLD },
	[STYLE_STATUS] =	{ COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE },
	[STYLE_STATUS_GOOD] =	{ COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE },
	[STYLE_STATUS_BAD] =	{ COLOR_WHITE, COLOR_RED, A_BOLD,
				  A_REVERSE | A_BOLD },
	[STYLE_MESSAGE] =	{ -1, -1, 0, 0 },
	[STYLE_ERROR] =		{ COLOR_RED, -1, A_BOLD, A_BOLD },
	[STYLE_DIM] =		{ -1, -1, A_DIM, A_DIM },
	[STYLE_LABEL] =		{ COLOR_CYAN, -1, 0, A_BOLD },
	[STYLE_INPUT] =		{ -1, -1, A_UNDERLINE, A_UNDERLINE },
	[STYLE_FIELD_ERROR] =	{ COLOR_RED, -1, A_BOLD, A_BOLD },
	[STYLE_LINK] =		{ COLOR_BLUE, -1, A_BOLD | A_UNDERLINE,
				  A_UNDERLINE },
	[STYLE_PROMPT] =	{ COLOR_YELLOW, -1, A_BOLD, A_BOLD },
};

static SCREEN		*screen_scr;
static FILE		*screen_out, *screen_in;
static bool		 screen_is_open, screen_color, screen_headless;
static unsigned long	 screen_attrs[STYLE_COUNT];

static void
screen_theme(bool want)
{
	const struct screen_style	*s;
	size_t				 i;

	screen_color = want && has_colors() && start_color() == OK &&
	    COLORS >= 8 && COLOR_PAIRS > STYLE_COUNT;
	if (screen_color)
		use_default_colors();
	for (i = 0; i < STYLE_COUNT; i++) {
		s = &screen_styles[i];
		if (!screen_color) {
			screen_attrs[i] = s->mono;
			continue;
		}
		init_pair((short)(i + 1), s->fg, s->bg);
		screen_attrs[i] = COLOR_PAIR(i + 1) | s->color;
	}
}

bool
screen_open(const struct screen_opts *o, char **cause)
{
	const char	*term = getenv("TERM");

	*cause = NULL;
	if (o->headless) {
		if (term == NULL || *term == '\0')
			term = "xterm-256color";
		screen_out = fopen("/dev/null", "w");
		screen_in = fopen("/dev/null", "r");
		if (screen_out == NULL || screen_in == NULL) {
			*cause = xasprintf("/dev/null: %s", strerror(errno));
			goto fail;
		}
		screen_scr = newterm(term, screen_out, screen_in);
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			*cause = xstrdup("the console needs a terminal; use "
			    "souk -c COMMAND without one");
			goto fail;
		}
		screen_scr = newterm(NULL, stdout, stdin);
	}
	if (screen_scr == NULL) {
		*cause = xasprintf("cannot use the terminal '%s'",
		    term != NULL ? term : "(TERM is not set)");
		goto fail;
	}
	screen_headless = o->headless;
	screen_is_open = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	leaveok(stdscr, FALSE);
	curs_set(0);
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	screen_theme(o->color);
	return true;
fail:
	if (screen_out != NULL)
		fclose(screen_out);
	if (screen_in != NULL)
		fclose(screen_in);
	screen_out = screen_in = NULL;
	return false;
}

void
screen_close(void)
{
	if (!screen_is_open)
		return;
	endwin();
	delscreen(screen_scr);
	screen_scr = NULL;
	screen_is_open = false;
	if (screen_out != NULL)
		fclose(screen_out);
	if (screen_in != NULL)
		fclose(screen_in);
	screen_out = screen_in = NULL;
}

bool
screen_active(void)
{
	return screen_is_open;
}

bool
screen_colored(void)
{
	return screen_color;
}

unsigned long
screen_attr(enum style s)
{
	return s < STYLE_COUNT ? screen_attrs[s] : 0;
}

int
screen_cols(void)
{
	return screen_is_open ? COLS : 0;
}

void
screen_resize(int lines, int cols)
{
	if (screen_is_open && lines > 0 && cols > 0)
		resizeterm(lines, cols);
}

void
screen_put(int y, int x, int width, const char *s, enum style st,
    enum text_align align)
{
	wchar_t	*w;
	char	*fitted;
	size_t	 n;

	if (!screen_is_open || y < 0 || y >= LINES || x >= COLS || width <= 0)
		return;
	if (x < 0) {
		width += x;
		x = 0;
	}
	if (x + width > COLS)
		width = COLS - x;
	if (width <= 0)
		return;
	fitted = text_fitted(s, width, align);
	n = strlen(fitted) + 1;
	w = xcalloc(n, sizeof *w);
	if (mbstowcs(w, fitted, n) == (size_t)-1) {
		/* Cannot happen after text_fit; show blanks rather than junk. */
		wmemset(w, L' ', (size_t)width);
		w[width] = L'\0';
	}
	attrset((attr_t)screen_attr(st));
	mvaddwstr(y, x, w);
	attrset(A_NORMAL);
	free(w);
	free(fitted);
}

void
screen_fill(int y, int x, int width, enum style st)
{
	if (!screen_is_open || y < 0 || y >= LINES || x >= COLS || width <= 0)
		return;
	if (x < 0) {
		width += x;
		x = 0;
	}
	if (x + width > COLS)
		width = COLS - x;
	attrset((attr_t)screen_attr(st));
	mvhline(y, x, ' ', width);
	attrset(A_NORMAL);
}

char *
screen_text(void)
{
	struct buf	 b;
	cchar_t		 cc;
	wchar_t		 wch[CCHARW_MAX + 1];
	attr_t		 attrs;
	short		 pair;
	char		 mb[MB_LEN_MAX * (CCHARW_MAX + 1) + 1];
	size_t		 n, keep;
	int		 y, x, w;

	buf_init(&b, 0);
	if (!screen_is_open)
		return buf_take(&b, NULL);
	for (y = 0; y < LINES; y++) {
		keep = b.len;
		for (x = 0; x < COLS; x += w) {
			w = 1;
			if (mvwin_wch(stdscr, y, x, &cc) == ERR)
				break;
			memset(wch, 0, sizeof wch);
			if (getcchar(&cc, wch, &attrs, &pair, NULL) == ERR ||
			    wch[0] == L'\0')
				wch[0] = L' ';
			if (wcwidth(wch[0]) > 1)
				w = wcwidth(wch[0]);
			n = wcstombs(mb, wch, sizeof mb);
			if (n == (size_t)-1) {
				mb[0] = '?';
				n = 1;
			}
			if (!buf_add(&b, mb, n))
				fatalx("screen_text: buffer");
			if (!(n == 1 && mb[0] == ' '))
				keep = b.len;
		}
		b.len = keep;
		if (!buf_add(&b, "\n", 1))
			fatalx("screen_text: buffer");
	}
	return buf_take(&b, NULL);
}

bool
screen_dump(const char *path, char **cause)
{
	char	*text = NULL, *tmp;
	FILE	*f;
	bool	 ok = false;

	*cause = NULL;
	tmp = xasprintf("%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	text = screen_text();
	if ((fputs(text, f) == EOF) | (fclose(f) == EOF)) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	ok = true;
out:
	free(text);
	free(tmp);
	return ok;
}
