/*
 * popularity: how popular the listings are, as PostgreSQL's statistics
 * of listings.popularity say (its most common values with their
 * frequencies, and a histogram of the others): the popularity that a
 * given share of the listings reach.  A broad search reads its pool
 * among those of its matches (products.c, migration 0037).
 *
 * The statistics move only when listings are analyzed.  They are read
 * at the first use, and again at the first use a minute or more after
 * the last read; meanwhile the other callers use the ones read before
 * (none, the first time: they are told the statistics are not known).
 */
#ifndef SOUKD_POPULARITY_H
#define SOUKD_POPULARITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* Registers the statement; before any connection. */
void	popularity_init(void);

/*
 * The highest popularity that about share (0 to 1) of the listings
 * reach; -1 when the statistics do not say (never analyzed, or not read
 * yet) or say that fewer reach any popularity.  A read that fails is
 * logged, and the statistics read before are used until the next.
 */
int64_t	popularity_at(struct db *, double share);

/*
 * Counts a search that read its pool among its most popular matches:
 * enough of them (true), or too few, its pool then read among all.
 */
void	popularity_count(bool enough);
void	popularity_stats(uint64_t *enough, uint64_t *short_);

/* Statistics as shares, descending: share[i] of the listings reach value[i]. */
struct popularity_table {
	size_t		 n;
	int64_t		*value;
	double		*share;
};

/*
 * The table of statistics as pg_stats writes them: most_common_vals,
 * most_common_freqs and histogram_bounds, array texts ("{1,5,9}"), each
 * NULL when there is none.  False (t left empty) when they cannot be
 * read so.
 */
bool	popularity_table_make(struct popularity_table *t, const char *mcv,
	    const char *freqs, const char *bounds);
/* As popularity_at, from t. */
int64_t	popularity_table_at(const struct popularity_table *t, double share);
void	popularity_table_free(struct popularity_table *t);

#endif
