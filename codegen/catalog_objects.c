/*
 * The catalog's other objects: PostgreSQL types (enums, domains,
 * composites) and ALTER / DROP TYPE, user-defined functions and
 * procedures, and extensions with the types and functions they bring
 * (pg_extensions.def).
 */
#include "catalog.h"

#include <string.h>

#include "sqlparse.h"

/* ---------------------------------------------------------------- types */

TypeDef *catalog_find_type(const Catalog *cat, const char *name)
{
    int at;
    return name_index_first(cat->type_index, cat->types, name, &at);
}

bool catalog_create_type(Catalog *cat, const CreateType *ct)
{
    TypeDef *t = arena_alloc(cat->arena, sizeof *t);
    t->name = table_key(cat->arena, cat->dialect, &ct->schema, &ct->name);
    if (catalog_find_type(cat, t->name)) {
        diag_error(ct->name.pos, "type \"%s\" already exists", t->name);
        return false;
    }
    if (ct->is_enum) {
        t->ctype = CT_TEXT;
        t->is_enum = true;
    } else if (ct->fields) {
        /* a composite value reaches C in the server's text form, "(1,abc)" */
        t->ctype = CT_TEXT;
        t->fields = ptrlist_new(cat->arena);
        for (int i = 0; i < ct->fields->n; i++) {
            const ColumnDef *def = ct->fields->items[i];
            if (def->like) {
                diag_error(def->name.pos, "LIKE is not allowed in a composite type");
                return false;
            }
            Column *c = catalog_make_column(cat, def);
            c->not_null = false; /* a composite's fields are never NOT NULL */
            ptrlist_push(cat->arena, t->fields, c);
        }
    } else {
        t->ctype = ct->base->array ? CT_UNKNOWN : catalog_ctype(cat, ct->base->text);
        t->base = ct->base->array ? NULL : catalog_sqltype(cat, ct->base->text, false);
    }
    ptrlist_push(cat->arena, cat->types, t);
    return true;
}

static Column *find_field(TypeDef *t, const char *name, int *index)
{
    for (int i = 0; i < t->fields->n; i++) {
        Column *c = t->fields->items[i];
        if (strcmp(c->name, name) == 0) {
            *index = i;
            return c;
        }
    }
    return NULL;
}

bool catalog_alter_type(Catalog *cat, const AlterType *at)
{
    char *name = table_key(cat->arena, cat->dialect, &at->schema, &at->name);
    TypeDef *t = catalog_find_type(cat, name);
    if (!t) {
        diag_error(at->name.pos, "no type \"%s\"", name);
        return false;
    }
    bool value_change = at->kind == ALTER_TYPE_ADD_VALUE || at->kind == ALTER_TYPE_RENAME_VALUE;
    bool attribute_change = at->kind == ALTER_TYPE_ADD_ATTRIBUTE || at->kind == ALTER_TYPE_DROP_ATTRIBUTE ||
                            at->kind == ALTER_TYPE_ALTER_ATTRIBUTE || at->kind == ALTER_TYPE_RENAME_ATTRIBUTE;
    if (value_change && !t->is_enum) {
        diag_error(at->tok.pos, "type \"%s\" is not an enum", name);
        return false;
    }
    if (attribute_change && !t->fields) {
        diag_error(at->tok.pos, "type \"%s\" is not a composite type", name);
        return false;
    }
    char *new_key = NULL;
    int index = 0;
    Column *field = NULL;
    switch (at->kind) {
    case ALTER_TYPE_RENAME:
        new_key = catalog_renamed_key(cat, t->name, NULL, token_name(cat->arena, &at->new_name));
        break;
    case ALTER_TYPE_SET_SCHEMA:
        new_key = catalog_renamed_key(cat, t->name, token_name(cat->arena, &at->new_name), NULL);
        break;
    case ALTER_TYPE_ADD_ATTRIBUTE: {
        Column *c = catalog_make_column(cat, at->attribute);
        c->not_null = false;
        if (find_field(t, c->name, &index)) {
            diag_error(at->attribute->name.pos, "type \"%s\" already has an attribute \"%s\"", name, c->name);
            return false;
        }
        ptrlist_push(cat->arena, t->fields, c);
        return true;
    }
    case ALTER_TYPE_DROP_ATTRIBUTE:
    case ALTER_TYPE_ALTER_ATTRIBUTE:
    case ALTER_TYPE_RENAME_ATTRIBUTE:
        field = find_field(t, token_name(cat->arena, &at->old_name), &index);
        if (!field) {
            if (at->if_exists)
                return true;
            diag_error(at->old_name.pos, "type \"%s\" has no attribute \"%s\"", name,
                       token_name(cat->arena, &at->old_name));
            return false;
        }
        if (at->kind == ALTER_TYPE_DROP_ATTRIBUTE) {
            ptrlist_remove(t->fields, index);
        } else if (at->kind == ALTER_TYPE_RENAME_ATTRIBUTE) {
            field->name = token_name(cat->arena, &at->new_name);
        } else {
            field->decl_type = at->type->text;
            field->ctype = at->type->array ? CT_UNKNOWN : catalog_ctype(cat, at->type->text);
        }
        return true;
    case ALTER_TYPE_ADD_VALUE:
    case ALTER_TYPE_RENAME_VALUE:
    case ALTER_TYPE_NOOP:
        return true; /* the values of an enum are the server's business: the C type is text */
    }
    if (new_key && strcmp(new_key, t->name) != 0) {
        if (catalog_find_type(cat, new_key)) {
            diag_error(at->new_name.pos, "type \"%s\" already exists", new_key);
            return false;
        }
        t->name = new_key;
        name_index_forget(cat->type_index);
    }
    return true;
}

