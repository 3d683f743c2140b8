/*
 * The command line's shared pieces: what a verb needs to know about the
 * repository it works on, whether it came from flags or from a config file
 * (keel.yaml, or an existing sqlc.yaml / sqlc.json). main.c parses the
 * global options and the config, then calls the verb.
 */
#ifndef KEEL_CODEGEN_CLI_H
#define KEEL_CODEGEN_CLI_H

#include <stdbool.h>

/* One repository: what `--name/--schema/--queries/--out` say. */
typedef struct CliRepo {
    const char *name;         /* a lower-case C identifier */
    const char *schema_dir;   /* holds sqlite/, postgres/ (and common/) */
    const char *queries_dir;
    const char *out_dir;      /* generated files; NULL when not configured */
    const char *postgres_dsn; /* server check DSN, NULL when none */
} CliRepo;

/*
 * Verbs beside generate/check/describe. Each gets the repository (fields
 * from flags override the config file) and the verb's remaining arguments
 * (argv[0] is the verb), and returns the process's exit status: 0 ok,
 * 1 findings or errors, 2 usage.
 */
int cli_vet(const CliRepo *repo, int argc, char **argv);
int cli_migrate(const CliRepo *repo, int argc, char **argv); /* keel migrate --dsn DSN */
int cli_status(const CliRepo *repo, int argc, char **argv);  /* keel status --dsn DSN */
int cli_drift(const CliRepo *repo, int argc, char **argv);   /* keel drift --dsn DSN */

/* What `keel VERB --help` says about each verb and its own options, between
 * its summary and the repository options (main.c prints it: main.c answers
 * --help before a verb runs). */
extern const char cli_vet_help[];
extern const char cli_migrate_help[];
extern const char cli_status_help[];
extern const char cli_drift_help[];

#endif
