/*
 * listings: what vendors sell, and its review by moderators.  The review
 * queue (GET /v1/listings?status=pending_review, oldest first) or the
 * listings of any status, vendor, category or title words, live from
 * "listings" for moderators and administrators; one listing (GET
 * /v1/listings/{id}: its variants with prices and stock, images as their
 * URLs, attributes and history); and the decisions, each one key and a
 * question: approve (POST .../approve) or reject with a reason (POST
 * .../reject).  After a decision the next listing of the queue shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "client.h"
#include "form.h"
#include "log.h"
#include "table.h"
#include "text.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

#define LISTINGS_MAX	2000
#define QUEUE_STATUS	"pending_review"

/* Who may follow "listings" (daemon/api/stream.c). */
#define LISTING_WATCHERS	"moderator,admin"

enum { TAG_GET = 1 };

/* In the order s shows them: the queue first, then the others, then all. */
const char *const listing_statuses[] = {
	"pending_review", "active", "rejected", "draft", "archived", "all",
	NULL,
};

enum listing_decision { LISTING_APPROVE, LISTING_REJECT };

static const struct decision_kind listing_kinds[] = {
	[LISTING_APPROVE] = { "approve", "Approve", NULL, false,
	    "is approved" },
	[LISTING_REJECT] = { "reject", "Reject", "Reason for rejecting",
	    false, "is rejected" },
};

/* "listing 5 (Cotton kurta)" */
static char *
listing_what(const json_t *o)
{
	const char	*title = json_string_value(json_object_get(o, "title"));
	char		 num[32];
	const char	*id = views_text(o, "id", num, sizeof num);

	if (title == NULL)
		return xasprintf("listing %s", id);
	return xasprintf("listing %s (%s)", id, title);
}

static char *
listing_path(const char *id)
{
	return views_path("/v1/listings", id);
}

/*
 * The key of the row to show after the one with key id leaves the
 * table: the next shown row, else the one before; NULL if none.
 * Caller frees.
 */
static char *
listings_next(struct table *t, const char *id)
{
	size_t	i, n = table_nshown(t);

	for (i = 0; i < n; i++) {
		if (strcmp(table_key(t, i), id) != 0)
			continue;
		if (i + 1 < n)
			return xstrdup(table_key(t, i + 1));
		return i > 0 ? xstrdup(table_key(t, i - 1)) : NULL;
	}
	return NULL;
}

static struct decision *listing_decision_of(struct view *);

static void
listing_yes(struct view *v)
{
	decision_send(v, listing_decision_of(v));
}

static void
listing_reasoned(struct view *v, const char *line)
{
	decision_reasoned(v, listing_decision_of(v), line, listing_yes);
}

/* a and x: about o, the row under the cursor or the listing shown. */
static void
listing_decide(struct app *a, struct view *v, const json_t *o,
    enum listing_decision what)
{
	const char	*status, *id;
	char		 num[32], *path, *name;

	if (o == NULL)
		return;
	status = json_string_value(json_object_get(o, "status"));
	name = listing_what(o);
	if (status == NULL || strcmp(status, QUEUE_STATUS) != 0) {
		app_message(a, MSG_ERROR, "%s is %s: only listings waiting for "
		    "review (pending_review) can be %s", name, status != NULL ?
		    status : "?", what == LISTING_APPROVE ? "approved" :
		    "rejected");
		free(name);
		return;
	}
	id = views_text(o, "id", num, sizeof num);
	path = listing_path(id);
	decision_begin(v, listing_decision_of(v), &listing_kinds[what], path,
	    id, name, listing_reasoned, listing_yes);
	free(path);
	free(name);
}

/* --- the queue, or any listings ------------------------------------------- */

static const struct table_col listings_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "TITLE", TABLE_TEXT, 16, 36, 0, true },
	{ "VENDOR", TABLE_TEXT, 13, 20, 2, true },
	{ "KIND", TABLE_TEXT, 7, 0, 4, false },
	{ "STATUS", TABLE_TEXT, 14, 0, 0, false },
	{ "PRICE", TABLE_MONEY, 10, 0, 1, false },
	{ "UPDATED", TABLE_TEXT, 16, 0, 3, false },
};