/* A type or function keel keeps opaque (a range type, a signature it
 * cannot read) may be dropped too: an unknown name is the server's to judge. */
void catalog_drop_types(Catalog *cat, const Drop *d)
{
    for (int k = 0; k < d->names->n; k++) {
        const DropName *dn = d->names->items[k];
        char *name = table_key(cat->arena, cat->dialect, &dn->schema, &dn->name);
        for (int i = 0; i < cat->types->n; i++)
            if (strcmp(((TypeDef *)cat->types->items[i])->name, name) == 0) {
                ptrlist_remove(cat->types, i);
                break;
            }
    }
}

/* ------------------------------------------------------------ functions */

static CType param_ctype(Catalog *cat, const TypeName *t)
{
    return t->array ? CT_UNKNOWN : catalog_ctype(cat, t->text);
}

static Column *result_column(Catalog *cat, const char *name, const TypeName *type, SrcPos pos)
{
    Column *c = arena_alloc(cat->arena, sizeof *c);
    c->name = arena_strdup(cat->arena, name);
    c->decl_type = type ? type->text : "";
    c->ctype = type ? param_ctype(cat, type) : CT_UNKNOWN;
    c->pos = pos;
    return c;
}

/* SETOF a table: its rows, NOT NULL as declared; one row-typed result
 * (not SETOF) is all NULL when the function finds nothing. */
static PtrList *copy_columns(Catalog *cat, const PtrList *from, bool keep_not_null)
{
    PtrList *cols = ptrlist_new(cat->arena);
    for (int i = 0; i < PTRLIST_LEN(from); i++) {
        Column *c = arena_alloc(cat->arena, sizeof *c);
        *c = *(const Column *)from->items[i];
        c->not_null &= keep_not_null;
        ptrlist_push(cat->arena, cols, c);
    }
    return cols;
}

/* What a call yields: a scalar, or rows of columns (RETURNS TABLE, SETOF a
 * table's or a composite's row type, OUT arguments). */
