/*
 * api.c — the dashboard's routes, on the generated diun repository.
 *
 *   POST   /webhook                 a Diun payload (Authorization = WEBHOOK_SECRET when set)
 *   GET    /api/updates             {image: {event, received_at, acknowledged, tag}}
 *   PATCH  /api/updates/{image}     acknowledge
 *   GET    /api/tags                [{id, name}]
 *   POST   /api/tags                {name} -> 201 {id, name}; 409 when taken
 *   DELETE /api/tags/{id}
 *   PUT    /api/tag-assignments     {image, tag_id}
 *   DELETE /api/tag-assignments     {image, tag_id}
 *   GET    /healthz                 a round trip to the database
 *   GET    /metrics                 Prometheus text format (metrics.c)
 *   GET    /, /app.js, /style.css   the web page
 *
 * Routing works on the raw path: {image} is everything after
 * "/api/updates/", percent-decoded here, so an image's slashes and colons
 * may be sent as they are or encoded (%2F, %3A). Every value reaches SQL as
 * a bound parameter. Inputs that cannot be right (bad JSON, wrong types,
 * invalid image references, control characters in tag names, %00) are
 * refused with a 4xx before the database is touched.
 */
#include "dashboard.h"
#include "diun.h"
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IMAGE_LEN 512
#define MAX_TAG_NAME_LEN 100 /* bytes of UTF-8 */

/* ------------------------------------------------------------------------
 * Replies
 * ---------------------------------------------------------------------- */

static void reply_json(dash_reply *reply, unsigned status, json_t *value)
{
    char *text = value != NULL ? json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)
                               : NULL;
    json_decref(value);
    if (text == NULL) {
        *reply = (dash_reply){ .status = 500,
                               .body = (char *)"{\"error\":\"out of memory\"}",
                               .body_static = true };
        reply->body_len = strlen(reply->body);
    } else {
        *reply = (dash_reply){ .status = status, .body = text, .body_len = strlen(text) };
    }
    reply->content_type = "application/json";
}

void dash_reply_error(dash_reply *reply, unsigned status, const char *message)
{
    reply_json(reply, status, json_pack("{s:s}", "error", message));
}

static void reply_empty(dash_reply *reply, unsigned status)
{
    *reply = (dash_reply){ .status = status, .body = (char *)"", .body_static = true };
}

static void reply_method_not_allowed(dash_reply *reply, const char *allow)
{
    dash_reply_error(reply, 405, "method not allowed");
    reply->allow = allow;
}

/* A database failure: 503 when the engine is away or busy, else 500. The
 * engine's message goes to the log, not to the client. */
static void reply_db_error(const dash_api *api, dash_reply *reply, const char *what, int rc)
{
    fprintf(stderr, PROG ": error: %s: %s: %s\n", what, keel_code_name(rc), keel_errmsg(api->db));
    bool unavailable = rc == KEEL_CONNECTION_LOST || rc == KEEL_BUSY || rc == KEEL_CLOSED;
    dash_reply_error(reply, unavailable ? 503 : 500,
                     unavailable ? "database unavailable" : "database error");
}

/* ------------------------------------------------------------------------
 * Input checks
 * ---------------------------------------------------------------------- */

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * A container image reference as Diun reports it
 * (registry[:port]/path/name[:tag][@digest]): ASCII letters, digits and
 * . _ - / : @, starting with a letter or digit; no empty path component
 * and none starting with a dot (so no "." or ".."). Anything else cannot
 * be an image: a webhook carrying it is refused.
 */
static bool valid_image(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > MAX_IMAGE_LEN || !is_alnum(s[0]))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!is_alnum(c) && strchr("._-/:@", c) == NULL)
            return false;
        if (c == '/' && (s[i + 1] == '/' || s[i + 1] == '.' || s[i + 1] == '\0'))
            return false;
    }
    return true;
}

/* A tag name: 1..MAX_TAG_NAME_LEN bytes of UTF-8 (jansson has checked the
 * encoding), no control characters. Anything else is stored verbatim. */
static bool valid_tag_name(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > MAX_TAG_NAME_LEN)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return false;
        /* U+0080..U+009F (C1 controls) are C2 80..C2 9F in UTF-8. */
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            return false;
    }
    return true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes a path segment into a new string; NULL (with errno
 * EINVAL) for a malformed escape or an encoded NUL, which would otherwise
 * cut the value short and name another row. */
