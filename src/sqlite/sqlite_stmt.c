/*
 * sqlite_stmt.c — SQLite statements: prepared once per connection
 * (SQLITE_PREPARE_PERSISTENT, kept in the connection's cache with the
 * sqlite_stmt that every later use gets back), bound without copies
 * (SQLITE_STATIC: keel.h's borrowing rule), stepped, read.
 *
 * A parameter a use leaves unbound is NULL, not the previous use's value:
 * `bound` records what this use bound and the first step nulls the rest,
 * so a use costs no sqlite3_clear_bindings.
 */
#include "sqlite/sqlite_engine.h"

#include <stdlib.h>

void keel_sqlite_cache_forget(keel_cached_stmt *e)
{
    if (e->prepared.sqlite != NULL)
        sqlite3_finalize(e->prepared.sqlite);
    if (e->stmt != NULL) {
        keel_stmt_free_lists(e->stmt);
        free(e->stmt);
    }
}

/*
 * Whether q may run on a reader connection: the engine says whether the
 * statement writes (sqlite3_stmt_readonly), once per reader, and the
 * answer stays cached with the prepared statement. A query the reader
 * cannot even prepare goes to the writer, which reports the error.
 */
bool keel_sqlite_reader_can_run(keel_conn *c, const keel_query *q)
{
    keel_cached_stmt *e = keel_cache_find(&c->cache, q);
    if (e != NULL)
        return e->prepared.sqlite != NULL && sqlite3_stmt_readonly(e->prepared.sqlite);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(sqlite_conn_of(c)->handle, q->sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
            SQLITE_OK ||
        st == NULL) {
        sqlite3_finalize(st);
        return false;
    }
    e = keel_cache_insert(&c->cache, q);
    if (e == NULL) {
        sqlite3_finalize(st);
        return false;
    }
    e->prepared.sqlite = st; /* kept even for a write: the next lookup answers at once */
    return sqlite3_stmt_readonly(st) != 0;
}

static sqlite_stmt *stmt_new(keel_db *db, keel_conn *c, const keel_query *q)
{
    sqlite_stmt *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->base.engine = &keel_sqlite_engine;
    st->base.db = db;
    st->base.conn = c;
    st->base.query = q;
    return st;
}

