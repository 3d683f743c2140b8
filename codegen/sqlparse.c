#include "sqlparse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "dialect_check.h"
#include "parse_build.h"
#include "parse_routine.h"
#include "tokenize.h"

/* lemon's generated interface */
void *KeelParserAlloc(void *(*malloc_fn)(size_t));
void KeelParserFree(void *parser, void (*free_fn)(void *));
void KeelParser(void *parser, int major, Token minor, Parse *p);

const char *dialect_name(Dialect d) { return d == DIALECT_POSTGRES ? "postgres" : "sqlite"; }

char *token_text(Arena *arena, const Token *t) { return arena_strndup(arena, t->z, (size_t)t->n); }

char *token_name(Arena *arena, const Token *t)
{
    const char *z = t->z;
    int n = t->n;
    if (n >= 2 && (z[0] == '"' || z[0] == '`' || z[0] == '\'' || z[0] == '[')) {
        char close = (char)(z[0] == '[' ? ']' : z[0]);
        char *out = arena_alloc(arena, (size_t)n);
        int k = 0;
        for (int i = 1; i < n - 1; i++) {
            out[k++] = z[i];
            if (z[i] == close && i + 1 < n - 1 && z[i + 1] == close)
                i++;
        }
        out[k] = 0;
        return out;
    }
    char *out = arena_strndup(arena, z, (size_t)n);
    for (char *c = out; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return out;
}

typedef struct TokenVec {
    Token *items;
    int n, cap;
} TokenVec;

static void tv_push(TokenVec *v, Token t)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->items = xrealloc(v->items, (size_t)v->cap * sizeof *v->items);
    }
    v->items[v->n++] = t;
}

static bool word_is(const Token *t, const char *w) { return t->type != TK_STRING && str_ieq_n(t->z, (size_t)t->n, w); }

/* After `::`, the words PostgreSQL reads as one type name: double
 * precision, character varying, timestamp with time zone... The count of
 * tokens from t[i] that spell one, 0 when none does; they reach the
 * grammar as one name (an alias could follow a one-word cast, so the
 * grammar cannot tell `x::double precision` from `x::double AS precision`). */
static int multiword_type_length(const TokenVec *v, int i)
{
    const Token *t = v->items;
    int left = v->n - i;
    if (left >= 2 && word_is(&t[i], "double") && word_is(&t[i + 1], "precision"))
        return 2;
    if (left >= 3 && word_is(&t[i], "national") && word_is(&t[i + 1], "character") && word_is(&t[i + 2], "varying"))
        return 3;
    if (left >= 2 && (word_is(&t[i], "character") || word_is(&t[i], "char") || word_is(&t[i], "bit")) &&
        word_is(&t[i + 1], "varying"))
        return 2;
    if (left >= 4 && (word_is(&t[i], "timestamp") || word_is(&t[i], "time")) &&
        (t[i + 1].type == TK_WITH || t[i + 1].type == TK_WITHOUT) && word_is(&t[i + 2], "time") &&
        t[i + 3].type == TK_ZONE)
        return 4;
    return 0;
}

/* The statement's first words after CREATE: [OR REPLACE] [TEMP | UNLOGGED | MATERIALIZED ...] */
static int skip_create_modifiers(const TokenVec *v, int i)
{
    const Token *t = v->items;
    if (i + 1 < v->n && t[i].type == TK_OR && t[i + 1].type == TK_REPLACE)
        i += 2;
    while (i < v->n && (t[i].type == TK_TEMP || word_is(&t[i], "unlogged") || word_is(&t[i], "materialized") ||
                        word_is(&t[i], "global") || word_is(&t[i], "local") || t[i].type == TK_UNIQUE))
        i++;
    return i;
}

static bool is_routine(const TokenVec *v)
{
    if (v->n < 2 || v->items[0].type != TK_CREATE)
        return false;
    int i = 1;
    if (i + 1 < v->n && v->items[i].type == TK_OR && v->items[i + 1].type == TK_REPLACE)
        i += 2;
    return i < v->n && (word_is(&v->items[i], "function") || word_is(&v->items[i], "procedure"));
}

