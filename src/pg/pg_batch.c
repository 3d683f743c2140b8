/*
 * pg_batch.c — PostgreSQL batches in libpq pipeline mode, and :copyfrom
 * as COPY ... FROM STDIN: the engine's batch_run and copy_from
 * (keel_engine), called by keel_batch.c inside keel_update.
 *
 * Pipeline: the items are sent as Bind/Execute of the connection's prepared
 * statement without waiting for answers, in windows of PIPELINE_WINDOW
 * items, each ended by a flush request; while the server works on one
 * window, the previous window's results are read. So a batch costs about
 * one round trip plus the server's work, and what libpq buffers stays
 * bounded by a window's results. One Sync ends the batch (the server runs
 * it inside keel_update's transaction). After an item fails the server
 * skips the rest (PGRES_PIPELINE_ABORTED), which is read and dropped.
 *
 * COPY: the generated COPY statement names the columns in parameter order.
 * The values are bound into the statement's buffers with keel_bind_*, as
 * for any call, and copied from there into COPY rows: binary when every
 * column's server type is one keel binds in binary (then the bound bytes
 * are the COPY field as they are), else COPY's text format, escaped.
 * Neither allocates: the rows go through a buffer on the stack.
 */
#include "keel_batch.h"
#include "pg/pg_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PIPELINE_WINDOW = 256, COPY_BUFFER = 32 * 1024 };

static const char *query_name(const keel_stmt *st)
{
    return st->query->name ? st->query->name : "query";
}

/* The parameters as keel_stmt_open leaves them, for the next item's binds. */
static void rewind_binds(pg_stmt *st)
{
    keel_pg_clear_binds(st);
    st->base.bind_error = KEEL_OK;
}

/* A failure that is no single item's: the connection, pipeline mode, COPY's start. */
static int batch_failed(keel_stmt *st, int code, const char *what, const PGresult *res)
{
    char msg[KEEL_ENGINE_MSG_MAX];
    keel_pg_message(res, pg_conn_of(st->conn)->handle, msg, sizeof msg);
    if (st->db->is_tx)
        st->db->tx_failed = true;
    return keel_err_set(st->db, code, "%s: %s: %s", query_name(st), what, msg);
}

static int lost_or_error(const keel_stmt *st)
{
    return PQstatus(pg_conn_of(st->conn)->handle) == CONNECTION_OK ? KEEL_ERROR : KEEL_CONNECTION_LOST;
}

/* Item i failed with res: recorded as any statement's failure, then as the item's. */
static int item_error(keel_batch_call *call, keel_stmt *st, size_t i, const PGresult *res)
{
    return keel_batch_item_failed(call, st, i, keel_pg_fail(pg_stmt_of(st), res));
}

/* A bind error remembered by keel_bind_*: item i's failure. */
static int bind_error(keel_batch_call *call, keel_stmt *st, size_t i)
{
    int code = st->bind_error;
    keel_err_set(st->db, code, "%s", st->bind_message);
    return keel_batch_item_failed(call, st, i, code);
}

/* ---------------------------------------------------------------------------
 * Pipeline
 * ------------------------------------------------------------------------- */
/* Item i's result: rows to the callback, or the rows it changed counted. */
static int take_result(keel_batch_call *call, keel_stmt *st, size_t i, PGresult *res)
{
    const keel_batch *b = call->b;
    if (b->row == NULL) {
        call->rows += keel_parse_int64(PQcmdTuples(res));
        return KEEL_OK;
    }
    pg_stmt *ps = pg_stmt_of(st);
    int n_rows = PQntuples(res);
    int rc = KEEL_OK;
    ps->result = res;
    ps->n_rows = n_rows;
    for (int r = 0; r < n_rows && rc == KEEL_OK; r++) {
        ps->row = r;
        st->rows++;
        rc = keel_batch_row(call, st, true, i);
        if (b->one)
            break; /* as :one: the first row */
    }
    if (rc == KEEL_OK && b->one && n_rows == 0)
        rc = keel_batch_row(call, st, false, i);
    ps->result = NULL; /* the caller clears res */
    ps->row = -1;
    ps->n_rows = 0;
    return rc;
}

