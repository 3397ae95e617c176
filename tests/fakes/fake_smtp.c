/*
 * The SMTP sink: enough of RFC 5321 for a client like libcurl's (EHLO,
 * AUTH PLAIN and LOGIN, MAIL, RCPT, DATA with dot-unstuffing, RSET,
 * NOOP, QUIT), no STARTTLS.  Each mail transaction is recorded with its
 * envelope, the credentials given and the message as received.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "fakes.h"
#include "xmalloc.h"

#define SMTP_MAX_LINE	4096
#define SMTP_MAX_DATA	(4 * 1024 * 1024)

struct smtp_conn {
	int		 fd;
	char		 in[SMTP_MAX_LINE * 2];
	size_t		 have;
	/* The transaction. */
	char		*helo;
	json_t		*auth;
	char		*mail_from;
	json_t		*rcpt;
	bool		 recorded;
	long		 last;		/* the last reply code sent */
};

static int	smtp_listen_fd = -1;

static bool
smtp_send(struct smtp_conn *c, const char *line)
{
	char	*s = xasprintf("%s\r\n", line);
	size_t	 n = strlen(s), off = 0;
	ssize_t	 w;

	c->last = strtol(line, NULL, 10);
	while (off < n) {
		if ((w = write(c->fd, s + off, n - off)) <= 0) {
			free(s);
			return false;
		}
		off += (size_t)w;
	}
	free(s);
	return true;
}

/* Reads one line without its CRLF into out (caller frees); false at EOF. */
static bool
smtp_read_line(struct smtp_conn *c, char **out)
{
	char	*eol;
	ssize_t	 n;
	size_t	 len;

	for (;;) {
		if ((eol = memchr(c->in, '\n', c->have)) != NULL) {
			len = (size_t)(eol - c->in);
			*out = xstrndup(c->in, len > 0 && c->in[len - 1] ==
			    '\r' ? len - 1 : len);
			c->have -= len + 1;
			memmove(c->in, eol + 1, c->have);
			return true;
		}
		if (c->have == sizeof c->in)
			return false;	/* a line too long: hang up */
		n = read(c->fd, c->in + c->have, sizeof c->in - c->have);
		if (n <= 0)
			return false;
		c->have += (size_t)n;
	}
}

/* Records the transaction in progress, once. */
static void
smtp_record(struct smtp_conn *c, const char *data)
{
	if (c->recorded || c->mail_from == NULL)
		return;
	c->recorded = true;
	fake_record(json_pack("{s:s,s:s?,s:O?,s:s,s:O,s:s?,s:I}", "service",
	    "smtp", "helo", c->helo, "auth", c->auth, "mail_from",
	    c->mail_from, "rcpt_to", c->rcpt, "data", data, "status",
	    (json_int_t)c->last));
}

static void
smtp_reset(struct smtp_conn *c)
{
	free(c->mail_from);
	c->mail_from = NULL;
	json_array_clear(c->rcpt);
	c->recorded = false;
}

/*
 * Applies the first rule for stage: stalls, then sends its reply and
 * returns true, or returns false to let the command proceed as usual.
 */
static bool
smtp_rule(struct smtp_conn *c, const char *stage, bool *ok)
{
	struct fake_rule	 r;
	char			*line;
	const char		*text;

	*ok = true;
	if (!fake_rule_take("smtp", stage, &r))
		return false;
	fake_stall(r.stall_ms);
	if (r.status == 0) {
		fake_rule_clear(&r);
		return false;
	}
	if (r.reply != NULL)
		line = xstrdup(r.reply);
	else {
		if (r.status == 535)
			text = "5.7.8 Authentication credentials invalid";
		else if (r.status == 421)
			text = "4.3.2 Service not available, closing channel";
		else if (r.status >= 500)
			text = "5.1.1 <user>: Recipient address rejected: "
			    "User unknown";
		else
			text = "4.2.1 Mailbox busy, try again later";
		line = xasprintf("%ld %s", r.status, text);
	}
	*ok = smtp_send(c, line);
	free(line);
	fake_rule_clear(&r);
	return true;
}

/* Between "<" and ">" of a MAIL FROM or RCPT TO argument. */
static char *
smtp_path(const char *arg)
{
	const char	*lt = strchr(arg, '<'), *gt;

	if (lt == NULL || (gt = strchr(lt, '>')) == NULL)
		return NULL;
	return xstrndup(lt + 1, (size_t)(gt - lt - 1));
}

