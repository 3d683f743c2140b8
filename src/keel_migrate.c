/*
 * keel_migrate.c — applies embedded migrations, recording each in
 * keel_migrations in the same transaction as its SQL; adopts databases
 * made by golang-migrate or by hand (see keel.h).
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
#include <strings.h>
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
    const keel_migrate_options *opt; /* never NULL */
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
 * Reading migration SQL: where statements start and end, which line a byte
 * is on, which tables a migration creates. Quotes, dollar quotes and
 * comments are skipped so a ';' or "CREATE TABLE" inside them counts not.
 * ------------------------------------------------------------------------- */
static int line_of(const char *sql, const char *at)
{
    int line = 1;
    for (const char *p = sql; p < at && *p; p++)
        line += *p == '\n';
    return line;
}

/* Skips whitespace and comments; returns the first byte of the next token. */
static const char *skip_space(const char *p)
{
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            int depth = 0; /* PostgreSQL nests block comments */
            do {
                if (p[0] == '/' && p[1] == '*')
                    depth++, p += 2;
                else if (p[0] == '*' && p[1] == '/')
                    depth--, p += 2;
                else
                    p++;
            } while (*p && depth > 0);
        } else {
            return p;
        }
    }
}

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (unsigned char)c >= 0x80;
}

/* Skips one token starting at p (not space or comment); returns its end. */
static const char *skip_token(const char *p)
{
    if (*p == '\'' || *p == '"') {
        char q = *p++;
        while (*p) {
            if (*p == q) {
                if (p[1] != q)
                    return p + 1;
                p += 2; /* doubled quote */
            } else {
                p++;
            }
        }
        return p;
    }
    if (*p == '$' && !(p[1] >= '0' && p[1] <= '9')) { /* $tag$ ... $tag$ */
        const char *t = p + 1;
        while (ident_char(*t) && *t != '$')
            t++;
        if (*t == '$') {
            size_t n = (size_t)(t - p + 1);
            for (const char *q = t + 1; *q; q++)
                if (*q == '$' && strncmp(q, p, n) == 0)
                    return q + n;
            return p + strlen(p);
        }
    }
    if (ident_char(*p)) {
        while (ident_char(*p))
            p++;
        return p;
    }
    return p + 1;
}

static bool word_is(const char *p, const char *end, const char *word);

/* The end of the statement starting at p: just past its ';', or the NUL.
 * A SQL-standard function body (BEGIN ATOMIC ... END, CASE ... END inside)
 * holds semicolons of its own. */
static const char *statement_end(const char *p)
{
    int block = 0;
    bool after_begin = false;
    for (;;) {
        p = skip_space(p);
        if (*p == '\0')
            return p;
        if (*p == ';' && block == 0)
            return p + 1;
        const char *start = p;
        p = skip_token(p);
        bool begin = word_is(start, p, "begin");
        if ((after_begin && word_is(start, p, "atomic")) || (block > 0 && word_is(start, p, "case")))
            block++;
        else if (block > 0 && word_is(start, p, "end"))
            block--;
        after_begin = begin;
        /* E'..': the E was an identifier token; the quote follows directly. */
        if ((p - start) == 1 && (*start == 'E' || *start == 'e') && *p == '\'') {
            p++;
            while (*p && *p != '\'') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            if (*p)
                p++;
        }
    }
}

static bool word_is(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) == n && strncasecmp(p, word, n) == 0;
}

enum { MAX_TABLES = 32, MAX_NAME = 128 };

