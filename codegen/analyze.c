#include "analyze.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "sqlparse.h"
#include "tokenize.h"

/* The type of an expression as analysis sees it. */
typedef struct TypeInfo {
    CType t;
    bool nullable;
    const Column *col;  /* set when the expression is a plain column reference */
} TypeInfo;

/* A table-like thing in a FROM clause (table, view, CTE, subquery). */
typedef struct Source {
    char *name;         /* alias, or the table's own name */
    char *table_name;   /* for messages */
    PtrList *columns;   /* of Column* */
    bool nullable;      /* on the optional side of an outer join */
    bool has_rowid;
} Source;

typedef struct Scope {
    struct Scope *parent;
    PtrList *sources;   /* of Source* */
    PtrList *ctes;      /* of Table*, visible to this scope and its children */
    PtrList *aliases;   /* of OutColumn*: result columns ORDER BY / GROUP BY may name */
    bool incomplete;    /* a FROM item failed to resolve: stay quiet about columns */
} Scope;

typedef struct Analyzer {
    Arena *arena;
    const Catalog *cat;
    Query *q;
    bool ok;
    int depth;   /* SELECT nesting: names matter only for the outermost */
    bool in_list_item;  /* typing the sole item of an IN list */
    bool list_context;  /* typing the argument of ANY()/ALL() */
} Analyzer;

static TypeInfo type_expr(Analyzer *an, Scope *sc, Expr *e);
static PtrList *analyze_select(Analyzer *an, Scope *parent, Select *s);

static TypeInfo ti(CType t, bool nullable) { return (TypeInfo){t, nullable, NULL}; }

static void error_at(Analyzer *an, SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void error_at(Analyzer *an, SrcPos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    StrBuf b = {0};
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    diag_error(pos, "%s", b.s);
    sb_free(&b);
    an->ok = false;
}

/* ---------------------------------------------------------------- params */

static bool is_c_identifier(const char *s)
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

static int named_slot(const PtrList *named, const char *name)
{
    for (int i = 0; i < named->n; i++) {
        const Param *p = named->items[i];
        if (strcmp(p->name, name) == 0)
            return p->slot;
    }
    return 0;
}

static void number_params(Analyzer *an)
{
    Query *q = an->q;
    Lexer lx;
    lexer_init(&lx, q->file, q->sql_start, q->sql_end, q->sql_pos.line, q->sql_pos.col, q->dialect);
    Token toks[6];
    int n_toks = 0;
    int max_slot = 0;
    PtrList *named = ptrlist_new(an->arena); /* Param* with a name, for reuse */
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
            toks[4].type == TK_ID && toks[5].type == TK_RP) {
            const Token *fn = &toks[2];
            if (word_is_tok(fn, "slice") && q->dialect == DIALECT_POSTGRES) {
                error_at(an, t.pos, "sqlc.slice() is for SQLite; PostgreSQL takes a list as an array: = ANY(@%.*s::bigint[])",
                         toks[4].n, toks[4].z);
                consumed = 6;
                goto next;
            }
            if (!word_is_tok(fn, "arg") && !word_is_tok(fn, "narg") && !word_is_tok(fn, "slice")) {
                error_at(an, fn->pos, "unknown sqlc function \"%.*s\"; keel knows sqlc.arg, sqlc.narg and sqlc.slice",
                         fn->n, fn->z);
                consumed = 6;
                goto next;
            }
            forced_null = word_is_tok(fn, "narg");
            is_list = word_is_tok(fn, "slice");
            name = token_name(an->arena, &toks[4]);
            span = token_offset(&toks[5]) + 1 - token_offset(&t);
            consumed = 6;
            slot = named_slot(named, name);
            if (!slot)
                slot = ++max_slot;
        } else if (t.type != TK_VARIABLE) {
            goto next;
        } else if (t.z[0] == '?' && t.n == 1) {
            if (q->dialect == DIALECT_POSTGRES) {
                error_at(an, t.pos, "\"?\" is SQLite syntax; PostgreSQL queries use $1, $2, ... or @name");
                goto next;
            }
            slot = ++max_slot;
        } else if ((t.z[0] == '?' || t.z[0] == '$') && isdigit((unsigned char)t.z[1])) {
            if (t.z[0] == '?' && q->dialect == DIALECT_POSTGRES) {
                error_at(an, t.pos, "\"%.*s\" is SQLite syntax; PostgreSQL queries use $1, $2, ... or @name", t.n,
                         t.z);
                goto next;
            }
            if (t.z[0] == '$' && q->dialect == DIALECT_SQLITE) {
                error_at(an, t.pos, "\"%.*s\" is PostgreSQL syntax; SQLite queries use ?, ?NNN or @name", t.n, t.z);
                goto next;
            }
            long n = strtol(t.z + 1, NULL, 10);
            if (n < 1 || n > 32766) {
                error_at(an, t.pos, "parameter number %.*s is out of range", t.n, t.z);
                goto next;
            }
            slot = (int)n;
        } else {
            if (t.z[0] != '@' && q->dialect == DIALECT_POSTGRES) {
                error_at(an, t.pos, "\"%.*s\" is not a PostgreSQL parameter; use $1, $2, ... or @name", t.n, t.z);
                goto next;
            }
            name = arena_strndup(an->arena, t.z + 1, (size_t)t.n - 1);
            slot = named_slot(named, name);
            if (!slot)
                slot = ++max_slot;
            if (!is_c_identifier(name)) {
                error_at(an, t.pos, "parameter name \"%s\" is not a C identifier", name);
                goto next;
            }
        }
        if (slot > max_slot)
            max_slot = slot;
        Param *p = NULL;
        for (int i = 0; i < q->params->n; i++)
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
        ptrlist_push(an->arena, q->uses, u);
    next:
        memmove(toks, toks + consumed, (size_t)(n_toks - consumed) * sizeof toks[0]);
        n_toks -= consumed;
    }
    /* slots in order; the engines number them 1..N without gaps */
    for (int i = 1; i < q->params->n; i++)
        for (int j = i; j > 0 && ((Param *)q->params->items[j - 1])->slot > ((Param *)q->params->items[j])->slot; j--) {
            void *tmp = q->params->items[j];
            q->params->items[j] = q->params->items[j - 1];
            q->params->items[j - 1] = tmp;
        }
    for (int i = 0; i < q->params->n; i++) {
        Param *p = q->params->items[i];
        if (p->slot != i + 1) {
            error_at(an, p->pos, "parameter %d is never used (parameters are numbered 1..N without gaps)", i + 1);
            break;
        }
    }
}

static bool is_sqlc_call(const Expr *e)
{
    return e->kind == EX_FUNC && TOKEN_SET(e->table) && str_ieq_n(e->table.z, (size_t)e->table.n, "sqlc");
}

/* A placeholder: ?, $1, @name... or sqlc.arg(name) / sqlc.narg(name). */
static bool is_param(const Expr *e)
{
    return e && (e->kind == EX_PARAM || is_sqlc_call(e));
}

static Param *param_of(Analyzer *an, const Expr *e)
{
    size_t off = token_offset(is_sqlc_call(e) ? &e->table : &e->tok);
    for (int i = 0; i < an->q->uses->n; i++) {
        ParamUse *u = an->q->uses->items[i];
        if (u->offset == off)
            return u->param;
    }
    return NULL;
}

static Expr *strip(Expr *e)
{
    while (e && e->kind == EX_COLLATE)
        e = e->lhs;
    return e;
}

/* Gives a parameter the type and name its context implies, unless an
 * earlier context already did. */
