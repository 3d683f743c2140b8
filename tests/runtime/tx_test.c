/*
 * Transactions and sharing a handle: nesting, escaped transaction handles,
 * misuse that would otherwise deadlock, threads, lock contention, and a
 * PostgreSQL session that dies under keel.
 */
#include "runtime_util.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

static const keel_migration counter_sqlite[] = {
    { 1, "0001_counter.sql", "CREATE TABLE hits (id INTEGER PRIMARY KEY, who TEXT NOT NULL);", "h1" },
};
static const keel_migration counter_postgres[] = {
    { 1, "0001_counter.sql", "CREATE TABLE hits (id BIGSERIAL PRIMARY KEY, who TEXT NOT NULL);", "h1" },
};
static const keel_schema counter_schema = {
    .name = "counter",
    .sqlite = { counter_sqlite, 1 },
    .postgres = { counter_postgres, 1 },
};

static const dual_query add_hit = DUAL("AddHit", 1, "INSERT INTO hits (who) VALUES (?)",
                                       "INSERT INTO hits (who) VALUES ($1)");
static const dual_query count_hits = SAME("CountHits", "SELECT count(*) FROM hits");
static const dual_query short_lock_timeout = DUAL("ShortLockTimeout", 0, "SELECT 1", "SET lock_timeout = '200ms'");

static int64_t hits(keel_db *db)
{
    int64_t n;
    CHECK_CODE(query_int64(db, &count_hits, &n), KEEL_OK);
    return n;
}

static int add_one(keel_db *tx, void *ctx)
{
    return exec_text(tx, &add_hit, ctx ? ctx : "someone");
}

static int nested_update(keel_db *tx, void *ctx)
{
    (void)ctx;
    int rc = add_one(tx, "outer");
    if (rc == KEEL_OK)
        rc = keel_update(tx, add_one, "inner"); /* joins, no new transaction */
    if (rc == KEEL_OK)
        rc = keel_view(tx, add_one, "inner view of a write tx");
    return rc == KEEL_OK ? KEEL_BUSY : rc; /* then fail the outer one */
}

static void nested_transaction_joins_the_outer_one(keel_db *db)
{
    CHECK_CODE(keel_update(db, nested_update, NULL), KEEL_BUSY);
    CHECK_INT_EQ(hits(db), 0); /* the inner writes went with the outer rollback */
}

static int escape(keel_db *tx, void *ctx)
{
    *(keel_db **)ctx = tx;
    return KEEL_OK;
}

static void transaction_handle_used_after_its_transaction_is_closed(keel_db *db)
{
    keel_db *tx = NULL;
    REQUIRE_OK(keel_update(db, escape, &tx));
    REQUIRE(tx != NULL);
    CHECK_CODE(keel_ping(tx), KEEL_CLOSED);
    keel_stmt *st = NULL;
    CHECK_CODE(keel_stmt_open(tx, pick(db, &count_hits), &st), KEEL_CLOSED);
    CHECK(st == NULL);
    CHECK_CODE(keel_update(tx, add_one, NULL), KEEL_CLOSED);
    CHECK_CODE(keel_view(tx, add_one, NULL), KEEL_CLOSED);
    CHECK(contains(keel_errmsg(tx), "after its transaction ended"));
    keel_close(tx); /* not the tx's to close: ignored */
    CHECK_CODE(keel_ping(db), KEEL_OK);
}

static int use_root_inside(keel_db *tx, void *ctx)
{
    keel_db *root = ctx;
    (void)tx;
    /* A single connection would deadlock here; keel reports it instead. */
    CHECK_CODE(keel_ping(root), KEEL_MISUSE);
    CHECK_CODE(keel_update(root, add_one, NULL), KEEL_MISUSE);
    return KEEL_OK;
}

static void root_handle_inside_its_own_transaction_is_misuse(keel_db *db)
{
    CHECK_CODE(keel_update(db, use_root_inside, db), KEEL_OK);
    CHECK(contains(keel_errmsg(db), "transaction handle"));
}

static void null_fn_is_misuse(keel_db *db)
{
    CHECK_CODE(keel_update(db, NULL, NULL), KEEL_MISUSE);
    CHECK_CODE(keel_view(NULL, add_one, NULL), KEEL_MISUSE);
}

