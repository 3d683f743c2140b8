/*
 * CREATE [OR REPLACE] FUNCTION / PROCEDURE: the signature the catalog
 * records (parse_routine.c), read from the statement's tokens.
 */
#ifndef KEEL_CODEGEN_PARSE_ROUTINE_H
#define KEEL_CODEGEN_PARSE_ROUTINE_H

#include "ast.h"

/* toks[0] is CREATE; returns NULL after reporting an error. */
Stmt *parse_routine(Parse *p, const Token *toks, int n);

#endif
