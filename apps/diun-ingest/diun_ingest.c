/*
 * diun-ingest — stores Diun webhook payloads and prints the dashboard.
 *
 *   diun-ingest [--ack IMAGE]... [--tag IMAGE NAME]... [FILE.json | -]...
 *
 * Each input holds one JSON payload or several (concatenated, or one per
 * line). With no FILE and no --ack/--tag, or with "-", it reads stdin.
 * Payloads are stored first, then --ack and --tag run in the order given,
 * then every image is printed as a table on stdout.
 *
 * The database is DATABASE_URL when set (any keel DSN: postgres://...,
 * "host=... dbname=...", or an SQLite path), else the SQLite file DB_PATH
 * (default ./diun.db). Exit status: 0 ok, 1 a payload or action failed (the
 * others still ran), 2 bad usage or no database.
 */
#include "diun.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "diun-ingest"

static void usage(FILE *out)
{
    fputs("usage: " PROG " [--ack IMAGE]... [--tag IMAGE NAME]... [FILE.json | -]...\n"
          "\n"
          "Stores Diun webhook payloads (one or several JSON objects per FILE;\n"
          "stdin when no FILE is given or FILE is -), then acknowledges and tags\n"
          "images, then prints every image.\n"
          "\n"
          "  --ack IMAGE        mark IMAGE's latest update as seen\n"
          "  --tag IMAGE NAME   tag IMAGE with NAME (created when missing)\n"
          "\n"
          "Database: DATABASE_URL if set (postgres://... or any keel DSN),\n"
          "else the SQLite file DB_PATH (default ./diun.db).\n",
          out);
}

/* ------------------------------------------------------------------------
 * Input
 * ---------------------------------------------------------------------- */

/* Reads all of f into a NUL-terminated buffer; NULL with errno on failure. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f)) {
            int saved = errno;
            free(buf);
            errno = saved;
            return NULL;
        }
        if (feof(f)) {
            buf[n] = '\0';
            *len = n;
            return buf;
        }
        char *bigger = realloc(buf, cap *= 2);
        if (bigger == NULL)
            free(buf);
        buf = bigger;
    }
    errno = ENOMEM;
    return NULL;
}

/* A position in an input, 1-based line, 0-based column in UTF-8 characters
 * (jansson counts columns the same way). Only moves forward. */
typedef struct cursor {
    const char *buf;
    size_t off;
    int line, col;
} cursor;

static void cursor_advance(cursor *c, size_t to)
{
    for (; c->off < to; c->off++) {
        unsigned char b = (unsigned char)c->buf[c->off];
        if (b == '\n') {
            c->line++;
            c->col = 0;
        } else if ((b & 0xC0) != 0x80) {
            c->col++;
        }
    }
}

/* ------------------------------------------------------------------------
 * Payloads
 * ---------------------------------------------------------------------- */

/* obj[key] as a string: NULL when absent or null; sets *bad when the value
 * is of another type. */
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

/* Stores one payload; on failure writes a message to err and returns
 * non-zero. */
static int store_payload(keel_db *db, json_t *payload, char *err, size_t err_size)
{
    if (!json_is_object(payload)) {
        snprintf(err, err_size, "payload is not a JSON object");
        return 1;
    }
    const char *bad = NULL;
    json_t *meta = json_object_get(payload, "metadata");
    if (meta != NULL && !json_is_object(meta) && !json_is_null(meta)) {
        snprintf(err, err_size, "\"metadata\" is not an object");
        return 1;
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
        snprintf(err, err_size, "\"%s\" is not a string", bad);
        return 1;
    }
    const struct { const char *name, *value; } required[] = {
        { "image", p.image },       { "diun_version", p.diun_version },
        { "hostname", p.hostname }, { "status", p.status },
        { "provider", p.provider },
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (required[i].value == NULL || required[i].value[0] == '\0') {
            snprintf(err, err_size, "payload has no \"%s\"", required[i].name);
            return 1;
        }
    }
    int rc = diun_upsert_event(db, &p);
    if (rc != KEEL_OK) {
        snprintf(err, err_size, "%s: %s", p.image, keel_errmsg(db));
        return 1;
    }
    return 0;
}

/* Stores every payload of one input; returns the number of errors. A
 * syntax error ends the input: where the next payload starts is unknown. */
