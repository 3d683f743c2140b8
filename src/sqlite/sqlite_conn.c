/*
 * sqlite_conn.c — SQLite connections: the writer keel_open makes and the
 * WAL readers of the pool, the progress handler behind keel_interrupt and
 * statement timeouts, transactions, SQLite's codes as keel codes, and the
 * engine table the generic runtime calls (keel_sqlite_engine).
 *
 * One writer takes every write (in-process writers queue for it in
 * keel_db.c, so SQLITE_BUSY does not arise between them); readers are
 * query_only connections to the same file, so they never wait for it. An
 * in-memory database (or a file that refuses WAL) has the writer alone.
 */
#include "keel_migrate_internal.h"
#include "sqlite/sqlite_engine.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * Engine codes -> keel codes.
 * ------------------------------------------------------------------------- */
int keel_sqlite_code(int rc)
{
    switch (rc) {
    case SQLITE_OK: return KEEL_OK;
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID: return KEEL_UNIQUE_VIOLATION;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return KEEL_FOREIGN_KEY_VIOLATION;
    case SQLITE_CONSTRAINT_NOTNULL: return KEEL_NOT_NULL_VIOLATION;
    case SQLITE_CONSTRAINT_CHECK: return KEEL_CHECK_VIOLATION;
    default: break;
    }
    switch (rc & 0xff) {
    case SQLITE_READONLY: return KEEL_READ_ONLY;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return KEEL_BUSY;
    case SQLITE_NOMEM: return KEEL_NOMEM;
    case SQLITE_INTERRUPT: return KEEL_INTERRUPTED; /* keel_sqlite_step tells a timeout apart */
    case SQLITE_IOERR: return KEEL_CONNECTION_LOST; /* the storage failed under the database */
    case SQLITE_MISUSE:
    case SQLITE_RANGE: return KEEL_MISUSE;
    default: return KEEL_ERROR;
    }
}

/* ---------------------------------------------------------------------------
 * Opening
 * ------------------------------------------------------------------------- */
/*
 * Every SQLITE_PROGRESS_OPS virtual machine steps of a running statement:
 * stops it for keel_interrupt (which may come just before sqlite3_step
 * begins, when sqlite3_interrupt alone would be lost) or its deadline.
 */
enum { SQLITE_PROGRESS_OPS = 1000 };
static int progress(void *arg)
{
    sqlite_conn *c = arg;
    if (atomic_load(&c->base.interrupted))
        return 1;
    if (c->deadline_ns != 0 && keel_now_ns() > c->deadline_ns) {
        c->timed_out = true;
        return 1;
    }
    return 0;
}

static void session_setup(keel_db *db, sqlite_conn *c)
{
    sqlite3_extended_result_codes(c->handle, 1);
    sqlite3_busy_timeout(c->handle, db->busy_timeout_ms);
    sqlite3_progress_handler(c->handle, SQLITE_PROGRESS_OPS, progress, c);
}

static int open_writer(keel_db *db, keel_conn *conn, const char *dsn)
{
    sqlite_conn *c = sqlite_conn_of(conn);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(dsn, &c->handle, flags, NULL);
    if (rc != SQLITE_OK) {
        int code = (rc & 0xff) == SQLITE_CANTOPEN ? KEEL_BAD_DSN : keel_sqlite_code(rc);
        return keel_err_set(db, code, "keel_open: cannot open SQLite database \"%s\": %s", dsn,
                            c->handle ? sqlite3_errmsg(c->handle) : sqlite3_errstr(rc));
    }
    session_setup(db, c);

    const char *file = sqlite3_db_filename(c->handle, "main");
    db->single = true;
    if (file != NULL && file[0] != '\0') {
        /* WAL first: it reads the header, so a non-database file fails here. */
        /*
         * Switching to WAL needs a lock another process (opening or
         * migrating the same file) may hold, and SQLite does not always
         * call the busy handler for it: wait here, up to busy_timeout.
         */
        for (int waited = 0;; waited += 10) {
            sqlite3_stmt *st = NULL;
            rc = sqlite3_prepare_v2(c->handle, "PRAGMA journal_mode=WAL", -1, &st, NULL);
            if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *mode = (const char *)sqlite3_column_text(st, 0);
                /* Readers of their own only pay off when they do not block the writer. */
                db->single = mode == NULL || strcmp(mode, "wal") != 0;
                rc = SQLITE_OK;
            }
            sqlite3_finalize(st);
            if ((rc & 0xff) != SQLITE_BUSY || waited >= db->busy_timeout_ms)
                break;
            sqlite3_sleep(10);
        }
        if (rc != SQLITE_OK)
            return keel_err_set(db, keel_sqlite_code(sqlite3_extended_errcode(c->handle)), "keel_open: %s: %s",
                                dsn, sqlite3_errmsg(c->handle));
        /* Readers open the file the writer resolved. */
        if (!db->single && (db->dsn = strdup(file)) == NULL)
            return keel_err_set(db, KEEL_NOMEM, "keel_open: out of memory");
    }
    return keel_conn_exec(db, conn, "keel_open", "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL");
}

