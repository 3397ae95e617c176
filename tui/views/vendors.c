/*
 * vendors: the shops selling on souk, for the staff of their regions.
 * The list (GET /v1/vendors: a name, by status, category, badge, rating
 * and when they joined, and region); one vendor (GET /v1/vendors/{id}:
 * its private fields and a summary of listings, sales and low stock) with
 * its newest listings (GET /v1/listings?vendor_id=) and the staff's
 * visits and notes (GET /v1/vendors/{id}/notes).  Both are live from
 * "vendors" for admins and from "vendors:<region>" for each region of
 * the regional staff, who hear of their regions' vendors only; a visit
 * or a note recorded in a form (POST /v1/vendors/{id}/notes: a visit's
 * time as people type it, "today 11am"); and suspending or reactivating
 * it with a reason (POST .../suspend, .../reactivate), each after a
 * question.  soukd audits both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "buf.h"
#include "client.h"
#include "form.h"
#include "log.h"
#include "table.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

#define VENDORS_MAX	2000
#define VENDOR_RECENT	10	/* listings and notes shown with a vendor */

/*
 * Who may follow "vendors", and who its regional topics
 * (daemon/api/stream.c).
 */
#define VENDOR_WATCHERS		"admin"
#define VENDOR_REGIONAL		"employee,supervisor,telecaller"

enum { TAG_GET = 1, TAG_LISTINGS, TAG_NOTES, TAG_NOTE };

const char *const vendor_statuses[] = { "active", "suspended", NULL };

enum vendor_decision { VENDOR_SUSPEND, VENDOR_REACTIVATE };

static const struct decision_kind vendor_kinds[] = {
	[VENDOR_SUSPEND] = { "suspend", "Suspend", "Reason for suspending",
	    false, "is suspended: its listings are hidden from customers" },
	[VENDOR_REACTIVATE] = { "reactivate", "Reactivate",
	    "Why reactivate", true, "is active again" },
};

/* "vendor 2 (Kirana King)" */
static char *
vendor_what(const json_t *o)
{
	const char	*name = json_string_value(json_object_get(o, "name"));
	char		 num[32];
	const char	*id = views_text(o, "id", num, sizeof num);

	if (name == NULL)
		return xasprintf("vendor %s", id);
	return xasprintf("vendor %s (%s)", id, name);
}

static char *
vendor_path(const char *id)
{
	return views_path("/v1/vendors", id);
}

static struct decision *vendor_decision_of(struct view *);

static void
vendor_yes(struct view *v)
{
	decision_send(v, vendor_decision_of(v));
}

static void
vendor_reasoned(struct view *v, const char *line)
{
	decision_reasoned(v, vendor_decision_of(v), line, vendor_yes);
}

/* s and a: about o, the row under the cursor or the vendor shown. */
static void
vendor_decide(struct app *a, struct view *v, const json_t *o,
    enum vendor_decision what)
{
	const char	*status, *id;
	char		 num[32], *path, *name;

	if (o == NULL)
		return;
	status = json_string_value(json_object_get(o, "status"));
	name = vendor_what(o);
	if (status != NULL && strcmp(status, what == VENDOR_SUSPEND ?
	    "suspended" : "active") == 0) {
		app_message(a, MSG_INFO, "%s is %s already", name, status);
		free(name);
		return;
	}
	id = views_text(o, "id", num, sizeof num);
	path = vendor_path(id);
	decision_begin(v, vendor_decision_of(v), &vendor_kinds[what], path, id,
	    name, vendor_reasoned, vendor_yes);
	free(path);
	free(name);
}

/* "4.50 (12)" */
static void
vendor_rating(const json_t *o, char *buf, size_t len)
{
	const json_t	*avg = json_object_get(o, "rating_avg");
	char		 n[32];

	if (!json_is_number(avg)) {
		snprintf(buf, len, "%s", "");
		return;
	}
	snprintf(buf, len, "%.2f (%s)", json_number_value(avg), views_text(o,
	    "rating_count", n, sizeof n));
}