/* A name as sqlc.arg() takes it: a word (keywords too: sqlc.arg(limit)),
 * a "quoted" name or a 'string'. */
static bool is_arg_name(const Token *t)
{
    unsigned char c = (unsigned char)t->z[0];
    return t->n > 0 && (isalpha(c) || c == '_' || c == '"' || c == '`' || t->type == TK_STRING);
}

/* VIEW (both dialects) and INDEX (PostgreSQL, where it is an unreserved
 * keyword; SQLite reserves it) are keywords only in a statement's head
 * (CREATE OR REPLACE TEMP VIEW, DROP MATERIALIZED VIEW, CREATE UNIQUE
 * INDEX, COMMENT ON INDEX) and after USING (USING INDEX i); anywhere else
 * they are names, as in a column called "view". */
static bool in_statement_head(const TokenVec *v, int i)
{
    if (i > 0 && v->items[i - 1].type == TK_USING)
        return true;
    for (int j = 0; j < i; j++) {
        int t = v->items[j].type;
        if (t != TK_CREATE && t != TK_OR && t != TK_REPLACE && t != TK_TEMP && t != TK_UNIQUE && t != TK_DROP &&
            t != TK_ALTER && t != TK_ON && t != TK_ID)
            return false;
    }
    return true;
}

/* WINDOW and INDEXED are keywords only where SQLite reads them as such,
 * so tables may have columns called "window" or "indexed" as SQLite
 * allows: WINDOW before `name AS` (a window definition, as SQLite's own
 * tokenizer decides), INDEXED in `INDEXED BY` and `NOT INDEXED`. */
static int contextual_keyword(const TokenVec *v, int i, Dialect dialect)
{
    int type = v->items[i].type;
    if ((type == TK_VIEW || (type == TK_INDEX && dialect == DIALECT_POSTGRES)) && !in_statement_head(v, i))
        return TK_ID;
    if (type == TK_WINDOW && !(i + 2 < v->n && v->items[i + 1].type == TK_ID && v->items[i + 2].type == TK_AS))
        return TK_ID;
    if (type == TK_INDEXED && !(i + 1 < v->n && v->items[i + 1].type == TK_BY) &&
        !(i > 0 && v->items[i - 1].type == TK_NOT))
        return TK_ID;
    return type;
}

/* sqlc.arg(x), sqlc.narg(x) and sqlc.slice(x) are placeholders: the last
 * six tokens become one parameter token spanning them, so the grammar
 * takes them wherever it takes $1 (casts, LIMIT, VALUES, function
 * arguments...), and the analyzer replaces them like any other. */
static void merge_sqlc_param(TokenVec *v)
{
    if (v->n < 6)
        return;
    Token *t = &v->items[v->n - 6];
    if (!word_is(&t[0], "sqlc") || t[1].type != TK_DOT || t[3].type != TK_LP || !is_arg_name(&t[4]) ||
        t[5].type != TK_RP)
        return;
    if (!word_is(&t[2], "arg") && !word_is(&t[2], "narg") && !word_is(&t[2], "slice"))
        return;
    t[0].type = TK_VARIABLE;
    t[0].n = (int)(t[5].z + t[5].n - t[0].z);
    v->n -= 5;
}

/* Which statements the grammar models. In a migration only DDL matters to
 * the catalog; DML there (seed rows) is kept opaque. */
