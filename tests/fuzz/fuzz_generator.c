/* libFuzzer: the whole generator (catalog, analysis, SQLite engine check,
 * parity) on a repository made from the input. The first byte picks the
 * dialects; the rest is "schema SQL" and "query SQL" split at the first
 * line "====". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "pipeline.h"

static char root[64];

static void write_file(const char *dir, const char *name, const uint8_t *data, size_t size)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
}

static void make_repo(const char *dialect, const uint8_t *schema, size_t schema_len, const uint8_t *queries,
                      size_t queries_len)
{
    char dir[160];
    snprintf(dir, sizeof dir, "%s/schema/%s", root, dialect);
    mkdir(dir, 0700);
    write_file(dir, "0001_init.sql", schema, schema_len);
    snprintf(dir, sizeof dir, "%s/queries/%s", root, dialect);
    mkdir(dir, 0700);
    write_file(dir, "q.sql", queries, queries_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        diag_set_output(devnull);
        snprintf(root, sizeof root, "/tmp/keel-fuzz-%ld", (long)getpid());
        mkdir(root, 0700);
    }
    if (size < 1)
        return 0;
    int which = data[0] % 3; /* sqlite, postgres, both */
    data++;
    size--;
    const uint8_t *sep = NULL;
    for (size_t i = 0; i + 5 <= size; i++)
        if (memcmp(data + i, "\n====", 5) == 0) {
            sep = data + i;
            break;
        }
    size_t schema_len = sep ? (size_t)(sep - data) : size;
    const uint8_t *queries = sep ? sep + 5 : data + size;
    size_t queries_len = (size_t)(data + size - queries);
    /* the previous input's repository: at most these four files */
    static const char *const leftovers[] = {
        "schema/sqlite/0001_init.sql", "queries/sqlite/q.sql", "schema/postgres/0001_init.sql",
        "queries/postgres/q.sql", "schema/sqlite", "queries/sqlite", "schema/postgres", "queries/postgres",
    };
    for (size_t i = 0; i < sizeof leftovers / sizeof leftovers[0]; i++) {
        char path[160];
        snprintf(path, sizeof path, "%s/%s", root, leftovers[i]);
        if (i < 4)
            unlink(path);
        else
            rmdir(path);
    }
    char dir[128];
    snprintf(dir, sizeof dir, "%s/schema", root);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/queries", root);
    mkdir(dir, 0700);
    if (which != 1)
        make_repo("sqlite", data, schema_len, queries, queries_len);
    if (which != 0)
        make_repo("postgres", data, schema_len, queries, queries_len);
    char schema_dir[96], queries_dir[96];
    snprintf(schema_dir, sizeof schema_dir, "%s/schema", root);
    snprintf(queries_dir, sizeof queries_dir, "%s/queries", root);
    PipelineOptions opt = {.name = "fuzz", .schema_dir = schema_dir, .queries_dir = queries_dir};
    pipeline_run(&opt);
    diag_reset();
    return 0;
}
