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
    bool typing;       /* the view's SELECT is being analysed: reading it again is a cycle */
    SrcPos pos;
    bool materialized; /* a materialized view: its columns typed when created */
    PtrList *column_names; /* of char*: CREATE VIEW v (a, b), applied when the view is typed */
    PtrList *invisible; /* of char*: a virtual table's hidden columns (fts5's rank): found by name, left out of * */
    PtrList *keys;      /* of UniqueKey*: what an ON CONFLICT target may name (catalog_keys.c) */
    bool keys_unknown;  /* a change keel does not follow (DROP CONSTRAINT, EXCLUDE, LIKE...): keys not checked */
} Table;

/* A primary key, unique constraint or unique index over plain columns. */
typedef struct UniqueKey {
    PtrList *columns;   /* of Column*, which renames and type changes keep */
    const char *index;  /* CREATE UNIQUE INDEX's name (as Index names it), else NULL */
} UniqueKey;

typedef struct Index {
    char *name;
    char *table;
} Index;

/* A PostgreSQL enum (text in C), domain (its base type) or composite
 * (text in C: the server's text form, "(1,abc)"). */
typedef struct TypeDef {
    char *name;
    CType ctype;
    PtrList *fields;   /* composite: of Column* */
    bool is_enum;
    const char *base; /* a domain's base type as pg_type names it; NULL for enums */
} TypeDef;

/* An argument of a user-defined function or procedure. */
typedef struct FuncParam {
    char *name;        /* NULL when unnamed */
    CType ctype;
    ArgMode mode;
    bool has_default;
} FuncParam;

/* A user-defined function or procedure (CREATE FUNCTION / PROCEDURE). */
typedef struct Function {
    char *name;        /* "f", or "s.f" in another schema, as table_key names tables */
    bool procedure;
    PtrList *params;   /* of FuncParam*, as declared */
    int min_args, max_args; /* input arguments a call may pass; max_args -1: VARIADIC */
    CType result;      /* as a value: a scalar, text for a named row type, CT_UNKNOWN for a record, void or trigger */
    bool returns_set;  /* SETOF / TABLE: usable in FROM */
    PtrList *columns;  /* a row result: RETURNS TABLE, SETOF table or composite, OUT arguments; of Column* */
    char *language;
    char *body;        /* as written, quotes included */
    SrcPos pos;
} Function;

typedef struct Catalog {
    Dialect dialect;
    Arena *arena;
    PtrList *tables;   /* of Table* in creation order */
    PtrList *indexes;  /* of Index* */
    PtrList *types;    /* of TypeDef* */
    PtrList *functions; /* of Function*, overloads side by side */
    PtrList *extensions; /* of char*: CREATE EXTENSION names */
    PtrList *pending_refs; /* SQLite's forward references, checked after the last migration */
    PtrList *key_refs;     /* SQLite's foreign keys, whose parent key is checked after the last migration */
    /* Lookups by name in tables, types and functions (the lists keep the
     * order). Renaming one of those in place: name_index_forget its index. */
    NameIndex *table_index, *type_index, *function_index;
    PtrList *opaque_virtual; /* name, module, ...: virtual tables of modules keel does not know */
    PtrList *system_tables; /* the engine's own relations a query read (catalog_system.c), made on first use */
} Catalog;

Catalog *catalog_new(Arena *arena, Dialect dialect);

/* Applies one statement; reports errors (unknown table, duplicate column...). */
bool catalog_apply(Catalog *cat, const Stmt *stmt);

/* A table or view of the migrations. */
Table *catalog_find_table(const Catalog *cat, const char *name);
/* What a query may read under that name: a table or view of the
 * migrations, else one of the engine's own (catalog_system.c): SQLite's
 * sqlite_schema, sqlite_master and their temp forms; PostgreSQL's
 * pg_catalog relations, bare or qualified, and information_schema's. */
Table *catalog_find_relation(const Catalog *cat, const char *name);
/* Unique keys (catalog_keys.c). A key of names a column the table does
 * not have is not added (the caller reported it). */
void catalog_add_key(Catalog *cat, Table *t, const PtrList *column_tokens, const char *index);
void catalog_add_column_key(Catalog *cat, Table *t, Column *c);
void catalog_drop_column_keys(Table *t, const Column *c);
void catalog_drop_index_keys(Catalog *cat, const char *index);
/* Is there a key over exactly these columns (in any order)? */
bool catalog_has_key(const Table *t, const char *const *names, int n);
/* sqlite_schema, sqlite_master, sqlite_temp_schema or sqlite_temp_master */
bool catalog_is_sqlite_schema(const char *name);
Column *table_find_column(const Table *t, const char *name);

/* Maps a declared type to a C kind by the dialect's rules (SQLite's type
 * affinity; PostgreSQL's type names). */
CType ctype_from_decl(Dialect dialect, const char *decl);

/* The same, knowing the catalog's enums, domains, composites and the
 * types of its extensions. */
CType catalog_ctype(const Catalog *cat, const char *decl);

/* After the last migration: SQLite's forward references must have
 * resolved by then. */
bool catalog_finish(Catalog *cat);

/* A column as a column definition declares it (type, NOT NULL, DEFAULT...). */
Column *catalog_make_column(Catalog *cat, const ColumnDef *def);

/* The key of `old` renamed (schema NULL) or moved to another schema (name NULL). */
char *catalog_renamed_key(Catalog *cat, const char *old, const char *schema, const char *name);

/* catalog_objects.c: types, functions and extensions */
TypeDef *catalog_find_type(const Catalog *cat, const char *name);
bool catalog_create_type(Catalog *cat, const CreateType *ct);
bool catalog_alter_type(Catalog *cat, const AlterType *at);
void catalog_drop_types(Catalog *cat, const Drop *d);
bool catalog_create_function(Catalog *cat, const CreateFunction *cf);
void catalog_drop_functions(Catalog *cat, const Drop *d);
bool catalog_create_extension(Catalog *cat, const CreateExtension *ce);
/* catalog_virtual.c: SQLite's CREATE VIRTUAL TABLE (fts3/4/5, rtree) */
bool catalog_create_virtual(Catalog *cat, const CreateVirtual *cv);
/* The module of a virtual table whose columns keel does not know, or NULL. */
const char *catalog_virtual_module(const Catalog *cat, const char *name);
bool catalog_has_extension(const Catalog *cat, const char *name);
/* The type an extension the catalog loaded defines (citext, hstore, ltree...), or CT_UNKNOWN. */
CType extension_type(const Catalog *cat, const char *decl);
/* Any known extension's type by name, loaded or not (the engine check's view). */
CType extension_type_named(const char *typname);
/* An extension's function by name: its result type and the types of its
 * first max_args arguments; false when none of the loaded extensions has it. */
bool extension_function(const Catalog *cat, const char *name, CType *result, CType *args, int max_args);
/* Functions named `name` a call with nargs arguments can reach. */
PtrList *catalog_functions_named(const Catalog *cat, Arena *arena, const char *name);
/* PostgreSQL's name for a declared type (pg_type's: int4, _text), seeing
 * through domains; NULL for enums and unknown types. */
const char *catalog_sqltype(const Catalog *cat, const char *decl, bool array);

/* The catalog's name for a possibly qualified table: "accounts" for
 * accounts, public.accounts (PostgreSQL) and main.accounts (SQLite);
 * "audit.log" for other schemas. */
char *table_key(Arena *arena, Dialect d, const Token *schema, const Token *name);

#endif
