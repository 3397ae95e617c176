/*
 * health: soukd's health checks side by side: the process (/healthz),
 * readiness (/readyz: database reachable, schema current) and the API
 * document (/v1/openapi.json, for the version), each with its round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "table.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

struct health_check {
	const char	*name;
	const char	*path;
	const char	*good;		/* the status when it answers 2xx */
};

static const struct health_check health_checks[] = {
	{ "process", "/healthz", "ok" },
	{ "ready", "/readyz", "ready" },
	{ "api", "/v1/openapi.json", "ok" },
};

#define HEALTH_N	(sizeof health_checks / sizeof health_checks[0])

static const struct table_col health_cols[] = {
	{ "CHECK", TABLE_TEXT, 5, 0, 0, false },
	{ "STATUS", TABLE_TEXT, 6, 0, 0, false },
	{ "LATENCY", TABLE_NUMBER, 7, 0, 2, false },
	{ "ENDPOINT", TABLE_TEXT, 8, 0, 3, true },
	{ "DETAIL", TABLE_TEXT, 10, 0, 1, true },
};

struct health {
	struct {
		bool	 done;
		bool	 ok;
		char	*status;
		char	*detail;
		long	 latency;
	} slot[HEALTH_N];
};

static void
health_reset(struct health *h)
{
	size_t	i;

	for (i = 0; i < HEALTH_N; i++) {
		free(h->slot[i].status);
		free(h->slot[i].detail);
		memset(&h->slot[i], 0, sizeof h->slot[i]);
	}
}

static void
health_load(struct view *v)
{
	size_t	i;

	health_reset(v->data);
	for (i = 0; i < HEALTH_N; i++)
		view_request(v, (int)i, "GET", health_checks[i].path, NULL);
}

static void
health_result(struct view *v, struct request *r)
{
	struct health	*h = v->data;
	const char	*cells[5], *version;
	char		 lat[32];
	json_t		*list, *item;
	size_t		 i, bad = 0;

	if (r->tag < 0 || (size_t)r->tag >= HEALTH_N)
		return;
	i = (size_t)r->tag;
	h->slot[i].done = true;
	h->slot[i].latency = r->resp.latency_ms;
	switch (r->resp.status) {
	case CLIENT_OK:
		h->slot[i].ok = true;
		h->slot[i].status = xstrdup(health_checks[i].good);
		version = json_string_value(json_object_get(json_object_get(
		    r->resp.json, "info"), "version"));
		if (version != NULL)
			h->slot[i].detail = xasprintf("souk API %s", version);
		break;
	case CLIENT_NETWORK:
		h->slot[i].status = xstrdup("unreachable");
		h->slot[i].detail = xstrdup(r->resp.message);
		h->slot[i].latency = -1;
		break;
	default:
		h->slot[i].status = xstrdup(r->resp.http == 503 ?
		    "not ready" : "failing");
		h->slot[i].detail = xstrdup(r->resp.message != NULL ?
		    r->resp.message : "");
		break;
	}
	if (v->inflight > 0)
		return;

	/* Every check is back: show them in their order. */
	list = json_array();
	table_load_begin(v->table);
	for (i = 0; i < HEALTH_N; i++) {
		if (!h->slot[i].done)
			continue;
		if (h->slot[i].latency >= 0)
			snprintf(lat, sizeof lat, "%ldms", h->slot[i].latency);
		else
			lat[0] = '\0';
		cells[0] = health_checks[i].name;
		cells[1] = h->slot[i].status;
		cells[2] = lat;
		cells[3] = health_checks[i].path;
		cells[4] = h->slot[i].detail != NULL ? h->slot[i].detail : "";
		table_load_add(v->table, cells[0], cells, NULL);
		item = json_pack("{s:s, s:s, s:s, s:s}", "check", cells[0],
		    "status", cells[1], "endpoint", cells[3], "detail",
		    cells[4]);
		if (item == NULL)
			continue;
		if (h->slot[i].latency >= 0)
			json_object_set_new(item, "latency_ms",
			    json_integer(h->slot[i].latency));
		json_array_append_new(list, item);
		if (!h->slot[i].ok)
			bad++;
	}
	table_load_end(v->table);
	json_decref(v->json);
	v->json = list;
	view_done(v);
	if (bad > 0) {
		free(v->error);
		v->error = xasprintf("%zu of %zu health checks fail", bad,
		    HEALTH_N);
		app_message(v->app, MSG_ERROR, "%s", v->error);
	}
}

static void
health_free(struct view *v)
{
	if (v->data == NULL)
		return;
	health_reset(v->data);
	free(v->data);
}

static const struct view_ops health_ops = {
	"health", SCOPE_HEALTH, WIDGET_TABLE, NULL, "no checks",
	health_load, health_result, NULL, health_free, 0, NULL,
};

struct view *
health_view(struct app *a)
{
	struct view	*v;

	v = view_new(a, &health_ops, "health", health_cols,
	    sizeof health_cols / sizeof health_cols[0]);
	v->data = xcalloc(1, sizeof(struct health));
	return v;
}
