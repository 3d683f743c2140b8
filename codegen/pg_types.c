#include "pg_types.h"

#include <stdlib.h>
#include <string.h>

static const PgType types[] = {
#include "pg_types.inc"
};

typedef struct PgCast {
    const char *from, *to;
} PgCast;

static const PgCast casts[] = {
#include "pg_casts.inc"
};

static int type_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const PgType *)elem)->name);
}

const PgType *pg_type_find(const char *typname)
{
    if (!typname)
        return NULL;
    return bsearch(typname, types, sizeof types / sizeof types[0], sizeof types[0], type_cmp);
}

/* SQL's spellings of built-in types (the SQL standard's names and
 * PostgreSQL's aliases, pg_type's names being accepted as they are). */
static const struct {
    const char *sql, *typname;
} aliases[] = {
    {"bigint", "int8"}, {"bigserial", "int8"}, {"bit varying", "varbit"}, {"boolean", "bool"},
    {"char", "bpchar"}, {"character", "bpchar"}, {"character varying", "varchar"}, {"dec", "numeric"},
    {"decimal", "numeric"}, {"double precision", "float8"}, {"float", "float8"}, {"int", "int4"},
    {"integer", "int4"}, {"real", "float4"}, {"serial", "int4"}, {"serial2", "int2"}, {"serial4", "int4"},
    {"serial8", "int8"}, {"smallint", "int2"}, {"smallserial", "int2"}, {"time with time zone", "timetz"},
    {"time without time zone", "time"}, {"timestamp with time zone", "timestamptz"},
    {"timestamp without time zone", "timestamp"},
};

const char *pg_type_canonical(const char *sql_name)
{
    if (!sql_name)
        return NULL;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].sql, sql_name) == 0)
            return aliases[i].typname;
    const PgType *t = pg_type_find(sql_name);
    return t ? t->name : NULL;
}

const char *pg_array_of(const char *element)
{
    if (!element)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].category == 'A' && strcmp(types[i].element, element) == 0)
            return types[i].name;
    return NULL;
}

static int cast_cmp(const void *key, const void *elem)
{
    const PgCast *k = key, *c = elem;
    int d = strcmp(k->from, c->from);
    return d ? d : strcmp(k->to, c->to);
}

bool pg_implicit_cast(const char *from, const char *to)
{
    if (!from || !to)
        return false;
    if (strcmp(from, to) == 0)
        return true;
    PgCast key = {from, to};
    return bsearch(&key, casts, sizeof casts / sizeof casts[0], sizeof casts[0], cast_cmp) != NULL;
}

bool pg_type_is_polymorphic(const char *typname)
{
    return typname && strncmp(typname, "any", 3) == 0;
}

/* keel's C type of each built-in type. Numbers that fit int64 are int64
 * (oid, xid and cid too: unsigned 32-bit, xid8 64-bit counters); floating
 * and NUMERIC are double; everything else is text in C, read in
 * PostgreSQL's own text form (money as the server prints it with its
 * lc_monetary, intervals as intervalstyle says, geometric types as
 * "(x,y)", ranges as "[1,10)"), except bytea (blob). Types without a line
 * here map by category below. */
static const struct {
    const char *typname;
    CType t;
} c_types[] = {
    {"bool", CT_BOOL},      {"bytea", CT_BLOB},     {"cid", CT_INT64},      {"float4", CT_DOUBLE},
    {"float8", CT_DOUBLE},  {"int2", CT_INT64},     {"int4", CT_INT64},     {"int8", CT_INT64},
    {"money", CT_TEXT},     {"numeric", CT_DOUBLE}, {"oid", CT_INT64},      {"xid", CT_INT64},
    {"xid8", CT_INT64},
};

CType pg_type_ctype(const char *typname)
{
    for (size_t i = 0; i < sizeof c_types / sizeof c_types[0]; i++)
        if (strcmp(c_types[i].typname, typname) == 0)
            return c_types[i].t;
    const PgType *t = pg_type_find(typname);
    if (!t || t->kind == 'p')
        return CT_UNKNOWN;
    switch (t->category) {
    case 'A': return CT_UNKNOWN; /* arrays: see the element */
    case 'B': return CT_BOOL;
    /* N: the numbers are listed above; what is left are the reg* aliases
     * of oid, which print as names (regclass 'accounts') */
    case 'X': return CT_UNKNOWN;
    /* S string, D date/time, T timespan, I network, G geometric, V bit
     * strings, R ranges and multiranges, U user types (uuid, json, jsonb,
     * xml, tsvector, pg_lsn, tid...), Z internal (regclass and the other
     * reg* names), P none left, C none kept, E enums (in the catalog) */
    default: return CT_TEXT;
    }
}
