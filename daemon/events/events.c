#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "events.h"
#include "listen.h"
#include "log.h"
#include "req.h"
#include "server.h"
#include "xmalloc.h"

#define EVENTS_CHANNEL		"souk_events"
#define EVENTS_RING		8192	/* events kept in memory for streams */
#define EVENTS_FETCH		"1000"	/* rows per hub query */
#define EVENTS_REPLAY_MAX	"1000"	/* rows replayed to a reconnecting client */
#define EVENTS_GAP_MS		30000	/* how long a missing id may yet commit */
#define EVENTS_POLL_MS		5000
#define EVENTS_OUT_MAX		(1024 * 1024)	/* unsent bytes per stream */

static const struct db_stmt events_stmts[] = {
	/* The hubs are woken after the commit (db_notify). */
	{ "events_publish",
	  "INSERT INTO events (topic, type, data)"
	  " VALUES ($1, $2, coalesce($3::jsonb, '{}'))" },
	/* $1: a JSON array of {"topic","type","data"}, kept in order. */
	{ "events_publish_list",
	  "INSERT INTO events (topic, type, data)"
	  " SELECT x->>'topic', x->>'type',"
	  " coalesce(nullif(x->'data', 'null'), '{}')"
	  " FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY a (x, n)"
	  " ORDER BY n" },
	{ "events_replay",
	  "SELECT id, topic, type, data::text FROM events"
	  " WHERE id > $1 AND topic = ANY ($2::text[])"
	  " ORDER BY id LIMIT " EVENTS_REPLAY_MAX },
	/* The client's last event was pruned: it may have missed some. */
	{ "events_gone",
	  "SELECT NOT EXISTS (SELECT 1 FROM events WHERE id = $1) AND"
	  " coalesce((SELECT min(id) FROM events) > $1, true)" },
	{ "events_prune",
	  "DELETE FROM events WHERE id IN (SELECT id FROM events"
	  " WHERE created_at < now() - $1::bigint * interval '1 ms'"
	  " LIMIT 5000)" },
};

enum { STMT_PUBLISH, STMT_PUBLISH_LIST, STMT_REPLAY, STMT_GONE, STMT_PRUNE };

struct ring_event {
	uint64_t	 seq;		/* position in delivery order */
	int64_t		 id;
	char		*topic;
	char		*type;
	char		*data;
};

struct events_sub {
	void		*conn;
	char		**topics;
	int		 ntopics;
	uint64_t	 seq;		/* next ring position to look at */
	int64_t		 replayed;	/* highest id sent from the replay */
	struct buf	 out;		/* formatted, not yet sent */
	bool		 suspended;
	bool		 closing;
	int64_t		 beat_at;	/* monotonic ms of its next heartbeat */
	struct events_sub *prev, *next;
};

static pthread_mutex_t	 hub_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ring_event ring[EVENTS_RING];
static uint64_t		 ring_next = 1;		/* seq of the next event */
static struct events_sub *subs;
static unsigned		 nsubs;
static int64_t		 replay_ms = 15 * 60 * 1000;
static int64_t		 heartbeat_ms = 15000;
static bool		 registered;

static pthread_t	 hub_thread;
static bool		 hub_running;
static int		 hub_pipe[2] = { -1, -1 };
static char		*hub_conninfo;

bool
events_valid_topic(const char *s)
{
	size_t	i = 0, n;

	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	while ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_')
		i++;
	if (s[i] == '\0')
		return i <= 32;
	if (s[i] != ':' || i > 32)
		return false;
	n = strlen(s + i + 1);
	if (n < 1 || n > 64)
		return false;
	for (i++; s[i] != '\0'; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-'))
			return false;
	}
	return true;
}

bool
events_publish(struct db *db, const char *topic, const char *type,
    const char *data)
{
	const char	*params[3] = { topic, type, data };
	PGresult	*res;

	if (!events_valid_topic(topic))
		fatalx("events_publish: bad topic %s", topic);
	if ((res = db_exec(db, &events_stmts[STMT_PUBLISH], 3, params)) ==
	    NULL)
		return false;
	PQclear(res);
	db_notify(db, EVENTS_CHANNEL);
	return true;
}

