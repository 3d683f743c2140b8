/*
 * keel vet's migration rules. Each dialect's migrations are replayed
 * statement by statement into a fresh catalog; a statement is looked at
 * before it applies (the column a DROP or ALTER TYPE acts on, its type
 * until then). Indexes, keys and foreign keys are followed by Table and
 * Column pointers, which renames keep, and judged once the last migration
 * ran; so are renames, against the queries that use the renamed object.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_vet.h"
#include "sqlparse.h"

/* ------------------------------------------------------- type changes */

typedef struct SqlType {
    char base[64];
    int n_args;
    long args[2];
    bool array;
} SqlType;

/* The type as written, with its (arguments): "varchar(100)", "numeric(10,2)". */
static char *type_text(Arena *arena, const TypeName *t)
{
    int words = 1;
    for (const char *c = t->text; *c; c++)
        words += *c == ' ';
    const char *p = t->tok.z;
    for (int i = 0; i < words; i++) {
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '"') {
            p++;
            while (*p && *p != '"')
                p++;
            if (*p)
                p++;
        } else {
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
        }
    }
    while (isspace((unsigned char)*p))
        p++;
    StrBuf b = {0};
    sb_puts(&b, t->text);
    if (*p == '(')
        for (; *p && *p != ')'; p++)
            if (!isspace((unsigned char)*p))
                sb_putc(&b, (char)tolower((unsigned char)*p));
    if (*p == ')')
        sb_putc(&b, ')');
    if (t->array)
        sb_puts(&b, "[]");
    char *out = arena_strdup(arena, b.s);
    sb_free(&b);
    return out;
}

static void parse_type(const char *text, SqlType *t)
{
    static const char *const aliases[][2] = {
        {"int", "integer"}, {"int4", "integer"}, {"serial", "integer"}, {"serial4", "integer"},
        {"int2", "smallint"}, {"smallserial", "smallint"}, {"serial2", "smallint"}, {"int8", "bigint"},
        {"bigserial", "bigint"}, {"serial8", "bigint"}, {"float8", "double precision"},
        {"float", "double precision"}, {"float4", "real"}, {"decimal", "numeric"},
        {"character varying", "varchar"}, {"character", "char"}, {"bpchar", "char"}, {"bool", "boolean"},
    };
    memset(t, 0, sizeof *t);
    size_t n = strcspn(text, "([");
    snprintf(t->base, sizeof t->base, "%.*s", (int)n, text);
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(t->base, aliases[i][0]) == 0)
            snprintf(t->base, sizeof t->base, "%s", aliases[i][1]);
    const char *p = text + n;
    if (*p == '(') {
        while (t->n_args < 2 && *p && *p != ')') {
            t->args[t->n_args++] = strtol(p + 1, (char **)&p, 10);
            while (*p && *p != ',' && *p != ')')
                p++;
        }
        if (*p == ')')
            p++;
    }
    t->array = strstr(p, "[]") != NULL;
}

static int int_rank(const char *base)
{
    return strcmp(base, "smallint") == 0 ? 1 : strcmp(base, "integer") == 0 ? 2 : strcmp(base, "bigint") == 0 ? 3 : 0;
}