static bool is_modelled(const TokenVec *v, ParseMode mode)
{
    const Token *t = v->items;
    int n = v->n;
    if (n == 0)
        return false;
    if (mode == PARSE_QUERY)
        return true; /* run_grammar says what a query may be */
    int i = 0;
    if (t[0].type == TK_CREATE && n > 1 && (word_is(&t[1], "domain") || word_is(&t[1], "extension")))
        return true;
    if (t[0].type == TK_CREATE && n > 1 && word_is(&t[1], "type")) {
        /* enums and composites matter to the catalog: CREATE TYPE [s.]name AS ENUM / AS ( */
        for (i = 2; i < n - 1 && i < 6; i++)
            if (t[i].type == TK_AS)
                return word_is(&t[i + 1], "enum") || t[i + 1].type == TK_LP;
        return false;
    }
    if (t[0].type == TK_CREATE) {
        i = skip_create_modifiers(v, 1);
        return i < n && (t[i].type == TK_TABLE || t[i].type == TK_INDEX || t[i].type == TK_VIEW);
    }
    if (t[0].type == TK_ALTER)
        return n > 1 && (t[1].type == TK_TABLE || t[1].type == TK_VIEW || word_is(&t[1], "type") ||
                         (word_is(&t[1], "materialized") && n > 2 && t[2].type == TK_VIEW));
    if (t[0].type == TK_DROP && n > 1) {
        if (t[1].type == TK_TABLE || t[1].type == TK_INDEX || t[1].type == TK_VIEW)
            return true;
        if (word_is(&t[1], "materialized"))
            return n > 2 && t[2].type == TK_VIEW;
        return word_is(&t[1], "type") || word_is(&t[1], "domain") || word_is(&t[1], "function") ||
               word_is(&t[1], "procedure");
    }
    return false;
}

/* CREATE TRIGGER ... BEGIN ... END and CREATE FUNCTION ... BEGIN ATOMIC ...
 * END hold semicolons: the statement ends at the END that closes them. */
static bool is_block_statement(const TokenVec *v)
{
    for (int i = 1; i < v->n && i < 4; i++)
        if (word_is(&v->items[i], "trigger"))
            return v->items[0].type == TK_CREATE;
    return is_routine(v);
}

/* Words that say only how the server works, which the grammar never sees:
 * CONCURRENTLY (CREATE / DROP INDEX, REFRESH MATERIALIZED VIEW) and the
 * GLOBAL / LOCAL PostgreSQL ignores before TEMPORARY. */
static void drop_noise_words(TokenVec *v)
{
    for (int i = 1; i < v->n; i++) {
        const Token *t = &v->items[i];
        bool noise = (word_is(t, "concurrently") && (t[-1].type == TK_INDEX || t[-1].type == TK_VIEW)) ||
                     (i == 1 && i + 1 < v->n && v->items[0].type == TK_CREATE && t[1].type == TK_TEMP &&
                      (word_is(t, "global") || word_is(t, "local")));
        if (noise) {
            memmove(&v->items[i], &v->items[i + 1], (size_t)(v->n - i - 1) * sizeof v->items[0]);
            v->n--;
            return;
        }
    }
}

static void describe_token(StrBuf *b, const Token *t)
{
    if (t->type == 0)
        sb_puts(b, "end of statement");
    else
        sb_printf(b, "\"%.*s\"", t->n > 40 ? 40 : t->n, t->z);
}

/* Statements that are valid SQL but not queries: saying so beats a
 * syntax error. A misspelt SELECT still gets the syntax error. */
static bool is_other_statement(const Token *t)
{
    static const char *const words[] = {
        "analyze", "attach", "begin", "comment", "commit", "copy", "detach", "do", "end", "explain",
        "grant", "lock", "pragma", "reindex", "release", "revoke", "rollback", "savepoint", "set", "vacuum",
    };
    if (t->type == TK_CREATE || t->type == TK_ALTER || t->type == TK_DROP)
        return true;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (word_is(t, words[i]))
            return true;
    return false;
}

/* CREATE [GLOBAL | LOCAL] TEMP TABLE: a table of one connection, which a
 * program makes when it runs (to load rows into and merge), so a query may
 * create it, as sqlc lets it. */
static bool is_temp_table(const TokenVec *v)
{
    int i = 1;
    if (i < v->n && (word_is(&v->items[i], "global") || word_is(&v->items[i], "local")))
        i++;
    return v->items[0].type == TK_CREATE && i + 1 < v->n && v->items[i].type == TK_TEMP &&
           v->items[i + 1].type == TK_TABLE;
}

/* The index of the RP closing the LP at open, or -1. */
static int closing_paren(const TokenVec *v, int open)
{
    int depth = 0;
    for (int i = open; i < v->n; i++) {
        if (v->items[i].type == TK_LP)
            depth++;
        else if (v->items[i].type == TK_RP && --depth == 0)
            return i;
    }
    return -1;
}

