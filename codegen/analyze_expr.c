/*
 * Expressions: operators, CASE, casts, subqueries, parameters in context.
 */
#include "analyze_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "builtins.h"
#include "pg_types.h"

#include "parse.h"
#include "sqlparse.h"
#include "tokenize.h"

/* ----------------------------------------------------------- expressions */

static TypeInfo typed(TypeInfo t, const char *sqltype)
{
    t.sqltype = sqltype;
    return t;
}

/* PostgreSQL types an integer literal int4, int8 past int4's range, and
 * numeric past int8's. */
static const char *integer_literal_type(const Expr *e)
{
    if (e->tok.n > 1 && (e->tok.z[1] == 'x' || e->tok.z[1] == 'X'))
        return "int8";
    if (e->tok.n > 20)
        return "numeric";
    char buf[24];
    snprintf(buf, sizeof buf, "%.*s", e->tok.n, e->tok.z);
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno == ERANGE)
        return "numeric";
    return v > 2147483647LL ? "int8" : "int4";
}

/* CURRENT_DATE is date, CURRENT_TIME timetz, CURRENT_TIMESTAMP timestamptz */
static const char *current_type(const Expr *e)
{
    if (str_ieq_n(e->tok.z, (size_t)e->tok.n, "current_date"))
        return "date";
    if (str_ieq_n(e->tok.z, (size_t)e->tok.n, "current_time"))
        return "timetz";
    return "timestamptz";
}

/* The argument of ANY(x) / ALL(x), or e itself. */
static Expr *any_argument(Expr *e)
{
    Expr *s = strip(e);
    if (s->kind == EX_FUNC && PTRLIST_LEN(s->list) == 1 && !TOKEN_SET(s->table) &&
        (str_ieq_n(s->tok.z, (size_t)s->tok.n, "any") || str_ieq_n(s->tok.z, (size_t)s->tok.n, "all") ||
         str_ieq_n(s->tok.z, (size_t)s->tok.n, "some")))
        return s->list->items[0];
    return e;
}

/* The items of (a, b) or ROW(a, b), or NULL. */
PtrList *row_items(Expr *e)
{
    e = strip(e);
    if (e && e->kind == EX_ROW)
        return e->list;
    if (e && e->kind == EX_FUNC && !TOKEN_SET(e->table) && str_ieq_n(e->tok.z, (size_t)e->tok.n, "row"))
        return e->list ? e->list : NULL;
    return NULL;
}

static bool op_is(const Expr *e, const char *op) { return e->tok.n == (int)strlen(op) && memcmp(e->tok.z, op, strlen(op)) == 0; }

/* PostgreSQL's other operators, by what they return. */
static TypeInfo type_operator(Analyzer *an, Expr *e, TypeInfo l, TypeInfo r)
{
    static const char *const predicates[] = {
        "@>", "<@", "&&", "?", "?|", "?&", "~", "~*", "!~", "!~*", "~~", "~~*", "!~~", "!~~*", "@@", "@?", "^@",
        "-|-", "&<", "&>", "<<|", "|>>", "&<|", "|&>", "<<=", ">>=", "<->",
    };
    static const char *const text_patterns[] = {"~", "~*", "!~", "!~*", "~~", "~~*", "!~~", "!~~*", "^@"};
    bool nullable = l.nullable || r.nullable;
    for (size_t i = 0; i < sizeof text_patterns / sizeof text_patterns[0]; i++)
        if (op_is(e, text_patterns[i])) {
            hint_param(an, e->lhs, ti(CT_TEXT, false), NULL, false);
            hint_param(an, e->rhs, ti(CT_TEXT, false), column_name_of(&l), false);
        }
    if (op_is(e, "?")) /* jsonb ? key */
        hint_param(an, e->rhs, ti(CT_TEXT, false), "key", false);
    if (op_is(e, "<->"))
        return ti(CT_DOUBLE, nullable);
    for (size_t i = 0; i < sizeof predicates / sizeof predicates[0]; i++)
        if (op_is(e, predicates[i])) {
            /* meta @> $1: the parameter has the other side's type (jsonb) */
            hint_param(an, e->rhs, l, column_name_of(&l), false);
            hint_param(an, e->lhs, r, column_name_of(&r), false);
            return ti(CT_BOOL, nullable);
        }
    if (op_is(e, "#>") || op_is(e, "#-")) /* jsonb path: jsonb */
        return ti(l.t, true);
    if (op_is(e, "#>>"))
        return ti(CT_TEXT, true);
    if (op_is(e, "^") || op_is(e, "|/") || op_is(e, "||/"))
        return ti(CT_DOUBLE, nullable);
    if (op_is(e, "#"))
        return ti(CT_INT64, nullable);
    return ti(CT_UNKNOWN, true);
}

