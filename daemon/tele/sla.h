/*
 * sla: first contact of inbound leads and customer queries is due by
 * their sla_due_at.  The leads.sla job (every minute) flags the leads
 * whose time passed without a first contact, once each.
 */
#ifndef SOUK_TELE_SLA_H
#define SOUK_TELE_SLA_H

#include "jobs.h"

struct db;

/*
 * The leads.sla job: records a `sla_breached` lead event and publishes
 * lead.sla_breached on "leads" (and the lead's queue) for each newly
 * breached lead, up to 1000 a run.
 */
enum job_result tele_sla_run(struct job *, struct db *);

#endif
