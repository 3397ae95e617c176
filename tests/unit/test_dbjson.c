#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbjson.h"
#include "suites.h"

/* A result built in memory, as libpq would hand it over. */
static PGresult *
make_result(void)
{
	static const struct { const char *name; Oid type; } cols[] = {
		{ "id", 20 }, { "ok", 16 }, { "doc", 3802 }, { "at", 1184 },
		{ "name", 25 }, { "rate", 1700 }, { "path", 1016 },
		{ "tags", 1009 }, { "ratio", 701 },
	};
	PGresAttDesc	 att[9];
	static char	 names[9][16];
	PGresult	*res;
	size_t		 i;
	static const char *const row[] = {
		"9007199254740993", "t", "{\"a\": [1, null]}",
		"2026-11-21 10:32:00.5+00", "मुंबई", "0.1800", "{1,12,130}",
		"{a,\"b c\",NULL,\"d\\\"e\"}", "2.5",
	};

	memset(att, 0, sizeof att);
	for (i = 0; i < 9; i++) {
		att[i].name = names[i];
		snprintf(names[i], sizeof names[i], "%s", cols[i].name);
		att[i].typid = cols[i].type;
		att[i].typlen = -1;
		att[i].atttypmod = -1;
	}
	res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	ck_assert(PQsetResultAttrs(res, 9, att));
	for (i = 0; i < 9; i++) {
		char	*v = strdup(row[i]);

		ck_assert(PQsetvalue(res, 0, (int)i, v, (int)strlen(v)));
		free(v);	/* PQsetvalue copies */
	}
	for (i = 0; i < 9; i++)
		ck_assert(PQsetvalue(res, 1, (int)i, NULL, -1));
	return res;
}

START_TEST(test_dbjson_types)
{
	PGresult	*res = make_result();
	json_t		*rows = dbjson_rows(res), *r, *expect;

	ck_assert_uint_eq(json_array_size(rows), 2);
	r = json_array_get(rows, 0);
	expect = json_loads("{\"id\":9007199254740993,\"ok\":true,"
	    "\"doc\":{\"a\":[1,null]},\"at\":\"2026-11-21T10:32:00.500Z\","
	    "\"name\":\"मुंबई\",\"rate\":\"0.1800\",\"path\":[1,12,130],"
	    "\"tags\":[\"a\",\"b c\",null,\"d\\\"e\"],\"ratio\":2.5}", 0, NULL);
	ck_assert_ptr_nonnull(expect);
	ck_assert_msg(json_equal(r, expect), "got %s", json_dumps(r, 0));
	json_decref(expect);
	r = json_array_get(rows, 1);
	ck_assert(json_is_null(json_object_get(r, "id")));
	ck_assert(json_is_null(json_object_get(r, "path")));
	json_decref(rows);
	PQclear(res);
}
END_TEST

START_TEST(test_dbjson_timestamp)
{
	char	out[40];

	ck_assert(dbjson_timestamp("2026-01-02 03:04:05+00", out, sizeof out));
	ck_assert_str_eq(out, "2026-01-02T03:04:05.000Z");
	ck_assert(dbjson_timestamp("2026-01-02 03:04:05.123456+00", out,
	    sizeof out));
	ck_assert_str_eq(out, "2026-01-02T03:04:05.123Z");
	ck_assert(!dbjson_timestamp("2026-01-02 03:04:05+05:30", out,
	    sizeof out));
	ck_assert(!dbjson_timestamp("yesterday", out, sizeof out));
	ck_assert(!dbjson_timestamp("", out, sizeof out));
}
END_TEST

Suite *
dbjson_suite(void)
{
	Suite	*s = suite_create("dbjson");
	TCase	*tc = tcase_create("dbjson");

	tcase_add_test(tc, test_dbjson_types);
	tcase_add_test(tc, test_dbjson_timestamp);
	suite_add_tcase(s, tc);
	return s;
}
