/*
 * metrics.c — GET /metrics in the Prometheus text format (version 0.0.4):
 *
 *   diun_dashboard_requests_in_flight                    gauge
 *   diun_dashboard_requests_total{route,method,status}   counter
 *   diun_dashboard_query_duration_seconds{query}         histogram, from keel's trace hook
 *   diun_dashboard_query_errors_total{query,code}        counter
 *
 * Routes are the API's patterns ("/api/updates/{image}"), never raw paths,
 * so a client cannot grow the table. Queries are the repository's, known
 * ahead; both tables are small and fixed in size.
 */
#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds in seconds, as Prometheus' "le" labels print them. */
static const double bucket_le[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1 };
#define N_BUCKETS (sizeof bucket_le / sizeof bucket_le[0])
#define MAX_REQUEST_SERIES 256
#define MAX_QUERIES 64
#define MAX_ERROR_SERIES 128

typedef struct request_series {
    const char *route;
    char method[8];
    unsigned status;
    atomic_long count;
} request_series;

typedef struct query_series {
    const char *name; /* the generated keel_query's name: lives as long as the program */
    atomic_long buckets[N_BUCKETS]; /* not cumulative here; summed when rendered */
    atomic_long count;
    atomic_llong sum_ns;
} query_series;

typedef struct error_series {
    const char *query;
    int code;
    atomic_long count;
} error_series;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* guards adding series, not counting */
static request_series requests[MAX_REQUEST_SERIES];
static atomic_int n_requests;
static query_series queries[MAX_QUERIES];
static atomic_int n_queries;
static error_series errors[MAX_ERROR_SERIES];
static atomic_int n_errors;

static atomic_int in_flight;

void metrics_request_started(void) { atomic_fetch_add(&in_flight, 1); }
void metrics_request_finished(void) { atomic_fetch_sub(&in_flight, 1); }
int metrics_in_flight(void) { return atomic_load(&in_flight); }

static const char *route_of(const char *path)
{
    static const char *const exact[] = { "/webhook", "/api/updates", "/api/tags", "/api/tag-assignments",
                                         "/healthz", "/metrics", "/" };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(path, exact[i]) == 0)
            return exact[i];
    if (strncmp(path, "/api/updates/", 13) == 0)
        return "/api/updates/{image}";
    if (strncmp(path, "/api/tags/", 10) == 0)
        return "/api/tags/{id}";
    if (strcmp(path, "/app.js") == 0 || strcmp(path, "/style.css") == 0 || strcmp(path, "/favicon.svg") == 0)
        return "/{asset}";
    return "other";
}

