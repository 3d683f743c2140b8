/*
 * keel_stmt.c — the statement API that generated code calls: prepare once
 * per connection (cached by keel_query), bind, step, read columns.
 *
 * PostgreSQL statements are executed on the first step with text-format
 * parameters (blobs binary) and text-format results; the whole result is
 * fetched at once, which is also what lets a :many callback run another
 * query on the same connection.
 */
#include "keel_internal.h"

#include <inttypes.h>
#include <math.h>
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

void keel_cache_clear(keel_stmt_cache *c)
{
    for (size_t i = 0; i < c->capacity; i++) {
        if (c->slots[i].sqlite != NULL)
            sqlite3_finalize(c->slots[i].sqlite);
        c->slots[i] = (keel_cached_stmt){ 0 };
    }
    c->count = 0;
}

/* ---------------------------------------------------------------------------
 * Statements
 * ------------------------------------------------------------------------- */
typedef struct pg_param {
    char number[32]; /* int64, double and bool values live here */
    char *copy;      /* text and blob values are copied: the caller may reuse its buffer */
} pg_param;

struct keel_stmt {
    keel_db *db; /* the handle it was opened on: root (holds the connection) or tx */
    keel_conn *conn;
    const keel_query *query;
    int bind_error;
    char bind_message[256];

    /* SQLite */
    sqlite3_stmt *sqlite; /* the cache entry's, or private (see sqlite_open_stmt) */
    bool done;            /* both engines: stepping past the end stays DONE */

    /* PostgreSQL */
    char pg_name[32];
    int n_params;
    pg_param *params;
    const char **values;
    int *lengths;
    int *formats;
    PGresult *result;
    int row;
    int n_rows;
    bool executed;
    unsigned char **unescaped; /* per column: bytea of the current row, freed on step/close */
    int n_unescaped;
};

static const char empty_bytes[1] = { 0 };

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

static int sqlite_open_stmt(keel_stmt *st)
{
    keel_conn *c = st->conn;
    const keel_query *q = st->query;
    keel_cached_stmt *e = keel_cache_find(&c->cache, q);
    if (e != NULL && !e->busy) {
        e->busy = true;
        st->sqlite = e->sqlite;
        return KEEL_OK;
    }
    /*
     * Busy means the same query is already running on this connection (a
     * :many callback calling its own query): reusing it would reset the
     * outer iteration, so this one gets a private statement.
     */
    unsigned flags = e == NULL ? SQLITE_PREPARE_PERSISTENT : 0;
    int rc = sqlite3_prepare_v3(c->sqlite, q->sql, -1, flags, &st->sqlite, NULL);
    if (rc != SQLITE_OK)
        return engine_fail(st, keel_sqlite_code(sqlite3_extended_errcode(c->sqlite)), sqlite3_errmsg(c->sqlite));
    if (st->sqlite == NULL)
        return stmt_fail(st, KEEL_MISUSE, "the SQL contains no statement");
    if (e == NULL) {
        e = keel_cache_insert(&c->cache, q);
        if (e != NULL) { /* no room to cache is not an error: it stays private */
            e->sqlite = st->sqlite;
            e->busy = true;
        }
    }
    return KEEL_OK;
}

static int pg_open_stmt(keel_stmt *st)
{
    keel_conn *c = st->conn;
    const keel_query *q = st->query;
    if (q->n_params < 0)
        return stmt_fail(st, KEEL_MISUSE, "n_params is negative");
    keel_cached_stmt *e = keel_cache_find(&c->cache, q);
    if (e == NULL) {
        unsigned id = ++c->pg_next_id;
        snprintf(st->pg_name, sizeof st->pg_name, "keel_%u", id);
        PGresult *res = PQprepare(c->pg, st->pg_name, q->sql, q->n_params, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            char msg[KEEL_ENGINE_MSG_MAX];
            keel_pg_message(res, c->pg, msg, sizeof msg);
            int code = keel_pg_code(res, c->pg);
            PQclear(res);
            return engine_fail(st, code, msg);
        }
        PQclear(res);
        e = keel_cache_insert(&c->cache, q);
        if (e == NULL) {
            /* Forget the server side too, or a later prepare would collide with nothing to reuse it. */
            char sql[64];
            snprintf(sql, sizeof sql, "DEALLOCATE %s", st->pg_name);
            PQclear(PQexec(c->pg, sql));
            return stmt_fail(st, KEEL_NOMEM, "out of memory");
        }
        e->pg_id = id;
    } else {
        snprintf(st->pg_name, sizeof st->pg_name, "keel_%u", e->pg_id);
    }

    int n = q->n_params;
    st->n_params = n;
    if (n > 0) {
        st->params = calloc((size_t)n, sizeof *st->params);
        st->values = calloc((size_t)n, sizeof *st->values);
        st->lengths = calloc((size_t)n, sizeof *st->lengths);
        st->formats = calloc((size_t)n, sizeof *st->formats);
        if (!st->params || !st->values || !st->lengths || !st->formats)
            return stmt_fail(st, KEEL_NOMEM, "out of memory");
    }
    return KEEL_OK;
}

