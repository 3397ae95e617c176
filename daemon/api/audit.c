/*
 * audit: GET /v1/audit — the audit log, newest first, filtered by actor,
 * action, target and time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "log.h"
#include "page.h"
#include "req.h"
#include "rfc3339.h"

static const struct db_stmt audit_stmts[] = {
	/*
	 * $1 actor, $2 action (or a prefix ending in '.'), $3 target type,
	 * $4 target id, $5 since, $6 until, $7 after id, $8 limit.
	 */
	{ "audit_list",
	  "SELECT json_build_object('id', a.id, 'at', rfc3339(a.at),"
	  " 'actor_id', a.actor_id, 'actor_role', a.actor_role,"
	  " 'action', a.action, 'target_type', a.target_type,"
	  " 'target_id', a.target_id, 'before', a.before, 'after', a.after,"
	  " 'detail', a.detail, 'request_id', a.request_id,"
	  " 'ip', host(a.ip))::text, a.id FROM audit_log a"
	  " WHERE ($1::bigint IS NULL OR a.actor_id = $1)"
	  " AND ($2::text IS NULL OR a.action = $2 OR"
	  "  (right($2, 1) = '.' AND a.action LIKE $2 || '%'))"
	  " AND ($3::text IS NULL OR a.target_type = $3)"
	  " AND ($4::text IS NULL OR a.target_id = $4)"
	  " AND ($5::timestamptz IS NULL OR a.at >= $5)"
	  " AND ($6::timestamptz IS NULL OR a.at < $6)"
	  " AND a.id < $7 ORDER BY a.id DESC LIMIT $8" },
};

static bool
audit_word(const char *s, size_t max)
{
	size_t	i;

	if (s == NULL)
		return true;
	if (*s == '\0' || strlen(s) > max)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_' || s[i] == '.'))
			return false;
	}
	return true;
}

static void
audit_list(struct req *r)
{
	const char	*actor = req_query(r, "actor_id"),
			*action = req_query(r, "action"),
			*ttype = req_query(r, "target_type"),
			*tid = req_query(r, "target_id"),
			*since = req_query(r, "since"),
			*until = req_query(r, "until"), *params[8];
	struct req_page_id	 pg;
	PGresult	*res = NULL;

	if (!req_page_id(r, true, &pg))
		goto fail;
	if (actor != NULL && !router_valid_id(actor, strlen(actor)))
		req_field_error(r, "actor_id", "invalid", "must be a user id");
	if (!audit_word(action, 100))
		req_field_error(r, "action", "invalid", "must be an action "
		    "such as user.suspended, or a prefix such as auth.");
	if (!audit_word(ttype, 50))
		req_field_error(r, "target_type", "invalid", "must be a word "
		    "such as user");
	if (tid != NULL && (*tid == '\0' || strlen(tid) > 100))
		req_field_error(r, "target_id", "invalid", "must be 1 to 100 "
		    "characters");
	if (since != NULL && !rfc3339_valid(since))
		req_field_error(r, "since", "invalid", "must be a time such as "
		    "2026-11-21T10:00:00Z");
	if (until != NULL && !rfc3339_valid(until))
		req_field_error(r, "until", "invalid", "must be a time such as "
		    "2026-11-21T10:00:00Z");
	if (req_has_field_errors(r))
		goto fail;
	params[0] = actor;
	params[1] = action;
	params[2] = ttype;
	params[3] = tid;
	params[4] = since;
	params[5] = until;
	params[6] = pg.after;
	params[7] = pg.limit_plus;
	if ((res = req_exec(r, &audit_stmts[0], 8, params)) == NULL)
		goto out;
	req_reply_rows(r, res, pg.limit);
	goto out;
fail:
	req_fail_fields(r);
out:
	PQclear(res);
}

static const struct route audit_routes[] = {
	{ "GET", "/v1/audit", audit_list,
	  "actor_id,action,target_type,target_id,since,until,limit,after",
	  "audit.read", "the audit log, newest first", 0 },
};

const struct api_module audit_module = {
	"audit", audit_routes, API_NELEM(audit_routes),
	audit_stmts, API_NELEM(audit_stmts),
};
