/*
 * StrMap and NameIndex (codegen/util.c), the hashed lookups the catalog and
 * the parity check use: every answer must be the one a linear scan of the
 * list gives, whatever happened to the list since the last lookup.
 */
#include <stdio.h>
#include <string.h>

#include "util.h"

static int failures;

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            failures++;                                                     \
        }                                                                   \
    } while (0)

typedef struct Item {
    const char *name;
    int id;
} Item;

static const char *item_name(const void *item) { return ((const Item *)item)->name; }

static Item *item(Arena *a, const char *name, int id)
{
    Item *it = arena_alloc(a, sizeof *it);
    it->name = arena_strdup(a, name);
    it->id = id;
    return it;
}

/* The answer to compare with: the first item named name from position from. */
static Item *scan(const PtrList *l, const char *name, int from)
{
    for (int i = from; i < l->n; i++)
        if (strcmp(((Item *)l->items[i])->name, name) == 0)
            return l->items[i];
    return NULL;
}

static Item *find(NameIndex *ix, const PtrList *l, const char *name)
{
    int at;
    Item *found = name_index_first(ix, l, name, &at);
    CHECK(found == scan(l, name, 0));
    return found;
}

static void strmap_keeps_the_first_value_and_grows(void)
{
    Arena *a = arena_new();
    StrMap *m = strmap_new(a, 0);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "t%05d", i);
        CHECK(strmap_add(m, arena_strdup(a, key), i) == -1);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "t%05d", i);
        CHECK(strmap_get(m, key) == i);
        CHECK(strmap_add(m, arena_strdup(a, key), i + 1) == i); /* the first stays */
    }
    CHECK(strmap_get(m, "t05000") == -1);
    CHECK(strmap_get(m, "") == -1);
    CHECK(strmap_add(m, "", 7) == -1);
    CHECK(strmap_get(m, "") == 7);
    strmap_clear(m);
    CHECK(strmap_get(m, "t00001") == -1);
    CHECK(strmap_add(m, "t00001", 3) == -1);
    CHECK(strmap_get(m, "t00001") == 3);
    arena_destroy(a);
}

static void index_follows_pushes_and_removals(void)
{
    Arena *a = arena_new();
    PtrList *l = ptrlist_new(a);
    NameIndex *ix = name_index_new(a, item_name);
    CHECK(find(ix, l, "a") == NULL);
    char name[32];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "n%d", i);
        CHECK(find(ix, l, name) == NULL); /* as CREATE TABLE asks before it pushes */
        ptrlist_push(a, l, item(a, name, i));
        CHECK(find(ix, l, name)->id == i);
    }
    ptrlist_remove(l, 10); /* n10 */
    CHECK(find(ix, l, "n10") == NULL);
    CHECK(find(ix, l, "n11")->id == 11);
    ptrlist_push(a, l, item(a, "n10", 1000)); /* removal then push: same count */
    ptrlist_remove(l, 0);
    ptrlist_push(a, l, item(a, "n0", 1001));
    CHECK(find(ix, l, "n10")->id == 1000);
    CHECK(find(ix, l, "n0")->id == 1001);
    CHECK(find(ix, l, "n299")->id == 299);
    /* an item replaced in place under its name (CREATE OR REPLACE FUNCTION) */
    l->items[5] = item(a, ((Item *)l->items[5])->name, 2000);
    CHECK(find(ix, l, ((Item *)l->items[5])->name)->id == 2000);
    /* another list through the same index */
    PtrList *other = ptrlist_new(a);
    ptrlist_push(a, other, item(a, "n0", 3000));
    CHECK(find(ix, other, "n0")->id == 3000);
    CHECK(find(ix, other, "n1") == NULL);
    CHECK(find(ix, l, "n1")->id == 1);
    arena_destroy(a);
}

static void renamed_items_after_forget(void)
{
    Arena *a = arena_new();
    PtrList *l = ptrlist_new(a);
    NameIndex *ix = name_index_new(a, item_name);
    ptrlist_push(a, l, item(a, "accounts", 1));
    ptrlist_push(a, l, item(a, "users", 2));
    CHECK(find(ix, l, "accounts")->id == 1);
    ((Item *)l->items[0])->name = "audit.accounts"; /* ALTER TABLE ... SET SCHEMA */
    name_index_forget(ix);
    CHECK(find(ix, l, "accounts") == NULL);
    CHECK(find(ix, l, "audit.accounts")->id == 1);
    ptrlist_push(a, l, item(a, "accounts", 3));
    CHECK(find(ix, l, "accounts")->id == 3);
    /* renamed away without forget: the old name is still not answered */
    ((Item *)l->items[1])->name = "people";
    int at;
    CHECK(name_index_first(ix, l, "users", &at) == NULL);
    arena_destroy(a);
}

static void overloads_come_in_list_order(void)
{
    Arena *a = arena_new();
    PtrList *l = ptrlist_new(a);
    NameIndex *ix = name_index_new(a, item_name);
    for (int i = 0; i < 200; i++)
        ptrlist_push(a, l, item(a, i % 3 == 0 ? "f" : i % 3 == 1 ? "g" : "h", i));
    int at, n = 0, last = -1;
    for (Item *it = name_index_first(ix, l, "g", &at); it; it = name_index_next(ix, l, "g", &at)) {
        CHECK(it->id % 3 == 1 && it->id > last);
        last = it->id;
        n++;
    }
    CHECK(n == 67);
    ptrlist_remove(l, 0); /* the first f */
    ptrlist_push(a, l, item(a, "f", 500));
    n = 0;
    last = -1;
    for (Item *it = name_index_first(ix, l, "f", &at); it; it = name_index_next(ix, l, "f", &at)) {
        CHECK(it->id > last);
        last = it->id;
        n++;
    }
    CHECK(n == 67 && last == 500);
    CHECK(name_index_first(ix, l, "k", &at) == NULL && name_index_next(ix, l, "k", &at) == NULL);
    arena_destroy(a);
}

int main(void)
{
    strmap_keeps_the_first_value_and_grows();
    index_follows_pushes_and_removals();
    renamed_items_after_forget();
    overloads_come_in_list_order();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    puts("name index: all checks passed");
    return 0;
}
