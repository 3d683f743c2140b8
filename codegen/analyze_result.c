/*
 * Result columns: their names (as the engines name them), C field names,
 * and expanding *.
 */
#include "analyze_internal.h"

#include <sqlite3.h>
#include <string.h>

#include "sqlparse.h"
#include "tokenize.h"

/* ------------------------------------------------------- result columns */

/* C's keywords (C23's too), then C++'s: the generated header has an
 * extern "C" block for C++ programs, which a field named class or new
 * would break. */
static const char *const c_keywords[] = {
    "auto", "bool", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "false", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "true", "typedef", "union", "unsigned", "void",
    "volatile", "while", "alignas", "alignof", "constexpr", "nullptr", "static_assert", "thread_local", "typeof",
    "typeof_unqual",
    "and", "and_eq", "asm", "bitand", "bitor", "catch", "char8_t", "char16_t", "char32_t", "class", "compl",
    "concept", "consteval", "constinit", "const_cast", "co_await", "co_return", "co_yield", "decltype", "delete",
    "dynamic_cast", "explicit", "export", "friend", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "operator", "or", "or_eq", "private", "protected", "public", "reinterpret_cast", "requires", "static_cast",
    "template", "this", "throw", "try", "typeid", "typename", "using", "virtual", "wchar_t", "xor", "xor_eq",
};

/* A SQL name as a C field name: C and C++ keywords get a trailing underscore. */
char *c_field_name(Analyzer *an, const char *name)
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

/* The name PostgreSQL gives a cast with nothing better: its type's own
 * name (pg_type.typname), which the SQL-standard spellings hide. */
static const char *cast_type_name(Analyzer *an, const TypeName *t)
{
    static const char *const standard[][2] = {
        {"int", "int4"}, {"integer", "int4"}, {"bigint", "int8"}, {"smallint", "int2"}, {"real", "float4"},
        {"float", "float8"}, {"double precision", "float8"}, {"boolean", "bool"}, {"decimal", "numeric"},
        {"dec", "numeric"}, {"character varying", "varchar"}, {"char varying", "varchar"}, {"character", "bpchar"},
        {"char", "bpchar"}, {"timestamp without time zone", "timestamp"}, {"timestamp with time zone", "timestamptz"},
        {"time without time zone", "time"}, {"time with time zone", "timetz"}, {"bit varying", "varbit"},
    };
    for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++)
        if (strcmp(t->text, standard[i][0]) == 0)
            return standard[i][1];
    const char *dot = strrchr(t->text, '.');
    return arena_strdup(an->arena, dot ? dot + 1 : t->text);
}

/*
 * The name PostgreSQL gives an expression without AS (FigureColname in its
 * parse_target.c), with its strength: 2 a real name (column, function,
 * EXISTS), 1 a fallback a stronger inner name overrides (a cast's type,
 * CASE), 0 none ("?column?"). keel uses the same rule on every dialect so
 * the API is the same on both.
 */
static const char *figure_name(Analyzer *an, const Expr *e, int *strength)
{
    *strength = 0;
    if (!e)
        return NULL;
    switch (e->kind) {
    case EX_COLUMN:
        *strength = 2;
        return token_name(an->arena, &e->tok);
    case EX_FUNC: {
        if (is_sqlc_call(e))
            return NULL; /* a parameter: $1 has no name */
        *strength = 2;
        char *name = token_name(an->arena, &e->tok);
        /* TRIM(x) is btrim(x) to PostgreSQL */
        return strcmp(name, "trim") == 0 ? "btrim" : name;
    }
    case EX_CAST: {
        const char *inner = figure_name(an, e->lhs, strength);
        if (*strength > 1)
            return inner;
        *strength = 1;
        return cast_type_name(an, e->type);
    }
    case EX_COLLATE:
        return figure_name(an, e->lhs, strength);
    case EX_CASE: {
        const char *inner = figure_name(an, e->rhs, strength);
        if (*strength > 1)
            return inner;
        *strength = 1;
        return "case";
    }
    case EX_EXISTS:
        *strength = 2;
        return "exists";
    case EX_ROW:
        *strength = 2;
        return "row";
    case EX_CURRENT:
        *strength = 2;
        return token_name(an->arena, &e->tok);
    case EX_SUBQUERY: {
        /* the name of the subquery's single column, as it names it */
        const Select *s = e->select;
        while (s && s->prior)
            s = s->prior;
        if (!s || PTRLIST_LEN(s->result) == 0)
            return NULL;
        const ResultCol *rc = s->result->items[0];
        if (rc->star)
            return NULL;
        *strength = 2;
        if (TOKEN_SET(rc->alias))
            return token_name(an->arena, &rc->alias);
        int inner;
        const char *name = figure_name(an, rc->expr, &inner);
        if (!name || inner == 0)
            *strength = 0;
        return inner ? name : NULL;
    }
    default:
        return NULL;
    }
}

