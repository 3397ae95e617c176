/*
 * fakes: stand-ins for the providers soukd's notification drivers call,
 * run by the API tests on loopback.  One process serves, on ports the
 * system chooses:
 *
 *   HTTP  Twilio's Messages API   POST /2010-04-01/Accounts/{sid}/Messages.json
 *         SendGrid's v3 mail/send POST /v3/mail/send
 *         FCM HTTP v1             POST /v1/projects/{project}/messages:send
 *         an OAuth token endpoint POST /token (JWT bearer grant, RS256
 *                                 checked against the test key's public half)
 *         Google sign-in          GET /google/o/oauth2/v2/auth,
 *                                 POST /google/token,
 *                                 GET /google/v1/userinfo
 *         Facebook Login          GET /facebook/v19.0/dialog/oauth,
 *                                 GET|POST /facebook/v19.0/oauth/access_token,
 *                                 GET /facebook/me
 *                                 (fake_oauth.c: the test plays the browser)
 *   SMTP  a sink: EHLO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA, RSET, QUIT
 *   S3    PUT, GET, HEAD, DELETE /{bucket}/{key}, SigV4 checked (fake_s3.c)
 *
 * Usage: fakes DIR PUBLIC_KEY.pem.  It writes "http PORT\nsmtp PORT\n
 * s3 PORT\n" to DIR/ports once it listens, and every request it receives
 * as a JSON line to DIR/requests.jsonl.  Tests make it misbehave through
 *
 *   POST /_fake/rule   {"service": "twilio"|"sendgrid"|"fcm"|"token"|"smtp"|
 *                       "google_token"|"google_userinfo"|"facebook_token"|
 *                       "facebook_userinfo",
 *                       "count": K (1), "status": HTTP status or SMTP code,
 *                       "code": the provider's error code (Twilio's number,
 *                       FCM's errorCode, OAuth's error, Facebook's
 *                       error code),
 *                       "retry_after": "Retry-After value",
 *                       "headers": {extra answer headers},
 *                       "stall_ms": N (wait before answering),
 *                       "stage": SMTP only: connect, ehlo, auth, mail,
 *                       rcpt (the default) or data,
 *                       "reply": SMTP only: the reply line}
 *                      for the next K requests of that service;
 *   POST /_fake/revoke every access token issued so far is refused (401);
 *   POST /_fake/config {"token_expires_in": N} for tokens issued next.
 */
#ifndef SOUK_FAKES_H
#define SOUK_FAKES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

/* An HTTP request to the fakes, and the answer a service sets. */
struct MHD_Connection;
struct fake_req {
	struct MHD_Connection	*conn;
	const char		*method;
	const char		*url;		/* the path, without the query */
	struct buf		 body;
	json_t			*headers;	/* lower-case names */
	json_t			*query;		/* the query's parameters */
	json_t			*form;		/* a form-encoded body */
	json_t			*json;		/* a JSON body */
	/* The answer. */
	const char		*service;
	long			 status;
	json_t			*answer;	/* NULL: empty */
	json_t			*answer_headers;
	json_t			*extra;		/* more for the record */
};

struct fake_rule {
	char		*service;
	char		*stage;		/* SMTP; NULL for HTTP services */
	long		 status;	/* 0: answer as usual (after a stall) */
	char		*code;
	char		*retry_after;
	json_t		*headers;
	int64_t		 stall_ms;
	char		*reply;
};

/* Adds a rule from its JSON; false with *cause if it is malformed. */
bool	fake_rule_add(const json_t *spec, char **cause);
/*
 * Takes one use of the first rule for service (and, for SMTP, stage) into
 * *out; false if there is none.  Free *out with fake_rule_clear.
 */
bool	fake_rule_take(const char *service, const char *stage,
	    struct fake_rule *out);
void	fake_rule_clear(struct fake_rule *);
/* Sleeps ms milliseconds. */
void	fake_stall(int64_t ms);

/* Appends entry (stolen) as one line to requests.jsonl. */
void	fake_record(json_t *entry);
/* A serial number, unique in this process. */
unsigned long fake_serial(void);

/* A request header (lower-case name), or NULL. */
const char *fake_header(const struct fake_req *, const char *lower);
/* Sets the answer's status and JSON body (stolen; NULL: empty). */
void	fake_answer(struct fake_req *, long status, json_t *answer);
void	fake_add_header(struct fake_req *, const char *name, const char *value);
/* Applies a rule's Retry-After and extra headers to the answer. */
void	fake_rule_headers(struct fake_req *, const struct fake_rule *);

/*
 * Google and Facebook sign-in (fake_oauth.c): answers q and returns true
 * if its path is theirs.  The test plays the browser: it opens the
 * authorization URL soukd made, adding who consents
 *
 *   fake_sub=ID (required), fake_email=ADDRESS, fake_email_verified=
 *   true|false (Google only; true by default), fake_name=NAME, or
 *   fake_deny=ERROR (the person cancels: the redirect carries
 *   error=ERROR instead of a code),
 *
 * and is answered 302 to redirect_uri with code and state.  The token
 * endpoint checks the client's id and secret (below), redirect_uri and the
 * PKCE verifier against the S256 challenge the authorization saw, and
 * answers an access token that userinfo (Facebook's /me, which wants
 * appsecret_proof) knows.  Codes work once.
 */
#define FAKE_GOOGLE_CLIENT_ID		"souk-test.apps.googleusercontent.com"
#define FAKE_GOOGLE_CLIENT_SECRET	"GOCSPX-souk-test-secret"
#define FAKE_FACEBOOK_APP_ID		"1234567890123456"
#define FAKE_FACEBOOK_APP_SECRET	"souk-test-facebook-app-secret"
bool	fake_oauth_dispatch(struct fake_req *);

/* Starts the HTTP services; returns the port, or exits on failure. */
int	fake_http_start(const char *public_key_path);
/* Starts the SMTP sink; returns the port, or exits on failure. */
int	fake_smtp_start(void);
/* Starts the S3 fake (fake_s3.c); returns the port, or exits on failure. */
int	fake_s3_start(void);

/* Standard base64 (or base64url with url) decoding; NULL if malformed. */
char	*fake_base64_decode(const char *s, size_t len, bool url, size_t *out);

#endif
