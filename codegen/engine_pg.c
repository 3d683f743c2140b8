#include "engine.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct PgCheck {
    PGconn *conn;
    Arena *arena;
    const Migration *applying; /* the migration being applied, for its warnings' positions */
    const char *applying_sql;
} PgCheck;

/* keel's C type of the server's type, by the same table the catalog
 * uses (pg_types.c): enums are text, a domain is its base type, a
 * composite is text (its text form, "(1,abc)"), an extension's type as
 * pg_extensions.def says. */
static CType pg_ctype(PgCheck *c, Oid oid)
{
    for (int depth = 0; depth < 8; depth++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%u", oid);
        const char *values[1] = {buf};
        PGresult *r = PQexecParams(c->conn, "SELECT typname, typtype, typbasetype FROM pg_type WHERE oid = $1::oid",
                                   1, NULL, values, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
            PQclear(r);
            return CT_UNKNOWN;
        }
        char *name = arena_strdup(c->arena, PQgetvalue(r, 0, 0));
        char kind = PQgetvalue(r, 0, 1)[0];
        Oid base = (Oid)strtoul(PQgetvalue(r, 0, 2), NULL, 10);
        CType ext = kind == 'b' ? extension_type_named(name) : CT_UNKNOWN;
        PQclear(r);
        if (kind == 'e' || kind == 'c')
            return CT_TEXT;
        if (ext != CT_UNKNOWN)
            return ext;
        if (kind != 'd')
            return ctype_from_decl(DIALECT_POSTGRES, name);
        oid = base;
    }
    return CT_UNKNOWN;
}

static char *pg_type_name(PgCheck *c, Oid oid)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%u", oid);
    const char *values[1] = {buf};
    PGresult *r = PQexecParams(c->conn, "SELECT format_type($1::oid, NULL)", 1, NULL, values, NULL, NULL, 0);
    char *name = arena_strdup(c->arena, PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                                            ? PQgetvalue(r, 0, 0) : buf);
    PQclear(r);
    return name;
}

/* The element type of an array type, or InvalidOid. */
static Oid array_element(PgCheck *c, Oid oid)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%u", oid);
    const char *values[1] = {buf};
    PGresult *r = PQexecParams(c->conn, "SELECT typelem FROM pg_type WHERE oid = $1::oid AND typcategory = 'A'", 1,
                               NULL, values, NULL, NULL, 0);
    Oid elem = InvalidOid;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        elem = (Oid)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return elem;
}

/* pg_attribute.attnotnull of a result column that is a plain table
 * column; -1 for a view's column, which pg_attribute never marks NOT NULL */
static int column_not_null(PgCheck *c, Oid table, int column)
{
    char t[32], col[16];
    snprintf(t, sizeof t, "%u", table);
    snprintf(col, sizeof col, "%d", column);
    const char *values[2] = {t, col};
    PGresult *r = PQexecParams(c->conn, "SELECT a.attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                               "WHERE a.attrelid = $1::oid AND a.attnum = $2::int2 AND c.relkind IN ('r', 'p', 'f')",
                               2, NULL, values, NULL, NULL, 0);
    int result = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        result = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return result;
}

/* PostgreSQL reports positions in characters, 1-based; keel in bytes. */
static size_t byte_offset(const char *s, const char *position)
{
    long chars = position ? strtol(position, NULL, 10) - 1 : 0;
    size_t i = 0;
    for (long seen = 0; s[i] && seen < chars; seen++) {
        i++;
        while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

static char *one_line(Arena *arena, const char *msg)
{
    char *s = arena_strdup(arena, msg ? msg : "");
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = 0;
    for (char *p = s; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return s;
}

/* A server WARNING while a migration is applied (GLOBAL is deprecated...)
 * becomes a note at its position, not libpq's raw line on stderr. */
static void on_notice(void *arg, const PGresult *r)
{
    const PgCheck *c = arg;
    if (!c->applying)
        return;
    const Migration *m = c->applying;
    size_t off = byte_offset(c->applying_sql, PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION));
    diag_note(srcpos_at(m->file, m->up_start + off), "PostgreSQL warns about this migration: %s",
              one_line(c->arena, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)));
}

/* Where a migration the server refused without a position (a missing
 * relation in ALTER TABLE, a duplicate key in seed rows, an error raised
 * in a DO block) fails: its statements are run again one at a time (the
 * refused migration rolled back as one implicit transaction, and the check
 * stops at it, so what they leave behind is never used); the first one
 * refused is the place. The migration's start if none is. */
static SrcPos failing_statement(PgCheck *c, const Migration *m)
{
    for (int i = 0; m->stmts && i < m->stmts->n; i++) {
        const Stmt *st = m->stmts->items[i];
        if (!st->first.z || !st->last.z)
            continue;
        char *one = arena_strndup(c->arena, st->first.z, (size_t)(st->last.z + st->last.n - st->first.z));
        PGresult *r = PQexec(c->conn, one);
        ExecStatusType status = PQresultStatus(r);
        PQclear(r);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
            return st->first.pos;
    }
    return srcpos_at(m->file, m->up_start);
}

static bool apply_migration(PgCheck *c, const Migration *m)
{
    char *sql = arena_strndup(c->arena, m->file->text + m->up_start, m->up_end - m->up_start);
    c->applying = m;
    c->applying_sql = sql;
    PGresult *r = PQexec(c->conn, sql);
    c->applying = NULL;
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK ||
              PQresultStatus(r) == PGRES_EMPTY_QUERY;
    if (!ok) {
        const char *position = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
        SrcPos at = position ? srcpos_at(m->file, m->up_start + byte_offset(sql, position)) : failing_statement(c, m);
        diag_error(at, "PostgreSQL rejects this migration: %s",
                   one_line(c->arena, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)));
    }
    PQclear(r);
    return ok;
}

