/*
 * The pure parts of the notification drivers: Retry-After, recipient
 * masking, E.164, channel names, form encoding, answer classification,
 * RFC 2047 headers, addresses, whole messages, Message-IDs and the FCM
 * service account's JWT.  The drivers themselves are tested against
 * their stand-ins in tests/api/test_notify.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "buf.h"
#include "driver.h"
#include "pfetch.h"
#include "mail.h"
#include "notify.h"
#include "oauth.h"
#include "suites.h"
#include "utf8.h"

#define HINDI	"आपका ऑर्डर भेज दिया गया है"

/* curl_getdate("Wed, 21 Oct 2015 07:28:00 GMT") */
#define OCT21	1445412480

static char *
b64_decode(const char *s, size_t len, int variant)
{
	char	*out = xmalloc(len + 1);
	size_t	 n = 0;

	ck_assert_msg(sodium_base642bin((unsigned char *)out, len + 1, s, len,
	    NULL, &n, NULL, variant) == 0, "not base64: %.*s", (int)len, s);
	out[n] = '\0';
	return out;
}

START_TEST(test_retry_after)
{
	int64_t	ms = -1;

	ck_assert(pfetch_retry_after("120", OCT21, &ms));
	ck_assert_int_eq(ms, 120000);
	ck_assert(pfetch_retry_after(" 7 \r\n", OCT21, &ms));
	ck_assert_int_eq(ms, 7000);
	ck_assert(pfetch_retry_after("0", OCT21, &ms));
	ck_assert_int_eq(ms, 0);
	ck_assert(pfetch_retry_after("99999999999999999999999", OCT21, &ms));
	ck_assert_int_eq(ms, FETCH_MAX_RETRY_AFTER_MS);
	ck_assert(pfetch_retry_after("86401", OCT21, &ms));
	ck_assert_int_eq(ms, FETCH_MAX_RETRY_AFTER_MS);

	/* HTTP-date, in its three forms, 30 s after now. */
	ck_assert(pfetch_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", OCT21,
	    &ms));
	ck_assert_int_eq(ms, 30000);
	ck_assert(pfetch_retry_after("Wednesday, 21-Oct-15 07:28:30 GMT",
	    OCT21, &ms));
	ck_assert_int_eq(ms, 30000);
	ck_assert(pfetch_retry_after("Wed Oct 21 07:28:30 2015", OCT21, &ms));
	ck_assert_int_eq(ms, 30000);
	/* Past: now.  Far: capped. */
	ck_assert(pfetch_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", OCT21,
	    &ms));
	ck_assert_int_eq(ms, 0);
	ck_assert(pfetch_retry_after("Fri, 21 Oct 2016 07:28:00 GMT", OCT21,
	    &ms));
	ck_assert_int_eq(ms, FETCH_MAX_RETRY_AFTER_MS);

	ms = 42;
	ck_assert(!pfetch_retry_after(NULL, OCT21, &ms));
	ck_assert(!pfetch_retry_after("", OCT21, &ms));
	ck_assert(!pfetch_retry_after("   ", OCT21, &ms));
	ck_assert(!pfetch_retry_after("-5", OCT21, &ms));
	ck_assert(!pfetch_retry_after("+5", OCT21, &ms));
	ck_assert(!pfetch_retry_after("1.5", OCT21, &ms));
	ck_assert(!pfetch_retry_after("5s", OCT21, &ms));
	ck_assert(!pfetch_retry_after("soon", OCT21, &ms));
	ck_assert(!pfetch_retry_after("%%%", OCT21, &ms));
	ck_assert_int_eq(ms, 42);	/* untouched on failure */
}
END_TEST

