#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "creds.h"
#include "session.h"
#include "suites.h"
#include "xmalloc.h"

/* A private directory for one test; removed by creds_rmdir. */
static char *
creds_tmpdir(void)
{
	char	*dir = xstrdup("/tmp/souk-creds-XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void
creds_rmdir(char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	char		*p;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
	free(dir);
}

static size_t
creds_nfiles(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	size_t		 n = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

static void
creds_put(const char *path, const char *text, mode_t mode)
{
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void
creds_sample(struct creds *c)
{
	memset(c, 0, sizeof *c);
	c->url = xstrdup("http://127.0.0.1:8080");
	c->access = xstrdup("eyJhbGciOiJIUzI1NiJ9.e30.c2ln");
	c->refresh = xstrdup("r3fr3sh-t0ken_ABC");
	c->expires_at = 2000000000;
	c->lifetime = 900;
	c->user = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)7, "name",
	    "Asha", "role", "admin");
}

START_TEST(test_creds_roundtrip)
{
	struct creds	 c, back;
	struct stat	 sb;
	char		*dir = creds_tmpdir(), *path, *cause = NULL, *who;
	mode_t		 old;

	memset(&back, 0, sizeof back);
	path = xasprintf("%s/sub/dir/credentials", dir);
	creds_sample(&c);
	/* Private whatever the umask; the directories are made 0700. */
	old = umask(0);
	ck_assert_msg(creds_write(path, &c, &cause), "%s", cause);
	umask(old);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	{
		char *sub = xasprintf("%s/sub", dir);

		ck_assert_int_eq(stat(sub, &sb), 0);
		ck_assert_int_eq(sb.st_mode & 0777, 0700);
		free(sub);
	}
	ck_assert_int_eq(creds_read(path, &back, &cause), CREDS_OK);
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(back.url, c.url);
	ck_assert_str_eq(back.access, c.access);
	ck_assert_str_eq(back.refresh, c.refresh);
	ck_assert_int_eq(back.expires_at, 2000000000);
	ck_assert_int_eq(back.lifetime, 900);
	ck_assert_int_eq(creds_user_id(&back), 7);
	ck_assert_str_eq(creds_role(&back), "admin");
	who = creds_who(&back);
	ck_assert_str_eq(who, "Asha (admin)");
	free(who);
	/* Written again: replaced, and no temporary file left behind. */
	free(c.refresh);
	c.refresh = xstrdup("another-one");
	ck_assert(creds_write(path, &c, &cause));
	ck_assert_int_eq(creds_read(path, &back, &cause), CREDS_OK);
	ck_assert_str_eq(back.refresh, "another-one");
	{
		char *sub = xasprintf("%s/sub/dir", dir);

		ck_assert_uint_eq(creds_nfiles(sub), 1);
		free(sub);
	}
	ck_assert(creds_remove(path, &cause));
	ck_assert(creds_remove(path, &cause));	/* gone: fine */
	ck_assert_int_eq(creds_read(path, &back, &cause), CREDS_NONE);
	ck_assert_ptr_null(cause);
	ck_assert_ptr_null(back.access);
	creds_clear(&c);
	creds_clear(&back);
	creds_clear(NULL);
	free(path);
	path = xasprintf("%s/sub/dir", dir);
	rmdir(path);
	free(path);
	path = xasprintf("%s/sub", dir);
	rmdir(path);
	free(path);
	creds_rmdir(dir);
}
END_TEST

START_TEST(test_creds_insecure)
{
	struct creds	 c, back;
	char		*dir = creds_tmpdir(), *path, *link, *cause = NULL;

	memset(&back, 0, sizeof back);
	path = xasprintf("%s/credentials", dir);
	link = xasprintf("%s/link", dir);
	creds_sample(&c);
	ck_assert(creds_write(path, &c, &cause));
	/* Readable by the group or others: refused, and said why. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(creds_read(path, &back, &cause), CREDS_INSECURE);
	ck_assert_ptr_nonnull(strstr(cause, "mode 0644"));
	ck_assert_ptr_nonnull(strstr(cause, "chmod 600"));
	ck_assert_ptr_null(back.access);
	free(cause);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(creds_read(path, &back, &cause), CREDS_INSECURE);
	free(cause);
	ck_assert_int_eq(chmod(path, 0400), 0);
	ck_assert_int_eq(creds_read(path, &back, &cause), CREDS_OK);
	ck_assert_int_eq(chmod(path, 0600), 0);
	/* A symbolic link is not followed. */
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(creds_read(link, &back, &cause), CREDS_INSECURE);
	ck_assert_ptr_nonnull(strstr(cause, "symbolic link"));
	free(cause);
	/* Nor is a directory read. */
	ck_assert_int_eq(creds_read(dir, &back, &cause), CREDS_INSECURE);
	free(cause);
	/* Someone else's file (needs root to make one). */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(path, 12345, 12345), 0);
		ck_assert_int_eq(creds_read(path, &back, &cause),
		    CREDS_INSECURE);
		ck_assert_ptr_nonnull(strstr(cause, "belongs to user 12345"));
		free(cause);
	}
	ck_assert_int_eq(creds_read(NULL, &back, &cause), CREDS_ERROR);
	free(cause);
	creds_clear(&c);
	creds_clear(&back);
	free(path);
	free(link);
	creds_rmdir(dir);
}
END_TEST

