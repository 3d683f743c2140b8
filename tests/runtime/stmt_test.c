/*
 * The statement API: values round-trip unchanged through each engine, and
 * NULL never turns into 0 or "".
 */
#include "runtime_util.h"
#include "vals_schema.h"

#include <stdio.h>

static const dual_query insert_text = DUAL("InsertText", 1, "INSERT INTO vals (t) VALUES (?)",
                                           "INSERT INTO vals (t) VALUES ($1)");
static const dual_query insert_int = DUAL("InsertInt", 1, "INSERT INTO vals (i) VALUES (?)",
                                          "INSERT INTO vals (i) VALUES ($1)");
static const dual_query insert_double = DUAL("InsertDouble", 1, "INSERT INTO vals (d) VALUES (?)",
                                             "INSERT INTO vals (d) VALUES ($1)");
static const dual_query insert_bool = DUAL("InsertBool", 1, "INSERT INTO vals (b) VALUES (?)",
                                           "INSERT INTO vals (b) VALUES ($1)");
static const dual_query insert_blob = DUAL("InsertBlob", 1, "INSERT INTO vals (bl) VALUES (?)",
                                           "INSERT INTO vals (bl) VALUES ($1)");
static const dual_query insert_returning_id = DUAL("InsertReturningId", 1, "INSERT INTO vals (t) VALUES (?)",
                                                   "INSERT INTO vals (t) VALUES ($1) RETURNING id");
static const dual_query select_all = SAME("SelectAll", "SELECT id, t, i, d, b, bl FROM vals ORDER BY id");
static const dual_query select_blob_twice = SAME("SelectBlobTwice", "SELECT bl, bl FROM vals ORDER BY id");
static const dual_query select_text_by_id = DUAL("SelectTextById", 1, "SELECT t FROM vals WHERE id = ?",
                                                 "SELECT t FROM vals WHERE id = $1");
static const dual_query bump_ints = DUAL("BumpInts", 1, "UPDATE vals SET i = i + 1 WHERE i >= ?",
                                         "UPDATE vals SET i = i + 1 WHERE i >= $1");
static const dual_query count_vals = SAME("CountVals", "SELECT count(*) FROM vals");
static const dual_query bad_sql = SAME("BadSql", "SELEC nonsense");

enum { COL_ID, COL_T, COL_I, COL_D, COL_B, COL_BL };

static void insert_one(keel_db *db, const dual_query *q, void (*bind)(keel_stmt *, const void *), const void *v)
{
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, q), &st));
    bind(st, v);
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    CHECK_INT_EQ(keel_stmt_changes(st), 1);
    keel_stmt_close(st);
}

static void bind_text(keel_stmt *st, const void *v) { keel_bind_text(st, 1, v); }
static void bind_int(keel_stmt *st, const void *v) { keel_bind_int64(st, 1, *(const int64_t *)v); }
static void bind_double(keel_stmt *st, const void *v) { keel_bind_double(st, 1, *(const double *)v); }
static void bind_bool(keel_stmt *st, const void *v) { keel_bind_bool(st, 1, *(const bool *)v); }
static void bind_null(keel_stmt *st, const void *v) { (void)v; keel_bind_null(st, 1); }

static void null_and_empty_text_stay_distinct(keel_db *db)
{
    insert_one(db, &insert_text, bind_text, NULL);
    insert_one(db, &insert_text, bind_text, "");
    insert_one(db, &insert_text, bind_text, "x");

    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_all), &st));
    size_t len = 99;
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK(keel_column_is_null(st, COL_T));
    CHECK_STR_EQ(keel_column_text(st, COL_T, &len), NULL);
    CHECK_INT_EQ(len, 0);
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK(!keel_column_is_null(st, COL_T));
    CHECK_STR_EQ(keel_column_text(st, COL_T, &len), "");
    CHECK_INT_EQ(len, 0);
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK_STR_EQ(keel_column_text(st, COL_T, &len), "x");
    CHECK_INT_EQ(len, 1);
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    keel_stmt_close(st);
}

static void int64_extremes_round_trip(keel_db *db)
{
    const int64_t values[] = { INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT32_MAX + 1LL, INT64_MAX };
    const size_t n = sizeof values / sizeof values[0];
    for (size_t i = 0; i < n; i++)
        insert_one(db, &insert_int, bind_int, &values[i]);
    insert_one(db, &insert_int, bind_null, NULL);

    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_all), &st));
    for (size_t i = 0; i < n; i++) {
        REQUIRE_CODE(keel_stmt_step(st), KEEL_ROW);
        CHECK(!keel_column_is_null(st, COL_I));
        CHECK_INT_EQ(keel_column_int64(st, COL_I), values[i]);
    }
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK(keel_column_is_null(st, COL_I));
    CHECK_INT_EQ(keel_column_int64(st, COL_I), 0);
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    keel_stmt_close(st);
}

