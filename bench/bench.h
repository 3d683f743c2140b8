/*
 * bench.h — shared by the benchmark's files: the environment a run works
 * in (one engine, a keel database and a separate hand-written-side
 * database with the same schema and data) and the workloads.
 *
 * Every workload runs the SAME SQL on both sides: the hand-written side
 * takes its statement text from the generated query tables
 * (<repo>_query_by_name), so only the code around the SQL differs.
 */
#ifndef KEEL_BENCH_H
#define KEEL_BENCH_H

#include "diun.h"
#include "kv.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum bench_engine { ENGINE_SQLITE_FILE, ENGINE_SQLITE_MEMORY, ENGINE_POSTGRES } bench_engine;

/* Who runs a workload: keel's generated code, or hand-written engine code. */
typedef enum bench_side {
    SIDE_KEEL,
    SIDE_HAND_SQLITE,
    SIDE_HAND_PG_TEXT,   /* libpq, text parameters and results (bytea params binary) */
    SIDE_HAND_PG_BINARY, /* libpq, binary parameters and results where typed */
    SIDE_COUNT
} bench_side;

enum { KV_VALUE_SIZE = 100 };

typedef struct bench_env {
    bench_engine engine;
    bool quick;
    /* Each repository has its own databases (one keel_migrations each). */
    keel_db *db, *kv_db; /* keel's databases: diun, kv */
    sqlite3 *sq, *kv_sq; /* the hand-written side's SQLite databases */
    PGconn *pg, *kv_pg;  /* the hand-written side's PostgreSQL databases */

    /* Data, built before any timing. */
    int n_images;
    char **images;
    diun_upsert_event_params *events; /* one per image */
    int n_tags;
    int n_keys;
    char **keys;
    unsigned char kv_value[KV_VALUE_SIZE];

    /* The hand-written side's statements, prepared once. */
    void *hand; /* hand_sqlite_state or hand_pg_state */
    struct hand_arena_s {
        struct hand_chunk *head;
    } rows_arena; /* the hand-written side's :many results, reset per call as keel's arena is */
} bench_env;

/* A workload: calls of one generated function, timed in rounds. */
typedef struct bench_workload {
    const char *name;
    long ops_full;  /* calls per round; --quick divides */
    bool per_row;   /* report allocations per row as well */
    /* Runs `ops` calls on one side; returns rows seen, or -1 on failure. */
    long (*run)(bench_env *env, bench_side side, long ops);
    long unit; /* calls that belong together (one transaction); 0 means 1 */
} bench_workload;

extern const bench_workload bench_workloads[];
extern const int bench_workload_count;

/* The row the GetUpdates workloads hand to their consumer on every side. */
typedef diun_get_updates_row bench_update_row;
/* What every side does with a row: touches the fields an app would use. */
static inline int bench_consume_update(const bench_update_row *r, void *ctx)
{
    uint64_t *sum = ctx;
    *sum += (uint64_t)r->seen_count + (r->image ? (unsigned char)r->image[0] : 0) +
            (r->tag_name ? 1u : 0u) + (r->received_at ? (unsigned char)r->received_at[0] : 0);
    return 0;
}

/* A bump allocator for the hand-written side's :many results (big chunks,
 * all freed at once), the way a careful engineer would collect rows. */
typedef struct hand_arena_s hand_arena;
void *hand_arena_alloc(hand_arena *a, size_t n);
char *hand_arena_strndup(hand_arena *a, const char *s, size_t n);
void hand_arena_reset(hand_arena *a); /* keeps the newest chunk */
void hand_arena_free(hand_arena *a);

/* hand_sqlite.c / hand_pg.c */
int hand_sqlite_prepare(bench_env *env);
void hand_sqlite_finish(bench_env *env);
long hand_sqlite_run(bench_env *env, const char *workload, long ops);
int hand_pg_prepare(bench_env *env);
void hand_pg_finish(bench_env *env);
long hand_pg_run(bench_env *env, const char *workload, bool binary, long ops);

/* Which of n keys/images the i-th call of a workload uses: spread, not sequential. */
static inline int bench_pick(long i, int n) { return (int)(((uint64_t)i * 7919u) % (uint64_t)n); }

/* batch_bench.c: :batchexec and :copyfrom against one call per item, on a
 * fresh database behind dsn (the batch fixture's schema). */
void bench_batches(const char *dsn, const char *engine, bool quick, int rounds);

#endif /* KEEL_BENCH_H */
