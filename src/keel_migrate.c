/*
 * keel_migrate.c — applies embedded migrations, recording each in
 * keel_migrations in the same transaction as its SQL; adopts databases
 * made by golang-migrate or by hand (see keel.h). Engine-neutral: the
 * history checks, adoption, reading migration SQL, and the driver; each
 * engine's half (sqlite/sqlite_migrate.c, pg/pg_migrate.c) runs the
 * migrations under its lock (keel_migrate_engine).
 *
 * Two processes migrating one database must apply each migration once:
 * PostgreSQL serialises them with a session advisory lock held on the one
 * pinned connection; SQLite with the write lock of BEGIN IMMEDIATE, taken
 * before the applied state is read, for each migration in turn.
 */
#include "keel_migrate_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


void keel_applied_free(keel_applied_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->rows[i].name);
        free(l->rows[i].checksum);
    }
    free(l->rows);
    l->rows = NULL;
    l->count = 0;
}

int keel_migrate_fail(keel_migrator *m, int code, const char *fmt, ...)
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

int keel_applied_push(keel_migrator *m, keel_applied_list *l, int64_t version, const char *name, const char *sum)
{
    keel_applied_row *rows = realloc(l->rows, (l->count + 1) * sizeof *rows);
    if (rows == NULL)
        return keel_migrate_fail(m, KEEL_NOMEM, "out of memory");
    l->rows = rows;
    keel_applied_row *r = &rows[l->count];
    r->version = version;
    r->name = dup_or_empty(name);
    r->checksum = dup_or_empty(sum);
    l->count++;
    if (r->name == NULL || r->checksum == NULL)
        return keel_migrate_fail(m, KEEL_NOMEM, "out of memory");
    return KEEL_OK;
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
int keel_migrate_check_applied(keel_migrator *m, const keel_applied_list *applied, size_t *next)
{
    const keel_migration_set *set = m->set;
    int64_t newest_embedded = set->count ? set->items[set->count - 1].version : 0;
    if (applied->count > 0) {
        const keel_applied_row *newest = &applied->rows[applied->count - 1];
        if (newest->version > newest_embedded)
            return keel_migrate_fail(m, KEEL_MIGRATION_TOO_NEW,
                        "the database is at migration %s (version %" PRId64 "), newer than this "
                        "binary's newest (version %" PRId64 "); upgrade the binary",
                        newest->name, newest->version, newest_embedded);
    }
    for (size_t i = 0; i < applied->count; i++) {
        const keel_applied_row *r = &applied->rows[i];
        const keel_migration *e = &set->items[i]; /* i < count: r->version <= newest_embedded */
        if (e->version != r->version) {
            if (embedded_version(set, r->version) == NULL)
                return keel_migrate_fail(m, KEEL_MIGRATION_MISSING,
                            "applied migration %s (version %" PRId64 ") is missing from this binary",
                            r->name, r->version);
            return keel_migrate_fail(m, KEEL_MIGRATION_MISSING,
                        "migration %s (version %" PRId64 ") was never applied but the later %s "
                        "(version %" PRId64 ") was; migrations were reordered or inserted",
                        e->name, e->version, r->name, r->version);
        }
        if (strcmp(e->name, r->name) != 0)
            return keel_migrate_fail(m, KEEL_MIGRATION_MISSING,
                        "applied migration %s (version %" PRId64 ") is missing from this binary, which "
                        "has %s for that version (renamed?)",
                        r->name, r->version, e->name);
        if (strcmp(e->checksum, r->checksum) != 0)
            return keel_migrate_fail(m, KEEL_MIGRATION_CHECKSUM,
                        "migration %s (version %" PRId64 ") was edited after it was applied: "
                        "applied checksum %s, file checksum %s",
                        e->name, e->version, r->checksum, e->checksum);
    }
    *next = applied->count;
    return KEEL_OK;
}

static int check_embedded_order(keel_migrator *m)
{
    for (size_t i = 0; i < m->set->count; i++) {
        const keel_migration *e = &m->set->items[i];
        if (e->name == NULL || e->sql == NULL || e->checksum == NULL)
            return keel_migrate_fail(m, KEEL_MISUSE, "migration %zu has a NULL name, sql or checksum", i);
        if (i > 0 && e->version <= m->set->items[i - 1].version)
            return keel_migrate_fail(m, KEEL_MISUSE, "embedded migrations are not in ascending version order at %s",
                        e->name);
    }
    return KEEL_OK;
}

int64_t keel_elapsed_ms(const struct timespec *start)
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
int keel_sql_line_of(const char *sql, const char *at)
{
    int line = 1;
    for (const char *p = sql; p < at && *p; p++)
        line += *p == '\n';
    return line;
}

/* Skips whitespace and comments; returns the first byte of the next token. */
const char *keel_sql_skip_space(const char *p)
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
const char *keel_sql_statement_end(const char *p)
{
    int block = 0;
    bool after_begin = false;
    for (;;) {
        p = keel_sql_skip_space(p);
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
        p = keel_sql_skip_space(p);
        if (*p == '\0' || n == max)
            return n;
        const char *end = skip_token(p);
        if (!word_is(p, end, "create")) {
            p = end;
            continue;
        }
        p = keel_sql_skip_space(end);
        end = skip_token(p);
        while (word_is(p, end, "temp") || word_is(p, end, "temporary") || word_is(p, end, "unlogged")) {
            p = keel_sql_skip_space(end);
            end = skip_token(p);
        }
        if (!word_is(p, end, "table"))
            continue;
        p = keel_sql_skip_space(end);
        end = skip_token(p);
        if (word_is(p, end, "if")) { /* IF NOT EXISTS */
            for (int i = 0; i < 2; i++) {
                p = keel_sql_skip_space(end);
                end = skip_token(p);
            }
            p = keel_sql_skip_space(end);
            end = skip_token(p);
        }
        /* schema.name: keep the last part */
        const char *dot = keel_sql_skip_space(end);
        while (*dot == '.') {
            p = keel_sql_skip_space(dot + 1);
            end = skip_token(p);
            dot = keel_sql_skip_space(end);
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
 * Adoption, on the pinned connection through the engine's queries.
 * ------------------------------------------------------------------------- */
static int table_exists(keel_migrator *m, const char *name, bool *exists)
{
    int64_t n = 0;
    bool found;
    int rc = m->engine->query_row(m, m->engine->table_exists_sql, name, &n, NULL, &found);
    *exists = rc == KEEL_OK && n > 0;
    return rc;
}

/* Records every embedded migration up to version as applied, without running it. */
static int record_up_to(keel_migrator *m, int64_t version)
{
    int rc = KEEL_OK;
    for (size_t i = 0; rc == KEEL_OK && i < m->set->count && m->set->items[i].version <= version; i++)
        rc = m->engine->record(m, &m->set->items[i], 0);
    return rc;
}

/*
 * Runs with the history empty, inside the write transaction (SQLite) or
 * under the advisory lock (PostgreSQL): adopts a golang-migrate database, a
 * baseline the caller named, or refuses an untracked schema (keel.h).
 */
int keel_migrate_adopt(keel_migrator *m)
{
    const keel_migration_set *set = m->set;
    bool exists;
    int rc = table_exists(m, "schema_migrations", &exists);
    if (rc != KEEL_OK)
        return rc;
    if (exists) {
        int64_t version = 0, dirty = 0;
        bool found;
        rc = m->engine->query_row(m, "SELECT version, CASE WHEN dirty THEN 1 ELSE 0 END FROM schema_migrations"
                          " ORDER BY version DESC LIMIT 1", NULL, &version, &dirty, &found);
        if (rc != KEEL_OK || !found)
            return rc; /* an empty golang-migrate table: nothing was applied */
        if (dirty)
            return keel_migrate_fail(m, KEEL_MIGRATION_DIRTY,
                        "golang-migrate's schema_migrations says version %" PRId64 " is dirty (it failed half-way); "
                        "repair the schema by hand, run `migrate force <last good version>`, then migrate again",
                        version);
        if (version > 0 && embedded_version(set, version) == NULL)
            return keel_migrate_fail(m, version > (set->count ? set->items[set->count - 1].version : 0) ? KEEL_MIGRATION_TOO_NEW
                                                                                           : KEEL_MIGRATION_MISSING,
                        "golang-migrate's schema_migrations is at version %" PRId64
                        ", which this binary has no migration for", version);
        return record_up_to(m, version);
    }
    if (m->opt->baseline_version > 0) {
        if (embedded_version(set, m->opt->baseline_version) == NULL)
            return keel_migrate_fail(m, KEEL_MISUSE, "baseline_version %" PRId64 " is not one of this binary's migrations",
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
    return keel_migrate_fail(m, KEEL_MIGRATION_UNTRACKED,
                "the tables of %s (%s%s) already exist but keel_migrations has no history: the schema was made "
                "another way. If it matches migration N, call keel_migrate_with() once with "
                "baseline_version = N to record 1..N as applied without running them",
                set->items[0].name, names[0], n > 1 ? ", ..." : "");
}

void keel_migrate_starting(keel_migrator *m, const keel_migration *e)
{
    if (m->opt->starting != NULL)
        m->opt->starting(m->opt->progress_ctx, e->version, e->name);
}

void keel_migrate_progress(keel_migrator *m, const keel_migration *e, int64_t ms)
{
    if (m->opt->progress != NULL)
        m->opt->progress(m->opt->progress_ctx, e->version, e->name, ms);
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
    keel_migrator m = {
        .db = db,
        .repo = schema->name ? schema->name : "(unnamed)",
        .set = db->dialect == KEEL_DIALECT_POSTGRES ? &schema->postgres : &schema->sqlite,
        .opt = opt ? opt : &defaults,
        .engine = db->engine->migrations,
    };
    int rc = check_embedded_order(&m);
    if (rc != KEEL_OK)
        return rc;
    rc = keel_conn_acquire(db, "keel_migrate", KEEL_ACQUIRE_WRITE, &m.conn);
    if (rc == KEEL_OK && m.conn->engine->settle != NULL)
        m.conn->engine->settle(m.conn); /* called from a callback streaming on this connection */
    if (rc != KEEL_OK)
        return rc;
    rc = m.engine->run(&m);
    keel_conn_release(db, m.conn);
    return rc;
}

int keel_migrate(keel_db *db, const keel_schema *schema)
{
    return keel_migrate_with(db, schema, NULL);
}

