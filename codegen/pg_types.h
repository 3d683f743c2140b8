/*
 * PostgreSQL's built-in types as keel needs them: pg_type's names,
 * categories and array element types (codegen/pg_types.inc, generated from
 * the server's catalog by tools/gen-function-tables.sh), its implicit casts
 * (pg_casts.inc), the SQL spellings of type names (integer, double
 * precision...), and keel's C type for each: the table the README's
 * "C types" section documents.
 */
#ifndef KEEL_CODEGEN_PG_TYPES_H
#define KEEL_CODEGEN_PG_TYPES_H

#include <stdbool.h>

#include "catalog.h"

typedef struct PgType {
    const char *name;     /* pg_type.typname: int4, _text, timestamptz */
    char category;        /* pg_type.typcategory: N numeric, S string, A array... */
    bool preferred;       /* pg_type.typispreferred within its category */
    const char *element;  /* of an array, range or multirange type, "" otherwise */
    char kind;            /* b base, p pseudo, r range, m multirange */
} PgType;

const PgType *pg_type_find(const char *typname);

/* pg_type's name for a type as SQL spells it ("integer" -> "int4",
 * "character varying" -> "varchar", "int4" -> "int4"), or NULL for a name
 * that is no built-in type. Without array brackets. */
const char *pg_type_canonical(const char *sql_name);

/* The array type of an element type ("int4" -> "_int4"), or NULL. */
const char *pg_array_of(const char *element);

/* pg_cast has an implicit cast (or the types are the same). */
bool pg_implicit_cast(const char *from, const char *to);

/* keel's C type for a built-in type by its pg_type name; CT_UNKNOWN for
 * pseudo-types and arrays (their element is what maps). */
CType pg_type_ctype(const char *typname);

/* True for the polymorphic pseudo-types (anyelement, anyarray, any...). */
bool pg_type_is_polymorphic(const char *typname);

#endif
