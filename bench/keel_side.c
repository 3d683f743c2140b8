/*
 * keel_side.c — the workloads as an application runs them through keel's
 * generated code (diun and kv repositories), and the table of workloads.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

enum { UPSERTS_PER_TX = 5000 };

typedef struct upsert_batch {
    bench_env *env;
    long first, count;
} upsert_batch;

static int upsert_batch_fn(keel_db *tx, void *ctx)
{
    upsert_batch *b = ctx;
    for (long i = 0; i < b->count; i++) {
        int rc = diun_upsert_event(tx, &b->env->events[bench_pick(b->first + i, b->env->n_images)]);
        if (rc != KEEL_OK)
            return rc;
    }
    return KEEL_OK;
}

static long fail(bench_env *env, const char *what, int rc)
{
    fprintf(stderr, "keel_bench: %s: %s: %s | %s\n", what, keel_code_name(rc), keel_errmsg(env->db),
            keel_errmsg(env->kv_db));
    return -1;
}

static long upsert_tx(bench_env *env, long ops)
{
    for (long done = 0; done < ops; done += UPSERTS_PER_TX) {
        upsert_batch b = { env, done, ops - done < UPSERTS_PER_TX ? ops - done : UPSERTS_PER_TX };
        int rc = keel_update(env->db, upsert_batch_fn, &b);
        if (rc != KEEL_OK)
            return fail(env, "UpsertEvent in a transaction", rc);
    }
    return 0;
}

static long upsert_autocommit(bench_env *env, long ops)
{
    for (long i = 0; i < ops; i++) {
        int rc = diun_upsert_event(env->db, &env->events[bench_pick(i, env->n_images)]);
        if (rc != KEEL_OK)
            return fail(env, "UpsertEvent", rc);
    }
    return 0;
}

static long tag_exists(bench_env *env, long ops)
{
    long found = 0;
    for (long i = 0; i < ops; i++) {
        diun_tag_exists_row row;
        /* Ids 1..2n: half of them exist. */
        int rc = diun_tag_exists(env->db, 1 + bench_pick(i, 2 * env->n_tags), &row);
        if (rc != KEEL_OK)
            return fail(env, "TagExists", rc);
        found += row.tag_exists;
    }
    return found >= 0 ? 0 : -1;
}

static long get_updates_many(bench_env *env, long ops)
{
    long rows = 0;
    uint64_t sum = 0;
    keel_arena arena = KEEL_ARENA_INIT;
    for (long i = 0; i < ops; i++) {
        diun_get_updates_row *r;
        size_t n;
        int rc = diun_get_updates(env->db, &arena, &r, &n);
        if (rc != KEEL_OK)
            return fail(env, "GetUpdates", rc);
        for (size_t k = 0; k < n; k++)
            bench_consume_update(&r[k], &sum);
        rows += (long)n;
        keel_arena_reset(&arena);
    }
    keel_arena_free(&arena);
    return rows;
}

typedef struct each_ctx {
    uint64_t sum;
    long rows;
} each_ctx;

static int consume_each(const diun_get_updates_row *row, void *ctx)
{
    each_ctx *c = ctx;
    c->rows++;
    return bench_consume_update(row, &c->sum);
}

static long get_updates_each(bench_env *env, long ops)
{
    each_ctx c = { 0, 0 };
    for (long i = 0; i < ops; i++) {
        int rc = diun_get_updates_each(env->db, consume_each, &c);
        if (rc != KEEL_OK)
            return fail(env, "GetUpdates_each", rc);
    }
    return c.rows;
}

static long kv_put_run(bench_env *env, long ops)
{
    for (long i = 0; i < ops; i++) {
        kv_put_params p = { .ns = "bench", .key = env->keys[bench_pick(i, env->n_keys)],
                            .value = { env->kv_value, KV_VALUE_SIZE } };
        int rc = kv_put(env->kv_db, &p);
        if (rc != KEEL_OK)
            return fail(env, "kv Put", rc);
    }
    return 0;
}

