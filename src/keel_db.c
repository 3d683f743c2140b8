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
 * Live root handles. keel.h promises that a second keel_close of a handle
 * is harmless although the first one frees it, so close must recognise a
 * pointer it already released without reading through it.
 * ------------------------------------------------------------------------- */
typedef struct live_handle {
    keel_db *db;
    struct live_handle *next;
} live_handle;

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static live_handle *live_handles;

static bool live_add(keel_db *db)
{
    live_handle *h = malloc(sizeof *h);
    if (h == NULL)
        return false;
    pthread_mutex_lock(&live_lock);
    h->db = db;
    h->next = live_handles;
    live_handles = h;
    pthread_mutex_unlock(&live_lock);
    return true;
}

static bool live_remove(keel_db *db)
{
    bool found = false;
    pthread_mutex_lock(&live_lock);
    for (live_handle **p = &live_handles; *p != NULL; p = &(*p)->next) {
        if ((*p)->db == db) {
            live_handle *dead = *p;
            *p = dead->next;
            free(dead);
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&live_lock);
    return found;
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
    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->owner, 0);
    c->tx.is_tx = true;
    c->tx.dialect = root->dialect;
    c->tx.err_id = root->err_id;
    c->tx.root = root;
    c->tx.conn = c;
    return c;
}

static void conn_free(keel_conn *c)
{
    if (c == NULL)
        return;
    keel_cache_clear(&c->cache);
    free(c->cache.slots);
    if (c->sqlite != NULL)
        sqlite3_close_v2(c->sqlite);
    if (c->pg != NULL)
        PQfinish(c->pg);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static int sqlite_connect(keel_db *db, keel_conn *c, const char *dsn)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(dsn, &c->sqlite, flags, NULL);
    if (rc != SQLITE_OK) {
        int code = (rc & 0xff) == SQLITE_CANTOPEN ? KEEL_BAD_DSN : keel_sqlite_code(rc);
        return keel_err_set(db, code, "keel_open: cannot open SQLite database \"%s\": %s", dsn,
                            c->sqlite ? sqlite3_errmsg(c->sqlite) : sqlite3_errstr(rc));
    }
    sqlite3_extended_result_codes(c->sqlite, 1);
    sqlite3_busy_timeout(c->sqlite, db->busy_timeout_ms);

    const char *file = sqlite3_db_filename(c->sqlite, "main");
    bool on_disk = file != NULL && file[0] != '\0';
    /* WAL first: it reads the header, so a non-database file fails here. */
    if (on_disk && (rc = keel_conn_exec(db, c, "keel_open", "PRAGMA journal_mode=WAL")) != KEEL_OK)
        return rc;
    return keel_conn_exec(db, c, "keel_open", "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL");
}

static int pg_connect(keel_db *db, keel_conn *c, const char *dsn)
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
        return keel_err_set(db, code, "keel_open: bad PostgreSQL DSN: %s", msg);
    }
    PQconninfoFree(parsed);

    c->pg = PQconnectdb(dsn);
    if (c->pg == NULL)
        return keel_err_set(db, KEEL_NOMEM, "keel_open: out of memory");
    if (PQstatus(c->pg) != CONNECTION_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(NULL, c->pg, msg, sizeof msg);
        return keel_err_set(db, KEEL_CONNECTION_LOST, "keel_open: cannot connect to PostgreSQL: %s", msg);
    }
    PQsetNoticeProcessor(c->pg, silent_notices, NULL);
    /* Text results and parameters are UTF-8 whatever the server's default. */
    if (PQsetClientEncoding(c->pg, "UTF8") != 0)
        return keel_err_set(db, KEEL_ERROR, "keel_open: cannot set client_encoding to UTF8: %s",
                            PQerrorMessage(c->pg));
    return KEEL_OK;
}

int keel_open(keel_db **out, const char *dsn, const keel_options *opt)
{
    if (out == NULL)
        return KEEL_MISUSE;
    *out = NULL;
    keel_db *db = calloc(1, sizeof *db);
    if (db == NULL)
        return KEEL_NOMEM;
    db->err_id = keel_new_err_id();
    db->busy_timeout_ms = (opt && opt->busy_timeout_ms > 0) ? opt->busy_timeout_ms : 5000;
    pthread_mutex_init(&db->state_lock, NULL);
    pthread_cond_init(&db->state_idle, NULL);
    if (!live_add(db)) {
        pthread_cond_destroy(&db->state_idle);
        pthread_mutex_destroy(&db->state_lock);
        free(db);
        return KEEL_NOMEM;
    }
    *out = db;

    int rc;
    if (dsn == NULL || is_blank(dsn)) {
        db->dialect = KEEL_DIALECT_SQLITE; /* something valid for keel_db_dialect */
        rc = keel_err_set(db, KEEL_BAD_DSN, "keel_open: empty DSN");
    } else {
        bool pg = starts_with(dsn, "postgres://") || starts_with(dsn, "postgresql://") ||
                  is_libpq_keyword_string(dsn);
        db->dialect = pg ? KEEL_DIALECT_POSTGRES : KEEL_DIALECT_SQLITE;
        db->only_conn = conn_new(db);
        if (db->only_conn == NULL)
            rc = keel_err_set(db, KEEL_NOMEM, "keel_open: out of memory");
        else if (pg)
            rc = pg_connect(db, db->only_conn, dsn);
        else
            rc = sqlite_connect(db, db->only_conn, dsn);
    }
    if (rc != KEEL_OK) {
        /* Keep the handle so keel_errmsg can explain; drop the engine side. */
        conn_free(db->only_conn);
        db->only_conn = NULL;
        db->open_error = rc;
    }
    return rc;
}

