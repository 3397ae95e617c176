/*
 * The fcm driver: push notifications through Firebase Cloud Messaging's
 * HTTP v1 API, POST {base}/v1/projects/{project}/messages:send, with an
 * OAuth 2.0 access token in the Authorization header.  The token comes
 * from fcm_token_url in exchange for a JWT the service account signs
 * (oauth.c); it is kept, shared by every worker, until a minute before
 * it expires, and fetched again at once if FCM answers 401.  Only one
 * worker fetches at a time; the others wait for its token.
 *
 * FCM's error answers carry a code (details[].errorCode, else status):
 * UNREGISTERED and INVALID_ARGUMENT condemn the device token, and are
 * permanent; QUOTA_EXCEEDED, UNAVAILABLE and INTERNAL pass, and are
 * retried after Retry-After when FCM gives one.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "config.h"
#include "driver.h"
#include "pfetch.h"
#include "log.h"
#include "oauth.h"

#define FCM_SCOPE	"https://www.googleapis.com/auth/firebase.messaging"
#define FCM_GRANT	"urn:ietf:params:oauth:grant-type:jwt-bearer"
#define FCM_ERROR_TYPE	"type.googleapis.com/google.firebase.fcm.v1.FcmError"
/* A token is renewed this long before it expires. */
#define FCM_TOKEN_MARGIN_MS	(60 * 1000)

static const struct fcm_error {
	const char		*code;
	enum notify_outcome	 outcome;
	bool			 misconfigured;	/* also logged as an error */
	const char		*what;
} fcm_errors[] = {
	{ "UNREGISTERED", NOTIFY_PERMANENT, false,
	  "the device token is no longer registered" },
	{ "INVALID_ARGUMENT", NOTIFY_PERMANENT, false,
	  "FCM refused the message or its device token as invalid" },
	{ "NOT_FOUND", NOTIFY_PERMANENT, false,
	  "the device token is not known to FCM" },
	{ "SENDER_ID_MISMATCH", NOTIFY_PERMANENT, false,
	  "the device token belongs to another Firebase project" },
	{ "THIRD_PARTY_AUTH_ERROR", NOTIFY_PERMANENT, true,
	  "APNs or web push refused the Firebase project's credentials" },
	{ "PERMISSION_DENIED", NOTIFY_PERMANENT, true,
	  "the service account may not send for fcm_project_id" },
	{ "QUOTA_EXCEEDED", NOTIFY_RETRY, false, "sending quota exceeded" },
	{ "UNAVAILABLE", NOTIFY_RETRY, false, "FCM is overloaded" },
	{ "INTERNAL", NOTIFY_RETRY, false, "FCM had an internal error" },
};

static struct {
	char			*send_url;
	char			*token_url;
	struct oauth_account	*account;
	int64_t			 timeout_ms;
	/* The cached access token, under lock. */
	pthread_mutex_t		 lock;
	char			*token;
	int64_t			 token_until;	/* CLOCK_MONOTONIC ms */
} fcm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int64_t
fcm_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
fcm_shutdown(void)
{
	pthread_mutex_lock(&fcm.lock);
	notify_wipe(fcm.token);
	fcm.token = NULL;
	fcm.token_until = 0;
	pthread_mutex_unlock(&fcm.lock);
	free(fcm.send_url);
	free(fcm.token_url);
	oauth_account_free(fcm.account);
	fcm.send_url = fcm.token_url = NULL;
	fcm.account = NULL;
}

static bool
fcm_init(const struct config *c, char **cause)
{
	const char	*p;
	char		*base, *why = NULL;

	if (*c->fcm_project_id == '\0' || *c->fcm_service_account == '\0') {
		*cause = xasprintf("fcm_project_id and fcm_service_account "
		    "must be set");
		return false;
	}
	for (p = c->fcm_project_id; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-')) {
			*cause = xasprintf("fcm_project_id: lower-case letters, "
			    "digits and '-' only");
			return false;
		}
	}
	if (*c->fcm_base_url == '\0' || *c->fcm_token_url == '\0') {
		*cause = xasprintf("fcm_base_url and fcm_token_url must be "
		    "set");
		return false;
	}
	if ((fcm.account = oauth_account_load(c->fcm_service_account,
	    &why)) == NULL) {
		*cause = xasprintf("fcm_service_account: %s", why);
		free(why);
		return false;
	}
	base = notify_base_url(c->fcm_base_url);
	fcm.send_url = xasprintf("%s/v1/projects/%s/messages:send", base,
	    c->fcm_project_id);
	free(base);
	fcm.token_url = xstrdup(c->fcm_token_url);
	fcm.timeout_ms = c->provider_timeout_ms;
	return true;
}

