/*
 * Result columns: their names (as the engines name them), C field names,
 * and expanding *.
 */
#include "analyze_internal.h"

#include <string.h>

#include "sqlparse.h"
#include "tokenize.h"

/* ------------------------------------------------------- result columns */

static const char *const c_keywords[] = {
    "auto", "bool", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "false", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "true", "typedef", "union", "unsigned", "void",
    "volatile", "while",
};

/* A SQL name as a C field name: C keywords get a trailing underscore. */
char *c_field_name(Analyzer *an, const char *name)
{
    for (size_t i = 0; i < sizeof c_keywords / sizeof c_keywords[0]; i++)
        if (strcmp(name, c_keywords[i]) == 0)
            return arena_printf(an->arena, "%s_", name);
    return arena_strdup(an->arena, name);
}

/* Where an expression starts in the source, for carets under the whole
 * expression rather than its operator. */
static SrcPos expr_start(const Expr *e)
{
    for (;;) {
        switch (e->kind) {
        case EX_BINARY: case EX_BETWEEN: case EX_IS: case EX_ISNULL: case EX_LIKE:
        case EX_IN_LIST: case EX_IN_SELECT: case EX_COLLATE:
            e = e->lhs;
            continue;
        case EX_CAST:
            if (e->tok.z[0] == ':') {
                e = e->lhs;
                continue;
            }
            return e->tok.pos;
        case EX_COLUMN:
        case EX_FUNC:
            return TOKEN_SET(e->table) ? e->table.pos : e->tok.pos;
        default:
            return e->tok.pos;
        }
    }
}

static char *result_name(Analyzer *an, const ResultCol *rc)
{
    if (TOKEN_SET(rc->alias))
        return token_name(an->arena, &rc->alias);
    Expr *e = rc->expr;
    while (e && (e->kind == EX_CAST || e->kind == EX_COLLATE))
        e = e->lhs;
    if (e && e->kind == EX_COLUMN)
        return token_name(an->arena, &e->tok);
    if (e && e->kind == EX_FUNC)
        return token_name(an->arena, &e->tok);
    return NULL;
}

void push_out(Analyzer *an, PtrList *out, char *name, TypeInfo t, SrcPos pos)
{
    if (!is_c_identifier(name)) {
        error_at(an, pos, "result column \"%s\" is not a C identifier; rename it with AS", name);
        return;
    }
    name = c_field_name(an, name);
    /* SELECT a.id, b.id: the second becomes id_2, as sqlc does */
    char *unique = name;
    for (int suffix = 2;; suffix++) {
        bool clash = false;
        for (int i = 0; i < out->n; i++)
            if (strcmp(((OutColumn *)out->items[i])->name, unique) == 0)
                clash = true;
        if (!clash)
            break;
        unique = arena_printf(an->arena, "%s_%d", name, suffix);
    }
    OutColumn *o = arena_alloc(an->arena, sizeof *o);
    o->name = unique;
    o->ctype = t.t;
    o->nullable = t.nullable;
    o->pos = pos;
    o->origin = t.col;
    o->list = t.list;
    o->sqltype = t.sqltype;
    ptrlist_push(an->arena, out, o);
}

/* One column of SELECT * over joins. */
typedef struct StarColumn {
    Column *col;
    const Source *src;
    bool nullable;
} StarColumn;

static StarColumn *star_find(PtrList *cols, const char *name)
{
    for (int i = 0; i < cols->n; i++) {
        StarColumn *s = cols->items[i];
        if (strcmp(s->col->name, name) == 0)
            return s;
    }
    return NULL;
}

/* SELECT * FROM a JOIN b USING (id): PostgreSQL and SQLite list each
 * USING / NATURAL column once, first, then the left side's other columns,
 * then the right side's. */
