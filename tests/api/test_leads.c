/*
 * Leads: a number typed any way is one lead (a second one merges into it,
 * its history kept); staff see and touch only their regions' leads; new
 * leads are routed to a queue and assigned to an available agent; notes,
 * explicit merges and bulk assignment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "suites.h"

#define LEAD	"/v1/leads/{id}"

/* A queue on the shared database: regions "{..}" or "{}", its assignment. */
static long
queue_new(const char *regions, const char *assignment, int priority)
{
	char		*name = cat_word("queue"), prio[16];
	const char	*params[4] = { name, regions, assignment, prio };
	long		 id;

	snprintf(prio, sizeof prio, "%d", priority);
	id = cat_long("INSERT INTO queues (name, region_ids, assignment,"
	    " priority) VALUES ($1, $2, $3, $4) RETURNING id", 4, params);
	free(name);
	return id;
}

/* Makes u an available agent of queue q. */
static void
agent_of(long q, const struct test_user *u)
{
	char		 qs[24], us[24];
	const char	*params[2] = { qs, us };

	snprintf(qs, sizeof qs, "%ld", q);
	snprintf(us, sizeof us, "%ld", u->id);
	PQclear(test_sql("INSERT INTO queue_agents (queue_id, user_id)"
	    " VALUES ($1, $2)", 2, params));
	PQclear(test_sql("INSERT INTO agent_states (user_id, state)"
	    " VALUES ($1, 'available') ON CONFLICT (user_id) DO UPDATE"
	    " SET state = 'available', reason = NULL", 1, params + 1));
}

/* A telecaller of a new region (*region, to free): who may own its leads. */
static struct test_user *
telecaller_of_region(char **region)
{
	const char	*regions[2];

	*region = test_region_new("owners");
	regions[0] = *region;
	regions[1] = NULL;
	return test_user_new(api_base(), "telecaller", regions);
}

/* The national number of an E.164 Indian mobile ("9876543210"). */
static const char *
national(const char *e164)
{
	return e164 + 3;
}

START_TEST(test_create_normalises_and_dedupes)
{
	struct test_user	*admin = cat_admin();
	char			*phone = test_phone(), *email, body[512];
	struct api_resp		*r;
	long			 id, events;

	email = cat_word("lead");
	/* Typed with a trunk 0 and spaces: stored in E.164. */
	snprintf(body, sizeof body, "{\"name\":\"Asha Rao\",\"phone\":"
	    "\"0%.5s %s\",\"tags\":[\"solar\"],\"score\":20,\"interest\":"
	    "\"rooftop\"}", national(phone), national(phone) + 5);
	r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 201, body);
	ck_assert_str_eq(jstr(r->json, "phone"), phone);
	ck_assert_str_eq(jstr(r->json, "status"), "new");
	ck_assert_str_eq(jstr(r->json, "source"), "manual");
	ck_assert_int_eq(strlen(jstr(r->json, "local_time")), 5);
	id = jint(r->json, "id");
	api_free(r);

	/* The same number typed another way, with more to say: merged. */
	snprintf(body, sizeof body, "{\"name\":\"Someone Else\",\"phone\":"
	    "\"+91-%s\",\"email\":\"%s@Example.com\",\"tags\":[\"solar\","
	    "\"hot\"],\"score\":70,\"pincode\":\"560001\"}", national(phone),
	    email);
	r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 200, body);
	ck_assert_int_eq(jint(r->json, "id"), id);
	ck_assert(json_is_true(json_object_get(r->json, "merged")));
	/* Gaps filled, what it had kept, tags united, the higher score. */
	ck_assert_str_eq(jstr(r->json, "name"), "Asha Rao");
	ck_assert_str_eq(jstr(r->json, "pincode"), "560001");
	ck_assert_int_eq(jint(r->json, "score"), 70);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "tags")), 2);
	ck_assert_ptr_nonnull(strstr(jstr(r->json, "email"), "@example.com"));
	api_free(r);

	/* By email alone, with another number: merged, the number kept. */
	snprintf(body, sizeof body, "{\"phone\":\"+14155550100\",\"email\":"
	    "\"%s@example.com\"}", email);
	r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 200, body);
	ck_assert_int_eq(jint(r->json, "id"), id);
	ck_assert_str_eq(jstr(r->json, "alt_phone"), "+14155550100");
	api_free(r);

	/* One lead, and its history says what came in each time. */
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE phone = $1",
	    1, (const char *[]){ phone }), 1);
	r = cat_callf(admin, "GET", LEAD, 200, NULL, "/v1/leads/%ld", id);
	events = (long)json_array_size(json_object_get(json_object_get(
	    r->json, "history"), "events"));
	ck_assert_int_eq(events, 3);
	ck_assert_ptr_nonnull(strstr(r->body, "\"merged\""));
	ck_assert_ptr_nonnull(strstr(r->body, "Someone Else"));
	api_free(r);
	free(email);
	free(phone);
}
END_TEST

