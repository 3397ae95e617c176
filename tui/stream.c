#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "client.h"
#include "log.h"
#include "session.h"
#include "sse.h"
#include "stream.h"
#include "xmalloc.h"

#define STREAM_QUEUE_MAX	256	/* topics waiting for the loop */

struct stream_item {
	char			*topic;
	struct stream_item	*next;
};

struct stream {
	char			*url;
	long			 connect_ms;
	struct session		*session;
	pthread_t		 thread;
	pthread_mutex_t		 lock;		/* guards what follows */
	pthread_cond_t		 cond;
	char			*topics;	/* wanted */
	unsigned		 wanted;	/* bumped by set and renew */
	bool			 stop;
	enum stream_state	 state;
	struct stream_item	*head, *tail;
	size_t			 queued;
	unsigned long		 events;
	int			 pipe[2];
	CURLM			*multi;

	unsigned		 live_gen;	/* of the connection with data */
	unsigned		 refused_gen;	/* of the topics refused */

	/* The thread's own. */
	struct sse		*sse;
	unsigned		 conn_gen;	/* wanted, when it connected */
	char			*connected;	/* topics of the connection */
	long			 http;
	bool			 got_data;
};

static void
stream_wake_loop(struct stream *s)
{
	ssize_t	n;

	do
		n = write(s->pipe[1], "", 1);
	while (n < 0 && errno == EINTR);
}

/* Sets the state; lock held. */
static void
stream_set_state(struct stream *s, enum stream_state st)
{
	if (s->state == st)
		return;
	s->state = st;
	stream_wake_loop(s);
}

/* Queues a topic for the loop; lock held. */
static void
stream_push(struct stream *s, const char *topic)
{
	struct stream_item	*it;

	if (s->queued >= STREAM_QUEUE_MAX) {
		/* The loop is far behind: one reset says it all. */
		while ((it = s->head) != NULL) {
			s->head = it->next;
			free(it->topic);
			free(it);
		}
		s->tail = NULL;
		s->queued = 0;
		topic = STREAM_RESET;
	}
	it = xcalloc(1, sizeof *it);
	it->topic = xstrdup(topic);
	if (s->tail != NULL)
		s->tail->next = it;
	else
		s->head = it;
	s->tail = it;
	s->queued++;
	s->events++;
	stream_wake_loop(s);
}

static void
stream_event(void *arg, const struct sse_event *ev)
{
	struct stream	*s = arg;
	json_t		*o;
	const char	*topic;

	pthread_mutex_lock(&s->lock);
	if (strcmp(ev->type, "reset") == 0)
		stream_push(s, STREAM_RESET);
	else if ((o = json_loads(ev->data, 0, NULL)) != NULL) {
		topic = json_string_value(json_object_get(o, "topic"));
		if (topic != NULL && *topic != '\0' && strlen(topic) < 200)
			stream_push(s, topic);
		json_decref(o);
	}
	pthread_mutex_unlock(&s->lock);
}

static size_t
stream_write(char *p, size_t size, size_t n, void *arg)
{
	struct stream	*s = arg;

	if (s->http != 200)
		return size * n;	/* a problem: the status says enough */
	if (!s->got_data) {
		s->got_data = true;
		pthread_mutex_lock(&s->lock);
		s->live_gen = s->conn_gen;
		stream_set_state(s, STREAM_LIVE);
		stream_wake_loop(s);	/* subscribed: the loop may go on */
		pthread_mutex_unlock(&s->lock);
	}
	sse_feed(s->sse, p, size * n);
	return size * n;
}

static size_t
stream_header(char *p, size_t size, size_t n, void *arg)
{
	struct stream	*s = arg;
	size_t		 len = size * n;
	long		 code;

	/* "HTTP/1.1 200 OK": the status of the answer. */
	if (len > 9 && strncmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', len);

		if (sp != NULL && (size_t)(sp - p) + 4 <= len) {
			code = strtol(sp + 1, NULL, 10);
			/* 100 Continue and redirects are followed by more. */
			if (code >= 200)
				s->http = code;
		}
	}
	return len;
}

/* True if the thread should drop the connection now. */
static bool
stream_interrupted(struct stream *s, unsigned gen)
{
	bool	yes;

	pthread_mutex_lock(&s->lock);
	yes = s->stop || s->wanted != gen;
	pthread_mutex_unlock(&s->lock);
	return yes;
}

enum outcome {
	OUT_INTERRUPTED,	/* topics or token changed, or stopping */
	OUT_LOST,		/* network, 5xx, or the stream ended */
	OUT_UNAUTHORIZED,
	OUT_REFUSED,
};

