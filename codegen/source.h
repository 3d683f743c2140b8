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

/* Fills repo->queries with the blocks of every *.sql file in dir (sorted by name). */
bool source_load_queries(Arena *arena, DialectRepo *repo, const char *dir);

bool dir_exists(const char *path);

#endif
