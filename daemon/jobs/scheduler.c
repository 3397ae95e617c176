#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "jobs.h"
#include "log.h"
#include "scheduler.h"

/* pg_advisory_lock key of the leader: "soukschd" in ASCII. */
#define SCHEDULER_LOCK	"8317996141134440548"
#define SCHEDULER_TICK_MS 1000

/*
 * The periodic work soukd does; spec as in schedule_next() (migration
 * 0002_jobs.sql), read in the time zone.  Rows are synced into the
 * schedules table whenever a soukd becomes leader.
 */
static const struct schedule_def {
	const char	*name;
	const char	*kind;
	const char	*spec;
	const char	*timezone;
} schedule_defs[] = {
	{ "jobs.prune", "jobs.prune", "hourly :07", "UTC" },
	{ "events.prune", "events.prune", "every 1m", "UTC" },
	{ "stock.expire", "stock.expire", "every 1m", "UTC" },
	{ "search.words", "search.words", "daily 03:30", "Asia/Kolkata" },
	{ "media.gc", "media.gc", "hourly :37", "UTC" },
	{ "callbacks.due", "callbacks.due", "every 1m", "UTC" },
	{ "leads.sla", "leads.sla", "every 1m", "UTC" },
};

static const char scheduler_sync_sql[] =
    "INSERT INTO schedules (name, kind, spec, timezone, next_run_at) "
    "VALUES ($1, $2, $3, $4, schedule_next($3, $4, now())) "
    "ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind,"
    " spec = EXCLUDED.spec, timezone = EXCLUDED.timezone,"
    " next_run_at = CASE WHEN schedules.spec = EXCLUDED.spec AND"
    "  schedules.timezone = EXCLUDED.timezone THEN schedules.next_run_at"
    "  ELSE EXCLUDED.next_run_at END,"
    " updated_at = now()";

/*
 * Enqueues every due schedule's job, with its kind's attempts ($1 kinds,
 * $2 their attempts), and moves it to its next run.
 */
static const char scheduler_tick_sql[] =
    "WITH due AS ("
    " SELECT name, kind, payload FROM schedules"
    " WHERE enabled AND next_run_at <= now() FOR UPDATE SKIP LOCKED), "
    "ins AS ("
    " INSERT INTO jobs (kind, payload, unique_key, max_attempts)"
    " SELECT due.kind, due.payload, 'schedule:' || due.name,"
    "  coalesce(k.attempts, 10) FROM due"
    "  LEFT JOIN unnest($1::text[], $2::int[]) AS k (kind, attempts)"
    "  ON k.kind = due.kind"
    " ON CONFLICT (unique_key) WHERE state = 'pending' AND"
    "  unique_key IS NOT NULL DO NOTHING"
    " RETURNING id, unique_key), "
    "upd AS ("
    " UPDATE schedules s SET last_run_at = now(),"
    "  next_run_at = schedule_next(s.spec, s.timezone, now()),"
    "  last_job_id = coalesce((SELECT id FROM ins"
    "   WHERE ins.unique_key = 'schedule:' || s.name), s.last_job_id),"
    "  updated_at = now()"
    " FROM due WHERE s.name = due.name RETURNING s.name) "
    "SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins),"
    " CASE WHEN EXISTS (SELECT 1 FROM ins) THEN"
    " pg_notify('souk_jobs', '') END";

/* Takes back the jobs whose lease expired: their worker died. */
static const char scheduler_rescue_sql[] =
    "WITH old AS ("
    " SELECT id, locked_by FROM jobs"
    " WHERE state = 'running' AND locked_until < now()"
    " FOR UPDATE SKIP LOCKED), "
    "upd AS ("
    " UPDATE jobs j SET"
    "  state = CASE WHEN j.attempts >= j.max_attempts THEN 'failed'"
    "   ELSE 'pending' END,"
    "  finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,"
    "  run_at = now(),"
    "  last_error = 'lease expired: ' || old.locked_by ||"
    "   ' died or overran its lease',"
    "  errors = (CASE WHEN jsonb_array_length(j.errors) >= 20"
    "   THEN j.errors - 0 ELSE j.errors END) || jsonb_build_array("
    "   jsonb_build_object('attempt', j.attempts, 'at', rfc3339(now()),"
    "   'error', 'lease expired: ' || old.locked_by ||"
    "   ' died or overran its lease')),"
    "  locked_by = NULL, locked_until = NULL, updated_at = now()"
    " FROM old WHERE j.id = old.id RETURNING j.id) "
    "SELECT count(*), CASE WHEN count(*) > 0 THEN"
    " pg_notify('souk_jobs', '') END FROM upd";

static pthread_t	 scheduler_thread;
static bool		 scheduler_running;
static bool		 scheduler_leader;
static char		*scheduler_conninfo;
static char		*scheduler_kinds;	/* "{a,b}": every job kind */
static char		*scheduler_attempts;	/* "{3,10}": their attempts */
static int		 scheduler_pipe[2] = { -1, -1 };

bool
scheduler_leading(void)
{
	return __atomic_load_n(&scheduler_leader, __ATOMIC_ACQUIRE);
}

static void
scheduler_set_leader(bool on)
{
	__atomic_store_n(&scheduler_leader, on, __ATOMIC_RELEASE);
}

/* Sleeps up to ms, waking early when stopped. */
static void
scheduler_sleep(int ms)
{
	struct pollfd	pfd = { scheduler_pipe[0], POLLIN, 0 };

	(void)poll(&pfd, 1, ms);
}

