/*
 * leads_csv: leads from a spreadsheet.
 *
 *	POST /v1/leads/import	text/csv; ?queue_id= or ?queue=<name>,
 *				map.<column>=<field>, dry_run=1
 *
 * The header names each column's field: a lead field's name (name, phone,
 * alt_phone, email, language, region_id, pincode, timezone, source,
 * interest, tags, score, priority, owner_id), custom.<x> for a custom
 * field, or a common alias ("mobile", "phone number" for phone...);
 * map.<column>=<field> says it where the header does not, and
 * map.<column>=ignore drops a column.  Other columns are ignored and
 * named in the report.  tags are separated by | or ;.
 *
 * Every row is checked as POST /v1/leads checks a body, plus what a file
 * can hide: text a spreadsheet would run as a formula (=, +, -, @ first)
 * and bytes that are not UTF-8.  Good rows go in through lead_ingest in
 * batches (one round trip per batch, each row whole or not at all): a row
 * whose phone or email is already a lead, or was an earlier row of the
 * file, merges into it.  The report counts created, merged and rejected
 * rows and says why each rejected row was.  dry_run=1 does all of it and
 * keeps nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "csv.h"
#include "events.h"
#include "log.h"
#include "num.h"
#include "req.h"
#include "tele/lead.h"
#include "utf8.h"

#define LEADS_CSV_UPLOAD_MAX	(64 * 1024 * 1024)
#define LEADS_CSV_MAX_ROWS	200000
#define LEADS_CSV_FIELD_MAX	(64 * 1024)
#define LEADS_CSV_BATCH		2000
#define LEADS_CSV_MAX_REPORT	1000

static const struct db_stmt leads_csv_stmts[] = {
	{ "leads_csv_queue",
	  "SELECT id FROM queues WHERE id::text = $1 OR name = $1" },
	/* $1 rows, $2 actor, $3 scope, $4 careful */
	{ "leads_csv_ingest",
	  "SELECT row_n, lead_id, merged, refused_by, reason"
	  " FROM lead_ingest_rows($1::jsonb, $2, $3::bigint[], $4)" },
};

enum { STMT_QUEUE, STMT_INGEST };

/* What a column may be mapped to, besides custom.<x> and ignore. */
static const char *const leads_csv_fields[] = {
	"name", "phone", "alt_phone", "email", "language", "region_id",
	"pincode", "timezone", "source", "interest", "tags", "score",
	"priority", "owner_id",
};

/* Header names people use for a field. */
static const struct {
	const char	*alias, *field;
} leads_csv_aliases[] = {
	{ "mobile", "phone" }, { "mobile number", "phone" },
	{ "mobile no", "phone" }, { "phone number", "phone" },
	{ "phone_number", "phone" }, { "contact", "phone" },
	{ "contact number", "phone" }, { "telephone", "phone" },
	{ "alternate phone", "alt_phone" }, { "alt phone", "alt_phone" },
	{ "full name", "name" }, { "e-mail", "email" },
	{ "email address", "email" }, { "pin", "pincode" },
	{ "pin code", "pincode" }, { "zip", "pincode" },
	{ "region", "region_id" }, { "tag", "tags" },
};

struct leads_csv {
	struct req	*r;
	const char	*data;
	size_t		 len;
	bool		 dry_run, done;
	char		 queue[24], actor[24];
	json_t		*map;		/* map.<column> query parameters */
	char		*file_error;
	/* Column i's field ("custom.x", NULL: ignored). */
	char		*col[CSV_MAX_FIELDS];
	size_t		 ncols;
	json_t		*ignored;	/* column names */
	/* The report. */
	size_t		 rows, created, merged, rejected;
	json_t		*report;
	json_t		*batch;		/* rows waiting to go in */
};

struct leads_csv_row {
	json_t	*errors;
};

static void
row_error(void *arg, const char *field, const char *code, const char *msg)
{
	struct leads_csv_row	*row = arg;

	if (json_array_size(row->errors) < 20)
		json_array_append_new(row->errors, json_pack("{s:s,s:s,s:s}",
		    "field", field, "code", code, "message", msg));
}

