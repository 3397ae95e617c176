/*
 * account: what the identity routes share.  Loading who a user is (role,
 * vendor, regions) into a principal, opening and rotating sessions (a
 * refresh token family each), answering with a token pair, and the audit
 * log that every staff action and security event appends to.
 */
#ifndef SOUKD_ACCOUNT_H
#define SOUKD_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"

struct db;
struct req;

/* The JSON of a user row u, with its regions, for SQL statements. */
#define ACCOUNT_USER_JSON						\
	"json_build_object('id', u.id, 'role', u.role, 'name', u.name, "	\
	"'email', u.email, 'email_verified', u.email_verified_at IS NOT "	\
	"NULL, 'phone', u.phone, 'phone_verified', u.phone_verified_at "	\
	"IS NOT NULL, 'status', u.status, 'status_reason', "		\
	"u.status_reason, 'vendor_id', u.vendor_id, 'regions', "		\
	"coalesce((SELECT json_agg(ur.region_id ORDER BY ur.region_id) "	\
	"FROM user_regions ur WHERE ur.user_id = u.id), '[]'), "	\
	"'language', u.language, 'timezone', u.timezone, "		\
	"'created_at', rfc3339(u.created_at), 'last_login_at', "		\
	"rfc3339(u.last_login_at))"

struct config;
/* Registers the statements; before any connection. */
void	account_init(void);
void	account_configure(const struct config *);

/*
 * Fills p from the user's row (role, vendor, regions).  False if there is
 * no such user (status DB_OK) or on a database failure.
 */
bool	account_principal(struct db *, int64_t user_id, struct principal *p)
	    __attribute__((warn_unused_result));
/*
 * Opens a session (a new refresh token family, family 0) or the next
 * session of a family, inside the caller's transaction.  *refresh gets the
 * new refresh token (caller frees) and p->session_id its family.
 */
bool	account_open_session(struct db *, struct req *, struct principal *p,
	    int64_t family, char **refresh) __attribute__((warn_unused_result));
/*
 * Answers 200 (or status) with {access_token, token_type, expires_in,
 * refresh_token, user} for p.  user_json is the user's JSON text.
 */
void	account_reply_tokens(struct req *, int status,
	    const struct principal *p, const char *refresh,
	    const char *user_json);

/*
 * Appends to the audit log inside the caller's transaction: the actor is
 * the request's caller (or actor_id when it is not signed in yet; 0 for
 * none), with the request id and client address.  before and after are
 * JSON texts or NULL.
 */
bool	account_audit(struct db *, struct req *, int64_t actor_id,
	    const char *action, const char *target_type, const char *target_id,
	    const char *before, const char *after, const char *detail)
	    __attribute__((warn_unused_result));

/*
 * Refuses a password too weak to keep (under 8 characters, or the email
 * address), recording a field error on r.  email may be NULL.
 */
bool	account_password_ok(struct req *, const char *field, const char *pw,
	    const char *email);
/* Lower-cases and trims an email address in place; false if malformed. */
bool	account_normalize_email(char *email);

#endif
