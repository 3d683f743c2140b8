/*
 * keel_bench.c — keel's generated code against hand-written sqlite3/libpq
 * code running the same SQL, in alternating rounds in one process.
 *
 *   keel_bench [--quick] [--rounds N] [--engines LIST] [--pg DSN | --pg-dsn-file FILE]
 *              [--only WORKLOAD-SUBSTRING] [--no-peak] [--tmpdir DIR]
 *
 * LIST is a comma-separated subset of sqlite-file,sqlite-memory,postgres
 * (default: the SQLite ones, plus postgres when a DSN is given; the DSN may
 * also come from KEEL_BENCH_PG_DSN). Each engine gets two databases with
 * the same schema and data, one per side. Per workload it prints the
 * median ops/s of each side over the rounds, the ratio keel/hand, and
 * keel's own heap allocations per call and per row (counted by the
 * keel_alloc_count wrappers: libkeel and the generated code only, not the
 * engines' libraries). Then it streams a large result through _each and
 * prints the process's peak heap growth.
 */
#include "bench.h"
#include "keel_alloc_count.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct options {
    bool quick;
    int rounds;
    bool engines[3];
    bool engines_given;
    const char *pg_dsn;
    const char *tmpdir;
    const char *only; /* run the workloads whose name contains this */
    bool no_peak;
} options;

