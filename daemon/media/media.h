/*
 * media: files people upload (KYC documents; later, product images),
 * kept in a directory by the SHA-256 of their bytes, so that the same
 * file stored twice takes one place and a name can never collide.  A file
 * is written to a temporary name, synced and renamed, so a reader never
 * sees half of one.  What a file is comes from its first bytes, never
 * from what the uploader says.
 */
#ifndef SOUKD_MEDIA_H
#define SOUKD_MEDIA_H

#include <stdbool.h>
#include <stddef.h>

/* Creates the directory if needed; false with *cause if unusable. */
bool	media_init(const char *dir, char **cause)
	    __attribute__((warn_unused_result));
/*
 * Stores len bytes; returns their key (64 hex digits, caller frees), or
 * NULL with *cause (caller frees) when the disk refuses.
 */
char	*media_put(const void *data, size_t len, char **cause);
/* Reads a file back (caller frees); NULL if there is none. */
char	*media_get(const char *key, size_t *len);
/*
 * The type the bytes show: application/pdf, image/jpeg, image/png or
 * image/webp; NULL for anything else.
 */
const char *media_sniff(const void *data, size_t len);
/* True if key looks like one media_put returns. */
bool	media_valid_key(const char *key);

#endif
