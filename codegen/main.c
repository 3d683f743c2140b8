/*
 * keel — the command line.
 *
 *   keel generate                      every repository of ./keel.yaml (or sqlc.yaml ...)
 *   keel check --repo diun             one of them
 *   keel generate --name diun --schema schema --queries queries --out generated
 *
 * main() reads the global options, the verb and the repository options,
 * resolves the repositories (flags, else the configuration file, flags
 * overriding it) and runs the verb on each. The pipeline verbs (generate,
 * check, describe) run parse -> catalog -> analyze -> engine check ->
 * parity -> emit; any error exits 1 and writes nothing. Exit status: 0 ok,
 * 1 errors or findings, 2 usage.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_config.h"
#include "cli_verbs.h"
#include "diag.h"
#include "pipeline.h"

#ifndef KEEL_VERSION
#error "KEEL_VERSION is the CMake project version (codegen/CMakeLists.txt)"
#endif

typedef enum VerbKind {
    VERB_GENERATE,
    VERB_CHECK,
    VERB_DESCRIBE,
    VERB_DIFF,
    VERB_VERIFY,
    VERB_INIT,
    VERB_DB, /* the database verbs of cli.h */
    VERB_HELP,
} VerbKind;

typedef struct Verb {
    const char *name;
    VerbKind kind;
    const char *args;    /* the usage line after "keel NAME" */
    const char *summary; /* its line in `keel --help` */
    const char *help;    /* what `keel NAME --help` adds */
    int (*run_db)(const CliRepo *repo, int argc, char **argv);
} Verb;

static const char repo_options[] =
    "Repositories come from the configuration file (keel.yaml, keel.yml, sqlc.yaml,\n"
    "sqlc.yml or sqlc.json in the current folder); options override it:\n"
    "  --config FILE    read FILE instead\n"
    "  --repo NAME      only the repository NAME of the file\n"
    "  --name NAME      the repository's name, a lower-case C identifier\n"
    "  --schema DIR     DIR/sqlite and DIR/postgres hold the migrations (NNNN_name.sql)\n"
    "  --queries DIR    DIR/sqlite and DIR/postgres hold the annotated queries\n"
    "  --out DIR        the folder of the generated files\n"
    "  --postgres DSN   also check the PostgreSQL dialect on this server\n"
    "                   (default: the file's postgres_dsn_env, else $KEEL_POSTGRES_DSN)\n"
    "With --name, --schema and --queries no file is read.\n";

static const Verb verbs[] = {
    {"generate", VERB_GENERATE, "[OPTIONS]", "write the generated C into each repository's out folder",
     "Writes NAME.h, NAME.c, NAME_sqlite.c and NAME_postgres.c into the out folder.\n"
     "Any error: exit 1, nothing written.\n",
     NULL},
    {"check", VERB_CHECK, "[OPTIONS]", "check the migrations and queries; write nothing",
     "Runs everything generate does except writing.\n", NULL},
    {"describe", VERB_DESCRIBE, "[OPTIONS]", "print the API keel infers: each query's parameters and columns",
     "One line per query (name and command), then its parameters and result columns\n"
     "with their C types. With several repositories, each starts with \"== NAME\".\n",
     NULL},
    {"diff", VERB_DIFF, "[OPTIONS]", "show how the out folder differs from a fresh generate",
     "Generates into a temporary folder and prints a unified diff (diff -u) from the\n"
     "out folder's files to the fresh ones; `keel diff | patch -p0` applies it from\n"
     "the folder the paths are relative to. Writes nothing into the out folder.\n"
     "Exit 1 when they differ.\n",
     NULL},
    {"verify", VERB_VERIFY, "[OPTIONS]", "list generated files that are stale or missing (for CI)",
     "Generates into a temporary folder and prints one line per file of the out\n"
     "folder that differs (\"PATH: stale\") or is absent (\"PATH: missing\").\n"
     "Writes nothing into the out folder. Exit 1 when any.\n",
     NULL},
    {"init", VERB_INIT, "[--name NAME] [DIR]", "start a repository: keel.yaml, migrations and queries",
     "Writes into DIR (default: the current folder; created when missing):\n"
     "  keel.yaml, schema/sqlite/0001_init.sql, schema/postgres/0001_init.sql,\n"
     "  queries/sqlite/notes.sql, queries/postgres/notes.sql\n"
     "one example table and two queries per dialect, which pass `keel check`.\n"
     "NAME defaults to DIR's name made into a C identifier. Refuses to overwrite\n"
     "an existing file (exit 1).\n",
     NULL},
    {"vet", VERB_DB, "[OPTIONS] [--since VERSION]",
     "lint the migrations and queries: destructive changes, SELECT *...", cli_vet_help, cli_vet},
    {"migrate", VERB_DB, "[OPTIONS] --dsn DSN [--baseline VERSION]", "apply the pending migrations to a database",
     cli_migrate_help, cli_migrate},
    {"status", VERB_DB, "[OPTIONS] --dsn DSN", "show which migrations a database has applied", cli_status_help,
     cli_status},
    {"drift", VERB_DB, "[OPTIONS] --dsn DSN", "compare a database's schema with the migrations", cli_drift_help,
     cli_drift},
    {"help", VERB_HELP, "[COMMAND]", "show a command's options", "", NULL},
};
enum { N_VERBS = sizeof verbs / sizeof verbs[0] };

