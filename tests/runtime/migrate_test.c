/*
 * keel_migrate on a fresh database of each target, with migration sets
 * built by hand the way the generator embeds them.
 */
#include "runtime_util.h"

#include <pthread.h>
#include <stdio.h>

/* ---- migrations: the "good" history 0001, 0002, 0003 and some bad ones ---- */
#define M1_SQLITE "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
#define M1_PG "CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL);"
#define M2_BOTH                                                          \
    "ALTER TABLE notes ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT FALSE;\n" \
    "CREATE INDEX idx_notes_pinned ON notes (pinned);"
#define M3_BOTH "CREATE TABLE labels (name TEXT PRIMARY KEY);"
/* The first statement succeeds, the second fails: nothing of it may stay. */
#define BAD_BOTH "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);"

static const keel_migration m1_sqlite = { 1, "0001_notes.sql", M1_SQLITE, "c1" };
static const keel_migration m1_pg = { 1, "0001_notes.sql", M1_PG, "c1" };
static const keel_migration m2 = { 2, "0002_pinned.sql", M2_BOTH, "c2" };
static const keel_migration m2_edited = { 2, "0002_pinned.sql", M2_BOTH "\n-- edited", "c2-edited" };
static const keel_migration m2_renamed = { 2, "0002_pin_notes.sql", M2_BOTH, "c2" };
static const keel_migration m3 = { 3, "0003_labels.sql", M3_BOTH, "c3" };
static const keel_migration m3_bad = { 3, "0003_bad.sql", BAD_BOTH, "c3-bad" };
/* A migration file with nothing to run (a placeholder, a squashed history). */
static const keel_migration m2_empty = { 2, "0002_nothing.sql", "", "c2-empty" };
static const keel_migration m3_comments = { 3, "0003_comments.sql",
    "-- +goose Up\n-- reserved for later\n/* nothing /* nested */ here */\n;\n", "c3-comments" };

/* Builds a schema from up to 4 migrations per dialect; 0001 differs per dialect. */
typedef struct built_schema {
    keel_migration sqlite[4];
    keel_migration postgres[4];
    keel_schema schema;
} built_schema;

static const keel_schema *build(built_schema *b, size_t n, const keel_migration *const *items)
{
    for (size_t i = 0; i < n; i++) {
        b->sqlite[i] = *items[i];
        b->postgres[i] = *items[i];
        if (items[i] == &m1_sqlite)
            b->postgres[i] = m1_pg;
    }
    b->schema = (keel_schema){
        .name = "notes_repo",
        .sqlite = { b->sqlite, n },
        .postgres = { b->postgres, n },
    };
    return &b->schema;
}

#define SCHEMA(b, ...)                                                                        \
    build(&(b), sizeof((const keel_migration *const[]){ __VA_ARGS__ }) / sizeof(keel_migration *), \
          (const keel_migration *const[]){ __VA_ARGS__ })

static const dual_query count_applied = SAME("CountApplied", "SELECT count(*) FROM keel_migrations");
static const dual_query newest_applied = SAME("NewestApplied", "SELECT max(version) FROM keel_migrations");
static const dual_query list_applied = SAME(
    "ListApplied",
    "SELECT version, name, checksum, execution_ms, applied_at FROM keel_migrations ORDER BY version");
static const dual_query insert_pinned_note =
    SAME("InsertPinnedNote", "INSERT INTO notes (body, pinned) VALUES ('hello', TRUE)");
