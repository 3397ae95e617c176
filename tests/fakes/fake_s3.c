/*
 * The S3 fake: enough of Amazon S3's REST API, path-style, for soukd's
 * media store: PUT, GET, HEAD and DELETE of /{bucket}/{key}, objects
 * kept in memory.  Every request must carry an AWS Signature Version 4
 * that this fake recomputes from what it received, with the key pair the
 * tests configure (FAKE_S3_ACCESS_KEY, FAKE_S3_SECRET_KEY): a wrong key
 * id, a wrong signature, a date too far off or a body that does not
 * match x-amz-content-sha256 is answered as S3 answers it, with its XML
 * error.  GET /_fake/objects lists what is stored, {"bucket/key": size}.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "buf.h"
#include "fakes.h"
#include "xmalloc.h"

#define FAKE_S3_MAX_BODY	(80 * 1024 * 1024)

struct s3_object {
	char			*name;		/* bucket/key */
	char			*type;
	char			*data;
	size_t			 len;
	struct s3_object	*next;
};

static pthread_mutex_t	 s3_lock = PTHREAD_MUTEX_INITIALIZER;
static struct s3_object	*s3_objects;
static const char	*s3_key_id = "AKIDSOUKTEST";
static const char	*s3_secret = "souk-test-secret";

struct s3_req {
	struct buf	 body;
	json_t		*headers;	/* lower-case names */
};

static enum MHD_Result
s3_header_cb(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	char	*lower = xstrdup(key), *p;

	(void)kind;
	for (p = lower; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	json_object_set_new(arg, lower, json_string(value != NULL ? value :
	    ""));
	free(lower);
	return MHD_YES;
}

static void
s3_hex(const unsigned char *bin, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, bin, n);
}

static void
s3_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char	h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	s3_hex(h, sizeof h, out);
}

static void
s3_hmac(const unsigned char *key, size_t keylen, const char *msg,
    unsigned char out[32])
{
	crypto_auth_hmacsha256_state	st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg,
	    strlen(msg));
	crypto_auth_hmacsha256_final(&st, out);
}

/* The object of that name, or NULL; s3_lock held. */
static struct s3_object **
s3_find(const char *name)
{
	struct s3_object	**o;

	for (o = &s3_objects; *o != NULL; o = &(*o)->next)
		if (strcmp((*o)->name, name) == 0)
			return o;
	return NULL;
}

static void
s3_drop(const char *name)
{
	struct s3_object	**o, *gone;

	if ((o = s3_find(name)) == NULL)
		return;
	gone = *o;
	*o = gone->next;
	free(gone->name);
	free(gone->type);
	free(gone->data);
	free(gone);
}

/* A header value as SigV4 canonicalises it: trimmed, blanks squeezed. */
static void
s3_canonical_value(struct buf *b, const char *v)
{
	bool	blank = false;

	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t') {
			blank = true;
			continue;
		}
		if (blank && !buf_adds(b, " "))
			abort();
		blank = false;
		if (!buf_add(b, v, 1))
			abort();
	}
}

/* Copies the value of name=... up to a comma or the end. */
static char *
s3_auth_part(const char *auth, const char *name)
{
	const char	*p = strstr(auth, name), *end;

	if (p == NULL)
		return NULL;
	p += strlen(name);
	end = p + strcspn(p, ", ");
	return xstrndup(p, (size_t)(end - p));
}

/*
 * Checks the request's signature; NULL if good, else the S3 error code
 * (and *status).
 */
