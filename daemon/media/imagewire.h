/*
 * imagewire: what soukd and souk-image, its image decoder, say to each
 * other.  soukd starts `souk-image TYPE MAX_PIXELS MAX_SIDE TIMEOUT_MS`
 * (TYPE is image/jpeg, image/png or image/webp, as media_sniff said),
 * writes the upload to its standard input and closes it.  souk-image
 * answers on its standard output with numbers as 4-byte big-endian
 * unsigned integers and strings as a number (their length) followed by
 * their bytes:
 *
 *	result			an enum image_result
 *	on IMAGE_OK, three times (original, medium, thumbnail):
 *		type		an IMAGEWIRE_* below
 *		width, height
 *		data		the variant's bytes (a string)
 *	otherwise:
 *		level		an enum log_level for soukd's log line
 *		why		what to tell the uploader (a string)
 *		detail		what libvips said, for the log (a string)
 *
 * and exits 0.  Anything else (another status, a signal, a short or
 * malformed answer) is souk-image failing, not the image.
 */
#ifndef SOUKD_IMAGEWIRE_H
#define SOUKD_IMAGEWIRE_H

enum imagewire_type {
	IMAGEWIRE_JPEG = 1,
	IMAGEWIRE_PNG,
	IMAGEWIRE_WEBP,
};

/* The longest string souk-image sends that is not image data. */
#define IMAGEWIRE_TEXT_MAX	4096

#endif
