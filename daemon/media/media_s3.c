/*
 * The S3 media store: objects in a bucket of any S3-compatible service
 * (AWS S3, MinIO, Ceph, R2...), reached path-style at
 * s3_endpoint/s3_bucket/<key>, every request signed with AWS Signature
 * Version 4 by libcurl itself (CURLOPT_AWS_SIGV4), so soukd carries no
 * signing code of its own.  A request that fails is not retried here: an
 * upload answers 503 and the client tries again; the garbage collector
 * runs again at its next schedule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "pfetch.h"
#include "store.h"
#include "xmalloc.h"

static struct {
	char	*endpoint;		/* without a trailing slash */
	char	*bucket;
	char	*sigv4;			/* "aws:amz:REGION:s3" */
	char	*access_key;
	char	*secret_key;
	int64_t	 timeout_ms;
} s3;

/*
 * A request to the object key with body (NULL: none), signed; *hl gets
 * the header list, which the caller frees with the handle.
 *
 * S3 wants every request to carry the SHA-256 of its body in
 * x-amz-content-sha256, covered by the signature; libcurl 7.88 signs the
 * body's hash but does not send that header, so it is added here (and
 * signed as a header of the request).
 */
static CURL *
s3_handle(const char *method, const char *key, const void *body, size_t len,
    const char *ctype, struct curl_slist **hl, char *errbuf)
{
	unsigned char	 hash[crypto_hash_sha256_BYTES];
	char		 hex[crypto_hash_sha256_BYTES * 2 + 1], *url, *line;
	CURL		*c;

	if ((c = curl_easy_init()) == NULL)
		fatalx("curl_easy_init");
	pfetch_setup(c, s3.timeout_ms, "http,https", errbuf);
	url = xasprintf("%s/%s/%s", s3.endpoint, s3.bucket, key);
	curl_easy_setopt(c, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s3.sigv4);
	curl_easy_setopt(c, CURLOPT_USERNAME, s3.access_key);
	curl_easy_setopt(c, CURLOPT_PASSWORD, s3.secret_key);
	crypto_hash_sha256(hash, body != NULL ? body : "", body != NULL ? len :
	    0);
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	line = xasprintf("x-amz-content-sha256: %s", hex);
	*hl = NULL;
	if ((*hl = curl_slist_append(*hl, line)) == NULL)
		fatalx("curl_slist_append");
	free(line);
	if (body != NULL) {
		/*
		 * The body given as POSTFIELDS is what libcurl hashes into
		 * the signature.
		 */
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		line = xasprintf("Content-Type: %s", ctype);
		if ((*hl = curl_slist_append(*hl, line)) == NULL)
			fatalx("curl_slist_append");
		free(line);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hl);
	return c;
}

/* Keeps the body up to the buffer's cap; past it the transfer fails. */
static size_t
s3_keep_cb(char *p, size_t size, size_t n, void *arg)
{
	return buf_add(arg, p, size * n) ? size * n : 0;
}

/* Keeps the start of an answer (an error message) and drops the rest. */
static size_t
s3_answer_cb(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;
	size_t		 len = size * n, room;

	room = b->max > b->len ? b->max - b->len : 0;
	if (!buf_add(b, p, len < room ? len : room))
		fatalx("s3_answer_cb");
	return len;
}

/* Performs c; *status gets the HTTP status (0: no answer). */
static bool
s3_perform(CURL *c, const char *what, const char *key, const char *errbuf,
    long *status, char **cause)
{
	CURLcode	rc;

	rc = curl_easy_perform(c);
	*status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK) {
		*cause = xasprintf("S3 %s %s: %s", what, key, errbuf[0] !=
		    '\0' ? errbuf : curl_easy_strerror(rc));
		return false;
	}
	return true;
}

