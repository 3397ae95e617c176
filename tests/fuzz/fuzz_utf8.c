/*
 * fuzz_utf8: libFuzzer target for UTF-8 validation (common/utf8.c), the
 * check every path, query value, body and configuration file passes.  It
 * compares utf8_valid with a decoder written from the table of
 * well-formed byte sequences in the Unicode standard (section 3.9, table
 * 3-7) that also refuses NUL, and utf8_len with that decoder's count.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "utf8.h"

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_utf8: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

static int
in(uint8_t b, uint8_t lo, uint8_t hi)
{
	return b >= lo && b <= hi;
}

/* Number of code points if s is well-formed and NUL-free, else -1. */
static long
fuzz_reference(const uint8_t *s, size_t n)
{
	size_t	i = 0;
	long	count = 0;

	while (i < n) {
		uint8_t b = s[i];

		if (b == 0)
			return -1;
		if (b <= 0x7f)
			i += 1;
		else if (in(b, 0xc2, 0xdf) && i + 1 < n &&
		    in(s[i + 1], 0x80, 0xbf))
			i += 2;
		else if (b == 0xe0 && i + 2 < n && in(s[i + 1], 0xa0, 0xbf) &&
		    in(s[i + 2], 0x80, 0xbf))
			i += 3;
		else if ((in(b, 0xe1, 0xec) || in(b, 0xee, 0xef)) &&
		    i + 2 < n && in(s[i + 1], 0x80, 0xbf) &&
		    in(s[i + 2], 0x80, 0xbf))
			i += 3;
		else if (b == 0xed && i + 2 < n && in(s[i + 1], 0x80, 0x9f) &&
		    in(s[i + 2], 0x80, 0xbf))
			i += 3;
		else if (b == 0xf0 && i + 3 < n && in(s[i + 1], 0x90, 0xbf) &&
		    in(s[i + 2], 0x80, 0xbf) && in(s[i + 3], 0x80, 0xbf))
			i += 4;
		else if (in(b, 0xf1, 0xf3) && i + 3 < n &&
		    in(s[i + 1], 0x80, 0xbf) && in(s[i + 2], 0x80, 0xbf) &&
		    in(s[i + 3], 0x80, 0xbf))
			i += 4;
		else if (b == 0xf4 && i + 3 < n && in(s[i + 1], 0x80, 0x8f) &&
		    in(s[i + 2], 0x80, 0xbf) && in(s[i + 3], 0x80, 0xbf))
			i += 4;
		else
			return -1;
		count++;
	}
	return count;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of the exact size, so that ASan sees any overread. */
	uint8_t	*copy = malloc(size > 0 ? size : 1);
	long	 want;
	bool	 valid;
	size_t	 i;

	if (copy == NULL)
		return 0;
	for (i = 0; i < size; i++)
		copy[i] = data[i];
	want = fuzz_reference(copy, size);
	valid = utf8_valid((const char *)copy, size);
	CHECK(valid == (want >= 0));
	if (valid)
		CHECK(utf8_len((const char *)copy, size) == (size_t)want);
	free(copy);
	return 0;
}
