/*
 * stream: GET /v1/stream?topics=a,b — Server-Sent Events of the topics
 * the caller may watch (see events.h).  Resumes after Last-Event-ID (the
 * header, or ?last_event_id= for clients that cannot set headers) within
 * the replay window.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "events.h"
#include "num.h"
#include "req.h"

#define STREAM_MAX_TOPICS 20

/*
 * Whether the caller may watch topic.  Until accounts exist, only the
 * test suite can open streams: with test_mode, "Bearer test:*" may watch
 * anything and "Bearer test:a,b" topics a and b.
 */
static bool
stream_allowed(const char *auth, const char *topic)
{
	const char	*list, *p;
	size_t		 n = strlen(topic);

	if (api_config == NULL || !api_config->test_mode || auth == NULL ||
	    strncmp(auth, "Bearer test:", 12) != 0)
		return false;
	list = auth + 12;
	if (strcmp(list, "*") == 0)
		return true;
	for (p = list; p != NULL && *p != '\0';) {
		if (strncmp(p, topic, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return false;
}

static void
stream_get(struct req *r)
{
	const char	*spec = req_query(r, "topics"), *auth, *last;
	char		*copy = NULL, *topics[STREAM_MAX_TOPICS], *p, *e;
	struct events_sub *sub;
	struct db	*db;
	int64_t		 last_id = 0;
	int		 n = 0, i;

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
	auth = req_header(r, "Authorization");
	if (auth == NULL) {
		req_add_header(r, "WWW-Authenticate", "Bearer");
		req_problem(r, "unauthorized", "sign in to watch live events");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!stream_allowed(auth, topics[i])) {
			req_problem(r, "forbidden", "you may not watch %s",
			    topics[i]);
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
	  "live events of some topics (Server-Sent Events)" },
};

const struct api_module stream_module = {
	"stream", stream_routes, API_NELEM(stream_routes), NULL, 0,
};
