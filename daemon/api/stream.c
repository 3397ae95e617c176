/*
 * stream: GET /v1/stream?topics=a,b — Server-Sent Events of the topics
 * the caller may watch (see events.h).  Resumes after Last-Event-ID (the
 * header, or ?last_event_id= for clients that cannot set headers) within
 * the replay window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "events.h"
#include "num.h"
#include "req.h"

/* Enough for a user's own topic and one for each region they can have. */
#define STREAM_MAX_TOPICS (AUTH_MAX_REGIONS + 8)

/*
 * Who may watch which topics: the roles that may watch any topic of a
 * kind, and whether "kind:<id>" is open to the user whose id it is
 * (OWN_USER), to the people of the vendor whose id it is (OWN_VENDOR),
 * or to region-scoped staff of own_roles when it is one of their regions
 * (OWN_REGION; events of a region's rows go to its topic and to those of
 * the regions above it), or to region-scoped staff of own_roles who may
 * read the lead whose id it is (OWN_LEAD: its region is within theirs,
 * looked up when the stream opens).  own_roles 0: anyone it is theirs.
 */
enum topic_own { OWN_NONE, OWN_USER, OWN_VENDOR, OWN_REGION, OWN_LEAD };

static const struct db_stmt stream_stmts[] = {
	/* Whether lead $1 lies within scope $2 (as GET /v1/leads/{id}). */
	{ "stream_lead_seen",
	  "SELECT EXISTS (SELECT 1 FROM leads l WHERE l.id = $1"
	  " AND region_in_scope(l.region_id, $2::bigint[]))" },
};

static const struct topic_rule {
	const char	*kind;
	unsigned	 roles;
	enum topic_own	 own;
	unsigned	 own_roles;
} topic_rules[] = {
	{ "user", ROLE_ADMIN, OWN_USER, 0 },
	{ "jobs", ROLE_ADMIN, OWN_NONE, 0 },
	{ "orders", ROLES_STAFF, OWN_NONE, 0 },
	{ "order", ROLES_STAFF, OWN_NONE, 0 },
	{ "queue", ROLE_TELECALLER | ROLE_SUPERVISOR | ROLE_ADMIN, OWN_NONE,
	  0 },
	{ "lead", ROLE_ADMIN, OWN_LEAD, ROLE_TELECALLER | ROLE_SUPERVISOR },
	{ "leads", ROLE_EMPLOYEE | ROLE_TELECALLER | ROLE_SUPERVISOR |
	  ROLE_ADMIN, OWN_NONE, 0 },
	{ "agents", ROLE_SUPERVISOR | ROLE_ADMIN, OWN_NONE, 0 },
	{ "queues", ROLE_SUPERVISOR | ROLE_ADMIN, OWN_NONE, 0 },
	{ "registrations", ROLE_ADMIN, OWN_REGION,
	  ROLE_EMPLOYEE | ROLE_SUPERVISOR },
	{ "vendors", ROLE_ADMIN, OWN_REGION,
	  ROLE_EMPLOYEE | ROLE_SUPERVISOR | ROLE_TELECALLER },
	{ "vendor", ROLE_ADMIN, OWN_VENDOR, ROLES_VENDOR },
	{ "listings", ROLE_MODERATOR | ROLE_ADMIN, OWN_NONE, 0 },
};

/*
 * Whether the caller may read lead id; false with *failed true and the
 * problem set when the lookup fails.
 */
static bool
stream_lead_seen(struct req *r, int64_t id, bool *failed)
{
	char		 lit[24];
	const char	*params[2] = { lit, req_scope(r) };
	PGresult	*res;
	bool		 seen;

	snprintf(lit, sizeof lit, "%lld", (long long)id);
	if ((res = req_exec(r, &stream_stmts[0], 2, params)) == NULL) {
		*failed = true;
		return false;
	}
	seen = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return seen;
}

