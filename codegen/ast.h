/*
 * The syntax tree the lemon grammar builds. Every node lives in the parse
 * arena and carries the Token where it starts, so any later stage can point
 * a diagnostic at the exact file:line:col.
 */
#ifndef KEEL_CODEGEN_AST_H
#define KEEL_CODEGEN_AST_H

#include <stdbool.h>

#include "diag.h"
#include "util.h"

typedef enum Dialect { DIALECT_SQLITE = 0, DIALECT_POSTGRES = 1, DIALECT_COUNT } Dialect;
const char *dialect_name(Dialect d); /* "sqlite", "postgres" */

typedef struct Token {
    int type;       /* TK_* from parse.h */
    const char *z;  /* points into the source text */
    int n;
    SrcPos pos;
} Token;

#define TOKEN_SET(t) ((t).n > 0)

/* A type name as written: "integer", "double precision", "varchar", "text[]". */
typedef struct TypeName {
    Token tok;
    char *text; /* lower-case words joined by single spaces, without (args) */
    bool array;
    int array_dims; /* int[] 1, int[][] 2, int ARRAY 1 */
} TypeName;

typedef enum ExprKind {
    EX_COLUMN,     /* [table.]name */
    EX_INTEGER,
    EX_FLOAT,
    EX_STRING,
    EX_BLOB,
    EX_NULL,
    EX_TRUE,
    EX_FALSE,
    EX_CURRENT,    /* CURRENT_TIMESTAMP / _DATE / _TIME */
    EX_PARAM,
    EX_BINARY,     /* op: TK_PLUS, TK_EQ, TK_AND, TK_CONCAT, ... */
    EX_UNARY,      /* op: TK_MINUS, TK_PLUS, TK_NOT, TK_BITNOT */
    EX_FUNC,       /* name(args) [FILTER] [OVER]; star for count(*) */
    EX_CAST,       /* CAST(x AS t) and x::t */
    EX_CASE,       /* lhs: operand or NULL; list: when,then,...; rhs: else */
    EX_IN_LIST,    /* lhs IN (list) */
    EX_IN_SELECT,  /* lhs IN (select) */
    EX_EXISTS,
    EX_SUBQUERY,   /* (select) as a scalar */
    EX_BETWEEN,    /* lhs BETWEEN rhs AND extra */
    EX_IS,         /* lhs IS [NOT] rhs (rhs may be NULL literal) */
    EX_ISNULL,     /* lhs ISNULL / NOTNULL / IS [NOT] NULL; negated = NOT NULL */
    EX_LIKE,       /* lhs LIKE/GLOB/ILIKE/MATCH/REGEXP rhs [ESCAPE extra] */
    EX_COLLATE,
    EX_ROW,        /* (a, b, ...) */
    EX_DEFAULT,    /* DEFAULT inside VALUES */
    EX_SUBSCRIPT,  /* lhs[rhs], or the slice lhs[rhs:extra] (either bound may be NULL) */
    EX_NAMEDARG,   /* name => lhs, name := lhs: a named function argument */
} ExprKind;

typedef struct Select Select;

typedef struct Expr {
    ExprKind kind;
    int op;
    Token tok;           /* name, literal, operator or keyword */
    Token table;         /* EX_COLUMN qualifier; EX_FUNC schema (e.g. sqlc) */
    Token schema;        /* EX_COLUMN: s in s.t.c, the qualifier's schema */
    struct Expr *lhs, *rhs, *extra;
    PtrList *list;       /* of Expr* */
    Select *select;
    TypeName *type;
    bool negated, distinct, star;
    int param;           /* EX_PARAM: 0-based slot, assigned by the analyzer */
    PtrList *order_by;   /* EX_FUNC: ORDER BY inside the call or WITHIN GROUP (of ResultCol*) */
    struct Expr *filter; /* EX_FUNC: FILTER (WHERE ...) */
    PtrList *over;       /* EX_FUNC: the expressions of its OVER (...) window (of Expr*) */
    bool slice;          /* EX_SUBSCRIPT: a[lo:hi] */
} Expr;

/* A result column, ORDER BY term or SET assignment. */
typedef struct ResultCol {
    Expr *expr;          /* NULL for * and t.* */
    Token alias;         /* AS name; for SET: the column */
    Token star_table;    /* t in t.* */
    bool star;
    bool desc;
    PtrList *columns;    /* SET (a, b) = ...: the columns (of Token*); alias is the first */
} ResultCol;

