/*
 * keel vet: lint rules over the repository as the generator parsed it
 * (pipeline_load: migrations' statements, analysed queries, catalogs).
 *
 * The migration rules are in cli_vet_migrations.c. Query rules read each
 * query's syntax tree; full-table-scan asks SQLite's EXPLAIN QUERY PLAN on
 * an in-memory database the migrations built.
 *
 * A finding is a compiler-style warning at its statement. `-- keel:ignore
 * RULE [RULE...]` in the comment lines right above a statement, or at the
 * end of its last line, suppresses those rules for it.
 */
#include <ctype.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "cli_vet.h"
#include "pipeline.h"
#include "sqlparse.h"

const char cli_vet_help[] =
    "Lints the repository's migrations and queries; each finding is a warning at its\n"
    "statement, exit status 1 when there is any. `-- keel:ignore RULE[, RULE...]` on\n"
    "the line before a statement (or at the end of it) suppresses those rules there;\n"
    "a reason may follow after a ':' or in parentheses. A name that is not a rule is\n"
    "itself a finding (unknown-rule).\n"
    "  --since VERSION     apply the migration rules only to migrations newer than\n"
    "                      VERSION (the ones not deployed yet)\n"
    "Rules:\n"
    "    destructive-drop-table           DROP TABLE\n"
    "    destructive-drop-column          ALTER TABLE ... DROP COLUMN\n"
    "    destructive-narrow-type          ALTER COLUMN ... TYPE that is not a widening\n"
    "    destructive-not-null-no-default  ADD COLUMN ... NOT NULL without a DEFAULT\n"
    "    destructive-rename-table         renaming a table queries use\n"
    "    destructive-rename-column        renaming a column queries use\n"
    "    fk-without-index                 a foreign key whose columns start no index\n"
    "    select-star                      SELECT * (or RETURNING *) in a query\n"
    "    update-without-where             UPDATE without WHERE\n"
    "    delete-without-where             DELETE without WHERE\n"
    "    full-table-scan                  a query with a WHERE that SQLite answers by\n"
    "                                     scanning a whole table (EXPLAIN QUERY PLAN)\n";

static const char *const RULES[] = {
    "destructive-drop-table", "destructive-drop-column", "destructive-narrow-type",
    "destructive-not-null-no-default", "destructive-rename-table", "destructive-rename-column",
    "fk-without-index", "select-star", "update-without-where", "delete-without-where", "full-table-scan",
};

/* ------------------------------------------------------- suppression */

static bool is_rule_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Does the text [p, end) hold "keel:ignore" naming rule? */
static bool ignores(const char *p, const char *end, const char *rule)
{
    static const char marker[] = "keel:ignore";
    size_t n = strlen(rule);
    for (; p + sizeof marker - 1 <= end; p++) {
        if (strncmp(p, marker, sizeof marker - 1) != 0)
            continue;
        for (const char *w = p + sizeof marker - 1; w < end;) {
            while (w < end && (*w == ' ' || *w == '\t' || *w == ','))
                w++;
            const char *start = w;
            while (w < end && is_rule_char(*w))
                w++;
            if (w == start)
                break;
            if ((size_t)(w - start) == n && strncmp(start, rule, n) == 0)
                return true;
        }
    }
    return false;
}

/* The comment of a line that is only a "--" comment, or NULL. */
static const char *comment_line(const char *line, const char *end)
{
    while (line < end && (*line == ' ' || *line == '\t'))
        line++;
    return end - line >= 2 && line[0] == '-' && line[1] == '-' ? line : NULL;
}

