/*
 * The local media store: a directory, each object at dir/ab/abcdef...
 * (the first two hex digits make a subdirectory, so that no directory
 * grows past a few thousand entries per million objects).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

static char		*local_dir;
static unsigned long	 local_seq;

static char *
local_path(const char *key)
{
	return xasprintf("%s/%.2s/%s", local_dir, key, key);
}

static bool
local_put(const char *key, const void *data, size_t len, const char *ctype,
    char **cause)
{
	char		*sub = NULL, *path = NULL, *tmp = NULL;
	const char	*p = data;
	size_t		 left = len;
	ssize_t		 w;
	int		 fd = -1;

	(void)ctype;
	sub = xasprintf("%s/%.2s", local_dir, key);
	path = local_path(key);
	if (access(path, F_OK) == 0)
		goto done;	/* the same bytes are there already */
	if (mkdir(sub, 0750) != 0 && errno != EEXIST)
		goto fail;
	/* Two threads storing the same bytes must not share a name. */
	tmp = xasprintf("%s.%ld.%lu.tmp", path, (long)getpid(),
	    __atomic_add_fetch(&local_seq, 1, __ATOMIC_RELAXED));
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) < 0)
		goto fail;
	while (left > 0) {
		if ((w = write(fd, p, left)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
done:
	free(sub);
	free(path);
	free(tmp);
	return true;
fail:
	*cause = xasprintf("storing a file: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(sub);
	free(path);
	free(tmp);
	return false;
}

static int
local_open(const char *key, uint64_t *size)
{
	char		*path = local_path(key);
	struct stat	 st;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

static char *
local_get(const char *key, size_t *len)
{
	char		*buf;
	uint64_t	 size;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = local_open(key, &size)) < 0)
		return NULL;
	if (size > MEDIA_READ_MAX) {
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)size + 1);
	while (got < size) {
		n = read(fd, buf + got, (size_t)size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != size) {
		free(buf);
		return NULL;
	}
	*len = got;
	return buf;
}

static bool
local_remove(const char *key, char **cause)
{
	char	*path = local_path(key);
	bool	 ok = unlink(path) == 0 || errno == ENOENT;

	if (!ok)
		*cause = xasprintf("removing %s: %s", path, strerror(errno));
	free(path);
	return ok;
}

static const struct media_store local_store = {
	"local", local_put, local_get, local_open, local_remove,
};

const struct media_store *
media_local_store(const struct config *c, char **cause)
{
	struct stat	st;

	if (mkdir(c->media_dir, 0750) != 0 && errno != EEXIST) {
		*cause = xasprintf("cannot create media_dir %s: %s",
		    c->media_dir, strerror(errno));
		return NULL;
	}
	if (stat(c->media_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(c->media_dir, W_OK | X_OK) != 0) {
		*cause = xasprintf("media_dir %s is not a writable directory",
		    c->media_dir);
		return NULL;
	}
	free(local_dir);
	local_dir = xstrdup(c->media_dir);
	return &local_store;
}
