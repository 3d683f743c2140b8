/*
 * keel — the generator's command line.
 *
 *   keel generate --name diun --schema schema --queries queries --out generated
 *   keel check    --name diun --schema schema --queries queries
 *   keel describe --name diun --schema schema --queries queries
 *
 * --postgres DSN (or KEEL_POSTGRES_DSN) also checks the PostgreSQL dialect
 * against a real server: a scratch database is created and dropped.
 *
 * Reads schema/<dialect>/ migrations and queries/<dialect>/ query files for
 * each dialect present (sqlite, postgres), and runs the pipeline:
 * parse -> catalog -> analyze -> engine check -> parity -> emit. Any error
 * exits with status 1 and writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "engine.h"
#include "emit.h"
#include "parity.h"
#include "source.h"
#include "sqlparse.h"

static void usage(FILE *f)
{
    fputs("usage: keel generate --name NAME --schema DIR --queries DIR --out DIR\n"
          "       keel check    --name NAME --schema DIR --queries DIR\n"
          "       keel describe --name NAME --schema DIR --queries DIR\n"
          "       (any command) --postgres DSN   also verify against a PostgreSQL server\n"
          "\n"
          "DIR/sqlite and DIR/postgres hold each dialect's migrations (NNNN_name.sql)\n"
          "and annotated queries (-- name: QueryName :one|:many|:exec|:execrows|:execlastid).\n",
          f);
}

/* The API as analysis sees it, one line per parameter and column: what
 * the generator tests compare, and a quick way for users to check what
 * keel inferred without reading generated C. */
static void describe_api(FILE *f, PtrList *api)
{
    for (int i = 0; i < api->n; i++) {
        const ApiQuery *aq = api->items[i];
        fprintf(f, "%s %s\n", aq->name, query_cmd_name(aq->cmd));
        for (int k = 0; k < aq->params->n; k++) {
            const ApiParam *p = aq->params->items[k];
            fprintf(f, "  param %s %s%s\n", p->name, ctype_name(p->ctype), p->nullable ? " null" : "");
        }
        for (int k = 0; k < aq->columns->n; k++) {
            const ApiColumn *c = aq->columns->items[k];
            fprintf(f, "  column %s %s%s\n", c->name, ctype_name(c->ctype), c->nullable ? " null" : "");
        }
    }
}

