#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "num.h"
#include "problem.h"
#include "req-impl.h"
#include "router.h"
#include "server.h"
#include "utf8.h"

/*
 * A body without Content-Length is only found too large while it is read.
 * libmicrohttpd cannot answer before the request is complete, so soukd
 * reads and drops up to this much more to answer 413, and past that closes
 * the connection rather than read an endless stream.
 */
#define SERVER_DISCARD_SLACK	(4 * 1024 * 1024)

/*
 * An event loop: one thread running one libmicrohttpd daemon (its share
 * of the connections) and one pipelined PostgreSQL connection for the
 * reads its handlers defer (req_exec_deferred), on one epoll set.
 */
struct loop {
	struct MHD_Daemon	*mhd;
	pthread_t		 thread;
	bool			 running;	/* the thread was started */
	int			 epfd;
	int			 wake;		/* eventfd: new connections, stop */
	struct db_pipe		*pipe;
	int			 pipe_fd;	/* in epfd, -1 if none */
	uint64_t		 pipe_gen;	/* its db_pipe_generation */
	uint32_t		 pipe_events;
	pthread_mutex_t		 mtx;		/* guards the fields below */
	struct loop_conn	*conns;		/* accepted, to be added */
	size_t			 nconns, capconns;
	bool			 stop;
};

struct loop_conn {
	int			 fd;
	struct sockaddr_storage	 peer;
	socklen_t		 len;
};

/* The loop running on this thread, if any. */
static __thread struct loop	*server_this_loop;

struct server {
	struct loop		*loops;
	unsigned		 nloops;
	unsigned		 next_loop;	/* round robin of the acceptor */
	const struct router	*router;
	size_t			 max_body;
	bool			 access_log;
	uint16_t		 port;
	unsigned		 inflight;
	bool			 quiescing;
	int			 listen_fd;
	pthread_t		 acceptor;
	bool			 accepting;	/* the acceptor runs */

	/*
	 * The workers (req_offload) and their queue, first come first
	 * served; work_mtx guards the queue and work_stop.
	 */
	pthread_t		*workers;
	unsigned		 nworkers;
	pthread_mutex_t		 work_mtx;
	pthread_cond_t		 work_cv;
	struct req		*work_head, *work_tail;
	bool			 work_stop;
};

static bool
server_valid_request_id(const char *s)
{
	size_t	i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > REQ_ID_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.' || s[i] == ':'))
			return false;
	}
	return true;
}

/*
 * 16 unpredictable bytes for a request id, from this thread's ChaCha20
 * stream: a getrandom(2) per request was a tenth of soukd's system calls.
 */
static void
server_request_id(unsigned char out[16])
{
	static __thread unsigned char	seed[randombytes_SEEDBYTES];
	static __thread uint64_t	n;

	if (n == 0)
		randombytes_buf(seed, sizeof seed);
	n++;
	memcpy(seed, &n, sizeof n);
	randombytes_buf_deterministic(out, 16, seed);
}

static struct req *
server_req_new(struct server *s, struct MHD_Connection *conn,
    const char *url, const char *method)
{
	struct req	*r;
	const char	*id;
	unsigned char	 rnd[16];

	r = xcalloc(1, sizeof *r);
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->conn = conn;
	r->method = method;
	r->path = xstrdup(url);
	r->route_index = router_count(s->router);
	buf_init(&r->body, s->max_body);
	id = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "X-Request-Id");
	if (server_valid_request_id(id))
		snprintf(r->id, sizeof r->id, "%s", id);
	else {
		server_request_id(rnd);
		sodium_bin2hex(r->id, sizeof r->id, rnd, sizeof rnd);
	}
	__atomic_add_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
	return r;
}

static void
server_req_free(struct req *r)
{
	int	i;

	router_match_free(&r->match);
	buf_free(&r->body);
	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i][0]);
		free(r->headers[i][1]);
	}
	json_decref(r->errors);
	free(r->scope);
	free(r->deferred_key);
	if (r->has_fd)
		close(r->out_fd);	/* never handed to MHD */
	if (r->stream_done != NULL)
		r->stream_done(r->stream_cls);	/* never handed to MHD */
	free(r->out);
	free(r->path);
	free(r);
}

