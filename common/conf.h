/*
 * conf: reads "key = value" files.  Blank lines and lines starting with #
 * are skipped; a value may be wrapped in double quotes (inside them \" and
 * \\ escape) to keep leading or trailing spaces or a #.  The meaning of keys
 * belongs to the caller, through a callback per line.
 */
#ifndef SOUK_CONF_H
#define SOUK_CONF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Called for each setting with its 1-based line number.  Returns false and
 * sets *cause (a string the parser frees) to refuse the value; parsing then
 * stops and reports "FILE:LINE: cause".
 */
typedef bool (*conf_setting_cb)(void *arg, const char *key,
    const char *value, char **cause);

/*
 * Parses len bytes of text named name (used in messages).  Returns false
 * with *cause ("name:line: what is wrong", caller frees) on the first bad
 * line or refused setting.
 */
bool	conf_parse(const char *name, const char *text, size_t len,
	    conf_setting_cb, void *arg, char **cause)
	    __attribute__((warn_unused_result));
/* Reads and parses a file; a file that cannot be read is an error too. */
bool	conf_parse_file(const char *path, conf_setting_cb, void *arg,
	    char **cause) __attribute__((warn_unused_result));

#endif