START_TEST(test_create_refuses_bad_input)
{
	struct test_user	*admin = cat_admin();
	static const char *const bad[][2] = {
		{ "{\"name\":\"x\"}", "phone" },
		{ "{\"phone\":\"12345\"}", "phone" },
		{ "{\"phone\":\"=cmd|' /C calc'!A0\"}", "phone" },
		{ "{\"phone\":\"9876543210\",\"email\":\"not-mail\"}", "email" },
		{ "{\"phone\":\"9876543210\",\"pincode\":\"012345\"}",
		  "pincode" },
		{ "{\"phone\":\"9876543210\",\"status\":\"lost\"}", "status" },
		{ "{\"phone\":\"9876543210\",\"source\":\"spam\"}", "source" },
		{ "{\"phone\":\"9876543210\",\"score\":101}", "score" },
		{ "{\"phone\":\"9876543210\",\"name\":\"a\\nb\"}", "name" },
		{ "{\"phone\":\"9876543210\",\"colour\":\"red\"}", "colour" },
		{ "{\"phone\":\"9876543210\",\"region_id\":999999999}",
		  "region_id" },
		{ "{\"phone\":\"9876543210\",\"queue_id\":999999999}",
		  "queue_id" },
	};
	struct api_resp		*r;
	size_t			 i;
	long			 before;

	before = cat_long("SELECT count(*) FROM leads", 0, NULL);
	for (i = 0; i < API_N(bad); i++) {
		r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 400,
		    bad[i][0]);
		api_expect_problem(r, 400, "validation", bad[i][1]);
		api_free(r);
	}
	/* A time zone that is not one: nothing stored. */
	r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 400,
	    "{\"phone\":\"+919000000001\",\"timezone\":\"Mars/Olympus\"}");
	api_expect_problem(r, 400, "validation", "timezone");
	api_free(r);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads", 0, NULL),
	    before);
}
END_TEST

START_TEST(test_region_isolation)
{
	char			*a = test_region_new("Leadland"), *b =
				    test_region_new("Farleadland");
	const char		*ra[] = { a, NULL }, *rb[] = { b, NULL };
	struct test_user	*tca = test_user_new(api_base(), "telecaller",
				    ra);
	struct test_user	*tcb = test_user_new(api_base(), "telecaller",
				    rb);
	char			*pa = test_phone(), *pb = test_phone(),
				 body[256];
	struct api_resp		*r;
	long			 la, lb;

	/* A telecaller's lead lands in their region without saying so. */
	snprintf(body, sizeof body, "{\"name\":\"In A\",\"phone\":\"%s\"}",
	    pa);
	r = cat_call(tca, "POST", "/v1/leads", "/v1/leads", 201, body);
	la = jint(r->json, "id");
	ck_assert_int_eq(jint(r->json, "region_id"), strtol(a, NULL, 10));
	api_free(r);
	snprintf(body, sizeof body, "{\"name\":\"In B\",\"phone\":\"%s\"}",
	    pb);
	r = cat_call(tcb, "POST", "/v1/leads", "/v1/leads", 201, body);
	lb = jint(r->json, "id");
	api_free(r);

	/* A sees A's lead, and B's is not there at all. */
	r = cat_callf(tca, "GET", LEAD, 200, NULL, "/v1/leads/%ld", la);
	api_free(r);
	r = cat_callf(tca, "GET", LEAD, 404, NULL, "/v1/leads/%ld", lb);
	api_free(r);
	r = cat_call(tca, "GET", "/v1/leads?limit=200", "/v1/leads", 200,
	    NULL);
	ck_assert(jhas_id(json_object_get(r->json, "data"), la));
	ck_assert(!jhas_id(json_object_get(r->json, "data"), lb));
	api_free(r);
	r = cat_callf(tca, "GET", "/v1/leads", 200, NULL, "/v1/leads?q=%s",
	    pb + 3);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 0);
	api_free(r);

	/* Nor can A edit, annotate, or move a lead into B's region. */
	r = cat_callf(tca, "PATCH", LEAD, 404, "{\"name\":\"Mine now\"}",
	    "/v1/leads/%ld", lb);
	api_free(r);
	r = cat_callf(tca, "POST", "/v1/leads/{id}/notes", 404,
	    "{\"text\":\"hello\"}", "/v1/leads/%ld/notes", lb);
	api_free(r);
	snprintf(body, sizeof body, "{\"region_id\":%s}", b);
	r = cat_callf(tca, "PATCH", LEAD, 400, body, "/v1/leads/%ld", la);
	api_expect_problem(r, 400, "validation", "region_id");
	api_free(r);
	/* Posting B's number does not merge into (edit) B's lead. */
	snprintf(body, sizeof body, "{\"name\":\"Sneaky\",\"phone\":\"%s\"}",
	    pb);
	r = cat_call(tca, "POST", "/v1/leads", "/v1/leads", 409, body);
	api_free(r);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM lead_events WHERE "
	    "lead_id = $1", lb), 1);
	r = cat_callf(tcb, "GET", LEAD, 200, NULL, "/v1/leads/%ld", lb);
	ck_assert_str_eq(jstr(r->json, "name"), "In B");
	api_free(r);
	free(pa);
	free(pb);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_routing_and_assignment)
{
	char			*reg = test_region_new("Routeland");
	char			 regs[32], body[256];
	const char		*rr[] = { reg, NULL };
	struct test_user	*t1 = test_user_new(api_base(), "telecaller",
				    rr);
	struct test_user	*t2 = test_user_new(api_base(), "telecaller",
				    rr);
	struct test_user	*sus = test_user_new(api_base(), "telecaller",
				    rr);
	struct api_resp		*r;
	char			*phone;
	long			 q, owners[4];
	int			 i;

	snprintf(regs, sizeof regs, "{%s}", reg);
	/* The highest-priority active queue of the region takes it. */
	q = queue_new(regs, "round_robin", 900);
	(void)queue_new(regs, "round_robin", 800);
	agent_of(q, t1);
	agent_of(q, t2);
	agent_of(q, sus);
	{
		char	id[24];

		snprintf(id, sizeof id, "%ld", sus->id);
		PQclear(test_sql("UPDATE users SET status = 'suspended' "
		    "WHERE id = $1", 1, (const char *[]){ id }));
	}
	for (i = 0; i < 4; i++) {
		phone = test_phone();
		snprintf(body, sizeof body, "{\"phone\":\"%s\",\"region_id\":"
		    "%s,\"source\":\"web_form\"}", phone, reg);
		r = cat_call(cat_admin(), "POST", "/v1/leads", "/v1/leads",
		    201, body);
		ck_assert_int_eq(jint(r->json, "queue_id"), q);
		/* Inbound: an SLA and priority 50. */
		ck_assert_ptr_nonnull(jstr(r->json, "sla_due_at"));
		ck_assert_int_eq(jint(r->json, "priority"), 50);
		owners[i] = jint(r->json, "owner_id");
		api_free(r);
		free(phone);
	}
	/* Round robin between the two active agents, never the suspended. */
	for (i = 0; i < 4; i++) {
		ck_assert(owners[i] == t1->id || owners[i] == t2->id);
		if (i > 0)
			ck_assert_int_ne(owners[i], owners[i - 1]);
	}
	/* The owner finds them with owner=me. */
	r = cat_call(t1, "GET", "/v1/leads?owner=me", "/v1/leads", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 2);
	api_free(r);
	free(reg);
}
END_TEST

