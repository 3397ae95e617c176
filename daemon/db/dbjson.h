/*
 * dbjson: turns query results into JSON.  Hot paths let PostgreSQL build
 * the JSON text (json_build_object) and pass it through untouched; these
 * helpers serve everything else, mapping column types to JSON types
 * (integers, booleans, json/jsonb parsed, timestamptz as RFC 3339 UTC
 * with milliseconds, numeric as a string to keep its precision).
 */
#ifndef SOUKD_DBJSON_H
#define SOUKD_DBJSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

/* The value at row, col as a new JSON value (json_null for SQL NULL). */
json_t	*dbjson_value(const PGresult *, int row, int col);
/* The row as a new object keyed by column name. */
json_t	*dbjson_row(const PGresult *, int row);
/* Every row, as a new array of objects. */
json_t	*dbjson_rows(const PGresult *);
/*
 * Rewrites a PostgreSQL timestamptz in UTC ("2026-11-21 10:32:00.5+00")
 * as RFC 3339 ("2026-11-21T10:32:00.500Z") into out (at least 32 bytes).
 * False if s is not in that form.
 */
bool	dbjson_timestamp(const char *s, char *out, size_t len);

#endif
