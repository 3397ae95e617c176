#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cache.h"
#include "config.h"
#include "listen.h"
#include "log.h"
#include "req.h"
#include "xmalloc.h"

#define CACHE_CHANNEL		"souk_catalog"
/* Longest a request waits to learn of changes before it asks the db. */
#define CACHE_SYNC_MS		1000
/* What an entry costs besides its key and body. */
#define CACHE_OVERHEAD		(sizeof(struct cache_entry) + 32)

struct cache_entry {
	uint64_t		 hash;
	uint64_t		 gen;
	char			*key;
	char			*body;
	size_t			 len;
	size_t			 cost;
	struct cache_entry	*chain;		/* same bucket */
	struct cache_entry	*newer, *older;	/* recency */
};

static pthread_mutex_t		 cache_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t			 cache_cap;	/* 0: off */
static size_t			 cache_used;
static struct cache_entry	**cache_buckets;
static size_t			 cache_nbuckets;
static size_t			 cache_count;
static struct cache_entry	*cache_newest, *cache_oldest;
/* The catalogue's version: every change heard of moves it on. */
static uint64_t			 cache_gen = 1;
static uint64_t			 cache_hits, cache_misses;
/* Keys come from clients: a keyed hash keeps them from choosing buckets. */
static unsigned char		 cache_hashkey[crypto_shorthash_KEYBYTES];

static void
cache_changed(void *arg, const char *channel, const char *payload)
{
	(void)arg;
	(void)channel;
	(void)payload;
	/* NULL payload (the listener reconnected) too: anything changed. */
	__atomic_add_fetch(&cache_gen, 1, __ATOMIC_ACQ_REL);
}

void
cache_init(const struct config *c)
{
	cache_cap = c->catalog_cache;
	if (cache_cap == 0)
		return;
	crypto_shorthash_keygen(cache_hashkey);
	cache_nbuckets = 1024;
	cache_buckets = xcalloc(cache_nbuckets, sizeof *cache_buckets);
	listen_subscribe(CACHE_CHANNEL, cache_changed, NULL);
}

/* SipHash of the key under this process's secret. */
static uint64_t
cache_hash(const char *s)
{
	unsigned char	h[crypto_shorthash_BYTES];
	uint64_t	v;

	crypto_shorthash(h, (const unsigned char *)s, strlen(s),
	    cache_hashkey);
	memcpy(&v, h, sizeof v);
	return v;
}

