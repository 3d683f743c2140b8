/*
 * keel diff / keel verify: is the committed generated code what keel
 * generates now? Both generate into a temporary folder and compare it with
 * the out folder file by file, never writing there. diff shows the
 * difference with diffutils' `diff -u`, verify only names the files.
 */
#include "cli_verbs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "pipeline.h"

extern char **environ;

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted; NULL after reporting. */
static PtrList *list_files(Arena *arena, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        diag_error((SrcPos){0}, "cannot open directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    PtrList *names = ptrlist_new(arena);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        char *path = arena_printf(arena, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            ptrlist_push(arena, names, arena_strdup(arena, e->d_name));
    }
    closedir(d);
    if (names->n > 1)
        qsort(names->items, (size_t)names->n, sizeof(void *), compare_names);
    return names;
}

/* The whole file; NULL with *absent set when there is none, NULL after
 * reporting when it cannot be read. */
static char *read_whole(const char *path, size_t *len, bool *absent)
{
    *absent = false;
    char *text = read_file(path, len);
    if (!text && errno == ENOENT)
        *absent = true;
    else if (!text)
        diag_error((SrcPos){0}, "cannot read %s: %s", path, strerror(errno));
    return text;
}

/* diff -u from the out folder's file to the fresh one, both labelled with
 * the out path so `patch -p0` applies the result. */
static bool show_unified_diff(const char *old_path, const char *fresh_path)
{
    char *argv[] = {"diff", "-u", "-N", "--label", (char *)old_path, "--label", (char *)old_path,
                    (char *)old_path, (char *)fresh_path, NULL};
    fflush(stdout);
    pid_t pid;
    int err = posix_spawnp(&pid, "diff", NULL, NULL, argv, environ);
    if (err != 0) {
        diag_error((SrcPos){0}, "cannot run diff: %s", strerror(err));
        return false;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            diag_error((SrcPos){0}, "waiting for diff: %s", strerror(errno));
            return false;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        diag_error((SrcPos){0}, "diff failed on %s and %s", old_path, fresh_path);
        return false;
    }
    return true;
}

/* 0 when every fresh file equals its namesake in out_dir, 1 otherwise. */
static int compare_folders(Arena *arena, const char *fresh_dir, const char *out_dir, bool show_diff)
{
    PtrList *names = list_files(arena, fresh_dir);
    if (!names)
        return 1;
    int status = 0;
    for (int i = 0; i < names->n; i++) {
        const char *name = names->items[i];
        char *fresh_path = arena_printf(arena, "%s/%s", fresh_dir, name);
        char *old_path = arena_printf(arena, "%s/%s", out_dir, name);
        size_t fresh_len = 0, old_len = 0;
        bool fresh_absent, old_absent;
        char *fresh = read_whole(fresh_path, &fresh_len, &fresh_absent);
        char *old = fresh ? read_whole(old_path, &old_len, &old_absent) : NULL;
        if (!fresh || (!old && !old_absent)) {
            status = 1;
        } else if (!old || old_len != fresh_len || memcmp(old, fresh, fresh_len) != 0) {
            status = 1;
            if (!show_diff)
                printf("%s: %s\n", old_path, old ? "stale" : "missing");
            else if (!show_unified_diff(old_path, fresh_path))
                status = 1;
        }
        free(fresh);
        free(old);
    }
    return status;
}

static void remove_folder(Arena *arena, const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlink(arena_printf(arena, "%s/%s", dir, e->d_name));
        closedir(d);
    }
    rmdir(dir);
}

int cli_compare(const CliTarget *target, bool show_diff)
{
    const char *tmp = getenv("TMPDIR");
    char fresh_dir[PATH_MAX];
    snprintf(fresh_dir, sizeof fresh_dir, "%s/keel-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", target->repo.name);
    if (!mkdtemp(fresh_dir)) {
        diag_error((SrcPos){0}, "cannot create a temporary folder %s: %s", fresh_dir, strerror(errno));
        return 1;
    }
    Arena *arena = arena_new();
    PipelineOptions opt;
    cli_target_pipeline_options(target, &opt);
    opt.out_dir = fresh_dir;
    int status = pipeline_run(&opt) != 0 ? 1 : compare_folders(arena, fresh_dir, target->repo.out_dir, show_diff);
    remove_folder(arena, fresh_dir);
    arena_destroy(arena);
    return status;
}
