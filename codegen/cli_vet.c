/*
 * keel vet: lint rules over the repository as the generator parsed it
 * (pipeline_load: migrations' statements, analysed queries, catalogs).
 *
 * Migration rules replay each dialect's migrations statement by statement
 * into a fresh catalog, looking at each statement before it applies (the
 * column a DROP or ALTER TYPE acts on, its type until then); indexes and
 * foreign keys are followed by Table and Column pointers, which renames
 * keep, and judged once the last migration ran. Query rules read each
 * query's syntax tree; full-table-scan asks SQLite's EXPLAIN QUERY PLAN on
 * an in-memory database the migrations built.
 *
 * A finding is a compiler-style warning at its statement. `-- keel:ignore
 * RULE [RULE...]` in the comment lines right above a statement, or at the
 * end of its last line, suppresses those rules for it.
 */
#include <ctype.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "pipeline.h"
#include "sqlparse.h"
#include "tokenize.h"

static const char VET_USAGE[] =
    "usage: keel vet [--since VERSION]\n"
    "  Lints the repository's migrations and queries; each finding is a warning at its\n"
    "  statement, exit status 1 when there is any. --since VERSION applies the migration\n"
    "  rules only to migrations newer than VERSION. `-- keel:ignore RULE` on the line\n"
    "  before a statement (or at the end of it) suppresses RULE there. Rules:\n"
    "    destructive-drop-table           DROP TABLE\n"
    "    destructive-drop-column          ALTER TABLE ... DROP COLUMN\n"
    "    destructive-narrow-type          ALTER COLUMN ... TYPE that is not a widening\n"
    "    destructive-not-null-no-default  ADD COLUMN ... NOT NULL without a DEFAULT\n"
    "    destructive-rename-table         renaming a table queries use\n"
    "    destructive-rename-column        renaming a column queries use\n"
    "    fk-without-index                 a foreign key whose columns start no index\n"
    "    select-star                      SELECT * (or RETURNING *) in a query\n"
    "    update-without-where             UPDATE without WHERE\n"
    "    delete-without-where             DELETE without WHERE\n"
    "    full-table-scan                  a query with a WHERE that SQLite answers by\n"
    "                                     scanning a whole table (EXPLAIN QUERY PLAN)\n";

typedef struct Finding {
    SrcPos pos;
    const char *rule;
    char *msg;
    int seq;
} Finding;

typedef struct Vet {
    Arena *arena;
    PtrList *findings;
    int64_t since;
} Vet;

/* ------------------------------------------------------- suppression */

static bool is_rule_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Does the text [p, end) hold "keel:ignore" naming rule? */
static bool ignores(const char *p, const char *end, const char *rule)
{
    static const char marker[] = "keel:ignore";
    size_t n = strlen(rule);
    for (; p + sizeof marker - 1 <= end; p++) {
        if (strncmp(p, marker, sizeof marker - 1) != 0)
            continue;
        for (const char *w = p + sizeof marker - 1; w < end;) {
            while (w < end && (*w == ' ' || *w == '\t' || *w == ','))
                w++;
            const char *start = w;
            while (w < end && is_rule_char(*w))
                w++;
            if (w == start)
                break;
            if ((size_t)(w - start) == n && strncmp(start, rule, n) == 0)
                return true;
        }
    }
    return false;
}

/* The comment of a line that is only a "--" comment, or NULL. */
static const char *comment_line(const char *line, const char *end)
{
    while (line < end && (*line == ' ' || *line == '\t'))
        line++;
    return end - line >= 2 && line[0] == '-' && line[1] == '-' ? line : NULL;
}

static bool suppressed(const Stmt *s, const char *rule)
{
    const SrcFile *f = s->first.pos.file;
    const char *text = f->text;
    /* the comment lines directly above the statement */
    const char *line_start = s->first.z;
    while (line_start > text && line_start[-1] != '\n')
        line_start--;
    while (line_start > text) {
        const char *prev_end = line_start - 1; /* the '\n' */
        const char *prev = prev_end;
        while (prev > text && prev[-1] != '\n')
            prev--;
        const char *c = comment_line(prev, prev_end);
        if (!c)
            break;
        if (ignores(c, prev_end, rule))
            return true;
        line_start = prev;
    }
    /* a "--" comment after the statement's last token, on its line */
    const char *p = s->last.z + s->last.n;
    const char *eol = p;
    while (*eol && *eol != '\n')
        eol++;
    for (const char *dash = p; dash + 1 < eol; dash++)
        if (dash[0] == '-' && dash[1] == '-')
            return ignores(dash, eol, rule);
    return false;
}

