#include "parse_build.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "parse.h"

Stmt *mk_stmt(Parse *p, StmtKind kind)
{
    Stmt *s = arena_alloc(p->arena, sizeof *s);
    s->kind = kind;
    p->stmt = s;
    return s;
}

Token *mk_token(Parse *p, Token t)
{
    Token *c = arena_alloc(p->arena, sizeof *c);
    *c = t;
    return c;
}

PtrList *list1(Parse *p, void *item)
{
    PtrList *l = ptrlist_new(p->arena);
    ptrlist_push(p->arena, l, item);
    return l;
}

Expr *mk_expr(Parse *p, ExprKind kind, Token t)
{
    Expr *e = arena_alloc(p->arena, sizeof *e);
    e->kind = kind;
    e->tok = t;
    e->param = -1;
    return e;
}

Expr *mk_column(Parse *p, const Token *table, Token name)
{
    Expr *e = mk_expr(p, EX_COLUMN, name);
    if (table)
        e->table = *table;
    return e;
}

Expr *mk_binary(Parse *p, Token op, Expr *l, Expr *r)
{
    Expr *e = mk_expr(p, EX_BINARY, op);
    e->op = op.type;
    e->lhs = l;
    e->rhs = r;
    return e;
}

Expr *mk_unary(Parse *p, Token op, Expr *x)
{
    Expr *e = mk_expr(p, EX_UNARY, op);
    e->op = op.type;
    e->lhs = x;
    return e;
}

/* "x IS NULL" is the common case; give it its own kind so analysis does not
 * have to recognise a NULL literal on the right of IS. */
Expr *mk_is(Parse *p, Token op, Expr *l, Expr *r, bool negated)
{
    Expr *e;
    if (r->kind == EX_NULL) {
        e = mk_expr(p, EX_ISNULL, op);
        e->lhs = l;
    } else {
        e = mk_expr(p, EX_IS, op);
        e->lhs = l;
        e->rhs = r;
    }
    e->negated = negated;
    return e;
}

Expr *mk_cast(Parse *p, Token op, Expr *x, TypeName *t)
{
    Expr *e = mk_expr(p, EX_CAST, op);
    e->lhs = x;
    e->type = t;
    return e;
}

Expr *mk_func(Parse *p, const Token *schema, Token name, PtrList *args, bool distinct, bool star)
{
    Expr *e = mk_expr(p, EX_FUNC, name);
    if (schema)
        e->table = *schema;
    e->list = args;
    e->distinct = distinct;
    e->star = star;
    return e;
}

Expr *mk_call(Parse *p, Token name, PtrList *args, bool distinct, PtrList *order_by, FuncTail tail)
{
    Expr *e = mk_func(p, NULL, name, args, distinct, false);
    e->order_by = order_by ? order_by : tail.within;
    e->filter = tail.filter;
    e->over = tail.over;
    return e;
}

/* x <> ALL(arr), x = ANY(SELECT ...): the quantifier reads as a call
 * any(arg) / all(arg) on the right of the operator, as ANY() always has. */
Expr *mk_quantified(Parse *p, Token op, Expr *l, Token quantifier, Expr *arg)
{
    return mk_binary(p, op, l, mk_func(p, NULL, quantifier, list1(p, arg), false, false));
}

Stmt *mk_insert(Parse *p, With *with, SrcItem *table, Token alias, PtrList *columns, Select *sel, Upsert *upsert,
                PtrList *returning)
{
    Stmt *s = mk_stmt(p, STMT_INSERT);
    Insert *ins = arena_alloc(p->arena, sizeof *ins);
    ins->schema = table->schema;
    ins->table = table->name;
    ins->alias = alias;
    ins->columns = columns;
    if (sel->values && !sel->prior && !sel->with && !sel->order_by && !sel->limit)
        ins->values = sel->values;
    else
        ins->select = sel;
    ins->upsert = upsert;
    ins->returning = returning;
    s->with = with;
    s->u.insert = ins;
    return s;
}

Select *mk_paren_select(Parse *p, Select *inner)
{
    Select *s = arena_alloc(p->arena, sizeof *s);
    s->tok = inner->tok;
    s->sub = inner;
    return s;
}

ResultCol *mk_resultcol(Parse *p, Expr *e)
{
    ResultCol *c = arena_alloc(p->arena, sizeof *c);
    c->expr = e;
    return c;
}

SrcItem *mk_srcitem(Parse *p)
{
    SrcItem *s = arena_alloc(p->arena, sizeof *s);
    s->join = JOIN_FIRST;
    return s;
}

