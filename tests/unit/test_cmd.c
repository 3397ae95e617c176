#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "suites.h"

START_TEST(test_cmd_split)
{
	char	**w, *cause = NULL;
	size_t	  n;

	ck_assert(cmd_split("  regions   --kind state ", &w, &n, &cause));
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(w[0], "regions");
	ck_assert_str_eq(w[2], "state");
	ck_assert_ptr_null(w[3]);
	cmd_free_words(w, n);

	ck_assert(cmd_split("save-display 'a b' \"c \\\"d\\\"\" e\\ f ''", &w,
	    &n, &cause));
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(w[1], "a b");
	ck_assert_str_eq(w[2], "c \"d\"");
	ck_assert_str_eq(w[3], "e f");
	ck_assert_str_eq(w[4], "");
	cmd_free_words(w, n);

	ck_assert(cmd_split("", &w, &n, &cause));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(w[0]);
	cmd_free_words(w, n);

	ck_assert(cmd_split("मुंबई", &w, &n, &cause));
	ck_assert_str_eq(w[0], "मुंबई");
	cmd_free_words(w, n);

	ck_assert(!cmd_split("region 'open", &w, &n, &cause));
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_null(w);
	free(cause);
	cause = NULL;
	ck_assert(!cmd_split("x \"open", &w, &n, &cause));
	free(cause);
	cmd_free_words(NULL, 0);
}
END_TEST

START_TEST(test_cmd_parse)
{
	struct cmd_args	 a;
	char		*cause = NULL;

	ck_assert(cmd_parse("regions --kind state --parent=1", &a, &cause));
	ck_assert_str_eq(a.cmd->name, "regions");
	ck_assert_str_eq(cmd_opt(&a, "kind"), "state");
	ck_assert_str_eq(cmd_opt(&a, "parent"), "1");
	ck_assert_ptr_null(cmd_opt(&a, "nope"));
	cmd_args_free(&a);

	ck_assert(cmd_parse("regions", &a, &cause));
	ck_assert_ptr_null(cmd_opt(&a, "kind"));
	cmd_args_free(&a);

	ck_assert(cmd_parse("region 15", &a, &cause));
	ck_assert_uint_eq(a.argc, 1);
	ck_assert_str_eq(a.argv[0], "15");
	cmd_args_free(&a);

	ck_assert(cmd_parse("q", &a, &cause));
	ck_assert_str_eq(a.cmd->name, "quit");
	cmd_args_free(&a);

	ck_assert(cmd_parse("lookup 1 400001 -- --7", &a, &cause));
	ck_assert_uint_eq(a.argc, 3);
	ck_assert_str_eq(a.argv[2], "--7");
	cmd_args_free(&a);

	/* Seven options and a query, in any order. */
	ck_assert(cmd_parse("vendors --status active kirana --category Grocery "
	    "--badge verified_gst --rating 4 --joined-after 30d "
	    "--joined-before=2026-01-01 --region 15", &a, &cause));
	ck_assert_uint_eq(a.argc, 1);
	ck_assert_str_eq(a.argv[0], "kirana");
	ck_assert_str_eq(cmd_opt(&a, "joined-after"), "30d");
	ck_assert_str_eq(cmd_opt(&a, "joined-before"), "2026-01-01");
	ck_assert_str_eq(cmd_opt(&a, "region"), "15");
	cmd_args_free(&a);

	ck_assert(cmd_parse("reject-registration 3 --reason 'PAN is blurred'",
	    &a, &cause));
	ck_assert_str_eq(a.argv[0], "3");
	ck_assert_str_eq(cmd_opt(&a, "reason"), "PAN is blurred");
	cmd_args_free(&a);

	ck_assert(cmd_parse("save-document 3 7 --to ~/kyc/", &a, &cause));
	ck_assert_uint_eq(a.argc, 2);
	ck_assert_str_eq(cmd_opt(&a, "to"), "~/kyc/");
	cmd_args_free(&a);

	ck_assert(cmd_parse("visit-vendor 12 --at 'today 11am' --text ok", &a,
	    &cause));
	ck_assert_str_eq(cmd_opt(&a, "at"), "today 11am");
	cmd_args_free(&a);
}
END_TEST

static void
refused(const char *line, const char *want)
{
	struct cmd_args	 a;
	char		*cause = NULL;

	if (cmd_parse(line, &a, &cause))
		ck_abort_msg("'%s' was accepted", line);
	ck_assert_ptr_null(a.cmd);
	ck_assert_ptr_nonnull(cause);
	if (want != NULL)
		ck_assert_str_eq(cause, want);
	free(cause);
}

START_TEST(test_cmd_refuses)
{
	refused("", "no command given; help lists them");
	refused("   ", NULL);
	refused("bogus", "there is no command 'bogus'; help lists them");
	refused("region", "usage: region ID");
	refused("region 1 2", "usage: region ID");
	refused("regions --kind", "--kind needs a value (KIND)");
	refused("regions --colour red", "regions has no option --colour; "
	    "usage: regions [--parent ID|none] [--kind KIND]");
	refused("regions extra", NULL);
	refused("save-document 3", "usage: save-document ID DOCUMENT "
	    "[--to FILE]");
	refused("listing", "usage: listing ID");
	refused("vendors a b", NULL);
	refused("approve-listing 1 --reason why", NULL);
	refused("health 'unclosed", NULL);
	refused("\xff\xfe", NULL);
}
END_TEST

