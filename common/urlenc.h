/*
 * urlenc: the percent-decoding of application/x-www-form-urlencoded
 * names and values (Twilio's callbacks to soukd, soukd's requests to the
 * fakes that stand in for providers).
 */
#ifndef SOUK_URLENC_H
#define SOUK_URLENC_H

#include <stddef.h>

/*
 * Decodes [s, s + n): '+' is a space, "%XX" the byte XX; a '%' not
 * followed by two hex digits stays as it is.  Returns a NUL-terminated
 * copy (caller frees) and, when len is not NULL, its length in *len,
 * which is more than strlen() of it when it decoded a "%00".  Never
 * fails (aborts on exhaustion).
 */
char	*urlenc_decode(const char *s, size_t n, size_t *len);

#endif
