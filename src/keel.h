/*
 * keel.h — the keel runtime: one API over SQLite and PostgreSQL.
 *
 * Applications use the first half of this header (handles, transactions,
 * errors, arenas, migrations). The second half ("for generated code") is the
 * small statement API that keel's generated repositories call; applications
 * may use it, but it is shaped for the generator, not for hand-written SQL.
 */
#ifndef KEEL_H
#define KEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h> /* memcpy, for the arena's inline functions */

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Result codes: the same code means the same thing on both engines.
 * ------------------------------------------------------------------------- */
typedef enum keel_code {
    KEEL_OK = 0,
    KEEL_ERROR,                 /* engine error keel does not classify further */
    KEEL_NOT_FOUND,             /* :one query returned no row */
    KEEL_UNIQUE_VIOLATION,      /* UNIQUE or PRIMARY KEY constraint */
    KEEL_FOREIGN_KEY_VIOLATION,
    KEEL_NOT_NULL_VIOLATION,
    KEEL_CHECK_VIOLATION,
    KEEL_READ_ONLY,             /* a write inside keel_view */
    KEEL_BUSY,                  /* lock timeout, serialization failure, deadlock */
    KEEL_CONNECTION_LOST,       /* the server went away */
    KEEL_CLOSED,                /* the handle was closed */
    KEEL_BAD_DSN,               /* keel_open could not use the DSN */
    KEEL_NOMEM,
    KEEL_MISUSE,                /* API used wrongly (NULL handle, bad index...) */
    KEEL_MIGRATION_FAILED,      /* a migration's SQL failed; database unchanged */
    KEEL_MIGRATION_CHECKSUM,    /* an applied migration was edited */
    KEEL_MIGRATION_MISSING,     /* an applied migration was removed or reordered */
    KEEL_MIGRATION_TOO_NEW,     /* the database is newer than this binary */
    KEEL_MIGRATION_DIRTY,       /* golang-migrate left the database dirty */
    KEEL_MIGRATION_UNTRACKED,   /* the tables exist but keel has no history: baseline */
    KEEL_INTERRUPTED,           /* keel_interrupt stopped the call */
    KEEL_TIMEOUT,               /* the statement ran longer than its statement timeout */

    /* Step results of the statement API, never returned by other calls. */
    KEEL_ROW = 100,
    KEEL_DONE = 101
} keel_code;

/* "KEEL_UNIQUE_VIOLATION" etc.; never NULL. */
const char *keel_code_name(int code);

/* ---------------------------------------------------------------------------
 * Handles
 * ------------------------------------------------------------------------- */
typedef struct keel_db keel_db;

typedef enum keel_dialect {
    KEEL_DIALECT_SQLITE = 1,
    KEEL_DIALECT_POSTGRES = 2
} keel_dialect;

/*
 * A keel_db is safe to share across threads:
 *   - PostgreSQL: a pool of up to pool_size connections (default 8), opened
 *     on demand; a caller waits when all are busy. Each session is set to
 *     client_encoding UTF8 and TimeZone UTC, so timestamps read the same
 *     whatever the server's zone.
 *   - SQLite file: one writer connection, which every write and keel_update
 *     queue for inside keel (so SQLITE_BUSY never arises between threads of
 *     one handle), and up to pool_size reader connections (default 4) in WAL
 *     mode, so reads and keel_view never wait for the writer. Another
 *     process (or handle) holding the lock longer than busy_timeout_ms gives
 *     KEEL_BUSY.
 *   - SQLite in memory: one connection (a second would be another database).
 */
/*
 * Tracing: with keel_options.trace set, keel calls it once for every
 * statement of the statement API (every generated query call), from the
 * calling thread, after the statement ended (keel_stmt_close), and also when
 * one fails to open. Not for keel's own BEGIN/COMMIT or migrations. Costs
 * nothing when unset; never allocates. ev and its strings are valid only
 * during the call.
 */
typedef struct keel_trace_event {
    const char *query;    /* keel_query.name, e.g. "GetUpdates" */
    int dialect;          /* keel_dialect of the handle */
    int64_t duration_ns;  /* from keel_stmt_open to keel_stmt_close */
    int64_t rows;         /* rows returned, or for a statement that returns none, rows affected */
    int code;             /* KEEL_OK, or the statement's first error */
} keel_trace_event;

