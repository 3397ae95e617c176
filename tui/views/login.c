/*
 * login: the sign-in screen.  Email and password (POST /v1/auth/login),
 * or a phone and the 6-digit code soukd sends it (POST /v1/auth/otp, then
 * /v1/auth/otp/verify); o switches between them.  Fields are edited as
 * they come (Enter goes to the next, and from the last signs in), and
 * soukd's objections show next to the field concerned.  The tokens go to
 * the session (and the credentials file); then the views open.  In batch
 * mode (souk -c login) it signs in at once and says who.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "app.h"
#include "form.h"
#include "log.h"
#include "prompt.h"
#include "session.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

enum { TAG_LOGIN = 1, TAG_SEND, TAG_VERIFY };

struct login {
	bool	 phone;		/* phone and code, not email and password */
	bool	 now;		/* sign in as soon as it loads (batch) */
	char	*message;	/* why it shows */
};

static void	login_fields(struct view *, const char *, const char *);

/* The field an error without one belongs to. */
static struct form_field *
login_blame(struct view *v)
{
	struct login		*lg = v->data;
	struct form_field	*f;

	f = form_find(v->form, lg->phone ? "code" : "password");
	if (f == NULL || (lg->phone && *form_find(v->form, "phone")->value ==
	    '\0'))
		f = form_find(v->form, lg->phone ? "phone" : "email");
	return f;
}

/* soukd refused: its reasons next to their fields, the rest by blame. */
static void
login_refused(struct view *v, struct request *r, struct form_field *blame)
{
	const char	*detail;

	v->loading = v->inflight > 0;
	if (app_batch(v->app)) {
		free(v->error);
		v->error = xstrdup(r->resp.message);
		return;
	}
	if (r->resp.status == CLIENT_PROBLEM && r->resp.json != NULL &&
	    form_problem(v->form, r->resp.json) > 0) {
		app_message(v->app, MSG_ERROR, "%s", r->resp.message);
		return;
	}
	detail = json_string_value(json_object_get(r->resp.json, "detail"));
	free(blame->error);
	blame->error = xstrdup(detail != NULL && r->resp.status ==
	    CLIENT_PROBLEM ? detail : r->resp.message);
	app_message(v->app, MSG_ERROR, "%s", r->resp.message);
}

static void
login_send(struct view *v, int tag, const char *path, json_t *body)
{
	char	*text;

	form_clear_errors(v->form);
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("login_send: json");
	json_decref(body);
	view_restart(v);
	view_request(v, tag, "POST", path, text);
	explicit_bzero(text, strlen(text));
	free(text);
}

/* The button under the cursor, or the last one: sends the form. */
static void
login_submit(struct view *v)
{
	struct login		*lg = v->data;
	struct form_field	*f = form_field(v->form, form_cursor(v->form));
	const char		*phone;

	if (!lg->phone) {
		login_send(v, TAG_LOGIN, "/v1/auth/login", json_pack(
		    "{s:s, s:s}", "email", form_find(v->form, "email")->value,
		    "password", form_find(v->form, "password")->value));
		return;
	}
	phone = form_find(v->form, "phone")->value;
	if (f != NULL && strcmp(f->name, "send") == 0)
		login_send(v, TAG_SEND, "/v1/auth/otp", json_pack("{s:s}",
		    "phone", phone));
	else
		login_send(v, TAG_VERIFY, "/v1/auth/otp/verify", json_pack(
		    "{s:s, s:s}", "phone", phone, "code",
		    form_find(v->form, "code")->value));
}

/* Enter in a field: the next one, or on to soukd from the last. */
static void
login_edited(struct view *v, struct form_field *f)
{
	struct login	*lg = v->data;
	size_t		 i;

	if (strcmp(f->name, "password") == 0 || strcmp(f->name, "code") ==
	    0) {
		login_submit(v);
		return;
	}
	if (lg->phone && strcmp(f->name, "phone") == 0) {
		for (i = 0; i < form_nfields(v->form); i++) {
			if (strcmp(form_field(v->form, i)->name, "send") == 0)
				form_seek(v->form, i);
		}
		login_submit(v);
		return;
	}
	form_move(v->form, 1);
	app_edit_field(v->app, v, form_cursor(v->form));
}

