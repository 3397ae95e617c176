/*
 * creds: the credentials file, $XDG_CONFIG_HOME/souk/credentials: the
 * tokens of the signed-in user and the soukd they belong to, as JSON.
 * Only its owner may read it: souk refuses a file that others could read
 * or that belongs to someone else, and replaces it atomically (a
 * temporary file made 0600, written, synced, renamed over the old one),
 * so a crash never leaves half a file and no other user ever sees one.
 * The rest is pure: reading soukd's token answers, and when to refresh.
 */
#ifndef SOUK_CREDS_H
#define SOUK_CREDS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define CREDS_FILE_MAX	(64 * 1024)	/* a larger file is corrupt */
#define CREDS_MARGIN_S	60		/* refresh this long before expiry */

struct creds {
	char	*url;		/* the soukd the tokens are for */
	char	*access;	/* access token (a JWT) */
	char	*refresh;	/* refresh token (single use) */
	int64_t	 expires_at;	/* when access expires, Unix seconds */
	int64_t	 lifetime;	/* how long access lasts, seconds */
	json_t	*user;		/* who signed in, as soukd said; may be NULL */
};

enum creds_status {
	CREDS_OK,
	CREDS_NONE,		/* no file */
	CREDS_INSECURE,		/* others may read it, or not ours: refused */
	CREDS_CORRUPT,		/* not a credentials file */
	CREDS_ELSEWHERE,	/* for another soukd (session_load) */
	CREDS_ERROR,		/* cannot be read */
};

/* $XDG_CONFIG_HOME/souk/credentials (see settings); NULL without HOME. */
char	*creds_path(void);
/*
 * Reads path into c (emptied first).  Anything but CREDS_OK leaves c
 * empty and, except for CREDS_NONE, sets *cause (caller frees) to a
 * sentence saying what is wrong and what to do.
 */
enum creds_status creds_read(const char *path, struct creds *c,
	    char **cause) __attribute__((warn_unused_result));
/*
 * Writes c to path atomically with mode 0600, creating the directory
 * (0700) if needed.  False with *cause (caller frees) on failure; the old
 * file is then untouched.
 */
bool	creds_write(const char *path, const struct creds *c, char **cause)
	    __attribute__((warn_unused_result));
/* Removes path; a missing file is fine.  False with *cause otherwise. */
bool	creds_remove(const char *path, char **cause)
	    __attribute__((warn_unused_result));
/*
 * Fills c (emptied first) from soukd's answer to a login or a refresh,
 * {access_token, token_type, expires_in, refresh_token, user}, received
 * at now, for the soukd at url.  False with *cause (caller frees) if the
 * answer is not one.
 */
bool	creds_from_tokens(struct creds *c, const char *url,
	    const json_t *answer, int64_t now, char **cause)
	    __attribute__((warn_unused_result));
/*
 * When to refresh the access token: CREDS_MARGIN_S before it expires, or
 * a quarter of its lifetime before when that is shorter.
 */
int64_t	creds_refresh_at(const struct creds *c);
/* True if c holds tokens and the access token is due for a refresh. */
bool	creds_due(const struct creds *c, int64_t now);
/* True if s may be a token: 1 to 4096 printable ASCII, no blanks. */
bool	creds_token_ok(const char *s);
/* Copies src into dst (emptied first). */
void	creds_copy(struct creds *dst, const struct creds *src);
/* Empties c, wiping the tokens; fine on an empty or zeroed one. */
void	creds_clear(struct creds *c);
/* "Name (role)" of the signed-in user, or NULL; caller frees. */
char	*creds_who(const struct creds *c);
/* The signed-in user's id, or 0. */
int64_t	creds_user_id(const struct creds *c);
/* The signed-in user's role ("admin"), or NULL. */
const char *creds_role(const struct creds *c);

#endif
