/*
 * req-impl: the inside of struct req, shared by server.c (which creates,
 * dispatches and sends) and req.c (what handlers call).  Handlers never
 * include this.
 */
#ifndef SOUKD_REQ_IMPL_H
#define SOUKD_REQ_IMPL_H

#include <time.h>

#include <microhttpd.h>

#include "auth.h"
#include "buf.h"
#include "req.h"
#include "router.h"

#define REQ_ID_MAX	64
#define REQ_MAX_HEADERS	8

struct req {
	struct MHD_Connection	*conn;
	const char		*method;
	char			*path;
	char			 id[REQ_ID_MAX + 1];
	struct timespec		 start;
	struct router_match	 match;
	size_t			 route_index;	/* router_count: unmatched */
	struct buf		 body;
	bool			 body_too_large;
	size_t			 body_seen;	/* bytes received, kept or not */
	size_t			 body_cap;	/* the most this route keeps */
	bool			 answered;	/* a response was queued */

	/* The response, set by the handler. */
	int			 status;
	char			*out;
	size_t			 out_len;
	const char		*ctype;
	char			*headers[REQ_MAX_HEADERS][2];
	int			 nheaders;
	json_t			*errors;	/* field errors collected */
	struct principal	 principal;	/* who is calling */
	bool			 signed_in;	/* principal is set */
	char			*scope;		/* req_scope's answer */
	char			 ip[64];
	bool			 has_fd;	/* req_reply_fd's file */
	int			 out_fd;
	uint64_t		 out_fd_size;
	bool			 deferred;	/* waits for its statement */
	void			(*deferred_done)(struct req *, PGresult *);
	const char		*deferred_noun;	/* req_reply_row_deferred's */
	char			*deferred_key;
	/* req_offload's: what a worker is to run, and the workers' queue. */
	void			(*offload)(struct req *, void *);
	void			*offload_arg;
	struct req		*offload_next;
	req_stream_read		 stream;	/* a streaming response */
	void			*stream_cls;
	void			(*stream_done)(void *);
};

#endif
