/* The fakes' main(), their rules and their record; see fakes.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "fakes.h"
#include "xmalloc.h"

#define FAKE_MAX_RULES	64

static pthread_mutex_t	 fake_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	struct fake_rule	 rule;
	int			 left;
} fake_rules[FAKE_MAX_RULES];
static size_t		 fake_nrules;
static int		 fake_record_fd = -1;
static unsigned long	 fake_counter;

static char *
fake_strdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
fake_rule_clear(struct fake_rule *r)
{
	free(r->service);
	free(r->stage);
	free(r->code);
	free(r->retry_after);
	json_decref(r->headers);
	free(r->reply);
	memset(r, 0, sizeof *r);
}

static void
fake_rule_copy(struct fake_rule *dst, const struct fake_rule *src)
{
	dst->service = fake_strdup_or_null(src->service);
	dst->stage = fake_strdup_or_null(src->stage);
	dst->status = src->status;
	dst->code = fake_strdup_or_null(src->code);
	dst->retry_after = fake_strdup_or_null(src->retry_after);
	dst->headers = src->headers != NULL ? json_deep_copy(src->headers) :
	    NULL;
	dst->stall_ms = src->stall_ms;
	dst->reply = fake_strdup_or_null(src->reply);
}

bool
fake_rule_add(const json_t *spec, char **cause)
{
	struct fake_rule	 r = { 0 };
	const char		*service, *stage;
	json_t			*code, *count;
	int			 left = 1;

	service = json_string_value(json_object_get(spec, "service"));
	if (service == NULL || (strcmp(service, "twilio") != 0 &&
	    strcmp(service, "twilio_voice") != 0 &&
	    strcmp(service, "sendgrid") != 0 && strcmp(service, "fcm") != 0 &&
	    strcmp(service, "token") != 0 && strcmp(service, "smtp") != 0 &&
	    strcmp(service, "google_token") != 0 &&
	    strcmp(service, "google_userinfo") != 0 &&
	    strcmp(service, "facebook_token") != 0 &&
	    strcmp(service, "facebook_userinfo") != 0)) {
		*cause = xasprintf("service: twilio, twilio_voice, sendgrid, "
		    "fcm, token, "
		    "smtp, google_token, google_userinfo, facebook_token or "
		    "facebook_userinfo");
		return false;
	}
	if ((count = json_object_get(spec, "count")) != NULL) {
		if (!json_is_integer(count) || json_integer_value(count) < 1) {
			*cause = xasprintf("count: a positive integer");
			return false;
		}
		left = (int)json_integer_value(count);
	}
	r.service = xstrdup(service);
	stage = json_string_value(json_object_get(spec, "stage"));
	if (strcmp(service, "smtp") == 0)
		r.stage = xstrdup(stage != NULL ? stage : "rcpt");
	r.status = (long)json_integer_value(json_object_get(spec, "status"));
	code = json_object_get(spec, "code");
	if (json_is_integer(code))
		r.code = xasprintf("%lld", (long long)json_integer_value(code));
	else
		r.code = fake_strdup_or_null(json_string_value(code));
	r.retry_after = fake_strdup_or_null(json_string_value(
	    json_object_get(spec, "retry_after")));
	if (json_is_object(json_object_get(spec, "headers")))
		r.headers = json_deep_copy(json_object_get(spec, "headers"));
	r.stall_ms = json_integer_value(json_object_get(spec, "stall_ms"));
	r.reply = fake_strdup_or_null(json_string_value(
	    json_object_get(spec, "reply")));

	pthread_mutex_lock(&fake_lock);
	if (fake_nrules == FAKE_MAX_RULES) {
		pthread_mutex_unlock(&fake_lock);
		fake_rule_clear(&r);
		*cause = xasprintf("too many rules");
		return false;
	}
	fake_rules[fake_nrules].rule = r;
	fake_rules[fake_nrules].left = left;
	fake_nrules++;
	pthread_mutex_unlock(&fake_lock);
	return true;
}

bool
fake_rule_take(const char *service, const char *stage, struct fake_rule *out)
{
	size_t	i;
	bool	found = false;

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&fake_lock);
	for (i = 0; i < fake_nrules; i++) {
		struct fake_rule	*r = &fake_rules[i].rule;

		if (strcmp(r->service, service) != 0)
			continue;
		if (stage != NULL && (r->stage == NULL ||
		    strcmp(r->stage, stage) != 0))
			continue;
		fake_rule_copy(out, r);
		found = true;
		if (--fake_rules[i].left == 0) {
			fake_rule_clear(r);
			memmove(&fake_rules[i], &fake_rules[i + 1],
			    (fake_nrules - i - 1) * sizeof fake_rules[0]);
			fake_nrules--;
		}
		break;
	}
	pthread_mutex_unlock(&fake_lock);
	return found;
}

void
fake_stall(int64_t ms)
{
	struct timespec	ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

unsigned long
fake_serial(void)
{
	unsigned long	n;

	pthread_mutex_lock(&fake_lock);
	n = ++fake_counter;
	pthread_mutex_unlock(&fake_lock);
	return n;
}

void
fake_record(json_t *entry)
{
	char	*s, *line;
	size_t	 len;

	s = json_dumps(entry, JSON_COMPACT);
	json_decref(entry);
	if (s == NULL)
		return;
	line = xasprintf("%s\n", s);
	free(s);
	len = strlen(line);
	pthread_mutex_lock(&fake_lock);
	if (write(fake_record_fd, line, len) != (ssize_t)len)
		fprintf(stderr, "fakes: cannot record: %s\n", strerror(errno));
	pthread_mutex_unlock(&fake_lock);
	free(line);
}

char *
fake_base64_decode(const char *s, size_t len, bool url, size_t *out)
{
	char	*bin = xmalloc(len + 1);
	size_t	 n = 0;

	if (sodium_base642bin((unsigned char *)bin, len + 1, s, len, "\r\n",
	    &n, NULL, url ? sodium_base64_VARIANT_URLSAFE_NO_PADDING :
	    sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bin);
		return NULL;
	}
	bin[n] = '\0';
	if (out != NULL)
		*out = n;
	return bin;
}

int
main(int argc, char **argv)
{
	char	*path, *tmp, *ports;
	int	 http, smtp, s3;
	FILE	*f;

	if (argc != 3) {
		fprintf(stderr, "usage: fakes DIR PUBLIC_KEY.pem\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	path = xasprintf("%s/requests.jsonl", argv[1]);
	fake_record_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644);
	if (fake_record_fd < 0) {
		fprintf(stderr, "fakes: %s: %s\n", path, strerror(errno));
		return 1;
	}
	http = fake_http_start(argv[2]);
	smtp = fake_smtp_start();
	s3 = fake_s3_start();

	/* Written whole, then renamed, so a reader never sees half of it. */
	tmp = xasprintf("%s/ports.tmp", argv[1]);
	ports = xasprintf("%s/ports", argv[1]);
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "fakes: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	fprintf(f, "http %d\nsmtp %d\ns3 %d\n", http, smtp, s3);
	if (fclose(f) != 0 || rename(tmp, ports) != 0) {
		fprintf(stderr, "fakes: %s: %s\n", ports, strerror(errno));
		return 1;
	}
	/* Serve until killed. */
	for (;;)
		pause();
}