/* Starts editing the first empty field (else the first). */
static void
login_focus(struct view *v)
{
	struct form_field	*f;
	size_t			 i, first = 0;
	bool			 found = false;

	for (i = 0; i < form_nfields(v->form); i++) {
		f = form_field(v->form, i);
		if (!(f->flags & FORM_EDIT))
			continue;
		if (!found) {
			first = i;
			found = true;
		}
		if (*f->value == '\0') {
			first = i;
			break;
		}
	}
	if (found)
		app_edit_field(v->app, v, first);
}

static void
login_load(struct view *v)
{
	struct login	*lg = v->data;

	if (lg->now) {
		lg->now = false;
		login_submit(v);
		return;
	}
	/* Shown (again): the fields wait to be typed into. */
	if (!app_batch(v->app) && !prompt_active())
		login_focus(v);
	view_done(v);
}

static void
login_result(struct view *v, struct request *r)
{
	struct form_field	*f;
	json_t			*user;
	char			*cause = NULL, *who;
	size_t			 i;

	if (r->resp.status != CLIENT_OK) {
		login_refused(v, r, r->tag == TAG_SEND ?
		    form_find(v->form, "phone") : login_blame(v));
		return;
	}
	v->loading = false;
	if (r->tag == TAG_SEND) {
		app_message(v->app, MSG_INFO, "a code is on its way to %s by "
		    "%s", form_find(v->form, "phone")->value,
		    json_string_value(json_object_get(r->resp.json,
		    "channel")) != NULL ? json_string_value(json_object_get(
		    r->resp.json, "channel")) : "sms");
		for (i = 0; i < form_nfields(v->form); i++) {
			if (strcmp(form_field(v->form, i)->name, "code") == 0)
				app_edit_field(v->app, v, i);
		}
		return;
	}
	if (!session_set(app_session(v->app), r->resp.json, &cause)) {
		if (!session_signed_in(app_session(v->app))) {
			f = login_blame(v);
			free(f->error);
			f->error = cause;
			app_message(v->app, MSG_ERROR, "%s", f->error);
			return;
		}
		/* Signed in, but only for this run. */
		app_message(v->app, MSG_ERROR, "%s", cause);
		free(cause);
	}
	if (app_batch(v->app)) {
		user = json_object_get(r->resp.json, "user");
		form_clear(v->form);
		who = xasprintf("%s (%s)", json_string_value(json_object_get(
		    user, "name")) != NULL ? json_string_value(json_object_get(
		    user, "name")) : "?", json_string_value(json_object_get(
		    user, "role")) != NULL ? json_string_value(json_object_get(
		    user, "role")) : "?");
		form_add(v->form, "who", "Signed in as", who, 0);
		free(who);
		form_add(v->form, "url", "To", app_url(v->app), 0);
		json_decref(v->json);
		v->json = json_incref(user);
		view_done(v);
		return;
	}
	app_signed_in_now(v->app);	/* v is gone now */
}

void
login_say(struct view *v, const char *message)
{
	struct login	*lg = v->data;

	free(lg->message);
	lg->message = message != NULL && *message != '\0' ?
	    xstrdup(message) : NULL;
	free(v->summary);
	v->summary = xstrdup(lg->message != NULL ? lg->message :
	    "Sign in to use souk.");
	if (lg->message != NULL)
		app_message(v->app, MSG_ERROR, "%s", lg->message);
}

