#include "engine.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Where the statement that begins at or after offset off of the file
 * starts: its first token, as the parser read it, past the blanks and
 * comments before it (SQLite gives no position for some refusals). */
static size_t statement_start(const Migration *m, size_t off)
{
    for (int i = 0; m->stmts && i < m->stmts->n; i++) {
        const Stmt *st = m->stmts->items[i];
        if (st->first.z && (size_t)(st->first.z - m->file->text) >= off)
            return (size_t)(st->first.z - m->file->text);
    }
    return off;
}

static bool apply_migration(Arena *arena, sqlite3 *db, const Migration *m)
{
    char *sql = arena_strndup(arena, m->file->text + m->up_start, m->up_end - m->up_start);
    const char *tail = sql;
    while (*tail) {
        sqlite3_stmt *st = NULL;
        const char *stmt_start = tail;
        int rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
        if (rc == SQLITE_OK && st) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW || rc == SQLITE_DONE)
                rc = SQLITE_OK;
        }
        if (rc != SQLITE_OK) {
            int at = sqlite3_error_offset(db);
            size_t off = m->up_start + (size_t)(stmt_start - sql);
            if (at >= 0)
                off = m->up_start + (size_t)(stmt_start - sql) + (size_t)at;
            else
                off = statement_start(m, off);
            diag_error(srcpos_at(m->file, off), "SQLite rejects this migration: %s", sqlite3_errmsg(db));
            sqlite3_finalize(st);
            return false;
        }
        sqlite3_finalize(st);
    }
    return true;
}

/* A declared type without its (size) arguments and spaces, lower case:
 * "VARCHAR(20)" and "varchar", "VARCHAR[16]" and "varchar [16]" (SQLite
 * keeps the type's text as written; keel joins its words with spaces). */
static void decl_key(const char *decl, char *buf, size_t size)
{
    size_t k = 0;
    for (const char *p = decl; *p && k + 1 < size; p++) {
        if (*p == '(') {
            while (*p && *p != ')')
                p++;
            if (!*p)
                break;
            continue;
        }
        if (!isspace((unsigned char)*p))
            buf[k++] = (char)tolower((unsigned char)*p);
    }
    buf[k] = 0;
}

static bool same_decl(const char *engine, const char *keel)
{
    char a[256], b[256];
    decl_key(engine, a, sizeof a);
    decl_key(keel, b, sizeof b);
    return strcmp(a, b) == 0;
}

static bool check_query(Arena *arena, sqlite3 *db, const Query *q)
{
    size_t *offsets = NULL;
    char *sql = query_sql(arena, q, query_own_number, q, &offsets);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        int at = sqlite3_error_offset(db);
        size_t len = strlen(sql);
        size_t off = offsets[at >= 0 && (size_t)at <= len ? (size_t)at : 0];
        diag_error(srcpos_at(q->file, off), "SQLite rejects query %s: %s", q->name, sqlite3_errmsg(db));
        free(offsets);
        return false;
    }
    free(offsets);
    bool ok = true;
    int n = sqlite3_column_count(st);
    if (n != q->columns->n) {
        diag_error(q->pos, "SQLite says query %s returns %d columns, keel inferred %d", q->name, n, q->columns->n);
        ok = false;
    }
    for (int i = 0; ok && i < n; i++) {
        const OutColumn *c = q->columns->items[i];
        const char *decl = sqlite3_column_decltype(st, i);
        if (c->origin && c->origin->decl_type[0] && decl && !same_decl(decl, c->origin->decl_type)) {
            diag_error(c->pos, "query %s: keel read column \"%s\" as declared \"%s\", SQLite says \"%s\"", q->name,
                       c->name, c->origin->decl_type, decl);
            ok = false;
        }
    }
    if (sqlite3_bind_parameter_count(st) != q->params->n) {
        diag_error(q->pos, "SQLite counts %d parameters in query %s, keel found %d", sqlite3_bind_parameter_count(st),
                   q->name, q->params->n);
        ok = false;
    }
    /* CREATE TEMP TABLE runs, so the queries after it that read the table prepare */
    if (ok && q->stmt->kind == STMT_CREATE_TABLE && sqlite3_step(st) != SQLITE_DONE) {
        diag_error(q->pos, "SQLite rejects query %s: %s", q->name, sqlite3_errmsg(db));
        ok = false;
    }
    sqlite3_finalize(st);
    return ok;
}

bool engine_check_sqlite(Arena *arena, DialectRepo *repo)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        diag_error((SrcPos){0}, "cannot open an in-memory SQLite database");
        sqlite3_close(db);
        return false;
    }
    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    bool ok = true;
    for (int i = 0; ok && i < repo->migrations->n; i++)
        ok = apply_migration(arena, db, repo->migrations->items[i]);
    for (int i = 0; ok && i < repo->queries->n; i++) {
        Query *q = repo->queries->items[i];
        if (q->stmt)
            ok = check_query(arena, db, q) && ok;
    }
    sqlite3_close(db);
    return ok;
}