static void report(Vet *v, const Stmt *s, const char *rule, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void report(Vet *v, const Stmt *s, const char *rule, const char *fmt, ...)
{
    if (suppressed(s, rule))
        return;
    Finding *f = arena_alloc(v->arena, sizeof *f);
    f->pos = s->first.pos;
    f->rule = rule;
    f->seq = v->findings->n;
    va_list ap;
    va_start(ap, fmt);
    StrBuf b = {0};
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    f->msg = arena_strdup(v->arena, b.s);
    sb_free(&b);
    ptrlist_push(v->arena, v->findings, f);
}

static int by_position(const void *a, const void *b)
{
    const Finding *x = *(Finding *const *)a, *y = *(Finding *const *)b;
    int c = strcmp(x->pos.file->path, y->pos.file->path);
    if (c == 0)
        c = x->pos.line != y->pos.line ? (x->pos.line < y->pos.line ? -1 : 1) : 0;
    if (c == 0)
        c = x->seq < y->seq ? -1 : x->seq > y->seq;
    return c;
}

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
        report(r->v, s, "destructive-drop-table", "DROP TABLE \"%s\" deletes the table and every row in it", name);
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
                report(r->v, s, "destructive-drop-column", "dropping column \"%s\" of table \"%s\" deletes its data",
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
                    report(r->v, s, "destructive-narrow-type",
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
                report(r->v, s, "destructive-not-null-no-default",
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
            report(r->v, f->stmt, "fk-without-index",
                   "foreign key \"%s\"(%s) references \"%s\", but no index starts with (%s): every delete or key "
                   "update in \"%s\" scans \"%s\"",
                   f->table->name, cols, f->ref, cols, f->ref, f->table->name);
        }
    }
}

/* ------------------------------------------------- what queries touch */

typedef struct Uses {
    Arena *arena;
    PtrList *tables;  /* of char*: table keys named in FROM, INSERT INTO, UPDATE, DELETE FROM */
    PtrList *columns; /* of char*: column names */
    PtrList *aliases; /* of char*, pairs: alias (or name), table key */
    bool star;
    Dialect dialect;
} Uses;

static void uses_select(Uses *u, const Select *s);

static void uses_name(Uses *u, PtrList *l, const Token *t)
{
    if (t && TOKEN_SET(*t))
        ptrlist_push(u->arena, l, token_name(u->arena, t));
}

static void uses_table(Uses *u, const Token *schema, const Token *name, const Token *alias)
{
    if (!TOKEN_SET(*name))
        return;
    char *key = table_key(u->arena, u->dialect, schema, name);
    ptrlist_push(u->arena, u->tables, key);
    ptrlist_push(u->arena, u->aliases, TOKEN_SET(*alias) ? token_name(u->arena, alias) : token_name(u->arena, name));
    ptrlist_push(u->arena, u->aliases, key);
}

static void uses_expr(Uses *u, const Expr *e)
{
    if (!e)
        return;
    if (e->kind == EX_COLUMN)
        uses_name(u, u->columns, &e->tok);
    uses_expr(u, e->lhs);
    uses_expr(u, e->rhs);
    uses_expr(u, e->extra);
    for (int i = 0; i < PTRLIST_LEN(e->list); i++)
        uses_expr(u, e->list->items[i]);
    if (e->select)
        uses_select(u, e->select);
}

static void uses_results(Uses *u, const PtrList *cols, bool names_are_columns)
{
    for (int i = 0; i < PTRLIST_LEN(cols); i++) {
        const ResultCol *rc = cols->items[i];
        if (rc->star)
            u->star = true;
        if (names_are_columns)
            uses_name(u, u->columns, &rc->alias);
        uses_expr(u, rc->expr);
    }
}

static void uses_tokens(Uses *u, const PtrList *tokens)
{
    for (int i = 0; i < PTRLIST_LEN(tokens); i++)
        uses_name(u, u->columns, tokens->items[i]);
}

static void uses_from(Uses *u, const PtrList *from)
{
    for (int i = 0; i < PTRLIST_LEN(from); i++) {
        const SrcItem *it = from->items[i];
        if (it->subquery)
            uses_select(u, it->subquery);
        else
            uses_table(u, &it->schema, &it->name, &it->alias);
        uses_expr(u, it->on);
        uses_tokens(u, it->using_cols);
    }
}

static void uses_with(Uses *u, const With *w)
{
    for (int i = 0; w && i < w->ctes->n; i++)
        uses_select(u, ((const Cte *)w->ctes->items[i])->select);
}

static void uses_select(Uses *u, const Select *s)
{
    for (; s; s = s->prior) {
        uses_with(u, s->with);
        uses_results(u, s->result, false);
        uses_from(u, s->from);
        uses_expr(u, s->where);
        for (int i = 0; i < PTRLIST_LEN(s->group_by); i++)
            uses_expr(u, s->group_by->items[i]);
        for (int i = 0; i < PTRLIST_LEN(s->distinct_on); i++)
            uses_expr(u, s->distinct_on->items[i]);
        uses_expr(u, s->having);
        for (int i = 0; i < PTRLIST_LEN(s->values); i++) {
            const PtrList *row = s->values->items[i];
            for (int k = 0; k < PTRLIST_LEN(row); k++)
                uses_expr(u, row->items[k]);
        }
        uses_results(u, s->order_by, false);
        uses_expr(u, s->limit);
        uses_expr(u, s->offset);
    }
}

static void uses_stmt(Uses *u, const Stmt *s)
{
    uses_with(u, s->with);
    switch (s->kind) {
    case STMT_SELECT: uses_select(u, s->u.select); break;
    case STMT_INSERT: {
        const Insert *in = s->u.insert;
        uses_table(u, &in->schema, &in->table, &in->alias);
        uses_tokens(u, in->columns);
        for (int i = 0; i < PTRLIST_LEN(in->values); i++) {
            const PtrList *row = in->values->items[i];
            for (int k = 0; k < PTRLIST_LEN(row); k++)
                uses_expr(u, row->items[k]);
        }
        uses_select(u, in->select);
        if (in->upsert) {
            uses_tokens(u, in->upsert->target);
            uses_results(u, in->upsert->set, true);
            uses_expr(u, in->upsert->where);
        }
        uses_results(u, in->returning, false);
        break;
    }
    case STMT_UPDATE: {
        const Update *up = s->u.update;
        uses_table(u, &up->schema, &up->table, &up->alias);
        uses_results(u, up->set, true);
        uses_from(u, up->from);
        uses_expr(u, up->where);
        uses_results(u, up->returning, false);
        break;
    }
    case STMT_DELETE: {
        const Delete *d = s->u.delete_;
        uses_table(u, &d->schema, &d->table, &d->alias);
        uses_from(u, d->using_);
        uses_expr(u, d->where);
        uses_results(u, d->returning, false);
        break;
    }
    default: break;
    }
}

static Uses query_uses(Arena *arena, const Query *q)
{
    Uses u = {arena, ptrlist_new(arena), ptrlist_new(arena), ptrlist_new(arena), false, q->dialect};
    uses_stmt(&u, q->stmt);
    return u;
}

static bool has_name(const PtrList *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->items[i], name) == 0)
            return true;
    return false;
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
            Uses u = query_uses(r->arena, q);
            bool uses = has_name(u.tables, rn->table->name) && (!rn->col || u.star || has_name(u.columns, rn->col->name));
            if (uses && n++ < 3)
                sb_printf(&users, "%s%s", n > 1 ? ", " : "", q->name);
        }
        if (n > 0) {
            char *who = arena_printf(r->arena, "quer%s %s%s %s it", n == 1 ? "y" : "ies", users.s, n > 3 ? ", ..." : "",
                                     n == 1 ? "uses" : "use");
            if (rn->col)
                report(r->v, rn->stmt, "destructive-rename-column",
                       "renaming column \"%s\" of table \"%s\" to \"%s\" breaks code built for the previous "
                       "migrations: %s",
                       rn->old_name, rn->table->name, rn->new_name, who);
            else
                report(r->v, rn->stmt, "destructive-rename-table",
                       "renaming table \"%s\" to \"%s\" breaks code built for the previous migrations: %s",
                       rn->old_name, rn->new_name, who);
        }
        sb_free(&users);
    }
}

