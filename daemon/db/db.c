#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "listen.h"
#include "log.h"
#include "xmalloc.h"

#define DB_TX_ATTEMPTS	5
/* Statements db_exec_shaped prepares per connection, at most. */
#define DB_SHAPES_MAX	128
#define DB_NOTES_MAX	8	/* channels one transaction notifies */

struct db {
	PGconn		*conn;
	bool		 prepare;	/* prepare registered statements */
	uint64_t	 shapes[DB_SHAPES_MAX];	/* their hashes */
	size_t		 nshapes;
	bool		 generic;	/* plan_cache_mode is force_generic_plan */
	enum db_status	 status;
	char		 message[512];
	char		 sqlstate[6];
	char		 constraint[64];
	/* NOTIFYs due once the open transaction commits (db_notify). */
	const char	*notes[DB_NOTES_MAX];
	int		 nnotes;
};

struct db_registered {
	const struct db_stmt	*stmts;
	size_t			 n;
};

static char			*db_conninfo;
static int64_t			 db_connect_timeout_ms = 5000;
static int64_t			 db_statement_timeout_ms = 30000;
static struct db_registered	*db_sets;
static size_t			 db_nsets;
static pthread_key_t		 db_key;
static pthread_once_t		 db_key_once = PTHREAD_ONCE_INIT;
static uint64_t			 db_open_count;
static uint64_t			 db_reconnect_count;

void
db_configure(const char *conninfo, int64_t connect_timeout_ms,
    int64_t statement_timeout_ms)
{
	free(db_conninfo);
	db_conninfo = xstrdup(conninfo);
	db_connect_timeout_ms = connect_timeout_ms;
	db_statement_timeout_ms = statement_timeout_ms;
}

void
db_register(const struct db_stmt *stmts, size_t n)
{
	size_t	i, j, k;

	for (i = 0; i < n; i++) {
		for (j = 0; j < db_nsets; j++) {
			for (k = 0; k < db_sets[j].n; k++) {
				if (strcmp(db_sets[j].stmts[k].name,
				    stmts[i].name) == 0)
					fatalx("db_register: statement %s "
					    "registered twice", stmts[i].name);
			}
		}
	}
	db_sets = xreallocarray(db_sets, db_nsets + 1, sizeof *db_sets);
	db_sets[db_nsets].stmts = stmts;
	db_sets[db_nsets++].n = n;
}

static void
db_set_error(struct db *db, enum db_status status, const char *message,
    const char *sqlstate, const char *constraint)
{
	size_t	n;

	db->status = status;
	snprintf(db->message, sizeof db->message, "%s",
	    message != NULL ? message : "");
	n = strlen(db->message);
	while (n > 0 && (db->message[n - 1] == '\n' ||
	    db->message[n - 1] == ' '))
		db->message[--n] = '\0';
	snprintf(db->sqlstate, sizeof db->sqlstate, "%s",
	    sqlstate != NULL ? sqlstate : "");
	snprintf(db->constraint, sizeof db->constraint, "%s",
	    constraint != NULL ? constraint : "");
}

static void
db_clear_error(struct db *db)
{
	db->status = DB_OK;
	db->message[0] = db->sqlstate[0] = db->constraint[0] = '\0';
}

/* Classifies a failed result; the connection may have been lost. */
static void
db_classify(struct db *db, const PGresult *res)
{
	const char	*state, *msg;
	enum db_status	 status = DB_ERROR;

	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	msg = res != NULL ? PQresultErrorMessage(res) : NULL;
	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(db->conn);
	if (PQstatus(db->conn) == CONNECTION_BAD)
		status = DB_UNAVAILABLE;
	else if (state == NULL)
		status = DB_ERROR;
	else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		status = DB_RETRY;
	else if (strncmp(state, "23", 2) == 0)
		status = DB_CONSTRAINT;
	else if (strncmp(state, "22", 2) == 0)
		status = DB_BAD_INPUT;
	else if (strcmp(state, "57014") == 0)
		status = DB_TIMEOUT;
	else if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0 ||
	    strcmp(state, "53300") == 0)
		status = DB_UNAVAILABLE;
	db_set_error(db, status, msg, state, res != NULL ?
	    PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL);
}

