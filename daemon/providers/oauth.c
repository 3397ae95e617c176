#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "buf.h"
#include "log.h"
#include "oauth.h"

#define OAUTH_MAX_FILE		(64 * 1024)
#define OAUTH_LIFETIME_S	3600

struct oauth_account {
	char		*email;
	char		*key_id;	/* NULL if the file has none */
	EVP_PKEY	*key;
};

char *
oauth_base64url(const void *data, size_t len)
{
	size_t	 n = sodium_base64_ENCODED_LEN(len,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char	*out = xmalloc(n);

	sodium_bin2base64(out, n, data, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* OpenSSL's first queued error, for a cause. */
static const char *
oauth_ssl_error(void)
{
	unsigned long	 e = ERR_get_error();
	const char	*why = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return why != NULL ? why : "unknown OpenSSL error";
}

struct oauth_account *
oauth_account_parse(const char *text, size_t len, char **cause)
{
	struct oauth_account	*a = NULL;
	json_t			*j;
	json_error_t		 err;
	const char		*email, *pem, *kid;
	BIO			*bio = NULL;
	EVP_PKEY		*key = NULL;

	if ((j = json_loadb(text, len, 0, &err)) == NULL) {
		*cause = xasprintf("not JSON: %s (line %d)", err.text,
		    err.line);
		return NULL;
	}
	email = json_string_value(json_object_get(j, "client_email"));
	pem = json_string_value(json_object_get(j, "private_key"));
	kid = json_string_value(json_object_get(j, "private_key_id"));
	if (email == NULL || *email == '\0' || pem == NULL) {
		*cause = xasprintf("no client_email or private_key: is it a "
		    "service account key?");
		goto out;
	}
	if ((bio = BIO_new_mem_buf(pem, (int)strlen(pem))) == NULL)
		fatalx("BIO_new_mem_buf");
	if ((key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		*cause = xasprintf("private_key: %s", oauth_ssl_error());
		goto out;
	}
	if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
		*cause = xasprintf("private_key is not an RSA key");
		EVP_PKEY_free(key);
		goto out;
	}
	a = xcalloc(1, sizeof *a);
	a->email = xstrdup(email);
	a->key_id = kid != NULL && *kid != '\0' ? xstrdup(kid) : NULL;
	a->key = key;
out:
	BIO_free(bio);
	json_decref(j);
	return a;
}

struct oauth_account *
oauth_account_load(const char *path, char **cause)
{
	struct oauth_account	*a = NULL;
	struct buf		 b;
	char			 chunk[4096], *why = NULL;
	ssize_t			 n;
	int			 fd;

	buf_init(&b, OAUTH_MAX_FILE);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (!buf_add(&b, chunk, (size_t)n)) {
			*cause = xasprintf("%s: larger than %d bytes", path,
			    OAUTH_MAX_FILE);
			goto out;
		}
	}
	if (n < 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	if ((a = oauth_account_parse(b.data != NULL ? b.data : "", b.len,
	    &why)) == NULL) {
		*cause = xasprintf("%s: %s", path, why);
		free(why);
	}
out:
	sodium_memzero(chunk, sizeof chunk);
	if (b.data != NULL)
		sodium_memzero(b.data, b.len);
	buf_free(&b);
	close(fd);
	return a;
}

void
oauth_account_free(struct oauth_account *a)
{
	if (a == NULL)
		return;
	free(a->email);
	free(a->key_id);
	EVP_PKEY_free(a->key);
	free(a);
}

const char *
oauth_account_email(const struct oauth_account *a)
{
	return a->email;
}

/* base64url of o's compact JSON (caller frees). */
static char *
oauth_segment(json_t *o)
{
	char	*s, *out;

	if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("oauth_segment");
	out = oauth_base64url(s, strlen(s));
	free(s);
	return out;
}

char *
oauth_jwt(const struct oauth_account *a, const char *scope, const char *aud,
    int64_t iat, char **cause)
{
	json_t		*header, *claims;
	char		*h, *c, *input, *sig64, *jwt = NULL;
	unsigned char	*sig = NULL;
	size_t		 siglen = 0;
	EVP_MD_CTX	*ctx;

	header = json_pack("{s:s,s:s}", "alg", "RS256", "typ", "JWT");
	if (a->key_id != NULL)
		json_object_set_new(header, "kid", json_string(a->key_id));
	claims = json_pack("{s:s,s:s,s:s,s:I,s:I}", "iss", a->email,
	    "scope", scope, "aud", aud, "iat", (json_int_t)iat,
	    "exp", (json_int_t)(iat + OAUTH_LIFETIME_S));
	h = oauth_segment(header);
	c = oauth_segment(claims);
	json_decref(header);
	json_decref(claims);
	input = xasprintf("%s.%s", h, c);

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("EVP_MD_CTX_new");
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, a->key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)input,
	    strlen(input)) != 1) {
		*cause = xasprintf("signing: %s", oauth_ssl_error());
		goto out;
	}
	sig = xmalloc(siglen);
	if (EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)input,
	    strlen(input)) != 1) {
		*cause = xasprintf("signing: %s", oauth_ssl_error());
		goto out;
	}
	sig64 = oauth_base64url(sig, siglen);
	jwt = xasprintf("%s.%s", input, sig64);
	free(sig64);
out:
	EVP_MD_CTX_free(ctx);
	free(sig);
	free(input);
	free(h);
	free(c);
	return jwt;
}
