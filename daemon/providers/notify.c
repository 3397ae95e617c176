/*
 * notify: the channel table, the choice of a driver per channel, the
 * checks every message passes before a driver sees it, and the one log
 * line per message (recipient masked, never the text).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "driver.h"
#include "log.h"
#include "utf8.h"

#define NOTIFY_DETAIL_MAX	300

static const struct notify_channel_entry {
	enum notify_channel	 channel;
	const char		*name;
	size_t			 driver_key;	/* offset of its *_driver */
} notify_channels[] = {
	{ NOTIFY_SMS, "sms", offsetof(struct config, sms_driver) },
	{ NOTIFY_WHATSAPP, "whatsapp",
	  offsetof(struct config, whatsapp_driver) },
	{ NOTIFY_EMAIL, "email", offsetof(struct config, email_driver) },
	{ NOTIFY_PUSH, "push", offsetof(struct config, push_driver) },
};
#define NOTIFY_NCHANNELS (sizeof notify_channels / sizeof notify_channels[0])

static const struct notify_driver *const notify_drivers[] = {
	&notify_file_driver,
	&notify_twilio_driver,
	&notify_smtp_driver,
	&notify_sendgrid_driver,
	&notify_fcm_driver,
};
#define NOTIFY_NDRIVERS (sizeof notify_drivers / sizeof notify_drivers[0])

/* Set by notify_init before any worker starts; read-only afterwards. */
static struct {
	bool				 ready;
	const struct notify_driver	*by_channel[NOTIFY_NCHANNELS];
	bool				 started[NOTIFY_NDRIVERS];
} notify;

const char *
notify_channel_name(enum notify_channel ch)
{
	size_t	i;

	for (i = 0; i < NOTIFY_NCHANNELS; i++) {
		if (notify_channels[i].channel == ch)
			return notify_channels[i].name;
	}
	return "unknown";
}

bool
notify_channel_parse(const char *s, enum notify_channel *ch)
{
	size_t	i;

	if (s == NULL)
		return false;
	for (i = 0; i < NOTIFY_NCHANNELS; i++) {
		if (strcmp(notify_channels[i].name, s) == 0) {
			*ch = notify_channels[i].channel;
			return true;
		}
	}
	return false;
}

static const struct notify_driver *
notify_driver_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NOTIFY_NDRIVERS; i++) {
		if (strcmp(notify_drivers[i]->name, name) == 0)
			return notify_drivers[i];
	}
	return NULL;
}

void
notify_shutdown(void)
{
	size_t	i;

	for (i = 0; i < NOTIFY_NDRIVERS; i++) {
		if (notify.started[i])
			notify_drivers[i]->shutdown();
	}
	if (notify.ready)
		curl_global_cleanup();
	memset(&notify, 0, sizeof notify);
}

bool
notify_init(const struct config *c, char **cause)
{
	const struct notify_driver	*d;
	const char			*name;
	char				*why = NULL;
	size_t				 i, j;

	notify_shutdown();
	if (sodium_init() < 0) {
		*cause = xasprintf("libsodium failed to initialise");
		return false;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*cause = xasprintf("libcurl failed to initialise");
		return false;
	}
	notify.ready = true;
	for (i = 0; i < NOTIFY_NCHANNELS; i++) {
		name = *(char *const *)((const char *)c +
		    notify_channels[i].driver_key);
		d = notify_driver_find(name);
		if (d == NULL || !(d->channels &
		    NOTIFY_CHANNEL_BIT(notify_channels[i].channel))) {
			*cause = xasprintf("%s_driver: no driver '%s' for %s",
			    notify_channels[i].name, name,
			    notify_channels[i].name);
			goto fail;
		}
		notify.by_channel[i] = d;
	}
	for (j = 0; j < NOTIFY_NDRIVERS; j++) {
		for (i = 0; i < NOTIFY_NCHANNELS; i++) {
			if (notify.by_channel[i] == notify_drivers[j])
				break;
		}
		if (i == NOTIFY_NCHANNELS)
			continue;
		notify.started[j] = true;
		if (!notify_drivers[j]->init(c, &why)) {
			*cause = xasprintf("%s driver: %s",
			    notify_drivers[j]->name, why);
			free(why);
			goto fail;
		}
	}
	for (i = 0; i < NOTIFY_NCHANNELS; i++)
		log_info("notify: %s through %s", notify_channels[i].name,
		    notify.by_channel[i]->name);
	return true;

fail:
	notify_shutdown();
	return false;
}