static PGresult *
db_check(struct db *db, PGresult *res)
{
	ExecStatusType	st = PQresultStatus(res);

	if (res != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
		db_clear_error(db);
		return res;
	}
	db_classify(db, res);
	PQclear(res);
	return NULL;
}

static void
db_notice(void *arg, const char *message)
{
	(void)arg;
	log_debug("postgres: %s", message);
}

/* Connects db->conn; false with the error set. */
static bool
db_connect(struct db *db, const char *conninfo)
{
	const char	*keys[4], *vals[4];
	char		 timeout[32], set[128];
	size_t		 i, j;
	PGresult	*res;

	snprintf(timeout, sizeof timeout, "%lld",
	    (long long)((db_connect_timeout_ms + 999) / 1000));
	keys[0] = "dbname";
	vals[0] = conninfo != NULL ? conninfo : "";
	keys[1] = "connect_timeout";
	vals[1] = timeout;
	keys[2] = "fallback_application_name";
	vals[2] = "soukd";
	keys[3] = vals[3] = NULL;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL)
		fatalx("PQconnectdbParams: out of memory");
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_set_error(db, DB_UNAVAILABLE, PQerrorMessage(db->conn),
		    NULL, NULL);
		PQfinish(db->conn);
		db->conn = NULL;
		return false;
	}
	PQsetNoticeProcessor(db->conn, db_notice, NULL);
	db->nshapes = 0;
	db->generic = false;
	/*
	 * No JIT: compiling a statement took 80 ms, for a search that then
	 * ran in 30 (the planner's costs for a few thousand rows with
	 * subqueries pass jit_above_cost).  Nothing soukd runs reads enough
	 * rows for compiled expressions to pay that back.
	 */
	snprintf(set, sizeof set, "SET TIME ZONE 'UTC'; SET jit = off; "
	    "SET statement_timeout = %lld",
	    (long long)db_statement_timeout_ms);
	if (!db_command(db, set))
		goto fail;
	if (!db->prepare)
		goto done;
	for (i = 0; i < db_nsets; i++) {
		for (j = 0; j < db_sets[i].n; j++) {
			res = PQprepare(db->conn, db_sets[i].stmts[j].name,
			    db_sets[i].stmts[j].sql, 0, NULL);
			if ((res = db_check(db, res)) == NULL) {
				log_error("preparing %s: %s",
				    db_sets[i].stmts[j].name, db->message);
				goto fail;
			}
			PQclear(res);
		}
	}
done:
	__atomic_add_fetch(&db_open_count, 1, __ATOMIC_RELAXED);
	db_clear_error(db);
	return true;
fail:
	PQfinish(db->conn);
	db->conn = NULL;
	if (db->status == DB_OK)
		db->status = DB_ERROR;
	return false;
}

static void
db_disconnect(struct db *db)
{
	if (db->conn == NULL)
		return;
	PQfinish(db->conn);
	db->conn = NULL;
	__atomic_sub_fetch(&db_open_count, 1, __ATOMIC_RELAXED);
}

static void
db_thread_destroy(void *arg)
{
	struct db	*db = arg;

	db_disconnect(db);
	free(db);
}

static void
db_key_init(void)
{
	if (pthread_key_create(&db_key, db_thread_destroy) != 0)
		fatalx("pthread_key_create");
}

struct db *
db_thread(void)
{
	struct db	*db;

	pthread_once(&db_key_once, db_key_init);
	if ((db = pthread_getspecific(db_key)) == NULL) {
		db = xcalloc(1, sizeof *db);
		db->prepare = true;
		if (pthread_setspecific(db_key, db) != 0)
			fatalx("pthread_setspecific");
	}
	return db;
}

void
db_thread_close(void)
{
	struct db	*db;

	pthread_once(&db_key_once, db_key_init);
	if ((db = pthread_getspecific(db_key)) == NULL)
		return;
	db_thread_destroy(db);
	(void)pthread_setspecific(db_key, NULL);
}

/*
 * True if the server sent something on a connection that is waiting for
 * nothing.  Worker connections never LISTEN, so this is PostgreSQL saying
 * goodbye (a restart, a pooler's timeout): a FATAL message, then EOF.
 * One poll(2) per request spares the request a 503.
 */
