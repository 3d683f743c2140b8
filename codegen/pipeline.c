/*
 * The generator's pipeline, one direction: read files -> tokenize -> parse
 * -> catalog -> analyze -> engine checks -> parity -> emit. main.c and the
 * fuzz targets drive it through pipeline_run().
 */
#include "pipeline.h"

#include <stdio.h>
#include <string.h>

#include "analyze.h"
#include "common.h"
#include "emit.h"
#include "engine.h"
#include "parity.h"
#include "source.h"
#include "sqlparse.h"

/* The API as analysis sees it, one line per parameter and column: what
 * the generator tests compare, and a quick way for users to check what
 * keel inferred without reading generated C. */
/* A common query's SQL as each dialect receives it, one line per source
 * line: what the override rule and placeholder renumbering produced. */
static void describe_common_sql(Arena *arena, FILE *f, const ApiQuery *aq)
{
    for (int d = 0; d < DIALECT_COUNT; d++) {
        const Query *q = aq->impl[d];
        if (!q)
            continue;
        fprintf(f, "  sql %s%s\n", dialect_name((Dialect)d), q->common ? "" : " (override)");
        const char *sql = emit_dialect_sql(arena, aq, q);
        for (const char *line = sql; *line;) {
            const char *nl = strchr(line, '\n');
            int n = nl ? (int)(nl - line) : (int)strlen(line);
            fprintf(f, "    %.*s\n", n, line);
            line += n + (nl ? 1 : 0);
        }
    }
}

static void describe_api(Arena *arena, FILE *f, PtrList *api)
{
    for (int i = 0; i < api->n; i++) {
        const ApiQuery *aq = api->items[i];
        fprintf(f, "%s %s\n", aq->name, query_cmd_name(aq->cmd));
        for (int k = 0; k < aq->params->n; k++) {
            const ApiParam *p = aq->params->items[k];
            fprintf(f, "  param %s %s%s%s\n", p->name, ctype_name(p->ctype), p->list ? "[]" : "",
                    p->nullable ? " null" : "");
        }
        for (int k = 0; k < aq->columns->n; k++) {
            const ApiColumn *c = aq->columns->items[k];
            const ApiColumn *prev = k > 0 ? aq->columns->items[k - 1] : NULL;
            if (c->embed_field && (!prev || prev->embed_field != c->embed_field))
                fprintf(f, "  embed %s %s%s\n", c->embed_field, c->embed_table, c->embed_nullable ? " null" : "");
            fprintf(f, "  column %s %s%s%s\n", c->name, ctype_name(c->ctype), c->list ? "[]" : "",
                    c->nullable ? " null" : "");
        }
        bool common = false;
        for (int d = 0; d < DIALECT_COUNT; d++)
            common |= aq->impl[d] && aq->impl[d]->common;
        if (common)
            describe_common_sql(arena, f, aq);
    }
}

static const char *base_name(const char *path, char *buf, size_t size)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    const char *end = path + n;
    const char *b = end;
    while (b > path && b[-1] != '/')
        b--;
    snprintf(buf, size, "%.*s", (int)(end - b), b);
    return buf;
}

