#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "api.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "num.h"
#include "page.h"
#include "problem.h"
#include "req-impl.h"
#include "utf8.h"

const char *
req_method(const struct req *r)
{
	return r->method;
}

const char *
req_path(const struct req *r)
{
	return r->path;
}

const char *
req_id(const struct req *r)
{
	return r->id;
}

const char *
req_header(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
req_param(const struct req *r, const char *name)
{
	const char	*v;

	if ((v = router_param(&r->match, name)) == NULL)
		fatalx("route %s has no parameter %s", r->match.route->pattern,
		    name);
	return v;
}

int64_t
req_param_id(const struct req *r, const char *name)
{
	int64_t	id;

	if (!num_int64(req_param(r, name), 1, INT64_MAX, &id))
		fatalx("parameter %s is not an id", name);
	return id;
}

const char *
req_query(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

static enum MHD_Result
req_cache_key_arg(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct buf	*b = arg;

	(void)kind;
	if (!buf_printf(b, "&%zu:%s", strlen(key), key) ||
	    !(value == NULL ? buf_adds(b, "-") : buf_printf(b, "=%zu:%s",
	    strlen(value), value)))
		fatalx("req_cache_key");
	return MHD_YES;
}

char *
req_cache_key(const struct req *r)
{
	struct buf	b;

	buf_init(&b, 0);
	if (!buf_printf(&b, "%s %zu:%s", r->method, strlen(r->path), r->path))
		fatalx("req_cache_key");
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND,
	    req_cache_key_arg, &b);
	return buf_take(&b, NULL);
}

struct query_prefix {
	const char	*prefix;
	size_t		 n;
	json_t		*out;
};

static enum MHD_Result
req_query_prefix_cb(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct query_prefix	*qp = arg;

	(void)kind;
	if (strncmp(key, qp->prefix, qp->n) == 0 && value != NULL)
		json_object_set_new(qp->out, key + qp->n, json_string(value));
	return MHD_YES;
}

json_t *
req_query_prefixed(const struct req *r, const char *prefix)
{
	struct query_prefix	qp = { prefix, strlen(prefix), json_object() };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND,
	    req_query_prefix_cb, &qp);
	return qp.out;
}

bool
req_query_int(struct req *r, const char *name, int64_t min, int64_t max,
    int64_t *out)
{
	const char	*v;

	if ((v = req_query(r, name)) == NULL)
		return true;
	if (!num_int64(v, min, max, out)) {
		req_field_error(r, name, "range", "must be a whole number from "
		    "%lld to %lld", (long long)min, (long long)max);
		return false;
	}
	return true;
}

bool
req_page(struct req *r, size_t nkeys, int64_t *limit, json_t **after)
{
	const char	*cursor;

	*limit = PAGE_DEFAULT_LIMIT;
	*after = NULL;
	if (!req_query_int(r, "limit", 1, PAGE_MAX_LIMIT, limit))
		return false;
	if ((cursor = req_query(r, "after")) == NULL)
		return true;
	if ((*after = page_decode(cursor, nkeys)) == NULL) {
		req_field_error(r, "after", "cursor", "is not a cursor this "
		    "list returned; start again without it");
		return false;
	}
	return true;
}

bool
req_page_id(struct req *r, bool newest_first, struct req_page_id *pg)
{
	json_t	*after = NULL;
	bool	 ok;

	if (!req_page(r, 1, &pg->limit, &after))
		return false;
	if ((ok = after == NULL || json_is_integer(json_array_get(after, 0))))
		snprintf(pg->after, sizeof pg->after, "%lld", after != NULL ?
		    (long long)json_integer_value(json_array_get(after, 0)) :
		    newest_first ? (long long)INT64_MAX : 0LL);
	else
		req_field_error(r, "after", "cursor", "is not a cursor this "
		    "list returned; start again without it");
	snprintf(pg->limit_plus, sizeof pg->limit_plus, "%lld",
	    (long long)pg->limit + 1);
	json_decref(after);
	return ok;
}

const char *
req_body(const struct req *r, size_t *len)
{
	*len = r->body.len;
	return r->body.data != NULL ? r->body.data : "";
}

/* Collects jsonv errors as field errors. */
void
req_field_error_cb(void *arg, const char *field, const char *code,
    const char *message)
{
	req_field_error(arg, field, code, "%s", message);
}