bool
events_publish_list(struct db *db, const char *list)
{
	PGresult	*res;

	if ((res = db_exec(db, &events_stmts[STMT_PUBLISH_LIST], 1,
	    &list)) == NULL)
		return false;
	if (strcmp(PQcmdTuples(res), "0") != 0)
		db_notify(db, EVENTS_CHANNEL);
	PQclear(res);
	return true;
}

bool
events_publish_regions(struct db *db, const char *kind, const char *path,
    const char *type, const char *data)
{
	char		 topic[64], *e;
	const char	*p = path != NULL && *path == '{' ? path + 1 : "";
	long long	 id;

	while (*p != '\0' && *p != '}') {
		id = strtoll(p, &e, 10);
		if (e == p)
			break;
		snprintf(topic, sizeof topic, "%s:%lld", kind, id);
		if (!events_publish(db, topic, type, data))
			return false;
		p = *e == ',' ? e + 1 : e;
	}
	return true;
}

void
events_init(const struct config *c)
{
	if (!registered) {
		db_register(events_stmts,
		    sizeof events_stmts / sizeof events_stmts[0]);
		registered = true;
	}
	replay_ms = c->event_replay_ms;
	heartbeat_ms = c->sse_heartbeat_ms;
}

enum job_result
events_prune_run(struct job *j, struct db *db)
{
	char		 keep[24];
	const char	*params[1] = { keep };
	PGresult	*res;
	long		 n;

	snprintf(keep, sizeof keep, "%lld", (long long)replay_ms);
	do {
		if ((res = db_exec(db, &events_stmts[STMT_PRUNE], 1, params)) ==
		    NULL) {
			j->error = xasprintf("pruning events: %s",
			    db_message(db));
			return JOB_RETRY;
		}
		n = strtol(PQcmdTuples(res), NULL, 10);
		PQclear(res);
	} while (n == 5000);
	return JOB_DONE;
}

/* --- streams ------------------------------------------------------- */

static bool
sub_wants(const struct events_sub *s, const char *topic)
{
	int	i;

	for (i = 0; i < s->ntopics; i++) {
		if (strcmp(s->topics[i], topic) == 0)
			return true;
	}
	return false;
}

/* Tells the client to reload what it shows: it may have missed events. */
static void
sub_write_reset(struct events_sub *s)
{
	buf_reset(&s->out);
	if (!buf_adds(&s->out, "event: reset\ndata: {}\n\n"))
		fatalx("sub_write_reset");
}

/* Formats one event as SSE; data is JSON text, so one line. */
static void
sub_write(struct events_sub *s, int64_t id, const char *type,
    const char *topic, const char *data)
{
	if (!buf_printf(&s->out, "id: %lld\nevent: %s\ndata: {\"topic\":\"%s\","
	    "\"data\":%s}\n\n", (long long)id, type, topic, data))
		/* A client that reads nothing for a megabyte: start over. */
		sub_write_reset(s);
}

/* Moves what the ring has for s into its output; hub_mu held. */
static void
sub_fill(struct events_sub *s)
{
	struct ring_event	*e;
	uint64_t		 oldest;

	oldest = ring_next > EVENTS_RING ? ring_next - EVENTS_RING : 1;
	if (s->seq < oldest) {
		/* It fell behind the ring: it must reload. */
		sub_write_reset(s);
		s->seq = ring_next;
		return;
	}
	for (; s->seq < ring_next; s->seq++) {
		e = &ring[s->seq % EVENTS_RING];
		if (e->id <= s->replayed || !sub_wants(s, e->topic))
			continue;
		sub_write(s, e->id, e->type, e->topic, e->data);
	}
}

/* Puts a suspended stream back in the event loop; hub_mu held. */
static void
sub_wake(struct events_sub *s)
{
	if (s->suspended) {
		s->suspended = false;
		server_resume(s->conn);
	}
}

static int64_t
mono_ms(void)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

