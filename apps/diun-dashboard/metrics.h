/*
 * metrics.h — the dashboard's Prometheus metrics (GET /metrics): requests
 * by route pattern, method and status, and per-query call counts, errors
 * and latency histograms fed by keel's trace hook.
 */
#ifndef DIUN_DASHBOARD_METRICS_H
#define DIUN_DASHBOARD_METRICS_H

#include "keel.h"

#include <stddef.h>

/* Requests received and not yet fully answered (a gauge; the drain on SIGTERM waits for 0). */
void metrics_request_started(void);
void metrics_request_finished(void);
int metrics_in_flight(void);

/* Counts one answered request; path is the raw request path. */
void metrics_count_request(const char *path, const char *method, unsigned status);

/* keel_options.trace: one call per database statement. */
void metrics_trace(void *ctx, const keel_trace_event *ev);

/* The text exposition format (version 0.0.4), malloc'd; NULL when out of memory. */
char *metrics_render(size_t *len);

#endif
