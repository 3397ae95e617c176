#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

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
			continue;
		}
		if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) {
			log_warn("listener: connection lost");
			__atomic_store_n(&listen_up, false, __ATOMIC_RELEASE);
			PQfinish(conn);
			conn = NULL;
			continue;
		}
		while ((n = PQnotifies(conn)) != NULL) {
			listen_dispatch(n->relname, n->extra);
			PQfreemem(n);
		}
	}
	__atomic_store_n(&listen_up, false, __ATOMIC_RELEASE);
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
