#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include <readline/readline.h>
#include <readline/history.h>

#include "buf.h"
#include "keys.h"
#include "log.h"
#include "prompt.h"
#include "screen.h"
#include "text.h"
#include "xmalloc.h"

#define PROMPT_HISTORY_MAX	1000
#define PROMPT_QUEUE		64
#define PROMPT_MATCHES_MAX	1024

static struct {
	bool			 ready;
	bool			 active;
	enum prompt_kind	 kind;
	char			*prefix;
	prompt_change_cb	 change;
	prompt_done_cb		 done;
	void			*arg;
	char			*history;
	prompt_complete_cb	 complete;
	void			*complete_arg;

	unsigned char		 queue[PROMPT_QUEUE];	/* bytes for readline */
	size_t			 qhead, qlen;
	bool			 finished;		/* Enter, or EOF */
	bool			 secret;		/* shown as '*'s */
	bool			 files;			/* Tab: file names */
	char			*line;			/* what Enter gave */
	char			 matches[PROMPT_MATCHES_MAX];
	char			**candidates;
	FILE			*null;
} prompt;

static int
prompt_getc(FILE *f)
{
	(void)f;
	if (prompt.qlen == 0)
		return EOF;
	prompt.qlen--;
	return prompt.queue[prompt.qhead++ % PROMPT_QUEUE];
}

static int
prompt_available(void)
{
	return prompt.qlen > 0;
}

static void
prompt_redisplay(void)
{
	/* souk draws the line itself after each key. */
}

static void
prompt_line_done(char *line)
{
	prompt.finished = true;
	free(prompt.line);
	prompt.line = line;
	/* Stop readline from printing or reading anything more. */
	rl_callback_handler_remove();
}

static char *
prompt_generate(const char *text, int state)
{
	static size_t	i;
	size_t		len = strlen(text);

	if (state == 0)
		i = 0;
	while (prompt.candidates != NULL && prompt.candidates[i] != NULL) {
		const char *c = prompt.candidates[i++];

		if (strncmp(c, text, len) == 0)
			return xstrdup(c);
	}
	return NULL;
}

static void
prompt_free_candidates(void)
{
	size_t	i;

	if (prompt.candidates == NULL)
		return;
	for (i = 0; prompt.candidates[i] != NULL; i++)
		free(prompt.candidates[i]);
	free(prompt.candidates);
	prompt.candidates = NULL;
}

static char **
prompt_completion(const char *text, int start, int end)
{
	char	**m;

	(void)end;
	prompt_free_candidates();
	if (prompt.files)
		return NULL;	/* readline completes file names */
	if (prompt.kind != PROMPT_COMMAND || prompt.complete == NULL) {
		rl_attempted_completion_over = 1;
		return NULL;
	}
	prompt.candidates = prompt.complete(prompt.complete_arg, rl_line_buffer,
	    start, text);
	if (prompt.candidates == NULL)
		return NULL;	/* readline completes file names */
	rl_attempted_completion_over = 1;
	m = rl_completion_matches(text, prompt_generate);
	prompt_free_candidates();
	return m;
}

static void
prompt_show_matches(char **matches, int n, int longest)
{
	size_t	len = 0;
	int	i;

	(void)longest;
	prompt.matches[0] = '\0';
	for (i = 1; i <= n && matches[i] != NULL; i++) {
		snprintf(prompt.matches + len, sizeof prompt.matches - len,
		    "%s%s", i > 1 ? "  " : "", matches[i]);
		len = strlen(prompt.matches);
		if (len + 1 >= sizeof prompt.matches)
			break;
	}
}

/* Creates the directories above path, private to the user. */
static void
prompt_mkdirs(const char *path)
{
	char	*dir = xstrdup(path), *p;

	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			break;
		*p = '/';
	}
	free(dir);
}

