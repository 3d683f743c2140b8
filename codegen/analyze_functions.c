/*
 * Function calls: the result type and nullability of a call, from the
 * engines' built-in function tables (builtins.c) and the SQL constructs
 * that look like calls (COALESCE, NULLIF, GREATEST, LEAST, ANY).
 */
#include "analyze_internal.h"

#include <stdio.h>
#include <string.h>

#include "builtins.h"
#include "pg_types.h"
#include "sqlparse.h"
#include "tokenize.h"

/* ------------------------------------------------------------ functions */

/* Functions of common extensions keel knows without their catalog (the
 * server check has it): uuid-ossp's generators. */
static const char *const extension_uuid_functions[] = {"uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4"};


/* What the function tables need to know of an argument: an array known
 * only by its C element type becomes the matching array type. */
BuiltinArg builtin_arg(const TypeInfo *t)
{
    const char *pg = t->sqltype;
    if (t->list && !pg) {
        const char *elem = t->t == CT_INT64 ? "int8" : t->t == CT_DOUBLE ? "float8" : t->t == CT_BOOL ? "bool" : "text";
        pg = pg_array_of(elem);
    }
    return (BuiltinArg){t->t, pg, t->nullable, NULL};
}

/* The engine's own SQL constructs that look like calls but are no
 * functions in PostgreSQL's catalog: COALESCE, NULLIF, GREATEST, LEAST
 * (SQLite has coalesce, ifnull and nullif as functions, typed the same). */
static bool type_conditional(Analyzer *an, Expr *e, const char *name, int n, TypeInfo *args, TypeInfo *out)
{
    bool all_nullable = n > 0;
    TypeInfo known = ti(CT_UNKNOWN, true);
    for (int i = 0; i < n; i++) {
        all_nullable &= args[i].nullable;
        if (known.t == CT_UNKNOWN && args[i].t != CT_UNKNOWN)
            known = args[i];
    }
    bool pg = an->cat->dialect == DIALECT_POSTGRES;
    if (strcmp(name, "coalesce") == 0 || (!pg && strcmp(name, "ifnull") == 0)) {
        /* COALESCE(@x, col): the parameter takes the column's type, an
         * array's too (COALESCE(sqlc.narg(tags), tags) with tags text[]) */
        TypeInfo hint = ti(known.t, true);
        hint.list = known.list;
        for (int i = 0; i < n; i++)
            hint_param(an, e->list->items[i], hint, NULL, true);
        *out = ti(known.t, all_nullable);
        out->sqltype = known.sqltype;
        out->list = known.list;
        return true;
    }
    if (pg && (strcmp(name, "greatest") == 0 || strcmp(name, "least") == 0)) {
        TypeInfo hint = ti(known.t, false);
        hint.list = known.list;
        for (int i = 0; i < n; i++)
            hint_param(an, e->list->items[i], hint, NULL, false);
        /* PostgreSQL ignores NULL arguments: NULL only when all are */
        *out = ti(known.t, all_nullable);
        out->sqltype = known.sqltype;
        out->list = known.list;
        return true;
    }
    if (pg && strcmp(name, "grouping") == 0 && n > 0) {
        /* GROUPING(a, b): a grammar construct, not in pg_proc; an integer bit mask */
        *out = ti(CT_INT64, false);
        out->sqltype = "int4";
        return true;
    }
    if (!pg && strcmp(name, "iif") == 0 && n == 3) {
        /* iif(cond, a, b): like CASE WHEN cond THEN a ELSE b END */
        hint_param(an, e->list->items[0], ti(CT_BOOL, false), NULL, false);
        *out = args[1].t != CT_UNKNOWN ? args[1] : args[2];
        out->nullable = args[1].nullable || args[2].nullable;
        out->col = NULL;
        return true;
    }
    if (strcmp(name, "nullif") == 0 && n == 2) {
        hint_param(an, e->list->items[1], args[0], column_name_of(&args[0]), false);
        *out = ti(args[0].t, true);
        out->sqltype = args[0].sqltype;
        return true;
    }
    return false;
}

/* A call of one of the engine's built-in functions; false when there is
 * none of that name taking these arguments. Kept apart from
 * type_function so that other lookups (user-defined functions) can come
 * before it. */
