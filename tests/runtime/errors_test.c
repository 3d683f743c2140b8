/*
 * One error model: each constraint violation and a write in a read-only
 * transaction give the same keel code on every engine, with the query name
 * and the engine's own words in keel_errmsg.
 */
#include "runtime_util.h"

static const keel_migration shop_sqlite[] = {
    { 1, "0001_shop.sql",
      "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"
      "CREATE TABLE items (id INTEGER PRIMARY KEY,"
      " tag_id INTEGER REFERENCES tags (id),"
      " qty INTEGER NOT NULL CHECK (qty >= 0));",
      "s1" },
};
static const keel_migration shop_postgres[] = {
    { 1, "0001_shop.sql",
      "CREATE TABLE tags (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"
      "CREATE TABLE items (id BIGINT PRIMARY KEY,"
      " tag_id BIGINT REFERENCES tags (id),"
      " qty INTEGER NOT NULL CHECK (qty >= 0));",
      "s1" },
};
static const keel_schema shop_schema = {
    .name = "shop",
    .sqlite = { shop_sqlite, 1 },
    .postgres = { shop_postgres, 1 },
};

static const dual_query upsert_tag = DUAL("UpsertTag", 2, "INSERT INTO tags (id, name) VALUES (?1, ?2)",
                                          "INSERT INTO tags (id, name) VALUES ($1, $2)");
static const dual_query insert_item = DUAL("InsertItem", 3, "INSERT INTO items (id, tag_id, qty) VALUES (?1, ?2, ?3)",
                                           "INSERT INTO items (id, tag_id, qty) VALUES ($1, $2, $3)");
static const dual_query count_tags = SAME("CountTags", "SELECT count(*) FROM tags");

static int add_tag(keel_db *db, int64_t id, const char *name)
{
    keel_stmt *st;
    int rc = keel_stmt_open(db, pick(db, &upsert_tag), &st);
    if (rc != KEEL_OK)
        return rc;
    keel_bind_int64(st, 1, id);
    keel_bind_text(st, 2, name);
    rc = keel_stmt_step(st);
    keel_stmt_close(st);
    return rc == KEEL_DONE ? KEEL_OK : rc;
}

/* tag_id < 0 binds NULL; qty < -100 binds NULL. */
static int add_item(keel_db *db, int64_t id, int64_t tag_id, int64_t qty)
{
    keel_stmt *st;
    int rc = keel_stmt_open(db, pick(db, &insert_item), &st);
    if (rc != KEEL_OK)
        return rc;
    keel_bind_int64(st, 1, id);
    if (tag_id < 0)
        keel_bind_null(st, 2);
    else
        keel_bind_int64(st, 2, tag_id);
    if (qty < -100)
        keel_bind_null(st, 3);
    else
        keel_bind_int64(st, 3, qty);
    rc = keel_stmt_step(st);
    keel_stmt_close(st);
    return rc == KEEL_DONE ? KEEL_OK : rc;
}

static int64_t tag_count(keel_db *db)
{
    int64_t n;
    CHECK_CODE(query_int64(db, &count_tags, &n), KEEL_OK);
    return n;
}

static void duplicate_unique_column_is_unique_violation(keel_db *db)
{
    REQUIRE_OK(add_tag(db, 1, "news"));
    CHECK_CODE(add_tag(db, 2, "news"), KEEL_UNIQUE_VIOLATION);
    /* "UpsertTag: <engine's words>", e.g. UNIQUE constraint failed: tags.name */
    CHECK(strncmp(keel_errmsg(db), "UpsertTag: ", 11) == 0);
    CHECK(contains(keel_errmsg(db), on_postgres(db) ? "tags_name_key" : "tags.name"));
    CHECK_INT_EQ(tag_count(db), 1);
}

static void duplicate_primary_key_is_unique_violation(keel_db *db)
{
    REQUIRE_OK(add_tag(db, 1, "a"));
    CHECK_CODE(add_tag(db, 1, "b"), KEEL_UNIQUE_VIOLATION);
}

static void missing_parent_row_is_foreign_key_violation(keel_db *db)
{
    REQUIRE_OK(add_tag(db, 1, "a"));
    CHECK_CODE(add_item(db, 1, 1, 5), KEEL_OK);
    CHECK_CODE(add_item(db, 2, 99, 5), KEEL_FOREIGN_KEY_VIOLATION);
    CHECK(contains(keel_errmsg(db), "InsertItem"));
}

static void null_in_not_null_column_is_not_null_violation(keel_db *db)
{
    CHECK_CODE(add_item(db, 1, -1, -1000), KEEL_NOT_NULL_VIOLATION);
    CHECK(contains(keel_errmsg(db), "qty"));
    CHECK_CODE(add_tag(db, 1, NULL), KEEL_NOT_NULL_VIOLATION);
}

static void failed_check_constraint_is_check_violation(keel_db *db)
{
    CHECK_CODE(add_item(db, 1, -1, -5), KEEL_CHECK_VIOLATION);
    CHECK_CODE(add_item(db, 1, -1, 0), KEEL_OK);
}

