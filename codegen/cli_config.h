/*
 * The configuration file: keel.yaml, or an existing sqlc configuration
 * (sqlc.yaml / sqlc.yml / sqlc.json, version "2"), read with libyaml into
 * the repositories the command line's verbs run on. Paths in the file are
 * relative to the file's folder. Errors and warnings are diagnostics at
 * the file's line and column.
 */
#ifndef KEEL_CODEGEN_CLI_CONFIG_H
#define KEEL_CODEGEN_CLI_CONFIG_H

#include "cli.h"
#include "pipeline.h"

/* One repository with everything the pipeline needs to run on it. */
typedef struct CliTarget {
    CliRepo repo;
    /* a dialect named path by path (sqlc layouts); see PipelineSources */
    PipelineSources sources[DIALECT_COUNT];
    SrcPos pos; /* where the configuration names it; file NULL when from flags */
} CliTarget;

typedef struct CliConfig {
    int n;
    CliTarget *targets;
} CliConfig;

/* The names keel looks for in the current folder, in this order; NULL-terminated. */
extern const char *const cli_config_names[];

/* The first of cli_config_names that exists in the current folder, or NULL. */
const char *cli_config_find(void);

/*
 * Reads the configuration at path into config (allocated in arena). A file
 * with a top-level "sql" or "packages" key, or whose name starts with
 * "sqlc", is an sqlc configuration; anything else is keel.yaml. Reports
 * every problem; false after any error.
 */
bool cli_config_load(Arena *arena, const char *path, CliConfig *config);

/* Fills opt from a target (name, paths, DSN); the caller sets out_dir and describe. */
void cli_target_pipeline_options(const CliTarget *target, PipelineOptions *opt);

/* A lower-case C identifier: what repository names must be. */
bool cli_valid_repo_name(const char *s);

#endif