static long kv_get_run(bench_env *env, long ops)
{
    keel_arena arena = KEEL_ARENA_INIT;
    size_t bytes = 0;
    for (long i = 0; i < ops; i++) {
        kv_get_params p = { .ns = "bench", .key = env->keys[bench_pick(i, env->n_keys)] };
        kv_get_row row;
        int rc = kv_get(env->kv_db, &p, &arena, &row);
        if (rc != KEEL_OK)
            return fail(env, "kv Get", rc);
        bytes += row.value.len;
        keel_arena_reset(&arena);
    }
    keel_arena_free(&arena);
    return bytes > 0 ? 0 : -1;
}

static long kv_scan_many(bench_env *env, long ops)
{
    keel_arena arena = KEEL_ARENA_INIT;
    long rows = 0;
    size_t bytes = 0;
    for (long i = 0; i < ops; i++) {
        kv_scan_from_params p = { .ns = "bench", .start = "" };
        kv_scan_from_row *r;
        size_t n;
        int rc = kv_scan_from(env->kv_db, &p, &arena, &r, &n);
        if (rc != KEEL_OK)
            return fail(env, "kv ScanFrom", rc);
        for (size_t k = 0; k < n; k++)
            bytes += r[k].value.len + (unsigned char)r[k].key[0];
        rows += (long)n;
        keel_arena_reset(&arena);
    }
    keel_arena_free(&arena);
    return bytes > 0 || rows == 0 ? rows : -1;
}

static int consume_kv(const kv_scan_from_row *row, void *ctx)
{
    each_ctx *c = ctx;
    c->rows++;
    c->sum += row->value.len + (unsigned char)row->key[0];
    return 0;
}

static long kv_scan_each(bench_env *env, long ops)
{
    each_ctx c = { 0, 0 };
    for (long i = 0; i < ops; i++) {
        kv_scan_from_params p = { .ns = "bench", .start = "" };
        int rc = kv_scan_from_each(env->kv_db, &p, consume_kv, &c);
        if (rc != KEEL_OK)
            return fail(env, "kv ScanFrom_each", rc);
    }
    return c.rows;
}

typedef long (*keel_run_fn)(bench_env *, long);

static long dispatch(bench_env *env, bench_side side, long ops, const char *key, keel_run_fn keel)
{
    switch (side) {
    case SIDE_KEEL:
        return keel(env, ops);
    case SIDE_HAND_SQLITE:
        return hand_sqlite_run(env, key, ops);
    case SIDE_HAND_PG_TEXT:
        return hand_pg_run(env, key, false, ops);
    case SIDE_HAND_PG_BINARY:
        return hand_pg_run(env, key, true, ops);
    default:
        return -1;
    }
}

#define WORKLOAD(fn, key)                                                                                    \
    static long run_##fn(bench_env *env, bench_side side, long ops) { return dispatch(env, side, ops, key, fn); }
WORKLOAD(upsert_tx, "upsert_tx")
WORKLOAD(upsert_autocommit, "upsert_autocommit")
WORKLOAD(tag_exists, "tag_exists")
WORKLOAD(get_updates_many, "get_updates_many")
WORKLOAD(get_updates_each, "get_updates_each")
WORKLOAD(kv_put_run, "kv_put")
WORKLOAD(kv_get_run, "kv_get")
WORKLOAD(kv_scan_many, "kv_scan_many")
WORKLOAD(kv_scan_each, "kv_scan_each")

const bench_workload bench_workloads[] = {
    { "diun UpsertEvent, 5000 per tx", 20000, false, run_upsert_tx, UPSERTS_PER_TX },
    { "diun UpsertEvent, autocommit", 2000, false, run_upsert_autocommit, 0 },
    { "diun TagExists (point read)", 40000, false, run_tag_exists, 0 },
    { "diun GetUpdates :many (all rows)", 20, true, run_get_updates_many, 0 },
    { "diun GetUpdates _each (all rows)", 20, true, run_get_updates_each, 0 },
    { "kv Put (:exec, blob)", 10000, false, run_kv_put_run, 0 },
    { "kv Get (:one, blob)", 40000, false, run_kv_get_run, 0 },
    { "kv ScanFrom :many (all keys)", 40, true, run_kv_scan_many, 0 },
    { "kv ScanFrom _each (all keys)", 40, true, run_kv_scan_each, 0 },
};
const int bench_workload_count = (int)(sizeof bench_workloads / sizeof bench_workloads[0]);
