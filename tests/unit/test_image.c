/*
 * image.c and the souk-image it runs: what comes out of an upload
 * (sizes, formats, no metadata, upright), what is refused (not an image,
 * too many pixels, damaged, too slow) before it can cost much, and what
 * an upload is told when the helper crashes, hangs or is missing.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "image.h"
#include "imgfix.h"
#include "suites.h"
#include "xmalloc.h"

static struct image_limits	limits;

/*
 * Starts image processing with helper as souk-image (NULL: the one
 * `make check` built, SOUK_IMAGE).
 */
static void
start(const char *helper)
{
	struct config	 c;
	char		*cause = NULL;
	const char	*built = getenv("SOUK_IMAGE");

	config_defaults(&c);
	free(c.image_helper);
	if (helper == NULL) {
		ck_assert_msg(built != NULL, "SOUK_IMAGE is not set");
		helper = built;
	}
	c.image_helper = xstrdup(helper);
	ck_assert_msg(image_init(&c, &cause), "%s", cause);
	image_limits_from(&c, &limits);
	config_free(&c);
}

static void
setup(void)
{
	/*
	 * As soukd does (main.c): a helper that dies while it is sent an
	 * image is a failed write, not the end of the process.
	 */
	signal(SIGPIPE, SIG_IGN);
	imgfix_init();
	start(NULL);
}

/* Makes an executable shell script of body (caller frees the path). */
static char *
script(const char *body)
{
	char	*path = xstrdup("/tmp/souk-image-test-XXXXXX");
	FILE	*f;
	int	 fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fprintf(f, "#!/bin/sh\n%s\n", body);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0755), 0);
	return path;
}

/* Milliseconds since t0. */
static long
since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

static void
teardown(void)
{
	image_shutdown();
}

/* Processes data, expecting res; returns the set (caller frees). */
static struct image_set
process(const char *data, size_t len, enum image_result want)
{
	struct image_set	 set;
	enum image_result	 res;
	char			*why = NULL;

	res = image_process(data, len, &limits, &set, &why);
	ck_assert_msg(res == want, "result %d, expected %d: %s", res, want,
	    why != NULL ? why : "(no reason)");
	if (want == IMAGE_OK)
		ck_assert_ptr_null(why);
	else {
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_null(set.original.data);
		ck_assert_ptr_null(set.medium.data);
		ck_assert_ptr_null(set.thumb.data);
	}
	free(why);
	return set;
}

/* The variant decodes to w x h with bands bands, upright, no EXIF. */
static void
expect_variant(const struct image_variant *v, const char *ctype, int w,
    int h, int bands)
{
	int	dw, dh, db, orientation;

	ck_assert_ptr_nonnull(v->data);
	ck_assert_str_eq(v->ctype, ctype);
	ck_assert_int_eq(v->width, w);
	ck_assert_int_eq(v->height, h);
	imgfix_info(v->data, v->len, &dw, &dh, &db, &orientation);
	ck_assert_int_eq(dw, w);
	ck_assert_int_eq(dh, h);
	ck_assert_int_eq(db, bands);
	ck_assert_int_eq(orientation, 1);
	ck_assert_msg(!imgfix_has_exif(v->data, v->len), "%s has EXIF", ctype);
}

START_TEST(test_photo_gets_medium_and_thumbnail)
{
	size_t			 len;
	char			*jpeg = imgfix_jpeg(1600, 1200, &len);
	struct image_set	 set = process(jpeg, len, IMAGE_OK);

	ck_assert_str_eq(set.source_type, "image/jpeg");
	expect_variant(&set.original, "image/jpeg", 1600, 1200, 3);
	expect_variant(&set.medium, "image/jpeg", 800, 600, 3);
	expect_variant(&set.thumb, "image/jpeg", 200, 150, 3);
	/* Smaller each step, as a user on a phone network would hope. */
	ck_assert_uint_lt(set.thumb.len, set.medium.len);
	image_set_free(&set);
	image_set_free(&set);	/* twice is fine */
	image_set_free(NULL);
	free(jpeg);
}
END_TEST