static const char *const engine_names[] = { "sqlite-file", "sqlite-memory", "postgres" };

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "keel_bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- hand arena */
struct hand_chunk {
    struct hand_chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

void *hand_arena_alloc(hand_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct hand_chunk *c = a->head;
    if (c == NULL || c->size - c->used < n) {
        /* Chunks double up to 1 MiB, as keel's arena does. */
        size_t size = c == NULL ? 8192 : c->size >= 524288 ? 1048576 : c->size * 2;
        if (size < n)
            size = n;
        c = malloc(sizeof *c + size);
        if (c == NULL)
            die("out of memory");
        c->next = a->head;
        c->used = 0;
        c->size = size;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

char *hand_arena_strndup(hand_arena *a, const char *s, size_t n)
{
    char *copy = hand_arena_alloc(a, n + 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

void hand_arena_reset(hand_arena *a)
{
    if (a->head == NULL)
        return;
    struct hand_chunk *keep = a->head;
    a->head = keep->next;
    hand_arena_free(a);
    keep->next = NULL;
    keep->used = 0;
    a->head = keep;
}

void hand_arena_free(hand_arena *a)
{
    while (a->head != NULL) {
        struct hand_chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ---------------------------------------------------------------- data */
static void build_data(bench_env *env)
{
    env->n_images = env->quick ? 2000 : 20000;
    env->n_tags = 20;
    env->n_keys = env->quick ? 1000 : 5000;
    env->images = calloc((size_t)env->n_images, sizeof *env->images);
    env->events = calloc((size_t)env->n_images, sizeof *env->events);
    env->keys = calloc((size_t)env->n_keys, sizeof *env->keys);
    if (!env->images || !env->events || !env->keys)
        die("out of memory");
    for (int i = 0; i < env->n_images; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "docker.io/library/app-%05d:latest", i);
        env->images[i] = strdup(buf);
        env->events[i] = (diun_upsert_event_params){
            .image = env->images[i],
            .diun_version = "4.28.0",
            .hostname = "myserver",
            .status = i % 3 ? "update" : "new",
            .provider = "docker",
            .hub_link = "https://hub.docker.com/r/library/app",
            .mime_type = "application/vnd.docker.distribution.manifest.list.v2+json",
            .digest = "sha256:216e3ae7de4ca8b553eb11ef7abda00651e79e537e85c46108284e5e91673e01",
            .created = "2020-03-26T12:23:56Z",
            .platform = "linux/amd64",
            .ctn_name = i % 2 ? "app" : NULL,
            .ctn_id = i % 2 ? "0123456789" : NULL,
            .ctn_state = i % 2 ? "running" : NULL,
            .ctn_status = i % 2 ? "Up 3 hours" : NULL,
        };
    }
    for (int i = 0; i < env->n_keys; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "key-%06d", i);
        env->keys[i] = strdup(buf);
    }
    for (int i = 0; i < KV_VALUE_SIZE; i++)
        env->kv_value[i] = (unsigned char)(i * 37 + 11);
}

static void free_data(bench_env *env)
{
    for (int i = 0; i < env->n_images; i++)
        free(env->images[i]);
    for (int i = 0; i < env->n_keys; i++)
        free(env->keys[i]);
    free(env->images);
    free(env->events);
    free(env->keys);
}

static int seed_diun(keel_db *tx, void *ctx)
{
    bench_env *env = ctx;
    int rc = KEEL_OK;
    for (int i = 0; rc == KEEL_OK && i < env->n_images; i++)
        rc = diun_upsert_event(tx, &env->events[i]);
    keel_arena arena = KEEL_ARENA_INIT;
    for (int t = 0; rc == KEEL_OK && t < env->n_tags; t++) {
        char name[32];
        snprintf(name, sizeof name, "tag-%02d", t);
        diun_create_tag_row row;
        rc = diun_create_tag(tx, name, &arena, &row);
    }
    keel_arena_free(&arena);
    for (int i = 0; rc == KEEL_OK && i < env->n_images; i += 3) {
        diun_assign_tag_params p = { env->images[i], 1 + i % env->n_tags };
        rc = diun_assign_tag(tx, &p);
    }
    return rc;
}

static int seed_kv(keel_db *tx, void *ctx)
{
    bench_env *env = ctx;
    int rc = KEEL_OK;
    for (int i = 0; rc == KEEL_OK && i < env->n_keys; i++) {
        kv_put_params p = { "bench", env->keys[i], { env->kv_value, KV_VALUE_SIZE } };
        rc = kv_put(tx, &p);
    }
    return rc;
}

/* Migrates and fills the database behind dsn through keel; returns the
 * handle when keep, else closes it. */
static keel_db *open_seeded(bench_env *env, const char *dsn, bool kv, bool keep)
{
    keel_db *db;
    int rc = keel_open(&db, dsn, NULL);
    if (rc != KEEL_OK)
        die("keel_open(%s): %s", dsn, keel_errmsg(db));
    if ((rc = keel_migrate(db, kv ? &kv_schema : &diun_schema)) != KEEL_OK)
        die("migrate %s: %s", dsn, keel_errmsg(db));
    if ((rc = keel_update(db, kv ? seed_kv : seed_diun, env)) != KEEL_OK)
        die("seed %s: %s", dsn, keel_errmsg(db));
    if (!keep) {
        keel_close(db);
        return NULL;
    }
    return db;
}

/* ---------------------------------------------------------------- databases */
enum { PG_SLOTS = 6 };
static char pg_names[PG_SLOTS][64];
static PGconn *pg_admin;

static void dsn_with_dbname(const char *dsn, const char *dbname, char *out, size_t size)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(dsn, &err);
    if (opts == NULL)
        die("cannot parse the PostgreSQL DSN: %s", err ? err : "out of memory");
    size_t len = 0;
    out[0] = '\0';
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        const char *value = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
        if (value == NULL)
            continue;
        len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s='", len ? " " : "", o->keyword);
        for (const char *p = value; *p && len + 2 < size; p++) {
            if (*p == '\'' || *p == '\\')
                out[len++] = '\\';
            out[len++] = *p;
        }
        len += (size_t)snprintf(out + len, len < size ? size - len : 0, "'");
    }
    PQconninfoFree(opts);
    if (len >= size)
        die("DSN too long");
}

static void pg_admin_exec(const char *sql)
{
    PGresult *res = PQexec(pg_admin, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        die("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

/* A fresh PostgreSQL database for one purpose ("k", "h", "p"); its DSN in out. */
static void pg_fresh_db(const options *o, int slot, const char *purpose, char *out, size_t size)
{
    if (pg_admin == NULL) {
        pg_admin = PQconnectdb(o->pg_dsn);
        if (PQstatus(pg_admin) != CONNECTION_OK)
            die("cannot connect to PostgreSQL: %s", PQerrorMessage(pg_admin));
        PQclear(PQexec(pg_admin, "SET client_min_messages TO warning"));
    }
    snprintf(pg_names[slot], sizeof pg_names[slot], "keel_bench_%s_%ld", purpose, (long)getpid());
    char sql[512];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", pg_names[slot]);
    pg_admin_exec(sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", pg_names[slot]);
    pg_admin_exec(sql);
    dsn_with_dbname(o->pg_dsn, pg_names[slot], out, size);
}

static void pg_drop_dbs(void)
{
    for (int i = 0; i < PG_SLOTS; i++) {
        if (pg_names[i][0] == '\0')
            continue;
        char sql[512];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_names[i]);
        pg_admin_exec(sql);
        pg_names[i][0] = '\0';
    }
}

static void remove_sqlite(const char *path)
{
    const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
    for (int i = 0; i < 4; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

static void sqlite_exec_or_die(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        die("%s: %s", sql, err ? err : "?");
}

static sqlite3 *sqlite_open_or_die(const char *path)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        die("sqlite3_open %s: %s", path, sqlite3_errmsg(db));
    return db;
}

/* ---------------------------------------------------------------- measuring */
typedef struct side_stats {
    double ops_per_s[64];
    int n;
} side_stats;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(side_stats *s)
{
    if (s->n == 0)
        return 0;
    double v[64];
    memcpy(v, s->ops_per_s, sizeof(double) * (size_t)s->n);
    qsort(v, (size_t)s->n, sizeof v[0], cmp_double);
    return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

static void run_workload(bench_env *env, const options *o, const bench_workload *w)
{
    bench_side sides[3];
    int n_sides = 0;
    sides[n_sides++] = SIDE_KEEL;
    if (env->engine == ENGINE_POSTGRES) {
        sides[n_sides++] = SIDE_HAND_PG_TEXT;
        sides[n_sides++] = SIDE_HAND_PG_BINARY;
    } else {
        sides[n_sides++] = SIDE_HAND_SQLITE;
    }
    long unit = w->unit > 0 ? w->unit : 1; /* calls that belong together (a transaction) */
    long ops = o->quick ? (w->ops_full / 50 > 0 ? w->ops_full / 50 : 1) : w->ops_full;
    if (env->engine == ENGINE_POSTGRES && !o->quick && unit == 1 && w->ops_full >= 1000)
        ops /= 4; /* a round trip per call: fewer calls keep a round near a second */
    for (int s = 0; s < n_sides; s++) /* warm-up: statements prepared, caches filled */
        if (w->run(env, sides[s], ops / 10 > unit ? ops / 10 : unit) < 0)
            die("%s failed (warm-up)", w->name);

    /*
     * A round runs every side in up to 10 interleaved slices, the order
     * flipping each slice, so that a load spike on this shared machine hits
     * all sides alike; a round's ratio compares the sides' totals.
     */
    long units = ops / unit > 0 ? ops / unit : 1;
    long slices = units < 10 ? units : 10;
    long per_slice = units / slices * unit;
    ops = per_slice * slices;
    side_stats stats[3] = { 0 }, ratios[3] = { 0 };
    uint64_t keel_allocs = 0, keel_ops = 0, keel_rows = 0;
    for (int r = 0; r < o->rounds; r++) {
        double total[3] = { 0, 0, 0 };
        for (long j = 0; j < slices; j++) {
            for (int k = 0; k < n_sides; k++) {
                int s = (r + j) % 2 ? n_sides - 1 - k : k;
                keel_alloc_counts before = keel_alloc_counts_now();
                double t0 = now_seconds();
                long rows = w->run(env, sides[s], per_slice);
                total[s] += now_seconds() - t0;
                keel_alloc_counts after = keel_alloc_counts_now();
                if (rows < 0)
                    die("%s failed", w->name);
                if (sides[s] == SIDE_KEEL) {
                    keel_allocs += after.allocs - before.allocs;
                    keel_ops += (uint64_t)per_slice;
                    keel_rows += (uint64_t)rows;
                }
            }
        }
        for (int s = 0; s < n_sides; s++) {
            stats[s].ops_per_s[stats[s].n++] = (double)ops / (total[s] > 0 ? total[s] : 1e-9);
            ratios[s].ops_per_s[ratios[s].n++] = total[0] > 0 ? total[s] / total[0] : 0;
        }
    }
    printf("%-36s %12.0f", w->name, median(&stats[0]));
    for (int s = 1; s < n_sides; s++)
        printf(" %12.0f %6.2f", median(&stats[s]), median(&ratios[s]));
    printf(" %10.2f", keel_ops ? (double)keel_allocs / (double)keel_ops : 0);
    if (w->per_row && keel_rows > 0)
        printf(" %9.4f", (double)keel_allocs / (double)keel_rows);
    else
        printf(" %9s", "-");
    printf("\n");
    fflush(stdout);
}

/* ---------------------------------------------------------------- peak memory */
typedef struct peak_ctx {
    size_t base, peak;
    long rows;
} peak_ctx;

static int peak_row(const diun_get_updates_row *row, void *ctx)
{
    peak_ctx *p = ctx;
    (void)row;
    if (p->rows++ % 1024 == 0) {
        size_t now = keel_heap_in_use();
        if (now > p->peak)
            p->peak = now;
    }
    return 0;
}

/* Fills `updates` with n rows in the engine, without keel (fast). */
static void fill_many_rows(bench_engine engine, const char *dsn, long n)
{
    char sql[1024];
    const char *cols = "image, diun_version, hostname, status, provider, hub_link, digest";
    if (engine == ENGINE_POSTGRES) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO updates (%s) SELECT 'docker.io/library/app-' || i, '4.28.0', 'myserver', 'new', "
                 "'docker', 'https://hub.docker.com/r/library/app', 'sha256:216e3ae7de4ca8b553eb11ef7abda006' "
                 "FROM generate_series(1, %ld) AS i",
                 cols, n);
        PGconn *c = PQconnectdb(dsn);
        PGresult *res = PQexec(c, sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            die("fill: %s", PQresultErrorMessage(res));
        PQclear(res);
        PQclear(PQexec(c, "ANALYZE updates"));
        PQfinish(c);
    } else {
        snprintf(sql, sizeof sql,
                 "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %ld) "
                 "INSERT INTO updates (%s) SELECT 'docker.io/library/app-' || i, '4.28.0', 'myserver', 'new', "
                 "'docker', 'https://hub.docker.com/r/library/app', 'sha256:216e3ae7de4ca8b553eb11ef7abda006' FROM s",
                 n, cols);
        sqlite3 *db = sqlite_open_or_die(dsn);
        sqlite_exec_or_die(db, sql);
        sqlite3_close(db);
    }
}

static void peak_memory(const options *o, bench_engine engine)
{
    long n = o->quick ? 20000 : 1000000;
    char dsn[8192];
    if (engine == ENGINE_POSTGRES)
        pg_fresh_db(o, 4, "p", dsn, sizeof dsn);
    else
        snprintf(dsn, sizeof dsn, "%s/keel_bench_p_%ld.db", o->tmpdir, (long)getpid());
    keel_db *db;
    if (keel_open(&db, dsn, NULL) != KEEL_OK || keel_migrate(db, &diun_schema) != KEEL_OK)
        die("peak: %s", keel_errmsg(db));
    fill_many_rows(engine, dsn, n);
    peak_ctx p = { .base = keel_heap_in_use() };
    p.peak = p.base;
    double t0 = now_seconds();
    int rc = diun_get_updates_each(db, peak_row, &p);
    double t = now_seconds() - t0;
    if (rc != KEEL_OK)
        die("peak: %s", keel_errmsg(db));
    keel_close(db);
    printf("peak heap growth streaming %ld rows through GetUpdates _each on %s: %.2f MB (%.0f rows/s)\n", p.rows,
           engine_names[engine], (double)(p.peak - p.base) / (1024.0 * 1024.0), (double)p.rows / t);
    if (engine != ENGINE_POSTGRES)
        remove_sqlite(dsn);
}

/* ---------------------------------------------------------------- engines */
static void run_engine(const options *o, bench_engine engine)
{
    bench_env env = { .engine = engine, .quick = o->quick };
    build_data(&env);
    char keel_dsn[2][8192], hand_dsn[2][8192];
    keel_db **keel_dbs[2] = { &env.db, &env.kv_db };
    sqlite3 **sqs[2] = { &env.sq, &env.kv_sq };
    PGconn **pgs[2] = { &env.pg, &env.kv_pg };
    for (int r = 0; r < 2; r++) { /* r 0: diun, 1: kv */
        const char *repo = r ? "kv" : "diun";
        char purpose[16];
        if (engine == ENGINE_POSTGRES) {
            snprintf(purpose, sizeof purpose, "%s_k", repo);
            pg_fresh_db(o, 2 * r, purpose, keel_dsn[r], sizeof keel_dsn[r]);
            snprintf(purpose, sizeof purpose, "%s_h", repo);
            pg_fresh_db(o, 2 * r + 1, purpose, hand_dsn[r], sizeof hand_dsn[r]);
        } else {
            snprintf(hand_dsn[r], sizeof hand_dsn[r], "%s/keel_bench_%s_h_%ld.db", o->tmpdir, repo, (long)getpid());
            if (engine == ENGINE_SQLITE_FILE)
                snprintf(keel_dsn[r], sizeof keel_dsn[r], "%s/keel_bench_%s_k_%ld.db", o->tmpdir, repo,
                         (long)getpid());
            else
                snprintf(keel_dsn[r], sizeof keel_dsn[r], ":memory:");
            remove_sqlite(hand_dsn[r]);
            remove_sqlite(keel_dsn[r]);
        }
        *keel_dbs[r] = open_seeded(&env, keel_dsn[r], r == 1, true);
        open_seeded(&env, hand_dsn[r], r == 1, false);
        if (engine == ENGINE_POSTGRES) {
            PGconn *pg = PQconnectdb(hand_dsn[r]);
            if (PQstatus(pg) != CONNECTION_OK)
                die("hand connection: %s", PQerrorMessage(pg));
            PQclear(PQexec(pg, "SET TimeZone TO 'UTC'"));
            *pgs[r] = pg;
        } else if (engine == ENGINE_SQLITE_FILE) {
            sqlite3 *sq = sqlite_open_or_die(hand_dsn[r]);
            sqlite_exec_or_die(sq, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
            *sqs[r] = sq;
        } else { /* the seeded file, copied into a private in-memory database */
            sqlite3 *file = sqlite_open_or_die(hand_dsn[r]);
            sqlite3 *sq = sqlite_open_or_die(":memory:");
            sqlite3_backup *b = sqlite3_backup_init(sq, "main", file, "main");
            if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE)
                die("backup: %s", sqlite3_errmsg(sq));
            sqlite3_backup_finish(b);
            sqlite3_close(file);
            remove_sqlite(hand_dsn[r]);
            sqlite_exec_or_die(sq, "PRAGMA foreign_keys=ON");
            *sqs[r] = sq;
        }
    }
    if (engine == ENGINE_POSTGRES ? hand_pg_prepare(&env) != 0 : hand_sqlite_prepare(&env) != 0)
        die("hand prepare failed");

    printf("\n== %s: %d images, %d kv keys, %d round%s, median ops/s ==\n", engine_names[engine], env.n_images,
           env.n_keys, o->rounds, o->rounds == 1 ? "" : "s");
    if (engine == ENGINE_POSTGRES)
        printf("%-36s %12s %12s %6s %12s %6s %10s %9s\n", "workload", "keel", "text", "k/text", "binary", "k/bin",
               "alloc/call", "alloc/row");
    else
        printf("%-36s %12s %12s %6s %10s %9s\n", "workload", "keel", "sqlite3", "k/hand", "alloc/call", "alloc/row");
    for (int i = 0; i < bench_workload_count; i++)
        if (o->only == NULL || strstr(bench_workloads[i].name, o->only) != NULL)
            run_workload(&env, o, &bench_workloads[i]);

    if (engine == ENGINE_POSTGRES)
        hand_pg_finish(&env);
    else
        hand_sqlite_finish(&env);
    for (int r = 0; r < 2; r++) {
        if (engine == ENGINE_POSTGRES) {
            PQfinish(*pgs[r]);
        } else {
            sqlite3_close(*sqs[r]);
            remove_sqlite(hand_dsn[r]);
            remove_sqlite(keel_dsn[r]);
        }
        keel_close(*keel_dbs[r]);
    }
    hand_arena_free(&env.rows_arena);
    free_data(&env);
    if (o->only == NULL || strstr("batch", o->only) != NULL) {
        char dsn[8192];
        if (engine == ENGINE_POSTGRES)
            pg_fresh_db(o, 5, "b", dsn, sizeof dsn);
        else if (engine == ENGINE_SQLITE_FILE)
            snprintf(dsn, sizeof dsn, "%s/keel_bench_b_%ld.db", o->tmpdir, (long)getpid());
        else
            snprintf(dsn, sizeof dsn, ":memory:");
        bench_batches(dsn, engine_names[engine], o->quick, o->rounds);
        if (engine == ENGINE_SQLITE_FILE)
            remove_sqlite(dsn);
    }
    if (engine != ENGINE_SQLITE_MEMORY && !o->no_peak)
        peak_memory(o, engine);
    if (engine == ENGINE_POSTGRES)
        pg_drop_dbs();
}

static char *read_first_line(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die("cannot read %s: %s", path, strerror(errno));
    static char line[8192];
    if (fgets(line, sizeof line, f) == NULL)
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

int main(int argc, char **argv)
{
    options o = { .rounds = 0, .tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp" };
    o.pg_dsn = getenv("KEEL_BENCH_PG_DSN");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0) {
            o.quick = true;
        } else if (strcmp(a, "--rounds") == 0 && next) {
            o.rounds = atoi(next), i++;
        } else if (strcmp(a, "--pg") == 0 && next) {
            o.pg_dsn = next, i++;
        } else if (strcmp(a, "--pg-dsn-file") == 0 && next) {
            o.pg_dsn = read_first_line(next), i++;
        } else if (strcmp(a, "--only") == 0 && next) {
            o.only = next, i++;
        } else if (strcmp(a, "--no-peak") == 0) {
            o.no_peak = true;
        } else if (strcmp(a, "--tmpdir") == 0 && next) {
            o.tmpdir = next, i++;
        } else if (strcmp(a, "--engines") == 0 && next) {
            o.engines_given = true;
            char list[256];
            snprintf(list, sizeof list, "%s", next);
            i++;
            for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
                int e = 0;
                while (e < 3 && strcmp(tok, engine_names[e]) != 0)
                    e++;
                if (e == 3)
                    die("unknown engine %s (sqlite-file, sqlite-memory, postgres)", tok);
                o.engines[e] = true;
            }
        } else {
            die("usage: keel_bench [--quick] [--rounds N] [--engines LIST] [--pg DSN | --pg-dsn-file FILE] "
                "[--only WORKLOAD-SUBSTRING] [--no-peak] [--tmpdir DIR]");
        }
    }
    if (o.rounds <= 0)
        o.rounds = o.quick ? 1 : 5;
    if (o.rounds > 64)
        o.rounds = 64;
    if (!o.engines_given) {
        o.engines[ENGINE_SQLITE_FILE] = o.engines[ENGINE_SQLITE_MEMORY] = true;
        o.engines[ENGINE_POSTGRES] = o.pg_dsn != NULL && o.pg_dsn[0] != '\0';
    }
    if (o.engines[ENGINE_POSTGRES] && (o.pg_dsn == NULL || o.pg_dsn[0] == '\0'))
        die("postgres needs a DSN: --pg, --pg-dsn-file or KEEL_BENCH_PG_DSN");
    printf("keel_bench%s: keel's generated code vs hand-written code running the same SQL\n",
           o.quick ? " (quick)" : "");
    printf("ratios are keel/hand ops/s (above 1: keel is faster); alloc/call and alloc/row count keel's own\n"
           "heap calls (libkeel + generated code, not libsqlite3/libpq)\n");
    for (int e = 0; e < 3; e++)
        if (o.engines[e])
            run_engine(&o, (bench_engine)e);
    if (pg_admin != NULL)
        PQfinish(pg_admin);
    return 0;
}
