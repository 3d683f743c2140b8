/*
 * Function calls: each dialect's function table and the result type and
 * nullability of a call.
 */
#include "analyze_internal.h"

#include <string.h>

#include "sqlparse.h"
#include "tokenize.h"

/* ------------------------------------------------------------ functions */

typedef enum FnRule {
    FN_ARG,          /* type of the first argument, nullable like it */
    FN_ARG_NULLABLE, /* type of the first argument, always nullable */
    FN_TEXT,         /* text, nullable if any argument is */
    FN_INT,
    FN_DOUBLE,
    FN_BOOL,
    FN_TEXT_NOTNULL,
    FN_INT_NOTNULL,
    FN_DOUBLE_NOTNULL,
    FN_TEXT_NULLABLE,
    FN_INT_NULLABLE,
    FN_DOUBLE_NULLABLE,
    FN_BOOL_NULLABLE,
    FN_COUNT,
    FN_COALESCE,     /* first known type; NULL only if every argument can be */
    FN_NULLIF,
    FN_GREATEST,     /* first known type; nullable if any argument is */
    FN_IIF,          /* iif(cond, a, b): like CASE WHEN cond THEN a ELSE b END */
} FnRule;

enum { IN_SQLITE = 1, IN_POSTGRES = 2, IN_BOTH = 3 };

typedef struct FnDef {
    const char *name;
    FnRule rule;
    int dialects;
} FnDef;

/* Common functions of each dialect with their result rules. Unknown
 * functions type as unknown: fine inside a CAST, an error where a type is
 * needed, with a message that says to add one. Aggregates other than
 * count are NULL over no rows, hence nullable. */
