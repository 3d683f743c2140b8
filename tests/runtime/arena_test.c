/*
 * keel_arena: aligned bump allocation, big requests, NULL versus empty,
 * reuse after keel_arena_free, and keel_arena_reset keeping one block: the
 * inline fast path in keel.h and the block code in keel_arena.c agree.
 */
#include "keel_test.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

static bool aligned(const void *p)
{
    return (uintptr_t)p % alignof(max_align_t) == 0;
}

static void allocations_are_max_aligned_and_do_not_overlap(keel_db *db)
{
    (void)db;
    keel_arena a = KEEL_ARENA_INIT;
    unsigned char *prev = NULL;
    size_t prev_size = 0;
    for (size_t size = 1; size < 3000; size += 7) {
        unsigned char *p = keel_arena_alloc(&a, size);
        REQUIRE(p != NULL);
        CHECK(aligned(p));
        memset(p, 0xab, size); /* ASan catches writes past a block */
        if (prev != NULL)
            CHECK(p >= prev + prev_size || p + size <= prev);
        prev = p;
        prev_size = size;
    }
    keel_arena_free(&a);
}

static void large_allocation_gets_its_own_block_and_keeps_the_chunk_in_use(keel_db *db)
{
    (void)db;
    keel_arena a = KEEL_ARENA_INIT;
    char *small = keel_arena_alloc(&a, 16);
    REQUIRE(small != NULL);
    keel_arena_block *chunk = a.head;
    char *big = keel_arena_alloc(&a, 1 << 20);
    REQUIRE(big != NULL);
    CHECK(aligned(big));
    memset(big, 1, 1 << 20);
    CHECK(a.head == chunk); /* the chunk with free space is still the one bumped */
    char *small2 = keel_arena_alloc(&a, 16);
    CHECK(small2 == small + 16 || small2 == small + alignof(max_align_t));
    keel_arena_free(&a);
}

static void first_allocation_may_be_large(keel_db *db)
{
    (void)db;
    keel_arena a = KEEL_ARENA_INIT;
    void *big = keel_arena_alloc(&a, 100000);
    REQUIRE(big != NULL);
    void *small = keel_arena_alloc(&a, 8);
    CHECK(small != NULL);
    CHECK(aligned(small));
    keel_arena_free(&a);
}

static void strndup_copies_n_bytes_and_adds_nul(keel_db *db)
{
    (void)db;
    keel_arena a = KEEL_ARENA_INIT;
    char *s = keel_arena_strndup(&a, "hello world", 5);
    CHECK_STR_EQ(s, "hello");
    char *empty = keel_arena_strndup(&a, "", 0);
    CHECK_STR_EQ(empty, "");
    CHECK(keel_arena_strndup(&a, NULL, 0) == NULL); /* NULL text stays NULL */
    CHECK(keel_arena_strndup(&a, "x", SIZE_MAX) == NULL);
    keel_arena_free(&a);
}

static void memdup_keeps_empty_distinct_from_null(keel_db *db)
{
    (void)db;
    keel_arena a = KEEL_ARENA_INIT;
    const unsigned char bytes[] = { 0, 1, 0, 2 };
    unsigned char *copy = keel_arena_memdup(&a, bytes, sizeof bytes);
    REQUIRE(copy != NULL);
    CHECK(memcmp(copy, bytes, sizeof bytes) == 0);
    CHECK(keel_arena_memdup(&a, bytes, 0) != NULL);
    CHECK(keel_arena_memdup(&a, NULL, 0) == NULL);
    CHECK(keel_arena_alloc(&a, 0) != NULL);
    keel_arena_free(&a);
}

static void impossible_sizes_return_null(keel_db *db)
{
    (void)db;
    keel_arena a = KEEL_ARENA_INIT;
    CHECK(keel_arena_alloc(&a, SIZE_MAX) == NULL);
    CHECK(keel_arena_alloc(&a, SIZE_MAX - 8) == NULL);
    CHECK(keel_arena_alloc(NULL, 8) == NULL);
    keel_arena_free(&a);
    keel_arena_free(NULL);
}

static void freed_arena_is_empty_and_reusable(keel_db *db)
{
    (void)db;
    keel_arena a = KEEL_ARENA_INIT;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 1000; i++)
            REQUIRE(keel_arena_strndup(&a, "some row text", 13) != NULL);
        keel_arena_free(&a);
        CHECK(a.head == NULL);
    }
    keel_arena_free(&a); /* twice is fine */
}

static void reset_keeps_the_newest_block_and_reuses_it(keel_db *db)
{
    (void)db;
    keel_arena a = KEEL_ARENA_INIT;
    char *first[3] = { NULL, NULL, NULL }, *last[3] = { NULL, NULL, NULL };
    keel_arena_block *head[3] = { NULL, NULL, NULL };
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 2000; i++) { /* about 32 KiB: more than the first chunk */
            char *p = keel_arena_strndup(&a, "a row's text", 12);
            REQUIRE(p != NULL);
            CHECK(aligned(p));
            CHECK_STR_EQ(p, "a row's text");
            if (i == 0)
                first[round] = p;
            last[round] = p;
        }
        head[round] = a.head;
        keel_arena_reset(&a);
    }
    /* Once the kept block fits a round, every later round is the same addresses in it. */
    CHECK(head[1] == head[2]);
    CHECK(first[1] == first[2]);
    CHECK(last[1] == last[2]);
    CHECK(last[2] > first[2]); /* all in one block, bumped upwards */
    keel_arena_free(&a);
    keel_arena_reset(&a); /* an empty arena: nothing to keep */
    CHECK(a.head == NULL);
    CHECK(keel_arena_alloc(&a, 8) != NULL);
    keel_arena_free(&a);
}

static void reset_after_a_lone_big_block_reuses_it(keel_db *db)
{
    (void)db;
    keel_arena a = KEEL_ARENA_INIT;
    char *big = keel_arena_alloc(&a, 100000);
    REQUIRE(big != NULL);
    keel_arena_reset(&a);
    char *again = keel_arena_alloc(&a, 50000);
    CHECK(again == big); /* the kept block, from its start */
    char *rest = keel_arena_alloc(&a, 50000 - 16);
    CHECK(rest != NULL && rest >= again + 50000);
    memset(rest, 2, 50000 - 16);
    keel_arena_free(&a);
}

static const keel_test_case cases[] = {
    KEEL_TEST(allocations_are_max_aligned_and_do_not_overlap),
    KEEL_TEST(large_allocation_gets_its_own_block_and_keeps_the_chunk_in_use),
    KEEL_TEST(first_allocation_may_be_large),
    KEEL_TEST(strndup_copies_n_bytes_and_adds_nul),
    KEEL_TEST(memdup_keeps_empty_distinct_from_null),
    KEEL_TEST(impossible_sizes_return_null),
    KEEL_TEST(freed_arena_is_empty_and_reusable),
    KEEL_TEST(reset_keeps_the_newest_block_and_reuses_it),
    KEEL_TEST(reset_after_a_lone_big_block_reuses_it),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), NULL);
}
