#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 4096

static enum log_level		 log_level = LOG_INFO;
static _Thread_local const char	*log_req;

static const char *const log_names[] = { "debug", "info", "warn", "error" };

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

bool
log_level_parse(const char *s, enum log_level *out)
{
	size_t	i;

	for (i = 0; i < sizeof log_names / sizeof log_names[0]; i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

const char *
log_level_name(enum log_level level)
{
	return log_names[level];
}

void
log_set_request(const char *id)
{
	log_req = id;
}

const char *
log_request(void)
{
	return log_req;
}

void
log_quote(char *dst, size_t len, const char *s)
{
	size_t	 n = strlen(dst);
	bool	 bare = *s != '\0';
	const char *p;

	for (p = s; *p != '\0' && bare; p++) {
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    *p == 0x7f)
			bare = false;
	}
	if (bare) {
		snprintf(dst + n, len - n, "%s", s);
		return;
	}
	if (n + 1 < len)
		dst[n++] = '"';
	for (p = s; *p != '\0' && n + 3 < len; p++) {
		switch (*p) {
		case '"':
		case '\\':
			dst[n++] = '\\';
			dst[n++] = *p;
			break;
		case '\n':
			dst[n++] = '\\';
			dst[n++] = 'n';
			break;
		case '\r':
		case '\t':
			dst[n++] = ' ';
			break;
		default:
			dst[n++] = *p;
		}
	}
	if (n + 1 < len)
		dst[n++] = '"';
	dst[n < len ? n : len - 1] = '\0';
}

static size_t
log_prefix(char *line, size_t len, enum log_level level)
{
	struct timespec	ts;
	struct tm	tm;
	size_t		n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, len, "ts=%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, len - n, ".%03ldZ level=%s",
	    ts.tv_nsec / 1000000, log_names[level]);
	if (log_req != NULL)
		n += (size_t)snprintf(line + n, len - n, " req=%s", log_req);
	return n;
}

static void
log_write(char *line, size_t n)
{
	ssize_t	w;

	if (n >= LOG_LINE_MAX - 1)
		n = LOG_LINE_MAX - 2;
	line[n++] = '\n';
	while (n > 0) {
		w = write(STDERR_FILENO, line, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		line += w;
		n -= (size_t)w;
	}
}

static void
log_vline(enum log_level level, const char *fmt, va_list ap, const char *err)
{
	char	line[LOG_LINE_MAX], msg[LOG_LINE_MAX];
	size_t	n;
	int	m;

	if (level < log_level)
		return;
	m = vsnprintf(msg, sizeof msg, fmt, ap);
	if (m >= 0 && err != NULL)
		snprintf(msg + m, sizeof msg - (size_t)m, ": %s", err);
	n = log_prefix(line, sizeof line, level);
	snprintf(line + n, sizeof line - n, " msg=");
	log_quote(line, sizeof line, msg);
	log_write(line, strlen(line));
}

void
log_fields(enum log_level level, const char *fields)
{
	char	line[LOG_LINE_MAX];
	size_t	n;

	if (level < log_level)
		return;
	n = log_prefix(line, sizeof line, level);
	n += (size_t)snprintf(line + n, sizeof line - n, " %s", fields);
	log_write(line, n < sizeof line ? n : sizeof line - 1);
}

#define LOG_FN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
								\
	va_start(ap, fmt);					\
	log_vline(level, fmt, ap, NULL);			\
	va_end(ap);						\
}

LOG_FN(log_debug, LOG_DEBUG)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_error, LOG_ERROR)

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[256];
	const char *err;

	err = strerror_r(errno, buf, sizeof buf);
	va_start(ap, fmt);
	log_vline(LOG_ERROR, fmt, ap, err);
	va_end(ap);
	abort();
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(LOG_ERROR, fmt, ap, NULL);
	va_end(ap);
	abort();
}
