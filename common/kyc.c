#include <string.h>

#include "kyc.h"

static const char kyc_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

static bool
kyc_all(const char *s, size_t from, size_t to, const char *set)
{
	size_t	i;

	for (i = from; i < to; i++) {
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return false;
	}
	return true;
}

#define DIGITS	"0123456789"
#define LETTERS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define ALNUM	DIGITS LETTERS

bool
kyc_pan_valid(const char *s)
{
	return s != NULL && strlen(s) == 10 && kyc_all(s, 0, 5, LETTERS) &&
	    kyc_all(s, 5, 9, DIGITS) && kyc_all(s, 9, 10, LETTERS);
}

char
kyc_gstin_check(const char *s)
{
	const char	*p;
	int		 i, v, sum = 0, prod;

	if (s == NULL || strlen(s) < 14)
		return 0;
	for (i = 0; i < 14; i++) {
		if (s[i] == '\0' || (p = strchr(kyc_chars, s[i])) == NULL)
			return 0;
		v = (int)(p - kyc_chars);
		prod = v * (i % 2 == 0 ? 1 : 2);
		sum += prod / 36 + prod % 36;
	}
	return kyc_chars[(36 - sum % 36) % 36];
}

bool
kyc_gstin_valid(const char *s)
{
	char	pan[11];
	int	state;

	if (s == NULL || strlen(s) != 15 || !kyc_all(s, 0, 2, DIGITS) ||
	    !kyc_all(s, 12, 13, "123456789" LETTERS) || s[13] != 'Z' ||
	    !kyc_all(s, 14, 15, ALNUM))
		return false;
	/* State codes run from 01 (Jammu and Kashmir) to 38; 97, 99 special. */
	state = (s[0] - '0') * 10 + (s[1] - '0');
	if (state < 1 || (state > 38 && state != 97 && state != 99))
		return false;
	memcpy(pan, s + 2, 10);
	pan[10] = '\0';
	return kyc_pan_valid(pan) && kyc_gstin_check(s) == s[14];
}

bool
kyc_ifsc_valid(const char *s)
{
	return s != NULL && strlen(s) == 11 && kyc_all(s, 0, 4, LETTERS) &&
	    s[4] == '0' && kyc_all(s, 5, 11, ALNUM);
}

bool
kyc_account_valid(const char *s)
{
	size_t	n = s != NULL ? strlen(s) : 0;

	return n >= 9 && n <= 18 && kyc_all(s, 0, n, DIGITS);
}