static bool suppressed(const Stmt *s, const char *rule)
{
    const SrcFile *f = s->first.pos.file;
    const char *text = f->text;
    /* the comment lines directly above the statement */
    const char *line_start = s->first.z;
    while (line_start > text && line_start[-1] != '\n')
        line_start--;
    while (line_start > text) {
        const char *prev_end = line_start - 1; /* the '\n' */
        const char *prev = prev_end;
        while (prev > text && prev[-1] != '\n')
            prev--;
        const char *c = comment_line(prev, prev_end);
        if (!c)
            break;
        if (ignores(c, prev_end, rule))
            return true;
        line_start = prev;
    }
    /* a "--" comment after the statement's last token, on its line */
    const char *p = s->last.z + s->last.n;
    const char *eol = p;
    while (*eol && *eol != '\n')
        eol++;
    for (const char *dash = p; dash + 1 < eol; dash++)
        if (dash[0] == '-' && dash[1] == '-')
            return ignores(dash, eol, rule);
    return false;
}

static void add_finding(Vet *v, SrcPos pos, const char *rule, const char *fmt, va_list ap)
{
    Finding *f = arena_alloc(v->arena, sizeof *f);
    f->pos = pos;
    f->rule = rule;
    f->seq = v->findings->n;
    StrBuf b = {0};
    sb_vprintf(&b, fmt, ap);
    f->msg = arena_strdup(v->arena, b.s);
    sb_free(&b);
    ptrlist_push(v->arena, v->findings, f);
}

void vet_report(Vet *v, const Stmt *s, const char *rule, const char *fmt, ...)
{
    if (suppressed(s, rule))
        return;
    va_list ap;
    va_start(ap, fmt);
    add_finding(v, s->first.pos, rule, fmt, ap);
    va_end(ap);
}

