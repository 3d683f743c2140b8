/*
 * PostgreSQL arrays as keel lists: reading a one-dimensional array column
 * from its text form ({1,2,3}, {"a b",NULL,"c\"d"}) into a list held in the
 * caller's arena; on SQLite, which has no arrays, the same lists from a
 * JSON array in a text column (a column declared T[]: what keel binds). Lists are bound by keel_stmt.c (the same array literal
 * serves = ANY($n) and an array parameter).
 *
 * The text form (PostgreSQL's manual, "Array Value Input"): items between
 * braces separated by commas; an item is double-quoted when it is empty,
 * holds a brace, comma, quote, backslash or space, or is the word NULL; a
 * backslash escapes the next byte; an unquoted NULL is SQL NULL. A lower
 * bound other than 1 is written in front: [0:2]={1,2,3}.
 */
#include "keel_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct array_cursor {
    const char *p, *end;
    bool first;
    bool json; /* SQLite: a JSON array in a text column */
    char *buf; /* one unescaped item; as long as the whole literal */
} array_cursor;

enum { ITEM = 1, END = 0, MALFORMED = -1, NESTED = -2 };

static void skip_space(array_cursor *c);

static int array_open(array_cursor *c, const char *s, size_t n, bool json)
{
    c->p = s;
    c->end = s + n;
    c->first = true;
    c->json = json;
    c->buf = NULL;
    if (json) {
        skip_space(c);
        if (c->p >= c->end || *c->p != '[')
            return MALFORMED;
        c->p++;
        c->buf = malloc(n + 1);
        return c->buf ? ITEM : MALFORMED;
    }
    if (c->p < c->end && *c->p == '[') {
        const char *eq = memchr(c->p, '=', n);
        if (!eq)
            return MALFORMED;
        c->p = eq + 1;
    }
    if (c->p >= c->end || *c->p != '{')
        return MALFORMED;
    c->p++;
    c->buf = malloc(n + 1);
    return c->buf ? ITEM : MALFORMED;
}

static void skip_space(array_cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool hex4(array_cursor *c, unsigned *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++, c->p++) {
        if (c->p >= c->end)
            return false;
        char h = *c->p;
        unsigned d = h >= '0' && h <= '9' ? (unsigned)(h - '0')
                     : h >= 'a' && h <= 'f' ? (unsigned)(h - 'a' + 10)
                     : h >= 'A' && h <= 'F' ? (unsigned)(h - 'A' + 10)
                                            : 16;
        if (d == 16)
            return false;
        *out = *out * 16 + d;
    }
    return true;
}

