/*
 * SELECT: FROM and joins, CTEs, WHERE/GROUP BY/HAVING/ORDER BY/LIMIT, and
 * compound selects.
 */
#include "analyze_internal.h"

#include <string.h>
#include <strings.h>

#include "sqlparse.h"
#include "tokenize.h"

/* --------------------------------------------------------------- SELECT */

/* The earlier source a USING / NATURAL column comes from, or NULL. */
static Source *left_provider(Scope *sc, int before, const char *name)
{
    for (int j = 0; j < before; j++) {
        Source *s = sc->sources->items[j];
        if (source_column(s, name) && !source_hides(s, name))
            return s;
    }
    return NULL;
}

/* a JOIN b USING (k) and NATURAL JOIN: the merged column is one column,
 * named by the left side; the right side's copy answers only when
 * qualified (b.k). */
static void merge_join_columns(Analyzer *an, Scope *sc, SrcItem *it, Source *src)
{
    int before = sc->sources->n - 1;
    for (int j = 0; j < PTRLIST_LEN(it->using_cols); j++) {
        Token *t = it->using_cols->items[j];
        char *name = token_name(an->arena, t);
        if (!source_column(src, name)) {
            error_at(an, t->pos, "no column \"%s\" in table \"%s\"", name, src->table_name);
            continue;
        }
        if (!left_provider(sc, before, name)) {
            error_at(an, t->pos, "column \"%s\" of USING is not in the tables joined before \"%s\"", name,
                     src->table_name);
            continue;
        }
        if (!src->hidden)
            src->hidden = ptrlist_new(an->arena);
        ptrlist_push(an->arena, src->hidden, name);
    }
    if (!it->natural)
        return;
    /* the common columns, in the left side's order (PostgreSQL lists them so) */
    for (int k = 0; k < before; k++) {
        Source *left = sc->sources->items[k];
        for (int j = 0; j < PTRLIST_LEN(left->columns); j++) {
            Column *c = left->columns->items[j];
            if (source_hides(left, c->name) || !source_column(src, c->name) || source_hides(src, c->name))
                continue;
            if (!src->hidden)
                src->hidden = ptrlist_new(an->arena);
            ptrlist_push(an->arena, src->hidden, c->name);
        }
    }
}

/* FROM x AS t(a, b): the aliases rename the first columns, in a copy. */
static void rename_columns(Analyzer *an, Source *src, SrcItem *it)
{
    if (!it->col_defs)
        return;
    if (it->col_defs->n > PTRLIST_LEN(src->columns)) {
        error_at(an, ((ColumnDef *)it->col_defs->items[0])->name.pos, "\"%s\" has %d columns but %d names are given",
                 src->name, PTRLIST_LEN(src->columns), it->col_defs->n);
        return;
    }
    PtrList *cols = ptrlist_new(an->arena);
    for (int j = 0; j < PTRLIST_LEN(src->columns); j++) {
        Column *c = arena_alloc(an->arena, sizeof *c);
        *c = *(Column *)src->columns->items[j];
        if (j < it->col_defs->n)
            c->name = token_name(an->arena, &((ColumnDef *)it->col_defs->items[j])->name);
        ptrlist_push(an->arena, cols, c);
    }
    src->columns = cols;
}