static void report_at(Vet *v, SrcPos pos, const char *rule, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void report_at(Vet *v, SrcPos pos, const char *rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_finding(v, pos, rule, fmt, ap);
    va_end(ap);
}

static bool known_rule(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
        if (strlen(RULES[i]) == n && strncmp(RULES[i], name, n) == 0)
            return true;
    return false;
}

/* A misspelt rule in a keel:ignore would silently suppress nothing. */
static void check_ignore_names(Vet *v, const SrcFile *f)
{
    static const char marker[] = "keel:ignore";
    const char *text = f->text, *end = f->text + f->len;
    for (const char *p = text; (p = strstr(p, marker)) != NULL; p += sizeof marker - 1) {
        const char *line = p;
        while (line > text && line[-1] != '\n')
            line--;
        bool in_comment = false;
        for (const char *c = line; c + 1 < p && !in_comment; c++)
            in_comment = c[0] == '-' && c[1] == '-';
        if (!in_comment)
            continue;
        for (const char *w = p + sizeof marker - 1; w < end;) {
            while (w < end && (*w == ' ' || *w == '\t' || *w == ','))
                w++;
            const char *start = w;
            while (w < end && is_rule_char(*w))
                w++;
            if (w == start)
                break;
            if (!known_rule(start, (size_t)(w - start)))
                report_at(v, srcpos_at(f, (size_t)(start - text)), "unknown-rule",
                          "keel:ignore names \"%.*s\", which is not a vet rule (keel vet --help lists them)",
                          (int)(w - start), start);
        }
    }
}

/* Every file of the dialect, once. */
static void check_ignores(Vet *v, const DialectRepo *r)
{
    PtrList *seen = ptrlist_new(v->arena);
    for (int i = 0; i < r->migrations->n + r->queries->n; i++) {
        const SrcFile *f = i < r->migrations->n ? ((const Migration *)r->migrations->items[i])->file
                                                : ((const Query *)r->queries->items[i - r->migrations->n])->file;
        bool done = false;
        for (int k = 0; k < seen->n && !done; k++)
            done = seen->items[k] == f;
        if (done)
            continue;
        ptrlist_push(v->arena, seen, (void *)f);
        check_ignore_names(v, f);
    }
}

static int by_position(const void *a, const void *b)
{
    const Finding *x = *(Finding *const *)a, *y = *(Finding *const *)b;
    int c = strcmp(x->pos.file->path, y->pos.file->path);
    if (c == 0)
        c = x->pos.line != y->pos.line ? (x->pos.line < y->pos.line ? -1 : 1) : 0;
    if (c == 0)
        c = x->seq < y->seq ? -1 : x->seq > y->seq;
    return c;
}

/* ------------------------------------------------- what queries touch */


static void uses_select(Uses *u, const Select *s);

static void uses_name(Uses *u, PtrList *l, const Token *t)
{
    if (t && TOKEN_SET(*t))
        ptrlist_push(u->arena, l, token_name(u->arena, t));
}

static void uses_table(Uses *u, const Token *schema, const Token *name, const Token *alias)
{
    if (!TOKEN_SET(*name))
        return;
    char *key = table_key(u->arena, u->dialect, schema, name);
    ptrlist_push(u->arena, u->tables, key);
    ptrlist_push(u->arena, u->aliases, TOKEN_SET(*alias) ? token_name(u->arena, alias) : token_name(u->arena, name));
    ptrlist_push(u->arena, u->aliases, key);
}

static void uses_expr(Uses *u, const Expr *e)
{
    if (!e)
        return;
    if (e->kind == EX_COLUMN)
        uses_name(u, u->columns, &e->tok);
    uses_expr(u, e->lhs);
    uses_expr(u, e->rhs);
    uses_expr(u, e->extra);
    for (int i = 0; i < PTRLIST_LEN(e->list); i++)
        uses_expr(u, e->list->items[i]);
    if (e->select)
        uses_select(u, e->select);
}

static void uses_results(Uses *u, const PtrList *cols, bool names_are_columns)
{
    for (int i = 0; i < PTRLIST_LEN(cols); i++) {
        const ResultCol *rc = cols->items[i];
        if (rc->star)
            u->star = true;
        if (names_are_columns)
            uses_name(u, u->columns, &rc->alias);
        uses_expr(u, rc->expr);
    }
}

static void uses_tokens(Uses *u, const PtrList *tokens)
{
    for (int i = 0; i < PTRLIST_LEN(tokens); i++)
        uses_name(u, u->columns, tokens->items[i]);
}

static void uses_from(Uses *u, const PtrList *from)
{
    for (int i = 0; i < PTRLIST_LEN(from); i++) {
        const SrcItem *it = from->items[i];
        if (it->subquery)
            uses_select(u, it->subquery);
        else
            uses_table(u, &it->schema, &it->name, &it->alias);
        uses_expr(u, it->on);
        uses_tokens(u, it->using_cols);
    }
}

static void uses_with(Uses *u, const With *w)
{
    for (int i = 0; w && i < w->ctes->n; i++)
        uses_select(u, ((const Cte *)w->ctes->items[i])->select);
}

static void uses_select(Uses *u, const Select *s)
{
    for (; s; s = s->prior) {
        uses_with(u, s->with);
        uses_results(u, s->result, false);
        uses_from(u, s->from);
        uses_expr(u, s->where);
        for (int i = 0; i < PTRLIST_LEN(s->group_by); i++)
            uses_expr(u, s->group_by->items[i]);
        for (int i = 0; i < PTRLIST_LEN(s->distinct_on); i++)
            uses_expr(u, s->distinct_on->items[i]);
        uses_expr(u, s->having);
        for (int i = 0; i < PTRLIST_LEN(s->values); i++) {
            const PtrList *row = s->values->items[i];
            for (int k = 0; k < PTRLIST_LEN(row); k++)
                uses_expr(u, row->items[k]);
        }
        uses_results(u, s->order_by, false);
        uses_expr(u, s->limit);
        uses_expr(u, s->offset);
    }
}

static void uses_stmt(Uses *u, const Stmt *s)
{
    uses_with(u, s->with);
    switch (s->kind) {
    case STMT_SELECT: uses_select(u, s->u.select); break;
    case STMT_INSERT: {
        const Insert *in = s->u.insert;
        uses_table(u, &in->schema, &in->table, &in->alias);
        uses_tokens(u, in->columns);
        for (int i = 0; i < PTRLIST_LEN(in->values); i++) {
            const PtrList *row = in->values->items[i];
            for (int k = 0; k < PTRLIST_LEN(row); k++)
                uses_expr(u, row->items[k]);
        }
        uses_select(u, in->select);
        if (in->upsert) {
            uses_results(u, in->upsert->target, false);
            uses_expr(u, in->upsert->target_where);
            uses_results(u, in->upsert->set, true);
            uses_expr(u, in->upsert->where);
        }
        uses_results(u, in->returning, false);
        break;
    }
    case STMT_UPDATE: {
        const Update *up = s->u.update;
        uses_table(u, &up->schema, &up->table, &up->alias);
        uses_results(u, up->set, true);
        uses_from(u, up->from);
        uses_expr(u, up->where);
        uses_results(u, up->returning, false);
        break;
    }
    case STMT_DELETE: {
        const Delete *d = s->u.delete_;
        uses_table(u, &d->schema, &d->table, &d->alias);
        uses_from(u, d->using_);
        uses_expr(u, d->where);
        uses_results(u, d->returning, false);
        break;
    }
    default: break;
    }
}

Uses vet_query_uses(Arena *arena, const Query *q)
{
    Uses u = {arena, ptrlist_new(arena), ptrlist_new(arena), ptrlist_new(arena), false, q->dialect};
    uses_stmt(&u, q->stmt);
    return u;
}

bool vet_has_name(const PtrList *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->items[i], name) == 0)
            return true;
    return false;
}