/* Decodes base64 text that must hold user and password (AUTH). */
static char *
smtp_b64(const char *s)
{
	return fake_base64_decode(s, strlen(s), false, NULL);
}

static bool
smtp_auth(struct smtp_conn *c, const char *arg)
{
	char		*resp = NULL, *dec, *user = NULL, *pass = NULL;
	const char	*sp = strchr(arg, ' ');
	size_t		 n = 0;
	bool		 ok = true, done;

	if (strncasecmp(arg, "PLAIN", 5) == 0) {
		if (sp != NULL)
			resp = xstrdup(sp + 1);
		else if (!smtp_send(c, "334 ") || !smtp_read_line(c, &resp))
			return false;
		dec = fake_base64_decode(resp, strlen(resp), false, &n);
		/* authzid NUL user NUL password */
		if (dec != NULL && memchr(dec, '\0', n) != NULL) {
			char	*u = (char *)memchr(dec, 0, n) + 1;

			if (u < dec + n && memchr(u, '\0',
			    (size_t)(dec + n - u)) != NULL) {
				user = xstrdup(u);
				pass = xstrdup(u + strlen(u) + 1);
			}
		}
		free(dec);
		c->auth = json_pack("{s:s,s:s?,s:s?}", "mechanism", "PLAIN",
		    "user", user, "password", pass);
	} else if (strncasecmp(arg, "LOGIN", 5) == 0) {
		if (sp != NULL)
			user = smtp_b64(sp + 1);
		else {
			if (!smtp_send(c, "334 VXNlcm5hbWU6") ||
			    !smtp_read_line(c, &resp))
				return false;
			user = smtp_b64(resp);
			free(resp);
		}
		if (!smtp_send(c, "334 UGFzc3dvcmQ6") ||
		    !smtp_read_line(c, &resp))
			return false;
		pass = smtp_b64(resp);
		c->auth = json_pack("{s:s,s:s?,s:s?}", "mechanism", "LOGIN",
		    "user", user, "password", pass);
	} else {
		return smtp_send(c, "504 5.5.4 Unrecognized authentication "
		    "type");
	}
	free(resp);
	free(user);
	free(pass);
	done = smtp_rule(c, "auth", &ok);
	if (done)
		return ok;
	return smtp_send(c, "235 2.7.0 Authentication successful");
}

static bool
smtp_data(struct smtp_conn *c)
{
	struct buf	 data;
	char		*line, *reply;
	bool		 ok = true;

	if (json_array_size(c->rcpt) == 0)
		return smtp_send(c, "503 5.5.1 Error: need RCPT command");
	if (!smtp_send(c, "354 End data with <CR><LF>.<CR><LF>"))
		return false;
	buf_init(&data, SMTP_MAX_DATA);
	for (;;) {
		if (!smtp_read_line(c, &line)) {
			buf_free(&data);
			return false;
		}
		if (strcmp(line, ".") == 0) {
			free(line);
			break;
		}
		/* Dot-unstuffing (RFC 5321 4.5.2). */
		if (!buf_adds(&data, line[0] == '.' ? line + 1 : line) ||
		    !buf_adds(&data, "\r\n")) {
			free(line);
			buf_free(&data);
			return smtp_send(c, "552 5.3.4 Message too big");
		}
		free(line);
	}
	if (!smtp_rule(c, "data", &ok)) {
		reply = xasprintf("250 2.0.0 Ok: queued as FAKE%lu",
		    fake_serial());
		ok = smtp_send(c, reply);
		free(reply);
	}
	smtp_record(c, data.data != NULL ? data.data : "");
	buf_free(&data);
	smtp_reset(c);
	return ok;
}