static void vet_migrations(Vet *v, const DialectRepo *repo)
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

/* -------------------------------------------------------------- queries */

static bool has_where(const Stmt *s)
{
    switch (s->kind) {
    case STMT_SELECT:
        for (const Select *x = s->u.select; x; x = x->prior)
            if (x->where)
                return true;
        return false;
    case STMT_UPDATE: return s->u.update->where != NULL;
    case STMT_DELETE: return s->u.delete_->where != NULL;
    default: return false;
    }
}

static bool results_star(const PtrList *cols)
{
    for (int i = 0; i < PTRLIST_LEN(cols); i++)
        if (((const ResultCol *)cols->items[i])->star)
            return true;
    return false;
}

static const char *alias_table(const Uses *u, const char *alias)
{
    for (int i = 0; i + 1 < u->aliases->n; i += 2)
        if (strcmp(u->aliases->items[i], alias) == 0)
            return u->aliases->items[i + 1];
    return NULL;
}

/* SQLite's plan for the query: a "SCAN t" step without an index. */
static void check_scans(Vet *v, sqlite3 *db, const Catalog *cat, const Query *q)
{
    char *sql = arena_printf(v->arena, "EXPLAIN QUERY PLAN %s", query_sql(v->arena, q, query_own_number, q, NULL));
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return; /* the engine check already prepared it: nothing new to say */
    }
    Uses u = query_uses(v->arena, q);
    PtrList *reported = ptrlist_new(v->arena);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(st, 3);
        if (!detail || strncmp(detail, "SCAN ", 5) != 0)
            continue;
        const char *name = detail + 5;
        size_t n = strcspn(name, " ");
        const char *rest = name + n;
        if (strstr(rest, "INDEX") || strstr(rest, "VIRTUAL TABLE") || strstr(rest, "PRIMARY KEY"))
            continue;
        char *alias = arena_strndup(v->arena, name, n);
        const char *key = alias_table(&u, alias);
        const Table *t = catalog_find_table(cat, key ? key : alias);
        if (!t || t->view || has_name(reported, t->name))
            continue;
        ptrlist_push(v->arena, reported, t->name);
        report(v, q->stmt, "full-table-scan",
               "query %s scans table \"%s\" for its WHERE clause (SQLite plan: %s): no index serves it", q->name,
               t->name, detail);
    }
    sqlite3_finalize(st);
}

