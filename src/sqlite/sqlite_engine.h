/*
 * sqlite_engine.h — the SQLite engine's own structs, shared by the files of
 * src/sqlite/ only. keel_sqlite_engine (sqlite_conn.c) is what the rest of
 * the runtime sees.
 */
#ifndef KEEL_SQLITE_ENGINE_H
#define KEEL_SQLITE_ENGINE_H

#include "keel_internal.h"

#include <sqlite3.h>

typedef struct sqlite_conn {
    keel_conn base;
    sqlite3 *handle;
    int64_t deadline_ns; /* when the running statement times out (0: never) */
    bool timed_out;      /* the progress handler stopped it for the deadline */
} sqlite_conn;

typedef struct sqlite_stmt {
    keel_stmt base;
    sqlite3_stmt *handle; /* the cache entry's, or private (see open_private) */
    uint64_t bound;       /* parameters bound in this use (the first 64) */
    uint64_t all_bound;   /* `bound` when every one of the first 64 is */
    bool stepped;         /* stepped once this use (parameters settled, deadline set) */
} sqlite_stmt;

static inline sqlite_conn *sqlite_conn_of(keel_conn *c)
{
    return (sqlite_conn *)c;
}

static inline sqlite_stmt *sqlite_stmt_of(keel_stmt *st)
{
    return (sqlite_stmt *)st;
}

/* SQLite's (extended) result code as a keel code. */
int keel_sqlite_code(int extended_rc);

/* sqlite_stmt.c: statements, for the engine table in sqlite_conn.c. */
void keel_sqlite_cache_forget(keel_cached_stmt *e);
bool keel_sqlite_reader_can_run(keel_conn *c, const keel_query *q);
int keel_sqlite_stmt_open(keel_db *db, keel_conn *c, const keel_query *q, keel_stmt **out);
int keel_sqlite_step(keel_stmt *st);
bool keel_sqlite_stmt_writes(keel_stmt *st);
void keel_sqlite_stmt_reset(keel_stmt *st);
void keel_sqlite_stmt_rewind(keel_stmt *st);
void keel_sqlite_stmt_free(keel_stmt *st);
void keel_sqlite_bind_null(keel_stmt *st, int i);
void keel_sqlite_bind_int64(keel_stmt *st, int i, int64_t v);
void keel_sqlite_bind_double(keel_stmt *st, int i, double v);
void keel_sqlite_bind_bool(keel_stmt *st, int i, bool v);
void keel_sqlite_bind_text(keel_stmt *st, int i, const char *v);
void keel_sqlite_bind_blob(keel_stmt *st, int i, const void *p, size_t n);
bool keel_sqlite_column_is_null(keel_stmt *st, int col);
int64_t keel_sqlite_column_int64(keel_stmt *st, int col);
double keel_sqlite_column_double(keel_stmt *st, int col);
bool keel_sqlite_column_bool(keel_stmt *st, int col);
const char *keel_sqlite_column_text(keel_stmt *st, int col, size_t *len);
const void *keel_sqlite_column_blob(keel_stmt *st, int col, size_t *len);
int64_t keel_sqlite_changes(keel_stmt *st);
int64_t keel_sqlite_last_id(keel_stmt *st);

#endif /* KEEL_SQLITE_ENGINE_H */
