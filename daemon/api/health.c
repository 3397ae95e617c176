/*
 * health: is soukd up (/healthz), can it serve (/readyz: database reachable
 * and schema current), and how is it doing (/metrics).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "db.h"
#include "embed.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "req.h"

static const struct db_stmt health_stmts[] = {
	/* Applied migrations whose name and checksum match the built-in. */
	{ "health_schema",
	  "SELECT count(*) FROM schema_migrations m"
	  " JOIN unnest($1::text[], $2::text[]) AS e (name, checksum)"
	  " USING (name, checksum)" },
};

static const struct db_stmt *const stmt_schema = &health_stmts[0];

static const char healthz_body[] = "{\"status\":\"ok\"}";
static const char readyz_body[] = "{\"status\":\"ready\"}";

static char		*health_names;	/* {"0001_a.sql",...} */
static char		*health_sums;	/* {"9f86d0...",...} */
static pthread_once_t	 health_once = PTHREAD_ONCE_INIT;

/* Builds the built-in migrations' names and checksums as array literals. */
static void
health_init(void)
{
	struct buf	names, sums;
	char		hex[65];
	size_t		i;

	buf_init(&names, 0);
	buf_init(&sums, 0);
	for (i = 0; i < migrations_count; i++) {
		migrate_checksum(&migrations[i], hex);
		if (!buf_printf(&names, "%s\"%s\"", i == 0 ? "{" : ",",
		    migrations[i].name) ||
		    !buf_printf(&sums, "%s\"%s\"", i == 0 ? "{" : ",", hex))
			fatalx("health_init");
	}
	if (!buf_adds(&names, migrations_count == 0 ? "{}" : "}") ||
	    !buf_adds(&sums, migrations_count == 0 ? "{}" : "}"))
		fatalx("health_init");
	health_names = buf_take(&names, NULL);
	health_sums = buf_take(&sums, NULL);
}

static void
healthz(struct req *r)
{
	req_reply_json_text(r, 200, healthz_body, sizeof healthz_body - 1);
}

static void
readyz(struct req *r)
{
	PGresult	*res;
	const char	*params[2];
	long		 applied;

	pthread_once(&health_once, health_init);
	params[0] = health_names;
	params[1] = health_sums;
	if ((res = req_exec(r, stmt_schema, 2, params)) == NULL)
		return;
	applied = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (applied < (long)migrations_count) {
		req_problem(r, "unavailable", "%ld of %zu migrations are "
		    "applied as built into this soukd: see `soukd migrate "
		    "--status`", applied, migrations_count);
		return;
	}
	req_reply_json_text(r, 200, readyz_body, sizeof readyz_body - 1);
}

static void
metrics(struct req *r)
{
	size_t	 len;
	char	*text = metrics_render(&len);

	req_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", text,
	    len);
}

static const struct route health_routes[] = {
	{ "GET", "/healthz", healthz, NULL, "public",
	  "is the process up", 0 },
	{ "GET", "/readyz", readyz, NULL, "public",
	  "database reachable and schema current", 0 },
	{ "GET", "/metrics", metrics, NULL, "public",
	  "Prometheus metrics", 0 },
};

const struct api_module health_module = {
	"health", health_routes, API_NELEM(health_routes),
	health_stmts, API_NELEM(health_stmts),
};
