/*
 * keel_migrate.c — applies embedded migrations, recording each in
 * keel_migrations in the same transaction as its SQL.
 *
 * Two processes migrating one database must apply each migration once:
 * PostgreSQL serialises them with a session advisory lock held on the one
 * pinned connection; SQLite with the write lock of BEGIN IMMEDIATE, taken
 * before the applied state is read, for each migration in turn.
 */
#include "keel_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct applied_row {
    int64_t version;
    char *name;
    char *checksum;
} applied_row;

typedef struct applied_list {
    applied_row *rows;
    size_t count;
} applied_list;

typedef struct migrator {
    keel_db *db;
    keel_conn *conn;
    const char *repo; /* for messages */
    const keel_migration_set *set;
} migrator;

static const char SQLITE_TABLE[] =
    "CREATE TABLE IF NOT EXISTS keel_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " execution_ms INTEGER NOT NULL)";

static const char PG_TABLE[] =
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

static void applied_free(applied_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->rows[i].name);
        free(l->rows[i].checksum);
    }
    free(l->rows);
    l->rows = NULL;
    l->count = 0;
}

static int fail(migrator *m, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(migrator *m, int code, const char *fmt, ...)
{
    char detail[KEEL_ENGINE_MSG_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return keel_err_set(m->db, code, "keel_migrate %s: %s", m->repo, detail);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static int applied_push(migrator *m, applied_list *l, int64_t version, const char *name, const char *sum)
{
    applied_row *rows = realloc(l->rows, (l->count + 1) * sizeof *rows);
    if (rows == NULL)
        return fail(m, KEEL_NOMEM, "out of memory");
    l->rows = rows;
    applied_row *r = &rows[l->count];
    r->version = version;
    r->name = dup_or_empty(name);
    r->checksum = dup_or_empty(sum);
    l->count++;
    if (r->name == NULL || r->checksum == NULL)
        return fail(m, KEEL_NOMEM, "out of memory");
    return KEEL_OK;
}

static int sqlite_read_applied(migrator *m, applied_list *out)
{
    sqlite3 *h = m->conn->sqlite;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, "SELECT version, name, checksum FROM keel_migrations ORDER BY version", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(m, keel_sqlite_code(sqlite3_extended_errcode(h)), "reading keel_migrations: %s",
                    sqlite3_errmsg(h));
    int rc, code = KEEL_OK;
    while (code == KEEL_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        code = applied_push(m, out, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                            (const char *)sqlite3_column_text(st, 2));
    if (code == KEEL_OK && rc != SQLITE_DONE)
        code = fail(m, keel_sqlite_code(rc), "reading keel_migrations: %s", sqlite3_errmsg(h));
    sqlite3_finalize(st);
    return code;
}

static int pg_read_applied(migrator *m, applied_list *out)
{
    PGconn *pg = m->conn->pg;
    PGresult *res = PQexec(pg, "SELECT version, name, checksum FROM keel_migrations ORDER BY version");
    int code = KEEL_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, pg, msg, sizeof msg);
        code = fail(m, keel_pg_code(res, pg), "reading keel_migrations: %s", msg);
    }
    for (int i = 0; code == KEEL_OK && i < PQntuples(res); i++)
        code = applied_push(m, out, strtoll(PQgetvalue(res, i, 0), NULL, 10), PQgetvalue(res, i, 1),
                            PQgetvalue(res, i, 2));
    PQclear(res);
    return code;
}

static const keel_migration *embedded_version(const keel_migration_set *set, int64_t version)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].version == version)
            return &set->items[i];
    return NULL;
}

/*
 * Compares what the database recorded with what this binary embeds. On
 * success *next is the index of the first migration still to apply.
 */