void
prompt_init(const char *history, prompt_complete_cb complete, void *arg)
{
	if (prompt.ready)
		return;
	prompt.ready = true;
	prompt.complete = complete;
	prompt.complete_arg = arg;
	prompt.history = history != NULL ? xstrdup(history) : NULL;
	if ((prompt.null = fopen("/dev/null", "r+")) == NULL)
		fatal("prompt_init: /dev/null");

	/* Readline must leave the terminal, signals and LINES alone. */
	rl_readline_name = "souk";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_redisplay_function = prompt_redisplay;	/* also skips tgetent */
	rl_getc_function = prompt_getc;
	rl_input_available_hook = prompt_available;
	rl_instream = prompt.null;
	rl_outstream = prompt.null;
	rl_attempted_completion_function = prompt_completion;
	rl_completion_display_matches_hook = prompt_show_matches;
	rl_initialize();
	rl_variable_bind("bell-style", "none");
	rl_variable_bind("show-all-if-ambiguous", "on");
	rl_variable_bind("page-completions", "off");
	rl_variable_bind("completion-query-items", "100000");

	using_history();
	stifle_history(PROMPT_HISTORY_MAX);
	if (prompt.history != NULL)
		read_history(prompt.history);
}

void
prompt_shutdown(void)
{
	if (!prompt.ready)
		return;
	if (prompt.active)
		prompt_cancel();
	if (prompt.history != NULL && history_length > 0)
		history_truncate_file(prompt.history, PROMPT_HISTORY_MAX);
	clear_history();
	rl_callback_handler_remove();
	free(prompt.history);
	free(prompt.prefix);
	free(prompt.line);
	prompt_free_candidates();
	if (prompt.null != NULL)
		fclose(prompt.null);
	memset(&prompt, 0, sizeof prompt);
}

bool
prompt_active(void)
{
	return prompt.active;
}

enum prompt_kind
prompt_kind(void)
{
	return prompt.kind;
}

void
prompt_begin(enum prompt_kind kind, const char *prefix, const char *initial,
    prompt_change_cb change, prompt_done_cb done, void *arg)
{
	if (prompt.active)
		prompt_cancel();
	prompt.active = true;
	prompt.secret = false;
	prompt.files = false;
	prompt.kind = kind;
	free(prompt.prefix);
	prompt.prefix = xstrdup(prefix);
	prompt.change = change;
	prompt.done = done;
	prompt.arg = arg;
	prompt.finished = false;
	prompt.qlen = prompt.qhead = 0;
	prompt.matches[0] = '\0';
	using_history();
	rl_callback_handler_install("", prompt_line_done);
	if (initial != NULL && *initial != '\0') {
		rl_replace_line(initial, 1);
		rl_point = rl_end;
	}
}

/* Ends the prompt and tells its owner (line NULL: cancelled). */
static void
prompt_finish(const char *line)
{
	prompt_done_cb	 done = prompt.done;
	void		*arg = prompt.arg;
	char		*copy = line != NULL ? xstrdup(line) : NULL;

	prompt.active = false;
	prompt.secret = false;
	prompt.files = false;
	prompt.matches[0] = '\0';
	if (copy != NULL && prompt.kind == PROMPT_COMMAND && *copy != '\0') {
		HIST_ENTRY *last = history_get(history_base + history_length -
		    1);

		if (last == NULL || strcmp(last->line, copy) != 0) {
			add_history(copy);
			if (prompt.history != NULL) {
				prompt_mkdirs(prompt.history);
				if (access(prompt.history, F_OK) == 0)
					append_history(1, prompt.history);
				else
					write_history(prompt.history);
			}
		}
	}
	done(arg, copy);
	free(copy);
}

void
prompt_cancel(void)
{
	if (!prompt.active)
		return;
	rl_callback_sigcleanup();
	rl_replace_line("", 1);
	rl_callback_handler_remove();
	prompt_finish(NULL);
}

/* Runs a readline command as if its key were pressed. */
static void
prompt_command(rl_command_func_t *fn)
{
	fn(1, 0);
}

static void
prompt_feed(const char *bytes, size_t n)
{
	size_t	i;

	for (i = 0; i < n && prompt.qlen < PROMPT_QUEUE; i++) {
		prompt.queue[(prompt.qhead + prompt.qlen) % PROMPT_QUEUE] =
		    (unsigned char)bytes[i];
		prompt.qlen++;
	}
	while (prompt.qlen > 0 && !prompt.finished)
		rl_callback_read_char();
	prompt.qlen = 0;
}

void
prompt_secret(void)
{
	if (prompt.active)
		prompt.secret = true;
}