static int ingest(keel_db *db, const char *label, FILE *f)
{
    size_t len = 0;
    char *buf = read_all(f, &len);
    if (buf == NULL) {
        fprintf(stderr, "%s: error: %s\n", label, strerror(errno));
        return 1;
    }
    int errors = 0;
    cursor at = { .buf = buf, .off = 0, .line = 1, .col = 0 };
    for (;;) {
        size_t start = at.off;
        while (start < len && strchr(" \t\r\n", buf[start]) != NULL)
            start++;
        if (start >= len)
            break;
        cursor_advance(&at, start);

        json_error_t jerr;
        json_t *payload = json_loadb(buf + start, len - start, JSON_DISABLE_EOF_CHECK, &jerr);
        if (payload == NULL) {
            /* jansson counts from the start of this payload. */
            int line = at.line + jerr.line - 1;
            int col = jerr.line == 1 ? at.col + jerr.column : jerr.column;
            fprintf(stderr, "%s:%d:%d: error: %s\n", label, line, col, jerr.text);
            errors++;
            break;
        }
        char msg[512];
        if (store_payload(db, payload, msg, sizeof msg) != 0) {
            fprintf(stderr, "%s:%d:%d: error: %s\n", label, at.line, at.col + 1, msg);
            errors++;
        }
        json_decref(payload);
        /* On success jansson reports how many bytes it consumed. */
        cursor_advance(&at, start + (size_t)jerr.position);
    }
    free(buf);
    return errors;
}

static int ingest_path(keel_db *db, const char *path)
{
    if (strcmp(path, "-") == 0)
        return ingest(db, "<stdin>", stdin);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: error: %s\n", path, strerror(errno));
        return 1;
    }
    int errors = ingest(db, path, f);
    fclose(f);
    return errors;
}

/* ------------------------------------------------------------------------
 * Actions
 * ---------------------------------------------------------------------- */

static int acknowledge(keel_db *db, const char *image)
{
    int64_t affected = 0;
    int rc = diun_acknowledge_update(db, image, &affected);
    if (rc != KEEL_OK) {
        fprintf(stderr, PROG ": error: --ack %s: %s\n", image, keel_errmsg(db));
        return 1;
    }
    if (affected == 0) {
        fprintf(stderr, PROG ": error: --ack %s: no such image\n", image);
        return 1;
    }
    return 0;
}

typedef struct tag_job {
    const char *image, *name;
    int64_t tag_id;
    char err[512];
} tag_job;

#define TAG_FOUND (-1) /* not a keel_code: stops the scan */

static int match_tag(const diun_list_tags_row *row, void *ctx)
{
    tag_job *job = ctx;
    if (strcmp(row->name, job->name) != 0)
        return 0;
    job->tag_id = row->id;
    return TAG_FOUND;
}

/* In one transaction: find or create the tag, then assign it. */
static int tag_image_tx(keel_db *tx, void *ctx)
{
    tag_job *job = ctx;
    int rc = diun_list_tags_each(tx, match_tag, job);
    if (rc == KEEL_OK) { /* no such tag yet */
        keel_arena arena = KEEL_ARENA_INIT;
        diun_create_tag_row row = { 0 };
        rc = diun_create_tag(tx, job->name, &arena, &row);
        if (rc == KEEL_OK)
            job->tag_id = row.id;
        keel_arena_free(&arena);
    } else if (rc == TAG_FOUND) {
        rc = KEEL_OK;
    }
    if (rc == KEEL_OK)
        rc = diun_assign_tag(tx, &(diun_assign_tag_params){ .image = job->image,
                                                              .tag_id = job->tag_id });
    if (rc == KEEL_FOREIGN_KEY_VIOLATION)
        snprintf(job->err, sizeof job->err, "no such image");
    else if (rc != KEEL_OK)
        snprintf(job->err, sizeof job->err, "%s", keel_errmsg(tx));
    return rc;
}

