/*
 * image: turns the bytes of an uploaded picture into what souk keeps and
 * serves.  The type comes from the bytes (media_sniff); only JPEG, PNG
 * and WebP are decoded.  soukd does not decode them itself: each image
 * goes to a souk-image process of its own (daemon/media/helper/), started
 * for it and gone with it, which runs libvips with every loader but those
 * three blocked.  A decoder that crashes or runs wild on a hostile file
 * takes down that process only, and soukd never maps libvips and the
 * hundred-odd libraries it links.  There, the header is read first and
 * the image refused when its dimensions are over the limits, before a
 * pixel is decoded, so a small file claiming a huge image (a
 * decompression bomb) costs nothing.  Then it is decoded once, within a time budget, turned
 * upright by its EXIF orientation, converted to sRGB, and written out
 * three times without any metadata (EXIF carries the camera's GPS
 * position, and serial numbers): the original at its full size, a medium
 * size and a thumbnail.  Nothing is ever enlarged.
 */
#ifndef SOUKD_IMAGE_H
#define SOUKD_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

/* The boxes the resized variants fit in, in pixels. */
#define IMAGE_MEDIUM_BOX	800
#define IMAGE_THUMB_BOX		200

struct image_limits {
	int64_t		 max_pixels;	/* width x height */
	int64_t		 max_side;	/* width or height */
	int64_t		 timeout_ms;	/* decoding and writing, all told */
};

enum image_result {
	IMAGE_OK,
	IMAGE_NOT_IMAGE,	/* not JPEG, PNG or WebP (415) */
	IMAGE_TOO_LARGE,	/* dimensions over the limits (422) */
	IMAGE_UNDECODABLE,	/* broken, truncated, or too slow (422) */
	IMAGE_BUSY,		/* no decoding slot freed up in time (503) */
};

struct image_variant {
	char		*data;		/* malloc'd */
	size_t		 len;
	const char	*ctype;		/* static: image/jpeg, png or webp */
	int		 width;
	int		 height;
};

struct image_set {
	const char		*source_type;	/* what the upload was */
	struct image_variant	 original;	/* full size, same format */
	struct image_variant	 medium;
	struct image_variant	 thumb;
};

/*
 * Readies image processing for a server (once per process; later calls
 * do nothing): at most c->image_concurrency images decoded at once, each
 * by the souk-image at c->image_helper (empty: the one next to this
 * program, else the installed one).  A helper that is missing is logged
 * here and each image is then answered IMAGE_BUSY.  Returns true (cause
 * is for future failures).
 */
bool	image_init(const struct config *c, char **cause)
	    __attribute__((warn_unused_result));
/* Undoes image_init; fine if it never ran. */
void	image_shutdown(void);
/* The limits c sets. */
void	image_limits_from(const struct config *c, struct image_limits *l);

/*
 * Makes the three variants of data into *out (image_set_free frees them),
 * through a souk-image process, within limits->timeout_ms all told
 * (waiting for a slot, starting the helper, decoding): past it the helper
 * is killed and the image is IMAGE_UNDECODABLE, too slow.  A helper that
 * dies of a signal (a decoder crashed) makes the image IMAGE_UNDECODABLE;
 * one that cannot be started or fails otherwise, IMAGE_BUSY (logged).
 * On anything but IMAGE_OK, *out holds nothing and *why (caller frees)
 * says what was wrong, in words fit for the uploader.
 */
enum image_result image_process(const void *data, size_t len,
	    const struct image_limits *limits, struct image_set *out,
	    char **why);
void	image_set_free(struct image_set *);

#endif