/* One connection, until it ends or is interrupted. */
static enum outcome
stream_connect(struct stream *s, const char *topics, const char *token,
    bool resume, unsigned gen)
{
	struct curl_slist	*hdrs = NULL;
	CURL			*e;
	CURLMsg			*msg;
	char			*url, *q, *auth = NULL, *last = NULL;
	int			 running = 1, left;
	CURLcode		 rc = CURLE_OK;
	enum outcome		 out = OUT_LOST;

	if ((e = curl_easy_init()) == NULL)
		fatalx("stream: curl_easy_init failed");
	q = client_escape(topics);
	/* client_escape encodes the commas; soukd splits on them. */
	url = xasprintf("%s/v1/stream?topics=%s", s->url, q);
	free(q);
	for (q = strstr(url, "%2C"); q != NULL; q = strstr(q, "%2C")) {
		*q = ',';
		memmove(q + 1, q + 3, strlen(q + 3) + 1);
	}
	s->http = 0;
	s->got_data = false;
	s->conn_gen = gen;
	sse_reset(s->sse);
	if (token != NULL) {
		auth = xasprintf("Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	hdrs = curl_slist_append(hdrs, "Accept: text/event-stream");
	if (resume && *sse_last_id(s->sse) != '\0') {
		last = xasprintf("Last-Event-ID: %s", sse_last_id(s->sse));
		hdrs = curl_slist_append(hdrs, last);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->connect_ms);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)STREAM_SILENCE_S);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, stream_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "souk/" SOUK_VERSION);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_multi_add_handle(s->multi, e);
	while (running > 0) {
		if (curl_multi_perform(s->multi, &running) != CURLM_OK)
			break;
		if (stream_interrupted(s, gen)) {
			out = OUT_INTERRUPTED;
			goto done;
		}
		if (running == 0)
			break;
		curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
	}
	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == e)
			rc = msg->data.result;
	}
	if (stream_interrupted(s, gen))
		out = OUT_INTERRUPTED;
	else if (s->http == 401)
		out = OUT_UNAUTHORIZED;
	else if (s->http >= 400 && s->http < 500 && s->http != 429)
		out = OUT_REFUSED;
	else
		out = OUT_LOST;
	if (out != OUT_INTERRUPTED && rc != CURLE_OK && s->http == 200)
		log_debug("stream: %s", curl_easy_strerror(rc));
done:
	curl_multi_remove_handle(s->multi, e);
	curl_easy_cleanup(e);
	curl_slist_free_all(hdrs);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(last);
	free(url);
	return out;
}

