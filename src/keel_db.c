/*
 * keel_db.c — handles: opening either engine from a DSN, acquiring and
 * releasing the connection, transactions, ping and close.
 */
#include "keel_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A server restart kills the session; the next caller gets a fresh one. */
static int pg_revive(keel_db *root, keel_conn *c, const char *ctx)
{
    if (PQstatus(c->pg) == CONNECTION_OK)
        return KEEL_OK;
    c->pg_streaming = NULL;
    keel_cache_clear(&c->cache); /* prepared statements died with the session */
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
    if (c == db->writer) {
        pthread_cond_signal(&db->writer_free);
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

/* Opens one more pooled connection; called without state_lock. */
static int open_pooled(keel_db *db, const char *ctx, keel_conn **out)
{
    keel_conn *c = conn_new(db);
    if (c == NULL)
        return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", ctx);
    int rc = db->dialect == KEEL_DIALECT_POSTGRES ? pg_connect(db, c, db->dsn, ctx)
                                                  : sqlite_reader_connect(db, c, ctx);
    if (rc != KEEL_OK) {
        conn_free(c);
        return rc;
    }
    *out = c;
    return KEEL_OK;
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
        return w;
    }
    return NULL;
}

static void writer_give_back(keel_db *db, keel_conn *w)
{
    if (--w->depth > 0)
        return;
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
        if (!want_writer || mine == db->writer) {
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
    for (;;) {
        if (db->closed) {
            rc = KEEL_CLOSED;
            break;
        }
        if (want_writer) {
            if (writer_wait(db, me))
                c = db->writer;
            else
                rc = KEEL_CLOSED;
            break;
        }
        if (db->n_idle > 0) {
            c = db->idle[--db->n_idle];
            break;
        }
        int pooled = db->n_conns + db->opening - (db->writer != NULL);
        if (pooled < db->pool_size) {
            db->opening++;
            pthread_mutex_unlock(&db->state_lock);
            keel_conn *fresh = NULL;
            rc = open_pooled(db, ctx, &fresh);
            pthread_mutex_lock(&db->state_lock);
            db->opening--;
            if (rc == KEEL_OK && !conn_register(db, fresh)) {
                conn_free(fresh);
                fresh = NULL;
                keel_err_set(db, KEEL_NOMEM, "%s: out of memory", ctx);
                rc = KEEL_NOMEM;
            }
            if (rc != KEEL_OK) {
                pthread_cond_signal(&db->reader_free); /* another waiter may try */
                break;
            }
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

static int run_tx(keel_db *db, int (*fn)(keel_db *, void *), void *ctx, bool read_only)
{
    const char *what = read_only ? "keel_view" : "keel_update";
    if (db == NULL || fn == NULL)
        return db ? keel_err_set(db, KEEL_MISUSE, "%s: fn is NULL", what) : KEEL_MISUSE;
    if (db->is_tx) {
        if (!db->tx_active)
            return keel_err_set(db, KEEL_CLOSED, "%s: transaction handle used after its transaction ended", what);
        return fn(db, ctx); /* already inside: join it */
    }

    keel_conn *c = NULL;
    int rc = keel_conn_acquire(db, what, read_only ? KEEL_ACQUIRE_READ : KEEL_ACQUIRE_WRITE, &c);
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
    if (rc == KEEL_OK) {
        c->tx.tx_active = true;
        c->tx.tx_read_only = read_only;
        c->tx.tx_failed = false;
        thread_tx_depth++;
        rc = fn(&c->tx, ctx);
        thread_tx_depth--;
        c->tx.tx_active = false;
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
    return run_tx(db, fn, ctx, false);
}

int keel_view(keel_db *db, int (*fn)(keel_db *tx, void *ctx), void *ctx)
{
    return run_tx(db, fn, ctx, true);
}
