#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "listen.h"
#include "log.h"
#include "xmalloc.h"

#define LISTEN_MAX_SUBS		16
#define LISTEN_RETRY_MS		500

struct listen_sub {
	const char	*channel;
	listen_cb	 cb;
	void		*arg;
};

static struct listen_sub	 listen_subs[LISTEN_MAX_SUBS];
static int			 listen_nsubs;
static char			*listen_conninfo;
static pthread_t		 listen_thread;
static bool			 listen_running;
static int			 listen_pipe[2] = { -1, -1 };
static bool			 listen_up;

/*
 * Syncs (listen_sync): asked counts the callers so far, done the ones
 * answered; a query sent for everyone up to sent answers them all.
 */
static pthread_mutex_t		 listen_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 listen_cv = PTHREAD_COND_INITIALIZER;
static uint64_t			 listen_asked;
static uint64_t			 listen_done;
static uint64_t			 listen_sent;
static bool			 listen_inflight;
static uint64_t			 listen_epoch;	/* connections made */
/* Channels to notify with the next query (listen_notify). */
static const char		*listen_notes[LISTEN_MAX_SUBS];
static int			 listen_nnotes;

void
listen_subscribe(const char *channel, listen_cb cb, void *arg)
{
	if (listen_nsubs == LISTEN_MAX_SUBS)
		fatalx("listen_subscribe: too many subscribers");
	listen_subs[listen_nsubs].channel = channel;
	listen_subs[listen_nsubs].cb = cb;
	listen_subs[listen_nsubs++].arg = arg;
}

bool
listen_connected(void)
{
	return __atomic_load_n(&listen_up, __ATOMIC_ACQUIRE);
}

bool
listen_sync(int64_t ms)
{
	struct timespec	until;
	uint64_t	mine, epoch;
	bool		ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&listen_mu);
	if (!__atomic_load_n(&listen_up, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&listen_mu);
		return false;
	}
	mine = ++listen_asked;
	epoch = listen_epoch;
	/* The listener sends a query when none is out; else it will. */
	if (!listen_inflight && write(listen_pipe[1], "s", 1) < 0 &&
	    errno != EAGAIN)
		log_debug("listen_sync: wake");
	while (listen_done < mine && listen_epoch == epoch &&
	    __atomic_load_n(&listen_up, __ATOMIC_ACQUIRE)) {
		if (pthread_cond_timedwait(&listen_cv, &listen_mu, &until) != 0)
			break;
	}
	ok = listen_done >= mine && listen_epoch == epoch;
	pthread_mutex_unlock(&listen_mu);
	return ok;
}

bool
listen_notify(const char *channel)
{
	int	i;

	pthread_mutex_lock(&listen_mu);
	if (!__atomic_load_n(&listen_up, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&listen_mu);
		return false;
	}
	for (i = 0; i < listen_nnotes && strcmp(listen_notes[i], channel) != 0;
	    i++)
		;
	if (i == listen_nnotes) {
		if (listen_nnotes == LISTEN_MAX_SUBS)
			fatalx("listen_notify: too many channels");
		listen_notes[listen_nnotes++] = channel;
	}
	/* The listener sends them when no query is out; else after it. */
	if (!listen_inflight && write(listen_pipe[1], "n", 1) < 0 &&
	    errno != EAGAIN)
		log_debug("listen_notify: wake");
	pthread_mutex_unlock(&listen_mu);
	return true;
}

/*
 * Sends the query when callers wait or notifications are due, and none
 * is out: the sync's SELECT 1, after the NOTIFYs in a transaction that
 * does not wait for the disk (a wake-up is not worth keeping).
 */
static bool
listen_sync_send(PGconn *conn)
{
	struct buf	 q;
	bool		 ok = true;
	int		 i;

	pthread_mutex_lock(&listen_mu);
	if (!listen_inflight && (listen_asked > listen_done ||
	    listen_nnotes > 0)) {
		buf_init(&q, 0);
		if (listen_nnotes > 0 && !buf_adds(&q, "BEGIN; SET LOCAL "
		    "synchronous_commit TO off; "))
			fatalx("listen: buffer");
		for (i = 0; i < listen_nnotes; i++)
			if (!buf_printf(&q, "NOTIFY %s; ", listen_notes[i]))
				fatalx("listen: buffer");
		if (listen_nnotes > 0 && !buf_adds(&q, "COMMIT; "))
			fatalx("listen: buffer");
		if (!buf_adds(&q, "SELECT 1"))
			fatalx("listen: buffer");
		if (PQsendQuery(conn, q.data) == 1) {
			listen_sent = listen_asked;
			listen_inflight = true;
			listen_nnotes = 0;
		} else
			ok = false;
		buf_free(&q);
	}
	pthread_mutex_unlock(&listen_mu);
	return ok;
}

/* Once the sync query is answered, everyone it was sent for is. */
static void
listen_sync_answered(PGconn *conn)
{
	PGresult	*res;

	pthread_mutex_lock(&listen_mu);
	while (listen_inflight && !PQisBusy(conn)) {
		if ((res = PQgetResult(conn)) != NULL) {
			PQclear(res);
			continue;
		}
		listen_done = listen_sent;
		listen_inflight = false;
		pthread_cond_broadcast(&listen_cv);
	}
	pthread_mutex_unlock(&listen_mu);
}