START_TEST(test_patch_notes_and_history)
{
	struct test_user	*admin = cat_admin(), *tc;
	char			*phone = test_phone(), body[256], *region;
	struct api_resp		*r;
	long			 id;

	tc = telecaller_of_region(&region);
	snprintf(body, sizeof body, "{\"phone\":\"%s\",\"region_id\":%s}",
	    phone, region);
	free(region);
	r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 201, body);
	id = jint(r->json, "id");
	api_free(r);
	snprintf(body, sizeof body, "{\"status\":\"interested\",\"owner_id\":"
	    "%ld,\"timezone\":\"America/New_York\",\"tags\":[\"a\",\"a\","
	    "\"b\"]}", tc->id);
	r = cat_callf(admin, "PATCH", LEAD, 200, body, "/v1/leads/%ld", id);
	ck_assert_str_eq(jstr(r->json, "status"), "interested");
	ck_assert_int_eq(jint(r->json, "owner_id"), tc->id);
	ck_assert_str_eq(jstr(r->json, "timezone"), "America/New_York");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "tags")), 2);
	api_free(r);
	r = cat_callf(admin, "PATCH", LEAD, 400, "{\"phone\":\"9999999999\"}",
	    "/v1/leads/%ld", id);
	api_free(r);
	r = cat_callf(admin, "PATCH", LEAD, 400, "{\"timezone\":\"Nowhere\"}",
	    "/v1/leads/%ld", id);
	api_free(r);
	r = cat_callf(admin, "POST", "/v1/leads/{id}/notes", 201,
	    "{\"text\":\"Wants a quote\\nby Friday\"}", "/v1/leads/%ld/notes",
	    id);
	ck_assert_str_eq(jstr(r->json, "type"), "note");
	api_free(r);
	r = cat_callf(admin, "GET", LEAD, 200, NULL, "/v1/leads/%ld", id);
	ck_assert_ptr_nonnull(strstr(r->body, "\"from_status\": \"new\""));
	ck_assert_ptr_nonnull(strstr(r->body, "\"type\": \"assigned\""));
	ck_assert_ptr_nonnull(strstr(r->body, "Wants a quote"));
	api_free(r);
	free(phone);
}
END_TEST

START_TEST(test_merge_keeps_history)
{
	struct test_user	*admin = cat_admin();
	/* Leads without a region: only the unscoped admin sees them. */
	struct test_user	*sup = admin;
	struct test_user	*tc = test_user_new(api_base(), "telecaller",
				    NULL);
	char			*p1 = test_phone(), *p2 = test_phone(),
				 body[256], ids[2][24];
	struct api_resp		*r;
	long			 keep, gone;

	snprintf(body, sizeof body, "{\"phone\":\"%s\",\"name\":\"Kept\"}", p1);
	r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 201, body);
	keep = jint(r->json, "id");
	api_free(r);
	snprintf(body, sizeof body, "{\"phone\":\"%s\",\"email\":"
	    "\"gone%ld@example.com\",\"score\":90}", p2, keep);
	r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 201, body);
	gone = jint(r->json, "id");
	api_free(r);
	r = cat_callf(admin, "POST", "/v1/leads/{id}/notes", 201,
	    "{\"text\":\"said yes on the other number\"}",
	    "/v1/leads/%ld/notes", gone);
	api_free(r);
	snprintf(ids[0], sizeof ids[0], "%ld", gone);
	snprintf(ids[1], sizeof ids[1], "%ld", tc->id);
	PQclear(test_sql("INSERT INTO calls (lead_id, agent_id, mode, phone)"
	    " SELECT $1, $2, 'logged', phone FROM leads WHERE id = $1", 2,
	    (const char *[]){ ids[0], ids[1] }));

	/* A telecaller may not merge. */
	snprintf(body, sizeof body, "{\"from\":%ld}", gone);
	r = cat_callf(tc, "POST", "/v1/leads/{id}/merge", 403, body,
	    "/v1/leads/%ld/merge", keep);
	api_free(r);
	r = cat_callf(sup, "POST", "/v1/leads/{id}/merge", 200, body,
	    "/v1/leads/%ld/merge", keep);
	ck_assert_int_eq(jint(r->json, "id"), keep);
	ck_assert_str_eq(jstr(r->json, "name"), "Kept");
	ck_assert_str_eq(jstr(r->json, "alt_phone"), p2);
	ck_assert_int_eq(jint(r->json, "score"), 90);
	ck_assert_ptr_nonnull(strstr(r->body, "said yes on the other number"));
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(
	    r->json, "history"), "calls")), 1);
	api_free(r);
	r = cat_callf(sup, "GET", LEAD, 404, NULL, "/v1/leads/%ld", gone);
	api_free(r);
	/* Merging again: the absorbed lead is gone. */
	r = cat_callf(sup, "POST", "/v1/leads/{id}/merge", 404, body,
	    "/v1/leads/%ld/merge", keep);
	api_free(r);
	snprintf(body, sizeof body, "{\"from\":%ld}", keep);
	r = cat_callf(sup, "POST", "/v1/leads/{id}/merge", 400, body,
	    "/v1/leads/%ld/merge", keep);
	api_free(r);
	free(p1);
	free(p2);
}
END_TEST