static char *percent_decode(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    if (out == NULL)
        return NULL;
    char *o = out;
    for (const char *p = s; *p; p++) {
        if (*p != '%') {
            *o++ = *p;
            continue;
        }
        int hi = hex_value(p[1]), lo = hi < 0 ? -1 : hex_value(p[2]);
        if (lo < 0 || (hi == 0 && lo == 0)) {
            free(out);
            errno = EINVAL;
            return NULL;
        }
        *o++ = (char)(hi * 16 + lo);
        p += 2;
    }
    *o = '\0';
    return out;
}

/* A positive decimal id, digits only; false for anything else (signs,
 * spaces, overflow). */
static bool parse_id(const char *s, int64_t *id)
{
    if (*s == '\0' || strlen(s) > 18)
        return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
    }
    *id = v;
    return v > 0;
}

/* Compares the Authorization header with the secret in time that depends
 * on the secret's length only, never on where they first differ. */
static bool secret_matches(const char *given, const char *secret)
{
    size_t given_len = given != NULL ? strlen(given) : 0;
    size_t secret_len = strlen(secret);
    unsigned char diff = given_len != secret_len;
    for (size_t i = 0; i < secret_len; i++) {
        unsigned char g = i < given_len ? (unsigned char)given[i] : 0;
        diff |= g ^ (unsigned char)secret[i];
    }
    /* Keep the compiler from turning the loop into an early exit. */
    return *(volatile unsigned char *)&diff == 0;
}

/* The body as a JSON object, or a 4xx in *reply and NULL. */
static json_t *parse_object(const dash_request *rq, dash_reply *reply)
{
    json_error_t err;
    json_t *v = json_loadb(rq->body != NULL ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &err);
    if (v == NULL) {
        char msg[sizeof err.text + 64];
        snprintf(msg, sizeof msg, "invalid JSON at line %d, column %d: %s", err.line, err.column, err.text);
        dash_reply_error(reply, 400, msg);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        dash_reply_error(reply, 400, "the body is not a JSON object");
        return NULL;
    }
    return v;
}

/* API writes with a body must say it is JSON: a cross-site form cannot,
 * so a page elsewhere cannot change the dashboard through a visitor. */
static bool is_json_content(const dash_request *rq, dash_reply *reply)
{
    const char *ct = rq->content_type;
    size_t n = strlen("application/json");
    if (ct != NULL && strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
        return true;
    dash_reply_error(reply, 415, "Content-Type must be application/json");
    return false;
}

/* ------------------------------------------------------------------------
 * POST /webhook
 * ---------------------------------------------------------------------- */

/* obj[key] as a string: NULL when absent or null; names the key in *bad
 * when it holds another type. */
static const char *text_field(json_t *obj, const char *key, const char **bad)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        if (*bad == NULL)
            *bad = key;
        return NULL;
    }
    return json_string_value(v);
}

static void post_webhook(const dash_api *api, const dash_request *rq, dash_reply *reply)
{
    if (api->webhook_secret != NULL && api->webhook_secret[0] != '\0' &&
        !secret_matches(rq->authorization, api->webhook_secret)) {
        dash_reply_error(reply, 401, "missing or wrong Authorization");
        return;
    }
    json_t *payload = parse_object(rq, reply);
    if (payload == NULL)
        return;
    char msg[128];
    const char *bad = NULL;
    json_t *meta = json_object_get(payload, "metadata");
    if (meta != NULL && !json_is_object(meta) && !json_is_null(meta)) {
        dash_reply_error(reply, 400, "\"metadata\" is not an object");
        goto out;
    }
    diun_upsert_event_params p = {
        .image = text_field(payload, "image", &bad),
        .diun_version = text_field(payload, "diun_version", &bad),
        .hostname = text_field(payload, "hostname", &bad),
        .status = text_field(payload, "status", &bad),
        .provider = text_field(payload, "provider", &bad),
        .hub_link = text_field(payload, "hub_link", &bad),
        .mime_type = text_field(payload, "mime_type", &bad),
        .digest = text_field(payload, "digest", &bad),
        .created = text_field(payload, "created", &bad),
        .platform = text_field(payload, "platform", &bad),
        .ctn_name = text_field(meta, "ctn_names", &bad),
        .ctn_id = text_field(meta, "ctn_id", &bad),
        .ctn_state = text_field(meta, "ctn_state", &bad),
        .ctn_status = text_field(meta, "ctn_status", &bad),
    };
    if (bad != NULL) {
        snprintf(msg, sizeof msg, "\"%s\" is not a string", bad);
        dash_reply_error(reply, 400, msg);
        goto out;
    }
    const struct { const char *name, *value; } required[] = {
        { "image", p.image },       { "diun_version", p.diun_version },
        { "hostname", p.hostname }, { "status", p.status },
        { "provider", p.provider },
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (required[i].value == NULL || required[i].value[0] == '\0') {
            snprintf(msg, sizeof msg, "the payload has no \"%s\"", required[i].name);
            dash_reply_error(reply, 400, msg);
            goto out;
        }
    }
    if (!valid_image(p.image)) {
        dash_reply_error(reply, 400, "\"image\" is not an image reference");
        goto out;
    }
    int rc = diun_upsert_event(api->db, &p);
    if (rc != KEEL_OK)
        reply_db_error(api, reply, "storing a webhook", rc);
    else
        reply_json(reply, 200, json_pack("{s:s}", "image", p.image));
out:
    json_decref(payload);
}