#define LISTINGS_NCOLS	(sizeof listings_cols / sizeof listings_cols[0])

struct listings {
	struct listing	 l;	/* first: the listing's */
	char		*q;
	char		*status;	/* "all": any */
	char		*vendor;
	char		*category;
	char		*order;
	char		*seek;		/* the row to show once loaded */
	struct decision	 d;
};

static void
listings_add(struct view *v, json_t *o)
{
	const char	*cells[LISTINGS_NCOLS];
	char		 id[32], price[64], when[32];

	views_price(o, true, price, sizeof price);
	views_time(json_string_value(json_object_get(o, "updated_at")), false,
	    when, sizeof when);
	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = views_text(o, "title", NULL, 0);
	cells[2] = views_text(o, "vendor_name", NULL, 0);
	cells[3] = views_text(o, "kind", NULL, 0);
	cells[4] = views_text(o, "status", NULL, 0);
	cells[5] = price;
	cells[6] = when;
	table_load_add(v->table, cells[0], cells, o);
}

static void
listings_title(struct view *v)
{
	struct listings	*ls = v->data;
	struct buf	 b;

	buf_init(&b, 0);
	if (!buf_adds(&b, "listings") ||
	    (ls->q != NULL && !buf_printf(&b, " %s", ls->q)) ||
	    (strcmp(ls->status, QUEUE_STATUS) != 0 &&
	    !buf_printf(&b, " --status %s", ls->status)) ||
	    (ls->vendor != NULL && !buf_printf(&b, " --vendor %s",
	    ls->vendor)) ||
	    (ls->category != NULL && !buf_printf(&b, " --category %s",
	    ls->category)) ||
	    (ls->order != NULL && !buf_printf(&b, " --order %s", ls->order)))
		fatalx("listings_title");
	free(v->title);
	v->title = buf_take(&b, NULL);
}

static void
listings_load(struct view *v)
{
	struct listings	*ls = v->data;
	struct buf	 path;

	buf_init(&path, 0);
	if (!buf_adds(&path, "/v1/listings"))
		fatalx("listings_load");
	client_query(&path, "status", strcmp(ls->status, "all") != 0 ?
	    ls->status : NULL);
	client_query(&path, "vendor_id", ls->vendor);
	client_query(&path, "category_id", ls->category);
	client_query(&path, "q", ls->q);
	client_query(&path, "order", ls->order);
	listing_set_path(&ls->l, path.data);
	buf_free(&path);
	views_follow(v, "listings", LISTING_WATCHERS, NULL);
	listing_load(v);
}

static void
listings_result(struct view *v, struct request *r)
{
	struct listings	*ls = v->data;
	bool		 ok;

	if (listing_result(v, r)) {
		/* Loaded: to the row a decision chose. */
		if (!v->loading && ls->seek != NULL) {
			table_seek(v->table, ls->seek);
			free(ls->seek);
			ls->seek = NULL;
		}
		return;
	}
	if (decision_result(v, r, &ls->d, &ok) && ok) {
		free(ls->seek);
		ls->seek = listings_next(v->table, ls->d.id);
		view_load(v);
	}
}

static void
listings_open(struct view *v)
{
	const char	*id = table_cursor_key(v->table);

	if (id != NULL)
		app_push(v->app, listing_view(v->app, id));
}

static void
listings_free(struct view *v)
{
	struct listings	*ls = v->data;

	if (ls == NULL)
		return;
	listing_free(&ls->l);
	free(ls->q);
	free(ls->status);
	free(ls->vendor);
	free(ls->category);
	free(ls->order);
	free(ls->seek);
	decision_clear(&ls->d);
	free(ls);
}

static const struct view_ops listings_ops = {
	"listings", SCOPE_LISTINGS, WIDGET_TABLE, NULL, "no such listings",
	listings_load, listings_result, listings_open, listings_free, 0,
	NULL,
};

static char *
listings_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

