/*
 * The smtp driver: email through an SMTP server with libcurl, which
 * speaks EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO and DATA.  smtps://
 * URLs use TLS from the start; on smtp:// URLs smtp_starttls requires
 * STARTTLS, so that a password and a message never cross in the clear.
 *
 * The server's reply classifies a failure: 4xx is temporary (greylisting,
 * a full mailbox, rate limits) and retried, 5xx is permanent (no such
 * user, refused).  No reply at all (refused, reset, timed out) is retried.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "driver.h"
#include "pfetch.h"
#include "log.h"
#include "mail.h"

#define SMTP_MAX_REPLY	512

static struct {
	char	*url;
	char	*user;
	char	*password;
	char	*from_name;
	char	*from_addr;
	bool	 starttls;
	int64_t	 timeout_ms;
} smtp;

/* The message being uploaded. */
struct smtp_upload {
	const char	*p;
	size_t		 left;
};

/*
 * The server's last reply, its last 250 (to DATA, once sent: the QUIT
 * after it gets 221) and its last refusal (4xx, 5xx).
 */
struct smtp_replies {
	char	last[SMTP_MAX_REPLY];
	char	accepted[SMTP_MAX_REPLY];
	char	refusal[SMTP_MAX_REPLY];
};

static void
smtp_shutdown(void)
{
	free(smtp.url);
	free(smtp.user);
	notify_wipe(smtp.password);
	free(smtp.from_name);
	free(smtp.from_addr);
	memset(&smtp, 0, sizeof smtp);
}

static bool
smtp_init(const struct config *c, char **cause)
{
	if (strncmp(c->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(c->smtp_url, "smtps://", 8) != 0) {
		*cause = xasprintf("smtp_url must be smtp://HOST:PORT or "
		    "smtps://HOST:PORT, not '%s'", c->smtp_url);
		return false;
	}
	if (!mail_parse_address(c->email_from, &smtp.from_name,
	    &smtp.from_addr)) {
		*cause = xasprintf("email_from: not an address: '%s'",
		    c->email_from);
		return false;
	}
	smtp.url = xstrdup(c->smtp_url);
	smtp.user = xstrdup(c->smtp_user);
	smtp.password = xstrdup(c->smtp_password);
	smtp.starttls = c->smtp_starttls;
	smtp.timeout_ms = c->provider_timeout_ms;
	return true;
}

static size_t
smtp_read_cb(char *out, size_t size, size_t n, void *arg)
{
	struct smtp_upload	*u = arg;
	size_t			 len = size * n;

	if (len > u->left)
		len = u->left;
	memcpy(out, u->p, len);
	u->p += len;
	u->left -= len;
	return len;
}

/*
 * Keeps the server's reply lines, for the detail: after a refusal curl
 * still says QUIT, and "221 Bye" explains nothing.
 */
static size_t
smtp_reply_cb(char *p, size_t size, size_t n, void *arg)
{
	struct smtp_replies	*r = arg;
	size_t			 len = size * n, keep;

	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (len == 0)
		return size * n;
	keep = len < SMTP_MAX_REPLY - 1 ? len : SMTP_MAX_REPLY - 1;
	memcpy(r->last, p, keep);
	r->last[keep] = '\0';
	if (p[0] == '4' || p[0] == '5')
		memcpy(r->refusal, r->last, keep + 1);
	else if (strncmp(p, "250", 3) == 0)
		memcpy(r->accepted, r->last, keep + 1);
	return size * n;
}

static void
smtp_send(const struct notify_message *m, struct notify_result *r)
{
	struct mail		 mail = { 0 };
	struct smtp_upload	 up;
	struct curl_slist	*rcpt = NULL;
	char			*msg = NULL, *cause = NULL, *from = NULL;
	char			*to = NULL, *msgid, *boundary;
	char			 errbuf[CURL_ERROR_SIZE];
	struct smtp_replies	 reply;
	enum notify_outcome	 outcome;
	size_t			 len;
	long			 code = 0;
	CURL			*c;
	CURLcode		 rc;

	msgid = mail_message_id(m->idempotency_key, smtp.from_addr);
	boundary = mail_boundary();
	mail.from_name = smtp.from_name;
	mail.from_addr = smtp.from_addr;
	mail.to_name = m->to_name;
	mail.to_addr = m->to;
	mail.subject = m->subject;
	mail.text = m->text;
	mail.html = m->html;
	mail.unsubscribe_url = m->unsubscribe_url;
	mail.message_id = msgid;
	mail.boundary = boundary;
	mail.date = time(NULL);
	if ((msg = mail_build(&mail, &len, &cause)) == NULL) {
		notify_set(r, NOTIFY_PERMANENT, 0, "%s", cause);
		goto out;
	}
	up.p = msg;
	up.left = len;
	from = xasprintf("<%s>", smtp.from_addr);
	to = xasprintf("<%s>", m->to);
	if ((rcpt = curl_slist_append(NULL, to)) == NULL)
		fatalx("curl_slist_append");
	reply.last[0] = reply.accepted[0] = reply.refusal[0] = '\0';

	if ((c = curl_easy_init()) == NULL)
		fatalx("curl_easy_init");
	pfetch_setup(c, smtp.timeout_ms, "smtp,smtps", errbuf);
	curl_easy_setopt(c, CURLOPT_URL, smtp.url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, smtp_read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, smtp_reply_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply);
	if (smtp.starttls && strncmp(smtp.url, "smtp://", 7) == 0)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (*smtp.user != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, smtp.user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, smtp.password);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);

	if (rc == CURLE_OK) {
		r->provider_id = xstrdup(msgid);
		notify_set(r, NOTIFY_SENT, 0, "%s", reply.accepted);
		goto out;
	}
	/* The server's word first; without one, what broke on the way. */
	if (code >= 400 && code < 500)
		outcome = NOTIFY_RETRY;
	else if (code >= 500 && code < 600)
		outcome = NOTIFY_PERMANENT;
	else
		outcome = pfetch_curl_outcome(rc);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		notify_set(r, outcome, 0, "smtp: timed out after %lld ms",
		    (long long)smtp.timeout_ms);
	else if (code >= 400)
		notify_set(r, outcome, 0, "smtp: %s", reply.refusal[0] != '\0' ?
		    reply.refusal : reply.last);
	else
		notify_set(r, outcome, 0, "smtp: %s", errbuf[0] != '\0' ?
		    errbuf : curl_easy_strerror(rc));
	if (rc == CURLE_LOGIN_DENIED && outcome == NOTIFY_PERMANENT)
		log_error("smtp: the server refused smtp_user and "
		    "smtp_password: %s", reply.refusal);
	else if (rc == CURLE_USE_SSL_FAILED)
		log_error("smtp: %s offers no STARTTLS; use smtps:// or set "
		    "smtp_starttls = no on a trusted network", smtp.url);
out:
	curl_slist_free_all(rcpt);
	free(from);
	free(to);
	notify_wipe(msg);
	free(cause);
	free(msgid);
	free(boundary);
}

const struct notify_driver notify_smtp_driver = {
	.name = "smtp",
	.channels = NOTIFY_CHANNEL_BIT(NOTIFY_EMAIL),
	.init = smtp_init,
	.send = smtp_send,
	.shutdown = smtp_shutdown,
};
