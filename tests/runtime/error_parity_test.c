/*
 * error_parity_test.c — every keel code an application may meet, triggered
 * on each engine target: the same situation gives the same code, and
 * keel_errmsg carries the engine's own words.
 *
 * Where an engine cannot produce a situation on one target, the case says
 * why and returns: a second :memory: handle is another database (no lock to
 * contend for, no file to lose); SQLite has no server to restart.
 */
#include "kv_store.h"
#include "runtime_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static bool in_memory(void)
{
    return strcmp(keel_test_target(), "sqlite-memory") == 0;
}

static const dual_query create_tags = SAME("CreateTags", "CREATE TABLE tags (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
static const dual_query create_items = SAME(
    "CreateItems", "CREATE TABLE items (id BIGINT PRIMARY KEY, tag_id BIGINT REFERENCES tags (id),"
                   " qty INTEGER NOT NULL CHECK (qty >= 0))");
static const dual_query add_tag = SAME("AddTag", "INSERT INTO tags VALUES (1, 'news')");
static const dual_query add_tag_again = SAME("AddTagAgain", "INSERT INTO tags VALUES (2, 'news')");
static const dual_query orphan_item = SAME("OrphanItem", "INSERT INTO items VALUES (1, 99, 1)");
static const dual_query null_qty = SAME("NullQty", "INSERT INTO items VALUES (1, NULL, NULL)");
static const dual_query negative_qty = SAME("NegativeQty", "INSERT INTO items VALUES (1, NULL, -1)");

static void shop(keel_db *db)
{
    REQUIRE_OK(exec_query(db, &create_tags));
    REQUIRE_OK(exec_query(db, &create_items));
}

static void missing_row_is_not_found(keel_db *db)
{
    REQUIRE_OK(keel_migrate(db, &kv_schema));
    keel_arena arena = KEEL_ARENA_INIT;
    keel_blob v;
    CHECK_CODE(kv_store_get(db, "ns", "absent", &arena, &v), KEEL_NOT_FOUND);
    keel_arena_free(&arena);
}

static void duplicate_is_unique_violation(keel_db *db)
{
    shop(db);
    REQUIRE_OK(exec_query(db, &add_tag));
    CHECK_CODE(exec_query(db, &add_tag_again), KEEL_UNIQUE_VIOLATION);
    CHECK(contains(keel_errmsg(db), on_postgres(db) ? "duplicate key" : "UNIQUE constraint failed"));
}

static void missing_parent_is_foreign_key_violation(keel_db *db)
{
    shop(db);
    CHECK_CODE(exec_query(db, &orphan_item), KEEL_FOREIGN_KEY_VIOLATION);
    CHECK(contains(keel_errmsg(db), on_postgres(db) ? "foreign key" : "FOREIGN KEY constraint failed"));
}

static void null_is_not_null_violation(keel_db *db)
{
    shop(db);
    CHECK_CODE(exec_query(db, &null_qty), KEEL_NOT_NULL_VIOLATION);
    CHECK(contains(keel_errmsg(db), on_postgres(db) ? "null value" : "NOT NULL constraint failed"));
}

static void failed_check_is_check_violation(keel_db *db)
{
    shop(db);
    CHECK_CODE(exec_query(db, &negative_qty), KEEL_CHECK_VIOLATION);
    CHECK(contains(keel_errmsg(db), on_postgres(db) ? "check constraint" : "CHECK constraint failed"));
}

static int put_in_view(keel_db *tx, void *ctx)
{
    (void)ctx;
    return kv_store_put(tx, "ns", "k", "v", 1);
}

static void write_in_view_is_read_only(keel_db *db)
{
    REQUIRE_OK(keel_migrate(db, &kv_schema));
    CHECK_CODE(keel_view(db, put_in_view, NULL), KEEL_READ_ONLY);
    CHECK(contains(keel_errmsg(db), on_postgres(db) ? "read-only transaction" : "readonly database"));
}

/* ---- busy: another handle (another process, in effect) holds the lock ---- */
typedef struct contender {
    keel_db *other;
    int rc;
} contender;

static int contend(keel_db *tx, void *ctx)
{
    contender *c = ctx;
    int rc = kv_store_put(tx, "ns", "k", "mine", 4); /* holds the write lock / the row lock */
    if (rc == KEEL_OK)
        c->rc = kv_store_put(c->other, "ns", "k", "theirs", 6);
    return rc;
}

static const dual_query short_lock_timeout = DUAL("ShortLockTimeout", 0, "SELECT 1", "SET lock_timeout = '100ms'");

static void lock_held_by_another_handle_is_busy(keel_db *db)
{
    if (in_memory())
        return; /* another :memory: handle is another database */
    REQUIRE_OK(keel_migrate(db, &kv_schema));
    REQUIRE_OK(kv_store_put(db, "ns", "k", "v", 1));
    contender c = { .rc = -1 };
    REQUIRE_OK(keel_open(&c.other, keel_test_dsn(), &(keel_options){ .busy_timeout_ms = 100, .pool_size = 1 }));
    REQUIRE_OK(exec_query(c.other, &short_lock_timeout));
    CHECK_CODE(keel_update(db, contend, &c), KEEL_OK);
    CHECK_CODE(c.rc, KEEL_BUSY);
    CHECK(contains(keel_errmsg(c.other), on_postgres(db) ? "lock timeout" : "database is locked"));
    keel_close(c.other);
}

typedef struct racer {
    keel_db *other;
    int rc;
} racer;

static const dual_query repeatable_read = DUAL("RepeatableRead", 0, "SELECT 1",
                                               "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");

static int read_then_write_after_theirs(keel_db *tx, void *ctx)
{
    racer *r = ctx;
    int rc = exec_query(tx, &repeatable_read);
    keel_arena arena = KEEL_ARENA_INIT;
    keel_blob v;
    if (rc == KEEL_OK)
        rc = kv_store_get(tx, "ns", "k", &arena, &v); /* the snapshot starts here */
    keel_arena_free(&arena);
    if (rc == KEEL_OK) /* another session changes the row and commits */
        rc = kv_store_put(r->other, "ns", "k", "theirs", 6);
    if (rc == KEEL_OK)
        rc = kv_store_put(tx, "ns", "k", "mine", 4);
    return rc;
}

static void serialization_failure_is_busy(keel_db *db)
{
    if (!on_postgres(db))
        return; /* SQLite serializes writers (BEGIN IMMEDIATE): no snapshot conflict exists */
    REQUIRE_OK(keel_migrate(db, &kv_schema));
    REQUIRE_OK(kv_store_put(db, "ns", "k", "v", 1));
    racer r = { 0 };
    REQUIRE_OK(keel_open(&r.other, keel_test_dsn(), NULL));
    CHECK_CODE(keel_update(db, read_then_write_after_theirs, &r), KEEL_BUSY);
    CHECK(contains(keel_errmsg(db), "could not serialize"));
    keel_close(r.other);
}

/* ---- connection lost: the server ends the session / the file goes away ---- */
static void lost_connection_is_connection_lost(keel_db *db)
{
    if (in_memory())
        return; /* nothing to lose */
    keel_db *h = NULL;
    REQUIRE_OK(keel_open(&h, keel_test_dsn(), &(keel_options){ .pool_size = 1 }));
    if (on_postgres(db)) {
        static const dual_query kill_others = SAME(
            "KillOthers", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = current_database() AND pid <> pg_backend_pid()");
        REQUIRE_OK(keel_ping(h));
        REQUIRE_OK(exec_query(db, &kill_others));
        usleep(100 * 1000);
        CHECK_CODE(keel_ping(h), KEEL_CONNECTION_LOST);
        CHECK(contains(keel_errmsg(h), "terminat"));
    } else {
        /* A reader opens on first use; the file is gone by then. */
        char moved[8200];
        snprintf(moved, sizeof moved, "%s.moved", keel_test_dsn());
        REQUIRE(rename(keel_test_dsn(), moved) == 0);
        CHECK_CODE(keel_ping(h), KEEL_CONNECTION_LOST);
        CHECK(contains(keel_errmsg(h), "unable to open"));
        REQUIRE(rename(moved, keel_test_dsn()) == 0);
    }
    CHECK_CODE(keel_ping(h), KEEL_OK); /* back once the server / file is */
    keel_close(h);
}

static const dual_query endless = DUAL("Endless", 0,
                                       "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                                       "SELECT count(*) FROM c",
                                       "SELECT pg_sleep(30)::text IS NULL");

static void long_statement_past_its_timeout_is_timeout(keel_db *db)
{
    (void)db;
    keel_db *h = NULL;
    REQUIRE_OK(keel_open(&h, keel_test_dsn(), &(keel_options){ .statement_timeout_ms = 50 }));
    CHECK_CODE(exec_query(h, &endless), KEEL_TIMEOUT);
    keel_close(h);
}

typedef struct endless_call {
    keel_db *db;
    int rc;
    _Atomic bool finished;
} endless_call;

static void *run_endless(void *arg)
{
    endless_call *call = arg;
    call->rc = exec_query(call->db, &endless);
    atomic_store(&call->finished, true);
    return NULL;
}

static void interrupted_statement_is_interrupted(keel_db *db)
{
    endless_call call = { .db = db };
    pthread_t t;
    pthread_create(&t, NULL, run_endless, &call);
    /* Until it returns: a request before the statement began is lost, the next one is not. */
    for (int i = 0; i < 3000 && !atomic_load(&call.finished); i++) {
        keel_interrupt(db);
        usleep(10000);
    }
    pthread_join(t, NULL);
    CHECK_CODE(call.rc, KEEL_INTERRUPTED);
}

static void closed_handle_is_closed(keel_db *db)
{
    (void)db;
    keel_db *h = NULL;
    REQUIRE_OK(keel_open(&h, keel_test_dsn(), NULL));
    keel_close(h);
    CHECK_CODE(keel_ping(h), KEEL_CLOSED);
    CHECK_CODE(keel_migrate(h, &kv_schema), KEEL_CLOSED);
    CHECK(contains(keel_errmsg(h), "closed"));
}

static void unusable_dsn_is_bad_dsn(keel_db *db)
{
    keel_db *h = NULL;
    const char *dsn = on_postgres(db) ? "host=/tmp no_such_keyword=1" : "/nonexistent-keel-dir/x.db";
    CHECK_CODE(keel_open(&h, dsn, NULL), KEEL_BAD_DSN);
    CHECK(contains(keel_errmsg(h), on_postgres(db) ? "no_such_keyword" : "unable to open"));
    keel_close(h);
}

/* ---- migrations ---- */
#define T1 "CREATE TABLE t1 (x INTEGER);"
static const keel_migration m1 = { 1, "0001_t1.sql", T1, "c1" };
static const keel_migration m1_edited = { 1, "0001_t1.sql", T1 " -- edited", "c1-edited" };
static const keel_migration m2 = { 2, "0002_t2.sql", "CREATE TABLE t2 (x INTEGER);", "c2" };
static const keel_migration m2_bad = { 2, "0002_bad.sql", "CREATE TABLE t2 (x INTEGER);\nINSERT INTO nope VALUES (1);", "cb" };

static keel_schema schema_of(const keel_migration *items, size_t n)
{
    return (keel_schema){ .name = "parity", .sqlite = { items, n }, .postgres = { items, n } };
}

static void migration_errors_have_one_code_each(keel_db *db)
{
    const keel_migration one[] = { m1 }, two[] = { m1, m2 }, bad[] = { m1, m2_bad }, edited[] = { m1_edited },
                         only2[] = { m2 };
    keel_schema s_one = schema_of(one, 1), s_two = schema_of(two, 2), s_bad = schema_of(bad, 2),
                s_edited = schema_of(edited, 1), s_only2 = schema_of(only2, 1);

    CHECK_CODE(keel_migrate(db, &s_bad), KEEL_MIGRATION_FAILED);
    CHECK(contains(keel_errmsg(db), "0002_bad.sql:2:"));
    CHECK(contains(keel_errmsg(db), "nope"));
    CHECK_CODE(keel_migrate(db, &s_edited), KEEL_MIGRATION_CHECKSUM);
    CHECK(contains(keel_errmsg(db), "c1-edited"));
    REQUIRE_OK(keel_migrate(db, &s_two));
    CHECK_CODE(keel_migrate(db, &s_only2), KEEL_MIGRATION_MISSING);
    CHECK(contains(keel_errmsg(db), "0001_t1.sql"));
    CHECK_CODE(keel_migrate(db, &s_one), KEEL_MIGRATION_TOO_NEW);
    CHECK(contains(keel_errmsg(db), "0002_t2.sql"));
}

static const dual_query untracked = SAME("Untracked", "CREATE TABLE t1 (x INTEGER)");
static const dual_query go_migrate = SAME(
    "GoMigrate", "CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN NOT NULL)");
static const dual_query go_dirty = SAME("GoDirty", "INSERT INTO schema_migrations VALUES (1, TRUE)");

static void adoption_errors_have_one_code_each(keel_db *db)
{
    const keel_migration two[] = { m1, m2 };
    keel_schema s_two = schema_of(two, 2);
    REQUIRE_OK(exec_query(db, &untracked));
    CHECK_CODE(keel_migrate(db, &s_two), KEEL_MIGRATION_UNTRACKED);
    REQUIRE_OK(exec_query(db, &go_migrate));
    REQUIRE_OK(exec_query(db, &go_dirty));
    CHECK_CODE(keel_migrate(db, &s_two), KEEL_MIGRATION_DIRTY);
}

static const keel_test_case cases[] = {
    KEEL_TEST(missing_row_is_not_found),
    KEEL_TEST(duplicate_is_unique_violation),
    KEEL_TEST(missing_parent_is_foreign_key_violation),
    KEEL_TEST(null_is_not_null_violation),
    KEEL_TEST(failed_check_is_check_violation),
    KEEL_TEST(write_in_view_is_read_only),
    KEEL_TEST(lock_held_by_another_handle_is_busy),
    KEEL_TEST(serialization_failure_is_busy),
    KEEL_TEST(lost_connection_is_connection_lost),
    KEEL_TEST(long_statement_past_its_timeout_is_timeout),
    KEEL_TEST(interrupted_statement_is_interrupted),
    KEEL_TEST(closed_handle_is_closed),
    KEEL_TEST(unusable_dsn_is_bad_dsn),
    KEEL_TEST(migration_errors_have_one_code_each),
    KEEL_TEST(adoption_errors_have_one_code_each),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), NULL);
}
