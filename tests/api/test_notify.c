/*
 * Notifications, each driver against its stand-in in tests/fakes: what
 * the provider receives (URL, credentials, fields, MIME structure, Hindi
 * text intact), what soukd concludes from every kind of answer (sent,
 * retry with the provider's Retry-After, permanent), timeouts, the FCM
 * access token's life, and the file outbox a new user reads.  The tests
 * call notify_init and notify_send directly, as the notifications job
 * will; every fake they start is stopped, and recorded for run.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "harness.h"
#include "notify.h"
#include "suites.h"

/* "Your OTP is 482913. Do not share it with anyone." */
#define HINDI_OTP	"आपका ओटीपी 482913 है। इसे किसी से साझा न करें।"
#define HINDI_SUBJECT	"आपका ऑर्डर भेज दिया गया है"
#define HINDI_NAME	"प्रिया शर्मा"
#define PHONE		"+919812345210"
#define PHONE_MASKED	"+9198xxxxx210"
#define TWILIO_SID	"ACtest0123456789abcdef0123456789ab"
#define TWILIO_TOKEN	"twilio-secret-token-7f3a"
#define SMTP_PASSWORD	"smtp-secret-pw-91c2"
#define SENDGRID_KEY	"SG.secret-key-5d1e"
#define DEVICE		"fcm-device-token-0123456789abcdefghijklmnop"

/* --- the fakes -------------------------------------------------------- */

struct fake {
	struct test_fakes	 t;
	char			*http;		/* t.http */
	char			*smtp;		/* t.smtp */
	char			*dir;		/* t.dir */
	char			*token_url;
};

static const char *
root(void)
{
	const char	*r = getenv("SOUK_ROOT");

	return r != NULL ? r : ".";
}

static struct fake *
fake_start(void)
{
	struct fake	*f = xcalloc(1, sizeof *f);

	test_fakes_start(&f->t, "fakes", NULL);
	f->http = f->t.http;
	f->smtp = f->t.smtp;
	f->dir = f->t.dir;
	f->token_url = xasprintf("%s/token", f->http);
	return f;
}

static void
fake_stop(struct fake *f)
{
	test_fakes_stop(&f->t);
}

/* Cuts the next line off *p (NUL-terminating it); NULL at the end. */
static char *
next_line(char **p)
{
	char	*line = *p, *nl;

	if (line == NULL || *line == '\0')
		return NULL;
	if ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else
		*p = line + strlen(line);
	return line;
}

/* POSTs to a control endpoint of the fakes. */
static void
fake_control(struct fake *f, const char *path, const char *json)
{
	struct api_resp	*r;

	r = api_request(f->http, "POST", path, "application/json", json,
	    strlen(json), NULL);
	ck_assert_msg(r->status == 204, "%s %s: %ld %s", path, json,
	    r->status, r->body);
	api_free(r);
}

static void
fake_rule(struct fake *f, const char *json)
{
	fake_control(f, "/_fake/rule", json);
}

/* What the fakes recorded for service, oldest first. */
static json_t *
fake_requests(struct fake *f, const char *service)
{
	char		*path = xasprintf("%s/requests.jsonl", f->dir);
	char		*text = test_read_file(path), *line, *p = text;
	json_t		*all = json_array(), *e;
	json_error_t	 err;

	while ((line = next_line(&p)) != NULL) {
		e = json_loads(line, 0, &err);
		ck_assert_msg(e != NULL, "bad record: %s", line);
		if (strcmp(json_string_value(json_object_get(e, "service")),
		    service) == 0)
			json_array_append(all, e);
		json_decref(e);
	}
	free(text);
	free(path);
	return all;
}

static const char *
rec_str(const json_t *rec, const char *group, const char *key)
{
	return json_string_value(json_object_get(json_object_get(rec, group),
	    key));
}

/* --- configuration and sending ----------------------------------------- */

/* notify_init on the defaults plus key/value pairs (NULL-ended). */
static void
setup(const char *const *kv)
{
	struct config	 c;
	char		*cause = NULL;

	config_defaults(&c);
	for (; kv != NULL && *kv != NULL; kv += 2)
		ck_assert_msg(config_set(&c, kv[0], kv[1], &cause), "%s",
		    cause);
	ck_assert_msg(notify_init(&c, &cause), "notify_init: %s", cause);
	config_free(&c);
}

