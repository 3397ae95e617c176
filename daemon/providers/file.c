/*
 * The file driver: every message becomes one JSON line appended to
 * <outbox_dir>/<channel>.jsonl, so that a souk with no provider
 * configured still "sends" its OTPs somewhere a person can read them.
 * Each line is written with a single write(2) on a descriptor opened with
 * O_APPEND, which on a local file system places it whole at the end even
 * when several workers and processes append at once.  The files are mode
 * 0600 and the directory 0700: they hold one-time passwords.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "driver.h"
#include "log.h"

static char	*file_dir;

/* Creates dir and its missing parents (mode 0700). */
static bool
file_mkdirs(const char *dir, char **cause)
{
	char	*path = xstrdup(dir), *p;
	bool	 ok = false;

	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char	save = *p;

			*p = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST) {
				*cause = xasprintf("cannot create %s: %s",
				    path, strerror(errno));
				goto out;
			}
			*p = save;
		}
		if (*p == '\0')
			break;
	}
	ok = true;
out:
	free(path);
	return ok;
}

static bool
file_init(const struct config *c, char **cause)
{
	struct stat	st;

	if (c->outbox_dir == NULL || *c->outbox_dir == '\0') {
		*cause = xasprintf("outbox_dir is empty");
		return false;
	}
	if (!file_mkdirs(c->outbox_dir, cause))
		return false;
	if (stat(c->outbox_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*cause = xasprintf("outbox_dir %s is not a directory",
		    c->outbox_dir);
		return false;
	}
	if (access(c->outbox_dir, W_OK | X_OK) != 0) {
		*cause = xasprintf("cannot write in outbox_dir %s: %s",
		    c->outbox_dir, strerror(errno));
		return false;
	}
	file_dir = xstrdup(c->outbox_dir);
	return true;
}

static void
file_shutdown(void)
{
	free(file_dir);
	file_dir = NULL;
}

/* Adds key: s when s is not NULL. */
static void
file_add(json_t *o, const char *key, const char *s)
{
	if (s != NULL)
		json_object_set_new(o, key, json_string(s));
}

/* The message as one line of JSON, newline included (caller frees). */
static char *
file_line(const struct notify_message *m, size_t *len)
{
	json_t		*o = json_object();
	struct timespec	 ts;
	struct tm	 tm;
	char		 day[32], when[48], *text, *line;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when, sizeof when, "%s.%03dZ", day,
	    (int)(ts.tv_nsec / 1000000) % 1000);
	file_add(o, "time", when);
	file_add(o, "channel", notify_channel_name(m->channel));
	file_add(o, "to", m->to);
	file_add(o, "to_name", m->to_name);
	file_add(o, "subject", m->subject);
	file_add(o, "text", m->text);
	file_add(o, "html", m->html);
	file_add(o, "template", m->whatsapp_template);
	if (m->whatsapp_variables != NULL)
		json_object_set_new(o, "variables",
		    json_deep_copy(m->whatsapp_variables));
	file_add(o, "unsubscribe_url", m->unsubscribe_url);
	if (m->push_data != NULL)
		json_object_set_new(o, "data", json_deep_copy(m->push_data));
	file_add(o, "idempotency_key", m->idempotency_key);
	/* Compact, so a line holds no raw newline; UTF-8 left readable. */
	if ((text = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("file_line: json_dumps");
	json_decref(o);
	line = xasprintf("%s\n", text);
	free(text);
	*len = strlen(line);
	return line;
}

static void
file_send(const struct notify_message *m, struct notify_result *r)
{
	char		*path, *line, *cause = NULL;
	size_t		 len;
	ssize_t		 n;
	int		 fd;

	path = xasprintf("%s/%s.jsonl", file_dir,
	    notify_channel_name(m->channel));
	line = file_line(m, &len);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		/* Someone removed the directory since notify_init. */
		if (!file_mkdirs(file_dir, &cause)) {
			notify_set(r, NOTIFY_RETRY, 0, "%s", cause);
			goto out;
		}
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0600);
	}
	if (fd < 0) {
		notify_set(r, NOTIFY_RETRY, 0, "cannot open %s: %s", path,
		    strerror(errno));
		goto out;
	}
	n = write(fd, line, len);
	if (n < 0 || (size_t)n != len) {
		notify_set(r, NOTIFY_RETRY, 0, "cannot append to %s: %s", path,
		    n < 0 ? strerror(errno) : "short write");
		close(fd);
		goto out;
	}
	if (close(fd) != 0) {
		notify_set(r, NOTIFY_RETRY, 0, "cannot append to %s: %s", path,
		    strerror(errno));
		goto out;
	}
	notify_set(r, NOTIFY_SENT, 0, "appended to %s", path);
out:
	free(cause);
	notify_wipe(line);
	free(path);
}

const struct notify_driver notify_file_driver = {
	.name = "file",
	.channels = NOTIFY_CHANNEL_BIT(NOTIFY_SMS) |
	    NOTIFY_CHANNEL_BIT(NOTIFY_WHATSAPP) |
	    NOTIFY_CHANNEL_BIT(NOTIFY_EMAIL) | NOTIFY_CHANNEL_BIT(NOTIFY_PUSH),
	.init = file_init,
	.send = file_send,
	.shutdown = file_shutdown,
};
