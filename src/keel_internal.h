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
 */
#ifndef KEEL_INTERNAL_H
#define KEEL_INTERNAL_H

#include "keel.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>

typedef struct keel_conn keel_conn;

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
    sqlite3_stmt *sqlite;    /* SQLite: the prepared statement */
    unsigned pg_id;          /* PostgreSQL: server-side name is "keel_<pg_id>" */
    keel_stmt *stmt;         /* the reusable keel_stmt; NULL until first opened */
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

enum { KEEL_WRITE_HINTS = 16 };

struct keel_db {
    keel_dialect dialect;
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
    char *dsn;                  /* PostgreSQL: to open more connections */
    char *sqlite_path;          /* SQLite file: readers open this */
    keel_conn *writer;          /* SQLite only */
    bool single;                /* SQLite in memory: no readers */
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
};

/* The writer's owner word: someone waits on writer_free / closed for good. */
#define KEEL_OWNER_WAITERS ((uint64_t)1 << 63)
#define KEEL_OWNER_CLOSED ((uint64_t)1 << 62)

struct keel_conn {
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
    int64_t deadline_ns;  /* SQLite: when the running statement times out (0: never) */
    bool timed_out;       /* SQLite: the progress handler stopped it for the deadline */
    PGcancel *cancel;     /* PostgreSQL: for keel_interrupt; guarded by root->cancel_lock */
    unsigned epoch; /* the root's primary_epoch when this connection was (re)made */

    sqlite3 *sqlite;
    PGconn *pg;
    keel_stmt_cache cache;
    unsigned pg_next_id;
    /* PostgreSQL: the statement whose rows are being streamed (single-row
     * mode), which owns the connection's input until keel_pg_settle. */
    keel_stmt *pg_streaming;
    /* A batch's row callback is running (keel_batch.c): keel_stmt_open
     * refuses, since a PostgreSQL pipeline owns the connection. */
    bool batch_running;

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
int keel_sqlite_code(int extended_rc);
int keel_pg_code(const PGresult *res, const PGconn *conn);
/* The engine's message for a failed result, on one line. */
void keel_pg_message(const PGresult *res, const PGconn *conn, char *buf, size_t size);

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
/* Whether q is known to write (keel_stmt_open then asks for the writer). */
bool keel_write_hint_has(keel_db *db, const keel_query *q);
void keel_write_hint_add(keel_db *db, const keel_query *q);
/* Runs SQL without results on an acquired connection; maps and records errors. */
int keel_conn_exec(keel_db *db, keel_conn *conn, const char *ctx, const char *sql);

/* The statement timeout in force on c now: its transaction's, else the handle's. */
int keel_conn_timeout_ms(const keel_conn *c);
int64_t keel_now_ns(void);

/* ---- read replicas (keel_replica.c) ---- */
int64_t keel_now_ms(void);
int keel_replicas_init(keel_db *db, const keel_options *opt);
void keel_replicas_free(keel_db *db);
/* Whether q, run outside a transaction, may go to a replica. */
bool keel_replica_may_run(keel_db *db, const keel_query *q);
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
uint64_t keel_get_be(const char *p, int n); /* n-byte big-endian unsigned */
void keel_put_be(char *p, uint64_t v, int n);

/* The PostgreSQL types keel reads and writes in binary format. */
typedef enum keel_pg_kind {
    KEEL_PG_OTHER = 0, /* anything else: the statement's results stay text */
    KEEL_PG_BOOL,
    KEEL_PG_INT2,
    KEEL_PG_INT4,
    KEEL_PG_INT8,
    KEEL_PG_OID,
    KEEL_PG_FLOAT8,
    KEEL_PG_BYTEA,
    KEEL_PG_TEXT, /* text, varchar, bpchar, name, json: their binary form is their text */
    KEEL_PG_UUID
} keel_pg_kind;
keel_pg_kind keel_pg_kind_of(unsigned oid);
int64_t keel_pg_binary_int(keel_pg_kind kind, const char *v); /* bool and integer kinds */
double keel_pg_binary_float(const char *v);                    /* float8 */
/* The text PostgreSQL would have sent for a binary bool/integer/float8/uuid
 * value; buf needs 40 bytes. Returns the length. */
size_t keel_pg_binary_to_text(keel_pg_kind kind, const char *v, char *buf, size_t size);

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

/* ---- statements (keel_stmt.c, keel_columns.c) ---- */
typedef struct keel_pg_param {
    unsigned type;    /* the server's type for $i (from describe) */
    keel_pg_kind kind;
    char number[32];  /* int64, double and bool values live here */
} keel_pg_param;

typedef struct keel_pg_column {
    keel_pg_kind kind;
    char text[40];            /* binary bool/number/uuid rendered as text, on request */
    unsigned char *unescaped; /* the current row's bytea decoded from text (PQfreemem) */
    char *hex;                /* the current row's binary bytea rendered as text (free) */
} keel_pg_column;

struct keel_stmt {
    keel_db *db; /* the handle this use was opened on: root (holds the connection) or tx */
    keel_conn *conn;
    const keel_query *query;
    bool cached; /* owned by the connection's cache entry, reused by the next open */
    bool in_use;
    int bind_error;
    char bind_message[256];
    bool done; /* both engines: stepping past the end stays DONE */
    int n_params;
    /* Tracing (only while the root handle has a trace hook): from open to close. */
    int64_t started_ns;
    int64_t rows;
    int first_error;
    keel_buf *lists; /* per parameter, lazily: the text of a bound list */