static void function_result(Catalog *cat, Function *f, const CreateFunction *cf)
{
    PtrList *outs = ptrlist_new(cat->arena);
    for (int i = 0; i < cf->args->n; i++) {
        const FuncArg *a = cf->args->items[i];
        if (a->mode == ARG_OUT || a->mode == ARG_INOUT)
            ptrlist_push(cat->arena, outs,
                         result_column(cat, TOKEN_SET(a->name) ? token_name(cat->arena, &a->name)
                                                               : arena_printf(cat->arena, "column%d", outs->n + 1),
                                       a->type, a->type->tok.pos));
    }
    f->returns_set = cf->returns_setof;
    if (cf->returns_table) {
        f->columns = ptrlist_new(cat->arena);
        for (int i = 0; i < cf->returns_table->n; i++) {
            const FuncArg *a = cf->returns_table->items[i];
            ptrlist_push(cat->arena, f->columns,
                         result_column(cat, token_name(cat->arena, &a->name), a->type, a->type->tok.pos));
        }
        return;
    }
    const char *r = cf->returns ? cf->returns->text : "record";
    if (strcmp(r, "void") == 0 || strcmp(r, "trigger") == 0 || strcmp(r, "event_trigger") == 0)
        return;
    if (strcmp(r, "record") == 0) {
        if (outs->n == 1)
            f->result = ((Column *)outs->items[0])->ctype;
        else if (outs->n > 1)
            f->columns = outs;
        return;
    }
    if (!cf->returns->array) {
        /* a named row type: its columns in FROM, its text form "(1,abc)" as a value */
        const Table *t = catalog_find_table(cat, r);
        if (t && t->columns) {
            f->columns = copy_columns(cat, t->columns, cf->returns_setof);
            f->result = CT_TEXT;
            return;
        }
        const TypeDef *td = catalog_find_type(cat, r);
        if (td && td->fields) {
            f->columns = copy_columns(cat, td->fields, cf->returns_setof);
            f->result = CT_TEXT;
            return;
        }
    }
    f->result = param_ctype(cat, cf->returns);
}

static bool same_inputs(const Function *a, const Function *b)
{
    int ia = 0, ib = 0;
    for (;;) {
        while (ia < a->params->n && ((FuncParam *)a->params->items[ia])->mode == ARG_OUT)
            ia++;
        while (ib < b->params->n && ((FuncParam *)b->params->items[ib])->mode == ARG_OUT)
            ib++;
        if (ia == a->params->n || ib == b->params->n)
            return ia == a->params->n && ib == b->params->n;
        if (((FuncParam *)a->params->items[ia])->ctype != ((FuncParam *)b->params->items[ib])->ctype)
            return false;
        ia++;
        ib++;
    }
}

bool catalog_create_function(Catalog *cat, const CreateFunction *cf)
{
    Function *f = arena_alloc(cat->arena, sizeof *f);
    f->name = table_key(cat->arena, cat->dialect, &cf->schema, &cf->name);
    f->procedure = cf->procedure;
    f->params = ptrlist_new(cat->arena);
    f->language = cf->language;
    f->body = token_text(cat->arena, &cf->body);
    f->pos = cf->name.pos;
    for (int i = 0; i < cf->args->n; i++) {
        const FuncArg *a = cf->args->items[i];
        FuncParam *fp = arena_alloc(cat->arena, sizeof *fp);
        fp->name = TOKEN_SET(a->name) ? token_name(cat->arena, &a->name) : NULL;
        fp->ctype = a->mode == ARG_VARIADIC ? CT_UNKNOWN : param_ctype(cat, a->type);
        fp->mode = a->mode;
        fp->has_default = a->has_default;
        ptrlist_push(cat->arena, f->params, fp);
        /* a procedure's OUT arguments are passed too (as NULL) */
        if (a->mode == ARG_OUT && !cf->procedure)
            continue;
        if (a->mode == ARG_VARIADIC) {
            f->max_args = -1;
            continue;
        }
        if (f->max_args >= 0)
            f->max_args++;
        if (!a->has_default)
            f->min_args++;
    }
    if (!cf->procedure)
        function_result(cat, f, cf);
    for (int i = 0; i < cat->functions->n; i++) {
        Function *o = cat->functions->items[i];
        if (strcmp(o->name, f->name) != 0 || !same_inputs(o, f))
            continue;
        if (!cf->or_replace) {
            diag_error(cf->name.pos, "function \"%s\" with these arguments already exists; use CREATE OR REPLACE",
                       f->name);
            return false;
        }
        cat->functions->items[i] = f;
        return true;
    }
    ptrlist_push(cat->arena, cat->functions, f);
    return true;
}

