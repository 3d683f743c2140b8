/*
 * keel_stmt.c — the statement API that generated code calls: prepare once
 * per connection (cached by keel_query), bind, step, read columns.
 *
 * Cost model: after a query's first use on a connection, a call allocates
 * nothing in keel. The keel_stmt itself, its parameter arrays and column
 * buffers live with the connection's cache entry and are reused; bound text
 * and blobs are borrowed from the caller (keel.h states the rule).
 *
 * PostgreSQL: the first prepare also describes the statement, so keel knows
 * the server's parameter and result types. Integer, float8 and bool
 * parameters whose server type matches go in binary; results come in binary
 * when every column has a type keel decodes (keel_pg_kind), else in text.
 * The statement is executed on the first step: the whole result at once,
 * or row by row after keel_stmt_stream (single-row mode). A read that a
 * replica did not answer (lost, or refused as a write) moves to another
 * server there, before any row is seen (pg_move_off_replica).
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

/* ---------------------------------------------------------------------------
 * Statements
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

static int stmt_fail(keel_stmt *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int stmt_fail(keel_stmt *st, int code, const char *fmt, ...)
{
    char detail[KEEL_ENGINE_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return keel_err_set(st->db, code, "%s: %s", st->query->name ? st->query->name : "query", detail);
}

/*
 * An engine error inside a transaction: PostgreSQL has aborted the
 * transaction, SQLite has not; remembering it lets commit() give both
 * engines PostgreSQL's answer.
 */
static int engine_fail(keel_stmt *st, int code, const char *msg)
{
    if (st->db->is_tx)
        st->db->tx_failed = true;
    return stmt_fail(st, code, "%s", msg);
}

static int pg_fail(keel_stmt *st, const PGresult *res)
{
    char msg[KEEL_ENGINE_MSG_MAX];
    keel_pg_message(res, st->conn->pg, msg, sizeof msg);
    int code = keel_pg_code(res, st->conn->pg);
    /* 57014 is both a cancel and statement_timeout: keel_interrupt marks its own. */
    if (code == KEEL_INTERRUPTED && !atomic_load(&st->conn->interrupted) && keel_conn_timeout_ms(st->conn) > 0)
        code = KEEL_TIMEOUT;
    return engine_fail(st, code, msg);
}

static void remember_bind_error(keel_stmt *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void remember_bind_error(keel_stmt *st, int code, const char *fmt, ...)
{
    if (st->bind_error != KEEL_OK)
        return; /* the first error is the one worth reporting */
    st->bind_error = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->bind_message, sizeof st->bind_message, fmt, ap);
    va_end(ap);
}

/* The per-statement arrays for n parameters; the column side is set up by pg_describe. */
static bool stmt_alloc_params(keel_stmt *st, int n, bool pg)
{
    st->n_params = n;
    st->all_bound = n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
    if (n == 0)
        return true;
    if (!pg)
        return true;
    st->params = calloc((size_t)n, sizeof *st->params);
    st->values = calloc((size_t)n, sizeof *st->values);
    st->lengths = calloc((size_t)n, sizeof *st->lengths);
    st->formats = calloc((size_t)n, sizeof *st->formats);
    return st->params && st->values && st->lengths && st->formats;
}

static void free_queue(keel_stmt *st)
{
    for (int i = st->queue_pos; i < st->queue_len; i++)
        PQclear(st->queue[i]);
    st->queue_len = st->queue_pos = 0;
}

/* Conversions made for the current row; only odd reads (a bytea read as
 * text...) make them, the columns generated code reads never do. */
static void free_unescaped(keel_stmt *st)
{
    for (int i = 0; i < st->n_cols; i++) {
        if (st->cols[i].unescaped != NULL) {
            PQfreemem(st->cols[i].unescaped);
            st->cols[i].unescaped = NULL;
        }
        if (st->cols[i].hex != NULL) {
            free(st->cols[i].hex);
            st->cols[i].hex = NULL;
        }
    }
}

static void stmt_destroy(keel_stmt *st)
{
    if (st == NULL)
        return;
    free_unescaped(st);
    PQclear(st->result);
    free_queue(st);
    free(st->queue);
    for (int i = 0; st->lists && i < st->n_params; i++)
        free(st->lists[i].s);
    free(st->lists);
    free(st->params);
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st->cols);
    free(st);
}

