#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbjson.h"
#include "num.h"
#include "xmalloc.h"

/* Type OIDs from PostgreSQL's catalog/pg_type.h; they never change. */
#define OID_BOOL	16
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_JSON	114
#define OID_FLOAT4	700
#define OID_FLOAT8	701
#define OID_INT2_ARRAY	1005
#define OID_INT4_ARRAY	1007
#define OID_INT8_ARRAY	1016
#define OID_TEXT_ARRAY	1009
#define OID_TIMESTAMPTZ	1184
#define OID_JSONB	3802

bool
dbjson_timestamp(const char *s, char *out, size_t len)
{
	const char	*frac;
	char		 ms[4] = "000";
	size_t		 i;

	/* "YYYY-MM-DD HH:MM:SS[.ffffff]+00" */
	if (strlen(s) < 22 || s[10] != ' ' || s[4] != '-' || s[13] != ':')
		return false;
	frac = s + 19;
	if (*frac == '.') {
		for (i = 0; i < 3 && frac[1 + i] >= '0' && frac[1 + i] <= '9';
		    i++)
			ms[i] = frac[1 + i];
		frac++;
		while (*frac >= '0' && *frac <= '9')
			frac++;
	}
	if (strcmp(frac, "+00") != 0)
		return false;
	snprintf(out, len, "%.10sT%.8s.%sZ", s, s + 11, ms);
	return true;
}

/* Parses a one-dimensional array literal "{1,2,3}" of integers or text. */
static json_t *
dbjson_array(const char *s, bool integers)
{
	json_t		*a = json_array();
	const char	*p = s + 1, *e;
	char		*item;
	int64_t		 v;

	if (*s != '{')
		return json_string(s);
	while (*p != '\0' && *p != '}') {
		if (*p == '"') {
			/* Quoted text item with \ escapes. */
			char	*q = item = xmalloc(strlen(p));

			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				*q++ = *p;
			}
			*q = '\0';
			if (*p == '"')
				p++;
		} else {
			e = p + strcspn(p, ",}");
			item = xstrndup(p, (size_t)(e - p));
			p = e;
		}
		if (integers && num_int64(item, INT64_MIN, INT64_MAX, &v))
			json_array_append_new(a, json_integer(v));
		else if (!integers && strcmp(item, "NULL") == 0)
			json_array_append_new(a, json_null());
		else
			json_array_append_new(a, json_string(item));
		free(item);
		if (*p == ',')
			p++;
	}
	return a;
}

json_t *
dbjson_value(const PGresult *res, int row, int col)
{
	const char	*s;
	char		 ts[40];
	int64_t		 v;
	json_t		*j;

	if (PQgetisnull(res, row, col))
		return json_null();
	s = PQgetvalue(res, row, col);
	switch (PQftype(res, col)) {
	case OID_BOOL:
		return json_boolean(s[0] == 't');
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
		if (num_int64(s, INT64_MIN, INT64_MAX, &v))
			return json_integer(v);
		return json_string(s);
	case OID_FLOAT4:
	case OID_FLOAT8:
		return json_real(strtod(s, NULL));
	case OID_JSON:
	case OID_JSONB:
		if ((j = json_loads(s, JSON_DECODE_ANY, NULL)) != NULL)
			return j;
		return json_string(s);
	case OID_TIMESTAMPTZ:
		if (dbjson_timestamp(s, ts, sizeof ts))
			return json_string(ts);
		return json_string(s);
	case OID_INT2_ARRAY:
	case OID_INT4_ARRAY:
	case OID_INT8_ARRAY:
		return dbjson_array(s, true);
	case OID_TEXT_ARRAY:
		return dbjson_array(s, false);
	default:
		return json_string(s);
	}
}

json_t *
dbjson_row(const PGresult *res, int row)
{
	json_t	*o = json_object();
	int	 col;

	for (col = 0; col < PQnfields(res); col++)
		json_object_set_new(o, PQfname(res, col),
		    dbjson_value(res, row, col));
	return o;
}

json_t *
dbjson_rows(const PGresult *res)
{
	json_t	*a = json_array();
	int	 row;

	for (row = 0; row < PQntuples(res); row++)
		json_array_append_new(a, dbjson_row(res, row));
	return a;
}
