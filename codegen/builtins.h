/*
 * The engines' built-in functions and operators, from their own catalogs
 * (codegen/pg_functions.inc, pg_operators.inc, sqlite_functions.inc:
 * tools/gen-function-tables.sh writes them), and the resolution of a call
 * against them: name lookup by binary search, then, on PostgreSQL, the
 * overload the argument types select (a simplified form of the server's
 * rules, see builtins.c), with polymorphic result types resolved.
 */
#ifndef KEEL_CODEGEN_BUILTINS_H
#define KEEL_CODEGEN_BUILTINS_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"

enum { BUILTIN_MAX_ARGS = 16 };

/* What analysis knows about one argument. */
typedef struct BuiltinArg {
    CType t;          /* CT_UNKNOWN when not known */
    const char *pg;   /* pg_type name; "unknown" for an untyped literal or
                         parameter; NULL when only t is known */
    bool nullable;
    const char *name; /* PostgreSQL's named notation (secs => 1.5); NULL when positional */
} BuiltinArg;

typedef enum BuiltinNulls {
    BN_STRICT,    /* NULL exactly when an argument is */
    BN_NULLABLE,  /* may be NULL whatever the arguments */
    BN_NOTNULL,   /* never NULL */
    BN_COALESCE,  /* NULL only when every argument is */
} BuiltinNulls;

typedef struct BuiltinCall {
    CType result;            /* CT_UNKNOWN: not known (cast it) */
    const char *result_pg;   /* PostgreSQL's result type, NULL on SQLite */
    BuiltinNulls nulls;
    char kind;               /* 'f' function, 'a' aggregate, 'w' window */
    bool retset;
    int nargs;
    /* the type each argument position takes, for parameters there */
    CType arg_type[BUILTIN_MAX_ARGS];
    const char *arg_pg[BUILTIN_MAX_ARGS];
    bool has_arg_types; /* SQLite: arg_type comes from the annotation table */
} BuiltinCall;

/* Resolves a call of a built-in function; false when the dialect has no
 * function of that name taking these arguments. */
bool builtin_function(Dialect d, const char *name, int nargs, const BuiltinArg *args, BuiltinCall *out);

/* The overloads of a PostgreSQL function as "upper(text), upper(anyrange)"
 * into buf, with the parameters' names when with_names
 * ("make_interval(years int4, ...)"); false when PostgreSQL has no function
 * of that name. */
bool builtin_pg_signatures(const char *name, bool with_names, char *buf, size_t size);

/* Does the linked SQLite have a function of this name (any arity)? */
bool builtin_sqlite_has(const char *name);

/* Resolves a PostgreSQL operator: a binary one, or a prefix one with
 * left NULL. Same result as builtin_function. */
bool builtin_pg_operator(const char *op, const BuiltinArg *left, const BuiltinArg *right, BuiltinCall *out);

/* The result's nullability given the arguments'. */
bool builtin_nullable(const BuiltinCall *c, int nargs, const BuiltinArg *args);

#endif
