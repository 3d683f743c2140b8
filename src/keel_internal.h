/*
 * keel_internal.h — shared by the runtime's source files only.
 *
 * Shape: a root keel_db owns a small pool of connections; every operation
 * "acquires" one for its duration and releases it, so the statement,
 * transaction and migration code never knows how many there are.
 *   - PostgreSQL: up to pool_size interchangeable connections, opened on
 *     demand.
 *   - SQLite file: one writer connection (every write and keel_update; in-
 *     process writers queue for it, so SQLITE_BUSY does not arise between
 *     them) and up to pool_size reader connections (query_only, WAL), so
 *     readers never wait for the writer.
 *   - SQLite in memory: the writer is the only connection (another
 *     connection would be another database).
 * A transaction handle is a keel_db embedded in the connection it pins.
 *
 * Layers: this generic part (handles, pools, acquire/release, transactions,
 * replica routing, tracing, the statement API's entry points) knows no
 * engine; it calls a connection's keel_engine (below), whose two
 * implementations live in sqlite/ and pg/ with their own connection and
 * statement structs (a keel_conn / keel_stmt as their first member). Only
 * those directories include sqlite3.h or libpq-fe.h.
 */
#ifndef KEEL_INTERNAL_H
#define KEEL_INTERNAL_H

#include "keel.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct keel_conn keel_conn;
typedef struct keel_engine keel_engine;
typedef struct keel_batch_call keel_batch_call; /* keel_batch.h */
struct sqlite3_stmt;

/*
 * One cached prepared statement of a connection, found by its keel_query.
 * `stmt` is the keel_stmt that every use of the query on this connection
 * gets back (bind arrays, result buffers, parameter and column types), so
 * a call allocates nothing once the query has run on the connection; a
 * second use while the first is still open (a callback running the same
 * query) gets a private keel_stmt instead.
 */
typedef struct keel_cached_stmt {
    const keel_query *query; /* NULL: empty slot */
    const char *sql;         /* also compared, in case a query struct is reused */
    keel_stmt *stmt;         /* the reusable keel_stmt; NULL until first opened */
    union {                  /* what the engine prepared, owned by the engine */
        struct sqlite3_stmt *sqlite; /* SQLite: the prepared statement */
        unsigned pg_id;              /* PostgreSQL: server-side name is "keel_<pg_id>" */
    } prepared;
} keel_cached_stmt;

/*
 * A PostgreSQL read replica (keel_options.read_replicas): its own small
 * pool. A replica that fails is skipped until down_until, then tried again.
 */
typedef struct keel_replica {
    char *dsn;
    keel_conn **idle;    /* its connections not in use */
    int n_idle;
    int n_conns;         /* open connections to it, idle or in use */
    int opening;         /* being opened outside the lock */
    int64_t down_until;  /* keel_now_ms() before which it is skipped; 0: healthy */
    _Atomic unsigned epoch; /* bumped when it is lost: older connections reconnect */
} keel_replica;

typedef struct keel_stmt_cache {
    keel_cached_stmt *slots; /* open addressing, power-of-two capacity */
    size_t capacity;
    size_t count;
} keel_stmt_cache;

enum { KEEL_WRITE_HINTS = 16, KEEL_PARKED_READERS = 8 };

struct keel_db {
    keel_dialect dialect;
    const keel_engine *engine; /* root handles: every connection's engine */
    bool is_tx;
    /*
     * Messages are kept per thread and per root handle; a transaction handle
     * records under its root's id so that the caller of keel_update can read
     * what went wrong inside fn with keel_errmsg(db).
     */
    uint64_t err_id;

    /* Transaction handles (is_tx): valid while tx_active. */
    keel_db *root;
    keel_conn *conn;
    bool tx_active;
    bool tx_read_only;
    bool tx_failed; /* a statement failed in the engine: see commit() */

    /* Root handles. Everything below is guarded by state_lock. */
    pthread_mutex_t state_lock;
    pthread_cond_t state_idle;  /* signalled when users drops to 0 while closing */
    pthread_cond_t writer_free; /* SQLite: the writer went back */
    pthread_cond_t reader_free; /* a pooled connection went back (PostgreSQL: any) */
    int users;                  /* callers between acquire and release */
    bool closed;
    int open_error;             /* keel_open failed: the code every call returns */
    int busy_timeout_ms;
    int pool_size;              /* PostgreSQL connections / SQLite readers */
    char *dsn;                  /* what pooled connections open: PostgreSQL's DSN, a SQLite file's path */
    keel_conn *writer;          /* engines with a writer (SQLite) only */
    bool single;                /* the writer is the only connection (SQLite in memory, no WAL) */
    keel_conn **conns;          /* every open connection, writer included */
    int n_conns;
    int opening;                /* connections being opened outside the lock */
    keel_conn **idle;           /* pooled connections not in use (not the writer) */
    int n_idle;