static void set_display(Arena *arena, PtrList *files_owner_queries, PtrList *migrations, const char *root,
                        const char *dialect)
{
    char buf[256];
    char *prefix = arena_printf(arena, "%s/%s/", base_name(root, buf, sizeof buf), dialect);
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

/* Reads schema_root/<dialect> and query_root/<dialect>; a dialect with
 * neither folder is absent. */
static bool read_dialect_dirs(Arena *arena, DialectRepo *r, const char *schema_root, const char *query_root,
                              const CommonSources *common)
{
    if (!schema_root || !query_root)
        return true;
    const char *dn = dialect_name(r->dialect);
    char *schema_dir = arena_printf(arena, "%s/%s", schema_root, dn);
    char *query_dir = arena_printf(arena, "%s/%s", query_root, dn);
    bool has_schema = dir_exists(schema_dir), has_queries = dir_exists(query_dir);
    /* common SQL is every dialect's: its folders alone make both present */
    r->present = has_schema || has_queries || common->present;
    if (!r->present)
        return true;
    if (!has_schema && !common->present) {
        diag_error((SrcPos){0}, "%s exists but %s does not: a dialect needs its migrations", query_dir, schema_dir);
        return false;
    }
    bool ok = has_schema ? source_load_migrations(arena, r, schema_dir) : true;
    if (has_queries)
        ok = source_load_queries(arena, r, query_dir) && ok;
    set_display(arena, r->queries, r->migrations, schema_root, dn);
    char buf[256];
    for (int i = 0; i < r->queries->n; i++) {
        Query *q = r->queries->items[i];
        const char *slash = strrchr(q->file->path, '/');
        ((SrcFile *)q->file)->display =
            arena_printf(arena, "%s/%s/%s", base_name(query_root, buf, sizeof buf), dn,
                         slash ? slash + 1 : q->file->path);
    }
    return ok;
}

/* The name generated comments give a file read from `path`: folder/file
 * for a folder's files, the file's own name for a file named alone, so
 * the output never depends on where the repository sits. */
static char *named_display(Arena *arena, const char *path, const SrcFile *file)
{
    const char *slash = strrchr(file->path, '/');
    const char *leaf = slash ? slash + 1 : file->path;
    if (!dir_exists(path))
        return arena_strdup(arena, leaf);
    char buf[256];
    return arena_printf(arena, "%s/%s", base_name(path, buf, sizeof buf), leaf);
}

/* Reads a dialect whose sources are named path by path (sqlc's
 * configuration), read as sqlc reads them (source_add_schema_path): a
 * migration file without a version in its name takes its place in the
 * list as version. */
static bool read_dialect_sources(Arena *arena, DialectRepo *r, const PipelineSources *s)
{
    r->present = true;
    bool ok = true;
    long long place = 0;
    for (const char *const *path = s->schema; *path; path++) {
        int before = r->migrations->n;
        ok = source_add_schema_path(arena, r, *path, &place, s->queries) && ok;
        for (int i = before; i < r->migrations->n; i++) {
            Migration *m = r->migrations->items[i];
            ((SrcFile *)m->file)->display = named_display(arena, *path, m->file);
        }
    }
    ok = source_sort_migrations(r) && ok;
    for (const char *const *path = s->queries; path && *path; path++) {
        int before = r->queries->n;
        ok = source_load_query_path(arena, r, *path, s->schema) && ok;
        for (int i = before; i < r->queries->n; i++) {
            Query *q = r->queries->items[i];
            ((SrcFile *)q->file)->display = named_display(arena, *path, q->file);
        }
    }
    return ok;
}

static bool check_dialect(Arena *arena, DialectRepo *r, Dialect d, const PipelineOptions *opt);

static bool read_dialect(Arena *arena, DialectRepo *r, Dialect d, const PipelineOptions *opt,
                         const CommonSources *common)
{
    r->dialect = d;
    r->migrations = ptrlist_new(arena);
    r->queries = ptrlist_new(arena);
    r->catalog = catalog_new(arena, d);
    return opt->sources[d].schema ? read_dialect_sources(arena, r, &opt->sources[d])
                                  : read_dialect_dirs(arena, r, opt->schema_dir, opt->queries_dir, common);
}

/* After every dialect's own folders were read: overrides are known. */
static bool load_dialect(Arena *arena, DialectRepo *repos, Dialect d, const PipelineOptions *opt,
                         const CommonSources *common)
{
    DialectRepo *r = &repos[d];
    if (!r->present)
        return true;
    /* a common item a known trap rules out is left out: the rest is
     * still checked, but the dialect has failed */
    bool schema_ok = true, ok = true;
    bool merged = common_merge(arena, common, repos, d, &schema_ok);
    if (!schema_ok) /* its catalog would be wrong: nothing more to learn */
        return false;
    common_begin_dialect(common, d);
    ok = check_dialect(arena, r, d, opt) && merged;
    common_end_dialect();
    return ok;
}

static bool check_dialect(Arena *arena, DialectRepo *r, Dialect d, const PipelineOptions *opt)
{
    bool ok = true;
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
    ok = catalog_finish(r->catalog) && ok;
    if (!ok)
        return false;
    for (int i = 0; i < r->queries->n; i++) {
        Query *q = r->queries->items[i];
        if (!analyze_query(arena, r->catalog, q)) {
            ok = false;
            continue;
        }
        /* CREATE TEMP TABLE: the queries after it, in file order as sqlc
         * reads them, may use the table. One of a migration's name is that
         * table, shadowed on the connection that creates it. */
        if (q->stmt->kind == STMT_CREATE_TABLE) {
            const CreateTable *ct = q->stmt->u.create_table;
            if (!catalog_find_table(r->catalog, table_key(arena, d, &ct->schema, &ct->name)))
                ok = catalog_apply(r->catalog, q->stmt) && ok;
        }
    }
    if (ok && d == DIALECT_SQLITE)
        ok = engine_check_sqlite(arena, r);
    if (ok && d == DIALECT_POSTGRES && opt->postgres_dsn && *opt->postgres_dsn)
        ok = engine_check_postgres(arena, r, opt->postgres_dsn);
    return ok;
}

/* With common SQL, a version not in common/ must be in both dialects'
 * folders: the two schemas cannot drift apart unnoticed. */
static bool check_dialect_only_versions(const DialectRepo repos[DIALECT_COUNT])
{
    bool ok = true;
    for (int d = 0; d < DIALECT_COUNT; d++) {
        const DialectRepo *r = &repos[d], *o = &repos[1 - d];
        for (int i = 0; i < r->migrations->n; i++) {
            const Migration *m = r->migrations->items[i];
            bool found = m->common;
            for (int k = 0; k < o->migrations->n && !found; k++)
                found = ((Migration *)o->migrations->items[k])->version == m->version;
            if (!found) {
                diag_error((SrcPos){m->file, 1, 1},
                           "migration version %lld is in schema/%s/ but not in schema/%s/: next to schema/common/, "
                           "a version lives either in common/ or in both dialect folders",
                           m->version, dialect_name(r->dialect), dialect_name(o->dialect));
                ok = false;
            }
        }
    }
    return ok;
}

static bool load_all(Arena *arena, DialectRepo *repos, const PipelineOptions *opt)
{
    CommonSources common;
    bool ok = true;
    if (!opt->sources[DIALECT_SQLITE].schema && !opt->sources[DIALECT_POSTGRES].schema)
        ok = common_load(arena, &common, opt->schema_dir, opt->queries_dir);
    else
        ok = common_load(arena, &common, NULL, NULL);
    if (!ok)
        return false;
    bool read_ok[DIALECT_COUNT];
    for (int d = 0; d < DIALECT_COUNT; d++)
        ok = (read_ok[d] = read_dialect(arena, &repos[d], (Dialect)d, opt, &common)) && ok;
    for (int d = 0; d < DIALECT_COUNT; d++)
        if (read_ok[d])
            ok = load_dialect(arena, repos, (Dialect)d, opt, &common) && ok;
    if (ok && common.present)
        ok = check_dialect_only_versions(repos);
    return ok;
}

int pipeline_run(const PipelineOptions *opt)
{
    Arena *arena = arena_new();
    DialectRepo repos[DIALECT_COUNT];
    memset(repos, 0, sizeof repos);
    bool ok = load_all(arena, repos, opt);
    if (ok && !repos[DIALECT_SQLITE].present && !repos[DIALECT_POSTGRES].present) {
        if (opt->schema_dir)
            diag_error((SrcPos){0}, "no dialect found: expected %s/sqlite or %s/postgres", opt->schema_dir,
                       opt->schema_dir);
        else
            diag_error((SrcPos){0}, "no dialect: neither a schema folder nor any dialect's sources");
        ok = false;
    }
    PtrList *api = ptrlist_new(arena);
    if (ok)
        ok = parity_build(arena, repos, api);
    if (ok)
        ok = emit_check_names(arena, opt->name, api);
    if (ok && opt->out_dir)
        ok = emit_repository(arena, opt->name, repos, api, opt->out_dir);
    if (ok && opt->describe)
        describe_api(arena, opt->describe, api);
    arena_destroy(arena);
    return ok && diag_error_count() == 0 ? 0 : 1;
}

Arena *pipeline_load(const PipelineOptions *opt, DialectRepo *repos)
{
    Arena *arena = arena_new();
    memset(repos, 0, sizeof(DialectRepo) * DIALECT_COUNT);
    bool ok = load_all(arena, repos, opt);
    if (ok && !repos[DIALECT_SQLITE].present && !repos[DIALECT_POSTGRES].present) {
        diag_error((SrcPos){0}, "no dialect found: expected %s/sqlite or %s/postgres", opt->schema_dir,
                   opt->schema_dir);
        ok = false;
    }
    if (!ok || diag_error_count() > 0) {
        arena_destroy(arena);
        return NULL;
    }
    return arena;
}
