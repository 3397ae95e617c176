/*
 * souk-image: decodes one uploaded image and writes the variants souk
 * keeps, for soukd, which starts one for each upload (image.c).  It
 * reads the image on standard input, the type soukd sniffed and the
 * limits from its arguments, and answers on standard output in the
 * format of imagewire.h.  libvips, its decoders and the hundred-odd
 * libraries they pull in live here, not in soukd: a hostile file that
 * crashes a decoder or exhausts memory ends this process only, and
 * soukd's resident memory holds none of their pages.
 *
 *	souk-image TYPE MAX_PIXELS MAX_SIDE TIMEOUT_MS
 *
 * Exits 0 having answered (whatever the image was), 1 when it could not
 * (libvips did not start, standard input or output failed), 2 on a
 * usage error.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vips/vips.h>

#include "image.h"
#include "imagewire.h"
#include "log.h"
#include "xmalloc.h"

/*
 * What the variants are written as.  A photo (no transparency) becomes
 * a progressive JPEG at quality 82: every browser, mail client and
 * phone shows it, and at that quality a resized photo looks like the
 * original at a fraction of the bytes.  An image that uses transparency
 * (a logo, a product cut out) stays PNG, the one format with alpha that
 * everything shows.  The original keeps the format it came in, at a
 * quality (90) high enough that re-encoding it once loses nothing one
 * would see; a lossless WebP stays lossless, a PNG always is.
 */
#define IMAGE_VARIANT_Q		82
#define IMAGE_ORIGINAL_Q	90

/* More input than soukd ever sends (image_max is at most 64 MiB). */
#define IMAGE_INPUT_MAX		(256 * 1024 * 1024)

/*
 * libvips warns through GLib (to stderr, in its own format) about each
 * damaged file it meets; those are the uploader's problem, already
 * answered, so they go to the debug log in soukd's format.
 */
static void
image_glib_log(const char *domain, GLogLevelFlags level, const char *msg,
    void *arg)
{
	(void)arg;
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		log_warn("%s: %s", domain != NULL ? domain : "glib", msg);
	else
		log_debug("%s: %s", domain != NULL ? domain : "glib", msg);
}


/* libvips' last errors on one line (caller frees), for the log. */
static char *
image_error(void)
{
	char	*g = vips_error_buffer_copy(), *s, *p;
	size_t	 n;

	s = xstrdup(g != NULL ? g : "");
	g_free(g);
	n = strlen(s);
	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	for (p = s; *p != '\0'; p++)
		if (*p == '\n')
			*p = ';';
	return s;
}


/* --- the time budget ---------------------------------------------------- */

struct deadline {
	struct timespec	 until;
	bool		 expired;
};

static void
deadline_start(struct deadline *d, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, &d->until);
	d->until.tv_sec += ms / 1000;
	d->until.tv_nsec += (ms % 1000) * 1000000;
	if (d->until.tv_nsec >= 1000000000) {
		d->until.tv_sec++;
		d->until.tv_nsec -= 1000000000;
	}
	d->expired = false;
}

static bool
deadline_passed(struct deadline *d)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > d->until.tv_sec || (now.tv_sec == d->until.tv_sec &&
	    now.tv_nsec >= d->until.tv_nsec))
		d->expired = true;
	return d->expired;
}

/*
 * libvips reports progress on an image being computed, and on every
 * image computed from it; killing the image stops the computation at
 * its next tile.  This is what keeps a hostile file (a progressive JPEG
 * of a thousand scans, say) from holding a thread for long.
 */
static void
image_eval_cb(VipsImage *im, VipsProgress *progress, void *arg)
{
	(void)progress;
	if (deadline_passed(arg))
		vips_image_set_kill(im, TRUE);
}

static void
image_watch(VipsImage *im, struct deadline *d)
{
	vips_image_set_progress(im, TRUE);
	g_signal_connect(im, "eval", G_CALLBACK(image_eval_cb), d);
}

/*
 * Drops an image, and first its tie to the deadline on this stack, in
 * case anything in libvips still holds the image.
 */