struct events_sub *
events_subscribe(struct db *db, void *conn, const char *const *topics,
    int n, int64_t last_id)
{
	struct events_sub	*s = xcalloc(1, sizeof *s);
	struct buf		 lit;
	const char		*params[2];
	char			 after[24];
	PGresult		*res, *gone;
	int			 i;

	s->conn = conn;
	s->topics = xcalloc((size_t)n, sizeof *s->topics);
	buf_init(&lit, 0);
	for (i = 0; i < n; i++) {
		s->topics[i] = xstrdup(topics[i]);
		if (!buf_printf(&lit, "%s\"%s\"", i == 0 ? "{" : ",",
		    topics[i]))
			fatalx("events_subscribe");
	}
	if (!buf_adds(&lit, "}"))
		fatalx("events_subscribe");
	s->ntopics = n;
	buf_init(&s->out, EVENTS_OUT_MAX);
	/* Tell EventSource how soon to reconnect, and flush the headers. */
	if (!buf_adds(&s->out, "retry: 3000\n: connected\n\n"))
		fatalx("events_subscribe");
	/*
	 * The first heartbeat comes after half to all of the interval, so
	 * that streams opened together (clients reconnecting after a restart)
	 * are not all woken in the same instant ever after.
	 */
	s->beat_at = mono_ms() + heartbeat_ms / 2 +
	    (int64_t)randombytes_uniform((uint32_t)(heartbeat_ms / 2 + 1));
	pthread_mutex_lock(&hub_mu);
	s->seq = ring_next;
	s->next = subs;
	if (subs != NULL)
		subs->prev = s;
	subs = s;
	nsubs++;
	pthread_mutex_unlock(&hub_mu);

	if (last_id > 0) {
		snprintf(after, sizeof after, "%lld", (long long)last_id);
		params[0] = after;
		params[1] = lit.data;
		gone = db_exec(db, &events_stmts[STMT_GONE], 1, params);
		res = db_exec(db, &events_stmts[STMT_REPLAY], 2, params);
		if (gone == NULL || res == NULL)
			log_warn("replaying events: %s", db_message(db));
		pthread_mutex_lock(&hub_mu);
		if (gone != NULL && PQgetvalue(gone, 0, 0)[0] == 't')
			sub_write_reset(s);
		for (i = 0; res != NULL && i < PQntuples(res); i++) {
			s->replayed = strtoll(PQgetvalue(res, i, 0), NULL, 10);
			sub_write(s, s->replayed, PQgetvalue(res, i, 2),
			    PQgetvalue(res, i, 1), PQgetvalue(res, i, 3));
		}
		pthread_mutex_unlock(&hub_mu);
		PQclear(gone);
		PQclear(res);
	}
	buf_free(&lit);
	return s;
}

long
events_stream_read(void *cls, char *out, size_t max)
{
	struct events_sub	*s = cls;
	size_t			 n;

	pthread_mutex_lock(&hub_mu);
	if (s->out.len == 0 && !s->closing)
		sub_fill(s);
	if (s->out.len == 0) {
		if (s->closing) {
			pthread_mutex_unlock(&hub_mu);
			return REQ_STREAM_END;
		}
		/* Nothing to say: leave the event loop until the hub wakes us. */
		s->suspended = true;
		server_suspend(s->conn);
		pthread_mutex_unlock(&hub_mu);
		return 0;
	}
	n = s->out.len < max ? s->out.len : max;
	memcpy(out, s->out.data, n);
	memmove(s->out.data, s->out.data + n, s->out.len - n);
	s->out.len -= n;
	s->out.data[s->out.len] = '\0';
	pthread_mutex_unlock(&hub_mu);
	return (long)n;
}

void
events_stream_done(void *cls)
{
	struct events_sub	*s = cls;
	int			 i;

	pthread_mutex_lock(&hub_mu);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		subs = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	nsubs--;
	pthread_mutex_unlock(&hub_mu);
	for (i = 0; i < s->ntopics; i++)
		free(s->topics[i]);
	free(s->topics);
	buf_free(&s->out);
	free(s);
}

unsigned
events_streams(void)
{
	unsigned	n;

	pthread_mutex_lock(&hub_mu);
	n = nsubs;
	pthread_mutex_unlock(&hub_mu);
	return n;
}