static bool	server_shutting_down;

bool
req_shutting_down(void)
{
	return __atomic_load_n(&server_shutting_down, __ATOMIC_ACQUIRE);
}

/* A handler's stream, as libmicrohttpd's content reader sees it. */
struct stream_ref {
	req_stream_read	 read;
	void		*cls;
	void		(*done)(void *);
};

static ssize_t
server_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_ref	*ref = cls;
	long			 n;

	(void)pos;
	n = ref->read(ref->cls, buf, max);
	if (n == REQ_STREAM_END)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : (ssize_t)n;
}

static void
server_stream_free(void *cls)
{
	struct stream_ref	*ref = cls;

	if (ref->done != NULL)
		ref->done(ref->cls);
	free(ref);
}

void
server_suspend(void *conn)
{
	MHD_suspend_connection(conn);
}

/*
 * The server running, for server_resume to find a connection's loop; the
 * lock keeps server_stop from freeing the loops under a resume.
 */
static struct server	*server_running;
static pthread_rwlock_t	 server_running_lock = PTHREAD_RWLOCK_INITIALIZER;

static void	server_loop_wake(struct loop *);

/*
 * libmicrohttpd wakes a daemon it does not run itself through its
 * inter-thread channel only when the daemon has a listening socket, which
 * soukd's do not (the acceptor has it): so a resume from another thread
 * (the event hub's) also wakes the connection's loop.
 */
void
server_resume(void *conn)
{
	const union MHD_ConnectionInfo	*info;
	struct server			*s;
	struct loop			*l = NULL;
	unsigned			 i;

	pthread_rwlock_rdlock(&server_running_lock);
	s = server_running;
	/* Before the resume: the connection may be gone right after. */
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_DAEMON);
	for (i = 0; s != NULL && info != NULL && i < s->nloops; i++)
		if (s->loops[i].mhd == info->daemon)
			l = &s->loops[i];
	MHD_resume_connection(conn);
	if (l != NULL && l != server_this_loop)
		server_loop_wake(l);
	pthread_rwlock_unlock(&server_running_lock);
}

static enum MHD_Result
server_send(struct server *s, struct req *r)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;
	int			 i;

	if (r->out == NULL) {
		log_error("%s %s: the handler set no response", r->method,
		    r->path);
		req_problem(r, "internal", "the request failed; its id is in "
		    "our logs");
	}
	if (r->stream != NULL) {
		struct stream_ref	*ref = xcalloc(1, sizeof *ref);

		/* MHD frees ref (calling done) when the stream ends. */
		ref->read = r->stream;
		ref->cls = r->stream_cls;
		ref->done = r->stream_done;
		r->stream_done = NULL;
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
		    server_stream_read, ref, server_stream_free);
		if (resp == NULL)
			fatalx("MHD_create_response_from_callback");
		free(r->out);
		r->out = NULL;
	} else if (r->has_fd) {
		/* MHD closes the file once sent (sendfile where it can). */
		resp = MHD_create_response_from_fd64(r->out_fd_size, r->out_fd);
		if (resp == NULL)
			fatalx("MHD_create_response_from_fd64");
		r->has_fd = false;
		free(r->out);
		r->out = NULL;
		r->out_len = (size_t)r->out_fd_size;
	} else {
		/* MHD frees the body with free() once sent. */
		resp = MHD_create_response_from_buffer(r->out_len, r->out,
		    MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			fatalx("MHD_create_response_from_buffer");
		r->out = NULL;
	}
	if (r->ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    r->ctype);
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i][0],
		    r->headers[i][1]);
	if (__atomic_load_n(&s->quiescing, __ATOMIC_SEQ_CST))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	if (ret != MHD_YES)
		log_warn("could not queue the response");
	return ret;
}

struct query_check {
	struct req	*r;
	const char	*allowed;
};

/*
 * Whether key is one of allowed ("a,b,c"); an item "attr.*" allows every
 * key that starts with "attr." and goes on.
 */
