/*
 * Google and Facebook sign-in, as their documentation describes the
 * authorization code flow with PKCE: the authorization endpoint (which the
 * test calls as the browser would, saying who consents), the token
 * endpoint and userinfo (Google's /v1/userinfo, Facebook's Graph /me).
 * See fakes.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "buf.h"
#include "fakes.h"
#include "xmalloc.h"

#define FAKE_OAUTH_MAX		1024
#define FAKE_CODE_TTL		600	/* seconds, as Google's */

/* The parts of a provider the fake differs in. */
struct fake_provider {
	const char	*name;		/* "google" */
	const char	*auth_path;
	const char	*token_path;
	const char	*userinfo_path;
	const char	*client_id;
	const char	*client_secret;
	const char	*token_service;	/* the rule's service */
	const char	*userinfo_service;
	bool		 google;
};

static const struct fake_provider fake_providers[] = {
	{ "google", "/google/o/oauth2/v2/auth", "/google/token",
	  "/google/v1/userinfo", FAKE_GOOGLE_CLIENT_ID,
	  FAKE_GOOGLE_CLIENT_SECRET, "google_token", "google_userinfo", true },
	{ "facebook", "/facebook/v19.0/dialog/oauth",
	  "/facebook/v19.0/oauth/access_token", "/facebook/me",
	  FAKE_FACEBOOK_APP_ID, FAKE_FACEBOOK_APP_SECRET, "facebook_token",
	  "facebook_userinfo", false },
};

/* A code the authorization endpoint gave, and what it was given for. */
struct fake_grant {
	const struct fake_provider *p;
	char		*code;
	char		*redirect_uri;
	char		*challenge;
	json_t		*who;		/* the consenting identity */
	time_t		 at;
	bool		 used;
};

/* An access token the token endpoint gave. */
struct fake_access {
	const struct fake_provider *p;
	char		*token;
	json_t		*who;
};

static pthread_mutex_t	 fake_oauth_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_grant fake_grants[FAKE_OAUTH_MAX];
static size_t		 fake_ngrants;
static struct fake_access fake_tokens[FAKE_OAUTH_MAX];
static size_t		 fake_ntokens;

static const char *
fake_q(const struct fake_req *q, const char *name)
{
	return json_string_value(json_object_get(q->query, name));
}

/* A form field, or for Facebook's GET token endpoint a query one. */
static const char *
fake_param(const struct fake_req *q, const char *name)
{
	const char	*v = json_string_value(json_object_get(q->form, name));

	return v != NULL ? v : fake_q(q, name);
}

/* Appends name=value, URL-encoded, to b ('?' or '&' before it). */
static void
fake_query_add(struct buf *b, const char *name, const char *value)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const char		*s;
	bool			 ok;

	ok = buf_adds(b, strchr(b->data != NULL ? b->data : "", '?') != NULL ?
	    "&" : "?") && buf_adds(b, name) && buf_adds(b, "=");
	for (s = value; ok && *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			ok = buf_add(b, s, 1);
		else
			ok = buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	if (!ok)
		abort();
}

