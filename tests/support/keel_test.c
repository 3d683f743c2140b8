/*
 * keel_test.c — runs a suite's cases against one engine target, each case
 * on a fresh database.
 */
#include "keel_test.h"

#include <errno.h>
#include <libpq-fe.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum target_kind { TARGET_SQLITE_MEMORY, TARGET_SQLITE_FILE, TARGET_POSTGRES } target_kind;

static struct {
    target_kind kind;
    const char *target_name;
    /* sqlite-file */
    char dir[4096];
    bool made_dir; /* a mkdtemp directory of ours, removed at the end */
    /* postgres */
    char *server_dsn;
    PGconn *admin; /* creates and drops the per-case databases */
    /* the running case */
    const char *case_name;
    char dsn[8192];
    char pg_dbname[64];
    keel_db *db;
    int failures;
    jmp_buf abort_case;
} T;

const char *keel_test_target(void) { return T.target_name; }
const char *keel_test_dsn(void) { return T.dsn; }
keel_db *keel_test_db(void) { return T.db; }

void keel_test_fail(const char *file, int line, const char *fmt, ...)
{
    T.failures++;
    printf("%s:%d: [%s] %s: ", file, line, T.target_name, T.case_name ? T.case_name : "setup");
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

int keel_test_check(int ok, const char *expr, const char *file, int line)
{
    if (!ok)
        keel_test_fail(file, line, "CHECK(%s) failed", expr);
    return ok;
}

int keel_test_check_int(long long a, long long b, const char *ea, const char *eb, const char *file, int line)
{
    if (a != b)
        keel_test_fail(file, line, "CHECK_INT_EQ(%s, %s) failed: %lld != %lld", ea, eb, a, b);
    return a == b;
}

int keel_test_check_str(const char *a, const char *b, const char *ea, const char *eb, const char *file, int line)
{
    bool equal = (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
    if (!equal)
        keel_test_fail(file, line, "CHECK_STR_EQ(%s, %s) failed: %s%s%s != %s%s%s", ea, eb, a ? "\"" : "",
                       a ? a : "NULL", a ? "\"" : "", b ? "\"" : "", b ? b : "NULL", b ? "\"" : "");
    return equal;
}

int keel_test_check_code(int got, int want, const char *expr, const char *file, int line)
{
    if (got != want)
        keel_test_fail(file, line, "%s returned %s, expected %s; keel_errmsg: %s", expr, keel_code_name(got),
                       keel_code_name(want), keel_errmsg(T.db));
    return got == want;
}

_Noreturn void keel_test_abort_case(void)
{
    longjmp(T.abort_case, 1);
}

/* ---------------------------------------------------------------------------
 * Targets
 * ------------------------------------------------------------------------- */
static int mkdir_p(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static char *read_first_line(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char line[4096];
    char *result = NULL;
    if (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '\0')
            result = strdup(line);
    }
    fclose(f);
    return result;
}

/* A copy of dsn that connects to dbname instead, for any libpq DSN form. */
static bool dsn_with_dbname(const char *dsn, const char *dbname, char *out, size_t size)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(dsn, &err);
    if (opts == NULL) {
        fprintf(stderr, "keel_test: cannot parse the PostgreSQL DSN: %s\n", err ? err : "out of memory");
        PQfreemem(err);
        return false;
    }
    size_t len = 0;
    out[0] = '\0';
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        const char *value = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
        if (value == NULL)
            continue;
        len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s='", len ? " " : "", o->keyword);
        for (const char *v = value; *v; v++) {
            if (*v == '\'' || *v == '\\')
                len += (size_t)snprintf(out + len, len < size ? size - len : 0, "\\");
            len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%c", *v);
        }
        len += (size_t)snprintf(out + len, len < size ? size - len : 0, "'");
    }
    PQconninfoFree(opts);
    return len < size;
}

static bool admin_exec(const char *sql)
{
    PGresult *res = PQexec(T.admin, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "keel_test: %s: %s", sql, PQerrorMessage(T.admin));
    PQclear(res);
    return ok;
}

