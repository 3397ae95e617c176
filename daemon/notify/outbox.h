/*
 * outbox: notifications on their way.  A change that should tell someone
 * enqueues a message in its own transaction: the outbox renders it from
 * the template of its kind, channel and language, applies the recipient's
 * choices (opt-outs, the WhatsApp opt-in, email unsubscribes, quiet hours
 * for what is not urgent) and queues its delivery as a job.  The job
 * sends it through the channel's provider (notify.h) and records every
 * attempt with the provider's answer.
 */
#ifndef SOUKD_OUTBOX_H
#define SOUKD_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "jobs.h"
#include "notify.h"

struct config;
struct db;

#define OUTBOX_CH_SMS		(1u << NOTIFY_SMS)
#define OUTBOX_CH_WHATSAPP	(1u << NOTIFY_WHATSAPP)
#define OUTBOX_CH_EMAIL		(1u << NOTIFY_EMAIL)
#define OUTBOX_CH_PUSH		(1u << NOTIFY_PUSH)
#define OUTBOX_CH_ALL		0xf

/* A kind of message soukd sends, and the variables its templates use. */
struct message_kind {
	const char	*name;
	bool		 urgent;	/* ignores opt-outs and quiet hours */
	unsigned	 channels;	/* OUTBOX_CH_* it may go by */
	const char	*vars[8];	/* NULL-terminated */
	bool		 test_only;
	bool		 secret;	/* holds a one-time secret: see below */
	const char	*summary;
};

extern const struct message_kind message_kinds[];
/* The kind of that name (test kinds only in test mode); NULL if none. */
const struct message_kind *outbox_kind(const char *name);

/*
 * A secret kind's message (a sign-in code, a confirmation or reset link)
 * is never shown through the API, which shows this instead, and once it
 * is sent, failed or suppressed the database keeps this instead of its
 * subject, body and HTML.  Only the provider (or the file driver's
 * outbox, where a developer reads their code) gets the message itself.
 */
#define OUTBOX_HIDDEN	"(hidden: holds a one-time secret)"
/* The names of the secret kinds as a PostgreSQL array literal ("{a,b}"). */
const char *outbox_secret_kinds(void);

struct outbox_msg {
	const char		*kind;
	int64_t			 user_id;	/* 0: none */
	enum notify_channel	 channel;
	const char		*to;		/* NULL: the user's address */
	const char		*language;	/* NULL: the user's, else en */
	json_t			*vars;		/* borrowed */
};

/* Registers statements and reads settings; before any connection. */
void	outbox_init(const struct config *);
/*
 * Puts a message in the outbox inside db's transaction.  *id gets the
 * notification's id, or 0 when there was nobody to send it to (a user
 * without a phone, without devices).  A suppressed message is recorded
 * with its reason and not sent.  An unknown kind, a channel the kind does
 * not use is a bug: fatalx.  A template missing for it is logged as an
 * error and nothing is queued (*id 0).  False with db's status on a
 * database failure.
 */
bool	outbox_enqueue(struct db *, const struct outbox_msg *, int64_t *id)
	    __attribute__((warn_unused_result));

/* The notifications.send job. */
enum job_result outbox_send_run(struct job *, struct db *);
/*
 * Its hooks for staff, inside their transaction.  Retrying a job sends
 * its failed notification again; false with *refused (caller frees) when
 * it cannot (a secret message, scrubbed once it failed), or with db's
 * status on a database failure.  Cancelling a job fails its pending
 * notification, "cancelled by staff"; false with db's status.
 */
bool	outbox_send_retry(struct db *, json_t *payload, char **refused)
	    __attribute__((warn_unused_result));
bool	outbox_send_cancel(struct db *, json_t *payload)
	    __attribute__((warn_unused_result));

/*
 * The one-click unsubscribe token of an email address (caller frees),
 * and back: the address a token was made for (caller frees), or NULL if
 * the token is not one of ours.
 */
char	*outbox_unsubscribe_token(struct db *, const char *email);
char	*outbox_unsubscribe_email(struct db *, const char *token);

#endif