static bool
req_is_json(const char *ctype)
{
	size_t	n = strlen("application/json");

	if (ctype == NULL || strncasecmp(ctype, "application/json", n) != 0)
		return false;
	ctype += n;
	while (*ctype == ' ')
		ctype++;
	return *ctype == '\0' || *ctype == ';';
}

json_t *
req_body_json(struct req *r, const struct jsonv_field *fields)
{
	json_error_t	 err;
	json_t		*j;

	if (!req_is_json(req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		req_problem(r, "unsupported-media-type", "send the body as "
		    "JSON with Content-Type: application/json");
		return NULL;
	}
	if (r->body.len == 0) {
		req_problem(r, "invalid-json", "a JSON body is required");
		return NULL;
	}
	j = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		switch (json_error_code(&err)) {
		case json_error_invalid_utf8:
			req_problem(r, "invalid-json", "the body is not valid "
			    "UTF-8 (byte %d)", err.position);
			break;
		case json_error_duplicate_key:
			req_field_error(r, "", "duplicate", "%s", err.text);
			req_fail_fields(r);
			break;
		default:
			req_problem(r, "invalid-json", "%s at line %d, column "
			    "%d", err.text, err.line, err.column);
			break;
		}
		return NULL;
	}
	if (!jsonv_check(j, fields, req_field_error_cb, r)) {
		json_decref(j);
		req_fail_fields(r);
		return NULL;
	}
	return j;
}

struct db *
req_db(struct req *r)
{
	struct db	*db = db_thread();

	if (!db_ready(db)) {
		log_warn("database unavailable: %s", db_message(db));
		req_problem(r, "unavailable", "the database is unavailable; "
		    "try again shortly");
		return NULL;
	}
	return db;
}

void
req_db_problem(struct req *r, struct db *db)
{
	switch (db_status(db)) {
	case DB_UNAVAILABLE:
		log_warn("database unavailable: %s", db_message(db));
		req_problem(r, "unavailable", "the database is unavailable; "
		    "try again shortly");
		break;
	case DB_TIMEOUT:
		log_warn("statement timed out: %s", db_message(db));
		req_problem(r, "unavailable", "the request took too long; "
		    "try again shortly");
		break;
	case DB_RETRY:
		log_warn("gave up after conflicts: %s", db_message(db));
		req_problem(r, "unavailable", "too many concurrent changes; "
		    "try again");
		break;
	case DB_CONSTRAINT:
		log_info("constraint refused the change: %s", db_message(db));
		if (*db_constraint(db) != '\0')
			req_problem(r, "conflict", "the change conflicts with "
			    "existing data (%s)", db_constraint(db));
		else
			req_problem(r, "conflict", "the change conflicts with "
			    "existing data");
		break;
	case DB_BAD_INPUT:
		log_warn("database refused a value: %s", db_message(db));
		req_problem(r, "bad-request", "a value was refused: %s",
		    db_message(db));
		break;
	case DB_OK:
	case DB_ERROR:
		log_error("database error %s: %s", db_sqlstate(db),
		    db_message(db));
		req_problem(r, "internal", "the request failed; its id is in "
		    "our logs");
		break;
	}
}

PGresult *
req_exec(struct req *r, const struct db_stmt *stmt, int nparams,
    const char *const *values)
{
	struct db	*db;
	PGresult	*res;

	if ((db = req_db(r)) == NULL)
		return NULL;
	if ((res = db_exec(db, stmt, nparams, values)) == NULL)
		req_db_problem(r, db);
	return res;
}

void
req_add_header(struct req *r, const char *name, const char *value)
{
	if (r->nheaders == REQ_MAX_HEADERS)
		fatalx("req_add_header: more than %d headers", REQ_MAX_HEADERS);
	r->headers[r->nheaders][0] = xstrdup(name);
	r->headers[r->nheaders++][1] = xstrdup(value);
}

void
req_reply(struct req *r, int status, const char *ctype, char *body,
    size_t len)
{
	if (r->out != NULL) {
		/* A second answer is a bug; keep the first. */
		log_error("handler answered twice (%d after %d)", status,
		    r->status);
		free(body);
		return;
	}
	r->status = status;
	r->ctype = ctype;
	r->out = body;
	r->out_len = len;
}

