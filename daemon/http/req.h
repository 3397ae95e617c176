/*
 * req: what a handler sees of an HTTP request and how it answers.  A
 * handler reads parameters, query, headers and body through these
 * functions, and ends by setting exactly one response: req_reply_* for
 * success, req_problem / req_fail_fields for problems.  The server sends it
 * after the handler returns; a handler that set none is a bug reported as
 * 500.  Helpers that can fail set the problem themselves and return
 * false/NULL, so a handler only has to `goto out`.
 */
#ifndef SOUKD_REQ_H
#define SOUKD_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "jsonv.h"
#include "xmalloc.h"

struct req;
struct db;
struct db_stmt;

const char *req_method(const struct req *);
const char *req_path(const struct req *);
/* The request id (echoed in X-Request-Id and every problem). */
const char *req_id(const struct req *);
/* A header's value, or NULL. */
const char *req_header(const struct req *, const char *name);

struct principal;
/* The caller, or NULL on a public route called without credentials. */
const struct principal *req_principal(const struct req *);
/*
 * The caller's region scope as a PostgreSQL array literal ("{3,7}") for
 * region_in_scope(), or NULL when the caller is not region-scoped.
 */
const char *req_scope(struct req *);
/* The client's address as text (for rate limits and the audit log). */
const char *req_client_ip(struct req *);
/*
 * Checks the caller's credentials against the route's permission; false
 * with 401 or 403 set.  The server calls it before every handler.
 */
bool	req_authorize(struct req *) __attribute__((warn_unused_result));
/* Registers req's own statements (API key lookup). */
void	req_register_statements(void);

/* A path parameter's text; the route guarantees it is present. */
const char *req_param(const struct req *, const char *name);
/* A path parameter named id or *_id, which the router already checked. */
int64_t	req_param_id(const struct req *, const char *name);

/* A query parameter's text (valid UTF-8), or NULL if absent. */
const char *req_query(const struct req *, const char *name);
/*
 * The request as a cache key (caller frees): method, path and every query
 * parameter with its value, in the order sent, each with its length, so
 * that two keys are equal only when the requests are.
 */
char	*req_cache_key(const struct req *);
/*
 * The query parameters named prefix + something ("attr.colour=red" for
 * "attr."), as a new object of something to value (the server has
 * checked they are valid UTF-8 and given once each).
 */
json_t	*req_query_prefixed(const struct req *, const char *prefix);
/*
 * An integer query parameter in [min, max].  Returns false (and records a
 * field error) if present but malformed; *out is left alone if absent.
 */
bool	req_query_int(struct req *, const char *name, int64_t min,
	    int64_t max, int64_t *out) __attribute__((warn_unused_result));
/*
 * Keyset paging: ?limit= (1..PAGE_MAX_LIMIT, default PAGE_DEFAULT_LIMIT)
 * and ?after= (a cursor of nkeys keys, *after NULL if absent).  Returns
 * false after recording a field error for a bad value.
 */
bool	req_page(struct req *, size_t nkeys, int64_t *limit, json_t **after)
	    __attribute__((warn_unused_result));

/*
 * Keyset paging by id, the common case: ?limit= and ?after= (a cursor of
 * one id).  after gets the id to start after, as text (past the end when
 * absent: INT64_MAX for newest-first lists, 0 for oldest-first ones), and
 * limit_plus the LIMIT to ask for (one more than shown, which tells
 * whether there is a next page).  False after recording a field error.
 */
struct req_page_id {
	int64_t	limit;
	char	after[24];
	char	limit_plus[24];
};
bool	req_page_id(struct req *, bool newest_first, struct req_page_id *)
	    __attribute__((warn_unused_result));

/* The raw body (for uploads); *len gets its length.  Never NULL. */
const char *req_body(const struct req *, size_t *len);

/*
 * The body parsed as a JSON object and checked against fields.  Returns a
 * new reference, or NULL with the problem set (415, 400 invalid-json or
 * 400 validation naming each bad field).
 */
json_t	*req_body_json(struct req *, const struct jsonv_field *fields);

/*
 * This thread's database connection, ready to use; NULL with 503 set when
 * PostgreSQL cannot be reached.
 */
struct db *req_db(struct req *);
/*
 * Runs a prepared statement; NULL with the problem set from the failure
 * (503 unavailable or timed out, 409 constraint, 400 bad value, 500).
 */
PGresult *req_exec(struct req *, const struct db_stmt *, int nparams,
	    const char *const *values);
