/*
 * pg_migrate.c — PostgreSQL's half of keel_migrate: a session advisory
 * lock held on the one pinned connection serialises processes; each
 * migration runs statement by statement in its own transaction.
 */
#include "keel_migrate_internal.h"
#include "pg/pg_engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char HISTORY_TABLE[] =
    "CREATE TABLE IF NOT EXISTS keel_migrations ("
    " version BIGINT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
    " execution_ms BIGINT NOT NULL)";

/*
 * The advisory lock key: FNV-1a of "keel_migrations", so every keel binary
 * agrees on it without a registry, and unrelated lock users are unlikely
 * to pick the same number.
 */
static int64_t advisory_key(void)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *p = "keel_migrations"; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 0x100000001b3ULL;
    }
    return (int64_t)(h >> 1); /* positive, so it reads the same in pg_locks */
}


static PGconn *handle(keel_migrator *m)
{
    return pg_conn_of(m->conn)->handle;
}

/* Runs sql with at most one text parameter; reads two int64 columns of the first row. */
static int query_row(keel_migrator *m, const char *sql, const char *param, int64_t *a, int64_t *b, bool *found)
{
    *found = false;
    PGconn *pg = handle(m);
    PGresult *res = PQexecParams(pg, sql, param ? 1 : 0, NULL, &param, NULL, NULL, 0);
    int code = KEEL_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, pg, msg, sizeof msg);
        code = keel_migrate_fail(m, keel_pg_code(res, pg), "%s: %s", sql, msg);
    } else if (PQntuples(res) > 0) {
        *found = true;
        *a = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        if (b != NULL)
            *b = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    }
    PQclear(res);
    return code;
}

static int record(keel_migrator *m, const keel_migration *e, int64_t ms)
{
    PGconn *pg = handle(m);
    char version[32], elapsed[32];
    snprintf(version, sizeof version, "%" PRId64, e->version);
    snprintf(elapsed, sizeof elapsed, "%" PRId64, ms);
    const char *values[] = { version, e->name, e->checksum, elapsed };
    PGresult *res = PQexecParams(
        pg, "INSERT INTO keel_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)", 4, NULL,
        values, NULL, NULL, 0);
    int rc = KEEL_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, pg, msg, sizeof msg);
        rc = keel_migrate_fail(m, PQstatus(pg) == CONNECTION_OK ? KEEL_MIGRATION_FAILED : KEEL_CONNECTION_LOST,
                  "recording %s: %s", e->name, msg);
    }
    PQclear(res);
    return rc;
}

static int read_applied(keel_migrator *m, keel_applied_list *out)
{
    PGconn *pg = handle(m);
    PGresult *res = PQexec(pg, "SELECT version, name, checksum FROM keel_migrations ORDER BY version");
    int code = KEEL_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, pg, msg, sizeof msg);
        code = keel_migrate_fail(m, keel_pg_code(res, pg), "reading keel_migrations: %s", msg);
    }
    for (int i = 0; code == KEEL_OK && i < PQntuples(res); i++)
        code = keel_applied_push(m, out, strtoll(PQgetvalue(res, i, 0), NULL, 10), PQgetvalue(res, i, 1),
                            PQgetvalue(res, i, 2));
    PQclear(res);
    return code;
}


static int pg_exec(keel_migrator *m, const char *sql, int fail_code, const char *what)
{
    PGconn *pg = handle(m);
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = KEEL_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, pg, msg, sizeof msg);
        int code = fail_code && PQstatus(pg) == CONNECTION_OK ? fail_code : keel_pg_code(res, pg);
        rc = keel_migrate_fail(m, code, "%s: %s", what, msg);
    }
    PQclear(res);
    return rc;
}

/* Runs a migration statement by statement, so a failure names its line. */
static int pg_run(keel_migrator *m, const keel_migration *e)
{
    PGconn *pg = handle(m);
    const char *p = e->sql;
    /* no statement is longer than the whole migration */
    char *buf = malloc(strlen(e->sql) + 1);
    if (buf == NULL)
        return keel_migrate_fail(m, KEEL_NOMEM, "out of memory");
    int rc = KEEL_OK;
    for (;;) {
        p = keel_sql_skip_space(p);
        if (*p == '\0')
            break;
        const char *end = keel_sql_statement_end(p);
        size_t n = (size_t)(end - p);
        memcpy(buf, p, n);
        buf[n] = '\0';
        PGresult *res = PQexec(pg, buf);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
            char msg[KEEL_ENGINE_MSG_MAX];
            keel_pg_message(res, pg, msg, sizeof msg);
            int code = PQstatus(pg) == CONNECTION_OK ? KEEL_MIGRATION_FAILED : KEEL_CONNECTION_LOST;
            rc = keel_migrate_fail(m, code, "migration %s (version %" PRId64 ") failed at %s:%d: %s", e->name, e->version,
                      e->name, keel_sql_line_of(e->sql, p), msg);
            PQclear(res);
            break;
        }
        PQclear(res);
        p = end;
    }
    free(buf);
    return rc;
}

