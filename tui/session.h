/*
 * session: who souk is signed in as, shared by every thread that talks to
 * soukd.  It holds the credentials (see creds.h), puts the access token on
 * requests, and refreshes it before it expires and when soukd answers 401
 * (revoked, expired), then retries the request once.
 *
 * A refresh token is single use, and presenting a used one again makes
 * soukd revoke the whole family, so refreshes are serialised: one at a
 * time in this process (a mutex: requests that find their token already
 * replaced retry with the new one instead of refreshing again), and one at
 * a time among souk processes sharing the credentials file (an flock on
 * "credentials.lock"; a process that finds the file refreshed by another
 * takes its tokens).  A failed refresh never retries with the old token:
 * the session ends, the file goes, and session_lost says why.
 */
#ifndef SOUK_SESSION_H
#define SOUK_SESSION_H

#include <stdbool.h>

#include <jansson.h>

#include "client.h"
#include "creds.h"

struct session;

/*
 * A session with soukd at url, keeping its credentials at path (NULL:
 * only in memory).  Signed out until session_load or session_set.
 */
struct session *session_new(const char *url, const char *path);
void	session_free(struct session *);
/*
 * Reads the credentials file.  CREDS_OK signs in; CREDS_ELSEWHERE means
 * the file holds tokens for another soukd (left alone).  Other than
 * CREDS_OK and CREDS_NONE, *cause (caller frees) says why.
 */
enum creds_status session_load(struct session *, char **cause)
	    __attribute__((warn_unused_result));
bool	session_signed_in(struct session *);
/* Changes at each sign-in, refresh and sign-out. */
unsigned session_generation(struct session *);
/* A copy of the access token, or NULL when signed out; caller frees. */
char	*session_token(struct session *);
/* A copy of the credentials (empty when signed out). */
void	session_snapshot(struct session *, struct creds *out);
/*
 * Why the session ended (its refresh was refused), once; NULL if it did
 * not.  Caller frees.
 */
char	*session_lost(struct session *);
/*
 * Signs in with soukd's token answer (login, code, password change) and
 * writes the credentials file.  False with *cause (caller frees) if the
 * answer holds no tokens or the file cannot be written (then the session
 * still holds the tokens, for this run only).
 */
bool	session_set(struct session *, const json_t *answer, char **cause)
	    __attribute__((warn_unused_result));
/* Signs out: forgets the tokens and removes the file. */
void	session_forget(struct session *);
/*
 * Replaces the access token failed (NULL: whatever it is) with a new one,
 * using c to ask soukd.  True if there is a new one to use: refreshed
 * here, by another thread meanwhile, or by another souk (in the file).
 * False if soukd could not be asked (the session stays) or refused (the
 * session ends; see session_lost).
 */
bool	session_refresh(struct session *, struct client *c,
	    const char *failed);
/*
 * Performs a request through c as the signed-in user (or anonymously),
 * refreshing first when the token is due, and once after a 401, then
 * retrying.  Requests to /v1/auth/ go without a token (but logout, with
 * it) and are never retried.  Returns
 * r->status == CLIENT_OK; the caller empties r with response_free.
 */
bool	session_do(struct session *, struct client *c, const char *method,
	    const char *path, const char *body, struct response *r);

#endif
