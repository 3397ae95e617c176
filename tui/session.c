#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "session.h"
#include "xmalloc.h"

struct session {
	char		*url;
	char		*path;		/* the credentials file, or NULL */
	char		*lockpath;
	pthread_mutex_t	 lock;		/* guards what follows */
	struct creds	 c;		/* empty when signed out */
	unsigned	 gen;
	char		*lost;		/* why the session ended */
	pthread_mutex_t	 refreshing;	/* one refresh at a time */
};

/* soukd's address without trailing slashes, as the file keeps it. */
static char *
session_base(const char *url)
{
	char	*u = xstrdup(url);
	size_t	 n = strlen(u);

	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
	return u;
}

struct session *
session_new(const char *url, const char *path)
{
	struct session	*s = xcalloc(1, sizeof *s);

	s->url = session_base(url);
	if (path != NULL) {
		s->path = xstrdup(path);
		s->lockpath = xasprintf("%s.lock", path);
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->refreshing, NULL);
	return s;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	creds_clear(&s->c);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->refreshing);
	free(s->lost);
	free(s->url);
	free(s->path);
	free(s->lockpath);
	free(s);
}

/* True if the file's soukd is ours (trailing slashes aside). */
static bool
session_same_url(const struct session *s, const char *url)
{
	char	*u = session_base(url);
	bool	 same = strcmp(u, s->url) == 0;

	free(u);
	return same;
}

enum creds_status
session_load(struct session *s, char **cause)
{
	struct creds		c;
	enum creds_status	st;

	*cause = NULL;
	memset(&c, 0, sizeof c);
	if (s->path == NULL)
		return CREDS_NONE;
	if ((st = creds_read(s->path, &c, cause)) != CREDS_OK)
		return st;
	if (!session_same_url(s, c.url)) {
		*cause = xasprintf("the saved sign-in is for %s, not %s",
		    c.url, s->url);
		creds_clear(&c);
		return CREDS_ELSEWHERE;
	}
	pthread_mutex_lock(&s->lock);
	creds_clear(&s->c);
	s->c = c;
	s->gen++;
	pthread_mutex_unlock(&s->lock);
	return CREDS_OK;
}

bool
session_signed_in(struct session *s)
{
	bool	in;

	pthread_mutex_lock(&s->lock);
	in = s->c.access != NULL;
	pthread_mutex_unlock(&s->lock);
	return in;
}

unsigned
session_generation(struct session *s)
{
	unsigned	gen;

	pthread_mutex_lock(&s->lock);
	gen = s->gen;
	pthread_mutex_unlock(&s->lock);
	return gen;
}

char *
session_token(struct session *s)
{
	char	*t;

	pthread_mutex_lock(&s->lock);
	t = s->c.access != NULL ? xstrdup(s->c.access) : NULL;
	pthread_mutex_unlock(&s->lock);
	return t;
}

void
session_snapshot(struct session *s, struct creds *out)
{
	pthread_mutex_lock(&s->lock);
	creds_copy(out, &s->c);
	pthread_mutex_unlock(&s->lock);
}

char *
session_lost(struct session *s)
{
	char	*why;

	pthread_mutex_lock(&s->lock);
	why = s->lost;
	s->lost = NULL;
	pthread_mutex_unlock(&s->lock);
	return why;
}

/* Takes c (the caller's copy is emptied) as the session's credentials. */
static void
session_adopt(struct session *s, struct creds *c)
{
	pthread_mutex_lock(&s->lock);
	creds_clear(&s->c);
	s->c = *c;
	memset(c, 0, sizeof *c);
	free(s->lost);
	s->lost = NULL;
	s->gen++;
	pthread_mutex_unlock(&s->lock);
}

/* Writes the file; on failure removes it, for it would hold used tokens. */
static bool
session_save(struct session *s, const struct creds *c, char **cause)
{
	char	*why = NULL;

	if (s->path == NULL || creds_write(s->path, c, cause))
		return true;
	if (!creds_remove(s->path, &why))
		free(why);
	return false;
}

bool
session_set(struct session *s, const json_t *answer, char **cause)
{
	struct creds	c;
	bool		ok;

	memset(&c, 0, sizeof c);
	if (!creds_from_tokens(&c, s->url, answer, (int64_t)time(NULL),
	    cause))
		return false;
	ok = session_save(s, &c, cause);
	session_adopt(s, &c);
	return ok;
}

void
session_forget(struct session *s)
{
	char	*why = NULL;

	pthread_mutex_lock(&s->lock);
	creds_clear(&s->c);
	s->gen++;
	pthread_mutex_unlock(&s->lock);
	if (s->path != NULL && !creds_remove(s->path, &why)) {
		log_warn("%s", why);
		free(why);
	}
}

