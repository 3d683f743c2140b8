/*
 * pg_stmt.c — PostgreSQL statements: prepared once per session under
 * "keel_<id>" and described, so keel knows the server's parameter and
 * result types; bound in binary where the server type matches (integers,
 * float8, bool, bytea), else as text; executed on the first step, the
 * whole result at once or row by row after keel_stmt_stream (single-row
 * mode); a read that a replica did not answer (lost, or refused as a
 * write) moves to another server before any row is seen (move_off_replica).
 *
 * Results come in binary when every column has a type keel decodes
 * (keel_pg_kind), else in text (pg_columns.c reads both).
 */
#include "pg/pg_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int keel_pg_result_code(keel_conn *c, const PGresult *res)
{
    int code = keel_pg_code(res, pg_conn_of(c)->handle);
    /* 57014 is both a cancel and statement_timeout: keel_interrupt marks its own. */
    if (code == KEEL_INTERRUPTED && !atomic_load(&c->interrupted) && keel_conn_timeout_ms(c) > 0)
        code = KEEL_TIMEOUT;
    return code;
}

int keel_pg_fail(pg_stmt *st, const PGresult *res)
{
    char msg[KEEL_ENGINE_MSG_MAX];
    keel_pg_message(res, pg_conn_of(st->base.conn)->handle, msg, sizeof msg);
    return keel_stmt_engine_fail(&st->base, keel_pg_result_code(st->base.conn, res), msg);
}

/* ---------------------------------------------------------------------------
 * Statement memory
 * ------------------------------------------------------------------------- */
static pg_stmt *stmt_new(keel_db *db, keel_conn *c, const keel_query *q)
{
    pg_stmt *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->base.engine = &keel_pg_engine;
    st->base.db = db;
    st->base.conn = c;
    st->base.query = q;
    return st;
}

/* The per-statement arrays for n parameters; the column side is set up by describe. */
static bool alloc_params(pg_stmt *st, int n)
{
    st->base.n_params = n;
    if (n == 0)
        return true;
    st->params = calloc((size_t)n, sizeof *st->params);
    st->values = calloc((size_t)n, sizeof *st->values);
    st->lengths = calloc((size_t)n, sizeof *st->lengths);
    st->formats = calloc((size_t)n, sizeof *st->formats);
    return st->params && st->values && st->lengths && st->formats;
}

static void free_queue(pg_stmt *st)
{
    for (int i = st->queue_pos; i < st->queue_len; i++)
        PQclear(st->queue[i]);
    st->queue_len = st->queue_pos = 0;
}

/* Conversions made for the current row; only odd reads (a bytea read as
 * text...) make them, the columns generated code reads never do. Static:
 * inlined into the per-row step. */
static void free_conversions(pg_stmt *st)
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

static void stmt_destroy(pg_stmt *st)
{
    if (st == NULL)
        return;
    free_conversions(st);
    PQclear(st->result);
    free_queue(st);
    free(st->queue);
    keel_stmt_free_lists(&st->base);
    free(st->params);
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st->cols);
    free(st);
}

void keel_pg_stmt_free(keel_stmt *st)
{
    stmt_destroy(pg_stmt_of(st));
}

void keel_pg_cache_forget(keel_cached_stmt *e)
{
    /* The server side goes with the session (or is unreachable now). */
    if (e->stmt != NULL)
        stmt_destroy(pg_stmt_of(e->stmt));
}

/* A private statement shaped like `model` (same parameters and columns). */
static pg_stmt *clone_shape(const pg_stmt *model, keel_db *db, keel_conn *c, const keel_query *q)
{
    pg_stmt *st = stmt_new(db, c, q);
    if (st == NULL)
        return NULL;
    if (!alloc_params(st, model->base.n_params)) {
        stmt_destroy(st);
        return NULL;
    }
    for (int i = 0; i < model->base.n_params; i++)
        st->params[i] = (keel_pg_param){ .type = model->params[i].type, .kind = model->params[i].kind };
    snprintf(st->name, sizeof st->name, "%s", model->name);
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
    return st;
}

/* ---------------------------------------------------------------------------
 * Preparing
 * ------------------------------------------------------------------------- */