static void hint_param(Analyzer *an, Expr *e, TypeInfo hint, const char *name, bool nullable)
{
    e = strip(e);
    /* id = $1::bigint: the cast has typed the parameter; the comparison
     * still names it */
    while (e && e->kind == EX_CAST)
        e = strip(e->lhs);
    if (!is_param(e) || hint.t == CT_UNKNOWN)
        return;
    Param *p = param_of(an, e);
    if (!p)
        return;
    if (!p->typed) {
        p->typed = true;
        p->ctype = hint.t;
    }
    p->nullable |= nullable;
    if (!p->name && name)
        p->name = arena_strdup(an->arena, name);
}

static const char *column_name_of(const TypeInfo *t) { return t->col ? t->col->name : NULL; }

/* ---------------------------------------------------------------- scopes */

static Scope *scope_new(Analyzer *an, Scope *parent)
{
    Scope *s = arena_alloc(an->arena, sizeof *s);
    s->parent = parent;
    s->sources = ptrlist_new(an->arena);
    return s;
}

static const Table *find_cte(const Scope *sc, const char *name)
{
    for (; sc; sc = sc->parent)
        for (int i = 0; i < PTRLIST_LEN(sc->ctes); i++) {
            const Table *t = sc->ctes->items[i];
            if (strcmp(t->name, name) == 0)
                return t;
        }
    return NULL;
}

static PtrList *columns_from_outcols(Analyzer *an, PtrList *outs)
{
    PtrList *cols = ptrlist_new(an->arena);
    for (int i = 0; i < PTRLIST_LEN(outs); i++) {
        OutColumn *o = outs->items[i];
        Column *c = arena_alloc(an->arena, sizeof *c);
        c->name = o->name;
        c->ctype = o->ctype;
        c->not_null = !o->nullable;
        c->decl_type = o->origin ? o->origin->decl_type : "";
        c->pos = o->pos;
        ptrlist_push(an->arena, cols, c);
    }
    return cols;
}

/* Resolves a table name (CTE, view or table) to its columns. */
static PtrList *table_columns(Analyzer *an, Scope *sc, const Token *schema, const Token *name_tok, char **table_name,
                              bool *has_rowid)
{
    char *name = table_key(an->arena, an->cat->dialect, schema, name_tok);
    *table_name = name;
    *has_rowid = false;
    const Table *t = TOKEN_SET(*schema) ? NULL : find_cte(sc, name);
    if (t)
        return t->columns;
    t = catalog_find_table(an->cat, name);
    if (!t) {
        error_at(an, name_tok->pos, "no table \"%s\"", name);
        return NULL;
    }
    if (t->view) {
        /* Views are typed on first use; the analysis result is cached. */
        Table *vt = (Table *)t;
        if (!vt->columns) {
            Scope *top = scope_new(an, NULL);
            vt->columns = columns_from_outcols(an, analyze_select(an, top, vt->view));
        }
        return vt->columns;
    }
    *has_rowid = an->cat->dialect == DIALECT_SQLITE;
    return t->columns;
}

static Source *add_source(Analyzer *an, Scope *sc, char *name, char *table_name, PtrList *columns)
{
    Source *s = arena_alloc(an->arena, sizeof *s);
    s->name = name;
    s->table_name = table_name;
    s->columns = columns;
    ptrlist_push(an->arena, sc->sources, s);
    return s;
}

static Source *add_table_source(Analyzer *an, Scope *sc, const Token *schema, const Token *name, const Token *alias)
{
    char *table_name;
    bool has_rowid;
    PtrList *cols = table_columns(an, sc, schema, name, &table_name, &has_rowid);
    if (!cols)
        return NULL;
    /* FROM public.accounts is referred to as accounts */
    char *ref = TOKEN_SET(*alias) ? token_name(an->arena, alias) : token_name(an->arena, name);
    Source *s = add_source(an, sc, ref, table_name, cols);
    s->has_rowid = has_rowid;
    return s;
}