START_TEST(test_mask)
{
	static const struct {
		enum notify_channel	 ch;
		const char		*to, *want;
	} cases[] = {
		{ NOTIFY_SMS, "+919812345210", "+9198xxxxx210" },
		{ NOTIFY_WHATSAPP, "+14155238886", "+1415xxxx886" },
		{ NOTIFY_SMS, "+1555123", "+1xxxx23" },
		{ NOTIFY_SMS, "12345", "xxxxx" },
		{ NOTIFY_SMS, "", "(none)" },
		{ NOTIFY_EMAIL, "priya@example.com", "p***@example.com" },
		{ NOTIFY_EMAIL, "@example.com", "***" },
		{ NOTIFY_EMAIL, "no-at-sign", "***" },
		{ NOTIFY_PUSH, "fcm-device-token-0123456789", "fcm-devi..." },
		{ NOTIFY_PUSH, "short", "***" },
	};
	char	*m;
	size_t	 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		m = notify_mask(cases[i].ch, cases[i].to);
		ck_assert_str_eq(m, cases[i].want);
		free(m);
	}
	m = notify_mask(NOTIFY_SMS, NULL);
	ck_assert_str_eq(m, "(none)");
	free(m);
}
END_TEST

START_TEST(test_e164)
{
	ck_assert(notify_e164("+919812345210"));
	ck_assert(notify_e164("+14155238886"));
	ck_assert(notify_e164("+1234567"));		/* 7 digits */
	ck_assert(notify_e164("+123456789012345"));	/* 15 digits */
	ck_assert(!notify_e164("+123456"));
	ck_assert(!notify_e164("+1234567890123456"));
	ck_assert(!notify_e164("919812345210"));
	ck_assert(!notify_e164("+091981234521"));
	ck_assert(!notify_e164("+91 9812345210"));
	ck_assert(!notify_e164("+91981234521x"));
	ck_assert(!notify_e164("+"));
	ck_assert(!notify_e164(""));
	ck_assert(!notify_e164(NULL));
}
END_TEST

START_TEST(test_channel_names)
{
	static const char *const names[] = { "sms", "whatsapp", "email",
	    "push" };
	enum notify_channel	 ch;
	size_t			 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		ck_assert(notify_channel_parse(names[i], &ch));
		ck_assert_str_eq(notify_channel_name(ch), names[i]);
	}
	ck_assert(!notify_channel_parse("SMS", &ch));
	ck_assert(!notify_channel_parse("", &ch));
	ck_assert(!notify_channel_parse(NULL, &ch));
	ck_assert_str_eq(notify_channel_name((enum notify_channel)99),
	    "unknown");
}
END_TEST

START_TEST(test_form_encoding)
{
	struct buf	b;

	buf_init(&b, 0);
	pfetch_form_add(&b, "To", "+91 98&x=y");
	pfetch_form_add(&b, "Body", "आ~._-");
	pfetch_form_add(&b, "Empty", "");
	ck_assert_str_eq(b.data, "To=%2B91%2098%26x%3Dy&Body=%E0%A4%86~._-&"
	    "Empty=");
	buf_free(&b);
}
END_TEST

START_TEST(test_outcome)
{
	static const struct {
		long			status;
		enum notify_outcome	want;
	} cases[] = {
		{ 200, NOTIFY_SENT }, { 201, NOTIFY_SENT }, { 202, NOTIFY_SENT },
		{ 301, NOTIFY_PERMANENT }, { 400, NOTIFY_PERMANENT },
		{ 401, NOTIFY_PERMANENT }, { 403, NOTIFY_PERMANENT },
		{ 404, NOTIFY_PERMANENT }, { 413, NOTIFY_PERMANENT },
		{ 408, NOTIFY_RETRY }, { 425, NOTIFY_RETRY },
		{ 429, NOTIFY_RETRY }, { 500, NOTIFY_RETRY },
		{ 502, NOTIFY_RETRY }, { 503, NOTIFY_RETRY },
		{ 504, NOTIFY_RETRY },
	};
	struct pfetch	f = { 0 };
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		f.error = CURLE_OK;
		f.status = cases[i].status;
		ck_assert_msg(pfetch_outcome(&f) == cases[i].want, "HTTP %ld",
		    cases[i].status);
	}
	f.status = 0;
	f.error = CURLE_OPERATION_TIMEDOUT;
	ck_assert_int_eq(pfetch_outcome(&f), NOTIFY_RETRY);
	f.error = CURLE_COULDNT_CONNECT;
	ck_assert_int_eq(pfetch_outcome(&f), NOTIFY_RETRY);
	f.error = CURLE_RECV_ERROR;
	ck_assert_int_eq(pfetch_outcome(&f), NOTIFY_RETRY);
	f.error = CURLE_URL_MALFORMAT;
	ck_assert_int_eq(pfetch_outcome(&f), NOTIFY_PERMANENT);
	f.error = CURLE_UNSUPPORTED_PROTOCOL;
	ck_assert_int_eq(pfetch_outcome(&f), NOTIFY_PERMANENT);
}
END_TEST

