#include "common.h"

#include <string.h>
#include <strings.h>

#include "source.h"
#include "sqlparse.h"
#include "tokenize.h"

static const char *dialect_title(Dialect d) { return d == DIALECT_POSTGRES ? "PostgreSQL" : "SQLite"; }

/*
 * Constructs whose spelling or meaning differs between the engines. A
 * pattern is up to three consecutive significant tokens, compared without
 * case; a pattern ending in '*' matches a token that starts like it (E'..'
 * strings, `backticks`). `rejects` is the dialect that refuses the
 * construct or gives it another meaning; the override hint is added to the
 * message. A warning does not rule the item out.
 */
typedef struct Trap {
    const char *tokens[3];
    Dialect rejects;
    bool warning;
    const char *message;
} Trap;

static const Trap traps[] = {
    {{"datetime", "("}, DIALECT_POSTGRES, false,
     "datetime() is SQLite-only; PostgreSQL has no such function: use CURRENT_TIMESTAMP"},
    {{"julianday", "("}, DIALECT_POSTGRES, false,
     "julianday() is SQLite-only; PostgreSQL has no such function: compute dates in the application"},
    {{"strftime", "("}, DIALECT_POSTGRES, false,
     "strftime() is SQLite-only; PostgreSQL has no such function: format times in the application"},
    {{"unixepoch", "("}, DIALECT_POSTGRES, false,
     "unixepoch() is SQLite-only; PostgreSQL has no such function: pass the time as a parameter"},
    {{"now", "("}, DIALECT_SQLITE, false,
     "now() is PostgreSQL-only; SQLite has no such function: use CURRENT_TIMESTAMP"},
    {{"ifnull", "("}, DIALECT_POSTGRES, false,
     "ifnull() is SQLite-only; PostgreSQL has no such function: use COALESCE, which both have"},
    {{"group_concat", "("}, DIALECT_POSTGRES, false,
     "group_concat() is SQLite-only; PostgreSQL has string_agg() instead: give the dialects their own spelling"},
    {{"string_agg", "("}, DIALECT_SQLITE, false,
     "string_agg() is PostgreSQL-only; SQLite before 3.44 has group_concat() instead"},
    {{"concat", "("}, DIALECT_SQLITE, false,
     "concat() is PostgreSQL-only; SQLite before 3.44 has no such function: use ||, which both have "
     "(NULL makes the whole result NULL in both)"},
    {{"json_extract", "("}, DIALECT_POSTGRES, false,
     "json_extract() is SQLite-only; PostgreSQL uses the -> and ->> operators"},
    {{"->"}, DIALECT_POSTGRES, false,
     "-> means different things: SQLite returns JSON text, PostgreSQL a json value: keep JSON access "
     "per dialect"},
    {{"->>"}, DIALECT_POSTGRES, false,
     "->> means different things: SQLite returns the SQL value, PostgreSQL always text: keep JSON access "
     "per dialect"},
    {{"@>"}, DIALECT_SQLITE, false,
     "@> is PostgreSQL-only; SQLite has no containment operator: keep JSON and array containment per dialect"},
    {{"autoincrement"}, DIALECT_POSTGRES, false,
     "AUTOINCREMENT is SQLite-only; PostgreSQL refuses it: use ids the application makes (uuid TEXT)"},
    {{"serial"}, DIALECT_SQLITE, false,
     "SERIAL is PostgreSQL-only; SQLite takes it as a plain NUMERIC column that never counts: use ids "
     "the application makes (uuid TEXT)"},
    {{"bigserial"}, DIALECT_SQLITE, false,
     "BIGSERIAL is PostgreSQL-only; SQLite takes it as a plain NUMERIC column that never counts: use ids "
     "the application makes (uuid TEXT)"},
    {{"smallserial"}, DIALECT_SQLITE, false,
     "SMALLSERIAL is PostgreSQL-only; SQLite takes it as a plain NUMERIC column that never counts"},
    {{"identity"}, DIALECT_SQLITE, false,
     "identity columns are PostgreSQL-only; SQLite refuses them: use ids the application makes (uuid TEXT)"},
    {{"datetime"}, DIALECT_POSTGRES, false,
     "the type DATETIME is SQLite-only; PostgreSQL has no such type: store RFC 3339 text (TEXT) in both"},
    {{"blob"}, DIALECT_POSTGRES, false, "the type BLOB is SQLite-only; PostgreSQL calls it BYTEA"},
    {{"bytea"}, DIALECT_SQLITE, false,
     "the type BYTEA is PostgreSQL-only; SQLite gives it NUMERIC affinity, not BLOB"},
    {{"jsonb"}, DIALECT_SQLITE, false,
     "the type JSONB is PostgreSQL-only; SQLite gives it NUMERIC affinity: store JSON as TEXT in both"},
    {{"insert", "or", "replace"}, DIALECT_POSTGRES, false,
     "INSERT OR REPLACE is SQLite-only; PostgreSQL refuses it: use INSERT ... ON CONFLICT (...) DO UPDATE, "
     "which both accept"},
    {{"insert", "or", "ignore"}, DIALECT_POSTGRES, false,
     "INSERT OR IGNORE is SQLite-only; PostgreSQL refuses it: use INSERT ... ON CONFLICT DO NOTHING, "
     "which both accept"},
    {{"replace", "into"}, DIALECT_POSTGRES, false,
     "REPLACE INTO is SQLite-only; PostgreSQL refuses it: use INSERT ... ON CONFLICT (...) DO UPDATE, "
     "which both accept"},
    {{"ilike"}, DIALECT_SQLITE, false,
     "ILIKE is PostgreSQL-only; SQLite has no such operator: use lower(x) LIKE lower(y), which both accept"},
    {{"glob"}, DIALECT_POSTGRES, false, "GLOB is SQLite-only; PostgreSQL has no such operator: use LIKE"},
    {{"limit", "-", "1"}, DIALECT_POSTGRES, false,
     "LIMIT -1 (no limit) is SQLite-only; PostgreSQL refuses a negative LIMIT: leave LIMIT out"},
    {{"::"}, DIALECT_SQLITE, false, ":: casts are PostgreSQL-only; SQLite refuses them: use CAST(x AS type)"},
    {{"e'*"}, DIALECT_SQLITE, false,
     "E'...' strings are PostgreSQL-only; SQLite reads E as a name: write a plain '...' string (a "
     "backslash is an ordinary character in both)"},
    {{"`*"}, DIALECT_POSTGRES, false,
     "`backtick` names are SQLite-only; PostgreSQL refuses them: quote names with \"double quotes\""},
    {{"distinct", "on"}, DIALECT_SQLITE, false,
     "DISTINCT ON is PostgreSQL-only; SQLite refuses it: use GROUP BY or a window function"},
    {{"like"}, DIALECT_POSTGRES, true,
     "LIKE ignores ASCII case in SQLite but not in PostgreSQL: compare lower(x) LIKE lower(y) for the "
     "same rows from both"},
};

