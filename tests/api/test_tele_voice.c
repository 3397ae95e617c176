/*
 * Click-to-call through Twilio Voice, against the Twilio stand-in of
 * tests/fakes: the agent's phone is rung first with TwiML that dials the
 * lead, Twilio's signed status callbacks move the call to ringing,
 * in_progress and ended with its talk time, forged or repeated callbacks
 * change nothing, and an agent hears of a call Twilio refused or could
 * not be reached for.  Each test starts its own soukd (and fakes)
 * configured for voice; the shared soukd has none.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "buf.h"
#include "catalog.h"
#include "suites.h"
#include "voice.h"

#define SID		"ACvoice0123456789abcdef0123456789"
#define TOKEN		"voice-secret-token-51c9"
#define FROM		"+15005550006"
#define PUBLIC		"https://souk.example.com"
#define HOOK		"/v1/webhooks/twilio/voice/{id}"

struct voice {
	struct test_fakes	 fakes;
	struct soukd		*s;
	char			*region;
	struct test_user	*sup, *agent;
	char			*agent_phone;
	long			 queue;
};

/* Tells the fakes to answer the next Calls.json (count times) so. */
static void
fakes_rule(struct voice *v, const char *json)
{
	struct api_resp	*r;

	r = api_request(v->fakes.http, "POST", "/_fake/rule", "application/json",
	    json, strlen(json), NULL);
	ck_assert_msg(r->status == 204, "rule %s: %ld %s", json, r->status,
	    r->body);
	api_free(r);
}

/* What the fakes' service received, oldest first. */
static json_t *
fakes_of(struct voice *v, const char *service)
{
	char		*path = xasprintf("%s/requests.jsonl", v->fakes.dir);
	char		*text = test_read_file(path), *line, *next;
	json_t		*all = json_array(), *e;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		e = json_loads(line, 0, NULL);
		ck_assert_msg(e != NULL, "bad record: %s", line);
		if (strcmp(jstr(e, "service"), service) == 0)
			json_array_append(all, e);
		json_decref(e);
	}
	free(text);
	free(path);
	return all;
}

/* What the fakes received on Calls.json (calls placed). */
static json_t *
fakes_calls(struct voice *v)
{
	return fakes_of(v, "twilio_voice");
}

static struct api_resp *
vcall(const struct voice *v, const struct test_user *u, const char *method,
    const char *path, const char *pattern, long status, const char *body)
{
	struct api_resp	*r = test_user_request(v->s->url, u, method, path,
			    body);

	ck_assert_msg(r->status == status, "%s %s: %ld, expected %ld: %s",
	    method, path, r->status, status, r->body);
	api_expect(r, status, method, pattern);
	return r;
}

/*
 * A soukd with click-to-call on, a queue open around the clock and an
 * agent in it (with a phone when phone is true).
 */
static void
voice_setup(struct voice *v, bool phone)
{
	const char	*regions[2], *params[2];
	char		 id[24], *body, *path;
	struct api_resp	*r;

	memset(v, 0, sizeof *v);
	test_fakes_start(&v->fakes, "voice-fakes", NULL);
	setenv("SOUKD_TWILIO_BASE_URL", v->fakes.http, 1);
	setenv("SOUKD_TWILIO_ACCOUNT_SID", SID, 1);
	setenv("SOUKD_TWILIO_AUTH_TOKEN", TOKEN, 1);
	setenv("SOUKD_TWILIO_VOICE_FROM", FROM, 1);
	setenv("SOUKD_PUBLIC_URL", PUBLIC "/", 1);
	setenv("SOUKD_PROVIDER_TIMEOUT", "2s", 1);
	v->s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(v->s);

	v->region = test_region_new("voice");
	regions[0] = v->region;
	regions[1] = NULL;
	v->sup = test_user_new(v->s->url, "supervisor", regions);
	v->agent = test_user_new(v->s->url, "telecaller", regions);
	if (phone) {
		v->agent_phone = test_phone();
		snprintf(id, sizeof id, "%ld", v->agent->id);
		params[0] = v->agent_phone;
		params[1] = id;
		PQclear(test_sql("UPDATE users SET phone = $1 WHERE id = $2", 2,
		    params));
	}
	body = xasprintf("{\"name\": \"%s\", \"call_from\": \"00:00\", "
	    "\"call_until\": \"23:59\", \"call_days\": [1,2,3,4,5,6,7], "
	    "\"region_ids\": [%s]}", cat_word("Voice"), v->region);
	r = vcall(v, v->sup, "POST", "/v1/queues", "/v1/queues", 201, body);
	v->queue = jint(r->json, "id");
	api_free(r);
	free(body);
	body = xasprintf("{\"user_ids\": [%ld]}", v->agent->id);
	path = xasprintf("/v1/queues/%ld/agents", v->queue);
	api_free(vcall(v, v->sup, "PUT", path, "/v1/queues/{id}/agents", 200,
	    body));
	free(body);
	free(path);
}