/* --- the list ------------------------------------------------------------- */

static const struct table_col vendors_cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "NAME", TABLE_TEXT, 12, 28, 0, true },
	{ "CATEGORY", TABLE_TEXT, 8, 16, 2, true },
	{ "STATUS", TABLE_TEXT, 9, 0, 0, false },
	{ "RATING", TABLE_TEXT, 9, 0, 3, false },
	{ "BADGES", TABLE_TEXT, 14, 30, 5, true },
	{ "REGION", TABLE_NUMBER, 6, 0, 4, false },
	{ "JOINED", TABLE_TEXT, 16, 0, 1, false },
};

#define VENDORS_NCOLS	(sizeof vendors_cols / sizeof vendors_cols[0])

struct vendors {
	struct listing	 l;	/* first: the listing's */
	struct decision	 d;
};

static void
vendors_add(struct view *v, json_t *o)
{
	const char	*cells[VENDORS_NCOLS];
	char		 id[32], region[32], when[32], rating[48], *badges;

	badges = views_words_join(json_object_get(o, "badges"), ",");
	vendor_rating(o, rating, sizeof rating);
	views_time(json_string_value(json_object_get(o, "created_at")), false,
	    when, sizeof when);
	cells[0] = views_text(o, "id", id, sizeof id);
	cells[1] = views_text(o, "name", NULL, 0);
	cells[2] = views_text(o, "category", NULL, 0);
	cells[3] = views_text(o, "status", NULL, 0);
	cells[4] = rating;
	cells[5] = badges;
	cells[6] = views_text(o, "region_id", region, sizeof region);
	cells[7] = when;
	table_load_add(v->table, cells[0], cells, o);
	free(badges);
}

static void
vendors_load(struct view *v)
{
	views_follow(v, "vendors", VENDOR_WATCHERS, VENDOR_REGIONAL);
	listing_load(v);
}

static void
vendors_result(struct view *v, struct request *r)
{
	struct vendors	*vs = v->data;
	bool		 ok;

	if (listing_result(v, r))
		return;
	if (decision_result(v, r, &vs->d, &ok) && ok)
		view_load(v);
}

static void
vendors_open(struct view *v)
{
	const char	*id = table_cursor_key(v->table);

	if (id != NULL)
		app_push(v->app, vendor_view(v->app, id));
}

static void
vendors_free(struct view *v)
{
	struct vendors	*vs = v->data;

	if (vs == NULL)
		return;
	listing_free(&vs->l);
	decision_clear(&vs->d);
	free(vs);
}

static const struct view_ops vendors_ops = {
	"vendors", SCOPE_VENDORS, WIDGET_TABLE, NULL, "no such vendors",
	vendors_load, vendors_result, vendors_open, vendors_free, 0, NULL,
};

/* A time for --joined-after and --joined-before, into out; see audit_time. */
static bool
vendors_time(const char *opt, const char *text, char *out, size_t len,
    char **cause)
{
	char	*why = NULL;

	if (text == NULL)
		return true;
	if (!audit_time(text, time(NULL), out, len, &why)) {
		*cause = xasprintf("--%s: %s", opt, why);
		free(why);
		return false;
	}
	return true;
}