static void doubles_round_trip_exactly(keel_db *db)
{
    const double values[] = { 0.0, 0.1, -2.5, 1.0 / 3.0, 1e300, -1e-300, 5e-324, 123456789.123456789 };
    const size_t n = sizeof values / sizeof values[0];
    for (size_t i = 0; i < n; i++)
        insert_one(db, &insert_double, bind_double, &values[i]);

    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_all), &st));
    for (size_t i = 0; i < n; i++) {
        REQUIRE_CODE(keel_stmt_step(st), KEEL_ROW);
        double got = keel_column_double(st, COL_D);
        if (!CHECK(got == values[i]))
            printf("    value %zu: got %.17g, want %.17g\n", i, got, values[i]);
    }
    keel_stmt_close(st);
}

static void bools_round_trip(keel_db *db)
{
    const bool t = true, f = false;
    insert_one(db, &insert_bool, bind_bool, &t);
    insert_one(db, &insert_bool, bind_bool, &f);
    insert_one(db, &insert_bool, bind_null, NULL);

    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_all), &st));
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK(keel_column_bool(st, COL_B) == true);
    CHECK(!keel_column_is_null(st, COL_B));
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK(keel_column_bool(st, COL_B) == false);
    CHECK(!keel_column_is_null(st, COL_B));
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK(keel_column_is_null(st, COL_B));
    keel_stmt_close(st);
}

static void blobs_round_trip_including_empty_and_nul_bytes(keel_db *db)
{
    static const unsigned char bytes[] = { 0x00, 0x01, 0xff, 0x00, 'a', '\\', 'x', 0x7f, 0x80, 0x00 };
    struct { const void *p; size_t n; } blobs[] = {
        { bytes, sizeof bytes },
        { "", 0 },       /* empty, not NULL */
        { NULL, 0 },     /* NULL */
        { bytes + 1, 1 },
    };
    const size_t n = sizeof blobs / sizeof blobs[0];
    for (size_t i = 0; i < n; i++) {
        keel_stmt *st;
        REQUIRE_OK(keel_stmt_open(db, pick(db, &insert_blob), &st));
        keel_bind_blob(st, 1, blobs[i].p, blobs[i].n);
        CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
        keel_stmt_close(st);
    }

    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_blob_twice), &st));
    for (size_t i = 0; i < n; i++) {
        REQUIRE_CODE(keel_stmt_step(st), KEEL_ROW);
        size_t len = 99, len2 = 99;
        const void *got = keel_column_blob(st, 0, &len);
        const void *again = keel_column_blob(st, 1, &len2); /* must not invalidate `got` */
        if (blobs[i].p == NULL) {
            CHECK(got == NULL);
            CHECK(keel_column_is_null(st, 0));
            CHECK_INT_EQ(len, 0);
            continue;
        }
        REQUIRE(got != NULL && again != NULL);
        CHECK_INT_EQ(len, blobs[i].n);
        CHECK_INT_EQ(len2, blobs[i].n);
        CHECK(len != blobs[i].n || memcmp(got, blobs[i].p, len) == 0);
        CHECK(len2 != blobs[i].n || memcmp(again, blobs[i].p, len2) == 0);
    }
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    keel_stmt_close(st);
}

static void non_ascii_utf8_round_trips(keel_db *db)
{
    const char *text = "Grüße, Καλημέρα, 世界, 🚀 — ok";
    insert_one(db, &insert_text, bind_text, text);
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_all), &st));
    REQUIRE_CODE(keel_stmt_step(st), KEEL_ROW);
    size_t len = 0;
    CHECK_STR_EQ(keel_column_text(st, COL_T, &len), text);
    CHECK_INT_EQ(len, strlen(text));
    keel_stmt_close(st);
}

static void bound_text_is_borrowed_until_close_then_the_buffer_is_free(keel_db *db)
{
    /* keel.h: bound text is read by the steps and must live until keel_stmt_close. */
    char buf[16] = "first";
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &insert_text), &st));
    keel_bind_text(st, 1, buf);
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    keel_stmt_close(st);
    memset(buf, '#', 5); /* after close the buffer is the caller's again: overwrite it */

    /* The cached statement's next use does not see the old buffer: unbound is NULL. */
    REQUIRE_OK(keel_stmt_open(db, pick(db, &insert_text), &st));
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    keel_stmt_close(st);

    for (int64_t id = 1; id <= 2; id++) {
        REQUIRE_OK(keel_stmt_open(db, pick(db, &select_text_by_id), &st));
        keel_bind_int64(st, 1, id);
        REQUIRE_CODE(keel_stmt_step(st), KEEL_ROW);
        CHECK_STR_EQ(keel_column_text(st, 0, NULL), id == 1 ? "first" : NULL);
        keel_stmt_close(st);
    }
}

static void changes_counts_the_rows_a_statement_touched(keel_db *db)
{
    const int64_t values[] = { 1, 5, 10 };
    for (size_t i = 0; i < 3; i++)
        insert_one(db, &insert_int, bind_int, &values[i]);
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &bump_ints), &st));
    keel_bind_int64(st, 1, 5);
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    CHECK_INT_EQ(keel_stmt_changes(st), 2);
    keel_stmt_close(st);
}

