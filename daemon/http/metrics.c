#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cache.h"
#include "db.h"
#include "jobs.h"
#include "log.h"
#include "scheduler.h"
#include "metrics.h"
#include "popularity.h"
#include "router.h"
#include "rowset.h"
#include "xmalloc.h"

/* Statuses counted separately; anything else falls in the last slot. */
static const int metrics_statuses[] = {
	200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405,
	409, 410, 412, 413, 415, 422, 429, 500, 502, 503, 504, 0,
};
#define NSTATUS (sizeof metrics_statuses / sizeof metrics_statuses[0])

/* Histogram bucket upper bounds in seconds (+Inf is implied). */
static const double metrics_buckets[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
	2.5, 5, 10,
};
#define NBUCKET (sizeof metrics_buckets / sizeof metrics_buckets[0])

struct route_metrics {
	uint64_t	status[NSTATUS];
	uint64_t	bucket[NBUCKET + 1];
	uint64_t	sum_ns;
	uint64_t	count;
};

static const struct router	*metrics_router;
static struct route_metrics	*metrics;
static size_t			 metrics_n;
static struct timespec		 metrics_started;

void
metrics_init(const struct router *rt)
{
	metrics_router = rt;
	metrics_n = router_count(rt) + 1;
	metrics = xcalloc(metrics_n, sizeof *metrics);
	clock_gettime(CLOCK_MONOTONIC, &metrics_started);
}

void
metrics_request(size_t route_index, int status, uint64_t ns)
{
	struct route_metrics	*m;
	size_t			 i;
	double			 s = (double)ns / 1e9;

	if (metrics == NULL)
		return;
	if (route_index >= metrics_n)
		route_index = metrics_n - 1;
	m = &metrics[route_index];
	for (i = 0; i < NSTATUS - 1 && metrics_statuses[i] != status; i++)
		;
	__atomic_add_fetch(&m->status[i], 1, __ATOMIC_RELAXED);
	for (i = 0; i < NBUCKET && s > metrics_buckets[i]; i++)
		;
	__atomic_add_fetch(&m->bucket[i], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->sum_ns, ns, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->count, 1, __ATOMIC_RELAXED);
}

