/*
 * keel_db.c — handles, engine-neutral: choosing the engine from a DSN, the
 * pools (acquiring and releasing a connection, the SQLite writer's
 * lock-free hand-over, replica pools), transactions, interrupts, ping and
 * close. What a connection does is its engine's (keel_engine:
 * sqlite/sqlite_conn.c, pg/pg_conn.c).
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
static keel_conn *conn_new(keel_db *root)
{
    keel_conn *c = calloc(1, root->engine->conn_size); /* the engine's struct, a keel_conn first */
    if (c == NULL)
        return NULL;
    c->engine = root->engine;
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
    c->engine->close(c);
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

keel_dialect keel_dsn_dialect(const char *dsn)
{
    if (dsn == NULL || is_blank(dsn))
        return (keel_dialect)0;
    if (starts_with(dsn, "postgres://") || starts_with(dsn, "postgresql://") || keel_pg_is_keyword_string(dsn))
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
        db->engine = &keel_sqlite_engine; /* something valid for keel_db_dialect */
        db->dialect = KEEL_DIALECT_SQLITE;
        rc = keel_err_set(db, KEEL_BAD_DSN, "keel_open: empty DSN");
    } else {
        db->engine = dialect == KEEL_DIALECT_POSTGRES ? &keel_pg_engine : &keel_sqlite_engine;
        db->dialect = db->engine->dialect;
        db->pool_size = (opt && opt->pool_size > 0) ? opt->pool_size : db->engine->default_pool_size;
        c = conn_new(db);
        if (c == NULL || !conn_register(db, c))
            rc = keel_err_set(db, KEEL_NOMEM, "keel_open: out of memory");
        else
            rc = db->engine->open_first(db, c, dsn);
        if (rc == KEEL_OK && db->engine->has_writer) {
            db->writer = db->fast_writer = c;
            db->parks_readers = !db->single; /* a WAL file: readers of its own */
        }
        else if (rc == KEEL_OK)
            db->idle[db->n_idle++] = c;
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
    atomic_store(&db->closing, true); /* before fast_users is read: see reader_fast */
    pthread_cond_broadcast(&db->writer_free);
    pthread_cond_broadcast(&db->reader_free);
    while (db->users > 0 || atomic_load(&db->fast_users) > 0)
        pthread_cond_wait(&db->state_idle, &db->state_lock);
    for (int i = 0; i < KEEL_PARKED_READERS; i++) /* every connection is in conns, freed below */
        atomic_store(&db->parked[i], NULL);
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

unsigned keel_server_epoch(const keel_conn *c)
{
    keel_db *root = c->root;
    return c->replica >= 0 ? atomic_load(&root->replicas[c->replica].epoch) : atomic_load(&root->primary_epoch);
}

/* ---------------------------------------------------------------------------
 * Parked readers: a SQLite file's free readers, taken and given back without
 * state_lock (struct keel_db says why each counter exists).
 *
 * A give-back parks the reader (compare-and-swap into an empty slot), then
 * reads reader_waiters; a caller about to sleep on reader_free adds itself to
 * reader_waiters (under state_lock), then looks in the slots once more. With
 * both orders sequentially consistent, either the sleeper finds the reader or
 * the giver sees the sleeper and wakes it, taking state_lock to do so, which
 * the sleeper holds until it is inside pthread_cond_wait.
 * ------------------------------------------------------------------------- */
static unsigned park_start(void)
{
    return (unsigned)(keel_thread_id() % KEEL_PARKED_READERS); /* threads spread over the slots */
}

static bool park(keel_db *db, keel_conn *c)
{
    for (unsigned k = 0, i = park_start(); k < KEEL_PARKED_READERS; k++, i = (i + 1) % KEEL_PARKED_READERS) {
        keel_conn *empty = NULL;
        if (atomic_load_explicit(&db->parked[i], memory_order_relaxed) == NULL &&
            atomic_compare_exchange_strong(&db->parked[i], &empty, c))
            return true;
    }
    return false;
}

static keel_conn *unpark(keel_db *db)
{
    for (unsigned k = 0, i = park_start(); k < KEEL_PARKED_READERS; k++, i = (i + 1) % KEEL_PARKED_READERS) {
        keel_conn *c = atomic_load_explicit(&db->parked[i], memory_order_relaxed);
        if (c != NULL && atomic_compare_exchange_strong(&db->parked[i], &c, NULL))
            return c;
    }
    return NULL;
}

static void fast_users_leave(keel_db *db)
{
    if (atomic_fetch_sub(&db->fast_users, 1) == 1 && atomic_load(&db->closing)) {
        pthread_mutex_lock(&db->state_lock); /* keel_close waits for the last one */
        pthread_cond_broadcast(&db->state_idle);
        pthread_mutex_unlock(&db->state_lock);
    }
}

static _Thread_local int thread_tx_depth; /* inside keel_update/keel_view's fn on this thread */

/* A parked reader for this thread, or NULL: the caller takes the slow path. */
static keel_conn *reader_fast(keel_db *db)
{
    if (thread_tx_depth > 0) /* inside a transaction: the slow path's misuse checks apply */
        return NULL;
    atomic_fetch_add(&db->fast_users, 1); /* before closing is read: keel_close sets it, then reads us */
    keel_conn *c = atomic_load(&db->closing) ? NULL : unpark(db);
    if (c == NULL) {
        fast_users_leave(db);
        return NULL;
    }
    c->fast_taken = true;
    c->depth = 1;
    /* A keel_interrupt that raced with the last holder's give-back was for that call, not this one. */
    atomic_store_explicit(&c->interrupted, false, memory_order_relaxed);
    atomic_store_explicit(&c->owner, keel_thread_id(), memory_order_release);
    return c;
}

static void reader_give_back(keel_db *db, keel_conn *c)
{
    if (--c->depth > 0)
        return;
    c->fast_taken = false;
    atomic_store_explicit(&c->interrupted, false, memory_order_relaxed); /* the call it stopped is over */
    atomic_store_explicit(&c->owner, 0, memory_order_release);
    if (!park(db, c)) { /* every slot full: the pool's list */
        pthread_mutex_lock(&db->state_lock);
        db->idle[db->n_idle++] = c;
        pthread_cond_signal(&db->reader_free);
        pthread_mutex_unlock(&db->state_lock);
    } else if (atomic_load(&db->reader_waiters) > 0) {
        pthread_mutex_lock(&db->state_lock);
        pthread_cond_broadcast(&db->reader_free);
        pthread_mutex_unlock(&db->state_lock);
    }
    fast_users_leave(db);
}

/* Gives c back; the caller holds state_lock. */
static void put_back(keel_db *db, keel_conn *c)
{
    if (--c->depth > 0)
        return;
    atomic_store(&c->owner, 0);
    atomic_store(&c->interrupted, false); /* the call it stopped is over */
    if (c->engine->is_lost != NULL && c->engine->is_lost(c))
        keel_server_lost(db, c->replica);
    if (c == db->writer) {
        pthread_cond_signal(&db->writer_free);
    } else if (c->replica >= 0) {
        keel_replica *r = &db->replicas[c->replica];
        r->idle[r->n_idle++] = c;
        pthread_cond_broadcast(&db->reader_free); /* waiters may want another server */
    } else if (!(c->reader && atomic_load(&db->reader_waiters) == 0 && park(db, c))) {
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
    int rc = db->engine->open_pooled(db, c, dsn, ctx);
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
    } else if (db->parks_readers && kind != KEEL_ACQUIRE_WRITE) {
        keel_conn *r = reader_fast(db); /* none parked, or closing: slow path */
        if (r != NULL) {
            *out = r;
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
        if (c == db->writer || c->fast_taken)
            leave_locked(db); /* the holders of these are known by their owner word (and fast_users) */
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
            if (c->engine->revive(db, c, ctx) == KEEL_OK) { /* replicas: PostgreSQL only */
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
        if (db->parks_readers && (c = unpark(db)) != NULL)
            break;
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
        atomic_fetch_add(&db->reader_waiters, 1);
        if (db->parks_readers && (c = unpark(db)) != NULL) { /* parked before it saw us: see park */
            atomic_fetch_sub(&db->reader_waiters, 1);
            break;
        }
        pthread_cond_wait(&db->reader_free, &db->state_lock);
        atomic_fetch_sub(&db->reader_waiters, 1);
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

    if (c->engine->revive != NULL && (rc = c->engine->revive(db, c, ctx)) != KEEL_OK) {
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
    if (c->fast_taken) {
        reader_give_back(db, c);
        return;
    }
    pthread_mutex_lock(&db->state_lock);
    put_back(db, c);
    leave_locked(db);
    pthread_mutex_unlock(&db->state_lock);
}

int keel_conn_exec(keel_db *db, keel_conn *c, const char *ctx, const char *sql)
{
    return c->engine->exec(db, c, ctx, sql);
}

int64_t keel_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The caller holds state_lock (and, for PostgreSQL, cancel_lock). */
static void interrupt_conn(keel_conn *c)
{
    atomic_store(&c->interrupted, true);
    c->engine->interrupt(c);
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
    if (c->engine->set_tx_timeout != NULL) {
        int rc = c->engine->set_tx_timeout(tx, c, timeout_ms);
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
    if (c->tx.tx_failed) {
        /*
         * fn ignored a failed statement. PostgreSQL would silently turn this
         * COMMIT into a ROLLBACK; SQLite would keep the other writes. Both
         * engines roll back and say so, so that code behaves the same on each.
         */
        char earlier[KEEL_ENGINE_MSG_MAX];
        snprintf(earlier, sizeof earlier, "%s", keel_errmsg(db));
        c->engine->rollback(c);
        return keel_err_set(db, KEEL_ERROR,
                            "%s: fn returned KEEL_OK after a statement failed; rolled back (the failure: %s)",
                            what, earlier);
    }
    return c->engine->commit(db, c, what);
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

    rc = c->engine->begin(db, c, what, read_only);
    for (int retry = 0; rc == KEEL_CONNECTION_LOST && c->replica >= 0 && retry < db->n_replicas; retry++) {
        /* The replica went away before fn ran: released as lost, another server serves the view. */
        keel_conn_release(db, c);
        if ((rc = keel_conn_acquire(db, what, kind, &c)) != KEEL_OK || c == NULL)
            return rc != KEEL_OK ? rc : KEEL_MISUSE;
        rc = c->engine->begin(db, c, what, read_only);
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
        if (rc == KEEL_OK)
            rc = commit(db, c, what);
        else
            c->engine->rollback(c);
    }
    if (c->engine->tx_end != NULL)
        c->engine->tx_end(c, read_only);
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
