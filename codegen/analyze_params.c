/*
 * Parameters: numbering ?, ?NNN, $N, @name and sqlc.arg/narg/slice in
 * API order, and the hints that name and type them from their context.
 */
#include "analyze_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "sqlparse.h"
#include "tokenize.h"

/* ---------------------------------------------------------------- params */

bool is_c_identifier(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

/* Numbers each placeholder the way the engine will: SQLite's ? takes the
 * next number, ?N and $N are explicit, a repeated :name/@name/$name is the
 * same parameter. */
static bool word_is_tok(const Token *t, const char *w)
{
    return t->type != TK_STRING && str_ieq_n(t->z, (size_t)t->n, w);
}

static Param *named_param(const PtrList *named, const char *name)
{
    for (int i = 0; i < named->n; i++) {
        Param *p = named->items[i];
        if (strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}

/* sqlc numbers a query's named parameters (@name, sqlc.arg/narg/slice)
 * after its explicit positional ones ($N, ?N, ?), in both dialects
 * (sqlc's ParamSet): each new name takes the lowest number no positional
 * parameter uses, in order of appearance, so `WHERE a = sqlc.narg(a)
 * LIMIT $1 OFFSET $2` has a as its third parameter. A SQLite query may mix
 * ? and names, as real repositories do (`SET at = @reset_time WHERE id =
 * ?`): the generated SQL numbers every use (?N), so the engine binds what
 * the signature says whichever order the numbers take. */

/* Lowest slot that no positional parameter and no earlier name took. */
static int free_slot(const PtrList *params)
{
    for (int slot = 1;; slot++) {
        bool used = false;
        for (int i = 0; i < params->n && !used; i++)
            used = ((const Param *)params->items[i])->slot == slot;
        if (!used)
            return slot;
    }
}

void number_params(Analyzer *an)
{
    Query *q = an->q;
    Lexer lx;
    lexer_init(&lx, q->file, q->sql_start, q->sql_end, q->sql_pos.line, q->sql_pos.col, q->dialect);
    Token toks[6];
    int n_toks = 0;
    int max_slot = 0;
    PtrList *named = ptrlist_new(an->arena); /* Param* with a name, for reuse */
    /* sqlc refuses "?" next to "?1" in one query ("can not mix $1 format
     * with ? format"), though SQLite would number them */
    Token first_bare = {0}, first_numbered = {0};
    bool bare_mixed = false;
    int prev_type = 0; /* the token before toks[0] */
    bool more = true;
    while (more || n_toks > 0) {
        /* a window of six tokens: enough to see sqlc.arg(name) whole */
        while (more && n_toks < 6) {
            if (lexer_next_significant(&lx, &toks[n_toks]) == 0)
                more = false;
            else
                n_toks++;
        }
        if (n_toks == 0)
            break;
        Token t = toks[0];
        size_t span = (size_t)t.n;
        int consumed = 1;
        int slot = 0;
        char *name = NULL;
        bool forced_null = false;
        bool is_list = false;
        if (n_toks == 6 && word_is_tok(&toks[0], "sqlc") && toks[1].type == TK_DOT && toks[3].type == TK_LP &&
            toks[5].type == TK_RP && (toks[4].type == TK_ID || toks[4].type == TK_STRING ||
                                      isalpha((unsigned char)toks[4].z[0]) || toks[4].z[0] == '_')) {
            const Token *fn = &toks[2];
            if (word_is_tok(fn, "slice") && q->dialect == DIALECT_POSTGRES) {
                /* the hint keeps a cast the query already has: sqlc.slice(ids)::text[] */
                const char *cast = toks[5].z + 1, *end = cast;
                if (cast[0] == ':' && cast[1] == ':')
                    for (cast += 2, end = cast; isalnum((unsigned char)*end) || strchr("_.[]", *end); end++)
                        ;
                bool typed = end > cast;
                error_at(an, t.pos,
                         "sqlc.slice() is for SQLite; PostgreSQL takes a list as an array: = ANY(@%.*s::%.*s%s)%s",
                         toks[4].n, toks[4].z, typed ? (int)(end - cast) : 6, typed ? cast : "bigint",
                         typed && end[-1] == ']' ? "" : "[]", typed ? "" : ", the array of its elements' type");
                consumed = 6;
                goto next;
            }
            if (word_is_tok(fn, "embed")) {
                consumed = 6; /* a result column: analyze_result.c rewrites it */
                goto next;
            }
            if (!word_is_tok(fn, "arg") && !word_is_tok(fn, "narg") && !word_is_tok(fn, "slice")) {
                error_at(an, fn->pos,
                         "unknown sqlc function \"%.*s\"; keel knows sqlc.arg, sqlc.narg, sqlc.slice and sqlc.embed",
                         fn->n, fn->z);
                consumed = 6;
                goto next;
            }
            forced_null = word_is_tok(fn, "narg");
            is_list = word_is_tok(fn, "slice");
            /* sqlc.arg(name), sqlc.arg('name'), sqlc.arg("name") */
            name = token_name(an->arena, &toks[4]);
            span = token_offset(&toks[5]) + 1 - token_offset(&t);
            consumed = 6;
            if (!is_c_identifier(name)) {
                error_at(an, toks[4].pos, "parameter name \"%s\" is not a C identifier", name);
                goto next;
            }
            /* slot 0: a name, numbered after the loop */
        } else if (t.type != TK_VARIABLE) {
            goto next;
        } else if (t.z[0] == '?' && t.n == 1) {
            if (q->dialect == DIALECT_POSTGRES && !q->common) { /* common SQL: any placeholder */
                error_at(an, t.pos, "\"?\" is SQLite syntax; PostgreSQL queries use $1, $2, ... or @name");
                goto next;
            }
            slot = ++max_slot;
            if (!TOKEN_SET(first_bare))
                first_bare = t;
            if (TOKEN_SET(first_numbered) && !bare_mixed) {
                error_at(an, t.pos, "query %s mixes \"?\" with numbered placeholders (\"%.*s\"); use one form, as sqlc requires",
                         q->name, first_numbered.n, first_numbered.z);
                diag_note(first_numbered.pos, "the first numbered placeholder");
                bare_mixed = true;
            }
        } else if ((t.z[0] == '?' || t.z[0] == '$') && isdigit((unsigned char)t.z[1])) {
            if (t.z[0] == '?' && q->dialect == DIALECT_POSTGRES && !q->common) {
                error_at(an, t.pos, "\"%.*s\" is SQLite syntax; PostgreSQL queries use $1, $2, ... or @name", t.n,
                         t.z);
                goto next;
            }
            if (t.z[0] == '$' && q->dialect == DIALECT_SQLITE && !q->common) {
                error_at(an, t.pos, "\"%.*s\" is PostgreSQL syntax; SQLite queries use ?, ?NNN or @name", t.n, t.z);
                goto next;
            }
            long n = strtol(t.z + 1, NULL, 10);
            if (n < 1 || n > 32766) {
                error_at(an, t.pos, "parameter number %.*s is out of range", t.n, t.z);
                goto next;
            }
            slot = (int)n;
            if (!TOKEN_SET(first_numbered))
                first_numbered = t;
            if (TOKEN_SET(first_bare) && !bare_mixed) {
                error_at(an, t.pos, "query %s mixes numbered placeholders (\"%.*s\") with \"?\"; use one form, as sqlc requires",
                         q->name, t.n, t.z);
                diag_note(first_bare.pos, "the first \"?\"");
                bare_mixed = true;
            }
        } else {
            if (t.z[0] != '@' && q->dialect == DIALECT_POSTGRES) {
                error_at(an, t.pos, "\"%.*s\" is not a PostgreSQL parameter; use $1, $2, ... or @name", t.n, t.z);
                goto next;
            }
            name = arena_strndup(an->arena, t.z + 1, (size_t)t.n - 1);
            if (!is_c_identifier(name)) {
                error_at(an, t.pos, "parameter name \"%s\" is not a C identifier", name);
                goto next;
            }
        }
        if (slot > max_slot)
            max_slot = slot;
        Param *p = name ? named_param(named, name) : NULL;
        for (int i = 0; i < q->params->n && slot; i++)
            if (((Param *)q->params->items[i])->slot == slot)
                p = q->params->items[i];
        if (!p) {
            p = arena_alloc(an->arena, sizeof *p);
            p->slot = slot;
            p->pos = t.pos;
            p->text = arena_strndup(an->arena, t.z, span);
            ptrlist_push(an->arena, q->params, p);
        }
        if (name && !p->name) {
            p->name = name;
            p->explicit_name = true;
            ptrlist_push(an->arena, named, p);
        }
        p->nullable |= forced_null;
        p->list |= is_list;
        ParamUse *u = arena_alloc(an->arena, sizeof *u);
        u->offset = token_offset(&t);
        u->len = span;
        u->param = p;
        u->parens = is_list && prev_type == TK_IN;
        ptrlist_push(an->arena, q->uses, u);
    next:
        prev_type = toks[consumed - 1].type;
        memmove(toks, toks + consumed, (size_t)(n_toks - consumed) * sizeof toks[0]);
        n_toks -= consumed;
    }
    /* the names, numbered after the positional parameters */
    for (int i = 0; i < named->n; i++) {
        Param *p = named->items[i];
        if (p->slot == 0)
            p->slot = free_slot(q->params);
    }
    /* slots in order; the engines number them 1..N without gaps */
    for (int i = 1; i < q->params->n; i++)
        for (int j = i; j > 0 && ((Param *)q->params->items[j - 1])->slot > ((Param *)q->params->items[j])->slot; j--) {
            void *tmp = q->params->items[j];
            q->params->items[j] = q->params->items[j - 1];
            q->params->items[j - 1] = tmp;
        }
    for (int i = 0; i < q->params->n && !bare_mixed; i++) { /* a mix leaves gaps of its own */
        Param *p = q->params->items[i];
        if (p->slot != i + 1) {
            error_at(an, p->pos, "parameter %d is never used (parameters are numbered 1..N without gaps)", i + 1);
            break;
        }
    }
}

/* sqlc.arg(x) and its kind reach the analyzer as one parameter token
 * (sqlparse.c); other sqlc.fn(...) forms as a function call. */
bool is_sqlc_call(const Expr *e)
{
    if (e->kind == EX_PARAM)
        return e->tok.n > 5 && strncasecmp(e->tok.z, "sqlc", 4) == 0;
    return e->kind == EX_FUNC && TOKEN_SET(e->table) && str_ieq_n(e->table.z, (size_t)e->table.n, "sqlc");
}

/* A placeholder: ?, $1, @name... or sqlc.arg(name) / sqlc.narg(name). */
bool is_param(const Expr *e)
{
    return e && (e->kind == EX_PARAM || is_sqlc_call(e));
}

Param *param_of(Analyzer *an, const Expr *e)
{
    size_t off = token_offset(e->kind == EX_FUNC ? &e->table : &e->tok);
    for (int i = 0; i < an->q->uses->n; i++) {
        ParamUse *u = an->q->uses->items[i];
        if (u->offset == off)
            return u->param;
    }
    return NULL;
}

Expr *strip(Expr *e)
{
    while (e && e->kind == EX_COLLATE)
        e = e->lhs;
    return e;
}

/* Gives a parameter the type and name its context implies, unless an
 * earlier context already did. */
void hint_param(Analyzer *an, Expr *e, TypeInfo hint, const char *name, bool nullable)
{
    e = strip(e);
    /* id = $1::bigint: the cast has typed the parameter; the comparison
     * still names it */
    while (e && e->kind == EX_CAST)
        e = strip(e->lhs);
    /* SET x = CASE WHEN ... THEN $1 ELSE $2 END: the branches are what
     * the context types */
    if (e && e->kind == EX_CASE) {
        for (int i = 1; i < PTRLIST_LEN(e->list); i += 2)
            hint_param(an, e->list->items[i], hint, name, nullable);
        hint_param(an, e->rhs, hint, name, nullable);
        return;
    }
    if (!is_param(e))
        return;
    if (hint.t == CT_UNKNOWN) {
        /* INSERT INTO t (c) VALUES ($1), c of a type keel cannot map: the
         * parameter's error names the column */
        Param *p = hint.col && hint.col->decl_type[0] ? param_of(an, e) : NULL;
        if (p && !p->typed && !p->unmapped)
            p->unmapped = hint.col;
        return;
    }
    Param *p = param_of(an, e);
    if (!p)
        return;
    if (!p->typed) {
        p->typed = true;
        p->ctype = hint.t;
        p->sqltype = hint.sqltype;
        /* INSERT INTO t (tags) VALUES ($1): tags is text[] */
        p->list |= hint.list;
        p->array_value |= hint.list;
    }
    p->nullable |= nullable;
    if (!p->name && name)
        p->name = arena_strdup(an->arena, name);
}