struct view *
listings_view(struct app *a, const char *q, const char *status,
    const char *vendor, const char *category, const char *order)
{
	struct view	*v = view_new(a, &listings_ops, "listings",
			    listings_cols, LISTINGS_NCOLS);
	struct listings	*ls = xcalloc(1, sizeof *ls);

	listing_init(&ls->l, LISTINGS_MAX, listings_add);
	ls->q = listings_dup(q);
	ls->status = xstrdup(status != NULL ? status : QUEUE_STATUS);
	ls->vendor = listings_dup(vendor);
	ls->category = listings_dup(category);
	ls->order = listings_dup(order);
	v->data = ls;
	listings_title(v);
	return v;
}

void
listings_key_status(struct app *a, struct view *v, int key)
{
	struct listings	*ls = v->data;
	size_t		 i;

	(void)key;
	for (i = 0; listing_statuses[i] != NULL; i++) {
		if (strcmp(ls->status, listing_statuses[i]) == 0)
			break;
	}
	if (listing_statuses[i] == NULL || listing_statuses[i + 1] == NULL)
		i = 0;
	else
		i++;
	free(ls->status);
	ls->status = xstrdup(listing_statuses[i]);
	listings_title(v);
	table_clear(v->table);
	view_load(v);
	app_message(a, MSG_INFO, "showing %s listings; s shows the next "
	    "status", ls->status);
}

/* --- one listing ---------------------------------------------------------- */

struct listing_one {
	struct decision	 d;
	char		*id;
	unsigned	 queue;		/* the queue it came from; 0: none */
};

static void
listing_load_one(struct view *v)
{
	struct listing_one	*lo = v->data;
	char			*path = listing_path(lo->id);

	views_follow(v, "listings", LISTING_WATCHERS, NULL);
	view_request(v, TAG_GET, "GET", path, NULL);
	free(path);
}

/* "size=M, colour=red" */
static char *
listing_options(json_t *options)
{
	struct buf	 b;
	const char	*k;
	const json_t	*val;
	char		 num[32];

	buf_init(&b, 0);
	json_object_foreach(options, k, val) {
		if (!buf_printf(&b, "%s%s=%s", b.len > 0 ? ", " : "", k,
		    views_value(val, num, sizeof num)))
			fatalx("listing_options");
	}
	return buf_take(&b, NULL);
}

/* "SKU-1  size=M  ₹1,299.00 (was ₹1,499.00)  stock 8 (2 held)  active" */
static char *
listing_variant(const json_t *x, const char *currency)
{
	const json_t	*stock = json_object_get(x, "stock");
	const json_t	*was = json_object_get(x, "compare_at_price");
	char		*opts, *text, price[48], before[64], n1[32], n2[32];

	opts = listing_options(json_object_get(x, "options"));
	views_money(json_integer_value(json_object_get(x, "price")),
	    currency, price, sizeof price);
	before[0] = '\0';
	if (json_is_integer(was)) {
		char	amount[48];

		views_money(json_integer_value(was), currency, amount,
		    sizeof amount);
		snprintf(before, sizeof before, " (was %s)", amount);
	}
	text = xasprintf("%s%s%s  %s%s  stock %s (%s held)  %s",
	    views_text(x, "sku", NULL, 0), *opts != '\0' ? "  " : "", opts,
	    price, before, views_text(stock, "available", n1, sizeof n1),
	    views_text(stock, "reserved", n2, sizeof n2), views_text(x,
	    "status", NULL, 0));
	free(opts);
	return text;
}

/* Adds text's lines as fields, the first labelled. */
static void
listing_lines(struct form *f, const char *name, const char *label,
    const char *text)
{
	char	*copy, *line, *next;
	bool	 first = true;

	if (text == NULL || *text == '\0') {
		form_add(f, name, label, NULL, 0);
		return;
	}
	copy = xstrdup(text);
	for (line = copy; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		form_add(f, name, first ? label : "", line, 0);
		first = false;
	}
	free(copy);
}

