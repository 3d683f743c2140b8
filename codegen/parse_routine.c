/*
 * CREATE [OR REPLACE] FUNCTION / PROCEDURE, read by hand rather than by the
 * lemon grammar: what the catalog needs is the signature (argument names,
 * modes and types, the result), and the rest of the statement is a free
 * mix of options (LANGUAGE, IMMUTABLE, SECURITY DEFINER, SET x = y, COST,
 * PARALLEL SAFE...) and a body (AS '...' / $$...$$, BEGIN ATOMIC ... END,
 * RETURN expr) the catalog keeps as text. The server judges the body.
 */
#include "parse_routine.h"

#include <ctype.h>
#include <string.h>

#include "parse.h"
#include "parse_build.h"
#include "sqlparse.h"
#include "tokenize.h"

typedef struct Reader {
    Parse *p;
    const Token *t;
    int n, i;
} Reader;

static const Token *peek_at(const Reader *r, int ahead)
{
    static const Token end = {0};
    return r->i + ahead < r->n ? &r->t[r->i + ahead] : &end;
}

static bool is_word(const Token *t, const char *w) { return t->type != TK_STRING && t->n > 0 && str_ieq_n(t->z, (size_t)t->n, w); }

/* Reports at `at` (or the statement's last token) and returns NULL. */
static void *fail(Reader *r, const Token *at, const char *what)
{
    const Token *pos = at->n > 0 ? at : &r->t[r->n - 1];
    build_error(r->p, *pos, "%s", what);
    return NULL;
}

/* A name may be any identifier, or a keyword the grammar lets fall back to one. */
static bool is_name(const Token *t)
{
    return t->type == TK_ID || (t->n > 0 && isalpha((unsigned char)t->z[0]) && keyword_code(t->z, t->n) != TK_ID);
}

/* The words SQL writes as one type: double precision, character varying. */
static bool continues_type(const char *so_far, const Token *next)
{
    static const char *const pairs[][2] = {
        {"double", "precision"}, {"character", "varying"}, {"char", "varying"}, {"bit", "varying"},
        {"national", "character"}, {"national character", "varying"},
    };
    if (next->type != TK_ID)
        return false;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(so_far, pairs[i][0]) == 0 && is_word(next, pairs[i][1]))
            return true;
    return false;
}

static void skip_parens(Reader *r)
{
    int depth = 0;
    do {
        if (peek_at(r, 0)->type == TK_LP)
            depth++;
        else if (peek_at(r, 0)->type == TK_RP)
            depth--;
        r->i++;
    } while (depth > 0 && r->i < r->n);
}

/* type [(n[, m])] [WITH[OUT] TIME ZONE] [[]...] | schema.type | table.column%TYPE */
static TypeName *read_type(Reader *r)
{
    const Token *first = peek_at(r, 0);
    if (first->type != TK_ID)
        return fail(r, first, "expected a type name");
    TypeName *t;
    if (peek_at(r, 1)->type == TK_DOT && peek_at(r, 2)->type == TK_ID) {
        t = mk_qualified_typename(r->p, *first, *peek_at(r, 2));
        r->i += 3;
    } else {
        t = mk_typename(r->p, *first);
        r->i++;
        while (continues_type(t->text, peek_at(r, 0))) {
            typename_append(r->p, t, *peek_at(r, 0));
            r->i++;
        }
    }
    if (peek_at(r, 0)->type == TK_LP)
        skip_parens(r);
    const Token *w = peek_at(r, 0);
    if ((w->type == TK_WITH || w->type == TK_WITHOUT) && is_word(peek_at(r, 1), "time") && peek_at(r, 2)->type == TK_ZONE) {
        for (int k = 0; k < 3; k++)
            typename_append(r->p, t, *peek_at(r, k));
        r->i += 3;
    }
    while (peek_at(r, 0)->type == TK_LBRACKET) {
        t->array = true;
        while (r->i < r->n && peek_at(r, 0)->type != TK_RBRACKET)
            r->i++;
        r->i++;
    }
    /* users.id%TYPE: the catalog looks the column up */
    if (peek_at(r, 0)->type == TK_REM && is_word(peek_at(r, 1), "type")) {
        t->text = arena_printf(r->p->arena, "%s%%type", t->text);
        r->i += 2;
    }
    return t;
}

