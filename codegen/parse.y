/*
 * keel's SQL grammar: the subset of SQLite and PostgreSQL that schemas and
 * queries use, in one lemon grammar. The tokenizer (tokenize.c) hands over
 * one statement at a time; statements the catalog does not model (triggers,
 * functions, grants...) never reach this grammar, the driver keeps them
 * verbatim. Dialect-only syntax (`::` casts, $N, ILIKE) is accepted here
 * for both dialects; the engine check rejects what a dialect cannot run.
 *
 * Shape and precedence follow SQLite's parse.y, so readers who know that
 * grammar find their way.
 */
%include {
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "parse_build.h"
}

%name KeelParser
%token_prefix TK_
%token_type {Token}
%default_type {Token}
%extra_argument {Parse *p}
%stack_size 400

%syntax_error {
    (void)yymajor;
    if (!p->failed) {
        p->failed = true;
        p->error_token = TOKEN;
    }
}
%stack_overflow {
    p->failed = true;
    p->overflow = true;
}

/* Punctuation and literals first, so their numbers are stable. */
%token SEMI ID STRING INTEGER FLOAT BLOB VARIABLE LP RP COMMA DOT
       LBRACKET RBRACKET SPACE COMMENT ILLEGAL.

/* Keywords that may also be used as names (a column called "key"). A word
 * that can follow a type name or a table alias must not be here: lemon
 * prefers the fallback to a default reduction, so "x REAL GENERATED ..."
 * would read GENERATED as part of the type. */
%fallback ID
  ABORT ACTION ALWAYS ASC AUTOINCR BY CASCADE COLUMN CONFLICT DEFERRED DESC
  FAIL FILTER FIRST IDENTITY IF IGNORE INITIALLY KEY LAST NO
  NOTHING NULLS OVER PARTITION RECURSIVE RENAME REPLACE RESTRICT ROLLBACK
  ROWID STORED STRICT TEMP VIRTUAL WITHOUT ZONE
  .

%left OR.
%left AND.
%right NOT.
%left IS MATCH LIKE_KW BETWEEN IN ISNULL NOTNULL NE EQ.
%left GT LE LT GE.
%right ESCAPE.
%left BITAND BITOR LSHIFT RSHIFT.
%left PLUS MINUS.
%left STAR SLASH REM.
%left CONCAT PTR.
%left COLLATE.
%right BITNOT.
%left CAST_OP.
/* A join followed by ON always takes it as its condition. */
%nonassoc ON.

input ::= cmd semi_opt.
semi_opt ::= SEMI.
semi_opt ::= .

/* ------------------------------------------------------------------ names */
nm(A) ::= ID(A).
nm(A) ::= STRING(A).   /* SQLite accepts 'name' where a name is expected */

%type xfullname {SrcItem *}
xfullname(A) ::= nm(N).           { A = mk_srcitem(p); A->name = N; }
xfullname(A) ::= nm(S) DOT nm(N). { A = mk_srcitem(p); A->schema = S; A->name = N; }

%type idlist {PtrList *}
idlist(A) ::= nm(N).                   { A = list1(p, mk_token(p, N)); }
idlist(A) ::= idlist(A) COMMA nm(N).   { ptrlist_push(p->arena, A, mk_token(p, N)); }

%type idlist_opt {PtrList *}
idlist_opt(A) ::= .                 { A = NULL; }
idlist_opt(A) ::= LP idlist(L) RP.  { A = L; }

ifnotexists(A) ::= .              { A.n = 0; }
ifnotexists(A) ::= IF(A) NOT EXISTS.
ifexists(A) ::= .                 { A.n = 0; }
ifexists(A) ::= IF(A) EXISTS.

temp_opt ::= .
temp_opt ::= TEMP.

/* -------------------------------------------------------------- statements */
cmd ::= select(S). {
    Stmt *s = mk_stmt(p, STMT_SELECT);
    s->u.select = S;
}

/* -------------------------------------------------------------------- DDL */
cmd ::= CREATE temp_opt TABLE ifnotexists(E) xfullname(N) LP columnlist(C) conslist_opt(K) RP table_options(O). {
    Stmt *s = mk_stmt(p, STMT_CREATE_TABLE);
    CreateTable *t = arena_alloc(p->arena, sizeof *t);
    t->schema = N->schema;
    t->name = N->name;
    t->if_not_exists = TOKEN_SET(E);
    t->columns = C;
    t->constraints = K;
    t->without_rowid = (O & 1) != 0;
    t->strict = (O & 2) != 0;
    s->u.create_table = t;
}
cmd ::= CREATE temp_opt TABLE ifnotexists(E) xfullname(N) AS select(S). {
    Stmt *s = mk_stmt(p, STMT_CREATE_TABLE);
    CreateTable *t = arena_alloc(p->arena, sizeof *t);
    t->schema = N->schema;
    t->name = N->name;
    t->if_not_exists = TOKEN_SET(E);
    t->as_select = S;
    s->u.create_table = t;
}

%type table_options {int}
table_options(A) ::= .                                  { A = 0; }
table_options(A) ::= table_option(A).
table_options(A) ::= table_options(X) COMMA table_option(Y). { A = X | Y; }
%type table_option {int}
table_option(A) ::= WITHOUT nm(X). {
    A = 0;
    if (str_ieq_n(X.z, (size_t)X.n, "rowid")) A = 1;
    else build_error(p, X, "unknown table option \"WITHOUT %.*s\"", X.n, X.z);
}
table_option(A) ::= nm(X). {
    A = 0;
    if (str_ieq_n(X.z, (size_t)X.n, "strict")) A = 2;
    else build_error(p, X, "unknown table option \"%.*s\"", X.n, X.z);
}

