#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "image.h"
#include "imagewire.h"
#include "log.h"
#include "media.h"
#include "xmalloc.h"

#ifndef SOUK_LIBEXECDIR
#define SOUK_LIBEXECDIR "/usr/local/libexec"
#endif

/* The longest an upload waits for a decoding slot. */
#define IMAGE_SLOT_WAIT_MS	1000
/* The most souk-image may answer: three variants of the largest image. */
#define IMAGE_ANSWER_MAX	((size_t)1024 * 1024 * 1024)

extern char **environ;

static bool		 image_started;	/* image_init ran */
static char		*image_helper;	/* souk-image's path */
static pthread_mutex_t	 image_start_lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t		 image_slots;

/*
 * Where souk-image is: the configured path, else the souk-image next to
 * this program (a build tree, or an install that keeps them together),
 * else the one `make install` put in LIBEXECDIR.  Caller frees.
 */
static char *
image_helper_path(const struct config *c)
{
	char	 exe[PATH_MAX], *slash, *p;
	ssize_t	 n;

	if (c->image_helper != NULL && *c->image_helper != '\0')
		return xstrdup(c->image_helper);
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			p = xasprintf("%s/souk-image", exe);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup(SOUK_LIBEXECDIR "/souk/souk-image");
}

bool
image_init(const struct config *c, char **cause)
{
	(void)cause;
	pthread_mutex_lock(&image_start_lock);
	if (!image_started) {
		if (sem_init(&image_slots, 0,
		    (unsigned)c->image_concurrency) != 0)
			fatal("sem_init");
		image_helper = image_helper_path(c);
		if (access(image_helper, X_OK) != 0)
			log_warn("image helper %s: %s; image uploads will be "
			    "refused", image_helper, strerror(errno));
		image_started = true;
	}
	pthread_mutex_unlock(&image_start_lock);
	return true;
}

void
image_shutdown(void)
{
	pthread_mutex_lock(&image_start_lock);
	if (image_started) {
		sem_destroy(&image_slots);
		free(image_helper);
		image_helper = NULL;
		image_started = false;
	}
	pthread_mutex_unlock(&image_start_lock);
}

void
image_limits_from(const struct config *c, struct image_limits *l)
{
	l->max_pixels = c->image_max_pixels;
	l->max_side = c->image_max_side;
	l->timeout_ms = c->image_timeout_ms;
}

void
image_set_free(struct image_set *s)
{
	if (s == NULL)
		return;
	free(s->original.data);
	free(s->medium.data);
	free(s->thumb.data);
	memset(s, 0, sizeof *s);
}

/* --- the time budget ---------------------------------------------------- */

static int64_t
image_now_ms(void)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/*
 * Takes a decoding slot, waiting a second at most (and never past the
 * deadline): a thread waiting here is an HTTP thread no other request
 * can use, so a burst of uploads is told to come back (503) rather than
 * left to hold every thread.
 */
static bool
image_slot_take(int64_t until)
{
	struct timespec	real;
	int64_t		ms = until - image_now_ms();

	/* sem_timedwait wants CLOCK_REALTIME; the budget is monotonic. */
	if (ms > IMAGE_SLOT_WAIT_MS)
		ms = IMAGE_SLOT_WAIT_MS;
	if (ms < 0)
		ms = 0;
	clock_gettime(CLOCK_REALTIME, &real);
	real.tv_sec += (time_t)(ms / 1000);
	real.tv_nsec += (long)(ms % 1000) * 1000000;
	if (real.tv_nsec >= 1000000000) {
		real.tv_sec++;
		real.tv_nsec -= 1000000000;
	}
	while (sem_timedwait(&image_slots, &real) != 0) {
		if (errno != EINTR)
			return false;
	}
	return true;
}

/* --- talking to souk-image ---------------------------------------------- */

struct helper {
	pid_t		 pid;
	int		 in;		/* its standard input, or -1 */
	int		 out;		/* its standard output, or -1 */
	char		*answer;	/* what it wrote */
	size_t		 len, cap;
	bool		 killed;	/* for taking too long */
	bool		 too_much;	/* answered more than IMAGE_ANSWER_MAX */
};

/*
 * Starts souk-image on lim, its standard input and output pipes to h,
 * its standard error soukd's (its rare log lines join soukd's).  It
 * inherits no other descriptor, no blocked signal and no ignored one
 * (soukd blocks SIGTERM in every thread and ignores SIGPIPE).  False
 * with errno set if it could not be started.
 */