static const FnDef functions[] = {
    /* aggregates */
    {"avg", FN_DOUBLE_NULLABLE, IN_BOTH}, {"bool_and", FN_BOOL_NULLABLE, IN_POSTGRES},
    {"bool_or", FN_BOOL_NULLABLE, IN_POSTGRES}, {"count", FN_COUNT, IN_BOTH}, {"every", FN_BOOL_NULLABLE, IN_POSTGRES},
    {"group_concat", FN_TEXT_NULLABLE, IN_SQLITE}, {"json_agg", FN_TEXT_NULLABLE, IN_POSTGRES},
    {"jsonb_agg", FN_TEXT_NULLABLE, IN_POSTGRES}, {"max", FN_ARG_NULLABLE, IN_BOTH},
    {"min", FN_ARG_NULLABLE, IN_BOTH}, {"string_agg", FN_TEXT_NULLABLE, IN_POSTGRES},
    {"sum", FN_ARG_NULLABLE, IN_BOTH}, {"total", FN_DOUBLE_NOTNULL, IN_SQLITE},
    /* window functions */
    {"cume_dist", FN_DOUBLE_NOTNULL, IN_BOTH}, {"dense_rank", FN_INT_NOTNULL, IN_BOTH},
    {"first_value", FN_ARG_NULLABLE, IN_BOTH}, {"lag", FN_ARG_NULLABLE, IN_BOTH},
    {"last_value", FN_ARG_NULLABLE, IN_BOTH}, {"lead", FN_ARG_NULLABLE, IN_BOTH},
    {"nth_value", FN_ARG_NULLABLE, IN_BOTH}, {"ntile", FN_INT_NOTNULL, IN_BOTH},
    {"percent_rank", FN_DOUBLE_NOTNULL, IN_BOTH}, {"rank", FN_INT_NOTNULL, IN_BOTH},
    {"row_number", FN_INT_NOTNULL, IN_BOTH},
    /* NULL handling */
    {"coalesce", FN_COALESCE, IN_BOTH}, {"greatest", FN_GREATEST, IN_POSTGRES},
    {"ifnull", FN_COALESCE, IN_SQLITE}, {"least", FN_GREATEST, IN_POSTGRES},
    {"nullif", FN_NULLIF, IN_BOTH},
    /* numbers */
    {"abs", FN_ARG, IN_BOTH}, {"ceil", FN_ARG, IN_BOTH}, {"ceiling", FN_ARG, IN_BOTH},
    {"exp", FN_DOUBLE, IN_BOTH}, {"floor", FN_ARG, IN_BOTH}, {"ln", FN_DOUBLE, IN_BOTH},
    {"log", FN_DOUBLE, IN_BOTH}, {"mod", FN_INT, IN_BOTH}, {"power", FN_DOUBLE, IN_BOTH},
    {"random", FN_INT_NOTNULL, IN_SQLITE}, {"random", FN_DOUBLE_NOTNULL, IN_POSTGRES},
    {"round", FN_DOUBLE, IN_BOTH}, {"sign", FN_ARG, IN_BOTH}, {"sqrt", FN_DOUBLE, IN_BOTH},
    /* text */
    {"btrim", FN_TEXT, IN_POSTGRES}, {"char_length", FN_INT, IN_BOTH}, {"character_length", FN_INT, IN_POSTGRES},
    {"concat", FN_TEXT_NOTNULL, IN_BOTH}, {"concat_ws", FN_TEXT, IN_BOTH}, {"format", FN_TEXT, IN_BOTH},
    {"hex", FN_TEXT, IN_SQLITE}, {"initcap", FN_TEXT, IN_POSTGRES}, {"instr", FN_INT, IN_SQLITE},
    {"left", FN_TEXT, IN_POSTGRES}, {"length", FN_INT, IN_BOTH}, {"lower", FN_TEXT, IN_BOTH},
    {"lpad", FN_TEXT, IN_POSTGRES}, {"ltrim", FN_TEXT, IN_BOTH}, {"md5", FN_TEXT, IN_POSTGRES},
    {"octet_length", FN_INT, IN_BOTH}, {"position", FN_INT, IN_POSTGRES}, {"printf", FN_TEXT, IN_SQLITE},
    {"quote", FN_TEXT_NOTNULL, IN_SQLITE}, {"repeat", FN_TEXT, IN_POSTGRES}, {"replace", FN_TEXT, IN_BOTH},
    {"reverse", FN_TEXT, IN_POSTGRES}, {"right", FN_TEXT, IN_POSTGRES}, {"rpad", FN_TEXT, IN_POSTGRES},
    {"rtrim", FN_TEXT, IN_BOTH}, {"split_part", FN_TEXT, IN_POSTGRES}, {"strpos", FN_INT, IN_POSTGRES},
    {"substr", FN_TEXT, IN_BOTH}, {"substring", FN_TEXT, IN_BOTH}, {"to_char", FN_TEXT, IN_POSTGRES},
    {"trim", FN_TEXT, IN_BOTH}, {"typeof", FN_TEXT_NOTNULL, IN_SQLITE}, {"unicode", FN_INT, IN_SQLITE},
    {"upper", FN_TEXT, IN_BOTH},
    /* dates: text in C on both engines */
    {"clock_timestamp", FN_TEXT_NOTNULL, IN_POSTGRES}, {"current_date", FN_TEXT_NOTNULL, IN_POSTGRES},
    {"date", FN_TEXT_NULLABLE, IN_SQLITE}, {"date_part", FN_DOUBLE, IN_POSTGRES}, {"extract", FN_DOUBLE, IN_POSTGRES},
    {"date_trunc", FN_TEXT, IN_POSTGRES}, {"datetime", FN_TEXT_NULLABLE, IN_SQLITE},
    {"julianday", FN_DOUBLE_NULLABLE, IN_SQLITE}, {"now", FN_TEXT_NOTNULL, IN_POSTGRES},
    {"statement_timestamp", FN_TEXT_NOTNULL, IN_POSTGRES}, {"strftime", FN_TEXT_NULLABLE, IN_SQLITE},
    {"time", FN_TEXT_NULLABLE, IN_SQLITE}, {"to_timestamp", FN_TEXT, IN_POSTGRES},
    {"transaction_timestamp", FN_TEXT_NOTNULL, IN_POSTGRES}, {"unixepoch", FN_INT_NULLABLE, IN_SQLITE},
    /* misc */
    {"changes", FN_INT_NOTNULL, IN_SQLITE}, {"grouping", FN_INT_NOTNULL, IN_POSTGRES}, {"iif", FN_IIF, IN_SQLITE}, {"gen_random_uuid", FN_TEXT_NOTNULL, IN_POSTGRES},
    {"json_extract", FN_TEXT_NULLABLE, IN_SQLITE}, {"json_build_object", FN_TEXT_NOTNULL, IN_POSTGRES},
    {"jsonb_build_object", FN_TEXT_NOTNULL, IN_POSTGRES}, {"last_insert_rowid", FN_INT_NOTNULL, IN_SQLITE},
    {"uuid_generate_v4", FN_TEXT_NOTNULL, IN_POSTGRES},
};

