/*
 * The HTTP fakes: Twilio, SendGrid, FCM and its OAuth token endpoint, as
 * their documentation describes their answers, plus the control
 * endpoints (fakes.h); Google and Facebook sign-in are in fake_oauth.c.
 * One thread per connection, so that a stalled answer holds up no other.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "buf.h"
#include "fakes.h"
#include "urlenc.h"
#include "xmalloc.h"

#define FAKE_MAX_BODY	(1024 * 1024)
#define FAKE_MAX_TOKENS	256
#define FAKE_FCM_ERROR	"type.googleapis.com/google.firebase.fcm.v1.FcmError"

static EVP_PKEY		*fake_public_key;
static int		 fake_port;
static pthread_mutex_t	 fake_tokens_lock = PTHREAD_MUTEX_INITIALIZER;
static char		*fake_tokens[FAKE_MAX_TOKENS];
static size_t		 fake_ntokens;
static int64_t		 fake_token_ttl = 3599;

/* --- requests --------------------------------------------------------- */

static enum MHD_Result
fake_header_cb(void *arg, enum MHD_ValueKind kind, const char *key,
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

static enum MHD_Result
fake_query_cb(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	(void)kind;
	json_object_set_new(arg, key, json_string(value != NULL ? value :
	    ""));
	return MHD_YES;
}

static json_t *
fake_parse_form(const char *s, size_t len)
{
	json_t		*form = json_object(), *prev;
	const char	*p = s, *end = s + len, *amp, *eq;
	char		*k, *v;

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		k = urlenc_decode(p, (size_t)(eq - p), NULL);
		v = eq < amp ? urlenc_decode(eq + 1, (size_t)(amp - eq - 1),
		    NULL) : xstrdup("");
		/* A repeated name (StatusCallbackEvent) collects an array. */
		if ((prev = json_object_get(form, k)) == NULL)
			json_object_set_new(form, k, json_string(v));
		else if (json_is_array(prev))
			json_array_append_new(prev, json_string(v));
		else
			json_object_set_new(form, k, json_pack("[O,s]", prev,
			    v));
		free(k);
		free(v);
		p = amp + 1;
	}
	return form;
}

const char *
fake_header(const struct fake_req *q, const char *lower)
{
	return json_string_value(json_object_get(q->headers, lower));
}

void
fake_answer(struct fake_req *q, long status, json_t *answer)
{
	q->status = status;
	json_decref(q->answer);
	q->answer = answer;
}

void
fake_add_header(struct fake_req *q, const char *name, const char *value)
{
	json_object_set_new(q->answer_headers, name, json_string(value));
}

/* Applies a rule's Retry-After and extra headers to the answer. */
void
fake_rule_headers(struct fake_req *q, const struct fake_rule *r)
{
	const char	*k;
	json_t		*v;

	if (r->retry_after != NULL)
		fake_add_header(q, "Retry-After", r->retry_after);
	json_object_foreach(r->headers, k, v) {
		if (json_is_string(v))
			fake_add_header(q, k, json_string_value(v));
	}
}

/* --- Twilio ----------------------------------------------------------- */

static const struct {
	long		 code;
	const char	*message;
} fake_twilio_messages[] = {
	{ 20003, "Authenticate" },
	{ 20429, "Too Many Requests" },
	{ 20500, "An internal server error has occurred" },
	{ 21211, "The 'To' number is not a valid phone number." },
	{ 21602, "Message body is required." },
	{ 21603, "A 'From' phone number is required." },
	{ 21604, "A 'To' phone number is required." },
	{ 21610, "Attempt to send to unsubscribed recipient" },
	{ 21614, "'To' number is not a valid mobile number" },
	{ 63016, "Failed to send freeform message because you are outside "
	  "the allowed window. If you are using WhatsApp, please use a "
	  "Message Template." },
	{ 63027, "Template does not exist for a language and locale" },
	{ 21205, "Url is not a valid URL" },
	{ 21210, "Source phone number not verified" },
	{ 21213, "Caller phone number is required" },
	{ 21217, "Phone number does not appear to be valid" },
	{ 21201, "No 'To' number is specified" },
};