void
req_reply_fd(struct req *r, int status, const char *ctype, int fd,
    uint64_t size)
{
	if (r->out != NULL) {
		log_error("handler answered twice (%d after %d)", status,
		    r->status);
		close(fd);
		return;
	}
	req_reply(r, status, ctype, xstrdup(""), 0);
	r->has_fd = true;
	r->out_fd = fd;
	r->out_fd_size = size;
}

void
req_reply_json(struct req *r, int status, json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		fatalx("req_reply_json: json_dumps");
	json_decref(j);
	req_reply(r, status, "application/json; charset=utf-8", s, strlen(s));
}

void
req_reply_json_text(struct req *r, int status, const char *text, size_t len)
{
	char	*s = xmalloc(len + 1);

	memcpy(s, text, len);
	s[len] = '\0';
	req_reply(r, status, "application/json; charset=utf-8", s, len);
}

void
req_reply_page(struct req *r, const char *items, size_t len,
    const char *next)
{
	struct buf	b;
	json_t		*n;
	char		*ns;

	n = next != NULL ? json_string(next) : json_null();
	ns = json_dumps(n, JSON_ENCODE_ANY);
	json_decref(n);
	if (ns == NULL)
		fatalx("req_reply_page: json_dumps");
	buf_init(&b, 0);
	if (!buf_adds(&b, "{\"data\":[") || !buf_add(&b, items, len) ||
	    !buf_printf(&b, "],\"next\":%s}", ns))
		fatalx("req_reply_page: buffer");
	free(ns);
	len = b.len;
	req_reply(r, 200, "application/json; charset=utf-8", buf_take(&b, NULL),
	    len);
}

void
req_reply_list(struct req *r, const struct db_stmt *stmt, int nparams,
    const char *const *values, int64_t limit)
{
	PGresult	*res;

	if ((res = req_exec(r, stmt, nparams, values)) == NULL)
		return;
	req_reply_rows(r, res, limit);
	PQclear(res);
}

void
req_reply_rows(struct req *r, PGresult *res, int64_t limit)
{
	struct buf	 items;
	json_t		*keys, *one;
	char		*next = NULL;
	int		 i, n = PQntuples(res);

	buf_init(&items, 0);
	for (i = 0; i < n && (limit <= 0 || i < limit); i++) {
		if ((i > 0 && !buf_adds(&items, ",")) ||
		    !buf_add(&items, PQgetvalue(res, i, 0),
		    (size_t)PQgetlength(res, i, 0)))
			fatalx("req_reply_rows: buffer");
	}
	if (limit > 0 && n > limit) {
		keys = json_loads(PQgetvalue(res, (int)limit - 1, 1),
		    JSON_DECODE_ANY, NULL);
		if (keys == NULL)
			fatalx("req_reply_rows: the key column is not JSON");
		if (!json_is_array(keys)) {
			one = keys;
			keys = json_pack("[o]", one);
		}
		next = page_encode(keys);
		json_decref(keys);
	}
	req_reply_page(r, items.data != NULL ? items.data : "", items.len,
	    next);
	free(next);
	buf_free(&items);
}

void
req_reply_stream(struct req *r, int status, const char *ctype,
    req_stream_read read, void *cls, void (*done)(void *))
{
	req_reply(r, status, ctype, xstrdup(""), 0);
	r->stream = read;
	r->stream_cls = cls;
	r->stream_done = done;
}

void *
req_connection(const struct req *r)
{
	return r->conn;
}

static void
req_vproblem(struct req *r, const char *code, const char *fmt, va_list ap)
{
	const struct problem_type	*t = problem_type(code);
	char				*detail = NULL, *s;
	size_t				 len;

	if (fmt != NULL && vasprintf(&detail, fmt, ap) < 0)
		fatal("vasprintf");
	s = problem_render(t, detail, r->id, r->errors, &len);
	free(detail);
	req_reply(r, t->status, "application/problem+json", s, len);
}

void
req_problem(struct req *r, const char *code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	req_vproblem(r, code, fmt, ap);
	va_end(ap);
}

