/*
 * Functions in FROM: unnest(...), generate_series(...), json_each(...) and
 * their like yield rows, and each call a column list. One mechanism for
 * all of them: a column definition list (AS t(a int, b text)) says what a
 * record-returning function returns; otherwise the dialect's table of
 * known set-returning functions below does; otherwise the schema's own
 * functions (the catalog hook). A call in FROM sees the items before it,
 * as PostgreSQL's functions in FROM are always LATERAL.
 */
#include "analyze_internal.h"

#include <string.h>

#include "sqlparse.h"

enum { IN_SQLITE = 1, IN_POSTGRES = 2, IN_BOTH = 3 };

typedef enum SrfType {
    SRF_ELEMENT,  /* an element of the (array) argument */
    SRF_FIRST,    /* the type of the first argument: generate_series(1, 10) */
    SRF_TEXT,
    SRF_INT,
} SrfType;

typedef struct SrfColumn {
    const char *name; /* NULL: named after the function (or its alias) */
    SrfType type;
    bool not_null;
    bool hidden;      /* SQLite's HIDDEN columns: usable by name, not in * */
} SrfColumn;

typedef struct SrfDef {
    const char *name;
    int dialects;
    SrfType arg_hint;     /* what an untyped parameter argument is */
    bool per_argument;    /* unnest(a, b): one column per argument */
    int n_columns;
    SrfColumn columns[10];
} SrfDef;

/* JSON documents and their values are text in C, on both engines. */
static const SrfDef functions[] = {
    {"unnest", IN_POSTGRES, SRF_ELEMENT, true, 1, {{NULL, SRF_ELEMENT, false, false}}},
    {"generate_series", IN_POSTGRES, SRF_FIRST, false, 1, {{NULL, SRF_FIRST, true, false}}},
    {"generate_subscripts", IN_POSTGRES, SRF_INT, false, 1, {{NULL, SRF_INT, true, false}}},
    {"json_each", IN_POSTGRES, SRF_TEXT, false, 2, {{"key", SRF_TEXT, true, false}, {"value", SRF_TEXT, false, false}}},
    {"jsonb_each", IN_POSTGRES, SRF_TEXT, false, 2, {{"key", SRF_TEXT, true, false}, {"value", SRF_TEXT, false, false}}},
    {"json_each_text", IN_POSTGRES, SRF_TEXT, false, 2,
     {{"key", SRF_TEXT, true, false}, {"value", SRF_TEXT, false, false}}},
    {"jsonb_each_text", IN_POSTGRES, SRF_TEXT, false, 2,
     {{"key", SRF_TEXT, true, false}, {"value", SRF_TEXT, false, false}}},
    {"json_array_elements", IN_POSTGRES, SRF_TEXT, false, 1, {{"value", SRF_TEXT, false, false}}},
    {"jsonb_array_elements", IN_POSTGRES, SRF_TEXT, false, 1, {{"value", SRF_TEXT, false, false}}},
    {"json_array_elements_text", IN_POSTGRES, SRF_TEXT, false, 1, {{"value", SRF_TEXT, false, false}}},
    {"jsonb_array_elements_text", IN_POSTGRES, SRF_TEXT, false, 1, {{"value", SRF_TEXT, false, false}}},
    {"json_object_keys", IN_POSTGRES, SRF_TEXT, false, 1, {{NULL, SRF_TEXT, true, false}}},
    {"jsonb_object_keys", IN_POSTGRES, SRF_TEXT, false, 1, {{NULL, SRF_TEXT, true, false}}},
    {"regexp_split_to_table", IN_POSTGRES, SRF_TEXT, false, 1, {{NULL, SRF_TEXT, true, false}}},
    {"string_to_table", IN_POSTGRES, SRF_TEXT, false, 1, {{NULL, SRF_TEXT, false, false}}},
    /* SQLite's table-valued functions, with their fixed columns */
    {"json_each", IN_SQLITE, SRF_TEXT, false, 10,
     {{"key", SRF_TEXT, false, false}, {"value", SRF_TEXT, false, false}, {"type", SRF_TEXT, true, false},
      {"atom", SRF_TEXT, false, false}, {"id", SRF_INT, true, false}, {"parent", SRF_INT, false, false},
      {"fullkey", SRF_TEXT, true, false}, {"path", SRF_TEXT, true, false}, {"json", SRF_TEXT, false, true},
      {"root", SRF_TEXT, false, true}}},
    {"json_tree", IN_SQLITE, SRF_TEXT, false, 10,
     {{"key", SRF_TEXT, false, false}, {"value", SRF_TEXT, false, false}, {"type", SRF_TEXT, true, false},
      {"atom", SRF_TEXT, false, false}, {"id", SRF_INT, true, false}, {"parent", SRF_INT, false, false},
      {"fullkey", SRF_TEXT, true, false}, {"path", SRF_TEXT, true, false}, {"json", SRF_TEXT, false, true},
      {"root", SRF_TEXT, false, true}}},
    {"generate_series", IN_SQLITE, SRF_INT, false, 4,
     {{"value", SRF_INT, true, false}, {"start", SRF_INT, false, true}, {"stop", SRF_INT, false, true},
      {"step", SRF_INT, false, true}}},
};

