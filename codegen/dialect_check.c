#include "dialect_check.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"

static bool word_is(const Token *t, const char *w) { return t->type != TK_STRING && str_ieq_n(t->z, (size_t)t->n, w); }

static bool foreign_syntax(const Token *at, Dialect dialect, bool is_query, const char *what, const char *instead)
{
    const char *other = dialect == DIALECT_POSTGRES ? "SQLite" : "PostgreSQL";
    const char *own = dialect == DIALECT_POSTGRES ? "PostgreSQL" : "SQLite";
    diag_error(at->pos, "%s is %s syntax, and this is a %s %s; %s", what, other, own, is_query ? "query" : "migration",
               instead);
    return false;
}

/* "INSERT OR REPLACE", "GRANT": the statement's words as written, upper case */
static const char *words_upper(char *buf, size_t size, const Token *t, int count)
{
    size_t k = 0;
    for (int i = 0; i < count && k + 1 < size; i++) {
        if (i > 0)
            buf[k++] = ' ';
        for (int j = 0; j < t[i].n && k + 1 < size; j++) {
            char c = t[i].z[j];
            buf[k++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        }
    }
    buf[k] = 0;
    return buf;
}

static bool is_create_table(const Token *t, int n)
{
    if (n < 2 || t[0].type != TK_CREATE)
        return false;
    for (int i = 1; i < n && i < 4; i++)
        if (t[i].type == TK_TABLE)
            return true;
    return false;
}

static bool check_postgres(const Token *t, int n, bool is_query)
{
    const Dialect d = DIALECT_POSTGRES;
    char what[64];
    if (t[0].type == TK_INSERT && n > 2 && t[1].type == TK_OR) {
        bool ignore = t[2].type == TK_IGNORE;
        return foreign_syntax(&t[1], d, is_query, words_upper(what, sizeof what, t, 3), ignore
                              ? "write INSERT ... ON CONFLICT DO NOTHING"
                              : "write INSERT ... ON CONFLICT (key) DO UPDATE SET ...");
    }
    if (t[0].type == TK_REPLACE)
        return foreign_syntax(&t[0], d, is_query, "REPLACE INTO", "write INSERT ... ON CONFLICT (key) DO UPDATE SET ...");
    if (word_is(&t[0], "pragma"))
        return foreign_syntax(&t[0], d, is_query, "PRAGMA", "PostgreSQL has no pragmas: drop it");
    bool table = is_create_table(t, n);
    int depth = 0;
    for (int i = 0; i < n; i++) {
        if (t[i].type == TK_LP)
            depth++;
        else if (t[i].type == TK_RP)
            depth--;
        /* not a dialect matter, but as static: keel applies each migration in one transaction */
        if (!is_query && t[i].type == TK_INDEX && i + 1 < n && word_is(&t[i + 1], "concurrently")) {
            diag_error(t[i + 1].pos, "%s INDEX CONCURRENTLY cannot run inside a transaction, and keel applies each "
                       "migration in one; drop CONCURRENTLY", t[0].type == TK_DROP ? "DROP" : "CREATE");
            return false;
        }
        if (t[i].type == TK_AUTOINCR)
            return foreign_syntax(&t[i], d, is_query, "AUTOINCREMENT",
                                  "write an identity column: BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY (or BIGSERIAL)");
        if (table && depth == 0 && t[i].type == TK_WITHOUT && i + 1 < n && t[i + 1].type == TK_ROWID)
            return foreign_syntax(&t[i], d, is_query, "WITHOUT ROWID", "PostgreSQL tables have no rowid: drop it");
        if (table && depth == 0 && t[i].type == TK_STRICT && i > 0 && (t[i - 1].type == TK_RP || t[i - 1].type == TK_COMMA))
            return foreign_syntax(&t[i], d, is_query, "a STRICT table", "PostgreSQL always checks column types: drop it");
    }
    return true;
}

static bool check_sqlite(const Token *t, int n, bool is_query)
{
    const Dialect d = DIALECT_SQLITE;
    static const char *const pg_only_creates[] = {
        "type", "domain", "extension", "function", "procedure", "schema", "sequence", "policy", "materialized",
        "unlogged", "rule", "aggregate", "operator", "publication", "role", "user",
    };
    static const char *const pg_only_statements[] = {"grant", "revoke", "comment", "do", "call", "refresh", "set"};
    if (t[0].type == TK_CREATE && n > 1) {
        int i = 1;
        if (i + 1 < n && t[i].type == TK_OR && t[i + 1].type == TK_REPLACE)
            i += 2;
        for (size_t k = 0; i < n && k < sizeof pg_only_creates / sizeof pg_only_creates[0]; k++)
            if (word_is(&t[i], pg_only_creates[k])) {
                char what[64] = "CREATE ";
                words_upper(what + 7, sizeof what - 7, &t[i], 1);
                return foreign_syntax(&t[i], d, is_query, what, "SQLite has no such object: drop it or model it with tables");
            }
    }
    char what[64];
    if ((t[0].type == TK_ALTER || t[0].type == TK_DROP) && n > 1 &&
        (word_is(&t[1], "type") || word_is(&t[1], "domain") || word_is(&t[1], "sequence") || word_is(&t[1], "extension") ||
         word_is(&t[1], "function") || word_is(&t[1], "schema")))
        return foreign_syntax(&t[1], d, is_query, words_upper(what, sizeof what, t, 2),
                              "SQLite has no such object: drop the statement");
    for (size_t k = 0; k < sizeof pg_only_statements / sizeof pg_only_statements[0]; k++)
        if (word_is(&t[0], pg_only_statements[k]))
            return foreign_syntax(&t[0], d, is_query, words_upper(what, sizeof what, t, 1),
                                  "SQLite does not run it: drop it");
    bool alter_table = t[0].type == TK_ALTER && n > 1 && t[1].type == TK_TABLE;
    bool table = is_create_table(t, n) || alter_table;
    int depth = 0;
    for (int i = 0; i < n; i++) {
        if (t[i].type == TK_LP)
            depth++;
        else if (t[i].type == TK_RP)
            depth--;
        if (t[i].type == TK_CAST_OP)
            return foreign_syntax(&t[i], d, is_query, "a :: cast", "write CAST(x AS type)");
        if (alter_table && depth == 0 && i > 2 && t[i].type == TK_ALTER)
            return foreign_syntax(&t[i], d, is_query, "ALTER TABLE ... ALTER COLUMN",
                                  "SQLite cannot change a column: create the new table, copy the rows, drop the old one");
        if (alter_table && depth == 0 && i > 2 && (t[i].type == TK_ADD || t[i].type == TK_DROP) && i + 1 < n &&
            (t[i + 1].type == TK_CONSTRAINT || t[i + 1].type == TK_PRIMARY || t[i + 1].type == TK_FOREIGN ||
             t[i + 1].type == TK_UNIQUE || t[i + 1].type == TK_CHECK))
            return foreign_syntax(&t[i], d, is_query, "ALTER TABLE ... ADD/DROP CONSTRAINT",
                                  "SQLite cannot change a table's constraints: declare them in CREATE TABLE");
        if (table && i > 0 && t[i - 1].type == TK_ID &&
            (word_is(&t[i], "serial") || word_is(&t[i], "bigserial") || word_is(&t[i], "smallserial")))
            return foreign_syntax(&t[i], d, is_query, "SERIAL",
                                  "write INTEGER PRIMARY KEY, SQLite's auto-numbered rowid alias");
    }
    return true;
}

bool dialect_check_statement(const Token *toks, int n, Dialect dialect, bool is_query)
{
    if (n == 0)
        return true;
    return dialect == DIALECT_POSTGRES ? check_postgres(toks, n, is_query) : check_sqlite(toks, n, is_query);
}
