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
#include "jobs.h"
#include "listen.h"
#include "log.h"

#define JOBS_CHANNEL		"souk_jobs"
#define JOBS_POLL_MS		1000
#define JOBS_BACKOFF_BASE_MS	1000
#define JOBS_BACKOFF_CAP_MS	(3600 * 1000)
#define JOBS_PRUNE_BATCH	"5000"

static const struct db_stmt jobs_stmts[] = {
	{ "jobs_enqueue",
	  "WITH ins AS ("
	  " INSERT INTO jobs (kind, payload, priority, run_at, max_attempts,"
	  "  unique_key)"
	  " VALUES ($1, $2::jsonb, $3, now() + $4::bigint * interval '1 ms',"
	  "  $5, $6)"
	  " ON CONFLICT (unique_key) WHERE state = 'pending' AND"
	  "  unique_key IS NOT NULL DO NOTHING"
	  " RETURNING id, run_at) "
	  "SELECT id, CASE WHEN run_at <= now() THEN"
	  " pg_notify('" JOBS_CHANNEL "', '') END FROM ins" },
	/*
	 * $1 batch size, $2 worker, $3 lease ms, $4 kinds this soukd runs;
	 * a function so that its plan never sorts (migration 0033).
	 */
	{ "jobs_claim",
	  "SELECT id, kind, payload, attempts, max_attempts"
	  " FROM jobs_claim($1, $2, $3::bigint, $4::text[])" },
	/* The attempt number fences off a worker whose lease has expired. */
	{ "jobs_done",
	  "UPDATE jobs j SET state = 'done', finished_at = now(),"
	  " updated_at = now(), locked_by = NULL, locked_until = NULL "
	  "FROM unnest($1::bigint[], $2::int[]) AS d (id, attempt) "
	  "WHERE j.id = d.id AND j.attempts = d.attempt AND j.state = 'running'" },
	/*
	 * $1 id, $2 attempt, $3 delay ms, $4 error, $5 for good.  A job
	 * failing for good is a live event on the jobs topic.
	 */
	{ "jobs_retry",
	  "WITH u AS (UPDATE jobs SET"
	  " state = CASE WHEN $5::boolean OR attempts >= max_attempts"
	  "  THEN 'failed' ELSE 'pending' END,"
	  " finished_at = CASE WHEN $5::boolean OR attempts >= max_attempts"
	  "  THEN now() END,"
	  " run_at = now() + $3::bigint * interval '1 ms',"
	  " last_error = $4,"
	  " errors = (CASE WHEN jsonb_array_length(errors) >= 20"
	  "  THEN errors - 0 ELSE errors END) || jsonb_build_array("
	  "  jsonb_build_object('attempt', attempts, 'at', rfc3339(now()),"
	  "  'error', $4::text)),"
	  " locked_by = NULL, locked_until = NULL, updated_at = now() "
	  "WHERE id = $1 AND attempts = $2 AND state = 'running' "
	  "RETURNING id, kind, state),"
	  " e AS (INSERT INTO events (topic, type, data)"
	  "  SELECT 'jobs', 'job.failed', jsonb_build_object('id', id, 'kind',"
	  "  kind) FROM u WHERE state = 'failed' RETURNING id) "
	  "SELECT state, (SELECT pg_notify('souk_events', '') FROM e) FROM u" },
	/* $1 retention of done and cancelled jobs, $2 of failed ones (ms). */
	{ "jobs_prune",
	  "DELETE FROM jobs WHERE id IN ("
	  " SELECT id FROM jobs WHERE finished_at IS NOT NULL AND"
	  "  finished_at < now() - CASE state WHEN 'failed'"
	  "  THEN $2::bigint ELSE $1::bigint END * interval '1 ms'"
	  " LIMIT " JOBS_PRUNE_BATCH ")" },
	{ "jobs_release",
	  "UPDATE jobs j SET state = 'pending', attempts = j.attempts - 1,"
	  " locked_by = NULL, locked_until = NULL, updated_at = now() "
	  "FROM unnest($1::bigint[], $2::int[]) AS d (id, attempt) "
	  "WHERE j.id = d.id AND j.attempts = d.attempt AND j.state = 'running'" },
};