%type columnlist {PtrList *}
columnlist(A) ::= columnlist(A) COMMA columndef(C). { ptrlist_push(p->arena, A, C); }
columnlist(A) ::= columndef(C).                    { A = list1(p, C); }

%type columndef {ColumnDef *}
columndef(A) ::= nm(N) typetoken_opt(T) carglist(C). { A = mk_columndef(p, N, T, C); }

%type typetoken_opt {TypeName *}
typetoken_opt(A) ::= .             { A = NULL; }
typetoken_opt(A) ::= typetoken(A).

%type typetoken {TypeName *}
typetoken(A) ::= typename(A).
typetoken(A) ::= typename(A) LP signed RP.
typetoken(A) ::= typename(A) LP signed COMMA signed RP.
typetoken(A) ::= typetoken(A) LBRACKET RBRACKET.            { A->array = true; A->array_dims++; }
typetoken(A) ::= typetoken(A) LBRACKET INTEGER RBRACKET.    { A->array = true; A->array_dims++; }

%type typename {TypeName *}
typename(A) ::= ID(X).                   { A = mk_typename(p, X); }
typename(A) ::= typename(A) ID(X).       { typename_append(p, A, X); }
/* timestamp with time zone / without time zone */
typename(A) ::= typename(A) WITH(X) ID(Y) ZONE(Z).    { typename_append(p, A, X); typename_append(p, A, Y); typename_append(p, A, Z); }
typename(A) ::= typename(A) WITHOUT(X) ID(Y) ZONE(Z). { typename_append(p, A, X); typename_append(p, A, Y); typename_append(p, A, Z); }

/* A type after `::`: one word, so `x::text AS y` and `x::int + 1` stay unambiguous. */
%type casttype {TypeName *}
casttype(A) ::= ID(X).                        { A = mk_typename(p, X); }
casttype(A) ::= ID(X) LP signed RP.           { A = mk_typename(p, X); }
casttype(A) ::= ID(X) LP signed COMMA signed RP. { A = mk_typename(p, X); }
casttype(A) ::= casttype(A) LBRACKET RBRACKET. { A->array = true; A->array_dims++; }

signed ::= INTEGER.
signed ::= PLUS INTEGER.
signed ::= MINUS INTEGER.

%type carglist {PtrList *}
carglist(A) ::= carglist(A) ccons(C). { if (C) ptrlist_push(p->arena, A, C); }
carglist(A) ::= .                     { A = ptrlist_new(p->arena); }

%type ccons {ColumnConstraint *}
ccons(A) ::= CONSTRAINT nm.                   { A = NULL; }
ccons(A) ::= DEFAULT defaultvalue(E).         { A = mk_ccons(p, TK_DEFAULT, E, NULL); }
ccons(A) ::= NULL onconf.                     { A = NULL; }
ccons(A) ::= NOT NULL onconf.                 { A = mk_ccons(p, TK_NOT, NULL, NULL); }
ccons(A) ::= PRIMARY KEY sortorder onconf autoinc(I). { A = mk_ccons(p, TK_PRIMARY, NULL, NULL); A->flag = I; }
ccons(A) ::= UNIQUE onconf.                   { A = mk_ccons(p, TK_UNIQUE, NULL, NULL); }
ccons(A) ::= CHECK LP expr(E) RP.             { A = mk_ccons(p, TK_CHECK, E, NULL); }
ccons(A) ::= REFERENCES nm(T) idlist_opt(C) refargs(R). {
    R->ref_table = T;
    R->ref_columns = C;
    A = mk_ccons(p, TK_REFERENCES, NULL, R);
}
ccons(A) ::= defer_subclause.                 { A = NULL; }
ccons(A) ::= COLLATE ID.                      { A = NULL; }
ccons(A) ::= GENERATED ALWAYS AS LP expr(E) RP generated_kind. { A = mk_ccons(p, TK_GENERATED, E, NULL); }
ccons(A) ::= AS LP expr(E) RP generated_kind.                  { A = mk_ccons(p, TK_GENERATED, E, NULL); }
ccons(A) ::= GENERATED ALWAYS AS IDENTITY.          { A = mk_ccons(p, TK_IDENTITY, NULL, NULL); }
ccons(A) ::= GENERATED BY DEFAULT AS IDENTITY.      { A = mk_ccons(p, TK_IDENTITY, NULL, NULL); }

generated_kind ::= .
generated_kind ::= STORED.
generated_kind ::= VIRTUAL.

%type defaultvalue {Expr *}
defaultvalue(A) ::= term(A).
defaultvalue(A) ::= LP expr(Z9) RP. { A = Z9; }
defaultvalue(A) ::= PLUS term(Z9). { A = Z9; }
defaultvalue(A) ::= MINUS(O) term(X).          { A = mk_unary(p, O, X); }
defaultvalue(A) ::= ID(N).                     { A = mk_column(p, NULL, N); }
defaultvalue(A) ::= ID(N) LP exprlist(L) RP.   { A = mk_func(p, NULL, N, L, false, false); }
defaultvalue(A) ::= defaultvalue(X) CAST_OP(O) casttype(T). { A = mk_cast(p, O, X, T); }

