/*
 * keel_stmt.c — the statement API that generated code calls (keel.h's
 * keel_stmt_*, keel_bind_*, keel_column_*), engine-neutral: routing a
 * statement to a connection, the per-connection statement cache, list
 * parameters, tracing, and the calls into the statement's engine
 * (sqlite/sqlite_stmt.c, pg/pg_stmt.c, pg/pg_columns.c).
 *
 * Cost model: after a query's first use on a connection, a call allocates
 * nothing in keel. The statement itself, its parameter arrays and column
 * buffers live with the connection's cache entry and are reused; bound text
 * and blobs are borrowed from the caller (keel.h states the rule). Each
 * entry point below is a NULL check and one call through the statement's
 * engine table into code written for that engine alone.
 *
 * Tracing, interrupts and SQLite's statement deadline are checked at open,
 * first step and close only, never per row.
 */
#include "keel_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * Per-connection cache, keyed by the keel_query's address.
 * ------------------------------------------------------------------------- */
static size_t hash_query(const keel_query *q, size_t capacity)
{
    uint64_t h = (uint64_t)(uintptr_t)q;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)h & (capacity - 1);
}

keel_cached_stmt *keel_cache_find(keel_stmt_cache *c, const keel_query *q)
{
    if (c->capacity == 0)
        return NULL;
    for (size_t i = hash_query(q, c->capacity);; i = (i + 1) & (c->capacity - 1)) {
        keel_cached_stmt *s = &c->slots[i];
        if (s->query == NULL)
            return NULL;
        if (s->query == q && s->sql == q->sql)
            return s;
    }
}

static bool cache_grow(keel_stmt_cache *c)
{
    size_t capacity = c->capacity ? c->capacity * 2 : 32;
    keel_cached_stmt *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL)
        return false;
    for (size_t i = 0; i < c->capacity; i++) {
        keel_cached_stmt *old = &c->slots[i];
        if (old->query == NULL)
            continue;
        size_t j = hash_query(old->query, capacity);
        while (slots[j].query != NULL)
            j = (j + 1) & (capacity - 1);
        slots[j] = *old;
    }
    free(c->slots);
    c->slots = slots;
    c->capacity = capacity;
    return true;
}

keel_cached_stmt *keel_cache_insert(keel_stmt_cache *c, const keel_query *q)
{
    if ((c->count + 1) * 2 > c->capacity && !cache_grow(c))
        return NULL;
    size_t i = hash_query(q, c->capacity);
    while (c->slots[i].query != NULL) /* a stale entry for a reused struct stays; it is unreachable but finalized on clear */
        i = (i + 1) & (c->capacity - 1);
    c->slots[i] = (keel_cached_stmt){ .query = q, .sql = q->sql };
    c->count++;
    return &c->slots[i];
}

void keel_cache_clear(keel_stmt_cache *c, void (*forget)(keel_cached_stmt *e))
{
    for (size_t i = 0; i < c->capacity; i++) {
        if (c->slots[i].query != NULL)
            forget(&c->slots[i]);
        c->slots[i] = (keel_cached_stmt){ 0 };
    }
    c->count = 0;
}

/* ---------------------------------------------------------------------------
 * Failures, shared by the engines
 * ------------------------------------------------------------------------- */
const char keel_empty_bytes[1] = { 0 };

static keel_db *root_of(keel_db *db)
{
    return db->is_tx ? db->root : db;
}

static void trace(keel_db *db, const keel_query *q, int64_t started_ns, int64_t rows, int code)
{
    keel_db *root = root_of(db);
    keel_trace_event ev = {
        .query = q->name ? q->name : "query",
        .dialect = (int)root->dialect,
        .duration_ns = keel_now_ns() - started_ns,
        .rows = rows,
        .code = code,
    };
    root->trace(root->trace_ctx, &ev);
}

int keel_stmt_fail(keel_stmt *st, int code, const char *fmt, ...)
{
    char detail[KEEL_ENGINE_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return keel_err_set(st->db, code, "%s: %s", st->query->name ? st->query->name : "query", detail);
}

int keel_stmt_engine_fail(keel_stmt *st, int code, const char *msg)
{
    if (st->db->is_tx)
        st->db->tx_failed = true;
    return keel_stmt_fail(st, code, "%s", msg);
}

int keel_stmt_interrupted(keel_stmt *st)
{
    st->done = true;
    return keel_stmt_engine_fail(st, KEEL_INTERRUPTED, "interrupted by keel_interrupt");
}

void keel_stmt_bind_error(keel_stmt *st, int code, const char *fmt, ...)
{
    if (st->bind_error != KEEL_OK)
        return; /* the first error is the one worth reporting */
    st->bind_error = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->bind_message, sizeof st->bind_message, fmt, ap);
    va_end(ap);
}

void keel_stmt_free_lists(keel_stmt *st)
{
    for (int i = 0; st->lists && i < st->n_params; i++)
        free(st->lists[i].s);
    free(st->lists);
    st->lists = NULL;
}

/* ---------------------------------------------------------------------------
 * Opening and closing
 * ------------------------------------------------------------------------- */
