#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <vips/vips.h>

#include "imgfix.h"
#include "xmalloc.h"

void
imgfix_init(void)
{
	if (VIPS_INIT("souk-tests") != 0)
		ck_abort_msg("vips: %s", vips_error_buffer());
}

/* Hands libvips' buffer over as malloc'd bytes. */
static char *
imgfix_take(void *buf, size_t len, size_t *out)
{
	char	*copy = xmalloc(len);

	memcpy(copy, buf, len);
	g_free(buf);
	*out = len;
	return copy;
}

/* A w x h sRGB gradient, bands 3 (or 4 with alpha). */
static VipsImage *
imgfix_picture(int w, int h, int bands)
{
	VipsImage	*xy, *scaled, *rgb, *out, *u8, *tagged;
	double		 a[2] = { 255.0 / w, 255.0 / h }, b[2] = { 0, 0 };
	double		 blue = 128;

	if (vips_xyz(&xy, w, h, NULL) != 0 ||
	    vips_linear(xy, &scaled, a, b, 2, NULL) != 0 ||
	    vips_bandjoin_const(scaled, &rgb, &blue, 1, NULL) != 0)
		ck_abort_msg("vips: %s", vips_error_buffer());
	if (bands == 4) {
		VipsImage	*alpha, *with;
		double		 s = 255.0 * 2 / w, o = -255.0;

		/* Alpha: 0 on the left half, rising to opaque on the right. */
		if (vips_extract_band(xy, &alpha, 0, NULL) != 0 ||
		    vips_linear(alpha, &with, &s, &o, 1, NULL) != 0)
			ck_abort_msg("vips: %s", vips_error_buffer());
		g_object_unref(alpha);
		if (vips_bandjoin2(rgb, with, &out, NULL) != 0)
			ck_abort_msg("vips: %s", vips_error_buffer());
		g_object_unref(with);
	} else {
		out = rgb;
		g_object_ref(out);
	}
	if (vips_cast_uchar(out, &u8, NULL) != 0 ||
	    vips_copy(u8, &tagged, "interpretation", VIPS_INTERPRETATION_sRGB,
	    NULL) != 0)
		ck_abort_msg("vips: %s", vips_error_buffer());
	g_object_unref(u8);
	g_object_unref(out);
	g_object_unref(rgb);
	g_object_unref(scaled);
	g_object_unref(xy);
	return tagged;
}