START_TEST(test_bulk_assign_and_list)
{
	struct test_user	*admin = cat_admin(), *tc;
	char			*phone, body[256], big[8192], *region;
	struct api_resp		*r;
	long			 ids[3], q = queue_new("{}", "none", -900);
	size_t			 i, n;

	tc = telecaller_of_region(&region);
	for (i = 0; i < 3; i++) {
		phone = test_phone();
		snprintf(body, sizeof body, "{\"phone\":\"%s\",\"score\":%zu,"
		    "\"tags\":[\"bulk%ld\"],\"region_id\":%s}", phone, 10 + i,
		    q, region);
		r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 201,
		    body);
		ids[i] = jint(r->json, "id");
		api_free(r);
		free(phone);
	}
	snprintf(body, sizeof body, "{\"ids\":[%ld,%ld,%ld,999999999],"
	    "\"queue_id\":%ld,\"owner_id\":%ld}", ids[0], ids[1], ids[2], q,
	    tc->id);
	r = cat_call(admin, "POST", "/v1/leads/assign", "/v1/leads/assign",
	    200, body);
	ck_assert_int_eq(jint(r->json, "updated"), 3);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "missing")),
	    1);
	api_free(r);
	/* Sorted by score, paged one at a time. */
	snprintf(body, sizeof body, "/v1/leads?queue_id=%ld&sort=score&"
	    "limit=2", q);
	r = cat_call(admin, "GET", body, "/v1/leads", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 2);
	ck_assert_int_eq(jint(json_array_get(json_object_get(r->json, "data"),
	    0), "id"), ids[2]);
	ck_assert_ptr_nonnull(jstr(r->json, "next"));
	snprintf(big, sizeof big, "%s&after=%s", body, jstr(r->json, "next"));
	api_free(r);
	r = cat_call(admin, "GET", big, "/v1/leads", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 1);
	ck_assert_int_eq(jint(json_array_get(json_object_get(r->json, "data"),
	    0), "id"), ids[0]);
	api_free(r);
	/* Too many ids: refused whole. */
	n = (size_t)snprintf(big, sizeof big, "{\"queue_id\":%ld,\"ids\":[", q);
	for (i = 0; i < 1001 && n < sizeof big - 16; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "%s1",
		    i > 0 ? "," : "");
	snprintf(big + n, sizeof big - n, "]}");
	r = cat_call(admin, "POST", "/v1/leads/assign", "/v1/leads/assign",
	    400, big);
	api_free(r);
	free(region);
}
END_TEST


static struct api_resp *
import_csv(const struct test_user *u, const char *query, const char *csv,
    size_t len, long status)
{
	const char	*hdr[] = { u->auth, NULL };
	char		 path[512];
	struct api_resp	*r;

	snprintf(path, sizeof path, "/v1/leads/import%s", query);
	r = api_request(api_base(), "POST", path, "text/csv", csv, len, hdr);
	api_expect(r, status, "POST", "/v1/leads/import");
	return r;
}

/* The errors the report gives for file row (line) n, or NULL. */
static json_t *
report_row(const json_t *report, long n)
{
	json_t	*row;
	size_t	 i;

	json_array_foreach(json_object_get(report, "rows"), i, row)
		if (jint(row, "row") == n)
			return json_object_get(row, "errors");
	return NULL;
}

static bool
errors_name(const json_t *errors, const char *field, const char *code)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(errors, i, e)
		if (strcmp(jstr(e, "field"), field) == 0 && (code == NULL ||
		    strcmp(jstr(e, "code"), code) == 0))
			return true;
	return false;
}

