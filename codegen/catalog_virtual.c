/*
 * SQLite's virtual tables in the catalog: CREATE VIRTUAL TABLE x USING
 * module(args) has the columns its module makes of the arguments. keel knows
 * the modules SQLite builds in for tables of rows: fts3, fts4 and fts5 (full
 * text, and fts5vocab over fts5) and rtree / rtree_i32; the table of any other module stays unknown
 * to queries, as it is to sqlc.
 */
#include "catalog.h"

#include <string.h>
#include <strings.h>

#include "parse.h"
#include "sqlparse.h"

static Column *new_column(Catalog *cat, const Token *name, const char *decl, CType t, bool not_null)
{
    Column *c = arena_alloc(cat->arena, sizeof *c);
    c->name = token_name(cat->arena, name);
    c->decl_type = arena_strdup(cat->arena, decl);
    c->ctype = t;
    c->not_null = not_null;
    c->pos = name->pos;
    return c;
}

static bool add(Catalog *cat, Table *t, Column *c)
{
    if (table_find_column(t, c->name)) {
        diag_error(c->pos, "duplicate column \"%s\" in table \"%s\"", c->name, t->name);
        return false;
    }
    ptrlist_push(cat->arena, t->columns, c);
    return true;
}

/* A column found by name but left out of *: fts5's rank, the column named
 * after the table that MATCH takes on its left. */
static void add_hidden(Catalog *cat, Table *t, const char *name, const char *decl, CType ct, bool not_null)
{
    if (table_find_column(t, name))
        return;
    Token tok = {0};
    tok.z = name;
    tok.n = (int)strlen(name);
    tok.type = TK_ID;
    Column *c = new_column(cat, &tok, decl, ct, not_null);
    c->pos = t->pos;
    ptrlist_push(cat->arena, t->columns, c);
    if (!t->invisible)
        t->invisible = ptrlist_new(cat->arena);
    ptrlist_push(cat->arena, t->invisible, c->name);
}

/* fts3/4/5: each argument is a column name (fts5: then UNINDEXED; fts3/4:
 * then a type, which they ignore) or an option, `key = value` (fts3/4 also
 * the older `tokenize porter`). Values are kept as given: text. */
static bool fts_columns(Catalog *cat, Table *t, const CreateVirtual *cv, int version)
{
    bool ok = true;
    for (int i = 0; i < cv->n_args; i++) {
        const Token *a = cv->arg_first[i];
        if (cv->arg_len[i] >= 2 && a[1].type == TK_EQ)
            continue;
        if (version < 5 && a[0].type != TK_STRING && str_ieq_n(a[0].z, (size_t)a[0].n, "tokenize"))
            continue;
        ok = add(cat, t, new_column(cat, &a[0], "text", CT_TEXT, false)) && ok;
    }
    add_hidden(cat, t, t->name, "", CT_TEXT, false);
    if (version == 5)
        add_hidden(cat, t, "rank", "", CT_DOUBLE, false);
    else
        add_hidden(cat, t, "docid", "", CT_INT64, true);
    return ok;
}

/* rtree: the id, then min/max pairs of coordinates (real; rtree_i32's are
 * integers), then +auxiliary columns of any type. */
static bool rtree_columns(Catalog *cat, Table *t, const CreateVirtual *cv, bool i32)
{
    bool ok = true;
    for (int i = 0; i < cv->n_args; i++) {
        const Token *a = cv->arg_first[i];
        if (a[0].type == TK_PLUS && cv->arg_len[i] >= 2) {
            const char *decl = cv->arg_len[i] >= 3 ? token_name(cat->arena, &a[2]) : "";
            ok = add(cat, t, new_column(cat, &a[1], decl, ctype_from_decl(DIALECT_SQLITE, decl), false)) && ok;
        } else if (i == 0) {
            Column *c = new_column(cat, &a[0], "int", CT_INT64, true);
            c->primary_key = true;
            ok = add(cat, t, c) && ok;
        } else {
            ok = add(cat, t, new_column(cat, &a[0], i32 ? "int" : "real", i32 ? CT_INT64 : CT_DOUBLE, true)) && ok;
        }
    }
    return ok;
}

