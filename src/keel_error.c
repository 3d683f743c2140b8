/*
 * keel_error.c — result code names and the per-thread last-error messages
 * behind keel_errmsg. Each engine maps its own codes (keel_sqlite_code in
 * sqlite/sqlite_conn.c, keel_pg_code in pg/pg_conn.c).
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