enum {
	STMT_ENQUEUE, STMT_CLAIM, STMT_DONE, STMT_RETRY, STMT_PRUNE,
	STMT_RELEASE,
};

static pthread_mutex_t	 jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 jobs_cv = PTHREAD_COND_INITIALIZER;
static uint64_t		 jobs_gen;		/* bumped by every wake-up */
static bool		 jobs_stopping;
static pthread_t	*jobs_threads;
static int		 jobs_nthreads;
static int		 jobs_batch = 8;
static int64_t		 jobs_lease_ms = 300000;
static int64_t		 jobs_retention_ms = 7LL * 86400 * 1000;
static int64_t		 jobs_failed_retention_ms = 30LL * 86400 * 1000;
static char		*jobs_kind_list;	/* "{a,b,c}" */
static bool		 jobs_registered;
static uint64_t		 jobs_count_done, jobs_count_retried,
			 jobs_count_failed;

static bool jobs_stopped(void);

void
jobs_init(const struct config *c)
{
	if (!jobs_registered) {
		db_register(jobs_stmts, sizeof jobs_stmts / sizeof jobs_stmts[0]);
		jobs_registered = true;
	}
	jobs_batch = (int)c->job_batch;
	jobs_lease_ms = c->job_lease_ms;
	jobs_retention_ms = c->job_retention_ms;
	jobs_failed_retention_ms = c->job_failed_retention_ms;
}

enum job_result
jobs_prune_run(struct job *j, struct db *db)
{
	const char	*params[2];
	char		 keep[24], keep_failed[24];
	PGresult	*res;
	long		 n, total = 0;

	snprintf(keep, sizeof keep, "%lld", (long long)jobs_retention_ms);
	snprintf(keep_failed, sizeof keep_failed, "%lld",
	    (long long)jobs_failed_retention_ms);
	params[0] = keep;
	params[1] = keep_failed;
	/* Small batches: no long transaction pins the vacuum horizon. */
	do {
		if ((res = db_exec(db, &jobs_stmts[STMT_PRUNE], 2, params)) ==
		    NULL) {
			j->error = xasprintf("pruning: %s", db_message(db));
			return JOB_RETRY;
		}
		n = strtol(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		total += n;
	} while (n == strtol(JOBS_PRUNE_BATCH, NULL, 10) && !jobs_stopped());
	if (total > 0)
		log_info("pruned %ld finished jobs", total);
	return JOB_DONE;
}

const struct job_kind *
jobs_kind(const char *name)
{
	size_t	i;

	for (i = 0; i < job_nkinds; i++) {
		if (strcmp(job_kinds[i].name, name) == 0)
			return &job_kinds[i];
	}
	return NULL;
}

int
jobs_kind_attempts(const struct job_kind *k)
{
	return k->max_attempts > 0 ? k->max_attempts : 10;
}

bool
jobs_enqueue(struct db *db, const struct job_new *j, int64_t *id)
{
	const struct job_kind	*k = jobs_kind(j->kind);
	const char		*params[6];
	char			 prio[16], delay[24], attempts[16];
	PGresult		*res;

	if (k == NULL)
		fatalx("jobs_enqueue: unknown kind %s", j->kind);
	snprintf(prio, sizeof prio, "%d", j->priority);
	snprintf(delay, sizeof delay, "%lld", (long long)j->delay_ms);
	snprintf(attempts, sizeof attempts, "%d", j->max_attempts > 0 ?
	    j->max_attempts : jobs_kind_attempts(k));
	params[0] = j->kind;
	params[1] = j->payload != NULL ? j->payload : "{}";
	params[2] = prio;
	params[3] = delay;
	params[4] = attempts;
	params[5] = j->unique_key;
	if ((res = db_exec(db, &jobs_stmts[STMT_ENQUEUE], 6, params)) == NULL)
		return false;
	if (id != NULL)
		*id = PQntuples(res) > 0 ? strtoll(PQgetvalue(res, 0, 0), NULL,
		    10) : 0;
	PQclear(res);
	return true;
}

int64_t
jobs_backoff_ms(int attempt, uint32_t rnd)
{
	int64_t	ceiling = JOBS_BACKOFF_BASE_MS;

	if (attempt < 1)
		attempt = 1;
	while (--attempt > 0 && ceiling < JOBS_BACKOFF_CAP_MS)
		ceiling *= 2;
	if (ceiling > JOBS_BACKOFF_CAP_MS)
		ceiling = JOBS_BACKOFF_CAP_MS;
	/* Full jitter: anywhere from half the ceiling up to it. */
	return ceiling / 2 + (int64_t)((uint64_t)rnd % (uint64_t)(ceiling / 2 +
	    1));
}

void
jobs_wake(void)
{
	pthread_mutex_lock(&jobs_mu);
	jobs_gen++;
	pthread_cond_broadcast(&jobs_cv);
	pthread_mutex_unlock(&jobs_mu);
}

static void
jobs_notified(void *arg, const char *channel, const char *payload)
{
	(void)arg;
	(void)channel;
	(void)payload;
	jobs_wake();
}

/* Sleeps until woken (gen moved past seen), stopped, or ms passed. */
static void
jobs_wait(uint64_t seen, int64_t ms)
{
	struct timespec	until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&jobs_mu);
	while (jobs_gen == seen && !jobs_stopping) {
		if (pthread_cond_timedwait(&jobs_cv, &jobs_mu, &until) != 0)
			break;
	}
	pthread_mutex_unlock(&jobs_mu);
}