enum { THREADS = 4, PER_THREAD = 25 };

static int read_count(keel_db *tx, void *ctx)
{
    return query_int64(tx, &count_hits, ctx);
}

static int run_query(keel_db *tx, void *ctx)
{
    return exec_query(tx, ctx);
}

static void *hammer(void *arg)
{
    keel_db *db = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        int rc = (i % 2) ? keel_update(db, add_one, "thread") : exec_text(db, &add_hit, "thread");
        if (rc != KEEL_OK)
            return (void *)(intptr_t)rc;
        int64_t n;
        if ((rc = keel_view(db, read_count, &n)) != KEEL_OK)
            return (void *)(intptr_t)rc;
    }
    return NULL;
}

static void one_handle_is_shared_by_threads(keel_db *db)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, hammer, db);
    for (int i = 0; i < THREADS; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        CHECK_CODE((int)(intptr_t)rc, KEEL_OK);
    }
    CHECK_INT_EQ(hits(db), THREADS * PER_THREAD);
}

typedef struct holder {
    keel_db *db;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool inside;
    bool may_leave;
    int rc;
} holder;

static int hold_write_lock(keel_db *tx, void *ctx)
{
    holder *h = ctx;
    int rc = add_one(tx, "holder");
    pthread_mutex_lock(&h->lock);
    h->inside = true;
    pthread_cond_broadcast(&h->cond);
    while (!h->may_leave)
        pthread_cond_wait(&h->cond, &h->lock);
    pthread_mutex_unlock(&h->lock);
    return rc;
}

static void *run_holder(void *arg)
{
    holder *h = arg;
    h->rc = keel_update(h->db, hold_write_lock, h);
    return NULL;
}

static void writer_blocked_by_another_connection_gets_busy(keel_db *db)
{
    if (strcmp(keel_test_target(), "sqlite-memory") == 0)
        return; /* a second :memory: handle is another database: nothing to contend for */
    keel_db *other = NULL;
    keel_options quick = { .busy_timeout_ms = 200 };
    REQUIRE_OK(keel_open(&other, keel_test_dsn(), &quick));
    REQUIRE_OK(exec_query(other, &short_lock_timeout));

    holder h = { .db = db, .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
    pthread_t t;
    pthread_create(&t, NULL, run_holder, &h);
    pthread_mutex_lock(&h.lock);
    while (!h.inside)
        pthread_cond_wait(&h.cond, &h.lock);
    pthread_mutex_unlock(&h.lock);

    if (on_postgres(db)) {
        /* Row locks do not block inserts of new rows; a table lock does. */
        static const dual_query lock_table = DUAL("LockTable", 0, "SELECT 1", "LOCK TABLE hits IN EXCLUSIVE MODE");
        CHECK_CODE(keel_update(other, run_query, (void *)&lock_table), KEEL_BUSY);
    } else {
        CHECK_CODE(keel_update(other, add_one, "blocked"), KEEL_BUSY);
    }
    CHECK(contains(keel_errmsg(other), on_postgres(db) ? "lock" : "locked"));

    pthread_mutex_lock(&h.lock);
    h.may_leave = true;
    pthread_cond_broadcast(&h.cond);
    pthread_mutex_unlock(&h.lock);
    pthread_join(t, NULL);
    CHECK_CODE(h.rc, KEEL_OK);
    CHECK_CODE(keel_update(other, add_one, "after"), KEEL_OK);
    CHECK_INT_EQ(hits(db), 2);
    keel_close(other);
}

static void lost_postgres_session_is_reported_then_replaced(keel_db *db)
{
    if (!on_postgres(db))
        return; /* SQLite has no server to lose */
    static const dual_query my_pid = SAME("MyPid", "SELECT pg_backend_pid()");
    static const dual_query kill_pid = DUAL("KillPid", 1, "SELECT 1", "SELECT pg_terminate_backend($1)");
    int64_t pid;
    REQUIRE_OK(query_int64(db, &my_pid, &pid));

    keel_db *killer = NULL;
    REQUIRE_OK(keel_open(&killer, keel_test_dsn(), NULL));
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(killer, pick(killer, &kill_pid), &st));
    keel_bind_int64(st, 1, pid);
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK(keel_column_bool(st, 0));
    keel_stmt_close(st);
    keel_close(killer);

    CHECK_CODE(exec_text(db, &add_hit, "into the void"), KEEL_CONNECTION_LOST);
    /* The next call gets a new session, with statements prepared again. */
    CHECK_CODE(exec_text(db, &add_hit, "after reconnect"), KEEL_OK);
    CHECK_INT_EQ(hits(db), 1);
}