START_TEST(test_creds_corrupt)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[1, 2]",
		"{\"url\": \"http://x\"}",
		"{\"url\": \"ftp://x\", \"access_token\": \"a\", "
		    "\"refresh_token\": \"r\", \"expires_at\": 5}",
		"{\"url\": \"http://x\", \"access_token\": \"a b\", "
		    "\"refresh_token\": \"r\", \"expires_at\": 5}",
		"{\"url\": \"http://x\", \"access_token\": \"a\", "
		    "\"refresh_token\": \"r\\r\\nX: y\", \"expires_at\": 5}",
		"{\"url\": \"http://x\", \"access_token\": \"a\", "
		    "\"refresh_token\": \"r\", \"expires_at\": \"soon\"}",
		"{\"url\": \"http://x\", \"access_token\": \"a\", "
		    "\"refresh_token\": \"r\", \"expires_at\": 5, "
		    "\"lifetime\": -1}",
		"{\"url\": \"http://x\", \"access_token\": \"a\", "
		    "\"refresh_token\": \"r\", \"expires_at\": 5, "
		    "\"user\": \"me\"}",
		"{\"url\": \"http://x\", \"access_token\": \"a\", "
		    "\"refresh_token\": \"r\", \"expires_at\": 5",
	};
	struct creds	 back;
	char		*dir = creds_tmpdir(), *path, *cause = NULL, *big;
	size_t		 i;

	memset(&back, 0, sizeof back);
	path = xasprintf("%s/credentials", dir);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		creds_put(path, bad[i], 0600);
		ck_assert_msg(creds_read(path, &back, &cause) == CREDS_CORRUPT,
		    "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(cause, "sign in again"));
		ck_assert_ptr_null(back.access);
		free(cause);
	}
	/* Larger than any credentials file. */
	big = xcalloc(CREDS_FILE_MAX + 2, 1);
	memset(big, ' ', CREDS_FILE_MAX + 1);
	creds_put(path, big, 0600);
	ck_assert_int_eq(creds_read(path, &back, &cause), CREDS_CORRUPT);
	free(cause);
	free(big);
	/* The least a file may hold. */
	creds_put(path, "{\"url\": \"https://souk.example\", \"access_token\": "
	    "\"a.b.c\", \"refresh_token\": \"r\", \"expires_at\": 5}", 0600);
	ck_assert_int_eq(creds_read(path, &back, &cause), CREDS_OK);
	ck_assert_int_eq(back.lifetime, 0);
	ck_assert_ptr_null(back.user);
	ck_assert_ptr_null(creds_who(&back));
	ck_assert_int_eq(creds_user_id(&back), 0);
	ck_assert_ptr_null(creds_role(&back));
	creds_clear(&back);
	free(path);
	creds_rmdir(dir);
}
END_TEST

