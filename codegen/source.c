#include "source.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

bool dir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* SQL files are UTF-8 text: a NUL byte or malformed UTF-8 anywhere, even in
 * a comment or string, is reported where it is rather than passed to C. */
static bool check_bytes(const SrcFile *f)
{
    const unsigned char *p = (const unsigned char *)f->text;
    for (size_t i = 0; i < f->len;) {
        if (p[i] == 0) {
            diag_error(srcpos_at(f, i), "NUL byte in SQL text");
            return false;
        }
        int n = utf8_length(p + i, f->len - i);
        if (n == 0) {
            diag_error(srcpos_at(f, i), "invalid UTF-8 (byte 0x%02x); SQL files must be UTF-8", p[i]);
            return false;
        }
        i += (size_t)n;
    }
    return true;
}

/* Where SQL is in text[start, end): calls mark(ctx, offset) for every byte
 * that is neither blank nor inside a comment ("--" to the end of the line,
 * block comments, which nest in PostgreSQL and may span lines), and
 * block(ctx, from, to) for each outermost block comment. Strings and
 * quoted names are followed, so a "--" or a slash-star inside one is SQL. */
static void find_sql_and_comments(const char *text, size_t start, size_t end, void (*mark)(void *ctx, size_t offset),
                                  void (*block)(void *ctx, size_t from, size_t to), void *ctx)
{
    int depth = 0;
    char quote = 0;
    size_t block_from = 0;
    for (size_t i = start; i < end; i++) {
        char c = text[i];
        char next = '\0';
        if (i + 1 < end)
            next = text[i + 1];
        if (quote) {
            mark(ctx, i);
            if (c == quote)
                quote = 0;
        } else if (depth > 0) {
            if (c == '*' && next == '/') {
                depth--;
                i++;
                if (depth == 0 && block)
                    block(ctx, block_from, i + 1);
            } else if (c == '/' && next == '*') {
                depth++;
                i++;
            }
        } else if (c == '-' && next == '-') {
            while (i + 1 < end && text[i + 1] != '\n')
                i++;
        } else if (c == '/' && next == '*') {
            depth = 1;
            block_from = i;
            i++;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            mark(ctx, i);
            if (c == '\'' || c == '"' || c == '`')
                quote = c;
        }
    }
    if (depth > 0 && block)
        block(ctx, block_from, end);
}

static void find_sql_bytes(const char *text, size_t start, size_t end, void (*mark)(void *ctx, size_t offset),
                           void *ctx)
{
    find_sql_and_comments(text, start, end, mark, NULL, ctx);
}

static void note_sql(void *ctx, size_t offset)
{
    (void)offset;
    *(bool *)ctx = true;
}

static bool blank_or_comments(const SrcFile *f, size_t start, size_t end)
{
    bool sql = false;
    find_sql_bytes(f->text, start, end, note_sql, &sql);
    return !sql;
}

SrcFile *source_read(Arena *arena, const char *path)
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
    /* A UTF-8 byte-order mark (Windows editors) reads as spaces, so byte
     * columns stay true. */
    if (sf->len >= 3 && memcmp(sf->text, "\xEF\xBB\xBF", 3) == 0)
        memset(sf->text, ' ', 3);
    return check_bytes(sf) ? sf : NULL;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The *.sql file names in dir, sorted bytewise so output never depends on
 * the file system's order. */