/* Every value of `from` converts to `to` unchanged. */
static bool widens(const SqlType *from, const SqlType *to)
{
    static const int int_digits[] = {0, 5, 10, 19};
    if (from->array != to->array)
        return false;
    const char *f = from->base, *t = to->base;
    bool to_unbounded_text =
        strcmp(t, "text") == 0 || strcmp(t, "citext") == 0 || (strcmp(t, "varchar") == 0 && to->n_args == 0);
    if (to_unbounded_text)
        return true;
    int fr = int_rank(f), tr = int_rank(t);
    if (fr && tr)
        return tr >= fr;
    if (fr && strcmp(t, "numeric") == 0)
        return to->n_args == 0 || to->args[0] - (to->n_args > 1 ? to->args[1] : 0) >= int_digits[fr];
    if (fr && fr < 3 && strcmp(t, "double precision") == 0)
        return true;
    if ((fr == 1 || strcmp(f, "real") == 0) && (strcmp(t, "real") == 0 || strcmp(t, "double precision") == 0))
        return true;
    if (strcmp(f, "numeric") == 0 && strcmp(t, "numeric") == 0) {
        if (to->n_args == 0)
            return true;
        if (from->n_args == 0)
            return false;
        long fs = from->n_args > 1 ? from->args[1] : 0, ts = to->n_args > 1 ? to->args[1] : 0;
        return ts >= fs && to->args[0] - ts >= from->args[0] - fs;
    }
    bool from_char = strcmp(f, "varchar") == 0 || strcmp(f, "char") == 0;
    if (from_char && (strcmp(t, "varchar") == 0 || strcmp(t, "char") == 0) && from->n_args > 0)
        return to->args[0] >= from->args[0] && (strcmp(f, "char") == 0 || strcmp(t, "varchar") == 0);
    return strcmp(f, t) == 0 && from->n_args == to->n_args && from->args[0] == to->args[0] &&
           from->args[1] == to->args[1];
}

/* ---------------------------------------------------- migration replay */

typedef struct TypeOf {
    const Column *col;
    char *text;
} TypeOf;

/* An index, PRIMARY KEY or UNIQUE constraint: what a foreign key can use. */
typedef struct Key {
    const Table *table;
    PtrList *cols; /* of Column*, leading columns in order */
    char *name;    /* CREATE INDEX name; NULL for constraints */
} Key;

typedef struct Fk {
    const Table *table;
    PtrList *cols;
    char *ref;
    const Stmt *stmt;
} Fk;

typedef struct Rename {
    const Stmt *stmt;
    const Table *table;
    const Column *col; /* NULL: the table was renamed */
    char *old_name, *new_name;
} Rename;

typedef struct Replay {
    Vet *v;
    Arena *arena;
    Catalog *cat;
    PtrList *types, *keys, *fks, *renames;
    bool check; /* the migration is newer than --since */
} Replay;

static char *type_of(const Replay *r, const Column *c)
{
    for (int i = r->types->n - 1; i >= 0; i--) {
        const TypeOf *t = r->types->items[i];
        if (t->col == c)
            return t->text;
    }
    return NULL;
}

static void set_type(Replay *r, const Column *c, const TypeName *type)
{
    if (!c || !type)
        return;
    TypeOf *t = arena_alloc(r->arena, sizeof *t);
    t->col = c;
    t->text = type_text(r->arena, type);
    ptrlist_push(r->arena, r->types, t);
}

static bool table_alive(const Replay *r, const Table *t)
{
    for (int i = 0; i < r->cat->tables->n; i++)
        if (r->cat->tables->items[i] == t)
            return true;
    return false;
}

static bool column_alive(const Table *t, const Column *c)
{
    for (int i = 0; i < PTRLIST_LEN(t->columns); i++)
        if (t->columns->items[i] == c)
            return true;
    return false;
}

/* The columns tokens name, or NULL when one is not in t. */
static PtrList *resolve(Replay *r, const Table *t, const PtrList *tokens)
{
    PtrList *cols = ptrlist_new(r->arena);
    for (int i = 0; i < PTRLIST_LEN(tokens); i++) {
        Column *c = table_find_column(t, token_name(r->arena, tokens->items[i]));
        if (!c)
            return NULL;
        ptrlist_push(r->arena, cols, c);
    }
    return cols->n ? cols : NULL;
}

static void add_key(Replay *r, const Table *t, PtrList *cols, char *name)
{
    if (!cols)
        return;
    Key *k = arena_alloc(r->arena, sizeof *k);
    *k = (Key){t, cols, name};
    ptrlist_push(r->arena, r->keys, k);
}