static bool
jobs_stopped(void)
{
	bool	s;

	pthread_mutex_lock(&jobs_mu);
	s = jobs_stopping;
	pthread_mutex_unlock(&jobs_mu);
	return s;
}

/* Appends "id" to an array literal being built in b. */
static void
jobs_lit_add(struct buf *b, int64_t v)
{
	if (!buf_printf(b, "%s%lld", b->len > 1 ? "," : "", (long long)v))
		fatalx("jobs_lit_add");
}

/* Runs a statement over (id, attempt) pairs. */
static bool
jobs_pairs(struct db *db, const struct db_stmt *stmt, const int64_t *ids,
    const int *attempts, int n)
{
	struct buf	 a, b;
	const char	*params[2];
	PGresult	*res;
	int		 i;

	if (n == 0)
		return true;
	buf_init(&a, 0);
	buf_init(&b, 0);
	if (!buf_adds(&a, "{") || !buf_adds(&b, "{"))
		fatalx("jobs_pairs");
	for (i = 0; i < n; i++) {
		jobs_lit_add(&a, ids[i]);
		jobs_lit_add(&b, attempts[i]);
	}
	if (!buf_adds(&a, "}") || !buf_adds(&b, "}"))
		fatalx("jobs_pairs");
	params[0] = a.data;
	params[1] = b.data;
	res = db_exec(db, stmt, 2, params);
	buf_free(&a);
	buf_free(&b);
	if (res == NULL)
		return false;
	PQclear(res);
	return true;
}

/* Records a retry or a failure; logs what became of the job. */
static void
jobs_record_failure(struct db *db, struct job *j, enum job_result r)
{
	const char	*params[5];
	char		 id[24], attempt[16], delay[24];
	PGresult	*res;
	int64_t		 ms;

	ms = j->retry_ms > 0 ? j->retry_ms :
	    jobs_backoff_ms(j->attempt, randombytes_random());
	snprintf(id, sizeof id, "%lld", (long long)j->id);
	snprintf(attempt, sizeof attempt, "%d", j->attempt);
	snprintf(delay, sizeof delay, "%lld", (long long)ms);
	params[0] = id;
	params[1] = attempt;
	params[2] = delay;
	params[3] = j->error != NULL ? j->error : "no reason given";
	params[4] = r == JOB_FAIL ? "true" : "false";
	if ((res = db_exec(db, &jobs_stmts[STMT_RETRY], 5, params)) == NULL) {
		log_warn("job %lld: recording its failure: %s",
		    (long long)j->id, db_message(db));
		return;
	}
	if (PQntuples(res) > 0 && strcmp(PQgetvalue(res, 0, 0), "failed") ==
	    0) {
		log_warn("job %lld (%s) failed for good after attempt %d: %s",
		    (long long)j->id, j->kind, j->attempt, params[3]);
		__atomic_add_fetch(&jobs_count_failed, 1, __ATOMIC_RELAXED);
	} else if (PQntuples(res) > 0) {
		log_info("job %lld (%s) attempt %d: %s; retrying in %lldms",
		    (long long)j->id, j->kind, j->attempt, params[3],
		    (long long)ms);
		__atomic_add_fetch(&jobs_count_retried, 1, __ATOMIC_RELAXED);
	} else
		log_warn("job %lld: its lease had expired; another worker "
		    "has it", (long long)j->id);
	PQclear(res);
}