static PtrList *list_sql_files(Arena *arena, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        diag_error((SrcPos){0}, "cannot open directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    PtrList *names = ptrlist_new(arena);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && ends_with(e->d_name, ".sql"))
            ptrlist_push(arena, names, arena_strdup(arena, e->d_name));
    closedir(d);
    if (names->n > 1)
        qsort(names->items, (size_t)names->n, sizeof(void *), compare_names);
    return names;
}

/* A marker comment line: "-- +goose Up", "-- migrate:down"... Returns the
 * text after "--" with spaces skipped, or NULL when the line is not one. */
static const char *marker(const char *line, const char *end, const char *prefix)
{
    const char *p = line;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (end - p < 2 || p[0] != '-' || p[1] != '-')
        return NULL;
    p += 2;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    size_t n = strlen(prefix);
    return (size_t)(end - p) >= n && strncasecmp(p, prefix, n) == 0 ? p + n : NULL;
}

static bool word_at(const char *p, const char *end, const char *word)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    size_t n = strlen(word);
    if ((size_t)(end - p) < n || strncasecmp(p, word, n) != 0)
        return false;
    for (p += n; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r')
            return false;
    return true;
}

/* tern's one-line separator: what is above it is the up migration. */
static bool tern_separator(const char *line, const char *end)
{
    static const char sep[] = "---- create above / drop below ----";
    size_t n = sizeof sep - 1;
    return (size_t)(end - line) >= n && strncasecmp(line, sep, n) == 0;
}

/* The part of a migration that is applied: the whole file, or for goose
 * ("-- +goose Up" / "-- +goose Down"), sql-migrate ("-- +migrate Up" /
 * "-- +migrate Down") and dbmate ("-- migrate:up" / "-- migrate:down")
 * files the text between the up and down markers; for tern files what is
 * above "---- create above / drop below ----" (the markers sqlc knows). */
static bool find_up_section(Migration *m)
{
    const SrcFile *f = m->file;
    m->up_start = 0;
    m->up_end = f->len;
    m->up_line = 1;
    bool seen_up = false;
    int line = 1;
    for (size_t pos = 0; pos < f->len; line++) {
        const char *z = f->text + pos;
        const char *nl = memchr(z, '\n', f->len - pos);
        const char *end = nl ? nl : f->text + f->len;
        size_t next = nl ? (size_t)(nl - f->text) + 1 : f->len;
        const char *goose = marker(z, end, "+goose");
        const char *sql_migrate = marker(z, end, "+migrate");
        const char *dbmate = marker(z, end, "migrate:");
        bool up = (goose && word_at(goose, end, "up")) || (dbmate && word_at(dbmate, end, "up")) ||
                  (sql_migrate &&
                   (word_at(sql_migrate, end, "up") || word_at(sql_migrate, end, "up notransaction")));
        bool down = (goose && word_at(goose, end, "down")) || (dbmate && word_at(dbmate, end, "down")) ||
                    (sql_migrate &&
                     (word_at(sql_migrate, end, "down") || word_at(sql_migrate, end, "down notransaction")));
        if (tern_separator(z, end)) {
            m->up_end = pos;
            return true;
        }
        if (up) {
            if (seen_up) {
                diag_error((SrcPos){f, line, 1}, "a second up marker in one migration");
                return false;
            }
            seen_up = true;
            m->up_start = next;
            m->up_line = line + 1;
        } else if (down) {
            if (!seen_up) {
                diag_error((SrcPos){f, line, 1}, "down marker before the up marker");
                return false;
            }
            m->up_end = pos;
            return true;
        } else if (goose && !word_at(goose, end, "statementbegin") && !word_at(goose, end, "statementend") &&
                   !word_at(goose, end, "no transaction") && !word_at(goose, end, "envsub on") &&
                   !word_at(goose, end, "envsub off")) {
            diag_error((SrcPos){f, line, (int)(goose - z) - 5}, "unknown goose annotation");
            return false;
        } else if (sql_migrate && !word_at(sql_migrate, end, "statementbegin") &&
                   !word_at(sql_migrate, end, "statementend")) {
            diag_error((SrcPos){f, line, (int)(sql_migrate - z) - 7}, "unknown sql-migrate annotation");
            return false;
        }
        pos = next;
    }
    return true;
}

static int compare_migrations(const void *a, const void *b)
{
    const Migration *x = *(Migration *const *)a, *y = *(Migration *const *)b;
    return x->version < y->version ? -1 : x->version > y->version;
}

/* The version a sqlc-style migration file name carries: its leading
 * digits, whatever follows them ("0001.sql", "0001-init.up.sql",
 * "20240915191717-create table.sql", "01_init.sql"); -1 when it has none. */
static long long leading_version(const char *name)
{
    const char *p = name;
    while (isdigit((unsigned char)*p))
        p++;
    return p != name && p - name <= 18 ? strtoll(name, NULL, 10) : -1;
}

/* NNNN_name.sql (up to 18 digits): keel's own layout requires it */
static bool numbered_name(const char *name)
{
    const char *p = name;
    while (isdigit((unsigned char)*p))
        p++;
    return p != name && *p == '_' && p[1] != 0 && strcmp(p + 1, ".sql") != 0 && p - name <= 18;
}

/* version > 0: the version sqlc's reading gave the file; 0: its NNNN_
 * prefix is required and is the version. */
static bool add_migration_file(Arena *arena, DialectRepo *repo, const char *path, const char *name,
                               long long version)
{
    SrcFile *f = source_read(arena, path);
    if (!f)
        return false;
    if (version <= 0 && !numbered_name(name)) {
        diag_error((SrcPos){f, 1, 1}, "migration file name must look like NNNN_name.sql");
        return false;
    }
    Migration *m = arena_alloc(arena, sizeof *m);
    m->version = version > 0 ? version : strtoll(name, NULL, 10);
    m->name = arena_strdup(arena, name);
    m->file = f;
    if (!find_up_section(m))
        return false;
    /* a placeholder or squashed migration: it still counts as applied */
    if (blank_or_comments(f, m->up_start, m->up_end))
        diag_warning((SrcPos){f, m->up_line, 1}, "migration has no SQL; it is applied and recorded as it is");
    ptrlist_push(arena, repo->migrations, m);
    return true;
}

bool source_add_migrations(Arena *arena, DialectRepo *repo, const char *path)
{
    if (!dir_exists(path)) {
        const char *slash = strrchr(path, '/');
        return add_migration_file(arena, repo, path, slash ? slash + 1 : path, 0);
    }
    PtrList *names = list_sql_files(arena, path);
    if (!names)
        return false;
    bool ok = true;
    for (int i = 0; i < names->n; i++) {
        const char *name = names->items[i];
        if (!ends_with(name, ".down.sql"))
            ok = add_migration_file(arena, repo, arena_printf(arena, "%s/%s", path, name), name, 0) && ok;
    }
    return ok;
}

/* Where a file's first "-- name: X :cmd" (or block-comment) annotation
 * starts, or its length when it has none. */
static size_t first_annotation(const SrcFile *f)
{
    for (size_t i = 0; i < f->len;) {
        const char *p = f->text + i, *end = f->text + f->len;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p > 2 && (strncmp(p, "--", 2) == 0 || strncmp(p, "/*", 2) == 0)) {
            p += 2;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (end - p > 5 && strncmp(p, "name:", 5) == 0)
                return i;
        }
        const char *nl = memchr(f->text + i, '\n', f->len - i);
        i = nl ? (size_t)(nl - f->text) + 1 : f->len;
    }
    return f->len;
}

