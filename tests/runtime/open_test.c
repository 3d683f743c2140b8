/*
 * keel_open and keel_close: which engine a DSN selects, which DSNs are
 * refused, and what a closed handle answers.
 */
#include "runtime_util.h"

#include <pthread.h>
#include <unistd.h>

/* Opens dsn expecting `want`; checks the dialect keel picked; closes. */
static void expect_open(const char *dsn, int want, keel_dialect dialect, const char *file, int line)
{
    keel_db *h = NULL;
    int rc = keel_open(&h, dsn, NULL);
    if (rc != want)
        keel_test_fail(file, line, "keel_open(\"%s\") returned %s, expected %s: %s", dsn ? dsn : "(null)",
                       keel_code_name(rc), keel_code_name(want), keel_errmsg(h));
    if (h == NULL)
        keel_test_fail(file, line, "keel_open(\"%s\") left *db NULL", dsn ? dsn : "(null)");
    else if (dialect != 0 && keel_db_dialect(h) != dialect)
        keel_test_fail(file, line, "keel_open(\"%s\") picked dialect %d, expected %d", dsn ? dsn : "(null)",
                       (int)keel_db_dialect(h), (int)dialect);
    keel_close(h);
}
#define EXPECT_OPEN(dsn, want, dialect) expect_open((dsn), (want), (dialect), __FILE__, __LINE__)

static void empty_dsn_is_bad_dsn(keel_db *db)
{
    (void)db;
    EXPECT_OPEN(NULL, KEEL_BAD_DSN, 0);
    EXPECT_OPEN("", KEEL_BAD_DSN, 0);
    EXPECT_OPEN("   ", KEEL_BAD_DSN, 0);
}

static void failed_open_explains_itself_and_refuses_use(keel_db *db)
{
    (void)db;
    keel_db *h = NULL;
    CHECK_CODE(keel_open(&h, "", NULL), KEEL_BAD_DSN);
    REQUIRE(h != NULL);
    CHECK(contains(keel_errmsg(h), "empty DSN"));
    CHECK_CODE(keel_ping(h), KEEL_BAD_DSN);
    keel_close(h);
}

static void unparseable_postgres_dsn_is_bad_dsn(keel_db *db)
{
    (void)db;
    EXPECT_OPEN("host=localhost no_such_option=1", KEEL_BAD_DSN, KEEL_DIALECT_POSTGRES);
    EXPECT_OPEN("dbname='unterminated", KEEL_BAD_DSN, KEEL_DIALECT_POSTGRES);
    EXPECT_OPEN("postgresql://[::1", KEEL_BAD_DSN, KEEL_DIALECT_POSTGRES);
    EXPECT_OPEN("postgres://localhost/db?no_such_option=1", KEEL_BAD_DSN, KEEL_DIALECT_POSTGRES);
}

static void unreachable_postgres_server_is_connection_lost(keel_db *db)
{
    (void)db;
    /* A socket directory that does not exist fails at once, without network. */
    EXPECT_OPEN("host=/nonexistent-keel-socket-dir dbname=x connect_timeout=2", KEEL_CONNECTION_LOST,
                KEEL_DIALECT_POSTGRES);
    EXPECT_OPEN("postgresql://%2Fnonexistent-keel-socket-dir/x", KEEL_CONNECTION_LOST, KEEL_DIALECT_POSTGRES);
    EXPECT_OPEN(" port=1 host=/nonexistent-keel-socket-dir", KEEL_CONNECTION_LOST, KEEL_DIALECT_POSTGRES);
}

static void paths_and_uris_select_sqlite(keel_db *db)
{
    (void)db;
    EXPECT_OPEN(":memory:", KEEL_OK, KEEL_DIALECT_SQLITE);
    EXPECT_OPEN("file:keel_open_test?mode=memory", KEEL_OK, KEEL_DIALECT_SQLITE);
    /* '=' alone does not make a libpq string: "notes=1" is no libpq keyword. */
    EXPECT_OPEN("file:notes=1?mode=memory", KEEL_OK, KEEL_DIALECT_SQLITE);
}

static void unopenable_sqlite_path_is_bad_dsn(keel_db *db)
{
    (void)db;
    EXPECT_OPEN("/nonexistent-keel-dir/sub/db.sqlite", KEEL_BAD_DSN, KEEL_DIALECT_SQLITE);
}

