/*
 * Runs what the generator emits for every C kind on every engine: the
 * books fixture (cases/inference_basics) exercises int64, double, bool,
 * blob and text results and parameters, nullable scalars (keel_opt_*),
 * :execlastid, :execrows, :execresult, :exec on a SELECT, :one, :many and
 * the streaming form, result columns named by the engine's rule, and
 * sqlc.embed() rows nested as their table's struct.
 */
#include <string.h>

#include "books.h"
#include "keel_test.h"

static int64_t add_author(keel_db *db, const char *name, const char *email)
{
    int64_t id = -1;
    CHECK_CODE(books_add_author(db, &(books_add_author_params){ .name = name, .email = email }, &id), KEEL_OK);
    return id;
}

static void execlastid_returns_each_new_id(keel_db *db)
{
    int64_t a = add_author(db, "Ann", "ann@example.org");
    int64_t b = add_author(db, "Bob", NULL);
    CHECK(a > 0);
    CHECK_INT_EQ(b, a + 1);
}

static void blob_parameter_and_result_keep_every_byte(keel_db *db)
{
    int64_t author = add_author(db, "Ann", NULL);
    const unsigned char cover[] = { 0x00, 0xff, 0x00, 'k', 'e', 'e', 'l', 0x00 };
    keel_arena arena = KEEL_ARENA_INIT;
    books_add_book_row row;
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){
        .author_id = author, .title = "Zero", .price = KEEL_SOME_DOUBLE(9.5),
        .cover = { cover, sizeof cover } }, &arena, &row));
    CHECK(row.id > 0);
    CHECK_INT_EQ((long long)row.cover.len, (long long)sizeof cover);
    CHECK(row.cover.data && memcmp(row.cover.data, cover, sizeof cover) == 0);
    keel_arena_free(&arena);
}

static void null_blob_and_empty_blob_stay_distinct(keel_db *db)
{
    int64_t author = add_author(db, "Ann", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    books_add_book_row none, empty;
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = author, .title = "A" }, &arena, &none));
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = author, .title = "B",
        .cover = { "", 0 } }, &arena, &empty));
    CHECK(none.cover.data == NULL);
    CHECK(empty.cover.data != NULL);
    CHECK_INT_EQ((long long)empty.cover.len, 0);
    keel_arena_free(&arena);
}

static void optional_double_binds_null_and_value(keel_db *db)
{
    int64_t author = add_author(db, "Ann", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    books_add_book_row book;
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = author, .title = "T",
        .price = KEEL_SOME_DOUBLE(10) }, &arena, &book));
    books_count_books_row stats;
    REQUIRE_OK(books_count_books(db, author, &stats));
    CHECK_INT_EQ(stats.total, 1);
    CHECK(stats.top_price.valid && stats.top_price.value == 10.0);
    CHECK(stats.revenue == 10.0);

    int64_t changed = -1;
    /* only_title NULL: the optional filter is off */
    REQUIRE_OK(books_set_price(db, &(books_set_price_params){ .price = { 0 }, .id = book.id }, &changed));
    CHECK_INT_EQ(changed, 1);
    REQUIRE_OK(books_count_books(db, author, &stats));
    CHECK(!stats.top_price.valid);      /* max over only NULL prices */
    CHECK(stats.revenue == 0.0);        /* coalesce(sum, 0.0) */

    /* only_title set: a title that does not match changes nothing */
    REQUIRE_OK(books_set_price(db, &(books_set_price_params){ .price = KEEL_SOME_DOUBLE(3), .id = book.id,
        .only_title = "other" }, &changed));
    CHECK_INT_EQ(changed, 0);
    keel_arena_free(&arena);
}

static void aggregates_over_no_rows(keel_db *db)
{
    books_count_books_row stats;
    REQUIRE_OK(books_count_books(db, 12345, &stats));
    CHECK_INT_EQ(stats.total, 0);
    CHECK(!stats.top_price.valid);
    CHECK(stats.revenue == 0.0);
}

