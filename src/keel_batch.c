/*
 * keel_batch.c — batches and bulk load (keel_batch_run, keel_copy_from):
 * the part both engines share, and SQLite's loop.
 *
 * Every batch runs inside keel_update, so "all or nothing" and joining the
 * caller's transaction are keel_update's own rules, not new ones. The
 * statement is opened once through the statement API (the connection's
 * cached prepared statement and buffers) and reused for every item; that is
 * also what makes one trace event per batch. An engine without a batch_run
 * of its own (SQLite) gets the item loop here: per item, the statement is
 * rewound and stepped again through the statement API, which allocates
 * nothing; PostgreSQL's pipeline and COPY are in pg/pg_batch.c.
 */
#include "keel_batch.h"

#include <stdio.h>
#include <string.h>

int keel_batch_item_failed(keel_batch_call *call, keel_stmt *st, size_t i, int code)
{
    keel_db *db = st->db;
    const char *name = st->query->name ? st->query->name : "query";
    /* The step's message already starts with the query's name: keep one. */
    const char *msg = keel_errmsg(db);
    size_t len = strlen(name);
    if (strncmp(msg, name, len) == 0 && strncmp(msg + len, ": ", 2) == 0)
        msg += len + 2;
    char detail[KEEL_ENGINE_MSG_MAX];
    snprintf(detail, sizeof detail, "%s", msg);
    call->failed_index = i;
    /* PostgreSQL has aborted the transaction; SQLite is made to agree (see commit() in keel_db.c). */
    if (db->is_tx)
        db->tx_failed = true;
    return keel_err_set(db, code, "%s: item %zu: %s", name, i, detail);
}

int keel_batch_row(keel_batch_call *call, keel_stmt *st, bool has_row, size_t i)
{
    keel_conn *c = st->conn;
    c->batch_running = true;
    int r = call->b->row(has_row ? st : NULL, i, call->b->ctx);
    c->batch_running = false;
    if (r == 0)
        return 0;
    keel_err_set(st->db, r, "%s: the row callback returned %d", st->query->name ? st->query->name : "query", r);
    return keel_batch_item_failed(call, st, i, r);
}

/* The cached statement, ready for the next item: reset, nothing bound, not stepped. */
static void rewind_stmt(keel_stmt *st)
{
    st->engine->stmt_rewind(st);
    st->done = false;
    st->bind_error = KEEL_OK;
}

static int batch_items(keel_batch_call *call, keel_stmt *st)
{
    const keel_batch *b = call->b;
    for (size_t i = 0; i < b->n; i++) {
        rewind_stmt(st);
        b->bind(st, b->items, i);
        bool got_row = false;
        int rc;
        /* keel_stmt_step: bind errors, interrupts, the statement timeout and error mapping as for any call. */
        while ((rc = keel_stmt_step(st)) == KEEL_ROW) {
            got_row = true;
            int stop = b->row != NULL ? keel_batch_row(call, st, true, i) : 0;
            if (stop != 0)
                return stop;
            if (b->one)
                break; /* as :one: the first row */
        }
        if (rc != KEEL_ROW && rc != KEEL_DONE)
            return keel_batch_item_failed(call, st, i, rc);
        int stop = b->one && !got_row && b->row != NULL ? keel_batch_row(call, st, false, i) : 0;
        if (stop != 0)
            return stop;
        if (b->row == NULL)
            call->rows += keel_stmt_changes(st);
    }
    return KEEL_OK;
}

static int batch_in_tx(keel_db *tx, void *ctx)
{
    keel_batch_call *call = ctx;
    keel_stmt *st;
    int rc = keel_stmt_open(tx, call->b->query, &st);
    if (rc != KEEL_OK)
        return rc;
    const keel_engine *e = st->engine;
    if (call->copy && e->copy_from != NULL)
        rc = e->copy_from(call, st);
    else if (e->batch_run != NULL)
        rc = e->batch_run(call, st);
    else
        rc = batch_items(call, st);
    /* The trace event's rows: returned rows, or for an exec batch the rows it changed. */
    if (call->b->row == NULL)
        st->rows = call->rows;
    if (rc != KEEL_OK && st->first_error == KEEL_OK)
        st->first_error = rc;
    keel_stmt_close(st);
    return rc;
}

static int run(keel_db *db, const keel_batch *b, bool copy, int64_t *rows, size_t *failed_index)
{
    const char *what = copy ? "keel_copy_from" : "keel_batch_run";
    if (rows != NULL)
        *rows = 0;
    if (failed_index != NULL)
        *failed_index = b != NULL ? b->n : 0;
    if (db == NULL)
        return KEEL_MISUSE;
    if (b == NULL || b->query == NULL || b->query->sql == NULL || b->bind == NULL || (b->n > 0 && b->items == NULL))
        return keel_err_set(db, KEEL_MISUSE, "%s: incomplete keel_batch (query, bind and items are required)", what);
    if (copy && b->row != NULL)
        return keel_err_set(db, KEEL_MISUSE, "%s: a copy returns no rows (row must be NULL)", what);
    if (b->n == 0)
        return KEEL_OK;
    keel_batch_call call = { .b = b, .copy = copy, .failed_index = b->n };
    int rc = keel_update(db, batch_in_tx, &call);
    if (failed_index != NULL)
        *failed_index = call.failed_index;
    if (rc == KEEL_OK && rows != NULL)
        *rows = call.rows;
    return rc;
}

int keel_batch_run(keel_db *db, const keel_batch *b, int64_t *rows_affected, size_t *failed_index)
{
    return run(db, b, false, rows_affected, failed_index);
}

int keel_copy_from(keel_db *db, const keel_batch *b, int64_t *rows, size_t *failed_index)
{
    return run(db, b, true, rows, failed_index);
}
