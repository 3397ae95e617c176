#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "conf.h"
#include "utf8.h"

#define CONF_FILE_MAX (1024 * 1024)

static const char *
conf_skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Parses one line; returns NULL on success or a message the caller frees. */
static char *
conf_line(const char *p, const char *end, conf_setting_cb cb, void *arg)
{
	const char	*k, *kend, *v, *vend;
	char		*key = NULL, *value = NULL, *cause = NULL, *err = NULL;
	struct buf	 b;

	buf_init(&b, 0);
	p = conf_skip_space(p, end);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		end--;
	if (p == end || *p == '#')
		return NULL;
	k = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_' ||
	    *p == '-' || *p == '.'))
		p++;
	kend = p;
	if (kend == k)
		return xstrdup("expected a key (letters, digits, _ - .)");
	p = conf_skip_space(p, end);
	if (p == end || *p != '=')
		return xasprintf("expected '=' after key '%.*s'",
		    (int)(kend - k), k);
	p = conf_skip_space(p + 1, end);
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end &&
			    (p[1] == '"' || p[1] == '\\'))
				p++;
			if (!buf_add(&b, p, 1))
				fatalx("conf: unbounded buffer refused");
		}
		if (p == end) {
			err = xstrdup("unterminated quoted value");
			goto out;
		}
		p = conf_skip_space(p + 1, end);
		if (p != end && *p != '#') {
			err = xstrdup("unexpected text after quoted value");
			goto out;
		}
		value = buf_take(&b, NULL);
	} else if (p < end && *p == '#') {
		value = xstrdup("");	/* "key = # comment": empty */
	} else {
		v = p;
		vend = end;
		/* An unquoted value ends at a " #" comment. */
		for (; p < end; p++) {
			if (*p == '#' && p > v && (p[-1] == ' ' ||
			    p[-1] == '\t')) {
				vend = p;
				break;
			}
		}
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		value = xstrndup(v, (size_t)(vend - v));
	}
	key = xstrndup(k, (size_t)(kend - k));
	if (!cb(arg, key, value, &cause)) {
		err = cause != NULL ? cause : xasprintf("bad value for '%s'",
		    key);
		cause = NULL;
	}
out:
	buf_free(&b);
	free(key);
	free(value);
	free(cause);
	return err;
}

bool
conf_parse(const char *name, const char *text, size_t len,
    conf_setting_cb cb, void *arg, char **cause)
{
	const char	*p = text, *end = text + len, *nl;
	char		*err;
	int		 line = 0;

	if (!utf8_valid(text, len)) {
		*cause = xasprintf("%s: not valid UTF-8 text", name);
		return false;
	}
	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((err = conf_line(p, nl, cb, arg)) != NULL) {
			*cause = xasprintf("%s:%d: %s", name, line, err);
			free(err);
			return false;
		}
		p = nl + 1;
	}
	return true;
}

bool
conf_parse_file(const char *path, conf_setting_cb cb, void *arg,
    char **cause)
{
	FILE		*f;
	struct buf	 b;
	char		 chunk[8192];
	size_t		 n;
	bool		 ok;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return false;
	}
	buf_init(&b, CONF_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (!buf_add(&b, chunk, n)) {
			*cause = xasprintf("%s: larger than %d bytes", path,
			    CONF_FILE_MAX);
			fclose(f);
			buf_free(&b);
			return false;
		}
	}
	if (ferror(f)) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		fclose(f);
		buf_free(&b);
		return false;
	}
	fclose(f);
	ok = conf_parse(path, b.data != NULL ? b.data : "", b.len, cb, arg,
	    cause);
	buf_free(&b);
	return ok;
}
