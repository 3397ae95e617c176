/*
 * text: how UTF-8 text looks on a terminal.  Widths come from wcwidth(3)
 * in the current locale, so Devanagari vowel signs and viramas (combining
 * marks) take no column and CJK takes two.  Bytes that are not valid in the
 * locale and control characters are shown as '?', one column each: nothing
 * from the server can move the cursor or break a line.
 */
#ifndef SOUK_TEXT_H
#define SOUK_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum text_align { TEXT_LEFT, TEXT_RIGHT };

/* Columns the first n bytes of s take (s may be NULL: 0 columns). */
int	text_width_n(const char *s, size_t n);
/* Columns the string s takes. */
int	text_width(const char *s);
/*
 * Appends s to b cut and padded to exactly width columns: text that is too
 * wide ends with an ellipsis ("…", or "~" outside a UTF-8 locale), text that
 * is narrower is padded with spaces on the right (TEXT_LEFT) or on the left
 * (TEXT_RIGHT).  Invalid bytes and controls become '?'.  Nothing is
 * appended for a width of 0 or less.
 */
void	text_fit(struct buf *b, const char *s, int width, enum text_align);
/* Like text_fit into a new string the caller frees. */
char	*text_fitted(const char *s, int width, enum text_align);
/*
 * The byte length of the longest prefix of s that fits in cols columns,
 * keeping zero-width marks with the character they follow.
 */
size_t	text_prefix(const char *s, int cols);
/* True if the locale speaks UTF-8 (ellipsis and arrows can be drawn). */
bool	text_utf8(void);

#endif
