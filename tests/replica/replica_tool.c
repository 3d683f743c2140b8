/*
 * replica_tool.c — keel against a real PostgreSQL primary and streaming
 * standby (started by replica_test.sh). Each command is one scenario; the
 * ones that need the servers changed halfway say so on stdout ("ready")
 * and wait for the driver's answer on stdin, so every step happens at a
 * point both sides know.
 *
 *   replica_tool routing PRIMARY REPLICA     where each kind of call runs; replica vs primary read rates
 *   replica_tool replica-stop PRIMARY REPLICA   reads survive the replica stopping and use it again after
 *   replica_tool failover MULTI_HOST_DSN     the primary stops, the standby is promoted: calls come back
 *
 * Exit 0 when every check held; failures are printed as "FAIL: ...".
 */
#include "keel.h"

#include <libpq-fe.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            printf("FAIL: %s:%d: %s: ", __FILE__, __LINE__, #cond);                                          \
            printf(__VA_ARGS__);                                                                             \
            printf("\n");                                                                                    \
            fflush(stdout);                                                                                  \
            failures++;                                                                                      \
        }                                                                                                    \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Tells the driver where we are, then waits for its one-line answer. */
static void handshake(const char *say, const char *expect)
{
    printf("%s\n", say);
    fflush(stdout);
    char line[128];
    if (fgets(line, sizeof line, stdin) == NULL || strncmp(line, expect, strlen(expect)) != 0) {
        printf("FAIL: expected \"%s\" from the driver\n", expect);
        exit(1);
    }
}

static const keel_query in_recovery = { "InRecovery", "SELECT pg_is_in_recovery()::int::int8", 0 };
static const keel_query create_items = {
    "CreateItems", "CREATE TABLE IF NOT EXISTS items (id bigint PRIMARY KEY, v text NOT NULL)", 0 };
static const keel_query drop_items = { "DropItems", "DROP TABLE IF EXISTS items", 0 };
static const keel_query create_seq = { "CreateSeq", "CREATE SEQUENCE IF NOT EXISTS ticket", 0 };
static const keel_query add_item = { "AddItem", "INSERT INTO items (id, v) VALUES ($1, 'x')", 1 };
static const keel_query count_items = { "CountItems", "SELECT count(*) FROM items", 0 };
static const keel_query count_item = { "CountItem", "SELECT count(*) FROM items WHERE id = $1", 1 };
static const keel_query next_ticket = { "NextTicket", "SELECT nextval('ticket')", 0 };
static const keel_query lock_item = { "LockItem", "SELECT id FROM items WHERE id = $1 FOR UPDATE", 1 };
static const keel_query sleep_long = { "SleepLong", "SELECT pg_sleep(60)::text IS NULL", 0 };

/* Runs q with an optional int64 parameter; *out = first column of the first row (-1 if none). */
static int run(keel_db *db, const keel_query *q, int64_t arg, int64_t *out)
{
    keel_stmt *st;
    int rc = keel_stmt_open(db, q, &st);
    if (rc != KEEL_OK)
        return rc;
    if (q->n_params == 1)
        keel_bind_int64(st, 1, arg);
    int64_t v = -1;
    while ((rc = keel_stmt_step(st)) == KEEL_ROW)
        if (v == -1)
            v = keel_column_int64(st, 0);
    keel_stmt_close(st);
    if (out != NULL)
        *out = v;
    return rc == KEEL_DONE ? KEEL_OK : rc;
}

static int recovery_in_tx(keel_db *tx, void *ctx)
{
    return run(tx, &in_recovery, 0, ctx);
}

static keel_db *open_or_die(const char *dsn, const keel_options *opt)
{
    keel_db *db = NULL;
    int rc = keel_open(&db, dsn, opt);
    if (rc != KEEL_OK) {
        printf("FAIL: keel_open: %s: %s\n", keel_code_name(rc), keel_errmsg(db));
        exit(1);
    }
    return db;
}

/* Sessions of this tool (application_name keel_replica_test) on the server of dsn, once they end. */
static int64_t sessions_after_close(const char *dsn)
{
    PGconn *admin = PQconnectdb(dsn);
    int64_t n = -1;
    for (int i = 0; i < 100 && PQstatus(admin) == CONNECTION_OK; i++) { /* backends exit asynchronously */
        PGresult *r = PQexec(admin, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                                    "'keel_replica_test' AND pid <> pg_backend_pid()");
        n = PQresultStatus(r) == PGRES_TUPLES_OK ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
        PQclear(r);
        if (n == 0)
            break;
        usleep(100000);
    }
    PQfinish(admin);
    return n;
}

