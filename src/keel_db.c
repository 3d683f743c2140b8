/*
 * keel_db.c — handles: opening either engine from a DSN, acquiring and
 * releasing the connection, transactions, ping and close.
 */
#include "keel_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------------------
 * Root handles. keel.h promises that every call on a closed handle answers
 * KEEL_CLOSED and that closing twice is harmless, although another thread
 * may still hold the pointer. So keel_close releases the engine side
 * (connections, files, sockets) but keeps the small keel_db itself as a
 * tombstone on this list until the process ends: a closed pointer stays
 * readable, and the list keeps it reachable for leak checkers.
 * ------------------------------------------------------------------------- */
typedef struct tombstone {
    keel_db *db;
    struct tombstone *next;
} tombstone;

static pthread_mutex_t tombstone_lock = PTHREAD_MUTEX_INITIALIZER;
static tombstone *tombstones;

static void tombstone_add(keel_db *db, tombstone *t)
{
    pthread_mutex_lock(&tombstone_lock);
    t->db = db;
    t->next = tombstones;
    tombstones = t;
    pthread_mutex_unlock(&tombstone_lock);
}

/* ---------------------------------------------------------------------------
 * DSN classification
 * ------------------------------------------------------------------------- */
static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * A libpq "key=value" string starts with one of libpq's own keywords. Asking
 * libpq for its keyword list (rather than hard-coding one) keeps keel in step
 * with the linked libpq, and a file named "notes=1.db" stays a SQLite path.
 */
static bool is_libpq_keyword_string(const char *dsn)
{
    const char *p = dsn;
    while (isspace((unsigned char)*p))
        p++;
    const char *word = p;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    size_t word_len = (size_t)(p - word);
    while (isspace((unsigned char)*p))
        p++;
    if (word_len == 0 || *p != '=')
        return false;

    PQconninfoOption *defaults = PQconndefaults();
    if (defaults == NULL) /* out of memory: the common keywords still count */
        return strncmp(word, "host", word_len) == 0 || strncmp(word, "dbname", word_len) == 0;
    bool known = false;
    for (PQconninfoOption *o = defaults; o->keyword != NULL; o++) {
        if (strlen(o->keyword) == word_len && strncmp(o->keyword, word, word_len) == 0) {
            known = true;
            break;
        }
    }
    PQconninfoFree(defaults);
    return known;
}

static bool is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

/* ---------------------------------------------------------------------------
 * Connections
 * ------------------------------------------------------------------------- */
enum { DEFAULT_PG_POOL = 8, DEFAULT_SQLITE_READERS = 4 };

static void silent_notices(void *arg, const char *message)
{
    /* "relation already exists, skipping" and friends are not errors. */
    (void)arg;
    (void)message;
}

static keel_conn *conn_new(keel_db *root)
{
    keel_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->root = root;
    c->replica = -1;
    c->tx_timeout_ms = -1;
    atomic_init(&c->owner, 0);
    c->tx.is_tx = true;
    c->tx.dialect = root->dialect;
    c->tx.err_id = root->err_id;
    c->tx.root = root;
    c->tx.conn = c;
    return c;
}

static void conn_close_engine(keel_conn *c)
{
    keel_cache_clear(&c->cache);
    free(c->cache.slots);
    c->cache = (keel_stmt_cache){ 0 };
    if (c->sqlite != NULL)
        sqlite3_close_v2(c->sqlite);
    c->sqlite = NULL;
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
    PQfreeCancel(c->cancel);
    c->cancel = NULL;
}

static void conn_free(keel_conn *c)
{
    if (c == NULL)
        return;
    conn_close_engine(c);
    free(c);
}

/* Adds c to the root's list; the caller holds state_lock (or is keel_open). */
static bool conn_register(keel_db *db, keel_conn *c)
{
    keel_conn **conns = realloc(db->conns, (size_t)(db->n_conns + 1) * sizeof(keel_conn *));
    keel_conn **idle = conns ? realloc(db->idle, (size_t)(db->n_conns + 1) * sizeof(keel_conn *)) : NULL;
    if (conns != NULL)
        db->conns = conns;
    if (idle != NULL)
        db->idle = idle;
    if (conns == NULL || idle == NULL)
        return false;
    db->conns[db->n_conns++] = c;
    return true;
}

/*
 * Every SQLITE_PROGRESS_OPS virtual machine steps of a running statement:
 * stops it for keel_interrupt (which may come just before sqlite3_step
 * begins, when sqlite3_interrupt alone would be lost) or its deadline.
 */
enum { SQLITE_PROGRESS_OPS = 1000 };
static int sqlite_progress(void *arg)
{
    keel_conn *c = arg;
    if (atomic_load(&c->interrupted))
        return 1;
    if (c->deadline_ns != 0 && keel_now_ns() > c->deadline_ns) {
        c->timed_out = true;
        return 1;
    }
    return 0;
}