/* "2026-11-21 10:02  pending_review → rejected  moderator 7: why" */
static char *
listing_event(const json_t *e)
{
	const char	*from = json_string_value(json_object_get(e, "from"));
	const char	*reason = json_string_value(json_object_get(e,
			    "reason"));
	char		 when[32], num[32];

	views_time(json_string_value(json_object_get(e, "at")), false, when,
	    sizeof when);
	return xasprintf("%s  %s%s%s  %s%s%s%s%s", when, from != NULL ? from :
	    "", from == NULL ? "" : text_utf8() ? " \xe2\x86\x92 " : " -> ",
	    views_text(e, "to", NULL, 0), views_text(e, "actor_role", NULL, 0),
	    json_is_integer(json_object_get(e, "actor_id")) ? " " : "",
	    views_text(e, "actor_id", num, sizeof num), reason != NULL ?
	    ": " : "", reason != NULL ? reason : "");
}

static void
listing_fill(struct view *v, json_t *o)
{
	struct listing_one	*lo = v->data;
	struct form_field	*f;
	const json_t		*x, *val;
	const char		*cur = json_string_value(json_object_get(o,
				    "currency")), *k, *vendor;
	char			*text, *cmd, num[32], price[64];
	size_t			 i, keep = form_cursor(v->form);
	bool			 first;

	form_clear(v->form);
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "title", "Title");
	views_field(v->form, o, "status", "Status");
	/* Named as soukd names a rejection's reason: its errors show here. */
	form_add(v->form, "reason", "Because", views_text(o, "status_reason",
	    NULL, 0), 0);
	vendor = views_text(o, "vendor_id", num, sizeof num);
	text = xasprintf("%s (%s)", views_text(o, "vendor_name", NULL, 0),
	    vendor);
	f = form_add(v->form, "vendor_id", "Vendor", text, 0);
	free(text);
	cmd = xasprintf("vendor %s", vendor);
	form_link(f, cmd);
	free(cmd);
	views_field(v->form, o, "kind", "Kind");
	form_add(v->form, "category", "Category", views_text(json_object_get(o,
	    "category"), "name", NULL, 0), 0);
	form_add(v->form, "brand", "Brand", views_text(json_object_get(o,
	    "brand"), "name", NULL, 0), 0);
	views_field(v->form, o, "review", "Review rule");
	views_price(o, false, price, sizeof price);
	form_add(v->form, "price", "Price", price, 0);
	views_field(v->form, o, "quality", "Quality");
	text = views_words_join(json_object_get(o, "tags"), ", ");
	form_add(v->form, "tags", "Tags", text, 0);
	free(text);
	views_time_field(v->form, o, "created_at", "Created");
	views_time_field(v->form, o, "updated_at", "Updated");
	views_time_field(v->form, o, "published_at", "Published");
	listing_lines(v->form, "description", "Description",
	    json_string_value(json_object_get(o, "description")));
	first = true;
	json_object_foreach(json_object_get(o, "attributes"), k, val) {
		char	*vtext = val != NULL && json_is_array(val) ?
			    views_words_join(val, ", ") :
			    xstrdup(views_value(val, num, sizeof num));

		text = xasprintf("%s: %s", k, vtext);
		form_add(v->form, "attributes", first ? "Attributes" : "",
		    text, 0);
		free(text);
		free(vtext);
		first = false;
	}
	if (first)
		form_add(v->form, "attributes", "Attributes", "none", 0);
	if (json_array_size(json_object_get(o, "variants")) == 0)
		form_add(v->form, "variants", "Variants", "none", 0);
	json_array_foreach(json_object_get(o, "variants"), i, x) {
		text = listing_variant(x, cur);
		form_add(v->form, "variants", i == 0 ? "Variants" : "", text,
		    0);
		free(text);
	}
	if (json_array_size(json_object_get(o, "images")) == 0)
		form_add(v->form, "images", "Images", "none", 0);
	json_array_foreach(json_object_get(o, "images"), i, x) {
		const char *alt = json_string_value(json_object_get(x, "alt"));

		text = xasprintf("%s%s%s%s%s", app_url(v->app), views_text(
		    json_object_get(x, "urls"), "original", NULL, 0),
		    alt != NULL ? "  (" : "", alt != NULL ? alt : "",
		    alt != NULL ? ")" : "");
		form_add(v->form, "images", i == 0 ? "Images" : "", text, 0);
		free(text);
	}
	json_array_foreach(json_object_get(o, "events"), i, x) {
		text = listing_event(x);
		form_add(v->form, "events", i == 0 ? "History" : "", text, 0);
		free(text);
	}
	form_add(v->form, "keys", "", "a approve  x reject", 0);
	form_seek(v->form, keep);
	free(v->title);
	v->title = xasprintf("listing %s", lo->id);
	json_decref(v->json);
	v->json = json_incref(o);
}

