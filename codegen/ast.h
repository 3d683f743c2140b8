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
} ExprKind;

typedef struct Select Select;

typedef struct Expr {
    ExprKind kind;
    int op;
    Token tok;           /* name, literal, operator or keyword */
    Token table;         /* EX_COLUMN qualifier; EX_FUNC schema (e.g. sqlc) */
    struct Expr *lhs, *rhs, *extra;
    PtrList *list;       /* of Expr* */
    Select *select;
    TypeName *type;
    bool negated, distinct, star;
    int param;           /* EX_PARAM: 0-based slot, assigned by the analyzer */
} Expr;

/* A result column, ORDER BY term or SET assignment. */
typedef struct ResultCol {
    Expr *expr;          /* NULL for * and t.* */
    Token alias;         /* AS name; for SET: the column */
    Token star_table;    /* t in t.* */
    bool star;
    bool desc;
} ResultCol;

typedef enum JoinKind { JOIN_FIRST, JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL, JOIN_CROSS } JoinKind;

typedef struct SrcItem {
    Token schema, name, alias;
    Select *subquery;
    JoinKind join;       /* how this item joins the items before it */
    bool natural;
    Expr *on;
    PtrList *using_cols; /* of Token* */
} SrcItem;

typedef struct Cte {
    Token name;
    PtrList *columns;    /* of Token*, optional */
    Select *select;
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
};

typedef struct Upsert {
    PtrList *target;     /* of Token*: ON CONFLICT (cols) */
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
} ForeignKey;

typedef struct ColumnDef {
    Token name;
    TypeName *type;       /* NULL: SQLite allows no type */
    bool not_null, primary_key, unique, autoincrement, generated, identity;
    Expr *default_value;
    Expr *check;
    ForeignKey *fk;
} ColumnDef;

typedef enum ConstraintKind { CONS_PRIMARY_KEY, CONS_UNIQUE, CONS_FOREIGN_KEY, CONS_CHECK } ConstraintKind;

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
} CreateTable;

typedef enum AlterKind {
    ALTER_ADD_COLUMN, ALTER_DROP_COLUMN, ALTER_RENAME_COLUMN, ALTER_RENAME_TABLE,
    ALTER_ADD_CONSTRAINT, ALTER_DROP_CONSTRAINT, ALTER_RENAME_CONSTRAINT,
    ALTER_COLUMN_TYPE, ALTER_SET_NOT_NULL, ALTER_DROP_NOT_NULL, ALTER_SET_DEFAULT, ALTER_DROP_DEFAULT
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
} AlterTable;

/* CREATE TYPE ... AS ENUM and CREATE DOMAIN (PostgreSQL). */
typedef struct CreateType {
    Token schema, name;
    bool is_enum;
    TypeName *base;        /* domain: its base type */
    bool not_null;         /* domain: NOT NULL */
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
} CreateView;

typedef enum DropKind { DROP_TABLE, DROP_INDEX, DROP_VIEW } DropKind;

typedef struct Drop {
    DropKind what;
    Token schema, name;
    bool if_exists;
} Drop;

typedef enum StmtKind {
    STMT_SELECT, STMT_INSERT, STMT_UPDATE, STMT_DELETE,
    STMT_CREATE_TABLE, STMT_ALTER_TABLE, STMT_CREATE_INDEX, STMT_CREATE_VIEW, STMT_DROP, STMT_CREATE_TYPE,
    STMT_OTHER            /* consumed, kept in the migration, not modelled */
} StmtKind;

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