void keel_cache_clear(keel_stmt_cache *c)
{
    for (size_t i = 0; i < c->capacity; i++) {
        if (c->slots[i].sqlite != NULL)
            sqlite3_finalize(c->slots[i].sqlite);
        stmt_destroy(c->slots[i].stmt);
        c->slots[i] = (keel_cached_stmt){ 0 };
    }
    c->count = 0;
}

/* A private keel_stmt shaped like `model` (same parameters and columns). */
static keel_stmt *stmt_clone_shape(const keel_stmt *model, bool pg)
{
    keel_stmt *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    if (!stmt_alloc_params(st, model->n_params, pg)) {
        stmt_destroy(st);
        return NULL;
    }
    if (pg) {
        for (int i = 0; i < model->n_params; i++)
            st->params[i] = (keel_pg_param){ .type = model->params[i].type, .kind = model->params[i].kind };
        snprintf(st->pg_name, sizeof st->pg_name, "%s", model->pg_name);
        st->binary_results = model->binary_results;
        st->n_cols = model->n_cols;
        if (st->n_cols > 0) {
            st->cols = calloc((size_t)st->n_cols, sizeof *st->cols);
            if (st->cols == NULL) {
                stmt_destroy(st);
                return NULL;
            }
            for (int i = 0; i < st->n_cols; i++)
                st->cols[i].kind = model->cols[i].kind;
        }
    }
    return st;
}

/* ---- SQLite ---- */
static int sqlite_open_stmt(keel_db *db, keel_conn *c, const keel_query *q, keel_stmt **out)
{
    keel_cached_stmt *e = keel_cache_find(&c->cache, q);
    if (e != NULL && e->sqlite != NULL && (e->stmt == NULL || !e->stmt->in_use)) {
        if (e->stmt == NULL) {
            keel_stmt *st = calloc(1, sizeof *st);
            if (st == NULL)
                return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", q->name ? q->name : "query");
            st->cached = true;
            st->sqlite = e->sqlite;
            stmt_alloc_params(st, sqlite3_bind_parameter_count(e->sqlite), false);
            e->stmt = st;
        }
        *out = e->stmt;
        return KEEL_OK;
    }
    /*
     * In use means the same query is already running on this connection (a
     * callback calling its own query): reusing it would reset the outer
     * iteration, so this one gets a private statement.
     */
    keel_stmt *st = calloc(1, sizeof *st);
    if (st == NULL)
        return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", q->name ? q->name : "query");
    st->db = db;
    st->query = q;
    unsigned flags = e == NULL ? SQLITE_PREPARE_PERSISTENT : 0;
    int rc = sqlite3_prepare_v3(c->sqlite, q->sql, -1, flags, &st->sqlite, NULL);
    if (rc != SQLITE_OK || st->sqlite == NULL) {
        rc = rc != SQLITE_OK ? engine_fail(st, keel_sqlite_code(sqlite3_extended_errcode(c->sqlite)),
                                           sqlite3_errmsg(c->sqlite))
                             : stmt_fail(st, KEEL_MISUSE, "the SQL contains no statement");
        free(st);
        return rc;
    }
    stmt_alloc_params(st, sqlite3_bind_parameter_count(st->sqlite), false);
    if (e == NULL && (e = keel_cache_insert(&c->cache, q)) != NULL) {
        /* no room to cache is not an error: the statement stays private */
        e->sqlite = st->sqlite;
        e->stmt = st;
        st->cached = true;
    }
    *out = st;
    return KEEL_OK;
}

/* ---- PostgreSQL ---- */
/* Parameter and result types of a freshly prepared statement, and the buffers they need. */
static int pg_describe(keel_stmt *st, const keel_query *q)
{
    PGconn *pg = st->conn->pg;
    PGresult *res = PQdescribePrepared(pg, st->pg_name);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = pg_fail(st, res);
        PQclear(res);
        return rc;
    }
    int n = PQnparams(res) > q->n_params ? PQnparams(res) : q->n_params;
    if (!stmt_alloc_params(st, n, true)) {
        PQclear(res);
        return stmt_fail(st, KEEL_NOMEM, "out of memory");
    }
    for (int i = 0; i < PQnparams(res); i++) {
        st->params[i].type = PQparamtype(res, i);
        st->params[i].kind = keel_pg_kind_of(PQparamtype(res, i));
    }
    st->n_cols = PQnfields(res);
    st->binary_results = true;
    if (st->n_cols > 0) {
        st->cols = calloc((size_t)st->n_cols, sizeof *st->cols);
        if (st->cols == NULL) {
            PQclear(res);
            return stmt_fail(st, KEEL_NOMEM, "out of memory");
        }
        for (int i = 0; i < st->n_cols; i++) {
            st->cols[i].kind = keel_pg_kind_of(PQftype(res, i));
            if (st->cols[i].kind == KEEL_PG_OTHER)
                st->binary_results = false;
        }
    }
    PQclear(res);
    return KEEL_OK;
}

