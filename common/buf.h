/*
 * buf: a growable byte buffer with a hard cap, for data whose size an
 * outsider controls (request bodies, imports, responses being assembled).
 * Growth past the cap is refused and reported; running out of memory aborts.
 * The contents are always NUL-terminated for convenience.
 */
#ifndef SOUK_BUF_H
#define SOUK_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "xmalloc.h"

struct buf {
	char	*data;		/* NULL until the first byte is added */
	size_t	 len;		/* bytes held, not counting the NUL */
	size_t	 cap;		/* bytes allocated */
	size_t	 max;		/* most bytes it may hold; 0 means no cap */
};

/* Starts an empty buffer holding at most max bytes (0: unlimited). */
void	buf_init(struct buf *, size_t max);
/* Appends; false (buffer unchanged) when it would go past the cap. */
bool	buf_add(struct buf *, const void *, size_t) __attribute__((warn_unused_result));
bool	buf_adds(struct buf *, const char *) __attribute__((warn_unused_result));
bool	buf_printf(struct buf *, const char *, ...) PRINTF_LIKE(2, 3)
	    __attribute__((warn_unused_result));
/* Empties the buffer, keeping its memory. */
void	buf_reset(struct buf *);
/* Frees the memory and empties the buffer; fine on a zeroed or freed buf. */
void	buf_free(struct buf *);
/*
 * Hands the contents to the caller, who frees them with free(); *len (when
 * not NULL) gets the length.  The buffer is left empty.  Never NULL.
 */
char	*buf_take(struct buf *, size_t *len);

#endif