%type autoinc {bool}
autoinc(A) ::= .          { A = false; }
autoinc(A) ::= AUTOINCR.  { A = true; }

onconf ::= .
onconf ::= ON CONFLICT resolvetype.
resolvetype ::= ROLLBACK.
resolvetype ::= ABORT.
resolvetype ::= FAIL.
resolvetype ::= IGNORE.
resolvetype ::= REPLACE.

sortorder(A) ::= ASC(A).
sortorder(A) ::= DESC(A).
sortorder(A) ::= .        { A.n = 0; }

%type refargs {ForeignKey *}
refargs(A) ::= .                      { A = arena_alloc(p->arena, sizeof *A); }
refargs(A) ::= refargs(A) ON DELETE refact(X). { A->on_delete = X; }
refargs(A) ::= refargs(A) ON UPDATE refact(X). { A->on_update = X; }
refargs(A) ::= refargs(A) MATCH nm.

%type refact {FkAction}
refact(A) ::= SET NULL.     { A = FK_SET_NULL; }
refact(A) ::= SET DEFAULT.  { A = FK_SET_DEFAULT; }
refact(A) ::= CASCADE.      { A = FK_CASCADE; }
refact(A) ::= RESTRICT.     { A = FK_RESTRICT; }
refact(A) ::= NO ACTION.    { A = FK_NO_ACTION; }

defer_subclause ::= NOT DEFERRABLE init_deferred_opt.
defer_subclause ::= DEFERRABLE init_deferred_opt.
init_deferred_opt ::= .
init_deferred_opt ::= INITIALLY DEFERRED.
init_deferred_opt ::= INITIALLY ID.

%type conslist_opt {PtrList *}
conslist_opt(A) ::= .                   { A = NULL; }
conslist_opt(A) ::= COMMA conslist(Z9). { A = Z9; }

%type conslist {PtrList *}
conslist(A) ::= conslist(A) tconscomma tcons(C). { if (C) ptrlist_push(p->arena, A, C); }
conslist(A) ::= tcons(C).                        { A = ptrlist_new(p->arena); if (C) ptrlist_push(p->arena, A, C); }
tconscomma ::= COMMA.
tconscomma ::= .

%type tcons {TableConstraint *}
tcons(A) ::= CONSTRAINT nm.  { A = NULL; }
tcons(A) ::= tcons_core(A).

%type tcons_core {TableConstraint *}
tcons_core(A) ::= PRIMARY(T) KEY LP idlist(C) autoinc RP onconf. { A = mk_tcons(p, CONS_PRIMARY_KEY, T, C); }
tcons_core(A) ::= UNIQUE(T) LP idlist(C) RP onconf.             { A = mk_tcons(p, CONS_UNIQUE, T, C); }
tcons_core(A) ::= CHECK(T) LP expr(E) RP onconf.                { A = mk_tcons(p, CONS_CHECK, T, NULL); A->check = E; }
tcons_core(A) ::= FOREIGN(T) KEY LP idlist(C) RP REFERENCES nm(R) idlist_opt(RC) refargs(F) defer_opt. {
    A = mk_tcons(p, CONS_FOREIGN_KEY, T, C);
    F->columns = C;
    F->ref_table = R;
    F->ref_columns = RC;
    A->fk = F;
}
defer_opt ::= .
defer_opt ::= defer_subclause.

cmd ::= ALTER TABLE ifexists(E) only_opt xfullname(N) alter_list(L). {
    Stmt *s = mk_stmt(p, STMT_ALTER_TABLE);
    AlterTable *a = arena_alloc(p->arena, sizeof *a);
    a->schema = N->schema;
    a->name = N->name;
    a->if_exists = TOKEN_SET(E);
    a->actions = L;
    s->u.alter = a;
}
only_opt ::= .
only_opt ::= ONLY.

%type alter_list {PtrList *}
alter_list(A) ::= alter_action(X).                   { A = list1(p, X); }
alter_list(A) ::= alter_list(A) COMMA alter_action(X). { ptrlist_push(p->arena, A, X); }