static int sqlite_writer_connect(keel_db *db, keel_conn *c, const char *dsn)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(dsn, &c->sqlite, flags, NULL);
    if (rc != SQLITE_OK) {
        int code = (rc & 0xff) == SQLITE_CANTOPEN ? KEEL_BAD_DSN : keel_sqlite_code(rc);
        return keel_err_set(db, code, "keel_open: cannot open SQLite database \"%s\": %s", dsn,
                            c->sqlite ? sqlite3_errmsg(c->sqlite) : sqlite3_errstr(rc));
    }
    sqlite3_extended_result_codes(c->sqlite, 1);
    sqlite3_busy_timeout(c->sqlite, db->busy_timeout_ms);
    sqlite3_progress_handler(c->sqlite, SQLITE_PROGRESS_OPS, sqlite_progress, c);

    const char *file = sqlite3_db_filename(c->sqlite, "main");
    db->single = true;
    if (file != NULL && file[0] != '\0') {
        /* WAL first: it reads the header, so a non-database file fails here. */
        /*
         * Switching to WAL needs a lock another process (opening or
         * migrating the same file) may hold, and SQLite does not always
         * call the busy handler for it: wait here, up to busy_timeout.
         */
        for (int waited = 0;; waited += 10) {
            sqlite3_stmt *st = NULL;
            rc = sqlite3_prepare_v2(c->sqlite, "PRAGMA journal_mode=WAL", -1, &st, NULL);
            if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *mode = (const char *)sqlite3_column_text(st, 0);
                /* Readers of their own only pay off when they do not block the writer. */
                db->single = mode == NULL || strcmp(mode, "wal") != 0;
                rc = SQLITE_OK;
            }
            sqlite3_finalize(st);
            if ((rc & 0xff) != SQLITE_BUSY || waited >= db->busy_timeout_ms)
                break;
            sqlite3_sleep(10);
        }
        if (rc != SQLITE_OK)
            return keel_err_set(db, keel_sqlite_code(sqlite3_extended_errcode(c->sqlite)), "keel_open: %s: %s",
                                dsn, sqlite3_errmsg(c->sqlite));
        if (!db->single && (db->sqlite_path = strdup(file)) == NULL)
            return keel_err_set(db, KEEL_NOMEM, "keel_open: out of memory");
    }
    return keel_conn_exec(db, c, "keel_open", "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL");
}

static int sqlite_reader_connect(keel_db *db, keel_conn *c, const char *ctx)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(db->sqlite_path, &c->sqlite, flags, NULL);
    if (rc != SQLITE_OK) /* the file went away (deleted, unmounted): like a server gone */
        return keel_err_set(db, (rc & 0xff) == SQLITE_CANTOPEN ? KEEL_CONNECTION_LOST : keel_sqlite_code(rc),
                            "%s: cannot open a SQLite reader on \"%s\": %s", ctx,
                            db->sqlite_path, c->sqlite ? sqlite3_errmsg(c->sqlite) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(c->sqlite, 1);
    sqlite3_busy_timeout(c->sqlite, db->busy_timeout_ms);
    sqlite3_progress_handler(c->sqlite, SQLITE_PROGRESS_OPS, sqlite_progress, c);
    c->reader = true;
    /* query_only: a write on a reader (inside keel_view) is KEEL_READ_ONLY. */
    return keel_conn_exec(db, c, ctx, "PRAGMA query_only=1; PRAGMA foreign_keys=ON");
}

/* Session settings every PostgreSQL connection gets, new or reconnected. */
static int pg_session_setup(keel_db *db, keel_conn *c, const char *ctx)
{
    PQsetNoticeProcessor(c->pg, silent_notices, NULL);
    /* Text results and parameters are UTF-8 whatever the server's default. */
    if (PQsetClientEncoding(c->pg, "UTF8") != 0)
        return keel_err_set(db, KEEL_ERROR, "%s: cannot set client_encoding to UTF8: %s", ctx,
                            PQerrorMessage(c->pg));
    /* A cancel handle for keel_interrupt, made again for every new session. */
    PGcancel *cancel = PQgetCancel(c->pg);
    pthread_mutex_lock(&db->cancel_lock);
    PQfreeCancel(c->cancel);
    c->cancel = cancel;
    pthread_mutex_unlock(&db->cancel_lock);
    if (db->statement_timeout_ms > 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "SET statement_timeout = %d", db->statement_timeout_ms);
        int rc = keel_conn_exec(db, c, ctx, sql);
        if (rc != KEEL_OK)
            return rc;
    }
    /* Timestamps read the same whatever the server's or the DSN's zone. */
    return keel_conn_exec(db, c, ctx, "SET TimeZone TO 'UTC'");
}

