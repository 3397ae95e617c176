#include <stdio.h>
#include <string.h>

#include "phone.h"

bool
phone_normalize(const char *s, char *out, size_t len)
{
	char	digits[32];
	size_t	n = 0;
	bool	plus = false;

	if (s == NULL || len < 17)
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '+' && n == 0 && !plus)
			plus = true;
		else if (*s >= '0' && *s <= '9') {
			if (n == sizeof digits - 1)
				return false;
			digits[n++] = *s;
		} else if (*s != ' ' && *s != '-' && *s != '.' && *s != '(' &&
		    *s != ')')
			return false;
	}
	digits[n] = '\0';
	if (plus) {
		/* E.164: a country code not starting with 0, 8 to 15 digits. */
		if (n < 8 || n > 15 || digits[0] == '0')
			return false;
		if (strncmp(digits, "91", 2) == 0 && (n != 12 ||
		    digits[2] < '6'))
			return false;
		snprintf(out, len, "+%s", digits);
		return true;
	}
	/* Indian: [0 | 91] then 10 digits, a mobile starting 6 to 9. */
	if (n == 11 && digits[0] == '0')
		memmove(digits, digits + 1, n--);
	else if (n == 12 && strncmp(digits, "91", 2) == 0)
		memmove(digits, digits + 2, (n -= 2) + 1);
	if (n != 10 || digits[0] < '6')
		return false;
	snprintf(out, len, "+91%s", digits);
	return true;
}

void
phone_mask(const char *e164, char *out, size_t len)
{
	size_t	n = strlen(e164), i;

	snprintf(out, len, "%s", e164);
	/* Keep the country code and two digits, and the last three. */
	for (i = 5; n > 8 && i < n - 3 && i < len - 1; i++)
		out[i] = 'x';
}