/* a[i] is an element of an array column; a[lo:hi] is an array again. */
static TypeInfo type_subscript(Analyzer *an, Scope *sc, Expr *e)
{
    TypeInfo base = type_expr(an, sc, e->lhs);
    if (e->rhs) {
        type_expr(an, sc, e->rhs);
        hint_param(an, e->rhs, ti(CT_INT64, false), NULL, false);
    }
    if (e->extra) {
        type_expr(an, sc, e->extra);
        hint_param(an, e->extra, ti(CT_INT64, false), NULL, false);
    }
    const char *decl = base.col ? base.col->decl_type : NULL;
    size_t n = decl ? strlen(decl) : 0;
    if (n > 2 && strcmp(decl + n - 2, "[]") == 0) {
        if (e->slice) {
            TypeInfo t = ti(CT_UNKNOWN, true);
            t.col = base.col; /* its message says to cast */
            return t;
        }
        char *elem = arena_strndup(an->arena, decl, n - 2);
        return ti(catalog_ctype(an->cat, elem), true);
    }
    if (!e->slice && base.t == CT_TEXT) /* jsonb['key'] */
        return ti(CT_TEXT, true);
    return ti(CT_UNKNOWN, true);
}

/* What a call carries besides its arguments: ORDER BY inside it or in
 * WITHIN GROUP, FILTER (WHERE ...), and its window's expressions. */
static void type_call_clauses(Analyzer *an, Scope *sc, Expr *e)
{
    for (int i = 0; i < PTRLIST_LEN(e->order_by); i++)
        type_expr(an, sc, ((ResultCol *)e->order_by->items[i])->expr);
    if (e->filter) {
        type_expr(an, sc, e->filter);
        hint_param(an, e->filter, ti(CT_BOOL, false), NULL, false);
    }
    for (int i = 0; i < PTRLIST_LEN(e->over); i++)
        type_expr(an, sc, e->over->items[i]);
}

static bool is_comparison(int op)
{
    return op == TK_EQ || op == TK_NE || op == TK_LT || op == TK_LE || op == TK_GT || op == TK_GE;
}

/* tags @> @wanted::text[], tags && $1::text[], doc #>> @path::text[],
 * doc ?| @keys::text[]: an operand of an operator that reads an array,
 * when it is a parameter cast to an array, is a list, as in ANY(). */
static TypeInfo type_array_operand(Analyzer *an, Scope *sc, Expr *e, Expr *x)
{
    static const char *const array_ops[] = {"@>", "<@", "&&", "#>", "#>>", "#-", "?|", "?&"};
    Expr *c = strip(x);
    bool array_op = false;
    for (size_t i = 0; e->op == TK_OP && i < sizeof array_ops / sizeof array_ops[0]; i++)
        array_op |= op_is(e, array_ops[i]);
    if (!array_op || c->kind != EX_CAST || !c->type->array ||
        !(is_param(strip(c->lhs)) || strip(c->lhs)->kind == EX_STRING))
        return type_expr(an, sc, x);
    an->list_context = true;
    TypeInfo t = type_expr(an, sc, x);
    an->list_context = false;
    Param *p = is_param(strip(c->lhs)) ? param_of(an, strip(c->lhs)) : NULL;
    if (p)
        p->list = true;
    return t;
}

