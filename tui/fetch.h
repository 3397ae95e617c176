/*
 * fetch: runs requests off the input thread.  The input loop submits
 * requests and polls fetch_fd alongside the terminal; worker threads (each
 * with its own client) perform them and hand each back, finished, through
 * a pipe.  In inline mode (souk -c) there are no threads: fetch_take
 * performs the next queued request itself.
 */
#ifndef SOUK_FETCH_H
#define SOUK_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"

struct request {
	unsigned	 id;
	unsigned	 owner;		/* a view's serial; 0: the app itself */
	unsigned	 gen;		/* the owner's load generation */
	int		 tag;		/* what the owner asked for */
	char		*method;
	char		*path;
	char		*body;
	int		 flags;		/* FETCH_FILE */
	struct response	 resp;		/* filled in when it is done */
	struct request	*next;
};

struct fetch;

struct session;

/*
 * Starts nthreads workers talking to opts->url (0: inline mode) as the
 * user signed in to session (NULL: anonymously; see session_do).  Never
 * NULL; aborts if threads or the pipe cannot be made.
 */
struct fetch *fetch_new(const struct client_opts *, struct session *,
	    int nthreads);
/*
 * Stops the workers, cancelling transfers in progress, and frees every
 * request not yet taken.  Fine with NULL.
 */
void	fetch_free(struct fetch *);
#define FETCH_FILE	0x1	/* the answer is a file (see client_files) */
#define FETCH_CSV	0x2	/* the body is CSV (see client_csv) */

/*
 * Queues a request (strings copied; body may be NULL) with flags
 * (FETCH_FILE or 0); returns its id.
 */
unsigned fetch_submit(struct fetch *, unsigned owner, unsigned gen, int tag,
	    const char *method, const char *path, const char *body,
	    int flags);
/* A descriptor readable while finished requests wait; -1 inline. */
int	fetch_fd(const struct fetch *);
/*
 * The next finished request, or NULL.  The caller frees it with
 * request_free.  Inline, performs the next queued request first.
 */
struct request *fetch_take(struct fetch *);
/* Requests submitted and not yet taken. */
size_t	fetch_pending(const struct fetch *);
void	request_free(struct request *);

#endif
