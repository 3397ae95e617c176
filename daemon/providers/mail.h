/*
 * mail: email as RFC 5322 text, for the SMTP driver, and the address
 * handling the email drivers share.  Header text that is not plain ASCII
 * is encoded per RFC 2047; the body is text, HTML, or both as
 * multipart/alternative, each part UTF-8 in base64 (safe through any
 * relay, whatever its line length or 8BITMIME support); a one-click
 * unsubscribe URL gives the RFC 8058 headers.  Nothing a recipient
 * controls can add a header: addresses and URLs with line breaks or
 * angle brackets are refused.
 */
#ifndef SOUKD_MAIL_H
#define SOUKD_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct mail {
	const char	*from_name;	/* may be NULL */
	const char	*from_addr;
	const char	*to_name;	/* may be NULL */
	const char	*to_addr;
	const char	*subject;	/* may be NULL */
	const char	*text;		/* one of text and html, or both */
	const char	*html;
	const char	*unsubscribe_url; /* may be NULL */
	const char	*message_id;	/* "<...@...>" (mail_message_id) */
	const char	*boundary;	/* for multipart: random, [0-9a-z-] */
	time_t		 date;
};

/*
 * The whole message, CRLF line ends, ready for SMTP DATA (caller frees;
 * *len gets its length).  NULL with *cause (caller frees) if an address
 * or the unsubscribe URL is not acceptable, or there is no body.
 */
char	*mail_build(const struct mail *, size_t *len, char **cause);

/*
 * Splits "Name <addr@host>", "\"Last, First\" <addr@host>" or a bare
 * "addr@host" into a display name (NULL if none) and an address (caller
 * frees both).  False if there is no acceptable address.
 */
bool	mail_parse_address(const char *spec, char **name, char **addr)
	    __attribute__((warn_unused_result));
/*
 * True if addr is one address, local@domain, with nothing that could
 * break out of a header or an SMTP command (blanks, controls, <>, ...).
 */
bool	mail_address_valid(const char *addr);
/*
 * text as a header value (caller frees): unchanged when it is short
 * printable ASCII; otherwise RFC 2047 encoded words
 * (=?UTF-8?B?...?=) of at most 75 characters, folded with CRLF and a
 * space, never splitting a UTF-8 sequence.
 */
char	*mail_encode_header(const char *text);
/*
 * A Message-ID, "<souk.KEY@DOMAIN>" (caller frees): KEY from key, so
 * that every attempt at one notification carries the same id, or random
 * when key is NULL; DOMAIN from from_addr.
 */
char	*mail_message_id(const char *key, const char *from_addr);
/* A random multipart boundary (caller frees). */
char	*mail_boundary(void);

#endif