START_TEST(test_fetch_header)
{
	struct pfetch	 f = { 0 };
	char		*v;

	buf_init(&f.head, 0);
	ck_assert(buf_adds(&f.head, "HTTP/1.1 202 Accepted\r\n"
	    "X-Message-Id:  abc123 \r\nretry-after: 5\r\nX-Empty:\r\n\r\n"));
	v = pfetch_header(&f, "X-Message-Id");
	ck_assert_str_eq(v, "abc123");
	free(v);
	v = pfetch_header(&f, "Retry-After");
	ck_assert_str_eq(v, "5");
	free(v);
	v = pfetch_header(&f, "X-Empty");
	ck_assert_str_eq(v, "");
	free(v);
	ck_assert_ptr_null(pfetch_header(&f, "X-Message"));
	ck_assert_ptr_null(pfetch_header(&f, "Missing"));
	pfetch_free(&f);
}
END_TEST

/* Decodes folded encoded words back to text. */
static char *
decode_words(const char *v)
{
	struct buf	 b;
	const char	*p = v, *end;
	char		*dec;

	buf_init(&b, 0);
	while (*p != '\0') {
		ck_assert_int_eq(strncmp(p, "=?UTF-8?B?", 10), 0);
		end = strstr(p + 10, "?=");
		ck_assert_ptr_nonnull(end);
		ck_assert_int_le(end + 2 - p, 75);
		dec = b64_decode(p + 10, (size_t)(end - p - 10),
		    sodium_base64_VARIANT_ORIGINAL);
		/* No word ends inside a UTF-8 sequence. */
		ck_assert(utf8_valid(dec, strlen(dec)));
		ck_assert(buf_adds(&b, dec));
		free(dec);
		p = end + 2;
		if (*p != '\0') {
			ck_assert_int_eq(strncmp(p, "\r\n ", 3), 0);
			p += 3;
		}
	}
	return buf_take(&b, NULL);
}

START_TEST(test_encode_header)
{
	char	*e, *d, long_ascii[1001];

	e = mail_encode_header("Your order has shipped");
	ck_assert_str_eq(e, "Your order has shipped");
	free(e);
	e = mail_encode_header("");
	ck_assert_str_eq(e, "");
	free(e);
	e = mail_encode_header(NULL);
	ck_assert_str_eq(e, "");
	free(e);

	e = mail_encode_header(HINDI);
	ck_assert_ptr_null(strpbrk(e, "\x80\xe0"));
	d = decode_words(e);
	ck_assert_str_eq(d, HINDI);
	free(d);
	free(e);

	/* A header of its own cannot be smuggled in. */
	e = mail_encode_header("Hi\r\nBcc: all@example.com");
	ck_assert_int_eq(strncmp(e, "=?UTF-8?B?", 10), 0);
	d = decode_words(e);
	ck_assert_str_eq(d, "Hi\r\nBcc: all@example.com");
	free(d);
	free(e);
	e = mail_encode_header("looks =?like?= a word");
	d = decode_words(e);
	ck_assert_str_eq(d, "looks =?like?= a word");
	free(d);
	free(e);

	/* Too long for one line: folded. */
	memset(long_ascii, 'a', sizeof long_ascii - 1);
	long_ascii[sizeof long_ascii - 1] = '\0';
	e = mail_encode_header(long_ascii);
	d = decode_words(e);
	ck_assert_str_eq(d, long_ascii);
	free(d);
	free(e);
}
END_TEST