static int pg_connect(keel_db *db, keel_conn *c, const char *dsn, const char *ctx)
{
    char *parse_error = NULL;
    PQconninfoOption *parsed = PQconninfoParse(dsn, &parse_error);
    if (parsed == NULL) {
        int code = parse_error ? KEEL_BAD_DSN : KEEL_NOMEM;
        char msg[512] = "out of memory";
        if (parse_error) {
            snprintf(msg, sizeof msg, "%s", parse_error);
            size_t n = strlen(msg);
            while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = '\0';
            PQfreemem(parse_error);
        }
        return keel_err_set(db, code, "%s: bad PostgreSQL DSN: %s", ctx, msg);
    }
    PQconninfoFree(parsed);

    c->pg = PQconnectdb(dsn);
    if (c->pg == NULL)
        return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", ctx);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(NULL, c->pg, msg, sizeof msg);
        return keel_err_set(db, KEEL_CONNECTION_LOST, "%s: cannot connect to PostgreSQL: %s", ctx, msg);
    }
    return pg_session_setup(db, c, ctx);
}

keel_dialect keel_dsn_dialect(const char *dsn)
{
    if (dsn == NULL || is_blank(dsn))
        return (keel_dialect)0;
    if (starts_with(dsn, "postgres://") || starts_with(dsn, "postgresql://") || is_libpq_keyword_string(dsn))
        return KEEL_DIALECT_POSTGRES;
    return KEEL_DIALECT_SQLITE;
}

int keel_open(keel_db **out, const char *dsn, const keel_options *opt)
{
    if (out == NULL)
        return KEEL_MISUSE;
    *out = NULL;
    keel_db *db = calloc(1, sizeof *db);
    tombstone *t = malloc(sizeof *t); /* taken now: keel_close cannot fail */
    if (db == NULL || t == NULL) {
        free(db);
        free(t);
        return KEEL_NOMEM;
    }
    db->err_id = keel_new_err_id();
    db->busy_timeout_ms = (opt && opt->busy_timeout_ms > 0) ? opt->busy_timeout_ms : 5000;
    db->trace = opt ? opt->trace : NULL;
    db->statement_timeout_ms = opt && opt->statement_timeout_ms > 0 ? opt->statement_timeout_ms : 0;
    pthread_mutex_init(&db->cancel_lock, NULL);
    db->trace_ctx = opt ? opt->trace_ctx : NULL;
    pthread_mutex_init(&db->state_lock, NULL);
    pthread_cond_init(&db->state_idle, NULL);
    pthread_cond_init(&db->writer_free, NULL);
    pthread_cond_init(&db->reader_free, NULL);
    tombstone_add(db, t);
    *out = db;

    int rc;
    keel_conn *c = NULL;
    keel_dialect dialect = keel_dsn_dialect(dsn);
    if (dialect == 0) {
        db->dialect = KEEL_DIALECT_SQLITE; /* something valid for keel_db_dialect */
        rc = keel_err_set(db, KEEL_BAD_DSN, "keel_open: empty DSN");
    } else {
        bool pg = dialect == KEEL_DIALECT_POSTGRES;
        db->dialect = pg ? KEEL_DIALECT_POSTGRES : KEEL_DIALECT_SQLITE;
        db->pool_size = (opt && opt->pool_size > 0) ? opt->pool_size
                        : pg                        ? DEFAULT_PG_POOL
                                                    : DEFAULT_SQLITE_READERS;
        c = conn_new(db);
        if (c == NULL || !conn_register(db, c) || (pg && (db->dsn = strdup(dsn)) == NULL))
            rc = keel_err_set(db, KEEL_NOMEM, "keel_open: out of memory");
        else if (pg)
            rc = pg_connect(db, c, dsn, "keel_open");
        else
            rc = sqlite_writer_connect(db, c, dsn);
        if (rc == KEEL_OK && pg)
            db->idle[db->n_idle++] = c;
        else if (rc == KEEL_OK)
            db->writer = db->fast_writer = c;
        if (rc == KEEL_OK)
            rc = keel_replicas_init(db, opt);
    }
    if (rc != KEEL_OK) {
        /* Keep the handle so keel_errmsg can explain; drop the engine side. */
        if (db->n_conns == 0)
            conn_free(c);
        db->open_error = rc;
    }
    return rc;
}

static bool writer_wait(keel_db *db, uint64_t me);

void keel_close(keel_db *db)
{
    /* A tx handle belongs to its keel_update/keel_view: ignored. */
    if (db == NULL || db->is_tx)
        return;
    pthread_mutex_lock(&db->state_lock);
    if (db->closed) { /* the second close */
        pthread_mutex_unlock(&db->state_lock);
        return;
    }
    /* Calls in flight finish; calls waiting for a connection see KEEL_CLOSED. */
    db->closed = true;
    pthread_cond_broadcast(&db->writer_free);
    pthread_cond_broadcast(&db->reader_free);
    while (db->users > 0)
        pthread_cond_wait(&db->state_idle, &db->state_lock);
    if (db->writer != NULL)
        writer_wait(db, KEEL_OWNER_CLOSED); /* its holders finish; nobody takes it again */
    keel_conn **conns = db->conns;
    int n = db->n_conns;
    db->conns = NULL;
    db->n_conns = 0;
    free(db->idle);
    db->idle = NULL;
    db->n_idle = 0;
    db->writer = NULL;
    free(db->dsn);
    db->dsn = NULL;
    free(db->sqlite_path);
    db->sqlite_path = NULL;
    keel_replicas_free(db);
    db->n_replica_conns = 0;
    pthread_mutex_unlock(&db->state_lock);

    for (int i = 0; i < n; i++) {
        if (conns[i] == db->fast_writer)
            conn_close_engine(conns[i]); /* its struct stays: see fast_writer */
        else
            conn_free(conns[i]);
    }
    free(conns);
    /* The struct stays as a tombstone: see the top of this file. */
}