static const dual_query count_notes = SAME("CountNotes", "SELECT count(*) FROM notes");
static const dual_query half_done_exists = DUAL(
    "HalfDoneExists", 0, "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'",
    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'");

static int64_t applied_count(keel_db *db)
{
    int64_t n;
    CHECK_CODE(query_int64(db, &count_applied, &n), KEEL_OK);
    return n;
}

static int64_t newest_version(keel_db *db)
{
    int64_t n;
    CHECK_CODE(query_int64(db, &newest_applied, &n), KEEL_OK);
    return n;
}

static void fresh_database_gets_every_migration_recorded(keel_db *db)
{
    built_schema b;
    REQUIRE_OK(keel_migrate(db, SCHEMA(b, &m1_sqlite, &m2)));

    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &list_applied), &st));
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK_INT_EQ(keel_column_int64(st, 0), 1);
    CHECK_STR_EQ(keel_column_text(st, 1, NULL), "0001_notes.sql");
    CHECK_STR_EQ(keel_column_text(st, 2, NULL), "c1");
    CHECK(keel_column_int64(st, 3) >= 0);
    CHECK(!keel_column_is_null(st, 4));
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK_INT_EQ(keel_column_int64(st, 0), 2);
    CHECK_STR_EQ(keel_column_text(st, 1, NULL), "0002_pinned.sql");
    CHECK_STR_EQ(keel_column_text(st, 2, NULL), "c2");
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    keel_stmt_close(st);

    /* The migrations really ran: 0002's column exists. */
    CHECK_CODE(exec_query(db, &insert_pinned_note), KEEL_OK);
}

static void rerun_is_a_noop(keel_db *db)
{
    built_schema b;
    const keel_schema *s = SCHEMA(b, &m1_sqlite, &m2);
    REQUIRE_OK(keel_migrate(db, s));
    REQUIRE_OK(exec_query(db, &insert_pinned_note));
    CHECK_CODE(keel_migrate(db, s), KEEL_OK);
    CHECK_CODE(keel_migrate(db, s), KEEL_OK);
    CHECK_INT_EQ(applied_count(db), 2);
    int64_t notes;
    CHECK_CODE(query_int64(db, &count_notes, &notes), KEEL_OK);
    CHECK_INT_EQ(notes, 1);
}

static void later_migrations_apply_on_top_of_earlier_ones(keel_db *db)
{
    built_schema b1, b2;
    REQUIRE_OK(keel_migrate(db, SCHEMA(b1, &m1_sqlite)));
    CHECK_INT_EQ(newest_version(db), 1);
    REQUIRE_OK(keel_migrate(db, SCHEMA(b2, &m1_sqlite, &m2, &m3)));
    CHECK_INT_EQ(newest_version(db), 3);
    CHECK_INT_EQ(applied_count(db), 3);
}

static void empty_and_comment_only_migrations_are_applied_and_recorded(keel_db *db)
{
    built_schema b;
    const keel_schema *s = SCHEMA(b, &m1_sqlite, &m2_empty, &m3_comments);
    REQUIRE_OK(keel_migrate(db, s));
    CHECK_INT_EQ(applied_count(db), 3);
    CHECK_INT_EQ(newest_version(db), 3);
    REQUIRE_OK(keel_migrate(db, s)); /* and recognised as applied next time */
    CHECK_INT_EQ(applied_count(db), 3);
    /* a later real migration still applies on top */
    built_schema b2;
    static const keel_migration m4 = { 4, "0004_pinned.sql", M2_BOTH, "c4" };
    REQUIRE_OK(keel_migrate(db, SCHEMA(b2, &m1_sqlite, &m2_empty, &m3_comments, &m4)));
    CHECK_INT_EQ(applied_count(db), 4);
    CHECK_CODE(exec_query(db, &insert_pinned_note), KEEL_OK);
}

static void failing_migration_leaves_previous_version(keel_db *db)
{
    built_schema b, good;
    CHECK_CODE(keel_migrate(db, SCHEMA(b, &m1_sqlite, &m2, &m3_bad)), KEEL_MIGRATION_FAILED);
    CHECK(contains(keel_errmsg(db), "0003_bad.sql"));
    CHECK(contains(keel_errmsg(db), "no_such_table")); /* the engine's own words */
    CHECK_INT_EQ(newest_version(db), 2);
    CHECK_INT_EQ(applied_count(db), 2);
    int64_t half;
    CHECK_CODE(query_int64(db, &half_done_exists, &half), KEEL_OK);
    CHECK_INT_EQ(half, 0);
    /* Still usable afterwards: the good history is up to date. */
    CHECK_CODE(keel_migrate(db, SCHEMA(good, &m1_sqlite, &m2)), KEEL_OK);
}

