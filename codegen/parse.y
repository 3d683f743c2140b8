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
/* PostgreSQL: any other operator (@>, ~*, #>>, ?|, &&...), => and := of
 * named arguments, the : of an array slice. */
%token OP NAMEARG COLON ARRAY.
/* WITH followed by ORDINALITY, merged by the driver (sqlparse.c) as
 * PostgreSQL's own lexer does (WITH_LA): after a function in FROM, WITH
 * could also begin CREATE MATERIALIZED VIEW's WITH [NO] DATA. */
%token WITH_ORDINALITY.

/* Keywords that may also be used as names (a column called "key"). A word
 * that can follow a type name or a table alias must not be here: lemon
 * prefers the fallback to a default reduction, so "x REAL GENERATED ..."
 * would read GENERATED as part of the type (and "FROM t FETCH FIRST ..."
 * FETCH as t's alias; INDEXED likewise). */
%fallback ID
  ABORT ACTION ALWAYS ASC AUTOINCR BY CASCADE COLUMN CONFLICT DEFERRED DESC
  EXCLUDE FAIL FILTER FIRST IDENTITY IF IGNORE INCLUDE INITIALLY KEY LAST NO
  NOTHING NULLS OVER PARTITION RECURSIVE RENAME REPLACE RESTRICT ROLLBACK
  ROWID STORED STRICT TEMP VIRTUAL WITHOUT ZONE
  AT GROUPING LATERAL OVERLAPS SIMILAR SYMMETRIC TRUNCATE WITHIN
  DO END MATCH OFFSET
  .

%right NAMEARG.
%left OR.
%left AND.
%right NOT.
%left IS MATCH LIKE_KW SIMILAR BETWEEN IN ISNULL NOTNULL NE EQ.
%left GT LE LT GE.
%right ESCAPE.
%left BITAND BITOR LSHIFT RSHIFT OP OVERLAPS.
%left PLUS MINUS.
%left STAR SLASH REM.
%left CONCAT PTR.
%left COLLATE AT.
%right BITNOT.
%left CAST_OP.
%left LBRACKET.
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

/* TEMP, or a word the rule checks: UNLOGGED (tables), MATERIALIZED (views) */
temp_opt(A) ::= .        { A.n = 0; }
temp_opt(A) ::= TEMP(A).
temp_opt(A) ::= ID(A).

%type fullnamelist {PtrList *}
fullnamelist(A) ::= xfullname(X).                       { A = list1(p, X); }
fullnamelist(A) ::= fullnamelist(A) COMMA xfullname(X). { ptrlist_push(p->arena, A, X); }

/* WITH (fillfactor = 70), SET (security_barrier): storage parameters, not modelled */
storage_params ::= storage_param.
storage_params ::= storage_params COMMA storage_param.
storage_param ::= nm.
storage_param ::= nm EQ storage_value.
storage_param ::= nm DOT nm.
storage_param ::= nm DOT nm EQ storage_value.
storage_value ::= term.
storage_value ::= ID.
storage_value ::= ON.
storage_value ::= MINUS term.

/* -------------------------------------------------------------- statements */
cmd ::= select(S). {
    Stmt *s = mk_stmt(p, STMT_SELECT);
    s->u.select = S;
}

/* -------------------------------------------------------------------- DDL */
/* PostgreSQL takes columns and table constraints in any order; SQLite
 * wants every column first (refused here, as SQLite refuses it) */
cmd ::= CREATE temp_opt(T) TABLE ifnotexists(E) xfullname(N) LP columnlist(C) tabletail(M) RP table_options(O). {
    CreateTable *t = mk_create_table(p, T, E, N);
    if (M.late_column.n && p->dialect == DIALECT_SQLITE)
        build_error(p, M.late_column, "syntax error near \"%.*s\": SQLite takes a table's columns before its constraints",
                    M.late_column.n, M.late_column.z);
    for (int i = 0; M.columns && i < M.columns->n; i++)
        ptrlist_push(p->arena, C, M.columns->items[i]);
    t->columns = C;
    t->constraints = M.constraints;
    apply_table_options(t, &O);
}
cmd ::= CREATE temp_opt(T) TABLE ifnotexists(E) xfullname(N) AS select(S) with_data. {
    CreateTable *t = mk_create_table(p, T, E, N);
    t->as_select = S;
}
/* CREATE TABLE x PARTITION OF parent FOR VALUES ...: the parent's columns */
cmd ::= CREATE temp_opt(T) TABLE ifnotexists(E) xfullname(N) PARTITION ID(K) xfullname(P) partition_bound table_options(O). {
    expect_word(p, K, "of");
    CreateTable *t = mk_create_table(p, T, E, N);
    t->columns = ptrlist_new(p->arena);
    t->partition_of = P;
    apply_table_options(t, &O);
}
partition_bound ::= FOR VALUES IN LP exprlist RP.
partition_bound ::= FOR VALUES FROM LP exprlist RP TO LP exprlist RP.
partition_bound ::= FOR VALUES WITH LP ID INTEGER COMMA ID INTEGER RP.
partition_bound ::= DEFAULT.

/* WITH [NO] DATA after CREATE TABLE AS / MATERIALIZED VIEW; WITH [..] CHECK OPTION after a view */
with_data ::= .
with_data ::= WITH ID.
with_data ::= WITH NO ID.
with_data ::= WITH CHECK ID.
with_data ::= WITH ID CHECK ID.

/* SQLite's options are comma separated, PostgreSQL's clauses follow each other */
%type table_options {TableOpts}
table_options(A) ::= .                                  { memset(&A, 0, sizeof A); }
table_options(A) ::= table_option_list(A).
%type table_option_list {TableOpts}
table_option_list(A) ::= table_option(A).
table_option_list(A) ::= table_option_list(X) COMMA table_option(Y). { A = merge_table_opts(X, Y); }
table_option_list(A) ::= table_option_list(X) table_option(Y).       { A = merge_table_opts(X, Y); }
%type table_option {TableOpts}
table_option(A) ::= WITHOUT nm(X). {
    memset(&A, 0, sizeof A);
    if (str_ieq_n(X.z, (size_t)X.n, "rowid")) { A.flags = 1; A.rowid_tok = X; }
    else if (!str_ieq_n(X.z, (size_t)X.n, "oids")) build_error(p, X, "unknown table option \"WITHOUT %.*s\"", X.n, X.z);
}
table_option(A) ::= nm(X). {
    memset(&A, 0, sizeof A);
    if (str_ieq_n(X.z, (size_t)X.n, "strict")) { A.flags = 2; A.strict_tok = X; }
    else build_error(p, X, "unknown table option \"%.*s\"", X.n, X.z);
}
table_option(A) ::= ID(K) LP fullnamelist(L) RP. { memset(&A, 0, sizeof A); expect_word(p, K, "inherits"); A.inherits = L; }
table_option(A) ::= PARTITION BY ID LP sortlist RP. { memset(&A, 0, sizeof A); A.partitioned = true; }
table_option(A) ::= WITH LP storage_params RP.      { memset(&A, 0, sizeof A); }
table_option(A) ::= USING ID.                       { memset(&A, 0, sizeof A); }
table_option(A) ::= ON ID DROP.                     { memset(&A, 0, sizeof A); }
table_option(A) ::= ON ID DELETE ID.                { memset(&A, 0, sizeof A); }
table_option(A) ::= ON ID ID ID.                    { memset(&A, 0, sizeof A); }

%type columnlist {PtrList *}
columnlist(A) ::= columnlist(A) COMMA columndef(C). { ptrlist_push(p->arena, A, C); }
columnlist(A) ::= columndef(C).                    { A = list1(p, C); }
columnlist(A) ::= columnlist(A) COMMA likeclause(C). { ptrlist_push(p->arena, A, C); }
columnlist(A) ::= likeclause(C).                   { A = list1(p, C); }

