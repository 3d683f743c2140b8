/*
 * keel migrate / keel status: the repository's migrations against a live
 * database, with the runtime's own semantics. migrate is keel_migrate_with
 * on a keel_schema built from the migration files (the same SQL and
 * checksums the generated code embeds); status reads the runtime's
 * keel_migrations table and compares it with the files.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"

const char cli_migrate_help[] =
    "Applies the repository's migrations for DSN's engine (schema/sqlite or\n"
    "schema/postgres, with schema/common) that its database has not applied yet, with\n"
    "the runtime's checksums, locks and adoption: one line per migration applied.\n"
    "  --dsn DSN           a SQLite file (created when missing), or a PostgreSQL URL\n"
    "                      or key=value string (required)\n"
    "  --baseline VERSION  record migrations 1..VERSION as applied without running\n"
    "                      them (adopting a database made by hand)\n";

const char cli_status_help[] =
    "Lists each migration as applied, pending, changed (edited after it was applied)\n"
    "or missing (applied, but no longer a file). Exit status 1 when any is changed or\n"
    "missing, or a pending one is older than an applied one.\n"
    "  --dsn DSN           the database: a SQLite file (it must exist), or a\n"
    "                      PostgreSQL URL or key=value string (required)\n";

static void print_applied(void *ctx, int64_t version, const char *name, int64_t duration_ms)
{
    (void)version;
    int *count = ctx;
    (*count)++;
    printf("applied %s (%" PRId64 " ms)\n", name, duration_ms);
    fflush(stdout);
}

int cli_migrate(const CliRepo *repo, int argc, char **argv)
{
    const char *dsn = NULL, *baseline = NULL;
    const CliFlag flags[] = {{"--dsn", &dsn, CLI_DSN_REQUIRED}, {"--baseline", &baseline, NULL}};
    int status = cli_parse_flags(argc, argv, flags, 2);
    if (status != 0)
        return status;
    int64_t baseline_version = 0;
    if (baseline && !cli_parse_version("migrate", "--baseline", baseline, &baseline_version))
        return 2;
    keel_db *db = cli_open("migrate", dsn, false);
    if (!db)
        return 1;
    Arena *arena = arena_new();
    CliMigrations ms;
    if (!cli_load_migrations(arena, repo, keel_db_dialect(db), &ms)) {
        keel_close(db);
        arena_destroy(arena);
        return 1;
    }
    int applied = 0;
    keel_migrate_options opt = {
        .progress = print_applied,
        .progress_ctx = &applied,
        .baseline_version = baseline_version,
    };
    int rc = keel_migrate_with(db, &ms.schema, &opt);
    if (rc != KEEL_OK) {
        status = cli_runtime_error("migrate", db, rc, NULL);
    } else if (applied == 0) {
        fprintf(stderr, "keel migrate: nothing to apply; the database has all %d migrations of %s\n",
                ms.repo.migrations->n, ms.dir);
    } else {
        fprintf(stderr, "keel migrate: applied %d migration%s of %s\n", applied, applied == 1 ? "" : "s", ms.dir);
    }
    keel_close(db);
    arena_destroy(arena);
    return status;
}

/* ------------------------------------------------------------- status */

typedef struct AppliedRow {
    int64_t version;
    char *name;
    char *checksum;
} AppliedRow;