START_TEST(test_import_hostile_rows)
{
	struct test_user	*admin = cat_admin();
	char			*p[4], csv[4096], *huge, query[128];
	struct api_resp		*r;
	json_t			*e;
	long			 q = queue_new("{}", "none", -950), before;
	size_t			 i, n;

	for (i = 0; i < 4; i++)
		p[i] = test_phone();
	huge = xcalloc(1, 3000);
	memset(huge, 'x', 2999);
	n = (size_t)snprintf(csv, sizeof csv,
	    "Full Name,Mobile,E-mail,Tags,Score,Notes\r\n"
	    "Ravi Kumar,0%s,ravi%ld@example.com,solar|hot,40,ignored\r\n"
	    "\"=HYPERLINK(\"\"http://evil\"\")\",%s,,,,\r\n"
	    "Bad \xff\xfe bytes,%s,,,,\r\n"
	    "No Phone,,,,,\r\n"
	    "%s,%s,,,,\r\n"
	    "Ravi again,+91 %s,,warm,90,\r\n"
	    "'=Safe Text,%s,,,,\r\n"
	    "Score Word,%s,,,many,\r\n",
	    p[0] + 3, q, p[1], p[2], huge, p[3], p[0] + 3, p[3], p[1]);
	ck_assert_uint_lt(n, sizeof csv);
	before = cat_long("SELECT count(*) FROM leads", 0, NULL);
	snprintf(query, sizeof query, "?queue_id=%ld&dry_run=1", q);
	r = import_csv(admin, query, csv, n, 200);
	ck_assert_int_eq(jint(r->json, "created"), 2);
	ck_assert(json_is_true(json_object_get(r->json, "dry_run")));
	api_free(r);
	/* A dry run keeps nothing. */
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads", 0, NULL),
	    before);

	snprintf(query, sizeof query, "?queue_id=%ld", q);
	r = import_csv(admin, query, csv, n, 200);
	/* Row 2 and the same number again in row 7 (merged); row 8. */
	ck_assert_int_eq(jint(r->json, "created"), 2);
	ck_assert_int_eq(jint(r->json, "merged"), 1);
	ck_assert_int_eq(jint(r->json, "rejected"), 5);
	ck_assert_int_eq(json_array_size(json_object_get(r->json,
	    "ignored_columns")), 1);
	ck_assert_ptr_nonnull(e = report_row(r->json, 3));
	ck_assert(errors_name(e, "name", "formula"));
	ck_assert_ptr_nonnull(e = report_row(r->json, 4));
	ck_assert(errors_name(e, "name", "encoding"));
	ck_assert_ptr_nonnull(e = report_row(r->json, 5));
	ck_assert(errors_name(e, "phone", "required"));
	ck_assert_ptr_nonnull(e = report_row(r->json, 6));
	ck_assert(errors_name(e, "name", NULL));
	ck_assert_ptr_nonnull(e = report_row(r->json, 9));
	ck_assert(errors_name(e, "score", "invalid"));
	ck_assert_ptr_null(report_row(r->json, 2));
	api_free(r);
	/* Refused rows left nothing behind; the good ones are in the queue. */
	for (i = 1; i < 3; i++)
		ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE "
		    "phone = $1", 1, (const char *[]){ p[i] }), 0);
	r = cat_callf(admin, "GET", "/v1/leads", 200, NULL,
	    "/v1/leads?queue_id=%ld&q=%s", q, p[0] + 3);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 1);
	e = json_array_get(json_object_get(r->json, "data"), 0);
	ck_assert_str_eq(jstr(e, "name"), "Ravi Kumar");
	ck_assert_str_eq(jstr(e, "source"), "csv_import");
	ck_assert_int_eq(jint(e, "score"), 90);
	ck_assert_int_eq(json_array_size(json_object_get(e, "tags")), 3);
	api_free(r);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE phone = $1"
	    " AND name = '=Safe Text'", 1, (const char *[]){ p[3] }), 1);

	/* Not CSV, no phone column, a quote left open: refused whole. */
	r = api_request(api_base(), "POST", "/v1/leads/import",
	    "application/json", "{}", 2, (const char *[]){ admin->auth, NULL });
	ck_assert_int_eq(r->status, 415);
	api_free(r);
	r = import_csv(admin, "", "name,email\nA,a@example.com\n", 27, 422);
	api_free(r);
	r = import_csv(admin, "", "phone\n\"9876543210\n", 18, 422);
	api_free(r);
	r = import_csv(admin, "?map.Name=colour", "phone\n", 6, 400);
	api_free(r);
	/* Mapped columns. */
	snprintf(csv, sizeof csv, "who,number\nMapped Person,%s\n", p[2]);
	r = import_csv(admin, "?map.who=name&map.number=phone", csv,
	    strlen(csv), 200);
	ck_assert_int_eq(jint(r->json, "created"), 1);
	api_free(r);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE phone = $1"
	    " AND name = 'Mapped Person'", 1, (const char *[]){ p[2] }), 1);
	free(huge);
	for (i = 0; i < 4; i++)
		free(p[i]);
}
END_TEST


/* A CSV's owner_id column names staff: a customer cannot own a lead. */
START_TEST(test_import_owner_is_staff)
{
	struct test_user	*admin = cat_admin(), *customer, *agent;
	char			*p[2], csv[512], *region;
	struct api_resp		*r;
	json_t			*e;
	size_t			 n;

	customer = test_user_new(api_base(), "customer", NULL);
	agent = telecaller_of_region(&region);
	p[0] = test_phone();
	p[1] = test_phone();
	n = (size_t)snprintf(csv, sizeof csv, "phone,owner_id,region_id\n"
	    "%s,%ld,%s\n%s,%ld,%s\n", p[0], customer->id, region, p[1],
	    agent->id, region);
	free(region);
	r = import_csv(admin, "", csv, n, 200);
	ck_assert_int_eq(jint(r->json, "created"), 1);
	ck_assert_int_eq(jint(r->json, "rejected"), 1);
	ck_assert_ptr_nonnull(e = report_row(r->json, 2));
	ck_assert(errors_name(e, "owner_id", "refused"));
	api_free(r);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE phone = $1",
	    1, (const char *[]){ p[0] }), 0);
	ck_assert_int_eq(cat_long("SELECT owner_id FROM leads WHERE phone = $1",
	    1, (const char *[]){ p[1] }), agent->id);
	free(p[0]);
	free(p[1]);
}
END_TEST

