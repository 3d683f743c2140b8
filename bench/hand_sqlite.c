/*
 * hand_sqlite.c — the workloads written by hand against sqlite3, the way a
 * careful engineer would: statements prepared once (persistent), text bound
 * SQLITE_STATIC, reset after each use, rows copied into a bump arena for
 * :many and passed borrowed for _each. The SQL is the generated SQL.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct hand_sqlite_state {
    sqlite3_stmt *upsert, *tag_exists, *get_updates, *kv_put, *kv_get, *kv_scan;
} hand_sqlite_state;

static int prepare(sqlite3 *db, const keel_query *q, sqlite3_stmt **out)
{
    if (q == NULL || sqlite3_prepare_v3(db, q->sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK) {
        fprintf(stderr, "keel_bench: hand sqlite prepare: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

int hand_sqlite_prepare(bench_env *env)
{
    hand_sqlite_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    env->hand = s;
    keel_dialect d = KEEL_DIALECT_SQLITE;
    if (prepare(env->sq, diun_query_by_name(d, "UpsertEvent"), &s->upsert) ||
        prepare(env->sq, diun_query_by_name(d, "TagExists"), &s->tag_exists) ||
        prepare(env->sq, diun_query_by_name(d, "GetUpdates"), &s->get_updates) ||
        prepare(env->kv_sq, kv_query_by_name(d, "Put"), &s->kv_put) || prepare(env->kv_sq, kv_query_by_name(d, "Get"), &s->kv_get) ||
        prepare(env->kv_sq, kv_query_by_name(d, "ScanFrom"), &s->kv_scan))
        return -1;
    return 0;
}

void hand_sqlite_finish(bench_env *env)
{
    hand_sqlite_state *s = env->hand;
    if (s == NULL)
        return;
    sqlite3_stmt *all[] = { s->upsert, s->tag_exists, s->get_updates, s->kv_put, s->kv_get, s->kv_scan };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    free(s);
    env->hand = NULL;
}

static long fail(bench_env *env, const char *what)
{
    fprintf(stderr, "keel_bench: hand sqlite %s: %s\n", what, sqlite3_errmsg(env->sq));
    return -1;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v == NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static int upsert_one(bench_env *env, const diun_upsert_event_params *p)
{
    sqlite3_stmt *st = ((hand_sqlite_state *)env->hand)->upsert;
    const char *v[14] = { p->image,    p->diun_version, p->hostname, p->status,   p->provider,
                          p->hub_link, p->mime_type,    p->digest,   p->created,  p->platform,
                          p->ctn_name, p->ctn_id,       p->ctn_state, p->ctn_status };
    for (int i = 0; i < 14; i++)
        bind_text(st, i + 1, v[i]);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static long upsert_tx(bench_env *env, long ops)
{
    for (long done = 0; done < ops; done += 5000) {
        if (sqlite3_exec(env->sq, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            return fail(env, "BEGIN");
        for (long i = done; i < ops && i < done + 5000; i++)
            if (upsert_one(env, &env->events[bench_pick(i, env->n_images)]) != 0) {
                sqlite3_exec(env->sq, "ROLLBACK", NULL, NULL, NULL);
                return fail(env, "UpsertEvent");
            }
        if (sqlite3_exec(env->sq, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            return fail(env, "COMMIT");
    }
    return 0;
}

static long upsert_autocommit(bench_env *env, long ops)
{
    for (long i = 0; i < ops; i++)
        if (upsert_one(env, &env->events[bench_pick(i, env->n_images)]) != 0)
            return fail(env, "UpsertEvent");
    return 0;
}

static long tag_exists(bench_env *env, long ops)
{
    sqlite3_stmt *st = ((hand_sqlite_state *)env->hand)->tag_exists;
    long found = 0;
    for (long i = 0; i < ops; i++) {
        sqlite3_bind_int64(st, 1, 1 + bench_pick(i, 2 * env->n_tags));
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            return fail(env, "TagExists");
        }
        found += sqlite3_column_int(st, 0) != 0;
        sqlite3_reset(st);
    }
    return found >= 0 ? 0 : -1;
}

static const char *text_or_null(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(st, col);
}

/* The row as borrowed pointers into the statement (the _each form). */
static void read_update(sqlite3_stmt *st, bench_update_row *r)
{
    const char **texts[16] = { &r->image,    &r->diun_version, &r->hostname, &r->status,    &r->provider,
                               &r->hub_link, &r->mime_type,    &r->digest,   &r->created,   &r->platform,
                               &r->ctn_name, &r->ctn_id,       &r->ctn_state, &r->ctn_status, &r->received_at,
                               &r->acknowledged_at };
    for (int c = 0; c < 16; c++)
        *texts[c] = text_or_null(st, c);
    r->seen_count = sqlite3_column_int64(st, 16);
    r->tag_id.valid = sqlite3_column_type(st, 17) != SQLITE_NULL;
    r->tag_id.value = r->tag_id.valid ? sqlite3_column_int64(st, 17) : 0;
    r->tag_name = text_or_null(st, 18);
}

static const char *copy_text(hand_arena *a, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    const char *s = (const char *)sqlite3_column_text(st, col);
    return hand_arena_strndup(a, s, (size_t)sqlite3_column_bytes(st, col));
}