struct view *
vendors_view(struct app *a, const struct vendors_filter *f, char **cause)
{
	struct vendors	*vs;
	struct view	*v;
	struct buf	 path, title;
	char		 after[64], before[64];

	if (!vendors_time("joined-after", f->joined_after, after,
	    sizeof after, cause) || !vendors_time("joined-before",
	    f->joined_before, before, sizeof before, cause))
		return NULL;
	buf_init(&path, 0);
	buf_init(&title, 0);
	if (!buf_adds(&path, "/v1/vendors") || !buf_adds(&title, "vendors"))
		fatalx("vendors_view");
	client_query(&path, "q", f->q);
	client_query(&path, "status", f->status);
	client_query(&path, "category", f->category);
	client_query(&path, "badge", f->badge);
	client_query(&path, "rating_min", f->rating);
	client_query(&path, "joined_after", f->joined_after != NULL ? after :
	    NULL);
	client_query(&path, "joined_before", f->joined_before != NULL ?
	    before : NULL);
	client_query(&path, "region_id", f->region);
	if ((f->q != NULL && !buf_printf(&title, " %s", f->q)) ||
	    (f->status != NULL && !buf_printf(&title, " --status %s",
	    f->status)) ||
	    (f->category != NULL && !buf_printf(&title, " --category %s",
	    f->category)) ||
	    (f->badge != NULL && !buf_printf(&title, " --badge %s",
	    f->badge)) ||
	    (f->rating != NULL && !buf_printf(&title, " --rating %s",
	    f->rating)) ||
	    (f->joined_after != NULL && !buf_printf(&title,
	    " --joined-after %s", f->joined_after)) ||
	    (f->joined_before != NULL && !buf_printf(&title,
	    " --joined-before %s", f->joined_before)) ||
	    (f->region != NULL && !buf_printf(&title, " --region %s",
	    f->region)))
		fatalx("vendors_view");
	vs = xcalloc(1, sizeof *vs);
	v = view_new(a, &vendors_ops, title.data, vendors_cols,
	    VENDORS_NCOLS);
	listing_init(&vs->l, VENDORS_MAX, vendors_add);
	listing_set_path(&vs->l, path.data);
	v->data = vs;
	buf_free(&path);
	buf_free(&title);
	return v;
}

/* --- one vendor ----------------------------------------------------------- */

struct vendor {
	struct decision	 d;
	char		*id;
	json_t		*vendor;	/* the parts of a load */
	json_t		*listings;
	json_t		*notes;
	char		*listings_error;
	char		*notes_error;
};

static void
vendor_parts_clear(struct vendor *vd)
{
	json_decref(vd->vendor);
	json_decref(vd->listings);
	json_decref(vd->notes);
	free(vd->listings_error);
	free(vd->notes_error);
	vd->vendor = vd->listings = vd->notes = NULL;
	vd->listings_error = vd->notes_error = NULL;
}

static void
vendor_load(struct view *v)
{
	struct vendor	*vd = v->data;
	char		*path = vendor_path(vd->id), *sub, limit[16];
	struct buf	 b;

	/* Its events come with its region's: the view reloads on either. */
	views_follow(v, "vendors", VENDOR_WATCHERS, VENDOR_REGIONAL);
	vendor_parts_clear(vd);
	snprintf(limit, sizeof limit, "%d", VENDOR_RECENT);
	view_request(v, TAG_GET, "GET", path, NULL);
	buf_init(&b, 0);
	if (!buf_adds(&b, "/v1/listings"))
		fatalx("vendor_load");
	client_query(&b, "vendor_id", vd->id);
	client_query(&b, "limit", limit);
	view_request(v, TAG_LISTINGS, "GET", b.data, NULL);
	buf_free(&b);
	sub = xasprintf("%s/notes?limit=%s", path, limit);
	view_request(v, TAG_NOTES, "GET", sub, NULL);
	free(sub);
	free(path);
}

/* "active 3  pending_review 1  draft 0  rejected 0  archived 0" */
static char *
vendor_counts(const json_t *counts)
{
	static const char *const order[] = { "active", "pending_review",
	    "draft", "rejected", "archived" };
	struct buf	 b;
	char		 n[32];
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (!buf_printf(&b, "%s%s %s", i > 0 ? "  " : "", order[i],
		    views_text(counts, order[i], n, sizeof n)))
			fatalx("vendor_counts");
	}
	return buf_take(&b, NULL);
}

