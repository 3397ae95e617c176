/*
 * template: the text of notification templates.  A template is plain
 * text with {{name}} variables (letters, digits, _ and .), filled in once,
 * in one pass: a value that looks like a variable stays as it is.  Values
 * going into HTML are escaped; values going into a subject lose line
 * breaks.  Pure string work.
 */
#ifndef SOUKD_TEMPLATE_H
#define SOUKD_TEMPLATE_H

#include <stdbool.h>

#include <jansson.h>

enum template_mode {
	TEMPLATE_TEXT,		/* SMS, WhatsApp, push, email text part */
	TEMPLATE_SUBJECT,	/* one line */
	TEMPLATE_HTML,		/* values HTML-escaped */
};

/*
 * Checks text: every {{...}} well formed and naming one of vars (a
 * NULL-terminated list).  False with *cause (caller frees) naming the
 * first problem.
 */
bool	template_check(const char *text, const char *const *vars, char **cause)
	    __attribute__((warn_unused_result));
/*
 * Fills text's variables from values (an object of strings and numbers);
 * a variable without a value becomes empty.  Returns a new string.
 */
char	*template_render(const char *text, json_t *values, enum template_mode);
/*
 * The names of text's variables in order of first appearance, as a new
 * array of strings (for WhatsApp templates' numbered variables).
 */
json_t	*template_variables(const char *text);

#endif
