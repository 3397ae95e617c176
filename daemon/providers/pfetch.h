/*
 * pfetch: one request to an outside provider over libcurl, as every
 * notification driver makes it: the provider timeout, no signals, no
 * redirects, only the protocols expected, an answer capped in size, the
 * Retry-After header read in either of its forms, and the classification
 * the HTTP drivers share: 2xx sent; 408, 425, 429, 5xx and network
 * failures retried; any other answer permanent.
 */
#ifndef SOUKD_PFETCH_H
#define SOUKD_PFETCH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "notify.h"

/* The most of a provider's answer kept; the rest is dropped. */
#define FETCH_MAX_ANSWER	(256 * 1024)
/* The longest Retry-After honoured. */
#define FETCH_MAX_RETRY_AFTER_MS (86400LL * 1000)

struct pfetch {
	/* The request; the caller owns these. */
	const char	*url;
	const char	*body;		/* NULL: GET */
	size_t		 len;
	const char	*ctype;		/* Content-Type of body */
	const char	*user;		/* HTTP basic authentication */
	const char	*password;
	const char	*bearer;	/* Authorization: Bearer */
	const char	*const *headers;	/* "Name: value", NULL-ended */
	int64_t		 timeout_ms;

	/* The answer, filled by pfetch_perform; pfetch_free frees it. */
	CURLcode	 error;		/* CURLE_OK when an answer came */
	long		 status;
	struct buf	 answer;	/* the body, capped at FETCH_MAX_ANSWER */
	struct buf	 head;		/* the header lines, raw */
	json_t		*json;		/* the body, when it parses as JSON */
	int64_t		 retry_after_ms; /* -1 without a usable Retry-After */
	char		 errbuf[CURL_ERROR_SIZE];
};

/*
 * Sends f's request and fills its answer.  True if the server answered
 * with an HTTP status, false on a network failure or timeout (f->error
 * and f->errbuf say which).  Call pfetch_free afterwards either way.
 */
bool	pfetch_perform(struct pfetch *f);
void	pfetch_free(struct pfetch *f);
/* The last value of response header name (caller frees), or NULL. */
char	*pfetch_header(const struct pfetch *f, const char *name);
/* What f's answer means, by its HTTP status or libcurl error. */
enum notify_outcome pfetch_outcome(const struct pfetch *f);
/* What a libcurl failure means: RETRY, or PERMANENT for misuse. */
enum notify_outcome pfetch_curl_outcome(CURLcode);
/*
 * A one-line description of a failed fetch for a result's detail:
 * "timed out after 1000 ms", "HTTP 503"...  Caller frees.
 */
char	*pfetch_describe(const struct pfetch *f);

/*
 * Parses a Retry-After value, delta-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2015 07:28:00 GMT", or the obsolete RFC 850 and asctime
 * forms), relative to now, into milliseconds from now: 0 for a date
 * past, at most FETCH_MAX_RETRY_AFTER_MS.  False if value is neither.
 */
bool	pfetch_retry_after(const char *value, time_t now, int64_t *ms)
	    __attribute__((warn_unused_result));

/*
 * Sets what every provider call shares on c: timeout_ms overall (the
 * connection within it), no signals, no redirects, only protocols
 * (libcurl's "http,https" syntax), errbuf for messages.
 */
void	pfetch_setup(CURL *c, int64_t timeout_ms, const char *protocols,
	    char *errbuf);

/* Appends name=value to b, form-encoded (application/x-www-form-urlencoded). */
void	pfetch_form_add(struct buf *b, const char *name, const char *value);

#endif
