/*
 * The hand-written tokenizer, in the manner of SQLite's tokenize.c: it
 * knows both dialects' lexical rules (comments, '' and E'' strings,
 * $tag$ dollar quotes, "quoted" identifiers, ?, ?NNN, :name, @name, $name,
 * $N, :: casts) and produces lemon token codes (parse.h). Every token
 * carries its file, line and column.
 */
#ifndef KEEL_CODEGEN_TOKENIZE_H
#define KEEL_CODEGEN_TOKENIZE_H

#include <stddef.h>

#include "ast.h"

typedef struct Lexer {
    const SrcFile *file;
    size_t pos, end;   /* byte offsets into file->text */
    int line, col;
    Dialect dialect;
    int prev;          /* the last significant token: binary `~` and `?` follow an operand */
    int bracket_depth; /* inside a[...]: PostgreSQL's `:` is a slice, not a :name */
} Lexer;

/* Scans file->text[start, end); line/col are those of `start`. */
void lexer_init(Lexer *lx, const SrcFile *file, size_t start, size_t end, int line, int col, Dialect dialect);

/*
 * Stores the next token in *t and returns its type: TK_SPACE and
 * TK_COMMENT included, 0 at the end of the range. A malformed token
 * (unterminated string or comment, stray byte) is reported as an error
 * and returned as TK_ILLEGAL.
 */
int lexer_next(Lexer *lx, Token *t);

/* Like lexer_next, skipping spaces and comments. */
int lexer_next_significant(Lexer *lx, Token *t);

/* The keyword token for an identifier, or TK_ID. */
int keyword_code(const char *z, int n);

/* Byte offset of a token within its file. */
size_t token_offset(const Token *t);

#endif