/* The names of the tables sql creates (CREATE [TEMP|UNLOGGED] TABLE [IF NOT EXISTS] name). */
static int created_tables(const char *sql, char names[][MAX_NAME], int max)
{
    int n = 0;
    const char *p = sql;
    for (;;) {
        p = skip_space(p);
        if (*p == '\0' || n == max)
            return n;
        const char *end = skip_token(p);
        if (!word_is(p, end, "create")) {
            p = end;
            continue;
        }
        p = skip_space(end);
        end = skip_token(p);
        while (word_is(p, end, "temp") || word_is(p, end, "temporary") || word_is(p, end, "unlogged")) {
            p = skip_space(end);
            end = skip_token(p);
        }
        if (!word_is(p, end, "table"))
            continue;
        p = skip_space(end);
        end = skip_token(p);
        if (word_is(p, end, "if")) { /* IF NOT EXISTS */
            for (int i = 0; i < 2; i++) {
                p = skip_space(end);
                end = skip_token(p);
            }
            p = skip_space(end);
            end = skip_token(p);
        }
        /* schema.name: keep the last part */
        const char *dot = skip_space(end);
        while (*dot == '.') {
            p = skip_space(dot + 1);
            end = skip_token(p);
            dot = skip_space(end);
        }
        size_t len = (size_t)(end - p);
        if (len > 0 && len < MAX_NAME) {
            if (*p == '"' && len >= 2) {
                memcpy(names[n], p + 1, len - 2);
                names[n][len - 2] = '\0';
            } else {
                for (size_t i = 0; i < len; i++) /* unquoted names fold to lower case */
                    names[n][i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
                names[n][len] = '\0';
            }
            n++;
        }
        p = end;
    }
}

/* ---------------------------------------------------------------------------
 * Small engine-neutral queries on the pinned connection.
 * ------------------------------------------------------------------------- */
/* Runs sql with at most one text parameter; reads two int64 columns of the first row. */
static int query_row(migrator *m, const char *sql, const char *param, int64_t *a, int64_t *b, bool *found)
{
    *found = false;
    if (m->conn->sqlite != NULL) {
        sqlite3 *h = m->conn->sqlite;
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
            return fail(m, keel_sqlite_code(sqlite3_extended_errcode(h)), "%s: %s", sql, sqlite3_errmsg(h));
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
                       : fail(m, keel_sqlite_code(sqlite3_extended_errcode(h)), "%s: %s", sql, sqlite3_errmsg(h));
        sqlite3_finalize(st);
        return code;
    }
    PGconn *pg = m->conn->pg;
    PGresult *res = PQexecParams(pg, sql, param ? 1 : 0, NULL, &param, NULL, NULL, 0);
    int code = KEEL_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, pg, msg, sizeof msg);
        code = fail(m, keel_pg_code(res, pg), "%s: %s", sql, msg);
    } else if (PQntuples(res) > 0) {
        *found = true;
        *a = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        if (b != NULL)
            *b = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    }
    PQclear(res);
    return code;
}

static int table_exists(migrator *m, const char *name, bool *exists)
{
    const char *sql = m->conn->sqlite != NULL
                          ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND lower(name) = lower(?1)"
                          : "SELECT count(*) FROM pg_catalog.pg_class c"
                            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                            " WHERE c.relname = $1 AND c.relkind IN ('r', 'p')"
                            " AND n.nspname = ANY (current_schemas(false))";
    int64_t n = 0;
    bool found;
    int rc = query_row(m, sql, name, &n, NULL, &found);
    *exists = rc == KEEL_OK && n > 0;
    return rc;
}

static int record(migrator *m, const keel_migration *e, int64_t ms)
{
    if (m->conn->sqlite != NULL) {
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
    PGconn *pg = m->conn->pg;
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
        rc = fail(m, PQstatus(pg) == CONNECTION_OK ? KEEL_MIGRATION_FAILED : KEEL_CONNECTION_LOST,
                  "recording %s: %s", e->name, msg);
    }
    PQclear(res);
    return rc;
}

/* Records every embedded migration up to version as applied, without running it. */
static int record_up_to(migrator *m, int64_t version)
{
    int rc = KEEL_OK;
    for (size_t i = 0; rc == KEEL_OK && i < m->set->count && m->set->items[i].version <= version; i++)
        rc = record(m, &m->set->items[i], 0);
    return rc;
}

/*
 * Runs with the history empty, inside the write transaction (SQLite) or
 * under the advisory lock (PostgreSQL): adopts a golang-migrate database, a
 * baseline the caller named, or refuses an untracked schema (keel.h).
 */