static void add_fk(Replay *r, const Table *t, PtrList *cols, const ForeignKey *fk, const Stmt *s)
{
    if (!cols || !r->check)
        return;
    Fk *f = arena_alloc(r->arena, sizeof *f);
    *f = (Fk){t, cols, token_name(r->arena, &fk->ref_table), s};
    ptrlist_push(r->arena, r->fks, f);
}

static PtrList *one_column(Replay *r, Column *c)
{
    if (!c)
        return NULL;
    PtrList *l = ptrlist_new(r->arena);
    ptrlist_push(r->arena, l, c);
    return l;
}

static void record_column(Replay *r, const Table *t, const ColumnDef *def, const Stmt *s)
{
    Column *c = table_find_column(t, token_name(r->arena, &def->name));
    set_type(r, c, def->type);
    if (def->fk)
        add_fk(r, t, one_column(r, c), def->fk, s);
    if (def->primary_key || def->unique)
        add_key(r, t, one_column(r, c), NULL);
}

static void record_constraint(Replay *r, const Table *t, const TableConstraint *k, const Stmt *s)
{
    if (k->kind == CONS_PRIMARY_KEY || k->kind == CONS_UNIQUE)
        add_key(r, t, resolve(r, t, k->columns), NULL);
    else if (k->kind == CONS_FOREIGN_KEY && k->fk)
        add_fk(r, t, resolve(r, t, k->columns), k->fk, s);
}

static Table *find(Replay *r, const Token *schema, const Token *name)
{
    return catalog_find_table(r->cat, table_key(r->arena, r->cat->dialect, schema, name));
}

/* Rules that need the schema as it was before statement s. */
static void check_before(Replay *r, const Stmt *s)
{
    if (!r->check)
        return;
    if (s->kind == STMT_DROP && s->u.drop->what == DROP_TABLE) {
        char *name = table_key(r->arena, r->cat->dialect, &s->u.drop->schema, &s->u.drop->name);
        vet_report(r->v, s, "destructive-drop-table", "DROP TABLE \"%s\" deletes the table and every row in it", name);
        return;
    }
    if (s->kind != STMT_ALTER_TABLE)
        return;
    const AlterTable *a = s->u.alter;
    Table *t = find(r, &a->schema, &a->name);
    if (!t || t->view)
        return;
    for (int i = 0; i < a->actions->n; i++) {
        const AlterAction *act = a->actions->items[i];
        char *old_name = TOKEN_SET(act->old_name) ? token_name(r->arena, &act->old_name) : "";
        Column *c = table_find_column(t, old_name);
        switch (act->kind) {
        case ALTER_DROP_COLUMN:
            if (c)
                vet_report(r->v, s, "destructive-drop-column", "dropping column \"%s\" of table \"%s\" deletes its data",
                       old_name, t->name);
            break;
        case ALTER_COLUMN_TYPE: {
            char *from = c ? type_of(r, c) : NULL;
            char *to = type_text(r->arena, act->type);
            SqlType ft, tt;
            if (from && *from) {
                parse_type(from, &ft);
                parse_type(to, &tt);
                if (!widens(&ft, &tt))
                    vet_report(r->v, s, "destructive-narrow-type",
                           "column \"%s\" of table \"%s\" changes from %s to %s, which is not a widening: existing "
                           "values may fail to convert or be cut",
                           old_name, t->name, from, to);
            }
            break;
        }
        case ALTER_ADD_COLUMN: {
            const ColumnDef *def = act->column;
            if (def->not_null && !def->default_value && !def->identity && !def->generated &&
                !(def->type && strstr(def->type->text, "serial")))
                vet_report(r->v, s, "destructive-not-null-no-default",
                       "NOT NULL column \"%s\" added to the existing table \"%s\" without a DEFAULT: this fails "
                       "once the table has rows",
                       token_name(r->arena, &def->name), t->name);
            break;
        }
        case ALTER_RENAME_COLUMN:
        case ALTER_RENAME_TABLE: {
            if (act->kind == ALTER_RENAME_COLUMN && !c)
                break;
            Rename *rn = arena_alloc(r->arena, sizeof *rn);
            *rn = (Rename){s, t, act->kind == ALTER_RENAME_COLUMN ? c : NULL,
                           act->kind == ALTER_RENAME_COLUMN ? old_name : t->name,
                           token_name(r->arena, &act->new_name)};
            ptrlist_push(r->arena, r->renames, rn);
            break;
        }
        default: break;
        }
    }
}