char *
imgfix_jpeg(int w, int h, size_t *len)
{
	VipsImage	*im = imgfix_picture(w, h, 3);
	void		*buf;
	size_t		 n;

	if (vips_jpegsave_buffer(im, &buf, &n, "Q", 85, NULL) != 0)
		ck_abort_msg("vips: %s", vips_error_buffer());
	g_object_unref(im);
	return imgfix_take(buf, n, len);
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* An IFD entry: tag, type, count, value (or offset). */
static void
ifd_entry(unsigned char *p, unsigned tag, unsigned type, uint32_t count,
    uint32_t value)
{
	put16(p, tag);
	put16(p + 2, type);
	put32(p + 4, count);
	put32(p + 8, value);
}

char *
imgfix_jpeg_exif(int w, int h, int orientation, size_t *len)
{
	unsigned char	 tiff[92], seg[4 + 6 + sizeof tiff];
	char		*plain, *out;
	size_t		 n;

	/* Little-endian TIFF: IFD0 at 8, the GPS IFD at 38, data at 68. */
	memset(tiff, 0, sizeof tiff);
	memcpy(tiff, "II", 2);
	put16(tiff + 2, 42);
	put32(tiff + 4, 8);
	put16(tiff + 8, 2);
	ifd_entry(tiff + 10, 0x0112, 3, 1, (uint32_t)orientation);
	ifd_entry(tiff + 22, 0x8825, 4, 1, 38);
	put32(tiff + 34, 0);
	put16(tiff + 38, 2);
	ifd_entry(tiff + 40, 0x0001, 2, 2, 'N');	/* GPSLatitudeRef */
	ifd_entry(tiff + 52, 0x0002, 5, 3, 68);	/* GPSLatitude */
	put32(tiff + 64, 0);
	put32(tiff + 68, 12);		/* 12/1 degrees */
	put32(tiff + 72, 1);
	put32(tiff + 76, 58);		/* 58/1 minutes */
	put32(tiff + 80, 1);
	put32(tiff + 84, 1234);		/* 12.34 seconds */
	put32(tiff + 88, 100);

	seg[0] = 0xff;
	seg[1] = 0xe1;
	seg[2] = (unsigned char)((sizeof seg - 2) >> 8);
	seg[3] = (unsigned char)((sizeof seg - 2) & 0xff);
	memcpy(seg + 4, "Exif\0\0", 6);
	memcpy(seg + 10, tiff, sizeof tiff);

	plain = imgfix_jpeg(w, h, &n);
	out = xmalloc(n + sizeof seg);
	/* Right after SOI, as cameras put it. */
	memcpy(out, plain, 2);
	memcpy(out + 2, seg, sizeof seg);
	memcpy(out + 2 + sizeof seg, plain + 2, n - 2);
	free(plain);
	*len = n + sizeof seg;
	return out;
}

char *
imgfix_jpeg_cmyk(int w, int h, size_t *len)
{
	VipsImage	*rgb = imgfix_picture(w, h, 3), *k, *cmyk, *tagged;
	double		 zero = 40;
	void		*buf;
	size_t		 n;

	if (vips_bandjoin_const(rgb, &k, &zero, 1, NULL) != 0 ||
	    vips_cast_uchar(k, &cmyk, NULL) != 0 ||
	    vips_copy(cmyk, &tagged, "interpretation",
	    VIPS_INTERPRETATION_CMYK, NULL) != 0 ||
	    vips_jpegsave_buffer(tagged, &buf, &n, "Q", 85, NULL) != 0)
		ck_abort_msg("vips: %s", vips_error_buffer());
	g_object_unref(tagged);
	g_object_unref(cmyk);
	g_object_unref(k);
	g_object_unref(rgb);
	return imgfix_take(buf, n, len);
}

char *
imgfix_png(int w, int h, bool alpha, bool opaque_alpha, size_t *len)
{
	VipsImage	*im = imgfix_picture(w, h, alpha ? 4 : 3), *full;
	double		 a = 255;
	void		*buf;
	size_t		 n;

	if (opaque_alpha) {
		if (vips_bandjoin_const(im, &full, &a, 1, NULL) != 0)
			ck_abort_msg("vips: %s", vips_error_buffer());
		g_object_unref(im);
		im = full;
	}
	if (vips_pngsave_buffer(im, &buf, &n, NULL) != 0)
		ck_abort_msg("vips: %s", vips_error_buffer());
	g_object_unref(im);
	return imgfix_take(buf, n, len);
}

char *
imgfix_png16(int w, int h, size_t *len)
{
	VipsImage	*im = imgfix_picture(w, h, 3), *wide, *deep, *tagged;
	double		 a = 257, b = 0;
	void		*buf;
	size_t		 n;

	if (vips_linear(im, &wide, &a, &b, 1, NULL) != 0 ||
	    vips_cast_ushort(wide, &deep, NULL) != 0 ||
	    vips_copy(deep, &tagged, "interpretation",
	    VIPS_INTERPRETATION_RGB16, NULL) != 0 ||
	    vips_pngsave_buffer(tagged, &buf, &n, NULL) != 0)
		ck_abort_msg("vips: %s", vips_error_buffer());
	g_object_unref(tagged);
	g_object_unref(deep);
	g_object_unref(wide);
	g_object_unref(im);
	return imgfix_take(buf, n, len);
}

char *
imgfix_webp(int w, int h, bool lossless, size_t *len)
{
	VipsImage	*im = imgfix_picture(w, h, 3);
	void		*buf;
	size_t		 n;

	if (vips_webpsave_buffer(im, &buf, &n, "lossless", lossless, NULL) != 0)
		ck_abort_msg("vips: %s", vips_error_buffer());
	g_object_unref(im);
	return imgfix_take(buf, n, len);
}

static uint32_t
crc32_png(const unsigned char *p, size_t n)
{
	uint32_t	c = 0xffffffffu;
	size_t		i;
	int		k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void
be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Appends a chunk (type and data) with its length and CRC. */
static size_t
png_chunk(unsigned char *out, const char *type, const unsigned char *data,
    size_t n)
{
	be32(out, (uint32_t)n);
	memcpy(out + 4, type, 4);
	if (n > 0)
		memcpy(out + 8, data, n);
	be32(out + 8 + n, crc32_png(out + 4, n + 4));
	return 12 + n;
}

char *
imgfix_png_bomb(unsigned w, unsigned h, size_t *len)
{
	/* A zlib stream of a few zero bytes: the start of the first row. */
	static const unsigned char idat[] = { 0x78, 0x9c, 0x63, 0x60, 0x00,
	    0x00, 0x00, 0x02, 0x00, 0x01 };
	unsigned char	 ihdr[13], *out = xmalloc(256);
	size_t		 n = 0;

	memcpy(out, "\x89PNG\r\n\x1a\n", 8);
	n = 8;
	be32(ihdr, w);
	be32(ihdr + 4, h);
	ihdr[8] = 8;		/* bit depth */
	ihdr[9] = 2;		/* RGB */
	ihdr[10] = ihdr[11] = ihdr[12] = 0;
	n += png_chunk(out + n, "IHDR", ihdr, sizeof ihdr);
	n += png_chunk(out + n, "IDAT", idat, sizeof idat);
	n += png_chunk(out + n, "IEND", NULL, 0);
	*len = n;
	return (char *)out;
}

bool
imgfix_has_exif(const char *data, size_t len)
{
	return memmem(data, len, "Exif\0\0", 6) != NULL ||
	    memmem(data, len, "eXIf", 4) != NULL ||
	    memmem(data, len, "EXIF", 4) != NULL;
}

void
imgfix_info(const char *data, size_t len, int *w, int *h, int *bands,
    int *orientation)
{
	VipsImage	*im;

	if ((im = vips_image_new_from_buffer(data, len, "", NULL)) == NULL)
		ck_abort_msg("vips cannot read the output: %s",
		    vips_error_buffer());
	*w = vips_image_get_width(im);
	*h = vips_image_get_height(im);
	*bands = vips_image_get_bands(im);
	*orientation = vips_image_get_orientation(im);
	g_object_unref(im);
}