START_TEST(test_small_image_is_never_enlarged)
{
	size_t			 len;
	char			*png = imgfix_png(120, 40, false, false, &len);
	struct image_set	 set = process(png, len, IMAGE_OK);

	expect_variant(&set.original, "image/png", 120, 40, 3);
	expect_variant(&set.medium, "image/jpeg", 120, 40, 3);
	expect_variant(&set.thumb, "image/jpeg", 120, 40, 3);
	image_set_free(&set);
	free(png);
}
END_TEST

START_TEST(test_exif_is_applied_and_stripped)
{
	size_t			 len;
	char			*jpeg = imgfix_jpeg_exif(400, 200, 6, &len);
	struct image_set	 set;
	int			 w, h, bands, orientation;

	/* The fixture is what a phone writes: turned, with a position. */
	ck_assert(imgfix_has_exif(jpeg, len));
	ck_assert_ptr_nonnull(memmem(jpeg, len, "\x02\x00\x05\x00\x03", 5));
	imgfix_info(jpeg, len, &w, &h, &bands, &orientation);
	ck_assert_int_eq(orientation, 6);
	ck_assert_int_eq(w, 400);

	set = process(jpeg, len, IMAGE_OK);
	/* Orientation 6 is a quarter turn: the picture comes out upright. */
	expect_variant(&set.original, "image/jpeg", 200, 400, 3);
	expect_variant(&set.medium, "image/jpeg", 200, 400, 3);
	expect_variant(&set.thumb, "image/jpeg", 100, 200, 3);
	image_set_free(&set);
	free(jpeg);
}
END_TEST

START_TEST(test_transparency_keeps_png)
{
	size_t			 len;
	char			*png = imgfix_png(1000, 500, true, false, &len);
	struct image_set	 set = process(png, len, IMAGE_OK);

	expect_variant(&set.original, "image/png", 1000, 500, 4);
	expect_variant(&set.medium, "image/png", 800, 400, 4);
	expect_variant(&set.thumb, "image/png", 200, 100, 4);
	image_set_free(&set);
	free(png);

	/* An alpha band that hides nothing is dropped: a JPEG will do. */
	png = imgfix_png(1000, 500, false, true, &len);
	set = process(png, len, IMAGE_OK);
	expect_variant(&set.original, "image/png", 1000, 500, 4);
	expect_variant(&set.medium, "image/jpeg", 800, 400, 3);
	expect_variant(&set.thumb, "image/jpeg", 200, 100, 3);
	image_set_free(&set);
	free(png);
}
END_TEST

START_TEST(test_sixteen_bit_png)
{
	size_t			 len;
	char			*png = imgfix_png16(1000, 400, &len);
	struct image_set	 set = process(png, len, IMAGE_OK);

	expect_variant(&set.original, "image/png", 1000, 400, 3);
	expect_variant(&set.medium, "image/jpeg", 800, 320, 3);
	expect_variant(&set.thumb, "image/jpeg", 200, 80, 3);
	image_set_free(&set);
	free(png);
}
END_TEST

START_TEST(test_webp_lossy_and_lossless)
{
	size_t			 len;
	char			*webp = imgfix_webp(900, 300, false, &len);
	struct image_set	 set = process(webp, len, IMAGE_OK);

	ck_assert_str_eq(set.source_type, "image/webp");
	expect_variant(&set.original, "image/webp", 900, 300, 3);
	ck_assert_ptr_nonnull(memmem(set.original.data, set.original.len,
	    "VP8 ", 4));
	expect_variant(&set.medium, "image/jpeg", 800, 267, 3);
	image_set_free(&set);
	free(webp);

	/* Lossless stays lossless: line art must not blur. */
	webp = imgfix_webp(300, 300, true, &len);
	set = process(webp, len, IMAGE_OK);
	ck_assert_ptr_nonnull(memmem(set.original.data, set.original.len,
	    "VP8L", 4));
	image_set_free(&set);
	free(webp);
}
END_TEST

START_TEST(test_cmyk_becomes_srgb)
{
	size_t			 len;
	char			*jpeg = imgfix_jpeg_cmyk(300, 200, &len);
	struct image_set	 set;
	int			 w, h, bands, orientation;

	imgfix_info(jpeg, len, &w, &h, &bands, &orientation);
	ck_assert_int_eq(bands, 4);
	set = process(jpeg, len, IMAGE_OK);
	expect_variant(&set.original, "image/jpeg", 300, 200, 3);
	expect_variant(&set.thumb, "image/jpeg", 200, 133, 3);
	image_set_free(&set);
	free(jpeg);
}
END_TEST