static void
voice_teardown(struct voice *v)
{
	/* 0: it also freed everything (leak detection is on). */
	ck_assert_int_eq(soukd_stop(v->s, SIGTERM), 0);
	test_fakes_stop(&v->fakes);
	unsetenv("SOUKD_TWILIO_VOICE_FROM");
}

/* A new lead of the queue, taken by the agent: its id. */
static long
voice_lead(struct voice *v, char **phone)
{
	char		 q[24], *path;
	const char	*params[3];
	struct api_resp	*r;
	long		 id;

	*phone = test_phone();
	snprintf(q, sizeof q, "%ld", v->queue);
	params[0] = *phone;
	params[1] = q;
	params[2] = v->region;
	id = cat_long("INSERT INTO leads (name, phone, source, queue_id, "
	    "region_id, timezone) VALUES ('Lead ' || $1, $1, 'manual', $2, "
	    "$3, 'Asia/Kolkata') RETURNING id", 3, params);
	path = xasprintf("/v1/queues/%ld/next", v->queue);
	r = vcall(v, v->agent, "POST", path, "/v1/queues/{id}/next", 200, NULL);
	ck_assert_int_eq(jint(r->json, "id"), id);
	api_free(r);
	free(path);
	return id;
}

/* POST /v1/calls click_to_call: the call's id. */
static long
voice_start(struct voice *v, long lead)
{
	char		*body = xasprintf("{\"lead_id\": %ld, \"mode\": "
			    "\"click_to_call\"}", lead);
	struct api_resp	*r = vcall(v, v->agent, "POST", "/v1/calls",
			    "/v1/calls", 201, body);
	long		 id = jint(r->json, "id");

	ck_assert_str_eq(jstr(r->json, "mode"), "click_to_call");
	ck_assert_str_eq(jstr(r->json, "status"), "started");
	api_free(r);
	free(body);
	return id;
}

/* A column of call id as text ("" for NULL). */
static char *
call_col(long call, const char *col)
{
	char		*sql = xasprintf("SELECT %s::text FROM calls WHERE id = $1",
			    col), id[24];
	const char	*params[1] = { id };
	PGresult	*res;
	char		*v;

	snprintf(id, sizeof id, "%ld", call);
	res = test_sql(sql, 1, params);
	ck_assert_int_eq(PQntuples(res), 1);
	v = xstrdup(PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	free(sql);
	return v;
}

/* Waits up to secs for call's status to become want. */
static void
wait_status(long call, const char *want, int secs)
{
	char	*st = NULL;
	int	 i;

	for (i = 0; i < secs * 10; i++) {
		free(st);
		st = call_col(call, "status");
		if (strcmp(st, want) == 0)
			break;
		usleep(100 * 1000);
	}
	ck_assert_msg(strcmp(st, want) == 0, "call %ld is %s, not %s", call,
	    st, want);
	free(st);
}

static const char *
agent_state(struct voice *v)
{
	static char	 state[32];
	struct api_resp	*r = vcall(v, v->agent, "GET", "/v1/me/agent",
			    "/v1/me/agent", 200, NULL);

	snprintf(state, sizeof state, "%s", jstr(r->json, "state"));
	api_free(r);
	return state;
}

static long
events_of(long user, const char *type)
{
	char		 id[24];
	const char	*params[2] = { id, type };

	snprintf(id, sizeof id, "user:%ld", user);
	return cat_long("SELECT count(*) FROM events WHERE topic = $1 AND "
	    "type = $2", 2, params);
}

/* Appends name=value form-encoded. */
static void
form_add(struct buf *b, const char *name, const char *value)
{
	const char	*s;
	int		 pass;

	for (pass = 0; pass < 2; pass++) {
		if (pass == 0 && b->len > 0)
			ck_assert(buf_adds(b, "&"));
		for (s = pass == 0 ? name : value; *s != '\0'; s++) {
			if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' &&
			    *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			    *s == '-' || *s == '.' || *s == '_')
				ck_assert(buf_add(b, s, 1));
			else
				ck_assert(buf_printf(b, "%%%02X",
				    (unsigned char)*s));
		}
		if (pass == 0)
			ck_assert(buf_adds(b, "="));
	}
}

