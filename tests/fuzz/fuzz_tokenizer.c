/* libFuzzer: the tokenizer must consume any bytes, in both dialects, and
 * never read outside its range. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        diag_set_output(devnull);
    }
    /* exactly `size` bytes, so ASan sees any read past the end */
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    SrcFile file = {.path = "fuzz.sql", .display = "fuzz.sql", .text = text, .len = size};
    for (int d = 0; d < DIALECT_COUNT; d++) {
        Lexer lx;
        lexer_init(&lx, &file, 0, size, 1, 1, (Dialect)d);
        Token t;
        size_t last = 0;
        int steps = 0;
        while (lexer_next(&lx, &t) != 0) {
            /* every token advances: no endless loop on any input */
            if (lx.pos <= last && steps++ > 0)
                abort();
            last = lx.pos;
            steps = 1;
        }
    }
    free(text);
    diag_reset();
    return 0;
}
