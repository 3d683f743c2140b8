/*
 * diun-dashboard — the Diun dashboard service: receives Diun's webhooks
 * and serves the API and the web page, on the generated diun repository.
 *
 * Configuration (environment):
 *   DATABASE_URL    PostgreSQL (or any keel DSN); unset: SQLite at DB_PATH
 *   DB_PATH         SQLite file, default ./diun.db
 *   LISTEN_ADDR     IPv4 or IPv6 address to listen on, default 127.0.0.1
 *   PORT            TCP port, default 8080; 0 picks a free one (logged)
 *   WEBHOOK_SECRET  when set, POST /webhook needs Authorization: <secret>
 *
 * HTTP is libmicrohttpd with a pool of threads sharing one keel_db. The
 * main thread only waits for SIGTERM/SIGINT: then it stops accepting,
 * lets every request already received finish (and answers them with
 * "Connection: close"), and exits 0.
 */
#include "dashboard.h"
#include "metrics.h"
#include "diun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SHUTDOWN_GRACE_SECONDS 10
/* A chunked body past this much is not even discarded: the connection is
 * dropped. Below it, an oversized body is drained and answered with 413. */
#define MAX_DISCARD (16u * 1024 * 1024)

typedef struct server {
    dash_api api;
    atomic_bool closing;
} server;

/* Per-request state, from the first call of the handler to the
 * completion notice. */
typedef struct request_ctx {
    char *body;
    size_t len, cap;
    size_t discarded;
    bool too_large;
} request_ctx;

static void usage(FILE *out)
{
    fputs("usage: " PROG "\n"
          "\n"
          "Serves the Diun dashboard: POST /webhook for Diun, the JSON API under\n"
          "/api/, and the web page at /. Configured by the environment:\n"
          "\n"
          "  DATABASE_URL    PostgreSQL DSN (or any keel DSN); when unset, SQLite\n"
          "  DB_PATH         the SQLite file (default ./diun.db)\n"
          "  LISTEN_ADDR     address to listen on (default 127.0.0.1)\n"
          "  PORT            port (default 8080; 0: any free port)\n"
          "  WEBHOOK_SECRET  required Authorization header of POST /webhook\n"
          "\n"
          "SIGTERM or SIGINT: finish the requests in progress and exit.\n",
          out);
}

/* ------------------------------------------------------------------------
 * libmicrohttpd callbacks
 * ---------------------------------------------------------------------- */

/* The path reaches the API as sent: it percent-decodes what it routes on
 * itself, so an encoded "/" or NUL cannot change the route. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static enum MHD_Result send_reply(server *s, struct MHD_Connection *c, dash_reply *reply)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(reply->body_len, reply->body,
                                        reply->body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        if (!reply->body_static)
            free(reply->body);
        return MHD_NO;
    }
    if (reply->content_type != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, reply->content_type);
    if (reply->allow != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, reply->allow);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (reply->is_page) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    } else {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    }
    if (atomic_load(&s->closing))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, reply->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_error(server *s, struct MHD_Connection *c, unsigned status, const char *msg)
{
    dash_reply reply;
    dash_reply_error(&reply, status, msg);
    return send_reply(s, c, &reply);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    server *s = cls;
    request_ctx *rc = *con_cls;
    (void)version;

    if (rc == NULL) {
        /* Headers are in; the body (if any) follows in later calls. */
        rc = calloc(1, sizeof *rc);
        if (rc == NULL)
            return MHD_NO;
        *con_cls = rc;
        metrics_request_started();
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL) {
            errno = 0;
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno != 0 || end == cl || n > DASH_MAX_BODY) {
                /* Answered before the body is read; libmicrohttpd then
                 * closes the connection instead of reading it. */
                rc->too_large = true;
                metrics_count_request(url, method, 413);
                return send_error(s, c, 413, "the body is larger than 64 KiB");
            }
        }
        return MHD_YES;
    }

    if (*upload_data_size != 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rc->too_large) {
            rc->discarded += n;
            return rc->discarded > MAX_DISCARD ? MHD_NO : MHD_YES;
        }
        if (rc->len + n > DASH_MAX_BODY) {
            rc->too_large = true;
            rc->discarded = rc->len + n;
            free(rc->body);
            rc->body = NULL;
            rc->len = rc->cap = 0;
            return MHD_YES;
        }
        if (rc->len + n + 1 > rc->cap) {
            size_t cap = rc->cap ? rc->cap : 1024;
            while (cap < rc->len + n + 1)
                cap *= 2;
            char *bigger = realloc(rc->body, cap);
            if (bigger == NULL)
                return MHD_NO;
            rc->body = bigger;
            rc->cap = cap;
        }
        memcpy(rc->body + rc->len, upload_data, n);
        rc->len += n;
        rc->body[rc->len] = '\0';
        return MHD_YES;
    }

    if (rc->too_large) {
        metrics_count_request(url, method, 413);
        return send_error(s, c, 413, "the body is larger than 64 KiB");
    }

    dash_request rq = {
        .method = method,
        .path = url,
        .body = rc->body,
        .body_len = rc->len,
        .content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
    };
    dash_reply reply;
    dash_api_handle(&s->api, &rq, &reply);
    metrics_count_request(url, method, reply.status);
    return send_reply(s, c, &reply);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    request_ctx *rc = *con_cls;
    (void)cls;
    (void)c;
    (void)toe;
    if (rc == NULL)
        return;
    free(rc->body);
    free(rc);
    *con_cls = NULL;
    metrics_request_finished();
}