static const SrfDef *find_srf(const char *name, Dialect d)
{
    int mask = d == DIALECT_POSTGRES ? IN_POSTGRES : IN_SQLITE;
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if ((functions[i].dialects & mask) && strcmp(functions[i].name, name) == 0)
            return &functions[i];
    return NULL;
}

/* Functions the schema defines (CREATE FUNCTION ... RETURNS TABLE (...)
 * or RETURNS SETOF t) give their columns from the catalog. The catalog
 * records no functions yet: this is where they plug in, returning the
 * call's columns (of Column*) or NULL when the function is not the
 * schema's. */
/* The schema's own functions (CREATE FUNCTION in the migrations): analyze_routines.c. */
static PtrList *catalog_function_columns(Analyzer *an, Scope *sc, Expr *call, const char *ref)
{
    return routine_columns_in_from(an, sc, call, ref);
}

static Column *new_column(Analyzer *an, const char *name, CType t, bool not_null, SrcPos pos)
{
    Column *c = arena_alloc(an->arena, sizeof *c);
    c->name = arena_strdup(an->arena, name);
    c->decl_type = t == CT_UNKNOWN ? "anyelement" : "";
    c->ctype = t;
    c->not_null = not_null;
    c->pos = pos;
    return c;
}

/* The element type of an array argument: a column declared text[], or a
 * parameter cast to one (which makes the parameter a list, as in ANY()). */
static TypeInfo element_type(Analyzer *an, Scope *sc, Expr *arg)
{
    an->list_context = true;
    TypeInfo t = type_expr(an, sc, arg);
    an->list_context = false;
    Expr *x = strip(arg);
    while (x->kind == EX_CAST)
        x = strip(x->lhs);
    if (is_param(x)) {
        Param *p = param_of(an, x);
        if (p)
            p->list = true;
        return p && p->typed ? ti(p->ctype, false) : ti(CT_UNKNOWN, false);
    }
    const char *decl = t.col ? t.col->decl_type : NULL;
    size_t n = decl ? strlen(decl) : 0;
    if (n > 2 && strcmp(decl + n - 2, "[]") == 0)
        return ti(catalog_ctype(an->cat, arena_strndup(an->arena, decl, n - 2)), true);
    /* ARRAY[1, 2]: its elements' type */
    if (x->kind == EX_FUNC && !TOKEN_SET(x->table) && str_ieq_n(x->tok.z, (size_t)x->tok.n, "array") &&
        PTRLIST_LEN(x->list) > 0 && strip(x->list->items[0])->kind != EX_SUBQUERY) {
        TypeInfo first = ti(CT_UNKNOWN, true);
        bool nullable = false;
        for (int i = 0; i < x->list->n; i++) {
            TypeInfo e = type_expr(an, sc, x->list->items[i]);
            if (first.t == CT_UNKNOWN)
                first = e;
            nullable |= e.nullable;
        }
        return ti(first.t, nullable);
    }
    return ti(CT_UNKNOWN, true);
}

static CType srf_ctype(SrfType t, CType first, CType element)
{
    switch (t) {
    case SRF_ELEMENT: return element;
    case SRF_FIRST: return first;
    case SRF_TEXT: return CT_TEXT;
    case SRF_INT: return CT_INT64;
    }
    return CT_UNKNOWN;
}