void
req_field_error(struct req *r, const char *field, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *name;
	json_t	*e;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatal("vasprintf");
	va_end(ap);
	/* A field name cut short, or a value quoted, may break UTF-8. */
	name = xstrdup(field);
	utf8_scrub(name);
	utf8_scrub(msg);
	if (r->errors == NULL)
		r->errors = json_array();
	if ((e = json_pack("{s:s, s:s, s:s}", "field", name, "code", code,
	    "message", msg)) == NULL)
		fatalx("req_field_error: json_pack");
	json_array_append_new(r->errors, e);
	free(name);
	free(msg);
}

bool
req_has_field_errors(const struct req *r)
{
	return r->errors != NULL && json_array_size(r->errors) > 0;
}

void
req_fail_fields(struct req *r)
{
	size_t		 n = r->errors != NULL ? json_array_size(r->errors) : 0;
	const char	*field, *msg;

	if (n == 1) {
		field = json_string_value(json_object_get(json_array_get(
		    r->errors, 0), "field"));
		msg = json_string_value(json_object_get(json_array_get(
		    r->errors, 0), "message"));
		if (field == NULL || *field == '\0')
			req_problem(r, "validation", "%s", msg);
		else
			req_problem(r, "validation", "%s %s", field, msg);
	} else
		req_problem(r, "validation", "%zu fields are invalid; see "
		    "errors", n);
}

/* --- who is calling ------------------------------------------------- */

static const struct db_stmt req_stmts[] = {
	{ "req_api_key",
	  "SELECT k.id, k.user_id, coalesce(k.vendor_id, 0), k.scopes::text,"
	  " k.key_hash, u.role, u.status FROM api_keys k"
	  " JOIN users u ON u.id = k.user_id"
	  " WHERE k.prefix = $1 AND k.revoked_at IS NULL" },
	{ "req_api_key_used",
	  "UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND"
	  " (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')" },
};

void
req_register_statements(void)
{
	db_register(req_stmts, sizeof req_stmts / sizeof req_stmts[0]);
}

const struct principal *
req_principal(const struct req *r)
{
	return r->signed_in ? &r->principal : NULL;
}

const char *
req_scope(struct req *r)
{
	struct buf	b;
	int		i;

	if (!r->signed_in || !(r->principal.role & ROLES_REGION_SCOPED))
		return NULL;
	if (r->scope == NULL) {
		buf_init(&b, 0);
		if (!buf_adds(&b, "{"))
			fatalx("req_scope");
		for (i = 0; i < r->principal.nregions; i++)
			if (!buf_printf(&b, "%s%lld", i > 0 ? "," : "",
			    (long long)r->principal.regions[i]))
				fatalx("req_scope");
		if (!buf_adds(&b, "}"))
			fatalx("req_scope");
		r->scope = buf_take(&b, NULL);
	}
	return r->scope;
}

/*
 * Behind a trusted proxy, the client is the address the proxy appended
 * last to X-Forwarded-For (what came before it, the client could forge).
 */
static void
req_forwarded_for(struct req *r)
{
	const char	*list = api_config != NULL ?
			    api_config->trusted_proxies : "", *xff, *last;
	char		 addr[64];
	size_t		 n = strlen(r->ip);
	unsigned char	 bin[16];
	bool		 trusted = false;

	while (list != NULL && *list != '\0' && !trusted) {
		trusted = strncmp(list, r->ip, n) == 0 && (list[n] == ',' ||
		    list[n] == '\0' || list[n] == ' ');
		if ((list = strchr(list, ',')) != NULL)
			while (*++list == ' ')
				;
	}
	if (!trusted || (xff = req_header(r, "X-Forwarded-For")) == NULL)
		return;
	last = strrchr(xff, ',');
	last = last != NULL ? last + 1 : xff;
	while (*last == ' ')
		last++;
	snprintf(addr, sizeof addr, "%s", last);
	addr[strcspn(addr, " ")] = '\0';
	if (inet_pton(AF_INET, addr, bin) == 1 ||
	    inet_pton(AF_INET6, addr, bin) == 1)
		snprintf(r->ip, sizeof r->ip, "%s", addr);
}

const char *
req_client_ip(struct req *r)
{
	const union MHD_ConnectionInfo	*ci;
	const struct sockaddr		*sa;

	if (r->ip[0] != '\0')
		return r->ip;
	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(r->ip, sizeof r->ip, "0.0.0.0");
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return r->ip;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, r->ip, sizeof r->ip);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, r->ip, sizeof r->ip);
	req_forwarded_for(r);
	return r->ip;
}