static int open_reader(keel_db *db, keel_conn *conn, const char *path, const char *ctx)
{
    sqlite_conn *c = sqlite_conn_of(conn);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &c->handle, flags, NULL);
    if (rc != SQLITE_OK) /* the file went away (deleted, unmounted): like a server gone */
        return keel_err_set(db, (rc & 0xff) == SQLITE_CANTOPEN ? KEEL_CONNECTION_LOST : keel_sqlite_code(rc),
                            "%s: cannot open a SQLite reader on \"%s\": %s", ctx, path,
                            c->handle ? sqlite3_errmsg(c->handle) : sqlite3_errstr(rc));
    session_setup(db, c);
    conn->reader = true;
    /* query_only: a write on a reader (inside keel_view) is KEEL_READ_ONLY. */
    return keel_conn_exec(db, conn, ctx, "PRAGMA query_only=1; PRAGMA foreign_keys=ON");
}

static void close_conn(keel_conn *conn)
{
    sqlite_conn *c = sqlite_conn_of(conn);
    keel_cache_clear(&conn->cache, keel_sqlite_cache_forget);
    free(conn->cache.slots);
    conn->cache = (keel_stmt_cache){ 0 };
    if (c->handle != NULL)
        sqlite3_close_v2(c->handle);
    c->handle = NULL;
}

static int exec_sql(keel_db *db, keel_conn *conn, const char *ctx, const char *sql)
{
    sqlite3 *h = sqlite_conn_of(conn)->handle;
    char *err = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &err);
    if (rc == SQLITE_OK)
        return KEEL_OK;
    int code = keel_err_set(db, keel_sqlite_code(sqlite3_extended_errcode(h)), "%s: %s", ctx,
                            err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    return code;
}

static void interrupt(keel_conn *conn)
{
    sqlite3_interrupt(sqlite_conn_of(conn)->handle); /* and the progress handler sees c->interrupted */
}

/* ---------------------------------------------------------------------------
 * Transactions
 * ------------------------------------------------------------------------- */
static int begin(keel_db *db, keel_conn *c, const char *what, bool read_only)
{
    /*
     * IMMEDIATE takes the write lock up front, so a writer waits in
     * busy_timeout at BEGIN instead of failing with SQLITE_BUSY when a
     * read transaction would have to be upgraded mid-way.
     */
    const char *sql = c->reader  ? "BEGIN DEFERRED" /* readers are query_only for good */
                      : read_only ? "PRAGMA query_only=1; BEGIN DEFERRED"
                                  : "BEGIN IMMEDIATE";
    return exec_sql(db, c, what, sql);
}

static void rollback(keel_conn *conn)
{
    sqlite3 *h = sqlite_conn_of(conn)->handle;
    if (!sqlite3_get_autocommit(h))
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
}

static int commit(keel_db *db, keel_conn *c, const char *what)
{
    int rc = exec_sql(db, c, what, "COMMIT");
    /* A failed SQLite COMMIT (busy) leaves the transaction open. */
    if (rc != KEEL_OK)
        rollback(c);
    return rc;
}

static void tx_end(keel_conn *c, bool read_only)
{
    if (read_only && !c->reader) /* the writer served a view */
        sqlite3_exec(sqlite_conn_of(c)->handle, "PRAGMA query_only=0", NULL, NULL, NULL);
}

const keel_engine keel_sqlite_engine = {
    .dialect = KEEL_DIALECT_SQLITE,
    .conn_size = sizeof(sqlite_conn),
    .default_pool_size = 4,
    .has_writer = true,
    .lists_as_json = true,

    .open_first = open_writer,
    .open_pooled = open_reader,
    .close = close_conn,
    .exec = exec_sql,
    .interrupt = interrupt,

    .begin = begin,
    .commit = commit,
    .rollback = rollback,
    .tx_end = tx_end,

    .reader_can_run = keel_sqlite_reader_can_run,
    .stmt_open = keel_sqlite_stmt_open,
    .stmt_step = keel_sqlite_step,
    .stmt_writes = keel_sqlite_stmt_writes,
    .stmt_reset = keel_sqlite_stmt_reset,
    .stmt_free = keel_sqlite_stmt_free,
    .bind_null = keel_sqlite_bind_null,
    .bind_int64 = keel_sqlite_bind_int64,
    .bind_double = keel_sqlite_bind_double,
    .bind_bool = keel_sqlite_bind_bool,
    .bind_text = keel_sqlite_bind_text,
    .bind_blob = keel_sqlite_bind_blob,
    .column_is_null = keel_sqlite_column_is_null,
    .column_int64 = keel_sqlite_column_int64,
    .column_double = keel_sqlite_column_double,
    .column_bool = keel_sqlite_column_bool,
    .column_text = keel_sqlite_column_text,
    .column_blob = keel_sqlite_column_blob,
    .changes = keel_sqlite_changes,
    .last_id = keel_sqlite_last_id,
    .insert_rowid = keel_sqlite_last_id, /* the connection's last rowid */
    .stmt_rewind = keel_sqlite_stmt_rewind, /* batches: keel_batch.c's item loop */

    .migrations = &keel_sqlite_migrations,
};