/* -------------------------------------------------------------- queries */

static bool has_where(const Stmt *s)
{
    switch (s->kind) {
    case STMT_SELECT:
        for (const Select *x = s->u.select; x; x = x->prior)
            if (x->where)
                return true;
        return false;
    case STMT_UPDATE: return s->u.update->where != NULL;
    case STMT_DELETE: return s->u.delete_->where != NULL;
    default: return false;
    }
}

static bool results_star(const PtrList *cols)
{
    for (int i = 0; i < PTRLIST_LEN(cols); i++)
        if (((const ResultCol *)cols->items[i])->star)
            return true;
    return false;
}

static const char *alias_table(const Uses *u, const char *alias)
{
    for (int i = 0; i + 1 < u->aliases->n; i += 2)
        if (strcmp(u->aliases->items[i], alias) == 0)
            return u->aliases->items[i + 1];
    return NULL;
}

/* SQLite's plan for the query: a "SCAN t" step without an index. */
static void check_scans(Vet *v, sqlite3 *db, const Catalog *cat, const Query *q)
{
    char *sql = arena_printf(v->arena, "EXPLAIN QUERY PLAN %s", query_sql(v->arena, q, query_own_number, q, NULL));
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return; /* the engine check already prepared it: nothing new to say */
    }
    Uses u = vet_query_uses(v->arena, q);
    PtrList *reported = ptrlist_new(v->arena);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(st, 3);
        if (!detail || strncmp(detail, "SCAN ", 5) != 0)
            continue;
        const char *name = detail + 5;
        size_t n = strcspn(name, " ");
        const char *rest = name + n;
        if (strstr(rest, "INDEX") || strstr(rest, "VIRTUAL TABLE") || strstr(rest, "PRIMARY KEY"))
            continue;
        char *alias = arena_strndup(v->arena, name, n);
        const char *key = alias_table(&u, alias);
        const Table *t = catalog_find_table(cat, key ? key : alias);
        if (!t || t->view || vet_has_name(reported, t->name))
            continue;
        ptrlist_push(v->arena, reported, t->name);
        vet_report(v, q->stmt, "full-table-scan",
               "query %s scans table \"%s\" for its WHERE clause (SQLite plan: %s): no index serves it", q->name,
               t->name, detail);
    }
    sqlite3_finalize(st);
}