static int pg_open_stmt(keel_db *db, keel_conn *c, const keel_query *q, keel_stmt **out)
{
    if (q->n_params < 0)
        return keel_err_set(db, KEEL_MISUSE, "%s: n_params is negative", q->name ? q->name : "query");
    keel_cached_stmt *e = keel_cache_find(&c->cache, q);
    if (e != NULL && e->stmt == NULL) {
        /* Prepared here, its keel_stmt taken by a call that moved off this
         * connection (pg_move_off_replica): a new one, described again. */
        keel_stmt *st = calloc(1, sizeof *st);
        if (st == NULL)
            return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", q->name ? q->name : "query");
        st->db = db;
        st->conn = c;
        st->query = q;
        snprintf(st->pg_name, sizeof st->pg_name, "keel_%u", e->pg_id);
        keel_pg_settle(c);
        int rc = pg_describe(st, q);
        if (rc != KEEL_OK) {
            stmt_destroy(st);
            return rc;
        }
        e->stmt = st;
        st->cached = true;
        *out = st;
        return KEEL_OK;
    }
    if (e != NULL) {
        if (!e->stmt->in_use) {
            *out = e->stmt;
            return KEEL_OK;
        }
        keel_stmt *st = stmt_clone_shape(e->stmt, true);
        if (st == NULL)
            return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", q->name ? q->name : "query");
        *out = st;
        return KEEL_OK;
    }

    keel_stmt *st = calloc(1, sizeof *st);
    if (st == NULL)
        return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", q->name ? q->name : "query");
    st->db = db;
    st->conn = c;
    st->query = q;
    keel_pg_settle(c);
    unsigned id = ++c->pg_next_id;
    snprintf(st->pg_name, sizeof st->pg_name, "keel_%u", id);
    PGresult *res = PQprepare(c->pg, st->pg_name, q->sql, q->n_params, NULL);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? KEEL_OK : pg_fail(st, res);
    PQclear(res);
    if (rc == KEEL_OK)
        rc = pg_describe(st, q);
    if (rc == KEEL_OK && (e = keel_cache_insert(&c->cache, q)) == NULL)
        rc = stmt_fail(st, KEEL_NOMEM, "out of memory");
    if (rc != KEEL_OK || e == NULL) {
        if (rc == KEEL_OK) /* the analyzer cannot see that stmt_fail returns its code */
            rc = KEEL_NOMEM;
        /* Forget the server side too, or a later prepare would collide with nothing to reuse it. */
        char sql[64];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", st->pg_name);
        if (PQstatus(c->pg) == CONNECTION_OK)
            PQclear(PQexec(c->pg, sql));
        stmt_destroy(st);
        return rc;
    }
    e->pg_id = id;
    e->stmt = st;
    st->cached = true;
    *out = st;
    return KEEL_OK;
}

/*
 * Whether q may run on a SQLite reader connection: the engine says whether
 * the statement writes (sqlite3_stmt_readonly), once per reader, and the
 * answer stays cached with the prepared statement. A query the reader
 * cannot even prepare goes to the writer, which reports the error.
 */
