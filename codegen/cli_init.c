/*
 * keel init: a new repository that passes `keel check` — keel.yaml, one
 * migration per dialect creating one example table, and two queries per
 * dialect. It never overwrites a file: it checks every file first and
 * creates each with O_EXCL.
 */
#include "cli_verbs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"

static const char keel_yaml[] =
    "# keel's configuration: `keel generate`, `keel check`, `keel diff`... run on\n"
    "# every repository listed here. Paths are relative to this file.\n"
    "version: 1\n"
    "repositories:\n"
    "  - name: %s\n"
    "    # NNNN_name.sql migrations: schema/sqlite, schema/postgres, schema/common (both)\n"
    "    schema: schema\n"
    "    # annotated queries: queries/sqlite, queries/postgres, queries/common (both)\n"
    "    queries: queries\n"
    "    # keel generate writes %s.h, %s.c, %s_sqlite.c and %s_postgres.c here\n"
    "    out: generated\n"
    "    # when this variable holds a DSN, the PostgreSQL queries are also checked on that server\n"
    "    postgres_dsn_env: KEEL_POSTGRES_DSN\n";

static const char sqlite_schema[] =
    "-- The first migration. Later changes go into new files (0002_*.sql):\n"
    "-- a migration that has been applied somewhere is never edited.\n"
    "CREATE TABLE notes (\n"
    "    id    INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    title TEXT NOT NULL,\n"
    "    body  TEXT\n"
    ");\n";

static const char postgres_schema[] =
    "-- The first migration. Later changes go into new files (0002_*.sql):\n"
    "-- a migration that has been applied somewhere is never edited.\n"
    "CREATE TABLE notes (\n"
    "    id    BIGSERIAL PRIMARY KEY,\n"
    "    title TEXT NOT NULL,\n"
    "    body  TEXT\n"
    ");\n";

static const char sqlite_queries[] =
    "-- name: CreateNote :one\n"
    "-- Adds a note and returns it with its id.\n"
    "INSERT INTO notes (title, body) VALUES (?, ?) RETURNING id, title, body;\n"
    "\n"
    "-- name: ListNotes :many\n"
    "-- Every note, oldest first.\n"
    "SELECT id, title, body FROM notes ORDER BY id;\n";

static const char postgres_queries[] =
    "-- name: CreateNote :one\n"
    "-- Adds a note and returns it with its id.\n"
    "INSERT INTO notes (title, body) VALUES ($1, $2) RETURNING id, title, body;\n"
    "\n"
    "-- name: ListNotes :many\n"
    "-- Every note, oldest first.\n"
    "SELECT id, title, body FROM notes ORDER BY id;\n";

/* DIR's own name as a repository name: lower-case, other characters as
 * '_'; "app" when nothing usable is left. */
static char *name_from_dir(Arena *arena, const char *dir)
{
    char resolved[PATH_MAX];
    const char *path = realpath(dir, resolved) ? resolved : dir;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    const char *leaf = path + n;
    while (leaf > path && leaf[-1] != '/')
        leaf--;
    StrBuf b = {0};
    bool any_letter = false;
    for (const char *p = leaf; p < path + n; p++) {
        char c = (char)tolower((unsigned char)*p);
        bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (b.len == 0 && c >= '0' && c <= '9')
            sb_putc(&b, '_');
        sb_putc(&b, (char)(word ? c : '_'));
        any_letter = any_letter || (c >= 'a' && c <= 'z');
    }
    char *name = arena_strdup(arena, any_letter && b.s ? b.s : "app");
    sb_free(&b);
    return name;
}

static bool make_dirs(Arena *arena, const char *path)
{
    for (const char *p = path + 1; *p; p++)
        if (*p == '/' && p[-1] != '/') {
            char *prefix = arena_strndup(arena, path, (size_t)(p - path));
            if (mkdir(prefix, 0777) != 0 && errno != EEXIST)
                return false;
        }
    return mkdir(path, 0777) == 0 || errno == EEXIST;
}

static bool write_new_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0)
        return false;
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return false;
        }
        done += (size_t)n;
    }
    return close(fd) == 0;
}

int cli_init(const char *dir, const char *name)
{
    Arena *arena = arena_new();
    if (!name)
        name = name_from_dir(arena, dir);
    const char *prefix = strcmp(dir, ".") == 0 ? "" : arena_printf(arena, "%s/", dir);
    struct {
        const char *file, *text;
    } files[] = {
        {"keel.yaml", arena_printf(arena, keel_yaml, name, name, name, name, name)},
        {"schema/sqlite/0001_init.sql", sqlite_schema},
        {"schema/postgres/0001_init.sql", postgres_schema},
        {"queries/sqlite/notes.sql", sqlite_queries},
        {"queries/postgres/notes.sql", postgres_queries},
    };
    enum { N_FILES = sizeof files / sizeof files[0] };
    int status = 0;
    struct stat st;
    for (int i = 0; i < N_FILES; i++) {
        const char *path = arena_printf(arena, "%s%s", prefix, files[i].file);
        if (lstat(path, &st) == 0) {
            diag_error((SrcPos){0}, "%s exists; keel init does not overwrite files", path);
            status = 1;
        }
    }
    for (int i = 0; status == 0 && i < N_FILES; i++) {
        const char *path = arena_printf(arena, "%s%s", prefix, files[i].file);
        const char *slash = strrchr(path, '/');
        if ((slash && !make_dirs(arena, arena_strndup(arena, path, (size_t)(slash - path)))) ||
            !write_new_file(path, files[i].text)) {
            diag_error((SrcPos){0}, "cannot write %s: %s", path, strerror(errno));
            status = 1;
            break;
        }
        printf("wrote %s\n", path);
    }
    if (status == 0)
        printf("repository \"%s\": next, `keel check`%s%s, then `keel generate`\n", name,
               *prefix ? " in " : "", *prefix ? dir : "");
    arena_destroy(arena);
    return status;
}
