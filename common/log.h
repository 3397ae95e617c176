/*
 * log: one line per event on standard error, in logfmt
 * (ts=... level=... req=... msg="..."), written with a single write(2) so
 * lines from different threads never interleave.  The request id of the
 * request a thread is serving is attached to every line it logs.
 */
#ifndef SOUK_LOG_H
#define SOUK_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "xmalloc.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the least severe level that is written (LOG_INFO by default). */
void	log_set_level(enum log_level);
enum log_level log_get_level(void);
/* Parses "debug", "info", "warn" or "error"; false if it is none of them. */
bool	log_level_parse(const char *, enum log_level *);
const char *log_level_name(enum log_level);

/*
 * Sets the request id attached to this thread's lines; NULL clears it.  The
 * string is not copied: it must live until it is cleared.
 */
void	log_set_request(const char *);
const char *log_request(void);

void	log_debug(const char *, ...) PRINTF_LIKE(1, 2);
void	log_info(const char *, ...) PRINTF_LIKE(1, 2);
void	log_warn(const char *, ...) PRINTF_LIKE(1, 2);
void	log_error(const char *, ...) PRINTF_LIKE(1, 2);
/*
 * Writes a line of logfmt fields given ready-made (the access log): fields
 * is "key=value key=value" and is written after ts, level and req.
 */
void	log_fields(enum log_level, const char *fields);

/* Logs (fatal: with strerror(errno)) and aborts: broken invariants only. */
__attribute__((noreturn)) void fatal(const char *, ...) PRINTF_LIKE(1, 2);
__attribute__((noreturn)) void fatalx(const char *, ...) PRINTF_LIKE(1, 2);

/*
 * Appends s to dst (of size len, already holding a NUL-terminated string)
 * as a logfmt value: bare when it is safe, else quoted with \" \\ \n
 * escaped.  Truncates rather than overflows.
 */
void	log_quote(char *dst, size_t len, const char *s);

#endif