/* Claims a batch and runs it; returns how many jobs were claimed. */
static int
jobs_round(struct db *db, const char *worker)
{
	const char		*params[4];
	char			 batch[16], lease[24];
	PGresult		*res;
	struct job		 j;
	const struct job_kind	*k;
	enum job_result		 r;
	struct timespec		 claimed, now;
	int64_t			*done_ids, *left_ids;
	int			*done_att, *left_att;
	int			 n, i, ndone = 0, nleft = 0;

	snprintf(batch, sizeof batch, "%d", jobs_batch);
	snprintf(lease, sizeof lease, "%lld", (long long)jobs_lease_ms);
	params[0] = batch;
	params[1] = worker;
	params[2] = lease;
	params[3] = jobs_kind_list;
	if ((res = db_exec(db, &jobs_stmts[STMT_CLAIM], 4, params)) == NULL) {
		log_warn("claiming jobs: %s", db_message(db));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &claimed);
	n = PQntuples(res);
	done_ids = xcalloc((size_t)n + 1, sizeof *done_ids);
	done_att = xcalloc((size_t)n + 1, sizeof *done_att);
	left_ids = xcalloc((size_t)n + 1, sizeof *left_ids);
	left_att = xcalloc((size_t)n + 1, sizeof *left_att);
	for (i = 0; i < n; i++) {
		memset(&j, 0, sizeof j);
		j.id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		j.kind = PQgetvalue(res, i, 1);
		j.attempt = atoi(PQgetvalue(res, i, 3));
		j.max_attempts = atoi(PQgetvalue(res, i, 4));
		clock_gettime(CLOCK_MONOTONIC, &now);
		/*
		 * Past half the lease, or stopping: hand the rest back rather
		 * than run a job whose lease may expire under it.
		 */
		if (jobs_stopped() || (now.tv_sec - claimed.tv_sec) * 1000 >
		    jobs_lease_ms / 2) {
			left_ids[nleft] = j.id;
			left_att[nleft++] = j.attempt;
			continue;
		}
		j.payload = json_loads(PQgetvalue(res, i, 2), 0, NULL);
		k = jobs_kind(j.kind);
		log_debug("job %lld (%s) attempt %d", (long long)j.id, j.kind,
		    j.attempt);
		r = k != NULL && j.payload != NULL ? k->run(&j, db) : JOB_FAIL;
		if (k == NULL || j.payload == NULL)
			j.error = xasprintf("cannot run: unknown kind or bad "
			    "payload");
		/* A handler must leave the connection as it found it. */
		if (PQtransactionStatus(db_pgconn(db)) != PQTRANS_IDLE) {
			log_error("job %lld (%s) left a transaction open",
			    (long long)j.id, j.kind);
			if (!db_command(db, "ROLLBACK"))
				log_warn("rollback: %s", db_message(db));
		}
		if (r == JOB_DONE) {
			done_ids[ndone] = j.id;
			done_att[ndone++] = j.attempt;
			__atomic_add_fetch(&jobs_count_done, 1,
			    __ATOMIC_RELAXED);
		} else
			jobs_record_failure(db, &j, r);
		free(j.error);
		json_decref(j.payload);
	}
	if (!jobs_pairs(db, &jobs_stmts[STMT_DONE], done_ids, done_att, ndone))
		log_warn("recording %d done jobs: %s (their leases will "
		    "expire and they will run again)", ndone, db_message(db));
	if (!jobs_pairs(db, &jobs_stmts[STMT_RELEASE], left_ids, left_att,
	    nleft))
		log_warn("handing back %d jobs: %s", nleft, db_message(db));
	free(done_ids);
	free(done_att);
	free(left_ids);
	free(left_att);
	PQclear(res);
	return n;
}