static unsigned
req_scopes_parse(const char *lit)
{
	unsigned	s = 0;

	if (strstr(lit, "read") != NULL)
		s |= AUTH_SCOPE_READ;
	if (strstr(lit, "catalog") != NULL)
		s |= AUTH_SCOPE_CATALOG;
	if (strstr(lit, "orders") != NULL)
		s |= AUTH_SCOPE_ORDERS;
	if (strstr(lit, "leads") != NULL)
		s |= AUTH_SCOPE_LEADS;
	return s;
}

/* sk_<8 prefix chars>_<secret>: finds the key and checks its hash. */
static bool
req_api_key(struct req *r, const char *key)
{
	unsigned char	 want[32], *stored;
	const char	*params[1];
	char		 prefix[9];
	struct db	*db;
	PGresult	*res;
	size_t		 len;
	bool		 ok = false;

	if (strlen(key) < 12 || key[11] != '_')
		return false;
	memcpy(prefix, key + 3, 8);
	prefix[8] = '\0';
	params[0] = prefix;
	if ((db = req_db(r)) == NULL)
		return false;
	if ((res = db_exec(db, &req_stmts[0], 1, params)) == NULL) {
		req_db_problem(r, db);
		return false;
	}
	if (PQntuples(res) == 1) {
		auth_token_hash(key, want);
		stored = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0,
		    4), &len);
		ok = stored != NULL && len == 32 &&
		    sodium_memcmp(stored, want, 32) == 0 &&
		    strcmp(PQgetvalue(res, 0, 6), "active") == 0 &&
		    auth_role_parse(PQgetvalue(res, 0, 5), &r->principal.role);
		PQfreemem(stored);
	}
	if (ok) {
		r->principal.api_key_id = strtoll(PQgetvalue(res, 0, 0), NULL,
		    10);
		r->principal.user_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		r->principal.vendor_id = strtoll(PQgetvalue(res, 0, 2), NULL,
		    10);
		r->principal.scopes = req_scopes_parse(PQgetvalue(res, 0, 3));
		params[0] = PQgetvalue(res, 0, 0);
		PQclear(db_exec(db, &req_stmts[1], 1, params));
	}
	PQclear(res);
	return ok;
}

bool
req_authorize(struct req *r)
{
	const struct perm	*perm = auth_perm(r->match.route->perm);
	const char		*auth, *why = NULL, *role;

	if (perm == NULL)
		fatalx("route %s: unknown permission %s",
		    r->match.route->pattern, r->match.route->perm);
	auth = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth != NULL) {
		if (strncasecmp(auth, "Bearer ", 7) != 0) {
			why = "send credentials as Authorization: Bearer";
		} else if (strncmp(auth + 7, "sk_", 3) == 0) {
			if (!req_api_key(r, auth + 7)) {
				if (r->out != NULL)
					return false;	/* 503 */
				why = "unknown or revoked API key";
			}
		} else
			(void)auth_verify_token(auth + 7, &r->principal, &why);
		if (why != NULL) {
			memset(&r->principal, 0, sizeof r->principal);
			req_add_header(r, "WWW-Authenticate",
			    "Bearer error=\"invalid_token\"");
			req_problem(r, "unauthorized", "%s", why);
			return false;
		}
		r->signed_in = true;
	}
	if (perm->roles == 0)
		return true;
	if (!r->signed_in) {
		req_add_header(r, "WWW-Authenticate", "Bearer");
		req_problem(r, "unauthorized", "sign in first");
		return false;
	}
	if (r->principal.api_key_id != 0 &&
	    (r->principal.scopes & perm->scopes) == 0) {
		req_problem(r, "forbidden", "this API key's scopes do not "
		    "allow %s", perm->summary);
		return false;
	}
	if (!(r->principal.role & perm->roles)) {
		role = auth_role_name(r->principal.role);
		req_problem(r, "forbidden", "%s %s may not do this (%s)",
		    strchr("aeiou", role[0]) != NULL ? "an" : "a", role,
		    perm->summary);
		return false;
	}
	return true;
}