typedef struct keel_options {
    int busy_timeout_ms; /* SQLite: wait for another process's lock; 0 means 5000 */
    int pool_size;       /* pg connections / SQLite readers; 0 means 8 / 4 */
    /*
     * PostgreSQL read replicas (streaming standbys): libpq DSNs, each with a
     * pool of its own of up to pool_size connections. SQLite ignores them.
     *
     * Routing: a statement outside a transaction that reads (its SQL starts
     * with SELECT, WITH, VALUES or TABLE), and keel_view, go to a healthy
     * replica, round robin; writes, keel_update, keel_view_primary,
     * keel_migrate and keel_ping go to the primary. A statement a replica
     * refuses as a write (SELECT nextval(...), FOR UPDATE, a data-modifying
     * WITH) is run on the primary instead and goes there from then on. A
     * replica that cannot be reached is skipped for replica_retry_ms (0
     * means 5000) while its reads go elsewhere, with no error: a read
     * outside a transaction is retried on another server when its replica
     * is lost before answering, and keel_view when it is lost at BEGIN.
     *
     * Consistency: replication is asynchronous, so a read served by a
     * replica may not yet see what this handle (or anyone) just committed.
     * Read your own writes inside keel_update or keel_view_primary.
     *
     * Failover needs no option: give the primary as a libpq multi-host DSN
     * with target_session_attrs=read-write ("host=a,b ... target_session_
     * attrs=read-write"). When the primary goes away, calls in flight get
     * KEEL_CONNECTION_LOST; later calls reconnect to whichever host is
     * writable (a promoted standby), re-preparing their statements.
     */
    const char *const *read_replicas;
    int n_read_replicas;
    int replica_retry_ms;
    /*
     * Ends any statement that runs longer than this (0: no limit) with
     * KEEL_TIMEOUT; keel_tx_set_statement_timeout overrides it for one
     * transaction. PostgreSQL: the session's statement_timeout; SQLite: a
     * deadline checked while the statement runs.
     */
    int statement_timeout_ms;
    /* See keel_trace_event. */
    void (*trace)(void *ctx, const keel_trace_event *ev);
    void *trace_ctx;
} keel_options;

/*
 * Opens a database. The DSN picks the engine:
 *   postgres://..., postgresql://..., or a libpq "key=value ..." string
 *       -> PostgreSQL
 *   a file path, ":memory:" or a "file:" URI -> SQLite
 * opt may be NULL. On failure *db is still set when memory allows, so that
 * keel_errmsg(*db) explains; it must be closed with keel_close, and every
 * other call on it returns the open's error code.
 *
 * Failures: KEEL_BAD_DSN for an empty DSN, a PostgreSQL DSN libpq cannot
 * parse, or a SQLite file that cannot be opened (missing directory...);
 * KEEL_CONNECTION_LOST when the PostgreSQL server cannot be reached, at open
 * as later (both mean "no server to talk to").
 */
int keel_open(keel_db **db, const char *dsn, const keel_options *opt);

/*
 * Closes the handle: calls already running on other threads finish first,
 * calls waiting for a connection return KEEL_CLOSED, then every connection
 * is closed. Afterwards every call on the handle returns KEEL_CLOSED (it
 * stays a small tombstone, ~450 bytes (~1 KB for SQLite, whose writer connection struct stays too), until the process exits, so that
 * threads still holding the pointer are safe); closing twice and closing
 * NULL are harmless. A transaction handle is not closed this way (ignored).
 * Do not call it from inside keel_update/keel_view's fn on that handle.
 */
void keel_close(keel_db *db);

/* Round trip to the engine. */
int keel_ping(keel_db *db);

keel_dialect keel_db_dialect(const keel_db *db);

/*
 * The message of the last failed call on this handle from the calling
 * thread: the engine's own words, prefixed by keel's context. Never NULL.
 * Valid until the next failing keel call on this thread. Errors inside
 * keel_update/keel_view's fn are also readable through the outer handle.
 */
const char *keel_errmsg(const keel_db *db);