static bool token_matches(const Token *t, const char *pattern)
{
    size_t n = strlen(pattern);
    if (n > 1 && pattern[n - 1] == '*')
        return (size_t)t->n >= n - 1 && strncasecmp(t->z, pattern, n - 1) == 0;
    /* "quoted" names and 'strings' are never keywords */
    return (size_t)t->n == n && strncasecmp(t->z, pattern, n) == 0;
}

enum { WINDOW = 3 };

/* Reports every trap in [start, end) of f that dialect d rejects (and
 * the warnings, with_warnings); false when one was an error. */
static bool scan_traps(const SrcFile *f, size_t start, size_t end, int line, bool is_query, Dialect d,
                       bool with_warnings)
{
    bool ok = true;
    Token window[WINDOW];
    int have = 0;
    Lexer lx;
    /* what d rejects is the other dialect's syntax: read with its rules
     * (E'' strings and `names` stay one token) */
    lexer_init(&lx, f, start, end, line, 1, d == DIALECT_SQLITE ? DIALECT_POSTGRES : DIALECT_SQLITE);
    diag_quiet_begin();
    Token t;
    int type;
    bool more = true;
    int skip = 0; /* tokens of a match already reported */
    while (more || have > 0) {
        if (more && have < WINDOW) {
            type = lexer_next_significant(&lx, &t);
            if (type == 0)
                more = false;
            else
                window[have++] = t;
            continue;
        }
        for (size_t k = 0; skip == 0 && k < sizeof traps / sizeof traps[0]; k++) {
            const Trap *tr = &traps[k];
            int n = 0;
            while (n < 3 && tr->tokens[n])
                n++;
            if (n > have)
                continue;
            bool match = tr->warning ? with_warnings : tr->rejects == d;
            for (int i = 0; i < n && match; i++)
                match = token_matches(&window[i], tr->tokens[i]);
            if (!match)
                continue;
            diag_quiet_end();
            const char *other = dialect_name(tr->rejects);
            if (tr->warning) {
                diag_warning(window[0].pos, "%s", tr->message);
            } else if (is_query) {
                diag_error(window[0].pos, "%s, or give this query a %s/ override", tr->message, other);
                ok = false;
            } else {
                diag_error(window[0].pos, "%s, or write this migration in schema/sqlite/ and schema/postgres/ "
                           "instead of schema/common/", tr->message);
                ok = false;
            }
            diag_quiet_begin();
            skip = n;
            break;
        }
        if (skip > 0)
            skip--;
        memmove(window, window + 1, sizeof(Token) * (size_t)(WINDOW - 1));
        have--;
    }
    diag_quiet_end();
    return ok;
}