void keel_close(keel_db *db)
{
    /*
     * Looked up before reading *db: a closed handle's memory is gone. Only
     * root handles are registered, so a tx handle (it belongs to its
     * keel_update/keel_view) is ignored the same way.
     */
    if (db == NULL || !live_remove(db))
        return;

    /* Calls already in flight finish; calls still waiting see KEEL_CLOSED. */
    pthread_mutex_lock(&db->state_lock);
    db->closed = true;
    while (db->users > 0)
        pthread_cond_wait(&db->state_idle, &db->state_lock);
    pthread_mutex_unlock(&db->state_lock);

    conn_free(db->only_conn);
    pthread_cond_destroy(&db->state_idle);
    pthread_mutex_destroy(&db->state_lock);
    free(db);
}

keel_dialect keel_db_dialect(const keel_db *db)
{
    return db ? db->dialect : KEEL_DIALECT_SQLITE;
}

static void leave(keel_db *root)
{
    pthread_mutex_lock(&root->state_lock);
    if (--root->users == 0 && root->closed)
        pthread_cond_broadcast(&root->state_idle);
    pthread_mutex_unlock(&root->state_lock);
}

static void conn_unlock(keel_conn *c)
{
    if (--c->depth == 0) {
        atomic_store(&c->owner, 0);
        pthread_mutex_unlock(&c->lock);
    }
}

/* A server restart kills the session; the next caller gets a fresh one. */
static int pg_revive(keel_db *root, keel_conn *c, const char *ctx)
{
    if (PQstatus(c->pg) == CONNECTION_OK)
        return KEEL_OK;
    keel_cache_clear(&c->cache); /* prepared statements died with the session */
    PQreset(c->pg);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(NULL, c->pg, msg, sizeof msg);
        return keel_err_set(root, KEEL_CONNECTION_LOST, "%s: reconnecting to PostgreSQL failed: %s", ctx, msg);
    }
    PQsetNoticeProcessor(c->pg, silent_notices, NULL);
    PQsetClientEncoding(c->pg, "UTF8");
    return KEEL_OK;
}

int keel_conn_acquire(keel_db *db, const char *ctx, keel_conn **out)
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

    pthread_mutex_lock(&db->state_lock);
    int refused = db->closed ? KEEL_CLOSED : db->open_error;
    if (refused == KEEL_OK)
        db->users++;
    pthread_mutex_unlock(&db->state_lock);
    if (refused == KEEL_CLOSED)
        return keel_err_set(db, KEEL_CLOSED, "%s: the handle is closed", ctx);
    if (refused != KEEL_OK)
        return keel_err_set(db, refused, "%s: the handle did not open (%s)", ctx, keel_code_name(refused));

    keel_conn *c = db->only_conn;
    if (atomic_load(&c->owner) == keel_thread_id()) {
        if (c->tx.tx_active) {
            leave(db);
            return keel_err_set(db, KEEL_MISUSE,
                                "%s: called with the database handle inside keel_update/keel_view; "
                                "pass the transaction handle instead", ctx);
        }
        c->depth++;
    } else {
        pthread_mutex_lock(&c->lock);
        atomic_store(&c->owner, keel_thread_id());
        c->depth = 1;
    }

    /* keel_close may have started while this caller waited for the connection. */
    pthread_mutex_lock(&db->state_lock);
    bool closing = db->closed;
    pthread_mutex_unlock(&db->state_lock);
    int rc = closing ? keel_err_set(db, KEEL_CLOSED, "%s: the handle is closed", ctx) : KEEL_OK;
    if (rc == KEEL_OK && c->pg != NULL && c->depth == 1)
        rc = pg_revive(db, c, ctx);
    if (rc != KEEL_OK) {
        conn_unlock(c);
        leave(db);
        return rc;
    }
    *out = c;
    return KEEL_OK;
}

void keel_conn_release(keel_db *db, keel_conn *c)
{
    if (db == NULL || c == NULL || db->is_tx)
        return;
    conn_unlock(c);
    leave(db);
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
    int rc = keel_conn_acquire(db, "keel_ping", &c);
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

    keel_conn *c;
    int rc = keel_conn_acquire(db, what, &c);
    if (rc != KEEL_OK)
        return rc;

    const char *begin;
    if (c->sqlite != NULL) {
        /*
         * IMMEDIATE takes the write lock up front, so a writer waits in
         * busy_timeout at BEGIN instead of failing with SQLITE_BUSY when a
         * read transaction would have to be upgraded mid-way.
         */
        begin = read_only ? "PRAGMA query_only=1; BEGIN DEFERRED" : "BEGIN IMMEDIATE";
    } else {
        /* REPEATABLE READ gives a view one snapshot, as SQLite's read transaction does. */
        begin = read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN";
    }
    rc = keel_conn_exec(db, c, what, begin);
    if (rc == KEEL_OK) {
        c->tx.tx_active = true;
        c->tx.tx_read_only = read_only;
        c->tx.tx_failed = false;
        rc = fn(&c->tx, ctx);
        c->tx.tx_active = false;
        if (rc == KEEL_OK) {
            rc = commit(db, c, what);
        } else if (c->sqlite != NULL) {
            if (!sqlite3_get_autocommit(c->sqlite))
                sqlite3_exec(c->sqlite, "ROLLBACK", NULL, NULL, NULL);
        } else {
            PQclear(PQexec(c->pg, "ROLLBACK"));
        }
    }
    if (read_only && c->sqlite != NULL)
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
