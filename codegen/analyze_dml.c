/*
 * INSERT, UPDATE and DELETE: target tables, assignments, RETURNING.
 */
#include "analyze_internal.h"

#include <string.h>

#include "sqlparse.h"
#include "tokenize.h"

/* ------------------------------------------------------------------ DML */

static Source *dml_target(Analyzer *an, Scope *sc, const Token *schema, const Token *table, const Token *alias)
{
    char *name = table_key(an->arena, an->cat->dialect, schema, table);
    const Table *t = catalog_find_table(an->cat, name);
    if (t && t->view) {
        error_at(an, table->pos, "\"%s\" is a view; keel writes only to tables", name);
        return NULL;
    }
    return add_table_source(an, sc, schema, table, alias);
}

static void assign_one(Analyzer *an, Scope *sc, Source *target, const Token *column, Expr *value)
{
    char *name = token_name(an->arena, column);
    Column *c = source_column(target, name);
    type_expr(an, sc, value);
    if (!c) {
        error_at(an, column->pos, "no column \"%s\" in table \"%s\"", name, target->table_name);
        return;
    }
    TypeInfo t = ti(c->ctype, !c->not_null);
    t.col = c;
    t.list = c->array_dims == 1;
    hint_param(an, value, t, c->name, !c->not_null);
}

/* SET a = x, and SET (a, b) = (x, y) / ROW(x, y) / (SELECT x, y ...) */
static void assign(Analyzer *an, Scope *sc, Source *target, ResultCol *set)
{
    if (!set->columns) {
        assign_one(an, sc, target, &set->alias, set->expr);
        return;
    }
    int n = set->columns->n;
    PtrList *row = row_items(set->expr);
    Expr *value = strip(set->expr);
    if (n == 1 && !row && value->kind != EX_SUBQUERY) {
        assign_one(an, sc, target, set->columns->items[0], set->expr);
        return;
    }
    if (row && row->n == n) {
        for (int i = 0; i < n; i++)
            assign_one(an, sc, target, set->columns->items[i], row->items[i]);
        return;
    }
    if (value->kind == EX_SUBQUERY) {
        an->depth++; /* its column names do not matter */
        PtrList *cols = analyze_select(an, sc, value->select);
        an->depth--;
        if (an->ok && PTRLIST_LEN(cols) != n)
            error_at(an, value->tok.pos, "SET of %d columns needs a SELECT of %d columns; this one returns %d", n, n,
                     PTRLIST_LEN(cols));
        for (int i = 0; i < n; i++) {
            char *name = token_name(an->arena, set->columns->items[i]);
            if (!source_column(target, name))
                error_at(an, ((Token *)set->columns->items[i])->pos, "no column \"%s\" in table \"%s\"", name,
                         target->table_name);
        }
        return;
    }
    type_expr(an, sc, set->expr);
    error_at(an, value->tok.pos, "SET of %d columns needs %d values: (a, b) = (x, y) or (SELECT x, y ...)", n, n);
}

/* The statement's body runs one level deeper, so subqueries in it are not
 * taken for the query's result; RETURNING is the result. */
static PtrList *returning(Analyzer *an, Scope *sc, PtrList *cols)
{
    if (!cols)
        return NULL;
    an->depth--;
    PtrList *out = result_columns(an, sc, cols);
    an->depth++;
    return out;
}

/* ON CONFLICT (a, b) must name a primary key, unique constraint or unique
 * index of the table: SQLite refuses the query when it prepares it,
 * PostgreSQL when it plans it, every time it runs. Checked where keel
 * follows the table's keys and the target is plain columns without a
 * partial index's WHERE; the rest is left to the engines. */
static void check_arbiter(Analyzer *an, const Source *target, const Upsert *up)
{
    int n = PTRLIST_LEN(up->target);
    if (!an->ok || n == 0 || up->target_where)
        return;
    const Table *t = catalog_find_table(an->cat, target->table_name);
    if (!t || t->view || t->keys_unknown)
        return;
    const char **names = arena_alloc(an->arena, (size_t)n * sizeof *names);
    StrBuf list = {0};
    for (int i = 0; i < n; i++) {
        const Expr *e = ((ResultCol *)up->target->items[i])->expr;
        if (e->kind != EX_COLUMN || TOKEN_SET(e->table)) {
            sb_free(&list);
            return;
        }
        names[i] = token_name(an->arena, &e->tok);
        sb_printf(&list, "%s%s", i ? ", " : "", names[i]);
    }
    if (!catalog_has_key(t, names, n)) {
        const Expr *first = ((ResultCol *)up->target->items[0])->expr;
        error_at(an, first->tok.pos,
                 "ON CONFLICT (%s) matches no primary key, unique constraint or unique index of table \"%s\", "
                 "so %s refuses the query; add one, e.g. UNIQUE (%s)",
                 list.s, t->name, an->q->dialect == DIALECT_POSTGRES ? "PostgreSQL (when it plans it)" : "SQLite",
                 list.s);
    }
    sb_free(&list);
}

