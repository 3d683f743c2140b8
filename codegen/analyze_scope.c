/*
 * Scopes and names: FROM sources (tables, views, CTEs, subqueries), their
 * columns, and resolving a column reference to one of them.
 */
#include "analyze_internal.h"

#include <string.h>

#include "parse.h"
#include "pg_types.h"

#include "sqlparse.h"
#include "tokenize.h"

/* ---------------------------------------------------------------- scopes */

Scope *scope_new(Analyzer *an, Scope *parent)
{
    Scope *s = arena_alloc(an->arena, sizeof *s);
    s->parent = parent;
    s->sources = ptrlist_new(an->arena);
    return s;
}

static const Table *find_cte(const Scope *sc, const char *name)
{
    for (; sc; sc = sc->parent)
        for (int i = 0; i < PTRLIST_LEN(sc->ctes); i++) {
            const Table *t = sc->ctes->items[i];
            if (strcmp(t->name, name) == 0)
                return t;
        }
    return NULL;
}

PtrList *columns_from_outcols(Analyzer *an, PtrList *outs)
{
    PtrList *cols = ptrlist_new(an->arena);
    for (int i = 0; i < PTRLIST_LEN(outs); i++) {
        OutColumn *o = outs->items[i];
        Column *c = arena_alloc(an->arena, sizeof *c);
        /* the engine's name, which outer queries refer to: "default", not
         * its C form "default_" */
        c->name = (char *)(o->sql_name ? o->sql_name : o->name);
        c->ctype = o->ctype;
        c->not_null = !o->nullable;
        c->decl_type = o->origin ? o->origin->decl_type : arena_strdup(an->arena, o->sqltype ? o->sqltype : "");
        c->array_dims = o->list ? 1 : 0;
        c->sqltype = o->sqltype;
        c->pos = o->pos;
        ptrlist_push(an->arena, cols, c);
    }
    return cols;
}

/* Resolves a table name (CTE, view or table) to its columns. */
static PtrList *table_columns(Analyzer *an, Scope *sc, const Token *schema, const Token *name_tok, char **table_name,
                              bool *has_rowid, PtrList **invisible)
{
    char *name = table_key(an->arena, an->cat->dialect, schema, name_tok);
    *table_name = name;
    *has_rowid = false;
    *invisible = NULL;
    const Table *t = TOKEN_SET(*schema) ? NULL : find_cte(sc, name);
    if (t && !t->columns)
        error_at(an, name_tok->pos, "WITH query \"%s\" has no RETURNING clause to read rows from", name);
    if (t)
        return t->columns;
    t = catalog_find_relation(an->cat, name);
    if (!t) {
        const char *module = catalog_virtual_module(an->cat, name);
        if (module)
            error_at(an, name_tok->pos,
                     "\"%s\" is a virtual table of module %s, whose columns keel does not know "
                     "(it knows fts3, fts4, fts5, fts5vocab, rtree and rtree_i32)",
                     name, module);
        else
            error_at(an, name_tok->pos, "no table \"%s\"", name);
        return NULL;
    }
    if (t->view) {
        /* Views are typed on first use; the analysis result is cached. */
        Table *vt = (Table *)t;
        if (!vt->columns) {
            if (vt->typing) {
                /* a view over itself, directly or through others, would recurse forever */
                error_at(an, name_tok->pos, "view \"%s\" reads itself", name);
                return NULL;
            }
            Scope *top = scope_new(an, NULL);
            vt->typing = true;
            vt->columns = columns_from_outcols(an, analyze_select(an, top, vt->view));
            vt->typing = false;
            if (!name_view_columns(an, vt, name_tok->pos)) {
                vt->columns = NULL; /* every query reading it says so */
                return NULL;
            }
        }
        return vt->columns;
    }
    *has_rowid = true; /* a stored table: SQLite's rowid, PostgreSQL's system columns */
    *invisible = t->invisible;
    return t->columns;
}

Source *add_source(Analyzer *an, Scope *sc, char *name, char *table_name, PtrList *columns)
{
    Source *s = arena_alloc(an->arena, sizeof *s);
    s->name = name;
    s->table_name = table_name;
    s->columns = columns;
    ptrlist_push(an->arena, sc->sources, s);
    return s;
}