static int input_count(const Function *f)
{
    int n = 0;
    for (int i = 0; i < f->params->n; i++)
        n += ((FuncParam *)f->params->items[i])->mode != ARG_OUT || f->procedure;
    return n;
}

void catalog_drop_functions(Catalog *cat, const Drop *d)
{
    for (int k = 0; k < d->names->n; k++) {
        const DropName *dn = d->names->items[k];
        char *name = table_key(cat->arena, cat->dialect, &dn->schema, &dn->name);
        for (int i = cat->functions->n - 1; i >= 0; i--) {
            Function *f = cat->functions->items[i];
            if (strcmp(f->name, name) == 0 && (dn->nargs < 0 || input_count(f) == dn->nargs))
                ptrlist_remove(cat->functions, i);
        }
    }
}

PtrList *catalog_functions_named(const Catalog *cat, Arena *arena, const char *name)
{
    PtrList *out = ptrlist_new(arena);
    int at;
    for (Function *f = name_index_first(cat->function_index, cat->functions, name, &at); f;
         f = name_index_next(cat->function_index, cat->functions, name, &at))
        ptrlist_push(arena, out, f);
    return out;
}

/* ----------------------------------------------------------- extensions */

typedef struct ExtensionEntry {
    const char *extension, *name;
    CType ctype;
    const char *args;
} ExtensionEntry;

static const ExtensionEntry extension_types[] = {
#define EXTENSION_TYPE(ext, name, ctype) {ext, name, ctype, ""},
#define EXTENSION_FUNCTION(ext, name, ctype, args)
#include "pg_extensions.def"
#undef EXTENSION_TYPE
#undef EXTENSION_FUNCTION
};

static const ExtensionEntry extension_functions[] = {
#define EXTENSION_TYPE(ext, name, ctype)
#define EXTENSION_FUNCTION(ext, name, ctype, args) {ext, name, ctype, args},
#include "pg_extensions.def"
#undef EXTENSION_TYPE
#undef EXTENSION_FUNCTION
};

bool catalog_has_extension(const Catalog *cat, const char *name)
{
    for (int i = 0; i < cat->extensions->n; i++)
        if (strcmp(cat->extensions->items[i], name) == 0)
            return true;
    return false;
}

bool catalog_create_extension(Catalog *cat, const CreateExtension *ce)
{
    char *name = token_name(cat->arena, &ce->name);
    if (catalog_has_extension(cat, name)) {
        if (ce->if_not_exists)
            return true;
        diag_error(ce->name.pos, "extension \"%s\" already exists; write CREATE EXTENSION IF NOT EXISTS", name);
        return false;
    }
    ptrlist_push(cat->arena, cat->extensions, name);
    return true;
}

CType extension_type(const Catalog *cat, const char *decl)
{
    for (size_t i = 0; i < sizeof extension_types / sizeof extension_types[0]; i++)
        if (strcmp(extension_types[i].name, decl) == 0 && catalog_has_extension(cat, extension_types[i].extension))
            return extension_types[i].ctype;
    return CT_UNKNOWN;
}

CType extension_type_named(const char *typname)
{
    for (size_t i = 0; i < sizeof extension_types / sizeof extension_types[0]; i++)
        if (strcmp(extension_types[i].name, typname) == 0)
            return extension_types[i].ctype;
    return CT_UNKNOWN;
}

static CType arg_letter_ctype(char c)
{
    switch (c) {
    case 't': return CT_TEXT;
    case 'i': return CT_INT64;
    case 'd': return CT_DOUBLE;
    case 'b': return CT_BOOL;
    case 'x': return CT_BLOB;
    default: return CT_UNKNOWN;
    }
}

bool extension_function(const Catalog *cat, const char *name, CType *result, CType *args, int max_args)
{
    for (size_t i = 0; i < sizeof extension_functions / sizeof extension_functions[0]; i++) {
        const ExtensionEntry *e = &extension_functions[i];
        if (strcmp(e->name, name) != 0 || !catalog_has_extension(cat, e->extension))
            continue;
        *result = e->ctype;
        for (int k = 0; k < max_args; k++)
            args[k] = k < (int)strlen(e->args) ? arg_letter_ctype(e->args[k]) : CT_UNKNOWN;
        return true;
    }
    return false;
}