keel_dialect keel_db_dialect(const keel_db *db)
{
    return db ? db->dialect : KEEL_DIALECT_SQLITE;
}

static unsigned server_epoch(keel_db *root, const keel_conn *c)
{
    return c->replica >= 0 ? atomic_load(&root->replicas[c->replica].epoch) : atomic_load(&root->primary_epoch);
}

/*
 * A server restart kills the session; the next caller gets a fresh one. So
 * does a connection older than the last loss seen on its server: after a
 * failover its server is gone too, even if libpq does not know it yet.
 * PQreset reconnects with the same DSN, so a multi-host DSN with
 * target_session_attrs=read-write finds whichever host is the primary now.
 */
static int pg_revive(keel_db *root, keel_conn *c, const char *ctx)
{
    unsigned epoch = server_epoch(root, c);
    if (PQstatus(c->pg) == CONNECTION_OK && c->epoch == epoch)
        return KEEL_OK;
    c->pg_streaming = NULL;
    keel_cache_clear(&c->cache); /* prepared statements died with the session */
    c->epoch = epoch;
    PQreset(c->pg);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(NULL, c->pg, msg, sizeof msg);
        return keel_err_set(root, KEEL_CONNECTION_LOST, "%s: reconnecting to PostgreSQL failed: %s", ctx, msg);
    }
    return pg_session_setup(root, c, ctx);
}

/* Gives c back; the caller holds state_lock. */
static void put_back(keel_db *db, keel_conn *c)
{
    if (--c->depth > 0)
        return;
    atomic_store(&c->owner, 0);
    atomic_store(&c->interrupted, false); /* the call it stopped is over */
    if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_BAD)
        keel_server_lost(db, c->replica);
    if (c == db->writer) {
        pthread_cond_signal(&db->writer_free);
    } else if (c->replica >= 0) {
        keel_replica *r = &db->replicas[c->replica];
        r->idle[r->n_idle++] = c;
        pthread_cond_broadcast(&db->reader_free); /* waiters may want another server */
    } else {
        db->idle[db->n_idle++] = c;
        pthread_cond_signal(&db->reader_free);
    }
}

/* The caller holds state_lock. */
static void leave_locked(keel_db *db)
{
    if (--db->users == 0 && db->closed)
        pthread_cond_broadcast(&db->state_idle);
}

/* Opens one more pooled connection (to replica index, or -1: the primary); called without state_lock. */
static int open_pooled(keel_db *db, const char *ctx, int replica, keel_conn **out)
{
    *out = NULL;
    keel_conn *c = conn_new(db);
    if (c == NULL) {
        keel_err_set(db, KEEL_NOMEM, "%s: out of memory", ctx);
        return KEEL_NOMEM;
    }
    c->replica = replica;
    const char *dsn = replica >= 0 ? db->replicas[replica].dsn : db->dsn;
    int rc = db->dialect == KEEL_DIALECT_POSTGRES ? pg_connect(db, c, dsn, ctx) : sqlite_reader_connect(db, c, ctx);
    if (rc != KEEL_OK) {
        conn_free(c);
        return rc;
    }
    *out = c;
    return KEEL_OK;
}

/* The next healthy replica, round robin; -1 when none is. The caller holds state_lock. */
static int pick_replica_locked(keel_db *db)
{
    int64_t now = keel_now_ms();
    for (int i = 0; i < db->n_replicas; i++) {
        int r = (int)(db->next_replica++ % (unsigned)db->n_replicas);
        if (db->replicas[r].down_until <= now)
            return r;
    }
    return -1;
}

/*
 * A connection to a healthy replica: an idle one, or a new one while its
 * pool has room, else waits for one to come back. *out stays NULL when no
 * replica is healthy (the caller falls back to the primary). The caller
 * holds state_lock, which is released while connecting.
 */