static void first_migration_failing_leaves_an_empty_history(keel_db *db)
{
    built_schema b;
    keel_migration bad_first = m3_bad;
    bad_first.version = 1;
    bad_first.name = "0001_bad.sql";
    const keel_migration *items[] = { &bad_first };
    CHECK_CODE(keel_migrate(db, build(&b, 1, items)), KEEL_MIGRATION_FAILED);
    CHECK_INT_EQ(applied_count(db), 0);
}

static void edited_applied_migration_is_a_checksum_error(keel_db *db)
{
    built_schema b1, b2;
    REQUIRE_OK(keel_migrate(db, SCHEMA(b1, &m1_sqlite, &m2)));
    CHECK_CODE(keel_migrate(db, SCHEMA(b2, &m1_sqlite, &m2_edited)), KEEL_MIGRATION_CHECKSUM);
    const char *msg = keel_errmsg(db);
    CHECK(contains(msg, "0002_pinned.sql"));
    CHECK(contains(msg, "c2-edited"));
    CHECK(contains(msg, "applied checksum c2,"));
}

static void edited_migration_is_refused_before_newer_ones_run(keel_db *db)
{
    built_schema b1, b2;
    REQUIRE_OK(keel_migrate(db, SCHEMA(b1, &m1_sqlite, &m2)));
    CHECK_CODE(keel_migrate(db, SCHEMA(b2, &m1_sqlite, &m2_edited, &m3)), KEEL_MIGRATION_CHECKSUM);
    CHECK_INT_EQ(newest_version(db), 2);
}

static void removed_applied_migration_is_missing(keel_db *db)
{
    built_schema b1, b2;
    REQUIRE_OK(keel_migrate(db, SCHEMA(b1, &m1_sqlite, &m2, &m3)));
    CHECK_CODE(keel_migrate(db, SCHEMA(b2, &m1_sqlite, &m3)), KEEL_MIGRATION_MISSING);
    CHECK(contains(keel_errmsg(db), "0002_pinned.sql"));
}

static void migration_inserted_before_applied_one_is_missing(keel_db *db)
{
    built_schema b1, b2;
    REQUIRE_OK(keel_migrate(db, SCHEMA(b1, &m1_sqlite, &m3)));
    CHECK_CODE(keel_migrate(db, SCHEMA(b2, &m1_sqlite, &m2, &m3)), KEEL_MIGRATION_MISSING);
    CHECK(contains(keel_errmsg(db), "0002_pinned.sql"));
    CHECK_INT_EQ(applied_count(db), 2);
}

static void renamed_applied_migration_is_missing(keel_db *db)
{
    built_schema b1, b2;
    REQUIRE_OK(keel_migrate(db, SCHEMA(b1, &m1_sqlite, &m2)));
    CHECK_CODE(keel_migrate(db, SCHEMA(b2, &m1_sqlite, &m2_renamed)), KEEL_MIGRATION_MISSING);
}

static void database_newer_than_binary_is_too_new(keel_db *db)
{
    built_schema b1, b2;
    REQUIRE_OK(keel_migrate(db, SCHEMA(b1, &m1_sqlite, &m2, &m3)));
    CHECK_CODE(keel_migrate(db, SCHEMA(b2, &m1_sqlite, &m2)), KEEL_MIGRATION_TOO_NEW);
    CHECK(contains(keel_errmsg(db), "0003_labels.sql"));
}

