/*
 * script: keystrokes for scripted runs of the console (SOUK_SCRIPT), the
 * way tig tests itself.  Each line holds keys typed in order: characters
 * stand for themselves and <Name> for a named key (<Enter>, <Esc>, <Down>,
 * <PgDn>, <Space>, <C-l>, <lt> for '<'; see keys.h).  A line starting with
 * # is a comment.  Directives, also in angle brackets:
 *
 *   <save-display FILE>	write the screen to FILE, even mid-prompt
 *   <resize COLSxLINES>	resize the (headless) terminal
 *   <sleep MS>			wait
 *   <wait-connected>		wait until soukd answers again
 *   <wait-disconnected>	wait until soukd is seen to be gone
 *   <wait-file PATH>		wait until PATH exists
 *   <wait-events N>		wait until N live events have come in
 *   <wait-events +N>		wait until N more have, since the last
 *				<save-display> (or the start)
 *
 * The console plays a key only when no request is in flight, so what a
 * dump shows does not depend on timing.
 */
#ifndef SOUK_SCRIPT_H
#define SOUK_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

enum script_op {
	SCRIPT_KEY,
	SCRIPT_SAVE,
	SCRIPT_RESIZE,
	SCRIPT_SLEEP,
	SCRIPT_WAIT_CONNECTED,
	SCRIPT_WAIT_DISCONNECTED,
	SCRIPT_WAIT_FILE,
	SCRIPT_WAIT_EVENTS,	/* ms holds the count */
};

struct script_step {
	enum script_op	 op;
	int		 key;
	char		*arg;		/* FILE or PATH */
	int		 lines, cols;
	long		 ms;		/* SCRIPT_SLEEP; SCRIPT_WAIT_EVENTS: N */
	bool		 since_save;	/* SCRIPT_WAIT_EVENTS: +N */
	int		 line;		/* in the script, for messages */
};

struct script {
	char			*name;
	struct script_step	*steps;
	size_t			 n;
};

/*
 * Parses text (named name in messages).  False with *cause (caller frees)
 * naming the line of the first mistake.
 */
bool	script_parse(const char *name, const char *text, struct script **,
	    char **cause) __attribute__((warn_unused_result));
/* Reads and parses a file. */
bool	script_load(const char *path, struct script **, char **cause)
	    __attribute__((warn_unused_result));
void	script_free(struct script *);

#endif