/* A result column's name as the engine names it, NULL for "?column?". */
static const char *result_name(Analyzer *an, const ResultCol *rc)
{
    if (TOKEN_SET(rc->alias))
        return token_name(an->arena, &rc->alias);
    int strength;
    const char *name = figure_name(an, rc->expr, &strength);
    return strength > 0 ? name : NULL;
}

void push_out(Analyzer *an, PtrList *out, char *name, TypeInfo t, SrcPos pos)
{
    char *sql_name = name;
    if (!is_c_identifier(name)) {
        error_at(an, pos, "result column \"%s\" is not a C identifier; rename it with AS", name);
        return;
    }
    name = c_field_name(an, name);
    /* SELECT a.id, b.id: the second becomes id_2, as sqlc does */
    char *unique = name;
    for (int suffix = 2;; suffix++) {
        bool clash = false;
        for (int i = 0; i < out->n; i++) {
            const OutColumn *o = out->items[i];
            if (strcmp(o->name, unique) == 0 || (o->embed && strcmp(o->embed->field, unique) == 0))
                clash = true;
        }
        if (!clash)
            break;
        unique = arena_printf(an->arena, "%s_%d", name, suffix);
    }
    OutColumn *o = arena_alloc(an->arena, sizeof *o);
    o->sql_name = sql_name;
    o->name = unique;
    o->ctype = t.t;
    o->nullable = t.nullable;
    o->pos = pos;
    o->origin = t.col;
    o->list = t.list;
    o->sqltype = t.sqltype;
    ptrlist_push(an->arena, out, o);
}

static void expand_star(Analyzer *an, Scope *sc, const ResultCol *rc, PtrList *out)
{
    char *qual = TOKEN_SET(rc->star_table) ? token_name(an->arena, &rc->star_table) : NULL;
    bool matched = false;
    PtrList *merged = ptrlist_new(an->arena); /* of Column*: USING / NATURAL columns already listed */
    if (!qual && an->cat->dialect == DIALECT_POSTGRES) {
        /* PostgreSQL lists a join's merged columns first, the outermost join's first */
        for (int i = sc->sources->n - 1; i >= 0; i--) {
            Source *right = sc->sources->items[i];
            for (int k = 0; k < PTRLIST_LEN(right->hidden); k++)
                for (int j = 0; j < i; j++) {
                    Source *left = sc->sources->items[j];
                    Column *c = source_column(left, right->hidden->items[k]);
                    if (!c || source_hides(left, c->name))
                        continue;
                    bool listed = false;
                    for (int m = 0; m < merged->n; m++)
                        listed |= merged->items[m] == c; /* a JOIN b USING (id) JOIN c USING (id): one id */
                    if (listed)
                        break;
                    ptrlist_push(an->arena, merged, c);
                    /* The merged column is COALESCE(left, right): NULL only where both
                     * can be; on a FULL join (both sides optional) one side is always there. */
                    TypeInfo lt = column_type(c, left);
                    Column *rc_col = source_column(right, c->name);
                    if (rc_col) {
                        TypeInfo rt = column_type(rc_col, right);
                        lt.nullable = left->nullable && right->nullable ? !c->not_null || !rc_col->not_null
                                                                        : lt.nullable && rt.nullable;
                    }
                    push_out(an, out, c->name, lt, c->pos);
                    break;
                }
        }
    }
    for (int i = 0; i < sc->sources->n; i++) {
        Source *src = sc->sources->items[i];
        if (qual && strcmp(src->name, qual) != 0)
            continue;
        matched = true;
        for (int j = 0; j < PTRLIST_LEN(src->columns); j++) {
            Column *c = src->columns->items[j];
            bool listed = false;
            for (int k = 0; k < merged->n; k++)
                listed |= merged->items[k] == c;
            if (!qual && (listed || source_hides(src, c->name)))
                continue;
            bool invisible = false;
            for (int k = 0; k < PTRLIST_LEN(src->invisible); k++)
                invisible |= strcmp(src->invisible->items[k], c->name) == 0;
            if (invisible)
                continue;
            SrcPos pos = TOKEN_SET(rc->star_table) ? rc->star_table.pos : c->pos;
            /* SELECT * FROM (SELECT 1) s: PostgreSQL's "?column?" */
            bool unnamed = strcmp(c->name, "?column?") == 0;
            int before = out->n;
            push_out(an, out, unnamed ? arena_printf(an->arena, "column_%d", out->n + 1) : c->name, column_type(c, src),
                     pos);
            if (unnamed && out->n > before)
                ((OutColumn *)out->items[before])->sql_name = "?column?";
        }
    }
    if (qual && !matched)
        error_at(an, rc->star_table.pos, "no table or alias \"%s\" in this query", qual);
    else if (!qual && sc->sources->n == 0 && !sc->incomplete)
        error_at(an, rc->star_table.pos, "SELECT * needs a FROM clause");
}

