/*
 * keel_migrate_internal.h — what keel_migrate.c (the engine-neutral
 * driver: history checks, adoption, reading migration SQL) shares with
 * each engine's half (sqlite/sqlite_migrate.c, pg/pg_migrate.c).
 */
#ifndef KEEL_MIGRATE_INTERNAL_H
#define KEEL_MIGRATE_INTERNAL_H

#include "keel_internal.h"

#include <time.h>

typedef struct keel_applied_row {
    int64_t version;
    char *name;
    char *checksum;
} keel_applied_row;

typedef struct keel_applied_list {
    keel_applied_row *rows;
    size_t count;
} keel_applied_list;

typedef struct keel_migrator {
    keel_db *db;
    keel_conn *conn; /* the writer, pinned for the whole run */
    const char *repo; /* for messages */
    const keel_migration_set *set;
    const keel_migrate_options *opt; /* never NULL */
    const keel_migrate_engine *engine;
} keel_migrator;

/* An engine's half of keel_migrate. */
struct keel_migrate_engine {
    /* count(*) of the tables named $1 / ?1 in the schemas a query sees */
    const char *table_exists_sql;
    /* Runs sql with at most one text parameter; reads two int64 columns of the first row. */
    int (*query_row)(keel_migrator *m, const char *sql, const char *param, int64_t *a, int64_t *b, bool *found);
    /* Records e as applied (in the running transaction). */
    int (*record)(keel_migrator *m, const keel_migration *e, int64_t ms);
    /* The whole run under the engine's lock: history table, adoption, each pending migration. */
    int (*run)(keel_migrator *m);
};

extern const keel_migrate_engine keel_sqlite_migrations;
extern const keel_migrate_engine keel_pg_migrations;

/* Records "keel_migrate <repo>: <detail>" and returns code. */
int keel_migrate_fail(keel_migrator *m, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int keel_applied_push(keel_migrator *m, keel_applied_list *l, int64_t version, const char *name, const char *sum);
void keel_applied_free(keel_applied_list *l);
/* Compares the recorded history with the embedded migrations; *next: the first one to apply. */
int keel_migrate_check_applied(keel_migrator *m, const keel_applied_list *applied, size_t *next);
/* With the history empty, inside the engine's lock: adopts golang-migrate, a baseline, or refuses. */
int keel_migrate_adopt(keel_migrator *m);
void keel_migrate_starting(keel_migrator *m, const keel_migration *e);
void keel_migrate_progress(keel_migrator *m, const keel_migration *e, int64_t ms);
int64_t keel_elapsed_ms(const struct timespec *start);

/* Reading migration SQL (quotes, dollar quotes and comments skipped). */
const char *keel_sql_skip_space(const char *p);
/* Just past the ';' ending the statement at p, or its NUL. */
const char *keel_sql_statement_end(const char *p);
int keel_sql_line_of(const char *sql, const char *at);

#endif /* KEEL_MIGRATE_INTERNAL_H */