typedef enum JoinKind { JOIN_FIRST, JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL, JOIN_CROSS } JoinKind;

typedef struct SrcItem {
    Token schema, name, alias;
    Select *subquery;
    JoinKind join;       /* how this item joins the items before it */
    bool natural;
    Expr *on;
    PtrList *using_cols; /* of Token* */
    PtrList *func_args;  /* FROM f(args): a set-returning function; of Expr* */
    Expr *func;          /* a function in FROM: unnest(...), generate_series(...), json_each(...) */
    bool lateral, ordinality;
    PtrList *col_defs;   /* AS t(a, b) or AS t(a int, b text): of ColumnDef* (type NULL for a bare name) */
} SrcItem;

typedef struct Cte {
    Token name;
    PtrList *columns;    /* of Token*, optional */
    Select *select;
    struct Stmt *dml;    /* WITH x AS (INSERT/UPDATE/DELETE ... RETURNING ...) */
} Cte;

typedef struct With {
    bool recursive;
    PtrList *ctes;       /* of Cte* */
} With;

struct Select {
    Token tok;
    With *with;
    bool distinct;
    PtrList *result;     /* of ResultCol* */
    PtrList *from;       /* of SrcItem* */
    Expr *where;
    PtrList *group_by;   /* of Expr* */
    PtrList *distinct_on; /* of Expr*: PostgreSQL DISTINCT ON (...) */
    Expr *having;
    PtrList *values;     /* VALUES rows: of PtrList* of Expr* */
    int compound_op;     /* TK_UNION, TK_ALL (union all), TK_INTERSECT, TK_EXCEPT */
    Select *prior;       /* left operand of compound_op */
    PtrList *order_by;   /* of ResultCol*, on the whole compound */
    Expr *limit, *offset;
    Select *sub;         /* (SELECT ...) standing as one arm of a compound */
    PtrList *window_exprs; /* expressions of the WINDOW clause's definitions (of Expr*) */
    bool feeds_insert;   /* INSERT ... SELECT: its columns need no C type (set by the analyzer) */
};

typedef struct Upsert {
    PtrList *target;     /* of ResultCol*: ON CONFLICT (cols or index expressions) */
    Expr *target_where;  /* ON CONFLICT (...) WHERE: a partial index's predicate */
    bool do_nothing;
    PtrList *set;        /* of ResultCol* */
    Expr *where;
} Upsert;

typedef struct Insert {
    Token schema, table, alias;
    PtrList *columns;    /* of Token*, NULL when omitted */
    PtrList *values;     /* of PtrList* (rows) */
    Select *select;
    bool default_values;
    Upsert *upsert;
    PtrList *returning;  /* of ResultCol* */
} Insert;

typedef struct Update {
    Token schema, table, alias;
    PtrList *set;        /* of ResultCol*: alias = column */
    PtrList *from;
    Expr *where;
    PtrList *returning;
} Update;

typedef struct Delete {
    Token schema, table, alias;
    PtrList *using_;
    Expr *where;
    PtrList *returning;
} Delete;

typedef enum FkAction { FK_NONE, FK_CASCADE, FK_SET_NULL, FK_SET_DEFAULT, FK_RESTRICT, FK_NO_ACTION } FkAction;

typedef struct ForeignKey {
    PtrList *columns;     /* of Token*, table constraints only */
    Token ref_table;
    PtrList *ref_columns; /* of Token* */
    FkAction on_delete, on_update;
    Token ref_schema;     /* REFERENCES s.t */
} ForeignKey;

typedef struct ColumnDef {
    Token name;
    TypeName *type;       /* NULL: SQLite allows no type */
    bool not_null, primary_key, unique, autoincrement, generated, identity;
    Expr *default_value;
    Expr *check;
    ForeignKey *fk;
    struct SrcItem *like;  /* LIKE other [INCLUDING ...]: the table whose columns this element copies */
    bool like_defaults, like_identity, like_generated, like_constraints;
} ColumnDef;

typedef enum ConstraintKind { CONS_PRIMARY_KEY, CONS_UNIQUE, CONS_FOREIGN_KEY, CONS_CHECK, CONS_EXCLUDE } ConstraintKind;

typedef struct TableConstraint {
    ConstraintKind kind;
    Token tok;
    PtrList *columns;     /* of Token* */
    ForeignKey *fk;
    Expr *check;
} TableConstraint;

