#include "cli_schema.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The runtime caches prepared statements by keel_query address: these
 * live as long as the program. */
static const keel_query SQLITE_TABLES = {
    "keel drift: tables",
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    " AND name NOT IN ('keel_migrations', 'schema_migrations')",
    0};
static const keel_query SQLITE_VIEWS = {
    "keel drift: views", "SELECT name, sql FROM sqlite_schema WHERE type = 'view'", 0};
static const keel_query SQLITE_COLUMNS = {
    "keel drift: columns",
    "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1) ORDER BY cid", 1};
static const keel_query SQLITE_INDEXES = {
    "keel drift: indexes",
    "SELECT il.name, il.\"unique\", il.origin, il.partial, s.sql FROM pragma_index_list(?1) AS il"
    " LEFT JOIN sqlite_schema AS s ON s.type = 'index' AND s.name = il.name",
    1};
static const keel_query SQLITE_INDEX_COLUMNS = {
    "keel drift: index columns",
    "SELECT name, \"desc\", coll FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno", 1};
static const keel_query SQLITE_FKS = {
    "keel drift: foreign keys",
    "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
    1};

static const keel_query PG_TABLES = {
    "keel drift: tables",
    "SELECT c.oid::text, CASE WHEN n.nspname = 'public' THEN c.relname::text"
    " ELSE n.nspname || '.' || c.relname END"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname <> 'information_schema'"
    " AND n.nspname NOT LIKE 'pg\\_%' AND c.relname NOT IN ('keel_migrations', 'schema_migrations')",
    0};
static const keel_query PG_VIEWS = {
    "keel drift: views",
    "SELECT CASE WHEN schemaname = 'public' THEN viewname::text ELSE schemaname || '.' || viewname END, definition"
    " FROM pg_catalog.pg_views WHERE schemaname <> 'information_schema' AND schemaname NOT LIKE 'pg\\_%'",
    0};
static const keel_query PG_COLUMNS = {
    "keel drift: columns",
    "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,"
    " pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text"
    " FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d"
    " ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    " WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
    1};
static const keel_query PG_INDEXES = {
    "keel drift: indexes",
    "SELECT i.relname, x.indisunique, x.indisprimary, pg_catalog.pg_get_indexdef(x.indexrelid)"
    " FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::oid",
    1};
static const keel_query PG_FKS = {
    "keel drift: foreign keys",
    "SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint"
    " WHERE conrelid = $1::oid AND contype = 'f'",
    1};

static char *text_or_null(Arena *arena, keel_stmt *st, int col)
{
    const char *s = keel_column_text(st, col, NULL);
    return s ? arena_strdup(arena, s) : NULL;
}

/* Whitespace runs become one space, ends trimmed: formatting is not drift. */
static char *squeeze(Arena *arena, const char *s)
{
    char *out = arena_alloc(arena, strlen(s) + 1);
    size_t k = 0;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) {
            if (k > 0 && out[k - 1] != ' ')
                out[k++] = ' ';
        } else {
            out[k++] = *s;
        }
    }
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = 0;
    return out;
}

static int by_table_name(const void *a, const void *b)
{
    return strcmp((*(DbTable *const *)a)->name, (*(DbTable *const *)b)->name);
}