static long get_updates_many(bench_env *env, long ops)
{
    sqlite3_stmt *st = ((hand_sqlite_state *)env->hand)->get_updates;
    long rows = 0;
    uint64_t sum = 0;
    for (long i = 0; i < ops; i++) {
        hand_arena *a = &env->rows_arena;
        bench_update_row *out = NULL;
        size_t n = 0, cap = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (n == cap) {
                size_t grown = cap ? cap * 2 : 16;
                bench_update_row *bigger = hand_arena_alloc(a, grown * sizeof *out);
                if (n)
                    memcpy(bigger, out, n * sizeof *out);
                out = bigger;
                cap = grown;
            }
            bench_update_row *r = &out[n++];
            const char **texts[16] = { &r->image,    &r->diun_version, &r->hostname, &r->status,    &r->provider,
                                       &r->hub_link, &r->mime_type,    &r->digest,   &r->created,   &r->platform,
                                       &r->ctn_name, &r->ctn_id,       &r->ctn_state, &r->ctn_status,
                                       &r->received_at, &r->acknowledged_at };
            for (int c = 0; c < 16; c++)
                *texts[c] = copy_text(a, st, c);
            r->seen_count = sqlite3_column_int64(st, 16);
            r->tag_id.valid = sqlite3_column_type(st, 17) != SQLITE_NULL;
            r->tag_id.value = r->tag_id.valid ? sqlite3_column_int64(st, 17) : 0;
            r->tag_name = copy_text(a, st, 18);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return fail(env, "GetUpdates");
        for (size_t k = 0; k < n; k++)
            bench_consume_update(&out[k], &sum);
        rows += (long)n;
        hand_arena_reset(a);
    }
    return rows;
}

static long get_updates_each(bench_env *env, long ops)
{
    sqlite3_stmt *st = ((hand_sqlite_state *)env->hand)->get_updates;
    long rows = 0;
    uint64_t sum = 0;
    for (long i = 0; i < ops; i++) {
        int rc;
        bench_update_row r;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            read_update(st, &r);
            bench_consume_update(&r, &sum);
            rows++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return fail(env, "GetUpdates");
    }
    return rows;
}

static long hand_kv_put(bench_env *env, long ops)
{
    sqlite3_stmt *st = ((hand_sqlite_state *)env->hand)->kv_put;
    for (long i = 0; i < ops; i++) {
        sqlite3_bind_text(st, 1, "bench", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, env->keys[bench_pick(i, env->n_keys)], -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, env->kv_value, KV_VALUE_SIZE, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return fail(env, "kv Put");
    }
    return 0;
}

static long hand_kv_get(bench_env *env, long ops)
{
    sqlite3_stmt *st = ((hand_sqlite_state *)env->hand)->kv_get;
    unsigned char buf[KV_VALUE_SIZE * 2];
    size_t bytes = 0;
    for (long i = 0; i < ops; i++) {
        sqlite3_bind_text(st, 1, "bench", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, env->keys[bench_pick(i, env->n_keys)], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            return fail(env, "kv Get");
        }
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        memcpy(buf, sqlite3_column_blob(st, 0), n < sizeof buf ? n : sizeof buf);
        bytes += n + buf[0];
        sqlite3_reset(st);
    }
    return bytes > 0 ? 0 : -1;
}

static long kv_scan(bench_env *env, long ops, bool collect)
{
    sqlite3_stmt *st = ((hand_sqlite_state *)env->hand)->kv_scan;
    long rows = 0;
    size_t bytes = 0;
    for (long i = 0; i < ops; i++) {
        hand_arena *a = &env->rows_arena;
        sqlite3_bind_text(st, 1, "bench", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, "", -1, SQLITE_STATIC);
        kv_scan_from_row *out = NULL;
        size_t n = 0, cap = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *key = (const char *)sqlite3_column_text(st, 0);
            size_t key_len = (size_t)sqlite3_column_bytes(st, 0);
            const void *value = sqlite3_column_blob(st, 1);
            size_t len = (size_t)sqlite3_column_bytes(st, 1);
            if (!collect) {
                bytes += len + (unsigned char)key[0];
                rows++;
                continue;
            }
            if (n == cap) {
                size_t grown = cap ? cap * 2 : 16;
                kv_scan_from_row *bigger = hand_arena_alloc(a, grown * sizeof *out);
                if (n)
                    memcpy(bigger, out, n * sizeof *out);
                out = bigger;
                cap = grown;
            }
            out[n].key = hand_arena_strndup(a, key, key_len);
            void *copy = hand_arena_alloc(a, len);
            memcpy(copy, value, len);
            out[n].value = (keel_blob){ copy, len };
            n++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return fail(env, "kv ScanFrom");
        for (size_t k = 0; k < n; k++)
            bytes += out[k].value.len + (unsigned char)out[k].key[0];
        rows += (long)n;
        hand_arena_reset(a);
    }
    return bytes > 0 || rows == 0 ? rows : -1;
}

long hand_sqlite_run(bench_env *env, const char *w, long ops)
{
    if (strcmp(w, "upsert_tx") == 0)
        return upsert_tx(env, ops);
    if (strcmp(w, "upsert_autocommit") == 0)
        return upsert_autocommit(env, ops);
    if (strcmp(w, "tag_exists") == 0)
        return tag_exists(env, ops);
    if (strcmp(w, "get_updates_many") == 0)
        return get_updates_many(env, ops);
    if (strcmp(w, "get_updates_each") == 0)
        return get_updates_each(env, ops);
    if (strcmp(w, "kv_put") == 0)
        return hand_kv_put(env, ops);
    if (strcmp(w, "kv_get") == 0)
        return hand_kv_get(env, ops);
    if (strcmp(w, "kv_scan_many") == 0)
        return kv_scan(env, ops, true);
    if (strcmp(w, "kv_scan_each") == 0)
        return kv_scan(env, ops, false);
    return -1;
}