/*
 * Whether the caller may watch topic.  False with a problem already set
 * when a lookup failed (*failed then true).
 */
static bool
stream_allowed(struct req *r, const char *topic, bool *failed)
{
	const struct principal *p = req_principal(r);
	const char	*colon = strchr(topic, ':');
	size_t		 n = colon != NULL ? (size_t)(colon - topic) :
			    strlen(topic), i;
	int64_t		 id;
	int		 k;

	for (i = 0; i < API_NELEM(topic_rules); i++) {
		if (strlen(topic_rules[i].kind) != n ||
		    strncmp(topic_rules[i].kind, topic, n) != 0)
			continue;
		if (p->role & topic_rules[i].roles)
			return true;
		if (topic_rules[i].own == OWN_NONE || colon == NULL ||
		    !num_int64(colon + 1, 1, INT64_MAX, &id) ||
		    (topic_rules[i].own_roles != 0 &&
		    !(p->role & topic_rules[i].own_roles)))
			return false;
		switch (topic_rules[i].own) {
		case OWN_USER:
			return id == p->user_id;
		case OWN_VENDOR:
			return id == p->vendor_id;
		case OWN_REGION:
			for (k = 0; k < p->nregions; k++)
				if (p->regions[k] == id)
					return true;
			return false;
		case OWN_LEAD:
			return stream_lead_seen(r, id, failed);
		default:
			return false;
		}
	}
	return false;
}

static void
stream_get(struct req *r)
{
	const char	*spec = req_query(r, "topics"), *last;
	char		*copy = NULL, *topics[STREAM_MAX_TOPICS], *p, *e;
	struct events_sub *sub;
	struct db	*db;
	int64_t		 last_id = 0;
	int		 n = 0, i;
	bool		 failed = false;

	if (spec == NULL || *spec == '\0') {
		req_field_error(r, "topics", "required", "name at least one "
		    "topic, comma-separated");
		goto fail;
	}
	copy = xstrdup(spec);
	for (p = copy; p != NULL; p = e) {
		if ((e = strchr(p, ',')) != NULL)
			*e++ = '\0';
		if (n == STREAM_MAX_TOPICS) {
			req_field_error(r, "topics", "items", "at most %d "
			    "topics", STREAM_MAX_TOPICS);
			goto fail;
		}
		if (!events_valid_topic(p)) {
			req_field_error(r, "topics", "invalid", "'%s' is not a "
			    "topic (such as orders or order:42)", p);
			goto fail;
		}
		topics[n++] = p;
	}
	last = req_header(r, "Last-Event-ID");
	if (last == NULL)
		last = req_query(r, "last_event_id");
	if (last != NULL && *last != '\0' && !num_int64(last, 0, INT64_MAX,
	    &last_id)) {
		req_field_error(r, "last_event_id", "invalid", "must be the id "
		    "of an event this stream sent");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (!stream_allowed(r, topics[i], &failed)) {
			if (!failed)
				req_problem(r, "forbidden", "you may not watch "
				    "%s", topics[i]);
			goto out;
		}
	}
	if ((db = req_db(r)) == NULL)
		goto out;
	sub = events_subscribe(db, req_connection(r),
	    (const char *const *)topics, n, last_id);
	req_add_header(r, "Cache-Control", "no-store");
	/* nginx would otherwise buffer the stream. */
	req_add_header(r, "X-Accel-Buffering", "no");
	req_reply_stream(r, 200, "text/event-stream; charset=utf-8",
	    events_stream_read, sub, events_stream_done);
	goto out;
fail:
	req_fail_fields(r);
out:
	free(copy);
}

static const struct route stream_routes[] = {
	{ "GET", "/v1/stream", stream_get, "topics,last_event_id", "events",
	  "live events of some topics (Server-Sent Events)", 0 },
};

const struct api_module stream_module = {
	"stream", stream_routes, API_NELEM(stream_routes), stream_stmts,
	API_NELEM(stream_stmts),
};
