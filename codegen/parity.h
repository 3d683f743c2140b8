/*
 * The parity check: both dialects must expose the same API. Every query
 * name exists in both with the same command, the same parameter names and
 * C types, and the same result columns and C types. The result is the one
 * API the header declares, with each dialect's query behind it.
 */
#ifndef KEEL_CODEGEN_PARITY_H
#define KEEL_CODEGEN_PARITY_H

#include "query.h"

typedef struct ApiParam {
    char *name;
    CType ctype;
    bool nullable;
    bool list;
} ApiParam;

typedef struct ApiColumn {
    char *name;           /* "field.column" inside a sqlc.embed() */
    CType ctype;
    bool nullable;
    const char *embed_field;  /* sqlc.embed(t): the nested field, else NULL */
    const char *embed_table;  /* its row type's table */
    bool embed_nullable;      /* the embedded row may be missing (outer join) */
    bool list;      /* a PostgreSQL array: a list of ctype */
} ApiColumn;

typedef struct ApiQuery {
    char *name;
    QueryCmd cmd;
    PtrList *params;               /* of ApiParam*, canonical order */
    PtrList *columns;              /* of ApiColumn* */
    Query *impl[DIALECT_COUNT];    /* NULL where the dialect is absent */
} ApiQuery;

/* Builds the API from the dialects present; reports every mismatch. */
bool parity_build(Arena *arena, DialectRepo repos[DIALECT_COUNT], PtrList *api_out);

/* Index of the canonical parameter named like p, or -1. */
int api_param_index(const ApiQuery *aq, const char *name);

#endif