/* notify_init must refuse; returns its cause (caller frees). */
static char *
setup_fails(const char *const *kv)
{
	struct config	 c;
	char		*cause = NULL;

	config_defaults(&c);
	for (; kv != NULL && *kv != NULL; kv += 2)
		ck_assert_msg(config_set(&c, kv[0], kv[1], &cause), "%s",
		    cause);
	ck_assert_msg(!notify_init(&c, &cause), "notify_init accepted it");
	ck_assert_ptr_nonnull(cause);
	config_free(&c);
	return cause;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
expect(const struct notify_result *r, enum notify_outcome outcome)
{
	static const char *const names[] = { "SENT", "RETRY", "PERMANENT" };

	ck_assert_msg(r->outcome == outcome, "outcome %s, expected %s: %s",
	    names[r->outcome], names[outcome], r->detail != NULL ? r->detail :
	    "(no detail)");
}

static struct notify_message
sms(const char *text)
{
	struct notify_message	m = { .channel = NOTIFY_SMS, .to = PHONE,
				    .text = text,
				    .idempotency_key = "notification-1" };

	return m;
}

/* A TCP port on loopback where nothing listens. */
static int
closed_port(void)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof sin;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static char *
b64_decode(const char *s, size_t len)
{
	char	*out = xmalloc(len + 1);
	size_t	 n = 0;

	ck_assert_msg(sodium_base642bin((unsigned char *)out, len + 1, s, len,
	    "\r\n", &n, NULL, sodium_base64_VARIANT_ORIGINAL) == 0,
	    "not base64: %.*s", (int)len, s);
	out[n] = '\0';
	return out;
}

/* --- the file driver ---------------------------------------------------- */

static json_t *
outbox_lines(const char *dir, const char *channel, size_t want)
{
	char		*path = xasprintf("%s/%s.jsonl", dir, channel);
	char		*text = test_read_file(path), *line, *p;
	json_t		*lines = json_array(), *o;
	json_error_t	 err;
	size_t		 newlines = 0;

	for (p = text; *p != '\0'; p++)
		newlines += *p == '\n';
	p = text;
	while ((line = next_line(&p)) != NULL) {
		o = json_loads(line, 0, &err);
		ck_assert_msg(o != NULL, "%s: not a JSON line: %s (%s)", path,
		    line, err.text);
		json_array_append_new(lines, o);
	}
	ck_assert_uint_eq(json_array_size(lines), want);
	ck_assert_uint_eq(newlines, want);
	free(text);
	free(path);
	return lines;
}

START_TEST(test_file_outbox_by_default)
{
	char			*dir = test_tmpdir("outbox"), *outbox;
	const char		*kv[] = { "outbox_dir", NULL, NULL };
	struct notify_result	 r;
	struct notify_message	 m = sms(HINDI_OTP);
	json_t			*vars, *data, *lines, *l;
	struct stat		 st;
	struct config		 c;
	char			*path;

	/* No configuration: every channel goes to the outbox. */
	config_defaults(&c);
	ck_assert_str_eq(c.sms_driver, "file");
	ck_assert_str_eq(c.whatsapp_driver, "file");
	ck_assert_str_eq(c.email_driver, "file");
	ck_assert_str_eq(c.push_driver, "file");
	ck_assert_str_eq(c.outbox_dir, "var/outbox");
	config_free(&c);

	outbox = xasprintf("%s/var/outbox", dir);	/* made on demand */
	kv[1] = outbox;
	setup(kv);
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	ck_assert_int_eq(r.retry_after_ms, 0);
	notify_result_free(&r);

	vars = json_pack("{s:s,s:s}", "1", "प्रिया", "2", "482913");
	m = (struct notify_message){ .channel = NOTIFY_WHATSAPP, .to = PHONE,
	    .whatsapp_template = "HXb5b62575e6e4ff6129ad7c8efe1f983e",
	    .whatsapp_variables = vars, .idempotency_key = "n-2" };
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);

	m = (struct notify_message){ .channel = NOTIFY_EMAIL,
	    .to = "priya@example.com", .to_name = HINDI_NAME,
	    .subject = HINDI_SUBJECT, .text = HINDI_OTP,
	    .html = "<p>" HINDI_OTP "</p>",
	    .unsubscribe_url = "https://souk.example/u/abc",
	    .idempotency_key = "n-3" };
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);

	data = json_pack("{s:s,s:i}", "order", "SO-1042", "items", 3);
	m = (struct notify_message){ .channel = NOTIFY_PUSH, .to = DEVICE,
	    .subject = "Shipped", .text = HINDI_SUBJECT, .push_data = data };
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);

	/* One line each, holding what a person needs to read. */
	lines = outbox_lines(outbox, "sms", 1);
	l = json_array_get(lines, 0);
	ck_assert_str_eq(json_string_value(json_object_get(l, "channel")),
	    "sms");
	ck_assert_str_eq(json_string_value(json_object_get(l, "to")), PHONE);
	ck_assert_str_eq(json_string_value(json_object_get(l, "text")),
	    HINDI_OTP);
	ck_assert_str_eq(json_string_value(json_object_get(l,
	    "idempotency_key")), "notification-1");
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(l,
	    "time"))), strlen("2026-11-21T11:01:33.123Z"));
	json_decref(lines);

	lines = outbox_lines(outbox, "whatsapp", 1);
	l = json_array_get(lines, 0);
	ck_assert_str_eq(json_string_value(json_object_get(l, "template")),
	    "HXb5b62575e6e4ff6129ad7c8efe1f983e");
	ck_assert(json_equal(json_object_get(l, "variables"), vars));
	json_decref(lines);

	lines = outbox_lines(outbox, "email", 1);
	l = json_array_get(lines, 0);
	ck_assert_str_eq(json_string_value(json_object_get(l, "subject")),
	    HINDI_SUBJECT);
	ck_assert_str_eq(json_string_value(json_object_get(l, "to_name")),
	    HINDI_NAME);
	ck_assert_str_eq(json_string_value(json_object_get(l, "html")),
	    "<p>" HINDI_OTP "</p>");
	ck_assert_str_eq(json_string_value(json_object_get(l,
	    "unsubscribe_url")), "https://souk.example/u/abc");
	json_decref(lines);

	lines = outbox_lines(outbox, "push", 1);
	ck_assert(json_equal(json_object_get(json_array_get(lines, 0), "data"),
	    data));
	json_decref(lines);

	/* OTPs are in there: only soukd's user may read them. */
	path = xasprintf("%s/sms.jsonl", outbox);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(outbox, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	free(path);
	notify_shutdown();
}
END_TEST

#define FILE_THREADS	4
#define FILE_EACH	200

struct file_worker {
	int	proc;
	int	thread;
};

static void *
file_worker_run(void *arg)
{
	struct file_worker	*w = arg;
	struct notify_result	 r;
	struct notify_message	 m;
	char			*text;
	int			 i;

	for (i = 0; i < FILE_EACH; i++) {
		/* Long enough that a torn write would show. */
		text = xasprintf("p%d t%d m%d %s %s %s", w->proc, w->thread, i,
		    HINDI_OTP, HINDI_OTP, HINDI_OTP);
		m = sms(text);
		notify_send(&m, &r);
		if (r.outcome != NOTIFY_SENT)
			abort();
		notify_result_free(&r);
		free(text);
	}
	return NULL;
}

static void
file_workers(int proc)
{
	pthread_t		t[FILE_THREADS];
	struct file_worker	w[FILE_THREADS];
	int			i;

	for (i = 0; i < FILE_THREADS; i++) {
		w[i].proc = proc;
		w[i].thread = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, file_worker_run,
		    &w[i]), 0);
	}
	for (i = 0; i < FILE_THREADS; i++)
		pthread_join(t[i], NULL);
}