static bool
image_spawn(struct helper *h, const char *ctype,
    const struct image_limits *lim)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 none, dfl;
	char				 px[32], side[32], ms[32];
	char				*argv[6];
	int				 inp[2] = { -1, -1 }, outp[2] = { -1, -1 };
	int				 rc;

	if (pipe2(inp, O_CLOEXEC) != 0)
		return false;
	if (pipe2(outp, O_CLOEXEC) != 0) {
		rc = errno;
		close(inp[0]);
		close(inp[1]);
		errno = rc;
		return false;
	}
	snprintf(px, sizeof px, "%lld", (long long)lim->max_pixels);
	snprintf(side, sizeof side, "%lld", (long long)lim->max_side);
	snprintf(ms, sizeof ms, "%lld", (long long)lim->timeout_ms);
	argv[0] = (char *)(uintptr_t)"souk-image";
	argv[1] = (char *)(uintptr_t)ctype;
	argv[2] = px;
	argv[3] = side;
	argv[4] = ms;
	argv[5] = NULL;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawnattr_init(&at) != 0)
		fatalx("posix_spawn: out of memory");
	if (posix_spawn_file_actions_adddup2(&fa, inp[0], STDIN_FILENO) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO) != 0 ||
	    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1)
	    != 0 || posix_spawnattr_setsigmask(&at, &none) != 0 ||
	    posix_spawnattr_setsigdefault(&at, &dfl) != 0 ||
	    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF) != 0)
		fatalx("posix_spawn: out of memory");
	rc = posix_spawn(&h->pid, image_helper, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(inp[0]);
	close(outp[1]);
	if (rc != 0) {
		close(inp[1]);
		close(outp[0]);
		errno = rc;
		return false;
	}
	h->in = inp[1];
	h->out = outp[0];
	/* A helper that stops reading must not block this thread. */
	if (fcntl(h->in, F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(h->out, F_SETFL, O_NONBLOCK) != 0)
		fatal("fcntl");
	return true;
}

/*
 * Writes data to h and reads its answer until it closes its output or
 * the deadline passes (then it is killed).  Returns with both pipes
 * closed and the helper reaped; *status is its wait status.
 */
static void
image_talk(struct helper *h, const void *data, size_t len, int64_t until,
    int *status)
{
	struct pollfd	 p[2];
	size_t		 sent = 0;
	ssize_t		 n;
	int64_t		 left;
	int		 np;

	if (len == 0) {
		close(h->in);
		h->in = -1;
	}
	while (h->out != -1) {
		np = 0;
		p[np].fd = h->out;
		p[np++].events = POLLIN;
		if (h->in != -1) {
			p[np].fd = h->in;
			p[np++].events = POLLOUT;
		}
		if ((left = until - image_now_ms()) <= 0) {
			h->killed = true;
			break;
		}
		if (poll(p, (nfds_t)np, left > INT_MAX ? INT_MAX : (int)left)
		    < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (np == 2 && p[1].revents != 0) {
			n = write(h->in, (const char *)data + sent, len - sent);
			if (n > 0)
				sent += (size_t)n;
			/* EPIPE: it stopped reading; its answer says why. */
			if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
			    sent == len) {
				close(h->in);
				h->in = -1;
			}
		}
		if (p[0].revents == 0)
			continue;
		if (h->len == h->cap) {
			if (h->cap >= IMAGE_ANSWER_MAX) {
				h->too_much = true;
				break;
			}
			h->cap = h->cap == 0 ? 256 * 1024 : h->cap * 2;
			h->answer = xreallocarray(h->answer, h->cap, 1);
		}
		n = read(h->out, h->answer + h->len, h->cap - h->len);
		if (n > 0)
			h->len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(h->out);
			h->out = -1;
		}
	}
	if (h->in != -1)
		close(h->in);
	if (h->out != -1)
		close(h->out);
	h->in = h->out = -1;
	if (h->killed || h->too_much)
		kill(h->pid, SIGKILL);
	while (waitpid(h->pid, status, 0) < 0)
		if (errno != EINTR)
			fatal("waitpid %ld", (long)h->pid);
}

/* Reads a number or a string of the answer; false past its end. */
static bool
wire_u32(const struct helper *h, size_t *off, uint32_t *v)
{
	const unsigned char	*b = (const unsigned char *)h->answer + *off;

	if (h->len - *off < 4)
		return false;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	*off += 4;
	return true;
}

static bool
wire_bytes(const struct helper *h, size_t *off, const char **s, size_t *len)
{
	uint32_t	n;

	if (!wire_u32(h, off, &n) || h->len - *off < n)
		return false;
	*s = h->answer + *off;
	*len = n;
	*off += n;
	return true;
}

