/*
 * SELECT: FROM and joins, CTEs, WHERE/GROUP BY/HAVING/ORDER BY/LIMIT, and
 * compound selects.
 */
#include "analyze_internal.h"

#include <string.h>

#include "sqlparse.h"
#include "tokenize.h"

/* --------------------------------------------------------------- SELECT */

void add_from(Analyzer *an, Scope *sc, Scope *outer, PtrList *from)
{
    for (int i = 0; i < PTRLIST_LEN(from); i++) {
        SrcItem *it = from->items[i];
        Source *src;
        if (it->subquery) {
            PtrList *cols = analyze_select(an, outer, it->subquery);
            char *alias = TOKEN_SET(it->alias) ? token_name(an->arena, &it->alias) : arena_strdup(an->arena, "");
            src = add_source(an, sc, alias, alias, columns_from_outcols(an, cols));
        } else {
            src = add_table_source(an, sc, &it->schema, &it->name, &it->alias);
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
        src->join = it->join;
        src->merged = ptrlist_new(an->arena);
        for (int j = 0; j < PTRLIST_LEN(it->using_cols); j++) {
            Token *t = it->using_cols->items[j];
            char *name = token_name(an->arena, t);
            if (!source_column(src, name))
                error_at(an, t->pos, "no column \"%s\" in table \"%s\"", name, src->table_name);
            ptrlist_push(an->arena, src->merged, name);
        }
        /* NATURAL JOIN: USING every column name it shares with the sources before it */
        for (int j = 0; it->natural && j < PTRLIST_LEN(src->columns); j++) {
            Column *c = src->columns->items[j];
            for (int k = 0; k < sc->sources->n - 1; k++)
                if (source_column(sc->sources->items[k], c->name)) {
                    ptrlist_push(an->arena, src->merged, c->name);
                    break;
                }
        }
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
        if (with->recursive && cte->select->prior) {
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

static PtrList *analyze_one_select(Analyzer *an, Scope *parent, Select *s)
{
    Scope *sc = scope_new(an, parent);
    if (s->values) {
        PtrList *out = ptrlist_new(an->arena);
        PtrList *first = s->values->items[0];
        for (int r = 0; r < s->values->n; r++) {
            PtrList *row = s->values->items[r];
            if (row->n != first->n)
                error_at(an, ((Expr *)row->items[0])->tok.pos, "VALUES rows have different numbers of columns");
            for (int i = 0; i < row->n; i++) {
                TypeInfo t = type_expr(an, sc, row->items[i]);
                if (r == 0)
                    push_out(an, out, arena_printf(an->arena, "column%d", i + 1), t, ((Expr *)row->items[i])->tok.pos);
            }
        }
        return out;
    }
    add_from(an, sc, parent, s->from);
    if (s->where)
        type_expr(an, sc, s->where);
    PtrList *cols = result_columns(an, sc, s->result);
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

static PtrList *analyze_compound(Analyzer *an, Scope *parent, Select *s);

PtrList *analyze_select(Analyzer *an, Scope *parent, Select *s)
{
    an->depth++;
    PtrList *cols = analyze_compound(an, parent, s);
    an->depth--;
    return cols;
}

static PtrList *analyze_compound(Analyzer *an, Scope *parent, Select *s)
{
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
        if (!s->prior && an->ok)
            add_from(an, os, parent, s->from);
        for (int i = 0; i < s->order_by->n; i++)
            type_expr(an, os, ((ResultCol *)s->order_by->items[i])->expr);
    }
    hint_limit(an, s->limit, "limit");
    hint_limit(an, s->offset, "offset");
    return cols;
}