static const Verb *find_verb(const char *name)
{
    for (int i = 0; i < N_VERBS; i++)
        if (strcmp(verbs[i].name, name) == 0)
            return &verbs[i];
    return NULL;
}

static void print_usage(FILE *f)
{
    fputs("usage: keel [--diagnostics-format=gcc|json] COMMAND [OPTIONS]\n"
          "       keel --version | --help\n"
          "\n"
          "Commands:\n",
          f);
    for (int i = 0; i < N_VERBS; i++)
        fprintf(f, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
    fputs("\n"
          "keel reads schema/<dialect>/NNNN_name.sql migrations and queries/<dialect>/*.sql\n"
          "annotated queries (-- name: QueryName :one|:many|:exec|:execrows|:execresult|:execlastid)\n"
          "for each dialect present (sqlite, postgres), as keel.yaml or sqlc.yaml names them.\n"
          "\n"
          "--diagnostics-format=json writes each diagnostic as one JSON object per line\n"
          "(file, line, column, severity, message) on stderr.\n"
          "Exit status: 0 ok, 1 errors or findings, 2 usage. `keel COMMAND --help` for more.\n",
          f);
}

static void print_verb_help(FILE *f, const Verb *v)
{
    fprintf(f, "usage: keel %s %s\n%s\n%s", v->name, v->args, v->summary, v->help);
    if (v->kind != VERB_INIT && v->kind != VERB_HELP)
        fprintf(f, "\n%s", repo_options);
}

/* A usage error: the message, then what the usage is; exit status 2. With
 * JSON diagnostics, only the message, as a diagnostic. */
static int usage_error(const Verb *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const Verb *v, const char *fmt, ...)
{
    StrBuf msg = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (diag_format() == DIAG_JSON) {
        diag_error((SrcPos){0}, "%s", msg.s);
    } else if (v) {
        fprintf(stderr, "keel: %s\nusage: keel %s %s\n`keel %s --help` lists the options.\n", msg.s, v->name,
                v->args, v->name);
    } else {
        fprintf(stderr, "keel: %s\n", msg.s);
        print_usage(stderr);
    }
    sb_free(&msg);
    return 2;
}

/* A global option; false when arg is none. *status is set when it is wrong. */
static bool global_option(char **argv, int argc, int *i, int *status)
{
    const char *arg = argv[*i];
    const char *prefix = "--diagnostics-format";
    size_t n = strlen(prefix);
    if (strncmp(arg, prefix, n) != 0 || (arg[n] != '=' && arg[n] != 0))
        return false;
    const char *value = arg[n] == '=' ? arg + n + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
    if (value && strcmp(value, "json") == 0)
        diag_set_format(DIAG_JSON);
    else if (value && strcmp(value, "gcc") == 0)
        diag_set_format(DIAG_GCC);
    else
        *status = usage_error(NULL, "--diagnostics-format takes gcc or json, not \"%s\"", value ? value : "");
    return true;
}

typedef struct Args {
    const char *config, *repo, *name, *schema, *queries, *out, *postgres;
    const char *first_repo_flag; /* for verbs that take none */
    bool help;
    int argc; /* what the verb reads itself; argv[0] is the verb */
    char **argv;
} Args;

static const char **repo_flag(Args *a, const char *flag)
{
    static const char *const names[] = {"--config", "--repo", "--name", "--schema", "--queries", "--out", "--postgres"};
    const char **slots[] = {&a->config, &a->repo, &a->name, &a->schema, &a->queries, &a->out, &a->postgres};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(flag, names[i], n) == 0 && (flag[n] == 0 || flag[n] == '='))
            return slots[i];
    }
    return NULL;
}