START_TEST(test_creds_write_fails)
{
	struct creds	 c;
	char		*dir = creds_tmpdir(), *file, *path, *cause = NULL;

	creds_sample(&c);
	/* The directory cannot be made: a file is in the way. */
	file = xasprintf("%s/blocker", dir);
	creds_put(file, "x", 0600);
	path = xasprintf("%s/blocker/credentials", dir);
	ck_assert(!creds_write(path, &c, &cause));
	ck_assert_ptr_nonnull(cause);
	free(cause);
	ck_assert(!creds_write(NULL, &c, &cause));
	free(cause);
	/* Nothing worth keeping is refused. */
	free(path);
	path = xasprintf("%s/credentials", dir);
	free(c.access);
	c.access = NULL;
	ck_assert(!creds_write(path, &c, &cause));
	free(cause);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_uint_eq(creds_nfiles(dir), 1);
	creds_clear(&c);
	free(file);
	free(path);
	creds_rmdir(dir);
}
END_TEST

START_TEST(test_creds_tokens)
{
	struct creds	 c;
	json_t		*a;
	char		*cause = NULL;

	memset(&c, 0, sizeof c);
	a = json_pack("{s:s, s:s, s:i, s:s, s:{s:i, s:s, s:s}}",
	    "access_token", "x.y.z", "token_type", "Bearer", "expires_in", 900,
	    "refresh_token", "rrr", "user", "id", 3, "name", "Ravi", "role",
	    "telecaller");
	ck_assert_msg(creds_from_tokens(&c, "http://h:1", a, 1000, &cause),
	    "%s", cause);
	ck_assert_int_eq(c.expires_at, 1900);
	ck_assert_int_eq(c.lifetime, 900);
	ck_assert_str_eq(c.url, "http://h:1");
	ck_assert_int_eq(creds_user_id(&c), 3);
	/* Renewed a minute before it expires... */
	ck_assert_int_eq(creds_refresh_at(&c), 1840);
	ck_assert(!creds_due(&c, 1839));
	ck_assert(creds_due(&c, 1840));
	ck_assert(creds_due(&c, 5000));
	/* ... or a quarter of its life before, if that is less. */
	c.lifetime = 60;
	c.expires_at = 1060;
	ck_assert_int_eq(creds_refresh_at(&c), 1045);
	c.lifetime = 0;
	ck_assert_int_eq(creds_refresh_at(&c), 1000);
	creds_clear(&c);
	ck_assert(!creds_due(&c, 5000));	/* no token: nothing due */

	/* Not token answers. */
	json_object_set_new(a, "token_type", json_string("MAC"));
	ck_assert(!creds_from_tokens(&c, "http://h:1", a, 1000, &cause));
	free(cause);
	json_object_set_new(a, "token_type", json_string("bearer"));
	ck_assert(creds_from_tokens(&c, "http://h:1", a, 1000, &cause));
	json_object_set_new(a, "expires_in", json_integer(0));
	ck_assert(!creds_from_tokens(&c, "http://h:1", a, 1000, &cause));
	ck_assert_ptr_null(c.access);
	free(cause);
	json_object_set_new(a, "expires_in", json_string("900"));
	ck_assert(!creds_from_tokens(&c, "http://h:1", a, 1000, &cause));
	free(cause);
	json_object_set_new(a, "expires_in", json_integer(900));
	json_object_del(a, "refresh_token");
	ck_assert(!creds_from_tokens(&c, "http://h:1", a, 1000, &cause));
	free(cause);
	json_object_set_new(a, "refresh_token", json_string("r"));
	ck_assert(!creds_from_tokens(&c, "not a url", a, 1000, &cause));
	free(cause);
	ck_assert(!creds_from_tokens(&c, "http://h:1", NULL, 1000, &cause));
	free(cause);
	json_decref(a);
	creds_clear(&c);

	ck_assert(creds_token_ok("abc.DEF-_~"));
	ck_assert(!creds_token_ok(""));
	ck_assert(!creds_token_ok(NULL));
	ck_assert(!creds_token_ok("a b"));
	ck_assert(!creds_token_ok("a\nb"));
	ck_assert(!creds_token_ok("caf\xc3\xa9"));
	{
		char *long_one = xcalloc(4098, 1);

		memset(long_one, 'a', 4096);
		ck_assert(creds_token_ok(long_one));
		long_one[4096] = 'a';
		ck_assert(!creds_token_ok(long_one));
		free(long_one);
	}
}
END_TEST

