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
    ptrlist_push(an->arena, out, o);
}

static void expand_star(Analyzer *an, Scope *sc, const ResultCol *rc, PtrList *out)
{
    char *qual = TOKEN_SET(rc->star_table) ? token_name(an->arena, &rc->star_table) : NULL;
    bool matched = false;
    PtrList *merged = ptrlist_new(an->arena); /* of Column*: USING / NATURAL columns already listed */
    if (!qual && an->cat->dialect == DIALECT_POSTGRES) {
        /* PostgreSQL lists a join's merged columns first, the outermost join's first */
        for (int i = sc->sources->n - 1; i >= 0; i--) {
            Source *right = sc->sources->items[i];
            for (int k = 0; k < PTRLIST_LEN(right->hidden); k++)
                for (int j = 0; j < i; j++) {
                    Source *left = sc->sources->items[j];
                    Column *c = source_column(left, right->hidden->items[k]);
                    if (!c || source_hides(left, c->name))
                        continue;
                    ptrlist_push(an->arena, merged, c);
                    push_out(an, out, c->name, column_type(c, left), c->pos);
                    break;
                }
        }
    }
    for (int i = 0; i < sc->sources->n; i++) {
        Source *src = sc->sources->items[i];
        if (qual && strcmp(src->name, qual) != 0)
            continue;
        matched = true;
        for (int j = 0; j < PTRLIST_LEN(src->columns); j++) {
            Column *c = src->columns->items[j];
            bool listed = false;
            for (int k = 0; k < merged->n; k++)
                listed |= merged->items[k] == c;
            if (!qual && (listed || source_hides(src, c->name)))
                continue;
            bool invisible = false;
            for (int k = 0; k < PTRLIST_LEN(src->invisible); k++)
                invisible |= strcmp(src->invisible->items[k], c->name) == 0;
            if (invisible)
                continue;
            push_out(an, out, c->name, column_type(c, src), TOKEN_SET(rc->star_table) ? rc->star_table.pos : c->pos);
        }
    }
    if (qual && !matched)
        error_at(an, rc->star_table.pos, "no table or alias \"%s\" in this query", qual);
    else if (!qual && sc->sources->n == 0 && !sc->incomplete)
        error_at(an, rc->star_table.pos, "SELECT * needs a FROM clause");
}

PtrList *result_columns(Analyzer *an, Scope *sc, PtrList *cols)
{
    PtrList *out = ptrlist_new(an->arena);
    bool lenient = an->lenient_types;
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
        if (t.t == CT_UNKNOWN && (lenient || is_param(strip(rc->expr)))) {
            /* INSERT ... SELECT array_agg(x): the target column is what counts;
             * a parameter's own error says what to do */
        } else if (t.t == CT_UNKNOWN && an->ok) {
            if (t.col)
                error_at(an, pos, "column \"%s\" has type \"%s\", which keel cannot map to a C type; CAST it, e.g. CAST(%s AS TEXT)",
                         t.col->name, t.col->decl_type, t.col->name);
            else if (strip(rc->expr)->kind == EX_FUNC)
                error_at(an, pos, "keel does not know what %.*s() returns; give result column \"%s\" a type with CAST(... AS type)",
                         strip(rc->expr)->tok.n, strip(rc->expr)->tok.z, name);
            else
                error_at(an, pos, "cannot infer the type of result column \"%s\"; add a CAST", name);
            continue;
        }
        push_out(an, out, name, t, pos);
    }
    return out;
}