void
prompt_files(void)
{
	if (prompt.active)
		prompt.files = true;
}

void
prompt_key(int key)
{
	char		 mb[MB_LEN_MAX];
	mbstate_t	 st;
	char		*before;
	size_t		 n;
	bool		 history = prompt.kind == PROMPT_COMMAND;

	if (!prompt.active)
		return;
	prompt.matches[0] = '\0';
	before = xstrdup(rl_line_buffer != NULL ? rl_line_buffer : "");
	switch (key) {
	case K_ESC:
	case K_CTRL('g'):
		free(before);
		prompt_cancel();
		return;
	case K_LEFT:
		prompt_command(rl_backward_char);
		break;
	case K_RIGHT:
		prompt_command(rl_forward_char);
		break;
	case K_HOME:
		prompt_command(rl_beg_of_line);
		break;
	case K_END:
		prompt_command(rl_end_of_line);
		break;
	case K_DEL:
		prompt_command(rl_delete);
		break;
	case K_UP:
		if (history)
			prompt_command(rl_get_previous_history);
		break;
	case K_DOWN:
		if (history)
			prompt_command(rl_get_next_history);
		break;
	case K_TAB:
		if (history || prompt.files)
			prompt_feed("\t", 1);
		break;
	case K_BS:
		prompt_feed("\177", 1);
		break;
	case K_ENTER:
		prompt_feed("\n", 1);
		break;
	default:
		if (key >= K_SPECIAL || key == 0)
			break;
		memset(&st, 0, sizeof st);
		n = wcrtomb(mb, (wchar_t)key, &st);
		if (n != (size_t)-1)
			prompt_feed(mb, n);
		break;
	}
	if (prompt.finished) {
		char *line = prompt.line;

		prompt.line = NULL;
		free(before);
		prompt_finish(line);
		free(line);
		return;
	}
	if (prompt.change != NULL && strcmp(before, rl_line_buffer) != 0)
		prompt.change(prompt.arg, rl_line_buffer);
	free(before);
}

void
prompt_draw(int y, int x, int w, enum style st)
{
	const char	*pre, *line;
	char		*masked = NULL;
	size_t		 start = 0, point, i, n, at;
	int		 pw, avail, cx;

	if (!prompt.active || w <= 0)
		return;
	/* Readline's own prompt while it searches (C-r), else ours. */
	pre = rl_display_prompt != NULL && *rl_display_prompt != '\0' ?
	    rl_display_prompt : prompt.prefix;
	line = rl_line_buffer != NULL ? rl_line_buffer : "";
	point = (size_t)(rl_point >= 0 ? rl_point : 0);
	if (point > strlen(line))
		point = strlen(line);
	if (prompt.secret) {
		/* One '*' per character; the point moves with them. */
		masked = xcalloc(strlen(line) + 1, 1);
		for (i = n = at = 0; line[i] != '\0'; i++) {
			if (i == point)
				at = n;
			if (((unsigned char)line[i] & 0xc0) != 0x80)
				masked[n++] = '*';
		}
		point = point >= strlen(line) ? n : at;
		line = masked;
	}
	pw = text_width(pre);
	if (pw > w / 2)
		pw = w / 2;
	avail = w - pw;
	screen_fill(y, x, w, st);
	screen_put(y, x, pw, pre, STYLE_PROMPT, TEXT_LEFT);
	/* Scroll the line left until the point fits. */
	while (start < point && text_width_n(line + start, point - start) >=
	    avail) {
		start++;
		while (start < point && ((unsigned char)line[start] & 0xc0) ==
		    0x80)
			start++;
	}
	screen_put(y, x + pw, avail, line + start, st, TEXT_LEFT);
	cx = x + pw + text_width_n(line + start, point - start);
	if (screen_active()) {
		move(y, cx < x + w ? cx : x + w - 1);
		curs_set(1);
	}
	free(masked);
}

const char *
prompt_matches(void)
{
	return prompt.active && prompt.matches[0] != '\0' ? prompt.matches :
	    NULL;
}

int
prompt_history_count(void)
{
	return history_length;
}

void
prompt_history_clear(void)
{
	clear_history();
	if (prompt.history != NULL) {
		prompt_mkdirs(prompt.history);
		write_history(prompt.history);
	}
}