static bool
server_query_allowed(const char *allowed, const char *key)
{
	size_t		 n = strlen(key), k;
	const char	*p = allowed;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		k = strcspn(p, ",");
		if (k >= 2 && p[k - 1] == '*' && p[k - 2] == '.' && n > k - 1 &&
		    strncmp(p, key, k - 1) == 0)
			return true;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return false;
}

static enum MHD_Result
server_query_cb(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct query_check	*qc = arg;

	(void)kind;
	if (!utf8_valid(key, strlen(key)))
		req_field_error(qc->r, "", "invalid_utf8", "a query parameter "
		    "name is not valid UTF-8");
	else if (!server_query_allowed(qc->allowed, key))
		req_field_error(qc->r, key, "unknown", "is not a query "
		    "parameter of %s %s", qc->r->match.route->method,
		    qc->r->match.route->pattern);
	else if (value != NULL && !utf8_valid(value, strlen(value)))
		req_field_error(qc->r, key, "invalid_utf8", "is not valid "
		    "UTF-8");
	else if (MHD_lookup_connection_value(qc->r->conn,
	    MHD_GET_ARGUMENT_KIND, key) != value)
		/* Not the first of its name: which one was meant? */
		req_field_error(qc->r, key, "repeated", "is given more than "
		    "once");
	return MHD_YES;
}

/* Runs the route's handler, unless the query string is already wrong. */
static void
server_dispatch(struct req *r)
{
	struct query_check	qc = { r, r->match.route->query };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND,
	    server_query_cb, &qc);
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		return;
	}
	if (!req_authorize(r))
		return;
	r->match.route->handler(r);
}

/*
 * First call for a request: decide what can be decided before the body.
 * A problem found here is kept and sent after the body was read (and
 * discarded), so that the connection stays usable; only a body over the
 * cap is refused at once, returning false, since reading it is the harm.
 */
static bool
server_begin(struct server *s, struct req *r)
{
	enum router_result	 found = ROUTER_NOT_FOUND;
	const char		*cl;
	int64_t			 len;
	bool			 path_ok;

	if ((path_ok = utf8_valid(r->path, strlen(r->path)))) {
		found = router_match(s->router, r->method, r->path, &r->match);
		if (found == ROUTER_FOUND)
			r->route_index = r->match.index;
	}
	/* A route may take more (uploads) than the server's default. */
	if (found == ROUTER_FOUND && r->match.route->max_body > 0)
		r->body.max = r->match.route->max_body;
	r->body_cap = r->body.max;
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && num_int64(cl, 0, INT64_MAX, &len) &&
	    (uint64_t)len > r->body.max) {
		req_problem(r, "payload-too-large", "the body is %lld bytes; at "
		    "most %zu are accepted", (long long)len, r->body.max);
		return false;
	}
	if (!path_ok) {
		req_problem(r, "bad-request", "the path is not valid UTF-8");
		return true;
	}
	switch (found) {
	case ROUTER_FOUND:
		break;
	case ROUTER_NOT_FOUND:
		req_problem(r, "not-found", "nothing is at %s %s", r->method,
		    r->path);
		break;
	case ROUTER_BAD_METHOD:
		req_add_header(r, MHD_HTTP_HEADER_ALLOW, r->match.allow);
		if (strcmp(r->method, "OPTIONS") == 0)
			req_reply(r, 204, NULL, xstrdup(""), 0);
		else
			req_problem(r, "method-not-allowed", "%s does not take "
			    "%s; it takes %s", r->path, r->method,
			    r->match.allow);
		break;
	}
	return true;
}

/* --- workers (req_offload) ------------------------------------------------ */

/* Runs r's offloaded handler on this thread. */
static void
server_work_run(struct req *r)
{
	void	(*fn)(struct req *, void *) = r->offload;

	r->offload = NULL;
	fn(r, r->offload_arg);
	if (r->out == NULL && r->stream == NULL && !r->has_fd) {
		log_error("%s %s: the offloaded handler set no response",
		    r->method, r->path);
		req_problem(r, "internal", "the request failed; its id is in "
		    "our logs");
	}
}