static void
metrics_add(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void
metrics_add(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatal("vasprintf");
	va_end(ap);
	if (!buf_adds(b, s))
		fatalx("metrics: buffer");
	free(s);
}

static void
metrics_route_label(size_t i, char *out, size_t len)
{
	const struct route	*r = router_route(metrics_router, i);

	if (r == NULL)
		snprintf(out, len, "route=\"unmatched\",method=\"\"");
	else
		snprintf(out, len, "route=\"%s\",method=\"%s\"", r->pattern,
		    r->method);
}

char *
metrics_render(size_t *len)
{
	struct buf	 b;
	struct timespec	 now;
	char		 label[256];
	uint64_t	 v, cum, open, reconnects, jdone, jretried, jfailed;
	uint64_t	 chits, cmisses, cbytes, rkept, rloads, rbytes;
	uint64_t	 penough, pshort;
	size_t		 i, j;

	buf_init(&b, 0);
	metrics_add(&b, "# HELP soukd_http_requests_total HTTP requests "
	    "answered, by route and status.\n"
	    "# TYPE soukd_http_requests_total counter\n");
	for (i = 0; i < metrics_n; i++) {
		metrics_route_label(i, label, sizeof label);
		for (j = 0; j < NSTATUS; j++) {
			v = __atomic_load_n(&metrics[i].status[j],
			    __ATOMIC_RELAXED);
			if (v == 0)
				continue;
			if (metrics_statuses[j] != 0)
				metrics_add(&b, "soukd_http_requests_total{%s,"
				    "status=\"%d\"} %llu\n", label,
				    metrics_statuses[j], (unsigned long long)v);
			else
				metrics_add(&b, "soukd_http_requests_total{%s,"
				    "status=\"other\"} %llu\n", label,
				    (unsigned long long)v);
		}
	}
	metrics_add(&b, "# HELP soukd_http_request_duration_seconds Time from "
	    "the request's arrival to its answer.\n"
	    "# TYPE soukd_http_request_duration_seconds histogram\n");
	for (i = 0; i < metrics_n; i++) {
		if (__atomic_load_n(&metrics[i].count, __ATOMIC_RELAXED) == 0)
			continue;
		metrics_route_label(i, label, sizeof label);
		cum = 0;
		for (j = 0; j <= NBUCKET; j++) {
			cum += __atomic_load_n(&metrics[i].bucket[j],
			    __ATOMIC_RELAXED);
			if (j < NBUCKET)
				metrics_add(&b, "soukd_http_request_duration_"
				    "seconds_bucket{%s,le=\"%g\"} %llu\n",
				    label, metrics_buckets[j],
				    (unsigned long long)cum);
			else
				metrics_add(&b, "soukd_http_request_duration_"
				    "seconds_bucket{%s,le=\"+Inf\"} %llu\n",
				    label, (unsigned long long)cum);
		}
		metrics_add(&b, "soukd_http_request_duration_seconds_sum{%s} "
		    "%.6f\n", label, (double)__atomic_load_n(
		    &metrics[i].sum_ns, __ATOMIC_RELAXED) / 1e9);
		metrics_add(&b, "soukd_http_request_duration_seconds_count{%s} "
		    "%llu\n", label, (unsigned long long)cum);
	}
	db_stats(&open, &reconnects);
	metrics_add(&b, "# HELP soukd_db_connections Open PostgreSQL "
	    "connections.\n# TYPE soukd_db_connections gauge\n"
	    "soukd_db_connections %llu\n", (unsigned long long)open);
	metrics_add(&b, "# HELP soukd_db_reconnects_total Lost PostgreSQL "
	    "connections re-established.\n"
	    "# TYPE soukd_db_reconnects_total counter\n"
	    "soukd_db_reconnects_total %llu\n",
	    (unsigned long long)reconnects);
	cache_stats(&chits, &cmisses, &cbytes);
	metrics_add(&b, "# HELP soukd_catalog_cache_total Product reads and "
	    "searches answered from memory (hit) or the database (miss).\n"
	    "# TYPE soukd_catalog_cache_total counter\n"
	    "soukd_catalog_cache_total{result=\"hit\"} %llu\n"
	    "soukd_catalog_cache_total{result=\"miss\"} %llu\n"
	    "# HELP soukd_catalog_cache_bytes Memory the kept answers take.\n"
	    "# TYPE soukd_catalog_cache_bytes gauge\n"
	    "soukd_catalog_cache_bytes %llu\n", (unsigned long long)chits,
	    (unsigned long long)cmisses, (unsigned long long)cbytes);
	rowset_stats(&rkept, &rloads, &rbytes);
	metrics_add(&b, "# HELP soukd_catalog_rows_total Lists within a "
	    "category made from its listings in memory: kept since an "
	    "earlier list (kept) or read for this one (loaded).\n"
	    "# TYPE soukd_catalog_rows_total counter\n"
	    "soukd_catalog_rows_total{result=\"kept\"} %llu\n"
	    "soukd_catalog_rows_total{result=\"loaded\"} %llu\n"
	    "# HELP soukd_catalog_rows_bytes Memory the categories' listings "
	    "take.\n# TYPE soukd_catalog_rows_bytes gauge\n"
	    "soukd_catalog_rows_bytes %llu\n", (unsigned long long)rkept,
	    (unsigned long long)rloads, (unsigned long long)rbytes);
	popularity_stats(&penough, &pshort);
	metrics_add(&b, "# HELP soukd_search_popular_total Broad searches "
	    "whose pool was read among their most popular matches: enough "
	    "of them (enough), or too few, the pool then read among all "
	    "(short).\n# TYPE soukd_search_popular_total counter\n"
	    "soukd_search_popular_total{result=\"enough\"} %llu\n"
	    "soukd_search_popular_total{result=\"short\"} %llu\n",
	    (unsigned long long)penough, (unsigned long long)pshort);
	jobs_stats(&jdone, &jretried, &jfailed);
	metrics_add(&b, "# HELP soukd_jobs_total Jobs this soukd ran, by "
	    "outcome.\n# TYPE soukd_jobs_total counter\n"
	    "soukd_jobs_total{outcome=\"done\"} %llu\n"
	    "soukd_jobs_total{outcome=\"retried\"} %llu\n"
	    "soukd_jobs_total{outcome=\"failed\"} %llu\n",
	    (unsigned long long)jdone, (unsigned long long)jretried,
	    (unsigned long long)jfailed);
	metrics_add(&b, "# HELP soukd_scheduler_leader 1 if this soukd runs "
	    "the schedules.\n# TYPE soukd_scheduler_leader gauge\n"
	    "soukd_scheduler_leader %d\n", scheduler_leading() ? 1 : 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	metrics_add(&b, "# HELP soukd_uptime_seconds Seconds since soukd "
	    "started.\n# TYPE soukd_uptime_seconds gauge\n"
	    "soukd_uptime_seconds %.3f\n", (double)(now.tv_sec -
	    metrics_started.tv_sec) + (double)(now.tv_nsec -
	    metrics_started.tv_nsec) / 1e9);
	return buf_take(&b, len);
}