static const FnDef *find_function(const char *name, Dialect d)
{
    int mask = d == DIALECT_POSTGRES ? IN_POSTGRES : IN_SQLITE;
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if ((functions[i].dialects & mask) && strcmp(functions[i].name, name) == 0)
            return &functions[i];
    return NULL;
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
    TypeInfo args[8];
    bool any_nullable = false, all_nullable = n > 0;
    for (int i = 0; i < n; i++) {
        TypeInfo a = type_expr(an, sc, e->list->items[i]);
        if (i < 8)
            args[i] = a;
        any_nullable |= a.nullable;
        all_nullable &= a.nullable;
    }
    /* user-defined and extension functions first (analyze_routines.c) */
    TypeInfo user;
    if (type_user_function(an, e, args, n, &user))
        return user;
    const FnDef *def = find_function(name, an->cat->dialect);
    if (!def)
        return ti(CT_UNKNOWN, true);
    TypeInfo first = n > 0 ? args[0] : ti(CT_UNKNOWN, true);
    CType known = CT_UNKNOWN;
    for (int i = 0; i < n && i < 8; i++)
        if (known == CT_UNKNOWN)
            known = args[i].t;
    switch (def->rule) {
    case FN_ARG: return ti(first.t, first.nullable);
    case FN_ARG_NULLABLE: return ti(first.t, true);
    case FN_TEXT: {
        /* lower(@x), trim(?): the first argument of a text function is text;
         * lower(name) = ? names the parameter after the column */
        if (n > 0)
            hint_param(an, e->list->items[0], ti(CT_TEXT, false), NULL, false);
        TypeInfo r = ti(CT_TEXT, any_nullable);
        if (n > 0)
            r.col = args[0].col;
        return r;
    }
    case FN_INT: return ti(CT_INT64, any_nullable);
    case FN_DOUBLE: return ti(CT_DOUBLE, any_nullable);
    case FN_BOOL: return ti(CT_BOOL, any_nullable);
    case FN_TEXT_NOTNULL:
    case FN_TEXT_NULLABLE:
        /* concat(a, ?), string_agg(x, $1), strftime(?, col): text arguments */
        for (int i = 0; i < n; i++)
            hint_param(an, e->list->items[i], ti(CT_TEXT, false), NULL, false);
        return ti(CT_TEXT, def->rule == FN_TEXT_NULLABLE);
    case FN_INT_NOTNULL: return ti(CT_INT64, false);
    case FN_DOUBLE_NOTNULL: return ti(CT_DOUBLE, false);
    case FN_INT_NULLABLE: return ti(CT_INT64, true);
    case FN_DOUBLE_NULLABLE: return ti(CT_DOUBLE, true);
    case FN_BOOL_NULLABLE: return ti(CT_BOOL, true);
    case FN_COUNT: return ti(CT_INT64, false);
    case FN_COALESCE:
        /* COALESCE(@x, col): the parameter takes the column's type */
        for (int i = 0; i < n && i < 8; i++)
            hint_param(an, e->list->items[i], ti(known, true), NULL, true);
        return ti(known, all_nullable);
    case FN_GREATEST:
        for (int i = 0; i < n && i < 8; i++)
            hint_param(an, e->list->items[i], ti(known, false), NULL, false);
        return ti(known, any_nullable);
    case FN_IIF: {
        if (n != 3)
            return ti(CT_UNKNOWN, true);
        hint_param(an, e->list->items[0], ti(CT_BOOL, false), NULL, false);
        CType t = args[1].t != CT_UNKNOWN ? args[1].t : args[2].t;
        return ti(t, args[1].nullable || args[2].nullable);
    }
    case FN_NULLIF:
        if (n == 2)
            hint_param(an, e->list->items[1], args[0], column_name_of(&args[0]), false);
        return ti(first.t, true);
    }
    return ti(CT_UNKNOWN, true);
}
