/*
 * The voice provider: Twilio's Calls API for click-to-call, and the
 * signature of its status callbacks.  Requests go out through pfetch as
 * the messaging drivers' do; Twilio's error codes that matter for a call
 * are sorted below into retryable and permanent, with words an agent can
 * act on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "driver.h"
#include "log.h"
#include "pfetch.h"
#include "urlenc.h"
#include "utf8.h"
#include "voice.h"

static const struct voice_error {
	long			 code;
	enum notify_outcome	 outcome;
	bool			 misconfigured;
	const char		*what;
} voice_errors[] = {
	{ 20003, NOTIFY_PERMANENT, true, "Twilio refused soukd's credentials: "
	  "check twilio_account_sid and twilio_auth_token" },
	{ 20404, NOTIFY_PERMANENT, true, "no such Twilio account: check "
	  "twilio_account_sid" },
	{ 20429, NOTIFY_RETRY, false, "Twilio is busy (too many requests)" },
	{ 21205, NOTIFY_PERMANENT, true, "the status callback URL is not "
	  "valid: check public_url" },
	{ 21210, NOTIFY_PERMANENT, true, "the caller id is not a verified "
	  "number of the account: check twilio_voice_from" },
	{ 21212, NOTIFY_PERMANENT, true, "the caller id is not a valid "
	  "number: check twilio_voice_from" },
	{ 21215, NOTIFY_PERMANENT, false, "calls to this country are not "
	  "enabled on the Twilio account" },
	{ 21216, NOTIFY_PERMANENT, false, "calls to this number are blocked "
	  "by Twilio" },
	{ 21217, NOTIFY_PERMANENT, false, "your phone number is not a valid "
	  "number for Twilio: check your profile's phone" },
	{ 21401, NOTIFY_PERMANENT, false, "your phone number is not a valid "
	  "number for Twilio: check your profile's phone" },
	{ 21211, NOTIFY_PERMANENT, false, "your phone number is not a valid "
	  "number for Twilio: check your profile's phone" },
	{ 13223, NOTIFY_PERMANENT, false, "the lead's number is not valid for "
	  "Twilio" },
	{ 13224, NOTIFY_PERMANENT, false, "the lead's number is not valid for "
	  "Twilio" },
};

static struct {
	bool	 on;
	char	*url;		/* .../Calls.json */
	char	*calls;		/* .../Calls, for one call's URL */
	char	*sid;
	char	*token;
	char	*from;
	char	*public_url;	/* without its trailing slashes */
	int64_t	 timeout_ms;
} vc;

void
voice_shutdown(void)
{
	free(vc.url);
	free(vc.calls);
	free(vc.sid);
	notify_wipe(vc.token);
	free(vc.from);
	free(vc.public_url);
	memset(&vc, 0, sizeof vc);
}