/*
 * After a decision: the next listing of the queue it came from shows in
 * its place, and the queue reloads with its cursor there.
 */
static void
listing_next(struct view *v)
{
	struct listing_one	*lo = v->data;
	struct view		*q = lo->queue != 0 ? app_find(v->app,
				    lo->queue) : NULL;
	struct listings		*ls;
	char			*next;

	if (q == NULL || q->ops != &listings_ops) {
		view_load(v);
		return;
	}
	ls = q->data;
	next = listings_next(q->table, lo->id);
	free(ls->seek);
	ls->seek = next != NULL ? xstrdup(next) : NULL;
	view_load(q);
	if (next == NULL) {
		app_message(v->app, MSG_INFO, "%s %s; the queue is empty",
		    lo->d.what, lo->d.kind->past);
		app_pop(v->app);	/* v is gone now */
		return;
	}
	free(lo->id);
	lo->id = next;
	free(v->title);
	v->title = xasprintf("listing %s", lo->id);
	form_clear(v->form);
	form_home(v->form);
	json_decref(v->json);
	v->json = NULL;
	app_message(v->app, MSG_INFO, "%s %s; next: listing %s", lo->d.what,
	    lo->d.kind->past, lo->id);
	view_load(v);
}

static void
listing_result_one(struct view *v, struct request *r)
{
	struct listing_one	*lo = v->data;
	bool			 ok;

	if (decision_result(v, r, &lo->d, &ok)) {
		if (ok)
			listing_next(v);
		return;
	}
	if (r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	listing_fill(v, r->resp.json);
	view_done(v);
}

static void
listing_free_one(struct view *v)
{
	struct listing_one	*lo = v->data;

	if (lo == NULL)
		return;
	decision_clear(&lo->d);
	free(lo->id);
	free(lo);
}

static const struct view_ops listing_ops = {
	"listing", SCOPE_LISTING, WIDGET_FORM, NULL, NULL,
	listing_load_one, listing_result_one, NULL, listing_free_one, 0,
	NULL,
};

static struct decision *
listing_decision_of(struct view *v)
{
	if (v->ops == &listings_ops)
		return &((struct listings *)v->data)->d;
	return &((struct listing_one *)v->data)->d;
}

struct view *
listing_view(struct app *a, const char *id)
{
	struct listing_one	*lo = xcalloc(1, sizeof *lo);
	struct view		*v, *top = app_top(a);
	char			*title = xasprintf("listing %s", id);

	v = view_new(a, &listing_ops, title, NULL, 0);
	free(title);
	lo->id = xstrdup(id);
	if (top != NULL && top->ops == &listings_ops)
		lo->queue = top->serial;
	v->data = lo;
	return v;
}

void
listings_key_approve(struct app *a, struct view *v, int key)
{
	(void)key;
	listing_decide(a, v, v->table != NULL ? table_cursor_data(v->table) :
	    v->json, LISTING_APPROVE);
}

void
listings_key_reject(struct app *a, struct view *v, int key)
{
	(void)key;
	listing_decide(a, v, v->table != NULL ? table_cursor_data(v->table) :
	    v->json, LISTING_REJECT);
}

/* --- the commands that act at once ---------------------------------------- */

static void
listing_show(struct view *v, json_t *o)
{
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "title", "Title");
	views_field(v->form, o, "vendor_name", "Vendor");
	views_field(v->form, o, "status", "Status");
	views_field(v->form, o, "status_reason", "Because");
}

struct view *
listing_decide_view(struct app *a, const char *id, bool approve,
    const char *reason)
{
	struct view	*v;
	char		*path = listing_path(id);

	v = decision_view(a, &listing_kinds[approve ? LISTING_APPROVE :
	    LISTING_REJECT], "listing", path, id, reason, listing_show);
	free(path);
	return v;
}