static char *
fake_random(const char *prefix)
{
	unsigned char	bin[24];
	char		b64[sodium_base64_ENCODED_LEN(sizeof bin,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	randombytes_buf(bin, sizeof bin);
	sodium_bin2base64(b64, sizeof b64, bin, sizeof bin,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return xasprintf("%s%s", prefix, b64);
}

/* base64url(SHA-256(verifier)), RFC 7636's S256. */
static char *
fake_s256(const char *verifier)
{
	unsigned char	h[crypto_hash_sha256_BYTES];
	char		b64[sodium_base64_ENCODED_LEN(sizeof h,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	crypto_hash_sha256(h, (const unsigned char *)verifier,
	    strlen(verifier));
	sodium_bin2base64(b64, sizeof b64, h, sizeof h,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return xstrdup(b64);
}

/* --- errors, in each provider's shape ------------------------------------ */

static void
fake_google_error(struct fake_req *q, long status, const char *error,
    const char *description)
{
	fake_answer(q, status, json_pack("{s:s,s:s}", "error", error,
	    "error_description", description));
}

static void
fake_facebook_error(struct fake_req *q, long status, long code, long subcode,
    const char *type, const char *message)
{
	json_t	*e;
	char	*trace = fake_random("A");

	e = json_pack("{s:s,s:s,s:I,s:s}", "message", message, "type", type,
	    "code", (json_int_t)code, "fbtrace_id", trace);
	if (subcode != 0)
		json_object_set_new(e, "error_subcode", json_integer(subcode));
	fake_answer(q, status, json_pack("{s:o}", "error", e));
	free(trace);
}

/* --- the authorization endpoint (the browser's) --------------------------- */

/*
 * Answers the browser with a redirect to redirect_uri carrying code and
 * state, or error and state.
 */
static void
fake_authorize(struct fake_req *q, const struct fake_provider *p)
{
	const char	*client = fake_q(q, "client_id"),
			*redirect = fake_q(q, "redirect_uri"),
			*state = fake_q(q, "state"),
			*scope = fake_q(q, "scope"),
			*challenge = fake_q(q, "code_challenge"),
			*method = fake_q(q, "code_challenge_method"),
			*deny = fake_q(q, "fake_deny"),
			*sub = fake_q(q, "fake_sub"),
			*email = fake_q(q, "fake_email"),
			*verified = fake_q(q, "fake_email_verified"),
			*name = fake_q(q, "fake_name"), *error = NULL;
	struct fake_grant	*g;
	struct buf		 loc;
	json_t			*who;
	char			*code = NULL;

	/* A wrong client or redirect_uri is shown to the person, not sent. */
	if (client == NULL || strcmp(client, p->client_id) != 0) {
		fake_google_error(q, 401, "invalid_client", "The OAuth client "
		    "was not found.");
		return;
	}
	if (redirect == NULL || (strncmp(redirect, "http://", 7) != 0 &&
	    strncmp(redirect, "https://", 8) != 0)) {
		fake_google_error(q, 400, "redirect_uri_mismatch", "Invalid "
		    "redirect_uri");
		return;
	}
	if (strcmp(fake_q(q, "response_type") != NULL ?
	    fake_q(q, "response_type") : "", "code") != 0)
		error = "unsupported_response_type";
	else if (scope == NULL || strstr(scope, "email") == NULL ||
	    (p->google && strstr(scope, "openid") == NULL))
		error = "invalid_scope";
	/* This fake insists on PKCE with S256, as soukd must use it. */
	else if (challenge == NULL || strlen(challenge) != 43 ||
	    method == NULL || strcmp(method, "S256") != 0)
		error = "invalid_request";
	else if (deny != NULL)
		error = deny;
	else if (sub == NULL || *sub == '\0')
		error = "invalid_request";	/* the test forgot fake_sub */

	buf_init(&loc, 0);
	if (!buf_adds(&loc, redirect))
		abort();
	if (error != NULL) {
		fake_query_add(&loc, "error", error);
		if (!p->google && deny != NULL) {
			fake_query_add(&loc, "error_reason", "user_denied");
			fake_query_add(&loc, "error_description",
			    "Permissions error");
		}
	} else {
		who = json_pack("{s:s}", "sub", sub);
		if (email != NULL)
			json_object_set_new(who, "email", json_string(email));
		json_object_set_new(who, "email_verified", json_boolean(
		    verified == NULL || strcmp(verified, "true") == 0));
		if (name != NULL)
			json_object_set_new(who, "name", json_string(name));
		code = fake_random(p->google ? "4/0A" : "AQ");
		pthread_mutex_lock(&fake_oauth_lock);
		if (fake_ngrants == FAKE_OAUTH_MAX) {
			pthread_mutex_unlock(&fake_oauth_lock);
			json_decref(who);
			free(code);
			buf_free(&loc);
			fake_google_error(q, 503, "temporarily_unavailable",
			    "the fake holds too many codes");
			return;
		}
		g = &fake_grants[fake_ngrants++];
		g->p = p;
		g->code = xstrdup(code);
		g->redirect_uri = xstrdup(redirect);
		g->challenge = xstrdup(challenge);
		g->who = who;
		g->at = time(NULL);
		g->used = false;
		pthread_mutex_unlock(&fake_oauth_lock);
		fake_query_add(&loc, "code", code);
		json_object_set_new(q->extra, "consent", json_deep_copy(who));
	}
	if (state != NULL)
		fake_query_add(&loc, "state", state);
	if (error == NULL && p->google) {
		/* What Google adds to its redirects. */
		fake_query_add(&loc, "scope", scope);
		fake_query_add(&loc, "authuser", "0");
		fake_query_add(&loc, "prompt", "consent");
	}
	/* Facebook appends a fragment, which browsers do not send on. */
	if (!p->google && !buf_adds(&loc, "#_=_"))
		abort();
	fake_add_header(q, "Location", loc.data);
	fake_answer(q, 302, NULL);
	buf_free(&loc);
	free(code);
}

/* --- the token endpoint ---------------------------------------------------- */

/* The client's id and secret: in the form, or HTTP Basic (Google). */
static bool
fake_client_ok(const struct fake_req *q, const struct fake_provider *p)
{
	const char	*id = fake_param(q, "client_id"),
			*secret = fake_param(q, "client_secret"),
			*auth = fake_header(q, "authorization");
	char		*want, *basic;
	bool		 ok;

	if (id != NULL && secret != NULL)
		return strcmp(id, p->client_id) == 0 &&
		    strcmp(secret, p->client_secret) == 0;
	if (!p->google || auth == NULL || strncmp(auth, "Basic ", 6) != 0)
		return false;
	want = xasprintf("%s:%s", p->client_id, p->client_secret);
	basic = fake_base64_decode(auth + 6, strlen(auth + 6), false, NULL);
	ok = basic != NULL && strcmp(basic, want) == 0;
	free(basic);
	free(want);
	return ok;
}

static void
fake_token_refuse(struct fake_req *q, const struct fake_provider *p,
    const char *google_error, long fb_subcode, const char *why)
{
	if (p->google)
		fake_google_error(q, 400, google_error, why);
	else
		fake_facebook_error(q, 400, 100, fb_subcode, "OAuthException",
		    why);
}

static void
fake_oauth_token(struct fake_req *q, const struct fake_provider *p)
{
	const char		*grant = fake_param(q, "grant_type"),
				*code = fake_param(q, "code"),
				*redirect = fake_param(q, "redirect_uri"),
				*verifier = fake_param(q, "code_verifier");
	struct fake_grant	*g = NULL;
	struct fake_access	*a;
	char			*s256 = NULL, *tok;
	const char		*why = NULL, *gerr = "invalid_grant";
	json_t			*who = NULL;
	long			 sub = 0;
	size_t			 i;

	if (!fake_client_ok(q, p)) {
		if (p->google)
			fake_google_error(q, 401, "invalid_client",
			    "Unauthorized");
		else
			fake_facebook_error(q, 400, 1, 0, "OAuthException",
			    "Error validating client secret.");
		return;
	}
	/* Facebook leaves grant_type out; Google wants it. */
	if ((p->google || grant != NULL) && (grant == NULL ||
	    strcmp(grant, "authorization_code") != 0)) {
		fake_token_refuse(q, p, "unsupported_grant_type", 0,
		    "Invalid grant_type");
		return;
	}
	pthread_mutex_lock(&fake_oauth_lock);
	for (i = 0; code != NULL && i < fake_ngrants; i++) {
		if (fake_grants[i].p == p &&
		    strcmp(fake_grants[i].code, code) == 0)
			g = &fake_grants[i];
	}
	if (g == NULL) {
		why = p->google ? "Malformed auth code." :
		    "Invalid verification code format.";
		sub = 36007;
	} else if (g->used) {
		why = p->google ? "Bad Request" :
		    "This authorization code has been used.";
		sub = 36009;
	} else if (time(NULL) - g->at > FAKE_CODE_TTL) {
		why = p->google ? "Bad Request" :
		    "This authorization code has expired.";
		sub = 36007;
	}
	/* A code is spent by any attempt at it. */
	if (g != NULL)
		g->used = true;
	if (why == NULL && (redirect == NULL ||
	    strcmp(redirect, g->redirect_uri) != 0)) {
		gerr = "redirect_uri_mismatch";
		why = p->google ? "Bad Request" : "Error validating "
		    "verification code. Please make sure your redirect_uri is "
		    "identical to the one you used in the OAuth dialog request";
		sub = 36008;
	}
	if (why == NULL) {
		s256 = verifier != NULL ? fake_s256(verifier) : NULL;
		if (s256 == NULL || strcmp(s256, g->challenge) != 0) {
			why = p->google ? (verifier == NULL ? "Missing code "
			    "verifier." : "Invalid code verifier.") :
			    "Invalid code verifier";
			sub = 0;
		}
		json_object_set_new(q->extra, "pkce", json_boolean(why ==
		    NULL));
	}
	if (why == NULL)
		who = json_incref(g->who);
	pthread_mutex_unlock(&fake_oauth_lock);
	free(s256);
	if (why != NULL) {
		fake_token_refuse(q, p, gerr, sub, why);
		json_decref(who);
		return;
	}
	tok = fake_random(p->google ? "ya29.a0" : "EAAG");
	pthread_mutex_lock(&fake_oauth_lock);
	if (fake_ntokens < FAKE_OAUTH_MAX) {
		a = &fake_tokens[fake_ntokens++];
		a->p = p;
		a->token = xstrdup(tok);
		a->who = json_incref(who);
	}
	pthread_mutex_unlock(&fake_oauth_lock);
	if (p->google)
		fake_answer(q, 200, json_pack("{s:s,s:i,s:s,s:s}",
		    "access_token", tok, "expires_in", 3599, "scope",
		    "openid https://www.googleapis.com/auth/userinfo.email "
		    "https://www.googleapis.com/auth/userinfo.profile",
		    "token_type", "Bearer"));
	else
		fake_answer(q, 200, json_pack("{s:s,s:s,s:i}", "access_token",
		    tok, "token_type", "bearer", "expires_in", 5183944));
	json_decref(who);
	free(tok);
}

static void
fake_token_fail(struct fake_req *q, const struct fake_provider *p,
    const struct fake_rule *r)
{
	if (p->google)
		fake_google_error(q, r->status, r->code != NULL ? r->code :
		    r->status >= 500 ? "internal_failure" : "invalid_grant",
		    "as the test asked");
	else
		fake_facebook_error(q, r->status, r->code != NULL ?
		    strtol(r->code, NULL, 10) : r->status >= 500 ? 2 : 100, 0,
		    "OAuthException", "as the test asked");
}

/* --- userinfo --------------------------------------------------------------- */

/* Facebook's appsecret_proof for token: hex HMAC-SHA-256 by the secret. */
static char *
fake_appsecret_proof(const char *token)
{
	crypto_auth_hmacsha256_state	st;
	unsigned char			mac[crypto_auth_hmacsha256_BYTES];
	char				hex[sizeof mac * 2 + 1];

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)
	    FAKE_FACEBOOK_APP_SECRET, strlen(FAKE_FACEBOOK_APP_SECRET));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)token,
	    strlen(token));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	return xstrdup(hex);
}

/* Whether the comma-separated fields list names field. */
static bool
fake_has_field(const char *fields, const char *field)
{
	size_t		 n = strlen(field);
	const char	*p = fields;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, field, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return false;
}

static void
fake_userinfo(struct fake_req *q, const struct fake_provider *p)
{
	const char	*auth = fake_header(q, "authorization"), *tok = NULL,
			*fields, *proof;
	json_t		*who = NULL, *v, *out;
	char		*want;
	size_t		 i;

	if (auth != NULL && strncmp(auth, "Bearer ", 7) == 0)
		tok = auth + 7;
	else if (!p->google)
		tok = fake_q(q, "access_token");
	pthread_mutex_lock(&fake_oauth_lock);
	for (i = 0; tok != NULL && i < fake_ntokens; i++) {
		if (fake_tokens[i].p == p &&
		    strcmp(fake_tokens[i].token, tok) == 0)
			who = json_incref(fake_tokens[i].who);
	}
	pthread_mutex_unlock(&fake_oauth_lock);
	if (who == NULL) {
		if (p->google)
			fake_answer(q, 401, json_pack("{s:s,s:s}", "error",
			    "invalid_request", "error_description",
			    "Invalid Credentials"));
		else
			fake_facebook_error(q, 400, 190, 0, "OAuthException",
			    "Invalid OAuth access token data.");
		return;
	}
	if (p->google) {
		out = json_pack("{s:O}", "sub", json_object_get(who, "sub"));
		if ((v = json_object_get(who, "name")) != NULL)
			json_object_set(out, "name", v);
		if ((v = json_object_get(who, "email")) != NULL) {
			json_object_set(out, "email", v);
			json_object_set(out, "email_verified",
			    json_object_get(who, "email_verified"));
		}
		json_object_set_new(out, "picture", json_string(
		    "https://lh3.googleusercontent.com/a/fake"));
		fake_answer(q, 200, out);
		json_decref(who);
		return;
	}
	/* A Facebook app that requires app secret proof, as it should. */
	proof = fake_q(q, "appsecret_proof");
	want = fake_appsecret_proof(tok);
	if (proof == NULL || strcmp(proof, want) != 0) {
		free(want);
		json_decref(who);
		fake_facebook_error(q, 400, 100, 0, "GraphMethodException",
		    "Invalid appsecret_proof provided in the API argument");
		return;
	}
	free(want);
	fields = fake_q(q, "fields") != NULL ? fake_q(q, "fields") : "id,name";
	out = json_pack("{s:O}", "id", json_object_get(who, "sub"));
	if (fake_has_field(fields, "name") &&
	    (v = json_object_get(who, "name")) != NULL)
		json_object_set(out, "name", v);
	/* Facebook says nothing of whether it confirmed the address. */
	if (fake_has_field(fields, "email") &&
	    (v = json_object_get(who, "email")) != NULL)
		json_object_set(out, "email", v);
	fake_answer(q, 200, out);
	json_decref(who);
}

static void
fake_userinfo_fail(struct fake_req *q, const struct fake_provider *p,
    const struct fake_rule *r)
{
	if (p->google)
		fake_answer(q, r->status, json_pack("{s:{s:I,s:s,s:s}}",
		    "error", "code", (json_int_t)r->status, "message",
		    "as the test asked", "status", r->status >= 500 ?
		    "INTERNAL" : "UNAUTHENTICATED"));
	else
		fake_facebook_error(q, r->status, r->code != NULL ?
		    strtol(r->code, NULL, 10) : r->status >= 500 ? 2 : 190, 0,
		    "OAuthException", "as the test asked");
}

/* --- dispatch ---------------------------------------------------------------- */

bool
fake_oauth_dispatch(struct fake_req *q)
{
	const struct fake_provider	*p;
	struct fake_rule		 r;
	const char			*service = NULL;
	size_t				 i;
	bool				 get = strcmp(q->method, "GET") == 0;

	for (i = 0; i < sizeof fake_providers / sizeof fake_providers[0];
	    i++) {
		p = &fake_providers[i];
		if (strcmp(q->url, p->auth_path) == 0) {
			q->service = p->google ? "google_auth" :
			    "facebook_auth";
			if (!get)
				break;
			fake_authorize(q, p);
			return true;
		}
		if (strcmp(q->url, p->token_path) == 0 && (!get || !p->google))
			service = p->token_service;
		else if (strcmp(q->url, p->userinfo_path) == 0 && get)
			service = p->userinfo_service;
		else
			continue;
		q->service = service;
		if (fake_rule_take(service, NULL, &r)) {
			fake_stall(r.stall_ms);
			fake_rule_headers(q, &r);
			if (r.status != 0) {
				if (service == p->token_service)
					fake_token_fail(q, p, &r);
				else
					fake_userinfo_fail(q, p, &r);
				fake_rule_clear(&r);
				return true;
			}
			fake_rule_clear(&r);
		}
		if (service == p->token_service)
			fake_oauth_token(q, p);
		else
			fake_userinfo(q, p);
		return true;
	}
	return false;
}
