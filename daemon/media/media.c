#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "media.h"
#include "xmalloc.h"

#define MEDIA_READ_MAX	(64 * 1024 * 1024)

static char	*media_dir;

bool
media_init(const char *dir, char **cause)
{
	struct stat	st;

	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		*cause = xasprintf("cannot create media_dir %s: %s", dir,
		    strerror(errno));
		return false;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(dir, W_OK | X_OK) != 0) {
		*cause = xasprintf("media_dir %s is not a writable directory",
		    dir);
		return false;
	}
	free(media_dir);
	media_dir = xstrdup(dir);
	return true;
}

bool
media_valid_key(const char *key)
{
	return key != NULL && strlen(key) == 64 &&
	    strspn(key, "0123456789abcdef") == 64;
}

/* dir/ab/abcdef... */
static char *
media_path(const char *key)
{
	return xasprintf("%s/%.2s/%s", media_dir, key, key);
}

char *
media_put(const void *data, size_t len, char **cause)
{
	unsigned char	 hash[crypto_hash_sha256_BYTES];
	char		 key[65], *sub = NULL, *path = NULL, *tmp = NULL;
	const char	*p = data;
	size_t		 left = len;
	ssize_t		 w;
	int		 fd = -1;

	if (media_dir == NULL)
		fatalx("media_put before media_init");
	crypto_hash_sha256(hash, data, len);
	sodium_bin2hex(key, sizeof key, hash, sizeof hash);
	sub = xasprintf("%s/%.2s", media_dir, key);
	path = media_path(key);
	if (access(path, F_OK) == 0)
		goto done;	/* the same bytes are there already */
	if (mkdir(sub, 0750) != 0 && errno != EEXIST)
		goto fail;
	tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
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
	return xstrdup(key);
fail:
	*cause = xasprintf("storing a file: %s", strerror(errno));
	log_error("media: %s", *cause);
	if (fd >= 0)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(sub);
	free(path);
	free(tmp);
	return NULL;
}

char *
media_get(const char *key, size_t *len)
{
	char		*path, *buf = NULL;
	struct stat	 st;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd;

	if (!media_valid_key(key) || media_dir == NULL)
		return NULL;
	path = media_path(key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || st.st_size > MEDIA_READ_MAX) {
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		return NULL;
	}
	*len = got;
	return buf;
}

const char *
media_sniff(const void *data, size_t len)
{
	const unsigned char	*b = data;

	if (len >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return "application/pdf";
	if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return "image/jpeg";
	if (len >= 12 && memcmp(b, "RIFF", 4) == 0 &&
	    memcmp(b + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}
