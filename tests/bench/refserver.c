/*
 * refserver: the HTTP floor for `make bench`.  A minimal libmicrohttpd
 * server that answers every request with the bytes soukd sends for
 * GET /healthz (status 200, {"status":"ok"}, the same Content-Type and a
 * 32-character X-Request-Id), started with the daemon flags, thread pool,
 * connection limit and timeout of daemon/http/server.c, so that soukd's
 * /healthz rate divided by this one is what soukd's own request handling
 * costs.
 *
 *	refserver THREADS
 *
 * Listens on an ephemeral port of 127.0.0.1, says so on standard error as
 * "listening on http://127.0.0.1:PORT", and stops on SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

static const char refserver_body[] = "{\"status\":\"ok\"}";

static enum MHD_Result
refserver_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	static unsigned long long	 counter;
	struct MHD_Response		*resp;
	enum MHD_Result			 ret;
	char				 id[33];

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	/* As soukd: the first call only sets up the request. */
	if (*con_cls == NULL) {
		*con_cls = conn;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	snprintf(id, sizeof id, "%032llx", __atomic_add_fetch(&counter, 1,
	    __ATOMIC_RELAXED));
	resp = MHD_create_response_from_buffer(sizeof refserver_body - 1,
	    (void *)(uintptr_t)refserver_body, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		abort();
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json; charset=utf-8");
	MHD_add_response_header(resp, "X-Request-Id", id);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon		*mhd;
	struct sockaddr_in		 addr;
	const union MHD_DaemonInfo	*info;
	sigset_t			 sigs;
	char				*end;
	long				 threads;
	int				 sig;

	if (argc != 2 || (threads = strtol(argv[1], &end, 10)) < 1 ||
	    threads > 1024 || *end != '\0') {
		fprintf(stderr, "usage: refserver THREADS\n");
		return 2;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	/* The flags and options of server_start in daemon/http/server.c. */
	mhd = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG | MHD_USE_TURBO, 0, NULL, NULL,
	    refserver_access, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
	    MHD_OPTION_END);
	if (mhd == NULL) {
		fprintf(stderr, "refserver: cannot listen\n");
		return 1;
	}
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "refserver listening on http://127.0.0.1:%u "
	    "(%ld HTTP threads)\n", info != NULL ? info->port : 0, threads);
	while (sigwait(&sigs, &sig) != 0)
		;
	MHD_stop_daemon(mhd);
	return 0;
}