static int write_a_tag(keel_db *tx, void *ctx)
{
    (void)ctx;
    return add_tag(tx, 7, "written");
}

static void write_inside_view_is_read_only(keel_db *db)
{
    CHECK_CODE(keel_view(db, write_a_tag, NULL), KEEL_READ_ONLY);
    CHECK_INT_EQ(tag_count(db), 0);
    /* The connection is writable again after the view. */
    CHECK_CODE(add_tag(db, 1, "after"), KEEL_OK);
    CHECK_CODE(keel_update(db, write_a_tag, NULL), KEEL_OK);
    CHECK_INT_EQ(tag_count(db), 2);
}

static int read_tags(keel_db *tx, void *ctx)
{
    return query_int64(tx, &count_tags, ctx);
}

static void reads_inside_view_see_committed_data(keel_db *db)
{
    REQUIRE_OK(add_tag(db, 1, "a"));
    int64_t n = -1;
    CHECK_CODE(keel_view(db, read_tags, &n), KEEL_OK);
    CHECK_INT_EQ(n, 1);
}

static int write_two_then_fail(keel_db *tx, void *ctx)
{
    (void)ctx;
    int rc = add_tag(tx, 1, "one");
    if (rc == KEEL_OK)
        rc = add_tag(tx, 2, "two");
    return rc == KEEL_OK ? KEEL_NOT_FOUND : rc; /* any error code rolls back */
}

static void update_rolls_back_when_fn_fails(keel_db *db)
{
    CHECK_CODE(keel_update(db, write_two_then_fail, NULL), KEEL_NOT_FOUND);
    CHECK_INT_EQ(tag_count(db), 0);
}

static int write_then_violate(keel_db *tx, void *ctx)
{
    (void)ctx;
    int rc = add_tag(tx, 1, "one");
    if (rc == KEEL_OK)
        rc = add_tag(tx, 2, "one");
    return rc;
}

static void violation_inside_update_rolls_back_everything(keel_db *db)
{
    CHECK_CODE(keel_update(db, write_then_violate, NULL), KEEL_UNIQUE_VIOLATION);
    CHECK(contains(keel_errmsg(db), "UpsertTag"));
    CHECK_INT_EQ(tag_count(db), 0);
}

static int write_then_ignore_violation(keel_db *tx, void *ctx)
{
    (void)ctx;
    CHECK_CODE(add_tag(tx, 1, "one"), KEEL_OK);
    CHECK_CODE(add_tag(tx, 2, "one"), KEEL_UNIQUE_VIOLATION);
    return KEEL_OK; /* swallowing the error */
}

static void swallowed_statement_error_fails_the_commit(keel_db *db)
{
    /* PostgreSQL cannot commit after an error; SQLite is made to agree. */
    CHECK_CODE(keel_update(db, write_then_ignore_violation, NULL), KEEL_ERROR);
    CHECK(contains(keel_errmsg(db), "rolled back"));
    CHECK_INT_EQ(tag_count(db), 0);
}

static int write_one(keel_db *tx, void *ctx)
{
    (void)ctx;
    return add_tag(tx, 1, "kept");
}

static void update_commits_when_fn_succeeds(keel_db *db)
{
    CHECK_CODE(keel_update(db, write_one, NULL), KEEL_OK);
    CHECK_INT_EQ(tag_count(db), 1);
}

static void code_names_are_stable(keel_db *db)
{
    (void)db;
    CHECK_STR_EQ(keel_code_name(KEEL_OK), "KEEL_OK");
    CHECK_STR_EQ(keel_code_name(KEEL_UNIQUE_VIOLATION), "KEEL_UNIQUE_VIOLATION");
    CHECK_STR_EQ(keel_code_name(KEEL_MIGRATION_TOO_NEW), "KEEL_MIGRATION_TOO_NEW");
    CHECK_STR_EQ(keel_code_name(KEEL_DONE), "KEEL_DONE");
    CHECK(keel_code_name(12345) != NULL);
}

static void errmsg_before_any_error_is_not_null(keel_db *db)
{
    CHECK(keel_errmsg(db) != NULL);
    CHECK(keel_errmsg(NULL) != NULL);
}

static const keel_test_case cases[] = {
    KEEL_TEST(duplicate_unique_column_is_unique_violation),
    KEEL_TEST(duplicate_primary_key_is_unique_violation),
    KEEL_TEST(missing_parent_row_is_foreign_key_violation),
    KEEL_TEST(null_in_not_null_column_is_not_null_violation),
    KEEL_TEST(failed_check_constraint_is_check_violation),
    KEEL_TEST(write_inside_view_is_read_only),
    KEEL_TEST(reads_inside_view_see_committed_data),
    KEEL_TEST(update_rolls_back_when_fn_fails),
    KEEL_TEST(violation_inside_update_rolls_back_everything),
    KEEL_TEST(swallowed_statement_error_fails_the_commit),
    KEEL_TEST(update_commits_when_fn_succeeds),
    KEEL_TEST(code_names_are_stable),
    KEEL_TEST(errmsg_before_any_error_is_not_null),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), &shop_schema);
}
