/*
 * utf8: validation of text from outside.  Everything souk stores or echoes
 * is valid UTF-8; invalid bytes are refused at the edge, never passed on.
 */
#ifndef SOUK_UTF8_H
#define SOUK_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True if the n bytes at s are well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) and hold no NUL.
 */
bool	utf8_valid(const char *s, size_t n);
/*
 * Makes a NUL-terminated string valid in place: every byte that does not
 * belong to a well-formed sequence becomes '?'.  For text souk did not
 * write (a library's message, a provider's answer) on its way to a log or
 * a JSON document.
 */
void	utf8_scrub(char *s);
/* Number of code points in a valid string of n bytes. */
size_t	utf8_len(const char *s, size_t n);

#endif
