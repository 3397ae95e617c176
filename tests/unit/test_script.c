#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "script.h"
#include "suites.h"

START_TEST(test_script_parse)
{
	struct script	*s;
	char		*cause = NULL;

	setlocale(LC_ALL, "C.UTF-8");
	ck_assert(script_parse("t", "# a comment\n"
	    ":reg<Tab><Enter>\n"
	    "\n"
	    "jk<Down><C-l><lt>मु\r\n"
	    "<save-display out/a b.txt>\n"
	    "<resize 20x5><sleep 250><wait-connected><wait-disconnected>\n"
	    "<wait-file /tmp/x><wait-events 4><wait-events +1>", &s, &cause));
	ck_assert_uint_eq(s->n, 21);
	ck_assert_int_eq(s->steps[0].key, ':');
	ck_assert_int_eq(s->steps[4].key, K_TAB);
	ck_assert_int_eq(s->steps[5].key, K_ENTER);
	ck_assert_int_eq(s->steps[5].line, 2);
	ck_assert_int_eq(s->steps[8].key, K_DOWN);
	ck_assert_int_eq(s->steps[9].key, K_CTRL('l'));
	ck_assert_int_eq(s->steps[10].key, '<');
	ck_assert_int_eq(s->steps[11].key, 0x92e);
	ck_assert_int_eq(s->steps[12].key, 0x941);
	ck_assert_int_eq(s->steps[13].op, SCRIPT_SAVE);
	ck_assert_str_eq(s->steps[13].arg, "out/a b.txt");
	ck_assert_int_eq(s->steps[14].op, SCRIPT_RESIZE);
	ck_assert_int_eq(s->steps[14].cols, 20);
	ck_assert_int_eq(s->steps[14].lines, 5);
	ck_assert_int_eq(s->steps[15].ms, 250);
	ck_assert_int_eq(s->steps[16].op, SCRIPT_WAIT_CONNECTED);
	ck_assert_int_eq(s->steps[17].op, SCRIPT_WAIT_DISCONNECTED);
	ck_assert_int_eq(s->steps[18].op, SCRIPT_WAIT_FILE);
	ck_assert_str_eq(s->steps[18].arg, "/tmp/x");
	ck_assert_int_eq(s->steps[19].op, SCRIPT_WAIT_EVENTS);
	ck_assert_int_eq(s->steps[19].ms, 4);
	ck_assert(!s->steps[19].since_save);
	ck_assert_int_eq(s->steps[20].op, SCRIPT_WAIT_EVENTS);
	ck_assert_int_eq(s->steps[20].ms, 1);
	ck_assert(s->steps[20].since_save);
	script_free(s);
	script_free(NULL);

	ck_assert(script_parse("empty", "", &s, &cause));
	ck_assert_uint_eq(s->n, 0);
	script_free(s);
}
END_TEST

START_TEST(test_script_refuses)
{
	const char *const bad[] = {
		"<", "a<b", "<>", "<Nope>", "<sleep x>", "<sleep -1>",
		"<resize 0x5>", "<resize 5>", "<resize 5x5x>", "<teleport me>",
		"<wait-events 0>", "<wait-events +>", "<wait-events ++1>",
		"\xff",
	};
	struct script	*s;
	char		*cause = NULL;
	size_t		 i;

	setlocale(LC_ALL, "C.UTF-8");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(!script_parse("t", bad[i], &s, &cause),
		    "'%s' accepted", bad[i]);
		ck_assert_ptr_null(s);
		ck_assert_ptr_nonnull(cause);
		ck_assert(strncmp(cause, "t:1: ", 5) == 0);
		free(cause);
		cause = NULL;
	}
	ck_assert(!script_load("/nonexistent/script", &s, &cause));
	free(cause);
}
END_TEST

Suite *
script_suite(void)
{
	Suite	*s = suite_create("script");
	TCase	*tc = tcase_create("script");

	tcase_add_test(tc, test_script_parse);
	tcase_add_test(tc, test_script_refuses);
	suite_add_tcase(s, tc);
	return s;
}