/* Asks the token endpoint for a token; under fcm.lock.  NULL with r set. */
static char *
fcm_token_fetch(struct notify_result *r)
{
	struct pfetch		 f = { 0 };
	struct buf		 form;
	enum notify_outcome	 outcome;
	const char		*tok, *err, *desc;
	char			*jwt, *cause = NULL, *why, *out = NULL;
	json_int_t		 ttl;
	int64_t			 life;

	if ((jwt = oauth_jwt(fcm.account, FCM_SCOPE, fcm.token_url,
	    (int64_t)time(NULL), &cause)) == NULL) {
		notify_set(r, NOTIFY_RETRY, 0, "fcm: %s", cause);
		free(cause);
		return NULL;
	}
	buf_init(&form, 0);
	pfetch_form_add(&form, "grant_type", FCM_GRANT);
	pfetch_form_add(&form, "assertion", jwt);
	f.url = fcm.token_url;
	f.body = form.data;
	f.len = form.len;
	f.ctype = "application/x-www-form-urlencoded";
	f.timeout_ms = fcm.timeout_ms;
	if (!pfetch_perform(&f)) {
		why = pfetch_describe(&f);
		notify_set(r, pfetch_outcome(&f), 0, "fcm token: %s", why);
		free(why);
		goto out;
	}
	outcome = pfetch_outcome(&f);
	tok = json_string_value(json_object_get(f.json, "access_token"));
	if (outcome == NOTIFY_SENT && tok != NULL && *tok != '\0') {
		ttl = json_integer_value(json_object_get(f.json, "expires_in"));
		if (ttl <= 0 || ttl > 86400)
			ttl = 3600;
		life = (int64_t)ttl * 1000;
		life = life > 2 * FCM_TOKEN_MARGIN_MS ?
		    life - FCM_TOKEN_MARGIN_MS : life / 2;
		fcm.token = xstrdup(tok);
		fcm.token_until = fcm_now_ms() + life;
		out = xstrdup(tok);
		log_info("fcm: new access token for %s, for %lld s",
		    oauth_account_email(fcm.account), (long long)(life / 1000));
		goto out;
	}
	if (outcome == NOTIFY_SENT)
		outcome = NOTIFY_RETRY;		/* 2xx without a token */
	err = json_string_value(json_object_get(f.json, "error"));
	desc = json_string_value(json_object_get(f.json,
	    "error_description"));
	notify_set(r, outcome, f.status, "fcm token: HTTP %ld: %s%s%s",
	    f.status, err != NULL ? err : "no access token",
	    desc != NULL ? ": " : "", desc != NULL ? desc : "");
	if (outcome == NOTIFY_PERMANENT)
		log_error("fcm: %s refused the service account %s: %s",
		    fcm.token_url, oauth_account_email(fcm.account), r->detail);
	if (outcome == NOTIFY_RETRY && f.retry_after_ms >= 0)
		r->retry_after_ms = f.retry_after_ms;
out:
	pfetch_free(&f);
	/* The assertion is good for an hour: wipe it. */
	if (form.data != NULL)
		sodium_memzero(form.data, form.len);
	buf_free(&form);
	notify_wipe(jwt);
	return out;
}

/*
 * A valid access token (caller frees); stale, when not NULL, is one FCM
 * refused and must not be handed out again.  NULL with r set.
 */
static char *
fcm_token(struct notify_result *r, const char *stale)
{
	char	*tok;

	pthread_mutex_lock(&fcm.lock);
	if (fcm.token != NULL && (fcm_now_ms() >= fcm.token_until ||
	    (stale != NULL && strcmp(fcm.token, stale) == 0))) {
		notify_wipe(fcm.token);
		fcm.token = NULL;
	}
	if (fcm.token != NULL)
		tok = xstrdup(fcm.token);
	else
		tok = fcm_token_fetch(r);
	pthread_mutex_unlock(&fcm.lock);
	return tok;
}