Source *add_table_source(Analyzer *an, Scope *sc, const Token *schema, const Token *name, const Token *alias)
{
    char *table_name;
    bool has_rowid;
    PtrList *invisible;
    PtrList *cols = table_columns(an, sc, schema, name, &table_name, &has_rowid, &invisible);
    if (!cols)
        return NULL;
    /* FROM public.accounts is referred to as accounts */
    char *ref = TOKEN_SET(*alias) ? token_name(an->arena, alias) : token_name(an->arena, name);
    Source *s = add_source(an, sc, ref, table_name, cols);
    s->has_rowid = has_rowid;
    if (!TOKEN_SET(*alias))
        s->key = table_key(an->arena, an->cat->dialect, schema, name);
    s->invisible = invisible;
    return s;
}

Column *source_column(const Source *s, const char *name)
{
    for (int i = 0; i < PTRLIST_LEN(s->columns); i++) {
        Column *c = s->columns->items[i];
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

bool source_hides(const Source *s, const char *name)
{
    for (int i = 0; i < PTRLIST_LEN(s->hidden); i++)
        if (strcmp(s->hidden->items[i], name) == 0)
            return true;
    return false;
}

static const Column rowid_column = {"rowid", "integer", CT_INT64, true, true, true, {0}, 0, NULL};

static bool is_rowid_name(const char *n)
{
    return strcmp(n, "rowid") == 0 || strcmp(n, "oid") == 0 || strcmp(n, "_rowid_") == 0;
}

/* PostgreSQL's system columns of every table, found by name and left out
 * of *: `RETURNING xmax = 0 AS inserted` tells an upsert's insert from
 * its update. */
static const Column pg_system_columns[] = {
    {"tableoid", "oid", CT_INT64, true, false, true, {0}, 0, "oid"},
    {"xmin", "xid", CT_INT64, true, false, true, {0}, 0, "xid"},
    {"cmin", "cid", CT_INT64, true, false, true, {0}, 0, "cid"},
    {"xmax", "xid", CT_INT64, true, false, true, {0}, 0, "xid"},
    {"cmax", "cid", CT_INT64, true, false, true, {0}, 0, "cid"},
    {"ctid", "tid", CT_TEXT, true, false, true, {0}, 0, "tid"},
};

/* The column a stored table has without declaring it: SQLite's rowid and
 * its aliases, PostgreSQL's system columns; NULL when name is none. */
static const Column *system_column(const Analyzer *an, const Source *src, const char *name)
{
    if (!src->has_rowid)
        return NULL;
    if (an->cat->dialect == DIALECT_SQLITE)
        return is_rowid_name(name) ? &rowid_column : NULL;
    for (size_t i = 0; i < sizeof pg_system_columns / sizeof pg_system_columns[0]; i++)
        if (strcmp(pg_system_columns[i].name, name) == 0)
            return &pg_system_columns[i];
    return NULL;
}

/* "integer" -> int4, "varchar" -> varchar, "text[]" -> _text; NULL for a
 * domain or enum (its C type is what is known) */
static const char *column_sqltype(const Column *c)
{
    size_t n = strlen(c->decl_type);
    if (n > 2 && strcmp(c->decl_type + n - 2, "[]") == 0) {
        char buf[128];
        if (n - 2 >= sizeof buf)
            return NULL;
        memcpy(buf, c->decl_type, n - 2);
        buf[n - 2] = 0;
        return pg_array_of(pg_type_canonical(buf));
    }
    return pg_type_canonical(c->decl_type);
}

TypeInfo ti_pg(const char *typname, bool nullable)
{
    const PgType *t = pg_type_find(typname);
    TypeInfo r = ti(CT_UNKNOWN, nullable);
    if (!t)
        return r;
    r.sqltype = t->name;
    if (t->category == 'A') {
        r.t = pg_type_ctype(t->element);
        r.list = r.t != CT_UNKNOWN;
    } else {
        r.t = pg_type_ctype(t->name);
    }
    return r;
}

TypeInfo column_type(const Column *c, const Source *s)
{
    TypeInfo t = ti(c->ctype, !c->not_null || s->nullable);
    t.col = c;
    t.sqltype = c->sqltype ? c->sqltype : column_sqltype(c);
    t.list = c->array_dims == 1 && c->ctype != CT_UNKNOWN;
    return t;
}

/* A table's whole row as a value (json_agg(t), to_jsonb(t.*), count(t.*)):
 * PostgreSQL's composite of the row, which functions take as record or
 * anyelement; it has no C type of its own. SQLite has no such value. */
static TypeInfo whole_row(Analyzer *an, const Expr *e, const Source *src)
{
    if (an->q->dialect == DIALECT_SQLITE) {
        error_at(an, e->tok.pos, "SQLite has no whole-row value of \"%s\"; name its columns", src->name);
        return ti(CT_UNKNOWN, true);
    }
    TypeInfo t = ti(CT_UNKNOWN, src->nullable);
    t.sqltype = "record";
    return t;
}

TypeInfo resolve_column(Analyzer *an, Scope *sc, Expr *e)
{
    char *name = token_name(an->arena, &e->tok);
    if (TOKEN_SET(e->table)) {
        char *qual = token_name(an->arena, &e->table);
        /* s.t.c names an unaliased FROM item of table s.t (public.t is t) */
        char *key = TOKEN_SET(e->schema) ? table_key(an->arena, an->cat->dialect, &e->schema, &e->table) : NULL;
        if (key)
            qual = key;
        for (Scope *s = sc; s; s = s->parent)
            for (int i = 0; i < s->sources->n; i++) {
                Source *src = s->sources->items[i];
                if (key ? !src->key || strcmp(src->key, key) != 0 : strcmp(src->name, qual) != 0)
                    continue;
                if (e->tok.type == TK_STAR)
                    return whole_row(an, e, src);
                Column *c = source_column(src, name);
                if (c)
                    return column_type(c, src);
                const Column *sys = system_column(an, src, name);
                if (sys)
                    return column_type(sys, src);
                error_at(an, e->tok.pos, "no column \"%s\" in table \"%s\"", name, src->table_name);
                return ti(CT_UNKNOWN, true);
            }
        for (Scope *s = sc; s; s = s->parent)
            if (s->incomplete) { /* the FROM item's own error said it */
                an->ok = false;
                return ti(CT_UNKNOWN, true);
            }
        error_at(an, key ? e->schema.pos : e->table.pos, "no table or alias \"%s\" in this query", qual);
        return ti(CT_UNKNOWN, true);
    }
    for (Scope *s = sc; s; s = s->parent) {
        Source *found = NULL;
        Column *col = NULL;
        for (int i = 0; i < s->sources->n; i++) {
            Source *src = s->sources->items[i];
            Column *c = source_column(src, name);
            if (!c || source_hides(src, name) || src->qualified_only)
                continue;
            if (found) {
                error_at(an, e->tok.pos, "column \"%s\" is ambiguous: it is in \"%s\" and \"%s\"; qualify it", name,
                         found->name, src->name);
                return ti(CT_UNKNOWN, true);
            }
            found = src;
            col = c;
        }
        if (found)
            return column_type(col, found);
        const Source *only = s->sources->n == 1 ? s->sources->items[0] : NULL;
        const Column *sys = only ? system_column(an, only, name) : NULL;
        if (sys)
            return column_type(sys, only);
        for (int i = 0; i < PTRLIST_LEN(s->aliases); i++) {
            const OutColumn *o = s->aliases->items[i];
            if (strcmp(o->name, name) == 0)
                return ti(o->ctype, o->nullable);
        }
    }
    /* no column of that name anywhere: PostgreSQL then takes a table's name
     * for its whole row, innermost first */
    if (an->q->dialect == DIALECT_POSTGRES)
        for (Scope *s = sc; s; s = s->parent)
            for (int i = 0; i < s->sources->n; i++) {
                Source *src = s->sources->items[i];
                if (strcmp(src->name, name) == 0 && !src->qualified_only)
                    return whole_row(an, e, src);
            }
    for (Scope *s = sc; s; s = s->parent)
        if (s->incomplete) {
            an->ok = false;
            return ti(CT_UNKNOWN, true);
        }
    /* SQLite reads a double-quoted name that no column has as a string
     * literal (its "double-quoted string" quirk), and queries rely on it */
    if (an->q->dialect == DIALECT_SQLITE && e->tok.n >= 2 && e->tok.z[0] == '"') {
        diag_warning(e->tok.pos, "no column is called %.*s: SQLite reads it as the string '%s'; write it in single quotes",
                     e->tok.n, e->tok.z, name);
        return ti(CT_TEXT, false);
    }
    const Source *sole = sc && sc->sources->n == 1 ? sc->sources->items[0] : NULL;
    if (sole)
        error_at(an, e->tok.pos, "no column \"%s\" in table \"%s\"", name, sole->table_name);
    else
        error_at(an, e->tok.pos, "no column \"%s\" in any table of this query", name);
    return ti(CT_UNKNOWN, true);
}
