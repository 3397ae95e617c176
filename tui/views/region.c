/*
 * region: one region's details from GET /v1/regions/{id}: its names in
 * every language, codes, where it sits in the tree (ancestors), and links
 * to its parent and children.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "client.h"
#include "form.h"
#include "log.h"
#include "text.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

enum { TAG_GET = 1 };

struct region {
	char	*id;
};

/* A field with the text of a JSON scalar ("" for null). */
static struct form_field *
region_field(struct form *f, const char *name, const char *label,
    const json_t *v)
{
	char	num[32];

	if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld",
		    (long long)json_integer_value(v));
		return form_add(f, name, label, num, 0);
	}
	return form_add(f, name, label, json_string_value(v), 0);
}

static void
region_load(struct view *v)
{
	struct region	*rv = v->data;
	char		*id, *path;

	id = client_escape(rv->id);
	path = xasprintf("/v1/regions/%s", id);
	view_request(v, TAG_GET, "GET", path, NULL);
	free(path);
	free(id);
}

static void
region_result(struct view *v, struct request *r)
{
	json_t			*o, *names, *anc, *a, *val;
	struct form_field	*f;
	struct buf		 path;
	const char		*key, *sep;
	char			*label, *cmd, *text;
	size_t			 i, keep;
	long long		 children;

	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	o = r->resp.json;
	keep = form_cursor(v->form);
	form_clear(v->form);
	region_field(v->form, "id", "ID", json_object_get(o, "id"));
	region_field(v->form, "name", "Name", json_object_get(o, "name"));
	names = json_object_get(o, "names");
	json_object_foreach(names, key, val) {
		label = xasprintf("Name (%s)", key);
		region_field(v->form, "names", label, val);
		free(label);
	}
	region_field(v->form, "kind", "Kind", json_object_get(o, "kind"));
	region_field(v->form, "code", "Code", json_object_get(o, "code"));
	region_field(v->form, "pincode", "Pincode",
	    json_object_get(o, "pincode"));

	sep = text_utf8() ? " \xe2\x80\xba " : " > ";
	buf_init(&path, 0);
	anc = json_object_get(o, "ancestors");
	json_array_foreach(anc, i, a) {
		if (!buf_printf(&path, "%s%s", i > 0 ? sep : "",
		    json_string_value(json_object_get(a, "name")) != NULL ?
		    json_string_value(json_object_get(a, "name")) : "?"))
			fatalx("region_result");
	}
	a = json_array_get(anc, json_array_size(anc) - 1);
	if (a != NULL) {
		text = xasprintf("%s (%lld)",
		    json_string_value(json_object_get(a, "name")) != NULL ?
		    json_string_value(json_object_get(a, "name")) : "?",
		    (long long)json_integer_value(json_object_get(a, "id")));
		f = form_add(v->form, "parent_id", "Parent", text, 0);
		cmd = xasprintf("region %lld",
		    (long long)json_integer_value(json_object_get(a, "id")));
		form_link(f, cmd);
		free(cmd);
		free(text);
	} else
		form_add(v->form, "parent_id", "Parent", NULL, 0);
	if (!buf_printf(&path, "%s%s", path.len > 0 ? sep : "",
	    json_string_value(json_object_get(o, "name")) != NULL ?
	    json_string_value(json_object_get(o, "name")) : "?"))
		fatalx("region_result");
	form_add(v->form, "path", "Path", path.data, 0);
	buf_free(&path);

	children = json_integer_value(json_object_get(o, "child_count"));
	text = xasprintf("%lld", children);
	f = form_add(v->form, "child_count", "Children", text, 0);
	if (children > 0) {
		cmd = xasprintf("regions --parent %s", ((struct region *)
		    v->data)->id);
		form_link(f, cmd);
		free(cmd);
	}
	free(text);
	region_field(v->form, "created_at", "Created",
	    json_object_get(o, "created_at"));
	region_field(v->form, "updated_at", "Updated",
	    json_object_get(o, "updated_at"));
	form_seek(v->form, keep);

	if (json_string_value(json_object_get(o, "name")) != NULL) {
		free(v->title);
		v->title = xstrdup(json_string_value(json_object_get(o,
		    "name")));
	}
	json_decref(v->json);
	v->json = json_incref(r->resp.json);
	view_done(v);
}

static void
region_free(struct view *v)
{
	struct region	*rv = v->data;

	if (rv == NULL)
		return;
	free(rv->id);
	free(rv);
}

static const struct view_ops region_ops = {
	"region", SCOPE_REGION, WIDGET_FORM, NULL, NULL,
	region_load, region_result, NULL, region_free, 0, NULL,
};

struct view *
region_view(struct app *a, const char *id)
{
	struct region	*rv = xcalloc(1, sizeof *rv);
	struct view	*v;
	char		*title = xasprintf("region %s", id);

	v = view_new(a, &region_ops, title, NULL, 0);
	free(title);
	rv->id = xstrdup(id);
	v->data = rv;
	return v;
}