static int tag_image(keel_db *db, const char *image, const char *name)
{
    tag_job job = { .image = image, .name = name };
    int rc = keel_update(db, tag_image_tx, &job);
    if (rc != KEEL_OK) {
        fprintf(stderr, PROG ": error: --tag %s %s: %s\n", image, name,
                job.err[0] ? job.err : keel_errmsg(db));
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * The dashboard
 * ---------------------------------------------------------------------- */

/* Width on a terminal, counting UTF-8 characters (not East Asian width). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

enum { COL_IMAGE, COL_STATUS, COL_SEEN, COL_RECEIVED, COL_ACK, COL_TAG, N_COLS };
static const char *const headers[N_COLS] = { "IMAGE", "STATUS", "SEEN", "RECEIVED", "ACK", "TAG" };

static void print_row(const char *const cells[N_COLS], const size_t widths[N_COLS])
{
    for (int c = 0; c < N_COLS; c++) {
        if (c == N_COLS - 1) {
            printf("%s\n", cells[c]);
        } else {
            printf("%s%*s", cells[c], (int)(widths[c] - text_width(cells[c]) + 2), "");
        }
    }
}

static int print_dashboard(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    size_t n = 0;
    int rc = diun_get_updates(db, &arena, &rows, &n);
    if (rc != KEEL_OK) {
        fprintf(stderr, PROG ": error: reading updates: %s\n", keel_errmsg(db));
        keel_arena_free(&arena);
        return 1;
    }

    /* One arena block for the cells; seen counts are formatted into it. */
    const char **cells = keel_arena_alloc(&arena, (n + 1) * N_COLS * sizeof *cells);
    if (cells == NULL) {
        fprintf(stderr, PROG ": error: out of memory\n");
        keel_arena_free(&arena);
        return 1;
    }
    size_t widths[N_COLS];
    for (int c = 0; c < N_COLS; c++) {
        cells[c] = headers[c];
        widths[c] = text_width(headers[c]);
    }
    for (size_t i = 0; i < n; i++) {
        const diun_get_updates_row *r = &rows[i];
        const char **row = &cells[(i + 1) * N_COLS];
        char seen[24];
        snprintf(seen, sizeof seen, "%" PRId64, r->seen_count);
        row[COL_IMAGE] = r->image;
        row[COL_STATUS] = r->status;
        row[COL_SEEN] = keel_arena_strndup(&arena, seen, strlen(seen));
        row[COL_RECEIVED] = r->received_at;
        row[COL_ACK] = r->acknowledged_at != NULL ? "yes" : "no";
        row[COL_TAG] = r->tag_name != NULL ? r->tag_name : "-";
        for (int c = 0; c < N_COLS; c++) {
            if (row[c] == NULL)
                row[c] = "";
            size_t w = text_width(row[c]);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    for (size_t i = 0; i <= n; i++)
        print_row(&cells[i * N_COLS], widths);
    keel_arena_free(&arena);
    return fflush(stdout) != 0;
}

/* ------------------------------------------------------------------------ */

typedef struct action {
    const char *image, *tag; /* tag NULL: --ack */
} action;

int main(int argc, char **argv)
{
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    action *actions = calloc((size_t)argc + 1, sizeof *actions);
    size_t n_inputs = 0, n_actions = 0;
    bool options_done = false;
    int status = 2;
    keel_db *db = NULL;

    if (inputs == NULL || actions == NULL) {
        fprintf(stderr, PROG ": error: out of memory\n");
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
            inputs[n_inputs++] = arg;
        } else if (strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            status = 0;
            goto out;
        } else if (strcmp(arg, "--ack") == 0 && i + 1 < argc) {
            actions[n_actions++] = (action){ .image = argv[i + 1] };
            i += 1;
        } else if (strcmp(arg, "--tag") == 0 && i + 2 < argc) {
            actions[n_actions++] = (action){ .image = argv[i + 1], .tag = argv[i + 2] };
            i += 2;
        } else {
            fprintf(stderr, PROG ": error: %s: unknown option or missing argument\n", arg);
            usage(stderr);
            goto out;
        }
    }
    if (n_inputs == 0 && n_actions == 0)
        inputs[n_inputs++] = "-";

    const char *url = getenv("DATABASE_URL");
    const char *path = getenv("DB_PATH");
    if (path == NULL || path[0] == '\0')
        path = "./diun.db";
    bool from_url = url != NULL && url[0] != '\0';
    /* The URL may hold a password: it is never printed. */
    const char *where = from_url ? "DATABASE_URL" : path;

    int rc = keel_open(&db, from_url ? url : path, NULL);
    if (rc != KEEL_OK) {
        fprintf(stderr, PROG ": error: cannot open %s: %s\n", where,
                db != NULL ? keel_errmsg(db) : keel_code_name(rc));
        goto out;
    }
    fprintf(stderr, PROG ": using %s (%s)\n",
            keel_db_dialect(db) == KEEL_DIALECT_POSTGRES ? "PostgreSQL" : "SQLite", where);
    rc = keel_migrate(db, &diun_schema);
    if (rc != KEEL_OK) {
        fprintf(stderr, PROG ": error: migrating %s: %s\n", where, keel_errmsg(db));
        goto out;
    }

    int errors = 0;
    for (size_t i = 0; i < n_inputs; i++)
        errors += ingest_path(db, inputs[i]);
    for (size_t i = 0; i < n_actions; i++)
        errors += actions[i].tag != NULL ? tag_image(db, actions[i].image, actions[i].tag)
                                         : acknowledge(db, actions[i].image);
    errors += print_dashboard(db);
    status = errors != 0;
out:
    keel_close(db);
    free(inputs);
    free(actions);
    return status;
}