static int check_applied(migrator *m, const applied_list *applied, size_t *next)
{
    const keel_migration_set *set = m->set;
    int64_t newest_embedded = set->count ? set->items[set->count - 1].version : 0;
    if (applied->count > 0) {
        const applied_row *newest = &applied->rows[applied->count - 1];
        if (newest->version > newest_embedded)
            return fail(m, KEEL_MIGRATION_TOO_NEW,
                        "the database is at migration %s (version %" PRId64 "), newer than this "
                        "binary's newest (version %" PRId64 "); upgrade the binary",
                        newest->name, newest->version, newest_embedded);
    }
    for (size_t i = 0; i < applied->count; i++) {
        const applied_row *r = &applied->rows[i];
        const keel_migration *e = &set->items[i]; /* i < count: r->version <= newest_embedded */
        if (e->version != r->version) {
            if (embedded_version(set, r->version) == NULL)
                return fail(m, KEEL_MIGRATION_MISSING,
                            "applied migration %s (version %" PRId64 ") is missing from this binary",
                            r->name, r->version);
            return fail(m, KEEL_MIGRATION_MISSING,
                        "migration %s (version %" PRId64 ") was never applied but the later %s "
                        "(version %" PRId64 ") was; migrations were reordered or inserted",
                        e->name, e->version, r->name, r->version);
        }
        if (strcmp(e->name, r->name) != 0)
            return fail(m, KEEL_MIGRATION_MISSING,
                        "applied migration %s (version %" PRId64 ") is missing from this binary, which "
                        "has %s for that version (renamed?)",
                        r->name, r->version, e->name);
        if (strcmp(e->checksum, r->checksum) != 0)
            return fail(m, KEEL_MIGRATION_CHECKSUM,
                        "migration %s (version %" PRId64 ") was edited after it was applied: "
                        "applied checksum %s, file checksum %s",
                        e->name, e->version, r->checksum, e->checksum);
    }
    *next = applied->count;
    return KEEL_OK;
}

static int check_embedded_order(migrator *m)
{
    for (size_t i = 0; i < m->set->count; i++) {
        const keel_migration *e = &m->set->items[i];
        if (e->name == NULL || e->sql == NULL || e->checksum == NULL)
            return fail(m, KEEL_MISUSE, "migration %zu has a NULL name, sql or checksum", i);
        if (i > 0 && e->version <= m->set->items[i - 1].version)
            return fail(m, KEEL_MISUSE, "embedded migrations are not in ascending version order at %s",
                        e->name);
    }
    return KEEL_OK;
}

static int64_t elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* ---------------------------------------------------------------------------
 * SQLite
 * ------------------------------------------------------------------------- */
static int sqlite_exec(migrator *m, const char *sql, const char *what)
{
    sqlite3 *h = m->conn->sqlite;
    char *err = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &err) == SQLITE_OK)
        return KEEL_OK;
    int code = fail(m, keel_sqlite_code(sqlite3_extended_errcode(h)), "%s: %s", what,
                    err ? err : sqlite3_errmsg(h));
    sqlite3_free(err);
    return code;
}

static int sqlite_record(migrator *m, const keel_migration *e, int64_t ms)
{
    sqlite3 *h = m->conn->sqlite;
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
        return fail(m, KEEL_MIGRATION_FAILED, "recording %s: %s", e->name, sqlite3_errmsg(h));
    return KEEL_OK;
}

/* Applies at most one migration; *finished says nothing was left to apply. */
static int sqlite_step_once(migrator *m, bool *finished)
{
    sqlite3 *h = m->conn->sqlite;
    int rc = sqlite_exec(m, "BEGIN IMMEDIATE", "taking the write lock");
    if (rc != KEEL_OK)
        return rc;
    applied_list applied = { 0 };
    size_t next = 0;
    rc = sqlite_read_applied(m, &applied);
    if (rc == KEEL_OK)
        rc = check_applied(m, &applied, &next);
    applied_free(&applied);

    if (rc == KEEL_OK && next < m->set->count) {
        const keel_migration *e = &m->set->items[next];
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        char *err = NULL;
        if (sqlite3_exec(h, e->sql, NULL, NULL, &err) != SQLITE_OK) {
            rc = fail(m, KEEL_MIGRATION_FAILED, "migration %s (version %" PRId64 ") failed: %s", e->name,
                      e->version, err ? err : sqlite3_errmsg(h));
        } else if (sqlite3_get_autocommit(h)) {
            rc = fail(m, KEEL_MIGRATION_FAILED,
                      "migration %s (version %" PRId64 ") ended keel's transaction (COMMIT or ROLLBACK "
                      "inside a migration is not supported)", e->name, e->version);
        } else {
            rc = sqlite_record(m, e, elapsed_ms(&start));
        }
        sqlite3_free(err);
    } else if (rc == KEEL_OK) {
        *finished = true;
    }

    if (rc == KEEL_OK)
        rc = sqlite_exec(m, "COMMIT", "committing migration");
    if (rc != KEEL_OK && !sqlite3_get_autocommit(h))
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int sqlite_migrate(migrator *m)
{
    bool finished = false;
    /* Committed on its own, as on PostgreSQL: a first migration that fails still leaves the table. */
    int rc = sqlite_exec(m, SQLITE_TABLE, "creating keel_migrations");
    while (rc == KEEL_OK && !finished)
        rc = sqlite_step_once(m, &finished);
    return rc;
}

/* ---------------------------------------------------------------------------
 * PostgreSQL
 * ------------------------------------------------------------------------- */
static int pg_exec(migrator *m, const char *sql, int fail_code, const char *what)
{
    PGconn *pg = m->conn->pg;
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = KEEL_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, pg, msg, sizeof msg);
        int code = fail_code && PQstatus(pg) == CONNECTION_OK ? fail_code : keel_pg_code(res, pg);
        rc = fail(m, code, "%s: %s", what, msg);
    }
    PQclear(res);
    return rc;
}