/* Whether a file holds "-- name: X :cmd" (or block-comment) annotations. */
static bool holds_annotated_queries(Arena *arena, const char *path)
{
    SrcFile *f = source_read(arena, path);
    return f && first_annotation(f) < f->len;
}

/* Whether the queries paths name file: itself or its folder. */
static bool named_by(const char *const *queries, const char *file)
{
    const char *slash = strrchr(file, '/');
    size_t dir_len = slash ? (size_t)(slash - file) : 0;
    for (const char *const *q = queries; q && *q; q++)
        if (strcmp(*q, file) == 0 || (slash && strlen(*q) == dir_len && strncmp(*q, file, dir_len) == 0))
            return true;
    return false;
}

bool source_add_schema_path(Arena *arena, DialectRepo *repo, const char *path, long long *place,
                            const char *const *queries)
{
    if (!dir_exists(path)) {
        /* a file named on its own takes its place in the list, or the
         * version its name starts with (0001.sql, 20240915191717-x.sql) */
        const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
        long long at = ++*place;
        int before = repo->migrations->n;
        if (!add_migration_file(arena, repo, path, name, leading_version(name) > 0 ? leading_version(name) : at))
            return false;
        /* one file named as both schema and queries (sqlc skips each side's
         * statements in the other): the schema is what precedes its first query */
        Migration *m = repo->migrations->n > before ? repo->migrations->items[before] : NULL;
        if (m && named_by(queries, path)) {
            size_t cut = first_annotation(m->file);
            if (cut < m->up_end)
                m->up_end = cut;
        }
        return true;
    }
    PtrList *names = list_sql_files(arena, path), *files = ptrlist_new(arena);
    if (!names)
        return false;
    /* sqlc applies a folder's *.sql files in name order, whatever they are
     * called. When every name starts with a number, that number is the
     * version (golang-migrate, goose, dbmate, sql-migrate, atlas);
     * otherwise the files are numbered in name order from *place. */
    bool all_numbered = true;
    const char *first_unnumbered = NULL;
    for (int i = 0; i < names->n; i++) {
        const char *name = names->items[i], *file = arena_printf(arena, "%s/%s", path, name);
        if (ends_with(name, ".down.sql"))
            continue;
        /* sqlc reads a folder that is both schema and queries twice: a
         * file of queries is schema only for the SQL before its first query */
        if (named_by(queries, file)) {
            const SrcFile *f = source_read(arena, file);
            size_t cut = f ? first_annotation(f) : 0;
            if (f && cut < f->len && blank_or_comments(f, 0, cut))
                continue;
        }
        ptrlist_push(arena, files, (void *)file);
        if (leading_version(name) <= 0 && !first_unnumbered)
            first_unnumbered = file;
        all_numbered &= leading_version(name) > 0;
    }
    bool ok = true;
    for (int i = 0; i < files->n; i++) {
        const char *file = files->items[i], *name = strrchr(file, '/') + 1;
        int before = repo->migrations->n;
        ok = add_migration_file(arena, repo, file, name, all_numbered ? leading_version(name) : ++*place) && ok;
        if (repo->migrations->n > before && named_by(queries, file)) {
            Migration *m = repo->migrations->items[before];
            size_t cut = first_annotation(m->file);
            if (cut < m->up_end)
                m->up_end = cut;
        }
        if (!all_numbered && leading_version(name) > 0 && first_unnumbered && repo->migrations->n > before) {
            Migration *m = repo->migrations->items[before];
            diag_warning((SrcPos){m->file, 1, 1},
                         "this folder mixes NNNN_ files with %s: its migrations are numbered 1, 2, ... in name order, "
                         "as sqlc reads them, not by their NNNN",
                         strrchr(first_unnumbered, '/') + 1);
            first_unnumbered = NULL; /* once */
        }
    }
    return ok;
}

