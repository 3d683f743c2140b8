/*
 * keel — the generator's command line.
 *
 *   keel generate --name diun --schema schema --queries queries --out generated
 *   keel check    --name diun --schema schema --queries queries
 *   keel describe --name diun --schema schema --queries queries
 *
 * --postgres DSN (or KEEL_POSTGRES_DSN) also checks the PostgreSQL dialect
 * against a real server: a scratch database is created and dropped.
 *
 * Reads schema/<dialect>/ migrations and queries/<dialect>/ query files for
 * each dialect present (sqlite, postgres), and runs the pipeline:
 * parse -> catalog -> analyze -> engine check -> parity -> emit. Any error
 * exits with status 1 and writes nothing.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "pipeline.h"

static void usage(FILE *f)
{
    fputs("usage: keel generate --name NAME --schema DIR --queries DIR --out DIR\n"
          "       keel check    --name NAME --schema DIR --queries DIR\n"
          "       keel describe --name NAME --schema DIR --queries DIR\n"
          "       (any command) --postgres DSN   also verify against a PostgreSQL server\n"
          "\n"
          "DIR/sqlite and DIR/postgres hold each dialect's migrations (NNNN_name.sql)\n"
          "and annotated queries (-- name: QueryName :one|:many|:exec|:execrows|:execresult|:execlastid).\n",
          f);
}

static bool valid_repo_name(const char *s)
{
    if (!*s || !((*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    bool generate = strcmp(argv[1], "generate") == 0;
    bool describe = strcmp(argv[1], "describe") == 0;
    if (!generate && !describe && strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "keel: unknown command \"%s\"\n", argv[1]);
        usage(stderr);
        return 2;
    }
    const char *name = NULL, *schema = NULL, *queries = NULL, *out = NULL;
    const char *pg_dsn = getenv("KEEL_POSTGRES_DSN");
    for (int i = 2; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--name") == 0      ? &name
                            : strcmp(argv[i], "--schema") == 0  ? &schema
                            : strcmp(argv[i], "--queries") == 0 ? &queries
                            : strcmp(argv[i], "--out") == 0     ? &out
                            : strcmp(argv[i], "--postgres") == 0 ? &pg_dsn
                                                                : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "keel: %s \"%s\"\n", slot ? "missing value for" : "unknown option", argv[i]);
            usage(stderr);
            return 2;
        }
        *slot = argv[++i];
    }
    if (!name || !schema || !queries || (generate && !out)) {
        usage(stderr);
        return 2;
    }
    if (!valid_repo_name(name)) {
        fprintf(stderr, "keel: repository name \"%s\" must be a lower-case C identifier\n", name);
        return 2;
    }
    PipelineOptions opt = {
        .name = name,
        .schema_dir = schema,
        .queries_dir = queries,
        .out_dir = generate ? out : NULL,
        .describe = describe ? stdout : NULL,
        .postgres_dsn = pg_dsn && *pg_dsn ? pg_dsn : NULL,
    };
    int status = pipeline_run(&opt);
    int errors = diag_error_count();
    if (status != 0) {
        if (errors)
            fprintf(stderr, "keel: %d error%s; nothing written\n", errors, errors == 1 ? "" : "s");
        return 1;
    }
    return 0;
}
