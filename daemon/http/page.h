/*
 * page: keyset pagination cursors.  A cursor is the sort key of the last
 * row of a page (a JSON array such as [42] or ["Pune", 42]) in unpadded
 * base64url, so that clients treat it as opaque and the next page starts
 * right after that row, however the table changed in between.
 */
#ifndef SOUKD_PAGE_H
#define SOUKD_PAGE_H

#include <stddef.h>

#include <jansson.h>

#define PAGE_DEFAULT_LIMIT	50
#define PAGE_MAX_LIMIT		200

/* Encodes keys (not stolen) as a cursor the caller frees. */
char	*page_encode(const json_t *keys);
/*
 * Decodes a cursor into a new array of nkeys keys; NULL if s is not a
 * cursor of that shape (so that a tampered cursor is a 400, not a 500).
 */
json_t	*page_decode(const char *s, size_t nkeys);

#endif
