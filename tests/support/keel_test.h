/*
 * keel_test.h — the small test framework of keel's engine-parity suites.
 *
 * One test binary holds an array of cases and runs them against a target
 * named on the command line: sqlite-memory, sqlite-file or postgres. Every
 * case gets a fresh, empty database (migrated with the suite's schema when
 * one is given), so the same test code proves the same behaviour on each
 * engine.
 *
 *     static void create_tag_twice_is_unique_violation(keel_db *db) { ... }
 *     static const keel_test_case cases[] = {
 *         KEEL_TEST(create_tag_twice_is_unique_violation),
 *     };
 *     int main(int argc, char **argv) {
 *         return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), &diun_schema);
 *     }
 *
 * Usage: <binary> <target> [substring]   (the substring filters case names)
 *
 * CHECK* macros record a failure with file:line and let the case go on;
 * REQUIRE* macros record it and end the case at once (via longjmp, so do
 * not use them inside keel_update/keel_view callbacks: the transaction
 * would never end; use CHECK there and return an error code instead).
 */
#ifndef KEEL_TEST_H
#define KEEL_TEST_H

#include "keel.h"

#include <stddef.h>

typedef struct keel_test_case {
    const char *name;
    void (*fn)(keel_db *db);
} keel_test_case;

#define KEEL_TEST(fn) { #fn, fn }
#define KEEL_TEST_COUNT(cases) (sizeof(cases) / sizeof((cases)[0]))

int keel_test_main(int argc, char **argv, const keel_test_case *cases, size_t n, const keel_schema *schema);

/* "sqlite-memory", "sqlite-file" or "postgres". */
const char *keel_test_target(void);
/*
 * The DSN of the running case's database: open it again to get a second
 * handle on the same data (on sqlite-memory it is ":memory:", a separate
 * database).
 */
const char *keel_test_dsn(void);
/* The handle the running case received; CHECK_CODE reads its keel_errmsg. */
keel_db *keel_test_db(void);
/* Records a failure of the running case; printf-style. */
void keel_test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Implementation of the macros below; each returns whether the check held. */
int keel_test_check(int ok, const char *expr, const char *file, int line);
int keel_test_check_int(long long a, long long b, const char *ea, const char *eb, const char *file, int line);
int keel_test_check_str(const char *a, const char *b, const char *ea, const char *eb, const char *file, int line);
int keel_test_check_code(int got, int want, const char *expr, const char *file, int line);
_Noreturn void keel_test_abort_case(void);

#define CHECK(cond) keel_test_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_INT_EQ(a, b) keel_test_check_int((long long)(a), (long long)(b), #a, #b, __FILE__, __LINE__)
/* NULL equals only NULL; NULL and "" differ. */
#define CHECK_STR_EQ(a, b) keel_test_check_str((a), (b), #a, #b, __FILE__, __LINE__)
#define CHECK_CODE(expr, code) keel_test_check_code((expr), (code), #expr, __FILE__, __LINE__)

#define REQUIRE(cond) do { if (!CHECK(cond)) keel_test_abort_case(); } while (0)
#define REQUIRE_CODE(expr, code) do { if (!CHECK_CODE(expr, code)) keel_test_abort_case(); } while (0)
#define REQUIRE_OK(expr) REQUIRE_CODE(expr, KEEL_OK)

#endif /* KEEL_TEST_H */
