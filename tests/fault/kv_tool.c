/*
 * kv_tool.c — one process of the multi-process and fault tests: migrates,
 * writes, verifies, or runs a workload through a PostgreSQL restart. The
 * shell drivers next to it start several at once or kill -9 them.
 *
 *   kv_tool migrate DSN            keel_migrate(kv_schema)
 *   kv_tool history DSN            prints "<kv_history rows> <keel_migrations rows>"
 *   kv_tool slow-migrate DSN [--hang-starting N | --hang-after N]
 *                                  migrates the "slow" schema (5 bulky migrations);
 *                                  with a --hang option it prints "hang N" and blocks
 *                                  when migration N starts (inside its transaction)
 *                                  or once it committed, so a driver can kill -9 it
 *                                  at a point it knows, on a fast machine or a slow one
 *   kv_tool check-slow DSN         the slow schema is at one consistent version
 *   kv_tool write DSN              puts k00000001, k00000002... printing each i once committed
 *   kv_tool verify DSN LAST        every key up to LAST is there
 *   kv_tool survive DSN SECONDS    4 threads of puts/gets through a server restart
 *   kv_tool fresh-pg DSN NAME      (re)creates database NAME, prints its DSN
 */
#include "kv_store.h"

#include <libpq-fe.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static keel_db *open_or_die(const char *dsn)
{
    keel_db *db = NULL;
    int rc = keel_open(&db, dsn, NULL);
    if (rc != KEEL_OK) {
        fprintf(stderr, "kv_tool: keel_open: %s: %s\n", keel_code_name(rc), keel_errmsg(db));
        exit(1);
    }
    return db;
}

static int die_rc(keel_db *db, const char *what, int rc)
{
    fprintf(stderr, "kv_tool: %s: %s: %s\n", what, keel_code_name(rc), keel_errmsg(db));
    return 1;
}

/* Reads one int64 with a query both engines accept. */
static int scalar(keel_db *db, const char *sql, int64_t *out)
{
    keel_query q = { "Scalar", sql, 0 };
    keel_stmt *st;
    int rc = keel_stmt_open(db, &q, &st);
    if (rc != KEEL_OK)
        return rc;
    rc = keel_stmt_step(st);
    *out = rc == KEEL_ROW ? keel_column_int64(st, 0) : -1;
    keel_stmt_close(st);
    return rc == KEEL_ROW ? KEEL_OK : rc == KEEL_DONE ? KEEL_NOT_FOUND : rc;
}

/* ---- the slow schema: each migration bulky enough to be killed inside ---- */
#define SLOW_SQLITE(k)                                                                                   \
    "INSERT INTO big (pad) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)" \
    " SELECT hex(randomblob(16)) FROM c;\nCREATE INDEX big_pad_" #k " ON big (pad, id);\n"             \
    "INSERT INTO marks VALUES (" #k ");\n"
#define SLOW_PG(k)                                                                                       \
    "INSERT INTO big (pad) SELECT md5(g::text) FROM generate_series(1, 10000) g;\n"                      \
    "CREATE INDEX big_pad_" #k " ON big (pad, id);\nINSERT INTO marks VALUES (" #k ");\n"
#define FIRST "CREATE TABLE marks (v BIGINT PRIMARY KEY);\nCREATE TABLE big (id INTEGER PRIMARY KEY, pad TEXT);\n" \
              "INSERT INTO marks VALUES (1);\n"
#define FIRST_PG "CREATE TABLE marks (v BIGINT PRIMARY KEY);\nCREATE TABLE big (id BIGSERIAL PRIMARY KEY, pad TEXT);\n" \
                 "INSERT INTO marks VALUES (1);\n"
static const keel_migration slow_sqlite[] = {
    { 1, "0001_slow.sql", FIRST, "s1" },          { 2, "0002_slow.sql", SLOW_SQLITE(2), "s2" },
    { 3, "0003_slow.sql", SLOW_SQLITE(3), "s3" }, { 4, "0004_slow.sql", SLOW_SQLITE(4), "s4" },
    { 5, "0005_slow.sql", SLOW_SQLITE(5), "s5" },
};
static const keel_migration slow_pg[] = {
    { 1, "0001_slow.sql", FIRST_PG, "s1" },   { 2, "0002_slow.sql", SLOW_PG(2), "s2" },
    { 3, "0003_slow.sql", SLOW_PG(3), "s3" }, { 4, "0004_slow.sql", SLOW_PG(4), "s4" },
    { 5, "0005_slow.sql", SLOW_PG(5), "s5" },
};
static const keel_schema slow_schema = { "slow", { slow_sqlite, 5 }, { slow_pg, 5 } };