/* ------------------------------------------------------------------------
 * /api/updates
 * ---------------------------------------------------------------------- */

/* Timestamps as RFC 3339 on both engines: SQLite's are already
 * ("2024-05-02T09:14:03.512Z"); PostgreSQL's text form
 * ("2024-05-02 09:14:03.512345+00") gets a T and a full offset. */
static json_t *timestamp_json(const char *s)
{
    if (s == NULL)
        return json_null();
    char buf[64];
    size_t len = strlen(s);
    if (len + 4 > sizeof buf)
        return json_string(s);
    memcpy(buf, s, len + 1);
    if (len > 10 && buf[10] == ' ')
        buf[10] = 'T';
    const char *sign = len > 19 ? strpbrk(buf + 19, "+-") : NULL;
    if (sign != NULL && strlen(sign) == 3)
        memcpy(buf + len, ":00", 4);
    return json_string(buf);
}

static void set_text(json_t *obj, const char *key, const char *value)
{
    if (value != NULL)
        json_object_set_new(obj, key, json_string(value));
}

/* The stored event in Diun's own shape. */
static json_t *event_json(const diun_get_updates_row *r)
{
    json_t *ev = json_object();
    set_text(ev, "diun_version", r->diun_version);
    set_text(ev, "hostname", r->hostname);
    set_text(ev, "status", r->status);
    set_text(ev, "provider", r->provider);
    set_text(ev, "image", r->image);
    set_text(ev, "hub_link", r->hub_link);
    set_text(ev, "mime_type", r->mime_type);
    set_text(ev, "digest", r->digest);
    set_text(ev, "created", r->created);
    set_text(ev, "platform", r->platform);
    if (r->ctn_name || r->ctn_id || r->ctn_state || r->ctn_status) {
        json_t *meta = json_object();
        set_text(meta, "ctn_names", r->ctn_name);
        set_text(meta, "ctn_id", r->ctn_id);
        set_text(meta, "ctn_state", r->ctn_state);
        set_text(meta, "ctn_status", r->ctn_status);
        json_object_set_new(ev, "metadata", meta);
    }
    return ev;
}

static int add_update(const diun_get_updates_row *r, void *ctx)
{
    json_t *all = ctx;
    json_t *tag = r->tag_id.valid ? json_pack("{s:I,s:s}", "id", (json_int_t)r->tag_id.value,
                                              "name", r->tag_name != NULL ? r->tag_name : "")
                                  : json_null();
    json_t *entry = json_pack("{s:o,s:o,s:b,s:o,s:I,s:o}",
                              "event", event_json(r),
                              "received_at", timestamp_json(r->received_at),
                              "acknowledged", r->acknowledged_at != NULL,
                              "acknowledged_at", timestamp_json(r->acknowledged_at),
                              "seen_count", (json_int_t)r->seen_count,
                              "tag", tag);
    if (entry == NULL || json_object_set_new(all, r->image, entry) != 0)
        return KEEL_NOMEM;
    return 0;
}

static void get_updates(const dash_api *api, dash_reply *reply)
{
    json_t *all = json_object();
    if (all == NULL) {
        dash_reply_error(reply, 500, "out of memory");
        return;
    }
    int rc = diun_get_updates_each(api->db, add_update, all);
    if (rc != KEEL_OK) {
        json_decref(all);
        reply_db_error(api, reply, "reading updates", rc);
        return;
    }
    reply_json(reply, 200, all);
}

