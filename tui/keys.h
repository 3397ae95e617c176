/*
 * keys: souk's key codes and their names.  A key is a Unicode character
 * (control characters included) or one of the K_ codes below for keys that
 * have no character.  Names are what help shows and scripts write:
 * "j", "Down", "PgDn", "C-l", "Enter", "Space", "Esc".
 */
#ifndef SOUK_KEYS_H
#define SOUK_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define K_CTRL(c)	((c) & 0x1f)
#define K_TAB		'\t'
#define K_ENTER		'\n'
#define K_ESC		27
#define K_SPACE		' '
#define K_BS		127

enum {
	K_SPECIAL = 0x1000000,
	K_UP,
	K_DOWN,
	K_LEFT,
	K_RIGHT,
	K_PGUP,
	K_PGDN,
	K_HOME,
	K_END,
	K_DEL,
	K_INS,
	K_BTAB,			/* Shift-Tab */
	K_RESIZE,		/* the terminal changed size */
	K_DIGIT,		/* in key maps: any of 1 to 9 */
	K_F1,			/* K_F1 + n - 1 is Fn, up to F12 */
	K_F12 = K_F1 + 11,
	K_NONE,
};

/*
 * Writes the name of key into buf (len bytes; 16 is always enough) and
 * returns buf.
 */
const char *keys_name(int key, char *buf, size_t len);
/*
 * The key a name stands for: a single character ("j", "?", "क"), a special
 * key name ("Down", "PgDn", "Enter", "Space", "Esc", "Tab", "BS", "lt" for
 * '<', "gt" for '>'), "C-x" for a control key or "F1".."F12".  Case
 * matters for single characters only.  -1 if it is none.
 */
int	keys_parse(const char *name);
/* True for keys that move around a view or between views. */
bool	keys_is_navigation(int key);

#endif