/* ---- read replicas: used for reads on PostgreSQL, ignored by SQLite ---- */
static int count_into(keel_db *tx, void *ctx)
{
    return query_int64(tx, &count_hits, ctx);
}

/*
 * A "replica" that is the test's own database (PostgreSQL) serves the reads
 * a replica may serve; SQLite ignores the option. Either way every call
 * behaves as without replicas.
 */
static void reads_through_a_replica_see_the_same_data(keel_db *db)
{
    const char *replicas[] = { keel_test_dsn() };
    keel_options opt = { .read_replicas = replicas, .n_read_replicas = 1 };
    keel_db *h = NULL;
    REQUIRE_OK(keel_open(&h, keel_test_dsn(), &opt));
    if (strcmp(keel_test_target(), "sqlite-memory") == 0) { /* another :memory: is another database */
        REQUIRE_OK(keel_migrate(h, &counter_schema));
        db = h;
    }
    CHECK_CODE(exec_text(db, &add_hit, "writer"), KEEL_OK);
    int64_t n = -1, in_view = -1, in_primary_view = -1;
    CHECK_CODE(query_int64(h, &count_hits, &n), KEEL_OK);
    CHECK_CODE(keel_view(h, count_into, &in_view), KEEL_OK);
    CHECK_CODE(keel_view_primary(h, count_into, &in_primary_view), KEEL_OK);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(in_view, 1);
    CHECK_INT_EQ(in_primary_view, 1);
    CHECK_CODE(exec_text(h, &add_hit, "through the handle with a replica"), KEEL_OK);
    CHECK_INT_EQ(hits(h), 2);
    keel_close(h);
}

/* A replica that cannot be reached is routed around: no call fails. */
static void unreachable_replica_is_routed_around(keel_db *db)
{
    const char *replicas[] = { "host=/nonexistent-keel-replica dbname=x connect_timeout=2" };
    keel_options opt = { .read_replicas = replicas, .n_read_replicas = 1, .replica_retry_ms = 60000 };
    keel_db *h = NULL;
    REQUIRE_OK(keel_open(&h, keel_test_dsn(), &opt));
    if (strcmp(keel_test_target(), "sqlite-memory") == 0) {
        REQUIRE_OK(keel_migrate(h, &counter_schema));
        db = h;
    }
    CHECK_CODE(exec_text(db, &add_hit, "x"), KEEL_OK);
    for (int i = 0; i < 3; i++) {
        int64_t n = -1, in_view = -1;
        CHECK_CODE(query_int64(h, &count_hits, &n), KEEL_OK);
        CHECK_CODE(keel_view(h, count_into, &in_view), KEEL_OK);
        CHECK_INT_EQ(n, 1);
        CHECK_INT_EQ(in_view, 1);
    }
    keel_close(h);
}

static void replica_that_is_not_postgres_is_refused(keel_db *db)
{
    (void)db;
    const char *replicas[] = { "/tmp/not-a-server.db" };
    keel_options opt = { .read_replicas = replicas, .n_read_replicas = 1 };
    keel_db *h = NULL;
    /* SQLite ignores replicas altogether; PostgreSQL refuses a SQLite path as one. */
    CHECK_CODE(keel_open(&h, keel_test_dsn(), &opt), on_postgres(db) ? KEEL_BAD_DSN : KEEL_OK);
    keel_close(h);
}

/*
 * More readers than the pool holds: each read waits for a connection another
 * thread gives back (on a SQLite file through the parked-reader slots, on
 * PostgreSQL through the pool's list), and every one is served.
 */
enum { READERS = 12, READS = 300 };

