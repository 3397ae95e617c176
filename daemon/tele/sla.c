#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "events.h"
#include "log.h"
#include "tele/sla.h"
#include "xmalloc.h"

/* Once a minute: not worth a prepared statement on every connection. */
static const char sla_breached_sql[] =
    "WITH b AS (SELECT l.id, l.queue_id, l.owner_id, l.sla_due_at"
    "  FROM leads l WHERE l.first_contact_at IS NULL"
    "  AND l.sla_due_at <= now() AND NOT EXISTS (SELECT 1 FROM lead_events e"
    "  WHERE e.lead_id = l.id AND e.type = 'sla_breached')"
    "  ORDER BY l.sla_due_at LIMIT 1000 FOR UPDATE OF l SKIP LOCKED),"
    " e AS (INSERT INTO lead_events (lead_id, type, data)"
    "  SELECT id, 'sla_breached', jsonb_build_object('sla_due_at',"
    "  rfc3339(sla_due_at)) FROM b)"
    " SELECT json_build_object('id', id, 'queue_id', queue_id, 'owner_id',"
    " owner_id, 'sla_due_at', rfc3339(sla_due_at))::text, queue_id FROM b";

struct sla_tx {
	int	n;
};

static bool
sla_tx_run(struct db *db, void *arg)
{
	struct sla_tx	*t = arg;
	PGresult	*res;
	char		 topic[40];
	int		 i;
	bool		 ok = true;

	if ((res = db_query(db, sla_breached_sql, 0, NULL)) == NULL)
		return false;
	t->n = PQntuples(res);
	for (i = 0; ok && i < t->n; i++) {
		ok = events_publish(db, "leads", "lead.sla_breached",
		    PQgetvalue(res, i, 0));
		if (ok && !PQgetisnull(res, i, 1)) {
			snprintf(topic, sizeof topic, "queue:%s",
			    PQgetvalue(res, i, 1));
			ok = events_publish(db, topic, "lead.sla_breached",
			    PQgetvalue(res, i, 0));
		}
	}
	PQclear(res);
	return ok;
}

enum job_result
tele_sla_run(struct job *j, struct db *db)
{
	struct sla_tx	t = { 0 };

	if (!db_tx(db, DB_READ_COMMITTED, sla_tx_run, &t)) {
		j->error = xasprintf("%s", db_message(db));
		return JOB_RETRY;
	}
	if (t.n > 0)
		log_info("leads: %d leads breached their first-contact SLA",
		    t.n);
	return JOB_DONE;
}
