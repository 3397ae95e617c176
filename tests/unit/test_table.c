#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "table.h"

static void
table_setup(void)
{
	setlocale(LC_ALL, "C.UTF-8");
}

static int
layout(const struct table_fit *c, size_t n, int width, int *out)
{
	return table_layout(c, n, width, 1, out);
}

START_TEST(test_table_layout_fits)
{
	const struct table_fit	c[] = {
		{ 3, 2, 0, false }, { 20, 10, 0, true }, { 8, 4, 1, false },
	};
	int			out[3];

	/* Everything fits: natural widths. */
	ck_assert_int_eq(layout(c, 3, 80, out), 33);
	ck_assert_int_eq(out[0], 3);
	ck_assert_int_eq(out[1], 20);
	ck_assert_int_eq(out[2], 8);
	/* Exactly. */
	ck_assert_int_eq(layout(c, 3, 33, out), 33);
	ck_assert_int_eq(out[1], 20);
}
END_TEST

START_TEST(test_table_layout_squeezes_flex_first)
{
	const struct table_fit	c[] = {
		{ 3, 2, 0, false }, { 40, 10, 0, true }, { 30, 8, 3, true },
		{ 15, 5, 2, false },
	};
	int			out[4];

	/* 91 wanted in 79: the flexible ones give, the widest first. */
	ck_assert_int_eq(layout(c, 4, 79, out), 79);
	ck_assert_int_eq(out[0], 3);
	ck_assert_int_eq(out[3], 15);
	ck_assert_int_eq(out[1] + out[2], 79 - 3 - 15 - 3);
	ck_assert_int_le(abs(out[1] - out[2]), 1);
	/* Flexible ones at their minimum: the others give next. */
	ck_assert_int_eq(layout(c, 4, 36, out), 36);
	ck_assert_int_eq(out[1], 10);
	ck_assert_int_eq(out[2], 8);
	ck_assert_int_eq(out[3], 12);
}
END_TEST

START_TEST(test_table_layout_hides_by_priority)
{
	const struct table_fit	c[] = {
		{ 3, 2, 0, false }, { 40, 10, 0, true }, { 30, 8, 3, true },
		{ 15, 5, 2, false }, { 8, 3, 1, false },
	};
	int			out[5];

	/* 20 columns: minimums are 2+10+8+5+3+4 = 32; prio 3 then 2 go. */
	ck_assert_int_le(layout(c, 5, 20, out), 20);
	ck_assert_int_eq(out[2], 0);
	ck_assert_int_eq(out[3], 0);
	ck_assert_int_gt(out[0], 0);
	ck_assert_int_gt(out[1], 0);
	ck_assert_int_gt(out[4], 0);
	/* Tiny: prio-0 columns stay as long as they can, then are cut. */
	ck_assert_int_le(layout(c, 5, 8, out), 8);
	ck_assert_int_eq(out[4], 0);
	ck_assert_int_gt(out[0], 0);
	ck_assert_int_le(layout(c, 5, 1, out), 1);
	ck_assert_int_eq(layout(c, 5, 0, out), 0);
	ck_assert_int_eq(out[0] + out[1] + out[2] + out[3] + out[4], 0);
	ck_assert_int_eq(layout(c, 0, 80, out), 0);
}
END_TEST

START_TEST(test_table_layout_small_wants)
{
	/* A column wanting less than its minimum takes only what it wants. */
	const struct table_fit	c[] = { { 2, 10, 0, false }, { 0, 0, 0, true } };
	int			out[2];

	ck_assert_int_eq(layout(c, 2, 80, out), 4);
	ck_assert_int_eq(out[0], 2);
	ck_assert_int_eq(out[1], 1);
}
END_TEST

START_TEST(test_table_match)
{
	const char	*row[] = { "15", "Maharashtra", "महाराष्ट्र", "state" };

	ck_assert(table_match(row, 4, NULL));
	ck_assert(table_match(row, 4, ""));
	ck_assert(table_match(row, 4, "   "));
	ck_assert(table_match(row, 4, "maha"));
	ck_assert(table_match(row, 4, "MAHA"));
	ck_assert(table_match(row, 4, "rash STATE"));
	ck_assert(table_match(row, 4, "महा"));
	ck_assert(table_match(row, 4, "15"));
	ck_assert(!table_match(row, 4, "maha city"));
	ck_assert(!table_match(row, 4, "goa"));
	ck_assert(table_match(row, 4, "!city"));
	ck_assert(!table_match(row, 4, "!state"));
	ck_assert(table_match(row, 4, "maha !goa"));
	ck_assert(table_match(row, 4, "!"));
	ck_assert(!table_match(row, 4, "Maharashtra\xff"));
	ck_assert(table_match(NULL, 0, ""));
	ck_assert(!table_match(NULL, 0, "x"));
}
END_TEST

