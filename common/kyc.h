/*
 * kyc: India's business identifiers, checked before anyone relies on
 * them.  A GSTIN is 2 digits of state code, a 10-character PAN, an entity
 * number, 'Z' and a mod-36 check character; a PAN is 5 letters, 4 digits
 * and a letter; an IFSC is 4 letters, '0' and 6 letters or digits; a bank
 * account number is 9 to 18 digits.  Upper case only: callers upcase.
 */
#ifndef SOUK_KYC_H
#define SOUK_KYC_H

#include <stdbool.h>

/* The check character a GSTIN's first 14 characters call for, or 0. */
char	kyc_gstin_check(const char *gstin);
/* True if s is a well-formed GSTIN with the right check character. */
bool	kyc_gstin_valid(const char *s);
bool	kyc_pan_valid(const char *s);
bool	kyc_ifsc_valid(const char *s);
bool	kyc_account_valid(const char *s);

#endif