static int by_index_name(const void *a, const void *b)
{
    return strcmp((*(DbIndex *const *)a)->name, (*(DbIndex *const *)b)->name);
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_list(PtrList *l, int (*cmp)(const void *, const void *))
{
    if (l->n > 1)
        qsort(l->items, (size_t)l->n, sizeof(void *), cmp);
}

/* Runs q with one text parameter; calls row() for each result row. */
typedef int (*RowFn)(Arena *arena, keel_db *db, keel_stmt *st, void *ctx);
static int each_row(Arena *arena, keel_db *db, const keel_query *q, const char *param, RowFn row, void *ctx)
{
    keel_stmt *st = NULL;
    int rc = keel_stmt_open(db, q, &st);
    if (rc != KEEL_OK)
        return rc;
    if (q->n_params > 0)
        keel_bind_text(st, 1, param);
    while ((rc = keel_stmt_step(st)) == KEEL_ROW)
        if ((rc = row(arena, db, st, ctx)) != KEEL_OK)
            break;
    keel_stmt_close(st);
    return rc == KEEL_DONE ? KEEL_OK : rc;
}

/* ------------------------------------------------------------- SQLite */

static int sqlite_column(Arena *arena, keel_db *db, keel_stmt *st, void *ctx)
{
    (void)db;
    DbTable *t = ctx;
    DbColumn *c = arena_alloc(arena, sizeof *c);
    c->name = text_or_null(arena, st, 0);
    c->type = squeeze(arena, keel_column_text(st, 1, NULL) ? keel_column_text(st, 1, NULL) : "");
    c->not_null = keel_column_int64(st, 2) != 0;
    c->dflt = text_or_null(arena, st, 3);
    c->pk = (int)keel_column_int64(st, 4);
    int64_t hidden = keel_column_int64(st, 5);
    if (hidden == 2 || hidden == 3)
        c->dflt = hidden == 2 ? "generated (virtual)" : "generated (stored)";
    ptrlist_push(arena, t->columns, c);
    return KEEL_OK;
}

static int sqlite_index_column(Arena *arena, keel_db *db, keel_stmt *st, void *ctx)
{
    (void)db;
    (void)arena;
    StrBuf *b = ctx;
    if (b->len > 0 && b->s[b->len - 1] != '(')
        sb_puts(b, ", ");
    const char *name = keel_column_text(st, 0, NULL);
    sb_puts(b, name ? name : "<expression>");
    const char *coll = keel_column_text(st, 2, NULL);
    if (coll && strcasecmp(coll, "BINARY") != 0)
        sb_printf(b, " COLLATE %s", coll);
    if (keel_column_int64(st, 1))
        sb_puts(b, " DESC");
    return KEEL_OK;
}

/* The WHERE of a partial index: what follows the last WHERE keyword. */
static const char *partial_where(const char *sql)
{
    const char *found = NULL;
    for (const char *p = sql; *p; p++) {
        if (strncasecmp(p, "where", 5) != 0)
            continue;
        bool starts = p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        bool ends = !(isalnum((unsigned char)p[5]) || p[5] == '_');
        if (starts && ends)
            found = p + 5;
    }
    return found;
}

typedef struct PendingIndex {
    char *name, *origin, *sql;
    bool unique, partial;
} PendingIndex;

static int sqlite_index(Arena *arena, keel_db *db, keel_stmt *st, void *ctx)
{
    (void)db;
    PtrList *pending = ctx;
    PendingIndex *p = arena_alloc(arena, sizeof *p);
    p->name = text_or_null(arena, st, 0);
    p->unique = keel_column_int64(st, 1) != 0;
    p->origin = text_or_null(arena, st, 2);
    p->partial = keel_column_int64(st, 3) != 0;
    p->sql = text_or_null(arena, st, 4);
    ptrlist_push(arena, pending, p);
    return KEEL_OK;
}

typedef struct FkBuild {
    DbTable *table;
    int64_t id;
    StrBuf from, to;
    char *ref, *on_update, *on_delete;
    bool any_to;
} FkBuild;

static void fk_flush(Arena *arena, FkBuild *f)
{
    if (!f->from.len)
        return;
    StrBuf b = {0};
    sb_printf(&b, "(%s) REFERENCES %s", f->from.s, f->ref);
    if (f->any_to)
        sb_printf(&b, "(%s)", f->to.s);
    if (f->on_update && strcmp(f->on_update, "NO ACTION") != 0)
        sb_printf(&b, " ON UPDATE %s", f->on_update);
    if (f->on_delete && strcmp(f->on_delete, "NO ACTION") != 0)
        sb_printf(&b, " ON DELETE %s", f->on_delete);
    ptrlist_push(arena, f->table->fks, arena_strdup(arena, b.s));
    sb_free(&b);
    sb_free(&f->from);
    sb_free(&f->to);
    f->any_to = false;
}

static int sqlite_fk(Arena *arena, keel_db *db, keel_stmt *st, void *ctx)
{
    (void)db;
    FkBuild *f = ctx;
    int64_t id = keel_column_int64(st, 0);
    if (f->from.len && id != f->id)
        fk_flush(arena, f);
    f->id = id;
    f->ref = text_or_null(arena, st, 1);
    f->on_update = text_or_null(arena, st, 4);
    f->on_delete = text_or_null(arena, st, 5);
    const char *to = keel_column_text(st, 3, NULL);
    if (f->from.len)
        sb_puts(&f->from, ", ");
    sb_puts(&f->from, keel_column_text(st, 2, NULL));
    if (f->to.len)
        sb_puts(&f->to, ", ");
    sb_puts(&f->to, to ? to : "");
    f->any_to = f->any_to || to != NULL;
    return KEEL_OK;
}

static int sqlite_table_name(Arena *arena, keel_db *db, keel_stmt *st, void *ctx)
{
    (void)db;
    DbTable *t = arena_alloc(arena, sizeof *t);
    t->name = text_or_null(arena, st, 0);
    ptrlist_push(arena, ctx, t);
    return KEEL_OK;
}

static int sqlite_table(Arena *arena, keel_db *db, DbTable *t)
{
    int rc = each_row(arena, db, &SQLITE_COLUMNS, t->name, sqlite_column, t);
    PtrList *pending = ptrlist_new(arena);
    if (rc == KEEL_OK)
        rc = each_row(arena, db, &SQLITE_INDEXES, t->name, sqlite_index, pending);
    for (int i = 0; rc == KEEL_OK && i < pending->n; i++) {
        const PendingIndex *p = pending->items[i];
        StrBuf b = {0};
        sb_puts(&b, strcmp(p->origin, "pk") == 0 ? "primary key (" : p->unique ? "unique (" : "(");
        rc = each_row(arena, db, &SQLITE_INDEX_COLUMNS, p->name, sqlite_index_column, &b);
        sb_putc(&b, ')');
        const char *where = p->partial && p->sql ? partial_where(p->sql) : NULL;
        if (where)
            sb_printf(&b, " WHERE %s", squeeze(arena, where));
        DbIndex *ix = arena_alloc(arena, sizeof *ix);
        ix->name = p->name;
        ix->def = arena_strdup(arena, b.s);
        sb_free(&b);
        ptrlist_push(arena, t->indexes, ix);
    }
    FkBuild f = {.table = t};
    if (rc == KEEL_OK)
        rc = each_row(arena, db, &SQLITE_FKS, t->name, sqlite_fk, &f);
    fk_flush(arena, &f);
    sb_free(&f.from);
    sb_free(&f.to);
    return rc;
}

/* --------------------------------------------------------- PostgreSQL */

static int pg_column(Arena *arena, keel_db *db, keel_stmt *st, void *ctx)
{
    (void)db;
    DbTable *t = ctx;
    DbColumn *c = arena_alloc(arena, sizeof *c);
    c->name = text_or_null(arena, st, 0);
    c->type = text_or_null(arena, st, 1);
    c->not_null = keel_column_bool(st, 2);
    c->dflt = text_or_null(arena, st, 3);
    const char *identity = keel_column_text(st, 4, NULL);
    const char *generated = keel_column_text(st, 5, NULL);
    if (identity && *identity)
        c->dflt = *identity == 'a' ? "generated always as identity" : "generated by default as identity";
    if (generated && *generated && c->dflt)
        c->dflt = arena_printf(arena, "generated always as (%s) stored", c->dflt);
    ptrlist_push(arena, t->columns, c);
    return KEEL_OK;
}

static int pg_index(Arena *arena, keel_db *db, keel_stmt *st, void *ctx)
{
    (void)db;
    DbTable *t = ctx;
    DbIndex *ix = arena_alloc(arena, sizeof *ix);
    ix->name = text_or_null(arena, st, 0);
    const char *def = keel_column_text(st, 3, NULL);
    const char *using = def ? strstr(def, " USING ") : NULL;
    const char *kind = keel_column_bool(st, 2) ? "primary key " : keel_column_bool(st, 1) ? "unique " : "";
    ix->def = arena_printf(arena, "%s%s", kind, using ? using + 7 : def ? def : "");
    ptrlist_push(arena, t->indexes, ix);
    return KEEL_OK;
}

static int pg_fk(Arena *arena, keel_db *db, keel_stmt *st, void *ctx)
{
    (void)db;
    DbTable *t = ctx;
    const char *def = keel_column_text(st, 0, NULL);
    if (!def)
        return KEEL_OK;
    if (strncmp(def, "FOREIGN KEY ", 12) == 0)
        def += 12;
    ptrlist_push(arena, t->fks, arena_strdup(arena, def));
    return KEEL_OK;
}

typedef struct PgTable {
    DbTable *table;
    char *oid;
} PgTable;

static int pg_table_name(Arena *arena, keel_db *db, keel_stmt *st, void *ctx)
{
    (void)db;
    PgTable *p = arena_alloc(arena, sizeof *p);
    p->oid = text_or_null(arena, st, 0);
    p->table = arena_alloc(arena, sizeof *p->table);
    p->table->name = text_or_null(arena, st, 1);
    ptrlist_push(arena, ctx, p);
    return KEEL_OK;
}

/* ------------------------------------------------------------- common */

static int view_row(Arena *arena, keel_db *db, keel_stmt *st, void *ctx)
{
    (void)db;
    DbIndex *v = arena_alloc(arena, sizeof *v);
    v->name = text_or_null(arena, st, 0);
    const char *def = keel_column_text(st, 1, NULL);
    v->def = squeeze(arena, def ? def : "");
    ptrlist_push(arena, ctx, v);
    return KEEL_OK;
}

static void init_table(Arena *arena, DbTable *t)
{
    t->columns = ptrlist_new(arena);
    t->indexes = ptrlist_new(arena);
    t->fks = ptrlist_new(arena);
}

int db_schema_read(Arena *arena, keel_db *db, DbSchema *out)
{
    out->tables = ptrlist_new(arena);
    out->views = ptrlist_new(arena);
    bool pg = keel_db_dialect(db) == KEEL_DIALECT_POSTGRES;
    int rc = each_row(arena, db, pg ? &PG_VIEWS : &SQLITE_VIEWS, NULL, view_row, out->views);
    if (rc != KEEL_OK) {
        /* reported through the handle */
    } else if (pg) {
        PtrList *found = ptrlist_new(arena);
        rc = each_row(arena, db, &PG_TABLES, NULL, pg_table_name, found);
        for (int i = 0; rc == KEEL_OK && i < found->n; i++) {
            PgTable *p = found->items[i];
            init_table(arena, p->table);
            rc = each_row(arena, db, &PG_COLUMNS, p->oid, pg_column, p->table);
            if (rc == KEEL_OK)
                rc = each_row(arena, db, &PG_INDEXES, p->oid, pg_index, p->table);
            if (rc == KEEL_OK)
                rc = each_row(arena, db, &PG_FKS, p->oid, pg_fk, p->table);
            ptrlist_push(arena, out->tables, p->table);
        }
    } else {
        rc = each_row(arena, db, &SQLITE_TABLES, NULL, sqlite_table_name, out->tables);
        for (int i = 0; rc == KEEL_OK && i < out->tables->n; i++) {
            init_table(arena, out->tables->items[i]);
            rc = sqlite_table(arena, db, out->tables->items[i]);
        }
    }
    sort_list(out->tables, by_table_name);
    sort_list(out->views, by_index_name);
    for (int i = 0; i < out->tables->n; i++) {
        DbTable *t = out->tables->items[i];
        if (t->indexes)
            sort_list(t->indexes, by_index_name);
        if (t->fks)
            sort_list(t->fks, by_string);
    }
    return rc;
}