void add_from(Analyzer *an, Scope *sc, Scope *outer, PtrList *from)
{
    for (int i = 0; i < PTRLIST_LEN(from); i++) {
        SrcItem *it = from->items[i];
        Source *src;
        if (it->func) {
            src = add_function_source(an, sc, it);
        } else if (it->subquery) {
            /* LATERAL (SELECT ...) sees the items before it */
            PtrList *cols = analyze_select(an, it->lateral ? sc : outer, it->subquery);
            char *alias = TOKEN_SET(it->alias) ? token_name(an->arena, &it->alias) : arena_strdup(an->arena, "");
            src = add_source(an, sc, alias, alias, columns_from_outcols(an, cols));
            rename_columns(an, src, it);
        } else {
            src = add_table_source(an, sc, &it->schema, &it->name, &it->alias);
            if (src)
                rename_columns(an, src, it);
        }
        if (!src) {
            sc->incomplete = true;
            continue;
        }
        if (it->join == JOIN_LEFT || it->join == JOIN_FULL)
            src->nullable = true;
        if (it->join == JOIN_RIGHT || it->join == JOIN_FULL)
            for (int j = 0; j < sc->sources->n - 1; j++)
                ((Source *)sc->sources->items[j])->nullable = true;
        merge_join_columns(an, sc, it, src);
    }
    /* ON clauses see every source joined so far (all of them, simply) */
    for (int i = 0; i < PTRLIST_LEN(from); i++) {
        SrcItem *it = from->items[i];
        if (it->on) {
            TypeInfo t = type_expr(an, sc, it->on);
            (void)t;
        }
    }
}

/* Does an arm after the first read the CTE `name` in its FROM clause?
 * SQLite makes such a CTE recursive with or without RECURSIVE (the
 * reference must be in a top-level FROM of a later arm). */
static bool reads_itself(Analyzer *an, const Select *s, const char *name)
{
    for (; s && s->prior; s = s->prior)
        for (int i = 0; i < PTRLIST_LEN(s->from); i++) {
            const SrcItem *it = s->from->items[i];
            if (!TOKEN_SET(it->schema) && TOKEN_SET(it->name) && !it->subquery && !it->func &&
                strcasecmp(token_name(an->arena, &it->name), name) == 0)
                return true;
        }
    return false;
}

void add_ctes(Analyzer *an, Scope *sc, With *with)
{
    if (!with)
        return;
    sc->ctes = ptrlist_new(an->arena);
    for (int i = 0; i < with->ctes->n; i++) {
        Cte *cte = with->ctes->items[i];
        Table *t = arena_alloc(an->arena, sizeof *t);
        t->name = token_name(an->arena, &cte->name);
        t->pos = cte->name.pos;
        bool recursive = with->recursive || (an->q->dialect == DIALECT_SQLITE && reads_itself(an, cte->select, t->name));
        if (recursive && cte->select && cte->select->prior) {
            /* the anchor (first arm) types the CTE the recursive arm reads */
            Select *anchor = cte->select;
            while (anchor->prior)
                anchor = anchor->prior;
            t->columns = columns_from_outcols(an, analyze_select(an, sc, anchor));
            if (cte->columns && cte->columns->n == PTRLIST_LEN(t->columns))
                for (int j = 0; j < cte->columns->n; j++)
                    ((Column *)t->columns->items[j])->name = token_name(an->arena, cte->columns->items[j]);
            ptrlist_push(an->arena, sc->ctes, t);
            /* the recursive arm may widen nullability; the anchor's types stand */
            PtrList *full = analyze_select(an, sc, cte->select);
            for (int j = 0; j < PTRLIST_LEN(full) && j < PTRLIST_LEN(t->columns); j++)
                ((Column *)t->columns->items[j])->not_null &= !((OutColumn *)full->items[j])->nullable;
        } else if (cte->dml) {
            an->depth++; /* RETURNING names its columns at the level of a CTE's SELECT */
            PtrList *returned = analyze_dml(an, sc, cte->dml);
            an->depth--;
            /* without RETURNING it has no rows to read: NULL says so to a reader */
            t->columns = returned ? columns_from_outcols(an, returned) : NULL;
            ptrlist_push(an->arena, sc->ctes, t);
        } else {
            t->columns = columns_from_outcols(an, analyze_select(an, sc, cte->select));
            ptrlist_push(an->arena, sc->ctes, t);
        }
        if (cte->columns) {
            if (cte->columns->n != PTRLIST_LEN(t->columns)) {
                error_at(an, cte->name.pos, "CTE \"%s\" names %d columns but its query returns %d", t->name,
                         cte->columns->n, PTRLIST_LEN(t->columns));
                continue;
            }
            for (int j = 0; j < cte->columns->n; j++)
                ((Column *)t->columns->items[j])->name = token_name(an->arena, cte->columns->items[j]);
        }
    }
}