static void patch_update(const dash_api *api, const char *raw_image, dash_reply *reply)
{
    char *image = percent_decode(raw_image);
    if (image == NULL) {
        dash_reply_error(reply, 400, errno == EINVAL ? "malformed percent-encoding in the image"
                                                     : "out of memory");
        return;
    }
    if (!valid_image(image)) {
        dash_reply_error(reply, 404, "no such image");
        free(image);
        return;
    }
    int64_t affected = 0;
    int rc = diun_acknowledge_update(api->db, image, &affected);
    if (rc != KEEL_OK)
        reply_db_error(api, reply, "acknowledging", rc);
    else if (affected == 0)
        dash_reply_error(reply, 404, "no such image");
    else
        reply_json(reply, 200, json_pack("{s:s,s:b}", "image", image, "acknowledged", 1));
    free(image);
}

/* ------------------------------------------------------------------------
 * /api/tags
 * ---------------------------------------------------------------------- */

static int add_tag(const diun_list_tags_row *r, void *ctx)
{
    json_t *tag = json_pack("{s:I,s:s}", "id", (json_int_t)r->id, "name", r->name);
    return tag == NULL || json_array_append_new(ctx, tag) != 0 ? KEEL_NOMEM : 0;
}

static void get_tags(const dash_api *api, dash_reply *reply)
{
    json_t *tags = json_array();
    int rc = tags != NULL ? diun_list_tags_each(api->db, add_tag, tags) : KEEL_NOMEM;
    if (rc != KEEL_OK) {
        json_decref(tags);
        reply_db_error(api, reply, "listing tags", rc);
        return;
    }
    reply_json(reply, 200, tags);
}

static void post_tag(const dash_api *api, const dash_request *rq, dash_reply *reply)
{
    if (!is_json_content(rq, reply))
        return;
    json_t *body = parse_object(rq, reply);
    if (body == NULL)
        return;
    json_t *name = json_object_get(body, "name");
    if (!json_is_string(name)) {
        dash_reply_error(reply, 400, "\"name\" must be a string");
    } else if (!valid_tag_name(json_string_value(name))) {
        dash_reply_error(reply, 400, "a tag name has 1 to 100 bytes and no control characters");
    } else {
        keel_arena arena = KEEL_ARENA_INIT;
        diun_create_tag_row row;
        int rc = diun_create_tag(api->db, json_string_value(name), &arena, &row);
        if (rc == KEEL_UNIQUE_VIOLATION)
            dash_reply_error(reply, 409, "a tag with this name exists");
        else if (rc != KEEL_OK)
            reply_db_error(api, reply, "creating a tag", rc);
        else
            reply_json(reply, 201, json_pack("{s:I,s:s}", "id", (json_int_t)row.id, "name", row.name));
        keel_arena_free(&arena);
    }
    json_decref(body);
}

static void delete_tag(const dash_api *api, const char *raw_id, dash_reply *reply)
{
    int64_t id;
    if (!parse_id(raw_id, &id)) {
        dash_reply_error(reply, 404, "no such tag");
        return;
    }
    int64_t affected = 0;
    int rc = diun_delete_tag(api->db, id, &affected);
    if (rc != KEEL_OK)
        reply_db_error(api, reply, "deleting a tag", rc);
    else if (affected == 0)
        dash_reply_error(reply, 404, "no such tag");
    else
        reply_empty(reply, 204);
}

/* ------------------------------------------------------------------------
 * /api/tag-assignments
 * ---------------------------------------------------------------------- */