/* [IN | OUT | INOUT | VARIADIC] [name] type [DEFAULT expr | = expr] */
static FuncArg *read_arg(Reader *r)
{
    FuncArg *a = arena_alloc(r->p->arena, sizeof *a);
    const Token *m = peek_at(r, 0);
    if (m->type == TK_IN) {
        r->i++;
    } else if (is_word(m, "out") || is_word(m, "inout") || is_word(m, "variadic")) {
        a->mode = is_word(m, "out") ? ARG_OUT : is_word(m, "inout") ? ARG_INOUT : ARG_VARIADIC;
        r->i++;
    }
    const Token *x = peek_at(r, 0), *y = peek_at(r, 1);
    if (is_name(x) && (y->type == TK_ID || y->type == TK_STRING) && !continues_type(token_name(r->p->arena, x), y)) {
        a->name = *x;
        r->i++;
    }
    if (!(a->type = read_type(r)))
        return NULL;
    if (peek_at(r, 0)->type == TK_DEFAULT || peek_at(r, 0)->type == TK_EQ) {
        a->has_default = true;
        int depth = 0;
        while (r->i < r->n) {
            int ty = peek_at(r, 0)->type;
            if (depth == 0 && (ty == TK_COMMA || ty == TK_RP))
                break;
            depth += ty == TK_LP ? 1 : ty == TK_RP ? -1 : 0;
            r->i++;
        }
    }
    return a;
}

static PtrList *read_args(Reader *r)
{
    PtrList *args = ptrlist_new(r->p->arena);
    if (peek_at(r, 0)->type != TK_LP)
        return fail(r, peek_at(r, 0), "expected ( after the function name");
    r->i++;
    if (peek_at(r, 0)->type == TK_RP) {
        r->i++;
        return args;
    }
    for (;;) {
        FuncArg *a = read_arg(r);
        if (!a)
            return NULL;
        ptrlist_push(r->p->arena, args, a);
        const Token *sep = peek_at(r, 0);
        r->i++;
        if (sep->type == TK_RP)
            return args;
        if (sep->type != TK_COMMA)
            return fail(r, sep, "expected , or ) in the argument list");
    }
}

static Token span(const Token *from, const Token *to)
{
    Token t = *from;
    t.n = (int)(to->z + to->n - from->z);
    return t;
}

Stmt *parse_routine(Parse *p, const Token *toks, int n)
{
    Reader r = {.p = p, .t = toks, .n = n, .i = 1};
    CreateFunction *f = arena_alloc(p->arena, sizeof *f);
    f->language = "sql";
    if (peek_at(&r, 0)->type == TK_OR && peek_at(&r, 1)->type == TK_REPLACE) {
        f->or_replace = true;
        r.i += 2;
    }
    f->procedure = is_word(peek_at(&r, 0), "procedure");
    r.i++;
    const Token *name = peek_at(&r, 0);
    if (!is_name(name) && name->type != TK_STRING)
        return fail(&r, name, "expected a function name");
    r.i++;
    if (peek_at(&r, 0)->type == TK_DOT) {
        f->schema = *name;
        name = peek_at(&r, 1);
        r.i += 2;
    }
    f->name = *name;
    if (!(f->args = read_args(&r)))
        return NULL;
    while (r.i < r.n) {
        const Token *t = peek_at(&r, 0);
        if (is_word(t, "returns")) {
            r.i++;
            if (peek_at(&r, 0)->type == TK_TABLE) {
                r.i++;
                if (!(f->returns_table = read_args(&r)))
                    return NULL;
                f->returns_setof = true;
                continue;
            }
            if (is_word(peek_at(&r, 0), "setof")) {
                f->returns_setof = true;
                r.i++;
            }
            if (!(f->returns = read_type(&r)))
                return NULL;
        } else if (is_word(t, "language") && r.i + 1 < r.n) {
            f->language = token_name(p->arena, peek_at(&r, 1));
            r.i += 2;
        } else if (t->type == TK_AS && peek_at(&r, 1)->type == TK_STRING) {
            f->body = *peek_at(&r, 1);
            r.i += 2;
        } else if ((is_word(t, "begin") && is_word(peek_at(&r, 1), "atomic")) || is_word(t, "return")) {
            /* the SQL-standard body runs to the end of the statement */
            f->body = span(t, &toks[n - 1]);
            r.i = n;
        } else {
            r.i++; /* IMMUTABLE, STRICT, SECURITY DEFINER, SET x = y, COST n... */
        }
    }
    if (!TOKEN_SET(f->body))
        return fail(&r, &toks[n - 1], "CREATE FUNCTION without a body (AS '...' or BEGIN ATOMIC ... END)");
    Stmt *s = mk_stmt(p, STMT_CREATE_FUNCTION);
    s->u.create_function = f;
    return s;
}
