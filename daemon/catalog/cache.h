/*
 * cache: answers to what customers read most, products and searches
 * (GET /v1/products and /v1/search/suggest), kept in memory until the
 * catalogue changes.  Every statement that writes a table those answers
 * read sends NOTIFY souk_catalog (migration 0017's triggers), whichever
 * soukd or tool makes it, and that makes every kept answer old.  Before
 * an answer is served from memory, listen_sync makes sure that every
 * change committed before the request came has been heard of: a kept
 * answer is served only while it is the one the database would give.
 * The memory is capped (catalog_cache); the least recently used answers
 * go first.
 */
#ifndef SOUKD_CACHE_H
#define SOUKD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct req;

/* A request whose answer was not kept: how to keep the one made. */
struct cache_miss {
	char		*key;		/* NULL: not to be kept */
	uint64_t	 gen;		/* the catalogue's version it reads */
};

/*
 * Reads the size cap and, when it is not 0, listens for changes; call
 * before listen_start.  Without it (or with 0), nothing is kept.
 */
void	cache_init(const struct config *);
/*
 * Answers r (200, JSON) with its kept answer and returns true; else
 * returns false and fills *m, for cache_keep once the handler has made
 * the answer.
 */
bool	cache_reply(struct req *r, struct cache_miss *m);
/*
 * Keeps body (JSON text of len bytes, a 200 answer) as the answer to m's
 * request, unless the catalogue changed since cache_reply; frees what m
 * holds.  body NULL: keeps nothing (the handler failed).
 */
void	cache_keep(struct cache_miss *m, const char *body, size_t len);
/*
 * The catalogue's version once every change committed before the call
 * has been heard of (*gen), and true; false when that cannot be known
 * (nothing is kept, the listener is not connected or late).
 */
bool	cache_current(uint64_t *gen);
/* Answers served from memory and made, and the bytes kept (metrics). */
void	cache_stats(uint64_t *hits, uint64_t *misses, uint64_t *bytes);

#endif
