#include "cli_config.h"

#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "source.h"

const char *const cli_config_names[] = {"keel.yaml", "keel.yml", "sqlc.yaml", "sqlc.yml", "sqlc.json", NULL};

const char *cli_config_find(void)
{
    struct stat st;
    for (int i = 0; cli_config_names[i]; i++)
        if (stat(cli_config_names[i], &st) == 0 && S_ISREG(st.st_mode))
            return cli_config_names[i];
    return NULL;
}

bool cli_valid_repo_name(const char *s)
{
    if (!*s || !((*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

void cli_target_pipeline_options(const CliTarget *target, PipelineOptions *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->name = target->repo.name;
    opt->schema_dir = target->repo.schema_dir;
    opt->queries_dir = target->repo.queries_dir;
    opt->postgres_dsn = target->repo.postgres_dsn;
    for (int d = 0; d < DIALECT_COUNT; d++)
        opt->sources[d] = target->sources[d];
}

typedef struct Cfg {
    Arena *arena;
    yaml_document_t doc;
    const SrcFile *file;
    const char *dir; /* the file's folder with a trailing '/'; "" for the current one */
    bool sqlc;
    const char *engine_default; /* sqlc version 1: postgresql */
    bool ok;
    PtrList *pending; /* of Pending: reported in file order at the end */
} Cfg;

/* A diagnostic about the file, held back so they come out in the file's
 * order although nested mappings are read after their parents. */
typedef struct Pending {
    int seq;
    bool warning;
    SrcPos pos, note_pos;
    char *message, *note;
} Pending;

/* libyaml counts columns in characters, diagnostics in bytes. */
static SrcPos mark_pos(const Cfg *c, yaml_mark_t mark)
{
    const char *text = c->file->text, *end = text + c->file->len;
    const char *p = text;
    for (size_t line = 0; line < mark.line && p < end; p++)
        if (*p == '\n')
            line++;
    const char *q = p;
    for (size_t ch = 0; ch < mark.column && q < end && *q != '\n'; ch++) {
        int n = utf8_length((const unsigned char *)q, (size_t)(end - q));
        q += n > 0 ? n : 1;
    }
    return (SrcPos){c->file, (int)mark.line + 1, (int)(q - p) + 1};
}

static SrcPos node_pos(const Cfg *c, const yaml_node_t *n) { return mark_pos(c, n->start_mark); }

static yaml_node_t *node(Cfg *c, int id) { return yaml_document_get_node(&c->doc, id); }

static char *vformat(Arena *arena, const char *fmt, va_list ap)
{
    StrBuf b = {0};
    sb_vprintf(&b, fmt, ap);
    char *s = arena_strdup(arena, b.s ? b.s : "");
    sb_free(&b);
    return s;
}

static void add_pending(Cfg *c, bool warning, SrcPos pos, const char *fmt, va_list ap)
{
    Pending *p = arena_alloc(c->arena, sizeof *p);
    p->seq = c->pending->n;
    p->warning = warning;
    p->pos = pos;
    p->message = vformat(c->arena, fmt, ap);
    ptrlist_push(c->arena, c->pending, p);
}

static void cfg_error(Cfg *c, SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cfg_error(Cfg *c, SrcPos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_pending(c, false, pos, fmt, ap);
    va_end(ap);
    c->ok = false;
}

static void cfg_warning(Cfg *c, SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cfg_warning(Cfg *c, SrcPos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_pending(c, true, pos, fmt, ap);
    va_end(ap);
}

/* A note under the last error. */
static void cfg_note(Cfg *c, SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cfg_note(Cfg *c, SrcPos pos, const char *fmt, ...)
{
    Pending *p = c->pending->items[c->pending->n - 1];
    va_list ap;
    va_start(ap, fmt);
    p->note = vformat(c->arena, fmt, ap);
    va_end(ap);
    p->note_pos = pos;
}

static int compare_pending(const void *a, const void *b)
{
    const Pending *x = *(Pending *const *)a, *y = *(Pending *const *)b;
    if (x->pos.line != y->pos.line)
        return x->pos.line < y->pos.line ? -1 : 1;
    if (x->pos.col != y->pos.col)
        return x->pos.col < y->pos.col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void report_pending(Cfg *c)
{
    if (c->pending->n > 1)
        qsort(c->pending->items, (size_t)c->pending->n, sizeof(void *), compare_pending);
    for (int i = 0; i < c->pending->n; i++) {
        const Pending *p = c->pending->items[i];
        if (p->warning)
            diag_warning(p->pos, "%s", p->message);
        else
            diag_error(p->pos, "%s", p->message);
        if (p->note)
            diag_note(p->note_pos, "%s", p->note);
    }
}

/* A key a mapping may hold; read_keys fills in where it was found. */
typedef struct Key {
    const char *name;
    yaml_node_t *key, *value; /* NULL when absent */
} Key;

static bool is_scalar(const yaml_node_t *n, const char *value)
{
    return n->type == YAML_SCALAR_NODE && strcmp((const char *)n->data.scalar.value, value) == 0;
}

/* YAML's merge key: `<<: *defaults` (or a list of aliases) lends a mapping's
 * pairs to the one holding it, as sqlc's YAML reader does. */
static bool is_merge_key(const yaml_node_t *k)
{
    return is_scalar(k, "<<") && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* The keys `from` (a mapping, or a list of them; its own merges included)
 * gives that the mapping merging it has not set itself: the first giver
 * wins, as in YAML. Its other keys were reported where it was read.
 * *budget bounds the mappings visited: aliases of aliases multiply. */
static void merge_keys(Cfg *c, yaml_node_t *from, const char *what, Key *keys, int n, int *budget)
{
    if (--*budget < 0)
        return;
    if (from->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = from->data.sequence.items.start; it < from->data.sequence.items.top; it++)
            merge_keys(c, node(c, *it), what, keys, n, budget);
        return;
    }
    if (from->type != YAML_MAPPING_NODE) {
        cfg_error(c, node_pos(c, from), "\"<<\" in %s must name a mapping (<<: *anchor)", what);
        return;
    }
    for (yaml_node_pair_t *pair = from->data.mapping.pairs.start; pair < from->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = node(c, pair->key), *v = node(c, pair->value);
        if (k->type != YAML_SCALAR_NODE || is_merge_key(k))
            continue;
        for (int i = 0; i < n; i++)
            if (strcmp(keys[i].name, (const char *)k->data.scalar.value) == 0 && !keys[i].key) {
                keys[i].key = k;
                keys[i].value = v;
            }
    }
    for (yaml_node_pair_t *pair = from->data.mapping.pairs.start; pair < from->data.mapping.pairs.top; pair++)
        if (is_merge_key(node(c, pair->key)))
            merge_keys(c, node(c, pair->value), what, keys, n, budget);
}

/*
 * Reads the mapping `map` (`what` names it in messages): each of keys gets
 * its key and value node. A key given twice is an error; any other key is
 * a warning, because keel cannot honour it. Keys merged in with `<<` fill
 * in those the mapping does not give itself.
 */
static bool read_keys(Cfg *c, yaml_node_t *map, const char *what, Key *keys, int n)
{
    if (map->type != YAML_MAPPING_NODE) {
        cfg_error(c, node_pos(c, map), "%s must be a mapping (key: value)", what);
        return false;
    }
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = node(c, pair->key), *v = node(c, pair->value);
        if (k->type != YAML_SCALAR_NODE) {
            cfg_error(c, node_pos(c, k), "a key in %s is not a string", what);
            continue;
        }
        if (is_merge_key(k))
            continue;
        const char *name = (const char *)k->data.scalar.value;
        Key *found = NULL;
        for (int i = 0; i < n && !found; i++)
            if (strcmp(keys[i].name, name) == 0)
                found = &keys[i];
        if (!found && c->sqlc) {
            cfg_warning(c, node_pos(c, k), "\"%s\" is not used by keel", name);
        } else if (!found) {
            StrBuf known = {0};
            for (int i = 0; i < n; i++)
                sb_printf(&known, "%s%s", i ? ", " : "", keys[i].name);
            cfg_warning(c, node_pos(c, k), "unknown key \"%s\" in %s (keel reads %s)", name, what, known.s);
            sb_free(&known);
        } else if (found->key) {
            cfg_error(c, node_pos(c, k), "\"%s\" is given twice in %s", name, what);
            cfg_note(c, node_pos(c, found->key), "the first \"%s\"", name);
        } else {
            found->key = k;
            found->value = v;
        }
    }
    int budget = 256;
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++)
        if (is_merge_key(node(c, pair->key)))
            merge_keys(c, node(c, pair->value), what, keys, n, &budget);
    return true;
}

/* The value of a string key, copied into the arena; NULL when absent or
 * not a non-empty string (reported). */
static const char *string_value(Cfg *c, const Key *k)
{
    if (!k->value)
        return NULL;
    if (k->value->type != YAML_SCALAR_NODE) {
        cfg_error(c, node_pos(c, k->value), "\"%s\" must be a string", k->name);
        return NULL;
    }
    if (k->value->data.scalar.length == 0) {
        cfg_error(c, node_pos(c, k->value), "\"%s\" is empty", k->name);
        return NULL;
    }
    return arena_strndup(c->arena, (const char *)k->value->data.scalar.value, k->value->data.scalar.length);
}

static void missing_key(Cfg *c, yaml_node_t *map, const char *what, const char *key, const char *meaning)
{
    cfg_error(c, node_pos(c, map), "%s has no \"%s\" (%s)", what, key, meaning);
}

/* A path from the file, relative to the file's folder. sqlc joins every
 * path to the file's folder (Go's filepath.Join), so in an sqlc file a
 * leading '/' does not make a path absolute. */
static const char *config_path(Cfg *c, const char *p)
{
    if (c->sqlc)
        while (p[0] == '/' && p[1])
            p++;
    if (p[0] == '/' || !*c->dir)
        return path_tidy(c->arena, p);
    return path_tidy(c->arena, arena_printf(c->arena, "%s%s", c->dir, p));
}

static bool has_glob_chars(const char *p) { return strpbrk(p, "*?[") != NULL; }

/* Appends to list the files a glob pattern in an sqlc path names, sorted,
 * as sqlc reads them; a pattern matching nothing is an error at the value. */
static bool expand_glob(Cfg *c, const Key *item, const char *pattern, PtrList *list)
{
    glob_t g;
    int rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
        cfg_error(c, node_pos(c, item->value), "\"%s\": no file matches %s", item->name, pattern);
        globfree(&g);
        return false;
    }
    if (rc != 0) {
        cfg_error(c, node_pos(c, item->value), "\"%s\": cannot expand %s", item->name, pattern);
        return false;
    }
    for (size_t i = 0; i < g.gl_pathc; i++)
        ptrlist_push(c->arena, list, arena_strdup(c->arena, g.gl_pathv[i]));
    globfree(&g);
    return true;
}

static const char *path_value(Cfg *c, const Key *k)
{
    const char *s = string_value(c, k);
    return s ? config_path(c, s) : NULL;
}

/* A schema or queries path (not a glob) must exist: reported at its place
 * in the file, as sqlc refuses a path that does not. */
static bool source_path_exists(Cfg *c, const Key *k, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return true;
    cfg_error(c, node_pos(c, k->value), "%s \"%s\" does not exist", k->name,
              (const char *)k->value->data.scalar.value);
    return false;
}

/* A path or a list of paths (sqlc allows both; in an sqlc file each may be
 * a glob pattern), NULL-terminated. */
static const char *const *path_list(Cfg *c, const Key *k)
{
    if (!k->value)
        return NULL;
    yaml_node_t *v = k->value;
    int n = v->type == YAML_SCALAR_NODE     ? 1
            : v->type == YAML_SEQUENCE_NODE ? (int)(v->data.sequence.items.top - v->data.sequence.items.start)
                                            : 0;
    if (n == 0) {
        cfg_error(c, node_pos(c, v), "\"%s\" must be a path or a list of paths", k->name);
        return NULL;
    }
    PtrList *paths = ptrlist_new(c->arena);
    for (int i = 0; i < n; i++) {
        Key item = {k->name, k->key, v->type == YAML_SCALAR_NODE ? v : node(c, v->data.sequence.items.start[i])};
        const char *p = path_value(c, &item);
        if (!p)
            return NULL;
        if (c->sqlc && has_glob_chars(p)) {
            if (!expand_glob(c, &item, p, paths))
                return NULL;
        } else {
            if (!source_path_exists(c, &item, p))
                return NULL;
            ptrlist_push(c->arena, paths, (void *)p);
        }
    }
    const char **list = arena_alloc(c->arena, (size_t)(paths->n + 1) * sizeof *list);
    for (int i = 0; i < paths->n; i++)
        list[i] = paths->items[i];
    return list;
}

/* The DSN of the PostgreSQL check: the environment variable the file
 * names, else KEEL_POSTGRES_DSN as without a file; NULL when unset. */
static const char *dsn_from_env(const char *var)
{
    const char *dsn = getenv(var ? var : "KEEL_POSTGRES_DSN");
    return dsn && *dsn ? dsn : NULL;
}

/* A repository name from the file's text at pos, lower-cased when asked. */
static const char *repo_name_text(Cfg *c, const char *name, SrcPos pos, bool lower)
{
    char *s = arena_strdup(c->arena, name);
    for (char *p = s; lower && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (!cli_valid_repo_name(s)) {
        cfg_error(c, pos, "repository name \"%s\" must be a lower-case C identifier", s);
        return NULL;
    }
    return s;
}

static const char *repo_name(Cfg *c, const Key *k, bool lower)
{
    const char *name = string_value(c, k);
    return name ? repo_name_text(c, name, node_pos(c, k->value), lower) : NULL;
}

/* ---- keel.yaml */

static void read_keel_dialect(Cfg *c, const Key *k, PipelineSources *s)
{
    const char *what = arena_printf(c->arena, "\"%s\"", k->name);
    Key keys[] = {{.name = "schema"}, {.name = "queries"}};
    if (!read_keys(c, k->value, what, keys, 2))
        return;
    if (!keys[0].value)
        missing_key(c, k->value, what, "schema", "the dialect's migrations: folders or files");
    s->schema = path_list(c, &keys[0]);
    s->queries = path_list(c, &keys[1]);
}

static void read_keel_repository(Cfg *c, yaml_node_t *n, CliTarget *t)
{
    Key keys[] = {{.name = "name"},   {.name = "schema"},           {.name = "queries"}, {.name = "out"},
                  {.name = "postgres_dsn_env"}, {.name = "sqlite"}, {.name = "postgres"}};
    t->pos = node_pos(c, n);
    if (!read_keys(c, n, "a repository", keys, 7))
        return;
    if (!keys[0].value)
        missing_key(c, n, "a repository", "name", "a lower-case C identifier");
    t->repo.name = repo_name(c, &keys[0], false);
    bool per_dialect = keys[5].value || keys[6].value;
    /* schema and queries go together; sqlite/postgres blocks may stand in for both */
    if (!keys[1].value && (keys[2].value || !per_dialect))
        missing_key(c, n, "a repository", "schema", "the folder holding sqlite/ and postgres/ migrations");
    else if (keys[1].value && !keys[2].value)
        missing_key(c, n, "a repository", "queries", "the folder holding sqlite/ and postgres/ queries");
    t->repo.schema_dir = path_value(c, &keys[1]);
    t->repo.queries_dir = path_value(c, &keys[2]);
    t->repo.out_dir = path_value(c, &keys[3]);
    t->repo.postgres_dsn = dsn_from_env(string_value(c, &keys[4]));
    if (keys[5].value)
        read_keel_dialect(c, &keys[5], &t->sources[DIALECT_SQLITE]);
    if (keys[6].value)
        read_keel_dialect(c, &keys[6], &t->sources[DIALECT_POSTGRES]);
}

static void check_unique_names(Cfg *c, PtrList *targets)
{
    for (int i = 0; i < targets->n; i++) {
        const CliTarget *t = targets->items[i];
        for (int k = 0; k < i && t->repo.name; k++) {
            const CliTarget *u = targets->items[k];
            if (u->repo.name && strcmp(t->repo.name, u->repo.name) == 0) {
                cfg_error(c, t->pos, "a second repository named \"%s\"", t->repo.name);
                cfg_note(c, u->pos, "the first one");
                break;
            }
        }
    }
}

static void read_keel(Cfg *c, yaml_node_t *root, PtrList *targets)
{
    Key keys[] = {{.name = "version"}, {.name = "repositories"}};
    if (!read_keys(c, root, "the configuration", keys, 2))
        return;
    if (keys[0].value && !is_scalar(keys[0].value, "1"))
        cfg_error(c, node_pos(c, keys[0].value), "unsupported keel.yaml version; this keel reads version 1");
    yaml_node_t *list = keys[1].value;
    if (!list) {
        missing_key(c, root, "the configuration", "repositories", "a list of repositories");
        return;
    }
    if (list->type != YAML_SEQUENCE_NODE || list->data.sequence.items.top == list->data.sequence.items.start) {
        cfg_error(c, node_pos(c, list), "\"repositories\" must be a list with at least one repository");
        return;
    }
    for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
        CliTarget *t = arena_alloc(c->arena, sizeof *t);
        read_keel_repository(c, node(c, *it), t);
        ptrlist_push(c->arena, targets, t);
    }
    check_unique_names(c, targets);
}

/* ---- sqlc.yaml / sqlc.json, versions 2 and 1 */

/* One entry of sqlc's `sql` list (or version 1's `packages`): one engine
 * of one repository. */
typedef struct SqlcEntry {
    const char *name, *out, *dsn_env;
    Dialect dialect;
    bool skipped; /* an engine keel does not have (mysql): warned, left out */
    PipelineSources sources;
    SrcPos pos, name_pos, out_pos;
} SqlcEntry;

/* gen.go's package and out; without gen.go, the first other generator's
 * (gen.python, gen.kotlin), whose package also names sqlc's output. */
static void read_sqlc_gen(Cfg *c, const Key *gen, Key *package, Key *out)
{
    Key langs[] = {{.name = "go"}, {.name = "python"}, {.name = "kotlin"}};
    if (!gen->value || !read_keys(c, gen->value, "\"gen\"", langs, 3))
        return;
    for (int i = 0; i < 3; i++) {
        if (!langs[i].value)
            continue;
        Key keys[] = {{.name = "package"}, {.name = "out"}};
        const char *what = arena_printf(c->arena, "\"gen.%s\"", langs[i].name);
        if (!read_keys(c, langs[i].value, what, keys, 2))
            return;
        *package = keys[0];
        *out = keys[1];
        return;
    }
}

/* Without gen: the first of the entry's `codegen` plugins (sqlc-gen-kotlin,
 * -moonbit, ...) gives the out folder; a plugin has no package, so the
 * repository is named after that folder, as for a gen.go without one. */
static void read_sqlc_codegen(Cfg *c, const Key *codegen, Key *out)
{
    yaml_node_t *list = codegen->value;
    if (!list)
        return;
    if (list->type != YAML_SEQUENCE_NODE) {
        cfg_error(c, node_pos(c, list), "\"codegen\" must be a list of plugins (- plugin: NAME, out: FOLDER)");
        return;
    }
    if (list->data.sequence.items.top == list->data.sequence.items.start)
        return;
    Key keys[] = {{.name = "plugin"}, {.name = "out"}};
    if (read_keys(c, node(c, *list->data.sequence.items.start), "a \"codegen\" plugin", keys, 2))
        *out = keys[1];
}

/* The engine, schema and queries of an sqlc entry (version 2's `sql` item
 * or version 1's package; engine_default when the key is absent). */
static bool read_sqlc_sources(Cfg *c, yaml_node_t *n, const char *what, const Key *engine_key, const Key *schema,
                              const Key *queries, SqlcEntry *e)
{
    bool ok = true;
    const char *engine = engine_key->value ? string_value(c, engine_key) : c->engine_default;
    if (!engine_key->value && !engine) {
        missing_key(c, n, what, "engine", "sqlite or postgresql");
        ok = false;
    } else if (engine && strcmp(engine, "sqlite") == 0) {
        e->dialect = DIALECT_SQLITE;
    } else if (engine && strcmp(engine, "postgresql") == 0) {
        e->dialect = DIALECT_POSTGRES;
    } else if (engine && strcmp(engine, "mysql") == 0) {
        /* real configurations list mysql next to the engines keel reads */
        cfg_warning(c, node_pos(c, engine_key->value ? engine_key->value : n), "engine \"mysql\" is not supported by keel; this entry is left out");
        e->skipped = true;
        return false;
    } else {
        if (engine) /* a default engine has no place of its own: the entry's */
            cfg_error(c, node_pos(c, engine_key->value ? engine_key->value : n),
                      "engine \"%s\" is not supported: keel reads sqlite and postgresql", engine);
        ok = false;
    }
    if (!queries->value)
        missing_key(c, n, what, "queries", "its query files: folders or files");
    /* sqlc takes an entry without a schema, whose queries read only the
     * engine's own tables (information_schema, sqlite_schema): no migrations */
    e->sources.schema = schema->value ? path_list(c, schema) : arena_alloc(c->arena, sizeof(const char *));
    e->sources.queries = path_list(c, queries);
    return ok;
}

/* sqlc names a package without a name after its out folder
 * (filepath.Base(out)); keel names the repository the same way. */
static const char *name_from_out(Cfg *c, const Key *out, const char *name_key)
{
    const char *path = string_value(c, out);
    if (!path)
        return NULL;
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    const char *base = path + len;
    while (base > path && base[-1] != '/')
        base--;
    char *s = arena_strndup(c->arena, base, (size_t)(path + len - base));
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (!cli_valid_repo_name(s)) {
        cfg_error(c, node_pos(c, out->value),
                  "the repository is named after this folder, as sqlc names the package, but \"%s\" is not a "
                  "lower-case C identifier: set %s",
                  s, name_key);
        return NULL;
    }
    return s;
}

static bool read_sqlc_entry(Cfg *c, yaml_node_t *n, SqlcEntry *e)
{
    Key keys[] = {{.name = "engine"}, {.name = "schema"}, {.name = "queries"},
                  {.name = "gen"},    {.name = "keel"},   {.name = "codegen"}};
    e->pos = node_pos(c, n);
    if (!read_keys(c, n, "an sql entry", keys, 6))
        return false;
    bool ok = read_sqlc_sources(c, n, "an sql entry", &keys[0], &keys[1], &keys[2], e);
    if (e->skipped)
        return false;
    Key package = {.name = "package"}, go_out = {.name = "out"};
    read_sqlc_gen(c, &keys[3], &package, &go_out);
    if (!package.value && !go_out.value)
        read_sqlc_codegen(c, &keys[5], &go_out);
    Key own[] = {{.name = "name"}, {.name = "out"}, {.name = "postgres_dsn_env"}};
    if (keys[4].value)
        read_keys(c, keys[4].value, "\"keel\"", own, 3);
    const Key *name = own[0].value ? &own[0] : &package;
    if (!name->value && !go_out.value) {
        cfg_error(c, e->pos, "an sql entry without a repository name: set gen.go.package (or keel.name)");
        return false;
    }
    if (name->value) {
        e->name = repo_name(c, name, true);
        e->name_pos = node_pos(c, name->value);
    } else {
        e->name = name_from_out(c, &go_out, "gen.go.package");
        e->name_pos = node_pos(c, go_out.value);
    }
    const Key *out = own[1].value ? &own[1] : &go_out;
    e->out = path_value(c, out);
    if (out->value)
        e->out_pos = node_pos(c, out->value);
    e->dsn_env = string_value(c, &own[2]);
    return ok && e->name && e->sources.schema && e->sources.queries && c->ok;
}

/* "a/b/sqlite" -> "a/b" when the path is a folder named after the dialect
 * (keel's own layout); NULL otherwise. */
static const char *dialect_parent(Arena *arena, const char *const *paths, Dialect d)
{
    if (!paths || !paths[0] || paths[1] || !dir_exists(paths[0]))
        return NULL;
    const char *slash = strrchr(paths[0], '/');
    const char *leaf = slash ? slash + 1 : paths[0];
    if (strcmp(leaf, dialect_name(d)) != 0)
        return NULL;
    return slash ? arena_strndup(arena, paths[0], (size_t)(slash - paths[0])) : ".";
}

static bool same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* When every engine's schema and queries are the <dialect> folders of two
 * common parents, the repository is in keel's layout: use the parents, so
 * verbs that want schema_dir (the database verbs) work too. */
static void map_onto_keel_layout(Arena *arena, CliTarget *t)
{
    const char *schema = NULL, *queries = NULL;
    for (int d = 0; d < DIALECT_COUNT; d++) {
        if (!t->sources[d].schema)
            continue;
        const char *s = dialect_parent(arena, t->sources[d].schema, (Dialect)d);
        const char *q = dialect_parent(arena, t->sources[d].queries, (Dialect)d);
        if (!s || !q || (schema && (!same(s, schema) || !same(q, queries))))
            return;
        schema = s;
        queries = q;
    }
    for (int d = 0; d < DIALECT_COUNT; d++) {
        const char *dn = dialect_name((Dialect)d);
        if (!t->sources[d].schema && (dir_exists(arena_printf(arena, "%s/%s", schema, dn)) ||
                                      dir_exists(arena_printf(arena, "%s/%s", queries, dn))))
            return; /* keel would read a dialect sqlc does not name */
    }
    t->repo.schema_dir = schema;
    t->repo.queries_dir = queries;
    memset(t->sources, 0, sizeof t->sources);
}

/* sqlc's version 1: `packages:`, each with name (default: the folder's
 * name), path (the out folder), schema, queries and engine (default
 * postgresql). */
static bool read_sqlc_package(Cfg *c, yaml_node_t *n, SqlcEntry *e)
{
    Key keys[] = {{.name = "engine"}, {.name = "schema"}, {.name = "queries"},
                  {.name = "name"},   {.name = "path"},   {.name = "keel"}};
    e->pos = node_pos(c, n);
    if (!read_keys(c, n, "a package", keys, 6))
        return false;
    bool ok = read_sqlc_sources(c, n, "a package", &keys[0], &keys[1], &keys[2], e);
    if (e->skipped)
        return false;
    Key own[] = {{.name = "name"}, {.name = "out"}, {.name = "postgres_dsn_env"}};
    if (keys[5].value)
        read_keys(c, keys[5].value, "\"keel\"", own, 3);
    const Key *name = own[0].value ? &own[0] : &keys[3];
    const Key *out = own[1].value ? &own[1] : &keys[4];
    if (!name->value && !out->value) {
        missing_key(c, n, "a package", "path", "the folder of the generated code");
        return false;
    }
    if (name->value) {
        e->name = repo_name(c, name, true);
        e->name_pos = node_pos(c, name->value);
    } else {
        e->name = name_from_out(c, out, "the package's name");
        e->name_pos = node_pos(c, out->value);
    }
    e->out = path_value(c, out);
    if (out->value)
        e->out_pos = node_pos(c, out->value);
    e->dsn_env = string_value(c, &own[2]);
    return ok && e->name && e->sources.schema && e->sources.queries && c->ok;
}

/* Adds one entry to its repository: entries with one name and out folder
 * are one repository, one entry per engine; sqlc writes each entry to its
 * own out folder, so one name in two folders is two repositories. */
static void add_sqlc_entry(Cfg *c, PtrList *targets, PtrList *firsts, const SqlcEntry *e)
{
    int index = -1;
    for (int i = 0; i < targets->n && index < 0; i++) {
        CliTarget *t = targets->items[i];
        SrcPos *seen = (SrcPos *)firsts->items[i] + e->dialect;
        if (strcmp(t->repo.name, e->name) == 0 && (!seen->file || !e->out || same(t->repo.out_dir, e->out)))
            index = i;
    }
    if (index < 0) {
        CliTarget *t = arena_alloc(c->arena, sizeof *t);
        t->repo.name = e->name;
        t->pos = e->name_pos;
        ptrlist_push(c->arena, targets, t);
        ptrlist_push(c->arena, firsts, arena_alloc(c->arena, DIALECT_COUNT * sizeof(SrcPos)));
        index = targets->n - 1;
    }
    CliTarget *t = targets->items[index];
    SrcPos *seen = (SrcPos *)firsts->items[index] + e->dialect;
    if (seen->file) {
        cfg_error(c, e->pos, "a second %s entry for repository \"%s\" in the same folder", dialect_name(e->dialect),
                  e->name);
        cfg_note(c, *seen, "the first one");
        return;
    }
    *seen = e->pos;
    t->sources[e->dialect] = e->sources;
    /* sqlc writes each engine's package to its own folder; keel writes
     * one repository, both dialects, to one */
    if (e->out && t->repo.out_dir && strcmp(e->out, t->repo.out_dir) != 0)
        cfg_warning(c, e->out_pos, "keel writes repository \"%s\", both dialects, to %s, not to %s", e->name,
                    t->repo.out_dir, e->out);
    else if (e->out)
        t->repo.out_dir = e->out;
    if (e->dsn_env || !t->repo.postgres_dsn)
        t->repo.postgres_dsn = dsn_from_env(e->dsn_env);
}

static void read_sqlc(Cfg *c, yaml_node_t *root, PtrList *targets)
{
    Key keys[] = {{.name = "version"}, {.name = "sql"}, {.name = "packages"}};
    if (!read_keys(c, root, "the configuration", keys, 3))
        return;
    if (!keys[0].value) {
        missing_key(c, root, "the sqlc configuration", "version", "version \"2\" (sql: [...]) or \"1\" (packages: [...])");
        return;
    }
    bool v1 = is_scalar(keys[0].value, "1");
    if (!v1 && !is_scalar(keys[0].value, "2")) {
        cfg_error(c, node_pos(c, keys[0].value),
                  "sqlc configuration version %s%s%s is not supported: keel reads version \"2\" (sql: [...]) and "
                  "\"1\" (packages: [...])",
                  keys[0].value->type == YAML_SCALAR_NODE ? "\"" : "",
                  keys[0].value->type == YAML_SCALAR_NODE ? (const char *)keys[0].value->data.scalar.value : "",
                  keys[0].value->type == YAML_SCALAR_NODE ? "\"" : "");
        return;
    }
    const Key *list_key = v1 ? &keys[2] : &keys[1], *other = v1 ? &keys[1] : &keys[2];
    if (other->value)
        cfg_warning(c, node_pos(c, other->key), "\"%s\" is not used by keel (it belongs to version \"%s\")",
                    other->name, v1 ? "2" : "1");
    yaml_node_t *list = list_key->value;
    if (!list) {
        missing_key(c, root, "the sqlc configuration", list_key->name,
                    "a list of engines with their schema and queries");
        return;
    }
    if (list->type != YAML_SEQUENCE_NODE || list->data.sequence.items.top == list->data.sequence.items.start) {
        cfg_error(c, node_pos(c, list), "\"%s\" must be a list with at least one entry", list_key->name);
        return;
    }
    c->engine_default = v1 ? "postgresql" : NULL;
    PtrList *firsts = ptrlist_new(c->arena); /* of SrcPos[DIALECT_COUNT], by target */
    for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
        SqlcEntry e = {0};
        if (!(v1 ? read_sqlc_package(c, node(c, *it), &e) : read_sqlc_entry(c, node(c, *it), &e)))
            continue;
        add_sqlc_entry(c, targets, firsts, &e);
    }
    if (targets->n == 0 && c->ok)
        cfg_error(c, node_pos(c, list), "\"%s\" has no sqlite or postgresql entry: nothing for keel to read",
                  list_key->name);
    for (int i = 0; i < targets->n; i++)
        map_onto_keel_layout(c->arena, targets->items[i]);
}

/* ---- the file */

static SrcFile *read_config_text(Arena *arena, const char *path)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        diag_error((SrcPos){0}, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    SrcFile *sf = arena_alloc(arena, sizeof *sf);
    sf->path = arena_strdup(arena, path);
    sf->display = sf->path;
    sf->len = len;
    sf->text = arena_strndup(arena, text, len);
    free(text);
    return sf;
}

static bool has_key(Cfg *c, yaml_node_t *map, const char *key)
{
    if (map->type != YAML_MAPPING_NODE)
        return false;
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++)
        if (is_scalar(node(c, pair->key), key))
            return true;
    return false;
}

static bool is_sqlc_config(Cfg *c, const char *path, yaml_node_t *root)
{
    if (has_key(c, root, "repositories"))
        return false;
    if (has_key(c, root, "sql") || has_key(c, root, "packages"))
        return true;
    const char *slash = strrchr(path, '/');
    return strncmp(slash ? slash + 1 : path, "sqlc", 4) == 0;
}

static void report_yaml_error(const Cfg *c, const yaml_parser_t *parser)
{
    SrcPos pos = parser->error == YAML_READER_ERROR ? srcpos_at(c->file, parser->problem_offset)
                                                    : mark_pos(c, parser->problem_mark);
    diag_error(pos, "invalid YAML: %s", parser->problem ? parser->problem : "out of memory");
    if (parser->context)
        diag_note(mark_pos(c, parser->context_mark), "%s", parser->context);
}

bool cli_config_load(Arena *arena, const char *path, CliConfig *config)
{
    memset(config, 0, sizeof *config);
    SrcFile *file = read_config_text(arena, path);
    if (!file)
        return false;
    const char *slash = strrchr(path, '/');
    Cfg c = {.arena = arena, .file = file, .ok = true, .pending = ptrlist_new(arena)};
    c.dir = slash ? arena_strndup(arena, path, (size_t)(slash - path) + 1) : "";
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        diag_error((SrcPos){0}, "out of memory");
        return false;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)file->text, file->len);
    bool loaded = yaml_parser_load(&parser, &c.doc);
    if (!loaded)
        report_yaml_error(&c, &parser);
    yaml_parser_delete(&parser);
    if (!loaded)
        return false;
    PtrList *targets = ptrlist_new(arena);
    yaml_node_t *root = yaml_document_get_root_node(&c.doc);
    if (!root) {
        cfg_error(&c, (SrcPos){file, 1, 1}, "the configuration is empty; `keel init` writes a keel.yaml");
    } else {
        c.sqlc = is_sqlc_config(&c, path, root);
        if (c.sqlc)
            read_sqlc(&c, root, targets);
        else
            read_keel(&c, root, targets);
    }
    yaml_document_delete(&c.doc);
    report_pending(&c);
    if (!c.ok)
        return false;
    config->n = targets->n;
    config->targets = arena_alloc(arena, (size_t)(targets->n ? targets->n : 1) * sizeof *config->targets);
    for (int i = 0; i < targets->n; i++)
        config->targets[i] = *(CliTarget *)targets->items[i];
    return true;
}
