/*
 * media: sniffing, keys, and the local store's files (the parts that
 * need no database; media_put and the collector are tested through the
 * API, against PostgreSQL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "media.h"
#include "store.h"
#include "suites.h"

#define KEY "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

START_TEST(test_sniff)
{
	ck_assert_str_eq(media_sniff("%PDF-1.7\n", 9), "application/pdf");
	ck_assert_str_eq(media_sniff("\x89PNG\r\n\x1a\n", 8), "image/png");
	ck_assert_str_eq(media_sniff("\xff\xd8\xff\xdb", 4), "image/jpeg");
	ck_assert_str_eq(media_sniff("RIFF\0\0\0\0WEBPVP8 ", 16),
	    "image/webp");
	/* What a file is called or claims does not count. */
	ck_assert_ptr_null(media_sniff("photo.jpg", 9));
	ck_assert_ptr_null(media_sniff("GIF89a", 6));
	ck_assert_ptr_null(media_sniff("RIFF\0\0\0\0WAVE", 12));
	ck_assert_ptr_null(media_sniff("\x89PNG", 4));
	ck_assert_ptr_null(media_sniff("", 0));
}
END_TEST

START_TEST(test_keys)
{
	ck_assert(media_valid_key(KEY));
	ck_assert(!media_valid_key(NULL));
	ck_assert(!media_valid_key(""));
	ck_assert(!media_valid_key("2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1"
	    "FA7425E73043362938B9824"));
	ck_assert(!media_valid_key(KEY "0"));
	ck_assert(!media_valid_key("../../../../etc/passwd"));
	ck_assert(!media_valid_key("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1"
	    "fa7425e73043362938b982/"));
}
END_TEST

START_TEST(test_local_store)
{
	struct config			 c;
	const struct media_store	*s;
	char				 dir[] = "/tmp/souk-media-XXXXXX", *cause =
					    NULL, *got, *path;
	size_t				 len;
	uint64_t			 size;
	int				 fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	config_defaults(&c);
	free(c.media_dir);
	c.media_dir = xasprintf("%s/media", dir);
	ck_assert_ptr_nonnull(s = media_local_store(&c, &cause));
	ck_assert_str_eq(s->name, "local");
	ck_assert_ptr_null(s->get(KEY, &len));
	ck_assert_int_eq(s->open(KEY, &size), -1);
	ck_assert(s->put(KEY, "hello", 5, "application/octet-stream", &cause));
	/* Storing the same key again keeps what is there. */
	ck_assert(s->put(KEY, "hello", 5, "application/octet-stream", &cause));
	got = s->get(KEY, &len);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(got, "hello", 5), 0);
	free(got);
	ck_assert_int_ge(fd = s->open(KEY, &size), 0);
	ck_assert_uint_eq(size, 5);
	close(fd);
	path = xasprintf("%s/media/2c/%s", dir, KEY);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert(s->remove(KEY, &cause));
	ck_assert_int_ne(access(path, F_OK), 0);
	/* Gone already is fine. */
	ck_assert(s->remove(KEY, &cause));
	ck_assert_ptr_null(cause);
	free(path);

	/* A file where the directory should be: refused at start. */
	path = xasprintf("%s/file", dir);
	fclose(fopen(path, "w"));
	free(c.media_dir);
	c.media_dir = path;
	ck_assert_ptr_null(media_local_store(&c, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "not a writable directory"));
	free(cause);
	unlink(path);
	path = xasprintf("%s/media/2c", dir);
	rmdir(path);
	free(path);
	path = xasprintf("%s/media", dir);
	rmdir(path);
	free(path);
	rmdir(dir);
	config_free(&c);
}
END_TEST

START_TEST(test_s3_settings)
{
	struct config	 c;
	char		*cause = NULL;

	config_defaults(&c);
	ck_assert_ptr_null(media_s3_store(&c, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "s3_endpoint"));
	free(cause);
	cause = NULL;
	free(c.s3_endpoint);
	free(c.s3_bucket);
	free(c.s3_access_key);
	free(c.s3_secret_key);
	c.s3_endpoint = xstrdup("ftp://example.com");
	c.s3_bucket = xstrdup("media");
	c.s3_access_key = xstrdup("AKID");
	c.s3_secret_key = xstrdup("secret");
	ck_assert_ptr_null(media_s3_store(&c, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "http"));
	free(cause);
	cause = NULL;
	free(c.s3_endpoint);
	c.s3_endpoint = xstrdup("http://127.0.0.1:9/");
	free(c.s3_bucket);
	c.s3_bucket = xstrdup("../other");
	ck_assert_ptr_null(media_s3_store(&c, &cause));
	free(cause);
	cause = NULL;
	free(c.s3_bucket);
	c.s3_bucket = xstrdup("souk-media");
	ck_assert_ptr_nonnull(media_s3_store(&c, &cause));
	config_free(&c);
}
END_TEST

Suite *
media_suite(void)
{
	Suite	*s = suite_create("media");
	TCase	*tc = tcase_create("media");

	tcase_add_test(tc, test_sniff);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_local_store);
	tcase_add_test(tc, test_s3_settings);
	suite_add_tcase(s, tc);
	return s;
}