/*
 * Reads item i's results up to the NULL that ends them. With report, the
 * item's failure (or its callback's) is recorded and returned; without,
 * whatever came is dropped (items after a failure).
 */
static int read_item(keel_batch_call *call, keel_stmt *st, size_t i, bool report)
{
    PGconn *pg = pg_conn_of(st->conn)->handle;
    int rc = KEEL_OK;
    PGresult *res;
    while ((res = PQgetResult(pg)) != NULL) {
        ExecStatusType status = PQresultStatus(res);
        if (report && rc == KEEL_OK) {
            if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
                rc = take_result(call, st, i, res);
            else
                rc = item_error(call, st, i, res);
        }
        PQclear(res);
        if (PQstatus(pg) != CONNECTION_OK)
            break;
    }
    if (report && rc == KEEL_OK && PQstatus(pg) != CONNECTION_OK)
        rc = batch_failed(st, KEEL_CONNECTION_LOST, "the connection was lost during the batch", NULL);
    return rc;
}

/* Ends the pipeline: a Sync, the unread items dropped, its answer read, pipeline mode left. */
static int end_pipeline(keel_stmt *st, keel_batch_call *call, size_t read, size_t sent)
{
    PGconn *pg = pg_conn_of(st->conn)->handle;
    bool synced = PQpipelineSync(pg) == 1;
    for (; read < sent; read++)
        read_item(call, st, read, false);
    for (int nulls = 0; synced && PQstatus(pg) == CONNECTION_OK && nulls < 2;) {
        PGresult *res = PQgetResult(pg);
        if (res == NULL) {
            nulls++; /* none is due before the Sync's answer; two mean it will not come */
            continue;
        }
        ExecStatusType status = PQresultStatus(res);
        PQclear(res);
        if (status == PGRES_PIPELINE_SYNC)
            break;
    }
    if (PQexitPipelineMode(pg) == 1)
        return KEEL_OK;
    return batch_failed(st, lost_or_error(st), "could not leave pipeline mode", NULL);
}

int keel_pg_batch_run(keel_batch_call *call, keel_stmt *st)
{
    const keel_batch *b = call->b;
    keel_conn *c = st->conn;
    pg_stmt *ps = pg_stmt_of(st);
    PGconn *pg = pg_conn_of(c)->handle;
    keel_pg_settle(c);
    if (atomic_load_explicit(&c->interrupted, memory_order_relaxed))
        return batch_failed(st, KEEL_INTERRUPTED, "interrupted by keel_interrupt", NULL);
    if (PQenterPipelineMode(pg) != 1)
        return batch_failed(st, lost_or_error(st), "could not enter pipeline mode", NULL);
    int result_format = ps->binary_results ? 1 : 0;
    size_t sent = 0, read = 0;
    size_t bind_failed_at = b->n; /* a bind error waits until the items before it are known good */
    int rc = KEEL_OK;
    while (rc == KEEL_OK && read < b->n && bind_failed_at == b->n) {
        size_t window_start = sent;
        while (sent < b->n && sent - window_start < PIPELINE_WINDOW) {
            rewind_binds(ps);
            b->bind(st, b->items, sent);
            if (st->bind_error != KEEL_OK) {
                bind_failed_at = sent;
                break;
            }
            if (PQsendQueryPrepared(pg, ps->name, st->n_params, ps->values, ps->lengths, ps->formats,
                                    result_format) != 1) {
                rc = batch_failed(st, lost_or_error(st), "sending the batch", NULL);
                break;
            }
            sent++;
        }
        if (rc != KEEL_OK)
            break;
        if (PQsendFlushRequest(pg) != 1 || PQflush(pg) != 0) {
            rc = batch_failed(st, lost_or_error(st), "sending the batch", NULL);
            break;
        }
        /* The previous window, whose flush request went before this one; all of it at the end. */
        size_t upto = sent == b->n || bind_failed_at < b->n ? sent : window_start;
        while (rc == KEEL_OK && read < upto)
            rc = read_item(call, st, read++, true);
    }
    if (rc == KEEL_OK && bind_failed_at < b->n)
        rc = bind_error(call, st, bind_failed_at);
    int end = end_pipeline(st, call, read, sent);
    return rc != KEEL_OK ? rc : end;
}