/* The connection is gone: nobody waits for its answers any more. */
static void
listen_sync_lost(void)
{
	pthread_mutex_lock(&listen_mu);
	listen_epoch++;
	listen_inflight = false;
	listen_done = listen_asked;
	pthread_cond_broadcast(&listen_cv);
	pthread_mutex_unlock(&listen_mu);
}

static void
listen_dispatch(const char *channel, const char *payload)
{
	int	i;

	for (i = 0; i < listen_nsubs; i++) {
		if (channel == NULL || strcmp(listen_subs[i].channel,
		    channel) == 0)
			listen_subs[i].cb(listen_subs[i].arg,
			    listen_subs[i].channel, payload);
	}
}

/* Connects and LISTENs on every channel; NULL if that failed. */
static PGconn *
listen_connect(void)
{
	const char	*keys[] = { "dbname", "fallback_application_name",
			    NULL };
	const char	*vals[] = { listen_conninfo, "soukd listener", NULL };
	PGconn		*conn;
	PGresult	*res;
	char		*sql, *id;
	int		 i;

	conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		log_debug("listener: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	for (i = 0; i < listen_nsubs; i++) {
		id = PQescapeIdentifier(conn, listen_subs[i].channel,
		    strlen(listen_subs[i].channel));
		sql = xasprintf("LISTEN %s", id);
		PQfreemem(id);
		res = PQexec(conn, sql);
		free(sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_warn("listener: %s", PQresultErrorMessage(res));
			PQclear(res);
			PQfinish(conn);
			return NULL;
		}
		PQclear(res);
	}
	return conn;
}

static void *
listen_main(void *unused)
{
	struct pollfd	 pfd[2];
	PGconn		*conn = NULL;
	PGnotify	*n;
	bool		 warned = false;
	char		 drain[64];

	(void)unused;
	while (__atomic_load_n(&listen_running, __ATOMIC_ACQUIRE)) {
		if (conn == NULL) {
			if ((conn = listen_connect()) == NULL) {
				if (!warned)
					log_warn("listener: cannot connect; "
					    "retrying");
				warned = true;
				pfd[0].fd = listen_pipe[0];
				pfd[0].events = POLLIN;
				(void)poll(pfd, 1, LISTEN_RETRY_MS);
				continue;
			}
			if (warned)
				log_info("listener: connected again");
			warned = false;
			__atomic_store_n(&listen_up, true, __ATOMIC_RELEASE);
			/* Anything may have happened while we were away. */
			listen_dispatch(NULL, NULL);
		}
		pfd[0].fd = PQsocket(conn);
		pfd[0].events = POLLIN;
		pfd[1].fd = listen_pipe[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			fatal("listener: poll");
		if (pfd[1].revents & POLLIN) {
			if (read(listen_pipe[0], drain, sizeof drain) < 0)
				log_debug("listener: drain");
			if (listen_sync_send(conn))
				continue;
		}
		if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) {
			log_warn("listener: connection lost");
			__atomic_store_n(&listen_up, false, __ATOMIC_RELEASE);
			listen_sync_lost();
			PQfinish(conn);
			conn = NULL;
			continue;
		}
		while ((n = PQnotifies(conn)) != NULL) {
			listen_dispatch(n->relname, n->extra);
			PQfreemem(n);
		}
		/*
		 * The answer follows the notifications due before it, which
		 * were all passed on just now.
		 */
		listen_sync_answered(conn);
		while ((n = PQnotifies(conn)) != NULL) {
			listen_dispatch(n->relname, n->extra);
			PQfreemem(n);
		}
		if (!listen_sync_send(conn)) {
			log_warn("listener: %s", PQerrorMessage(conn));
			__atomic_store_n(&listen_up, false, __ATOMIC_RELEASE);
			listen_sync_lost();
			PQfinish(conn);
			conn = NULL;
		}
	}
	__atomic_store_n(&listen_up, false, __ATOMIC_RELEASE);
	listen_sync_lost();
	PQfinish(conn);
	return NULL;
}

void
listen_start(const char *conninfo)
{
	if (listen_nsubs == 0)
		return;
	listen_conninfo = xstrdup(conninfo);
	if (pipe(listen_pipe) != 0)
		fatal("listen_start: pipe");
	/* A full pipe is a listener already woken: writers never block. */
	if (fcntl(listen_pipe[1], F_SETFL, O_NONBLOCK) == -1)
		fatal("listen_start: fcntl");
	__atomic_store_n(&listen_running, true, __ATOMIC_RELEASE);
	if (pthread_create(&listen_thread, NULL, listen_main, NULL) != 0)
		fatalx("listen_start: pthread_create");
}

void
listen_stop(void)
{
	if (!__atomic_load_n(&listen_running, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&listen_running, false, __ATOMIC_RELEASE);
	if (write(listen_pipe[1], "x", 1) < 0)
		log_debug("listen_stop: wake");
	pthread_join(listen_thread, NULL);
	close(listen_pipe[0]);
	close(listen_pipe[1]);
	listen_pipe[0] = listen_pipe[1] = -1;
	free(listen_conninfo);
	listen_conninfo = NULL;
}
