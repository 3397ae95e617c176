#include <string.h>

#include "utf8.h"

/*
 * Length of the well-formed sequence starting at s[i] (RFC 3629), or 0 if
 * the bytes there are not one.
 */
static size_t
seq_len(const unsigned char *s, size_t n, size_t i)
{
	size_t		k, need;
	unsigned int	cp, min;

	if (s[i] == 0)
		return 0;
	if (s[i] < 0x80)
		return 1;
	if (s[i] >= 0xc2 && s[i] <= 0xdf) {
		need = 1;
		cp = s[i] & 0x1f;
		min = 0x80;
	} else if ((s[i] & 0xf0) == 0xe0) {
		need = 2;
		cp = s[i] & 0x0f;
		min = 0x800;
	} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
		need = 3;
		cp = s[i] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n - i <= need)
		return 0;
	for (k = 1; k <= need; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i + k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

bool
utf8_valid(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, len;

	while (i < n) {
		if ((len = seq_len(s, n, i)) == 0)
			return false;
		i += len;
	}
	return true;
}

void
utf8_scrub(char *str)
{
	unsigned char	*s = (unsigned char *)str;
	size_t		 i = 0, n = strlen(str), len;

	while (i < n) {
		if ((len = seq_len(s, n, i)) == 0) {
			s[i++] = '?';
			continue;
		}
		i += len;
	}
}

size_t
utf8_len(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i, len = 0;

	for (i = 0; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			len++;
	}
	return len;
}
