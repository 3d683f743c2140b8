/*
 * Engine verification: SQLite is linked into the generator, so every
 * migration is applied to an in-memory database and every query prepared
 * there. No query the real engine rejects becomes C, and the static
 * inference is cross-checked with the engine's own column metadata.
 * PostgreSQL gets the same treatment when a server is given.
 */
#ifndef KEEL_CODEGEN_ENGINE_H
#define KEEL_CODEGEN_ENGINE_H

#include "query.h"

bool engine_check_sqlite(Arena *arena, DialectRepo *repo);

/*
 * PostgreSQL, when a server is given: creates a scratch database, applies
 * the migrations, prepares and describes every query, compares parameter
 * and column types and NOT NULL with the static inference, and drops the
 * scratch database again.
 */
bool engine_check_postgres(Arena *arena, DialectRepo *repo, const char *dsn);

#endif
