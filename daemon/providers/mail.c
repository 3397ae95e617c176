#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "log.h"
#include "mail.h"

/* Bytes of text per encoded word: 56 base64 characters, 68 in all. */
#define MAIL_WORD_BYTES		42
/* Plain ASCII header text longer than this is encoded, to be folded. */
#define MAIL_PLAIN_MAX		900
/* Bytes per base64 body line: 76 characters. */
#define MAIL_LINE_BYTES		57

static void
mail_add(struct buf *b, const char *s)
{
	if (!buf_adds(b, s))
		fatalx("mail_add");
}

static void
mail_addn(struct buf *b, const char *s, size_t n)
{
	if (!buf_add(b, s, n))
		fatalx("mail_addn");
}

static void
mail_add_base64(struct buf *b, const unsigned char *p, size_t n)
{
	char	out[sodium_base64_ENCODED_LEN(MAIL_LINE_BYTES,
		    sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(out, sizeof out, p, n,
	    sodium_base64_VARIANT_ORIGINAL);
	mail_add(b, out);
}

bool
mail_address_valid(const char *addr)
{
	const char	*at = NULL, *p;

	if (addr == NULL)
		return false;
	for (p = addr; *p != '\0'; p++) {
		unsigned char	ch = (unsigned char)*p;

		if (ch <= ' ' || ch == 0x7f || strchr("<>()[]\\,;:\"", ch))
			return false;
		if (ch == '@') {
			if (at != NULL)
				return false;
			at = p;
		}
	}
	return at != NULL && at != addr && at[1] != '\0' &&
	    at - addr <= 64 && strlen(at + 1) <= 255;
}

/* Copies [s, e) without the blanks around it. */
static char *
mail_trim(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

bool
mail_parse_address(const char *spec, char **name, char **addr)
{
	const char	*lt, *gt;
	char		*n, *a, *src, *dst;

	*name = *addr = NULL;
	if (spec == NULL)
		return false;
	if ((lt = strrchr(spec, '<')) == NULL) {
		a = mail_trim(spec, spec + strlen(spec));
		n = NULL;
	} else {
		if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
			return false;
		a = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		n = mail_trim(spec, lt);
		/* A quoted display name loses its quotes and escapes. */
		if (n[0] == '"' && strlen(n) >= 2 && n[strlen(n) - 1] == '"') {
			for (src = n + 1, dst = n; src[1] != '\0'; src++) {
				if (*src == '\\' && src[1] != '\0' &&
				    src[2] != '\0')
					src++;
				*dst++ = *src;
			}
			*dst = '\0';
		}
		if (*n == '\0') {
			free(n);
			n = NULL;
		}
	}
	if (!mail_address_valid(a)) {
		free(a);
		free(n);
		return false;
	}
	*name = n;
	*addr = a;
	return true;
}

/* True if s needs RFC 2047: not ASCII, controls, "=?", or too long. */
static bool
mail_needs_encoding(const char *s)
{
	const char	*p;

	if (strlen(s) > MAIL_PLAIN_MAX || strstr(s, "=?") != NULL)
		return true;
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
			return true;
	}
	return false;
}

static void
mail_add_encoded(struct buf *b, const char *s)
{
	size_t	n = strlen(s), take;
	bool	first = true;

	while (n > 0 || first) {
		take = n < MAIL_WORD_BYTES ? n : MAIL_WORD_BYTES;
		/* Back up to the start of a UTF-8 sequence. */
		while (take < n && take > 0 &&
		    ((unsigned char)s[take] & 0xc0) == 0x80)
			take--;
		if (take == 0)
			take = n < MAIL_WORD_BYTES ? n : MAIL_WORD_BYTES;
		if (!first)
			mail_add(b, "\r\n ");
		mail_add(b, "=?UTF-8?B?");
		mail_add_base64(b, (const unsigned char *)s, take);
		mail_add(b, "?=");
		s += take;
		n -= take;
		first = false;
	}
}

char *
mail_encode_header(const char *text)
{
	struct buf	b;

	if (text == NULL)
		return xstrdup("");
	if (!mail_needs_encoding(text))
		return xstrdup(text);
	buf_init(&b, 0);
	mail_add_encoded(&b, text);
	return buf_take(&b, NULL);
}

/* A display name as a phrase: atoms, a quoted string, or encoded words. */
static void
mail_add_phrase(struct buf *b, const char *name)
{
	const char	*p;

	if (mail_needs_encoding(name)) {
		mail_add_encoded(b, name);
		return;
	}
	if (strpbrk(name, "()<>[]:;@\\,.\"") == NULL) {
		mail_add(b, name);
		return;
	}
	mail_add(b, "\"");
	for (p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			mail_add(b, "\\");
		mail_addn(b, p, 1);
	}
	mail_add(b, "\"");
}

static void
mail_add_mailbox(struct buf *b, const char *header, const char *name,
    const char *addr)
{
	mail_add(b, header);
	if (name != NULL && *name != '\0') {
		mail_add_phrase(b, name);
		mail_add(b, " <");
		mail_add(b, addr);
		mail_add(b, ">");
	} else
		mail_add(b, addr);
	mail_add(b, "\r\n");
}

static void
mail_add_part(struct buf *b, const char *type, const char *body)
{
	const unsigned char	*p = (const unsigned char *)body;
	size_t			 n = strlen(body), take;

	mail_add(b, "Content-Type: ");
	mail_add(b, type);
	mail_add(b, "; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	while (n > 0) {
		take = n < MAIL_LINE_BYTES ? n : MAIL_LINE_BYTES;
		mail_add_base64(b, p, take);
		mail_add(b, "\r\n");
		p += take;
		n -= take;
	}
}

static void
mail_add_date(struct buf *b, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	tm;

	gmtime_r(&t, &tm);
	if (!buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec))
		fatalx("mail_add_date");
}

/* An unsubscribe URL that can sit in <...> in a header. */
static bool
mail_url_valid(const char *url)
{
	const char	*p;

	if (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "mailto:", 7) != 0)
		return false;
	for (p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    *p == '<' || *p == '>' || *p == '"')
			return false;
	}
	return strlen(url) <= MAIL_PLAIN_MAX;
}