static Column *source_column(const Source *s, const char *name)
{
    for (int i = 0; i < PTRLIST_LEN(s->columns); i++) {
        Column *c = s->columns->items[i];
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

static const Column rowid_column = {"rowid", "integer", CT_INT64, true, true, true, {0}};

static bool is_rowid_name(const char *n)
{
    return strcmp(n, "rowid") == 0 || strcmp(n, "oid") == 0 || strcmp(n, "_rowid_") == 0;
}

static TypeInfo column_type(const Column *c, const Source *s)
{
    TypeInfo t = ti(c->ctype, !c->not_null || s->nullable);
    t.col = c;
    return t;
}

static TypeInfo resolve_column(Analyzer *an, Scope *sc, Expr *e)
{
    char *name = token_name(an->arena, &e->tok);
    if (TOKEN_SET(e->table)) {
        char *qual = token_name(an->arena, &e->table);
        for (Scope *s = sc; s; s = s->parent)
            for (int i = 0; i < s->sources->n; i++) {
                Source *src = s->sources->items[i];
                if (strcmp(src->name, qual) != 0)
                    continue;
                Column *c = source_column(src, name);
                if (c)
                    return column_type(c, src);
                if (src->has_rowid && is_rowid_name(name))
                    return column_type(&rowid_column, src);
                error_at(an, e->tok.pos, "no column \"%s\" in table \"%s\"", name, src->table_name);
                return ti(CT_UNKNOWN, true);
            }
        error_at(an, e->table.pos, "no table or alias \"%s\" in this query", qual);
        return ti(CT_UNKNOWN, true);
    }
    for (Scope *s = sc; s; s = s->parent) {
        Source *found = NULL;
        Column *col = NULL;
        for (int i = 0; i < s->sources->n; i++) {
            Source *src = s->sources->items[i];
            Column *c = source_column(src, name);
            if (!c)
                continue;
            if (found) {
                error_at(an, e->tok.pos, "column \"%s\" is ambiguous: it is in \"%s\" and \"%s\"; qualify it", name,
                         found->name, src->name);
                return ti(CT_UNKNOWN, true);
            }
            found = src;
            col = c;
        }
        if (found)
            return column_type(col, found);
        const Source *only = s->sources->n == 1 ? s->sources->items[0] : NULL;
        if (only && only->has_rowid && is_rowid_name(name))
            return column_type(&rowid_column, only);
        for (int i = 0; i < PTRLIST_LEN(s->aliases); i++) {
            const OutColumn *o = s->aliases->items[i];
            if (strcmp(o->name, name) == 0)
                return ti(o->ctype, o->nullable);
        }
    }
    for (Scope *s = sc; s; s = s->parent)
        if (s->incomplete) {
            an->ok = false;
            return ti(CT_UNKNOWN, true);
        }
    if (sc && sc->sources->n == 1)
        error_at(an, e->tok.pos, "no column \"%s\" in table \"%s\"", name,
                 ((Source *)sc->sources->items[0])->table_name);
    else
        error_at(an, e->tok.pos, "no column \"%s\" in any table of this query", name);
    return ti(CT_UNKNOWN, true);
}

/* ------------------------------------------------------------ functions */

typedef enum FnRule {
    FN_ARG,          /* type of the first argument, nullable like it */
    FN_ARG_NULLABLE, /* type of the first argument, always nullable */
    FN_TEXT,         /* text, nullable if any argument is */
    FN_INT,
    FN_DOUBLE,
    FN_BOOL,
    FN_TEXT_NOTNULL,
    FN_INT_NOTNULL,
    FN_DOUBLE_NOTNULL,
    FN_TEXT_NULLABLE,
    FN_INT_NULLABLE,
    FN_DOUBLE_NULLABLE,
    FN_BOOL_NULLABLE,
    FN_COUNT,
    FN_COALESCE,     /* first known type; NULL only if every argument can be */
    FN_NULLIF,
    FN_GREATEST,     /* first known type; nullable if any argument is */
} FnRule;

enum { IN_SQLITE = 1, IN_POSTGRES = 2, IN_BOTH = 3 };

typedef struct FnDef {
    const char *name;
    FnRule rule;
    int dialects;
} FnDef;

/* Common functions of each dialect with their result rules. Unknown
 * functions type as unknown: fine inside a CAST, an error where a type is
 * needed, with a message that says to add one. Aggregates other than
 * count are NULL over no rows, hence nullable. */
static const FnDef functions[] = {
    /* aggregates */
    {"avg", FN_DOUBLE_NULLABLE, IN_BOTH}, {"bool_and", FN_BOOL_NULLABLE, IN_POSTGRES},
    {"bool_or", FN_BOOL_NULLABLE, IN_POSTGRES}, {"count", FN_COUNT, IN_BOTH}, {"every", FN_BOOL_NULLABLE, IN_POSTGRES},
    {"group_concat", FN_TEXT_NULLABLE, IN_SQLITE}, {"json_agg", FN_TEXT_NULLABLE, IN_POSTGRES},
    {"jsonb_agg", FN_TEXT_NULLABLE, IN_POSTGRES}, {"max", FN_ARG_NULLABLE, IN_BOTH},
    {"min", FN_ARG_NULLABLE, IN_BOTH}, {"string_agg", FN_TEXT_NULLABLE, IN_POSTGRES},
    {"sum", FN_ARG_NULLABLE, IN_BOTH}, {"total", FN_DOUBLE_NOTNULL, IN_SQLITE},
    /* window functions */
    {"cume_dist", FN_DOUBLE_NOTNULL, IN_BOTH}, {"dense_rank", FN_INT_NOTNULL, IN_BOTH},
    {"first_value", FN_ARG_NULLABLE, IN_BOTH}, {"lag", FN_ARG_NULLABLE, IN_BOTH},
    {"last_value", FN_ARG_NULLABLE, IN_BOTH}, {"lead", FN_ARG_NULLABLE, IN_BOTH},
    {"nth_value", FN_ARG_NULLABLE, IN_BOTH}, {"ntile", FN_INT_NOTNULL, IN_BOTH},
    {"percent_rank", FN_DOUBLE_NOTNULL, IN_BOTH}, {"rank", FN_INT_NOTNULL, IN_BOTH},
    {"row_number", FN_INT_NOTNULL, IN_BOTH},
    /* NULL handling */
    {"coalesce", FN_COALESCE, IN_BOTH}, {"greatest", FN_GREATEST, IN_POSTGRES},
    {"ifnull", FN_COALESCE, IN_SQLITE}, {"least", FN_GREATEST, IN_POSTGRES},
    {"nullif", FN_NULLIF, IN_BOTH},
    /* numbers */
    {"abs", FN_ARG, IN_BOTH}, {"ceil", FN_ARG, IN_BOTH}, {"ceiling", FN_ARG, IN_BOTH},
    {"exp", FN_DOUBLE, IN_BOTH}, {"floor", FN_ARG, IN_BOTH}, {"ln", FN_DOUBLE, IN_BOTH},
    {"log", FN_DOUBLE, IN_BOTH}, {"mod", FN_INT, IN_BOTH}, {"power", FN_DOUBLE, IN_BOTH},
    {"random", FN_INT_NOTNULL, IN_SQLITE}, {"random", FN_DOUBLE_NOTNULL, IN_POSTGRES},
    {"round", FN_DOUBLE, IN_BOTH}, {"sign", FN_ARG, IN_BOTH}, {"sqrt", FN_DOUBLE, IN_BOTH},
    /* text */
    {"btrim", FN_TEXT, IN_POSTGRES}, {"char_length", FN_INT, IN_BOTH}, {"character_length", FN_INT, IN_POSTGRES},
    {"concat", FN_TEXT_NOTNULL, IN_BOTH}, {"concat_ws", FN_TEXT, IN_BOTH}, {"format", FN_TEXT, IN_BOTH},
    {"hex", FN_TEXT, IN_SQLITE}, {"initcap", FN_TEXT, IN_POSTGRES}, {"instr", FN_INT, IN_SQLITE},
    {"left", FN_TEXT, IN_POSTGRES}, {"length", FN_INT, IN_BOTH}, {"lower", FN_TEXT, IN_BOTH},
    {"lpad", FN_TEXT, IN_POSTGRES}, {"ltrim", FN_TEXT, IN_BOTH}, {"md5", FN_TEXT, IN_POSTGRES},
    {"octet_length", FN_INT, IN_BOTH}, {"position", FN_INT, IN_POSTGRES}, {"printf", FN_TEXT, IN_SQLITE},
    {"quote", FN_TEXT_NOTNULL, IN_SQLITE}, {"repeat", FN_TEXT, IN_POSTGRES}, {"replace", FN_TEXT, IN_BOTH},
    {"reverse", FN_TEXT, IN_POSTGRES}, {"right", FN_TEXT, IN_POSTGRES}, {"rpad", FN_TEXT, IN_POSTGRES},
    {"rtrim", FN_TEXT, IN_BOTH}, {"split_part", FN_TEXT, IN_POSTGRES}, {"strpos", FN_INT, IN_POSTGRES},
    {"substr", FN_TEXT, IN_BOTH}, {"substring", FN_TEXT, IN_BOTH}, {"to_char", FN_TEXT, IN_POSTGRES},
    {"trim", FN_TEXT, IN_BOTH}, {"typeof", FN_TEXT_NOTNULL, IN_SQLITE}, {"unicode", FN_INT, IN_SQLITE},
    {"upper", FN_TEXT, IN_BOTH},
    /* dates: text in C on both engines */
    {"clock_timestamp", FN_TEXT_NOTNULL, IN_POSTGRES}, {"current_date", FN_TEXT_NOTNULL, IN_POSTGRES},
    {"date", FN_TEXT_NULLABLE, IN_SQLITE}, {"date_part", FN_DOUBLE, IN_POSTGRES}, {"extract", FN_DOUBLE, IN_POSTGRES},
    {"date_trunc", FN_TEXT, IN_POSTGRES}, {"datetime", FN_TEXT_NULLABLE, IN_SQLITE},
    {"julianday", FN_DOUBLE_NULLABLE, IN_SQLITE}, {"now", FN_TEXT_NOTNULL, IN_POSTGRES},
    {"statement_timestamp", FN_TEXT_NOTNULL, IN_POSTGRES}, {"strftime", FN_TEXT_NULLABLE, IN_SQLITE},
    {"time", FN_TEXT_NULLABLE, IN_SQLITE}, {"to_timestamp", FN_TEXT, IN_POSTGRES},
    {"transaction_timestamp", FN_TEXT_NOTNULL, IN_POSTGRES}, {"unixepoch", FN_INT_NULLABLE, IN_SQLITE},
    /* misc */
    {"changes", FN_INT_NOTNULL, IN_SQLITE}, {"gen_random_uuid", FN_TEXT_NOTNULL, IN_POSTGRES},
    {"json_extract", FN_TEXT_NULLABLE, IN_SQLITE}, {"json_build_object", FN_TEXT_NOTNULL, IN_POSTGRES},
    {"jsonb_build_object", FN_TEXT_NOTNULL, IN_POSTGRES}, {"last_insert_rowid", FN_INT_NOTNULL, IN_SQLITE},
    {"uuid_generate_v4", FN_TEXT_NOTNULL, IN_POSTGRES},
};

static const FnDef *find_function(const char *name, Dialect d)
{
    int mask = d == DIALECT_POSTGRES ? IN_POSTGRES : IN_SQLITE;
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if ((functions[i].dialects & mask) && strcmp(functions[i].name, name) == 0)
            return &functions[i];
    return NULL;
}

static TypeInfo type_function(Analyzer *an, Scope *sc, Expr *e)
{
    char *name = token_name(an->arena, &e->tok);
    if (is_sqlc_call(e)) {
        Param *p = param_of(an, e);
        if (p && p->list && !an->in_list_item) {
            error_at(an, e->table.pos, "sqlc.slice(%s) must be the only item of an IN list: x IN (sqlc.slice(%s))",
                     p->name, p->name);
            return ti(CT_UNKNOWN, true);
        }
        return p && p->typed ? ti(p->ctype, p->nullable) : ti(CT_UNKNOWN, false);
    }
    /* x = ANY(@ids::bigint[]): ANY and ALL read one element of a list */
    if ((strcmp(name, "any") == 0 || strcmp(name, "all") == 0 || strcmp(name, "some") == 0) &&
        PTRLIST_LEN(e->list) == 1) {
        an->list_context = true;
        TypeInfo elem = type_expr(an, sc, e->list->items[0]);
        an->list_context = false;
        Expr *arg = strip(e->list->items[0]);
        while (arg->kind == EX_CAST)
            arg = strip(arg->lhs);
        if (is_param(arg)) {
            Param *p = param_of(an, arg);
            if (p) {
                p->list = true;
                if (p->typed)
                    elem = ti(p->ctype, false);
            }
        }
        return ti(elem.t, elem.nullable);
    }
    int n = PTRLIST_LEN(e->list);
    TypeInfo args[8];
    bool any_nullable = false, all_nullable = n > 0;
    for (int i = 0; i < n; i++) {
        TypeInfo a = type_expr(an, sc, e->list->items[i]);
        if (i < 8)
            args[i] = a;
        any_nullable |= a.nullable;
        all_nullable &= a.nullable;
    }
    const FnDef *def = find_function(name, an->cat->dialect);
    if (!def)
        return ti(CT_UNKNOWN, true);
    TypeInfo first = n > 0 ? args[0] : ti(CT_UNKNOWN, true);
    CType known = CT_UNKNOWN;
    for (int i = 0; i < n && i < 8; i++)
        if (known == CT_UNKNOWN)
            known = args[i].t;
    switch (def->rule) {
    case FN_ARG: return ti(first.t, first.nullable);
    case FN_ARG_NULLABLE: return ti(first.t, true);
    case FN_TEXT: {
        /* lower(@x), trim(?): the first argument of a text function is text;
         * lower(name) = ? names the parameter after the column */
        if (n > 0)
            hint_param(an, e->list->items[0], ti(CT_TEXT, false), NULL, false);
        TypeInfo r = ti(CT_TEXT, any_nullable);
        if (n > 0)
            r.col = args[0].col;
        return r;
    }
    case FN_INT: return ti(CT_INT64, any_nullable);
    case FN_DOUBLE: return ti(CT_DOUBLE, any_nullable);
    case FN_BOOL: return ti(CT_BOOL, any_nullable);
    case FN_TEXT_NOTNULL:
    case FN_TEXT_NULLABLE:
        /* concat(a, ?), string_agg(x, $1), strftime(?, col): text arguments */
        for (int i = 0; i < n; i++)
            hint_param(an, e->list->items[i], ti(CT_TEXT, false), NULL, false);
        return ti(CT_TEXT, def->rule == FN_TEXT_NULLABLE);
    case FN_INT_NOTNULL: return ti(CT_INT64, false);
    case FN_DOUBLE_NOTNULL: return ti(CT_DOUBLE, false);
    case FN_INT_NULLABLE: return ti(CT_INT64, true);
    case FN_DOUBLE_NULLABLE: return ti(CT_DOUBLE, true);
    case FN_BOOL_NULLABLE: return ti(CT_BOOL, true);
    case FN_COUNT: return ti(CT_INT64, false);
    case FN_COALESCE:
        /* COALESCE(@x, col): the parameter takes the column's type */
        for (int i = 0; i < n && i < 8; i++)
            hint_param(an, e->list->items[i], ti(known, true), NULL, true);
        return ti(known, all_nullable);
    case FN_GREATEST:
        for (int i = 0; i < n && i < 8; i++)
            hint_param(an, e->list->items[i], ti(known, false), NULL, false);
        return ti(known, any_nullable);
    case FN_NULLIF:
        if (n == 2)
            hint_param(an, e->list->items[1], args[0], column_name_of(&args[0]), false);
        return ti(first.t, true);
    }
    return ti(CT_UNKNOWN, true);
}

/* ----------------------------------------------------------- expressions */

/* The argument of ANY(x) / ALL(x), or e itself. */
static Expr *any_argument(Expr *e)
{
    Expr *s = strip(e);
    if (s->kind == EX_FUNC && PTRLIST_LEN(s->list) == 1 && !TOKEN_SET(s->table) &&
        (str_ieq_n(s->tok.z, (size_t)s->tok.n, "any") || str_ieq_n(s->tok.z, (size_t)s->tok.n, "all") ||
         str_ieq_n(s->tok.z, (size_t)s->tok.n, "some")))
        return s->list->items[0];
    return e;
}

static bool is_comparison(int op)
{
    return op == TK_EQ || op == TK_NE || op == TK_LT || op == TK_LE || op == TK_GT || op == TK_GE;
}

static TypeInfo type_binary(Analyzer *an, Scope *sc, Expr *e)
{
    TypeInfo l = type_expr(an, sc, e->lhs);
    TypeInfo r = type_expr(an, sc, e->rhs);
    bool nullable = l.nullable || r.nullable;
    if (e->op == TK_AND || e->op == TK_OR) {
        hint_param(an, e->lhs, ti(CT_BOOL, false), NULL, false);
        hint_param(an, e->rhs, ti(CT_BOOL, false), NULL, false);
        return ti(CT_BOOL, nullable);
    }
    if (e->op == TK_CONCAT) {
        hint_param(an, e->lhs, ti(CT_TEXT, false), NULL, false);
        hint_param(an, e->rhs, ti(CT_TEXT, false), NULL, false);
        return ti(CT_TEXT, nullable);
    }
    /* (created_at, id) < ($1, $2): keyset pagination, element by element */
    Expr *lr = strip(e->lhs), *rr = strip(e->rhs);
    if (lr->kind == EX_ROW && rr->kind == EX_ROW && lr->list->n == rr->list->n) {
        for (int i = 0; i < lr->list->n; i++) {
            TypeInfo a = type_expr(an, sc, lr->list->items[i]);
            TypeInfo b = type_expr(an, sc, rr->list->items[i]);
            hint_param(an, lr->list->items[i], b, column_name_of(&b), false);
            hint_param(an, rr->list->items[i], a, column_name_of(&a), false);
        }
        return ti(CT_BOOL, nullable);
    }
    /* A parameter compared or combined with a typed operand takes its type
     * and, for a column, its name; x = ANY($1) makes $1 a list of x's type. */
    hint_param(an, any_argument(e->lhs), r, column_name_of(&r), false);
    hint_param(an, any_argument(e->rhs), l, column_name_of(&l), false);
    if (is_param(strip(e->lhs)))
        l = r;
    if (is_param(strip(e->rhs)))
        r = l;
    if (is_comparison(e->op))
        return ti(CT_BOOL, nullable);
    if (e->op == TK_PTR)
        return ti(CT_TEXT, true);
    if (e->op == TK_BITAND || e->op == TK_BITOR || e->op == TK_LSHIFT || e->op == TK_RSHIFT || e->op == TK_REM)
        return ti(CT_INT64, nullable);
    if (l.t == CT_DOUBLE || r.t == CT_DOUBLE)
        return ti(CT_DOUBLE, nullable);
    if (l.t == CT_INT64 && r.t == CT_INT64)
        return ti(CT_INT64, nullable);
    return ti(l.t != CT_UNKNOWN ? l.t : r.t, nullable);
}

static TypeInfo type_case(Analyzer *an, Scope *sc, Expr *e)
{
    TypeInfo operand = e->lhs ? type_expr(an, sc, e->lhs) : ti(CT_UNKNOWN, false);
    CType result = CT_UNKNOWN;
    bool nullable = e->rhs == NULL;
    for (int i = 0; i + 1 < e->list->n; i += 2) {
        TypeInfo w = type_expr(an, sc, e->list->items[i]);
        if (e->lhs) {
            hint_param(an, e->list->items[i], operand, column_name_of(&operand), false);
            hint_param(an, e->lhs, w, column_name_of(&w), false);
        }
        TypeInfo th = type_expr(an, sc, e->list->items[i + 1]);
        if (result == CT_UNKNOWN)
            result = th.t;
        nullable |= th.nullable;
    }
    if (e->rhs) {
        TypeInfo el = type_expr(an, sc, e->rhs);
        if (result == CT_UNKNOWN)
            result = el.t;
        nullable |= el.nullable;
    }
    return ti(result, nullable);
}

static TypeInfo type_expr(Analyzer *an, Scope *sc, Expr *e)
{
    if (!e)
        return ti(CT_UNKNOWN, true);
    switch (e->kind) {
    case EX_COLUMN: return resolve_column(an, sc, e);
    case EX_INTEGER: return ti(CT_INT64, false);
    case EX_FLOAT: return ti(CT_DOUBLE, false);
    case EX_STRING: return ti(CT_TEXT, false);
    case EX_BLOB: return ti(CT_BLOB, false);
    case EX_NULL: return ti(CT_UNKNOWN, true);
    case EX_TRUE:
    case EX_FALSE: return ti(CT_BOOL, false);
    case EX_CURRENT: return ti(CT_TEXT, false);
    case EX_DEFAULT: return ti(CT_UNKNOWN, true);
    case EX_PARAM: {
        Param *p = param_of(an, e);
        if (p && p->typed)
            return ti(p->ctype, p->nullable);
        return ti(CT_UNKNOWN, false);
    }
    case EX_BINARY: return type_binary(an, sc, e);
    case EX_UNARY: {
        TypeInfo x = type_expr(an, sc, e->lhs);
        if (e->op == TK_NOT) {
            hint_param(an, e->lhs, ti(CT_BOOL, false), NULL, false);
            return ti(CT_BOOL, x.nullable);
        }
        if (e->op == TK_BITNOT)
            return ti(CT_INT64, x.nullable);
        return ti(x.t, x.nullable);
    }
    case EX_FUNC: return type_function(an, sc, e);
    case EX_CAST: {
        bool list_cast = e->type->array && an->list_context && is_param(strip(e->lhs));
        an->list_context = false;
        TypeInfo x = type_expr(an, sc, e->lhs);
        /* ANY(@ids::bigint[]): the parameter is a list of bigint */
        CType t = e->type->array && !list_cast ? CT_UNKNOWN : catalog_ctype(an->cat, e->type->text);
        if (t == CT_UNKNOWN)
            error_at(an, e->type->tok.pos, "keel cannot map type \"%s%s\" to a C type%s", e->type->text,
                     e->type->array ? "[]" : "",
                     e->type->array ? " (an array parameter is supported as = ANY(@x::type[]))" : "");
        hint_param(an, e->lhs, ti(t, false), NULL, false);
        return ti(t, is_param(strip(e->lhs)) ? false : x.nullable);
    }
    case EX_CASE: return type_case(an, sc, e);
    case EX_IN_LIST: {
        TypeInfo l = type_expr(an, sc, e->lhs);
        bool nullable = l.nullable;
        for (int i = 0; i < e->list->n; i++) {
            an->in_list_item = e->list->n == 1;
            TypeInfo x = type_expr(an, sc, e->list->items[i]);
            an->in_list_item = false;
            hint_param(an, e->list->items[i], l, column_name_of(&l), false);
            hint_param(an, e->lhs, x, column_name_of(&x), false);
            nullable |= x.nullable;
        }
        return ti(CT_BOOL, nullable);
    }
    case EX_IN_SELECT: {
        TypeInfo l = type_expr(an, sc, e->lhs);
        PtrList *cols = analyze_select(an, sc, e->select);
        if (PTRLIST_LEN(cols) == 1) {
            OutColumn *c = cols->items[0];
            hint_param(an, e->lhs, ti(c->ctype, false), c->name, false);
        }
        return ti(CT_BOOL, l.nullable);
    }
    case EX_EXISTS:
        analyze_select(an, sc, e->select);
        return ti(CT_BOOL, false);
    case EX_SUBQUERY: {
        PtrList *cols = analyze_select(an, sc, e->select);
        if (PTRLIST_LEN(cols) != 1) {
            error_at(an, e->tok.pos, "a scalar subquery must return exactly one column");
            return ti(CT_UNKNOWN, true);
        }
        OutColumn *c = cols->items[0];
        return ti(c->ctype, true); /* no row is NULL */
    }
    case EX_BETWEEN: {
        TypeInfo x = type_expr(an, sc, e->lhs);
        TypeInfo lo = type_expr(an, sc, e->rhs);
        TypeInfo hi = type_expr(an, sc, e->extra);
        const char *base = column_name_of(&x);
        hint_param(an, e->rhs, x, base ? arena_printf(an->arena, "%s_from", base) : NULL, false);
        hint_param(an, e->extra, x, base ? arena_printf(an->arena, "%s_to", base) : NULL, false);
        hint_param(an, e->lhs, lo.t != CT_UNKNOWN ? lo : hi, NULL, false);
        return ti(CT_BOOL, x.nullable || lo.nullable || hi.nullable);
    }
    case EX_IS: {
        TypeInfo l = type_expr(an, sc, e->lhs);
        TypeInfo r = type_expr(an, sc, e->rhs);
        /* IS compares NULLs too, so a parameter here may be NULL */
        hint_param(an, e->lhs, r, column_name_of(&r), true);
        hint_param(an, e->rhs, l, column_name_of(&l), true);
        return ti(CT_BOOL, false);
    }
    case EX_ISNULL: {
        type_expr(an, sc, e->lhs);
        Expr *x = strip(e->lhs);
        while (x->kind == EX_CAST)
            x = strip(x->lhs);
        if (is_param(x)) {
            Param *p = param_of(an, x);
            if (p)
                p->nullable = true; /* (@x IS NULL OR col = @x): x is optional */
        }
        return ti(CT_BOOL, false);
    }
    case EX_LIKE: {
        TypeInfo l = type_expr(an, sc, e->lhs);
        TypeInfo r = type_expr(an, sc, e->rhs);
        if (e->extra)
            type_expr(an, sc, e->extra);
        hint_param(an, e->rhs, ti(CT_TEXT, false), column_name_of(&l), false);
        hint_param(an, e->lhs, ti(CT_TEXT, false), NULL, false);
        hint_param(an, e->extra, ti(CT_TEXT, false), "escape", false);
        return ti(CT_BOOL, l.nullable || r.nullable);
    }
    case EX_COLLATE: return type_expr(an, sc, e->lhs);
    case EX_ROW:
        for (int i = 0; i < e->list->n; i++)
            type_expr(an, sc, e->list->items[i]);
        return ti(CT_UNKNOWN, true);
    }
    return ti(CT_UNKNOWN, true);
}

/* ------------------------------------------------------- result columns */

static const char *const c_keywords[] = {
    "auto", "bool", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "false", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "true", "typedef", "union", "unsigned", "void",
    "volatile", "while",
};

/* A SQL name as a C field name: C keywords get a trailing underscore. */
static char *c_field_name(Analyzer *an, const char *name)
{
    for (size_t i = 0; i < sizeof c_keywords / sizeof c_keywords[0]; i++)
        if (strcmp(name, c_keywords[i]) == 0)
            return arena_printf(an->arena, "%s_", name);
    return arena_strdup(an->arena, name);
}

/* Where an expression starts in the source, for carets under the whole
 * expression rather than its operator. */
static SrcPos expr_start(const Expr *e)
{
    for (;;) {
        switch (e->kind) {
        case EX_BINARY: case EX_BETWEEN: case EX_IS: case EX_ISNULL: case EX_LIKE:
        case EX_IN_LIST: case EX_IN_SELECT: case EX_COLLATE:
            e = e->lhs;
            continue;
        case EX_CAST:
            if (e->tok.z[0] == ':') {
                e = e->lhs;
                continue;
            }
            return e->tok.pos;
        case EX_COLUMN:
        case EX_FUNC:
            return TOKEN_SET(e->table) ? e->table.pos : e->tok.pos;
        default:
            return e->tok.pos;
        }
    }
}

static char *result_name(Analyzer *an, const ResultCol *rc)
{
    if (TOKEN_SET(rc->alias))
        return token_name(an->arena, &rc->alias);
    Expr *e = rc->expr;
    while (e && (e->kind == EX_CAST || e->kind == EX_COLLATE))
        e = e->lhs;
    if (e && e->kind == EX_COLUMN)
        return token_name(an->arena, &e->tok);
    if (e && e->kind == EX_FUNC)
        return token_name(an->arena, &e->tok);
    return NULL;
}

static void push_out(Analyzer *an, PtrList *out, char *name, TypeInfo t, SrcPos pos)
{
    if (!is_c_identifier(name)) {
        error_at(an, pos, "result column \"%s\" is not a C identifier; rename it with AS", name);
        return;
    }
    name = c_field_name(an, name);
    /* SELECT a.id, b.id: the second becomes id_2, as sqlc does */
    char *unique = name;
    for (int suffix = 2;; suffix++) {
        bool clash = false;
        for (int i = 0; i < out->n; i++)
            if (strcmp(((OutColumn *)out->items[i])->name, unique) == 0)
                clash = true;
        if (!clash)
            break;
        unique = arena_printf(an->arena, "%s_%d", name, suffix);
    }
    OutColumn *o = arena_alloc(an->arena, sizeof *o);
    o->name = unique;
    o->ctype = t.t;
    o->nullable = t.nullable;
    o->pos = pos;
    o->origin = t.col;
    ptrlist_push(an->arena, out, o);
}

static void expand_star(Analyzer *an, Scope *sc, const ResultCol *rc, PtrList *out)
{
    char *qual = TOKEN_SET(rc->star_table) ? token_name(an->arena, &rc->star_table) : NULL;
    bool matched = false;
    for (int i = 0; i < sc->sources->n; i++) {
        Source *src = sc->sources->items[i];
        if (qual && strcmp(src->name, qual) != 0)
            continue;
        matched = true;
        for (int j = 0; j < PTRLIST_LEN(src->columns); j++) {
            Column *c = src->columns->items[j];
            push_out(an, out, c->name, column_type(c, src), TOKEN_SET(rc->star_table) ? rc->star_table.pos : c->pos);
        }
    }
    if (qual && !matched)
        error_at(an, rc->star_table.pos, "no table or alias \"%s\" in this query", qual);
    else if (!qual && sc->sources->n == 0)
        error_at(an, rc->star_table.pos, "SELECT * needs a FROM clause");
}

static PtrList *result_columns(Analyzer *an, Scope *sc, PtrList *cols)
{
    PtrList *out = ptrlist_new(an->arena);
    for (int i = 0; i < PTRLIST_LEN(cols); i++) {
        ResultCol *rc = cols->items[i];
        if (rc->star) {
            expand_star(an, sc, rc, out);
            continue;
        }
        TypeInfo t = type_expr(an, sc, rc->expr);
        char *name = result_name(an, rc);
        SrcPos pos = TOKEN_SET(rc->alias) ? rc->alias.pos : expr_start(rc->expr);
        if (!name && an->depth > 1) {
            name = arena_printf(an->arena, "column%d", i + 1); /* EXISTS (SELECT 1 ...) */
        } else if (!name) {
            error_at(an, expr_start(rc->expr), "result column %d has no name; give it one with AS", i + 1);
            continue;
        }
        if (t.t == CT_UNKNOWN && is_param(strip(rc->expr))) {
            /* the parameter's own error says what to do */
        } else if (t.t == CT_UNKNOWN && an->ok) {
            if (t.col)
                error_at(an, pos, "column \"%s\" has type \"%s\", which keel cannot map to a C type; CAST it, e.g. CAST(%s AS TEXT)",
                         t.col->name, t.col->decl_type, t.col->name);
            else if (strip(rc->expr)->kind == EX_FUNC)
                error_at(an, pos, "keel does not know what %.*s() returns; give result column \"%s\" a type with CAST(... AS type)",
                         strip(rc->expr)->tok.n, strip(rc->expr)->tok.z, name);
            else
                error_at(an, pos, "cannot infer the type of result column \"%s\"; add a CAST", name);
            continue;
        }
        push_out(an, out, name, t, pos);
    }
    return out;
}

/* --------------------------------------------------------------- SELECT */

static void add_from(Analyzer *an, Scope *sc, Scope *outer, PtrList *from)
{
    for (int i = 0; i < PTRLIST_LEN(from); i++) {
        SrcItem *it = from->items[i];
        Source *src;
        if (it->subquery) {
            PtrList *cols = analyze_select(an, outer, it->subquery);
            char *alias = TOKEN_SET(it->alias) ? token_name(an->arena, &it->alias) : arena_strdup(an->arena, "");
            src = add_source(an, sc, alias, alias, columns_from_outcols(an, cols));
        } else {
            src = add_table_source(an, sc, &it->schema, &it->name, &it->alias);
        }
        if (!src) {
            sc->incomplete = true;
            continue;
        }
        if (it->join == JOIN_LEFT || it->join == JOIN_FULL)
            src->nullable = true;
        if (it->join == JOIN_RIGHT || it->join == JOIN_FULL)
            for (int j = 0; j < sc->sources->n - 1; j++)
                ((Source *)sc->sources->items[j])->nullable = true;
        for (int j = 0; j < PTRLIST_LEN(it->using_cols); j++) {
            Token *t = it->using_cols->items[j];
            char *name = token_name(an->arena, t);
            if (!source_column(src, name))
                error_at(an, t->pos, "no column \"%s\" in table \"%s\"", name, src->table_name);
        }
    }
    /* ON clauses see every source joined so far (all of them, simply) */
    for (int i = 0; i < PTRLIST_LEN(from); i++) {
        SrcItem *it = from->items[i];
        if (it->on) {
            TypeInfo t = type_expr(an, sc, it->on);
            (void)t;
        }
    }
}

static void add_ctes(Analyzer *an, Scope *sc, With *with)
{
    if (!with)
        return;
    sc->ctes = ptrlist_new(an->arena);
    for (int i = 0; i < with->ctes->n; i++) {
        Cte *cte = with->ctes->items[i];
        Table *t = arena_alloc(an->arena, sizeof *t);
        t->name = token_name(an->arena, &cte->name);
        t->pos = cte->name.pos;
        if (with->recursive && cte->select->prior) {
            /* the anchor (first arm) types the CTE the recursive arm reads */
            Select *anchor = cte->select;
            while (anchor->prior)
                anchor = anchor->prior;
            t->columns = columns_from_outcols(an, analyze_select(an, sc, anchor));
            if (cte->columns && cte->columns->n == PTRLIST_LEN(t->columns))
                for (int j = 0; j < cte->columns->n; j++)
                    ((Column *)t->columns->items[j])->name = token_name(an->arena, cte->columns->items[j]);
            ptrlist_push(an->arena, sc->ctes, t);
            /* the recursive arm may widen nullability; the anchor's types stand */
            PtrList *full = analyze_select(an, sc, cte->select);
            for (int j = 0; j < PTRLIST_LEN(full) && j < PTRLIST_LEN(t->columns); j++)
                ((Column *)t->columns->items[j])->not_null &= !((OutColumn *)full->items[j])->nullable;
        } else {
            t->columns = columns_from_outcols(an, analyze_select(an, sc, cte->select));
            ptrlist_push(an->arena, sc->ctes, t);
        }
        if (cte->columns) {
            if (cte->columns->n != PTRLIST_LEN(t->columns)) {
                error_at(an, cte->name.pos, "CTE \"%s\" names %d columns but its query returns %d", t->name,
                         cte->columns->n, PTRLIST_LEN(t->columns));
                continue;
            }
            for (int j = 0; j < cte->columns->n; j++)
                ((Column *)t->columns->items[j])->name = token_name(an->arena, cte->columns->items[j]);
        }
    }
}

static void hint_limit(Analyzer *an, Expr *e, const char *name)
{
    if (!e)
        return;
    type_expr(an, NULL, e);
    hint_param(an, e, ti(CT_INT64, false), name, false);
}

static PtrList *analyze_one_select(Analyzer *an, Scope *parent, Select *s)
{
    Scope *sc = scope_new(an, parent);
    if (s->values) {
        PtrList *out = ptrlist_new(an->arena);
        PtrList *first = s->values->items[0];
        for (int r = 0; r < s->values->n; r++) {
            PtrList *row = s->values->items[r];
            if (row->n != first->n)
                error_at(an, ((Expr *)row->items[0])->tok.pos, "VALUES rows have different numbers of columns");
            for (int i = 0; i < row->n; i++) {
                TypeInfo t = type_expr(an, sc, row->items[i]);
                if (r == 0)
                    push_out(an, out, arena_printf(an->arena, "column%d", i + 1), t, ((Expr *)row->items[i])->tok.pos);
            }
        }
        return out;
    }
    add_from(an, sc, parent, s->from);
    if (s->where)
        type_expr(an, sc, s->where);
    PtrList *cols = result_columns(an, sc, s->result);
    /* GROUP BY day, HAVING n > 1: both engines let these name result
     * columns, so they see the result aliases after the FROM columns */
    Scope *gs = sc;
    if (s->group_by || s->having || s->distinct_on) {
        gs = scope_new(an, sc);
        gs->aliases = ptrlist_new(an->arena);
        for (int i = 0; i < PTRLIST_LEN(cols); i++)
            ptrlist_push(an->arena, gs->aliases, cols->items[i]);
    }
    for (int i = 0; i < PTRLIST_LEN(s->group_by); i++)
        type_expr(an, gs, s->group_by->items[i]);
    for (int i = 0; i < PTRLIST_LEN(s->distinct_on); i++)
        type_expr(an, gs, s->distinct_on->items[i]);
    if (s->having)
        type_expr(an, gs, s->having);
    return cols;
}

static PtrList *analyze_compound(Analyzer *an, Scope *parent, Select *s);

static PtrList *analyze_select(Analyzer *an, Scope *parent, Select *s)
{
    an->depth++;
    PtrList *cols = analyze_compound(an, parent, s);
    an->depth--;
    return cols;
}

static PtrList *analyze_compound(Analyzer *an, Scope *parent, Select *s)
{
    Scope *sc = scope_new(an, parent);
    add_ctes(an, sc, s->with);
    PtrList *cols;
    if (s->prior) {
        PtrList *left = analyze_compound(an, sc, s->prior);
        PtrList *right = analyze_one_select(an, sc, s);
        if (PTRLIST_LEN(left) != PTRLIST_LEN(right)) {
            error_at(an, s->tok.pos, "the arms of this compound SELECT return %d and %d columns", PTRLIST_LEN(left),
                     PTRLIST_LEN(right));
            return left;
        }
        for (int i = 0; i < PTRLIST_LEN(left); i++) {
            OutColumn *a = left->items[i], *b = right->items[i];
            a->nullable |= b->nullable;
            if (a->ctype == CT_UNKNOWN)
                a->ctype = b->ctype;
        }
        cols = left;
    } else {
        cols = analyze_one_select(an, sc, s);
    }
    if (s->order_by) {
        /* ORDER BY sees the FROM clause of the last arm and the result aliases */
        Scope *os = scope_new(an, sc);
        os->aliases = ptrlist_new(an->arena);
        for (int i = 0; i < PTRLIST_LEN(cols); i++)
            ptrlist_push(an->arena, os->aliases, cols->items[i]);
        if (!s->prior && an->ok)
            add_from(an, os, parent, s->from);
        for (int i = 0; i < s->order_by->n; i++)
            type_expr(an, os, ((ResultCol *)s->order_by->items[i])->expr);
    }
    hint_limit(an, s->limit, "limit");
    hint_limit(an, s->offset, "offset");
    return cols;
}

/* ------------------------------------------------------------------ DML */

static Source *dml_target(Analyzer *an, Scope *sc, const Token *schema, const Token *table, const Token *alias)
{
    char *name = table_key(an->arena, an->cat->dialect, schema, table);
    const Table *t = catalog_find_table(an->cat, name);
    if (t && t->view) {
        error_at(an, table->pos, "\"%s\" is a view; keel writes only to tables", name);
        return NULL;
    }
    return add_table_source(an, sc, schema, table, alias);
}

static void assign(Analyzer *an, Scope *sc, Source *target, ResultCol *set)
{
    char *name = token_name(an->arena, &set->alias);
    Column *c = source_column(target, name);
    type_expr(an, sc, set->expr);
    if (!c) {
        error_at(an, set->alias.pos, "no column \"%s\" in table \"%s\"", name, target->table_name);
        return;
    }
    TypeInfo t = ti(c->ctype, !c->not_null);
    t.col = c;
    hint_param(an, set->expr, t, c->name, !c->not_null);
}

static PtrList *returning(Analyzer *an, Scope *sc, PtrList *cols) { return cols ? result_columns(an, sc, cols) : NULL; }

static PtrList *analyze_insert(Analyzer *an, Stmt *stmt)
{
    Insert *ins = stmt->u.insert;
    Scope *outer = scope_new(an, NULL);
    add_ctes(an, outer, stmt->with);
    Scope *sc = scope_new(an, outer);
    Source *target = dml_target(an, sc, &ins->schema, &ins->table, &ins->alias);
    if (!target)
        return NULL;
    PtrList *cols = ptrlist_new(an->arena);
    if (ins->columns) {
        for (int i = 0; i < ins->columns->n; i++) {
            Token *t = ins->columns->items[i];
            Column *c = source_column(target, token_name(an->arena, t));
            if (!c) {
                error_at(an, t->pos, "no column \"%s\" in table \"%s\"", token_name(an->arena, t),
                         target->table_name);
                return NULL;
            }
            ptrlist_push(an->arena, cols, c);
        }
        /* A NOT NULL column without a default that the INSERT leaves out
         * fails on every call: say so now, not in production. */
        for (int i = 0; i < PTRLIST_LEN(target->columns); i++) {
            Column *c = target->columns->items[i];
            bool listed = false;
            for (int j = 0; j < cols->n; j++)
                listed |= cols->items[j] == c;
            if (!listed && c->not_null && !c->has_default)
                error_at(an, ins->table.pos, "INSERT into \"%s\" leaves out column \"%s\", which is NOT NULL and has no default",
                         target->table_name, c->name);
        }
    } else {
        for (int i = 0; i < PTRLIST_LEN(target->columns); i++)
            ptrlist_push(an->arena, cols, target->columns->items[i]);
    }
    Scope *values_scope = scope_new(an, outer);
    for (int r = 0; r < PTRLIST_LEN(ins->values); r++) {
        PtrList *row = ins->values->items[r];
        if (row->n != cols->n) {
            error_at(an, ((Expr *)row->items[0])->tok.pos, "%d values for %d columns", row->n, cols->n);
            continue;
        }
        for (int i = 0; i < row->n; i++) {
            Column *c = cols->items[i];
            type_expr(an, values_scope, row->items[i]);
            TypeInfo t = ti(c->ctype, !c->not_null);
            t.col = c;
            hint_param(an, row->items[i], t, c->name, !c->not_null);
        }
    }
    if (ins->select) {
        /* the SELECT's column names do not matter, its positions do */
        an->depth++;
        PtrList *sel = analyze_select(an, outer, ins->select);
        an->depth--;
        if (an->ok && PTRLIST_LEN(sel) != cols->n)
            error_at(an, ins->select->tok.pos, "the SELECT returns %d columns for %d", PTRLIST_LEN(sel), cols->n);
        /* INSERT INTO t (id, ...) SELECT @new_id, ...: a bare parameter in
         * the select list is typed and named by its target column */
        Select *last = ins->select;
        for (int i = 0; i < PTRLIST_LEN(last->result) && i < cols->n; i++) {
            ResultCol *rc = last->result->items[i];
            Column *c = cols->items[i];
            if (rc->expr) {
                TypeInfo t = ti(c->ctype, !c->not_null);
                t.col = c;
                hint_param(an, rc->expr, t, c->name, !c->not_null);
            }
        }
    }
    if (ins->upsert) {
        for (int i = 0; i < PTRLIST_LEN(ins->upsert->target); i++) {
            Token *t = ins->upsert->target->items[i];
            if (!source_column(target, token_name(an->arena, t)))
                error_at(an, t->pos, "no column \"%s\" in table \"%s\"", token_name(an->arena, t), target->table_name);
        }
        Scope *us = scope_new(an, outer);
        ptrlist_push(an->arena, us->sources, target);
        if (strcmp(target->name, target->table_name) != 0) {
            /* the table's own name stays usable beside its alias in DO UPDATE */
        }
        add_source(an, us, "excluded", "excluded", target->columns);
        for (int i = 0; i < PTRLIST_LEN(ins->upsert->set); i++)
            assign(an, us, target, ins->upsert->set->items[i]);
        if (ins->upsert->where)
            type_expr(an, us, ins->upsert->where);
    }
    return returning(an, sc, ins->returning);
}

static PtrList *analyze_update(Analyzer *an, Stmt *stmt)
{
    Update *u = stmt->u.update;
    Scope *outer = scope_new(an, NULL);
    add_ctes(an, outer, stmt->with);
    Scope *sc = scope_new(an, outer);
    Source *target = dml_target(an, sc, &u->schema, &u->table, &u->alias);
    if (!target)
        return NULL;
    add_from(an, sc, outer, u->from);
    for (int i = 0; i < u->set->n; i++)
        assign(an, sc, target, u->set->items[i]);
    if (u->where)
        type_expr(an, sc, u->where);
    return returning(an, sc, u->returning);
}

static PtrList *analyze_delete(Analyzer *an, Stmt *stmt)
{
    Delete *d = stmt->u.delete_;
    Scope *outer = scope_new(an, NULL);
    add_ctes(an, outer, stmt->with);
    Scope *sc = scope_new(an, outer);
    if (!dml_target(an, sc, &d->schema, &d->table, &d->alias))
        return NULL;
    add_from(an, sc, outer, d->using_);
    if (d->where)
        type_expr(an, sc, d->where);
    return returning(an, sc, d->returning);
}

/* --------------------------------------------------------------- driver */

static void name_params(Analyzer *an)
{
    Query *q = an->q;
    for (int i = 0; i < q->params->n; i++) {
        Param *p = q->params->items[i];
        if (!p->typed) {
            error_at(an, p->pos,
                     "cannot infer the type of parameter %d (%s); compare it with a column or add a cast, e.g. CAST(%s AS %s)",
                     p->slot, p->text, p->text, q->dialect == DIALECT_POSTGRES ? "bigint" : "INTEGER");
            continue;
        }
        if (!p->name)
            p->name = arena_printf(an->arena, "arg%d", p->slot);
        p->name = c_field_name(an, p->name);
        if (p->list && (p->ctype == CT_BOOL || p->ctype == CT_BLOB))
            error_at(an, p->pos, "parameter %s is a list of %s; keel supports lists of integers, doubles and text",
                     p->text, ctype_name(p->ctype));
    }
    /* WHERE a = ? OR a = ?: the second becomes a_2, the third a_3; a
     * suffix never collides with a name already taken */
    char **base = arena_alloc(an->arena, sizeof(char *) * (size_t)(q->params->n + 1));
    for (int i = 0; i < q->params->n; i++)
        base[i] = ((Param *)q->params->items[i])->name;
    for (int i = 0; i < q->params->n; i++) {
        Param *p = q->params->items[i];
        if (!p->name || p->explicit_name)
            continue;
        int same = 0;
        for (int j = 0; j < i; j++)
            same += base[j] && strcmp(base[j], base[i]) == 0;
        if (same == 0)
            continue;
        for (int suffix = same + 1;; suffix++) {
            char *candidate = arena_printf(an->arena, "%s_%d", base[i], suffix);
            bool taken = false;
            for (int j = 0; j < q->params->n; j++) {
                Param *o = q->params->items[j];
                taken |= j != i && o->name && strcmp(o->name, candidate) == 0;
            }
            if (!taken) {
                p->name = candidate;
                break;
            }
        }
    }
}

bool analyze_query(Arena *arena, const Catalog *cat, Query *q)
{
    Analyzer an = {.arena = arena, .cat = cat, .q = q, .ok = true};
    q->params = ptrlist_new(arena);
    q->uses = ptrlist_new(arena);
    PtrList *stmts = ptrlist_new(arena);
    if (!parse_sql(arena, q->file, q->sql_start, q->sql_end, q->sql_pos.line, q->sql_pos.col, q->dialect,
                   PARSE_QUERY, stmts))
        return false;
    if (stmts->n != 1) {
        diag_error(stmts->n ? ((Stmt *)stmts->items[1])->first.pos : q->pos,
                   "query %s must be exactly one statement; start another with \"-- name:\"", q->name);
        return false;
    }
    q->stmt = stmts->items[0];
    number_params(&an);
    if (!an.ok)
        return false;
    PtrList *cols = NULL;
    switch (q->stmt->kind) {
    case STMT_SELECT: cols = analyze_select(&an, NULL, q->stmt->u.select); break;
    case STMT_INSERT: cols = analyze_insert(&an, q->stmt); break;
    case STMT_UPDATE: cols = analyze_update(&an, q->stmt); break;
    case STMT_DELETE: cols = analyze_delete(&an, q->stmt); break;
    default:
        diag_error(q->stmt->first.pos, "query %s must be SELECT, INSERT, UPDATE or DELETE", q->name);
        return false;
    }
    if (!an.ok)
        return false;
    q->columns = cols ? cols : ptrlist_new(arena);
    name_params(&an);
    bool returns_rows = q->columns->n > 0;
    if ((q->cmd == CMD_ONE || q->cmd == CMD_MANY) && !returns_rows)
        error_at(&an, q->pos, "query %s is %s but returns no columns; use :exec or :execrows, or add RETURNING",
                 q->name, query_cmd_name(q->cmd));
    if (q->cmd != CMD_ONE && q->cmd != CMD_MANY && q->stmt->kind == STMT_SELECT)
        error_at(&an, q->pos, "query %s is %s but is a SELECT; use :one or :many", q->name, query_cmd_name(q->cmd));
    else if (q->cmd == CMD_EXECLASTID && q->dialect == DIALECT_POSTGRES &&
             (q->columns->n != 1 || ((OutColumn *)q->columns->items[0])->ctype != CT_INT64))
        error_at(&an, q->pos,
                 "query %s is :execlastid, and PostgreSQL has no last insert id: end it with RETURNING and one "
                 "integer column, e.g. RETURNING id",
                 q->name);
    return an.ok;
}
