#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "sse.h"
#include "xmalloc.h"

struct sse {
	sse_cb		 cb;
	void		*arg;
	struct buf	 line;		/* the line being received */
	bool		 line_over;	/* it grew past SSE_MAX */
	bool		 after_cr;	/* a LF next ends nothing */
	bool		 started;	/* past a leading byte order mark */
	struct buf	 type;
	struct buf	 data;
	bool		 has_data;
	bool		 event_over;	/* its data grew past SSE_MAX */
	char		*last_id;
	long		 retry;
	size_t		 comments;
	size_t		 dropped;
};

struct sse *
sse_new(sse_cb cb, void *arg)
{
	struct sse	*p = xcalloc(1, sizeof *p);

	p->cb = cb;
	p->arg = arg;
	buf_init(&p->line, SSE_MAX);
	buf_init(&p->type, 256);
	buf_init(&p->data, SSE_MAX);
	p->last_id = xstrdup("");
	p->retry = -1;
	return p;
}

void
sse_free(struct sse *p)
{
	if (p == NULL)
		return;
	buf_free(&p->line);
	buf_free(&p->type);
	buf_free(&p->data);
	free(p->last_id);
	free(p);
}

static void
sse_clear_event(struct sse *p)
{
	buf_reset(&p->type);
	buf_reset(&p->data);
	p->has_data = false;
	p->event_over = false;
}

void
sse_reset(struct sse *p)
{
	buf_reset(&p->line);
	p->line_over = false;
	p->after_cr = false;
	p->started = false;
	sse_clear_event(p);
}

const char *
sse_last_id(const struct sse *p)
{
	return p->last_id;
}

long
sse_retry(const struct sse *p)
{
	return p->retry;
}

size_t
sse_comments(const struct sse *p)
{
	return p->comments;
}

size_t
sse_dropped(const struct sse *p)
{
	return p->dropped;
}

static void
sse_dispatch(struct sse *p)
{
	struct sse_event	ev;

	if (p->event_over) {
		p->dropped++;
		sse_clear_event(p);
		return;
	}
	if (!p->has_data) {
		sse_clear_event(p);
		return;
	}
	/* Every data line added a newline: the last one goes. */
	if (p->data.len > 0 && p->data.data[p->data.len - 1] == '\n')
		p->data.data[--p->data.len] = '\0';
	ev.type = p->type.len > 0 ? p->type.data : "message";
	ev.data = p->data.data != NULL ? p->data.data : "";
	ev.id = p->last_id;
	p->cb(p->arg, &ev);
	sse_clear_event(p);
}

/* One whole line (without its end), len bytes. */
static void
sse_line(struct sse *p, const char *line, size_t len)
{
	const char	*colon, *value;
	size_t		 flen, vlen, i;

	if (len == 0) {
		sse_dispatch(p);
		return;
	}
	if (line[0] == ':') {
		p->comments++;
		return;
	}
	colon = memchr(line, ':', len);
	flen = colon != NULL ? (size_t)(colon - line) : len;
	value = colon != NULL ? colon + 1 : line + len;
	vlen = len - (size_t)(value - line);
	if (vlen > 0 && *value == ' ') {
		value++;
		vlen--;
	}
	if (flen == 5 && memcmp(line, "event", 5) == 0) {
		buf_reset(&p->type);
		if (!buf_add(&p->type, value, vlen))
			p->event_over = true;
	} else if (flen == 4 && memcmp(line, "data", 4) == 0) {
		if (!buf_add(&p->data, value, vlen) ||
		    !buf_add(&p->data, "\n", 1))
			p->event_over = true;
		p->has_data = true;
	} else if (flen == 2 && memcmp(line, "id", 2) == 0) {
		if (memchr(value, '\0', vlen) == NULL) {
			free(p->last_id);
			p->last_id = xstrndup(value, vlen);
		}
	} else if (flen == 5 && memcmp(line, "retry", 5) == 0) {
		for (i = 0; i < vlen && value[i] >= '0' && value[i] <= '9';
		    i++)
			;
		if (vlen > 0 && i == vlen && vlen < 10)
			p->retry = strtol(value, NULL, 10);
	}
	/* Other fields are ignored, as the format says. */
}

static void
sse_end_line(struct sse *p)
{
	if (p->line_over) {
		p->dropped++;
		p->line_over = false;
		/* Its event is incomplete now: drop it too. */
		p->event_over = true;
	} else
		sse_line(p, p->line.data != NULL ? p->line.data : "",
		    p->line.len);
	buf_reset(&p->line);
}

void
sse_feed(struct sse *p, const char *s, size_t n)
{
	size_t	i, start;

	if (!p->started && n > 0) {
		/* A byte order mark may start the stream (only whole). */
		if (p->line.len == 0 && n >= 3 && memcmp(s, "\xef\xbb\xbf",
		    3) == 0) {
			s += 3;
			n -= 3;
		}
		p->started = true;
	}
	start = 0;
	for (i = 0; i < n; i++) {
		if (s[i] != '\n' && s[i] != '\r') {
			p->after_cr = false;
			continue;
		}
		if (s[i] == '\n' && p->after_cr && i == start &&
		    p->line.len == 0) {
			/* The LF of a CRLF. */
			p->after_cr = false;
			start = i + 1;
			continue;
		}
		if (!p->line_over && !buf_add(&p->line, s + start, i - start))
			p->line_over = true;
		sse_end_line(p);
		p->after_cr = s[i] == '\r';
		start = i + 1;
	}
	if (start < n && !p->line_over && !buf_add(&p->line, s + start,
	    n - start))
		p->line_over = true;
}