/*
 * Twilio's signature, computed here as its documentation says: HMAC-SHA1
 * keyed with token over url then each name and value sorted by name
 * (kv: pairs already sorted by name, NULL-ended).
 */
static char *
sign(const char *token, const char *url, const char *const *kv)
{
	struct buf	 b;
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 len = 0;
	char		 out[64];

	buf_init(&b, 0);
	ck_assert(buf_adds(&b, url));
	for (; *kv != NULL; kv += 2)
		ck_assert(buf_adds(&b, kv[0]) && buf_adds(&b, kv[1]));
	ck_assert_ptr_nonnull(HMAC(EVP_sha1(), token, (int)strlen(token),
	    (unsigned char *)b.data, b.len, mac, &len));
	sodium_bin2base64(out, sizeof out, mac, len,
	    sodium_base64_VARIANT_ORIGINAL);
	buf_free(&b);
	return xstrdup(out);
}

/*
 * Posts Twilio's status callback of call (signed with token for the URL
 * of signed_for, the call itself when 0), as Twilio sends it: its
 * parameters, and others soukd does not use.  duration may be NULL.
 */
static struct api_resp *
callback_as(struct voice *v, long call, long signed_for, const char *token,
    const char *sid, const char *status, const char *duration)
{
	const char	*kv[20], *h[3];
	struct buf	 b;
	char		*url, *path, *sig, *hdr;
	struct api_resp	*r;
	size_t		 n = 0, i;

	/* Sorted by name, as the signature wants them. */
	kv[n++] = "AccountSid";
	kv[n++] = SID;
	kv[n++] = "ApiVersion";
	kv[n++] = "2010-04-01";
	if (duration != NULL) {
		kv[n++] = "CallDuration";
		kv[n++] = duration;
	}
	kv[n++] = "CallSid";
	kv[n++] = sid;
	kv[n++] = "CallStatus";
	kv[n++] = status;
	kv[n++] = "Direction";
	kv[n++] = "outbound-api";
	kv[n++] = "From";
	kv[n++] = FROM;
	kv[n++] = "To";
	kv[n++] = v->agent_phone != NULL ? v->agent_phone : "+911234567";
	kv[n] = NULL;
	url = xasprintf("%s/v1/webhooks/twilio/voice/%ld", PUBLIC,
	    signed_for != 0 ? signed_for : call);
	sig = sign(token, url, kv);
	buf_init(&b, 0);
	for (i = 0; i < n; i += 2)
		form_add(&b, kv[i], kv[i + 1]);
	hdr = xasprintf("X-Twilio-Signature: %s", sig);
	h[0] = hdr;
	h[1] = NULL;
	path = xasprintf("/v1/webhooks/twilio/voice/%ld", call);
	r = api_request(v->s->url, "POST", path,
	    "application/x-www-form-urlencoded", b.data, b.len, h);
	api_expect(r, r->status, "POST", HOOK);
	buf_free(&b);
	free(url);
	free(sig);
	free(hdr);
	free(path);
	return r;
}

