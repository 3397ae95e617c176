/*
 * auth: who is calling and what they may do.  Roles and permissions are
 * data (perms.c): every route names the permission it needs and the HTTP
 * layer checks it once, before the handler runs.  Callers prove who they
 * are with an access token (a JWT signed with HMAC-SHA-256, 15 minutes)
 * or an API key (sk_...).  Access tokens are checked without a database
 * round trip, against signing keys and a cache of "tokens issued before T
 * are void" per user (suspension, role changes), which NOTIFY keeps fresh
 * in every soukd.
 */
#ifndef SOUKD_AUTH_H
#define SOUKD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct db;

enum role {
	ROLE_CUSTOMER		= 1 << 0,
	ROLE_B2B_BUYER		= 1 << 1,
	ROLE_VENDOR_OWNER	= 1 << 2,
	ROLE_VENDOR_STAFF	= 1 << 3,
	ROLE_EMPLOYEE		= 1 << 4,
	ROLE_TELECALLER		= 1 << 5,
	ROLE_SUPERVISOR		= 1 << 6,
	ROLE_MODERATOR		= 1 << 7,
	ROLE_ADMIN		= 1 << 8,
};

#define ROLES_ALL		0x1ff
#define ROLES_VENDOR		(ROLE_VENDOR_OWNER | ROLE_VENDOR_STAFF)
#define ROLES_STAFF		(ROLE_EMPLOYEE | ROLE_TELECALLER | \
				 ROLE_SUPERVISOR | ROLE_MODERATOR | ROLE_ADMIN)
/* Staff who only see their regions' rows. */
#define ROLES_REGION_SCOPED	(ROLE_EMPLOYEE | ROLE_TELECALLER | \
				 ROLE_SUPERVISOR)

#define AUTH_MAX_REGIONS	64

/* The caller of a request, once authenticated. */
struct principal {
	int64_t		 user_id;
	enum role	 role;
	int64_t		 vendor_id;	/* vendor roles; 0 otherwise */
	int		 nregions;	/* region-scoped staff */
	int64_t		 regions[AUTH_MAX_REGIONS];
	int64_t		 session_id;	/* the refresh family's session */
	int64_t		 api_key_id;	/* when calling with a key */
	unsigned	 scopes;	/* API keys: AUTH_SCOPE_* */
	char		 jti[33];
};

#define AUTH_SCOPE_READ		0x1
#define AUTH_SCOPE_CATALOG	0x2
#define AUTH_SCOPE_ORDERS	0x4
#define AUTH_SCOPE_LEADS	0x8

struct perm {
	const char	*name;
	unsigned	 roles;		/* 0: anyone, signed in or not */
	unsigned	 scopes;	/* API keys need one of these; 0: none may */
	const char	*summary;
};

/* Every permission a route may name (perms.c). */
extern const struct perm auth_perms[];
const struct perm *auth_perm(const char *name);

/* "customer", ... and back; false/NULL when unknown. */
const char *auth_role_name(enum role);
bool	auth_role_parse(const char *, enum role *);

/* Reads settings, registers statements; before any connection. */
void	auth_init(const struct config *);
/*
 * Loads the signing keys (creating the first one if there is none) and
 * the token cache, and keeps them fresh from a thread of its own.  False
 * with *cause (caller frees).
 */
bool	auth_start(const char *conninfo, char **cause)
	    __attribute__((warn_unused_result));
void	auth_stop(void);

/*
 * Checks an access token (the text after "Bearer ").  On success fills p
 * and returns true; otherwise false with *why set to a static reason.
 */
bool	auth_verify_token(const char *token, struct principal *p,
	    const char **why);
/*
 * Issues an access token for p, valid for the configured lifetime; the
 * caller frees it.  *expires_in gets its lifetime in seconds.
 */
char	*auth_issue_token(const struct principal *p, int64_t *expires_in);

/*
 * Hashes a password with argon2id at the configured cost (at most
 * auth_hash_concurrency at once across the process).  NULL if no slot
 * freed up in time or memory for it cannot be had.
 */
char	*auth_hash_password(const char *password);
/*
 * 1 if password matches hash, 0 if not (also when hash is NULL: the time
 * is spent anyway, so that no account is found out by timing), -1 if no
 * hashing slot freed up in time (answer 503).
 */
int	auth_check_password(const char *hash, const char *password);

/* Forgets cached token state of a user: their tokens are re-checked. */
void	auth_user_changed(int64_t user_id);
/*
 * Voids a user's access tokens issued until now, in this transaction (every
 * soukd learns at commit).  False with db's status on failure.
 */
bool	auth_void_tokens(struct db *, int64_t user_id)
	    __attribute__((warn_unused_result));

/*
 * A random token of nbytes as unpadded base64url (caller frees), and the
 * SHA-256 of a token's text (what is stored).
 */
char	*auth_random_token(size_t nbytes);
void	auth_token_hash(const char *token, unsigned char out[32]);
/* A bytea literal ("\\x...") of a 32-byte hash, for SQL parameters. */
void	auth_hash_literal(const unsigned char hash[32], char out[67]);

#endif