static void
image_drop(VipsImage **im, struct deadline *d)
{
	if (*im == NULL)
		return;
	g_signal_handlers_disconnect_by_data(*im, d);
	g_object_unref(*im);
	*im = NULL;
}


/* --- reading ------------------------------------------------------------ */

/*
 * Opens the header only: libvips decodes pixels when they are first
 * asked for.  fail_on=error makes a truncated or corrupt file an error
 * instead of an image with a grey bottom half.
 */
static VipsImage *
image_open(const void *data, size_t len, const char *ctype)
{
	VipsImage	*im = NULL;
	void		*buf = (void *)(uintptr_t)data;
	int		 rc;

	if (strcmp(ctype, "image/jpeg") == 0)
		rc = vips_jpegload_buffer(buf, len, &im, "access",
		    VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
	else if (strcmp(ctype, "image/png") == 0)
		rc = vips_pngload_buffer(buf, len, &im, "access",
		    VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
	else
		rc = vips_webpload_buffer(buf, len, &im, "access",
		    VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
	return rc == 0 ? im : NULL;
}


/*
 * True for a lossless WebP: its first chunk is VP8L, or, in the
 * extended format, a VP8L chunk follows the VP8X one.
 */
static bool
image_webp_lossless(const unsigned char *b, size_t len)
{
	size_t		off = 12, size;
	int		chunks;

	for (chunks = 0; chunks < 8 && off + 8 <= len; chunks++) {
		if (memcmp(b + off, "VP8L", 4) == 0)
			return true;
		if (memcmp(b + off, "VP8 ", 4) == 0)
			return false;
		size = (size_t)b[off + 4] | (size_t)b[off + 5] << 8 |
		    (size_t)b[off + 6] << 16 | (size_t)b[off + 7] << 24;
		if (size > len)
			return false;
		off += 8 + size + (size & 1);
	}
	return false;
}


/* --- writing ------------------------------------------------------------ */

/*
 * Makes im sRGB (or grey) in 8 bits, as browsers expect: an embedded
 * ICC profile (a phone's Display P3, a printer's CMYK) is applied rather
 * than dropped, since the profile goes with the rest of the metadata and
 * the colours would shift without it.  Returns a new reference.
 */
static VipsImage *
image_to_srgb(VipsImage *im)
{
	VipsImage	*out = NULL;

	if (vips_image_get_typeof(im, VIPS_META_ICC_NAME) != 0) {
		if (vips_icc_transform(im, &out, "srgb", "embedded", TRUE,
		    "intent", VIPS_INTENT_PERCEPTUAL, NULL) == 0)
			return out;
		/* A broken profile: convert as if there were none. */
		vips_error_clear();
	}
	if (vips_image_get_interpretation(im) == VIPS_INTERPRETATION_CMYK) {
		if (vips_icc_transform(im, &out, "srgb", "input_profile",
		    "cmyk", NULL) == 0)
			return out;
		vips_error_clear();
		if (vips_colourspace(im, &out, VIPS_INTERPRETATION_sRGB,
		    NULL) == 0)
			return out;
		return NULL;
	}
	g_object_ref(im);
	return im;
}

/* True if im has an alpha band that some pixel actually uses. */
static bool
image_uses_alpha(VipsImage *im)
{
	VipsImage	*alpha = NULL;
	double		 min = 0;
	bool		 uses = true;

	if (!vips_image_hasalpha(im))
		return false;
	if (vips_extract_band(im, &alpha, vips_image_get_bands(im) - 1,
	    NULL) == 0 && vips_min(alpha, &min, NULL) == 0)
		uses = min < (vips_image_get_format(im) ==
		    VIPS_FORMAT_USHORT ? 65535.0 : 255.0);
	if (alpha != NULL)
		g_object_unref(alpha);
	vips_error_clear();
	return uses;
}

/*
 * Drops the metadata chunks (EXIF, XMP, ICC) of a WebP file in place.
 * libvips 8.14 writes an EXIF chunk into WebP even when told to strip
 * (it rebuilds one from the image's fields), so the bytes are cleaned
 * here rather than trusted.  Files not in the extended format carry no
 * metadata and are left alone.
 */
static void
image_webp_strip(char *data, size_t *len)
{
	unsigned char	*b = (unsigned char *)data;
	size_t		 in = 30, out = 30, n = *len, size, step;

	if (n < 30 || memcmp(b, "RIFF", 4) != 0 ||
	    memcmp(b + 8, "WEBPVP8X", 8) != 0)
		return;
	b[20] &= (unsigned char)~(0x20 | 0x08 | 0x04);	/* ICC, EXIF, XMP */
	while (in + 8 <= n) {
		size = (size_t)b[in + 4] | (size_t)b[in + 5] << 8 |
		    (size_t)b[in + 6] << 16 | (size_t)b[in + 7] << 24;
		step = 8 + size + (size & 1);
		if (step > n - in)
			step = n - in;
		if (memcmp(b + in, "EXIF", 4) != 0 &&
		    memcmp(b + in, "XMP ", 4) != 0 &&
		    memcmp(b + in, "ICCP", 4) != 0) {
			memmove(b + out, b + in, step);
			out += step;
		}
		in += step;
	}
	size = out - 8;
	b[4] = (unsigned char)(size & 0xff);
	b[5] = (unsigned char)(size >> 8);
	b[6] = (unsigned char)(size >> 16);
	b[7] = (unsigned char)(size >> 24);
	*len = out;
}

/* Writes im as ctype, without metadata, into v; false on failure. */
static bool
image_save(VipsImage *im, const char *ctype, int q, bool lossless,
    struct image_variant *v)
{
	void	*buf = NULL;
	size_t	 len = 0;
	int	 rc;

	if (strcmp(ctype, "image/jpeg") == 0)
		rc = vips_jpegsave_buffer(im, &buf, &len, "Q", q, "strip", TRUE,
		    "interlace", TRUE, "optimize_coding", TRUE, NULL);
	else if (strcmp(ctype, "image/png") == 0)
		rc = vips_pngsave_buffer(im, &buf, &len, "strip", TRUE,
		    "compression", 6, NULL);
	else
		rc = vips_webpsave_buffer(im, &buf, &len, "Q", q, "strip", TRUE,
		    "lossless", lossless, NULL);
	if (rc != 0)
		return false;
	/* libvips allocates with GLib; callers free with free(). */
	v->data = xmalloc(len);
	memcpy(v->data, buf, len);
	g_free(buf);
	if (strcmp(ctype, "image/webp") == 0)
		image_webp_strip(v->data, &len);
	v->len = len;
	v->ctype = ctype;
	v->width = vips_image_get_width(im);
	v->height = vips_image_get_height(im);
	return true;
}

/* A copy of im resized to fit a box x box square, never enlarged. */
static VipsImage *
image_fit(VipsImage *im, int box)
{
	VipsImage	*out = NULL;

	if (vips_thumbnail_image(im, &out, box, "height", box, "size",
	    VIPS_SIZE_DOWN, "no_rotate", TRUE, NULL) != 0)
		return NULL;
	return out;
}

/*
 * Starts libvips for this one image: one thread (soukd runs as many
 * helpers as it has decoding slots), no operation cache, and only the
 * three loaders souk accepts.  libvips can load dozens of formats (SVG,
 * PDF, TIFF, FITS, ImageMagick's all...); each is attack surface an
 * upload must not reach, whatever its bytes look like.
 */
static bool
image_vips_start(void)
{
	char	*err;

	if (VIPS_INIT("souk-image") != 0) {
		err = vips_error_buffer_copy();
		log_error("libvips failed to start: %s", err);
		g_free(err);
		return false;
	}
	g_log_set_handler("VIPS", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
	    G_LOG_FLAG_RECURSION, image_glib_log, NULL);
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_cache_set_max_mem(0);
	vips_cache_set_max_files(0);
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoad", TRUE);
	vips_operation_block_set("VipsForeignLoadJpeg", FALSE);
	vips_operation_block_set("VipsForeignLoadPng", FALSE);
	vips_operation_block_set("VipsForeignLoadWebp", FALSE);
	return true;
}

struct answer {
	enum image_result	 res;
	enum log_level		 level;		/* of detail, when not OK */
	char			*why;		/* for the uploader */
	char			*detail;	/* for the log */
	struct image_variant	 v[3];		/* original, medium, thumb */
};

/* Decodes data (of type ctype) within lim into a. */
static void
image_make(const void *data, size_t len, const char *ctype,
    const struct image_limits *lim, struct answer *a)
{
	VipsImage		*in = NULL, *mem = NULL, *up = NULL, *srgb = NULL,
				*full = NULL, *fit = NULL, *med = NULL,
				*flat = NULL, *th = NULL;
	struct deadline		 d;
	const char		*vtype;
	int			 w, h;
	bool			 lossless = false;

	a->res = IMAGE_UNDECODABLE;
	a->level = LOG_INFO;
	deadline_start(&d, lim->timeout_ms);
	if ((in = image_open(data, len, ctype)) == NULL) {
		a->why = xasprintf("the image cannot be read (it is damaged "
		    "or not what its first bytes say)");
		a->detail = image_error();
		goto out;
	}
	w = vips_image_get_width(in);
	h = vips_image_get_height(in);
	if (w > lim->max_side || h > lim->max_side) {
		a->why = xasprintf("the image is %d x %d pixels; a side may be "
		    "at most %lld", w, h, (long long)lim->max_side);
		a->res = IMAGE_TOO_LARGE;
		goto out;
	}
	if ((int64_t)w * h > lim->max_pixels) {
		a->why = xasprintf("the image is %d x %d pixels; at most %lld "
		    "pixels are accepted", w, h, (long long)lim->max_pixels);
		a->res = IMAGE_TOO_LARGE;
		goto out;
	}
	if (strcmp(ctype, "image/webp") == 0)
		lossless = image_webp_lossless(data, len);

	/* Decoded once, top to bottom, into memory. */
	image_watch(in, &d);
	if ((mem = vips_image_copy_memory(in)) == NULL)
		goto failed;
	image_watch(mem, &d);
	if (vips_autorot(mem, &up, NULL) != 0 ||
	    (srgb = image_to_srgb(up)) == NULL)
		goto failed;
	if (srgb == mem)
		full = g_object_ref(mem);
	else if ((full = vips_image_copy_memory(srgb)) == NULL)
		goto failed;
	VIPS_UNREF(srgb);
	VIPS_UNREF(up);
	image_drop(&mem, &d);
	image_watch(full, &d);
	if (!image_save(full, ctype, IMAGE_ORIGINAL_Q, lossless, &a->v[0]))
		goto failed;

	if ((fit = image_fit(full, IMAGE_MEDIUM_BOX)) == NULL ||
	    (med = vips_image_copy_memory(fit)) == NULL)
		goto failed;
	vtype = "image/jpeg";
	if (image_uses_alpha(med))
		vtype = "image/png";
	else if (vips_image_hasalpha(med)) {
		/* An alpha band every pixel leaves opaque: drop it. */
		if (vips_flatten(med, &flat, NULL) != 0)
			goto failed;
		VIPS_UNREF(med);
		med = flat;
		flat = NULL;
	}
	if (!image_save(med, vtype, IMAGE_VARIANT_Q, false, &a->v[1]))
		goto failed;
	if ((th = image_fit(med, IMAGE_THUMB_BOX)) == NULL ||
	    !image_save(th, vtype, IMAGE_VARIANT_Q, false, &a->v[2]))
		goto failed;
	a->res = IMAGE_OK;
	goto out;

failed:
	a->detail = image_error();
	if (d.expired || deadline_passed(&d)) {
		a->why = xasprintf("the image took longer than %lld ms to "
		    "process", (long long)lim->timeout_ms);
		a->level = LOG_WARN;
	} else
		a->why = xasprintf("the image cannot be decoded (it is "
		    "damaged, truncated or not what its first bytes say)");
out:
	vips_error_clear();
	VIPS_UNREF(th);
	VIPS_UNREF(flat);
	VIPS_UNREF(med);
	VIPS_UNREF(fit);
	VIPS_UNREF(srgb);
	VIPS_UNREF(up);
	image_drop(&full, &d);
	image_drop(&mem, &d);
	image_drop(&in, &d);
}

/* --- input and output --------------------------------------------------- */

/* All of standard input (caller frees), or NULL (logged). */
static char *
image_read_all(size_t *len)
{
	size_t	 cap = 64 * 1024, n = 0;
	char	*buf = xmalloc(cap);
	ssize_t	 r;

	for (;;) {
		if (n == cap) {
			if (cap >= IMAGE_INPUT_MAX) {
				log_error("souk-image: more than %d bytes of "
				    "input", IMAGE_INPUT_MAX);
				free(buf);
				return NULL;
			}
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		r = read(STDIN_FILENO, buf + n, cap - n);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_error("souk-image: standard input: %s",
			    strerror(errno));
			free(buf);
			return NULL;
		}
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

static void
put_u32(FILE *f, uint32_t v)
{
	unsigned char	b[4] = { (unsigned char)(v >> 24),
			    (unsigned char)(v >> 16), (unsigned char)(v >> 8),
			    (unsigned char)v };

	fwrite(b, 1, sizeof b, f);
}

static void
put_bytes(FILE *f, const char *s, size_t len)
{
	put_u32(f, (uint32_t)len);
	if (len > 0)
		fwrite(s, 1, len, f);
}

static void
put_text(FILE *f, const char *s)
{
	size_t	len = s != NULL ? strlen(s) : 0;

	if (len > IMAGEWIRE_TEXT_MAX)
		len = IMAGEWIRE_TEXT_MAX;
	put_bytes(f, s, len);
}

static uint32_t
wire_type(const char *ctype)
{
	if (strcmp(ctype, "image/jpeg") == 0)
		return IMAGEWIRE_JPEG;
	if (strcmp(ctype, "image/png") == 0)
		return IMAGEWIRE_PNG;
	return IMAGEWIRE_WEBP;
}

/* Writes a to standard output; false (logged) if it could not. */
static bool
image_answer(const struct answer *a)
{
	int	i;

	put_u32(stdout, (uint32_t)a->res);
	if (a->res == IMAGE_OK)
		for (i = 0; i < 3; i++) {
			put_u32(stdout, wire_type(a->v[i].ctype));
			put_u32(stdout, (uint32_t)a->v[i].width);
			put_u32(stdout, (uint32_t)a->v[i].height);
			put_bytes(stdout, a->v[i].data, a->v[i].len);
		}
	else {
		put_u32(stdout, (uint32_t)a->level);
		put_text(stdout, a->why);
		put_text(stdout, a->detail);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error("souk-image: standard output: %s", strerror(errno));
		return false;
	}
	return true;
}

/* A whole number from lo to hi, or exits with a usage error. */
static int64_t
image_arg(const char *s, int64_t lo, int64_t hi)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		log_error("souk-image: bad argument %s", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct image_limits	 lim;
	struct answer		 a;
	const char		*ctype;
	char			*data;
	size_t			 len = 0;
	int			 i, rc = 1;

	if (argc != 5 || (strcmp(argv[1], "image/jpeg") != 0 &&
	    strcmp(argv[1], "image/png") != 0 &&
	    strcmp(argv[1], "image/webp") != 0)) {
		fprintf(stderr, "usage: souk-image image/jpeg|image/png|"
		    "image/webp MAX_PIXELS MAX_SIDE TIMEOUT_MS < image\n");
		return 2;
	}
	ctype = argv[1];
	lim.max_pixels = image_arg(argv[2], 1, INT64_MAX);
	lim.max_side = image_arg(argv[3], 1, INT_MAX);
	lim.timeout_ms = image_arg(argv[4], 1, 24 * 3600 * 1000);
	if ((data = image_read_all(&len)) == NULL)
		return 1;
	if (!image_vips_start()) {
		free(data);
		return 1;
	}
	memset(&a, 0, sizeof a);
	image_make(data, len, ctype, &lim, &a);
	if (image_answer(&a))
		rc = 0;
	free(a.why);
	free(a.detail);
	for (i = 0; i < 3; i++)
		free(a.v[i].data);
	free(data);
	vips_shutdown();
	return rc;
}
