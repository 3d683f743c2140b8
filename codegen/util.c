#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("keel: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("keel: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

typedef struct ArenaBlock {
    struct ArenaBlock *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
} ArenaBlock;

struct Arena {
    ArenaBlock *head;
};

Arena *arena_new(void)
{
    Arena *a = xmalloc(sizeof *a);
    a->head = NULL;
    return a;
}

void arena_destroy(Arena *a)
{
    if (!a)
        return;
    for (ArenaBlock *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

void *arena_alloc(Arena *a, size_t size)
{
    const size_t align = _Alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    ArenaBlock *b = a->head;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > (size_t)64 * 1024 ? size : (size_t)64 * 1024;
        b = xmalloc(sizeof *b + cap);
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (n) /* s may be NULL for an empty span, and memcpy's pointers must not be */
        memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(Arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(Arena *a, const char *fmt, ...)
{
    StrBuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    char *s = arena_strndup(a, b.s ? b.s : "", b.len);
    sb_free(&b);
    return s;
}

PtrList *ptrlist_new(Arena *a) { return arena_alloc(a, sizeof(PtrList)); }

void ptrlist_push(Arena *a, PtrList *l, void *item)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        void **items = arena_alloc(a, (size_t)cap * sizeof *items);
        if (l->n)
            memcpy(items, l->items, (size_t)l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = item;
    l->changes++;
}

void ptrlist_remove(PtrList *l, int index)
{
    memmove(&l->items[index], &l->items[index + 1], (size_t)(l->n - index - 1) * sizeof l->items[0]);
    l->n--;
    l->changes++;
}

/* ------------------------------------------------------------- StrMap */

/* Open addressing with linear probing; at most half full. */
typedef struct StrMapSlot {
    const char *key; /* NULL: empty */
    unsigned hash;
    int value;
} StrMapSlot;

struct StrMap {
    Arena *arena;
    StrMapSlot *slots;
    unsigned mask; /* capacity - 1, a power of two */
    int count;
};

static unsigned str_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void strmap_alloc_slots(StrMap *m, unsigned capacity)
{
    m->slots = arena_alloc(m->arena, sizeof(StrMapSlot) * capacity);
    m->mask = capacity - 1;
    m->count = 0;
}

StrMap *strmap_new(Arena *a, int expected)
{
    StrMap *m = arena_alloc(a, sizeof *m);
    m->arena = a;
    unsigned capacity = 16;
    while (expected > 0 && capacity < (unsigned)expected * 2)
        capacity *= 2;
    strmap_alloc_slots(m, capacity);
    return m;
}

static StrMapSlot *strmap_slot(const StrMap *m, const char *key, unsigned hash)
{
    for (unsigned i = hash & m->mask;; i = (i + 1) & m->mask) {
        StrMapSlot *s = &m->slots[i];
        if (!s->key || (s->hash == hash && strcmp(s->key, key) == 0))
            return s;
    }
}

int strmap_get(const StrMap *m, const char *key)
{
    const StrMapSlot *s = strmap_slot(m, key, str_hash(key));
    return s->key ? s->value : -1;
}

int strmap_add(StrMap *m, const char *key, int value)
{
    unsigned hash = str_hash(key);
    StrMapSlot *s = strmap_slot(m, key, hash);
    if (s->key)
        return s->value;
    if ((unsigned)(m->count + 1) * 2 > m->mask + 1) {
        /* the old slots stay in the arena: doubling keeps that garbage
         * below the live size */
        StrMapSlot *old = m->slots;
        unsigned old_capacity = m->mask + 1;
        strmap_alloc_slots(m, old_capacity * 2);
        for (unsigned i = 0; i < old_capacity; i++)
            if (old[i].key) {
                *strmap_slot(m, old[i].key, old[i].hash) = old[i];
                m->count++;
            }
        s = strmap_slot(m, key, hash);
    }
    s->key = key;
    s->hash = hash;
    s->value = value;
    m->count++;
    return -1;
}

void strmap_clear(StrMap *m)
{
    memset(m->slots, 0, sizeof(StrMapSlot) * (m->mask + 1));
    m->count = 0;
}

/* ---------------------------------------------------------- NameIndex */

struct NameIndex {
    Arena *arena;
    ItemName name_of;
    StrMap *first;      /* name -> its first position */
    int *next, *last;   /* per position: the next one of the same name (-1: none); the chain's
                         * last, kept on the chain's first position */
    int cap;
    const PtrList *list; /* the list indexed, as it was: */
    unsigned changes;
    int n;
};

NameIndex *name_index_new(Arena *a, ItemName name_of)
{
    NameIndex *ix = arena_alloc(a, sizeof *ix);
    ix->arena = a;
    ix->name_of = name_of;
    ix->first = strmap_new(a, 0);
    return ix;
}

void name_index_forget(NameIndex *ix) { ix->list = NULL; }

static void name_index_add(NameIndex *ix, int pos)
{
    if (pos >= ix->cap) {
        int cap = ix->cap ? ix->cap * 2 : 64;
        while (cap <= pos)
            cap *= 2;
        int *next = arena_alloc(ix->arena, sizeof(int) * (size_t)cap);
        int *last = arena_alloc(ix->arena, sizeof(int) * (size_t)cap);
        if (ix->cap) {
            memcpy(next, ix->next, sizeof(int) * (size_t)ix->cap);
            memcpy(last, ix->last, sizeof(int) * (size_t)ix->cap);
        }
        ix->next = next;
        ix->last = last;
        ix->cap = cap;
    }
    ix->next[pos] = -1;
    ix->last[pos] = pos;
    int head = strmap_add(ix->first, ix->name_of(ix->list->items[pos]), pos);
    if (head >= 0) {
        ix->next[ix->last[head]] = pos;
        ix->last[head] = pos;
    }
}

/* Brings the index up to date with list: pushes since the last look are
 * added; anything else (a removal, another list) rebuilds it. */
static void name_index_sync(NameIndex *ix, const PtrList *list)
{
    unsigned pushed = (unsigned)(list->n - ix->n);
    if (ix->list != list || list->n < ix->n || list->changes - ix->changes != pushed) {
        strmap_clear(ix->first);
        ix->list = list;
        ix->n = 0;
    }
    for (; ix->n < list->n; ix->n++)
        name_index_add(ix, ix->n);
    ix->changes = list->changes;
}

/* From position pos of the chain on: the first item still named name. */
static void *name_index_walk(NameIndex *ix, const char *name, int pos, int *cursor)
{
    for (; pos >= 0; pos = ix->next[pos]) {
        void *item = ix->list->items[pos];
        if (strcmp(ix->name_of(item), name) == 0) {
            *cursor = pos;
            return item;
        }
    }
    *cursor = -1;
    return NULL;
}

/* KEEL_VERIFY_NAME_INDEX: the answer a linear scan from position from gives, or abort. */
static void *verified(const NameIndex *ix, const PtrList *list, const char *name, int from, void *found)
{
#ifdef KEEL_VERIFY_NAME_INDEX
    void *expected = NULL;
    for (int i = from; i < list->n && !expected; i++)
        if (strcmp(ix->name_of(list->items[i]), name) == 0)
            expected = list->items[i];
    if (expected != found) {
        fprintf(stderr, "keel: internal error: the name index disagrees with its list on \"%s\" "
                        "(an item renamed in place without name_index_forget?)\n", name);
        abort();
    }
#else
    (void)ix, (void)list, (void)name, (void)from;
#endif
    return found;
}

void *name_index_first(NameIndex *ix, const PtrList *list, const char *name, int *cursor)
{
    name_index_sync(ix, list);
    void *found = name_index_walk(ix, name, strmap_get(ix->first, name), cursor);
    return verified(ix, list, name, 0, found);
}

void *name_index_next(NameIndex *ix, const PtrList *list, const char *name, int *cursor)
{
    if (*cursor < 0 || ix->list != list || *cursor >= ix->n)
        return NULL;
    int from = *cursor + 1;
    void *found = name_index_walk(ix, name, ix->next[*cursor], cursor);
    return verified(ix, list, name, from, found);
}

static void sb_reserve(StrBuf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + extra + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
}

void sb_putn(StrBuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void sb_putc(StrBuf *b, char c) { sb_putn(b, &c, 1); }
void sb_puts(StrBuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

void sb_vprintf(StrBuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    sb_reserve(b, (size_t)n);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sb_printf(StrBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

char *sb_take(StrBuf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sb_free(StrBuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

bool str_ieq_n(const char *a, size_t n, const char *b)
{
    return strlen(b) == n && strncasecmp(a, b, n) == 0;
}

bool str_ieq(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

/* Length of the UTF-8 sequence at p (1..4), or 0 when it is malformed:
 * overlong forms, surrogates and code points past U+10FFFF included. */
int utf8_length(const unsigned char *p, size_t avail)
{
    unsigned c = p[0];
    int n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)n > avail)
        return 0;
    unsigned cp = c & (0x3F >> (n - 1));
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    StrBuf b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_putn(&b, buf, n);
    int failed = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (failed) {
        sb_free(&b);
        errno = failed;
        return NULL;
    }
    *len = b.len;
    return b.s ? sb_take(&b) : xstrdup("");
}

char *path_tidy(Arena *a, const char *path)
{
    size_t n = strlen(path);
    char *out = arena_alloc(a, n + 1), *o = out;
    const char *p = path;
    if (*p == '/')
        *o++ = *p++;
    while (*p) {
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - seg);
        while (*p == '/')
            p++;
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (o > out && o[-1] != '/')
            *o++ = '/';
        memcpy(o, seg, len);
        o += len;
    }
    if (o == out)
        *o++ = '.';
    *o = 0;
    return out;
}