/* Waits (bounded) until a read served by a replica sees item id. */
static bool replica_sees(keel_db *db, int64_t id)
{
    for (int i = 0; i < 300; i++) {
        int64_t n = 0;
        if (run(db, &count_item, id, &n) == KEEL_OK && n == 1)
            return true;
        usleep(20000);
    }
    return false;
}

static double reads_per_second(keel_db *db, int n)
{
    double start = now_s();
    for (int i = 0; i < n; i++)
        if (run(db, &count_item, i % 50, NULL) != KEEL_OK)
            return -1;
    return n / (now_s() - start);
}

static int routing(const char *primary, const char *replica)
{
    const char *replicas[] = { replica };
    keel_options opt = { .read_replicas = replicas, .n_read_replicas = 1 };
    keel_db *db = open_or_die(primary, &opt);
    int64_t v = -1;

    CHECK(run(db, &create_items, 0, NULL) == KEEL_OK, "%s", keel_errmsg(db));
    CHECK(run(db, &create_seq, 0, NULL) == KEEL_OK, "%s", keel_errmsg(db));
    CHECK(run(db, &add_item, 1, NULL) == KEEL_OK, "a write outside a transaction: %s", keel_errmsg(db));

    CHECK(run(db, &in_recovery, 0, &v) == KEEL_OK && v == 1, "a read outside a transaction ran on the replica (%" PRId64 ")", v);
    CHECK(keel_view(db, recovery_in_tx, &v) == KEEL_OK && v == 1, "keel_view ran on the replica (%" PRId64 ")", v);
    CHECK(keel_view_primary(db, recovery_in_tx, &v) == KEEL_OK && v == 0, "keel_view_primary ran on the primary");
    CHECK(keel_update(db, recovery_in_tx, &v) == KEEL_OK && v == 0, "keel_update ran on the primary");
    CHECK(replica_sees(db, 1), "the replica replays the primary's write");

    /* Reads the replica refuses as writes move to the primary, with no error. */
    int64_t t1 = -1, t2 = -1;
    CHECK(run(db, &next_ticket, 0, &t1) == KEEL_OK, "nextval outside a transaction: %s", keel_errmsg(db));
    CHECK(run(db, &next_ticket, 0, &t2) == KEEL_OK && t2 == t1 + 1, "nextval again: %" PRId64 " then %" PRId64, t1, t2);
    CHECK(run(db, &lock_item, 1, &v) == KEEL_OK && v == 1, "SELECT ... FOR UPDATE: %s", keel_errmsg(db));

    /* Replica reads against the same reads on a primary-only handle (same server machine: printed, not judged). */
    for (int64_t id = 2; id <= 50; id++)
        run(db, &add_item, id, NULL);
    replica_sees(db, 50);
    keel_db *plain = open_or_die(primary, NULL);
    double on_replica = reads_per_second(db, 3000), on_primary = reads_per_second(plain, 3000);
    printf("point reads: %.0f/s through the replica, %.0f/s on the primary alone\n", on_replica, on_primary);
    CHECK(on_replica > 0 && on_primary > 0, "every read succeeded");
    keel_close(plain);

    keel_close(db);
    CHECK(sessions_after_close(primary) == 0, "no session left on the primary");
    CHECK(sessions_after_close(replica) == 0, "no session left on the replica");
    return failures ? 1 : 0;
}

static int replica_stop(const char *primary, const char *replica)
{
    const char *replicas[] = { replica };
    keel_options opt = { .read_replicas = replicas, .n_read_replicas = 1, .replica_retry_ms = 200 };
    keel_db *db = open_or_die(primary, &opt);
    int64_t v = -1;
    CHECK(run(db, &in_recovery, 0, &v) == KEEL_OK && v == 1, "reads start on the replica");
    CHECK(keel_view(db, recovery_in_tx, &v) == KEEL_OK && v == 1, "views start on the replica");

    handshake("ready", "replica stopped");
    int errors = 0, on_replica = 0;
    for (int i = 0; i < 200; i++) {
        int rc = run(db, &in_recovery, 0, &v);
        errors += rc != KEEL_OK;
        on_replica += rc == KEEL_OK && v == 1;
        rc = keel_view(db, recovery_in_tx, &v);
        errors += rc != KEEL_OK;
        on_replica += rc == KEEL_OK && v == 1;
    }
    CHECK(errors == 0, "%d of 400 reads failed with the replica stopped: %s", errors, keel_errmsg(db));
    CHECK(on_replica == 0, "%d reads claim a stopped replica", on_replica);

    handshake("routed around", "replica started");
    bool back = false;
    double start = now_s();
    while (!back && now_s() - start < 30) {
        back = run(db, &in_recovery, 0, &v) == KEEL_OK && v == 1;
        if (!back)
            usleep(20000);
    }
    CHECK(back, "reads go to the replica again once it is back");
    printf("the replica served reads again %.2f s after it was restarted\n", now_s() - start);
    keel_close(db);
    CHECK(sessions_after_close(primary) == 0, "no session left on the primary");
    CHECK(sessions_after_close(replica) == 0, "no session left on the replica");
    return failures ? 1 : 0;
}