static const char *base_name(Arena *arena, const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && path[b - 1] != '/')
        b--;
    return arena_strndup(arena, path + b, n - b);
}

static const char *leaf(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

bool common_load(Arena *arena, CommonSources *c, const char *schema_root, const char *query_root)
{
    memset(c, 0, sizeof *c);
    c->migrations = ptrlist_new(arena);
    c->queries = ptrlist_new(arena);
    c->files = ptrlist_new(arena);
    if (!schema_root || !query_root)
        return true;
    char *schema_dir = arena_printf(arena, "%s/common", schema_root);
    char *query_dir = arena_printf(arena, "%s/common", query_root);
    bool has_schema = dir_exists(schema_dir), has_queries = dir_exists(query_dir);
    c->present = has_schema || has_queries;
    if (!c->present)
        return true;
    /* a scratch repo: source.c reads into one */
    DialectRepo tmp = {.dialect = DIALECT_SQLITE, .migrations = c->migrations, .queries = c->queries};
    bool ok = true;
    if (has_schema)
        ok = source_load_migrations(arena, &tmp, schema_dir) && ok;
    if (has_queries)
        ok = source_load_queries(arena, &tmp, query_dir) && ok;
    const char *schema_base = base_name(arena, schema_root), *query_base = base_name(arena, query_root);
    for (int i = 0; i < c->migrations->n; i++) {
        Migration *m = c->migrations->items[i];
        m->common = true;
        ((SrcFile *)m->file)->display = arena_printf(arena, "%s/common/%s", schema_base, m->name);
        ptrlist_push(arena, c->files, (void *)m->file);
    }
    for (int i = 0; i < c->queries->n; i++) {
        Query *q = c->queries->items[i];
        q->common = true;
        ((SrcFile *)q->file)->display = arena_printf(arena, "%s/common/%s", query_base, leaf(q->file->path));
        bool known = false;
        for (int k = 0; k < c->files->n; k++)
            known |= c->files->items[k] == q->file;
        if (!known)
            ptrlist_push(arena, c->files, (void *)q->file);
    }
    return ok;
}

static Query *find_own_query(PtrList *queries, const char *name)
{
    for (int i = 0; i < queries->n; i++) {
        Query *q = queries->items[i];
        if (strcmp(q->name, name) == 0)
            return q;
    }
    return NULL;
}

bool common_merge(Arena *arena, const CommonSources *c, DialectRepo *repos, Dialect d, bool *schema_ok)
{
    if (!c->present)
        return true;
    bool ok = true;
    DialectRepo *r = &repos[d];
    for (int i = 0; i < c->migrations->n; i++) {
        const Migration *cm = c->migrations->items[i];
        bool clash = false;
        for (int k = 0; k < r->migrations->n; k++) {
            const Migration *m = r->migrations->items[k];
            if (m->version != cm->version || m->common)
                continue;
            diag_error((SrcPos){m->file, 1, 1},
                       "migration version %lld is both in schema/common/ and in schema/%s/: a version lives "
                       "either in common/ or in both dialect folders, never both",
                       m->version, dialect_name(d));
            diag_note((SrcPos){cm->file, 1, 1}, "the common migration with version %lld", cm->version);
            clash = true;
        }
        if (clash || !scan_traps(cm->file, cm->up_start, cm->up_end, cm->up_line, false, d, false)) {
            ok = *schema_ok = false;
            continue;
        }
        Migration *copy = arena_alloc(arena, sizeof *copy);
        *copy = *cm;
        copy->stmts = NULL;
        ptrlist_push(arena, r->migrations, copy);
    }
    ok = source_sort_migrations(r) && ok;
    /* common queries first, in their order, each replaced by the dialect's
     * override where there is one: both dialects list the API alike */
    PtrList *merged = ptrlist_new(arena);
    for (int i = 0; i < c->queries->n; i++) {
        const Query *cq = c->queries->items[i];
        Query *own = find_own_query(r->queries, cq->name);
        if (own) {
            ptrlist_push(arena, merged, own);
            continue;
        }
        /* the warnings concern the same SQL on both engines: said once */
        bool both = d == DIALECT_SQLITE && !find_own_query(repos[DIALECT_POSTGRES].queries, cq->name);
        if (!scan_traps(cq->file, cq->sql_start, cq->sql_end, cq->sql_pos.line, true, d, both)) {
            ok = false;
            continue;
        }
        Query *copy = arena_alloc(arena, sizeof *copy);
        *copy = *cq;
        copy->dialect = d;
        ptrlist_push(arena, merged, copy);
    }
    for (int i = 0; i < r->queries->n; i++) {
        Query *q = r->queries->items[i];
        if (!find_own_query(c->queries, q->name))
            ptrlist_push(arena, merged, q);
    }
    r->queries = merged;
    return ok;
}

static const CommonSources *hook_sources;
static Dialect hook_dialect;

static void note_rejecting_dialect(SrcPos pos)
{
    if (!hook_sources || !pos.file)
        return;
    bool common = false;
    for (int i = 0; i < hook_sources->files->n && !common; i++)
        common = hook_sources->files->items[i] == pos.file;
    if (!common)
        return;
    bool migration = false;
    for (int i = 0; i < hook_sources->migrations->n && !migration; i++)
        migration = ((Migration *)hook_sources->migrations->items[i])->file == pos.file;
    const char *title = dialect_title(hook_dialect), *name = dialect_name(hook_dialect);
    if (migration)
        diag_note(pos, "this is common SQL and %s rejects it: write it portably, or write this migration in "
                  "schema/sqlite/ and schema/postgres/ instead of schema/common/", title);
    else
        diag_note(pos, "this is common SQL and %s rejects it: write it portably, or give this query a %s/ "
                  "override", title, name);
}

void common_begin_dialect(const CommonSources *c, Dialect d)
{
    hook_sources = c->present ? c : NULL;
    hook_dialect = d;
    diag_set_error_hook(hook_sources ? note_rejecting_dialect : NULL);
}

void common_end_dialect(void)
{
    hook_sources = NULL;
    diag_set_error_hook(NULL);
}