static void
callback_ok(struct voice *v, long call, const char *sid, const char *status,
    const char *duration)
{
	struct api_resp	*r = callback_as(v, call, 0, TOKEN, sid, status,
			    duration);

	ck_assert_msg(r->status == 204, "callback %s: %ld %s", status,
	    r->status, r->body);
	api_free(r);
}

START_TEST(test_signature_is_twilios)
{
	/* The example of Twilio's "Webhooks security" documentation. */
	json_t	*form = json_pack("{s:s,s:s,s:s,s:s,s:s}", "CallSid",
		    "CA1234567890ABCDE", "Caller", "+14158675310", "Digits",
		    "1234", "From", "+14158675310", "To", "+18005551212");
	const char *url = "https://mycompany.com/myapp.php?foo=1&bar=2";
	char	*twiml;

	ck_assert(voice_signature_ok("12345", url, form,
	    "GvWf1cFY/Q7PnoempGyD5oXAezc="));
	ck_assert(!voice_signature_ok("12346", url, form,
	    "GvWf1cFY/Q7PnoempGyD5oXAezc="));
	ck_assert(!voice_signature_ok("12345", url, form,
	    "GvWf1cFY/Q7PnoempGyD5oXAezd="));
	ck_assert(!voice_signature_ok("12345", url, form, ""));
	ck_assert(!voice_signature_ok("12345", url, form, NULL));
	ck_assert(!voice_signature_ok("12345",
	    "https://mycompany.com/myapp.php?foo=1&bar=3", form,
	    "GvWf1cFY/Q7PnoempGyD5oXAezc="));
	json_object_set_new(form, "Digits", json_string("1235"));
	ck_assert(!voice_signature_ok("12345", url, form,
	    "GvWf1cFY/Q7PnoempGyD5oXAezc="));
	json_decref(form);
	twiml = voice_twiml("+1500<&>\"'", "+919812345678");
	ck_assert_str_eq(twiml, "<Response><Dial callerId=\"+1500&lt;&amp;"
	    "&gt;&quot;&apos;\">+919812345678</Dial></Response>");
	free(twiml);
	/* Bad encodings are refused, not passed on. */
	ck_assert_ptr_null(voice_form_parse("a=%ff%fe", 8));
	ck_assert_ptr_null(voice_form_parse("a=x%00y", 7));
	form = voice_form_parse("To=%2B9198&A+b=c+d&&e", 21);
	ck_assert_str_eq(json_string_value(json_object_get(form, "To")),
	    "+9198");
	ck_assert_str_eq(json_string_value(json_object_get(form, "A b")),
	    "c d");
	ck_assert_str_eq(json_string_value(json_object_get(form, "e")), "");
	json_decref(form);
}
END_TEST