static int check_slow(keel_db *db)
{
    int64_t versions = 0, newest = 0, marks = 0, sum_marks = 0, sum_versions = 0, big = 0;
    int rc = scalar(db, "SELECT count(*) FROM keel_migrations", &versions);
    if (rc != KEEL_OK) { /* killed before even the history table existed */
        printf("no history yet (%s: %s)\n", keel_code_name(rc), keel_errmsg(db));
        return 0;
    }
    if (versions == 0) {
        printf("version 0\n");
        return 0;
    }
    if ((rc = scalar(db, "SELECT max(version) FROM keel_migrations", &newest)) != KEEL_OK ||
        (rc = scalar(db, "SELECT coalesce(sum(version), 0) FROM keel_migrations", &sum_versions)) != KEEL_OK ||
        (rc = scalar(db, "SELECT count(*) FROM marks", &marks)) != KEEL_OK ||
        (rc = scalar(db, "SELECT coalesce(sum(v), 0) FROM marks", &sum_marks)) != KEEL_OK ||
        (rc = scalar(db, "SELECT count(*) FROM big", &big)) != KEEL_OK)
        return die_rc(db, "check-slow", rc);
    bool ok = versions == newest && marks == versions && sum_marks == sum_versions && big == (newest - 1) * 10000;
    printf("version %" PRId64 " %s (marks %" PRId64 ", big %" PRId64 ")\n", newest, ok ? "consistent" : "INCONSISTENT",
           marks, big);
    return ok ? 0 : 1;
}

/* ---- slow-migrate --hang-*: block at a known point until killed ---- */
typedef struct hang_point {
    int64_t version;
    bool after_commit;
} hang_point;

static void hang_forever(int64_t version)
{
    printf("hang %" PRId64 "\n", version);
    fflush(stdout);
    for (;;)
        pause();
}

static void hang_if_starting(void *ctx, int64_t version, const char *name)
{
    (void)name;
    const hang_point *h = ctx;
    if (!h->after_commit && version == h->version)
        hang_forever(version);
}

static void hang_if_committed(void *ctx, int64_t version, const char *name, int64_t ms)
{
    (void)name, (void)ms;
    const hang_point *h = ctx;
    if (h->after_commit && version == h->version)
        hang_forever(version);
}

static int slow_migrate(keel_db *db, int argc, char **argv)
{
    hang_point h = { 0 };
    if (argc == 5 && (strcmp(argv[3], "--hang-starting") == 0 || strcmp(argv[3], "--hang-after") == 0)) {
        h.version = strtoll(argv[4], NULL, 10);
        h.after_commit = strcmp(argv[3], "--hang-after") == 0;
    } else if (argc != 3) {
        fprintf(stderr, "kv_tool: slow-migrate DSN [--hang-starting N | --hang-after N]\n");
        return 2;
    }
    keel_migrate_options opt = { .starting = hang_if_starting, .progress = hang_if_committed, .progress_ctx = &h };
    int rc = keel_migrate_with(db, &slow_schema, &opt);
    return rc == KEEL_OK ? 0 : die_rc(db, "slow-migrate", rc);
}

/* ---- write: print i only after its transaction committed ---- */
static int put_i(keel_db *tx, void *ctx)
{
    int64_t i = *(int64_t *)ctx;
    char key[32], value[64];
    snprintf(key, sizeof key, "k%08" PRId64, i);
    snprintf(value, sizeof value, "value %" PRId64, i);
    int rc = kv_store_put(tx, "w", key, value, strlen(value));
    if (rc == KEEL_OK) /* a second write in the same transaction: both or neither */
        rc = kv_store_put(tx, "w2", key, value, strlen(value));
    return rc;
}

static int write_forever(keel_db *db)
{
    for (int64_t i = 1;; i++) {
        int rc = keel_update(db, put_i, &i);
        if (rc != KEEL_OK)
            return die_rc(db, "write", rc);
        printf("%" PRId64 "\n", i);
        fflush(stdout);
    }
}

static int verify(keel_db *db, int64_t last)
{
    int64_t n = 0, n2 = 0;
    int rc = scalar(db, "SELECT count(*) FROM kv WHERE ns = 'w'", &n);
    if (rc == KEEL_OK)
        rc = scalar(db, "SELECT count(*) FROM kv WHERE ns = 'w2'", &n2);
    if (rc != KEEL_OK)
        return die_rc(db, "verify", rc);
    keel_arena arena = KEEL_ARENA_INIT;
    for (int64_t i = 1; i <= last; i++) {
        char key[32];
        keel_blob v;
        snprintf(key, sizeof key, "k%08" PRId64, i);
        if ((rc = kv_store_get(db, "w", key, &arena, &v)) != KEEL_OK) {
            fprintf(stderr, "kv_tool: committed key %s is missing: %s\n", key, keel_code_name(rc));
            return 1;
        }
    }
    keel_arena_free(&arena);
    /* At most the one transaction in flight at the kill may also be there, whole. */
    if (n != n2 || n < last || n > last + 1) {
        fprintf(stderr, "kv_tool: %" PRId64 " and %" PRId64 " rows after %" PRId64 " committed\n", n, n2, last);
        return 1;
    }
    printf("%" PRId64 " committed, %" PRId64 " present\n", last, n);
    return 0;
}

