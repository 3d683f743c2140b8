/*
 * Small building blocks shared by every generator stage: an arena that owns
 * all AST and catalog memory (the generator is a batch program; it frees
 * everything at once), growable pointer lists, and a string builder.
 */
#ifndef KEEL_CODEGEN_UTIL_H
#define KEEL_CODEGEN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct Arena Arena;
Arena *arena_new(void);
void arena_destroy(Arena *a);
void *arena_alloc(Arena *a, size_t size); /* zeroed; aborts on OOM */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable array of pointers, allocated in an arena. */
typedef struct PtrList {
    int n, cap;
    void **items;
    unsigned changes; /* bumped by push and remove: a NameIndex sees the list changed */
} PtrList;
PtrList *ptrlist_new(Arena *a);
void ptrlist_push(Arena *a, PtrList *l, void *item);
void ptrlist_remove(PtrList *l, int index); /* keeps the order of the rest */
#define PTRLIST_LEN(l) ((l) ? (l)->n : 0)

/* A hash from strings to non-negative ints (positions in the caller's
 * list), arena-allocated. It is only ever used to find: nothing iterates
 * it, so its order cannot leak into the output. Keys are not copied and
 * must outlive the map (arena strings do). */
typedef struct StrMap StrMap;
StrMap *strmap_new(Arena *a, int expected);
int strmap_get(const StrMap *m, const char *key); /* -1 when absent */
/* Adds key -> value unless key is there already; returns the value that
 * was there, or -1 when it added. */
int strmap_add(StrMap *m, const char *key, int value);
void strmap_clear(StrMap *m);

/* Lookups by name in a PtrList (the catalog's tables, types, functions)
 * in O(1): a StrMap from each name to its first position, and a chain to
 * the next item of the same name, so overloads come in list order. The
 * index follows the list by itself: items pushed since the last lookup
 * are added, a removal rebuilds it, an item replaced in place under the
 * same name is found (positions, not pointers, are stored). The one
 * change it cannot see is an item renamed in place: call
 * name_index_forget after that. Builds with KEEL_VERIFY_NAME_INDEX (the
 * sanitizer builds) check every answer against a linear scan. */
typedef const char *(*ItemName)(const void *item);
typedef struct NameIndex NameIndex;
NameIndex *name_index_new(Arena *a, ItemName name_of);
/* The first item of list named name, or NULL; *cursor is for name_index_next. */
void *name_index_first(NameIndex *ix, const PtrList *list, const char *name, int *cursor);
/* The next item named name after the one *cursor stands on, or NULL; the
 * list must not change between name_index_first and its name_index_next. */
void *name_index_next(NameIndex *ix, const PtrList *list, const char *name, int *cursor);
void name_index_forget(NameIndex *ix);

/* Heap string builder; sb_take hands the buffer over. */
typedef struct StrBuf {
    char *s;
    size_t len, cap;
} StrBuf;
void sb_putc(StrBuf *b, char c);
void sb_puts(StrBuf *b, const char *s);
void sb_putn(StrBuf *b, const char *s, size_t n);
void sb_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(StrBuf *b, const char *fmt, va_list ap);
char *sb_take(StrBuf *b);
void sb_free(StrBuf *b);

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* A whole file, malloc'd and NUL-terminated ("" when empty); NULL with
 * errno set when it cannot be opened or read. */
char *read_file(const char *path, size_t *len);
/* path without "." segments, repeated or trailing slashes ("./db//q.sql/"
 * is "db/q.sql"), so that two spellings of one path compare equal; ".."
 * is kept, as it means something else behind a symlink */
char *path_tidy(Arena *a, const char *path);

/* Case-insensitive comparison of a counted string with a C string. */
bool str_ieq_n(const char *a, size_t n, const char *b);
bool str_ieq(const char *a, const char *b);

/* Length of the UTF-8 sequence at p (1..4), or 0 when it is malformed. */
int utf8_length(const unsigned char *p, size_t avail);

#endif
