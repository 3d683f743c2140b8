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
ResultCol *mk_resultcol(Parse *p, Expr *e);
SrcItem *mk_srcitem(Parse *p);
TypeName *mk_typename(Parse *p, Token word);
void typename_append(Parse *p, TypeName *t, Token word);
ColumnConstraint *mk_ccons(Parse *p, int kind, Expr *e, ForeignKey *fk);
ColumnDef *mk_columndef(Parse *p, Token name, TypeName *type, PtrList *constraints);
TableConstraint *mk_tcons(Parse *p, ConstraintKind kind, Token t, PtrList *columns);
AlterAction *mk_alter_action(Parse *p, AlterKind kind, Token at);
CreateType *mk_create_type(Parse *p, Token keyword, SrcItem *name, const char *expected_keyword);
void expect_word(Parse *p, Token t, const char *word);
void build_error(Parse *p, Token at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
