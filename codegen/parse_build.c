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
    for (char *c = t->text; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    /* A quoted type name ("char") keeps its inner text. */
    size_t n = strlen(t->text);
    if (n >= 2 && t->text[0] == '"' && t->text[n - 1] == '"') {
        memmove(t->text, t->text + 1, n - 2);
        t->text[n - 2] = 0;
    }
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