static void hint_limit(Analyzer *an, Expr *e, const char *name)
{
    if (!e)
        return;
    type_expr(an, NULL, e);
    hint_param(an, e, ti(CT_INT64, false), name, false);
}

static PtrList *analyze_compound(Analyzer *an, Scope *parent, Select *s);

/* GROUP BY ROLLUP (a), CUBE (a), GROUPING SETS (...): rows where a group
 * column is rolled up carry NULL in it. */
static bool has_grouping_sets(const Select *s)
{
    for (int i = 0; i < PTRLIST_LEN(s->group_by); i++) {
        const Expr *e = s->group_by->items[i];
        if (e->kind == EX_FUNC && !TOKEN_SET(e->table) &&
            (str_ieq_n(e->tok.z, (size_t)e->tok.n, "rollup") || str_ieq_n(e->tok.z, (size_t)e->tok.n, "cube") ||
             str_ieq_n(e->tok.z, (size_t)e->tok.n, "grouping")))
            return true;
    }
    return false;
}

/* count() and grouping() are never NULL, rolled up or not */
static bool never_null_aggregate(const ResultCol *rc)
{
    const Expr *e = rc->expr ? strip(rc->expr) : NULL;
    return e && e->kind == EX_FUNC && !e->over &&
           (str_ieq_n(e->tok.z, (size_t)e->tok.n, "count") || str_ieq_n(e->tok.z, (size_t)e->tok.n, "grouping"));
}

static PtrList *analyze_one_select(Analyzer *an, Scope *parent, Select *s)
{
    if (s->sub) /* (SELECT ...) as an arm of a compound */
        return analyze_compound(an, parent, s->sub);
    Scope *sc = scope_new(an, parent);
    if (s->values) {
        PtrList *out = ptrlist_new(an->arena);
        PtrList *first = s->values->items[0];
        for (int r = 0; r < s->values->n; r++) {
            PtrList *row = s->values->items[r];
            if (row->n != first->n)
                error_at(an, ((Expr *)row->items[0])->tok.pos, "VALUES rows have different numbers of columns");
            for (int i = 0; i < row->n; i++) {
                /* only an INSERT's own VALUES rows (analyze_dml.c) may say DEFAULT */
                if (((Expr *)row->items[i])->kind == EX_DEFAULT)
                    error_at(an, ((Expr *)row->items[i])->tok.pos,
                             "DEFAULT is a value only in INSERT ... VALUES and UPDATE ... SET, not in this VALUES list");
                TypeInfo t = type_expr(an, sc, row->items[i]);
                if (r == 0)
                    push_out(an, out, arena_printf(an->arena, "column%d", i + 1), t, ((Expr *)row->items[i])->tok.pos);
            }
        }
        /* VALUES ($1::text), ($2): a column has one type, so the rows'
         * parameters take it from the first row that knows it */
        for (int i = 0; i < PTRLIST_LEN(out); i++) {
            OutColumn *o = out->items[i];
            TypeInfo known = ti(CT_UNKNOWN, false);
            for (int r = 0; r < s->values->n && known.t == CT_UNKNOWN; r++) {
                PtrList *row = s->values->items[r];
                if (i < row->n)
                    known = type_expr(an, sc, row->items[i]);
            }
            for (int r = 0; r < s->values->n; r++) {
                PtrList *row = s->values->items[r];
                if (i < row->n)
                    hint_param(an, row->items[i], known, NULL, false);
                o->nullable |= i < row->n && type_expr(an, sc, row->items[i]).nullable;
            }
            if (o->ctype == CT_UNKNOWN)
                o->ctype = known.t;
        }
        return out;
    }
    add_from(an, sc, parent, s->from);
    if (s->where)
        type_expr(an, sc, s->where);
    bool saved = an->lenient_types;
    /* SELECT pg_advisory_xact_lock($1) as :exec: a void (or any) column is
     * fine when nothing reads it */
    an->lenient_types = s->feeds_insert || (an->rows_dropped && an->q->stmt && an->q->stmt->kind == STMT_SELECT &&
                                            s == an->q->stmt->u.select);
    PtrList *cols = result_columns(an, sc, s->result);
    an->lenient_types = saved;
    for (int i = 0; i < PTRLIST_LEN(s->window_exprs); i++)
        type_expr(an, sc, s->window_exprs->items[i]);
    if (has_grouping_sets(s)) {
        bool aligned = PTRLIST_LEN(cols) == PTRLIST_LEN(s->result);
        for (int i = 0; i < PTRLIST_LEN(cols); i++)
            if (!aligned || !never_null_aggregate(s->result->items[i]))
                ((OutColumn *)cols->items[i])->nullable = true;
    }
    /* GROUP BY day, HAVING n > 1: both engines let these name result
     * columns, so they see the result aliases after the FROM columns */
    Scope *gs = sc;
    if (s->group_by || s->having || s->distinct_on) {
        gs = scope_new(an, sc);
        gs->aliases = ptrlist_new(an->arena);
        for (int i = 0; i < PTRLIST_LEN(cols); i++)
            ptrlist_push(an->arena, gs->aliases, cols->items[i]);
    }
    for (int i = 0; i < PTRLIST_LEN(s->group_by); i++)
        type_expr(an, gs, s->group_by->items[i]);
    for (int i = 0; i < PTRLIST_LEN(s->distinct_on); i++)
        type_expr(an, gs, s->distinct_on->items[i]);
    if (s->having)
        type_expr(an, gs, s->having);
    return cols;
}