/* "12 in 30 days, 140 in all; last sale 2026-11-20 10:00" */
static char *
vendor_sales(const json_t *sales)
{
	const char	*last = json_string_value(json_object_get(sales,
			    "last_sale_at"));
	char		 n1[32], n2[32], when[32];
	const char	*d30 = views_text(sales, "units_30d", n1, sizeof n1);
	const char	*all = views_text(sales, "units_total", n2, sizeof n2);

	views_time(last, false, when, sizeof when);
	return xasprintf("%s unit%s in 30 days, %s in all; %s%s", d30,
	    strcmp(d30, "1") == 0 ? "" : "s", all, last != NULL ?
	    "last sale " : "no sale yet", when);
}

static void
vendor_summary(struct view *v, const json_t *o, const char *id)
{
	const json_t		*summary = json_object_get(o, "summary");
	struct form_field	*f;
	char			*text, *cmd, num[32];
	const char		*n;

	if (summary == NULL)
		return;
	text = vendor_counts(json_object_get(summary, "listings"));
	f = form_add(v->form, "summary", "Listings", text, 0);
	cmd = xasprintf("listings --vendor %s --status all", id);
	form_link(f, cmd);
	free(cmd);
	free(text);
	text = vendor_sales(json_object_get(summary, "sales"));
	form_add(v->form, "summary", "Sold", text, 0);
	free(text);
	n = views_text(summary, "low_stock_variants", num, sizeof num);
	text = xasprintf("%s variant%s at or below its alert level", n,
	    strcmp(n, "1") == 0 ? "" : "s");
	form_add(v->form, "summary", "Low stock", text, 0);
	free(text);
}

static void
vendor_recent_listings(struct view *v, struct vendor *vd)
{
	struct form_field	*f;
	const json_t		*l;
	char			*text, *cmd, num[32], price[64];
	const char		*id;
	size_t			 i;

	if (vd->listings_error != NULL) {
		form_add(v->form, "listings", "Newest listings",
		    vd->listings_error, 0);
		return;
	}
	if (json_array_size(vd->listings) == 0)
		form_add(v->form, "listings", "Newest listings", "none", 0);
	json_array_foreach(vd->listings, i, l) {
		views_price(l, false, price, sizeof price);
		id = views_text(l, "id", num, sizeof num);
		text = xasprintf("%s  %s  %s  %s", id, views_text(l, "title",
		    NULL, 0), views_text(l, "status", NULL, 0), price);
		f = form_add(v->form, "listings", i == 0 ? "Newest listings" :
		    "", text, 0);
		cmd = xasprintf("listing %s", id);
		form_link(f, cmd);
		free(cmd);
		free(text);
	}
}

/* "2026-11-21 11:00  visit  Asha: met the owner" */
static char *
vendor_note_text(const json_t *n)
{
	const char	*visited = json_string_value(json_object_get(n,
			    "visited_at"));
	const char	*who = json_string_value(json_object_get(n,
			    "author_name"));
	char		 when[32], *body, *p;

	views_time(visited != NULL ? visited : json_string_value(
	    json_object_get(n, "created_at")), false, when, sizeof when);
	body = xstrdup(views_text(n, "body", NULL, 0));
	for (p = body; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	}
	p = xasprintf("%s  %-5s  %s: %s", when, views_text(n, "kind", NULL,
	    0), who != NULL ? who : "someone", body);
	free(body);
	return p;
}

static void
vendor_notes(struct view *v, struct vendor *vd)
{
	const json_t	*n;
	char		*text;
	size_t		 i;

	if (vd->notes_error != NULL) {
		form_add(v->form, "notes", "Visits, notes", vd->notes_error,
		    0);
		return;
	}
	if (json_array_size(vd->notes) == 0)
		form_add(v->form, "notes", "Visits, notes", "none", 0);
	json_array_foreach(vd->notes, i, n) {
		text = vendor_note_text(n);
		form_add(v->form, "notes", i == 0 ? "Visits, notes" : "", text,
		    0);
		free(text);
	}
}