%type alter_action {AlterAction *}
alter_action(A) ::= ADD(T) column_opt ifnotexists(E) columndef(C). {
    A = mk_alter_action(p, ALTER_ADD_COLUMN, T);
    A->column = C;
    A->if_exists = TOKEN_SET(E);
}
alter_action(A) ::= ADD(T) tcons_core(C).                 { A = mk_alter_action(p, ALTER_ADD_CONSTRAINT, T); A->constraint = C; }
alter_action(A) ::= ADD(T) CONSTRAINT nm tcons_core(C).   { A = mk_alter_action(p, ALTER_ADD_CONSTRAINT, T); A->constraint = C; }
alter_action(A) ::= DROP(T) column_opt ifexists(E) nm(C) drop_behaviour. {
    A = mk_alter_action(p, ALTER_DROP_COLUMN, T);
    A->old_name = C;
    A->if_exists = TOKEN_SET(E);
}
alter_action(A) ::= DROP(T) CONSTRAINT ifexists nm(C) drop_behaviour. { A = mk_alter_action(p, ALTER_DROP_CONSTRAINT, T); A->old_name = C; }
alter_action(A) ::= RENAME(T) column_opt nm(X) TO nm(Y). {
    A = mk_alter_action(p, ALTER_RENAME_COLUMN, T);
    A->old_name = X;
    A->new_name = Y;
}
alter_action(A) ::= RENAME(T) CONSTRAINT nm(X) TO nm(Y). {
    A = mk_alter_action(p, ALTER_RENAME_CONSTRAINT, T);
    A->old_name = X;
    A->new_name = Y;
}
alter_action(A) ::= RENAME(T) TO nm(Y). { A = mk_alter_action(p, ALTER_RENAME_TABLE, T); A->new_name = Y; }
alter_action(A) ::= ALTER(T) column_opt nm(C) ID(K) typetoken(Y) type_using_opt. {
    A = mk_alter_action(p, ALTER_COLUMN_TYPE, T);
    A->old_name = C;
    A->type = Y;
    expect_word(p, K, "type");
}
alter_action(A) ::= ALTER(T) column_opt nm(C) SET ID(K1) ID(K2) typetoken(Y) type_using_opt. {
    A = mk_alter_action(p, ALTER_COLUMN_TYPE, T);
    A->old_name = C;
    A->type = Y;
    expect_word(p, K1, "data");
    expect_word(p, K2, "type");
}
alter_action(A) ::= ALTER(T) column_opt nm(C) SET NOT NULL.  { A = mk_alter_action(p, ALTER_SET_NOT_NULL, T); A->old_name = C; }
alter_action(A) ::= ALTER(T) column_opt nm(C) DROP NOT NULL. { A = mk_alter_action(p, ALTER_DROP_NOT_NULL, T); A->old_name = C; }
alter_action(A) ::= ALTER(T) column_opt nm(C) SET DEFAULT defaultvalue. { A = mk_alter_action(p, ALTER_SET_DEFAULT, T); A->old_name = C; }
alter_action(A) ::= ALTER(T) column_opt nm(C) DROP DEFAULT.  { A = mk_alter_action(p, ALTER_DROP_DEFAULT, T); A->old_name = C; }
type_using_opt ::= .
type_using_opt ::= USING expr.

/* CREATE TYPE name AS ENUM ('a', 'b') and CREATE DOMAIN name AS type ...
 * (PostgreSQL); other CREATE TYPE forms never reach the grammar. */
cmd ::= CREATE ID(K) xfullname(N) AS typename(E) LP enumlist RP. {
    CreateType *t = mk_create_type(p, K, N, "type");
    t->is_enum = true;
    expect_word(p, E->tok, "enum");
}
cmd ::= CREATE ID(K) xfullname(N) AS typename(E) LP RP. {
    CreateType *t = mk_create_type(p, K, N, "type");
    t->is_enum = true;
    expect_word(p, E->tok, "enum");
}
cmd ::= CREATE ID(K) xfullname(N) AS typetoken(T) carglist(C). {
    CreateType *t = mk_create_type(p, K, N, "domain");
    t->base = T;
    for (int i = 0; i < C->n; i++)
        if (((ColumnConstraint *)C->items[i])->kind == TK_NOT)
            t->not_null = true;
}
enumlist ::= STRING.
enumlist ::= enumlist COMMA STRING.

column_opt ::= .
column_opt ::= COLUMN.
drop_behaviour ::= .
drop_behaviour ::= CASCADE.
drop_behaviour ::= RESTRICT.

cmd ::= CREATE uniqueflag(U) INDEX ifnotexists(E) nm(N) ON xfullname(T) index_method LP sortlist(C) RP where_opt(W). {
    Stmt *s = mk_stmt(p, STMT_CREATE_INDEX);
    CreateIndex *ix = arena_alloc(p->arena, sizeof *ix);
    ix->name = N;
    ix->schema = T->schema;
    ix->table = T->name;
    ix->unique = U;
    ix->if_not_exists = TOKEN_SET(E);
    ix->columns = C;
    ix->where = W;
    s->u.create_index = ix;
}
%type uniqueflag {bool}
uniqueflag(A) ::= UNIQUE. { A = true; }
uniqueflag(A) ::= .       { A = false; }
index_method ::= .
index_method ::= USING ID.

cmd ::= CREATE temp_opt VIEW ifnotexists(E) xfullname(N) idlist_opt(C) AS select(S). {
    Stmt *s = mk_stmt(p, STMT_CREATE_VIEW);
    CreateView *v = arena_alloc(p->arena, sizeof *v);
    v->schema = N->schema;
    v->name = N->name;
    v->if_not_exists = TOKEN_SET(E);
    v->columns = C;
    v->select = S;
    s->u.create_view = v;
}

cmd ::= DROP droptarget(W) ifexists(E) xfullname(N) drop_behaviour. {
    Stmt *s = mk_stmt(p, STMT_DROP);
    Drop *d = arena_alloc(p->arena, sizeof *d);
    d->what = W;
    d->schema = N->schema;
    d->name = N->name;
    d->if_exists = TOKEN_SET(E);
    s->u.drop = d;
}
%type droptarget {DropKind}
droptarget(A) ::= TABLE. { A = DROP_TABLE; }
droptarget(A) ::= INDEX. { A = DROP_INDEX; }
droptarget(A) ::= VIEW.  { A = DROP_VIEW; }

/* ----------------------------------------------------------------- SELECT */
%type select {Select *}
select(A) ::= with(W) compound(C) orderby_opt(O) limit_opt(L) locking. {
    A = C;
    A->with = W;
    A->order_by = O;
    A->limit = L.limit;
    A->offset = L.offset;
}

/* PostgreSQL row locks: FOR UPDATE [OF t] [NOWAIT | SKIP LOCKED], FOR SHARE,
 * FOR NO KEY UPDATE, FOR KEY SHARE. The words after the strength are left
 * to the engine check to judge. */
