/*
 * hand_pg.c — the workloads written by hand against libpq, in two styles:
 *   text:   PQexecPrepared with text parameters and results (bytea
 *           parameters binary, as libpq's docs advise), snprintf/strtoll
 *           for numbers, PQunescapeBytea for bytea results;
 *   binary: binary parameters and results: int8/int4/bool in network byte
 *           order, bytea raw; text columns read as they come.
 * _each streams with single-row mode in both styles (bounded memory, what
 * keel's _each promises). Statements are prepared once; the SQL is the
 * generated SQL.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "h_upsert", "h_tag_exists", "h_get_updates", "h_kv_put", "h_kv_get", "h_kv_scan" };

static long fail(bench_env *env, const char *what, const PGresult *res)
{
    fprintf(stderr, "keel_bench: hand pg %s: %s", what, res ? PQresultErrorMessage(res) : PQerrorMessage(env->pg));
    return -1;
}

static int prepare(bench_env *env, PGconn *pg, const char *name, const keel_query *q)
{
    if (q == NULL)
        return -1;
    PGresult *res = PQprepare(pg, name, q->sql, q->n_params, NULL);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fail(env, "prepare", res);
    PQclear(res);
    return ok ? 0 : -1;
}

int hand_pg_prepare(bench_env *env)
{
    keel_dialect d = KEEL_DIALECT_POSTGRES;
    if (prepare(env, env->pg, names[0], diun_query_by_name(d, "UpsertEvent")) ||
        prepare(env, env->pg, names[1], diun_query_by_name(d, "TagExists")) ||
        prepare(env, env->pg, names[2], diun_query_by_name(d, "GetUpdates")) ||
        prepare(env, env->kv_pg, names[3], kv_query_by_name(d, "Put")) || prepare(env, env->kv_pg, names[4], kv_query_by_name(d, "Get")) ||
        prepare(env, env->kv_pg, names[5], kv_query_by_name(d, "ScanFrom")))
        return -1;
    return 0;
}

void hand_pg_finish(bench_env *env) { (void)env; }

static int exec_command(bench_env *env, const char *sql)
{
    PGresult *res = PQexec(env->pg, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fail(env, sql, res);
    PQclear(res);
    return ok ? 0 : -1;
}

static int upsert_one(bench_env *env, const diun_upsert_event_params *p, bool binary)
{
    const char *v[14] = { p->image,    p->diun_version, p->hostname, p->status,   p->provider,
                          p->hub_link, p->mime_type,    p->digest,   p->created,  p->platform,
                          p->ctn_name, p->ctn_id,       p->ctn_state, p->ctn_status };
    /* Text parameters are the same bytes in either format. */
    PGresult *res = PQexecPrepared(env->pg, names[0], 14, v, NULL, NULL, binary ? 1 : 0);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fail(env, "UpsertEvent", res);
    PQclear(res);
    return ok ? 0 : -1;
}

static long upsert(bench_env *env, long ops, bool binary, bool in_tx)
{
    for (long done = 0; done < ops; done += 5000) {
        if (in_tx && exec_command(env, "BEGIN") != 0)
            return -1;
        for (long i = done; i < ops && i < done + 5000; i++)
            if (upsert_one(env, &env->events[bench_pick(i, env->n_images)], binary) != 0) {
                if (in_tx)
                    exec_command(env, "ROLLBACK");
                return -1;
            }
        if (in_tx && exec_command(env, "COMMIT") != 0)
            return -1;
    }
    return 0;
}

static int64_t be64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return (int64_t)be64toh(v);
}

static int32_t be32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return (int32_t)ntohl(v);
}

static long tag_exists(bench_env *env, long ops, bool binary)
{
    long found = 0;
    for (long i = 0; i < ops; i++) {
        int64_t id = 1 + bench_pick(i, 2 * env->n_tags);
        PGresult *res;
        if (binary) {
            uint64_t be = htobe64((uint64_t)id);
            const char *v[1] = { (const char *)&be };
            int len[1] = { 8 }, fmt[1] = { 1 };
            res = PQexecPrepared(env->pg, names[1], 1, v, len, fmt, 1);
        } else {
            char num[24];
            snprintf(num, sizeof num, "%" PRId64, id);
            const char *v[1] = { num };
            res = PQexecPrepared(env->pg, names[1], 1, v, NULL, NULL, 0);
        }
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
            fail(env, "TagExists", res);
            PQclear(res);
            return -1;
        }
        const char *cell = PQgetvalue(res, 0, 0);
        found += binary ? cell[0] != 0 : cell[0] == 't';
        PQclear(res);
    }
    return found >= 0 ? 0 : -1;
}