static const char *
s3_check(const char *method, const char *url, struct s3_req *q, int *status)
{
	const char	*auth, *date, *payload, *h;
	char		*cred = NULL, *signed_h = NULL, *sig = NULL, *scope,
			*name, *next, hash[65], want[65], body_hash[65];
	char		 ymd[9] = "", region[64] = "", service[16] = "";
	unsigned char	 k1[32], k2[32], k3[32], k4[32], mac[32];
	struct buf	 canon, sts;
	const char	*why = NULL;
	char		*secret_key;
	struct tm	 tm;
	time_t		 t;

	*status = 403;
	auth = json_string_value(json_object_get(q->headers, "authorization"));
	date = json_string_value(json_object_get(q->headers, "x-amz-date"));
	payload = json_string_value(json_object_get(q->headers,
	    "x-amz-content-sha256"));
	if (auth == NULL || strncmp(auth, "AWS4-HMAC-SHA256 ", 17) != 0)
		return "AccessDenied";
	cred = s3_auth_part(auth, "Credential=");
	signed_h = s3_auth_part(auth, "SignedHeaders=");
	sig = s3_auth_part(auth, "Signature=");
	if (cred == NULL || signed_h == NULL || sig == NULL || date == NULL) {
		*status = 400;
		why = "AuthorizationHeaderMalformed";
		goto out;
	}
	/* AKID/20261121/us-east-1/s3/aws4_request */
	if ((scope = strchr(cred, '/')) == NULL ||
	    (size_t)(scope - cred) != strlen(s3_key_id) ||
	    strncmp(cred, s3_key_id, strlen(s3_key_id)) != 0) {
		why = "InvalidAccessKeyId";
		goto out;
	}
	scope++;
	if (sscanf(scope, "%8[0-9]/%63[^/]/%15[^/]/aws4_request", ymd, region,
	    service) != 3 || strcmp(service, "s3") != 0 ||
	    strncmp(date, ymd, 8) != 0) {
		*status = 400;
		why = "AuthorizationHeaderMalformed";
		goto out;
	}
	memset(&tm, 0, sizeof tm);
	if (strptime(date, "%Y%m%dT%H%M%SZ", &tm) == NULL ||
	    (t = timegm(&tm), t < time(NULL) - 900 || t > time(NULL) + 900)) {
		why = "RequestTimeTooSkewed";
		goto out;
	}
	/* S3 wants the payload's hash in a header, and signed. */
	if (payload == NULL || strstr(signed_h, "x-amz-content-sha256") ==
	    NULL || strstr(signed_h, "host") == NULL ||
	    strstr(signed_h, "x-amz-date") == NULL) {
		*status = 400;
		why = "InvalidRequest";
		goto out;
	}
	s3_sha256_hex(q->body.data != NULL ? q->body.data : "", q->body.len,
	    body_hash);
	if (strcmp(payload, "UNSIGNED-PAYLOAD") != 0 &&
	    strcmp(payload, body_hash) != 0) {
		*status = 400;
		why = "XAmzContentSHA256Mismatch";
		goto out;
	}
	buf_init(&canon, 0);
	if (!buf_printf(&canon, "%s\n%s\n\n", method, url))
		abort();
	for (name = signed_h; name != NULL; name = next) {
		if ((next = strchr(name, ';')) != NULL)
			*next++ = '\0';
		/* A header signed but not sent cannot be checked: refused. */
		if ((h = json_string_value(json_object_get(q->headers,
		    name))) == NULL) {
			buf_free(&canon);
			why = "SignatureDoesNotMatch";
			goto out;
		}
		if (!buf_printf(&canon, "%s:", name))
			abort();
		s3_canonical_value(&canon, h);
		if (!buf_adds(&canon, "\n"))
			abort();
		if (next != NULL)
			next[-1] = ';';
	}
	if (!buf_printf(&canon, "\n%s\n%s", signed_h, payload))
		abort();
	s3_sha256_hex(canon.data, canon.len, hash);
	buf_free(&canon);
	buf_init(&sts, 0);
	if (!buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", date, scope,
	    hash))
		abort();
	secret_key = xasprintf("AWS4%s", s3_secret);
	s3_hmac((unsigned char *)secret_key, strlen(secret_key), ymd, k1);
	s3_hmac(k1, 32, region, k2);
	s3_hmac(k2, 32, service, k3);
	s3_hmac(k3, 32, "aws4_request", k4);
	s3_hmac(k4, 32, sts.data, mac);
	s3_hex(mac, 32, want);
	free(secret_key);
	buf_free(&sts);
	if (strcmp(want, sig) != 0)
		why = "SignatureDoesNotMatch";
out:
	if (why == NULL)
		*status = 200;
	free(cred);
	free(signed_h);
	free(sig);
	return why;
}

static struct MHD_Response *
s3_error(const char *code, const char *url)
{
	char			*xml;
	struct MHD_Response	*resp;

	xml = xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<Error><Code>%s</Code><Message>%s</Message><Resource>%s"
	    "</Resource><RequestId>fake</RequestId></Error>", code, code, url);
	resp = MHD_create_response_from_buffer(strlen(xml), xml,
	    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "application/xml");
	return resp;
}

