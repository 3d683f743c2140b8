#include "cli_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "source.h"

/* A usage problem of a database verb: exit status 2. */
static int flag_error(const char *verb, const char *fmt, const char *arg)
{
    fprintf(stderr, "keel %s: ", verb);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n`keel %s --help` lists the options.\n", verb);
    return 2;
}

int cli_parse_flags(int argc, char **argv, const CliFlag *flags, int n_flags)
{
    for (int i = 1; i < argc; i++) {
        const CliFlag *f = NULL;
        for (int k = 0; k < n_flags; k++)
            if (strcmp(argv[i], flags[k].name) == 0)
                f = &flags[k];
        if (!f)
            return flag_error(argv[0], argv[i][0] == '-' ? "unknown option \"%s\"" : "unexpected argument \"%s\"",
                              argv[i]);
        if (i + 1 >= argc)
            return flag_error(argv[0], "%s needs a value", argv[i]);
        *f->value = argv[++i];
    }
    for (int k = 0; k < n_flags; k++)
        if (flags[k].required && (!*flags[k].value || !**flags[k].value))
            return flag_error(argv[0], "%s", flags[k].required);
    return 0;
}

bool cli_parse_version(const char *verb, const char *flag, const char *text, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != 0 || v < 0) {
        fprintf(stderr, "keel %s: %s wants a migration version (a number), not \"%s\"\n", verb, flag, text);
        return false;
    }
    *out = v;
    return true;
}

Dialect cli_dialect(keel_dialect d)
{
    return d == KEEL_DIALECT_POSTGRES ? DIALECT_POSTGRES : DIALECT_SQLITE;
}

bool cli_load_migrations(Arena *arena, const CliRepo *repo, keel_dialect dialect, CliMigrations *out)
{
    memset(out, 0, sizeof *out);
    Dialect d = cli_dialect(dialect);
    out->dir = arena_printf(arena, "%s/%s", repo->schema_dir, dialect_name(d));
    out->repo.dialect = d;
    out->repo.migrations = ptrlist_new(arena);
    out->repo.queries = ptrlist_new(arena);
    out->schema.name = repo->name;
    /* schema/common/ migrations are every dialect's too */
    const char *common = arena_printf(arena, "%s/common", repo->schema_dir);
    bool has_own = dir_exists(out->dir), has_common = dir_exists(common);
    if (!has_own && !has_common) {
        diag_error((SrcPos){0}, "the repository has no %s migrations: %s is not a directory", dialect_name(d),
                   out->dir);
        return false;
    }
    if (has_own && !source_add_migrations(arena, &out->repo, out->dir))
        return false;
    if (has_common && !source_add_migrations(arena, &out->repo, common))
        return false;
    if (!source_sort_migrations(&out->repo))
        return false;
    int n = out->repo.migrations->n;
    keel_migration *items = arena_alloc(arena, sizeof *items * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        const Migration *m = out->repo.migrations->items[i];
        items[i] = (keel_migration){
            .version = m->version,
            .name = m->name,
            .sql = emit_migration_sql(arena, m),
            .checksum = emit_migration_checksum(arena, m),
        };
    }
    keel_migration_set *set = d == DIALECT_POSTGRES ? &out->schema.postgres : &out->schema.sqlite;
    set->items = items;
    set->count = (size_t)n;
    return true;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A SQLite file path rather than a PostgreSQL DSN, ":memory:" or a URI
 * (keel_open decides those; libpq's key=value strings contain '='). */
static bool is_plain_path(const char *dsn)
{
    return !starts_with(dsn, "postgres://") && !starts_with(dsn, "postgresql://") && !starts_with(dsn, "file:") &&
           strcmp(dsn, ":memory:") != 0 && strchr(dsn, '=') == NULL;
}

keel_db *cli_open(const char *verb, const char *dsn, bool must_exist)
{
    if (must_exist && is_plain_path(dsn) && access(dsn, F_OK) != 0) {
        fprintf(stderr, "keel %s: cannot open the database: %s: %s\n", verb, dsn, strerror(errno));
        return NULL;
    }
    keel_db *db = NULL;
    int rc = keel_open(&db, dsn, &(keel_options){.pool_size = 1});
    if (rc != KEEL_OK) {
        fprintf(stderr, "keel %s: cannot open the database (%s): %s\n", verb, keel_code_name(rc), keel_errmsg(db));
        keel_close(db);
        return NULL;
    }
    return db;
}

int cli_runtime_error(const char *verb, keel_db *db, int rc, const char *what)
{
    fprintf(stderr, "keel %s: %s%s%s: %s\n", verb, what ? what : "", what ? ": " : "", keel_code_name(rc),
            keel_errmsg(db));
    return 1;
}
