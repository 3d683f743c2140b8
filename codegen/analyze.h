/*
 * Query analysis: resolves every table and column a query names against
 * the catalog, infers each result column's name, C type and nullability,
 * and each parameter's name, type and nullability from its context.
 */
#ifndef KEEL_CODEGEN_ANALYZE_H
#define KEEL_CODEGEN_ANALYZE_H

#include "query.h"

/* The result columns of a migration's SELECT (CREATE TABLE AS, materialized
 * views): of OutColumn*, or NULL after reporting errors. */
PtrList *analyze_select_columns(Arena *arena, const Catalog *cat, Select *s);

/* Parses and analyses one query; reports errors and returns false. */
bool analyze_query(Arena *arena, const Catalog *cat, Query *q);

#endif