static void expand_joined_star(Analyzer *an, Scope *sc, PtrList *out)
{
    PtrList *cols = ptrlist_new(an->arena);
    for (int i = 0; i < sc->sources->n; i++) {
        Source *src = sc->sources->items[i];
        PtrList *next = ptrlist_new(an->arena);
        for (int j = 0; j < PTRLIST_LEN(src->merged); j++) {
            const char *name = src->merged->items[j];
            StarColumn *left = star_find(cols, name);
            Column *right = source_column(src, name);
            if (!left || !right || star_find(next, name))
                continue;
            StarColumn *m = arena_alloc(an->arena, sizeof *m);
            TypeInfo rt = column_type(right, src);
            *m = *left;
            if (src->join == JOIN_RIGHT)
                *m = (StarColumn){right, src, rt.nullable};
            else if (src->join == JOIN_FULL) /* COALESCE(a.id, b.id): every row has one side */
                m->nullable = (left->nullable && !left->col->not_null) && !right->not_null;
            ptrlist_push(an->arena, next, m);
        }
        for (int j = 0; j < cols->n; j++) {
            StarColumn *c = cols->items[j];
            if (!star_find(next, c->col->name) || !source_merges(src, c->col->name))
                ptrlist_push(an->arena, next, c);
        }
        for (int j = 0; j < PTRLIST_LEN(src->columns); j++) {
            Column *c = src->columns->items[j];
            if (source_merges(src, c->name))
                continue;
            StarColumn *s = arena_alloc(an->arena, sizeof *s);
            *s = (StarColumn){c, src, column_type(c, src).nullable};
            ptrlist_push(an->arena, next, s);
        }
        cols = next;
    }
    for (int i = 0; i < cols->n; i++) {
        StarColumn *c = cols->items[i];
        TypeInfo t = column_type(c->col, c->src);
        t.nullable = c->nullable; /* the FROM clause is complete: outer joins are known */
        push_out(an, out, c->col->name, t, c->col->pos);
    }
}

static bool any_merged(const Scope *sc)
{
    for (int i = 0; i < sc->sources->n; i++)
        if (PTRLIST_LEN(((Source *)sc->sources->items[i])->merged) > 0)
            return true;
    return false;
}

static void expand_star(Analyzer *an, Scope *sc, const ResultCol *rc, PtrList *out)
{
    char *qual = TOKEN_SET(rc->star_table) ? token_name(an->arena, &rc->star_table) : NULL;
    if (!qual && any_merged(sc)) {
        expand_joined_star(an, sc, out);
        return;
    }
    bool matched = false;
    for (int i = 0; i < sc->sources->n; i++) {
        Source *src = sc->sources->items[i];
        if (qual && strcmp(src->name, qual) != 0)
            continue;
        matched = true;
        for (int j = 0; j < PTRLIST_LEN(src->columns); j++) {
            Column *c = src->columns->items[j];
            push_out(an, out, c->name, column_type(c, src), TOKEN_SET(rc->star_table) ? rc->star_table.pos : c->pos);
        }
    }
    if (qual && !matched)
        error_at(an, rc->star_table.pos, "no table or alias \"%s\" in this query", qual);
    else if (!qual && sc->sources->n == 0)
        error_at(an, rc->star_table.pos, "SELECT * needs a FROM clause");
}

PtrList *result_columns(Analyzer *an, Scope *sc, PtrList *cols)
{
    PtrList *out = ptrlist_new(an->arena);
    for (int i = 0; i < PTRLIST_LEN(cols); i++) {
        ResultCol *rc = cols->items[i];
        if (rc->star) {
            expand_star(an, sc, rc, out);
            continue;
        }
        TypeInfo t = type_expr(an, sc, rc->expr);
        char *name = result_name(an, rc);
        SrcPos pos = TOKEN_SET(rc->alias) ? rc->alias.pos : expr_start(rc->expr);
        if (!name && an->depth > 1) {
            name = arena_printf(an->arena, "column%d", i + 1); /* EXISTS (SELECT 1 ...) */
        } else if (!name) {
            error_at(an, expr_start(rc->expr), "result column %d has no name; give it one with AS", i + 1);
            continue;
        }
        if (t.t == CT_UNKNOWN && is_param(strip(rc->expr))) {
            /* the parameter's own error says what to do */
        } else if (t.t == CT_UNKNOWN && an->ok) {
            if (t.col && t.col->array_dims > 1)
                error_at(an, pos, "column \"%s\" is a multi-dimensional array (%s), which keel cannot map: its lists have one dimension",
                         t.col->name, t.col->decl_type);
            else if (t.col)
                error_at(an, pos, "column \"%s\" has type \"%s\", which keel cannot map to a C type; CAST it, e.g. CAST(%s AS TEXT)",
                         t.col->name, t.col->decl_type, t.col->name);
            else if (strip(rc->expr)->kind == EX_FUNC)
                error_at(an, pos, "keel does not know what %.*s() returns; give result column \"%s\" a type with CAST(... AS type)",
                         strip(rc->expr)->tok.n, strip(rc->expr)->tok.z, name);
            else
                error_at(an, pos, "cannot infer the type of result column \"%s\"; add a CAST", name);
            continue;
        }
        if (t.list && t.t == CT_BLOB) {
            error_at(an, pos, "result column \"%s\" is an array of bytea; keel supports arrays of integers, doubles, booleans and text",
                     name);
            continue;
        }
        push_out(an, out, name, t, pos);
    }
    return out;
}
