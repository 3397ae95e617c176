#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db.h"
#include "embed.h"
#include "log.h"
#include "migrate.h"
#include "xmalloc.h"

/* pg_advisory_lock key held while migrating: "soukmigr" in ASCII. */
#define MIGRATE_LOCK "8317996141034170226"

static const char migrate_table_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " name text PRIMARY KEY,"
    " checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),"
    " applied_at timestamptz NOT NULL DEFAULT now())";

/*
 * Texts of migrations that a stop landed and a later stop replaced by
 * the file's present text, leaving the same schema: a database that
 * applied one of them is as current as one that applied the file.
 * Never a way to change a landed migration: a schema change is a new
 * migration.
 *
 * The stop of eac9341 landed 0028 in an earlier text, with 0032 to
 * bring it to the text f2e5103 had landed (the file now); 0032's row
 * stays in such a database (an applied migration newer than the files
 * is allowed).  Its 0034 and 0035 differ from the files in comments
 * only (they named 0032 where they now name 0028).
 *
 * The stop of c4d4dd1 landed 0036 marking the listings with every
 * trigger of listings off, not only listings_updated_at (a faster
 * backfill; the other triggers have nothing to do, and the rows come out
 * the same); the file is again the text 915f758 landed first.
 */
static const struct {
	const char	*name;
	const char	*checksum;
} migrate_landed[] = {
	{ "0028_product_docs.sql",
	  "3ac192a19740dc461079232c98d215aa94c615f2cebdc22f1fedc2dc6344b1f0" },
	{ "0034_listing_lists.sql",
	  "9e6960b3ba7e0f759cfb7ba37bc44a2d4aa5d950e0bef760bf828f491cfa8edb" },
	{ "0035_product_cards_kept.sql",
	  "1e4a3d0551712014b00b2af13dd65209848f7d743b8a80dc7985b0c0a90c7f3d" },
	{ "0036_search_categories.sql",
	  "46265af1c39c72ccf7f36404358e27eadaa4f5b58c9e066bc92b4930c1974291" },
};

/* Whether checksum is a landed text of migration name other than its file's. */
static bool
migrate_landed_text(const char *name, const char *checksum)
{
	size_t	i;

	for (i = 0; i < sizeof migrate_landed / sizeof migrate_landed[0]; i++)
		if (strcmp(migrate_landed[i].name, name) == 0 &&
		    strcmp(migrate_landed[i].checksum, checksum) == 0)
			return true;
	return false;
}

void
migrate_checksum(const struct embed_file *f, char hex[65])
{
	unsigned char	hash[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(hash, (const unsigned char *)f->data, f->len);
	sodium_bin2hex(hex, 65, hash, sizeof hash);
}

/* The applied migrations, name and checksum, in name order; NULL on error. */
static PGresult *
migrate_applied(struct db *db, char **cause)
{
	PGresult	*res;

	res = db_query(db, "SELECT to_regclass('schema_migrations') IS NULL",
	    0, NULL);
	if (res == NULL)
		goto fail;
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		PQclear(res);
		return db_query(db, "SELECT ''::text AS name, ''::text AS "
		    "checksum WHERE false", 0, NULL);
	}
	PQclear(res);
	if ((res = db_query(db, "SELECT name, checksum FROM schema_migrations "
	    "ORDER BY name", 0, NULL)) != NULL)
		return res;
fail:
	*cause = xasprintf("reading schema_migrations: %s", db_message(db));
	return NULL;
}

/* Index of name among the applied rows, or -1. */
static int
migrate_find(const PGresult *res, const char *name)
{
	int	i;

	for (i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, 0), name) == 0)
			return i;
	}
	return -1;
}

