/* libFuzzer: DSN parsing. keel_open's classification of any string, and,
 * for what it takes as PostgreSQL, libpq's own parse of it (which
 * keel_open runs before connecting) -- nothing is opened or connected. */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *dsn = malloc(size + 1);
    memcpy(dsn, data, size);
    dsn[size] = 0;
    keel_dialect d = keel_dsn_dialect(dsn);
    if (d != 0 && d != KEEL_DIALECT_SQLITE && d != KEEL_DIALECT_POSTGRES)
        abort();
    if (strlen(dsn) > 0 && strspn(dsn, " \t\r\n\f\v") < strlen(dsn) && d == 0)
        abort(); /* only blank DSNs are refused outright */
    if (d == KEEL_DIALECT_POSTGRES) {
        char *error = NULL;
        PQconninfoOption *opts = PQconninfoParse(dsn, &error);
        PQconninfoFree(opts);
        PQfreemem(error);
    }
    free(dsn);
    return 0;
}