bool source_sort_migrations(DialectRepo *repo)
{
    if (repo->migrations->n > 1)
        qsort(repo->migrations->items, (size_t)repo->migrations->n, sizeof(void *), compare_migrations);
    bool ok = true;
    for (int i = 1; i < repo->migrations->n; i++) {
        Migration *a = repo->migrations->items[i - 1], *b = repo->migrations->items[i];
        if (a->version == b->version) {
            diag_error((SrcPos){b->file, 1, 1}, "migration version %lld is used twice", b->version);
            diag_note((SrcPos){a->file, 1, 1}, "the other migration with version %lld", a->version);
            ok = false;
        }
    }
    return ok;
}

bool source_load_migrations(Arena *arena, DialectRepo *repo, const char *dir)
{
    bool ok = source_add_migrations(arena, repo, dir);
    return source_sort_migrations(repo) && ok;
}

const char *query_cmd_name(QueryCmd c)
{
    static const char *const names[] = {":one",       ":many",      ":exec",      ":execrows", ":execlastid",
                                        ":execresult", ":batchexec", ":batchone", ":batchmany", ":copyfrom"};
    return names[c];
}

bool query_cmd_returns_rows(QueryCmd c)
{
    return c == CMD_ONE || c == CMD_MANY || c == CMD_BATCHONE || c == CMD_BATCHMANY;
}