static void
fake_twilio_error(struct fake_req *q, long status, long code)
{
	const char	*to = json_string_value(json_object_get(q->form, "To"));
	char		*msg = NULL, *more;
	size_t		 i;

	for (i = 0; i < sizeof fake_twilio_messages /
	    sizeof fake_twilio_messages[0]; i++) {
		if (fake_twilio_messages[i].code == code)
			msg = xstrdup(fake_twilio_messages[i].message);
	}
	/* Twilio's messages often name the number, as this one does. */
	if (msg == NULL)
		msg = xasprintf("Unable to create record: error %ld for %s",
		    code, to != NULL ? to : "(no To)");
	more = xasprintf("https://www.twilio.com/docs/errors/%ld", code);
	fake_answer(q, status, json_pack("{s:I,s:s,s:s,s:I}", "code",
	    (json_int_t)code, "message", msg, "more_info", more, "status",
	    (json_int_t)status));
	free(more);
	free(msg);
}

static void
fake_twilio_fail(struct fake_req *q, const struct fake_rule *r)
{
	long	code;

	if (r->code != NULL)
		code = strtol(r->code, NULL, 10);
	else if (r->status == 429)
		code = 20429;
	else if (r->status >= 500)
		code = 20500;
	else if (r->status == 401)
		code = 20003;
	else
		code = 21211;
	fake_twilio_error(q, r->status, code);
}

static void
fake_twilio(struct fake_req *q)
{
	const char	*auth = fake_header(q, "authorization"), *sid, *slash;
	const char	*to, *from, *msid, *body, *content;
	char		*cred, *want, *id, *account;
	size_t		 n;
	unsigned char	 rnd[16];
	char		 hex[33];

	/* /2010-04-01/Accounts/{sid}/Messages.json */
	sid = q->url + strlen("/2010-04-01/Accounts/");
	slash = strchr(sid, '/');
	account = xstrndup(sid, (size_t)(slash - sid));
	want = xasprintf("%s:", account);
	cred = auth != NULL && strncmp(auth, "Basic ", 6) == 0 ?
	    fake_base64_decode(auth + 6, strlen(auth + 6), false, &n) : NULL;
	if (cred == NULL || strncmp(cred, want, strlen(want)) != 0 ||
	    strlen(cred) == strlen(want)) {
		free(cred);
		free(want);
		free(account);
		fake_twilio_error(q, 401, 20003);
		return;
	}
	free(cred);
	free(want);
	if (q->form == NULL)
		q->form = json_object();
	to = json_string_value(json_object_get(q->form, "To"));
	from = json_string_value(json_object_get(q->form, "From"));
	msid = json_string_value(json_object_get(q->form,
	    "MessagingServiceSid"));
	body = json_string_value(json_object_get(q->form, "Body"));
	content = json_string_value(json_object_get(q->form, "ContentSid"));
	if (to == NULL || (from == NULL && msid == NULL) ||
	    (body == NULL && content == NULL)) {
		fake_twilio_error(q, 400, to == NULL ? 21604 :
		    from == NULL && msid == NULL ? 21603 : 21602);
		free(account);
		return;
	}
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	id = xasprintf("SM%s", hex);
	fake_answer(q, 201, json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s}", "sid", id,
	    "status", msid != NULL ? "accepted" : "queued", "to", to,
	    "from", from, "body", body, "account_sid", account));
	free(id);
	free(account);
}

/* Checks Twilio's basic authentication; the account SID (caller frees). */
static char *
fake_twilio_account(struct fake_req *q)
{
	const char	*auth = fake_header(q, "authorization"), *sid, *slash;
	char		*cred, *want, *account;
	size_t		 n;

	sid = q->url + strlen("/2010-04-01/Accounts/");
	slash = strchr(sid, '/');
	account = xstrndup(sid, (size_t)(slash - sid));
	want = xasprintf("%s:", account);
	cred = auth != NULL && strncmp(auth, "Basic ", 6) == 0 ?
	    fake_base64_decode(auth + 6, strlen(auth + 6), false, &n) : NULL;
	if (cred == NULL || strncmp(cred, want, strlen(want)) != 0 ||
	    strlen(cred) == strlen(want)) {
		free(account);
		account = NULL;
	}
	free(cred);
	free(want);
	return account;
}