static const keel_query SQLITE_HAS_TABLE = {
    "keel status: keel_migrations exists",
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'keel_migrations'", 0};
static const keel_query PG_HAS_TABLE = {
    "keel status: keel_migrations exists",
    "SELECT CASE WHEN to_regclass('keel_migrations') IS NULL THEN 0 ELSE 1 END", 0};
static const keel_query READ_APPLIED = {
    "keel status: keel_migrations", "SELECT version, name, checksum FROM keel_migrations ORDER BY version", 0};

/* The rows of keel_migrations (none when the table does not exist yet). */
static int read_applied(Arena *arena, keel_db *db, PtrList *out)
{
    keel_stmt *st = NULL;
    bool pg = keel_db_dialect(db) == KEEL_DIALECT_POSTGRES;
    int rc = keel_stmt_open(db, pg ? &PG_HAS_TABLE : &SQLITE_HAS_TABLE, &st);
    if (rc != KEEL_OK)
        return rc;
    rc = keel_stmt_step(st);
    bool exists = rc == KEEL_ROW && keel_column_int64(st, 0) > 0;
    keel_stmt_close(st);
    if (rc != KEEL_ROW)
        return rc;
    if (!exists)
        return KEEL_OK;
    if ((rc = keel_stmt_open(db, &READ_APPLIED, &st)) != KEEL_OK)
        return rc;
    while ((rc = keel_stmt_step(st)) == KEEL_ROW) {
        AppliedRow *r = arena_alloc(arena, sizeof *r);
        r->version = keel_column_int64(st, 0);
        r->name = arena_strdup(arena, keel_column_text(st, 1, NULL));
        r->checksum = arena_strdup(arena, keel_column_text(st, 2, NULL));
        ptrlist_push(arena, out, r);
    }
    keel_stmt_close(st);
    return rc == KEEL_DONE ? KEEL_OK : rc;
}

/* Merges the files and the recorded rows by version (both are sorted). */
static int report_status(const CliMigrations *ms, const PtrList *rows)
{
    const keel_migration_set *set = ms->repo.dialect == DIALECT_POSTGRES ? &ms->schema.postgres : &ms->schema.sqlite;
    const AppliedRow *newest = rows->n ? rows->items[rows->n - 1] : NULL;
    int n_applied = 0, n_pending = 0, n_changed = 0, n_missing = 0, n_late = 0;
    size_t f = 0;
    int r = 0;
    while (f < set->count || r < rows->n) {
        const keel_migration *file = f < set->count ? &set->items[f] : NULL;
        const AppliedRow *row = r < rows->n ? rows->items[r] : NULL;
        if (file && row && file->version == row->version && strcmp(file->name, row->name) == 0) {
            if (strcmp(file->checksum, row->checksum) == 0) {
                printf("applied  %s\n", file->name);
                n_applied++;
            } else {
                printf("changed  %s: edited after it was applied (applied checksum %.12s, file %.12s)\n", file->name,
                       row->checksum, file->checksum);
                n_changed++;
            }
            f++, r++;
        } else if (row && (!file || row->version <= file->version)) {
            printf("missing  %s: applied (version %" PRId64 "), but not in %s\n", row->name, row->version, ms->dir);
            n_missing++;
            r++;
        } else if (file) {
            if (newest && file->version < newest->version) {
                printf("pending  %s: older than the applied %s; keel migrate refuses it\n", file->name, newest->name);
                n_late++;
            } else {
                printf("pending  %s\n", file->name);
            }
            n_pending++;
            f++;
        } else {
            break; /* unreachable: the loop condition holds a file or a row */
        }
    }
    fprintf(stderr, "keel status: %d applied, %d pending, %d changed, %d missing\n", n_applied, n_pending, n_changed,
            n_missing);
    return n_changed || n_missing || n_late ? 1 : 0;
}

int cli_status(const CliRepo *repo, int argc, char **argv)
{
    const char *dsn = NULL;
    const CliFlag flags[] = {{"--dsn", &dsn, CLI_DSN_REQUIRED}};
    int status = cli_parse_flags(argc, argv, flags, 1);
    if (status != 0)
        return status;
    keel_db *db = cli_open("status", dsn, true);
    if (!db)
        return 1;
    Arena *arena = arena_new();
    CliMigrations ms;
    PtrList *rows = ptrlist_new(arena);
    if (!cli_load_migrations(arena, repo, keel_db_dialect(db), &ms)) {
        status = 1;
    } else {
        int rc = read_applied(arena, db, rows);
        status = rc == KEEL_OK ? report_status(&ms, rows)
                               : cli_runtime_error("status", db, rc, "reading keel_migrations");
    }
    keel_close(db);
    arena_destroy(arena);
    return status;
}