bool query_cmd_is_batch(QueryCmd c)
{
    return c == CMD_BATCHEXEC || c == CMD_BATCHONE || c == CMD_BATCHMANY || c == CMD_COPYFROM;
}

static bool parse_cmd(const char *z, size_t n, QueryCmd *out)
{
    for (QueryCmd c = CMD_ONE; c <= CMD_COPYFROM; c++)
        if (strlen(query_cmd_name(c)) == n && memcmp(query_cmd_name(c), z, n) == 0) {
            *out = c;
            return true;
        }
    return false;
}

typedef struct Line {
    const char *z;
    size_t start, len; /* byte offset and length without the newline */
    int number;
    bool sql;          /* holds SQL, not only blanks and comments */
    bool in_comment;   /* starts inside a block comment */
} Line;

typedef struct LineCursor {
    Line *lines;
    int n, at;
    int comment_at; /* comments come in text order: lines before this one are done */
} LineCursor;

/* Lines that start inside a block comment hold no annotation. */
static void mark_comment_lines(void *ctx, size_t from, size_t to)
{
    LineCursor *c = ctx;
    while (c->comment_at < c->n && c->lines[c->comment_at].start <= from)
        c->comment_at++;
    for (; c->comment_at < c->n && c->lines[c->comment_at].start < to; c->comment_at++)
        c->lines[c->comment_at].in_comment = true;
}