/*
 * Voice: POST .../Calls.json places a call, To being rung first, then the
 * TwiML (or Url) run; the answer is the call resource, status queued.
 * Twilio's status callbacks are left to the tests, which sign them.
 */
static void
fake_twilio_call(struct fake_req *q)
{
	const char	*to, *from, *twiml, *url, *cb;
	char		*account, *id;
	unsigned char	 rnd[16];
	char		 hex[33];

	if ((account = fake_twilio_account(q)) == NULL) {
		fake_twilio_error(q, 401, 20003);
		return;
	}
	if (q->form == NULL)
		q->form = json_object();
	to = json_string_value(json_object_get(q->form, "To"));
	from = json_string_value(json_object_get(q->form, "From"));
	twiml = json_string_value(json_object_get(q->form, "Twiml"));
	url = json_string_value(json_object_get(q->form, "Url"));
	cb = json_string_value(json_object_get(q->form, "StatusCallback"));
	if (to == NULL || from == NULL || (twiml == NULL && url == NULL) ||
	    (cb != NULL && strncmp(cb, "http", 4) != 0)) {
		fake_twilio_error(q, 400, to == NULL ? 21201 : from == NULL ?
		    21213 : 21205);
		free(account);
		return;
	}
	if (to[0] != '+' || strlen(to) < 8) {
		fake_twilio_error(q, 400, 21217);
		free(account);
		return;
	}
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	id = xasprintf("CA%s", hex);
	fake_answer(q, 201, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:n}", "sid",
	    id, "status", "queued", "to", to, "from", from, "account_sid",
	    account, "api_version", "2010-04-01", "duration"));
	free(id);
	free(account);
}

/*
 * Voice: POST .../Calls/{CallSid}.json updates a call; Status=completed
 * (or canceled) ends it.  The answer is the call resource with its new
 * status; a SID that is not one the fake could have made is Twilio's
 * 20404.
 */
static void
fake_twilio_call_update(struct fake_req *q)
{
	const char	*status, *sid;
	char		*account;
	size_t		 n;

	if ((account = fake_twilio_account(q)) == NULL) {
		fake_twilio_error(q, 401, 20003);
		return;
	}
	/* .../Calls/CA<32 hex>.json */
	sid = strstr(q->url, "/Calls/");
	n = sid != NULL ? strlen(sid + 7) : 0;
	if (sid == NULL || n != 34 + 5 || strncmp(sid + 7, "CA", 2) != 0) {
		fake_twilio_error(q, 404, 20404);
		free(account);
		return;
	}
	if (q->form == NULL)
		q->form = json_object();
	status = json_string_value(json_object_get(q->form, "Status"));
	if (status == NULL || (strcmp(status, "completed") != 0 &&
	    strcmp(status, "canceled") != 0)) {
		fake_twilio_error(q, 400, 20001);
		free(account);
		return;
	}
	fake_answer(q, 200, json_pack("{s:s%,s:s,s:s,s:s}", "sid", sid + 7,
	    (size_t)34, "status", status, "account_sid", account,
	    "api_version", "2010-04-01"));
	free(account);
}

/* --- SendGrid --------------------------------------------------------- */

static void
fake_sendgrid_error(struct fake_req *q, long status, const char *msg,
    const char *field)
{
	fake_answer(q, status, json_pack("{s:[{s:s,s:s?,s:n}]}", "errors",
	    "message", msg, "field", field, "help"));
}

static void
fake_sendgrid_fail(struct fake_req *q, const struct fake_rule *r)
{
	const char	*msg;

	switch (r->status) {
	case 400:
		msg = "The to email does not contain a valid address.";
		break;
	case 401:
		msg = "The provided authorization grant is invalid, expired, "
		    "or revoked";
		break;
	case 403:
		msg = "access forbidden";
		break;
	case 429:
		msg = "too many requests";
		break;
	default:
		msg = "internal error";
		break;
	}
	fake_sendgrid_error(q, r->status, msg, r->status == 400 ?
	    "personalizations.0.to.0.email" : NULL);
}