static void set_params(sqlite_stmt *st)
{
    int n = sqlite3_bind_parameter_count(st->handle);
    st->base.n_params = n;
    st->all_bound = n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

/* The first use of q on c, or a use while the cached one is busy. */
static int prepare(keel_db *db, keel_conn *c, const keel_query *q, keel_cached_stmt *e, sqlite_stmt **out)
{
    if (e != NULL && e->prepared.sqlite != NULL && e->stmt == NULL) {
        /* Prepared by keel_sqlite_reader_can_run: its sqlite_stmt is made now. */
        sqlite_stmt *st = stmt_new(db, c, q);
        if (st == NULL)
            return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", q->name ? q->name : "query");
        st->base.cached = true;
        st->handle = e->prepared.sqlite;
        set_params(st);
        e->stmt = &st->base;
        *out = st;
        return KEEL_OK;
    }
    /*
     * In use means the same query is already running on this connection (a
     * callback calling its own query): reusing it would reset the outer
     * iteration, so this one gets a private statement.
     */
    sqlite_stmt *st = stmt_new(db, c, q);
    if (st == NULL)
        return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", q->name ? q->name : "query");
    sqlite3 *h = sqlite_conn_of(c)->handle;
    unsigned flags = e == NULL ? SQLITE_PREPARE_PERSISTENT : 0;
    int rc = sqlite3_prepare_v3(h, q->sql, -1, flags, &st->handle, NULL);
    if (rc != SQLITE_OK || st->handle == NULL) {
        rc = rc != SQLITE_OK
                 ? keel_stmt_engine_fail(&st->base, keel_sqlite_code(sqlite3_extended_errcode(h)), sqlite3_errmsg(h))
                 : keel_stmt_fail(&st->base, KEEL_MISUSE, "the SQL contains no statement");
        free(st);
        return rc;
    }
    set_params(st);
    if (e == NULL && (e = keel_cache_insert(&c->cache, q)) != NULL) {
        /* no room to cache is not an error: the statement stays private */
        e->prepared.sqlite = st->handle;
        e->stmt = &st->base;
        st->base.cached = true;
    }
    *out = st;
    return KEEL_OK;
}

int keel_sqlite_stmt_open(keel_db *db, keel_conn *c, const keel_query *q, keel_stmt **out)
{
    keel_cached_stmt *e = keel_cache_find(&c->cache, q);
    sqlite_stmt *st = NULL;
    if (e != NULL && e->stmt != NULL && !e->stmt->in_use) {
        st = sqlite_stmt_of(e->stmt); /* the steady state: the cached statement, reset at its last close */
    } else {
        int rc = prepare(db, c, q, e, &st);
        if (rc != KEEL_OK || st == NULL) /* the analyzer cannot see keel_err_set return its code */
            return rc != KEEL_OK ? rc : KEEL_NOMEM;
    }
    st->bound = 0;
    st->stepped = false;
    *out = &st->base;
    return KEEL_OK;
}

bool keel_sqlite_stmt_writes(keel_stmt *st)
{
    return !sqlite3_stmt_readonly(sqlite_stmt_of(st)->handle);
}

void keel_sqlite_stmt_reset(keel_stmt *base)
{
    sqlite_stmt *st = sqlite_stmt_of(base);
    sqlite3_reset(st->handle);
    /* Bound values stay in the statement until rebound; the next use binds or
     * nulls every parameter before it steps (see keel_sqlite_step). Past 64
     * parameters there is no mask: clear now. */
    if (base->n_params > 64)
        sqlite3_clear_bindings(st->handle);
}

/* Between a batch's items: reset as at a close, then as at an open (nothing bound, not stepped). */
void keel_sqlite_stmt_rewind(keel_stmt *base)
{
    keel_sqlite_stmt_reset(base);
    sqlite_stmt *st = sqlite_stmt_of(base);
    st->bound = 0;
    st->stepped = false;
}

void keel_sqlite_stmt_free(keel_stmt *base)
{
    sqlite3_finalize(sqlite_stmt_of(base)->handle);
    keel_stmt_free_lists(base);
    free(base);
}

/* ---------------------------------------------------------------------------
 * Binding
 * ------------------------------------------------------------------------- */
static void bind_failed(sqlite_stmt *st, int i, int rc)
{
    if (rc == SQLITE_RANGE)
        keel_stmt_bind_error(&st->base, KEEL_MISUSE, "parameter %d out of range 1..%d", i,
                             sqlite3_bind_parameter_count(st->handle));
    else
        keel_stmt_bind_error(&st->base, keel_sqlite_code(rc), "binding parameter %d: %s", i, sqlite3_errstr(rc));
}

static inline void bind_result(sqlite_stmt *st, int i, int rc)
{
    if (rc != SQLITE_OK)
        bind_failed(st, i, rc);
    else if ((unsigned)(i - 1) < 64u)
        st->bound |= (uint64_t)1 << (i - 1);
}

void keel_sqlite_bind_null(keel_stmt *base, int i)
{
    sqlite_stmt *st = sqlite_stmt_of(base);
    bind_result(st, i, sqlite3_bind_null(st->handle, i));
}

void keel_sqlite_bind_int64(keel_stmt *base, int i, int64_t v)
{
    sqlite_stmt *st = sqlite_stmt_of(base);
    bind_result(st, i, sqlite3_bind_int64(st->handle, i, v));
}

void keel_sqlite_bind_double(keel_stmt *base, int i, double v)
{
    sqlite_stmt *st = sqlite_stmt_of(base);
    bind_result(st, i, sqlite3_bind_double(st->handle, i, v));
}

void keel_sqlite_bind_bool(keel_stmt *base, int i, bool v)
{
    sqlite_stmt *st = sqlite_stmt_of(base);
    bind_result(st, i, sqlite3_bind_int(st->handle, i, v ? 1 : 0));
}

void keel_sqlite_bind_text(keel_stmt *base, int i, const char *v)
{
    sqlite_stmt *st = sqlite_stmt_of(base);
    bind_result(st, i, sqlite3_bind_text(st->handle, i, v, -1, SQLITE_STATIC));
}

void keel_sqlite_bind_blob(keel_stmt *base, int i, const void *p, size_t n)
{
    sqlite_stmt *st = sqlite_stmt_of(base);
    /* An empty blob is a value, not NULL; zeroblob(0) says so unambiguously. */
    int rc = n == 0 ? sqlite3_bind_zeroblob(st->handle, i, 0)
                    : sqlite3_bind_blob64(st->handle, i, p, (sqlite3_uint64)n, SQLITE_STATIC);
    bind_result(st, i, rc);
}

/* ---------------------------------------------------------------------------
 * Stepping
 * ------------------------------------------------------------------------- */
int keel_sqlite_step(keel_stmt *base)
{
    if (base->done)
        return KEEL_DONE; /* never let SQLite's auto-reset run the statement again */
    sqlite_stmt *st = sqlite_stmt_of(base);
    sqlite_conn *c = sqlite_conn_of(base->conn);
    if (!st->stepped) {
        st->stepped = true;
        /* Unbound parameters are NULL, not the previous use's values. */
        for (int i = 0; st->bound != st->all_bound && i < base->n_params && i < 64; i++)
            if (!(st->bound & ((uint64_t)1 << i)))
                sqlite3_bind_null(st->handle, i + 1);
        if (atomic_load_explicit(&c->base.interrupted, memory_order_relaxed))
            return keel_stmt_interrupted(base);
        int timeout_ms = keel_conn_timeout_ms(&c->base);
        c->deadline_ns = timeout_ms > 0 ? keel_now_ns() + (int64_t)timeout_ms * 1000000 : 0;
        c->timed_out = false;
    }
    int rc = sqlite3_step(st->handle);
    if (rc == SQLITE_ROW)
        return KEEL_ROW;
    base->done = true;
    c->deadline_ns = 0;
    if (rc == SQLITE_DONE)
        return KEEL_DONE;
    if ((rc & 0xff) == SQLITE_INTERRUPT && c->timed_out)
        return keel_stmt_engine_fail(base, KEEL_TIMEOUT, "the statement ran longer than its statement timeout");
    return keel_stmt_engine_fail(base, keel_sqlite_code(rc), sqlite3_errmsg(c->handle));
}

/* ---------------------------------------------------------------------------
 * Columns
 * ------------------------------------------------------------------------- */
bool keel_sqlite_column_is_null(keel_stmt *st, int col)
{
    return sqlite3_column_type(sqlite_stmt_of(st)->handle, col) == SQLITE_NULL;
}

int64_t keel_sqlite_column_int64(keel_stmt *st, int col)
{
    return sqlite3_column_int64(sqlite_stmt_of(st)->handle, col);
}

double keel_sqlite_column_double(keel_stmt *st, int col)
{
    return sqlite3_column_double(sqlite_stmt_of(st)->handle, col);
}

bool keel_sqlite_column_bool(keel_stmt *st, int col)
{
    return sqlite3_column_int64(sqlite_stmt_of(st)->handle, col) != 0;
}

const char *keel_sqlite_column_text(keel_stmt *st, int col, size_t *len)
{
    sqlite3_stmt *h = sqlite_stmt_of(st)->handle;
    size_t n = 0;
    /* NULL from sqlite3_column_text is SQL NULL, or (rarely) an empty blob
     * read as text or out of memory converting: only then ask the type. */
    const char *v = (const char *)sqlite3_column_text(h, col);
    if (v == NULL && sqlite3_column_type(h, col) != SQLITE_NULL)
        v = keel_empty_bytes;
    else if (v != NULL && len != NULL)
        n = (size_t)sqlite3_column_bytes(h, col);
    if (len != NULL)
        *len = n;
    return v;
}

const void *keel_sqlite_column_blob(keel_stmt *st, int col, size_t *len)
{
    sqlite3_stmt *h = sqlite_stmt_of(st)->handle;
    size_t n = 0;
    /* SQLite returns NULL for a zero-length blob too: only then ask the type,
     * as keel keeps the empty blob distinct from NULL. */
    const void *v = sqlite3_column_blob(h, col);
    if (v != NULL)
        n = (size_t)sqlite3_column_bytes(h, col);
    else if (sqlite3_column_type(h, col) != SQLITE_NULL)
        v = keel_empty_bytes;
    if (len != NULL)
        *len = n;
    return v;
}

int64_t keel_sqlite_changes(keel_stmt *st)
{
    return sqlite3_changes64(sqlite_conn_of(st->conn)->handle);
}

int64_t keel_sqlite_last_id(keel_stmt *st)
{
    return sqlite3_last_insert_rowid(sqlite_conn_of(st->conn)->handle);
}
