#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

void
csv_open(struct csv_reader *r, const char *data, size_t len,
    size_t max_field)
{
	memset(r, 0, sizeof *r);
	r->p = data;
	r->end = data + len;
	r->max_field = max_field;
	buf_init(&r->scratch, 0);
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r->p += 3;
}

void
csv_close(struct csv_reader *r)
{
	buf_free(&r->scratch);
	r->nfields = 0;
}

static int
csv_fail(struct csv_reader *r, const char *why)
{
	snprintf(r->error, sizeof r->error, "line %zu: %s", r->line, why);
	return -1;
}

int
csv_next(struct csv_reader *r)
{
	size_t	 starts[CSV_MAX_FIELDS], n = 0, i, flen;
	bool	 quoted;
	char	 c;

	/* Blank lines between records are skipped. */
	while (r->p < r->end && (*r->p == '\n' || *r->p == '\r')) {
		if (*r->p == '\n')
			r->lines++;
		r->p++;
	}
	r->nfields = 0;
	if (r->p >= r->end)
		return 0;
	r->line = r->lines + 1;
	buf_reset(&r->scratch);
	for (;;) {
		if (n == CSV_MAX_FIELDS)
			return csv_fail(r, "too many fields");
		starts[n++] = r->scratch.len;
		quoted = r->p < r->end && *r->p == '"';
		if (quoted)
			r->p++;
		flen = 0;
		for (;;) {
			if (r->p >= r->end) {
				if (quoted)
					return csv_fail(r, "a quoted field is "
					    "not closed");
				break;
			}
			c = *r->p;
			if (quoted && c == '"') {
				if (r->p + 1 < r->end && r->p[1] == '"') {
					r->p += 2;
				} else {
					r->p++;
					if (r->p < r->end && *r->p != ',' &&
					    *r->p != '\n' && *r->p != '\r')
						return csv_fail(r, "text after "
						    "a closing quote");
					break;
				}
			} else if (!quoted && (c == ',' || c == '\n' ||
			    c == '\r')) {
				break;
			} else {
				if (!quoted && c == '"')
					return csv_fail(r, "a quote inside an "
					    "unquoted field");
				if (c == '\n')
					r->lines++;
				r->p++;
			}
			if (++flen > r->max_field)
				return csv_fail(r, "a field is too long");
			if (!buf_add(&r->scratch, quoted && c == '"' ? "\"" :
			    &c, 1))
				return csv_fail(r, "out of memory");
		}
		if (!buf_add(&r->scratch, "", 1))
			return csv_fail(r, "out of memory");
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		/* The end of the record: CRLF, LF, CR or the end. */
		if (r->p < r->end && *r->p == '\r')
			r->p++;
		if (r->p < r->end && *r->p == '\n') {
			r->p++;
			r->lines++;
		}
		break;
	}
	for (i = 0; i < n; i++)
		r->fields[i] = r->scratch.data + starts[i];
	r->nfields = n;
	return 1;
}

bool
csv_field(struct buf *b, const char *s, bool text)
{
	const char	*p;
	bool		 quote, formula;

	if (s == NULL)
		s = "";
	formula = text && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	quote = formula || strpbrk(s, ",\"\r\n") != NULL || (s[0] == ' ' ||
	    (s[0] != '\0' && s[strlen(s) - 1] == ' '));
	if (!quote)
		return buf_adds(b, s);
	if (!buf_adds(b, formula ? "\"'" : "\""))
		return false;
	for (p = s; *p != '\0'; p++) {
		if (!buf_add(b, p, 1) || (*p == '"' && !buf_add(b, "\"", 1)))
			return false;
	}
	return buf_adds(b, "\"");
}