int keel_stmt_open(keel_db *db, const keel_query *q, keel_stmt **out)
{
    if (out == NULL)
        return KEEL_MISUSE;
    *out = NULL;
    if (db == NULL)
        return KEEL_MISUSE;
    if (q == NULL || q->sql == NULL)
        return keel_err_set(db, KEEL_MISUSE, "keel_stmt_open: NULL query");

    keel_conn *c;
    const char *name = q->name ? q->name : "query"; /* for messages only: never read on success */
    int64_t started = root_of(db)->trace != NULL ? keel_now_ns() : 0;
    /* A SQLite file's writes run on the writer: once a reader has said so, go there directly. */
    bool known_write = !db->is_tx && db->fast_writer != NULL && !db->single && keel_write_hint_has(db, q);
    int kind = known_write ? KEEL_ACQUIRE_WRITE : keel_replica_may_run(db, q) ? KEEL_ACQUIRE_REPLICA : KEEL_ACQUIRE_READ;
    int rc = keel_conn_acquire(db, name, kind, &c);
    if (rc == KEEL_OK && c->reader && !c->engine->reader_can_run(c, q)) {
        /* A write: it goes to the writer, and waits for it. */
        if (!db->is_tx)
            keel_write_hint_add(db, q);
        keel_conn_release(db, c);
        rc = keel_conn_acquire(db, name, KEEL_ACQUIRE_WRITE, &c);
    }
    if (rc == KEEL_OK && c->batch_running) {
        keel_conn_release(db, c);
        rc = keel_err_set(db, KEEL_MISUSE, "%s: a batch's callback must not run statements", name);
    }
    if (rc != KEEL_OK) {
        if (started != 0)
            trace(db, q, started, 0, rc);
        return rc;
    }
    keel_stmt *st = NULL;
    rc = c->engine->stmt_open(db, c, q, &st);
    if (rc != KEEL_OK || st == NULL) {
        keel_conn_release(db, c);
        rc = rc != KEEL_OK ? rc : KEEL_MISUSE;
        if (started != 0)
            trace(db, q, started, 0, rc);
        return rc;
    }
    /* A fresh use: nothing of the previous one survives but the buffers. */
    st->db = db;
    st->conn = c;
    st->query = q;
    st->in_use = true;
    st->bind_error = KEEL_OK;
    st->done = false;
    st->started_ns = started;
    st->rows = 0;
    st->first_error = KEEL_OK;
    *out = st;
    return KEEL_OK;
}

int keel_stmt_close(keel_stmt *st)
{
    if (st == NULL)
        return KEEL_OK;
    keel_conn *c = st->conn; /* a statement that moved servers holds its new one, or none */
    keel_db *db = st->db;
    if (st->started_ns != 0 && root_of(db)->trace != NULL) {
        /* A statement that returned no rows reports the rows it changed. */
        bool writes = st->engine->stmt_writes(st);
        int64_t rows = st->rows == 0 && writes && c != NULL && st->first_error == KEEL_OK ? keel_stmt_changes(st)
                                                                                          : st->rows;
        trace(db, st->query, st->started_ns, rows, st->first_error);
        st->started_ns = 0;
    }
    st->engine->stmt_reset(st);
    st->in_use = false;
    if (!st->cached)
        st->engine->stmt_free(st);
    keel_conn_release(db, c);
    return KEEL_OK;
}

/* ---------------------------------------------------------------------------
 * Binding
 * ------------------------------------------------------------------------- */
void keel_bind_null(keel_stmt *st, int i)
{
    if (st != NULL)
        st->engine->bind_null(st, i);
}

void keel_bind_int64(keel_stmt *st, int i, int64_t v)
{
    if (st != NULL)
        st->engine->bind_int64(st, i, v);
}

void keel_bind_double(keel_stmt *st, int i, double v)
{
    if (st != NULL)
        st->engine->bind_double(st, i, v);
}

void keel_bind_bool(keel_stmt *st, int i, bool v)
{
    if (st != NULL)
        st->engine->bind_bool(st, i, v);
}

void keel_bind_text(keel_stmt *st, int i, const char *v)
{
    if (st == NULL)
        return;
    if (v == NULL)
        st->engine->bind_null(st, i);
    else
        st->engine->bind_text(st, i, v);
}

void keel_bind_blob(keel_stmt *st, int i, const void *p, size_t n)
{
    if (st == NULL)
        return;
    if (p == NULL)
        st->engine->bind_null(st, i);
    else
        st->engine->bind_blob(st, i, p, n);
}

/* ---------------------------------------------------------------------------
 * Lists: built as text in the statement's buffer for that parameter (kept
 * for the next call), then bound like any text: a JSON array for SQLite
 * (json_each), an array literal for PostgreSQL (= ANY).
 * ------------------------------------------------------------------------- */
static keel_buf *list_buf(keel_stmt *st, int i)
{
    if (i < 1 || i > st->n_params) {
        keel_stmt_bind_error(st, KEEL_MISUSE, "parameter %d out of range 1..%d", i, st->n_params);
        return NULL;
    }
    if (st->lists == NULL && (st->lists = calloc((size_t)st->n_params, sizeof *st->lists)) == NULL) {
        keel_stmt_bind_error(st, KEEL_NOMEM, "parameter %d: out of memory building a list", i);
        return NULL;
    }
    keel_buf *b = &st->lists[i - 1];
    b->len = 0;
    b->failed = false;
    return b;
}

