/*
 * batch_bench.c — batches and bulk load against the one-at-a-time calls
 * they replace, both through keel's generated code (the batch fixture,
 * tests/fixtures/batch), on one engine:
 *
 *   - InsertAuthors (:batchexec) with N items, against N InsertAuthor
 *     (:exec) calls inside one keel_update: the same rows, one transaction
 *     each, so the difference is the round trips (PostgreSQL's pipeline)
 *     and the per-call overhead;
 *   - CopyAuthors (:copyfrom) of M rows, against M InsertAuthor calls in
 *     one keel_update.
 *
 * Each side starts from an empty table (emptied outside the timing); the
 * median of the rounds is printed, with the ratio batch/loop and keel's
 * heap allocations per item of the batch side.
 */
#include "batch.h"
#include "bench.h"
#include "keel_alloc_count.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct author_rows {
    batch_insert_authors_params *batch;
    batch_copy_authors_params *copy;
    char (*names)[24];
    size_t n;
} author_rows;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what, keel_db *db)
{
    fprintf(stderr, "keel_bench: %s: %s\n", what, keel_errmsg(db));
    exit(1);
}

static void make_rows(author_rows *r, size_t n)
{
    r->n = n;
    r->batch = calloc(n, sizeof *r->batch);
    r->copy = calloc(n, sizeof *r->copy);
    r->names = calloc(n, sizeof *r->names);
    if (!r->batch || !r->copy || !r->names) {
        fprintf(stderr, "keel_bench: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(r->names[i], sizeof r->names[i], "author-%zu", i);
        keel_opt_double score = i % 3 ? KEEL_SOME_DOUBLE((double)i / 7) : (keel_opt_double){ 0 };
        const char *bio = i % 2 ? "writes about databases" : NULL;
        r->batch[i] = (batch_insert_authors_params){ .id = (int64_t)i + 1, .name = r->names[i], .bio = bio,
                                                     .score = score, .active = KEEL_SOME_BOOL(i % 2 == 0) };
        r->copy[i] = (batch_copy_authors_params){ .id = (int64_t)i + 1, .name = r->names[i], .bio = bio,
                                                  .score = score, .active = KEEL_SOME_BOOL(i % 2 == 0) };
    }
}

static void free_rows(author_rows *r)
{
    free(r->batch);
    free(r->copy);
    free(r->names);
}

static int insert_one_at_a_time(keel_db *tx, void *ctx)
{
    const author_rows *r = ctx;
    for (size_t i = 0; i < r->n; i++) {
        const batch_insert_authors_params *p = &r->batch[i];
        int rc = batch_insert_author(tx, &(batch_insert_author_params){ .id = p->id, .name = p->name, .bio = p->bio,
                                                                         .score = p->score, .active = p->active });
        if (rc != KEEL_OK)
            return rc;
    }
    return KEEL_OK;
}

enum { SIDE_LOOP, SIDE_BATCH, SIDE_COPY };

/* One timed run of a side on an empty table; returns items/s. */
static double run_side(keel_db *db, const author_rows *r, int side, uint64_t *allocs)
{
    if (batch_delete_all_authors(db) != KEEL_OK)
        fail("DeleteAllAuthors", db);
    uint64_t before = keel_alloc_counts_now().allocs;
    double t0 = now_seconds();
    int rc = side == SIDE_LOOP    ? keel_update(db, insert_one_at_a_time, (void *)r)
             : side == SIDE_BATCH ? batch_insert_authors(db, r->batch, r->n, NULL)
                                  : batch_copy_authors(db, r->copy, r->n, NULL, NULL);
    double t = now_seconds() - t0;
    if (allocs != NULL)
        *allocs = keel_alloc_counts_now().allocs - before;
    if (rc != KEEL_OK)
        fail(side == SIDE_LOOP ? "InsertAuthor loop" : side == SIDE_BATCH ? "InsertAuthors" : "CopyAuthors", db);
    return (double)r->n / t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void compare(keel_db *db, const char *label, size_t n, int side, int rounds)
{
    author_rows r;
    make_rows(&r, n);
    run_side(db, &r, side, NULL); /* warm: statements prepared, caches filled */
    double loop[16], fast[16];
    uint64_t allocs = 0;
    for (int k = 0; k < rounds; k++) { /* alternating, as the main table does */
        loop[k] = run_side(db, &r, SIDE_LOOP, NULL);
        fast[k] = run_side(db, &r, side, &allocs);
    }
    double l = median_of(loop, rounds), f = median_of(fast, rounds);
    printf("%-36s %12.0f %12.0f %7.2f %10.3f\n", label, f, l, f / l, (double)allocs / (double)n);
    free_rows(&r);
}

void bench_batches(const char *dsn, const char *engine, bool quick, int rounds)
{
    keel_db *db;
    if (keel_open(&db, dsn, NULL) != KEEL_OK || keel_migrate(db, &batch_schema) != KEEL_OK)
        fail(dsn, db);
    if (rounds > 16)
        rounds = 16;
    size_t batch_n = 1000, copy_n = quick ? 2000 : 100000;
    int copy_rounds = rounds > 3 ? 3 : rounds;
    printf("\n-- %s: batches vs one call per item, in one transaction each, median items/s --\n", engine);
    printf("%-36s %12s %12s %7s %10s\n", "workload", "batch", "loop", "b/loop", "alloc/item");
    char label[64];
    snprintf(label, sizeof label, "InsertAuthors :batchexec x%zu", batch_n);
    compare(db, label, batch_n, SIDE_BATCH, rounds);
    snprintf(label, sizeof label, "CopyAuthors :copyfrom x%zu", copy_n);
    compare(db, label, copy_n, SIDE_COPY, copy_rounds);
    if (batch_delete_all_authors(db) != KEEL_OK)
        fail("DeleteAllAuthors", db);
    keel_close(db);
}
