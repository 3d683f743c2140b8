/*
 * Built-in functions and operators: the engines' catalogs compiled in, and
 * call resolution.
 *
 * PostgreSQL's overload rules (the manual's "Type Conversion: Functions"),
 * in a simplified but honest form: a candidate has the call's name and
 * takes its number of arguments (defaults and VARIADIC counted); each
 * argument must match its position exactly, reach it by an implicit cast
 * of pg_cast, or be an unknown-typed literal or parameter, which matches
 * anything; polymorphic positions (anyelement, anyarray...) take what
 * they are given. Of the candidates left, the one with the most exact
 * matches wins, then the one taking preferred types (float8, text) where a
 * conversion is needed, then the one taking strings where arguments are
 * unknown; a tie goes to the first in the table's order (name, then
 * argument types), and the server check decides what keel cannot.
 */
#include "builtins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_types.h"

enum { PGF_STRICT = 1, PGF_RETSET = 2, PGF_AGG_NOT_NULL = 4 };

typedef struct PgFunc {
    const char *name, *args, *argnames, *result, *variadic;
    char kind;
    int ndefaults;
    int flags;
} PgFunc;

static const PgFunc pg_functions[] = {
#include "pg_functions.inc"
};

typedef struct PgOper {
    const char *name, *left, *right, *result;
    int flags;
} PgOper;

static const PgOper pg_operators[] = {
#include "pg_operators.inc"
};

enum { SQF_SCALAR = 'f', SQF_AGG = 'a', SQF_WINDOW = 'w' };
typedef enum SqlResult { SQR_INT, SQR_DOUBLE, SQR_TEXT, SQR_BLOB, SQR_ARG, SQR_KNOWN, SQR_KNOWN2, SQR_ANY } SqlResult;
typedef enum SqlNulls { SQN_STRICT, SQN_NULLABLE, SQN_NOTNULL, SQN_COALESCE } SqlNulls;

typedef struct SqliteFunc {
    const char *name;
    int narg;
    int kind;
    SqlResult result;
    SqlNulls nulls;
    const char *args; /* "text int int", "text any ..." or "" */
} SqliteFunc;

static const SqliteFunc sqlite_functions[] = {
#include "sqlite_functions.inc"
};

/* Strict PostgreSQL functions that still return NULL for some non-NULL
 * arguments (no match, no such key, an empty array or range); "" matches
 * every overload. */
static const struct {
    const char *name, *args;
} pg_may_return_null[] = {
    {"array_length", ""}, {"array_lower", ""}, {"array_ndims", ""}, {"array_position", ""},
    {"array_upper", ""}, {"current_setting", ""}, {"json_array_element", ""}, {"json_array_element_text", ""},
    {"json_extract_path", ""}, {"json_extract_path_text", ""}, {"json_object_field", ""},
    {"json_object_field_text", ""}, {"jsonb_array_element", ""}, {"jsonb_array_element_text", ""},
    {"jsonb_extract_path", ""}, {"jsonb_extract_path_text", ""}, {"jsonb_object_field", ""},
    {"jsonb_object_field_text", ""}, {"jsonb_path_query_first", ""}, {"lower", "anymultirange"},
    {"lower", "anyrange"}, {"regexp_match", ""}, {"regexp_substr", ""}, {"substring", "text text"},
    {"substring", "text text text"}, {"to_regclass", ""}, {"to_regcollation", ""}, {"to_regnamespace", ""},
    {"to_regoper", ""}, {"to_regoperator", ""}, {"to_regproc", ""}, {"to_regprocedure", ""}, {"to_regrole", ""},
    {"to_regtype", ""}, {"unnest", ""}, {"upper", "anymultirange"}, {"upper", "anyrange"},
};

/* Non-strict PostgreSQL functions: NULL only when an argument is (the
 * rest of the non-strict ones are taken as nullable), or never. */
static const char *const pg_null_if_arg_null[] = {"array_append", "array_cat", "array_prepend", "concat_ws",
                                                  "format", "string_to_array"};
static const char *const pg_never_null[] = {"concat",         "json_build_array", "json_build_object",
                                            "jsonb_build_array", "jsonb_build_object", "num_nonnulls",
                                            "num_nulls"};

/* Operators whose strict function still returns NULL for a missing key. */
static const char *const pg_op_may_return_null[] = {"#>", "#>>", "->", "->>"};

static bool in_list(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}
#define IN_LIST(list, name) in_list((list), sizeof(list) / sizeof((list)[0]), (name))

/* ------------------------------------------------------------ resolution */

typedef struct Score {
    int exact, preferred, strings;
} Score;