/* fts5vocab(fts_table, 'row' | 'col' | 'instance'): the terms of an fts5
 * table, one row per term (and column, and place in the column). */
static bool fts5vocab_columns(Catalog *cat, Table *t, const CreateVirtual *cv)
{
    const char *kind = "row";
    if (cv->n_args >= 2)
        kind = token_name(cat->arena, &cv->arg_first[cv->n_args - 1][0]);
    static const struct { const char *kind, *cols[4]; } kinds[] = {
        {"row", {"term", "doc", "cnt", NULL}},
        {"col", {"term", "col", "doc", "cnt"}},
        {"instance", {"term", "doc", "col", "offset"}},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (strcasecmp(kind, kinds[k].kind) != 0)
            continue;
        for (int i = 0; i < 4 && kinds[k].cols[i]; i++) {
            const char *n = kinds[k].cols[i];
            bool text = strcmp(n, "term") == 0 || strcmp(n, "col") == 0;
            Token tok = {0};
            tok.z = n;
            tok.n = (int)strlen(n);
            tok.type = TK_ID;
            /* an instance's column and offset are NULL under detail=none / column */
            bool may_null = k == 2 && (strcmp(n, "col") == 0 || strcmp(n, "offset") == 0);
            Column *c = new_column(cat, &tok, "", text ? CT_TEXT : CT_INT64, !may_null);
            c->pos = t->pos;
            ptrlist_push(cat->arena, t->columns, c);
        }
        return true;
    }
    diag_error(cv->module.pos, "fts5vocab tables are of kind 'row', 'col' or 'instance', not '%s'", kind);
    return false;
}

bool catalog_create_virtual(Catalog *cat, const CreateVirtual *cv)
{
    char *name = table_key(cat->arena, cat->dialect, &cv->schema, &cv->name);
    if (catalog_find_table(cat, name)) {
        if (cv->if_not_exists)
            return true;
        diag_error(cv->name.pos, "table \"%s\" already exists", name);
        return false;
    }
    char *module = token_name(cat->arena, &cv->module);
    int fts = strcasecmp(module, "fts5") == 0 ? 5 : strcasecmp(module, "fts4") == 0 ? 4 : strcasecmp(module, "fts3") == 0 ? 3 : 0;
    bool rtree = strcasecmp(module, "rtree") == 0, rtree_i32 = strcasecmp(module, "rtree_i32") == 0;
    bool vocab = strcasecmp(module, "fts5vocab") == 0;
    if (!fts && !rtree && !rtree_i32 && !vocab) {
        /* SQLite runs it; its columns are the module's own business, and a
         * query reading it is told so */
        if (!cat->opaque_virtual)
            cat->opaque_virtual = ptrlist_new(cat->arena);
        ptrlist_push(cat->arena, cat->opaque_virtual, name);
        ptrlist_push(cat->arena, cat->opaque_virtual, module);
        return true;
    }
    Table *t = arena_alloc(cat->arena, sizeof *t);
    t->name = name;
    t->pos = cv->name.pos;
    t->columns = ptrlist_new(cat->arena);
    bool ok = fts ? fts_columns(cat, t, cv, fts) : vocab ? fts5vocab_columns(cat, t, cv) : rtree_columns(cat, t, cv, rtree_i32);
    ptrlist_push(cat->arena, cat->tables, t);
    return ok;
}

const char *catalog_virtual_module(const Catalog *cat, const char *name)
{
    for (int i = 0; i + 1 < PTRLIST_LEN(cat->opaque_virtual); i += 2)
        if (strcmp(cat->opaque_virtual->items[i], name) == 0)
            return cat->opaque_virtual->items[i + 1];
    return NULL;
}
