#include <stdlib.h>

#include "db.h"
#include "log.h"
#include "search.h"
#include "xmalloc.h"

static const struct db_stmt search_stmts[] = {
	/*
	 * The words of active listings' titles, categories and brands stay
	 * (and are added, should a trigger have missed one); the rest go.
	 * The DELETE does not see the rows the INSERT adds: one snapshot.
	 */
	{ "search_words_prune",
	  "WITH live AS MATERIALIZED (SELECT DISTINCT w FROM ("
	  " SELECT search_split(title) FROM listings WHERE status = 'active'"
	  " UNION ALL SELECT search_split(name) FROM categories"
	  " UNION ALL SELECT search_split(name) FROM brands) x(w)), "
	  "added AS (INSERT INTO search_words (word) SELECT w FROM live"
	  " ORDER BY w ON CONFLICT DO NOTHING) "
	  "DELETE FROM search_words s WHERE NOT EXISTS (SELECT 1 FROM live"
	  " WHERE live.w = s.word)" },
};

void
search_init(void)
{
	db_register(search_stmts, sizeof search_stmts / sizeof search_stmts[0]);
}

enum job_result
search_words_run(struct job *j, struct db *db)
{
	PGresult	*res;

	if ((res = db_exec(db, &search_stmts[0], 0, NULL)) == NULL) {
		j->error = xasprintf("%s", db_message(db));
		return JOB_RETRY;
	}
	log_info("search: dropped %s words no listing uses", PQcmdTuples(res));
	PQclear(res);
	return JOB_DONE;
}
