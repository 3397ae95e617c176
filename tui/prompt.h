/*
 * prompt: the one line the user types into, through GNU readline's
 * callback interface: the `:` command line (with history kept in a file
 * and tab completion), the `/` filter (reported as it changes) and form
 * fields.  Readline never touches the terminal here: keys are fed to it
 * one by one and souk draws its line.
 */
#ifndef SOUK_PROMPT_H
#define SOUK_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "screen.h"

enum prompt_kind {
	PROMPT_COMMAND,		/* history and completion */
	PROMPT_FILTER,
	PROMPT_FIELD,
	PROMPT_ASK,		/* a question's answer, on the message line */
};

/* Called with the final line, or NULL when the prompt was cancelled. */
typedef void (*prompt_done_cb)(void *arg, const char *line);
/* Called as the line changes (filters are incremental). */
typedef void (*prompt_change_cb)(void *arg, const char *line);
/*
 * Completion candidates for the word text being typed in line (which
 * starts at byte start): a NULL-terminated array of new strings the prompt
 * frees, or NULL for file names.
 */
typedef char **(*prompt_complete_cb)(void *arg, const char *line,
    int start, const char *text);

/*
 * Sets readline up (once) with the history file at path (NULL: no
 * history kept) and the completion function.
 */
void	prompt_init(const char *history, prompt_complete_cb, void *arg);
/* Saves the history; the prompt cannot be used afterwards. */
void	prompt_shutdown(void);
bool	prompt_active(void);
enum prompt_kind prompt_kind(void);
/* Opens a prompt showing prefix, starting with text initial. */
void	prompt_begin(enum prompt_kind, const char *prefix,
	    const char *initial, prompt_change_cb, prompt_done_cb, void *arg);
/* Hides what is typed (each character shows as '*'), until the prompt ends. */
void	prompt_secret(void);
/* Tab completes file names, until the prompt ends. */
void	prompt_files(void);
/* Feeds a key (keys.h) to the open prompt. */
void	prompt_key(int key);
/* Closes the prompt as if Esc was pressed. */
void	prompt_cancel(void);
/*
 * Draws prefix and line in (y, x) over w columns, scrolled so the point
 * shows, and places the terminal's cursor there.
 */
void	prompt_draw(int y, int x, int w, enum style);
/* Completion candidates to show, or NULL. */
const char *prompt_matches(void);
/* Commands in the history; forgetting them all (and the file's). */
int	prompt_history_count(void);
void	prompt_history_clear(void);

#endif