/* ---- survive: a workload through a server restart ---- */
typedef struct survive {
    keel_db *db;
    double seconds;
    _Atomic long ok, lost, other;
    _Atomic long ok_after_loss; /* successes after the first connection error */
} survive;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *survive_thread(void *arg)
{
    survive *s = arg;
    double end = now_s() + s->seconds;
    char key[32];
    for (long i = 0; now_s() < end; i++) {
        snprintf(key, sizeof key, "s%ld", i % 50);
        int rc = (i % 2) ? kv_store_put(s->db, "s", key, "v", 1) : keel_ping(s->db);
        if (rc == KEEL_OK) {
            atomic_fetch_add(&s->ok, 1);
            if (atomic_load(&s->lost) > 0)
                atomic_fetch_add(&s->ok_after_loss, 1);
        } else if (rc == KEEL_CONNECTION_LOST) {
            atomic_fetch_add(&s->lost, 1);
        } else {
            if (atomic_fetch_add(&s->other, 1) < 5)
                fprintf(stderr, "kv_tool: unexpected %s: %s\n", keel_code_name(rc), keel_errmsg(s->db));
        }
        usleep(rc == KEEL_OK ? 2000 : 50000);
    }
    return NULL;
}

static int run_survive(keel_db *db, double seconds)
{
    survive s = { .db = db, .seconds = seconds };
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, survive_thread, &s);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("ok %ld, connection lost %ld, other errors %ld, ok after the loss %ld\n", atomic_load(&s.ok),
           atomic_load(&s.lost), atomic_load(&s.other), atomic_load(&s.ok_after_loss));
    /* After the restart every call works again: ping on a fresh checkout. */
    int rc = keel_ping(db);
    if (rc != KEEL_OK)
        return die_rc(db, "ping after the restart", rc);
    return atomic_load(&s.lost) > 0 && atomic_load(&s.other) == 0 && atomic_load(&s.ok_after_loss) > 0 ? 0 : 1;
}

/* Drops and creates database name on the server of dsn; prints a DSN for it. */
static int fresh_pg(const char *dsn, const char *name)
{
    PGconn *admin = PQconnectdb(dsn);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "kv_tool: %s", PQerrorMessage(admin));
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
        fprintf(stderr, "kv_tool: %s: %s", sql, PQerrorMessage(admin));
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
    if (argc == 4 && strcmp(argv[1], "fresh-pg") == 0)
        return fresh_pg(argv[2], argv[3]);
    if (argc < 3) {
        fprintf(stderr, "usage: kv_tool migrate|history|slow-migrate|check-slow|write|verify|survive DSN [arg]\n");
        return 2;
    }
    const char *cmd = argv[1];
    keel_db *db = open_or_die(argv[2]);
    int status = 0, rc;
    if (strcmp(cmd, "migrate") == 0) {
        if ((rc = keel_migrate(db, &kv_schema)) != KEEL_OK)
            status = die_rc(db, "migrate", rc);
    } else if (strcmp(cmd, "history") == 0) {
        int64_t history = -1, applied = -1;
        if ((rc = scalar(db, "SELECT count(*) FROM kv_history", &history)) != KEEL_OK ||
            (rc = scalar(db, "SELECT count(*) FROM keel_migrations", &applied)) != KEEL_OK)
            status = die_rc(db, "history", rc);
        else
            printf("%" PRId64 " %" PRId64 "\n", history, applied);
    } else if (strcmp(cmd, "slow-migrate") == 0) {
        status = slow_migrate(db, argc, argv);
    } else if (strcmp(cmd, "check-slow") == 0) {
        status = check_slow(db);
    } else if (strcmp(cmd, "write") == 0) {
        if ((rc = keel_migrate(db, &kv_schema)) != KEEL_OK)
            status = die_rc(db, "migrate", rc);
        else
            status = write_forever(db);
    } else if (strcmp(cmd, "verify") == 0 && argc == 4) {
        status = verify(db, strtoll(argv[3], NULL, 10));
    } else if (strcmp(cmd, "survive") == 0 && argc == 4) {
        if ((rc = keel_migrate(db, &kv_schema)) != KEEL_OK)
            status = die_rc(db, "migrate", rc);
        else
            status = run_survive(db, strtod(argv[3], NULL));
    } else {
        fprintf(stderr, "kv_tool: unknown command %s\n", cmd);
        status = 2;
    }
    keel_close(db);
    return status;
}
