/* libFuzzer: the configuration reader (libyaml + keel.yaml / sqlc.yaml
 * interpretation) on a file made from the input. The first byte picks the
 * file name, and so how a file with neither "repositories" nor "sql" is
 * read. Paths it names need not exist: reading the file never opens them
 * except to test whether sqlc folders are in keel's layout. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_config.h"
#include "diag.h"

static char dir[64];

static void remove_dir(void) { rmdir(dir); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/keel-fuzz-config-%ld", (long)getpid());
        if (mkdir(dir, 0700) != 0 && access(dir, F_OK) != 0)
            abort();
        atexit(remove_dir);
        diag_set_output(fopen("/dev/null", "w"));
    }
    if (size == 0)
        return 0;
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, data[0] & 1 ? "sqlc.yaml" : "keel.yaml");
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    Arena *arena = arena_new();
    CliConfig config;
    cli_config_load(arena, path, &config);
    arena_destroy(arena);
    diag_reset();
    unlink(path);
    return 0;
}