static bool
wire_variant(const struct helper *h, size_t *off, struct image_variant *v)
{
	static const char *const types[] = {
		[IMAGEWIRE_JPEG] = "image/jpeg",
		[IMAGEWIRE_PNG] = "image/png",
		[IMAGEWIRE_WEBP] = "image/webp",
	};
	uint32_t	 type, w, h2;
	const char	*s;
	size_t		 n;

	if (!wire_u32(h, off, &type) || type < IMAGEWIRE_JPEG ||
	    type > IMAGEWIRE_WEBP || !wire_u32(h, off, &w) ||
	    !wire_u32(h, off, &h2) || w > INT_MAX || h2 > INT_MAX ||
	    !wire_bytes(h, off, &s, &n) || n == 0)
		return false;
	v->data = xmalloc(n);
	memcpy(v->data, s, n);
	v->len = n;
	v->ctype = types[type];
	v->width = (int)w;
	v->height = (int)h2;
	return true;
}

/*
 * Turns the helper's answer into the result, out and *why; false if it
 * is not a whole answer in the format of imagewire.h.
 */
static bool
image_parse(const struct helper *h, struct image_set *out,
    enum image_result *res, char **why)
{
	const char	*s, *detail;
	size_t		 off = 0, n, dn;
	uint32_t	 r, level;

	if (!wire_u32(h, &off, &r))
		return false;
	if (r == IMAGE_OK) {
		if (!wire_variant(h, &off, &out->original) ||
		    !wire_variant(h, &off, &out->medium) ||
		    !wire_variant(h, &off, &out->thumb) || off != h->len)
			return false;
		*res = IMAGE_OK;
		return true;
	}
	if ((r != IMAGE_TOO_LARGE && r != IMAGE_UNDECODABLE) ||
	    !wire_u32(h, &off, &level) || !wire_bytes(h, &off, &s, &n) ||
	    n == 0 || n > IMAGEWIRE_TEXT_MAX ||
	    !wire_bytes(h, &off, &detail, &dn) || dn > IMAGEWIRE_TEXT_MAX ||
	    off != h->len)
		return false;
	*res = (enum image_result)r;
	*why = xasprintf("%.*s", (int)n, s);
	if (dn > 0) {
		if (level == LOG_WARN)
			log_warn("image: %s: %.*s", *why, (int)dn, detail);
		else
			log_info("image: %.*s", (int)dn, detail);
	}
	return true;
}

enum image_result
image_process(const void *data, size_t len, const struct image_limits *lim,
    struct image_set *out, char **why)
{
	struct helper		 h;
	enum image_result	 res = IMAGE_BUSY;
	int64_t			 until;
	int			 status;

	memset(out, 0, sizeof *out);
	memset(&h, 0, sizeof h);
	*why = NULL;
	if (!image_started)
		fatalx("image_process before image_init");
	if (data == NULL || (out->source_type = media_sniff(data, len)) ==
	    NULL || strncmp(out->source_type, "image/", 6) != 0) {
		out->source_type = NULL;
		*why = xasprintf("the file is not a JPEG, PNG or WebP image");
		return IMAGE_NOT_IMAGE;
	}
	until = image_now_ms() + lim->timeout_ms;
	if (!image_slot_take(until)) {
		*why = xasprintf("too many images are being processed; try "
		    "again shortly");
		return IMAGE_BUSY;
	}
	if (!image_spawn(&h, out->source_type, lim)) {
		log_error("image helper %s: %s", image_helper,
		    strerror(errno));
		*why = xasprintf("images cannot be processed now");
		goto out;
	}
	image_talk(&h, data, len, until, &status);
	if (h.killed) {
		*why = xasprintf("the image took longer than %lld ms to "
		    "process", (long long)lim->timeout_ms);
		log_warn("image: gave up after %lld ms", (long long)
		    lim->timeout_ms);
		res = IMAGE_UNDECODABLE;
	} else if (WIFSIGNALED(status)) {
		/* A decoder crashed or ran out of memory on these bytes. */
		log_warn("image: %s died of %s on a %zu-byte %s",
		    image_helper, strsignal(WTERMSIG(status)), len,
		    out->source_type);
		*why = xasprintf("the image cannot be read (it is damaged or "
		    "not what its first bytes say)");
		res = IMAGE_UNDECODABLE;
	} else if (h.too_much || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || !image_parse(&h, out, &res, why)) {
		log_error("image helper %s failed (exit status %d, %zu bytes "
		    "of answer)", image_helper, WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1, h.len);
		*why = xasprintf("images cannot be processed now");
		res = IMAGE_BUSY;
	}
out:
	free(h.answer);
	sem_post(&image_slots);
	if (res != IMAGE_OK) {
		const char	*type = out->source_type;

		image_set_free(out);
		out->source_type = type;
	}
	return res;
}
