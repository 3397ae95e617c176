/*
 * scheduler: periodic work.  Every soukd that runs workers also runs a
 * scheduler thread, but only the one holding a PostgreSQL advisory lock
 * leads: it enqueues the jobs of due schedules and takes back the jobs of
 * dead workers (expired leases).  When the leader dies its session ends,
 * the lock is free, and another soukd takes over within a second or two.
 */
#ifndef SOUKD_SCHEDULER_H
#define SOUKD_SCHEDULER_H

#include <stdbool.h>

/* Starts the scheduler thread on its own connection. */
void	scheduler_start(const char *conninfo);
/* Stops it (giving up leadership); fine if never started. */
void	scheduler_stop(void);
/* True while this soukd leads. */
bool	scheduler_leading(void);

#endif