/* Runs the leads.sla job on the shared soukd's workers and waits. */
static void
run_sla(void)
{
	PGresult	*res;
	char		*id;
	const char	*params[1];
	int		 i;

	res = test_sql("WITH j AS (INSERT INTO jobs (kind) VALUES "
	    "('leads.sla') RETURNING id) SELECT id, pg_notify('souk_jobs', '')"
	    " FROM j", 0, NULL);
	id = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	params[0] = id;
	for (i = 0; i < 400; i++) {
		res = test_sql("SELECT state, last_error FROM jobs WHERE id = "
		    "$1", 1, params);
		if (strcmp(PQgetvalue(res, 0, 0), "done") == 0) {
			PQclear(res);
			free(id);
			return;
		}
		ck_assert_msg(strcmp(PQgetvalue(res, 0, 0), "failed") != 0,
		    "leads.sla failed: %s", PQgetvalue(res, 0, 1));
		PQclear(res);
		usleep(25 * 1000);
	}
	ck_abort_msg("leads.sla did not run within 10 s");
}

START_TEST(test_sla_breaches)
{
	struct test_user	*admin = cat_admin();
	char			*p1 = test_phone(), *p2 = test_phone(),
				 body[256], ids[2][24];
	struct api_resp		*r;
	long			 q = queue_new("{}", "none", -960), late, fine;

	snprintf(body, sizeof body, "{\"phone\":\"%s\",\"source\":"
	    "\"missed_call\",\"queue_id\":%ld}", p1, q);
	r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 201, body);
	late = jint(r->json, "id");
	ck_assert(json_is_false(json_object_get(r->json, "sla_breached")));
	api_free(r);
	snprintf(body, sizeof body, "{\"phone\":\"%s\",\"source\":"
	    "\"web_form\",\"queue_id\":%ld}", p2, q);
	r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 201, body);
	fine = jint(r->json, "id");
	api_free(r);
	/* An hour passes: one was called in time, the other was not. */
	snprintf(ids[0], sizeof ids[0], "%ld", late);
	snprintf(ids[1], sizeof ids[1], "%ld", fine);
	PQclear(test_sql("UPDATE leads SET sla_due_at = now() - interval "
	    "'1 minute' WHERE id IN ($1, $2)", 2, (const char *[]){ ids[0],
	    ids[1] }));
	PQclear(test_sql("UPDATE leads SET first_contact_at = now() - "
	    "interval '5 minutes' WHERE id = $1", 1, (const char *[]){
	    ids[1] }));
	run_sla();
	run_sla();
	snprintf(body, sizeof body, "/v1/leads?sla=breached&queue_id=%ld", q);
	r = cat_call(admin, "GET", body, "/v1/leads", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 1);
	ck_assert(jhas_id(json_object_get(r->json, "data"), late));
	ck_assert(json_is_true(json_object_get(json_array_get(
	    json_object_get(r->json, "data"), 0), "sla_breached")));
	api_free(r);
	/* Flagged once, however often the job runs. */
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM lead_events WHERE "
	    "lead_id = $1 AND type = 'sla_breached'", late), 1);
	ck_assert_int_eq(cat_long1("SELECT count(*) FROM lead_events WHERE "
	    "lead_id = $1 AND type = 'sla_breached'", fine), 0);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM events WHERE topic ="
	    " 'leads' AND type = 'lead.sla_breached' AND data->>'id' = $1", 1,
	    (const char *[]){ ids[0] }), 1);
	free(p1);
	free(p2);
}
END_TEST


/* A web-form capture (anonymous), with the extra JSON fields in more. */
static struct api_resp *
capture(const char *token, const char *phone, const char *more,
    long status)
{
	char		 body[1024];
	struct api_resp	*r;

	snprintf(body, sizeof body, "{\"name\":\"Web Visitor\",\"phone\":"
	    "\"%s\",\"form_token\":\"%s\"%s}", phone, token,
	    more);
	r = api_post_json("/v1/capture/leads", body);
	api_expect(r, status, "POST", "/v1/capture/leads");
	return r;
}