static void empty_migration_set_on_migrated_database_is_too_new(keel_db *db)
{
    built_schema b1;
    REQUIRE_OK(keel_migrate(db, SCHEMA(b1, &m1_sqlite)));
    keel_schema none = { .name = "notes_repo" };
    CHECK_CODE(keel_migrate(db, &none), KEEL_MIGRATION_TOO_NEW);
}

static void unordered_embedded_migrations_are_misuse(keel_db *db)
{
    built_schema b;
    CHECK_CODE(keel_migrate(db, SCHEMA(b, &m2, &m1_sqlite)), KEEL_MISUSE);
    CHECK_CODE(keel_migrate(db, NULL), KEEL_MISUSE);
}

static int migrate_in_tx(keel_db *tx, void *ctx)
{
    return keel_migrate(tx, ctx);
}

static void migrate_inside_a_transaction_is_misuse(keel_db *db)
{
    built_schema b;
    CHECK_CODE(keel_update(db, migrate_in_tx, (void *)SCHEMA(b, &m1_sqlite)), KEEL_MISUSE);
}

typedef struct racer {
    const keel_schema *schema;
    int rc;
} racer;

static void *race_migrate(void *arg)
{
    racer *r = arg;
    keel_db *other = NULL;
    r->rc = keel_open(&other, keel_test_dsn(), NULL);
    if (r->rc == KEEL_OK)
        r->rc = keel_migrate(other, r->schema);
    keel_close(other);
    return NULL;
}

static void concurrent_migrations_apply_each_version_once(keel_db *db)
{
    built_schema b;
    const keel_schema *s = SCHEMA(b, &m1_sqlite, &m2, &m3);
    racer racers[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        racers[i] = (racer){ s, -1 };
        pthread_create(&threads[i], NULL, race_migrate, &racers[i]);
    }
    CHECK_CODE(keel_migrate(db, s), KEEL_OK);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK_CODE(racers[i].rc, KEEL_OK);
    }
    CHECK_INT_EQ(applied_count(db), 3);
}

/* ---- progress, failure lines, adopting databases keel did not create ---- */
typedef struct progress_log {
    int calls;
    int64_t versions[8];
    char names[8][64];
    int64_t min_ms;
} progress_log;

static void log_progress(void *ctx, int64_t version, const char *name, int64_t duration_ms)
{
    progress_log *log = ctx;
    if (log->calls < 8) {
        log->versions[log->calls] = version;
        snprintf(log->names[log->calls], sizeof log->names[0], "%s", name);
    }
    if (duration_ms < log->min_ms)
        log->min_ms = duration_ms;
    log->calls++;
}

static void progress_callback_reports_each_applied_migration(keel_db *db)
{
    built_schema b1, b2;
    progress_log log = { .min_ms = 1000000 };
    keel_migrate_options opt = { .progress = log_progress, .progress_ctx = &log };
    REQUIRE_OK(keel_migrate_with(db, SCHEMA(b1, &m1_sqlite), &opt));
    REQUIRE_OK(keel_migrate_with(db, SCHEMA(b2, &m1_sqlite, &m2, &m3), &opt));
    REQUIRE_OK(keel_migrate_with(db, SCHEMA(b2, &m1_sqlite, &m2, &m3), &opt)); /* nothing to report */
    CHECK_INT_EQ(log.calls, 3);
    CHECK_INT_EQ(log.versions[0], 1);
    CHECK_INT_EQ(log.versions[2], 3);
    CHECK_STR_EQ(log.names[1], "0002_pinned.sql");
    CHECK(log.min_ms >= 0);
}

/* starting/progress in the order they happen, e.g. "s1 p1 s2 p2 " */
typedef struct event_log {
    char events[128];
} event_log;

static void log_event(event_log *log, char kind, int64_t version)
{
    size_t n = strlen(log->events);
    snprintf(log->events + n, sizeof log->events - n, "%c%lld ", kind, (long long)version);
}

