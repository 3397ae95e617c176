/*
 * oauth: signing in with Google or Facebook, by the OAuth 2.0
 * authorization code flow (RFC 6749) with PKCE (RFC 7636, S256).
 *
 *	POST /v1/auth/oauth/{provider}/start	where to send the browser
 *	GET  /v1/auth/oauth/{provider}/callback	the provider sends it back
 *	POST /v1/auth/oauth/exchange		a one-time login code → tokens
 *
 * start makes a random state (kept hashed) and a PKCE code_verifier (kept,
 * never sent); the browser goes to the provider with the state and the
 * verifier's S256 challenge.  The callback consumes the state (once, at its
 * own provider's callback, within 10 minutes), exchanges the code with the
 * verifier and the client secret, asks the provider who signed in, and
 * then:
 *
 *   - an identity linked before signs in its account;
 *   - else an account with the same email address is linked, only if the
 *     provider vouches for the address (Google's email_verified; Facebook
 *     never says, so its addresses are never trusted for this) and the
 *     account's own address was confirmed (so that nobody can register an
 *     address in advance and wait for its owner to link it); otherwise the
 *     sign-in is refused with 409, and nothing is linked;
 *   - else a new customer is made, with the provider's name, and the
 *     address marked confirmed when the provider vouches for it.
 *
 * A suspended account is refused.  Without return_to the callback answers
 * with the tokens; with one, it redirects there with a login code good for
 * 2 minutes, once, so that tokens never travel in URLs.  No transaction is
 * open during a call to the provider.  Every sign-in, link and refusal is
 * in the audit log.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "oauth.h"
#include "pfetch.h"
#include "req.h"

#define OAUTH_STATE_BYTES	32
#define OAUTH_VERIFIER_BYTES	32	/* 43 base64url characters */
#define OAUTH_MAX_RETURN_TO	2000
#define OAUTH_MAX_CODE		2048
#define OAUTH_MAX_SUBJECT	255
#define OAUTH_MAX_NAME		100

#define CONF(f)	offsetof(struct config, f)

static const struct oauth_provider {
	const char	*name;		/* in paths and rows */
	const char	*title;		/* in messages */
	const char	*scope;
	const char	*subject;	/* the userinfo field with its id */
	/*
	 * Whether the provider says if it confirmed the address
	 * (email_verified).  Facebook does not: its addresses never count
	 * as confirmed.
	 */
	bool		 says_verified;
	/* Facebook apps may require appsecret_proof on Graph API calls. */
	bool		 appsecret_proof;
	size_t		 client_id, client_secret, auth_url, token_url,
			 userinfo_url;	/* offsets into struct config */
} oauth_providers[] = {
	{ "google", "Google", "openid email profile", "sub", true, false,
	  CONF(google_client_id), CONF(google_client_secret),
	  CONF(google_auth_url), CONF(google_token_url),
	  CONF(google_userinfo_url) },
	{ "facebook", "Facebook", "email public_profile", "id", false, true,
	  CONF(facebook_client_id), CONF(facebook_client_secret),
	  CONF(facebook_auth_url), CONF(facebook_token_url),
	  CONF(facebook_userinfo_url) },
};

static const struct db_stmt oauth_stmts[] = {
	/* Also forgets states a day past their time, a few at a go. */
	{ "oauth_state_insert",
	  "WITH gone AS (DELETE FROM oauth_states WHERE id IN (SELECT id FROM"
	  "  oauth_states WHERE expires_at < now() - interval '1 day'"
	  "  ORDER BY expires_at LIMIT 20))"
	  " INSERT INTO oauth_states (state_hash, provider, code_verifier,"
	  " return_to, ip) VALUES ($1::bytea, $2, $3, $4, $5::inet)" },
	{ "oauth_state_take",
	  "SELECT id, provider, code_verifier, return_to, expires_at < now(),"
	  " used_at IS NOT NULL FROM oauth_states WHERE state_hash = $1::bytea"
	  " FOR UPDATE" },
	{ "oauth_state_used",
	  "UPDATE oauth_states SET used_at = now() WHERE id = $1" },
	/*
	 * Sign-ins of one identity take turns, so that two first sign-ins
	 * at once make one account.  (Two-key advisory locks, "oaut" and the
	 * identity's hash, do not meet soukd's one-key locks.)
	 */
	{ "oauth_identity_lock",
	  "SELECT pg_advisory_xact_lock(1868657012, hashtext($1 || ':' || $2))" },
	/* $1 provider, $2 subject */
	{ "oauth_identity",
	  "SELECT i.id, u.id, u.status, u.status_reason FROM user_identities i"
	  " JOIN users u ON u.id = i.user_id"
	  " WHERE i.provider = $1 AND i.subject = $2 FOR UPDATE OF i" },
	/* $1 identity, $2 email, $3 verified */
	{ "oauth_identity_seen",
	  "UPDATE user_identities SET email = $2, email_verified = $3,"
	  " last_login_at = now() WHERE id = $1" },
	/*
	 * $1 email, $2 provider, $3 subject: the account, and whether
	 * another identity at the provider is linked to it.
	 */
	{ "oauth_by_email",
	  "SELECT u.id, u.email_verified_at IS NOT NULL, u.status,"
	  " u.status_reason, EXISTS (SELECT 1 FROM user_identities i"
	  "  WHERE i.user_id = u.id AND i.provider = $2 AND i.subject <> $3)"
	  " FROM users u WHERE lower(u.email) = $1 FOR UPDATE" },
	/* $1 provider, $2 subject, $3 user, $4 email, $5 verified */
	{ "oauth_link",
	  "INSERT INTO user_identities (provider, subject, user_id, email,"
	  " email_verified, last_login_at) VALUES ($1, $2, $3, $4, $5, now())" },
	/* $1 email, $2 verified, $3 name */
	{ "oauth_user_insert",
	  "INSERT INTO users (role, email, email_verified_at, name)"
	  " VALUES ('customer', $1, CASE WHEN $2::boolean THEN now() END, $3)"
	  " RETURNING id" },
	{ "oauth_user_login",
	  "UPDATE users u SET last_login_at = now() WHERE id = $1"
	  " RETURNING " ACCOUNT_USER_JSON "::text" },
	/* $1 hash, $2 user, $3 provider; forgets old codes, a few at a go. */
	{ "oauth_login_insert",
	  "WITH gone AS (DELETE FROM oauth_logins WHERE id IN (SELECT id FROM"
	  "  oauth_logins WHERE expires_at < now() - interval '1 day'"
	  "  ORDER BY expires_at LIMIT 20))"
	  " INSERT INTO oauth_logins (code_hash, user_id, provider)"
	  " VALUES ($1::bytea, $2, $3)" },
	{ "oauth_login_take",
	  "SELECT l.id, l.user_id, l.expires_at < now(), l.used_at IS NOT NULL,"
	  " u.status, u.status_reason FROM oauth_logins l"
	  " JOIN users u ON u.id = l.user_id"
	  " WHERE l.code_hash = $1::bytea FOR UPDATE OF l" },
	{ "oauth_login_used",
	  "UPDATE oauth_logins SET used_at = now() WHERE id = $1" },
};

