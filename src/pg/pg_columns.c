/*
 * pg_columns.c — reading the current row's PostgreSQL cells, and what a
 * finished statement reports (changes, the RETURNING id).
 *
 * Cells come in the format the statement chose at describe time
 * (pg_stmt.c): binary when every result column has a keel_pg_kind, else
 * text. A read that matches the column's type decodes the binary value
 * directly; any other read sees the text PostgreSQL would have sent, so
 * every read answers the same in both formats.
 */
#include "pg/pg_engine.h"

#include <stdlib.h>
#include <string.h>

/* The current row's value for col, or NULL when NULL or there is no such cell. */
static const char *cell(pg_stmt *st, int col)
{
    if (st->result == NULL || st->row < 0 || st->row >= st->n_rows || col < 0 || col >= st->n_cols ||
        col >= PQnfields(st->result) || PQgetisnull(st->result, st->row, col))
        return NULL;
    return PQgetvalue(st->result, st->row, col);
}

/* How col's value is encoded: a binary kind, or KEEL_PG_OTHER for text. */
static keel_pg_kind kind_of(const pg_stmt *st, int col)
{
    return st->binary_results ? st->cols[col].kind : KEEL_PG_OTHER;
}

/*
 * The text PostgreSQL would have sent for the cell (v non-NULL): readers
 * that do not match the column's type (an int64 read of a uuid, text of a
 * bytea...) apply text rules to it, so every read answers as it did when
 * all results were text.
 */
static const char *text_of(pg_stmt *st, int col, const char *v, size_t *len)
{
    keel_pg_kind kind = kind_of(st, col);
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

bool keel_pg_column_is_null(keel_stmt *st, int col)
{
    return cell(pg_stmt_of(st), col) == NULL;
}

/* PostgreSQL prints booleans as t/f, and int64 readers may meet one. */
static bool text_is_true(const char *v)
{
    return v[0] == 't' || v[0] == 'T' || v[0] == 'y' || v[0] == 'Y' || v[0] == '1' ||
           (v[0] == 'o' && (v[1] == 'n' || v[1] == 'N'));
}

static int64_t cell_int64(pg_stmt *st, int col, const char *v)
{
    keel_pg_kind kind = kind_of(st, col);
    if (kind == KEEL_PG_INT8 || kind == KEEL_PG_INT4 || kind == KEEL_PG_INT2 || kind == KEEL_PG_OID ||
        kind == KEEL_PG_BOOL)
        return keel_pg_binary_int(kind, v);
    size_t len;
    v = text_of(st, col, v, &len);
    if (v[0] == 't' || v[0] == 'f')
        return v[0] == 't';
    return keel_parse_int64(v);
}

int64_t keel_pg_column_int64(keel_stmt *base, int col)
{
    pg_stmt *st = pg_stmt_of(base);
    const char *v = cell(st, col);
    return v ? cell_int64(st, col, v) : 0;
}

double keel_pg_column_double(keel_stmt *base, int col)
{
    pg_stmt *st = pg_stmt_of(base);
    const char *v = cell(st, col);
    if (v == NULL)
        return 0;
    keel_pg_kind kind = kind_of(st, col);
    if (kind == KEEL_PG_FLOAT8)
        return keel_pg_binary_float(v);
    if (kind == KEEL_PG_INT8 || kind == KEEL_PG_INT4 || kind == KEEL_PG_INT2 || kind == KEEL_PG_OID)
        return (double)keel_pg_binary_int(kind, v);
    size_t len;
    return strtod(text_of(st, col, v, &len), NULL);
}

bool keel_pg_column_bool(keel_stmt *base, int col)
{
    pg_stmt *st = pg_stmt_of(base);
    const char *v = cell(st, col);
    if (v == NULL)
        return false;
    if (kind_of(st, col) == KEEL_PG_BOOL)
        return v[0] != 0;
    size_t len;
    return text_is_true(text_of(st, col, v, &len));
}

const char *keel_pg_column_text(keel_stmt *base, int col, size_t *len)
{
    pg_stmt *st = pg_stmt_of(base);
    size_t n = 0;
    const char *v = cell(st, col);
    if (v != NULL)
        v = text_of(st, col, v, &n);
    if (len != NULL)
        *len = n;
    return v;
}

const void *keel_pg_column_blob(keel_stmt *base, int col, size_t *len)
{
    pg_stmt *st = pg_stmt_of(base);
    size_t n = 0;
    const void *v = NULL;
    const char *c = cell(st, col);
    if (c != NULL && kind_of(st, col) == KEEL_PG_BYTEA) {
        n = (size_t)PQgetlength(st->result, st->row, col);
        v = n > 0 ? c : keel_empty_bytes;
    } else if (c != NULL) {
        size_t text_len;
        const char *text = text_of(st, col, c, &text_len);
        /* Each column keeps its own buffer: a row's blobs are read side by side. */
        keel_pg_column *pc = &st->cols[col];
        PQfreemem(pc->unescaped);
        pc->unescaped = PQunescapeBytea((const unsigned char *)text, &n);
        v = pc->unescaped;
        if (v == NULL) /* out of memory; an empty blob is never NULL here */
            n = 0;
        else if (n == 0)
            v = keel_empty_bytes;
    }
    if (len != NULL)
        *len = n;
    return v;
}

int64_t keel_pg_changes(keel_stmt *base)
{
    pg_stmt *st = pg_stmt_of(base);
    if (st->result == NULL)
        return 0;
    const char *tuples = PQcmdTuples(st->result);
    return tuples[0] ? keel_parse_int64(tuples) : 0;
}

int64_t keel_pg_last_id(keel_stmt *base)
{
    pg_stmt *st = pg_stmt_of(base);
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
