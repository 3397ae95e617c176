#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "creds.h"
#include "log.h"
#include "settings.h"
#include "xmalloc.h"

char *
creds_path(void)
{
	char	*dir = settings_config_dir(), *path;

	if (dir == NULL)
		return NULL;
	path = xasprintf("%s/credentials", dir);
	free(dir);
	return path;
}

static void
creds_wipe(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
creds_clear(struct creds *c)
{
	if (c == NULL)
		return;
	free(c->url);
	creds_wipe(c->access);
	creds_wipe(c->refresh);
	json_decref(c->user);
	memset(c, 0, sizeof *c);
}

void
creds_copy(struct creds *dst, const struct creds *src)
{
	creds_clear(dst);
	dst->url = src->url != NULL ? xstrdup(src->url) : NULL;
	dst->access = src->access != NULL ? xstrdup(src->access) : NULL;
	dst->refresh = src->refresh != NULL ? xstrdup(src->refresh) : NULL;
	dst->expires_at = src->expires_at;
	dst->lifetime = src->lifetime;
	dst->user = src->user != NULL ? json_deep_copy(src->user) : NULL;
}

bool
creds_token_ok(const char *s)
{
	size_t	i;

	if (s == NULL || *s == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i == 4096 || s[i] <= ' ' || s[i] > '~')
			return false;
	}
	return true;
}

static bool
creds_url_ok(const char *s)
{
	return s != NULL && (strncmp(s, "http://", 7) == 0 ||
	    strncmp(s, "https://", 8) == 0) && strlen(s) < 2048 &&
	    strpbrk(s, " \t\r\n") == NULL;
}

/* Fills c from the file's JSON; false with *cause when it is not one. */
static bool
creds_parse(const json_t *o, struct creds *c, char **cause)
{
	const char	*url, *access, *refresh;
	const json_t	*exp, *life, *user;

	url = json_string_value(json_object_get(o, "url"));
	access = json_string_value(json_object_get(o, "access_token"));
	refresh = json_string_value(json_object_get(o, "refresh_token"));
	exp = json_object_get(o, "expires_at");
	life = json_object_get(o, "lifetime");
	user = json_object_get(o, "user");
	if (!json_is_object(o) || !creds_url_ok(url)) {
		*cause = xstrdup("it names no soukd (url)");
		return false;
	}
	if (!creds_token_ok(access) || !creds_token_ok(refresh)) {
		*cause = xstrdup("its tokens are missing or malformed");
		return false;
	}
	if (!json_is_integer(exp) || json_integer_value(exp) <= 0 ||
	    (life != NULL && (!json_is_integer(life) ||
	    json_integer_value(life) < 0))) {
		*cause = xstrdup("its expiry time is missing or malformed");
		return false;
	}
	if (user != NULL && !json_is_object(user) && !json_is_null(user)) {
		*cause = xstrdup("its user is not an object");
		return false;
	}
	c->url = xstrdup(url);
	c->access = xstrdup(access);
	c->refresh = xstrdup(refresh);
	c->expires_at = json_integer_value(exp);
	c->lifetime = life != NULL ? json_integer_value(life) : 0;
	c->user = json_is_object(user) ? json_deep_copy(user) : NULL;
	return true;
}

enum creds_status
creds_read(const char *path, struct creds *c, char **cause)
{
	struct stat	 sb;
	struct buf	 b;
	json_error_t	 jerr;
	json_t		*o = NULL;
	char		 chunk[4096], *why = NULL;
	ssize_t		 n;
	int		 fd;
	enum creds_status st = CREDS_ERROR;

	*cause = NULL;
	creds_clear(c);
	buf_init(&b, CREDS_FILE_MAX);
	if (path == NULL) {
		*cause = xstrdup("there is no home directory to keep "
		    "credentials in (set HOME or XDG_CONFIG_HOME)");
		return CREDS_ERROR;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return CREDS_NONE;
		if (errno == ELOOP) {
			*cause = xasprintf("%s is a symbolic link: souk reads "
			    "credentials only from a file of its own; remove "
			    "it and sign in again", path);
			return CREDS_INSECURE;
		}
		*cause = xasprintf("cannot read %s: %s", path,
		    strerror(errno));
		return CREDS_ERROR;
	}
	if (fstat(fd, &sb) == -1) {
		*cause = xasprintf("cannot read %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		*cause = xasprintf("%s is not a regular file; remove it and "
		    "sign in again", path);
		st = CREDS_INSECURE;
		goto out;
	}
	if (sb.st_uid != geteuid()) {
		*cause = xasprintf("%s belongs to user %lu, not to you: souk "
		    "will not use someone else's tokens; remove it and sign "
		    "in again", path, (unsigned long)sb.st_uid);
		st = CREDS_INSECURE;
		goto out;
	}
	if ((sb.st_mode & 077) != 0) {
		*cause = xasprintf("%s has mode %04o: others could read your "
		    "tokens, so souk will not use them; run chmod 600 %s, or "
		    "remove it and sign in again", path,
		    (unsigned)(sb.st_mode & 07777), path);
		st = CREDS_INSECURE;
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("cannot read %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (!buf_add(&b, chunk, (size_t)n)) {
			*cause = xasprintf("%s is larger than a credentials "
			    "file can be; remove it and sign in again", path);
			st = CREDS_CORRUPT;
			goto out;
		}
	}
	st = CREDS_CORRUPT;
	if (b.len == 0 || (o = json_loadb(b.data, b.len, 0, &jerr)) == NULL) {
		*cause = xasprintf("%s is not a credentials file (%s); remove "
		    "it and sign in again", path, b.len == 0 ? "it is empty" :
		    jerr.text);
		goto out;
	}
	if (!creds_parse(o, c, &why)) {
		*cause = xasprintf("%s is not a credentials file: %s; remove "
		    "it and sign in again", path, why);
		free(why);
		goto out;
	}
	st = CREDS_OK;
out:
	close(fd);
	json_decref(o);
	if (b.data != NULL)
		explicit_bzero(b.data, b.len);
	buf_free(&b);
	return st;
}

