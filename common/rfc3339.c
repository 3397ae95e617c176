#include <string.h>

#include "rfc3339.h"

/* Reads n digits at *p into *v; false if they are not all there. */
static bool
rfc3339_digits(const char **p, int n, int *v)
{
	*v = 0;
	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return false;
		*v = *v * 10 + (*(*p)++ - '0');
	}
	return true;
}

bool
rfc3339_valid(const char *s)
{
	int	y, mo, d, h, mi, sec, n = 0;

	if (s == NULL)
		return false;
	if (!rfc3339_digits(&s, 4, &y) || *s++ != '-' ||
	    !rfc3339_digits(&s, 2, &mo) || *s++ != '-' ||
	    !rfc3339_digits(&s, 2, &d) || (*s != 'T' && *s != 't' &&
	    *s != ' ') || !rfc3339_digits((s++, &s), 2, &h) || *s++ != ':' ||
	    !rfc3339_digits(&s, 2, &mi) || *s++ != ':' ||
	    !rfc3339_digits(&s, 2, &sec))
		return false;
	(void)y;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return false;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++)
			n++;
		if (n == 0 || n > 9)
			return false;
	}
	if (*s == 'Z' || *s == 'z')
		return s[1] == '\0';
	if (*s != '+' && *s != '-')
		return false;
	s++;
	if (!rfc3339_digits(&s, 2, &h) || *s++ != ':' ||
	    !rfc3339_digits(&s, 2, &mi) || h > 23 || mi > 59)
		return false;
	return *s == '\0';
}