static bool
leads_csv_known(const char *field)
{
	size_t	i;

	if (strncmp(field, "custom.", 7) == 0)
		return strlen(field) > 7 && strlen(field) <= 64;
	for (i = 0; i < API_NELEM(leads_csv_fields); i++)
		if (strcmp(field, leads_csv_fields[i]) == 0)
			return true;
	return false;
}

/* Reads the header into col[]; false with file_error set. */
static bool
leads_csv_header(struct leads_csv *im, struct csv_reader *cr)
{
	const char	*name, *to;
	char		 low[128];
	size_t		 i, j, k;

	im->ncols = cr->nfields;
	for (i = 0; i < cr->nfields; i++) {
		name = cr->fields[i];
		if (!utf8_valid(name, strlen(name))) {
			im->file_error = xasprintf("column %zu's name is not "
			    "UTF-8", i + 1);
			return false;
		}
		to = json_string_value(json_object_get(im->map, name));
		if (to == NULL) {
			for (j = k = 0; name[j] != '\0' && k < sizeof low - 1;
			    j++) {
				if (k == 0 && name[j] == ' ')
					continue;
				low[k++] = (name[j] >= 'A' && name[j] <= 'Z') ?
				    (char)(name[j] - 'A' + 'a') : name[j];
			}
			while (k > 0 && low[k - 1] == ' ')
				k--;
			low[k] = '\0';
			to = low;
			for (j = 0; j < API_NELEM(leads_csv_aliases); j++)
				if (strcmp(low, leads_csv_aliases[j].alias) ==
				    0)
					to = leads_csv_aliases[j].field;
		}
		if (strcmp(to, "ignore") != 0 && leads_csv_known(to)) {
			for (j = 0; j < i; j++) {
				if (im->col[j] != NULL &&
				    strcmp(im->col[j], to) == 0) {
					im->file_error = xasprintf("columns %zu "
					    "and %zu are both %s", j + 1, i + 1,
					    to);
					return false;
				}
			}
			im->col[i] = xstrdup(to);
		} else if (strcmp(to, "ignore") != 0 &&
		    json_array_size(im->ignored) < 50)
			json_array_append_new(im->ignored, json_string(name));
	}
	for (i = 0; i < im->ncols; i++)
		if (im->col[i] != NULL && strcmp(im->col[i], "phone") == 0)
			return true;
	im->file_error = xstrdup("no column is the phone number: name one "
	    "phone (or mobile), or map it with map.<column>=phone");
	return false;
}

/* Text a spreadsheet would run as a formula. */
static bool
leads_csv_formula(const char *s)
{
	return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

/* "a|b;c" as a JSON array of its non-empty trimmed parts. */
static json_t *
leads_csv_tags(const char *s)
{
	json_t		*a = json_array();
	const char	*e;
	size_t		 n;

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		e = s + strcspn(s, "|;");
		n = (size_t)(e - s);
		while (n > 0 && s[n - 1] == ' ')
			n--;
		if (n > 0)
			json_array_append_new(a, json_stringn(s, n));
		s = *e != '\0' ? e + 1 : e;
	}
	return a;
}

/*
 * The row as a lead object, checked; NULL with row->errors filled when
 * it is refused.
 */
static json_t *
leads_csv_lead(struct leads_csv *im, struct csv_reader *cr,
    struct leads_csv_row *row)
{
	const struct principal	*p = req_principal(im->r);
	json_t		*lead = json_object(), *custom = json_object();
	const char	*s, *field;
	int64_t		 n;
	size_t		 i;

