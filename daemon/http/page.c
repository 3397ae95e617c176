#include <string.h>

#include <sodium.h>

#include "log.h"
#include "page.h"
#include "xmalloc.h"

#define PAGE_CURSOR_MAX 1024

char *
page_encode(const json_t *keys)
{
	char	*text, *out;
	size_t	 n, cap;

	if ((text = json_dumps(keys, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		fatalx("page_encode: json_dumps");
	n = strlen(text);
	cap = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out = xmalloc(cap);
	sodium_bin2base64(out, cap, (const unsigned char *)text, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(text);
	return out;
}

json_t *
page_decode(const char *s, size_t nkeys)
{
	unsigned char	 bin[PAGE_CURSOR_MAX];
	size_t		 n, i;
	json_t		*keys, *k;

	if (s == NULL || strlen(s) > PAGE_CURSOR_MAX)
		return NULL;
	if (sodium_base642bin(bin, sizeof bin, s, strlen(s), NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	keys = json_loadb((const char *)bin, n, JSON_DECODE_ANY, NULL);
	if (keys == NULL)
		return NULL;
	if (!json_is_array(keys) || json_array_size(keys) != nkeys)
		goto bad;
	json_array_foreach(keys, i, k) {
		if (!json_is_integer(k) && !json_is_string(k) &&
		    !json_is_null(k))
			goto bad;
	}
	return keys;
bad:
	json_decref(keys);
	return NULL;
}