/* ---------------------------------------------------------------------------
 * COPY
 * ------------------------------------------------------------------------- */
typedef struct copy_out {
    PGconn *pg;
    size_t len;
    bool failed; /* PQputCopyData refused: the server ended the COPY (its error follows) */
    char buf[COPY_BUFFER];
} copy_out;

static void copy_flush(copy_out *o)
{
    if (o->len > 0 && !o->failed && PQputCopyData(o->pg, o->buf, (int)o->len) != 1)
        o->failed = true;
    o->len = 0;
}

static void copy_put(copy_out *o, const void *p, size_t n)
{
    if (o->len + n > sizeof o->buf)
        copy_flush(o);
    if (n >= sizeof o->buf) { /* a large value goes as it is */
        if (!o->failed && PQputCopyData(o->pg, p, (int)n) != 1)
            o->failed = true;
        return;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void copy_put_be(copy_out *o, uint64_t v, int n)
{
    char b[8];
    keel_put_be(b, v, n);
    copy_put(o, b, (size_t)n);
}

/* Text format: backslash, tab, newline and carriage return escaped. */
static void copy_put_escaped(copy_out *o, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t k = 0; k < n; k++) {
        char c = s[k];
        const char *esc = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : NULL;
        if (esc == NULL)
            continue;
        copy_put(o, s + from, k - from);
        copy_put(o, esc, 2);
        from = k + 1;
    }
    copy_put(o, s + from, n - from);
}

/* Whether every column can go in binary: its type is one keel binds as COPY's binary field. */
static bool copy_binary(const pg_stmt *st)
{
    for (int k = 0; k < st->base.n_params; k++) {
        keel_pg_kind kind = st->params[k].kind;
        if (kind == KEEL_PG_OTHER || kind == KEEL_PG_OID || kind == KEEL_PG_UUID)
            return false;
    }
    return true;
}

/* One item's row; KEEL_OK or a value binary COPY cannot carry (recorded by the caller). */
static int copy_row(copy_out *o, const pg_stmt *st, bool binary, int *bad_param)
{
    int n_params = st->base.n_params;
    if (binary)
        copy_put_be(o, (uint64_t)n_params, 2);
    for (int k = 0; k < n_params; k++) {
        const char *v = st->values[k];
        if (!binary && k > 0)
            copy_put(o, "\t", 1);
        if (v == NULL) {
            if (binary)
                copy_put_be(o, (uint64_t)(uint32_t)-1, 4);
            else
                copy_put(o, "\\N", 2);
            continue;
        }
        keel_pg_kind kind = st->params[k].kind;
        bool bytes = st->formats[k] == 1;
        size_t n = bytes ? (size_t)st->lengths[k] : strlen(v);
        if (binary) {
            if (!bytes && kind != KEEL_PG_TEXT) { /* digits of a value outside the column's integer type */
                *bad_param = k + 1;
                return KEEL_ERROR;
            }
            copy_put_be(o, n, 4);
            copy_put(o, v, n);
        } else if (!bytes || kind == KEEL_PG_TEXT || kind == KEEL_PG_OTHER) {
            copy_put_escaped(o, v, n);
        } else if (kind == KEEL_PG_BYTEA) {
            static const char hex[] = "0123456789abcdef";
            copy_put(o, "\\\\x", 3);
            for (size_t i = 0; i < n; i++) {
                char pair[2] = { hex[(unsigned char)v[i] >> 4], hex[(unsigned char)v[i] & 15] };
                copy_put(o, pair, 2);
            }
        } else {
            char text[48];
            size_t len = keel_pg_binary_to_text(kind, v, text, sizeof text);
            copy_put(o, text, len);
        }
    }
    if (!binary)
        copy_put(o, "\n", 1);
    return KEEL_OK;
}

/* The item a COPY error names: its CONTEXT says "COPY t, line N..." (rows count from 1). */
static size_t copy_failed_item(const PGresult *res, size_t n)
{
    const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
    const char *line = context ? strstr(context, ", line ") : NULL;
    if (line == NULL)
        return n;
    unsigned long long number = strtoull(line + 7, NULL, 10);
    return number >= 1 && number <= n ? (size_t)(number - 1) : n;
}

/* Reads the COPY's outcome: its rows, or its error (at the item it names). */
static int copy_result(keel_batch_call *call, keel_stmt *st)
{
    PGconn *pg = pg_conn_of(st->conn)->handle;
    int rc = KEEL_OK;
    bool answered = false;
    PGresult *res;
    while ((res = PQgetResult(pg)) != NULL) {
        if (!answered) {
            answered = true;
            if (PQresultStatus(res) == PGRES_COMMAND_OK) {
                call->rows = keel_parse_int64(PQcmdTuples(res));
            } else {
                size_t i = copy_failed_item(res, call->b->n);
                rc = i < call->b->n ? item_error(call, st, i, res)
                                    : batch_failed(st, keel_pg_result_code(st->conn, res), "COPY", res);
            }
        }
        PQclear(res);
        if (PQstatus(pg) != CONNECTION_OK)
            break;
    }
    if (!answered)
        rc = batch_failed(st, lost_or_error(st), "COPY", NULL);
    return rc;
}

int keel_pg_copy_from(keel_batch_call *call, keel_stmt *st)
{
    const keel_batch *b = call->b;
    keel_conn *c = st->conn;
    pg_stmt *ps = pg_stmt_of(st);
    PGconn *pg = pg_conn_of(c)->handle;
    if (b->copy == NULL)
        return keel_err_set(st->db, KEEL_MISUSE, "%s: keel_copy_from without a COPY statement (keel_batch.copy)",
                            query_name(st));
    bool binary = copy_binary(ps);
    char sql[2048];
    if ((size_t)snprintf(sql, sizeof sql, "%s%s", b->copy, binary ? " (FORMAT binary)" : "") >= sizeof sql)
        return keel_err_set(st->db, KEEL_MISUSE, "%s: the COPY statement is too long", query_name(st));
    keel_pg_settle(c);
    if (atomic_load_explicit(&c->interrupted, memory_order_relaxed))
        return batch_failed(st, KEEL_INTERRUPTED, "interrupted by keel_interrupt", NULL);
    PGresult *res = PQexec(pg, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        int rc = batch_failed(st, keel_pg_result_code(c, res), "COPY", res);
        PQclear(res);
        while ((res = PQgetResult(pg)) != NULL)
            PQclear(res);
        return rc;
    }
    PQclear(res);

    copy_out o = { .pg = pg };
    if (binary) {
        static const char signature[11] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0' };
        copy_put(&o, signature, sizeof signature);
        copy_put_be(&o, 0, 4); /* flags */
        copy_put_be(&o, 0, 4); /* header extension length */
    }
    size_t failed_at = b->n;
    int bad_param = 0;
    for (size_t i = 0; i < b->n && !o.failed; i++) {
        rewind_binds(ps);
        b->bind(st, b->items, i);
        if (st->bind_error != KEEL_OK || copy_row(&o, ps, binary, &bad_param) != KEEL_OK) {
            failed_at = i;
            break;
        }
    }
    if (failed_at < b->n) {
        /* The client's own failure: the COPY is abandoned, the server's answer dropped. */
        PQputCopyEnd(pg, "keel: a row could not be encoded");
        while ((res = PQgetResult(pg)) != NULL)
            PQclear(res);
        if (st->bind_error != KEEL_OK)
            return bind_error(call, st, failed_at);
        keel_err_set(st->db, KEEL_ERROR, "parameter %d: value out of range for its column's type", bad_param);
        return keel_batch_item_failed(call, st, failed_at, KEEL_ERROR);
    }
    if (binary)
        copy_put_be(&o, (uint64_t)(uint16_t)-1, 2); /* the trailer */
    copy_flush(&o);
    if (!o.failed)
        PQputCopyEnd(pg, NULL);
    return copy_result(call, st);
}