static int take_replica_locked(keel_db *db, const char *ctx, keel_conn **out)
{
    *out = NULL;
    for (int full = 0;; full++) {
        if (db->closed)
            return KEEL_CLOSED;
        int r = pick_replica_locked(db);
        if (r < 0)
            return KEEL_OK;
        keel_replica *rep = &db->replicas[r];
        if (rep->n_idle > 0) {
            *out = rep->idle[--rep->n_idle];
            return KEEL_OK;
        }
        if (rep->n_conns + rep->opening < db->pool_size) {
            rep->opening++;
            pthread_mutex_unlock(&db->state_lock);
            keel_conn *fresh = NULL;
            int rc = open_pooled(db, ctx, r, &fresh);
            pthread_mutex_lock(&db->state_lock);
            rep->opening--;
            if (rc == KEEL_OK && (fresh == NULL || !conn_register(db, fresh))) {
                conn_free(fresh);
                rc = KEEL_NOMEM;
            }
            if (rc != KEEL_OK || fresh == NULL) {
                keel_server_lost(db, r); /* unreachable: routed around, no error */
                continue;
            }
            fresh->epoch = atomic_load(&rep->epoch);
            rep->n_conns++;
            db->n_replica_conns++;
            *out = fresh;
            return KEEL_OK;
        }
        if (full + 1 < db->n_replicas)
            continue; /* another replica may have room */
        full = -1;
        pthread_cond_wait(&db->reader_free, &db->state_lock);
    }
}

/*
 * The writer's lock-free side, used while it is free. Taking it: one
 * compare-and-swap of its owner word from 0 to this thread. Giving it back:
 * one exchange to 0; only if the old word had KEEL_OWNER_WAITERS does the
 * giver take state_lock to wake writer_free. A waiter sets that bit (under
 * state_lock) before it sleeps, so either the giver sees the bit or the
 * waiter's compare-and-swap sees the writer free. keel_close takes the
 * writer for good by swapping in KEEL_OWNER_CLOSED.
 */
static _Thread_local int thread_tx_depth; /* inside keel_update/keel_view's fn on this thread */

static keel_conn *writer_fast(keel_db *db)
{
    keel_conn *w = db->fast_writer;
    if (thread_tx_depth > 0) /* inside a transaction: the slow path's misuse checks apply */
        return NULL;
    uint64_t me = keel_thread_id();
    uint64_t owner = atomic_load_explicit(&w->owner, memory_order_relaxed);
    if ((owner & ~KEEL_OWNER_WAITERS) == me) { /* nested: only the owner touches depth */
        if (w->tx.tx_active)
            return NULL;
        w->depth++;
        return w;
    }
    uint64_t expected = 0;
    if (owner == 0 && atomic_compare_exchange_strong_explicit(&w->owner, &expected, me, memory_order_acquire,
                                                              memory_order_relaxed)) {
        w->depth = 1;
        /* A keel_interrupt that raced with the last holder's give-back was for that call, not this one. */
        atomic_store_explicit(&w->interrupted, false, memory_order_relaxed);
        return w;
    }
    return NULL;
}

static void writer_give_back(keel_db *db, keel_conn *w)
{
    if (--w->depth > 0)
        return;
    atomic_store_explicit(&w->interrupted, false, memory_order_relaxed); /* the call it stopped is over */
    uint64_t old = atomic_exchange_explicit(&w->owner, 0, memory_order_acq_rel);
    if (old & KEEL_OWNER_WAITERS) {
        pthread_mutex_lock(&db->state_lock);
        pthread_cond_broadcast(&db->writer_free);
        pthread_mutex_unlock(&db->state_lock);
    }
}

/*
 * Under state_lock: takes the writer for `me` (or, with me ==
 * KEEL_OWNER_CLOSED, for good), sleeping on writer_free while it is held.
 * Returns false when the handle closed meanwhile (never for the closer).
 */
static bool writer_wait(keel_db *db, uint64_t me)
{
    keel_conn *w = db->writer;
    for (;;) {
        if (db->closed && me != KEEL_OWNER_CLOSED)
            return false;
        uint64_t owner = atomic_load(&w->owner);
        if (owner == 0) {
            if (atomic_compare_exchange_strong(&w->owner, &owner, me))
                return true;
            continue;
        }
        if (!(owner & KEEL_OWNER_WAITERS) && !atomic_compare_exchange_strong(&w->owner, &owner, owner | KEEL_OWNER_WAITERS))
            continue; /* it changed: look again */
        pthread_cond_wait(&db->writer_free, &db->state_lock);
    }
}

bool keel_write_hint_has(keel_db *db, const keel_query *q)
{
    size_t i = ((uintptr_t)q >> 4) % KEEL_WRITE_HINTS;
    return atomic_load_explicit(&db->write_hint[i], memory_order_relaxed) == q;
}

void keel_write_hint_add(keel_db *db, const keel_query *q)
{
    atomic_store_explicit(&db->write_hint[((uintptr_t)q >> 4) % KEEL_WRITE_HINTS], q, memory_order_relaxed);
}

