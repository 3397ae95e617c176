/* soukd migrate: fresh, re-run, status, changed files, concurrent runs. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static int
migrate(const char *conninfo, bool status, char **out)
{
	const char	*args[] = { "migrate", "--database", conninfo,
			    status ? "--status" : NULL, NULL };

	return soukd_run(args, out);
}

/* Runs SQL on another database than the shared one. */
static void
sql_on(const char *conninfo, const char *sql)
{
	PGconn		*c = PQconnectdb(conninfo);
	PGresult	*res;

	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK, "%s",
	    PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
}

START_TEST(test_fresh_then_noop)
{
	char	*db = test_new_database(), *out = NULL;

	ck_assert_int_eq(migrate(db, true, &out), 3);	/* pending */
	ck_assert_ptr_nonnull(strstr(out, "pending  0001_regions.sql"));
	free(out);
	ck_assert_int_eq(migrate(db, false, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "applied  0001_regions.sql"));
	free(out);
	ck_assert_int_eq(migrate(db, false, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "schema is current"));
	ck_assert_ptr_null(strstr(out, "applied  0001"));
	free(out);
	ck_assert_int_eq(migrate(db, true, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "applied  0001_regions.sql"));
	free(out);
	free(db);
}
END_TEST

START_TEST(test_serving_needs_current_schema)
{
	char		*db = test_new_database(), *out = NULL;
	struct soukd	*s;

	s = soukd_start(db, NULL);
	ck_assert_msg(s == NULL, "soukd served an empty database");
	ck_assert_int_eq(migrate(db, false, &out), 0);
	free(out);
	s = soukd_start(db, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	free(db);
}
END_TEST

START_TEST(test_changed_migration_refused)
{
	char		*db = test_new_database(), *out = NULL;
	struct soukd	*s;

	ck_assert_int_eq(migrate(db, false, &out), 0);
	free(out);
	/* As if sql/migrations/0001 had been edited after it landed. */
	sql_on(db, "UPDATE schema_migrations SET checksum = repeat('0', 64) "
	    "WHERE name = '0001_regions.sql'");
	ck_assert_int_eq(migrate(db, false, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "migration 0001_regions.sql was "
	    "changed after it was applied"));
	free(out);
	ck_assert_int_eq(migrate(db, true, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "CHANGED  0001_regions.sql"));
	free(out);
	s = soukd_start(db, NULL);
	ck_assert_msg(s == NULL, "soukd served a changed schema");
	free(db);
}
END_TEST

/*
 * A database that applied an earlier landed text of a migration (0028
 * as the stop of eac9341 landed it, with 0032 after it; 0036 as the
 * stop of c4d4dd1 did) is current; any other text of it is still
 * refused.
 */
START_TEST(test_earlier_landed_text_accepted)
{
	char		*db = test_new_database(), *out = NULL;
	struct soukd	*s;

	ck_assert_int_eq(migrate(db, false, &out), 0);
	free(out);
	sql_on(db, "UPDATE schema_migrations SET checksum = '3ac192a19740dc46"
	    "1079232c98d215aa94c615f2cebdc22f1fedc2dc6344b1f0' WHERE name ="
	    " '0028_product_docs.sql'");
	sql_on(db, "INSERT INTO schema_migrations (name, checksum) VALUES"
	    " ('0032_product_docs_format.sql', 'f054cfc425dd7a3cee42536ff38ff0"
	    "748dbf05335df4f029bd478bf485f2b1d4')");
	/* And 0036 as the stop of c4d4dd1 landed it. */
	sql_on(db, "UPDATE schema_migrations SET checksum = '46265af1c39c72cc"
	    "f7f36404358e27eadaa4f5b58c9e066bc92b4930c1974291' WHERE name ="
	    " '0036_search_categories.sql'");
	ck_assert_int_eq(migrate(db, true, &out), 0);
	ck_assert_msg(strstr(out, "applied  0028_product_docs.sql") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "applied  0036_search_categories.sql") !=
	    NULL, "%s", out);
	free(out);
	s = soukd_start(db, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(soukd_stop(s, SIGTERM), 0);
	sql_on(db, "UPDATE schema_migrations SET checksum = repeat('1', 64) "
	    "WHERE name = '0028_product_docs.sql'");
	ck_assert_int_eq(migrate(db, true, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "CHANGED  0028_product_docs.sql"));
	free(out);
	free(db);
}
END_TEST

START_TEST(test_concurrent_runs_apply_once)
{
	char	*db = test_new_database(), *out = NULL;
	pid_t	 pids[3];
	int	 i, st;

	for (i = 0; i < 3; i++) {
		if ((pids[i] = fork()) == 0)
			_exit(migrate(db, false, NULL));
	}
	for (i = 0; i < 3; i++) {
		waitpid(pids[i], &st, 0);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ck_assert_int_eq(migrate(db, true, &out), 0);
	free(out);
	free(db);
}
END_TEST

START_TEST(test_unreachable_database)
{
	char	*out = NULL;

	ck_assert_int_eq(migrate("host=/nonexistent dbname=x", false, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "cannot connect"));
	free(out);
}
END_TEST

START_TEST(test_bad_configuration_is_refused)
{
	const char	*flags[] = { "--listen", "nowhere", "--check-config",
			    NULL };
	const char	*ok[] = { "--check-config", "--database",
			    "host=x password=hunter2", NULL };
	const char	*args[] = { "--config", NULL, "--check-config", NULL };
	char		*out = NULL, *path, *conf;
	FILE		*f;

	ck_assert_int_eq(soukd_run(flags, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "listen: expected ADDR:PORT"));
	free(out);
	ck_assert_int_eq(soukd_run(ok, &out), 0);
	ck_assert_ptr_null(strstr(out, "hunter2"));
	free(out);
	path = test_tmpdir("conf");
	conf = xasprintf("%s/soukd.conf", path);
	f = fopen(conf, "w");
	fprintf(f, "# a comment\nlisten = 127.0.0.1:1\n\nmax_bdy = 5\n");
	fclose(f);
	args[1] = conf;
	ck_assert_int_eq(soukd_run(args, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "soukd.conf:4: unknown key "
	    "'max_bdy'"));
	free(out);
	free(conf);
	free(path);
}
END_TEST

Suite *
migrate_suite(void)
{
	Suite	*s = suite_create("migrate");
	TCase	*tc = tcase_create("migrate");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_fresh_then_noop);
	tcase_add_test(tc, test_serving_needs_current_schema);
	tcase_add_test(tc, test_changed_migration_refused);
	tcase_add_test(tc, test_earlier_landed_text_accepted);
	tcase_add_test(tc, test_concurrent_runs_apply_once);
	tcase_add_test(tc, test_unreachable_database);
	tcase_add_test(tc, test_bad_configuration_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