/* LIKE other [INCLUDING ... | EXCLUDING ...]: the other table's columns */
%type likeclause {ColumnDef *}
likeclause(A) ::= LIKE_KW(L) xfullname(T) like_options(O). { A = mk_like(p, L, T, O); }
%type like_options {int}
like_options(A) ::= .                                 { A = 0; }
like_options(A) ::= like_options(X) ID(K) like_what(W). {
    if (str_ieq_n(K.z, (size_t)K.n, "including")) A = X | W;
    else { expect_word(p, K, "excluding"); A = X & ~W; }
}
%type like_what {int}
like_what(A) ::= ALL.        { A = LIKE_ALL; }
like_what(A) ::= GENERATED.  { A = LIKE_GENERATED; }
like_what(A) ::= IDENTITY.   { A = LIKE_IDENTITY; }
like_what(A) ::= ID(W).      { A = like_option_bit(W); }

%type columndef {ColumnDef *}
columndef(A) ::= nm(N) typetoken_opt(T) carglist(C). { A = mk_columndef(p, N, T, C); }

%type typetoken_opt {TypeName *}
typetoken_opt(A) ::= .             { A = NULL; }
typetoken_opt(A) ::= typetoken(A).

%type typetoken {TypeName *}
typetoken(A) ::= typename(A).
typetoken(A) ::= typename(A) LP signed RP.
typetoken(A) ::= typename(A) LP signed COMMA signed RP.
/* timestamp(6) without time zone, time(3) with time zone */
typetoken(A) ::= typename(A) LP signed RP WITH(X) ID(Y) ZONE(Z).    { typename_append(p, A, X); typename_append(p, A, Y); typename_append(p, A, Z); }
typetoken(A) ::= typename(A) LP signed RP WITHOUT(X) ID(Y) ZONE(Z). { typename_append(p, A, X); typename_append(p, A, Y); typename_append(p, A, Z); }
typetoken(A) ::= typetoken(A) LBRACKET RBRACKET.            { A->array = true; A->array_dims++; }
typetoken(A) ::= typetoken(A) LBRACKET INTEGER RBRACKET.    { A->array = true; A->array_dims++; }

%type typename {TypeName *}
typename(A) ::= ID(X).                   { A = mk_typename(p, X); }
typename(A) ::= ID(S) DOT ID(X).         { A = mk_qualified_typename(p, S, X); }
typename(A) ::= typename(A) ID(X).       { typename_append(p, A, X); }
/* timestamp with time zone / without time zone */
typename(A) ::= typename(A) WITH(X) ID(Y) ZONE(Z).    { typename_append(p, A, X); typename_append(p, A, Y); typename_append(p, A, Z); }
typename(A) ::= typename(A) WITHOUT(X) ID(Y) ZONE(Z). { typename_append(p, A, X); typename_append(p, A, Y); typename_append(p, A, Z); }

/* A type after `::`: one word, so `x::text AS y` and `x::int + 1` stay unambiguous. */
%type casttype {TypeName *}
casttype(A) ::= ID(X).                        { A = mk_typename(p, X); }
casttype(A) ::= ID(S) DOT ID(X).              { A = mk_qualified_typename(p, S, X); }
casttype(A) ::= ID(X) LP signed RP.           { A = mk_typename(p, X); }
casttype(A) ::= ID(X) LP signed COMMA signed RP. { A = mk_typename(p, X); }
casttype(A) ::= casttype(A) LBRACKET RBRACKET. { A->array = true; A->array_dims++; }

signed ::= INTEGER.
signed ::= PLUS INTEGER.
signed ::= MINUS INTEGER.
/* PostgreSQL passes an extension type's modifiers to it as written:
 * geometry(Point, 4326) (PostGIS) */
signed ::= ID.

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
ccons(A) ::= REFERENCES(K) xfullname(T) idlist_opt(C) refargs(R). {
    R->ref_schema = T->schema;
    R->ref_table = T->name;
    R->ref_columns = C;
    (void)K;
    A = mk_ccons(p, TK_REFERENCES, NULL, R);
}
ccons(A) ::= defer_subclause.                 { A = NULL; }
ccons(A) ::= COLLATE ID.                      { A = NULL; }
ccons(A) ::= GENERATED ALWAYS AS LP expr(E) RP generated_kind. { A = mk_ccons(p, TK_GENERATED, E, NULL); }
ccons(A) ::= AS LP expr(E) RP generated_kind.                  { A = mk_ccons(p, TK_GENERATED, E, NULL); }
ccons(A) ::= GENERATED ALWAYS AS IDENTITY seq_options.     { A = mk_ccons(p, TK_IDENTITY, NULL, NULL); }
ccons(A) ::= GENERATED BY DEFAULT AS IDENTITY seq_options. { A = mk_ccons(p, TK_IDENTITY, NULL, NULL); }

/* (START WITH 1 INCREMENT BY 1 NO MINVALUE CACHE 1 SEQUENCE NAME s.x_seq) */
seq_options ::= .
seq_options ::= LP seq_words RP.
seq_words ::= seq_word.
seq_words ::= seq_words seq_word.
seq_word ::= ID.
seq_word ::= INTEGER.
seq_word ::= MINUS.
seq_word ::= BY.
seq_word ::= NO.
seq_word ::= WITH.
seq_word ::= AS.
seq_word ::= DOT.

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
defaultvalue(A) ::= nm(S) DOT nm(N) LP exprlist(L) RP. { A = mk_func(p, &S, N, L, false, false); }
defaultvalue(A) ::= defaultvalue(X) CAST_OP(O) casttype(T). { A = mk_cast(p, O, X, T); }
/* PostgreSQL's DEFAULT takes a b_expr: operators, CAST, ARRAY[...] and
 * typed literals without parentheses, but no NOT/IS/AND that would swallow
 * the constraints after it (`DEFAULT now() + interval '1 day' NOT NULL`) */
defaultvalue(A) ::= ID(T) STRING(S). { A = mk_cast(p, T, mk_expr(p, EX_STRING, S), mk_typename(p, T)); }
defaultvalue(A) ::= CAST(O) LP expr(X) AS typetoken(T) RP.  { A = mk_cast(p, O, X, T); }
defaultvalue(A) ::= ARRAY(N) LBRACKET exprlist(L) RBRACKET. { A = mk_func(p, NULL, N, L, false, false); }
defaultvalue(A) ::= defaultvalue(X) PLUS|MINUS(O) defaultvalue(Y).     { A = mk_binary(p, O, X, Y); }
defaultvalue(A) ::= defaultvalue(X) STAR|SLASH|REM(O) defaultvalue(Y). { A = mk_binary(p, O, X, Y); }
defaultvalue(A) ::= defaultvalue(X) CONCAT|OP(O) defaultvalue(Y).      { A = mk_binary(p, O, X, Y); }

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
defer_subclause ::= NOT ID(K).   { expect_word(p, K, "valid"); }
init_deferred_opt ::= .
init_deferred_opt ::= INITIALLY DEFERRED.
init_deferred_opt ::= INITIALLY ID.

%type tabletail {TableBody}
tabletail(A) ::= .                    { A.columns = NULL; A.constraints = NULL; A.late_column.n = 0; }
tabletail(A) ::= COMMA constail(B).  { A = B; }
tabletail(A) ::= COMMA mixedtail(B). { A = B; }

/* table constraints with a column after one of them (mixedtail), or not
 * yet (constail); SQLite lets constraints go without commas between them.
 * The commas are spelt out (no empty-or-comma nonterminal) so that after
 * "," a word that may be a name or EXCLUDE is shifted, never left to
 * lemon's fallback */