int keel_conn_acquire(keel_db *db, const char *ctx, int kind, keel_conn **out)
{
    *out = NULL;
    if (db == NULL)
        return KEEL_MISUSE;
    if (db->is_tx) {
        if (!db->tx_active)
            return keel_err_set(db, KEEL_CLOSED, "%s: transaction handle used after its transaction ended", ctx);
        *out = db->conn;
        return KEEL_OK;
    }
    if (db->fast_writer != NULL && (kind == KEEL_ACQUIRE_WRITE || db->single)) {
        keel_conn *w = writer_fast(db); /* a closed handle's writer is never free: slow path */
        if (w != NULL) {
            *out = w;
            return KEEL_OK;
        }
    }

    uint64_t me = keel_thread_id();
    pthread_mutex_lock(&db->state_lock);
    int refused = db->closed ? KEEL_CLOSED : db->open_error;
    if (refused != KEEL_OK) {
        pthread_mutex_unlock(&db->state_lock);
        if (refused == KEEL_CLOSED)
            return keel_err_set(db, KEEL_CLOSED, "%s: the handle is closed", ctx);
        return keel_err_set(db, refused, "%s: the handle did not open (%s)", ctx, keel_code_name(refused));
    }
    db->users++;

    /* A connection this thread already holds serves nested calls. */
    bool want_writer = db->writer != NULL && (kind == KEEL_ACQUIRE_WRITE || db->single);
    keel_conn *c = NULL;
    for (int i = 0; i < db->n_conns; i++) {
        keel_conn *mine = db->conns[i];
        if ((atomic_load(&mine->owner) & ~KEEL_OWNER_WAITERS) != me)
            continue;
        if (mine->tx.tx_active) {
            leave_locked(db);
            pthread_mutex_unlock(&db->state_lock);
            return keel_err_set(db, KEEL_MISUSE,
                                "%s: called with the database handle inside keel_update/keel_view; "
                                "pass the transaction handle instead", ctx);
        }
        /* Any held connection serves a read a replica could; only a primary one anything else. */
        bool fits = want_writer ? mine == db->writer : kind == KEEL_ACQUIRE_REPLICA || mine->replica < 0;
        if (fits) {
            c = mine;
            break;
        }
    }
    if (c != NULL) {
        c->depth++;
        if (c == db->writer)
            leave_locked(db); /* the writer's holders are known by its owner word */
        pthread_mutex_unlock(&db->state_lock);
        *out = c;
        return KEEL_OK;
    }

    int rc = KEEL_OK;
    if (kind == KEEL_ACQUIRE_REPLICA && db->n_replicas > 0) {
        rc = take_replica_locked(db, ctx, &c);
        if (c != NULL) {
            atomic_store(&c->owner, me);
            c->depth = 1;
            pthread_mutex_unlock(&db->state_lock);
            if (pg_revive(db, c, ctx) == KEEL_OK) {
                *out = c;
                return KEEL_OK;
            }
            /* Released as lost, that replica is skipped now: pick again. */
            keel_conn_release(db, c);
            return keel_conn_acquire(db, ctx, kind, out);
        }
        if (rc != KEEL_OK) { /* closed while waiting */
            leave_locked(db);
            pthread_mutex_unlock(&db->state_lock);
            return keel_err_set(db, KEEL_CLOSED, "%s: the handle is closed", ctx);
        }
        /* No healthy replica: the primary serves the read. */
    }
    for (;;) {
        if (db->closed) {
            rc = KEEL_CLOSED;
            break;
        }
        if (want_writer) {
            if (writer_wait(db, me)) {
                c = db->writer;
                atomic_store(&c->interrupted, false); /* as in writer_fast */
            } else
                rc = KEEL_CLOSED;
            break;
        }
        if (db->n_idle > 0) {
            c = db->idle[--db->n_idle];
            break;
        }
        int pooled = db->n_conns - db->n_replica_conns + db->opening - (db->writer != NULL);
        if (pooled < db->pool_size) {
            db->opening++;
            pthread_mutex_unlock(&db->state_lock);
            keel_conn *fresh = NULL;
            rc = open_pooled(db, ctx, -1, &fresh);
            pthread_mutex_lock(&db->state_lock);
            db->opening--;
            if (rc == KEEL_OK && !conn_register(db, fresh)) {
                conn_free(fresh);
                fresh = NULL;
                keel_err_set(db, KEEL_NOMEM, "%s: out of memory", ctx);
                rc = KEEL_NOMEM;
            }
            if (rc != KEEL_OK || fresh == NULL) {
                pthread_cond_signal(&db->reader_free); /* another waiter may try */
                rc = rc != KEEL_OK ? rc : KEEL_NOMEM;
                break;
            }
            fresh->epoch = atomic_load(&db->primary_epoch);
            c = fresh;
            break;
        }
        pthread_cond_wait(&db->reader_free, &db->state_lock);
    }
    if (c == NULL) {
        leave_locked(db);
        pthread_mutex_unlock(&db->state_lock);
        if (rc == KEEL_CLOSED)
            return keel_err_set(db, KEEL_CLOSED, "%s: the handle is closed", ctx);
        return rc;
    }
    if (c == db->writer) /* owner set by writer_wait; its holders are known by it */
        leave_locked(db);
    else
        atomic_store(&c->owner, me);
    c->depth = 1;
    pthread_mutex_unlock(&db->state_lock);

    if (c->pg != NULL && (rc = pg_revive(db, c, ctx)) != KEEL_OK) {
        keel_conn_release(db, c);
        return rc;
    }
    *out = c;
    return KEEL_OK;
}

