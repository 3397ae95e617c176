/*
 * phone: telephone numbers as people type them, to E.164 ("+919876543210").
 * A number without a country code is read as Indian: 10 digits starting
 * 6-9 (a mobile), optionally after 0 or 91.  Others need +<country>.
 */
#ifndef SOUK_PHONE_H
#define SOUK_PHONE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Writes s in E.164 to out (at least 17 bytes).  Spaces, dashes, dots and
 * parentheses are ignored.  False if s is not a plausible number.
 */
bool	phone_normalize(const char *s, char *out, size_t len)
	    __attribute__((warn_unused_result));
/* "+9198xxxxx210": a number fit for logs. */
void	phone_mask(const char *e164, char *out, size_t len);

#endif