static void drop_token(TokenVec *v, int i)
{
    memmove(&v->items[i], &v->items[i + 1], (size_t)(v->n - i - 1) * sizeof v->items[0]);
    v->n--;
}

/* PostgreSQL's SQL-standard call forms become the plain calls its grammar
 * makes of them (gram.y), so one call rule reads them: POSITION(a IN b),
 * SUBSTRING(x FROM a FOR b), OVERLAY(x PLACING y FROM a FOR b), TRIM([BOTH
 * | LEADING | TRAILING] [chars] FROM x), which is btrim, ltrim or rtrim.
 * Only the token kinds change; the SQL sent to the server stays as
 * written. The arguments keep their written order, which gives the
 * functions' types (position(text, text) either way). */
static void rewrite_standard_calls(TokenVec *v)
{
    for (int i = 0; i + 1 < v->n; i++) {
        Token *name = &v->items[i];
        if (name->type != TK_ID || v->items[i + 1].type != TK_LP || (i > 0 && v->items[i - 1].type == TK_DOT))
            continue;
        bool position = word_is(name, "position"), substring = word_is(name, "substring"),
             overlay = word_is(name, "overlay"), trim = word_is(name, "trim");
        if (!position && !substring && !overlay && !trim)
            continue;
        if (trim && i + 2 < v->n) {
            Token *side = &v->items[i + 2];
            const char *fn = word_is(side, "leading") ? "ltrim" : word_is(side, "trailing") ? "rtrim"
                             : word_is(side, "both")  ? "btrim" : NULL;
            if (fn) {
                name->z = fn; /* the analysis and PostgreSQL's column name use it */
                name->n = 5;
                drop_token(v, i + 2);
            }
        }
        int close = closing_paren(v, i + 1);
        int depth = 0;
        for (int k = i + 2; close > 0 && k < close; k++) {
            int t = v->items[k].type;
            if (t == TK_LP)
                depth++;
            else if (t == TK_RP)
                depth--;
            if (depth != 0)
                continue;
            bool separator = (position && t == TK_IN) || ((substring || overlay || trim) && t == TK_FROM) ||
                             ((substring || overlay) && t == TK_FOR) ||
                             (overlay && t == TK_ID && word_is(&v->items[k], "placing"));
            if (!separator)
                continue;
            if (trim && k == i + 2) { /* TRIM(FROM x), TRIM(BOTH FROM x): no characters given */
                drop_token(v, k);
                close--;
                k--;
                continue;
            }
            v->items[k].type = TK_COMMA;
            if (position)
                break;
        }
    }
}