locking ::= .
locking ::= locking FOR lock_strength lock_words.
lock_strength ::= UPDATE.
lock_strength ::= NO KEY UPDATE.
lock_strength ::= ID.
lock_strength ::= KEY ID.
lock_words ::= .
lock_words ::= lock_words ID.
lock_words ::= lock_words COMMA ID.

%type with {With *}
with(A) ::= .                        { A = NULL; }
with(A) ::= WITH wqlist(L).          { A = arena_alloc(p->arena, sizeof *A); A->ctes = L; }
with(A) ::= WITH RECURSIVE wqlist(L). { A = arena_alloc(p->arena, sizeof *A); A->ctes = L; A->recursive = true; }

%type wqlist {PtrList *}
wqlist(A) ::= wqitem(X).                  { A = list1(p, X); }
wqlist(A) ::= wqlist(A) COMMA wqitem(X).  { ptrlist_push(p->arena, A, X); }
%type wqitem {Cte *}
wqitem(A) ::= nm(N) idlist_opt(C) AS LP select(S) RP. {
    A = arena_alloc(p->arena, sizeof *A);
    A->name = N;
    A->columns = C;
    A->select = S;
}

%type compound {Select *}
compound(A) ::= oneselect(A).
compound(A) ::= compound(X) compound_op(O) oneselect(Y). { A = Y; A->prior = X; A->compound_op = O; }
%type compound_op {int}
compound_op(A) ::= UNION.           { A = TK_UNION; }
compound_op(A) ::= UNION ALL.       { A = TK_ALL; }
compound_op(A) ::= UNION DISTINCT.  { A = TK_UNION; }
compound_op(A) ::= INTERSECT.       { A = TK_INTERSECT; }
compound_op(A) ::= EXCEPT.          { A = TK_EXCEPT; }

%type oneselect {Select *}
oneselect(A) ::= SELECT(T) distinct(D) selcollist(R) from(F) where_opt(W) groupby_opt(G) having_opt(H) window_clause. {
    A = arena_alloc(p->arena, sizeof *A);
    A->tok = T;
    A->distinct = D;
    A->result = R;
    A->from = F;
    A->where = W;
    A->group_by = G;
    A->having = H;
    A->distinct_on = p->distinct_on;
    p->distinct_on = NULL;
}
oneselect(A) ::= VALUES(T) rowlist(R). {
    A = arena_alloc(p->arena, sizeof *A);
    A->tok = T;
    A->values = R;
}

window_clause ::= .
window_clause ::= WINDOW windefn_list.
windefn_list ::= windefn.
windefn_list ::= windefn_list COMMA windefn.
windefn ::= nm AS LP window RP.

%type rowlist {PtrList *}
rowlist(A) ::= LP nexprlist(X) RP.               { A = list1(p, X); }
rowlist(A) ::= rowlist(A) COMMA LP nexprlist(X) RP. { ptrlist_push(p->arena, A, X); }

%type distinct {bool}
distinct(A) ::= DISTINCT. { A = true; }
distinct(A) ::= DISTINCT ON LP nexprlist(L) RP. { A = true; p->distinct_on = L; }
distinct(A) ::= ALL.      { A = false; }
distinct(A) ::= .         { A = false; }

%type selcollist {PtrList *}
selcollist(A) ::= selcol(X).                     { A = list1(p, X); }
selcollist(A) ::= selcollist(A) COMMA selcol(X). { ptrlist_push(p->arena, A, X); }

%type selcol {ResultCol *}
selcol(A) ::= expr(E) as(N).     { A = mk_resultcol(p, E); A->alias = N; }
selcol(A) ::= STAR(T).           { A = mk_resultcol(p, NULL); A->star = true; A->star_table.pos = T.pos; }
selcol(A) ::= nm(X) DOT STAR.    { A = mk_resultcol(p, NULL); A->star = true; A->star_table = X; }

as(A) ::= AS nm(Z9). { A = Z9; }
as(A) ::= ID(A).
as(A) ::= .       { A.n = 0; }

%type from {PtrList *}
from(A) ::= .                 { A = NULL; }
from(A) ::= FROM seltablist(Z9). { A = Z9; }

%type seltablist {PtrList *}
seltablist(A) ::= seltab(X).  { A = list1(p, X); }
seltablist(A) ::= seltablist(A) COMMA seltab(X). { X->join = JOIN_INNER; ptrlist_push(p->arena, A, X); }
seltablist(A) ::= seltablist(A) joinop(J) seltab(X) on_using(O). {
    X->join = (JoinKind)(J & 0xff);
    X->natural = (J & 0x100) != 0;
    X->on = O.on;
    X->using_cols = O.using_cols;
    ptrlist_push(p->arena, A, X);
}

%type seltab {SrcItem *}
seltab(A) ::= xfullname(A) alias(N).             { A->alias = N; }
seltab(A) ::= LP select(S) RP alias(N).          { A = mk_srcitem(p); A->subquery = S; A->alias = N; A->name.pos = N.pos; }

alias(A) ::= AS nm(Z9). { A = Z9; }
alias(A) ::= ID(A).
alias(A) ::= .  { A.n = 0; }