/* ---------------------------------------------------------------------------
 * Transactions. fn runs with a transaction handle `tx` that generated
 * functions accept like any keel_db. keel_update commits when fn returns
 * KEEL_OK and rolls back otherwise; the result is fn's code (or the commit's
 * error). keel_view runs fn in a read-only transaction: a write fails with
 * KEEL_READ_ONLY on both engines.
 *
 * Nesting: keel_update/keel_view called with a tx handle run fn inside the
 * same transaction: no savepoint, no new transaction; an inner failure
 * returned to the outer fn rolls back everything when the outer fn returns
 * it. keel_view nested in keel_update can write (it joins the write
 * transaction); keel_update nested in keel_view fails its writes with
 * KEEL_READ_ONLY.
 *
 * - The tx handle is valid only while fn runs; afterwards every call on it
 *   returns KEEL_CLOSED.
 * - Inside fn, use tx, not the outer handle: from the same thread that is
 *   KEEL_MISUSE (it would otherwise wait for the connection fn holds).
 * - If a statement failed inside fn and fn still returned KEEL_OK, the
 *   transaction is rolled back and KEEL_ERROR returned, on both engines
 *   (PostgreSQL cannot commit after an error; SQLite is made to agree).
 * - keel_view sees one snapshot (PostgreSQL: REPEATABLE READ READ ONLY).
 * ------------------------------------------------------------------------- */
int keel_update(keel_db *db, int (*fn)(keel_db *tx, void *ctx), void *ctx);
int keel_view(keel_db *db, int (*fn)(keel_db *tx, void *ctx), void *ctx);
/*
 * From any thread: stops the calls running on db (each statement running
 * on one of its connections, and any statement those calls start until
 * they return) with KEEL_INTERRUPTED; sqlite3_interrupt on SQLite, a
 * cancel request (PQcancel) on PostgreSQL. Calls that start afterwards are
 * not affected, and the handle stays usable. Inside keel_update the
 * transaction then rolls back. With a transaction handle, stops that
 * transaction's statements only.
 */
void keel_interrupt(keel_db *db);

/*
 * Inside keel_update/keel_view's fn: the statement timeout for the rest of
 * this transaction, instead of keel_options.statement_timeout_ms (0: no
 * limit). KEEL_MISUSE on a database handle.
 */
int keel_tx_set_statement_timeout(keel_db *tx, int timeout_ms);

/* keel_view on the primary, never a read replica: sees every committed write. */
int keel_view_primary(keel_db *db, int (*fn)(keel_db *tx, void *ctx), void *ctx);

/* ---------------------------------------------------------------------------
 * Arenas: where :one and :many results put their variable-length data.
 * Zero-initialise (KEEL_ARENA_INIT), use, then keel_arena_free.
 * ------------------------------------------------------------------------- */
typedef struct keel_arena_block keel_arena_block;
typedef struct keel_arena {
    keel_arena_block *head;
    /* The head block's free space, bumped by the inline fast path below:
     * reading a :many row's strings costs no call into libkeel. */
    unsigned char *next, *end;
} keel_arena;
#define KEEL_ARENA_INIT {0}
/* Every allocation's alignment (at least max_align_t's, checked in keel_arena.c). */
#define KEEL_ARENA_ALIGN 16

void *keel_arena_alloc_block(keel_arena *a, size_t size); /* the slow path: a new block */

/* max-aligned; NULL on OOM. A zero-byte request still gets a distinct pointer. */
static inline void *keel_arena_alloc(keel_arena *a, size_t size)
{
    /* next and end are KEEL_ARENA_ALIGN-aligned, so a size that fits still fits rounded up */
    if (a != NULL && size != 0 && size <= (size_t)(a->end - a->next)) {
        void *p = a->next;
        a->next += (size + KEEL_ARENA_ALIGN - 1) & ~(size_t)(KEEL_ARENA_ALIGN - 1);
        return p;
    }
    return keel_arena_alloc_block(a, size);
}

static inline void *keel_arena_memdup(keel_arena *a, const void *p, size_t n)
{
    if (p == NULL)
        return NULL;
    void *copy = keel_arena_alloc(a, n);
    if (copy != NULL && n > 0)
        memcpy(copy, p, n);
    return copy;
}