static bool target_setup(const char *name)
{
    T.target_name = name;
    if (strcmp(name, "sqlite-memory") == 0) {
        T.kind = TARGET_SQLITE_MEMORY;
        return true;
    }
    if (strcmp(name, "sqlite-file") == 0) {
        T.kind = TARGET_SQLITE_FILE;
        const char *dir = getenv("KEEL_TEST_TMPDIR");
        if (dir != NULL && dir[0] != '\0') {
            if (mkdir_p(dir) != 0) {
                fprintf(stderr, "keel_test: cannot create KEEL_TEST_TMPDIR %s: %s\n", dir, strerror(errno));
                return false;
            }
            snprintf(T.dir, sizeof T.dir, "%s", dir);
        } else {
            snprintf(T.dir, sizeof T.dir, "%s/keel-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
            if (mkdtemp(T.dir) == NULL) {
                fprintf(stderr, "keel_test: mkdtemp %s: %s\n", T.dir, strerror(errno));
                return false;
            }
            T.made_dir = true;
        }
        return true;
    }
    if (strcmp(name, "postgres") == 0) {
        T.kind = TARGET_POSTGRES;
        const char *env = getenv("KEEL_TEST_PG_DSN");
        const char *file = getenv("KEEL_TEST_PG_DSN_FILE");
        if (env != NULL && env[0] != '\0')
            T.server_dsn = strdup(env);
        else if (file != NULL && file[0] != '\0')
            T.server_dsn = read_first_line(file);
        if (T.server_dsn == NULL) {
            fprintf(stderr,
                    "keel_test: target postgres needs a server: set KEEL_TEST_PG_DSN, or "
                    "KEEL_TEST_PG_DSN_FILE to a file holding the DSN (tests/pg/pg_fixture.sh start <dir> "
                    "writes <dir>/dsn)%s%s\n",
                    file ? "; could not read " : "", file ? file : "");
            return false;
        }
        T.admin = PQconnectdb(T.server_dsn);
        if (PQstatus(T.admin) != CONNECTION_OK) {
            fprintf(stderr, "keel_test: cannot connect to PostgreSQL (%s): %s", T.server_dsn,
                    PQerrorMessage(T.admin));
            return false;
        }
        PQclear(PQexec(T.admin, "SET client_min_messages = warning"));
        return true;
    }
    fprintf(stderr, "keel_test: unknown target \"%s\" (sqlite-memory, sqlite-file or postgres)\n", name);
    return false;
}

static void target_teardown(void)
{
    if (T.admin != NULL)
        PQfinish(T.admin);
    free(T.server_dsn);
    if (T.made_dir)
        rmdir(T.dir);
}

static void remove_sqlite_files(void)
{
    static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
    char path[sizeof T.dsn + 16];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", T.dsn, suffixes[i]);
        unlink(path);
    }
}

/* Points T.dsn at a fresh, empty database for case number n. */
static bool case_database_create(size_t n)
{
    switch (T.kind) {
    case TARGET_SQLITE_MEMORY:
        snprintf(T.dsn, sizeof T.dsn, ":memory:");
        return true;
    case TARGET_SQLITE_FILE:
        snprintf(T.dsn, sizeof T.dsn, "%s/keel_t_%ld_%zu.db", T.dir, (long)getpid(), n);
        remove_sqlite_files();
        return true;
    case TARGET_POSTGRES: {
        snprintf(T.pg_dbname, sizeof T.pg_dbname, "keel_t_%ld_%zu", (long)getpid(), n);
        char sql[160];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", T.pg_dbname);
        admin_exec(sql);
        /* template0: nobody is ever connected to it, and its encoding is not inherited from template1 edits. */
        snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", T.pg_dbname);
        if (!admin_exec(sql))
            return false;
        return dsn_with_dbname(T.server_dsn, T.pg_dbname, T.dsn, sizeof T.dsn);
    }
    }
    return false;
}

static void case_database_drop(void)
{
    if (T.kind == TARGET_SQLITE_FILE) {
        remove_sqlite_files();
    } else if (T.kind == TARGET_POSTGRES) {
        char sql[160];
        /* FORCE: a case that leaked a connection must not break the next one. */
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", T.pg_dbname);
        admin_exec(sql);
    }
}

/* Kept apart from the loop so no local variable lives across setjmp. */
static bool run_guarded(const keel_test_case *c, keel_db *db)
{
    if (setjmp(T.abort_case) != 0)
        return false;
    c->fn(db);
    return true;
}

static bool run_case(const keel_test_case *c, size_t n, const keel_schema *schema)
{
    T.case_name = c->name;
    T.failures = 0;
    if (!case_database_create(n)) {
        keel_test_fail(__FILE__, __LINE__, "could not create a fresh database for the case");
        return false;
    }
    keel_db *db = NULL;
    int rc = keel_open(&db, T.dsn, NULL);
    T.db = db;
    if (rc != KEEL_OK) {
        keel_test_fail(__FILE__, __LINE__, "keel_open(%s): %s: %s", T.dsn, keel_code_name(rc), keel_errmsg(db));
    } else if (schema != NULL && (rc = keel_migrate(db, schema)) != KEEL_OK) {
        keel_test_fail(__FILE__, __LINE__, "keel_migrate(%s): %s: %s", schema->name, keel_code_name(rc),
                       keel_errmsg(db));
    } else {
        run_guarded(c, db);
    }
    keel_close(db);
    T.db = NULL;
    case_database_drop();
    return T.failures == 0;
}

int keel_test_main(int argc, char **argv, const keel_test_case *cases, size_t n, const keel_schema *schema)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s sqlite-memory|sqlite-file|postgres [case-name-substring]\n", argv[0]);
        return 2;
    }
    if (!target_setup(argv[1])) {
        target_teardown();
        return 2;
    }
    const char *filter = argc == 3 ? argv[2] : NULL;
    size_t passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (filter != NULL && strstr(cases[i].name, filter) == NULL)
            continue;
        bool ok = run_case(&cases[i], i, schema);
        printf("%s %s [%s]\n", ok ? "ok  " : "FAIL", cases[i].name, T.target_name);
        if (ok)
            passed++;
        else
            failed++;
    }
    target_teardown();
    printf("%zu passed, %zu failed\n", passed, failed);
    if (passed + failed == 0) {
        fprintf(stderr, "keel_test: no case matches \"%s\"\n", filter ? filter : "");
        return 1;
    }
    return failed == 0 ? 0 : 1;
}
