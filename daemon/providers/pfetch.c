#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "driver.h"
#include "pfetch.h"
#include "log.h"

#define FETCH_MAX_HEAD		(32 * 1024)
#define FETCH_USER_AGENT	"soukd/" SOUK_VERSION

/*
 * libcurl failures that trying again cannot mend: the request itself is
 * wrong (a bad URL, a protocol we do not allow).  Everything else (no
 * route, refused, reset, timed out, a TLS handshake that failed) may
 * pass later.
 */
static const CURLcode fetch_permanent_errors[] = {
	CURLE_UNSUPPORTED_PROTOCOL,
	CURLE_URL_MALFORMAT,
	CURLE_NOT_BUILT_IN,
	CURLE_BAD_FUNCTION_ARGUMENT,
	CURLE_LOGIN_DENIED,
	CURLE_USE_SSL_FAILED,
	CURLE_SSL_CACERT_BADFILE,
	CURLE_SSL_CERTPROBLEM,
	CURLE_FILESIZE_EXCEEDED,
};

/* Keeps what fits in the buffer and drops the rest without failing. */
static size_t
fetch_keep_cb(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;
	size_t		 len = size * n, room;

	room = b->max > b->len ? b->max - b->len : 0;
	if (!buf_add(b, p, len < room ? len : room))
		fatalx("fetch_keep_cb");
	return len;
}

static size_t
fetch_head_cb(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	/* A new status line (after 100 Continue) starts a new set. */
	if (size * n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		buf_reset(b);
	return fetch_keep_cb(p, size, n, arg);
}

void
pfetch_setup(CURL *c, int64_t timeout_ms, const char *protocols, char *errbuf)
{
	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(c, CURLOPT_USERAGENT, FETCH_USER_AGENT);
}

bool
pfetch_perform(struct pfetch *f)
{
	CURL			*c;
	struct curl_slist	*hl = NULL, *l;
	const char *const	*h;
	char			*line, *ra;

	buf_init(&f->answer, FETCH_MAX_ANSWER);
	buf_init(&f->head, FETCH_MAX_HEAD);
	f->status = 0;
	f->json = NULL;
	f->retry_after_ms = -1;
	if ((c = curl_easy_init()) == NULL)
		fatalx("curl_easy_init");
	pfetch_setup(c, f->timeout_ms, "http,https", f->errbuf);
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_keep_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f->answer);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, fetch_head_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &f->head);
	/* No 100-continue round trip: providers answer small bodies at once. */
	if ((hl = curl_slist_append(hl, "Expect:")) == NULL ||
	    (hl = curl_slist_append(hl, "Accept: application/json")) == NULL)
		fatalx("curl_slist_append");
	if (f->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, f->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)f->len);
		line = xasprintf("Content-Type: %s", f->ctype != NULL ?
		    f->ctype : "application/octet-stream");
		if ((l = curl_slist_append(hl, line)) == NULL)
			fatalx("curl_slist_append");
		hl = l;
		free(line);
	}
	if (f->bearer != NULL) {
		line = xasprintf("Authorization: Bearer %s", f->bearer);
		if ((l = curl_slist_append(hl, line)) == NULL)
			fatalx("curl_slist_append");
		hl = l;
		notify_wipe(line);
	}
	for (h = f->headers; h != NULL && *h != NULL; h++) {
		if ((l = curl_slist_append(hl, *h)) == NULL)
			fatalx("curl_slist_append");
		hl = l;
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (f->user != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, f->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
		    f->password != NULL ? f->password : "");
	}

	f->error = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
	curl_easy_cleanup(c);
	/* The list holds the bearer token. */
	for (l = hl; l != NULL; l = l->next)
		sodium_memzero(l->data, strlen(l->data));
	curl_slist_free_all(hl);

	if (f->error != CURLE_OK)
		return false;
	if (f->answer.len > 0)
		f->json = json_loadb(f->answer.data, f->answer.len, 0, NULL);
	if ((ra = pfetch_header(f, "Retry-After")) != NULL) {
		if (!pfetch_retry_after(ra, time(NULL), &f->retry_after_ms))
			f->retry_after_ms = -1;
		free(ra);
	}
	return f->status != 0;
}

void
pfetch_free(struct pfetch *f)
{
	buf_free(&f->answer);
	buf_free(&f->head);
	json_decref(f->json);
	f->json = NULL;
}