enum migrate_state
migrate_check(struct db *db, const struct embed_file *list, size_t count,
    FILE *out, char **cause)
{
	PGresult		*res;
	enum migrate_state	 state = MIGRATE_CURRENT;
	char			 sum[65];
	size_t			 i, pending = 0;
	int			 row, nknown = 0;

	*cause = NULL;
	if ((res = migrate_applied(db, cause)) == NULL)
		return MIGRATE_ERROR;
	for (i = 0; i < count; i++) {
		migrate_checksum(&list[i], sum);
		row = migrate_find(res, list[i].name);
		if (row < 0) {
			pending++;
			if (state == MIGRATE_CURRENT)
				state = MIGRATE_PENDING;
			if (out != NULL)
				fprintf(out, "pending  %s\n", list[i].name);
			continue;
		}
		nknown++;
		if (strcmp(PQgetvalue(res, row, 1), sum) != 0 &&
		    !migrate_landed_text(list[i].name, PQgetvalue(res, row,
		    1))) {
			if (state != MIGRATE_CHANGED) {
				free(*cause);
				*cause = xasprintf("migration %s was changed "
				    "after it was applied (applied checksum "
				    "%.12s, file %.12s): write a new migration "
				    "instead of editing a landed one",
				    list[i].name, PQgetvalue(res, row, 1), sum);
			}
			state = MIGRATE_CHANGED;
			if (out != NULL)
				fprintf(out, "CHANGED  %s\n", list[i].name);
		} else if (out != NULL)
			fprintf(out, "applied  %s\n", list[i].name);
	}
	if (out != NULL && PQntuples(res) > nknown)
		fprintf(out, "(%d applied migrations are newer than this "
		    "soukd)\n", PQntuples(res) - nknown);
	if (state == MIGRATE_PENDING)
		*cause = xasprintf("%zu migration%s not applied: run `soukd "
		    "migrate`", pending, pending == 1 ? " is" : "s are");
	PQclear(res);
	return state;
}

static bool
migrate_one(struct db *db, const struct embed_file *f, const char *sum,
    char **cause)
{
	const char	*params[2] = { f->name, sum };
	PGresult	*res;

	if (!db_command(db, "BEGIN"))
		goto fail;
	if (!db_command(db, f->data))
		goto fail;
	res = db_query(db, "INSERT INTO schema_migrations (name, checksum) "
	    "VALUES ($1, $2)", 2, params);
	if (res == NULL)
		goto fail;
	PQclear(res);
	if (!db_command(db, "COMMIT"))
		goto fail;
	return true;
fail:
	*cause = xasprintf("migration %s failed: %s", f->name,
	    db_message(db));
	if (PQtransactionStatus(db_pgconn(db)) != PQTRANS_IDLE &&
	    !db_command(db, "ROLLBACK"))
		log_warn("rollback failed: %s", db_message(db));
	return false;
}

bool
migrate_apply(struct db *db, const struct embed_file *list, size_t count,
    FILE *out, char **cause)
{
	PGresult	*res = NULL;
	char		 sum[65], *why = NULL;
	size_t		 i, applied = 0;
	bool		 ok = false;

	if (!db_command(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")")) {
		*cause = xasprintf("taking the migration lock: %s",
		    db_message(db));
		return false;
	}
	if (!db_command(db, migrate_table_sql)) {
		*cause = xasprintf("creating schema_migrations: %s",
		    db_message(db));
		goto out;
	}
	if (migrate_check(db, list, count, NULL, &why) == MIGRATE_CHANGED ||
	    (res = migrate_applied(db, cause)) == NULL) {
		if (why != NULL)
			*cause = why, why = NULL;
		goto out;
	}
	for (i = 0; i < count; i++) {
		if (migrate_find(res, list[i].name) >= 0)
			continue;
		migrate_checksum(&list[i], sum);
		if (!migrate_one(db, &list[i], sum, cause))
			goto out;
		fprintf(out, "applied  %s\n", list[i].name);
		applied++;
	}
	if (applied == 0)
		fprintf(out, "schema is current (%zu migrations)\n", count);
	ok = true;
out:
	free(why);
	PQclear(res);
	if (!db_command(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")"))
		log_warn("releasing the migration lock: %s", db_message(db));
	return ok;
}
