/*
 * apikeys: keys for integrators and vendor systems.
 *
 *	POST   /v1/api-keys		create one; the key is shown once
 *	GET    /v1/api-keys		mine (an administrator's: everyone's)
 *	DELETE /v1/api-keys/{id}	revoke
 *
 * A key is sk_<prefix>_<secret>: the prefix finds it, the secret's SHA-256
 * is what is stored.  It acts as its owner, limited to its scopes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "buf.h"
#include "log.h"
#include "req.h"

#define APIKEY_JSON							\
	"json_build_object('id', k.id, 'name', k.name, 'prefix', k.prefix, "	\
	"'scopes', k.scopes, 'user_id', k.user_id, 'vendor_id', "	\
	"k.vendor_id, 'created_at', rfc3339(k.created_at), "		\
	"'last_used_at', rfc3339(k.last_used_at), 'revoked_at', "		\
	"rfc3339(k.revoked_at))::text"

static const struct db_stmt apikeys_stmts[] = {
	{ "apikeys_insert",
	  "INSERT INTO api_keys AS k (user_id, vendor_id, name, prefix, key_hash,"
	  " scopes) VALUES ($1, nullif($2::bigint, 0), $3, $4, $5::bytea,"
	  " $6::text[]) RETURNING " APIKEY_JSON },
	/* $1 owner, or NULL for all (administrators). */
	{ "apikeys_list",
	  "SELECT " APIKEY_JSON " FROM api_keys k"
	  " WHERE ($1::bigint IS NULL OR k.user_id = $1)"
	  " ORDER BY k.id DESC LIMIT 200" },
	{ "apikeys_revoke",
	  "UPDATE api_keys k SET revoked_at = coalesce(revoked_at, now())"
	  " WHERE id = $1 AND ($2::bigint IS NULL OR user_id = $2)"
	  " RETURNING " APIKEY_JSON },
};

enum { STMT_INSERT, STMT_LIST, STMT_REVOKE };

static const struct jsonv_field create_fields[] = {
	{ "name", JV_STRING, JV_REQUIRED, 1, 100, 0, 0, 0, NULL },
	{ "scopes", JV_ARRAY, JV_REQUIRED, 1, 3, JV_STRING, 1, 20, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/* The caller's own keys only, unless an administrator. */
static const char *
apikeys_owner(struct req *r, char *buf, size_t len)
{
	const struct principal	*p = req_principal(r);

	if (p->role == ROLE_ADMIN)
		return NULL;
	snprintf(buf, len, "%lld", (long long)p->user_id);
	return buf;
}

struct create_tx {
	struct req	*r;
	const char	*params[6];
	char		*json;
};

static bool
create_tx_run(struct db *db, void *arg)
{
	struct create_tx	*t = arg;
	PGresult		*res;
	json_t			*j;
	char			 id[24];

	free(t->json);
	t->json = NULL;
	if ((res = db_exec(db, &apikeys_stmts[STMT_INSERT], 6, t->params)) ==
	    NULL)
		return false;
	t->json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	j = json_loads(t->json, 0, NULL);
	snprintf(id, sizeof id, "%lld", (long long)json_integer_value(
	    json_object_get(j, "id")));
	json_decref(j);
	return account_audit(db, t->r, 0, "api_key.created", "api_key", id,
	    NULL, t->json, NULL);
}

static void
apikeys_create(struct req *r)
{
	static const char	 alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	const struct principal	*p = req_principal(r);
	json_t			*body, *v, *out;
	struct buf		 scopes;
	struct create_tx	 t;
	unsigned char		 rnd[8], hash[32];
	char			 prefix[9], user[24], vendor[24], lit[67],
				*secret = NULL, *key = NULL;
	struct db		*db;
	size_t			 i;
	int			 k;

	memset(&t, 0, sizeof t);
	buf_init(&scopes, 0);
	if ((body = req_body_json(r, create_fields)) == NULL)
		return;
	if (!buf_adds(&scopes, "{"))
		fatalx("apikeys_create");
	json_array_foreach(json_object_get(body, "scopes"), i, v) {
		const char *s = json_string_value(v);
		size_t	    j;

		if (strcmp(s, "read") != 0 && strcmp(s, "catalog") != 0 &&
		    strcmp(s, "orders") != 0 && strcmp(s, "leads") != 0) {
			req_field_error(r, "scopes", "invalid", "each scope must "
			    "be read, catalog, orders or leads");
			break;
		}
		for (j = 0; j < i && strcmp(s, json_string_value(
		    json_array_get(json_object_get(body, "scopes"), j))) != 0;
		    j++)
			;
		if (j < i) {
			req_field_error(r, "scopes", "duplicate", "names %s "
			    "twice", s);
			break;
		}
		if (!buf_printf(&scopes, "%s%s", i > 0 ? "," : "", s))
			fatalx("apikeys_create");
	}
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if (!buf_adds(&scopes, "}"))
		fatalx("apikeys_create");
	randombytes_buf(rnd, sizeof rnd);
	for (k = 0; k < 8; k++)
		prefix[k] = alnum[rnd[k] % (sizeof alnum - 1)];
	prefix[8] = '\0';
	secret = auth_random_token(32);
	key = xasprintf("sk_%s_%s", prefix, secret);
	auth_token_hash(key, hash);
	auth_hash_literal(hash, lit);
	snprintf(user, sizeof user, "%lld", (long long)p->user_id);
	snprintf(vendor, sizeof vendor, "%lld", (long long)p->vendor_id);
	t.r = r;
	t.params[0] = user;
	t.params[1] = vendor;
	t.params[2] = json_string_value(json_object_get(body, "name"));
	t.params[3] = prefix;
	t.params[4] = lit;
	t.params[5] = scopes.data;
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, create_tx_run, &t)) {
		req_db_problem(r, db);
		goto out;
	}
	out = json_loads(t.json, 0, NULL);
	/* The only time the key is seen: it is stored hashed. */
	json_object_set_new(out, "key", json_string(key));
	req_add_header(r, "Cache-Control", "no-store");
	req_reply_json(r, 201, out);
out:
	if (key != NULL)
		sodium_memzero(key, strlen(key));
	free(key);
	free(secret);
	free(t.json);
	buf_free(&scopes);
	json_decref(body);
}