static int score_cmp(const Score *a, const Score *b)
{
    if (a->exact != b->exact)
        return a->exact - b->exact;
    if (a->preferred != b->preferred)
        return a->preferred - b->preferred;
    return a->strings - b->strings;
}

/* What the polymorphic positions of a candidate were given. */
typedef struct Binding {
    const char *element;  /* anyelement's type, or anyarray's element */
    CType element_ct;     /* the same when only the C type is known */
    const char *range;    /* anyrange / anymultirange */
} Binding;

static bool is_unknown(const BuiltinArg *a)
{
    return (a->pg && strcmp(a->pg, "unknown") == 0) || (!a->pg && a->t == CT_UNKNOWN);
}

static bool is_element_family(const char *t)
{
    return strcmp(t, "anyelement") == 0 || strcmp(t, "anynonarray") == 0 || strcmp(t, "anycompatible") == 0 ||
           strcmp(t, "anycompatiblenonarray") == 0 || strcmp(t, "anyenum") == 0;
}

static bool is_array_family(const char *t)
{
    return strcmp(t, "anyarray") == 0 || strcmp(t, "anycompatiblearray") == 0;
}

static char category_of(const char *typname)
{
    const PgType *t = pg_type_find(typname);
    if (!t)
        return 0;
    return t->category;
}

static bool is_preferred(const char *typname)
{
    const PgType *t = pg_type_find(typname);
    return t && t->preferred;
}

/* Whether argument a fits declared type d, scoring and binding it. */
static bool match_arg(const char *d, const BuiltinArg *a, Score *s, Binding *b)
{
    if (is_unknown(a)) {
        if (category_of(d) == 'S')
            s->strings++;
        return true;
    }
    if (pg_type_is_polymorphic(d)) {
        if (strcmp(d, "any") == 0)
            return true;
        char cat = 0;
        if (a->pg)
            cat = category_of(a->pg);
        if (is_array_family(d)) {
            if (cat != 'A')
                return false;
            if (!b->element)
                b->element = pg_type_find(a->pg)->element;
            return true;
        }
        if (strcmp(d, "anyrange") == 0 || strcmp(d, "anymultirange") == 0 || strcmp(d, "anycompatiblerange") == 0 ||
            strcmp(d, "anycompatiblemultirange") == 0) {
            if (cat != 'R' || (pg_type_find(a->pg)->kind == 'm') != (strstr(d, "multirange") != NULL))
                return false;
            if (!b->range)
                b->range = a->pg;
            if (!b->element)
                b->element = pg_type_find(a->pg)->element; /* lower(int4range) is int4 */
            return true;
        }
        if (strcmp(d, "anyenum") == 0)
            return cat == 'E';
        if (strstr(d, "nonarray") && cat == 'A')
            return false;
        if (is_element_family(d)) {
            if (!b->element && a->pg)
                b->element = a->pg;
            if (b->element_ct == CT_UNKNOWN)
                b->element_ct = a->t;
            return true;
        }
        return false; /* anyelement-like pseudo-types keel does not model */
    }
    if (a->pg) {
        if (strcmp(a->pg, d) == 0) {
            s->exact++;
            return true;
        }
        if (!pg_implicit_cast(a->pg, d))
            return false;
    } else if (pg_type_ctype(d) != a->t) {
        return false; /* only the C type is known: it must be the same */
    }
    if (is_preferred(d))
        s->preferred++;
    return true;
}

/* The i-th space-separated word of list into buf ("" past the end). */
static void word_at(const char *list, int i, char *buf, size_t size)
{
    buf[0] = 0;
    for (const char *p = list; *p; i--) {
        const char *sp = strchr(p, ' ');
        size_t len = sp ? (size_t)(sp - p) : strlen(p);
        if (i == 0) {
            if (len < size) {
                memcpy(buf, p, len);
                buf[len] = 0;
            }
            return;
        }
        if (!sp)
            return;
        p = sp + 1;
    }
}

/* The declared type at each position of a call with n arguments (names
 * of the type table, which live as long as the program), in the call's
 * order, or false when the candidate does not take them: too many or too
 * few (defaults and VARIADIC counted), or a named argument (secs => 1.5)
 * it has no parameter of, or one given twice, or a parameter without a
 * default left out. */
