/*
 * Tracing (keel_options.trace): one event per statement with its query
 * name, dialect, rows and code, and not one allocation more than the same
 * calls without a hook. Allocations are keel's own: this binary wraps
 * malloc/calloc/realloc/free at link time (-Wl,--wrap), which reaches the
 * statically linked runtime but not sqlite3 or libpq.
 */
#include "runtime_util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_long allocations;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
    atomic_fetch_add(&allocations, 1);
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    atomic_fetch_add(&allocations, 1);
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    atomic_fetch_add(&allocations, 1);
    return __real_realloc(p, n);
}

static const keel_migration notes_sqlite[] = {
    { 1, "0001_notes.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE);", "n1" },
};
static const keel_migration notes_postgres[] = {
    { 1, "0001_notes.sql", "CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL UNIQUE);", "n1" },
};
static const keel_schema notes_schema = {
    .name = "notes",
    .sqlite = { notes_sqlite, 1 },
    .postgres = { notes_postgres, 1 },
};

static const dual_query add_note = DUAL("AddNote", 1, "INSERT INTO notes (body) VALUES (?)",
                                        "INSERT INTO notes (body) VALUES ($1)");
static const dual_query list_notes = SAME("ListNotes", "SELECT id, body FROM notes ORDER BY id");
static const dual_query touch_notes = SAME("TouchNotes", "UPDATE notes SET body = body || '!'");
static const dual_query no_such_table = SAME("NoSuchTable", "SELECT x FROM no_such_table");

typedef struct trace_log {
    int n;
    keel_trace_event events[16];
    char names[16][32];
} trace_log;

static void record(void *ctx, const keel_trace_event *ev)
{
    trace_log *log = ctx;
    if (log->n < 16) {
        log->events[log->n] = *ev;
        snprintf(log->names[log->n], sizeof log->names[0], "%s", ev->query);
        log->events[log->n].query = log->names[log->n];
    }
    log->n++;
}

/* A second handle on the case's database, with the hook (migrated again on :memory:). */
static keel_db *traced_handle(keel_db **db, const keel_options *opt)
{
    keel_db *h = NULL;
    REQUIRE_OK(keel_open(&h, keel_test_dsn(), opt));
    if (strcmp(keel_test_target(), "sqlite-memory") == 0) {
        REQUIRE_OK(keel_migrate(h, &notes_schema));
        *db = h;
    }
    return h;
}

static void every_statement_is_traced_with_its_rows_and_code(keel_db *db)
{
    trace_log log = { 0 };
    keel_options opt = { .trace = record, .trace_ctx = &log };
    keel_db *h = traced_handle(&db, &opt);
    CHECK_CODE(exec_text(h, &add_note, "one"), KEEL_OK);
    CHECK_CODE(exec_text(h, &add_note, "two"), KEEL_OK);
    CHECK_CODE(exec_text(h, &add_note, "two"), KEEL_UNIQUE_VIOLATION);
    CHECK_CODE(exec_query(h, &list_notes), KEEL_OK);
    CHECK_CODE(exec_query(h, &touch_notes), KEEL_OK);
    CHECK(exec_query(h, &no_such_table) != KEEL_OK);
    REQUIRE(log.n == 6);
    static const struct { const char *name; int64_t rows; int code; } want[] = {
        { "AddNote", 1, KEEL_OK }, { "AddNote", 1, KEEL_OK }, { "AddNote", 0, KEEL_UNIQUE_VIOLATION },
        { "ListNotes", 2, KEEL_OK }, { "TouchNotes", 2, KEEL_OK }, { "NoSuchTable", 0, KEEL_ERROR },
    };
    for (int i = 0; i < 6; i++) {
        CHECK_STR_EQ(log.events[i].query, want[i].name);
        CHECK_INT_EQ(log.events[i].rows, want[i].rows);
        CHECK_CODE(log.events[i].code, want[i].code);
        CHECK_INT_EQ(log.events[i].dialect, keel_db_dialect(h));
        CHECK(log.events[i].duration_ns > 0);
    }
    keel_close(h);
}

static long allocations_of(keel_db *h, int rounds)
{
    long before = atomic_load(&allocations);
    for (int i = 0; i < rounds; i++)
        CHECK_CODE(exec_query(h, &list_notes), KEEL_OK);
    return atomic_load(&allocations) - before;
}

static void tracing_allocates_nothing(keel_db *db)
{
    trace_log log = { 0 };
    keel_options traced = { .trace = record, .trace_ctx = &log };
    keel_db *plain = NULL;
    REQUIRE_OK(keel_open(&plain, keel_test_dsn(), NULL));
    keel_db *h = traced_handle(&db, &traced);
    if (db == h) { /* sqlite-memory: the plain handle needs the table too */
        REQUIRE_OK(keel_migrate(plain, &notes_schema));
        CHECK_CODE(exec_text(plain, &add_note, "x"), KEEL_OK);
    }
    CHECK_CODE(exec_text(h, &add_note, "x"), KEEL_OK);
    allocations_of(plain, 3); /* warm: connections opened, statements prepared */
    allocations_of(h, 3);
    long without = allocations_of(plain, 50), with = allocations_of(h, 50);
    CHECK_INT_EQ(with, without);
    printf("  %ld allocations in 50 reads without a hook, %ld with\n", without, with);
    CHECK_INT_EQ(log.n, 1 + 3 + 50);
    keel_close(h);
    keel_close(plain);
}

static const keel_test_case cases[] = {
    KEEL_TEST(every_statement_is_traced_with_its_rows_and_code),
    KEEL_TEST(tracing_allocates_nothing),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), &notes_schema);
}
