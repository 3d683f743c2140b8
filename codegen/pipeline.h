/*
 * Running the whole generator on a repository: what `keel generate`,
 * `keel check` and `keel describe` do, callable from tests and fuzzers.
 */
#ifndef KEEL_CODEGEN_PIPELINE_H
#define KEEL_CODEGEN_PIPELINE_H

#include <stdio.h>

typedef struct PipelineOptions {
    const char *name;          /* repository name, a C identifier */
    const char *schema_dir;    /* holds sqlite/ and/or postgres/ */
    const char *queries_dir;
    const char *out_dir;       /* NULL: check only */
    FILE *describe;            /* non-NULL: print the inferred API here */
    const char *postgres_dsn;  /* non-NULL: verify against this server */
} PipelineOptions;

/* 0 when everything checked (and was written); 1 after reporting errors. */
int pipeline_run(const PipelineOptions *opt);

/*
 * The stages up to analysis and the SQLite engine check, without parity or
 * output: the parsed repository for `keel vet`. Fills repos (every
 * migration's statements, every query's analysis, each dialect's final
 * catalog), all owned by the returned arena (arena_destroy it). NULL after
 * reporting errors.
 */
typedef struct Arena Arena;             /* util.h */
typedef struct DialectRepo DialectRepo; /* query.h */
Arena *pipeline_load(const PipelineOptions *opt, DialectRepo *repos /* DIALECT_COUNT of them */);

#endif