	for (i = 0; i < im->ncols && i < cr->nfields; i++) {
		if ((field = im->col[i]) == NULL || cr->fields[i][0] == '\0')
			continue;
		s = cr->fields[i];
		if (!utf8_valid(s, strlen(s))) {
			row_error(row, field, "encoding", "is not UTF-8 text");
			continue;
		}
		/* The ' a spreadsheet export puts before a formula-like text. */
		if (s[0] == '\'' && leads_csv_formula(s + 1))
			s++;
		else if (leads_csv_formula(s) && strcmp(field, "phone") != 0 &&
		    strcmp(field, "alt_phone") != 0) {
			row_error(row, field, "formula", "starts like a "
			    "spreadsheet formula (=, +, -, @)");
			continue;
		}
		if (strncmp(field, "custom.", 7) == 0) {
			if (strlen(s) > 1000)
				row_error(row, field, "too_long", "is longer "
				    "than 1000 characters");
			else
				json_object_set_new(custom, field + 7,
				    json_string(s));
		} else if (strcmp(field, "tags") == 0)
			json_object_set_new(lead, field, leads_csv_tags(s));
		else if (strcmp(field, "score") == 0 ||
		    strcmp(field, "priority") == 0 ||
		    strcmp(field, "region_id") == 0 ||
		    strcmp(field, "owner_id") == 0) {
			if (!num_int64(s, 0, INT64_MAX, &n))
				row_error(row, field, "invalid", "must be a "
				    "whole number");
			else
				json_object_set_new(lead, field,
				    json_integer(n));
		} else
			json_object_set_new(lead, field, json_string(s));
	}
	if (json_object_size(custom) > 0)
		json_object_set(lead, "custom", custom);
	json_decref(custom);
	if (json_object_get(lead, "source") == NULL)
		json_object_set_new(lead, "source", json_string("csv_import"));
	if (im->queue[0] != '\0')
		json_object_set_new(lead, "queue_id", json_integer(strtoll(
		    im->queue, NULL, 10)));
	if (p != NULL && req_scope(im->r) != NULL && p->nregions > 0 &&
	    json_object_get(lead, "region_id") == NULL)
		json_object_set_new(lead, "region_id",
		    json_integer(p->regions[0]));
	if (json_array_size(row->errors) == 0 &&
	    jsonv_check(lead, tele_lead_fields, row_error, row))
		tele_lead_check(lead, true, row_error, row);
	if (json_array_size(row->errors) > 0) {
		json_decref(lead);
		return NULL;
	}
	return lead;
}

static void
leads_csv_reject(struct leads_csv *im, json_int_t line, json_t *errors)
{
	im->rejected++;
	if (json_array_size(im->report) < LEADS_CSV_MAX_REPORT)
		json_array_append_new(im->report, json_pack("{s:I,s:O}",
		    "row", line, "errors", errors));
}

/* What a database refusal of a row means, as a row error. */
static void
leads_csv_refusal(const char *constraint, const char *reason,
    struct leads_csv_row *row)
{
	static const struct {
		const char	*constraint, *field, *msg;
	} map[] = {
		{ "leads_region_id_fkey", "region_id", "is not a region" },
		{ "leads_queue_id_fkey", "queue_id", "is not a queue" },
		{ "leads_owner_id_fkey", "owner_id", "is not a user" },
		{ "lead_owner", "owner_id", "must be an active member of "
		  "staff" },
		{ "lead_owner_region", "owner_id", "works in none of the "
		  "lead's regions" },
		{ "lead_scope", "phone", "is a lead outside your regions" },
		{ "lead_region_scope", "region_id", "is not a region of "
		  "yours" },
		{ "lead_timezone", "timezone", "must be an IANA time zone "
		  "such as Asia/Kolkata" },
		{ "leads_email", "email", "is another lead's" },
	};
	size_t	i;

	for (i = 0; i < API_NELEM(map); i++) {
		if (strcmp(constraint, map[i].constraint) == 0) {
			row_error(row, map[i].field, "refused", map[i].msg);
			return;
		}
	}
	if (strcmp(constraint, "lead_custom") == 0)
		row_error(row, "custom", "invalid", reason);
	else
		row_error(row, "", "refused", reason);
}