/* The arguments after the verb: repository options (--opt VALUE or
 * --opt=VALUE), --help, global options; the rest is the verb's. */
static int parse_args(const Verb *v, int argc, char **argv, int first, Args *a)
{
    a->argv = xmalloc((size_t)(argc + 1) * sizeof *a->argv);
    a->argv[a->argc++] = argv[first - 1];
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        int status = 0;
        const char **slot;
        if (strcmp(arg, "--") == 0) {
            while (++i < argc)
                a->argv[a->argc++] = argv[i];
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            a->help = true;
        } else if (global_option(argv, argc, &i, &status)) {
            if (status)
                return status;
        } else if ((slot = repo_flag(a, arg)) != NULL) {
            const char *eq = strchr(arg, '=');
            if (!eq && i + 1 >= argc)
                return usage_error(v, "%s needs a value", arg);
            if (!a->first_repo_flag && strncmp(arg, "--name", 6) != 0)
                a->first_repo_flag = arg;
            *slot = eq ? eq + 1 : argv[++i];
        } else {
            a->argv[a->argc++] = argv[i];
        }
    }
    a->argv[a->argc] = NULL;
    return 0;
}

static int no_arguments_left(const Verb *v, const Args *a)
{
    if (a->argc <= 1)
        return 0;
    const char *arg = a->argv[1];
    return arg[0] == '-' ? usage_error(v, "unknown option \"%s\"", arg)
                         : usage_error(v, "unexpected argument \"%s\"", arg);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The repositories the verb runs on: from the flags alone, or from the
 * configuration file with the flags overriding it. */
static int resolve_targets(Arena *arena, const Verb *v, const Args *a, CliConfig *cfg)
{
    bool repo_flags = a->name || a->schema || a->queries;
    const char *path = a->config;
    if (!path && (!(a->name && a->schema && a->queries) || a->repo)) {
        path = cli_config_find();
        if (!path && !repo_flags)
            return usage_error(v, "no keel.yaml, keel.yml, sqlc.yaml, sqlc.yml or sqlc.json in the current folder: "
                                  "`keel init` writes one; or name one with --config FILE, or give --name, "
                                  "--schema and --queries");
        if (!path)
            return usage_error(v, "%s is missing, and there is no configuration file in the current folder",
                               !a->name ? "--name" : !a->schema ? "--schema" : "--queries");
    }
    if (path) {
        if (!file_exists(path))
            return usage_error(v, "no configuration file %s", path);
        if (!cli_config_load(arena, path, cfg))
            return 1;
    } else { /* the flags alone */
        cfg->targets = arena_alloc(arena, sizeof *cfg->targets);
        cfg->n = 1;
        const char *dsn = getenv("KEEL_POSTGRES_DSN");
        cfg->targets[0].repo.postgres_dsn = dsn && *dsn ? dsn : NULL;
    }
    if (a->repo) {
        /* every repository of that name: an sqlc file may give one package
         * name to entries with different out folders */
        int found = 0;
        StrBuf names = {0};
        for (int i = 0; i < cfg->n; i++) {
            if (strcmp(cfg->targets[i].repo.name, a->repo) == 0)
                cfg->targets[found++] = cfg->targets[i];
            sb_printf(&names, "%s%s", i ? ", " : "", cfg->targets[i].repo.name);
        }
        if (found == 0) {
            int status = usage_error(v, "%s has no repository \"%s\" (it has %s)", path, a->repo, names.s);
            sb_free(&names);
            return status;
        }
        sb_free(&names);
        cfg->n = found;
    }
    if (cfg->n > 1 && (repo_flags || a->out))
        return usage_error(v, "%s names %d repositories: pick one with --repo to override its paths", path, cfg->n);
    for (int i = 0; i < cfg->n; i++) {
        CliTarget *t = &cfg->targets[i];
        if (a->name)
            t->repo.name = a->name;
        if (a->schema || a->queries)
            memset(t->sources, 0, sizeof t->sources); /* flags mean keel's own layout */
        if (a->schema)
            t->repo.schema_dir = a->schema;
        if (a->queries)
            t->repo.queries_dir = a->queries;
        if (a->out)
            t->repo.out_dir = a->out;
        if (a->postgres)
            t->repo.postgres_dsn = *a->postgres ? a->postgres : NULL;
        if (!cli_valid_repo_name(t->repo.name))
            return usage_error(v, "repository name \"%s\" must be a lower-case C identifier", t->repo.name);
        bool explicit = t->sources[DIALECT_SQLITE].schema || t->sources[DIALECT_POSTGRES].schema;
        if (!explicit && (!t->repo.schema_dir || !t->repo.queries_dir))
            return usage_error(v, "repository \"%s\" needs both --schema and --queries", t->repo.name);
    }
    return 0;
}

static void error_summary(int errors, const char *name)
{
    if (errors == 0 || diag_format() == DIAG_JSON)
        return;
    if (name)
        fprintf(stderr, "keel: %s: %d error%s; nothing written\n", name, errors, errors == 1 ? "" : "s");
    else
        fprintf(stderr, "keel: %d error%s; nothing written\n", errors, errors == 1 ? "" : "s");
}

static int run_pipeline(const Verb *v, const CliConfig *cfg)
{
    int status = 0;
    for (int i = 0; i < cfg->n; i++) {
        const CliTarget *t = &cfg->targets[i];
        if (v->kind == VERB_GENERATE && !t->repo.out_dir) {
            if (!t->pos.file)
                return usage_error(v, "--out is missing");
            diag_error(t->pos, "repository \"%s\" has no \"out\": keel generate needs one (or --out DIR)",
                       t->repo.name);
            status = 1;
            continue;
        }
        PipelineOptions opt;
        cli_target_pipeline_options(t, &opt);
        opt.out_dir = v->kind == VERB_GENERATE ? t->repo.out_dir : NULL;
        opt.describe = v->kind == VERB_DESCRIBE ? stdout : NULL;
        if (v->kind == VERB_DESCRIBE && cfg->n > 1)
            printf("== %s\n", t->repo.name);
        int errors_before = diag_error_count();
        if (pipeline_run(&opt) != 0) {
            status = 1;
            error_summary(diag_error_count() - errors_before, cfg->n > 1 ? t->repo.name : NULL);
        }
    }
    return status;
}

static int run_compare(const Verb *v, const CliConfig *cfg)
{
    int status = 0;
    for (int i = 0; i < cfg->n; i++) {
        const CliTarget *t = &cfg->targets[i];
        if (!t->repo.out_dir) {
            if (!t->pos.file)
                return usage_error(v, "--out is missing: keel %s compares with it", v->name);
            diag_error(t->pos, "repository \"%s\" has no \"out\" to compare with", t->repo.name);
            status = 1;
            continue;
        }
        int errors_before = diag_error_count();
        if (cli_compare(t, v->kind == VERB_DIFF) != 0)
            status = 1;
        if (diag_error_count() > errors_before && diag_format() != DIAG_JSON) {
            int errors = diag_error_count() - errors_before;
            fprintf(stderr, "keel: %s: %d error%s\n", t->repo.name, errors, errors == 1 ? "" : "s");
        }
    }
    return status;
}

static int run_db_verb(const Verb *v, const CliConfig *cfg, const Args *a)
{
    int status = 0;
    for (int i = 0; i < cfg->n; i++) {
        const CliTarget *t = &cfg->targets[i];
        if (!t->repo.schema_dir) {
            diag_error(t->pos,
                       "keel %s: repository \"%s\" names its sources file by file; it needs a schema folder "
                       "holding sqlite/ and postgres/ (--schema DIR)",
                       v->name, t->repo.name);
            status = status > 1 ? status : 1;
            continue;
        }
        int s = v->run_db(&t->repo, a->argc, a->argv);
        status = s > status ? s : status;
    }
    return status;
}

static int run_init(const Verb *v, const Args *a)
{
    if (a->first_repo_flag)
        return usage_error(v, "%s is not an option of keel init", a->first_repo_flag);
    if (a->argc > 1 && a->argv[1][0] == '-')
        return usage_error(v, "unknown option \"%s\"", a->argv[1]);
    if (a->argc > 2)
        return usage_error(v, "unexpected argument \"%s\"", a->argv[2]);
    if (a->name && !cli_valid_repo_name(a->name))
        return usage_error(v, "repository name \"%s\" must be a lower-case C identifier", a->name);
    return cli_init(a->argc > 1 ? a->argv[1] : ".", a->name);
}

static int run_help(const Args *a)
{
    if (a->argc <= 1) {
        print_usage(stdout);
        return 0;
    }
    const Verb *topic = find_verb(a->argv[1]);
    if (!topic || a->argc > 2)
        return usage_error(find_verb("help"), "no command \"%s\"", a->argv[topic ? 2 : 1]);
    print_verb_help(stdout, topic);
    return 0;
}

static int run_verb(const Verb *v, int argc, char **argv, int first)
{
    Args a = {0};
    int status = parse_args(v, argc, argv, first, &a);
    if (status == 0 && a.help) {
        print_verb_help(stdout, v);
    } else if (status == 0 && v->kind == VERB_INIT) {
        status = run_init(v, &a);
    } else if (status == 0 && v->kind == VERB_HELP) {
        status = run_help(&a);
    } else if (status == 0 && (status = v->kind == VERB_DB ? 0 : no_arguments_left(v, &a)) == 0) {
        Arena *arena = arena_new();
        CliConfig cfg = {0};
        status = resolve_targets(arena, v, &a, &cfg);
        if (status == 0)
            status = v->kind == VERB_DB                                ? run_db_verb(v, &cfg, &a)
                     : v->kind == VERB_DIFF || v->kind == VERB_VERIFY ? run_compare(v, &cfg)
                                                                      : run_pipeline(v, &cfg);
        arena_destroy(arena);
    }
    free(a.argv);
    return status;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        int status = 0;
        if (strcmp(argv[i], "--version") == 0) {
            puts("keel " KEEL_VERSION);
            return 0;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_usage(stdout);
            return 0;
        }
        if (!global_option(argv, argc, &i, &status))
            return usage_error(NULL, "unknown option \"%s\"", argv[i]);
        if (status)
            return status;
    }
    if (i >= argc) {
        print_usage(stderr);
        return 2;
    }
    const Verb *v = find_verb(argv[i]);
    if (!v)
        return usage_error(NULL, "unknown command \"%s\"", argv[i]);
    return run_verb(v, argc, argv, i + 1);
}