static void
vendor_fill(struct view *v)
{
	struct vendor		*vd = v->data;
	struct form_field	*f;
	const json_t		*o = vd->vendor;
	char			*text, *cmd, num[32], rating[48];
	size_t			 keep = form_cursor(v->form);

	form_clear(v->form);
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "name", "Name");
	views_field(v->form, o, "status", "Status");
	/* Named as soukd names the reason it checks: its errors show here. */
	form_add(v->form, "reason", "Because", views_text(o, "status_reason",
	    NULL, 0), 0);
	views_field(v->form, o, "legal_name", "Legal name");
	views_field(v->form, o, "category", "Category");
	text = views_words_join(json_object_get(o, "badges"), ", ");
	form_add(v->form, "badges", "Badges", text, 0);
	free(text);
	vendor_rating(o, rating, sizeof rating);
	form_add(v->form, "rating", "Rating", rating, 0);
	views_field(v->form, o, "address", "Address");
	f = views_field(v->form, o, "region_id", "Region");
	if (json_is_integer(json_object_get(o, "region_id"))) {
		cmd = xasprintf("region %s", views_text(o, "region_id", num,
		    sizeof num));
		form_link(f, cmd);
		free(cmd);
	}
	views_field(v->form, o, "pincode", "Pincode");
	views_field(v->form, o, "gstin", "GSTIN");
	views_field(v->form, o, "pan", "PAN");
	views_field(v->form, o, "contact_name", "Contact");
	views_field(v->form, o, "contact_phone", "Phone");
	views_field(v->form, o, "contact_email", "Email");
	f = views_field(v->form, o, "registration_id", "Registration");
	if (json_is_integer(json_object_get(o, "registration_id"))) {
		cmd = xasprintf("registration %s", views_text(o,
		    "registration_id", num, sizeof num));
		form_link(f, cmd);
		free(cmd);
	}
	views_time_field(v->form, o, "created_at", "Joined");
	vendor_summary(v, o, vd->id);
	vendor_recent_listings(v, vd);
	vendor_notes(v, vd);
	form_add(v->form, "keys", "", "s suspend  a reactivate  n note  "
	    "v visit  L listings", 0);
	form_seek(v->form, keep);
	free(v->title);
	v->title = xasprintf("vendor %s", vd->id);
	/* --json: the vendor, with the listings and notes shown. */
	json_decref(v->json);
	v->json = json_deep_copy(o);
	json_object_set(v->json, "newest_listings", vd->listings != NULL ?
	    vd->listings : json_null());
	json_object_set(v->json, "notes", vd->notes != NULL ? vd->notes :
	    json_null());
}

static void
vendor_result(struct view *v, struct request *r)
{
	struct vendor	*vd = v->data;
	json_t		*data;
	bool		 ok;

	if (decision_result(v, r, &vd->d, &ok)) {
		if (ok)
			view_load(v);
		return;
	}
	if (r->tag == TAG_GET && r->resp.status != CLIENT_OK) {
		view_fail(v, &r->resp);
		return;
	}
	data = json_object_get(r->resp.json, "data");
	switch (r->tag) {
	case TAG_GET:
		vd->vendor = json_incref(r->resp.json);
		break;
	case TAG_LISTINGS:
		if (r->resp.status != CLIENT_OK)
			vd->listings_error = xstrdup(r->resp.message);
		else
			vd->listings = json_incref(data);
		break;
	case TAG_NOTES:
		if (r->resp.status != CLIENT_OK)
			vd->notes_error = xstrdup(r->resp.message);
		else
			vd->notes = json_incref(data);
		break;
	default:
		return;
	}
	if (v->inflight > 0 || vd->vendor == NULL)
		return;
	vendor_fill(v);
	view_done(v);
}

static void
vendor_free(struct view *v)
{
	struct vendor	*vd = v->data;

	if (vd == NULL)
		return;
	decision_clear(&vd->d);
	vendor_parts_clear(vd);
	free(vd->id);
	free(vd);
}

static const struct view_ops vendor_ops = {
	"vendor", SCOPE_VENDOR, WIDGET_FORM, NULL, NULL,
	vendor_load, vendor_result, NULL, vendor_free, 0, NULL,
};

