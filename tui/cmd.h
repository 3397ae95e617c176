/*
 * cmd: the console's command language, one table for the `:` line, its
 * completion, `souk -c` and `souk --help`.  A command line is words
 * separated by blanks; quotes ('...' literal, "..." with \ escapes) and
 * backslashes keep blanks inside a word.  Options are --name VALUE (or
 * --name=VALUE) and may come anywhere after the command.
 */
#ifndef SOUK_CMD_H
#define SOUK_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct app;

enum cmd_complete {
	COMPLETE_NONE,
	COMPLETE_COMMAND,	/* command names */
	COMPLETE_KIND,		/* region kinds */
	COMPLETE_ID,		/* ids from the visible table */
	COMPLETE_PARENT,	/* the same, or "none" */
	COMPLETE_FILE,		/* file names */
	COMPLETE_OPTION,	/* the command's --options */
	COMPLETE_JOB_STATE,	/* pending, running, ... */
	COMPLETE_ROLE,		/* customer, ..., admin */
	COMPLETE_CHANNEL,	/* sms, whatsapp, email, push */
	COMPLETE_USER_STATUS,	/* active, suspended */
	COMPLETE_OUTBOX_STATE,	/* pending, sent, failed, suppressed */
	COMPLETE_REG_STATE,	/* submitted, under_review, ... */
	COMPLETE_VENDOR_STATUS,	/* active, suspended */
	COMPLETE_LISTING_STATUS,	/* pending_review, ..., all */
};

#define CMD_MAXOPTS	8

struct cmd_opt {
	const char		*name;		/* without the dashes */
	const char		*arg;		/* its value, as usage shows it;
						   NULL: a flag, "yes" if given */
	enum cmd_complete	 complete;
	const char		*help;
};

struct cmd_args;

#define CMD_SCREEN	0x1	/* only in the full-screen console */
#define CMD_AUTH	0x2	/* needs a signed-in user */
#define CMD_BATCH	0x4	/* `souk COMMAND` runs it without the screen */

struct command {
	const char		*name;
	const char		*alias;		/* may be NULL */
	const char		*usage;		/* the arguments */
	const char		*summary;
	struct cmd_opt		 opts[CMD_MAXOPTS];	/* name NULL ends */
	size_t			 min, max;	/* positional arguments */
	enum cmd_complete	 complete;	/* of positional arguments */
	int			 flags;
	bool			(*run)(struct app *, const struct cmd_args *,
				    char **cause);
};

struct cmd_args {
	const struct command	*cmd;
	char			**argv;		/* positional arguments */
	size_t			  argc;
	char			 *opts[CMD_MAXOPTS];	/* by cmd->opts index */
	char			**words;	/* all the words */
	size_t			  nwords;
};

extern const struct command commands[];
extern const size_t ncommands;

/*
 * Splits a line into words.  False with *cause (caller frees) on an
 * unterminated quote.  *words is NULL-terminated; free with cmd_free_words.
 */
bool	cmd_split(const char *line, char ***words, size_t *n, char **cause)
	    __attribute__((warn_unused_result));
void	cmd_free_words(char **, size_t);
/* The command called name (or by its alias), or NULL. */
const struct command *cmd_find(const char *name);
/*
 * A -c command ending in the word --json ("queue stats Diwali --json"):
 * that word taken off line (in place), true; else line as it was, false.
 */
bool	cmd_take_json(char *line);
/*
 * Parses a whole command line.  False with *cause (caller frees) if the
 * command is unknown or its arguments are wrong.  Free with cmd_args_free.
 */
bool	cmd_parse(const char *line, struct cmd_args *, char **cause)
	    __attribute__((warn_unused_result));
void	cmd_args_free(struct cmd_args *);
/* The value of option name, or NULL if it was not given. */
const char *cmd_opt(const struct cmd_args *, const char *name);
/*
 * What word, being typed, should complete to, given the line before it
 * (which ends at the word's start).
 */
enum cmd_complete cmd_completion(const char *before, const char *word);
/* Appends the command list (usage and summary) for --help and help. */
void	cmd_help(struct buf *);

#endif
