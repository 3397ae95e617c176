/*
 * xmalloc: allocation that never returns NULL.  Out of memory is a broken
 * invariant in souk: these log and abort rather than hand the caller a
 * failure it cannot sensibly handle.  Size-capped growth (request bodies,
 * imports) uses struct buf instead, which reports going over its cap.
 */
#ifndef SOUK_XMALLOC_H
#define SOUK_XMALLOC_H

#include <stddef.h>

#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Formats into a new string the caller frees; aborts on any failure. */
char	*xasprintf(const char *, ...) PRINTF_LIKE(1, 2);

#endif