START_TEST(test_click_to_call_rings_agent_then_lead)
{
	struct voice	 v;
	struct api_resp	*r;
	json_t		*calls, *q, *ev;
	char		*lead_phone, *want, *sid, *answered, *auth;
	unsigned char	 cred[] = SID ":" TOKEN;
	char		 b64[128], *path;
	long		 lead, call;

	voice_setup(&v, true);
	lead = voice_lead(&v, &lead_phone);
	call = voice_start(&v, lead);
	ck_assert_str_eq(agent_state(&v), "on_call");
	/* The voice.dial job rings the agent's phone first. */
	wait_status(call, "ringing", 15);
	calls = fakes_calls(&v);
	ck_assert_uint_eq(json_array_size(calls), 1);
	q = json_array_get(calls, 0);
	want = xasprintf("/2010-04-01/Accounts/%s/Calls.json", SID);
	ck_assert_str_eq(jstr(q, "path"), want);
	free(want);
	ck_assert_int_eq(jint(q, "status"), 201);
	sodium_bin2base64(b64, sizeof b64, cred, sizeof cred - 1,
	    sodium_base64_VARIANT_ORIGINAL);
	auth = xasprintf("Basic %s", b64);
	ck_assert_str_eq(jstr(json_object_get(q, "headers"), "authorization"),
	    auth);
	free(auth);
	ck_assert_str_eq(jstr(json_object_get(q, "form"), "To"),
	    v.agent_phone);
	ck_assert_str_eq(jstr(json_object_get(q, "form"), "From"), FROM);
	want = xasprintf("<Response><Dial callerId=\"%s\">%s</Dial>"
	    "</Response>", FROM, lead_phone);
	ck_assert_str_eq(jstr(json_object_get(q, "form"), "Twiml"), want);
	free(want);
	want = xasprintf("%s/v1/webhooks/twilio/voice/%ld", PUBLIC, call);
	ck_assert_str_eq(jstr(json_object_get(q, "form"), "StatusCallback"),
	    want);
	free(want);
	ev = json_pack("[s,s,s,s]", "initiated", "ringing", "answered",
	    "completed");
	ck_assert_msg(json_equal(json_object_get(json_object_get(q, "form"),
	    "StatusCallbackEvent"), ev), "StatusCallbackEvent");
	json_decref(ev);
	json_decref(calls);
	sid = call_col(call, "provider_sid");
	ck_assert_uint_eq(strlen(sid), 34);
	ck_assert_int_eq(strncmp(sid, "CA", 2), 0);
	ck_assert_int_eq(events_of(v.agent->id, "call.updated"), 1);

	/* Twilio reports: ringing, answered, answered again (a retry). */
	callback_ok(&v, call, sid, "initiated", NULL);
	callback_ok(&v, call, sid, "ringing", NULL);
	ck_assert_str_eq(call_col(call, "status"), "ringing");
	callback_ok(&v, call, sid, "in-progress", NULL);
	ck_assert_str_eq(call_col(call, "status"), "in_progress");
	answered = call_col(call, "answered_at");
	ck_assert_str_ne(answered, "");
	usleep(20 * 1000);
	callback_ok(&v, call, sid, "in-progress", NULL);
	ck_assert_str_eq(call_col(call, "answered_at"), answered);
	ck_assert_str_eq(agent_state(&v), "on_call");

	/* A forged callback is refused and changes nothing. */
	r = callback_as(&v, call, 0, "not-the-token", sid, "completed", "5");
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	/* Signed for another call's URL: replayed here, refused. */
	r = callback_as(&v, call, call + 1, TOKEN, sid, "completed", "5");
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	r = api_request(v.s->url, "POST", want = xasprintf(
	    "/v1/webhooks/twilio/voice/%ld", call),
	    "application/x-www-form-urlencoded", "CallStatus=completed", 20,
	    NULL);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	/* Not a form at all. */
	r = api_request(v.s->url, "POST", want, "application/json", "{}", 2,
	    NULL);
	api_expect(r, 415, "POST", HOOK);
	api_free(r);
	free(want);
	/* Signed, but another call's SID, or no such call. */
	r = callback_as(&v, call, 0, TOKEN,
	    "CA00000000000000000000000000000000", "completed", "5");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = callback_as(&v, 9223372036854775807L, 0, TOKEN, sid, "completed",
	    "5");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* Signed, malformed. */
	r = callback_as(&v, call, 0, TOKEN, sid, "exploded", "5");
	api_expect_problem(r, 400, "validation", "CallStatus");
	api_free(r);
	r = callback_as(&v, call, 0, TOKEN, sid, "completed", "-5");
	api_expect_problem(r, 400, "validation", "CallDuration");
	api_free(r);
	ck_assert_str_eq(call_col(call, "status"), "in_progress");
	ck_assert_str_eq(call_col(call, "ended_at"), "");

	/* The end: talk time from Twilio, the agent in wrap-up. */
	callback_ok(&v, call, sid, "completed", "42");
	ck_assert_str_eq(call_col(call, "status"), "ended");
	ck_assert_str_eq(call_col(call, "talk_seconds"), "42");
	ck_assert_str_eq(agent_state(&v), "wrap_up");
	/* Repeated and late callbacks are harmless. */
	callback_ok(&v, call, sid, "completed", "43");
	callback_ok(&v, call, sid, "ringing", NULL);
	ck_assert_str_eq(call_col(call, "status"), "ended");
	ck_assert_str_eq(call_col(call, "talk_seconds"), "42");
	/* Dialled, answered, ended: nothing for the repeats. */
	ck_assert_int_eq(events_of(v.agent->id, "call.updated"), 3);

	/* The agent sees it, and ends it with a disposition. */
	path = xasprintf("/v1/calls?lead_id=%ld", lead);
	r = vcall(&v, v.agent, "GET", path, "/v1/calls", 200, NULL);
	q = json_array_get(json_object_get(r->json, "data"), 0);
	ck_assert_str_eq(jstr(q, "status"), "ended");
	ck_assert_int_eq(jint(q, "talk_seconds"), 42);
	ck_assert_str_eq(jstr(q, "provider_status"), "ringing");
	api_free(r);
	free(path);
	path = xasprintf("/v1/calls/%ld/disposition", call);
	api_free(vcall(&v, v.agent, "POST", path,
	    "/v1/calls/{id}/disposition", 200, "{\"code\": \"interested\"}"));
	free(path);
	ck_assert_str_eq(agent_state(&v), "available");
	ck_assert_str_eq(call_col(call, "talk_seconds"), "42");
	free(sid);
	free(answered);
	voice_teardown(&v);
}
END_TEST

