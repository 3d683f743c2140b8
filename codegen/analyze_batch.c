/*
 * analyze_batch.c — what the batch commands need of their statement.
 *
 * :batchexec, :batchone and :batchmany run the query once per item of an
 * array of parameters, so they need a parameter; :copyfrom becomes
 * PostgreSQL's COPY t (columns) FROM STDIN, which takes each column's value
 * as it is: as sqlc requires, the statement must be INSERT INTO t (columns)
 * VALUES (...) with one row whose every value is a parameter of its own (no
 * expressions, casts, SELECT, ON CONFLICT or RETURNING, which COPY cannot
 * do). The parameters of that row, by position, are kept for the emitter,
 * which writes the COPY's column list in the API's parameter order.
 */
#include "analyze_internal.h"

static void copyfrom_error(Analyzer *an, SrcPos pos, const char *what)
{
    error_at(an, pos,
             "query %s is :copyfrom but %s; :copyfrom needs INSERT INTO table (columns) VALUES (one parameter "
             "per column), which becomes COPY table (columns) FROM STDIN",
             an->q->name, what);
}

static void check_copyfrom(Analyzer *an)
{
    Query *q = an->q;
    Stmt *s = q->stmt;
    if (s->kind != STMT_INSERT) {
        copyfrom_error(an, s->first.pos, "is not an INSERT");
        return;
    }
    Insert *ins = s->u.insert;
    if (s->with != NULL)
        copyfrom_error(an, s->first.pos, "has a WITH clause");
    else if (ins->select != NULL)
        copyfrom_error(an, s->first.pos, "inserts the rows of a SELECT");
    else if (ins->default_values || ins->values == NULL)
        copyfrom_error(an, s->first.pos, "inserts DEFAULT VALUES");
    else if (ins->columns == NULL)
        copyfrom_error(an, ins->table.pos, "does not name its columns");
    else if (ins->upsert != NULL)
        copyfrom_error(an, s->first.pos, "has ON CONFLICT (COPY cannot update or skip rows)");
    else if (ins->returning != NULL && ins->returning->n > 0)
        copyfrom_error(an, s->first.pos, "has RETURNING (COPY returns no rows)");
    else if (ins->values->n != 1) {
        PtrList *second = ins->values->items[1];
        const Expr *e = second->n > 0 ? second->items[0] : NULL;
        copyfrom_error(an, e ? e->tok.pos : s->first.pos, "has more than one VALUES row (each item is one row)");
    }
    if (!an->ok || ins->values == NULL) /* the second for clang-tidy, which cannot see copyfrom_error clear ok */
        return;
    PtrList *row = ins->values->items[0];
    q->copy_values = ptrlist_new(an->arena);
    for (int i = 0; i < row->n; i++) {
        Expr *e = strip(row->items[i]);
        Param *p = is_param(e) ? param_of(an, e) : NULL;
        if (p == NULL) {
            copyfrom_error(an, e->tok.pos, "has a value that is not a parameter");
            return;
        }
        for (int k = 0; k < q->copy_values->n; k++)
            if (q->copy_values->items[k] == p) {
                copyfrom_error(an, e->tok.pos, "uses a parameter for two columns");
                return;
            }
        ptrlist_push(an->arena, q->copy_values, p);
    }
}

void check_batch(Analyzer *an)
{
    Query *q = an->q;
    if (q->params->n == 0) {
        error_at(an, q->pos,
                 "query %s is %s but has no parameters; a batch runs the query once per item, and an item is "
                 "its parameters",
                 q->name, query_cmd_name(q->cmd));
        return;
    }
    if (q->cmd == CMD_COPYFROM)
        check_copyfrom(an);
}