static bool
s3_put(const char *key, const void *data, size_t len, const char *ctype,
    char **cause)
{
	char			 errbuf[CURL_ERROR_SIZE];
	struct curl_slist	*hl;
	struct buf		 answer;
	CURL			*c;
	long			 status;
	bool			 ok;

	buf_init(&answer, 4096);
	c = s3_handle("PUT", key, data, len, ctype, &hl, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s3_answer_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
	ok = s3_perform(c, "PUT", key, errbuf, &status, cause);
	if (ok && (status < 200 || status > 299)) {
		*cause = xasprintf("S3 PUT %s: HTTP %ld: %.200s", key, status,
		    answer.data != NULL ? answer.data : "");
		ok = false;
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	buf_free(&answer);
	return ok;
}

static char *
s3_get(const char *key, size_t *len)
{
	char			 errbuf[CURL_ERROR_SIZE], *cause = NULL;
	struct curl_slist	*hl;
	struct buf		 body;
	CURL			*c;
	long			 status;
	char			*out = NULL;

	buf_init(&body, MEDIA_READ_MAX);
	c = s3_handle("GET", key, NULL, 0, NULL, &hl, errbuf);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s3_keep_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	if (!s3_perform(c, "GET", key, errbuf, &status, &cause)) {
		log_warn("media: %s", cause);
		free(cause);
	} else if (status == 200) {
		/* buf_take gives a NUL-terminated copy, empty or not. */
		out = buf_take(&body, len);
	} else if (status != 404)
		log_warn("media: S3 GET %s: HTTP %ld", key, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	buf_free(&body);
	return out;
}

static bool
s3_remove(const char *key, char **cause)
{
	char			 errbuf[CURL_ERROR_SIZE];
	struct curl_slist	*hl;
	struct buf		 answer;
	CURL			*c;
	long			 status;
	bool			 ok;

	buf_init(&answer, 4096);
	c = s3_handle("DELETE", key, NULL, 0, NULL, &hl, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s3_answer_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
	ok = s3_perform(c, "DELETE", key, errbuf, &status, cause);
	/* S3 answers 204 whether or not the object was there. */
	if (ok && status != 204 && status != 200 && status != 404) {
		*cause = xasprintf("S3 DELETE %s: HTTP %ld: %.200s", key,
		    status, answer.data != NULL ? answer.data : "");
		ok = false;
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	buf_free(&answer);
	return ok;
}

static const struct media_store s3_store = {
	"s3", s3_put, s3_get, NULL, s3_remove,
};

const struct media_store *
media_s3_store(const struct config *c, char **cause)
{
	size_t	n;

	if (*c->s3_endpoint == '\0' || *c->s3_bucket == '\0' ||
	    *c->s3_access_key == '\0' || *c->s3_secret_key == '\0' ||
	    *c->s3_region == '\0') {
		*cause = xasprintf("media_store = s3 needs s3_endpoint, "
		    "s3_bucket, s3_region, s3_access_key and s3_secret_key");
		return NULL;
	}
	if (strncmp(c->s3_endpoint, "https://", 8) != 0 &&
	    strncmp(c->s3_endpoint, "http://", 7) != 0) {
		*cause = xasprintf("s3_endpoint must be an http:// or https:// "
		    "URL");
		return NULL;
	}
	/* Bucket names are DNS-like: nothing that would change the path. */
	if (strspn(c->s3_bucket, "abcdefghijklmnopqrstuvwxyz0123456789.-") !=
	    strlen(c->s3_bucket) || strpbrk(c->s3_region, ":/ ") != NULL) {
		*cause = xasprintf("s3_bucket must be lower-case letters, "
		    "digits, dots and hyphens; s3_region a plain name");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*cause = xasprintf("libcurl failed to initialise");
		return NULL;
	}
	free(s3.endpoint);
	free(s3.bucket);
	free(s3.sigv4);
	free(s3.access_key);
	if (s3.secret_key != NULL)
		sodium_memzero(s3.secret_key, strlen(s3.secret_key));
	free(s3.secret_key);
	s3.endpoint = xstrdup(c->s3_endpoint);
	n = strlen(s3.endpoint);
	while (n > 0 && s3.endpoint[n - 1] == '/')
		s3.endpoint[--n] = '\0';
	s3.bucket = xstrdup(c->s3_bucket);
	s3.sigv4 = xasprintf("aws:amz:%s:s3", c->s3_region);
	s3.access_key = xstrdup(c->s3_access_key);
	s3.secret_key = xstrdup(c->s3_secret_key);
	s3.timeout_ms = c->s3_timeout_ms;
	return &s3_store;
}