static void pg_free_params(keel_stmt *st)
{
    for (int i = 0; st->params && i < st->n_params; i++)
        free(st->params[i].copy);
    free(st->params);
    free(st->values);
    free(st->lengths);
    free(st->formats);
}

static void free_unescaped(keel_stmt *st)
{
    for (int i = 0; i < st->n_unescaped; i++) {
        PQfreemem(st->unescaped[i]);
        st->unescaped[i] = NULL;
    }
}

static void stmt_free(keel_stmt *st)
{
    if (st->sqlite != NULL) {
        sqlite3_reset(st->sqlite);
        sqlite3_clear_bindings(st->sqlite);
        /* Looked up again rather than remembered: the cache may have grown and moved. */
        keel_cached_stmt *e = keel_cache_find(&st->conn->cache, st->query);
        if (e != NULL && e->sqlite == st->sqlite)
            e->busy = false;
        else
            sqlite3_finalize(st->sqlite);
    }
    pg_free_params(st);
    PQclear(st->result);
    free_unescaped(st);
    free(st->unescaped);
    keel_conn_release(st->db, st->conn);
    free(st);
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
    int rc = keel_conn_acquire(db, name, KEEL_ACQUIRE_READ, &c);
    if (rc != KEEL_OK)
        return rc;
    if (c->reader && !reader_can_run(c, q)) {
        /* A write: it goes to the writer, and waits for it. */
        keel_conn_release(db, c);
        if ((rc = keel_conn_acquire(db, name, KEEL_ACQUIRE_WRITE, &c)) != KEEL_OK)
            return rc;
    }
    keel_stmt *st = calloc(1, sizeof *st);
    if (st == NULL) {
        keel_conn_release(db, c);
        return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", q->name ? q->name : "query");
    }
    st->db = db;
    st->conn = c;
    st->query = q;
    rc = c->sqlite != NULL ? sqlite_open_stmt(st) : pg_open_stmt(st);
    if (rc != KEEL_OK) {
        stmt_free(st);
        return rc;
    }
    *out = st;
    return KEEL_OK;
}

int keel_stmt_close(keel_stmt *st)
{
    if (st != NULL)
        stmt_free(st);
    return KEEL_OK;
}

/* ---------------------------------------------------------------------------
 * Binding
 * ------------------------------------------------------------------------- */
static void sqlite_bind_result(keel_stmt *st, int i, int rc)
{
    if (rc == SQLITE_OK)
        return;
    if (rc == SQLITE_RANGE)
        remember_bind_error(st, KEEL_MISUSE, "parameter %d out of range 1..%d", i,
                            sqlite3_bind_parameter_count(st->sqlite));
    else
        remember_bind_error(st, keel_sqlite_code(rc), "binding parameter %d: %s", i, sqlite3_errstr(rc));
}

/* Returns the slot for 1-based parameter i after clearing its old value, or NULL. */
static pg_param *pg_slot(keel_stmt *st, int i)
{
    if (i < 1 || i > st->n_params) {
        remember_bind_error(st, KEEL_MISUSE, "parameter %d out of range 1..%d", i, st->n_params);
        return NULL;
    }
    pg_param *p = &st->params[i - 1];
    free(p->copy);
    p->copy = NULL;
    st->values[i - 1] = NULL;
    st->lengths[i - 1] = 0;
    st->formats[i - 1] = 0;
    return p;
}