static int pg_apply(keel_migrator *m, const keel_migration *e)
{
    PGconn *pg = handle(m);
    int rc = pg_exec(m, "BEGIN", 0, "BEGIN");
    if (rc != KEEL_OK)
        return rc;
    keel_migrate_starting(m, e);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = pg_run(m, e);
    if (rc == KEEL_OK && PQtransactionStatus(pg) != PQTRANS_INTRANS)
        rc = keel_migrate_fail(m, KEEL_MIGRATION_FAILED,
                  "migration %s (version %" PRId64 ") ended keel's transaction (COMMIT or ROLLBACK "
                  "inside a migration is not supported)", e->name, e->version);
    int64_t ms = keel_elapsed_ms(&start);
    if (rc == KEEL_OK)
        rc = record(m, e, ms);
    if (rc == KEEL_OK)
        rc = pg_exec(m, "COMMIT", KEEL_MIGRATION_FAILED, "committing migration");
    if (rc != KEEL_OK && PQtransactionStatus(pg) != PQTRANS_IDLE)
        PQclear(PQexec(pg, "ROLLBACK"));
    if (rc == KEEL_OK)
        keel_migrate_progress(m, e, ms);
    return rc;
}

static int pg_adopt_if_empty(keel_migrator *m)
{
    keel_applied_list applied = { 0 };
    int rc = read_applied(m, &applied);
    bool empty = applied.count == 0;
    keel_applied_free(&applied);
    if (rc != KEEL_OK || !empty)
        return rc;
    if ((rc = pg_exec(m, "BEGIN", 0, "BEGIN")) != KEEL_OK)
        return rc;
    rc = keel_migrate_adopt(m);
    if (rc == KEEL_OK)
        rc = pg_exec(m, "COMMIT", 0, "committing the adoption");
    if (rc != KEEL_OK && PQtransactionStatus(handle(m)) != PQTRANS_IDLE)
        PQclear(PQexec(handle(m), "ROLLBACK"));
    return rc;
}

static int pg_migrate(keel_migrator *m)
{
    char lock_sql[96], unlock_sql[96];
    snprintf(lock_sql, sizeof lock_sql, "SELECT pg_advisory_lock(%" PRId64 ")", advisory_key());
    snprintf(unlock_sql, sizeof unlock_sql, "SELECT pg_advisory_unlock(%" PRId64 ")", advisory_key());

    int rc = pg_exec(m, lock_sql, 0, "taking the migration lock");
    if (rc != KEEL_OK)
        return rc;
    keel_applied_list applied = { 0 };
    size_t next = 0;
    rc = pg_exec(m, HISTORY_TABLE, 0, "creating keel_migrations");
    if (rc == KEEL_OK)
        rc = pg_adopt_if_empty(m);
    if (rc == KEEL_OK)
        rc = read_applied(m, &applied);
    if (rc == KEEL_OK)
        rc = keel_migrate_check_applied(m, &applied, &next);
    keel_applied_free(&applied);
    for (size_t i = next; rc == KEEL_OK && i < m->set->count; i++)
        rc = pg_apply(m, &m->set->items[i]);

    /* Released on every path; if the session died, the server already released it. */
    if (PQtransactionStatus(handle(m)) == PQTRANS_INERROR || PQtransactionStatus(handle(m)) == PQTRANS_INTRANS)
        PQclear(PQexec(handle(m), "ROLLBACK"));
    PQclear(PQexec(handle(m), unlock_sql));
    return rc;
}

const keel_migrate_engine keel_pg_migrations = {
    .table_exists_sql = "SELECT count(*) FROM pg_catalog.pg_class c"
                        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                        " WHERE c.relname = $1 AND c.relkind IN ('r', 'p')"
                        " AND n.nspname = ANY (current_schemas(false))",
    .query_row = query_row,
    .record = record,
    .run = pg_migrate,
};
