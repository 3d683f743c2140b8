#include "catalog.h"

#include <string.h>

#include "pg_types.h"
#include "sqlparse.h"

const char *ctype_name(CType t)
{
    switch (t) {
    case CT_BOOL: return "bool";
    case CT_INT64: return "int64";
    case CT_DOUBLE: return "double";
    case CT_TEXT: return "text";
    case CT_BLOB: return "blob";
    default: return "unknown";
    }
}

Catalog *catalog_new(Arena *arena, Dialect dialect)
{
    Catalog *c = arena_alloc(arena, sizeof *c);
    c->arena = arena;
    c->dialect = dialect;
    c->tables = ptrlist_new(arena);
    c->indexes = ptrlist_new(arena);
    c->types = ptrlist_new(arena);
    return c;
}

char *table_key(Arena *arena, Dialect d, const Token *schema, const Token *name)
{
    char *n = token_name(arena, name);
    if (!schema || !TOKEN_SET(*schema))
        return n;
    char *s = token_name(arena, schema);
    if (strcmp(s, d == DIALECT_POSTGRES ? "public" : "main") == 0)
        return n;
    return arena_printf(arena, "%s.%s", s, n);
}

CType catalog_ctype(const Catalog *cat, const char *decl)
{
    for (int i = 0; i < cat->types->n; i++) {
        const TypeDef *t = cat->types->items[i];
        if (strcmp(t->name, decl) == 0)
            return t->ctype;
    }
    return ctype_from_decl(cat->dialect, decl);
}

const char *catalog_sqltype(const Catalog *cat, const char *decl, bool array)
{
    if (cat->dialect != DIALECT_POSTGRES)
        return NULL;
    const char *t = pg_type_canonical(decl);
    for (int i = 0; !t && i < cat->types->n; i++) {
        const TypeDef *d = cat->types->items[i];
        if (strcmp(d->name, decl) == 0)
            t = d->base;
    }
    return array ? pg_array_of(t) : t;
}

