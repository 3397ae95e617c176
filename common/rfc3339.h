/* rfc3339: checks timestamps given by clients ("2026-11-21T10:00:00Z"). */
#ifndef SOUK_RFC3339_H
#define SOUK_RFC3339_H

#include <stdbool.h>

/*
 * True if s is an RFC 3339 date-time with a zone (Z or +HH:MM): digits in
 * range (month 1-12, day 1-31, hour 0-23, minute 0-59, second 0-60), an
 * optional fraction of up to 9 digits.
 */
bool	rfc3339_valid(const char *s);

#endif
