/*
 * image.c through libvips: what comes out of an upload (sizes, formats,
 * no metadata, upright) and what is refused (not an image, too many
 * pixels, damaged, too slow) before it can cost much.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "config.h"
#include "image.h"
#include "imgfix.h"
#include "suites.h"

static struct image_limits	limits;

static void
setup(void)
{
	struct config	 c;
	char		*cause = NULL;

	config_defaults(&c);
	imgfix_init();
	ck_assert_msg(image_init(&c, &cause), "%s", cause);
	image_limits_from(&c, &limits);
	config_free(&c);
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
	const char		*ctype;
	int			 w, h;

	set = process(text, sizeof text - 1, IMAGE_NOT_IMAGE);
	set = process(pdf, sizeof pdf - 1, IMAGE_NOT_IMAGE);
	set = process(gif, sizeof gif - 1, IMAGE_NOT_IMAGE);
	set = process("", 0, IMAGE_NOT_IMAGE);
	set = process(NULL, 0, IMAGE_NOT_IMAGE);
	ck_assert_int_eq(image_probe(text, sizeof text - 1, &ctype, &w, &h),
	    IMAGE_NOT_IMAGE);
	ck_assert_int_eq(image_probe(NULL, 0, &ctype, &w, &h),
	    IMAGE_NOT_IMAGE);
	(void)set;
}
END_TEST

START_TEST(test_damaged_images)
{
	size_t			 len;
	char			*jpeg = imgfix_jpeg(640, 480, &len), *png;
	struct image_set	 set;
	const char		*ctype;
	int			 w, h;

	/* The right first bytes, then nothing sensible. */
	set = process("\xff\xd8\xff\xe0 not really", 15, IMAGE_UNDECODABLE);
	set = process("\x89PNG\r\n\x1a\nIHDR garbage", 20, IMAGE_UNDECODABLE);
	set = process("RIFF\x10\0\0\0WEBPVP8 junk", 20, IMAGE_UNDECODABLE);
	ck_assert_int_eq(image_probe("\x89PNG\r\n\x1a\nxx", 10, &ctype, &w,
	    &h), IMAGE_UNDECODABLE);
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
	const char		*ctype;
	struct rusage		 before, after;
	struct timespec		 t0, t1;
	struct image_set	 set;
	int			 w, h;

	ck_assert_uint_lt(len, 100);
	/* The header is all there is to read. */
	ck_assert_int_eq(image_probe(bomb, len, &ctype, &w, &h), IMAGE_OK);
	ck_assert_str_eq(ctype, "image/png");
	ck_assert_int_eq(w, 100000);
	ck_assert_int_eq(h, 100000);
	getrusage(RUSAGE_SELF, &before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	set = process(bomb, len, IMAGE_TOO_LARGE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &after);
	/* 30 GB of pixels were never allocated, nor waited for. */
	ck_assert_int_lt(after.ru_maxrss - before.ru_maxrss, 20 * 1024);
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000, 1000);
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
	suite_add_tcase(s, tc);
	return s;
}
