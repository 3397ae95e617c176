#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "log.h"
#include "session.h"
#include "xmalloc.h"

struct fetch {
	struct client_opts	 opts;
	char			*url;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct request		*todo, *todo_tail;	/* waiting for a worker */
	struct request		*done, *done_tail;	/* back from a worker */
	pthread_t		*threads;
	int			 nthreads;
	volatile int		 stop;
	int			 pipe[2];
	unsigned		 next_id;
	size_t			 pending;
	struct client		*inline_client;
	struct session		*session;	/* may be NULL */
};

static void
fetch_append(struct request **head, struct request **tail, struct request *r)
{
	r->next = NULL;
	if (*tail != NULL)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

static struct request *
fetch_pop(struct request **head, struct request **tail)
{
	struct request	*r = *head;

	if (r != NULL) {
		*head = r->next;
		if (*head == NULL)
			*tail = NULL;
		r->next = NULL;
	}
	return r;
}

void
request_free(struct request *r)
{
	if (r == NULL)
		return;
	response_free(&r->resp);
	free(r->method);
	free(r->path);
	/* Bodies may hold passwords (sign-in, password changes). */
	if (r->body != NULL)
		explicit_bzero(r->body, strlen(r->body));
	free(r->body);
	free(r);
}

static void *
fetch_worker(void *arg)
{
	struct fetch	*f = arg;
	struct client	*c = client_new(&f->opts);
	struct request	*r;
	ssize_t		 n;

	for (;;) {
		pthread_mutex_lock(&f->lock);
		while (f->todo == NULL && !f->stop)
			pthread_cond_wait(&f->cond, &f->lock);
		if (f->stop) {
			pthread_mutex_unlock(&f->lock);
			break;
		}
		r = fetch_pop(&f->todo, &f->todo_tail);
		pthread_mutex_unlock(&f->lock);

		client_files(c, (r->flags & FETCH_FILE) != 0);
		client_csv(c, (r->flags & FETCH_CSV) != 0);
		session_do(f->session, c, r->method, r->path, r->body,
		    &r->resp);

		pthread_mutex_lock(&f->lock);
		fetch_append(&f->done, &f->done_tail, r);
		pthread_mutex_unlock(&f->lock);
		/* One byte per request; a full pipe already wakes the loop. */
		do
			n = write(f->pipe[1], "", 1);
		while (n < 0 && errno == EINTR);
	}
	client_free(c);
	return NULL;
}

struct fetch *
fetch_new(const struct client_opts *opts, struct session *session,
    int nthreads)
{
	struct fetch	*f = xcalloc(1, sizeof *f);
	sigset_t	 all, old;
	int		 i, fl;

	f->url = xstrdup(opts->url);
	f->opts = *opts;
	f->opts.url = f->url;
	f->opts.cancel = &f->stop;
	f->pipe[0] = f->pipe[1] = -1;
	f->next_id = 1;
	f->session = session;
	if (nthreads <= 0) {
		f->inline_client = client_new(&f->opts);
		return f;
	}
	if (pipe(f->pipe) == -1)
		fatal("fetch_new: pipe");
	for (i = 0; i < 2; i++) {
		fl = fcntl(f->pipe[i], F_GETFL);
		if (fl == -1 || fcntl(f->pipe[i], F_SETFL, fl | O_NONBLOCK) ==
		    -1 || fcntl(f->pipe[i], F_SETFD, FD_CLOEXEC) == -1)
			fatal("fetch_new: fcntl");
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	/* Signals (SIGWINCH above all) belong to the input thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	f->threads = xcalloc((size_t)nthreads, sizeof *f->threads);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&f->threads[i], NULL, fetch_worker, f) != 0)
			fatalx("fetch_new: pthread_create");
	}
	f->nthreads = nthreads;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return f;
}

void
fetch_free(struct fetch *f)
{
	struct request	*r;
	int		 i;

	if (f == NULL)
		return;
	if (f->nthreads > 0) {
		pthread_mutex_lock(&f->lock);
		f->stop = 1;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->lock);
		for (i = 0; i < f->nthreads; i++)
			pthread_join(f->threads[i], NULL);
		pthread_mutex_destroy(&f->lock);
		pthread_cond_destroy(&f->cond);
		close(f->pipe[0]);
		close(f->pipe[1]);
	}
	while ((r = fetch_pop(&f->todo, &f->todo_tail)) != NULL)
		request_free(r);
	while ((r = fetch_pop(&f->done, &f->done_tail)) != NULL)
		request_free(r);
	client_free(f->inline_client);
	free(f->threads);
	free(f->url);
	free(f);
}

unsigned
fetch_submit(struct fetch *f, unsigned owner, unsigned gen, int tag,
    const char *method, const char *path, const char *body, int flags)
{
	struct request	*r = xcalloc(1, sizeof *r);

	r->id = f->next_id++;
	if (f->next_id == 0)
		f->next_id = 1;
	r->owner = owner;
	r->gen = gen;
	r->tag = tag;
	r->method = xstrdup(method);
	r->path = xstrdup(path);
	r->body = body != NULL ? xstrdup(body) : NULL;
	r->flags = flags;
	f->pending++;
	if (f->nthreads == 0) {
		fetch_append(&f->todo, &f->todo_tail, r);
		return r->id;
	}
	pthread_mutex_lock(&f->lock);
	fetch_append(&f->todo, &f->todo_tail, r);
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return r->id;
}

int
fetch_fd(const struct fetch *f)
{
	return f->pipe[0];
}

struct request *
fetch_take(struct fetch *f)
{
	struct request	*r;
	char		 drain[64];

	if (f->nthreads == 0) {
		if ((r = fetch_pop(&f->todo, &f->todo_tail)) == NULL)
			return NULL;
		client_files(f->inline_client, (r->flags & FETCH_FILE) != 0);
		client_csv(f->inline_client, (r->flags & FETCH_CSV) != 0);
		session_do(f->session, f->inline_client, r->method, r->path,
		    r->body, &r->resp);
		f->pending--;
		return r;
	}
	pthread_mutex_lock(&f->lock);
	r = fetch_pop(&f->done, &f->done_tail);
	if (f->done == NULL) {
		/* Nothing left: empty the pipe while still holding the lock. */
		while (read(f->pipe[0], drain, sizeof drain) > 0)
			;
	}
	pthread_mutex_unlock(&f->lock);
	if (r != NULL)
		f->pending--;
	return r;
}

size_t
fetch_pending(const struct fetch *f)
{
	return f->pending;
}