enum {
	STMT_STATE_INSERT, STMT_STATE_TAKE, STMT_STATE_USED,
	STMT_IDENTITY_LOCK, STMT_IDENTITY, STMT_IDENTITY_SEEN, STMT_BY_EMAIL, STMT_LINK, STMT_USER_INSERT,
	STMT_USER_LOGIN, STMT_LOGIN_INSERT, STMT_LOGIN_TAKE, STMT_LOGIN_USED,
};

/* What a refusal answers: a problem code and its detail. */
struct oauth_refusal {
	const char	*code;		/* NULL: not refused */
	char		*detail;
};

static void
oauth_refuse(struct oauth_refusal *f, const char *code, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

static void
oauth_refuse(struct oauth_refusal *f, const char *code, const char *fmt, ...)
{
	va_list	ap;

	free(f->detail);
	f->code = code;
	va_start(ap, fmt);
	if (vasprintf(&f->detail, fmt, ap) < 0)
		fatalx("oauth_refuse: vasprintf");
	va_end(ap);
}

static void
oauth_refusal_clear(struct oauth_refusal *f)
{
	free(f->detail);
	f->detail = NULL;
	f->code = NULL;
}

static const char *
oauth_conf(size_t off)
{
	return *(char *const *)((const char *)api_config + off);
}

/*
 * The provider of the request's {provider}, or NULL with 404 set when
 * there is no such provider or it is not set up.
 */
static const struct oauth_provider *
oauth_provider(struct req *r)
{
	const char	*name = req_param(r, "provider");
	size_t		 i;

	for (i = 0; i < API_NELEM(oauth_providers); i++) {
		if (strcmp(oauth_providers[i].name, name) != 0)
			continue;
		if (*oauth_conf(oauth_providers[i].client_id) == '\0') {
			req_problem(r, "not-found", "%s sign-in is not set up",
			    oauth_providers[i].title);
			return NULL;
		}
		return &oauth_providers[i];
	}
	req_problem(r, "not-found", "there is no sign-in with %s; there is "
	    "google and facebook", name);
	return NULL;
}

/* s without its trailing slashes, as a new string. */
static char *
oauth_trim_slash(const char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	return xstrndup(s, n);
}

static char *
oauth_redirect_uri(const struct oauth_provider *p)
{
	char	*base = oauth_trim_slash(api_config->public_url), *uri;

	uri = xasprintf("%s/v1/auth/oauth/%s/callback", base, p->name);
	free(base);
	return uri;
}

/*
 * Whether return_to is a page of the app: app_url itself, or app_url
 * followed by a path or a query.  No fragment (the login code is added as
 * a query parameter), no blanks or control characters, no backslashes.
 */
static bool
oauth_return_ok(const char *return_to)
{
	char		*base = oauth_trim_slash(api_config->app_url);
	size_t		 n = strlen(base);
	const char	*s;
	bool		 ok;

	ok = n > 0 && strncmp(return_to, base, n) == 0 &&
	    (return_to[n] == '\0' || return_to[n] == '/' ||
	    return_to[n] == '?');
	for (s = return_to; ok && *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '\\' ||
		    *s == '#')
			ok = false;
	}
	free(base);
	return ok;
}