/* Sends the waiting rows through lead_ingest_rows. */
static bool
leads_csv_flush(struct db *db, struct leads_csv *im)
{
	struct leads_csv_row	 row;
	const char		*params[4];
	char			*rows;
	PGresult		*res;
	int			 i;

	if (json_array_size(im->batch) == 0)
		return true;
	if ((rows = json_dumps(im->batch, JSON_COMPACT)) == NULL)
		fatalx("leads_csv_flush: json_dumps");
	params[0] = rows;
	params[1] = im->actor;
	params[2] = req_scope(im->r);
	params[3] = "false";
	/*
	 * The rows were checked: most batches go in whole at once.  One the
	 * database refuses goes in again row by row, each in a
	 * subtransaction, so that the report can say which and why.
	 */
	if (!db_command(db, "SAVEPOINT leads_batch")) {
		free(rows);
		return false;
	}
	res = db_exec(db, &leads_csv_stmts[STMT_INGEST], 4, params);
	if (res == NULL && (db_status(db) == DB_CONSTRAINT ||
	    db_status(db) == DB_BAD_INPUT)) {
		if (!db_command(db, "ROLLBACK TO SAVEPOINT leads_batch")) {
			free(rows);
			return false;
		}
		params[3] = "true";
		res = db_exec(db, &leads_csv_stmts[STMT_INGEST], 4, params);
	}
	free(rows);
	json_array_clear(im->batch);
	if (res == NULL || !db_command(db, "RELEASE SAVEPOINT leads_batch")) {
		PQclear(res);
		return false;
	}
	for (i = 0; i < PQntuples(res); i++) {
		if (!PQgetisnull(res, i, 1)) {
			if (PQgetvalue(res, i, 2)[0] == 't')
				im->merged++;
			else
				im->created++;
			continue;
		}
		row.errors = json_array();
		leads_csv_refusal(PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
		    &row);
		leads_csv_reject(im, strtoll(PQgetvalue(res, i, 0), NULL, 10),
		    row.errors);
		json_decref(row.errors);
	}
	PQclear(res);
	return true;
}

static bool
leads_csv_tx(struct db *db, void *arg)
{
	struct leads_csv	*im = arg;
	struct leads_csv_row	 row;
	struct csv_reader	 cr;
	json_t			*lead;
	char			*data, topic[40];
	int			 got;
	bool			 ok = false;

	/* A retried transaction starts over. */
	im->done = false;
	im->rows = im->created = im->merged = im->rejected = 0;
	json_array_clear(im->report);
	json_array_clear(im->batch);
	json_array_clear(im->ignored);
	for (im->ncols = 0; im->ncols < CSV_MAX_FIELDS; im->ncols++) {
		free(im->col[im->ncols]);
		im->col[im->ncols] = NULL;
	}
	im->ncols = 0;
	csv_open(&cr, im->data, im->len, LEADS_CSV_FIELD_MAX);
	if ((got = csv_next(&cr)) != 1) {
		im->file_error = xstrdup(got == 0 ? "the file is empty" :
		    cr.error);
		goto out;
	}
	if (!leads_csv_header(im, &cr))
		goto out;
	while ((got = csv_next(&cr)) == 1) {
		if (++im->rows > LEADS_CSV_MAX_ROWS) {
			im->file_error = xasprintf("more than %d rows: split "
			    "the file", LEADS_CSV_MAX_ROWS);
			goto out;
		}
		row.errors = json_array();
		if ((lead = leads_csv_lead(im, &cr, &row)) == NULL)
			leads_csv_reject(im, (json_int_t)cr.line, row.errors);
		else {
			json_object_set_new(lead, "_row",
			    json_integer((json_int_t)cr.line));
			json_array_append_new(im->batch, lead);
		}
		json_decref(row.errors);
		if (json_array_size(im->batch) >= LEADS_CSV_BATCH &&
		    !leads_csv_flush(db, im))
			goto out;
	}
	if (got < 0) {
		im->file_error = xstrdup(cr.error);
		goto out;
	}
	if (!leads_csv_flush(db, im))
		goto out;
	/* A dry run rolls back what it did, and has its report. */
	if ((im->done = im->dry_run))
		goto out;
	data = xasprintf("{\"created\":%zu,\"merged\":%zu,\"rejected\":%zu,"
	    "\"queue_id\":%s}", im->created, im->merged, im->rejected,
	    im->queue[0] != '\0' ? im->queue : "null");
	ok = events_publish(db, "leads", "leads.imported", data);
	if (ok && im->queue[0] != '\0') {
		snprintf(topic, sizeof topic, "queue:%s", im->queue);
		ok = events_publish(db, topic, "leads.imported", data);
	}
	ok = ok && account_audit(db, im->r, 0, "leads.imported", "queue",
	    im->queue[0] != '\0' ? im->queue : NULL, NULL, data, NULL);
	free(data);
	im->done = ok;
out:
	csv_close(&cr);
	return ok;
}

