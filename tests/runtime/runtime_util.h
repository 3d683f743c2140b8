/*
 * runtime_util.h — helpers shared by the runtime tests: a query written for
 * both dialects, and one-liners that run a query the way generated code does
 * (open, bind, step, close).
 */
#ifndef KEEL_RUNTIME_UTIL_H
#define KEEL_RUNTIME_UTIL_H

#include "keel_test.h"

#include <string.h>

/* The same query in each dialect, as the generator emits it. */
typedef struct dual_query {
    keel_query sqlite;
    keel_query postgres;
} dual_query;

#define DUAL(name, n, sqlite_sql, postgres_sql) \
    { { name, sqlite_sql, n }, { name, postgres_sql, n } }
/* SQL both engines accept verbatim. */
#define SAME(name, sql) DUAL(name, 0, sql, sql)

static inline const keel_query *pick(keel_db *db, const dual_query *q)
{
    return keel_db_dialect(db) == KEEL_DIALECT_POSTGRES ? &q->postgres : &q->sqlite;
}

static inline bool on_postgres(keel_db *db)
{
    return keel_db_dialect(db) == KEEL_DIALECT_POSTGRES;
}

/* Runs a parameterless statement to completion. */
static inline int exec_query(keel_db *db, const dual_query *q)
{
    keel_stmt *st;
    int rc = keel_stmt_open(db, pick(db, q), &st);
    if (rc != KEEL_OK)
        return rc;
    while ((rc = keel_stmt_step(st)) == KEEL_ROW)
        ;
    keel_stmt_close(st);
    return rc == KEEL_DONE ? KEEL_OK : rc;
}

/* Runs a statement with one text parameter (NULL binds NULL). */
static inline int exec_text(keel_db *db, const dual_query *q, const char *text)
{
    keel_stmt *st;
    int rc = keel_stmt_open(db, pick(db, q), &st);
    if (rc != KEEL_OK)
        return rc;
    keel_bind_text(st, 1, text);
    while ((rc = keel_stmt_step(st)) == KEEL_ROW)
        ;
    keel_stmt_close(st);
    return rc == KEEL_DONE ? KEEL_OK : rc;
}

/* The first column of the first row as an int64; *out = -1 when no row. */
static inline int query_int64(keel_db *db, const dual_query *q, int64_t *out)
{
    keel_stmt *st;
    *out = -1;
    int rc = keel_stmt_open(db, pick(db, q), &st);
    if (rc != KEEL_OK)
        return rc;
    rc = keel_stmt_step(st);
    if (rc == KEEL_ROW) {
        *out = keel_column_int64(st, 0);
        rc = KEEL_OK;
    } else if (rc == KEEL_DONE) {
        rc = KEEL_OK;
    }
    keel_stmt_close(st);
    return rc;
}

static inline bool contains(const char *haystack, const char *needle)
{
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

#endif /* KEEL_RUNTIME_UTIL_H */