static void vet_query(Vet *v, const DialectRepo *repo, const Query *q, sqlite3 *db)
{
    const Stmt *s = q->stmt;
    bool star = false;
    if (s->kind == STMT_SELECT)
        for (const Select *x = s->u.select; x; x = x->prior)
            star = star || results_star(x->result);
    if (s->kind == STMT_INSERT)
        star = results_star(s->u.insert->returning);
    if (s->kind == STMT_UPDATE)
        star = results_star(s->u.update->returning);
    if (s->kind == STMT_DELETE)
        star = results_star(s->u.delete_->returning);
    if (star)
        report(v, s, "select-star", "query %s selects *: list the columns, so that a migration adding one does not "
                                    "change its result", q->name);
    if (s->kind == STMT_UPDATE && !s->u.update->where)
        report(v, s, "update-without-where", "query %s updates every row of \"%s\" (no WHERE)", q->name,
               table_key(v->arena, q->dialect, &s->u.update->schema, &s->u.update->table));
    if (s->kind == STMT_DELETE && !s->u.delete_->where)
        report(v, s, "delete-without-where", "query %s deletes every row of \"%s\" (no WHERE)", q->name,
               table_key(v->arena, q->dialect, &s->u.delete_->schema, &s->u.delete_->table));
    if (db && has_where(s))
        check_scans(v, db, repo->catalog, q);
}

/* The migrated in-memory database EXPLAIN QUERY PLAN runs on. */
static sqlite3 *migrated_sqlite(Arena *arena, const DialectRepo *repo)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    for (int i = 0; i < repo->migrations->n; i++) {
        const Migration *m = repo->migrations->items[i];
        char *sql = arena_strndup(arena, m->file->text + m->up_start, m->up_end - m->up_start);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
            sqlite3_close(db);
            return NULL;
        }
    }
    return db;
}

int cli_vet(const CliRepo *repo, int argc, char **argv)
{
    const char *since = NULL;
    const CliFlag flags[] = {{"--since", &since}};
    bool help;
    int status = cli_parse_flags(argc, argv, flags, 1, &help, VET_USAGE);
    if (status != 0 || help)
        return status;
    Vet v = {0};
    if (since && !cli_parse_version("vet", "--since", since, &v.since))
        return 2;
    DialectRepo repos[DIALECT_COUNT];
    PipelineOptions opt = {.name = repo->name, .schema_dir = repo->schema_dir, .queries_dir = repo->queries_dir};
    v.arena = pipeline_load(&opt, repos);
    if (!v.arena) {
        int errors = diag_error_count();
        fprintf(stderr, "keel vet: %d error%s; fix %s before linting\n", errors, errors == 1 ? "" : "s",
                errors == 1 ? "it" : "them");
        return 1;
    }
    v.findings = ptrlist_new(v.arena);
    for (int d = 0; d < DIALECT_COUNT; d++) {
        const DialectRepo *r = &repos[d];
        if (!r->present)
            continue;
        vet_migrations(&v, r);
        sqlite3 *db = d == DIALECT_SQLITE ? migrated_sqlite(v.arena, r) : NULL;
        for (int i = 0; i < r->queries->n; i++)
            vet_query(&v, r, r->queries->items[i], db);
        sqlite3_close(db);
    }
    if (v.findings->n > 1)
        qsort(v.findings->items, (size_t)v.findings->n, sizeof(void *), by_position);
    for (int i = 0; i < v.findings->n; i++) {
        const Finding *f = v.findings->items[i];
        diag_warning(f->pos, "[%s] %s", f->rule, f->msg);
    }
    int n = v.findings->n;
    if (n)
        fprintf(stderr, "keel vet: %d finding%s\n", n, n == 1 ? "" : "s");
    arena_destroy(v.arena);
    return n ? 1 : 0;
}
