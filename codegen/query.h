/*
 * What the generator knows about one repository: per dialect, its
 * migrations and its annotated queries; per query, the parameters and
 * result columns analysis inferred. Produced by source.c (files) and
 * analyze.c (types), read by the engine check, parity check and emitter.
 */
#ifndef KEEL_CODEGEN_QUERY_H
#define KEEL_CODEGEN_QUERY_H

#include "ast.h"
#include "catalog.h"

typedef enum QueryCmd {
    CMD_ONE, CMD_MANY, CMD_EXEC, CMD_EXECROWS, CMD_EXECLASTID, CMD_EXECRESULT,
    /* once per item of an array, in one transaction (keel_batch_run, keel_copy_from) */
    CMD_BATCHEXEC, CMD_BATCHONE, CMD_BATCHMANY, CMD_COPYFROM
} QueryCmd;
const char *query_cmd_name(QueryCmd c); /* ":one" ... */
/* The commands whose rows reach the caller: :one, :many, :batchone, :batchmany. */
bool query_cmd_returns_rows(QueryCmd c);
/* :batchexec, :batchone, :batchmany and :copyfrom: called with an array of items. */
bool query_cmd_is_batch(QueryCmd c);

typedef struct Param {
    char *name;
    CType ctype;
    bool typed;
    bool nullable;
    bool explicit_name; /* @name: never renamed */
    bool list;          /* sqlc.slice(x) / = ANY(@x::type[]): a list of ctype */
    SrcPos pos;         /* first use */
    char *text;         /* first use as written: ?, $2, @name, sqlc.arg(x) */
    int slot;           /* 1-based number in the SQL as written ($N, ?N, order of ?) */
    bool array_value;   /* a list that is one array value (INSERT ... VALUES ($1) into text[]),
                           not the items of an IN (sqlc.slice(x)) */
    bool visited;       /* the analysis has met it (in PostgreSQL's order: FROM first) */
    SrcPos untyped_null_test; /* PostgreSQL: its first use is a bare `x IS NULL`, which gives it no type */
    const char *sqltype; /* PostgreSQL's type of the context that typed it, when known */
    const Column *unmapped;    /* untyped: the column of a type keel cannot map it first met */
} Param;

/* sqlc.embed(t): a whole table row nested in the result row. */
typedef struct Embed {
    char *field;          /* the C field: t as written in sqlc.embed(t) */
    char *table;          /* the catalog table whose row type it is */
    bool nullable;        /* on the optional side of an outer join */
} Embed;

typedef struct OutColumn {
    char *name;
    CType ctype;
    bool nullable;
    SrcPos pos;
    const Column *origin; /* the table column it is read from, if any */
    const char *sql_name; /* as the engine names it ("?column?" when unnamed); name is its C form */
    const Embed *embed;   /* set for the columns of a sqlc.embed(t); name is then "t.column" */
    bool list;            /* a PostgreSQL array: a list of ctype */
    const char *sqltype;  /* PostgreSQL's type name, when analysis knows it */
} OutColumn;

/* A placeholder as written, to be replaced by the engine's own syntax. */
typedef struct ParamUse {
    size_t offset, len;  /* in the file */
    Param *param;
    char *replacement;   /* with param NULL: text that replaces the span (sqlc.embed's columns) */
    bool parens;         /* `IN sqlc.slice(x)` written without its parentheses: the SQL adds them */
} ParamUse;

typedef struct Query {
    char *name;           /* "GetUpdates" */
    QueryCmd cmd;
    Dialect dialect;
    const SrcFile *file;
    SrcPos pos;           /* of the name in the annotation */
    char *doc;            /* comment lines between annotation and SQL */
    size_t sql_start, sql_end; /* the statement's bytes, without trailing ';' */
    SrcPos sql_pos;
    Stmt *stmt;
    PtrList *params;      /* of Param*, in slot order */
    PtrList *columns;     /* of OutColumn* */
    PtrList *uses;        /* of ParamUse*, in text order */
    bool common;          /* from queries/common/: compiled for every dialect */
    PtrList *copy_values; /* :copyfrom: the Param* of each VALUES position, in column order */
} Query;

typedef struct Migration {
    long long version;
    char *name;           /* file name */
    const SrcFile *file;
    size_t up_start, up_end; /* the part that is applied */
    int up_line;             /* line of up_start */
    PtrList *stmts;
    bool common;             /* from schema/common/: applied to every dialect */
} Migration;

typedef struct DialectRepo {
    Dialect dialect;
    bool present;
    PtrList *migrations;  /* of Migration*, by version */
    PtrList *queries;     /* of Query*, in file then source order */
    Catalog *catalog;
} DialectRepo;

/* The number a dialect's placeholder gets for a parameter. */
typedef int (*QueryParamNumber)(const Param *p, const void *ctx);

/* Numbers parameters in the query's own order: 1..N. */
int query_own_number(const Param *p, const void *query);

/*
 * The statement as written, every placeholder (?, $1, @name, sqlc.arg(x))
 * replaced by the engine's own syntax (?N for SQLite, $N for PostgreSQL)
 * numbered by `number`. With source_offsets, also returns a heap array
 * (caller frees) mapping each output byte to its offset in the file.
 */
char *query_sql(Arena *arena, const Query *q, QueryParamNumber number, const void *ctx, size_t **source_offsets);

#endif