TypeName *mk_typename(Parse *p, Token word)
{
    TypeName *t = arena_alloc(p->arena, sizeof *t);
    t->tok = word;
    t->text = arena_strndup(p->arena, word.z, (size_t)word.n);
    /* A quoted type name ("char", "Currency") keeps its inner text as
     * written, as the catalog keys a quoted CREATE TYPE name. */
    size_t n = strlen(t->text);
    if (n >= 2 && t->text[0] == '"' && t->text[n - 1] == '"') {
        memmove(t->text, t->text + 1, n - 2);
        t->text[n - 2] = 0;
        return t;
    }
    /* a name of several words (sqlparse.c merges `double precision` after
     * `::`) is spelled with one space between them */
    char *out = t->text;
    for (const char *c = t->text; *c; c++) {
        if (isspace((unsigned char)*c)) {
            if (out > t->text && out[-1] != ' ')
                *out++ = ' ';
            continue;
        }
        *out++ = (char)tolower((unsigned char)*c);
    }
    *out = 0;
    return t;
}

void typename_append(Parse *p, TypeName *t, Token word)
{
    /* integer ARRAY: the SQL standard's spelling of integer[]; TEXT[] in
     * SQLite, where [] is an empty bracket-quoted name */
    if ((word.n == 5 && str_ieq_n(word.z, 5, "array")) || (word.n == 2 && word.z[0] == '[' && word.z[1] == ']')) {
        t->array = true;
        t->array_dims++;
        return;
    }
    char *joined = arena_printf(p->arena, "%s %.*s", t->text, word.n, word.z);
    for (char *c = joined; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    t->text = joined;
}

ColumnConstraint *mk_ccons(Parse *p, int kind, Expr *e, ForeignKey *fk)
{
    ColumnConstraint *c = arena_alloc(p->arena, sizeof *c);
    c->kind = kind;
    c->expr = e;
    c->fk = fk;
    return c;
}

ColumnDef *mk_columndef(Parse *p, Token name, TypeName *type, PtrList *constraints)
{
    ColumnDef *c = arena_alloc(p->arena, sizeof *c);
    c->name = name;
    c->type = type;
    for (int i = 0; i < constraints->n; i++) {
        ColumnConstraint *k = constraints->items[i];
        switch (k->kind) {
        case TK_NOT: c->not_null = true; break;
        case TK_PRIMARY:
            c->primary_key = true;
            c->autoincrement = k->flag;
            break;
        case TK_UNIQUE: c->unique = true; break;
        case TK_DEFAULT: c->default_value = k->expr; break;
        case TK_CHECK: c->check = k->expr; break;
        case TK_REFERENCES: c->fk = k->fk; break;
        case TK_GENERATED: c->generated = true; break;
        case TK_IDENTITY: c->identity = true; break;
        default: break;
        }
    }
    return c;
}

TableConstraint *mk_tcons(Parse *p, ConstraintKind kind, Token t, PtrList *columns)
{
    TableConstraint *c = arena_alloc(p->arena, sizeof *c);
    c->kind = kind;
    c->tok = t;
    c->columns = columns;
    return c;
}

AlterAction *mk_alter_action(Parse *p, AlterKind kind, Token at)
{
    AlterAction *a = arena_alloc(p->arena, sizeof *a);
    a->kind = kind;
    a->tok = at;
    return a;
}

CreateType *mk_create_type(Parse *p, Token keyword, SrcItem *name, const char *expected_keyword)
{
    expect_word(p, keyword, expected_keyword);
    Stmt *s = mk_stmt(p, STMT_CREATE_TYPE);
    CreateType *t = arena_alloc(p->arena, sizeof *t);
    t->schema = name->schema;
    t->name = name->name;
    s->u.create_type = t;
    return t;
}

/* Words the grammar takes as identifiers (TYPE, DATA, ENUM) checked where
 * they must be exactly that word. */
void expect_word(Parse *p, Token t, const char *word)
{
    if (!p->failed && !str_ieq_n(t.z, (size_t)t.n, word))
        build_error(p, t, "syntax error near \"%.*s\", expected %s", t.n, t.z, word);
}

void expect_rows(Parse *p, Token t)
{
    if (!str_ieq_n(t.z, (size_t)t.n, "row"))
        expect_word(p, t, "rows");
}

void build_error(Parse *p, Token at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    StrBuf b = {0};
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    diag_error(at.pos, "%s", b.s);
    sb_free(&b);
    p->failed = true;
    p->error_token.n = -1; /* already reported */
}

/* ------------------------------------------------------------------ DDL */

CreateTable *mk_create_table(Parse *p, Token keyword, Token if_not_exists, SrcItem *name)
{
    if (TOKEN_SET(keyword) && keyword.type != TK_TEMP)
        expect_word(p, keyword, "unlogged");
    Stmt *s = mk_stmt(p, STMT_CREATE_TABLE);
    CreateTable *t = arena_alloc(p->arena, sizeof *t);
    t->schema = name->schema;
    t->name = name->name;
    t->if_not_exists = TOKEN_SET(if_not_exists);
    t->keyword = keyword;
    s->u.create_table = t;
    return t;
}

TableOpts merge_table_opts(TableOpts a, TableOpts b)
{
    a.flags |= b.flags;
    if (TOKEN_SET(b.rowid_tok))
        a.rowid_tok = b.rowid_tok;
    if (TOKEN_SET(b.strict_tok))
        a.strict_tok = b.strict_tok;
    if (b.inherits)
        a.inherits = b.inherits;
    a.partitioned |= b.partitioned;
    return a;
}

void apply_table_options(CreateTable *t, const TableOpts *o)
{
    t->without_rowid = (o->flags & 1) != 0;
    t->strict = (o->flags & 2) != 0;
    t->without_rowid_tok = o->rowid_tok;
    t->strict_tok = o->strict_tok;
    t->inherits = o->inherits;
    t->partitioned = o->partitioned;
}

int like_option_bit(Token w)
{
    static const struct { const char *word; int bit; } words[] = {
        {"defaults", LIKE_DEFAULTS}, {"constraints", LIKE_CONSTRAINTS}, {"indexes", LIKE_INDEXES},
        {"storage", LIKE_OTHER}, {"comments", LIKE_OTHER}, {"statistics", LIKE_OTHER}, {"compression", LIKE_OTHER},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (str_ieq_n(w.z, (size_t)w.n, words[i].word))
            return words[i].bit;
    return LIKE_OTHER;
}

ColumnDef *mk_like(Parse *p, Token like, SrcItem *table, int options)
{
    if (!str_ieq_n(like.z, (size_t)like.n, "like"))
        build_error(p, like, "syntax error near \"%.*s\"", like.n, like.z);
    ColumnDef *c = arena_alloc(p->arena, sizeof *c);
    c->name = table->name;
    c->like = table;
    c->like_defaults = (options & LIKE_DEFAULTS) != 0;
    c->like_identity = (options & LIKE_IDENTITY) != 0;
    c->like_generated = (options & LIKE_GENERATED) != 0;
    c->like_constraints = (options & (LIKE_INDEXES | LIKE_CONSTRAINTS)) != 0;
    return c;
}

/* myschema.mood as a type: "myschema.mood", public.mood is "mood" */
TypeName *mk_qualified_typename(Parse *p, Token schema, Token name)
{
    TypeName *t = mk_typename(p, name);
    TypeName *s = mk_typename(p, schema);
    t->tok = schema;
    if (strcmp(s->text, p->dialect == DIALECT_POSTGRES ? "public" : "main") != 0 && strcmp(s->text, "pg_catalog") != 0)
        t->text = arena_printf(p->arena, "%s.%s", s->text, t->text);
    return t;
}

void mk_alter_view(Parse *p, Token if_exists, SrcItem *name, PtrList *actions)
{
    Stmt *s = mk_stmt(p, STMT_ALTER_TABLE);
    AlterTable *a = arena_alloc(p->arena, sizeof *a);
    a->schema = name->schema;
    a->name = name->name;
    a->if_exists = TOKEN_SET(if_exists);
    a->actions = actions;
    a->view = true;
    s->u.alter = a;
}

AlterType *mk_alter_type(Parse *p, Token keyword, SrcItem *name, AlterTypeKind kind, Token at)
{
    expect_word(p, keyword, "type");
    Stmt *s = mk_stmt(p, STMT_ALTER_TYPE);
    AlterType *a = arena_alloc(p->arena, sizeof *a);
    a->schema = name->schema;
    a->name = name->name;
    a->kind = kind;
    a->tok = at;
    s->u.alter_type = a;
    return a;
}

void mk_create_extension(Parse *p, Token keyword, Token name, bool if_not_exists)
{
    expect_word(p, keyword, "extension");
    Stmt *s = mk_stmt(p, STMT_CREATE_EXTENSION);
    CreateExtension *e = arena_alloc(p->arena, sizeof *e);
    e->name = name;
    e->if_not_exists = if_not_exists;
    s->u.create_extension = e;
}

void mk_create_view(Parse *p, Token keyword, Token if_not_exists, SrcItem *name, PtrList *columns, Select *select,
                    bool or_replace)
{
    bool materialized = TOKEN_SET(keyword) && keyword.type != TK_TEMP;
    if (materialized)
        expect_word(p, keyword, "materialized");
    Stmt *s = mk_stmt(p, STMT_CREATE_VIEW);
    CreateView *v = arena_alloc(p->arena, sizeof *v);
    v->schema = name->schema;
    v->name = name->name;
    v->if_not_exists = TOKEN_SET(if_not_exists);
    v->columns = columns;
    v->select = select;
    v->materialized = materialized;
    v->or_replace = or_replace;
    s->u.create_view = v;
}

DropTarget drop_target_word(Parse *p, Token w)
{
    DropTarget d = {.what = DROP_TYPE, .keyword = w};
    if (str_ieq_n(w.z, (size_t)w.n, "function") || str_ieq_n(w.z, (size_t)w.n, "procedure"))
        d.what = DROP_FUNCTION;
    else if (!str_ieq_n(w.z, (size_t)w.n, "domain"))
        expect_word(p, w, "type");
    return d;
}

DropName *mk_dropname(Parse *p, SrcItem *name, int nargs)
{
    DropName *d = arena_alloc(p->arena, sizeof *d);
    d->schema = name->schema;
    d->name = name->name;
    d->nargs = nargs;
    return d;
}