START_TEST(test_capture_token_honeypot_rate)
{
	struct test_user	*admin = cat_admin();
	char			*p1 = test_phone(), *p2 = test_phone(),
				*token, *bad, *retry, qs[24];
	struct api_resp		*r;
	long			 q = queue_new("{}", "none", -970);
	int			 n;

	snprintf(qs, sizeof qs, "%ld", q);
	r = cat_callf(admin, "POST", "/v1/queues/{id}/form-token", 201, NULL,
	    "/v1/queues/%ld/form-token", q);
	token = xstrdup(jstr(r->json, "form_token"));
	api_free(r);
	r = cat_callf(admin, "POST", "/v1/queues/{id}/form-token", 404, NULL,
	    "/v1/queues/%d/form-token", 999999999);
	api_free(r);

	/* A bot that fills the form at once is refused. */
	api_free(capture(token, p1, "", 422));
	sleep(3);
	r = capture(token, p1, ",\"interest\":\"solar\",\"website\":\"\"",
	    202);
	ck_assert_str_eq(jstr(r->json, "status"), "received");
	api_free(r);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE phone = $1"
	    " AND source = 'web_form' AND queue_id = $2 AND sla_due_at IS NOT"
	    " NULL AND priority = 50", 2, (const char *[]){ p1, qs }), 1);
	/* Again: the same answer, one lead (merged). */
	api_free(capture(token, p1, "", 202));
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE phone = $1",
	    1, (const char *[]){ p1 }), 1);
	/* The honeypot filled: answered alike, nothing kept. */
	api_free(capture(token, p2, ",\"website\":\"http://spam.example\"",
	    202));
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE phone = $1",
	    1, (const char *[]){ p2 }), 0);
	/* A forged token, another queue's, none, a queue chosen by the form. */
	bad = xstrdup(token);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	api_free(capture(bad, p2, "", 400));
	api_free(capture("1.1.abc", p2, "", 400));
	r = api_post_json("/v1/capture/leads", "{\"phone\":\"9876543210\"}");
	api_expect(r, 401, "POST", "/v1/capture/leads");
	api_free(r);
	snprintf(qs, sizeof qs, ",\"queue_id\":%ld", q);
	api_free(capture(token, p2, qs, 400));
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE phone = $1",
	    1, (const char *[]){ p2 }), 0);

	/* Ten from one address in ten minutes, then 429 with Retry-After. */
	n = (int)cat_long("SELECT count(*) FROM lead_captures WHERE ip = "
	    "(SELECT ip FROM lead_captures ORDER BY id DESC LIMIT 1) AND "
	    "created_at > now() - interval '10 minutes'", 0, NULL);
	for (; n < 10; n++)
		PQclear(test_sql("INSERT INTO lead_captures (ip) SELECT ip FROM "
		    "lead_captures ORDER BY id DESC LIMIT 1", 0, NULL));
	r = capture(token, p2, "", 429);
	ck_assert_ptr_nonnull(retry = api_header(r, "Retry-After"));
	ck_assert_int_gt(strtol(retry, NULL, 10), 0);
	ck_assert_int_le(strtol(retry, NULL, 10), 600);
	free(retry);
	api_free(r);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE phone = $1",
	    1, (const char *[]){ p2 }), 0);
	/* Leave the address free for other tests. */
	PQclear(test_sql("DELETE FROM lead_captures WHERE ip = (SELECT ip FROM "
	    "lead_captures ORDER BY id DESC LIMIT 1)", 0, NULL));
	free(bad);
	free(token);
	free(p1);
	free(p2);
}
END_TEST


START_TEST(test_customer_queries)
{
	struct test_user	*admin = cat_admin();
	struct test_user	*cust = test_user_new(api_base(), "customer",
				    NULL);
	struct test_user	*other = test_user_new(api_base(), "customer",
				    NULL);
	struct test_user	*tc = test_user_new(api_base(), "telecaller",
				    NULL);
	char			*phone = test_phone(), id[24], path[64];
	struct api_resp		*r;
	long			 q1, q2, lead;

	/* Without a phone there is no one to call back. */
	r = cat_call(cust, "POST", "/v1/queries", "/v1/queries", 422,
	    "{\"subject\":\"Late order\",\"body\":\"Where is it?\"}");
	api_free(r);
	snprintf(id, sizeof id, "%ld", cust->id);
	PQclear(test_sql("UPDATE users SET phone = $2, name = 'Meena Iyer' "
	    "WHERE id = $1", 2, (const char *[]){ id, phone }));
	r = cat_call(cust, "POST", "/v1/queries", "/v1/queries", 201,
	    "{\"subject\":\"Late order\",\"body\":\"Where is it?\","
	    "\"order_ref\":\"ORD-1\"}");
	ck_assert_str_eq(jstr(r->json, "status"), "open");
	ck_assert_int_eq(jint(r->json, "customer_id"), cust->id);
	q1 = jint(r->json, "id");
	lead = jint(r->json, "lead_id");
	api_free(r);
	/* The customer's lead: theirs, a query, priority 60, an SLA. */
	r = cat_callf(admin, "GET", LEAD, 200, NULL, "/v1/leads/%ld", lead);
	ck_assert_str_eq(jstr(r->json, "phone"), phone);
	ck_assert_str_eq(jstr(r->json, "source"), "customer_query");
	ck_assert_str_eq(jstr(r->json, "name"), "Meena Iyer");
	ck_assert_int_eq(jint(r->json, "user_id"), cust->id);
	ck_assert_int_eq(jint(r->json, "priority"), 60);
	ck_assert_ptr_nonnull(jstr(r->json, "sla_due_at"));
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(
	    r->json, "history"), "queries")), 1);
	api_free(r);
	/* A second query rides on the same lead. */
	r = cat_call(cust, "POST", "/v1/queries", "/v1/queries", 201,
	    "{\"subject\":\"Refund\",\"body\":\"Please\"}");
	ck_assert_int_eq(jint(r->json, "lead_id"), lead);
	q2 = jint(r->json, "id");
	api_free(r);
	r = cat_call(cust, "GET", "/v1/me/queries", "/v1/me/queries", 200,
	    NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 2);
	api_free(r);
	r = cat_call(other, "GET", "/v1/me/queries", "/v1/me/queries", 200,
	    NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 0);
	api_free(r);
	/* Its customer and staff see it; another customer does not. */
	snprintf(path, sizeof path, "/v1/queries/%ld", q1);
	api_free(cat_call(cust, "GET", path, "/v1/queries/{id}", 200, NULL));
	api_free(cat_call(other, "GET", path, "/v1/queries/{id}", 404, NULL));
	api_free(cat_call(admin, "GET", path, "/v1/queries/{id}", 200, NULL));
	/* A telecaller of no region does not see a lead without one. */
	api_free(cat_call(tc, "GET", path, "/v1/queries/{id}", 404, NULL));
	snprintf(path, sizeof path, "/v1/queries?lead_id=%ld", lead);
	r = cat_call(admin, "GET", path, "/v1/queries", 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "data")), 2);
	api_free(r);
	/* Resolved: stamped, and the customer is told (email and SMS). */
	snprintf(path, sizeof path, "/v1/queries/%ld", q2);
	r = cat_call(admin, "PATCH", path, "/v1/queries/{id}", 200,
	    "{\"status\":\"resolved\",\"resolution\":\"Refunded today\"}");
	ck_assert_ptr_nonnull(jstr(r->json, "resolved_at"));
	api_free(r);
	ck_assert_ptr_nonnull(test_outbox_wait("sms", phone, "Refunded today",
	    10));
	/* A resolution written before the query is resolved is the one told. */
	snprintf(path, sizeof path, "/v1/queries/%ld", q1);
	api_free(cat_call(admin, "PATCH", path, "/v1/queries/{id}", 200,
	    "{\"status\":\"in_progress\",\"resolution\":\"Courier "
	    "rebooked\"}"));
	api_free(cat_call(admin, "PATCH", path, "/v1/queries/{id}", 200,
	    "{\"status\":\"resolved\"}"));
	ck_assert_ptr_nonnull(test_outbox_wait("sms", phone, "Courier rebooked",
	    10));
	r = cat_call(admin, "PATCH", path, "/v1/queries/{id}", 400,
	    "{\"status\":\"done\"}");
	api_free(r);
	r = cat_call(cust, "PATCH", path, "/v1/queries/{id}", 403,
	    "{\"status\":\"closed\"}");
	api_free(r);
	r = cat_call(cust, "POST", "/v1/queries", "/v1/queries", 400,
	    "{\"subject\":\"\",\"body\":\"x\",\"extra\":1}");
	api_free(r);
	free(phone);
}
END_TEST


