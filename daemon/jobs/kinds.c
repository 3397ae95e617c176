/*
 * kinds: every kind of job soukd runs, one row each.  A module that needs
 * background work writes its handler and adds its row here.  Kinds marked
 * test_only exist for the test suite and run only with test_mode = yes.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "events.h"
#include "jobs.h"
#include "log.h"
#include "media.h"
#include "outbox.h"
#include "reminders.h"
#include "search.h"
#include "stock.h"
#include "tele/dial.h"
#include "tele/sla.h"
#include "tele/work.h"
#include "voice.h"

static enum job_result
noop_run(struct job *j, struct db *db)
{
	(void)j;
	(void)db;
	return JOB_DONE;
}

/* {"ms": N}: sleeps, to stand in for slow work (killed mid-job in tests). */
static enum job_result
test_sleep_run(struct job *j, struct db *db)
{
	json_int_t	ms = json_integer_value(json_object_get(j->payload,
			    "ms"));

	(void)db;
	if (ms > 0)
		usleep((useconds_t)(ms > 600000 ? 600000 : ms) * 1000);
	return JOB_DONE;
}

/*
 * {"times": N, "permanent": bool, "retry_ms": N}: fails its first N
 * attempts (or for good), to exercise retries and backoff.
 */
static enum job_result
test_fail_run(struct job *j, struct db *db)
{
	json_int_t	times = json_integer_value(json_object_get(j->payload,
			    "times"));

	(void)db;
	if (json_is_true(json_object_get(j->payload, "permanent"))) {
		j->error = xasprintf("failing for good, as asked");
		return JOB_FAIL;
	}
	if (j->attempt > times)
		return JOB_DONE;
	j->error = xasprintf("failing attempt %d of %lld, as asked",
	    j->attempt, (long long)times);
	j->retry_ms = json_integer_value(json_object_get(j->payload,
	    "retry_ms"));
	return JOB_RETRY;
}

/*
 * Records each run in test_job_runs (a table the test creates), to prove
 * no job is lost or run twice.
 */
static enum job_result
test_record_run(struct job *j, struct db *db)
{
	char		 id[24], pid[16];
	const char	*params[2] = { id, pid };
	PGresult	*res;

	snprintf(id, sizeof id, "%lld", (long long)j->id);
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	res = db_query(db, "INSERT INTO test_job_runs (job_id, pid) "
	    "VALUES ($1, $2)", 2, params);
	if (res == NULL) {
		j->error = xasprintf("%s", db_message(db));
		return JOB_RETRY;
	}
	PQclear(res);
	return JOB_DONE;
}

const struct job_kind job_kinds[] = {
	{ "noop", noop_run, 1, false,
	  "does nothing: proves the queue works end to end", NULL, NULL, NULL },
	{ "jobs.prune", jobs_prune_run, 3, false,
	  "deletes finished jobs past their retention", NULL, NULL, NULL },
	{ "events.prune", events_prune_run, 3, false,
	  "deletes live events past the replay window", NULL, NULL, NULL },
	{ "notifications.send", outbox_send_run, 8, false,
	  "delivers one notification through its provider",
	  outbox_send_retry, outbox_send_cancel,
	  NULL },
	{ "reminders.fire", reminders_fire_run, 5, false,
	  "puts a due reminder in the outbox", NULL, NULL, NULL },
	{ "stock.low", stock_low_run, 5, false,
	  "tells a vendor a variant's stock is low", NULL, NULL, NULL },
	{ "stock.expire", stock_expire_run, 3, false,
	  "releases stock reservations past their time", NULL, NULL, NULL },
	{ "search.words", search_words_run, 3, false,
	  "drops the typo-correction words no listing uses", NULL, NULL, NULL },
	{ "media.gc", media_gc_run, 3, false,
	  "removes stored files no row refers to any more", NULL, NULL, NULL },
	{ "callbacks.due", tele_callbacks_due_run, 3, false,
	  "tells agents (or a queue) of callbacks that fell due", NULL,
	  NULL, NULL },
	{ "leads.sla", tele_sla_run, 3, false,
	  "flags inbound leads not contacted within their SLA", NULL, NULL,
	  NULL },
	{ "voice.dial", tele_dial_run, TELE_DIAL_ATTEMPTS, false,
	  "places a click-to-call through the voice provider", NULL, NULL,
	  voice_enabled },
	{ "voice.hangup", tele_hangup_run, TELE_HANGUP_ATTEMPTS, false,
	  "ends a click-to-call at the voice provider when the agent ends "
	  "it", NULL, NULL, voice_enabled },
	{ "test.sleep", test_sleep_run, 3, true, "sleeps (tests)", NULL,
	  NULL, NULL },
	{ "test.fail", test_fail_run, 0, true, "fails as asked (tests)", NULL,
	  NULL, NULL },
	{ "test.record", test_record_run, 0, true,
	  "records each run (tests)", NULL, NULL, NULL },
};
const size_t job_nkinds = sizeof job_kinds / sizeof job_kinds[0];
