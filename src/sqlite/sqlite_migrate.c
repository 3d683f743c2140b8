/*
 * sqlite_migrate.c — SQLite's half of keel_migrate: each migration in its
 * own BEGIN IMMEDIATE transaction, whose write lock (taken before the
 * applied state is read) serialises processes migrating one file.
 */
#include "keel_migrate_internal.h"
#include "sqlite/sqlite_engine.h"

#include <inttypes.h>
#include <time.h>

static const char HISTORY_TABLE[] =
    "CREATE TABLE IF NOT EXISTS keel_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " execution_ms INTEGER NOT NULL)";


static sqlite3 *handle(keel_migrator *m)
{
    return sqlite_conn_of(m->conn)->handle;
}

/* Runs sql with at most one text parameter; reads two int64 columns of the first row. */
static int query_row(keel_migrator *m, const char *sql, const char *param, int64_t *a, int64_t *b, bool *found)
{
    *found = false;
    sqlite3 *h = handle(m);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        return keel_migrate_fail(m, keel_sqlite_code(sqlite3_extended_errcode(h)), "%s: %s", sql, sqlite3_errmsg(h));
    if (param != NULL)
        sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *found = true;
        *a = sqlite3_column_int64(st, 0);
        if (b != NULL)
            *b = sqlite3_column_int64(st, 1);
    }
    int code = rc == SQLITE_ROW || rc == SQLITE_DONE
                   ? KEEL_OK
                   : keel_migrate_fail(m, keel_sqlite_code(sqlite3_extended_errcode(h)), "%s: %s", sql, sqlite3_errmsg(h));
    sqlite3_finalize(st);
    return code;
}

static int record(keel_migrator *m, const keel_migration *e, int64_t ms)
{
    sqlite3 *h = handle(m);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        h, "INSERT INTO keel_migrations (version, name, checksum, execution_ms) VALUES (?, ?, ?, ?)", -1, &st,
        NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, e->version);
        sqlite3_bind_text(st, 2, e->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, e->checksum, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, ms);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_OK)
        return keel_migrate_fail(m, KEEL_MIGRATION_FAILED, "recording %s: %s", e->name, sqlite3_errmsg(h));
    return KEEL_OK;
}

static int read_applied(keel_migrator *m, keel_applied_list *out)
{
    sqlite3 *h = handle(m);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, "SELECT version, name, checksum FROM keel_migrations ORDER BY version", -1, &st,
                           NULL) != SQLITE_OK)
        return keel_migrate_fail(m, keel_sqlite_code(sqlite3_extended_errcode(h)), "reading keel_migrations: %s",
                    sqlite3_errmsg(h));
    int rc, code = KEEL_OK;
    while (code == KEEL_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        code = keel_applied_push(m, out, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                            (const char *)sqlite3_column_text(st, 2));
    if (code == KEEL_OK && rc != SQLITE_DONE)
        code = keel_migrate_fail(m, keel_sqlite_code(rc), "reading keel_migrations: %s", sqlite3_errmsg(h));
    sqlite3_finalize(st);
    return code;
}


static int sqlite_exec(keel_migrator *m, const char *sql, const char *what)
{
    sqlite3 *h = handle(m);
    char *err = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &err) == SQLITE_OK)
        return KEEL_OK;
    int code = keel_migrate_fail(m, keel_sqlite_code(sqlite3_extended_errcode(h)), "%s: %s", what,
                    err ? err : sqlite3_errmsg(h));
    sqlite3_free(err);
    return code;
}

/*
 * Another process migrating holds the write lock for as long as its
 * migration runs, which may be longer than busy_timeout: keep waiting, up
 * to a minute, rather than fail a deploy with KEEL_BUSY.
 */
static int sqlite_exec_waiting(keel_migrator *m, const char *sql, const char *what)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int rc = sqlite_exec(m, sql, what);
        if (rc != KEEL_BUSY || keel_elapsed_ms(&start) > 60000)
            return rc;
    }
}

/*
 * Runs a migration statement by statement, so a failure names the line
 * where the failing statement starts (the same line on both engines).
 */
static int sqlite_run(keel_migrator *m, const keel_migration *e)
{
    sqlite3 *h = handle(m);
    const char *p = e->sql;
    for (;;) {
        p = keel_sql_skip_space(p);
        if (*p == '\0')
            return KEEL_OK;
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        int rc = sqlite3_prepare_v2(h, p, -1, &st, &tail);
        if (rc == SQLITE_OK && st == NULL) { /* only a ';' */
            p = tail && tail > p ? tail : p + 1;
            continue;
        }
        if (rc == SQLITE_OK) {
            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                ;
            if (rc == SQLITE_DONE)
                rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_OK)
            return keel_migrate_fail(m, KEEL_MIGRATION_FAILED, "migration %s (version %" PRId64 ") failed at %s:%d: %s", e->name,
                        e->version, e->name, keel_sql_line_of(e->sql, p), sqlite3_errmsg(h));
        p = tail;
    }
}

/* Applies at most one migration; *finished says nothing was left to apply. */
static int sqlite_step_once(keel_migrator *m, bool *finished)
{
    sqlite3 *h = handle(m);
    int rc = sqlite_exec_waiting(m, "BEGIN IMMEDIATE", "taking the write lock");
    if (rc != KEEL_OK)
        return rc;
    keel_applied_list applied = { 0 };
    size_t next = 0;
    rc = read_applied(m, &applied);
    if (rc == KEEL_OK && applied.count == 0) {
        rc = keel_migrate_adopt(m);
        if (rc == KEEL_OK)
            rc = read_applied(m, &applied);
    }
    if (rc == KEEL_OK)
        rc = keel_migrate_check_applied(m, &applied, &next);
    keel_applied_free(&applied);

    const keel_migration *e = NULL;
    int64_t ms = 0;
    if (rc == KEEL_OK && next < m->set->count) {
        e = &m->set->items[next];
        keel_migrate_starting(m, e);
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        rc = sqlite_run(m, e);
        if (rc == KEEL_OK && sqlite3_get_autocommit(h))
            rc = keel_migrate_fail(m, KEEL_MIGRATION_FAILED,
                      "migration %s (version %" PRId64 ") ended keel's transaction (COMMIT or ROLLBACK "
                      "inside a migration is not supported)", e->name, e->version);
        ms = keel_elapsed_ms(&start);
        if (rc == KEEL_OK)
            rc = record(m, e, ms);
    } else if (rc == KEEL_OK) {
        *finished = true;
    }

    if (rc == KEEL_OK)
        rc = sqlite_exec(m, "COMMIT", "committing migration");
    if (rc != KEEL_OK && !sqlite3_get_autocommit(h))
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    if (rc == KEEL_OK && e != NULL)
        keel_migrate_progress(m, e, ms);
    return rc;
}

static int sqlite_migrate(keel_migrator *m)
{
    bool finished = false;
    /* Committed on its own, as on PostgreSQL: a first migration that fails still leaves the table. */
    int rc = sqlite_exec_waiting(m, HISTORY_TABLE, "creating keel_migrations");
    while (rc == KEEL_OK && !finished)
        rc = sqlite_step_once(m, &finished);
    return rc;
}

const keel_migrate_engine keel_sqlite_migrations = {
    .table_exists_sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND lower(name) = lower(?1)",
    .query_row = query_row,
    .record = record,
    .run = sqlite_migrate,
};