static struct MHD_Response *
s3_listing(void)
{
	json_t			*list = json_object();
	struct s3_object	*o;
	char			*text;

	pthread_mutex_lock(&s3_lock);
	for (o = s3_objects; o != NULL; o = o->next)
		json_object_set_new(list, o->name, json_integer((json_int_t)
		    o->len));
	pthread_mutex_unlock(&s3_lock);
	text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result
s3_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct s3_req		*q = *con_cls;
	struct MHD_Response	*resp = NULL;
	struct s3_object	*obj, **found;
	const char		*code, *ctype;
	json_t			*entry;
	char			*data, etag[65];
	size_t			 size;
	int			 status = 200;
	enum MHD_Result		 ret;

	(void)cls;
	(void)version;
	if (q == NULL) {
		q = xcalloc(1, sizeof *q);
		buf_init(&q->body, FAKE_S3_MAX_BODY);
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!buf_add(&q->body, upload, *upload_size))
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	q->headers = json_object();
	MHD_get_connection_values(conn, MHD_HEADER_KIND, s3_header_cb,
	    q->headers);
	size = q->body.len;
	if (strcmp(url, "/_fake/objects") == 0) {
		resp = s3_listing();
		ret = MHD_queue_response(conn, 200, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if ((code = s3_check(method, url, q, &status)) != NULL)
		resp = s3_error(code, url);
	else if (strchr(url + 1, '/') == NULL) {
		status = 400;
		resp = s3_error("InvalidRequest", url);
	} else if (strcmp(method, "PUT") == 0) {
		ctype = json_string_value(json_object_get(q->headers,
		    "content-type"));
		obj = xcalloc(1, sizeof *obj);
		obj->name = xstrdup(url + 1);
		obj->type = xstrdup(ctype != NULL ? ctype :
		    "binary/octet-stream");
		obj->len = q->body.len;
		obj->data = buf_take(&q->body, NULL);
		s3_sha256_hex(obj->data, obj->len, etag);
		pthread_mutex_lock(&s3_lock);
		s3_drop(obj->name);
		obj->next = s3_objects;
		s3_objects = obj;
		pthread_mutex_unlock(&s3_lock);
		resp = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		etag[32] = '\0';
		{
			char	*quoted = xasprintf("\"%s\"", etag);

			MHD_add_response_header(resp, "ETag", quoted);
			free(quoted);
		}
	} else if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		pthread_mutex_lock(&s3_lock);
		if ((found = s3_find(url + 1)) != NULL) {
			data = xmalloc((*found)->len + 1);
			memcpy(data, (*found)->data, (*found)->len);
			resp = MHD_create_response_from_buffer((*found)->len,
			    data, MHD_RESPMEM_MUST_FREE);
			MHD_add_response_header(resp, "Content-Type",
			    (*found)->type);
		}
		pthread_mutex_unlock(&s3_lock);
		if (resp == NULL) {
			status = 404;
			resp = s3_error("NoSuchKey", url);
		}
	} else if (strcmp(method, "DELETE") == 0) {
		pthread_mutex_lock(&s3_lock);
		s3_drop(url + 1);
		pthread_mutex_unlock(&s3_lock);
		status = 204;
		resp = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
	} else {
		status = 405;
		resp = s3_error("MethodNotAllowed", url);
	}
	ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	entry = json_pack("{s:s, s:s, s:s, s:O, s:i, s:I, s:s?}", "service",
	    "s3", "method", method, "path", url, "headers", q->headers,
	    "status", status, "size", (json_int_t)size, "error", code);
	fake_record(entry);
	return ret;
}

static void
s3_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct s3_req	*q = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (q == NULL)
		return;
	buf_free(&q->body);
	json_decref(q->headers);
	free(q);
	*con_cls = NULL;
}

int
fake_s3_start(void)
{
	struct sockaddr_in		 sin;
	struct MHD_Daemon		*d;
	const union MHD_DaemonInfo	*info;

	if (getenv("FAKE_S3_ACCESS_KEY") != NULL)
		s3_key_id = getenv("FAKE_S3_ACCESS_KEY");
	if (getenv("FAKE_S3_SECRET_KEY") != NULL)
		s3_secret = getenv("FAKE_S3_SECRET_KEY");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    s3_access, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_NOTIFY_COMPLETED, s3_completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "fakes: cannot start the S3 server\n");
		exit(1);
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0) {
		fprintf(stderr, "fakes: no S3 port\n");
		exit(1);
	}
	return info->port;
}
