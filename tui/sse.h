/*
 * sse: a parser of Server-Sent Events (the text/event-stream format), fed
 * the bytes of a stream in whatever chunks they arrive.  Lines end with
 * LF, CR or CRLF, even when a CRLF is split between chunks.  "field:
 * value" lines build an event (one blank after the colon is dropped) and
 * a blank line dispatches it; lines starting with ':' are comments
 * (heartbeats); data lines are joined with newlines; id sets the last
 * event id, which outlives the event and the connection (a client resumes
 * with it as Last-Event-ID); retry (digits only) sets how long to wait
 * before reconnecting.  An event without data is not dispatched.  A line
 * or an event larger than SSE_MAX is dropped, and counted.  Pure.
 */
#ifndef SOUK_SSE_H
#define SOUK_SSE_H

#include <stdbool.h>
#include <stddef.h>

#define SSE_MAX		(1024 * 1024)

struct sse_event {
	const char	*type;		/* "message" when none was given */
	const char	*data;		/* the data lines joined with '\n' */
	const char	*id;		/* the last event id ("" if none) */
};

/* Called for each event; the strings live until the callback returns. */
typedef void (*sse_cb)(void *arg, const struct sse_event *);

struct sse;

struct sse *sse_new(sse_cb, void *arg);
void	sse_free(struct sse *);
/* Feeds n bytes of the stream; calls back for each event completed. */
void	sse_feed(struct sse *, const char *, size_t n);
/*
 * A new connection: drops a partly received line and event, keeping the
 * last event id and the retry delay.
 */
void	sse_reset(struct sse *);
/* The last event id, "" if there is none. */
const char *sse_last_id(const struct sse *);
/* The delay the stream asked for with retry, in ms; -1 if none. */
long	sse_retry(const struct sse *);
/* Comment lines seen (heartbeats), and lines or events dropped. */
size_t	sse_comments(const struct sse *);
size_t	sse_dropped(const struct sse *);

#endif