static void left_join_gives_invalid_optionals(keel_db *db)
{
    int64_t ann = add_author(db, "Ann", NULL);
    add_author(db, "Bob", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    books_add_book_row book;
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = ann, .title = "T",
        .price = KEEL_SOME_DOUBLE(5) }, &arena, &book));
    /* the BETWEEN filter is on the joined side, so only Ann's priced book shows */
    books_authors_with_books_row *rows = NULL;
    size_t n = 0;
    REQUIRE_OK(books_authors_with_books(db, &(books_authors_with_books_params){
        .name = "%", .price_from = 0, .price_to = 100, .limit = 10, .offset = 0 }, &arena, &rows, &n));
    REQUIRE(n == 1);
    CHECK_STR_EQ(rows[0].name, "Ann");
    CHECK(rows[0].book_id.valid && rows[0].book_id.value == book.id);
    CHECK(rows[0].price.valid && rows[0].price.value == 5.0);
    CHECK(rows[0].published.valid && !rows[0].published.value);
    CHECK(rows[0].email == NULL);
    keel_arena_free(&arena);
}

static void bool_and_text_results(keel_db *db)
{
    int64_t ann = add_author(db, "Ann", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    books_has_books_row has;
    REQUIRE_OK(books_has_books(db, ann, &arena, &has));
    CHECK(!has.has_books);
    CHECK_STR_EQ(has.label, "some"); /* count(*) over authors */
    books_add_book_row book;
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = ann, .title = "T" }, &arena, &book));
    REQUIRE_OK(books_has_books(db, ann, &arena, &has));
    CHECK(has.has_books);
    keel_arena_free(&arena);
}

static int count_rows(const books_books_by_ids_row *row, void *ctx)
{
    (void)row;
    ++*(int *)ctx;
    return 0;
}

static void many_and_streaming_agree(keel_db *db)
{
    int64_t ann = add_author(db, "Ann", NULL);
    int64_t bob = add_author(db, "Bob", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    books_add_book_row b1, b2, b3;
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = ann, .title = "1" }, &arena, &b1));
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = ann, .title = "2" }, &arena, &b2));
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = bob, .title = "3" }, &arena, &b3));
    books_books_by_ids_params p = { .id = b1.id, .id_2 = b3.id, .author_id = -1, .author_id_2 = ann };
    books_books_by_ids_row *rows = NULL;
    size_t n = 0;
    REQUIRE_OK(books_books_by_ids(db, &p, &arena, &rows, &n));
    CHECK_INT_EQ((long long)n, 3); /* b1, b3 by id; b2 by author */
    int streamed = 0;
    REQUIRE_OK(books_books_by_ids_each(db, &p, count_rows, &streamed));
    CHECK_INT_EQ(streamed, 3);
    keel_arena_free(&arena);
}

static void list_parameters_filter_by_every_item(keel_db *db)
{
    int64_t ann = add_author(db, "Ann", NULL);
    int64_t bob = add_author(db, "Bob", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    books_add_book_row b1, b2, b3;
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = ann, .title = "It's \"quoted\"" }, &arena, &b1));
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = ann, .title = "Ünïcødé, {braces}" }, &arena, &b2));
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = bob, .title = "back\\slash" }, &arena, &b3));
    const char *titles[] = { "It's \"quoted\"", "Ünïcødé, {braces}", "back\\slash", "missing" };
    int64_t authors[] = { ann, bob };
    books_books_by_titles_row *rows = NULL;
    size_t n = 0;
    REQUIRE_OK(books_books_by_titles(db, &(books_books_by_titles_params){
        .titles = { titles, 4 }, .authors = { authors, 2 } }, &arena, &rows, &n));
    REQUIRE(n == 3);
    CHECK_INT_EQ(rows[0].id, b1.id);
    CHECK_STR_EQ(rows[0].title, titles[0]);
    CHECK_STR_EQ(rows[1].title, titles[1]);
    CHECK_STR_EQ(rows[2].title, titles[2]);

    /* only Bob's: the second list narrows */
    REQUIRE_OK(books_books_by_titles(db, &(books_books_by_titles_params){
        .titles = { titles, 4 }, .authors = { &bob, 1 } }, &arena, &rows, &n));
    REQUIRE(n == 1);
    CHECK_INT_EQ(rows[0].id, b3.id);

    /* an empty list matches nothing, on both engines */
    REQUIRE_OK(books_books_by_titles(db, &(books_books_by_titles_params){
        .titles = { titles, 0 }, .authors = { authors, 2 } }, &arena, &rows, &n));
    CHECK_INT_EQ((long long)n, 0);
    keel_arena_free(&arena);
}

