/*
 * pg_conn.c — PostgreSQL connections: DSN recognition, connecting and the
 * session every connection gets, reconnecting a lost or outdated session
 * (failover), keel_interrupt through PQcancel, transactions, PostgreSQL's
 * SQLSTATEs as keel codes, and the engine table the generic runtime calls
 * (keel_pg_engine).
 *
 * Every connection, primary or replica, is interchangeable within its pool
 * (keel_db.c); a session's prepared statements die with it, so reconnecting
 * clears the connection's statement cache.
 */
#include "keel_migrate_internal.h"
#include "pg/pg_engine.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * Engine codes -> keel codes.
 * ------------------------------------------------------------------------- */
int keel_pg_code(const PGresult *res, const PGconn *conn)
{
    if (conn != NULL && PQstatus(conn) == CONNECTION_BAD)
        return KEEL_CONNECTION_LOST;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state == NULL) /* no result at all: libpq lost the server or memory */
        return res == NULL ? KEEL_CONNECTION_LOST : KEEL_ERROR;
    static const struct { const char *state; int code; } exact[] = {
        { "23505", KEEL_UNIQUE_VIOLATION },
        { "23503", KEEL_FOREIGN_KEY_VIOLATION },
        { "23502", KEEL_NOT_NULL_VIOLATION },
        { "23514", KEEL_CHECK_VIOLATION },
        { "25006", KEEL_READ_ONLY },
        { "40001", KEEL_BUSY }, /* serialization_failure */
        { "40P01", KEEL_BUSY }, /* deadlock_detected */
        { "55P03", KEEL_BUSY }, /* lock_not_available */
        { "53200", KEEL_NOMEM },
        { "57014", KEEL_INTERRUPTED }, /* query_canceled; keel_stmt.c tells a timeout apart */
        { "57P01", KEEL_CONNECTION_LOST }, /* admin_shutdown */
        { "57P02", KEEL_CONNECTION_LOST }, /* crash_shutdown */
        { "57P03", KEEL_CONNECTION_LOST }, /* cannot_connect_now */
    };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(state, exact[i].state) == 0)
            return exact[i].code;
    if (strncmp(state, "08", 2) == 0)
        return KEEL_CONNECTION_LOST;
    return KEEL_ERROR;
}

static void append_one_line(char *buf, size_t size, size_t *len, const char *text)
{
    for (const char *p = text; *p && *len + 1 < size; p++) {
        bool space = *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t';
        if (space && *len > 0 && buf[*len - 1] == ' ')
            continue; /* libpq's multi-line messages read as one line */
        buf[(*len)++] = (char)(space ? ' ' : *p);
    }
    while (*len > 0 && buf[*len - 1] == ' ')
        (*len)--;
    buf[*len] = '\0';
}

void keel_pg_message(const PGresult *res, const PGconn *conn, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (primary == NULL) {
        const char *whole = res ? PQresultErrorMessage(res) : "";
        if (*whole == '\0' && conn != NULL)
            whole = PQerrorMessage(conn);
        if (*whole == '\0')
            whole = "no response from the server";
        append_one_line(buf, size, &len, whole);
        return;
    }
    append_one_line(buf, size, &len, primary);
    /* The detail names the offending key or row, as SQLite's message names the column. */
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    if (detail != NULL && len + 4 < size) {
        append_one_line(buf, size, &len, " (");
        append_one_line(buf, size, &len, detail);
        append_one_line(buf, size, &len, ")");
    }
}

/* ---------------------------------------------------------------------------
 * DSNs
 * ------------------------------------------------------------------------- */
/*
 * A libpq "key=value" string starts with one of libpq's own keywords. Asking
 * libpq for its keyword list (rather than hard-coding one) keeps keel in step
 * with the linked libpq, and a file named "notes=1.db" stays a SQLite path.
 */
bool keel_pg_is_keyword_string(const char *dsn)
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

/* ---------------------------------------------------------------------------
 * Connections
 * ------------------------------------------------------------------------- */
