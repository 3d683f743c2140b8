#include "cli.h"
int cli_vet(const CliRepo *repo, int argc, char **argv) { (void)repo; (void)argc; (void)argv; return 2; }