START_TEST(test_table_compare)
{
	ck_assert_int_lt(table_compare("2", "10", TABLE_NUMBER), 0);
	ck_assert_int_gt(table_compare("2", "10", TABLE_TEXT), 0);
	ck_assert_int_eq(table_compare("7", "7", TABLE_NUMBER), 0);
	ck_assert_int_lt(table_compare("-1", "0.5", TABLE_NUMBER), 0);
	/* Numbers before text; empty cells last. */
	ck_assert_int_lt(table_compare("9", "n/a", TABLE_NUMBER), 0);
	ck_assert_int_gt(table_compare("", "a", TABLE_TEXT), 0);
	ck_assert_int_lt(table_compare("a", "", TABLE_TEXT), 0);
	ck_assert_int_eq(table_compare(NULL, "", TABLE_TEXT), 0);
	ck_assert_int_eq(table_compare("Pune", "pune", TABLE_TEXT), 0);
	ck_assert_int_lt(table_compare("goa", "Gujarat", TABLE_TEXT), 0);
}
END_TEST

START_TEST(test_table_compare_money)
{
	/* By amount, whatever the currency sign and the grouping. */
	ck_assert_int_lt(table_compare("₹999.00", "₹1,299.00", TABLE_MONEY),
	    0);
	ck_assert_int_gt(table_compare("₹1,23,456.00", "₹99,999.99",
	    TABLE_MONEY), 0);
	ck_assert_int_eq(table_compare("Rs 5.00", "₹5.00", TABLE_MONEY), 0);
	ck_assert_int_lt(table_compare("-₹5.00", "₹1.00", TABLE_MONEY), 0);
	ck_assert_int_lt(table_compare("USD 1,234.50", "USD 1,234.51",
	    TABLE_MONEY), 0);
	/* A range, or a price "and up", sorts by its first amount. */
	ck_assert_int_lt(table_compare("₹100.00–₹900.00", "₹200.00",
	    TABLE_MONEY), 0);
	ck_assert_int_gt(table_compare("₹300.00+", "₹200.00", TABLE_MONEY),
	    0);
	/* Amounts before text; empty cells last; text as text. */
	ck_assert_int_lt(table_compare("₹1.00", "free", TABLE_MONEY), 0);
	ck_assert_int_gt(table_compare("", "₹1.00", TABLE_MONEY), 0);
	ck_assert_int_lt(table_compare("abc", "abd", TABLE_MONEY), 0);
	ck_assert_int_gt(table_compare("₹", "₹1.00", TABLE_MONEY), 0);
	ck_assert_int_eq(table_compare("₹1,2,3", "₹123", TABLE_MONEY), 0);
}
END_TEST

static const struct table_col cols[] = {
	{ "ID", TABLE_NUMBER, 2, 0, 0, false },
	{ "NAME", TABLE_TEXT, 4, 0, 0, true },
	{ "KIND", TABLE_TEXT, 4, 0, 1, false },
};

static void
add(struct table *t, const char *id, const char *name, const char *kind)
{
	const char	*cells[] = { id, name, kind };

	table_load_add(t, id, cells, NULL);
}

static struct table *
sample(void)
{
	struct table	*t = table_new(cols, 3);

	table_load_begin(t);
	add(t, "10", "Pune", "city");
	add(t, "2", "Goa", "state");
	add(t, "33", "Delhi", "union_territory");
	add(t, "4", "Assam", "state");
	table_load_end(t);
	return t;
}

START_TEST(test_table_cursor_and_sort)
{
	struct table	*t = sample();

	ck_assert_uint_eq(table_nrows(t), 4);
	ck_assert_uint_eq(table_nshown(t), 4);
	ck_assert_str_eq(table_cursor_key(t), "10");
	table_move(t, 2);
	ck_assert_str_eq(table_cursor_key(t), "33");
	table_move(t, 100);
	ck_assert_str_eq(table_cursor_key(t), "4");
	table_move(t, -100);
	ck_assert_str_eq(table_cursor_key(t), "10");
	table_end(t);
	ck_assert_uint_eq(table_cursor(t), 3);
	table_home(t);
	/* Sorting by ID is numeric and the cursor stays on its row. */
	table_sort_toggle(t, 0);
	ck_assert_str_eq(table_key(t, 0), "2");
	ck_assert_str_eq(table_key(t, 3), "33");
	ck_assert_str_eq(table_cursor_key(t), "10");
	ck_assert_uint_eq(table_cursor(t), 2);
	table_sort_toggle(t, 0);
	ck_assert(table_sort_desc(t));
	ck_assert_str_eq(table_key(t, 0), "33");
	/* By name; stable among equals (KIND: state, state). */
	table_sort_toggle(t, 1);
	ck_assert_str_eq(table_cell(t, 0, 1), "Assam");
	table_sort(t, 2, false);
	ck_assert_str_eq(table_key(t, 1), "2");
	ck_assert_str_eq(table_key(t, 2), "4");
	table_sort_step(t, 1);
	ck_assert_uint_eq(table_sort_col(t), 0);
	table_sort_step(t, -1);
	ck_assert_uint_eq(table_sort_col(t), 2);
	table_sort(t, 9, false);	/* no such column: ignored */
	ck_assert_uint_eq(table_sort_col(t), 2);
	ck_assert_ptr_null(table_key(t, 4));
	ck_assert_ptr_null(table_cell(t, 0, 3));
	table_free(t);
}
END_TEST

