#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonv.h"
#include "suites.h"

static const struct jsonv_field address[] = {
	{ "pincode", JV_STRING, JV_REQUIRED, 6, 6, 0, 0, 0, NULL },
	{ "line", JV_STRING, 0, 1, 100, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct jsonv_field fields[] = {
	{ "name", JV_STRING, JV_REQUIRED, 1, 10, 0, 0, 0, NULL },
	{ "qty", JV_INT, 0, 1, 99, 0, 0, 0, NULL },
	{ "note", JV_STRING, JV_NULLABLE, 0, 0, 0, 0, 0, NULL },
	{ "ok", JV_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "ids", JV_ARRAY, 0, 1, 3, JV_INT, 1, INT64_MAX, NULL },
	{ "address", JV_OBJECT, 0, 0, 0, 0, 0, 0, address },
	{ "stops", JV_ARRAY, 0, 0, 0, JV_OBJECT, 0, 0, address },
	{ "polygon", JV_ARRAY, 0, 0, 0, JV_ARRAY, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
collect(void *arg, const char *field, const char *code, const char *message)
{
	struct buf	*b = arg;

	(void)message;
	if (!buf_printf(b, "%s:%s;", field, code))
		abort();
}

/* Checks text against fields; returns the errors as "field:code;...". */
static char *
check(const char *text)
{
	struct buf	 b;
	json_t		*j = json_loads(text, JSON_DECODE_ANY, NULL);

	ck_assert_msg(j != NULL, "bad test JSON %s", text);
	buf_init(&b, 0);
	if (jsonv_check(j, fields, collect, &b))
		ck_assert_uint_eq(b.len, 0);
	else
		ck_assert_uint_gt(b.len, 0);
	json_decref(j);
	return buf_take(&b, NULL);
}

#define EXPECT(text, errors) do {					\
	char	*got = check(text);					\
	ck_assert_str_eq(got, errors);					\
	free(got);							\
} while (0)

START_TEST(test_jsonv_accepts_good)
{
	EXPECT("{\"name\":\"चाय\"}", "");
	EXPECT("{\"name\":\"x\",\"qty\":99,\"note\":null,\"ok\":false,"
	    "\"ids\":[1,2,3],\"address\":{\"pincode\":\"400001\"},"
	    "\"stops\":[{\"pincode\":\"110001\",\"line\":\"a\"}]}", "");
}
END_TEST

START_TEST(test_jsonv_names_each_bad_field)
{
	EXPECT("{}", "name:required;");
	EXPECT("{\"name\":\"x\",\"evil\":1}", "evil:unknown;");
	EXPECT("{\"name\":5}", "name:type;");
	EXPECT("{\"name\":\"\"}", "name:length;");
	EXPECT("{\"name\":\"elevenchars\"}", "name:length;");
	/* Ten Devanagari characters are ten, not thirty bytes. */
	EXPECT("{\"name\":\"महाराष्ट्र\"}", "");
	EXPECT("{\"name\":\"x\",\"qty\":0}", "qty:range;");
	EXPECT("{\"name\":\"x\",\"qty\":1.5}", "qty:type;");
	EXPECT("{\"name\":\"x\",\"qty\":\"2\"}", "qty:type;");
	EXPECT("{\"name\":\"x\",\"qty\":null}", "qty:type;");
	EXPECT("{\"name\":\"x\",\"ok\":\"true\"}", "ok:type;");
	EXPECT("{\"name\":\"x\",\"ids\":[]}", "ids:items;");
	EXPECT("{\"name\":\"x\",\"ids\":[1,\"2\",-3]}",
	    "ids[1]:type;ids[2]:range;");
	EXPECT("{\"name\":\"x\",\"address\":{\"pincode\":\"1\",\"x\":1}}",
	    "address.x:unknown;address.pincode:length;");
	EXPECT("{\"name\":\"x\",\"stops\":[{},{\"pincode\":7}]}",
	    "stops[0].pincode:required;stops[1].pincode:type;");
	EXPECT("[1]", ":type;");
	EXPECT("\"name\"", ":type;");
	EXPECT("{\"name\":\"x\",\"name'; DROP TABLE x;--\":1}",
	    "name'; DROP TABLE x;--:unknown;");
}
END_TEST

/* Found by fuzzing: an array of arrays has no field for its items. */
START_TEST(test_jsonv_array_of_arrays)
{
	EXPECT("{\"name\":\"x\",\"polygon\":[[12.9,77.5],[13,77]]}", "");
	EXPECT("{\"name\":\"x\",\"polygon\":[1]}", "polygon[0]:type;");
}
END_TEST

Suite *
jsonv_suite(void)
{
	Suite	*s = suite_create("jsonv");
	TCase	*tc = tcase_create("jsonv");

	tcase_add_test(tc, test_jsonv_accepts_good);
	tcase_add_test(tc, test_jsonv_names_each_bad_field);
	tcase_add_test(tc, test_jsonv_array_of_arrays);
	suite_add_tcase(s, tc);
	return s;
}