static bool
smtp_command(struct smtp_conn *c, const char *line)
{
	const char	*arg = strchr(line, ' ');
	char		*path;
	bool		 ok;

	arg = arg != NULL ? arg + 1 : "";
	if (strncasecmp(line, "EHLO", 4) == 0) {
		free(c->helo);
		c->helo = xstrdup(arg);
		if (smtp_rule(c, "ehlo", &ok))
			return ok;
		return smtp_send(c, "250-fake-smtp Hello") &&
		    smtp_send(c, "250-AUTH PLAIN LOGIN") &&
		    smtp_send(c, "250-8BITMIME") &&
		    smtp_send(c, "250 SIZE 10485760");
	}
	if (strncasecmp(line, "HELO", 4) == 0) {
		free(c->helo);
		c->helo = xstrdup(arg);
		return smtp_send(c, "250 fake-smtp");
	}
	if (strncasecmp(line, "AUTH ", 5) == 0)
		return smtp_auth(c, arg);
	if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
		if ((path = smtp_path(line + 10)) == NULL)
			return smtp_send(c, "501 5.1.7 Bad sender address "
			    "syntax");
		smtp_reset(c);
		c->mail_from = path;
		if (smtp_rule(c, "mail", &ok)) {
			smtp_record(c, NULL);
			return ok;
		}
		return smtp_send(c, "250 2.1.0 Ok");
	}
	if (strncasecmp(line, "RCPT TO:", 8) == 0) {
		if (c->mail_from == NULL)
			return smtp_send(c, "503 5.5.1 Error: need MAIL "
			    "command");
		if ((path = smtp_path(line + 8)) == NULL)
			return smtp_send(c, "501 5.1.3 Bad recipient address "
			    "syntax");
		json_array_append_new(c->rcpt, json_string(path));
		free(path);
		if (smtp_rule(c, "rcpt", &ok)) {
			/* Refused: it is not part of the envelope. */
			json_array_remove(c->rcpt, json_array_size(c->rcpt) - 1);
			return ok;
		}
		return smtp_send(c, "250 2.1.5 Ok");
	}
	if (strcasecmp(line, "DATA") == 0)
		return smtp_data(c);
	if (strcasecmp(line, "RSET") == 0) {
		smtp_record(c, NULL);
		smtp_reset(c);
		return smtp_send(c, "250 2.0.0 Ok");
	}
	if (strncasecmp(line, "NOOP", 4) == 0)
		return smtp_send(c, "250 2.0.0 Ok");
	if (strcasecmp(line, "STARTTLS") == 0)
		return smtp_send(c, "454 4.7.0 TLS not available");
	return smtp_send(c, "502 5.5.2 Error: command not recognized");
}

static void *
smtp_serve(void *arg)
{
	struct smtp_conn	*c = arg;
	char			*line;
	bool			 ok = true;

	c->rcpt = json_array();
	if (smtp_rule(c, "connect", &ok)) {
		/* A refusal at the greeting ends the session. */
		goto out;
	}
	if (!smtp_send(c, "220 fake-smtp ESMTP ready"))
		goto out;
	while (ok && smtp_read_line(c, &line)) {
		if (strcasecmp(line, "QUIT") == 0) {
			free(line);
			smtp_send(c, "221 2.0.0 Bye");
			break;
		}
		ok = smtp_command(c, line);
		free(line);
	}
out:
	smtp_record(c, NULL);
	close(c->fd);
	free(c->helo);
	json_decref(c->auth);
	free(c->mail_from);
	json_decref(c->rcpt);
	free(c);
	return NULL;
}

static void *
smtp_accept(void *arg)
{
	struct smtp_conn	*c;
	pthread_t		 t;
	int			 fd;

	(void)arg;
	for (;;) {
		if ((fd = accept(smtp_listen_fd, NULL, NULL)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "fakes: accept: %s\n", strerror(errno));
			return NULL;
		}
		c = xcalloc(1, sizeof *c);
		c->fd = fd;
		if (pthread_create(&t, NULL, smtp_serve, c) != 0) {
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
}

int
fake_smtp_start(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	pthread_t		t;
	int			one = 1;

	if ((smtp_listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) < 0) {
		fprintf(stderr, "fakes: socket: %s\n", strerror(errno));
		exit(1);
	}
	setsockopt(smtp_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(smtp_listen_fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(smtp_listen_fd, 64) != 0 ||
	    getsockname(smtp_listen_fd, (struct sockaddr *)&sin, &len) != 0) {
		fprintf(stderr, "fakes: SMTP listen: %s\n", strerror(errno));
		exit(1);
	}
	if (pthread_create(&t, NULL, smtp_accept, NULL) != 0) {
		fprintf(stderr, "fakes: cannot start the SMTP sink\n");
		exit(1);
	}
	pthread_detach(t);
	return ntohs(sin.sin_port);
}