static bool type_builtin_call(Analyzer *an, Expr *e, const char *name, int n, TypeInfo *args, TypeInfo *out)
{
    BuiltinArg bargs[BUILTIN_MAX_ARGS];
    if (n > BUILTIN_MAX_ARGS)
        return false;
    bool named = false;
    for (int i = 0; i < n; i++) {
        bargs[i] = builtin_arg(&args[i]);
        const Expr *a = e->list->items[i];
        if (a->kind == EX_NAMEDARG) {
            bargs[i].name = token_name(an->arena, &a->tok);
            named = true;
        }
    }
    BuiltinCall call;
    /* PostgreSQL's grammar turns TRIM(x) into btrim(x) */
    if (an->cat->dialect == DIALECT_POSTGRES && strcmp(name, "trim") == 0)
        name = "btrim";
    if (!builtin_function(an->cat->dialect, name, n, bargs, &call)) {
        /* upper(flag): the server rejects it; say so with what it has, when
         * every argument's type is known (an unknown one could match) */
        bool all_known = true;
        char have[512], wanted[256] = "";
        size_t w = 0;
        for (int i = 0; i < n; i++) {
            all_known &= bargs[i].pg && strcmp(bargs[i].pg, "unknown") != 0;
            if (bargs[i].pg && w < sizeof wanted)
                w += (size_t)snprintf(wanted + w, sizeof wanted - w, "%s%s%s%s", i ? ", " : "",
                                      bargs[i].name ? bargs[i].name : "", bargs[i].name ? " => " : "", bargs[i].pg);
        }
        if (an->cat->dialect == DIALECT_POSTGRES && all_known && builtin_pg_signatures(name, named, have, sizeof have))
            error_at(an, e->tok.pos, "PostgreSQL has no function %s(%s); it has %s", name, wanted, have);
        return false;
    }
    bool nullable = builtin_nullable(&call, n, bargs);
    CType result = call.result;
    if (an->cat->dialect == DIALECT_POSTGRES) {
        /* each parameter takes the type of its position */
        for (int i = 0; i < n; i++) {
            Expr *a = e->list->items[i];
            if (a->kind == EX_NAMEDARG)
                a = a->lhs; /* make_interval(secs => @secs) */
            if (is_param(strip(a)) && !pg_type_is_polymorphic(call.arg_pg[i]))
                hint_param(an, a, ti(call.arg_type[i], false), NULL, false);
        }
    } else if (call.has_arg_types) {
        /* substr(name, 1, ?): SQLite's documented argument types */
        for (int i = 0; i < n; i++)
            hint_param(an, e->list->items[i], ti(call.arg_type[i], false), NULL, false);
    } else if (result == CT_TEXT && call.nulls == BN_STRICT) {
        /* lower(@x), trim(?): the first argument of a text function is text */
        if (n > 0)
            hint_param(an, e->list->items[0], ti(CT_TEXT, false), NULL, false);
    } else if (result == CT_TEXT) {
        /* strftime(?, col), group_concat(x, ?), json_extract(col, ?): text */
        for (int i = 0; i < n; i++)
            hint_param(an, e->list->items[i], ti(CT_TEXT, false), NULL, false);
    } else if (call.nulls == BN_STRICT && n > 1) {
        /* max(a, ?): the arguments share a type */
        for (int i = 0; i < n; i++)
            hint_param(an, e->list->items[i], ti(result, false), NULL, false);
    }
    if (call.result_pg) {
        *out = ti_pg(call.result_pg, nullable); /* array_agg(x): a list */
    } else {
        *out = ti(result, nullable);
    }
    result = out->t;
    /* lower(name) = ? names the parameter after the column */
    const PgType *first = n > 0 ? pg_type_find(args[0].sqltype) : NULL;
    if (n > 0 && result == CT_TEXT && args[0].t == CT_TEXT && call.kind == 'f' && (!first || first->category == 'S'))
        out->col = args[0].col;
    return true;
}

/*
 * PostgreSQL's ordered-set aggregates, f(direct args) WITHIN GROUP (ORDER
 * BY x): pg_proc counts x among the arguments, the grammar does not, so
 * they are typed here (all seven of them). NULL over no rows.
 */
