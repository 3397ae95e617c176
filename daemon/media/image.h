/*
 * image: turns the bytes of an uploaded picture into what souk keeps and
 * serves, through libvips.  The type comes from the bytes (media_sniff);
 * only JPEG, PNG and WebP are decoded, each by its own loader (every other
 * libvips loader is blocked).  The header is read first and the image
 * refused when its dimensions are over the limits, before a pixel is
 * decoded, so a small file claiming a huge image (a decompression bomb)
 * costs nothing.  Then it is decoded once, within a time budget, turned
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
 * do nothing): at most c->image_concurrency images decoded at once.
 * libvips itself starts with the first image (one thread per operation,
 * no operation cache, only the JPEG, PNG and WebP loaders); if it cannot,
 * that image is answered IMAGE_BUSY and the cause logged.  Returns true
 * (cause is for future failures).
 */
bool	image_init(const struct config *c, char **cause)
	    __attribute__((warn_unused_result));
/*
 * Stops libvips at exit, freeing its thread pool and what it keeps per
 * type and thread (which is also what keeps LeakSanitizer quiet in test
 * builds: no suppressions are needed); fine if never started.
 */
void	image_shutdown(void);
/* The limits c sets. */
void	image_limits_from(const struct config *c, struct image_limits *l);

/*
 * Reads only the header of data: its type (a static string) and
 * dimensions.  IMAGE_NOT_IMAGE or IMAGE_UNDECODABLE when there is no
 * header to read.
 */
enum image_result image_probe(const void *data, size_t len,
	    const char **ctype, int *width, int *height);

/*
 * Makes the three variants of data into *out (image_set_free frees them).
 * On anything but IMAGE_OK, *out holds nothing and *why (caller frees)
 * says what was wrong, in words fit for the uploader.
 */
enum image_result image_process(const void *data, size_t len,
	    const struct image_limits *limits, struct image_set *out,
	    char **why);
void	image_set_free(struct image_set *);

#endif
