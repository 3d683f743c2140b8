/*
 * keel-clidb-test: runs one of keel's database and lint verbs the way
 * `keel VERB` will once main.c dispatches to them, so they are tested on
 * their own. The repository comes from --name/--schema/--queries (the
 * same flags as `keel check`); every other argument goes to the verb.
 *
 *   keel-clidb-test VERB --name N --schema DIR --queries DIR [verb flags...]
 *
 * Two helpers for the test scripts, so they need neither psql nor sqlite3:
 *   keel-clidb-test exec DSN SQL        runs SQL on any DSN keel opens
 *   keel-clidb-test fresh-pg DSN NAME   (re)creates database NAME on DSN's
 *                                       server and prints its DSN
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
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
    if (argc >= 4 && strcmp(argv[1], "exec") == 0)
        return exec_sql(argv[2], argv[3]);
    if (argc >= 4 && strcmp(argv[1], "fresh-pg") == 0)
        return fresh_pg(argv[2], argv[3]);
    if (argc < 2) {
        fputs("usage: keel-clidb-test vet|migrate|status|drift --name N --schema DIR --queries DIR [flags]\n", stderr);
        return 2;
    }
    CliRepo repo = {0};
    char **rest = calloc((size_t)argc, sizeof *rest);
    int n_rest = 0;
    rest[n_rest++] = argv[1];
    for (int i = 2; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--name") == 0      ? &repo.name
                            : strcmp(argv[i], "--schema") == 0  ? &repo.schema_dir
                            : strcmp(argv[i], "--queries") == 0 ? &repo.queries_dir
                                                                : NULL;
        if (slot && i + 1 < argc)
            *slot = argv[++i];
        else
            rest[n_rest++] = argv[i];
    }
    int status = 2;
    if (!repo.name || !repo.schema_dir || !repo.queries_dir)
        fputs("keel-clidb-test: --name, --schema and --queries are required\n", stderr);
    else if (strcmp(argv[1], "vet") == 0)
        status = cli_vet(&repo, n_rest, rest);
    else if (strcmp(argv[1], "migrate") == 0)
        status = cli_migrate(&repo, n_rest, rest);
    else if (strcmp(argv[1], "status") == 0)
        status = cli_status(&repo, n_rest, rest);
    else if (strcmp(argv[1], "drift") == 0)
        status = cli_drift(&repo, n_rest, rest);
    else
        fprintf(stderr, "keel-clidb-test: unknown verb \"%s\"\n", argv[1]);
    free(rest);
    return status;
}