%type constail {TableBody}
constail(A) ::= tcons(C).                    { A.columns = ptrlist_new(p->arena); A.constraints = ptrlist_new(p->arena); A.late_column.n = 0; if (C) ptrlist_push(p->arena, A.constraints, C); }
constail(A) ::= constail(A) tcons(C).        { if (C) ptrlist_push(p->arena, A.constraints, C); }
constail(A) ::= constail(A) COMMA tcons(C).  { if (C) ptrlist_push(p->arena, A.constraints, C); }
constail(A) ::= mixedtail(A) COMMA tcons(C). { if (C) ptrlist_push(p->arena, A.constraints, C); }
%type mixedtail {TableBody}
mixedtail(A) ::= constail(A) COMMA columndef(C).  { A.late_column = C->name; ptrlist_push(p->arena, A.columns, C); }
mixedtail(A) ::= mixedtail(A) COMMA columndef(C). { ptrlist_push(p->arena, A.columns, C); }
mixedtail(A) ::= mixedtail(A) COMMA likeclause(C). { ptrlist_push(p->arena, A.columns, C); }
mixedtail(A) ::= constail(A) COMMA likeclause(C). { ptrlist_push(p->arena, A.columns, C); }

%type tcons {TableConstraint *}
tcons(A) ::= CONSTRAINT nm.  { A = NULL; }
tcons(A) ::= tcons_core(A).

%type tcons_core {TableConstraint *}
tcons_core(A) ::= PRIMARY(T) KEY LP idlist(C) autoinc RP include_opt onconf defer_opt. { A = mk_tcons(p, CONS_PRIMARY_KEY, T, C); }
tcons_core(A) ::= UNIQUE(T) LP idlist(C) RP include_opt onconf defer_opt.             { A = mk_tcons(p, CONS_UNIQUE, T, C); }
tcons_core(A) ::= CHECK(T) LP expr(E) RP onconf defer_opt.                { A = mk_tcons(p, CONS_CHECK, T, NULL); A->check = E; }
/* EXCLUDE USING gist (room WITH =, during WITH &&) [WHERE (...)] */
tcons_core(A) ::= EXCLUDE(T) index_method LP exclude_list RP include_opt where_opt. { A = mk_tcons(p, CONS_EXCLUDE, T, NULL); }
tcons_core(A) ::= FOREIGN(T) KEY LP idlist(C) RP REFERENCES xfullname(R) idlist_opt(RC) refargs(F) defer_opt. {
    A = mk_tcons(p, CONS_FOREIGN_KEY, T, C);
    F->columns = C;
    F->ref_schema = R->schema;
    F->ref_table = R->name;
    F->ref_columns = RC;
    A->fk = F;
}
defer_opt ::= .
defer_opt ::= defer_subclause.

exclude_list ::= exclude_elem.
exclude_list ::= exclude_list COMMA exclude_elem.
exclude_elem ::= expr WITH exclude_op.
exclude_op ::= EQ.
exclude_op ::= NE.
exclude_op ::= LT.
exclude_op ::= GT.
exclude_op ::= LE.
exclude_op ::= GE.
exclude_op ::= OP.   /* && and the other operators of PostgreSQL's operator classes */

/* INCLUDE (cols) of a covering PRIMARY KEY / UNIQUE / index */
include_opt ::= .
include_opt ::= INCLUDE LP idlist RP.

