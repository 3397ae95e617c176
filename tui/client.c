#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "client.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

struct client {
	CURL			*curl;
	char			*url;
	long			 connect_ms;
	long			 timeout_ms;
	const volatile int	*cancel;
	bool			 files;
	bool			 csv;
	char			 errbuf[CURL_ERROR_SIZE];
};

void
client_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
}

void
client_global_cleanup(void)
{
	curl_global_cleanup();
}

struct client *
client_new(const struct client_opts *o)
{
	struct client	*c = xcalloc(1, sizeof *c);
	size_t		 len;

	if ((c->curl = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	c->url = xstrdup(o->url);
	len = strlen(c->url);
	while (len > 0 && c->url[len - 1] == '/')
		c->url[--len] = '\0';
	c->connect_ms = o->connect_ms;
	c->timeout_ms = o->timeout_ms;
	c->cancel = o->cancel;
	return c;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c->url);
	free(c);
}

void
client_csv(struct client *c, bool csv)
{
	c->csv = csv;
}

void
client_files(struct client *c, bool files)
{
	c->files = files;
}

void
response_free(struct response *r)
{
	if (r == NULL)
		return;
	json_decref(r->json);
	free(r->message);
	if (r->file != NULL)
		explicit_bzero(r->file, r->file_len);
	free(r->file);
	memset(r, 0, sizeof *r);
}

/* Whether a Content-Type is JSON (application/json, or +json). */
static bool
client_is_json(const char *ctype)
{
	size_t	n;

	if (ctype == NULL)
		return false;
	n = strcspn(ctype, "; ");
	return (n == 16 && strncasecmp(ctype, "application/json", 16) == 0) ||
	    (n > 5 && strncasecmp(ctype + n - 5, "+json", 5) == 0);
}

static size_t
client_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (!buf_add(b, p, size * n))
		return 0;	/* past the cap: curl stops with an error */
	return size * n;
}

static int
client_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	const struct client	*c = arg;

	(void)dt; (void)dn; (void)ut; (void)un;
	return c->cancel != NULL && *c->cancel != 0;
}

static const char *
client_reason(long http)
{
	static const struct { long code; const char *text; } reasons[] = {
		{ 400, "Bad request" }, { 401, "Authentication required" },
		{ 403, "Not allowed" }, { 404, "Not found" },
		{ 405, "Method not allowed" }, { 409, "Conflict" },
		{ 413, "Request too large" }, { 415, "Unsupported media type" },
		{ 422, "Request cannot be processed" },
		{ 429, "Too many requests" }, { 500, "Internal error" },
		{ 502, "Bad gateway" }, { 503, "Service unavailable" },
		{ 504, "Gateway timeout" },
	};
	size_t	i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		if (reasons[i].code == http)
			return reasons[i].text;
	}
	return http >= 500 ? "Server error" : "Request refused";
}

char *
client_problem_text(const json_t *problem, long http)
{
	const char	*title = NULL, *detail = NULL, *field, *msg;
	const json_t	*errors, *e;
	struct buf	 b;
	size_t		 i;

	if (json_is_object(problem)) {
		title = json_string_value(json_object_get(problem, "title"));
		detail = json_string_value(json_object_get(problem, "detail"));
	}
	buf_init(&b, 0);
	if (title == NULL || *title == '\0') {
		if (!buf_printf(&b, "%s (HTTP %ld)", client_reason(http), http))
			fatalx("client_problem_text");
	} else if (!buf_adds(&b, title))
		fatalx("client_problem_text");
	if (detail != NULL && *detail != '\0' &&
	    !buf_printf(&b, ": %s", detail))
		fatalx("client_problem_text");
	errors = json_is_object(problem) ? json_object_get(problem, "errors") :
	    NULL;
	json_array_foreach(errors, i, e) {
		field = json_string_value(json_object_get(e, "field"));
		msg = json_string_value(json_object_get(e, "message"));
		if (msg == NULL)
			continue;
		/* soukd's detail usually repeats the first error already. */
		if (detail != NULL && strstr(detail, msg) != NULL)
			continue;
		if (!buf_printf(&b, "%s%s%s%s", i == 0 && detail == NULL ?
		    ": " : "; ", field != NULL ? field : "", field != NULL ?
		    " " : "", msg))
			fatalx("client_problem_text");
	}
	return buf_take(&b, NULL);
}

char *
client_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	struct buf		 b;
	unsigned char		 c;
	char			 enc[3];

	buf_init(&b, 0);
	for (; s != NULL && *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (!buf_add(&b, s, 1))
				fatalx("client_escape");
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 15];
		if (!buf_add(&b, enc, 3))
			fatalx("client_escape");
	}
	return buf_take(&b, NULL);
}

