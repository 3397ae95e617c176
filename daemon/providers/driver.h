/*
 * driver: what notify.c asks of each notification driver, and the small
 * things the drivers share.  A driver serves one or more channels;
 * notify_init initialises once each driver that some channel is
 * configured to use, and notify_send hands it messages of those channels
 * only, already checked for a recipient and valid UTF-8.
 */
#ifndef SOUKD_DRIVER_H
#define SOUKD_DRIVER_H

#include <stdbool.h>

#include "notify.h"
#include "xmalloc.h"

#define NOTIFY_CHANNEL_BIT(ch)	(1u << (ch))

struct notify_driver {
	const char	*name;		/* as written in the *_driver keys */
	unsigned	 channels;	/* NOTIFY_CHANNEL_BIT of each it serves */
	/* Copies the settings it needs from c; false with *cause if unusable. */
	bool		(*init)(const struct config *c, char **cause);
	/* Fills r (outcome, and detail on failure); must be thread-safe. */
	void		(*send)(const struct notify_message *,
			    struct notify_result *);
	/* Frees and wipes what init kept; fine when init failed. */
	void		(*shutdown)(void);
};

extern const struct notify_driver notify_file_driver;
extern const struct notify_driver notify_twilio_driver;
extern const struct notify_driver notify_smtp_driver;
extern const struct notify_driver notify_sendgrid_driver;
extern const struct notify_driver notify_fcm_driver;

/*
 * Sets r's outcome, HTTP status and detail (formatted, cut to a few
 * hundred bytes); replaces any detail already there.
 */
void	notify_set(struct notify_result *r, enum notify_outcome, long status,
	    const char *fmt, ...) PRINTF_LIKE(4, 5);
/*
 * The recipient as logs may show it (caller frees): a phone number keeps
 * its first five and last three characters (+9198xxxxx210), an email
 * address the first letter of its local part and its domain
 * (a***@example.com), a push token its first eight characters.
 */
char	*notify_mask(enum notify_channel, const char *to);
/* True if s is an E.164 number: '+', a non-zero digit, 6 to 14 more. */
bool	notify_e164(const char *s);
/* sodium_memzero's s and frees it; fine with NULL. */
void	notify_wipe(char *s);
/* Copies s without its trailing slashes (base URLs). */
char	*notify_base_url(const char *s);

#endif