void
req_offload(struct req *r, void (*fn)(struct req *, void *), void *arg)
{
	r->offload = fn;
	r->offload_arg = arg;
	/* Not from a loop (no workers to hand it to): now. */
	if (server_this_loop == NULL)
		server_work_run(r);
}

/*
 * Queues r for the workers, its connection suspended until one has
 * answered it; false when the server is stopping (the loop runs it).
 * The connection is suspended before a worker can see r, so that the
 * worker's resume never comes first.
 */
static bool
server_work_push(struct server *s, struct req *r)
{
	bool	queued = false;

	pthread_mutex_lock(&s->work_mtx);
	if (!s->work_stop) {
		MHD_suspend_connection(r->conn);
		r->offload_next = NULL;
		if (s->work_tail != NULL)
			s->work_tail->offload_next = r;
		else
			s->work_head = r;
		s->work_tail = r;
		pthread_cond_signal(&s->work_cv);
		queued = true;
	}
	pthread_mutex_unlock(&s->work_mtx);
	return queued;
}

/* A worker: the queue's requests in turn, until it is stopped and empty. */
static void *
server_worker(void *arg)
{
	struct server	*s = arg;
	struct req	*r;

	for (;;) {
		pthread_mutex_lock(&s->work_mtx);
		while (s->work_head == NULL && !s->work_stop)
			pthread_cond_wait(&s->work_cv, &s->work_mtx);
		if ((r = s->work_head) != NULL &&
		    (s->work_head = r->offload_next) == NULL)
			s->work_tail = NULL;
		pthread_mutex_unlock(&s->work_mtx);
		if (r == NULL)
			break;
		log_set_request(r->id);
		server_work_run(r);
		log_set_request(NULL);
		server_resume(r->conn);
	}
	db_thread_close();
	return NULL;
}

/* Answers what is queued, then stops the workers. */
static void
server_workers_stop(struct server *s)
{
	unsigned	i;

	pthread_mutex_lock(&s->work_mtx);
	s->work_stop = true;
	pthread_cond_broadcast(&s->work_cv);
	pthread_mutex_unlock(&s->work_mtx);
	for (i = 0; i < s->nworkers; i++)
		(void)pthread_join(s->workers[i], NULL);
	s->nworkers = 0;
}

static enum MHD_Result
server_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct server	*s = cls;
	struct req	*r = *con_cls;
	enum MHD_Result	 ret;

	(void)version;
	if (r == NULL) {
		r = *con_cls = server_req_new(s, conn, url, method);
		log_set_request(r->id);
		ret = server_begin(s, r) ? MHD_YES : server_send(s, r);
		log_set_request(NULL);
		return ret;
	}
	if (r->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	log_set_request(r->id);
	if (*upload_size > 0) {
		/* A request already answered has its body read and dropped. */
		if (r->out == NULL && !r->body_too_large &&
		    !buf_add(&r->body, upload, *upload_size)) {
			r->body_too_large = true;
			buf_free(&r->body);
		}
		r->body_seen += *upload_size;
		*upload_size = 0;
		if (r->body_seen > r->body_cap + SERVER_DISCARD_SLACK) {
			log_warn("body past %zu bytes with no end in sight; "
			    "closing the connection", r->body_cap);
			r->status = 413;
			log_set_request(NULL);
			return MHD_NO;
		}
		log_set_request(NULL);
		return MHD_YES;
	}
	if (r->out != NULL)
		;	/* answered in server_begin */
	else if (r->body_too_large)
		req_problem(r, "payload-too-large", "the body is larger than "
		    "the %zu bytes accepted", r->body_cap);
	else {
		server_dispatch(r);
		if (r->offload != NULL && server_work_push(s, r)) {
			/* A worker answers and resumes it. */
			log_set_request(NULL);
			return MHD_YES;
		}
		if (r->offload != NULL)
			server_work_run(r);
		if (r->deferred) {
			/* Its statement is on the way; the answer resumes it. */
			MHD_suspend_connection(conn);
			log_set_request(NULL);
			return MHD_YES;
		}
	}
	ret = server_send(s, r);
	log_set_request(NULL);
	return ret;
}