static const char *cell_or_null(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* One GetUpdates row, borrowed from res. Binary timestamps stay as the
 * server's 8 bytes (the text column pointer is all the consumer reads). */
static void read_update(const PGresult *res, int row, bool binary, bench_update_row *r)
{
    const char **texts[16] = { &r->image,    &r->diun_version, &r->hostname, &r->status,    &r->provider,
                               &r->hub_link, &r->mime_type,    &r->digest,   &r->created,   &r->platform,
                               &r->ctn_name, &r->ctn_id,       &r->ctn_state, &r->ctn_status, &r->received_at,
                               &r->acknowledged_at };
    for (int c = 0; c < 16; c++)
        *texts[c] = cell_or_null(res, row, c);
    const char *seen = PQgetvalue(res, row, 16);
    r->seen_count = binary ? be32(seen) : strtoll(seen, NULL, 10);
    r->tag_id.valid = !PQgetisnull(res, row, 17);
    r->tag_id.value = !r->tag_id.valid ? 0 : binary ? be64(PQgetvalue(res, row, 17)) : strtoll(PQgetvalue(res, row, 17), NULL, 10);
    r->tag_name = cell_or_null(res, row, 18);
}

static const char *copy_cell(hand_arena *a, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    return hand_arena_strndup(a, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
}

static long get_updates_many(bench_env *env, long ops, bool binary)
{
    long rows = 0;
    uint64_t sum = 0;
    for (long i = 0; i < ops; i++) {
        PGresult *res = PQexecPrepared(env->pg, names[2], 0, NULL, NULL, NULL, binary ? 1 : 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            fail(env, "GetUpdates", res);
            PQclear(res);
            return -1;
        }
        int n = PQntuples(res);
        hand_arena *a = &env->rows_arena;
        bench_update_row *out = hand_arena_alloc(a, (size_t)(n ? n : 1) * sizeof *out);
        for (int k = 0; k < n; k++) {
            bench_update_row *r = &out[k];
            const char *seen = PQgetvalue(res, k, 16);
            r->seen_count = binary ? be32(seen) : strtoll(seen, NULL, 10);
            r->tag_id.valid = !PQgetisnull(res, k, 17);
            r->tag_id.value = !r->tag_id.valid ? 0
                              : binary       ? be64(PQgetvalue(res, k, 17))
                                             : strtoll(PQgetvalue(res, k, 17), NULL, 10);
            const char **texts[17] = { &r->image,    &r->diun_version, &r->hostname, &r->status,    &r->provider,
                                       &r->hub_link, &r->mime_type,    &r->digest,   &r->created,   &r->platform,
                                       &r->ctn_name, &r->ctn_id,       &r->ctn_state, &r->ctn_status,
                                       &r->received_at, &r->acknowledged_at, &r->tag_name };
            for (int c = 0; c < 17; c++)
                *texts[c] = copy_cell(a, res, k, c < 16 ? c : 18);
        }
        PQclear(res);
        for (int k = 0; k < n; k++)
            bench_consume_update(&out[k], &sum);
        rows += n;
        hand_arena_reset(a);
    }
    return rows;
}

/* Runs a prepared statement in single-row mode, handing each row's result
 * to fn; returns the rows seen or -1. */
static long stream(bench_env *env, PGconn *pg, const char *name, int n, const char *const *values, const int *lengths,
                   const int *formats, bool binary, void (*fn)(const PGresult *, bool, void *), void *ctx)
{
    if (!PQsendQueryPrepared(pg, name, n, values, lengths, formats, binary ? 1 : 0) || !PQsetSingleRowMode(pg))
        return fail(env, name, NULL);
    long rows = 0;
    bool failed = false;
    PGresult *res;
    while ((res = PQgetResult(pg)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE) {
            fn(res, binary, ctx);
            rows++;
        } else if (st != PGRES_TUPLES_OK) {
            fail(env, name, res);
            failed = true;
        }
        PQclear(res);
    }
    return failed ? -1 : rows;
}

static void consume_update(const PGresult *res, bool binary, void *ctx)
{
    bench_update_row r;
    read_update(res, 0, binary, &r);
    bench_consume_update(&r, ctx);
}

static long get_updates_each(bench_env *env, long ops, bool binary)
{
    long rows = 0;
    uint64_t sum = 0;
    for (long i = 0; i < ops; i++) {
        long n = stream(env, env->pg, names[2], 0, NULL, NULL, NULL, binary, consume_update, &sum);
        if (n < 0)
            return -1;
        rows += n;
    }
    return rows;
}

static long hand_kv_put(bench_env *env, long ops, bool binary)
{
    for (long i = 0; i < ops; i++) {
        const char *v[3] = { "bench", env->keys[bench_pick(i, env->n_keys)], (const char *)env->kv_value };
        int len[3] = { 0, 0, KV_VALUE_SIZE }, fmt[3] = { 0, 0, 1 };
        PGresult *res = PQexecPrepared(env->kv_pg, names[3], 3, v, len, fmt, binary ? 1 : 0);
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            fail(env, "kv Put", res);
        PQclear(res);
        if (!ok)
            return -1;
    }
    return 0;
}

static long hand_kv_get(bench_env *env, long ops, bool binary)
{
    unsigned char buf[KV_VALUE_SIZE * 2];
    size_t bytes = 0;
    for (long i = 0; i < ops; i++) {
        const char *v[2] = { "bench", env->keys[bench_pick(i, env->n_keys)] };
        PGresult *res = PQexecPrepared(env->kv_pg, names[4], 2, v, NULL, NULL, binary ? 1 : 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
            fail(env, "kv Get", res);
            PQclear(res);
            return -1;
        }
        size_t n;
        if (binary) {
            n = (size_t)PQgetlength(res, 0, 0);
            memcpy(buf, PQgetvalue(res, 0, 0), n < sizeof buf ? n : sizeof buf);
        } else {
            unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0), &n);
            memcpy(buf, raw, n < sizeof buf ? n : sizeof buf);
            PQfreemem(raw);
        }
        bytes += n + buf[0];
        PQclear(res);
    }
    return bytes > 0 ? 0 : -1;
}

