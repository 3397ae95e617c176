#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "buf.h"
#include "keys.h"
#include "num.h"
#include "script.h"
#include "xmalloc.h"

#define SCRIPT_MAX	(1024 * 1024)

static struct script_step *
script_add(struct script *s, enum script_op op, int line)
{
	struct script_step	*st;

	s->steps = xreallocarray(s->steps, s->n + 1, sizeof *s->steps);
	st = &s->steps[s->n++];
	memset(st, 0, sizeof *st);
	st->op = op;
	st->line = line;
	return st;
}

/* Reads one <...> item (without its brackets). */
static bool
script_item(struct script *s, const char *item, int line, char **cause)
{
	struct script_step	*st;
	const char		*arg, *x;
	char			*w;
	int64_t			 v, lines, cols;
	int			 key;
	bool			 ok;

	arg = strchr(item, ' ');
	if (arg == NULL) {
		if (strcmp(item, "wait-connected") == 0) {
			script_add(s, SCRIPT_WAIT_CONNECTED, line);
			return true;
		}
		if (strcmp(item, "wait-disconnected") == 0) {
			script_add(s, SCRIPT_WAIT_DISCONNECTED, line);
			return true;
		}
		if ((key = keys_parse(item)) < 0) {
			*cause = xasprintf("%s:%d: no key is called <%s>",
			    s->name, line, item);
			return false;
		}
		script_add(s, SCRIPT_KEY, line)->key = key;
		return true;
	}
	arg++;
	if (strncmp(item, "save-display ", 13) == 0 && *arg != '\0') {
		script_add(s, SCRIPT_SAVE, line)->arg = xstrdup(arg);
		return true;
	}
	if (strncmp(item, "wait-file ", 10) == 0 && *arg != '\0') {
		script_add(s, SCRIPT_WAIT_FILE, line)->arg = xstrdup(arg);
		return true;
	}
	if (strncmp(item, "wait-events ", 12) == 0) {
		bool	plus = *arg == '+';

		if (!num_int64(arg + plus, 1, 1000000, &v)) {
			*cause = xasprintf("%s:%d: <wait-events N> needs a "
			    "count", s->name, line);
			return false;
		}
		st = script_add(s, SCRIPT_WAIT_EVENTS, line);
		st->ms = (long)v;
		st->since_save = plus;
		return true;
	}
	if (strncmp(item, "sleep ", 6) == 0) {
		if (!num_int64(arg, 0, 600000, &v)) {
			*cause = xasprintf("%s:%d: <sleep MS> needs "
			    "milliseconds", s->name, line);
			return false;
		}
		script_add(s, SCRIPT_SLEEP, line)->ms = (long)v;
		return true;
	}
	if (strncmp(item, "resize ", 7) == 0) {
		x = strchr(arg, 'x');
		w = x != NULL ? xstrndup(arg, (size_t)(x - arg)) : NULL;
		ok = w != NULL && num_int64(w, 1, 1000, &cols) &&
		    num_int64(x + 1, 1, 1000, &lines);
		free(w);
		if (!ok) {
			*cause = xasprintf("%s:%d: <resize COLSxLINES>",
			    s->name, line);
			return false;
		}
		st = script_add(s, SCRIPT_RESIZE, line);
		st->cols = (int)cols;
		st->lines = (int)lines;
		return true;
	}
	*cause = xasprintf("%s:%d: unknown directive <%s>", s->name, line,
	    item);
	return false;
}

bool
script_parse(const char *name, const char *text, struct script **out,
    char **cause)
{
	struct script	*s = xcalloc(1, sizeof *s);
	const char	*p = text, *eol, *close;
	char		*item;
	mbstate_t	 st;
	wchar_t		 wc;
	size_t		 n;
	int		 line = 0;

	*cause = NULL;
	s->name = xstrdup(name);
	while (*p != '\0') {
		line++;
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		if (*p == '#') {
			p = *eol == '\n' ? eol + 1 : eol;
			continue;
		}
		while (p < eol) {
			if (*p == '\r' && p + 1 == eol) {
				p++;
				continue;
			}
			if (*p == '<') {
				close = memchr(p, '>', (size_t)(eol - p));
				if (close == NULL || close == p + 1) {
					*cause = xasprintf("%s:%d: '<' without "
					    "'>' (write <lt> for '<')", name,
					    line);
					goto fail;
				}
				item = xstrndup(p + 1, (size_t)(close - p - 1));
				if (!script_item(s, item, line, cause)) {
					free(item);
					goto fail;
				}
				free(item);
				p = close + 1;
				continue;
			}
			memset(&st, 0, sizeof st);
			n = mbrtowc(&wc, p, (size_t)(eol - p), &st);
			if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
				*cause = xasprintf("%s:%d: invalid text", name,
				    line);
				goto fail;
			}
			script_add(s, SCRIPT_KEY, line)->key = (int)wc;
			p += n;
		}
		p = *eol == '\n' ? eol + 1 : eol;
	}
	*out = s;
	return true;
fail:
	script_free(s);
	*out = NULL;
	return false;
}

bool
script_load(const char *path, struct script **out, char **cause)
{
	struct buf	 b;
	FILE		*f;
	char		 chunk[4096];
	size_t		 n;
	bool		 ok;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return false;
	}
	buf_init(&b, SCRIPT_MAX);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (!buf_add(&b, chunk, n)) {
			fclose(f);
			buf_free(&b);
			*cause = xasprintf("%s: too large", path);
			return false;
		}
	}
	fclose(f);
	ok = script_parse(path, b.data != NULL ? b.data : "", out, cause);
	buf_free(&b);
	return ok;
}

void
script_free(struct script *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->steps[i].arg);
	free(s->steps);
	free(s->name);
	free(s);
}
