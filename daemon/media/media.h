/*
 * media: files people upload (KYC documents, listing images, vendor
 * logos), kept in a store by the SHA-256 of their bytes, so that the same
 * file stored twice takes one place and a name can never collide.  What a
 * file is comes from its first bytes, never from what the uploader says.
 *
 * The store is a backend chosen by media_store: a local directory (the
 * default; a file is written to a temporary name, synced and renamed, so
 * a reader never sees half of one) or an S3-compatible bucket (requests
 * signed with AWS Signature Version 4 by libcurl).  Every object stored
 * is recorded in the media_objects table; rows that stop referring to an
 * object never remove it themselves, since another row may share it.
 * The media.gc job removes the objects no row refers to once they are
 * older than media_gc_grace.
 */
#ifndef SOUKD_MEDIA_H
#define SOUKD_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct db;
struct job;

/*
 * Sets up the backend c->media_store names (creating media_dir if needed)
 * and registers the module's statements; call once, before the first
 * database connection.  False with *cause (caller frees) when the store
 * is unusable or its settings are incomplete.
 */
bool	media_init(const struct config *c, char **cause)
	    __attribute__((warn_unused_result));
/* The backend in use: "local" or "s3". */
const char *media_backend_name(void);

/*
 * Stores len bytes and records them in media_objects through db (which
 * must not be inside a transaction: the record has to be visible to the
 * garbage collector before any row refers to the object).  Returns the
 * key (64 hex digits, caller frees), or NULL with *cause (caller frees)
 * when the store or the database refuses.
 */
char	*media_put(struct db *db, const void *data, size_t len, char **cause)
	    __attribute__((warn_unused_result));
/* Reads an object back (caller frees); NULL if there is none. */
char	*media_get(const char *key, size_t *len);
/*
 * Opens an object for sending as it is (sendfile): a file descriptor the
 * caller closes, with *size its length; -1 if the backend keeps no local
 * files or there is no such object.
 */
int	media_open(const char *key, uint64_t *size);
/*
 * Removes an object from the store; an object already gone is success.
 * False with *cause (caller frees) when the store refused.  Only the
 * garbage collector calls this: see media_gc_run.
 */
bool	media_remove(const char *key, char **cause)
	    __attribute__((warn_unused_result));

/*
 * The type the bytes show: application/pdf, image/jpeg, image/png or
 * image/webp; NULL for anything else.
 */
const char *media_sniff(const void *data, size_t len);
/* True if key looks like one media_put returns. */
bool	media_valid_key(const char *key);

/*
 * The media.gc job kind: removes objects older than media_gc_grace that
 * no row refers to, a batch at a time.
 */
enum job_result media_gc_run(struct job *, struct db *);

#endif
