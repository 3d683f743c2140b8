/*
 * Streaming (keel_stmt_stream) and result formats: a stream yields every
 * row, can be stopped early, and lets a callback run other statements on
 * the same handle or transaction (PostgreSQL reads the rest of the stream
 * into memory first); and every column read answers the same whether the
 * engine sent the row in binary or in text (PostgreSQL picks binary when
 * it can decode every result column, text otherwise).
 */
#include "runtime_util.h"
#include "vals_schema.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const dual_query insert_row = DUAL("InsertRow", 5, "INSERT INTO vals (t, i, d, b, bl) VALUES (?, ?, ?, ?, ?)",
                                          "INSERT INTO vals (t, i, d, b, bl) VALUES ($1, $2, $3, $4, $5)");
static const dual_query insert_int = DUAL("InsertInt", 1, "INSERT INTO vals (i) VALUES (?)",
                                          "INSERT INTO vals (i) VALUES ($1)");
static const dual_query select_ints = SAME("SelectInts", "SELECT i FROM vals ORDER BY id");
static const dual_query count_vals = SAME("CountVals", "SELECT count(*) FROM vals");
/* Every column of a type PostgreSQL's binary results carry, so binary... */
static const dual_query select_binary = SAME("SelectBinary", "SELECT i, d, b, t, bl, id FROM vals ORDER BY id");
/* ...and the same with a column that keeps the whole row in text. */
static const dual_query select_text = DUAL("SelectText", 0, "SELECT i, d, b, t, bl, id, CURRENT_TIMESTAMP FROM vals ORDER BY id",
                                           "SELECT i, d, b, t, bl, id, now() FROM vals ORDER BY id");

static void insert_ints(keel_db *db, int n)
{
    for (int64_t i = 0; i < n; i++) {
        keel_stmt *st;
        REQUIRE_OK(keel_stmt_open(db, pick(db, &insert_int), &st));
        keel_bind_int64(st, 1, i);
        CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
        keel_stmt_close(st);
    }
}

static int64_t count(keel_db *db)
{
    keel_stmt *st;
    int64_t n = -1;
    if (keel_stmt_open(db, pick(db, &count_vals), &st) != KEEL_OK)
        return -1;
    if (keel_stmt_step(st) == KEEL_ROW)
        n = keel_column_int64(st, 0);
    keel_stmt_close(st);
    return n;
}

static void a_stream_yields_every_row_in_order(keel_db *db)
{
    insert_ints(db, 500);
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_ints), &st));
    keel_stmt_stream(st);
    int64_t want = 0;
    int rc;
    while ((rc = keel_stmt_step(st)) == KEEL_ROW)
        CHECK_INT_EQ(keel_column_int64(st, 0), want++);
    CHECK_CODE(rc, KEEL_DONE);
    CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
    CHECK_INT_EQ(want, 500);
    keel_stmt_close(st);
}

static void a_stream_stopped_early_leaves_the_handle_usable(keel_db *db)
{
    insert_ints(db, 500);
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_ints), &st));
    keel_stmt_stream(st);
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK_CODE(keel_stmt_step(st), KEEL_ROW);
    keel_stmt_close(st);
    CHECK_INT_EQ(count(db), 500);
    CHECK_CODE(keel_ping(db), KEEL_OK);
}

/* Inside the stream, per row: a read and a write of the same handle. */
static void run_inside_stream(keel_db *db)
{
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_ints), &st));
    keel_stmt_stream(st);
    int64_t want = 0;
    int rc;
    while ((rc = keel_stmt_step(st)) == KEEL_ROW) {
        if (want < 100) /* rows inserted meanwhile may or may not be seen, per engine */
            CHECK_INT_EQ(keel_column_int64(st, 0), want);
        if (want < 5) {
            CHECK(count(db) >= 100); /* which snapshot a nested read sees is the engine's */
            keel_stmt *ins;
            REQUIRE_OK(keel_stmt_open(db, pick(db, &insert_int), &ins));
            keel_bind_int64(ins, 1, 1000 + want);
            CHECK_CODE(keel_stmt_step(ins), KEEL_DONE);
            keel_stmt_close(ins);
        }
        want++;
    }
    CHECK_CODE(rc, KEEL_DONE);
    CHECK(want >= 100);
    keel_stmt_close(st);
}

static void a_streams_consumer_can_run_statements_on_the_same_handle(keel_db *db)
{
    insert_ints(db, 100);
    run_inside_stream(db);
    CHECK_INT_EQ(count(db), 105);
}

static int stream_in_tx(keel_db *tx, void *ctx)
{
    (void)ctx;
    run_inside_stream(tx);
    return KEEL_OK;
}

static void a_streams_consumer_can_run_statements_in_its_transaction(keel_db *db)
{
    insert_ints(db, 100);
    CHECK_CODE(keel_update(db, stream_in_tx, NULL), KEEL_OK);
    CHECK_INT_EQ(count(db), 105);
}

typedef struct sample {
    const char *t;
    int64_t i;
    double d;
    bool b;
    const char *bl;
    size_t bl_len;
} sample;

static const sample samples[] = {
    { "plain", 0, 0.1, true, "\x00\xff", 2 },
    { "12abc", -1, 2.5, false, "1", 1 },
    { "t", 42, 100, true, "", 0 },
    { "", INT64_MAX, 1e20, false, "\\x41", 4 },
    { "on", INT64_MIN, 1e-5, true, "abc", 3 },
    { "-7", 9007199254740993LL, 123456.789, false, "\x01\x02\x03", 3 },
    { "1e3", 2147483648LL, -0.0, true, "z", 1 },
    { "3.9", -32769, 1.0 / 3.0, false, "\n", 1 },
    { "x", 5, 1e15, true, "y", 1 },
    { "y", 6, 123456789012345.6, false, "x", 1 },
    { "z", 7, -2.2250738585072014e-308, true, "w", 1 },
};

