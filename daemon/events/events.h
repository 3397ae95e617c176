/*
 * events: live updates.  A change that staff or customers watch publishes
 * an event on a topic ("orders", "order:42", "queue:7", "user:9") in the
 * transaction that makes the change; the row stays for a replay window
 * and NOTIFY wakes every soukd's hub, which fans the event out to its
 * Server-Sent Events streams (GET /v1/stream).  An idle stream is a
 * suspended connection: it holds no thread, so hundreds cost nothing.
 *
 * Events are hints to refresh, not a log: they arrive in commit order,
 * which may differ from id order, and a client that fell far behind is
 * told to reload ("reset") rather than sent everything.
 */
#ifndef SOUKD_EVENTS_H
#define SOUKD_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobs.h"

struct config;
struct db;

/*
 * Publishes an event inside db's current transaction: it becomes visible
 * (and is delivered) only if that transaction commits.  data is a JSON
 * object's text (NULL: {}).  False with db's status set on failure.
 */
bool	events_publish(struct db *, const char *topic, const char *type,
	    const char *data) __attribute__((warn_unused_result));
/*
 * Publishes the events of list, the text of a JSON array of
 * {"topic","type","data"} objects with well-formed topics, in that order
 * and in one round trip, as events_publish() does each.  False with db's
 * status set on failure.
 */
bool	events_publish_list(struct db *, const char *list)
	    __attribute__((warn_unused_result));
/*
 * Publishes to "<kind>:<id>" for each region id of path, a PostgreSQL
 * array literal of a regions.path ("{1,5,9}": a region and those above
 * it), so that region-scoped staff hear of their regions' rows only.
 */
bool	events_publish_regions(struct db *, const char *kind,
	    const char *path, const char *type, const char *data)
	    __attribute__((warn_unused_result));
/* True if s is a well-formed topic. */
bool	events_valid_topic(const char *s);

/* Registers statements and reads settings; call before connections. */
void	events_init(const struct config *);
/* Starts the hub thread (HTTP roles only). */
void	events_start(const char *conninfo);
/* Ends every stream and stops the hub; fine if never started. */
void	events_stop(void);
/* Ends every open stream now (soukd is stopping). */
void	events_close_streams(void);

struct events_sub;
/*
 * Opens a subscription to topics (n of them) for the stream connection
 * conn, replaying from the database what came after last_id (0: nothing)
 * within the replay window.  Returns the subscription to hand to
 * req_reply_stream with events_stream_read and events_stream_done.
 */
struct events_sub *events_subscribe(struct db *, void *conn,
	    const char *const *topics, int n, int64_t last_id);
long	events_stream_read(void *sub, char *buf, size_t max);
void	events_stream_done(void *sub);
/* Open streams in this soukd (metrics, tests). */
unsigned events_streams(void);

/* The events.prune job: deletes events past the replay window. */
enum job_result events_prune_run(struct job *, struct db *);

#endif