/* A deferred statement's answer, on the request's loop thread. */
static void
server_deferred_done(void *arg, PGresult *res, struct db *db)
{
	struct req	*r = arg;

	log_set_request(r->id);
	if (res == NULL)
		req_db_problem(r, db);
	else
		r->deferred_done(r, res);
	if (r->out == NULL && r->stream == NULL && !r->has_fd) {
		log_error("%s %s: the deferred handler set no response",
		    r->method, r->path);
		req_problem(r, "internal", "the request failed; its id is in "
		    "our logs");
	}
	log_set_request(NULL);
	r->deferred = false;
	MHD_resume_connection(r->conn);
}

static void
server_row_done(struct req *r, PGresult *res)
{
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "there is no %s %s",
		    r->deferred_noun, r->deferred_key);
	else
		req_reply_json_text(r, 200, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
}

void
req_reply_row_deferred(struct req *r, const struct db_stmt *stmt,
    int nparams, const char *const *values, const char *noun)
{
	r->deferred_noun = noun;
	free(r->deferred_key);
	r->deferred_key = xstrdup(values[0] != NULL ? values[0] : "");
	req_exec_deferred(r, stmt, nparams, values, server_row_done);
}

void
req_exec_deferred(struct req *r, const struct db_stmt *stmt, int nparams,
    const char *const *values, void (*done)(struct req *, PGresult *))
{
	struct loop	*l = server_this_loop;
	PGresult	*res;

	if (l == NULL) {
		/* Not on a loop thread: the ordinary round trip. */
		if ((res = req_exec(r, stmt, nparams, values)) != NULL) {
			done(r, res);
			PQclear(res);
		}
		return;
	}
	r->deferred_done = done;
	if (!db_pipe_send(l->pipe, stmt, nparams, values,
	    server_deferred_done, r)) {
		req_db_problem(r, db_pipe_db(l->pipe));
		return;
	}
	r->deferred = true;
}

static void
server_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server	*s = cls;
	struct req	*r = *con_cls;
	struct timespec	 now;
	const struct route *route;
	uint64_t	 ns;
	int		 status;
	char		 fields[1024];
	size_t		 n;

	(void)conn;
	if (r == NULL)
		return;
	*con_cls = NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (uint64_t)(now.tv_sec - r->start.tv_sec) * 1000000000u +
	    (uint64_t)(now.tv_nsec - r->start.tv_nsec);
	/* 499: the client went away before it had its answer (as nginx). */
	status = r->answered && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ?
	    r->status : (r->answered ? r->status : 499);
	metrics_request(r->route_index, status, ns);
	if (s->access_log) {
		route = router_route(s->router, r->route_index);
		log_set_request(r->id);
		snprintf(fields, sizeof fields, "method=%s route=", r->method);
		log_quote(fields, sizeof fields, route != NULL ?
		    route->pattern : "-");
		n = strlen(fields);
		snprintf(fields + n, sizeof fields - n, " path=");
		log_quote(fields, sizeof fields, r->path);
		n = strlen(fields);
		snprintf(fields + n, sizeof fields - n, " status=%d bytes=%zu "
		    "dur_ms=%.3f%s", status, r->out_len, (double)ns / 1e6,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
		    " aborted=yes");
		log_fields(status >= 500 ? LOG_WARN : LOG_INFO, fields);
		log_set_request(NULL);
	}
	server_req_free(r);
	__atomic_sub_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
}

static void
server_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	msg[512];
	size_t	n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn("http: %s", msg);
}