static void
apikeys_list(struct req *r)
{
	char		 owner[24];
	const char	*params[1] = { apikeys_owner(r, owner, sizeof owner) };
	PGresult	*res;
	struct buf	 items;
	int		 i;

	if ((res = req_exec(r, &apikeys_stmts[STMT_LIST], 1, params)) == NULL)
		return;
	buf_init(&items, 0);
	for (i = 0; i < PQntuples(res); i++) {
		if ((i > 0 && !buf_adds(&items, ",")) ||
		    !buf_adds(&items, PQgetvalue(res, i, 0)))
			fatalx("apikeys_list");
	}
	req_reply_page(r, items.data != NULL ? items.data : "", items.len,
	    NULL);
	buf_free(&items);
	PQclear(res);
}

struct revoke_tx {
	struct req	*r;
	const char	*params[2];
	char		*json;
};

static bool
revoke_tx_run(struct db *db, void *arg)
{
	struct revoke_tx	*t = arg;
	PGresult		*res;

	free(t->json);
	t->json = NULL;
	if ((res = db_exec(db, &apikeys_stmts[STMT_REVOKE], 2, t->params)) ==
	    NULL)
		return false;
	if (PQntuples(res) == 1)
		t->json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return t->json == NULL || account_audit(db, t->r, 0,
	    "api_key.revoked", "api_key", t->params[0], NULL, t->json, NULL);
}

static void
apikeys_revoke(struct req *r)
{
	struct revoke_tx	 t;
	char			 owner[24];
	struct db		*db;

	memset(&t, 0, sizeof t);
	t.r = r;
	t.params[0] = req_param(r, "id");
	t.params[1] = apikeys_owner(r, owner, sizeof owner);
	if ((db = req_db(r)) == NULL)
		return;
	if (!db_tx(db, DB_READ_COMMITTED, revoke_tx_run, &t))
		req_db_problem(r, db);
	else if (t.json == NULL)
		req_problem(r, "not-found", "you have no API key %s",
		    t.params[0]);
	else
		req_reply_json_text(r, 200, t.json, strlen(t.json));
	free(t.json);
}

static const struct route apikeys_routes[] = {
	{ "POST", "/v1/api-keys", apikeys_create, NULL, "api_keys.manage",
	  "create an API key (shown once)", 0 },
	{ "GET", "/v1/api-keys", apikeys_list, NULL, "api_keys.manage",
	  "my API keys", 0 },
	{ "DELETE", "/v1/api-keys/{id}", apikeys_revoke, NULL,
	  "api_keys.manage", "revoke an API key", 0 },
};

const struct api_module apikeys_module = {
	"apikeys", apikeys_routes, API_NELEM(apikeys_routes),
	apikeys_stmts, API_NELEM(apikeys_stmts),
};