static void silent_notices(void *arg, const char *message)
{
    /* "relation already exists, skipping" and friends are not errors. */
    (void)arg;
    (void)message;
}

/* Session settings every PostgreSQL connection gets, new or reconnected. */
static int session_setup(keel_db *db, pg_conn *c, const char *ctx)
{
    PQsetNoticeProcessor(c->handle, silent_notices, NULL);
    /* Text results and parameters are UTF-8 whatever the server's default. */
    if (PQsetClientEncoding(c->handle, "UTF8") != 0)
        return keel_err_set(db, KEEL_ERROR, "%s: cannot set client_encoding to UTF8: %s", ctx,
                            PQerrorMessage(c->handle));
    /* A cancel handle for keel_interrupt, made again for every new session. */
    PGcancel *cancel = PQgetCancel(c->handle);
    pthread_mutex_lock(&db->cancel_lock);
    PQfreeCancel(c->cancel);
    c->cancel = cancel;
    pthread_mutex_unlock(&db->cancel_lock);
    if (db->statement_timeout_ms > 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "SET statement_timeout = %d", db->statement_timeout_ms);
        int rc = keel_conn_exec(db, &c->base, ctx, sql);
        if (rc != KEEL_OK)
            return rc;
    }
    /* Timestamps read the same whatever the server's or the DSN's zone. */
    return keel_conn_exec(db, &c->base, ctx, "SET TimeZone TO 'UTC'");
}

static int connect_to(keel_db *db, keel_conn *conn, const char *dsn, const char *ctx)
{
    pg_conn *c = pg_conn_of(conn);
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

    c->handle = PQconnectdb(dsn);
    if (c->handle == NULL)
        return keel_err_set(db, KEEL_NOMEM, "%s: out of memory", ctx);
    if (PQstatus(c->handle) != CONNECTION_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(NULL, c->handle, msg, sizeof msg);
        return keel_err_set(db, KEEL_CONNECTION_LOST, "%s: cannot connect to PostgreSQL: %s", ctx, msg);
    }
    return session_setup(db, c, ctx);
}

static int open_first(keel_db *db, keel_conn *c, const char *dsn)
{
    /* Pooled connections open the same DSN. */
    if ((db->dsn = strdup(dsn)) == NULL)
        return keel_err_set(db, KEEL_NOMEM, "keel_open: out of memory");
    return connect_to(db, c, dsn, "keel_open");
}

/*
 * A server restart kills the session; the next caller gets a fresh one. So
 * does a connection older than the last loss seen on its server: after a
 * failover its server is gone too, even if libpq does not know it yet.
 * PQreset reconnects with the same DSN, so a multi-host DSN with
 * target_session_attrs=read-write finds whichever host is the primary now.
 */
static int revive(keel_db *root, keel_conn *conn, const char *ctx)
{
    pg_conn *c = pg_conn_of(conn);
    unsigned epoch = keel_server_epoch(conn);
    if (PQstatus(c->handle) == CONNECTION_OK && conn->epoch == epoch)
        return KEEL_OK;
    c->streaming = NULL;
    keel_cache_clear(&conn->cache, keel_pg_cache_forget); /* prepared statements died with the session */
    conn->epoch = epoch;
    PQreset(c->handle);
    if (PQstatus(c->handle) != CONNECTION_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(NULL, c->handle, msg, sizeof msg);
        return keel_err_set(root, KEEL_CONNECTION_LOST, "%s: reconnecting to PostgreSQL failed: %s", ctx, msg);
    }
    return session_setup(root, c, ctx);
}

static bool is_lost(const keel_conn *c)
{
    return PQstatus(((const pg_conn *)c)->handle) == CONNECTION_BAD;
}