/* Resolves cfg->listen into addr; false with *cause. */
static bool
server_address(const char *listen, struct sockaddr_storage *addr,
    char **cause)
{
	struct addrinfo	 hints, *ai;
	char		*host, port[8];
	uint16_t	 p;
	int		 rc;

	if (!config_split_listen(listen, &host, &p)) {
		*cause = xasprintf("listen: bad address '%s'", listen);
		return false;
	}
	snprintf(port, sizeof port, "%u", (unsigned)p);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	free(host);
	if (rc != 0) {
		*cause = xasprintf("listen: %s: %s", listen, gai_strerror(rc));
		return false;
	}
	memcpy(addr, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return true;
}

/* Opens the listening socket; -1 with *cause. */
static int
server_listen(const struct sockaddr_storage *addr, const char *listen_on,
    char **cause)
{
	socklen_t	len = addr->ss_family == AF_INET6 ?
			    sizeof(struct sockaddr_in6) :
			    sizeof(struct sockaddr_in);
	int		fd, one = 1;

	if ((fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
	    -1) {
		*cause = xasprintf("listen: socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (addr->ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof one);
	if (bind(fd, (const struct sockaddr *)addr, len) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		*cause = xasprintf("cannot listen on %s: %s", listen_on,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
server_loop_wake(struct loop *l)
{
	uint64_t	one = 1;

	if (write(l->wake, &one, sizeof one) == -1 && errno != EAGAIN)
		log_warn("http: waking a loop: %s", strerror(errno));
}

/* Queues an accepted connection for loop l, which adds it to its daemon. */
static void
server_loop_give(struct loop *l, int fd, const struct sockaddr_storage *peer,
    socklen_t len)
{
	struct loop_conn	*c;

	pthread_mutex_lock(&l->mtx);
	if (l->nconns == l->capconns) {
		l->capconns = l->capconns == 0 ? 16 : l->capconns * 2;
		l->conns = xreallocarray(l->conns, l->capconns,
		    sizeof *l->conns);
	}
	c = &l->conns[l->nconns++];
	c->fd = fd;
	memcpy(&c->peer, peer, sizeof c->peer);
	c->len = len;
	pthread_mutex_unlock(&l->mtx);
	server_loop_wake(l);
}

/* Keeps the pipe's descriptor in the epoll set with the events wanted. */
static void
server_loop_watch_pipe(struct loop *l, bool writing)
{
	struct epoll_event	ev;
	int			fd = db_pipe_fd(l->pipe);
	uint64_t		gen = db_pipe_generation(l->pipe);
	uint32_t		events = EPOLLIN | (writing ? EPOLLOUT : 0);

	if (fd == -1) {
		/* Closed: the descriptor left the set with it. */
		l->pipe_fd = -1;
		return;
	}
	if (fd == l->pipe_fd && gen == l->pipe_gen && events == l->pipe_events)
		return;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = &l->pipe;
	if (fd == l->pipe_fd && gen == l->pipe_gen) {
		if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) == -1)
			fatal("http: epoll_ctl (database)");
	} else if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1 &&
	    (errno != EEXIST || epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) ==
	    -1))
		fatal("http: epoll_ctl (database)");
	l->pipe_fd = fd;
	l->pipe_gen = gen;
	l->pipe_events = events;
}

static void *
server_loop_run(void *arg)
{
	struct loop		*l = arg;
	struct epoll_event	 ev[16];
	struct loop_conn	*conns;
	MHD_UNSIGNED_LONG_LONG	 to;
	uint64_t		 n64;
	size_t			 nconns, j;
	int			 i, n, ms;
	bool			 run, stop = false;

	server_this_loop = l;
	while (!stop) {
		ms = -1;
		if (MHD_get_timeout(l->mhd, &to) == MHD_YES)
			ms = to > INT_MAX ? INT_MAX : (int)to;
		if ((n = epoll_wait(l->epfd, ev, 16, ms)) == -1) {
			if (errno != EINTR)
				fatal("http: epoll_wait");
			n = 0;
		}
		run = n == 0;
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &l->wake) {
				/* Nonblocking: empty is fine (woken twice). */
				if (read(l->wake, &n64, sizeof n64) == -1 &&
				    errno != EAGAIN)
					fatal("http: read (eventfd)");
				pthread_mutex_lock(&l->mtx);
				conns = l->conns;
				nconns = l->nconns;
				l->conns = NULL;
				l->nconns = l->capconns = 0;
				stop = l->stop;
				pthread_mutex_unlock(&l->mtx);
				/* On failure (the connection limit) MHD closes it. */
				for (j = 0; j < nconns; j++)
					(void)MHD_add_connection(l->mhd,
					    conns[j].fd, (struct sockaddr *)
					    &conns[j].peer, conns[j].len);
				free(conns);
				run = true;
			} else if (ev[i].data.ptr == &l->pipe) {
				/* Writable: the flush at the end of the turn. */
				if (ev[i].events & (EPOLLIN | EPOLLERR |
				    EPOLLHUP))
					db_pipe_input(l->pipe);
				/* Answers resume connections. */
				run = true;
			} else
				run = true;
		}
		if (run)
			(void)MHD_run(l->mhd);
		/* What the handlers sent this turn goes out together. */
		server_loop_watch_pipe(l, db_pipe_flush(l->pipe) == 1);
	}
	server_this_loop = NULL;
	db_thread_close();
	return NULL;
}

/*
 * Accepts connections and hands each to a loop in turn: connections
 * spread evenly over the loops.  (When every worker accepts on the listening socket itself, a
 * burst of connections lands on a few of them, and since handlers block on
 * PostgreSQL, the connections that share a worker wait for each other.)
 */
static void *
server_accept_loop(void *arg)
{
	struct server		*s = arg;
	struct sockaddr_storage	 peer;
	socklen_t		 len;
	int			 fd;

	for (;;) {
		len = sizeof peer;
		fd = accept4(s->listen_fd, (struct sockaddr *)&peer, &len,
		    SOCK_CLOEXEC);
		if (fd == -1) {
			if (__atomic_load_n(&s->quiescing, __ATOMIC_SEQ_CST))
				break;
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
			case EAGAIN:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Out of descriptors: let some close first. */
				log_warn("http: accept: %s", strerror(errno));
				usleep(100000);
				continue;
			default:
				log_error("http: accept: %s", strerror(errno));
				return NULL;
			}
		}
		server_loop_give(&s->loops[s->next_loop++ % s->nloops], fd,
		    &peer, len);
	}
	return NULL;
}

