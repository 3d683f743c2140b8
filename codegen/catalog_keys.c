/*
 * The unique keys of each table: primary keys, UNIQUE constraints and
 * unique indexes over plain columns, followed through the migrations, so
 * that an INSERT ... ON CONFLICT (cols) whose target matches none is
 * refused as both engines refuse it (SQLite when it prepares the query,
 * PostgreSQL only when it plans it, on every call). Where keel cannot
 * follow a change (a constraint dropped by name, an exclusion constraint,
 * LIKE, partitions), the table's keys are marked unknown and not checked:
 * an upsert is never refused on a guess.
 */
#include "catalog.h"

#include <string.h>

#include "sqlparse.h"

static void push_key(Catalog *cat, Table *t, PtrList *columns, const char *index)
{
    UniqueKey *k = arena_alloc(cat->arena, sizeof *k);
    k->columns = columns;
    k->index = index;
    if (!t->keys)
        t->keys = ptrlist_new(cat->arena);
    ptrlist_push(cat->arena, t->keys, k);
}

void catalog_add_key(Catalog *cat, Table *t, const PtrList *column_tokens, const char *index)
{
    if (PTRLIST_LEN(column_tokens) == 0) { /* ADD CONSTRAINT ... USING INDEX */
        t->keys_unknown = true;
        return;
    }
    PtrList *columns = ptrlist_new(cat->arena);
    for (int i = 0; i < column_tokens->n; i++) {
        Column *c = table_find_column(t, token_name(cat->arena, column_tokens->items[i]));
        if (!c)
            return;
        ptrlist_push(cat->arena, columns, c);
    }
    push_key(cat, t, columns, index);
}

void catalog_add_column_key(Catalog *cat, Table *t, Column *c)
{
    PtrList *columns = ptrlist_new(cat->arena);
    ptrlist_push(cat->arena, columns, c);
    push_key(cat, t, columns, NULL);
}

static bool key_has_column(const UniqueKey *k, const Column *c)
{
    for (int i = 0; i < k->columns->n; i++)
        if (k->columns->items[i] == c)
            return true;
    return false;
}

/* Dropping a column drops the indexes and constraints over it. */
void catalog_drop_column_keys(Table *t, const Column *c)
{
    for (int i = PTRLIST_LEN(t->keys) - 1; i >= 0; i--)
        if (key_has_column(t->keys->items[i], c))
            ptrlist_remove(t->keys, i);
}

void catalog_drop_index_keys(Catalog *cat, const char *index)
{
    for (int i = 0; i < cat->tables->n; i++) {
        Table *t = cat->tables->items[i];
        for (int k = PTRLIST_LEN(t->keys) - 1; k >= 0; k--) {
            const UniqueKey *key = t->keys->items[k];
            if (key->index && strcmp(key->index, index) == 0)
                ptrlist_remove(t->keys, k);
        }
    }
}

bool catalog_has_key(const Table *t, const char *const *names, int n)
{
    for (int i = 0; i < PTRLIST_LEN(t->keys); i++) {
        const UniqueKey *k = t->keys->items[i];
        if (k->columns->n != n)
            continue;
        bool all = true;
        for (int j = 0; j < n && all; j++) {
            bool found = false;
            for (int m = 0; m < k->columns->n && !found; m++)
                found = strcmp(((const Column *)k->columns->items[m])->name, names[j]) == 0;
            all = found;
        }
        if (all)
            return true;
    }
    return false;
}