static void log_starting(void *ctx, int64_t version, const char *name)
{
    (void)name;
    log_event(ctx, 's', version);
}

static void log_committed(void *ctx, int64_t version, const char *name, int64_t ms)
{
    (void)name, (void)ms;
    log_event(ctx, 'p', version);
}

static void starting_callback_precedes_each_migration_and_its_progress(keel_db *db)
{
    built_schema b;
    event_log log = { "" };
    keel_migrate_options opt = { .starting = log_starting, .progress = log_committed, .progress_ctx = &log };
    REQUIRE_OK(keel_migrate_with(db, SCHEMA(b, &m1_sqlite, &m2), &opt));
    CHECK_STR_EQ(log.events, "s1 p1 s2 p2 ");
    /* A failing migration was started but never reported as applied. */
    log.events[0] = '\0';
    CHECK_CODE(keel_migrate_with(db, SCHEMA(b, &m1_sqlite, &m2, &m3_bad), &opt), KEEL_MIGRATION_FAILED);
    CHECK_STR_EQ(log.events, "s3 ");
    CHECK_INT_EQ(newest_version(db), 2);
}

static void failing_migration_names_the_statement_line(keel_db *db)
{
    built_schema b;
    static const keel_migration m2_bad_line = {
        2, "0002_bad_line.sql",
        "-- a comment; with a semicolon\n"
        "CREATE TABLE fine (x INTEGER);\n"
        "\n"
        "INSERT INTO fine (x)\n"
        "  VALUES (1);\n"
        "INSERT INTO\n"
        "  missing_table VALUES (1);\n",
        "cbad" };
    CHECK_CODE(keel_migrate(db, SCHEMA(b, &m1_sqlite, &m2_bad_line)), KEEL_MIGRATION_FAILED);
    const char *msg = keel_errmsg(db);
    /* The failing statement starts on line 6, on both engines. */
    if (!CHECK(contains(msg, "0002_bad_line.sql:6:")))
        printf("  message: %s\n", keel_errmsg(db));
    CHECK(contains(msg, "missing_table"));
    CHECK_INT_EQ(newest_version(db), 1);
}

static const dual_query create_go_migrate = SAME(
    "CreateGoMigrate", "CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN NOT NULL)");
static const dual_query go_migrate_at_1 = SAME("GoMigrateAt1", "INSERT INTO schema_migrations VALUES (1, FALSE)");
static const dual_query go_migrate_dirty_2 = SAME("GoMigrateDirty2", "UPDATE schema_migrations SET version = 2, dirty = TRUE");
static const dual_query create_notes_by_hand = DUAL("CreateNotes", 0, M1_SQLITE, M1_PG);
static const dual_query insert_note = SAME("InsertNote", "INSERT INTO notes (body) VALUES ('kept')");

static void golang_migrate_database_is_adopted(keel_db *db)
{
    /* What golang-migrate leaves after applying 0001. */
    REQUIRE_OK(exec_query(db, &create_notes_by_hand));
    REQUIRE_OK(exec_query(db, &insert_note));
    REQUIRE_OK(exec_query(db, &create_go_migrate));
    REQUIRE_OK(exec_query(db, &go_migrate_at_1));

    built_schema b;
    progress_log log = { .min_ms = 1000000 };
    keel_migrate_options opt = { .progress = log_progress, .progress_ctx = &log };
    REQUIRE_OK(keel_migrate_with(db, SCHEMA(b, &m1_sqlite, &m2, &m3), &opt));
    CHECK_INT_EQ(applied_count(db), 3);
    CHECK_INT_EQ(log.calls, 2); /* 0001 was recorded, not run again */
    CHECK_INT_EQ(log.versions[0], 2);
    int64_t notes;
    CHECK_CODE(query_int64(db, &count_notes, &notes), KEEL_OK);
    CHECK_INT_EQ(notes, 1);
    CHECK_CODE(exec_query(db, &insert_pinned_note), KEEL_OK);
    CHECK_CODE(keel_migrate(db, SCHEMA(b, &m1_sqlite, &m2, &m3)), KEEL_OK);
}