PtrList *analyze_select(Analyzer *an, Scope *parent, Select *s)
{
    an->depth++;
    PtrList *cols = analyze_compound(an, parent, s);
    an->depth--;
    return cols;
}

static PtrList *analyze_compound(Analyzer *an, Scope *parent, Select *s)
{
    if (s == NULL) /* a parse that failed left no select: nothing to type */
        return ptrlist_new(an->arena);
    Scope *sc = scope_new(an, parent);
    add_ctes(an, sc, s->with);
    PtrList *cols;
    if (s->prior) {
        PtrList *left = analyze_compound(an, sc, s->prior);
        PtrList *right = analyze_one_select(an, sc, s);
        if (PTRLIST_LEN(left) != PTRLIST_LEN(right)) {
            error_at(an, s->tok.pos, "the arms of this compound SELECT return %d and %d columns", PTRLIST_LEN(left),
                     PTRLIST_LEN(right));
            return left;
        }
        for (int i = 0; i < PTRLIST_LEN(left); i++) {
            OutColumn *a = left->items[i], *b = right->items[i];
            a->nullable |= b->nullable;
            if (a->ctype == CT_UNKNOWN)
                a->ctype = b->ctype;
        }
        cols = left;
    } else {
        cols = analyze_one_select(an, sc, s);
    }
    if (s->order_by) {
        /* ORDER BY sees the FROM clause of the last arm and the result aliases */
        Scope *os = scope_new(an, sc);
        os->aliases = ptrlist_new(an->arena);
        for (int i = 0; i < PTRLIST_LEN(cols); i++)
            ptrlist_push(an->arena, os->aliases, cols->items[i]);
        /* after an error the FROM clause is not read again (it would say
         * it twice): what it names is unknown, not missing */
        if (!s->prior && an->ok)
            add_from(an, os, parent, s->from);
        else if (!s->prior)
            os->incomplete = true;
        for (int i = 0; i < s->order_by->n; i++)
            type_expr(an, os, ((ResultCol *)s->order_by->items[i])->expr);
    }
    hint_limit(an, s->limit, "limit");
    hint_limit(an, s->offset, "offset");
    return cols;
}