/* adds NUL */
static inline char *keel_arena_strndup(keel_arena *a, const char *s, size_t n)
{
    if (s == NULL || n == (size_t)-1)
        return NULL;
    char *copy = (char *)keel_arena_alloc(a, n + 1);
    if (copy == NULL)
        return NULL;
    if (n > 0)
        memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

void keel_arena_free(keel_arena *a); /* frees everything; the arena is reusable */
/*
 * Forgets every allocation but keeps the arena's largest block for reuse:
 * a loop that resets the arena between calls allocates nothing once the
 * block is big enough for one call's results. keel_arena_free still frees.
 */
void keel_arena_reset(keel_arena *a);

/* ---------------------------------------------------------------------------
 * Nullable values in rows and parameters. NULL is never 0 or "":
 * text is a NULL pointer; scalars carry `valid`; a blob's data is NULL.
 * ------------------------------------------------------------------------- */
typedef struct keel_opt_int64 { int64_t value; bool valid; } keel_opt_int64;
typedef struct keel_opt_double { double value; bool valid; } keel_opt_double;
typedef struct keel_opt_bool { bool value; bool valid; } keel_opt_bool;
typedef struct keel_blob { const void *data; size_t len; } keel_blob;

/* Lists, for IN (sqlc.slice(x)) in SQLite and = ANY(@x::type[]) in
 * PostgreSQL: `count` items; count 0 matches nothing. A NULL text item is
 * SQL NULL. They are also PostgreSQL's one-dimensional arrays, as
 * parameters and results: an optional (nullable) array is NULL when
 * `items` is NULL; an empty array has count 0 and items not NULL. Arrays
 * read from a row live in the row's arena; a NULL element of a text array
 * is a NULL item, and a NULL element of an int64, double or bool array is
 * an error (KEEL_ERROR): those lists cannot hold one. */
typedef struct keel_int64_list { const int64_t *items; size_t count; } keel_int64_list;
typedef struct keel_double_list { const double *items; size_t count; } keel_double_list;
typedef struct keel_text_list { const char *const *items; size_t count; } keel_text_list;
typedef struct keel_bool_list { const bool *items; size_t count; } keel_bool_list;

#define KEEL_SOME_INT64(v) ((keel_opt_int64){ .value = (v), .valid = true })
#define KEEL_SOME_DOUBLE(v) ((keel_opt_double){ .value = (v), .valid = true })
#define KEEL_SOME_BOOL(v) ((keel_opt_bool){ .value = (v), .valid = true })

/* ---------------------------------------------------------------------------
 * Migrations, embedded by the generator (see generated/<repo>.h).
 * ------------------------------------------------------------------------- */
typedef struct keel_migration {
    int64_t version;      /* NNNN from the file name */
    const char *name;     /* file name, e.g. "0001_initial_schema.sql" */
    const char *sql;      /* the up part of the file */
    const char *checksum; /* hex SHA-256 of sql with CRLF normalised to LF */
} keel_migration;

typedef struct keel_migration_set {
    const keel_migration *items;
    size_t count;
} keel_migration_set;

typedef struct keel_schema {
    const char *name;           /* repository name, e.g. "diun" */
    keel_migration_set sqlite;  /* count 0 when the dialect is absent */
    keel_migration_set postgres;
} keel_schema;

/*
 * Applies the migrations of the handle's dialect that are not applied yet,
 * each in its own transaction together with its keel_migrations record, so
 * a failure leaves the previous version (no "dirty" state); the message
 * names the file, the failing statement's line and the engine's words.
 * Re-running is a no-op. Needs the database handle (KEEL_MISUSE for a tx
 * handle). Migration SQL must not COMMIT or ROLLBACK keel's transaction.
 *
 * Every run first checks the recorded history against the binary: an
 * applied migration edited (KEEL_MIGRATION_CHECKSUM), removed, renamed or
 * reordered (KEEL_MIGRATION_MISSING), or a database newer than the binary
 * (KEEL_MIGRATION_TOO_NEW) is refused before anything runs.
 *
 * Processes migrating one database at once apply each migration once:
 * PostgreSQL takes a session advisory lock on one pinned connection
 * (released on every path), SQLite the write lock per migration.
 *
 * Adopting a database keel did not create (keel_migrations empty or absent):
 *   - golang-migrate's schema_migrations (version, dirty): not dirty ->
 *     every embedded migration up to its version is recorded as applied
 *     (with this binary's checksums, not run again), the rest are applied;
 *     dirty -> KEEL_MIGRATION_DIRTY. An unknown version is
 *     KEEL_MIGRATION_MISSING. schema_migrations itself is left alone.
 *   - otherwise, if every table the first migration creates already exists,
 *     the schema was made some other way: KEEL_MIGRATION_UNTRACKED, unless
 *     keel_migrate_options.baseline_version says which version the
 *     database matches (those migrations are then recorded, not run).
 */
int keel_migrate(keel_db *db, const keel_schema *schema);

typedef struct keel_migrate_options {
    /* Called after each migration this run applied (not for adopted ones). */
    void (*progress)(void *ctx, int64_t version, const char *name, int64_t duration_ms);
    void *progress_ctx;
    /* See "Adopting" above; 0 = refuse an untracked database. */
    int64_t baseline_version;
    /*
     * Called when a migration is about to run: inside its transaction, with
     * the write lock (SQLite) or advisory lock (PostgreSQL) held, before its
     * first statement. Gets progress_ctx. For "applying 0003_x.sql..." logs,
     * and for tests that must stop a process at a known point.
     */
    void (*starting)(void *ctx, int64_t version, const char *name);
} keel_migrate_options;

/* keel_migrate with options; opt may be NULL. */
int keel_migrate_with(keel_db *db, const keel_schema *schema, const keel_migrate_options *opt);

/* ---------------------------------------------------------------------------
 * For generated code: prepared statements.
 *
 * A keel_query is a static description emitted by the generator; the
 * runtime prepares it once per connection and reuses it, together with
 * keel's own state for it (bind arrays, result buffers), so that after its
 * first use on a connection a call allocates nothing in keel. Parameters
 * are 1-based, columns 0-based. Bind errors are remembered and reported by
 * the first keel_stmt_step. Text and blob pointers returned by
 * keel_column_* are borrowed: valid until the next step or keel_stmt_close.
 *
 * Bound text and blobs are borrowed too, not copied: the caller's memory
 * must stay valid and unchanged from the keel_bind_* call until
 * keel_stmt_close (the engine reads it while stepping). Generated code
 * meets this by construction: each generated function binds its own
 * arguments, steps and closes before it returns, so the caller's strings
 * outlive every use. Lists are built into the statement's own buffer.
 *
 * Outside a transaction, an open statement holds the handle's connection
 * until keel_stmt_close, so close it promptly; the same thread may open
 * further statements meanwhile (a :many callback running another query).
 * Stepping after KEEL_DONE returns KEEL_DONE again and does not re-run the
 * statement.
 * ------------------------------------------------------------------------- */
typedef struct keel_query {
    const char *name; /* query name, e.g. "GetUpdates"; used in messages */
    const char *sql;  /* dialect SQL with the engine's own placeholders */
    int n_params;
} keel_query;

typedef struct keel_stmt keel_stmt;

int keel_stmt_open(keel_db *db, const keel_query *q, keel_stmt **out);
void keel_bind_null(keel_stmt *st, int i);
void keel_bind_int64(keel_stmt *st, int i, int64_t v);
void keel_bind_double(keel_stmt *st, int i, double v);
void keel_bind_bool(keel_stmt *st, int i, bool v);
void keel_bind_text(keel_stmt *st, int i, const char *v); /* NULL binds NULL */
void keel_bind_blob(keel_stmt *st, int i, const void *p, size_t n); /* p NULL binds NULL */
/*
 * A list bound as one parameter in the engine's own list form: a JSON
 * array on SQLite (the generated SQL reads it with json_each), an array
 * literal on PostgreSQL (for = ANY($n)). Values are still bound, never
 * spliced into SQL text.
 */
void keel_bind_int64_list(keel_stmt *st, int i, const int64_t *items, size_t count);
void keel_bind_double_list(keel_stmt *st, int i, const double *items, size_t count);
void keel_bind_text_list(keel_stmt *st, int i, const char *const *items, size_t count);
void keel_bind_bool_list(keel_stmt *st, int i, const bool *items, size_t count); /* keel_array.c */

/*
 * Asks for the rows one at a time instead of all at once; call it before
 * the first step. PostgreSQL then holds one row in memory, not the whole
 * result (libpq single-row mode); SQLite always steps row by row. If
 * another statement needs the connection while the stream is open (a
 * callback running a query), the stream's remaining rows are read into
 * memory first, so nesting still works.
 */
void keel_stmt_stream(keel_stmt *st);

/* KEEL_ROW, KEEL_DONE, or an error code. */
int keel_stmt_step(keel_stmt *st);

bool keel_column_is_null(keel_stmt *st, int col);
int64_t keel_column_int64(keel_stmt *st, int col);
double keel_column_double(keel_stmt *st, int col);
bool keel_column_bool(keel_stmt *st, int col);
const char *keel_column_text(keel_stmt *st, int col, size_t *len); /* NULL for NULL */
const void *keel_column_blob(keel_stmt *st, int col, size_t *len); /* NULL for NULL */
/*
 * An array column as a list in arena: items NULL for SQL NULL. PostgreSQL:
 * a one-dimensional array, its text form parsed; SQLite (no arrays): a
 * JSON array in a text column, as keel binds lists there. KEEL_ERROR for a
 * NULL element where the list cannot hold one, a multi-dimensional array,
 * or a malformed or out-of-range element; KEEL_NOMEM.
 */
int keel_column_int64_list(keel_stmt *st, int col, keel_arena *arena, keel_int64_list *out);
int keel_column_double_list(keel_stmt *st, int col, keel_arena *arena, keel_double_list *out);
int keel_column_bool_list(keel_stmt *st, int col, keel_arena *arena, keel_bool_list *out);
int keel_column_text_list(keel_stmt *st, int col, keel_arena *arena, keel_text_list *out);

int64_t keel_stmt_changes(keel_stmt *st);  /* rows affected by the last step */
int64_t keel_stmt_last_id(keel_stmt *st);  /* SQLite rowid / pg RETURNING value */

/*
 * What an :execresult query returns: the rows it affected and, where the
 * engine keeps one, the id of the last row it inserted. Only SQLite does
 * (last_insert_rowid), and only for an INSERT that inserted a row; on
 * PostgreSQL last_insert_id is never valid (add RETURNING id and use :one).
 */
typedef struct keel_exec_result {
    int64_t rows_affected;
    keel_opt_int64 last_insert_id;
} keel_exec_result;

/* The result of a statement stepped to KEEL_DONE; `inserts` says it is an
 * INSERT, so a last id is meaningful. */
keel_exec_result keel_stmt_exec_result(keel_stmt *st, bool inserts);

/* Releases the statement (and its connection); returns KEEL_OK. */
int keel_stmt_close(keel_stmt *st);

/* ---------------------------------------------------------------------------
 * For generated code: batches and bulk load (keel_batch.c, pg/pg_batch.c),
 * behind :batchexec, :batchone, :batchmany and :copyfrom.
 *
 * A batch runs one query once per item, all in one transaction: outside a
 * transaction its own (all items or none: any failure rolls everything
 * back), inside keel_update/keel_view's fn the caller's (a failed batch
 * fails that transaction, as a failed statement does). PostgreSQL sends the
 * items in pipeline mode (libpq), so a batch costs about one round trip, not
 * one per item; SQLite steps the connection's cached statement per item.
 * The prepared statement and its buffers are the connection's cached ones:
 * after the first use nothing is allocated per item in keel.
 *
 * The first failing item ends the batch: the code is that item's (the same
 * keel_code on both engines), keel_errmsg says "Query: item <i>: <engine
 * message>", and *failed_index (may be NULL) is i. On success, or when the
 * failure belongs to no item (no connection, the commit), *failed_index is
 * n. n == 0 does nothing and returns KEEL_OK.
 *
 * row, when set, is called for each result row of item i with st on that
 * row (read it with keel_column_*; borrowed until the callback returns),
 * in item order; with `one` only for an item's first row, and once with st
 * NULL for an item that returned no row. A non-zero return stops the batch
 * (a failure at item i, rolled back like any) and is returned. Callbacks
 * must not run statements: KEEL_MISUSE (the connection is mid-pipeline).
 * ------------------------------------------------------------------------- */
typedef struct keel_batch {
    const keel_query *query;
    const void *items;  /* passed to bind */
    size_t n;
    /* Binds item i's parameters with keel_bind_* (errors surface as item i's). */
    void (*bind)(keel_stmt *st, const void *items, size_t i);
    int (*row)(keel_stmt *st, size_t i, void *ctx);
    void *ctx;
    bool one; /* :batchone */
    /* keel_copy_from on PostgreSQL: "COPY t (a, b) FROM STDIN", the
     * columns in parameter order. Unused elsewhere. */
    const char *copy;
} keel_batch;

/* Runs the batch; *rows_affected (may be NULL) is the sum over the items. */
int keel_batch_run(keel_db *db, const keel_batch *b, int64_t *rows_affected, size_t *failed_index);

/*
 * :copyfrom: inserts every item (b->row must be NULL). PostgreSQL: one COPY
 * ... FROM STDIN of b->copy, binary when every column has a type keel
 * writes in binary (bool, integers, float8, bytea, text types), text
 * otherwise; SQLite: the INSERT stepped per item, as a batch. *rows (may be
 * NULL) is the rows inserted. failed_index as for batches, with two
 * PostgreSQL differences: it checks a COPY's foreign keys after the last
 * row, so a foreign key violation belongs to no item there (n) where SQLite
 * names the item; and it checks unique keys a group of rows at a time after
 * their other constraints, so when several rows fail it may name a later
 * one than SQLite (which names the first).
 */
int keel_copy_from(keel_db *db, const keel_batch *b, int64_t *rows, size_t *failed_index);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_H */