static void foreign_key_violation_from_generated_insert(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    books_add_book_row row;
    CHECK_CODE(books_add_book(db, &(books_add_book_params){ .author_id = 999, .title = "x" }, &arena, &row),
               KEEL_FOREIGN_KEY_VIOLATION);
    keel_arena_free(&arena);
}

static void execresult_counts_rows_and_knows_sqlite_last_id(keel_db *db)
{
    keel_exec_result r = { .rows_affected = -1 };
    REQUIRE_OK(books_add_author_once(db, &(books_add_author_once_params){ .name = "Ann", .email = "a@x" }, &r));
    CHECK_INT_EQ(r.rows_affected, 1);
    if (keel_db_dialect(db) == KEEL_DIALECT_SQLITE) {
        CHECK(r.last_insert_id.valid);
    } else {
        CHECK(!r.last_insert_id.valid); /* PostgreSQL keeps no last id */
    }
    int64_t first_id = r.last_insert_id.value;
    /* the conflict inserts nothing: no rows, and no stale id on any engine */
    REQUIRE_OK(books_add_author_once(db, &(books_add_author_once_params){ .name = "Ann", .email = "a@x" }, &r));
    CHECK_INT_EQ(r.rows_affected, 0);
    CHECK(!r.last_insert_id.valid);
    REQUIRE_OK(books_add_author_once(db, &(books_add_author_once_params){ .name = "Ann", .email = "b@x" }, &r));
    CHECK_INT_EQ(r.rows_affected, 1);
    if (keel_db_dialect(db) == KEEL_DIALECT_SQLITE)
        CHECK_INT_EQ(r.last_insert_id.value, first_id + 1);
    /* an UPDATE has no last id; both Anns are renamed */
    REQUIRE_OK(books_rename_authors(db, &(books_rename_authors_params){ .new_name = "Bo", .old_name = "Ann" }, &r));
    CHECK_INT_EQ(r.rows_affected, 2);
    CHECK(!r.last_insert_id.valid);
    REQUIRE_OK(books_rename_authors(db, &(books_rename_authors_params){ .new_name = "Cy", .old_name = "none" }, NULL));
}

static void execresult_counts_rows_returned_and_dropped(keel_db *db)
{
    int64_t ann = add_author(db, "Ann", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    books_add_book_row book;
    for (int i = 0; i < 3; i++)
        REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = ann, .title = "T" }, &arena, &book));
    keel_exec_result r = { .rows_affected = -1 };
    REQUIRE_OK(books_delete_books_of(db, ann, &r));
    CHECK_INT_EQ(r.rows_affected, 3);
    CHECK(!r.last_insert_id.valid);
    REQUIRE_OK(books_delete_books_of(db, ann, &r));
    CHECK_INT_EQ(r.rows_affected, 0);
    keel_arena_free(&arena);
}

static void exec_on_select_runs_and_drops_rows(keel_db *db)
{
    REQUIRE_OK(books_ping(db));
    REQUIRE_OK(books_ping(db)); /* the statement was stepped to its end and released */
}