%type joinop {int}
joinop(A) ::= JOIN.                    { A = JOIN_INNER; }
joinop(A) ::= INNER JOIN.              { A = JOIN_INNER; }
joinop(A) ::= CROSS JOIN.              { A = JOIN_CROSS; }
joinop(A) ::= LEFT JOIN.               { A = JOIN_LEFT; }
joinop(A) ::= LEFT OUTER JOIN.         { A = JOIN_LEFT; }
joinop(A) ::= RIGHT JOIN.              { A = JOIN_RIGHT; }
joinop(A) ::= RIGHT OUTER JOIN.        { A = JOIN_RIGHT; }
joinop(A) ::= FULL JOIN.               { A = JOIN_FULL; }
joinop(A) ::= FULL OUTER JOIN.         { A = JOIN_FULL; }
joinop(A) ::= NATURAL joinop(X).       { A = X | 0x100; }

%type on_using {OnUsing}
on_using(A) ::= ON expr(E).               { A.on = E; A.using_cols = NULL; }
on_using(A) ::= USING LP idlist(L) RP.    { A.on = NULL; A.using_cols = L; }
on_using(A) ::= . [OR]                    { A.on = NULL; A.using_cols = NULL; }

%type where_opt {Expr *}
where_opt(A) ::= .              { A = NULL; }
where_opt(A) ::= WHERE expr(Z9). { A = Z9; }

%type groupby_opt {PtrList *}
groupby_opt(A) ::= .                    { A = NULL; }
groupby_opt(A) ::= GROUP BY nexprlist(Z9). { A = Z9; }

%type having_opt {Expr *}
having_opt(A) ::= .               { A = NULL; }
having_opt(A) ::= HAVING expr(Z9). { A = Z9; }

%type orderby_opt {PtrList *}
orderby_opt(A) ::= .                    { A = NULL; }
orderby_opt(A) ::= ORDER BY sortlist(Z9). { A = Z9; }

%type sortlist {PtrList *}
sortlist(A) ::= sortitem(X).                    { A = list1(p, X); }
sortlist(A) ::= sortlist(A) COMMA sortitem(X).  { ptrlist_push(p->arena, A, X); }
%type sortitem {ResultCol *}
sortitem(A) ::= expr(E) sortorder(O) nulls. { A = mk_resultcol(p, E); A->desc = O.n > 0 && O.type == TK_DESC; }
nulls ::= .
nulls ::= NULLS FIRST.
nulls ::= NULLS LAST.

%type limit_opt {LimitClause}
limit_opt(A) ::= .                           { A.limit = NULL; A.offset = NULL; }
limit_opt(A) ::= LIMIT expr(X).              { A.limit = X; A.offset = NULL; }
limit_opt(A) ::= LIMIT expr(X) OFFSET expr(Y). { A.limit = X; A.offset = Y; }
limit_opt(A) ::= LIMIT expr(Y) COMMA expr(X).  { A.limit = X; A.offset = Y; }
limit_opt(A) ::= OFFSET expr(Y).             { A.limit = NULL; A.offset = Y; }
limit_opt(A) ::= OFFSET expr(Y) LIMIT expr(X). { A.limit = X; A.offset = Y; }

/* ----------------------------------------------------------------- INSERT */
cmd ::= with(W) insert_kw INTO xfullname(T) insert_alias(AL) idlist_opt(C) select(S) upsert(U) returning(R). {
    Stmt *s = mk_stmt(p, STMT_INSERT);
    Insert *ins = arena_alloc(p->arena, sizeof *ins);
    ins->schema = T->schema;
    ins->table = T->name;
    ins->alias = AL;
    ins->columns = C;
    if (S->values && !S->prior && !S->with && !S->order_by && !S->limit)
        ins->values = S->values;
    else
        ins->select = S;
    ins->upsert = U;
    ins->returning = R;
    s->with = W;
    s->u.insert = ins;
}
cmd ::= with(W) insert_kw INTO xfullname(T) insert_alias(AL) idlist_opt(C) DEFAULT VALUES returning(R). {
    Stmt *s = mk_stmt(p, STMT_INSERT);
    Insert *ins = arena_alloc(p->arena, sizeof *ins);
    ins->schema = T->schema;
    ins->table = T->name;
    ins->alias = AL;
    ins->columns = C;
    ins->default_values = true;
    ins->returning = R;
    s->with = W;
    s->u.insert = ins;
}
insert_kw ::= INSERT.
insert_kw ::= REPLACE.
insert_kw ::= INSERT OR resolvetype.

insert_alias(A) ::= .          { A.n = 0; }
insert_alias(A) ::= AS nm(Z9). { A = Z9; }

%type upsert {Upsert *}
upsert(A) ::= .  { A = NULL; }
upsert(A) ::= ON CONFLICT conflict_target(T) DO NOTHING. {
    A = arena_alloc(p->arena, sizeof *A);
    A->target = T;
    A->do_nothing = true;
}
upsert(A) ::= ON CONFLICT conflict_target(T) DO UPDATE SET setlist(S) where_opt(W). {
    A = arena_alloc(p->arena, sizeof *A);
    A->target = T;
    A->set = S;
    A->where = W;
}
%type conflict_target {PtrList *}
conflict_target(A) ::= .                          { A = NULL; }
conflict_target(A) ::= LP idlist(Z9) RP where_opt. { A = Z9; }
conflict_target(A) ::= ON CONSTRAINT nm.          { A = NULL; }

%type returning {PtrList *}
returning(A) ::= .                        { A = NULL; }
returning(A) ::= RETURNING selcollist(Z9). { A = Z9; }