START_TEST(test_custom_fields_follow_the_queue)
{
	struct test_user	*admin = cat_admin();
	char			*phone = test_phone(), qs[24], body[512];
	static const char *const bad[] = {
		"{\"plan\":\"gold\"}",
		"{\"plan\":\"pro\",\"kw\":\"five\"}",
		"{\"kw\":5}",
		"{\"plan\":\"pro\",\"colour\":\"red\"}",
		"{\"plan\":\"pro\",\"visit\":\"2026-02-30\"}",
	};
	struct api_resp		*r;
	long			 q = queue_new("{}", "none", -980), id;
	size_t			 i;

	snprintf(qs, sizeof qs, "%ld", q);
	PQclear(test_sql("UPDATE queues SET fields = '{\"plan\": {\"type\":"
	    " \"enum\", \"values\": [\"basic\", \"pro\"], \"required\": true},"
	    " \"kw\": {\"type\": \"number\"}, \"visit\": {\"type\": \"date\"}}'"
	    " WHERE id = $1", 1, (const char *[]){ qs }));
	for (i = 0; i < API_N(bad); i++) {
		snprintf(body, sizeof body, "{\"phone\":\"%s\",\"queue_id\":%ld,"
		    "\"custom\":%s}", phone, q, bad[i]);
		r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 400, body);
		api_expect_problem(r, 400, "validation", "custom");
		api_free(r);
	}
	ck_assert_int_eq(cat_long("SELECT count(*) FROM leads WHERE phone = $1",
	    1, (const char *[]){ phone }), 0);
	snprintf(body, sizeof body, "{\"phone\":\"%s\",\"queue_id\":%ld,"
	    "\"custom\":{\"plan\":\"pro\",\"kw\":5.5,\"visit\":\"2026-03-01\"}}",
	    phone, q);
	r = cat_call(admin, "POST", "/v1/leads", "/v1/leads", 201, body);
	id = jint(r->json, "id");
	api_free(r);
	r = cat_callf(admin, "PATCH", LEAD, 400, "{\"custom\":{\"plan\":"
	    "\"gold\"}}", "/v1/leads/%ld", id);
	api_expect_problem(r, 400, "validation", "custom");
	api_free(r);
	r = cat_callf(admin, "GET", LEAD, 200, NULL, "/v1/leads/%ld", id);
	ck_assert_str_eq(jstr(json_object_get(r->json, "custom"), "plan"),
	    "pro");
	api_free(r);
	free(phone);
}
END_TEST

Suite *
leads_suite(void)
{
	Suite	*s = suite_create("leads");
	TCase	*tc = tcase_create("leads");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_create_normalises_and_dedupes);
	tcase_add_test(tc, test_create_refuses_bad_input);
	tcase_add_test(tc, test_region_isolation);
	tcase_add_test(tc, test_routing_and_assignment);
	tcase_add_test(tc, test_patch_notes_and_history);
	tcase_add_test(tc, test_merge_keeps_history);
	tcase_add_test(tc, test_bulk_assign_and_list);
	tcase_add_test(tc, test_import_hostile_rows);
	tcase_add_test(tc, test_import_owner_is_staff);
	tcase_add_test(tc, test_sla_breaches);
	tcase_add_test(tc, test_capture_token_honeypot_rate);
	tcase_add_test(tc, test_customer_queries);
	tcase_add_test(tc, test_custom_fields_follow_the_queue);
	suite_add_tcase(s, tc);
	return s;
}