static void last_id_is_the_new_rows_id(keel_db *db)
{
    for (int64_t want = 1; want <= 3; want++) {
        keel_stmt *st;
        REQUIRE_OK(keel_stmt_open(db, pick(db, &insert_returning_id), &st));
        keel_bind_text(st, 1, "row");
        int rc = keel_stmt_step(st);
        CHECK(rc == KEEL_ROW || rc == KEEL_DONE); /* pg: RETURNING gives a row */
        CHECK_INT_EQ(keel_stmt_last_id(st), want);
        keel_stmt_close(st);
    }
}

static void stepping_past_done_does_not_run_the_statement_again(keel_db *db)
{
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &insert_text), &st));
    keel_bind_text(st, 1, "once");
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    keel_stmt_close(st);
    int64_t n;
    CHECK_CODE(query_int64(db, &count_vals, &n), KEEL_OK);
    CHECK_INT_EQ(n, 1);
}

static void cached_statement_is_reused_with_fresh_bindings(keel_db *db)
{
    for (int64_t i = 0; i < 200; i++)
        insert_one(db, &insert_int, bind_int, &i);
    int64_t n;
    CHECK_CODE(query_int64(db, &count_vals, &n), KEEL_OK);
    CHECK_INT_EQ(n, 200);
    /* Bindings do not leak from one use to the next: unbound is NULL. */
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &insert_int), &st));
    keel_bind_null(st, 1);
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    keel_stmt_close(st);
}

static void query_can_run_inside_its_own_iteration(keel_db *db)
{
    /* A :many callback may call the query it is iterating; the outer rows must survive. */
    for (int64_t i = 0; i < 3; i++)
        insert_one(db, &insert_int, bind_int, &i);
    keel_stmt *outer;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_all), &outer));
    int rows = 0;
    while (keel_stmt_step(outer) == KEEL_ROW) {
        CHECK_INT_EQ(keel_column_int64(outer, COL_I), rows);
        keel_stmt *inner;
        REQUIRE_OK(keel_stmt_open(db, pick(db, &select_all), &inner));
        int inner_rows = 0;
        while (keel_stmt_step(inner) == KEEL_ROW)
            inner_rows++;
        CHECK_INT_EQ(inner_rows, 3);
        keel_stmt_close(inner);
        rows++;
    }
    CHECK_INT_EQ(rows, 3);
    keel_stmt_close(outer);
}

static void bad_parameter_index_is_reported_by_step(keel_db *db)
{
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &insert_text), &st));
    keel_bind_text(st, 5, "nowhere");
    keel_bind_text(st, 1, "fine");
    CHECK_CODE(keel_stmt_step(st), KEEL_MISUSE);
    CHECK(contains(keel_errmsg(db), "InsertText"));
    CHECK(contains(keel_errmsg(db), "parameter 5"));
    keel_stmt_close(st);
    int64_t n;
    CHECK_CODE(query_int64(db, &count_vals, &n), KEEL_OK);
    CHECK_INT_EQ(n, 0);
}

static void sql_the_engine_rejects_fails_at_open_naming_the_query(keel_db *db)
{
    keel_stmt *st = (keel_stmt *)1;
    CHECK_CODE(keel_stmt_open(db, pick(db, &bad_sql), &st), KEEL_ERROR);
    CHECK(st == NULL);
    CHECK(contains(keel_errmsg(db), "BadSql: "));
    CHECK(contains(keel_errmsg(db), "SELEC"));
    /* The handle is fine afterwards. */
    CHECK_CODE(keel_ping(db), KEEL_OK);
}

static void columns_out_of_range_read_as_null(keel_db *db)
{
    insert_one(db, &insert_text, bind_text, "x");
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_all), &st));
    REQUIRE_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK(keel_column_is_null(st, 42));
    CHECK(keel_column_text(st, 42, NULL) == NULL);
    CHECK(keel_column_blob(st, -1, NULL) == NULL);
    CHECK_INT_EQ(keel_column_int64(st, 42), 0);
    keel_stmt_close(st);
}

static const keel_test_case cases[] = {
    KEEL_TEST(null_and_empty_text_stay_distinct),
    KEEL_TEST(int64_extremes_round_trip),
    KEEL_TEST(doubles_round_trip_exactly),
    KEEL_TEST(bools_round_trip),
    KEEL_TEST(blobs_round_trip_including_empty_and_nul_bytes),
    KEEL_TEST(non_ascii_utf8_round_trips),
    KEEL_TEST(bound_text_is_borrowed_until_close_then_the_buffer_is_free),
    KEEL_TEST(changes_counts_the_rows_a_statement_touched),
    KEEL_TEST(last_id_is_the_new_rows_id),
    KEEL_TEST(stepping_past_done_does_not_run_the_statement_again),
    KEEL_TEST(cached_statement_is_reused_with_fresh_bindings),
    KEEL_TEST(query_can_run_inside_its_own_iteration),
    KEEL_TEST(bad_parameter_index_is_reported_by_step),
    KEEL_TEST(sql_the_engine_rejects_fails_at_open_naming_the_query),
    KEEL_TEST(columns_out_of_range_read_as_null),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), &vals_schema);
}