static void pg_bind_number(keel_stmt *st, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pg_bind_number(keel_stmt *st, int i, const char *fmt, ...)
{
    pg_param *p = pg_slot(st, i);
    if (p == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->number, sizeof p->number, fmt, ap);
    va_end(ap);
    st->values[i - 1] = p->number;
}

static void pg_bind_bytes(keel_stmt *st, int i, const void *data, size_t n, bool binary)
{
    pg_param *p = pg_slot(st, i);
    if (p == NULL)
        return;
    if (n > (size_t)INT32_MAX) {
        remember_bind_error(st, KEEL_MISUSE, "parameter %d is larger than PostgreSQL accepts", i);
        return;
    }
    p->copy = malloc(n + 1);
    if (p->copy == NULL) {
        remember_bind_error(st, KEEL_NOMEM, "out of memory binding parameter %d", i);
        return;
    }
    if (n > 0)
        memcpy(p->copy, data, n);
    p->copy[n] = '\0';
    st->values[i - 1] = p->copy;
    st->lengths[i - 1] = (int)n;
    st->formats[i - 1] = binary ? 1 : 0;
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
    if (st->sqlite != NULL)
        sqlite_bind_result(st, i, sqlite3_bind_int64(st->sqlite, i, v));
    else
        pg_bind_number(st, i, "%" PRId64, v);
}

void keel_bind_double(keel_stmt *st, int i, double v)
{
    if (st == NULL)
        return;
    if (st->sqlite != NULL)
        sqlite_bind_result(st, i, sqlite3_bind_double(st->sqlite, i, v));
    else
        pg_bind_number(st, i, "%.17g", v); /* 17 digits round-trip every double */
}

void keel_bind_bool(keel_stmt *st, int i, bool v)
{
    if (st == NULL)
        return;
    if (st->sqlite != NULL)
        sqlite_bind_result(st, i, sqlite3_bind_int(st->sqlite, i, v ? 1 : 0));
    else
        pg_bind_number(st, i, "%s", v ? "t" : "f");
}

void keel_bind_text(keel_stmt *st, int i, const char *v)
{
    if (st == NULL)
        return;
    if (v == NULL) {
        keel_bind_null(st, i);
        return;
    }
    if (st->sqlite != NULL)
        sqlite_bind_result(st, i, sqlite3_bind_text(st->sqlite, i, v, -1, SQLITE_TRANSIENT));
    else
        pg_bind_bytes(st, i, v, strlen(v), false);
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
                        : sqlite3_bind_blob64(st->sqlite, i, p, (sqlite3_uint64)n, SQLITE_TRANSIENT);
        sqlite_bind_result(st, i, rc);
    } else {
        pg_bind_bytes(st, i, p, n, true);
    }
}

/* ---------------------------------------------------------------------------
 * Lists: built as text, then bound like any text (which copies it).
 * ------------------------------------------------------------------------- */
typedef struct list_buf {
    char *s;
    size_t len, cap;
    bool failed;
} list_buf;