/* What the fakes received on Calls/{sid}.json (calls ended). */
static json_t *
fakes_hangups(struct voice *v)
{
	return fakes_of(v, "twilio_voice_update");
}

/* voice.hangup jobs of call. */
static long
hangup_jobs(long call)
{
	char		 id[24];
	const char	*params[1] = { id };

	snprintf(id, sizeof id, "%ld", call);
	return cat_long("SELECT count(*) FROM jobs WHERE kind = 'voice.hangup' "
	    "AND payload->>'call_id' = $1", 1, params);
}

START_TEST(test_ending_a_click_to_call_hangs_it_up)
{
	struct voice	 v;
	struct api_resp	*r;
	json_t		*ups = NULL, *q;
	char		*phone, *sid, *path, *want, *body;
	long		 lead, call, manual;
	int		 i;

	voice_setup(&v, true);
	lead = voice_lead(&v, &phone);
	call = voice_start(&v, lead);
	wait_status(call, "ringing", 15);
	sid = call_col(call, "provider_sid");
	callback_ok(&v, call, sid, "in-progress", NULL);
	ck_assert_str_eq(call_col(call, "status"), "in_progress");

	/* The agent ends it: at once in souk, then at Twilio. */
	path = xasprintf("/v1/calls/%ld/end", call);
	r = vcall(&v, v.agent, "POST", path, "/v1/calls/{id}/end", 200, NULL);
	ck_assert_str_eq(jstr(r->json, "status"), "ended");
	api_free(r);
	ck_assert_str_eq(agent_state(&v), "wrap_up");
	for (i = 0; i < 100; i++) {
		json_decref(ups);
		ups = fakes_hangups(&v);
		if (json_array_size(ups) > 0)
			break;
		usleep(100 * 1000);
	}
	ck_assert_uint_eq(json_array_size(ups), 1);
	q = json_array_get(ups, 0);
	want = xasprintf("/2010-04-01/Accounts/%s/Calls/%s.json", SID, sid);
	ck_assert_str_eq(jstr(q, "path"), want);
	free(want);
	ck_assert_int_eq(jint(q, "status"), 200);
	ck_assert_str_eq(jstr(json_object_get(q, "form"), "Status"),
	    "completed");
	json_decref(ups);
	/* Twilio then reports the end: nothing more changes. */
	callback_ok(&v, call, sid, "completed", "7");
	ck_assert_str_eq(call_col(call, "status"), "ended");
	ck_assert_str_eq(agent_state(&v), "wrap_up");
	/* Ending it again: refused, and no second hang-up. */
	r = test_user_request(v.s->url, v.agent, "POST", path, NULL);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	ck_assert_int_eq(hangup_jobs(call), 1);
	free(path);
	path = xasprintf("/v1/calls/%ld/disposition", call);
	api_free(vcall(&v, v.agent, "POST", path,
	    "/v1/calls/{id}/disposition", 200, "{\"code\": \"interested\"}"));
	free(path);

	/* A manual call has nothing at Twilio to hang up. */
	free(phone);
	lead = voice_lead(&v, &phone);
	body = xasprintf("{\"lead_id\": %ld, \"mode\": \"manual\"}", lead);
	r = vcall(&v, v.agent, "POST", "/v1/calls", "/v1/calls", 201, body);
	manual = jint(r->json, "id");
	api_free(r);
	free(body);
	path = xasprintf("/v1/calls/%ld/end", manual);
	api_free(vcall(&v, v.agent, "POST", path, "/v1/calls/{id}/end", 200,
	    NULL));
	free(path);
	ck_assert_int_eq(hangup_jobs(manual), 0);
	free(phone);
	free(sid);
	voice_teardown(&v);
}
END_TEST