START_TEST(test_not_an_image)
{
	static const char	text[] = "hello, this is a text file.jpg\n";
	static const char	pdf[] = "%PDF-1.4\n%%EOF\n";
	static const char	gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
	struct image_set	set;

	set = process(text, sizeof text - 1, IMAGE_NOT_IMAGE);
	set = process(pdf, sizeof pdf - 1, IMAGE_NOT_IMAGE);
	set = process(gif, sizeof gif - 1, IMAGE_NOT_IMAGE);
	set = process("", 0, IMAGE_NOT_IMAGE);
	set = process(NULL, 0, IMAGE_NOT_IMAGE);
	ck_assert_ptr_null(set.source_type);
	(void)set;
}
END_TEST

START_TEST(test_damaged_images)
{
	size_t			 len;
	char			*jpeg = imgfix_jpeg(640, 480, &len), *png;
	struct image_set	 set;

	/* The right first bytes, then nothing sensible. */
	set = process("\xff\xd8\xff\xe0 not really", 15, IMAGE_UNDECODABLE);
	set = process("\x89PNG\r\n\x1a\nIHDR garbage", 20, IMAGE_UNDECODABLE);
	set = process("RIFF\x10\0\0\0WEBPVP8 junk", 20, IMAGE_UNDECODABLE);
	/* Cut in half: refused, not half grey. */
	set = process(jpeg, len / 2, IMAGE_UNDECODABLE);
	free(jpeg);
	png = imgfix_png(640, 480, false, false, &len);
	set = process(png, len - 20, IMAGE_UNDECODABLE);
	free(png);
	(void)set;
}
END_TEST