static bool same_double(double a, double b) { return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0; }

static void reads_answer_the_same_in_binary_and_text_results(keel_db *db)
{
    size_t n = sizeof samples / sizeof samples[0];
    for (size_t k = 0; k < n; k++) {
        keel_stmt *st;
        REQUIRE_OK(keel_stmt_open(db, pick(db, &insert_row), &st));
        keel_bind_text(st, 1, samples[k].t);
        keel_bind_int64(st, 2, samples[k].i);
        keel_bind_double(st, 3, samples[k].d);
        keel_bind_bool(st, 4, samples[k].b);
        keel_bind_blob(st, 5, samples[k].bl, samples[k].bl_len);
        CHECK_CODE(keel_stmt_step(st), KEEL_DONE);
        keel_stmt_close(st);
    }
    keel_stmt *bin, *txt;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_binary), &bin));
    REQUIRE_OK(keel_stmt_open(db, pick(db, &select_text), &txt));
    for (size_t k = 0; k < n; k++) {
        REQUIRE_CODE(keel_stmt_step(bin), KEEL_ROW);
        REQUIRE_CODE(keel_stmt_step(txt), KEEL_ROW);
        /* The values themselves, read as their own types. */
        CHECK_INT_EQ(keel_column_int64(bin, 0), samples[k].i);
        CHECK(keel_column_double(bin, 1) == samples[k].d); /* SQLite may drop the sign of -0.0 */
        CHECK_INT_EQ(keel_column_bool(bin, 2), samples[k].b);
        CHECK_STR_EQ(keel_column_text(bin, 3, NULL), samples[k].t);
        size_t len = 99;
        const void *blob = keel_column_blob(bin, 4, &len);
        CHECK(blob != NULL && len == samples[k].bl_len && memcmp(blob, samples[k].bl, len) == 0);
        /* Every column read every way answers as the text-format row does. */
        for (int col = 0; col < 6; col++) {
            char where[64];
            snprintf(where, sizeof where, "row %zu column %d", k, col);
            if (!CHECK_INT_EQ(keel_column_int64(bin, col), keel_column_int64(txt, col)) ||
                !CHECK(same_double(keel_column_double(bin, col), keel_column_double(txt, col))) ||
                !CHECK_INT_EQ(keel_column_bool(bin, col), keel_column_bool(txt, col)))
                keel_test_fail(__FILE__, __LINE__, "%s: numeric reads differ", where);
            size_t lb = 0, lt = 0;
            const char *tb = keel_column_text(bin, col, &lb);
            const char *tt = keel_column_text(txt, col, &lt);
            if (!CHECK(lb == lt && tb != NULL && tt != NULL && memcmp(tb, tt, lb) == 0))
                keel_test_fail(__FILE__, __LINE__, "%s: text %.*s != %.*s", where, (int)lb, tb ? tb : "",
                               (int)lt, tt ? tt : "");
            const void *bb = keel_column_blob(bin, col, &lb);
            const void *bt = keel_column_blob(txt, col, &lt);
            if (!CHECK(lb == lt && bb != NULL && bt != NULL && memcmp(bb, bt, lb) == 0))
                keel_test_fail(__FILE__, __LINE__, "%s: blobs differ", where);
        }
    }
    CHECK_CODE(keel_stmt_step(bin), KEEL_DONE);
    CHECK_CODE(keel_stmt_step(txt), KEEL_DONE);
    keel_stmt_close(txt);
    keel_stmt_close(bin);
}

static void integers_that_do_not_fit_a_smaller_parameter_type_are_the_servers_to_refuse(keel_db *db)
{
    /* PostgreSQL infers int4 for $1 here; a value beyond int4 must fail as
     * it always did (out of range), not be truncated by a binary encoding. */
    static const dual_query narrow = DUAL("Narrow", 1, "SELECT CAST(? AS INTEGER) + 0",
                                          "SELECT $1::int4 + 0");
    keel_stmt *st;
    REQUIRE_OK(keel_stmt_open(db, pick(db, &narrow), &st));
    keel_bind_int64(st, 1, 7);
    REQUIRE_CODE(keel_stmt_step(st), KEEL_ROW);
    CHECK_INT_EQ(keel_column_int64(st, 0), 7);
    keel_stmt_close(st);
    if (keel_db_dialect(db) != KEEL_DIALECT_POSTGRES)
        return; /* SQLite's integers are all 64-bit */
    REQUIRE_OK(keel_stmt_open(db, pick(db, &narrow), &st));
    keel_bind_int64(st, 1, INT64_C(1) << 40);
    CHECK_CODE(keel_stmt_step(st), KEEL_ERROR);
    keel_stmt_close(st);
}

static const keel_test_case cases[] = {
    KEEL_TEST(a_stream_yields_every_row_in_order),
    KEEL_TEST(a_stream_stopped_early_leaves_the_handle_usable),
    KEEL_TEST(a_streams_consumer_can_run_statements_on_the_same_handle),
    KEEL_TEST(a_streams_consumer_can_run_statements_in_its_transaction),
    KEEL_TEST(reads_answer_the_same_in_binary_and_text_results),
    KEEL_TEST(integers_that_do_not_fit_a_smaller_parameter_type_are_the_servers_to_refuse),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), &vals_schema);
}