    int statement_timeout_ms;   /* keel_options.statement_timeout_ms */
    pthread_mutex_t cancel_lock; /* keel_conn.cancel of every connection */
    void (*trace)(void *ctx, const keel_trace_event *ev); /* keel_options.trace */
    void *trace_ctx;

    /* PostgreSQL read replicas (keel_replica.c); none on SQLite. */
    keel_replica *replicas;
    int n_replicas;
    int n_replica_conns;        /* of n_conns, how many are replicas' */
    unsigned next_replica;      /* round robin */
    int replica_retry_ms;
    const keel_query **writes;  /* queries a replica refused: open addressing set */
    size_t writes_capacity, n_writes;
    /*
     * Bumped when a primary connection is found lost: every other primary
     * connection opened before it is reset on its next use (after a
     * failover their server is gone too), so one loss is reported, not one
     * per pooled connection.
     */
    _Atomic unsigned primary_epoch;

    /*
     * SQLite's writer is taken without state_lock (keel_conn_acquire): a
     * compare-and-swap of its owner word, given back with one exchange.
     * fast_writer is set once at open and its keel_conn outlives the
     * handle (it stays with the tombstone), so a racing keel_close never
     * frees what a fast acquire touches.
     */
    keel_conn *fast_writer;
    /* Queries a SQLite reader found to be writes: they go to the writer
     * directly (lossy, lock-free; a miss only costs the reader's check). */
    const keel_query *_Atomic write_hint[KEEL_WRITE_HINTS];

    /*
     * SQLite readers (a WAL file) are taken without state_lock too: a free
     * reader waits in one of these slots, taken with a compare-and-swap to
     * NULL and put back with one from NULL (keel_db.c, "parked readers").
     * fast_users counts the callers between such a take and its give-back,
     * so keel_close (which sets closing first) waits for them before it
     * closes connections; reader_waiters counts callers asleep on
     * reader_free, whom a give-back then wakes.
     */
    bool parks_readers;
    keel_conn *_Atomic parked[KEEL_PARKED_READERS];
    _Atomic int fast_users;
    _Atomic int reader_waiters;
    _Atomic bool closing;
};

/* The writer's owner word: someone waits on writer_free / closed for good. */
#define KEEL_OWNER_WAITERS ((uint64_t)1 << 63)
#define KEEL_OWNER_CLOSED ((uint64_t)1 << 62)

/*
 * The engine-neutral part of a connection; each engine's connection struct
 * (sqlite_conn, pg_conn) starts with one, and keel_db.c allocates
 * engine->conn_size bytes for it.
 */
struct keel_conn {
    const keel_engine *engine;
    keel_db *root;
    /*
     * Owned from acquire to release. The owner is tracked so that the same
     * thread can nest statements (a :many callback running another query)
     * on the connection it holds instead of waiting for a second one, and
     * so that using the root handle inside keel_update's fn is reported
     * instead of hanging.
     */
    _Atomic uint64_t owner; /* keel_thread_id() of the holder, 0 when free; the writer's also
                               carries KEEL_OWNER_WAITERS, or is KEEL_OWNER_CLOSED */
    int depth;
    bool reader; /* SQLite: a query_only reader connection */
    int replica; /* PostgreSQL: index into root->replicas, -1 for the primary */
    /* keel_interrupt: set on the connections of the calls running then, cleared when the call gives it back. */
    _Atomic bool interrupted;
    int tx_timeout_ms;    /* keel_tx_set_statement_timeout in the current transaction; -1: none */
    unsigned epoch; /* its server's epoch when this connection was (re)made (keel_server_epoch) */
    keel_stmt_cache cache;
    /* A batch's row callback is running (keel_batch.c): keel_stmt_open
     * refuses, since a PostgreSQL pipeline owns the connection. */
    bool batch_running;
    /* Taken from a parked slot: given back to one, counted in root->fast_users. */
    bool fast_taken;

    keel_db tx; /* the transaction handle lent to keel_update/keel_view's fn */
};