static void bind_list(keel_stmt *st, int i, keel_buf *b)
{
    if (b->failed)
        keel_stmt_bind_error(st, KEEL_NOMEM, "parameter %d: out of memory building a list", i);
    else
        keel_bind_text(st, i, b->s);
}

void keel_bind_int64_list(keel_stmt *st, int i, const int64_t *items, size_t count)
{
    keel_buf *b = st ? list_buf(st, i) : NULL;
    if (b == NULL)
        return;
    keel_list_int64(b, items, count, st->engine->lists_as_json);
    bind_list(st, i, b);
}

void keel_bind_double_list(keel_stmt *st, int i, const double *items, size_t count)
{
    keel_buf *b = st ? list_buf(st, i) : NULL;
    if (b == NULL)
        return;
    size_t bad = 0;
    if (!keel_list_double(b, items, count, st->engine->lists_as_json, &bad)) {
        keel_stmt_bind_error(st, KEEL_MISUSE, "parameter %d: item %zu of a list is not a finite number", i, bad);
        return;
    }
    bind_list(st, i, b);
}

void keel_bind_text_list(keel_stmt *st, int i, const char *const *items, size_t count)
{
    keel_buf *b = st ? list_buf(st, i) : NULL;
    if (b == NULL)
        return;
    keel_list_text(b, items, count, st->engine->lists_as_json);
    bind_list(st, i, b);
}

void keel_bind_bool_list(keel_stmt *st, int i, const bool *items, size_t count)
{
    keel_buf *b = st ? list_buf(st, i) : NULL;
    if (b == NULL)
        return;
    /* [1,0] as JSON for SQLite, whose booleans are integers; {t,f} for PostgreSQL */
    bool json = st->engine->lists_as_json;
    keel_buf_putc(b, json ? '[' : '{');
    for (size_t k = 0; k < count; k++) {
        if (k)
            keel_buf_putc(b, ',');
        static const char spelling[2][2] = { { 'f', 't' }, { '0', '1' } };
        keel_buf_putc(b, spelling[json][items[k] ? 1 : 0]);
    }
    keel_buf_putc(b, json ? ']' : '}');
    bind_list(st, i, b);
}

/* ---------------------------------------------------------------------------
 * Stepping
 * ------------------------------------------------------------------------- */
void keel_stmt_stream(keel_stmt *st)
{
    if (st != NULL && st->engine->stmt_stream != NULL)
        st->engine->stmt_stream(st);
}

int keel_stmt_step(keel_stmt *st)
{
    if (st == NULL)
        return KEEL_MISUSE;
    int rc;
    if (st->bind_error != KEEL_OK) {
        st->done = true;
        rc = keel_stmt_fail(st, st->bind_error, "%s", st->bind_message);
    } else {
        rc = st->engine->stmt_step(st);
    }
    if (rc == KEEL_ROW)
        st->rows++;
    else if (rc != KEEL_DONE && st->first_error == KEEL_OK)
        st->first_error = rc;
    return rc;
}

/* ---------------------------------------------------------------------------
 * Columns and results
 * ------------------------------------------------------------------------- */
bool keel_column_is_null(keel_stmt *st, int col)
{
    return st == NULL || st->engine->column_is_null(st, col);
}

int64_t keel_column_int64(keel_stmt *st, int col)
{
    return st != NULL ? st->engine->column_int64(st, col) : 0;
}

double keel_column_double(keel_stmt *st, int col)
{
    return st != NULL ? st->engine->column_double(st, col) : 0;
}

bool keel_column_bool(keel_stmt *st, int col)
{
    return st != NULL && st->engine->column_bool(st, col);
}

const char *keel_column_text(keel_stmt *st, int col, size_t *len)
{
    if (st != NULL)
        return st->engine->column_text(st, col, len);
    if (len != NULL)
        *len = 0;
    return NULL;
}

const void *keel_column_blob(keel_stmt *st, int col, size_t *len)
{
    if (st != NULL)
        return st->engine->column_blob(st, col, len);
    if (len != NULL)
        *len = 0;
    return NULL;
}

int64_t keel_stmt_changes(keel_stmt *st)
{
    return st != NULL ? st->engine->changes(st) : 0;
}

keel_exec_result keel_stmt_exec_result(keel_stmt *st, bool inserts)
{
    keel_exec_result r = {.rows_affected = keel_stmt_changes(st)};
    /* SQLite keeps the last rowid of the connection: after an INSERT that
     * inserted nothing (ON CONFLICT DO NOTHING) it is an older row's */
    if (st != NULL && st->engine->insert_rowid != NULL && inserts && r.rows_affected > 0)
        r.last_insert_id = (keel_opt_int64){.value = st->engine->insert_rowid(st), .valid = true};
    return r;
}

int64_t keel_stmt_last_id(keel_stmt *st)
{
    return st != NULL ? st->engine->last_id(st) : 0;
}