void
events_close_streams(void)
{
	struct events_sub	*s;

	pthread_mutex_lock(&hub_mu);
	for (s = subs; s != NULL; s = s->next) {
		s->closing = true;
		sub_wake(s);
	}
	pthread_mutex_unlock(&hub_mu);
}

/* --- the hub ------------------------------------------------------- */

/* Adds an event to the ring and wakes the streams that want it. */
static void
hub_deliver(int64_t id, const char *topic, const char *type,
    const char *data)
{
	struct ring_event	*e;
	struct events_sub	*s;

	pthread_mutex_lock(&hub_mu);
	e = &ring[ring_next % EVENTS_RING];
	free(e->topic);
	free(e->type);
	free(e->data);
	e->seq = ring_next++;
	e->id = id;
	e->topic = xstrdup(topic);
	e->type = xstrdup(type);
	e->data = xstrdup(data);
	for (s = subs; s != NULL; s = s->next) {
		if (sub_wants(s, topic))
			sub_wake(s);
	}
	pthread_mutex_unlock(&hub_mu);
}

/* Heartbeats the streams whose time has come. */
static void
hub_heartbeat(int64_t now)
{
	struct events_sub	*s;

	pthread_mutex_lock(&hub_mu);
	for (s = subs; s != NULL; s = s->next) {
		if (s->beat_at > now)
			continue;
		s->beat_at = now + heartbeat_ms;
		/* A comment line keeps proxies and clients from timing out. */
		if (s->out.len == 0 && !buf_adds(&s->out, ": heartbeat\n\n"))
			fatalx("hub_heartbeat");
		sub_wake(s);
	}
	pthread_mutex_unlock(&hub_mu);
}

static void
hub_notified(void *arg, const char *channel, const char *payload)
{
	(void)arg;
	(void)channel;
	(void)payload;
	if (write(hub_pipe[1], "x", 1) < 0)
		log_debug("hub wake");
}

/*
 * The ids the hub has settled: all up to floor, plus those in seen (which
 * are above floor).  Ids are handed out when rows are inserted but become
 * visible when their transaction commits, so a lower id can appear after
 * a higher one; a missing id is waited for EVENTS_GAP_MS, then given up
 * (it was rolled back, or its transaction is very slow).
 */
struct hub_state {
	int64_t		 floor;
	int64_t		*seen;
	size_t		 nseen, capseen;
	struct timespec	 gap_since;
	bool		 gap;
};

static bool
hub_seen(const struct hub_state *h, int64_t id)
{
	size_t	i;

	if (id <= h->floor)
		return true;
	for (i = 0; i < h->nseen; i++) {
		if (h->seen[i] == id)
			return true;
	}
	return false;
}

static void
hub_settle(struct hub_state *h)
{
	struct timespec	 now;
	size_t		 i, j;
	int64_t		 low;
	bool		 moved = true;

	while (moved) {
		moved = false;
		for (i = 0; i < h->nseen; i++) {
			if (h->seen[i] == h->floor + 1) {
				h->floor++;
				h->seen[i] = h->seen[--h->nseen];
				moved = true;
				h->gap = false;
				break;
			}
		}
	}
	if (h->nseen == 0) {
		h->gap = false;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!h->gap) {
		h->gap = true;
		h->gap_since = now;
		return;
	}
	if ((now.tv_sec - h->gap_since.tv_sec) * 1000 +
	    (now.tv_nsec - h->gap_since.tv_nsec) / 1000000 < EVENTS_GAP_MS)
		return;
	/* Give up every missing id below the lowest seen one. */
	low = h->seen[0];
	for (i = 1; i < h->nseen; i++)
		if (h->seen[i] < low)
			low = h->seen[i];
	h->floor = low - 1;
	h->gap = false;
	for (i = j = 0; i < h->nseen; i++)
		if (h->seen[i] > h->floor)
			h->seen[j++] = h->seen[i];
	h->nseen = j;
	hub_settle(h);
}