/* Sets the problem that fits the database's last failure. */
void	req_db_problem(struct req *, struct db *);
/*
 * Runs a prepared read statement without holding the thread: the request
 * waits aside while the thread serves others, and the statements of the
 * requests that arrive together reach PostgreSQL in one round trip.
 * done(r, res) answers once the result is in (res is not to be freed);
 * on a failure the problem is set instead and done is not called.  The
 * handler returns right after calling this and must not answer itself.
 * For a handler's one and only statement: no transaction, at most 8
 * parameters.
 */
void	req_exec_deferred(struct req *, const struct db_stmt *, int nparams,
	    const char *const *values, void (*done)(struct req *, PGresult *));
/*
 * Runs fn(r, arg) on one of the server's workers rather than on this
 * loop's thread, for a handler whose database work takes long (a list of
 * products not kept in memory): the loop meanwhile serves its other
 * requests, and such work reaches PostgreSQL a few at a time (workers),
 * in the order it came, rather than from every loop at once.  The
 * handler returns right after calling this and must not answer itself;
 * fn answers, with its own thread's database connection (req_db).  Off a
 * loop's thread, or while the server stops, fn runs at once.
 */
void	req_offload(struct req *, void (*fn)(struct req *, void *),
	    void *arg);
/*
 * Answers 200 with the text of the first column of a statement's row, or
 * 404 "there is no <noun> <values[0]>" when it has none (the statements
 * this serves take the id first), through req_exec_deferred.  noun must
 * be a constant.
 */
void	req_reply_row_deferred(struct req *, const struct db_stmt *,
	    int nparams, const char *const *values, const char *noun);

/* Adds a response header (copied). */
void	req_add_header(struct req *, const char *name, const char *value);
/* Responds with body (taken: freed with free()) of type ctype. */
void	req_reply(struct req *, int status, const char *ctype, char *body,
	    size_t len);
/*
 * Responds with size bytes read from fd (taken: closed once sent, or when
 * the response is dropped), for files sent as they are stored: the server
 * hands them to the kernel (sendfile) instead of reading them into memory.
 */
void	req_reply_fd(struct req *, int status, const char *ctype, int fd,
	    uint64_t size);
/* Responds with JSON (the reference is stolen). */
void	req_reply_json(struct req *, int status, json_t *);
/* Responds with JSON text already rendered (copied). */
void	req_reply_json_text(struct req *, int status, const char *text,
	    size_t len);
/*
 * Responds with a page: items is the JSON text of the array's elements,
 * comma-separated (may be empty); next is the cursor or NULL.
 */
void	req_reply_page(struct req *, const char *items, size_t len,
	    const char *next);

/*
 * Responds with a page of rows fetched with LIMIT limit + 1: column 0 of
 * each row is an item's JSON text, column 1 the row's sort key as JSON (a
 * number, or an array such as [1299900, 42]).  When there is a row past
 * limit, next is the cursor of the last row shown.  limit <= 0: every
 * row, no cursor.
 */
void	req_reply_rows(struct req *, PGresult *, int64_t limit);
/* Runs stmt and responds with its rows as req_reply_rows does. */
void	req_reply_list(struct req *, const struct db_stmt *, int nparams,
	    const char *const *values, int64_t limit);

/*
 * Responds with a stream of unknown length (chunked).  read is called
 * whenever the connection can take more: it returns the bytes it wrote to
 * buf, 0 after suspending the connection (server_suspend) when it has
 * nothing to say, REQ_STREAM_END when the stream is over, or -2 on error.
 * done is called once, whenever and however the stream ends.
 */
#define REQ_STREAM_END	(-1L)	/* read's answer when the stream is over */
typedef long	(*req_stream_read)(void *cls, char *buf, size_t max);
void	req_reply_stream(struct req *, int status, const char *ctype,
	    req_stream_read read, void *cls, void (*done)(void *cls));
/* The request's connection, for a stream to suspend and resume. */
void	*req_connection(const struct req *);
/* True when soukd is shutting down (streams should end). */
bool	req_shutting_down(void);

/* Responds with a problem of that code and an optional detail. */
void	req_problem(struct req *, const char *code, const char *fmt, ...)
	    PRINTF_LIKE(3, 4);
/* Records a field error, sent later by req_fail_fields. */
void	req_field_error(struct req *, const char *field, const char *code,
	    const char *fmt, ...) PRINTF_LIKE(4, 5);
bool	req_has_field_errors(const struct req *);
/* req_field_error as a jsonv_error_cb, arg being the request. */
void	req_field_error_cb(void *arg, const char *field, const char *code,
	    const char *message);
/* Responds 400 validation with every recorded field error. */
void	req_fail_fields(struct req *);

#endif
