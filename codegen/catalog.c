#include "catalog.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyze.h"
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

static const char *table_name_of(const void *t) { return ((const Table *)t)->name; }
static const char *type_name_of(const void *t) { return ((const TypeDef *)t)->name; }
static const char *function_name_of(const void *f) { return ((const Function *)f)->name; }

Catalog *catalog_new(Arena *arena, Dialect dialect)
{
    Catalog *c = arena_alloc(arena, sizeof *c);
    c->arena = arena;
    c->dialect = dialect;
    c->tables = ptrlist_new(arena);
    c->indexes = ptrlist_new(arena);
    c->types = ptrlist_new(arena);
    c->functions = ptrlist_new(arena);
    c->extensions = ptrlist_new(arena);
    c->pending_refs = ptrlist_new(arena);
    c->key_refs = ptrlist_new(arena);
    c->table_index = name_index_new(arena, table_name_of);
    c->type_index = name_index_new(arena, type_name_of);
    c->function_index = name_index_new(arena, function_name_of);
    return c;
}

char *table_key(Arena *arena, Dialect d, const Token *schema, const Token *name)
{
    char *n = token_name(arena, name);
    if (!schema || !TOKEN_SET(*schema))
        return n;
    char *s = token_name(arena, schema);
    /* the default schema, and the connection's own (temp.t, pg_temp.t),
     * which an unqualified name finds first */
    if (strcmp(s, d == DIALECT_POSTGRES ? "public" : "main") == 0 ||
        strcmp(s, d == DIALECT_POSTGRES ? "pg_temp" : "temp") == 0)
        return n;
    return arena_printf(arena, "%s.%s", s, n);
}

/* table.column%TYPE (PL/pgSQL argument types): that column's type */
static CType column_type_ref(const Catalog *cat, const char *decl)
{
    size_t n = strlen(decl);
    if (n < 6 || strcmp(decl + n - 5, "%type") != 0)
        return CT_UNKNOWN;
    const char *dot = strrchr(decl, '.');
    if (!dot)
        return CT_UNKNOWN;
    char table[256];
    snprintf(table, sizeof table, "%.*s", (int)(dot - decl), decl);
    char column[256];
    snprintf(column, sizeof column, "%.*s", (int)(decl + n - 5 - dot - 1), dot + 1);
    const Table *t = catalog_find_table(cat, table);
    const Column *c = t ? table_find_column(t, column) : NULL;
    return c ? c->ctype : CT_UNKNOWN;
}

