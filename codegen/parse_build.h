/*
 * Node constructors used by the grammar's actions (parse.y). Kept out of
 * the grammar so its rules stay one line each.
 */
#ifndef KEEL_CODEGEN_PARSE_BUILD_H
#define KEEL_CODEGEN_PARSE_BUILD_H

#include "ast.h"

typedef struct LimitClause {
    Expr *limit, *offset;
} LimitClause;

typedef struct OnUsing {
    Expr *on;
    PtrList *using_cols;
} OnUsing;

/* CREATE TABLE's trailing options: SQLite's WITHOUT ROWID / STRICT (flags
 * 1 / 2), PostgreSQL's INHERITS, PARTITION BY, WITH (...)... */
typedef struct TableOpts {
    int flags;
    Token rowid_tok, strict_tok;
    PtrList *inherits;   /* of SrcItem* */
    bool partitioned;
} TableOpts;

/* CREATE TABLE's elements after its first table constraint, when a
 * column follows one (PostgreSQL's order-free element list) */
typedef struct TableBody {
    PtrList *columns;     /* of ColumnDef* */
    PtrList *constraints; /* of TableConstraint* */
    Token late_column;    /* the first column after a constraint, for SQLite's refusal */
} TableBody;

typedef struct IndexName {
    Token name;          /* unset: CREATE INDEX ON t (...) */
    bool if_not_exists;
} IndexName;

typedef struct DropTarget {
    DropKind what;
    Token keyword;
} DropTarget;

/* LIKE other INCLUDING ...: what is copied besides names, types and NOT NULL */
enum { LIKE_DEFAULTS = 1, LIKE_IDENTITY = 2, LIKE_GENERATED = 4, LIKE_CONSTRAINTS = 8, LIKE_INDEXES = 16,
       LIKE_OTHER = 32, LIKE_ALL = 63 };

/* What may follow a function call's argument list. */
typedef struct FuncTail {
    PtrList *within;     /* WITHIN GROUP (ORDER BY ...) */
    Expr *filter;        /* FILTER (WHERE ...) */
    PtrList *over;       /* the window's expressions */
} FuncTail;

/* AS t, AS t(a, b), AS t(a int, b text) after a FROM item. */
typedef struct TabAlias {
    Token name;
    PtrList *cols;       /* of ColumnDef* */
} TabAlias;

Stmt *mk_stmt(Parse *p, StmtKind kind);
Token *mk_token(Parse *p, Token t);
PtrList *list1(Parse *p, void *item);
Expr *mk_expr(Parse *p, ExprKind kind, Token t);
Expr *mk_column(Parse *p, const Token *table, Token name);
Expr *mk_binary(Parse *p, Token op, Expr *l, Expr *r);
Expr *mk_unary(Parse *p, Token op, Expr *x);
Expr *mk_is(Parse *p, Token op, Expr *l, Expr *r, bool negated);
Expr *mk_cast(Parse *p, Token op, Expr *x, TypeName *t);
Expr *mk_func(Parse *p, const Token *schema, Token name, PtrList *args, bool distinct, bool star);
Expr *mk_call(Parse *p, Token name, PtrList *args, bool distinct, PtrList *order_by, FuncTail tail);
Expr *mk_quantified(Parse *p, Token op, Expr *l, Token quantifier, Expr *arg);
Stmt *mk_insert(Parse *p, With *with, SrcItem *table, Token alias, PtrList *columns, Select *sel, Upsert *upsert,
                PtrList *returning);
Select *mk_paren_select(Parse *p, Select *inner);
ResultCol *mk_resultcol(Parse *p, Expr *e);
SrcItem *mk_srcitem(Parse *p);
TypeName *mk_typename(Parse *p, Token word);
void typename_append(Parse *p, TypeName *t, Token word);
ColumnConstraint *mk_ccons(Parse *p, int kind, Expr *e, ForeignKey *fk);
ColumnDef *mk_columndef(Parse *p, Token name, TypeName *type, PtrList *constraints);
TableConstraint *mk_tcons(Parse *p, ConstraintKind kind, Token t, PtrList *columns);
AlterAction *mk_alter_action(Parse *p, AlterKind kind, Token at);
CreateType *mk_create_type(Parse *p, Token keyword, SrcItem *name, const char *expected_keyword);
CreateTable *mk_create_table(Parse *p, Token keyword, Token if_not_exists, SrcItem *name);
void apply_table_options(CreateTable *t, const TableOpts *o);
TableOpts merge_table_opts(TableOpts a, TableOpts b);
ColumnDef *mk_like(Parse *p, Token like, SrcItem *table, int options);
int like_option_bit(Token word);
TypeName *mk_qualified_typename(Parse *p, Token schema, Token name);
void mk_alter_view(Parse *p, Token if_exists, SrcItem *name, PtrList *actions);
AlterType *mk_alter_type(Parse *p, Token keyword, SrcItem *name, AlterTypeKind kind, Token at);
void mk_create_extension(Parse *p, Token keyword, Token name, bool if_not_exists);
void mk_create_view(Parse *p, Token keyword, Token if_not_exists, SrcItem *name, PtrList *columns, Select *select,
                    bool or_replace);
DropTarget drop_target_word(Parse *p, Token word);
DropName *mk_dropname(Parse *p, SrcItem *name, int nargs);
void expect_word(Parse *p, Token t, const char *word);
void expect_rows(Parse *p, Token t); /* ROW or ROWS */
void build_error(Parse *p, Token at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
