#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "keys.h"

static const struct {
	int		 key;
	const char	*name;
} key_names[] = {
	{ K_UP, "Up" }, { K_DOWN, "Down" }, { K_LEFT, "Left" },
	{ K_RIGHT, "Right" }, { K_PGUP, "PgUp" }, { K_PGDN, "PgDn" },
	{ K_HOME, "Home" }, { K_END, "End" }, { K_DEL, "Del" },
	{ K_INS, "Ins" }, { K_BTAB, "S-Tab" }, { K_RESIZE, "Resize" },
	{ K_DIGIT, "1-9" }, { K_ENTER, "Enter" }, { K_ESC, "Esc" },
	{ K_TAB, "Tab" }, { K_SPACE, "Space" }, { K_BS, "BS" },
	{ '<', "lt" }, { '>', "gt" },
};

const char *
keys_name(int key, char *buf, size_t len)
{
	size_t	i;
	int	n;

	for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
		/* '<' and '>' are named so only when parsing scripts. */
		if (key_names[i].key == key && key != '<' && key != '>') {
			snprintf(buf, len, "%s", key_names[i].name);
			return buf;
		}
	}
	if (key >= K_F1 && key <= K_F12)
		snprintf(buf, len, "F%d", key - K_F1 + 1);
	else if (key > 0 && key < 32)
		snprintf(buf, len, "C-%c", key + 'a' - 1);
	else if (key > 32 && key < K_SPECIAL) {
		char	mb[MB_LEN_MAX + 1];
		mbstate_t st;

		memset(&st, 0, sizeof st);
		n = (int)wcrtomb(mb, (wchar_t)key, &st);
		if (n <= 0)
			snprintf(buf, len, "U+%04X", (unsigned)key);
		else
			snprintf(buf, len, "%.*s", n, mb);
	} else
		snprintf(buf, len, "key%d", key);
	return buf;
}

int
keys_parse(const char *name)
{
	mbstate_t	st;
	wchar_t		wc;
	size_t		i, n, len;
	char		*end;
	long		f;

	if (name == NULL || *name == '\0')
		return -1;
	len = strlen(name);
	memset(&st, 0, sizeof st);
	n = mbrtowc(&wc, name, len, &st);
	if (n == len && wc != 0)
		return (int)wc;
	for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
		if (strcasecmp(key_names[i].name, name) == 0 &&
		    key_names[i].key != K_DIGIT && key_names[i].key != K_RESIZE)
			return key_names[i].key;
	}
	if (len == 3 && (name[0] == 'C' || name[0] == 'c') && name[1] == '-' &&
	    ((name[2] >= 'a' && name[2] <= 'z') ||
	    (name[2] >= 'A' && name[2] <= 'Z')))
		return K_CTRL(name[2]);
	if ((name[0] == 'F' || name[0] == 'f') && len <= 3) {
		f = strtol(name + 1, &end, 10);
		if (*end == '\0' && end != name + 1 && f >= 1 && f <= 12)
			return K_F1 + (int)f - 1;
	}
	return -1;
}

bool
keys_is_navigation(int key)
{
	switch (key) {
	case K_UP: case K_DOWN: case K_LEFT: case K_RIGHT:
	case K_PGUP: case K_PGDN: case K_HOME: case K_END:
	case K_ENTER: case K_ESC: case K_TAB: case K_BTAB: case K_SPACE:
	case 'j': case 'k': case 'h': case 'l': case 'g': case 'G':
	case 'q': case K_CTRL('d'): case K_CTRL('u'): case K_CTRL('f'):
	case K_CTRL('b'): case K_CTRL('n'): case K_CTRL('p'):
		return true;
	default:
		return false;
	}
}