/* ON CONFLICT (cols) must match a unique index or constraint, which
 * PostgreSQL checks only when it plans the INSERT, not when it prepares
 * it: EXPLAIN (never run) plans it, with every parameter NULL. */
static bool check_upsert_plan(PgCheck *c, const Query *q)
{
    StrBuf b = {0};
    sb_puts(&b, "EXPLAIN EXECUTE keel_check_upsert");
    for (int i = 0; i < q->params->n; i++)
        sb_puts(&b, i == 0 ? "(NULL" : ", NULL");
    if (q->params->n > 0)
        sb_puts(&b, ")");
    char *sql = query_sql(c->arena, q, query_own_number, q, NULL);
    PGresult *r = PQprepare(c->conn, "keel_check_upsert", sql, 0, NULL);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (ok) {
        r = PQexec(c->conn, b.s);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            diag_error(q->pos, "PostgreSQL rejects query %s when it plans it: %s", q->name,
                       one_line(c->arena, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)));
            ok = false;
        }
        PQclear(r);
        PQclear(PQexec(c->conn, "DEALLOCATE keel_check_upsert"));
    }
    sb_free(&b);
    return ok;
}

static bool check_query(PgCheck *c, const Query *q)
{
    size_t *offsets = NULL;
    char *sql = query_sql(c->arena, q, query_own_number, q, &offsets);
    PGresult *r = PQprepare(c->conn, "", sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        size_t off = byte_offset(sql, PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION));
        diag_error(srcpos_at(q->file, offsets[off <= strlen(sql) ? off : 0]), "PostgreSQL rejects query %s: %s", q->name,
                   one_line(c->arena, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)));
        PQclear(r);
        free(offsets);
        return false;
    }
    free(offsets);
    PQclear(r);
    r = PQdescribePrepared(c->conn, "");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        diag_error(q->pos, "PostgreSQL cannot describe query %s: %s", q->name,
                   one_line(c->arena, PQerrorMessage(c->conn)));
        PQclear(r);
        return false;
    }
    bool ok = true;
    if (PQnparams(r) != q->params->n) {
        diag_error(q->pos, "PostgreSQL counts %d parameters in query %s, keel found %d", PQnparams(r), q->name,
                   q->params->n);
        ok = false;
    }
    /* every difference is reported, not only the first */
    for (int i = 0; PQnparams(r) == q->params->n && i < PQnparams(r); i++) {
        const Param *p = q->params->items[i];
        Oid oid = PQparamtype(r, i);
        Oid elem = array_element(c, oid);
        CType t = pg_ctype(c, p->list && elem != InvalidOid ? elem : oid);
        if (t != p->ctype || p->list != (elem != InvalidOid)) {
            diag_error(p->pos, "query %s: PostgreSQL types parameter \"%s\" as %s, keel inferred %s%s", q->name,
                       p->name, pg_type_name(c, oid), ctype_name(p->ctype), p->list ? "[]" : "");
            ok = false;
        }
    }
    bool columns_match = PQnfields(r) == q->columns->n;
    if (!columns_match) {
        diag_error(q->pos, "PostgreSQL says query %s returns %d columns, keel inferred %d", q->name, PQnfields(r),
                   q->columns->n);
        ok = false;
    }
    for (int i = 0; columns_match && i < PQnfields(r); i++) {
        const OutColumn *col = q->columns->items[i];
        if (col->sql_name && strcmp(PQfname(r, i), col->sql_name) != 0) {
            diag_error(col->pos, "query %s: PostgreSQL names result column %d \"%s\", keel named it \"%s\"", q->name,
                       i + 1, PQfname(r, i), col->sql_name);
            ok = false;
            continue;
        }
        Oid oid = PQftype(r, i);
        Oid elem = array_element(c, oid);
        CType t = pg_ctype(c, elem != InvalidOid ? elem : oid);
        if (t != col->ctype || col->list != (elem != InvalidOid)) {
            diag_error(col->pos, "query %s: PostgreSQL types result column \"%s\" as %s (%s), keel inferred %s",
                       q->name, col->name, pg_type_name(c, oid), ctype_name(t), ctype_name(col->ctype));
            ok = false;
            continue;
        }
        /* keel may know more (an outer join makes a NOT NULL column
         * nullable); it must never claim NOT NULL for a nullable column */
        Oid table = PQftable(r, i);
        int attnum = PQftablecol(r, i);
        if (table != InvalidOid && attnum > 0 && !col->nullable && col->origin && column_not_null(c, table, attnum) == 0) {
            diag_error(col->pos, "query %s: keel inferred result column \"%s\" NOT NULL, PostgreSQL says it can be NULL",
                       q->name, col->name);
            ok = false;
        }
    }
    PQclear(r);
    if (ok && q->stmt->kind == STMT_INSERT && q->stmt->u.insert->upsert)
        ok = check_upsert_plan(c, q);
    /* CREATE TEMP TABLE runs, so the queries after it that read the table prepare */
    if (ok && q->stmt->kind == STMT_CREATE_TABLE) {
        r = PQexecPrepared(c->conn, "", 0, NULL, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            diag_error(q->pos, "PostgreSQL rejects query %s: %s", q->name,
                       one_line(c->arena, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)));
            ok = false;
        }
        PQclear(r);
    }
    return ok;
}

