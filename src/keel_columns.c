/*
 * keel_columns.c — reading the current row's columns (keel_column_*), and
 * what a finished statement reports (changes, last id).
 *
 * PostgreSQL cells come in the format the statement chose at describe time
 * (keel_stmt.c): binary when every result column has a keel_pg_kind, else
 * text. A read that matches the column's type decodes the binary value
 * directly; any other read sees the text PostgreSQL would have sent, so
 * every read answers the same in both formats.
 */
#include "keel_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * Columns
 * ------------------------------------------------------------------------- */
/* The current row's value for col, or NULL when NULL or there is no such cell. */
static const char *pg_cell(keel_stmt *st, int col)
{
    if (st->result == NULL || st->row < 0 || st->row >= st->n_rows || col < 0 || col >= st->n_cols ||
        col >= PQnfields(st->result) || PQgetisnull(st->result, st->row, col))
        return NULL;
    return PQgetvalue(st->result, st->row, col);
}

/* How col's value is encoded: a binary kind, or KEEL_PG_OTHER for text. */
static keel_pg_kind pg_kind(const keel_stmt *st, int col)
{
    return st->binary_results ? st->cols[col].kind : KEEL_PG_OTHER;
}

/*
 * The text PostgreSQL would have sent for the cell (v non-NULL): readers
 * that do not match the column's type (an int64 read of a uuid, text of a
 * bytea...) apply text rules to it, so every read answers as it did when
 * all results were text.
 */
