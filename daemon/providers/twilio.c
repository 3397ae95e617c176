/*
 * The twilio driver: SMS and WhatsApp through Twilio's Messages API,
 * POST {base}/2010-04-01/Accounts/{sid}/Messages.json, form-encoded,
 * with HTTP basic authentication (account SID, auth token).  WhatsApp
 * numbers carry a "whatsapp:" prefix; a WhatsApp message a business
 * starts names an approved template (ContentSid) and its variables
 * (ContentVariables), since free text is refused outside the 24-hour
 * window that a customer's own message opens.
 *
 * Twilio answers 201 with the message's SID, or an error object whose
 * code says what went wrong; the table below sorts the codes that matter
 * into retryable and permanent.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "driver.h"
#include "pfetch.h"
#include "log.h"

static const struct twilio_error {
	long			 code;
	enum notify_outcome	 outcome;
	bool			 misconfigured;	/* also logged as an error */
	const char		*what;
} twilio_errors[] = {
	{ 20003, NOTIFY_PERMANENT, true, "authentication failed: check "
	  "twilio_account_sid and twilio_auth_token" },
	{ 20404, NOTIFY_PERMANENT, true, "no such resource: check "
	  "twilio_account_sid" },
	{ 20429, NOTIFY_RETRY, false, "too many requests" },
	{ 21211, NOTIFY_PERMANENT, false, "invalid 'To' phone number" },
	{ 21408, NOTIFY_PERMANENT, false, "sending to this region is not "
	  "enabled" },
	{ 21606, NOTIFY_PERMANENT, true, "the 'From' number cannot send "
	  "this: check twilio_sms_from or twilio_whatsapp_from" },
	{ 21610, NOTIFY_PERMANENT, false, "the recipient has unsubscribed "
	  "(replied STOP)" },
	{ 21612, NOTIFY_PERMANENT, false, "Twilio cannot route to this "
	  "number" },
	{ 21614, NOTIFY_PERMANENT, false, "the 'To' number is not a mobile "
	  "number" },
	{ 21659, NOTIFY_PERMANENT, true, "the 'From' number is not a Twilio "
	  "number: check twilio_sms_from" },
	{ 63016, NOTIFY_PERMANENT, false, "outside the WhatsApp 24-hour "
	  "window: a business-initiated message needs an approved template" },
	{ 63018, NOTIFY_RETRY, false, "WhatsApp rate limit reached" },
	{ 63024, NOTIFY_PERMANENT, false, "not a valid WhatsApp recipient" },
	{ 63027, NOTIFY_PERMANENT, false, "the WhatsApp template does not "
	  "exist for this language" },
	{ 63028, NOTIFY_PERMANENT, false, "the WhatsApp template's "
	  "variables do not match its placeholders" },
	{ 63032, NOTIFY_PERMANENT, false, "WhatsApp will not deliver to this "
	  "user" },
};

static struct {
	char	*url;		/* .../Messages.json */
	char	*sid;
	char	*token;
	char	*sms_from;
	char	*whatsapp_from;	/* with its whatsapp: prefix */
	int64_t	 timeout_ms;
} tw;

static void
twilio_shutdown(void)
{
	free(tw.url);
	free(tw.sid);
	notify_wipe(tw.token);
	free(tw.sms_from);
	free(tw.whatsapp_from);
	memset(&tw, 0, sizeof tw);
}

static bool
twilio_init(const struct config *c, char **cause)
{
	char		*base;
	const char	*p;

	if (*c->twilio_account_sid == '\0' || *c->twilio_auth_token == '\0') {
		*cause = xasprintf("twilio_account_sid and twilio_auth_token "
		    "must be set");
		return false;
	}
	for (p = c->twilio_account_sid; *p != '\0'; p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z'))) {
			*cause = xasprintf("twilio_account_sid: letters and "
			    "digits only (AC...)");
			return false;
		}
	}
	if (strcmp(c->sms_driver, "twilio") == 0 &&
	    *c->twilio_sms_from == '\0') {
		*cause = xasprintf("twilio_sms_from must be set to send SMS");
		return false;
	}
	if (strcmp(c->whatsapp_driver, "twilio") == 0 &&
	    *c->twilio_whatsapp_from == '\0') {
		*cause = xasprintf("twilio_whatsapp_from must be set to send "
		    "WhatsApp messages");
		return false;
	}
	if (*c->twilio_base_url == '\0') {
		*cause = xasprintf("twilio_base_url is empty");
		return false;
	}
	base = notify_base_url(c->twilio_base_url);
	tw.url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json", base,
	    c->twilio_account_sid);
	free(base);
	tw.sid = xstrdup(c->twilio_account_sid);
	tw.token = xstrdup(c->twilio_auth_token);
	tw.sms_from = xstrdup(c->twilio_sms_from);
	if (strncmp(c->twilio_whatsapp_from, "whatsapp:", 9) == 0)
		tw.whatsapp_from = xstrdup(c->twilio_whatsapp_from);
	else
		tw.whatsapp_from = xasprintf("whatsapp:%s",
		    c->twilio_whatsapp_from);
	tw.timeout_ms = c->provider_timeout_ms;
	return true;
}

