/*
 * keel_values.c — value conversions of the statement API: decimal integers
 * without the C library's locale-aware printf/strtoll on the hot path,
 * PostgreSQL binary values (network byte order) and their text forms, and
 * the text of list parameters.
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

/* The OIDs of PostgreSQL's built-in types are fixed by its catalog. */
keel_pg_kind keel_pg_kind_of(unsigned oid)
{
    switch (oid) {
    case 16: return KEEL_PG_BOOL;
    case 17: return KEEL_PG_BYTEA;
    case 19:   /* name */
    case 25:   /* text */
    case 114:  /* json: its binary form is its text */
    case 1042: /* bpchar */
    case 1043: /* varchar */
        return KEEL_PG_TEXT;
    case 20: return KEEL_PG_INT8;
    case 21: return KEEL_PG_INT2;
    case 23: return KEEL_PG_INT4;
    case 26: return KEEL_PG_OID;
    case 701: return KEEL_PG_FLOAT8;
    case 2950: return KEEL_PG_UUID;
    /* float4, numeric, dates and times, arrays, enums, "char" (whose text
     * escapes high bytes)...: text results */
    default: return KEEL_PG_OTHER;
    }
}

uint64_t keel_get_be(const char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | (unsigned char)p[i];
    return v;
}

void keel_put_be(char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (char)(v & 0xff);
}

int64_t keel_pg_binary_int(keel_pg_kind kind, const char *v)
{
    switch (kind) {
    case KEEL_PG_BOOL: return v[0] != 0;
    case KEEL_PG_INT2: return (int16_t)keel_get_be(v, 2);
    case KEEL_PG_INT4: return (int32_t)keel_get_be(v, 4);
    case KEEL_PG_OID: return (int64_t)(uint32_t)keel_get_be(v, 4);
    case KEEL_PG_INT8: return (int64_t)keel_get_be(v, 8);
    default: return 0;
    }
}

double keel_pg_binary_float(const char *v)
{
    uint64_t bits = keel_get_be(v, 8);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/*
 * What PostgreSQL prints for a float8 (extra_float_digits 1, the default
 * since 12): the fewest significant digits that read back as the same
 * value, in fixed notation for decimal exponents -4..14, else as d.ddde+XX.
 */
static size_t pg_float8_text(char *buf, size_t size, double d)
{
    if (isnan(d))
        return (size_t)snprintf(buf, size, "NaN");
    if (isinf(d))
        return (size_t)snprintf(buf, size, d > 0 ? "Infinity" : "-Infinity");
    if (d == 0)
        return (size_t)snprintf(buf, size, signbit(d) ? "-0" : "0");
    int digits = 17;
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, size, "%.*e", p - 1, d);
        if (strtod(buf, NULL) == d) {
            digits = p;
            break;
        }
    }
    snprintf(buf, size, "%.*e", digits - 1, d);
    int exponent = atoi(strchr(buf, 'e') + 1);
    int n;
    if (exponent >= -4 && exponent < 15)
        n = snprintf(buf, size, "%.*f", digits - 1 - exponent > 0 ? digits - 1 - exponent : 0, d);
    else
        n = snprintf(buf, size, "%.*e", digits - 1, d);
    return n > 0 ? (size_t)n : 0;
}

size_t keel_pg_binary_to_text(keel_pg_kind kind, const char *v, char *buf, size_t size)
{
    switch (kind) {
    case KEEL_PG_BOOL:
        return (size_t)snprintf(buf, size, "%s", v[0] ? "t" : "f");
    case KEEL_PG_INT2:
    case KEEL_PG_INT4:
    case KEEL_PG_INT8:
    case KEEL_PG_OID:
        return keel_format_int64(buf, keel_pg_binary_int(kind, v));
    case KEEL_PG_FLOAT8:
        return pg_float8_text(buf, size, keel_pg_binary_float(v));
    case KEEL_PG_UUID: {
        static const char hex[] = "0123456789abcdef";
        size_t n = 0;
        for (int i = 0; i < 16 && n + 3 < size; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                buf[n++] = '-';
            buf[n++] = hex[(unsigned char)v[i] >> 4];
            buf[n++] = hex[(unsigned char)v[i] & 15];
        }
        buf[n] = '\0';
        return n;
    }
    default:
        buf[0] = '\0';
        return 0;
    }
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
