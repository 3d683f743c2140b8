/*
 * keel drift: a live database's schema against what the migrations
 * produce. The migrations are applied by the runtime (keel_migrate) to a
 * scratch database of the same engine: SQLite in memory; PostgreSQL a
 * scratch database created on the live database's server and dropped
 * afterwards, as the generator's server check does. Both are read through
 * the engine's own catalog (cli_schema.c) and compared: one line per
 * difference.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli_schema.h"
#include "cli_util.h"

const char cli_drift_help[] =
    "Compares the database's tables, columns (type, NOT NULL, default), indexes,\n"
    "foreign keys and views with what the repository's migrations produce on a\n"
    "scratch database (SQLite: in memory; PostgreSQL: created and dropped on the same\n"
    "server, which needs CREATEDB). Prints one line per difference; exit status 1\n"
    "when there is any.\n"
    "  --dsn DSN           the database: a SQLite file (it must exist), or a\n"
    "                      PostgreSQL URL or key=value string (required)\n";

/* -------------------------------------------------------------- compare */

typedef struct Drift {
    int count;
} Drift;

static void difference(Drift *d, const char *table, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void difference(Drift *d, const char *table, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("table %s: ", table);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    d->count++;
}

static void view_difference(Drift *d, const char *view, const char *what)
{
    printf("view %s: %s\n", view, what);
    d->count++;
}

static const DbIndex *find_view(const DbSchema *s, const char *name)
{
    for (int i = 0; i < s->views->n; i++) {
        const DbIndex *v = s->views->items[i];
        if (strcmp(v->name, name) == 0)
            return v;
    }
    return NULL;
}

static DbColumn *find_column(const DbTable *t, const char *name)
{
    for (int i = 0; i < t->columns->n; i++) {
        DbColumn *c = t->columns->items[i];
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

static DbIndex *find_index(const DbTable *t, const char *name)
{
    for (int i = 0; i < t->indexes->n; i++) {
        DbIndex *ix = t->indexes->items[i];
        if (strcmp(ix->name, name) == 0)
            return ix;
    }
    return NULL;
}

static bool has_string(const PtrList *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

static bool same_default(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void compare_columns(Drift *d, const DbTable *live, const DbTable *want)
{
    for (int i = 0; i < want->columns->n; i++) {
        const DbColumn *w = want->columns->items[i];
        const DbColumn *l = find_column(live, w->name);
        if (!l) {
            difference(d, live->name, "column \"%s\": in the migrations, not in the database", w->name);
            continue;
        }
        /* SQLite keeps declared types as written: TEXT and text are one type */
        if (strcasecmp(l->type, w->type) != 0)
            difference(d, live->name, "column \"%s\": type %s in the database, %s in the migrations", w->name,
                       *l->type ? l->type : "(none)", *w->type ? w->type : "(none)");
        if (l->not_null != w->not_null)
            difference(d, live->name, "column \"%s\": %s in the database, %s in the migrations", w->name,
                       l->not_null ? "NOT NULL" : "nullable", w->not_null ? "NOT NULL" : "nullable");
        if (!same_default(l->dflt, w->dflt))
            difference(d, live->name, "column \"%s\": %s%s in the database, %s%s in the migrations", w->name,
                       l->dflt ? "default " : "no default", l->dflt ? l->dflt : "", w->dflt ? "default " : "no default",
                       w->dflt ? w->dflt : "");
        if (l->pk != w->pk)
            difference(d, live->name, "column \"%s\": %s in the database, %s in the migrations", w->name,
                       l->pk ? "in the primary key" : "not in the primary key",
                       w->pk ? "in the primary key" : "not in it");
    }
    for (int i = 0; i < live->columns->n; i++) {
        const DbColumn *l = live->columns->items[i];
        if (!find_column(want, l->name))
            difference(d, live->name, "column \"%s\": in the database, not in the migrations", l->name);
    }
}

static void compare_indexes(Drift *d, const DbTable *live, const DbTable *want)
{
    for (int i = 0; i < want->indexes->n; i++) {
        const DbIndex *w = want->indexes->items[i];
        const DbIndex *l = find_index(live, w->name);
        if (!l)
            difference(d, live->name, "index \"%s\" %s: in the migrations, not in the database", w->name, w->def);
        else if (strcmp(l->def, w->def) != 0)
            difference(d, live->name, "index \"%s\": %s in the database, %s in the migrations", w->name, l->def,
                       w->def);
    }
    for (int i = 0; i < live->indexes->n; i++) {
        const DbIndex *l = live->indexes->items[i];
        if (!find_index(want, l->name))
            difference(d, live->name, "index \"%s\" %s: in the database, not in the migrations", l->name, l->def);
    }
}

static void compare_fks(Drift *d, const DbTable *live, const DbTable *want)
{
    for (int i = 0; i < want->fks->n; i++)
        if (!has_string(live->fks, want->fks->items[i]))
            difference(d, live->name, "foreign key %s: in the migrations, not in the database",
                       (char *)want->fks->items[i]);
    for (int i = 0; i < live->fks->n; i++)
        if (!has_string(want->fks, live->fks->items[i]))
            difference(d, live->name, "foreign key %s: in the database, not in the migrations",
                       (char *)live->fks->items[i]);
}

static int compare(const DbSchema *live, const DbSchema *want)
{
    Drift d = {0};
    /* both lists are sorted by name: walk them together */
    int i = 0, k = 0;
    while (i < live->tables->n || k < want->tables->n) {
        const DbTable *l = i < live->tables->n ? live->tables->items[i] : NULL;
        const DbTable *w = k < want->tables->n ? want->tables->items[k] : NULL;
        if (!l || !w || strcmp(l->name, w->name) != 0) {
            if (l && (!w || strcmp(l->name, w->name) < 0)) {
                difference(&d, l->name, "in the database, not in the migrations");
                i++;
                continue;
            }
            if (!w)
                break; /* unreachable: the loop condition holds one of them */
            difference(&d, w->name, "in the migrations, not in the database");
            k++;
        } else {
            compare_columns(&d, l, w);
            compare_indexes(&d, l, w);
            compare_fks(&d, l, w);
            i++, k++;
        }
    }
    for (i = 0; i < want->views->n; i++) {
        const DbIndex *w = want->views->items[i];
        const DbIndex *l = find_view(live, w->name);
        if (!l)
            view_difference(&d, w->name, "in the migrations, not in the database");
        else if (strcmp(l->def, w->def) != 0)
            view_difference(&d, w->name, "defined differently in the database");
    }
    for (i = 0; i < live->views->n; i++) {
        const DbIndex *l = live->views->items[i];
        if (!find_view(want, l->name))
            view_difference(&d, l->name, "in the database, not in the migrations");
    }
    return d.count;
}

/* -------------------------------------------------- scratch databases */

/* libpq conninfo value quoting: '...' with \ and ' escaped. */
static void put_conninfo_value(StrBuf *b, const char *v)
{
    sb_putc(b, '\'');
    for (; *v; v++) {
        if (*v == '\'' || *v == '\\')
            sb_putc(b, '\\');
        sb_putc(b, *v);
    }
    sb_putc(b, '\'');
}

/* The live DSN with its database replaced (works for URIs and key=value). */
static char *dsn_with_dbname(Arena *arena, const char *dsn, const char *dbname)
{
    PQconninfoOption *opts = PQconninfoParse(dsn, NULL);
    if (!opts)
        return NULL;
    StrBuf b = {0};
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        const char *v = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
        if (!v)
            continue;
        sb_printf(&b, "%s%s=", b.len ? " " : "", o->keyword);
        put_conninfo_value(&b, v);
    }
    PQconninfoFree(opts);
    char *out = arena_strdup(arena, b.s ? b.s : "");
    sb_free(&b);
    return out;
}

static char *one_line(Arena *arena, const char *msg)
{
    char *s = arena_strdup(arena, msg ? msg : "");
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = 0;
    for (char *p = s; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return s;
}

typedef struct Scratch {
    PGconn *admin;  /* PostgreSQL: on the live server, to drop the scratch database */
    char *name;
    keel_db *db;
} Scratch;

static bool admin_exec(Arena *arena, PGconn *admin, const char *sql, char **error)
{
    PGresult *r = PQexec(admin, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        *error = one_line(arena, PQerrorMessage(admin));
    PQclear(r);
    return ok;
}

static bool scratch_open(Arena *arena, const char *dsn, keel_dialect dialect, Scratch *s)
{
    memset(s, 0, sizeof *s);
    const char *scratch_dsn = ":memory:";
    if (dialect == KEEL_DIALECT_POSTGRES) {
        s->admin = PQconnectdb(dsn);
        char *error = NULL;
        if (PQstatus(s->admin) != CONNECTION_OK) {
            fprintf(stderr, "keel drift: cannot connect to PostgreSQL: %s\n", one_line(arena, PQerrorMessage(s->admin)));
            return false;
        }
        PQclear(PQexec(s->admin, "SET client_min_messages = warning"));
        s->name = arena_printf(arena, "keel_drift_%ld_%ld", (long)getpid(), (long)time(NULL));
        if (!admin_exec(arena, s->admin,
                        arena_printf(arena, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", s->name),
                        &error)) {
            fprintf(stderr, "keel drift: cannot create a scratch database on the server (needs CREATEDB): %s\n",
                    error);
            s->name = NULL;
            return false;
        }
        scratch_dsn = dsn_with_dbname(arena, dsn, s->name);
    }
    int rc = keel_open(&s->db, scratch_dsn, &(keel_options){.pool_size = 1});
    if (rc != KEEL_OK) {
        cli_runtime_error("drift", s->db, rc, "opening the scratch database");
        return false;
    }
    return true;
}

static void scratch_close(Arena *arena, Scratch *s)
{
    keel_close(s->db);
    char *error = NULL;
    if (s->admin && s->name &&
        !admin_exec(arena, s->admin, arena_printf(arena, "DROP DATABASE IF EXISTS %s WITH (FORCE)", s->name), &error))
        fprintf(stderr, "keel drift: warning: could not drop the scratch database %s: %s\n", s->name, error);
    if (s->admin)
        PQfinish(s->admin);
}

int cli_drift(const CliRepo *repo, int argc, char **argv)
{
    const char *dsn = NULL;
    const CliFlag flags[] = {{"--dsn", &dsn, CLI_DSN_REQUIRED}};
    int status = cli_parse_flags(argc, argv, flags, 1);
    if (status != 0)
        return status;
    keel_db *db = cli_open("drift", dsn, true);
    if (!db)
        return 1;
    Arena *arena = arena_new();
    CliMigrations ms;
    Scratch scratch;
    DbSchema live, want;
    int rc;
    status = 1;
    if (!cli_load_migrations(arena, repo, keel_db_dialect(db), &ms)) {
        /* reported */
    } else if ((rc = db_schema_read(arena, db, &live)) != KEEL_OK) {
        cli_runtime_error("drift", db, rc, "reading the database's schema");
    } else if (scratch_open(arena, dsn, keel_db_dialect(db), &scratch)) {
        if ((rc = keel_migrate(scratch.db, &ms.schema)) != KEEL_OK) {
            cli_runtime_error("drift", scratch.db, rc, "the migrations fail on a fresh database");
        } else if ((rc = db_schema_read(arena, scratch.db, &want)) != KEEL_OK) {
            cli_runtime_error("drift", scratch.db, rc, "reading the migrated scratch database");
        } else {
            int n = compare(&live, &want);
            if (n)
                fprintf(stderr, "keel drift: %d difference%s between the database and %s\n", n, n == 1 ? "" : "s",
                        ms.dir);
            else
                fprintf(stderr, "keel drift: the database matches %s\n", ms.dir);
            status = n ? 1 : 0;
        }
        scratch_close(arena, &scratch);
    } else {
        scratch_close(arena, &scratch);
    }
    keel_close(db);
    arena_destroy(arena);
    return status;
}
