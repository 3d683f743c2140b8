/*
 * Pieces the database verbs share (cli_migrate.c, cli_drift.c): their
 * flags, a repository's migrations as the runtime sees them, and opening a
 * DSN with a clear error.
 */
#ifndef KEEL_CODEGEN_CLI_UTIL_H
#define KEEL_CODEGEN_CLI_UTIL_H

#include "cli.h"
#include "keel.h"
#include "query.h"

/* A flag that takes a value: "--dsn" and where to store it. */
typedef struct CliFlag {
    const char *name;
    const char **value;
    const char *required; /* the message when it is missing or empty; NULL: optional */
} CliFlag;

/*
 * Parses argv[1..argc) (argv[0] is the verb) against flags (main.c has
 * already answered --help). Returns 0, or 2 after printing the problem: an
 * unknown option, a flag without its value, a required flag missing.
 */
int cli_parse_flags(int argc, char **argv, const CliFlag *flags, int n_flags);

/* --dsn's message when it is missing. */
#define CLI_DSN_REQUIRED "--dsn DSN is required (a SQLite file, or a PostgreSQL URL or key=value string)"

/* A number flag's value; reports and returns false when it is not one. */
bool cli_parse_version(const char *verb, const char *flag, const char *text, int64_t *out);

/* One dialect's migrations, read the way the generator reads them, with the
 * SQL and checksums the generated code would embed. */
typedef struct CliMigrations {
    DialectRepo repo;    /* source.c's Migration list */
    const char *dir;     /* schema_dir/<dialect> */
    keel_schema schema;  /* this dialect's set filled, the other empty */
} CliMigrations;

/* Reads schema_dir/<dialect>; reports (compiler style) and returns false. */
bool cli_load_migrations(Arena *arena, const CliRepo *repo, keel_dialect dialect, CliMigrations *out);

Dialect cli_dialect(keel_dialect d);

/*
 * Opens dsn (not NULL: --dsn is a required flag). With must_exist, a SQLite file that is not there is an error
 * instead of a new empty database (status and drift only read). Prints
 * "keel VERB: ..." (never the DSN: it may hold a password) and returns
 * NULL on failure.
 */
keel_db *cli_open(const char *verb, const char *dsn, bool must_exist);

/* "keel VERB: CODE: message" for a failed runtime call; returns 1. */
int cli_runtime_error(const char *verb, keel_db *db, int rc, const char *what);

#endif