static void lb_put(list_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->s, cap);
        if (grown == NULL) {
            b->failed = true;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void lb_putc(list_buf *b, char c) { lb_put(b, &c, 1); }

static void lb_printf(list_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lb_printf(list_buf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        lb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* One text item: a JSON string for SQLite, a quoted array element for
 * PostgreSQL (backslash and double quote escaped in both). */
static void lb_quote(list_buf *b, const char *s, bool json)
{
    lb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            lb_putc(b, '\\');
            lb_putc(b, (char)*p);
        } else if (json && *p < 0x20) {
            lb_printf(b, "\\u%04x", *p);
        } else {
            lb_putc(b, (char)*p);
        }
    }
    lb_putc(b, '"');
}

static void bind_list(keel_stmt *st, int i, list_buf *b)
{
    if (b->failed) {
        remember_bind_error(st, KEEL_NOMEM, "parameter %d: out of memory building a list", i);
    } else {
        keel_bind_text(st, i, b->s ? b->s : "");
    }
    free(b->s);
}

void keel_bind_int64_list(keel_stmt *st, int i, const int64_t *items, size_t count)
{
    if (st == NULL)
        return;
    bool json = st->sqlite != NULL;
    list_buf b = { 0 };
    lb_putc(&b, json ? '[' : '{');
    for (size_t k = 0; k < count; k++)
        lb_printf(&b, "%s%" PRId64, k ? "," : "", items[k]);
    lb_putc(&b, json ? ']' : '}');
    bind_list(st, i, &b);
}

void keel_bind_double_list(keel_stmt *st, int i, const double *items, size_t count)
{
    if (st == NULL)
        return;
    bool json = st->sqlite != NULL;
    list_buf b = { 0 };
    lb_putc(&b, json ? '[' : '{');
    for (size_t k = 0; k < count; k++) {
        if (!isfinite(items[k])) {
            remember_bind_error(st, KEEL_MISUSE, "parameter %d: item %zu of a list is not a finite number", i, k);
            free(b.s);
            return;
        }
        lb_printf(&b, "%s%.17g", k ? "," : "", items[k]);
    }
    lb_putc(&b, json ? ']' : '}');
    bind_list(st, i, &b);
}

void keel_bind_text_list(keel_stmt *st, int i, const char *const *items, size_t count)
{
    if (st == NULL)
        return;
    bool json = st->sqlite != NULL;
    list_buf b = { 0 };
    lb_putc(&b, json ? '[' : '{');
    for (size_t k = 0; k < count; k++) {
        if (k)
            lb_putc(&b, ',');
        if (items[k] == NULL)
            lb_put(&b, json ? "null" : "NULL", 4);
        else
            lb_quote(&b, items[k], json);
    }
    lb_putc(&b, json ? ']' : '}');
    bind_list(st, i, &b);
}

/* ---------------------------------------------------------------------------
 * Stepping
 * ------------------------------------------------------------------------- */
static int sqlite_step(keel_stmt *st)
{
    if (st->done)
        return KEEL_DONE; /* never let SQLite's auto-reset run the statement again */
    int rc = sqlite3_step(st->sqlite);
    if (rc == SQLITE_ROW)
        return KEEL_ROW;
    st->done = true;
    if (rc == SQLITE_DONE)
        return KEEL_DONE;
    return engine_fail(st, keel_sqlite_code(rc), sqlite3_errmsg(st->conn->sqlite));
}

static int pg_step(keel_stmt *st)
{
    free_unescaped(st);
    if (st->done)
        return KEEL_DONE;
    if (!st->executed) {
        st->executed = true;
        PGconn *pg = st->conn->pg;
        st->result = PQexecPrepared(pg, st->pg_name, st->n_params, st->values, st->lengths,
                                    st->formats, 0);
        ExecStatusType status = PQresultStatus(st->result);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            st->done = true;
            char msg[KEEL_ENGINE_MSG_MAX];
            keel_pg_message(st->result, pg, msg, sizeof msg);
            return engine_fail(st, keel_pg_code(st->result, pg), msg);
        }
        st->n_rows = PQntuples(st->result);
        st->row = -1;
        int n_fields = PQnfields(st->result);
        if (n_fields > 0) {
            st->unescaped = calloc((size_t)n_fields, sizeof *st->unescaped);
            if (st->unescaped == NULL) {
                st->done = true;
                return stmt_fail(st, KEEL_NOMEM, "out of memory");
            }
            st->n_unescaped = n_fields;
        }
    }
    if (++st->row < st->n_rows)
        return KEEL_ROW;
    st->done = true;
    return KEEL_DONE;
}

void keel_stmt_stream(keel_stmt *st)
{
    (void)st;
}

int keel_stmt_step(keel_stmt *st)
{
    if (st == NULL)
        return KEEL_MISUSE;
    if (st->bind_error != KEEL_OK) {
        st->done = true;
        return stmt_fail(st, st->bind_error, "%s", st->bind_message);
    }
    return st->sqlite != NULL ? sqlite_step(st) : pg_step(st);
}

/* ---------------------------------------------------------------------------
 * Columns
 * ------------------------------------------------------------------------- */
/* The current row's text for col, or NULL when NULL or there is no such cell. */
static const char *pg_cell(keel_stmt *st, int col)
{
    if (st->result == NULL || st->row < 0 || st->row >= st->n_rows || col < 0 ||
        col >= PQnfields(st->result) || PQgetisnull(st->result, st->row, col))
        return NULL;
    return PQgetvalue(st->result, st->row, col);
}