/* Reads new events and delivers them; false if the connection failed. */
static bool
hub_fetch(struct db *db, struct hub_state *h)
{
	char		 after[24];
	const char	*params[1] = { after };
	PGresult	*res;
	int		 i, n;
	int64_t		 id;

	do {
		snprintf(after, sizeof after, "%lld", (long long)h->floor);
		res = db_query(db, "SELECT id, topic, type, data::text FROM "
		    "events WHERE id > $1 ORDER BY id LIMIT " EVENTS_FETCH, 1,
		    params);
		if (res == NULL)
			return false;
		n = PQntuples(res);
		for (i = 0; i < n; i++) {
			id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
			if (hub_seen(h, id))
				continue;
			hub_deliver(id, PQgetvalue(res, i, 1),
			    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
			if (h->nseen == h->capseen) {
				h->capseen = h->capseen == 0 ? 64 :
				    h->capseen * 2;
				h->seen = xreallocarray(h->seen, h->capseen,
				    sizeof *h->seen);
			}
			h->seen[h->nseen++] = id;
		}
		PQclear(res);
		hub_settle(h);
	} while (n == atoi(EVENTS_FETCH) && h->nseen < 100000);
	return true;
}

static void *
hub_main(void *unused)
{
	struct hub_state h = { 0 };
	struct db	*db = NULL;
	struct pollfd	 pfd;
	int64_t		 tick;
	PGresult	*res;
	char		*cause = NULL, drain[64];
	bool		 fresh = true;

	(void)unused;
	/* Heartbeats are looked at 16 times an interval: spread, not bursts. */
	tick = heartbeat_ms / 16 < 50 ? 50 : heartbeat_ms / 16;
	if (tick > EVENTS_POLL_MS)
		tick = EVENTS_POLL_MS;
	while (__atomic_load_n(&hub_running, __ATOMIC_ACQUIRE)) {
		if (db == NULL && (db = db_open(hub_conninfo, false, &cause)) ==
		    NULL) {
			log_debug("events hub: %s", cause);
			free(cause);
			cause = NULL;
		}
		if (db != NULL && fresh) {
			/* Streams start from now: history is the replay's. */
			res = db_query(db, "SELECT coalesce(max(id), 0) FROM "
			    "events", 0, NULL);
			if (res != NULL) {
				h.floor = strtoll(PQgetvalue(res, 0, 0), NULL,
				    10);
				PQclear(res);
				fresh = false;
			}
		}
		if (db != NULL && !fresh && !hub_fetch(db, &h)) {
			log_warn("events hub: %s", db_message(db));
			db_close(db);
			db = NULL;
		}
		pfd.fd = hub_pipe[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, h.gap && tick > 500 ? 500 : (int)tick) > 0 &&
		    read(hub_pipe[0], drain, sizeof drain) < 0)
			log_debug("events hub: drain");
		hub_heartbeat(mono_ms());
	}
	db_close(db);
	free(h.seen);
	return NULL;
}

void
events_start(const char *conninfo)
{
	hub_conninfo = xstrdup(conninfo);
	if (pipe(hub_pipe) != 0)
		fatal("events_start: pipe");
	listen_subscribe(EVENTS_CHANNEL, hub_notified, NULL);
	__atomic_store_n(&hub_running, true, __ATOMIC_RELEASE);
	if (pthread_create(&hub_thread, NULL, hub_main, NULL) != 0)
		fatalx("events_start: pthread_create");
}

void
events_stop(void)
{
	size_t	i;

	events_close_streams();
	if (!__atomic_load_n(&hub_running, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&hub_running, false, __ATOMIC_RELEASE);
	if (write(hub_pipe[1], "x", 1) < 0)
		log_debug("events_stop: wake");
	pthread_join(hub_thread, NULL);
	close(hub_pipe[0]);
	close(hub_pipe[1]);
	free(hub_conninfo);
	hub_conninfo = NULL;
	pthread_mutex_lock(&hub_mu);
	for (i = 0; i < EVENTS_RING; i++) {
		free(ring[i].topic);
		free(ring[i].type);
		free(ring[i].data);
		memset(&ring[i], 0, sizeof ring[i]);
	}
	pthread_mutex_unlock(&hub_mu);
}
