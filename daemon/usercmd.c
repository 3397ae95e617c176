#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "account.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "phone.h"
#include "usercmd.h"
#include "utf8.h"

/* Reads one line of stdin as the password; NULL if there is none. */
static char *
usercmd_read_password(void)
{
	char	 line[1100];
	size_t	 n;

	if (fgets(line, sizeof line, stdin) == NULL)
		return NULL;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	return xstrdup(line);
}

int
usercmd_add(const struct config *c, const struct user_add *u)
{
	enum role	 role;
	char		 phone[32], *email = NULL, *password = NULL,
			*hash = NULL, *cause = NULL, id[24];
	const char	*params[6];
	struct db	*db = NULL;
	PGresult	*res = NULL;
	int		 i, rc = 1;
	bool		 generated = false;

	if (u->role == NULL || !auth_role_parse(u->role, &role)) {
		fprintf(stderr, "soukd user add: --role must be one of "
		    "customer, b2b_buyer, vendor_owner, vendor_staff, employee, "
		    "telecaller, supervisor, moderator, admin\n");
		return 2;
	}
	if (u->email == NULL && u->phone == NULL) {
		fprintf(stderr, "soukd user add: give --email or --phone\n");
		return 2;
	}
	if (u->email != NULL) {
		email = xstrdup(u->email);
		if (!account_normalize_email(email)) {
			fprintf(stderr, "soukd user add: '%s' is not an email "
			    "address\n", u->email);
			goto out;
		}
	}
	if (u->phone != NULL && !phone_normalize(u->phone, phone,
	    sizeof phone)) {
		fprintf(stderr, "soukd user add: '%s' is not a phone number "
		    "(use +<country> outside India)\n", u->phone);
		goto out;
	}
	if (u->name != NULL && (!utf8_valid(u->name, strlen(u->name)) ||
	    utf8_len(u->name, strlen(u->name)) > 100 || *u->name == '\0')) {
		fprintf(stderr, "soukd user add: --name must be 1 to 100 "
		    "characters\n");
		goto out;
	}
	/*
	 * Vendor accounts usually come from an approved registration (the
	 * owner) or the owner's team page; this is for scripts and demos.
	 */
	if ((role == ROLE_VENDOR_OWNER || role == ROLE_VENDOR_STAFF) !=
	    (u->vendor != NULL)) {
		fprintf(stderr, "soukd user add: --vendor ID goes with the "
		    "vendor_owner and vendor_staff roles, and only with them\n");
		goto out;
	}
	if (u->password_stdin) {
		if ((password = usercmd_read_password()) == NULL ||
		    utf8_len(password, strlen(password)) < 8 ||
		    strlen(password) > 1024 || !utf8_valid(password,
		    strlen(password))) {
			fprintf(stderr, "soukd user add: the password on "
			    "standard input must be 8 to 1024 characters\n");
			goto out;
		}
	} else {
		password = auth_random_token(12);
		generated = true;
	}
	auth_init(c);
	if ((hash = auth_hash_password(password)) == NULL) {
		fprintf(stderr, "soukd user add: cannot hash the password "
		    "(out of memory for password_mem?)\n");
		goto out;
	}
	account_init();
	if ((db = db_open(c->database, true, &cause)) == NULL) {
		fprintf(stderr, "soukd user add: cannot connect to the "
		    "database: %s\n", cause);
		goto out;
	}
	if (!db_command(db, "BEGIN"))
		goto dberr;
	params[0] = u->role;
	params[1] = email;
	params[2] = u->phone != NULL ? phone : NULL;
	params[3] = u->name;
	params[4] = hash;
	params[5] = u->vendor;
	res = db_query(db, "INSERT INTO users (role, email, phone, name,"
	    " password_hash, vendor_id, email_verified_at, phone_verified_at)"
	    " VALUES ($1, $2::text, $3::text, $4, $5, $6::bigint,"
	    " CASE WHEN $2 IS NOT NULL THEN now() END,"
	    " CASE WHEN $3 IS NOT NULL THEN now() END) RETURNING id", 6,
	    params);
	if (res == NULL) {
		if (db_status(db) == DB_CONSTRAINT && strcmp(db_constraint(db),
		    "users_vendor_id_fkey") == 0)
			fprintf(stderr, "soukd user add: there is no vendor "
			    "%s\n", u->vendor);
		else if (db_status(db) == DB_CONSTRAINT)
			fprintf(stderr, "soukd user add: an account with this "
			    "email or phone exists\n");
		else if (db_status(db) == DB_BAD_INPUT)
			fprintf(stderr, "soukd user add: --vendor must be a "
			    "vendor's id\n");
		else
			goto dberr;
		goto out;
	}
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	for (i = 0; i < u->nregions; i++) {
		params[0] = id;
		params[1] = u->regions[i];
		res = db_query(db, "INSERT INTO user_regions (user_id, "
		    "region_id) SELECT $1, id FROM regions WHERE id::text = $2 "
		    "OR code = upper($2) RETURNING region_id", 2, params);
		if (res == NULL)
			goto dberr;
		if (PQntuples(res) != 1) {
			fprintf(stderr, "soukd user add: no region '%s' (give "
			    "its id or ISO code such as IN-MH)\n",
			    u->regions[i]);
			goto out;
		}
		PQclear(res);
		res = NULL;
	}
	if (!account_audit(db, NULL, 0, "user.created", "user", id, NULL, NULL,
	    "soukd user add") || !db_command(db, "COMMIT"))
		goto dberr;
	printf("created user %s (%s, %s)\n", id, u->role, email != NULL ?
	    email : phone);
	if (generated)
		printf("password: %s\n(shown once: keep it safe)\n", password);
	if ((role & ROLES_REGION_SCOPED) && u->nregions == 0)
		fprintf(stderr, "soukd user add: note: a %s sees only their "
		    "regions' rows, and has none yet\n", u->role);
	rc = 0;
	goto out;
dberr:
	fprintf(stderr, "soukd user add: %s\n", db_message(db));
out:
	PQclear(res);
	db_close(db);
	if (password != NULL) {
		sodium_memzero(password, strlen(password));
		free(password);
	}
	free(hash);
	free(email);
	free(cause);
	return rc;
}

int
usercmd_keys_rotate(const struct config *c)
{
	unsigned char	 secret[32];
	char		 hex[67], *kid, *cause = NULL;
	const char	*params[2];
	struct db	*db;
	PGresult	*res;
	int		 rc = 1;

	if ((db = db_open(c->database, false, &cause)) == NULL) {
		fprintf(stderr, "soukd keys rotate: cannot connect to the "
		    "database: %s\n", cause);
		free(cause);
		return 1;
	}
	randombytes_buf(secret, sizeof secret);
	auth_hash_literal(secret, hex);
	sodium_memzero(secret, sizeof secret);
	kid = auth_random_token(12);
	params[0] = kid;
	params[1] = hex;
	/* Old keys still verify the tokens they signed until those expire. */
	res = db_query(db, "WITH r AS (UPDATE signing_keys SET retired_at = "
	    "now() WHERE retired_at IS NULL), k AS (INSERT INTO signing_keys "
	    "(kid, secret) VALUES ($1, $2::bytea)) SELECT pg_notify("
	    "'souk_auth', 'keys')", 2, params);
	sodium_memzero(hex, sizeof hex);
	if (res == NULL)
		fprintf(stderr, "soukd keys rotate: %s\n", db_message(db));
	else {
		printf("signing with key %s; the others verify until their "
		    "tokens expire\n", kid);
		rc = 0;
	}
	PQclear(res);
	free(kid);
	db_close(db);
	return rc;
}