static void
login_fields(struct view *v, const char *who, const char *secret)
{
	struct login	*lg = v->data;

	form_clear(v->form);
	form_add(v->form, "server", "Server", app_url(v->app), 0);
	if (!lg->phone) {
		form_add(v->form, "email", "Email", who, FORM_EDIT);
		form_add(v->form, "password", "Password", secret,
		    FORM_EDIT | FORM_SECRET);
		form_add(v->form, "submit", "", "Sign in", FORM_BUTTON);
		form_add(v->form, "hint", "", "o: with a phone and a code "
		    "instead", 0);
	} else {
		form_add(v->form, "phone", "Phone", who, FORM_EDIT);
		form_add(v->form, "send", "", "Send a code", FORM_BUTTON);
		form_add(v->form, "code", "Code", secret, FORM_EDIT);
		form_add(v->form, "submit", "", "Sign in", FORM_BUTTON);
		form_add(v->form, "hint", "", "o: with an email and a password "
		    "instead", 0);
	}
	form_seek(v->form, 1);
}

void
login_key_switch(struct app *a, struct view *v, int key)
{
	struct login	*lg = v->data;

	(void)key;
	lg->phone = !lg->phone;
	login_fields(v, NULL, NULL);
	app_message(a, MSG_INFO, "sign in with %s", lg->phone ?
	    "a phone and a code" : "an email and a password");
	login_focus(v);
}

static void
login_free(struct view *v)
{
	struct login		*lg = v->data;
	struct form_field	*f;

	if (lg == NULL)
		return;
	/* The password typed does not outlive the screen. */
	if ((f = form_find(v->form, "password")) != NULL)
		explicit_bzero(f->value, strlen(f->value));
	free(lg->message);
	free(lg);
}

static const struct view_ops login_ops = {
	"login", SCOPE_LOGIN, WIDGET_FORM, NULL, NULL,
	login_load, login_result, login_submit, login_free, VIEW_MANUAL,
	login_edited,
};

struct view *
login_view(struct app *a, const char *message)
{
	struct view	*v = view_new(a, &login_ops, "sign in", NULL, 0);

	v->data = xcalloc(1, sizeof(struct login));
	login_fields(v, NULL, NULL);
	login_say(v, message);
	return v;
}

struct view *
login_batch_view(struct app *a, const char *email, const char *password)
{
	struct view	*v = view_new(a, &login_ops, "sign in", NULL, 0);
	struct login	*lg = xcalloc(1, sizeof *lg);

	v->data = lg;
	login_fields(v, email, password);
	lg->now = true;
	return v;
}

/* Reads a line from fd (no more than max bytes); NULL on end of file. */
static char *
login_read_line(int fd, size_t max)
{
	char	*line = xcalloc(max + 1, 1), c;
	size_t	 n = 0;
	ssize_t	 got;

	for (;;) {
		got = read(fd, &c, 1);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (n == 0) {
				free(line);
				return NULL;
			}
			break;
		}
		if (c == '\n' || c == '\r')
			break;
		if (n < max)
			line[n++] = c;
	}
	return line;
}

bool
login_prompt(char **email, char **password, char **cause)
{
	struct termios	 was, quiet;
	int		 fd;
	bool		 ok = false;

	*cause = NULL;
	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1) {
		*cause = xstrdup("there is no terminal to ask for the password "
		    "on: give --email and --password-stdin");
		return false;
	}
	if (*email == NULL) {
		if (write(fd, "Email: ", 7) != 7 ||
		    (*email = login_read_line(fd, 254)) == NULL) {
			*cause = xstrdup("no email given");
			goto out;
		}
	}
	if (tcgetattr(fd, &was) == -1) {
		*cause = xasprintf("cannot turn echo off: %s", strerror(errno));
		goto out;
	}
	quiet = was;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (write(fd, "Password: ", 10) != 10 ||
	    tcsetattr(fd, TCSAFLUSH, &quiet) == -1) {
		*cause = xasprintf("cannot turn echo off: %s", strerror(errno));
		goto out;
	}
	*password = login_read_line(fd, 1024);
	(void)tcsetattr(fd, TCSAFLUSH, &was);
	if (*password == NULL) {
		*cause = xstrdup("no password given");
		goto out;
	}
	ok = true;
out:
	close(fd);
	return ok;
}