static int pg_apply(migrator *m, const keel_migration *e)
{
    PGconn *pg = m->conn->pg;
    char what[512];
    snprintf(what, sizeof what, "migration %s (version %" PRId64 ") failed", e->name, e->version);
    int rc = pg_exec(m, "BEGIN", 0, "BEGIN");
    if (rc != KEEL_OK)
        return rc;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = pg_exec(m, e->sql, KEEL_MIGRATION_FAILED, what);
    if (rc == KEEL_OK && PQtransactionStatus(pg) != PQTRANS_INTRANS)
        rc = fail(m, KEEL_MIGRATION_FAILED,
                  "migration %s (version %" PRId64 ") ended keel's transaction (COMMIT or ROLLBACK "
                  "inside a migration is not supported)", e->name, e->version);
    if (rc == KEEL_OK) {
        char version[32], ms[32];
        snprintf(version, sizeof version, "%" PRId64, e->version);
        snprintf(ms, sizeof ms, "%" PRId64, elapsed_ms(&start));
        const char *values[] = { version, e->name, e->checksum, ms };
        PGresult *res = PQexecParams(
            pg, "INSERT INTO keel_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)", 4,
            NULL, values, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            char msg[KEEL_ENGINE_MSG_MAX];
            keel_pg_message(res, pg, msg, sizeof msg);
            rc = fail(m, KEEL_MIGRATION_FAILED, "recording %s: %s", e->name, msg);
        }
        PQclear(res);
    }
    if (rc == KEEL_OK)
        rc = pg_exec(m, "COMMIT", KEEL_MIGRATION_FAILED, "committing migration");
    if (rc != KEEL_OK && PQtransactionStatus(pg) != PQTRANS_IDLE)
        PQclear(PQexec(pg, "ROLLBACK"));
    return rc;
}

static int pg_migrate(migrator *m)
{
    char lock_sql[96], unlock_sql[96];
    snprintf(lock_sql, sizeof lock_sql, "SELECT pg_advisory_lock(%" PRId64 ")", advisory_key());
    snprintf(unlock_sql, sizeof unlock_sql, "SELECT pg_advisory_unlock(%" PRId64 ")", advisory_key());

    int rc = pg_exec(m, lock_sql, 0, "taking the migration lock");
    if (rc != KEEL_OK)
        return rc;
    applied_list applied = { 0 };
    size_t next = 0;
    rc = pg_exec(m, PG_TABLE, 0, "creating keel_migrations");
    if (rc == KEEL_OK)
        rc = pg_read_applied(m, &applied);
    if (rc == KEEL_OK)
        rc = check_applied(m, &applied, &next);
    applied_free(&applied);
    for (size_t i = next; rc == KEEL_OK && i < m->set->count; i++)
        rc = pg_apply(m, &m->set->items[i]);

    /* Released on every path; if the session died, the server already released it. */
    PQclear(PQexec(m->conn->pg, unlock_sql));
    return rc;
}

int keel_migrate(keel_db *db, const keel_schema *schema)
{
    if (db == NULL)
        return KEEL_MISUSE;
    if (schema == NULL)
        return keel_err_set(db, KEEL_MISUSE, "keel_migrate: schema is NULL");
    if (db->is_tx)
        return keel_err_set(db, KEEL_MISUSE,
                            "keel_migrate: needs the database handle, not a transaction handle "
                            "(each migration runs in its own transaction)");
    migrator m = {
        .db = db,
        .repo = schema->name ? schema->name : "(unnamed)",
        .set = db->dialect == KEEL_DIALECT_POSTGRES ? &schema->postgres : &schema->sqlite,
    };
    int rc = check_embedded_order(&m);
    if (rc != KEEL_OK)
        return rc;
    rc = keel_conn_acquire(db, "keel_migrate", KEEL_ACQUIRE_WRITE, &m.conn);
    if (rc != KEEL_OK)
        return rc;
    rc = m.conn->sqlite != NULL ? sqlite_migrate(&m) : pg_migrate(&m);
    keel_conn_release(db, m.conn);
    return rc;
}
