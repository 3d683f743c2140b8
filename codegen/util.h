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
} PtrList;
PtrList *ptrlist_new(Arena *a);
void ptrlist_push(Arena *a, PtrList *l, void *item);
void ptrlist_remove(PtrList *l, int index); /* keeps the order of the rest */
#define PTRLIST_LEN(l) ((l) ? (l)->n : 0)

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

/* Case-insensitive comparison of a counted string with a C string. */
bool str_ieq_n(const char *a, size_t n, const char *b);
bool str_ieq(const char *a, const char *b);

/* Length of the UTF-8 sequence at p (1..4), or 0 when it is malformed. */
int utf8_length(const unsigned char *p, size_t avail);

#endif