static PtrList *known_function_columns(Analyzer *an, Scope *sc, const SrfDef *def, Expr *call, const char *alias)
{
    PtrList *cols = ptrlist_new(an->arena);
    int n = PTRLIST_LEN(call->list);
    /* a function of one column takes its alias as the column's name */
    const char *own = alias && *alias ? alias : token_name(an->arena, &call->tok);
    if (def->per_argument) {
        for (int i = 0; i < n; i++) {
            TypeInfo t = element_type(an, sc, call->list->items[i]);
            ptrlist_push(an->arena, cols,
                         new_column(an, n == 1 ? own : token_name(an->arena, &call->tok), t.t, false, call->tok.pos));
        }
        return cols;
    }
    CType first = CT_UNKNOWN;
    for (int i = 0; i < n; i++) {
        TypeInfo t = type_expr(an, sc, call->list->items[i]);
        if (first == CT_UNKNOWN && !is_param(strip(call->list->items[i])))
            first = t.t;
    }
    if (first == CT_UNKNOWN)
        first = def->arg_hint == SRF_TEXT ? CT_TEXT : CT_INT64;
    for (int i = 0; i < n; i++)
        hint_param(an, call->list->items[i], ti(def->arg_hint == SRF_TEXT ? CT_TEXT : first, false), NULL, false);
    for (int i = 0; i < def->n_columns; i++) {
        const SrfColumn *sc_col = &def->columns[i];
        Column *c = new_column(an, sc_col->name ? sc_col->name : own, srf_ctype(sc_col->type, first, CT_UNKNOWN),
                               sc_col->not_null, call->tok.pos);
        ptrlist_push(an->arena, cols, c);
    }
    return cols;
}

Source *add_function_source(Analyzer *an, Scope *sc, SrcItem *it)
{
    Expr *call = it->func;
    char *fname = token_name(an->arena, &call->tok);
    char *alias = TOKEN_SET(it->alias) ? token_name(an->arena, &it->alias) : NULL;
    bool typed_defs = it->col_defs && it->col_defs->n > 0 && ((ColumnDef *)it->col_defs->items[0])->type;
    const SrfDef *def = TOKEN_SET(call->table) ? NULL : find_srf(fname, an->cat->dialect);
    PtrList *cols = NULL;
    if (typed_defs) {
        /* jsonb_to_recordset($1) AS x(a int, b text): the list is the row type */
        for (int i = 0; i < PTRLIST_LEN(call->list); i++) {
            type_expr(an, sc, call->list->items[i]);
            hint_param(an, call->list->items[i], ti(CT_TEXT, false), NULL, false);
        }
        cols = ptrlist_new(an->arena);
        for (int i = 0; i < it->col_defs->n; i++) {
            ColumnDef *d = it->col_defs->items[i];
            if (!d->type) {
                error_at(an, d->name.pos, "column \"%s\" of the column definition list needs a type",
                         token_name(an->arena, &d->name));
                return NULL;
            }
            CType t = d->type->array ? CT_UNKNOWN : catalog_ctype(an->cat, d->type->text);
            Column *c = new_column(an, token_name(an->arena, &d->name), t, false, d->name.pos);
            c->decl_type = d->type->array ? arena_printf(an->arena, "%s[]", d->type->text) : d->type->text;
            ptrlist_push(an->arena, cols, c);
        }
    } else if (def) {
        cols = known_function_columns(an, sc, def, call, it->col_defs ? NULL : alias);
    } else {
        cols = catalog_function_columns(an, sc, call, alias ? alias : fname);
    }
    if (!cols) {
        if (!an->ok)
            return NULL; /* a function of the schema's that the call does not fit: already said */
        error_at(an, call->tok.pos,
                 "keel does not know the columns of %s() in FROM; give them with a column definition list, "
                 "e.g. AS t(a integer, b text)",
                 fname);
        return NULL;
    }
    if (it->ordinality)
        ptrlist_push(an->arena, cols, new_column(an, "ordinality", CT_INT64, true, call->tok.pos));
    Source *src = add_source(an, sc, alias ? alias : fname, fname, cols);
    if (it->col_defs && !typed_defs) {
        if (it->col_defs->n > cols->n) {
            error_at(an, ((ColumnDef *)it->col_defs->items[0])->name.pos, "%s() has %d columns but %d names are given",
                     fname, cols->n, it->col_defs->n);
            return src;
        }
        for (int i = 0; i < it->col_defs->n; i++)
            ((Column *)cols->items[i])->name = token_name(an->arena, &((ColumnDef *)it->col_defs->items[i])->name);
    }
    /* SQLite's HIDDEN columns answer by name but stay out of SELECT * */
    for (int i = 0; def && !typed_defs && i < def->n_columns && i < cols->n; i++)
        if (def->columns[i].hidden) {
            if (!src->invisible)
                src->invisible = ptrlist_new(an->arena);
            ptrlist_push(an->arena, src->invisible, ((Column *)cols->items[i])->name);
        }
    return src;
}