bool
voice_init(const struct config *c, char **cause)
{
	char	*base;

	voice_shutdown();
	if (*c->twilio_voice_from == '\0')
		return true;
	if (*c->twilio_account_sid == '\0' || *c->twilio_auth_token == '\0') {
		*cause = xasprintf("twilio_voice_from is set: "
		    "twilio_account_sid and twilio_auth_token must be too");
		return false;
	}
	if (!notify_e164(c->twilio_voice_from)) {
		*cause = xasprintf("twilio_voice_from must be an E.164 number "
		    "(+919812345678)");
		return false;
	}
	if (strspn(c->twilio_account_sid, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
	    strlen(c->twilio_account_sid)) {
		*cause = xasprintf("twilio_account_sid: letters and digits only "
		    "(AC...)");
		return false;
	}
	if (strncmp(c->public_url, "http://", 7) != 0 &&
	    strncmp(c->public_url, "https://", 8) != 0) {
		*cause = xasprintf("public_url must be an http(s) URL Twilio "
		    "can reach for call status callbacks");
		return false;
	}
	base = notify_base_url(c->twilio_base_url);
	vc.calls = xasprintf("%s/2010-04-01/Accounts/%s/Calls", base,
	    c->twilio_account_sid);
	vc.url = xasprintf("%s.json", vc.calls);
	free(base);
	vc.sid = xstrdup(c->twilio_account_sid);
	vc.token = xstrdup(c->twilio_auth_token);
	vc.from = xstrdup(c->twilio_voice_from);
	vc.public_url = notify_base_url(c->public_url);
	vc.timeout_ms = c->provider_timeout_ms;
	vc.on = true;
	return true;
}

bool
voice_enabled(void)
{
	return vc.on;
}

char *
voice_callback_url(int64_t call_id)
{
	return xasprintf("%s/v1/webhooks/twilio/voice/%lld",
	    vc.public_url != NULL ? vc.public_url : "", (long long)call_id);
}

/* Appends s to b with XML's five special characters escaped. */
static void
voice_xml_add(struct buf *b, const char *s)
{
	const char	*rep;
	bool		 ok = true;

	for (; *s != '\0' && ok; s++) {
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		default:
			rep = NULL;
			break;
		}
		ok = rep != NULL ? buf_adds(b, rep) : buf_add(b, s, 1);
	}
	if (!ok)
		fatalx("voice_xml_add");
}

char *
voice_twiml(const char *from, const char *lead)
{
	struct buf	b;

	buf_init(&b, 0);
	if (!buf_adds(&b, "<Response><Dial callerId=\""))
		fatalx("voice_twiml");
	voice_xml_add(&b, from);
	if (!buf_adds(&b, "\">"))
		fatalx("voice_twiml");
	voice_xml_add(&b, lead);
	if (!buf_adds(&b, "</Dial></Response>"))
		fatalx("voice_twiml");
	return buf_take(&b, NULL);
}

static const struct voice_error *
voice_error_find(long code)
{
	size_t	i;

	for (i = 0; i < sizeof voice_errors / sizeof voice_errors[0]; i++) {
		if (voice_errors[i].code == code)
			return &voice_errors[i];
	}
	return NULL;
}

/*
 * POSTs form (its text taken into *body, which the caller frees with f)
 * to url as the account; false with r set, as pfetch sorts the failure,
 * when Twilio could not be reached.
 */
static bool
voice_post(struct pfetch *f, const char *url, struct buf *form, char **body,
    struct notify_result *r)
{
	char	*why;

	*body = buf_take(form, &f->len);
	f->url = url;
	f->body = *body;
	f->ctype = "application/x-www-form-urlencoded";
	f->user = vc.sid;
	f->password = vc.token;
	f->timeout_ms = vc.timeout_ms;
	if (pfetch_perform(f))
		return true;
	why = pfetch_describe(f);
	notify_set(r, pfetch_outcome(f), 0, "Twilio could not be reached: %s",
	    why);
	free(why);
	return false;
}

void
voice_dial(const char *agent, const char *lead, int64_t call_id,
    struct notify_result *r)
{
	static const char *const events[] = { "initiated", "ringing",
				    "answered", "completed" };
	struct pfetch			 f = { 0 };
	const struct voice_error	*e;
	enum notify_outcome		 outcome;
	struct buf			 form;
	const char			*msg, *sid;
	char				*twiml, *cb, *body;
	long				 code;
	size_t				 i;