static void *
jobs_worker(void *arg)
{
	char		 worker[128], host[64];
	struct db	*db = db_thread();
	uint64_t	 seen;
	int		 n, idle_ms = 0;

	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	snprintf(worker, sizeof worker, "%s:%ld:%d", host, (long)getpid(),
	    (int)(intptr_t)arg);
	while (!jobs_stopped()) {
		pthread_mutex_lock(&jobs_mu);
		seen = jobs_gen;
		pthread_mutex_unlock(&jobs_mu);
		if (!db_ready(db)) {
			/* The database is away: back off up to the poll. */
			idle_ms = idle_ms == 0 ? 100 : idle_ms * 2;
			if (idle_ms > JOBS_POLL_MS)
				idle_ms = JOBS_POLL_MS;
			jobs_wait(seen, idle_ms);
			continue;
		}
		idle_ms = 0;
		if ((n = jobs_round(db, worker)) <= 0)
			jobs_wait(seen, JOBS_POLL_MS);
	}
	db_thread_close();
	return NULL;
}

void
jobs_start(const struct config *c)
{
	struct buf	b;
	size_t		i;
	int		t;

	jobs_init(c);
	buf_init(&b, 0);
	if (!buf_adds(&b, "{"))
		fatalx("jobs_start");
	for (i = 0; i < job_nkinds; i++) {
		if ((job_kinds[i].test_only && !c->test_mode) ||
		    (job_kinds[i].runs != NULL && !job_kinds[i].runs()))
			continue;
		if (!buf_printf(&b, "%s\"%s\"", b.len > 1 ? "," : "",
		    job_kinds[i].name))
			fatalx("jobs_start");
	}
	if (!buf_adds(&b, "}"))
		fatalx("jobs_start");
	jobs_kind_list = buf_take(&b, NULL);
	listen_subscribe(JOBS_CHANNEL, jobs_notified, NULL);
	jobs_nthreads = (int)c->job_workers;
	jobs_threads = xcalloc((size_t)jobs_nthreads, sizeof *jobs_threads);
	for (t = 0; t < jobs_nthreads; t++) {
		if (pthread_create(&jobs_threads[t], NULL, jobs_worker,
		    (void *)(intptr_t)t) != 0)
			fatalx("jobs_start: pthread_create");
	}
}

bool
jobs_stop(int64_t ms)
{
	struct timespec	until;
	int		t;
	bool		all = true;

	pthread_mutex_lock(&jobs_mu);
	jobs_stopping = true;
	pthread_cond_broadcast(&jobs_cv);
	pthread_mutex_unlock(&jobs_mu);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000 + 1;
	for (t = 0; t < jobs_nthreads; t++) {
		if (pthread_timedjoin_np(jobs_threads[t], NULL, &until) != 0) {
			/* Left running: the process exits under it. */
			all = false;
			pthread_detach(jobs_threads[t]);
		}
	}
	free(jobs_threads);
	jobs_threads = NULL;
	jobs_nthreads = 0;
	if (all) {
		free(jobs_kind_list);
		jobs_kind_list = NULL;
	}
	return all;
}

void
jobs_stats(uint64_t *done, uint64_t *retried, uint64_t *failed)
{
	*done = __atomic_load_n(&jobs_count_done, __ATOMIC_RELAXED);
	*retried = __atomic_load_n(&jobs_count_retried, __ATOMIC_RELAXED);
	*failed = __atomic_load_n(&jobs_count_failed, __ATOMIC_RELAXED);
}
