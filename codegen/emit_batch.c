/*
 * emit_batch.c — the functions of :batchexec, :batchone, :batchmany and
 * :copyfrom queries.
 *
 * Each takes an array of items (the query's params struct, or its one
 * parameter's C type) and its length, as sqlc's batch functions take a
 * slice, and is named after the query like every other function. The
 * generated code is only the per-item part: a static function binding item
 * i, and for the row-returning forms one reading a row and handing it to
 * the caller's callback. The loop, the transaction, PostgreSQL's pipeline
 * and COPY are the runtime's (keel_batch_run, keel_copy_from in keel.h),
 * so both engines share one implementation of the semantics.
 */
#include "emit_internal.h"

#include <stdlib.h>
#include <string.h>

/* "const x_params *items", or for one parameter an array of its C type. */
static void put_items_arg(StrBuf *b, const ApiQuery *aq, const Names *n)
{
    const ApiParam *p = aq->params->items[0];
    if (aq->params->n > 1)
        sb_printf(b, "const %s *items", n->params);
    else if (p->ctype == CT_TEXT && !p->list)
        sb_puts(b, "const char *const *items");
    else
        sb_printf(b, "const %s*items", param_ctype(p));
}

void emit_batch_signature(StrBuf *b, const ApiQuery *aq, const Names *n)
{
    sb_printf(b, "int %s(keel_db *db, ", n->fn);
    put_items_arg(b, aq, n);
    sb_puts(b, ", size_t n");
    switch (aq->cmd) {
    case CMD_BATCHONE:
    case CMD_BATCHMANY:
        sb_printf(b, ",\n        int (*fn)(size_t item, const %s *row, void *ctx), void *ctx, size_t *failed_index)",
                  n->row);
        break;
    case CMD_COPYFROM: sb_puts(b, ", int64_t *rows, size_t *failed_index)"); break;
    default: sb_puts(b, ", size_t *failed_index)"); break;
    }
}

void emit_batch_doc(StrBuf *b, const ApiQuery *aq)
{
    sb_puts(b, " *\n");
    switch (aq->cmd) {
    case CMD_BATCHONE:
        sb_puts(b, " * Once per item of items[0..n): fn gets each item's row (borrowed, valid\n"
                   " * during the call), or NULL when the item found none.\n");
        break;
    case CMD_BATCHMANY:
        sb_puts(b, " * Once per item of items[0..n): fn gets every row (borrowed, valid during\n"
                   " * the call) with its item's index, in item order.\n");
        break;
    case CMD_COPYFROM:
        sb_puts(b, " * Inserts items[0..n) (PostgreSQL: COPY ... FROM STDIN); *rows (may be\n"
                   " * NULL) is the number of rows inserted.\n");
        break;
    default: sb_puts(b, " * Once per item of items[0..n).\n"); break;
    }
    sb_puts(b, " * One transaction (the caller's inside keel_update): all items or none.\n"
               " * On failure *failed_index (may be NULL) is the failing item's index (n\n"
               " * when no item is at fault) and keel_errmsg names it; see keel_batch_run.\n");
}

/* static void <repo>__bind_<query>(st, items, i): item i's parameters bound. */
static void put_bind_fn(StrBuf *b, const ApiQuery *aq, const Names *n, const char *bind)
{
    sb_printf(b, "\nstatic void %s(keel_stmt *st, const void *batch_items, size_t batch_index)\n{\n", bind);
    const ApiParam *p = aq->params->items[0];
    if (aq->params->n > 1)
        sb_printf(b, "    const %s *params = &((const %s *)batch_items)[batch_index];\n", n->params, n->params);
    else if (p->ctype == CT_TEXT && !p->list)
        sb_printf(b, "    const char *%s = ((const char *const *)batch_items)[batch_index];\n", p->name);
    else
        sb_printf(b, "    %s%s = ((const %s*)batch_items)[batch_index];\n", param_ctype(p), p->name, param_ctype(p));
    put_binds(b, aq);
    sb_puts(b, "}\n");
}