/* The message FCM is sent (caller frees, wiping). */
static char *
fcm_body(const struct notify_message *m)
{
	json_t		*msg, *n, *data, *v;
	const char	*k;
	char		*s;

	msg = json_pack("{s:s}", "token", m->to);
	if (m->subject != NULL || m->text != NULL) {
		n = json_object();
		if (m->subject != NULL)
			json_object_set_new(n, "title", json_string(m->subject));
		if (m->text != NULL)
			json_object_set_new(n, "body", json_string(m->text));
		json_object_set_new(msg, "notification", n);
	}
	if (m->push_data != NULL && json_object_size(m->push_data) > 0) {
		/* FCM's data is a map of strings: others go as JSON text. */
		data = json_object();
		json_object_foreach(m->push_data, k, v) {
			if (json_is_string(v))
				json_object_set(data, k, v);
			else {
				s = json_dumps(v, JSON_COMPACT |
				    JSON_ENCODE_ANY);
				if (s == NULL)
					fatalx("fcm_body: json_dumps");
				json_object_set_new(data, k, json_string(s));
				free(s);
			}
		}
		json_object_set_new(msg, "data", data);
	}
	msg = json_pack("{s:o}", "message", msg);
	if (msg == NULL || (s = json_dumps(msg, JSON_COMPACT)) == NULL)
		fatalx("fcm_body: json_dumps");
	json_decref(msg);
	return s;
}

/* FCM's code for a failure: details[].errorCode, else error.status. */
static const char *
fcm_error_code(const json_t *answer)
{
	json_t		*err = json_object_get(answer, "error"), *d;
	const char	*type;
	size_t		 i;

	json_array_foreach(json_object_get(err, "details"), i, d) {
		type = json_string_value(json_object_get(d, "@type"));
		if (type != NULL && strcmp(type, FCM_ERROR_TYPE) == 0 &&
		    json_string_value(json_object_get(d, "errorCode")) != NULL)
			return json_string_value(json_object_get(d,
			    "errorCode"));
	}
	return json_string_value(json_object_get(err, "status"));
}

static const struct fcm_error *
fcm_error_find(const char *code)
{
	size_t	i;

	for (i = 0; code != NULL && i < sizeof fcm_errors /
	    sizeof fcm_errors[0]; i++) {
		if (strcmp(fcm_errors[i].code, code) == 0)
			return &fcm_errors[i];
	}
	return NULL;
}

static void
fcm_send(const struct notify_message *m, struct notify_result *r)
{
	struct pfetch		 f = { 0 };
	const struct fcm_error	*e;
	enum notify_outcome	 outcome;
	const char		*code, *name;
	char			*body, *tok, *why;
	int			 attempt;

	if ((tok = fcm_token(r, NULL)) == NULL)
		return;
	body = fcm_body(m);
	for (attempt = 1; ; attempt++) {
		memset(&f, 0, sizeof f);
		f.url = fcm.send_url;
		f.body = body;
		f.len = strlen(body);
		f.ctype = "application/json";
		f.bearer = tok;
		f.timeout_ms = fcm.timeout_ms;
		if (!pfetch_perform(&f) || f.status != 401 || attempt == 2)
			break;
		/* Revoked or expired early: one new token, one more try. */
		pfetch_free(&f);
		why = tok;
		tok = fcm_token(r, why);
		notify_wipe(why);
		if (tok == NULL)
			goto out;
	}
	if (f.error != CURLE_OK || f.status == 0) {
		why = pfetch_describe(&f);
		notify_set(r, pfetch_outcome(&f), 0, "fcm: %s", why);
		free(why);
		goto out;
	}
	outcome = pfetch_outcome(&f);
	if (outcome == NOTIFY_SENT) {
		if ((name = json_string_value(json_object_get(f.json,
		    "name"))) != NULL)
			r->provider_id = xstrdup(name);
		notify_set(r, NOTIFY_SENT, f.status, "accepted");
		goto out;
	}
	code = fcm_error_code(f.json);
	e = fcm_error_find(code);
	if (f.status == 401)
		outcome = NOTIFY_RETRY;	/* refused a token just issued */
	else if (outcome != NOTIFY_RETRY && e != NULL)
		outcome = e->outcome;
	notify_set(r, outcome, f.status, "fcm %s (HTTP %ld): %s",
	    code != NULL ? code : "error", f.status, e != NULL ? e->what :
	    f.status == 401 ? "a fresh access token was refused too" :
	    "no explanation");
	if (e != NULL && e->misconfigured)
		log_error("fcm: %s", e->what);
	if (outcome == NOTIFY_RETRY && f.retry_after_ms >= 0)
		r->retry_after_ms = f.retry_after_ms;
out:
	pfetch_free(&f);
	notify_wipe(tok);
	notify_wipe(body);
}

const struct notify_driver notify_fcm_driver = {
	.name = "fcm",
	.channels = NOTIFY_CHANNEL_BIT(NOTIFY_PUSH),
	.init = fcm_init,
	.send = fcm_send,
	.shutdown = fcm_shutdown,
};
