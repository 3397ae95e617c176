/*
 * migrate: the schema.  The migrations built into soukd (sql/migrations,
 * applied in name order) are recorded with a SHA-256 checksum in
 * schema_migrations; an applied migration whose file has since changed is
 * refused, because a landed migration is never edited (migrate.c lists
 * the few earlier texts that stops landed and later ones replaced, with
 * the same schema, and accepts those).
 */
#ifndef SOUKD_MIGRATE_H
#define SOUKD_MIGRATE_H

#include <stdbool.h>
#include <stdio.h>

struct db;
struct embed_file;

enum migrate_state {
	MIGRATE_CURRENT,	/* every known migration is applied */
	MIGRATE_PENDING,	/* some are not applied yet */
	MIGRATE_CHANGED,	/* an applied one differs from its file */
	MIGRATE_ERROR,		/* the database could not be asked */
};

/* The SHA-256 of a migration file as 64 hex digits and a NUL. */
void	migrate_checksum(const struct embed_file *, char hex[65]);
/*
 * Applies the pending migrations of list (count entries), each in its own
 * transaction, under an advisory lock so that concurrent runs wait for
 * each other.  Reports each one on out.  False with *cause (caller frees)
 * on the first failure or on a changed migration; what was applied before
 * it stays applied.
 */
bool	migrate_apply(struct db *, const struct embed_file *list,
	    size_t count, FILE *out, char **cause)
	    __attribute__((warn_unused_result));
/*
 * Compares the database with list.  *cause (caller frees, may be NULL)
 * describes any state other than MIGRATE_CURRENT.  Writes one line per
 * migration to out when out is not NULL.
 */
enum migrate_state migrate_check(struct db *, const struct embed_file *list,
	    size_t count, FILE *out, char **cause);

#endif