Table *catalog_find_table(const Catalog *cat, const char *name)
{
    for (int i = 0; i < cat->tables->n; i++) {
        Table *t = cat->tables->items[i];
        if (strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

Column *table_find_column(const Table *t, const char *name)
{
    for (int i = 0; i < PTRLIST_LEN(t->columns); i++) {
        Column *c = t->columns->items[i];
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

static bool contains(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

CType ctype_from_decl(Dialect dialect, const char *decl)
{
    if (dialect == DIALECT_SQLITE) {
        /* SQLite's affinity rules (datatype3.html §3.1), in their order,
         * refined where a declared type says more than its affinity:
         * BOOLEAN is stored as 0/1 and DATE/TIME as text by convention. */
        if (contains(decl, "bool"))
            return CT_BOOL;
        if (contains(decl, "int"))
            return CT_INT64;
        if (contains(decl, "char") || contains(decl, "clob") || contains(decl, "text"))
            return CT_TEXT;
        if (decl[0] == 0 || contains(decl, "blob"))
            return CT_BLOB;
        if (contains(decl, "real") || contains(decl, "floa") || contains(decl, "doub"))
            return CT_DOUBLE;
        if (contains(decl, "date") || contains(decl, "time") || contains(decl, "uuid") || contains(decl, "json"))
            return CT_TEXT;
        if (contains(decl, "numeric") || contains(decl, "decimal"))
            return CT_DOUBLE;
        return CT_UNKNOWN;
    }
    /* PostgreSQL: the built-in types by pg_types.c's table, and the text
     * types of common extensions */
    const char *typname = pg_type_canonical(decl);
    if (typname)
        return pg_type_ctype(typname);
    static const char *const extension_text[] = {"citext", "hstore", "ltree", "lquery", "cube", "isbn", "ean13"};
    for (size_t i = 0; i < sizeof extension_text / sizeof extension_text[0]; i++)
        if (strcmp(decl, extension_text[i]) == 0)
            return CT_TEXT;
    return CT_UNKNOWN;
}

static bool is_serial(const char *decl)
{
    return strcmp(decl, "serial") == 0 || strcmp(decl, "bigserial") == 0 || strcmp(decl, "smallserial") == 0 ||
           strcmp(decl, "serial2") == 0 || strcmp(decl, "serial4") == 0 || strcmp(decl, "serial8") == 0;
}

static Column *make_column(Catalog *cat, const ColumnDef *def, bool without_rowid)
{
    Column *c = arena_alloc(cat->arena, sizeof *c);
    c->name = token_name(cat->arena, &def->name);
    c->decl_type = def->type ? def->type->text : "";
    c->pos = def->name.pos;
    if (def->type && def->type->array) {
        /* text[]: a list of the element's C type; SQLite has no arrays, and
         * a column declared TEXT[] there holds a JSON array (text affinity,
         * what keel binds for a list); int[][] maps to nothing, said where
         * it is read */
        c->array_dims = def->type->array_dims > 0 ? def->type->array_dims : 1;
        c->decl_type = arena_printf(cat->arena, "%s%s", c->decl_type, c->array_dims > 1 ? "[][]" : "[]");
        c->ctype = c->array_dims == 1 ? catalog_ctype(cat, def->type->text) : CT_UNKNOWN;
        c->sqltype = c->array_dims == 1 ? catalog_sqltype(cat, def->type->text, true) : NULL;
    } else {
        /* An unmappable type is an error only where a query reads it. A
         * NOT NULL domain does not make its column NOT NULL: PostgreSQL
         * documents that such a column can still hold NULL, and says so
         * in pg_attribute. */
        c->ctype = catalog_ctype(cat, c->decl_type);
        c->sqltype = catalog_sqltype(cat, c->decl_type, false);
    }
    c->not_null = def->not_null;
    c->primary_key = def->primary_key;
    c->has_default = def->default_value || def->identity || def->generated;
    if (def->primary_key) {
        /* PostgreSQL primary keys are NOT NULL. SQLite's are too only for
         * the rowid alias (INTEGER PRIMARY KEY) and WITHOUT ROWID tables;
         * other SQLite keys accept NULL, a long-standing quirk. */
        if (cat->dialect == DIALECT_POSTGRES || without_rowid || strcmp(c->decl_type, "integer") == 0)
            c->not_null = true;
        if (cat->dialect == DIALECT_SQLITE && strcmp(c->decl_type, "integer") == 0)
            c->has_default = true;
    }
    if (cat->dialect == DIALECT_POSTGRES && is_serial(c->decl_type)) {
        c->not_null = true;
        c->has_default = true;
    }
    if (def->identity)
        c->not_null = true;
    return c;
}

static bool add_column(Catalog *cat, Table *t, const ColumnDef *def, bool without_rowid)
{
    Column *c = make_column(cat, def, without_rowid);
    if (table_find_column(t, c->name)) {
        diag_error(def->name.pos, "duplicate column \"%s\" in table \"%s\"", c->name, t->name);
        return false;
    }
    ptrlist_push(cat->arena, t->columns, c);
    return true;
}

static bool check_columns_exist(Catalog *cat, const Table *t, PtrList *names)
{
    bool ok = true;
    for (int i = 0; i < PTRLIST_LEN(names); i++) {
        Token *tok = names->items[i];
        char *name = token_name(cat->arena, tok);
        if (!table_find_column(t, name)) {
            diag_error(tok->pos, "no column \"%s\" in table \"%s\"", name, t->name);
            ok = false;
        }
    }
    return ok;
}

static bool create_table(Catalog *cat, const CreateTable *ct)
{
    char *name = table_key(cat->arena, cat->dialect, &ct->schema, &ct->name);
    if (catalog_find_table(cat, name)) {
        if (ct->if_not_exists)
            return true;
        diag_error(ct->name.pos, "table \"%s\" already exists", name);
        return false;
    }
    if (ct->as_select) {
        diag_error(ct->name.pos, "CREATE TABLE ... AS SELECT is not supported yet; list the columns");
        return false;
    }
    Table *t = arena_alloc(cat->arena, sizeof *t);
    t->name = name;
    t->pos = ct->name.pos;
    t->columns = ptrlist_new(cat->arena);
    bool ok = true;
    for (int i = 0; i < ct->columns->n; i++)
        ok = add_column(cat, t, ct->columns->items[i], ct->without_rowid) && ok;
    for (int i = 0; i < PTRLIST_LEN(ct->constraints); i++) {
        TableConstraint *k = ct->constraints->items[i];
        if (!check_columns_exist(cat, t, k->columns)) {
            ok = false;
            continue;
        }
        if (k->kind == CONS_PRIMARY_KEY) {
            for (int j = 0; j < k->columns->n; j++) {
                Column *c = table_find_column(t, token_name(cat->arena, k->columns->items[j]));
                c->primary_key = true;
                if (cat->dialect == DIALECT_POSTGRES || ct->without_rowid)
                    c->not_null = true;
            }
        }
    }
    ptrlist_push(cat->arena, cat->tables, t);
    return ok;
}

static Table *require_table(Catalog *cat, const Token *schema, const Token *name_tok)
{
    char *name = table_key(cat->arena, cat->dialect, schema, name_tok);
    Table *t = catalog_find_table(cat, name);
    if (!t)
        diag_error(name_tok->pos, "no table \"%s\"", name);
    return t;
}

static Column *require_column(Catalog *cat, Table *t, const Token *name_tok)
{
    Column *c = table_find_column(t, token_name(cat->arena, name_tok));
    if (!c)
        diag_error(name_tok->pos, "no column \"%s\" in table \"%s\"", token_name(cat->arena, name_tok), t->name);
    return c;
}

static bool alter_action(Catalog *cat, Table *t, const AlterAction *a)
{
    Column *c;
    switch (a->kind) {
    case ALTER_ADD_COLUMN:
        if (a->if_exists && table_find_column(t, token_name(cat->arena, &a->column->name)))
            return true;
        return add_column(cat, t, a->column, false);
    case ALTER_DROP_COLUMN: {
        char *name = token_name(cat->arena, &a->old_name);
        for (int i = 0; i < t->columns->n; i++) {
            c = t->columns->items[i];
            if (strcmp(c->name, name) == 0) {
                ptrlist_remove(t->columns, i);
                return true;
            }
        }
        if (a->if_exists)
            return true;
        diag_error(a->old_name.pos, "no column \"%s\" in table \"%s\"", name, t->name);
        return false;
    }
    case ALTER_RENAME_COLUMN: {
        if (!(c = require_column(cat, t, &a->old_name)))
            return false;
        char *new_name = token_name(cat->arena, &a->new_name);
        if (table_find_column(t, new_name)) {
            diag_error(a->new_name.pos, "column \"%s\" already exists in table \"%s\"", new_name, t->name);
            return false;
        }
        c->name = new_name;
        return true;
    }
    case ALTER_RENAME_TABLE: {
        char *new_name = token_name(cat->arena, &a->new_name);
        if (catalog_find_table(cat, new_name)) {
            diag_error(a->new_name.pos, "table \"%s\" already exists", new_name);
            return false;
        }
        t->name = new_name;
        return true;
    }
    case ALTER_ADD_CONSTRAINT: {
        const TableConstraint *k = a->constraint;
        if (!check_columns_exist(cat, t, k->columns))
            return false;
        if (k->kind == CONS_PRIMARY_KEY)
            for (int j = 0; j < k->columns->n; j++) {
                c = table_find_column(t, token_name(cat->arena, k->columns->items[j]));
                c->primary_key = true;
                c->not_null = true;
            }
        return true;
    }
    case ALTER_DROP_CONSTRAINT:
    case ALTER_RENAME_CONSTRAINT:
        return true; /* constraints by name are the engine's business */
    case ALTER_COLUMN_TYPE:
        if (!(c = require_column(cat, t, &a->old_name)))
            return false;
        c->decl_type = a->type->array ? arena_printf(cat->arena, "%s[]", a->type->text) : a->type->text;
        c->array_dims = a->type->array ? (a->type->array_dims > 0 ? a->type->array_dims : 1) : 0;
        c->ctype = a->type->array && (cat->dialect != DIALECT_POSTGRES || c->array_dims != 1)
                       ? CT_UNKNOWN
                       : catalog_ctype(cat, a->type->text);
        c->sqltype = c->array_dims > 1 ? NULL : catalog_sqltype(cat, a->type->text, a->type->array);
        return true;
    case ALTER_SET_NOT_NULL:
    case ALTER_DROP_NOT_NULL:
        if (!(c = require_column(cat, t, &a->old_name)))
            return false;
        c->not_null = a->kind == ALTER_SET_NOT_NULL;
        return true;
    case ALTER_SET_DEFAULT:
    case ALTER_DROP_DEFAULT:
        if (!(c = require_column(cat, t, &a->old_name)))
            return false;
        c->has_default = a->kind == ALTER_SET_DEFAULT;
        return true;
    }
    return false;
}

static bool alter_table(Catalog *cat, const AlterTable *a)
{
    if (a->if_exists && !catalog_find_table(cat, table_key(cat->arena, cat->dialect, &a->schema, &a->name)))
        return true;
    Table *t = require_table(cat, &a->schema, &a->name);
    if (!t)
        return false;
    if (t->view) {
        diag_error(a->name.pos, "\"%s\" is a view, not a table", t->name);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < a->actions->n && ok; i++)
        ok = alter_action(cat, t, a->actions->items[i]);
    return ok;
}

static bool create_type(Catalog *cat, const CreateType *ct)
{
    TypeDef *t = arena_alloc(cat->arena, sizeof *t);
    t->name = table_key(cat->arena, cat->dialect, &ct->schema, &ct->name);
    for (int i = 0; i < cat->types->n; i++)
        if (strcmp(((TypeDef *)cat->types->items[i])->name, t->name) == 0) {
            diag_error(ct->name.pos, "type \"%s\" already exists", t->name);
            return false;
        }
    if (ct->is_enum) {
        t->ctype = CT_TEXT;
    } else {
        t->ctype = ct->base->array ? CT_UNKNOWN : catalog_ctype(cat, ct->base->text);
        t->base = ct->base->array ? NULL : catalog_sqltype(cat, ct->base->text, false);
    }
    ptrlist_push(cat->arena, cat->types, t);
    return true;
}

static bool create_index(Catalog *cat, const CreateIndex *ci)
{
    Table *t = require_table(cat, &ci->schema, &ci->table);
    if (!t)
        return false;
    bool ok = true;
    for (int i = 0; i < ci->columns->n; i++) {
        ResultCol *rc = ci->columns->items[i];
        /* Expression indexes are checked by the engine; plain columns here. */
        if (rc->expr && rc->expr->kind == EX_COLUMN && !TOKEN_SET(rc->expr->table)) {
            char *name = token_name(cat->arena, &rc->expr->tok);
            if (!table_find_column(t, name)) {
                diag_error(rc->expr->tok.pos, "no column \"%s\" in table \"%s\"", name, t->name);
                ok = false;
            }
        }
    }
    Index *ix = arena_alloc(cat->arena, sizeof *ix);
    ix->name = token_name(cat->arena, &ci->name);
    ix->table = t->name;
    ptrlist_push(cat->arena, cat->indexes, ix);
    return ok;
}

static bool create_view(Catalog *cat, const CreateView *cv)
{
    char *name = table_key(cat->arena, cat->dialect, &cv->schema, &cv->name);
    if (catalog_find_table(cat, name)) {
        if (cv->if_not_exists)
            return true;
        diag_error(cv->name.pos, "table or view \"%s\" already exists", name);
        return false;
    }
    Table *t = arena_alloc(cat->arena, sizeof *t);
    t->name = name;
    t->pos = cv->name.pos;
    t->view = cv->select;
    ptrlist_push(cat->arena, cat->tables, t);
    return true;
}

static bool drop(Catalog *cat, const Drop *d)
{
    char *name = table_key(cat->arena, cat->dialect, &d->schema, &d->name);
    if (d->what == DROP_INDEX) {
        for (int i = 0; i < cat->indexes->n; i++) {
            Index *ix = cat->indexes->items[i];
            if (strcmp(ix->name, name) == 0) {
                ptrlist_remove(cat->indexes, i);
                return true;
            }
        }
    } else {
        for (int i = 0; i < cat->tables->n; i++) {
            Table *t = cat->tables->items[i];
            if (strcmp(t->name, name) == 0) {
                if ((d->what == DROP_VIEW) != (t->view != NULL)) {
                    diag_error(d->name.pos, "\"%s\" is a %s", name, t->view ? "view" : "table");
                    return false;
                }
                ptrlist_remove(cat->tables, i);
                return true;
            }
        }
    }
    if (d->if_exists)
        return true;
    diag_error(d->name.pos, "no %s \"%s\"", d->what == DROP_INDEX ? "index" : d->what == DROP_VIEW ? "view" : "table",
               name);
    return false;
}

bool catalog_apply(Catalog *cat, const Stmt *stmt)
{
    switch (stmt->kind) {
    case STMT_CREATE_TABLE: return create_table(cat, stmt->u.create_table);
    case STMT_ALTER_TABLE: return alter_table(cat, stmt->u.alter);
    case STMT_CREATE_INDEX: return create_index(cat, stmt->u.create_index);
    case STMT_CREATE_VIEW: return create_view(cat, stmt->u.create_view);
    case STMT_DROP: return drop(cat, stmt->u.drop);
    case STMT_CREATE_TYPE: return create_type(cat, stmt->u.create_type);
    default: return true; /* DML and opaque statements do not change the catalog */
    }
}