static void
fake_sendgrid(struct fake_req *q)
{
	const char	*auth = fake_header(q, "authorization");
	json_t		*to;
	char		*id;

	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
	    auth[7] == '\0') {
		fake_sendgrid_error(q, 401, "The provided authorization grant "
		    "is invalid, expired, or revoked", NULL);
		return;
	}
	if (q->json == NULL) {
		fake_sendgrid_error(q, 400, "Bad Request", NULL);
		return;
	}
	to = json_array_get(json_object_get(json_array_get(
	    json_object_get(q->json, "personalizations"), 0), "to"), 0);
	if (json_string_value(json_object_get(to, "email")) == NULL) {
		fake_sendgrid_error(q, 400, "The to array is required for all "
		    "personalization objects", "personalizations.0.to");
		return;
	}
	if (json_string_value(json_object_get(json_object_get(q->json,
	    "from"), "email")) == NULL) {
		fake_sendgrid_error(q, 400, "The from object must be provided "
		    "for every email send.", "from");
		return;
	}
	if (json_array_size(json_object_get(q->json, "content")) == 0) {
		fake_sendgrid_error(q, 400, "Unless a valid template_id is "
		    "provided, the content parameter is required.", "content");
		return;
	}
	id = xasprintf("fake-sg-%lu", fake_serial());
	fake_add_header(q, "X-Message-Id", id);
	free(id);
	fake_answer(q, 202, NULL);
}

/* --- FCM and its tokens ------------------------------------------------ */

static bool
fake_token_live(const char *tok)
{
	size_t	i;
	bool	live = false;

	pthread_mutex_lock(&fake_tokens_lock);
	for (i = 0; i < fake_ntokens; i++) {
		if (strcmp(fake_tokens[i], tok) == 0)
			live = true;
	}
	pthread_mutex_unlock(&fake_tokens_lock);
	return live;
}

static void
fake_fcm_error(struct fake_req *q, long status, const char *code)
{
	const char	*grpc, *msg;
	json_t		*err;

	switch (status) {
	case 400:
		grpc = "INVALID_ARGUMENT";
		msg = "The registration token is not a valid FCM registration "
		    "token";
		break;
	case 401:
		grpc = "UNAUTHENTICATED";
		msg = "Request had invalid authentication credentials.";
		break;
	case 403:
		grpc = "PERMISSION_DENIED";
		msg = "SenderId mismatch";
		break;
	case 404:
		grpc = "NOT_FOUND";
		msg = "Requested entity was not found.";
		break;
	case 429:
		grpc = "RESOURCE_EXHAUSTED";
		msg = "Quota exceeded.";
		break;
	case 503:
		grpc = "UNAVAILABLE";
		msg = "The service is currently unavailable.";
		break;
	default:
		grpc = "INTERNAL";
		msg = "Internal error encountered.";
		break;
	}
	err = json_pack("{s:I,s:s,s:s}", "code", (json_int_t)status,
	    "message", msg, "status", grpc);
	if (code != NULL)
		json_object_set_new(err, "details", json_pack("[{s:s,s:s}]",
		    "@type", FAKE_FCM_ERROR, "errorCode", code));
	fake_answer(q, status, json_pack("{s:o}", "error", err));
}

static void
fake_fcm_fail(struct fake_req *q, const struct fake_rule *r)
{
	const char	*code = r->code;

	if (code == NULL) {
		switch (r->status) {
		case 400:
			code = "INVALID_ARGUMENT";
			break;
		case 403:
			code = "SENDER_ID_MISMATCH";
			break;
		case 404:
			code = "UNREGISTERED";
			break;
		case 429:
			code = "QUOTA_EXCEEDED";
			break;
		case 503:
			code = "UNAVAILABLE";
			break;
		case 401:
			break;
		default:
			code = "INTERNAL";
			break;
		}
	}
	fake_fcm_error(q, r->status, code);
}

