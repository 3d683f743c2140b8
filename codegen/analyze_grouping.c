/*
 * GROUP BY strictness, for common queries as PostgreSQL receives them.
 *
 * SQLite lets a grouped SELECT name a column that is neither grouped nor
 * aggregated (a "bare column": its value comes from some row of the
 * group); PostgreSQL refuses it unless the column's table has its primary
 * key in GROUP BY (functional dependency). Common SQL runs on both, so the
 * PostgreSQL copy of a common query is checked here, without a server.
 *
 * The check only reports what PostgreSQL certainly refuses: a column it
 * cannot tie to one FROM item of this SELECT (outer references, names it
 * cannot resolve, FROM items whose columns it does not know), a column
 * mentioned anywhere in a GROUP BY expression, the arguments of window or
 * unknown functions, and GROUPING SETS / ROLLUP / CUBE are all left alone;
 * the server check still sees every query.
 */
#include "analyze_internal.h"

#include <stdlib.h>
#include <string.h>

#include "sqlparse.h"

typedef struct GroupSource {
    const char *ref;    /* alias, or the table's name */
    const Table *table; /* a base table of the catalog; NULL for anything else */
} GroupSource;

typedef struct GroupedColumn {
    const char *name;
    int source; /* index into the sources; -1 when not known: matches any */
} GroupedColumn;

typedef struct Grouping {
    Analyzer *an;
    const PtrList *ctes; /* of char*: the CTE names this SELECT sees */
    const Select *s;
    GroupSource *sources;
    int n_sources;
    bool all_tables;      /* every FROM item is a base table: bare names resolve */
    PtrList *grouped;     /* of GroupedColumn* */
    bool *result_grouped; /* a result column GROUP BY names by alias or position */
} Grouping;

static void visit_select(Analyzer *an, const PtrList *ctes, const Select *s);

/* ------------------------------------------------------- nested SELECTs */

static void visit_expr_selects(Analyzer *an, const PtrList *ctes, const Expr *e)
{
    if (!e || !an->ok)
        return;
    if (e->select)
        visit_select(an, ctes, e->select);
    visit_expr_selects(an, ctes, e->lhs);
    visit_expr_selects(an, ctes, e->rhs);
    visit_expr_selects(an, ctes, e->extra);
    visit_expr_selects(an, ctes, e->filter);
    for (int i = 0; i < PTRLIST_LEN(e->list); i++)
        visit_expr_selects(an, ctes, e->list->items[i]);
}

static void visit_result_selects(Analyzer *an, const PtrList *ctes, const PtrList *cols)
{
    for (int i = 0; i < PTRLIST_LEN(cols); i++)
        visit_expr_selects(an, ctes, ((const ResultCol *)cols->items[i])->expr);
}

/* The CTE names visible inside a WITH: the enclosing ones and its own. */
static const PtrList *with_ctes(Analyzer *an, const PtrList *outer, const With *with)
{
    if (!with || PTRLIST_LEN(with->ctes) == 0)
        return outer;
    PtrList *names = ptrlist_new(an->arena);
    for (int i = 0; i < PTRLIST_LEN(outer); i++)
        ptrlist_push(an->arena, names, outer->items[i]);
    for (int i = 0; i < PTRLIST_LEN(with->ctes); i++)
        ptrlist_push(an->arena, names, token_name(an->arena, &((const Cte *)with->ctes->items[i])->name));
    return names;
}

/* ----------------------------------------------------------- resolution */

static bool is_cte(const Grouping *g, const char *name)
{
    for (int i = 0; i < PTRLIST_LEN(g->ctes); i++)
        if (strcmp(g->ctes->items[i], name) == 0)
            return true;
    return false;
}

