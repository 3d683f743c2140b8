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
 * NNNN_name.sql of a folder, or one file (keel's own layout: the NNNN_
 * prefix is required and is the version).
 */
bool source_add_migrations(Arena *arena, DialectRepo *repo, const char *path);

/*
 * sqlc's `schema:` entry path, read as sqlc reads it: a file, or every
 * *.sql file of a folder in name order (*.down.sql ignored, and a file of
 * annotated queries when the queries name it too: sqlc reads such a
 * folder twice). A file named on its own takes the version its name starts
 * with (0001.sql, 20240915191717-x.sql), else the next *place. A folder
 * whose names all start with a number takes those numbers as versions;
 * otherwise each of its files takes the next *place, so the order is sqlc's.
 */
bool source_add_schema_path(Arena *arena, DialectRepo *repo, const char *path, long long *place,
                            const char *const *queries);

/* Sorts repo->migrations by version; reports a version used twice. */
bool source_sort_migrations(DialectRepo *repo);

/* Adds the blocks of every *.sql file in path (sorted by name) to
 * repo->queries; path may also be a single query file. */
bool source_load_queries(Arena *arena, DialectRepo *repo, const char *path);

/* The same for sqlc's `queries:` entry: a folder's file of schema without
 * a single annotation is left out when the schema paths name it too. */
bool source_load_query_path(Arena *arena, DialectRepo *repo, const char *path, const char *const *schema);

bool dir_exists(const char *path);

#endif