/* The hash of a secret's text as a bytea literal. */
static void
oauth_hash(const char *secret, char lit[67])
{
	unsigned char	h[32];

	auth_token_hash(secret, h);
	auth_hash_literal(h, lit);
}

static void
oauth_wipe(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

/* libcurl is set up once, whichever of the API and the jobs comes first. */
static pthread_once_t	oauth_curl_once = PTHREAD_ONCE_INIT;

static void
oauth_curl_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init");
}

/* --- start --------------------------------------------------------------- */

static const struct jsonv_field start_fields[] = {
	{ "return_to", JV_STRING, 0, 1, OAUTH_MAX_RETURN_TO, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
oauth_start(struct req *r)
{
	const struct oauth_provider	*p;
	json_t				*body = NULL;
	const char			*return_to = NULL, *params[5], *sep;
	char				*state = NULL, *verifier = NULL,
					*challenge = NULL, *redirect = NULL,
					*url = NULL, lit[67];
	unsigned char			 digest[crypto_hash_sha256_BYTES];
	struct buf			 q;
	PGresult			*res;
	size_t				 len;

	buf_init(&q, 0);
	if ((p = oauth_provider(r)) == NULL)
		goto out;
	/* The body is optional: no body, no return_to. */
	(void)req_body(r, &len);
	if (len > 0) {
		if ((body = req_body_json(r, start_fields)) == NULL)
			goto out;
		return_to = json_string_value(json_object_get(body,
		    "return_to"));
	}
	if (return_to != NULL && !oauth_return_ok(return_to)) {
		req_field_error(r, "return_to", "invalid", "must be a page of "
		    "the app, under %s, without a fragment",
		    api_config->app_url);
		req_fail_fields(r);
		goto out;
	}

	state = auth_random_token(OAUTH_STATE_BYTES);
	verifier = auth_random_token(OAUTH_VERIFIER_BYTES);
	crypto_hash_sha256(digest, (const unsigned char *)verifier,
	    strlen(verifier));
	challenge = oauth_base64url(digest, sizeof digest);
	oauth_hash(state, lit);
	params[0] = lit;
	params[1] = p->name;
	params[2] = verifier;
	params[3] = return_to;
	params[4] = req_client_ip(r);
	if ((res = req_exec(r, &oauth_stmts[STMT_STATE_INSERT], 5, params)) ==
	    NULL)
		goto out;
	PQclear(res);

	redirect = oauth_redirect_uri(p);
	pfetch_form_add(&q, "response_type", "code");
	pfetch_form_add(&q, "client_id", oauth_conf(p->client_id));
	pfetch_form_add(&q, "redirect_uri", redirect);
	pfetch_form_add(&q, "scope", p->scope);
	pfetch_form_add(&q, "state", state);
	pfetch_form_add(&q, "code_challenge", challenge);
	pfetch_form_add(&q, "code_challenge_method", "S256");
	sep = strchr(oauth_conf(p->auth_url), '?') != NULL ? "&" : "?";
	url = xasprintf("%s%s%s", oauth_conf(p->auth_url), sep, q.data);
	req_add_header(r, "Cache-Control", "no-store");
	req_reply_json(r, 200, json_pack("{s:s, s:s, s:I}",
	    "authorization_url", url, "state", state, "expires_in",
	    (json_int_t)600));
out:
	buf_free(&q);
	free(url);
	free(redirect);
	free(challenge);
	oauth_wipe(verifier);
	oauth_wipe(state);
	json_decref(body);
}

/* --- the provider --------------------------------------------------------- */

enum oauth_outcome {
	OAUTH_OK,
	OAUTH_REFUSED,		/* the provider refused the code */
	OAUTH_UNAVAILABLE,	/* unreachable, 5xx, or nonsense */
};

/* Who the provider says signed in. */
struct oauth_who {
	char	*subject;
	char	*email;		/* normalized; NULL if none or malformed */
	bool	 verified;	/* the provider vouches for email */
	char	*name;		/* NULL if none */
};

static void
oauth_who_free(struct oauth_who *w)
{
	free(w->subject);
	free(w->email);
	free(w->name);
	memset(w, 0, sizeof *w);
}

/* The OAuth error of a token endpoint's answer, Google's or Facebook's. */
static const char *
oauth_error_code(const json_t *answer, long *fb_code)
{
	json_t	*e = json_object_get(answer, "error");

	*fb_code = 0;
	if (json_is_string(e))
		return json_string_value(e);
	if (json_is_object(e)) {
		*fb_code = (long)json_integer_value(json_object_get(e,
		    "code"));
		return json_string_value(json_object_get(e, "type"));
	}
	return NULL;
}

/*
 * Exchanges code for an access token (*access, caller wipes).  On
 * failure *why says what happened, for the log and the client.
 */
static enum oauth_outcome
oauth_token(const struct oauth_provider *p, const char *code,
    const char *verifier, char **access, char **why)
{
	struct pfetch		 f;
	struct buf		 form;
	enum oauth_outcome	 out = OAUTH_UNAVAILABLE;
	const char		*tok, *err;
	char			*redirect = oauth_redirect_uri(p), *what;
	long			 fb_code;

	*access = NULL;
	*why = NULL;
	memset(&f, 0, sizeof f);
	buf_init(&form, 0);
	pfetch_form_add(&form, "grant_type", "authorization_code");
	pfetch_form_add(&form, "code", code);
	pfetch_form_add(&form, "redirect_uri", redirect);
	pfetch_form_add(&form, "client_id", oauth_conf(p->client_id));
	pfetch_form_add(&form, "client_secret", oauth_conf(p->client_secret));
	pfetch_form_add(&form, "code_verifier", verifier);
	f.url = oauth_conf(p->token_url);
	f.body = form.data;
	f.len = form.len;
	f.ctype = "application/x-www-form-urlencoded";
	f.timeout_ms = api_config->provider_timeout_ms;
	if (!pfetch_perform(&f)) {
		what = pfetch_describe(&f);
		*why = xasprintf("%s did not answer (%s)", p->title, what);
		free(what);
		goto out;
	}
	if (f.status >= 200 && f.status < 300) {
		tok = json_string_value(json_object_get(f.json,
		    "access_token"));
		if (tok == NULL || *tok == '\0' || strlen(tok) > 4096) {
			*why = xasprintf("%s answered the code exchange "
			    "without an access token", p->title);
			goto out;
		}
		*access = xstrdup(tok);
		out = OAUTH_OK;
		goto out;
	}
	err = oauth_error_code(f.json, &fb_code);
	if (f.status >= 400 && f.status < 500 && f.status != 408 &&
	    f.status != 429) {
		/*
		 * Refusing soukd's own credentials is soukd's fault, not the
		 * user's: Google's invalid_client, Facebook's code 1 ("Error
		 * validating client secret") and 101 (the app id).
		 */
		if ((err != NULL && (strcmp(err, "invalid_client") == 0 ||
		    strcmp(err, "unauthorized_client") == 0)) ||
		    fb_code == 1 || fb_code == 101) {
			log_error("%s sign-in: the token endpoint refuses our "
			    "client id or secret (HTTP %ld, %s): check %s_"
			    "client_id and %s_client_secret", p->title,
			    f.status, err != NULL ? err : "no error code",
			    p->name, p->name);
			*why = xasprintf("%s sign-in is misconfigured",
			    p->title);
			goto out;
		}
		*why = xasprintf("%s refused the sign-in code (%s)", p->title,
		    err != NULL ? err : "no reason given");
		out = OAUTH_REFUSED;
		goto out;
	}
	*why = xasprintf("%s answered the code exchange with HTTP %ld",
	    p->title, f.status);
out:
	pfetch_free(&f);
	if (form.data != NULL)
		sodium_memzero(form.data, form.len);
	buf_free(&form);
	free(redirect);
	return out;
}

/* Facebook's appsecret_proof: HMAC-SHA-256 of the token, in hex. */
static char *
oauth_appsecret_proof(const char *secret, const char *token)
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	char				*hex = xmalloc(sizeof mac * 2 + 1);

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)token,
	    strlen(token));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof mac * 2 + 1, mac, sizeof mac);
	sodium_memzero(&st, sizeof st);
	return hex;
}