static void
fake_fcm(struct fake_req *q)
{
	const char	*auth = fake_header(q, "authorization"), *project, *end;
	char		*name;

	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
	    !fake_token_live(auth + 7)) {
		fake_fcm_error(q, 401, NULL);
		return;
	}
	if (json_string_value(json_object_get(json_object_get(q->json,
	    "message"), "token")) == NULL) {
		fake_fcm_error(q, 400, "INVALID_ARGUMENT");
		return;
	}
	/* /v1/projects/{project}/messages:send */
	project = q->url + strlen("/v1/projects/");
	end = strchr(project, '/');
	name = xasprintf("projects/%.*s/messages/0:%lu%%fake", (int)(end -
	    project), project, fake_serial());
	fake_answer(q, 200, json_pack("{s:s}", "name", name));
	free(name);
}

/* Checks an RS256 JWT; its parts go in *header and *claims. */
static const char *
fake_jwt_check(const char *jwt, json_t **header, json_t **claims)
{
	const char	*dot1, *dot2;
	char		*h, *c, *sig;
	size_t		 siglen;
	EVP_MD_CTX	*ctx;
	int		 ok;

	*header = *claims = NULL;
	if ((dot1 = strchr(jwt, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL)
		return "not a JWT";
	h = fake_base64_decode(jwt, (size_t)(dot1 - jwt), true, NULL);
	c = fake_base64_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), true,
	    NULL);
	sig = fake_base64_decode(dot2 + 1, strlen(dot2 + 1), true, &siglen);
	if (h != NULL)
		*header = json_loads(h, 0, NULL);
	if (c != NULL)
		*claims = json_loads(c, 0, NULL);
	free(h);
	free(c);
	if (*header == NULL || *claims == NULL || sig == NULL) {
		free(sig);
		return "JWT parts are not base64url JSON";
	}
	ctx = EVP_MD_CTX_new();
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
	    fake_public_key) == 1 && EVP_DigestVerify(ctx,
	    (const unsigned char *)sig, siglen, (const unsigned char *)jwt,
	    (size_t)(dot2 - jwt)) == 1;
	EVP_MD_CTX_free(ctx);
	free(sig);
	if (!ok)
		return "Invalid JWT Signature.";
	return NULL;
}

static void
fake_token_fail(struct fake_req *q, const struct fake_rule *r)
{
	fake_answer(q, r->status, json_pack("{s:s,s:s}", "error",
	    r->code != NULL ? r->code : r->status >= 500 ? "internal_failure" :
	    "invalid_grant", "error_description", "as the test asked"));
}

static void
fake_token(struct fake_req *q)
{
	const char	*grant, *assertion, *why, *scope, *aud;
	json_t		*header = NULL, *claims = NULL;
	char		*want_aud, *tok;
	json_int_t	 iat, exp, now = (json_int_t)time(NULL);

	grant = json_string_value(json_object_get(q->form, "grant_type"));
	assertion = json_string_value(json_object_get(q->form, "assertion"));
	if (grant == NULL || strcmp(grant,
	    "urn:ietf:params:oauth:grant-type:jwt-bearer") != 0 ||
	    assertion == NULL) {
		fake_answer(q, 400, json_pack("{s:s,s:s}", "error",
		    "unsupported_grant_type", "error_description",
		    "Invalid grant_type"));
		return;
	}
	why = fake_jwt_check(assertion, &header, &claims);
	want_aud = xasprintf("http://127.0.0.1:%d/token", fake_port);
	scope = json_string_value(json_object_get(claims, "scope"));
	aud = json_string_value(json_object_get(claims, "aud"));
	iat = json_integer_value(json_object_get(claims, "iat"));
	exp = json_integer_value(json_object_get(claims, "exp"));
	if (why == NULL && strcmp(json_string_value(json_object_get(header,
	    "alg")) != NULL ? json_string_value(json_object_get(header,
	    "alg")) : "", "RS256") != 0)
		why = "alg is not RS256";
	if (why == NULL && (aud == NULL || strcmp(aud, want_aud) != 0))
		why = "Invalid JWT: aud is not this token endpoint";
	if (why == NULL && (scope == NULL || strstr(scope,
	    "https://www.googleapis.com/auth/firebase.messaging") == NULL))
		why = "Invalid JWT: no firebase.messaging scope";
	if (why == NULL && (iat > now + 60 || exp <= now || exp - iat > 3600))
		why = "Invalid JWT: Token must be a short-lived token (60 "
		    "minutes) and in a reasonable timeframe.";
	json_object_set_new(q->extra, "jwt", json_pack("{s:o?,s:o?,s:b}",
	    "header", header, "claims", claims, "verified", why == NULL));
	free(want_aud);
	if (why != NULL) {
		fake_answer(q, 400, json_pack("{s:s,s:s}", "error",
		    "invalid_grant", "error_description", why));
		return;
	}
	tok = xasprintf("ya29.fake-%lu", fake_serial());
	pthread_mutex_lock(&fake_tokens_lock);
	if (fake_ntokens < FAKE_MAX_TOKENS)
		fake_tokens[fake_ntokens++] = xstrdup(tok);
	pthread_mutex_unlock(&fake_tokens_lock);
	fake_answer(q, 200, json_pack("{s:s,s:I,s:s}", "access_token", tok,
	    "expires_in", (json_int_t)fake_token_ttl, "token_type", "Bearer"));
	free(tok);
}

