/*
 * The engines' own relations, which every database has without a
 * migration: SQLite's schema table, and PostgreSQL's pg_catalog and
 * information_schema tables and views (pg_relations.inc, written by
 * tools/gen-function-tables.sh from the server's pg_attribute). A query
 * may read them; a migration cannot change them, so they stay out of the
 * migrations' catalog and are made, once each, the first time a query
 * names one.
 */
#include "catalog.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct SystemColumn {
    const char *schema, *relation, *name, *type;
    bool array, not_null;
} SystemColumn;

static const SystemColumn pg_relation_columns[] = {
#include "pg_relations.inc"
};
enum { PG_RELATION_COLUMNS = sizeof pg_relation_columns / sizeof pg_relation_columns[0] };

static const char *const sqlite_schema_names[4] = {
    "sqlite_schema", "sqlite_master", "sqlite_temp_schema", "sqlite_temp_master",
};

bool catalog_is_sqlite_schema(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcasecmp(name, sqlite_schema_names[i]) == 0)
            return true;
    return false;
}

static Column *system_column(Catalog *cat, const char *name, const char *type, bool array, bool not_null)
{
    Column *c = arena_alloc(cat->arena, sizeof *c);
    c->name = arena_strdup(cat->arena, name);
    c->not_null = not_null;
    if (array) {
        c->array_dims = 1;
        c->decl_type = arena_printf(cat->arena, "%s[]", type);
        c->ctype = catalog_ctype(cat, type);
        c->sqltype = catalog_sqltype(cat, type, true);
    } else {
        c->decl_type = arena_strdup(cat->arena, type);
        c->ctype = catalog_ctype(cat, type);
        c->sqltype = catalog_sqltype(cat, type, false);
    }
    return c;
}

static Table *remember(Catalog *cat, const char *name, PtrList *columns)
{
    Table *t = arena_alloc(cat->arena, sizeof *t);
    t->name = arena_strdup(cat->arena, name);
    t->columns = columns;
    if (!cat->system_tables)
        cat->system_tables = ptrlist_new(cat->arena);
    ptrlist_push(cat->arena, cat->system_tables, t);
    return t;
}

/* SQLite's schema table, as the engine declares it: CREATE TABLE
 * sqlite_schema(type text, name text, tbl_name text, rootpage int, sql text). */
static Table *sqlite_schema_table(Catalog *cat, const char *name)
{
    static const struct { const char *name, *decl; } cols[] = {
        {"type", "text"}, {"name", "text"}, {"tbl_name", "text"}, {"rootpage", "int"}, {"sql", "text"},
    };
    PtrList *columns = ptrlist_new(cat->arena);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        ptrlist_push(cat->arena, columns, system_column(cat, cols[i].name, cols[i].decl, false, false));
    return remember(cat, name, columns);
}

static int compare_relation(const char *schema, const char *relation, const SystemColumn *c)
{
    int d = strcmp(schema, c->schema);
    return d ? d : strcmp(relation, c->relation);
}

/* pg_catalog.x, information_schema.x, or a bare x: pg_catalog, which
 * PostgreSQL searches before the search path's schemas. */
static Table *pg_system_table(Catalog *cat, const char *name)
{
    const char *schema = "pg_catalog", *relation = name;
    char prefix[32];
    const char *dot = strchr(name, '.');
    if (dot) {
        if ((size_t)(dot - name) >= sizeof prefix)
            return NULL;
        memcpy(prefix, name, (size_t)(dot - name));
        prefix[dot - name] = 0;
        schema = prefix;
        relation = dot + 1;
        if (strcmp(schema, "pg_catalog") != 0 && strcmp(schema, "information_schema") != 0)
            return NULL;
    }
    /* the rows sort by schema and relation: find the first of relation's */
    int lo = 0, hi = PG_RELATION_COLUMNS;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (compare_relation(schema, relation, &pg_relation_columns[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == PG_RELATION_COLUMNS || compare_relation(schema, relation, &pg_relation_columns[lo]) != 0)
        return NULL;
    PtrList *columns = ptrlist_new(cat->arena);
    for (int i = lo; i < PG_RELATION_COLUMNS && compare_relation(schema, relation, &pg_relation_columns[i]) == 0; i++) {
        const SystemColumn *s = &pg_relation_columns[i];
        ptrlist_push(cat->arena, columns, system_column(cat, s->name, s->type, s->array, s->not_null));
    }
    return remember(cat, name, columns);
}

Table *catalog_find_relation(const Catalog *cat, const char *name)
{
    Table *t = catalog_find_table(cat, name);
    if (t)
        return t;
    for (int i = 0; i < PTRLIST_LEN(cat->system_tables); i++) {
        t = cat->system_tables->items[i];
        if (strcmp(t->name, name) == 0)
            return t;
    }
    /* made on first use: the catalog is the caller's, only the cache changes */
    Catalog *cache = (Catalog *)cat;
    if (cat->dialect == DIALECT_SQLITE)
        return catalog_is_sqlite_schema(name) ? sqlite_schema_table(cache, name) : NULL;
    return pg_system_table(cache, name);
}