%type setlist {PtrList *}
setlist(A) ::= setitem(X).                 { A = list1(p, X); }
setlist(A) ::= setlist(A) COMMA setitem(X). { ptrlist_push(p->arena, A, X); }
%type setitem {ResultCol *}
setitem(A) ::= nm(N) EQ expr(E).  { A = mk_resultcol(p, E); A->alias = N; }

/* ----------------------------------------------------------------- UPDATE */
cmd ::= with(W) UPDATE orconf xfullname(T) alias(AL) SET setlist(S) from(F) where_opt(WH) returning(R). {
    Stmt *s = mk_stmt(p, STMT_UPDATE);
    Update *u = arena_alloc(p->arena, sizeof *u);
    u->schema = T->schema;
    u->table = T->name;
    u->alias = AL;
    u->set = S;
    u->from = F;
    u->where = WH;
    u->returning = R;
    s->with = W;
    s->u.update = u;
}
orconf ::= .
orconf ::= OR resolvetype.

/* ----------------------------------------------------------------- DELETE */
cmd ::= with(W) DELETE FROM xfullname(T) alias(AL) using_opt(US) where_opt(WH) returning(R). {
    Stmt *s = mk_stmt(p, STMT_DELETE);
    Delete *d = arena_alloc(p->arena, sizeof *d);
    d->schema = T->schema;
    d->table = T->name;
    d->alias = AL;
    d->using_ = US;
    d->where = WH;
    d->returning = R;
    s->with = W;
    s->u.delete_ = d;
}
%type using_opt {PtrList *}
using_opt(A) ::= .                    { A = NULL; }
using_opt(A) ::= USING seltablist(Z9). { A = Z9; }

/* ------------------------------------------------------------- expressions */
%type expr {Expr *}
%type term {Expr *}

expr(A) ::= term(A).
expr(A) ::= LP expr(Z9) RP. { A = Z9; }
expr(A) ::= LP(T) expr(X) COMMA nexprlist(L) RP. {
    A = mk_expr(p, EX_ROW, T);
    A->list = ptrlist_new(p->arena);
    ptrlist_push(p->arena, A->list, X);
    for (int i = 0; i < L->n; i++)
        ptrlist_push(p->arena, A->list, L->items[i]);
}
expr(A) ::= ID(N).                     { A = mk_column(p, NULL, N); }
expr(A) ::= nm(X) DOT nm(Y).           { A = mk_column(p, &X, Y); }
expr(A) ::= VARIABLE(V).               { A = mk_expr(p, EX_PARAM, V); }
/* interval '1 day', date '2024-01-01': a typed literal is a cast */
expr(A) ::= ID(T) STRING(S).           { A = mk_cast(p, T, mk_expr(p, EX_STRING, S), mk_typename(p, T)); }
/* EXTRACT(field FROM x) is date_part('field', x) */
expr(A) ::= ID(N) LP ID(F) FROM expr(X) RP. {
    expect_word(p, N, "extract");
    PtrList *args = list1(p, mk_expr(p, EX_STRING, F));
    ptrlist_push(p->arena, args, X);
    A = mk_func(p, NULL, N, args, false, false);
}

term(A) ::= NULL(T).      { A = mk_expr(p, EX_NULL, T); }
term(A) ::= INTEGER(T).   { A = mk_expr(p, EX_INTEGER, T); }
term(A) ::= FLOAT(T).     { A = mk_expr(p, EX_FLOAT, T); }
term(A) ::= STRING(T).    { A = mk_expr(p, EX_STRING, T); }
term(A) ::= BLOB(T).      { A = mk_expr(p, EX_BLOB, T); }
term(A) ::= TRUE(T).      { A = mk_expr(p, EX_TRUE, T); }
term(A) ::= FALSE(T).     { A = mk_expr(p, EX_FALSE, T); }
term(A) ::= CTIME_KW(T).  { A = mk_expr(p, EX_CURRENT, T); }

expr(A) ::= expr(X) COLLATE(O) ID. { A = mk_expr(p, EX_COLLATE, O); A->lhs = X; }
expr(A) ::= CAST(O) LP expr(X) AS typetoken(T) RP. { A = mk_cast(p, O, X, T); }
expr(A) ::= expr(X) CAST_OP(O) casttype(T).        { A = mk_cast(p, O, X, T); }

expr(A) ::= ID(N) LP exprlist(L) RP filter_over.             { A = mk_func(p, NULL, N, L, false, false); }
expr(A) ::= ID(N) LP DISTINCT nexprlist(L) RP filter_over.    { A = mk_func(p, NULL, N, L, true, false); }
expr(A) ::= ID(N) LP ALL nexprlist(L) RP filter_over.         { A = mk_func(p, NULL, N, L, false, false); }
expr(A) ::= ID(N) LP STAR RP filter_over.                    { A = mk_func(p, NULL, N, NULL, false, true); }
expr(A) ::= nm(S) DOT nm(N) LP exprlist(L) RP.               { A = mk_func(p, &S, N, L, false, false); }

filter_over ::= .
filter_over ::= FILTER LP WHERE expr RP.
filter_over ::= over_clause.
filter_over ::= FILTER LP WHERE expr RP over_clause.
over_clause ::= OVER LP window RP.
over_clause ::= OVER nm.
window ::= partition_opt orderby_opt frame_opt.
partition_opt ::= .
partition_opt ::= PARTITION BY nexprlist.
frame_opt ::= .
frame_opt ::= ID frame_bound.                     /* ROWS / RANGE / GROUPS */
frame_opt ::= ID BETWEEN frame_bound AND frame_bound.
frame_bound ::= ID ID.                            /* UNBOUNDED PRECEDING, CURRENT ROW */
frame_bound ::= INTEGER ID.                       /* n PRECEDING / FOLLOWING */

