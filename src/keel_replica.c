/*
 * keel_replica.c — PostgreSQL read replicas: which statements may go to
 * one, the queries a replica taught us are writes, and replica health.
 * The pools themselves are keel_db.c's (keel_conn_acquire with
 * KEEL_ACQUIRE_REPLICA), so there is one place that hands out connections.
 */
#include "keel_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t keel_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int keel_replicas_init(keel_db *db, const keel_options *opt)
{
    if (opt == NULL || opt->n_read_replicas <= 0 || db->dialect != KEEL_DIALECT_POSTGRES)
        return KEEL_OK; /* SQLite has no replicas: ignored, as documented */
    if (opt->read_replicas == NULL)
        return keel_err_set(db, KEEL_MISUSE, "keel_open: n_read_replicas is %d but read_replicas is NULL",
                            opt->n_read_replicas);
    db->replicas = calloc((size_t)opt->n_read_replicas, sizeof *db->replicas);
    if (db->replicas == NULL)
        return keel_err_set(db, KEEL_NOMEM, "keel_open: out of memory");
    db->n_replicas = opt->n_read_replicas;
    db->replica_retry_ms = opt->replica_retry_ms > 0 ? opt->replica_retry_ms : 5000;
    for (int i = 0; i < db->n_replicas; i++) {
        keel_replica *r = &db->replicas[i];
        const char *dsn = opt->read_replicas[i];
        if (dsn == NULL || keel_dsn_dialect(dsn) != KEEL_DIALECT_POSTGRES)
            return keel_err_set(db, KEEL_BAD_DSN, "keel_open: read replica %d is not a PostgreSQL DSN", i + 1);
        r->dsn = strdup(dsn);
        r->idle = calloc((size_t)db->pool_size, sizeof(keel_conn *));
        if (r->dsn == NULL || r->idle == NULL)
            return keel_err_set(db, KEEL_NOMEM, "keel_open: out of memory");
    }
    return KEEL_OK;
}

void keel_replicas_free(keel_db *db)
{
    for (int i = 0; i < db->n_replicas; i++) {
        free(db->replicas[i].dsn);
        free(db->replicas[i].idle);
    }
    free(db->replicas);
    db->replicas = NULL;
    db->n_replicas = 0;
    free(db->writes);
    db->writes = NULL;
    db->writes_capacity = db->n_writes = 0;
}

/* The first keyword of sql, past white space and comments, is a reading one. */
static bool reads_by_its_first_word(const char *sql)
{
    const char *p = sql;
    for (;;) {
        while (isspace((unsigned char)*p) || *p == '(')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            if (end == NULL)
                return false;
            p = end + 2;
        } else {
            break;
        }
    }
    static const char *const words[] = { "select", "with", "values", "table" };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i]);
        if (strncasecmp(p, words[i], n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_')
            return true;
    }
    return false;
}

static size_t slot_of(const keel_query *q, size_t capacity)
{
    uintptr_t h = (uintptr_t)q;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 7) & (capacity - 1);
}

/* The caller holds state_lock. */
static bool known_write(const keel_db *db, const keel_query *q)
{
    if (db->n_writes == 0)
        return false;
    for (size_t i = slot_of(q, db->writes_capacity);; i = (i + 1) & (db->writes_capacity - 1)) {
        if (db->writes[i] == q)
            return true;
        if (db->writes[i] == NULL)
            return false;
    }
}

bool keel_replica_may_run_slow(keel_db *db, const keel_query *q)
{
    if (db->is_tx || db->n_replicas == 0 || !reads_by_its_first_word(q->sql))
        return false;
    pthread_mutex_lock(&db->state_lock);
    bool write = known_write(db, q);
    pthread_mutex_unlock(&db->state_lock);
    return !write;
}

void keel_replica_learn_write(keel_db *db, const keel_query *q)
{
    pthread_mutex_lock(&db->state_lock);
    if (!known_write(db, q)) {
        if ((db->n_writes + 1) * 2 > db->writes_capacity) { /* at most half full */
            size_t capacity = db->writes_capacity ? db->writes_capacity * 2 : 16;
            const keel_query **grown = calloc(capacity, sizeof(const keel_query *));
            if (grown == NULL) { /* not learning only costs a retry next time */
                pthread_mutex_unlock(&db->state_lock);
                return;
            }
            for (size_t i = 0; i < db->writes_capacity; i++) {
                const keel_query *w = db->writes[i];
                if (w == NULL)
                    continue;
                size_t j = slot_of(w, capacity);
                while (grown[j] != NULL)
                    j = (j + 1) & (capacity - 1);
                grown[j] = w;
            }
            free(db->writes);
            db->writes = grown;
            db->writes_capacity = capacity;
        }
        size_t j = slot_of(q, db->writes_capacity);
        while (db->writes[j] != NULL)
            j = (j + 1) & (db->writes_capacity - 1);
        db->writes[j] = q;
        db->n_writes++;
    }
    pthread_mutex_unlock(&db->state_lock);
}

void keel_server_lost(keel_db *db, int index)
{
    if (index < 0) {
        atomic_fetch_add(&db->primary_epoch, 1);
    } else if (index < db->n_replicas) {
        db->replicas[index].down_until = keel_now_ms() + db->replica_retry_ms;
        atomic_fetch_add(&db->replicas[index].epoch, 1);
    }
}