/* Waits up to ms (forever if negative) for a change; lock held. */
static void
stream_wait(struct stream *s, long ms, unsigned gen)
{
	struct timespec	ts;

	if (ms < 0) {
		while (!s->stop && s->wanted == gen)
			pthread_cond_wait(&s->cond, &s->lock);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	while (!s->stop && s->wanted == gen) {
		if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
}

static void *
stream_main(void *arg)
{
	struct stream		*s = arg;
	struct client_opts	 co;
	struct client		*c = NULL;
	char			*topics, *token;
	unsigned		 gen;
	long			 backoff = STREAM_BACKOFF_MIN;
	bool			 resume;
	enum outcome		 out;

	memset(&co, 0, sizeof co);
	co.url = s->url;
	co.connect_ms = s->connect_ms;
	co.timeout_ms = 15000;
	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		gen = s->wanted;
		token = session_token(s->session);
		if (s->topics == NULL || token == NULL) {
			free(token);
			stream_set_state(s, STREAM_OFF);
			free(s->connected);
			s->connected = NULL;
			stream_wait(s, -1, gen);
			continue;
		}
		topics = xstrdup(s->topics);
		/* Resume only where the same topics left off. */
		resume = s->connected != NULL && strcmp(s->connected,
		    topics) == 0;
		free(s->connected);
		s->connected = xstrdup(topics);
		if (s->state != STREAM_LIVE && s->state != STREAM_RETRYING)
			stream_set_state(s, STREAM_CONNECTING);
		pthread_mutex_unlock(&s->lock);

		out = stream_connect(s, topics, token, resume, gen);
		if (out == OUT_UNAUTHORIZED) {
			if (c == NULL)
				c = client_new(&co);
			if (session_refresh(s->session, c, token))
				out = OUT_INTERRUPTED;	/* again, at once */
		}
		explicit_bzero(token, strlen(token));
		free(token);
		free(topics);

		pthread_mutex_lock(&s->lock);
		if (s->got_data)
			backoff = sse_retry(s->sse) > STREAM_BACKOFF_MIN ?
			    sse_retry(s->sse) : STREAM_BACKOFF_MIN;
		/* Asked for something else meanwhile: that, at once. */
		if (s->wanted != gen && !s->stop)
			out = OUT_INTERRUPTED;
		switch (out) {
		case OUT_INTERRUPTED:
			break;
		case OUT_REFUSED:
			s->refused_gen = gen;
			stream_set_state(s, STREAM_REFUSED);
			stream_wait(s, -1, gen);
			break;
		case OUT_UNAUTHORIZED:
			/* The refresh failed: the session says what next. */
			stream_set_state(s, STREAM_RETRYING);
			stream_wait(s, STREAM_BACKOFF_MAX, gen);
			break;
		case OUT_LOST:
			stream_set_state(s, STREAM_RETRYING);
			stream_wait(s, backoff, gen);
			backoff = backoff * 2 > STREAM_BACKOFF_MAX ?
			    STREAM_BACKOFF_MAX : backoff * 2;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	client_free(c);
	return NULL;
}

struct stream *
stream_new(const struct client_opts *o, struct session *session)
{
	struct stream	*s = xcalloc(1, sizeof *s);
	sigset_t	 all, old;
	size_t		 len;
	int		 i, fl;

	s->url = xstrdup(o->url);
	len = strlen(s->url);
	while (len > 0 && s->url[len - 1] == '/')
		s->url[--len] = '\0';
	s->connect_ms = o->connect_ms;
	s->session = session;
	s->sse = sse_new(stream_event, s);
	if ((s->multi = curl_multi_init()) == NULL)
		fatalx("stream: curl_multi_init failed");
	if (pipe(s->pipe) == -1)
		fatal("stream_new: pipe");
	for (i = 0; i < 2; i++) {
		fl = fcntl(s->pipe[i], F_GETFL);
		if (fl == -1 || fcntl(s->pipe[i], F_SETFL, fl | O_NONBLOCK) ==
		    -1 || fcntl(s->pipe[i], F_SETFD, FD_CLOEXEC) == -1)
			fatal("stream_new: fcntl");
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	/* Signals belong to the input thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&s->thread, NULL, stream_main, s) != 0)
		fatalx("stream_new: pthread_create");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return s;
}

void
stream_free(struct stream *s)
{
	struct stream_item	*it;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	curl_multi_wakeup(s->multi);
	pthread_join(s->thread, NULL);
	while ((it = s->head) != NULL) {
		s->head = it->next;
		free(it->topic);
		free(it);
	}
	curl_multi_cleanup(s->multi);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	close(s->pipe[0]);
	close(s->pipe[1]);
	sse_free(s->sse);
	free(s->connected);
	free(s->topics);
	free(s->url);
	free(s);
}

void
stream_set(struct stream *s, const char *topics)
{
	bool	changed;

	if (topics != NULL && *topics == '\0')
		topics = NULL;
	pthread_mutex_lock(&s->lock);
	changed = (topics == NULL) != (s->topics == NULL) ||
	    (topics != NULL && strcmp(topics, s->topics) != 0);
	if (changed) {
		free(s->topics);
		s->topics = topics != NULL ? xstrdup(topics) : NULL;
		s->wanted++;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	if (changed)
		curl_multi_wakeup(s->multi);
}

void
stream_renew(struct stream *s)
{
	pthread_mutex_lock(&s->lock);
	s->wanted++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	curl_multi_wakeup(s->multi);
}

int
stream_fd(const struct stream *s)
{
	return s->pipe[0];
}

char *
stream_take(struct stream *s)
{
	struct stream_item	*it;
	char			*topic = NULL, drain[64];

	pthread_mutex_lock(&s->lock);
	if ((it = s->head) != NULL) {
		s->head = it->next;
		if (s->head == NULL)
			s->tail = NULL;
		s->queued--;
		topic = it->topic;
		free(it);
	}
	if (s->head == NULL) {
		while (read(s->pipe[0], drain, sizeof drain) > 0)
			;
	}
	pthread_mutex_unlock(&s->lock);
	return topic;
}

enum stream_state
stream_state(struct stream *s)
{
	enum stream_state	st;

	pthread_mutex_lock(&s->lock);
	st = s->state;
	pthread_mutex_unlock(&s->lock);
	return st;
}

const char *
stream_state_name(enum stream_state st)
{
	switch (st) {
	case STREAM_CONNECTING:
		return "connecting";
	case STREAM_LIVE:
		return "live";
	case STREAM_RETRYING:
		return "reconnecting";
	case STREAM_REFUSED:
		return "not live";
	default:
		return "";
	}
}

bool
stream_settled(struct stream *s, bool server_up)
{
	bool	settled;

	pthread_mutex_lock(&s->lock);
	switch (s->state) {
	case STREAM_OFF:
		/* Off because nothing is wanted, not because it has not begun. */
		settled = s->topics == NULL;
		break;
	case STREAM_REFUSED:
		settled = s->refused_gen == s->wanted;
		break;
	case STREAM_LIVE:
		settled = server_up && (s->topics == NULL ||
		    s->live_gen == s->wanted);
		break;
	case STREAM_RETRYING:
		settled = !server_up;
		break;
	default:
		settled = false;
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return settled;
}

unsigned long
stream_events(struct stream *s)
{
	unsigned long	n;

	pthread_mutex_lock(&s->lock);
	n = s->events;
	pthread_mutex_unlock(&s->lock);
	return n;
}
