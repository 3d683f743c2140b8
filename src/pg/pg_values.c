/*
 * pg_values.c — PostgreSQL's binary values (network byte order): the types
 * keel sends and reads in binary, their decoding, and the text PostgreSQL
 * would have sent instead, for reads that ask for text.
 */
#include "pg/pg_engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