static bool is_embed(const Expr *e)
{
    return e && e->kind == EX_FUNC && is_sqlc_call(e) && str_ieq_n(e->tok.z, (size_t)e->tok.n, "embed");
}

/* Keeps the query's rewrites in text order, as query_sql() reads them. */
static void add_rewrite(Analyzer *an, size_t offset, size_t len, char *text)
{
    PtrList *uses = an->q->uses;
    ParamUse *u = arena_alloc(an->arena, sizeof *u);
    u->offset = offset;
    u->len = len;
    u->replacement = text;
    ptrlist_push(an->arena, uses, u);
    for (int i = uses->n - 1; i > 0 && ((ParamUse *)uses->items[i - 1])->offset > offset; i--) {
        void *tmp = uses->items[i];
        uses->items[i] = uses->items[i - 1];
        uses->items[i - 1] = tmp;
    }
}

/*
 * sqlc.embed(t): every column of table t, nested in the row as one field
 * of t's row type. The engines get t."a", t."b", ... in its place; the
 * columns keep the table's own nullability, and the whole embed is
 * nullable when t is on the optional side of an outer join.
 */
static void embed_table(Analyzer *an, Scope *sc, const ResultCol *rc, PtrList *out)
{
    const Expr *e = rc->expr;
    const Expr *arg = PTRLIST_LEN(e->list) == 1 ? e->list->items[0] : NULL;
    if (!arg || arg->kind != EX_COLUMN || TOKEN_SET(arg->table)) {
        error_at(an, e->table.pos, "sqlc.embed() takes one table name or alias: sqlc.embed(authors)");
        return;
    }
    if (an->depth > 1) {
        error_at(an, e->table.pos, "sqlc.embed() is a result column of the outermost SELECT, nothing else");
        return;
    }
    if (TOKEN_SET(rc->alias)) {
        error_at(an, rc->alias.pos, "sqlc.embed(%.*s) cannot be renamed with AS", arg->tok.n, arg->tok.z);
        return;
    }
    char *name = token_name(an->arena, &arg->tok);
    Source *src = NULL;
    for (int i = 0; i < sc->sources->n && !src; i++)
        if (strcmp(((Source *)sc->sources->items[i])->name, name) == 0)
            src = sc->sources->items[i];
    if (!src) {
        error_at(an, arg->tok.pos, "no table or alias \"%s\" in this query", name);
        return;
    }
    const Table *table = catalog_find_relation(an->cat, src->table_name);
    if (!table || !table->columns) {
        error_at(an, arg->tok.pos, "sqlc.embed(%s) needs a table or view, and \"%s\" is not one", name, name);
        return;
    }
    for (int i = 0; i < out->n; i++)
        if (strcmp(((OutColumn *)out->items[i])->name, name) == 0 ||
            (((OutColumn *)out->items[i])->embed && strcmp(((OutColumn *)out->items[i])->embed->field, name) == 0)) {
            error_at(an, arg->tok.pos, "result column \"%s\" is already in this row; embed it once", name);
            return;
        }
    if (!is_c_identifier(name)) {
        error_at(an, arg->tok.pos, "sqlc.embed(%s): \"%s\" is not a C identifier; give the table an alias", name,
                 name);
        return;
    }
    Embed *em = arena_alloc(an->arena, sizeof *em);
    em->field = c_field_name(an, name);
    em->table = table->name;
    em->nullable = src->nullable;
    StrBuf sql = {0};
    for (int i = 0; i < PTRLIST_LEN(table->columns); i++) {
        const Column *c = table->columns->items[i];
        if (!is_c_identifier(c->name)) {
            error_at(an, arg->tok.pos, "sqlc.embed(%s): column \"%s\" is not a C identifier", name, c->name);
            break;
        }
        OutColumn *o = arena_alloc(an->arena, sizeof *o);
        o->name = arena_printf(an->arena, "%s.%s", em->field, c_field_name(an, c->name));
        o->sql_name = c->name;
        TypeInfo t = column_type(c, src); /* an array column stays a list */
        o->ctype = c->ctype;
        o->nullable = !c->not_null;
        o->list = t.list;
        o->sqltype = t.sqltype;
        o->pos = arg->tok.pos;
        o->origin = table->view ? NULL : c; /* a view's columns have no NOT NULL to check */
        o->embed = em;
        ptrlist_push(an->arena, out, o);
        sb_printf(&sql, "%s%.*s.\"%s\"", i ? ", " : "", arg->tok.n, arg->tok.z, c->name);
    }
    size_t start = token_offset(&e->table);
    size_t end = token_offset(&arg->tok) + (size_t)arg->tok.n;
    const char *text = an->q->file->text;
    while (end < an->q->file->len && text[end] != ')')
        end++;
    add_rewrite(an, start, end + 1 - start, arena_strdup(an->arena, sql.s ? sql.s : ""));
    sb_free(&sql);
}