/* The pg_operator entry PostgreSQL picks for binary operator e; an
 * unknown operand (a literal, a parameter) is taken to have the other
 * one's type first, as PostgreSQL does, then matches what the candidates
 * take (interval * unknown is interval * float8). */
static bool resolve_pg_operator(const Expr *e, const BuiltinArg *la, const BuiltinArg *ra, BuiltinCall *call)
{
    char op[8];
    if (e->tok.n <= 0 || (size_t)e->tok.n >= sizeof op)
        return false;
    memcpy(op, e->tok.z, (size_t)e->tok.n);
    op[e->tok.n] = 0;
    if (la->pg && strcmp(la->pg, "unknown") == 0 && ra->pg && strcmp(ra->pg, "unknown") != 0) {
        BuiltinArg same = {ra->t, ra->pg, la->nullable, NULL};
        if (builtin_pg_operator(op, &same, ra, call))
            return true;
    } else if (ra->pg && strcmp(ra->pg, "unknown") == 0 && la->pg && strcmp(la->pg, "unknown") != 0) {
        BuiltinArg same = {la->t, la->pg, ra->nullable, NULL};
        if (builtin_pg_operator(op, la, &same, call))
            return true;
    }
    return builtin_pg_operator(op, la, ra, call);
}

/* PostgreSQL's result for an arithmetic, string or JSON operator: date -
 * date is integer, timestamptz - timestamptz interval, int4 / int4 int4,
 * bigint + numeric numeric. */
static bool pg_operator_type(const Expr *e, const TypeInfo *l, const TypeInfo *r, TypeInfo *out)
{
    BuiltinArg args[2] = {builtin_arg(l), builtin_arg(r)};
    BuiltinCall call;
    if (!resolve_pg_operator(e, &args[0], &args[1], &call))
        return false;
    *out = call.result_pg ? ti_pg(call.result_pg, builtin_nullable(&call, 2, args))
                          : ti(call.result, builtin_nullable(&call, 2, args));
    return out->t != CT_UNKNOWN;
}

/* A parameter of an arithmetic operator takes the type the operator PostgreSQL
 * picks takes there, when that is not the other operand's (which the
 * caller's hint gives anyway): interval '1 hour' * $1 is a float8. */
static void hint_pg_operand(Analyzer *an, const Expr *e, TypeInfo l, TypeInfo r)
{
    Expr *ls = strip(e->lhs), *rs = strip(e->rhs);
    bool param_right = is_param(rs) && !is_param(ls), param_left = is_param(ls) && !is_param(rs);
    BuiltinArg la = builtin_arg(&l), ra = builtin_arg(&r);
    const char *known = param_right ? la.pg : param_left ? ra.pg : NULL;
    BuiltinCall call;
    if (!known || strcmp(known, "unknown") == 0 || !resolve_pg_operator(e, &la, &ra, &call) || call.nargs != 2)
        return;
    const char *t = call.arg_pg[param_right ? 1 : 0];
    if (t && strcmp(t, known) != 0)
        hint_param(an, param_right ? e->rhs : e->lhs, ti_pg(t, false), NULL, false);
}

