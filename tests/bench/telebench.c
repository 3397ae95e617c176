/*
 * telebench: agents working a call queue, for tests/bench/run.sh's tele
 * section.  Each of N threads signs in as its own agent and loops for
 * SECONDS: POST /v1/queues/ID/next, POST /v1/calls, waits about THINK
 * milliseconds (the call itself, as short as a call gets), then POST
 * /v1/calls/CALL/disposition (not_interested, so the lead leaves the
 * queue) and at once the next lead, as the console does when the agent
 * presses a disposition key and then n.  It times each next-lead request,
 * and the disposition and the next lead together: the time from the key
 * to the next lead card's data, less the console's drawing.
 *
 * Agents do not work in step: each starts at a random moment within the
 * first THINK, and each call lasts a random 0.5 to 1.5 THINK.  Agents
 * that all asked at the same instant, every cycle, would measure the
 * queue such a herd makes, not a next lead.  Prints one line:
 *
 *   telebench requests=N seconds=S rps=R p50_us=P p99_us=P
 *       card_p50_us=P card_p99_us=P errors=E
 *
 * usage: telebench URL QUEUE SECONDS THINK PASSWORD EMAIL...
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define MAX_SAMPLES	(1 << 20)

struct agent {
	const char	*email;
	char		 auth[2048];
	char		 buf[1 << 16];
	size_t		 len;
	long		*lat;		/* microseconds of each next */
	size_t		 n;
	long		*card;		/* of each disposition and next */
	size_t		 ncard;
	long		 errors;
	unsigned	 seed;		/* rand_r: its own, reproducible */
	CURL		*c;
};

static const char	*base, *password;
static long		 queue;
static double		 seconds;
static long		 think_ms;
static pthread_barrier_t go;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t
collect(char *p, size_t sz, size_t n, void *arg)
{
	struct agent	*a = arg;
	size_t		 len = sz * n;

	if (a->len + len < sizeof a->buf) {
		memcpy(a->buf + a->len, p, len);
		a->len += len;
	}
	a->buf[a->len] = '\0';
	return len;
}

/* POST body to path; the status (0 on a transport error). */
static long
post(struct agent *a, const char *path, const char *body, bool authed)
{
	struct curl_slist	*h = NULL;
	char			 url[512];
	long			 status = 0;

	snprintf(url, sizeof url, "%s%s", base, path);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	if (authed)
		h = curl_slist_append(h, a->auth);
	a->len = 0;
	a->buf[0] = '\0';
	curl_easy_setopt(a->c, CURLOPT_URL, url);
	curl_easy_setopt(a->c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(a->c, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(a->c) == CURLE_OK)
		curl_easy_getinfo(a->c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	return status;
}

/* The number after "key": in the buffer, or -1. */
static long
field(const struct agent *a, const char *key)
{
	char		 pat[64];
	const char	*p;

	snprintf(pat, sizeof pat, "\"%s\":", key);
	if ((p = strstr(a->buf, pat)) == NULL)
		return -1;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	return strtol(p, NULL, 10);
}

/* Sleeps a random time from lo to hi milliseconds. */
static void
think(struct agent *a, long lo, long hi)
{
	long	ms;

	if (hi <= 0)
		return;
	ms = lo + (long)(rand_r(&a->seed) % (unsigned)(hi - lo + 1));
	nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000 },
	    NULL);
}