static bool run_grammar(Arena *arena, TokenVec *v, Token end_tok, Dialect dialect, ParseMode mode, PtrList *out)
{
    if (mode == PARSE_QUERY && is_other_statement(&v->items[0]) && !is_temp_table(v)) {
        diag_error(v->items[0].pos,
                   "a query must be SELECT, INSERT, UPDATE or DELETE%s, or CREATE TEMP TABLE (schema changes belong "
                   "in a migration)",
                   dialect == DIALECT_POSTGRES ? ", CALL, REFRESH MATERIALIZED VIEW" : "");
        return false;
    }
    /* the only statements that start with a plain word are CALL and REFRESH */
    if (v->items[0].type == TK_ID && !word_is(&v->items[0], "call") && !word_is(&v->items[0], "refresh")) {
        StrBuf b = {0};
        describe_token(&b, &v->items[0]);
        diag_error(v->items[0].pos, "syntax error near %s", b.s);
        sb_free(&b);
        return false;
    }
    Parse p = {.arena = arena, .dialect = dialect};
    drop_noise_words(v);
    if (dialect == DIALECT_POSTGRES)
        rewrite_standard_calls(v);
    if (mode == PARSE_MIGRATION && is_routine(v)) {
        /* a signature keel cannot read stays opaque, as all functions were */
        diag_quiet_begin();
        Stmt *s = parse_routine(&p, v->items, v->n);
        if (diag_quiet_end() > 0 || !s) {
            s = arena_alloc(arena, sizeof *s);
            s->kind = STMT_OTHER;
        }
        s->first = v->items[0];
        s->last = v->items[v->n - 1];
        ptrlist_push(arena, out, s);
        return true;
    }
    void *parser = KeelParserAlloc(malloc);
    for (int i = 0; i < v->n && !p.failed; i++) {
        int type = contextual_keyword(v, i, dialect);
        if (type == TK_WITH && i + 1 < v->n && v->items[i + 1].type == TK_ID && word_is(&v->items[i + 1], "ordinality")) {
            type = TK_WITH_ORDINALITY; /* one token, so the grammar needs no second look ahead */
            i++;
        }
        /* SQLite's REPLACE INTO is INSERT OR REPLACE INTO, which the tree
         * does not tell apart from INSERT: at the start of a statement lemon
         * would take REPLACE for the name CALL and REFRESH begin with (its
         * fallback beats the empty WITH's default reduction) */
        if (type == TK_REPLACE && i == 0 && v->n > 1 && v->items[1].type == TK_INTO)
            type = TK_INSERT;
        KeelParser(parser, type, v->items[type == TK_WITH_ORDINALITY ? i - 1 : i], &p);
        int words = type == TK_CAST_OP ? multiword_type_length(v, i + 1) : 0;
        if (words > 0) {
            Token name = v->items[i + 1];
            const Token *last = &v->items[i + words];
            name.type = TK_ID;
            name.n = (int)(last->z + last->n - name.z);
            KeelParser(parser, TK_ID, name, &p);
            i += words;
        }
    }
    if (!p.failed)
        KeelParser(parser, 0, end_tok, &p);
    KeelParserFree(parser, free);
    if (p.failed) {
        if (p.overflow) {
            diag_error(v->items[0].pos, "statement is nested too deeply");
        } else if (p.error_token.n >= 0) {
            StrBuf b = {0};
            describe_token(&b, &p.error_token);
            SrcPos pos = p.error_token.pos.file ? p.error_token.pos : end_tok.pos;
            const Token *e = &p.error_token;
            if (e->type == TK_INDEX || e->type == TK_VIEW || e->type == TK_ORDER || e->type == TK_GROUP ||
                e->type == TK_TABLE || e->type == TK_DEFAULT)
                /* the reserved words people most often name columns after */
                diag_error(pos, "syntax error near %s, a keyword: to use it as a name, quote it (\"%.*s\")", b.s, e->n,
                           e->z);
            else
                diag_error(pos, "syntax error near %s", b.s);
            sb_free(&b);
        }
        return false;
    }
    if (!p.stmt) {
        diag_error(v->items[0].pos, "statement is not supported here");
        return false;
    }
    p.stmt->first = v->items[0];
    p.stmt->last = v->items[v->n - 1];
    ptrlist_push(arena, out, p.stmt);
    return true;
}

/* SQLite's CREATE VIRTUAL TABLE [IF NOT EXISTS] [s.]name USING module
 * [(args)], read by hand: the arguments are the module's own language, split
 * at the commas outside parentheses. NULL when it is not of that shape (the
 * statement is then kept unmodelled, and SQLite says what is wrong). */