/* ------------------------------------------------------------------------ */

static void sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * After MHD_quiesce_daemon: connections the kernel completed but nobody
 * accepted yet would be reset when the socket goes away. Accept them and
 * hand them to the daemon, then stop listening (new connections are
 * refused; the fd itself is closed after MHD_stop_daemon).
 */
static void drain_backlog(struct MHD_Daemon *d, MHD_socket listener)
{
    int flags = fcntl(listener, F_GETFL);
    if (flags != -1)
        fcntl(listener, F_SETFL, flags | O_NONBLOCK);
    for (;;) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int fd = accept(listener, (struct sockaddr *)&addr, &len);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            break;
        }
        MHD_add_connection(d, fd, (struct sockaddr *)&addr, len); /* closes fd on failure */
    }
    shutdown(listener, SHUT_RDWR);
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : fallback;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        bool help = strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0;
        usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }

    /* Every thread started from here on inherits the blocked signals; the
     * main thread takes them with sigwait. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    const char *listen_addr = env_or("LISTEN_ADDR", "127.0.0.1");
    const char *port_text = env_or("PORT", "8080");
    char *end;
    errno = 0;
    long port = strtol(port_text, &end, 10);
    if (errno != 0 || *end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, PROG ": error: PORT=%s is not a port number\n", port_text);
        return 2;
    }
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
    bool ipv6 = false;
    if (inet_pton(AF_INET, listen_addr, &sin.sin_addr) != 1) {
        if (inet_pton(AF_INET6, listen_addr, &sin6.sin6_addr) != 1) {
            fprintf(stderr, PROG ": error: LISTEN_ADDR=%s is not an IPv4 or IPv6 address\n", listen_addr);
            return 2;
        }
        ipv6 = true;
    }

    /* The database: DATABASE_URL, else SQLite at DB_PATH. The URL may hold
     * a password: it is never printed. */
    const char *url = getenv("DATABASE_URL");
    bool from_url = url != NULL && url[0] != '\0';
    const char *path = env_or("DB_PATH", "./diun.db");
    const char *where = from_url ? "DATABASE_URL" : path;
    server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return 1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = ncpu > 2 ? (unsigned)(ncpu * 2 > 16 ? 16 : ncpu * 2) : 4;
    keel_db *db = NULL;
    int rc = keel_open(&db, from_url ? url : path,
                       &(keel_options){ .pool_size = (int)threads, .trace = metrics_trace });
    if (rc != KEEL_OK) {
        fprintf(stderr, PROG ": error: cannot open %s: %s\n", where,
                db != NULL ? keel_errmsg(db) : keel_code_name(rc));
        keel_close(db);
        free(s);
        return 1;
    }
    fprintf(stderr, PROG ": using %s (%s)\n",
            keel_db_dialect(db) == KEEL_DIALECT_POSTGRES ? "PostgreSQL" : "SQLite", where);
    rc = keel_migrate(db, &diun_schema);
    if (rc != KEEL_OK) {
        fprintf(stderr, PROG ": error: migrating %s: %s\n", where, keel_errmsg(db));
        keel_close(db);
        free(s);
        return 1;
    }
    s->api = (dash_api){ .db = db, .webhook_secret = getenv("WEBHOOK_SECRET") };
    atomic_init(&s->closing, false);

    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, ipv6 ? (struct sockaddr *)&sin6 : (struct sockaddr *)&sin,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_CONNECTION_LIMIT, 1000u,
        MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, PROG ": error: cannot listen on %s port %ld: %s\n", listen_addr, port,
                errno != 0 ? strerror(errno) : "libmicrohttpd refused");
        keel_close(db);
        free(s);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = info != NULL && info->port != 0 ? info->port : (unsigned)port;
    fprintf(stderr, PROG ": listening on http://%s%s%s:%u/ (%u threads)\n",
            ipv6 ? "[" : "", listen_addr, ipv6 ? "]" : "", bound, threads);
    fflush(stderr);

    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0)
        ;

    /* Stop accepting, then let what was received finish. */
    atomic_store(&s->closing, true);
    fprintf(stderr, PROG ": %s: finishing %d request(s) in progress\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", metrics_in_flight());
    MHD_socket listener = MHD_quiesce_daemon(d);
    if (listener != MHD_INVALID_SOCKET)
        drain_backlog(d, listener);
    double deadline = now_seconds() + SHUTDOWN_GRACE_SECONDS;
    int quiet = 0; /* consecutive checks with nothing in flight */
    while (quiet < 5 && now_seconds() < deadline) {
        quiet = metrics_in_flight() == 0 ? quiet + 1 : 0;
        sleep_ms(20);
    }
    int left = metrics_in_flight();
    MHD_stop_daemon(d);
    /* Only now: a pool thread could still have been using it. */
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    keel_close(db);
    free(s);
    if (left != 0) {
        fprintf(stderr, PROG ": stopped with %d request(s) unfinished after %d s\n", left,
                SHUTDOWN_GRACE_SECONDS);
        return 1;
    }
    fprintf(stderr, PROG ": stopped\n");
    return 0;
}