/* Parameter and result types of a freshly prepared statement, and the buffers they need. */
static int describe(pg_stmt *st, const keel_query *q)
{
    PGconn *pg = pg_conn_of(st->base.conn)->handle;
    PGresult *res = PQdescribePrepared(pg, st->name);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = keel_pg_fail(st, res);
        PQclear(res);
        return rc;
    }
    int n = PQnparams(res) > q->n_params ? PQnparams(res) : q->n_params;
    if (!alloc_params(st, n)) {
        PQclear(res);
        return keel_stmt_fail(&st->base, KEEL_NOMEM, "out of memory");
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
            return keel_stmt_fail(&st->base, KEEL_NOMEM, "out of memory");
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

/*
 * Gives st the server-side name of its query on st's connection: the one
 * that connection's cache remembers, or a fresh prepare, remembered there.
 * Both a first open and a read that moved to another server
 * (move_off_replica) come here. *entry (if entry is non-NULL) is the cache
 * entry, NULL when there was no room to remember a fresh prepare.
 */
static int prepare_on_conn(pg_stmt *st, keel_cached_stmt **entry)
{
    keel_conn *conn = st->base.conn;
    pg_conn *c = pg_conn_of(conn);
    const keel_query *q = st->base.query;
    keel_pg_settle(conn);
    keel_cached_stmt *e = keel_cache_find(&conn->cache, q);
    int rc = KEEL_OK;
    if (e != NULL) {
        snprintf(st->name, sizeof st->name, "keel_%u", e->prepared.pg_id);
    } else {
        unsigned id = ++c->next_id;
        snprintf(st->name, sizeof st->name, "keel_%u", id);
        PGresult *res = PQprepare(c->handle, st->name, q->sql, q->n_params, NULL);
        rc = PQresultStatus(res) == PGRES_COMMAND_OK ? KEEL_OK : keel_pg_fail(st, res);
        PQclear(res);
        if (rc == KEEL_OK && (e = keel_cache_insert(&conn->cache, q)) != NULL)
            e->prepared.pg_id = id; /* its pg_stmt is made by the next open here that finds none */
    }
    if (entry != NULL)
        *entry = e;
    return rc;
}

/* q's statement on c: the cached one, a private twin while that is in use, or prepared and described. */
static int find_or_prepare(keel_db *db, keel_conn *c, const keel_query *q, pg_stmt **out)
{
    if (q->n_params < 0)
        return keel_err_set(db, KEEL_MISUSE, "%s: n_params is negative", q->name ? q->name : "query");
    keel_cached_stmt *e = keel_cache_find(&c->cache, q);
    if (e != NULL && e->stmt != NULL) {
        if (!e->stmt->in_use) {
            *out = pg_stmt_of(e->stmt);
            return KEEL_OK;
        }
        pg_stmt *st = clone_shape(pg_stmt_of(e->stmt), db, c, q);
        if (st == NULL)
            return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", q->name ? q->name : "query");
        *out = st;
        return KEEL_OK;
    }
    /* The first open here, or the first since a call that moved off this
     * connection took the cached statement along: a new one, described. */
    pg_stmt *st = stmt_new(db, c, q);
    if (st == NULL)
        return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", q->name ? q->name : "query");
    int rc = prepare_on_conn(st, &e);
    if (rc == KEEL_OK)
        rc = describe(st, q);
    if (rc == KEEL_OK && e == NULL) {
        keel_stmt_fail(&st->base, KEEL_NOMEM, "out of memory");
        rc = KEEL_NOMEM;
        /* Unremembered, the server side would only take room in the session. */
        char sql[64];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
        if (PQstatus(pg_conn_of(c)->handle) == CONNECTION_OK)
            PQclear(PQexec(pg_conn_of(c)->handle, sql));
    }
    if (rc != KEEL_OK || e == NULL) {
        stmt_destroy(st);
        return rc != KEEL_OK ? rc : KEEL_NOMEM; /* e == NULL is the branch above, for the analyzer */
    }
    e->stmt = &st->base;
    st->base.cached = true;
    *out = st;
    return KEEL_OK;
}

void keel_pg_clear_binds(pg_stmt *st)
{
    for (int i = 0; i < st->base.n_params; i++) {
        st->values[i] = NULL;
        st->lengths[i] = 0;
        st->formats[i] = 0;
    }
}

int keel_pg_stmt_open(keel_db *db, keel_conn *c, const keel_query *q, keel_stmt **out)
{
    pg_stmt *st = NULL;
    int rc = find_or_prepare(db, c, q, &st);
    if (rc != KEEL_OK || st == NULL) /* the analyzer cannot see keel_err_set return its code */
        return rc != KEEL_OK ? rc : KEEL_NOMEM;
    /* A fresh use: nothing of the previous one survives but the buffers. */
    st->stream = false;
    st->stream_open = false;
    st->executed = false;
    st->row = -1;
    st->n_rows = 0;
    keel_pg_clear_binds(st);
    *out = &st->base;
    return KEEL_OK;
}

/* ---------------------------------------------------------------------------
 * Binding: values point into the caller's memory (text, bytea) or the
 * parameter's own `number` buffer (integers, float8, bool).
 * ------------------------------------------------------------------------- */
/* Returns the slot for 1-based parameter i after clearing its old value, or NULL. */
static keel_pg_param *slot(pg_stmt *st, int i)
{
    if (i < 1 || i > st->base.n_params) {
        keel_stmt_bind_error(&st->base, KEEL_MISUSE, "parameter %d out of range 1..%d", i, st->base.n_params);
        return NULL;
    }
    st->values[i - 1] = NULL;
    st->lengths[i - 1] = 0;
    st->formats[i - 1] = 0;
    return &st->params[i - 1];
}

static void set(pg_stmt *st, int i, const char *value, int length, int format)
{
    st->values[i - 1] = value;
    st->lengths[i - 1] = length;
    st->formats[i - 1] = format;
}

void keel_pg_bind_null(keel_stmt *st, int i)
{
    slot(pg_stmt_of(st), i);
}

void keel_pg_bind_int64(keel_stmt *base, int i, int64_t v)
{
    pg_stmt *st = pg_stmt_of(base);
    keel_pg_param *p = slot(st, i);
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
        set(st, i, p->number, size, 1);
    } else {
        keel_format_int64(p->number, v);
        set(st, i, p->number, 0, 0);
    }
}