START_TEST(test_parse_address)
{
	static const struct {
		const char	*spec, *name, *addr;
	} good[] = {
		{ "souk <no-reply@localhost>", "souk", "no-reply@localhost" },
		{ "  a@b.example  ", NULL, "a@b.example" },
		{ "<a@b.example>", NULL, "a@b.example" },
		{ "\"Last, First\" <a@b.example>", "Last, First",
		  "a@b.example" },
		{ "\"Say \\\"hi\\\"\" <a@b.example>", "Say \"hi\"",
		  "a@b.example" },
		{ "प्रिया <priya@example.com>", "प्रिया", "priya@example.com" },
	};
	static const char *const bad[] = { "", "no at sign", "a@", "@b",
	    "a@@b.example", "a b@c.example", "x <a@b.example> trailing",
	    "x <a@b.example", "a@b.example>", "<a@b.example\r\nBcc: c@d>",
	    "a@b.example\r\n", "<>" };
	char	*name, *addr;
	size_t	 i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_msg(mail_parse_address(good[i].spec, &name, &addr),
		    "%s", good[i].spec);
		if (good[i].name == NULL)
			ck_assert_ptr_null(name);
		else
			ck_assert_str_eq(name, good[i].name);
		ck_assert_str_eq(addr, good[i].addr);
		free(name);
		free(addr);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(!mail_parse_address(bad[i], &name, &addr), "%s",
		    bad[i]);
		ck_assert_ptr_null(name);
		ck_assert_ptr_null(addr);
	}
	ck_assert(!mail_parse_address(NULL, &name, &addr));
	ck_assert(mail_address_valid("a.b+tag@sub.example.com"));
	ck_assert(!mail_address_valid(NULL));
}
END_TEST

