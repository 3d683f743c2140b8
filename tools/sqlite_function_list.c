/*
 * Prints the function list of the SQLite library keel links (PRAGMA
 * function_list): name, type (s scalar, a aggregate, w window) and number
 * of arguments (-1: any), tab-separated, sorted. Used by
 * tools/gen-function-tables.sh, which checks that keel's SQLite function
 * table annotates every one of them.
 */
#include <sqlite3.h>
#include <stdio.h>

int main(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT DISTINCT name, type, narg FROM pragma_function_list "
                           "ORDER BY name COLLATE BINARY, type, narg",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_function_list: %s\n", sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    while (sqlite3_step(st) == SQLITE_ROW)
        printf("%s\t%s\t%d\n", (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
               sqlite3_column_int(st, 2));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return 0;
}