START_TEST(test_click_to_call_that_cannot_ring)
{
	struct voice	 v;
	struct api_resp	*r;
	json_t		*calls;
	char		*phone, *body, *err, id[24];
	const char	*params[1] = { id };
	long		 lead, call;

	voice_setup(&v, false);
	/* No phone to ring: refused, and nothing is recorded. */
	lead = voice_lead(&v, &phone);
	body = xasprintf("{\"lead_id\": %ld, \"mode\": \"click_to_call\"}",
	    lead);
	r = vcall(&v, v.agent, "POST", "/v1/calls", "/v1/calls", 422, body);
	api_expect_problem(r, 422, "unprocessable", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "phone"));
	api_free(r);
	free(body);
	snprintf(id, sizeof id, "%ld", lead);
	ck_assert_int_eq(cat_long("SELECT count(*) FROM calls WHERE lead_id = "
	    "$1", 1, params), 0);
	ck_assert_int_eq(cat_long("SELECT attempts FROM leads WHERE id = $1",
	    1, params), 0);
	ck_assert_str_ne(agent_state(&v), "on_call");
	v.agent_phone = test_phone();
	snprintf(id, sizeof id, "%ld", v.agent->id);
	{
		const char	*p2[2] = { v.agent_phone, id };

		PQclear(test_sql("UPDATE users SET phone = $1 WHERE id = $2",
		    2, p2));
	}

	/* Twilio refuses the number: the call fails, the agent is told. */
	fakes_rule(&v, "{\"service\": \"twilio_voice\", \"status\": 400, "
	    "\"code\": \"21217\"}");
	call = voice_start(&v, lead);
	wait_status(call, "failed", 15);
	err = call_col(call, "provider_error");
	ck_assert_msg(strstr(err, "not a valid number") != NULL, "%s", err);
	free(err);
	ck_assert_str_ne(call_col(call, "ended_at"), "");
	ck_assert_str_eq(agent_state(&v), "wrap_up");
	ck_assert_int_eq(events_of(v.agent->id, "call.failed"), 1);
	calls = fakes_calls(&v);
	ck_assert_uint_eq(json_array_size(calls), 1);
	json_decref(calls);
	/* Its callbacks, should any come, change nothing. */
	r = callback_as(&v, call, 0, TOKEN,
	    "CA11111111111111111111111111111111", "in-progress", NULL);
	ck_assert_int_eq(r->status, 204);
	api_free(r);
	ck_assert_str_eq(call_col(call, "status"), "failed");
	body = xasprintf("/v1/calls/%ld/disposition", call);
	api_free(vcall(&v, v.agent, "POST", body,
	    "/v1/calls/{id}/disposition", 200, "{\"code\": \"no_answer\"}"));
	free(body);

	/* Twilio busy once: tried again, and the call rings. */
	lead = voice_lead(&v, &phone);
	fakes_rule(&v, "{\"service\": \"twilio_voice\", \"status\": 429}");
	call = voice_start(&v, lead);
	wait_status(call, "ringing", 15);
	calls = fakes_calls(&v);
	ck_assert_uint_eq(json_array_size(calls), 3);
	ck_assert_int_eq(jint(json_array_get(calls, 1), "status"), 429);
	ck_assert_int_eq(jint(json_array_get(calls, 2), "status"), 201);
	json_decref(calls);
	body = xasprintf("/v1/calls/%ld/disposition", call);
	api_free(vcall(&v, v.agent, "POST", body,
	    "/v1/calls/{id}/disposition", 200, "{\"code\": \"no_answer\"}"));
	free(body);

	/* Twilio down: every attempt, then the call fails. */
	lead = voice_lead(&v, &phone);
	fakes_rule(&v, "{\"service\": \"twilio_voice\", \"status\": 503, "
	    "\"count\": 10}");
	call = voice_start(&v, lead);
	wait_status(call, "failed", 30);
	calls = fakes_calls(&v);
	ck_assert_uint_eq(json_array_size(calls), 3 + 4);
	json_decref(calls);
	ck_assert_str_eq(agent_state(&v), "wrap_up");
	ck_assert_int_eq(events_of(v.agent->id, "call.failed"), 2);
	voice_teardown(&v);
}
END_TEST

