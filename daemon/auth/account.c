#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "req.h"
#include "utf8.h"

static const struct db_stmt account_stmts[] = {
	{ "account_principal",
	  "SELECT u.role, coalesce(u.vendor_id, 0),"
	  " coalesce((SELECT array_agg(region_id ORDER BY region_id)"
	  "  FROM user_regions WHERE user_id = u.id), '{}')::text"
	  " FROM users u WHERE u.id = $1" },
	/* $1 user, $2 family or NULL, $3 hash, $4 ttl ms, $5 ua, $6 ip */
	{ "account_session",
	  "INSERT INTO sessions (user_id, family_id, token_hash, expires_at,"
	  " user_agent, ip)"
	  " VALUES ($1, coalesce($2, nextval('session_families')), $3::bytea,"
	  "  now() + $4::bigint * interval '1 ms', left($5, 300), $6::inet)"
	  " RETURNING family_id" },
	{ "account_audit",
	  "INSERT INTO audit_log (actor_id, actor_role, action, target_type,"
	  " target_id, before, after, detail, request_id, ip)"
	  " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9,"
	  "  $10::inet)" },
};

enum { STMT_PRINCIPAL, STMT_SESSION, STMT_AUDIT };

static int64_t	account_refresh_ttl_ms = 30LL * 86400 * 1000;

void
account_init(void)
{
	db_register(account_stmts,
	    sizeof account_stmts / sizeof account_stmts[0]);
}

void
account_configure(const struct config *c)
{
	account_refresh_ttl_ms = c->refresh_ttl_ms;
}

bool
account_principal(struct db *db, int64_t user_id, struct principal *p)
{
	char		 id[24], *s, *e;
	const char	*params[1] = { id };
	PGresult	*res;

	memset(p, 0, sizeof *p);
	snprintf(id, sizeof id, "%lld", (long long)user_id);
	if ((res = db_exec(db, &account_stmts[STMT_PRINCIPAL], 1, params)) ==
	    NULL)
		return false;
	if (PQntuples(res) != 1 || !auth_role_parse(PQgetvalue(res, 0, 0),
	    &p->role)) {
		PQclear(res);
		return false;
	}
	p->user_id = user_id;
	p->vendor_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	/* "{1,2,3}" */
	for (s = PQgetvalue(res, 0, 2) + 1; *s != '\0' && *s != '}' &&
	    p->nregions < AUTH_MAX_REGIONS; s = e) {
		p->regions[p->nregions++] = strtoll(s, &e, 10);
		if (*e == ',')
			e++;
		else if (e == s)
			break;
	}
	PQclear(res);
	return true;
}

bool
account_open_session(struct db *db, struct req *r, struct principal *p,
    int64_t family, char **refresh)
{
	unsigned char	 hash[32];
	char		 user[24], fam[24], ttl[24], lit[67];
	const char	*params[6];
	PGresult	*res;

	*refresh = auth_random_token(32);
	auth_token_hash(*refresh, hash);
	auth_hash_literal(hash, lit);
	snprintf(user, sizeof user, "%lld", (long long)p->user_id);
	snprintf(fam, sizeof fam, "%lld", (long long)family);
	snprintf(ttl, sizeof ttl, "%lld", (long long)account_refresh_ttl_ms);
	params[0] = user;
	params[1] = family > 0 ? fam : NULL;
	params[2] = lit;
	params[3] = ttl;
	params[4] = req_header(r, "User-Agent");
	params[5] = req_client_ip(r);
	if ((res = db_exec(db, &account_stmts[STMT_SESSION], 6, params)) ==
	    NULL) {
		free(*refresh);
		*refresh = NULL;
		return false;
	}
	p->session_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return true;
}

void
account_reply_tokens(struct req *r, int status, const struct principal *p,
    const char *refresh, const char *user_json)
{
	int64_t		 expires;
	char		*access = auth_issue_token(p, &expires);
	json_t		*user = json_loads(user_json, 0, NULL), *o;

	o = json_pack("{s:s, s:s, s:I, s:s, s:o}", "access_token", access,
	    "token_type", "Bearer", "expires_in", (json_int_t)expires,
	    "refresh_token", refresh, "user", user != NULL ? user :
	    json_null());
	free(access);
	req_add_header(r, "Cache-Control", "no-store");
	req_reply_json(r, status, o);
}

bool
account_audit(struct db *db, struct req *r, int64_t actor_id,
    const char *action, const char *target_type, const char *target_id,
    const char *before, const char *after, const char *detail)
{
	const struct principal	*p = r != NULL ? req_principal(r) : NULL;
	const char		*params[10];
	char			 actor[24];
	PGresult		*res;

	if (p != NULL && actor_id == 0)
		actor_id = p->user_id;
	snprintf(actor, sizeof actor, "%lld", (long long)actor_id);
	params[0] = actor_id != 0 ? actor : NULL;
	params[1] = p != NULL ? auth_role_name(p->role) : NULL;
	params[2] = action;
	params[3] = target_type;
	params[4] = target_id;
	params[5] = before;
	params[6] = after;
	params[7] = detail;
	params[8] = r != NULL ? req_id(r) : NULL;
	params[9] = r != NULL ? req_client_ip(r) : NULL;
	if ((res = db_exec(db, &account_stmts[STMT_AUDIT], 10, params)) ==
	    NULL)
		return false;
	PQclear(res);
	return true;
}

bool
account_normalize_email(char *email)
{
	char	*p, *start = email, *end, *at;

	while (*start == ' ' || *start == '\t')
		start++;
	end = start + strlen(start);
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	memmove(email, start, (size_t)(end - start));
	email[end - start] = '\0';
	for (p = email; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' ||
		    *p == '>' || *p == '\\' || *p == ',' || *p == ';')
			return false;
		*p = (char)tolower((unsigned char)*p);
	}
	if ((at = strchr(email, '@')) == NULL || at == email ||
	    strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL ||
	    at[1] == '.' || email[strlen(email) - 1] == '.' ||
	    strlen(email) > 254)
		return false;
	return true;
}

/* Refuses passwords too weak to keep: short, or the email address. */
bool
account_password_ok(struct req *r, const char *field, const char *pw,
    const char *email)
{
	size_t	n = utf8_len(pw, strlen(pw));

	if (n < 8) {
		req_field_error(r, field, "length", "must be at least 8 "
		    "characters long");
		return false;
	}
	if (email != NULL && strcasecmp(pw, email) == 0) {
		req_field_error(r, field, "invalid", "must not be your email "
		    "address");
		return false;
	}
	return true;
}