char *
mail_build(const struct mail *m, size_t *len, char **cause)
{
	struct buf	 b;
	char		*subject;
	bool		 text, html;

	text = m->text != NULL && *m->text != '\0';
	html = m->html != NULL && *m->html != '\0';
	if (!mail_address_valid(m->to_addr)) {
		*cause = xasprintf("not an email address");
		return NULL;
	}
	if (!mail_address_valid(m->from_addr)) {
		*cause = xasprintf("email_from is not an email address");
		return NULL;
	}
	if (!text && !html) {
		*cause = xasprintf("no text or HTML");
		return NULL;
	}
	if (m->unsubscribe_url != NULL && !mail_url_valid(m->unsubscribe_url)) {
		*cause = xasprintf("the unsubscribe URL is not an http(s) or "
		    "mailto URL");
		return NULL;
	}
	buf_init(&b, 0);
	mail_add_date(&b, m->date);
	mail_add_mailbox(&b, "From: ", m->from_name, m->from_addr);
	mail_add_mailbox(&b, "To: ", m->to_name, m->to_addr);
	subject = mail_encode_header(m->subject != NULL ? m->subject : "");
	mail_add(&b, "Subject: ");
	mail_add(&b, subject);
	mail_add(&b, "\r\n");
	free(subject);
	mail_add(&b, "Message-ID: ");
	mail_add(&b, m->message_id);
	mail_add(&b, "\r\nMIME-Version: 1.0\r\n");
	if (m->unsubscribe_url != NULL) {
		mail_add(&b, "List-Unsubscribe: <");
		mail_add(&b, m->unsubscribe_url);
		mail_add(&b, ">\r\n"
		    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
	}
	if (text && html) {
		if (!buf_printf(&b, "Content-Type: multipart/alternative; "
		    "boundary=\"%s\"\r\n\r\n--%s\r\n", m->boundary,
		    m->boundary))
			fatalx("mail_build");
		mail_add_part(&b, "text/plain", m->text);
		if (!buf_printf(&b, "--%s\r\n", m->boundary))
			fatalx("mail_build");
		mail_add_part(&b, "text/html", m->html);
		if (!buf_printf(&b, "--%s--\r\n", m->boundary))
			fatalx("mail_build");
	} else
		mail_add_part(&b, text ? "text/plain" : "text/html",
		    text ? m->text : m->html);
	return buf_take(&b, len);
}

char *
mail_message_id(const char *key, const char *from_addr)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*at, *domain = "localhost", *p;
	unsigned char		 rnd[16];
	struct buf		 b;
	size_t			 i;

	if (from_addr != NULL && (at = strrchr(from_addr, '@')) != NULL &&
	    at[1] != '\0')
		domain = at + 1;
	buf_init(&b, 0);
	mail_add(&b, "<souk.");
	if (key != NULL && *key != '\0') {
		for (p = key; *p != '\0'; p++) {
			unsigned char	ch = (unsigned char)*p;
			char		enc[3] = { '=', hex[ch >> 4],
					    hex[ch & 15] };

			if ((ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')
				mail_addn(&b, p, 1);
			else
				mail_addn(&b, enc, 3);
		}
	} else {
		randombytes_buf(rnd, sizeof rnd);
		for (i = 0; i < sizeof rnd; i++) {
			char	two[2] = { hex[rnd[i] >> 4], hex[rnd[i] & 15] };

			mail_addn(&b, two, 2);
		}
	}
	mail_add(&b, "@");
	mail_add(&b, domain);
	mail_add(&b, ">");
	return buf_take(&b, NULL);
}

char *
mail_boundary(void)
{
	unsigned char	rnd[12];
	char		hex[sizeof rnd * 2 + 1];

	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	return xasprintf("souk-%s", hex);
}