START_TEST(test_build_message)
{
	struct mail	 m = {
		.from_name = "souk", .from_addr = "no-reply@souk.test",
		.to_name = "Ravi K.", .to_addr = "ravi@example.com",
		.subject = "Shipped", .text = "Your order SO-1042 shipped.",
		.message_id = "<souk.n-1@souk.test>", .boundary = "b0",
		.date = OCT21,
	};
	char		*msg, *cause = NULL, *why;
	size_t		 len;

	/* Text alone: one part, every byte known. */
	msg = mail_build(&m, &len, &cause);
	ck_assert_ptr_nonnull(msg);
	ck_assert_str_eq(msg,
	    "Date: Wed, 21 Oct 2015 07:28:00 +0000\r\n"
	    "From: souk <no-reply@souk.test>\r\n"
	    "To: \"Ravi K.\" <ravi@example.com>\r\n"
	    "Subject: Shipped\r\n"
	    "Message-ID: <souk.n-1@souk.test>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "WW91ciBvcmRlciBTTy0xMDQyIHNoaXBwZWQu\r\n");
	ck_assert_uint_eq(len, strlen(msg));
	free(msg);

	/* Both, and one-click unsubscribe. */
	m.html = "<p>Shipped.</p>";
	m.to_name = NULL;
	m.unsubscribe_url = "https://souk.example/u/1";
	msg = mail_build(&m, &len, &cause);
	ck_assert_ptr_nonnull(msg);
	ck_assert_str_eq(msg,
	    "Date: Wed, 21 Oct 2015 07:28:00 +0000\r\n"
	    "From: souk <no-reply@souk.test>\r\n"
	    "To: ravi@example.com\r\n"
	    "Subject: Shipped\r\n"
	    "Message-ID: <souk.n-1@souk.test>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "List-Unsubscribe: <https://souk.example/u/1>\r\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
	    "Content-Type: multipart/alternative; boundary=\"b0\"\r\n"
	    "\r\n"
	    "--b0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "WW91ciBvcmRlciBTTy0xMDQyIHNoaXBwZWQu\r\n"
	    "--b0\r\n"
	    "Content-Type: text/html; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "PHA+U2hpcHBlZC48L3A+\r\n"
	    "--b0--\r\n");
	free(msg);

	/* Refusals. */
	m.unsubscribe_url = "javascript:alert(1)";
	ck_assert_ptr_null(mail_build(&m, &len, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "unsubscribe"));
	free(cause);
	m.unsubscribe_url = "https://souk.example/u>\r\nBcc: x@y.z";
	ck_assert_ptr_null(mail_build(&m, &len, &cause));
	free(cause);
	m.unsubscribe_url = NULL;
	m.to_addr = "ravi@example.com\r\nBcc: x@y.z";
	ck_assert_ptr_null(mail_build(&m, &len, &cause));
	free(cause);
	m.to_addr = "ravi@example.com";
	m.text = m.html = NULL;
	ck_assert_ptr_null(mail_build(&m, &len, &cause));
	ck_assert_str_eq(cause, "no text or HTML");
	free(cause);

	/* Lines of base64 stay at 76 characters. */
	m.text = "0123456789012345678901234567890123456789012345678901234567"
	    "890123456789";
	msg = mail_build(&m, &len, &cause);
	why = strstr(msg, "\r\n\r\n") + 4;
	ck_assert_int_eq(strchr(why, '\r') - why, 76);
	free(msg);
}
END_TEST

START_TEST(test_message_id)
{
	char	*a, *b;

	a = mail_message_id("notif-5521", "no-reply@souk.test");
	ck_assert_str_eq(a, "<souk.notif-5521@souk.test>");
	free(a);
	a = mail_message_id("a b<c>@d", "x@souk.test");
	ck_assert_str_eq(a, "<souk.a=20b=3cc=3e=40d@souk.test>");
	free(a);
	a = mail_message_id(NULL, NULL);
	b = mail_message_id("", "no-domain");
	ck_assert_uint_eq(strlen(a), strlen("<souk.@localhost>") + 32);
	ck_assert_str_ne(a, b);
	ck_assert_ptr_nonnull(strstr(b, "@localhost>"));
	free(a);
	free(b);
	a = mail_boundary();
	b = mail_boundary();
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(strncmp(a, "souk-", 5), 0);
	free(a);
	free(b);
}
END_TEST

static EVP_PKEY *
test_public_key(void)
{
	char		 path[512];
	FILE		*f;
	EVP_PKEY	*k;

	snprintf(path, sizeof path, "%s/tests/fakes/fcm-test-public.pem",
	    test_root());
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(k);
	return k;
}

static bool
rs256_valid(EVP_PKEY *k, const char *jwt)
{
	const char	*dot = strrchr(jwt, '.');
	char		*sig;
	size_t		 n = 0;
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	bool		 ok;

	sig = xmalloc(strlen(dot));
	ck_assert_int_eq(sodium_base642bin((unsigned char *)sig, strlen(dot),
	    dot + 1, strlen(dot + 1), NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestVerify(ctx, (unsigned char *)sig, n,
	    (const unsigned char *)jwt, (size_t)(dot - jwt)) == 1;
	EVP_MD_CTX_free(ctx);
	free(sig);
	return ok;
}

START_TEST(test_jwt)
{
	struct oauth_account	*a;
	char			 path[512], *cause = NULL, *jwt, *again, *part;
	const char		*dot1, *dot2;
	json_t			*j, *want;
	EVP_PKEY		*pub = test_public_key();

	snprintf(path, sizeof path, "%s/tests/fakes/fcm-test-account.json",
	    test_root());
	a = oauth_account_load(path, &cause);
	ck_assert_msg(a != NULL, "%s", cause);
	ck_assert_str_eq(oauth_account_email(a),
	    "soukd-test@souk-test.iam.gserviceaccount.com");
	jwt = oauth_jwt(a, "https://www.googleapis.com/auth/firebase.messaging",
	    "https://oauth2.googleapis.com/token", 1700000000, &cause);
	ck_assert_ptr_nonnull(jwt);
	ck_assert_ptr_null(strpbrk(jwt, "+/="));	/* base64url, bare */

	dot1 = strchr(jwt, '.');
	dot2 = strchr(dot1 + 1, '.');
	ck_assert_ptr_nonnull(dot2);
	ck_assert_ptr_null(strchr(dot2 + 1, '.'));
	part = b64_decode(jwt, (size_t)(dot1 - jwt),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	j = json_loads(part, 0, NULL);
	want = json_pack("{s:s,s:s,s:s}", "alg", "RS256", "typ", "JWT", "kid",
	    "souk-test-key-1");
	ck_assert_msg(json_equal(j, want), "header %s", part);
	json_decref(j);
	json_decref(want);
	free(part);
	part = b64_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	j = json_loads(part, 0, NULL);
	want = json_pack("{s:s,s:s,s:s,s:I,s:I}",
	    "iss", "soukd-test@souk-test.iam.gserviceaccount.com",
	    "scope", "https://www.googleapis.com/auth/firebase.messaging",
	    "aud", "https://oauth2.googleapis.com/token",
	    "iat", (json_int_t)1700000000, "exp", (json_int_t)1700003600);
	ck_assert_msg(json_equal(j, want), "claims %s", part);
	json_decref(j);
	json_decref(want);
	free(part);

	/* Signed by the key whose public half the fakes hold. */
	ck_assert(rs256_valid(pub, jwt));
	again = oauth_jwt(a, "https://www.googleapis.com/auth/firebase.messaging",
	    "https://oauth2.googleapis.com/token", 1700000001, &cause);
	ck_assert_str_ne(again, jwt);
	/* Another token's claims under this signature: refused. */
	memcpy(again + (dot2 - jwt), dot2, strlen(dot2));
	ck_assert(!rs256_valid(pub, again));
	free(again);
	free(jwt);
	oauth_account_free(a);
	oauth_account_free(NULL);
	EVP_PKEY_free(pub);
}
END_TEST

START_TEST(test_account_refused)
{
	static const char *const bad[] = { "", "not json", "[]", "{}",
	    "{\"client_email\":\"a@b\"}",
	    "{\"client_email\":\"a@b\",\"private_key\":\"garbage\"}",
	    "{\"client_email\":\"\",\"private_key\":\"x\"}",
	    "{\"client_email\":\"a@b\",\"private_key\":\"-----BEGIN PRIVATE "
	    "KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n\"}" };
	char	*cause = NULL;
	size_t	 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(oauth_account_parse(bad[i], strlen(bad[i]),
		    &cause) == NULL, "%s", bad[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		cause = NULL;
	}
	ck_assert_ptr_null(oauth_account_load("/nonexistent/key.json",
	    &cause));
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/key.json"));
	free(cause);
}
END_TEST

/* A result's detail is stored: it stays short and valid UTF-8. */
START_TEST(test_detail_stays_utf8)
{
	struct notify_result	 r = { 0 };
	struct buf		 b;
	int			 i, shift;

	buf_init(&b, 0);
	for (i = 0; i < 200; i++)
		ck_assert(buf_adds(&b, "आ"));
	/* Every alignment of a 3-byte character against the cut. */
	for (shift = 0; shift < 3; shift++) {
		notify_set(&r, NOTIFY_RETRY, 503, "%.*s%s", shift, "xyz",
		    b.data);
		ck_assert_int_eq(r.outcome, NOTIFY_RETRY);
		ck_assert_int_eq(r.http_status, 503);
		ck_assert_uint_le(strlen(r.detail), 300);
		ck_assert_uint_ge(strlen(r.detail), 297);
		ck_assert(utf8_valid(r.detail, strlen(r.detail)));
	}
	notify_set(&r, NOTIFY_PERMANENT, 400, "bad \xc3\x28 byte \xff");
	ck_assert_str_eq(r.detail, "bad ?( byte ?");
	notify_result_free(&r);
	ck_assert_ptr_null(r.detail);
	notify_result_free(NULL);
	buf_free(&b);
}
END_TEST

START_TEST(test_base64url)
{
	char	*s;

	s = oauth_base64url("\xfb\xff", 2);
	ck_assert_str_eq(s, "-_8");
	free(s);
	s = oauth_base64url("", 0);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

Suite *
notify_suite(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("notify");

	tcase_add_test(tc, test_retry_after);
	tcase_add_test(tc, test_mask);
	tcase_add_test(tc, test_e164);
	tcase_add_test(tc, test_channel_names);
	tcase_add_test(tc, test_form_encoding);
	tcase_add_test(tc, test_outcome);
	tcase_add_test(tc, test_fetch_header);
	tcase_add_test(tc, test_encode_header);
	tcase_add_test(tc, test_parse_address);
	tcase_add_test(tc, test_build_message);
	tcase_add_test(tc, test_message_id);
	tcase_add_test(tc, test_jwt);
	tcase_add_test(tc, test_account_refused);
	tcase_add_test(tc, test_detail_stays_utf8);
	tcase_add_test(tc, test_base64url);
	suite_add_tcase(s, tc);
	return s;
}