static TypeInfo type_binary(Analyzer *an, Scope *sc, Expr *e)
{
    TypeInfo l = type_array_operand(an, sc, e, e->lhs);
    TypeInfo r = type_array_operand(an, sc, e, e->rhs);
    bool nullable = l.nullable || r.nullable;
    if (e->op == TK_AND || e->op == TK_OR) {
        hint_param(an, e->lhs, ti(CT_BOOL, false), NULL, false);
        hint_param(an, e->rhs, ti(CT_BOOL, false), NULL, false);
        return ti(CT_BOOL, nullable);
    }
    if (e->op == TK_CONCAT) {
        /* tags || 'x' and ARRAY[a] || b are arrays, which keel does not map;
         * text || text and jsonb || jsonb stay text */
        Expr *ls = strip(e->lhs), *rs = strip(e->rhs);
        bool l_unknown = l.t == CT_UNKNOWN && !is_param(ls) && ls->kind != EX_NULL;
        bool r_unknown = r.t == CT_UNKNOWN && !is_param(rs) && rs->kind != EX_NULL;
        if (l_unknown || r_unknown) {
            TypeInfo t = ti(CT_UNKNOWN, nullable);
            t.col = l_unknown ? l.col : r.col;
            return t;
        }
        hint_param(an, e->lhs, ti(CT_TEXT, false), NULL, false);
        hint_param(an, e->rhs, ti(CT_TEXT, false), NULL, false);
        return ti(CT_TEXT, nullable);
    }
    if (e->op == TK_AT) { /* ts AT TIME ZONE 'UTC': a timestamp, text in C */
        hint_param(an, e->rhs, ti(CT_TEXT, false), "zone", false);
        return ti(CT_TEXT, nullable);
    }
    /* (created_at, id) < ($1, $2): keyset pagination, element by element;
     * (a, b) OVERLAPS (c, d) likewise */
    PtrList *lrow = row_items(e->lhs), *rrow = row_items(e->rhs);
    if (lrow && rrow && lrow->n == rrow->n) {
        for (int i = 0; i < lrow->n; i++) {
            TypeInfo a = type_expr(an, sc, lrow->items[i]);
            TypeInfo b = type_expr(an, sc, rrow->items[i]);
            hint_param(an, lrow->items[i], b, column_name_of(&b), false);
            hint_param(an, rrow->items[i], a, column_name_of(&a), false);
        }
        return ti(CT_BOOL, nullable);
    }
    if (e->op == TK_OVERLAPS)
        return ti(CT_BOOL, nullable);
    if (e->op == TK_OP)
        return type_operator(an, e, l, r);
    if (an->cat->dialect == DIALECT_POSTGRES && !is_comparison(e->op))
        hint_pg_operand(an, e, l, r);
    /* A parameter compared or combined with a typed operand takes its type
     * and, for a column, its name; x = ANY($1) makes $1 a list of x's type. */
    hint_param(an, any_argument(e->lhs), r, column_name_of(&r), false);
    hint_param(an, any_argument(e->rhs), l, column_name_of(&l), false);
    if (is_param(strip(e->lhs)))
        l = r;
    if (is_param(strip(e->rhs)))
        r = l;
    if (is_comparison(e->op)) {
        /* id = $1::bigint[]: no engine compares a value with an array */
        bool literal = (l.sqltype && strcmp(l.sqltype, "unknown") == 0) || (r.sqltype && strcmp(r.sqltype, "unknown") == 0);
        if (l.list != r.list && l.t != CT_UNKNOWN && r.t != CT_UNKNOWN && !literal && !is_param(strip(e->lhs)) &&
            !is_param(strip(e->rhs)) && any_argument(e->lhs) == e->lhs && any_argument(e->rhs) == e->rhs)
            error_at(an, e->tok.pos, "cannot compare %s%s with %s%s; for an element of an array use = ANY(array)",
                     l.list ? "an array of " : "", ctype_name(l.t), r.list ? "an array of " : "", ctype_name(r.t));
        return ti(CT_BOOL, nullable);
    }
    TypeInfo op_type;
    if (an->cat->dialect == DIALECT_POSTGRES && pg_operator_type(e, &l, &r, &op_type))
        return op_type;
    if (e->op == TK_PTR)
        return ti(CT_TEXT, true);
    if (e->op == TK_BITAND || e->op == TK_BITOR || e->op == TK_LSHIFT || e->op == TK_RSHIFT || e->op == TK_REM)
        return ti(CT_INT64, nullable);
    if (l.t == CT_DOUBLE || r.t == CT_DOUBLE)
        return ti(CT_DOUBLE, nullable);
    if (l.t == CT_INT64 && r.t == CT_INT64)
        return ti(CT_INT64, nullable);
    return ti(l.t != CT_UNKNOWN ? l.t : r.t, nullable);
}