/* A display name: one line, at most OAUTH_MAX_NAME characters; or NULL. */
static char *
oauth_clean_name(const char *s)
{
	char	*out, *o;
	size_t	 chars = 0;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || ((unsigned char)*s < ' ' && *s != '\0'))
		s++;
	out = o = xmalloc(strlen(s) + 1);
	for (; *s != '\0'; s++) {
		/* A code point starts at every byte but 10xxxxxx. */
		if (((unsigned char)*s & 0xc0) != 0x80 &&
		    ++chars > OAUTH_MAX_NAME)
			break;
		*o++ = (unsigned char)*s < ' ' || *s == 0x7f ? ' ' : *s;
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	if (*out == '\0') {
		free(out);
		return NULL;
	}
	return out;
}

/* Asks the provider who holds access; fills w. */
static enum oauth_outcome
oauth_userinfo(const struct oauth_provider *p, const char *access,
    struct oauth_who *w, char **why)
{
	struct pfetch	 f;
	const char	*url = oauth_conf(p->userinfo_url), *email;
	char		*proof = NULL, *full = NULL, *what, num[24];
	json_t		*sub, *v;
	enum oauth_outcome out = OAUTH_UNAVAILABLE;

	memset(w, 0, sizeof *w);
	*why = NULL;
	memset(&f, 0, sizeof f);
	if (p->appsecret_proof) {
		proof = oauth_appsecret_proof(oauth_conf(p->client_secret),
		    access);
		full = xasprintf("%s%sappsecret_proof=%s", url,
		    strchr(url, '?') != NULL ? "&" : "?", proof);
		url = full;
	}
	f.url = url;
	f.bearer = access;
	f.timeout_ms = api_config->provider_timeout_ms;
	if (!pfetch_perform(&f)) {
		what = pfetch_describe(&f);
		*why = xasprintf("%s did not say who signed in (%s)", p->title,
		    what);
		free(what);
		goto out;
	}
	if (f.status < 200 || f.status >= 300 || !json_is_object(f.json)) {
		*why = xasprintf("%s did not say who signed in (HTTP %ld)",
		    p->title, f.status);
		goto out;
	}
	sub = json_object_get(f.json, p->subject);
	if (json_is_integer(sub)) {
		snprintf(num, sizeof num, "%lld", (long long)
		    json_integer_value(sub));
		w->subject = xstrdup(num);
	} else if (json_is_string(sub) && json_string_length(sub) > 0 &&
	    json_string_length(sub) <= OAUTH_MAX_SUBJECT)
		w->subject = xstrdup(json_string_value(sub));
	if (w->subject == NULL) {
		*why = xasprintf("%s said who signed in without a usable %s",
		    p->title, p->subject);
		goto out;
	}
	if ((email = json_string_value(json_object_get(f.json, "email"))) !=
	    NULL && strlen(email) <= 254) {
		w->email = xstrdup(email);
		if (!account_normalize_email(w->email)) {
			free(w->email);
			w->email = NULL;
		}
	}
	v = json_object_get(f.json, "email_verified");
	w->verified = w->email != NULL && p->says_verified &&
	    (json_is_true(v) || (json_is_string(v) &&
	    strcmp(json_string_value(v), "true") == 0));
	w->name = oauth_clean_name(json_string_value(json_object_get(f.json,
	    "name")));
	out = OAUTH_OK;
out:
	if (out != OAUTH_OK)
		oauth_who_free(w);
	pfetch_free(&f);
	oauth_wipe(proof);
	oauth_wipe(full);
	return out;
}