static void
leads_csv_import(struct req *r)
{
	struct leads_csv	 im;
	struct db		*db;
	const char		*ctype = req_header(r, "Content-Type");
	const char		*dry = req_query(r, "dry_run");
	const char		*queue = req_query(r, "queue_id"), *params[1];
	const char		*k;
	json_t			*v;
	PGresult		*res;
	size_t			 i;

	memset(&im, 0, sizeof im);
	im.r = r;
	im.report = json_array();
	im.batch = json_array();
	im.ignored = json_array();
	im.map = req_query_prefixed(r, "map.");
	if (dry != NULL && !num_bool(dry, &im.dry_run))
		req_field_error(r, "dry_run", "invalid", "must be 1 or 0");
	if (queue != NULL && !router_valid_id(queue, strlen(queue)))
		req_field_error(r, "queue_id", "invalid", "must be a queue id");
	if (queue == NULL)
		queue = req_query(r, "queue");
	json_object_foreach(im.map, k, v) {
		if (strcmp(json_string_value(v), "ignore") != 0 &&
		    !leads_csv_known(json_string_value(v))) {
			req_field_error(r, "map", "invalid", "map.%.40s: %.40s "
			    "is not a lead field (name, phone, alt_phone, "
			    "email, language, region_id, pincode, timezone, "
			    "source, interest, tags, score, priority, "
			    "owner_id, custom.<x>, ignore)", k,
			    json_string_value(v));
			break;
		}
	}
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if (ctype == NULL || strncmp(ctype, "text/csv", 8) != 0 ||
	    (ctype[8] != '\0' && ctype[8] != ';')) {
		req_problem(r, "unsupported-media-type", "send the file as "
		    "Content-Type: text/csv");
		goto out;
	}
	if (queue != NULL) {
		params[0] = queue;
		if ((res = req_exec(r, &leads_csv_stmts[STMT_QUEUE], 1,
		    params)) == NULL)
			goto out;
		if (PQntuples(res) == 0) {
			PQclear(res);
			req_field_error(r, "queue", "unknown", "there is no "
			    "such queue");
			req_fail_fields(r);
			goto out;
		}
		snprintf(im.queue, sizeof im.queue, "%s", PQgetvalue(res, 0,
		    0));
		PQclear(res);
	}
	snprintf(im.actor, sizeof im.actor, "%lld",
	    (long long)req_principal(r)->user_id);
	im.data = req_body(r, &im.len);
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, leads_csv_tx, &im) && !im.done) {
		if (im.file_error != NULL)
			req_problem(r, "unprocessable", "%s", im.file_error);
		else
			req_db_problem(r, db);
		goto out;
	}
	req_reply_json(r, 200, json_pack("{s:I,s:I,s:I,s:I,s:b,s:O,s:O}",
	    "total", (json_int_t)im.rows, "created", (json_int_t)im.created,
	    "merged", (json_int_t)im.merged, "rejected",
	    (json_int_t)im.rejected, "dry_run", im.dry_run, "ignored_columns",
	    im.ignored, "rows", im.report));
out:
	for (i = 0; i < CSV_MAX_FIELDS; i++)
		free(im.col[i]);
	free(im.file_error);
	json_decref(im.map);
	json_decref(im.report);
	json_decref(im.batch);
	json_decref(im.ignored);
}

static const struct route leads_csv_routes[] = {
	{ "POST", "/v1/leads/import", leads_csv_import,
	  "queue_id,queue,map.*,dry_run", "leads.write",
	  "add leads from CSV, with a report of each refused row",
	  LEADS_CSV_UPLOAD_MAX },
};

const struct api_module leads_csv_module = {
	"leads_csv", leads_csv_routes, API_NELEM(leads_csv_routes),
	leads_csv_stmts, API_NELEM(leads_csv_stmts),
};
