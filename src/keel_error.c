/*
 * keel_error.c — result code names, engine code mapping, and the per-thread
 * last-error messages behind keel_errmsg.
 */
#include "keel_internal.h"

#include <stdio.h>
#include <string.h>

const char *keel_code_name(int code)
{
    switch (code) {
    case KEEL_OK: return "KEEL_OK";
    case KEEL_ERROR: return "KEEL_ERROR";
    case KEEL_NOT_FOUND: return "KEEL_NOT_FOUND";
    case KEEL_UNIQUE_VIOLATION: return "KEEL_UNIQUE_VIOLATION";
    case KEEL_FOREIGN_KEY_VIOLATION: return "KEEL_FOREIGN_KEY_VIOLATION";
    case KEEL_NOT_NULL_VIOLATION: return "KEEL_NOT_NULL_VIOLATION";
    case KEEL_CHECK_VIOLATION: return "KEEL_CHECK_VIOLATION";
    case KEEL_READ_ONLY: return "KEEL_READ_ONLY";
    case KEEL_BUSY: return "KEEL_BUSY";
    case KEEL_CONNECTION_LOST: return "KEEL_CONNECTION_LOST";
    case KEEL_CLOSED: return "KEEL_CLOSED";
    case KEEL_BAD_DSN: return "KEEL_BAD_DSN";
    case KEEL_NOMEM: return "KEEL_NOMEM";
    case KEEL_MISUSE: return "KEEL_MISUSE";
    case KEEL_MIGRATION_FAILED: return "KEEL_MIGRATION_FAILED";
    case KEEL_MIGRATION_CHECKSUM: return "KEEL_MIGRATION_CHECKSUM";
    case KEEL_MIGRATION_MISSING: return "KEEL_MIGRATION_MISSING";
    case KEEL_MIGRATION_TOO_NEW: return "KEEL_MIGRATION_TOO_NEW";
    case KEEL_MIGRATION_DIRTY: return "KEEL_MIGRATION_DIRTY";
    case KEEL_MIGRATION_UNTRACKED: return "KEEL_MIGRATION_UNTRACKED";
    case KEEL_INTERRUPTED: return "KEEL_INTERRUPTED";
    case KEEL_TIMEOUT: return "KEEL_TIMEOUT";
    case KEEL_ROW: return "KEEL_ROW";
    case KEEL_DONE: return "KEEL_DONE";
    default: return "KEEL_UNKNOWN_CODE";
    }
}

/* ---------------------------------------------------------------------------
 * Thread identity, for connection ownership. pthread_t cannot be compared
 * atomically in portable C; a counter-issued id can.
 * ------------------------------------------------------------------------- */
static _Atomic uint64_t next_thread_id = 1;
_Thread_local uint64_t keel_this_thread_id;

uint64_t keel_new_thread_id(void)
{
    keel_this_thread_id = atomic_fetch_add(&next_thread_id, 1);
    return keel_this_thread_id;
}

static _Atomic uint64_t next_err_id = 1;

uint64_t keel_new_err_id(void)
{
    return atomic_fetch_add(&next_err_id, 1);
}

/* ---------------------------------------------------------------------------
 * Last-error messages: a few fixed slots per thread, keyed by the handle's
 * id (never its address, which malloc may hand to a later handle). Fixed
 * storage means no allocation on the error path and nothing to free at
 * thread exit; a thread juggling more handles than slots loses the oldest
 * message, which keel_errmsg then reports as unknown.
 * ------------------------------------------------------------------------- */
enum { ERR_SLOTS = 8, ERR_MSG_MAX = 1024 };

typedef struct err_slot {
    uint64_t id;
    uint64_t last_used;
    char msg[ERR_MSG_MAX];
} err_slot;

static _Thread_local err_slot err_slots[ERR_SLOTS];
static _Thread_local uint64_t err_clock;

static err_slot *slot_for(uint64_t id, bool create)
{
    err_slot *oldest = &err_slots[0];
    for (int i = 0; i < ERR_SLOTS; i++) {
        if (err_slots[i].id == id)
            return &err_slots[i];
        if (err_slots[i].last_used < oldest->last_used)
            oldest = &err_slots[i];
    }
    if (!create)
        return NULL;
    oldest->id = id;
    oldest->msg[0] = '\0';
    return oldest;
}

int keel_err_setv(const keel_db *db, int code, const char *fmt, va_list ap)
{
    if (db == NULL)
        return code;
    err_slot *s = slot_for(db->err_id, true);
    s->last_used = ++err_clock;
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    return code;
}

int keel_err_set(const keel_db *db, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    keel_err_setv(db, code, fmt, ap);
    va_end(ap);
    return code;
}

const char *keel_errmsg(const keel_db *db)
{
    if (db == NULL)
        return "keel: NULL handle (keel_open could not allocate one?)";
    err_slot *s = slot_for(db->err_id, false);
    if (s == NULL || s->msg[0] == '\0')
        return "no error recorded for this handle on this thread";
    return s->msg;
}

/* ---------------------------------------------------------------------------
 * Engine codes -> keel codes.
 * ------------------------------------------------------------------------- */
int keel_sqlite_code(int rc)
{
    switch (rc) {
    case SQLITE_OK: return KEEL_OK;
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID: return KEEL_UNIQUE_VIOLATION;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return KEEL_FOREIGN_KEY_VIOLATION;
    case SQLITE_CONSTRAINT_NOTNULL: return KEEL_NOT_NULL_VIOLATION;
    case SQLITE_CONSTRAINT_CHECK: return KEEL_CHECK_VIOLATION;
    default: break;
    }
    switch (rc & 0xff) {
    case SQLITE_READONLY: return KEEL_READ_ONLY;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return KEEL_BUSY;
    case SQLITE_NOMEM: return KEEL_NOMEM;
    case SQLITE_INTERRUPT: return KEEL_INTERRUPTED; /* keel_stmt.c tells a timeout apart */
    case SQLITE_IOERR: return KEEL_CONNECTION_LOST; /* the storage failed under the database */
    case SQLITE_MISUSE:
    case SQLITE_RANGE: return KEEL_MISUSE;
    default: return KEEL_ERROR;
    }
}

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
