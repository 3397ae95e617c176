/*
 * client: souk's side of HTTP to soukd, over libcurl.  One struct client
 * per thread (it owns a curl handle and its kept-alive connection).  A
 * request gives a struct response: the parsed JSON body, or a readable
 * message when soukd answered with a problem (RFC 9457) or could not be
 * reached.  Raw problem JSON never reaches the user.
 */
#ifndef SOUK_CLIENT_H
#define SOUK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "buf.h"

#define CLIENT_BODY_MAX	(16 * 1024 * 1024)	/* largest answer read */

enum client_status {
	CLIENT_OK,		/* soukd answered 2xx with JSON */
	CLIENT_PROBLEM,		/* soukd answered 4xx/5xx (message says why) */
	CLIENT_NETWORK,		/* no answer: refused, reset, timed out */
	CLIENT_BAD_REPLY,	/* an answer souk cannot read */
	CLIENT_CANCELLED,	/* stopped because souk is quitting */
};

struct response {
	enum client_status	 status;
	long			 http;		/* HTTP status, 0 if none */
	json_t			*json;		/* body (the problem on error) */
	char			*message;	/* readable; NULL on CLIENT_OK */
	long			 latency_ms;	/* round trip */
	char			*file;		/* a file's bytes (client_files) */
	size_t			 file_len;
};

struct client_opts {
	const char	*url;		/* base, e.g. http://127.0.0.1:8080 */
	long		 connect_ms;	/* connect timeout */
	long		 timeout_ms;	/* whole-request timeout */
	const volatile int *cancel;	/* non-zero stops a transfer; may be NULL */
};

/* Must be called once before any thread uses a client. */
void	client_global_init(void);
void	client_global_cleanup(void);

/* A client for base URL opts->url (copied).  Never NULL. */
struct client *client_new(const struct client_opts *);
void	client_free(struct client *);
/*
 * Whether the next requests fetch files: a 2xx answer that is not JSON
 * is then CLIENT_OK with its bytes in file and file_len (and json NULL)
 * instead of a reply souk cannot read.  JSON answers are read as ever.
 */
void	client_files(struct client *, bool);
/* Whether the next requests' bodies are CSV (text/csv) rather than JSON. */
void	client_csv(struct client *, bool);

/*
 * Sends method path (with its query; appended to the base URL) and body
 * (JSON, may be NULL) and fills *r, which the caller empties with
 * response_free.  Returns r->status == CLIENT_OK.
 */
bool	client_do(struct client *, const char *method, const char *path,
	    const char *body, struct response *r);
/*
 * The same with "Authorization: Bearer token" when token is not NULL.  A
 * 2xx answer without a body (204) is CLIENT_OK with an empty object.
 * response_free wipes a file's bytes (KYC documents are private).
 */
bool	client_call(struct client *, const char *method, const char *path,
	    const char *body, const char *token, struct response *r);
void	response_free(struct response *);

/*
 * A readable sentence for a problem+json document and its HTTP status:
 * "Not found: there is no region 9", "Invalid request: kind must be one
 * of ...".  Field errors not already in the detail are added.  problem may
 * be NULL or not a problem (then the status's reason is used).  Caller
 * frees.
 */
char	*client_problem_text(const json_t *problem, long http);
/*
 * Appends "key=value" to a path being built, with '?' or '&' before it and
 * the value percent-encoded.  A NULL value appends nothing.
 */
void	client_query(struct buf *path, const char *key, const char *value);
/* Percent-encodes s (RFC 3986 unreserved characters pass).  Caller frees. */
char	*client_escape(const char *s);

#endif