/* ---- failover ---- */
typedef struct load {
    keel_db *db;
    _Atomic bool stop;
    _Atomic long ok, errors;
} load;

static void *load_thread(void *arg)
{
    load *l = arg;
    while (!atomic_load(&l->stop)) {
        if (run(l->db, &count_items, 0, NULL) == KEEL_OK)
            atomic_fetch_add(&l->ok, 1);
        else
            atomic_fetch_add(&l->errors, 1);
    }
    return NULL;
}

typedef struct in_flight {
    keel_db *db;
    int rc;
} in_flight;

static void *sleeper(void *arg)
{
    in_flight *f = arg;
    f->rc = run(f->db, &sleep_long, 0, NULL);
    return NULL;
}

/* 4 threads for a moment, so the pool holds several connections. */
static load run_load(keel_db *db, double seconds)
{
    load l = { .db = db };
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, load_thread, &l);
    usleep((useconds_t)(seconds * 1e6));
    atomic_store(&l.stop, true);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    return l;
}

static int failover(const char *multi_host)
{
    keel_db *db = open_or_die(multi_host, NULL);
    CHECK(run(db, &drop_items, 0, NULL) == KEEL_OK, "%s", keel_errmsg(db));
    CHECK(run(db, &create_items, 0, NULL) == KEEL_OK, "%s", keel_errmsg(db));
    for (int64_t id = 1; id <= 100; id++)
        CHECK(run(db, &add_item, id, NULL) == KEEL_OK, "%s", keel_errmsg(db));
    load before = run_load(db, 0.3);
    CHECK(before.errors == 0 && before.ok > 0, "%ld errors before the failover", (long)before.errors);

    /* A call in flight when the primary goes: the driver waits to see it running. */
    in_flight f = { .db = db };
    pthread_t t;
    pthread_create(&t, NULL, sleeper, &f);
    handshake("ready", "promoted");
    pthread_join(t, NULL);
    CHECK(f.rc == KEEL_CONNECTION_LOST, "the call in flight got %s", keel_code_name(f.rc));

    double start = now_s();
    int64_t n = -1;
    int lost = 0, rc;
    while ((rc = run(db, &count_items, 0, &n)) != KEEL_OK && now_s() - start < 30) {
        lost += rc == KEEL_CONNECTION_LOST;
        usleep(10000);
    }
    CHECK(rc == KEEL_OK, "calls work again after the promotion: %s: %s", keel_code_name(rc), keel_errmsg(db));
    printf("failover: the first call succeeded %.3f s after the promotion (%d calls lost before it)\n",
           now_s() - start, lost);
    CHECK(n == 100, "the promoted standby has the 100 rows (%" PRId64 ")", n);
    CHECK(run(db, &add_item, 101, NULL) == KEEL_OK, "a write on the new primary: %s", keel_errmsg(db));
    int64_t v = -1;
    CHECK(run(db, &in_recovery, 0, &v) == KEEL_OK && v == 0, "the handle is on a primary");

    /* Every pooled connection came over: no call fails any more. */
    load after = run_load(db, 0.5);
    CHECK(after.errors == 0 && after.ok > 0, "%ld of %ld calls failed after the failover", (long)after.errors,
          (long)(after.ok + after.errors));
    keel_close(db);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && strcmp(argv[1], "routing") == 0)
        return routing(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "replica-stop") == 0)
        return replica_stop(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "failover") == 0)
        return failover(argv[2]);
    fprintf(stderr, "usage: replica_tool routing|replica-stop PRIMARY REPLICA | failover MULTI_HOST_DSN\n");
    return 2;
}
