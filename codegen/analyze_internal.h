/*
 * Internal to the analyzer (analyze*.c): the state of one query's
 * analysis, shared by its parts, one file per part of the language:
 * parameters, scopes and names, functions, expressions, result columns,
 * SELECT, DML, and the driver (analyze.c).
 */
#ifndef KEEL_CODEGEN_ANALYZE_INTERNAL_H
#define KEEL_CODEGEN_ANALYZE_INTERNAL_H

#include "analyze.h"
#include "builtins.h"

/* The type of an expression as analysis sees it. */
typedef struct TypeInfo {
    CType t;
    bool nullable;
    const Column *col;  /* set when the expression is a plain column reference */
    const char *sqltype; /* PostgreSQL's type (pg_type name: int4, numeric), "unknown" for an
                            untyped literal or parameter; NULL when only t is known */
    bool list;           /* a PostgreSQL array of t */
} TypeInfo;

/* A table-like thing in a FROM clause (table, view, CTE, subquery). */
typedef struct Source {
    char *name;         /* alias, or the table's own name */
    char *table_name;   /* for messages */
    char *key;          /* a stored table named without an alias: its catalog key (s.t.c names it) */
    PtrList *columns;   /* of Column* */
    bool nullable;      /* on the optional side of an outer join */
    bool has_rowid;
    PtrList *hidden;    /* of char*: columns a USING / NATURAL join merged into an earlier source's */
    PtrList *invisible; /* of char*: SQLite's HIDDEN columns: found by name, left out of * and t.* */
    bool qualified_only; /* SQLite's upsert `excluded`: only excluded.x names it */
} Source;

typedef struct Scope {
    struct Scope *parent;
    PtrList *sources;   /* of Source* */
    PtrList *ctes;      /* of Table*, visible to this scope and its children */
    PtrList *aliases;   /* of OutColumn*: result columns ORDER BY / GROUP BY may name */
    bool incomplete;    /* a FROM item failed to resolve: stay quiet about columns */
} Scope;

typedef struct Analyzer {
    Arena *arena;
    const Catalog *cat;
    Query *q;
    bool ok;
    int depth;   /* SELECT nesting: names matter only for the outermost */
    bool in_list_item;  /* typing the sole item of an IN list */
    bool list_context;  /* typing the argument of ANY()/ALL() */
    bool lenient_types; /* result columns of an INSERT's SELECT: any type will do */
    const Expr *missing_function; /* the first call of a function the linked SQLite lacks */
    bool rows_dropped;  /* an :exec SELECT: its own result columns are never read */
} Analyzer;

static inline TypeInfo ti(CType t, bool nullable) { return (TypeInfo){t, nullable, NULL, NULL, false}; }

/* The TypeInfo of a PostgreSQL type by its pg_type name: an array is a
 * list of its element's C type. */
TypeInfo ti_pg(const char *typname, bool nullable);
/* Why keel has no C type for column c (read as what), and what to do. */
const char *unmapped_type(Analyzer *an, const Column *c, const char *what);
static inline const char *column_name_of(const TypeInfo *t) { return t->col ? t->col->name : NULL; }

void error_at(Analyzer *an, SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* analyze_batch.c: what :batch* and :copyfrom need of the statement (after typing). */
void check_batch(Analyzer *an);

/* analyze_params.c */
bool is_c_identifier(const char *s);
void number_params(Analyzer *an);
bool is_sqlc_call(const Expr *e);
bool is_param(const Expr *e);
Param *param_of(Analyzer *an, const Expr *e);
Expr *strip(Expr *e);
void hint_param(Analyzer *an, Expr *e, TypeInfo hint, const char *name, bool nullable);

/* analyze_scope.c */
Scope *scope_new(Analyzer *an, Scope *parent);
PtrList *columns_from_outcols(Analyzer *an, PtrList *outs);
Source *add_source(Analyzer *an, Scope *sc, char *name, char *table_name, PtrList *columns);
Source *add_table_source(Analyzer *an, Scope *sc, const Token *schema, const Token *name, const Token *alias);
Column *source_column(const Source *s, const char *name);
bool source_hides(const Source *s, const char *name); /* merged away by USING / NATURAL */
TypeInfo column_type(const Column *c, const Source *s);
TypeInfo resolve_column(Analyzer *an, Scope *sc, Expr *e);

/* analyze_routines.c: the catalog's functions, before the built-in ones */
bool type_user_function(Analyzer *an, Expr *e, const TypeInfo *args, int n, TypeInfo *out);
PtrList *routine_columns_in_from(Analyzer *an, Scope *sc, Expr *call, const char *ref);
PtrList *analyze_call(Analyzer *an, Stmt *stmt);
PtrList *analyze_refresh(Analyzer *an, Stmt *stmt);
bool name_view_columns(Analyzer *an, Table *view, SrcPos use);

/* analyze_functions.c */
BuiltinArg builtin_arg(const TypeInfo *t);
TypeInfo type_function(Analyzer *an, Scope *sc, Expr *e);

/* analyze_expr.c */
TypeInfo type_expr(Analyzer *an, Scope *sc, Expr *e);
PtrList *row_items(Expr *e);

/* analyze_result.c */
char *c_field_name(Analyzer *an, const char *name);
void push_out(Analyzer *an, PtrList *out, char *name, TypeInfo t, SrcPos pos);
PtrList *result_columns(Analyzer *an, Scope *sc, PtrList *cols);

/* analyze_select.c */
void add_from(Analyzer *an, Scope *sc, Scope *outer, PtrList *from);
void add_ctes(Analyzer *an, Scope *sc, With *with);
PtrList *analyze_select(Analyzer *an, Scope *parent, Select *s);

/* analyze_dml.c */
PtrList *analyze_insert(Analyzer *an, Scope *parent, Stmt *stmt);
PtrList *analyze_update(Analyzer *an, Scope *parent, Stmt *stmt);
PtrList *analyze_delete(Analyzer *an, Scope *parent, Stmt *stmt);
PtrList *analyze_dml(Analyzer *an, Scope *parent, Stmt *stmt);
PtrList *analyze_truncate(Analyzer *an, Stmt *stmt);

/* analyze_grouping.c: a common query's PostgreSQL copy names no column
 * that is neither grouped nor aggregated (SQLite allows it) */
void check_portable_grouping(Analyzer *an, const Stmt *stmt);

/* analyze_from_functions.c */
Source *add_function_source(Analyzer *an, Scope *sc, SrcItem *it);

#endif