static size_t utf8_put(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A JSON string's escape after the backslash, into c->buf at *n. */
static bool json_escape(array_cursor *c, size_t *n)
{
    if (c->p >= c->end)
        return false;
    char e = *c->p++;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = e ? strchr(from, e) : NULL;
    if (hit) {
        c->buf[(*n)++] = to[hit - from];
        return true;
    }
    unsigned cp;
    if (e != 'u' || !hex4(c, &cp))
        return false;
    if (cp >= 0xD800 && cp < 0xDC00) { /* a surrogate pair: \uD83D\uDE00 */
        unsigned low;
        if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
            return false;
        c->p += 2;
        if (!hex4(c, &low) || low < 0xDC00 || low > 0xDFFF)
            return false;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return false;
    }
    *n += utf8_put(c->buf + *n, cp);
    return true;
}

/* The next item of a JSON array: a string unescaped, a number, true,
 * false or null as written. */
static int json_next(array_cursor *c, size_t *len, bool *null)
{
    skip_space(c);
    if (c->p >= c->end)
        return MALFORMED;
    if (*c->p == ']' && c->first) {
        c->p++;
        return END;
    }
    if (!c->first) {
        if (*c->p == ']') {
            c->p++;
            return END;
        }
        if (*c->p != ',')
            return MALFORMED;
        c->p++;
        skip_space(c);
    }
    c->first = false;
    if (c->p >= c->end)
        return MALFORMED;
    if (*c->p == '[' || *c->p == '{')
        return NESTED;
    size_t n = 0;
    *null = false;
    if (*c->p == '"') {
        c->p++;
        for (;;) {
            if (c->p >= c->end)
                return MALFORMED;
            char ch = *c->p++;
            if (ch == '"')
                break;
            if (ch == '\\') {
                if (!json_escape(c, &n))
                    return MALFORMED;
            } else {
                c->buf[n++] = ch;
            }
        }
    } else {
        while (c->p < c->end && *c->p != ',' && *c->p != ']' && *c->p != ' ' && *c->p != '\t' && *c->p != '\n' &&
               *c->p != '\r')
            c->buf[n++] = *c->p++;
        if (n == 0)
            return MALFORMED;
        *null = n == 4 && memcmp(c->buf, "null", 4) == 0;
    }
    c->buf[n] = 0;
    *len = n;
    return ITEM;
}

/* The next item, unescaped into c->buf: ITEM, END, MALFORMED or NESTED. */
static int array_next(array_cursor *c, size_t *len, bool *null)
{
    if (c->json)
        return json_next(c, len, null);
    skip_space(c);
    if (c->p >= c->end)
        return MALFORMED;
    if (c->first && *c->p == '}') {
        c->p++;
        return END;
    }
    if (!c->first) {
        if (*c->p == '}') {
            c->p++;
            return END;
        }
        if (*c->p != ',')
            return MALFORMED;
        c->p++;
        skip_space(c);
    }
    c->first = false;
    if (c->p >= c->end)
        return MALFORMED;
    if (*c->p == '{')
        return NESTED;
    size_t n = 0;
    *null = false;
    if (*c->p == '"') {
        c->p++;
        for (;;) {
            if (c->p >= c->end)
                return MALFORMED;
            char ch = *c->p++;
            if (ch == '"')
                break;
            if (ch == '\\') {
                if (c->p >= c->end)
                    return MALFORMED;
                ch = *c->p++;
            }
            c->buf[n++] = ch;
        }
    } else {
        while (c->p < c->end && *c->p != ',' && *c->p != '}') {
            char ch = *c->p++;
            if (ch == '\\') {
                if (c->p >= c->end)
                    return MALFORMED;
                ch = *c->p++;
            } else if (ch == '{' || ch == '"') {
                return MALFORMED;
            }
            c->buf[n++] = ch;
        }
        while (n > 0 && (c->buf[n - 1] == ' ' || c->buf[n - 1] == '\t'))
            n--;
        if (n == 0)
            return MALFORMED;
        *null = n == 4 && strncasecmp(c->buf, "NULL", 4) == 0;
    }
    c->buf[n] = 0;
    *len = n;
    return ITEM;
}

typedef enum elem_kind { ELEM_INT64, ELEM_DOUBLE, ELEM_BOOL, ELEM_TEXT } elem_kind;

static const char *elem_name(elem_kind k)
{
    return k == ELEM_INT64 ? "int64" : k == ELEM_DOUBLE ? "double" : k == ELEM_BOOL ? "bool" : "text";
}

static size_t elem_size(elem_kind k)
{
    return k == ELEM_INT64 ? sizeof(int64_t) : k == ELEM_DOUBLE ? sizeof(double) : k == ELEM_BOOL ? sizeof(bool)
                                                                                                   : sizeof(char *);
}

/* One item into slot k of items; KEEL_OK or an error reported on st. */
static int convert(keel_stmt *st, int col, keel_arena *arena, elem_kind kind, void *items, size_t k, const char *s,
                   size_t len, bool null)
{
    if (null) {
        if (kind == ELEM_TEXT) {
            ((const char **)items)[k] = NULL;
            return KEEL_OK;
        }
        return keel_stmt_fail(st, KEEL_ERROR, "column %d: element %zu of the array is NULL, which a keel %s list cannot hold",
                              col, k + 1, elem_name(kind));
    }
    char *end = NULL;
    errno = 0;
    switch (kind) {
    case ELEM_INT64: {
        long long v = strtoll(s, &end, 10);
        if (errno || end != s + len || len == 0)
            break;
        ((int64_t *)items)[k] = (int64_t)v;
        return KEEL_OK;
    }
    case ELEM_DOUBLE: {
        double v = strtod(s, &end);
        if ((errno && !(errno == ERANGE && v == 0)) || end != s + len || len == 0)
            break;
        ((double *)items)[k] = v;
        return KEEL_OK;
    }
    case ELEM_BOOL:
        /* t/f from PostgreSQL; true/false or 1/0 in JSON (keel binds 1/0) */
        if (strcmp(s, "t") == 0 || strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
            ((bool *)items)[k] = true;
        else if (strcmp(s, "f") == 0 || strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
            ((bool *)items)[k] = false;
        else
            break;
        return KEEL_OK;
    case ELEM_TEXT: {
        char *copy = keel_arena_strndup(arena, s, len);
        if (!copy)
            return keel_stmt_fail(st, KEEL_NOMEM, "out of memory reading an array");
        ((const char **)items)[k] = copy;
        return KEEL_OK;
    }
    }
    return keel_stmt_fail(st, KEEL_ERROR, "column %d: element %zu of the array (\"%.40s\") is not a %s", col, k + 1, s,
                          elem_name(kind));
}

/* Reads the array in column col into a list in arena: *items NULL for a
 * NULL array. */
static int read_array(keel_stmt *st, int col, keel_arena *arena, elem_kind kind, const void **items, size_t *count)
{
    *items = NULL;
    *count = 0;
    if (st == NULL || arena == NULL)
        return KEEL_MISUSE;
    bool json = st->engine->lists_as_json;
    size_t n = 0;
    const char *text = keel_column_text(st, col, &n);
    if (text == NULL)
        return KEEL_OK;
    /* pass 1 counts, pass 2 converts into an array of that size */
    array_cursor c;
    size_t total = 0, len = 0;
    bool null = false;
    int r = array_open(&c, text, n, json);
    while (r == ITEM && (r = array_next(&c, &len, &null)) == ITEM)
        total++;
    free(c.buf);
    if (r == NESTED)
        return keel_stmt_fail(st, KEEL_ERROR, "column %d: a multi-dimensional array; keel lists have one dimension", col);
    if (r != END)
        return keel_stmt_fail(st, KEEL_ERROR, "column %d: not an array literal: \"%.40s\"", col, text);
    void *out = keel_arena_alloc(arena, total ? total * elem_size(kind) : 1);
    if (!out)
        return keel_stmt_fail(st, KEEL_NOMEM, "out of memory reading an array");
    if (array_open(&c, text, n, json) != ITEM) {
        free(c.buf);
        return keel_stmt_fail(st, KEEL_NOMEM, "out of memory reading an array");
    }
    int rc = KEEL_OK;
    for (size_t k = 0; rc == KEEL_OK && k < total; k++) {
        r = array_next(&c, &len, &null);
        rc = r == ITEM ? convert(st, col, arena, kind, out, k, c.buf, len, null) : KEEL_ERROR;
    }
    free(c.buf);
    if (rc != KEEL_OK)
        return rc;
    *items = out;
    *count = total;
    return KEEL_OK;
}

int keel_column_int64_list(keel_stmt *st, int col, keel_arena *arena, keel_int64_list *out)
{
    const void *items;
    int rc = read_array(st, col, arena, ELEM_INT64, &items, &out->count);
    out->items = items;
    return rc;
}

int keel_column_double_list(keel_stmt *st, int col, keel_arena *arena, keel_double_list *out)
{
    const void *items;
    int rc = read_array(st, col, arena, ELEM_DOUBLE, &items, &out->count);
    out->items = items;
    return rc;
}

int keel_column_bool_list(keel_stmt *st, int col, keel_arena *arena, keel_bool_list *out)
{
    const void *items;
    int rc = read_array(st, col, arena, ELEM_BOOL, &items, &out->count);
    out->items = items;
    return rc;
}

int keel_column_text_list(keel_stmt *st, int col, keel_arena *arena, keel_text_list *out)
{
    const void *items;
    int rc = read_array(st, col, arena, ELEM_TEXT, &items, &out->count);
    out->items = items;
    return rc;
}