void keel_pg_bind_double(keel_stmt *base, int i, double v)
{
    pg_stmt *st = pg_stmt_of(base);
    keel_pg_param *p = slot(st, i);
    if (p == NULL)
        return;
    if (p->kind == KEEL_PG_FLOAT8) {
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        keel_put_be(p->number, bits, 8);
        set(st, i, p->number, 8, 1);
    } else {
        snprintf(p->number, sizeof p->number, "%.17g", v); /* 17 digits round-trip every double */
        set(st, i, p->number, 0, 0);
    }
}

void keel_pg_bind_bool(keel_stmt *base, int i, bool v)
{
    pg_stmt *st = pg_stmt_of(base);
    keel_pg_param *p = slot(st, i);
    if (p == NULL)
        return;
    if (p->kind == KEEL_PG_BOOL) {
        p->number[0] = v ? 1 : 0;
        set(st, i, p->number, 1, 1);
    } else {
        set(st, i, v ? "t" : "f", 0, 0);
    }
}

void keel_pg_bind_text(keel_stmt *base, int i, const char *v)
{
    pg_stmt *st = pg_stmt_of(base);
    if (slot(st, i) != NULL)
        set(st, i, v, 0, 0); /* text format: libpq reads up to the NUL */
}

void keel_pg_bind_blob(keel_stmt *base, int i, const void *p, size_t n)
{
    pg_stmt *st = pg_stmt_of(base);
    if (slot(st, i) == NULL)
        return;
    if (n > (size_t)INT32_MAX) {
        keel_stmt_bind_error(base, KEEL_MISUSE, "parameter %d is larger than PostgreSQL accepts", i);
        return;
    }
    set(st, i, n > 0 ? p : keel_empty_bytes, (int)n, 1);
}

/* ---------------------------------------------------------------------------
 * Streaming: the connection's input belongs to the streaming statement
 * until it has read its results or keel_pg_settle queued them.
 * ------------------------------------------------------------------------- */
void keel_pg_stream(keel_stmt *base)
{
    pg_stmt *st = pg_stmt_of(base);
    if (!st->executed)
        st->stream = true;
}

static bool queue_push(pg_stmt *st, PGresult *res)
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

void keel_pg_settle(keel_conn *conn)
{
    pg_conn *c = pg_conn_of(conn);
    pg_stmt *st = c->streaming;
    if (st == NULL)
        return;
    c->streaming = NULL;
    PGresult *res;
    bool lost = false;
    while ((res = PQgetResult(c->handle)) != NULL) {
        if (lost || !queue_push(st, res)) {
            /* Out of memory holding the rest: the stream ends with an error. */
            PQclear(res);
            lost = true;
        }
    }
    if (lost)
        keel_stmt_bind_error(&st->base, KEEL_NOMEM, "out of memory reading the rest of a streamed result");
}

/* The stream's next result: queued by keel_pg_settle, or from the connection. */
static PGresult *stream_next(pg_stmt *st)
{
    if (st->queue_pos < st->queue_len)
        return st->queue[st->queue_pos++];
    pg_conn *c = pg_conn_of(st->base.conn);
    if (c->streaming != st)
        return NULL;
    PGresult *res = PQgetResult(c->handle);
    if (res == NULL)
        c->streaming = NULL;
    return res;
}

