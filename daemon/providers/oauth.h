/*
 * oauth: a Google service account, and the signed JWT it exchanges for an
 * OAuth 2.0 access token (the JWT bearer grant of RFC 7523, as Google's
 * token endpoint takes it).  The private key is parsed once with OpenSSL
 * and signs RS256; the bytes of the key file soukd read are wiped once
 * parsed.
 */
#ifndef SOUKD_OAUTH_H
#define SOUKD_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct oauth_account;

/*
 * Reads a service account JSON key file (client_email, private_key,
 * private_key_id) at most 64 KiB long.  NULL with *cause (caller frees)
 * if it cannot be read or holds no usable RSA key.
 */
struct oauth_account *oauth_account_load(const char *path, char **cause);
/* The same from the file's text. */
struct oauth_account *oauth_account_parse(const char *json, size_t len,
	    char **cause);
void	oauth_account_free(struct oauth_account *);
const char *oauth_account_email(const struct oauth_account *);

/*
 * The assertion for the token endpoint aud (caller frees): a JWT with
 * header {"alg":"RS256","typ":"JWT","kid":...} and claims {iss, scope,
 * aud, iat, exp = iat + 3600}, base64url without padding, signed with
 * the account's key.  NULL with *cause if signing fails.
 */
char	*oauth_jwt(const struct oauth_account *, const char *scope,
	    const char *aud, int64_t iat, char **cause);

/* data as base64url without padding (caller frees). */
char	*oauth_base64url(const void *data, size_t len);

#endif