/* Follows indexes, keys, foreign keys and column types after s applied. */
static void record_after(Replay *r, const Stmt *s, bool existed)
{
    switch (s->kind) {
    case STMT_CREATE_TABLE: {
        const CreateTable *ct = s->u.create_table;
        Table *t = find(r, &ct->schema, &ct->name);
        if (!t || existed)
            return;
        for (int i = 0; i < ct->columns->n; i++)
            record_column(r, t, ct->columns->items[i], s);
        for (int i = 0; i < PTRLIST_LEN(ct->constraints); i++)
            record_constraint(r, t, ct->constraints->items[i], s);
        return;
    }
    case STMT_ALTER_TABLE: {
        const AlterTable *a = s->u.alter;
        /* a RENAME TO in this statement changed the key: look it up by what it became */
        Table *t = find(r, &a->schema, &a->name);
        for (int i = 0; !t && i < a->actions->n; i++) {
            const AlterAction *act = a->actions->items[i];
            if (act->kind == ALTER_RENAME_TABLE)
                t = catalog_find_table(r->cat, token_name(r->arena, &act->new_name));
        }
        if (!t)
            return;
        for (int i = 0; i < a->actions->n; i++) {
            const AlterAction *act = a->actions->items[i];
            if (act->kind == ALTER_ADD_COLUMN)
                record_column(r, t, act->column, s);
            else if (act->kind == ALTER_ADD_CONSTRAINT && act->constraint)
                record_constraint(r, t, act->constraint, s);
            else if (act->kind == ALTER_COLUMN_TYPE)
                set_type(r, table_find_column(t, token_name(r->arena, &act->old_name)), act->type);
        }
        return;
    }
    case STMT_CREATE_INDEX: {
        const CreateIndex *ci = s->u.create_index;
        Table *t = find(r, &ci->schema, &ci->table);
        if (!t || ci->where) /* a partial index does not serve every row */
            return;
        PtrList *cols = ptrlist_new(r->arena);
        for (int i = 0; i < ci->columns->n; i++) {
            const ResultCol *rc = ci->columns->items[i];
            Column *c = rc->expr && rc->expr->kind == EX_COLUMN ? table_find_column(t, token_name(r->arena, &rc->expr->tok))
                                                                : NULL;
            if (!c)
                break;
            ptrlist_push(r->arena, cols, c);
        }
        add_key(r, t, cols->n ? cols : NULL, token_name(r->arena, &ci->name));
        return;
    }
    case STMT_DROP:
        if (s->u.drop->what == DROP_INDEX) {
            char *name = token_name(r->arena, &s->u.drop->name);
            for (int i = r->keys->n - 1; i >= 0; i--) {
                const Key *k = r->keys->items[i];
                if (k->name && strcmp(k->name, name) == 0)
                    ptrlist_remove(r->keys, i);
            }
        }
        return;
    default: return;
    }
}

static bool key_covers(const Key *k, const Fk *f)
{
    if (k->table != f->table || k->cols->n < f->cols->n)
        return false;
    for (int i = 0; i < f->cols->n; i++) {
        bool found = false;
        for (int j = 0; j < f->cols->n; j++)
            found = found || k->cols->items[j] == f->cols->items[i];
        if (!found)
            return false;
    }
    for (int i = 0; i < k->cols->n; i++)
        if (!column_alive(k->table, k->cols->items[i]))
            return false;
    return true;
}