static void dirty_golang_migrate_database_is_refused(keel_db *db)
{
    REQUIRE_OK(exec_query(db, &create_notes_by_hand));
    REQUIRE_OK(exec_query(db, &create_go_migrate));
    REQUIRE_OK(exec_query(db, &go_migrate_at_1));
    REQUIRE_OK(exec_query(db, &go_migrate_dirty_2));
    built_schema b;
    CHECK_CODE(keel_migrate(db, SCHEMA(b, &m1_sqlite, &m2, &m3)), KEEL_MIGRATION_DIRTY);
    CHECK(contains(keel_errmsg(db), "version 2 is dirty"));
    CHECK(contains(keel_errmsg(db), "migrate force"));
    CHECK_INT_EQ(applied_count(db), 0);
}

static void existing_tables_without_history_are_refused_then_baselined(keel_db *db)
{
    REQUIRE_OK(exec_query(db, &create_notes_by_hand));
    REQUIRE_OK(exec_query(db, &insert_note));
    built_schema b;
    const keel_schema *s = SCHEMA(b, &m1_sqlite, &m2, &m3);
    CHECK_CODE(keel_migrate(db, s), KEEL_MIGRATION_UNTRACKED);
    CHECK(contains(keel_errmsg(db), "0001_notes.sql (notes)"));
    CHECK(contains(keel_errmsg(db), "baseline_version"));
    CHECK_INT_EQ(applied_count(db), 0);

    CHECK_CODE(keel_migrate_with(db, s, &(keel_migrate_options){ .baseline_version = 7 }), KEEL_MISUSE);
    CHECK_CODE(keel_migrate_with(db, s, &(keel_migrate_options){ .baseline_version = 1 }), KEEL_OK);
    CHECK_INT_EQ(applied_count(db), 3);
    int64_t notes;
    CHECK_CODE(query_int64(db, &count_notes, &notes), KEEL_OK);
    CHECK_INT_EQ(notes, 1);
    CHECK_CODE(keel_migrate(db, s), KEEL_OK); /* adopted for good */
}

static const keel_test_case cases[] = {
    KEEL_TEST(fresh_database_gets_every_migration_recorded),
    KEEL_TEST(rerun_is_a_noop),
    KEEL_TEST(later_migrations_apply_on_top_of_earlier_ones),
    KEEL_TEST(empty_and_comment_only_migrations_are_applied_and_recorded),
    KEEL_TEST(failing_migration_leaves_previous_version),
    KEEL_TEST(first_migration_failing_leaves_an_empty_history),
    KEEL_TEST(edited_applied_migration_is_a_checksum_error),
    KEEL_TEST(edited_migration_is_refused_before_newer_ones_run),
    KEEL_TEST(removed_applied_migration_is_missing),
    KEEL_TEST(migration_inserted_before_applied_one_is_missing),
    KEEL_TEST(renamed_applied_migration_is_missing),
    KEEL_TEST(database_newer_than_binary_is_too_new),
    KEEL_TEST(empty_migration_set_on_migrated_database_is_too_new),
    KEEL_TEST(unordered_embedded_migrations_are_misuse),
    KEEL_TEST(migrate_inside_a_transaction_is_misuse),
    KEEL_TEST(concurrent_migrations_apply_each_version_once),
    KEEL_TEST(progress_callback_reports_each_applied_migration),
    KEEL_TEST(starting_callback_precedes_each_migration_and_its_progress),
    KEEL_TEST(failing_migration_names_the_statement_line),
    KEEL_TEST(golang_migrate_database_is_adopted),
    KEEL_TEST(dirty_golang_migrate_database_is_refused),
    KEEL_TEST(existing_tables_without_history_are_refused_then_baselined),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), NULL);
}
