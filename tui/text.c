#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "log.h"
#include "text.h"

/*
 * Decodes the character at s (at most n bytes): its length in bytes (at
 * least 1), its width in columns and whether it can be shown as it is.
 */
static size_t
text_char(const char *s, size_t n, int *width, bool *shown)
{
	mbstate_t	st;
	wchar_t		wc;
	size_t		len;
	int		w;

	memset(&st, 0, sizeof st);
	len = mbrtowc(&wc, s, n, &st);
	if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
		*width = 1;
		*shown = false;
		return 1;
	}
	w = wcwidth(wc);
	if (w < 0) {
		*width = 1;
		*shown = false;
	} else {
		*width = w;
		*shown = true;
	}
	return len;
}

int
text_width_n(const char *s, size_t n)
{
	size_t	i = 0;
	int	cols = 0, w;
	bool	shown;

	if (s == NULL)
		return 0;
	while (i < n) {
		i += text_char(s + i, n - i, &w, &shown);
		cols += w;
	}
	return cols;
}

int
text_width(const char *s)
{
	return s == NULL ? 0 : text_width_n(s, strlen(s));
}

bool
text_utf8(void)
{
	const char	*cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);
}

size_t
text_prefix(const char *s, int cols)
{
	size_t	i = 0, len, n;
	int	used = 0, w;
	bool	shown;

	if (s == NULL)
		return 0;
	n = strlen(s);
	while (i < n) {
		len = text_char(s + i, n - i, &w, &shown);
		if (used + w > cols)
			break;
		used += w;
		i += len;
	}
	return i;
}

/* Appends what s shows, with '?' for what it cannot show. */
static void
text_add_clean(struct buf *b, const char *s, size_t n)
{
	size_t	i = 0, len;
	int	w;
	bool	shown;

	while (i < n) {
		len = text_char(s + i, n - i, &w, &shown);
		if (!(shown ? buf_add(b, s + i, len) : buf_add(b, "?", 1)))
			fatalx("text_add_clean: buffer");
		i += len;
	}
}

static void
text_pad(struct buf *b, int n)
{
	while (n-- > 0) {
		if (!buf_add(b, " ", 1))
			fatalx("text_pad: buffer");
	}
}

void
text_fit(struct buf *b, const char *s, int width, enum text_align align)
{
	const char	*ell = text_utf8() ? "\xe2\x80\xa6" : "~";
	size_t		 cut;
	int		 have;

	if (width <= 0)
		return;
	if (s == NULL)
		s = "";
	have = text_width(s);
	if (have <= width) {
		if (align == TEXT_RIGHT)
			text_pad(b, width - have);
		text_add_clean(b, s, strlen(s));
		if (align == TEXT_LEFT)
			text_pad(b, width - have);
		return;
	}
	cut = text_prefix(s, width - 1);
	text_add_clean(b, s, cut);
	if (!buf_adds(b, ell))
		fatalx("text_fit: buffer");
	/* A wide character that did not fit leaves a column to pad. */
	text_pad(b, width - 1 - text_width_n(s, cut));
}

char *
text_fitted(const char *s, int width, enum text_align align)
{
	struct buf	b;

	buf_init(&b, 0);
	text_fit(&b, s, width, align);
	return buf_take(&b, NULL);
}