static bool
db_idle_input(struct db *db)
{
	struct pollfd	pfd;

	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		return false;
	pfd.fd = PQsocket(db->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	return pfd.fd >= 0 && poll(&pfd, 1, 0) > 0;
}

static void
db_drop_stale(struct db *db)
{
	log_warn("database connection closed by the server; reconnecting");
	db_disconnect(db);
	__atomic_add_fetch(&db_reconnect_count, 1, __ATOMIC_RELAXED);
}

bool
db_ready(struct db *db)
{
	PGresult	*res;

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK &&
	    db_idle_input(db))
		db_drop_stale(db);
	if (db->conn != NULL && PQstatus(db->conn) != CONNECTION_OK) {
		log_warn("database connection lost; reconnecting");
		db_disconnect(db);
		__atomic_add_fetch(&db_reconnect_count, 1, __ATOMIC_RELAXED);
	}
	if (db->conn == NULL)
		return db_connect(db, db_conninfo);
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		/* A handler left a transaction open: never reuse it. */
		log_warn("connection was left in a transaction; rolling back");
		res = PQexec(db->conn, "ROLLBACK");
		PQclear(res);
		if (PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
			db_disconnect(db);
			return db_connect(db, db_conninfo);
		}
	}
	db_clear_error(db);
	return true;
}

struct db *
db_open(const char *conninfo, bool prepare, char **cause)
{
	struct db	*db;

	db = xcalloc(1, sizeof *db);
	db->prepare = prepare;
	if (!db_connect(db, conninfo)) {
		*cause = xstrdup(db->message);
		free(db);
		return NULL;
	}
	return db;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db);
}

PGresult *
db_exec(struct db *db, const struct db_stmt *stmt, int nparams,
    const char *const *values)
{
	if (db->conn == NULL) {
		db_set_error(db, DB_UNAVAILABLE, "not connected", NULL, NULL);
		return NULL;
	}
	return db_check(db, PQexecPrepared(db->conn, stmt->name, nparams,
	    values, NULL, NULL, 0));
}

char *
db_text(struct db *db, const struct db_stmt *stmt, int nparams,
    const char *const *values)
{
	PGresult	*res;
	char		*s = NULL;

	if ((res = db_exec(db, stmt, nparams, values)) == NULL)
		return NULL;
	if (PQntuples(res) > 0)
		s = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return s;
}

PGresult *
db_query(struct db *db, const char *sql, int nparams,
    const char *const *values)
{
	if (db->conn == NULL) {
		db_set_error(db, DB_UNAVAILABLE, "not connected", NULL, NULL);
		return NULL;
	}
	return db_check(db, PQexecParams(db->conn, sql, nparams, NULL, values,
	    NULL, NULL, 0));
}

