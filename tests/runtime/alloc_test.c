/*
 * alloc_test.c — keel's heap allocations per call kind, on every engine
 * target: zero per :exec, :execrows and :one call and per _each row once a
 * query has run on its connection, zero per transaction, and only arena
 * blocks for :many. Counted by the keel_alloc_count --wrap wrappers, which
 * see libkeel and the generated code but not libsqlite3/libpq, so the
 * counts are exact and deterministic.
 */
#include "diun.h"
#include "keel_alloc_count.h"
#include "keel_test.h"

#include <stdio.h>
#include <string.h>

enum { CALLS = 50 };

static diun_upsert_event_params event(const char *image)
{
    return (diun_upsert_event_params){
        .image = image, .diun_version = "4.28.0", .hostname = "myserver", .status = "new",
        .provider = "docker", .hub_link = "https://hub.docker.com/r/crazymax/diun",
        .digest = "sha256:216e3ae7de4ca8b553eb11ef7abda00651e79e537e85c46108284e5e91673e01",
        .ctn_name = NULL, /* NULL parameters too */
    };
}

static void seed(keel_db *db, int images, int tags)
{
    char name[64];
    for (int i = 0; i < images; i++) {
        snprintf(name, sizeof name, "docker.io/library/app-%04d:latest", i);
        diun_upsert_event_params p = event(name);
        REQUIRE_OK(diun_upsert_event(db, &p));
    }
    keel_arena arena = KEEL_ARENA_INIT;
    for (int t = 0; t < tags; t++) {
        snprintf(name, sizeof name, "tag-%d", t);
        diun_create_tag_row row;
        REQUIRE_OK(diun_create_tag(db, name, &arena, &row));
    }
    keel_arena_free(&arena);
}

static uint64_t allocs_now(void) { return keel_alloc_counts_now().allocs; }

static void exec_calls_allocate_nothing(keel_db *db)
{
    diun_upsert_event_params p = event("docker.io/crazymax/diun:latest");
    REQUIRE_OK(diun_upsert_event(db, &p)); /* first use: prepares, sets up the statement's state */
    uint64_t before = allocs_now();
    for (int i = 0; i < CALLS; i++)
        CHECK_CODE(diun_upsert_event(db, &p), KEEL_OK);
    CHECK_INT_EQ(allocs_now() - before, 0);
}

static void execrows_calls_allocate_nothing(keel_db *db)
{
    seed(db, 3, 0);
    int64_t n = 0;
    REQUIRE_OK(diun_acknowledge_update(db, "docker.io/library/app-0001:latest", &n));
    uint64_t before = allocs_now();
    for (int i = 0; i < CALLS; i++)
        CHECK_CODE(diun_acknowledge_update(db, "docker.io/library/app-0001:latest", &n), KEEL_OK);
    CHECK_INT_EQ(allocs_now() - before, 0);
    CHECK_INT_EQ(n, 1);
}

static void one_calls_allocate_nothing(keel_db *db)
{
    seed(db, 0, 2);
    diun_tag_exists_row row;
    REQUIRE_OK(diun_tag_exists(db, 1, &row));
    uint64_t before = allocs_now();
    for (int i = 0; i < CALLS; i++) {
        CHECK_CODE(diun_tag_exists(db, 1 + i % 4, &row), KEEL_OK);
        CHECK(row.tag_exists == (1 + i % 4 <= 2));
    }
    CHECK_INT_EQ(allocs_now() - before, 0);
}

static void one_into_a_reset_arena_allocates_nothing(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_create_tag_row row;
    REQUIRE_OK(diun_create_tag(db, "first", &arena, &row)); /* the arena's block comes here */
    char name[32];
    uint64_t before = allocs_now();
    for (int i = 0; i < CALLS; i++) {
        keel_arena_reset(&arena);
        snprintf(name, sizeof name, "tag-%d", i);
        CHECK_CODE(diun_create_tag(db, name, &arena, &row), KEEL_OK);
        CHECK_STR_EQ(row.name, name);
    }
    CHECK_INT_EQ(allocs_now() - before, 0);
    keel_arena_free(&arena);
}

typedef struct counter {
    long rows;
} counter;

