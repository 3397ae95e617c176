/*
 * server: soukd's HTTP front, on libmicrohttpd with a pool of epoll
 * threads.  It owns the request lifecycle: request id, routing (404, 405
 * with Allow, OPTIONS), the body cap (413, from Content-Length when given),
 * query parameter checking, dispatch to the route's handler, the response,
 * the access log line and metrics.  Stopping is graceful: stop accepting,
 * let requests in flight finish, then close.
 */
#ifndef SOUKD_SERVER_H
#define SOUKD_SERVER_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct router;
struct server;

/*
 * Starts listening and serving with the router (which must outlive the
 * server).  NULL with *cause (caller frees) if it cannot listen.
 */
struct server *server_start(const struct config *, const struct router *,
    char **cause);
/* The port actually listened on (useful with port 0). */
uint16_t server_port(const struct server *);
/* Requests received and not yet completed. */
unsigned server_inflight(const struct server *);
/*
 * Stops accepting connections; requests in flight go on, and their
 * responses close the connection.
 */
void	server_quiesce(struct server *);
/*
 * Takes a streaming connection out of the event loop while it has nothing
 * to send (call from its read callback only), and puts it back (from any
 * thread).  A suspended connection holds no thread.
 */
void	server_suspend(void *conn);
void	server_resume(void *conn);
/* Closes every connection and frees the server; NULL is fine. */
void	server_stop(struct server *);

#endif
