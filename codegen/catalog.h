/*
 * The schema catalog: the tables and views a dialect's migrations leave
 * behind, built by replaying their DDL in order. Each column knows its C
 * type and whether it can be NULL, which is all query analysis needs.
 */
#ifndef KEEL_CODEGEN_CATALOG_H
#define KEEL_CODEGEN_CATALOG_H

#include "ast.h"

/* The C-level kinds keel maps SQL types to. */
typedef enum CType { CT_UNKNOWN, CT_BOOL, CT_INT64, CT_DOUBLE, CT_TEXT, CT_BLOB } CType;
const char *ctype_name(CType t); /* "int64", "text", ... for messages */

typedef struct Column {
    char *name;
    char *decl_type;   /* declared type as written, lower-case; "" when none */
    CType ctype;
    bool not_null;
    bool primary_key;
    bool has_default;  /* DEFAULT, identity, serial, rowid alias or generated */
    SrcPos pos;
    int array_dims;    /* PostgreSQL arrays: ctype is the element's; keel maps one dimension */
    const char *sqltype; /* PostgreSQL: pg_type's name (a domain's base type's), NULL if none */
} Column;

typedef struct Table {
    char *name;
    PtrList *columns;  /* of Column*; NULL for a view until analysed */
    Select *view;      /* the defining SELECT of a view */
    SrcPos pos;
} Table;

typedef struct Index {
    char *name;
    char *table;
} Index;

/* A PostgreSQL enum (text in C) or domain (its base type). */
typedef struct TypeDef {
    char *name;
    CType ctype;
    const char *base; /* a domain's base type as pg_type names it; NULL for enums */
} TypeDef;

typedef struct Catalog {
    Dialect dialect;
    Arena *arena;
    PtrList *tables;   /* of Table* in creation order */
    PtrList *indexes;  /* of Index* */
    PtrList *types;    /* of TypeDef* */
} Catalog;

Catalog *catalog_new(Arena *arena, Dialect dialect);

/* Applies one statement; reports errors (unknown table, duplicate column...). */
bool catalog_apply(Catalog *cat, const Stmt *stmt);

Table *catalog_find_table(const Catalog *cat, const char *name);
Column *table_find_column(const Table *t, const char *name);

/* Maps a declared type to a C kind by the dialect's rules (SQLite's type
 * affinity; PostgreSQL's type names). */
CType ctype_from_decl(Dialect dialect, const char *decl);

/* The same, knowing the catalog's enums and domains. */
CType catalog_ctype(const Catalog *cat, const char *decl);

/* PostgreSQL's name for a declared type (pg_type's: int4, _text), seeing
 * through domains; NULL for enums and unknown types. */
const char *catalog_sqltype(const Catalog *cat, const char *decl, bool array);

/* The catalog's name for a possibly qualified table: "accounts" for
 * accounts, public.accounts (PostgreSQL) and main.accounts (SQLite);
 * "audit.log" for other schemas. */
char *table_key(Arena *arena, Dialect d, const Token *schema, const Token *name);

#endif
