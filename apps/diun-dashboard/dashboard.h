/*
 * dashboard.h — the pieces of diun-dashboard: the HTTP front (server.c,
 * libmicrohttpd) hands each complete request to the API (api.c, on the
 * generated diun repository), which fills in a reply.
 */
#ifndef DIUN_DASHBOARD_H
#define DIUN_DASHBOARD_H

#include "keel.h"

#include <stdbool.h>
#include <stddef.h>

#define PROG "diun-dashboard"

/* Bodies larger than this are refused with 413 before they are parsed. */
#define DASH_MAX_BODY (64 * 1024)

/* One complete request. The path is raw (not percent-decoded) and without
 * the query string; header values are NULL when absent. */
typedef struct dash_request {
    const char *method;
    const char *path;
    const char *body;
    size_t body_len;
    const char *content_type;
    const char *authorization;
} dash_request;

/* What the API answers. body is malloc'd (freed by the server) unless
 * body_static is set; allow is the Allow header of a 405. */
typedef struct dash_reply {
    unsigned status;
    char *body;
    size_t body_len;
    bool body_static;
    const char *content_type;
    const char *allow;
    bool is_page; /* a static asset: cacheable, with a content security policy */
} dash_reply;

typedef struct dash_api {
    keel_db *db;
    const char *webhook_secret; /* NULL or "": no Authorization check */
} dash_api;

/* Routes and answers one request; always fills *reply. */
void dash_api_handle(const dash_api *api, const dash_request *rq, dash_reply *reply);

/* A reply with a JSON body {"error": message}. */
void dash_reply_error(dash_reply *reply, unsigned status, const char *message);

/* The web page, embedded at build time (assets.c is generated). */
typedef struct dash_asset {
    const char *path;
    const char *content_type;
    const unsigned char *data;
    size_t len;
} dash_asset;

extern const dash_asset dash_assets[];
extern const size_t dash_asset_count;

#endif /* DIUN_DASHBOARD_H */
