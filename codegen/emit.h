/*
 * The emitter: C for a repository. <name>.h declares the API; <name>.c
 * implements it once, binding through the connection's dialect table;
 * <name>_sqlite.c and <name>_postgres.c hold each dialect's SQL (with its
 * own placeholders, numbered in the API's parameter order) and embedded
 * migrations. Output is deterministic and written atomically: every file
 * goes to a temporary name first and is renamed only when all were written.
 */
#ifndef KEEL_CODEGEN_EMIT_H
#define KEEL_CODEGEN_EMIT_H

#include "parity.h"

/* The C names the API would declare twice: an embedded table's row type
 * <name>_<table> against a query's function or the schema object. Reported
 * at the embed; every verb checks it, so `keel check` fails like generate. */
bool emit_check_names(Arena *arena, const char *name, PtrList *api);

bool emit_repository(Arena *arena, const char *name, DialectRepo repos[DIALECT_COUNT], PtrList *api,
                     const char *out_dir);

/*
 * A migration as the generated code embeds it: its up part with CRLF
 * normalised to LF, and the hex SHA-256 of that text (keel_migration.sql
 * and .checksum). `keel migrate` builds its schema from these, so its
 * checksums are the generated code's.
 */
char *emit_migration_sql(Arena *arena, const Migration *m);
char *emit_migration_checksum(Arena *arena, const Migration *m);

/* The SQL a dialect receives for a query (what the generated code embeds). */
char *emit_dialect_sql(Arena *arena, const ApiQuery *aq, const Query *q);

#endif