void
client_query(struct buf *path, const char *key, const char *value)
{
	char	*k, *v;

	if (value == NULL)
		return;
	k = client_escape(key);
	v = client_escape(value);
	if (!buf_printf(path, "%c%s=%s", path->data != NULL &&
	    strchr(path->data, '?') != NULL ? '&' : '?', k, v))
		fatalx("client_query");
	free(k);
	free(v);
}

/*
 * A readable sentence for a transfer that got no answer.  curl's own
 * error text carries timings: keep the sentence stable.
 */
static char *
client_network_text(const struct client *c, CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return xasprintf("cannot connect to %s", c->url);
	case CURLE_COULDNT_RESOLVE_HOST:
		return xasprintf("cannot find the host of %s", c->url);
	case CURLE_OPERATION_TIMEDOUT:
		return xasprintf("%s did not answer in time", c->url);
	default:
		return xasprintf("lost the connection to %s (%s)", c->url,
		    curl_easy_strerror(rc));
	}
}

bool
client_do(struct client *c, const char *method, const char *path,
    const char *body, struct response *r)
{
	return client_call(c, method, path, body, NULL, r);
}

bool
client_call(struct client *c, const char *method, const char *path,
    const char *body, const char *token, struct response *r)
{
	struct curl_slist	*hdrs = NULL;
	char			*auth = NULL;
	struct buf		 in;
	json_error_t		 jerr;
	curl_off_t		 us = 0;
	CURLcode		 rc;
	char			*url;
	const char		*ctype = NULL;

	memset(r, 0, sizeof *r);
	r->status = CLIENT_BAD_REPLY;
	buf_init(&in, CLIENT_BODY_MAX);
	url = xasprintf("%s%s", c->url, path);
	c->errbuf[0] = '\0';
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, client_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &in);
	curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, client_progress);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "souk/" SOUK_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	hdrs = curl_slist_append(hdrs, "Accept: application/json, "
	    "application/problem+json");
	if (token != NULL) {
		auth = xasprintf("Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs, c->csv ?
		    "Content-Type: text/csv; charset=utf-8" :
		    "Content-Type: application/json");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);

	rc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_TOTAL_TIME_T, &us);
	r->latency_ms = (long)(us / 1000);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		r->status = CLIENT_CANCELLED;
		r->message = xstrdup("cancelled");
		goto out;
	}
	if (rc == CURLE_WRITE_ERROR) {
		r->message = xasprintf("the answer to %s %s is larger than "
		    "%d MiB", method, path, CLIENT_BODY_MAX / (1024 * 1024));
		goto out;
	}
	if (rc != CURLE_OK) {
		r->status = CLIENT_NETWORK;
		r->message = client_network_text(c, rc);
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->http);
	curl_easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &ctype);
	if (in.len > 0 && utf8_valid(in.data, in.len))
		r->json = json_loadb(in.data, in.len, 0, &jerr);
	if (r->http >= 200 && r->http < 300) {
		if (c->files && in.len > 0 && !client_is_json(ctype)) {
			/* A file: its bytes, whatever they look like. */
			json_decref(r->json);
			r->json = NULL;
			r->file_len = in.len;
			r->file = buf_take(&in, NULL);
			r->status = CLIENT_OK;
			goto out;
		}
		if (r->json == NULL && (r->http == 204 || in.len == 0)) {
			/* No content (a logout, a revoked session): fine. */
			r->json = json_object();
			r->status = CLIENT_OK;
			goto out;
		}
		if (r->json == NULL) {
			r->message = xasprintf("soukd's answer to %s %s is "
			    "not JSON", method, path);
			goto out;
		}
		r->status = CLIENT_OK;
		goto out;
	}
	r->status = CLIENT_PROBLEM;
	if (ctype != NULL && strncmp(ctype, "application/problem+json",
	    24) == 0 && json_is_object(r->json))
		r->message = client_problem_text(r->json, r->http);
	else {
		/* Not soukd's problem (a proxy's page?): never show raw text. */
		json_decref(r->json);
		r->json = NULL;
		r->message = client_problem_text(NULL, r->http);
	}
out:
	curl_slist_free_all(hdrs);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	/* Answers may hold tokens (sign-in, refresh). */
	if (in.data != NULL)
		explicit_bzero(in.data, in.len);
	buf_free(&in);
	free(url);
	return r->status == CLIENT_OK;
}
