/*
 * The command line's verbs beside generate/check/describe that keel's
 * generator side implements (cli_init.c, cli_diff.c). main.c parses the
 * arguments and resolves the repositories; these only do the work.
 */
#ifndef KEEL_CODEGEN_CLI_VERBS_H
#define KEEL_CODEGEN_CLI_VERBS_H

#include <stdbool.h>

#include "cli_config.h"

/* keel init [--name NAME] [DIR]: a new repository in DIR (created when
 * missing) that passes `keel check`. Refuses to overwrite any file. */
int cli_init(const char *dir, const char *name);

/* keel diff (show_diff) / keel verify: generates into a temporary folder
 * and compares with target's out folder, which it never writes. 0 when
 * they match, 1 when they differ or the generator reported errors. */
int cli_compare(const CliTarget *target, bool show_diff);

#endif