static int count_row(const diun_get_updates_row *row, void *ctx)
{
    ((counter *)ctx)->rows += row->image != NULL;
    return 0;
}

static void each_rows_allocate_nothing(keel_db *db)
{
    seed(db, 300, 0);
    counter c = { 0 };
    REQUIRE_OK(diun_get_updates_each(db, count_row, &c));
    uint64_t before = allocs_now();
    for (int i = 0; i < 5; i++)
        CHECK_CODE(diun_get_updates_each(db, count_row, &c), KEEL_OK);
    CHECK_INT_EQ(allocs_now() - before, 0);
    CHECK_INT_EQ(c.rows, 6 * 300);
}

static void many_allocates_only_arena_blocks(keel_db *db)
{
    seed(db, 300, 0);
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows;
    size_t n;
    REQUIRE_OK(diun_get_updates(db, &arena, &rows, &n));
    keel_arena_free(&arena);

    /* Every allocation the call makes is an arena block: freeing the arena
     * frees exactly as many. */
    uint64_t before = allocs_now();
    REQUIRE_OK(diun_get_updates(db, &arena, &rows, &n));
    uint64_t made = allocs_now() - before;
    CHECK_INT_EQ(n, 300);
    uint64_t frees_before = keel_alloc_counts_now().frees;
    keel_arena_free(&arena);
    CHECK_INT_EQ(keel_alloc_counts_now().frees - frees_before, made);
    CHECK(made <= 16); /* chunks double: a handful, not one per row */

    /* A small result into a reset arena fits its kept block: nothing at all. */
    keel_arena_reset(&arena);
    diun_list_tags_row *tags;
    REQUIRE_OK(diun_list_tags(db, &arena, &tags, &n));
    keel_arena_reset(&arena);
    before = allocs_now();
    for (int i = 0; i < CALLS; i++) {
        keel_arena_reset(&arena);
        CHECK_CODE(diun_list_tags(db, &arena, &tags, &n), KEEL_OK);
    }
    CHECK_INT_EQ(allocs_now() - before, 0);
    keel_arena_free(&arena);
}

typedef struct batch {
    int calls;
} batch;

static int upsert_batch(keel_db *tx, void *ctx)
{
    batch *b = ctx;
    char name[64];
    for (int i = 0; i < b->calls; i++) {
        snprintf(name, sizeof name, "docker.io/library/app-%04d:latest", i);
        diun_upsert_event_params p = event(name);
        int rc = diun_upsert_event(tx, &p);
        if (rc != KEEL_OK)
            return rc;
    }
    return KEEL_OK;
}

static void transactions_allocate_nothing(keel_db *db)
{
    batch b = { 20 };
    REQUIRE_OK(keel_update(db, upsert_batch, &b));
    uint64_t before = allocs_now();
    for (int i = 0; i < 5; i++)
        CHECK_CODE(keel_update(db, upsert_batch, &b), KEEL_OK);
    CHECK_INT_EQ(allocs_now() - before, 0);
}

static int read_inside_view(keel_db *tx, void *ctx)
{
    diun_tag_exists_row row;
    (void)ctx;
    return diun_tag_exists(tx, 1, &row);
}

static void views_allocate_nothing(keel_db *db)
{
    REQUIRE_OK(keel_view(db, read_inside_view, NULL));
    uint64_t before = allocs_now();
    for (int i = 0; i < 5; i++)
        CHECK_CODE(keel_view(db, read_inside_view, NULL), KEEL_OK);
    CHECK_INT_EQ(allocs_now() - before, 0);
}

static const keel_test_case cases[] = {
    KEEL_TEST(exec_calls_allocate_nothing),
    KEEL_TEST(execrows_calls_allocate_nothing),
    KEEL_TEST(one_calls_allocate_nothing),
    KEEL_TEST(one_into_a_reset_arena_allocates_nothing),
    KEEL_TEST(each_rows_allocate_nothing),
    KEEL_TEST(many_allocates_only_arena_blocks),
    KEEL_TEST(transactions_allocate_nothing),
    KEEL_TEST(views_allocate_nothing),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), &diun_schema);
}
