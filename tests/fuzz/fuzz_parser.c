/* libFuzzer: the parser driver and lemon grammar on any bytes, as a
 * migration and as a query, in both dialects. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        diag_set_output(devnull);
    }
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    SrcFile file = {.path = "fuzz.sql", .display = "fuzz.sql", .text = text, .len = size};
    for (int d = 0; d < DIALECT_COUNT; d++)
        for (int mode = PARSE_MIGRATION; mode <= PARSE_QUERY; mode++) {
            Arena *arena = arena_new();
            PtrList *out = ptrlist_new(arena);
            parse_sql(arena, &file, 0, size, 1, 1, (Dialect)d, (ParseMode)mode, out);
            arena_destroy(arena);
        }
    free(text);
    diag_reset();
    return 0;
}