void
notify_set(struct notify_result *r, enum notify_outcome outcome, long status,
    const char *fmt, ...)
{
	va_list		 ap;
	char		 buf[NOTIFY_DETAIL_MAX + 1];
	size_t		 n, k, want;
	unsigned char	 lead;
	bool		 cut;

	r->outcome = outcome;
	r->http_status = status;
	va_start(ap, fmt);
	cut = vsnprintf(buf, sizeof buf, fmt, ap) >= (int)sizeof buf;
	va_end(ap);
	/*
	 * The detail is stored and shown: keep it valid UTF-8.  Drop a
	 * sequence the cut split, and blank out whatever else is not.
	 */
	n = strlen(buf);
	for (k = n; cut && k > 0 && ((unsigned char)buf[k - 1] & 0xc0) == 0x80;
	    k--)
		;
	if (cut && k > 0 && (lead = (unsigned char)buf[k - 1]) >= 0xc0) {
		want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
		if (n - (k - 1) < want)
			buf[n = k - 1] = '\0';
	}
	utf8_scrub(buf);
	free(r->detail);
	r->detail = xstrdup(buf);
}

void
notify_result_free(struct notify_result *r)
{
	if (r == NULL)
		return;
	free(r->provider_id);
	free(r->detail);
	r->provider_id = r->detail = NULL;
}

void
notify_wipe(char *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

char *
notify_base_url(const char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	return xstrndup(s, n);
}

bool
notify_e164(const char *s)
{
	size_t	n;

	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	for (n = 1; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9')
			return false;
	}
	return n - 1 >= 7 && n - 1 <= 15;
}

char *
notify_mask(enum notify_channel ch, const char *to)
{
	const char	*at;
	char		*out;
	size_t		 n, i, head, tail;

	if (to == NULL || *to == '\0')
		return xstrdup("(none)");
	n = strlen(to);
	switch (ch) {
	case NOTIFY_EMAIL:
		if ((at = strrchr(to, '@')) != NULL && at != to)
			return xasprintf("%c***%s", to[0], at);
		return xstrdup("***");
	case NOTIFY_PUSH:
		if (n <= 12)
			return xstrdup("***");
		return xasprintf("%.8s...", to);
	case NOTIFY_SMS:
	case NOTIFY_WHATSAPP:
	default:
		break;
	}
	if (n >= 10) {
		head = 5;
		tail = 3;
	} else if (n >= 6) {
		head = 2;
		tail = 2;
	} else
		head = tail = 0;
	out = xstrdup(to);
	for (i = head; i < n - tail; i++)
		out[i] = 'x';
	return out;
}

/* Replaces every occurrence of what in *s by with (in place, reallocated). */
static void
notify_replace(char **s, const char *what, const char *with)
{
	struct buf	 b;
	const char	*p = *s, *q;
	size_t		 n = strlen(what);

	if (n == 0 || strstr(p, what) == NULL)
		return;
	buf_init(&b, 0);
	while ((q = strstr(p, what)) != NULL) {
		if (!buf_add(&b, p, (size_t)(q - p)) || !buf_adds(&b, with))
			fatalx("notify_replace");
		p = q + n;
	}
	if (!buf_adds(&b, p))
		fatalx("notify_replace");
	free(*s);
	*s = buf_take(&b, NULL);
}

/* Refuses what no driver should be handed; false with r set. */
static bool
notify_check(const struct notify_message *m, struct notify_result *r)
{
	const char	*fields[] = { m->to, m->to_name, m->subject, m->text,
			    m->html, m->whatsapp_template, m->unsubscribe_url,
			    m->idempotency_key };
	size_t		 i;

	if (m->to == NULL || *m->to == '\0') {
		notify_set(r, NOTIFY_PERMANENT, 0, "no recipient");
		return false;
	}
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (fields[i] != NULL &&
		    !utf8_valid(fields[i], strlen(fields[i]))) {
			notify_set(r, NOTIFY_PERMANENT, 0,
			    "the message is not valid UTF-8");
			return false;
		}
	}
	switch (m->channel) {
	case NOTIFY_SMS:
	case NOTIFY_WHATSAPP:
		if (!notify_e164(m->to)) {
			notify_set(r, NOTIFY_PERMANENT, 0,
			    "not an E.164 phone number");
			return false;
		}
		if ((m->text == NULL || *m->text == '\0') &&
		    (m->channel == NOTIFY_SMS || m->whatsapp_template == NULL)) {
			notify_set(r, NOTIFY_PERMANENT, 0, "no text");
			return false;
		}
		break;
	case NOTIFY_EMAIL:
		if ((m->text == NULL || *m->text == '\0') &&
		    (m->html == NULL || *m->html == '\0')) {
			notify_set(r, NOTIFY_PERMANENT, 0, "no text or HTML");
			return false;
		}
		break;
	case NOTIFY_PUSH:
		break;
	}
	if (m->whatsapp_variables != NULL &&
	    !json_is_object(m->whatsapp_variables)) {
		notify_set(r, NOTIFY_PERMANENT, 0,
		    "whatsapp_variables is not an object");
		return false;
	}
	if (m->push_data != NULL && !json_is_object(m->push_data)) {
		notify_set(r, NOTIFY_PERMANENT, 0, "push_data is not an object");
		return false;
	}
	return true;
}