static long kv_scan_many(bench_env *env, long ops, bool binary)
{
    long rows = 0;
    size_t bytes = 0;
    for (long i = 0; i < ops; i++) {
        const char *v[2] = { "bench", "" };
        PGresult *res = PQexecPrepared(env->kv_pg, names[5], 2, v, NULL, NULL, binary ? 1 : 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            fail(env, "kv ScanFrom", res);
            PQclear(res);
            return -1;
        }
        int n = PQntuples(res);
        hand_arena *a = &env->rows_arena;
        kv_scan_from_row *out = hand_arena_alloc(a, (size_t)(n ? n : 1) * sizeof *out);
        for (int k = 0; k < n; k++) {
            out[k].key = copy_cell(a, res, k, 0);
            size_t len;
            if (binary) {
                len = (size_t)PQgetlength(res, k, 1);
                void *copy = hand_arena_alloc(a, len);
                memcpy(copy, PQgetvalue(res, k, 1), len);
                out[k].value = (keel_blob){ copy, len };
            } else {
                unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, k, 1), &len);
                void *copy = hand_arena_alloc(a, len);
                memcpy(copy, raw, len);
                PQfreemem(raw);
                out[k].value = (keel_blob){ copy, len };
            }
        }
        PQclear(res);
        for (int k = 0; k < n; k++)
            bytes += out[k].value.len + (unsigned char)out[k].key[0];
        rows += n;
        hand_arena_reset(a);
    }
    return bytes > 0 || rows == 0 ? rows : -1;
}

static void consume_kv(const PGresult *res, bool binary, void *ctx)
{
    size_t *bytes = ctx;
    size_t len;
    if (binary) {
        len = (size_t)PQgetlength(res, 0, 1);
    } else {
        unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 1), &len);
        PQfreemem(raw);
    }
    *bytes += len + (unsigned char)PQgetvalue(res, 0, 0)[0];
}

static long kv_scan_each(bench_env *env, long ops, bool binary)
{
    long rows = 0;
    size_t bytes = 0;
    for (long i = 0; i < ops; i++) {
        const char *v[2] = { "bench", "" };
        long n = stream(env, env->kv_pg, names[5], 2, v, NULL, NULL, binary, consume_kv, &bytes);
        if (n < 0)
            return -1;
        rows += n;
    }
    return rows;
}

long hand_pg_run(bench_env *env, const char *w, bool binary, long ops)
{
    if (strcmp(w, "upsert_tx") == 0)
        return upsert(env, ops, binary, true);
    if (strcmp(w, "upsert_autocommit") == 0)
        return upsert(env, ops, binary, false);
    if (strcmp(w, "tag_exists") == 0)
        return tag_exists(env, ops, binary);
    if (strcmp(w, "get_updates_many") == 0)
        return get_updates_many(env, ops, binary);
    if (strcmp(w, "get_updates_each") == 0)
        return get_updates_each(env, ops, binary);
    if (strcmp(w, "kv_put") == 0)
        return hand_kv_put(env, ops, binary);
    if (strcmp(w, "kv_get") == 0)
        return hand_kv_get(env, ops, binary);
    if (strcmp(w, "kv_scan_many") == 0)
        return kv_scan_many(env, ops, binary);
    if (strcmp(w, "kv_scan_each") == 0)
        return kv_scan_each(env, ops, binary);
    return -1;
}