/* ---- errors (keel_error.c) ---- */
enum { KEEL_ENGINE_MSG_MAX = 768 }; /* room for an engine message inside ours */
/* keel_thread_id(): this thread's id, issued on first use (inline: it is on every call's path). */
extern _Thread_local uint64_t keel_this_thread_id;
uint64_t keel_new_thread_id(void);
static inline uint64_t keel_thread_id(void)
{
    return keel_this_thread_id != 0 ? keel_this_thread_id : keel_new_thread_id();
}
uint64_t keel_new_err_id(void);
/* Records the message for db on this thread and returns code. */
int keel_err_set(const keel_db *db, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int keel_err_setv(const keel_db *db, int code, const char *fmt, va_list ap);

/* ---- connections (keel_db.c) ---- */
/*
 * ctx names the operation in error messages (a query name, "keel_update"...).
 * KEEL_ACQUIRE_READ may hand out a SQLite reader; KEEL_ACQUIRE_WRITE always
 * the writer. PostgreSQL primary connections serve both. KEEL_ACQUIRE_REPLICA
 * is a read that a PostgreSQL read replica may serve (a healthy one, round
 * robin; the primary when there is none); elsewhere it is KEEL_ACQUIRE_READ.
 */
enum { KEEL_ACQUIRE_READ = 0, KEEL_ACQUIRE_WRITE = 1, KEEL_ACQUIRE_REPLICA = 2 };
int keel_conn_acquire(keel_db *db, const char *ctx, int kind, keel_conn **out);
void keel_conn_release(keel_db *db, keel_conn *conn);
/* Whether q is known to write (keel_stmt_open then asks for the writer); inline: on every call's path. */
static inline bool keel_write_hint_has(keel_db *db, const keel_query *q)
{
    size_t i = ((uintptr_t)q >> 4) % KEEL_WRITE_HINTS;
    return atomic_load_explicit(&db->write_hint[i], memory_order_relaxed) == q;
}
void keel_write_hint_add(keel_db *db, const keel_query *q);
/* Runs SQL without results on an acquired connection; maps and records errors. */
int keel_conn_exec(keel_db *db, keel_conn *conn, const char *ctx, const char *sql);
/* The epoch of c's server now (keel_server_lost bumps it): an older c must reconnect. */
unsigned keel_server_epoch(const keel_conn *c);

/* The statement timeout in force on c now: its transaction's, else the handle's. */
static inline int keel_conn_timeout_ms(const keel_conn *c)
{
    return c->tx_timeout_ms >= 0 ? c->tx_timeout_ms : c->root->statement_timeout_ms;
}
int64_t keel_now_ns(void);

/* ---- read replicas (keel_replica.c) ---- */
int64_t keel_now_ms(void);
int keel_replicas_init(keel_db *db, const keel_options *opt);
void keel_replicas_free(keel_db *db);
/* Whether q, run outside a transaction, may go to a replica (inline: a handle without replicas asks nothing). */
bool keel_replica_may_run_slow(keel_db *db, const keel_query *q);
static inline bool keel_replica_may_run(keel_db *db, const keel_query *q)
{
    return !db->is_tx && db->n_replicas > 0 && keel_replica_may_run_slow(db, q);
}
/* A replica refused q as a write: from now on it goes to the primary. */
void keel_replica_learn_write(keel_db *db, const keel_query *q);
/*
 * A connection to replica index (or, for -1, to the primary) was found lost:
 * the replica is skipped for replica_retry_ms, and every connection to that
 * server opened before now reconnects on its next use. The caller holds
 * state_lock.
 */
void keel_server_lost(keel_db *db, int index);

/* ---- value conversions (keel_values.c) ---- */
/* Decimal text of v in buf (room for 21 bytes); returns its length. */
size_t keel_format_int64(char *buf, int64_t v);
/* strtoll(s, NULL, 10), faster for the plain digits PostgreSQL prints. */
int64_t keel_parse_int64(const char *s);
/* Growable text, for list parameters; `failed` after an allocation failure. */
typedef struct keel_buf {
    char *s;
    size_t len, cap;
    bool failed;
} keel_buf;
void keel_buf_put(keel_buf *b, const char *s, size_t n);
void keel_buf_putc(keel_buf *b, char c);
/* A list as a JSON array (SQLite) or an array literal (PostgreSQL). */
void keel_list_int64(keel_buf *b, const int64_t *items, size_t count, bool json);
bool keel_list_double(keel_buf *b, const double *items, size_t count, bool json, size_t *bad); /* false: items[*bad] not finite */
void keel_list_text(keel_buf *b, const char *const *items, size_t count, bool json);

/* ---- statements (keel_stmt.c) ---- */
/*
 * The engine-neutral part of a statement in use; each engine's statement
 * struct (sqlite_stmt, pg_stmt) starts with one. keel_stmt.c owns these
 * fields, the engine everything after them.
 */
struct keel_stmt {
    const keel_engine *engine;
    keel_db *db; /* the handle this use was opened on: root (holds the connection) or tx */
    keel_conn *conn;
    const keel_query *query;
    bool cached; /* owned by the connection's cache entry, reused by the next open */
    bool in_use;
    bool done; /* stepping past the end stays DONE */
    int bind_error;
    int n_params;
    /* Tracing (only while the root handle has a trace hook): from open to close. */
    int64_t started_ns;
    int64_t rows;
    int first_error;
    keel_buf *lists; /* per parameter, lazily: the text of a bound list */
    char bind_message[256];
};

extern const char keel_empty_bytes[1]; /* an empty blob/text that is not NULL */

/* A statement's failure, recorded as "<query name>: <detail>"; returns code. */
int keel_stmt_fail(keel_stmt *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * An engine error: recorded like keel_stmt_fail, and inside a transaction
 * remembered (PostgreSQL has aborted the transaction, SQLite has not;
 * commit then gives both engines PostgreSQL's answer).
 */
int keel_stmt_engine_fail(keel_stmt *st, int code, const char *msg);
/* keel_interrupt came for the call st belongs to: st is done, KEEL_INTERRUPTED. */
int keel_stmt_interrupted(keel_stmt *st);
/* A binding error, reported by the next step (the first one wins). */
void keel_stmt_bind_error(keel_stmt *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Frees the engine-neutral buffers of a statement being destroyed (not st itself). */
void keel_stmt_free_lists(keel_stmt *st);

/* ---- statement cache (keel_stmt.c): per connection, keyed by the keel_query's address ---- */
keel_cached_stmt *keel_cache_find(keel_stmt_cache *c, const keel_query *q);
keel_cached_stmt *keel_cache_insert(keel_stmt_cache *c, const keel_query *q);
/* Empties the cache, handing every entry to forget (the engine frees what it prepared). */
void keel_cache_clear(keel_stmt_cache *c, void (*forget)(keel_cached_stmt *e));

/*
 * The engine a DSN selects, as keel_open decides it: postgres:// and
 * postgresql:// URLs and libpq "keyword=value" strings are PostgreSQL,
 * anything else non-blank is a SQLite path or URI; 0 for NULL or blank.
 * Separate so it can be fuzzed without opening anything.
 */
keel_dialect keel_dsn_dialect(const char *dsn);
/* Whether dsn starts with one of the linked libpq's keywords and '=' (pg/pg_conn.c). */
bool keel_pg_is_keyword_string(const char *dsn);

/* ---- migrations: each engine's half (keel_migrate_internal.h) ---- */
typedef struct keel_migrate_engine keel_migrate_engine;

/* ---------------------------------------------------------------------------
 * The engine interface: everything keel_db.c, keel_stmt.c and keel_migrate.c
 * ask of an engine. One const instance per engine (keel_sqlite_engine in
 * sqlite/, keel_pg_engine in pg/); a root handle picks one at keel_open,
 * every connection and statement carries its pointer, so the hot path
 * costs one indirect call into code written for that engine alone. NULL
 * members are things the engine does not need.
 * ------------------------------------------------------------------------- */
struct keel_engine {
    keel_dialect dialect;
    size_t conn_size;      /* the engine's connection struct, a keel_conn first */
    int default_pool_size; /* keel_options.pool_size 0: PostgreSQL connections / SQLite readers */
    bool has_writer;       /* keel_open's connection is the one writer (SQLite), not pooled */
    bool lists_as_json;    /* list parameters and array columns: JSON (SQLite) or array literals */

    /* Connections; ctx names the operation in messages. */
    /* keel_open's first connection to dsn; sets db->dsn (what open_pooled opens) and db->single. */
    int (*open_first)(keel_db *db, keel_conn *c, const char *dsn);
    /* One more pooled connection (a SQLite reader, a PostgreSQL primary or replica connection). */
    int (*open_pooled)(keel_db *db, keel_conn *c, const char *dsn, const char *ctx);
    /* At every acquire of a pooled connection: reconnects a lost or outdated session. */
    int (*revive)(keel_db *root, keel_conn *c, const char *ctx);
    /* At release: whether the server is gone (keel_server_lost). */
    bool (*is_lost)(const keel_conn *c);
    /* Finalizes the cached statements and closes the engine's handle (not c itself). */
    void (*close)(keel_conn *c);
    int (*exec)(keel_db *db, keel_conn *c, const char *ctx, const char *sql);
    /* keel_interrupt, best effort; the caller holds cancel_lock, c->interrupted is set. */
    void (*interrupt)(keel_conn *c);
    /* Before something else is sent on c: a streaming statement reads its rest into memory. */
    void (*settle)(keel_conn *c);

    /* Transactions (keel_update/keel_view): fn runs between begin and commit or rollback. */
    int (*begin)(keel_db *db, keel_conn *c, const char *what, bool read_only);
    int (*commit)(keel_db *db, keel_conn *c, const char *what);
    void (*rollback)(keel_conn *c);
    /* After the transaction, whatever its outcome (SQLite: a writer leaves query_only). */
    void (*tx_end)(keel_conn *c, bool read_only);
    /* keel_tx_set_statement_timeout beyond remembering it (PostgreSQL: SET LOCAL). */
    int (*set_tx_timeout)(keel_db *tx, keel_conn *c, int timeout_ms);

    /* Statements. */
    /* On a read-only connection (c->reader): whether q reads only. */
    bool (*reader_can_run)(keel_conn *c, const keel_query *q);
    /* The statement for q on c, ready for this use (engine fields reset); keel_stmt.c sets its own. */
    int (*stmt_open)(keel_db *db, keel_conn *c, const keel_query *q, keel_stmt **out);
    void (*stmt_stream)(keel_stmt *st);
    int (*stmt_step)(keel_stmt *st);
    bool (*stmt_writes)(keel_stmt *st); /* for the trace: rows changed count when no rows came */
    void (*stmt_reset)(keel_stmt *st);  /* the end of a use */
    void (*stmt_free)(keel_stmt *st);   /* a private (uncached) statement after its use */
    void (*bind_null)(keel_stmt *st, int i);
    void (*bind_int64)(keel_stmt *st, int i, int64_t v);
    void (*bind_double)(keel_stmt *st, int i, double v);
    void (*bind_bool)(keel_stmt *st, int i, bool v);
    void (*bind_text)(keel_stmt *st, int i, const char *v);             /* v non-NULL */
    void (*bind_blob)(keel_stmt *st, int i, const void *p, size_t n);   /* p non-NULL */
    bool (*column_is_null)(keel_stmt *st, int col);
    int64_t (*column_int64)(keel_stmt *st, int col);
    double (*column_double)(keel_stmt *st, int col);
    bool (*column_bool)(keel_stmt *st, int col);
    const char *(*column_text)(keel_stmt *st, int col, size_t *len); /* len may be NULL */
    const void *(*column_blob)(keel_stmt *st, int col, size_t *len); /* len may be NULL */
    int64_t (*changes)(keel_stmt *st);
    int64_t (*last_id)(keel_stmt *st);
    /* keel_stmt_exec_result's last_insert_id after an INSERT that inserted (SQLite's rowid); NULL: none. */
    int64_t (*insert_rowid)(keel_stmt *st);

    /* Batches (keel_batch_run, keel_copy_from; keel_batch.h), on st open in keel_update's transaction. */
    /* The whole batch in the engine's own way (PostgreSQL's pipeline). NULL:
     * keel_batch.c runs the items one at a time through the statement API,
     * calling stmt_rewind before each. */
    int (*batch_run)(keel_batch_call *call, keel_stmt *st);
    /* keel_copy_from's bulk load (PostgreSQL's COPY). NULL: the INSERT as a batch. */
    int (*copy_from)(keel_batch_call *call, keel_stmt *st);
    /* For keel_batch.c's item loop (batch_run NULL): the statement ready to
     * bind and step again, allocating nothing; keel_stmt.c's own fields are
     * reset by the caller. */
    void (*stmt_rewind)(keel_stmt *st);

    /* keel_migrate's engine half (keel_migrate_internal.h). */
    const keel_migrate_engine *migrations;
};

extern const keel_engine keel_sqlite_engine;
extern const keel_engine keel_pg_engine;

#endif /* KEEL_INTERNAL_H */
