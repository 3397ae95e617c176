/*
 * stream: the console's one subscription to soukd's live events, GET
 * /v1/stream?topics=... (Server-Sent Events, see sse.h), read by a thread
 * of its own with libcurl, never by a fetch worker.  The input loop says
 * which topics the visible view needs (stream_set) and when the token
 * changed (stream_renew); the thread reconnects at once with the new
 * topics or token, and after a failure with a backoff (from the
 * stream's retry delay up to STREAM_BACKOFF_MAX), resuming with
 * Last-Event-ID.  A connection that stays silent past the heartbeats is
 * dropped and made again.  Events come back as topics through a pipe the
 * loop polls; "reset" means the stream may have missed some.  A 401
 * refreshes the token through the session; a refusal (403, 400) waits
 * for other topics.
 */
#ifndef SOUK_STREAM_H
#define SOUK_STREAM_H

#include <stdbool.h>

#include "client.h"

#define STREAM_BACKOFF_MIN	500	/* ms */
#define STREAM_BACKOFF_MAX	30000
#define STREAM_SILENCE_S	45	/* heartbeats come every 15 s */
#define STREAM_RESET		"reset"	/* the topic of a reset */

enum stream_state {
	STREAM_OFF,		/* no topics, or signed out */
	STREAM_CONNECTING,
	STREAM_LIVE,
	STREAM_RETRYING,	/* lost; trying again after a pause */
	STREAM_REFUSED,		/* soukd refused these topics */
};

struct session;
struct stream;

/* A stream to soukd at opts->url (copied) as session's user. */
struct stream *stream_new(const struct client_opts *, struct session *);
/* Stops the thread (at once, whatever it is doing) and frees. */
void	stream_free(struct stream *);
/*
 * Subscribes to topics (comma-separated, copied; NULL or "": stops the
 * stream).  Reconnects only when they differ from the current ones.
 */
void	stream_set(struct stream *, const char *topics);
/* The session changed: reconnect with its new token (or stop). */
void	stream_renew(struct stream *);
/* Readable when there is an event or a new state. */
int	stream_fd(const struct stream *);
/* The topic of the next event, or NULL; caller frees. */
char	*stream_take(struct stream *);
enum stream_state stream_state(struct stream *);
/* "live", "reconnecting", ...: what the status line says. */
const char *stream_state_name(enum stream_state);
/*
 * True when the stream has caught up with what it was asked: subscribed
 * to the current topics and receiving (or off, or refused), and, with
 * server_up false, seen to be lost.  Scripted runs wait for it so that
 * screens do not depend on timing.
 */
bool	stream_settled(struct stream *, bool server_up);
/* Events received since the start (tests, status). */
unsigned long stream_events(struct stream *);

#endif