void keel_conn_release(keel_db *db, keel_conn *c)
{
    if (db == NULL || c == NULL || db->is_tx)
        return;
    if (c == db->fast_writer) {
        writer_give_back(db, c);
        return;
    }
    pthread_mutex_lock(&db->state_lock);
    put_back(db, c);
    leave_locked(db);
    pthread_mutex_unlock(&db->state_lock);
}

int keel_conn_exec(keel_db *db, keel_conn *c, const char *ctx, const char *sql)
{
    if (c->sqlite != NULL) {
        char *err = NULL;
        int rc = sqlite3_exec(c->sqlite, sql, NULL, NULL, &err);
        if (rc == SQLITE_OK)
            return KEEL_OK;
        int code = keel_err_set(db, keel_sqlite_code(sqlite3_extended_errcode(c->sqlite)), "%s: %s", ctx,
                                err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        return code;
    }
    keel_pg_settle(c);
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int code = KEEL_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, c->pg, msg, sizeof msg);
        code = keel_err_set(db, keel_pg_code(res, c->pg), "%s: %s", ctx, msg);
    }
    PQclear(res);
    return code;
}

int64_t keel_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int keel_conn_timeout_ms(const keel_conn *c)
{
    return c->tx_timeout_ms >= 0 ? c->tx_timeout_ms : c->root->statement_timeout_ms;
}

/* The caller holds state_lock (and, for PostgreSQL, cancel_lock). */
static void interrupt_conn(keel_conn *c)
{
    atomic_store(&c->interrupted, true);
    if (c->sqlite != NULL) {
        sqlite3_interrupt(c->sqlite);
    } else if (c->cancel != NULL) {
        char err[256];
        PQcancel(c->cancel, err, sizeof err); /* best effort: the server may already be done */
    }
}

void keel_interrupt(keel_db *db)
{
    if (db == NULL)
        return;
    if (db->is_tx) {
        if (db->tx_active && db->conn != NULL) {
            pthread_mutex_lock(&db->root->cancel_lock);
            interrupt_conn(db->conn);
            pthread_mutex_unlock(&db->root->cancel_lock);
        }
        return;
    }
    pthread_mutex_lock(&db->state_lock);
    pthread_mutex_lock(&db->cancel_lock);
    for (int i = 0; i < db->n_conns; i++)
        if (atomic_load(&db->conns[i]->owner) != 0)
            interrupt_conn(db->conns[i]);
    pthread_mutex_unlock(&db->cancel_lock);
    pthread_mutex_unlock(&db->state_lock);
}

int keel_tx_set_statement_timeout(keel_db *tx, int timeout_ms)
{
    if (tx == NULL)
        return KEEL_MISUSE;
    if (!tx->is_tx || !tx->tx_active)
        return keel_err_set(tx, KEEL_MISUSE, "keel_tx_set_statement_timeout: needs the transaction handle of a "
                                             "running keel_update/keel_view");
    keel_conn *c = tx->conn;
    if (timeout_ms < 0)
        timeout_ms = 0;
    if (c->pg != NULL) {
        char sql[64];
        snprintf(sql, sizeof sql, "SET LOCAL statement_timeout = %d", timeout_ms);
        int rc = keel_conn_exec(tx, c, "keel_tx_set_statement_timeout", sql);
        if (rc != KEEL_OK)
            return rc;
    }
    c->tx_timeout_ms = timeout_ms;
    return KEEL_OK;
}