static bool positions(const PgFunc *f, int n, const BuiltinArg *args, const char **out)
{
    int decl = 0;
    const char *decls[BUILTIN_MAX_ARGS + 1];
    for (const char *p = f->args; *p;) {
        const char *sp = strchr(p, ' ');
        size_t len = sp ? (size_t)(sp - p) : strlen(p);
        char name[64];
        if (decl == BUILTIN_MAX_ARGS || len >= sizeof name)
            return false;
        memcpy(name, p, len);
        name[len] = 0;
        const PgType *t = pg_type_find(name);
        if (!t)
            return false;
        decls[decl++] = t->name;
        if (!sp)
            break;
        p = sp + 1;
    }
    if (n > BUILTIN_MAX_ARGS)
        return false;
    bool named = false;
    for (int i = 0; i < n; i++)
        named |= args[i].name != NULL;
    if (named) {
        /* PostgreSQL's named notation: positional arguments first, then
         * each named one at its parameter; the rest take their defaults */
        if (f->variadic[0] || n > decl)
            return false;
        bool given[BUILTIN_MAX_ARGS] = {false};
        for (int i = 0; i < n; i++) {
            int at = i;
            if (args[i].name) {
                at = -1;
                for (int k = 0; k < decl && at < 0; k++) {
                    char pname[64];
                    word_at(f->argnames, k, pname, sizeof pname);
                    if (strcmp(pname, args[i].name) == 0)
                        at = k;
                }
            } else if (i > 0 && args[i - 1].name) {
                return false; /* a positional argument after a named one */
            }
            if (at < 0 || given[at])
                return false;
            given[at] = true;
            out[i] = decls[at];
        }
        for (int k = 0; k < decl; k++)
            if (!given[k] && k < decl - f->ndefaults)
                return false;
        return true;
    }
    if (f->variadic[0]) {
        if (n < decl)
            return false;
        for (int i = 0; i < n; i++)
            out[i] = i < decl - 1 ? decls[i] : f->variadic;
        return true;
    }
    if (n > decl || n < decl - f->ndefaults)
        return false;
    for (int i = 0; i < n; i++)
        out[i] = decls[i];
    return true;
}

static const char *resolve_polymorphic(const char *t, const Binding *b)
{
    if (!pg_type_is_polymorphic(t))
        return t;
    if (is_element_family(t))
        return b->element;
    if (is_array_family(t))
        return b->element ? pg_array_of(b->element) : NULL;
    if (strstr(t, "range"))
        return b->range;
    return NULL;
}

static void fill_call(BuiltinCall *out, int n, const char *const *decl, const char *result, const Binding *b)
{
    out->nargs = n;
    out->result_pg = resolve_polymorphic(result, b);
    out->result = out->result_pg ? pg_type_ctype(out->result_pg)
                  : is_element_family(result) ? b->element_ct
                                              : CT_UNKNOWN;
    for (int i = 0; i < n; i++) {
        out->arg_pg[i] = resolve_polymorphic(decl[i], b);
        out->arg_type[i] = out->arg_pg[i] ? pg_type_ctype(out->arg_pg[i])
                           : is_element_family(decl[i]) ? b->element_ct
                                                        : CT_UNKNOWN;
    }
}

static int pg_func_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const PgFunc *)elem)->name);
}

static bool pg_may_null(const char *name, const char *args)
{
    for (size_t i = 0; i < sizeof pg_may_return_null / sizeof pg_may_return_null[0]; i++)
        if (strcmp(pg_may_return_null[i].name, name) == 0 &&
            (!pg_may_return_null[i].args[0] || strcmp(pg_may_return_null[i].args, args) == 0))
            return true;
    return false;
}

static BuiltinNulls pg_function_nulls(const PgFunc *f)
{
    if (f->kind == 'a')
        return f->flags & PGF_AGG_NOT_NULL ? BN_NOTNULL : BN_NULLABLE;
    if (f->kind == 'w') /* lag, first_value: a row outside the frame is NULL */
        return pg_type_is_polymorphic(f->result) ? BN_NULLABLE : f->flags & PGF_STRICT ? BN_STRICT : BN_NOTNULL;
    if (f->flags & PGF_STRICT)
        return pg_may_null(f->name, f->args) ? BN_NULLABLE : BN_STRICT;
    if (IN_LIST(pg_never_null, f->name))
        return BN_NOTNULL;
    return IN_LIST(pg_null_if_arg_null, f->name) ? BN_STRICT : BN_NULLABLE;
}