static char *column_names(Arena *arena, const PtrList *cols)
{
    StrBuf b = {0};
    for (int i = 0; i < cols->n; i++)
        sb_printf(&b, "%s%s", i ? ", " : "", ((const Column *)cols->items[i])->name);
    char *out = arena_strdup(arena, b.s ? b.s : "");
    sb_free(&b);
    return out;
}

static void check_foreign_keys(Replay *r)
{
    for (int i = 0; i < r->fks->n; i++) {
        const Fk *f = r->fks->items[i];
        bool alive = table_alive(r, f->table);
        for (int k = 0; alive && k < f->cols->n; k++)
            alive = column_alive(f->table, f->cols->items[k]);
        bool covered = !alive;
        for (int k = 0; !covered && k < r->keys->n; k++)
            covered = key_covers(r->keys->items[k], f) && table_alive(r, f->table);
        if (!covered) {
            char *cols = column_names(r->arena, f->cols);
            vet_report(r->v, f->stmt, "fk-without-index",
                   "foreign key \"%s\"(%s) references \"%s\", but no index starts with (%s): every delete or key "
                   "update in \"%s\" scans \"%s\"",
                   f->table->name, cols, f->ref, cols, f->ref, f->table->name);
        }
    }
}

static void check_renames(Replay *r, const DialectRepo *repo)
{
    for (int i = 0; i < r->renames->n; i++) {
        const Rename *rn = r->renames->items[i];
        if (!table_alive(r, rn->table) || (rn->col && !column_alive(rn->table, rn->col)))
            continue;
        StrBuf users = {0};
        int n = 0;
        for (int k = 0; k < repo->queries->n; k++) {
            const Query *q = repo->queries->items[k];
            Uses u = vet_query_uses(r->arena, q);
            bool uses = vet_has_name(u.tables, rn->table->name) && (!rn->col || u.star || vet_has_name(u.columns, rn->col->name));
            if (uses && n++ < 3)
                sb_printf(&users, "%s%s", n > 1 ? ", " : "", q->name);
        }
        if (n > 0) {
            char *who = arena_printf(r->arena, "quer%s %s%s %s it", n == 1 ? "y" : "ies", users.s, n > 3 ? ", ..." : "",
                                     n == 1 ? "uses" : "use");
            if (rn->col)
                vet_report(r->v, rn->stmt, "destructive-rename-column",
                       "renaming column \"%s\" of table \"%s\" to \"%s\" breaks code built for the previous "
                       "migrations: %s",
                       rn->old_name, rn->table->name, rn->new_name, who);
            else
                vet_report(r->v, rn->stmt, "destructive-rename-table",
                       "renaming table \"%s\" to \"%s\" breaks code built for the previous migrations: %s",
                       rn->old_name, rn->new_name, who);
        }
        sb_free(&users);
    }
}

void vet_migrations(Vet *v, const DialectRepo *repo)
{
    Replay r = {
        .v = v,
        .arena = v->arena,
        .cat = catalog_new(v->arena, repo->dialect),
        .types = ptrlist_new(v->arena),
        .keys = ptrlist_new(v->arena),
        .fks = ptrlist_new(v->arena),
        .renames = ptrlist_new(v->arena),
    };
    for (int i = 0; i < repo->migrations->n; i++) {
        const Migration *m = repo->migrations->items[i];
        r.check = m->version > v->since;
        for (int k = 0; k < PTRLIST_LEN(m->stmts); k++) {
            const Stmt *s = m->stmts->items[k];
            check_before(&r, s);
            bool existed = s->kind == STMT_CREATE_TABLE &&
                           find(&r, &s->u.create_table->schema, &s->u.create_table->name) != NULL;
            /* the pipeline already applied these without error */
            catalog_apply(r.cat, s);
            record_after(&r, s, existed);
        }
    }
    check_foreign_keys(&r);
    check_renames(&r, repo);
}
