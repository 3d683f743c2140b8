/*
 * Placeholders for the database verbs (codegen/cli.h) until cli_vet.c,
 * cli_migrate.c and cli_drift.c are merged; the merge deletes this file
 * and its line in codegen/CMakeLists.txt.
 */
#include <stdio.h>

#include "cli.h"

static int not_built_yet(int argc, char **argv)
{
    fprintf(stderr, "keel: %s: not built yet\n", argc > 0 ? argv[0] : "?");
    return 2;
}

int cli_vet(const CliRepo *repo, int argc, char **argv)
{
    (void)repo;
    return not_built_yet(argc, argv);
}

int cli_migrate(const CliRepo *repo, int argc, char **argv)
{
    (void)repo;
    return not_built_yet(argc, argv);
}

int cli_status(const CliRepo *repo, int argc, char **argv)
{
    (void)repo;
    return not_built_yet(argc, argv);
}

int cli_drift(const CliRepo *repo, int argc, char **argv)
{
    (void)repo;
    return not_built_yet(argc, argv);
}