	memset(r, 0, sizeof *r);
	if (!vc.on) {
		notify_set(r, NOTIFY_PERMANENT, 0, "click-to-call is not "
		    "configured (twilio_voice_from)");
		return;
	}
	twiml = voice_twiml(vc.from, lead);
	cb = voice_callback_url(call_id);
	buf_init(&form, 0);
	pfetch_form_add(&form, "To", agent);
	pfetch_form_add(&form, "From", vc.from);
	pfetch_form_add(&form, "Twiml", twiml);
	pfetch_form_add(&form, "StatusCallback", cb);
	pfetch_form_add(&form, "StatusCallbackMethod", "POST");
	for (i = 0; i < sizeof events / sizeof events[0]; i++)
		pfetch_form_add(&form, "StatusCallbackEvent", events[i]);
	if (!voice_post(&f, vc.url, &form, &body, r))
		goto out;
	outcome = pfetch_outcome(&f);
	if (outcome == NOTIFY_SENT) {
		sid = json_string_value(json_object_get(f.json, "sid"));
		if (sid == NULL || strlen(sid) > 64) {
			/* Callbacks will carry the SID; we cannot match yet. */
			notify_set(r, NOTIFY_SENT, f.status, "accepted");
			goto out;
		}
		r->provider_id = xstrdup(sid);
		msg = json_string_value(json_object_get(f.json, "status"));
		notify_set(r, NOTIFY_SENT, f.status, "%s", msg != NULL &&
		    strlen(msg) < 32 ? msg : "queued");
		goto out;
	}
	code = (long)json_integer_value(json_object_get(f.json, "code"));
	msg = json_string_value(json_object_get(f.json, "message"));
	e = voice_error_find(code);
	if (outcome != NOTIFY_RETRY && e != NULL)
		outcome = e->outcome;
	if (e != NULL)
		notify_set(r, outcome, f.status, "%s (Twilio %ld)", e->what,
		    code);
	else if (code != 0)
		notify_set(r, outcome, f.status, "Twilio refused the call: %s "
		    "(Twilio %ld, HTTP %ld)", msg != NULL ? msg : "no message",
		    code, f.status);
	else
		notify_set(r, outcome, f.status, "Twilio answered HTTP %ld",
		    f.status);
	if ((e != NULL && e->misconfigured) || f.status == 401 ||
	    f.status == 403)
		log_error("twilio refused a call (HTTP %ld): %s", f.status,
		    e != NULL ? e->what : "check the twilio_* settings");
	if (outcome == NOTIFY_RETRY && f.retry_after_ms >= 0)
		r->retry_after_ms = f.retry_after_ms;
out:
	pfetch_free(&f);
	free(body);
	free(twiml);
	free(cb);
}

/*
 * Twilio's codes for a call that cannot be updated because it is over:
 * 21220 (not in progress), 20404 on the call's own URL (no such call).
 */
#define VOICE_CALL_OVER(code)	((code) == 21220 || (code) == 20404)