PGresult *
db_exec_shaped(struct db *db, const char *sql, int nparams,
    const char *const *values)
{
	const unsigned char	*p;
	uint64_t		 h = 14695981039346656037ULL;
	char			 name[32];
	size_t			 i;
	PGresult		*res;

	if (db->conn == NULL) {
		db_set_error(db, DB_UNAVAILABLE, "not connected", NULL, NULL);
		return NULL;
	}
	/* FNV-1a: a name per text; a collision would need 2^32 shapes. */
	for (p = (const unsigned char *)sql; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	snprintf(name, sizeof name, "shape_%016llx", (unsigned long long)h);
	for (i = 0; i < db->nshapes && db->shapes[i] != h; i++)
		;
	if (i == db->nshapes) {
		if (db->nshapes == DB_SHAPES_MAX)
			return db_query(db, sql, nparams, values);
		if ((res = db_check(db, PQprepare(db->conn, name, sql, 0,
		    NULL))) == NULL)
			return NULL;
		PQclear(res);
		db->shapes[db->nshapes++] = h;
	}
	return db_check(db, PQexecPrepared(db->conn, name, nparams, values,
	    NULL, NULL, 0));
}

bool
db_plan_generic(struct db *db)
{
	if (db->generic)
		return true;
	if (!db_command(db, "SET plan_cache_mode = force_generic_plan"))
		return false;
	db->generic = true;
	return true;
}

bool
db_command(struct db *db, const char *sql)
{
	PGresult	*res;

	if (db->conn == NULL) {
		db_set_error(db, DB_UNAVAILABLE, "not connected", NULL, NULL);
		return false;
	}
	if ((res = db_check(db, PQexec(db->conn, sql))) == NULL)
		return false;
	PQclear(res);
	return true;
}

enum db_status
db_status(const struct db *db)
{
	return db->status;
}

const char *
db_message(const struct db *db)
{
	return db->message;
}

const char *
db_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

const char *
db_constraint(const struct db *db)
{
	return db->constraint;
}

PGconn *
db_pgconn(struct db *db)
{
	return db->conn;
}

/* Sends channel's NOTIFY now: through the listener, else on db. */
static void
db_notify_now(struct db *db, const char *channel)
{
	const char	*params[1] = { channel };
	PGresult	*res;

	if (listen_notify(channel) || db->conn == NULL)
		return;
	res = PQexecParams(db->conn, "SELECT pg_notify($1, '')", 1, NULL,
	    params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warn("notify %s: %s", channel, PQerrorMessage(db->conn));
	PQclear(res);
}

/* The transaction committed: its NOTIFYs go out. */
static void
db_notify_due(struct db *db)
{
	int	i;

	for (i = 0; i < db->nnotes; i++)
		db_notify_now(db, db->notes[i]);
	db->nnotes = 0;
}

void
db_notify(struct db *db, const char *channel)
{
	int	i;

	if (db->conn == NULL || PQtransactionStatus(db->conn) ==
	    PQTRANS_IDLE) {
		db_notify_now(db, channel);
		return;
	}
	for (i = 0; i < db->nnotes; i++)
		if (strcmp(db->notes[i], channel) == 0)
			return;
	if (db->nnotes == DB_NOTES_MAX)
		fatalx("db_notify: too many channels");
	db->notes[db->nnotes++] = channel;
}

bool
db_tx(struct db *db, enum db_isolation iso, bool (*fn)(struct db *, void *),
    void *arg)
{
	static const char *const begin[] = {
		"BEGIN",
		"BEGIN ISOLATION LEVEL REPEATABLE READ",
		"BEGIN ISOLATION LEVEL SERIALIZABLE",
	};
	int	 attempt;
	bool	 ok;

	for (attempt = 1; attempt <= DB_TX_ATTEMPTS; attempt++) {
		if (!db_command(db, begin[iso]))
			return false;
		db_clear_error(db);
		db->nnotes = 0;
		ok = fn(db, arg);
		if (ok && db_command(db, "COMMIT")) {
			db_notify_due(db);
			return true;
		}
		db->nnotes = 0;
		if (db->status == DB_UNAVAILABLE)
			return false;
		if (PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
			enum db_status	 st = db->status;
			char		 msg[sizeof db->message];
			char		 state[sizeof db->sqlstate];
			char		 cons[sizeof db->constraint];

			/* The caller wants the failure, not the rollback. */
			memcpy(msg, db->message, sizeof msg);
			memcpy(state, db->sqlstate, sizeof state);
			memcpy(cons, db->constraint, sizeof cons);
			if (!db_command(db, "ROLLBACK"))
				log_warn("rollback failed: %s", db->message);
			db->status = st;
			memcpy(db->message, msg, sizeof msg);
			memcpy(db->sqlstate, state, sizeof state);
			memcpy(db->constraint, cons, sizeof cons);
		}
		if (db->status != DB_RETRY)
			return false;
		log_info("transaction attempt %d: %s; retrying", attempt,
		    db->message);
	}
	return false;
}

void
db_stats(uint64_t *open, uint64_t *reconnects)
{
	*open = __atomic_load_n(&db_open_count, __ATOMIC_RELAXED);
	*reconnects = __atomic_load_n(&db_reconnect_count, __ATOMIC_RELAXED);
}

/*
 * Pipelined reads.  An event loop thread keeps one connection in libpq's
 * pipeline mode: the statements of the requests it dispatched in one turn
 * are written together, followed by one Sync, and PostgreSQL answers them
 * in order in as few packets.  Both sides then wake once per turn instead
 * of once per statement.  A failed statement aborts the rest of its batch
 * (PGRES_PIPELINE_ABORTED); those are sent again, since they are reads.
 */
#define DB_PIPE_PARAMS	8	/* the most parameters of a piped statement */
#define DB_PIPE_TRIES	3	/* sends of a statement aborted by others */

struct db_pipe_entry {
	const struct db_stmt	*stmt;
	int			 nparams;
	char			*values[DB_PIPE_PARAMS];
	db_pipe_done		 done;
	void			*arg;
	PGresult		*res;
	int			 tries;
};

struct db_pipe {
	struct db		*db;
	struct db_pipe_entry	*q;	/* ring of statements sent, in order */
	size_t			 cap, head, count;
	size_t			 unsynced;	/* sent since the last Sync */
	size_t			 syncs;		/* Syncs not yet answered */
	uint64_t		 generation;	/* connections made so far */
};

struct db_pipe *
db_pipe_new(void)
{
	struct db_pipe	*p = xcalloc(1, sizeof *p);

	p->db = xcalloc(1, sizeof *p->db);
	p->db->prepare = true;
	return p;
}

static struct db_pipe_entry *
db_pipe_at(struct db_pipe *p, size_t i)
{
	return &p->q[(p->head + i) % p->cap];
}

static void
db_pipe_entry_clear(struct db_pipe_entry *e)
{
	int	i;

	for (i = 0; i < e->nparams; i++)
		free(e->values[i]);
	PQclear(e->res);
	memset(e, 0, sizeof *e);
}

/* Takes the oldest entry off the ring into *e (the caller clears it). */
static void
db_pipe_pop(struct db_pipe *p, struct db_pipe_entry *e)
{
	*e = p->q[p->head];
	memset(&p->q[p->head], 0, sizeof p->q[p->head]);
	p->head = (p->head + 1) % p->cap;
	p->count--;
}

/* Fails every statement outstanding and drops the connection. */
static void
db_pipe_fail(struct db_pipe *p, const char *why)
{
	struct db_pipe_entry	e;
	char			msg[256];

	/* why may be the connection's own message, gone with it. */
	snprintf(msg, sizeof msg, "%s", why);
	msg[strcspn(msg, "\n")] = '\0';
	why = msg;
	if (p->count > 0)
		log_warn("pipelined connection lost (%s); failing %zu "
		    "statements", why, p->count);
	db_disconnect(p->db);
	while (p->count > 0) {
		db_pipe_pop(p, &e);
		db_set_error(p->db, DB_UNAVAILABLE, why, NULL, NULL);
		e.done(e.arg, NULL, p->db);
		db_pipe_entry_clear(&e);
	}
	p->unsynced = p->syncs = 0;
	db_set_error(p->db, DB_UNAVAILABLE, why, NULL, NULL);
}

void
db_pipe_free(struct db_pipe *p)
{
	if (p == NULL)
		return;
	db_pipe_fail(p, "shutting down");
	free(p->q);
	free(p->db);
	free(p);
}

int
db_pipe_fd(const struct db_pipe *p)
{
	return p->db->conn != NULL ? PQsocket(p->db->conn) : -1;
}

bool
db_pipe_busy(const struct db_pipe *p)
{
	return p->count > 0;
}

/* Writes e's statement; false if the connection failed. */
static bool
db_pipe_write(struct db_pipe *p, const struct db_pipe_entry *e)
{
	if (!PQsendQueryPrepared(p->db->conn, e->stmt->name, e->nparams,
	    (const char *const *)e->values, NULL, NULL, 0))
		return false;
	p->unsynced++;
	return true;
}

bool
db_pipe_send(struct db_pipe *p, const struct db_stmt *stmt, int nparams,
    const char *const *values, db_pipe_done done, void *arg)
{
	struct db_pipe_entry	*e;
	int			 i;

	if (nparams > DB_PIPE_PARAMS)
		fatalx("db_pipe_send: %s has %d parameters", stmt->name,
		    nparams);
	if (p->db->conn != NULL && PQstatus(p->db->conn) != CONNECTION_OK)
		db_pipe_fail(p, "connection lost");
	if (p->db->conn == NULL) {
		if (!db_ready(p->db))
			return false;
		if (PQsetnonblocking(p->db->conn, 1) != 0 ||
		    PQenterPipelineMode(p->db->conn) != 1) {
			db_pipe_fail(p, PQerrorMessage(p->db->conn));
			return false;
		}
		p->generation++;
	}
	if (p->count == p->cap) {
		struct db_pipe_entry	*q;
		size_t			 n = p->cap == 0 ? 16 : p->cap * 2;

		q = xcalloc(n, sizeof *q);
		for (i = 0; (size_t)i < p->count; i++)
			q[i] = *db_pipe_at(p, (size_t)i);
		free(p->q);
		p->q = q;
		p->cap = n;
		p->head = 0;
	}
	e = db_pipe_at(p, p->count);
	e->stmt = stmt;
	e->nparams = nparams;
	for (i = 0; i < nparams; i++)
		e->values[i] = values[i] != NULL ? xstrdup(values[i]) : NULL;
	e->done = done;
	e->arg = arg;
	e->tries = 1;
	p->count++;
	if (!db_pipe_write(p, e)) {
		/* Everything outstanding, this one included, fails. */
		p->count--;
		db_pipe_entry_clear(e);
		db_pipe_fail(p, PQerrorMessage(p->db->conn));
		return false;
	}
	return true;
}

int
db_pipe_flush(struct db_pipe *p)
{
	int	rc;

	if (p->db->conn == NULL)
		return 0;
	if (p->unsynced > 0) {
		if (PQpipelineSync(p->db->conn) != 1) {
			db_pipe_fail(p, PQerrorMessage(p->db->conn));
			return 0;
		}
		p->unsynced = 0;
		p->syncs++;
	}
	if ((rc = PQflush(p->db->conn)) < 0) {
		db_pipe_fail(p, PQerrorMessage(p->db->conn));
		return 0;
	}
	return rc;
}

/* The oldest statement's results are all in: answer it or send it again. */
static void
db_pipe_complete(struct db_pipe *p)
{
	struct db_pipe_entry	e;
	PGresult		*res;

	db_pipe_pop(p, &e);
	if (PQresultStatus(e.res) == PGRES_PIPELINE_ABORTED &&
	    e.tries < DB_PIPE_TRIES) {
		/* Another statement of its batch failed: this one did not run. */
		PQclear(e.res);
		e.res = NULL;
		e.tries++;
		p->q[(p->head + p->count) % p->cap] = e;
		p->count++;
		if (!db_pipe_write(p, &e))
			db_pipe_fail(p, PQerrorMessage(p->db->conn));
		return;
	}
	res = e.res;
	e.res = NULL;
	if ((res = db_check(p->db, res)) == NULL)
		e.done(e.arg, NULL, p->db);
	else {
		e.done(e.arg, res, p->db);
		PQclear(res);
	}
	db_pipe_entry_clear(&e);
}

void
db_pipe_input(struct db_pipe *p)
{
	PGresult	*res;

	if (p->db->conn == NULL)
		return;
	if (!PQconsumeInput(p->db->conn)) {
		db_pipe_fail(p, PQerrorMessage(p->db->conn));
		return;
	}
	if (p->syncs == 0) {
		/*
		 * Input while nothing was asked: the server is saying goodbye
		 * (a restart, a pooler's timeout).  Drop the connection now so
		 * that the next statement goes to a new one.
		 */
		db_pipe_fail(p, "connection closed by the server");
		return;
	}
	while (p->db->conn != NULL && p->syncs > 0 &&
	    !PQisBusy(p->db->conn)) {
		res = PQgetResult(p->db->conn);
		if (res == NULL) {
			/* The end of the oldest statement's results. */
			if (p->count == 0)
				break;
			db_pipe_complete(p);
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			p->syncs--;
			continue;
		}
		if (p->count == 0 || db_pipe_at(p, 0)->res != NULL) {
			/* One result per statement: anything else is a bug. */
			PQclear(res);
			db_pipe_fail(p, "unexpected result in the pipeline");
			return;
		}
		db_pipe_at(p, 0)->res = res;
	}
}

uint64_t
db_pipe_generation(const struct db_pipe *p)
{
	return p->generation;
}

struct db *
db_pipe_db(struct db_pipe *p)
{
	return p->db;
}