/* The form Twilio is sent (caller frees, wiping: it holds the text). */
static char *
twilio_form(const struct notify_message *m, size_t *len)
{
	struct buf	 b;
	char		*to, *vars;
	const char	*from;

	buf_init(&b, 0);
	if (m->channel == NOTIFY_WHATSAPP) {
		to = xasprintf("whatsapp:%s", m->to);
		from = tw.whatsapp_from;
	} else {
		to = xstrdup(m->to);
		from = tw.sms_from;
	}
	pfetch_form_add(&b, "To", to);
	/* A messaging service (MG...) picks the sender itself. */
	pfetch_form_add(&b, strncmp(from, "MG", 2) == 0 ?
	    "MessagingServiceSid" : "From", from);
	if (m->channel == NOTIFY_WHATSAPP && m->whatsapp_template != NULL) {
		pfetch_form_add(&b, "ContentSid", m->whatsapp_template);
		if (m->whatsapp_variables != NULL) {
			vars = json_dumps(m->whatsapp_variables, JSON_COMPACT);
			if (vars == NULL)
				fatalx("twilio_form: json_dumps");
			pfetch_form_add(&b, "ContentVariables", vars);
			notify_wipe(vars);
		}
	} else
		pfetch_form_add(&b, "Body", m->text);
	free(to);
	return buf_take(&b, len);
}

static const struct twilio_error *
twilio_error_find(long code)
{
	size_t	i;

	for (i = 0; i < sizeof twilio_errors / sizeof twilio_errors[0]; i++) {
		if (twilio_errors[i].code == code)
			return &twilio_errors[i];
	}
	return NULL;
}

static void
twilio_send(const struct notify_message *m, struct notify_result *r)
{
	struct pfetch			 f = { 0 };
	const struct twilio_error	*e;
	enum notify_outcome		 outcome;
	const char			*msg, *sid;
	char				*form, *why;
	long				 code;

	form = twilio_form(m, &f.len);
	f.url = tw.url;
	f.body = form;
	f.ctype = "application/x-www-form-urlencoded";
	f.user = tw.sid;
	f.password = tw.token;
	f.timeout_ms = tw.timeout_ms;
	if (!pfetch_perform(&f)) {
		why = pfetch_describe(&f);
		notify_set(r, pfetch_outcome(&f), 0, "twilio: %s", why);
		free(why);
		goto out;
	}
	outcome = pfetch_outcome(&f);
	if (outcome == NOTIFY_SENT) {
		sid = json_string_value(json_object_get(f.json, "sid"));
		if (sid == NULL) {
			/* Accepted, but we cannot tell under what id. */
			notify_set(r, NOTIFY_SENT, f.status,
			    "twilio accepted it without a sid");
			goto out;
		}
		r->provider_id = xstrdup(sid);
		msg = json_string_value(json_object_get(f.json, "status"));
		notify_set(r, NOTIFY_SENT, f.status, "%s",
		    msg != NULL ? msg : "accepted");
		goto out;
	}
	code = (long)json_integer_value(json_object_get(f.json, "code"));
	msg = json_string_value(json_object_get(f.json, "message"));
	e = twilio_error_find(code);
	/* Throttled or broken on Twilio's side: always worth another try. */
	if (outcome != NOTIFY_RETRY && e != NULL)
		outcome = e->outcome;
	if (code != 0)
		notify_set(r, outcome, f.status, "twilio %ld (HTTP %ld): %s",
		    code, f.status, e != NULL ? e->what :
		    msg != NULL ? msg : "no message");
	else
		notify_set(r, outcome, f.status, "twilio: HTTP %ld", f.status);
	if ((e != NULL && e->misconfigured) || f.status == 401 ||
	    f.status == 403)
		log_error("twilio refused soukd's request (HTTP %ld): %s",
		    f.status, e != NULL ? e->what : "check the twilio_* settings");
	if (outcome == NOTIFY_RETRY && f.retry_after_ms >= 0)
		r->retry_after_ms = f.retry_after_ms;
out:
	pfetch_free(&f);
	notify_wipe(form);
}

const struct notify_driver notify_twilio_driver = {
	.name = "twilio",
	.channels = NOTIFY_CHANNEL_BIT(NOTIFY_SMS) |
	    NOTIFY_CHANNEL_BIT(NOTIFY_WHATSAPP),
	.init = twilio_init,
	.send = twilio_send,
	.shutdown = twilio_shutdown,
};