    /* SQLite */
    sqlite3_stmt *sqlite; /* the cache entry's, or private (see sqlite_open_stmt) */
    uint64_t bound;       /* parameters bound in this use (the first 64) */
    uint64_t all_bound;   /* `bound` when every one of the first 64 is */
    bool stepped;         /* SQLite: stepped once this use (parameters settled, deadline set) */

    /* PostgreSQL */
    char pg_name[32];
    keel_pg_param *params;
    const char **values;
    int *lengths;
    int *formats;
    int n_cols;
    keel_pg_column *cols;
    bool binary_results;
    bool stream;      /* keel_stmt_stream was called for this use */
    bool stream_open; /* results still to be read from the connection or the queue */
    PGresult *result; /* the current batch: the whole result, or one row */
    int row;
    int n_rows;
    bool executed;
    PGresult **queue; /* a settled stream's remaining results, in order */
    int queue_len, queue_pos, queue_cap;
};

extern const char keel_empty_bytes[1]; /* an empty blob/text that is not NULL */

/* ---- statement cache (keel_stmt.c) ---- */
keel_cached_stmt *keel_cache_find(keel_stmt_cache *c, const keel_query *q);
keel_cached_stmt *keel_cache_insert(keel_stmt_cache *c, const keel_query *q);
/* Finalizes SQLite statements, forgets PostgreSQL names, frees the keel_stmts. */
void keel_cache_clear(keel_stmt_cache *c);
/*
 * PostgreSQL: before anything else is sent on c, the statement streaming
 * on it (if any) reads its remaining rows into memory, so the connection
 * is free and the stream still yields every row. No-op otherwise.
 */
void keel_pg_settle(keel_conn *c);

/*
 * The engine a DSN selects, as keel_open decides it: postgres:// and
 * postgresql:// URLs and libpq "keyword=value" strings are PostgreSQL,
 * anything else non-blank is a SQLite path or URI; 0 for NULL or blank.
 * Separate so it can be fuzzed without opening anything.
 */
keel_dialect keel_dsn_dialect(const char *dsn);

/* ---- statements (keel_stmt.c), for keel_array.c ---- */
int keel_stmt_fail(keel_stmt *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool keel_stmt_is_sqlite(const keel_stmt *st);

#endif /* KEEL_INTERNAL_H */