/* The shared soukd has no voice settings: click-to-call is refused. */
START_TEST(test_click_to_call_not_configured)
{
	const char		*regions[2], *params[3];
	struct test_user	*sup, *agent;
	struct api_resp		*r;
	char			*region = test_region_new("novoice"), *body,
				*phone = test_phone(), q[24], *path;
	long			 queue, lead;

	regions[0] = region;
	regions[1] = NULL;
	sup = test_user_new(api_base(), "supervisor", regions);
	agent = test_user_new(api_base(), "telecaller", regions);
	body = xasprintf("{\"name\": \"%s\", \"call_from\": \"00:00\", "
	    "\"call_until\": \"23:59\", \"call_days\": [1,2,3,4,5,6,7], "
	    "\"region_ids\": [%s]}", cat_word("NoVoice"), region);
	r = cat_call(sup, "POST", "/v1/queues", "/v1/queues", 201, body);
	queue = jint(r->json, "id");
	api_free(r);
	free(body);
	body = xasprintf("{\"user_ids\": [%ld]}", agent->id);
	api_free(cat_callf(sup, "PUT", "/v1/queues/{id}/agents", 200, body,
	    "/v1/queues/%ld/agents", queue));
	free(body);
	snprintf(q, sizeof q, "%ld", queue);
	params[0] = phone;
	params[1] = q;
	params[2] = region;
	lead = cat_long("INSERT INTO leads (name, phone, source, queue_id, "
	    "region_id, timezone) VALUES ('Lead ' || $1, $1, 'manual', $2, "
	    "$3, 'Asia/Kolkata') RETURNING id", 3, params);
	path = xasprintf("/v1/queues/%ld/next", queue);
	api_free(cat_call(agent, "POST", path, "/v1/queues/{id}/next", 200,
	    NULL));
	free(path);
	body = xasprintf("{\"lead_id\": %ld, \"mode\": \"click_to_call\"}",
	    lead);
	r = cat_call(agent, "POST", "/v1/calls", "/v1/calls", 422, body);
	api_expect_problem(r, 422, "unprocessable", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "manual"));
	api_free(r);
	free(body);
	/* Manual calls work either way. */
	body = xasprintf("{\"lead_id\": %ld, \"mode\": \"manual\"}", lead);
	r = cat_call(agent, "POST", "/v1/calls", "/v1/calls", 201, body);
	ck_assert_str_eq(jstr(r->json, "status"), "started");
	api_free(r);
	free(body);
	/* Nor are callbacks accepted: nothing can verify them. */
	r = api_request(api_base(), "POST", "/v1/webhooks/twilio/voice/1",
	    "application/x-www-form-urlencoded", "CallStatus=completed", 20,
	    NULL);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
}
END_TEST

Suite *
tele_voice_suite(void)
{
	Suite	*s = suite_create("tele_voice");
	TCase	*tc = tcase_create("tele_voice");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_signature_is_twilios);
	tcase_add_test(tc, test_click_to_call_rings_agent_then_lead);
	tcase_add_test(tc, test_ending_a_click_to_call_hangs_it_up);
	tcase_add_test(tc, test_click_to_call_that_cannot_ring);
	tcase_add_test(tc, test_click_to_call_not_configured);
	suite_add_tcase(s, tc);
	return s;
}