void
notify_send(const struct notify_message *m, struct notify_result *r)
{
	static const char *const outcomes[] = { "sent", "retry", "permanent" };
	const struct notify_driver	*d;
	char				*masked, ra[48] = "";
	size_t				 i;

	if (!notify.ready || r == NULL)
		fatalx("notify_send before notify_init, or with no result");
	memset(r, 0, sizeof *r);
	if (m == NULL) {
		notify_set(r, NOTIFY_PERMANENT, 0, "no message");
		return;
	}
	for (i = 0; i < NOTIFY_NCHANNELS; i++) {
		if (notify_channels[i].channel == m->channel)
			break;
	}
	if (i == NOTIFY_NCHANNELS) {
		notify_set(r, NOTIFY_PERMANENT, 0, "unknown channel %d",
		    (int)m->channel);
		log_error("notify: %s", r->detail);
		return;
	}
	d = notify.by_channel[i];
	masked = notify_mask(m->channel, m->to);
	if (notify_check(m, r)) {
		d->send(m, r);
		if (r->retry_after_ms < 0 || r->outcome != NOTIFY_RETRY)
			r->retry_after_ms = 0;
	}
	/* A provider may echo the number or the text back: keep them out. */
	if (r->detail != NULL && m->to != NULL && strlen(m->to) >= 4)
		notify_replace(&r->detail, m->to, masked);
	if (r->detail != NULL && m->text != NULL && strlen(m->text) >= 4)
		notify_replace(&r->detail, m->text, "[text]");
	if (r->retry_after_ms > 0)
		snprintf(ra, sizeof ra, " retry_after=%lldms",
		    (long long)r->retry_after_ms);
	if (r->outcome == NOTIFY_SENT)
		log_info("notify: %s to %s via %s: sent%s%s",
		    notify_channels[i].name, masked, d->name,
		    r->provider_id != NULL ? " id=" : "",
		    r->provider_id != NULL ? r->provider_id : "");
	else
		log_warn("notify: %s to %s via %s: %s%s: %s",
		    notify_channels[i].name, masked, d->name,
		    outcomes[r->outcome], ra,
		    r->detail != NULL ? r->detail : "");
	free(masked);
}