bool keel_column_is_null(keel_stmt *st, int col)
{
    if (st == NULL)
        return true;
    if (st->sqlite != NULL)
        return sqlite3_column_type(st->sqlite, col) == SQLITE_NULL;
    return pg_cell(st, col) == NULL;
}

/* PostgreSQL prints booleans as t/f, and int64 readers may meet one. */
static bool pg_text_is_true(const char *v)
{
    return v[0] == 't' || v[0] == 'T' || v[0] == 'y' || v[0] == 'Y' || v[0] == '1' ||
           (v[0] == 'o' && (v[1] == 'n' || v[1] == 'N'));
}

int64_t keel_column_int64(keel_stmt *st, int col)
{
    if (st == NULL)
        return 0;
    if (st->sqlite != NULL)
        return sqlite3_column_int64(st->sqlite, col);
    const char *v = pg_cell(st, col);
    if (v == NULL)
        return 0;
    if (v[0] == 't' || v[0] == 'f')
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

double keel_column_double(keel_stmt *st, int col)
{
    if (st == NULL)
        return 0;
    if (st->sqlite != NULL)
        return sqlite3_column_double(st->sqlite, col);
    const char *v = pg_cell(st, col);
    return v ? strtod(v, NULL) : 0;
}

bool keel_column_bool(keel_stmt *st, int col)
{
    if (st == NULL)
        return false;
    if (st->sqlite != NULL)
        return sqlite3_column_int64(st->sqlite, col) != 0;
    const char *v = pg_cell(st, col);
    return v ? pg_text_is_true(v) : false;
}

const char *keel_column_text(keel_stmt *st, int col, size_t *len)
{
    size_t n = 0;
    const char *v = NULL;
    if (st != NULL && st->sqlite != NULL) {
        if (sqlite3_column_type(st->sqlite, col) != SQLITE_NULL) {
            v = (const char *)sqlite3_column_text(st->sqlite, col);
            n = (size_t)sqlite3_column_bytes(st->sqlite, col);
            if (v == NULL) /* out of memory converting, or an empty blob read as text */
                v = empty_bytes, n = 0;
        }
    } else if (st != NULL) {
        v = pg_cell(st, col);
        if (v != NULL)
            n = (size_t)PQgetlength(st->result, st->row, col);
    }
    if (len != NULL)
        *len = n;
    return v;
}

const void *keel_column_blob(keel_stmt *st, int col, size_t *len)
{
    size_t n = 0;
    const void *v = NULL;
    if (st != NULL && st->sqlite != NULL) {
        if (sqlite3_column_type(st->sqlite, col) != SQLITE_NULL) {
            v = sqlite3_column_blob(st->sqlite, col);
            n = (size_t)sqlite3_column_bytes(st->sqlite, col);
            if (v == NULL) /* SQLite returns NULL for a zero-length blob; keel keeps it distinct from NULL */
                v = empty_bytes, n = 0;
        }
    } else if (st != NULL) {
        const char *text = pg_cell(st, col); /* non-NULL implies col < n_unescaped */
        if (text != NULL) {
            /* Each column keeps its own buffer: a row's blobs are read side by side. */
            PQfreemem(st->unescaped[col]);
            st->unescaped[col] = PQunescapeBytea((const unsigned char *)text, &n);
            v = st->unescaped[col];
            if (v == NULL) /* out of memory; an empty blob is never NULL here */
                n = 0;
            else if (n == 0)
                v = empty_bytes;
        }
    }
    if (len != NULL)
        *len = n;
    return v;
}

int64_t keel_stmt_changes(keel_stmt *st)
{
    if (st == NULL)
        return 0;
    if (st->sqlite != NULL)
        return sqlite3_changes64(st->conn->sqlite);
    if (st->result == NULL)
        return 0;
    const char *tuples = PQcmdTuples(st->result);
    return tuples[0] ? strtoll(tuples, NULL, 10) : 0;
}

int64_t keel_stmt_last_id(keel_stmt *st)
{
    if (st == NULL)
        return 0;
    if (st->sqlite != NULL)
        return sqlite3_last_insert_rowid(st->conn->sqlite);
    if (st->result == NULL || PQntuples(st->result) < 1 || PQnfields(st->result) < 1 ||
        PQgetisnull(st->result, 0, 0))
        return 0;
    return strtoll(PQgetvalue(st->result, 0, 0), NULL, 10);
}