static bool valid_repo_name(const char *s)
{
    if (!*s || !((*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static const char *base_name(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    const char *end = path + n;
    const char *b = end;
    while (b > path && b[-1] != '/')
        b--;
    static char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)(end - b), b);
    return buf;
}

static void set_display(Arena *arena, PtrList *files_owner_queries, PtrList *migrations, const char *root,
                        const char *dialect)
{
    char *prefix = arena_printf(arena, "%s/%s/", base_name(root), dialect);
    for (int i = 0; i < PTRLIST_LEN(migrations); i++) {
        Migration *m = migrations->items[i];
        ((SrcFile *)m->file)->display = arena_printf(arena, "%s%s", prefix, m->name);
    }
    for (int i = 0; i < PTRLIST_LEN(files_owner_queries); i++) {
        Query *q = files_owner_queries->items[i];
        const char *slash = strrchr(q->file->path, '/');
        ((SrcFile *)q->file)->display = arena_printf(arena, "%s%s", prefix, slash ? slash + 1 : q->file->path);
    }
}

static bool load_dialect(Arena *arena, DialectRepo *r, Dialect d, const char *schema_root, const char *query_root,
                         const char *pg_dsn)
{
    const char *dn = dialect_name(d);
    char *schema_dir = arena_printf(arena, "%s/%s", schema_root, dn);
    char *query_dir = arena_printf(arena, "%s/%s", query_root, dn);
    r->dialect = d;
    r->migrations = ptrlist_new(arena);
    r->queries = ptrlist_new(arena);
    r->catalog = catalog_new(arena, d);
    bool has_schema = dir_exists(schema_dir), has_queries = dir_exists(query_dir);
    r->present = has_schema || has_queries;
    if (!r->present)
        return true;
    if (!has_schema) {
        diag_error((SrcPos){0}, "%s exists but %s does not: a dialect needs its migrations", query_dir, schema_dir);
        return false;
    }
    bool ok = source_load_migrations(arena, r, schema_dir);
    if (has_queries)
        ok = source_load_queries(arena, r, query_dir) && ok;
    set_display(arena, r->queries, r->migrations, schema_root, dn);
    for (int i = 0; i < r->queries->n; i++) {
        Query *q = r->queries->items[i];
        const char *slash = strrchr(q->file->path, '/');
        ((SrcFile *)q->file)->display =
            arena_printf(arena, "%s/%s/%s", base_name(query_root), dn, slash ? slash + 1 : q->file->path);
    }
    if (!ok)
        return false;
    /* catalog: replay every migration in order */
    for (int i = 0; i < r->migrations->n; i++) {
        Migration *m = r->migrations->items[i];
        m->stmts = ptrlist_new(arena);
        if (!parse_sql(arena, m->file, m->up_start, m->up_end, m->up_line, 1, d, PARSE_MIGRATION, m->stmts)) {
            ok = false;
            continue;
        }
        for (int k = 0; k < m->stmts->n; k++)
            ok = catalog_apply(r->catalog, m->stmts->items[k]) && ok;
    }
    if (!ok)
        return false;
    for (int i = 0; i < r->queries->n; i++)
        ok = analyze_query(arena, r->catalog, r->queries->items[i]) && ok;
    if (ok && d == DIALECT_SQLITE)
        ok = engine_check_sqlite(arena, r);
    if (ok && d == DIALECT_POSTGRES && pg_dsn && *pg_dsn)
        ok = engine_check_postgres(arena, r, pg_dsn);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    bool generate = strcmp(argv[1], "generate") == 0;
    bool describe = strcmp(argv[1], "describe") == 0;
    if (!generate && !describe && strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "keel: unknown command \"%s\"\n", argv[1]);
        usage(stderr);
        return 2;
    }
    const char *name = NULL, *schema = NULL, *queries = NULL, *out = NULL;
    const char *pg_dsn = getenv("KEEL_POSTGRES_DSN");
    for (int i = 2; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--name") == 0      ? &name
                            : strcmp(argv[i], "--schema") == 0  ? &schema
                            : strcmp(argv[i], "--queries") == 0 ? &queries
                            : strcmp(argv[i], "--out") == 0     ? &out
                            : strcmp(argv[i], "--postgres") == 0 ? &pg_dsn
                                                                : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "keel: %s \"%s\"\n", slot ? "missing value for" : "unknown option", argv[i]);
            usage(stderr);
            return 2;
        }
        *slot = argv[++i];
    }
    if (!name || !schema || !queries || (generate && !out)) {
        usage(stderr);
        return 2;
    }
    if (!valid_repo_name(name)) {
        fprintf(stderr, "keel: repository name \"%s\" must be a lower-case C identifier\n", name);
        return 2;
    }
    Arena *arena = arena_new();
    DialectRepo repos[DIALECT_COUNT];
    memset(repos, 0, sizeof repos);
    bool ok = true;
    for (int d = 0; d < DIALECT_COUNT; d++)
        ok = load_dialect(arena, &repos[d], (Dialect)d, schema, queries, pg_dsn) && ok;
    if (ok && !repos[DIALECT_SQLITE].present && !repos[DIALECT_POSTGRES].present) {
        diag_error((SrcPos){0}, "no dialect found: expected %s/sqlite or %s/postgres", schema, schema);
        ok = false;
    }
    PtrList *api = ptrlist_new(arena);
    if (ok)
        ok = parity_build(arena, repos, api);
    if (ok && generate)
        ok = emit_repository(arena, name, repos, api, out);
    if (ok && describe)
        describe_api(stdout, api);
    int errors = diag_error_count();
    arena_destroy(arena);
    if (!ok || errors) {
        if (errors)
            fprintf(stderr, "keel: %d error%s; nothing written\n", errors, errors == 1 ? "" : "s");
        return 1;
    }
    return 0;
}