static TypeInfo type_case(Analyzer *an, Scope *sc, Expr *e)
{
    TypeInfo operand = e->lhs ? type_expr(an, sc, e->lhs) : ti(CT_UNKNOWN, false);
    CType result = CT_UNKNOWN;
    bool nullable = e->rhs == NULL;
    for (int i = 0; i + 1 < e->list->n; i += 2) {
        TypeInfo w = type_expr(an, sc, e->list->items[i]);
        if (e->lhs) {
            hint_param(an, e->list->items[i], operand, column_name_of(&operand), false);
            hint_param(an, e->lhs, w, column_name_of(&w), false);
        } else {
            hint_param(an, e->list->items[i], ti(CT_BOOL, false), NULL, false); /* CASE WHEN @flag THEN */
        }
        TypeInfo th = type_expr(an, sc, e->list->items[i + 1]);
        if (result == CT_UNKNOWN)
            result = th.t;
        nullable |= th.nullable;
    }
    if (e->rhs) {
        TypeInfo el = type_expr(an, sc, e->rhs);
        if (result == CT_UNKNOWN)
            result = el.t;
        nullable |= el.nullable;
    }
    /* every branch has the CASE's one type: THEN @x ELSE col types @x */
    for (int i = 1; i < e->list->n; i += 2)
        hint_param(an, e->list->items[i], ti(result, false), NULL, false);
    hint_param(an, e->rhs, ti(result, false), NULL, false);
    return ti(result, nullable);
}

/* sqlc.slice(x), as sqlparse.c merges it into one token: a list spread
 * into an IN, unlike sqlc.narg(x)::int[], an array that is one value. */
static bool is_sqlc_slice(const Expr *e)
{
    if (e->kind != EX_PARAM || !is_sqlc_call(e))
        return false;
    const char *p = e->tok.z + 4, *end = e->tok.z + e->tok.n;
    while (p < end && (*p == '.' || isspace((unsigned char)*p)))
        p++;
    return end - p >= 5 && strncasecmp(p, "slice", 5) == 0;
}

/* PostgreSQL types a parameter where it is first met; a bare `$1 IS NULL`
 * gives it none, and the server then refuses the query ("could not
 * determine data type of parameter $1") even when a later `col = $1` has
 * a type. Marks such a first use, in both the analysis's order (FROM
 * before the rest) and the text's; name_params reports it. */
static void note_untyped_null_test(Analyzer *an, Expr *operand)
{
    Expr *x = strip(operand);
    if (an->q->dialect != DIALECT_POSTGRES || !is_param(x))
        return;
    Param *p = param_of(an, x);
    if (!p || p->visited || p->untyped_null_test.file)
        return;
    size_t off = token_offset(x->kind == EX_FUNC ? &x->table : &x->tok);
    for (int i = 0; i < an->q->uses->n; i++) {
        const ParamUse *u = an->q->uses->items[i];
        if (u->param == p && u->offset < off)
            return;
    }
    p->untyped_null_test = x->kind == EX_FUNC ? x->table.pos : x->tok.pos;
}

