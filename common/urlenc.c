#include <stddef.h>

#include "urlenc.h"
#include "xmalloc.h"

static int
urlenc_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
urlenc_decode(const char *s, size_t n, size_t *len)
{
	char	*out = xmalloc(n + 1), *o = out;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%' && i + 2 < n &&
		    urlenc_hex(s[i + 1]) >= 0 && urlenc_hex(s[i + 2]) >= 0) {
			*o++ = (char)(urlenc_hex(s[i + 1]) * 16 +
			    urlenc_hex(s[i + 2]));
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	if (len != NULL)
		*len = (size_t)(o - out);
	return out;
}