static void mark_sql_line(void *ctx, size_t offset)
{
    LineCursor *c = ctx;
    while (c->at + 1 < c->n && c->lines[c->at + 1].start <= offset)
        c->at++;
    c->lines[c->at].sql = true;
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

/* Recognises "-- name: X :cmd" and, as sqlc does, "/" "* name: X :cmd *" "/".
 * Returns 0 when the line is not an annotation, 1 when it is, -1 after
 * reporting a malformed one. */
static int parse_annotation(Arena *arena, const SrcFile *f, const Line *ln, Query *q)
{
    const char *end = ln->z + ln->len;
    const char *p = skip_space(ln->z, end);
    bool block = end - p >= 2 && p[0] == '/' && p[1] == '*';
    if (end - p < 2 || !(block || (p[0] == '-' && p[1] == '-')))
        return 0;
    p = skip_space(p + 2, end);
    if (end - p < 5 || strncmp(p, "name:", 5) != 0)
        return 0;
    const char *expect = "expected \"-- name: QueryName :one|:many|:exec|:execrows|:execresult|:execlastid|"
                         ":batchexec|:batchone|:batchmany|:copyfrom\"";
    if (block) {
        /* the comment closes on its line; the annotation is what it holds */
        const char *close = NULL;
        for (const char *c = p; c + 1 < end && !close; c++)
            if (c[0] == '*' && c[1] == '/')
                close = c;
        if (!close) {
            diag_error((SrcPos){f, ln->number, (int)(skip_space(ln->z, end) - ln->z) + 1},
                       "a block-comment annotation must end on its line with \"*/\"");
            return -1;
        }
        const char *after = skip_space(close + 2, end);
        if (after < end) {
            diag_error((SrcPos){f, ln->number, (int)(after - ln->z) + 1},
                       "unexpected text after the annotation's \"*/\"; start the SQL on the next line");
            return -1;
        }
        end = close;
    }
    p = skip_space(p + 5, end);
    const char *name = p;
    while (p < end && !isspace((unsigned char)*p))
        p++;
    SrcPos name_pos = {f, ln->number, (int)(name - ln->z) + 1};
    if (p == name || *name == ':') {
        diag_error(name_pos, "annotation without a query name; %s", expect);
        return -1;
    }
    for (const char *c = name; c < p; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_') || isdigit((unsigned char)*name)) {
            diag_error(name_pos, "query name \"%.*s\" is not an identifier (letters, digits, _)", (int)(p - name),
                       name);
            return -1;
        }
    const char *cmd = skip_space(p, end);
    const char *cmd_end = cmd;
    while (cmd_end < end && !isspace((unsigned char)*cmd_end))
        cmd_end++;
    SrcPos cmd_pos = {f, ln->number, (int)(cmd - ln->z) + 1};
    if (cmd == cmd_end) {
        diag_error(cmd_pos, "query %.*s has no command; %s", (int)(p - name), name, expect);
        return -1;
    }
    if (!parse_cmd(cmd, (size_t)(cmd_end - cmd), &q->cmd)) {
        diag_error(cmd_pos, "unknown query command \"%.*s\"; %s", (int)(cmd_end - cmd), cmd, expect);
        return -1;
    }
    const char *rest = skip_space(cmd_end, end);
    if (rest < end) {
        diag_error((SrcPos){f, ln->number, (int)(rest - ln->z) + 1}, "unexpected text after the query command; %s",
                   expect);
        return -1;
    }
    q->name = arena_strndup(arena, name, (size_t)(p - name));
    q->pos = name_pos;
    return 1;
}

static bool line_is_blank(const Line *ln)
{
    const char *end = ln->z + ln->len;
    return skip_space(ln->z, end) == end;
}

static bool line_is_comment(const Line *ln)
{
    const char *end = ln->z + ln->len;
    const char *p = skip_space(ln->z, end);
    return end - p >= 2 && p[0] == '-' && p[1] == '-';
}

static void finish_block(Arena *arena, DialectRepo *repo, Query *q, const Line *lines, int first, int last,
                         int n_lines, bool *ok)
{
    StrBuf doc = {0};
    int i = first;
    for (; i < last; i++) {
        if (line_is_blank(&lines[i]) && doc.len == 0)
            continue;
        if (!line_is_comment(&lines[i]))
            break;
        const char *end = lines[i].z + lines[i].len;
        const char *p = skip_space(lines[i].z, end) + 2;
        if (p < end && *p == ' ')
            p++;
        size_t n = (size_t)(end - p);
        while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
            n--;
        sb_putn(&doc, p, n);
        sb_putc(&doc, '\n');
    }
    q->doc = arena_strdup(arena, doc.s ? doc.s : "");
    sb_free(&doc);
    int sql_first = i;
    int sql_last = last;
    while (sql_last > sql_first && !lines[sql_last - 1].sql)
        sql_last--;
    if (sql_first >= sql_last && last == n_lines) {
        /* the file's last annotation, its SQL commented out: sqlc finds no
         * statement for it and leaves it out */
        diag_warning(q->pos, "query %s has no SQL; it is left out, as sqlc leaves it out", q->name);
        return;
    }
    if (sql_first >= sql_last) {
        diag_error(q->pos, "query %s has no SQL", q->name);
        *ok = false;
        return;
    }
    q->sql_start = lines[sql_first].start;
    q->sql_end = lines[sql_last - 1].start + lines[sql_last - 1].len;
    q->sql_pos = (SrcPos){q->file, lines[sql_first].number, 1};
    q->dialect = repo->dialect;
    ptrlist_push(arena, repo->queries, q);
}

/* schema_too: the file is named as schema as well; the SQL before its
 * first query is that schema, not a query. */
static bool load_query_file(Arena *arena, DialectRepo *repo, const SrcFile *f, bool schema_too)
{
    int n_lines = 0, cap = 64;
    Line *lines = xmalloc((size_t)cap * sizeof *lines);
    for (size_t pos = 0, number = 1; pos <= f->len; number++) {
        const char *nl = memchr(f->text + pos, '\n', f->len - pos);
        size_t len = nl ? (size_t)(nl - (f->text + pos)) : f->len - pos;
        if (n_lines == cap) {
            cap *= 2;
            lines = xrealloc(lines, (size_t)cap * sizeof *lines);
        }
        lines[n_lines++] = (Line){f->text + pos, pos, len, (int)number, false, false};
        pos += len + 1;
        if (!nl)
            break;
    }
    LineCursor cursor = {lines, n_lines, 0, 0};
    find_sql_and_comments(f->text, 0, f->len, mark_sql_line, mark_comment_lines, &cursor);
    bool ok = true;
    Query *current = NULL;
    int block_first = 0;
    bool skipping = false;
    bool saw_annotation = false;
    PtrList *unnamed = ptrlist_new(arena); /* of SrcPos*: SQL no annotation names */
    for (int i = 0; i < n_lines; i++) {
        Query q = {0};
        q.file = f;
        int r = lines[i].in_comment ? 0 : parse_annotation(arena, f, &lines[i], &q);
        if (r < 0) {
            /* the block's SQL belongs to the broken annotation: one error */
            if (current)
                finish_block(arena, repo, current, lines, block_first, i, n_lines, &ok);
            current = NULL;
            skipping = true;
            ok = false;
            continue;
        }
        if (r == 1) {
            saw_annotation = true;
            if (current)
                finish_block(arena, repo, current, lines, block_first, i, n_lines, &ok);
            current = arena_alloc(arena, sizeof *current);
            *current = q;
            block_first = i + 1;
            skipping = false;
            continue;
        }
        if (!current && !skipping && lines[i].sql && !(schema_too && !saw_annotation)) {
            /* SQL before the file's first query: sqlc generates nothing
             * for a statement without a name, and neither does keel */
            const char *p = skip_space(lines[i].z, lines[i].z + lines[i].len);
            SrcPos *at = arena_alloc(arena, sizeof *at);
            *at = (SrcPos){f, lines[i].number, (int)(p - lines[i].z) + 1};
            ptrlist_push(arena, unnamed, at);
            /* one report per block of lines */
            while (i + 1 < n_lines && !line_is_blank(&lines[i + 1]))
                i++;
        }
    }
    if (current)
        finish_block(arena, repo, current, lines, block_first, n_lines, n_lines, &ok);
    /* in a file without a query, the error below says it all */
    for (int i = 0; saw_annotation && i < unnamed->n; i++)
        diag_warning(*(SrcPos *)unnamed->items[i],
                     "no \"-- name: QueryName :cmd\" before this SQL: it is left out, as sqlc leaves out unnamed "
                     "statements");
    /* a file named as schema too may hold none: it is then only schema,
     * whose statements sqlc skips on the query side */
    if (ok && !saw_annotation && !schema_too) {
        diag_error((SrcPos){f, 1, 1}, "no queries in this file; start each with \"-- name: QueryName :cmd\"");
        ok = false;
    }
    free(lines);
    return ok;
}

bool source_load_queries(Arena *arena, DialectRepo *repo, const char *dir)
{
    return source_load_query_path(arena, repo, dir, NULL);
}

bool source_load_query_path(Arena *arena, DialectRepo *repo, const char *dir, const char *const *schema)
{
    if (!dir_exists(dir)) {
        SrcFile *f = source_read(arena, dir);
        return f && load_query_file(arena, repo, f, schema && named_by(schema, dir));
    }
    PtrList *names = list_sql_files(arena, dir);
    if (!names)
        return false;
    bool ok = true;
    for (int i = 0; i < names->n; i++) {
        const char *path = arena_printf(arena, "%s/%s", dir, (char *)names->items[i]);
        /* the schema's file in a folder that is both (sqlc skips its
         * statements: none has a name) */
        if (schema && named_by(schema, path) && !holds_annotated_queries(arena, path))
            continue;
        SrcFile *f = source_read(arena, path);
        if (!f) {
            ok = false;
            continue;
        }
        ok = load_query_file(arena, repo, f, schema && named_by(schema, path)) && ok;
    }
    return ok;
}