/* Reads and drops whatever the connection still has for this statement's stream. */
static void drain(pg_stmt *st)
{
    if (st->base.conn == NULL)
        return;
    pg_conn *c = pg_conn_of(st->base.conn);
    if (c->streaming != st)
        return;
    PGresult *res;
    while ((res = PQgetResult(c->handle)) != NULL)
        PQclear(res);
    c->streaming = NULL;
}

/* ---------------------------------------------------------------------------
 * Executing and stepping
 * ------------------------------------------------------------------------- */
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
static int move_off_replica(pg_stmt *st, const PGresult *res)
{
    keel_stmt *base = &st->base;
    keel_conn *c = base->conn;
    if (c->replica < 0 || base->db->is_tx)
        return KEEL_DONE;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    bool refused = state != NULL && strcmp(state, "25006") == 0;
    if (!refused && keel_pg_code(res, pg_conn_of(c)->handle) != KEEL_CONNECTION_LOST)
        return KEEL_DONE;
    if (refused)
        keel_replica_learn_write(base->db, base->query);
    if (base->cached) {
        keel_cached_stmt *e = keel_cache_find(&c->cache, base->query);
        if (e != NULL && e->stmt == base)
            e->stmt = NULL;
        base->cached = false;
    }
    /* Given back first (a lost one is marked so as it goes), or this thread would be handed it again. */
    keel_conn_release(base->db, c);
    base->conn = NULL;
    const char *name = base->query->name ? base->query->name : "query";
    int rc = keel_conn_acquire(base->db, name, refused ? KEEL_ACQUIRE_READ : KEEL_ACQUIRE_REPLICA, &base->conn);
    /* st stays private: the types it described elsewhere are the same on every server of the cluster. */
    return rc != KEEL_OK ? rc : prepare_on_conn(st, NULL);
}

/* Sends the statement; returns its first result (NULL when sending failed). */
static PGresult *send_prepared(pg_stmt *st)
{
    pg_conn *c = pg_conn_of(st->base.conn);
    keel_pg_settle(&c->base);
    int result_format = st->binary_results ? 1 : 0;
    if (!st->stream)
        return PQexecPrepared(c->handle, st->name, st->base.n_params, st->values, st->lengths, st->formats,
                              result_format);
    if (!PQsendQueryPrepared(c->handle, st->name, st->base.n_params, st->values, st->lengths, st->formats,
                             result_format))
        return NULL;
    /* Without single-row mode the rows still come, in one result: also handled. */
    PQsetSingleRowMode(c->handle);
    c->streaming = st;
    st->stream_open = true;
    return stream_next(st);
}

static int execute(pg_stmt *st)
{
    st->executed = true;
    if (atomic_load_explicit(&st->base.conn->interrupted, memory_order_relaxed))
        return keel_stmt_interrupted(&st->base);
    for (int moves = 0;; moves++) {
        PGresult *res = send_prepared(st);
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
        int rc = moves <= st->base.db->n_replicas ? move_off_replica(st, res) : KEEL_DONE;
        if (rc == KEEL_OK) {
            PQclear(res);
            continue;
        }
        st->base.done = true;
        if (rc == KEEL_DONE)
            rc = keel_pg_fail(st, res);
        PQclear(res);
        return rc; /* its message is recorded */
    }
}

int keel_pg_step(keel_stmt *base)
{
    pg_stmt *st = pg_stmt_of(base);
    free_conversions(st);
    if (base->done)
        return KEEL_DONE;
    if (!st->executed) {
        int rc = execute(st);
        if (rc != KEEL_OK)
            return rc;
    }
    while (++st->row >= st->n_rows) {
        PGresult *res = st->stream_open ? stream_next(st) : NULL;
        if (res == NULL) {
            base->done = true;
            st->stream_open = false;
            return KEEL_DONE;
        }
        ExecStatusType status = PQresultStatus(res);
        if (status != PGRES_SINGLE_TUPLE && status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            int rc = keel_pg_fail(st, res);
            PQclear(res);
            while (st->stream_open && (res = stream_next(st)) != NULL) /* the connection must go idle */
                PQclear(res);
            base->done = true;
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

bool keel_pg_stmt_writes(keel_stmt *st)
{
    return pg_stmt_of(st)->result != NULL;
}

void keel_pg_stmt_reset(keel_stmt *base)
{
    pg_stmt *st = pg_stmt_of(base);
    drain(st);
    free_conversions(st);
    PQclear(st->result);
    st->result = NULL;
    free_queue(st);
}
