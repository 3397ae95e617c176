/*
 * fuzz_page: libFuzzer target for keyset cursors (daemon/http/page.c), the
 * ?after= value any client can send.  The input is the cursor text (up to
 * the first NUL, as a query value arrives), decoded for one and for two
 * keys; the same bytes are also read as JSON and, when they are an array
 * of keys, encoded and decoded back.
 *
 * Besides crashes, leaks and undefined behaviour, it checks that a decoded
 * cursor is an array of the asked size holding only integers, strings and
 * nulls, and that encoding then decoding gives the same keys.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "page.h"

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_page: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

static void
fuzz_round_trip(const json_t *keys)
{
	json_t	*back;
	char	*cursor;

	cursor = page_encode(keys);
	CHECK(cursor != NULL);
	back = page_decode(cursor, json_array_size(keys));
	CHECK(back != NULL && json_equal(back, keys));
	json_decref(back);
	free(cursor);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*keys, *k;
	char	*text;
	size_t	 nkeys, i;
	bool	 plain;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (nkeys = 1; nkeys <= 2; nkeys++) {
		if ((keys = page_decode(text, nkeys)) == NULL)
			continue;
		CHECK(json_is_array(keys) && json_array_size(keys) == nkeys);
		json_array_foreach(keys, i, k)
			CHECK(json_is_integer(k) || json_is_string(k) ||
			    json_is_null(k));
		fuzz_round_trip(keys);
		json_decref(keys);
	}
	keys = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (json_is_array(keys) && json_array_size(keys) > 0) {
		plain = true;
		json_array_foreach(keys, i, k)
			plain = plain && (json_is_integer(k) ||
			    json_is_string(k) || json_is_null(k));
		/* Longer ones do not fit a cursor: page_decode refuses them. */
		if (plain && json_dumpb(keys, NULL, 0, JSON_COMPACT) <= 700)
			fuzz_round_trip(keys);
	}
	json_decref(keys);
	free(text);
	return 0;
}
