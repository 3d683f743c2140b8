/*
 * stress_kv.c — 128 threads share one keel_db and run 8 mixed operations
 * each (puts, gets, scans, deletes, write and read transactions, ping):
 * no call may fail, the data must add up, and keel_close must leave no
 * PostgreSQL session and no file descriptor behind.
 */
#include "keel_test.h"
#include "kv_store.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { THREADS = 128, OPS = 8 };

typedef struct worker {
    keel_db *db;
    int id;
    int errors;
    char first_error[256];
} worker;

static void note(worker *w, int rc, const char *op)
{
    if (rc == KEEL_OK)
        return;
    if (w->errors++ == 0)
        snprintf(w->first_error, sizeof w->first_error, "%s: %s: %s", op, keel_code_name(rc), keel_errmsg(w->db));
}

static int count_keys(const char *key, keel_blob value, void *ctx)
{
    (void)key;
    (void)value;
    ++*(int *)ctx;
    return 0;
}

typedef struct pair {
    const char *ns;
    const char *key;
} pair;

static int put_two(keel_db *tx, void *ctx)
{
    const pair *p = ctx;
    int rc = kv_store_put(tx, p->ns, p->key, "a", 1);
    if (rc == KEEL_OK)
        rc = kv_store_put(tx, "tx", p->key, "b", 1);
    return rc;
}

static int read_in_view(keel_db *tx, void *ctx)
{
    const pair *p = ctx;
    keel_arena arena = KEEL_ARENA_INIT;
    keel_blob v;
    int rc = kv_store_get(tx, p->ns, p->key, &arena, &v);
    keel_arena_free(&arena);
    return rc;
}

static void *work(void *arg)
{
    worker *w = arg;
    char ns[16], key[32];
    snprintf(ns, sizeof ns, "t%03d", w->id);
    keel_arena arena = KEEL_ARENA_INIT;
    keel_blob v;
    int n = 0;
    snprintf(key, sizeof key, "k%d", w->id);
    pair p = { ns, key };
    note(w, kv_store_put(w->db, ns, "a", "1", 1), "put");                              /* 1 */
    note(w, kv_store_put(w->db, ns, "b", "2", 1), "put");                              /* 2 */
    note(w, kv_store_get(w->db, ns, "a", &arena, &v), "get");                          /* 3 */
    note(w, kv_store_scan(w->db, ns, "", count_keys, &n), "scan");                     /* 4 */
    note(w, keel_update(w->db, put_two, &p), "keel_update");                           /* 5 */
    note(w, keel_view(w->db, read_in_view, &p), "keel_view");                          /* 6 */
    note(w, kv_store_delete(w->db, ns, "b"), "delete");                                /* 7 */
    note(w, keel_ping(w->db), "ping");                                                 /* 8 */
    if (n != 2)
        note(w, KEEL_ERROR, "scan saw the wrong number of keys");
    keel_arena_free(&arena);
    return NULL;
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* Other sessions on this database, seen from a separate handle. */
static int64_t sessions(keel_db *probe)
{
    static const keel_query q = {
        "Sessions",
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", 0 };
    keel_stmt *st;
    int64_t n = -1;
    if (keel_stmt_open(probe, &q, &st) == KEEL_OK) {
        if (keel_stmt_step(st) == KEEL_ROW)
            n = keel_column_int64(st, 0);
        keel_stmt_close(st);
    }
    return n;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void threads_128_times_8_mixed_operations_without_an_error(keel_db *db)
{
    /* A handle of our own, to count what its close releases; the suite's goes
     * first (closing it again at the end of the case is harmless). */
    bool pg = keel_db_dialect(db) == KEEL_DIALECT_POSTGRES;
    keel_close(db);
    int fds_before = open_fds();
    keel_db *probe = NULL;
    if (pg) {
        /* the suite's session ends asynchronously: let it go before counting */
        REQUIRE_OK(keel_open(&probe, keel_test_dsn(), &(keel_options){ .pool_size = 1 }));
        for (int i = 0; i < 200 && sessions(probe) != 0; i++)
            usleep(10 * 1000);
    }
    keel_db *h = NULL;
    REQUIRE_OK(keel_open(&h, keel_test_dsn(), NULL));
    REQUIRE_OK(keel_migrate(h, &kv_schema));

    static worker w[THREADS];
    pthread_t t[THREADS];
    double start = now_ms();
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){ .db = h, .id = i };
        REQUIRE(pthread_create(&t[i], NULL, work, &w[i]) == 0);
    }
    int errors = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        if (w[i].errors > 0 && errors++ < 5)
            keel_test_fail(__FILE__, __LINE__, "thread %d: %d errors, first: %s", i, w[i].errors, w[i].first_error);
        errors += w[i].errors > 0 ? w[i].errors - 1 : 0;
    }
    double elapsed = now_ms() - start;
    CHECK_INT_EQ(errors, 0);

    kv_count_row c = { -1 };
    CHECK_CODE(kv_count(h, "tx", &c), KEEL_OK);
    CHECK_INT_EQ(c.n, THREADS);
    printf("  %s: %d threads x %d operations in %.0f ms (%.0f ops/s), %d errors\n", keel_test_target(), THREADS, OPS,
           elapsed, THREADS * OPS / (elapsed / 1e3), errors);

    if (pg) {
        int64_t during = sessions(probe);
        printf("  sessions while open: %lld (pool_size default 8)\n", (long long)during);
        CHECK(during >= 1 && during <= 8);
    }
    keel_close(h);
    if (pg) {
        int64_t after = -1;
        for (int i = 0; i < 200 && (after = sessions(probe)) != 0; i++)
            usleep(10 * 1000); /* backends exit asynchronously after the socket closes */
        CHECK_INT_EQ(after, 0);
        keel_close(probe);
    }
    CHECK_INT_EQ(open_fds(), fds_before);
}

static const keel_test_case cases[] = {
    KEEL_TEST(threads_128_times_8_mixed_operations_without_an_error),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), NULL);
}