static void vet_query(Vet *v, const DialectRepo *repo, const Query *q, sqlite3 *db)
{
    const Stmt *s = q->stmt;
    bool star = false;
    if (s->kind == STMT_SELECT)
        for (const Select *x = s->u.select; x; x = x->prior)
            star = star || results_star(x->result);
    if (s->kind == STMT_INSERT)
        star = results_star(s->u.insert->returning);
    if (s->kind == STMT_UPDATE)
        star = results_star(s->u.update->returning);
    if (s->kind == STMT_DELETE)
        star = results_star(s->u.delete_->returning);
    if (star)
        vet_report(v, s, "select-star", "query %s selects *: list the columns, so that a migration adding one does not "
                                    "change its result", q->name);
    if (s->kind == STMT_UPDATE && !s->u.update->where)
        vet_report(v, s, "update-without-where", "query %s updates every row of \"%s\" (no WHERE)", q->name,
               table_key(v->arena, q->dialect, &s->u.update->schema, &s->u.update->table));
    if (s->kind == STMT_DELETE && !s->u.delete_->where)
        vet_report(v, s, "delete-without-where", "query %s deletes every row of \"%s\" (no WHERE)", q->name,
               table_key(v->arena, q->dialect, &s->u.delete_->schema, &s->u.delete_->table));
    if (db && has_where(s))
        check_scans(v, db, repo->catalog, q);
}

/* The migrated in-memory database EXPLAIN QUERY PLAN runs on. */
static sqlite3 *migrated_sqlite(Arena *arena, const DialectRepo *repo)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    for (int i = 0; i < repo->migrations->n; i++) {
        const Migration *m = repo->migrations->items[i];
        char *sql = arena_strndup(arena, m->file->text + m->up_start, m->up_end - m->up_start);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
            sqlite3_close(db);
            return NULL;
        }
    }
    return db;
}

int cli_vet(const CliRepo *repo, int argc, char **argv)
{
    const char *since = NULL;
    const CliFlag flags[] = {{"--since", &since, NULL}};
    int status = cli_parse_flags(argc, argv, flags, 1);
    if (status != 0)
        return status;
    Vet v = {0};
    if (since && !cli_parse_version("vet", "--since", since, &v.since))
        return 2;
    DialectRepo repos[DIALECT_COUNT];
    PipelineOptions opt = {.name = repo->name, .schema_dir = repo->schema_dir, .queries_dir = repo->queries_dir};
    v.arena = pipeline_load(&opt, repos);
    if (!v.arena) {
        int errors = diag_error_count();
        fprintf(stderr, "keel vet: %d error%s; fix %s before linting\n", errors, errors == 1 ? "" : "s",
                errors == 1 ? "it" : "them");
        return 1;
    }
    v.findings = ptrlist_new(v.arena);
    for (int d = 0; d < DIALECT_COUNT; d++) {
        const DialectRepo *r = &repos[d];
        if (!r->present)
            continue;
        check_ignores(&v, r);
        vet_migrations(&v, r);
        sqlite3 *db = d == DIALECT_SQLITE ? migrated_sqlite(v.arena, r) : NULL;
        for (int i = 0; i < r->queries->n; i++)
            vet_query(&v, r, r->queries->items[i], db);
        sqlite3_close(db);
    }
    if (v.findings->n > 1)
        qsort(v.findings->items, (size_t)v.findings->n, sizeof(void *), by_position);
    for (int i = 0; i < v.findings->n; i++) {
        const Finding *f = v.findings->items[i];
        diag_warning(f->pos, "[%s] %s", f->rule, f->msg);
    }
    int n = v.findings->n;
    if (n)
        fprintf(stderr, "keel vet: %d finding%s\n", n, n == 1 ? "" : "s");
    arena_destroy(v.arena);
    return n ? 1 : 0;
}