TypeInfo type_expr(Analyzer *an, Scope *sc, Expr *e)
{
    if (!e)
        return ti(CT_UNKNOWN, true);
    switch (e->kind) {
    case EX_COLUMN: return resolve_column(an, sc, e);
    case EX_INTEGER: {
        /* past int64's range both engines read an integer literal as a
         * number of another kind: numeric (PostgreSQL), REAL (SQLite) */
        const char *pg = integer_literal_type(e);
        return typed(ti(strcmp(pg, "numeric") == 0 ? CT_DOUBLE : CT_INT64, false), pg);
    }
    case EX_FLOAT: return typed(ti(CT_DOUBLE, false), "numeric");
    case EX_STRING: return typed(ti(CT_TEXT, false), "unknown");
    case EX_BLOB: return ti(CT_BLOB, false);
    case EX_NULL: return typed(ti(CT_UNKNOWN, true), "unknown");
    case EX_TRUE:
    case EX_FALSE: return typed(ti(CT_BOOL, false), "bool");
    case EX_CURRENT: return typed(ti(CT_TEXT, false), current_type(e));
    case EX_DEFAULT: return ti(CT_UNKNOWN, true);
    case EX_PARAM: {
        Param *p = param_of(an, e);
        if (p)
            p->visited = true;
        if (p && p->list && !an->in_list_item && is_sqlc_slice(e)) {
            error_at(an, e->tok.pos, "sqlc.slice(%s) must be the only item of an IN list: x IN (sqlc.slice(%s))",
                     p->name, p->name);
            return ti(CT_UNKNOWN, true);
        }
        if (p && p->typed)
            return ti(p->ctype, p->nullable);
        return typed(ti(CT_UNKNOWN, false), "unknown");
    }
    case EX_BINARY: return type_binary(an, sc, e);
    case EX_UNARY: {
        TypeInfo x = type_expr(an, sc, e->lhs);
        if (e->op == TK_NOT) {
            hint_param(an, e->lhs, ti(CT_BOOL, false), NULL, false);
            return ti(CT_BOOL, x.nullable);
        }
        if (e->op == TK_BITNOT)
            return ti(CT_INT64, x.nullable);
        return ti(x.t, x.nullable);
    }
    case EX_FUNC:
        type_call_clauses(an, sc, e);
        return type_function(an, sc, e);
    case EX_CAST: {
        /* ANY(@ids::bigint[]): a list parameter; ANY('{1,2}'::bigint[]): a literal list */
        bool list_cast = e->type->array && an->list_context &&
                         (is_param(strip(e->lhs)) || strip(e->lhs)->kind == EX_STRING);
        an->list_context = false;
        TypeInfo x = type_expr(an, sc, e->lhs);
        /* ANY(@ids::bigint[]): the parameter is a list of bigint; elsewhere
         * on PostgreSQL, x::text[] is an array, a list in C */
        bool pg_array = e->type->array && an->cat->dialect == DIALECT_POSTGRES;
        if (e->type->array_dims > 1) {
            error_at(an, e->type->tok.pos,
                     "keel cannot map the multi-dimensional array type \"%s%s\": its lists have one dimension",
                     e->type->text, "[][]");
            return ti(CT_UNKNOWN, true);
        }
        /* SQLite: CAST(x AS TEXT[]) is a cast to text affinity, no array */
        CType t = catalog_ctype(an->cat, e->type->text);
        if (t == CT_UNKNOWN)
            error_at(an, e->type->tok.pos, "keel cannot map type \"%s%s\" to a C type", e->type->text,
                     e->type->array ? "[]" : "");
        TypeInfo hint = ti(t, false);
        hint.list = pg_array;
        hint_param(an, e->lhs, hint, NULL, false);
        const char *pg = pg_type_canonical(e->type->text);
        TypeInfo r = typed(ti(t, is_param(strip(e->lhs)) ? false : x.nullable), e->type->array ? pg_array_of(pg) : pg);
        r.list = pg_array && !list_cast;
        return r;
    }
    case EX_CASE: return type_case(an, sc, e);
    case EX_IN_LIST: {
        TypeInfo l = type_expr(an, sc, e->lhs);
        bool nullable = l.nullable;
        for (int i = 0; i < e->list->n; i++) {
            an->in_list_item = e->list->n == 1;
            TypeInfo x = type_expr(an, sc, e->list->items[i]);
            an->in_list_item = false;
            hint_param(an, e->list->items[i], l, column_name_of(&l), false);
            hint_param(an, e->lhs, x, column_name_of(&x), false);
            nullable |= x.nullable;
        }
        return ti(CT_BOOL, nullable);
    }
    case EX_IN_SELECT: {
        TypeInfo l = type_expr(an, sc, e->lhs);
        PtrList *cols = analyze_select(an, sc, e->select);
        if (PTRLIST_LEN(cols) == 1) {
            OutColumn *c = cols->items[0];
            hint_param(an, e->lhs, ti(c->ctype, false), c->name, false);
        }
        return ti(CT_BOOL, l.nullable);
    }
    case EX_EXISTS:
        analyze_select(an, sc, e->select);
        return ti(CT_BOOL, false);
    case EX_SUBQUERY: {
        PtrList *cols = analyze_select(an, sc, e->select);
        if (PTRLIST_LEN(cols) != 1) {
            error_at(an, e->tok.pos, "a scalar subquery must return exactly one column");
            return ti(CT_UNKNOWN, true);
        }
        OutColumn *c = cols->items[0];
        return ti(c->ctype, true); /* no row is NULL */
    }
    case EX_BETWEEN: {
        TypeInfo x = type_expr(an, sc, e->lhs);
        TypeInfo lo = type_expr(an, sc, e->rhs);
        TypeInfo hi = type_expr(an, sc, e->extra);
        const char *base = column_name_of(&x);
        hint_param(an, e->rhs, x, base ? arena_printf(an->arena, "%s_from", base) : NULL, false);
        hint_param(an, e->extra, x, base ? arena_printf(an->arena, "%s_to", base) : NULL, false);
        hint_param(an, e->lhs, lo.t != CT_UNKNOWN ? lo : hi, NULL, false);
        return ti(CT_BOOL, x.nullable || lo.nullable || hi.nullable);
    }
    case EX_IS: {
        TypeInfo l = type_expr(an, sc, e->lhs);
        TypeInfo r = type_expr(an, sc, e->rhs);
        /* IS compares NULLs too, so a parameter here may be NULL */
        hint_param(an, e->lhs, r, column_name_of(&r), true);
        hint_param(an, e->rhs, l, column_name_of(&l), true);
        return ti(CT_BOOL, false);
    }
    case EX_ISNULL: {
        note_untyped_null_test(an, e->lhs);
        type_expr(an, sc, e->lhs);
        Expr *x = strip(e->lhs);
        while (x->kind == EX_CAST)
            x = strip(x->lhs);
        if (is_param(x)) {
            Param *p = param_of(an, x);
            if (p)
                p->nullable = true; /* (@x IS NULL OR col = @x): x is optional */
        }
        return ti(CT_BOOL, false);
    }
    case EX_LIKE: {
        TypeInfo l = type_expr(an, sc, e->lhs);
        TypeInfo r = type_expr(an, sc, e->rhs);
        if (e->extra)
            type_expr(an, sc, e->extra);
        hint_param(an, e->rhs, ti(CT_TEXT, false), column_name_of(&l), false);
        hint_param(an, e->lhs, ti(CT_TEXT, false), NULL, false);
        hint_param(an, e->extra, ti(CT_TEXT, false), "escape", false);
        return ti(CT_BOOL, l.nullable || r.nullable);
    }
    case EX_COLLATE: return type_expr(an, sc, e->lhs);
    case EX_ROW:
        for (int i = 0; i < e->list->n; i++)
            type_expr(an, sc, e->list->items[i]);
        return ti(CT_UNKNOWN, true);
    case EX_SUBSCRIPT: return type_subscript(an, sc, e);
    case EX_NAMEDARG: return type_expr(an, sc, e->lhs);
    }
    return ti(CT_UNKNOWN, true);
}
