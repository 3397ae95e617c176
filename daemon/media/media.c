#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "db.h"
#include "jobs.h"
#include "log.h"
#include "media.h"
#include "store.h"
#include "xmalloc.h"

/* The most objects one media.gc run looks at. */
#define MEDIA_GC_BATCH		500
#define MEDIA_GC_BATCHES	20

/*
 * Whether any row refers to the object key k.  Every column that holds a
 * media key is here, and only here: a column missing from this list would
 * have its files removed by media.gc a day after they were stored.
 */
#define MEDIA_REFERENCED(k)						\
	"(EXISTS (SELECT 1 FROM registration_documents"			\
	"  WHERE media_key = " k ")"					\
	" OR EXISTS (SELECT 1 FROM listing_images WHERE original_key = " k ")" \
	" OR EXISTS (SELECT 1 FROM listing_images WHERE medium_key = " k ")" \
	" OR EXISTS (SELECT 1 FROM listing_images WHERE thumb_key = " k ")"	\
	" OR EXISTS (SELECT 1 FROM vendors WHERE logo_key = " k ")"		\
	" OR EXISTS (SELECT 1 FROM vendors WHERE logo_thumb_key = " k "))"

/* Old enough to go, and nothing uses it; $1 is the grace in ms. */
#define MEDIA_GARBAGE							\
	"o.created_at < now() - $1::bigint * interval '1 millisecond'"	\
	" AND NOT " MEDIA_REFERENCED("o.key")

static const struct db_stmt media_stmts[] = {
	/*
	 * Storing the same bytes again moves created_at forward: an upload
	 * in flight keeps its object out of the collector's reach.
	 */
	{ "media_record",
	  "INSERT INTO media_objects (key, size, content_type)"
	  " VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE"
	  " SET created_at = now()" },
	{ "media_gc_candidates",
	  "SELECT o.key FROM media_objects o WHERE " MEDIA_GARBAGE
	  " ORDER BY o.created_at LIMIT $2" },
	/* Takes the row (and its lock) only if it is still garbage. */
	{ "media_gc_claim",
	  "DELETE FROM media_objects o WHERE o.key = $2 AND " MEDIA_GARBAGE
	  " RETURNING o.size" },
};

enum { STMT_RECORD, STMT_GC_CANDIDATES, STMT_GC_CLAIM };

static const struct media_store	*media_store;
static int64_t			 media_gc_grace_ms;

bool
media_init(const struct config *c, char **cause)
{
	static bool	registered;

	if (strcmp(c->media_store, "s3") == 0)
		media_store = media_s3_store(c, cause);
	else
		media_store = media_local_store(c, cause);
	if (media_store == NULL)
		return false;
	media_gc_grace_ms = c->media_gc_grace_ms;
	if (!registered) {
		db_register(media_stmts, sizeof media_stmts /
		    sizeof media_stmts[0]);
		registered = true;
	}
	return true;
}

const char *
media_backend_name(void)
{
	return media_store != NULL ? media_store->name : "none";
}

bool
media_valid_key(const char *key)
{
	return key != NULL && strlen(key) == 64 &&
	    strspn(key, "0123456789abcdef") == 64;
}

char *
media_put(struct db *db, const void *data, size_t len, char **cause)
{
	unsigned char	 hash[crypto_hash_sha256_BYTES];
	char		 key[65], size[24];
	const char	*ctype, *params[3];
	PGresult	*res;

	if (media_store == NULL)
		fatalx("media_put before media_init");
	crypto_hash_sha256(hash, data, len);
	sodium_bin2hex(key, sizeof key, hash, sizeof hash);
	if ((ctype = media_sniff(data, len)) == NULL)
		ctype = "application/octet-stream";
	/*
	 * The record comes first, committed on its own: from then on the
	 * collector leaves the object alone for media_gc_grace, and if it
	 * was removing this very object, this waits for it to finish, so
	 * that the store below writes the object again.
	 */
	snprintf(size, sizeof size, "%zu", len);
	params[0] = key;
	params[1] = size;
	params[2] = ctype;
	if ((res = db_exec(db, &media_stmts[STMT_RECORD], 3, params)) ==
	    NULL) {
		*cause = xasprintf("recording a file: %s", db_message(db));
		return NULL;
	}
	PQclear(res);
	if (!media_store->put(key, data, len, ctype, cause)) {
		log_error("media: %s", *cause);
		return NULL;
	}
	return xstrdup(key);
}

