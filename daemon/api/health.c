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
#include "req.h"

static const struct db_stmt health_stmts[] = {
	{ "health_schema",
	  "SELECT count(*) FROM schema_migrations WHERE name = ANY ($1)" },
};

static const struct db_stmt *const stmt_schema = &health_stmts[0];

static const char healthz_body[] = "{\"status\":\"ok\"}";
static const char readyz_body[] = "{\"status\":\"ready\"}";

static char		*health_names;	/* "{a.sql,b.sql}" */
static pthread_once_t	 health_names_once = PTHREAD_ONCE_INIT;

/* Builds the names of the built-in migrations as an array literal. */
static void
health_names_init(void)
{
	struct buf	b;
	size_t		i;

	buf_init(&b, 0);
	if (!buf_adds(&b, "{"))
		fatalx("health_names_init");
	for (i = 0; i < migrations_count; i++) {
		if (!buf_printf(&b, "%s\"%s\"", i == 0 ? "" : ",",
		    migrations[i].name))
			fatalx("health_names_init");
	}
	if (!buf_adds(&b, "}"))
		fatalx("health_names_init");
	health_names = buf_take(&b, NULL);
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
	const char	*params[1];
	long		 applied;

	pthread_once(&health_names_once, health_names_init);
	params[0] = health_names;
	if ((res = req_exec(r, stmt_schema, 1, params)) == NULL)
		return;
	applied = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (applied < (long)migrations_count) {
		req_problem(r, "unavailable", "%ld of %zu migrations are "
		    "applied: run `soukd migrate`", applied, migrations_count);
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
	  "is the process up" },
	{ "GET", "/readyz", readyz, NULL, "public",
	  "database reachable and schema current" },
	{ "GET", "/metrics", metrics, NULL, "public",
	  "Prometheus metrics" },
};

const struct api_module health_module = {
	"health", health_routes, API_NELEM(health_routes),
	health_stmts, API_NELEM(health_stmts),
};
