/*
 * lookup: a form that looks many regions up at once by ids and pincodes
 * (POST /v1/regions/lookup).  soukd's validation messages show next to
 * the field they are about; what it finds opens as a regions table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "cmd.h"
#include "form.h"
#include "log.h"
#include "num.h"
#include "table.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

enum { TAG_LOOKUP = 1 };

/* --- the results -------------------------------------------------------- */

struct lookup_results {
	char	*body;		/* the request, to reload */
	json_t	*first;		/* the form's answer, shown without asking */
};

static void	results_show(struct view *, json_t *);

static void
results_load(struct view *v)
{
	struct lookup_results	*lr = v->data;
	json_t			*first = lr->first;

	table_load_begin(v->table);
	if (first != NULL) {
		lr->first = NULL;
		results_show(v, first);
		json_decref(first);
		return;
	}
	view_request(v, TAG_LOOKUP, "POST", "/v1/regions/lookup", lr->body);
}

/* "ids 9, 10; pincodes 999999": what soukd did not find. */
static char *
lookup_missing(const json_t *missing)
{
	static const char *const keys[] = { "ids", "pincodes" };
	const json_t	*list, *item;
	struct buf	 b;
	size_t		 k, i;

	buf_init(&b, 0);
	for (k = 0; k < 2; k++) {
		list = json_object_get(missing, keys[k]);
		if (json_array_size(list) == 0)
			continue;
		if (!buf_printf(&b, "%s%s ", b.len > 0 ? "; " : "", keys[k]))
			fatalx("lookup_missing");
		json_array_foreach(list, i, item) {
			if (json_is_integer(item) ? !buf_printf(&b, "%s%lld",
			    i > 0 ? ", " : "",
			    (long long)json_integer_value(item)) :
			    !buf_printf(&b, "%s%s", i > 0 ? ", " : "",
			    json_string_value(item) != NULL ?
			    json_string_value(item) : "?"))
				fatalx("lookup_missing");
		}
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b, NULL);
}

static void
results_result(struct view *v, struct request *r)
{
	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	results_show(v, r->resp.json);
}

static void
results_show(struct view *v, json_t *answer)
{
	json_t	*data, *item;
	char	*missing;
	size_t	 i;

	data = json_object_get(answer, "data");
	json_array_foreach(data, i, item) {
		if (json_is_object(item))
			regions_add(v->table, item);
	}
	table_load_end(v->table);
	if ((missing = lookup_missing(json_object_get(answer,
	    "missing"))) != NULL) {
		app_message(v->app, MSG_INFO, "not found: %s", missing);
		free(missing);
	}
	json_decref(v->json);
	v->json = json_incref(answer);
	view_done(v);
}

static void
results_free(struct view *v)
{
	struct lookup_results	*lr = v->data;

	if (lr == NULL)
		return;
	free(lr->body);
	json_decref(lr->first);
	free(lr);
}

static const struct view_ops results_ops = {
	"lookup", SCOPE_REGIONS, WIDGET_TABLE, NULL, "nothing found",
	results_load, results_result, regions_open_row, results_free, 0,
	NULL,
};

/* --- the form ----------------------------------------------------------- */

/* Words of a field: split at blanks and commas. */
static char **
lookup_words(const char *s, size_t *n)
{
	char	**words = NULL;
	size_t	  len;

	*n = 0;
	for (;;) {
		s += strspn(s, " ,\t");
		if (*s == '\0')
			break;
		len = strcspn(s, " ,\t");
		words = xreallocarray(words, *n + 1, sizeof *words);
		words[(*n)++] = xstrndup(s, len);
		s += len;
	}
	return words;
}

/*
 * Builds the request body from the form; false (with the fields' errors
 * set) if an id is not a number.
 */