static void close_conn(keel_conn *conn)
{
    pg_conn *c = pg_conn_of(conn);
    keel_cache_clear(&conn->cache, keel_pg_cache_forget);
    free(conn->cache.slots);
    conn->cache = (keel_stmt_cache){ 0 };
    if (c->handle != NULL)
        PQfinish(c->handle);
    c->handle = NULL;
    PQfreeCancel(c->cancel);
    c->cancel = NULL;
}

static int exec_sql(keel_db *db, keel_conn *conn, const char *ctx, const char *sql)
{
    PGconn *pg = pg_conn_of(conn)->handle;
    keel_pg_settle(conn);
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int code = KEEL_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, pg, msg, sizeof msg);
        code = keel_err_set(db, keel_pg_code(res, pg), "%s: %s", ctx, msg);
    }
    PQclear(res);
    return code;
}

static void interrupt(keel_conn *conn)
{
    pg_conn *c = pg_conn_of(conn);
    if (c->cancel != NULL) {
        char err[256];
        PQcancel(c->cancel, err, sizeof err); /* best effort: the server may already be done */
    }
}

/* ---------------------------------------------------------------------------
 * Transactions
 * ------------------------------------------------------------------------- */
static int begin(keel_db *db, keel_conn *c, const char *what, bool read_only)
{
    /* REPEATABLE READ gives a view one snapshot, as SQLite's read transaction does. */
    return exec_sql(db, c, what, read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
}

static void rollback(keel_conn *c)
{
    keel_pg_settle(c); /* a stream fn left open */
    PQclear(PQexec(pg_conn_of(c)->handle, "ROLLBACK"));
}

static int commit(keel_db *db, keel_conn *conn, const char *what)
{
    PGconn *pg = pg_conn_of(conn)->handle;
    keel_pg_settle(conn); /* a stream fn left open */
    PGresult *res = PQexec(pg, "COMMIT");
    int rc = KEEL_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        char msg[KEEL_ENGINE_MSG_MAX];
        keel_pg_message(res, pg, msg, sizeof msg);
        rc = keel_err_set(db, keel_pg_code(res, pg), "%s: COMMIT: %s", what, msg);
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

static int set_tx_timeout(keel_db *tx, keel_conn *c, int timeout_ms)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SET LOCAL statement_timeout = %d", timeout_ms);
    return exec_sql(tx, c, "keel_tx_set_statement_timeout", sql);
}

const keel_engine keel_pg_engine = {
    .dialect = KEEL_DIALECT_POSTGRES,
    .conn_size = sizeof(pg_conn),
    .default_pool_size = 8,
    .has_writer = false,
    .lists_as_json = false,

    .open_first = open_first,
    .open_pooled = connect_to,
    .revive = revive,
    .is_lost = is_lost,
    .close = close_conn,
    .exec = exec_sql,
    .interrupt = interrupt,
    .settle = keel_pg_settle,

    .begin = begin,
    .commit = commit,
    .rollback = rollback,
    .set_tx_timeout = set_tx_timeout,

    .stmt_open = keel_pg_stmt_open,
    .stmt_stream = keel_pg_stream,
    .stmt_step = keel_pg_step,
    .stmt_writes = keel_pg_stmt_writes,
    .stmt_reset = keel_pg_stmt_reset,
    .stmt_free = keel_pg_stmt_free,
    .bind_null = keel_pg_bind_null,
    .bind_int64 = keel_pg_bind_int64,
    .bind_double = keel_pg_bind_double,
    .bind_bool = keel_pg_bind_bool,
    .bind_text = keel_pg_bind_text,
    .bind_blob = keel_pg_bind_blob,
    .column_is_null = keel_pg_column_is_null,
    .column_int64 = keel_pg_column_int64,
    .column_double = keel_pg_column_double,
    .column_bool = keel_pg_column_bool,
    .column_text = keel_pg_column_text,
    .column_blob = keel_pg_column_blob,
    .changes = keel_pg_changes,
    .last_id = keel_pg_last_id,
    .batch_run = keel_pg_batch_run,
    .copy_from = keel_pg_copy_from,

    .migrations = &keel_pg_migrations,
};
