/*
 * sseidle: holds idle Server-Sent Events streams open for `make bench`.
 * Opens N connections to 127.0.0.1:PORT, sends each
 *
 *	GET PATH HTTP/1.1
 *	Authorization: Bearer TOKEN
 *
 * and waits until every one has answered 200 and sent its first event
 * bytes; then says on standard output
 *
 *	sseidle open=N
 *
 * and keeps reading (and dropping) whatever the streams send, heartbeats
 * included, until SIGINT or SIGTERM, when it says
 *
 *	sseidle open=N closed=C bytes=B
 *
 * (closed: streams the server ended meanwhile) and exits 0.  Exits 1 if a
 * stream cannot be opened within 30 seconds.
 *
 *	sseidle PORT PATH TOKEN N
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SSEIDLE_MAX		20000
#define SSEIDLE_OPEN_S		30

struct stream {
	int	 fd;
	size_t	 sent;		/* bytes of the request written */
	char	 head[512];	/* the start of the answer */
	size_t	 nhead;
	int	 open;		/* 200 and the first event came */
	int	 closed;
};

static volatile sig_atomic_t	sseidle_stop;

static void
sseidle_signal(int sig)
{
	(void)sig;
	sseidle_stop = 1;
}

static void
sseidle_die(const char *what)
{
	fprintf(stderr, "sseidle: %s: %s\n", what, strerror(errno));
	exit(1);
}

int
main(int argc, char **argv)
{
	static struct stream	 streams[SSEIDLE_MAX];
	struct epoll_event	 ev, evs[256];
	struct sockaddr_in	 addr;
	struct sigaction	 sa;
	char			 req[8192], buf[65536], *end;
	long			 port, n;
	size_t			 reqlen;
	unsigned long long	 bytes = 0;
	time_t			 started;
	ssize_t			 got;
	int			 ep, i, k, nev, nopen = 0, nclosed = 0, said = 0;
	int			 one = 1;

	if (argc != 5 || (port = strtol(argv[1], &end, 10)) < 1 ||
	    port > 65535 || *end != '\0' || (n = strtol(argv[4], &end, 10)) <
	    1 || n > SSEIDLE_MAX || *end != '\0') {
		fprintf(stderr, "usage: sseidle PORT PATH TOKEN N\n");
		return 2;
	}
	reqlen = (size_t)snprintf(req, sizeof req, "GET %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
	    "Accept: text/event-stream\r\n\r\n", argv[2], argv[3]);
	if (reqlen >= sizeof req) {
		fprintf(stderr, "sseidle: path or token too long\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = sseidle_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		sseidle_die("epoll_create1");
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		struct stream	*s = &streams[i];

		s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (s->fd == -1)
			sseidle_die("socket");
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(s->fd, (struct sockaddr *)&addr, sizeof addr) ==
		    -1 && errno != EINPROGRESS)
			sseidle_die("connect");
		ev.events = EPOLLIN | EPOLLOUT;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev) == -1)
			sseidle_die("epoll_ctl");
	}
	started = time(NULL);
	while (!sseidle_stop) {
		if (!said && nopen + nclosed == n) {
			if (nclosed > 0) {
				fprintf(stderr, "sseidle: %d of %ld streams "
				    "were refused or closed\n", nclosed, n);
				return 1;
			}
			printf("sseidle open=%d\n", nopen);
			fflush(stdout);
			said = 1;
		}
		if (!said && time(NULL) - started > SSEIDLE_OPEN_S) {
			fprintf(stderr, "sseidle: only %d of %ld streams open "
			    "after %d s\n", nopen, n, SSEIDLE_OPEN_S);
			return 1;
		}
		if ((nev = epoll_wait(ep, evs, 256, 1000)) == -1) {
			if (errno == EINTR)
				continue;
			sseidle_die("epoll_wait");
		}
		for (k = 0; k < nev; k++) {
			struct stream	*s = &streams[evs[k].data.u32];

			if (s->closed)
				continue;
			if ((evs[k].events & EPOLLOUT) && s->sent < reqlen) {
				got = write(s->fd, req + s->sent,
				    reqlen - s->sent);
				if (got > 0)
					s->sent += (size_t)got;
				else if (got == -1 && errno != EAGAIN)
					goto closed;
				if (s->sent == reqlen) {
					ev.events = EPOLLIN;
					ev.data.u32 = evs[k].data.u32;
					epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
				}
			}
			if (!(evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			got = read(s->fd, buf, sizeof buf);
			if (got == -1 && errno == EAGAIN)
				continue;
			if (got <= 0)
				goto closed;
			bytes += (unsigned long long)got;
			if (!s->open) {
				size_t	c = sizeof s->head - 1 - s->nhead;

				if ((size_t)got < c)
					c = (size_t)got;
				memcpy(s->head + s->nhead, buf, c);
				s->nhead += c;
				s->head[s->nhead] = '\0';
				if (strncmp(s->head, "HTTP/1.1 200 ", 13) != 0 &&
				    s->nhead >= 13) {
					fprintf(stderr, "sseidle: answered: "
					    "%.60s\n", s->head);
					goto closed;
				}
				/* Past the headers, the first event bytes. */
				if ((end = strstr(s->head, "\r\n\r\n")) !=
				    NULL && end[4] != '\0') {
					s->open = 1;
					nopen++;
				}
			}
			continue;
closed:
			close(s->fd);
			s->closed = 1;
			if (s->open)
				nopen--;
			nclosed++;
		}
	}
	printf("sseidle open=%d closed=%d bytes=%llu\n", nopen, nclosed,
	    bytes);
	return 0;
}