static bool
server_loop_start(struct server *s, struct loop *l, unsigned flags,
    unsigned limit, unsigned timeout_s)
{
	const union MHD_DaemonInfo	*info;
	struct epoll_event		 ev;

	l->epfd = l->wake = l->pipe_fd = -1;
	pthread_mutex_init(&l->mtx, NULL);
	l->pipe = db_pipe_new();
	l->mhd = MHD_start_daemon(flags, 0, NULL, NULL, server_access, s,
	    MHD_OPTION_EXTERNAL_LOGGER, server_mhd_log, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, limit,
	    MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
	    MHD_OPTION_NOTIFY_COMPLETED, server_completed, s,
	    MHD_OPTION_END);
	if (l->mhd == NULL)
		return false;
	if ((info = MHD_get_daemon_info(l->mhd, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL)
		return false;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (l->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1)
		fatal("http: epoll_create1/eventfd");
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.ptr = l->mhd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, info->epoll_fd, &ev) == -1)
		fatal("http: epoll_ctl");
	ev.data.ptr = &l->wake;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wake, &ev) == -1)
		fatal("http: epoll_ctl");
	if (pthread_create(&l->thread, NULL, server_loop_run, l) != 0)
		fatalx("server_loop_start: pthread_create");
	l->running = true;
	return true;
}

/*
 * Stops the loop's thread, then fails the statements it still waits for
 * (their requests are answered 503 as the daemon closes) and stops its
 * daemon.
 */
static void
server_loop_stop(struct loop *l)
{
	struct loop_conn	*c;

	if (l->running) {
		pthread_mutex_lock(&l->mtx);
		l->stop = true;
		pthread_mutex_unlock(&l->mtx);
		server_loop_wake(l);
		(void)pthread_join(l->thread, NULL);
		l->running = false;
	}
	db_pipe_free(l->pipe);
	l->pipe = NULL;
	if (l->mhd != NULL)
		MHD_stop_daemon(l->mhd);
	for (c = l->conns; c < l->conns + l->nconns; c++)
		close(c->fd);
	free(l->conns);
	if (l->epfd != -1)
		close(l->epfd);
	if (l->wake != -1)
		close(l->wake);
	pthread_mutex_destroy(&l->mtx);
}

