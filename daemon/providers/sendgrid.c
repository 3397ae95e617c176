/*
 * The sendgrid driver: email through SendGrid's v3 API, POST
 * {base}/v3/mail/send with the API key as a bearer token and the message
 * as JSON.  202 means accepted, and X-Message-Id names the message.
 * 400 is a message SendGrid will never take; 401 and 403 are a key that
 * is wrong or lacks the mail.send scope, logged as errors for the
 * operator; 429 and 5xx are retried, when SendGrid says (Retry-After, or
 * the time X-RateLimit-Reset gives).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "driver.h"
#include "pfetch.h"
#include "log.h"
#include "mail.h"
#include "num.h"

static struct {
	char	*url;
	char	*key;
	char	*from_name;
	char	*from_addr;
	int64_t	 timeout_ms;
} sg;

static void
sendgrid_shutdown(void)
{
	free(sg.url);
	notify_wipe(sg.key);
	free(sg.from_name);
	free(sg.from_addr);
	memset(&sg, 0, sizeof sg);
}

static bool
sendgrid_init(const struct config *c, char **cause)
{
	char	*base;

	if (*c->sendgrid_api_key == '\0') {
		*cause = xasprintf("sendgrid_api_key must be set");
		return false;
	}
	if (*c->sendgrid_base_url == '\0') {
		*cause = xasprintf("sendgrid_base_url is empty");
		return false;
	}
	if (!mail_parse_address(c->email_from, &sg.from_name,
	    &sg.from_addr)) {
		*cause = xasprintf("email_from: not an address: '%s'",
		    c->email_from);
		return false;
	}
	base = notify_base_url(c->sendgrid_base_url);
	sg.url = xasprintf("%s/v3/mail/send", base);
	free(base);
	sg.key = xstrdup(c->sendgrid_api_key);
	sg.timeout_ms = c->provider_timeout_ms;
	return true;
}

static json_t *
sendgrid_mailbox(const char *name, const char *addr)
{
	json_t	*o = json_pack("{s:s}", "email", addr);

	if (name != NULL && *name != '\0')
		json_object_set_new(o, "name", json_string(name));
	return o;
}

/* The request body (caller frees, wiping: it holds the text). */
static char *
sendgrid_body(const struct notify_message *m)
{
	json_t	*o, *content, *headers, *p;
	char	*s;

	p = json_pack("{s:[o]}", "to", sendgrid_mailbox(m->to_name, m->to));
	content = json_array();
	if (m->text != NULL && *m->text != '\0')
		json_array_append_new(content, json_pack("{s:s,s:s}", "type",
		    "text/plain", "value", m->text));
	if (m->html != NULL && *m->html != '\0')
		json_array_append_new(content, json_pack("{s:s,s:s}", "type",
		    "text/html", "value", m->html));
	o = json_pack("{s:[o],s:o,s:s,s:o}", "personalizations", p,
	    "from", sendgrid_mailbox(sg.from_name, sg.from_addr),
	    "subject", m->subject != NULL ? m->subject : "",
	    "content", content);
	if (o == NULL)
		fatalx("sendgrid_body: json_pack");
	if (m->unsubscribe_url != NULL) {
		s = xasprintf("<%s>", m->unsubscribe_url);
		headers = json_pack("{s:s,s:s}", "List-Unsubscribe", s,
		    "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
		free(s);
		json_object_set_new(o, "headers", headers);
	}
	/* Comes back in SendGrid's event webhooks, to match them up. */
	if (m->idempotency_key != NULL)
		json_object_set_new(o, "custom_args", json_pack("{s:s}",
		    "souk_notification", m->idempotency_key));
	if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("sendgrid_body: json_dumps");
	json_decref(o);
	return s;
}

/* SendGrid's first error message, if its answer has one. */
static const char *
sendgrid_error(const json_t *answer)
{
	json_t	*e = json_array_get(json_object_get(answer, "errors"), 0);

	return json_string_value(json_object_get(e, "message"));
}

static void
sendgrid_send(const struct notify_message *m, struct notify_result *r)
{
	struct pfetch		 f = { 0 };
	enum notify_outcome	 outcome;
	const char		*msg;
	char			*body = NULL, *id, *why, *reset;
	int64_t			 at;
	time_t			 now;

	if (!mail_address_valid(m->to) || (m->unsubscribe_url != NULL &&
	    strpbrk(m->unsubscribe_url, "<>\r\n") != NULL)) {
		notify_set(r, NOTIFY_PERMANENT, 0, "not an email address, or "
		    "a bad unsubscribe URL");
		return;
	}
	body = sendgrid_body(m);
	f.url = sg.url;
	f.body = body;
	f.len = strlen(body);
	f.ctype = "application/json";
	f.bearer = sg.key;
	f.timeout_ms = sg.timeout_ms;
	if (!pfetch_perform(&f)) {
		why = pfetch_describe(&f);
		notify_set(r, pfetch_outcome(&f), 0, "sendgrid: %s", why);
		free(why);
		goto out;
	}
	outcome = pfetch_outcome(&f);
	if (outcome == NOTIFY_SENT) {
		if ((id = pfetch_header(&f, "X-Message-Id")) != NULL)
			r->provider_id = id;
		notify_set(r, NOTIFY_SENT, f.status, "accepted");
		goto out;
	}
	msg = sendgrid_error(f.json);
	notify_set(r, outcome, f.status, "sendgrid: HTTP %ld: %s", f.status,
	    msg != NULL ? msg : "no message");
	if (f.status == 401 || f.status == 403)
		log_error("sendgrid refused sendgrid_api_key (HTTP %ld): %s; "
		    "it needs the mail.send permission", f.status,
		    msg != NULL ? msg : "no message");
	if (outcome != NOTIFY_RETRY)
		goto out;
	if (f.retry_after_ms >= 0)
		r->retry_after_ms = f.retry_after_ms;
	else if ((reset = pfetch_header(&f, "X-RateLimit-Reset")) != NULL) {
		/* The Unix time at which the limit resets. */
		now = time(NULL);
		if (num_int64(reset, 0, INT64_MAX, &at) && at > now &&
		    at - now <= FETCH_MAX_RETRY_AFTER_MS / 1000)
			r->retry_after_ms = (at - now) * 1000;
		free(reset);
	}
out:
	pfetch_free(&f);
	notify_wipe(body);
}

const struct notify_driver notify_sendgrid_driver = {
	.name = "sendgrid",
	.channels = NOTIFY_CHANNEL_BIT(NOTIFY_EMAIL),
	.init = sendgrid_init,
	.send = sendgrid_send,
	.shutdown = sendgrid_shutdown,
};