static PtrList *insert_body(Analyzer *an, Scope *parent, Stmt *stmt)
{
    Insert *ins = stmt->u.insert;
    Scope *outer = scope_new(an, parent);
    add_ctes(an, outer, stmt->with);
    Scope *sc = scope_new(an, outer);
    Source *target = dml_target(an, sc, &ins->schema, &ins->table, &ins->alias);
    if (!target)
        return NULL;
    PtrList *cols = ptrlist_new(an->arena);
    if (ins->columns) {
        for (int i = 0; i < ins->columns->n; i++) {
            Token *t = ins->columns->items[i];
            Column *c = source_column(target, token_name(an->arena, t));
            if (!c) {
                error_at(an, t->pos, "no column \"%s\" in table \"%s\"", token_name(an->arena, t),
                         target->table_name);
                return NULL;
            }
            ptrlist_push(an->arena, cols, c);
        }
        /* A NOT NULL column without a default that the INSERT leaves out
         * fails on every call unless a BEFORE trigger fills it: say so now,
         * not in production. A warning, not an error: both engines prepare
         * the statement and sqlc generates it. */
        for (int i = 0; i < PTRLIST_LEN(target->columns); i++) {
            Column *c = target->columns->items[i];
            bool listed = false;
            for (int j = 0; j < cols->n; j++)
                listed |= cols->items[j] == c;
            if (!listed && c->not_null && !c->has_default)
                diag_warning(ins->table.pos,
                             "INSERT into \"%s\" leaves out column \"%s\", which is NOT NULL and has no default: it fails "
                             "unless a trigger sets the column",
                             target->table_name, c->name);
        }
    } else {
        for (int i = 0; i < PTRLIST_LEN(target->columns); i++)
            ptrlist_push(an->arena, cols, target->columns->items[i]);
    }
    Scope *values_scope = scope_new(an, outer);
    for (int r = 0; r < PTRLIST_LEN(ins->values); r++) {
        PtrList *row = ins->values->items[r];
        if (row->n != cols->n) {
            error_at(an, ((Expr *)row->items[0])->tok.pos, "%d values for %d columns", row->n, cols->n);
            continue;
        }
        for (int i = 0; i < row->n; i++) {
            Column *c = cols->items[i];
            type_expr(an, values_scope, row->items[i]);
            TypeInfo t = ti(c->ctype, !c->not_null);
            t.col = c;
            t.list = c->array_dims == 1;
            hint_param(an, row->items[i], t, c->name, !c->not_null);
        }
    }
    if (ins->select) {
        for (Select *arm = ins->select; arm; arm = arm->prior)
            for (Select *x = arm; x; x = x->sub)
                x->feeds_insert = true;
        /* the SELECT's column names do not matter, its positions do */
        an->depth++;
        PtrList *sel = analyze_select(an, outer, ins->select);
        an->depth--;
        if (an->ok && PTRLIST_LEN(sel) != cols->n)
            error_at(an, ins->select->tok.pos, "the SELECT returns %d columns for %d", PTRLIST_LEN(sel), cols->n);
        /* INSERT INTO t (id, ...) SELECT @new_id, ...: a bare parameter in
         * the select list is typed and named by its target column */
        Select *last = ins->select;
        for (int i = 0; i < PTRLIST_LEN(last->result) && i < cols->n; i++) {
            ResultCol *rc = last->result->items[i];
            Column *c = cols->items[i];
            if (rc->expr) {
                TypeInfo t = ti(c->ctype, !c->not_null);
                t.col = c;
                t.list = c->array_dims == 1;
                hint_param(an, rc->expr, t, c->name, !c->not_null);
            }
        }
    }
    if (ins->upsert) {
        /* the arbiter names the target's columns or repeats an index's
         * expressions (lower(email)), and a partial index's predicate */
        Scope *ts = scope_new(an, outer);
        ptrlist_push(an->arena, ts->sources, target);
        for (int i = 0; i < PTRLIST_LEN(ins->upsert->target); i++) {
            Expr *e = ((ResultCol *)ins->upsert->target->items[i])->expr;
            if (e->kind == EX_COLUMN && e->table.n == 0 && !source_column(target, token_name(an->arena, &e->tok)))
                error_at(an, e->tok.pos, "no column \"%s\" in table \"%s\"", token_name(an->arena, &e->tok), target->table_name);
            else
                type_expr(an, ts, e);
        }
        if (ins->upsert->target_where)
            type_expr(an, ts, ins->upsert->target_where);
        check_arbiter(an, target, ins->upsert);
        Scope *us = scope_new(an, outer);
        ptrlist_push(an->arena, us->sources, target);
        if (strcmp(target->name, target->table_name) != 0) {
            /* the table's own name stays usable beside its alias in DO UPDATE */
        }
        /* SQLite resolves a bare name in DO UPDATE to the table; PostgreSQL
         * calls it ambiguous */
        add_source(an, us, "excluded", "excluded", target->columns)->qualified_only =
            an->q->dialect == DIALECT_SQLITE;
        for (int i = 0; i < PTRLIST_LEN(ins->upsert->set); i++)
            assign(an, us, target, ins->upsert->set->items[i]);
        if (ins->upsert->where)
            type_expr(an, us, ins->upsert->where);
    }
    return returning(an, sc, ins->returning);
}

