/*
 * Engine verification: SQLite is linked into the generator, so every
 * migration is applied to an in-memory database and every query prepared
 * there. No query the real engine rejects becomes C, and the static
 * inference is cross-checked with the engine's own column metadata.
 */
#ifndef KEEL_CODEGEN_ENGINE_H
#define KEEL_CODEGEN_ENGINE_H

#include "query.h"

bool engine_check_sqlite(Arena *arena, DialectRepo *repo);

#endif