/* --- control ---------------------------------------------------------- */

static void
fake_control(struct fake_req *q)
{
	char	*cause = NULL;
	size_t	 i;

	if (strcmp(q->url, "/_fake/rule") == 0) {
		if (!fake_rule_add(q->json, &cause)) {
			fake_answer(q, 400, json_pack("{s:s}", "error", cause));
			free(cause);
			return;
		}
	} else if (strcmp(q->url, "/_fake/revoke") == 0) {
		pthread_mutex_lock(&fake_tokens_lock);
		for (i = 0; i < fake_ntokens; i++)
			free(fake_tokens[i]);
		fake_ntokens = 0;
		pthread_mutex_unlock(&fake_tokens_lock);
	} else if (strcmp(q->url, "/_fake/config") == 0) {
		if (json_is_integer(json_object_get(q->json,
		    "token_expires_in")))
			fake_token_ttl = json_integer_value(json_object_get(
			    q->json, "token_expires_in"));
	} else {
		fake_answer(q, 404, json_pack("{s:s}", "error", "no such "
		    "control"));
		return;
	}
	fake_answer(q, 204, NULL);
}

/* --- dispatch --------------------------------------------------------- */

static bool
fake_suffix(const char *s, const char *suffix)
{
	size_t	n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const struct fake_service {
	const char	*name;
	const char	*prefix;
	const char	*suffix;
	void		(*answer)(struct fake_req *);
	void		(*fail)(struct fake_req *, const struct fake_rule *);
} fake_services[] = {
	/* Any other .json under an account: the later, longer ones win. */
	{ "twilio_voice_update", "/2010-04-01/Accounts/", ".json",
	  fake_twilio_call_update, fake_twilio_fail },
	{ "twilio", "/2010-04-01/Accounts/", "/Messages.json", fake_twilio,
	  fake_twilio_fail },
	{ "twilio_voice", "/2010-04-01/Accounts/", "/Calls.json",
	  fake_twilio_call, fake_twilio_fail },
	{ "sendgrid", "/v3/mail/send", "", fake_sendgrid, fake_sendgrid_fail },
	{ "fcm", "/v1/projects/", "/messages:send", fake_fcm, fake_fcm_fail },
	{ "token", "/token", "", fake_token, fake_token_fail },
};

static void
fake_dispatch(struct fake_req *q)
{
	const struct fake_service	*s = NULL;
	struct fake_rule		 r;
	size_t				 i;

	if (strncmp(q->url, "/_fake/", 7) == 0) {
		fake_control(q);
		return;
	}
	if (fake_oauth_dispatch(q))
		return;
	for (i = 0; i < sizeof fake_services / sizeof fake_services[0]; i++) {
		if (strncmp(q->url, fake_services[i].prefix,
		    strlen(fake_services[i].prefix)) == 0 &&
		    fake_suffix(q->url, fake_services[i].suffix))
			s = &fake_services[i];
	}
	if (s == NULL || strcmp(q->method, "POST") != 0) {
		q->service = "unknown";
		fake_answer(q, 404, json_pack("{s:s}", "error", "not found"));
		return;
	}
	q->service = s->name;
	if (fake_rule_take(s->name, NULL, &r)) {
		fake_stall(r.stall_ms);
		fake_rule_headers(q, &r);
		if (r.status != 0)
			s->fail(q, &r);
		else
			s->answer(q);
		fake_rule_clear(&r);
		return;
	}
	s->answer(q);
}

static enum MHD_Result
fake_respond(struct fake_req *q)
{
	struct MHD_Response	*resp;
	const char		*k;
	json_t			*v, *entry;
	char			*text;
	enum MHD_Result		 ret;

	text = q->answer != NULL ? json_dumps(q->answer, JSON_COMPACT) :
	    xstrdup("");
	resp = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	if (q->answer != NULL)
		MHD_add_response_header(resp, "Content-Type",
		    "application/json");
	json_object_foreach(q->answer_headers, k, v)
		MHD_add_response_header(resp, k, json_string_value(v));
	ret = MHD_queue_response(q->conn, (unsigned)q->status, resp);
	MHD_destroy_response(resp);

	if (strncmp(q->url, "/_fake/", 7) != 0) {
		entry = json_pack("{s:s,s:s,s:s,s:O,s:I}", "service",
		    q->service, "method", q->method, "path", q->url,
		    "headers", q->headers, "status", (json_int_t)q->status);
		v = json_stringn(q->body.data != NULL ? q->body.data : "",
		    q->body.len);
		json_object_set_new(entry, "body", v != NULL ? v :
		    json_string("(not UTF-8)"));
		if (json_object_size(q->query) > 0)
			json_object_set(entry, "query", q->query);
		if (q->form != NULL)
			json_object_set(entry, "form", q->form);
		if (q->json != NULL)
			json_object_set(entry, "json", q->json);
		json_object_update(entry, q->extra);
		fake_record(entry);
	}
	return ret;
}

static enum MHD_Result
fake_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct fake_req	*q = *con_cls;
	const char	*ct;

	(void)cls;
	(void)version;
	if (q == NULL) {
		q = xcalloc(1, sizeof *q);
		buf_init(&q->body, FAKE_MAX_BODY);
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!buf_add(&q->body, upload, *upload_size))
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	q->conn = conn;
	q->method = method;
	q->url = url;
	q->headers = json_object();
	q->answer_headers = json_object();
	q->extra = json_object();
	q->query = json_object();
	MHD_get_connection_values(conn, MHD_HEADER_KIND, fake_header_cb,
	    q->headers);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, fake_query_cb,
	    q->query);
	ct = fake_header(q, "content-type");
	if (ct != NULL && strncmp(ct, "application/x-www-form-urlencoded",
	    33) == 0)
		q->form = fake_parse_form(q->body.data != NULL ? q->body.data :
		    "", q->body.len);
	else if (q->body.len > 0)
		q->json = json_loadb(q->body.data, q->body.len, 0, NULL);
	fake_dispatch(q);
	return fake_respond(q);
}

static void
fake_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct fake_req	*q = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (q == NULL)
		return;
	buf_free(&q->body);
	json_decref(q->headers);
	json_decref(q->query);
	json_decref(q->form);
	json_decref(q->json);
	json_decref(q->answer);
	json_decref(q->answer_headers);
	json_decref(q->extra);
	free(q);
	*con_cls = NULL;
}

int
fake_http_start(const char *public_key_path)
{
	struct sockaddr_in		 sin;
	struct MHD_Daemon		*d;
	const union MHD_DaemonInfo	*info;
	FILE				*f;

	if ((f = fopen(public_key_path, "r")) == NULL ||
	    (fake_public_key = PEM_read_PUBKEY(f, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "fakes: cannot read the public key %s\n",
		    public_key_path);
		exit(1);
	}
	fclose(f);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    fake_access, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_NOTIFY_COMPLETED, fake_completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "fakes: cannot start the HTTP server\n");
		exit(1);
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0) {
		fprintf(stderr, "fakes: no HTTP port\n");
		exit(1);
	}
	fake_port = info->port;
	return fake_port;
}