static PGconn *connect_to(const char *dsn, const char *dbname)
{
    const char *keys[] = {"dbname", dbname ? "dbname" : NULL, NULL};
    const char *values[] = {dsn, dbname, NULL};
    /* expand_dbname: the first dbname is the whole DSN; a later one overrides its database */
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    return conn;
}

static bool exec_simple(PGconn *conn, const char *sql, char **error, Arena *arena)
{
    PGresult *r = PQexec(conn, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok && error)
        *error = one_line(arena, PQerrorMessage(conn));
    PQclear(r);
    return ok;
}

bool engine_check_postgres(Arena *arena, DialectRepo *repo, const char *dsn)
{
    PGconn *admin = connect_to(dsn, NULL);
    if (PQstatus(admin) != CONNECTION_OK) {
        diag_error((SrcPos){0}, "cannot connect to PostgreSQL for the engine check: %s",
                   one_line(arena, PQerrorMessage(admin)));
        PQfinish(admin);
        return false;
    }
    char *scratch = arena_printf(arena, "keel_check_%ld_%ld", (long)getpid(), (long)time(NULL));
    char *error = NULL;
    if (!exec_simple(admin, arena_printf(arena, "CREATE DATABASE %s", scratch), &error, arena)) {
        diag_error((SrcPos){0}, "cannot create the scratch database for the PostgreSQL check: %s", error);
        PQfinish(admin);
        return false;
    }
    PgCheck c = {.conn = connect_to(dsn, scratch), .arena = arena};
    bool ok = PQstatus(c.conn) == CONNECTION_OK;
    if (!ok)
        diag_error((SrcPos){0}, "cannot connect to the scratch database: %s", one_line(arena, PQerrorMessage(c.conn)));
    if (ok) {
        exec_simple(c.conn, "SET client_min_messages = warning", NULL, arena);
        PQsetNoticeReceiver(c.conn, on_notice, &c);
    }
    for (int i = 0; ok && i < repo->migrations->n; i++)
        ok = apply_migration(&c, repo->migrations->items[i]);
    /* the application's queries run on fresh sessions: a migration's
     * SET search_path (pg_dump writes one) must not follow them */
    if (ok) {
        exec_simple(c.conn, "RESET ALL", NULL, arena);
        exec_simple(c.conn, "SET client_min_messages = warning", NULL, arena);
    }
    /* One transaction, never committed: a query's CREATE TEMP TABLE ... ON
     * COMMIT DROP stays for the queries after it, as inside keel_update.
     * The loop stops at the first refusal, which would abort it. */
    if (ok)
        exec_simple(c.conn, "BEGIN", NULL, arena);
    for (int i = 0; ok && i < repo->queries->n; i++) {
        Query *q = repo->queries->items[i];
        if (q->stmt)
            ok = check_query(&c, q) && ok;
    }
    PQfinish(c.conn);
    if (!exec_simple(admin, arena_printf(arena, "DROP DATABASE IF EXISTS %s WITH (FORCE)", scratch), &error, arena))
        fprintf(stderr, "keel: warning: could not drop scratch database %s: %s\n", scratch, error);
    PQfinish(admin);
    return ok;
}