static bool pg_function(const char *name, int n, const BuiltinArg *args, BuiltinCall *out)
{
    size_t count = sizeof pg_functions / sizeof pg_functions[0];
    const PgFunc *hit = bsearch(name, pg_functions, count, sizeof pg_functions[0], pg_func_cmp);
    if (!hit)
        return false;
    while (hit > pg_functions && strcmp(hit[-1].name, name) == 0)
        hit--;
    const PgFunc *best = NULL;
    Score best_score = {0};
    Binding best_binding = {0};
    const char *best_decl[BUILTIN_MAX_ARGS];
    for (const PgFunc *f = hit; f < pg_functions + count && strcmp(f->name, name) == 0; f++) {
        if (f->kind == 'p')
            continue; /* procedures are CALLed, not called in expressions */
        const char *decl[BUILTIN_MAX_ARGS];
        if (!positions(f, n, args, decl))
            continue;
        Score s = {0};
        Binding b = {0};
        bool ok = true;
        for (int i = 0; ok && i < n; i++)
            ok = match_arg(decl[i], &args[i], &s, &b);
        if (!ok || (best && score_cmp(&s, &best_score) <= 0))
            continue;
        best = f;
        best_score = s;
        best_binding = b;
        memcpy(best_decl, decl, sizeof decl);
    }
    if (!best)
        return false;
    memset(out, 0, sizeof *out);
    fill_call(out, n, best_decl, best->result, &best_binding);
    out->kind = best->kind;
    out->retset = best->flags & PGF_RETSET;
    out->nulls = pg_function_nulls(best);
    if (out->retset && out->nulls == BN_STRICT && strcmp(name, "generate_series") != 0)
        out->nulls = BN_NULLABLE; /* unnest('{1,NULL}'): an element may be NULL */
    return true;
}

bool builtin_pg_signatures(const char *name, bool with_names, char *buf, size_t size)
{
    size_t count = sizeof pg_functions / sizeof pg_functions[0];
    const PgFunc *hit = bsearch(name, pg_functions, count, sizeof pg_functions[0], pg_func_cmp);
    if (!hit || size == 0)
        return false;
    while (hit > pg_functions && strcmp(hit[-1].name, name) == 0)
        hit--;
    size_t n = 0;
    buf[0] = 0;
    for (const PgFunc *f = hit; f < pg_functions + count && strcmp(f->name, name) == 0; f++) {
        if (f->kind == 'p')
            continue;
        char args[256];
        snprintf(args, sizeof args, "%s", f->args);
        for (char *p = args; *p; p++)
            if (*p == ' ')
                *p = ',';
        if (with_names && f->argnames[0]) {
            /* make_interval(years int4, ..., secs float8) */
            size_t a = 0;
            args[0] = 0;
            for (int k = 0; a < sizeof args; k++) {
                char pname[64], ptype[64];
                word_at(f->args, k, ptype, sizeof ptype);
                if (!ptype[0])
                    break;
                word_at(f->argnames, k, pname, sizeof pname);
                int w = strcmp(pname, "-") == 0 ? snprintf(args + a, sizeof args - a, "%s%s", k ? ", " : "", ptype)
                                                 : snprintf(args + a, sizeof args - a, "%s%s %s", k ? ", " : "", pname, ptype);
                if (w < 0)
                    break;
                a += (size_t)w;
            }
        }
        int w = snprintf(buf + n, size - n, "%s%s(%s)", n ? ", " : "", name, args);
        if (w < 0 || (size_t)w >= size - n) {
            if (size > 4)
                memcpy(buf + size - 4, "...", 4);
            break;
        }
        n += (size_t)w;
    }
    return true;
}

bool builtin_pg_operator(const char *op, const BuiltinArg *left, const BuiltinArg *right, BuiltinCall *out)
{
    const PgOper *best = NULL;
    Score best_score = {0};
    Binding best_binding = {0};
    for (size_t k = 0; k < sizeof pg_operators / sizeof pg_operators[0]; k++) {
        const PgOper *o = &pg_operators[k];
        if (strcmp(o->name, op) != 0 || (left != NULL) != (o->left[0] != 0))
            continue;
        Score s = {0};
        Binding b = {0};
        bool ok = left ? match_arg(o->left, left, &s, &b) : true;
        ok = ok && match_arg(o->right, right, &s, &b);
        if (!ok || (best && score_cmp(&s, &best_score) <= 0))
            continue;
        best = o;
        best_score = s;
        best_binding = b;
    }
    if (!best)
        return false;
    memset(out, 0, sizeof *out);
    const char *decl[2];
    int n = 0;
    if (left)
        decl[n++] = best->left;
    decl[n++] = best->right;
    fill_call(out, n, decl, best->result, &best_binding);
    out->kind = 'f';
    out->nulls = !(best->flags & PGF_STRICT) || IN_LIST(pg_op_may_return_null, op) ? BN_NULLABLE : BN_STRICT;
    return true;
}

/* ---------------------------------------------------------------- SQLite */

