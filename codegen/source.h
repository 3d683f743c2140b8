/*
 * Reading a repository from disk: migration files (NNNN_name.sql or
 * NNNN_name.up.sql; .down.sql ignored) and query files split into their
 * "-- name: X :cmd" blocks. Nothing here understands SQL beyond comments.
 */
#ifndef KEEL_CODEGEN_SOURCE_H
#define KEEL_CODEGEN_SOURCE_H

#include "query.h"

/* Reads a whole file; reports and returns NULL on failure. */
SrcFile *source_read(Arena *arena, const char *path);

/* Fills repo->migrations from dir (sorted by version). */
bool source_load_migrations(Arena *arena, DialectRepo *repo, const char *dir);

/*
 * Adds the migrations at path to repo->migrations, unsorted: every
 * NNNN_name.sql of a folder, or one file (place NULL: keel's own layout,
 * the prefix is required). With place, path comes from sqlc's
 * configuration and is read as sqlc reads it: any *.sql name (skipping
 * *.down.sql); a name's leading number is its version, and a file or
 * folder without one is numbered in order from *place (which advances).
 */
bool source_add_migrations(Arena *arena, DialectRepo *repo, const char *path, long long *place);

/* Sorts repo->migrations by version; reports a version used twice. */
bool source_sort_migrations(DialectRepo *repo);

/* Adds the blocks of every *.sql file in path (sorted by name) to
 * repo->queries; path may also be a single query file. */
bool source_load_queries(Arena *arena, DialectRepo *repo, const char *path);

bool dir_exists(const char *path);

#endif