static bool type_ordered_set(Analyzer *an, Scope *sc, Expr *e, const char *name, int n, const TypeInfo *args,
                             TypeInfo *out)
{
    if (an->cat->dialect != DIALECT_POSTGRES || PTRLIST_LEN(e->order_by) != 1)
        return false;
    const ResultCol *sort = e->order_by->items[0];
    bool hypothetical = strcmp(name, "rank") == 0 || strcmp(name, "dense_rank") == 0;
    bool fraction = strcmp(name, "percent_rank") == 0 || strcmp(name, "cume_dist") == 0;
    if (strcmp(name, "percentile_cont") == 0 && n == 1) {
        hint_param(an, e->list->items[0], ti(CT_DOUBLE, false), NULL, false);
        *out = ti(CT_DOUBLE, true);
    } else if ((strcmp(name, "percentile_disc") == 0 && n == 1) || (strcmp(name, "mode") == 0 && n == 0)) {
        if (n == 1)
            hint_param(an, e->list->items[0], ti(CT_DOUBLE, false), NULL, false);
        *out = type_expr(an, sc, sort->expr);
        out->nullable = true;
        out->col = NULL;
    } else if ((hypothetical || fraction) && n == 1) {
        TypeInfo x = type_expr(an, sc, sort->expr);
        hint_param(an, e->list->items[0], ti(x.t, false), NULL, false);
        *out = ti(hypothetical ? CT_INT64 : CT_DOUBLE, false);
    } else {
        return false;
    }
    (void)args;
    return true;
}

TypeInfo type_function(Analyzer *an, Scope *sc, Expr *e)
{
    char *name = token_name(an->arena, &e->tok);
    if (is_sqlc_call(e)) {
        if (strcmp(name, "embed") == 0) {
            error_at(an, e->table.pos, "sqlc.embed() is a result column of the outermost SELECT, nothing else");
            return ti(CT_UNKNOWN, true);
        }
        Param *p = param_of(an, e);
        if (p && p->list && !an->in_list_item) {
            error_at(an, e->table.pos, "sqlc.slice(%s) must be the only item of an IN list: x IN (sqlc.slice(%s))",
                     p->name, p->name);
            return ti(CT_UNKNOWN, true);
        }
        return p && p->typed ? ti(p->ctype, p->nullable) : ti(CT_UNKNOWN, false);
    }
    /* x = ANY(@ids::bigint[]): ANY and ALL read one element of a list */
    if ((strcmp(name, "any") == 0 || strcmp(name, "all") == 0 || strcmp(name, "some") == 0) &&
        PTRLIST_LEN(e->list) == 1) {
        an->list_context = true;
        TypeInfo elem = type_expr(an, sc, e->list->items[0]);
        an->list_context = false;
        Expr *arg = strip(e->list->items[0]);
        while (arg->kind == EX_CAST)
            arg = strip(arg->lhs);
        if (is_param(arg)) {
            Param *p = param_of(an, arg);
            if (p) {
                p->list = true;
                if (p->typed)
                    elem = ti(p->ctype, false);
            }
        }
        return ti(elem.t, elem.nullable);
    }
    int n = PTRLIST_LEN(e->list);
    TypeInfo args[BUILTIN_MAX_ARGS];
    for (int i = 0; i < n; i++) {
        TypeInfo a = type_expr(an, sc, e->list->items[i]);
        if (i < BUILTIN_MAX_ARGS)
            args[i] = a;
    }
    if (n > BUILTIN_MAX_ARGS)
        return ti(CT_UNKNOWN, true);
    TypeInfo r;
    if (type_ordered_set(an, sc, e, name, n, args, &r))
        return r;
    /* user-defined and extension functions first (analyze_routines.c) */
    if (type_user_function(an, e, args, n, &r))
        return r;
    if (type_conditional(an, e, name, n, args, &r) || type_builtin_call(an, e, name, n, args, &r))
        return r;
    for (size_t i = 0; i < sizeof extension_uuid_functions / sizeof extension_uuid_functions[0]; i++)
        if (an->cat->dialect == DIALECT_POSTGRES && strcmp(name, extension_uuid_functions[i]) == 0) {
            r = ti(CT_TEXT, false);
            r.sqltype = "uuid";
            return r;
        }
    if (an->cat->dialect == DIALECT_SQLITE && !TOKEN_SET(e->table) && !an->missing_function &&
        !builtin_sqlite_has(name))
        an->missing_function = e; /* a result column it leaves untyped says so */
    return ti(CT_UNKNOWN, true);
}