static bool reader_can_run(keel_conn *c, const keel_query *q)
{
    keel_cached_stmt *e = keel_cache_find(&c->cache, q);
    if (e != NULL)
        return e->sqlite != NULL && sqlite3_stmt_readonly(e->sqlite);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->sqlite, q->sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK ||
        st == NULL) {
        sqlite3_finalize(st);
        return false;
    }
    e = keel_cache_insert(&c->cache, q);
    if (e == NULL) {
        sqlite3_finalize(st);
        return false;
    }
    e->sqlite = st; /* kept even for a write: the next lookup answers at once */
    return sqlite3_stmt_readonly(st) != 0;
}

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
    const char *name = q->name ? q->name : "query";
    int64_t started = root_of(db)->trace != NULL ? keel_now_ns() : 0;
    /* A SQLite file's writes run on the writer: once a reader has said so, go there directly. */
    bool known_write = !db->is_tx && db->fast_writer != NULL && !db->single && keel_write_hint_has(db, q);
    int kind = known_write ? KEEL_ACQUIRE_WRITE : keel_replica_may_run(db, q) ? KEEL_ACQUIRE_REPLICA : KEEL_ACQUIRE_READ;
    int rc = keel_conn_acquire(db, name, kind, &c);
    if (rc == KEEL_OK && c->reader && !reader_can_run(c, q)) {
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
    keel_cached_stmt *e = keel_cache_find(&c->cache, q);
    if (e != NULL && e->stmt != NULL && !e->stmt->in_use && c->sqlite != NULL) {
        /* The steady state on SQLite: the cached statement, reset for this use. */
        st = e->stmt;
        st->db = db;
        st->in_use = true;
        st->bind_error = KEEL_OK;
        st->done = false;
        st->bound = 0;
        st->stepped = false;
        st->started_ns = started;
        st->rows = 0;
        st->first_error = KEEL_OK;
        *out = st;
        return KEEL_OK;
    }
    rc = c->sqlite != NULL ? sqlite_open_stmt(db, c, q, &st) : pg_open_stmt(db, c, q, &st);
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
    st->bound = 0;
    st->stepped = false;
    st->stream = false;
    st->stream_open = false;
    st->executed = false;
    st->row = -1;
    st->n_rows = 0;
    st->started_ns = started;
    st->rows = 0;
    st->first_error = KEEL_OK;
    for (int i = 0; st->values != NULL && i < st->n_params; i++) {
        st->values[i] = NULL;
        st->lengths[i] = 0;
        st->formats[i] = 0;
    }
    *out = st;
    return KEEL_OK;
}

/* Reads and drops whatever the connection still has for this statement's stream. */
static void pg_drain(keel_stmt *st)
{
    if (st->conn == NULL || st->conn->pg_streaming != st)
        return;
    PGresult *res;
    while ((res = PQgetResult(st->conn->pg)) != NULL)
        PQclear(res);
    st->conn->pg_streaming = NULL;
}

int keel_stmt_close(keel_stmt *st)
{
    if (st == NULL)
        return KEEL_OK;
    keel_conn *c = st->conn;
    keel_db *db = st->db;
    if (st->started_ns != 0 && root_of(db)->trace != NULL) {
        /* A statement that returned no rows reports the rows it changed. */
        bool writes = st->sqlite != NULL ? !sqlite3_stmt_readonly(st->sqlite) : st->result != NULL;
        int64_t rows = st->rows == 0 && writes && c != NULL && st->first_error == KEEL_OK ? keel_stmt_changes(st)
                                                                                          : st->rows;
        trace(db, st->query, st->started_ns, rows, st->first_error);
        st->started_ns = 0;
    }
    if (st->sqlite != NULL) {
        sqlite3_reset(st->sqlite);
        /* Bound values stay in the statement until rebound; the next use binds or
         * nulls every parameter before it steps (see sqlite_step). Past 64
         * parameters there is no mask: clear now. */
        if (st->n_params > 64)
            sqlite3_clear_bindings(st->sqlite);
    } else {
        pg_drain(st);
        free_unescaped(st);
        PQclear(st->result);
        st->result = NULL;
        free_queue(st);
    }
    st->in_use = false;
    if (!st->cached) {
        if (st->sqlite != NULL)
            sqlite3_finalize(st->sqlite);
        stmt_destroy(st);
    }
    keel_conn_release(db, c);
    return KEEL_OK;
}

/* ---------------------------------------------------------------------------
 * Binding
 * ------------------------------------------------------------------------- */
static void sqlite_bind_failed(keel_stmt *st, int i, int rc);

static inline void sqlite_bind_result(keel_stmt *st, int i, int rc)
{
    if (rc != SQLITE_OK)
        sqlite_bind_failed(st, i, rc);
    else if ((unsigned)(i - 1) < 64u)
        st->bound |= (uint64_t)1 << (i - 1);
}

