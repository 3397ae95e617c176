/* Stopping soukd: requests in flight finish, new connections are refused. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

static const char body[] = "{\"ids\":[1,2,3]}";

static int
dial(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Opens a connection and sends a request whose body is half there. */
static int
start_slow_request(int port)
{
	char	*head;
	int	 fd = dial(port);

	ck_assert_int_ge(fd, 0);
	head = xasprintf("POST /v1/regions/lookup HTTP/1.1\r\nHost: t\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	    sizeof body - 1);
	ck_assert_int_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
	ck_assert_int_eq(write(fd, body, 5), 5);
	free(head);
	usleep(300 * 1000);	/* soukd has read the headers */
	return fd;
}

static char *
read_all(int fd)
{
	char	*out = xmalloc(65536);
	size_t	 n = 0;
	ssize_t	 r;

	while (n < 65535 && (r = read(fd, out + n, 65535 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	return out;
}

START_TEST(test_inflight_request_finishes)
{
	struct soukd	*s = soukd_start(test_conninfo(), NULL);
	char		*resp;
	int		 fd, fd2;

	ck_assert_ptr_nonnull(s);
	fd = start_slow_request(s->port);
	kill(s->pid, SIGTERM);
	usleep(300 * 1000);
	/* No longer accepting. */
	fd2 = dial(s->port);
	ck_assert_msg(fd2 < 0, "a new connection was accepted while stopping");
	/* The request in flight gets its whole answer, and the connection
	 * is closed after it. */
	ck_assert_int_eq(write(fd, body + 5, sizeof body - 1 - 5),
	    (ssize_t)(sizeof body - 1 - 5));
	resp = read_all(fd);
	close(fd);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 200", 12) == 0, "got %s", resp);
	ck_assert_ptr_nonnull(strstr(resp, "Connection: close"));
	ck_assert_ptr_nonnull(strstr(resp, "\"missing\""));
	free(resp);
	ck_assert_int_eq(soukd_stop(s, 0), 0);
	ck_assert(soukd_log_has(s, "waiting for 1 request in flight"));
	ck_assert(soukd_log_has(s, "msg=stopped"));
}
END_TEST

START_TEST(test_stuck_request_meets_the_deadline)
{
	struct soukd	*s;
	struct timespec	 t0, t1;
	int		 fd, rc;
	double		 secs;

	setenv("SOUKD_SHUTDOWN_TIMEOUT", "1s", 1);
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
	fd = start_slow_request(s->port);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = soukd_stop(s, SIGTERM);	/* the body never comes */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(secs >= 0.9 && secs < 8, "stopped after %.2fs", secs);
	ck_assert(soukd_log_has(s, "still in flight"));
	close(fd);
}
END_TEST

START_TEST(test_second_signal_stops_at_once)
{
	struct soukd	*s;
	struct timespec	 t0, t1;
	int		 fd, rc;

	setenv("SOUKD_SHUTDOWN_TIMEOUT", "60s", 1);
	s = soukd_start(test_conninfo(), NULL);
	ck_assert_ptr_nonnull(s);
	fd = start_slow_request(s->port);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(s->pid, SIGTERM);
	usleep(200 * 1000);
	rc = soukd_stop(s, SIGINT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 10);
	ck_assert(soukd_log_has(s, "second signal"));
	close(fd);
}
END_TEST

Suite *
shutdown_suite(void)
{
	Suite	*s = suite_create("shutdown");
	TCase	*tc = tcase_create("shutdown");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_inflight_request_finishes);
	tcase_add_test(tc, test_stuck_request_meets_the_deadline);
	tcase_add_test(tc, test_second_signal_stops_at_once);
	suite_add_tcase(s, tc);
	return s;
}
