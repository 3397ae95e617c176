/*
 * num: strict parsing of numbers, sizes, durations and booleans written by
 * people (configuration, query strings, command lines).  Every function
 * accepts the whole string or nothing: no leading or trailing junk, no
 * silent overflow, no empty input.
 */
#ifndef SOUK_NUM_H
#define SOUK_NUM_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* A decimal integer in [min, max]; false if s is not one. */
bool	num_int64(const char *s, int64_t min, int64_t max, int64_t *out)
	    __attribute__((warn_unused_result));
/* A size: bytes, or with K, M, G (KiB, MiB, GiB, 1024-based). */
bool	num_size(const char *s, size_t *out) __attribute__((warn_unused_result));
/*
 * A duration in milliseconds: "250ms", "10s", "5m", "2h", "1d"; a bare
 * number is seconds.
 */
bool	num_duration_ms(const char *s, int64_t *out)
	    __attribute__((warn_unused_result));
/* yes/no, true/false, on/off, 1/0. */
bool	num_bool(const char *s, bool *out) __attribute__((warn_unused_result));

#endif