START_TEST(test_cmd_completion)
{
	ck_assert_int_eq(cmd_completion("", "reg"), COMPLETE_COMMAND);
	ck_assert_int_eq(cmd_completion("  ", ""), COMPLETE_COMMAND);
	ck_assert_int_eq(cmd_completion("region ", "1"), COMPLETE_ID);
	ck_assert_int_eq(cmd_completion("region 12 ", ""), COMPLETE_NONE);
	ck_assert_int_eq(cmd_completion("regions ", "--k"), COMPLETE_OPTION);
	ck_assert_int_eq(cmd_completion("regions --kind ", "st"),
	    COMPLETE_KIND);
	ck_assert_int_eq(cmd_completion("regions --parent ", ""),
	    COMPLETE_PARENT);
	ck_assert_int_eq(cmd_completion("regions --kind state ", ""),
	    COMPLETE_NONE);
	ck_assert_int_eq(cmd_completion("save-display ", "/tm"),
	    COMPLETE_FILE);
	ck_assert_int_eq(cmd_completion("help ", ""), COMPLETE_COMMAND);
	ck_assert_int_eq(cmd_completion("lookup 1 2 ", ""), COMPLETE_ID);
	ck_assert_int_eq(cmd_completion("bogus ", ""), COMPLETE_NONE);
	ck_assert_int_eq(cmd_completion("health ", "--"), COMPLETE_NONE);
	ck_assert_int_eq(cmd_completion("region 'x", ""), COMPLETE_NONE);
	ck_assert_int_eq(cmd_completion("registrations --state ", "sub"),
	    COMPLETE_REG_STATE);
	ck_assert_int_eq(cmd_completion("vendors --status ", ""),
	    COMPLETE_VENDOR_STATUS);
	ck_assert_int_eq(cmd_completion("listings --status ", "p"),
	    COMPLETE_LISTING_STATUS);
	ck_assert_int_eq(cmd_completion("save-document 3 7 --to ", "/tm"),
	    COMPLETE_FILE);
	ck_assert_int_eq(cmd_completion("save-document 3 ", ""), COMPLETE_ID);
	ck_assert_int_eq(cmd_completion("vendors ", "kir"), COMPLETE_NONE);
	ck_assert_int_eq(cmd_completion(NULL, NULL), COMPLETE_COMMAND);
}
END_TEST

START_TEST(test_cmd_table)
{
	struct buf	b;
	size_t		i, j;

	/* Names are unique, every command has a summary and a runner. */
	for (i = 0; i < ncommands; i++) {
		ck_assert_ptr_nonnull(commands[i].run);
		ck_assert_ptr_nonnull(commands[i].summary);
		ck_assert_ptr_eq(cmd_find(commands[i].name), &commands[i]);
		for (j = i + 1; j < ncommands; j++)
			ck_assert_str_ne(commands[i].name, commands[j].name);
	}
	ck_assert_ptr_null(cmd_find("nothing"));
	buf_init(&b, 0);
	cmd_help(&b);
	for (i = 0; i < ncommands; i++)
		ck_assert_ptr_nonnull(strstr(b.data, commands[i].name));
	buf_free(&b);
}
END_TEST

START_TEST(test_cmd_take_json)
{
	char	a[] = "queue stats Diwali --json";
	char	b[] = "queue stats Diwali --json  \n";
	char	c[] = "note-vendor 2 --text \"say --json\"";
	char	d[] = "queue stats Diwali--json";
	char	e[] = "--json";
	char	f[] = "";

	ck_assert(cmd_take_json(a));
	ck_assert_str_eq(a, "queue stats Diwali");
	ck_assert(cmd_take_json(b));
	ck_assert_str_eq(b, "queue stats Diwali");
	/* Inside quotes, glued to a word, or alone: not the option. */
	ck_assert(!cmd_take_json(c));
	ck_assert_str_eq(c, "note-vendor 2 --text \"say --json\"");
	ck_assert(!cmd_take_json(d));
	ck_assert_str_eq(d, "queue stats Diwali--json");
	ck_assert(!cmd_take_json(e));
	ck_assert(!cmd_take_json(f));
	ck_assert(!cmd_take_json(NULL));
}
END_TEST

Suite *
cmd_suite(void)
{
	Suite	*s = suite_create("cmd");
	TCase	*tc = tcase_create("cmd");

	tcase_add_test(tc, test_cmd_split);
	tcase_add_test(tc, test_cmd_parse);
	tcase_add_test(tc, test_cmd_refuses);
	tcase_add_test(tc, test_cmd_completion);
	tcase_add_test(tc, test_cmd_table);
	tcase_add_test(tc, test_cmd_take_json);
	suite_add_tcase(s, tc);
	return s;
}