static int adopt(migrator *m)
{
    const keel_migration_set *set = m->set;
    bool exists;
    int rc = table_exists(m, "schema_migrations", &exists);
    if (rc != KEEL_OK)
        return rc;
    if (exists) {
        int64_t version = 0, dirty = 0;
        bool found;
        rc = query_row(m, "SELECT version, CASE WHEN dirty THEN 1 ELSE 0 END FROM schema_migrations"
                          " ORDER BY version DESC LIMIT 1", NULL, &version, &dirty, &found);
        if (rc != KEEL_OK || !found)
            return rc; /* an empty golang-migrate table: nothing was applied */
        if (dirty)
            return fail(m, KEEL_MIGRATION_DIRTY,
                        "golang-migrate's schema_migrations says version %" PRId64 " is dirty (it failed half-way); "
                        "repair the schema by hand, run `migrate force <last good version>`, then migrate again",
                        version);
        if (version > 0 && embedded_version(set, version) == NULL)
            return fail(m, version > (set->count ? set->items[set->count - 1].version : 0) ? KEEL_MIGRATION_TOO_NEW
                                                                                           : KEEL_MIGRATION_MISSING,
                        "golang-migrate's schema_migrations is at version %" PRId64
                        ", which this binary has no migration for", version);
        return record_up_to(m, version);
    }
    if (m->opt->baseline_version > 0) {
        if (embedded_version(set, m->opt->baseline_version) == NULL)
            return fail(m, KEEL_MISUSE, "baseline_version %" PRId64 " is not one of this binary's migrations",
                        m->opt->baseline_version);
        return record_up_to(m, m->opt->baseline_version);
    }
    if (set->count == 0)
        return KEEL_OK;
    char names[MAX_TABLES][MAX_NAME];
    int n = created_tables(set->items[0].sql, names, MAX_TABLES);
    for (int i = 0; i < n; i++) {
        if ((rc = table_exists(m, names[i], &exists)) != KEEL_OK)
            return rc;
        if (!exists)
            return KEEL_OK; /* a fresh database (or a half one: 0001 will say what clashes) */
    }
    if (n == 0)
        return KEEL_OK;
    return fail(m, KEEL_MIGRATION_UNTRACKED,
                "the tables of %s (%s%s) already exist but keel_migrations has no history: the schema was made "
                "another way. If it matches migration N, call keel_migrate_with() once with "
                "baseline_version = N to record 1..N as applied without running them",
                set->items[0].name, names[0], n > 1 ? ", ..." : "");
}

static void report_starting(migrator *m, const keel_migration *e)
{
    if (m->opt->starting != NULL)
        m->opt->starting(m->opt->progress_ctx, e->version, e->name);
}

static void report_progress(migrator *m, const keel_migration *e, int64_t ms)
{
    if (m->opt->progress != NULL)
        m->opt->progress(m->opt->progress_ctx, e->version, e->name, ms);
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

/*
 * Another process migrating holds the write lock for as long as its
 * migration runs, which may be longer than busy_timeout: keep waiting, up
 * to a minute, rather than fail a deploy with KEEL_BUSY.
 */
static int sqlite_exec_waiting(migrator *m, const char *sql, const char *what)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int rc = sqlite_exec(m, sql, what);
        if (rc != KEEL_BUSY || elapsed_ms(&start) > 60000)
            return rc;
    }
}

/*
 * Runs a migration statement by statement, so a failure names the line
 * where the failing statement starts (the same line on both engines).
 */
static int sqlite_run(migrator *m, const keel_migration *e)
{
    sqlite3 *h = m->conn->sqlite;
    const char *p = e->sql;
    for (;;) {
        p = skip_space(p);
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
            return fail(m, KEEL_MIGRATION_FAILED, "migration %s (version %" PRId64 ") failed at %s:%d: %s", e->name,
                        e->version, e->name, line_of(e->sql, p), sqlite3_errmsg(h));
        p = tail;
    }
}