PtrList *result_columns(Analyzer *an, Scope *sc, PtrList *cols)
{
    PtrList *out = ptrlist_new(an->arena);
    bool lenient = an->lenient_types;
    for (int i = 0; i < PTRLIST_LEN(cols); i++) {
        ResultCol *rc = cols->items[i];
        if (rc->star) {
            expand_star(an, sc, rc, out);
            continue;
        }
        if (is_embed(rc->expr)) {
            embed_table(an, sc, rc, out);
            continue;
        }
        TypeInfo t = type_expr(an, sc, rc->expr);
        const char *sql_name = result_name(an, rc);
        /* what PostgreSQL calls "?column?" is column_N in C, as in sqlc,
         * N its 1-based position in the row */
        char *name = sql_name ? arena_strdup(an->arena, sql_name) : arena_printf(an->arena, "column_%d", out->n + 1);
        SrcPos pos = TOKEN_SET(rc->alias) ? rc->alias.pos : expr_start(rc->expr);
        if (t.t == CT_UNKNOWN && (lenient || is_param(strip(rc->expr)))) {
            /* INSERT ... SELECT array_agg(x): the target column is what counts;
             * a parameter's own error says what to do */
        } else if (t.t == CT_UNKNOWN && an->ok) {
            if (t.col) {
                error_at(an, pos, "column \"%s\" has type %s", t.col->name, unmapped_type(an, t.col, t.col->name));
                if (t.col->pos.file)
                    diag_note(t.col->pos, "column \"%s\" is declared here", t.col->name);
            }
            else if (an->missing_function)
                /* newer SQLite functions (concat, 3.44) are missing from an older library */
                error_at(an, an->missing_function->tok.pos,
                         "SQLite %s, the library keel checks queries with and links, has no function %.*s()",
                         sqlite3_libversion(), an->missing_function->tok.n, an->missing_function->tok.z);
            else if (strip(rc->expr)->kind == EX_FUNC && t.sqltype && strcmp(t.sqltype, "void") == 0)
                error_at(an, pos,
                         "%.*s() returns void, so result column \"%s\" has no value to read; make query %s :exec "
                         "(its row is then dropped) or select something else",
                         strip(rc->expr)->tok.n, strip(rc->expr)->tok.z, name, an->q->name);
            else if (strip(rc->expr)->kind == EX_FUNC)
                error_at(an, pos, "keel does not know what %.*s() returns; give result column \"%s\" a type with CAST(... AS type)",
                         strip(rc->expr)->tok.n, strip(rc->expr)->tok.z, name);
            else
                error_at(an, pos, "cannot infer the type of result column \"%s\"; add a CAST", name);
            /* still a column, untyped: a CTE or subquery read further on
             * must not report it missing at every use */
        }
        if (t.list && t.t == CT_BLOB) {
            error_at(an, pos, "result column \"%s\" is an array of bytea; keel supports arrays of integers, doubles, booleans and text",
                     name);
            continue;
        }
        int before = out->n;
        push_out(an, out, name, t, pos);
        if (!sql_name && out->n > before)
            ((OutColumn *)out->items[before])->sql_name = "?column?";
    }
    return out;
}
