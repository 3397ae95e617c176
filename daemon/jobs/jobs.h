/*
 * jobs: the work soukd does outside requests, queued in PostgreSQL.  A job
 * is enqueued in the same transaction as the change that causes it, so it
 * exists exactly when that change does.  Workers claim jobs with FOR
 * UPDATE SKIP LOCKED, run the handler of the job's kind and record done,
 * retry (with exponential backoff and jitter) or failed.  A worker that
 * dies leaves its jobs to be taken up again when their lease expires, so
 * every handler must be safe to run twice.
 */
#ifndef SOUKD_JOBS_H
#define SOUKD_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct config;
struct db;

/* What a handler is given, and what it says back. */
struct job {
	int64_t		 id;
	const char	*kind;
	json_t		*payload;	/* an object; borrowed */
	int		 attempt;	/* 1 on the first run */
	int		 max_attempts;
	char		*error;		/* set with xasprintf on retry/fail */
	int64_t		 retry_ms;	/* on retry: when; 0 = backoff */
};

enum job_result {
	JOB_DONE,
	JOB_RETRY,	/* try again later (until max_attempts) */
	JOB_FAIL,	/* never try again */
};

struct job_kind {
	const char	*name;
	enum job_result	 (*run)(struct job *, struct db *);
	int		 max_attempts;	/* default when enqueued; 0: 10 */
	bool		 test_only;	/* registered only with test_mode */
	const char	*summary;
	/*
	 * Optional, run in the transaction of a staff retry (of a failed or
	 * cancelled job) or cancel (of a pending one) with the job's
	 * payload, for what the job stands for to follow.  False with db's
	 * status on a database failure; retry may also refuse, with the
	 * reason in *refused (caller frees).
	 */
	bool		 (*retry)(struct db *, json_t *payload, char **refused);
	bool		 (*cancel)(struct db *, json_t *payload);
	/*
	 * Optional: false when this soukd cannot run the kind (its provider
	 * is not configured here), so that a soukd which can claims it.
	 */
	bool		 (*runs)(void);
};

/* Every kind soukd knows (kinds.c). */
extern const struct job_kind job_kinds[];
extern const size_t job_nkinds;
/* The kind with that name, if this soukd runs it; NULL otherwise. */
const struct job_kind *jobs_kind(const char *name);
/* The attempts a job of kind k gets when not told: its own, else 10. */
int	jobs_kind_attempts(const struct job_kind *k);

struct job_new {
	const char	*kind;
	const char	*payload;	/* JSON object text; NULL = {} */
	int		 priority;	/* -100..100, higher first */
	int64_t		 delay_ms;	/* run no sooner than this from now */
	int		 max_attempts;	/* 0: the kind's default */
	const char	*unique_key;	/* NULL, or: no second pending job */
};

/*
 * Enqueues a job on db, inside whatever transaction db is in (the caller's
 * change and its job commit or roll back together).  *id gets the job's id,
 * or 0 when unique_key matched a pending job and nothing was added.  False
 * with db's status set on failure.
 */
bool	jobs_enqueue(struct db *, const struct job_new *, int64_t *id)
	    __attribute__((warn_unused_result));

/*
 * The delay before retry number attempt (1 = after the first failure):
 * exponential from 1 s, capped at 1 h, with full jitter from rnd (any
 * 32-bit value).  Pure, for tests.
 */
int64_t	jobs_backoff_ms(int attempt, uint32_t rnd);

/*
 * Registers the queue's statements and reads its settings; every role
 * calls it before the first connection (the API enqueues too).
 */
void	jobs_init(const struct config *);
/* Starts the worker threads (and their NOTIFY subscription). */
void	jobs_start(const struct config *);
/*
 * Stops the workers: each finishes the job it is running and hands back
 * the rest of its batch.  Waits up to ms; false if a job was still running
 * then (it is left to its lease).  Fine if never started.
 */
bool	jobs_stop(int64_t ms);
/* Wakes idle workers (NOTIFY does this across processes). */
void	jobs_wake(void);
/* The jobs.prune kind: deletes finished jobs past their retention. */
enum job_result jobs_prune_run(struct job *, struct db *);
/* Jobs run by this process, by outcome, for /metrics. */
void	jobs_stats(uint64_t *done, uint64_t *retried, uint64_t *failed);

#endif