struct server *
server_start(const struct config *cfg, const struct router *rt,
    char **cause)
{
	struct server		*s;
	struct sockaddr_storage	 addr;
	struct sockaddr_storage	 bound;
	socklen_t		 len = sizeof bound;
	unsigned int		 flags, i;

	if (!server_address(cfg->listen, &addr, cause))
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->router = rt;
	s->max_body = cfg->max_body;
	s->access_log = cfg->access_log;
	if ((s->listen_fd = server_listen(&addr, cfg->listen, cause)) == -1) {
		free(s);
		return NULL;
	}
	flags = MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	    MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	pthread_mutex_init(&s->work_mtx, NULL);
	pthread_cond_init(&s->work_cv, NULL);
	s->workers = xcalloc((size_t)config_http_workers(cfg),
	    sizeof *s->workers);
	for (i = 0; i < (unsigned)config_http_workers(cfg); i++) {
		if (pthread_create(&s->workers[i], NULL, server_worker, s) != 0)
			fatalx("server_start: pthread_create");
		s->nworkers++;
	}
	s->nloops = (unsigned)config_http_threads(cfg);
	s->loops = xcalloc(s->nloops, sizeof *s->loops);
	for (i = 0; i < s->nloops; i++) {
		if (!server_loop_start(s, &s->loops[i], flags,
		    (unsigned)((cfg->max_connections + s->nloops - 1) /
		    s->nloops), (unsigned)(cfg->idle_timeout_ms / 1000))) {
			*cause = xasprintf("cannot start the HTTP server on %s",
			    cfg->listen);
			server_stop(s);
			return NULL;
		}
	}
	if (getsockname(s->listen_fd, (struct sockaddr *)&bound, &len) == 0)
		s->port = ntohs(bound.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&bound)->sin6_port :
		    ((struct sockaddr_in *)&bound)->sin_port);
	if (pthread_create(&s->acceptor, NULL, server_accept_loop, s) != 0)
		fatalx("server_start: pthread_create");
	s->accepting = true;
	pthread_rwlock_wrlock(&server_running_lock);
	server_running = s;
	pthread_rwlock_unlock(&server_running_lock);
	return s;
}

uint16_t
server_port(const struct server *s)
{
	return s->port;
}

unsigned
server_inflight(const struct server *s)
{
	return __atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST);
}

void
server_quiesce(struct server *s)
{
	__atomic_store_n(&s->quiescing, true, __ATOMIC_SEQ_CST);
	__atomic_store_n(&server_shutting_down, true, __ATOMIC_RELEASE);
	/* Wakes the acceptor (accept fails): no new connections. */
	if (s->accepting) {
		(void)shutdown(s->listen_fd, SHUT_RDWR);
		(void)pthread_join(s->acceptor, NULL);
		s->accepting = false;
		close(s->listen_fd);
		s->listen_fd = -1;
	}
}

void
server_stop(struct server *s)
{
	unsigned	i;

	if (s == NULL)
		return;
	if (s->accepting) {
		__atomic_store_n(&s->quiescing, true, __ATOMIC_SEQ_CST);
		(void)shutdown(s->listen_fd, SHUT_RDWR);
		(void)pthread_join(s->acceptor, NULL);
	}
	if (s->listen_fd != -1)
		close(s->listen_fd);
	/*
	 * The workers answer what they hold while the loops still send;
	 * what the loops offload after this, they run themselves.
	 */
	server_workers_stop(s);
	free(s->workers);
	pthread_rwlock_wrlock(&server_running_lock);
	if (server_running == s)
		server_running = NULL;
	pthread_rwlock_unlock(&server_running_lock);
	for (i = 0; i < s->nloops; i++)
		server_loop_stop(&s->loops[i]);
	free(s->loops);
	pthread_cond_destroy(&s->work_cv);
	pthread_mutex_destroy(&s->work_mtx);
	free(s);
}