/* The caller's callback and, for list columns, the arena a row's lists are parsed into. */
static void put_row_fn(StrBuf *b, const ApiQuery *aq, const Names *n, const char *call, const char *row_fn)
{
    bool lists = has_list(aq);
    sb_printf(b, "\ntypedef struct %s {\n    int (*fn)(size_t item, const %s *row, void *ctx);\n    void *ctx;\n", call,
              n->row);
    if (lists)
        sb_puts(b, "    keel_arena scratch; /* one row's lists at a time */\n");
    sb_printf(b, "} %s;\n", call);
    sb_printf(b, "\nstatic int %s(keel_stmt *st, size_t item, void *ctx)\n{\n", row_fn);
    sb_printf(b, "    %s *call = ctx;\n    %s row;\n    int rc;\n", call, n->row);
    if (aq->cmd == CMD_BATCHONE)
        sb_puts(b, "    if (!st)\n        return call->fn(item, NULL, call->ctx);\n");
    if (lists)
        sb_puts(b, "    keel_arena_reset(&call->scratch);\n");
    sb_printf(b, "    if ((rc = %s(st, %s, &row)) != KEEL_OK)\n        return rc;\n", n->reader,
              lists ? "&call->scratch" : "NULL");
    sb_puts(b, "    return call->fn(item, &row, call->ctx);\n}\n");
}

void emit_batch_function(StrBuf *b, const ApiQuery *aq, const Names *n, const char *repo, const char *pg_copy)
{
    const char *suffix = n->fn + strlen(repo); /* "_insert_events" */
    StrBuf name = {0};
    sb_printf(&name, "%s__bind%s", repo, suffix);
    char *bind = sb_take(&name);
    put_bind_fn(b, aq, n, bind);
    bool rows = aq->cmd == CMD_BATCHONE || aq->cmd == CMD_BATCHMANY;
    char *call = NULL, *row_fn = NULL;
    if (rows) {
        sb_printf(&name, "%s__batch%s", repo, suffix);
        call = sb_take(&name);
        sb_printf(&name, "%s__row%s", repo, suffix);
        row_fn = sb_take(&name);
        put_row_fn(b, aq, n, call, row_fn);
    }
    sb_puts(b, "\n");
    emit_batch_signature(b, aq, n);
    sb_puts(b, "\n{\n");
    if (rows)
        sb_printf(b, "    %s call = { fn, ctx%s };\n", call, has_list(aq) ? ", KEEL_ARENA_INIT" : "");
    sb_printf(b, "    const keel_batch batch = {\n        .query = %s__query(db, %s),\n", repo, n->index);
    sb_printf(b, "        .items = items,\n        .n = n,\n        .bind = %s,\n", bind);
    if (rows)
        sb_printf(b, "        .row = fn ? %s : NULL,\n        .ctx = &call,\n        .one = %s,\n", row_fn,
                  aq->cmd == CMD_BATCHONE ? "true" : "false");
    if (pg_copy)
        sb_printf(b, "        .copy = keel_db_dialect(db) == KEEL_DIALECT_POSTGRES ? %s : NULL,\n", pg_copy);
    sb_puts(b, "    };\n");
    if (aq->cmd == CMD_COPYFROM)
        sb_puts(b, "    return keel_copy_from(db, &batch, rows, failed_index);\n}\n");
    else if (rows && has_list(aq))
        sb_puts(b, "    int rc = keel_batch_run(db, &batch, NULL, failed_index);\n"
                   "    keel_arena_free(&call.scratch);\n    return rc;\n}\n");
    else
        sb_puts(b, "    return keel_batch_run(db, &batch, NULL, failed_index);\n}\n");
    free(bind);
    free(call);
    free(row_fn);
}

char *emit_copy_name(Arena *arena, const char *repo, const ApiQuery *aq)
{
    Names n = names_for(arena, repo, aq);
    return arena_printf(arena, "%s__postgres_copy%s", repo, n.fn + strlen(repo));
}

char *emit_copy_sql(Arena *arena, const ApiQuery *aq, const Query *q)
{
    const Insert *ins = q->stmt->u.insert;
    StrBuf b = {0};
    sb_puts(&b, "COPY ");
    if (TOKEN_SET(ins->schema)) {
        sb_putn(&b, ins->schema.z, (size_t)ins->schema.n);
        sb_putc(&b, '.');
    }
    sb_putn(&b, ins->table.z, (size_t)ins->table.n);
    sb_puts(&b, " (");
    for (int k = 0; k < aq->params->n; k++) {
        const ApiParam *p = aq->params->items[k];
        for (int j = 0; j < q->copy_values->n; j++) {
            const Param *v = q->copy_values->items[j];
            if (strcmp(v->name, p->name) != 0)
                continue;
            const Token *column = ins->columns->items[j];
            if (k > 0)
                sb_puts(&b, ", ");
            sb_putn(&b, column->z, (size_t)column->n);
        }
    }
    sb_puts(&b, ") FROM STDIN");
    char *sql = arena_strdup(arena, b.s);
    sb_free(&b);
    return sql;
}