typedef struct reader {
    keel_db *db;
    atomic_int *done; /* reads finished by every reader so far */
    int rc;
    int64_t wrong;    /* a count that was not the one row */
} reader;

static void *read_many(void *arg)
{
    reader *r = arg;
    for (int i = 0; i < READS && r->rc == KEEL_OK; i++) {
        int64_t n = -1;
        r->rc = (i % 3 == 2) ? keel_view(r->db, read_count, &n) : query_int64(r->db, &count_hits, &n);
        if (r->rc == KEEL_OK && n != 1)
            r->wrong = n;
        atomic_fetch_add(r->done, 1);
    }
    return NULL;
}

static keel_db *small_pool(keel_db *db, int pool_size)
{
    keel_db *h = NULL;
    REQUIRE_OK(keel_open(&h, keel_test_dsn(), &(keel_options){ .pool_size = pool_size }));
    REQUIRE_OK(keel_migrate(h, &counter_schema)); /* a second :memory: handle is a database of its own */
    CHECK_INT_EQ(hits(db), 0); /* each case starts on an empty table */
    REQUIRE_OK(add_one(h, "pool"));
    return h;
}

static void more_readers_than_the_pool_are_all_served(keel_db *db)
{
    keel_db *h = small_pool(db, 1); /* one reader: every give-back has a waiter to wake */
    CHECK_INT_EQ(hits(h), 1);
    atomic_int done = 0;
    reader r[READERS];
    pthread_t t[READERS];
    for (int i = 0; i < READERS; i++) {
        r[i] = (reader){ .db = h, .done = &done, .rc = KEEL_OK };
        REQUIRE(pthread_create(&t[i], NULL, read_many, &r[i]) == 0);
    }
    for (int i = 0; i < READERS; i++) {
        pthread_join(t[i], NULL);
        CHECK_CODE(r[i].rc, KEEL_OK);
        CHECK_INT_EQ(r[i].wrong, 0);
    }
    CHECK_INT_EQ(atomic_load(&done), READERS * READS);
    keel_close(h);
}

static void *read_until_closed(void *arg)
{
    reader *r = arg;
    while (r->rc == KEEL_OK) {
        int64_t n = -1;
        r->rc = query_int64(r->db, &count_hits, &n);
        if (r->rc == KEEL_OK && n != 1)
            r->wrong = n;
        atomic_fetch_add(r->done, 1);
    }
    return NULL;
}

/* keel_close while readers run: calls in flight finish, later ones answer KEEL_CLOSED, nothing else. */
static void close_while_readers_run_answers_closed(keel_db *db)
{
    keel_db *h = small_pool(db, 2);
    atomic_int done = 0;
    reader r[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        r[i] = (reader){ .db = h, .done = &done, .rc = KEEL_OK };
        REQUIRE(pthread_create(&t[i], NULL, read_until_closed, &r[i]) == 0);
    }
    while (atomic_load(&done) < 8 * 50) /* every reader under way: wait for the reads, not for time */
        sched_yield();
    keel_close(h);
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        CHECK_CODE(r[i].rc, KEEL_CLOSED);
        CHECK_INT_EQ(r[i].wrong, 0);
    }
    int64_t n;
    CHECK_CODE(query_int64(h, &count_hits, &n), KEEL_CLOSED);
}

static const keel_test_case cases[] = {
    KEEL_TEST(nested_transaction_joins_the_outer_one),
    KEEL_TEST(transaction_handle_used_after_its_transaction_is_closed),
    KEEL_TEST(root_handle_inside_its_own_transaction_is_misuse),
    KEEL_TEST(null_fn_is_misuse),
    KEEL_TEST(one_handle_is_shared_by_threads),
    KEEL_TEST(more_readers_than_the_pool_are_all_served),
    KEEL_TEST(close_while_readers_run_answers_closed),
    KEEL_TEST(writer_blocked_by_another_connection_gets_busy),
    KEEL_TEST(lost_postgres_session_is_reported_then_replaced),
    KEEL_TEST(reads_through_a_replica_see_the_same_data),
    KEEL_TEST(unreachable_replica_is_routed_around),
    KEEL_TEST(replica_that_is_not_postgres_is_refused),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), &counter_schema);
}