/* --- callback ------------------------------------------------------------- */

/* Taking the state: it is used up whatever follows. */
struct state_tx {
	struct req			*r;
	const struct oauth_provider	*p;
	const char			*hash;
	const char			*error;		/* ?error= */
	struct oauth_refusal		 refused;
	char				*verifier;
	char				*return_to;
};

static bool
state_tx_run(struct db *db, void *arg)
{
	struct state_tx		*t = arg;
	const struct oauth_provider *other = NULL;
	const char		*params[1];
	char			 id[24];
	PGresult		*res;
	size_t			 i;

	oauth_refusal_clear(&t->refused);
	oauth_wipe(t->verifier);
	free(t->return_to);
	t->verifier = t->return_to = NULL;
	params[0] = t->hash;
	if ((res = db_exec(db, &oauth_stmts[STMT_STATE_TAKE], 1, params)) ==
	    NULL)
		return false;
	if (PQntuples(res) == 0) {
		PQclear(res);
		oauth_refuse(&t->refused, "unauthorized", "this sign-in is "
		    "unknown here: start again");
		goto refused;
	}
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
	for (i = 0; i < API_NELEM(oauth_providers); i++) {
		if (strcmp(oauth_providers[i].name, PQgetvalue(res, 0, 1)) ==
		    0)
			other = &oauth_providers[i];
	}
	if (PQgetvalue(res, 0, 5)[0] == 't')
		oauth_refuse(&t->refused, "unauthorized", "this sign-in was "
		    "already used: start again");
	else if (other != t->p)
		oauth_refuse(&t->refused, "unauthorized", "this sign-in was "
		    "started with %s, not %s: start again", other != NULL ?
		    other->title : PQgetvalue(res, 0, 1), t->p->title);
	else if (PQgetvalue(res, 0, 4)[0] == 't')
		oauth_refuse(&t->refused, "unauthorized", "this sign-in took "
		    "more than 10 minutes: start again");
	else if (t->error != NULL)
		oauth_refuse(&t->refused, "unauthorized", "%s sign-in did not "
		    "complete (%s%s): start again to try once more", t->p->title,
		    t->error, strcmp(t->error, "access_denied") == 0 ?
		    ", it was cancelled or not allowed" : "");
	else {
		t->verifier = xstrdup(PQgetvalue(res, 0, 2));
		if (!PQgetisnull(res, 0, 3))
			t->return_to = xstrdup(PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	params[0] = id;
	if ((res = db_exec(db, &oauth_stmts[STMT_STATE_USED], 1, params)) ==
	    NULL)
		return false;
	PQclear(res);
	if (t->refused.code == NULL)
		return true;
refused:
	return account_audit(db, t->r, 0, "auth.oauth_refused", NULL, NULL,
	    NULL, NULL, t->refused.detail);
}

/* Signing in whoever the provider named. */
struct signin_tx {
	struct req			*r;
	const struct oauth_provider	*p;
	const struct oauth_who		*w;
	const char			*return_to;
	struct oauth_refusal		 refused;
	struct principal		 pr;
	char				*refresh;
	char				*user_json;
	char				*login_code;
};

/* The identity as JSON text for the audit log (caller frees). */
static char *
oauth_identity_json(const struct oauth_provider *p, const struct oauth_who *w)
{
	json_t	*o = json_pack("{s:s, s:s, s:s?, s:b}", "provider", p->name,
		    "subject", w->subject, "email", w->email, "email_verified",
		    w->verified);
	char	*s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (s == NULL)
		fatalx("oauth_identity_json");
	return s;
}

/* Refuses inside the transaction, and records why (the refusal commits). */
static bool
signin_refuse(struct db *db, struct signin_tx *t, const char *user,
    const char *code, const char *detail)
{
	char	*after = oauth_identity_json(t->p, t->w);
	bool	 ok;

	oauth_refuse(&t->refused, code, "%s", detail);
	ok = account_audit(db, t->r, 0, "auth.oauth_refused", user != NULL ?
	    "user" : NULL, user, NULL, after, detail);
	free(after);
	return ok;
}

/*
 * The account an email address names, linked to the identity if the rules
 * allow; *user gets its id.  False on a database failure; a refusal sets
 * t->refused (and is in the audit log).
 */
static bool
signin_by_email(struct db *db, struct signin_tx *t, char user[24],
    bool *created)
{
	const struct oauth_who	*w = t->w;
	const char		*params[5], *code = "conflict";
	char			*detail = NULL, *after = NULL;
	PGresult		*res;
	bool			 ok = false;

	*created = false;
	params[0] = w->email;
	params[1] = t->p->name;
	params[2] = w->subject;
	if ((res = db_exec(db, &oauth_stmts[STMT_BY_EMAIL], 3, params)) ==
	    NULL)
		return false;
	if (PQntuples(res) == 1) {
		snprintf(user, 24, "%s", PQgetvalue(res, 0, 0));
		if (!w->verified)
			detail = xasprintf("an account with the email address "
			    "%s exists, and %s does not vouch that the address "
			    "is yours, so it is not linked: sign in with its "
			    "password or a phone code", w->email, t->p->title);
		else if (PQgetvalue(res, 0, 1)[0] != 't')
			detail = xasprintf("an account with the email address "
			    "%s exists but its address was never confirmed, so "
			    "it is not linked: reset its password (which "
			    "confirms it), then sign in with %s again",
			    w->email, t->p->title);
		else if (PQgetvalue(res, 0, 4)[0] == 't')
			detail = xasprintf("the account with the email address "
			    "%s is linked to another %s account", w->email,
			    t->p->title);
		else if (strcmp(PQgetvalue(res, 0, 2), "active") != 0) {
			code = "forbidden";
			detail = xasprintf("this account is suspended: %s",
			    PQgetisnull(res, 0, 3) ? "ask an administrator" :
			    PQgetvalue(res, 0, 3));
		}
		PQclear(res);
		if (detail != NULL) {
			ok = signin_refuse(db, t, user, code, detail);
			goto out;
		}
	} else {
		PQclear(res);
		params[0] = w->email;
		params[1] = w->verified ? "true" : "false";
		params[2] = w->name;
		if ((res = db_exec(db, &oauth_stmts[STMT_USER_INSERT], 3,
		    params)) == NULL)
			goto out;
		snprintf(user, 24, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		*created = true;
	}
	params[0] = t->p->name;
	params[1] = w->subject;
	params[2] = user;
	params[3] = w->email;
	params[4] = w->verified ? "true" : "false";
	if ((res = db_exec(db, &oauth_stmts[STMT_LINK], 5, params)) == NULL)
		goto out;
	PQclear(res);
	after = oauth_identity_json(t->p, w);
	if (*created && !account_audit(db, t->r, strtoll(user, NULL, 10),
	    "user.created", "user", user, NULL, after, t->p->title))
		goto out;
	ok = account_audit(db, t->r, strtoll(user, NULL, 10),
	    "auth.oauth_linked", "user", user, NULL, after, *created ?
	    "a new account" : "by its confirmed email address");
out:
	free(after);
	free(detail);
	return ok;
}

static bool
signin_tx_run(struct db *db, void *arg)
{
	struct signin_tx	*t = arg;
	const struct oauth_who	*w = t->w;
	const char		*params[3], *how;
	char			 user[24], ident[24], lit[67], *detail = NULL;
	PGresult		*res;
	bool			 ok = false, created = false, found;

	oauth_refusal_clear(&t->refused);
	oauth_wipe(t->refresh);
	free(t->user_json);
	oauth_wipe(t->login_code);
	t->refresh = t->user_json = t->login_code = NULL;
	params[0] = t->p->name;
	params[1] = w->subject;
	if ((res = db_exec(db, &oauth_stmts[STMT_IDENTITY_LOCK], 2,
	    params)) == NULL)
		return false;
	PQclear(res);
	if ((res = db_exec(db, &oauth_stmts[STMT_IDENTITY], 2, params)) ==
	    NULL)
		return false;
	if ((found = PQntuples(res) == 1)) {
		snprintf(ident, sizeof ident, "%s", PQgetvalue(res, 0, 0));
		snprintf(user, sizeof user, "%s", PQgetvalue(res, 0, 1));
		if (strcmp(PQgetvalue(res, 0, 2), "active") != 0)
			detail = xasprintf("this account is suspended: %s",
			    PQgetisnull(res, 0, 3) ? "ask an administrator" :
			    PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	if (detail != NULL) {
		ok = signin_refuse(db, t, user, "forbidden", detail);
		goto out;
	}
	if (found) {
		params[0] = ident;
		params[1] = w->email;
		params[2] = w->verified ? "true" : "false";
		if ((res = db_exec(db, &oauth_stmts[STMT_IDENTITY_SEEN], 3,
		    params)) == NULL)
			goto out;
		PQclear(res);
	} else if (w->email == NULL) {
		detail = xasprintf("%s did not give an email address, and a "
		    "souk account needs one: let %s share it, or sign in with "
		    "a phone code", t->p->title, t->p->title);
		ok = signin_refuse(db, t, NULL, "unprocessable", detail);
		goto out;
	} else {
		if (!signin_by_email(db, t, user, &created))
			goto out;
		if (t->refused.code != NULL) {
			ok = true;
			goto out;
		}
	}

	params[0] = user;
	if ((res = db_exec(db, &oauth_stmts[STMT_USER_LOGIN], 1, params)) ==
	    NULL)
		goto out;
	t->user_json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (t->return_to != NULL) {
		t->login_code = auth_random_token(32);
		oauth_hash(t->login_code, lit);
		params[0] = lit;
		params[1] = user;
		params[2] = t->p->name;
		if ((res = db_exec(db, &oauth_stmts[STMT_LOGIN_INSERT], 3,
		    params)) == NULL)
			goto out;
		PQclear(res);
	} else if (!account_principal(db, strtoll(user, NULL, 10), &t->pr) ||
	    !account_open_session(db, t->r, &t->pr, 0, &t->refresh))
		goto out;
	how = created ? "a new account" : found ? "linked before" :
	    "linked by its confirmed email address";
	detail = xasprintf("%s, %s", t->p->title, how);
	ok = account_audit(db, t->r, strtoll(user, NULL, 10),
	    "auth.oauth_login", "user", user, NULL, NULL, detail);
out:
	free(detail);
	return ok;
}

#define OAUTH_CALLBACK_QUERY						\
	"code,state,error,error_description,error_reason,error_code,"	\
	"error_message,error_uri,scope,authuser,hd,prompt,iss"

static void
oauth_callback(struct req *r)
{
	const struct oauth_provider	*p;
	const char			*state, *code, *error;
	struct state_tx			 st;
	struct signin_tx		 si;
	struct oauth_who		 w;
	char				 lit[67], *access = NULL, *why = NULL,
					*location = NULL, *after;
	struct db			*db;
	enum oauth_outcome		 o;
	int				 tries;

	memset(&st, 0, sizeof st);
	memset(&si, 0, sizeof si);
	memset(&w, 0, sizeof w);
	if ((p = oauth_provider(r)) == NULL)
		return;
	state = req_query(r, "state");
	code = req_query(r, "code");
	error = req_query(r, "error");
	if (state == NULL || *state == '\0')
		req_field_error(r, "state", "required", "is missing: the "
		    "provider sends it back with the code");
	else if (strlen(state) > 200)
		req_field_error(r, "state", "invalid", "is not a state soukd "
		    "made");
	if (error != NULL && (*error == '\0' || strlen(error) > 100 ||
	    strspn(error, "abcdefghijklmnopqrstuvwxyz_") != strlen(error)))
		req_field_error(r, "error", "invalid", "is not an OAuth error "
		    "code");
	else if (error == NULL && (code == NULL || *code == '\0'))
		req_field_error(r, "code", "required", "is missing: the "
		    "provider sends it back with the state");
	else if (code != NULL && strlen(code) > OAUTH_MAX_CODE)
		req_field_error(r, "code", "invalid", "is too long");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		return;
	}

	pthread_once(&oauth_curl_once, oauth_curl_init);
	oauth_hash(state, lit);
	st.r = r;
	st.p = p;
	st.hash = lit;
	st.error = error;
	if ((db = req_db(r)) == NULL)
		goto out;
	/* A used state must stay used: refusals commit. */
	if (!db_tx(db, DB_READ_COMMITTED, state_tx_run, &st)) {
		req_db_problem(r, db);
		goto out;
	}
	if (st.refused.code != NULL) {
		req_problem(r, st.refused.code, "%s", st.refused.detail);
		goto out;
	}

	/* No transaction is open from here to the sign-in's. */
	if ((o = oauth_token(p, code, st.verifier, &access, &why)) ==
	    OAUTH_REFUSED) {
		if (!account_audit(db, r, 0, "auth.oauth_refused", NULL, NULL,
		    NULL, NULL, why))
			log_warn("audit: %s", db_message(db));
		req_problem(r, "unauthorized", "%s: start again", why);
		goto out;
	}
	if (o == OAUTH_OK)
		o = oauth_userinfo(p, access, &w, &why);
	if (o != OAUTH_OK) {
		log_warn("%s sign-in: %s", p->title, why);
		req_problem(r, "unavailable", "%s; try again in a moment", why);
		goto out;
	}

	si.r = r;
	si.p = p;
	si.w = &w;
	si.return_to = st.return_to;
	/*
	 * Two first sign-ins with one address at once (two identities): the
	 * second's account breaks the unique address, and its retry finds
	 * the first's account.
	 */
	for (tries = 0;; tries++) {
		if (db_tx(db, DB_READ_COMMITTED, signin_tx_run, &si))
			break;
		if (db_status(db) != DB_CONSTRAINT || tries == 1) {
			req_db_problem(r, db);
			goto out;
		}
	}
	if (si.refused.code != NULL) {
		req_problem(r, si.refused.code, "%s", si.refused.detail);
		goto out;
	}
	if (st.return_to == NULL) {
		account_reply_tokens(r, 200, &si.pr, si.refresh, si.user_json);
		goto out;
	}
	location = xasprintf("%s%slogin_code=%s", st.return_to,
	    strchr(st.return_to, '?') != NULL ? "&" : "?", si.login_code);
	req_add_header(r, "Location", location);
	req_add_header(r, "Cache-Control", "no-store");
	req_add_header(r, "Referrer-Policy", "no-referrer");
	after = xstrdup("signed in; on to the app\n");
	req_reply(r, 302, "text/plain; charset=utf-8", after, strlen(after));
out:
	oauth_wipe(location);
	oauth_wipe(access);
	free(why);
	oauth_who_free(&w);
	oauth_refusal_clear(&st.refused);
	oauth_wipe(st.verifier);
	free(st.return_to);
	oauth_refusal_clear(&si.refused);
	oauth_wipe(si.refresh);
	free(si.user_json);
	oauth_wipe(si.login_code);
}

/* --- exchange ------------------------------------------------------------- */

static const struct jsonv_field exchange_fields[] = {
	{ "login_code", JV_STRING, JV_REQUIRED, 1, 200, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

struct exchange_tx {
	struct req		*r;
	const char		*hash;
	struct oauth_refusal	 refused;
	struct principal	 pr;
	char			*refresh;
	char			*user_json;
};

static bool
exchange_tx_run(struct db *db, void *arg)
{
	struct exchange_tx	*t = arg;
	const char		*params[1];
	char			 id[24], user[24];
	PGresult		*res;

	oauth_refusal_clear(&t->refused);
	oauth_wipe(t->refresh);
	free(t->user_json);
	t->refresh = t->user_json = NULL;
	params[0] = t->hash;
	if ((res = db_exec(db, &oauth_stmts[STMT_LOGIN_TAKE], 1, params)) ==
	    NULL)
		return false;
	if (PQntuples(res) == 0) {
		PQclear(res);
		oauth_refuse(&t->refused, "unauthorized", "this login code is "
		    "not valid: sign in again");
		return true;
	}
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
	snprintf(user, sizeof user, "%s", PQgetvalue(res, 0, 1));
	if (PQgetvalue(res, 0, 3)[0] == 't') {
		PQclear(res);
		oauth_refuse(&t->refused, "unauthorized", "this login code was "
		    "already used: sign in again");
		/* Someone else may have it: say so in the audit log. */
		return account_audit(db, t->r, 0, "auth.oauth_refused", "user",
		    user, NULL, NULL, "a login code presented again");
	}
	if (PQgetvalue(res, 0, 2)[0] == 't')
		oauth_refuse(&t->refused, "unauthorized", "this login code "
		    "expired (they last 2 minutes): sign in again");
	else if (strcmp(PQgetvalue(res, 0, 4), "active") != 0)
		oauth_refuse(&t->refused, "forbidden", "this account is "
		    "suspended: %s", PQgetisnull(res, 0, 5) ? "ask an "
		    "administrator" : PQgetvalue(res, 0, 5));
	PQclear(res);
	params[0] = id;
	if ((res = db_exec(db, &oauth_stmts[STMT_LOGIN_USED], 1, params)) ==
	    NULL)
		return false;
	PQclear(res);
	if (t->refused.code != NULL)
		return true;
	params[0] = user;
	if ((res = db_exec(db, &oauth_stmts[STMT_USER_LOGIN], 1, params)) ==
	    NULL)
		return false;
	t->user_json = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return account_principal(db, strtoll(user, NULL, 10), &t->pr) &&
	    account_open_session(db, t->r, &t->pr, 0, &t->refresh);
}

static void
oauth_exchange(struct req *r)
{
	json_t			*body;
	struct exchange_tx	 t;
	char			 lit[67];
	struct db		*db;

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, exchange_fields)) == NULL)
		return;
	oauth_hash(json_string_value(json_object_get(body, "login_code")),
	    lit);
	t.r = r;
	t.hash = lit;
	if ((db = req_db(r)) == NULL)
		goto out;
	/* A used code must stay used: refusals commit. */
	if (!db_tx(db, DB_READ_COMMITTED, exchange_tx_run, &t)) {
		req_db_problem(r, db);
		goto out;
	}
	if (t.refused.code != NULL) {
		req_problem(r, t.refused.code, "%s", t.refused.detail);
		goto out;
	}
	account_reply_tokens(r, 200, &t.pr, t.refresh, t.user_json);
out:
	oauth_refusal_clear(&t.refused);
	oauth_wipe(t.refresh);
	free(t.user_json);
	json_decref(body);
}

static const struct route oauth_routes[] = {
	{ "POST", "/v1/auth/oauth/{provider}/start", oauth_start, NULL,
	  "public", "start signing in with Google or Facebook", 0 },
	{ "GET", "/v1/auth/oauth/{provider}/callback", oauth_callback,
	  OAUTH_CALLBACK_QUERY, "public",
	  "where Google or Facebook sends the browser back", 0 },
	{ "POST", "/v1/auth/oauth/exchange", oauth_exchange, NULL, "public",
	  "a one-time login code from a social sign-in → tokens", 0 },
};

const struct api_module oauth_module = {
	"oauth", oauth_routes, API_NELEM(oauth_routes), oauth_stmts,
	API_NELEM(oauth_stmts),
};
