/*
 * voice: the voice provider's status callbacks of click-to-call.
 *
 *	POST /v1/webhooks/twilio/voice/{id}	Twilio reports call id's
 *						progress (public, signed)
 *
 * Twilio posts a form (CallSid, CallStatus, CallDuration and more, which
 * are not ours to refuse) signed with X-Twilio-Signature over the URL it
 * was given and the sorted parameters.  A callback moves the call forward
 * only: a repeated or late one (Twilio retries) changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "log.h"
#include "req.h"
#include "tele/work.h"
#include "voice.h"

static const struct db_stmt voice_stmts[] = {
	/* $1 call, $2 Call SID, $3 CallStatus, $4 CallDuration or NULL */
	{ "voice_status",
	  "SELECT * FROM tele_api_voice_status($1, $2, $3, $4)" },
};

enum { STMT_STATUS };

/* Twilio's call statuses (its CallStatus values). */
static const char *const voice_statuses[] = {
	"queued", "initiated", "ringing", "in-progress", "completed", "busy",
	"no-answer", "failed", "canceled", NULL,
};

static bool
voice_form_type(const char *ctype)
{
	size_t	n = strlen("application/x-www-form-urlencoded");

	if (ctype == NULL || strncasecmp(ctype,
	    "application/x-www-form-urlencoded", n) != 0)
		return false;
	ctype += n;
	while (*ctype == ' ')
		ctype++;
	return *ctype == '\0' || *ctype == ';';
}

/* True if s is a Call SID: CA and 32 hex digits. */
static bool
voice_call_sid(const char *s)
{
	return s != NULL && strlen(s) == 34 && strncmp(s, "CA", 2) == 0 &&
	    strspn(s + 2, "0123456789abcdefABCDEF") == 32;
}

static void
voice_status(struct req *r)
{
	struct tele_result	 res;
	const char		*body, *sig, *sid, *status, *dur, *params[4];
	char			*url = NULL;
	json_t			*form = NULL;
	size_t			 len, i;
	bool			 known = false;

	if (!voice_form_type(req_header(r, "Content-Type"))) {
		req_problem(r, "unsupported-media-type", "Twilio's callbacks "
		    "are application/x-www-form-urlencoded");
		return;
	}
	body = req_body(r, &len);
	if ((form = voice_form_parse(body, len)) == NULL) {
		req_problem(r, "bad-request", "the form is not valid UTF-8");
		return;
	}
	url = voice_callback_url(req_param_id(r, "id"));
	sig = req_header(r, "X-Twilio-Signature");
	if (!voice_signed(url, form, sig)) {
		req_problem(r, "forbidden", "the X-Twilio-Signature does not "
		    "match this request: it is not from soukd's Twilio account");
		goto out;
	}
	sid = json_string_value(json_object_get(form, "CallSid"));
	status = json_string_value(json_object_get(form, "CallStatus"));
	dur = json_string_value(json_object_get(form, "CallDuration"));
	if (!voice_call_sid(sid))
		req_field_error(r, "CallSid", sid == NULL ? "required" :
		    "invalid", "must be a Call SID (CA and 32 hex digits)");
	for (i = 0; status != NULL && voice_statuses[i] != NULL; i++)
		known = known || strcmp(status, voice_statuses[i]) == 0;
	if (!known)
		req_field_error(r, "CallStatus", status == NULL ? "required" :
		    "invalid", "must be one of Twilio's call statuses");
	if (dur != NULL && (*dur == '\0' || strlen(dur) > 6 ||
	    strspn(dur, "0123456789") != strlen(dur)))
		req_field_error(r, "CallDuration", "invalid", "must be seconds");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	params[0] = req_param(r, "id");
	params[1] = sid;
	params[2] = status;
	params[3] = dur;
	if (!tele_run(r, &voice_stmts[STMT_STATUS], 4, params, NULL, 0, &res))
		goto out;
	if (strcmp(res.outcome, "ok") == 0)
		req_reply(r, 204, NULL, xstrdup(""), 0);
	else
		req_problem(r, "not-found", "there is no click-to-call %s "
		    "with Call SID %s", params[0], sid);
	tele_result_free(&res);
out:
	json_decref(form);
	free(url);
}

static const struct route voice_routes[] = {
	{ "POST", "/v1/webhooks/twilio/voice/{id}", voice_status, NULL,
	  "public", "Twilio's status callbacks of a click-to-call", 64 * 1024 },
};

const struct api_module voice_module = {
	"voice", voice_routes, API_NELEM(voice_routes),
	voice_stmts, API_NELEM(voice_stmts),
};