/* Ends the session because its refresh token was refused. */
static void
session_end(struct session *s, const char *why)
{
	char	*cause = NULL;

	pthread_mutex_lock(&s->lock);
	creds_clear(&s->c);
	free(s->lost);
	s->lost = xstrdup(why);
	s->gen++;
	pthread_mutex_unlock(&s->lock);
	if (s->path != NULL && !creds_remove(s->path, &cause))
		free(cause);
}

/* Takes the lock shared with other souk processes; -1 if there is none. */
static int
session_flock(struct session *s)
{
	int	fd;

	if (s->lockpath == NULL ||
	    (fd = open(s->lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

bool
session_refresh(struct session *s, struct client *c, const char *failed)
{
	struct creds	 mine, file, fresh;
	struct response	 rr;
	json_t		*body;
	const char	*detail;
	char		*text, *cause = NULL;
	bool		 ok = false;
	int		 fd;

	memset(&mine, 0, sizeof mine);
	memset(&file, 0, sizeof file);
	memset(&fresh, 0, sizeof fresh);
	pthread_mutex_lock(&s->refreshing);
	session_snapshot(s, &mine);
	if (mine.access == NULL)
		goto out;	/* signed out meanwhile */
	if (failed != NULL && strcmp(mine.access, failed) != 0) {
		ok = true;	/* another thread refreshed it */
		goto out;
	}
	fd = session_flock(s);
	/* Has another souk refreshed (so our refresh token is used up)? */
	if (s->path != NULL && creds_read(s->path, &file, &cause) ==
	    CREDS_OK && session_same_url(s, file.url) &&
	    strcmp(file.refresh, mine.refresh) != 0) {
		session_adopt(s, &file);
		ok = true;
		goto unlock;
	}
	free(cause);
	cause = NULL;
	creds_clear(&file);
	body = json_pack("{s:s}", "refresh_token", mine.refresh);
	if (body == NULL || (text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("session_refresh: json");
	json_decref(body);
	client_call(c, "POST", "/v1/auth/refresh", text, NULL, &rr);
	explicit_bzero(text, strlen(text));
	free(text);
	if (rr.status == CLIENT_OK) {
		if (!creds_from_tokens(&fresh, s->url, rr.json,
		    (int64_t)time(NULL), &cause)) {
			session_end(s, cause);
			free(cause);
		} else {
			if (!session_save(s, &fresh, &cause)) {
				log_warn("%s", cause);
				free(cause);
			}
			session_adopt(s, &fresh);
			ok = true;
		}
	} else if (rr.status == CLIENT_PROBLEM && rr.http >= 400 &&
	    rr.http < 500 && rr.http != 429) {
		/* Refused: the token is spent; never present it again. */
		detail = json_string_value(json_object_get(rr.json, "detail"));
		session_end(s, detail != NULL ? detail : rr.message);
	}
	response_free(&rr);
unlock:
	if (fd != -1)
		close(fd);	/* releases the flock */
out:
	pthread_mutex_unlock(&s->refreshing);
	creds_clear(&mine);
	creds_clear(&fresh);
	return ok;
}

static bool
session_auth_path(const char *path)
{
	return strncmp(path, "/v1/auth/", 9) == 0;
}

bool
session_do(struct session *s, struct client *c, const char *method,
    const char *path, const char *body, struct response *r)
{
	struct creds	 now;
	char		*token;

	if (s == NULL)
		return client_call(c, method, path, body, NULL, r);
	if (session_auth_path(path)) {
		/*
		 * Signing in goes without a token: soukd refuses any request
		 * carrying a stale one.  Signing out needs it, as it is.
		 */
		token = strcmp(path, "/v1/auth/logout") == 0 ?
		    session_token(s) : NULL;
		client_call(c, method, path, body, token, r);
		free(token);
		return r->status == CLIENT_OK;
	}
	memset(&now, 0, sizeof now);
	session_snapshot(s, &now);
	if (creds_due(&now, (int64_t)time(NULL)))
		(void)session_refresh(s, c, now.access);
	creds_clear(&now);
	token = session_token(s);
	client_call(c, method, path, body, token, r);
	if (r->status == CLIENT_PROBLEM && r->http == 401 && token != NULL &&
	    session_refresh(s, c, token)) {
		free(token);
		token = session_token(s);
		response_free(r);
		client_call(c, method, path, body, token, r);
	}
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	return r->status == CLIENT_OK;
}