char *
media_get(const char *key, size_t *len)
{
	if (!media_valid_key(key) || media_store == NULL)
		return NULL;
	return media_store->get(key, len);
}

int
media_open(const char *key, uint64_t *size)
{
	if (!media_valid_key(key) || media_store == NULL ||
	    media_store->open == NULL)
		return -1;
	return media_store->open(key, size);
}

bool
media_remove(const char *key, char **cause)
{
	if (!media_valid_key(key) || media_store == NULL) {
		*cause = xasprintf("not a media key");
		return false;
	}
	return media_store->remove(key, cause);
}

const char *
media_sniff(const void *data, size_t len)
{
	const unsigned char	*b = data;

	if (len >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return "application/pdf";
	if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return "image/jpeg";
	if (len >= 12 && memcmp(b, "RIFF", 4) == 0 &&
	    memcmp(b + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

/* --- the garbage collector ------------------------------------------- */

struct gc_one {
	const char	*key;
	const char	*grace;
	bool		 removed;
	long long	 size;
	char		*cause;		/* the store refused */
};

/*
 * Deletes the object's row and then the object, in one transaction, so
 * that the row stays locked while the object goes: a media_put of the
 * same bytes waits on the lock and then stores them again.  This holds a
 * transaction across a call to the store, which soukd otherwise avoids;
 * here it locks only rows nothing uses, and the store call is bounded by
 * its timeout.  If the store refuses, the row comes back with the
 * rollback and the next run tries again.
 */
static bool
gc_one_tx(struct db *db, void *arg)
{
	struct gc_one	*g = arg;
	const char	*params[2] = { g->grace, g->key };
	PGresult	*res;

	g->removed = false;
	if ((res = db_exec(db, &media_stmts[STMT_GC_CLAIM], 2, params)) ==
	    NULL)
		return false;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return true;	/* used again, or stored again, meanwhile */
	}
	g->size = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	free(g->cause);
	g->cause = NULL;
	if (!media_remove(g->key, &g->cause))
		return false;
	g->removed = true;
	return true;
}

enum job_result
media_gc_run(struct job *j, struct db *db)
{
	char		 grace[24], limit[24], *first_error = NULL;
	const char	*params[2] = { grace, limit };
	struct gc_one	 g;
	PGresult	*res;
	long long	 bytes = 0;
	int		 i, n = 0, removed = 0, failed = 0, batch;

	if (media_store == NULL)
		fatalx("media.gc before media_init");
	snprintf(grace, sizeof grace, "%lld", (long long)media_gc_grace_ms);
	snprintf(limit, sizeof limit, "%d", MEDIA_GC_BATCH);
	for (batch = 0; batch < MEDIA_GC_BATCHES; batch++) {
		if ((res = db_exec(db, &media_stmts[STMT_GC_CANDIDATES], 2,
		    params)) == NULL) {
			j->error = xasprintf("media.gc: %s", db_message(db));
			free(first_error);
			return JOB_RETRY;
		}
		n = PQntuples(res);
		for (i = 0; i < n; i++) {
			memset(&g, 0, sizeof g);
			g.key = PQgetvalue(res, i, 0);
			g.grace = grace;
			if (!db_tx(db, DB_READ_COMMITTED, gc_one_tx, &g)) {
				failed++;
				if (first_error == NULL)
					first_error = g.cause != NULL ?
					    xstrdup(g.cause) :
					    xstrdup(db_message(db));
			} else if (g.removed) {
				removed++;
				bytes += g.size;
			}
			free(g.cause);
		}
		PQclear(res);
		/* A batch with failures would only find them again. */
		if (n < MEDIA_GC_BATCH || failed > 0)
			break;
	}
	if (removed > 0)
		log_info("media.gc: removed %d unused object%s (%lld bytes)",
		    removed, removed == 1 ? "" : "s", bytes);
	if (failed > 0) {
		j->error = xasprintf("media.gc: %d object%s could not be "
		    "removed: %s", failed, failed == 1 ? "" : "s", first_error);
		free(first_error);
		return JOB_RETRY;
	}
	return JOB_DONE;
}
