/*
 * db: soukd's PostgreSQL connections.  Each HTTP worker thread owns one
 * connection (db_thread), opened on first use with every registered
 * statement prepared, re-established after it is lost, and closed when the
 * thread ends.  Failures are classified so that handlers can answer with
 * the right status: a lost database is 503, a serialization failure is
 * retried, a constraint violation is the client's conflict.
 */
#ifndef SOUKD_DB_H
#define SOUKD_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct db;

/* A statement prepared on every connection; name must be unique. */
struct db_stmt {
	const char	*name;
	const char	*sql;
};

enum db_status {
	DB_OK,
	DB_UNAVAILABLE,		/* no connection, or it was lost */
	DB_RETRY,		/* serialization failure or deadlock */
	DB_CONSTRAINT,		/* unique, foreign key, check, not null */
	DB_BAD_INPUT,		/* a value PostgreSQL refused (class 22) */
	DB_TIMEOUT,		/* statement_timeout or cancel */
	DB_ERROR,		/* anything else: a bug */
};

enum db_isolation {
	DB_READ_COMMITTED,
	DB_REPEATABLE_READ,
	DB_SERIALIZABLE,
};

/* Sets how connections are made; call once before any connection. */
void	db_configure(const char *conninfo, int64_t connect_timeout_ms,
	    int64_t statement_timeout_ms);
/*
 * Adds statements prepared on every new connection.  The array must live
 * as long as soukd; call before the first connection.  Duplicate names
 * are a broken invariant (fatalx).
 */
void	db_register(const struct db_stmt *, size_t n);

/*
 * This thread's connection handle (never NULL).  It may not be connected:
 * db_ready connects it when needed.
 */
struct db *db_thread(void);
/*
 * Makes sure the handle is connected, prepared and outside any
 * transaction, reconnecting if the connection was lost.  False (status
 * DB_UNAVAILABLE, message set) if PostgreSQL cannot be reached.
 */
bool	db_ready(struct db *) __attribute__((warn_unused_result));
/*
 * Opens a standalone connection (for migrations and tools), without the
 * registered statements.  NULL with *cause (caller frees) on failure.
 */
struct db *db_open(const char *conninfo, bool prepare, char **cause);
/* Closes a db_open connection; NULL is fine. */
void	db_close(struct db *);
/* Closes this thread's connection, if any. */
void	db_thread_close(void);

/*
 * Runs a registered statement with text parameters (NULL for SQL NULL).
 * Returns the result (caller PQclear's) or NULL with the status and
 * message set on db.
 */
PGresult *db_exec(struct db *, const struct db_stmt *, int nparams,
	    const char *const *values) __attribute__((warn_unused_result));
/*
 * Runs a registered statement that answers one text (a JSON document) and
 * returns a copy of it (caller frees): NULL on a failure (status set) or
 * when there is no row (status DB_OK).
 */
char	*db_text(struct db *, const struct db_stmt *, int nparams,
	    const char *const *values);
/* Same for a statement that is not prepared (migrations, rare queries). */
PGresult *db_query(struct db *, const char *sql, int nparams,
	    const char *const *values) __attribute__((warn_unused_result));
/*
 * Runs SQL text built at run time from a few fixed shapes (a search with
 * the filters it was given): each distinct text is prepared on this
 * connection the first time it runs and reused after, up to a limit past
 * which texts run unprepared.  Never build the text from client values:
 * they go in values.
 */
PGresult *db_exec_shaped(struct db *, const char *sql, int nparams,
	    const char *const *values) __attribute__((warn_unused_result));
/*
 * Has PostgreSQL plan each prepared statement once on this connection,
 * for the rest of its life (plan_cache_mode = force_generic_plan), rather
 * than choosing at each run whether to plan again for the values given.
 * For a connection whose statements' plans should not depend on their
 * values: left to choose, PostgreSQL never settles on one plan for a
 * statement whose estimated cost varies with its values more than its
 * plan does, and plans it afresh at every run.  EXPLAIN with parameters
 * still estimates with their values.  False (status set) on a failure.
 */
bool	db_plan_generic(struct db *) __attribute__((warn_unused_result));
/* Runs SQL text (possibly several statements) with no parameters. */
bool	db_command(struct db *, const char *sql)
	    __attribute__((warn_unused_result));

enum db_status db_status(const struct db *);
/* The last error's message, SQLSTATE and constraint name (may be ""). */
const char *db_message(const struct db *);
const char *db_sqlstate(const struct db *);
const char *db_constraint(const struct db *);
PGconn	*db_pgconn(struct db *);

/*
 * Runs fn inside a transaction at the given isolation, committing if it
 * returns true and rolling back if it returns false.  A serialization
 * failure or deadlock (in fn or at commit) runs fn again, up to a few
 * times.  Returns whether the transaction committed; on false the status
 * says why (fn's own failures keep the status fn left, DB_OK if none).
 */
bool	db_tx(struct db *, enum db_isolation,
	    bool (*fn)(struct db *, void *), void *arg)
	    __attribute__((warn_unused_result));
/*
 * NOTIFY channel (a constant string) once what db wrote is committed: at
 * once outside a transaction, else when db_tx commits (never if it rolls
 * back).  Sent through the listener (listen_notify), so the writing
 * transaction does not notify: PostgreSQL makes notifying commits wait
 * for each other, each through its flush to disk.  A wake-up lost with a
 * crash in between is made up for by its readers' polling.
 */
void	db_notify(struct db *, const char *channel);

/*
 * A pipelined connection for one event loop thread: read statements are
 * written without waiting for each other and answered in order, so the
 * requests of one turn of the loop share PostgreSQL's round trip.  The
 * connection is made on first use and remade after a failure.
 *
 * db_pipe_send writes one registered statement (at most 8 parameters,
 * copied); done(arg, res, db) is called later, from db_pipe_input or from
 * a failure, with the result (not to be freed; NULL on failure, db then
 * holding the status and message as after db_exec).  False if PostgreSQL
 * cannot be reached now (status in db_pipe_db); done is then not called.
 * db_pipe_flush ends the turn: one Sync for what was sent, and a push of
 * the output; 1 when more is left to write (wait for the descriptor to be
 * writable and call it again).  db_pipe_input reads what the descriptor
 * has and answers the statements that are complete.  db_pipe_free fails
 * whatever is outstanding.
 */
struct db_pipe;
typedef void (*db_pipe_done)(void *arg, PGresult *res, struct db *db);
struct db_pipe *db_pipe_new(void);
void	db_pipe_free(struct db_pipe *);
bool	db_pipe_send(struct db_pipe *, const struct db_stmt *, int nparams,
	    const char *const *values, db_pipe_done done, void *arg);
int	db_pipe_flush(struct db_pipe *);
void	db_pipe_input(struct db_pipe *);
/*
 * The connection's descriptor, -1 when not connected, and the number of
 * connections made so far (a new connection may reuse a closed one's
 * descriptor number: watch the generation, not the number).
 */
int	db_pipe_fd(const struct db_pipe *);
uint64_t db_pipe_generation(const struct db_pipe *);
/* Statements outstanding. */
bool	db_pipe_busy(const struct db_pipe *);
/* The handle holding the pipe's last status (for a failed send). */
struct db *db_pipe_db(struct db_pipe *);

/* Connections open now, and reconnections since start, for /metrics. */
void	db_stats(uint64_t *open, uint64_t *reconnects);

#endif