static const Column *table_column(const Table *t, const char *name)
{
    for (int i = 0; t && i < PTRLIST_LEN(t->columns); i++) {
        const Column *c = t->columns->items[i];
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

static void add_sources(Grouping *g)
{
    Analyzer *an = g->an;
    const PtrList *from = g->s->from;
    g->n_sources = PTRLIST_LEN(from);
    g->sources = arena_alloc(an->arena, sizeof(GroupSource) * (size_t)(g->n_sources + 1));
    g->all_tables = true;
    for (int i = 0; i < g->n_sources; i++) {
        const SrcItem *it = from->items[i];
        GroupSource *src = &g->sources[i];
        const Token *ref = TOKEN_SET(it->alias) ? &it->alias : &it->name;
        src->ref = TOKEN_SET(*ref) ? token_name(an->arena, ref) : "";
        src->table = NULL;
        if (!it->subquery && !it->func && !it->func_args && TOKEN_SET(it->name)) {
            char *key = table_key(an->arena, DIALECT_POSTGRES, &it->schema, &it->name);
            const Table *t = TOKEN_SET(it->schema) || !is_cte(g, key) ? catalog_find_table(an->cat, key) : NULL;
            if (t && !t->view && t->columns)
                src->table = t;
        }
        g->all_tables &= src->table != NULL;
    }
}

/* The FROM item a column reference belongs to, or -1 when that is not
 * certain (an outer reference, a result alias, an unknown item). */
static int column_source(const Grouping *g, const Expr *e, const char *name)
{
    if (TOKEN_SET(e->table)) {
        char *ref = token_name(g->an->arena, &e->table);
        for (int i = 0; i < g->n_sources; i++)
            if (strcmp(g->sources[i].ref, ref) == 0)
                return i;
        return -1;
    }
    if (!g->all_tables)
        return -1;
    int found = -1;
    for (int i = 0; i < g->n_sources; i++) {
        if (!table_column(g->sources[i].table, name))
            continue;
        if (found >= 0) /* in two items: USING merged them, or the analyzer said */
            return -1;
        found = i;
    }
    return found;
}

static bool is_result_alias(const Grouping *g, const char *name, int *index)
{
    for (int i = 0; i < PTRLIST_LEN(g->s->result); i++) {
        const ResultCol *rc = g->s->result->items[i];
        if (TOKEN_SET(rc->alias) && strcmp(token_name(g->an->arena, &rc->alias), name) == 0) {
            *index = i;
            return true;
        }
    }
    return false;
}

/* --------------------------------------------------------- GROUP BY set */

static void add_grouped(Grouping *g, const char *name, int source)
{
    GroupedColumn *gc = arena_alloc(g->an->arena, sizeof *gc);
    gc->name = name;
    gc->source = source;
    ptrlist_push(g->an->arena, g->grouped, gc);
}

/* Every column an expression mentions counts as grouped: GROUP BY lower(x)
 * makes lower(x) legal, and telling it from a bare x needs expression
 * equality this check does without. */
static void add_mentioned(Grouping *g, const Expr *e)
{
    if (!e)
        return;
    if (e->kind == EX_COLUMN) {
        char *name = token_name(g->an->arena, &e->tok);
        add_grouped(g, name, column_source(g, e, name));
        return;
    }
    add_mentioned(g, e->lhs);
    add_mentioned(g, e->rhs);
    add_mentioned(g, e->extra);
    for (int i = 0; i < PTRLIST_LEN(e->list); i++)
        add_mentioned(g, e->list->items[i]);
}

static void group_result_column(Grouping *g, int index)
{
    g->result_grouped[index] = true;
    add_mentioned(g, ((const ResultCol *)g->s->result->items[index])->expr);
}

/* False for GROUPING SETS, ROLLUP and CUBE, which this check leaves alone. */
static bool add_group_by(Grouping *g)
{
    int n_result = PTRLIST_LEN(g->s->result);
    for (int i = 0; i < PTRLIST_LEN(g->s->group_by); i++) {
        const Expr *e = g->s->group_by->items[i];
        if (e->kind == EX_FUNC && !TOKEN_SET(e->table) &&
            (str_ieq_n(e->tok.z, (size_t)e->tok.n, "rollup") || str_ieq_n(e->tok.z, (size_t)e->tok.n, "cube") ||
             str_ieq_n(e->tok.z, (size_t)e->tok.n, "grouping")))
            return false;
        if (e->kind == EX_INTEGER) { /* GROUP BY 1: the first result column */
            int k = (int)strtol(arena_strndup(g->an->arena, e->tok.z, (size_t)e->tok.n), NULL, 10);
            if (k >= 1 && k <= n_result)
                group_result_column(g, k - 1);
            continue;
        }
        if (e->kind != EX_COLUMN) {
            add_mentioned(g, e);
            continue;
        }
        char *name = token_name(g->an->arena, &e->tok);
        int source = column_source(g, e, name), alias;
        /* PostgreSQL reads a bare GROUP BY name as an input column first,
         * then as a result column's alias */
        if (source < 0 && !TOKEN_SET(e->table) && is_result_alias(g, name, &alias))
            group_result_column(g, alias);
        add_grouped(g, name, source);
    }
    return true;
}

static bool is_grouped(const Grouping *g, const char *name, int source)
{
    for (int i = 0; i < PTRLIST_LEN(g->grouped); i++) {
        const GroupedColumn *gc = g->grouped->items[i];
        if (strcmp(gc->name, name) == 0 && (gc->source < 0 || gc->source == source))
            return true;
    }
    return false;
}

/* PostgreSQL's functional dependency: a base table's every column is
 * grouped once its whole primary key is. */
static bool primary_key_grouped(const Grouping *g, int source)
{
    const Table *t = g->sources[source].table;
    if (!t)
        return false;
    int keys = 0;
    for (int i = 0; i < PTRLIST_LEN(t->columns); i++) {
        const Column *c = t->columns->items[i];
        if (!c->primary_key)
            continue;
        keys++;
        if (!is_grouped(g, c->name, source))
            return false;
    }
    return keys > 0;
}

/* ------------------------------------------------------------ the check */

static bool is_known_function(const Expr *e, char kind, Analyzer *an)
{
    if (e->kind != EX_FUNC || TOKEN_SET(e->table))
        return false;
    int n = e->star ? 0 : PTRLIST_LEN(e->list);
    if (n > BUILTIN_MAX_ARGS)
        return false;
    BuiltinArg args[BUILTIN_MAX_ARGS];
    for (int i = 0; i < n; i++)
        args[i] = (BuiltinArg){.t = CT_UNKNOWN, .pg = "unknown", .nullable = true};
    BuiltinCall call;
    return builtin_function(DIALECT_POSTGRES, token_name(an->arena, &e->tok), n, args, &call) && call.kind == kind;
}

static bool is_aggregate(const Expr *e, Analyzer *an) { return !e->over && is_known_function(e, 'a', an); }

/* An aggregate call at this SELECT's level (not in a subquery). */
static bool has_aggregate(const Expr *e, Analyzer *an)
{
    if (!e || e->kind == EX_SUBQUERY || e->kind == EX_EXISTS)
        return false;
    if (e->kind == EX_FUNC && is_aggregate(e, an))
        return true;
    if (has_aggregate(e->lhs, an) || has_aggregate(e->rhs, an) || has_aggregate(e->extra, an))
        return true;
    for (int i = 0; i < PTRLIST_LEN(e->list); i++)
        if (has_aggregate(e->list->items[i], an))
            return true;
    return false;
}

/* Reports the first column PostgreSQL refuses as neither grouped nor
 * aggregated; false once one was. */
static bool check_expr(Grouping *g, const Expr *e)
{
    if (!e || e->kind == EX_SUBQUERY || e->kind == EX_EXISTS)
        return true;
    if (e->kind == EX_IN_SELECT)
        return check_expr(g, e->lhs);
    if (e->kind == EX_FUNC) {
        /* inside an aggregate anything goes; window and unknown functions
         * are left to the server */
        if (e->over || !is_known_function(e, 'f', g->an))
            return true;
    }
    if (e->kind == EX_COLUMN) {
        char *name = token_name(g->an->arena, &e->tok);
        int source = column_source(g, e, name);
        if (source < 0 || is_grouped(g, name, source) || primary_key_grouped(g, source))
            return true;
        const char *shown = TOKEN_SET(e->table) ? arena_printf(g->an->arena, "%s.%s", token_text(g->an->arena, &e->table),
                                                               token_text(g->an->arena, &e->tok))
                                                : token_text(g->an->arena, &e->tok);
        error_at(g->an, TOKEN_SET(e->table) ? e->table.pos : e->tok.pos,
                 "%s is neither in GROUP BY nor in an aggregate: SQLite takes it from some row of each group, "
                 "PostgreSQL refuses it: group by it (or by its table's primary key), or aggregate it",
                 shown);
        return false;
    }
    if (!check_expr(g, e->lhs) || !check_expr(g, e->rhs) || !check_expr(g, e->extra))
        return false;
    for (int i = 0; i < PTRLIST_LEN(e->list); i++)
        if (!check_expr(g, e->list->items[i]))
            return false;
    return true;
}

static void check_grouped_select(Analyzer *an, const PtrList *ctes, const Select *s)
{
    bool grouped = PTRLIST_LEN(s->group_by) > 0 || has_aggregate(s->having, an);
    for (int i = 0; !grouped && i < PTRLIST_LEN(s->result); i++)
        grouped = has_aggregate(((const ResultCol *)s->result->items[i])->expr, an);
    if (!grouped || s->values)
        return;
    Grouping g = {.an = an, .ctes = ctes, .s = s, .grouped = ptrlist_new(an->arena)};
    g.result_grouped = arena_alloc(an->arena, sizeof(bool) * (size_t)(PTRLIST_LEN(s->result) + 1));
    memset(g.result_grouped, 0, sizeof(bool) * (size_t)(PTRLIST_LEN(s->result) + 1));
    add_sources(&g);
    if (!add_group_by(&g))
        return;
    for (int i = 0; i < PTRLIST_LEN(s->result); i++) {
        const ResultCol *rc = s->result->items[i];
        if (!g.result_grouped[i] && !check_expr(&g, rc->expr))
            return;
    }
    if (!check_expr(&g, s->having))
        return;
    /* ORDER BY of a plain SELECT: a bare name or a position is a result
     * column, anything else reads the FROM items */
    for (int i = 0; !s->prior && i < PTRLIST_LEN(s->order_by); i++) {
        const Expr *e = ((const ResultCol *)s->order_by->items[i])->expr;
        int alias;
        if (!e || e->kind == EX_INTEGER ||
            (e->kind == EX_COLUMN && !TOKEN_SET(e->table) && is_result_alias(&g, token_name(an->arena, &e->tok), &alias)))
            continue;
        if (!check_expr(&g, e))
            return;
    }
}

static void visit_select(Analyzer *an, const PtrList *ctes, const Select *s)
{
    if (!s || !an->ok)
        return;
    ctes = with_ctes(an, ctes, s->with);
    for (int i = 0; s->with && i < PTRLIST_LEN(s->with->ctes); i++)
        visit_select(an, ctes, ((const Cte *)s->with->ctes->items[i])->select);
    visit_select(an, ctes, s->prior);
    visit_select(an, ctes, s->sub);
    for (int i = 0; i < PTRLIST_LEN(s->from); i++) {
        const SrcItem *it = s->from->items[i];
        visit_select(an, ctes, it->subquery);
        visit_expr_selects(an, ctes, it->on);
    }
    visit_result_selects(an, ctes, s->result);
    visit_expr_selects(an, ctes, s->where);
    visit_expr_selects(an, ctes, s->having);
    if (an->ok && !s->sub)
        check_grouped_select(an, ctes, s);
}

void check_portable_grouping(Analyzer *an, const Stmt *stmt)
{
    const PtrList *ctes = with_ctes(an, ptrlist_new(an->arena), stmt->with);
    const Select *top = NULL;
    if (stmt->kind == STMT_SELECT)
        top = stmt->u.select;
    else if (stmt->kind == STMT_INSERT)
        top = stmt->u.insert->select;
    for (int i = 0; stmt->with && i < PTRLIST_LEN(stmt->with->ctes); i++)
        visit_select(an, ctes, ((const Cte *)stmt->with->ctes->items[i])->select);
    visit_select(an, ctes, top);
}