START_TEST(test_table_filter_and_marks)
{
	struct table	*t = sample();

	table_seek(t, "33");
	table_filter(t, "state");
	ck_assert_str_eq(table_filter_text(t), "state");
	ck_assert_uint_eq(table_nshown(t), 2);
	/* The cursor's row is filtered out: it stays in range. */
	ck_assert_ptr_nonnull(table_cursor_key(t));
	ck_assert(table_mark(t));
	ck_assert_uint_eq(table_nmarked(t), 1);
	table_filter(t, "zzz");
	ck_assert_uint_eq(table_nshown(t), 0);
	ck_assert_ptr_null(table_cursor_key(t));
	ck_assert(!table_mark(t));
	/* Selected rows stay selected while hidden. */
	ck_assert_uint_eq(table_nmarked(t), 1);
	table_filter(t, NULL);
	ck_assert_ptr_null(table_filter_text(t));
	ck_assert_uint_eq(table_nshown(t), 4);
	table_filter(t, "");
	ck_assert_uint_eq(table_nshown(t), 4);
	table_unmark(t);
	ck_assert_uint_eq(table_nmarked(t), 0);
	ck_assert_ptr_null(table_marked_key(t, 0));
	table_free(t);
}
END_TEST

START_TEST(test_table_reload_keeps_state)
{
	struct table	*t = sample();

	table_seek(t, "33");
	ck_assert(table_mark(t));
	/* A reload: the old rows show until it ends. */
	table_load_begin(t);
	add(t, "1", "Bihar", "state");
	ck_assert_uint_eq(table_nshown(t), 4);
	add(t, "33", "Delhi", "union_territory");
	add(t, "2", "Goa", "state");
	table_load_end(t);
	ck_assert_uint_eq(table_nshown(t), 3);
	ck_assert_str_eq(table_cursor_key(t), "33");
	ck_assert_uint_eq(table_nmarked(t), 1);
	ck_assert_str_eq(table_marked_key(t, 0), "33");
	ck_assert(table_is_marked(t, 1));
	/* An aborted reload keeps what was there. */
	table_load_begin(t);
	add(t, "99", "X", "city");
	table_load_abort(t);
	ck_assert_uint_eq(table_nshown(t), 3);
	table_clear(t);
	ck_assert_uint_eq(table_nrows(t), 0);
	ck_assert_ptr_null(table_cursor_key(t));
	table_move(t, 1);
	table_end(t);
	table_free(t);
	table_free(NULL);
}
END_TEST

START_TEST(test_table_print)
{
	struct table	*t = sample();
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*f = open_memstream(&out, &len);

	table_sort(t, 0, false);
	table_print(t, f);
	fclose(f);
	ck_assert_str_eq(out,
	    "ID  NAME   KIND\n"
	    " 2  Goa    state\n"
	    " 4  Assam  state\n"
	    "10  Pune   city\n"
	    "33  Delhi  union_territory\n");
	free(out);
	table_free(t);
}
END_TEST

Suite *
table_suite(void)
{
	Suite	*s = suite_create("table");
	TCase	*tc = tcase_create("table");

	tcase_add_checked_fixture(tc, table_setup, NULL);
	tcase_add_test(tc, test_table_layout_fits);
	tcase_add_test(tc, test_table_layout_squeezes_flex_first);
	tcase_add_test(tc, test_table_layout_hides_by_priority);
	tcase_add_test(tc, test_table_layout_small_wants);
	tcase_add_test(tc, test_table_match);
	tcase_add_test(tc, test_table_compare);
	tcase_add_test(tc, test_table_compare_money);
	tcase_add_test(tc, test_table_cursor_and_sort);
	tcase_add_test(tc, test_table_filter_and_marks);
	tcase_add_test(tc, test_table_reload_keeps_state);
	tcase_add_test(tc, test_table_print);
	suite_add_tcase(s, tc);
	return s;
}
