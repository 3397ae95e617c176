/*
 * imgfix: real images made on the spot for the tests of image handling
 * (unit and API), with libvips, plus the hand-made oddities libvips
 * would never write: an EXIF block with a GPS position, a PNG header
 * claiming a huge image.  Every function returns malloc'd bytes (caller
 * frees) and their length in *len; a failure aborts the test.
 */
#ifndef SOUK_IMGFIX_H
#define SOUK_IMGFIX_H

#include <stdbool.h>
#include <stddef.h>

/* Starts libvips in this (forked test) process; call before the rest. */
void	imgfix_init(void);
/* A w x h photo-like JPEG (a colour gradient with noise). */
char	*imgfix_jpeg(int w, int h, size_t *len);
/*
 * The same JPEG carrying an EXIF block: orientation (1 to 8) and a GPS
 * latitude, as a phone camera writes them.
 */
char	*imgfix_jpeg_exif(int w, int h, int orientation, size_t *len);
/* A 4-band CMYK JPEG, as print work often is. */
char	*imgfix_jpeg_cmyk(int w, int h, size_t *len);
/*
 * A w x h PNG; alpha: with an alpha band whose left half is transparent,
 * opaque_alpha: with an alpha band every pixel leaves opaque.
 */
char	*imgfix_png(int w, int h, bool alpha, bool opaque_alpha, size_t *len);
/* A w x h PNG of 16 bits a sample, as scanners and editors write. */
char	*imgfix_png16(int w, int h, size_t *len);
/* A w x h WebP, lossy or lossless. */
char	*imgfix_webp(int w, int h, bool lossless, size_t *len);
/*
 * A tiny PNG (well under a kilobyte) whose header says w x h: a
 * decompression bomb, its pixels never present.
 */
char	*imgfix_png_bomb(unsigned w, unsigned h, size_t *len);

/* True if the bytes hold an EXIF block (an APP1 "Exif" or eXIf chunk). */
bool	imgfix_has_exif(const char *data, size_t len);
/*
 * Decodes data and reports its size, band count and whether it carries
 * EXIF metadata or an orientation other than 1 as libvips reads it.
 */
void	imgfix_info(const char *data, size_t len, int *w, int *h, int *bands,
	    int *orientation);

#endif