static struct decision *
vendor_decision_of(struct view *v)
{
	if (v->ops == &vendors_ops)
		return &((struct vendors *)v->data)->d;
	return &((struct vendor *)v->data)->d;
}

struct view *
vendor_view(struct app *a, const char *id)
{
	struct vendor	*vd = xcalloc(1, sizeof *vd);
	struct view	*v;
	char		*title = xasprintf("vendor %s", id);

	v = view_new(a, &vendor_ops, title, NULL, 0);
	free(title);
	vd->id = xstrdup(id);
	v->data = vd;
	return v;
}

/* The vendor a key is about: the row under the cursor, or the one shown. */
static const json_t *
vendor_subject(struct view *v)
{
	if (v->table != NULL)
		return table_cursor_data(v->table);
	return ((struct vendor *)v->data)->vendor;
}

void
vendors_key_suspend(struct app *a, struct view *v, int key)
{
	(void)key;
	vendor_decide(a, v, vendor_subject(v), VENDOR_SUSPEND);
}

void
vendors_key_reactivate(struct app *a, struct view *v, int key)
{
	(void)key;
	vendor_decide(a, v, vendor_subject(v), VENDOR_REACTIVATE);
}

/* n, v: the form recording a note or a visit to the vendor. */
static void
vendor_key_note(struct app *a, struct view *v, bool visit)
{
	const json_t	*o = vendor_subject(v);
	char		 id[32];

	if (o == NULL)
		return;
	app_push(a, vendor_note_view(a, views_text(o, "id", id, sizeof id),
	    visit, NULL, NULL));
}

void
vendors_key_note(struct app *a, struct view *v, int key)
{
	(void)key;
	vendor_key_note(a, v, false);
}

void
vendors_key_visit(struct app *a, struct view *v, int key)
{
	(void)key;
	vendor_key_note(a, v, true);
}

void
vendors_key_listings(struct app *a, struct view *v, int key)
{
	const json_t	*o = vendor_subject(v);
	char		 id[32];

	(void)key;
	if (o == NULL)
		return;
	app_push(a, listings_view(a, NULL, "all", views_text(o, "id", id,
	    sizeof id), NULL, NULL));
}

/* --- a visit or a note ---------------------------------------------------- */

struct vendor_note {
	char	*id;
	bool	 visit;
};