static void tag_assignment(const dash_api *api, const dash_request *rq, bool assign, dash_reply *reply)
{
    if (!is_json_content(rq, reply))
        return;
    json_t *body = parse_object(rq, reply);
    if (body == NULL)
        return;
    json_t *image = json_object_get(body, "image");
    json_t *tag_id = json_object_get(body, "tag_id");
    if (!json_is_string(image) || !json_is_integer(tag_id)) {
        dash_reply_error(reply, 400, "the body must be {\"image\": string, \"tag_id\": integer}");
        goto out;
    }
    const char *img = json_string_value(image);
    int64_t id = json_integer_value(tag_id);
    int rc;
    if (assign) {
        rc = diun_assign_tag(api->db, &(diun_assign_tag_params){ .image = img, .tag_id = id });
        if (rc == KEEL_FOREIGN_KEY_VIOLATION) {
            diun_tag_exists_row exists = { 0 };
            int rc2 = diun_tag_exists(api->db, id, &exists);
            if (rc2 != KEEL_OK)
                reply_db_error(api, reply, "checking a tag", rc2);
            else
                dash_reply_error(reply, 404, exists.tag_exists ? "no such image" : "no such tag");
        } else if (rc != KEEL_OK) {
            reply_db_error(api, reply, "assigning a tag", rc);
        } else {
            reply_json(reply, 200, json_pack("{s:s,s:I}", "image", img, "tag_id", (json_int_t)id));
        }
    } else {
        int64_t affected = 0;
        rc = diun_remove_tag_assignment(api->db,
                                        &(diun_remove_tag_assignment_params){ .image = img, .tag_id = id },
                                        &affected);
        if (rc != KEEL_OK)
            reply_db_error(api, reply, "removing a tag", rc);
        else if (affected == 0)
            dash_reply_error(reply, 404, "no such tag assignment");
        else
            reply_empty(reply, 204);
    }
out:
    json_decref(body);
}

/* ------------------------------------------------------------------------
 * Routing
 * ---------------------------------------------------------------------- */

static bool is(const dash_request *rq, const char *method)
{
    return strcmp(rq->method, method) == 0;
}

static bool is_get(const dash_request *rq)
{
    return is(rq, "GET") || is(rq, "HEAD");
}

/* Suffix of path after prefix, or NULL. */
static const char *after(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 ? path + n : NULL;
}

void dash_api_handle(const dash_api *api, const dash_request *rq, dash_reply *reply)
{
    const char *path = rq->path;
    const char *rest;

    for (size_t i = 0; i < dash_asset_count; i++) {
        if (strcmp(path, dash_assets[i].path) != 0)
            continue;
        if (!is_get(rq)) {
            reply_method_not_allowed(reply, "GET, HEAD");
            return;
        }
        *reply = (dash_reply){ .status = 200,
                               .body = (char *)dash_assets[i].data,
                               .body_len = dash_assets[i].len,
                               .body_static = true,
                               .content_type = dash_assets[i].content_type,
                               .is_page = true };
        return;
    }

    if (strcmp(path, "/webhook") == 0) {
        if (is(rq, "POST"))
            post_webhook(api, rq, reply);
        else
            reply_method_not_allowed(reply, "POST");
    } else if (strcmp(path, "/api/updates") == 0) {
        if (is_get(rq))
            get_updates(api, reply);
        else
            reply_method_not_allowed(reply, "GET, HEAD");
    } else if ((rest = after(path, "/api/updates/")) != NULL) {
        if (is(rq, "PATCH"))
            patch_update(api, rest, reply);
        else
            reply_method_not_allowed(reply, "PATCH");
    } else if (strcmp(path, "/api/tags") == 0) {
        if (is_get(rq))
            get_tags(api, reply);
        else if (is(rq, "POST"))
            post_tag(api, rq, reply);
        else
            reply_method_not_allowed(reply, "GET, HEAD, POST");
    } else if ((rest = after(path, "/api/tags/")) != NULL) {
        if (is(rq, "DELETE"))
            delete_tag(api, rest, reply);
        else
            reply_method_not_allowed(reply, "DELETE");
    } else if (strcmp(path, "/api/tag-assignments") == 0) {
        if (is(rq, "PUT") || is(rq, "DELETE"))
            tag_assignment(api, rq, is(rq, "PUT"), reply);
        else
            reply_method_not_allowed(reply, "PUT, DELETE");
    } else if (strcmp(path, "/metrics") == 0) {
        size_t len = 0;
        char *text = is_get(rq) ? metrics_render(&len) : NULL;
        if (!is_get(rq))
            reply_method_not_allowed(reply, "GET, HEAD");
        else if (text == NULL)
            dash_reply_error(reply, 500, "out of memory");
        else
            *reply = (dash_reply){ .status = 200, .body = text, .body_len = len,
                                   .content_type = "text/plain; version=0.0.4; charset=utf-8" };
    } else if (strcmp(path, "/healthz") == 0) {
        int rc = keel_ping(api->db);
        if (rc != KEEL_OK)
            reply_db_error(api, reply, "health check", rc);
        else
            reply_json(reply, 200, json_pack("{s:s}", "status", "ok"));
    } else {
        dash_reply_error(reply, 404, "not found");
    }
}
