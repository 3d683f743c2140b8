/*
 * Runs what keel generates for the DDL it models, against PostgreSQL (the
 * features are PostgreSQL's; tests/codegen/ddl_features): a citext column compared
 * case-insensitively, a composite column read back in the server's text
 * form, a user-defined function in an expression and in FROM, CALL of a
 * procedure and REFRESH MATERIALIZED VIEW as :exec queries.
 */
#include "ddlf.h"
#include "keel_test.h"

static int64_t add_member(keel_db *db, const char *email, const char *home)
{
    ddlf_add_member_row row = {0};
    REQUIRE_OK(ddlf_add_member(db, &(ddlf_add_member_params){ .email = email, .home = home }, &row));
    return row.id;
}

static void citext_column_matches_any_case(keel_db *db)
{
    int64_t id = add_member(db, "Ann@Example.ORG", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    ddlf_member_by_email_row row;
    REQUIRE_OK(ddlf_member_by_email(db, "ann@example.org", &arena, &row));
    CHECK_INT_EQ(row.id, id);
    CHECK_STR_EQ(row.email, "Ann@Example.ORG");
    CHECK(row.home == NULL);
    keel_arena_free(&arena);
}

static void composite_column_is_its_text_form(keel_db *db)
{
    add_member(db, "bob@example.org", "(\"1 Main St\",Paris)");
    keel_arena arena = KEEL_ARENA_INIT;
    ddlf_member_by_email_row row;
    REQUIRE_OK(ddlf_member_by_email(db, "bob@example.org", &arena, &row));
    CHECK_STR_EQ(row.home, "(\"1 Main St\",Paris)");
    keel_arena_free(&arena);
}

static void function_in_an_expression(keel_db *db)
{
    int64_t id = add_member(db, "Cy@Example.org", NULL);
    keel_arena arena = KEEL_ARENA_INIT;
    ddlf_display_email_row row;
    REQUIRE_OK(ddlf_display_email(db, id, &arena, &row));
    CHECK_STR_EQ(row.email, "cy@example.org");
    REQUIRE_OK(ddlf_display_email(db, id + 1000, &arena, &row));
    CHECK(row.email == NULL); /* no such member: the function returns NULL */
    keel_arena_free(&arena);
}

static void procedure_call_and_table_function(keel_db *db)
{
    int64_t a = add_member(db, "a@example.org", NULL);
    int64_t b = add_member(db, "b@example.org", NULL);
    REQUIRE_OK(ddlf_award(db, &(ddlf_award_params){ .member = b, .amount = 30 }));
    REQUIRE_OK(ddlf_award(db, &(ddlf_award_params){ .member = a, .amount = 10 }));
    keel_arena arena = KEEL_ARENA_INIT;
    ddlf_top_members_row *rows = NULL;
    size_t n = 0;
    REQUIRE_OK(ddlf_top_members(db, 5, &arena, &rows, &n));
    REQUIRE(n == 2);
    CHECK(rows[0].member_id.valid && rows[0].member_id.value == b);
    CHECK(rows[0].member_points.valid && rows[0].member_points.value == 30);
    CHECK(rows[1].member_id.valid && rows[1].member_id.value == a);
    keel_arena_free(&arena);
}

static void refresh_materialized_view(keel_db *db)
{
    ddlf_totals_row totals;
    REQUIRE_OK(ddlf_totals(db, &totals));
    CHECK_INT_EQ(totals.members, 0); /* computed when the migration ran */
    int64_t id = add_member(db, "d@example.org", NULL);
    REQUIRE_OK(ddlf_award(db, &(ddlf_award_params){ .member = id, .amount = 7 }));
    REQUIRE_OK(ddlf_totals(db, &totals));
    CHECK_INT_EQ(totals.members, 0); /* not refreshed yet */
    REQUIRE_OK(ddlf_refresh_totals(db));
    REQUIRE_OK(ddlf_totals(db, &totals));
    CHECK_INT_EQ(totals.members, 1);
    CHECK_INT_EQ(totals.best, 7);
}

static const keel_test_case cases[] = {
    KEEL_TEST(citext_column_matches_any_case),
    KEEL_TEST(composite_column_is_its_text_form),
    KEEL_TEST(function_in_an_expression),
    KEEL_TEST(procedure_call_and_table_function),
    KEEL_TEST(refresh_materialized_view),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), &ddlf_schema);
}
