/*
 * keel_values.c — value conversions of the statement API: decimal integers
 * without the C library's locale-aware printf/strtoll on the hot path, and
 * the text of list parameters (PostgreSQL's binary values: pg/pg_values.c).
 */
#include "keel_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t keel_format_int64(char *buf, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    /* Unsigned magnitude: -INT64_MIN does not fit an int64. */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

int64_t keel_parse_int64(const char *s)
{
    const char *p = s;
    bool negative = *p == '-';
    if (negative)
        p++;
    if (*p < '0' || *p > '9')
        return strtoll(s, NULL, 10); /* spaces, '+', no digits: the library's rules */
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t u = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (u > (limit - d) / 10) /* saturate, as strtoll does */
            return negative ? INT64_MIN : INT64_MAX;
        u = u * 10 + d;
    }
    return negative ? (int64_t)(0 - u) : (int64_t)u;
}

/* ---------------------------------------------------------------------------
 * Growable text, for list parameters. The buffer belongs to the statement
 * and is reused by its next call.
 * ------------------------------------------------------------------------- */
void keel_buf_put(keel_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->s, cap);
        if (grown == NULL) {
            b->failed = true;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void keel_buf_putc(keel_buf *b, char c) { keel_buf_put(b, &c, 1); }

/* One text item: a JSON string for SQLite, a quoted array element for
 * PostgreSQL (backslash and double quote escaped in both). */
static void buf_quote(keel_buf *b, const char *s, bool json)
{
    keel_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            keel_buf_putc(b, '\\');
            keel_buf_putc(b, (char)*p);
        } else if (json && *p < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            keel_buf_put(b, esc, 6);
        } else {
            keel_buf_putc(b, (char)*p);
        }
    }
    keel_buf_putc(b, '"');
}

void keel_list_int64(keel_buf *b, const int64_t *items, size_t count, bool json)
{
    keel_buf_putc(b, json ? '[' : '{');
    for (size_t k = 0; k < count; k++) {
        char num[24];
        if (k)
            keel_buf_putc(b, ',');
        keel_buf_put(b, num, keel_format_int64(num, items[k]));
    }
    keel_buf_putc(b, json ? ']' : '}');
}

bool keel_list_double(keel_buf *b, const double *items, size_t count, bool json, size_t *bad)
{
    keel_buf_putc(b, json ? '[' : '{');
    for (size_t k = 0; k < count; k++) {
        if (!isfinite(items[k])) {
            *bad = k;
            return false;
        }
        char num[40];
        int n = snprintf(num, sizeof num, "%s%.17g", k ? "," : "", items[k]);
        keel_buf_put(b, num, n > 0 ? (size_t)n : 0);
    }
    keel_buf_putc(b, json ? ']' : '}');
    return true;
}

void keel_list_text(keel_buf *b, const char *const *items, size_t count, bool json)
{
    keel_buf_putc(b, json ? '[' : '{');
    for (size_t k = 0; k < count; k++) {
        if (k)
            keel_buf_putc(b, ',');
        if (items[k] == NULL)
            keel_buf_put(b, json ? "null" : "NULL", 4);
        else
            buf_quote(b, items[k], json);
    }
    keel_buf_putc(b, json ? ']' : '}');
}