int keel_ping(keel_db *db)
{
    keel_conn *c;
    int rc = keel_conn_acquire(db, "keel_ping", KEEL_ACQUIRE_READ, &c);
    if (rc != KEEL_OK)
        return rc;
    rc = keel_conn_exec(db, c, "keel_ping", "SELECT 1");
    keel_conn_release(db, c);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Transactions
 * ------------------------------------------------------------------------- */
static int commit(keel_db *db, keel_conn *c, const char *what)
{
    if (c->pg != NULL)
        keel_pg_settle(c); /* a stream fn left open */
    if (c->tx.tx_failed) {
        /*
         * fn ignored a failed statement. PostgreSQL would silently turn this
         * COMMIT into a ROLLBACK; SQLite would keep the other writes. Both
         * engines roll back and say so, so that code behaves the same on each.
         */
        char earlier[KEEL_ENGINE_MSG_MAX];
        snprintf(earlier, sizeof earlier, "%s", keel_errmsg(db));
        if (c->sqlite != NULL)
            sqlite3_exec(c->sqlite, "ROLLBACK", NULL, NULL, NULL);
        else
            PQclear(PQexec(c->pg, "ROLLBACK"));
        return keel_err_set(db, KEEL_ERROR,
                            "%s: fn returned KEEL_OK after a statement failed; rolled back (the failure: %s)",
                            what, earlier);
    }
    if (c->sqlite != NULL) {
        int rc = keel_conn_exec(db, c, what, "COMMIT");
        /* A failed SQLite COMMIT (busy) leaves the transaction open. */
        if (rc != KEEL_OK && !sqlite3_get_autocommit(c->sqlite))
            sqlite3_exec(c->sqlite, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    PGresult *res = PQexec(c->pg, "COMMIT");
    int rc = KEEL_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, c->pg, msg, sizeof msg);
        rc = keel_err_set(db, keel_pg_code(res, c->pg), "%s: COMMIT: %s", what, msg);
    } else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
        /*
         * PostgreSQL answers COMMIT of a transaction that an earlier error
         * aborted with a silent ROLLBACK; fn swallowed that error, but the
         * caller must not believe its writes were kept.
         */
        rc = keel_err_set(db, KEEL_ERROR,
                          "%s: the transaction was aborted by an earlier error and rolled back", what);
    }
    PQclear(res);
    return rc;
}

static int run_tx(keel_db *db, int (*fn)(keel_db *, void *), void *ctx, bool read_only, bool on_primary)
{
    const char *what = !read_only ? "keel_update" : on_primary ? "keel_view_primary" : "keel_view";
    if (db == NULL || fn == NULL)
        return db ? keel_err_set(db, KEEL_MISUSE, "%s: fn is NULL", what) : KEEL_MISUSE;
    if (db->is_tx) {
        if (!db->tx_active)
            return keel_err_set(db, KEEL_CLOSED, "%s: transaction handle used after its transaction ended", what);
        return fn(db, ctx); /* already inside: join it */
    }

    int kind = !read_only ? KEEL_ACQUIRE_WRITE : on_primary ? KEEL_ACQUIRE_READ : KEEL_ACQUIRE_REPLICA;
    keel_conn *c = NULL;
    int rc = keel_conn_acquire(db, what, kind, &c);
    if (rc != KEEL_OK || c == NULL)
        return rc != KEEL_OK ? rc : KEEL_MISUSE;

    const char *begin;
    if (c->sqlite != NULL) {
        /*
         * IMMEDIATE takes the write lock up front, so a writer waits in
         * busy_timeout at BEGIN instead of failing with SQLITE_BUSY when a
         * read transaction would have to be upgraded mid-way.
         */
        begin = c->reader  ? "BEGIN DEFERRED" /* readers are query_only for good */
                : read_only ? "PRAGMA query_only=1; BEGIN DEFERRED"
                            : "BEGIN IMMEDIATE";
    } else {
        /* REPEATABLE READ gives a view one snapshot, as SQLite's read transaction does. */
        begin = read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN";
    }
    rc = keel_conn_exec(db, c, what, begin);
    for (int retry = 0; rc == KEEL_CONNECTION_LOST && c->replica >= 0 && retry < db->n_replicas; retry++) {
        /* The replica went away before fn ran: released as lost, another server serves the view. */
        keel_conn_release(db, c);
        if ((rc = keel_conn_acquire(db, what, kind, &c)) != KEEL_OK || c == NULL)
            return rc != KEEL_OK ? rc : KEEL_MISUSE;
        rc = keel_conn_exec(db, c, what, begin);
    }
    if (rc == KEEL_OK) {
        c->tx.tx_active = true;
        c->tx.tx_read_only = read_only;
        c->tx.tx_failed = false;
        thread_tx_depth++;
        rc = fn(&c->tx, ctx);
        thread_tx_depth--;
        c->tx.tx_active = false;
        c->tx_timeout_ms = -1; /* SET LOCAL ends with the transaction too */
        if (rc == KEEL_OK) {
            rc = commit(db, c, what);
        } else if (c->sqlite != NULL) {
            if (!sqlite3_get_autocommit(c->sqlite))
                sqlite3_exec(c->sqlite, "ROLLBACK", NULL, NULL, NULL);
        } else {
            keel_pg_settle(c);
            PQclear(PQexec(c->pg, "ROLLBACK"));
        }
    }
    if (read_only && c->sqlite != NULL && !c->reader)
        sqlite3_exec(c->sqlite, "PRAGMA query_only=0", NULL, NULL, NULL);
    keel_conn_release(db, c);
    return rc;
}

int keel_update(keel_db *db, int (*fn)(keel_db *tx, void *ctx), void *ctx)
{
    return run_tx(db, fn, ctx, false, false);
}

int keel_view(keel_db *db, int (*fn)(keel_db *tx, void *ctx), void *ctx)
{
    return run_tx(db, fn, ctx, true, false);
}

int keel_view_primary(keel_db *db, int (*fn)(keel_db *tx, void *ctx), void *ctx)
{
    return run_tx(db, fn, ctx, true, true);
}