static char *
lookup_body(struct view *v)
{
	struct form_field	*ids = form_find(v->form, "ids");
	struct form_field	*pins = form_find(v->form, "pincodes");
	json_t			*o, *a;
	char			**w, *body = NULL;
	size_t			  n, i;
	int64_t			  id;
	bool			  ok = true;

	o = json_object();
	a = json_array();
	w = lookup_words(ids->value, &n);
	for (i = 0; i < n; i++) {
		if (!num_int64(w[i], 1, INT64_MAX, &id)) {
			free(ids->error);
			ids->error = xasprintf("'%s' is not a region id", w[i]);
			ok = false;
		} else
			json_array_append_new(a, json_integer(id));
	}
	cmd_free_words(w, n);
	if (json_array_size(a) > 0)
		json_object_set(o, "ids", a);
	json_decref(a);
	a = json_array();
	w = lookup_words(pins->value, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(w[i]));
	cmd_free_words(w, n);
	if (json_array_size(a) > 0)
		json_object_set(o, "pincodes", a);
	json_decref(a);
	if (ok && (body = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("lookup_body: json_dumps");
	json_decref(o);
	return body;
}

struct lookup {
	char	*body;		/* the request in flight */
};

/* The button: sends the form. */
static void
lookup_submit(struct view *v)
{
	struct lookup	*lk = v->data;
	char		*body;

	form_clear_errors(v->form);
	if ((body = lookup_body(v)) == NULL) {
		app_message(v->app, MSG_ERROR, "correct the fields marked");
		if (app_batch(v->app)) {
			free(v->error);
			v->error = xstrdup(form_find(v->form, "ids")->error);
		}
		return;
	}
	free(lk->body);
	lk->body = body;
	view_restart(v);
	view_request(v, TAG_LOOKUP, "POST", "/v1/regions/lookup", body);
}

static void
lookup_result(struct view *v, struct request *r)
{
	struct lookup		*lk = v->data;
	struct lookup_results	*lr;
	struct view		*res;
	const struct table_col	*cols;
	size_t			 ncols;

	v->loading = v->inflight > 0;
	if (r->resp.status == CLIENT_PROBLEM && r->resp.json != NULL) {
		form_problem(v->form, r->resp.json);
		free(v->error);
		v->error = xstrdup(r->resp.message);
		app_message(v->app, MSG_ERROR, "%s", r->resp.message);
		return;
	}
	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	free(v->error);
	v->error = NULL;
	/* Show what was found as a table, which can reload the same query. */
	cols = regions_columns(&ncols);
	res = view_new(v->app, &results_ops, "found", cols, ncols);
	lr = xcalloc(1, sizeof *lr);
	lr->body = xstrdup(lk->body);
	lr->first = json_incref(r->resp.json);
	res->data = lr;
	app_push(v->app, res);
}

static void
lookup_free(struct view *v)
{
	struct lookup	*lk = v->data;

	if (lk == NULL)
		return;
	free(lk->body);
	free(lk);
}

static const struct view_ops lookup_ops = {
	"lookup", SCOPE_LOOKUP, WIDGET_FORM, NULL, NULL,
	NULL, lookup_result, lookup_submit, lookup_free, 0, NULL,
};

struct view *
lookup_view(struct app *a, char *const *args, size_t n)
{
	struct view	*v = view_new(a, &lookup_ops, "lookup", NULL, 0);
	struct buf	 ids, pins;
	size_t		 i;

	v->data = xcalloc(1, sizeof(struct lookup));
	buf_init(&ids, 0);
	buf_init(&pins, 0);
	for (i = 0; i < n; i++) {
		/* Six digits make a pincode; anything else is an id. */
		struct buf *b = strlen(args[i]) == 6 &&
		    strspn(args[i], "0123456789") == 6 ? &pins : &ids;

		if (!buf_printf(b, "%s%s", b->len > 0 ? " " : "", args[i]))
			fatalx("lookup_view");
	}
	form_add(v->form, "ids", "Region ids", ids.data, FORM_EDIT);
	form_add(v->form, "pincodes", "Pincodes", pins.data, FORM_EDIT);
	form_add(v->form, "submit", "", "Look up", FORM_BUTTON);
	buf_free(&ids);
	buf_free(&pins);
	if (n > 0)
		lookup_submit(v);
	return v;
}