CType catalog_ctype(const Catalog *cat, const char *decl)
{
    const TypeDef *type = catalog_find_type(cat, decl);
    if (type)
        return type->ctype;
    CType t = extension_type(cat, decl);
    if (t == CT_UNKNOWN)
        t = column_type_ref(cat, decl);
    return t != CT_UNKNOWN ? t : ctype_from_decl(cat->dialect, decl);
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
    int at;
    return name_index_first(cat->table_index, cat->tables, name, &at);
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

Column *catalog_make_column(Catalog *cat, const ColumnDef *def) { return make_column(cat, def, false); }

char *catalog_renamed_key(Catalog *cat, const char *old, const char *schema, const char *name)
{
    const char *dot = strchr(old, '.');
    if (!schema) {
        if (!dot)
            return arena_strdup(cat->arena, name);
        return arena_printf(cat->arena, "%.*s.%s", (int)(dot - old), old, name);
    }
    const char *base = dot ? dot + 1 : old;
    if (strcmp(schema, cat->dialect == DIALECT_POSTGRES ? "public" : "main") == 0)
        return arena_strdup(cat->arena, base);
    return arena_printf(cat->arena, "%s.%s", schema, base);
}

static bool push_column(Catalog *cat, Table *t, Column *c, SrcPos pos)
{
    if (table_find_column(t, c->name)) {
        diag_error(pos, "duplicate column \"%s\" in table \"%s\"", c->name, t->name);
        return false;
    }
    ptrlist_push(cat->arena, t->columns, c);
    return true;
}

static bool add_column(Catalog *cat, Table *t, const ColumnDef *def, bool without_rowid)
{
    return push_column(cat, t, make_column(cat, def, without_rowid), def->name.pos);
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

static Table *require_table(Catalog *cat, const Token *schema, const Token *name_tok)
{
    char *name = table_key(cat->arena, cat->dialect, schema, name_tok);
    Table *t = catalog_find_table(cat, name);
    if (!t)
        diag_error(name_tok->pos, "no table \"%s\"", name);
    return t;
}

/* ----------------------------------------------------------- references */

typedef struct PendingRef {
    const ForeignKey *fk;
    char *from;            /* the referencing table, for the message */
} PendingRef;

/* The parent key of a foreign key must be the target's primary key or
 * the columns of one of its unique constraints or indexes (any order):
 * PostgreSQL refuses the constraint, SQLite every write to the child
 * ("foreign key mismatch"). Not checked where keel does not follow the
 * target's keys, nor (SQLite) over a column renamed since. */
static bool check_parent_key(Catalog *cat, const Table *target, const ForeignKey *fk, const char *from)
{
    if (target->keys_unknown || target->view)
        return true;
    int n = PTRLIST_LEN(fk->ref_columns);
    const char **names = arena_alloc(cat->arena, (size_t)(n > 0 ? n : target->columns->n) * sizeof *names);
    StrBuf list = {0};
    for (int i = 0; i < n; i++) {
        names[i] = token_name(cat->arena, fk->ref_columns->items[i]);
        if (!table_find_column(target, names[i])) {
            sb_free(&list);
            return true;
        }
        sb_printf(&list, "%s%s", i ? ", " : "", names[i]);
    }
    if (n == 0) /* REFERENCES t: its primary key */
        for (int i = 0; i < target->columns->n; i++) {
            const Column *c = target->columns->items[i];
            if (c->primary_key) {
                names[n++] = c->name;
                sb_printf(&list, "%s%s", n > 1 ? ", " : "", c->name);
            }
        }
    bool ok = n > 0 && catalog_has_key(target, names, n);
    const char *consequence = cat->dialect == DIALECT_POSTGRES
                                  ? "PostgreSQL refuses the foreign key"
                                  : arena_printf(cat->arena, "SQLite fails every write to \"%s\" (foreign key mismatch)", from);
    if (!ok && PTRLIST_LEN(fk->ref_columns) == 0)
        diag_error(fk->ref_table.pos, "REFERENCES \"%s\" names no columns, so it means its primary key, and \"%s\" has none; %s",
                   target->name, target->name, consequence);
    else if (!ok)
        diag_error(fk->ref_table.pos,
                   "REFERENCES \"%s\" (%s), which is no primary key, unique constraint or unique index of \"%s\"; %s: "
                   "add UNIQUE (%s) to \"%s\"",
                   target->name, list.s, target->name, consequence, list.s, target->name);
    sb_free(&list);
    return ok;
}

static bool check_reference_target(Catalog *cat, const Table *target, const ForeignKey *fk, const char *from)
{
    if (target->view && !target->materialized) {
        diag_error(fk->ref_table.pos, "REFERENCES \"%s\", which is a view; a foreign key references a table",
                   target->name);
        return false;
    }
    if (!check_columns_exist(cat, target, fk->ref_columns))
        return false;
    /* PostgreSQL needs the key when the constraint is made; SQLite when
     * rows are written, so a later migration may still add it */
    if (cat->dialect == DIALECT_POSTGRES)
        return check_parent_key(cat, target, fk, from);
    PendingRef *r = arena_alloc(cat->arena, sizeof *r);
    r->fk = fk;
    r->from = (char *)from;
    ptrlist_push(cat->arena, cat->key_refs, r);
    return true;
}

/* REFERENCES t: t must exist (or be the table itself). PostgreSQL needs it
 * created first; SQLite only resolves it when rows are written, so a
 * SQLite migration may reference a table created further down (cycles
 * need that), and keel checks after the last migration. */
static bool check_reference(Catalog *cat, const Table *self, const ForeignKey *fk)
{
    if (!fk)
        return true;
    char *name = table_key(cat->arena, cat->dialect, &fk->ref_schema, &fk->ref_table);
    const Table *target = strcmp(name, self->name) == 0 ? self : catalog_find_table(cat, name);
    if (target)
        return check_reference_target(cat, target, fk, self->name);
    if (cat->dialect == DIALECT_SQLITE) {
        PendingRef *r = arena_alloc(cat->arena, sizeof *r);
        r->fk = fk;
        r->from = self->name;
        ptrlist_push(cat->arena, cat->pending_refs, r);
        return true;
    }
    diag_error(fk->ref_table.pos, "REFERENCES \"%s\", which does not exist at this point (create a table before another references it)",
               name);
    return false;
}

bool catalog_finish(Catalog *cat)
{
    bool ok = true;
    for (int i = 0; i < cat->pending_refs->n; i++) {
        const PendingRef *r = cat->pending_refs->items[i];
        char *name = table_key(cat->arena, cat->dialect, &r->fk->ref_schema, &r->fk->ref_table);
        const Table *target = catalog_find_table(cat, name);
        if (target) {
            ok = check_reference_target(cat, target, r->fk, r->from) && ok;
            continue;
        }
        diag_error(r->fk->ref_table.pos, "table \"%s\" REFERENCES \"%s\", which no migration creates (SQLite would accept it and fail on the first write)",
                   r->from, name);
        ok = false;
    }
    cat->pending_refs->n = 0;
    for (int i = 0; i < cat->key_refs->n; i++) {
        const PendingRef *r = cat->key_refs->items[i];
        const Table *target = catalog_find_table(cat, table_key(cat->arena, cat->dialect, &r->fk->ref_schema,
                                                                &r->fk->ref_table));
        if (target) /* a table renamed or dropped since: SQLite's own business */
            ok = check_parent_key(cat, target, r->fk, r->from) && ok;
    }
    cat->key_refs->n = 0;
    return ok;
}

/* --------------------------------------------------------------- tables */

static Column *copy_column(Catalog *cat, const Column *from)
{
    Column *c = arena_alloc(cat->arena, sizeof *c);
    *c = *from;
    return c;
}

/* INHERITS (parents): their columns first, a column of the same name merged */
static bool inherit_columns(Catalog *cat, Table *t, const PtrList *parents)
{
    for (int i = 0; i < PTRLIST_LEN(parents); i++) {
        const SrcItem *it = parents->items[i];
        Table *parent = require_table(cat, &it->schema, &it->name);
        if (!parent || !parent->columns)
            return false;
        for (int j = 0; j < parent->columns->n; j++) {
            const Column *pc = parent->columns->items[j];
            if (table_find_column(t, pc->name))
                continue;
            Column *c = copy_column(cat, pc);
            c->primary_key = false; /* a parent's keys and indexes are not inherited */
            ptrlist_push(cat->arena, t->columns, c);
        }
    }
    return true;
}

/* LIKE other: names, types and NOT NULL; defaults, identity and keys when INCLUDED */
static bool like_columns(Catalog *cat, Table *t, const ColumnDef *def)
{
    Table *src = require_table(cat, &def->like->schema, &def->like->name);
    if (!src)
        return false;
    if (!src->columns) {
        diag_error(def->like->name.pos, "LIKE \"%s\": keel knows the columns of a view only where a query reads it",
                   src->name);
        return false;
    }
    bool ok = true;
    for (int j = 0; j < src->columns->n; j++) {
        Column *c = copy_column(cat, src->columns->items[j]);
        c->has_default &= def->like_defaults || def->like_identity || def->like_generated;
        c->primary_key &= def->like_constraints;
        c->pos = def->like->name.pos;
        ok = push_column(cat, t, c, def->like->name.pos) && ok;
    }
    return ok;
}

/* SQLite's declared type of a CREATE TABLE AS column: its expression's
 * affinity (INT, TEXT, REAL, NUM, or none) */
static const char *sqlite_affinity_name(const char *decl)
{
    if (strstr(decl, "int"))
        return "INT";
    if (strstr(decl, "char") || strstr(decl, "clob") || strstr(decl, "text"))
        return "TEXT";
    if (!decl[0] || strstr(decl, "blob"))
        return "";
    if (strstr(decl, "real") || strstr(decl, "floa") || strstr(decl, "doub"))
        return "REAL";
    return "NUM";
}

/* CREATE TABLE AS SELECT: the SELECT's columns, typed by the query
 * analyzer; neither engine copies NOT NULL, so all are nullable. A
 * materialized view keeps what the analyzer inferred, as a view does. */
static bool columns_from_select(Catalog *cat, Table *t, Select *s, SrcPos pos, bool keep_not_null)
{
    PtrList *outs = analyze_select_columns(cat->arena, cat, s);
    if (!outs)
        return false;
    bool ok = true;
    for (int i = 0; i < outs->n; i++) {
        const OutColumn *o = outs->items[i];
        Column *c = arena_alloc(cat->arena, sizeof *c);
        c->name = o->name;
        c->ctype = o->ctype;
        c->not_null = keep_not_null && !o->nullable;
        c->pos = o->pos;
        const char *decl = "";
        if (o->origin)
            decl = cat->dialect == DIALECT_SQLITE ? sqlite_affinity_name(o->origin->decl_type) : o->origin->decl_type;
        c->decl_type = arena_strdup(cat->arena, decl);
        for (char *p = c->decl_type; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        ok = push_column(cat, t, c, pos) && ok;
    }
    return ok;
}

static bool create_table(Catalog *cat, const CreateTable *ct)
{
    char *name = table_key(cat->arena, cat->dialect, &ct->schema, &ct->name);
    if (cat->dialect == DIALECT_SQLITE && strncasecmp(name, "sqlite_", 7) == 0) {
        /* SQLite refuses the name, IF NOT EXISTS or not; sqlc's catalog
         * needs sqlite_master declared to type a query on it, keel's does not */
        if (catalog_is_sqlite_schema(name))
            diag_error(ct->name.pos,
                       "\"%s\" is SQLite's own table, in every database, and SQLite refuses to create it: "
                       "drop this CREATE TABLE; keel knows its columns (type, name, tbl_name, rootpage, sql)",
                       name);
        else
            diag_error(ct->name.pos, "SQLite keeps names that start with \"sqlite_\" for itself and refuses to create \"%s\"",
                       name);
        return false;
    }
    if (catalog_find_table(cat, name)) {
        if (ct->if_not_exists)
            return true;
        diag_error(ct->name.pos, "table \"%s\" already exists", name);
        return false;
    }
    Table *t = arena_alloc(cat->arena, sizeof *t);
    t->name = name;
    t->pos = ct->name.pos;
    t->columns = ptrlist_new(cat->arena);
    if (ct->as_select) {
        if (!columns_from_select(cat, t, ct->as_select, ct->name.pos, false))
            return false;
        ptrlist_push(cat->arena, cat->tables, t);
        return true;
    }
    bool ok = true;
    /* keys that come from elsewhere are not followed (catalog_keys.c) */
    t->keys_unknown = ct->partition_of || ct->inherits;
    if (ct->partition_of) {
        /* a partition has its parent's columns, keys and defaults */
        Table *parent = require_table(cat, &ct->partition_of->schema, &ct->partition_of->name);
        if (!parent)
            return false;
        for (int i = 0; i < PTRLIST_LEN(parent->columns); i++)
            ptrlist_push(cat->arena, t->columns, copy_column(cat, parent->columns->items[i]));
    }
    if (!inherit_columns(cat, t, ct->inherits))
        return false;
    for (int i = 0; i < ct->columns->n; i++) {
        const ColumnDef *def = ct->columns->items[i];
        if (def->like) {
            t->keys_unknown = true;
            ok = like_columns(cat, t, def) && ok;
            continue;
        }
        if (ct->inherits) {
            /* a column the parents have already is merged with theirs */
            Column *inherited = table_find_column(t, token_name(cat->arena, &def->name));
            if (inherited) {
                Column *c = make_column(cat, def, ct->without_rowid);
                inherited->not_null |= c->not_null;
                inherited->has_default |= c->has_default;
                continue;
            }
        }
        if (add_column(cat, t, def, ct->without_rowid)) {
            if (def->primary_key || def->unique)
                catalog_add_column_key(cat, t, t->columns->items[t->columns->n - 1]);
        } else {
            ok = false;
        }
    }
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
        if (k->kind == CONS_PRIMARY_KEY || k->kind == CONS_UNIQUE)
            catalog_add_key(cat, t, k->columns, NULL);
        else if (k->kind == CONS_EXCLUDE)
            t->keys_unknown = true;
    }
    if (ok) {
        for (int i = 0; i < ct->columns->n; i++)
            ok = check_reference(cat, t, ((ColumnDef *)ct->columns->items[i])->fk) && ok;
        for (int i = 0; i < PTRLIST_LEN(ct->constraints); i++)
            ok = check_reference(cat, t, ((TableConstraint *)ct->constraints->items[i])->fk) && ok;
    }
    ptrlist_push(cat->arena, cat->tables, t);
    return ok;
}

static Column *require_column(Catalog *cat, Table *t, const Token *name_tok)
{
    Column *c = table_find_column(t, token_name(cat->arena, name_tok));
    if (!c)
        diag_error(name_tok->pos, "no column \"%s\" in table \"%s\"", token_name(cat->arena, name_tok), t->name);
    return c;
}

static bool rename_table(Catalog *cat, Table *t, char *new_name, SrcPos pos)
{
    if (strcmp(new_name, t->name) == 0)
        return true;
    if (catalog_find_table(cat, new_name)) {
        diag_error(pos, "table \"%s\" already exists", new_name);
        return false;
    }
    /* indexes follow their table into another schema */
    for (int i = 0; i < cat->indexes->n; i++) {
        Index *ix = cat->indexes->items[i];
        if (strcmp(ix->table, t->name) == 0)
            ix->table = new_name;
    }
    t->name = new_name;
    name_index_forget(cat->table_index);
    return true;
}

static bool alter_action(Catalog *cat, Table *t, const AlterAction *a)
{
    Column *c;
    switch (a->kind) {
    case ALTER_ADD_COLUMN:
        if (a->if_exists && table_find_column(t, token_name(cat->arena, &a->column->name)))
            return true;
        if (!add_column(cat, t, a->column, false))
            return false;
        if (a->column->primary_key || a->column->unique)
            catalog_add_column_key(cat, t, t->columns->items[t->columns->n - 1]);
        return check_reference(cat, t, a->column->fk);
    case ALTER_DROP_COLUMN: {
        char *name = token_name(cat->arena, &a->old_name);
        for (int i = 0; i < t->columns->n; i++) {
            c = t->columns->items[i];
            if (strcmp(c->name, name) == 0) {
                catalog_drop_column_keys(t, c);
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
    case ALTER_RENAME_TABLE:
        return rename_table(cat, t, catalog_renamed_key(cat, t->name, NULL, token_name(cat->arena, &a->new_name)),
                            a->new_name.pos);
    case ALTER_SET_SCHEMA:
        return rename_table(cat, t, catalog_renamed_key(cat, t->name, token_name(cat->arena, &a->new_name), NULL),
                            a->new_name.pos);
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
        if (k->kind == CONS_PRIMARY_KEY || k->kind == CONS_UNIQUE)
            catalog_add_key(cat, t, k->columns, NULL);
        else if (k->kind == CONS_EXCLUDE)
            t->keys_unknown = true;
        return check_reference(cat, t, k->fk);
    }
    case ALTER_DROP_CONSTRAINT:
        t->keys_unknown = true; /* which key it was, keel does not know */
        return true;
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
    case ALTER_DROP_IDENTITY:
        if (!(c = require_column(cat, t, &a->old_name)))
            return false;
        c->has_default = a->kind == ALTER_SET_DEFAULT;
        return true;
    case ALTER_ADD_IDENTITY:
        if (!(c = require_column(cat, t, &a->old_name)))
            return false;
        c->has_default = true;
        c->not_null = true;
        return true;
    case ALTER_NOOP:
        return !TOKEN_SET(a->old_name) || require_column(cat, t, &a->old_name);
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
    /* PostgreSQL lets ALTER TABLE rename a view too; SQLite does not, and
     * ALTER VIEW of a table neither does */
    bool view = t->view != NULL;
    if (view && !a->view && cat->dialect == DIALECT_SQLITE) {
        diag_error(a->name.pos, "\"%s\" is a view; SQLite cannot alter a view: drop and create it again", t->name);
        return false;
    }
    if (!view && a->view) {
        diag_error(a->name.pos, "\"%s\" is a table, not a view; use ALTER TABLE", t->name);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < a->actions->n && ok; i++) {
        const AlterAction *act = a->actions->items[i];
        if (view && act->kind != ALTER_RENAME_TABLE && act->kind != ALTER_SET_SCHEMA && act->kind != ALTER_NOOP &&
            !(act->kind == ALTER_RENAME_COLUMN && t->columns)) {
            diag_error(act->tok.pos, "keel does not model this change to a view; drop and create the view again");
            return false;
        }
        ok = alter_action(cat, t, act);
    }
    return ok;
}

static bool create_index(Catalog *cat, const CreateIndex *ci)
{
    Table *t = require_table(cat, &ci->schema, &ci->table);
    if (!t)
        return false;
    if (t->view && !t->materialized) {
        diag_error(ci->table.pos, "\"%s\" is a view; only tables and materialized views have indexes", t->name);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < ci->columns->n && t->columns; i++) {
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
    /* an index lives in its table's schema */
    ix->name = TOKEN_SET(ci->name) ? catalog_renamed_key(cat, t->name, NULL, token_name(cat->arena, &ci->name)) : "";
    ix->table = t->name;
    ptrlist_push(cat->arena, cat->indexes, ix);
    /* a unique index over plain columns is a key; one over expressions
     * (lower(email)) is matched by the engines, not here */
    PtrList *names = ptrlist_new(cat->arena);
    for (int i = 0; ci->unique && ok && i < ci->columns->n; i++) {
        const Expr *e = ((ResultCol *)ci->columns->items[i])->expr;
        if (!e || e->kind != EX_COLUMN || TOKEN_SET(e->table))
            return ok;
        ptrlist_push(cat->arena, names, (void *)&e->tok);
    }
    if (ci->unique && ok && t->columns)
        catalog_add_key(cat, t, names, ix->name[0] ? ix->name : NULL);
    return ok;
}

static bool create_view(Catalog *cat, const CreateView *cv)
{
    char *name = table_key(cat->arena, cat->dialect, &cv->schema, &cv->name);
    Table *old = catalog_find_table(cat, name);
    if (old && !(cv->or_replace && old->view && !old->materialized)) {
        if (cv->if_not_exists)
            return true;
        diag_error(cv->name.pos, "table or view \"%s\" already exists", name);
        return false;
    }
    Table *t = old ? old : arena_alloc(cat->arena, sizeof *t);
    t->name = name;
    t->pos = cv->name.pos;
    t->view = cv->select;
    t->columns = NULL;
    t->materialized = cv->materialized;
    t->column_names = NULL;
    if (cv->columns) {
        t->column_names = ptrlist_new(cat->arena);
        for (int i = 0; i < cv->columns->n; i++)
            ptrlist_push(cat->arena, t->column_names, token_name(cat->arena, cv->columns->items[i]));
    }
    if (cv->materialized) {
        /* typed now, as indexes and later migrations name its columns; a
         * SELECT keel cannot type is left to the queries that read it */
        t->columns = ptrlist_new(cat->arena);
        diag_quiet_begin();
        bool typed = columns_from_select(cat, t, cv->select, cv->name.pos, true);
        typed = diag_quiet_end() == 0 && typed;
        if (!typed)
            t->columns = NULL;
        if (t->columns && t->column_names) {
            if (t->column_names->n != t->columns->n) {
                diag_error(cv->name.pos, "view \"%s\" names %d columns but its query returns %d", name,
                           t->column_names->n, t->columns->n);
                return false;
            }
            for (int i = 0; i < t->column_names->n; i++)
                ((Column *)t->columns->items[i])->name = t->column_names->items[i];
        }
    }
    if (!old)
        ptrlist_push(cat->arena, cat->tables, t);
    return true;
}

static const char *drop_kind_name(DropKind k)
{
    switch (k) {
    case DROP_INDEX: return "index";
    case DROP_VIEW: return "view";
    case DROP_MATVIEW: return "materialized view";
    default: return "table";
    }
}

static const char *table_kind_name(const Table *t)
{
    return t->materialized ? "materialized view" : t->view ? "view" : "table";
}

static bool drop_one(Catalog *cat, const Drop *d, const DropName *dn)
{
    char *name = table_key(cat->arena, cat->dialect, &dn->schema, &dn->name);
    if (d->what == DROP_INDEX) {
        for (int i = 0; i < cat->indexes->n; i++) {
            Index *ix = cat->indexes->items[i];
            if (strcmp(ix->name, name) == 0) {
                catalog_drop_index_keys(cat, name);
                ptrlist_remove(cat->indexes, i);
                return true;
            }
        }
    } else {
        for (int i = 0; i < cat->tables->n; i++) {
            Table *t = cat->tables->items[i];
            if (strcmp(t->name, name) != 0)
                continue;
            if (strcmp(table_kind_name(t), drop_kind_name(d->what)) != 0) {
                diag_error(dn->name.pos, "\"%s\" is a %s", name, table_kind_name(t));
                return false;
            }
            ptrlist_remove(cat->tables, i);
            return true;
        }
    }
    if (d->if_exists)
        return true;
    diag_error(dn->name.pos, "no %s \"%s\"", drop_kind_name(d->what), name);
    return false;
}

static bool drop(Catalog *cat, const Drop *d)
{
    if (d->what == DROP_TYPE) {
        catalog_drop_types(cat, d);
        return true;
    }
    if (d->what == DROP_FUNCTION) {
        catalog_drop_functions(cat, d);
        return true;
    }
    bool ok = true;
    for (int i = 0; i < d->names->n; i++)
        ok = drop_one(cat, d, d->names->items[i]) && ok;
    return ok;
}

bool catalog_apply(Catalog *cat, const Stmt *stmt)
{
    switch (stmt->kind) {
    case STMT_CREATE_TABLE: return create_table(cat, stmt->u.create_table);
    case STMT_ALTER_TABLE: return alter_table(cat, stmt->u.alter);
    case STMT_CREATE_INDEX: return create_index(cat, stmt->u.create_index);
    case STMT_CREATE_VIEW: return create_view(cat, stmt->u.create_view);
    case STMT_DROP: return drop(cat, stmt->u.drop);
    case STMT_CREATE_TYPE: return catalog_create_type(cat, stmt->u.create_type);
    case STMT_ALTER_TYPE: return catalog_alter_type(cat, stmt->u.alter_type);
    case STMT_CREATE_EXTENSION: return catalog_create_extension(cat, stmt->u.create_extension);
    case STMT_CREATE_FUNCTION: return catalog_create_function(cat, stmt->u.create_function);
    case STMT_CREATE_VIRTUAL: return catalog_create_virtual(cat, stmt->u.create_virtual);
    default: return true; /* DML and opaque statements do not change the catalog */
    }
}
