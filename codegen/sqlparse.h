/*
 * The parser driver: splits SQL text into statements, decides which ones
 * the grammar models, and runs lemon over their tokens. Statements the
 * catalog does not need (triggers, functions, grants, seed INSERTs in a
 * migration...) come back as STMT_OTHER: consumed, never a crash.
 */
#ifndef KEEL_CODEGEN_SQLPARSE_H
#define KEEL_CODEGEN_SQLPARSE_H

#include "ast.h"

typedef enum ParseMode {
    PARSE_MIGRATION, /* DDL is parsed; DML and unknown statements are kept opaque */
    PARSE_QUERY      /* exactly one SELECT/INSERT/UPDATE/DELETE */
} ParseMode;

/*
 * Parses every statement in file->text[start, end) (line/col of start).
 * Appends one Stmt* per statement to `out`. Returns false after reporting
 * errors.
 */
bool parse_sql(Arena *arena, const SrcFile *file, size_t start, size_t end, int line, int col,
               Dialect dialect, ParseMode mode, PtrList *out);

/* Canonical name of an identifier token: unquoted and lower-cased unless
 * it was quoted. */
char *token_name(Arena *arena, const Token *t);

/* Token text as written. */
char *token_text(Arena *arena, const Token *t);

#endif