START_TEST(test_decompression_bomb_costs_nothing)
{
	size_t			 len;
	char			*bomb = imgfix_png_bomb(100000, 100000, &len);
	char			*why = NULL;
	struct rusage		 before, after, helper;
	struct timespec		 t0;
	struct image_set	 set;

	ck_assert_uint_lt(len, 100);
	getrusage(RUSAGE_SELF, &before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(image_process(bomb, len, &limits, &set, &why),
	    IMAGE_TOO_LARGE);
	/* The uploader is told what the header claimed. */
	ck_assert_ptr_nonnull(strstr(why, "100000 x 100000 pixels"));
	ck_assert_str_eq(set.source_type, "image/png");
	ck_assert_int_lt(since(&t0), 1000);
	getrusage(RUSAGE_SELF, &after);
	getrusage(RUSAGE_CHILDREN, &helper);
	/*
	 * 30 GB of pixels were never allocated, nor waited for: not here,
	 * and not in souk-image (whose own size, sanitizers and all, is
	 * well under this).
	 */
	ck_assert_int_lt(after.ru_maxrss - before.ru_maxrss, 20 * 1024);
	ck_assert_int_lt(helper.ru_maxrss, 400 * 1024);
	free(why);
	free(bomb);
	(void)set;
}
END_TEST

START_TEST(test_dimension_limits)
{
	size_t			 len;
	char			*wide = imgfix_png(3000, 4, false, false, &len);
	struct image_limits	 saved = limits;
	struct image_set	 set;

	/* A side over the cap, however few the pixels. */
	limits.max_side = 2000;
	set = process(wide, len, IMAGE_TOO_LARGE);
	free(wide);
	limits = saved;
	/* Pixels over the cap, sides fine. */
	wide = imgfix_jpeg(1200, 1000, &len);
	limits.max_pixels = 1000000;
	set = process(wide, len, IMAGE_TOO_LARGE);
	limits.max_pixels = 1200000;
	set = process(wide, len, IMAGE_OK);
	image_set_free(&set);
	limits = saved;
	free(wide);
}
END_TEST

START_TEST(test_time_budget)
{
	size_t			 len;
	char			*jpeg = imgfix_jpeg(3000, 3000, &len), *why = NULL;
	struct image_limits	 quick = limits;
	struct image_set	 set;

	quick.timeout_ms = 1;
	ck_assert_int_eq(image_process(jpeg, len, &quick, &set, &why),
	    IMAGE_UNDECODABLE);
	ck_assert_ptr_nonnull(strstr(why, "longer than 1 ms"));
	ck_assert_ptr_null(set.original.data);
	free(why);
	free(jpeg);
}
END_TEST

START_TEST(test_helper_crash_is_undecodable)
{
	size_t			 len;
	char			*jpeg = imgfix_jpeg(64, 64, &len);
	char			*crash = script("kill -SEGV $$");
	struct image_set	 set;

	image_shutdown();
	start(crash);
	/* What a decoder crashing on the bytes looks like to soukd. */
	set = process(jpeg, len, IMAGE_UNDECODABLE);
	ck_assert_str_eq(set.source_type, "image/jpeg");
	/* Not an image is still told without starting anything. */
	set = process("plain text", 10, IMAGE_NOT_IMAGE);
	unlink(crash);
	free(crash);
	free(jpeg);
}
END_TEST

START_TEST(test_helper_missing_is_busy)
{
	size_t			 len;
	char			*jpeg = imgfix_jpeg(64, 64, &len), *why = NULL;
	struct image_set	 set;

	image_shutdown();
	start("/nonexistent/souk-image");
	ck_assert_int_eq(image_process(jpeg, len, &limits, &set, &why),
	    IMAGE_BUSY);
	ck_assert_str_eq(why, "images cannot be processed now");
	free(why);
	/* The slot was given back: the next upload is told the same. */
	set = process(jpeg, len, IMAGE_BUSY);
	free(jpeg);
	(void)set;
}
END_TEST

START_TEST(test_helper_failing_is_busy)
{
	size_t			 len;
	char			*jpeg = imgfix_jpeg(64, 64, &len);
	char			*garbage = script("cat >/dev/null; "
				    "printf 'not the answer'");
	char			*fails = script("cat >/dev/null; exit 1");
	struct image_set	 set;

	image_shutdown();
	start(garbage);
	set = process(jpeg, len, IMAGE_BUSY);
	image_shutdown();
	start(fails);
	set = process(jpeg, len, IMAGE_BUSY);
	unlink(garbage);
	unlink(fails);
	free(garbage);
	free(fails);
	free(jpeg);
	(void)set;
}
END_TEST

START_TEST(test_helper_hanging_is_killed)
{
	size_t			 len;
	char			*jpeg = imgfix_jpeg(64, 64, &len), *why = NULL;
	char			*hang = script("exec sleep 30");
	struct image_set	 set;
	struct timespec		 t0;
	struct image_limits	 quick;

	image_shutdown();
	start(hang);
	quick = limits;
	quick.timeout_ms = 300;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(image_process(jpeg, len, &quick, &set, &why),
	    IMAGE_UNDECODABLE);
	ck_assert_ptr_nonnull(strstr(why, "longer than 300 ms"));
	/* Killed on time and reaped: no zombie, no half-minute wait. */
	ck_assert_int_lt(since(&t0), 2000);
	ck_assert_int_ge(since(&t0), 300);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	free(why);
	unlink(hang);
	free(hang);
	free(jpeg);
}
END_TEST

Suite *
image_suite(void)
{
	Suite	*s = suite_create("image");
	TCase	*tc = tcase_create("image");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_photo_gets_medium_and_thumbnail);
	tcase_add_test(tc, test_small_image_is_never_enlarged);
	tcase_add_test(tc, test_exif_is_applied_and_stripped);
	tcase_add_test(tc, test_transparency_keeps_png);
	tcase_add_test(tc, test_sixteen_bit_png);
	tcase_add_test(tc, test_webp_lossy_and_lossless);
	tcase_add_test(tc, test_cmyk_becomes_srgb);
	tcase_add_test(tc, test_not_an_image);
	tcase_add_test(tc, test_damaged_images);
	tcase_add_test(tc, test_decompression_bomb_costs_nothing);
	tcase_add_test(tc, test_dimension_limits);
	tcase_add_test(tc, test_time_budget);
	tcase_add_test(tc, test_helper_crash_is_undecodable);
	tcase_add_test(tc, test_helper_missing_is_busy);
	tcase_add_test(tc, test_helper_failing_is_busy);
	tcase_add_test(tc, test_helper_hanging_is_killed);
	suite_add_tcase(s, tc);
	return s;
}
