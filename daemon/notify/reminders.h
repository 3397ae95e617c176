/*
 * reminders: a personalised message for a user at a time (an abandoned
 * cart, a booking tomorrow, a payment due).  Scheduling one with a dedupe
 * key that was used before does nothing, so nobody gets the same reminder
 * twice however often the cause recurs.  At its time a job puts it in the
 * outbox on each of its channels, where the user's choices apply.
 */
#ifndef SOUKD_REMINDERS_H
#define SOUKD_REMINDERS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "jobs.h"

struct db;

struct reminder {
	int64_t		 user_id;
	const char	*kind;		/* a message kind (outbox.h) */
	unsigned	 channels;	/* OUTBOX_CH_* */
	json_t		*vars;		/* borrowed */
	int64_t		 delay_ms;	/* from now */
	const char	*dedupe_key;
};

void	reminders_init(void);
/*
 * Schedules a reminder in db's transaction.  *id gets its id, or 0 when
 * its dedupe key was used before (nothing is scheduled).  False with db's
 * status on failure.
 */
bool	reminders_schedule(struct db *, const struct reminder *, int64_t *id)
	    __attribute__((warn_unused_result));
/* Cancels a reminder not yet sent; *found says whether there was one. */
bool	reminders_cancel(struct db *, const char *dedupe_key, bool *found)
	    __attribute__((warn_unused_result));
/* The reminders.fire job. */
enum job_result reminders_fire_run(struct job *, struct db *);

#endif