static PtrList *update_body(Analyzer *an, Scope *parent, Stmt *stmt)
{
    Update *u = stmt->u.update;
    Scope *outer = scope_new(an, parent);
    add_ctes(an, outer, stmt->with);
    Scope *sc = scope_new(an, outer);
    Source *target = dml_target(an, sc, &u->schema, &u->table, &u->alias);
    if (!target)
        return NULL;
    add_from(an, sc, outer, u->from);
    for (int i = 0; i < u->set->n; i++)
        assign(an, sc, target, u->set->items[i]);
    if (u->where)
        type_expr(an, sc, u->where);
    return returning(an, sc, u->returning);
}

static PtrList *delete_body(Analyzer *an, Scope *parent, Stmt *stmt)
{
    Delete *d = stmt->u.delete_;
    Scope *outer = scope_new(an, parent);
    add_ctes(an, outer, stmt->with);
    Scope *sc = scope_new(an, outer);
    if (!dml_target(an, sc, &d->schema, &d->table, &d->alias))
        return NULL;
    add_from(an, sc, outer, d->using_);
    if (d->where)
        type_expr(an, sc, d->where);
    return returning(an, sc, d->returning);
}

PtrList *analyze_insert(Analyzer *an, Scope *parent, Stmt *stmt)
{
    an->depth++;
    PtrList *cols = insert_body(an, parent, stmt);
    an->depth--;
    return cols;
}

PtrList *analyze_update(Analyzer *an, Scope *parent, Stmt *stmt)
{
    an->depth++;
    PtrList *cols = update_body(an, parent, stmt);
    an->depth--;
    return cols;
}

PtrList *analyze_delete(Analyzer *an, Scope *parent, Stmt *stmt)
{
    an->depth++;
    PtrList *cols = delete_body(an, parent, stmt);
    an->depth--;
    return cols;
}

/* WITH x AS (DELETE ... RETURNING *): the statement's RETURNING columns. */
PtrList *analyze_dml(Analyzer *an, Scope *parent, Stmt *stmt)
{
    switch (stmt->kind) {
    case STMT_INSERT: return analyze_insert(an, parent, stmt);
    case STMT_UPDATE: return analyze_update(an, parent, stmt);
    case STMT_DELETE: return analyze_delete(an, parent, stmt);
    default: return NULL;
    }
}

PtrList *analyze_truncate(Analyzer *an, Stmt *stmt)
{
    Truncate *t = stmt->u.truncate;
    if (an->cat->dialect == DIALECT_SQLITE) {
        error_at(an, stmt->first.pos, "SQLite has no TRUNCATE; empty a table with DELETE FROM name");
        return NULL;
    }
    Scope *sc = scope_new(an, NULL);
    for (int i = 0; i < t->tables->n; i++) {
        SrcItem *it = t->tables->items[i];
        dml_target(an, sc, &it->schema, &it->name, &it->alias);
    }
    return NULL;
}