static void sqlite_bind_failed(keel_stmt *st, int i, int rc)
{
    if (rc == SQLITE_RANGE)
        remember_bind_error(st, KEEL_MISUSE, "parameter %d out of range 1..%d", i,
                            sqlite3_bind_parameter_count(st->sqlite));
    else
        remember_bind_error(st, keel_sqlite_code(rc), "binding parameter %d: %s", i, sqlite3_errstr(rc));
}

/* Returns the slot for 1-based parameter i after clearing its old value, or NULL. */
static keel_pg_param *pg_slot(keel_stmt *st, int i)
{
    if (i < 1 || i > st->n_params) {
        remember_bind_error(st, KEEL_MISUSE, "parameter %d out of range 1..%d", i, st->n_params);
        return NULL;
    }
    st->values[i - 1] = NULL;
    st->lengths[i - 1] = 0;
    st->formats[i - 1] = 0;
    return &st->params[i - 1];
}

static void pg_set(keel_stmt *st, int i, const char *value, int length, int format)
{
    st->values[i - 1] = value;
    st->lengths[i - 1] = length;
    st->formats[i - 1] = format;
}

void keel_bind_null(keel_stmt *st, int i)
{
    if (st == NULL)
        return;
    if (st->sqlite != NULL)
        sqlite_bind_result(st, i, sqlite3_bind_null(st->sqlite, i));
    else
        pg_slot(st, i);
}

void keel_bind_int64(keel_stmt *st, int i, int64_t v)
{
    if (st == NULL)
        return;
    if (st->sqlite != NULL) {
        sqlite_bind_result(st, i, sqlite3_bind_int64(st->sqlite, i, v));
        return;
    }
    keel_pg_param *p = pg_slot(st, i);
    if (p == NULL)
        return;
    /* Binary only where the value fits the server's type; otherwise the server
     * sees the digits and answers as it always would (out of range...). */
    int size = p->kind == KEEL_PG_INT8 ? 8
               : p->kind == KEEL_PG_INT4 && v >= INT32_MIN && v <= INT32_MAX ? 4
               : p->kind == KEEL_PG_INT2 && v >= INT16_MIN && v <= INT16_MAX ? 2
                                                                              : 0;
    if (size > 0) {
        keel_put_be(p->number, (uint64_t)v, size);
        pg_set(st, i, p->number, size, 1);
    } else {
        keel_format_int64(p->number, v);
        pg_set(st, i, p->number, 0, 0);
    }
}

void keel_bind_double(keel_stmt *st, int i, double v)
{
    if (st == NULL)
        return;
    if (st->sqlite != NULL) {
        sqlite_bind_result(st, i, sqlite3_bind_double(st->sqlite, i, v));
        return;
    }
    keel_pg_param *p = pg_slot(st, i);
    if (p == NULL)
        return;
    if (p->kind == KEEL_PG_FLOAT8) {
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        keel_put_be(p->number, bits, 8);
        pg_set(st, i, p->number, 8, 1);
    } else {
        snprintf(p->number, sizeof p->number, "%.17g", v); /* 17 digits round-trip every double */
        pg_set(st, i, p->number, 0, 0);
    }
}

void keel_bind_bool(keel_stmt *st, int i, bool v)
{
    if (st == NULL)
        return;
    if (st->sqlite != NULL) {
        sqlite_bind_result(st, i, sqlite3_bind_int(st->sqlite, i, v ? 1 : 0));
        return;
    }
    keel_pg_param *p = pg_slot(st, i);
    if (p == NULL)
        return;
    if (p->kind == KEEL_PG_BOOL) {
        p->number[0] = v ? 1 : 0;
        pg_set(st, i, p->number, 1, 1);
    } else {
        pg_set(st, i, v ? "t" : "f", 0, 0);
    }
}

void keel_bind_text(keel_stmt *st, int i, const char *v)
{
    if (st == NULL)
        return;
    if (v == NULL) {
        keel_bind_null(st, i);
        return;
    }
    if (st->sqlite != NULL) {
        sqlite_bind_result(st, i, sqlite3_bind_text(st->sqlite, i, v, -1, SQLITE_STATIC));
        return;
    }
    if (pg_slot(st, i) != NULL)
        pg_set(st, i, v, 0, 0); /* text format: libpq reads up to the NUL */
}