static Stmt *parse_create_virtual(Arena *arena, const TokenVec *v)
{
    int n = v->n, i = 3;
    if (n < 5 || v->items[0].type != TK_CREATE || v->items[1].type != TK_VIRTUAL || v->items[2].type != TK_TABLE)
        return NULL;
    /* the arguments point into the tokens: the vector is the next statement's */
    Token *t = arena_alloc(arena, (size_t)n * sizeof *t);
    memcpy(t, v->items, (size_t)n * sizeof *t);
    CreateVirtual *cv = arena_alloc(arena, sizeof *cv);
    if (i + 2 < n && t[i].type == TK_IF && t[i + 1].type == TK_NOT && t[i + 2].type == TK_EXISTS) {
        cv->if_not_exists = true;
        i += 3;
    }
    if (i >= n)
        return NULL;
    cv->name = t[i++];
    if (i + 1 < n && t[i].type == TK_DOT) {
        cv->schema = cv->name;
        cv->name = t[i + 1];
        i += 2;
    }
    if (i + 1 >= n || t[i].type != TK_USING)
        return NULL;
    cv->module = t[i + 1];
    i += 2;
    cv->arg_first = arena_alloc(arena, (size_t)n * sizeof(const Token *));
    cv->arg_len = arena_alloc(arena, (size_t)n * sizeof *cv->arg_len);
    if (i < n && t[i].type == TK_LP) {
        int depth = 0, start = ++i;
        for (; i < n; i++) {
            bool end = t[i].type == TK_RP && depth == 0;
            if (end || (t[i].type == TK_COMMA && depth == 0)) {
                if (i > start) {
                    cv->arg_first[cv->n_args] = &t[start];
                    cv->arg_len[cv->n_args++] = i - start;
                }
                start = i + 1;
                if (end)
                    break;
            } else if (t[i].type == TK_LP) {
                depth++;
            } else if (t[i].type == TK_RP) {
                depth--;
            }
        }
        if (i >= n)
            return NULL;
        i++;
    }
    if (i != n)
        return NULL;
    Stmt *s = arena_alloc(arena, sizeof *s);
    s->kind = STMT_CREATE_VIRTUAL;
    s->u.create_virtual = cv;
    s->first = t[0];
    s->last = t[n - 1];
    return s;
}

static bool finish_statement(Arena *arena, TokenVec *v, Token end_tok, Dialect dialect, ParseMode mode,
                             PtrList *out)
{
    if (v->n == 0)
        return true;
    if (!dialect_check_statement(v->items, v->n, dialect, mode == PARSE_QUERY)) {
        v->n = 0;
        return false;
    }
    bool ok;
    Stmt *virtual_table = mode == PARSE_MIGRATION && dialect == DIALECT_SQLITE ? parse_create_virtual(arena, v) : NULL;
    if (virtual_table) {
        ptrlist_push(arena, out, virtual_table);
        ok = true;
    } else if (is_modelled(v, mode) || (mode == PARSE_MIGRATION && is_routine(v))) {
        ok = run_grammar(arena, v, end_tok, dialect, mode, out);
    } else {
        Stmt *s = arena_alloc(arena, sizeof *s);
        s->kind = STMT_OTHER;
        s->first = v->items[0];
        s->last = v->items[v->n - 1];
        ptrlist_push(arena, out, s);
        ok = true;
    }
    v->n = 0;
    return ok;
}

bool parse_sql(Arena *arena, const SrcFile *file, size_t start, size_t end, int line, int col,
               Dialect dialect, ParseMode mode, PtrList *out)
{
    Lexer lx;
    lexer_init(&lx, file, start, end, line, col, dialect);
    TokenVec v = {0};
    bool ok = true;
    int block_depth = 0; /* BEGIN ... END inside CREATE TRIGGER */
    bool broken = false; /* the current statement had a malformed token */
    Token t;
    for (;;) {
        int type = lexer_next_significant(&lx, &t);
        if (type == TK_ILLEGAL) {
            /* reported by the tokenizer; the statement's grammar errors would only echo it */
            ok = false;
            broken = true;
            continue;
        }
        if (type == 0 || (type == TK_SEMI && block_depth == 0)) {
            Token end_tok = t;
            end_tok.type = 0;
            if (type == 0 && v.n > 0) {
                /* a statement cut off by the end of the file: point just
                 * after its last token, not at the empty line below */
                const Token *last = &v.items[v.n - 1];
                end_tok.pos = last->pos;
                if (!memchr(last->z, '\n', (size_t)last->n))
                    end_tok.pos.col += last->n;
            }
            if (broken)
                v.n = 0;
            else
                ok = finish_statement(arena, &v, end_tok, dialect, mode, out) && ok;
            broken = false;
            if (type == 0)
                break;
            continue;
        }
        if (v.n > 0 && is_block_statement(&v)) {
            if (word_is(&t, "begin") || t.type == TK_CASE)
                block_depth++;
            else if (t.type == TK_END && block_depth > 0)
                block_depth--;
        }
        tv_push(&v, t);
        if (mode == PARSE_QUERY)
            merge_sqlc_param(&v);
    }
    free(v.items);
    return ok;
}
