/*
 * metrics: request counters and latency histograms per route, rendered in
 * the Prometheus text format for GET /metrics.  Recording is a few relaxed
 * atomic additions, cheap enough for every request.
 */
#ifndef SOUKD_METRICS_H
#define SOUKD_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct router;

/* Sizes the counters for the router's routes (plus one for unmatched). */
void	metrics_init(const struct router *);
/* Records one finished request; route_index == count means unmatched. */
void	metrics_request(size_t route_index, int status, uint64_t ns);
/* The whole exposition as text the caller frees; *len gets its length. */
char	*metrics_render(size_t *len);

#endif