/* Creates the directories above path, private to the user. */
static bool
creds_mkdirs(const char *path, char **cause)
{
	char	*dir = xstrdup(path), *p;

	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			*cause = xasprintf("cannot make %s: %s", dir,
			    strerror(errno));
			free(dir);
			return false;
		}
		*p = '/';
	}
	free(dir);
	return true;
}

bool
creds_write(const char *path, const struct creds *c, char **cause)
{
	json_t	*o;
	char	*text, *tmp;
	size_t	 len, off = 0;
	ssize_t	 n;
	int	 fd;
	bool	 ok = false;

	*cause = NULL;
	if (path == NULL) {
		*cause = xstrdup("there is no home directory to keep "
		    "credentials in (set HOME or XDG_CONFIG_HOME)");
		return false;
	}
	if (!creds_url_ok(c->url) || !creds_token_ok(c->access) ||
	    !creds_token_ok(c->refresh)) {
		*cause = xstrdup("these are not credentials to keep");
		return false;
	}
	if (!creds_mkdirs(path, cause))
		return false;
	o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:O?}", "url", c->url,
	    "access_token", c->access, "refresh_token", c->refresh,
	    "expires_at", (json_int_t)c->expires_at, "lifetime",
	    (json_int_t)c->lifetime, "user", c->user);
	if (o == NULL || (text = json_dumps(o, JSON_INDENT(2) |
	    JSON_SORT_KEYS)) == NULL)
		fatalx("creds_write: json");
	json_decref(o);
	len = strlen(text);
	tmp = xasprintf("%s.XXXXXX", path);
	/* mkstemp makes it 0600; fchmod says so whatever the umask. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		*cause = xasprintf("cannot write next to %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) == -1) {
		*cause = xasprintf("cannot make %s private: %s", tmp,
		    strerror(errno));
		goto fail;
	}
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*cause = xasprintf("cannot write %s: %s", tmp,
			    n == 0 ? "no space" : strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) == -1) {
		*cause = xasprintf("cannot write %s: %s", tmp,
		    strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		*cause = xasprintf("cannot write %s: %s", tmp,
		    strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		*cause = xasprintf("cannot replace %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	ok = true;
	goto out;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
out:
	explicit_bzero(text, len);
	free(text);
	free(tmp);
	return ok;
}

bool
creds_remove(const char *path, char **cause)
{
	*cause = NULL;
	if (path == NULL || unlink(path) == 0 || errno == ENOENT)
		return true;
	*cause = xasprintf("cannot remove %s: %s", path, strerror(errno));
	return false;
}

bool
creds_from_tokens(struct creds *c, const char *url, const json_t *answer,
    int64_t now, char **cause)
{
	const char	*access, *refresh, *type;
	const json_t	*in, *user;

	*cause = NULL;
	creds_clear(c);
	access = json_string_value(json_object_get(answer, "access_token"));
	refresh = json_string_value(json_object_get(answer, "refresh_token"));
	type = json_string_value(json_object_get(answer, "token_type"));
	in = json_object_get(answer, "expires_in");
	user = json_object_get(answer, "user");
	if (!creds_url_ok(url)) {
		*cause = xstrdup("soukd's address is not a URL");
		return false;
	}
	if (!creds_token_ok(access) || !creds_token_ok(refresh) ||
	    (type != NULL && strcasecmp(type, "Bearer") != 0)) {
		*cause = xstrdup("soukd's answer holds no usable tokens");
		return false;
	}
	if (!json_is_integer(in) || json_integer_value(in) <= 0 ||
	    json_integer_value(in) > 366 * 86400) {
		*cause = xstrdup("soukd's answer does not say when the token "
		    "expires");
		return false;
	}
	c->url = xstrdup(url);
	c->access = xstrdup(access);
	c->refresh = xstrdup(refresh);
	c->lifetime = json_integer_value(in);
	c->expires_at = now + c->lifetime;
	c->user = json_is_object(user) ? json_deep_copy(user) : NULL;
	return true;
}

int64_t
creds_refresh_at(const struct creds *c)
{
	int64_t	margin = CREDS_MARGIN_S;

	if (c->lifetime > 0 && c->lifetime / 4 < margin)
		margin = c->lifetime / 4;
	return c->expires_at - margin;
}

bool
creds_due(const struct creds *c, int64_t now)
{
	return c->access != NULL && now >= creds_refresh_at(c);
}

char *
creds_who(const struct creds *c)
{
	const char	*name, *role, *email;

	if (c->user == NULL)
		return NULL;
	name = json_string_value(json_object_get(c->user, "name"));
	role = json_string_value(json_object_get(c->user, "role"));
	email = json_string_value(json_object_get(c->user, "email"));
	if (name == NULL || *name == '\0')
		name = email != NULL ? email : json_string_value(
		    json_object_get(c->user, "phone"));
	if (name == NULL)
		return role != NULL ? xstrdup(role) : NULL;
	if (role == NULL)
		return xstrdup(name);
	return xasprintf("%s (%s)", name, role);
}

int64_t
creds_user_id(const struct creds *c)
{
	const json_t	*id = c->user != NULL ? json_object_get(c->user, "id") :
			    NULL;

	return json_is_integer(id) ? (int64_t)json_integer_value(id) : 0;
}

const char *
creds_role(const struct creds *c)
{
	return c->user != NULL ? json_string_value(json_object_get(c->user,
	    "role")) : NULL;
}