void
voice_hangup(const char *sid, struct notify_result *r)
{
	struct pfetch			 f = { 0 };
	const struct voice_error	*e;
	enum notify_outcome		 outcome;
	struct buf			 form;
	const char			*msg;
	char				*body, *url;
	long				 code;

	memset(r, 0, sizeof *r);
	if (!vc.on) {
		notify_set(r, NOTIFY_PERMANENT, 0, "click-to-call is not "
		    "configured (twilio_voice_from)");
		return;
	}
	/* A SID is letters and digits: nothing else goes in the path. */
	if (sid == NULL || *sid == '\0' || strlen(sid) > 64 || strspn(sid,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
	    strlen(sid)) {
		notify_set(r, NOTIFY_PERMANENT, 0, "not a Call SID");
		return;
	}
	url = xasprintf("%s/%s.json", vc.calls, sid);
	buf_init(&form, 0);
	pfetch_form_add(&form, "Status", "completed");
	if (!voice_post(&f, url, &form, &body, r))
		goto out;
	outcome = pfetch_outcome(&f);
	if (outcome == NOTIFY_SENT) {
		msg = json_string_value(json_object_get(f.json, "status"));
		notify_set(r, NOTIFY_SENT, f.status, "%s", msg != NULL &&
		    strlen(msg) < 32 ? msg : "completed");
		goto out;
	}
	code = (long)json_integer_value(json_object_get(f.json, "code"));
	msg = json_string_value(json_object_get(f.json, "message"));
	if (outcome != NOTIFY_RETRY && VOICE_CALL_OVER(code)) {
		notify_set(r, NOTIFY_PERMANENT, f.status, "the call was over "
		    "(Twilio %ld)", code);
		r->provider_id = xstrdup("over");
		goto out;
	}
	e = voice_error_find(code);
	if (outcome != NOTIFY_RETRY && e != NULL)
		outcome = e->outcome;
	if (e != NULL)
		notify_set(r, outcome, f.status, "%s (Twilio %ld)", e->what,
		    code);
	else
		notify_set(r, outcome, f.status, "Twilio refused to end the "
		    "call: %s (Twilio %ld, HTTP %ld)", msg != NULL ? msg :
		    "no message", code, f.status);
	if (outcome == NOTIFY_RETRY && f.retry_after_ms >= 0)
		r->retry_after_ms = f.retry_after_ms;
out:
	pfetch_free(&f);
	free(body);
	free(url);
}

/* URL-decodes [s, s + n); NULL if not UTF-8 or holding a NUL. */
static char *
voice_unescape(const char *s, size_t n)
{
	char	*out;
	size_t	 len;

	out = urlenc_decode(s, n, &len);
	if (len != strlen(out) || !utf8_valid(out, len)) {
		free(out);
		return NULL;
	}
	return out;
}

json_t *
voice_form_parse(const char *body, size_t len)
{
	json_t		*form = json_object();
	const char	*p = body, *end = body + len, *amp, *eq;
	char		*k, *v;

	while (body != NULL && p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (amp == p) {
			p = amp + 1;
			continue;
		}
		k = voice_unescape(p, (size_t)(eq - p));
		v = eq < amp ? voice_unescape(eq + 1, (size_t)(amp - eq - 1)) :
		    xstrdup("");
		if (k == NULL || v == NULL) {
			free(k);
			free(v);
			json_decref(form);
			return NULL;
		}
		json_object_set_new(form, k, json_string(v));
		free(k);
		free(v);
		p = amp + 1;
	}
	return form;
}

static int
voice_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool
voice_signature_ok(const char *token, const char *url, const json_t *form,
    const char *signature)
{
	struct buf	 b;
	const char	**names, *k;
	json_t		*v;
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		 b64[sodium_base64_ENCODED_LEN(EVP_MAX_MD_SIZE,
			    sodium_base64_VARIANT_ORIGINAL)];
	size_t		 i, n = json_object_size(form);
	bool		 ok;

	if (token == NULL || *token == '\0' || url == NULL ||
	    signature == NULL)
		return false;
	names = xcalloc(n + 1, sizeof *names);
	i = 0;
	json_object_foreach((json_t *)(uintptr_t)form, k, v)
		names[i++] = k;
	qsort(names, i, sizeof *names, voice_cmp);
	buf_init(&b, 0);
	ok = buf_adds(&b, url);
	for (i = 0; i < n && ok; i++)
		ok = buf_adds(&b, names[i]) && buf_adds(&b, json_string_value(
		    json_object_get(form, names[i])));
	if (!ok)
		fatalx("voice_signature_ok");
	if (HMAC(EVP_sha1(), token, (int)strlen(token),
	    (const unsigned char *)b.data, b.len, mac, &maclen) == NULL)
		fatalx("voice_signature_ok: HMAC");
	sodium_bin2base64(b64, sizeof b64, mac, maclen,
	    sodium_base64_VARIANT_ORIGINAL);
	ok = strlen(b64) == strlen(signature) &&
	    sodium_memcmp(b64, signature, strlen(b64)) == 0;
	buf_free(&b);
	free(names);
	sodium_memzero(mac, sizeof mac);
	return ok;
}

bool
voice_signed(const char *url, const json_t *form, const char *signature)
{
	return vc.on && voice_signature_ok(vc.token, url, form, signature);
}
