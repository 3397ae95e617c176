/*
 * voice: click-to-call through Twilio's Voice API.  A call is placed with
 * POST {base}/2010-04-01/Accounts/{sid}/Calls.json: Twilio rings the
 * agent's phone first (To), and when the agent answers runs the TwiML
 * given, which dials the lead with the configured caller id.  Twilio then
 * reports the call's progress to {public_url}/v1/webhooks/twilio/voice/{id},
 * signed with the auth token (X-Twilio-Signature), which voice_signed
 * checks.
 *
 * Voice is on when twilio_account_sid, twilio_auth_token and
 * twilio_voice_from are all set; otherwise click-to-call is refused.
 */
#ifndef SOUKD_VOICE_H
#define SOUKD_VOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "notify.h"

struct config;

/*
 * Reads the Twilio settings from c.  True when voice is off (no caller
 * id) or usable; false with *cause (caller frees) when twilio_voice_from
 * is set but the rest cannot work.
 */
bool	voice_init(const struct config *c, char **cause)
	    __attribute__((warn_unused_result));
void	voice_shutdown(void);
/* True if click-to-call can be placed. */
bool	voice_enabled(void);

/*
 * The status callback URL of call id (caller frees), as Twilio is told
 * it and signs it.
 */
char	*voice_callback_url(int64_t call_id);

/*
 * Asks Twilio to ring agent and bridge lead (both E.164) for call_id.
 * Fills r as notify_send does: SENT with provider_id (the Call SID) and
 * detail (Twilio's status), RETRY (429, 5xx, network) or PERMANENT with a
 * detail the agent can read.  Thread-safe; never inside a transaction.
 */
void	voice_dial(const char *agent, const char *lead, int64_t call_id,
	    struct notify_result *r);

/*
 * Asks Twilio to end call sid (Status=completed: a ringing call stops
 * ringing, a call in progress is hung up).  Fills r as voice_dial does;
 * PERMANENT with provider_id "over" when Twilio says the call had ended
 * already (nothing to do).  Thread-safe; never inside a transaction.
 */
void	voice_hangup(const char *sid, struct notify_result *r);

/*
 * Parses an application/x-www-form-urlencoded body into an object of
 * strings (a repeated name keeps its last value).  NULL if a name or
 * value is not valid UTF-8 after decoding.
 */
json_t	*voice_form_parse(const char *body, size_t len);

/*
 * True if signature (the X-Twilio-Signature header, base64) is Twilio's
 * HMAC-SHA1, keyed with token, of url followed by each of form's names
 * and values, sorted by name.
 */
bool	voice_signature_ok(const char *token, const char *url,
	    const json_t *form, const char *signature);
/* voice_signature_ok with the configured auth token; false when off. */
bool	voice_signed(const char *url, const json_t *form,
	    const char *signature);

/* The TwiML that dials lead with caller id from (caller frees). */
char	*voice_twiml(const char *from, const char *lead);

#endif
