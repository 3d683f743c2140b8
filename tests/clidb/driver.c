/*
 * keel-clidb-test: the database verbs' tests' helper, so the scripts need
 * neither psql nor sqlite3 (the verbs themselves run as `keel VERB`):
 *
 *   keel-clidb-test exec DSN SQL        runs SQL on any DSN keel opens
 *   keel-clidb-test fresh-pg DSN NAME   (re)creates database NAME on DSN's
 *                                       server and prints its DSN
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel.h"
static int exec_sql(const char *dsn, const char *sql)
{
    keel_db *db = NULL;
    int rc = keel_open(&db, dsn, NULL);
    if (rc == KEEL_OK) {
        keel_query q = {"exec", sql, 0};
        keel_stmt *st = NULL;
        rc = keel_stmt_open(db, &q, &st);
        if (rc == KEEL_OK) {
            while ((rc = keel_stmt_step(st)) == KEEL_ROW)
                ;
            keel_stmt_close(st);
            rc = rc == KEEL_DONE ? KEEL_OK : rc;
        }
    }
    if (rc != KEEL_OK)
        fprintf(stderr, "keel-clidb-test exec: %s: %s\n", keel_code_name(rc), keel_errmsg(db));
    keel_close(db);
    return rc == KEEL_OK ? 0 : 1;
}

static void quiet(void *ctx, const char *message)
{
    (void)ctx;
    (void)message;
}

static int fresh_pg(const char *dsn, const char *name)
{
    PGconn *admin = PQconnectdb(dsn);
    PQsetNoticeProcessor(admin, quiet, NULL); /* "does not exist, skipping" */
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "keel-clidb-test: %s", PQerrorMessage(admin));
        PQfinish(admin);
        return 1;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    PQclear(PQexec(admin, sql));
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", name);
    PGresult *res = PQexec(admin, sql);
    int status = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : 1;
    if (status != 0)
        fprintf(stderr, "keel-clidb-test: %s: %s", sql, PQerrorMessage(admin));
    PQclear(res);
    PQfinish(admin);
    PQconninfoOption *opts = PQconninfoParse(dsn, NULL);
    for (PQconninfoOption *o = opts; status == 0 && o && o->keyword; o++) {
        const char *v = strcmp(o->keyword, "dbname") == 0 ? name : o->val;
        if (v != NULL && strchr(v, '\'') == NULL && strchr(v, '\\') == NULL)
            printf("%s='%s' ", o->keyword, v);
    }
    printf("\n");
    PQconninfoFree(opts);
    return status;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "exec") == 0)
        return exec_sql(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "fresh-pg") == 0)
        return fresh_pg(argv[2], argv[3]);
    fputs("usage: keel-clidb-test exec DSN SQL | fresh-pg DSN NAME\n", stderr);
    return 2;
}
