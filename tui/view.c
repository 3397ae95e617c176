#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "form.h"
#include "table.h"
#include "view.h"
#include "xmalloc.h"

struct view *
view_new(struct app *a, const struct view_ops *ops, const char *title,
    const void *cols, size_t ncols)
{
	struct view	*v = xcalloc(1, sizeof *v);

	v->ops = ops;
	v->app = a;
	v->serial = app_serial(a);
	v->title = xstrdup(title != NULL ? title : ops->name);
	if (ops->widget == WIDGET_TABLE)
		v->table = table_new(cols, ncols);
	else
		v->form = form_new();
	return v;
}

void
view_free(struct view *v)
{
	if (v == NULL)
		return;
	if (v->ops->free != NULL)
		v->ops->free(v);
	table_free(v->table);
	form_free(v->form);
	json_decref(v->json);
	free(v->topics);
	free(v->error);
	free(v->summary);
	free(v->title);
	free(v);
}

void
view_restart(struct view *v)
{
	v->gen++;
	v->inflight = 0;
	v->loading = false;
}

void
view_load(struct view *v)
{
	if (v->ops->load == NULL)
		return;
	view_restart(v);
	v->loading = true;
	if (v->table != NULL)
		table_load_abort(v->table);
	v->ops->load(v);
	if (v->inflight == 0)
		v->loading = false;
}

void
view_request(struct view *v, int tag, const char *method, const char *path,
    const char *body)
{
	v->inflight++;
	v->loading = true;
	app_submit(v->app, v->serial, v->gen, tag, method, path, body, 0);
}

void
view_request_csv(struct view *v, int tag, const char *path, const char *body)
{
	v->inflight++;
	v->loading = true;
	app_submit(v->app, v->serial, v->gen, tag, "POST", path, body,
	    FETCH_CSV);
}

void
view_request_file(struct view *v, int tag, const char *path)
{
	v->inflight++;
	v->loading = true;
	app_submit(v->app, v->serial, v->gen, tag, "GET", path, NULL,
	    FETCH_FILE);
}

void
view_deliver(struct view *v, struct request *r)
{
	if (r->gen != v->gen)
		return;		/* an answer to a load since superseded */
	if (v->inflight > 0)
		v->inflight--;
	v->ops->result(v, r);
}

void
view_fail(struct view *v, const struct response *resp)
{
	free(v->error);
	v->error = xstrdup(resp->message != NULL ? resp->message :
	    "the request failed");
	v->loading = false;
	v->inflight = 0;
	v->gen++;	/* drop the rest of this load's answers */
	if (v->table != NULL)
		table_load_abort(v->table);
	/* Signed out: the sign-in screen says why, not each view. */
	if (resp->status != CLIENT_CANCELLED && !(resp->http == 401 &&
	    !app_batch(v->app) && !app_signed_in(v->app)))
		app_message(v->app, MSG_ERROR, "%s", v->error);
}

void
view_done(struct view *v)
{
	free(v->error);
	v->error = NULL;
	v->loaded = true;
	if (v->inflight == 0)
		v->loading = false;
}

char **
view_ids(struct view *v)
{
	char	**ids;
	size_t	  i, n;

	if (v == NULL || v->table == NULL)
		return xcalloc(1, sizeof(char *));
	n = table_nshown(v->table);
	ids = xcalloc(n + 1, sizeof *ids);
	for (i = 0; i < n; i++)
		ids[i] = xstrdup(table_key(v->table, i));
	return ids;
}

bool
view_wants(const struct view *v, const char *topic)
{
	const char	*p, *end;
	size_t		 len;

	if (view_topics(v) == NULL || topic == NULL)
		return false;
	for (p = view_topics(v); *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len > 0 && strncmp(topic, p, len) == 0 &&
		    (topic[len] == '\0' || p[len - 1] == ':'))
			return true;
	}
	return false;
}

const char *
view_topics(const struct view *v)
{
	if (v->topics != NULL)
		return *v->topics != '\0' ? v->topics : NULL;
	return v->ops->topics;
}

void
view_set_topics(struct view *v, char *topics)
{
	free(v->topics);
	/* "": set, and none (ops' topics must not come back). */
	v->topics = topics != NULL ? topics : xstrdup("");
}