static bool
scheduler_sync(struct db *db)
{
	const char	*params[4];
	PGresult	*res;
	size_t		 i;

	for (i = 0; i < sizeof schedule_defs / sizeof schedule_defs[0];
	    i++) {
		if (jobs_kind(schedule_defs[i].kind) == NULL)
			fatalx("schedule %s: unknown kind %s",
			    schedule_defs[i].name, schedule_defs[i].kind);
		params[0] = schedule_defs[i].name;
		params[1] = schedule_defs[i].kind;
		params[2] = schedule_defs[i].spec;
		params[3] = schedule_defs[i].timezone;
		if ((res = db_query(db, scheduler_sync_sql, 4, params)) ==
		    NULL) {
			log_error("schedule %s: %s", schedule_defs[i].name,
			    db_message(db));
			return false;
		}
		PQclear(res);
	}
	return true;
}

/* One leader's tick; false if the connection failed. */
static bool
scheduler_tick(struct db *db)
{
	const char	*params[2];
	PGresult	*res;
	long		 n;

	if ((res = db_query(db, scheduler_rescue_sql, 0, NULL)) == NULL)
		goto fail;
	if ((n = strtol(PQgetvalue(res, 0, 0), NULL, 10)) > 0)
		log_warn("scheduler: took back %ld job%s whose worker died or "
		    "overran its lease", n, n == 1 ? "" : "s");
	PQclear(res);
	params[0] = scheduler_kinds;
	params[1] = scheduler_attempts;
	if ((res = db_query(db, scheduler_tick_sql, 2, params)) == NULL)
		goto fail;
	if ((n = strtol(PQgetvalue(res, 0, 0), NULL, 10)) > 0)
		log_debug("scheduler: %ld schedule(s) due, %s job(s) "
		    "enqueued", n, PQgetvalue(res, 0, 1));
	PQclear(res);
	return true;
fail:
	log_warn("scheduler: %s", db_message(db));
	return db_status(db) != DB_UNAVAILABLE;
}

static void *
scheduler_main(void *unused)
{
	struct db	*db = NULL;
	PGresult	*res;
	char		*cause = NULL;
	bool		 warned = false;

	(void)unused;
	while (__atomic_load_n(&scheduler_running, __ATOMIC_ACQUIRE)) {
		if (db == NULL) {
			if ((db = db_open(scheduler_conninfo, false, &cause)) ==
			    NULL) {
				if (!warned)
					log_warn("scheduler: cannot connect: "
					    "%s", cause);
				warned = true;
				free(cause);
				cause = NULL;
				scheduler_sleep(SCHEDULER_TICK_MS);
				continue;
			}
			warned = false;
		}
		if (!scheduler_leading()) {
			res = db_query(db, "SELECT pg_try_advisory_lock("
			    SCHEDULER_LOCK ")", 0, NULL);
			if (res != NULL && PQgetvalue(res, 0, 0)[0] == 't') {
				scheduler_set_leader(true);
				log_info("scheduler: leading (pid %ld runs the "
				    "schedules)", (long)getpid());
				if (!scheduler_sync(db))
					goto lost;
			}
			PQclear(res);
			if (res == NULL && db_status(db) == DB_UNAVAILABLE)
				goto lost;
		}
		if (scheduler_leading() && !scheduler_tick(db))
			goto lost;
		scheduler_sleep(SCHEDULER_TICK_MS);
		continue;
lost:
		if (scheduler_leading())
			log_warn("scheduler: lost the database; no longer "
			    "leading");
		scheduler_set_leader(false);
		db_close(db);
		db = NULL;
		scheduler_sleep(SCHEDULER_TICK_MS);
	}
	/* Closing the session releases the lock for another soukd. */
	db_close(db);
	scheduler_set_leader(false);
	return NULL;
}

void
scheduler_start(const char *conninfo)
{
	struct buf	kinds, attempts;
	size_t		i;

	buf_init(&kinds, 0);
	buf_init(&attempts, 0);
	for (i = 0; i < job_nkinds; i++) {
		if (!buf_printf(&kinds, "%s%s", i == 0 ? "{" : ",",
		    job_kinds[i].name) || !buf_printf(&attempts, "%s%d",
		    i == 0 ? "{" : ",", jobs_kind_attempts(&job_kinds[i])))
			fatalx("scheduler_start");
	}
	if (!buf_adds(&kinds, "}") || !buf_adds(&attempts, "}"))
		fatalx("scheduler_start");
	scheduler_kinds = buf_take(&kinds, NULL);
	scheduler_attempts = buf_take(&attempts, NULL);
	scheduler_conninfo = xstrdup(conninfo);
	if (pipe(scheduler_pipe) != 0)
		fatal("scheduler_start: pipe");
	__atomic_store_n(&scheduler_running, true, __ATOMIC_RELEASE);
	if (pthread_create(&scheduler_thread, NULL, scheduler_main, NULL) != 0)
		fatalx("scheduler_start: pthread_create");
}

void
scheduler_stop(void)
{
	if (!__atomic_load_n(&scheduler_running, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&scheduler_running, false, __ATOMIC_RELEASE);
	if (write(scheduler_pipe[1], "x", 1) < 0)
		log_debug("scheduler_stop: wake");
	pthread_join(scheduler_thread, NULL);
	close(scheduler_pipe[0]);
	close(scheduler_pipe[1]);
	free(scheduler_conninfo);
	free(scheduler_kinds);
	free(scheduler_attempts);
	scheduler_conninfo = scheduler_kinds = scheduler_attempts = NULL;
}