expr(A) ::= expr(X) AND(O) expr(Y).    { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) OR(O) expr(Y).     { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) LT|GT|GE|LE(O) expr(Y). { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) EQ|NE(O) expr(Y).  { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) BITAND|BITOR|LSHIFT|RSHIFT(O) expr(Y). { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) PLUS|MINUS(O) expr(Y).       { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) STAR|SLASH|REM(O) expr(Y).   { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) CONCAT(O) expr(Y).           { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) PTR(O) expr(Y).              { A = mk_binary(p, O, X, Y); }

%type likeop {Token}
likeop(A) ::= LIKE_KW(A).
likeop(A) ::= NOT LIKE_KW(X).  { A = X; A.type = -X.type; }
expr(A) ::= expr(X) likeop(O) expr(Y). [LIKE_KW] {
    A = mk_expr(p, EX_LIKE, O);
    A->negated = O.type < 0;
    A->tok.type = TK_LIKE_KW;
    A->lhs = X;
    A->rhs = Y;
}
expr(A) ::= expr(X) likeop(O) expr(Y) ESCAPE expr(E). [LIKE_KW] {
    A = mk_expr(p, EX_LIKE, O);
    A->negated = O.type < 0;
    A->tok.type = TK_LIKE_KW;
    A->lhs = X;
    A->rhs = Y;
    A->extra = E;
}

expr(A) ::= expr(X) ISNULL|NOTNULL(O).  { A = mk_expr(p, EX_ISNULL, O); A->lhs = X; A->negated = O.type == TK_NOTNULL; }
expr(A) ::= expr(X) NOT(O) NULL.        { A = mk_expr(p, EX_ISNULL, O); A->lhs = X; A->negated = true; }
expr(A) ::= expr(X) IS(O) expr(Y).      { A = mk_is(p, O, X, Y, false); }
expr(A) ::= expr(X) IS(O) NOT expr(Y).  { A = mk_is(p, O, X, Y, true); }
expr(A) ::= expr(X) IS(O) NOT DISTINCT FROM expr(Y). [IS] { A = mk_is(p, O, X, Y, false); }
expr(A) ::= expr(X) IS(O) DISTINCT FROM expr(Y).     [IS] { A = mk_is(p, O, X, Y, true); }

expr(A) ::= NOT(O) expr(X).             { A = mk_unary(p, O, X); }
expr(A) ::= BITNOT(O) expr(X).          { A = mk_unary(p, O, X); }
expr(A) ::= MINUS(O) expr(X). [BITNOT]  { A = mk_unary(p, O, X); }
expr(A) ::= PLUS(O) expr(X). [BITNOT]   { A = mk_unary(p, O, X); }

%type between_op {bool}
between_op(A) ::= BETWEEN.      { A = false; }
between_op(A) ::= NOT BETWEEN.  { A = true; }
expr(A) ::= expr(X) between_op(N) expr(Y) AND expr(Z). [BETWEEN] {
    A = mk_expr(p, EX_BETWEEN, X->tok);
    A->lhs = X;
    A->rhs = Y;
    A->extra = Z;
    A->negated = N;
}

%type in_op {bool}
in_op(A) ::= IN.      { A = false; }
in_op(A) ::= NOT IN.  { A = true; }
expr(A) ::= expr(X) in_op(N) LP exprlist(L) RP. [IN] {
    A = mk_expr(p, EX_IN_LIST, X->tok);
    A->lhs = X;
    A->list = L;
    A->negated = N;
}
expr(A) ::= expr(X) in_op(N) LP select(S) RP. [IN] {
    A = mk_expr(p, EX_IN_SELECT, X->tok);
    A->lhs = X;
    A->select = S;
    A->negated = N;
}
expr(A) ::= LP(T) select(S) RP.      { A = mk_expr(p, EX_SUBQUERY, T); A->select = S; }
expr(A) ::= EXISTS(T) LP select(S) RP. { A = mk_expr(p, EX_EXISTS, T); A->select = S; }

expr(A) ::= CASE(T) case_operand(X) case_exprlist(L) case_else(Y) END. {
    A = mk_expr(p, EX_CASE, T);
    A->lhs = X;
    A->list = L;
    A->rhs = Y;
}
%type case_exprlist {PtrList *}
case_exprlist(A) ::= case_exprlist(A) WHEN expr(X) THEN expr(Y). { ptrlist_push(p->arena, A, X); ptrlist_push(p->arena, A, Y); }
case_exprlist(A) ::= WHEN expr(X) THEN expr(Y). { A = list1(p, X); ptrlist_push(p->arena, A, Y); }
%type case_else {Expr *}
case_else(A) ::= ELSE expr(Z9). { A = Z9; }
case_else(A) ::= .              { A = NULL; }
%type case_operand {Expr *}
case_operand(A) ::= expr(A).
case_operand(A) ::= .           { A = NULL; }

%type exprlist {PtrList *}
exprlist(A) ::= nexprlist(A).
exprlist(A) ::= .               { A = ptrlist_new(p->arena); }
%type nexprlist {PtrList *}
nexprlist(A) ::= nexprlist(A) COMMA expr(Y). { ptrlist_push(p->arena, A, Y); }
nexprlist(A) ::= expr(Y).                    { A = list1(p, Y); }

