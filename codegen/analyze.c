/*
 * Query analysis, the driver: parses one query, numbers its parameters,
 * analyses its statement (analyze_select.c, analyze_dml.c), names its
 * parameters and checks its command. The parts share analyze_internal.h.
 */
#include "analyze_internal.h"

#include <stdarg.h>
#include <string.h>

#include "parse.h"
#include "sqlparse.h"
#include "tokenize.h"

void error_at(Analyzer *an, SrcPos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    StrBuf b = {0};
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    diag_error(pos, "%s", b.s);
    sb_free(&b);
    an->ok = false;
}


/* --------------------------------------------------------------- driver */

/* A C type as PostgreSQL spells it, for a hint. */
static const char *pg_spelling(CType t)
{
    switch (t) {
    case CT_BOOL: return "boolean";
    case CT_INT64: return "bigint";
    case CT_DOUBLE: return "double precision";
    case CT_BLOB: return "bytea";
    default: return "text";
    }
}

/* Why keel has no C type for column c, for a message: its type as
 * declared and what it is, and what to do about it. */
const char *unmapped_type(Analyzer *an, const Column *c, const char *what)
{
    const char *cast = c->array_dims == 1 ? "text[]" : "text";
    if (an->q->dialect == DIALECT_SQLITE)
        cast = "TEXT";
    if (c->array_dims > 1)
        return arena_printf(an->arena,
                            "\"%s\", a multi-dimensional array, which keel cannot map (its lists have one "
                            "dimension); cast it, e.g. CAST(%s AS text)",
                            c->decl_type, what);
    if (an->q->dialect == DIALECT_POSTGRES && !c->sqltype) {
        size_t n = strcspn(c->decl_type, "[(");
        char *name = arena_printf(an->arena, "%.*s", (int)n, c->decl_type);
        if (!catalog_find_type(an->cat, name))
            return arena_printf(an->arena,
                                "\"%s\", which is no PostgreSQL built-in type and no type or domain the migrations "
                                "create (another engine's type, or an extension's keel does not know?): declare the "
                                "column with a PostgreSQL type, or cast it, e.g. CAST(%s AS %s)",
                                c->decl_type, what, cast);
    }
    return arena_printf(an->arena, "\"%s\", which keel cannot map to a C type; cast it, e.g. CAST(%s AS %s)",
                        c->decl_type, what, cast);
}

static void name_params(Analyzer *an)
{
    Query *q = an->q;
    for (int i = 0; i < q->params->n; i++) {
        Param *p = q->params->items[i];
        if (!p->typed && p->unmapped) {
            error_at(an, p->pos, "cannot infer the type of parameter %d (%s): it goes with column \"%s\" of type %s",
                     p->slot, p->text, p->unmapped->name, unmapped_type(an, p->unmapped, p->text));
            diag_note(p->unmapped->pos, "column \"%s\" is declared here", p->unmapped->name);
            continue;
        }
        if (!p->typed) {
            error_at(an, p->pos,
                     "cannot infer the type of parameter %d (%s); compare it with a column or add a cast, e.g. CAST(%s AS %s)",
                     p->slot, p->text, p->text, q->dialect == DIALECT_POSTGRES ? "bigint" : "INTEGER");
            continue;
        }
        if (p->untyped_null_test.file) {
            const char *t = p->sqltype && strcmp(p->sqltype, "unknown") != 0 ? p->sqltype : pg_spelling(p->ctype);
            bool array = t[0] == '_';
            error_at(an, p->untyped_null_test,
                     "PostgreSQL refuses this query: %s IS NULL is the first use of parameter %d and gives it no "
                     "type (\"could not determine data type of parameter $%d\"); cast it there: %s::%s%s IS NULL",
                     p->text, p->slot, p->slot, p->text, array ? t + 1 : t, array || p->list ? "[]" : "");
            continue;
        }
        if (!p->name)
            p->name = arena_printf(an->arena, "arg%d", p->slot);
        p->name = c_field_name(an, p->name);
        if (p->list && p->ctype == CT_BLOB)
            error_at(an, p->pos, "parameter %s is a list of %s; keel supports lists of integers, doubles, booleans and text",
                     p->text, ctype_name(p->ctype));
    }
    /* WHERE a = ? OR a = ?: the second becomes a_2, the third a_3; a
     * suffix never collides with a name already taken */
    char **base = arena_alloc(an->arena, sizeof(char *) * (size_t)(q->params->n + 1));
    for (int i = 0; i < q->params->n; i++)
        base[i] = ((Param *)q->params->items[i])->name;
    for (int i = 0; i < q->params->n; i++) {
        Param *p = q->params->items[i];
        if (!p->name || p->explicit_name)
            continue;
        int same = 0;
        for (int j = 0; j < i; j++)
            same += base[j] && strcmp(base[j], base[i]) == 0;
        if (same == 0)
            continue;
        for (int suffix = same + 1;; suffix++) {
            char *candidate = arena_printf(an->arena, "%s_%d", base[i], suffix);
            bool taken = false;
            for (int j = 0; j < q->params->n; j++) {
                Param *o = q->params->items[j];
                taken |= j != i && o->name && strcmp(o->name, candidate) == 0;
            }
            if (!taken) {
                p->name = candidate;
                break;
            }
        }
    }
}

PtrList *analyze_select_columns(Arena *arena, const Catalog *cat, Select *s)
{
    /* a SELECT of a migration has no parameters: an empty query holds the state */
    Query *q = arena_alloc(arena, sizeof *q);
    q->name = "";
    q->dialect = cat->dialect;
    q->params = ptrlist_new(arena);
    q->uses = ptrlist_new(arena);
    Analyzer an = {.arena = arena, .cat = cat, .q = q, .ok = true};
    PtrList *cols = analyze_select(&an, NULL, s);
    return an.ok ? cols : NULL;
}