START_TEST(test_file_lines_never_interleave)
{
	char		*dir = test_tmpdir("outbox");
	const char	*kv[] = { "outbox_dir", dir, NULL };
	bool		 seen[2][FILE_THREADS][FILE_EACH] = { { { false } } };
	json_t		*lines, *l;
	size_t		 i;
	pid_t		 pid;
	int		 st, p, t, n;
	char		 rest[8];

	setup(kv);
	/* 8 writers: 4 threads in each of two processes, 200 lines each. */
	if ((pid = fork()) == 0) {
		file_workers(1);
		_exit(0);
	}
	file_workers(0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	lines = outbox_lines(dir, "sms", 2 * FILE_THREADS * FILE_EACH);
	json_array_foreach(lines, i, l) {
		const char	*text = json_string_value(json_object_get(l,
				    "text"));

		ck_assert_int_eq(sscanf(text, "p%d t%d m%d %7s", &p, &t, &n,
		    rest), 4);
		ck_assert(p >= 0 && p < 2 && t >= 0 && t < FILE_THREADS &&
		    n >= 0 && n < FILE_EACH);
		ck_assert_msg(!seen[p][t][n], "line %zu twice", i);
		seen[p][t][n] = true;
		ck_assert_ptr_nonnull(strstr(text, HINDI_OTP " " HINDI_OTP));
	}
	json_decref(lines);
	notify_shutdown();
}
END_TEST

/* Refused before any driver: nothing reaches the outbox. */
START_TEST(test_hostile_messages_refused)
{
	char			*dir = test_tmpdir("outbox"), *path;
	const char		*kv[] = { "outbox_dir", dir, NULL };
	struct notify_result	 r;
	struct notify_message	 m;
	static const char	 bad_utf8[] = "OTP \xc3\x28 482913";
	const char		*bad_phones[] = { "", "9812345210", "+0123456789",
				    "+91 98123 45210", "+91981234521099999",
				    "+91981234521\n0", NULL };
	size_t			 i;

	setup(kv);
	for (i = 0; bad_phones[i] != NULL; i++) {
		m = sms("hello");
		m.to = bad_phones[i];
		notify_send(&m, &r);
		expect(&r, NOTIFY_PERMANENT);
		notify_result_free(&r);
	}
	m = sms(bad_utf8);
	notify_send(&m, &r);
	expect(&r, NOTIFY_PERMANENT);
	ck_assert_ptr_nonnull(strstr(r.detail, "UTF-8"));
	notify_result_free(&r);
	m = sms(NULL);
	notify_send(&m, &r);
	expect(&r, NOTIFY_PERMANENT);
	notify_result_free(&r);
	m = sms("hi");
	m.to = NULL;
	notify_send(&m, &r);
	expect(&r, NOTIFY_PERMANENT);
	notify_result_free(&r);
	notify_send(NULL, &r);
	expect(&r, NOTIFY_PERMANENT);
	notify_result_free(&r);
	m = (struct notify_message){ .channel = NOTIFY_EMAIL, .to = "a@b.c" };
	notify_send(&m, &r);
	expect(&r, NOTIFY_PERMANENT);
	notify_result_free(&r);
	m = (struct notify_message){ .channel = (enum notify_channel)42,
	    .to = "x", .text = "y" };
	notify_send(&m, &r);
	expect(&r, NOTIFY_PERMANENT);
	notify_result_free(&r);

	path = xasprintf("%s/sms.jsonl", dir);
	ck_assert_int_ne(access(path, F_OK), 0);
	free(path);
	notify_shutdown();
}
END_TEST

START_TEST(test_init_refuses_unusable_drivers)
{
	char		*cause, *dir = test_tmpdir("notdir");
	char		*not_dir = xasprintf("%s/plain", dir);
	const char	*no_sid[] = { "sms_driver", "twilio", NULL };
	const char	*no_from[] = { "whatsapp_driver", "twilio",
			    "twilio_account_sid", TWILIO_SID,
			    "twilio_auth_token", "t", NULL };
	const char	*bad_smtp[] = { "email_driver", "smtp",
			    "smtp_url", "http://mail.example", NULL };
	const char	*bad_from[] = { "email_driver", "sendgrid",
			    "sendgrid_api_key", "k", "email_from",
			    "souk <not an address>", NULL };
	const char	*no_key[] = { "push_driver", "fcm",
			    "fcm_project_id", "souk-test",
			    "fcm_service_account", "/nonexistent/key.json",
			    NULL };
	const char	*outbox[] = { "outbox_dir", not_dir, NULL };
	FILE		*f;

	cause = setup_fails(no_sid);
	ck_assert_ptr_nonnull(strstr(cause, "twilio_account_sid"));
	free(cause);
	cause = setup_fails(no_from);
	ck_assert_ptr_nonnull(strstr(cause, "twilio_whatsapp_from"));
	free(cause);
	cause = setup_fails(bad_smtp);
	ck_assert_ptr_nonnull(strstr(cause, "smtp_url"));
	free(cause);
	cause = setup_fails(bad_from);
	ck_assert_ptr_nonnull(strstr(cause, "email_from"));
	free(cause);
	cause = setup_fails(no_key);
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/key.json"));
	free(cause);
	f = fopen(not_dir, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	cause = setup_fails(outbox);
	ck_assert_ptr_nonnull(strstr(cause, not_dir));
	free(cause);
	free(not_dir);
}
END_TEST

/* --- Twilio ------------------------------------------------------------- */

static void
setup_twilio(struct fake *f, const char *timeout)
{
	const char	*kv[] = { "sms_driver", "twilio", "whatsapp_driver",
			    "twilio", "twilio_base_url", f->http,
			    "twilio_account_sid", TWILIO_SID,
			    "twilio_auth_token", TWILIO_TOKEN,
			    "twilio_sms_from", "+15005550006",
			    "twilio_whatsapp_from", "+14155238886",
			    "provider_timeout", timeout, NULL };

	setup(kv);
}

START_TEST(test_twilio_sms)
{
	struct fake		*f = fake_start();
	struct notify_result	 r;
	struct notify_message	 m = sms(HINDI_OTP);
	json_t			*reqs, *q;
	char			*auth, *want;
	unsigned char		 cred[] = TWILIO_SID ":" TWILIO_TOKEN;
	char			 b64[128];

	setup_twilio(f, "10s");
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	ck_assert_int_eq(r.http_status, 201);
	ck_assert_ptr_nonnull(r.provider_id);
	ck_assert_int_eq(strncmp(r.provider_id, "SM", 2), 0);
	ck_assert_uint_eq(strlen(r.provider_id), 34);
	notify_result_free(&r);

	reqs = fake_requests(f, "twilio");
	ck_assert_uint_eq(json_array_size(reqs), 1);
	q = json_array_get(reqs, 0);
	ck_assert_str_eq(json_string_value(json_object_get(q, "method")),
	    "POST");
	want = xasprintf("/2010-04-01/Accounts/%s/Messages.json", TWILIO_SID);
	ck_assert_str_eq(json_string_value(json_object_get(q, "path")), want);
	sodium_bin2base64(b64, sizeof b64, cred, sizeof cred - 1,
	    sodium_base64_VARIANT_ORIGINAL);
	auth = xasprintf("Basic %s", b64);
	ck_assert_str_eq(rec_str(q, "headers", "authorization"), auth);
	ck_assert_str_eq(rec_str(q, "headers", "content-type"),
	    "application/x-www-form-urlencoded");
	ck_assert_str_eq(rec_str(q, "form", "To"), PHONE);
	ck_assert_str_eq(rec_str(q, "form", "From"), "+15005550006");
	ck_assert_str_eq(rec_str(q, "form", "Body"), HINDI_OTP);
	ck_assert_uint_eq(json_object_size(json_object_get(q, "form")), 3);
	json_decref(reqs);
	free(auth);
	free(want);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

START_TEST(test_twilio_whatsapp)
{
	struct fake		*f = fake_start();
	struct notify_result	 r;
	struct notify_message	 m;
	json_t			*reqs, *q, *vars, *sent;

	setup_twilio(f, "10s");
	/* Business-initiated: an approved template and its variables. */
	vars = json_pack("{s:s,s:s}", "1", "प्रिया", "2", "SO-1042");
	m = (struct notify_message){ .channel = NOTIFY_WHATSAPP, .to = PHONE,
	    .text = "fallback text is not sent with a template",
	    .whatsapp_template = "HXb5b62575e6e4ff6129ad7c8efe1f983e",
	    .whatsapp_variables = vars };
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);
	/* In a session the customer opened: free text. */
	m = (struct notify_message){ .channel = NOTIFY_WHATSAPP, .to = PHONE,
	    .text = HINDI_OTP };
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);

	reqs = fake_requests(f, "twilio");
	ck_assert_uint_eq(json_array_size(reqs), 2);
	q = json_array_get(reqs, 0);
	ck_assert_str_eq(rec_str(q, "form", "To"), "whatsapp:" PHONE);
	ck_assert_str_eq(rec_str(q, "form", "From"), "whatsapp:+14155238886");
	ck_assert_str_eq(rec_str(q, "form", "ContentSid"),
	    "HXb5b62575e6e4ff6129ad7c8efe1f983e");
	sent = json_loads(rec_str(q, "form", "ContentVariables"), 0, NULL);
	ck_assert_msg(json_equal(sent, vars), "ContentVariables %s",
	    rec_str(q, "form", "ContentVariables"));
	ck_assert_ptr_null(rec_str(q, "form", "Body"));
	json_decref(sent);
	q = json_array_get(reqs, 1);
	ck_assert_str_eq(rec_str(q, "form", "Body"), HINDI_OTP);
	ck_assert_ptr_null(rec_str(q, "form", "ContentSid"));
	json_decref(reqs);
	json_decref(vars);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

/* One failure mode: the fakes answer it once, soukd classifies it. */
struct failure {
	const char		*rule;
	enum notify_outcome	 outcome;
	long			 status;
	int64_t			 retry_after_ms;	/* -1: within 25-31 s */
	const char		*detail;	/* a part of it */
};

static void
check_failures(struct fake *f, const struct failure *fs, size_t n,
    const struct notify_message *m)
{
	struct notify_result	r;
	size_t			i;

	for (i = 0; i < n; i++) {
		fake_rule(f, fs[i].rule);
		notify_send(m, &r);
		expect(&r, fs[i].outcome);
		ck_assert_msg(r.http_status == fs[i].status, "%s: status %ld",
		    fs[i].rule, r.http_status);
		if (fs[i].retry_after_ms >= 0)
			ck_assert_msg(r.retry_after_ms == fs[i].retry_after_ms,
			    "%s: retry_after_ms %lld", fs[i].rule,
			    (long long)r.retry_after_ms);
		else
			ck_assert_msg(r.retry_after_ms >= 25000 &&
			    r.retry_after_ms <= 31000, "%s: retry_after_ms %lld",
			    fs[i].rule, (long long)r.retry_after_ms);
		ck_assert_msg(r.detail != NULL && strstr(r.detail,
		    fs[i].detail) != NULL, "%s: detail '%s', expected '%s'",
		    fs[i].rule, r.detail, fs[i].detail);
		ck_assert_ptr_null(r.provider_id);
		notify_result_free(&r);
	}
	/* The rules are used up: the next one goes through. */
	notify_send(m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);
}

/* An HTTP-date 30 s from now, for Retry-After. */
static char *
http_date_in(int secs)
{
	char		 buf[64];
	time_t		 t = time(NULL) + secs;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return xstrdup(buf);
}

START_TEST(test_twilio_failures)
{
	struct fake		*f = fake_start();
	struct notify_message	 m = sms("Your OTP is 482913");
	char			*date = http_date_in(30), *dated;
	json_t			*reqs;

	dated = xasprintf("{\"service\":\"twilio\",\"status\":429,"
	    "\"retry_after\":\"%s\"}", date);
	{
		const struct failure fs[] = {
			{ "{\"service\":\"twilio\",\"status\":429,"
			  "\"retry_after\":\"7\"}", NOTIFY_RETRY, 429, 7000,
			  "20429" },
			{ dated, NOTIFY_RETRY, 429, -1, "20429" },
			{ "{\"service\":\"twilio\",\"status\":503}",
			  NOTIFY_RETRY, 503, 0, "HTTP 503" },
			{ "{\"service\":\"twilio\",\"status\":500,"
			  "\"retry_after\":\"2\"}", NOTIFY_RETRY, 500, 2000,
			  "20500" },
			{ "{\"service\":\"twilio\",\"status\":400,"
			  "\"code\":21211}", NOTIFY_PERMANENT, 400, 0,
			  "invalid 'To' phone number" },
			{ "{\"service\":\"twilio\",\"status\":400,"
			  "\"code\":21614}", NOTIFY_PERMANENT, 400, 0,
			  "not a mobile number" },
			{ "{\"service\":\"twilio\",\"status\":400,"
			  "\"code\":21610}", NOTIFY_PERMANENT, 400, 0,
			  "unsubscribed" },
			{ "{\"service\":\"twilio\",\"status\":400,"
			  "\"code\":63016}", NOTIFY_PERMANENT, 400, 0,
			  "template" },
			{ "{\"service\":\"twilio\",\"status\":400,"
			  "\"code\":63027}", NOTIFY_PERMANENT, 400, 0,
			  "template" },
			{ "{\"service\":\"twilio\",\"status\":401}",
			  NOTIFY_PERMANENT, 401, 0, "authentication" },
			/* A 4xx Twilio has no entry for: not retried. */
			{ "{\"service\":\"twilio\",\"status\":400,"
			  "\"code\":21999}", NOTIFY_PERMANENT, 400, 0,
			  "21999" },
		};

		setup_twilio(f, "10s");
		check_failures(f, fs, sizeof fs / sizeof fs[0], &m);
	}
	/* Each failure was one request: soukd never retries by itself. */
	reqs = fake_requests(f, "twilio");
	ck_assert_uint_eq(json_array_size(reqs), 12);
	json_decref(reqs);
	free(dated);
	free(date);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

START_TEST(test_twilio_timeout_and_refusal)
{
	struct fake		*f = fake_start();
	struct notify_message	 m = sms("Your OTP is 482913");
	struct notify_result	 r;
	char			*base;
	const char		*kv[] = { "sms_driver", "twilio",
				    "twilio_base_url", NULL,
				    "twilio_account_sid", TWILIO_SID,
				    "twilio_auth_token", TWILIO_TOKEN,
				    "twilio_sms_from", "+15005550006",
				    "provider_timeout", "1s", NULL };
	int64_t			 t0, took;

	setup_twilio(f, "1s");
	fake_rule(f, "{\"service\":\"twilio\",\"stall_ms\":4000}");
	t0 = now_ms();
	notify_send(&m, &r);
	took = now_ms() - t0;
	expect(&r, NOTIFY_RETRY);
	ck_assert_ptr_nonnull(strstr(r.detail, "timed out after 1000 ms"));
	ck_assert_msg(took >= 900 && took < 2500, "took %lld ms",
	    (long long)took);
	notify_result_free(&r);
	notify_shutdown();

	/* Nobody listening: retried, at once. */
	base = xasprintf("http://127.0.0.1:%d", closed_port());
	kv[3] = base;
	setup(kv);
	t0 = now_ms();
	notify_send(&m, &r);
	expect(&r, NOTIFY_RETRY);
	ck_assert_int_eq(r.http_status, 0);
	ck_assert_int_lt(now_ms() - t0, 1000);
	notify_result_free(&r);
	free(base);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

/* Logs name the channel, the masked number and the outcome; no secret. */
START_TEST(test_logs_hold_no_secrets)
{
	struct fake		*f = fake_start();
	struct notify_message	 m = sms(HINDI_OTP);
	struct notify_result	 r;
	char			*dir = test_tmpdir("log"), *path, *log;
	int			 fd, saved;

	path = xasprintf("%s/stderr", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);

	setup_twilio(f, "10s");
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);
	fake_rule(f, "{\"service\":\"twilio\",\"status\":400,\"code\":21999}");
	notify_send(&m, &r);
	expect(&r, NOTIFY_PERMANENT);
	/* Twilio's own message names the number: masked in the detail. */
	ck_assert_msg(strstr(r.detail, PHONE_MASKED) != NULL &&
	    strstr(r.detail, PHONE) == NULL, "%s", r.detail);
	notify_result_free(&r);
	fake_rule(f, "{\"service\":\"twilio\",\"status\":401}");
	notify_send(&m, &r);
	notify_result_free(&r);
	notify_shutdown();

	dup2(saved, STDERR_FILENO);
	close(saved);
	log = test_read_file(path);
	ck_assert_msg(strstr(log, "sms to " PHONE_MASKED " via twilio: sent")
	    != NULL, "%s", log);
	ck_assert_ptr_nonnull(strstr(log, "permanent"));
	ck_assert_msg(strstr(log, PHONE) == NULL, "%s", log);
	ck_assert_msg(strstr(log, "482913") == NULL, "%s", log);
	ck_assert_msg(strstr(log, TWILIO_TOKEN) == NULL, "%s", log);
	free(log);
	free(path);
	fake_stop(f);
}
END_TEST

/* --- SMTP --------------------------------------------------------------- */

static void
setup_smtp(struct fake *f, const char *starttls, const char *timeout)
{
	const char	*kv[] = { "email_driver", "smtp", "smtp_url", f->smtp,
			    "smtp_user", "soukd@souk.test",
			    "smtp_password", SMTP_PASSWORD,
			    "smtp_starttls", starttls,
			    "email_from", "souk <no-reply@souk.test>",
			    "provider_timeout", timeout, NULL };

	setup(kv);
}

/* A header of a message (folded lines joined), or NULL (caller frees). */
static char *
mime_header(const char *msg, const char *name)
{
	const char	*end = strstr(msg, "\r\n\r\n"), *p = msg, *eol;
	size_t		 n = strlen(name);
	struct buf	 b;

	ck_assert_ptr_nonnull(end);
	while (p < end) {
		eol = strstr(p, "\r\n");
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			buf_init(&b, 0);
			p += n + 1;
			while (*p == ' ')
				p++;
			for (;;) {
				ck_assert(buf_add(&b, p, (size_t)(eol - p)));
				if (eol[2] != ' ' && eol[2] != '\t')
					break;
				p = eol + 2;
				eol = strstr(p, "\r\n");
			}
			return buf_take(&b, NULL);
		}
		p = eol + 2;
	}
	return NULL;
}

/* Decodes "=?UTF-8?B?...?=" words; folding whitespace between goes. */
static char *
rfc2047_decode(const char *v)
{
	struct buf	 b;
	const char	*p = v, *q, *end;
	char		*dec;

	buf_init(&b, 0);
	while (*p != '\0') {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0 &&
		    (end = strstr(p + 10, "?=")) != NULL) {
			dec = b64_decode(p + 10, (size_t)(end - p - 10));
			ck_assert(buf_adds(&b, dec));
			free(dec);
			p = end + 2;
			for (q = p; *q == ' ' || *q == '\t'; q++)
				;
			if (strncmp(q, "=?", 2) == 0)
				p = q;
			continue;
		}
		ck_assert(buf_add(&b, p, 1));
		p++;
	}
	return buf_take(&b, NULL);
}

/* The decoded body of the part of type (caller frees), or NULL. */
static char *
mime_part(const char *msg, const char *boundary, const char *type)
{
	char		*delim = xasprintf("--%s\r\n", boundary), *ct, *out;
	const char	*p = msg, *head, *body, *end;

	while ((p = strstr(p, delim)) != NULL) {
		head = p + strlen(delim);
		body = strstr(head, "\r\n\r\n");
		ck_assert_ptr_nonnull(body);
		body += 4;
		end = strstr(body, "\r\n--");
		ck_assert_ptr_nonnull(end);
		ct = mime_header(head, "Content-Type");
		if (ct != NULL && strncmp(ct, type, strlen(type)) == 0) {
			ck_assert_ptr_nonnull(strstr(ct, "charset=UTF-8"));
			free(ct);
			ct = mime_header(head, "Content-Transfer-Encoding");
			ck_assert_str_eq(ct, "base64");
			free(ct);
			out = b64_decode(body, (size_t)(end - body));
			free(delim);
			return out;
		}
		free(ct);
		p = head;
	}
	free(delim);
	return NULL;
}

START_TEST(test_smtp_message)
{
	struct fake		*f = fake_start();
	struct notify_result	 r;
	struct notify_message	 m = { .channel = NOTIFY_EMAIL,
				    .to = "priya@example.com",
				    .to_name = HINDI_NAME,
				    .subject = HINDI_SUBJECT,
				    .text = HINDI_OTP,
				    .html = "<p><b>" HINDI_OTP "</b></p>",
				    .unsubscribe_url =
				    "https://souk.example/u/7f3a?l=hi",
				    .idempotency_key = "notif-5521" };
	json_t			*reqs, *q;
	const char		*data;
	char			*h, *v, *boundary, *part;
	size_t			 i, start;

	setup_smtp(f, "no", "10s");
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	ck_assert_str_eq(r.provider_id, "<souk.notif-5521@souk.test>");
	ck_assert_int_eq(r.http_status, 0);
	notify_result_free(&r);

	reqs = fake_requests(f, "smtp");
	ck_assert_uint_eq(json_array_size(reqs), 1);
	q = json_array_get(reqs, 0);
	ck_assert_str_eq(json_string_value(json_object_get(q, "mail_from")),
	    "no-reply@souk.test");
	ck_assert_uint_eq(json_array_size(json_object_get(q, "rcpt_to")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(q,
	    "rcpt_to"), 0)), "priya@example.com");
	ck_assert_str_eq(rec_str(q, "auth", "user"), "soukd@souk.test");
	ck_assert_str_eq(rec_str(q, "auth", "password"), SMTP_PASSWORD);
	data = json_string_value(json_object_get(q, "data"));
	ck_assert_ptr_nonnull(data);

	/* No bare LF, no line over 998 octets (RFC 5322 2.1.1). */
	for (i = 0, start = 0; data[i] != '\0'; i++) {
		if (data[i] != '\n')
			continue;
		ck_assert(i > 0 && data[i - 1] == '\r');
		ck_assert_uint_le(i - 1 - start, 998);
		start = i + 1;
	}

	h = mime_header(data, "Subject");
	ck_assert_int_eq(strncmp(h, "=?UTF-8?B?", 10), 0);
	v = rfc2047_decode(h);
	ck_assert_str_eq(v, HINDI_SUBJECT);
	free(v);
	free(h);
	h = mime_header(data, "To");
	v = rfc2047_decode(h);
	ck_assert_str_eq(v, HINDI_NAME " <priya@example.com>");
	free(v);
	free(h);
	h = mime_header(data, "From");
	ck_assert_str_eq(h, "souk <no-reply@souk.test>");
	free(h);
	h = mime_header(data, "Message-ID");
	ck_assert_str_eq(h, "<souk.notif-5521@souk.test>");
	free(h);
	h = mime_header(data, "Date");
	ck_assert_ptr_nonnull(h);
	ck_assert_int_ne(curl_getdate(h, NULL), -1);
	free(h);
	h = mime_header(data, "MIME-Version");
	ck_assert_str_eq(h, "1.0");
	free(h);
	h = mime_header(data, "List-Unsubscribe");
	ck_assert_str_eq(h, "<https://souk.example/u/7f3a?l=hi>");
	free(h);
	h = mime_header(data, "List-Unsubscribe-Post");
	ck_assert_str_eq(h, "List-Unsubscribe=One-Click");
	free(h);

	h = mime_header(data, "Content-Type");
	ck_assert_int_eq(strncmp(h, "multipart/alternative; boundary=\"", 33),
	    0);
	boundary = xstrndup(h + 33, strlen(h) - 34);
	free(h);
	/* Text first, then HTML: the last part is the preferred one. */
	part = mime_part(data, boundary, "text/plain");
	ck_assert_ptr_nonnull(part);
	ck_assert_str_eq(part, HINDI_OTP);
	free(part);
	part = mime_part(data, boundary, "text/html");
	ck_assert_ptr_nonnull(part);
	ck_assert_str_eq(part, "<p><b>" HINDI_OTP "</b></p>");
	free(part);
	ck_assert(strstr(data, "text/plain") < strstr(data, "text/html"));
	v = xasprintf("--%s--\r\n", boundary);
	ck_assert_ptr_nonnull(strstr(data, v));
	free(v);
	free(boundary);
	json_decref(reqs);

	/* The same notification again: the same Message-ID. */
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	ck_assert_str_eq(r.provider_id, "<souk.notif-5521@souk.test>");
	notify_result_free(&r);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

START_TEST(test_smtp_failures)
{
	struct fake		*f = fake_start();
	struct notify_message	 m = { .channel = NOTIFY_EMAIL,
				    .to = "ravi@example.com",
				    .subject = "Your order", .text = "Shipped." };
	static const struct failure fs[] = {
		{ "{\"service\":\"smtp\",\"stage\":\"rcpt\",\"status\":550}",
		  NOTIFY_PERMANENT, 0, 0, "550 5.1.1" },
		{ "{\"service\":\"smtp\",\"stage\":\"rcpt\",\"status\":450}",
		  NOTIFY_RETRY, 0, 0, "450 4.2.1" },
		{ "{\"service\":\"smtp\",\"stage\":\"data\",\"status\":451,"
		  "\"reply\":\"451 4.7.1 Greylisted, try again\"}",
		  NOTIFY_RETRY, 0, 0, "Greylisted" },
		{ "{\"service\":\"smtp\",\"stage\":\"data\",\"status\":554,"
		  "\"reply\":\"554 5.7.1 Message rejected as spam\"}",
		  NOTIFY_PERMANENT, 0, 0, "spam" },
		{ "{\"service\":\"smtp\",\"stage\":\"mail\",\"status\":421}",
		  NOTIFY_RETRY, 0, 0, "421" },
		{ "{\"service\":\"smtp\",\"stage\":\"auth\",\"status\":535}",
		  NOTIFY_PERMANENT, 0, 0, "smtp" },
		{ "{\"service\":\"smtp\",\"stage\":\"auth\",\"status\":454,"
		  "\"reply\":\"454 4.7.0 Temporary authentication failure\"}",
		  NOTIFY_RETRY, 0, 0, "smtp" },
		{ "{\"service\":\"smtp\",\"stage\":\"connect\",\"status\":421}",
		  NOTIFY_RETRY, 0, 0, "smtp" },
	};
	struct notify_result	 r;
	json_t			*reqs, *after;
	int64_t			 t0, took;

	setup_smtp(f, "no", "1s");
	check_failures(f, fs, sizeof fs / sizeof fs[0], &m);

	/* A server that greets and then says nothing: retried in time. */
	fake_rule(f, "{\"service\":\"smtp\",\"stage\":\"ehlo\","
	    "\"stall_ms\":4000}");
	t0 = now_ms();
	notify_send(&m, &r);
	took = now_ms() - t0;
	expect(&r, NOTIFY_RETRY);
	ck_assert_ptr_nonnull(strstr(r.detail, "timed out"));
	ck_assert_msg(took >= 900 && took < 2500, "took %lld ms",
	    (long long)took);
	notify_result_free(&r);

	/* A recipient that would add a header: refused, nothing sent. */
	reqs = fake_requests(f, "smtp");
	m.to = "ravi@example.com>\r\nBcc: <all@example.com";
	notify_send(&m, &r);
	expect(&r, NOTIFY_PERMANENT);
	notify_result_free(&r);
	m.to = "ravi@example.com";
	m.unsubscribe_url = "https://souk.example/u>\r\nBcc: all@example.com";
	notify_send(&m, &r);
	expect(&r, NOTIFY_PERMANENT);
	notify_result_free(&r);
	after = fake_requests(f, "smtp");
	ck_assert_uint_eq(json_array_size(after), json_array_size(reqs));
	json_decref(after);
	json_decref(reqs);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

/* smtp_starttls = yes and a server without STARTTLS: nothing in clear. */
START_TEST(test_smtp_requires_starttls)
{
	struct fake		*f = fake_start();
	struct notify_message	 m = { .channel = NOTIFY_EMAIL,
				    .to = "ravi@example.com",
				    .subject = "Your OTP", .text = "482913" };
	struct notify_result	 r;
	json_t			*reqs;

	setup_smtp(f, "yes", "10s");
	notify_send(&m, &r);
	expect(&r, NOTIFY_PERMANENT);
	ck_assert_ptr_nonnull(r.detail);
	notify_result_free(&r);
	reqs = fake_requests(f, "smtp");
	ck_assert_uint_eq(json_array_size(reqs), 0);	/* no MAIL FROM */
	json_decref(reqs);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

/* --- SendGrid ------------------------------------------------------------ */

static void
setup_sendgrid(struct fake *f, const char *timeout)
{
	const char	*kv[] = { "email_driver", "sendgrid",
			    "sendgrid_base_url", f->http,
			    "sendgrid_api_key", SENDGRID_KEY,
			    "email_from", "\"souk, orders\" <orders@souk.test>",
			    "provider_timeout", timeout, NULL };

	setup(kv);
}

START_TEST(test_sendgrid_message)
{
	struct fake		*f = fake_start();
	struct notify_result	 r;
	struct notify_message	 m = { .channel = NOTIFY_EMAIL,
				    .to = "priya@example.com",
				    .to_name = HINDI_NAME,
				    .subject = HINDI_SUBJECT,
				    .text = HINDI_OTP,
				    .html = "<p>" HINDI_OTP "</p>",
				    .unsubscribe_url = "https://souk.example/u/9",
				    .idempotency_key = "notif-77" };
	json_t			*reqs, *q, *j, *want;

	setup_sendgrid(f, "10s");
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	ck_assert_int_eq(r.http_status, 202);
	ck_assert_ptr_nonnull(r.provider_id);
	ck_assert_int_eq(strncmp(r.provider_id, "fake-sg-", 8), 0);
	notify_result_free(&r);

	reqs = fake_requests(f, "sendgrid");
	ck_assert_uint_eq(json_array_size(reqs), 1);
	q = json_array_get(reqs, 0);
	ck_assert_str_eq(json_string_value(json_object_get(q, "path")),
	    "/v3/mail/send");
	ck_assert_str_eq(rec_str(q, "headers", "authorization"),
	    "Bearer " SENDGRID_KEY);
	ck_assert_str_eq(rec_str(q, "headers", "content-type"),
	    "application/json");
	j = json_object_get(q, "json");
	want = json_pack("{s:[{s:[{s:s,s:s}]}],s:{s:s,s:s},s:s,"
	    "s:[{s:s,s:s},{s:s,s:s}],s:{s:s,s:s},s:{s:s}}",
	    "personalizations", "to", "email", "priya@example.com", "name",
	    HINDI_NAME,
	    "from", "email", "orders@souk.test", "name", "souk, orders",
	    "subject", HINDI_SUBJECT,
	    "content", "type", "text/plain", "value", HINDI_OTP,
	    "type", "text/html", "value", "<p>" HINDI_OTP "</p>",
	    "headers", "List-Unsubscribe", "<https://souk.example/u/9>",
	    "List-Unsubscribe-Post", "List-Unsubscribe=One-Click",
	    "custom_args", "souk_notification", "notif-77");
	ck_assert_msg(json_equal(j, want), "sent %s",
	    json_string_value(json_object_get(q, "body")));
	json_decref(want);
	json_decref(reqs);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

START_TEST(test_sendgrid_failures)
{
	struct fake		*f = fake_start();
	struct notify_message	 m = { .channel = NOTIFY_EMAIL,
				    .to = "ravi@example.com",
				    .subject = "Your order", .text = "Shipped." };
	char			*reset;
	json_t			*reqs;
	int64_t			 t0, took;
	struct notify_result	 r;

	reset = xasprintf("{\"service\":\"sendgrid\",\"status\":429,"
	    "\"headers\":{\"X-RateLimit-Reset\":\"%lld\"}}",
	    (long long)time(NULL) + 30);
	{
		const struct failure fs[] = {
			{ "{\"service\":\"sendgrid\",\"status\":400}",
			  NOTIFY_PERMANENT, 400, 0, "valid address" },
			{ "{\"service\":\"sendgrid\",\"status\":401}",
			  NOTIFY_PERMANENT, 401, 0, "authorization grant" },
			{ "{\"service\":\"sendgrid\",\"status\":403}",
			  NOTIFY_PERMANENT, 403, 0, "HTTP 403" },
			{ "{\"service\":\"sendgrid\",\"status\":413}",
			  NOTIFY_PERMANENT, 413, 0, "HTTP 413" },
			{ "{\"service\":\"sendgrid\",\"status\":429,"
			  "\"retry_after\":\"12\"}", NOTIFY_RETRY, 429, 12000,
			  "too many requests" },
			{ reset, NOTIFY_RETRY, 429, -1, "HTTP 429" },
			{ "{\"service\":\"sendgrid\",\"status\":500}",
			  NOTIFY_RETRY, 500, 0, "HTTP 500" },
			{ "{\"service\":\"sendgrid\",\"status\":502}",
			  NOTIFY_RETRY, 502, 0, "HTTP 502" },
		};

		setup_sendgrid(f, "1s");
		check_failures(f, fs, sizeof fs / sizeof fs[0], &m);
	}
	/* One request per failure: soukd never retries by itself. */
	reqs = fake_requests(f, "sendgrid");
	ck_assert_uint_eq(json_array_size(reqs), 9);
	json_decref(reqs);
	fake_rule(f, "{\"service\":\"sendgrid\",\"stall_ms\":4000}");
	t0 = now_ms();
	notify_send(&m, &r);
	took = now_ms() - t0;
	expect(&r, NOTIFY_RETRY);
	ck_assert_msg(took >= 900 && took < 2500, "took %lld ms",
	    (long long)took);
	notify_result_free(&r);
	free(reset);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

/* --- FCM ----------------------------------------------------------------- */

static void
setup_fcm(struct fake *f, const char *timeout)
{
	char		*key = xasprintf("%s/tests/fakes/fcm-test-account.json",
			    root());
	const char	*kv[] = { "push_driver", "fcm", "fcm_base_url", f->http,
			    "fcm_token_url", f->token_url,
			    "fcm_project_id", "souk-test",
			    "fcm_service_account", key,
			    "provider_timeout", timeout, NULL };

	setup(kv);
	free(key);
}

static json_t		*push_data;
static pthread_once_t	 push_once = PTHREAD_ONCE_INIT;

static void
push_data_make(void)
{
	push_data = json_pack("{s:s,s:i,s:b}", "order", "SO-1042", "items", 3,
	    "paid", 1);
}

static struct notify_message
push(void)
{
	struct notify_message	 m = { .channel = NOTIFY_PUSH, .to = DEVICE,
				    .subject = "ऑर्डर भेजा गया",
				    .text = HINDI_SUBJECT };

	pthread_once(&push_once, push_data_make);
	m.push_data = push_data;
	return m;
}

START_TEST(test_fcm_message_and_token)
{
	struct fake		*f = fake_start();
	struct notify_message	 m = push();
	struct notify_result	 r;
	json_t			*toks, *sends, *t, *q, *want, *claims;
	const char		*bearer;
	char			*aud;
	size_t			 i;

	setup_fcm(f, "10s");
	for (i = 0; i < 3; i++) {
		notify_send(&m, &r);
		expect(&r, NOTIFY_SENT);
		ck_assert_int_eq(r.http_status, 200);
		ck_assert_ptr_nonnull(r.provider_id);
		ck_assert_int_eq(strncmp(r.provider_id,
		    "projects/souk-test/messages/", 28), 0);
		notify_result_free(&r);
	}

	/* One token, fetched with a JWT the fake verified, used thrice. */
	toks = fake_requests(f, "token");
	ck_assert_uint_eq(json_array_size(toks), 1);
	t = json_array_get(toks, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(t, "status")), 200);
	ck_assert_str_eq(rec_str(t, "form", "grant_type"),
	    "urn:ietf:params:oauth:grant-type:jwt-bearer");
	ck_assert(json_is_true(json_object_get(json_object_get(t, "jwt"),
	    "verified")));
	want = json_pack("{s:s,s:s,s:s}", "alg", "RS256", "typ", "JWT", "kid",
	    "souk-test-key-1");
	ck_assert(json_equal(json_object_get(json_object_get(t, "jwt"),
	    "header"), want));
	json_decref(want);
	claims = json_object_get(json_object_get(t, "jwt"), "claims");
	ck_assert_str_eq(json_string_value(json_object_get(claims, "iss")),
	    "soukd-test@souk-test.iam.gserviceaccount.com");
	ck_assert_str_eq(json_string_value(json_object_get(claims, "scope")),
	    "https://www.googleapis.com/auth/firebase.messaging");
	aud = xasprintf("%s/token", f->http);
	ck_assert_str_eq(json_string_value(json_object_get(claims, "aud")),
	    aud);
	free(aud);
	ck_assert_int_eq(json_integer_value(json_object_get(claims, "exp")) -
	    json_integer_value(json_object_get(claims, "iat")), 3600);
	ck_assert_int_le(llabs((long long)json_integer_value(json_object_get(
	    claims, "iat")) - (long long)time(NULL)), 60);
	ck_assert_uint_eq(json_object_size(claims), 5);

	sends = fake_requests(f, "fcm");
	ck_assert_uint_eq(json_array_size(sends), 3);
	bearer = rec_str(json_array_get(sends, 0), "headers", "authorization");
	ck_assert_int_eq(strncmp(bearer, "Bearer ya29.fake-", 17), 0);
	json_array_foreach(sends, i, q) {
		ck_assert_str_eq(json_string_value(json_object_get(q, "path")),
		    "/v1/projects/souk-test/messages:send");
		ck_assert_str_eq(rec_str(q, "headers", "authorization"),
		    bearer);
	}
	want = json_pack("{s:{s:s,s:{s:s,s:s},s:{s:s,s:s,s:s}}}", "message",
	    "token", DEVICE, "notification", "title", "ऑर्डर भेजा गया",
	    "body", HINDI_SUBJECT, "data", "order", "SO-1042", "items", "3",
	    "paid", "true");
	ck_assert_msg(json_equal(json_object_get(json_array_get(sends, 0),
	    "json"), want), "sent %s", json_string_value(json_object_get(
	    json_array_get(sends, 0), "body")));
	json_decref(want);
	json_decref(toks);
	json_decref(sends);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

START_TEST(test_fcm_401_refreshes_the_token_once)
{
	struct fake		*f = fake_start();
	struct notify_message	 m = push();
	struct notify_result	 r;
	json_t			*toks, *sends;
	const char		*b0, *b1, *b2;

	setup_fcm(f, "10s");
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);
	/* FCM stops taking the token: soukd gets another and goes on. */
	fake_control(f, "/_fake/revoke", "{}");
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);

	toks = fake_requests(f, "token");
	ck_assert_uint_eq(json_array_size(toks), 2);
	sends = fake_requests(f, "fcm");
	ck_assert_uint_eq(json_array_size(sends), 3);
	b0 = rec_str(json_array_get(sends, 0), "headers", "authorization");
	b1 = rec_str(json_array_get(sends, 1), "headers", "authorization");
	b2 = rec_str(json_array_get(sends, 2), "headers", "authorization");
	ck_assert_str_eq(b0, b1);
	ck_assert_str_ne(b1, b2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    sends, 1), "status")), 401);
	json_decref(toks);
	json_decref(sends);

	/* A 401 on the fresh token too: retried later, not looped on. */
	fake_rule(f, "{\"service\":\"fcm\",\"status\":401,\"count\":2}");
	notify_send(&m, &r);
	expect(&r, NOTIFY_RETRY);
	ck_assert_int_eq(r.http_status, 401);
	notify_result_free(&r);
	toks = fake_requests(f, "token");
	ck_assert_uint_eq(json_array_size(toks), 3);
	sends = fake_requests(f, "fcm");
	ck_assert_uint_eq(json_array_size(sends), 5);
	json_decref(toks);
	json_decref(sends);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

START_TEST(test_fcm_token_renewed_before_expiry)
{
	struct fake		*f = fake_start();
	struct notify_message	 m = push();
	struct notify_result	 r;
	json_t			*toks;

	/* A 2 s token is kept for half its life, here 1 s. */
	fake_control(f, "/_fake/config", "{\"token_expires_in\":2}");
	setup_fcm(f, "10s");
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);
	toks = fake_requests(f, "token");
	ck_assert_uint_eq(json_array_size(toks), 1);
	json_decref(toks);
	usleep(1200 * 1000);
	notify_send(&m, &r);
	expect(&r, NOTIFY_SENT);
	notify_result_free(&r);
	toks = fake_requests(f, "token");
	ck_assert_uint_eq(json_array_size(toks), 2);
	json_decref(toks);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

static void *
fcm_sender(void *arg)
{
	struct notify_message	m = push();
	struct notify_result	r;
	int			i, *failures = arg;

	for (i = 0; i < 5; i++) {
		notify_send(&m, &r);
		if (r.outcome != NOTIFY_SENT)
			__atomic_add_fetch(failures, 1, __ATOMIC_SEQ_CST);
		notify_result_free(&r);
	}
	return NULL;
}

/* Eight workers start at once: one token fetch, shared by all. */
START_TEST(test_fcm_workers_share_one_token)
{
	struct fake	*f = fake_start();
	pthread_t	 t[8];
	int		 i, failures = 0;
	json_t		*toks, *sends;

	setup_fcm(f, "10s");
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, fcm_sender,
		    &failures), 0);
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(failures, 0);
	toks = fake_requests(f, "token");
	ck_assert_uint_eq(json_array_size(toks), 1);
	sends = fake_requests(f, "fcm");
	ck_assert_uint_eq(json_array_size(sends), 40);
	json_decref(toks);
	json_decref(sends);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