static void target_dsn_opens_the_expected_engine(keel_db *db)
{
    keel_dialect want = strcmp(keel_test_target(), "postgres") == 0 ? KEEL_DIALECT_POSTGRES : KEEL_DIALECT_SQLITE;
    CHECK_INT_EQ(keel_db_dialect(db), want);
    CHECK_CODE(keel_ping(db), KEEL_OK);
    keel_options opt = { .busy_timeout_ms = 100, .pool_size = 3 };
    keel_db *h = NULL;
    CHECK_CODE(keel_open(&h, keel_test_dsn(), &opt), KEEL_OK);
    CHECK_CODE(keel_ping(h), KEEL_OK);
    keel_close(h);
}

static void second_close_is_harmless(keel_db *db)
{
    (void)db;
    keel_db *h = NULL;
    REQUIRE_OK(keel_open(&h, keel_test_dsn(), NULL));
    keel_close(h);
    keel_close(h);
    keel_close(NULL);
}

static void null_handle_is_misuse(keel_db *db)
{
    (void)db;
    CHECK_CODE(keel_ping(NULL), KEEL_MISUSE);
    CHECK_CODE(keel_open(NULL, ":memory:", NULL), KEEL_MISUSE);
    keel_stmt *st;
    CHECK_CODE(keel_stmt_open(NULL, NULL, &st), KEEL_MISUSE);
    CHECK_CODE(keel_migrate(NULL, NULL), KEEL_MISUSE);
}

/* ---- a call waiting for the connection while keel_close runs gets KEEL_CLOSED ---- */
typedef struct close_race {
    keel_db *db;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool inside;
    bool may_leave;
    int update_rc;
    int ping_rc;
} close_race;

static int linger(keel_db *tx, void *ctx)
{
    close_race *r = ctx;
    pthread_mutex_lock(&r->lock);
    r->inside = true;
    pthread_cond_broadcast(&r->cond);
    while (!r->may_leave)
        pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
    return keel_ping(tx); /* in-flight work finishes normally */
}

static void *run_linger(void *arg)
{
    close_race *r = arg;
    r->update_rc = keel_update(r->db, linger, r);
    return NULL;
}

static int ping_tx(keel_db *tx, void *ctx)
{
    (void)ctx;
    return keel_ping(tx);
}

static void *run_ping(void *arg)
{
    close_race *r = arg;
    /* A write transaction: it waits for the one SQLite writer / the one pg connection. */
    r->ping_rc = keel_update(r->db, ping_tx, NULL);
    return NULL;
}

static void *run_close(void *arg)
{
    keel_close(arg);
    return NULL;
}

static void call_waiting_while_closing_gets_closed(keel_db *db)
{
    (void)db;
    close_race r = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .ping_rc = -1 };
    REQUIRE_OK(keel_open(&r.db, keel_test_dsn(), &(keel_options){ .pool_size = 1 }));
    pthread_t holder, pinger, closer;
    pthread_create(&holder, NULL, run_linger, &r);
    pthread_mutex_lock(&r.lock);
    while (!r.inside)
        pthread_cond_wait(&r.cond, &r.lock);
    pthread_mutex_unlock(&r.lock);

    pthread_create(&pinger, NULL, run_ping, &r); /* queues behind the transaction */
    usleep(200 * 1000);
    pthread_create(&closer, NULL, run_close, r.db); /* waits for both */
    usleep(200 * 1000);

    pthread_mutex_lock(&r.lock);
    r.may_leave = true;
    pthread_cond_broadcast(&r.cond);
    pthread_mutex_unlock(&r.lock);
    pthread_join(holder, NULL);
    pthread_join(pinger, NULL);
    pthread_join(closer, NULL);
    CHECK_CODE(r.update_rc, KEEL_OK);
    CHECK_CODE(r.ping_rc, KEEL_CLOSED);
}

static const keel_test_case cases[] = {
    KEEL_TEST(empty_dsn_is_bad_dsn),
    KEEL_TEST(failed_open_explains_itself_and_refuses_use),
    KEEL_TEST(unparseable_postgres_dsn_is_bad_dsn),
    KEEL_TEST(unreachable_postgres_server_is_connection_lost),
    KEEL_TEST(paths_and_uris_select_sqlite),
    KEEL_TEST(unopenable_sqlite_path_is_bad_dsn),
    KEEL_TEST(target_dsn_opens_the_expected_engine),
    KEEL_TEST(second_close_is_harmless),
    KEEL_TEST(null_handle_is_misuse),
    KEEL_TEST(call_waiting_while_closing_gets_closed),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), NULL);
}
