/*
 * notify: sending one message through an outside provider.  Each channel
 * (SMS, WhatsApp, email, push) has a driver chosen by configuration
 * (sms_driver, ...): the file driver, the default, appends every message
 * as a JSON line to <outbox_dir>/<channel>.jsonl so that a new user can
 * read the OTP they were sent; the others speak a provider's HTTP or SMTP
 * protocol through libcurl (Twilio, SMTP, SendGrid, FCM).
 *
 * Sending is at-least-once: the notifications job calls notify_send and
 * records the result; a retryable failure is tried again later, a
 * permanent one never.  notify_send is called from job worker threads,
 * never inside a database transaction, and must be thread-safe.
 */
#ifndef SOUKD_NOTIFY_H
#define SOUKD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct config;

enum notify_channel {
	NOTIFY_SMS,
	NOTIFY_WHATSAPP,
	NOTIFY_EMAIL,
	NOTIFY_PUSH,
};

struct notify_message {
	enum notify_channel	 channel;
	/* E.164 phone (SMS, WhatsApp), email address, or push device token. */
	const char		*to;
	const char		*to_name;	/* email display name; may be NULL */
	const char		*subject;	/* email; push title */
	const char		*text;		/* the body as plain text */
	const char		*html;		/* email HTML part; may be NULL */
	/*
	 * WhatsApp messages a business starts must use a template the
	 * provider approved: its id (a Twilio Content SID, HX...) and the
	 * values of its variables as an object {"1": "...", "2": "..."}.
	 * NULL sends text as a session message.
	 */
	const char		*whatsapp_template;
	json_t			*whatsapp_variables;
	/* Email: one-click unsubscribe (RFC 8058); may be NULL. */
	const char		*unsubscribe_url;
	json_t			*push_data;	/* push: extra data; may be NULL */
	/*
	 * Stable for every attempt at this message (the notification id):
	 * sent where the provider deduplicates with it, and in the file
	 * driver's line.
	 */
	const char		*idempotency_key;
};

enum notify_outcome {
	NOTIFY_SENT,		/* the provider accepted it */
	NOTIFY_RETRY,		/* 5xx, 429, timeout, connection: try later */
	NOTIFY_PERMANENT,	/* invalid number, unsubscribed, rejected */
};

struct notify_result {
	enum notify_outcome	 outcome;
	long			 http_status;	/* 0 if none (SMTP, file) */
	char			*provider_id;	/* message id, if any */
	char			*detail;	/* the provider's answer, short */
	int64_t			 retry_after_ms; /* from Retry-After; 0 */
};

/*
 * Reads the drivers and provider settings from c and checks them (a twilio
 * driver without an account SID, an unreadable FCM key...).  False with
 * *cause (caller frees) if a configured driver cannot work.
 */
bool	notify_init(const struct config *c, char **cause)
	    __attribute__((warn_unused_result));
/*
 * Sends m through its channel's driver and fills r (caller frees its
 * strings with notify_result_free).  Never aborts on a provider's
 * misbehaviour; every failure becomes RETRY or PERMANENT with a detail.
 */
void	notify_send(const struct notify_message *m, struct notify_result *r);
void	notify_result_free(struct notify_result *);
/* Releases what notify_init set up (cached OAuth tokens, ...). */
void	notify_shutdown(void);
/* "sms", "whatsapp", "email", "push"; and back (false if unknown). */
const char *notify_channel_name(enum notify_channel);
bool	notify_channel_parse(const char *, enum notify_channel *);

#endif