/* Column or table constraint, as the grammar collects them. */
typedef struct ColumnConstraint {
    int kind;             /* TK_NOT (not null), TK_NULL, TK_PRIMARY, TK_UNIQUE, TK_DEFAULT, TK_CHECK, TK_REFERENCES, TK_GENERATED, TK_COLLATE, TK_AUTOINCR */
    Expr *expr;
    ForeignKey *fk;
    bool flag;            /* PRIMARY KEY ... AUTOINCREMENT; GENERATED ... IDENTITY */
} ColumnConstraint;

typedef struct CreateTable {
    Token schema, name;
    bool if_not_exists, without_rowid, strict;
    PtrList *columns;     /* of ColumnDef* */
    PtrList *constraints; /* of TableConstraint* */
    Select *as_select;
    Token keyword;        /* TEMP / UNLOGGED, when given */
    PtrList *inherits;    /* of SrcItem*: INHERITS (parents) */
    SrcItem *partition_of; /* PARTITION OF parent */
    bool partitioned;     /* PARTITION BY ... */
    Token strict_tok, without_rowid_tok; /* where the SQLite-only options are written */
} CreateTable;

typedef enum AlterKind {
    ALTER_ADD_COLUMN, ALTER_DROP_COLUMN, ALTER_RENAME_COLUMN, ALTER_RENAME_TABLE,
    ALTER_ADD_CONSTRAINT, ALTER_DROP_CONSTRAINT, ALTER_RENAME_CONSTRAINT,
    ALTER_COLUMN_TYPE, ALTER_SET_NOT_NULL, ALTER_DROP_NOT_NULL, ALTER_SET_DEFAULT, ALTER_DROP_DEFAULT,
    ALTER_SET_SCHEMA,      /* new_name: the schema */
    ALTER_ADD_IDENTITY, ALTER_DROP_IDENTITY,
    ALTER_NOOP             /* OWNER TO, ENABLE ROW LEVEL SECURITY, SET (storage)...: nothing the catalog models */
} AlterKind;

typedef struct AlterAction {
    AlterKind kind;
    Token tok;             /* where the action starts */
    ColumnDef *column;     /* ADD COLUMN */
    Token old_name, new_name; /* the column (or constraint) acted on; RENAME's target */
    TypeName *type;        /* ALTER COLUMN ... TYPE */
    TableConstraint *constraint;
    bool if_exists;        /* ADD COLUMN IF NOT EXISTS / DROP COLUMN IF EXISTS */
} AlterAction;

typedef struct AlterTable {
    Token schema, name;
    bool if_exists;
    PtrList *actions;      /* of AlterAction*, applied in order */
    bool view;             /* ALTER VIEW / ALTER MATERIALIZED VIEW */
} AlterTable;

/* CREATE TYPE ... AS ENUM and CREATE DOMAIN (PostgreSQL). */
typedef struct CreateType {
    Token schema, name;
    bool is_enum;
    TypeName *base;        /* domain: its base type */
    bool not_null;         /* domain: NOT NULL */
    PtrList *fields;       /* composite: CREATE TYPE t AS (a int, ...), of ColumnDef* */
} CreateType;

typedef struct CreateIndex {
    Token name, schema, table;
    bool unique, if_not_exists;
    PtrList *columns;     /* of ResultCol* */
    Expr *where;
} CreateIndex;

typedef struct CreateView {
    Token schema, name;
    bool if_not_exists;
    PtrList *columns;     /* of Token*, optional */
    Select *select;
    bool materialized, or_replace;
} CreateView;

typedef enum DropKind { DROP_TABLE, DROP_INDEX, DROP_VIEW, DROP_TYPE, DROP_MATVIEW, DROP_FUNCTION } DropKind;

/* One name of DROP ... a, b, c; nargs: DROP FUNCTION f(int, text), -1 without a list */
typedef struct DropName {
    Token schema, name;
    int nargs;
} DropName;

typedef struct Drop {
    DropKind what;
    Token schema, name;   /* the first name */
    bool if_exists;
    PtrList *names;       /* of DropName*, every name */
    Token keyword;        /* TYPE / DOMAIN / FUNCTION / PROCEDURE as written */
} Drop;