static int sqlite_func_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const SqliteFunc *)elem)->name);
}

bool builtin_sqlite_has(const char *name)
{
    size_t count = sizeof sqlite_functions / sizeof sqlite_functions[0];
    return bsearch(name, sqlite_functions, count, sizeof sqlite_functions[0], sqlite_func_cmp) != NULL;
}

static bool sqlite_function(const char *name, int n, const BuiltinArg *args, BuiltinCall *out)
{
    size_t count = sizeof sqlite_functions / sizeof sqlite_functions[0];
    const SqliteFunc *hit = bsearch(name, sqlite_functions, count, sizeof sqlite_functions[0], sqlite_func_cmp);
    if (!hit)
        return false;
    while (hit > sqlite_functions && strcmp(hit[-1].name, name) == 0)
        hit--;
    /* an exact argument count first; max(x) is the aggregate, max(x, y) the
     * scalar function */
    const SqliteFunc *best = NULL;
    for (const SqliteFunc *f = hit; f < sqlite_functions + count && strcmp(f->name, name) == 0; f++) {
        bool exact = f->narg == n && (!best || best->narg != n);
        if (exact || (f->narg == -1 && !best))
            best = f;
    }
    if (!best)
        return false;
    memset(out, 0, sizeof *out);
    out->nargs = n;
    out->kind = (char)best->kind;
    CType known = CT_UNKNOWN, known2 = CT_UNKNOWN;
    for (int i = 0; i < n; i++) {
        if (known == CT_UNKNOWN)
            known = args[i].t;
        if (i > 0 && known2 == CT_UNKNOWN)
            known2 = args[i].t;
    }
    switch (best->result) {
    case SQR_INT: out->result = CT_INT64; break;
    case SQR_DOUBLE: out->result = CT_DOUBLE; break;
    case SQR_TEXT: out->result = CT_TEXT; break;
    case SQR_BLOB: out->result = CT_BLOB; break;
    case SQR_ARG: out->result = n > 0 ? args[0].t : CT_UNKNOWN; break;
    case SQR_KNOWN: out->result = known; break;
    case SQR_KNOWN2: out->result = known2; break;
    case SQR_ANY: out->result = CT_UNKNOWN; break;
    }
    static const BuiltinNulls nulls[] = {[SQN_STRICT] = BN_STRICT, [SQN_NULLABLE] = BN_NULLABLE,
                                         [SQN_NOTNULL] = BN_NOTNULL, [SQN_COALESCE] = BN_COALESCE};
    out->nulls = nulls[best->nulls];
    /* the documented argument types, for parameters */
    CType spec[BUILTIN_MAX_ARGS];
    int nspec = 0;
    bool repeat = false;
    for (const char *p = best->args; *p && nspec < BUILTIN_MAX_ARGS;) {
        size_t len = strcspn(p, " ");
        if (len == 3 && strncmp(p, "...", 3) == 0)
            repeat = true;
        else
            spec[nspec++] = strncmp(p, "int", len) == 0 && len == 3     ? CT_INT64
                            : strncmp(p, "double", len) == 0 && len == 6 ? CT_DOUBLE
                            : strncmp(p, "text", len) == 0 && len == 4   ? CT_TEXT
                            : strncmp(p, "blob", len) == 0 && len == 4   ? CT_BLOB
                            : strncmp(p, "same", len) == 0 && len == 4 && n > 0 ? args[0].t
                                                                         : CT_UNKNOWN;
        p += len;
        while (*p == ' ')
            p++;
    }
    out->has_arg_types = nspec > 0;
    for (int i = 0; i < n && i < BUILTIN_MAX_ARGS; i++)
        out->arg_type[i] = i < nspec ? spec[i] : repeat && nspec > 0 ? spec[nspec - 1] : CT_UNKNOWN;
    return true;
}

bool builtin_function(Dialect d, const char *name, int nargs, const BuiltinArg *args, BuiltinCall *out)
{
    if (nargs > BUILTIN_MAX_ARGS)
        return false;
    return d == DIALECT_POSTGRES ? pg_function(name, nargs, args, out) : sqlite_function(name, nargs, args, out);
}

bool builtin_nullable(const BuiltinCall *c, int nargs, const BuiltinArg *args)
{
    bool any = false, all = nargs > 0;
    for (int i = 0; i < nargs; i++) {
        any |= args[i].nullable;
        all &= args[i].nullable;
    }
    switch (c->nulls) {
    case BN_STRICT: return any;
    case BN_NULLABLE: return true;
    case BN_NOTNULL: return false;
    case BN_COALESCE: return all;
    }
    return true;
}
