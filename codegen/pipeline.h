/*
 * Running the whole generator on a repository: what `keel generate`,
 * `keel check` and `keel describe` do, callable from tests and fuzzers.
 */
#ifndef KEEL_CODEGEN_PIPELINE_H
#define KEEL_CODEGEN_PIPELINE_H

#include <stdio.h>

#include "ast.h"

/*
 * One dialect's sources named path by path, for repositories not laid out
 * as DIR/<dialect> (an sqlc configuration names each engine's schema and
 * queries separately). Each list is NULL-terminated; an entry is a folder
 * or a single .sql file.
 */
typedef struct PipelineSources {
    const char *const *schema;  /* NULL: the dialect comes from schema_dir */
    const char *const *queries; /* NULL: no queries */
} PipelineSources;

typedef struct PipelineOptions {
    const char *name;          /* repository name, a C identifier */
    const char *schema_dir;    /* holds sqlite/ and/or postgres/; may be NULL */
    const char *queries_dir;
    const char *out_dir;       /* NULL: check only */
    FILE *describe;            /* non-NULL: print the inferred API here */
    const char *postgres_dsn;  /* non-NULL: verify against this server */
    /* by Dialect: a dialect whose .schema is set reads these paths instead
     * of schema_dir/<dialect> and queries_dir/<dialect> */
    PipelineSources sources[DIALECT_COUNT];
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