char *
pfetch_header(const struct pfetch *f, const char *name)
{
	const char	*p = f->head.data, *eol, *v, *end;
	size_t		 n = strlen(name);
	char		*found = NULL;

	while (p != NULL && *p != '\0') {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			v = p + n + 1;
			end = eol;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == '\r' || end[-1] == ' ' ||
			    end[-1] == '\t'))
				end--;
			free(found);
			found = xstrndup(v, (size_t)(end - v));
		}
		p = *eol != '\0' ? eol + 1 : eol;
	}
	return found;
}

enum notify_outcome
pfetch_curl_outcome(CURLcode e)
{
	size_t	i;

	if (e == CURLE_OK)
		return NOTIFY_SENT;
	for (i = 0; i < sizeof fetch_permanent_errors /
	    sizeof fetch_permanent_errors[0]; i++) {
		if (fetch_permanent_errors[i] == e)
			return NOTIFY_PERMANENT;
	}
	return NOTIFY_RETRY;
}

enum notify_outcome
pfetch_outcome(const struct pfetch *f)
{
	if (f->error != CURLE_OK || f->status == 0)
		return pfetch_curl_outcome(f->error != CURLE_OK ? f->error :
		    CURLE_RECV_ERROR);
	if (f->status >= 200 && f->status < 300)
		return NOTIFY_SENT;
	if (f->status == 408 || f->status == 425 || f->status == 429 ||
	    f->status >= 500)
		return NOTIFY_RETRY;
	/* Other 4xx, and redirects we do not follow (a wrong base URL). */
	return NOTIFY_PERMANENT;
}

char *
pfetch_describe(const struct pfetch *f)
{
	if (f->error == CURLE_OPERATION_TIMEDOUT)
		return xasprintf("timed out after %lld ms",
		    (long long)f->timeout_ms);
	if (f->error != CURLE_OK)
		return xasprintf("%s", f->errbuf[0] != '\0' ? f->errbuf :
		    curl_easy_strerror(f->error));
	return xasprintf("HTTP %ld", f->status);
}

bool
pfetch_retry_after(const char *value, time_t now, int64_t *ms)
{
	const char	*p = value, *end;
	char		*num_end;
	long long	 secs;
	time_t		 when;
	char		 copy[128];

	if (value == NULL)
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if (end == p || (size_t)(end - p) >= sizeof copy)
		return false;
	memcpy(copy, p, (size_t)(end - p));
	copy[end - p] = '\0';

	if (copy[0] >= '0' && copy[0] <= '9') {
		/* delta-seconds: digits only (RFC 9110 10.2.3). */
		errno = 0;
		secs = strtoll(copy, &num_end, 10);
		if (*num_end != '\0')
			return false;
		if (errno == ERANGE ||
		    secs > FETCH_MAX_RETRY_AFTER_MS / 1000)
			secs = FETCH_MAX_RETRY_AFTER_MS / 1000;
		*ms = secs * 1000;
		return true;
	}
	/* An HTTP-date needs a letter first (a day name). */
	if (!((copy[0] >= 'A' && copy[0] <= 'Z') ||
	    (copy[0] >= 'a' && copy[0] <= 'z')))
		return false;
	if ((when = curl_getdate(copy, NULL)) == -1)
		return false;
	if (when <= now)
		*ms = 0;
	else if (when - now > FETCH_MAX_RETRY_AFTER_MS / 1000)
		*ms = FETCH_MAX_RETRY_AFTER_MS;
	else
		*ms = (int64_t)(when - now) * 1000;
	return true;
}

void
pfetch_form_add(struct buf *b, const char *name, const char *value)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const char		*s;
	int			 pass;

	for (pass = 0; pass < 2; pass++) {
		if (pass == 0 && b->len > 0 && !buf_adds(b, "&"))
			fatalx("pfetch_form_add");
		for (s = pass == 0 ? name : value; *s != '\0'; s++) {
			unsigned char	ch = (unsigned char)*s;
			char		enc[3];
			bool		ok;

			if ((ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' ||
			    ch == '.' || ch == '_' || ch == '~')
				ok = buf_add(b, s, 1);
			else {
				enc[0] = '%';
				enc[1] = hex[ch >> 4];
				enc[2] = hex[ch & 15];
				ok = buf_add(b, enc, 3);
			}
			if (!ok)
				fatalx("pfetch_form_add");
		}
		if (pass == 0 && !buf_adds(b, "="))
			fatalx("pfetch_form_add");
	}
}