static const char *method_of(const char *method)
{
    static const char *const known[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE" };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return "other";
}

void metrics_count_request(const char *path, const char *method, unsigned status)
{
    const char *route = route_of(path), *m = method_of(method);
    int n = atomic_load(&n_requests);
    for (int i = 0; i < n; i++)
        if (requests[i].route == route && requests[i].status == status && strcmp(requests[i].method, m) == 0) {
            atomic_fetch_add(&requests[i].count, 1);
            return;
        }
    pthread_mutex_lock(&lock);
    n = atomic_load(&n_requests);
    int i = 0;
    while (i < n && !(requests[i].route == route && requests[i].status == status && strcmp(requests[i].method, m) == 0))
        i++;
    if (i == n && n < MAX_REQUEST_SERIES) {
        requests[i].route = route;
        snprintf(requests[i].method, sizeof requests[i].method, "%s", m);
        requests[i].status = status;
        atomic_store(&n_requests, n + 1); /* published after it is filled in */
    }
    if (i < MAX_REQUEST_SERIES)
        atomic_fetch_add(&requests[i].count, 1);
    pthread_mutex_unlock(&lock);
}

static query_series *query_series_of(const char *name)
{
    int n = atomic_load(&n_queries);
    for (int i = 0; i < n; i++)
        if (queries[i].name == name || strcmp(queries[i].name, name) == 0)
            return &queries[i];
    pthread_mutex_lock(&lock);
    n = atomic_load(&n_queries);
    query_series *q = NULL;
    for (int i = 0; i < n && q == NULL; i++)
        if (strcmp(queries[i].name, name) == 0)
            q = &queries[i];
    if (q == NULL && n < MAX_QUERIES) {
        q = &queries[n];
        q->name = name;
        atomic_store(&n_queries, n + 1);
    }
    pthread_mutex_unlock(&lock);
    return q;
}

static void count_error(const char *name, int code)
{
    int n = atomic_load(&n_errors);
    for (int i = 0; i < n; i++)
        if (errors[i].code == code && strcmp(errors[i].query, name) == 0) {
            atomic_fetch_add(&errors[i].count, 1);
            return;
        }
    pthread_mutex_lock(&lock);
    n = atomic_load(&n_errors);
    int i = 0;
    while (i < n && !(errors[i].code == code && strcmp(errors[i].query, name) == 0))
        i++;
    if (i == n && n < MAX_ERROR_SERIES) {
        errors[i].query = name;
        errors[i].code = code;
        atomic_store(&n_errors, n + 1);
    }
    if (i < MAX_ERROR_SERIES)
        atomic_fetch_add(&errors[i].count, 1);
    pthread_mutex_unlock(&lock);
}

void metrics_trace(void *ctx, const keel_trace_event *ev)
{
    (void)ctx;
    query_series *q = query_series_of(ev->query);
    if (q == NULL)
        return;
    double seconds = (double)ev->duration_ns / 1e9;
    size_t b = 0;
    while (b < N_BUCKETS && seconds > bucket_le[b])
        b++;
    if (b < N_BUCKETS)
        atomic_fetch_add(&q->buckets[b], 1);
    atomic_fetch_add(&q->count, 1);
    atomic_fetch_add(&q->sum_ns, (long long)ev->duration_ns);
    if (ev->code != KEEL_OK)
        count_error(q->name, ev->code);
}

typedef struct text {
    char *s;
    size_t len, cap;
    bool failed;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if (t->s != NULL && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *grown = realloc(t->s, cap);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
}

char *metrics_render(size_t *len)
{
    text t = { 0 };
    put(&t, "# HELP diun_dashboard_requests_in_flight Requests received and not yet fully answered.\n"
            "# TYPE diun_dashboard_requests_in_flight gauge\n"
            "diun_dashboard_requests_in_flight %d\n", metrics_in_flight());
    put(&t, "# HELP diun_dashboard_requests_total HTTP requests answered, by route pattern, method and status.\n"
            "# TYPE diun_dashboard_requests_total counter\n");
    int n = atomic_load(&n_requests);
    for (int i = 0; i < n; i++)
        put(&t, "diun_dashboard_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} %ld\n", requests[i].route,
            requests[i].method, requests[i].status, atomic_load(&requests[i].count));

    put(&t, "# HELP diun_dashboard_query_duration_seconds Time of each database query, from keel's trace hook.\n"
            "# TYPE diun_dashboard_query_duration_seconds histogram\n");
    n = atomic_load(&n_queries);
    for (int i = 0; i < n; i++) {
        query_series *q = &queries[i];
        long cumulative = 0;
        for (size_t b = 0; b < N_BUCKETS; b++) {
            cumulative += atomic_load(&q->buckets[b]);
            put(&t, "diun_dashboard_query_duration_seconds_bucket{query=\"%s\",le=\"%g\"} %ld\n", q->name,
                bucket_le[b], cumulative);
        }
        long count = atomic_load(&q->count);
        put(&t, "diun_dashboard_query_duration_seconds_bucket{query=\"%s\",le=\"+Inf\"} %ld\n", q->name, count);
        put(&t, "diun_dashboard_query_duration_seconds_sum{query=\"%s\"} %.9f\n", q->name,
            (double)atomic_load(&q->sum_ns) / 1e9);
        put(&t, "diun_dashboard_query_duration_seconds_count{query=\"%s\"} %ld\n", q->name, count);
    }

    put(&t, "# HELP diun_dashboard_query_errors_total Database queries that failed, by keel code.\n"
            "# TYPE diun_dashboard_query_errors_total counter\n");
    n = atomic_load(&n_errors);
    for (int i = 0; i < n; i++)
        put(&t, "diun_dashboard_query_errors_total{query=\"%s\",code=\"%s\"} %ld\n", errors[i].query,
            keel_code_name(errors[i].code), atomic_load(&errors[i].count));
    if (t.failed) {
        free(t.s);
        return NULL;
    }
    *len = t.len;
    return t.s;
}