bool analyze_query(Arena *arena, const Catalog *cat, Query *q)
{
    Analyzer an = {.arena = arena, .cat = cat, .q = q, .ok = true};
    q->params = ptrlist_new(arena);
    q->uses = ptrlist_new(arena);
    PtrList *stmts = ptrlist_new(arena);
    if (!parse_sql(arena, q->file, q->sql_start, q->sql_end, q->sql_pos.line, q->sql_pos.col, q->dialect,
                   PARSE_QUERY, stmts))
        return false;
    if (stmts->n == 0) {
        diag_error(q->pos, "query %s must be exactly one statement; start another with \"-- name:\"", q->name);
        return false;
    }
    if (stmts->n > 1) {
        /* sqlc generates nothing for a statement without a name: the query
         * is its first statement, the rest is left out */
        const Stmt *first = stmts->items[0];
        diag_warning(((Stmt *)stmts->items[1])->first.pos,
                     "no \"-- name:\" before this statement: it is left out of query %s, as sqlc leaves out unnamed "
                     "statements",
                     q->name);
        q->sql_end = (size_t)(first->last.z + first->last.n - q->file->text);
    }
    q->stmt = stmts->items[0];
    number_params(&an);
    if (!an.ok)
        return false;
    PtrList *cols = NULL;
    an.rows_dropped = q->cmd == CMD_EXEC && q->stmt->kind == STMT_SELECT;
    switch (q->stmt->kind) {
    case STMT_SELECT: cols = analyze_select(&an, NULL, q->stmt->u.select); break;
    case STMT_INSERT: cols = analyze_insert(&an, NULL, q->stmt); break;
    case STMT_UPDATE: cols = analyze_update(&an, NULL, q->stmt); break;
    case STMT_DELETE: cols = analyze_delete(&an, NULL, q->stmt); break;
    case STMT_TRUNCATE: cols = analyze_truncate(&an, q->stmt); break;
    case STMT_CALL: cols = analyze_call(&an, q->stmt); break;
    case STMT_REFRESH: cols = analyze_refresh(&an, q->stmt); break;
    case STMT_CREATE_TABLE:
        /* CREATE TEMP TABLE (sqlparse.c lets no other DDL through): the
         * pipeline adds the table for the queries after it */
        if (q->cmd != CMD_EXEC)
            error_at(&an, q->pos, "query %s is %s, but CREATE TEMP TABLE returns nothing; use :exec", q->name,
                     query_cmd_name(q->cmd));
        else if (q->params->n > 0)
            error_at(&an, ((Param *)q->params->items[0])->pos,
                     "query %s: CREATE TEMP TABLE takes no parameters (the engines do not bind them in DDL)", q->name);
        break;
    default:
        diag_error(q->stmt->first.pos, "query %s must be SELECT, INSERT, UPDATE, DELETE, CALL or REFRESH MATERIALIZED VIEW", q->name);
        return false;
    }
    if (an.ok && q->common && q->dialect == DIALECT_POSTGRES)
        check_portable_grouping(&an, q->stmt);
    if (!an.ok)
        return false;
    q->columns = cols ? cols : ptrlist_new(arena);
    name_params(&an);
    /* SELECT * or sqlc.embed(t) over a column of a type keel cannot map:
     * the row would have no C type for it */
    for (int i = 0; an.ok && query_cmd_returns_rows(q->cmd) && i < q->columns->n; i++) {
        const OutColumn *o = q->columns->items[i];
        if (o->ctype != CT_UNKNOWN || !o->origin)
            continue;
        /* the column's declaration when * named it */
        error_at(&an, o->pos.file == q->file ? o->pos : q->sql_pos,
                 "result column \"%s\" has type %s", o->origin->name,
                 unmapped_type(&an, o->origin, o->origin->name));
        diag_note(o->origin->pos, "column \"%s\" is declared here", o->origin->name);
    }
    bool returns_rows = q->columns->n > 0;
    if (query_cmd_returns_rows(q->cmd) && !returns_rows)
        error_at(&an, q->pos, "query %s is %s but returns no columns; use %s, or add RETURNING",
                 q->name, query_cmd_name(q->cmd),
                 query_cmd_is_batch(q->cmd) ? ":batchexec" : ":exec or :execrows");
    /* sqlc runs an :exec SELECT and drops its rows (SELECT 1 placeholders,
     * SELECT pg_advisory_lock(...)); the other commands report what a
     * SELECT does not have */
    if (q->cmd == CMD_EXEC && q->stmt->kind == STMT_SELECT)
        diag_warning(q->pos, "query %s is :exec but is a SELECT; its rows are read and dropped", q->name);
    else if (!query_cmd_returns_rows(q->cmd) && q->cmd != CMD_COPYFROM && q->stmt->kind == STMT_SELECT)
        error_at(&an, q->pos, "query %s is %s but is a SELECT; use %s", q->name, query_cmd_name(q->cmd),
                 query_cmd_is_batch(q->cmd) ? ":batchone or :batchmany" : ":one or :many");
    else if (q->cmd == CMD_EXECLASTID && q->dialect == DIALECT_POSTGRES &&
             (q->columns->n != 1 || ((OutColumn *)q->columns->items[0])->ctype != CT_INT64))
        error_at(&an, q->pos,
                 "query %s is :execlastid, and PostgreSQL has no last insert id: end it with RETURNING and one "
                 "integer column, e.g. RETURNING id",
                 q->name);
    if (an.ok && query_cmd_is_batch(q->cmd))
        check_batch(&an);
    return an.ok;
}
