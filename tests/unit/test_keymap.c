#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "keymap.h"
#include "keys.h"
#include "settings.h"
#include "suites.h"

START_TEST(test_keys_names)
{
	char	buf[16];
	int	k;

	setlocale(LC_ALL, "C.UTF-8");
	ck_assert_str_eq(keys_name('j', buf, sizeof buf), "j");
	ck_assert_str_eq(keys_name(K_DOWN, buf, sizeof buf), "Down");
	ck_assert_str_eq(keys_name(K_CTRL('l'), buf, sizeof buf), "C-l");
	ck_assert_str_eq(keys_name(K_ENTER, buf, sizeof buf), "Enter");
	ck_assert_str_eq(keys_name(K_SPACE, buf, sizeof buf), "Space");
	ck_assert_str_eq(keys_name(K_F1 + 4, buf, sizeof buf), "F5");
	ck_assert_str_eq(keys_name('<', buf, sizeof buf), "<");
	ck_assert_str_eq(keys_name(0x915, buf, sizeof buf), "क");
	/* Every name reads back as its key. */
	for (k = 1; k < 127; k++) {
		if ((k > 26 && k <= ' ') || k == '\t' || k == '\n')
			continue;
		ck_assert_int_eq(keys_parse(keys_name(k, buf, sizeof buf)), k);
	}
	for (k = K_UP; k <= K_BTAB; k++)
		ck_assert_int_eq(keys_parse(keys_name(k, buf, sizeof buf)), k);
	ck_assert_int_eq(keys_parse("lt"), '<');
	ck_assert_int_eq(keys_parse("gt"), '>');
	ck_assert_int_eq(keys_parse("pgdn"), K_PGDN);
	ck_assert_int_eq(keys_parse("F12"), K_F12);
	ck_assert_int_eq(keys_parse("क"), 0x915);
	ck_assert_int_eq(keys_parse("C-A"), 1);
	ck_assert_int_eq(keys_parse(""), -1);
	ck_assert_int_eq(keys_parse(NULL), -1);
	ck_assert_int_eq(keys_parse("F13"), -1);
	ck_assert_int_eq(keys_parse("C-1"), -1);
	ck_assert_int_eq(keys_parse("Nope"), -1);
	ck_assert_int_eq(keys_parse("1-9"), -1);
}
END_TEST

START_TEST(test_keymap_rules)
{
	char	*cause = NULL;

	ck_assert_msg(keymap_check(&cause), "%s", cause);
	ck_assert(keys_is_navigation('j'));
	ck_assert(keys_is_navigation(K_ENTER));
	ck_assert(keys_is_navigation(K_CTRL('d')));
	ck_assert(!keys_is_navigation('x'));
}
END_TEST

START_TEST(test_keymap_find)
{
	const enum scope	 table[] = { SCOPE_REGIONS, SCOPE_TABLE,
				    SCOPE_MOVE, SCOPE_GLOBAL };
	const enum scope	 form[] = { SCOPE_REGION, SCOPE_FORM,
				    SCOPE_MOVE, SCOPE_GLOBAL };
	const struct keybind	*kb;

	ck_assert_str_eq(keymap_find('j', table, 4)->action, "down");
	ck_assert_str_eq(keymap_find(K_ENTER, table, 4)->action, "open");
	ck_assert_str_eq(keymap_find(K_ENTER, form, 4)->action, "enter");
	ck_assert_str_eq(keymap_find('i', table, 4)->action, "details");
	ck_assert_ptr_null(keymap_find('i', form, 4));
	kb = keymap_find('7', table, 4);
	ck_assert_str_eq(kb->action, "sort");
	ck_assert_ptr_null(keymap_find('0', table, 4));
	ck_assert_ptr_null(keymap_find('/', form, 4));
	ck_assert_ptr_null(keymap_find('j', table, 0));
}
END_TEST

START_TEST(test_keymap_help)
{
	const enum scope	scopes[] = { SCOPE_TABLE, SCOPE_MOVE };
	struct keyhelp		h[64];
	size_t			n, i;
	bool			down = false;

	n = keymap_help(scopes, 2, h, 64);
	ck_assert_uint_gt(n, 5);
	for (i = 0; i < n; i++) {
		if (strcmp(h[i].action, "down") == 0) {
			ck_assert_str_eq(h[i].keys, "j Down");
			down = true;
		}
	}
	ck_assert(down);
	ck_assert_uint_eq(keymap_help(scopes, 2, h, 2), 2);
}
END_TEST

/* souk(1) names every command, key action and setting. */
START_TEST(test_keymap_manual)
{
	char		 path[4096], chunk[4096];
	struct buf	 man;
	FILE		*f;
	size_t		 i, n;

	snprintf(path, sizeof path, "%s/man/souk.1", test_root());
	ck_assert_msg((f = fopen(path, "r")) != NULL, "cannot read %s", path);
	buf_init(&man, 0);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		ck_assert(buf_add(&man, chunk, n));
	fclose(f);
	for (i = 0; i < ncommands; i++)
		ck_assert_msg(strstr(man.data, commands[i].name) != NULL,
		    "souk.1 does not document the command '%s'",
		    commands[i].name);
	for (i = 0; i < keymap_len; i++)
		ck_assert_msg(strstr(man.data, keymap[i].action) != NULL,
		    "souk.1 does not document the key action '%s'",
		    keymap[i].action);
	for (i = 0; settings_keys[i] != NULL; i++)
		ck_assert_msg(strstr(man.data, settings_keys[i]) != NULL,
		    "souk.1 does not document the setting '%s'",
		    settings_keys[i]);
	buf_free(&man);
}
END_TEST

Suite *
keymap_suite(void)
{
	Suite	*s = suite_create("keymap");
	TCase	*tc = tcase_create("keymap");

	tcase_add_test(tc, test_keys_names);
	tcase_add_test(tc, test_keymap_rules);
	tcase_add_test(tc, test_keymap_find);
	tcase_add_test(tc, test_keymap_help);
	tcase_add_test(tc, test_keymap_manual);
	suite_add_tcase(s, tc);
	return s;
}