cmd ::= ALTER TABLE ifexists(E) only_opt xfullname(N) alter_list(L). {
    Stmt *s = mk_stmt(p, STMT_ALTER_TABLE);
    AlterTable *a = arena_alloc(p->arena, sizeof *a);
    a->schema = N->schema;
    a->name = N->name;
    a->if_exists = TOKEN_SET(E);
    a->actions = L;
    s->u.alter = a;
}
cmd ::= ALTER VIEW ifexists(E) xfullname(N) alter_list(L). { mk_alter_view(p, E, N, L); }
cmd ::= ALTER ID(K) VIEW ifexists(E) xfullname(N) alter_list(L). {
    expect_word(p, K, "materialized");
    mk_alter_view(p, E, N, L);
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
alter_action(A) ::= ALTER(T) column_opt nm(C) ADD GENERATED ALWAYS AS IDENTITY seq_options. {
    A = mk_alter_action(p, ALTER_ADD_IDENTITY, T);
    A->old_name = C;
}
alter_action(A) ::= ALTER(T) column_opt nm(C) ADD GENERATED BY DEFAULT AS IDENTITY seq_options. {
    A = mk_alter_action(p, ALTER_ADD_IDENTITY, T);
    A->old_name = C;
}
alter_action(A) ::= ALTER(T) column_opt nm(C) DROP IDENTITY ifexists. { A = mk_alter_action(p, ALTER_DROP_IDENTITY, T); A->old_name = C; }
/* SET STATISTICS n, SET STORAGE x, SET (n_distinct = ...), DROP EXPRESSION */
alter_action(A) ::= ALTER(T) column_opt nm(C) SET ID INTEGER.            { A = mk_alter_action(p, ALTER_NOOP, T); A->old_name = C; }
alter_action(A) ::= ALTER(T) column_opt nm(C) SET ID ID.                 { A = mk_alter_action(p, ALTER_NOOP, T); A->old_name = C; }
alter_action(A) ::= ALTER(T) column_opt nm(C) SET LP storage_params RP.  { A = mk_alter_action(p, ALTER_NOOP, T); A->old_name = C; }
alter_action(A) ::= ALTER(T) column_opt nm(C) DROP ID(K).                { A = mk_alter_action(p, ALTER_NOOP, T); A->old_name = C; expect_word(p, K, "expression"); }
alter_action(A) ::= SET(T) ID(K) nm(S). {
    A = mk_alter_action(p, ALTER_SET_SCHEMA, T);
    A->new_name = S;
    expect_word(p, K, "schema");
}
/* What the catalog does not model: OWNER TO, ENABLE / DISABLE / FORCE ROW LEVEL
 * SECURITY, ENABLE TRIGGER x, REPLICA IDENTITY FULL, SET LOGGED, SET (...),
 * RESET (...), ATTACH / DETACH PARTITION, VALIDATE CONSTRAINT, [NO] INHERIT */
alter_action(A) ::= ID(T) TO nm.                     { A = mk_alter_action(p, ALTER_NOOP, T); expect_word(p, T, "owner"); }
alter_action(A) ::= ID(T) ID ID ID.                  { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= NO(T) ID ID ID ID.               { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) ID nm.                     { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) ID ALL.                    { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) IDENTITY ID.               { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) IDENTITY FULL.             { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) IDENTITY DEFAULT.          { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) IDENTITY USING INDEX nm.   { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) xfullname.                 { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= NO(T) ID xfullname.              { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= SET(T) ID.                       { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= SET(T) WITHOUT ID.               { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= SET(T) LP storage_params RP.     { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) LP storage_params RP.      { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) PARTITION xfullname partition_bound. { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) PARTITION xfullname.       { A = mk_alter_action(p, ALTER_NOOP, T); }
alter_action(A) ::= ID(T) CONSTRAINT nm.             { A = mk_alter_action(p, ALTER_NOOP, T); }
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
/* CREATE TYPE name AS (a int, b text): a composite */
cmd ::= CREATE ID(K) xfullname(N) AS LP columnlist(C) RP. {
    CreateType *t = mk_create_type(p, K, N, "type");
    t->fields = C;
}

cmd ::= ALTER ID(K) xfullname(N) RENAME(T) TO nm(X). { AlterType *a = mk_alter_type(p, K, N, ALTER_TYPE_RENAME, T); a->new_name = X; }
cmd ::= ALTER ID(K) xfullname(N) RENAME(T) ID(V) STRING TO STRING. {
    mk_alter_type(p, K, N, ALTER_TYPE_RENAME_VALUE, T);
    expect_word(p, V, "value");
}
cmd ::= ALTER ID(K) xfullname(N) RENAME(T) ID(V) ID(X) TO nm(Y) drop_behaviour. {
    AlterType *a = mk_alter_type(p, K, N, ALTER_TYPE_RENAME_ATTRIBUTE, T);
    a->old_name = X;
    a->new_name = Y;
    expect_word(p, V, "attribute");
}
cmd ::= ALTER ID(K) xfullname(N) ADD(T) ID(V) ifnotexists STRING enum_position. {
    mk_alter_type(p, K, N, ALTER_TYPE_ADD_VALUE, T);
    expect_word(p, V, "value");
}
cmd ::= ALTER ID(K) xfullname(N) ADD(T) ID(V) ID(X) typetoken(Y) drop_behaviour. {
    AlterType *a = mk_alter_type(p, K, N, ALTER_TYPE_ADD_ATTRIBUTE, T);
    a->attribute = mk_columndef(p, X, Y, ptrlist_new(p->arena));
    expect_word(p, V, "attribute");
}
cmd ::= ALTER ID(K) xfullname(N) DROP(T) ID(V) ifexists(E) nm(X) drop_behaviour. {
    AlterType *a = mk_alter_type(p, K, N, ALTER_TYPE_DROP_ATTRIBUTE, T);
    a->old_name = X;
    a->if_exists = TOKEN_SET(E);
    expect_word(p, V, "attribute");
}
cmd ::= ALTER ID(K) xfullname(N) ALTER(T) ID(V) nm(X) ID(W) typetoken(Y) drop_behaviour. {
    AlterType *a = mk_alter_type(p, K, N, ALTER_TYPE_ALTER_ATTRIBUTE, T);
    a->old_name = X;
    a->type = Y;
    expect_word(p, V, "attribute");
    expect_word(p, W, "type");
}
cmd ::= ALTER ID(K) xfullname(N) ALTER(T) ID(V) nm(X) SET ID(D) ID(W) typetoken(Y) drop_behaviour. {
    AlterType *a = mk_alter_type(p, K, N, ALTER_TYPE_ALTER_ATTRIBUTE, T);
    a->old_name = X;
    a->type = Y;
    expect_word(p, V, "attribute");
    expect_word(p, D, "data");
    expect_word(p, W, "type");
}
cmd ::= ALTER ID(K) xfullname(N) SET(T) ID(W) nm(X). {
    AlterType *a = mk_alter_type(p, K, N, ALTER_TYPE_SET_SCHEMA, T);
    a->new_name = X;
    expect_word(p, W, "schema");
}
cmd ::= ALTER ID(K) xfullname(N) ID(T) TO nm. {
    mk_alter_type(p, K, N, ALTER_TYPE_NOOP, T);
    expect_word(p, T, "owner");
}
enum_position ::= .
enum_position ::= ID STRING.

/* CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE] */
cmd ::= CREATE ID(K) nm(N) extension_options.               { mk_create_extension(p, K, N, false); }
cmd ::= CREATE ID(K) IF NOT EXISTS nm(N) extension_options. { mk_create_extension(p, K, N, true); }
extension_options ::= .
extension_options ::= extension_options WITH.
extension_options ::= extension_options ID nm.
extension_options ::= extension_options CASCADE.

column_opt ::= .
column_opt ::= COLUMN.
drop_behaviour ::= .
drop_behaviour ::= CASCADE.
drop_behaviour ::= RESTRICT.

cmd ::= CREATE uniqueflag(U) INDEX index_name(N) ON only_opt xfullname(T) index_method LP index_columns(C) RP include_opt index_with where_opt(W). {
    Stmt *s = mk_stmt(p, STMT_CREATE_INDEX);
    CreateIndex *ix = arena_alloc(p->arena, sizeof *ix);
    ix->name = N.name;
    ix->schema = T->schema;
    ix->table = T->name;
    ix->unique = U;
    ix->if_not_exists = N.if_not_exists;
    ix->columns = C;
    ix->where = W;
    s->u.create_index = ix;
}
%type uniqueflag {bool}
uniqueflag(A) ::= UNIQUE. { A = true; }
uniqueflag(A) ::= .       { A = false; }
index_method ::= .
index_method ::= USING ID.
/* CREATE INDEX ON t (...) has no name; the driver drops CONCURRENTLY */
%type index_name {IndexName}
index_name(A) ::= .                    { A.name.n = 0; A.if_not_exists = false; }
index_name(A) ::= nm(N).               { A.name = N; A.if_not_exists = false; }
index_name(A) ::= IF NOT EXISTS nm(N). { A.name = N; A.if_not_exists = true; }
index_with ::= .
index_with ::= WITH LP storage_params RP.
/* an index column: expression, operator class (text_pattern_ops), order */
%type index_columns {PtrList *}
index_columns(A) ::= index_column(X).                        { A = list1(p, X); }
index_columns(A) ::= index_columns(A) COMMA index_column(X).  { ptrlist_push(p->arena, A, X); }
%type index_column {ResultCol *}
index_column(A) ::= expr(E) opclass_opt sortorder nulls. { A = mk_resultcol(p, E); }
opclass_opt ::= .
opclass_opt ::= opclass_name.
/* PostgreSQL 13+: an operator class's parameters, gist_trgm_ops(siglen = 32) */
opclass_opt ::= opclass_name LP opclass_params RP.
opclass_name ::= ID.
opclass_name ::= ID DOT ID.
opclass_params ::= opclass_param.
opclass_params ::= opclass_params COMMA opclass_param.
opclass_param ::= nm EQ expr.

cmd ::= CREATE temp_opt(T) VIEW ifnotexists(E) xfullname(N) idlist_opt(C) view_options AS select(S) with_data. {
    mk_create_view(p, T, E, N, C, S, false);
}
cmd ::= CREATE OR REPLACE temp_opt(T) VIEW ifnotexists(E) xfullname(N) idlist_opt(C) view_options AS select(S) with_data. {
    mk_create_view(p, T, E, N, C, S, true);
}
view_options ::= .
view_options ::= WITH LP storage_params RP.
view_options ::= USING ID.

/* REFRESH MATERIALIZED VIEW [CONCURRENTLY] x [WITH [NO] DATA], a query */
cmd ::= ID(K) ID(M) VIEW xfullname(N) with_data. {
    expect_word(p, K, "refresh");
    expect_word(p, M, "materialized");
    Stmt *s = mk_stmt(p, STMT_REFRESH);
    s->u.target = N;
}
/* CALL proc(args), a query */
cmd ::= ID(K) xfullname(N) LP exprlist(L) RP. {
    expect_word(p, K, "call");
    Stmt *s = mk_stmt(p, STMT_CALL);
    N->func_args = L;
    s->u.target = N;
}

cmd ::= DROP droptarget(W) ifexists(E) dropnamelist(L) drop_behaviour. {
    Stmt *s = mk_stmt(p, STMT_DROP);
    Drop *d = arena_alloc(p->arena, sizeof *d);
    d->what = W.what;
    d->keyword = W.keyword;
    d->names = L;
    d->schema = ((DropName *)L->items[0])->schema;
    d->name = ((DropName *)L->items[0])->name;
    d->if_exists = TOKEN_SET(E);
    s->u.drop = d;
}
%type droptarget {DropTarget}
droptarget(A) ::= TABLE(K).   { A.what = DROP_TABLE; A.keyword = K; }
droptarget(A) ::= INDEX(K).   { A.what = DROP_INDEX; A.keyword = K; }
droptarget(A) ::= VIEW(K).    { A.what = DROP_VIEW; A.keyword = K; }
droptarget(A) ::= ID(K) VIEW. { A.what = DROP_MATVIEW; A.keyword = K; expect_word(p, K, "materialized"); }
droptarget(A) ::= ID(K).      { A = drop_target_word(p, K); }
%type dropnamelist {PtrList *}
dropnamelist(A) ::= dropname(X).                     { A = list1(p, X); }
dropnamelist(A) ::= dropnamelist(A) COMMA dropname(X). { ptrlist_push(p->arena, A, X); }
%type dropname {DropName *}
dropname(A) ::= xfullname(N).                       { A = mk_dropname(p, N, -1); }
dropname(A) ::= xfullname(N) LP RP.                 { A = mk_dropname(p, N, 0); }
dropname(A) ::= xfullname(N) LP droptypes(T) RP.    { A = mk_dropname(p, N, T); }
/* DROP FUNCTION f(int, OUT x text): the count of input arguments */
%type droptypes {int}
droptypes(A) ::= droptype(A).
droptypes(A) ::= droptypes(X) COMMA droptype(Y).  { A = X + Y; }
%type droptype {int}
droptype(A) ::= typetoken(T).      { A = strncmp(T->text, "out ", 4) != 0; }
droptype(A) ::= IN typetoken.      { A = 1; }

/* ----------------------------------------------------------------- SELECT */
%type select {Select *}
/* Two rules rather than an optional WITH: a select may start with `(`,
 * and an empty WITH would have to be reduced before it where `(` could
 * also start an expression. */
select(A) ::= compound(C) orderby_opt(O) select_tail(L). {
    A = C;
    A->order_by = O;
    A->limit = L.limit;
    A->offset = L.offset;
}
select(A) ::= wclause(W) compound(C) orderby_opt(O) select_tail(L). {
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
locking ::= lock_list.
lock_list ::= FOR lock_strength lock_words.
lock_list ::= lock_list FOR lock_strength lock_words.
/* LIMIT and the row locks come in either order, as PostgreSQL's grammar
 * has them (`FOR UPDATE SKIP LOCKED LIMIT 1` is common in job queues) */
%type select_tail {LimitClause}
select_tail(A) ::= .                            { A.limit = NULL; A.offset = NULL; }
select_tail(A) ::= limit_clause(L) locking.     { A = L; }
select_tail(A) ::= lock_list.                   { A.limit = NULL; A.offset = NULL; }
select_tail(A) ::= lock_list limit_clause(L).   { A = L; }
lock_strength ::= UPDATE.
lock_strength ::= NO KEY UPDATE.
lock_strength ::= ID.
lock_strength ::= KEY ID.
lock_words ::= .
lock_words ::= lock_words ID.
lock_words ::= lock_words COMMA ID.

%type with {With *}
with(A) ::= .                        { A = NULL; }
with(A) ::= wclause(A).
%type wclause {With *}
wclause(A) ::= WITH wqlist(L).          { A = arena_alloc(p->arena, sizeof *A); A->ctes = L; }
wclause(A) ::= WITH RECURSIVE wqlist(L). { A = arena_alloc(p->arena, sizeof *A); A->ctes = L; A->recursive = true; }

%type wqlist {PtrList *}
wqlist(A) ::= wqitem(X).                  { A = list1(p, X); }
wqlist(A) ::= wqlist(A) COMMA wqitem(X).  { ptrlist_push(p->arena, A, X); }
%type wqitem {Cte *}
wqitem(A) ::= nm(N) idlist_opt(C) AS materialized LP select(S) RP. {
    A = arena_alloc(p->arena, sizeof *A);
    A->name = N;
    A->columns = C;
    A->select = S;
}
/* WITH moved AS (DELETE ... RETURNING *): a data-modifying CTE */
wqitem(A) ::= nm(N) idlist_opt(C) AS materialized LP dml(S) RP. {
    A = arena_alloc(p->arena, sizeof *A);
    A->name = N;
    A->columns = C;
    A->dml = S;
}
materialized ::= .
materialized ::= ID(M).      { expect_word(p, M, "materialized"); }
materialized ::= NOT ID(M).  { expect_word(p, M, "materialized"); }

%type compound {Select *}
compound(A) ::= oneselect(A).
compound(A) ::= compound(X) compound_op(O) oneselect(Y). { A = Y; A->prior = X; A->compound_op = O; }
/* (SELECT ... LIMIT 5) UNION ALL (SELECT ...): PostgreSQL's parenthesised arms */
compound(A) ::= compound(X) compound_op(O) LP select(Y) RP. { A = mk_paren_select(p, Y); A->prior = X; A->compound_op = O; }
compound(A) ::= LP select(X) RP compound_op(O) oneselect(Y). { A = Y; A->prior = mk_paren_select(p, X); A->compound_op = O; }
compound(A) ::= LP select(X) RP compound_op(O) LP select(Y) RP. {
    A = mk_paren_select(p, Y);
    A->prior = mk_paren_select(p, X);
    A->compound_op = O;
}
%type compound_op {int}
compound_op(A) ::= UNION.           { A = TK_UNION; }
compound_op(A) ::= UNION ALL.       { A = TK_ALL; }
compound_op(A) ::= UNION DISTINCT.  { A = TK_UNION; }
compound_op(A) ::= INTERSECT.       { A = TK_INTERSECT; }
compound_op(A) ::= EXCEPT.          { A = TK_EXCEPT; }

%type oneselect {Select *}
oneselect(A) ::= SELECT(T) distinct(D) selcollist(R) from(F) where_opt(W) groupby_opt(G) having_opt(H) window_clause(WC). {
    A = arena_alloc(p->arena, sizeof *A);
    A->tok = T;
    A->distinct = D;
    A->result = R;
    A->from = F;
    A->where = W;
    A->group_by = G;
    A->having = H;
    A->window_exprs = WC;
    A->distinct_on = p->distinct_on;
    p->distinct_on = NULL;
}
/* SELECT FROM t WHERE ...: PostgreSQL's empty select list (EXISTS (SELECT FROM ...)) */
oneselect(A) ::= SELECT(T) distinct(D) FROM(K) seltablist(F) where_opt(W) groupby_opt(G) having_opt(H) window_clause(WC). {
    if (p->dialect == DIALECT_SQLITE)
        build_error(p, K, "syntax error near \"%.*s\"", K.n, K.z);
    A = arena_alloc(p->arena, sizeof *A);
    A->tok = T;
    A->distinct = D;
    A->result = ptrlist_new(p->arena);
    A->from = F;
    A->where = W;
    A->group_by = G;
    A->having = H;
    A->window_exprs = WC;
    A->distinct_on = p->distinct_on;
    p->distinct_on = NULL;
}
oneselect(A) ::= VALUES(T) rowlist(R). {
    A = arena_alloc(p->arena, sizeof *A);
    A->tok = T;
    A->values = R;
}

%type window_clause {PtrList *}
window_clause(A) ::= .                          { A = NULL; }
window_clause(A) ::= WINDOW windefn_list(Z9).   { A = Z9; }
%type windefn_list {PtrList *}
windefn_list(A) ::= windefn(A).
windefn_list(A) ::= windefn_list(A) COMMA windefn(X). { for (int i = 0; i < X->n; i++) ptrlist_push(p->arena, A, X->items[i]); }
%type windefn {PtrList *}
windefn(A) ::= nm AS LP window(Z9) RP. { A = Z9; }

%type rowlist {PtrList *}
rowlist(A) ::= LP rowvals(X) RP.               { A = list1(p, X); }
rowlist(A) ::= rowlist(A) COMMA LP rowvals(X) RP. { ptrlist_push(p->arena, A, X); }
/* a VALUES row's items: expressions, or DEFAULT (the column's default) */
%type rowvals {PtrList *}
rowvals(A) ::= rowval(Y).                    { A = list1(p, Y); }
rowvals(A) ::= rowvals(A) COMMA rowval(Y).   { ptrlist_push(p->arena, A, Y); }
%type rowval {Expr *}
rowval(A) ::= expr(A).
rowval(A) ::= DEFAULT(T).                    { A = mk_expr(p, EX_DEFAULT, T); }

%type distinct {bool}
distinct(A) ::= DISTINCT. { A = true; }
distinct(A) ::= DISTINCT ON LP nexprlist(L) RP. { A = true; p->distinct_on = L; }
distinct(A) ::= ALL.      { A = false; }
distinct(A) ::= .         { A = false; }

%type selcollist {PtrList *}
selcollist(A) ::= selcol(X).                     { A = list1(p, X); }
selcollist(A) ::= selcollist(A) COMMA selcol(X). { ptrlist_push(p->arena, A, X); }

%type selcol {ResultCol *}
selcol(A) ::= expr(E) as(N). {
    if (E->kind == EX_COLUMN && E->tok.type == TK_STAR) { /* t.* expands, an alias ignored as PostgreSQL ignores it */
        A = mk_resultcol(p, NULL);
        A->star = true;
        A->star_table = E->table;
    } else {
        A = mk_resultcol(p, E);
        A->alias = N;
    }
}
selcol(A) ::= STAR(T).           { A = mk_resultcol(p, NULL); A->star = true; A->star_table.pos = T.pos; }

as(A) ::= AS nm(Z9). { A = Z9; }
/* PostgreSQL takes any keyword as a column label after AS (ColLabel:
 * SELECT EXISTS(...) AS exists); SQLite only its fallback words. */
as(A) ::= AS kwlabel(Z9). {
    if (p->dialect == DIALECT_SQLITE)
        build_error(p, Z9, "syntax error near \"%.*s\": SQLite takes a keyword as a column label only quoted (AS \"%.*s\")",
                    Z9.n, Z9.z, Z9.n, Z9.z);
    A = Z9;
    A.type = TK_ID;
}
as(A) ::= ID(A).
as(A) ::= .       { A.n = 0; }

kwlabel(A) ::= ADD|ALL|ALTER|AND|AS|BETWEEN|CASE|CAST|CHECK|COLLATE|CONSTRAINT(A).
kwlabel(A) ::= CREATE|CROSS|CTIME_KW|DEFAULT|DEFERRABLE|DELETE|DISTINCT|DROP|ELSE(A).
kwlabel(A) ::= ESCAPE|EXCEPT|EXISTS|FALSE|FETCH|FOR|FOREIGN|FROM|FULL|GENERATED(A).
kwlabel(A) ::= GROUP|HAVING|IN|INDEX|INDEXED|INNER|INSERT|INTERSECT|INTO|IS(A).
kwlabel(A) ::= ISNULL|JOIN|LEFT|LIKE_KW|LIMIT|NATURAL|NOT|NOTNULL|NULL|ON|ONLY(A).
kwlabel(A) ::= OR|ORDER|OUTER|PRIMARY|REFERENCES|RETURNING|RIGHT|SELECT|SET(A).
kwlabel(A) ::= TABLE|THEN|TO|TRUE|UNION|UNIQUE|UPDATE|USING|VALUES|VIEW|WHEN(A).
kwlabel(A) ::= WHERE|WINDOW|WITH(A).

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
seltab(A) ::= xfullname(A) tabalias(N) indexed_opt. { A->alias = N.name; A->col_defs = N.cols; }
seltab(A) ::= LP select(S) RP tabalias(N).       { A = mk_srcitem(p); A->subquery = S; A->alias = N.name; A->col_defs = N.cols; A->name.pos = N.name.pos; }
/* unnest(...), generate_series(...), json_each(...) [WITH ORDINALITY] [AS t(a, b)] */
seltab(A) ::= xfullname(F) LP exprlist(L) RP ordinality_opt(O) tabalias(N). {
    A = F;
    A->func = mk_func(p, TOKEN_SET(F->schema) ? &F->schema : NULL, F->name, L, false, false);
    A->ordinality = O;
    A->alias = N.name;
    A->col_defs = N.cols;
}
seltab(A) ::= LATERAL seltab(X).                 { A = X; A->lateral = true; }

%type ordinality_opt {bool}
ordinality_opt(A) ::= .             { A = false; }
ordinality_opt(A) ::= WITH_ORDINALITY. { A = true; }

%type tabalias {TabAlias}
tabalias(A) ::= alias(N).                              { A.name = N; A.cols = NULL; }
tabalias(A) ::= AS nm(N) LP columnlist(C) RP.          { A.name = N; A.cols = C; }
tabalias(A) ::= ID(N) LP columnlist(C) RP.             { A.name = N; A.cols = C; }
tabalias(A) ::= AS(N) LP columnlist(C) RP.             { A.name = N; A.name.n = 0; A.cols = C; }

/* SQLite: FROM t INDEXED BY ix / NOT INDEXED, a planner hint */
indexed_opt ::= .
indexed_opt ::= INDEXED BY nm.
indexed_opt ::= NOT INDEXED.

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
groupby_opt(A) ::= GROUP BY group_list(Z9). { A = Z9; }
%type group_list {PtrList *}
group_list(A) ::= expr(X).                          { A = list1(p, X); }
group_list(A) ::= group_list(A) COMMA expr(X).      { ptrlist_push(p->arena, A, X); }
/* GROUPING SETS ((a), ()) reads as a call grouping(...), like ROLLUP (a) and CUBE (a) */
group_list(A) ::= grouping_sets(X).                 { A = list1(p, X); }
group_list(A) ::= group_list(A) COMMA grouping_sets(X). { ptrlist_push(p->arena, A, X); }
%type grouping_sets {Expr *}
grouping_sets(A) ::= GROUPING(G) ID(S) LP grouping_elems(L) RP. { expect_word(p, S, "sets"); A = mk_func(p, NULL, G, L, false, false); }
%type grouping_elems {PtrList *}
grouping_elems(A) ::= grouping_elem(X).                          { A = list1(p, X); }
grouping_elems(A) ::= grouping_elems(A) COMMA grouping_elem(X).  { ptrlist_push(p->arena, A, X); }
%type grouping_elem {Expr *}
grouping_elem(A) ::= expr(A).
grouping_elem(A) ::= LP(T) RP.   { A = mk_expr(p, EX_ROW, T); A->list = ptrlist_new(p->arena); }

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

%type limit_clause {LimitClause}
limit_clause(A) ::= LIMIT expr(X).              { A.limit = X; A.offset = NULL; }
limit_clause(A) ::= LIMIT expr(X) OFFSET expr(Y). { A.limit = X; A.offset = Y; }
limit_clause(A) ::= LIMIT expr(Y) COMMA expr(X).  { A.limit = X; A.offset = Y; }
limit_clause(A) ::= OFFSET expr(Y).             { A.limit = NULL; A.offset = Y; }
limit_clause(A) ::= OFFSET expr(Y) LIMIT expr(X). { A.limit = X; A.offset = Y; }
limit_clause(A) ::= LIMIT ALL.                    { A.limit = NULL; A.offset = NULL; }
limit_clause(A) ::= LIMIT ALL OFFSET expr(Y).     { A.limit = NULL; A.offset = Y; }
/* OFFSET n ROWS, FETCH FIRST n ROWS ONLY: the SQL standard's spelling */
limit_clause(A) ::= OFFSET expr(Y) ID(R).         { A.limit = NULL; A.offset = Y; expect_rows(p, R); }
limit_clause(A) ::= fetch_first(X).               { A.limit = X; A.offset = NULL; }
limit_clause(A) ::= OFFSET expr(Y) ID(R) fetch_first(X). { A.limit = X; A.offset = Y; expect_rows(p, R); }
limit_clause(A) ::= fetch_first(X) OFFSET expr(Y) ID(R). { A.limit = X; A.offset = Y; expect_rows(p, R); }
%type fetch_first {Expr *}
fetch_first(A) ::= FETCH first_next expr(Z9) ID(R) ONLY. { A = Z9; expect_rows(p, R); }
fetch_first(A) ::= FETCH first_next ID(R) ONLY.          { A = NULL; expect_rows(p, R); }
fetch_first(A) ::= FETCH first_next expr(Z9) ID(R) WITH ID(T). { A = Z9; expect_rows(p, R); expect_word(p, T, "ties"); }
first_next ::= FIRST.
first_next ::= ID(N).  { expect_word(p, N, "next"); }

/* ----------------------------------------------------------------- INSERT */
/* INSERT, UPDATE and DELETE are statements and the bodies of data-modifying CTEs. */
%type dml {Stmt *}
cmd ::= dml.
dml(A) ::= insert_head(W) INTO xfullname(T) insert_alias(AL) insert_cols(C) select(S) upsert(U) returning(R). {
    A = mk_insert(p, W, T, AL, C, S, U, R);
}
/* without a column list, so `INSERT INTO t (SELECT ...) UNION (...)` needs no lookahead past `(` */
dml(A) ::= insert_head(W) INTO xfullname(T) insert_alias(AL) select(S) upsert(U) returning(R). {
    A = mk_insert(p, W, T, AL, NULL, S, U, R);
}
%type insert_cols {PtrList *}
insert_cols(A) ::= LP idlist(Z9) RP.             { A = Z9; }
insert_cols(A) ::= LP idlist(Z9) RP overriding.  { A = Z9; }
insert_cols(A) ::= overriding.                   { A = NULL; }
/* OVERRIDING SYSTEM VALUE / OVERRIDING USER VALUE (identity columns) */
overriding ::= ID(O) ID(S) ID(V). {
    expect_word(p, O, "overriding");
    if (!str_ieq_n(S.z, (size_t)S.n, "user"))
        expect_word(p, S, "system");
    expect_word(p, V, "value");
}
dml(A) ::= insert_head(W) INTO xfullname(T) insert_alias(AL) idlist_opt(C) DEFAULT VALUES returning(R). {
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
    A = s;
}
/* The WITH clause is part of the head, not an empty `with` first: at a
 * statement's start REPLACE must be shifted as itself, and an empty `with`
 * reduction would leave it to the fallback (ID, which CALL and REFRESH
 * begin with). */
%type insert_head {With *}
insert_head(A) ::= insert_kw.             { A = NULL; }
insert_head(A) ::= wclause(A) insert_kw.
insert_kw ::= INSERT.
insert_kw ::= REPLACE.
insert_kw ::= INSERT OR resolvetype.

insert_alias(A) ::= .          { A.n = 0; }
insert_alias(A) ::= AS nm(Z9). { A = Z9; }

%type upsert {Upsert *}
upsert(A) ::= .  { A = NULL; }
upsert(A) ::= ON CONFLICT conflict_target(T) DO NOTHING. {
    A = T;
    A->do_nothing = true;
}
upsert(A) ::= ON CONFLICT conflict_target(T) DO UPDATE SET setlist(S) where_opt(W). {
    A = T;
    A->set = S;
    A->where = W;
}
/* the arbiter: columns or index expressions (ON CONFLICT (lower(email))),
 * with a partial index's WHERE; the Upsert is built here */
%type conflict_target {Upsert *}
conflict_target(A) ::= . { A = arena_alloc(p->arena, sizeof *A); }
conflict_target(A) ::= LP index_columns(Z9) RP where_opt(W). {
    A = arena_alloc(p->arena, sizeof *A);
    A->target = Z9;
    A->target_where = W;
}
conflict_target(A) ::= ON CONSTRAINT nm. { A = arena_alloc(p->arena, sizeof *A); }

%type returning {PtrList *}
returning(A) ::= .                        { A = NULL; }
returning(A) ::= RETURNING selcollist(Z9). { A = Z9; }

%type setlist {PtrList *}
setlist(A) ::= setitem(X).                 { A = list1(p, X); }
setlist(A) ::= setlist(A) COMMA setitem(X). { ptrlist_push(p->arena, A, X); }
%type setitem {ResultCol *}
setitem(A) ::= nm(N) EQ expr(E).  { A = mk_resultcol(p, E); A->alias = N; }
setitem(A) ::= nm(N) EQ DEFAULT(T). { A = mk_resultcol(p, mk_expr(p, EX_DEFAULT, T)); A->alias = N; }
/* SET (a, b) = ($1, $2) and SET (a, b) = (SELECT x, y FROM ...) */
setitem(A) ::= LP idlist(L) RP EQ expr(E). { A = mk_resultcol(p, E); A->alias = *(Token *)L->items[0]; A->columns = L; }

/* ----------------------------------------------------------------- UPDATE */
dml(A) ::= with(W) UPDATE orconf xfullname(T) alias(AL) SET setlist(S) from(F) where_opt(WH) returning(R). {
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
    A = s;
}
orconf ::= .
orconf ::= OR resolvetype.

/* ----------------------------------------------------------------- DELETE */
dml(A) ::= with(W) DELETE FROM xfullname(T) alias(AL) using_opt(US) where_opt(WH) returning(R). {
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
    A = s;
}

/* --------------------------------------------------------------- TRUNCATE */
cmd ::= TRUNCATE table_kw_opt truncate_list(L) truncate_options. {
    Stmt *s = mk_stmt(p, STMT_TRUNCATE);
    Truncate *t = arena_alloc(p->arena, sizeof *t);
    t->tables = L;
    s->u.truncate = t;
}
table_kw_opt ::= .
table_kw_opt ::= TABLE.
%type truncate_list {PtrList *}
truncate_list(A) ::= only_opt xfullname(X).                         { A = list1(p, X); }
truncate_list(A) ::= truncate_list(A) COMMA only_opt xfullname(X).  { ptrlist_push(p->arena, A, X); }
truncate_options ::= .
truncate_options ::= truncate_options ID(W) IDENTITY. {
    if (!str_ieq_n(W.z, (size_t)W.n, "continue"))
        expect_word(p, W, "restart");
}
truncate_options ::= truncate_options CASCADE.
truncate_options ::= truncate_options RESTRICT.
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
/* t.*: in a select list the table's columns, elsewhere (json_agg(t.*)) its whole row */
expr(A) ::= nm(X) DOT STAR(Y).         { A = mk_column(p, &X, Y); }
/* s.t.c, s.t.*: a column of schema s's table t (PostgreSQL) */
expr(A) ::= nm(S) DOT nm(X) DOT nm(Y).   { A = mk_column(p, &X, Y); A->schema = S; }
expr(A) ::= nm(S) DOT nm(X) DOT STAR(Y). { A = mk_column(p, &X, Y); A->schema = S; }
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

expr(A) ::= ID(N) LP exprlist(L) RP filter_over(T).          { A = mk_call(p, N, L, false, NULL, T); }
expr(A) ::= ID(N) LP DISTINCT nexprlist(L) RP filter_over(T). { A = mk_call(p, N, L, true, NULL, T); }
expr(A) ::= ID(N) LP ALL nexprlist(L) RP filter_over(T).      { A = mk_call(p, N, L, false, NULL, T); }
expr(A) ::= ID(N) LP STAR RP filter_over(T).                 { A = mk_call(p, N, NULL, false, NULL, T); A->star = true; }
/* left(s, n), right(s, n): functions named by join keywords (PostgreSQL) */
expr(A) ::= LEFT|RIGHT(N) LP exprlist(L) RP.                 { A = mk_func(p, NULL, N, L, false, false); }
expr(A) ::= nm(S) DOT nm(N) LP exprlist(L) RP.               { A = mk_func(p, &S, N, L, false, false); }
/* string_agg(x, ',' ORDER BY x), array_agg(DISTINCT x ORDER BY x) */
expr(A) ::= ID(N) LP nexprlist(L) ORDER BY sortlist(O) RP filter_over(T).          { A = mk_call(p, N, L, false, O, T); }
expr(A) ::= ID(N) LP DISTINCT nexprlist(L) ORDER BY sortlist(O) RP filter_over(T). { A = mk_call(p, N, L, true, O, T); }
/* x = ANY(SELECT ...) */
expr(A) ::= ID(N) LP(T) select(S) RP. {
    Expr *sub = mk_expr(p, EX_SUBQUERY, T);
    sub->select = S;
    A = mk_func(p, NULL, N, list1(p, sub), false, false);
}
/* make_interval(days => 1), f(a := 1) */
expr(A) ::= ID(N) NAMEARG expr(X).  { A = mk_expr(p, EX_NAMEDARG, N); A->lhs = X; }

%type filter_over {FuncTail}
filter_over(A) ::= within_opt(W) filter_opt(F) over_opt(O). { A.within = W; A.filter = F; A.over = O; }
%type within_opt {PtrList *}
within_opt(A) ::= .                                          { A = NULL; }
within_opt(A) ::= WITHIN GROUP LP ORDER BY sortlist(Z9) RP.  { A = Z9; }
%type filter_opt {Expr *}
filter_opt(A) ::= .                          { A = NULL; }
filter_opt(A) ::= FILTER LP WHERE expr(Z9) RP. { A = Z9; }
%type over_opt {PtrList *}
over_opt(A) ::= .                   { A = NULL; }
over_opt(A) ::= OVER LP window(Z9) RP. { A = Z9; }
over_opt(A) ::= OVER nm.            { A = ptrlist_new(p->arena); }
/* A window's expressions, for analysis: PARTITION BY, ORDER BY and frame offsets. */
%type window {PtrList *}
window(A) ::= partition_opt(P) orderby_opt(O) frame_opt(F). {
    A = ptrlist_new(p->arena);
    for (int i = 0; i < PTRLIST_LEN(P); i++) ptrlist_push(p->arena, A, P->items[i]);
    for (int i = 0; i < PTRLIST_LEN(O); i++) ptrlist_push(p->arena, A, ((ResultCol *)O->items[i])->expr);
    for (int i = 0; i < PTRLIST_LEN(F); i++) ptrlist_push(p->arena, A, F->items[i]);
}
%type partition_opt {PtrList *}
partition_opt(A) ::= .                          { A = NULL; }
partition_opt(A) ::= PARTITION BY nexprlist(Z9). { A = Z9; }
%type frame_opt {PtrList *}
frame_opt(A) ::= .                                           { A = NULL; }
frame_opt(A) ::= ID frame_bound(X).                          { A = ptrlist_new(p->arena); if (X) ptrlist_push(p->arena, A, X); }  /* ROWS / RANGE / GROUPS */
frame_opt(A) ::= ID BETWEEN frame_bound(X) AND frame_bound(Y). {
    A = ptrlist_new(p->arena);
    if (X) ptrlist_push(p->arena, A, X);
    if (Y) ptrlist_push(p->arena, A, Y);
}
/* UNBOUNDED PRECEDING and CURRENT ROW are words, not columns; n PRECEDING,
 * INTERVAL '1 day' PRECEDING carry an expression */
%type frame_bound {Expr *}
frame_bound(A) ::= expr(X) ID. { A = X->kind == EX_COLUMN && !TOKEN_SET(X->table) ? NULL : X; }

expr(A) ::= expr(X) AND(O) expr(Y).    { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) OR(O) expr(Y).     { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) LT|GT|GE|LE(O) expr(Y). { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) EQ|NE(O) expr(Y).  { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) BITAND|BITOR|LSHIFT|RSHIFT(O) expr(Y). { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) PLUS|MINUS(O) expr(Y).       { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) STAR|SLASH|REM(O) expr(Y).   { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) CONCAT(O) expr(Y).           { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) PTR(O) expr(Y).              { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) OP(O) expr(Y).               { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) OVERLAPS(O) expr(Y).         { A = mk_binary(p, O, X, Y); }
expr(A) ::= expr(X) AT(O) ID(T) ZONE expr(Y).    { expect_word(p, T, "time"); A = mk_binary(p, O, X, Y); }
/* x <> ALL(arr), x = ANY(arr), x @> ANY(...): ALL is reserved, so it is
 * only read as a quantifier right after an operator */
expr(A) ::= expr(X) EQ|NE(O) ALL(Q) LP expr(Y) RP. [EQ]          { A = mk_quantified(p, O, X, Q, Y); }
expr(A) ::= expr(X) LT|GT|GE|LE(O) ALL(Q) LP expr(Y) RP. [GT]    { A = mk_quantified(p, O, X, Q, Y); }
expr(A) ::= expr(X) OP(O) ALL(Q) LP expr(Y) RP. [OP]             { A = mk_quantified(p, O, X, Q, Y); }
expr(A) ::= expr(X) EQ|NE(O) ALL(Q) LP(T) select(S) RP. [EQ] {
    Expr *sub = mk_expr(p, EX_SUBQUERY, T);
    sub->select = S;
    A = mk_quantified(p, O, X, Q, sub);
}
expr(A) ::= expr(X) LT|GT|GE|LE(O) ALL(Q) LP(T) select(S) RP. [GT] {
    Expr *sub = mk_expr(p, EX_SUBQUERY, T);
    sub->select = S;
    A = mk_quantified(p, O, X, Q, sub);
}
/* ARRAY[a, b] and ARRAY(SELECT ...): calls array(...), of a type keel does not map */
expr(A) ::= ARRAY(N) LBRACKET exprlist(L) RBRACKET. { A = mk_func(p, NULL, N, L, false, false); }
expr(A) ::= ARRAY(N) LP(T) select(S) RP. {
    Expr *sub = mk_expr(p, EX_SUBQUERY, T);
    sub->select = S;
    A = mk_func(p, NULL, N, list1(p, sub), false, false);
}
/* a[1], a[lo:hi] (PostgreSQL arrays) */
expr(A) ::= expr(X) LBRACKET(T) expr(Y) RBRACKET.                 { A = mk_expr(p, EX_SUBSCRIPT, T); A->lhs = X; A->rhs = Y; }
expr(A) ::= expr(X) LBRACKET(T) expr(Y) COLON expr(Z) RBRACKET.   { A = mk_expr(p, EX_SUBSCRIPT, T); A->lhs = X; A->rhs = Y; A->extra = Z; A->slice = true; }
expr(A) ::= expr(X) LBRACKET(T) COLON expr(Z) RBRACKET.           { A = mk_expr(p, EX_SUBSCRIPT, T); A->lhs = X; A->extra = Z; A->slice = true; }
expr(A) ::= expr(X) LBRACKET(T) expr(Y) COLON RBRACKET.           { A = mk_expr(p, EX_SUBSCRIPT, T); A->lhs = X; A->rhs = Y; A->slice = true; }

%type likeop {Token}
likeop(A) ::= LIKE_KW(A).
likeop(A) ::= NOT LIKE_KW(X).  { A = X; A.type = -X.type; }
likeop(A) ::= MATCH(A).
likeop(A) ::= NOT MATCH(X).    { A = X; A.type = -X.type; }
likeop(A) ::= SIMILAR(A) TO.
likeop(A) ::= NOT SIMILAR(X) TO. { A = X; A.type = -X.type; }
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
between_op(A) ::= BETWEEN SYMMETRIC.      { A = false; }
between_op(A) ::= NOT BETWEEN SYMMETRIC.  { A = true; }
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
/* sqlc accepts `x IN sqlc.slice(ids)` without parentheses (and writes
 * them); no other placeholder stands for a list */
expr(A) ::= expr(X) in_op(N) VARIABLE(V). [IN] {
    if (!(V.n > 10 && str_ieq_n(V.z, 10, "sqlc.slice")))
        build_error(p, V, "IN takes a parenthesised list: write IN (%.*s)", V.n, V.z);
    A = mk_expr(p, EX_IN_LIST, X->tok);
    A->lhs = X;
    A->list = list1(p, mk_expr(p, EX_PARAM, V));
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

