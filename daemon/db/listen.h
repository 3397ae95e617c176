/*
 * listen: one thread per soukd holding a LISTEN connection, passing each
 * NOTIFY to the subscribers of its channel.  Notifications are wake-up
 * hints, never the data itself: a subscriber reads what changed from its
 * tables.  When the connection is lost and re-established, every
 * subscriber is called with a NULL payload, since it may have missed
 * notifications in between.
 */
#ifndef SOUKD_LISTEN_H
#define SOUKD_LISTEN_H

#include <stdbool.h>
#include <stdint.h>

/* Called on the listener thread; must be quick (wake someone, return). */
typedef void (*listen_cb)(void *arg, const char *channel,
    const char *payload);

/* Subscribes cb to channel; call before listen_start. */
void	listen_subscribe(const char *channel, listen_cb, void *arg);
/* Starts the thread (which connects, retrying until stopped). */
void	listen_start(const char *conninfo);
/* Stops and joins the thread; fine if never started. */
void	listen_stop(void);
/* True while the LISTEN connection is up (for readiness and tests). */
bool	listen_connected(void);
/*
 * Waits until every notification committed before the call has been
 * passed to its subscribers: the listener sends a query of its own and
 * sees its answer, which PostgreSQL sends after whatever notifications
 * were due to this connection.  Callers that arrive while one such query
 * is out share the next.  False if the connection is down or ms passed.
 */
bool	listen_sync(int64_t ms);
/*
 * Has the listener send NOTIFY channel (a constant string: letters and
 * _ only) soon, in a transaction of its own that need not reach the disk.
 * Calls made before it goes out share it.  This keeps NOTIFY out of the
 * transactions that write: PostgreSQL serializes every committing
 * transaction that notifies, through its flush to disk.  False when the
 * listener is not connected (the caller notifies another way).
 */
bool	listen_notify(const char *channel);

#endif