/* The entry of key, cache_mu held; NULL if none. */
static struct cache_entry *
cache_find(const char *key, uint64_t hash)
{
	struct cache_entry	*e;

	for (e = cache_buckets[hash & (cache_nbuckets - 1)]; e != NULL;
	    e = e->chain) {
		if (e->hash == hash && strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

static void
cache_unlink_recency(struct cache_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		cache_newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		cache_oldest = e->newer;
	e->newer = e->older = NULL;
}

static void
cache_link_newest(struct cache_entry *e)
{
	e->older = cache_newest;
	e->newer = NULL;
	if (cache_newest != NULL)
		cache_newest->newer = e;
	cache_newest = e;
	if (cache_oldest == NULL)
		cache_oldest = e;
}

/* Removes and frees an entry, cache_mu held. */
static void
cache_remove(struct cache_entry *e)
{
	struct cache_entry	**p;

	for (p = &cache_buckets[e->hash & (cache_nbuckets - 1)]; *p != e;
	    p = &(*p)->chain)
		;
	*p = e->chain;
	cache_unlink_recency(e);
	cache_used -= e->cost;
	cache_count--;
	free(e->key);
	free(e->body);
	free(e);
}

/* Doubles the buckets when entries outnumber them; cache_mu held. */
static void
cache_grow(void)
{
	struct cache_entry	**old = cache_buckets, *e, *next;
	size_t			  n = cache_nbuckets, i;

	if (cache_count < cache_nbuckets)
		return;
	cache_nbuckets *= 2;
	cache_buckets = xcalloc(cache_nbuckets, sizeof *cache_buckets);
	for (i = 0; i < n; i++) {
		for (e = old[i]; e != NULL; e = next) {
			next = e->chain;
			e->chain = cache_buckets[e->hash & (cache_nbuckets - 1)];
			cache_buckets[e->hash & (cache_nbuckets - 1)] = e;
		}
	}
	free(old);
}

bool
cache_reply(struct req *r, struct cache_miss *m)
{
	struct cache_entry	*e;
	uint64_t		 hash;
	char			*body = NULL;
	size_t			 len = 0;

	m->key = NULL;
	m->gen = 0;
	if (cache_cap == 0 || !listen_connected()) {
		__atomic_add_fetch(&cache_misses, 1, __ATOMIC_RELAXED);
		return false;
	}
	m->key = req_cache_key(r);
	hash = cache_hash(m->key);
	/*
	 * Nothing kept: made anew, which reads every change committed so
	 * far, and kept under the version heard of before it is made (a
	 * change not heard of yet moves the version on when it is, and
	 * the answer goes, fresh as it is: only ever too early).  No need
	 * to wait for the listener then.
	 */
	m->gen = __atomic_load_n(&cache_gen, __ATOMIC_ACQUIRE);
	pthread_mutex_lock(&cache_mu);
	e = cache_find(m->key, hash);
	pthread_mutex_unlock(&cache_mu);
	if (e == NULL) {
		__atomic_add_fetch(&cache_misses, 1, __ATOMIC_RELAXED);
		return false;
	}
	/*
	 * Kept: served only once every change committed before this
	 * request is heard of, and none since the answer was made.
	 */
	if (!listen_sync(CACHE_SYNC_MS)) {
		__atomic_add_fetch(&cache_misses, 1, __ATOMIC_RELAXED);
		free(m->key);
		m->key = NULL;
		return false;
	}
	m->gen = __atomic_load_n(&cache_gen, __ATOMIC_ACQUIRE);
	pthread_mutex_lock(&cache_mu);
	if ((e = cache_find(m->key, hash)) != NULL) {
		if (e->gen == m->gen) {
			body = xmalloc(e->len + 1);
			memcpy(body, e->body, e->len + 1);
			len = e->len;
			cache_unlink_recency(e);
			cache_link_newest(e);
		} else
			cache_remove(e);
	}
	pthread_mutex_unlock(&cache_mu);
	if (body == NULL) {
		__atomic_add_fetch(&cache_misses, 1, __ATOMIC_RELAXED);
		return false;
	}
	__atomic_add_fetch(&cache_hits, 1, __ATOMIC_RELAXED);
	free(m->key);
	m->key = NULL;
	req_reply(r, 200, "application/json; charset=utf-8", body, len);
	return true;
}

void
cache_keep(struct cache_miss *m, const char *body, size_t len)
{
	struct cache_entry	*e;
	size_t			 cost;

	if (m->key == NULL)
		return;
	cost = strlen(m->key) + len + CACHE_OVERHEAD;
	/*
	 * The catalogue changed while the answer was made: it may be
	 * older than the change, so it is not kept.
	 */
	if (body == NULL || cost > cache_cap / 8 ||
	    __atomic_load_n(&cache_gen, __ATOMIC_ACQUIRE) != m->gen) {
		free(m->key);
		m->key = NULL;
		return;
	}
	e = xcalloc(1, sizeof *e);
	e->key = m->key;
	m->key = NULL;
	e->hash = cache_hash(e->key);
	e->gen = m->gen;
	e->body = xmalloc(len + 1);
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->len = len;
	e->cost = cost;
	pthread_mutex_lock(&cache_mu);
	{
		struct cache_entry	*old = cache_find(e->key, e->hash);

		if (old != NULL)
			cache_remove(old);
	}
	while (cache_oldest != NULL && cache_used + cost > cache_cap)
		cache_remove(cache_oldest);
	cache_grow();
	e->chain = cache_buckets[e->hash & (cache_nbuckets - 1)];
	cache_buckets[e->hash & (cache_nbuckets - 1)] = e;
	cache_link_newest(e);
	cache_used += cost;
	cache_count++;
	pthread_mutex_unlock(&cache_mu);
}

bool
cache_current(uint64_t *gen)
{
	if (cache_cap == 0 || !listen_sync(CACHE_SYNC_MS))
		return false;
	*gen = __atomic_load_n(&cache_gen, __ATOMIC_ACQUIRE);
	return true;
}

void
cache_stats(uint64_t *hits, uint64_t *misses, uint64_t *bytes)
{
	*hits = __atomic_load_n(&cache_hits, __ATOMIC_RELAXED);
	*misses = __atomic_load_n(&cache_misses, __ATOMIC_RELAXED);
	pthread_mutex_lock(&cache_mu);
	*bytes = cache_used;
	pthread_mutex_unlock(&cache_mu);
}
