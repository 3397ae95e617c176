/*
 * search: what keeps catalogue search good over time.  The search_words
 * table (the words typos are corrected to) only grows as listings are
 * written; the daily search.words job drops the words nothing uses any
 * more, so that a query is never "corrected" to a word that finds nothing.
 */
#ifndef SOUKD_SEARCH_H
#define SOUKD_SEARCH_H

#include "jobs.h"

struct db;

/* Registers the statements; before any connection. */
void	search_init(void);
/* The search.words job. */
enum job_result search_words_run(struct job *, struct db *);

#endif
