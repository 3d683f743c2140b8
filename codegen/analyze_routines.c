/*
 * The catalog's own functions: calls of user-defined functions (CREATE
 * FUNCTION, overloads told apart by argument count, then by argument
 * types) and of the loaded extensions' functions, looked up before the
 * built-in tables; set-returning functions in FROM; CALL of a procedure
 * and REFRESH MATERIALIZED VIEW as queries.
 */
#include "analyze_internal.h"

#include <string.h>

#include "sqlparse.h"

static bool callable_with(const Function *f, int n)
{
    return f->min_args <= n && (f->max_args < 0 || n <= f->max_args);
}

/* The overload a call reaches: by argument count, then by the arguments'
 * known types; NULL (after an error) when none fits. */
static const Function *resolve(Analyzer *an, const char *name, SrcPos pos, const TypeInfo *args, int n,
                               bool procedure, bool *known)
{
    PtrList *all = catalog_functions_named(an->cat, an->arena, name);
    const Function *best = NULL;
    int best_score = -1, candidates = 0;
    for (int i = 0; i < all->n; i++) {
        const Function *f = all->items[i];
        if (f->procedure != procedure)
            continue;
        candidates++;
        if (!callable_with(f, n))
            continue;
        int score = 0, k = 0;
        for (int j = 0; j < f->params->n && k < n; j++) {
            const FuncParam *fp = f->params->items[j];
            if (fp->mode == ARG_OUT && !procedure)
                continue;
            score += args[k].t != CT_UNKNOWN && args[k].t == fp->ctype;
            k++;
        }
        if (score > best_score) {
            best = f;
            best_score = score;
        }
    }
    *known = candidates > 0;
    if (!best && candidates > 0)
        error_at(an, pos, "no %s \"%s\" takes %d argument%s", procedure ? "procedure" : "function", name, n,
                 n == 1 ? "" : "s");
    return best;
}

/* A parameter passed to a declared argument takes its type and name. */
static void hint_arguments(Analyzer *an, const Function *f, PtrList *exprs)
{
    int k = 0;
    for (int j = 0; j < f->params->n && k < PTRLIST_LEN(exprs); j++) {
        const FuncParam *fp = f->params->items[j];
        if (fp->mode == ARG_OUT && !f->procedure)
            continue;
        hint_param(an, exprs->items[k], ti(fp->ctype, false), fp->name, false);
        k++;
    }
}

static int typed_args(Analyzer *an, Scope *sc, PtrList *exprs, TypeInfo *args, int max)
{
    int n = PTRLIST_LEN(exprs);
    for (int i = 0; i < n; i++) {
        TypeInfo t = type_expr(an, sc, exprs->items[i]);
        if (i < max)
            args[i] = t;
    }
    return n;
}

bool type_user_function(Analyzer *an, Expr *e, const TypeInfo *args, int n, TypeInfo *out)
{
    char *name = table_key(an->arena, an->cat->dialect, &e->table, &e->tok);
    bool known = false;
    const Function *f = resolve(an, name, e->tok.pos, args, n < 8 ? n : 8, false, &known);
    if (f) {
        hint_arguments(an, f, e->list);
        /* a call returning an unnamed row (TABLE, OUT arguments) is a record
         * keel has no C type for; a named row type is its text form */
        *out = ti(f->result, true);
        return true;
    }
    if (known) {
        *out = ti(CT_UNKNOWN, true);
        return true;
    }
    CType result, arg_types[8];
    if (TOKEN_SET(e->table) || !extension_function(an->cat, name, &result, arg_types, 8))
        return false;
    bool nullable = false;
    for (int i = 0; i < PTRLIST_LEN(e->list); i++) {
        if (i < 8)
            hint_param(an, e->list->items[i], ti(arg_types[i], false), NULL, false);
        nullable |= i < n && i < 8 && args[i].nullable;
    }
    *out = ti(result, nullable); /* extension functions are STRICT: NULL only from a NULL argument */
    return true;
}

/*
 * The columns of a function the migrations create, called in FROM (the
 * catalog hook of analyze_from_functions.c): RETURNS TABLE, SETOF a table or
 * composite type, or a scalar as one column named ref. NULL when the
 * migrations create no such function (an error is reported when one exists
 * but does not fit the arguments).
 */
PtrList *routine_columns_in_from(Analyzer *an, Scope *sc, Expr *call, const char *ref)
{
    char *name = table_key(an->arena, an->cat->dialect, &call->table, &call->tok);
    TypeInfo args[8];
    int n = typed_args(an, sc, call->list, args, 8);
    bool known = false;
    const Function *f = resolve(an, name, call->tok.pos, args, n < 8 ? n : 8, false, &known);
    if (!f)
        return NULL;
    hint_arguments(an, f, call->list);
    PtrList *cols = ptrlist_new(an->arena);
    if (f->columns) {
        for (int i = 0; i < f->columns->n; i++) {
            Column *c = arena_alloc(an->arena, sizeof *c);
            *c = *(Column *)f->columns->items[i];
            ptrlist_push(an->arena, cols, c);
        }
    } else {
        Column *c = arena_alloc(an->arena, sizeof *c);
        c->name = arena_strdup(an->arena, ref);
        c->ctype = f->result;
        c->decl_type = "";
        c->pos = call->tok.pos;
        ptrlist_push(an->arena, cols, c);
    }
    return cols;
}

PtrList *analyze_call(Analyzer *an, Stmt *stmt)
{
    SrcItem *it = stmt->u.target;
    char *name = table_key(an->arena, an->cat->dialect, &it->schema, &it->name);
    Scope *sc = scope_new(an, NULL);
    TypeInfo args[8];
    int n = typed_args(an, sc, it->func_args, args, 8);
    bool known = false;
    const Function *f = resolve(an, name, it->name.pos, args, n < 8 ? n : 8, true, &known);
    if (!f) {
        if (!known)
            error_at(an, it->name.pos, "no procedure \"%s\" (CALL runs a CREATE PROCEDURE of the migrations)", name);
        return NULL;
    }
    hint_arguments(an, f, it->func_args);
    return NULL;
}

/* CREATE VIEW v (a, b) AS ...: the names the view gives its columns */
bool name_view_columns(Analyzer *an, Table *view, SrcPos use)
{
    if (!view->column_names || !an->ok)
        return true;
    if (view->column_names->n != PTRLIST_LEN(view->columns)) {
        error_at(an, use, "view \"%s\" names %d columns but its query returns %d", view->name,
                 view->column_names->n, PTRLIST_LEN(view->columns));
        return false;
    }
    for (int i = 0; i < view->column_names->n; i++)
        ((Column *)view->columns->items[i])->name = view->column_names->items[i];
    return true;
}

PtrList *analyze_refresh(Analyzer *an, Stmt *stmt)
{
    SrcItem *it = stmt->u.target;
    char *name = table_key(an->arena, an->cat->dialect, &it->schema, &it->name);
    const Table *t = catalog_find_table(an->cat, name);
    if (!t)
        error_at(an, it->name.pos, "no materialized view \"%s\"", name);
    else if (!t->materialized)
        error_at(an, it->name.pos, "\"%s\" is a %s, not a materialized view", name, t->view ? "view" : "table");
    return NULL;
}