START_TEST(test_fcm_failures)
{
	struct fake		*f = fake_start();
	struct notify_message	 m = push();
	static const struct failure fs[] = {
		{ "{\"service\":\"fcm\",\"status\":404}", NOTIFY_PERMANENT,
		  404, 0, "UNREGISTERED" },
		{ "{\"service\":\"fcm\",\"status\":400}", NOTIFY_PERMANENT,
		  400, 0, "INVALID_ARGUMENT" },
		{ "{\"service\":\"fcm\",\"status\":403}", NOTIFY_PERMANENT,
		  403, 0, "SENDER_ID_MISMATCH" },
		{ "{\"service\":\"fcm\",\"status\":429,\"retry_after\":\"9\"}",
		  NOTIFY_RETRY, 429, 9000, "QUOTA_EXCEEDED" },
		{ "{\"service\":\"fcm\",\"status\":503,\"retry_after\":\"3\"}",
		  NOTIFY_RETRY, 503, 3000, "UNAVAILABLE" },
		{ "{\"service\":\"fcm\",\"status\":500}", NOTIFY_RETRY, 500, 0,
		  "INTERNAL" },
	};
	static const struct failure token_fs[] = {
		/* The service account refused: permanent, logged. */
		{ "{\"service\":\"token\",\"status\":400}", NOTIFY_PERMANENT,
		  400, 0, "invalid_grant" },
		{ "{\"service\":\"token\",\"status\":401,"
		  "\"code\":\"invalid_client\"}", NOTIFY_PERMANENT, 401, 0,
		  "invalid_client" },
		{ "{\"service\":\"token\",\"status\":503,\"retry_after\":\"4\"}",
		  NOTIFY_RETRY, 503, 4000, "fcm token" },
	};
	struct notify_result	 r;
	int64_t			 t0, took;

	setup_fcm(f, "1s");
	check_failures(f, fs, sizeof fs / sizeof fs[0], &m);
	/* Token problems show when a token is needed. */
	fake_control(f, "/_fake/revoke", "{}");
	notify_shutdown();
	setup_fcm(f, "1s");
	check_failures(f, token_fs, sizeof token_fs / sizeof token_fs[0], &m);

	notify_shutdown();
	setup_fcm(f, "1s");
	fake_rule(f, "{\"service\":\"token\",\"stall_ms\":4000}");
	t0 = now_ms();
	notify_send(&m, &r);
	took = now_ms() - t0;
	expect(&r, NOTIFY_RETRY);
	ck_assert_ptr_nonnull(strstr(r.detail, "timed out"));
	ck_assert_msg(took >= 900 && took < 2500, "took %lld ms",
	    (long long)took);
	notify_result_free(&r);
	notify_shutdown();
	fake_stop(f);
}
END_TEST

Suite *
notify_suite(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("notify");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_file_outbox_by_default);
	tcase_add_test(tc, test_file_lines_never_interleave);
	tcase_add_test(tc, test_hostile_messages_refused);
	tcase_add_test(tc, test_init_refuses_unusable_drivers);
	tcase_add_test(tc, test_twilio_sms);
	tcase_add_test(tc, test_twilio_whatsapp);
	tcase_add_test(tc, test_twilio_failures);
	tcase_add_test(tc, test_twilio_timeout_and_refusal);
	tcase_add_test(tc, test_logs_hold_no_secrets);
	tcase_add_test(tc, test_smtp_message);
	tcase_add_test(tc, test_smtp_failures);
	tcase_add_test(tc, test_smtp_requires_starttls);
	tcase_add_test(tc, test_sendgrid_message);
	tcase_add_test(tc, test_sendgrid_failures);
	tcase_add_test(tc, test_fcm_message_and_token);
	tcase_add_test(tc, test_fcm_401_refreshes_the_token_once);
	tcase_add_test(tc, test_fcm_token_renewed_before_expiry);
	tcase_add_test(tc, test_fcm_workers_share_one_token);
	tcase_add_test(tc, test_fcm_failures);
	suite_add_tcase(s, tc);
	return s;
}