void keel_bind_blob(keel_stmt *st, int i, const void *p, size_t n)
{
    if (st == NULL)
        return;
    if (p == NULL) {
        keel_bind_null(st, i);
        return;
    }
    if (st->sqlite != NULL) {
        /* An empty blob is a value, not NULL; zeroblob(0) says so unambiguously. */
        int rc = n == 0 ? sqlite3_bind_zeroblob(st->sqlite, i, 0)
                        : sqlite3_bind_blob64(st->sqlite, i, p, (sqlite3_uint64)n, SQLITE_STATIC);
        sqlite_bind_result(st, i, rc);
        return;
    }
    if (pg_slot(st, i) == NULL)
        return;
    if (n > (size_t)INT32_MAX) {
        remember_bind_error(st, KEEL_MISUSE, "parameter %d is larger than PostgreSQL accepts", i);
        return;
    }
    pg_set(st, i, n > 0 ? p : keel_empty_bytes, (int)n, 1);
}

/* ---------------------------------------------------------------------------
 * Lists: built as text in the statement's buffer for that parameter (kept
 * for the next call), then bound like any text.
 * ------------------------------------------------------------------------- */
static keel_buf *list_buf(keel_stmt *st, int i)
{
    if (i < 1 || i > st->n_params) {
        remember_bind_error(st, KEEL_MISUSE, "parameter %d out of range 1..%d", i, st->n_params);
        return NULL;
    }
    if (st->lists == NULL && (st->lists = calloc((size_t)st->n_params, sizeof *st->lists)) == NULL) {
        remember_bind_error(st, KEEL_NOMEM, "parameter %d: out of memory building a list", i);
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
        remember_bind_error(st, KEEL_NOMEM, "parameter %d: out of memory building a list", i);
    else
        keel_bind_text(st, i, b->s);
}

void keel_bind_int64_list(keel_stmt *st, int i, const int64_t *items, size_t count)
{
    keel_buf *b = st ? list_buf(st, i) : NULL;
    if (b == NULL)
        return;
    keel_list_int64(b, items, count, st->sqlite != NULL);
    bind_list(st, i, b);
}

void keel_bind_double_list(keel_stmt *st, int i, const double *items, size_t count)
{
    keel_buf *b = st ? list_buf(st, i) : NULL;
    if (b == NULL)
        return;
    size_t bad = 0;
    if (!keel_list_double(b, items, count, st->sqlite != NULL, &bad)) {
        remember_bind_error(st, KEEL_MISUSE, "parameter %d: item %zu of a list is not a finite number", i, bad);
        return;
    }
    bind_list(st, i, b);
}

void keel_bind_text_list(keel_stmt *st, int i, const char *const *items, size_t count)
{
    keel_buf *b = st ? list_buf(st, i) : NULL;
    if (b == NULL)
        return;
    keel_list_text(b, items, count, st->sqlite != NULL);
    bind_list(st, i, b);
}

void keel_bind_bool_list(keel_stmt *st, int i, const bool *items, size_t count)
{
    keel_buf *b = st ? list_buf(st, i) : NULL;
    if (b == NULL)
        return;
    /* [1,0] as JSON for SQLite, whose booleans are integers; {t,f} for PostgreSQL */
    bool json = st->sqlite != NULL;
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
/* keel_interrupt came for the call this statement belongs to. */
static int interrupted(keel_stmt *st)
{
    st->done = true;
    return engine_fail(st, KEEL_INTERRUPTED, "interrupted by keel_interrupt");
}

static int sqlite_step(keel_stmt *st)
{
    if (st->done)
        return KEEL_DONE; /* never let SQLite's auto-reset run the statement again */
    keel_conn *c = st->conn;
    if (!st->stepped) {
        st->stepped = true;
        /* Unbound parameters are NULL, not the previous use's values. */
        for (int i = 0; st->bound != st->all_bound && i < st->n_params && i < 64; i++)
            if (!(st->bound & ((uint64_t)1 << i)))
                sqlite3_bind_null(st->sqlite, i + 1);
        if (atomic_load_explicit(&c->interrupted, memory_order_relaxed))
            return interrupted(st);
        int timeout_ms = keel_conn_timeout_ms(c);
        c->deadline_ns = timeout_ms > 0 ? keel_now_ns() + (int64_t)timeout_ms * 1000000 : 0;
        c->timed_out = false;
    }
    int rc = sqlite3_step(st->sqlite);
    if (rc == SQLITE_ROW)
        return KEEL_ROW;
    st->done = true;
    c->deadline_ns = 0;
    if (rc == SQLITE_DONE)
        return KEEL_DONE;
    if ((rc & 0xff) == SQLITE_INTERRUPT && c->timed_out)
        return engine_fail(st, KEEL_TIMEOUT, "the statement ran longer than its statement timeout");
    return engine_fail(st, keel_sqlite_code(rc), sqlite3_errmsg(c->sqlite));
}

void keel_stmt_stream(keel_stmt *st)
{
    if (st != NULL && st->sqlite == NULL && !st->executed)
        st->stream = true;
}

static bool queue_push(keel_stmt *st, PGresult *res)
{
    if (st->queue_len == st->queue_cap) {
        int cap = st->queue_cap ? st->queue_cap * 2 : 64;
        PGresult **grown = realloc(st->queue, (size_t)cap * sizeof(PGresult *));
        if (grown == NULL)
            return false;
        st->queue = grown;
        st->queue_cap = cap;
    }
    st->queue[st->queue_len++] = res;
    return true;
}

void keel_pg_settle(keel_conn *c)
{
    keel_stmt *st = c->pg_streaming;
    if (st == NULL)
        return;
    c->pg_streaming = NULL;
    PGresult *res;
    bool lost = false;
    while ((res = PQgetResult(c->pg)) != NULL) {
        if (lost || !queue_push(st, res)) {
            /* Out of memory holding the rest: the stream ends with an error. */
            PQclear(res);
            lost = true;
        }
    }
    if (lost)
        remember_bind_error(st, KEEL_NOMEM, "out of memory reading the rest of a streamed result");
}

/* The stream's next result: queued by keel_pg_settle, or from the connection. */
static PGresult *stream_next(keel_stmt *st)
{
    if (st->queue_pos < st->queue_len)
        return st->queue[st->queue_pos++];
    if (st->conn->pg_streaming != st)
        return NULL;
    PGresult *res = PQgetResult(st->conn->pg);
    if (res == NULL)
        st->conn->pg_streaming = NULL;
    return res;
}

/*
 * Makes sure st's query is prepared on st->conn (a server it moved to),
 * under that connection's name for it. st stays private: the types it
 * described elsewhere are the same on every server of the cluster.
 */
static int pg_prepare_here(keel_stmt *st)
{
    keel_conn *c = st->conn;
    keel_cached_stmt *e = keel_cache_find(&c->cache, st->query);
    if (e != NULL) {
        snprintf(st->pg_name, sizeof st->pg_name, "keel_%u", e->pg_id);
        return KEEL_OK;
    }
    keel_pg_settle(c);
    unsigned id = ++c->pg_next_id;
    snprintf(st->pg_name, sizeof st->pg_name, "keel_%u", id);
    PGresult *res = PQprepare(c->pg, st->pg_name, st->query->sql, st->query->n_params, NULL);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? KEEL_OK : pg_fail(st, res);
    PQclear(res);
    /* Out of room to remember it only costs a prepare under a new name next time. */
    if (rc == KEEL_OK && (e = keel_cache_insert(&c->cache, st->query)) != NULL)
        e->pg_id = id; /* its keel_stmt is made at the next open here */
    return rc;
}

/*
 * A read on a replica outside a transaction that the replica did not
 * answer: lost (the replica went away) or refused as a write (SQLSTATE
 * 25006: nextval(), FOR UPDATE, a data-modifying WITH). Nothing ran, so it
 * moves to another server. st belonged to the old connection's cache; it
 * leaves it (and is freed at close) so that the connection can go back
 * while st still carries this call's bound values. KEEL_OK when it moved,
 * KEEL_DONE when a move does not apply, else the error that stopped the
 * move (then st holds no connection).
 */
static int pg_move_off_replica(keel_stmt *st, const PGresult *res)
{
    keel_conn *c = st->conn;
    if (c->replica < 0 || st->db->is_tx)
        return KEEL_DONE;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    bool refused = state != NULL && strcmp(state, "25006") == 0;
    if (!refused && keel_pg_code(res, c->pg) != KEEL_CONNECTION_LOST)
        return KEEL_DONE;
    if (refused)
        keel_replica_learn_write(st->db, st->query);
    if (st->cached) {
        keel_cached_stmt *e = keel_cache_find(&c->cache, st->query);
        if (e != NULL && e->stmt == st)
            e->stmt = NULL;
        st->cached = false;
    }
    /* Given back first (a lost one is marked so as it goes), or this thread would be handed it again. */
    keel_conn_release(st->db, c);
    st->conn = NULL;
    const char *name = st->query->name ? st->query->name : "query";
    int rc = keel_conn_acquire(st->db, name, refused ? KEEL_ACQUIRE_READ : KEEL_ACQUIRE_REPLICA, &st->conn);
    return rc != KEEL_OK ? rc : pg_prepare_here(st);
}

/* Sends the statement; returns its first result (NULL when sending failed). */
static PGresult *pg_send(keel_stmt *st)
{
    keel_conn *c = st->conn;
    keel_pg_settle(c);
    int result_format = st->binary_results ? 1 : 0;
    if (!st->stream)
        return PQexecPrepared(c->pg, st->pg_name, st->n_params, st->values, st->lengths, st->formats,
                              result_format);
    if (!PQsendQueryPrepared(c->pg, st->pg_name, st->n_params, st->values, st->lengths, st->formats,
                             result_format))
        return NULL;
    /* Without single-row mode the rows still come, in one result: also handled. */
    PQsetSingleRowMode(c->pg);
    c->pg_streaming = st;
    st->stream_open = true;
    return stream_next(st);
}

static int pg_execute(keel_stmt *st)
{
    st->executed = true;
    if (atomic_load_explicit(&st->conn->interrupted, memory_order_relaxed))
        return interrupted(st);
    for (int moves = 0;; moves++) {
        PGresult *res = pg_send(st);
        ExecStatusType status = PQresultStatus(res);
        if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_SINGLE_TUPLE) {
            st->result = res;
            st->n_rows = PQntuples(res);
            st->row = -1;
            return KEEL_OK;
        }
        PGresult *rest;
        while (st->stream_open && (rest = stream_next(st)) != NULL) /* the connection must go idle */
            PQclear(rest);
        st->stream_open = false;
        int rc = moves <= st->db->n_replicas ? pg_move_off_replica(st, res) : KEEL_DONE;
        if (rc == KEEL_OK) {
            PQclear(res);
            continue;
        }
        st->done = true;
        if (rc == KEEL_DONE)
            rc = pg_fail(st, res);
        PQclear(res);
        return rc; /* its message is recorded */
    }
}

static int pg_step(keel_stmt *st)
{
    free_unescaped(st);
    if (st->done)
        return KEEL_DONE;
    if (!st->executed) {
        int rc = pg_execute(st);
        if (rc != KEEL_OK)
            return rc;
    }
    while (++st->row >= st->n_rows) {
        PGresult *res = st->stream_open ? stream_next(st) : NULL;
        if (res == NULL) {
            st->done = true;
            st->stream_open = false;
            return KEEL_DONE;
        }
        ExecStatusType status = PQresultStatus(res);
        if (status != PGRES_SINGLE_TUPLE && status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            int rc = pg_fail(st, res);
            PQclear(res);
            while (st->stream_open && (res = stream_next(st)) != NULL) /* the connection must go idle */
                PQclear(res);
            st->done = true;
            st->stream_open = false;
            return rc;
        }
        PQclear(st->result); /* the previous row: borrowed pointers end at the next step */
        st->result = res;
        st->n_rows = PQntuples(res);
        st->row = -1;
    }
    return KEEL_ROW;
}

int keel_stmt_step(keel_stmt *st)
{
    if (st == NULL)
        return KEEL_MISUSE;
    int rc;
    if (st->bind_error != KEEL_OK) {
        st->done = true;
        rc = stmt_fail(st, st->bind_error, "%s", st->bind_message);
    } else {
        rc = st->sqlite != NULL ? sqlite_step(st) : pg_step(st);
    }
    if (rc == KEEL_ROW)
        st->rows++;
    else if (rc != KEEL_DONE && st->first_error == KEEL_OK)
        st->first_error = rc;
    return rc;
}

/* For keel_array.c: a column read that failed, reported like stmt_fail. */
int keel_stmt_fail(keel_stmt *st, int code, const char *fmt, ...)
{
    char detail[KEEL_ENGINE_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return stmt_fail(st, code, "%s", detail);
}

bool keel_stmt_is_sqlite(const keel_stmt *st)
{
    return st->sqlite != NULL;
}