static const char *pg_text_of(keel_stmt *st, int col, const char *v, size_t *len)
{
    keel_pg_kind kind = pg_kind(st, col);
    if (kind == KEEL_PG_OTHER || kind == KEEL_PG_TEXT) {
        *len = (size_t)PQgetlength(st->result, st->row, col);
        return v;
    }
    keel_pg_column *c = &st->cols[col];
    if (kind != KEEL_PG_BYTEA) {
        *len = keel_pg_binary_to_text(kind, v, c->text, sizeof c->text);
        return c->text;
    }
    static const char hex[] = "0123456789abcdef";
    size_t n = (size_t)PQgetlength(st->result, st->row, col);
    free(c->hex);
    c->hex = malloc(2 * n + 3);
    if (c->hex == NULL) {
        *len = 0;
        return keel_empty_bytes;
    }
    c->hex[0] = '\\';
    c->hex[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        c->hex[2 + 2 * i] = hex[(unsigned char)v[i] >> 4];
        c->hex[3 + 2 * i] = hex[(unsigned char)v[i] & 15];
    }
    c->hex[2 * n + 2] = '\0';
    *len = 2 * n + 2;
    return c->hex;
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

static int64_t cell_int64(keel_stmt *st, int col, const char *v)
{
    keel_pg_kind kind = pg_kind(st, col);
    if (kind == KEEL_PG_INT8 || kind == KEEL_PG_INT4 || kind == KEEL_PG_INT2 || kind == KEEL_PG_OID ||
        kind == KEEL_PG_BOOL)
        return keel_pg_binary_int(kind, v);
    size_t len;
    v = pg_text_of(st, col, v, &len);
    if (v[0] == 't' || v[0] == 'f')
        return v[0] == 't';
    return keel_parse_int64(v);
}

int64_t keel_column_int64(keel_stmt *st, int col)
{
    if (st == NULL)
        return 0;
    if (st->sqlite != NULL)
        return sqlite3_column_int64(st->sqlite, col);
    const char *v = pg_cell(st, col);
    return v ? cell_int64(st, col, v) : 0;
}

double keel_column_double(keel_stmt *st, int col)
{
    if (st == NULL)
        return 0;
    if (st->sqlite != NULL)
        return sqlite3_column_double(st->sqlite, col);
    const char *v = pg_cell(st, col);
    if (v == NULL)
        return 0;
    keel_pg_kind kind = pg_kind(st, col);
    if (kind == KEEL_PG_FLOAT8)
        return keel_pg_binary_float(v);
    if (kind == KEEL_PG_INT8 || kind == KEEL_PG_INT4 || kind == KEEL_PG_INT2 || kind == KEEL_PG_OID)
        return (double)keel_pg_binary_int(kind, v);
    size_t len;
    return strtod(pg_text_of(st, col, v, &len), NULL);
}

bool keel_column_bool(keel_stmt *st, int col)
{
    if (st == NULL)
        return false;
    if (st->sqlite != NULL)
        return sqlite3_column_int64(st->sqlite, col) != 0;
    const char *v = pg_cell(st, col);
    if (v == NULL)
        return false;
    if (pg_kind(st, col) == KEEL_PG_BOOL)
        return v[0] != 0;
    size_t len;
    return pg_text_is_true(pg_text_of(st, col, v, &len));
}

const char *keel_column_text(keel_stmt *st, int col, size_t *len)
{
    size_t n = 0;
    const char *v = NULL;
    if (st != NULL && st->sqlite != NULL) {
        /* NULL from sqlite3_column_text is SQL NULL, or (rarely) an empty blob
         * read as text or out of memory converting: only then ask the type. */
        v = (const char *)sqlite3_column_text(st->sqlite, col);
        if (v == NULL && sqlite3_column_type(st->sqlite, col) != SQLITE_NULL)
            v = keel_empty_bytes;
        else if (v != NULL && len != NULL)
            n = (size_t)sqlite3_column_bytes(st->sqlite, col);
    } else if (st != NULL) {
        v = pg_cell(st, col);
        if (v != NULL)
            v = pg_text_of(st, col, v, &n);
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
        /* SQLite returns NULL for a zero-length blob too: only then ask the type,
         * as keel keeps the empty blob distinct from NULL. */
        v = sqlite3_column_blob(st->sqlite, col);
        if (v != NULL)
            n = (size_t)sqlite3_column_bytes(st->sqlite, col);
        else if (sqlite3_column_type(st->sqlite, col) != SQLITE_NULL)
            v = keel_empty_bytes;
    } else if (st != NULL) {
        const char *cell = pg_cell(st, col);
        if (cell != NULL && pg_kind(st, col) == KEEL_PG_BYTEA) {
            n = (size_t)PQgetlength(st->result, st->row, col);
            v = n > 0 ? cell : keel_empty_bytes;
        } else if (cell != NULL) {
            size_t text_len;
            const char *text = pg_text_of(st, col, cell, &text_len);
            /* Each column keeps its own buffer: a row's blobs are read side by side. */
            keel_pg_column *c = &st->cols[col];
            PQfreemem(c->unescaped);
            c->unescaped = PQunescapeBytea((const unsigned char *)text, &n);
            v = c->unescaped;
            if (v == NULL) /* out of memory; an empty blob is never NULL here */
                n = 0;
            else if (n == 0)
                v = keel_empty_bytes;
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
    return tuples[0] ? keel_parse_int64(tuples) : 0;
}

keel_exec_result keel_stmt_exec_result(keel_stmt *st, bool inserts)
{
    keel_exec_result r = {.rows_affected = keel_stmt_changes(st)};
    /* SQLite keeps the last rowid of the connection: after an INSERT that
     * inserted nothing (ON CONFLICT DO NOTHING) it is an older row's */
    if (st != NULL && st->sqlite != NULL && inserts && r.rows_affected > 0)
        r.last_insert_id = (keel_opt_int64){.value = sqlite3_last_insert_rowid(st->conn->sqlite), .valid = true};
    return r;
}

int64_t keel_stmt_last_id(keel_stmt *st)
{
    if (st == NULL)
        return 0;
    if (st->sqlite != NULL)
        return sqlite3_last_insert_rowid(st->conn->sqlite);
    if (st->result == NULL || PQntuples(st->result) < 1 || PQnfields(st->result) < 1 || st->n_cols < 1 ||
        PQgetisnull(st->result, 0, 0))
        return 0;
    /* The RETURNING row, wherever the steps left off. */
    int row = st->row;
    st->row = 0;
    int n_rows = st->n_rows;
    st->n_rows = PQntuples(st->result);
    int64_t id = cell_int64(st, 0, PQgetvalue(st->result, 0, 0));
    st->row = row;
    st->n_rows = n_rows;
    return id;
}
