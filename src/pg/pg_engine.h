/*
 * pg_engine.h — the PostgreSQL engine's own structs, shared by the files of
 * src/pg/ only. keel_pg_engine (pg_conn.c) is what the rest of the runtime
 * sees.
 */
#ifndef KEEL_PG_ENGINE_H
#define KEEL_PG_ENGINE_H

#include "keel_internal.h"

#include <libpq-fe.h>

typedef struct pg_stmt pg_stmt;

typedef struct pg_conn {
    keel_conn base;
    PGconn *handle;
    PGcancel *cancel; /* for keel_interrupt; guarded by root->cancel_lock */
    unsigned next_id; /* the last "keel_<id>" prepared on this session */
    /* The statement whose rows are being streamed (single-row mode), which
     * owns the connection's input until keel_pg_settle. */
    pg_stmt *streaming;
} pg_conn;

/* The PostgreSQL types keel reads and writes in binary format. */
typedef enum keel_pg_kind {
    KEEL_PG_OTHER = 0, /* anything else: the statement's results stay text */
    KEEL_PG_BOOL,
    KEEL_PG_INT2,
    KEEL_PG_INT4,
    KEEL_PG_INT8,
    KEEL_PG_OID,
    KEEL_PG_FLOAT8,
    KEEL_PG_BYTEA,
    KEEL_PG_TEXT, /* text, varchar, bpchar, name, json: their binary form is their text */
    KEEL_PG_UUID
} keel_pg_kind;

typedef struct keel_pg_param {
    unsigned type;    /* the server's type for $i (from describe) */
    keel_pg_kind kind;
    char number[32];  /* int64, double and bool values live here */
} keel_pg_param;

typedef struct keel_pg_column {
    keel_pg_kind kind;
    char text[40];            /* binary bool/number/uuid rendered as text, on request */
    unsigned char *unescaped; /* the current row's bytea decoded from text (PQfreemem) */
    char *hex;                /* the current row's binary bytea rendered as text (free) */
} keel_pg_column;

struct pg_stmt {
    keel_stmt base;
    char name[32]; /* the server-side prepared statement, "keel_<id>" */
    keel_pg_param *params;
    const char **values;
    int *lengths;
    int *formats;
    int n_cols;
    keel_pg_column *cols;
    bool binary_results;
    bool stream;      /* keel_stmt_stream was called for this use */
    bool stream_open; /* results still to be read from the connection or the queue */
    PGresult *result; /* the current batch: the whole result, or one row */
    int row;
    int n_rows;
    bool executed;
    PGresult **queue; /* a settled stream's remaining results, in order */
    int queue_len, queue_pos, queue_cap;
};

static inline pg_conn *pg_conn_of(keel_conn *c)
{
    return (pg_conn *)c;
}

static inline pg_stmt *pg_stmt_of(keel_stmt *st)
{
    return (pg_stmt *)st;
}

/* ---- errors (pg_conn.c) ---- */
int keel_pg_code(const PGresult *res, const PGconn *conn);
/* The engine's message for a failed result, on one line. */
void keel_pg_message(const PGresult *res, const PGconn *conn, char *buf, size_t size);

/* ---- values (pg_values.c) ---- */
uint64_t keel_get_be(const char *p, int n); /* n-byte big-endian unsigned */
void keel_put_be(char *p, uint64_t v, int n);
keel_pg_kind keel_pg_kind_of(unsigned oid);
int64_t keel_pg_binary_int(keel_pg_kind kind, const char *v); /* bool and integer kinds */
double keel_pg_binary_float(const char *v);                    /* float8 */
/* The text PostgreSQL would have sent for a binary bool/integer/float8/uuid
 * value; buf needs 40 bytes. Returns the length. */
size_t keel_pg_binary_to_text(keel_pg_kind kind, const char *v, char *buf, size_t size);

/* ---- statements (pg_stmt.c, pg_columns.c), for the engine table in pg_conn.c ---- */
/*
 * Before anything else is sent on c, the statement streaming on it (if
 * any) reads its remaining rows into memory, so the connection is free and
 * the stream still yields every row. No-op otherwise.
 */
void keel_pg_settle(keel_conn *c);
/* The keel code of res, a failed result on c: a cancel is KEEL_TIMEOUT under a timeout keel_interrupt did not send. */
int keel_pg_result_code(keel_conn *c, const PGresult *res);
/* The statement failed with res: mapped (keel_pg_result_code) and recorded. */
int keel_pg_fail(pg_stmt *st, const PGresult *res);
/* Every parameter unbound (NULL), as a use starts. */
void keel_pg_clear_binds(pg_stmt *st);
void keel_pg_cache_forget(keel_cached_stmt *e);
int keel_pg_stmt_open(keel_db *db, keel_conn *c, const keel_query *q, keel_stmt **out);
void keel_pg_stream(keel_stmt *st);
int keel_pg_step(keel_stmt *st);
bool keel_pg_stmt_writes(keel_stmt *st);
void keel_pg_stmt_reset(keel_stmt *st);
void keel_pg_stmt_free(keel_stmt *st);
void keel_pg_bind_null(keel_stmt *st, int i);
void keel_pg_bind_int64(keel_stmt *st, int i, int64_t v);
void keel_pg_bind_double(keel_stmt *st, int i, double v);
void keel_pg_bind_bool(keel_stmt *st, int i, bool v);
void keel_pg_bind_text(keel_stmt *st, int i, const char *v);
void keel_pg_bind_blob(keel_stmt *st, int i, const void *p, size_t n);
bool keel_pg_column_is_null(keel_stmt *st, int col);
int64_t keel_pg_column_int64(keel_stmt *st, int col);
double keel_pg_column_double(keel_stmt *st, int col);
bool keel_pg_column_bool(keel_stmt *st, int col);
const char *keel_pg_column_text(keel_stmt *st, int col, size_t *len);
const void *keel_pg_column_blob(keel_stmt *st, int col, size_t *len);
int64_t keel_pg_changes(keel_stmt *st);
int64_t keel_pg_last_id(keel_stmt *st);

/* ---- batches (pg_batch.c; keel_batch.h): pipeline mode and COPY ---- */
int keel_pg_batch_run(keel_batch_call *call, keel_stmt *st);
int keel_pg_copy_from(keel_batch_call *call, keel_stmt *st);

#endif /* KEEL_PG_ENGINE_H */