static void *
agent_run(void *arg)
{
	struct agent	*a = arg;
	char		 body[512], path[128], next[128];
	const char	*t, *e;
	double		 t0, t1, td, end;
	long		 lead, call, st;

	a->c = curl_easy_init();
	curl_easy_setopt(a->c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(a->c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(a->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(a->c, CURLOPT_TIMEOUT, 30L);
	snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}",
	    a->email, password);
	if (post(a, "/v1/auth/login", body, false) != 200 ||
	    (t = strstr(a->buf, "\"access_token\":\"")) == NULL) {
		fprintf(stderr, "telebench: %s cannot sign in: %s\n", a->email,
		    a->buf);
		exit(1);
	}
	t += strlen("\"access_token\":\"");
	e = strchr(t, '"');
	snprintf(a->auth, sizeof a->auth, "Authorization: Bearer %.*s",
	    (int)(e - t), t);
	a->lat = calloc(MAX_SAMPLES, sizeof *a->lat);
	a->card = calloc(MAX_SAMPLES, sizeof *a->card);
	if (a->lat == NULL || a->card == NULL) {
		fprintf(stderr, "telebench: out of memory\n");
		exit(1);
	}
	snprintf(next, sizeof next, "/v1/queues/%ld/next", queue);
	pthread_barrier_wait(&go);
	end = now() + seconds;
	lead = 0;
	/* Scattered starts; the run's length counts from the barrier. */
	think(a, 0, think_ms);
	while (now() < end && a->n < MAX_SAMPLES) {
		if (lead <= 0) {
			t0 = now();
			st = post(a, next, "", true);
			a->lat[a->n++] = (long)((now() - t0) * 1e6);
			if (st != 200 || (lead = field(a, "id")) <= 0) {
				a->errors++;
				lead = 0;
				continue;
			}
		}
		snprintf(body, sizeof body, "{\"lead_id\":%ld,\"mode\":"
		    "\"manual\"}", lead);
		lead = 0;
		if (post(a, "/v1/calls", body, true) != 201 ||
		    (call = field(a, "id")) <= 0) {
			a->errors++;
			continue;
		}
		think(a, think_ms / 2, think_ms * 3 / 2);
		snprintf(path, sizeof path, "/v1/calls/%ld/disposition", call);
		td = now();
		if (post(a, path, "{\"code\":\"not_interested\"}", true) !=
		    200) {
			a->errors++;
			continue;
		}
		t0 = now();
		st = post(a, next, "", true);
		t1 = now();
		a->lat[a->n++] = (long)((t1 - t0) * 1e6);
		if (st != 200 || (lead = field(a, "id")) <= 0) {
			a->errors++;
			lead = 0;
			continue;
		}
		a->card[a->ncard++] = (long)((t1 - td) * 1e6);
	}
	curl_easy_cleanup(a->c);
	return NULL;
}

static int
cmp_long(const void *x, const void *y)
{
	long	a = *(const long *)x, b = *(const long *)y;

	return a < b ? -1 : a > b;
}

int
main(int argc, char **argv)
{
	struct agent	*agents;
	pthread_t	*th;
	long		*all, *cards, errors = 0;
	size_t		 n = 0, ncard = 0, i, k, kc;
	int		 nagents;
	double		 t0, took;

	if (argc < 7) {
		fprintf(stderr, "usage: telebench URL QUEUE SECONDS THINK "
		    "PASSWORD EMAIL...\n");
		return 2;
	}
	base = argv[1];
	queue = strtol(argv[2], NULL, 10);
	seconds = strtod(argv[3], NULL);
	think_ms = strtol(argv[4], NULL, 10);
	password = argv[5];
	nagents = argc - 6;
	curl_global_init(CURL_GLOBAL_ALL);
	agents = calloc((size_t)nagents, sizeof *agents);
	th = calloc((size_t)nagents, sizeof *th);
	pthread_barrier_init(&go, NULL, (unsigned)nagents + 1);
	for (i = 0; i < (size_t)nagents; i++) {
		agents[i].email = argv[6 + i];
		agents[i].seed = (unsigned)i * 2654435761u + 17;
		pthread_create(&th[i], NULL, agent_run, &agents[i]);
	}
	pthread_barrier_wait(&go);
	t0 = now();
	for (i = 0; i < (size_t)nagents; i++) {
		pthread_join(th[i], NULL);
		n += agents[i].n;
		ncard += agents[i].ncard;
		errors += agents[i].errors;
	}
	took = now() - t0;
	all = calloc(n + 1, sizeof *all);
	cards = calloc(ncard + 1, sizeof *cards);
	for (i = 0, k = 0, kc = 0; i < (size_t)nagents; i++) {
		memcpy(all + k, agents[i].lat, agents[i].n * sizeof *all);
		k += agents[i].n;
		memcpy(cards + kc, agents[i].card,
		    agents[i].ncard * sizeof *cards);
		kc += agents[i].ncard;
	}
	qsort(all, n, sizeof *all, cmp_long);
	qsort(cards, ncard, sizeof *cards, cmp_long);
	printf("telebench requests=%zu seconds=%.1f rps=%.0f p50_us=%ld "
	    "p99_us=%ld card_p50_us=%ld card_p99_us=%ld errors=%ld\n", n,
	    took, n / took, n > 0 ? all[n / 2] : 0,
	    n > 0 ? all[(size_t)(n * 0.99)] : 0,
	    ncard > 0 ? cards[ncard / 2] : 0,
	    ncard > 0 ? cards[(size_t)(ncard * 0.99)] : 0, errors);
	return 0;
}
