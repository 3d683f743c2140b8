/*
 * Syntax of one dialect written in the other's files: AUTOINCREMENT or
 * WITHOUT ROWID in a PostgreSQL migration, `::` or CREATE EXTENSION in a
 * SQLite one. Caught from the tokens, before any grammar or server, with
 * a message that names the dialect and says what to write instead.
 */
#ifndef KEEL_CODEGEN_DIALECT_CHECK_H
#define KEEL_CODEGEN_DIALECT_CHECK_H

#include "ast.h"

/* Reports and returns false when a statement uses the other dialect's syntax. */
bool dialect_check_statement(const Token *toks, int n, Dialect dialect, bool is_query);

#endif