/* The session's file handling: soukd at another address, sign-out. */
START_TEST(test_session_file)
{
	struct session	*s;
	struct creds	 c;
	json_t		*a;
	char		*dir = creds_tmpdir(), *path, *cause = NULL, *tok;

	path = xasprintf("%s/credentials", dir);
	s = session_new("http://127.0.0.1:8080/", path);
	ck_assert_int_eq(session_load(s, &cause), CREDS_NONE);
	ck_assert(!session_signed_in(s));
	ck_assert_ptr_null(session_token(s));
	a = json_pack("{s:s, s:s, s:i, s:s, s:{s:i, s:s, s:s}}",
	    "access_token", "x.y.z", "token_type", "Bearer", "expires_in", 900,
	    "refresh_token", "rrr", "user", "id", 3, "name", "Ravi", "role",
	    "telecaller");
	ck_assert(session_set(s, a, &cause));
	ck_assert(session_signed_in(s));
	tok = session_token(s);
	ck_assert_str_eq(tok, "x.y.z");
	free(tok);
	ck_assert_uint_eq(session_generation(s), 1);
	session_free(s);

	/* The file is found again, trailing slash or not. */
	s = session_new("http://127.0.0.1:8080", path);
	ck_assert_int_eq(session_load(s, &cause), CREDS_OK);
	memset(&c, 0, sizeof c);
	session_snapshot(s, &c);
	ck_assert_str_eq(c.refresh, "rrr");
	ck_assert_str_eq(c.url, "http://127.0.0.1:8080");
	creds_clear(&c);
	ck_assert_ptr_null(session_lost(s));
	session_forget(s);
	ck_assert(!session_signed_in(s));
	ck_assert_int_eq(access(path, F_OK), -1);
	session_free(s);

	/* Tokens for another soukd are not used, nor removed. */
	s = session_new("http://127.0.0.1:8080", path);
	ck_assert(session_set(s, a, &cause));
	session_free(s);
	s = session_new("http://10.0.0.5:8080", path);
	ck_assert_int_eq(session_load(s, &cause), CREDS_ELSEWHERE);
	ck_assert_ptr_nonnull(strstr(cause, "http://127.0.0.1:8080"));
	free(cause);
	ck_assert(!session_signed_in(s));
	ck_assert_int_eq(access(path, F_OK), 0);
	session_free(s);
	session_free(NULL);

	/* In memory only. */
	s = session_new("http://127.0.0.1:8080", NULL);
	ck_assert_int_eq(session_load(s, &cause), CREDS_NONE);
	ck_assert(session_set(s, a, &cause));
	session_forget(s);
	session_free(s);
	json_decref(a);
	free(path);
	creds_rmdir(dir);
}
END_TEST

Suite *
creds_suite(void)
{
	Suite	*s = suite_create("creds");
	TCase	*tc = tcase_create("creds");

	tcase_add_test(tc, test_creds_roundtrip);
	tcase_add_test(tc, test_creds_insecure);
	tcase_add_test(tc, test_creds_corrupt);
	tcase_add_test(tc, test_creds_write_fails);
	tcase_add_test(tc, test_creds_tokens);
	tcase_add_test(tc, test_session_file);
	suite_add_tcase(s, tc);
	return s;
}