/* Applies at most one migration; *finished says nothing was left to apply. */
static int sqlite_step_once(migrator *m, bool *finished)
{
    sqlite3 *h = m->conn->sqlite;
    int rc = sqlite_exec_waiting(m, "BEGIN IMMEDIATE", "taking the write lock");
    if (rc != KEEL_OK)
        return rc;
    applied_list applied = { 0 };
    size_t next = 0;
    rc = sqlite_read_applied(m, &applied);
    if (rc == KEEL_OK && applied.count == 0) {
        rc = adopt(m);
        if (rc == KEEL_OK)
            rc = sqlite_read_applied(m, &applied);
    }
    if (rc == KEEL_OK)
        rc = check_applied(m, &applied, &next);
    applied_free(&applied);

    const keel_migration *e = NULL;
    int64_t ms = 0;
    if (rc == KEEL_OK && next < m->set->count) {
        e = &m->set->items[next];
        report_starting(m, e);
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        rc = sqlite_run(m, e);
        if (rc == KEEL_OK && sqlite3_get_autocommit(h))
            rc = fail(m, KEEL_MIGRATION_FAILED,
                      "migration %s (version %" PRId64 ") ended keel's transaction (COMMIT or ROLLBACK "
                      "inside a migration is not supported)", e->name, e->version);
        ms = elapsed_ms(&start);
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
        report_progress(m, e, ms);
    return rc;
}

static int sqlite_migrate(migrator *m)
{
    bool finished = false;
    /* Committed on its own, as on PostgreSQL: a first migration that fails still leaves the table. */
    int rc = sqlite_exec_waiting(m, SQLITE_TABLE, "creating keel_migrations");
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

/* Runs a migration statement by statement, so a failure names its line. */
static int pg_run(migrator *m, const keel_migration *e)
{
    PGconn *pg = m->conn->pg;
    const char *p = e->sql;
    /* no statement is longer than the whole migration */
    char *buf = malloc(strlen(e->sql) + 1);
    if (buf == NULL)
        return fail(m, KEEL_NOMEM, "out of memory");
    int rc = KEEL_OK;
    for (;;) {
        p = skip_space(p);
        if (*p == '\0')
            break;
        const char *end = statement_end(p);
        size_t n = (size_t)(end - p);
        memcpy(buf, p, n);
        buf[n] = '\0';
        PGresult *res = PQexec(pg, buf);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
            char msg[KEEL_ENGINE_MSG_MAX];
            keel_pg_message(res, pg, msg, sizeof msg);
            int code = PQstatus(pg) == CONNECTION_OK ? KEEL_MIGRATION_FAILED : KEEL_CONNECTION_LOST;
            rc = fail(m, code, "migration %s (version %" PRId64 ") failed at %s:%d: %s", e->name, e->version,
                      e->name, line_of(e->sql, p), msg);
            PQclear(res);
            break;
        }
        PQclear(res);
        p = end;
    }
    free(buf);
    return rc;
}

static int pg_apply(migrator *m, const keel_migration *e)
{
    PGconn *pg = m->conn->pg;
    int rc = pg_exec(m, "BEGIN", 0, "BEGIN");
    if (rc != KEEL_OK)
        return rc;
    report_starting(m, e);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = pg_run(m, e);
    if (rc == KEEL_OK && PQtransactionStatus(pg) != PQTRANS_INTRANS)
        rc = fail(m, KEEL_MIGRATION_FAILED,
                  "migration %s (version %" PRId64 ") ended keel's transaction (COMMIT or ROLLBACK "
                  "inside a migration is not supported)", e->name, e->version);
    int64_t ms = elapsed_ms(&start);
    if (rc == KEEL_OK)
        rc = record(m, e, ms);
    if (rc == KEEL_OK)
        rc = pg_exec(m, "COMMIT", KEEL_MIGRATION_FAILED, "committing migration");
    if (rc != KEEL_OK && PQtransactionStatus(pg) != PQTRANS_IDLE)
        PQclear(PQexec(pg, "ROLLBACK"));
    if (rc == KEEL_OK)
        report_progress(m, e, ms);
    return rc;
}

static int pg_adopt_if_empty(migrator *m)
{
    applied_list applied = { 0 };
    int rc = pg_read_applied(m, &applied);
    bool empty = applied.count == 0;
    applied_free(&applied);
    if (rc != KEEL_OK || !empty)
        return rc;
    if ((rc = pg_exec(m, "BEGIN", 0, "BEGIN")) != KEEL_OK)
        return rc;
    rc = adopt(m);
    if (rc == KEEL_OK)
        rc = pg_exec(m, "COMMIT", 0, "committing the adoption");
    if (rc != KEEL_OK && PQtransactionStatus(m->conn->pg) != PQTRANS_IDLE)
        PQclear(PQexec(m->conn->pg, "ROLLBACK"));
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
        rc = pg_adopt_if_empty(m);
    if (rc == KEEL_OK)
        rc = pg_read_applied(m, &applied);
    if (rc == KEEL_OK)
        rc = check_applied(m, &applied, &next);
    applied_free(&applied);
    for (size_t i = next; rc == KEEL_OK && i < m->set->count; i++)
        rc = pg_apply(m, &m->set->items[i]);

    /* Released on every path; if the session died, the server already released it. */
    if (PQtransactionStatus(m->conn->pg) == PQTRANS_INERROR || PQtransactionStatus(m->conn->pg) == PQTRANS_INTRANS)
        PQclear(PQexec(m->conn->pg, "ROLLBACK"));
    PQclear(PQexec(m->conn->pg, unlock_sql));
    return rc;
}

int keel_migrate_with(keel_db *db, const keel_schema *schema, const keel_migrate_options *opt)
{
    static const keel_migrate_options defaults = { 0 };
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
        .opt = opt ? opt : &defaults,
    };
    int rc = check_embedded_order(&m);
    if (rc != KEEL_OK)
        return rc;
    rc = keel_conn_acquire(db, "keel_migrate", KEEL_ACQUIRE_WRITE, &m.conn);
    if (rc == KEEL_OK && m.conn->pg != NULL)
        keel_pg_settle(m.conn); /* called from a callback streaming on this connection */
    if (rc != KEEL_OK)
        return rc;
    rc = m.conn->sqlite != NULL ? sqlite_migrate(&m) : pg_migrate(&m);
    keel_conn_release(db, m.conn);
    return rc;
}

int keel_migrate(keel_db *db, const keel_schema *schema)
{
    return keel_migrate_with(db, schema, NULL);
}
