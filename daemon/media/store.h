/*
 * store: what media.c asks of a storage backend, and the two there are.
 * Keys reach a backend already checked (media_valid_key), and a backend
 * never decides what may be removed: media.c does, under the lock of the
 * object's media_objects row (see media_gc_run).
 */
#ifndef SOUKD_MEDIA_STORE_H
#define SOUKD_MEDIA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

/* Objects larger than this are not read back into memory. */
#define MEDIA_READ_MAX	(64 * 1024 * 1024)

struct media_store {
	const char	*name;
	/*
	 * Stores data under key (ctype is what the bytes are); an object
	 * already there with that key holds the same bytes and may be kept.
	 * False with *cause (caller frees) on failure.
	 */
	bool		 (*put)(const char *key, const void *data, size_t len,
			    const char *ctype, char **cause);
	/* The object's bytes (caller frees), or NULL if there is none. */
	char		*(*get)(const char *key, size_t *len);
	/* A descriptor to send the object from; NULL: this store has none. */
	int		 (*open)(const char *key, uint64_t *size);
	/* Removes the object; one already gone is success. */
	bool		 (*remove)(const char *key, char **cause);
};

/* A directory, c->media_dir; NULL with *cause if unusable. */
const struct media_store *media_local_store(const struct config *c,
	    char **cause);
/* An S3-compatible bucket; NULL with *cause if the settings are wrong. */
const struct media_store *media_s3_store(const struct config *c,
	    char **cause);

#endif
