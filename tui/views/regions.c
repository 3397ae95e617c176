/*
 * regions: the region tree as a table, from GET /v1/regions.  All regions,
 * or the children of one (--parent), or those of one kind (--kind), loaded
 * page by page (keyset cursors) and shown as they arrive.  Enter goes down
 * into a region's children, or to its details when it has none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "client.h"
#include "log.h"
#include "table.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

#define REGIONS_PAGE	200
#define REGIONS_MAX	20000	/* rows kept; narrow the list past that */

enum { TAG_PAGE = 1 };

const char *const region_kinds[] = {
	"country", "state", "union_territory", "district", "city", "area",
	NULL,
};

static const struct table_col regions_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "NAME", TABLE_TEXT, 12, 40, 0, true },
	{ "HINDI", TABLE_TEXT, 8, 32, 3, true },
	{ "KIND", TABLE_TEXT, 5, 0, 2, false },
	{ "CODE", TABLE_TEXT, 4, 0, 4, false },
	{ "PINCODE", TABLE_TEXT, 6, 0, 5, false },
	{ "CHILDREN", TABLE_NUMBER, 3, 0, 1, false },
};

#define REGIONS_NCOLS	(sizeof regions_cols / sizeof regions_cols[0])

struct regions {
	char	*parent;
	char	*kind;
	json_t	*rows;		/* every region of this load, for --json */
	size_t	 count;
};

const struct table_col *
regions_columns(size_t *n)
{
	*n = REGIONS_NCOLS;
	return regions_cols;
}

/* A JSON scalar as text: "" for null or missing. */
static const char *
regions_text(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t	*v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return "";
}

void
regions_add(struct table *t, json_t *r)
{
	char		 id[24], children[24], *kind;
	const char	*cells[REGIONS_NCOLS];
	const json_t	*names = json_object_get(r, "names");

	kind = xstrdup(regions_text(r, "kind", id, sizeof id));
	cells[0] = regions_text(r, "id", id, sizeof id);
	cells[1] = regions_text(r, "name", NULL, 0);
	cells[2] = json_is_object(names) ? regions_text(names, "hi", NULL, 0) :
	    "";
	cells[3] = kind;
	cells[4] = regions_text(r, "code", NULL, 0);
	cells[5] = regions_text(r, "pincode", NULL, 0);
	cells[6] = regions_text(r, "child_count", children, sizeof children);
	table_load_add(t, cells[0], cells, r);
	free(kind);
}

void
regions_open_row(struct view *v)
{
	json_t		*r = table_cursor_data(v->table);
	const char	*id = table_cursor_key(v->table);

	if (r == NULL || id == NULL)
		return;
	if (json_integer_value(json_object_get(r, "child_count")) > 0)
		app_push(v->app, regions_view(v->app, id, NULL,
		    json_string_value(json_object_get(r, "name"))));
	else
		app_push(v->app, region_view(v->app, id));
}

void
regions_key_details(struct app *a, struct view *v, int key)
{
	const char	*id = v->table != NULL ? table_cursor_key(v->table) :
			    NULL;

	(void)key;
	if (id != NULL)
		app_push(a, region_view(a, id));
}

static void
regions_fetch(struct view *v, const char *after)
{
	struct regions	*rv = v->data;
	struct buf	 path;
	char		 limit[16];

	buf_init(&path, 0);
	if (!buf_adds(&path, "/v1/regions"))
		fatalx("regions_fetch");
	client_query(&path, "parent_id", rv->parent);
	client_query(&path, "kind", rv->kind);
	snprintf(limit, sizeof limit, "%d", REGIONS_PAGE);
	client_query(&path, "limit", limit);
	client_query(&path, "after", after);
	view_request(v, TAG_PAGE, "GET", path.data, NULL);
	buf_free(&path);
}

static void
regions_load(struct view *v)
{
	struct regions	*rv = v->data;

	json_decref(rv->rows);
	rv->rows = json_array();
	rv->count = 0;
	table_load_begin(v->table);
	regions_fetch(v, NULL);
}

static void
regions_result(struct view *v, struct request *r)
{
	struct regions	*rv = v->data;
	json_t		*data, *item;
	const char	*next;
	size_t		 i;

	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	data = json_object_get(r->resp.json, "data");
	json_array_foreach(data, i, item) {
		if (!json_is_object(item) || rv->count >= REGIONS_MAX)
			continue;
		regions_add(v->table, item);
		json_array_append(rv->rows, item);
		rv->count++;
	}
	next = json_string_value(json_object_get(r->resp.json, "next"));
	if (next != NULL && rv->count < REGIONS_MAX) {
		regions_fetch(v, next);
		return;
	}
	if (next != NULL)
		app_message(v->app, MSG_INFO, "showing the first %d regions; "
		    "narrow the list with --parent or --kind", REGIONS_MAX);
	table_load_end(v->table);
	json_decref(v->json);
	v->json = json_incref(rv->rows);
	view_done(v);
}

static void
regions_free(struct view *v)
{
	struct regions	*rv = v->data;

	if (rv == NULL)
		return;
	free(rv->parent);
	free(rv->kind);
	json_decref(rv->rows);
	free(rv);
}

static const struct view_ops regions_ops = {
	"regions", SCOPE_REGIONS, WIDGET_TABLE, NULL,
	"no regions", regions_load, regions_result, regions_open_row,
	regions_free, 0, NULL,
};

struct view *
regions_view(struct app *a, const char *parent, const char *kind,
    const char *title)
{
	struct regions	*rv = xcalloc(1, sizeof *rv);
	struct view	*v;
	char		*made = NULL;

	if (title == NULL) {
		if (parent != NULL || kind != NULL)
			made = xasprintf("regions%s%s%s%s",
			    parent != NULL ? " --parent " : "",
			    parent != NULL ? parent : "",
			    kind != NULL ? " --kind " : "",
			    kind != NULL ? kind : "");
		title = made != NULL ? made : "regions";
	}
	v = view_new(a, &regions_ops, title, regions_cols, REGIONS_NCOLS);
	free(made);
	rv->parent = parent != NULL ? xstrdup(parent) : NULL;
	rv->kind = kind != NULL ? xstrdup(kind) : NULL;
	v->data = rv;
	return v;
}