/* The note as a body for soukd, or NULL with field errors. */
static char *
vendor_note_body(struct view *v)
{
	struct vendor_note	*n = v->data;
	struct form_field	*when, *text;
	json_t			*o;
	char			*cause = NULL, at[64], *body;

	text = form_find(v->form, "body");
	o = json_pack("{s:s, s:s}", "kind", n->visit ? "visit" : "note",
	    "body", text->value);
	if (n->visit) {
		when = form_find(v->form, "visited_at");
		if (!audit_time(when->value, time(NULL), at, sizeof at,
		    &cause)) {
			free(when->error);
			when->error = cause;
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, "visited_at", json_string(at));
	}
	if ((body = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("vendor_note_body: json");
	json_decref(o);
	return body;
}

static void
vendor_note_submit(struct view *v)
{
	struct vendor_note	*n = v->data;
	struct form_field	*when;
	char			*body, *path, *notes;

	form_clear_errors(v->form);
	if ((body = vendor_note_body(v)) == NULL) {
		when = form_find(v->form, "visited_at");
		if (app_batch(v->app)) {
			free(v->error);
			v->error = xstrdup(when->error);
		} else
			app_message(v->app, MSG_ERROR, "correct the fields "
			    "marked");
		return;
	}
	path = vendor_path(n->id);
	notes = xasprintf("%s/notes", path);
	view_restart(v);
	view_request(v, TAG_NOTE, "POST", notes, body);
	free(notes);
	free(path);
	free(body);
}

static void
vendor_note_show(struct view *v, json_t *o)
{
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "vendor_id", "Vendor");
	views_field(v->form, o, "kind", "Kind");
	views_time_field(v->form, o, "visited_at", "Visited");
	views_field(v->form, o, "body", "Text");
	views_field(v->form, o, "author_name", "By");
	views_time_field(v->form, o, "created_at", "Recorded");
}

static void
vendor_note_result(struct view *v, struct request *r)
{
	struct vendor_note	*n = v->data;
	struct view		*below;
	struct app		*a;

	v->loading = v->inflight > 0;
	if (r->resp.status != CLIENT_OK) {
		if (r->resp.status == CLIENT_PROBLEM && r->resp.json != NULL)
			form_problem(v->form, r->resp.json);
		if (app_batch(v->app)) {
			free(v->error);
			v->error = xstrdup(r->resp.message);
		} else
			app_message(v->app, MSG_ERROR, "%s", r->resp.message);
		return;
	}
	if (app_batch(v->app)) {
		form_clear(v->form);
		vendor_note_show(v, r->resp.json);
		json_decref(v->json);
		v->json = json_incref(r->resp.json);
		view_done(v);
		return;
	}
	a = v->app;
	app_message(a, MSG_INFO, "%s recorded for vendor %s", n->visit ?
	    "visit" : "note", n->id);
	app_pop(a);	/* v is gone now */
	/* The vendor it came from shows it. */
	if ((below = app_top(a)) != NULL && below->ops->load != NULL &&
	    !(below->ops->flags & VIEW_MANUAL))
		view_load(below);
}

static void
vendor_note_free(struct view *v)
{
	struct vendor_note	*n = v->data;

	if (n == NULL)
		return;
	free(n->id);
	free(n);
}

static const struct view_ops vendor_note_ops = {
	"note-vendor", SCOPE_FORM, WIDGET_FORM, NULL, NULL,
	NULL, vendor_note_result, vendor_note_submit, vendor_note_free,
	VIEW_MANUAL, NULL,
};

struct view *
vendor_note_view(struct app *a, const char *id, bool visit, const char *at,
    const char *text)
{
	struct vendor_note	*n = xcalloc(1, sizeof *n);
	struct view		*v;
	char			*title;

	title = xasprintf("%s vendor %s", visit ? "visit" : "note", id);
	v = view_new(a, &vendor_note_ops, title, NULL, 0);
	free(title);
	n->id = xstrdup(id);
	n->visit = visit;
	v->data = n;
	v->loaded = true;
	form_add(v->form, "vendor_id", "Vendor", id, 0);
	form_add(v->form, "kind", "Kind", visit ? "visit" : "note", 0);
	if (visit)
		form_add(v->form, "visited_at", "When", at != NULL ? at :
		    "now", FORM_EDIT);
	form_add(v->form, "body", "Text", text, FORM_EDIT);
	form_add(v->form, "save", "", visit ? "Record the visit" :
	    "Add the note", FORM_BUTTON);
	if (visit)
		form_add(v->form, "when", "", "When: now, today 11am, "
		    "yesterday 4pm, 2h (that long ago) or RFC 3339", 0);
	form_seek(v->form, 2);	/* when, or the text of a note */
	if (app_batch(a))
		vendor_note_submit(v);
	return v;
}

/* --- the commands that act at once ---------------------------------------- */

static void
vendor_show(struct view *v, json_t *o)
{
	views_field(v->form, o, "id", "ID");
	views_field(v->form, o, "name", "Name");
	views_field(v->form, o, "status", "Status");
	views_field(v->form, o, "status_reason", "Because");
}

struct view *
vendor_status_view(struct app *a, const char *id, bool suspend,
    const char *reason)
{
	struct view	*v;
	char		*path = vendor_path(id);

	v = decision_view(a, &vendor_kinds[suspend ? VENDOR_SUSPEND :
	    VENDOR_REACTIVATE], "vendor", path, id, reason, vendor_show);
	free(path);
	return v;
}