/* ALTER TYPE (PostgreSQL enums and composites). */
typedef enum AlterTypeKind {
    ALTER_TYPE_RENAME, ALTER_TYPE_SET_SCHEMA, ALTER_TYPE_ADD_VALUE, ALTER_TYPE_RENAME_VALUE,
    ALTER_TYPE_ADD_ATTRIBUTE, ALTER_TYPE_DROP_ATTRIBUTE, ALTER_TYPE_ALTER_ATTRIBUTE, ALTER_TYPE_RENAME_ATTRIBUTE,
    ALTER_TYPE_NOOP
} AlterTypeKind;

typedef struct AlterType {
    Token schema, name;
    AlterTypeKind kind;
    Token tok;             /* where the action starts */
    Token old_name, new_name; /* RENAME [ATTRIBUTE] / SET SCHEMA */
    ColumnDef *attribute;  /* ADD ATTRIBUTE */
    TypeName *type;        /* ALTER ATTRIBUTE ... TYPE */
    bool if_exists;
} AlterType;

typedef struct CreateExtension {
    Token name;
    bool if_not_exists;
} CreateExtension;

/* An argument of CREATE FUNCTION / PROCEDURE. */
typedef enum ArgMode { ARG_IN, ARG_OUT, ARG_INOUT, ARG_VARIADIC } ArgMode;

typedef struct FuncArg {
    Token name;            /* unset for an unnamed argument */
    ArgMode mode;
    TypeName *type;
    bool has_default;
} FuncArg;

typedef struct CreateFunction {
    Token schema, name;
    bool procedure, or_replace;
    PtrList *args;         /* of FuncArg* */
    TypeName *returns;     /* NULL: a procedure, or only OUT arguments */
    bool returns_setof;
    PtrList *returns_table; /* RETURNS TABLE (...): of FuncArg* */
    Token body;            /* the body as written: 'text', $$text$$, BEGIN ATOMIC ... END or RETURN expr */
    char *language;        /* lower case; "sql" when not given */
} CreateFunction;

typedef enum StmtKind {
    STMT_SELECT, STMT_INSERT, STMT_UPDATE, STMT_DELETE,
    STMT_CREATE_TABLE, STMT_ALTER_TABLE, STMT_CREATE_INDEX, STMT_CREATE_VIEW, STMT_DROP, STMT_CREATE_TYPE,
    STMT_OTHER,           /* consumed, kept in the migration, not modelled */
    STMT_ALTER_TYPE, STMT_CREATE_EXTENSION, STMT_CREATE_FUNCTION,
    STMT_REFRESH,         /* REFRESH MATERIALIZED VIEW [CONCURRENTLY] x: a query (:exec) */
    STMT_CALL,            /* CALL proc(args): a query (:exec) */
    STMT_TRUNCATE,
    STMT_CREATE_VIRTUAL   /* SQLite's CREATE VIRTUAL TABLE x USING module(args) */
} StmtKind;

/* CREATE VIRTUAL TABLE [IF NOT EXISTS] [s.]name USING module [(args)]:
 * each argument is its tokens, as the module reads them. */
typedef struct CreateVirtual {
    Token schema, name, module;
    bool if_not_exists;
    int n_args;
    const Token **arg_first; /* the argument's first token */
    int *arg_len;            /* its number of tokens */
} CreateVirtual;

/* TRUNCATE [TABLE] a, b [RESTART IDENTITY] [CASCADE] (PostgreSQL). */
typedef struct Truncate {
    PtrList *tables;      /* of SrcItem* */
} Truncate;

typedef struct Stmt {
    StmtKind kind;
    Token first, last;    /* first and last token of the statement */
    With *with;           /* WITH clause of INSERT/UPDATE/DELETE */
    union {
        Select *select;
        Insert *insert;
        Update *update;
        Delete *delete_;
        CreateTable *create_table;
        AlterTable *alter;
        CreateIndex *create_index;
        CreateView *create_view;
        Drop *drop;
        CreateType *create_type;
        AlterType *alter_type;
        CreateExtension *create_extension;
        CreateFunction *create_function;
        SrcItem *target;  /* STMT_REFRESH: the view; STMT_CALL: the procedure, func_args its arguments */
        Truncate *truncate;
        CreateVirtual *create_virtual;
    } u;
} Stmt;

/* State shared between the parser driver and the grammar's actions. */
typedef struct Parse {
    Arena *arena;
    Dialect dialect;
    Stmt *stmt;           /* the statement parsed */
    PtrList *distinct_on; /* DISTINCT ON list waiting for its SELECT */
    bool failed;
    bool overflow;        /* nesting deeper than the parser stack */
    Token error_token;
} Parse;

#endif
