/*
 * A database's schema as its engine's own catalog describes it, for
 * `keel drift`: tables with their columns, indexes and foreign keys, read
 * through the runtime's statement API (SQLite: sqlite_schema and the
 * table_xinfo / index_list / index_xinfo / foreign_key_list pragmas;
 * PostgreSQL: pg_catalog). keel's and golang-migrate's bookkeeping tables
 * are left out. Definitions are canonical text, so equal schemas compare
 * equal whichever way they were made.
 */
#ifndef KEEL_CODEGEN_CLI_SCHEMA_H
#define KEEL_CODEGEN_CLI_SCHEMA_H

#include "keel.h"
#include "util.h"

typedef struct DbColumn {
    char *name;
    char *type;     /* as declared (SQLite) or format_type (PostgreSQL) */
    char *dflt;     /* default / generation expression; NULL when none */
    bool not_null;
    int pk;         /* SQLite: position in the primary key, 0 when not in it */
} DbColumn;

typedef struct DbIndex {
    char *name;
    char *def;      /* "unique (a, b DESC) WHERE ..." */
} DbIndex;

typedef struct DbTable {
    char *name;     /* "notes"; "audit.log" outside PostgreSQL's public schema */
    PtrList *columns; /* of DbColumn*, in column order */
    PtrList *indexes; /* of DbIndex*, by name */
    PtrList *fks;     /* of char*: "(author_id) REFERENCES users(id) ON DELETE CASCADE" */
} DbTable;

typedef struct DbSchema {
    PtrList *tables;  /* of DbTable*, by name */
    PtrList *views;   /* of DbIndex*: name and definition (SQLite: as written, spaces squeezed) */
} DbSchema;

/* Reads db's schema into out; a keel code (the handle's keel_errmsg explains). */
int db_schema_read(Arena *arena, keel_db *db, DbSchema *out);

#endif