static void unnamed_columns_take_the_engine_names(keel_db *db)
{
    int64_t ann = add_author(db, "Ann", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    books_add_book_row book;
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = ann, .title = "T",
        .price = KEEL_SOME_DOUBLE(7) }, &arena, &book));
    books_book_totals_row totals;
    REQUIRE_OK(books_book_totals(db, &totals));
    CHECK_INT_EQ(totals.count, 1);
    CHECK(totals.max.valid && totals.max.value == 7.0);
    CHECK_INT_EQ(totals.column_3, 2);
    keel_arena_free(&arena);
}

static void embedded_tables_fill_nested_structs(keel_db *db)
{
    int64_t ann = add_author(db, "Ann", "ann@x");
    int64_t bob = add_author(db, "Bob", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    const unsigned char cover[] = { 1, 0, 2 };
    books_add_book_row book;
    REQUIRE_OK(books_add_book(db, &(books_add_book_params){ .author_id = ann, .title = "T",
        .price = KEEL_SOME_DOUBLE(4.5), .cover = { cover, sizeof cover } }, &arena, &book));

    books_book_and_author_row one;
    REQUIRE_OK(books_book_and_author(db, book.id, &arena, &one));
    CHECK_INT_EQ(one.b.id, book.id);
    CHECK_INT_EQ(one.b.author_id, ann);
    CHECK_STR_EQ(one.b.title, "T");
    CHECK(one.b.price.valid && one.b.price.value == 4.5);
    CHECK(one.b.cover.len == sizeof cover && memcmp(one.b.cover.data, cover, sizeof cover) == 0);
    CHECK(!one.b.published);
    CHECK_INT_EQ(one.a.id, ann);
    CHECK_STR_EQ(one.a.name, "Ann");
    CHECK_STR_EQ(one.a.email, "ann@x");
    CHECK_INT_EQ(one.a.default_, 0);
    CHECK_CODE(books_book_and_author(db, book.id + 100, &arena, &one), KEEL_NOT_FOUND);

    /* Bob has no book: his row's embed is missing, and zeroed */
    books_authors_and_their_books_row *rows = NULL;
    size_t n = 0;
    REQUIRE_OK(books_authors_and_their_books(db, &arena, &rows, &n));
    REQUIRE(n == 2);
    CHECK_STR_EQ(rows[0].author, "Ann");
    CHECK(rows[0].books_valid);
    CHECK_INT_EQ(rows[0].books.id, book.id);
    CHECK_STR_EQ(rows[0].books.title, "T");
    CHECK_STR_EQ(rows[1].author, "Bob");
    CHECK(!rows[1].books_valid);
    CHECK(rows[1].books.title == NULL && rows[1].books.id == 0 && !rows[1].books.price.valid);
    (void)bob;
    keel_arena_free(&arena);
}

static const keel_test_case cases[] = {
    KEEL_TEST(execlastid_returns_each_new_id),
    KEEL_TEST(blob_parameter_and_result_keep_every_byte),
    KEEL_TEST(null_blob_and_empty_blob_stay_distinct),
    KEEL_TEST(optional_double_binds_null_and_value),
    KEEL_TEST(aggregates_over_no_rows),
    KEEL_TEST(left_join_gives_invalid_optionals),
    KEEL_TEST(bool_and_text_results),
    KEEL_TEST(many_and_streaming_agree),
    KEEL_TEST(list_parameters_filter_by_every_item),
    KEEL_TEST(foreign_key_violation_from_generated_insert),
    KEEL_TEST(execresult_counts_rows_and_knows_sqlite_last_id),
    KEEL_TEST(execresult_counts_rows_returned_and_dropped),
    KEEL_TEST(exec_on_select_runs_and_drops_rows),
    KEEL_TEST(unnamed_columns_take_the_engine_names),
    KEEL_TEST(embedded_tables_fill_nested_structs),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), &books_schema);
}
